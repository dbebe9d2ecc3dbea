// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line transfers, the sender's half: the transfer's state, the
 * notifier that watches the sender's regions, and the synchronous wait of
 * the send, which serves the copier's fault-in requests and aborts the
 * transfer on a signal or the deadline.  See xfer.h for the protocol.
 */

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/machipc.h>

#include "account.h"
#include "msg.h"
#include "port.h"
#include "pset.h"
#include "sleep.h"
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
 * address range, -E2BIG if the regions add up to more than
 * machipc_max_ool_bytes, -ENOBUFS, -ENOMEM.
 */
struct machipc_xfer *machipc_xfer_alloc(struct machipc_msg *msg,
					struct machipc_account *account)
{
	const struct machipc_msg_header *hdr = msg->body;
	const struct machipc_msg_desc *desc = msg->body + sizeof(*hdr);
	struct machipc_xfer *xfer;
	u64 bytes = 0;
	u32 i, n = 0;
	int err;

	for (i = 0; i < hdr->desc_count; i++) {
		if (desc[i].type != MACHIPC_DESC_OOL)
			continue;
		n++;
		if (!desc[i].size)
			continue;
		if (!access_ok(u64_to_user_ptr(desc[i].address), desc[i].size))
			return ERR_PTR(-EFAULT);
		bytes += desc[i].size;
	}
	if (bytes > READ_ONCE(machipc_max_ool_bytes))
		return ERR_PTR(-E2BIG);

	err = machipc_account_charge(account, MACHIPC_COST_XFER);
	if (err)
		return ERR_PTR(err);
	xfer = kzalloc(sizeof(*xfer), GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				       __GFP_NOWARN);
	if (!xfer) {
		machipc_account_uncharge(account, MACHIPC_COST_XFER);
		return ERR_PTR(-ENOMEM);
	}
	xfer->id = atomic64_inc_return(&machipc_xfer_ids);
	xfer->msg = msg;
	xfer->account = machipc_account_get(account);
	xfer->mm = current->mm;
	init_waitqueue_head(&xfer->wait);
	spin_lock_init(&xfer->seq_lock);
	xfer->nregions = n;
	xfer->bytes = bytes;
	xfer->state = MACHIPC_XFER_QUEUED;
	return xfer;
}

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
	const struct machipc_msg_header *hdr = xfer->msg->body;
	const struct machipc_msg_desc *desc = xfer->msg->body + sizeof(*hdr);
	u64 start = U64_MAX, end = 0;
	u32 i;
	int err;

	for (i = 0; i < hdr->desc_count; i++) {
		if (desc[i].type != MACHIPC_DESC_OOL || !desc[i].size)
			continue;
		start = min(start, desc[i].address);
		end = max(end, desc[i].address + desc[i].size);
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

/*
 * Unlink an idle copier from @xfer; a busy one unlinks itself at the end
 * of its busy section.  Either way it is woken to look at the new state.
 */
static void machipc_xfer_detach_locked(struct machipc_xfer *xfer)
{
	struct machipc_copier *copier = xfer->copier;

	if (!copier)
		return;
	if (!xfer->busy) {
		copier->xfer = NULL;
		xfer->copier = NULL;
	}
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
	xfer->state = MACHIPC_XFER_FAILED;
	xfer->err = err;
	if (!list_empty(&xfer->msg->link)) {
		list_del_init(&xfer->msg->link);
		port->msgcount--;
		wake_up(&port->snd_wait);
	}
	machipc_xfer_detach_locked(xfer);
	wake_up(&xfer->wait);
	/* The head of the queue changed: receivers blocked behind it go on. */
	machipc_port_wake_receivers_locked(port);
}

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

/*
 * Fault in what the copier could not pin without waiting, in the sender's
 * own context, so that the sender's pager (userfaultfd, FUSE) stalls only
 * the sender.  The copier waits for us, under its own deadline.
 */
static int machipc_xfer_fault_in(struct machipc_xfer *xfer, u64 addr, u64 len,
				 u32 seq)
{
	struct machipc_port *port = xfer->port;
	int err;

	err = machipc_fault_in(addr, len, false);

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
		err = machipc_xfer_fault_in(xfer, addr, len, seq);
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
