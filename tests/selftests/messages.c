// SPDX-License-Identifier: GPL-2.0
/*
 * messages: inline round trips, every disposition in the header and in
 * port descriptors and what arrives, EMSGSIZE (message stays queued), E2BIG,
 * malformed headers (EINVAL, nothing changed), the trailer (seqno, pid,
 * uid, gid, kernel flag), RPC with a send-once reply right, port sets.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define TRL	sizeof(struct machipc_msg_trailer)
#define HDR	sizeof(struct machipc_msg_header)
#define DSC	sizeof(struct machipc_msg_desc)

static int raw_send(int fd, const void *msg, __u32 size)
{
	struct machipc_msg_args a;

	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND;
	a.send_msg = (uintptr_t)msg;
	a.send_size = size;
	return machipc_msg(fd, &a) ? errno : 0;
}

static __u32 max_inline(int fd)
{
	struct machipc_version v;

	if (machipc_abi_version(fd, &v))
		return 0;
	return v.max_inline;
}

/* Two spaces in this process: a receiver R with port P, a sender S. */
FIXTURE(pair)
{
	int r, s;	/* spaces */
	__u32 p;	/* receive right in r */
	__u32 sp;	/* send right to p in s */
	__u32 q;	/* receive right in s (for replies) */
};

FIXTURE_SETUP(pair)
{
	int bfd;

	self->r = machipc_open();
	self->s = machipc_open();
	ASSERT_LE(0, self->r);
	ASSERT_LE(0, self->s);
	self->p = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->p);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(self->r, self->p, 64)));
	bfd = machipc_bootstrap_export(self->r, self->p, MACHIPC_DISP_MAKE_SEND,
				       MACHIPC_BOOTSTRAP_CLOEXEC);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(self->s, bfd, &self->sp)));
	close(bfd);
	self->q = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->q);
}

FIXTURE_TEARDOWN(pair)
{
	close(self->r);
	close(self->s);
}

TEST_F(pair, inline_roundtrip)
{
	static const size_t lens[] = { 0, 1, 7, 8, 9, 63, 100, 1000, 4000 };
	__u64 *sbuf = malloc(8192), *rbuf = malloc(8192 + TRL);
	unsigned char data[4096];
	struct machipc_msg_builder b;
	struct machipc_port_attr a;
	size_t i, j, size;

	ASSERT_NE(NULL, sbuf);
	ASSERT_NE(NULL, rbuf);
	for (i = 0; i < ARRAY_LEN(lens); i++) {
		const struct machipc_msg_header *h = (void *)rbuf;
		const struct machipc_msg_trailer *t;
		const unsigned char *d;
		size_t dlen = 0, want = HDR + ((lens[i] + 7) & ~7ul);

		for (j = 0; j < lens[i]; j++)
			data[j] = (unsigned char)(j * 31 + i + 1);
		ASSERT_EQ(0, machipc_msg_init(&b, sbuf, 8192, self->sp,
					      MACHIPC_DISP_COPY_SEND, 0,
					      MACHIPC_DISP_NONE, 100 + i));
		ASSERT_EQ(0, machipc_msg_add_data(&b, data, lens[i]));
		ASSERT_EQ(want, machipc_msg_size(sbuf));
		ASSERT_EQ(0, MT_ERR(machipc_send(self->s, sbuf, NULL)));

		memset(rbuf, 0xee, 8192 + TRL);
		size = 8192 + TRL;
		ASSERT_EQ(0, MT_ERR(machipc_receive(self->r, self->p, rbuf,
						    &size, NULL)));
		EXPECT_EQ(want + TRL, size);
		EXPECT_EQ(0, h->bits);
		EXPECT_EQ(want, h->size);
		EXPECT_EQ(0, h->remote_name);
		EXPECT_EQ(self->p, h->local_name);
		EXPECT_EQ(100 + i, h->id);
		EXPECT_EQ(0, h->desc_count);
		EXPECT_EQ(0, h->reserved);
		d = machipc_msg_data(rbuf, &dlen);
		ASSERT_NE(NULL, d);
		ASSERT_EQ(want - HDR, dlen);
		EXPECT_EQ(0, memcmp(d, data, lens[i])) TH_LOG("len %zu", lens[i]);
		for (j = lens[i]; j < dlen; j++)
			EXPECT_EQ(0, d[j]);	/* padding */
		t = machipc_msg_trailer(rbuf);
		EXPECT_EQ(i, t->seqno);
		EXPECT_EQ(0, t->flags);
		EXPECT_EQ(getpid(), t->pid);
		EXPECT_EQ(0, t->reserved);
		/* nothing written after the trailer */
		EXPECT_EQ(0xee, ((unsigned char *)rbuf)[want + TRL]);
	}
	ASSERT_EQ(0, mt_attr(self->r, self->p, &a));
	EXPECT_EQ(0, a.msgcount);
	EXPECT_EQ(ARRAY_LEN(lens), a.seqno);
	EXPECT_EQ(1, a.srights);	/* only s's name */
	free(sbuf);
	free(rbuf);
}

/*
 * A receive buffer that ends at an inaccessible page, at sizes on both
 * sides of the one-access write of small messages (512 bytes of body):
 * one byte short of the message and its trailer is EFAULT with the
 * message still queued, its sequence number unused; exactly enough
 * receives it whole.
 */
TEST_F(pair, receive_buffer_ends_at_a_hole)
{
	static const size_t lens[] = { 0, 64, 504, 512, 520, 1000, 4000 };
	long page = sysconf(_SC_PAGESIZE);
	__u64 sbuf[(HDR + 4000) / 8];
	unsigned char data[4000];
	struct machipc_msg_builder b;
	struct machipc_port_attr a;
	struct machipc_msg_args args;
	unsigned char *map;
	size_t i, j;

	map = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + 2 * page, page, PROT_NONE));

	for (i = 0; i < ARRAY_LEN(lens); i++) {
		size_t want = HDR + lens[i] + TRL, k;
		unsigned char *end = map + 2 * page;
		const struct machipc_msg_header *h;
		const unsigned char *d;

		for (j = 0; j < lens[i]; j++)
			data[j] = (unsigned char)(j * 13 + i + 5);
		ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
					      MACHIPC_DISP_COPY_SEND, 0,
					      MACHIPC_DISP_NONE, 300 + i));
		ASSERT_EQ(0, machipc_msg_add_data(&b, data, lens[i]));
		ASSERT_EQ(0, MT_ERR(machipc_send(self->s, sbuf, NULL)));

		/* One byte too few before the hole: EFAULT, still queued. */
		for (k = 1; k <= 8; k += 7) {
			memset(&args, 0, sizeof(args));
			args.flags = MACHIPC_MSG_RECEIVE;
			args.rcv_name = self->p;
			args.rcv_buf = (uintptr_t)(end - want + k);
			args.rcv_size = want;
			EXPECT_EQ(EFAULT, machipc_msg(self->r, &args) ? errno : 0)
				TH_LOG("body %zu, %zu bytes over", lens[i], k);
			ASSERT_EQ(0, mt_attr(self->r, self->p, &a));
			EXPECT_EQ(1, a.msgcount);
			EXPECT_EQ(i, a.seqno);
		}

		/* Exactly enough: all of it, up to the hole. */
		memset(map, 0xee, 2 * page);
		memset(&args, 0, sizeof(args));
		args.flags = MACHIPC_MSG_RECEIVE;
		args.rcv_name = self->p;
		args.rcv_buf = (uintptr_t)(end - want);
		args.rcv_size = want;
		ASSERT_EQ(0, machipc_msg(self->r, &args) ? errno : 0)
			TH_LOG("body %zu", lens[i]);
		EXPECT_EQ(want, args.rcv_size);
		h = (const void *)(end - want);
		EXPECT_EQ(300 + i, h->id);
		EXPECT_EQ(HDR + lens[i], h->size);
		EXPECT_EQ(self->p, h->local_name);
		d = (const unsigned char *)(h + 1);
		EXPECT_EQ(0, memcmp(d, data, lens[i])) TH_LOG("body %zu", lens[i]);
		EXPECT_EQ(i, ((const struct machipc_msg_trailer *)
			      (end - TRL))->seqno);
		EXPECT_EQ(getpid(), ((const struct machipc_msg_trailer *)
				     (end - TRL))->pid);
		EXPECT_EQ(0xee, *(end - want - 1));
	}
	ASSERT_EQ(0, mt_attr(self->r, self->p, &a));
	EXPECT_EQ(0, a.msgcount);
	EXPECT_EQ(ARRAY_LEN(lens), a.seqno);
	munmap(map, 3 * page);
}

