// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: vm_allocate() and friends on mmap(2), for the caller's own
 * task.  Memory is anonymous, private, zero-filled and page aligned, as
 * Mach's; out-of-line regions received in messages are such memory too.
 *
 * vm_protect() is mprotect(2).  vm_read(), vm_read_overwrite(),
 * vm_write() and vm_copy() copy with process_vm_readv(2) on the process
 * itself (or, where that call is refused, through a pipe), so that memory
 * that is not mapped or not readable / writable fails the call instead of
 * faulting; only then does the library read /proc/self/maps to tell
 * KERN_INVALID_ADDRESS (a hole) from KERN_PROTECTION_FAILURE, in address
 * order as XNU's walk of the map finds the first bad entry.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Purgeable objects                                                   */
/* ------------------------------------------------------------------ */

/*
 * Memory allocated with VM_FLAGS_PURGABLE is a purgeable object: its
 * range and state (VM_PURGABLE_NONVOLATILE, VOLATILE or EMPTY).  The
 * library never purges volatile memory itself; setting EMPTY discards
 * the contents (zero-filled pages).  Deallocating any part of it, or
 * allocating over it, makes it ordinary memory again.
 */
struct lm_purgable {
	uint64_t start, end;
	int state;
	struct lm_purgable *next;
};

static pthread_mutex_t lm_purg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lm_purgable *lm_purgs;
static pthread_once_t lm_purg_once = PTHREAD_ONCE_INIT;

static void lm_purg_prepare(void)
{
	pthread_mutex_lock(&lm_purg_lock);
}

static void lm_purg_release(void)
{
	pthread_mutex_unlock(&lm_purg_lock);
}

static void lm_purg_init(void)
{
	pthread_atfork(lm_purg_prepare, lm_purg_release, lm_purg_release);
}

/* Forget the purgeable objects overlapping [start, end). */
static void lm_purg_forget(uint64_t start, uint64_t end)
{
	struct lm_purgable *o, **pp;

	pthread_once(&lm_purg_once, lm_purg_init);
	pthread_mutex_lock(&lm_purg_lock);
	for (pp = &lm_purgs; (o = *pp);) {
		if (o->start < end && start < o->end) {
			*pp = o->next;
			free(o);
		} else {
			pp = &o->next;
		}
	}
	pthread_mutex_unlock(&lm_purg_lock);
}

static void lm_purg_add(uint64_t start, uint64_t end)
{
	struct lm_purgable *o = calloc(1, sizeof(*o));

	if (!o)
		return;
	o->start = start;
	o->end = end;
	o->state = VM_PURGABLE_NONVOLATILE;
	pthread_mutex_lock(&lm_purg_lock);
	o->next = lm_purgs;
	lm_purgs = o;
	pthread_mutex_unlock(&lm_purg_lock);
}

/*
 * Is [start, end) still one piece of private anonymous memory (no holes,
 * no file, no name such as [heap] or [stack])?  The program may have
 * unmapped or replaced the range itself, leaving a stale record.  The
 * kernel may merge it with anonymous neighbours, so it need only be
 * covered.  0 if not, or if /proc/self/maps cannot be read.
 */
static int lm_purg_live(uint64_t start, uint64_t end)
{
	unsigned long long lo, hi, off, ino;
	char line[512], perms[8];
	unsigned int maj, min;
	int line_start = 1, first, n;
	uint64_t cur = start;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (cur < end && fgets(line, sizeof(line), f)) {
		/* A long path continues the line: only line starts count. */
		first = line_start;
		line_start = !!strchr(line, '\n');
		n = 0;
		if (!first ||
		    sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &lo, &hi,
			   perms, &off, &maj, &min, &ino, &n) != 7 || !n)
			continue;
		if (hi <= cur)
			continue;
		if (lo > cur || perms[3] != 'p' || ino ||
		    (line[n] != '\0' && line[n] != '\n' &&
		     strncmp(line + n, "[anon:", 6)))
			break;
		cur = hi;
	}
	fclose(f);
	return cur >= end;
}

/*
 * The user address range: XNU's map minimum is a page above 0 here (a
 * choice: XNU's 64-bit map starts at 0 but __PAGEZERO fills the first
 * 4 GB; the library refuses the first page, as Linux's mmap_min_addr
 * refuses more); the top is x86_64 Linux's 47-bit TASK_SIZE.
 */
#define LM_VM_MIN	((uint64_t)vm_page_size)
#define LM_VM_MAX	0x00007ffffffff000ULL
#define LM_SUPERPAGE	(2ULL << 20)

/*
 * XNU's VM_FLAGS_USER_ALLOCATE is accepted.  Effects: ANYWHERE, OVERWRITE,
 * the superpage size (2 MB alignment and size, KERN_NO_SPACE for a fixed
 * address not 2 MB aligned as XNU, MADV_HUGEPAGE, not
 * inherited by fork() as XNU's inheritance NONE), PURGABLE (a purgeable
 * object, above); 4GB_CHUNK, RANDOM_ADDR, NO_CACHE, PERMANENT, TPRO, MTE,
 * GUARD_OBJECT_OPTOUT and the VM_MAKE_TAG() tag are accepted and have
 * no effect.
 */
