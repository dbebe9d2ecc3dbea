// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of a port's counters and conditions (port.c), on real ports: the
 * send, make-send and send-once counters and the references rights hold,
 * the send-once right's reservation, the no-senders condition (the last
 * send right of a port with a request, and the request's make-send
 * threshold), the receiver's wake-up condition, the queue limit, and what
 * the port's death changes.
 *
 * The counters have no limits of their own: a send right holds a port
 * reference, whose refcount_t saturates long before the u32 counts could
 * wrap, and user references are bounded by the names (names_test.c).
 */

#include <kunit/test.h>
#include <linux/kref.h>
#include <linux/list.h>

#include <linux/machipc.h>

#include "suites.h"

#include "account.h"
#include "entry.h"
#include "msg.h"
#include "names.h"
#include "notify.h"
#include "port.h"
#include "space.h"
#include "fixtures.h"
#include "transit.h"

struct test_counts {
	u32 srights;
	u32 sorights;
	u32 mscount;
	u32 msgcount;
	bool dead;
	unsigned int refs;
};

static struct test_counts test_counts(struct machipc_port *port)
{
	struct test_counts c;

	spin_lock(&port->lock);
	c.srights = port->srights;
	c.sorights = port->sorights;
	c.mscount = port->mscount;
	c.msgcount = port->msgcount;
	c.dead = port->dead;
	spin_unlock(&port->lock);
	c.refs = kref_read(&port->ref);
	return c;
}

/* A message of the test's own: never given to the module to destroy. */
static struct machipc_msg *test_msg(struct kunit *test)
{
	struct machipc_msg_header *hdr;
	struct machipc_msg *msg;

	msg = kunit_kzalloc(test, sizeof(*msg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	hdr = kunit_kzalloc(test, sizeof(*hdr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	hdr->size = sizeof(*hdr);
	msg->body = hdr;
	msg->size = sizeof(*hdr);
	msg->rights = kunit_kcalloc(test, MACHIPC_KRIGHT_DESC,
				    sizeof(*msg->rights), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg->rights);
	msg->nrights = MACHIPC_KRIGHT_DESC;
	INIT_LIST_HEAD(&msg->link);
	return msg;
}

/* The head of @port's queue, as its receiver (holding its space lock). */
static struct machipc_msg *test_peek(struct machipc_port *port,
				     struct machipc_space *space)
{
	struct machipc_msg *msg;
	bool ool;

	mutex_lock(&space->lock);
	msg = machipc_port_peek(port, &ool);
	mutex_unlock(&space->lock);
	return msg;
}

/*
 * The counters: a send right made from the receive right raises the
 * make-send count too, one made into a name that has one raises only
 * that; the add_ variants take the right's reference, the count_ ones
 * count a right whose reference the caller holds; releasing drops both.
 */
static void machipc_port_counters_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port *port = machipc_kt_port(test, space);
	struct test_counts c;

	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 0);
	KUNIT_EXPECT_EQ(test, c.sorights, 0);
	KUNIT_EXPECT_EQ(test, c.mscount, 0);
	KUNIT_EXPECT_EQ(test, c.refs, 1);

	/* a message's send right, its reference taken with the message */
	machipc_port_get(port);
	machipc_port_count_send(port, false);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 1);
	KUNIT_EXPECT_EQ(test, c.mscount, 0);
	KUNIT_EXPECT_EQ(test, c.refs, 2);

	machipc_port_get(port);
	machipc_port_count_send(port, true);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 2);
	KUNIT_EXPECT_EQ(test, c.mscount, 1);

