// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: creation, reference counting, right counters and death.
 *
 * Every right (a receive right, a name's send right, a send-once right, a
 * right travelling in a message, a bootstrap descriptor) holds one
 * reference on its port; so does a thread waiting on the port.
 */

#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "msg.h"
#include "notify.h"
#include "poll.h"
#include "port.h"
#include "pset.h"
#include "space.h"
#include "trace.h"
#include "xfer.h"

static struct kmem_cache *machipc_port_cache;

/*
 * All ports ever created and not yet freed, by key: the leak check.  Keys
 * are handed out cyclically from 1, so a live port's key is unique and
 * small; they index space->by_port and are never shown.
 */
static DEFINE_XARRAY_ALLOC1(machipc_ports);
static u32 machipc_port_next_key;

/*
 * The last port id given.  Ids are what users see (NAME_INFO, PORT_NAMES,
 * fdinfo, tracepoints), never an address: 1, 2, 3, ... in creation order,
 * 64 bits, never reused while the module is loaded.
 */
static atomic64_t machipc_port_last_id = ATOMIC64_INIT(0);

/* Trace ids of messages, given only while tracing (see msg->trace_id). */
static atomic64_t machipc_msg_trace_ids = ATOMIC64_INIT(0);

int machipc_ports_init(void)
{
	machipc_port_cache = KMEM_CACHE(machipc_port, SLAB_ACCOUNT);
	return machipc_port_cache ? 0 : -ENOMEM;
}

void machipc_ports_exit(void)
{
	WARN_ON(!xa_empty(&machipc_ports));
	kmem_cache_destroy(machipc_port_cache);
}

/**
 * machipc_port_create() - a new port whose receive right @receiver holds
 * @receiver: the space that will name the receive right
 *
 * The port is charged to @receiver's account until it is freed.
 *
 * Return: the port with one reference (the receive right's), or an
 * ERR_PTR: -ENOBUFS (account limit) or -ENOMEM.
 */
struct machipc_port *machipc_port_create(struct machipc_space *receiver)
{
	struct machipc_port *port;
	int err;

	err = machipc_account_charge(receiver->account, MACHIPC_COST_PORT);
	if (err)
		return ERR_PTR(err);
	port = kmem_cache_zalloc(machipc_port_cache,
				 GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				 __GFP_NOWARN);
	if (!port) {
		machipc_account_uncharge(receiver->account, MACHIPC_COST_PORT);
		return ERR_PTR(-ENOMEM);
	}
	port->account = machipc_account_get(receiver->account);
	kref_init(&port->ref);
	spin_lock_init(&port->lock);
	INIT_LIST_HEAD(&port->queue);
	INIT_LIST_HEAD(&port->pset_link);
	INIT_LIST_HEAD(&port->dnrequests);
	init_waitqueue_head(&port->rcv_wait);
	init_waitqueue_head(&port->snd_wait);
	port->qlimit = MACHIPC_QLIMIT_DEFAULT;
	port->receiver = receiver;

