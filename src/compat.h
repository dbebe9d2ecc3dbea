/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: compat.h, the differences between the kernels machipc builds on
 *
 * machipc is written against the newest kernel it supports (6.12); this
 * header, force-included into every file of the module by src/Kbuild,
 * makes an older one (6.1, Debian 12's) look like it.  Each difference is
 * detected by feature, not by version: src/Kbuild compiles the probe
 * src/compat/<feature>.c against the target kernel's headers and defines
 * MACHIPC_HAVE_<FEATURE> if it compiles.  Nothing else in the module tests
 * a kernel version.  Documentation/kernels.rst lists the differences.
 */
#ifndef MACHIPC_COMPAT_H
#define MACHIPC_COMPAT_H

#ifndef MACHIPC_COMPAT_PROBED
#error "compat.h needs the feature probes of src/Kbuild"
#endif

#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

/* 6.12: struct fd's members are private, fd_file() reads the file. */
#ifndef fd_file
#define fd_file(f)	((f).file)
#endif

/*
 * 6.9: receive_fd() took the user pointer of receive_fd_user(), and writes
 * the new descriptor's number there before installing it (nothing is
 * installed if that write faults).  Before, receive_fd(file, o_flags):
 * the number is written after.  If that faults (another thread of the
 * receiver unmapped its buffer meanwhile) the descriptor stays installed,
 * close-on-exec unless inherited, and unknown to the receiver: closing it
 * could close whatever file another thread had opened under the same
 * number in between.  Both run security_file_receive().
 */
static inline int machipc_receive_fd(struct file *file, int __user *ufd,
				     unsigned int o_flags)
{
#ifdef MACHIPC_HAVE_RECEIVE_FD_UFD
	return receive_fd(file, ufd, o_flags);
#else
	int fd = receive_fd(file, o_flags);

	if (fd >= 0 && put_user(fd, ufd))
		return -EFAULT;
	return fd;
#endif
}

/* 6.5: pin_user_pages_remote() lost its vmas argument. */
#ifndef MACHIPC_HAVE_PIN_USER_PAGES_REMOTE
#define pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked) \
	pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, NULL, \
			      locked)
#endif

/*
 * 6.2: FOLL_INTERRUPTIBLE.  Before it, a page fault taken inside GUP is
 * only killable (FAULT_FLAG_KILLABLE): a userfaultfd handler that never
 * answers holds the caller until SIGKILL, and a fault through a user copy
 * (fault_in_readable()) is no better, since the arch fault handler retries
 * a kernel-mode fault until the page comes or the signal is fatal.  What
 * makes the wait interruptible is FAULT_FLAG_INTERRUPTIBLE on the fault
 * itself (handle_userfault() then sleeps TASK_INTERRUPTIBLE), and the
 * caller of handle_mm_fault() giving up on a signal when the fault returns
 * VM_FAULT_RETRY.  So on such a kernel, FOLL_INTERRUPTIBLE given to
 * pin_user_pages_unlocked() means: pin what is there without faulting
 * (FOLL_NOFAULT), fault the first missing page in with handle_mm_fault()
 * and those flags, pin again.  A page that is present and still not
 * pinnable without a fault (a read pin that must unshare a page shared
 * copy-on-write after fork(), a mapping GUP refuses such as VM_PFNMAP or
 * memfd_secret, or a page reclaimed again at once) gets a second fault-in,
 * then GUP's own verdict from a plain pin: only there, in the unlikely
 * case that the page was taken away twice, can a fault wait past a
 * non-fatal signal.
 */
#ifndef MACHIPC_HAVE_FOLL_INTERRUPTIBLE
#define MACHIPC_COMPAT_FOLL_INTERRUPTIBLE	BIT(30)
#undef FOLL_INTERRUPTIBLE
#define FOLL_INTERRUPTIBLE	MACHIPC_COMPAT_FOLL_INTERRUPTIBLE

/* Fault in the current task's page at @addr; a signal ends a wait. */
static inline int machipc_compat_fault_in_page(unsigned long addr, bool write)
{
	unsigned int fault_flags = FAULT_FLAG_ALLOW_RETRY |
				   FAULT_FLAG_KILLABLE |
				   FAULT_FLAG_INTERRUPTIBLE |
				   (write ? FAULT_FLAG_WRITE : 0);
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	vm_fault_t ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (;;) {
		vma = vma_lookup(mm, addr);
		if (!vma || !(vma->vm_flags & (write ? VM_WRITE : VM_READ))) {
			mmap_read_unlock(mm);
			return -EFAULT;
		}
		ret = handle_mm_fault(vma, addr, fault_flags, NULL);
		if (ret & VM_FAULT_COMPLETED)
			return 0;
		if (!(ret & VM_FAULT_RETRY))
			break;
		/* The lock was dropped to wait, and the wait ended. */
		if (signal_pending(current))
			return -EINTR;
		fault_flags |= FAULT_FLAG_TRIED;
		if (mmap_read_lock_killable(mm))
			return -EINTR;
	}
	mmap_read_unlock(mm);
	if (ret & VM_FAULT_ERROR)
		return vm_fault_to_errno(ret, 0) ?: -EFAULT;
	return 0;
}

static inline long
machipc_compat_pin_user_pages_unlocked(unsigned long start,
				       unsigned long nr_pages,
				       struct page **pages,
				       unsigned int gup_flags)
{
	unsigned int flags = gup_flags & ~MACHIPC_COMPAT_FOLL_INTERRUPTIBLE;
	unsigned long done = 0;
	unsigned int tries = 0;
	long got;
	int err;

	if (!(gup_flags & MACHIPC_COMPAT_FOLL_INTERRUPTIBLE))
		return pin_user_pages_unlocked(start, nr_pages, pages, flags);
	while (done < nr_pages) {
		unsigned long addr = start + done * PAGE_SIZE;

		got = pin_user_pages_fast(addr, nr_pages - done,
					  flags | FOLL_NOFAULT, pages + done);
		if (got > 0) {
			done += got;
			tries = 0;
			continue;
		}
		if (tries++ < 2) {
			err = machipc_compat_fault_in_page(addr,
							   flags & FOLL_WRITE);
		} else {
			got = pin_user_pages_unlocked(addr, 1, pages + done,
						      flags);
			if (got == 1) {
				done++;
				tries = 0;
				continue;
			}
			err = got < 0 ? got : -EFAULT;
		}
		if (err)
			return done ? done : err;
	}
	return done;
}

#define pin_user_pages_unlocked(start, nr_pages, pages, gup_flags) \
	machipc_compat_pin_user_pages_unlocked(start, nr_pages, pages, \
					       gup_flags)
#endif /* !MACHIPC_HAVE_FOLL_INTERRUPTIBLE */

#endif /* MACHIPC_COMPAT_H */