static kern_return_t lm_vm_allocate(vm_map_t target, uint64_t *address,
				    uint64_t size, int flags)
{
	uint64_t mask = vm_page_mask, align = 0, start = 0, len;
	unsigned int superpage;
	int mflags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *hint = NULL, *p;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if ((unsigned int)flags & ~(unsigned int)VM_FLAGS_USER_ALLOCATE)
		return KERN_INVALID_ARGUMENT;
	if (size == 0) {
		*address = 0;
		return KERN_SUCCESS;
	}
	if (size > UINT64_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	size = (size + mask) & ~mask;
	superpage = ((unsigned int)flags & VM_FLAGS_SUPERPAGE_MASK) >>
		    VM_FLAGS_SUPERPAGE_SHIFT;
	if (superpage) {
		if (superpage == SUPERPAGE_SIZE_ANY) {
			if (size > UINT64_MAX - (LM_SUPERPAGE - 1))
				return KERN_INVALID_ARGUMENT;
			size = (size + LM_SUPERPAGE - 1) & ~(LM_SUPERPAGE - 1);
		} else if (superpage != SUPERPAGE_SIZE_2MB) {
			return KERN_INVALID_ARGUMENT;
		}
		if (size & (LM_SUPERPAGE - 1))
			return KERN_INVALID_ARGUMENT;
		align = LM_SUPERPAGE - 1;
	}
	if (!(flags & VM_FLAGS_ANYWHERE)) {
		start = *address & ~mask;
		/* XNU's vm_map_enter(): a fixed address must fit the mask. */
		if (start & align)
			return KERN_NO_SPACE;
		if (start < LM_VM_MIN || start + size < start ||
		    start + size > LM_VM_MAX)
			return KERN_INVALID_ADDRESS;
		hint = (void *)(uintptr_t)start;
		mflags |= (flags & VM_FLAGS_OVERWRITE) ? MAP_FIXED :
							 MAP_FIXED_NOREPLACE;
	} else if (size > LM_VM_MAX - LM_VM_MIN) {
		return KERN_NO_SPACE;
	}
	/* Anywhere with an alignment: map more and trim both ends. */
	len = hint ? size : size + align;
	p = mmap(hint, len, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (p == MAP_FAILED) {
		if (!hint)
			return errno == ENOMEM ? KERN_NO_SPACE :
						 KERN_RESOURCE_SHORTAGE;
		return errno == EEXIST ? KERN_NO_SPACE :
		       errno == EPERM || errno == EINVAL ?
		       KERN_INVALID_ADDRESS : KERN_RESOURCE_SHORTAGE;
	}
	if (hint && p != hint) {
		/* An old kernel without MAP_FIXED_NOREPLACE. */
		munmap(p, len);
		return KERN_NO_SPACE;
	}
	if (!hint && align) {
		uintptr_t a = ((uintptr_t)p + align) & ~(uintptr_t)align;

		if (a > (uintptr_t)p)
			munmap(p, a - (uintptr_t)p);
		if ((uintptr_t)p + len > a + size)
			munmap((void *)(a + size), (uintptr_t)p + len - a - size);
		p = (void *)a;
	}
	if (superpage) {
		madvise(p, size, MADV_HUGEPAGE);
		madvise(p, size, MADV_DONTFORK);
	}
	lm_purg_forget((uintptr_t)p, (uintptr_t)p + size);
	if (flags & VM_FLAGS_PURGABLE)
		lm_purg_add((uintptr_t)p, (uintptr_t)p + size);
	*address = (uintptr_t)p;
	return KERN_SUCCESS;
}

static kern_return_t lm_vm_deallocate(vm_map_t target, uint64_t address,
				      uint64_t size)
{
	uint64_t mask = vm_page_mask, start, end;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (size == 0)
		return KERN_SUCCESS;
	start = address & ~mask;
	if (address + size < address || address + size > UINT64_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	end = (address + size + mask) & ~mask;
	if (munmap((void *)(uintptr_t)start, end - start))
		return KERN_INVALID_ADDRESS;
	lm_purg_forget(start, end);
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address,
				    vm_size_t size, int flags)
{
	uint64_t a = *address;
	kern_return_t kr = lm_vm_allocate(target_task, &a, size, flags);

	if (!kr)
		*address = (vm_address_t)a;
	return kr;
}

LM_EXPORT kern_return_t vm_deallocate(vm_map_t target_task,
				      vm_address_t address, vm_size_t size)
{
	return lm_vm_deallocate(target_task, address, size);
}

LM_EXPORT kern_return_t mach_vm_allocate(vm_map_t target,
					 mach_vm_address_t *address,
					 mach_vm_size_t size, int flags)
{
	return lm_vm_allocate(target, address, size, flags);
}

LM_EXPORT kern_return_t mach_vm_deallocate(vm_map_t target,
					   mach_vm_address_t address,
					   mach_vm_size_t size)
{
	return lm_vm_deallocate(target, address, size);
}

/* ------------------------------------------------------------------ */
/* The map as /proc/self/maps tells it                                 */
/* ------------------------------------------------------------------ */

/* Called for each mapped piece [start, end) of a range, in order. */
typedef kern_return_t (*lm_vma_fn)(uint64_t start, uint64_t end, int prot,
				   void *arg);

/*
 * Walk [start, end) through /proc/self/maps: KERN_INVALID_ADDRESS at the
 * first hole, else the first error of @fn, else KERN_SUCCESS;
 * KERN_FAILURE if the file cannot be read.
 */
static kern_return_t lm_vm_walk(uint64_t start, uint64_t end, lm_vma_fn fn,
				void *arg)
{
	unsigned long long lo, hi;
	char line[512], perms[8];
	kern_return_t kr = KERN_SUCCESS;
	int line_start = 1, first;
	uint64_t cur = start;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return KERN_FAILURE;
	while (cur < end && fgets(line, sizeof(line), f)) {
		/* A long path continues the line: only line starts count. */
		first = line_start;
		line_start = !!strchr(line, '\n');
		if (!first ||
		    sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3)
			continue;
		if (hi <= cur)
			continue;
		if (lo > cur) {
			kr = KERN_INVALID_ADDRESS;
			break;
		}
		kr = fn(cur, hi < end ? hi : end,
			(perms[0] == 'r' ? PROT_READ : 0) |
			(perms[1] == 'w' ? PROT_WRITE : 0) |
			(perms[2] == 'x' ? PROT_EXEC : 0), arg);
		if (kr)
			break;
		cur = hi;
	}
	fclose(f);
	if (!kr && cur < end)
		kr = KERN_INVALID_ADDRESS;
	return kr;
}

static kern_return_t lm_vma_has(uint64_t start, uint64_t end, int prot,
				void *arg)
{
	int need = *(int *)arg;

	(void)start;
	(void)end;
	return (prot & need) == need ? KERN_SUCCESS : KERN_PROTECTION_FAILURE;
}

/* Is all of [start, end) mapped with @need?  XNU's code if not. */
static kern_return_t lm_vm_check(uint64_t start, uint64_t end, int need)
{
	kern_return_t kr = lm_vm_walk(start, end, lm_vma_has, &need);

	return kr == KERN_FAILURE ? KERN_INVALID_ADDRESS : kr;
}

/*
 * Is all of [start, end) (page aligned) mapped?  mincore(2) says so for a
 * range of up to 4096 pages; a longer one is read from /proc/self/maps.
 */
static kern_return_t lm_vm_mapped(uint64_t start, uint64_t end)
{
	unsigned char vec[4096];
	int none = 0;

	if ((end - start) / vm_page_size > sizeof(vec))
		return lm_vm_check(start, end, none);
	if (mincore((void *)(uintptr_t)start, end - start, vec) &&
	    errno == ENOMEM)
		return KERN_INVALID_ADDRESS;
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Copies that do not fault                                            */
/* ------------------------------------------------------------------ */

/* 0 once process_vm_readv() was refused (seccomp, no cross-memory attach). */
static int lm_pvm_works = 1;

/* process_vm_readv() on ourselves: 0, EFAULT or the call's errno. */
static int lm_copy_pvm(uint64_t dst, uint64_t src, uint64_t size)
{
	while (size) {
		struct iovec l = { (void *)(uintptr_t)dst, size };
		struct iovec r = { (void *)(uintptr_t)src, size };
		ssize_t n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EFAULT;
		dst += n;
		src += n;
		size -= n;
	}
	return 0;
}

/*
 * The same through a pipe: write(2) from @src fails with EFAULT where
 * @src cannot be read, read(2) into @dst where @dst cannot be written.
 * Each chunk is at most half the pipe, so a write never blocks.
 */
static int lm_copy_pipe(uint64_t dst, uint64_t src, uint64_t size)
{
	int p[2], err = 0;
	ssize_t w, r;
	long chunk;

	if (pipe2(p, O_CLOEXEC))
		return errno;
	chunk = fcntl(p[1], F_GETPIPE_SZ) / 2;
	if (chunk < 512)
		chunk = 512;
	while (size && !err) {
		w = write(p[1], (void *)(uintptr_t)src,
			  size < (uint64_t)chunk ? size : (uint64_t)chunk);
		if (w < 0) {
			err = errno == EINTR ? 0 : errno;
			continue;
		}
		src += w;
		size -= w;
		while (w > 0) {
			r = read(p[0], (void *)(uintptr_t)dst, w);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				err = r < 0 ? errno : EFAULT;
				break;
			}
			dst += r;
			w -= r;
		}
	}
	close(p[0]);
	close(p[1]);
	return err;
}

static int lm_copy(uint64_t dst, uint64_t src, uint64_t size)
{
	int err;

	if (__atomic_load_n(&lm_pvm_works, __ATOMIC_RELAXED)) {
		err = lm_copy_pvm(dst, src, size);
		if (err != ENOSYS && err != EPERM)
			return err;
		__atomic_store_n(&lm_pvm_works, 0, __ATOMIC_RELAXED);
	}
	return lm_copy_pipe(dst, src, size);
}

/*
 * Copy as XNU does, through a copy of the source (so overlapping ranges
 * behave as memmove()): 0, EFAULT or another errno.
 */
static int lm_move(uint64_t dst, uint64_t src, uint64_t size)
{
	void *tmp;
	int err;

	if (dst + size <= src || src + size <= dst)
		return lm_copy(dst, src, size);
	tmp = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tmp == MAP_FAILED)
		return ENOMEM;
	err = lm_copy((uintptr_t)tmp, src, size);
	if (!err)
		err = lm_copy(dst, (uintptr_t)tmp, size);
	munmap(tmp, size);
	return err;
}

/*
 * XNU's code for a copy that failed with @err: the source is copied in
 * first (@src_fault if it cannot be read, else the map's answer), then
 * the destination is overwritten.  Mapped memory with the right
 * protection that still faulted (a file mapping past its end) is
 * KERN_MEMORY_ERROR, as a failed page-in is on XNU.
 */
static kern_return_t lm_copy_kr(int err, uint64_t dst, uint64_t src,
				uint64_t size, kern_return_t src_fault)
{
	kern_return_t kr;

	if (err == ENOMEM || err == EMFILE || err == ENFILE)
		return KERN_RESOURCE_SHORTAGE;
	if (err != EFAULT)
		return KERN_FAILURE;
	kr = lm_vm_check(src, src + size, PROT_READ);
	if (kr)
		return src_fault ? src_fault : kr;
	kr = lm_vm_check(dst, dst + size, PROT_WRITE);
	return kr ? kr : KERN_MEMORY_ERROR;
}

/* ------------------------------------------------------------------ */
/* vm_protect                                                          */
/* ------------------------------------------------------------------ */

static int lm_mprot(vm_prot_t prot)
{
	return (prot & VM_PROT_READ ? PROT_READ : 0) |
	       (prot & VM_PROT_WRITE ? PROT_WRITE : 0) |
	       (prot & VM_PROT_EXECUTE ? PROT_EXEC : 0);
}

struct lm_pieces {
	size_t n, cap;
	struct lm_piece {
		uint64_t start, end;
		int prot;
	} *p;
};

static kern_return_t lm_vma_collect(uint64_t start, uint64_t end, int prot,
				    void *arg)
{
	struct lm_pieces *ps = arg;
	struct lm_piece *p;

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		p = realloc(ps->p, ps->cap * sizeof(*p));
		if (!p)
			return KERN_RESOURCE_SHORTAGE;
		ps->p = p;
	}
	ps->p[ps->n].start = start;
	ps->p[ps->n].end = end;
	ps->p[ps->n].prot = prot;
	ps->n++;
	return KERN_SUCCESS;
}

/*
 * set_maximum: XNU lowers the maximum protection and with it the current
 * one (current &= new maximum).  Linux has no maximum a program can set:
 * each piece of the range keeps what it has of @mprot.
 */
static kern_return_t lm_vm_lower(uint64_t start, uint64_t end, int mprot)
{
	struct lm_pieces ps = { 0, 0, NULL };
	kern_return_t kr = lm_vm_walk(start, end, lm_vma_collect, &ps);
	size_t i;

	for (i = 0; !kr && i < ps.n; i++) {
		if ((ps.p[i].prot & ~mprot) == 0)
			continue;
		if (mprotect((void *)(uintptr_t)ps.p[i].start,
			     ps.p[i].end - ps.p[i].start, ps.p[i].prot & mprot))
			kr = errno == ENOMEM ? KERN_INVALID_ADDRESS :
					       KERN_PROTECTION_FAILURE;
	}
	free(ps.p);
	return kr;
}

static kern_return_t lm_vm_protect(vm_map_t target, uint64_t address,
				   uint64_t size, boolean_t set_maximum,
				   vm_prot_t prot)
{
	uint64_t mask = vm_page_mask, start, end;
	kern_return_t kr;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (address + size < address ||
	    (prot & ~(VM_PROT_ALL | VM_PROT_COPY)))
		return KERN_INVALID_ARGUMENT;
	if (size == 0)
		return KERN_SUCCESS;
	if (address + size > UINT64_MAX - mask)
		return KERN_INVALID_ADDRESS;
	start = address & ~mask;
	end = (address + size + mask) & ~mask;
	/* XNU changes nothing when part of the range is not mapped. */
	kr = lm_vm_mapped(start, end);
	if (kr)
		return kr;
	if (set_maximum)
		return lm_vm_lower(start, end, lm_mprot(prot));
	if (mprotect((void *)(uintptr_t)start, end - start, lm_mprot(prot)))
		return errno == ENOMEM ? KERN_INVALID_ADDRESS :
		       errno == EINVAL ? KERN_INVALID_ARGUMENT :
					 KERN_PROTECTION_FAILURE;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t vm_protect(vm_map_t target_task, vm_address_t address,
				   vm_size_t size, boolean_t set_maximum,
				   vm_prot_t new_protection)
{
	return lm_vm_protect(target_task, address, size, set_maximum,
			     new_protection);
}

LM_EXPORT kern_return_t mach_vm_protect(vm_map_t target_task,
					mach_vm_address_t address,
					mach_vm_size_t size,
					boolean_t set_maximum,
					vm_prot_t new_protection)
{
	return lm_vm_protect(target_task, address, size, set_maximum,
			     new_protection);
}

/* ------------------------------------------------------------------ */
/* vm_read, vm_read_overwrite, vm_write, vm_copy                       */
/* ------------------------------------------------------------------ */

/*
 * New memory holding a copy of [address, address + size), at the same
 * offset in its first page as the source, as XNU's copyout places it.
 */
static kern_return_t lm_vm_read(vm_map_t target, uint64_t address,
				uint64_t size, vm_offset_t *data,
				mach_msg_type_number_t *count)
{
	uint64_t mask = vm_page_mask, off = address & mask, len;
	kern_return_t kr;
	void *p;
	int err;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if ((mach_msg_type_number_t)size != size)
		return KERN_INVALID_ARGUMENT;
	if (size == 0) {
		*data = 0;
		*count = 0;
		return KERN_SUCCESS;
	}
	if (address + size < address)
		return KERN_INVALID_ADDRESS;
	len = (off + size + mask) & ~mask;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return KERN_RESOURCE_SHORTAGE;
	if ((uintptr_t)p < address + size && address < (uintptr_t)p + len) {
		/* The new memory landed on the source: that was a hole. */
		munmap(p, len);
		kr = lm_vm_check(address, address + size, PROT_READ);
		return kr ? kr : KERN_INVALID_ADDRESS;
	}
	err = lm_copy((uintptr_t)p + off, address, size);
	if (err) {
		kr = lm_copy_kr(err, (uintptr_t)p + off, address, size, 0);
		munmap(p, len);
		return kr;
	}
	*data = (vm_offset_t)((uintptr_t)p + off);
	*count = (mach_msg_type_number_t)size;
	return KERN_SUCCESS;
}

static kern_return_t lm_vm_overwrite(vm_map_t target, uint64_t src,
				     uint64_t size, uint64_t dst,
				     kern_return_t src_fault)
{
	int err;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (size == 0)
		return KERN_SUCCESS;
	if (src + size < src)
		return src_fault ? src_fault : KERN_INVALID_ADDRESS;
	if (dst + size < dst)
		return KERN_INVALID_ADDRESS;
	err = lm_move(dst, src, size);
	return err ? lm_copy_kr(err, dst, src, size, src_fault) : KERN_SUCCESS;
}

LM_EXPORT kern_return_t vm_read(vm_map_read_t target_task, vm_address_t address,
				vm_size_t size, vm_offset_t *data,
				mach_msg_type_number_t *dataCnt)
{
	return lm_vm_read(target_task, address, size, data, dataCnt);
}

LM_EXPORT kern_return_t mach_vm_read(vm_map_read_t target_task,
				     mach_vm_address_t address,
				     mach_vm_size_t size, vm_offset_t *data,
				     mach_msg_type_number_t *dataCnt)
{
	return lm_vm_read(target_task, address, size, data, dataCnt);
}

LM_EXPORT kern_return_t vm_read_overwrite(vm_map_read_t target_task,
					  vm_address_t address, vm_size_t size,
					  vm_address_t data, vm_size_t *outsize)
{
	kern_return_t kr = lm_vm_overwrite(target_task, address, size, data, 0);

	if (!kr && outsize)
		*outsize = size;
	return kr;
}

LM_EXPORT kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task,
					       mach_vm_address_t address,
					       mach_vm_size_t size,
					       mach_vm_address_t data,
					       mach_vm_size_t *outsize)
{
	kern_return_t kr = lm_vm_overwrite(target_task, address, size, data, 0);

	if (!kr && outsize)
		*outsize = size;
	return kr;
}

/* The data travels out of line in XNU's request: unreadable, the send fails. */
LM_EXPORT kern_return_t vm_write(vm_map_t target_task, vm_address_t address,
				 vm_offset_t data,
				 mach_msg_type_number_t dataCnt)
{
	return lm_vm_overwrite(target_task, data, dataCnt, address,
			       MACH_SEND_INVALID_MEMORY);
}

LM_EXPORT kern_return_t mach_vm_write(vm_map_t target_task,
				      mach_vm_address_t address,
				      vm_offset_t data,
				      mach_msg_type_number_t dataCnt)
{
	return lm_vm_overwrite(target_task, data, dataCnt, address,
			       MACH_SEND_INVALID_MEMORY);
}

LM_EXPORT kern_return_t vm_copy(vm_map_t target_task,
				vm_address_t source_address, vm_size_t size,
				vm_address_t dest_address)
{
	return lm_vm_overwrite(target_task, source_address, size, dest_address,
			       0);
}

LM_EXPORT kern_return_t mach_vm_copy(vm_map_t target_task,
				     mach_vm_address_t source_address,
				     mach_vm_size_t size,
				     mach_vm_address_t dest_address)
{
	return lm_vm_overwrite(target_task, source_address, size, dest_address,
			       0);
}

/* ------------------------------------------------------------------ */
/* vm_region: /proc/self/smaps                                         */
/* ------------------------------------------------------------------ */

/*
 * One mapping as smaps tells it.  Fields XNU has and Linux does not:
 * max_protection is the VM_MAY* bits (VmFlags mr / mw / me: VM_PROT_ALL
 * for private and writable shared memory, what mprotect(2) could give);
 * inheritance NONE for MADV_DONTFORK (dc), SHARE for shared mappings,
 * else COPY; behavior RANDOM (rr) / SEQUENTIAL (sr) / DEFAULT;
 * user_wired_count 1 for mlock()ed (lo) memory; reserved FALSE.
 */
struct lm_region {
	uint64_t start, end, offset, ino;
	int prot, maxprot, shared, file;
	unsigned int vmflags;	/* LM_VMF_* */
	uint64_t rss, swap, dirty, priv;	/* in kB */
};

#define LM_VMF_DC	0x1	/* not inherited */
#define LM_VMF_LO	0x2	/* locked */
#define LM_VMF_RR	0x4
#define LM_VMF_SR	0x8
#define LM_VMF_MAY	0x10	/* mr/mw/me seen */

static int lm_vm_prot_of(const char *perms)
{
	return (perms[0] == 'r' ? VM_PROT_READ : 0) |
	       (perms[1] == 'w' ? VM_PROT_WRITE : 0) |
	       (perms[2] == 'x' ? VM_PROT_EXECUTE : 0);
}

static void lm_vm_flags(struct lm_region *r, const char *list)
{
	const char *p;
	int max = 0;

	for (p = list; p[0] && p[1]; p++) {
		if (p[0] == ' ' || p[0] == '\n')
			continue;
		if (!strncmp(p, "dc", 2))
			r->vmflags |= LM_VMF_DC;
		else if (!strncmp(p, "lo", 2))
			r->vmflags |= LM_VMF_LO;
		else if (!strncmp(p, "rr", 2))
			r->vmflags |= LM_VMF_RR;
		else if (!strncmp(p, "sr", 2))
			r->vmflags |= LM_VMF_SR;
		else if (!strncmp(p, "mr", 2))
			max |= VM_PROT_READ;
		else if (!strncmp(p, "mw", 2))
			max |= VM_PROT_WRITE;
		else if (!strncmp(p, "me", 2))
			max |= VM_PROT_EXECUTE;
		p++;
	}
	r->maxprot = max;
	r->vmflags |= LM_VMF_MAY;
}

/*
 * The first user mapping that ends above @addr (XNU's region at or after
 * it): 0, KERN_INVALID_ADDRESS if none, KERN_FAILURE if /proc is not
 * readable.  The vsyscall page, outside the user range, is not one.
 */
static kern_return_t lm_vm_find_region(uint64_t addr, struct lm_region *r)
{
	unsigned long long lo, hi, off, ino;
	char line[512], perms[8];
	unsigned int maj, min;
	int line_start = 1, first, found = 0;
	unsigned long long kb;
	FILE *f = fopen("/proc/self/smaps", "re");
	int smaps = !!f;

	if (!f)
		f = fopen("/proc/self/maps", "re");
	if (!f)
		return KERN_FAILURE;
	while (fgets(line, sizeof(line), f)) {
		first = line_start;
		line_start = !!strchr(line, '\n');
		if (!first)
			continue;
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &lo, &hi,
			   perms, &off, &maj, &min, &ino) == 7) {
			if (found)
				break;	/* the next mapping's header */
			if (hi <= addr || lo >= LM_VM_MAX)
				continue;
			found = 1;
			memset(r, 0, sizeof(*r));
			r->start = lo;
			r->end = hi;
			r->prot = lm_vm_prot_of(perms);
			r->maxprot = VM_PROT_ALL;
			r->shared = perms[3] == 's';
			r->file = ino != 0;
			r->ino = ino ^ ((uint64_t)maj << 40) ^
				 ((uint64_t)min << 32);
			r->offset = r->file ? off : 0;
			if (!smaps)
				break;
			continue;
		}
		if (!found)
			continue;
		if (sscanf(line, "Rss: %llu kB", &kb) == 1)
			r->rss = kb;
		else if (sscanf(line, "Swap: %llu kB", &kb) == 1)
			r->swap = kb;
		else if (sscanf(line, "Private_Dirty: %llu kB", &kb) == 1)
			r->dirty += kb, r->priv += kb;
		else if (sscanf(line, "Shared_Dirty: %llu kB", &kb) == 1)
			r->dirty += kb;
		else if (sscanf(line, "Private_Clean: %llu kB", &kb) == 1)
			r->priv += kb;
		else if (!strncmp(line, "VmFlags:", 8))
			lm_vm_flags(r, line + 8);
	}
	fclose(f);
	return found ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
}