	err = xa_alloc_cyclic(&machipc_ports, &port->key, port, xa_limit_32b,
			      &machipc_port_next_key,
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (err < 0) {
		machipc_account_uncharge(port->account, MACHIPC_COST_PORT);
		machipc_account_put(port->account);
		kmem_cache_free(machipc_port_cache, port);
		return ERR_PTR(-ENOMEM);
	}
	port->id = atomic64_inc_return(&machipc_port_last_id);
	return port;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_create);

/* The id the next port will get (at least: others may take it first). */
u64 machipc_port_id_next(void)
{
	return atomic64_read(&machipc_port_last_id) + 1;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_id_next);

/**
 * machipc_port_id_set_next() - skip port ids, for tests (debugfs)
 * @next: the id the next port is to get
 *
 * Ids only ever go up, so none is given twice.
 *
 * Return: 0, or -EINVAL if @next is below the next id or above %S64_MAX.
 */
int machipc_port_id_set_next(u64 next)
{
	s64 last = atomic64_read(&machipc_port_last_id);

	if (next > S64_MAX)
		return -EINVAL;
	do {
		if (next <= (u64)last)
			return -EINVAL;
	} while (!atomic64_try_cmpxchg(&machipc_port_last_id, &last,
				       next - 1));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_id_set_next);

void machipc_port_get(struct machipc_port *port)
{
	kref_get(&port->ref);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_get);

static void machipc_port_free(struct kref *ref)
{
	struct machipc_port *port = container_of(ref, struct machipc_port, ref);

	WARN_ON(!list_empty(&port->queue));
	WARN_ON(port->srights || port->sorights);
	WARN_ON(port->nsrequest || port->pdrequest ||
		!list_empty(&port->dnrequests));
	/* Normally detached by its death already; never leave it dangling. */
	machipc_poll_detach_port(port);
	xa_erase(&machipc_ports, port->key);
	machipc_account_uncharge(port->account, MACHIPC_COST_PORT);
	machipc_account_put(port->account);
	kmem_cache_free(machipc_port_cache, port);
}

void machipc_port_put(struct machipc_port *port)
{
	if (port)
		kref_put(&port->ref, machipc_port_free);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_put);

bool machipc_port_is_dead(struct machipc_port *port)
{
	return READ_ONCE(port->dead);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_is_dead);

/**
 * machipc_port_add_send() - count a new send right and take its reference
 * @port: the port
 * @make: the right is made from the receive right (bumps the make-send count)
 */
void machipc_port_add_send(struct machipc_port *port, bool make)
{
	machipc_port_get(port);
	machipc_port_count_send(port, make);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_add_send);

void machipc_port_add_send_once(struct machipc_port *port)
{
	machipc_port_get(port);
	machipc_port_count_send_once(port);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_add_send_once);

/*
 * Count a send right whose port reference the caller already holds (a
 * message's, at its send's commit): @make for one made from the receive
 * right, which also bumps the make-send count.
 */
void machipc_port_count_send(struct machipc_port *port, bool make)
{
	spin_lock(&port->lock);
	port->srights++;
	if (make)
		port->mscount++;
	spin_unlock(&port->lock);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_count_send);

/* A send right made into a name that already has one: no new right. */
void machipc_port_count_make_send(struct machipc_port *port)
{
	spin_lock(&port->lock);
	port->mscount++;
	spin_unlock(&port->lock);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_count_make_send);

/* Count a send-once right whose port reference the caller holds. */
void machipc_port_count_send_once(struct machipc_port *port)
{
	spin_lock(&port->lock);
	port->sorights++;
	spin_unlock(&port->lock);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_count_send_once);

/*
 * Drop one send right and the reference it held.  The last send right of a
 * live port with a no-senders request sends the notification.
 */
void machipc_port_release_send(struct machipc_port *port)
{
	struct machipc_notify *ns = NULL;
	u32 mscount = 0;

	spin_lock(&port->lock);
	if (!WARN_ON_ONCE(!port->srights))
		port->srights--;
	if (!port->srights && port->nsrequest && !port->dead) {
		ns = port->nsrequest;
		port->nsrequest = NULL;
		mscount = port->mscount;
	}
	spin_unlock(&port->lock);
	if (ns)
		machipc_notify_fire(ns, mscount);
	machipc_port_put(port);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_release_send);

/*
 * A send-once right used up by the delivery of a message (or dropped with
 * its dead port): @reserved, the reservation of its notification, is
 * refunded (NULL: it went into the notification the right carried).
 */
void machipc_port_consume_send_once(struct machipc_port *port,
				    struct machipc_account *reserved)
{
	machipc_notify_unreserve_send_once(reserved);
	spin_lock(&port->lock);
	if (!WARN_ON_ONCE(!port->sorights))
		port->sorights--;
	spin_unlock(&port->lock);
	machipc_port_put(port);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_consume_send_once);

/*
 * A send-once right destroyed unused: while its port lives, the right
 * itself carries a send-once notification there, paid with @reserved, and
 * is consumed when that is received (or destroyed with the port).
 */
void machipc_port_release_send_once(struct machipc_port *port,
				    struct machipc_account *reserved)
{
	if (machipc_port_is_dead(port))
		machipc_port_consume_send_once(port, reserved);
	else
		machipc_notify_send_once(port, reserved);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_release_send_once);

/**
 * machipc_port_kill_collect() - destroy the receive right: the port dies
 * @port: the port; the caller holds a reference
 * @doomed: list that receives the port's queued messages
 *
 * Marks the port dead, takes it out of its port set and wakes every waiter.
 * The queued messages move to @doomed for the caller to destroy with
 * machipc_msg_destroy_list(), which kills the ports whose receive rights
 * they carry by calling back here: chains of receive rights are destroyed
 * iteratively, never recursively.  Killing a dead port does nothing.  The
 * receive right's reference is not dropped here: the caller owns it.
 */
void machipc_port_kill_collect(struct machipc_port *port,
			       struct list_head *doomed)
{
	struct machipc_notify *ns, *pd, *dn, *tmp;
	LIST_HEAD(dead_names);

