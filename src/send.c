// SPDX-License-Identifier: GPL-2.0
/*
 * Sending: copy the message in once, take its rights from the sender's
 * space, and queue it.
 *
 * The send is split at its commit point.  Before it, the rights are only
 * planned (entry->plan_*) and referenced, and anything (a bad name, a full
 * queue, a signal while waiting for room) abandons the plan with nothing
 * changed.  The commit reserves a queue slot under the port lock, then moves
 * the rights and queues the message, and cannot fail.
 */

#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <linux/machipc.h>

#include "entry.h"
#include "ipc.h"
#include "msg.h"
#include "notify.h"
#include "port.h"
#include "sleep.h"
#include "space.h"
#include "transit.h"
#include "xfer.h"

/* Plan taking the right @name with @disp from @space into @kr. */
static int machipc_copyin_right(struct machipc_space *space, u32 name,
				u32 disp, struct machipc_kright *kr,
				struct list_head *plan)
{
	struct machipc_entry *entry = machipc_entry_lookup(space, name);
	u32 type;

	if (!entry)
		return -ENOENT;

	switch (disp) {
	case MACHIPC_DISP_MOVE_RECEIVE:
	case MACHIPC_DISP_MAKE_SEND:
	case MACHIPC_DISP_MAKE_SEND_ONCE:
		if (!(entry->rights & MACHIPC_RIGHT_RECEIVE) ||
		    (entry->plan_flags & MACHIPC_PLAN_RECEIVE_MOVED))
			return -EACCES;
		if (disp == MACHIPC_DISP_MOVE_RECEIVE) {
			entry->plan_flags |= MACHIPC_PLAN_RECEIVE_MOVED;
			type = MACHIPC_RIGHT_RECEIVE;
		} else if (disp == MACHIPC_DISP_MAKE_SEND) {
			type = MACHIPC_RIGHT_SEND;
		} else {
			type = MACHIPC_RIGHT_SEND_ONCE;
		}
		break;
	case MACHIPC_DISP_COPY_SEND:
	case MACHIPC_DISP_MOVE_SEND:
		if (entry->rights & MACHIPC_RIGHT_DEAD_NAME)
			return -EPIPE;
		if (!(entry->rights & MACHIPC_RIGHT_SEND) ||
		    entry->urefs <= entry->plan_urefs)
			return -EACCES;
		if (machipc_port_is_dead(entry->port))
			return -EPIPE;
		if (disp == MACHIPC_DISP_MOVE_SEND)
			entry->plan_urefs++;
		type = MACHIPC_RIGHT_SEND;
		break;
	case MACHIPC_DISP_MOVE_SEND_ONCE:
		if (entry->rights & MACHIPC_RIGHT_DEAD_NAME)
			return -EPIPE;
		if (!(entry->rights & MACHIPC_RIGHT_SEND_ONCE) ||
		    (entry->plan_flags & MACHIPC_PLAN_SEND_ONCE_MOVED))
			return -EACCES;
		if (machipc_port_is_dead(entry->port))
			return -EPIPE;
		entry->plan_flags |= MACHIPC_PLAN_SEND_ONCE_MOVED;
		type = MACHIPC_RIGHT_SEND_ONCE;
		break;
	default:
		return -EINVAL;
	}

	/*
	 * A new send-once right reserves its notification now, on the
	 * account of the space making it (refunded if the plan is
	 * abandoned); a moved one takes its reservation along at the commit.
	 */
	if (disp == MACHIPC_DISP_MAKE_SEND_ONCE) {
		struct machipc_account *reserved;

		reserved = machipc_notify_reserve_send_once(space->account);
		if (IS_ERR(reserved))
			return PTR_ERR(reserved);
		kr->account = reserved;
	}
	machipc_port_get(entry->port);
	kr->port = entry->port;
	kr->type = type;
	kr->disp = disp;
	if (list_empty(&entry->plan_link))
		list_add_tail(&entry->plan_link, plan);
	return 0;
}

static void machipc_plan_clear(struct list_head *plan)
{
	struct machipc_entry *entry, *tmp;

	list_for_each_entry_safe(entry, tmp, plan, plan_link) {
		entry->plan_urefs = 0;
		entry->plan_flags = 0;
		list_del_init(&entry->plan_link);
	}
}

void machipc_copyin_abort(struct machipc_msg *msg, struct list_head *plan)
{
	u32 i;

	machipc_plan_clear(plan);
	for (i = 0; i < msg->nrights; i++) {
		/* Only a planned MAKE_SEND_ONCE holds a reservation yet. */
		machipc_notify_unreserve_send_once(msg->rights[i].account);
		machipc_port_put(msg->rights[i].port);
		memset(&msg->rights[i], 0, sizeof(msg->rights[i]));
	}
	msg->nreceive = 0;
}

