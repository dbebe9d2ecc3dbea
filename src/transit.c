// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: receive rights in transit and rights cycles
 *
 * A receive right moved into a message leaves every space: port->receiver
 * is NULL and port->transit_msg names the message, queued on msg->dest.
 * Following transit_msg->dest from port to port walks the chain of
 * messages that hold each other's receive rights.  The chain ends at a port
 * some space receives from (reachable) or at a dead port.
 *
 * A send that queues a receive right R on a port whose chain leads back to
 * R closes a cycle: no space can ever receive any of those messages again
 * (the unix_gc problem).  The sender detects this at its commit, under
 * machipc_transit_lock, and kills R once the lock is dropped, which destroys
 * the whole cycle.  Chains are therefore acyclic except for a cycle that is
 * about to be killed; the walk uses Floyd's algorithm so that it ends even
 * on such a cycle.
 *
 * The lock is global, so the walk must not take time a sender chooses: a
 * receive right may be sent only to a port less than
 * %MACHIPC_TRANSIT_DEPTH_MAX levels deep in transit (machipc_transit_depth_ok()
 * walks at most that far), which also bounds the cycle walk from there.
 * Chains grown from below (a receive right sent to a port some space
 * receives from, whose own chain is long) may be longer, but nothing can be
 * queued on their deep ports with a receive right in it, and no walk ever
 * starts there.
 *
 * machipc_transit_lock protects port->transit_msg and every change of
 * port->receiver between NULL and a space (its place in the lock order:
 * locking.h).
 */

#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "msg.h"
#include "poll.h"
#include "port.h"
#include "pset.h"
#include "space.h"
#include "transit.h"

/*
 * Protects port->transit_msg and receive rights entering or leaving transit.
 * DEFINE_MUTEX() spelt out: checkpatch wants the export to follow a
 * definition it recognises.
 */
struct mutex machipc_transit_lock = __MUTEX_INITIALIZER(machipc_transit_lock);
EXPORT_SYMBOL_IF_KUNIT(machipc_transit_lock);

/*
 * Called when @msg, which carries receive rights, is destroyed: unlink it
 * from every chain before any of its rights is released.
 */
void machipc_transit_forget_msg(struct machipc_msg *msg)
{
	u32 i;

	mutex_lock(&machipc_transit_lock);
	for (i = MACHIPC_KRIGHT_DESC; i < msg->nrights; i++) {
		struct machipc_kright *kr = &msg->rights[i];

		if (kr->type == MACHIPC_RIGHT_RECEIVE && kr->port &&
		    kr->port->transit_msg == msg)
			kr->port->transit_msg = NULL;
	}
	mutex_unlock(&machipc_transit_lock);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_transit_forget_msg);

/* The port whose queue holds @port's receive right, if it is in transit. */
static struct machipc_port *machipc_transit_next(struct machipc_port *port)
{
	struct machipc_msg *msg;

	lockdep_assert_held(&machipc_transit_lock);
	if (!port || READ_ONCE(port->dead) || READ_ONCE(port->receiver))
		return NULL;
	msg = port->transit_msg;
	return msg ? msg->rights[MACHIPC_KRIGHT_DEST].port : NULL;
}

/**
 * machipc_transit_depth_ok() - may @msg's receive rights be queued on its
 *	destination?
 * @msg: a message carrying receive rights, not yet committed
 *
 * The destination must be fewer than %MACHIPC_TRANSIT_DEPTH_MAX receive
 * rights in transit away from a port some space receives from (or a dead
 * one): then every right @msg carries is at most that deep.  Costs at most
 * %MACHIPC_TRANSIT_DEPTH_MAX steps whatever the chain's length.  The walk
 * may also end at a receive right @msg itself carries (still in the
 * sender's space): the send then closes a cycle, found and destroyed by
 * machipc_transit_find_cycle() after the commit.
 *
 * Return: true if it may.
 */
bool machipc_transit_depth_ok(struct machipc_msg *msg)
{
	struct machipc_port *port = msg->rights[MACHIPC_KRIGHT_DEST].port;
	u32 depth;

	lockdep_assert_held(&machipc_transit_lock);
	for (depth = 0; depth < MACHIPC_TRANSIT_DEPTH_MAX; depth++) {
		port = machipc_transit_next(port);
		if (!port)
			return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_transit_depth_ok);

static bool machipc_transit_reaches(struct machipc_port *from,
				    struct machipc_port *target)
{
	struct machipc_port *slow = from, *fast = from;

	for (;;) {
		if (fast == target)
			return true;
		fast = machipc_transit_next(fast);
		if (!fast)
			return false;
		if (fast == target)
			return true;
		fast = machipc_transit_next(fast);
		if (!fast)
			return false;
		slow = machipc_transit_next(slow);
		if (slow == fast)
			return false;	/* a cycle without @target: doomed */
	}
}

/**
 * machipc_transit_find_cycle() - did queuing @msg close a rights cycle?
 * @msg: a message just queued, carrying receive rights
 *
 * Return: a port of the cycle, with a reference, for the caller to kill
 * after dropping machipc_transit_lock; NULL if there is no cycle.
 */
struct machipc_port *machipc_transit_find_cycle(struct machipc_msg *msg)
{
	struct machipc_port *dest = msg->rights[MACHIPC_KRIGHT_DEST].port;
	u32 i;

	lockdep_assert_held(&machipc_transit_lock);
	for (i = MACHIPC_KRIGHT_DESC; i < msg->nrights; i++) {
		struct machipc_kright *kr = &msg->rights[i];

		if (kr->type != MACHIPC_RIGHT_RECEIVE || !kr->port)
			continue;
		if (machipc_transit_reaches(dest, kr->port)) {
			machipc_port_get(kr->port);
			return kr->port;
		}
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_transit_find_cycle);

/**
 * machipc_transit_enter() - @port's receive right leaves its space, in @msg
 * @port: the port, whose receive right the committing @msg carries
 * @msg: the message (a send's, or a port-destroyed notification's)
 *
 * The port leaves its set, its receivers are woken to find it gone, its
 * readiness descriptors hang up.  Called with machipc_transit_lock held,
 * which the transit walks read @msg under.
 */
void machipc_transit_enter(struct machipc_port *port, struct machipc_msg *msg)
{
	lockdep_assert_held(&machipc_transit_lock);
	machipc_pset_remove_port(port);
	spin_lock(&port->lock);
	port->receiver = NULL;
	port->rcv_name = 0;
	spin_unlock(&port->lock);
	port->transit_msg = msg;
	wake_up_all(&port->rcv_wait);
	machipc_poll_detach_port(port);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_transit_enter);

/**
 * machipc_transit_leave() - @port's receive right arrives in @space as @name
 * @port: the port
 * @space: the receiving space, locked
 * @name: the right's name there
 *
 * Called with machipc_transit_lock held.
 */
void machipc_transit_leave(struct machipc_port *port,
			   struct machipc_space *space, u32 name)
{
	lockdep_assert_held(&machipc_transit_lock);
	lockdep_assert_held(&space->lock);
	port->transit_msg = NULL;
	spin_lock(&port->lock);
	port->receiver = space;
	port->rcv_name = name;
	spin_unlock(&port->lock);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_transit_leave);

/*
 * @port died while its receive right travelled in @msg, which is being
 * received: the right arrives as nothing, and @msg no longer holds it.
 */
void machipc_transit_leave_dead(struct machipc_port *port,
				struct machipc_msg *msg)
{
	lockdep_assert_held(&machipc_transit_lock);
	if (port->transit_msg == msg)
		port->transit_msg = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_transit_leave_dead);