	machipc_pset_remove_port(port);

	spin_lock(&port->lock);
	if (port->dead) {
		spin_unlock(&port->lock);
		return;
	}
	WRITE_ONCE(port->dead, true);
	port->receiver = NULL;
	port->rcv_name = 0;
	/* Uncommitted out-of-line messages are their senders': they fail. */
	machipc_xfers_fail_port_locked(port);
	trace_machipc_port_dead(port->id, port->msgcount);
	list_splice_tail_init(&port->queue, doomed);
	WRITE_ONCE(port->msgcount, 0);
	list_splice_init(&port->dnrequests, &dead_names);
	ns = port->nsrequest;
	pd = port->pdrequest;
	port->nsrequest = NULL;
	port->pdrequest = NULL;
	wake_up_all(&port->rcv_wait);
	wake_up_all(&port->snd_wait);
	spin_unlock(&port->lock);
	machipc_poll_detach_port(port);

	list_for_each_entry_safe(dn, tmp, &dead_names, link) {
		list_del_init(&dn->link);
		machipc_notify_fire(dn, dn->name);
	}
	machipc_notify_discard(ns);
	machipc_notify_discard(pd);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_kill_collect);

/**
 * machipc_port_destroy_receive() - the receive right is being destroyed
 * @port: the port
 * @doomed: list for the messages of the port if it dies
 *
 * With a port-destroyed request, the receive right goes to the notify port
 * inside the notification, queue intact; otherwise the port dies.  Either
 * way the receive right's reference is consumed.
 */
void machipc_port_destroy_receive(struct machipc_port *port,
				  struct list_head *doomed)
{
	struct machipc_notify *pd;

	spin_lock(&port->lock);
	pd = port->dead ? NULL : port->pdrequest;
	port->pdrequest = NULL;
	spin_unlock(&port->lock);

	if (pd) {
		machipc_notify_hand_off(pd, port, doomed);
		return;
	}
	machipc_port_kill_collect(port, doomed);
	machipc_port_put(port);
}

void machipc_port_kill(struct machipc_port *port)
{
	LIST_HEAD(doomed);

	machipc_port_kill_collect(port, &doomed);
	machipc_msg_destroy_list(&doomed);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_kill);

/*
 * The send event of @msg, about to be queued on @port (locked): the rights
 * it carries besides its destination and reply, and its out-of-line
 * regions.
 */
static void machipc_port_trace_send(struct machipc_port *port,
				    struct machipc_msg *msg)
{
	const struct machipc_msg_header *hdr = msg->body;
	struct machipc_port *reply = msg->rights[MACHIPC_KRIGHT_REPLY].port;
	u32 i, rights = 0;

