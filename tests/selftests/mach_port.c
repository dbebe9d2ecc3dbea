// SPDX-License-Identifier: GPL-2.0
/*
 * mach_port: the port calls of the Mach API (libmach on machipc), written
 * against <mach/mach.h> only: allocate, destroy, deallocate, mod_refs,
 * get_refs, type, names, insert_right, extract_right, port sets,
 * attributes, construct/destruct, contexts, and every error code XNU
 * returns for them; task_info, vm_allocate, mach_error_string.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "mach_test.h"

#include <bsm/libbsm.h>

TEST(allocate_and_types)
{
	mach_port_t task = mach_task_self(), r, s, d, x;
	mach_msg_type_number_t before = mt_name_count();

	ASSERT_TRUE(MACH_PORT_VALID(task));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &r));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &d));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(r));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, mt_type(s));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(d));
	EXPECT_EQ(1, mt_refs(r, MACH_PORT_RIGHT_RECEIVE));
	EXPECT_EQ(0, mt_refs(r, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, mt_refs(d, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(before + 3, mt_name_count());

	/* Rights that cannot be allocated. */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate(task, MACH_PORT_RIGHT_SEND, &x));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate(task, MACH_PORT_RIGHT_SEND_ONCE, &x));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate(task, MACH_PORT_RIGHT_NUMBER, &x));
	/* Not a task. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_port_allocate(MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE, &x));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_port_allocate(r, MACH_PORT_RIGHT_RECEIVE, &x));

	/* mach_port_type of the reserved names and of the task. */
	{
		mach_port_type_t t;

		EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(task, MACH_PORT_NULL, &t));
		EXPECT_EQ(KERN_SUCCESS, mach_port_type(task, MACH_PORT_DEAD, &t));
		EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, t);
		EXPECT_EQ(KERN_SUCCESS, mach_port_type(task, task, &t));
		EXPECT_EQ(MACH_PORT_TYPE_SEND, t);
	}

	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, r));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, s));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, d));
	EXPECT_EQ(before, mt_name_count());
	/* Stale names are invalid names; NULL and DEAD are no-ops. */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destroy(task, r));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(task, d));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, MACH_PORT_NULL));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, MACH_PORT_DEAD));
	/* The task's own name survives a deallocate. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, task));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, mt_type(task));
}

TEST(allocate_name)
{
	mach_port_t task = mach_task_self(), r = mt_port(), so, n = 0x7ffff00;
	mt_simple_rcv_t m;

	ASSERT_NE(MACH_PORT_NULL, r);
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_name(task, MACH_PORT_RIGHT_SEND, 0x1234));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_NULL));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_DEAD));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, r));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, task));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, n));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(n));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_allocate_name(task, MACH_PORT_RIGHT_PORT_SET, n));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(task, n, n, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(n, MACH_MSG_TYPE_COPY_SEND, 41, 41, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(n, &m, MACH_RCV_TIMEOUT, 1000));
	EXPECT_EQ(41, m.header.msgh_id);
	EXPECT_EQ(n, m.header.msgh_local_port);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_name(task, MACH_PORT_RIGHT_PORT_SET, 0x7ffff10));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, mt_type(0x7ffff10));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_name(task, MACH_PORT_RIGHT_DEAD_NAME, 0x7ffff20));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(0x7ffff20));
	EXPECT_EQ(1, mt_refs(0x7ffff20, MACH_PORT_RIGHT_DEAD_NAME));

	/* A new send-once right under a chosen name. */
	so = 0x7ffff30;
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(task, so, n, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(so));
	EXPECT_EQ(1, mt_status(n).mps_sorights);
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_insert_right(task, so, n, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_insert_right(task, r, n, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(KERN_RIGHT_EXISTS, mach_port_insert_right(task, 0x7ffff40, n, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 42, 42, 0, 0));
	EXPECT_EQ((mach_port_type_t)-1, mt_type(so));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(n, &m, MACH_RCV_TIMEOUT, 1000));
	EXPECT_EQ(42, m.header.msgh_id);

	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, n));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, 0x7ffff10));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, 0x7ffff20));
	/* The name is free again. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, n));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, n));
	mach_port_destroy(task, r);
}

TEST(mod_refs_codes)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), s, d;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &d));

	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 4));
	EXPECT_EQ(5, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, -4));
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));
	/* Below zero: invalid value; the count is unchanged. */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, -2));
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));
	/* A delta past MACH_PORT_UREFS_MAX either way: invalid value. */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 0x7fffffff));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 0x10000));
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));
	/* A right the name does not hold. */
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND_ONCE, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_PORT_SET, 0));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, s, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_SEND, -1));
	/* Receive and port-set rights: only 0 and -1. */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_RECEIVE, 1));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, s, MACH_PORT_RIGHT_PORT_SET, -2));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_RECEIVE, 0));
	/* Bad right number, bad names. */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_NUMBER, 1));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_mod_refs(task, 0x7ffff00, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, MACH_PORT_NULL, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_mod_refs(task, MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE, -1));
	/* Dead names count references too. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_DEAD_NAME, 2));
	EXPECT_EQ(3, mt_refs(d, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_DEAD_NAME, -3));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_DEAD_NAME, -1));
	/* The receive right goes: the name keeps the send right. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(p));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, p));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, s, MACH_PORT_RIGHT_PORT_SET, -1));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_mod_refs(task, s, MACH_PORT_RIGHT_PORT_SET, -1));
	/* deallocate of a receive-only name */
	p = mt_port();
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_deallocate(task, p));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(p));
	mach_port_destroy(task, p);
}

