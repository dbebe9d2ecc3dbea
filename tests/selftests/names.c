// SPDX-License-Identifier: GPL-2.0
/*
 * names: allocate, destroy, deallocate, mod_refs, insert_right,
 * move_member, attributes, name_info and port_names; a type-confusion
 * matrix of every operation against every kind of name, with the rights
 * model checked unchanged after each failed call; reference overflow; and
 * a million allocate/destroy cycles probing stale names.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

static int raw(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) == 0 ? 0 : errno;
}

/* ------------------------------------------------------------------ */
/* Basic operations                                                   */
/* ------------------------------------------------------------------ */

TEST(allocate_kinds)
{
	__u32 bad[] = { 0, MACHIPC_RIGHT_SEND, MACHIPC_RIGHT_SEND_ONCE,
			MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND,
			MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_PORT_SET,
			1u << 5, 0x80000000u, ~0u };
	struct machipc_name_info *names;
	struct machipc_port_attr a;
	__u32 r, s, d, rights = 0, urefs = 0, n;
	struct mt_snap before;
	size_t count, i;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	s = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	d = mt_alloc(fd, MACHIPC_RIGHT_DEAD_NAME);
	/* names are allocated cyclically from 1 */
	ASSERT_EQ(1, r);
	ASSERT_EQ(2, s);
	ASSERT_EQ(3, d);

	ASSERT_EQ(0, mt_info(fd, r, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	EXPECT_EQ(1, urefs);
	ASSERT_EQ(0, mt_info(fd, s, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_PORT_SET, rights);
	EXPECT_EQ(1, urefs);
	ASSERT_EQ(0, mt_info(fd, d, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights);
	EXPECT_EQ(1, urefs);

	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(MACHIPC_QLIMIT_DEFAULT, a.qlimit);
	EXPECT_EQ(0, a.msgcount);
	EXPECT_EQ(0, a.seqno);
	EXPECT_EQ(0, a.mscount);
	EXPECT_EQ(0, a.srights);
	EXPECT_EQ(0, a.sorights);
	EXPECT_EQ(0, a.pset);
	EXPECT_EQ(0, a.reserved);

	ASSERT_EQ(0, mt_snap_take(fd, &before));
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		struct machipc_port_alloc arg = { .right = bad[i] };

		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_ALLOCATE, &arg))
			TH_LOG("right %#x", bad[i]);
	}
	ASSERT_SNAP_UNCHANGED(fd, &before);

	/* listing: increasing order, every kind */
	ASSERT_EQ(0, machipc_port_names(fd, &names, &count));
	ASSERT_EQ(3, count);
	for (i = 0; i < count; i++)
		EXPECT_EQ(i + 1, names[i].name);
	/* a port has an id; a port set and a dead name have none */
	EXPECT_NE(0, names[0].port_id);
	EXPECT_EQ(0, names[1].port_id);
	EXPECT_EQ(0, names[2].port_id);
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, names[0].rights);
	EXPECT_EQ(MACHIPC_RIGHT_PORT_SET, names[1].rights);
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, names[2].rights);
	free(names);

	/* a destroyed name is not reused right away */
	ASSERT_EQ(0, machipc_port_destroy(fd, s));
	n = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	EXPECT_EQ(4, n);
	EXPECT_EQ(ENOENT, mt_info(fd, s, NULL, NULL));
	close(fd);
}

TEST(port_names_capacity)
{
	struct machipc_name_info e[4];
	struct machipc_port_names pn;
	int fd = machipc_open(), i;

	ASSERT_LE(0, fd);
	for (i = 0; i < 6; i++)
		ASSERT_NE(0, mt_alloc(fd, MACHIPC_RIGHT_DEAD_NAME));
	memset(e, 0x5a, sizeof(e));
	memset(&pn, 0, sizeof(pn));
	pn.entries = (uintptr_t)e;
	pn.capacity = 2;
	ASSERT_EQ(0, raw(fd, MACHIPC_IOC_PORT_NAMES, &pn));
	EXPECT_EQ(6, pn.count);
	EXPECT_EQ(1, e[0].name);
	EXPECT_EQ(2, e[1].name);
	EXPECT_EQ(0x5a5a5a5a, e[2].name);	/* only capacity written */
	/* capacity 0: count only, entries never touched */
	pn.entries = 0;
	pn.capacity = 0;
	pn.count = 0;
	ASSERT_EQ(0, raw(fd, MACHIPC_IOC_PORT_NAMES, &pn));
	EXPECT_EQ(6, pn.count);
	close(fd);
}

TEST(reserved_fields_einval)
{
	int fd = machipc_open();
	struct mt_snap before;
	__u32 r;

	ASSERT_LE(0, fd);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, r);
	ASSERT_EQ(0, mt_snap_take(fd, &before));
	{
		struct machipc_port_name a = { .name = r, .reserved = 1 };

		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_DESTROY, &a));
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_DEALLOCATE, &a));
	}
	{
		struct machipc_port_mod_refs a = {
			.name = r, .right = MACHIPC_RIGHT_RECEIVE, .delta = -1,
			.reserved = 1 };

		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_MOD_REFS, &a));
		a.reserved = 0;
		a.right = 0;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_MOD_REFS, &a));
		a.right = MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_MOD_REFS, &a));
		a.right = 1u << 5;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_MOD_REFS, &a));
		a.right = 1u << 31;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_MOD_REFS, &a));
	}
	{
		struct machipc_port_insert a = {
			.name = r, .disposition = MACHIPC_DISP_MAKE_SEND,
			.flags = MACHIPC_INSERT_LAST << 1 };
		__u32 d;

		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_INSERT_RIGHT, &a));
		a.flags = 1u << 31;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_INSERT_RIGHT, &a));
		a.flags = 0;
		for (d = 0; d < 16; d++) {
			if (d == MACHIPC_DISP_MAKE_SEND ||
			    d == MACHIPC_DISP_MAKE_SEND_ONCE)
				continue;
			a.disposition = d;
			EXPECT_EQ(EINVAL,
				  raw(fd, MACHIPC_IOC_PORT_INSERT_RIGHT, &a))
				TH_LOG("disposition %u", d);
		}
	}
	{
		struct machipc_port_attr a = { .name = r, .reserved = 1 };

		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_GET_ATTRIBUTES, &a));
		a.reserved = 0;
		a.flags = MACHIPC_ATTR_QLIMIT;	/* get: flags must be 0 */
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_GET_ATTRIBUTES, &a));
		a.flags = MACHIPC_ATTR_LAST << 1;
		a.qlimit = 3;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &a));
		a.flags = 0;
		a.requests = MACHIPC_ATTR_REQ_NO_SENDERS;	/* out only: ignored */
		EXPECT_EQ(0, raw(fd, MACHIPC_IOC_PORT_GET_ATTRIBUTES, &a));
		EXPECT_EQ(0, a.requests);
		EXPECT_EQ(0, raw(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &a));
		a.requests = 0;
		a.flags = MACHIPC_ATTR_QLIMIT;
		a.reserved = 1;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &a));
		a.reserved = 0;
		a.qlimit = 0;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &a));
		a.qlimit = MACHIPC_QLIMIT_MAX + 1;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &a));
		a.qlimit = ~0u;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &a));
	}
	{
		struct machipc_name_info a = { .name = r, .port_id = 1 };

		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_NAME_INFO, &a));
	}
	{
		struct machipc_bootstrap a = {
			.name = r, .disposition = MACHIPC_DISP_MAKE_SEND,
			.flags = 2 };

		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &a));
		a.flags = 0;
		a.disposition = MACHIPC_DISP_MAKE_SEND_ONCE;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &a));
		a.disposition = MACHIPC_DISP_MOVE_RECEIVE;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &a));
		a.disposition = MACHIPC_DISP_NONE;
		EXPECT_EQ(EINVAL, raw(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &a));
	}
	ASSERT_SNAP_UNCHANGED(fd, &before);
	close(fd);
}