TEST_F(pair, max_inline_and_e2big)
{
	__u32 max = max_inline(self->r);
	struct machipc_msg_header *h;
	struct machipc_port_attr a;
	struct mt_snap before;
	size_t size;
	char *buf;

	ASSERT_LE(HDR, max);
	buf = calloc(1, max + 64 + TRL);
	ASSERT_NE(NULL, buf);
	h = (void *)buf;
	h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND, 0);
	h->remote_name = self->sp;
	h->id = 9;

	ASSERT_EQ(0, mt_snap_take(self->s, &before));
	h->size = max + 8;
	EXPECT_EQ(E2BIG, raw_send(self->s, buf, max + 8));
	h->size = 0x7ffffff8;
	EXPECT_EQ(E2BIG, raw_send(self->s, buf, 0x7ffffff8));
	h->size = 0xfffffff8;
	EXPECT_EQ(E2BIG, raw_send(self->s, buf, 0xfffffff8));
	ASSERT_SNAP_UNCHANGED(self->s, &before);
	ASSERT_EQ(0, mt_attr(self->r, self->p, &a));
	EXPECT_EQ(0, a.msgcount);

	/* exactly max_inline is fine */
	h->size = max;
	memset(buf + HDR, 0x5c, max - HDR);
	ASSERT_EQ(0, raw_send(self->s, buf, max));
	memset(buf, 0, max + 64 + TRL);
	size = max + TRL;
	ASSERT_EQ(0, MT_ERR(machipc_receive(self->r, self->p, buf, &size,
					    NULL)));
	EXPECT_EQ(max + TRL, size);
	EXPECT_EQ(max, h->size);
	EXPECT_EQ(0x5c, (unsigned char)buf[max - 1]);
	EXPECT_EQ(0x5c, (unsigned char)buf[HDR]);
	free(buf);
}

TEST_F(pair, emsgsize_keeps_message)
{
	__u64 sbuf[64], rbuf[64];
	struct machipc_msg_builder b;
	struct mt_snap before;
	char data[150];
	size_t size, need;
	__u32 rights = 0, urefs = 0;
	int i;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)i;
	/* a message carrying a send right, so a receive would make a name */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, self->q,
				      MACHIPC_DISP_MAKE_SEND, 77));
	ASSERT_EQ(0, machipc_msg_add_port(&b, self->q, MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, machipc_msg_add_data(&b, data, sizeof(data)));
	need = machipc_msg_size(sbuf) + TRL;
	ASSERT_EQ(0, MT_ERR(machipc_send(self->s, sbuf, NULL)));
	ASSERT_EQ(0, mt_snap_take(self->r, &before));

	{
		size_t tries[] = { 0, 8, HDR, need - 8, need - 1 };
		size_t k;

		for (k = 0; k < ARRAY_LEN(tries); k++) {
			size = tries[k];
			EXPECT_EQ(EMSGSIZE, MT_ERR(machipc_receive(self->r,
					self->p, rbuf, &size, NULL)))
				TH_LOG("buffer %zu", tries[k]);
			EXPECT_EQ(need, size);
			ASSERT_SNAP_UNCHANGED(self->r, &before);
		}
	}
	/* the raw args report the needed size too */
	{
		struct machipc_msg_args a;

		ASSERT_EQ(0, machipc_msg_args_init(&a, NULL, self->p, rbuf, 40,
						   NULL, NULL));
		EXPECT_EQ(EMSGSIZE, machipc_msg(self->r, &a) ? errno : 0);
		EXPECT_EQ(need, a.rcv_size);
	}
	ASSERT_SNAP_UNCHANGED(self->r, &before);

	size = need;
	ASSERT_EQ(0, MT_ERR(machipc_receive(self->r, self->p, rbuf, &size,
					    NULL)));
	EXPECT_EQ(need, size);
	EXPECT_EQ(77, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(0, machipc_msg_trailer(rbuf)->seqno);
	{
		size_t dlen;
		const char *d = machipc_msg_data(rbuf, &dlen);

		ASSERT_NE(NULL, d);
		EXPECT_EQ(0, memcmp(d, data, sizeof(data)));
	}
	ASSERT_EQ(0, mt_info(self->r, machipc_msg_header(rbuf)->remote_name,
			     &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	ASSERT_EQ(0, mt_info(self->r, machipc_msg_desc(rbuf, 0)->name,
			     &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);
}

/* Malformed messages: EINVAL, and no right taken, nothing queued. */
TEST_F(pair, malformed_einval)
{
	struct {
		struct machipc_msg_header h;
		struct machipc_msg_desc d[2];
		__u64 data[4];
	} m, good;
	struct mt_snap before_s, before_r;
	__u32 so = 0;
	int i;

	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(self->s, self->q,
				MACHIPC_DISP_MAKE_SEND_ONCE, &so)));
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(self->s, self->q,
				MACHIPC_DISP_MAKE_SEND, NULL)));
	/* a good message that moves rights: dest MOVE_SEND, reply, descs */
	memset(&good, 0, sizeof(good));
	good.h.bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND,
					MACHIPC_DISP_MOVE_SEND_ONCE) |
		      MACHIPC_MSGH_COMPLEX;
	good.h.size = sizeof(good);
	good.h.remote_name = self->sp;
	good.h.local_name = so;
	good.h.id = 5;
	good.h.desc_count = 2;
	good.d[0].type = MACHIPC_DESC_PORT;
	good.d[0].disposition = MACHIPC_DISP_MOVE_SEND;
	good.d[0].name = self->q;
	good.d[1].type = MACHIPC_DESC_PORT;
	good.d[1].disposition = MACHIPC_DISP_MOVE_RECEIVE;
	good.d[1].name = self->q;

	ASSERT_EQ(0, mt_snap_take(self->s, &before_s));
	ASSERT_EQ(0, mt_snap_take(self->r, &before_r));

