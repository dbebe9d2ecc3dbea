// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: notifications
 *
 * Kernel messages that tell a program about a port: no-senders (its last
 * send right went away), dead-name (the port a name denotes died),
 * port-destroyed (the receive right would have been destroyed: it is
 * handed over instead), send-once (a send-once right was destroyed
 * unused) and port-deleted (a name with a dead-name request lost its
 * right: the request is cancelled with this instead).
 *
 * The first three are requested, and their message is allocated (charged
 * to the requester) at request time, so firing never allocates and never
 * fails: a request ends exactly once, fired, discarded, replaced or
 * cancelled.  A dead-name request belongs to its (space, name): when the
 * name is deleted (destroyed, deallocated, its right moved away, its space
 * torn down) machipc_notify_name_deleted() takes it off the port and sends
 * its message as a port-deleted notification.  Port death and the cancel
 * both take the request off the port under port->lock: exactly one of
 * them gets it, so exactly one of dead-name and port-deleted is sent.
 *
 * A discarded request's send-once right is destroyed unused, which in
 * turn sends a send-once notification through it.  Send-once
 * notifications are not requested: their cost is reserved, charged to
 * the space that makes the send-once right, when it is made (so making
 * one can fail -ENOBUFS, and nothing else can), and the reservation
 * travels with the right (entry->so_account, kright->account).  It is
 * refunded when the right is used, or becomes the charge of the
 * notification, allocated with __GFP_NOFAIL when the right is destroyed
 * unused (it is small, and the right must not vanish silently), refunded
 * when that is received or destroyed.  No space ever pays for a right
 * another space made.
 *
 * Notifications are queued ignoring the queue limit and carry
 * MACHIPC_TRAILER_KERNEL; no user message can.
 */

#include <linux/slab.h>
#include <linux/uidgid.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "entry.h"
#include "msg.h"
#include "notify.h"
#include "port.h"
#include "out.h"
#include "space.h"
#include "transit.h"

#define MACHIPC_NOTIFY_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOWARN)

/* Requests allocated and not yet freed (debugfs notify_requests). */
static atomic_long_t machipc_notify_live = ATOMIC_LONG_INIT(0);

long machipc_notify_requests_live(void)
{
	return atomic_long_read(&machipc_notify_live);
}

/* Free the request itself (its message has gone its own way). */
static void machipc_notify_free(struct machipc_notify *notify)
{
	struct machipc_account *account = notify->account;

	kfree(notify);
	atomic_long_dec(&machipc_notify_live);
	machipc_account_uncharge(account, sizeof(*notify));
	machipc_account_put(account);
}

/* What a send-once notification costs, reserved with every such right. */
size_t machipc_notify_send_once_cost(void)
{
	return machipc_msg_cost(MACHIPC_NOTIFY_SIZE);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_notify_send_once_cost);

/**
 * machipc_notify_reserve_send_once() - pay for a send-once right's
 *	notification when the right is made
 * @account: the account of the space making the right
 *
 * Return: @account with a reference, which the right holds until it is
 * used (machipc_notify_unreserve_send_once()) or its notification is
 * freed; or ERR_PTR(-ENOBUFS) with nothing charged.
 */
struct machipc_account *
machipc_notify_reserve_send_once(struct machipc_account *account)
{
	int err;

	err = machipc_account_charge(account, machipc_notify_send_once_cost());
	if (err)
		return ERR_PTR(err);
	return machipc_account_get(account);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_notify_reserve_send_once);

/* Refund a reservation (the right was used, or never made); NULL is ok. */
void machipc_notify_unreserve_send_once(struct machipc_account *account)
{
	if (!account)
		return;
	machipc_account_uncharge(account, machipc_notify_send_once_cost());
	machipc_account_put(account);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_notify_unreserve_send_once);

static struct machipc_msg *
machipc_notify_msg_alloc(u32 kind, gfp_t gfp, struct machipc_account *account)
{
	bool carries_port = kind == MACHIPC_NOTIFY_PORT_DESTROYED;
	struct machipc_msg_header *hdr;
	struct machipc_msg_desc *desc;
	struct machipc_msg *msg;
	u32 size;

	size = sizeof(*hdr) + (carries_port ? sizeof(*desc) : 0) +
	       sizeof(struct machipc_notify_body);
	msg = machipc_msg_alloc(size, gfp, account);
	if (IS_ERR(msg))
		return msg;
	memset(msg->body, 0, size);
	hdr = msg->body;
	hdr->size = size;
	hdr->id = MACHIPC_MSGID_NOTIFY(kind);
	if (carries_port) {
		hdr->bits = MACHIPC_MSGH_COMPLEX;
		hdr->desc_count = 1;
		desc = (struct machipc_msg_desc *)(hdr + 1);
		desc->type = MACHIPC_DESC_PORT;
		desc->disposition = MACHIPC_DISP_MOVE_RECEIVE;
	}
	msg->kernel = true;
	msg->committed = true;
	msg->nrights = MACHIPC_KRIGHT_DESC + hdr->desc_count;
	msg->euid = GLOBAL_ROOT_UID;
	msg->egid = GLOBAL_ROOT_GID;
	return msg;
}

