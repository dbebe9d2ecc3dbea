// SPDX-License-Identifier: GPL-2.0
/*
 * mach_msg: mach_msg() of the Mach API (libmach on machipc), written
 * against <mach/mach.h> only: send, receive, RPC with a send-once reply,
 * port-set receives, port descriptors (NULL and DEAD too), out-of-line
 * memory and port arrays, trailers (seqno, audit token, context),
 * timeouts, MACH_RCV_LARGE and destroy-on-too-large (and of out-of-line
 * data the receiver cannot map), the pseudo-receive
 * of a send that timed out, signals with and without the INTERRUPT
 * options, mach_msg_server_once(), mach_port_peek(), and XNU's error codes
 * for each failure.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mach_test.h"

#include <bsm/libbsm.h>

#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t port[3];
	uint32_t data;
} mt_ports_t;

typedef struct {
	mt_ports_t m;
	mach_msg_max_trailer_t trailer;
} mt_ports_rcv_t;

typedef struct {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_ool_descriptor_t ool;
	mach_msg_ool_ports_descriptor_t ports;
	uint32_t data;
} mt_ool_t;

typedef struct {
	mt_ool_t m;
	mach_msg_max_trailer_t trailer;
} mt_ool_rcv_t;
#pragma pack(pop)

TEST(layouts)
{
	EXPECT_EQ(24, sizeof(mach_msg_header_t));
	EXPECT_EQ(4, sizeof(mach_msg_body_t));
	EXPECT_EQ(12, sizeof(mach_msg_port_descriptor_t));
	EXPECT_EQ(16, sizeof(mach_msg_ool_descriptor_t));
	EXPECT_EQ(16, sizeof(mach_msg_ool_ports_descriptor_t));
	EXPECT_EQ(16, sizeof(mach_msg_guarded_port_descriptor_t));
	EXPECT_EQ(8, sizeof(mach_msg_trailer_t));
	EXPECT_EQ(20, sizeof(mach_msg_security_trailer_t));
	EXPECT_EQ(52, sizeof(mach_msg_audit_trailer_t));
	EXPECT_EQ(60, sizeof(mach_msg_context_trailer_t));
	EXPECT_EQ(68, MAX_TRAILER_SIZE);
	EXPECT_EQ(8, sizeof(NDR_record_t));
	EXPECT_EQ(36, sizeof(mig_reply_error_t));
	EXPECT_EQ(0x10000003, MACH_SEND_INVALID_DEST);
	EXPECT_EQ(0x10004004, MACH_RCV_TOO_LARGE);
	EXPECT_EQ(72, MACH_NOTIFY_DEAD_NAME);
	EXPECT_EQ(0x20000, MACH_PORT_TYPE_RECEIVE);
}

TEST(send_receive_simple)
{
	mach_port_t p = mt_port_send();
	mt_simple_rcv_t r;
	int i;

	ASSERT_NE(MACH_PORT_NULL, p);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 100 + i, i, 0, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  mt_recv(p, &r, MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
				  MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO), 0));
		EXPECT_EQ(sizeof(mt_simple_t), r.header.msgh_size);
		EXPECT_EQ(100 + i, r.header.msgh_id);
		EXPECT_EQ(p, r.header.msgh_local_port);
		EXPECT_EQ(MACH_PORT_NULL, r.header.msgh_remote_port);
		EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND), r.header.msgh_bits);
		EXPECT_EQ((uint32_t)i, r.seq);
		EXPECT_EQ(~(uint32_t)i, r.sum);
		EXPECT_EQ(sizeof(mach_msg_seqno_trailer_t), r.trailer.msgh_trailer_size);
		EXPECT_EQ((mach_port_seqno_t)i, r.trailer.msgh_seqno);
	}
	/* MOVE_SEND consumes the reference; MAKE_SEND makes one. */
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_MAKE_SEND, 1, 1, 0, 0));
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_MOVE_SEND, 1, 1, 0, 0));
	EXPECT_EQ(0, mt_refs(p, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, 0, 0));
	mach_port_destroy(mach_task_self(), p);
}

TEST(trailer_audit_matches_task_info)
{
	mach_port_t p = mt_port_send();
	mach_msg_type_number_t n = TASK_AUDIT_TOKEN_COUNT;
	audit_token_t self;
	mt_simple_rcv_t r;

	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_AUDIT_TOKEN,
					  (task_info_t)&self, &n));
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(mach_task_self(), p, 0xc0ffee));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mt_recv(p, &r, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX), 0));
	EXPECT_EQ(sizeof(mach_msg_context_trailer_t), r.trailer.msgh_trailer_size);
	EXPECT_EQ(0, memcmp(&self, &r.trailer.msgh_audit, sizeof(self)));
	EXPECT_EQ(getpid(), audit_token_to_pid(r.trailer.msgh_audit));
	EXPECT_EQ(geteuid(), r.trailer.msgh_sender.val[0]);
	EXPECT_EQ(0xc0ffee, r.trailer.msgh_context);
	/* An unknown trailer format. */
	EXPECT_EQ(MACH_RCV_INVALID_TRAILER,
		  mt_recv(p, &r, MACH_RCV_TRAILER_TYPE(1) | MACH_RCV_TIMEOUT, 0));
	mach_port_destroy(mach_task_self(), p);
}

/* A thread answering requests on one port. */
struct mt_server {
	mach_port_t port;
	int count;
	int fail_reply;
};

static void *mt_echo_thread(void *arg)
{
	struct mt_server *s = arg;
	mt_simple_rcv_t r;
	mt_simple_t reply;
	int i;

	for (i = 0; i < s->count; i++) {
		if (mt_recv(s->port, &r, 0, 0))
			return (void *)1;
		memset(&reply, 0, sizeof(reply));
		reply.header.msgh_bits =
			MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(r.header.msgh_bits), 0);
		reply.header.msgh_size = sizeof(reply);
		reply.header.msgh_remote_port = r.header.msgh_remote_port;
		reply.header.msgh_id = r.header.msgh_id + 100;
		reply.seq = r.seq + 1;
		reply.sum = ~reply.seq;
		if (mach_msg(&reply.header, MACH_SEND_MSG, sizeof(reply), 0,
			     MACH_PORT_NULL, 0, MACH_PORT_NULL))
			return (void *)2;
	}
	return NULL;
}

