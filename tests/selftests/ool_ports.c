// SPDX-License-Identifier: GPL-2.0
/*
 * ool_ports: port arrays in messages (MACHIPC_DESC_OOL_PORTS, ABI 5), Mach's
 * MACH_MSG_OOL_PORTS_DESCRIPTOR.
 *
 * - send_rights_between_spaces: 3000 ports' send rights, with NULL and DEAD
 *   entries, arrive in order under the receiver's names for the same ports.
 * - receive_rights_move: an array of receive rights leaves the sender and
 *   arrives whole; the ports keep their queued messages.
 * - send_once_and_duplicates: MAKE_SEND_ONCE gives a name per right, a
 *   name repeated in a MOVE_SEND array moves as many user references.
 * - far_above_inline_limit: MACHIPC_OOL_PORTS_MAX names in one message,
 *   far more than max_inline holds as descriptors.
 * - atomic_failure: one bad name (or one too many references, or an
 *   unreadable array) fails the whole send, nothing moved, blame names the
 *   descriptor.
 * - emsgsize_counts_names: the receive needs room for the names after the
 *   trailer; too little and the message stays queued.
 * - accounting_to_the_byte: the arrays are charged to the sender as the
 *   documentation's formula says, and refunded on receive and on destroy.
 * - bad_descriptors: disposition NONE or unknown, a name field, more than
 *   MACHIPC_OOL_PORTS_MAX in all: EINVAL.
 * - destroyed_releases: a queued array of receive rights dies with its
 *   carrier: the ports die, their names in the sender are gone.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "machipc_test.h"
#include "ool_test.h"

#define BIG	(MACHIPC_OOL_PORTS_MAX + 16)

/* A message to @dest (COPY_SEND) with one port array. */
static void *build(__u32 dest, const __u32 *names, __u32 n, __u32 disp,
		   __u32 *size)
{
	size_t sz = OOL_HDR + OOL_DSC;
	struct machipc_msg_header *h = calloc(1, sz);
	struct machipc_msg_desc *d = (void *)(h + 1);

	if (!h)
		return NULL;
	h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND, MACHIPC_DISP_NONE) |
		  MACHIPC_MSGH_COMPLEX;
	h->size = (__u32)sz;
	h->remote_name = dest;
	h->id = 0x0a77;
	h->desc_count = 1;
	d->type = MACHIPC_DESC_OOL_PORTS;
	d->disposition = disp;
	d->address = (uintptr_t)names;
	d->size = n;
	*size = (__u32)sz;
	return h;
}

static int send_now(int fd, const void *msg, __u32 *blame)
{
	struct machipc_msg_args a;
	struct timespec dl;

	machipc_deadline_in(&dl, 0);
	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_SEND_TIMEOUT;
	a.send_msg = (uintptr_t)msg;
	a.send_size = ((const struct machipc_msg_header *)msg)->size;
	a.send_deadline = machipc_timespec_to_ns(&dl);
	if (machipc_msg(fd, &a)) {
		if (blame)
			*blame = a.blame;
		return errno;
	}
	return 0;
}

/* Receive into @buf (@cap bytes) now; the received array, or NULL. */
static const __u32 *recv_array(int fd, __u32 port, void *buf, __u32 cap,
			       struct machipc_msg_args *a, int *err)
{
	const struct machipc_msg_header *h = buf;
	const struct machipc_msg_desc *d = (const void *)(h + 1);

	*err = ool_recv_raw(fd, port, buf, cap, 0, 0, a);
	if (*err || h->desc_count != 1 || d->type != MACHIPC_DESC_OOL_PORTS)
		return NULL;
	return (const __u32 *)(uintptr_t)d->address;
}

static __u64 port_id(int fd, __u32 name)
{
	struct machipc_name_info info;

	if (machipc_name_info(fd, name, &info))
		return 0;
	return info.port_id;
}

FIXTURE(two) {
	int s, r;
	__u32 dest;	/* a receive right of r */
	__u32 dest_in_s;	/* a send right to it in s */
	void *rbuf;
	__u32 rcap;
};