TEST(insert_and_extract_right)
{
	mach_port_t task = mach_task_self(), p = mt_port(), so, x;
	mach_msg_type_name_t t;

	ASSERT_NE(MACH_PORT_NULL, p);
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_insert_right(task, p, p, MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(KERN_SUCCESS, mach_port_insert_right(task, p, p, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(p));
	EXPECT_EQ(KERN_SUCCESS, mach_port_insert_right(task, p, p, MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(2, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, mach_port_insert_right(task, p, p, MACH_MSG_TYPE_MOVE_SEND));
	EXPECT_EQ(2, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_insert_right(task, p, p, 0));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_insert_right(task, p, p, MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_insert_right(task, 0x7ffff00, 0x7ffff00, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_insert_right(task, MACH_PORT_NULL, MACH_PORT_NULL, MACH_MSG_TYPE_MAKE_SEND));
	/* A right under another name: the port already has one. */
	EXPECT_EQ(KERN_RIGHT_EXISTS, mach_port_insert_right(task, 0x7ffff00, p, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(2, mt_refs(p, MACH_PORT_RIGHT_SEND));

	/* extract_right: make a send-once right, a new name. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_extract_right(task, p, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so, &t));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, t);
	EXPECT_NE(p, so);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(so));
	EXPECT_EQ(1, mt_status(p).mps_sorights);
	EXPECT_EQ(KERN_SUCCESS, mach_port_extract_right(task, p, MACH_MSG_TYPE_COPY_SEND, &x, &t));
	EXPECT_EQ(p, x);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, t);
	EXPECT_EQ(3, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_extract_right(task, so, MACH_MSG_TYPE_COPY_SEND, &x, &t));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_extract_right(task, p, 3, &x, &t));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_extract_right(task, 0x7ffff00, MACH_MSG_TYPE_COPY_SEND, &x, &t));

	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, so));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, p));
}

TEST(port_sets)
{
	mach_port_t task = mach_task_self(), a = mt_port(), b = mt_port(), s, s2;
	mach_port_name_array_t members;
	mach_msg_type_number_t n;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s2));
	EXPECT_EQ(KERN_SUCCESS, mach_port_insert_member(task, a, s));
	EXPECT_EQ(KERN_SUCCESS, mach_port_move_member(task, b, s));
	EXPECT_EQ(KERN_ALREADY_IN_SET, mach_port_insert_member(task, a, s));
	EXPECT_EQ(1, mt_status(a).mps_pset);

	ASSERT_EQ(KERN_SUCCESS, mach_port_get_set_status(task, s, &members, &n));
	ASSERT_EQ(2, n);
	EXPECT_TRUE((members[0] == a && members[1] == b) ||
		    (members[0] == b && members[1] == a));
	vm_deallocate(task, (vm_address_t)members, n * sizeof(*members));

	/* Errors. */
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_insert_member(task, s2, s));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_insert_member(task, a, b));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_insert_member(task, 0x7ffff00, s));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_insert_member(task, a, 0x7ffff00));
	EXPECT_EQ(KERN_NOT_IN_SET, mach_port_extract_member(task, a, s2));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_get_set_status(task, a, &members, &n));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_set_status(task, 0x7ffff00, &members, &n));

	/* move_member between sets, extract, and out of no set. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_move_member(task, a, s2));
	EXPECT_EQ(KERN_SUCCESS, mach_port_extract_member(task, b, s));
	EXPECT_EQ(KERN_NOT_IN_SET, mach_port_move_member(task, b, MACH_PORT_NULL));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_set_status(task, s, &members, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_set_status(task, s2, &members, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(a, members[0]);
	vm_deallocate(task, (vm_address_t)members, n * sizeof(*members));

	mach_port_destroy(task, s2);
	EXPECT_EQ(0, mt_status(a).mps_pset);
	mach_port_destroy(task, s);
	mach_port_destroy(task, a);
	mach_port_destroy(task, b);
}

TEST(attributes)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), s;
	mach_port_limits_t lim;
	mach_port_status_t st;
	mach_msg_type_number_t n;
	mt_simple_rcv_t r;
	int i;

	ASSERT_NE(MACH_PORT_NULL, p);
	n = MACH_PORT_LIMITS_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, p, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, &n));
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, lim.mpl_qlimit);
	EXPECT_EQ(MACH_PORT_LIMITS_INFO_COUNT, n);

	lim.mpl_qlimit = 2;
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, p, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, MACH_PORT_LIMITS_INFO_COUNT));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 1, i, 0, 0));
	/* The queue is full: a send that may not block times out. */
	EXPECT_EQ(MACH_SEND_TIMED_OUT, mt_send(p, MACH_MSG_TYPE_COPY_SEND, 1, 2,
					       MACH_SEND_TIMEOUT, 0));
	st = mt_status(p);
	EXPECT_EQ(2, st.mps_qlimit);
	EXPECT_EQ(2, st.mps_msgcount);
	EXPECT_EQ(1, st.mps_mscount);
	EXPECT_EQ(TRUE, st.mps_srights);
	EXPECT_EQ(0, st.mps_pset);
	EXPECT_EQ(0, st.mps_seqno);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, 0, 0));
	EXPECT_EQ(1, mt_status(p).mps_seqno);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, 0, 0));

	/* Errors. */
	lim.mpl_qlimit = MACH_PORT_QLIMIT_MAX + 1;
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_set_attributes(task, p, MACH_PORT_LIMITS_INFO,
							       (mach_port_info_t)&lim, 1));
	lim.mpl_qlimit = 3;
	EXPECT_EQ(KERN_FAILURE, mach_port_set_attributes(task, p, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, 0));
	n = MACH_PORT_RECEIVE_STATUS_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE, mach_port_get_attributes(task, p, MACH_PORT_RECEIVE_STATUS,
							 (mach_port_info_t)&st, &n));
	n = MACH_PORT_RECEIVE_STATUS_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_get_attributes(task, p, 999,
								  (mach_port_info_t)&st, &n));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_get_attributes(task, MACH_PORT_NULL, MACH_PORT_RECEIVE_STATUS,
							       (mach_port_info_t)&st, &n));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_attributes(task, 0x7ffff00, MACH_PORT_RECEIVE_STATUS,
							      (mach_port_info_t)&st, &n));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_get_attributes(task, s, MACH_PORT_RECEIVE_STATUS,
							       (mach_port_info_t)&st, &n));
	mach_port_destroy(task, s);
	mach_port_destroy(task, p);
}