/*
 * Queue @msg on the port of its destination right.  @receive: a receive
 * right the message carries (port-destroyed), which leaves its space here.
 * @doomed: where a message that cannot be queued, and the messages of a
 * cycle it closes, go to be destroyed by the caller's iterative loop; NULL
 * to destroy them here, which only messages without receive rights may do
 * (their destruction cannot recurse).
 */
static void machipc_notify_deliver(struct machipc_msg *msg,
				   struct machipc_port *receive,
				   struct list_head *doomed)
{
	struct machipc_port *dest = msg->rights[MACHIPC_KRIGHT_DEST].port;
	struct machipc_port *cycle = NULL;
	bool too_deep = false;
	bool queued;

	WARN_ON_ONCE(receive && !doomed);

	if (receive) {
		mutex_lock(&machipc_transit_lock);
		/*
		 * The bound every send of a receive right obeys: the cycle
		 * walk below, under the global lock, must not take time a
		 * user chooses.  Too deep, the notification is not sent and
		 * the port dies with it, as if its notify port were dead.
		 */
		too_deep = !machipc_transit_depth_ok(msg);
		machipc_transit_enter(receive, msg);
	}
	queued = !too_deep && machipc_port_enqueue_kernel(dest, msg);
	if (receive) {
		if (queued)
			cycle = machipc_transit_find_cycle(msg);
		mutex_unlock(&machipc_transit_lock);
	}
	if (!queued) {
		if (doomed)
			list_add_tail(&msg->link, doomed);
		else
			machipc_msg_destroy(msg);
	}
	if (cycle) {
		machipc_port_kill_collect(cycle, doomed);
		machipc_port_put(cycle);
	}
}

/* Send the requested notification, with @value in its body. */
void machipc_notify_fire(struct machipc_notify *notify, u32 value)
{
	struct machipc_msg *msg = notify->msg;
	struct machipc_notify_body *body = msg->body + msg->size - sizeof(*body);

	body->value = value;
	machipc_notify_free(notify);
	machipc_notify_deliver(msg, NULL, NULL);
}

/* Drop a request that will never fire; NULL is allowed. */
void machipc_notify_discard(struct machipc_notify *notify)
{
	if (!notify)
		return;
	machipc_msg_destroy(notify->msg);
	machipc_notify_free(notify);
}

/* Port-destroyed: @port's receive right travels in the notification. */
void machipc_notify_hand_off(struct machipc_notify *notify,
			     struct machipc_port *port, struct list_head *doomed)
{
	struct machipc_msg *msg = notify->msg;

	msg->rights[MACHIPC_KRIGHT_DESC] = (struct machipc_kright){
		.port = port,
		.type = MACHIPC_RIGHT_RECEIVE,
		.disp = MACHIPC_DISP_MOVE_RECEIVE,
	};
	msg->nreceive = 1;
	machipc_notify_free(notify);
	machipc_notify_deliver(msg, port, doomed);
}

/*
 * The send-once right to @port, destroyed unused, notifies its port.  The
 * notification is paid with @reserved, the reservation made with the
 * right (of the same amount: the message is allocated uncharged and takes
 * the reservation, and its reference, over): nothing is charged here, to
 * anyone.
 */
void machipc_notify_send_once(struct machipc_port *port,
			      struct machipc_account *reserved)
{
	struct machipc_msg *msg;

	msg = machipc_notify_msg_alloc(MACHIPC_NOTIFY_SEND_ONCE,
				       GFP_KERNEL_ACCOUNT | __GFP_NOFAIL, NULL);
	if (WARN_ON_ONCE(IS_ERR(msg))) {
		machipc_port_consume_send_once(port, reserved);
		return;
	}
	WARN_ON_ONCE(msg->charge != machipc_notify_send_once_cost());
	msg->account = reserved;
	msg->rights[MACHIPC_KRIGHT_DEST] = (struct machipc_kright){
		.port = port,
		.type = MACHIPC_RIGHT_SEND_ONCE,
		.disp = MACHIPC_DISP_MOVE_SEND_ONCE,
	};
	machipc_notify_deliver(msg, NULL, NULL);
}