	lockdep_assert_held(&port->lock);
	if (!trace_machipc_msg_send_enabled() &&
	    !trace_machipc_msg_receive_enabled())
		return;
	msg->trace_id = atomic64_inc_return(&machipc_msg_trace_ids);
	msg->queued_ns = ktime_get_ns();
	for (i = MACHIPC_KRIGHT_DESC; i < msg->nrights; i++)
		if (msg->rights[i].port)
			rights++;
	trace_machipc_msg_send(msg->trace_id, port->id, hdr->remote_name,
			       hdr->id, msg->size, reply ? reply->id : 0,
			       reply ? msg->rights[MACHIPC_KRIGHT_REPLY].disp : 0,
			       rights, msg->nool,
			       msg->kernel);
}

/**
 * machipc_port_enqueue() - queue a committed message whose slot the
 *	sender reserved (msgcount was raised under the port lock)
 * @port: the destination
 * @msg: the message
 * @sync: the sender is about to sleep waiting for a reply
 *
 * Return: false if the port died since the reservation; the caller then
 * destroys the message, as if it had been queued when the port died.
 */
bool machipc_port_enqueue(struct machipc_port *port, struct machipc_msg *msg,
			  bool sync)
{
	spin_lock(&port->lock);
	if (port->dead) {
		spin_unlock(&port->lock);
		return false;
	}
	machipc_port_trace_send(port, msg);
	list_add_tail(&msg->link, &port->queue);
	/*
	 * A sender about to wait for its reply wakes the receiver "sync",
	 * as binder does: the receiver may run on this CPU when we sleep.
	 */
	if (sync)
		wake_up_sync(&port->rcv_wait);
	else
		wake_up(&port->rcv_wait);
	machipc_poll_wake(port->poll);
	if (port->pset) {
		wake_up(&port->pset->wait);
		machipc_poll_wake(READ_ONCE(port->pset->poll));
	}
	spin_unlock(&port->lock);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_enqueue);

/*
 * The receivable head of the queue may have changed (a message arrived, or
 * an out-of-line one was given back or left): wake the port's and its
 * set's receivers.  Called with the port lock held, which keeps @pset.
 */
void machipc_port_wake_receivers_locked(struct machipc_port *port)
{
	lockdep_assert_held(&port->lock);
	wake_up(&port->rcv_wait);
	machipc_poll_wake(port->poll);
	if (port->pset) {
		wake_up(&port->pset->wait);
		machipc_poll_wake(READ_ONCE(port->pset->poll));
	}
}

/*
 * Queue a kernel notification: it ignores the queue limit, as in Mach, so
 * that it can never be refused.
 */
bool machipc_port_enqueue_kernel(struct machipc_port *port,
				 struct machipc_msg *msg)
{
	spin_lock(&port->lock);
	if (port->dead) {
		spin_unlock(&port->lock);
		return false;
	}
	WRITE_ONCE(port->msgcount, port->msgcount + 1);
	machipc_port_trace_send(port, msg);
	list_add_tail(&msg->link, &port->queue);
	machipc_port_wake_receivers_locked(port);
	spin_unlock(&port->lock);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_enqueue_kernel);

/*
 * The head of the queue if a receiver may take it: not an out-of-line
 * message that another receiver is copying (FIFO: everyone waits behind
 * it).  Called with the port lock held.
 */
struct machipc_msg *machipc_port_head_locked(struct machipc_port *port)
{
	struct machipc_msg *msg;

	lockdep_assert_held(&port->lock);
	msg = list_first_entry_or_null(&port->queue, struct machipc_msg, link);
	if (msg && msg->xfer && msg->xfer->copier)
		return NULL;
	return msg;
}

/*
 * Whether a receiver sleeping on @port's own wait queue should wake and
 * look again: a message it may take, or the port dead, in a set, or gone
 * from its space.
 */
bool machipc_port_rcv_ready(void *arg)
{
	struct machipc_port *port = arg;
	bool ready;

	spin_lock(&port->lock);
	ready = machipc_port_head_locked(port) || port->dead || port->pset ||
		!port->receiver;
	spin_unlock(&port->lock);
	return ready;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_rcv_ready);

/**
 * machipc_port_peek() - the message a receiver should take next
 * @port: the port; the caller holds its receiver's space lock
 * @ool: out: the message carries out-of-line data
 *
 * A message without out-of-line data stays at the head while the caller
 * holds its space lock.  One with out-of-line data may be withdrawn by its
 * sender at any time: the caller must not touch it, but claim it with
 * machipc_copier_claim(), which looks again under the port lock.
 *
 * Return: the message, or NULL if there is none to take now.
 */
struct machipc_msg *machipc_port_peek(struct machipc_port *port, bool *ool)
{
	struct machipc_msg *msg;