TEST(construct_destruct_context)
{
	mach_port_t task = mach_task_self(), p;
	mach_port_options_t opts;
	mach_port_context_t ctx = 0;

	memset(&opts, 0, sizeof(opts));
	opts.flags = MPO_QLIMIT | MPO_INSERT_SEND_RIGHT;
	opts.mpl.mpl_qlimit = 7;
	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(task, &opts, 0xfeed, &p));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(p));
	EXPECT_EQ(7, mt_status(p).mps_qlimit);
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(task, p, &ctx));
	EXPECT_EQ(0xfeed, ctx);
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_context(task, p, 0xbeef));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(task, p, &ctx));
	EXPECT_EQ(0xbeef, ctx);
	/* No guard: the context is not one, and the status says so. */
	EXPECT_EQ(0, mt_status(p).mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
	/* More send references than the name holds. */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_destruct(task, p, -2, 0xbeef));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(p));
	/* Unguarded: whatever guard is passed, the port goes. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(task, p, -1, 0x1));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_context(task, p, &ctx));

	opts.flags = MPO_QLIMIT;
	opts.mpl.mpl_qlimit = MACH_PORT_QLIMIT_MAX + 1;
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_construct(task, &opts, 0, &p));
	opts.flags = MPO_SERVICE_PORT;
	EXPECT_EQ(KERN_NOT_SUPPORTED, mach_port_construct(task, &opts, 0, &p));
}

TEST(names_lists_everything)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), so;
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t n, nt, i;
	mach_msg_type_name_t t;
	int seen_p = 0, seen_so = 0, seen_task = 0;

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, p, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so, &t));
	ASSERT_EQ(KERN_SUCCESS, mach_port_names(task, &names, &n, &types, &nt));
	ASSERT_EQ(n, nt);
	for (i = 0; i < n; i++) {
		if (names[i] == p) {
			seen_p++;
			EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, types[i]);
		} else if (names[i] == so) {
			seen_so++;
			EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, types[i]);
		} else if (names[i] == task) {
			seen_task++;
			EXPECT_EQ(MACH_PORT_TYPE_SEND, types[i]);
		}
	}
	EXPECT_EQ(1, seen_p);
	EXPECT_EQ(1, seen_so);
	EXPECT_EQ(1, seen_task);
	vm_deallocate(task, (vm_address_t)names, n * sizeof(*names));
	vm_deallocate(task, (vm_address_t)types, nt * sizeof(*types));
	mach_port_deallocate(task, so);
	mach_port_destroy(task, p);
}

TEST(task_info_tokens)
{
	audit_token_t tok;
	security_token_t sec;
	mach_msg_type_number_t n = TASK_AUDIT_TOKEN_COUNT;

	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_AUDIT_TOKEN,
					  (task_info_t)&tok, &n));
	EXPECT_EQ(TASK_AUDIT_TOKEN_COUNT, n);
	EXPECT_EQ(getpid(), audit_token_to_pid(tok));
	EXPECT_EQ(geteuid(), audit_token_to_euid(tok));
	EXPECT_EQ(getegid(), audit_token_to_egid(tok));
	n = TASK_SECURITY_TOKEN_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_SECURITY_TOKEN,
					  (task_info_t)&sec, &n));
	EXPECT_EQ(geteuid(), sec.val[0]);
	EXPECT_EQ(getegid(), sec.val[1]);
	n = 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(mach_task_self(), TASK_AUDIT_TOKEN,
						   (task_info_t)&tok, &n));
	n = TASK_AUDIT_TOKEN_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_info(mach_task_self(), 9999,
						   (task_info_t)&tok, &n));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_info(MACH_PORT_NULL, TASK_AUDIT_TOKEN,
						    (task_info_t)&tok, &n));
}

TEST(vm_allocate_deallocate)
{
	mach_port_t task = mach_task_self();
	vm_address_t a = 0;
	mach_vm_address_t b = 0;
	size_t i;

	ASSERT_EQ(KERN_SUCCESS, vm_allocate(task, &a, 3 * vm_page_size, VM_FLAGS_ANYWHERE));
	ASSERT_NE(0, a);
	EXPECT_EQ(0, a % vm_page_size);
	for (i = 0; i < 3 * vm_page_size; i++)
		ASSERT_EQ(0, ((char *)a)[i]);
	memset((void *)a, 0x5a, 3 * vm_page_size);
	/* Fixed at a taken address: no space. */
	b = a;
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(task, &b, vm_page_size, VM_FLAGS_FIXED));
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(task, a, 3 * vm_page_size));
	b = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &b, 1, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, b, 1));
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(task, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, vm_allocate(MACH_PORT_NULL, &a, 1, VM_FLAGS_ANYWHERE));
}

