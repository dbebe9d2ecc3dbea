// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of receive rights in transit (transit.c), on real ports: the depth
 * bound of machipc_transit_depth_ok() (a destination fewer than
 * MACHIPC_TRANSIT_DEPTH_MAX levels deep, and a walk that ends on a cycle
 * too), the cycle walk of machipc_transit_find_cycle() (the cycle a send
 * closes is found, a cycle without the sent right and rights of other
 * kinds are not, and the walk ends on every ring), and what enter, leave,
 * leave_dead and forget_msg change and leave alone.
 *
 * The messages are the test's own: a destination and the rights they
 * carry, never queued, never destroyed by the module.  Their rights hold
 * no references; the test holds one on every port.
 */

#include <kunit/test.h>
#include <linux/kref.h>
#include <linux/mutex.h>

#include <linux/machipc.h>

#include "suites.h"

#include "entry.h"
#include "msg.h"
#include "names.h"
#include "port.h"
#include "space.h"
#include "fixtures.h"
#include "transit.h"

/* A message to @dest with room for @n descriptor rights, none set yet. */
static struct machipc_msg *test_msg(struct kunit *test,
				    struct machipc_port *dest, u32 n)
{
	struct machipc_msg *msg = kunit_kzalloc(test, sizeof(*msg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, msg);
	msg->rights = kunit_kcalloc(test, MACHIPC_KRIGHT_DESC + n,
				    sizeof(*msg->rights), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg->rights);
	INIT_LIST_HEAD(&msg->link);
	msg->nrights = MACHIPC_KRIGHT_DESC + n;
	msg->rights[MACHIPC_KRIGHT_DEST] = (struct machipc_kright){
		.port = dest,
		.type = MACHIPC_RIGHT_SEND,
		.disp = MACHIPC_DISP_COPY_SEND,
	};
	return msg;
}

/* Descriptor right @i of @msg: @port's right of @type (RECEIVE or SEND). */
static void test_carry(struct machipc_msg *msg, u32 i,
		       struct machipc_port *port, u32 type)
{
	msg->rights[MACHIPC_KRIGHT_DESC + i] = (struct machipc_kright){
		.port = port,
		.type = type,
		.disp = type == MACHIPC_RIGHT_RECEIVE ?
			MACHIPC_DISP_MOVE_RECEIVE : MACHIPC_DISP_COPY_SEND,
	};
	if (type == MACHIPC_RIGHT_RECEIVE)
		msg->nreceive++;
}

/* A message to @dest carrying @port's receive right only. */
static struct machipc_msg *test_msg_carrying(struct kunit *test,
					     struct machipc_port *dest,
					     struct machipc_port *port)
{
	struct machipc_msg *msg = test_msg(test, dest, 1);

	test_carry(msg, 0, port, MACHIPC_RIGHT_RECEIVE);
	return msg;
}

static void test_enter(struct machipc_port *port, struct machipc_msg *msg)
{
	mutex_lock(&machipc_transit_lock);
	machipc_transit_enter(port, msg);
	mutex_unlock(&machipc_transit_lock);
}

/*
 * Send @port's receive right to @dest, as a send commits it: the depth
 * check, the receive right into transit, the cycle walk.  Return: whether
 * the depth check passed (nothing changes if not); *@cycle: the port of a
 * cycle the send closed (with a reference), or NULL.
 */
static bool test_send_receive(struct kunit *test, struct machipc_port *dest,
			      struct machipc_port *port,
			      struct machipc_port **cycle)
{
	struct machipc_msg *msg = test_msg_carrying(test, dest, port);
	bool ok;

	*cycle = NULL;
	mutex_lock(&machipc_transit_lock);
	ok = machipc_transit_depth_ok(msg);
	if (ok) {
		machipc_transit_enter(port, msg);
		*cycle = machipc_transit_find_cycle(msg);
	}
	mutex_unlock(&machipc_transit_lock);
	return ok;
}

/* Whether a receive right sent to @dest would pass the depth check. */
static bool test_depth_ok(struct kunit *test, struct machipc_port *dest)
{
	struct machipc_msg *msg = test_msg(test, dest, 0);
	bool ok;

	mutex_lock(&machipc_transit_lock);
	ok = machipc_transit_depth_ok(msg);
	mutex_unlock(&machipc_transit_lock);
	return ok;
}

static struct machipc_port *test_find_cycle(struct machipc_msg *msg)
{
	struct machipc_port *cycle;