FIXTURE_SETUP(two)
{
	self->s = machipc_open();
	self->r = machipc_open();
	ASSERT_LE(0, self->s);
	ASSERT_LE(0, self->r);
	self->dest = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->dest);
	ASSERT_EQ(0, mt_give_send(self->r, self->dest, self->s,
				  &self->dest_in_s));
	self->rcap = OOL_HDR + OOL_DSC + 64 + BIG * 4;
	self->rbuf = malloc(self->rcap);
	ASSERT_NE(NULL, self->rbuf);
}

FIXTURE_TEARDOWN(two)
{
	free(self->rbuf);
	close(self->s);
	close(self->r);
}

TEST_F(two, send_rights_between_spaces)
{
	__u32 n = 3000, i, size, *names = calloc(n, 4);
	struct machipc_msg_args a;
	const __u32 *got;
	void *msg;
	int err;

	ASSERT_NE(NULL, names);
	for (i = 0; i < n; i++) {
		if (i == 7) {
			names[i] = MACHIPC_NAME_NULL;
		} else if (i == 8) {
			names[i] = MACHIPC_NAME_DEAD;
		} else {
			names[i] = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE);
			ASSERT_NE(0, names[i]);
		}
	}
	msg = build(self->dest_in_s, names, n, MACHIPC_DISP_MAKE_SEND, &size);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, send_now(self->s, msg, NULL));
	got = recv_array(self->r, self->dest, self->rbuf, self->rcap, &a,
			 &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, got);
	EXPECT_EQ(size + sizeof(struct machipc_msg_trailer) + n * 4,
		  a.rcv_size);
	/* Right after the trailer, in the receive buffer. */
	EXPECT_EQ((char *)self->rbuf + size + sizeof(struct machipc_msg_trailer),
		  (const char *)got);
	EXPECT_EQ(MACHIPC_DISP_MOVE_SEND,
		  ((const struct machipc_msg_desc *)
		   ((const char *)self->rbuf + OOL_HDR))->disposition);
	EXPECT_EQ(n, ((const struct machipc_msg_desc *)
		      ((const char *)self->rbuf + OOL_HDR))->size);
	for (i = 0; i < n; i++) {
		__u32 rights = 0, urefs = 0;

		if (i == 7 || i == 8) {
			EXPECT_EQ(names[i], got[i]);
			continue;
		}
		ASSERT_EQ(0, mt_info(self->r, got[i], &rights, &urefs));
		EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
		EXPECT_EQ(1, urefs);
		EXPECT_EQ(port_id(self->s, names[i]), port_id(self->r, got[i]));
		if (port_id(self->s, names[i]) != port_id(self->r, got[i]))
			break;
	}
	free(msg);
	free(names);
}

TEST_F(two, receive_rights_move)
{
	__u32 n = 100, i, size, names[100], rights, urefs;
	struct machipc_msg_args a;
	const __u32 *got;
	void *msg;
	int err;

	for (i = 0; i < n; i++) {
		names[i] = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE);
		ASSERT_NE(0, names[i]);
		ASSERT_EQ(0, mt_send_simple(self->s, names[i],
					    MACHIPC_DISP_MAKE_SEND, i, &i,
					    sizeof(i), NULL));
	}
	msg = build(self->dest_in_s, names, n, MACHIPC_DISP_MOVE_RECEIVE,
		    &size);
	ASSERT_EQ(0, send_now(self->s, msg, NULL));
	for (i = 0; i < n; i++)
		EXPECT_EQ(ENOENT, mt_info(self->s, names[i], &rights, &urefs));
	got = recv_array(self->r, self->dest, self->rbuf, self->rcap, &a,
			 &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, got);
	EXPECT_EQ(MACHIPC_DISP_MOVE_RECEIVE,
		  ((const struct machipc_msg_desc *)
		   ((const char *)self->rbuf + OOL_HDR))->disposition);
	for (i = 0; i < n; i++) {
		__u64 buf[16];

		ASSERT_EQ(0, mt_info(self->r, got[i], &rights, &urefs));
		EXPECT_TRUE(rights & MACHIPC_RIGHT_RECEIVE);
		/* Each port brought its queue along. */
		ASSERT_EQ(0, mt_recv_now(self->r, got[i], buf, sizeof(buf)));
		EXPECT_EQ(i, ((struct machipc_msg_header *)buf)->id);
	}
	free(msg);
}