#define BAD(desc, mutate, sz) do {					\
	m = good;							\
	mutate;								\
	EXPECT_EQ(EINVAL, raw_send(self->s, &m, (sz))) TH_LOG("%s", desc); \
	ASSERT_SNAP_UNCHANGED(self->s, &before_s);			\
	ASSERT_SNAP_UNCHANGED(self->r, &before_r);			\
} while (0)

	BAD("size below header", m.h.size = 24, 24);
	BAD("size 0", m.h.size = 0, 0);
	BAD("size not multiple of 8", m.h.size = sizeof(m) - 4, sizeof(m) - 4);
	BAD("header size != send size", m.h.size = sizeof(m) - 8, sizeof(m));
	BAD("header size > send size", m.h.size = sizeof(m) + 8, sizeof(m));
	BAD("reserved", m.h.reserved = 1, sizeof(m));
	BAD("reserved high", m.h.reserved = 1ull << 63, sizeof(m));
	BAD("unknown bits", m.h.bits |= 1u << 16, sizeof(m));
	BAD("unknown bits 30", m.h.bits |= 1u << 30, sizeof(m));
	BAD("remote NONE", m.h.bits &= ~0xffu, sizeof(m));
	BAD("remote MOVE_RECEIVE",
	    m.h.bits = (m.h.bits & ~0xffu) | MACHIPC_DISP_MOVE_RECEIVE,
	    sizeof(m));
	BAD("remote 7", m.h.bits = (m.h.bits & ~0xffu) | 7, sizeof(m));
	BAD("remote 255", m.h.bits = (m.h.bits & ~0xffu) | 255, sizeof(m));
	BAD("local MOVE_RECEIVE",
	    m.h.bits = (m.h.bits & ~0xff00u) |
		       (MACHIPC_DISP_MOVE_RECEIVE << 8), sizeof(m));
	BAD("local 7", m.h.bits = (m.h.bits & ~0xff00u) | (7 << 8), sizeof(m));
	BAD("local NONE with a name", m.h.bits &= ~0xff00u, sizeof(m));
	BAD("complex without descriptors", m.h.desc_count = 0, sizeof(m));
	BAD("descriptors without complex", m.h.bits &= ~MACHIPC_MSGH_COMPLEX,
	    sizeof(m));
	BAD("desc_count beyond size", m.h.desc_count = 4, sizeof(m));
	BAD("desc_count huge", m.h.desc_count = 0xffffffffu, sizeof(m));
	BAD("desc_count 2^27", m.h.desc_count = 1u << 27, sizeof(m));
	for (i = 0; i < 2; i++) {
		BAD("desc type 0", m.d[i].type = 0, sizeof(m));
		BAD("desc type 2", m.d[i].type = 2, sizeof(m));
		BAD("desc reserved", m.d[i].reserved = 1, sizeof(m));
		BAD("port desc address", m.d[i].address = 1, sizeof(m));
		BAD("port desc size", m.d[i].size = 1, sizeof(m));
		BAD("desc disposition NONE", m.d[i].disposition = 0, sizeof(m));
		BAD("desc disposition 7", m.d[i].disposition = 7, sizeof(m));
		BAD("desc disposition huge", m.d[i].disposition = ~0u, sizeof(m));
	}
#undef BAD

	/* bad argument blocks */
	{
		struct machipc_msg_args a;
		__u64 rb[64];

		m = good;
#define BADARGS(desc, mutate) do {					\
	memset(&a, 0, sizeof(a));					\
	a.flags = MACHIPC_MSG_SEND;					\
	a.send_msg = (uintptr_t)&m;					\
	a.send_size = sizeof(m);					\
	mutate;								\
	EXPECT_EQ(EINVAL, machipc_msg(self->s, &a) ? errno : 0)		\
		TH_LOG("%s", desc);					\
	ASSERT_SNAP_UNCHANGED(self->s, &before_s);			\
	ASSERT_SNAP_UNCHANGED(self->r, &before_r);			\
} while (0)
		BADARGS("no flags", a.flags = 0);
		BADARGS("timeout flags only",
			a.flags = MACHIPC_MSG_SEND_TIMEOUT |
				  MACHIPC_MSG_RCV_TIMEOUT);
		BADARGS("unknown flag", a.flags |= 1u << 5);
		BADARGS("unknown flag 31", a.flags |= 1u << 31);
		BADARGS("rcv_ool without RECEIVE", a.rcv_ool = (uintptr_t)rb);
		BADARGS("rcv_ool_count without RECEIVE", a.rcv_ool_count = 1);
		BADARGS("rcv_name without RECEIVE", a.rcv_name = self->q);
		BADARGS("rcv_buf without RECEIVE", a.rcv_buf = (uintptr_t)rb);
		BADARGS("rcv_size without RECEIVE", a.rcv_size = sizeof(rb));
		BADARGS("RCV_TIMEOUT without RECEIVE",
			a.flags |= MACHIPC_MSG_RCV_TIMEOUT);
		BADARGS("send_msg without SEND",
			a.flags = MACHIPC_MSG_RECEIVE; a.rcv_name = self->q;
			a.rcv_buf = (uintptr_t)rb; a.rcv_size = sizeof(rb));
		BADARGS("SEND_TIMEOUT without SEND",
			a.flags = MACHIPC_MSG_RECEIVE |
				  MACHIPC_MSG_SEND_TIMEOUT;
			a.send_msg = 0; a.send_size = 0; a.rcv_name = self->q;
			a.rcv_buf = (uintptr_t)rb; a.rcv_size = sizeof(rb));
#undef BADARGS
	}

	/* the good message does go, and everything moves */
	ASSERT_EQ(0, raw_send(self->s, &good, sizeof(good)));
	EXPECT_EQ(ENOENT, mt_info(self->s, so, NULL, NULL));
	EXPECT_EQ(ENOENT, mt_info(self->s, self->q, NULL, NULL));
}

/*
 * Header dispositions: the destination and the reply right, and what
 * arrives in the receiver (remote_name/bits) and happens to the counts.
 */