	mutex_lock(&machipc_transit_lock);
	cycle = machipc_transit_find_cycle(msg);
	mutex_unlock(&machipc_transit_lock);
	return cycle;
}

static struct machipc_msg *test_transit_msg(struct machipc_port *port)
{
	struct machipc_msg *msg;

	mutex_lock(&machipc_transit_lock);
	msg = port->transit_msg;
	mutex_unlock(&machipc_transit_lock);
	return msg;
}

static struct machipc_space *test_receiver(struct machipc_port *port)
{
	struct machipc_space *space;

	spin_lock(&port->lock);
	space = port->receiver;
	spin_unlock(&port->lock);
	return space;
}

/*
 * A chain port[0] <- port[1] <- ... <- port[MAX]: port[i]'s receive right
 * travels in a message queued on port[i - 1], port[0] is received by a
 * space.  A receive right may go to port[MAX - 1] (depth MAX - 1), not to
 * port[MAX]; the chain ends where a port is received again or dead.
 */
static void machipc_transit_depth_test(struct kunit *test)
{
	const u32 max = MACHIPC_TRANSIT_DEPTH_MAX;
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port **port, *cycle, *extra;
	struct machipc_msg *msg;
	u32 i;

	port = kunit_kcalloc(test, max + 1, sizeof(*port), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, port);
	for (i = 0; i <= max; i++)
		port[i] = machipc_kt_port(test, space);
	extra = machipc_kt_port(test, space);

	for (i = 1; i <= max; i++) {
		KUNIT_ASSERT_TRUE_MSG(test, test_send_receive(test, port[i - 1],
							      port[i], &cycle),
				      "depth %u", i - 1);
		KUNIT_EXPECT_NULL(test, cycle);
		machipc_port_put(cycle);
	}
	for (i = 1; i <= max; i++) {
		KUNIT_EXPECT_NULL(test, test_receiver(port[i]));
		msg = test_transit_msg(port[i]);
		KUNIT_ASSERT_NOT_NULL(test, msg);
		KUNIT_EXPECT_PTR_EQ(test, msg->rights[MACHIPC_KRIGHT_DEST].port,
				    port[i - 1]);
	}
	KUNIT_EXPECT_PTR_EQ(test, test_receiver(port[0]), space);

	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port[0]));
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port[1]));
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port[max - 1]));
	KUNIT_EXPECT_FALSE(test, test_depth_ok(test, port[max]));

	/* refused: the right stays in its space, out of every chain */
	KUNIT_EXPECT_FALSE(test, test_send_receive(test, port[max], extra,
						   &cycle));
	KUNIT_EXPECT_NULL(test, cycle);
	KUNIT_EXPECT_PTR_EQ(test, test_receiver(extra), space);
	KUNIT_EXPECT_NULL(test, test_transit_msg(extra));

	/* port[1] received again: the chain ends there, one level shorter */
	mutex_lock(&space->lock);
	mutex_lock(&machipc_transit_lock);
	msg = port[1]->transit_msg;
	machipc_transit_leave(port[1], space, 1);
	mutex_unlock(&machipc_transit_lock);
	mutex_unlock(&space->lock);
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port[max]));
	test_enter(port[1], msg);
	KUNIT_EXPECT_FALSE(test, test_depth_ok(test, port[max]));

	/* a dead port ends the chain as well */
	machipc_port_kill(port[max / 2]);
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port[max]));
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port[max / 2]));

	for (i = 0; i <= max; i++)
		machipc_port_put(port[i]);
	machipc_port_put(extra);
	machipc_space_free(space);
}

/*
 * Rings of 1 to 7 ports (each one's receive right in a message queued on
 * the next), as a send leaves them just before it kills one, with a tail
 * of two ports leading into them: every walk ends, the depth check
 * refuses, and the cycle walk finds a ring member carried, never a port
 * off the ring.
 */