/*
 * A request and its message, both charged to the requester: the request
 * until it ends, the message until it is received or destroyed.
 */
static struct machipc_notify *
machipc_notify_alloc(u32 kind, struct machipc_account *account)
{
	struct machipc_notify *notify;
	int err;

	err = machipc_account_charge(account, sizeof(*notify));
	if (err)
		return ERR_PTR(err);
	notify = kzalloc(sizeof(*notify), MACHIPC_NOTIFY_GFP);
	if (!notify) {
		machipc_account_uncharge(account, sizeof(*notify));
		return ERR_PTR(-ENOMEM);
	}
	atomic_long_inc(&machipc_notify_live);
	INIT_LIST_HEAD(&notify->link);
	notify->account = machipc_account_get(account);
	notify->msg = machipc_notify_msg_alloc(kind, MACHIPC_NOTIFY_GFP,
					       account);
	if (IS_ERR(notify->msg)) {
		err = PTR_ERR(notify->msg);
		notify->msg = NULL;
		machipc_notify_free(notify);
		return ERR_PTR(err);
	}
	return notify;
}

static int machipc_notify_check_name(const struct machipc_entry *entry,
				     u32 kind)
{
	if (!entry)
		return -ENOENT;
	if (kind == MACHIPC_NOTIFY_DEAD_NAME) {
		if (entry->rights & MACHIPC_RIGHT_DEAD_NAME)
			return -EPIPE;
		return entry->rights &
		       (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_SEND_ONCE) ?
		       0 : -EACCES;
	}
	return entry->rights & MACHIPC_RIGHT_RECEIVE ? 0 : -EACCES;
}

static int machipc_notify_check_target(const struct machipc_entry *target,
				       const struct machipc_entry *entry,
				       u32 disp)
{
	if (!target)
		return -ENOENT;
	if (disp == MACHIPC_DISP_MAKE_SEND_ONCE)
		return target->rights & MACHIPC_RIGHT_RECEIVE ? 0 : -EACCES;
	if (target->rights & MACHIPC_RIGHT_DEAD_NAME)
		return -EPIPE;
	if (!(target->rights & MACHIPC_RIGHT_SEND_ONCE))
		return -EACCES;
	/* The right the request is about cannot also be its notify right. */
	return target == entry ? -EINVAL : 0;
}

static struct machipc_notify *machipc_notify_find(struct machipc_port *port,
						  u32 kind, u64 space_id,
						  u32 name)
{
	struct machipc_notify *notify;

	lockdep_assert_held(&port->lock);
	if (kind == MACHIPC_NOTIFY_NO_SENDERS)
		return port->nsrequest;
	if (kind == MACHIPC_NOTIFY_PORT_DESTROYED)
		return port->pdrequest;
	list_for_each_entry(notify, &port->dnrequests, link)
		if (notify->space_id == space_id && notify->name == name)
			return notify;
	return NULL;
}

/**
 * machipc_notify_name_deleted() - @entry no longer names @port
 * @space: the space, locked
 * @entry: the entry, being freed or losing its right
 * @port: the port it named (NULL for a dead name)
 *
 * A dead-name request of the name is cancelled: taken off the port under
 * its lock (unless the port's death took it first, and fires it), and its
 * message, charged to the requester, is sent as a port-deleted
 * notification -- or destroyed with its charge refunded if the notify
 * port is dead.  Only names flagged MACHIPC_ENTRY_DNREQUEST look.
 */
void machipc_notify_name_deleted(struct machipc_space *space,
				 struct machipc_entry *entry,
				 struct machipc_port *port)
{
	struct machipc_notify *notify;
	struct machipc_msg_header *hdr;

	lockdep_assert_held(&space->lock);
	if (!(entry->flags & MACHIPC_ENTRY_DNREQUEST))
		return;
	entry->flags &= ~(MACHIPC_ENTRY_DNREQUEST | MACHIPC_ENTRY_DNREQUEST_UREF);
	if (!port)
		return;
	spin_lock(&port->lock);
	notify = machipc_notify_find(port, MACHIPC_NOTIFY_DEAD_NAME,
				     space->id, entry->name);
	if (notify)
		list_del_init(&notify->link);
	spin_unlock(&port->lock);
	if (!notify)
		return;
	/* Same layout as dead-name: only the id differs. */
	hdr = notify->msg->body;
	hdr->id = MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_PORT_DELETED);
	machipc_notify_fire(notify, entry->name);
}

