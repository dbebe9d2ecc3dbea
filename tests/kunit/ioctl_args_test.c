// SPDX-License-Identifier: GPL-2.0
/*
 * Table-driven tests of the ioctl argument validators: every reserved
 * field, flag mask and enumerated value, accepted and refused.
 */

#include <kunit/test.h>

#include "suites.h"

#include <linux/machipc.h>

#include "ioctl.h"

struct mod_refs_case {
	const char *desc;
	struct machipc_port_mod_refs arg;
	int err;
};

static const struct mod_refs_case mod_refs_cases[] = {
	{ "send", { .name = 1, .right = MACHIPC_RIGHT_SEND, .delta = 3 }, 0 },
	{ "receive", { .name = 1, .right = MACHIPC_RIGHT_RECEIVE, .delta = -1 }, 0 },
	{ "dead name", { .name = 1, .right = MACHIPC_RIGHT_DEAD_NAME }, 0 },
	{ "port set", { .name = 1, .right = MACHIPC_RIGHT_PORT_SET }, 0 },
	{ "send-once", { .name = 1, .right = MACHIPC_RIGHT_SEND_ONCE }, 0 },
	{ "no right", { .name = 1, .right = 0 }, -EINVAL },
	{ "two rights", { .name = 1, .right = MACHIPC_RIGHT_SEND |
				MACHIPC_RIGHT_RECEIVE }, -EINVAL },
	{ "unknown right", { .name = 1, .right = MACHIPC_RIGHT_LAST << 1 }, -EINVAL },
	{ "high bit", { .name = 1, .right = 1U << 31 }, -EINVAL },
	{ "reserved", { .name = 1, .right = MACHIPC_RIGHT_SEND, .reserved = 1 }, -EINVAL },
};

static void mod_refs_desc(const struct mod_refs_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mod_refs, mod_refs_cases, mod_refs_desc);

static void machipc_check_mod_refs_test(struct kunit *test)
{
	const struct mod_refs_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, machipc_check_mod_refs(&c->arg), c->err);
}

struct msg_args_case {
	const char *desc;
	struct machipc_msg_args arg;
	int err;
};

static const struct msg_args_case msg_args_cases[] = {
	{ "send", { .flags = MACHIPC_MSG_SEND, .send_msg = 8, .send_size = 32 }, 0 },
	{ "receive", { .flags = MACHIPC_MSG_RECEIVE, .rcv_name = 1,
		       .rcv_buf = 8, .rcv_size = 64 }, 0 },
	{ "rpc with deadlines", { .flags = MACHIPC_MSG_SEND | MACHIPC_MSG_RECEIVE |
				  MACHIPC_MSG_SEND_TIMEOUT | MACHIPC_MSG_RCV_TIMEOUT,
				  .send_msg = 8, .send_size = 32, .rcv_name = 1,
				  .rcv_buf = 8, .rcv_size = 64 }, 0 },
	{ "neither part", { .flags = 0 }, -EINVAL },
	{ "timeouts only", { .flags = MACHIPC_MSG_SEND_TIMEOUT |
			     MACHIPC_MSG_RCV_TIMEOUT }, -EINVAL },
	{ "unknown flag", { .flags = MACHIPC_MSG_SEND | (MACHIPC_MSG_LAST << 1) }, -EINVAL },
	/* blame is an output (ABI 3): whatever it holds on input is ignored */
	{ "stale blame", { .flags = MACHIPC_MSG_SEND, .send_msg = 8, .send_size = 32,
			   .blame = MACHIPC_BLAME_DESC(7) }, 0 },
	{ "rcv_ool without receive", { .flags = MACHIPC_MSG_SEND, .rcv_ool = 8 }, -EINVAL },
	{ "rcv_ool_count without receive",
		{ .flags = MACHIPC_MSG_SEND, .rcv_ool_count = 1 }, -EINVAL },
	{ "rcv_ool_count too big", { .flags = MACHIPC_MSG_RECEIVE, .rcv_name = 1,
		.rcv_ool_count = MACHIPC_OOL_MAX + 1 }, -EINVAL },
	{ "receive fields on send", { .flags = MACHIPC_MSG_SEND, .rcv_name = 1 }, -EINVAL },
	{ "send fields on receive", { .flags = MACHIPC_MSG_RECEIVE, .send_size = 32 }, -EINVAL },
	{ "send timeout on receive", { .flags = MACHIPC_MSG_RECEIVE |
				       MACHIPC_MSG_SEND_TIMEOUT }, -EINVAL },
	{ "receive timeout on send", { .flags = MACHIPC_MSG_SEND |
				       MACHIPC_MSG_RCV_TIMEOUT }, -EINVAL },
	{ "take files on send", { .flags = MACHIPC_MSG_SEND |
				  MACHIPC_MSG_RCV_FILES }, -EINVAL },
	{ "take files", { .flags = MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_FILES,
			  .rcv_name = 1, .rcv_buf = 8, .rcv_size = 64 }, 0 },
	{ "destroy large on receive", { .flags = MACHIPC_MSG_RECEIVE |
					MACHIPC_MSG_RCV_DESTROY_LARGE,
					.rcv_name = 1, .rcv_buf = 8,
					.rcv_size = 64 }, 0 },
	{ "destroy large on send", { .flags = MACHIPC_MSG_SEND |
				     MACHIPC_MSG_RCV_DESTROY_LARGE }, -EINVAL },
};

