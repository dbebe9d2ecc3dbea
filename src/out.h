/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_OUT_H
#define MACHIPC_OUT_H

#include <linux/types.h>
#include <linux/uaccess.h>

/**
 * struct machipc_out - the caller's argument block, for writing results
 * @uptr: the block in user memory
 * @karg: the kernel copy, which the operation updates
 * @size: its size
 * @written: the results were written at the commit point
 * @on_error: write the block back although the call fails
 *
 * An operation that changes state writes its results with
 * machipc_out_write() just before its commit point, so that a block that
 * cannot be written (another thread unmapped it, or an injected fault) makes
 * the call fail with -EFAULT having changed nothing.  Read-only operations
 * leave the write to the ioctl layer.
 */
struct machipc_out {
	void __user *uptr;
	const void *karg;
	size_t size;
	bool written;
	bool on_error;
};

/*
 * Write the block now.  Page faults are disabled (the caller may hold its
 * space lock); the ioctl layer made sure the block was writable, so only a
 * concurrent unmap or fault injection fails here.  A NULL @out (an
 * in-kernel caller, e.g. KUnit) writes nothing.
 */
static inline int machipc_out_write(struct machipc_out *out)
{
	unsigned long left;

	if (!out)
		return 0;
	pagefault_disable();
	left = copy_to_user(out->uptr, out->karg, out->size);
	pagefault_enable();
	if (left)
		return -EFAULT;
	out->written = true;
	return 0;
}

#endif /* MACHIPC_OUT_H */