TEST(attributes_qlimit)
{
	struct machipc_port_attr a;
	int fd = machipc_open();
	__u32 r;

	ASSERT_LE(0, fd);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(fd, r, 1)));
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(1, a.qlimit);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(fd, r, MACHIPC_QLIMIT_MAX)));
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(MACHIPC_QLIMIT_MAX, a.qlimit);
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_set_qlimit(fd, r, 0)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_set_qlimit(fd, r,
							 MACHIPC_QLIMIT_MAX + 1)));
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(MACHIPC_QLIMIT_MAX, a.qlimit);
	/* set with flags 0 changes nothing */
	{
		struct machipc_port_attr s = { .name = r, .qlimit = 7 };

		ASSERT_EQ(0, raw(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &s));
		ASSERT_EQ(0, mt_attr(fd, r, &a));
		EXPECT_EQ(MACHIPC_QLIMIT_MAX, a.qlimit);
	}
	close(fd);
}

/*
 * ABI 6: the make-send count and sequence number are settable (Mach's
 * mach_port_set_mscount / _set_seqno); the requests a port holds and a
 * name's dead-name request are reported.
 */
TEST(attributes_counts_and_requests)
{
	struct machipc_port_attr a, s;
	struct machipc_name_info info;
	int fd = machipc_open(), peer = machipc_open(), bfd;
	__u32 r, n, prev, name;
	__u64 buf[64];

	ASSERT_LE(0, fd);
	ASSERT_LE(0, peer);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	n = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	memset(&s, 0, sizeof(s));
	s.name = r;
	s.flags = MACHIPC_ATTR_MSCOUNT | MACHIPC_ATTR_SEQNO;
	s.mscount = 41;
	s.seqno = 0x100000007ull;
	ASSERT_EQ(0, raw(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &s));
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(41, a.mscount);
	EXPECT_EQ(0x100000007ull, a.seqno);
	EXPECT_EQ(MACHIPC_QLIMIT_DEFAULT, a.qlimit);	/* not asked to change */
	EXPECT_EQ(0, a.requests);
	/* the next message carries the sequence number set */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, r, MACHIPC_DISP_MAKE_SEND,
						      NULL)));
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(42, a.mscount);
	ASSERT_EQ(0, mt_send_simple(fd, r, MACHIPC_DISP_COPY_SEND, 5, NULL, 0, NULL));
	ASSERT_EQ(0, mt_recv_now(fd, r, buf, sizeof(buf)));
	EXPECT_EQ(0x100000007ull, machipc_msg_trailer(buf)->seqno);
	/* a send right elsewhere cannot set them */
	bfd = machipc_bootstrap_export(fd, r, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, machipc_bootstrap_import(peer, bfd, &name));
	close(bfd);
	s.name = name;
	EXPECT_EQ(EACCES, raw(peer, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &s));

	/* requests: no-senders and port-destroyed */
	ASSERT_EQ(0, MT_ERR(machipc_port_request_notification(fd, r,
				MACHIPC_NOTIFY_NO_SENDERS, n,
				MACHIPC_DISP_MAKE_SEND_ONCE, 1000, &prev)));
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(MACHIPC_ATTR_REQ_NO_SENDERS, a.requests);
	ASSERT_EQ(0, MT_ERR(machipc_port_request_notification(fd, r,
				MACHIPC_NOTIFY_PORT_DESTROYED, n,
				MACHIPC_DISP_MAKE_SEND_ONCE, 0, &prev)));
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(MACHIPC_ATTR_REQ_NO_SENDERS | MACHIPC_ATTR_REQ_PORT_DESTROYED,
		  a.requests);

	/* a dead-name request on the peer's name, then cancelled */
	memset(&info, 0, sizeof(info));
	info.name = name;
	ASSERT_EQ(0, raw(peer, MACHIPC_IOC_NAME_INFO, &info));
	EXPECT_EQ(0, info.flags);
	{
		__u32 pn = mt_alloc(peer, MACHIPC_RIGHT_RECEIVE);

		ASSERT_EQ(0, MT_ERR(machipc_port_request_notification(peer, name,
					MACHIPC_NOTIFY_DEAD_NAME, pn,
					MACHIPC_DISP_MAKE_SEND_ONCE, 0, &prev)));
		memset(&info, 0, sizeof(info));
		info.name = name;
		ASSERT_EQ(0, raw(peer, MACHIPC_IOC_NAME_INFO, &info));
		EXPECT_EQ(MACHIPC_NAME_DNREQUEST, info.flags);
		ASSERT_EQ(0, MT_ERR(machipc_port_request_notification(peer, name,
					MACHIPC_NOTIFY_DEAD_NAME, 0, 0, 0, &prev)));
		if (prev)
			machipc_port_mod_refs(peer, prev, MACHIPC_RIGHT_SEND_ONCE, -1);
		memset(&info, 0, sizeof(info));
		info.name = name;
		ASSERT_EQ(0, raw(peer, MACHIPC_IOC_NAME_INFO, &info));
		EXPECT_EQ(0, info.flags);
	}
	close(peer);
	close(fd);
}