static void msg_args_desc(const struct msg_args_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(msg_args, msg_args_cases, msg_args_desc);

static void machipc_check_msg_test(struct kunit *test)
{
	const struct msg_args_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, machipc_check_msg(&c->arg), c->err);
}

static void machipc_check_small_args_test(struct kunit *test)
{
	struct machipc_port_alloc alloc = {};
	struct machipc_port_insert ins = {};
	struct machipc_port_attr attr = {};
	struct machipc_bootstrap bs = {};
	struct machipc_port_name pn = {};
	struct machipc_name_info ni = {};
	struct machipc_port_names pns = {};
	u32 right;

	for (right = 0; right <= MACHIPC_RIGHT_LAST << 1; right++) {
		alloc.right = right;
		KUNIT_EXPECT_EQ_MSG(test, machipc_check_port_alloc(&alloc),
				    (right == MACHIPC_RIGHT_RECEIVE ||
				     right == MACHIPC_RIGHT_PORT_SET ||
				     right == MACHIPC_RIGHT_DEAD_NAME) ?
				    0 : -EINVAL, "right %#x", right);
	}

	KUNIT_EXPECT_EQ(test, machipc_check_port_name(&pn), 0);
	pn.reserved = 1;
	KUNIT_EXPECT_EQ(test, machipc_check_port_name(&pn), -EINVAL);

	/* NAME_INFO: the id's fields are out only, reserved is zero (ABI 4) */
	ni.name = 0x103;
	KUNIT_EXPECT_EQ(test, machipc_check_name_info(&ni), 0);
	ni.port_id_low = 1;
	KUNIT_EXPECT_EQ(test, machipc_check_name_info(&ni), -EINVAL);
	ni.port_id_low = 0;
	ni.port_id = 1ULL << 32;
	KUNIT_EXPECT_EQ(test, machipc_check_name_info(&ni), -EINVAL);
	ni.port_id = 0;
	ni.reserved = 1;
	KUNIT_EXPECT_EQ(test, machipc_check_name_info(&ni), -EINVAL);
	ni.reserved = 0;
	ni.flags = MACHIPC_NAME_DNREQUEST;	/* out only (ABI 6) */
	KUNIT_EXPECT_EQ(test, machipc_check_name_info(&ni), -EINVAL);
	ni.flags = 0;
	KUNIT_EXPECT_EQ(test, machipc_check_names(&pns), 0);
	pns.reserved = 1ULL << 63;
	KUNIT_EXPECT_EQ(test, machipc_check_names(&pns), -EINVAL);

	for (ins.disposition = 0; ins.disposition <= MACHIPC_DISP_LAST + 1;
	     ins.disposition++)
		KUNIT_EXPECT_EQ_MSG(test, machipc_check_insert(&ins),
				    (ins.disposition == MACHIPC_DISP_MAKE_SEND ||
				     ins.disposition == MACHIPC_DISP_MAKE_SEND_ONCE) ?
				    0 : -EINVAL, "disposition %u", ins.disposition);
	ins.disposition = MACHIPC_DISP_MAKE_SEND;
	ins.flags = MACHIPC_INSERT_LAST << 1;
	KUNIT_EXPECT_EQ(test, machipc_check_insert(&ins), -EINVAL);
	/* A chosen name is neither NULL nor DEAD. */
	ins.flags = MACHIPC_INSERT_NAME;
	ins.new_name = MACHIPC_NAME_NULL;
	KUNIT_EXPECT_EQ(test, machipc_check_insert(&ins), -EINVAL);
	ins.new_name = MACHIPC_NAME_DEAD;
	KUNIT_EXPECT_EQ(test, machipc_check_insert(&ins), -EINVAL);
	ins.new_name = 0x1234;
	KUNIT_EXPECT_EQ(test, machipc_check_insert(&ins), 0);
	ins.flags = 0;
	ins.new_name = 0;

	alloc.right = MACHIPC_RIGHT_RECEIVE;
	alloc.name = MACHIPC_NAME_NULL;
	KUNIT_EXPECT_EQ(test, machipc_check_port_alloc_name(&alloc), -EINVAL);
	alloc.name = MACHIPC_NAME_DEAD;
	KUNIT_EXPECT_EQ(test, machipc_check_port_alloc_name(&alloc), -EINVAL);
	alloc.name = 7;
	KUNIT_EXPECT_EQ(test, machipc_check_port_alloc_name(&alloc), 0);
	alloc.right = MACHIPC_RIGHT_SEND;
	KUNIT_EXPECT_EQ(test, machipc_check_port_alloc_name(&alloc), -EINVAL);

	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, false), 0);
	attr.flags = MACHIPC_ATTR_QLIMIT;
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, false), -EINVAL);
	attr.qlimit = 0;
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, true), -EINVAL);
	attr.qlimit = 1;
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, true), 0);
	attr.qlimit = MACHIPC_QLIMIT_MAX;
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, true), 0);
	attr.qlimit = MACHIPC_QLIMIT_MAX + 1;
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, true), -EINVAL);
	attr.qlimit = 1;
	attr.flags = MACHIPC_ATTR_LAST << 1;
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, true), -EINVAL);
	attr.flags = 0;
	attr.reserved = 1;
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, true), -EINVAL);
	attr.reserved = 0;
	/* ABI 6: the make-send count and sequence number may be set */
	attr.flags = MACHIPC_ATTR_MSCOUNT | MACHIPC_ATTR_SEQNO;
	attr.mscount = ~0u;
	attr.seqno = ~0ull;
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, true), 0);
	attr.flags = 0;
	attr.requests = MACHIPC_ATTR_REQ_NO_SENDERS;	/* out only: ignored */
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, false), 0);
	KUNIT_EXPECT_EQ(test, machipc_check_attr(&attr, true), 0);
	attr.requests = 0;

	bs.disposition = MACHIPC_DISP_COPY_SEND;
	KUNIT_EXPECT_EQ(test, machipc_check_bootstrap(&bs, true), 0);
	bs.disposition = MACHIPC_DISP_MAKE_SEND_ONCE;
	KUNIT_EXPECT_EQ(test, machipc_check_bootstrap(&bs, true), -EINVAL);
	bs.disposition = MACHIPC_DISP_MAKE_SEND;
	bs.flags = MACHIPC_BOOTSTRAP_LAST << 1;
	KUNIT_EXPECT_EQ(test, machipc_check_bootstrap(&bs, true), -EINVAL);
	bs.flags = 0;
	KUNIT_EXPECT_EQ(test, machipc_check_bootstrap(&bs, false), -EINVAL);
	bs.disposition = 0;
	KUNIT_EXPECT_EQ(test, machipc_check_bootstrap(&bs, false), 0);
}