TEST(rpc_with_send_once_reply)
{
	struct mt_server s = { .port = mt_port_send(), .count = 20 };
	mach_port_t reply = mig_get_reply_port();
	union {
		mt_simple_t req;
		mt_simple_rcv_t rep;
	} m;
	pthread_t th;
	void *ret;
	int i;

	ASSERT_NE(MACH_PORT_NULL, reply);
	EXPECT_EQ(reply, mig_get_reply_port());
	ASSERT_EQ(0, pthread_create(&th, NULL, mt_echo_thread, &s));
	for (i = 0; i < s.count; i++) {
		memset(&m, 0, sizeof(m));
		m.req.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
							MACH_MSG_TYPE_MAKE_SEND_ONCE);
		m.req.header.msgh_size = sizeof(m.req);
		m.req.header.msgh_remote_port = s.port;
		m.req.header.msgh_local_port = reply;
		m.req.header.msgh_id = 500;
		m.req.seq = i;
		ASSERT_EQ(MACH_MSG_SUCCESS,
			  mach_msg(&m.req.header, MACH_SEND_MSG | MACH_RCV_MSG,
				   sizeof(m.req), sizeof(m.rep), reply, 0, MACH_PORT_NULL));
		EXPECT_EQ(600, m.rep.header.msgh_id);
		EXPECT_EQ((uint32_t)i + 1, m.rep.seq);
		EXPECT_EQ(reply, m.rep.header.msgh_local_port);
		EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE),
			  m.rep.header.msgh_bits);
	}
	ASSERT_EQ(0, pthread_join(th, &ret));
	EXPECT_EQ(NULL, ret);
	/* No send-once right left behind anywhere. */
	EXPECT_EQ(0, mt_status(reply).mps_sorights);
	mach_port_destroy(mach_task_self(), s.port);
}

TEST(port_set_receive)
{
	mach_port_t task = mach_task_self(), a = mt_port_send(), b = mt_port_send(), set;
	mt_simple_rcv_t r;
	int got_a = 0, got_b = 0, i;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_move_member(task, a, set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_move_member(task, b, set));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(a, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(b, MACH_MSG_TYPE_COPY_SEND, 2, 2, 0, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(set, &r, MACH_RCV_TIMEOUT, 1000));
		got_a += r.header.msgh_local_port == a && r.header.msgh_id == 1;
		got_b += r.header.msgh_local_port == b && r.header.msgh_id == 2;
	}
	EXPECT_EQ(1, got_a);
	EXPECT_EQ(1, got_b);
	/* Receiving directly from a member. */
	EXPECT_EQ(MACH_RCV_IN_SET, mt_recv(a, &r, MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_recv(set, &r, MACH_RCV_TIMEOUT, 10));
	mach_port_destroy(task, set);
	mach_port_destroy(task, a);
	mach_port_destroy(task, b);
}

TEST(send_errors)
{
	mach_port_t task = mach_task_self(), p = mt_port(), q = mt_port_send(), d;
	mt_simple_t m;
	mt_ports_t pm;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &d));
	/* Destination. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mt_send(MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mt_send(MACH_PORT_DEAD, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mt_send(0x7ffff00, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mt_send(d, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER, mt_send(q, MACH_MSG_TYPE_MOVE_RECEIVE, 1, 1, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER, mt_send(q, 0, 1, 1, 0, 0));

	/* Reply. */
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_COPY_SEND);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = q;
	m.header.msgh_local_port = p;	/* no send right */
	EXPECT_EQ(MACH_SEND_INVALID_REPLY,
		  mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	m.header.msgh_local_port = 0x7ffff00;
	EXPECT_EQ(MACH_SEND_INVALID_REPLY,
		  mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	EXPECT_EQ(MACH_SEND_INVALID_HEADER,
		  mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	/* Vouchers do not exist. */
	m.header.msgh_local_port = 0;
	m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0,
						MACH_MSG_TYPE_COPY_SEND, 0);
	m.header.msgh_voucher_port = q;
	EXPECT_EQ(MACH_SEND_INVALID_VOUCHER,
		  mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	m.header.msgh_voucher_port = 0;
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	/* Sizes. */
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL,
		  mach_msg(&m.header, MACH_SEND_MSG, sizeof(m) - 2, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL,
		  mach_msg(&m.header, MACH_SEND_MSG, 20, 0, 0, 0, 0));

	/* A right in the body. */
	memset(&pm, 0, sizeof(pm));
	pm.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0,
						 MACH_MSGH_BITS_COMPLEX);
	pm.header.msgh_size = sizeof(pm);
	pm.header.msgh_remote_port = q;
	pm.body.msgh_descriptor_count = 1;
	pm.port[0].type = MACH_MSG_PORT_DESCRIPTOR;
	pm.port[0].name = p;
	pm.port[0].disposition = MACH_MSG_TYPE_COPY_SEND;
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  mach_msg(&pm.header, MACH_SEND_MSG, sizeof(pm) - 24, 0, 0, 0, 0));
	pm.port[0].disposition = 3;
	EXPECT_EQ(MACH_SEND_INVALID_TYPE,
		  mach_msg(&pm.header, MACH_SEND_MSG, sizeof(pm) - 24, 0, 0, 0, 0));
	pm.port[0].disposition = MACH_MSG_TYPE_MAKE_SEND;
	pm.port[0].type = 9;
	EXPECT_EQ(MACH_SEND_INVALID_TYPE,
		  mach_msg(&pm.header, MACH_SEND_MSG, sizeof(pm) - 24, 0, 0, 0, 0));
	pm.port[0].type = MACH_MSG_PORT_DESCRIPTOR;
	pm.body.msgh_descriptor_count = 5;
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL,
		  mach_msg(&pm.header, MACH_SEND_MSG, sizeof(pm) - 24, 0, 0, 0, 0));
	/* Nothing moved: the rights are as before. */
	EXPECT_EQ(1, mt_refs(q, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, mt_status(q).mps_msgcount);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(p));

	/* Receive errors. */
	{
		mt_simple_rcv_t r;
		mach_port_t s;

		EXPECT_EQ(MACH_RCV_INVALID_NAME, mt_recv(MACH_PORT_NULL, &r, 0, 0));
		EXPECT_EQ(MACH_RCV_INVALID_NAME, mt_recv(0x7ffff00, &r, 0, 0));
		EXPECT_EQ(MACH_RCV_INVALID_NAME, mt_recv(d, &r, 0, 0));
		ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, q, MACH_MSG_TYPE_MAKE_SEND_ONCE,
								&s, &(mach_msg_type_name_t){0}));
		EXPECT_EQ(MACH_RCV_INVALID_NAME, mt_recv(s, &r, 0, 0));
		mach_port_deallocate(task, s);
		/* the send-once notification this made */
		EXPECT_EQ(MACH_MSG_SUCCESS, mt_recv(q, &r, MACH_RCV_TIMEOUT, 1000));
		EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, r.header.msgh_id);
	}
	mach_port_deallocate(task, d);
	mach_port_destroy(task, p);
	mach_port_destroy(task, q);
}