TEST(error_strings)
{
	EXPECT_STREQ("(os/kern) successful", mach_error_string(KERN_SUCCESS));
	EXPECT_STREQ("(os/kern) invalid name", mach_error_string(KERN_INVALID_NAME));
	EXPECT_STREQ("(ipc/send) invalid destination port",
		     mach_error_string(MACH_SEND_INVALID_DEST));
	EXPECT_STREQ("(ipc/rcv) timed out", mach_error_string(MACH_RCV_TIMED_OUT));
	EXPECT_STREQ("(ipc/rcv) header error",
		     mach_error_string(MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE));
	EXPECT_NE(NULL, mach_error_string(0x12345678));
}

TEST(fork_gets_own_task)
{
	mach_port_t p = mt_port_send();
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t q;

		/* A new task: the parent's names mean nothing here. */
		if (!MACH_PORT_VALID(mach_task_self()))
			_exit(1);
		if (mach_port_type(mach_task_self(), p, &(mach_port_type_t){0}) !=
		    KERN_INVALID_NAME && p != mach_task_self())
			_exit(2);
		if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &q))
			_exit(3);
		if (mt_send(q, MACH_MSG_TYPE_MAKE_SEND, 7, 7, 0, 0))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The parent's port is unharmed. */
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(p));
	mach_port_destroy(mach_task_self(), p);
}

/* mach_port_get_refs of NULL / DEAD, and MACH_PORT_RIGHT_LABELH. */
TEST(refs_reserved_names_and_labelh)
{
	mach_port_t task = mach_task_self(), p = mt_port_send();
	mach_port_urefs_t r;

	ASSERT_NE(MACH_PORT_NULL, p);
	/* NULL and DEAD hold one send or send-once reference. */
	r = 0;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(task, MACH_PORT_NULL, MACH_PORT_RIGHT_SEND, &r));
	EXPECT_EQ(1, r);
	r = 0;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(task, MACH_PORT_DEAD, MACH_PORT_RIGHT_SEND, &r));
	EXPECT_EQ(1, r);
	r = 0;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(task, MACH_PORT_NULL, MACH_PORT_RIGHT_SEND_ONCE,
						   &r));
	EXPECT_EQ(1, r);
	r = 0;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(task, MACH_PORT_DEAD, MACH_PORT_RIGHT_SEND_ONCE,
						   &r));
	EXPECT_EQ(1, r);
	/* Other rights of NULL / DEAD: invalid name. */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_refs(task, MACH_PORT_NULL,
							MACH_PORT_RIGHT_RECEIVE, &r));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_refs(task, MACH_PORT_DEAD,
							MACH_PORT_RIGHT_DEAD_NAME, &r));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_refs(task, MACH_PORT_NULL,
							MACH_PORT_RIGHT_PORT_SET, &r));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_refs(task, MACH_PORT_DEAD,
							MACH_PORT_RIGHT_LABELH, &r));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_get_refs(task, MACH_PORT_NULL,
							 MACH_PORT_RIGHT_NUMBER, &r));

	/* LABELH is a right number no name holds. */
	r = 5;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(task, p, MACH_PORT_RIGHT_LABELH, &r));
	EXPECT_EQ(0, r);
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_refs(task, 0x7ffff00, MACH_PORT_RIGHT_LABELH,
							&r));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_get_refs(task, p, MACH_PORT_RIGHT_NUMBER, &r));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_LABELH, 0));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_LABELH, 1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_LABELH, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, task, MACH_PORT_RIGHT_LABELH, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_mod_refs(task, 0x7ffff00, MACH_PORT_RIGHT_LABELH,
							0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_mod_refs(task, MACH_PORT_NULL,
							MACH_PORT_RIGHT_LABELH, 0));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_NUMBER, 0));
	/* Nothing changed. */
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(p));
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));
	mach_port_destroy(task, p);
}

/* XNU's ipc_right_dealloc: deallocating a port set's name destroys it. */
TEST(deallocate_port_set)
{
	mach_port_t task = mach_task_self(), a = mt_port(), s;

	ASSERT_NE(MACH_PORT_NULL, a);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(task, a, s));
	EXPECT_EQ(1, mt_status(a).mps_pset);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, s));
	EXPECT_EQ((mach_port_type_t)-1, mt_type(s));
	EXPECT_EQ(0, mt_status(a).mps_pset);
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(task, s));
	/* A receive right is still no deallocate's business. */
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_deallocate(task, a));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(a));
	mach_port_destroy(task, a);
}