	/* made into a name that has one already: no new right */
	machipc_port_count_make_send(port);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 2);
	KUNIT_EXPECT_EQ(test, c.mscount, 2);
	KUNIT_EXPECT_EQ(test, c.refs, 3);

	machipc_port_add_send(port, true);
	machipc_port_add_send(port, false);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 4);
	KUNIT_EXPECT_EQ(test, c.mscount, 3);
	KUNIT_EXPECT_EQ(test, c.sorights, 0);
	KUNIT_EXPECT_EQ(test, c.refs, 5);

	machipc_port_get(port);
	machipc_port_count_send_once(port);
	machipc_port_add_send_once(port);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.sorights, 2);
	KUNIT_EXPECT_EQ(test, c.srights, 4);
	KUNIT_EXPECT_EQ(test, c.mscount, 3);
	KUNIT_EXPECT_EQ(test, c.refs, 7);

	/* releases: one right and one reference each, mscount stays */
	machipc_port_release_send(port);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 3);
	KUNIT_EXPECT_EQ(test, c.refs, 6);
	machipc_port_consume_send_once(port, NULL);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.sorights, 1);
	KUNIT_EXPECT_EQ(test, c.srights, 3);
	KUNIT_EXPECT_EQ(test, c.refs, 5);
	machipc_port_release_send(port);
	machipc_port_release_send(port);
	machipc_port_release_send(port);
	machipc_port_consume_send_once(port, NULL);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 0);
	KUNIT_EXPECT_EQ(test, c.sorights, 0);
	KUNIT_EXPECT_EQ(test, c.mscount, 3);
	KUNIT_EXPECT_EQ(test, c.refs, 1);
	KUNIT_EXPECT_EQ(test, c.msgcount, 0);
	KUNIT_EXPECT_FALSE(test, c.dead);

	machipc_port_put(port);
	machipc_space_free(space);
}

/*
 * A send-once right's notification is paid when the right is made.  Used
 * up, the reservation is refunded; destroyed unused while its port lives,
 * the right becomes a send-once notification queued on the port (still
 * counted until that is received or destroyed); on a dead port it is used
 * up at once.
 */
static void machipc_port_send_once_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_account *account = space->account;
	struct machipc_port *port = machipc_kt_port(test, space);
	struct machipc_account *reserved;
	const struct machipc_msg_header *hdr;
	struct machipc_msg *msg;
	struct test_counts c;
	s64 usage;

	usage = atomic64_read(&account->usage);
	reserved = machipc_notify_reserve_send_once(account);
	KUNIT_ASSERT_FALSE(test, IS_ERR(reserved));
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage),
			usage + machipc_notify_send_once_cost());
	machipc_port_add_send_once(port);
	machipc_port_consume_send_once(port, reserved);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.sorights, 0);
	KUNIT_EXPECT_EQ(test, c.refs, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage), usage);

	/* destroyed unused: a notification to the live port */
	reserved = machipc_notify_reserve_send_once(account);
	KUNIT_ASSERT_FALSE(test, IS_ERR(reserved));
	machipc_port_add_send_once(port);
	machipc_port_release_send_once(port, reserved);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.sorights, 1);
	KUNIT_EXPECT_EQ(test, c.msgcount, 1);
	KUNIT_EXPECT_EQ(test, c.refs, 2);
	msg = test_peek(port, space);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	hdr = msg->body;
	KUNIT_EXPECT_EQ(test, hdr->id, MACHIPC_MSGID_SEND_ONCE);
	KUNIT_EXPECT_PTR_EQ(test, msg->rights[MACHIPC_KRIGHT_DEST].port, port);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage),
			usage + machipc_notify_send_once_cost());

	/* the port dies: the notification is destroyed, the right used up */
	machipc_port_kill(port);
	c = test_counts(port);
	KUNIT_EXPECT_TRUE(test, c.dead);
	KUNIT_EXPECT_EQ(test, c.sorights, 0);
	KUNIT_EXPECT_EQ(test, c.msgcount, 0);
	KUNIT_EXPECT_EQ(test, c.refs, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage), usage);

	/* on a dead port: used up at once, nothing queued */
	reserved = machipc_notify_reserve_send_once(account);
	KUNIT_ASSERT_FALSE(test, IS_ERR(reserved));
	machipc_port_add_send_once(port);
	machipc_port_release_send_once(port, reserved);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.sorights, 0);
	KUNIT_EXPECT_EQ(test, c.msgcount, 0);
	KUNIT_EXPECT_EQ(test, c.refs, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage), usage);

	machipc_port_put(port);
	machipc_space_free(space);
}

static int test_request_ns(struct machipc_space *space, u32 name, u32 notify,
			   u32 sync)
{
	struct machipc_notify_request arg = {
		.name = name,
		.kind = MACHIPC_NOTIFY_NO_SENDERS,
		.notify = notify,
		.disposition = MACHIPC_DISP_MAKE_SEND_ONCE,
		.sync = sync,
	};

	return machipc_notify_request(space, &arg, NULL);
}

