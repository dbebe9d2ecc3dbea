// SPDX-License-Identifier: GPL-2.0
/*
 * mach_notify: mach_port_request_notification() of the Mach API (libmach
 * on machipc), written against <mach/mach.h> only: no-senders, dead-name,
 * port-destroyed and send-once notifications arrive in Mach's formats and
 * with Mach's ids; the previous request's right comes back; the error
 * codes.  (Notifications caused by another process's exit are in
 * mach_bootstrap, which can pass rights between processes.)
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "mach_test.h"

#include <mach/notify.h>

union mt_notification {
	mach_msg_header_t header;
	mach_no_senders_notification_t no_senders;
	mach_dead_name_notification_t dead_name;
	mach_port_deleted_notification_t port_deleted;
	mach_port_destroyed_notification_t port_destroyed;
	mach_send_once_notification_t send_once;
	char buf[256];
};

static mach_msg_return_t mt_notification(mach_port_t port,
					 union mt_notification *n)
{
	memset(n, 0, sizeof(*n));
	return mach_msg(&n->header, MACH_RCV_MSG | MACH_RCV_TIMEOUT |
			MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
			0, sizeof(*n), port, 5000, MACH_PORT_NULL);
}

TEST(no_senders)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), notify = mt_port(), prev = 1;
	union mt_notification n;

	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(task, p));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, n.header.msgh_id);
	EXPECT_EQ(sizeof(mach_no_senders_notification_t) - sizeof(mach_msg_format_0_trailer_t),
		  n.header.msgh_size);
	EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE), n.header.msgh_bits);
	EXPECT_EQ(notify, n.header.msgh_local_port);
	EXPECT_EQ(MACH_PORT_NULL, n.header.msgh_remote_port);
	EXPECT_EQ(1, n.no_senders.not_count);
	EXPECT_EQ(NDR_INT_LITTLE_ENDIAN, n.no_senders.NDR.int_rep);
	/* The kernel's tokens. */
	EXPECT_EQ(0, n.no_senders.trailer.msgh_sender.val[0]);
	EXPECT_EQ(1, n.no_senders.trailer.msgh_sender.val[1]);
	mach_port_destroy(task, p);
	mach_port_destroy(task, notify);
}

TEST(no_senders_sync_and_previous)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), notify = mt_port(), prev = 0;
	union mt_notification n;

	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	/* A second request replaces the first: its right comes back. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(prev));
	EXPECT_EQ(2, mt_status(notify).mps_sorights);
	mach_port_deallocate(task, prev);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.header.msgh_id);
	EXPECT_EQ(sizeof(mach_msg_header_t), n.header.msgh_size);
	/* Cancel. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS, 0,
							       MACH_PORT_NULL, 0, &prev));
	EXPECT_TRUE(MACH_PORT_VALID(prev));
	mach_port_deallocate(task, prev);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.header.msgh_id);
	/* sync: fire at once when the senders are already gone. */
	mach_port_deallocate(task, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS, 1,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, n.header.msgh_id);
	mach_port_destroy(task, p);
	mach_port_destroy(task, notify);
}

TEST(dead_name)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), notify = mt_port(), prev;
	union mt_notification n;
	mach_port_t send;

	send = p;
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, send, MACH_NOTIFY_DEAD_NAME, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	/* Destroy only the receive right: the send right turns dead. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_RECEIVE, -1));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, n.header.msgh_id);
	EXPECT_EQ(send, n.dead_name.not_port);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(send));
	/* As on XNU, the notification holds a reference of its own. */
	EXPECT_EQ(2, mt_refs(send, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, send));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, send));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(task, send));
	mach_port_destroy(task, notify);
}

/*
 * XNU adds the notification's reference when the port dies, not when the
 * notification is received: a program may release its own reference
 * first (the usual order: drop the right, then handle the notification).
 */
TEST(dead_name_reference_before_the_notification)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), notify = mt_port(), prev;
	mach_msg_type_name_t t;
	union mt_notification n;
	mach_port_t so;

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, p, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							&so, &t));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, so, MACH_NOTIFY_DEAD_NAME, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_DEAD_NAME, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_RECEIVE, -1));
	/* a send-once right: 1 + 1; a send right: its 1 + 1 */
	EXPECT_EQ(2, mt_refs(so, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(2, mt_refs(p, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, so));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, p));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(so));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(p));
	/* the notifications arrive and their references are released */
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, n.header.msgh_id);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, n.dead_name.not_port));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, n.header.msgh_id);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, n.dead_name.not_port));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(task, so));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(task, p));
	mach_port_destroy(task, notify);
}

/* Deleting a name with a dead-name request cancels it: port-deleted. */
TEST(port_deleted)
{
	mach_port_t task = mach_task_self(), p = mt_port(), notify = mt_port(), prev, so;
	mach_msg_type_name_t type;
	union mt_notification n;

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, p, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							&so, &type));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, so, MACH_NOTIFY_DEAD_NAME, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(task, so));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_PORT_DELETED, n.header.msgh_id);
	EXPECT_EQ(so, n.port_deleted.not_port);
	EXPECT_EQ(sizeof(mach_port_deleted_notification_t) - sizeof(mach_msg_format_0_trailer_t),
		  n.header.msgh_size);
	/* The send-once right's own notification came first, to p. */
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(p, &n));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.header.msgh_id);
	/* The port dying later sends nothing more. */
	mach_port_destroy(task, p);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mach_msg(&n.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
					       sizeof(n), notify, 0, MACH_PORT_NULL));
	mach_port_destroy(task, notify);
}