/*
 * The name right @i of @msg is taken from: the header's, a port
 * descriptor's, or one of a port array's (the rights after the
 * descriptors').
 */
static u32 machipc_copyin_name(const struct machipc_msg *msg, u32 i)
{
	const struct machipc_msg_header *hdr = msg->body;
	const struct machipc_msg_desc *desc = machipc_msg_descs(msg->body);
	u32 first_array = MACHIPC_KRIGHT_DESC + hdr->desc_count;

	if (i == MACHIPC_KRIGHT_DEST)
		return hdr->remote_name;
	if (i == MACHIPC_KRIGHT_REPLY)
		return hdr->local_name;
	if (i >= first_array)
		return msg->ool_names[i - first_array];
	return desc[i - MACHIPC_KRIGHT_DESC].name;
}

/*
 * Plan every right of @msg: destination, reply, then descriptors.  Called
 * with @space locked; by the sender, or for an out-of-line message by the
 * receiver committing it.
 */
int machipc_copyin_plan(struct machipc_space *space, struct machipc_msg *msg,
			struct list_head *plan)
{
	const struct machipc_msg_header *hdr = msg->body;
	const struct machipc_msg_desc *desc = machipc_msg_descs(msg->body);
	u32 local = MACHIPC_MSGH_LOCAL(hdr->bits);
	u32 i, j, k = MACHIPC_KRIGHT_DESC + hdr->desc_count;
	int err;

	lockdep_assert_held(&space->lock);
	msg->blame = MACHIPC_BLAME_DEST;
	err = machipc_copyin_right(space, hdr->remote_name,
				   MACHIPC_MSGH_REMOTE(hdr->bits),
				   &msg->rights[MACHIPC_KRIGHT_DEST], plan);
	if (err)
		goto err_abort;
	if (local != MACHIPC_DISP_NONE) {
		msg->blame = MACHIPC_BLAME_REPLY;
		err = machipc_copyin_right(space, hdr->local_name, local,
					   &msg->rights[MACHIPC_KRIGHT_REPLY],
					   plan);
		if (err)
			goto err_abort;
	}
	for (i = 0; i < hdr->desc_count; i++) {
		struct machipc_kright *kr = &msg->rights[MACHIPC_KRIGHT_DESC + i];

		if (desc[i].type == MACHIPC_DESC_OOL_PORTS) {
			/* Its rights follow the descriptors', k on. */
			msg->blame = MACHIPC_BLAME_DESC(i);
			for (j = 0; j < desc[i].size; j++, k++) {
				u32 name = machipc_copyin_name(msg, k);

				if (name == MACHIPC_NAME_NULL ||
				    name == MACHIPC_NAME_DEAD)
					continue;
				err = machipc_copyin_right(space, name,
							   desc[i].disposition,
							   &msg->rights[k], plan);
				if (err)
					goto err_abort;
				if (msg->rights[k].type == MACHIPC_RIGHT_RECEIVE)
					msg->nreceive++;
			}
			continue;
		}
		if (desc[i].type != MACHIPC_DESC_PORT)
			continue;
		msg->blame = MACHIPC_BLAME_DESC(i);
		err = machipc_copyin_right(space, desc[i].name,
					   desc[i].disposition, kr, plan);
		if (err)
			goto err_abort;
		if (kr->type == MACHIPC_RIGHT_RECEIVE)
			msg->nreceive++;
	}
	msg->blame = MACHIPC_BLAME_NONE;
	return 0;

err_abort:
	machipc_copyin_abort(msg, plan);
	return err;
}

/*
 * The entry right @i of @msg was planned from: found again by its name in
 * the message, under the same hold of the space lock as the plan, so it is
 * the same entry.  (Not with machipc_entry_lookup(): that would turn a
 * name whose port just died into a dead name under the plan's feet.)
 */
static struct machipc_entry *machipc_copyin_source(struct machipc_space *space,
						   const struct machipc_msg *msg,
						   u32 i)
{
	lockdep_assert_held(&space->lock);
	return xa_load(&space->names, machipc_copyin_name(msg, i));
}

/**
 * machipc_copyin_empties() - whether the planned copy-in empties @entry
 * @entry: an entry of the space the plan is made in, locked
 *
 * Return: true if the entry has rights and the commit of the plan leaves
 * it with none (so frees it); false for an entry on no plan.
 */
bool machipc_copyin_empties(const struct machipc_entry *entry)
{
	u32 rights = entry->rights;

	if (entry->plan_flags & MACHIPC_PLAN_RECEIVE_MOVED)
		rights &= ~MACHIPC_RIGHT_RECEIVE;
	if (entry->plan_flags & MACHIPC_PLAN_SEND_ONCE_MOVED)
		rights &= ~MACHIPC_RIGHT_SEND_ONCE;
	if (entry->plan_urefs && entry->plan_urefs == entry->urefs)
		rights &= ~MACHIPC_RIGHT_SEND;
	return entry->rights && !rights;
}

