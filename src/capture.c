// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line data captured at the send (capture.h): the copy into kernel
 * pages, and its delivery into the receiver's buffers.
 */

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "account.h"
#include "capture.h"
#include "fault.h"
#include "xfer.h"

/* Pages copied between two looks for a signal. */
#define MACHIPC_CAPTURE_BATCH		16
/* Times one page's copy may fault before the send gives up (-EFAULT). */
#define MACHIPC_CAPTURE_FAULT_RETRIES	16

static const gfp_t machipc_capture_gfp = GFP_KERNEL_ACCOUNT |
					 __GFP_RETRY_MAYFAIL | __GFP_NOWARN;

/* What a capture of @npages pages costs its sender. */
static size_t machipc_capture_cost(unsigned long npages)
{
	return MACHIPC_COST_CAPTURE + npages * MACHIPC_COST_CAPTURE_PAGE;
}

void machipc_capture_free(struct machipc_capture *capture)
{
	unsigned long i;

	if (!capture)
		return;
	for (i = 0; capture->pages && i < capture->npages; i++)
		if (capture->pages[i])
			__free_page(capture->pages[i]);
	kvfree(capture->pages);
	machipc_account_uncharge(capture->account, capture->charge);
	machipc_account_put(capture->account);
	kfree(capture);
}

/*
 * Copy @len bytes of the sender's memory at @src into @page.  The copy runs
 * with page faults disabled; a missing page is faulted in by
 * machipc_fault_in(), which a signal interrupts even when the fault waits
 * on a userfaultfd or FUSE pager, so the sender's own pager can delay only
 * the sender, and never past a signal.
 */
static int machipc_capture_page(struct page *page, u64 src, size_t len)
{
	unsigned int faults = 0;
	size_t done = 0;
	int err;

	for (;;) {
		void *kaddr = kmap_local_page(page);
		unsigned long left;

		pagefault_disable();
		left = copy_from_user(kaddr + done, u64_to_user_ptr(src + done),
				      len - done);
		pagefault_enable();
		kunmap_local(kaddr);
		done = len - left;
		if (!left)
			return 0;
		if (++faults > MACHIPC_CAPTURE_FAULT_RETRIES)
			return -EFAULT;
		err = machipc_fault_in(src + done, len - done, false);
		if (err)
			return err;
	}
}

/* Fill the pages of region @k from the sender's memory. */
static int machipc_capture_region(struct machipc_capture *capture, u32 k)
{
	struct page **pages = capture->pages + capture->first[k];
	u64 src = machipc_ool_desc(&capture->ool, k)->address;
	u64 size = machipc_ool_desc(&capture->ool, k)->size;
	unsigned long i;
	u64 off;
	int err;

	for (i = 0, off = 0; off < size; i++, off += PAGE_SIZE) {
		if (i % MACHIPC_CAPTURE_BATCH == MACHIPC_CAPTURE_BATCH - 1) {
			if (signal_pending(current))
				return -ERESTARTSYS;
			cond_resched();
		}
		pages[i] = alloc_page(machipc_capture_gfp);
		if (!pages[i])
			return -ENOMEM;
		err = machipc_capture_page(pages[i], src + off,
					   min_t(u64, PAGE_SIZE, size - off));
		if (err)
			return err;
	}
	return 0;
}

/**
 * machipc_capture_create() - copy a message's out-of-line regions now
 * @msg: the validated message, every out-of-line descriptor of which has
 *	%MACHIPC_OOL_CAPTURE
 * @npages: the pages its regions span, each from a page of its own
 *	(machipc_msg_counts.ool_pages)
 * @account: the sender's, charged until the capture is freed
 *
 * Everything is charged before anything is allocated, and a failure frees
 * it all: the send then fails with nothing changed.
 *
 * Return: the capture, or an ERR_PTR: -EFAULT (a region is not readable),
 * -ENOBUFS (over the account's limit), -ENOMEM, -ERESTARTSYS (a signal,
 * stop, ptrace or freeze).
 */
struct machipc_capture *machipc_capture_create(const struct machipc_msg *msg,
					       u64 npages,
					       struct machipc_account *account)
{
	struct machipc_capture *capture;
	unsigned long first = 0;
	size_t cost;
	u32 k;
	int err;

	cost = machipc_capture_cost(npages);
	err = machipc_account_charge(account, cost);
	if (err)
		return ERR_PTR(err);
	capture = kzalloc(sizeof(*capture), machipc_capture_gfp);
	if (!capture) {
		machipc_account_uncharge(account, cost);
		return ERR_PTR(-ENOMEM);
	}
	capture->account = machipc_account_get(account);
	capture->charge = cost;
	capture->npages = npages;
	err = machipc_msg_parse_ool(msg, &capture->ool);
	if (err)
		goto err_free;
	if (npages) {
		capture->pages = kvcalloc(npages, sizeof(struct page *),
					  machipc_capture_gfp);
		if (!capture->pages) {
			err = -ENOMEM;
			goto err_free;
		}
	}

	for (k = 0; k < capture->ool.count; k++) {
		capture->first[k] = first;
		first += DIV_ROUND_UP(machipc_ool_desc(&capture->ool, k)->size,
				      PAGE_SIZE);
		err = machipc_capture_region(capture, k);
		if (err)
			goto err_free;
	}
	return capture;

err_free:
	machipc_capture_free(capture);
	return ERR_PTR(err);
}

/**
 * machipc_capture_write() - copy captured data into the receiver's buffers
 * @capture: the data
 * @copier: the buffers, which machipc_copier_fits() accepted
 *
 * Called with page faults disabled, under the receiver's space lock.
 *
 * Return: 0, or -EFAULT if a buffer page is missing: the caller faults the
 * buffers in and tries again.
 */
int machipc_capture_write(const struct machipc_capture *capture,
			  const struct machipc_copier *copier)
{
	u32 k;

	for (k = 0; k < capture->ool.count; k++) {
		struct page **pages = capture->pages + capture->first[k];
		u64 dst = copier->bufs[k].address;
		u64 size = machipc_ool_desc(&capture->ool, k)->size;
		unsigned long i;
		u64 off;

		for (i = 0, off = 0; off < size; i++, off += PAGE_SIZE) {
			size_t len = min_t(u64, PAGE_SIZE, size - off);
			void *kaddr = kmap_local_page(pages[i]);
			unsigned long left;

			left = copy_to_user(u64_to_user_ptr(dst + off), kaddr,
					    len);
			kunmap_local(kaddr);
			if (left)
				return -EFAULT;
			/* Page faults are off, preemption is not. */
			if (i % MACHIPC_CAPTURE_BATCH == MACHIPC_CAPTURE_BATCH - 1)
				cond_resched();
		}
	}
	return 0;
}