struct notify_case {
	const char *desc;
	struct machipc_notify_request arg;
	int err;
};

static const struct notify_case notify_cases[] = {
	{ "no-senders", { .name = 1, .kind = MACHIPC_NOTIFY_NO_SENDERS, .notify = 2,
			  .disposition = MACHIPC_DISP_MAKE_SEND_ONCE, .sync = 3 }, 0 },
	{ "dead-name", { .name = 1, .kind = MACHIPC_NOTIFY_DEAD_NAME, .notify = 2,
			 .disposition = MACHIPC_DISP_MOVE_SEND_ONCE }, 0 },
	{ "port-destroyed", { .name = 1, .kind = MACHIPC_NOTIFY_PORT_DESTROYED,
			      .notify = 2,
			      .disposition = MACHIPC_DISP_MAKE_SEND_ONCE }, 0 },
	{ "cancel", { .name = 1, .kind = MACHIPC_NOTIFY_DEAD_NAME }, 0 },
	{ "send-once not requestable", { .name = 1, .kind = MACHIPC_NOTIFY_SEND_ONCE,
					 .notify = 2,
					 .disposition = MACHIPC_DISP_MAKE_SEND_ONCE },
	  -EINVAL },
	{ "port-deleted not requestable",
	  { .name = 1, .kind = MACHIPC_NOTIFY_PORT_DELETED, .notify = 2,
	    .disposition = MACHIPC_DISP_MAKE_SEND_ONCE }, -EINVAL },
	{ "kind 0", { .name = 1, .notify = 2,
		      .disposition = MACHIPC_DISP_MAKE_SEND_ONCE }, -EINVAL },
	{ "unknown kind", { .name = 1, .kind = MACHIPC_NOTIFY_LAST + 1, .notify = 2,
			    .disposition = MACHIPC_DISP_MAKE_SEND_ONCE }, -EINVAL },
	{ "sync on dead-name", { .name = 1, .kind = MACHIPC_NOTIFY_DEAD_NAME,
				 .notify = 2, .sync = 1,
				 .disposition = MACHIPC_DISP_MAKE_SEND_ONCE }, -EINVAL },
	{ "disposition on cancel", { .name = 1, .kind = MACHIPC_NOTIFY_DEAD_NAME,
				     .disposition = MACHIPC_DISP_MAKE_SEND_ONCE },
	  -EINVAL },
	{ "send disposition", { .name = 1, .kind = MACHIPC_NOTIFY_NO_SENDERS,
				.notify = 2, .disposition = MACHIPC_DISP_MAKE_SEND },
	  -EINVAL },
	{ "no disposition", { .name = 1, .kind = MACHIPC_NOTIFY_NO_SENDERS,
			      .notify = 2 }, -EINVAL },
	{ "reserved", { .name = 1, .kind = MACHIPC_NOTIFY_NO_SENDERS, .notify = 2,
			.disposition = MACHIPC_DISP_MAKE_SEND_ONCE, .reserved = 1 },
	  -EINVAL },
	{ "dead-name with its reference", { .name = 1, .kind = MACHIPC_NOTIFY_DEAD_NAME,
					    .notify = 2,
					    .disposition = MACHIPC_DISP_MAKE_SEND_ONCE,
					    .flags = MACHIPC_NOTIFY_DEAD_NAME_UREF }, 0 },
	{ "reference on no-senders", { .name = 1, .kind = MACHIPC_NOTIFY_NO_SENDERS,
				       .notify = 2,
				       .disposition = MACHIPC_DISP_MAKE_SEND_ONCE,
				       .flags = MACHIPC_NOTIFY_DEAD_NAME_UREF },
	  -EINVAL },
	{ "reference on a cancel", { .name = 1, .kind = MACHIPC_NOTIFY_DEAD_NAME,
				     .flags = MACHIPC_NOTIFY_DEAD_NAME_UREF },
	  -EINVAL },
	{ "unknown flag", { .name = 1, .kind = MACHIPC_NOTIFY_DEAD_NAME, .notify = 2,
			    .disposition = MACHIPC_DISP_MAKE_SEND_ONCE,
			    .flags = MACHIPC_NOTIFY_DEAD_NAME_UREF << 1 }, -EINVAL },
};