TEST(insert_right_counts)
{
	struct machipc_port_attr a;
	__u32 r, n = 0, so = 0, rights = 0, urefs = 0;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, r,
					MACHIPC_DISP_MAKE_SEND, &n)));
	EXPECT_EQ(r, n);	/* send rights share the receive right's name */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, r,
					MACHIPC_DISP_MAKE_SEND, &n)));
	ASSERT_EQ(0, mt_info(fd, r, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(2, urefs);
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(1, a.srights);	/* one per name */
	EXPECT_EQ(2, a.mscount);

	/* send-once rights get their own names */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, r,
					MACHIPC_DISP_MAKE_SEND_ONCE, &so)));
	EXPECT_NE(r, so);
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, r,
					MACHIPC_DISP_MAKE_SEND_ONCE, &n)));
	EXPECT_NE(so, n);
	ASSERT_EQ(0, mt_info(fd, so, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);
	EXPECT_EQ(1, urefs);
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(2, a.sorights);
	EXPECT_EQ(2, a.mscount);

	/* deallocate: send-once goes away, send drops one uref */
	ASSERT_EQ(0, MT_ERR(machipc_port_deallocate(fd, so)));
	EXPECT_EQ(ENOENT, mt_info(fd, so, NULL, NULL));
	ASSERT_EQ(0, MT_ERR(machipc_port_deallocate(fd, r)));
	ASSERT_EQ(0, mt_info(fd, r, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(1, urefs);
	ASSERT_EQ(0, MT_ERR(machipc_port_deallocate(fd, r)));
	ASSERT_EQ(0, mt_info(fd, r, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(0, a.srights);
	/*
	 * The deallocated send-once right was destroyed unused: it went
	 * back to its port as a send-once notification, still counted.
	 */
	EXPECT_EQ(2, a.sorights);
	EXPECT_EQ(1, a.msgcount);
	EXPECT_EQ(2, a.mscount);
	{
		__u64 buf[32];
		const struct machipc_msg_trailer *t;

		ASSERT_EQ(0, mt_recv_now(fd, r, buf, sizeof(buf)));
		EXPECT_EQ(MACHIPC_MSGID_SEND_ONCE,
			  machipc_msg_header(buf)->id);
		t = machipc_msg_trailer(buf);
		EXPECT_EQ(MACHIPC_TRAILER_KERNEL, t->flags & MACHIPC_TRAILER_KERNEL);
		ASSERT_EQ(0, mt_attr(fd, r, &a));
		EXPECT_EQ(1, a.sorights);
		EXPECT_EQ(0, a.msgcount);
	}
	/* only a receive right left: deallocate is EACCES */
	EXPECT_EQ(EACCES, MT_ERR(machipc_port_deallocate(fd, r)));
	close(fd);
}

/* Names the caller chooses (ABI 3): MACHIPC_IOC_PORT_ALLOCATE_NAME. */
TEST(allocate_chosen_names)
{
	const __u32 rights[] = { MACHIPC_RIGHT_RECEIVE, MACHIPC_RIGHT_PORT_SET,
				 MACHIPC_RIGHT_DEAD_NAME };
	const __u32 names[] = { 0x1234, 0x10000000, MACHIPC_NAME_DEAD - 1 };
	struct machipc_account_info before, after;
	__u32 got, r, u, i;
	struct mt_snap s1, s2;
	char diff[256];
	__u64 buf[32];
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, MT_ERR(machipc_account_get(fd, &before)));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, MT_ERR(machipc_port_allocate_name(fd, rights[i],
							       names[i])));
		ASSERT_EQ(0, mt_info(fd, names[i], &r, &u));
		EXPECT_EQ(rights[i], r);
	}
	/* In use, reserved names, bad rights: errors that change nothing. */
	ASSERT_EQ(0, mt_snap_take(fd, &s1));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(EEXIST, MT_ERR(machipc_port_allocate_name(fd,
					MACHIPC_RIGHT_RECEIVE, names[i])));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_allocate_name(fd,
				MACHIPC_RIGHT_RECEIVE, MACHIPC_NAME_NULL)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_allocate_name(fd,
				MACHIPC_RIGHT_RECEIVE, MACHIPC_NAME_DEAD)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_allocate_name(fd,
				MACHIPC_RIGHT_SEND, 0x4321)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_allocate_name(fd,
				MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_PORT_SET,
				0x4321)));
	ASSERT_EQ(0, mt_snap_take(fd, &s2));
	EXPECT_EQ(0, mt_snap_diff(&s1, &s2, diff, sizeof(diff)))
		TH_LOG("%s", diff);

	/* The port under a chosen name works like any other. */
	ASSERT_EQ(0, mt_send_simple(fd, names[0], MACHIPC_DISP_MAKE_SEND, 5, NULL, 0, NULL));
	ASSERT_EQ(0, mt_recv_now(fd, names[0], buf, sizeof(buf)));
	EXPECT_EQ(names[0], machipc_msg_header(buf)->local_name);
	EXPECT_EQ(0, MT_ERR(machipc_port_move_member(fd, names[0], names[1])));

	/* The kernel's own names never collide with chosen ones. */
	ASSERT_EQ(0, MT_ERR(machipc_port_allocate(fd, MACHIPC_RIGHT_DEAD_NAME,
						  &got)));
	/* ... also the one it holds in reserve next to its cursor. */
	ASSERT_EQ(0, MT_ERR(machipc_port_allocate_name(fd,
				MACHIPC_RIGHT_DEAD_NAME, (got + 1) | 63)));
	for (i = 0; i < 200; i++) {
		__u32 n;

		ASSERT_EQ(0, MT_ERR(machipc_port_allocate(fd,
					MACHIPC_RIGHT_DEAD_NAME, &n)));
		EXPECT_NE((got + 1) | 63, n);
		EXPECT_NE(names[0], n);
	}
	/*
	 * The cursor went past the chosen name: the allocator must not have
	 * taken it for its held slot (and erased it when it moved on).
	 */
	ASSERT_EQ(0, mt_info(fd, (got + 1) | 63, &r, &u));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, r);
	EXPECT_EQ(0, MT_ERR(machipc_port_destroy(fd, (got + 1) | 63)));
	close(fd);

	/* Everything it cost went with the space. */
	fd = machipc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, MT_ERR(machipc_account_get(fd, &after)));
	EXPECT_EQ(before.usage, after.usage);
	close(fd);
}