/*
 * The value of the no-senders notification @port received last (its
 * notifications stay queued, destroyed with it).
 */
static u32 test_ns_value(struct kunit *test, struct machipc_port *port)
{
	const struct machipc_notify_body *body;
	const struct machipc_msg_header *hdr;
	struct machipc_msg *msg;
	u32 id = 0, value = 0;

	spin_lock(&port->lock);
	msg = list_empty(&port->queue) ? NULL :
	      list_last_entry(&port->queue, struct machipc_msg, link);
	if (msg) {
		hdr = msg->body;
		body = msg->body + sizeof(*hdr);
		id = hdr->id;
		value = body->value;
	}
	spin_unlock(&port->lock);
	KUNIT_EXPECT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, id, MACHIPC_MSGID_NO_SENDERS);
	return value;
}

/*
 * No-senders: the last send right of a live port with a request fires it,
 * with the make-send count, once; a request made while there is no send
 * right fires at once if the make-send count has reached its threshold,
 * else it waits for the last send right to go, whatever the count then.
 */
static void machipc_port_no_senders_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port_mod_refs drop = { .right = MACHIPC_RIGHT_SEND,
					      .delta = -1 };
	struct machipc_port_insert ins;
	struct machipc_port *port, *nport;
	struct test_counts c;
	u32 rcv, ns;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	ns = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	port = machipc_kt_name_port(test, space, rcv);
	nport = machipc_kt_name_port(test, space, ns);
	drop.name = rcv;

	KUNIT_ASSERT_EQ(test, test_request_ns(space, rcv, ns, 1), 0);
	c = test_counts(nport);
	KUNIT_EXPECT_EQ(test, c.sorights, 1);
	KUNIT_EXPECT_EQ(test, c.msgcount, 0);

	ins = (struct machipc_port_insert){
		.name = rcv, .disposition = MACHIPC_DISP_MAKE_SEND,
	};
	KUNIT_ASSERT_EQ(test, machipc_name_insert_right(space, &ins, NULL), 0);
	machipc_port_add_send(port, false);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 2);
	KUNIT_EXPECT_EQ(test, c.mscount, 1);

	/* not the last one: nothing */
	machipc_port_release_send(port);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 0);
	KUNIT_EXPECT_EQ(test, test_counts(port).srights, 1);
	/* the last one */
	KUNIT_ASSERT_EQ(test, machipc_name_mod_refs(space, &drop), 0);
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.srights, 0);
	KUNIT_EXPECT_EQ(test, c.mscount, 1);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 1);
	KUNIT_EXPECT_EQ(test, test_ns_value(test, nport), 1);
	spin_lock(&port->lock);
	KUNIT_EXPECT_NULL(test, port->nsrequest);
	spin_unlock(&port->lock);

	/* fired once: more send rights come and go, nothing more */
	machipc_port_add_send(port, true);
	machipc_port_release_send(port);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 1);
	KUNIT_EXPECT_EQ(test, test_counts(port).mscount, 2);

	/* no send right, make-send count 2: a threshold of 2 fires at once */
	KUNIT_ASSERT_EQ(test, test_request_ns(space, rcv, ns, 2), 0);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 2);
	KUNIT_EXPECT_EQ(test, test_ns_value(test, nport), 2);
	spin_lock(&port->lock);
	KUNIT_EXPECT_NULL(test, port->nsrequest);
	spin_unlock(&port->lock);

	/* a threshold of 3 waits, and the last send right fires it anyway */
	KUNIT_ASSERT_EQ(test, test_request_ns(space, rcv, ns, 3), 0);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 2);
	spin_lock(&port->lock);
	KUNIT_EXPECT_NOT_NULL(test, port->nsrequest);
	spin_unlock(&port->lock);
	machipc_port_get(port);
	machipc_port_count_send(port, false);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 2);
	machipc_port_release_send(port);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 3);
	KUNIT_EXPECT_EQ(test, test_ns_value(test, nport), 2);

	/* a request on a port with send rights waits for them */
	machipc_port_add_send(port, true);
	KUNIT_ASSERT_EQ(test, test_request_ns(space, rcv, ns, 0), 0);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 3);
	machipc_port_release_send(port);
	KUNIT_EXPECT_EQ(test, test_counts(nport).msgcount, 4);
	KUNIT_EXPECT_EQ(test, test_ns_value(test, nport), 3);
	KUNIT_EXPECT_EQ(test, test_counts(port).srights, 0);

	machipc_port_put(port);
	machipc_port_put(nport);
	machipc_space_free(space);
}

