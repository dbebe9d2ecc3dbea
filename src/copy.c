// SPDX-License-Identifier: GPL-2.0
/*
 * The copy engine: a receiver moves a message's out-of-line data from the
 * sender's pages to its own buffers with one copy, a chunk at a time.
 *
 * A chunk is chunk_pages pages of the sender's data, copied in steps.  Per
 * step the receiver (the copier) pins up to half a chunk of the sender's
 * source pages (FOLL_PIN | FOLL_NOFAULT, under the sender's mmap lock,
 * taken only if free), copies them to its own buffer with copy_to_user()
 * with page faults disabled, and unpins them: at most chunk_pages / 2
 * pages are pinned at any time.  It never waits on the sender's memory:
 * a page the pin could not get without a fault is faulted in by the
 * sender itself, on request, while the copier sleeps under its own
 * deadline and signals.  It never waits on its own memory while holding
 * the sender's pages: a page of its buffer that the copy finds missing
 * ends the step, and is faulted in with nothing of the sender's held.  So
 * the only per-transfer kernel memory is the chunk's page array, the pins
 * last one short section, and nobody's pager can stall anyone else past
 * their deadline or a signal.
 * Documentation/copy-engine.rst explains the choice.
 */

#include <linux/highmem.h>
#include <linux/mman.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "copy.h"
#include "fault.h"
#include "inject.h"
#include "msg.h"
#include "port.h"
#include "pset.h"
#include "sleep.h"
#include "space.h"
#include "trace.h"
#include "xfer.h"

/* A step pins half a chunk of the sender's pages: at least one. */
#define MACHIPC_CHUNK_PAGES_MIN	2U
#define MACHIPC_CHUNK_PAGES_MAX	1024U

unsigned int machipc_chunk_pages = 64;

static int machipc_chunk_pages_set(const char *val,
				   const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n < MACHIPC_CHUNK_PAGES_MIN || n > MACHIPC_CHUNK_PAGES_MAX)
		return -EINVAL;
	WRITE_ONCE(machipc_chunk_pages, n);
	return 0;
}

static const struct kernel_param_ops machipc_chunk_pages_ops = {
	.set = machipc_chunk_pages_set,
	.get = param_get_uint,
};

module_param_cb(chunk_pages, &machipc_chunk_pages_ops, &machipc_chunk_pages,
		0644);
MODULE_PARM_DESC(chunk_pages,
		 "Pages of an out-of-line transfer copied per chunk (default 64, 2 to 1024); the copy engine pins at most half of them at once, the sender's");

/*
 * How many times one receive may start copying a message over because
 * its sender's mapping changed under the copy (an mprotect(), munmap(),
 * madvise() of its regions).  Past that the sender is taken to be
 * changing it on purpose and its send fails with -EAGAIN, so that the
 * receiver moves on to the next message instead of copying forever.
 */
unsigned int machipc_max_recopies = 64;
module_param_named(max_recopies, machipc_max_recopies, uint, 0644);
MODULE_PARM_DESC(max_recopies,
		 "Most times a receive recopies an out-of-line message whose sender's mapping changed before the send fails with EAGAIN (default 64)");

/* What a receive with out-of-line buffers is charged for its copier. */
size_t machipc_copier_cost(unsigned int chunk_pages)
{
	return struct_size_t(struct machipc_copier, pages, chunk_pages);
}

/**
 * machipc_copier_create() - the receiver's half for one receive call
 * @account: the receiver's, charged machipc_copier_cost() until freed
 * @ubufs: user address of @nbufs struct machipc_ool_buf
 * @nbufs: 1 to %MACHIPC_OOL_MAX; or 0 for a receive whose buffers the
 *	kernel maps (%MACHIPC_MSG_RCV_OOL_ALLOC, machipc_copier_map())
 *
 * Return: the copier or an ERR_PTR: -ENOBUFS, -ENOMEM, -EFAULT.
 */