/**
 * machipc_notify_has_dnrequest() - whether @space has a live dead-name
 *	request on @entry's name
 * @space: the space, locked
 * @entry: one of its entries, looked up (a dead port's converted)
 *
 * Return: true while the request waits on the port (not once it fired).
 */
bool machipc_notify_has_dnrequest(struct machipc_space *space,
				  struct machipc_entry *entry)
{
	struct machipc_port *port = entry->port;
	bool found;

	lockdep_assert_held(&space->lock);
	if (!(entry->flags & MACHIPC_ENTRY_DNREQUEST) || !port ||
	    (entry->rights & MACHIPC_RIGHT_DEAD_NAME))
		return false;
	spin_lock(&port->lock);
	found = machipc_notify_find(port, MACHIPC_NOTIFY_DEAD_NAME, space->id,
				    entry->name);
	spin_unlock(&port->lock);
	return found;
}

/*
 * Replace the request of this kind (and requester) with @new, which may be
 * NULL.  Nothing is installed on a port that has died meanwhile: the caller
 * fires a dead-name request at once and discards any other.  Returns the
 * old request.
 */
static struct machipc_notify *machipc_notify_swap(struct machipc_port *port,
						  u32 kind, u64 space_id,
						  u32 name,
						  struct machipc_notify *new)
{
	struct machipc_notify *old;

	lockdep_assert_held(&port->lock);
	old = machipc_notify_find(port, kind, space_id, name);
	if (port->dead)
		new = NULL;	/* never installed: the caller fires or drops it */
	switch (kind) {
	case MACHIPC_NOTIFY_NO_SENDERS:
		port->nsrequest = new;
		break;
	case MACHIPC_NOTIFY_PORT_DESTROYED:
		port->pdrequest = new;
		break;
	default:
		if (old)
			list_del_init(&old->link);
		if (new)
			list_add_tail(&new->link, &port->dnrequests);
		break;
	}
	return old;
}

/*
 * After a dead-name request on @entry was made, replaced or cancelled
 * (@arg): record whether the dead name the port's death leaves gets the
 * notification's reference (MACHIPC_NOTIFY_DEAD_NAME_UREF).  If the port
 * had died before the swap (@died), the old request, if any, fired with
 * the flags the entry has: the name is converted now with those, and a
 * new request that fired at once (@fire_now) adds its own reference -- a
 * flag bit could not count two.  The space lock is held throughout, so a
 * death after the swap converts the name only after this.
 */
VISIBLE_IF_KUNIT void
machipc_notify_dead_name_flags(struct machipc_space *space,
			       struct machipc_entry *entry,
			       const struct machipc_notify_request *arg,
			       bool died, const struct machipc_notify *fire_now)
{
	lockdep_assert_held(&space->lock);
	if (died) {
		machipc_entry_lookup(space, arg->name);
		if (fire_now && (arg->flags & MACHIPC_NOTIFY_DEAD_NAME_UREF) &&
		    (entry->rights & MACHIPC_RIGHT_DEAD_NAME) &&
		    entry->urefs < MACHIPC_UREFS_MAX)
			entry->urefs++;
		return;
	}
	/* A cancelled request leaves DNREQUEST: the death clears it harmlessly. */
	if (arg->notify != MACHIPC_NAME_NULL)
		entry->flags |= MACHIPC_ENTRY_DNREQUEST;
	if (arg->flags & MACHIPC_NOTIFY_DEAD_NAME_UREF)
		entry->flags |= MACHIPC_ENTRY_DNREQUEST_UREF;
	else
		entry->flags &= ~MACHIPC_ENTRY_DNREQUEST_UREF;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_notify_dead_name_flags);

/**
 * machipc_notify_request() - MACHIPC_IOC_PORT_REQUEST_NOTIFICATION
 * @space: the caller's space
 * @arg: the validated request; @arg->previous is filled in
 * @out: the caller's argument block, written before the commit point
 *
 * Everything that can fail (allocation of the request, of its message and
 * of the name for the previous right; every name check) happens before
 * anything changes.
 *
 * Return: 0 or a negative errno with nothing changed.
 */
int machipc_notify_request(struct machipc_space *space,
			   struct machipc_notify_request *arg,
			   struct machipc_out *out)
{
	struct machipc_notify *new = NULL, *old, *fire_now = NULL, *drop = NULL;
	struct machipc_entry *entry, *target = NULL, *prev = NULL;
	struct machipc_account *reserved = NULL;
	struct machipc_port *port, *nport;
	u32 saved_next, value = 0;
	bool had_old, died;
	int err;