TEST_F(two, send_once_and_duplicates)
{
	__u32 p = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE), size, i;
	__u32 names[4] = { p, p, p, p }, rights = 0, urefs = 0;
	struct machipc_msg_args a;
	const __u32 *got;
	void *msg;
	int err;

	ASSERT_NE(0, p);
	msg = build(self->dest_in_s, names, 4, MACHIPC_DISP_MAKE_SEND_ONCE,
		    &size);
	ASSERT_EQ(0, send_now(self->s, msg, NULL));
	got = recv_array(self->r, self->dest, self->rbuf, self->rcap, &a,
			 &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, got);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, mt_info(self->r, got[i], &rights, &urefs));
		EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);
		EXPECT_TRUE(i == 0 || got[i] != got[i - 1]);
	}
	free(msg);

	/* Three user references, moved by three entries of one array. */
	ASSERT_EQ(0, machipc_port_insert_right(self->s, p,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	ASSERT_EQ(0, machipc_port_mod_refs(self->s, p, MACHIPC_RIGHT_SEND, 2));
	msg = build(self->dest_in_s, names, 3, MACHIPC_DISP_MOVE_SEND, &size);
	ASSERT_EQ(0, send_now(self->s, msg, NULL));
	ASSERT_EQ(0, mt_info(self->s, p, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	got = recv_array(self->r, self->dest, self->rbuf, self->rcap, &a,
			 &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, got);
	EXPECT_EQ(got[0], got[1]);
	EXPECT_EQ(got[1], got[2]);
	ASSERT_EQ(0, mt_info(self->r, got[0], &rights, &urefs));
	EXPECT_EQ(3, urefs);
	free(msg);
}

TEST_F(two, far_above_inline_limit)
{
	__u32 n = MACHIPC_OOL_PORTS_MAX, p, size, i, *names = calloc(n, 4);
	struct machipc_version v;
	struct machipc_msg_args a;
	const __u32 *got;
	void *msg;
	int err;

	ASSERT_NE(NULL, names);
	ASSERT_EQ(0, machipc_abi_version(self->s, &v));
	p = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	for (i = 0; i < n; i++)
		names[i] = p;
	msg = build(self->dest_in_s, names, n, MACHIPC_DISP_MAKE_SEND, &size);
	ASSERT_EQ(0, send_now(self->s, msg, NULL));
	got = recv_array(self->r, self->dest, self->rbuf, self->rcap, &a,
			 &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, got);
	for (i = 1; i < n && got[i] == got[0]; i++)
		;
	EXPECT_EQ(n, i);
	free(msg);
	free(names);
}

TEST_F(two, atomic_failure)
{
	__u32 names[5], size, blame = 0, i, rights = 0, urefs = 0;
	struct mt_snap before;
	void *msg;

	for (i = 0; i < 5; i++)
		names[i] = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE);
	names[3] = 0x7fff0001;	/* no such name */
	ASSERT_EQ(0, mt_snap_take(self->s, &before));
	msg = build(self->dest_in_s, names, 5, MACHIPC_DISP_MOVE_RECEIVE,
		    &size);
	EXPECT_EQ(ENOENT, send_now(self->s, msg, &blame));
	EXPECT_EQ(MACHIPC_BLAME_DESC(0), blame);
	EXPECT_SNAP_UNCHANGED(self->s, &before, "after a bad name");
	/* The same receive right twice. */
	names[3] = names[1];
	EXPECT_EQ(EACCES, send_now(self->s, msg, &blame));
	EXPECT_SNAP_UNCHANGED(self->s, &before, "after a right moved twice");
	/* An array that cannot be read. */
	((struct machipc_msg_desc *)((char *)msg + OOL_HDR))->address = 8;
	EXPECT_EQ(EFAULT, send_now(self->s, msg, &blame));
	EXPECT_SNAP_UNCHANGED(self->s, &before, "after EFAULT");
	for (i = 0; i < 5; i++)
		if (i != 3)
			EXPECT_EQ(0, mt_info(self->s, names[i], &rights, &urefs));
	EXPECT_EQ(0, ool_msgcount(self->r, self->dest));
	free(msg);
}

TEST_F(two, emsgsize_counts_names)
{
	__u32 names[3], size, i;
	struct machipc_msg_args a;
	const __u32 *got;
	void *msg;
	int err;

	for (i = 0; i < 3; i++)
		names[i] = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE);
	msg = build(self->dest_in_s, names, 3, MACHIPC_DISP_MAKE_SEND, &size);
	ASSERT_EQ(0, send_now(self->s, msg, NULL));
	/* Room for the message and trailer, not for the names. */
	EXPECT_EQ(EMSGSIZE, ool_recv_raw(self->r, self->dest, self->rbuf,
					 size + sizeof(struct machipc_msg_trailer),
					 0, 0, &a));
	EXPECT_EQ(size + sizeof(struct machipc_msg_trailer) + 16, a.rcv_size);
	EXPECT_EQ(1, ool_msgcount(self->r, self->dest));
	got = recv_array(self->r, self->dest, self->rbuf, a.rcv_size, &a,
			 &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, got);
	free(msg);
}

TEST_F(two, accounting_to_the_byte)
{
	__u32 n = 1000, i, size, *names = calloc(n, 4);
	struct machipc_account_info ai;
	struct machipc_msg_args a;
	__u64 base;
	void *msg;
	int err;

	ASSERT_NE(NULL, names);
	for (i = 0; i < n; i++)
		names[i] = self->dest_in_s;
	ASSERT_EQ(0, machipc_account_get(self->s, &ai));
	base = ai.usage;
	msg = build(self->dest_in_s, names, n, MACHIPC_DISP_COPY_SEND, &size);
	ASSERT_EQ(0, send_now(self->s, msg, NULL));
	ASSERT_EQ(0, machipc_account_get(self->s, &ai));
	/* The message, and (2 + descriptors + names) slots plus the names. */
	EXPECT_EQ(base + ool_msg_cost(&ai, size) +
		  (2 + 1 + n) * (__u64)ai.cost_msg_slot + 4ULL * n, ai.usage);
	ASSERT_NE(NULL, recv_array(self->r, self->dest, self->rbuf,
				   self->rcap, &a, &err));
	EXPECT_EQ(base, ool_usage(self->s));
	/* Over the limit: ENOBUFS, nothing charged. */
	ASSERT_EQ(0, machipc_account_set_limit(self->s, base + 1024));
	EXPECT_EQ(ENOBUFS, send_now(self->s, msg, NULL));
	EXPECT_EQ(base, ool_usage(self->s));
	free(msg);
	free(names);
}

TEST_F(two, bad_descriptors)
{
	__u32 names[2] = { self->dest_in_s, self->dest_in_s }, size;
	struct machipc_msg_desc *d;
	void *msg;

	msg = build(self->dest_in_s, names, 2, MACHIPC_DISP_NONE, &size);
	d = (void *)((char *)msg + OOL_HDR);
	EXPECT_EQ(EINVAL, send_now(self->s, msg, NULL));
	d->disposition = MACHIPC_DISP_LAST + 1;
	EXPECT_EQ(EINVAL, send_now(self->s, msg, NULL));
	d->disposition = MACHIPC_DISP_COPY_SEND;
	d->name = 1;
	EXPECT_EQ(EINVAL, send_now(self->s, msg, NULL));
	d->name = 0;
	d->reserved = 1;
	EXPECT_EQ(EINVAL, send_now(self->s, msg, NULL));
	d->reserved = 0;
	d->size = MACHIPC_OOL_PORTS_MAX + 1;
	EXPECT_EQ(EINVAL, send_now(self->s, msg, NULL));
	d->size = 2;
	EXPECT_EQ(0, send_now(self->s, msg, NULL));
	EXPECT_EQ(1, ool_msgcount(self->r, self->dest));
	free(msg);
}

TEST_F(two, destroyed_releases)
{
	__u32 names[10], size, i, rights = 0, urefs = 0, other, other_in_s;
	__u64 base = ool_usage(self->s);
	struct machipc_name_info info;
	void *msg;

	other = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, mt_give_send(self->r, other, self->s, &other_in_s));
	base = ool_usage(self->s);
	for (i = 0; i < 10; i++) {
		names[i] = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE);
		ASSERT_EQ(0, machipc_port_insert_right(self->s, names[i],
						       MACHIPC_DISP_MAKE_SEND,
						       NULL));
	}
	/* A send right to each stays behind; the receive rights travel. */
	msg = build(other_in_s, names, 10, MACHIPC_DISP_MOVE_RECEIVE, &size);
	ASSERT_EQ(0, send_now(self->s, msg, NULL));
	ASSERT_EQ(0, machipc_port_destroy(self->r, other));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, mt_info(self->s, names[i], &rights, &urefs));
		EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights);
		ASSERT_EQ(0, machipc_name_info(self->s, names[i], &info));
		ASSERT_EQ(0, machipc_port_destroy(self->s, names[i]));
	}
	EXPECT_EQ(base, ool_usage(self->s));
	free(msg);
}