TEST_F(pair, header_dispositions)
{
	__u64 sbuf[16], rbuf[32];
	struct machipc_msg_builder b;
	const struct machipc_msg_header *h = (void *)rbuf;
	struct machipc_port_attr a;
	__u32 rights = 0, urefs = 0, so = 0, reply1;
	int s = self->s, r = self->r;

	/* COPY_SEND destination: srights +1 while queued, back after */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, MT_ERR(machipc_send(s, sbuf, NULL)));
	ASSERT_EQ(0, mt_attr(r, self->p, &a));
	EXPECT_EQ(2, a.srights);
	EXPECT_EQ(1, a.msgcount);
	ASSERT_EQ(0, mt_info(s, self->sp, &rights, &urefs));
	EXPECT_EQ(1, urefs);
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	ASSERT_EQ(0, mt_attr(r, self->p, &a));
	EXPECT_EQ(1, a.srights);

	/* reply MAKE_SEND: arrives as a send right (MOVE_SEND) */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, self->q,
				      MACHIPC_DISP_MAKE_SEND, 2));
	ASSERT_EQ(0, MT_ERR(machipc_send(s, sbuf, NULL)));
	ASSERT_EQ(0, mt_attr(s, self->q, &a));
	EXPECT_EQ(1, a.mscount);
	EXPECT_EQ(1, a.srights);
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND, 0), h->bits);
	EXPECT_EQ(self->p, h->local_name);
	reply1 = h->remote_name;
	ASSERT_EQ(0, mt_info(r, reply1, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(1, urefs);

	/* reply COPY_SEND (s makes itself a send right first): same name */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(s, self->q,
				MACHIPC_DISP_MAKE_SEND, NULL)));
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, self->q,
				      MACHIPC_DISP_COPY_SEND, 3));
	ASSERT_EQ(0, MT_ERR(machipc_send(s, sbuf, NULL)));
	ASSERT_EQ(0, mt_info(s, self->q, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(1, urefs);
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND, 0), h->bits);
	EXPECT_EQ(reply1, h->remote_name);	/* one name per port */
	ASSERT_EQ(0, mt_info(r, reply1, &rights, &urefs));
	EXPECT_EQ(2, urefs);
	ASSERT_EQ(0, mt_attr(s, self->q, &a));
	EXPECT_EQ(2, a.srights);	/* s's name and r's name */
	EXPECT_EQ(2, a.mscount);

	/* reply MOVE_SEND of the last uref: the name loses its send right */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, self->q,
				      MACHIPC_DISP_MOVE_SEND, 4));
	ASSERT_EQ(0, MT_ERR(machipc_send(s, sbuf, NULL)));
	ASSERT_EQ(0, mt_info(s, self->q, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	ASSERT_EQ(0, mt_attr(s, self->q, &a));
	EXPECT_EQ(2, a.srights);	/* r's name and the message */
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(reply1, h->remote_name);
	ASSERT_EQ(0, mt_info(r, reply1, &rights, &urefs));
	EXPECT_EQ(3, urefs);
	ASSERT_EQ(0, mt_attr(s, self->q, &a));
	EXPECT_EQ(1, a.srights);

	/* reply MAKE_SEND_ONCE: its own new name, MOVE_SEND_ONCE bits */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, self->q,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 5));
	ASSERT_EQ(0, MT_ERR(machipc_send(s, sbuf, NULL)));
	ASSERT_EQ(0, mt_attr(s, self->q, &a));
	EXPECT_EQ(1, a.sorights);
	EXPECT_EQ(2, a.mscount);	/* make-send-once is not counted */
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE, 0), h->bits);
	EXPECT_NE(reply1, h->remote_name);
	ASSERT_EQ(0, mt_info(r, h->remote_name, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);

	/* reply MOVE_SEND_ONCE: the sender's send-once name goes */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(s, self->q,
				MACHIPC_DISP_MAKE_SEND_ONCE, &so)));
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, so,
				      MACHIPC_DISP_MOVE_SEND_ONCE, 6));
	ASSERT_EQ(0, MT_ERR(machipc_send(s, sbuf, NULL)));
	EXPECT_EQ(ENOENT, mt_info(s, so, NULL, NULL));
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE, 0), h->bits);
	ASSERT_EQ(0, mt_info(r, h->remote_name, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);
	ASSERT_EQ(0, mt_attr(s, self->q, &a));
	EXPECT_EQ(2, a.sorights);

	/* MOVE_SEND destination of the last uref: s's name goes */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_MOVE_SEND, 0,
				      MACHIPC_DISP_NONE, 7));
	ASSERT_EQ(0, MT_ERR(machipc_send(s, sbuf, NULL)));
	EXPECT_EQ(ENOENT, mt_info(s, self->sp, NULL, NULL));
	ASSERT_EQ(0, mt_attr(r, self->p, &a));
	EXPECT_EQ(1, a.srights);	/* in the message */
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(7, h->id);
	ASSERT_EQ(0, mt_attr(r, self->p, &a));
	EXPECT_EQ(0, a.srights);	/* consumed by the delivery */

	/* MAKE_SEND / MAKE_SEND_ONCE destination: to one's own port */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->p,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 8));
	ASSERT_EQ(0, MT_ERR(machipc_send(r, sbuf, NULL)));
	ASSERT_EQ(0, mt_attr(r, self->p, &a));
	EXPECT_EQ(1, a.srights);
	EXPECT_EQ(2, a.mscount);	/* bootstrap export made one */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->p,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 0,
				      MACHIPC_DISP_NONE, 9));
	ASSERT_EQ(0, MT_ERR(machipc_send(r, sbuf, NULL)));
	ASSERT_EQ(0, mt_attr(r, self->p, &a));
	EXPECT_EQ(1, a.sorights);
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(8, h->id);
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(9, h->id);
	ASSERT_EQ(0, mt_attr(r, self->p, &a));
	EXPECT_EQ(0, a.srights);
	EXPECT_EQ(0, a.sorights);
	EXPECT_EQ(0, a.msgcount);
}