static unsigned int lm_kb_pages(uint64_t kb)
{
	return (unsigned int)(kb * 1024 / vm_page_size);
}

static vm_inherit_t lm_region_inherit(const struct lm_region *r)
{
	if (r->vmflags & LM_VMF_DC)
		return VM_INHERIT_NONE;
	return r->shared ? VM_INHERIT_SHARE : VM_INHERIT_COPY;
}

static vm_behavior_t lm_region_behavior(const struct lm_region *r)
{
	if (r->vmflags & LM_VMF_RR)
		return VM_BEHAVIOR_RANDOM;
	if (r->vmflags & LM_VMF_SR)
		return VM_BEHAVIOR_SEQUENTIAL;
	return VM_BEHAVIOR_DEFAULT;
}

/* XNU's share_mode: nothing resident is SM_EMPTY; a private file is COW. */
static unsigned char lm_region_share_mode(const struct lm_region *r)
{
	if (r->shared)
		return SM_SHARED;
	if (!r->rss && !r->swap)
		return SM_EMPTY;
	return r->file && r->priv < r->rss ? SM_COW : SM_PRIVATE;
}

static uint32_t lm_region_obj_id(const struct lm_region *r)
{
	if (lm_region_share_mode(r) == SM_EMPTY)
		return 0;
	return (uint32_t)(r->file ? r->ino ^ (r->ino >> 32) :
				    r->start >> 12);
}