/*
 * A port array beside synchronous out-of-line data: the receiver commits
 * the sender's side too (copy-engine.rst), the array's rights included.
 */
TEST_F(two, with_synchronous_data)
{
	__u32 names[8], i, rights = 0, urefs = 0;
	size_t len = 3 * ool_page() + 5;
	char *data = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { (uintptr_t)dst, len };
	struct machipc_msg_header *h;
	struct machipc_msg_desc *d;
	struct ool_sender snd;
	struct machipc_msg_args a;
	const __u32 *got;

	ASSERT_NE(NULL, data);
	ASSERT_NE(NULL, dst);
	ool_fill(data, len, 12);
	for (i = 0; i < 8; i++)
		names[i] = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE);
	h = calloc(1, OOL_HDR + 2 * OOL_DSC);
	ASSERT_NE(NULL, h);
	h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND, MACHIPC_DISP_NONE) |
		  MACHIPC_MSGH_COMPLEX;
	h->size = OOL_HDR + 2 * OOL_DSC;
	h->remote_name = self->dest_in_s;
	h->desc_count = 2;
	d = (void *)(h + 1);
	d[0].type = MACHIPC_DESC_OOL;
	d[0].address = (uintptr_t)data;
	d[0].size = len;
	d[1].type = MACHIPC_DESC_OOL_PORTS;
	d[1].disposition = MACHIPC_DISP_MOVE_RECEIVE;
	d[1].address = (uintptr_t)names;
	d[1].size = 8;
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, h, 20000));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 20000));
	/* Still the sender's until the receive commits. */
	ASSERT_EQ(0, mt_info(self->s, names[0], &rights, &urefs));
	EXPECT_TRUE(rights & MACHIPC_RIGHT_RECEIVE);
	memset(&a, 0, sizeof(a));
	EXPECT_EQ(0, ool_recv_raw(self->r, self->dest, self->rbuf, self->rcap,
				  (uintptr_t)&ob, 1, &a));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(len, ool_check(dst, len, 12));
	d = (void *)((char *)self->rbuf + OOL_HDR);
	ASSERT_EQ(MACHIPC_DESC_OOL_PORTS, d[1].type);
	got = (const __u32 *)(uintptr_t)d[1].address;
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(ENOENT, mt_info(self->s, names[i], &rights, &urefs));
		ASSERT_EQ(0, mt_info(self->r, got[i], &rights, &urefs));
		EXPECT_TRUE(rights & MACHIPC_RIGHT_RECEIVE);
	}
	free(h);
	munmap(data, len);
	munmap(dst, len);
}