TEST(insert_under_chosen_name)
{
	__u32 r, p, rights = 0, urefs = 0;
	struct machipc_port_attr a;
	struct mt_snap s1, s2;
	char diff[256];
	__u64 buf[32];
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	p = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right_name(fd, r,
				MACHIPC_DISP_MAKE_SEND_ONCE, 0x777)));
	ASSERT_EQ(0, mt_info(fd, 0x777, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);
	ASSERT_EQ(0, mt_attr(fd, r, &a));
	EXPECT_EQ(1, a.sorights);
	/* A send right lives under the receive right's name only. */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right_name(fd, r,
				MACHIPC_DISP_MAKE_SEND, r)));
	ASSERT_EQ(0, mt_info(fd, r, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);

	ASSERT_EQ(0, mt_snap_take(fd, &s1));
	EXPECT_EQ(EEXIST, MT_ERR(machipc_port_insert_right_name(fd, r,
				 MACHIPC_DISP_MAKE_SEND_ONCE, 0x777)));
	EXPECT_EQ(EEXIST, MT_ERR(machipc_port_insert_right_name(fd, r,
				 MACHIPC_DISP_MAKE_SEND_ONCE, p)));
	EXPECT_EQ(EEXIST, MT_ERR(machipc_port_insert_right_name(fd, r,
				 MACHIPC_DISP_MAKE_SEND, 0x777)));
	EXPECT_EQ(ENOTUNIQ, MT_ERR(machipc_port_insert_right_name(fd, r,
				   MACHIPC_DISP_MAKE_SEND, 0x778)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_insert_right_name(fd, r,
				 MACHIPC_DISP_MAKE_SEND_ONCE, MACHIPC_NAME_DEAD)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_insert_right_name(fd, r,
				 MACHIPC_DISP_MAKE_SEND_ONCE, MACHIPC_NAME_NULL)));
	EXPECT_EQ(EACCES, MT_ERR(machipc_port_insert_right_name(fd, p,
				 MACHIPC_DISP_MAKE_SEND_ONCE, 0x779)));
	EXPECT_EQ(ENOENT, MT_ERR(machipc_port_insert_right_name(fd, 0x77a,
				 MACHIPC_DISP_MAKE_SEND_ONCE, 0x779)));
	ASSERT_EQ(0, mt_snap_take(fd, &s2));
	EXPECT_EQ(0, mt_snap_diff(&s1, &s2, diff, sizeof(diff)))
		TH_LOG("%s", diff);

	/* The send-once right under its chosen name is used once. */
	ASSERT_EQ(0, mt_send_simple(fd, 0x777, MACHIPC_DISP_MOVE_SEND_ONCE, 9, NULL, 0, NULL));
	EXPECT_EQ(ENOENT, mt_info(fd, 0x777, NULL, NULL));
	ASSERT_EQ(0, mt_recv_now(fd, r, buf, sizeof(buf)));
	EXPECT_EQ(9, machipc_msg_header(buf)->id);
	close(fd);
}

struct chosen_race {
	int fd;
	pthread_barrier_t *go;
	int won;
};

static void *chosen_racer(void *arg)
{
	struct chosen_race *c = arg;

	pthread_barrier_wait(c->go);
	c->won = !machipc_port_allocate_name(c->fd, MACHIPC_RIGHT_RECEIVE,
					     0x5000);
	return NULL;
}

/* Two threads choose the same name at once: exactly one gets it. */
TEST(chosen_name_race)
{
	struct chosen_race c[4];
	pthread_barrier_t go;
	pthread_t t[4];
	int fd = machipc_open(), round, i, won;

	ASSERT_LE(0, fd);
	for (round = 0; round < 200; round++) {
		pthread_barrier_init(&go, NULL, 4);
		for (i = 0; i < 4; i++) {
			c[i] = (struct chosen_race){ .fd = fd, .go = &go };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, chosen_racer, &c[i]));
		}
		for (won = 0, i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			won += c[i].won;
		}
		pthread_barrier_destroy(&go);
		ASSERT_EQ(1, won) TH_LOG("round %d", round);
		ASSERT_EQ(0, MT_ERR(machipc_port_destroy(fd, 0x5000)));
	}
	close(fd);
}

TEST(urefs_overflow)
{
	struct mt_snap before;
	__u32 r, d, rights = 0, urefs = 0;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	d = mt_alloc(fd, MACHIPC_RIGHT_DEAD_NAME);
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, r,
					MACHIPC_DISP_MAKE_SEND, NULL)));
	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(fd, r, MACHIPC_RIGHT_SEND,
						  MACHIPC_UREFS_MAX - 1)));
	ASSERT_EQ(0, mt_info(fd, r, &rights, &urefs));
	EXPECT_EQ(MACHIPC_UREFS_MAX, urefs);
	ASSERT_EQ(0, mt_snap_take(fd, &before));
	EXPECT_EQ(EOVERFLOW, MT_ERR(machipc_port_mod_refs(fd, r,
						MACHIPC_RIGHT_SEND, 1)));
	EXPECT_EQ(EOVERFLOW, MT_ERR(machipc_port_mod_refs(fd, r,
						MACHIPC_RIGHT_SEND, 0x7fffffff)));
	EXPECT_EQ(EOVERFLOW, MT_ERR(machipc_port_insert_right(fd, r,
						MACHIPC_DISP_MAKE_SEND, NULL)));
	EXPECT_EQ(EOVERFLOW, MT_ERR(machipc_port_mod_refs(fd, r,
				MACHIPC_RIGHT_SEND, -(MACHIPC_UREFS_MAX + 1))));
	EXPECT_EQ(EOVERFLOW, MT_ERR(machipc_port_mod_refs(fd, r,
				MACHIPC_RIGHT_SEND, (int)0x80000000)));
	EXPECT_EQ(EOVERFLOW, MT_ERR(machipc_port_mod_refs(fd, d,
				MACHIPC_RIGHT_DEAD_NAME, -2)));
	EXPECT_EQ(EOVERFLOW, MT_ERR(machipc_port_mod_refs(fd, d,
				MACHIPC_RIGHT_DEAD_NAME, MACHIPC_UREFS_MAX)));
	ASSERT_SNAP_UNCHANGED(fd, &before);
	/* to exactly zero: the send right goes, the receive stays */
	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(fd, r, MACHIPC_RIGHT_SEND,
						  -MACHIPC_UREFS_MAX)));
	ASSERT_EQ(0, mt_info(fd, r, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(fd, d,
				MACHIPC_RIGHT_DEAD_NAME, MACHIPC_UREFS_MAX - 1)));
	ASSERT_EQ(0, mt_info(fd, d, &rights, &urefs));
	EXPECT_EQ(MACHIPC_UREFS_MAX, urefs);
	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(fd, d,
				MACHIPC_RIGHT_DEAD_NAME, -MACHIPC_UREFS_MAX)));
	EXPECT_EQ(ENOENT, mt_info(fd, d, NULL, NULL));
	close(fd);
}

/*
 * Destroying the receive right of a name that also holds send rights
 * leaves a dead name with the same user references; other spaces' send
 * rights become dead names too.
 */