/*
 * A send refused on a descriptor destroys what XNU had copied in before it
 * noticed: the header's rights and the descriptors before the bad one; the
 * descriptors after it stay the sender's.
 */
TEST(send_refused_on_descriptor_destroys_header)
{
	mach_port_t task = mach_task_self(), q = mt_port_send(), r = mt_port_send();
	mach_port_t a = mt_port_send(), b = mt_port_send(), p = mt_port();
	mt_ports_t pm;

	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, q, MACH_PORT_RIGHT_SEND, 1));
	memset(&pm, 0, sizeof(pm));
	pm.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MOVE_SEND,
						 MACH_MSG_TYPE_MOVE_SEND, 0,
						 MACH_MSGH_BITS_COMPLEX);
	pm.header.msgh_size = sizeof(pm);
	pm.header.msgh_remote_port = q;
	pm.header.msgh_local_port = r;
	pm.body.msgh_descriptor_count = 3;
	pm.port[0].type = MACH_MSG_PORT_DESCRIPTOR;
	pm.port[0].name = a;
	pm.port[0].disposition = MACH_MSG_TYPE_MOVE_SEND;
	pm.port[1].type = MACH_MSG_PORT_DESCRIPTOR;
	pm.port[1].name = p;	/* no send right */
	pm.port[1].disposition = MACH_MSG_TYPE_COPY_SEND;
	pm.port[2].type = MACH_MSG_PORT_DESCRIPTOR;
	pm.port[2].name = b;
	pm.port[2].disposition = MACH_MSG_TYPE_MOVE_SEND;
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  mach_msg(&pm.header, MACH_SEND_MSG, sizeof(pm), 0, 0, 0, 0));
	EXPECT_EQ(1, mt_refs(q, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, mt_refs(r, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, mt_refs(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, mt_refs(b, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(p));
	EXPECT_EQ(0, mt_status(q).mps_msgcount);
	mach_port_destroy(task, q);
	mach_port_destroy(task, r);
	mach_port_destroy(task, a);
	mach_port_destroy(task, b);
	mach_port_destroy(task, p);
}

/*
 * As in Mach, a message sent through a send-once right is queued past the
 * queue limit (a reply never waits); through a send right it is not.
 */
TEST(send_once_passes_queue_limit)
{
	mach_port_t task = mach_task_self(), p = mt_port_send();
	mach_port_limits_t lim = { .mpl_qlimit = 1 };
	mt_simple_rcv_t r;
	unsigned int i;

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, p, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim,
							 MACH_PORT_LIMITS_INFO_COUNT));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	EXPECT_EQ(MACH_SEND_TIMED_OUT,
		  mt_send(p, MACH_MSG_TYPE_COPY_SEND, 9, 9, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  mt_send(p, MACH_MSG_TYPE_MAKE_SEND_ONCE, 2, 2, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(MACH_MSG_SUCCESS,
		  mt_send(p, MACH_MSG_TYPE_MAKE_SEND_ONCE, 3, 3, MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(3, mt_status(p).mps_msgcount);
	for (i = 1; i <= 3; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, MACH_RCV_TIMEOUT, 0));
		EXPECT_EQ(i, r.header.msgh_id);
	}
	mach_port_destroy(task, p);
}

/*
 * Too large without MACH_RCV_LARGE: the message is destroyed and XNU
 * returns its header alone (msgh_size the header's), the reply right
 * destroyed (a send-once notification), the requested trailer after it.
 */
TEST(too_large_returns_header_only)
{
	mach_port_t task = mach_task_self(), p = mt_port(), reply = mt_port();
	union {
		mach_msg_header_t h;
		char bytes[sizeof(mach_msg_header_t) + sizeof(mach_msg_seqno_trailer_t)];
	} small;
	mach_msg_seqno_trailer_t tr;
	mt_simple_rcv_t n;
	mt_ports_t m;

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MAKE_SEND,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, 0,
						MACH_MSGH_BITS_COMPLEX);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = p;
	m.header.msgh_local_port = reply;
	m.header.msgh_id = 77;
	m.body.msgh_descriptor_count = 1;
	m.port[0].type = MACH_MSG_PORT_DESCRIPTOR;
	m.port[0].name = p;
	m.port[0].disposition = MACH_MSG_TYPE_MAKE_SEND;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	/* a first one to count the sequence number */
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	ASSERT_EQ(MACH_RCV_TOO_LARGE, mach_msg(&small.h, MACH_RCV_MSG, 0, sizeof(small.h),
					       p, 0, 0));
	memset(&small, 0xaa, sizeof(small));
	ASSERT_EQ(MACH_RCV_TOO_LARGE,
		  mach_msg(&small.h, MACH_RCV_MSG |
			   MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO),
			   0, sizeof(small), p, 0, 0));
	EXPECT_EQ(sizeof(mach_msg_header_t), small.h.msgh_size);
	EXPECT_EQ(MACH_MSGH_BITS_COMPLEX |
		  MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND),
		  small.h.msgh_bits);
	EXPECT_EQ(MACH_PORT_NULL, small.h.msgh_remote_port);
	EXPECT_EQ(p, small.h.msgh_local_port);
	EXPECT_EQ(77, small.h.msgh_id);
	memcpy(&tr, small.bytes + sizeof(small.h), sizeof(tr));
	EXPECT_EQ(MACH_MSG_TRAILER_FORMAT_0, tr.msgh_trailer_type);
	EXPECT_EQ(sizeof(tr), tr.msgh_trailer_size);
	EXPECT_EQ(1, tr.msgh_seqno);
	/* both messages and their rights are gone */
	EXPECT_EQ(0, mt_status(p).mps_msgcount);
	EXPECT_EQ(0, mt_status(p).mps_srights);
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_recv(reply, &n, MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.header.msgh_id);
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_recv(reply, &n, MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.header.msgh_id);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_recv(reply, &n, MACH_RCV_TIMEOUT, 0));
	mach_port_destroy(task, p);
	mach_port_destroy(task, reply);
}