/* How many entries the commit of @plan frees. */
u32 machipc_copyin_count_emptied(const struct list_head *plan)
{
	const struct machipc_entry *entry;
	u32 n = 0;

	list_for_each_entry(entry, plan, plan_link)
		n += machipc_copyin_empties(entry);
	return n;
}

/* Free the entries machipc_copyin_commit() emptied. */
void machipc_copyin_release(struct machipc_space *space,
			    struct list_head *emptied)
{
	struct machipc_entry *entry, *tmp;

	list_for_each_entry_safe(entry, tmp, emptied, plan_link) {
		list_del_init(&entry->plan_link);
		machipc_entry_destroy(space, entry);
	}
}

/**
 * machipc_copyin_commit() - apply the plan; cannot fail
 * @space: the sender's space, locked
 * @msg: the message
 * @plan: the plan machipc_copyin_plan() made
 * @emptied: NULL, or where to put the entries left without rights, still
 *	named and indexed, for the caller to free with
 *	machipc_copyin_release() while @msg still holds its references to
 *	their ports (and before it drops the space lock)
 *
 * The rights leave the sender's space and the right counters of their
 * ports account for the copies made.  Without @emptied, the entries left
 * without rights are freed here.
 */
void machipc_copyin_commit(struct machipc_space *space, struct machipc_msg *msg,
			   struct list_head *plan, struct list_head *emptied)
{
	struct machipc_entry *entry;
	LIST_HEAD(freed);
	u32 i;

	lockdep_assert_held(&space->lock);
	machipc_plan_clear(plan);

	for (i = 0; i < msg->nrights; i++) {
		struct machipc_kright *kr = &msg->rights[i];
		struct machipc_port *port = kr->port;

		if (!port)
			continue;
		entry = machipc_copyin_source(space, msg, i);

		switch (kr->disp) {
		case MACHIPC_DISP_MOVE_RECEIVE:
			entry->rights &= ~MACHIPC_RIGHT_RECEIVE;
			machipc_transit_enter(port, msg);
			machipc_port_put(port);
			break;
		case MACHIPC_DISP_MOVE_SEND:
			if (--entry->urefs == 0) {
				entry->rights &= ~MACHIPC_RIGHT_SEND;
				machipc_port_put(port);
			} else {
				machipc_port_count_send(port, false);
			}
			break;
		case MACHIPC_DISP_COPY_SEND:
		case MACHIPC_DISP_MAKE_SEND:
			machipc_port_count_send(port,
						kr->disp == MACHIPC_DISP_MAKE_SEND);
			break;
		case MACHIPC_DISP_MAKE_SEND_ONCE:
			machipc_port_count_send_once(port);
			break;
		case MACHIPC_DISP_MOVE_SEND_ONCE:
			entry->rights &= ~MACHIPC_RIGHT_SEND_ONCE;
			kr->account = entry->so_account;
			entry->so_account = NULL;
			machipc_port_put(port);
			break;
		}
		if (!entry->rights && list_empty(&entry->plan_link))
			list_add_tail(&entry->plan_link, emptied ?: &freed);
	}

	machipc_copyin_release(space, &freed);
	msg->committed = true;
}

/*
 * The rest of an out-of-line send, once its slot is reserved in @dest's
 * queue: the rights were only checked (the plan is abandoned: the copier
 * takes them at the commit), the message is queued uncommitted, and the
 * sender waits for the transfer's outcome.  Consumes the space lock.
 */
static int machipc_send_ool(struct machipc_space *space,
			    struct machipc_msg *msg, struct machipc_port *dest,
			    struct list_head *plan, const ktime_t *deadline,
			    u32 *blame)
{
	int err;

	lockdep_assert_held(&space->lock);
	machipc_xfer_target(msg->xfer, dest, space);
	machipc_copyin_abort(msg, plan);
	mutex_unlock(&space->lock);
	if (!machipc_port_enqueue(msg->xfer->port, msg, true)) {
		*blame = MACHIPC_BLAME_DEST;
		return -EPIPE;
	}
	err = machipc_xfer_wait(msg->xfer, deadline);
	/*
	 * A right refused when the receiver committed (it re-plans them in
	 * our space: msg->blame), or the destination died while queued.
	 */
	if (err == -ENOENT || err == -EACCES || err == -EPIPE)
		*blame = msg->blame != MACHIPC_BLAME_NONE ? msg->blame :
							  MACHIPC_BLAME_DEST;
	return err;
}

