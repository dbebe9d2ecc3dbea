// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line transfers: the transfer's state machine, both halves' side
 * of it (every change of xfer->state and of the xfer-copier link is made
 * here, see "the transfer's state machine" below), the notifier that
 * watches the sender's regions, and the synchronous wait of the send,
 * which serves the copier's fault-in requests and aborts the transfer on a
 * signal or the deadline.  The pages themselves are moved by copy.c.  See
 * xfer.h for the protocol.
 */

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "copy.h"
#include "fault.h"
#include "msg.h"
#include "port.h"
#include "pset.h"
#include "sleep.h"
#include "space.h"
#include "trace.h"
#include "xfer.h"

static atomic64_t machipc_xfer_ids = ATOMIC64_INIT(0);

/*
 * The most out-of-line bytes one message may declare, all regions
 * together.  A region costs its sender nothing until it is read (it may be
 * the zero page), but every receiver must offer buffers that large or the
 * message sits at the head of the queue: declaring more than any receiver
 * could take is refused at the send, with -E2BIG like a region over
 * MACHIPC_OOL_SIZE_MAX.
 */
unsigned long long machipc_max_ool_bytes = MACHIPC_OOL_SIZE_MAX;
module_param_named(max_ool_bytes, machipc_max_ool_bytes, ullong, 0644);
MODULE_PARM_DESC(max_ool_bytes,
		 "Most out-of-line bytes one message may declare, all regions together (default 4 GiB); more fails the send with E2BIG");

void machipc_trace_abort(u64 id, u32 chunk, enum machipc_abort_reason reason)
{
	trace_machipc_xfer_aborted(id, chunk, reason);
}

/**
 * machipc_xfer_alloc() - the transfer state of a message with out-of-line
 *	descriptors
 * @msg: the validated message
 * @account: the sender's, charged %MACHIPC_COST_XFER until the state is
 *	freed with the message
 *
 * Return: the state, or an ERR_PTR: -EFAULT if a region is not a user
 * address range, -ENOBUFS, -ENOMEM.
 */
struct machipc_xfer *machipc_xfer_alloc(struct machipc_msg *msg,
					struct machipc_account *account)
{
	struct machipc_xfer *xfer;
	int err;

	err = machipc_account_charge(account, MACHIPC_COST_XFER);
	if (err)
		return ERR_PTR(err);
	xfer = kzalloc(sizeof(*xfer), GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				       __GFP_NOWARN);
	if (!xfer) {
		machipc_account_uncharge(account, MACHIPC_COST_XFER);
		return ERR_PTR(-ENOMEM);
	}
	xfer->account = machipc_account_get(account);
	err = machipc_msg_parse_ool(msg, &xfer->ool);
	if (err) {
		machipc_xfer_free(xfer);
		return ERR_PTR(err);
	}
	xfer->id = atomic64_inc_return(&machipc_xfer_ids);
	xfer->msg = msg;
	xfer->mm = current->mm;
	init_waitqueue_head(&xfer->wait);
	spin_lock_init(&xfer->seq_lock);
	xfer->state = MACHIPC_XFER_QUEUED;
	return xfer;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_alloc);

static bool machipc_xfer_invalidate(struct mmu_interval_notifier *sub,
				    const struct mmu_notifier_range *range,
				    unsigned long cur_seq)
{
	struct machipc_xfer *xfer = container_of(sub, struct machipc_xfer,
						 notifier);

	spin_lock(&xfer->seq_lock);
	mmu_interval_set_seq(sub, cur_seq);
	spin_unlock(&xfer->seq_lock);
	return true;
}

static const struct mmu_interval_notifier_ops machipc_xfer_notifier_ops = {
	.invalidate = machipc_xfer_invalidate,
};

/**
 * machipc_xfer_prepare_mm() - get the current mm ready for notifiers
 *
 * The first interval notifier of an mm registers the mm for notifiers,
 * which takes every lock of every mapping and gives up with -EINTR on any
 * pending signal: under a steady stream of signals a process with many
 * mappings might never manage it.  So a process does it once, when it
 * opens a space, and a failure there (a signal, no memory) is only retried
 * at its first out-of-line send.
 */