/* mach_port_destruct: guard only if guarded; XNU's order of checks. */
TEST(destruct_codes)
{
	mach_port_t task = mach_task_self(), p, q, s;
	mach_port_options_t opts;
	mach_port_context_t ctx = 0;

	memset(&opts, 0, sizeof(opts));
	opts.flags = MPO_CONTEXT_AS_GUARD | MPO_INSERT_SEND_RIGHT;
	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(task, &opts, 0x55, &p));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_GUARDED, mt_status(p).mps_flags);
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(task, p, &ctx));
	EXPECT_EQ(0x55, ctx);
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_destruct(task, p, 1, 0x55));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_destruct(task, p, 0, 0x56));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_destruct(task, p, -1, 0));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_destruct(task, p, -2, 0x55));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(p));
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));

	/* A send delta where the name has no send right. */
	opts.flags = MPO_CONTEXT_AS_GUARD;
	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(task, &opts, 0x66, &q));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_destruct(task, q, -1, 0x66));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(task, q, 0, 0x66));
	EXPECT_EQ((mach_port_type_t)-1, mt_type(q));

	/* The right guard, no send delta: the send right outlives it. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(task, p, 0, 0x55));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(p));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, p));

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_destruct(task, s, 0, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destruct(task, MACH_PORT_NULL, 0, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destruct(task, MACH_PORT_DEAD, 0, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destruct(task, 0x7ffff00, 0, 0));
	mach_port_destroy(task, s);
}

/* mach_port_construct: XNU's mutually exclusive flags, guards, importance. */
TEST(construct_flags)
{
	mach_port_t task = mach_task_self(), p = MACH_PORT_NULL;
	mach_msg_type_number_t before = mt_name_count();
	static const unsigned int bad[] = {
		MPO_SERVICE_PORT | MPO_CONNECTION_PORT,
		MPO_CONNECTION_PORT | MPO_TG_BLOCK_TRACKING,
		MPO_SERVICE_PORT | MPO_TG_BLOCK_TRACKING,
		MPO_REPLY_PORT | MPO_PROVISIONAL_REPLY_PORT,
		MPO_REPLY_PORT | MPO_ENFORCE_REPLY_PORT_SEMANTICS,
		MPO_ENFORCE_REPLY_PORT_SEMANTICS | MPO_PROVISIONAL_ID_PROT_OPTOUT,
		MPO_INSERT_SEND_RIGHT | MPO_PROVISIONAL_ID_PROT_OPTOUT |
			MPO_PROVISIONAL_REPLY_PORT,
	};
	mach_port_options_t opts;
	mach_port_context_t ctx = 1;
	size_t i;

	memset(&opts, 0, sizeof(opts));
	for (i = 0; i < MT_ARRAY_LEN(bad); i++) {
		opts.flags = bad[i];
		EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_construct(task, &opts, 0, &p));
	}
	EXPECT_EQ(before, mt_name_count());

	opts.flags = MPO_CONTEXT_AS_GUARD | MPO_STRICT | MPO_TEMPOWNER;
	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(task, &opts, 0x77, &p));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD |
		  MACH_PORT_STATUS_FLAG_IMP_DONATION | MACH_PORT_STATUS_FLAG_TEMPOWNER,
		  mt_status(p).mps_flags);
	/* A strict guard reads as no context. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(task, p, &ctx));
	EXPECT_EQ(0, ctx);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(task, p, 0, 0x77));

	opts.flags = MPO_IMPORTANCE_RECEIVER;
	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(task, &opts, 0x78, &p));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_IMP_DONATION, mt_status(p).mps_flags);
	/* Not guarded: the context is no guard, destroy works. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(task, p));
	EXPECT_EQ(before, mt_name_count());
}

static mach_port_context_t mt_context(mach_port_t p)
{
	mach_port_context_t c = 0x5a5a;

	if (mach_port_get_context(mach_task_self(), p, &c))
		return (mach_port_context_t)-1;
	return c;
}

/* The emulated guards: XNU's return codes, state and status flags. */
TEST(guards)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), s, d;
	mach_port_guard_info_t gi;
	const mach_port_info_t gp = (mach_port_info_t)&gi;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &d));

	/* Names, then rights. */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_guard(task, MACH_PORT_NULL, 1, FALSE));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_guard(task, MACH_PORT_DEAD, 1, FALSE));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_guard(task, 0x7ffff00, 1, FALSE));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_unguard(task, MACH_PORT_NULL, 1));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_swap_guard(task, MACH_PORT_DEAD, 1, 2));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_guard_with_flags(task, 0x7ffff00, 1, 0));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_guard(task, s, 1, FALSE));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_guard(task, d, 1, FALSE));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_unguard(task, s, 1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_swap_guard(task, d, 1, 2));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_port_guard(MACH_PORT_NULL, p, 1, FALSE));

	/* Not guarded. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_unguard(task, p, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_swap_guard(task, p, 0, 1));
	EXPECT_EQ(0, mt_status(p).mps_flags);

	/* A guard: the context, and the status says so. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_guard(task, p, 0x66, FALSE));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_GUARDED, mt_status(p).mps_flags);
	EXPECT_EQ(0x66, mt_context(p));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_guard(task, p, 0x77, FALSE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_guard_with_flags(task, p, 0x77, MPG_STRICT));
	EXPECT_EQ(0x66, mt_context(p));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_GUARDED, mt_status(p).mps_flags);

	/* A guarded receive right survives mod_refs and destroy. */
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_RECEIVE, 0));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_destroy(task, p));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(p));
	/* ... while its send right comes and goes as usual. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, p));
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));

	/* swap_guard needs the old guard. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_swap_guard(task, p, 0x65, 0x77));
	EXPECT_EQ(0x66, mt_context(p));
	EXPECT_EQ(KERN_SUCCESS, mach_port_swap_guard(task, p, 0x66, 0x77));
	EXPECT_EQ(0x77, mt_context(p));
	/* A plain guard is the context: setting the context sets it. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_context(task, p, 0x88));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_GUARDED, mt_status(p).mps_flags);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_unguard(task, p, 0x77));
	EXPECT_EQ(KERN_SUCCESS, mach_port_unguard(task, p, 0x88));
	EXPECT_EQ(0, mt_status(p).mps_flags);
	EXPECT_EQ(0, mt_context(p));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_unguard(task, p, 0x88));

	/* A port with a context takes no guard. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_context(task, p, 5));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_guard(task, p, 9, FALSE));
	EXPECT_EQ(0, mt_status(p).mps_flags);
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_context(task, p, 0));

	/* A strict guard: no context to read, set or swap. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_guard_with_flags(task, p, 0x99, MPG_STRICT));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD,
		  mt_status(p).mps_flags);
	EXPECT_EQ(0, mt_context(p));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_set_context(task, p, 1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_swap_guard(task, p, 0x99, 0xaa));
	/* mach_port_assert_attributes checks the strict guard. */
	gi.mpgi_guard = 0x99;
	EXPECT_EQ(KERN_SUCCESS, mach_port_assert_attributes(task, p, MACH_PORT_GUARD_INFO, gp,
							    MACH_PORT_GUARD_INFO_COUNT));
	EXPECT_EQ(KERN_FAILURE, mach_port_assert_attributes(task, p, MACH_PORT_GUARD_INFO, gp, 1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_port_assert_attributes(task, p, MACH_PORT_LIMITS_INFO, gp,
					      MACH_PORT_GUARD_INFO_COUNT));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_assert_attributes(task, MACH_PORT_NULL,
								  MACH_PORT_GUARD_INFO,
								  gp, MACH_PORT_GUARD_INFO_COUNT));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_assert_attributes(task, s, MACH_PORT_GUARD_INFO,
								  gp, MACH_PORT_GUARD_INFO_COUNT));
	gi.mpgi_guard = 0x98;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_assert_attributes(task, p, MACH_PORT_GUARD_INFO,
								     gp,
								     MACH_PORT_GUARD_INFO_COUNT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_destruct(task, p, 0, 0x98));
	EXPECT_EQ(KERN_SUCCESS, mach_port_unguard(task, p, 0x99));
	EXPECT_EQ(0, mt_status(p).mps_flags);
	gi.mpgi_guard = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_assert_attributes(task, p, MACH_PORT_GUARD_INFO,
								     gp,
								     MACH_PORT_GUARD_INFO_COUNT));

	/* A plain guard does not pass assert_attributes; TRUE is strict. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_guard(task, p, 0x11, FALSE));
	gi.mpgi_guard = 0x11;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_assert_attributes(task, p, MACH_PORT_GUARD_INFO,
								     gp,
								     MACH_PORT_GUARD_INFO_COUNT));
	EXPECT_EQ(KERN_SUCCESS, mach_port_unguard(task, p, 0x11));
	EXPECT_EQ(KERN_SUCCESS, mach_port_guard(task, p, 0x12, TRUE));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD,
		  mt_status(p).mps_flags);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(task, p, -1, 0x12));
	EXPECT_EQ((mach_port_type_t)-1, mt_type(p));
	mach_port_destroy(task, s);
	mach_port_deallocate(task, d);
}

/* A guard, context and flags go with the receive right, and at fork. */
TEST(guard_state_forgotten)
{
	mach_port_t task = mach_task_self(), n = 0x7ffe100;
	mach_port_context_t c = 1;
	int status;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, n));
	ASSERT_EQ(KERN_SUCCESS, mach_port_guard(task, n, 0x42, TRUE));
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, n, MACH_PORT_TEMPOWNER, NULL, 0));
	EXPECT_NE(0, mt_status(n).mps_flags);
	ASSERT_EQ(KERN_SUCCESS, mach_port_destruct(task, n, 0, 0x42));
	/* The same name again: a new port, with nothing of the old one. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, n));
	EXPECT_EQ(0, mt_status(n).mps_flags);
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(task, n, &c));
	EXPECT_EQ(0, c);
	ASSERT_EQ(KERN_SUCCESS, mach_port_guard(task, n, 0x43, FALSE));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t t = mach_task_self();
		mach_port_status_t st;

		if (mach_port_allocate_name(t, MACH_PORT_RIGHT_RECEIVE, n))
			_exit(1);
		st = mt_status(n);
		if (st.mps_flags)
			_exit(2);
		if (mach_port_get_context(t, n, &c) || c)
			_exit(3);
		if (mach_port_destroy(t, n))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The parent's guard is unharmed. */
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_GUARDED, mt_status(n).mps_flags);
	EXPECT_EQ(0x43, mt_context(n));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(task, n, 0, 0x43));
}