static void machipc_transit_ring_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port *ring[7], *tail[2], *outside, *cycle;
	struct machipc_msg *msg;
	unsigned int refs;
	u32 len, i;

	for (len = 1; len <= ARRAY_SIZE(ring); len++) {
		for (i = 0; i < len; i++)
			ring[i] = machipc_kt_port(test, space);
		for (i = 0; i < ARRAY_SIZE(tail); i++)
			tail[i] = machipc_kt_port(test, space);
		outside = machipc_kt_port(test, space);
		for (i = 0; i < len; i++)
			test_enter(ring[i], test_msg_carrying(test,
							      ring[(i + 1) % len],
							      ring[i]));
		test_enter(tail[0], test_msg_carrying(test, ring[0], tail[0]));
		test_enter(tail[1], test_msg_carrying(test, tail[0], tail[1]));

		for (i = 0; i < len; i++)
			KUNIT_EXPECT_FALSE_MSG(test, test_depth_ok(test, ring[i]),
					       "ring of %u, port %u", len, i);
		KUNIT_EXPECT_FALSE(test, test_depth_ok(test, tail[1]));

		/* a right off the ring: the walk ends, no cycle */
		msg = test_msg_carrying(test, tail[1], outside);
		KUNIT_EXPECT_NULL_MSG(test, test_find_cycle(msg),
				      "ring of %u", len);
		msg = test_msg_carrying(test, ring[0], tail[0]);
		KUNIT_EXPECT_NULL_MSG(test, test_find_cycle(msg),
				      "ring of %u: tail", len);

		/* every ring member, from the tail and from the ring */
		for (i = 0; i < len; i++) {
			refs = kref_read(&ring[i]->ref);
			msg = test_msg_carrying(test, tail[1], ring[i]);
			cycle = test_find_cycle(msg);
			KUNIT_EXPECT_PTR_EQ_MSG(test, cycle, ring[i],
						"ring of %u, port %u", len, i);
			KUNIT_EXPECT_EQ(test, kref_read(&ring[i]->ref), refs + 1);
			machipc_port_put(cycle);
			msg = test_msg_carrying(test, ring[(i + 1) % len],
						ring[i]);
			cycle = test_find_cycle(msg);
			KUNIT_EXPECT_PTR_EQ(test, cycle, ring[i]);
			machipc_port_put(cycle);
		}

		for (i = 0; i < len; i++)
			machipc_port_put(ring[i]);
		for (i = 0; i < ARRAY_SIZE(tail); i++)
			machipc_port_put(tail[i]);
		machipc_port_put(outside);
	}
	machipc_space_free(space);
}

/*
 * Sends as they happen: B's receive right to A, then A's to B closes a
 * cycle (the depth check passes: its walk ends at A, still received); a
 * port's receive right sent to itself is a cycle of one.  Only receive
 * rights count, a NULL one is skipped, and the search goes on past them.
 */
static void machipc_transit_cycle_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port *a, *b, *c, *d, *e, *cycle;
	struct machipc_msg *msg;
	unsigned int refs;

	a = machipc_kt_port(test, space);
	b = machipc_kt_port(test, space);
	c = machipc_kt_port(test, space);
	d = machipc_kt_port(test, space);

	KUNIT_EXPECT_TRUE(test, test_send_receive(test, a, b, &cycle));
	KUNIT_EXPECT_NULL(test, cycle);
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, b));

	/* other kinds of right, and an empty slot, close nothing */
	msg = test_msg(test, b, 3);
	test_carry(msg, 0, NULL, MACHIPC_RIGHT_RECEIVE);
	test_carry(msg, 1, a, MACHIPC_RIGHT_SEND);
	test_carry(msg, 2, c, MACHIPC_RIGHT_RECEIVE);
	KUNIT_EXPECT_NULL(test, test_find_cycle(msg));
	/* ... and the walk looks past them */
	test_carry(msg, 2, a, MACHIPC_RIGHT_RECEIVE);
	refs = kref_read(&a->ref);
	cycle = test_find_cycle(msg);
	KUNIT_EXPECT_PTR_EQ(test, cycle, a);
	KUNIT_EXPECT_EQ(test, kref_read(&a->ref), refs + 1);
	machipc_port_put(cycle);
	KUNIT_EXPECT_EQ(test, kref_read(&a->ref), refs);

	KUNIT_EXPECT_TRUE(test, test_send_receive(test, b, a, &cycle));
	KUNIT_EXPECT_PTR_EQ(test, cycle, a);
	machipc_port_put(cycle);
	KUNIT_EXPECT_NULL(test, test_receiver(a));
	KUNIT_EXPECT_NULL(test, test_receiver(b));

	/* to itself */
	KUNIT_EXPECT_TRUE(test, test_send_receive(test, c, c, &cycle));
	KUNIT_EXPECT_PTR_EQ(test, cycle, c);
	machipc_port_put(cycle);

	/* to a port some space receives from: no cycle */
	e = machipc_kt_port(test, space);
	KUNIT_EXPECT_TRUE(test, test_send_receive(test, d, e, &cycle));
	KUNIT_EXPECT_NULL(test, cycle);
	KUNIT_EXPECT_NULL(test, test_receiver(e));
	KUNIT_EXPECT_PTR_EQ(test, test_receiver(d), space);

	machipc_port_put(a);
	machipc_port_put(b);
	machipc_port_put(c);
	machipc_port_put(d);
	machipc_port_put(e);
	machipc_space_free(space);
}