TEST(receive_death_makes_dead_names)
{
	__u32 r, other = 0, rights = 0, urefs = 0;
	int fd = machipc_open(), fd2 = machipc_open(), bfd;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, r,
					MACHIPC_DISP_MAKE_SEND, NULL)));
	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(fd, r, MACHIPC_RIGHT_SEND, 2)));
	bfd = machipc_bootstrap_export(fd, r, MACHIPC_DISP_COPY_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(fd2, bfd, &other)));
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(fd2, bfd, &other)));
	close(bfd);
	ASSERT_EQ(0, mt_info(fd2, other, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(2, urefs);

	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(fd, r, MACHIPC_RIGHT_RECEIVE,
						  -1)));
	ASSERT_EQ(0, mt_info(fd, r, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights);
	EXPECT_EQ(3, urefs);
	ASSERT_EQ(0, mt_info(fd2, other, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights);
	EXPECT_EQ(2, urefs);
	EXPECT_EQ(EPIPE, mt_send_simple(fd2, other, MACHIPC_DISP_COPY_SEND, 1,
					NULL, 0, NULL));
	/* dead names are released by reference */
	ASSERT_EQ(0, MT_ERR(machipc_port_deallocate(fd2, other)));
	ASSERT_EQ(0, MT_ERR(machipc_port_deallocate(fd2, other)));
	EXPECT_EQ(ENOENT, mt_info(fd2, other, NULL, NULL));
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(fd, r)));
	EXPECT_EQ(ENOENT, mt_info(fd, r, NULL, NULL));
	close(fd);
	close(fd2);
}

TEST(move_member)
{
	struct machipc_port_attr a;
	__u32 p, s1, s2;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	s1 = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	s2 = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p, s1)));
	ASSERT_EQ(0, mt_attr(fd, p, &a));
	EXPECT_EQ(s1, a.pset);
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p, s2)));
	ASSERT_EQ(0, mt_attr(fd, p, &a));
	EXPECT_EQ(s2, a.pset);
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p, s2)));
	ASSERT_EQ(0, mt_attr(fd, p, &a));
	EXPECT_EQ(s2, a.pset);
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p, 0)));
	ASSERT_EQ(0, mt_attr(fd, p, &a));
	EXPECT_EQ(0, a.pset);
	/* leaving when in no set is fine */
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p, 0)));
	/* destroying the set takes the member out */
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p, s1)));
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(fd, s1)));
	ASSERT_EQ(0, mt_attr(fd, p, &a));
	EXPECT_EQ(0, a.pset);
	EXPECT_EQ(ETIMEDOUT, ({ __u64 b[16]; mt_recv_now(fd, p, b, sizeof(b)); }));
	/* destroying the member leaves the set empty and usable */
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p, s2)));
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(fd, p)));
	EXPECT_EQ(ETIMEDOUT, ({ __u64 b[16]; mt_recv_now(fd, s2, b, sizeof(b)); }));
	close(fd);
}

/* ------------------------------------------------------------------ */
/* The type-confusion matrix                                          */
/* ------------------------------------------------------------------ */

enum kind {
	K_RCV,		/* receive right only */
	K_RS,		/* receive + send */
	K_SEND,		/* send right to another space's port */
	K_SONCE,	/* send-once right */
	K_PSET,		/* port set */
	K_DEAD,		/* allocated dead name */
	K_DEADPORT,	/* send right whose port died */
	K_DESTROYED,	/* destroyed name */
	K_NEVER,	/* never allocated */
	K_ZERO,		/* MACHIPC_NAME_NULL */
	K_ALLONES,	/* MACHIPC_NAME_DEAD */
	K_OTHER,	/* valid only in another process's space */
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	"receive", "receive+send", "send", "send-once", "port-set",
	"dead-name", "dead-port-send", "destroyed", "never-allocated",
	"zero", "all-ones", "other-process",
};

#define KB(k)	(1u << (k))
#define K_VALID	(KB(K_RCV) | KB(K_RS) | KB(K_SEND) | KB(K_SONCE) | \
		 KB(K_PSET) | KB(K_DEAD) | KB(K_DEADPORT))
#define K_HASRCV (KB(K_RCV) | KB(K_RS))
#define K_ISDEAD (KB(K_DEAD) | KB(K_DEADPORT))

struct world {
	int fd;		/* the space under test */
	int fd2;	/* the space owning the send right's port */
	__u32 name[K_COUNT];
	__u32 dest;	/* a receive right in fd: destination for messages */
	__u32 member;	/* a receive right in fd, for move_member(set) */
	__u32 set;	/* a port set in fd, for move_member(member) */
	struct mt_snap s1, s2;
};

static __u32 other_name;	/* from the helper process */

static int world_make(struct world *w)
{
	__u32 p2, p3, imp = 0;
	int bfd;

	memset(w, 0, sizeof(*w));
	w->fd = machipc_open();
	w->fd2 = machipc_open();
	if (w->fd < 0 || w->fd2 < 0)
		return -1;
	w->dest = mt_alloc(w->fd, MACHIPC_RIGHT_RECEIVE);
	w->member = mt_alloc(w->fd, MACHIPC_RIGHT_RECEIVE);
	w->set = mt_alloc(w->fd, MACHIPC_RIGHT_PORT_SET);
	w->name[K_RCV] = mt_alloc(w->fd, MACHIPC_RIGHT_RECEIVE);
	w->name[K_RS] = mt_alloc(w->fd, MACHIPC_RIGHT_RECEIVE);
	if (machipc_port_insert_right(w->fd, w->name[K_RS],
				      MACHIPC_DISP_MAKE_SEND, NULL))
		return -1;
	/* a send right to fd2's port */
	p2 = mt_alloc(w->fd2, MACHIPC_RIGHT_RECEIVE);
	bfd = machipc_bootstrap_export(w->fd2, p2, MACHIPC_DISP_MAKE_SEND, 0);
	if (bfd < 0 || machipc_bootstrap_import(w->fd, bfd, &imp))
		return -1;
	close(bfd);
	w->name[K_SEND] = imp;
	/* a send-once right to a port of fd whose receive right is member */
	if (machipc_port_insert_right(w->fd, w->member,
				      MACHIPC_DISP_MAKE_SEND_ONCE,
				      &w->name[K_SONCE]))
		return -1;
	w->name[K_PSET] = mt_alloc(w->fd, MACHIPC_RIGHT_PORT_SET);
	w->name[K_DEAD] = mt_alloc(w->fd, MACHIPC_RIGHT_DEAD_NAME);
	/* a send right whose port then dies */
	p3 = mt_alloc(w->fd2, MACHIPC_RIGHT_RECEIVE);
	bfd = machipc_bootstrap_export(w->fd2, p3, MACHIPC_DISP_MAKE_SEND, 0);
	if (bfd < 0 || machipc_bootstrap_import(w->fd, bfd, &imp))
		return -1;
	close(bfd);
	if (machipc_port_destroy(w->fd2, p3))
		return -1;
	w->name[K_DEADPORT] = imp;
	w->name[K_DESTROYED] = mt_alloc(w->fd, MACHIPC_RIGHT_RECEIVE);
	if (machipc_port_destroy(w->fd, w->name[K_DESTROYED]))
		return -1;
	w->name[K_NEVER] = 0x00abcdefu;
	w->name[K_ZERO] = MACHIPC_NAME_NULL;
	w->name[K_ALLONES] = MACHIPC_NAME_DEAD;
	w->name[K_OTHER] = other_name;
	if (mt_snap_take(w->fd, &w->s1) || mt_snap_take(w->fd2, &w->s2))
		return -1;
	return 0;
}