struct machipc_copier *machipc_copier_create(struct machipc_account *account,
					     u64 ubufs, u32 nbufs)
{
	unsigned int chunk_pages = READ_ONCE(machipc_chunk_pages);
	size_t cost = machipc_copier_cost(chunk_pages);
	struct machipc_copier *copier;
	int err;

	err = machipc_account_charge(account, cost);
	if (err)
		return ERR_PTR(err);
	copier = kvzalloc(cost, GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				__GFP_NOWARN);
	if (!copier) {
		machipc_account_uncharge(account, cost);
		return ERR_PTR(-ENOMEM);
	}
	copier->account = machipc_account_get(account);
	copier->charge = cost;
	copier->chunk_pages = chunk_pages;
	copier->nbufs = nbufs;
	init_waitqueue_head(&copier->wait);
	copier->mapped = !nbufs;
	if (copy_from_user(copier->bufs, u64_to_user_ptr(ubufs),
			   nbufs * sizeof(copier->bufs[0]))) {
		machipc_copier_free(copier);
		return ERR_PTR(-EFAULT);
	}
	return copier;
}

/**
 * machipc_copier_fits() - whether a receive's buffers take a message's
 *	out-of-line regions
 * @copier: the receive's buffers
 * @ool: the regions of the message at the head of the queue
 *
 * Records the regions in @copier whether or not they fit: for the
 * received descriptors, for an %EMSGSIZE report, and for a receive that
 * maps its buffers (machipc_copier_map()).  Buffers the kernel mapped for
 * the receiver (%MACHIPC_MSG_RCV_OOL_ALLOC) fit only exactly: one per
 * region, each of the region's very size, so that the receiver can unmap
 * what it is given by its address and size, and so that the region's copy
 * overwrites all that a failed earlier transfer may have left in it.
 */
bool machipc_copier_fits(struct machipc_copier *copier,
			 const struct machipc_ool *ool)
{
	bool fits = copier->nbufs >= ool->count &&
		    (!copier->mapped || copier->nbufs == ool->count);
	u32 k;

	for (k = 0; k < ool->count; k++) {
		const struct machipc_msg_desc *desc = machipc_ool_desc(ool, k);
		u64 size = desc->size;

		copier->regions[k].src = desc->address;
		copier->regions[k].size = size;
		if (k < copier->nbufs &&
		    (copier->mapped ? size != copier->bufs[k].size :
				      size > copier->bufs[k].size))
			fits = false;
	}
	copier->nregions = ool->count;
	return fits;
}

/**
 * machipc_copier_map() - map fresh buffers for the regions last recorded
 * @copier: the copier of a %MACHIPC_MSG_RCV_OOL_ALLOC receive
 * @count: how many regions (copier->regions[0..@count))
 * @populate: fault the buffers in now (captured data, which its sender
 *	already paid for); else the copy faults them in as it goes
 *
 * Called without any machipc lock (it takes the receiver's mmap lock).
 * Earlier buffers are unmapped first.  Each buffer is private anonymous
 * memory of the region's size rounded up to pages; its recorded size is
 * the region's, to the byte.  A region of size 0 gets address 0.
 *
 * Return: 0, -ERESTARTSYS (a signal while populating), or -ENOMEM
 * (whatever vm_mmap() refused with) with nothing mapped.
 */
int machipc_copier_map(struct machipc_copier *copier, u32 count, bool populate)
{
	u32 k;
	int err;

	machipc_copier_unmap(copier);
	for (k = 0; k < count; k++) {
		u64 size = copier->regions[k].size;
		unsigned long addr = 0;

		if (size) {
			addr = vm_mmap(NULL, 0, PAGE_ALIGN(size),
				       PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, 0);
			if (IS_ERR_VALUE(addr)) {
				machipc_copier_unmap(copier);
				return -ENOMEM;
			}
		}
		copier->bufs[k].address = addr;
		copier->bufs[k].size = size;
		copier->nbufs = k + 1;
		err = populate ? machipc_fault_in(addr, size, true) : 0;
		if (err) {
			machipc_copier_unmap(copier);
			return err == -ERESTARTSYS ? err : -ENOMEM;
		}
	}
	return 0;
}

/*
 * The head's regions cannot be mapped and the receive destroys what it
 * cannot take (%MACHIPC_MSG_RCV_DESTROY_LARGE): stop mapping, so that the
 * head is too large for the (no) buffers left and goes.
 */
void machipc_copier_unmappable(struct machipc_copier *copier)
{
	machipc_copier_unmap(copier);
	copier->mapped = false;
}

/*
 * Unmap the buffers machipc_copier_map() made and no message was received
 * into.  Once a receive succeeds, machipc_copier_keep_maps() hands them to
 * the receiver instead.
 */
void machipc_copier_unmap(struct machipc_copier *copier)
{
	u32 k;

	if (!copier || !copier->mapped)
		return;
	for (k = 0; k < copier->nbufs; k++)
		if (copier->bufs[k].size)
			vm_munmap(copier->bufs[k].address,
				  PAGE_ALIGN(copier->bufs[k].size));
	copier->nbufs = 0;
}