static void notify_desc(const struct notify_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(notify, notify_cases, notify_desc);

static void machipc_check_notify_test(struct kunit *test)
{
	const struct notify_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, machipc_check_notify(&c->arg), c->err);
}

/* MACHIPC_IOC_POLL_FD: flags, the out field and the reserved word. */
static void machipc_check_poll_fd_test(struct kunit *test)
{
	struct machipc_poll_fd a = { .name = 1 };

	KUNIT_EXPECT_EQ(test, machipc_check_poll_fd(&a), 0);
	a.flags = MACHIPC_POLL_FD_INHERIT;
	KUNIT_EXPECT_EQ(test, machipc_check_poll_fd(&a), 0);
	a.flags = MACHIPC_POLL_FD_LAST << 1;
	KUNIT_EXPECT_EQ(test, machipc_check_poll_fd(&a), -EINVAL);
	a.flags = 0;
	a.fd = -1;
	KUNIT_EXPECT_EQ(test, machipc_check_poll_fd(&a), -EINVAL);
	a.fd = 0;
	a.reserved = 1;
	KUNIT_EXPECT_EQ(test, machipc_check_poll_fd(&a), -EINVAL);
}

static struct kunit_case machipc_ioctl_args_cases[] = {
	KUNIT_CASE_PARAM(machipc_check_notify_test, notify_gen_params),
	KUNIT_CASE_PARAM(machipc_check_mod_refs_test, mod_refs_gen_params),
	KUNIT_CASE_PARAM(machipc_check_msg_test, msg_args_gen_params),
	KUNIT_CASE(machipc_check_small_args_test),
	KUNIT_CASE(machipc_check_poll_fd_test),
	{}
};

struct kunit_suite machipc_ioctl_args_suite = {
	.name = "machipc_ioctl_args",
	.test_cases = machipc_ioctl_args_cases,
};