/* mach_msg_destroy() frees only the memory a descriptor says it owns. */
TEST(msg_destroy_honours_deallocate)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct {
		mach_msg_header_t header;
		mach_msg_body_t body;
		mach_msg_ool_descriptor_t ool[2];
		mach_msg_ool_ports_descriptor_t ports;
	} m;
	char *mem = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int pass;

	ASSERT_NE(MAP_FAILED, mem);
	for (pass = 0; pass < 2; pass++) {
		memset(&m, 0, sizeof(m));
		m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX;
		m.body.msgh_descriptor_count = 3;
		m.ool[0].type = MACH_MSG_OOL_DESCRIPTOR;
		m.ool[0].address = mem;
		m.ool[0].size = pg;
		m.ool[0].deallocate = pass;
		m.ool[1].type = MACH_MSG_OOL_VOLATILE_DESCRIPTOR;
		m.ool[1].address = mem + pg;
		m.ool[1].size = pg;
		m.ool[1].deallocate = pass;
		m.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
		m.ports.address = mem + 2 * pg;
		m.ports.count = (mach_msg_size_t)(pg / sizeof(mach_port_t));
		m.ports.disposition = MACH_MSG_TYPE_COPY_SEND;
		m.ports.deallocate = pass;
		memset(mem + 2 * pg, 0, pg);	/* null names: no rights */
		mach_msg_destroy(&m.header);
		/* msync() fails with ENOMEM on an unmapped page */
		EXPECT_EQ(pass ? -1 : 0, msync(mem, pg, MS_ASYNC));
		EXPECT_EQ(0, msync(mem + pg, pg, MS_ASYNC));	/* volatile: never */
		EXPECT_EQ(pass ? -1 : 0, msync(mem + 2 * pg, pg, MS_ASYNC));
	}
	munmap(mem, 4 * pg);
}

TEST(port_descriptors)
{
	mach_port_t task = mach_task_self(), dst = mt_port_send(), a = mt_port_send(), b = mt_port();
	mt_ports_t m;
	mt_ports_rcv_t r;
	mach_msg_type_number_t names = mt_name_count();

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0,
						MACH_MSGH_BITS_COMPLEX);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = dst;
	m.header.msgh_id = 77;
	m.body.msgh_descriptor_count = 3;
	m.port[0].type = MACH_MSG_PORT_DESCRIPTOR;
	m.port[0].name = a;
	m.port[0].disposition = MACH_MSG_TYPE_COPY_SEND;
	m.port[1].type = MACH_MSG_PORT_DESCRIPTOR;
	m.port[1].name = b;
	m.port[1].disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	m.port[2].type = MACH_MSG_PORT_DESCRIPTOR;
	m.port[2].name = MACH_PORT_DEAD;
	m.port[2].disposition = MACH_MSG_TYPE_COPY_SEND;
	m.data = 0xabcd;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(task, b, &(mach_port_type_t){0}));
	EXPECT_EQ(1, mt_refs(a, MACH_PORT_RIGHT_SEND));

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_RCV_MSG, 0, sizeof(r), dst, 0, 0));
	EXPECT_EQ(sizeof(m), r.m.header.msgh_size);
	EXPECT_TRUE(MACH_MSGH_BITS_IS_COMPLEX(r.m.header.msgh_bits));
	EXPECT_EQ(77, r.m.header.msgh_id);
	ASSERT_EQ(3, r.m.body.msgh_descriptor_count);
	EXPECT_EQ(a, r.m.port[0].name);		/* same port, same name */
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, (unsigned int)r.m.port[0].disposition);
	EXPECT_EQ(2, mt_refs(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, (unsigned int)r.m.port[1].disposition);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(r.m.port[1].name));
	EXPECT_EQ(MACH_PORT_DEAD, r.m.port[2].name);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, (unsigned int)r.m.port[2].disposition);
	EXPECT_EQ(0xabcd, r.m.data);
	/* mach_msg_destroy releases what arrived. */
	mach_msg_destroy(&r.m.header);
	EXPECT_EQ(1, mt_refs(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(names - 1, mt_name_count());
	mach_port_destroy(task, a);
	mach_port_destroy(task, dst);
}

TEST(rcv_large_keeps_message)
{
	mach_port_t p = mt_port_send(), a = mt_port_send();
	mt_ports_t m;
	mt_ports_rcv_t r;
	mach_msg_header_t small[2];

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0,
						MACH_MSGH_BITS_COMPLEX);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = p;
	m.header.msgh_id = 9;
	m.body.msgh_descriptor_count = 1;
	m.port[0].type = MACH_MSG_PORT_DESCRIPTOR;
	m.port[0].name = a;
	m.port[0].disposition = MACH_MSG_TYPE_COPY_SEND;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));

	memset(small, 0, sizeof(small));
	ASSERT_EQ(MACH_RCV_TOO_LARGE,
		  mach_msg(small, MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY,
			   0, sizeof(small), p, 0, 0));
	EXPECT_EQ(sizeof(m), small[0].msgh_size);
	EXPECT_EQ(p, small[0].msgh_local_port);
	EXPECT_EQ(1, mt_status(p).mps_msgcount);
	/* Again, then with room: the message is intact. */
	ASSERT_EQ(MACH_RCV_TOO_LARGE,
		  mach_msg(small, MACH_RCV_MSG | MACH_RCV_LARGE, 0, sizeof(small), p, 0, 0));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_RCV_MSG, 0, sizeof(r), p, 0, 0));
	EXPECT_EQ(9, r.m.header.msgh_id);
	EXPECT_EQ(a, r.m.port[0].name);
	EXPECT_EQ(2, mt_refs(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, mt_status(p).mps_msgcount);
	mach_msg_destroy(&r.m.header);

	/* Without MACH_RCV_LARGE the message is destroyed, its rights too. */
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	EXPECT_EQ(1, mt_refs(a, MACH_PORT_RIGHT_SEND));
	memset(small, 0, sizeof(small));
	ASSERT_EQ(MACH_RCV_TOO_LARGE, mach_msg(small, MACH_RCV_MSG, 0, sizeof(small), p, 0, 0));
	EXPECT_EQ(9, small[0].msgh_id);
	EXPECT_EQ(1, mt_refs(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, mt_status(p).mps_msgcount);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT,
					       0, sizeof(r), p, 0, 0));
	mach_port_destroy(mach_task_self(), a);
	mach_port_destroy(mach_task_self(), p);
}