void machipc_xfer_prepare_mm(void)
{
	struct mm_struct *mm = current->mm;

	if (mm && !READ_ONCE(mm->notifier_subscriptions))
		mmu_notifier_register(NULL, mm);
}

/**
 * machipc_xfer_watch() - watch the sender's regions for mapping changes
 * @xfer: the transfer, of the current task's message
 *
 * One interval notifier covers the span from the lowest region to the end
 * of the highest: a change between them only costs a spurious recopy.
 * Called by the sender before it queues the message, without locks (the
 * first notifier of an mm takes its mmap lock for writing).
 *
 * Return: 0, -ENOMEM, or -ERESTARTSYS if a signal stopped the first
 * registration of the mm.
 */
int machipc_xfer_watch(struct machipc_xfer *xfer)
{
	u64 start = U64_MAX, end = 0;
	u32 k;
	int err;

	for (k = 0; k < xfer->ool.count; k++) {
		const struct machipc_msg_desc *desc =
			machipc_ool_desc(&xfer->ool, k);

		if (!desc->size)
			continue;
		start = min(start, desc->address);
		end = max(end, desc->address + desc->size);
	}
	if (start >= end)
		return 0;
	start = round_down(start, PAGE_SIZE);
	end = round_up(end, PAGE_SIZE);
	err = mmu_interval_notifier_insert(&xfer->notifier, current->mm, start,
					   end - start,
					   &machipc_xfer_notifier_ops);
	if (err == -EINTR)
		return -ERESTARTSYS;
	if (err)
		return err;
	xfer->watching = true;
	return 0;
}

/* Point the queued message at its destination; before it is queued. */
void machipc_xfer_target(struct machipc_xfer *xfer, struct machipc_port *port,
			 struct machipc_space *space)
{
	machipc_port_get(port);
	xfer->port = port;
	xfer->space = space;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_target);

/* Called by machipc_msg_free(), by the sender, once nobody is linked. */
void machipc_xfer_free(struct machipc_xfer *xfer)
{
	WARN_ON_ONCE(xfer->copier);
	if (xfer->watching)
		mmu_interval_notifier_remove(&xfer->notifier);
	if (xfer->port)
		machipc_port_put(xfer->port);
	machipc_account_uncharge(xfer->account, MACHIPC_COST_XFER);
	machipc_account_put(xfer->account);
	kfree(xfer);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_free);

/*
 * DOC: the transfer's state machine
 *
 * Every change of xfer->state, and of the link between a transfer and its
 * copier, is made in this file, under the destination port's lock:
 *
 *   QUEUED --claim--> COPYING --begin_commit--> COMMITTING --end_commit--> DONE
 *     ^                 |  \                        |
 *     +----unclaim------+   \--fail--> FAILED <-----+ (end_commit with an
 *                                                     error or a recorded
 *   QUEUED --fail--> FAILED                           abort)
 *
 * and COMMITTING --end_commit(-EAGAIN)--> COPYING when the receiver could
 * not commit.  copy.c, the page mover, only asks: is the transfer still
 * being copied (machipc_xfer_busy()/machipc_xfer_idle() around each step),
 * and fails it when the sender's data cannot be had.
 */

static void machipc_xfer_set_state_locked(struct machipc_xfer *xfer,
					  enum machipc_xfer_state state)
{
	lockdep_assert_held(&xfer->port->lock);
	xfer->state = state;
}

/* Whether a receiver may claim @xfer, whose message heads its queue. */
static bool machipc_xfer_claimable_locked(struct machipc_xfer *xfer)
{
	lockdep_assert_held(&xfer->port->lock);
	return !xfer->copier && xfer->state == MACHIPC_XFER_QUEUED;
}