/**
 * machipc_send() - the send part of MACHIPC_IOC_MSG
 * @space: the sender's space
 * @uaddr: user address of the message
 * @size: its size
 * @deadline: absolute deadline for waiting on a full queue, or NULL
 * @will_receive: the caller receives right after (an RPC)
 * @blame: out: on failure, the MACHIPC_BLAME_* of the right the send was
 *	refused for, or MACHIPC_BLAME_NONE
 *
 * A message with out-of-line data is sent synchronously: see
 * machipc_send_ool().
 *
 * Return: 0 once the message is queued (or, if the destination died after
 * the commit, destroyed with it) or, with out-of-line data, delivered; or
 * a negative errno with nothing changed.
 */
int machipc_send(struct machipc_space *space, u64 uaddr, u32 size,
		 const ktime_t *deadline, bool will_receive, u32 *blame)
{
	struct machipc_port *dest, *cycle;
	struct machipc_dealloc *dealloc;
	struct machipc_msg *msg;
	bool queued, carries_receive, once;
	LIST_HEAD(plan);
	int err;

	*blame = MACHIPC_BLAME_NONE;
	msg = machipc_msg_copyin(uaddr, size, space->account, blame);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	dealloc = machipc_msg_deallocations(msg);
	if (IS_ERR(dealloc)) {
		err = PTR_ERR(dealloc);
		dealloc = NULL;
		goto out_free;
	}
	if (msg->xfer) {
		err = machipc_xfer_watch(msg->xfer);
		if (err)
			goto out_free;
	}

	for (;;) {
		err = machipc_space_lock(space);
		if (err)
			break;
		err = machipc_copyin_plan(space, msg, &plan);
		if (err) {
			mutex_unlock(&space->lock);
			/* A right refused; not a charge that failed on it. */
			if (err == -ENOENT || err == -EACCES || err == -EPIPE)
				*blame = msg->blame;
			break;
		}

		dest = msg->rights[MACHIPC_KRIGHT_DEST].port;
		/*
		 * Receive rights travel in the queue only in line (an
		 * out-of-line message hands them straight to its receiver).
		 * Their depth is checked, and they are committed, under one
		 * hold of the transit lock.
		 */
		carries_receive = msg->nreceive && !msg->xfer;
		if (carries_receive) {
			mutex_lock(&machipc_transit_lock);
			if (!machipc_transit_depth_ok(msg)) {
				mutex_unlock(&machipc_transit_lock);
				machipc_copyin_abort(msg, &plan);
				mutex_unlock(&space->lock);
				err = -ETOOMANYREFS;
				break;
			}
		}
		spin_lock(&dest->lock);
		if (dest->dead) {
			spin_unlock(&dest->lock);
			if (carries_receive)
				mutex_unlock(&machipc_transit_lock);
			machipc_copyin_abort(msg, &plan);
			mutex_unlock(&space->lock);
			*blame = MACHIPC_BLAME_DEST;
			err = -EPIPE;
			break;
		}
		once = msg->rights[MACHIPC_KRIGHT_DEST].type ==
		       MACHIPC_RIGHT_SEND_ONCE;
		if (dest->msgcount >= (once ? MACHIPC_QLIMIT_SEND_ONCE :
					      dest->qlimit)) {
			spin_unlock(&dest->lock);
			if (carries_receive)
				mutex_unlock(&machipc_transit_lock);
			machipc_port_get(dest);
			machipc_copyin_abort(msg, &plan);
			mutex_unlock(&space->lock);
			err = machipc_sleep(&dest->snd_wait,
					    once ? machipc_port_has_room_once :
						   machipc_port_has_room,
					    dest, deadline);
			machipc_port_put(dest);
			if (err)
				break;
			continue;
		}
		machipc_port_reserve_locked(dest);
		spin_unlock(&dest->lock);

		if (msg->xfer) {
			err = machipc_send_ool(space, msg, dest, &plan,
					       deadline, blame);
			if (!err)
				machipc_msg_deallocate(dealloc);
			else
				kfree(dealloc);
			machipc_msg_free(msg);
			return err;
		}

		/*
		 * The commit point: from here on, the send cannot fail.  Once
		 * queued, the message may be received and freed at any moment
		 * unless it carries receive rights, whose receiver must first
		 * take the transit lock we hold: read nothing from it after
		 * the enqueue but under that lock.
		 */
		machipc_copyin_commit(space, msg, &plan, NULL);
		queued = machipc_port_enqueue(dest, msg, will_receive);
		cycle = NULL;
		if (carries_receive) {
			if (queued)
				cycle = machipc_transit_find_cycle(msg);
			mutex_unlock(&machipc_transit_lock);
		}
		mutex_unlock(&space->lock);

		if (!queued)
			machipc_msg_destroy(msg);
		if (cycle) {
			machipc_port_kill(cycle);
			machipc_port_put(cycle);
		}
		/* The send stands: unmap what it was asked to deallocate. */
		machipc_msg_deallocate(dealloc);
		return 0;
	}

out_free:
	kfree(dealloc);
	machipc_msg_free(msg);
	return err;
}