TEST(port_destroyed)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), notify = mt_port(), prev, back;
	union mt_notification n;
	mt_simple_rcv_t r;

	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 5, 5, 0, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_PORT_DESTROYED, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_request_notification(task, p, MACH_NOTIFY_PORT_DESTROYED, 1,
								     notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
								     &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_RECEIVE, -1));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_notification(notify, &n));
	EXPECT_EQ(MACH_NOTIFY_PORT_DESTROYED, n.header.msgh_id);
	EXPECT_TRUE(MACH_MSGH_BITS_IS_COMPLEX(n.header.msgh_bits));
	EXPECT_EQ(sizeof(mach_port_destroyed_notification_t) - sizeof(mach_msg_format_0_trailer_t),
		  n.header.msgh_size);
	ASSERT_EQ(1, n.port_destroyed.not_body.msgh_descriptor_count);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, (unsigned int)n.port_destroyed.not_port.disposition);
	back = n.port_destroyed.not_port.name;
	/* The receive right is back, queue intact, send right still ours. */
	EXPECT_EQ(p, back);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(back));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(back, &r, MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(5, r.header.msgh_id);
	mach_port_destroy(task, back);
	mach_port_destroy(task, notify);
}

/*
 * What the status and the type say of requests (XNU: mps_nsrequest,
 * mps_pdrequest, MACH_PORT_TYPE_DNREQUEST), and the settable counters.
 */
TEST(requests_reported_and_counters_set)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), notify = mt_port(), prev;
	mach_msg_type_name_t t;
	mt_simple_rcv_t r;
	mach_port_t so;

	EXPECT_EQ(0, mt_status(p).mps_nsrequest);
	EXPECT_EQ(0, mt_status(p).mps_pdrequest);
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS, 5,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(1, mt_status(p).mps_nsrequest);
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, p, MACH_NOTIFY_PORT_DESTROYED, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(1, mt_status(p).mps_pdrequest);

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, p, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							&so, &t));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(so));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, so, MACH_NOTIFY_DEAD_NAME, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DNREQUEST, mt_type(so));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, so, MACH_NOTIFY_DEAD_NAME, 0,
							       MACH_PORT_NULL, 0, &prev));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(so));
	mach_port_deallocate(task, prev);

	/* mach_port_set_mscount / _set_seqno */
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_mscount(task, p, 77));
	EXPECT_EQ(77, mt_status(p).mps_mscount);
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_seqno(task, p, 1000));
	EXPECT_EQ(1000, mt_status(p).mps_seqno);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 9, 1, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT |
					     MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO),
					     0, sizeof(r), p, 0, MACH_PORT_NULL));
	EXPECT_EQ(1000, r.trailer.msgh_seqno);
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_mscount(task, so, 1));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_set_seqno(task, 0x7ffff00, 1));
	mach_port_deallocate(task, so);
	mach_port_destroy(task, p);
	mach_port_destroy(task, notify);
}

TEST(request_errors)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), r = mt_port(), notify = mt_port(), prev, d, s;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &d));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_request_notification(task, p, 12345, 0, notify,
								     MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_request_notification(task, p, MACH_NOTIFY_SEND_ONCE, 0,
								     notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
								     &prev));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_request_notification(task, 0x7ffff00, MACH_NOTIFY_NO_SENDERS,
								    0, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
								    &prev));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(task, s, MACH_NOTIFY_NO_SENDERS, 0,
								     notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
								     &prev));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(task, r, MACH_NOTIFY_DEAD_NAME, 0,
								     notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
								     &prev));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_request_notification(task, d, MACH_NOTIFY_DEAD_NAME, 0,
									notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
									&prev));
	/* cancelling on a dead name: nothing to cancel, as on XNU */
	prev = 1;
	EXPECT_EQ(KERN_SUCCESS, mach_port_request_notification(task, d, MACH_NOTIFY_DEAD_NAME, 0,
							       MACH_PORT_NULL, 0, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	/* The notify right is copied in as XNU's trap does. */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS,
								    0, 0x7ffff00,
								    MACH_MSG_TYPE_MAKE_SEND_ONCE,
								    &prev));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS,
								     0, s, MACH_MSG_TYPE_MAKE_SEND_ONCE,
								     &prev));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(task, p, MACH_NOTIFY_DEAD_NAME,
								     0, d, MACH_MSG_TYPE_MOVE_SEND_ONCE,
								     &prev));
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS,
									  0, notify,
									  MACH_MSG_TYPE_COPY_SEND, &prev));
	/* A dead notify port, then a null or dead name, come first. */
	EXPECT_EQ(KERN_INVALID_CAPABILITY,
		  mach_port_request_notification(task, p, MACH_NOTIFY_NO_SENDERS, 0, MACH_PORT_DEAD,
						 MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_CAPABILITY,
		  mach_port_request_notification(task, MACH_PORT_NULL, 12345, 0, MACH_PORT_DEAD,
						 MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_request_notification(task, MACH_PORT_NULL, MACH_NOTIFY_NO_SENDERS, 0,
						 notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_request_notification(task, MACH_PORT_DEAD, MACH_NOTIFY_DEAD_NAME, 0,
						 notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_NOT_SUPPORTED, mach_port_request_notification(task, p, MACH_NOTIFY_SEND_POSSIBLE,
								     0, notify,
								     MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(0, mt_status(notify).mps_sorights);
	mach_port_deallocate(task, d);
	mach_port_destroy(task, s);
	mach_port_destroy(task, p);
	mach_port_destroy(task, r);
	mach_port_destroy(task, notify);
}

TEST_HARNESS_MAIN