/* @copier's transfer if it is still linked and being copied, else NULL. */
static struct machipc_xfer *
machipc_xfer_copying_locked(struct machipc_copier *copier)
{
	struct machipc_xfer *xfer = copier->xfer;

	lockdep_assert_held(&copier->port->lock);
	return xfer && xfer->state == MACHIPC_XFER_COPYING ? xfer : NULL;
}

/*
 * Unlink @xfer (may be NULL) and its copier, and wake both: the sender may
 * be waiting for the copier to go, the copier for news of the transfer.
 */
static void machipc_xfer_unlink_locked(struct machipc_xfer *xfer)
{
	struct machipc_copier *copier;

	if (!xfer || !xfer->copier)
		return;
	lockdep_assert_held(&xfer->port->lock);
	copier = xfer->copier;
	copier->xfer = NULL;
	xfer->copier = NULL;
	wake_up(&copier->wait);
	wake_up(&xfer->wait);
}

/*
 * The sender's side: unlink an idle copier from @xfer; a busy one unlinks
 * itself at the end of its busy section (machipc_xfer_idle()).  Either way
 * it is woken to look at the new state.
 */
static void machipc_xfer_detach_locked(struct machipc_xfer *xfer)
{
	struct machipc_copier *copier = xfer->copier;

	lockdep_assert_held(&xfer->port->lock);
	if (!copier)
		return;
	if (!xfer->busy)
		machipc_xfer_unlink_locked(xfer);
	else
		wake_up(&copier->wait);
}

/**
 * machipc_xfer_fail_locked() - abort a transfer that has not committed
 * @xfer: the transfer
 * @err: what the send returns
 * @reason: for the tracepoint
 *
 * The message leaves the queue (freeing its slot), a copier is sent back,
 * the sender is woken.  While the copier commits, the abort is only
 * recorded: machipc_copier_end_commit() applies it if the commit fails.
 * Does nothing once the transfer is over.  Called with the port lock held.
 */
void machipc_xfer_fail_locked(struct machipc_xfer *xfer, int err,
			      enum machipc_abort_reason reason)
{
	struct machipc_port *port = xfer->port;

	lockdep_assert_held(&port->lock);
	if (xfer->state == MACHIPC_XFER_COMMITTING) {
		if (!xfer->abort_err) {
			xfer->abort_err = err;
			xfer->abort_reason = reason;
		}
		return;
	}
	if (xfer->state != MACHIPC_XFER_QUEUED &&
	    xfer->state != MACHIPC_XFER_COPYING)
		return;
	machipc_trace_abort(xfer->id, xfer->copier ? xfer->copier->chunk : 0,
			    reason);
	machipc_xfer_set_state_locked(xfer, MACHIPC_XFER_FAILED);
	xfer->err = err;
	/* A message a receiver destroyed takes its number, as if received. */
	if (!list_empty(&xfer->msg->link))
		machipc_port_unqueue_locked(port, xfer->msg,
					    reason == MACHIPC_ABORT_TOO_LARGE);
	machipc_xfer_detach_locked(xfer);
	wake_up(&xfer->wait);
	/* The head of the queue changed: receivers blocked behind it go on. */
	machipc_port_wake_receivers_locked(port);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_fail_locked);

/*
 * The port dies: every transfer still queued on it fails with -EPIPE and
 * leaves the queue, so that only committed messages are destroyed with it.
 */
void machipc_xfers_fail_port_locked(struct machipc_port *port)
{
	struct machipc_msg *msg, *tmp;

	lockdep_assert_held(&port->lock);
	list_for_each_entry_safe(msg, tmp, &port->queue, link) {
		if (!msg->xfer)
			continue;
		/*
		 * A committing copier holds the receiving space's lock, which
		 * destroying the receive right needs: the port cannot die
		 * under it.  Should it ever, the message must still never be
		 * destroyed as if it were the port's.
		 */
		if (WARN_ON_ONCE(msg->xfer->state == MACHIPC_XFER_COMMITTING))
			list_del_init(&msg->link);
		else
			machipc_xfer_fail_locked(msg->xfer, -EPIPE,
						 MACHIPC_ABORT_DEAD);
	}
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfers_fail_port_locked);