/* XNU returns KERN_INVALID_RIGHT, not KERN_INVALID_NAME, for NULL / DEAD. */
TEST(reserved_names_invalid_right)
{
	mach_port_t task = mach_task_self(), p = mt_port(), s, x;
	static const mach_port_t rsv[] = { MACH_PORT_NULL, MACH_PORT_DEAD };
	mach_port_name_array_t members;
	mach_msg_type_number_t n;
	mach_msg_type_name_t t;
	mach_port_context_t c;
	size_t i;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	for (i = 0; i < MT_ARRAY_LEN(rsv); i++) {
		mach_port_t r = rsv[i];

		EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_insert_member(task, r, s));
		EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_insert_member(task, p, r));
		EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_extract_member(task, r, s));
		EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_extract_member(task, p, r));
		EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_move_member(task, r, s));
		EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_get_set_status(task, r, &members, &n));
		EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_get_context(task, r, &c));
		EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_context(task, r, 1));
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_extract_right(task, r, MACH_MSG_TYPE_COPY_SEND, &x, &t));
		EXPECT_EQ(KERN_INVALID_RIGHT,
			  mach_port_extract_right(task, r, MACH_MSG_TYPE_MAKE_SEND, &x, &t));
	}
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_move_member(task, p, MACH_PORT_DEAD));
	EXPECT_EQ(KERN_NOT_IN_SET, mach_port_move_member(task, p, MACH_PORT_NULL));
	/* The disposition is checked first. */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_extract_right(task, MACH_PORT_NULL, 99, &x, &t));
	/* Names that denote nothing are still invalid names. */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_insert_member(task, 0x7ffff00, s));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_context(task, 0x7ffff00, &c));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_set_status(task, 0x7ffff00, &members, &n));
	EXPECT_EQ(0, mt_status(p).mps_pset);
	mach_port_destroy(task, s);
	mach_port_destroy(task, p);
}

