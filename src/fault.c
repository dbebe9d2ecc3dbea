// SPDX-License-Identifier: GPL-2.0
/*
 * Faulting in user memory the way the copy engine needs it.  Used by the
 * sender, which faults in its own pages on a copier's request (xfer.c), and
 * by the receiver, for its buffers (copy.c) and its receive buffer before
 * a commit retry (receive.c).
 */

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>

#include "copy.h"
#include "fault.h"

#define MACHIPC_FAULT_BATCH	16U

/**
 * machipc_fault_in() - make user pages of the current task present
 * @uaddr: start
 * @len: bytes
 * @write: for writing (breaks copy-on-write) rather than for reading
 *	(unshares an anonymous page shared with a child, as any FOLL_PIN)
 *
 * The pages are pinned in small batches and unpinned at once: a pin faults
 * them in exactly as the copy engine's own pins need them, and with
 * FOLL_INTERRUPTIBLE a page fault that waits (userfaultfd, FUSE) ends on
 * any signal, not only a fatal one as a fault in a user copy would.
 *
 * Return: 0, -ERESTARTSYS on a signal, or -EFAULT (or -ENOMEM) if a page
 * cannot be had.
 */
int machipc_fault_in(u64 uaddr, u64 len, bool write)
{
	unsigned int flags = FOLL_INTERRUPTIBLE | (write ? FOLL_WRITE : 0);
	/* Pins too: no more at once than the copy engine's step holds. */
	unsigned int batch = min(MACHIPC_FAULT_BATCH,
				 READ_ONCE(machipc_chunk_pages) / 2);
	struct page *pages[MACHIPC_FAULT_BATCH];
	unsigned long addr = uaddr & PAGE_MASK;
	unsigned long end;
	long got;

	if (!len)
		return 0;
	if (check_add_overflow(uaddr, len, &end))
		return -EFAULT;
	while (addr < end) {
		unsigned long n = min_t(unsigned long, batch,
					DIV_ROUND_UP(end - addr, PAGE_SIZE));

		got = pin_user_pages_unlocked(addr, n, pages, flags);
		if (got > 0)
			unpin_user_pages(pages, got);
		if (signal_pending(current))
			return -ERESTARTSYS;
		if (got < 0)
			return got == -EINTR ? -ERESTARTSYS : got;
		if (!got)
			return -EFAULT;
		addr += got * PAGE_SIZE;
	}
	return 0;
}