/*
 * Best effort, after a fault-in the copier asked for at @from: the rest
 * of the message's data from there, the rest of its region and every
 * region after it.  A page the copier cannot pin is rarely alone: after a
 * fork() every page of the source is shared with the child until
 * unshared, and unsharing one replaces it, which tells the copier that
 * the mapping changed under it (the notifier) and costs it the pass so
 * far.  Asked a chunk at a time, that is a pass per chunk -- quadratic,
 * and past max_recopies a failed send; faulted in at once, one pass.
 * Only a signal, the send's @deadline or the end of request @seq ends it
 * early: a page that cannot be had is left for the copier to find, and
 * to fail the send on, when it gets there.
 */
/* Whether the copier still waits for fault request @seq. */
static bool machipc_xfer_fault_wanted(struct machipc_xfer *xfer, u32 seq)
{
	bool wanted;

	spin_lock(&xfer->port->lock);
	wanted = xfer->fault_pending && xfer->fault_seq == seq;
	spin_unlock(&xfer->port->lock);
	return wanted;
}

static int machipc_xfer_fault_ahead(struct machipc_xfer *xfer, u64 from,
				    u32 seq, const ktime_t *deadline)
{
	const struct machipc_ool *ool = machipc_msg_ool(xfer->msg);
	u64 piece = (u64)READ_ONCE(machipc_chunk_pages) * PAGE_SIZE;
	bool ahead = false;
	u32 k;

	for (k = 0; k < ool->count; k++) {
		const struct machipc_msg_desc *desc = machipc_ool_desc(ool, k);
		u64 start = desc->address, end = start + desc->size, len;

		/* The request ends at a page boundary, perhaps past @end. */
		if (!ahead) {
			if (from < start || from > PAGE_ALIGN(end))
				continue;
			ahead = true;
			start = min(from, end);
		}
		/*
		 * A chunk at a time, so that a slow pager (FUSE, userfaultfd)
		 * under a large message keeps the send neither past its
		 * deadline (the deadline then ends the send as usual) nor
		 * at work for a copier that stopped waiting (its own
		 * deadline, a signal, an abort).
		 */
		for (; start < end; start += len) {
			int err = machipc_sleep_check(deadline);

			if (err)
				return err == -ETIMEDOUT ? 0 : err;
			if (!machipc_xfer_fault_wanted(xfer, seq))
				return 0;
			len = min(end - start, piece);
			if (machipc_fault_in(start, len, false) == -ERESTARTSYS)
				return -ERESTARTSYS;
		}
	}
	return 0;
}

/*
 * Fault in what the copier could not pin without waiting, in the sender's
 * own context, so that the sender's pager (userfaultfd, FUSE) stalls only
 * the sender; then what lies ahead of it (machipc_xfer_fault_ahead()).
 * The copier waits for us, under its own deadline.
 */
static int machipc_xfer_fault_in(struct machipc_xfer *xfer, u64 addr, u64 len,
				 u32 seq, const ktime_t *deadline)
{
	struct machipc_port *port = xfer->port;
	int err;

	err = machipc_fault_in(addr, len, false);
	if (!err)
		err = machipc_xfer_fault_ahead(xfer, addr + len, seq, deadline);

	spin_lock(&port->lock);
	if (xfer->fault_pending && xfer->fault_seq == seq) {
		xfer->fault_pending = false;
		if (xfer->copier)
			wake_up(&xfer->copier->wait);
	}
	spin_unlock(&port->lock);
	return err;
}

static bool machipc_xfer_settled(struct machipc_xfer *xfer)
{
	struct machipc_port *port = xfer->port;
	bool settled;

	spin_lock(&port->lock);
	settled = (xfer->state == MACHIPC_XFER_DONE ||
		   xfer->state == MACHIPC_XFER_FAILED) && !xfer->copier;
	spin_unlock(&port->lock);
	return settled;
}