/*
 * Entering transit takes the port out of its space and its set, and wakes
 * its receivers to find it gone; leaving puts it in the receiving space
 * under its new name.  Neither touches references or right counters.
 */
static void machipc_transit_enter_leave_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_space *other = machipc_kt_space(test);
	struct machipc_port_member mv;
	struct machipc_port *port, *dest;
	struct machipc_msg *msg;
	unsigned int refs;
	u32 rcv, set;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	set = machipc_kt_alloc(test, space, MACHIPC_RIGHT_PORT_SET);
	mv = (struct machipc_port_member){ .member = rcv, .set = set };
	KUNIT_ASSERT_EQ(test, machipc_name_move_member(space, &mv), 0);
	port = machipc_kt_name_port(test, space, rcv);
	dest = machipc_kt_port(test, other);
	machipc_port_add_send(port, true);

	spin_lock(&port->lock);
	KUNIT_EXPECT_PTR_EQ(test, port->receiver, space);
	KUNIT_EXPECT_EQ(test, port->rcv_name, rcv);
	KUNIT_EXPECT_NOT_NULL(test, port->pset);
	spin_unlock(&port->lock);
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port));

	refs = kref_read(&port->ref);
	msg = test_msg_carrying(test, dest, port);
	test_enter(port, msg);
	spin_lock(&port->lock);
	KUNIT_EXPECT_NULL(test, port->receiver);
	KUNIT_EXPECT_EQ(test, port->rcv_name, 0);
	KUNIT_EXPECT_NULL(test, port->pset);
	KUNIT_EXPECT_EQ(test, port->srights, 1);
	KUNIT_EXPECT_EQ(test, port->mscount, 1);
	KUNIT_EXPECT_FALSE(test, port->dead);
	spin_unlock(&port->lock);
	KUNIT_EXPECT_PTR_EQ(test, test_transit_msg(port), msg);
	KUNIT_EXPECT_EQ(test, kref_read(&port->ref), refs);
	/* a receiver sleeping on it wakes: the port is gone from its space */
	KUNIT_EXPECT_TRUE(test, machipc_port_rcv_ready(port));
	/* one level deep now; @dest itself is not in transit */
	KUNIT_EXPECT_PTR_EQ(test, test_receiver(dest), other);
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port));

	mutex_lock(&other->lock);
	mutex_lock(&machipc_transit_lock);
	machipc_transit_leave(port, other, 77);
	mutex_unlock(&machipc_transit_lock);
	mutex_unlock(&other->lock);
	spin_lock(&port->lock);
	KUNIT_EXPECT_PTR_EQ(test, port->receiver, other);
	KUNIT_EXPECT_EQ(test, port->rcv_name, 77);
	KUNIT_EXPECT_NULL(test, port->pset);
	KUNIT_EXPECT_EQ(test, port->srights, 1);
	spin_unlock(&port->lock);
	KUNIT_EXPECT_NULL(test, test_transit_msg(port));
	KUNIT_EXPECT_EQ(test, kref_read(&port->ref), refs);
	KUNIT_EXPECT_FALSE(test, machipc_port_rcv_ready(port));

	/* back where the name table says it is, for the teardown */
	test_enter(port, msg);
	mutex_lock(&space->lock);
	mutex_lock(&machipc_transit_lock);
	machipc_transit_leave(port, space, rcv);
	mutex_unlock(&machipc_transit_lock);
	mutex_unlock(&space->lock);
	machipc_port_release_send(port);

	machipc_port_put(port);
	machipc_port_put(dest);
	machipc_space_free(space);
	machipc_space_free(other);
}

/*
 * A port that died in transit ends every chain through it, even a ring;
 * leave_dead unlinks it from the message being received, and only from
 * that one.
 */
