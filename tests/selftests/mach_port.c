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
	/* Overflow. */
	EXPECT_EQ(KERN_UREFS_OVERFLOW, mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 0x7fffffff));
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
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_destruct(task, p, -1, 0x1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_destruct(task, p, -2, 0xbeef));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destruct(task, p, -1, 0xbeef));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_context(task, p, &ctx));

	opts.flags = MPO_QLIMIT;
	opts.mpl.mpl_qlimit = MACH_PORT_QLIMIT_MAX + 1;
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_construct(task, &opts, 0, &p));
	opts.flags = MPO_SERVICE_PORT;
	EXPECT_EQ(KERN_NOT_SUPPORTED, mach_port_construct(task, &opts, 0, &p));
	EXPECT_EQ(KERN_NOT_SUPPORTED, mach_port_guard(task, p, 1, TRUE));
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

TEST_HARNESS_MAIN