TEST(peek)
{
	mach_port_t task = mach_task_self(), p = mt_port_send();
	mach_port_seqno_t seq = 0;
	mach_msg_size_t size = 0;
	mach_msg_id_t id = 0;
	mach_msg_audit_trailer_t tr;
	mach_msg_type_number_t n = sizeof(tr);
	mt_simple_rcv_t r;

	EXPECT_EQ(KERN_FAILURE, mach_port_peek(task, p, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
					       &seq, &size, &id, (mach_msg_trailer_info_t)&tr, &n));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 42, 1, 0, 0));
	n = sizeof(tr);
	ASSERT_EQ(KERN_SUCCESS, mach_port_peek(task, p, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
					       &seq, &size, &id, (mach_msg_trailer_info_t)&tr, &n));
	EXPECT_EQ(0, seq);
	EXPECT_EQ(sizeof(mt_simple_t), size);
	EXPECT_EQ(42, id);
	EXPECT_EQ(sizeof(tr), n);
	EXPECT_EQ((unsigned int)getpid(), tr.msgh_audit.val[5]);
	EXPECT_EQ(1, mt_status(p).mps_msgcount);
	seq = 5;
	EXPECT_EQ(KERN_FAILURE, mach_port_peek(task, p, 0, &seq, &size, &id,
					       (mach_msg_trailer_info_t)&tr, &n));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, 0, 0));
	EXPECT_EQ(42, r.header.msgh_id);
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_peek(task, task, 0, &seq, &size, &id,
						     (mach_msg_trailer_info_t)&tr, &n));
	mach_port_destroy(task, p);
}

struct mt_ool_sender {
	mach_port_t dest;
	void *buf;
	size_t len;
	mach_port_t ports[2];
	mach_msg_return_t mr;
	_Atomic pid_t tid;
};

static void *mt_ool_send_thread(void *arg)
{
	struct mt_ool_sender *s = arg;
	mt_ool_t m;

	s->tid = (pid_t)syscall(SYS_gettid);
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0,
						MACH_MSGH_BITS_COMPLEX);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = s->dest;
	m.header.msgh_id = 1234;
	m.body.msgh_descriptor_count = 2;
	m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
	m.ool.address = s->buf;
	m.ool.size = (mach_msg_size_t)s->len;
	m.ool.copy = MACH_MSG_VIRTUAL_COPY;
	m.ool.deallocate = FALSE;
	m.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	m.ports.address = s->ports;
	m.ports.count = 2;
	m.ports.disposition = MACH_MSG_TYPE_COPY_SEND;
	m.ports.copy = MACH_MSG_PHYSICAL_COPY;
	m.data = 99;
	s->mr = mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0);
	return NULL;
}

TEST(out_of_line)
{
	mach_port_t p = mt_port_send(), a = mt_port_send();
	struct mt_ool_sender s = { .dest = p, .len = 3 * 4096 + 100 };
	mt_ool_rcv_t r;
	pthread_t th;
	unsigned char *data;
	size_t i;

	s.buf = malloc(s.len);
	ASSERT_NE(NULL, s.buf);
	for (i = 0; i < s.len; i++)
		((unsigned char *)s.buf)[i] = (unsigned char)(i * 7);
	s.ports[0] = a;
	s.ports[1] = MACH_PORT_NULL;
	ASSERT_EQ(0, pthread_create(&th, NULL, mt_ool_send_thread, &s));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_RCV_MSG, 0, sizeof(r), p, 0, 0));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(MACH_MSG_SUCCESS, s.mr);
	EXPECT_EQ(1234, r.m.header.msgh_id);
	EXPECT_EQ(sizeof(mt_ool_t), r.m.header.msgh_size);
	ASSERT_EQ(2, r.m.body.msgh_descriptor_count);
	EXPECT_EQ(MACH_MSG_OOL_DESCRIPTOR, (unsigned int)r.m.ool.type);
	ASSERT_EQ(s.len, r.m.ool.size);
	data = r.m.ool.address;
	EXPECT_NE(s.buf, (void *)data);
	EXPECT_EQ(0, (uintptr_t)data % vm_page_size);
	for (i = 0; i < s.len; i++)
		if (data[i] != (unsigned char)(i * 7))
			break;
	EXPECT_EQ(s.len, i);
	EXPECT_EQ(MACH_MSG_OOL_PORTS_DESCRIPTOR, (unsigned int)r.m.ports.type);
	ASSERT_EQ(2, r.m.ports.count);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, (unsigned int)r.m.ports.disposition);
	EXPECT_EQ(a, ((mach_port_t *)r.m.ports.address)[0]);
	EXPECT_EQ(MACH_PORT_NULL, ((mach_port_t *)r.m.ports.address)[1]);
	EXPECT_EQ(2, mt_refs(a, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(99, r.m.data);
	mach_msg_destroy(&r.m.header);
	EXPECT_EQ(1, mt_refs(a, MACH_PORT_RIGHT_SEND));
	free(s.buf);
	mach_port_destroy(mach_task_self(), a);
	mach_port_destroy(mach_task_self(), p);
}

/* One out-of-line region to @dest from one thread, as on macOS. */
static mach_msg_return_t mt_send_ool(mach_port_t dest, void *buf, size_t len,
				     boolean_t deallocate)
{
	mt_ool_t m;

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0,
						MACH_MSGH_BITS_COMPLEX);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = dest;
	m.header.msgh_id = 4321;
	m.body.msgh_descriptor_count = 2;
	m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
	m.ool.address = buf;
	m.ool.size = (mach_msg_size_t)len;
	m.ool.copy = MACH_MSG_VIRTUAL_COPY;
	m.ool.deallocate = deallocate;
	m.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	m.ports.disposition = MACH_MSG_TYPE_COPY_SEND;
	m.data = 77;
	return mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			sizeof(m), 0, 0, 5000, 0);
}