/* Whether the sender has something to do: a fault-in, or the outcome. */
static bool machipc_xfer_needs_sender(void *arg)
{
	struct machipc_xfer *xfer = arg;
	struct machipc_port *port = xfer->port;
	bool needs;

	spin_lock(&port->lock);
	needs = xfer->fault_pending || xfer->state == MACHIPC_XFER_DONE ||
		xfer->state == MACHIPC_XFER_FAILED;
	spin_unlock(&port->lock);
	return needs;
}

/**
 * machipc_xfer_wait() - the synchronous part of an out-of-line send
 * @xfer: the transfer, its message queued on xfer->port
 * @deadline: the send deadline, or NULL
 *
 * Sleeps until a receiver has copied and committed the message or the
 * transfer failed, serving fault-in requests meanwhile.  A signal (or
 * stop, ptrace request, freezer) or the deadline aborts the transfer unless
 * it is already committing.  Returns only once no copier is linked, so no
 * page of the sender is pinned any more and the message may be freed.
 *
 * Return: 0 if delivered, else the failure with nothing delivered:
 * -ERESTARTSYS, -ETIMEDOUT, -EPIPE, -EFAULT, or the error the sender's
 * rights gave at the commit.
 */
int machipc_xfer_wait(struct machipc_xfer *xfer, const ktime_t *deadline)
{
	struct machipc_port *port = xfer->port;
	enum machipc_abort_reason reason;
	u64 addr, len;
	u32 seq;
	int err;

	for (;;) {
		err = machipc_sleep(&xfer->wait, machipc_xfer_needs_sender,
				    xfer, deadline);
		if (err) {
			reason = err == -ETIMEDOUT ? MACHIPC_ABORT_TIMEOUT :
						     MACHIPC_ABORT_SIGNAL;
			break;
		}
		spin_lock(&port->lock);
		if (xfer->state == MACHIPC_XFER_DONE ||
		    xfer->state == MACHIPC_XFER_FAILED) {
			spin_unlock(&port->lock);
			goto settle;
		}
		addr = xfer->fault_addr;
		len = xfer->fault_len;
		seq = xfer->fault_seq;
		spin_unlock(&port->lock);
		err = machipc_xfer_fault_in(xfer, addr, len, seq, deadline);
		if (err) {
			reason = err == -EFAULT ? MACHIPC_ABORT_FAULT :
						  MACHIPC_ABORT_SIGNAL;
			break;
		}
		/*
		 * The copier may ask again before we look: without this, a
		 * copier that can never pin what we fault in would keep us
		 * here past the deadline, the condition true at every look.
		 */
		err = machipc_sleep_check(deadline);
		if (err) {
			reason = err == -ETIMEDOUT ? MACHIPC_ABORT_TIMEOUT :
						     MACHIPC_ABORT_SIGNAL;
			break;
		}
	}
	spin_lock(&port->lock);
	machipc_xfer_fail_locked(xfer, err, reason);
	spin_unlock(&port->lock);
settle:
	/*
	 * A commit in progress or a busy copier ends in a short, bounded
	 * time: neither waits for anything we could hold up.
	 */
	wait_event(xfer->wait, machipc_xfer_settled(xfer));
	return xfer->state == MACHIPC_XFER_DONE ? 0 : xfer->err;
}

/*
 * The receiver's side of the state machine: the copier claims the transfer
 * at the head of a queue, copies it (copy.c) inside busy sections, and
 * commits it or gives it back.
 */

/**
 * machipc_copier_claim() - claim the out-of-line message at the head of
 *	@port's queue
 * @copier: the receiver's half, or NULL if the receive gave no buffers
 * @port: the port; the caller holds the receiver's space lock
 * @rcv_size: bytes of the receive buffer
 * @trailer_size: bytes of the trailer the receive appends
 * @destroy: a message that does not fit is destroyed, not left queued
 *	(%MACHIPC_MSG_RCV_DESTROY_LARGE): its send fails with -EMSGSIZE
 * @report: out: what the message needs, for -EMSGSIZE
 *
 * Everything about the message is read here under the port lock: until it
 * is claimed, its sender may withdraw and free it at any moment.
 *
 * Return: 0 once claimed; -EMSGSIZE if the buffers cannot take it (it stays
 * queued unless @destroy); -EAGAIN if the head is no longer an unclaimed
 * out-of-line message.
 */