/* Whether the receive of @copier has the kernel map its buffers. */
bool machipc_copier_maps(const struct machipc_copier *copier)
{
	return copier && copier->mapped;
}

void machipc_copier_keep_maps(struct machipc_copier *copier)
{
	if (copier && copier->mapped)
		copier->nbufs = 0;
}

void machipc_copier_free(struct machipc_copier *copier)
{
	struct machipc_account *account;
	size_t charge;

	if (!copier)
		return;
	account = copier->account;
	charge = copier->charge;
	WARN_ON_ONCE(copier->xfer);
	kvfree(copier);
	machipc_account_uncharge(account, charge);
	machipc_account_put(account);
}

/**
 * machipc_copier_report() - tell the receiver what an out-of-line message
 *	needs, after machipc_copier_claim() said -EMSGSIZE
 * @copier: the receiver's half (its snapshot of the regions), or NULL
 * @ubufs: the receiver's struct machipc_ool_buf array
 * @report: the claim's report
 *
 * Return: 0, or -EFAULT if the array cannot be written.
 */
int machipc_copier_report(struct machipc_copier *copier, u64 ubufs,
			  const struct machipc_ool_report *report)
{
	struct machipc_ool_buf __user *bufs = u64_to_user_ptr(ubufs);
	u32 k;

	if (!copier)
		return 0;
	for (k = 0; k < min(copier->nbufs, report->count); k++)
		if (put_user(copier->regions[k].size, &bufs[k].size))
			return -EFAULT;
	return 0;
}

/* Results of one chunk, besides 0 (copied) and negative errors. */
enum {
	MACHIPC_CHUNK_SRC_FAULT = 1,	/* the sender must fault pages in */
	MACHIPC_CHUNK_DST_FAULT,	/* our buffer must be faulted in */
	MACHIPC_CHUNK_INVALIDATED,	/* the sender's mapping changed */
};

/*
 * Copy @n bytes from pinned pages to our own memory: @spages hold the
 * sender's data from offset @soff of the first, @dst is the receiver's
 * user address (the caller is the receiver).  The caller disables page
 * faults: a page of ours that is missing or write-protected ends the copy
 * instead of being faulted in while the sender's pages are held.
 *
 * Return: 0 if all @n bytes were copied; else at least how many were not
 * (copy_to_user() may count a few copied bytes as not copied).
 */
VISIBLE_IF_KUNIT size_t machipc_copy_pinned_to_user(u64 dst,
						    struct page **spages,
						    size_t soff, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t len = min(n - done, PAGE_SIZE - soff);
		void *from = kmap_local_page(*spages);
		unsigned long left;

		left = copy_to_user(u64_to_user_ptr(dst + done), from + soff,
				    len);
		kunmap_local(from);
		if (left)
			return n - done - len + left;
		done += len;
		soff = 0;
		spages++;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_copy_pinned_to_user);

/*
 * Bytes of the next step of a copy from @src to @dst with @left to go: as
 * many as fit in chunk_pages / 2 pages on either side (at least one byte
 * for chunk_pages >= 2), so that a step never pins more than half a chunk
 * of the sender's pages.  (The destination's pages bound it too, from the
 * engine's page-to-page days; a shorter step costs nothing measurable.)
 */
VISIBLE_IF_KUNIT size_t machipc_copy_step_bytes(u64 src, u64 dst, size_t left,
						unsigned int chunk_pages)
{
	size_t step_max = (size_t)(chunk_pages / 2) * PAGE_SIZE;

	return min_t(size_t, left,
		     step_max - max(offset_in_page(src), offset_in_page(dst)));
}
EXPORT_SYMBOL_IF_KUNIT(machipc_copy_step_bytes);

/*
 * Copy one step of a chunk: @n bytes, at most chunk_pages / 2 of the
 * sender's pages, so that no more than that is ever pinned.
 *
 * The sender's pages are pinned only if its mmap lock is free; anything
 * else is left to the sender to fault in, from @src to @chunk_end.  They
 * are copied to our buffer with page faults disabled: a page of ours that
 * is missing is faulted in by the caller, with nothing of the sender's
 * held, and the step is done again.
 */