/* Port descriptors with every disposition. */
TEST_F(pair, descriptor_dispositions)
{
	__u64 sbuf[64], rbuf[128];
	struct machipc_msg_builder b;
	const struct machipc_msg_header *h = (void *)rbuf;
	const struct machipc_msg_desc *d;
	struct machipc_port_attr a;
	__u32 rights = 0, urefs = 0, so = 0, x, xs, got[6];
	int s = self->s, r = self->r, i;

	/* x: a port of s with one queued message, moved to r */
	x = mt_alloc(s, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, x);
	ASSERT_EQ(0, mt_send_simple(s, x, MACHIPC_DISP_MAKE_SEND, 4242, "xx",
				    2, NULL));
	xs = mt_alloc(s, MACHIPC_RIGHT_RECEIVE);	/* send rights source */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(s, xs,
				MACHIPC_DISP_MAKE_SEND, NULL)));
	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(s, xs, MACHIPC_RIGHT_SEND, 1)));
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(s, xs,
				MACHIPC_DISP_MAKE_SEND_ONCE, &so)));

	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 10));
	ASSERT_EQ(0, machipc_msg_add_port(&b, xs, MACHIPC_DISP_COPY_SEND));
	ASSERT_EQ(0, machipc_msg_add_port(&b, xs, MACHIPC_DISP_MOVE_SEND));
	ASSERT_EQ(0, machipc_msg_add_port(&b, xs, MACHIPC_DISP_MAKE_SEND));
	ASSERT_EQ(0, machipc_msg_add_port(&b, xs, MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, machipc_msg_add_port(&b, so, MACHIPC_DISP_MOVE_SEND_ONCE));
	ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MOVE_RECEIVE));
	ASSERT_EQ(0, machipc_msg_add_data(&b, "payload", 8));
	ASSERT_EQ(0, MT_ERR(machipc_send(s, sbuf, NULL)));

	/* the sender's side */
	ASSERT_EQ(0, mt_info(s, xs, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(1, urefs);		/* 2, one moved */
	EXPECT_EQ(ENOENT, mt_info(s, so, NULL, NULL));
	EXPECT_EQ(ENOENT, mt_info(s, x, NULL, NULL));
	ASSERT_EQ(0, mt_attr(s, xs, &a));
	EXPECT_EQ(4, a.srights);	/* name + copy + move + make */
	EXPECT_EQ(2, a.mscount);
	EXPECT_EQ(2, a.sorights);	/* moved + made */

	/* the receiver's side */
	ASSERT_EQ(0, mt_recv_now(r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(MACHIPC_MSGH_COMPLEX, h->bits);
	EXPECT_EQ(6, h->desc_count);
	for (i = 0; i < 6; i++) {
		d = machipc_msg_desc(rbuf, i);
		ASSERT_NE(NULL, d);
		EXPECT_EQ(MACHIPC_DESC_PORT, d->type);
		EXPECT_EQ(0, d->reserved);
		EXPECT_EQ(0, d->address);
		EXPECT_EQ(0, d->size);
		got[i] = d->name;
		EXPECT_NE(0, got[i]);
		EXPECT_NE(MACHIPC_NAME_DEAD, got[i]);
	}
	EXPECT_EQ(MACHIPC_DISP_MOVE_SEND, machipc_msg_desc(rbuf, 0)->disposition);
	EXPECT_EQ(MACHIPC_DISP_MOVE_SEND, machipc_msg_desc(rbuf, 1)->disposition);
	EXPECT_EQ(MACHIPC_DISP_MOVE_SEND, machipc_msg_desc(rbuf, 2)->disposition);
	EXPECT_EQ(MACHIPC_DISP_MOVE_SEND_ONCE,
		  machipc_msg_desc(rbuf, 3)->disposition);
	EXPECT_EQ(MACHIPC_DISP_MOVE_SEND_ONCE,
		  machipc_msg_desc(rbuf, 4)->disposition);
	EXPECT_EQ(MACHIPC_DISP_MOVE_RECEIVE,
		  machipc_msg_desc(rbuf, 5)->disposition);
	/* three send rights to one port: one name, three urefs */
	EXPECT_EQ(got[0], got[1]);
	EXPECT_EQ(got[0], got[2]);
	ASSERT_EQ(0, mt_info(r, got[0], &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(3, urefs);
	/* send-once rights: a name each */
	EXPECT_NE(got[3], got[4]);
	EXPECT_NE(got[0], got[3]);
	ASSERT_EQ(0, mt_info(r, got[3], &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);
	ASSERT_EQ(0, mt_info(r, got[4], &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);
	ASSERT_EQ(0, mt_attr(s, xs, &a));
	EXPECT_EQ(2, a.srights);	/* s's name and r's name */
	EXPECT_EQ(2, a.sorights);
	/* the receive right: r can receive x's queued message */
	ASSERT_EQ(0, mt_info(r, got[5], &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	ASSERT_EQ(0, mt_attr(r, got[5], &a));
	EXPECT_EQ(1, a.msgcount);
	EXPECT_EQ(1, a.srights);	/* the queued message's dest right */
	ASSERT_EQ(0, mt_recv_now(r, got[5], rbuf, sizeof(rbuf)));
	EXPECT_EQ(4242, h->id);
	EXPECT_EQ(got[5], h->local_name);
	/* and the send-once rights work: send through them to xs in s */
	ASSERT_EQ(0, mt_send_simple(r, got[3], MACHIPC_DISP_MOVE_SEND_ONCE, 11,
				    NULL, 0, NULL));
	ASSERT_EQ(0, mt_recv_now(s, xs, rbuf, sizeof(rbuf)));
	EXPECT_EQ(11, h->id);
	EXPECT_EQ(xs, h->local_name);
	EXPECT_EQ(ENOENT, mt_info(r, got[3], NULL, NULL));
}

/* A send right to a port whose receive right is in the receiving space. */
/*
 * A send refused for one of its rights says which (ABI 3's blame), and
 * changes nothing; other failures blame none.
 */
TEST_F(pair, send_blames_the_right)
{
	__u32 dead = mt_alloc(self->s, MACHIPC_RIGHT_DEAD_NAME);
	__u32 set = mt_alloc(self->s, MACHIPC_RIGHT_PORT_SET);
	struct mt_snap before_s, before_r;
	struct machipc_msg_builder b;
	struct machipc_msg_args a;
	__u64 buf[64];
	struct {
		const char *what;
		__u32 dest, dest_disp, reply, reply_disp;
		__u32 d[3];
		int err;
		__u32 blame;
	} c[] = {
		{ "no such destination", 0x7777, MACHIPC_DISP_COPY_SEND, 0, 0,
		  { 0 }, ENOENT, MACHIPC_BLAME_DEST },
		{ "destination is a set", set, MACHIPC_DISP_COPY_SEND, 0, 0,
		  { 0 }, EACCES, MACHIPC_BLAME_DEST },
		{ "destination is dead", dead, MACHIPC_DISP_COPY_SEND, 0, 0,
		  { 0 }, EPIPE, MACHIPC_BLAME_DEST },
		{ "no such reply", self->sp, MACHIPC_DISP_COPY_SEND, 0x7777,
		  MACHIPC_DISP_MAKE_SEND_ONCE, { 0 }, ENOENT, MACHIPC_BLAME_REPLY },
		{ "reply without the right", self->sp, MACHIPC_DISP_COPY_SEND,
		  self->sp, MACHIPC_DISP_MAKE_SEND_ONCE, { 0 }, EACCES,
		  MACHIPC_BLAME_REPLY },
		{ "third descriptor", self->sp, MACHIPC_DISP_COPY_SEND,
		  self->q, MACHIPC_DISP_MAKE_SEND_ONCE,
		  { self->q, self->sp, 0x7777 }, ENOENT, MACHIPC_BLAME_DESC(2) },
		{ "first descriptor dead", self->sp, MACHIPC_DISP_COPY_SEND, 0, 0,
		  { dead, self->q, self->sp }, EPIPE, MACHIPC_BLAME_DESC(0) },
	};
	unsigned int i, j;

	ASSERT_NE(0, dead);
	ASSERT_NE(0, set);
	ASSERT_EQ(0, mt_snap_take(self->s, &before_s));
	ASSERT_EQ(0, mt_snap_take(self->r, &before_r));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), c[i].dest,
					      c[i].dest_disp, c[i].reply,
					      c[i].reply_disp, 1));
		for (j = 0; j < 3 && c[i].d[j]; j++)
			ASSERT_EQ(0, machipc_msg_add_port(&b, c[i].d[j],
					c[i].d[j] == self->q ?
					MACHIPC_DISP_MAKE_SEND :
					MACHIPC_DISP_COPY_SEND));
		memset(&a, 0, sizeof(a));
		a.flags = MACHIPC_MSG_SEND;
		a.send_msg = (uintptr_t)buf;
		a.send_size = machipc_msg_header(buf)->size;
		a.blame = 0xdead;	/* ignored on input */
		EXPECT_EQ(c[i].err, machipc_msg(self->s, &a) ? errno : 0)
			TH_LOG("%s", c[i].what);
		EXPECT_EQ(c[i].blame, a.blame) TH_LOG("%s", c[i].what);
		ASSERT_SNAP_UNCHANGED(self->s, &before_s);
		ASSERT_SNAP_UNCHANGED(self->r, &before_r);
	}

	/* Not about a right: no blame. */
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), self->sp,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 1));
	((struct machipc_msg_header *)buf)->reserved = 1;
	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND;
	a.send_msg = (uintptr_t)buf;
	a.send_size = machipc_msg_header(buf)->size;
	a.blame = MACHIPC_BLAME_DEST;
	EXPECT_EQ(EINVAL, machipc_msg(self->s, &a) ? errno : 0);
	EXPECT_EQ(MACHIPC_BLAME_NONE, a.blame);

	/* A stale blame on input does not stop a good send. */
	((struct machipc_msg_header *)buf)->reserved = 0;
	a.blame = MACHIPC_BLAME_DESC(3);
	EXPECT_EQ(0, machipc_msg(self->s, &a) ? errno : 0);
}

/* Field 22 of /proc/self/stat (start time in ticks), loginuid, sessionid. */
static void self_audit_facts(__u64 facts[3])
{
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	int field;

	if (f)
		fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	facts[0] = p ? strtoull(p + 1, NULL, 10) : ~0ULL;
	facts[1] = facts[2] = ~0ULL;
	f = fopen("/proc/self/loginuid", "r");
	if (f) {
		if (fscanf(f, "%llu", (unsigned long long *)&facts[1]) != 1)
			facts[1] = ~0ULL;
		fclose(f);
	}
	f = fopen("/proc/self/sessionid", "r");
	if (f) {
		if (fscanf(f, "%llu", (unsigned long long *)&facts[2]) != 1)
			facts[2] = ~0ULL;
		fclose(f);
	}
}

/*
 * Receive options of ABI 3: the destination's right in the local
 * disposition (Mach's msgh_bits), and the audit trailer.
 */
TEST_F(pair, receive_options_mach_view)
{
	const size_t small = sizeof(struct machipc_msg_header) + 8;
	const struct machipc_msg_trailer_audit *ta;
	const struct machipc_msg_header *h;
	struct machipc_msg_builder b;
	struct machipc_msg_args a;
	__u64 sbuf[32], rbuf[64], facts[3];
	__u32 so = 0;
	int bfd, status;
	pid_t pid;

	/* COPY_SEND destination, MAKE_SEND_ONCE reply. */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, self->q,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 1));
	ASSERT_EQ(0, machipc_msg_add_data(&b, "12345678", 8));
	ASSERT_EQ(0, MT_ERR(machipc_send(self->s, sbuf, NULL)));
	ASSERT_EQ(0, MT_ERR(machipc_send(self->s, sbuf, NULL)));
	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_DEST_DISP;
	a.rcv_name = self->p;
	a.rcv_buf = (uintptr_t)rbuf;
	a.rcv_size = sizeof(rbuf);
	ASSERT_EQ(0, machipc_msg(self->r, &a) ? errno : 0);
	h = machipc_msg_header(rbuf);
	EXPECT_EQ(MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE,
				    MACHIPC_DISP_MOVE_SEND), h->bits);
	EXPECT_EQ(small + sizeof(struct machipc_msg_trailer), a.rcv_size);
	/* Without the option, as before ABI 3. */
	ASSERT_EQ(0, mt_recv_now(self->r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE,
				    MACHIPC_DISP_NONE), h->bits);
	machipc_port_destroy(self->r, h->remote_name);

	/* A send-once destination. */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(self->r, self->p,
				MACHIPC_DISP_MAKE_SEND_ONCE, &so)));
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), so,
				      MACHIPC_DISP_MOVE_SEND_ONCE, 0, 0, 2));
	ASSERT_EQ(0, MT_ERR(machipc_send(self->r, sbuf, NULL)));
	a.rcv_size = sizeof(rbuf);
	ASSERT_EQ(0, machipc_msg(self->r, &a) ? errno : 0);
	EXPECT_EQ(MACHIPC_MSGH_BITS(MACHIPC_DISP_NONE,
				    MACHIPC_DISP_MOVE_SEND_ONCE), h->bits);

	/* The options need a receive part. */
	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_RCV_AUDIT;
	a.send_msg = (uintptr_t)sbuf;
	a.send_size = machipc_msg_header(sbuf)->size;
	EXPECT_EQ(EINVAL, machipc_msg(self->s, &a) ? errno : 0);
	a.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_RCV_DEST_DISP;
	EXPECT_EQ(EINVAL, machipc_msg(self->s, &a) ? errno : 0);

	/* The audit trailer, from a child with real ids of its own. */
	bfd = machipc_bootstrap_export(self->r, self->p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u32 dest;
		int fd;

		if (setresgid(4322, 0, 0) || setresuid(4321, 0, 0))
			_exit(2);
		self_audit_facts(facts);
		fd = machipc_open();
		if (fd < 0 || machipc_bootstrap_import(fd, bfd, &dest))
			_exit(3);
		if (machipc_msg_init(&b, sbuf, sizeof(sbuf), dest,
				     MACHIPC_DISP_MOVE_SEND, 0, 0, 3) ||
		    machipc_msg_add_data(&b, facts, sizeof(facts)) ||
		    machipc_send(fd, sbuf, NULL))
			_exit(4);
		_exit(0);
	}
	close(bfd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* Room for the short trailer only: EMSGSIZE, with the size needed. */
	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_AUDIT;
	a.rcv_name = self->p;
	a.rcv_buf = (uintptr_t)rbuf;
	a.rcv_size = sizeof(struct machipc_msg_header) + sizeof(facts) +
		     sizeof(struct machipc_msg_trailer);
	EXPECT_EQ(EMSGSIZE, machipc_msg(self->r, &a) ? errno : 0);
	EXPECT_EQ(sizeof(struct machipc_msg_header) + sizeof(facts) +
		  sizeof(struct machipc_msg_trailer_audit), a.rcv_size);
	ASSERT_EQ(0, machipc_msg(self->r, &a) ? errno : 0);
	EXPECT_EQ(3, h->id);
	memcpy(facts, (const char *)rbuf + sizeof(*h), sizeof(facts));
	ta = (const void *)((const char *)rbuf + h->size);
	EXPECT_EQ(pid, ta->base.pid);
	EXPECT_EQ(0, ta->base.uid);
	EXPECT_EQ(0, ta->base.gid);
	EXPECT_EQ(4321, ta->ruid);
	EXPECT_EQ(4322, ta->rgid);
	EXPECT_EQ(facts[0], ta->start_time);
	EXPECT_EQ((__u32)facts[1], ta->auid);
	EXPECT_EQ((__u32)facts[2], ta->asid);
	EXPECT_EQ(0, ta->reserved);
	EXPECT_EQ(0, ta->base.flags & MACHIPC_TRAILER_KERNEL);
}