static void world_free(struct world *w)
{
	close(w->fd);
	close(w->fd2);
}

enum op_type {
	OP_DESTROY, OP_DEALLOC, OP_MODREFS, OP_INSERT, OP_MEMBER, OP_SET,
	OP_GETATTR, OP_SETATTR, OP_SEND_DEST, OP_SEND_REPLY, OP_SEND_DESC,
	OP_RECEIVE, OP_EXPORT, OP_INFO,
};

struct op {
	enum op_type type;
	__u32 right;	/* mod_refs */
	int delta;	/* mod_refs */
	__u32 disp;	/* insert, send, export */
	char label[48];
};

static int op_run(struct world *w, const struct op *op, __u32 n)
{
	int fd = w->fd;
	__u64 buf[64];
	struct machipc_msg_builder b;
	struct machipc_msg_header *h = (void *)buf;
	struct machipc_port_attr a;
	struct machipc_name_info info;
	int bfd;

	switch (op->type) {
	case OP_DESTROY:
		return MT_ERR(machipc_port_destroy(fd, n));
	case OP_DEALLOC:
		return MT_ERR(machipc_port_deallocate(fd, n));
	case OP_MODREFS:
		return MT_ERR(machipc_port_mod_refs(fd, n, op->right,
						    op->delta));
	case OP_INSERT:
		return MT_ERR(machipc_port_insert_right(fd, n, op->disp, NULL));
	case OP_MEMBER:
		return MT_ERR(machipc_port_move_member(fd, n, w->set));
	case OP_SET:
		return MT_ERR(machipc_port_move_member(fd, w->member, n));
	case OP_GETATTR:
		return MT_ERR(machipc_port_get_attributes(fd, n, &a));
	case OP_SETATTR:
		return MT_ERR(machipc_port_set_qlimit(fd, n, 3));
	case OP_SEND_DEST:
		/* built by hand: the library refuses unknown dispositions */
		memset(buf, 0, sizeof(buf));
		h->bits = MACHIPC_MSGH_BITS(op->disp, 0);
		h->size = sizeof(*h) + 8;
		h->remote_name = n;
		h->id = 1;
		return MT_ERR(machipc_send(fd, buf, NULL));
	case OP_SEND_REPLY:
		memset(buf, 0, sizeof(buf));
		h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_MAKE_SEND, op->disp);
		h->size = sizeof(*h) + 8;
		h->remote_name = w->dest;
		h->local_name = n;
		h->id = 2;
		return MT_ERR(machipc_send(fd, buf, NULL));
	case OP_SEND_DESC:
		if (machipc_msg_init(&b, buf, sizeof(buf), w->dest,
				     MACHIPC_DISP_MAKE_SEND, 0,
				     MACHIPC_DISP_NONE, 3) ||
		    machipc_msg_add_port(&b, n, op->disp))
			return -1000;
		return MT_ERR(machipc_send(fd, buf, NULL));
	case OP_RECEIVE:
		return mt_recv_now(fd, n, buf, sizeof(buf));
	case OP_EXPORT:
		bfd = machipc_bootstrap_export(fd, n, op->disp, 0);
		if (bfd >= 0) {
			close(bfd);
			return 0;
		}
		return errno;
	case OP_INFO:
		return MT_ERR(machipc_name_info(fd, n, &info));
	}
	return -1;
}

/* Rights a kind holds, as MACHIPC_RIGHT_* bits. */
static __u32 kind_rights(enum kind k)
{
	switch (k) {
	case K_RCV: return MACHIPC_RIGHT_RECEIVE;
	case K_RS: return MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND;
	case K_SEND: return MACHIPC_RIGHT_SEND;
	case K_SONCE: return MACHIPC_RIGHT_SEND_ONCE;
	case K_PSET: return MACHIPC_RIGHT_PORT_SET;
	case K_DEAD:
	case K_DEADPORT: return MACHIPC_RIGHT_DEAD_NAME;
	default: return 0;
	}
}

/* The documented result of @op on a name of kind @k. */
static int op_expect(const struct op *op, enum kind k)
{
	__u32 has = kind_rights(k);
	bool valid = KB(k) & K_VALID, dead = KB(k) & K_ISDEAD;
	bool rcv = KB(k) & K_HASRCV;

	/* layout errors come before any name lookup */
	if ((op->type == OP_SEND_DEST || op->type == OP_SEND_REPLY) &&
	    op->disp == MACHIPC_DISP_MOVE_RECEIVE)
		return EINVAL;
	if (op->type == OP_SET && k == K_ZERO)
		return 0;	/* NULL set: leave any set */
	if (!valid)
		return ENOENT;

	switch (op->type) {
	case OP_DESTROY:
	case OP_INFO:
		return 0;
	case OP_DEALLOC:
		return has & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_SEND_ONCE |
			      MACHIPC_RIGHT_DEAD_NAME) ? 0 : EACCES;
	case OP_MODREFS:
		if (!(has & op->right))
			return (dead && (op->right & (MACHIPC_RIGHT_SEND |
					MACHIPC_RIGHT_SEND_ONCE))) ? EPIPE : EACCES;
		if (op->right & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_DEAD_NAME))
			return 0;
		return op->delta == 1 ? EINVAL : 0;
	case OP_INSERT:
	case OP_MEMBER:
	case OP_GETATTR:
	case OP_SETATTR:
		return rcv ? 0 : EACCES;
	case OP_SET:
		return k == K_PSET ? 0 : EACCES;
	case OP_RECEIVE:
		return (rcv || k == K_PSET) ? ETIMEDOUT : EACCES;
	case OP_SEND_DEST:
	case OP_SEND_REPLY:
	case OP_SEND_DESC:
		switch (op->disp) {
		case MACHIPC_DISP_COPY_SEND:
		case MACHIPC_DISP_MOVE_SEND:
			if (dead)
				return EPIPE;
			return has & MACHIPC_RIGHT_SEND ? 0 : EACCES;
		case MACHIPC_DISP_MOVE_SEND_ONCE:
			if (dead)
				return EPIPE;
			return has & MACHIPC_RIGHT_SEND_ONCE ? 0 : EACCES;
		case MACHIPC_DISP_MAKE_SEND:
		case MACHIPC_DISP_MAKE_SEND_ONCE:
		case MACHIPC_DISP_MOVE_RECEIVE:
			return rcv ? 0 : EACCES;
		}
		return EINVAL;
	case OP_EXPORT:
		if (op->disp == MACHIPC_DISP_MAKE_SEND)
			return rcv ? 0 : EACCES;
		if (dead)
			return EPIPE;
		return has & MACHIPC_RIGHT_SEND ? 0 : EACCES;
	}
	return -1;
}