int machipc_copier_claim(struct machipc_copier *copier,
			 struct machipc_port *port, u32 rcv_size,
			 u32 trailer_size, bool destroy,
			 struct machipc_ool_report *report)
{
	const struct machipc_ool *ool;
	struct machipc_xfer *xfer;
	struct machipc_msg *msg;
	bool fits;

	spin_lock(&port->lock);
	msg = list_first_entry_or_null(&port->queue, struct machipc_msg, link);
	if (!msg || !msg->xfer || !machipc_xfer_claimable_locked(msg->xfer)) {
		spin_unlock(&port->lock);
		return -EAGAIN;
	}
	xfer = msg->xfer;
	ool = &xfer->ool;
	report->needed = msg->size + trailer_size +
			 ALIGN(msg->nool_names * sizeof(u32), 8);
	report->count = ool->count;
	fits = copier && machipc_copier_fits(copier, ool) &&
	       rcv_size >= report->needed;
	/*
	 * Buffers the kernel maps are made to fit whatever the regions: then
	 * only a message larger than the receive buffer is too large.
	 */
	if (!fits && destroy && copier && copier->mapped &&
	    rcv_size >= report->needed)
		destroy = false;
	if (!fits) {
		if (destroy) {
			/*
			 * Off the queue as if received (it takes its sequence
			 * number); nothing was committed, so the sender
			 * keeps its rights and its send fails.
			 */
			machipc_xfer_fail_locked(xfer, -EMSGSIZE,
						 MACHIPC_ABORT_TOO_LARGE);
		}
		spin_unlock(&port->lock);
		return -EMSGSIZE;
	}