TEST_F(pair, send_right_to_own_port_merges)
{
	__u64 sbuf[32], rbuf[64];
	struct machipc_msg_builder b;
	__u32 rights = 0, urefs = 0;

	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, self->sp,
				      MACHIPC_DISP_COPY_SEND, 1));
	ASSERT_EQ(0, machipc_msg_add_port(&b, self->sp, MACHIPC_DISP_COPY_SEND));
	ASSERT_EQ(0, MT_ERR(machipc_send(self->s, sbuf, NULL)));
	ASSERT_EQ(0, mt_recv_now(self->r, self->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(self->p, machipc_msg_header(rbuf)->remote_name);
	EXPECT_EQ(self->p, machipc_msg_desc(rbuf, 0)->name);
	ASSERT_EQ(0, mt_info(self->r, self->p, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(2, urefs);
}

/* Trailer: seqno per port, sender pid/uid/gid, kernel flag never forged. */
TEST_F(pair, trailer)
{
	__u64 rbuf[64];
	const struct machipc_msg_trailer *t;
	__u32 p2 = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	static const __u32 ids[] = { MACHIPC_MSGID_KERNEL_BASE,
				     MACHIPC_MSGID_KERNEL_BASE + 1,
				     MACHIPC_MSGID_KERNEL_BASE + 4,
				     0xffffffffu, 0 };
	int i, bfd, res[2];
	pid_t pid;

	ASSERT_NE(0, p2);
	/* interleaved sends to two ports: each counts from 0 */
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, mt_send_simple(self->r, i % 2 ? p2 : self->p,
					    MACHIPC_DISP_MAKE_SEND, i, NULL, 0,
					    NULL));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mt_recv_now(self->r, self->p, rbuf, sizeof(rbuf)));
		EXPECT_EQ(i, machipc_msg_trailer(rbuf)->seqno);
		EXPECT_EQ(2 * i, machipc_msg_header(rbuf)->id);
		ASSERT_EQ(0, mt_recv_now(self->r, p2, rbuf, sizeof(rbuf)));
		EXPECT_EQ(i, machipc_msg_trailer(rbuf)->seqno);
		EXPECT_EQ(2 * i + 1, machipc_msg_header(rbuf)->id);
	}
	/* forged kernel ids are still user messages */
	for (i = 0; i < (int)ARRAY_LEN(ids); i++) {
		ASSERT_EQ(0, mt_send_simple(self->s, self->sp,
					    MACHIPC_DISP_COPY_SEND, ids[i],
					    "forged", 6, NULL));
		ASSERT_EQ(0, mt_recv_now(self->r, self->p, rbuf, sizeof(rbuf)));
		t = machipc_msg_trailer(rbuf);
		EXPECT_EQ(ids[i], machipc_msg_header(rbuf)->id);
		EXPECT_EQ(0, t->flags & MACHIPC_TRAILER_KERNEL)
			TH_LOG("id %#x marked as kernel", ids[i]);
		EXPECT_EQ(getpid(), t->pid);
		EXPECT_EQ(geteuid(), t->uid);
		EXPECT_EQ(getegid(), t->gid);
		EXPECT_EQ(3 + i, t->seqno);
		EXPECT_EQ(0, t->reserved);
	}

	/* another process, with other credentials when we can set them */
	bfd = machipc_bootstrap_export(self->r, self->p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, pipe(res));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;
		__u32 n;

		if (geteuid() == 0 &&
		    (setresgid(4321, 4321, 4321) || setresuid(1234, 1234, 1234)))
			_exit(1);
		fd = machipc_open();
		if (fd < 0 || machipc_bootstrap_import(fd, bfd, &n))
			_exit(2);
		if (mt_send_simple(fd, n, MACHIPC_DISP_MOVE_SEND, 99, NULL, 0,
				   NULL))
			_exit(3);
		_exit(0);
	}
	close(bfd);
	ASSERT_EQ(0, mt_wait(pid));
	ASSERT_EQ(0, mt_recv_ms(self->r, self->p, rbuf, sizeof(rbuf), 5000));
	t = machipc_msg_trailer(rbuf);
	EXPECT_EQ(99, machipc_msg_header(rbuf)->id);
	/* the sender exited: its pid may be 0 or the old pid, never ours */
	EXPECT_NE(getpid(), t->pid);
	EXPECT_TRUE(t->pid == pid || t->pid == 0) TH_LOG("pid %d", t->pid);
	if (geteuid() == 0) {
		EXPECT_EQ(1234, t->uid);
		EXPECT_EQ(4321, t->gid);
	} else {
		EXPECT_EQ(geteuid(), t->uid);
		EXPECT_EQ(getegid(), t->gid);
	}
	EXPECT_EQ(0, t->flags);
}