/*
 * A thread sends out-of-line data to a port it receives from itself: on
 * macOS the send returns at once (the data is copied, or copy-on-write,
 * at the send), so this is ordinary Mach code.  The receiver sees the data
 * as it was at the send, whatever the sender wrote afterwards, in fresh
 * memory it frees with vm_deallocate().
 */
TEST(ool_to_own_port_one_thread)
{
	mach_port_t p = mt_port_send();
	size_t len = 2 * 4096 + 123, i;
	unsigned char *buf = malloc(len), *data;
	mt_ool_rcv_t r;

	ASSERT_NE(NULL, buf);
	memset(buf, 0x5a, len);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send_ool(p, buf, len, FALSE));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send_ool(p, buf, 0, FALSE));
	EXPECT_EQ(2, mt_status(p).mps_msgcount);
	memset(buf, 0xa5, len);
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_RCV_MSG |
					     MACH_RCV_TIMEOUT, 0, sizeof(r), p,
					     0, 0));
	EXPECT_EQ(4321, r.m.header.msgh_id);
	ASSERT_EQ(len, r.m.ool.size);
	data = r.m.ool.address;
	EXPECT_NE(buf, data);
	EXPECT_EQ(0, (uintptr_t)data % vm_page_size);
	for (i = 0; i < len && data[i] == 0x5a; i++)
		;
	EXPECT_EQ(len, i);
	EXPECT_EQ(77, r.m.data);
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(mach_task_self(),
					      (vm_address_t)data, len));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_RCV_MSG |
					     MACH_RCV_TIMEOUT, 0, sizeof(r), p,
					     0, 0));
	EXPECT_EQ(0, r.m.ool.size);
	EXPECT_EQ(0, mt_status(p).mps_msgcount);
	free(buf);
	mach_port_destroy(mach_task_self(), p);
}

/*
 * An out-of-line port array far larger than the inline descriptor limit
 * (5000 rights would take 160 KiB as port descriptors; max_inline is 64
 * KiB), with MACH_PORT_NULL and MACH_PORT_DEAD entries, to a port of our
 * own: every entry arrives, in order, in fresh memory.
 */
TEST(ool_ports_large_array)
{
	mach_port_t p = mt_port_send(), a = mt_port_send();
	mach_msg_type_number_t n = 5000, i;
	mach_port_t *names = calloc(n, sizeof(*names)), *got;
	mt_ool_rcv_t r;
	mt_ool_t m;

	ASSERT_NE(NULL, names);
	for (i = 0; i < n; i++)
		names[i] = i == 10 ? MACH_PORT_NULL :
			   i == 11 ? MACH_PORT_DEAD : a;
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0,
						MACH_MSGH_BITS_COMPLEX);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = p;
	m.header.msgh_id = 77;
	m.body.msgh_descriptor_count = 2;
	m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
	m.ool.copy = MACH_MSG_VIRTUAL_COPY;
	m.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	m.ports.address = names;
	m.ports.count = n;
	m.ports.disposition = MACH_MSG_TYPE_COPY_SEND;
	m.ports.copy = MACH_MSG_PHYSICAL_COPY;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG |
					     MACH_SEND_TIMEOUT, sizeof(m), 0,
					     0, 1000, 0));
	EXPECT_EQ(1, mt_refs(a, MACH_PORT_RIGHT_SEND));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_RCV_MSG |
					     MACH_RCV_TIMEOUT, 0, sizeof(r), p,
					     0, 0));
	EXPECT_EQ(1 + n - 2, mt_refs(a, MACH_PORT_RIGHT_SEND));
	ASSERT_EQ(MACH_MSG_OOL_PORTS_DESCRIPTOR, (unsigned int)r.m.ports.type);
	ASSERT_EQ(n, r.m.ports.count);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, (unsigned int)r.m.ports.disposition);
	got = r.m.ports.address;
	ASSERT_NE(NULL, got);
	EXPECT_NE(names, got);
	EXPECT_EQ(0, (uintptr_t)got % vm_page_size);
	for (i = 0; i < n; i++)
		if (got[i] != names[i])
			break;
	EXPECT_EQ(n, i);
	/* Destroying the message releases every right it brought. */
	mach_msg_destroy(&r.m.header);
	EXPECT_EQ(1, mt_refs(a, MACH_PORT_RIGHT_SEND));
	free(names);
	mach_port_destroy(mach_task_self(), a);
	mach_port_destroy(mach_task_self(), p);
}

/* deallocate = TRUE: the region is gone from the sender once sent. */
TEST(ool_deallocate_on_send)
{
	mach_port_t p = mt_port_send();
	vm_address_t a = 0;
	size_t len = 3 * vm_page_size;
	mt_ool_rcv_t r;

	ASSERT_EQ(KERN_SUCCESS, vm_allocate(mach_task_self(), &a, len,
					    VM_FLAGS_ANYWHERE));
	memset((void *)a, 3, len);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send_ool(p, (void *)a, len, TRUE));
	EXPECT_EQ(-1, msync((void *)a, len, MS_ASYNC));
	EXPECT_EQ(ENOMEM, errno);
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_RCV_MSG |
					     MACH_RCV_TIMEOUT, 0, sizeof(r), p,
					     0, 0));
	ASSERT_EQ(len, r.m.ool.size);
	EXPECT_EQ(3, ((unsigned char *)r.m.ool.address)[len - 1]);
	mach_msg_destroy(&r.m.header);
	mach_port_destroy(mach_task_self(), p);
}