static void machipc_transit_leave_dead_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port *port, *peer;
	struct machipc_msg *msg, *other;
	unsigned int refs;

	port = machipc_kt_port(test, space);
	peer = machipc_kt_port(test, space);
	msg = test_msg_carrying(test, peer, port);
	other = test_msg_carrying(test, peer, port);
	test_enter(port, msg);
	test_enter(peer, test_msg_carrying(test, port, peer));
	KUNIT_EXPECT_FALSE(test, test_depth_ok(test, port));
	KUNIT_EXPECT_FALSE(test, test_depth_ok(test, peer));

	machipc_port_kill(port);
	KUNIT_EXPECT_TRUE(test, machipc_port_is_dead(port));
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, port));
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, peer));
	KUNIT_EXPECT_PTR_EQ(test, test_transit_msg(port), msg);

	refs = kref_read(&port->ref);
	mutex_lock(&machipc_transit_lock);
	machipc_transit_leave_dead(port, other);
	mutex_unlock(&machipc_transit_lock);
	KUNIT_EXPECT_PTR_EQ(test, test_transit_msg(port), msg);
	mutex_lock(&machipc_transit_lock);
	machipc_transit_leave_dead(port, msg);
	mutex_unlock(&machipc_transit_lock);
	KUNIT_EXPECT_NULL(test, test_transit_msg(port));
	KUNIT_EXPECT_NULL(test, test_receiver(port));
	KUNIT_EXPECT_EQ(test, kref_read(&port->ref), refs);
	/* twice is harmless */
	mutex_lock(&machipc_transit_lock);
	machipc_transit_leave_dead(port, msg);
	mutex_unlock(&machipc_transit_lock);
	KUNIT_EXPECT_NULL(test, test_transit_msg(port));
	KUNIT_EXPECT_PTR_EQ(test, test_transit_msg(peer)->rights[MACHIPC_KRIGHT_DEST].port,
			    port);

	machipc_port_put(port);
	machipc_port_put(peer);
	machipc_space_free(space);
}

/*
 * A message being destroyed leaves every chain: the receive rights it
 * carries whose transit message it still is let go of it; a receive right
 * that travels in another message by now, a send right and an empty slot
 * are left alone.
 */
static void machipc_transit_forget_msg_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port *dest, *p1, *p2, *p3, *upper, *cycle;
	struct machipc_msg *msg, *other, *third;

	dest = machipc_kt_port(test, space);
	p1 = machipc_kt_port(test, space);
	p2 = machipc_kt_port(test, space);
	p3 = machipc_kt_port(test, space);
	upper = machipc_kt_port(test, space);

	msg = test_msg(test, dest, 4);
	test_carry(msg, 0, p1, MACHIPC_RIGHT_RECEIVE);
	test_carry(msg, 1, NULL, MACHIPC_RIGHT_RECEIVE);
	test_carry(msg, 2, p2, MACHIPC_RIGHT_RECEIVE);
	test_carry(msg, 3, p3, MACHIPC_RIGHT_SEND);
	other = test_msg_carrying(test, dest, p2);
	third = test_msg_carrying(test, dest, p3);
	test_enter(p1, msg);
	test_enter(p2, other);
	test_enter(p3, third);
	/* @upper waits in a message queued on p1, which travels in @msg */
	test_enter(upper, test_msg_carrying(test, p1, upper));
	KUNIT_EXPECT_TRUE(test, test_depth_ok(test, upper));
	/* @dest's receive right sent to @upper would close a cycle */
	cycle = test_find_cycle(test_msg_carrying(test, upper, dest));
	KUNIT_EXPECT_PTR_EQ(test, cycle, dest);
	machipc_port_put(cycle);

	machipc_transit_forget_msg(msg);
	KUNIT_EXPECT_NULL(test, test_transit_msg(p1));
	KUNIT_EXPECT_PTR_EQ(test, test_transit_msg(p2), other);
	KUNIT_EXPECT_PTR_EQ(test, test_transit_msg(p3), third);
	KUNIT_EXPECT_PTR_EQ(test, test_transit_msg(upper)->rights[MACHIPC_KRIGHT_DEST].port,
			    p1);
	/* the chain through @msg is cut: no more cycle */
	KUNIT_EXPECT_NULL(test, test_find_cycle(test_msg_carrying(test, upper,
								  dest)));

	machipc_port_put(dest);
	machipc_port_put(p1);
	machipc_port_put(p2);
	machipc_port_put(p3);
	machipc_port_put(upper);
	machipc_space_free(space);
}

static struct kunit_case machipc_transit_cases[] = {
	KUNIT_CASE(machipc_transit_depth_test),
	KUNIT_CASE(machipc_transit_ring_test),
	KUNIT_CASE(machipc_transit_cycle_test),
	KUNIT_CASE(machipc_transit_enter_leave_test),
	KUNIT_CASE(machipc_transit_leave_dead_test),
	KUNIT_CASE(machipc_transit_forget_msg_test),
	{}
};

struct kunit_suite machipc_transit_suite = {
	.name = "machipc_transit",
	.test_cases = machipc_transit_cases,
};