	machipc_port_get(port);
	machipc_space_get(xfer->space);
	copier->port = port;
	copier->sender = xfer->space;
	copier->msg = msg;
	copier->id = xfer->id;
	copier->chunk = 0;
	copier->recopies = 0;
	machipc_xfer_set_state_locked(xfer, MACHIPC_XFER_COPYING);
	copier->xfer = xfer;
	xfer->copier = copier;
	spin_unlock(&port->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_copier_claim);

/* Drop what the claim took, once unlinked. */
static void machipc_copier_drop_claim(struct machipc_copier *copier)
{
	machipc_space_put(copier->sender);
	machipc_port_put(copier->port);
	copier->sender = NULL;
	copier->port = NULL;
	copier->msg = NULL;
}

static enum machipc_abort_reason machipc_copier_reason(int err)
{
	switch (err) {
	case -ERESTARTSYS:
		return MACHIPC_ABORT_RCV_SIGNAL;
	case -EINTR:
		/* Only an injected abort gives -EINTR to a receiver. */
		return MACHIPC_ABORT_INJECTED;
	case -ETIMEDOUT:
		return MACHIPC_ABORT_RCV_TIMEOUT;
	case -EFAULT:
		return MACHIPC_ABORT_RCV_FAULT;
	case -ENOBUFS:
	case -ENOMEM:
		return MACHIPC_ABORT_RCV_NOBUFS;
	default:
		return MACHIPC_ABORT_RCV_ERROR;
	}
}

/**
 * machipc_copier_unclaim() - give the claimed message back
 * @copier: the receiver's half
 * @err: why: -EAGAIN if the transfer already failed or is to be retried,
 *	else the receiver's own error (the message stays queued, first in
 *	line, and its sender keeps waiting)
 */
void machipc_copier_unclaim(struct machipc_copier *copier, int err)
{
	struct machipc_port *port = copier->port;
	struct machipc_xfer *xfer;

	spin_lock(&port->lock);
	xfer = machipc_xfer_copying_locked(copier);
	if (xfer) {
		if (err != -EAGAIN)
			machipc_trace_abort(xfer->id, copier->chunk,
					    machipc_copier_reason(err));
		machipc_xfer_set_state_locked(xfer, MACHIPC_XFER_QUEUED);
		machipc_port_wake_receivers_locked(port);
	}
	machipc_xfer_unlink_locked(copier->xfer);
	spin_unlock(&port->lock);
	machipc_copier_drop_claim(copier);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_copier_unclaim);

/*
 * Ask the sender to fault in what the copier's last step could not pin
 * (copier->fault_addr/len).  Return: false if the transfer is no longer
 * being copied.
 */
bool machipc_xfer_ask_fault(struct machipc_copier *copier)
{
	struct machipc_port *port = copier->port;
	struct machipc_xfer *xfer;

	spin_lock(&port->lock);
	xfer = machipc_xfer_copying_locked(copier);
	if (xfer) {
		xfer->fault_pending = true;
		xfer->fault_seq++;
		xfer->fault_addr = copier->fault_addr;
		xfer->fault_len = copier->fault_len;
		wake_up(&xfer->wait);
	}
	spin_unlock(&port->lock);
	return xfer;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_ask_fault);

/* machipc_sleep() condition: the sender served the request, or gave up. */
bool machipc_xfer_fault_served(void *arg)
{
	struct machipc_copier *copier = arg;
	struct machipc_port *port = copier->port;
	struct machipc_xfer *xfer;
	bool served;

	spin_lock(&port->lock);
	xfer = machipc_xfer_copying_locked(copier);
	served = !xfer || !xfer->fault_pending;
	spin_unlock(&port->lock);
	return served;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_fault_served);

/* Whether @copier is still linked to the transfer it claimed. */
bool machipc_xfer_linked(struct machipc_copier *copier)
{
	struct machipc_port *port = copier->port;
	bool linked;

	spin_lock(&port->lock);
	linked = copier->xfer;
	spin_unlock(&port->lock);
	return linked;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_linked);

/*
 * Enter a busy section: from here until machipc_xfer_idle() the sender
 * cannot return, so its mm and the notifier may be used.
 */
struct machipc_xfer *machipc_xfer_busy(struct machipc_copier *copier)
{
	struct machipc_port *port = copier->port;
	struct machipc_xfer *xfer;