/* mach_port_get/set_attributes: NULL / DEAD flavors, importance flags. */
TEST(attributes_xnu_codes)
{
	mach_port_t task = mach_task_self(), p = mt_port(), q = mt_port(), s;
	mach_port_limits_t lim;
	mach_port_info_ext_t ext;
	mach_msg_type_number_t n;
	integer_t v;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_NE(MACH_PORT_NULL, q);
	/* LIMITS_INFO of NULL / DEAD: success, nothing returned. */
	lim.mpl_qlimit = 77;
	n = MACH_PORT_LIMITS_INFO_COUNT;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, MACH_PORT_NULL,
							 MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(77, lim.mpl_qlimit);
	n = MACH_PORT_LIMITS_INFO_COUNT;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, MACH_PORT_DEAD,
							 MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, &n));
	EXPECT_EQ(0, n);
	n = 0;
	EXPECT_EQ(KERN_FAILURE, mach_port_get_attributes(task, MACH_PORT_NULL,
							 MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, &n));
	/* DNREQUESTS_SIZE of NULL / DEAD: 0, the count left alone. */
	v = 5;
	n = MACH_PORT_DNREQUESTS_SIZE_COUNT;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, MACH_PORT_NULL,
							 MACH_PORT_DNREQUESTS_SIZE,
							 &v, &n));
	EXPECT_EQ(0, v);
	EXPECT_EQ(MACH_PORT_DNREQUESTS_SIZE_COUNT, n);
	v = 5;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, MACH_PORT_DEAD,
							 MACH_PORT_DNREQUESTS_SIZE,
							 &v, &n));
	EXPECT_EQ(0, v);
	v = 5;
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, p, MACH_PORT_DNREQUESTS_SIZE, &v,
							 &n));
	EXPECT_EQ(0, v);
	/* set DNREQUESTS_SIZE: a count, then a receive right. */
	v = 4;
	EXPECT_EQ(KERN_FAILURE, mach_port_set_attributes(task, p, MACH_PORT_DNREQUESTS_SIZE, &v,
							 0));
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, p, MACH_PORT_DNREQUESTS_SIZE, &v,
							 1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_attributes(task, MACH_PORT_NULL,
							       MACH_PORT_DNREQUESTS_SIZE, &v, 1));

	/* Importance: kept and reported as XNU's port bits. */
	EXPECT_EQ(0, mt_status(p).mps_flags);
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, p, MACH_PORT_TEMPOWNER, NULL, 0));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_IMP_DONATION | MACH_PORT_STATUS_FLAG_TEMPOWNER,
		  mt_status(p).mps_flags);
	n = MACH_PORT_INFO_EXT_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, p, MACH_PORT_INFO_EXT,
							 (mach_port_info_t)&ext, &n));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_IMP_DONATION | MACH_PORT_STATUS_FLAG_TEMPOWNER,
		  ext.mpie_status.mps_flags);
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, q, MACH_PORT_IMPORTANCE_RECEIVER,
							 NULL, 0));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_IMP_DONATION, mt_status(q).mps_flags);
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, q, MACH_PORT_DENAP_RECEIVER, NULL,
							 0));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_IMP_DONATION, mt_status(q).mps_flags);
	/* The context is independent of the flags. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_context(task, p, 3));
	EXPECT_EQ(KERN_SUCCESS, mach_port_set_context(task, p, 0));
	EXPECT_EQ(MACH_PORT_STATUS_FLAG_IMP_DONATION | MACH_PORT_STATUS_FLAG_TEMPOWNER,
		  mt_status(p).mps_flags);
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_attributes(task, MACH_PORT_NULL,
							       MACH_PORT_TEMPOWNER,
							       NULL, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_attributes(task, s, MACH_PORT_TEMPOWNER, NULL,
							       0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_set_attributes(task, 0x7ffff00, MACH_PORT_TEMPOWNER,
							      NULL, 0));
	mach_port_destroy(task, s);
	mach_port_destroy(task, p);
	mach_port_destroy(task, q);
}

/* mach_port_allocate_qos / _full: XNU's checks of qos and proto. */
TEST(allocate_qos_full_codes)
{
	mach_port_t task = mach_task_self(), d, x;
	mach_port_qos_t qos;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &d));
	memset(&qos, 0, sizeof(qos));
	qos.name = 1;
	x = 0x7ffe200;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_allocate_qos(task, MACH_PORT_RIGHT_RECEIVE, &qos,
								&x));
	EXPECT_EQ((mach_port_type_t)-1, mt_type(0x7ffe200));
	qos.name = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_qos(task, MACH_PORT_RIGHT_RECEIVE, &qos, &x));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(x));
	mach_port_destroy(task, x);

	/* A prototype port is refused. */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_full(task, MACH_PORT_RIGHT_RECEIVE, d,
							      &qos, &x));
	/* Preallocation: checked, then ignored (and cleared). */
	qos.prealloc = 1;
	qos.len = 64;
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_full(task, MACH_PORT_RIGHT_PORT_SET,
							      MACH_PORT_NULL, &qos, &x));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_full(task, MACH_PORT_RIGHT_DEAD_NAME,
							      MACH_PORT_NULL, &qos, &x));
	qos.len = 0xffffffff;
	EXPECT_EQ(KERN_RESOURCE_SHORTAGE, mach_port_allocate_full(task, MACH_PORT_RIGHT_RECEIVE,
								  MACH_PORT_NULL, &qos, &x));
	qos.len = 64;
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_full(task, MACH_PORT_RIGHT_RECEIVE,
							MACH_PORT_NULL, &qos, &x));
	EXPECT_EQ(0, (unsigned int)qos.prealloc);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(x));
	mach_port_destroy(task, x);
	/* A name of the caller's choosing. */
	qos.name = 1;
	x = MACH_PORT_NULL;
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_full(task, MACH_PORT_RIGHT_RECEIVE,
							      MACH_PORT_NULL, &qos, &x));
	x = 0x7ffe200;
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_full(task, MACH_PORT_RIGHT_RECEIVE,
							MACH_PORT_NULL, &qos, &x));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(0x7ffe200));
	mach_port_destroy(task, 0x7ffe200);
	mach_port_deallocate(task, d);
}