static int machipc_copier_step(struct machipc_copier *copier, u64 src,
			       u64 dst, size_t n, u64 chunk_end)
{
	unsigned int ns = DIV_ROUND_UP(offset_in_page(src) + n, PAGE_SIZE);
	struct page **spages = copier->pages;
	struct machipc_xfer *xfer;
	size_t left;
	long got;
	int ret;

	xfer = machipc_xfer_busy(copier);
	if (!xfer)
		return -EAGAIN;
	/*
	 * Even the sender's mmap lock is not waited for: a sender thread
	 * stuck in its own pager while holding it would hold us too.  On
	 * contention the sender faults the rest of the chunk in, taking its
	 * own lock.
	 */
	got = 0;
	if (!machipc_inject_pin_miss() && mmap_read_trylock(xfer->mm)) {
		got = pin_user_pages_remote(xfer->mm, src & PAGE_MASK, ns,
					    FOLL_NOFAULT, spages, NULL);
		mmap_read_unlock(xfer->mm);
		if (got < 0)
			got = 0;
	}
	if (got < ns) {
		/*
		 * Whatever stopped the pin -- a page not present, one to
		 * unshare, one that cannot be read at all -- the sender finds
		 * out by faulting it in, in its own context: it fails the
		 * send with -EFAULT if the page cannot be had.  Even a page
		 * cache read must not be started here: a FUSE read without
		 * FUSE_ASYNC_READ would wait for the server right away.
		 */
		unpin_user_pages(spages, got);
		copier->fault_addr = (src & PAGE_MASK) + got * PAGE_SIZE;
		copier->fault_len = chunk_end - copier->fault_addr;
		ret = MACHIPC_CHUNK_SRC_FAULT;
	} else {
		pagefault_disable();
		left = machipc_copy_pinned_to_user(dst, spages,
						   offset_in_page(src), n);
		pagefault_enable();
		unpin_user_pages(spages, ns);
		if (left)
			ret = MACHIPC_CHUNK_DST_FAULT;
		else if (xfer->watching &&
			 mmu_interval_check_retry(&xfer->notifier, copier->seq))
			ret = MACHIPC_CHUNK_INVALIDATED;
		else
			ret = 0;
	}
	return machipc_xfer_idle(copier, xfer, ret);
}

/*
 * Copy (the rest of) one chunk: @n bytes from the sender's @src to our
 * @dst, a step at a time.  *@done counts the bytes copied, kept when a
 * step stops for a fault.
 */
static int machipc_copier_chunk(struct machipc_copier *copier, u64 src,
				u64 dst, size_t n, size_t *done)
{
	u64 chunk_end = PAGE_ALIGN(src + n);
	int ret;

	*done = 0;
	while (*done < n) {
		u64 s = src + *done, d = dst + *done;
		size_t step = machipc_copy_step_bytes(s, d, n - *done,
						      copier->chunk_pages);

		ret = machipc_copier_step(copier, s, d, step, chunk_end);
		if (ret)
			return ret;
		*done += step;
	}
	return 0;
}

/*
 * Ask the sender to fault in what the last step could not pin (recorded
 * in copier->fault_addr/len by machipc_copier_step()) and wait for it.
 */
static int machipc_copier_request_fault(struct machipc_copier *copier,
					const ktime_t *deadline)
{
	int err;

	if (!machipc_xfer_ask_fault(copier))
		return -EAGAIN;
	err = machipc_sleep(&copier->wait, machipc_xfer_fault_served, copier,
			    deadline);
	if (err)
		return err;
	return machipc_xfer_linked(copier) ? 0 : -EAGAIN;
}

/* Start a pass: note the notifier's sequence before reading anything. */
static int machipc_copier_begin_pass(struct machipc_copier *copier)
{
	struct machipc_xfer *xfer = machipc_xfer_busy(copier);

	if (!xfer)
		return -EAGAIN;
	if (xfer->watching)
		copier->seq = mmu_interval_read_begin(&xfer->notifier);
	copier->chunk = 0;
	return machipc_xfer_idle(copier, xfer, 0);
}

/*
 * An injected abort (debugfs inject_abort_chunk): as if the receiver, or
 * the sender, had been interrupted at this chunk, but with -EINTR since no
 * signal is there to restart the call.
 */
static int machipc_copier_inject(struct machipc_copier *copier)
{
	if (!machipc_inject_abort_now(copier->chunk))
		return 0;
	if (machipc_inject_abort_sender()) {
		machipc_copier_fail(copier, -EINTR, MACHIPC_ABORT_INJECTED);
		return -EAGAIN;
	}
	return -EINTR;
}