/*
 * Out-of-line data the receiver cannot map (RLIMIT_AS): without
 * MACH_RCV_LARGE the message is destroyed, as XNU destroys a body it
 * cannot copy out, and the message queued behind it is received next.
 * With MACH_RCV_LARGE it stays queued.
 */
TEST(ool_unmappable_destroyed)
{
	mach_port_t p = mt_port_send();
	struct mt_ool_sender s = { .dest = p, .len = 1UL << 30 };
	struct rlimit old, lim;
	unsigned long vm_pages;
	mt_ool_rcv_t r;
	pthread_t th;
	FILE *f;

	s.buf = mmap(NULL, s.len, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, s.buf);
	s.ports[0] = MACH_PORT_NULL;
	s.ports[1] = MACH_PORT_NULL;
	ASSERT_EQ(0, pthread_create(&th, NULL, mt_ool_send_thread, &s));
	/* Until the message is queued and its sender waits for a receiver. */
	while (mt_status(p).mps_msgcount != 1 || !s.tid ||
	       !mt_thread_sleeps(s.tid))
		usleep(1000);
	ASSERT_EQ(1, mt_status(p).mps_msgcount);
	memset(&r, 0, sizeof(r));
	r.m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0, 0);
	r.m.header.msgh_size = sizeof(mach_msg_header_t);
	r.m.header.msgh_remote_port = p;
	r.m.header.msgh_id = 5;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_SEND_MSG,
					     sizeof(mach_msg_header_t), 0, 0,
					     0, 0));

	/* No room for another gigabyte of address space. */
	f = fopen("/proc/self/statm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &vm_pages));
	fclose(f);
	ASSERT_EQ(0, getrlimit(RLIMIT_AS, &old));
	lim = old;
	lim.rlim_cur = vm_pages * vm_page_size + (256UL << 20);
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &lim));

	memset(&r, 0, sizeof(r));
	EXPECT_EQ(MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE,
		  mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_LARGE, 0,
			   sizeof(r), p, 0, 0));
	EXPECT_EQ(2, mt_status(p).mps_msgcount);
	EXPECT_EQ(MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE,
		  mach_msg(&r.m.header, MACH_RCV_MSG, 0, sizeof(r), p, 0, 0));
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &old));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(MACH_SEND_TOO_LARGE, s.mr);
	EXPECT_EQ(1, mt_status(p).mps_msgcount);

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&r.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT,
					     0, sizeof(r), p, 10000, 0));
	EXPECT_EQ(5, r.m.header.msgh_id);
	EXPECT_EQ(0, mt_status(p).mps_msgcount);
	munmap(s.buf, s.len);
	mach_port_destroy(mach_task_self(), p);
}

TEST(send_timeout_pseudo_receive)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), so;
	mach_port_limits_t lim = { .mpl_qlimit = 1 };
	mt_simple_t m;
	mt_simple_rcv_t r;
	long long t0;

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, p, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = p;
	m.header.msgh_local_port = p;
	t0 = mt_now_ms();
	ASSERT_EQ(MACH_SEND_TIMED_OUT, mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
						sizeof(m), 0, 0, 50, 0));
	EXPECT_LE(40, mt_now_ms() - t0);
	/* As XNU's pseudo-receive: the rights are the sender's, as MOVE_*. */
	EXPECT_EQ(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE),
		  m.header.msgh_bits);
	EXPECT_EQ(p, m.header.msgh_remote_port);
	so = m.header.msgh_local_port;
	EXPECT_NE(p, so);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(so));
	EXPECT_EQ(2, mt_refs(p, MACH_PORT_RIGHT_SEND));
	/*
	 * mach_msg_destroy() releases the destination right, not the
	 * msgh_local_port one (as on XNU): the send-once right stays.
	 */
	mach_msg_destroy(&m.header);
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(so));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, so));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, MACH_RCV_TIMEOUT, 1000));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, r.header.msgh_id);
	/* Receive timeout. */
	t0 = mt_now_ms();
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_recv(p, &r, MACH_RCV_TIMEOUT, 50));
	EXPECT_LE(40, mt_now_ms() - t0);
	mach_port_destroy(task, p);
}

static volatile sig_atomic_t mt_sigs;

static void mt_on_signal(int sig)
{
	(void)sig;
	mt_sigs++;
}

struct mt_kicker {
	pthread_t target;
	mach_port_t port;	/* send after the signal, if not NULL */
	int delay_ms;
};

static void *mt_kick_thread(void *arg)
{
	struct mt_kicker *k = arg;

	usleep(k->delay_ms * 1000);
	pthread_kill(k->target, SIGUSR1);
	usleep(k->delay_ms * 1000);
	if (k->port)
		mt_send(k->port, MACH_MSG_TYPE_COPY_SEND, 3, 3, 0, 0);
	return NULL;
}