static size_t build_ops(struct op *ops)
{
	static const __u32 rights[] = {
		MACHIPC_RIGHT_SEND, MACHIPC_RIGHT_RECEIVE,
		MACHIPC_RIGHT_SEND_ONCE, MACHIPC_RIGHT_PORT_SET,
		MACHIPC_RIGHT_DEAD_NAME };
	static const char *const rn[] = { "send", "receive", "send-once",
					  "port-set", "dead-name" };
	size_t n = 0, i;
	int d;
	__u32 disp;

#define ADD(t, lbl, ...) do {						\
	memset(&ops[n], 0, sizeof(ops[n]));				\
	ops[n].type = (t);						\
	snprintf(ops[n].label, sizeof(ops[n].label), lbl, ##__VA_ARGS__); \
	n++;								\
} while (0)
	ADD(OP_DESTROY, "destroy");
	ADD(OP_DEALLOC, "deallocate");
	for (i = 0; i < ARRAY_LEN(rights); i++)
		for (d = -1; d <= 1; d++) {
			ADD(OP_MODREFS, "mod_refs(%s, %+d)", rn[i], d);
			ops[n - 1].right = rights[i];
			ops[n - 1].delta = d;
		}
	ADD(OP_INSERT, "insert(make-send)");
	ops[n - 1].disp = MACHIPC_DISP_MAKE_SEND;
	ADD(OP_INSERT, "insert(make-send-once)");
	ops[n - 1].disp = MACHIPC_DISP_MAKE_SEND_ONCE;
	ADD(OP_MEMBER, "move_member(as member)");
	ADD(OP_SET, "move_member(as set)");
	ADD(OP_GETATTR, "get_attributes");
	ADD(OP_SETATTR, "set_attributes");
	for (disp = MACHIPC_DISP_MOVE_RECEIVE; disp <= MACHIPC_DISP_LAST; disp++) {
		ADD(OP_SEND_DEST, "send(dest %s)", machipc_disp_string(disp));
		ops[n - 1].disp = disp;
		ADD(OP_SEND_REPLY, "send(reply %s)", machipc_disp_string(disp));
		ops[n - 1].disp = disp;
		ADD(OP_SEND_DESC, "send(desc %s)", machipc_disp_string(disp));
		ops[n - 1].disp = disp;
	}
	ADD(OP_RECEIVE, "receive");
	ADD(OP_EXPORT, "export(make-send)");
	ops[n - 1].disp = MACHIPC_DISP_MAKE_SEND;
	ADD(OP_EXPORT, "export(copy-send)");
	ops[n - 1].disp = MACHIPC_DISP_COPY_SEND;
	ADD(OP_EXPORT, "export(move-send)");
	ops[n - 1].disp = MACHIPC_DISP_MOVE_SEND;
	ADD(OP_INFO, "name_info");
#undef ADD
	return n;
}

/* A helper process whose space holds names 1..64; reports name 64. */
static pid_t start_other(int *keep)
{
	int p[2], q[2];
	pid_t pid;
	__u32 n = 0;

	if (pipe(p) || pipe(q))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = machipc_open(), i;

		close(p[0]);
		close(q[1]);
		for (i = 0; i < 64; i++)
			n = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
		if (write(p[1], &n, sizeof(n)) != sizeof(n))
			_exit(1);
		mt_get(q[0]);	/* until the parent is done */
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	if (read(p[0], &n, sizeof(n)) != sizeof(n))
		return -1;
	close(p[0]);
	other_name = n;
	*keep = q[1];
	return pid;
}

/* Every operation on every kind of name: minutes on the debug kernel. */
FIXTURE(matrix) {};
FIXTURE_SETUP(matrix) {}
FIXTURE_TEARDOWN(matrix) {}

TEST_F_TIMEOUT(matrix, type_confusion_matrix, 300)
{
	struct op ops[64];
	size_t nops, i;
	int keep = -1, k, failures = 0, checked = 0;
	pid_t other;

	nops = build_ops(ops);
	ASSERT_LE(nops, ARRAY_LEN(ops));
	other = start_other(&keep);
	ASSERT_LT(0, other);
	ASSERT_LT(20, other_name);

	for (i = 0; i < nops; i++) {
		for (k = 0; k < K_COUNT; k++) {
			struct world w;
			int want = op_expect(&ops[i], k), got;
			char why[256];
			struct mt_snap *after;

			ASSERT_EQ(0, world_make(&w))
				TH_LOG("setup: %s", strerror(errno));
			/* the name is not in this space */
			if (k == K_OTHER)
				ASSERT_EQ(ENOENT, mt_info(w.fd, other_name,
							  NULL, NULL));
			got = op_run(&w, &ops[i], w.name[k]);
			checked++;
			if (got != want) {
				TH_LOG("%s on %s name %#x: got %s (%d), want %s (%d)",
				       ops[i].label, kind_names[k], w.name[k],
				       machipc_errno_name(got) ?: "0", got,
				       machipc_errno_name(want) ?: "0", want);
				failures++;
			}
			if (want != 0 && got == want) {
				after = malloc(sizeof(*after));
				ASSERT_NE(NULL, after);
				mt_snap_take(w.fd, after);
				if (mt_snap_diff(&w.s1, after, why, sizeof(why))) {
					TH_LOG("%s on %s failed (%d) but changed the space: %s",
					       ops[i].label, kind_names[k], got, why);
					failures++;
				}
				mt_snap_take(w.fd2, after);
				if (mt_snap_diff(&w.s2, after, why, sizeof(why))) {
					TH_LOG("%s on %s failed (%d) but changed the peer space: %s",
					       ops[i].label, kind_names[k], got, why);
					failures++;
				}
				free(after);
			}
			world_free(&w);
		}
	}
	close(keep);
	EXPECT_EQ(0, mt_wait(other));
	TH_LOG("%d combinations checked", checked);
	EXPECT_EQ(0, failures);
}

/*
 * Each successful operation of the matrix also does what it should to the
 * counters: a spot check of the interesting ones.
 */