/*
 * Arrays of 0, 1 and 1000 names with each disposition: the rights that
 * arrive, and the sender's rights after the send.
 */
TEST_F(two, every_disposition_and_size)
{
	static const __u32 disps[] = {
		MACHIPC_DISP_MOVE_RECEIVE, MACHIPC_DISP_MOVE_SEND,
		MACHIPC_DISP_MOVE_SEND_ONCE, MACHIPC_DISP_COPY_SEND,
		MACHIPC_DISP_MAKE_SEND, MACHIPC_DISP_MAKE_SEND_ONCE,
	};
	static const __u32 counts[] = { 0, 1, 1000 };
	__u32 *names = calloc(1000, 4), di, ci, i, size;
	struct machipc_msg_args a;
	const __u32 *got;
	void *msg;
	int err;

	ASSERT_NE(NULL, names);
	for (di = 0; di < ARRAY_LEN(disps); di++) {
		for (ci = 0; ci < ARRAY_LEN(counts); ci++) {
			__u32 d = disps[di], n = counts[ci], want;

			for (i = 0; i < n; i++) {
				names[i] = mt_alloc(self->s,
						    MACHIPC_RIGHT_RECEIVE);
				ASSERT_NE(0, names[i]);
				if (d == MACHIPC_DISP_MOVE_SEND ||
				    d == MACHIPC_DISP_COPY_SEND)
					ASSERT_EQ(0, machipc_port_insert_right(
						self->s, names[i],
						MACHIPC_DISP_MAKE_SEND, NULL));
				if (d == MACHIPC_DISP_MOVE_SEND_ONCE)
					ASSERT_EQ(0, machipc_port_insert_right(
						self->s, names[i],
						MACHIPC_DISP_MAKE_SEND_ONCE,
						&names[i]));
			}
			msg = build(self->dest_in_s, names, n, d, &size);
			ASSERT_NE(NULL, msg);
			ASSERT_EQ(0, send_now(self->s, msg, NULL))
				TH_LOG("disposition %u, %u names", d, n);
			got = recv_array(self->r, self->dest, self->rbuf,
					 self->rcap, &a, &err);
			ASSERT_EQ(0, err);
			ASSERT_NE(NULL, got);
			want = d == MACHIPC_DISP_MOVE_RECEIVE ?
				MACHIPC_RIGHT_RECEIVE :
			       d == MACHIPC_DISP_MOVE_SEND_ONCE ||
			       d == MACHIPC_DISP_MAKE_SEND_ONCE ?
				MACHIPC_RIGHT_SEND_ONCE : MACHIPC_RIGHT_SEND;
			for (i = 0; i < n; i++) {
				__u32 rights = 0, urefs = 0;

				ASSERT_EQ(0, mt_info(self->r, got[i], &rights,
						     &urefs));
				EXPECT_TRUE(rights & want)
					TH_LOG("disposition %u entry %u: %#x",
					       d, i, rights);
				/* What the sender kept. */
				err = mt_info(self->s, names[i], &rights,
					      &urefs);
				if (d == MACHIPC_DISP_MOVE_RECEIVE ||
				    d == MACHIPC_DISP_MOVE_SEND_ONCE) {
					EXPECT_EQ(ENOENT, err);
				} else {
					EXPECT_EQ(0, err);
				}
				if (d == MACHIPC_DISP_MOVE_SEND) {
					EXPECT_EQ(MACHIPC_RIGHT_RECEIVE,
						  rights);
				}
				if (_metadata->exit_code)
					break;
			}
			free(msg);
		}
	}
	free(names);
}