/*
 * A receiver sleeping on the port wakes for a message, for the port's
 * death, for its joining a set, or for its receive right's leaving the
 * space; and for nothing else.
 */
static void machipc_port_rcv_ready_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port_member mv;
	struct machipc_msg *msg, *carrier;
	struct machipc_port *port, *dest;
	u32 rcv, set;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	set = machipc_kt_alloc(test, space, MACHIPC_RIGHT_PORT_SET);
	port = machipc_kt_name_port(test, space, rcv);
	dest = machipc_kt_port(test, space);

	KUNIT_EXPECT_FALSE(test, machipc_port_rcv_ready(port));

	msg = test_msg(test);
	KUNIT_ASSERT_TRUE(test, machipc_port_enqueue_kernel(port, msg));
	KUNIT_EXPECT_TRUE(test, machipc_port_rcv_ready(port));
	KUNIT_EXPECT_PTR_EQ(test, test_peek(port, space), msg);
	mutex_lock(&space->lock);
	machipc_port_dequeue(port, msg);
	mutex_unlock(&space->lock);
	KUNIT_EXPECT_FALSE(test, machipc_port_rcv_ready(port));
	KUNIT_EXPECT_NULL(test, test_peek(port, space));

	mv = (struct machipc_port_member){ .member = rcv, .set = set };
	KUNIT_ASSERT_EQ(test, machipc_name_move_member(space, &mv), 0);
	KUNIT_EXPECT_TRUE(test, machipc_port_rcv_ready(port));
	mv.set = MACHIPC_NAME_NULL;
	KUNIT_ASSERT_EQ(test, machipc_name_move_member(space, &mv), 0);
	KUNIT_EXPECT_FALSE(test, machipc_port_rcv_ready(port));

	/* in transit and back */
	carrier = test_msg(test);
	carrier->rights[MACHIPC_KRIGHT_DEST].port = dest;
	mutex_lock(&space->lock);
	mutex_lock(&machipc_transit_lock);
	machipc_transit_enter(port, carrier);
	mutex_unlock(&machipc_transit_lock);
	mutex_unlock(&space->lock);
	KUNIT_EXPECT_TRUE(test, machipc_port_rcv_ready(port));
	mutex_lock(&space->lock);
	mutex_lock(&machipc_transit_lock);
	machipc_transit_leave(port, space, rcv);
	mutex_unlock(&machipc_transit_lock);
	mutex_unlock(&space->lock);
	KUNIT_EXPECT_FALSE(test, machipc_port_rcv_ready(port));

	KUNIT_ASSERT_EQ(test, machipc_name_destroy(space, rcv), 0);
	KUNIT_EXPECT_TRUE(test, machipc_port_is_dead(port));
	KUNIT_EXPECT_TRUE(test, machipc_port_rcv_ready(port));

	machipc_port_put(port);
	machipc_port_put(dest);
	machipc_space_free(space);
}

/*
 * The queue limit: a sender waits for room once msgcount reaches qlimit;
 * kernel notifications ignore it; a receive makes room and numbers the
 * messages.  The port's death hands its queue to the caller, counts
 * nothing any more, refuses every enqueue, lets every sender go, and
 * happens once.
 */