	if (arg->notify != MACHIPC_NAME_NULL) {
		new = machipc_notify_alloc(arg->kind, space->account);
		if (IS_ERR(new))
			return PTR_ERR(new);
		/* A send-once right made here reserves its notification. */
		if (arg->disposition == MACHIPC_DISP_MAKE_SEND_ONCE) {
			reserved = machipc_notify_reserve_send_once(space->account);
			if (IS_ERR(reserved)) {
				err = PTR_ERR(reserved);
				reserved = NULL;
				goto err_free;
			}
		}
	}

	err = machipc_space_lock(space);
	if (err)
		goto err_free;
	entry = machipc_entry_lookup(space, arg->name);
	err = machipc_notify_check_name(entry, arg->kind);
	if (err)
		goto err_unlock;
	if (new) {
		target = machipc_entry_lookup(space, arg->notify);
		err = machipc_notify_check_target(target, entry,
						  arg->disposition);
		if (err)
			goto err_unlock;
	}
	port = entry->port;

	saved_next = space->next_name;
	spin_lock(&port->lock);
	had_old = machipc_notify_find(port, arg->kind, space->id, arg->name);
	spin_unlock(&port->lock);
	if (had_old) {
		prev = machipc_entry_create(space, NULL, false);
		if (IS_ERR(prev)) {
			err = PTR_ERR(prev);
			goto err_unlock;
		}
	}
	arg->previous = prev ? prev->name : MACHIPC_NAME_NULL;
	err = machipc_out_write(out);
	if (err) {
		if (prev) {
			machipc_entry_destroy(space, prev);
			space->next_name = saved_next;
		}
		goto err_unlock;
	}

	/* From here on, nothing fails. */
	if (new) {
		nport = target->port;
		if (arg->disposition == MACHIPC_DISP_MAKE_SEND_ONCE) {
			machipc_port_add_send_once(nport);
		} else {
			target->rights &= ~MACHIPC_RIGHT_SEND_ONCE;
			reserved = target->so_account;
			target->so_account = NULL;
			machipc_entry_destroy(space, target);
		}
		new->msg->rights[MACHIPC_KRIGHT_DEST] = (struct machipc_kright){
			.port = nport,
			.type = MACHIPC_RIGHT_SEND_ONCE,
			.disp = MACHIPC_DISP_MOVE_SEND_ONCE,
			.account = reserved,
		};
		new->space_id = space->id;
		new->name = arg->name;
		new->sync = arg->sync;
	}
	spin_lock(&port->lock);
	old = machipc_notify_swap(port, arg->kind, space->id, arg->name, new);
	died = port->dead;
	if (new && port->dead && arg->kind == MACHIPC_NOTIFY_DEAD_NAME) {
		fire_now = new;
		value = arg->name;
	} else if (new && port->dead) {
		drop = new;
	} else if (new && arg->kind == MACHIPC_NOTIFY_NO_SENDERS &&
		   !port->srights && port->mscount >= new->sync) {
		port->nsrequest = NULL;
		fire_now = new;
		value = port->mscount;
	}
	spin_unlock(&port->lock);
	if (arg->kind == MACHIPC_NOTIFY_DEAD_NAME)
		machipc_notify_dead_name_flags(space, entry, arg, died, fire_now);

	if (old) {
		struct machipc_kright *kr = &old->msg->rights[MACHIPC_KRIGHT_DEST];

		prev->port = kr->port;
		prev->rights = MACHIPC_RIGHT_SEND_ONCE;
		prev->so_account = kr->account;
		kr->port = NULL;
		kr->account = NULL;
		machipc_msg_free(old->msg);
		machipc_notify_free(old);
	} else if (prev) {
		/*
		 * The old request fired meanwhile, after its name was
		 * reported: the name is a dead name, telling just that.
		 */
		prev->rights = MACHIPC_RIGHT_DEAD_NAME;
		prev->urefs = 1;
	}
	mutex_unlock(&space->lock);

	if (fire_now)
		machipc_notify_fire(fire_now, value);
	machipc_notify_discard(drop);
	return 0;

err_unlock:
	mutex_unlock(&space->lock);
err_free:
	machipc_notify_unreserve_send_once(reserved);
	if (new) {
		machipc_msg_free(new->msg);
		machipc_notify_free(new);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_notify_request);