/* libmachipc's builder: the descriptor it writes, and its refusals. */
TEST_F(two, library_builder)
{
	__u32 names[2] = { self->dest_in_s, MACHIPC_NAME_NULL };
	__u64 buf[64];
	struct machipc_msg_builder b;
	struct machipc_msg_args a;
	const __u32 *got;
	int err;

	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), self->dest_in_s,
				      MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 5));
	EXPECT_EQ(-1, machipc_msg_add_ool_ports(&b, names, 2,
						MACHIPC_DISP_NONE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, machipc_msg_add_ool_ports(&b, NULL, 2,
						MACHIPC_DISP_COPY_SEND));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, machipc_msg_add_ool_ports(&b, names,
						MACHIPC_OOL_PORTS_MAX + 1,
						MACHIPC_DISP_COPY_SEND));
	EXPECT_EQ(E2BIG, errno);
	ASSERT_EQ(0, machipc_msg_add_ool_ports(&b, names, 2,
					       MACHIPC_DISP_COPY_SEND));
	ASSERT_EQ(0, send_now(self->s, buf, NULL));
	got = recv_array(self->r, self->dest, self->rbuf, self->rcap, &a,
			 &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, got);
	EXPECT_EQ(self->dest, got[0]);
	EXPECT_EQ(MACHIPC_NAME_NULL, got[1]);
}

TEST_HARNESS_MAIN