static void machipc_port_queue_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port *port = machipc_kt_port(test, space);
	struct machipc_msg *msg[MACHIPC_QLIMIT_DEFAULT + 1], *m, *tmp;
	struct test_counts c;
	LIST_HEAD(doomed);
	u32 i, n;

	KUNIT_ASSERT_EQ(test, port->qlimit, MACHIPC_QLIMIT_DEFAULT);
	for (i = 0; i < ARRAY_SIZE(msg); i++)
		msg[i] = test_msg(test);

	for (i = 0; i < MACHIPC_QLIMIT_DEFAULT; i++) {
		KUNIT_EXPECT_TRUE(test, machipc_port_has_room(port));
		KUNIT_EXPECT_TRUE(test, machipc_port_enqueue_kernel(port, msg[i]));
	}
	KUNIT_EXPECT_FALSE(test, machipc_port_has_room(port));
	KUNIT_EXPECT_TRUE(test, machipc_port_enqueue_kernel(port, msg[i]));
	c = test_counts(port);
	KUNIT_EXPECT_EQ(test, c.msgcount, MACHIPC_QLIMIT_DEFAULT + 1);
	KUNIT_EXPECT_FALSE(test, machipc_port_has_room(port));

	/* FIFO, numbered from 0 */
	KUNIT_EXPECT_PTR_EQ(test, test_peek(port, space), msg[0]);
	mutex_lock(&space->lock);
	KUNIT_EXPECT_EQ(test, machipc_port_dequeue(port, msg[0]), 0);
	KUNIT_EXPECT_FALSE(test, machipc_port_has_room(port));
	KUNIT_EXPECT_EQ(test, machipc_port_dequeue(port, msg[1]), 1);
	mutex_unlock(&space->lock);
	KUNIT_EXPECT_TRUE(test, machipc_port_has_room(port));
	KUNIT_EXPECT_EQ(test, test_counts(port).msgcount,
			MACHIPC_QLIMIT_DEFAULT - 1);
	KUNIT_EXPECT_PTR_EQ(test, test_peek(port, space), msg[2]);

	/* a sender's reserved slot, then its message */
	spin_lock(&port->lock);
	port->msgcount++;
	spin_unlock(&port->lock);
	KUNIT_EXPECT_TRUE(test, machipc_port_enqueue(port, msg[0], false));
	KUNIT_EXPECT_EQ(test, test_counts(port).msgcount, MACHIPC_QLIMIT_DEFAULT);
	KUNIT_EXPECT_FALSE(test, machipc_port_has_room(port));

	/* death */
	machipc_port_kill_collect(port, &doomed);
	c = test_counts(port);
	KUNIT_EXPECT_TRUE(test, c.dead);
	KUNIT_EXPECT_EQ(test, c.msgcount, 0);
	KUNIT_EXPECT_TRUE(test, machipc_port_is_dead(port));
	KUNIT_EXPECT_TRUE(test, machipc_port_has_room(port));
	KUNIT_EXPECT_NULL(test, test_peek(port, space));
	spin_lock(&port->lock);
	KUNIT_EXPECT_NULL(test, port->receiver);
	KUNIT_EXPECT_TRUE(test, list_empty(&port->queue));
	spin_unlock(&port->lock);
	n = 0;
	list_for_each_entry(m, &doomed, link)
		n++;
	KUNIT_EXPECT_EQ(test, n, MACHIPC_QLIMIT_DEFAULT);
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&doomed, struct machipc_msg,
						   link), msg[2]);
	KUNIT_EXPECT_FALSE(test, machipc_port_enqueue_kernel(port, msg[1]));
	KUNIT_EXPECT_FALSE(test, machipc_port_enqueue(port, msg[1], true));
	KUNIT_EXPECT_TRUE(test, list_empty(&msg[1]->link));
	KUNIT_EXPECT_EQ(test, test_counts(port).msgcount, 0);
	/* a second death changes nothing */
	machipc_port_kill_collect(port, &doomed);
	n = 0;
	list_for_each_entry(m, &doomed, link)
		n++;
	KUNIT_EXPECT_EQ(test, n, MACHIPC_QLIMIT_DEFAULT);

	/* the messages are the test's: take them back */
	list_for_each_entry_safe(m, tmp, &doomed, link)
		list_del_init(&m->link);
	machipc_port_put(port);
	machipc_space_free(space);
}

static struct kunit_case machipc_port_cases[] = {
	KUNIT_CASE(machipc_port_counters_test),
	KUNIT_CASE(machipc_port_send_once_test),
	KUNIT_CASE(machipc_port_no_senders_test),
	KUNIT_CASE(machipc_port_rcv_ready_test),
	KUNIT_CASE(machipc_port_queue_test),
	{}
};

struct kunit_suite machipc_port_suite = {
	.name = "machipc_port",
	.test_cases = machipc_port_cases,
};
