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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

static kern_return_t lm_vm_allocate(vm_map_t target, uint64_t *address,
				    uint64_t size, int flags)
{
	uint64_t mask = vm_page_mask;
	int mflags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *hint = NULL, *p;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (flags & ~(VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE |
		      VM_FLAGS_ALIAS_MASK | VM_FLAGS_PURGABLE |
		      VM_FLAGS_RANDOM_ADDR | VM_FLAGS_NO_CACHE))
		return KERN_INVALID_ARGUMENT;
	if (size == 0) {
		*address = 0;
		return KERN_SUCCESS;
	}
	if (size > UINT64_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	size = (size + mask) & ~mask;
	if (!(flags & VM_FLAGS_ANYWHERE)) {
		hint = (void *)(uintptr_t)(*address & ~mask);
		mflags |= (flags & VM_FLAGS_OVERWRITE) ? MAP_FIXED :
							 MAP_FIXED_NOREPLACE;
	}
	p = mmap(hint, size, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (p == MAP_FAILED)
		return errno == EEXIST || errno == EINVAL ? KERN_NO_SPACE :
							    KERN_RESOURCE_SHORTAGE;
	if (hint && p != hint) {
		/* An old kernel without MAP_FIXED_NOREPLACE. */
		munmap(p, size);
		return KERN_NO_SPACE;
	}
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