/* The pid of a live sender process is exact. */
TEST_F(pair, trailer_pid_live_sender)
{
	__u64 rbuf[64];
	int bfd, go[2];
	pid_t pid;

	bfd = machipc_bootstrap_export(self->r, self->p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = machipc_open();
		__u32 n;

		close(go[1]);
		if (fd < 0 || machipc_bootstrap_import(fd, bfd, &n))
			_exit(2);
		if (mt_send_simple(fd, n, MACHIPC_DISP_COPY_SEND, 98, NULL, 0,
				   NULL))
			_exit(3);
		mt_get(go[0]);
		_exit(0);
	}
	close(go[0]);
	close(bfd);
	ASSERT_EQ(0, mt_recv_ms(self->r, self->p, rbuf, sizeof(rbuf), 10000));
	EXPECT_EQ(pid, machipc_msg_trailer(rbuf)->pid);
	close(go[1]);
	ASSERT_EQ(0, mt_wait(pid));
}

/* RPC: machipc_rpc with a MAKE_SEND_ONCE reply right, server in a child. */
TEST(rpc_send_once_reply)
{
	int fd = machipc_open(), bfd, rounds = (int)mt_scaled(200, 10), i;
	struct machipc_port_attr a;
	__u32 srv = 0, reply, rights = 0;
	pid_t pid;
	int ready[2];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* the server: receives requests, answers through the reply */
		int sfd = machipc_open(), n;
		__u32 port, p;
		__u64 rq[64], rp[32];
		struct machipc_msg_builder b;

		if (sfd < 0)
			_exit(1);
		port = mt_alloc(sfd, MACHIPC_RIGHT_RECEIVE);
		p = machipc_bootstrap_export(sfd, port, MACHIPC_DISP_MAKE_SEND,
					     0);
		if (mt_send_fd(ready[1], (int)p))
			_exit(2);
		for (n = 0;; n++) {
			const struct machipc_msg_header *h = (void *)rq;
			size_t size = sizeof(rq), dlen;
			const __u32 *d;
			__u32 v;

			if (machipc_receive(sfd, port, rq, &size, NULL))
				_exit(3);
			if (h->id == 0xdead)
				_exit(0);
			if (MACHIPC_MSGH_REMOTE(h->bits) !=
			    MACHIPC_DISP_MOVE_SEND_ONCE)
				_exit(4);
			d = machipc_msg_data(rq, &dlen);
			v = d[0] * 2 + 1;
			machipc_msg_init(&b, rp, sizeof(rp), h->remote_name,
					 MACHIPC_DISP_MOVE_SEND_ONCE, 0,
					 MACHIPC_DISP_NONE, h->id + 1);
			machipc_msg_add_data(&b, &v, sizeof(v));
			if (machipc_send(sfd, rp, NULL))
				_exit(5);
		}
	}
	bfd = mt_recv_fd(ready[0]);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(fd, bfd, &srv)));
	close(bfd);
	reply = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, reply);
	for (i = 0; i < rounds; i++) {
		__u64 rq[16], rp[32];
		struct machipc_msg_builder b;
		const struct machipc_msg_header *h = (void *)rp;
		size_t size = sizeof(rp), dlen;
		const __u32 *d;
		__u32 v = i;

		ASSERT_EQ(0, machipc_msg_init(&b, rq, sizeof(rq), srv,
					      MACHIPC_DISP_COPY_SEND, reply,
					      MACHIPC_DISP_MAKE_SEND_ONCE,
					      1000 + 2 * i));
		ASSERT_EQ(0, machipc_msg_add_data(&b, &v, sizeof(v)));
		ASSERT_EQ(0, MT_ERR(machipc_rpc(fd, rq, reply, rp, &size, NULL,
						NULL)));
		EXPECT_EQ(1001 + 2 * i, h->id);
		EXPECT_EQ(reply, h->local_name);
		EXPECT_EQ(0, h->remote_name);
		d = machipc_msg_data(rp, &dlen);
		ASSERT_NE(NULL, d);
		ASSERT_EQ(2 * v + 1, d[0]);
		EXPECT_EQ(pid, machipc_msg_trailer(rp)->pid);
		EXPECT_EQ(i, machipc_msg_trailer(rp)->seqno);
	}
	ASSERT_EQ(0, mt_attr(fd, reply, &a));
	EXPECT_EQ(0, a.sorights);
	EXPECT_EQ(0, a.msgcount);
	EXPECT_EQ(rounds, a.seqno);
	ASSERT_EQ(0, mt_info(fd, srv, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	ASSERT_EQ(0, mt_send_simple(fd, srv, MACHIPC_DISP_COPY_SEND, 0xdead,
				    NULL, 0, NULL));
	EXPECT_EQ(0, mt_wait(pid));
	close(fd);
}

/* Combined send + receive on the same port in one call. */
TEST(send_receive_same_call)
{
	int fd = machipc_open();
	__u64 sbuf[8], rbuf[32];
	struct machipc_msg_builder b;
	struct machipc_msg_args args;
	__u32 p;

	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), p,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 321));
	ASSERT_EQ(0, machipc_msg_args_init(&args, sbuf, p, rbuf, sizeof(rbuf),
					   NULL, NULL));
	ASSERT_EQ(0, MT_ERR(machipc_msg(fd, &args)));
	EXPECT_EQ(HDR + TRL, args.rcv_size);
	EXPECT_EQ(321, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(MACHIPC_MSG_SEND | MACHIPC_MSG_RECEIVE, args.flags);
	close(fd);
}