	spin_lock(&port->lock);
	xfer = machipc_xfer_copying_locked(copier);
	if (xfer)
		xfer->busy = true;
	spin_unlock(&port->lock);
	return xfer;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_busy);

/*
 * Leave the busy section: if the transfer failed meanwhile, unlink and say
 * -EAGAIN, else return @ret.
 */
int machipc_xfer_idle(struct machipc_copier *copier, struct machipc_xfer *xfer,
		      int ret)
{
	struct machipc_port *port = copier->port;

	spin_lock(&port->lock);
	xfer->busy = false;
	if (xfer->state != MACHIPC_XFER_COPYING) {
		machipc_xfer_unlink_locked(xfer);
		ret = -EAGAIN;
	}
	spin_unlock(&port->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xfer_idle);

/*
 * Fail the transfer on the sender's behalf (its data is unreadable, its
 * space is gone, an injected abort) and unlink; the claim's references stay
 * for machipc_copier_unclaim() to drop.  Never while committing: a commit
 * ends in machipc_copier_end_commit(), which needs the link.
 */
void machipc_copier_fail(struct machipc_copier *copier, int err,
			 enum machipc_abort_reason reason)
{
	struct machipc_port *port = copier->port;
	struct machipc_xfer *xfer;

	spin_lock(&port->lock);
	xfer = copier->xfer;
	if (!WARN_ON_ONCE(xfer && xfer->state == MACHIPC_XFER_COMMITTING)) {
		if (xfer)
			machipc_xfer_fail_locked(xfer, err, reason);
		machipc_xfer_unlink_locked(xfer);
	}
	spin_unlock(&port->lock);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_copier_fail);

/**
 * machipc_copier_begin_commit() - stop the transfer from being aborted
 * @copier: the receiver's half, all data copied
 * @space: the receiving space; the caller holds its lock and the sender's
 * @pset: the port set the receive is on, or NULL for the port itself
 *
 * The claim was made under the receiving space's lock, which was dropped
 * for the copy: the receive right may have moved away (to another space,
 * into a message, out of or into a set) meanwhile.  With the lock held
 * again, it cannot move any more.
 *
 * Return: %MACHIPC_COMMIT_STARTED with the transfer committing (the
 * message is stable until machipc_copier_end_commit());
 * %MACHIPC_COMMIT_LOST if it failed meanwhile or the receive right moved
 * (the caller gives the claim back and looks again); or
 * %MACHIPC_COMMIT_RECOPY if the sender's mapping changed since the pass
 * began and the data must be copied again.
 */
enum machipc_commit_start
machipc_copier_begin_commit(struct machipc_copier *copier,
			    struct machipc_space *space,
			    struct machipc_pset *pset)
{
	enum machipc_commit_start ret = MACHIPC_COMMIT_STARTED;
	struct machipc_port *port = copier->port;
	struct machipc_xfer *xfer;

	lockdep_assert_held(&space->lock);
	lockdep_assert_held(&copier->sender->lock);
	spin_lock(&port->lock);
	xfer = machipc_xfer_copying_locked(copier);
	if (!xfer) {
		ret = MACHIPC_COMMIT_LOST;
	} else if (port->dead || port->receiver != space ||
		   port->pset != pset) {
		ret = MACHIPC_COMMIT_LOST;
	} else if (xfer->watching) {
		spin_lock(&xfer->seq_lock);
		if (mmu_interval_read_retry(&xfer->notifier, copier->seq))
			ret = MACHIPC_COMMIT_RECOPY;
		spin_unlock(&xfer->seq_lock);
	}
	if (ret == MACHIPC_COMMIT_STARTED)
		machipc_xfer_set_state_locked(xfer, MACHIPC_XFER_COMMITTING);
	spin_unlock(&port->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_copier_begin_commit);

/**
 * machipc_copier_end_commit() - finish what begin_commit started
 * @copier: the receiver's half
 * @err: 0: delivered (the send succeeds); -EAGAIN: the receiver could not
 *	commit (it keeps its claim, to give back or retry); else the sender's
 *	rights gave @err: the send fails with it, nothing delivered
 *
 * The claim's references are dropped by machipc_copier_unclaim(), after
 * the caller released the spaces' locks: the sender's space may go with
 * them once its sender has returned.
 */
void machipc_copier_end_commit(struct machipc_copier *copier, int err)
{
	struct machipc_port *port = copier->port;
	struct machipc_xfer *xfer;

	spin_lock(&port->lock);
	xfer = copier->xfer;
	if (!err) {
		machipc_xfer_set_state_locked(xfer, MACHIPC_XFER_DONE);
		trace_machipc_xfer_committed(xfer->id, xfer->ool.bytes,
					     copier->chunk);
		machipc_xfer_unlink_locked(copier->xfer);
		/* Receivers waiting behind the claimed head may go on. */
		if (!list_empty(&port->queue))
			machipc_port_wake_receivers_locked(port);
	} else {
		machipc_xfer_set_state_locked(xfer, MACHIPC_XFER_COPYING);
		/* An abort that came during the commit takes effect now. */
		if (err == -EAGAIN && xfer->abort_err) {
			err = xfer->abort_err;
			machipc_xfer_fail_locked(xfer, err, xfer->abort_reason);
			machipc_xfer_unlink_locked(copier->xfer);
		} else if (err != -EAGAIN) {
			machipc_xfer_fail_locked(xfer, err,
						 MACHIPC_ABORT_RIGHTS);
			machipc_xfer_unlink_locked(copier->xfer);
		}
	}
	spin_unlock(&port->lock);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_copier_end_commit);