static void lm_region_submap(const struct lm_region *r,
			     struct vm_region_submap_info_64 *s)
{
	memset(s, 0, sizeof(*s));
	s->protection = r->prot;
	s->max_protection = r->maxprot;
	s->inheritance = lm_region_inherit(r);
	s->offset = r->offset;
	s->pages_resident = lm_kb_pages(r->rss);
	s->pages_swapped_out = lm_kb_pages(r->swap);
	s->pages_dirtied = lm_kb_pages(r->dirty);
	s->ref_count = lm_region_share_mode(r) == SM_EMPTY ? 0 : 1;
	s->external_pager = (unsigned char)r->file;
	s->share_mode = lm_region_share_mode(r);
	s->behavior = lm_region_behavior(r);
	s->object_id = lm_region_obj_id(r);
	s->user_wired_count = (r->vmflags & LM_VMF_LO) ? 1 : 0;
	s->object_id_full = s->object_id;
}

/* Fill @info for @flavor: XNU's counts; too small a count is refused. */
static kern_return_t lm_region_info(const struct lm_region *r, int flavor,
				    int *info, mach_msg_type_number_t *count)
{
	struct vm_region_submap_info_64 s;

	lm_region_submap(r, &s);
	switch (flavor) {
	case VM_REGION_BASIC_INFO_64: {
		struct vm_region_basic_info_64 b;

		if (*count < VM_REGION_BASIC_INFO_COUNT_64)
			return KERN_INVALID_ARGUMENT;
		memset(&b, 0, sizeof(b));
		b.protection = s.protection;
		b.max_protection = s.max_protection;
		b.inheritance = s.inheritance;
		b.shared = r->shared;
		b.offset = s.offset;
		b.behavior = s.behavior;
		b.user_wired_count = s.user_wired_count;
		memcpy(info, &b, sizeof(b));
		*count = VM_REGION_BASIC_INFO_COUNT_64;
		return KERN_SUCCESS;
	}
	case VM_REGION_BASIC_INFO: {
		struct vm_region_basic_info b;

		if (*count < VM_REGION_BASIC_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		memset(&b, 0, sizeof(b));
		b.protection = s.protection;
		b.max_protection = s.max_protection;
		b.inheritance = s.inheritance;
		b.shared = r->shared;
		b.offset = (uint32_t)s.offset;
		b.behavior = s.behavior;
		b.user_wired_count = s.user_wired_count;
		memcpy(info, &b, sizeof(b));
		*count = VM_REGION_BASIC_INFO_COUNT;
		return KERN_SUCCESS;
	}
	case VM_REGION_EXTENDED_INFO: {
		struct vm_region_extended_info e;

		if (*count < VM_REGION_EXTENDED_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		memset(&e, 0, sizeof(e));
		e.protection = s.protection;
		e.pages_resident = s.pages_resident;
		e.pages_swapped_out = s.pages_swapped_out;
		e.pages_dirtied = s.pages_dirtied;
		e.ref_count = s.ref_count;
		e.external_pager = s.external_pager;
		e.share_mode = s.share_mode;
		memcpy(info, &e, sizeof(e));
		*count = VM_REGION_EXTENDED_INFO_COUNT;
		return KERN_SUCCESS;
	}
	case VM_REGION_TOP_INFO: {
		struct vm_region_top_info t;

		if (*count < VM_REGION_TOP_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		memset(&t, 0, sizeof(t));
		t.obj_id = s.object_id;
		t.ref_count = s.ref_count;
		if (r->shared)
			t.shared_pages_resident = s.pages_resident;
		else
			t.private_pages_resident = s.pages_resident;
		t.share_mode = s.share_mode;
		memcpy(info, &t, sizeof(t));
		*count = VM_REGION_TOP_INFO_COUNT;
		return KERN_SUCCESS;
	}
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

static kern_return_t lm_vm_region(vm_map_t target, uint64_t *address,
				  uint64_t *size, int flavor, int *info,
				  mach_msg_type_number_t *count,
				  mach_port_t *object_name, int legacy)
{
	struct lm_region r;
	kern_return_t kr;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (!address || !size || !info || !count)
		return KERN_INVALID_ARGUMENT;
	/* vm_region_64() and mach_vm_region() take the old flavor as new. */
	if (!legacy && flavor == VM_REGION_BASIC_INFO)
		flavor = VM_REGION_BASIC_INFO_64;
	if (flavor != VM_REGION_BASIC_INFO_64 &&
	    flavor != VM_REGION_BASIC_INFO &&
	    flavor != VM_REGION_EXTENDED_INFO && flavor != VM_REGION_TOP_INFO)
		return KERN_INVALID_ARGUMENT;
	kr = lm_vm_find_region(*address, &r);
	if (kr == KERN_FAILURE)
		return KERN_INVALID_ADDRESS;
	if (kr)
		return kr;
	kr = lm_region_info(&r, flavor, info, count);
	if (kr)
		return kr;
	*address = r.start;
	*size = r.end - r.start;
	if (object_name)
		*object_name = MACH_PORT_NULL;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_vm_region(vm_map_read_t target_task,
				       mach_vm_address_t *address,
				       mach_vm_size_t *size,
				       vm_region_flavor_t flavor,
				       vm_region_info_t info,
				       mach_msg_type_number_t *infoCnt,
				       mach_port_t *object_name)
{
	return lm_vm_region(target_task, address, size, flavor, info, infoCnt,
			    object_name, 0);
}

LM_EXPORT kern_return_t vm_region_64(vm_map_read_t target_task,
				     vm_address_t *address, vm_size_t *size,
				     vm_region_flavor_t flavor,
				     vm_region_info_t info,
				     mach_msg_type_number_t *infoCnt,
				     mach_port_t *object_name)
{
	uint64_t a = address ? *address : 0, s = 0;
	kern_return_t kr = lm_vm_region(target_task, &a, &s, flavor, info,
					infoCnt, object_name, 0);

	if (!kr) {
		*address = (vm_address_t)a;
		*size = (vm_size_t)s;
	}
	return kr;
}

LM_EXPORT kern_return_t vm_region(vm_map_read_t target_task,
				  vm_address_t *address, vm_size_t *size,
				  vm_region_flavor_t flavor, vm_region_info_t info,
				  mach_msg_type_number_t *infoCnt,
				  mach_port_t *object_name)
{
	uint64_t a = address ? *address : 0, s = 0;
	kern_return_t kr = lm_vm_region(target_task, &a, &s, flavor, info,
					infoCnt, object_name, 1);

	if (!kr) {
		*address = (vm_address_t)a;
		*size = (vm_size_t)s;
	}
	return kr;
}

/*
 * Linux has no submaps: every region is at depth 0, *nesting_depth comes
 * back 0.  The count picks the structure as on XNU: the short info below
 * VM_REGION_SUBMAP_INFO_V0_COUNT_64, else V0, V1 or V2.
 */
static kern_return_t lm_vm_recurse(vm_map_t target, uint64_t *address,
				   uint64_t *size, natural_t *depth, int *info,
				   mach_msg_type_number_t *count)
{
	struct vm_region_submap_info_64 s;
	struct lm_region r;
	mach_msg_type_number_t n;
	kern_return_t kr;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (!address || !size || !depth || !info || !count ||
	    *count < VM_REGION_SUBMAP_SHORT_INFO_COUNT_64)
		return KERN_INVALID_ARGUMENT;
	kr = lm_vm_find_region(*address, &r);
	if (kr == KERN_FAILURE)
		return KERN_INVALID_ADDRESS;
	if (kr)
		return kr;
	lm_region_submap(&r, &s);
	if (*count < VM_REGION_SUBMAP_INFO_V0_COUNT_64) {
		struct vm_region_submap_short_info_64 sh;

		memset(&sh, 0, sizeof(sh));
		sh.protection = s.protection;
		sh.max_protection = s.max_protection;
		sh.inheritance = s.inheritance;
		sh.offset = s.offset;
		sh.ref_count = s.ref_count;
		sh.external_pager = s.external_pager;
		sh.share_mode = s.share_mode;
		sh.behavior = s.behavior;
		sh.object_id = s.object_id;
		sh.user_wired_count = s.user_wired_count;
		memcpy(info, &sh, sizeof(sh));
		*count = VM_REGION_SUBMAP_SHORT_INFO_COUNT_64;
	} else {
		n = *count >= VM_REGION_SUBMAP_INFO_V2_COUNT_64 ?
			    VM_REGION_SUBMAP_INFO_V2_COUNT_64 :
		    *count >= VM_REGION_SUBMAP_INFO_V1_COUNT_64 ?
			    VM_REGION_SUBMAP_INFO_V1_COUNT_64 :
			    VM_REGION_SUBMAP_INFO_V0_COUNT_64;
		memcpy(info, &s, n * sizeof(natural_t));
		*count = n;
	}
	*address = r.start;
	*size = r.end - r.start;
	*depth = 0;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_vm_region_recurse(vm_map_read_t target_task,
					       mach_vm_address_t *address,
					       mach_vm_size_t *size,
					       natural_t *nesting_depth,
					       vm_region_recurse_info_t info,
					       mach_msg_type_number_t *infoCnt)
{
	return lm_vm_recurse(target_task, address, size, nesting_depth, info,
			     infoCnt);
}

LM_EXPORT kern_return_t vm_region_recurse_64(vm_map_read_t target_task,
					     vm_address_t *address,
					     vm_size_t *size,
					     natural_t *nesting_depth,
					     vm_region_recurse_info_t info,
					     mach_msg_type_number_t *infoCnt)
{
	uint64_t a = address ? *address : 0, s = 0;
	kern_return_t kr = lm_vm_recurse(target_task, &a, &s, nesting_depth,
					 info, infoCnt);

	if (!kr) {
		*address = (vm_address_t)a;
		*size = (vm_size_t)s;
	}
	return kr;
}

/* ------------------------------------------------------------------ */
/* vm_inherit, vm_wire, vm_behavior_set, vm_msync, purgable control    */
/* ------------------------------------------------------------------ */

/* A range's page-aligned bounds: 0, or XNU's code for a bad range. */
static kern_return_t lm_vm_range(uint64_t address, uint64_t size,
				 uint64_t *start, uint64_t *end)
{
	uint64_t mask = vm_page_mask;

	if (address + size < address || address + size > UINT64_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	*start = address & ~mask;
	*end = (address + size + mask) & ~mask;
	return KERN_SUCCESS;
}

/*
 * NONE is MADV_DONTFORK, COPY MADV_DOFORK (shared memory stays shared:
 * Linux cannot turn it private).  SHARE is MADV_DOFORK on a range whose
 * mappings are all shared already; Linux cannot make private memory
 * shared with a child, so a private mapping in the range fails the call
 * with KERN_NOT_SUPPORTED, changing nothing.  As XNU, holes in the range
 * are skipped.
 */
static kern_return_t lm_vm_inherit(vm_map_t target, uint64_t address,
				   uint64_t size, vm_inherit_t inh)
{
	uint64_t start, end, cur;
	struct lm_region r;
	kern_return_t kr;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (inh != VM_INHERIT_NONE && inh != VM_INHERIT_COPY &&
	    inh != VM_INHERIT_SHARE)
		return KERN_INVALID_ARGUMENT;
	kr = lm_vm_range(address, size, &start, &end);
	if (kr || start == end)
		return kr;
	for (cur = start; inh == VM_INHERIT_SHARE && cur < end; cur = r.end) {
		kr = lm_vm_find_region(cur, &r);
		if (kr == KERN_INVALID_ADDRESS || (!kr && r.start >= end))
			break;
		if (kr)
			return kr;
		if (!r.shared)
			return KERN_NOT_SUPPORTED;
	}
	if (madvise((void *)(uintptr_t)start, end - start,
		    inh == VM_INHERIT_NONE ? MADV_DONTFORK : MADV_DOFORK) &&
	    errno != ENOMEM)
		return KERN_FAILURE;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t vm_inherit(vm_map_t target_task, vm_address_t address,
				   vm_size_t size, vm_inherit_t new_inheritance)
{
	return lm_vm_inherit(target_task, address, size, new_inheritance);
}

LM_EXPORT kern_return_t mach_vm_inherit(vm_map_t target_task,
					mach_vm_address_t address,
					mach_vm_size_t size,
					vm_inherit_t new_inheritance)
{
	return lm_vm_inherit(target_task, address, size, new_inheritance);
}

/*
 * The request goes to the privileged host port, which no program of the
 * library has: XNU converts any other right to HOST_PRIV_NULL and returns
 * KERN_INVALID_HOST; a name that is no send right fails the send.  The
 * library's objects (mach_host_self(), mach_task_self(), clocks) are
 * dead names standing for send rights.
 */
static kern_return_t lm_vm_wire(host_priv_t host)
{
	struct machipc_name_info info;

	if (host == MACH_PORT_NULL || host == MACH_PORT_DEAD || lm_ready() ||
	    lm_name_info(host, &info))
		return MACH_SEND_INVALID_DEST;
	return (info.rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_SEND_ONCE |
			       MACHIPC_RIGHT_DEAD_NAME)) ?
	       KERN_INVALID_HOST : MACH_SEND_INVALID_DEST;
}

LM_EXPORT kern_return_t vm_wire(host_priv_t host, vm_map_t task,
				vm_address_t address, vm_size_t size,
				vm_prot_t desired_access)
{
	(void)task;
	(void)address;
	(void)size;
	(void)desired_access;
	return lm_vm_wire(host);
}

LM_EXPORT kern_return_t mach_vm_wire(host_priv_t host, vm_map_t task,
				     mach_vm_address_t address,
				     mach_vm_size_t size,
				     vm_prot_t desired_access)
{
	(void)task;
	(void)address;
	(void)size;
	(void)desired_access;
	return lm_vm_wire(host);
}

#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

/*
 * VM_BEHAVIOR_ZERO on [start, end), all mapped: KERN_PROTECTION_FAILURE
 * unless all of it is writable (XNU's code), checked before any change.  Private anonymous memory is
 * dropped (MADV_DONTNEED: it reads back as zeroes and commits nothing);
 * shared and file-backed memory is zero-filled.
 */
static kern_return_t lm_vm_zero(uint64_t start, uint64_t end)
{
	uint64_t cur, a, b;
	struct lm_region r;
	kern_return_t kr;

	kr = lm_vm_check(start, end, PROT_WRITE);
	if (kr)
		return kr;
	for (cur = start; cur < end; cur = b) {
		kr = lm_vm_find_region(cur, &r);
		if (kr == KERN_INVALID_ADDRESS || (!kr && r.start >= end))
			return KERN_INVALID_ADDRESS;	/* unmapped meanwhile */
		if (kr)
			return kr;
		if (r.start > cur)
			return KERN_INVALID_ADDRESS;
		a = cur;
		b = r.end < end ? r.end : end;
		if (!(r.prot & VM_PROT_WRITE))
			return KERN_PROTECTION_FAILURE;
		/* mlock()ed memory refuses MADV_DONTNEED: zero-fill it. */
		if (!r.shared && !r.file &&
		    !madvise((void *)(uintptr_t)a, b - a, MADV_DONTNEED))
			continue;
		memset((void *)(uintptr_t)a, 0, b - a);
	}
	return KERN_SUCCESS;
}

/*
 * Each behavior as madvise(2): DEFAULT / RSEQNTL NORMAL, RANDOM,
 * SEQUENTIAL, WILLNEED; DONTNEED (XNU deactivates, keeping the data)
 * COLD; FREE and REUSABLE FREE (the data may go); PAGEOUT PAGEOUT; ZERO
 * zeroes (writable memory only, see lm_vm_zero()); REUSE, CAN_REUSE and
 * ZERO_WIRED_PAGES have no effect.  A hint the kernel lacks is ignored.
 * The range must be mapped (KERN_INVALID_ADDRESS).
 */
static kern_return_t lm_vm_behavior(vm_map_t target, uint64_t address,
				    uint64_t size, vm_behavior_t b)
{
	uint64_t start, end;
	kern_return_t kr;
	int advice;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	switch (b) {
	case VM_BEHAVIOR_DEFAULT:
	case VM_BEHAVIOR_RSEQNTL:
		advice = MADV_NORMAL;
		break;
	case VM_BEHAVIOR_RANDOM:
		advice = MADV_RANDOM;
		break;
	case VM_BEHAVIOR_SEQUENTIAL:
		advice = MADV_SEQUENTIAL;
		break;
	case VM_BEHAVIOR_WILLNEED:
		advice = MADV_WILLNEED;
		break;
	case VM_BEHAVIOR_DONTNEED:
		advice = MADV_COLD;
		break;
	case VM_BEHAVIOR_FREE:
	case VM_BEHAVIOR_REUSABLE:
		advice = MADV_FREE;
		break;
	case VM_BEHAVIOR_PAGEOUT:
		advice = MADV_PAGEOUT;
		break;
	case VM_BEHAVIOR_ZERO:
	case VM_BEHAVIOR_REUSE:
	case VM_BEHAVIOR_CAN_REUSE:
	case VM_BEHAVIOR_ZERO_WIRED_PAGES:
		advice = -1;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	kr = lm_vm_range(address, size, &start, &end);
	if (kr || start == end)
		return kr;
	kr = lm_vm_mapped(start, end);
	if (kr)
		return kr;
	if (b == VM_BEHAVIOR_ZERO)
		return lm_vm_zero(start, end);
	if (advice >= 0)
		madvise((void *)(uintptr_t)start, end - start, advice);
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t vm_behavior_set(vm_map_t target_task,
					vm_address_t address, vm_size_t size,
					vm_behavior_t new_behavior)
{
	return lm_vm_behavior(target_task, address, size, new_behavior);
}

LM_EXPORT kern_return_t mach_vm_behavior_set(vm_map_t target_task,
					     mach_vm_address_t address,
					     mach_vm_size_t size,
					     vm_behavior_t new_behavior)
{
	return lm_vm_behavior(target_task, address, size, new_behavior);
}

/*
 * msync(2) with MS_SYNC / MS_ASYNC / MS_INVALIDATE; KILLPAGES and
 * REUSABLEPAGES discard private pages (MADV_FREE), DEACTIVATE is
 * MADV_COLD.  Holes are skipped, as by XNU, unless VM_SYNC_CONTIGUOUS
 * (what msync(2) passes on macOS) asks for KERN_INVALID_ADDRESS.
 */
static kern_return_t lm_vm_msync(vm_map_t target, uint64_t address,
				 uint64_t size, vm_sync_t flags)
{
	uint64_t start, end, cur;
	struct lm_region r;
	kern_return_t kr;
	int ms = 0;

	if ((flags & VM_SYNC_ASYNCHRONOUS) && (flags & VM_SYNC_SYNCHRONOUS))
		return KERN_INVALID_ARGUMENT;
	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	kr = lm_vm_range(address, size, &start, &end);
	if (kr || start == end)
		return kr;
	if ((flags & VM_SYNC_CONTIGUOUS) && lm_vm_mapped(start, end))
		return KERN_INVALID_ADDRESS;
	if (flags & VM_SYNC_SYNCHRONOUS)
		ms |= MS_SYNC;
	else if (flags & VM_SYNC_ASYNCHRONOUS)
		ms |= MS_ASYNC;
	if (flags & VM_SYNC_INVALIDATE)
		ms |= MS_INVALIDATE;
	for (cur = start; cur < end; cur = r.end) {
		uint64_t a, b;

		kr = lm_vm_find_region(cur, &r);
		if (kr == KERN_INVALID_ADDRESS || (!kr && r.start >= end))
			break;
		if (kr)
			return kr;	/* /proc unreadable */
		a = r.start > cur ? r.start : cur;
		b = r.end < end ? r.end : end;
		if (r.shared && r.file && msync((void *)(uintptr_t)a, b - a, ms))
			return errno == EBUSY ? KERN_FAILURE :
						KERN_INVALID_ADDRESS;
		if (!r.shared &&
		    (flags & (VM_SYNC_KILLPAGES | VM_SYNC_REUSABLEPAGES)))
			madvise((void *)(uintptr_t)a, b - a, MADV_FREE);
		if (flags & VM_SYNC_DEACTIVATE)
			madvise((void *)(uintptr_t)a, b - a, MADV_COLD);
	}
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t vm_msync(vm_map_t target_task, vm_address_t address,
				 vm_size_t size, vm_sync_t sync_flags)
{
	return lm_vm_msync(target_task, address, size, sync_flags);
}

LM_EXPORT kern_return_t mach_vm_msync(vm_map_t target_task,
				      mach_vm_address_t address,
				      mach_vm_size_t size, vm_sync_t sync_flags)
{
	return lm_vm_msync(target_task, address, size, sync_flags);
}

/*
 * XNU's checks, in its order: the control, the address (KERN_INVALID_ADDRESS
 * in a hole), write access to set (KERN_PROTECTION_FAILURE), then memory
 * that is not a purgeable object is KERN_INVALID_ARGUMENT.  *state gets
 * the state before (SET) or the state (GET).  PURGE_ALL succeeds.
 */
static kern_return_t lm_vm_purgable(vm_map_t target, uint64_t address,
				    vm_purgable_t control, int *state)
{
	uint64_t start = address & ~(uint64_t)vm_page_mask;
	struct lm_purgable *o;
	struct lm_region r;
	kern_return_t kr = KERN_INVALID_ARGUMENT;
	int old, want;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (control == VM_PURGABLE_PURGE_ALL)
		return KERN_SUCCESS;
	if (control != VM_PURGABLE_SET_STATE &&
	    control != VM_PURGABLE_GET_STATE)
		return KERN_INVALID_ARGUMENT;
	if (!state)
		return KERN_INVALID_ARGUMENT;
	if (lm_vm_find_region(start, &r) || r.start > start)
		return KERN_INVALID_ADDRESS;
	if (control == VM_PURGABLE_SET_STATE && !(r.prot & VM_PROT_WRITE))
		return KERN_PROTECTION_FAILURE;
	pthread_once(&lm_purg_once, lm_purg_init);
	pthread_mutex_lock(&lm_purg_lock);
	for (o = lm_purgs; o && !(o->start <= start && start < o->end);
	     o = o->next)
		;
	if (o && !lm_purg_live(o->start, o->end)) {
		/* Stale: the memory is no purgeable object any more. */
		struct lm_purgable **pp;

		for (pp = &lm_purgs; *pp != o; pp = &(*pp)->next)
			;
		*pp = o->next;
		free(o);
		o = NULL;
	}
	if (o) {
		old = o->state;
		kr = KERN_SUCCESS;
		if (control == VM_PURGABLE_SET_STATE) {
			want = *state & VM_PURGABLE_STATE_MASK;
			if (want == VM_PURGABLE_EMPTY &&
			    old != VM_PURGABLE_EMPTY)
				madvise((void *)(uintptr_t)o->start,
					o->end - o->start, MADV_DONTNEED);
			if (want == VM_PURGABLE_DENY)
				kr = KERN_INVALID_ARGUMENT;
			else
				o->state = want;
		}
		if (!kr)
			*state = old;
	}
	pthread_mutex_unlock(&lm_purg_lock);
	return kr;
}

LM_EXPORT kern_return_t vm_purgable_control(vm_map_t target_task,
					    vm_address_t address,
					    vm_purgable_t control, int *state)
{
	return lm_vm_purgable(target_task, address, control, state);
}

LM_EXPORT kern_return_t mach_vm_purgable_control(vm_map_t target_task,
						 mach_vm_address_t address,
						 vm_purgable_t control,
						 int *state)
{
	return lm_vm_purgable(target_task, address, control, state);
}