TEST(signals)
{
	struct sigaction sa = { .sa_handler = mt_on_signal };
	mach_port_t p = mt_port_send();
	struct mt_kicker k = { .target = pthread_self(), .delay_ms = 100 };
	mach_port_limits_t lim = { .mpl_qlimit = 1 };
	mt_simple_rcv_t r;
	pthread_t th;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: the kernel reports EINTR */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	/* MACH_RCV_INTERRUPT: the receive returns. */
	mt_sigs = 0;
	ASSERT_EQ(0, pthread_create(&th, NULL, mt_kick_thread, &k));
	EXPECT_EQ(MACH_RCV_INTERRUPTED, mt_recv(p, &r, MACH_RCV_INTERRUPT, 0));
	pthread_join(th, NULL);
	EXPECT_EQ(1, mt_sigs);

	/* Without it, the receive goes on and gets the message. */
	k.port = p;
	ASSERT_EQ(0, pthread_create(&th, NULL, mt_kick_thread, &k));
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, 0, 0));
	EXPECT_EQ(3, r.header.msgh_id);
	pthread_join(th, NULL);
	EXPECT_EQ(2, mt_sigs);

	/* A blocked send with MACH_SEND_INTERRUPT. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(mach_task_self(), p, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0));
	k.port = MACH_PORT_NULL;
	ASSERT_EQ(0, pthread_create(&th, NULL, mt_kick_thread, &k));
	EXPECT_EQ(MACH_SEND_INTERRUPTED, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 2, 2,
						 MACH_SEND_INTERRUPT, 0));
	pthread_join(th, NULL);
	EXPECT_EQ(1, mt_status(p).mps_msgcount);
	/* The timeout holds across an interruption that is retried. */
	ASSERT_EQ(0, pthread_create(&th, NULL, mt_kick_thread, &k));
	EXPECT_EQ(MACH_SEND_TIMED_OUT, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 2, 2,
					       MACH_SEND_TIMEOUT, 300));
	pthread_join(th, NULL);
	EXPECT_EQ(1, mt_status(p).mps_msgcount);
	signal(SIGUSR1, SIG_DFL);
	mach_port_destroy(mach_task_self(), p);
}

static void *mt_destroy_later(void *arg)
{
	usleep(100 * 1000);
	mach_port_destroy(mach_task_self(), *(mach_port_t *)arg);
	return NULL;
}

TEST(port_died_while_receiving)
{
	mach_port_t p = mt_port();
	mt_simple_rcv_t r;
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, mt_destroy_later, &p));
	EXPECT_EQ(MACH_RCV_PORT_DIED, mt_recv(p, &r, MACH_RCV_TIMEOUT, 5000));
	pthread_join(th, NULL);
}

/* A MIG-style demux: id 700 doubles its argument. */
static boolean_t mt_demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	mt_simple_t *req = (void *)in;
	mig_reply_error_t *rep = (void *)out;

	out->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
	out->msgh_remote_port = in->msgh_remote_port;
	out->msgh_local_port = MACH_PORT_NULL;
	out->msgh_id = in->msgh_id + 100;
	out->msgh_size = sizeof(*rep);
	rep->NDR = NDR_record;
	if (in->msgh_id != 700) {
		rep->RetCode = MIG_BAD_ID;
		return FALSE;
	}
	rep->RetCode = (kern_return_t)(req->seq * 2);
	return TRUE;
}

static void *mt_server_thread(void *arg)
{
	mach_port_t p = *(mach_port_t *)arg;

	return (void *)(intptr_t)mach_msg_server_once(mt_demux, 256, p, 0);
}

TEST(msg_server_once)
{
	mach_port_t p = mt_port_send(), reply = mach_reply_port();
	union {
		mt_simple_t req;
		struct {
			mig_reply_error_t rep;
			mach_msg_max_trailer_t trailer;
		} r;
	} m;
	pthread_t th;
	void *ret;

	ASSERT_NE(MACH_PORT_NULL, reply);
	ASSERT_EQ(0, pthread_create(&th, NULL, mt_server_thread, &p));
	memset(&m, 0, sizeof(m));
	m.req.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
						MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.req.header.msgh_size = sizeof(m.req);
	m.req.header.msgh_remote_port = p;
	m.req.header.msgh_local_port = reply;
	m.req.header.msgh_id = 700;
	m.req.seq = 21;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.req.header, MACH_SEND_MSG | MACH_RCV_MSG,
					     sizeof(m.req), sizeof(m.r), reply, 0, 0));
	EXPECT_EQ(800, m.r.rep.Head.msgh_id);
	EXPECT_EQ(42, m.r.rep.RetCode);
	pthread_join(th, &ret);
	EXPECT_EQ(MACH_MSG_SUCCESS, (mach_msg_return_t)(intptr_t)ret);
	mach_port_destroy(mach_task_self(), reply);
	mach_port_destroy(mach_task_self(), p);
}

/*
 * A request larger than max_size is MACH_RCV_TOO_LARGE for the server and
 * destroyed (its reply right with it: a send-once notification).
 */
TEST(msg_server_once_too_large)
{
	mach_port_t p = mt_port_send(), reply = mt_port();
	struct {
		mach_msg_header_t header;
		char data[100];
	} big;
	mt_simple_rcv_t n;

	memset(&big, 0, sizeof(big));
	big.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE);
	big.header.msgh_size = sizeof(big);
	big.header.msgh_remote_port = p;
	big.header.msgh_local_port = reply;
	big.header.msgh_id = 700;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&big.header, MACH_SEND_MSG, sizeof(big),
					     0, 0, 0, 0));
	EXPECT_EQ(MACH_RCV_TOO_LARGE, mach_msg_server_once(mt_demux, 64, p, 0));
	EXPECT_EQ(0, mt_status(p).mps_msgcount);
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_recv(reply, &n, MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.header.msgh_id);
	/* with MACH_RCV_LARGE the same request is served */
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&big.header, MACH_SEND_MSG, sizeof(big),
					     0, 0, 0, 0));
	EXPECT_EQ(MACH_MSG_SUCCESS, mach_msg_server_once(mt_demux, 64, p, MACH_RCV_LARGE));
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_recv(reply, &n, MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(800, n.header.msgh_id);
	/* a voucher is a name like any: null is released as nothing */
	EXPECT_EQ(KERN_SUCCESS, mach_voucher_deallocate(MACH_PORT_NULL));
	mach_port_destroy(mach_task_self(), reply);
	mach_port_destroy(mach_task_self(), p);
}

TEST(fork_child_talks_to_parent_through_inherited_nothing)
{
	mach_port_t p = mt_port_send();
	mt_simple_rcv_t r;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The parent's rights are not the child's (a new task). */
		_exit(mt_send(p, MACH_MSG_TYPE_COPY_SEND, 1, 1, 0, 0) ==
		      MACH_SEND_INVALID_DEST ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_recv(p, &r, MACH_RCV_TIMEOUT, 0));
	mach_port_destroy(mach_task_self(), p);
}

TEST_HARNESS_MAIN