	spin_lock(&port->lock);
	msg = machipc_port_head_locked(port);
	*ool = msg && msg->xfer;
	spin_unlock(&port->lock);
	return msg;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_peek);

/**
 * machipc_port_dequeue() - commit the delivery of the queue's head
 * @port: the port
 * @msg: its first message, found by machipc_port_peek()
 *
 * Return: the message's sequence number.
 */
u64 machipc_port_dequeue(struct machipc_port *port, struct machipc_msg *msg)
{
	u64 seqno;

	spin_lock(&port->lock);
	list_del_init(&msg->link);
	WRITE_ONCE(port->msgcount, port->msgcount - 1);
	seqno = port->seqno++;
	if (trace_machipc_msg_receive_enabled()) {
		const struct machipc_msg_header *hdr = msg->body;

		trace_machipc_msg_receive(msg->trace_id, port->id,
					  port->rcv_name, hdr->id, msg->size,
					  seqno, msg->queued_ns ?
					  ktime_get_ns() - msg->queued_ns : 0);
	}
	/* Senders rarely wait: skip the wait-queue lock (full barrier first). */
	if (wq_has_sleeper(&port->snd_wait))
		wake_up(&port->snd_wait);
	spin_unlock(&port->lock);
	return seqno;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_dequeue);

/*
 * Reserve a slot of @port's queue for a message about to be queued
 * (machipc_port_enqueue()); the caller checked machipc_port_has_room().
 */
void machipc_port_reserve_locked(struct machipc_port *port)
{
	lockdep_assert_held(&port->lock);
	WRITE_ONCE(port->msgcount, port->msgcount + 1);
}

/**
 * machipc_port_unqueue_locked() - take a message off the queue undelivered
 * @port: its port, locked
 * @msg: a queued message (an out-of-line one whose transfer failed)
 * @seqno: it takes a sequence number, as if received (a receiver
 *	destroyed it as too large)
 *
 * Its slot is free again: a sender waiting for room is woken.
 */
void machipc_port_unqueue_locked(struct machipc_port *port,
				 struct machipc_msg *msg, bool seqno)
{
	lockdep_assert_held(&port->lock);
	list_del_init(&msg->link);
	WRITE_ONCE(port->msgcount, port->msgcount - 1);
	if (seqno)
		port->seqno++;
	wake_up(&port->snd_wait);
}

/* Set how many messages senders may queue; waiting senders look again. */
void machipc_port_set_qlimit(struct machipc_port *port, u32 qlimit)
{
	spin_lock(&port->lock);
	WRITE_ONCE(port->qlimit, qlimit);
	wake_up_all(&port->snd_wait);
	spin_unlock(&port->lock);
}

/* Mach's mach_port_set_mscount() and mach_port_set_seqno(). */
void machipc_port_set_mscount(struct machipc_port *port, u32 mscount)
{
	spin_lock(&port->lock);
	port->mscount = mscount;
	spin_unlock(&port->lock);
}

void machipc_port_set_seqno(struct machipc_port *port, u64 seqno)
{
	spin_lock(&port->lock);
	port->seqno = seqno;
	spin_unlock(&port->lock);
}

/* Wait condition of a sender: room in the queue, or the port died. */
bool machipc_port_has_room(void *arg)
{
	struct machipc_port *port = arg;

	return READ_ONCE(port->msgcount) < READ_ONCE(port->qlimit) ||
	       READ_ONCE(port->dead);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_has_room);

/* The same for a sender through a send-once right. */
bool machipc_port_has_room_once(void *arg)
{
	struct machipc_port *port = arg;

	return READ_ONCE(port->msgcount) < MACHIPC_QLIMIT_SEND_ONCE ||
	       READ_ONCE(port->dead);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_port_has_room_once);