/**
 * machipc_copier_recopy() - may the pass start over after the sender's
 *	mapping changed?
 * @copier: the receiver's half
 *
 * Every change costs the receiver the pass so far; a sender changing its
 * mapping faster than the copy completes would keep the receiver copying
 * forever.  Past machipc_max_recopies the send fails with -EAGAIN (the
 * sender's fault, like unreadable data) and the receiver moves on.
 *
 * Return: 0 to copy again, or -EAGAIN once the transfer was failed.
 */
int machipc_copier_recopy(struct machipc_copier *copier)
{
	machipc_trace_abort(copier->id, copier->chunk,
			    MACHIPC_ABORT_INVALIDATED);
	if (++copier->recopies <= READ_ONCE(machipc_max_recopies))
		return 0;
	machipc_copier_fail(copier, -EAGAIN, MACHIPC_ABORT_UNSTABLE);
	return -EAGAIN;
}

/*
 * One pass over every region, from the first byte: 0 when all is copied,
 * %MACHIPC_CHUNK_INVALIDATED if the sender's mapping changed under it, or
 * an error (see machipc_copier_copy()).
 */
static int machipc_copier_pass(struct machipc_copier *copier,
			       const ktime_t *deadline)
{
	u64 chunk_bytes = (u64)copier->chunk_pages * PAGE_SIZE;
	u32 k;
	int ret;

	for (k = 0; k < copier->nregions; k++) {
		u64 src = copier->regions[k].src;
		u64 dst = copier->bufs[k].address;
		u64 size = copier->regions[k].size;
		u64 off = 0;
		size_t part = 0, done;

		while (off < size) {
			size_t n = min(size - off,
				       chunk_bytes - offset_in_page(src + off));

			if (!part) {
				ret = machipc_copier_inject(copier);
				if (ret)
					return ret;
				/*
				 * Buffers the kernel mapped start empty: fault
				 * the chunk's part in first, rather than pin
				 * the sender's pages for a step that stops at
				 * our first byte.
				 */
				if (copier->mapped) {
					ret = machipc_fault_in(dst + off, n, true);
					if (ret)
						return ret;
				}
			}
			if (signal_pending(current))
				return -ERESTARTSYS;
			ret = machipc_copier_chunk(copier, src + off + part,
						   dst + off + part, n - part,
						   &done);
			part += done;
			switch (ret) {
			case 0:
				trace_machipc_chunk_copied(copier->id,
							   copier->chunk, n);
				copier->chunk++;
				off += n;
				part = 0;
				cond_resched();
				continue;
			case MACHIPC_CHUNK_SRC_FAULT:
				ret = machipc_copier_request_fault(copier,
								   deadline);
				if (!ret)
					ret = machipc_sleep_check(deadline);
				if (ret)
					return ret;
				continue;
			case MACHIPC_CHUNK_DST_FAULT:
				/*
				 * Our own memory: like a read() into it, not
				 * bounded by the deadline (a poll must still
				 * fill a buffer never touched), only by a
				 * signal.
				 */
				ret = machipc_fault_in(dst + off + part,
						       n - part, true);
				if (ret)
					return ret;
				continue;
			default:
				return ret;
			}
		}
	}
	return 0;
}

/**
 * machipc_copier_copy() - copy every out-of-line region of the claimed
 *	message into the receiver's buffers
 * @copier: the receiver's half, linked by machipc_copier_claim()
 * @deadline: the receive deadline, or NULL
 *
 * A pass whose source mapping changed under it is started over, up to
 * machipc_max_recopies times (machipc_copier_recopy()).
 *
 * Return: 0 when everything is copied (the caller then commits);
 * -EAGAIN if the transfer failed meanwhile (the sender withdrew, the port
 * died, the sender's data is unreadable, its mapping kept changing past
 * machipc_max_recopies) and the receive should look for
 * the next message; or the receiver's own failure: -ERESTARTSYS, -EINTR
 * (injected), -ETIMEDOUT, -EFAULT (our buffer), -ENOMEM.
 */
int machipc_copier_copy(struct machipc_copier *copier, const ktime_t *deadline)
{
	int ret;

	for (;;) {
		ret = machipc_copier_begin_pass(copier);
		if (!ret)
			ret = machipc_copier_pass(copier, deadline);
		if (ret != MACHIPC_CHUNK_INVALIDATED)
			return ret;
		ret = machipc_copier_recopy(copier);
		if (ret)
			return ret;
	}
}