/* User references peg at MACH_PORT_UREFS_MAX, as XNU's ipc_right_delta. */
TEST(urefs_pegged)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), d;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 0xfffd));
	EXPECT_EQ(0xfffe, mt_refs(p, MACH_PORT_RIGHT_SEND));
	/* Past the maximum: pegged there, success. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 5));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_insert_right(task, p, p, MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, mt_refs(p, MACH_PORT_RIGHT_SEND));
	/* Pegged: decrements leave it there... */
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, -0xfffe));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, p));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(p));
	/* ... deltas beyond the maximum are invalid ... */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, -0x10000));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 0x10000));
	/* ... and only all of them at once removes the right. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, -0xffff));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(p));
	EXPECT_EQ(0, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, mt_status(p).mps_srights);

	/* Dead names peg the same way. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &d));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_DEAD_NAME, 0xfff0));
	EXPECT_EQ(0xfff1, mt_refs(d, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_DEAD_NAME,
							 -0xfff2));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_DEAD_NAME, 0x100));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, mt_refs(d, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_DEAD_NAME, -2));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, d));
	EXPECT_EQ(MACH_PORT_UREFS_MAX, mt_refs(d, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, d, MACH_PORT_RIGHT_DEAD_NAME, -0xffff));
	EXPECT_EQ((mach_port_type_t)-1, mt_type(d));
	mach_port_destroy(task, p);
}

/* mach_port_space_info and the other debug calls. */
TEST(debug_calls)
{
	mach_port_t task = mach_task_self(), p = mt_port_send(), so, s, d;
	ipc_info_space_basic_t basic;
	ipc_info_name_array_t table = NULL;
	ipc_info_tree_name_array_t tree = (void *)1;
	mach_msg_type_number_t n = 0, tn = 5, i;
	ipc_info_space_t info;
	mach_msg_type_name_t t;
	mach_vm_address_t addr = 1;
	unsigned int total = 1, used = 1, otype = 1, oaddr = 1;
	natural_t ktype = 1;
	int seen = 0;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, p, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so,
							&t));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &d));

	ASSERT_EQ(KERN_SUCCESS, mach_port_space_info(task, &info, &table, &n, &tree, &tn));
	EXPECT_EQ(0, tn);
	EXPECT_EQ(NULL, tree);
	EXPECT_EQ(n, info.iis_table_size);
	EXPECT_EQ(mt_name_count(), n);
	ASSERT_NE(NULL, table);
	for (i = 0; i < n; i++) {
		const ipc_info_name_t *e = &table[i];

		if (e->iin_name == p) {
			seen |= 1;
			EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, e->iin_type);
			EXPECT_EQ(1, e->iin_urefs);
		} else if (e->iin_name == so) {
			seen |= 2;
			EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, e->iin_type);
		} else if (e->iin_name == s) {
			seen |= 4;
			EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, e->iin_type);
		} else if (e->iin_name == d) {
			seen |= 8;
			EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, e->iin_type);
			EXPECT_EQ(1, e->iin_urefs);
		} else if (e->iin_name == task) {
			seen |= 16;
			EXPECT_EQ(MACH_PORT_TYPE_SEND, e->iin_type);
		}
	}
	EXPECT_EQ(31, seen);
	vm_deallocate(task, (vm_address_t)table, n * sizeof(*table));
	ASSERT_EQ(KERN_SUCCESS, mach_port_space_basic_info(task, &basic));
	EXPECT_EQ(mt_name_count(), basic.iisb_table_inuse);
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_port_space_info(MACH_PORT_NULL, &info, &table, &n, &tree, &tn));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_port_space_basic_info(MACH_PORT_NULL, &basic));

	/* Dead-name requests: none counted, of a receive right. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_dnrequest_info(task, p, &total, &used));
	EXPECT_EQ(0, total);
	EXPECT_EQ(0, used);
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_dnrequest_info(task, s, &total, &used));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_dnrequest_info(task, 0x7ffff00, &total, &used));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_dnrequest_info(task, MACH_PORT_NULL, &total, &used));

	/* A program's port is no kernel object; the task port is one. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_kobject(task, p, &ktype, &addr));
	EXPECT_EQ(0, ktype);
	EXPECT_EQ(0, addr);
	EXPECT_EQ(KERN_SUCCESS, mach_port_kernel_object(task, p, &otype, &oaddr));
	EXPECT_EQ(0, otype);
	EXPECT_EQ(0, oaddr);
	EXPECT_EQ(KERN_SUCCESS, mach_port_kernel_object(task, task, &otype, &oaddr));
	EXPECT_EQ(2, otype);	/* IKOT_TASK_CONTROL */
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_kobject(task, so, &ktype, &addr));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_kobject(task, s, &ktype, &addr));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_kernel_object(task, d, &otype, &oaddr));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_kernel_object(task, 0x7ffff00, &otype, &oaddr));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_kobject(task, MACH_PORT_NULL, &ktype, &addr));

	EXPECT_EQ(KERN_SUCCESS, task_set_port_space(task, 100));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_set_port_space(MACH_PORT_NULL, 100));

	mach_port_deallocate(task, so);
	mach_port_destroy(task, s);
	mach_port_deallocate(task, d);
	mach_port_destroy(task, p);
}

TEST_HARNESS_MAIN