/* Port sets: every member's messages arrive, local_name tells which. */
struct setrecv {
	int fd;
	__u32 set;
	int err;
	__u32 id, local;
};

static void *set_receiver(void *arg)
{
	struct setrecv *sr = arg;
	__u64 buf[32];
	size_t size = sizeof(buf);
	struct timespec dl;

	machipc_deadline_in(&dl, 20000);
	sr->err = machipc_receive(sr->fd, sr->set, buf, &size, &dl) ? errno : 0;
	sr->id = machipc_msg_header(buf)->id;
	sr->local = machipc_msg_header(buf)->local_name;
	return NULL;
}

TEST(port_set_receive)
{
	int fd = machipc_open(), i, j, counts[4] = { 0 }, next[4] = { 0 };
	__u32 set, port[4];
	struct machipc_port_attr a;
	struct mt_snap before;
	__u64 buf[32];

	ASSERT_LE(0, fd);
	set = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	for (i = 0; i < 4; i++) {
		port[i] = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
		ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, port[i], set)));
		ASSERT_EQ(0, mt_attr(fd, port[i], &a));
		EXPECT_EQ(set, a.pset);
	}
	/* 3 messages per port, interleaved */
	for (j = 0; j < 3; j++)
		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, mt_send_simple(fd, port[i],
						    MACHIPC_DISP_MAKE_SEND,
						    i * 100 + j, NULL, 0, NULL));
	/* receiving on a member directly: EBUSY, nothing dequeued */
	ASSERT_EQ(0, mt_snap_take(fd, &before));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(EBUSY, mt_recv_now(fd, port[i], buf, sizeof(buf)));
	ASSERT_SNAP_UNCHANGED(fd, &before);

	for (j = 0; j < 12; j++) {
		const struct machipc_msg_header *h = (void *)buf;

		ASSERT_EQ(0, mt_recv_now(fd, set, buf, sizeof(buf)));
		for (i = 0; i < 4; i++)
			if (h->local_name == port[i])
				break;
		ASSERT_LT(i, 4) TH_LOG("local_name %#x", h->local_name);
		EXPECT_EQ(i * 100 + next[i], h->id);	/* FIFO per port */
		EXPECT_EQ(next[i], machipc_msg_trailer(buf)->seqno);
		next[i]++;
		counts[i]++;
	}
	for (i = 0; i < 4; i++)
		EXPECT_EQ(3, counts[i]);
	EXPECT_EQ(ETIMEDOUT, mt_recv_now(fd, set, buf, sizeof(buf)));

	/* a receiver blocked on the set wakes for a member's message */
	{
		struct setrecv sr = { .fd = fd, .set = set, .err = -1 };
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, set_receiver, &sr));
		usleep(100000);
		ASSERT_EQ(0, mt_send_simple(fd, port[2], MACHIPC_DISP_MAKE_SEND,
					    555, NULL, 0, NULL));
		pthread_join(t, NULL);
		EXPECT_EQ(0, sr.err);
		EXPECT_EQ(555, sr.id);
		EXPECT_EQ(port[2], sr.local);
	}

	/* out of the set, the port receives directly again */
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, port[1], 0)));
	ASSERT_EQ(0, mt_send_simple(fd, port[1], MACHIPC_DISP_MAKE_SEND, 7,
				    NULL, 0, NULL));
	EXPECT_EQ(ETIMEDOUT, mt_recv_now(fd, set, buf, sizeof(buf)));
	ASSERT_EQ(0, mt_recv_now(fd, port[1], buf, sizeof(buf)));
	EXPECT_EQ(7, machipc_msg_header(buf)->id);
	/* a message queued before joining a set is received via the set */
	ASSERT_EQ(0, mt_send_simple(fd, port[1], MACHIPC_DISP_MAKE_SEND, 8,
				    NULL, 0, NULL));
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, port[1], set)));
	ASSERT_EQ(0, mt_recv_now(fd, set, buf, sizeof(buf)));
	EXPECT_EQ(8, machipc_msg_header(buf)->id);
	EXPECT_EQ(port[1], machipc_msg_header(buf)->local_name);
	close(fd);
}

/* Receiving on a port that joins a set while we wait: EBUSY. */
TEST(receive_blocked_then_port_joins_set)
{
	int fd = machipc_open();
	__u32 set, p;
	struct setrecv sr = { .err = -1 };
	pthread_t t;

	ASSERT_LE(0, fd);
	set = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	sr.fd = fd;
	sr.set = p;	/* receive directly on the port */
	ASSERT_EQ(0, pthread_create(&t, NULL, set_receiver, &sr));
	usleep(100000);
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p, set)));
	pthread_join(t, NULL);
	EXPECT_EQ(EBUSY, sr.err);
	close(fd);
}

TEST_HARNESS_MAIN