TEST(successes_change_the_model)
{
	struct world w;
	struct machipc_port_attr a;
	__u32 rights = 0, urefs = 0;

	ASSERT_EQ(0, world_make(&w));
	/* COPY_SEND of the send right as a descriptor: srights+1 in fd2 */
	{
		struct op op = { .type = OP_SEND_DESC,
				 .disp = MACHIPC_DISP_COPY_SEND };
		struct mt_snap *s = &w.s2;
		size_t i;
		__u32 before = 0;

		for (i = 0; i < s->nports; i++)
			if (s->ports[i].srights)
				before = s->ports[i].srights;
		ASSERT_EQ(1, before);
		ASSERT_EQ(0, op_run(&w, &op, w.name[K_SEND]));
		ASSERT_EQ(0, mt_snap_take(w.fd2, s));
		for (i = 0; i < s->nports; i++)
			if (s->ports[i].srights)
				before = s->ports[i].srights;
		EXPECT_EQ(2, before);
		ASSERT_EQ(0, mt_info(w.fd, w.name[K_SEND], &rights, &urefs));
		EXPECT_EQ(1, urefs);
	}
	/* MAKE_SEND_ONCE as reply: sorights+1 */
	{
		struct op op = { .type = OP_SEND_REPLY,
				 .disp = MACHIPC_DISP_MAKE_SEND_ONCE };

		ASSERT_EQ(0, op_run(&w, &op, w.name[K_RCV]));
		ASSERT_EQ(0, mt_attr(w.fd, w.name[K_RCV], &a));
		EXPECT_EQ(1, a.sorights);
		EXPECT_EQ(0, a.mscount);
	}
	/* MOVE_SEND_ONCE as destination: the name goes */
	{
		struct op op = { .type = OP_SEND_DEST,
				 .disp = MACHIPC_DISP_MOVE_SEND_ONCE };

		ASSERT_EQ(0, op_run(&w, &op, w.name[K_SONCE]));
		EXPECT_EQ(ENOENT, mt_info(w.fd, w.name[K_SONCE], NULL, NULL));
		ASSERT_EQ(0, mt_attr(w.fd, w.member, &a));
		EXPECT_EQ(1, a.sorights);	/* in the queued message */
		EXPECT_EQ(1, a.msgcount);
	}
	/* MOVE_RECEIVE of receive+send: the name keeps the send right */
	{
		struct op op = { .type = OP_SEND_DESC,
				 .disp = MACHIPC_DISP_MOVE_RECEIVE };

		ASSERT_EQ(0, op_run(&w, &op, w.name[K_RS]));
		ASSERT_EQ(0, mt_info(w.fd, w.name[K_RS], &rights, &urefs));
		EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
		EXPECT_EQ(1, urefs);
		EXPECT_EQ(EACCES, mt_attr(w.fd, w.name[K_RS], &a));
	}
	world_free(&w);
}

/* ------------------------------------------------------------------ */
/* Stale names                                                        */
/* ------------------------------------------------------------------ */

FIXTURE(stale)
{
	int fd;
};

FIXTURE_SETUP(stale)
{
	self->fd = machipc_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(stale)
{
	close(self->fd);
}

#define NLIVE	64
#define NSAMPLE	4096

TEST_F_TIMEOUT(stale, million_cycles, 900)
{
	static const __u32 kinds[] = { MACHIPC_RIGHT_RECEIVE,
				       MACHIPC_RIGHT_PORT_SET,
				       MACHIPC_RIGHT_DEAD_NAME };
	long iters = mt_scaled(1000000, 1000), i, every;
	__u32 live[NLIVE], sample[NSAMPLE], last = 0;
	size_t nsample = 0, j;
	long long t0 = mt_now_ns();
	int fd = self->fd, bad = 0;

	for (j = 0; j < NLIVE; j++) {
		live[j] = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
		ASSERT_NE(0, live[j]);
	}
	every = iters / NSAMPLE > 0 ? iters / NSAMPLE : 1;
	for (i = 0; i < iters; i++) {
		__u32 right = kinds[i % 3], n = 0;

		if (machipc_port_allocate(fd, right, &n)) {
			TH_LOG("allocate #%ld: %s", i, strerror(errno));
			ASSERT_TRUE(0);
		}
		/* never 0, never all-ones, never a live name */
		if (n == 0 || n == MACHIPC_NAME_DEAD || n == last) {
			TH_LOG("bad name %#x at #%ld", n, i);
			bad++;
		}
		last = n;
		if ((i & 1023) == 0)
			for (j = 0; j < NLIVE; j++)
				if (n == live[j]) {
					TH_LOG("name %#x collides with a live name", n);
					bad++;
				}
		if (machipc_port_destroy(fd, n)) {
			TH_LOG("destroy #%ld %#x: %s", i, n, strerror(errno));
			ASSERT_TRUE(0);
		}
		if (i % every == 0 && nsample < NSAMPLE)
			sample[nsample++] = n;
		/* probe the stale sample now and then */
		if ((i & 0xffff) == 0xffff)
			for (j = 0; j < nsample; j++)
				if (mt_info(fd, sample[j], NULL, NULL) != ENOENT) {
					TH_LOG("stale name %#x resolves", sample[j]);
					bad++;
				}
		if (bad > 10)
			break;
		/* recycle one live name every 4096 iterations */
		if ((i & 4095) == 4095) {
			size_t k = (i >> 12) % NLIVE;

			ASSERT_EQ(0, MT_ERR(machipc_port_destroy(fd, live[k])));
			if (nsample < NSAMPLE)
				sample[nsample++] = live[k];
			live[k] = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
			ASSERT_NE(0, live[k]);
		}
	}
	EXPECT_EQ(0, bad);
	for (j = 0; j < nsample; j++) {
		struct machipc_port_attr a;

		EXPECT_EQ(ENOENT, mt_info(fd, sample[j], NULL, NULL))
			TH_LOG("stale name %#x", sample[j]);
		EXPECT_EQ(ENOENT, mt_attr(fd, sample[j], &a));
		EXPECT_EQ(ENOENT, MT_ERR(machipc_port_destroy(fd, sample[j])));
		EXPECT_EQ(ENOENT, mt_send_simple(fd, sample[j],
						 MACHIPC_DISP_MAKE_SEND, 1,
						 NULL, 0, NULL));
	}
	/* the live names are intact and distinct */
	{
		struct machipc_name_info *names;
		size_t count;

		ASSERT_EQ(0, machipc_port_names(fd, &names, &count));
		EXPECT_EQ(NLIVE, count);
		for (j = 1; j < count; j++)
			EXPECT_LT(names[j - 1].name, names[j].name);
		free(names);
		for (j = 0; j < NLIVE; j++) {
			__u32 r = 0;

			EXPECT_EQ(0, mt_info(fd, live[j], &r, NULL));
			EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, r);
		}
	}
	TH_LOG("%ld cycles in %.1f s", iters, (mt_now_ns() - t0) / 1e9);
}

TEST_HARNESS_MAIN
