// SPDX-License-Identifier: GPL-2.0
/*
 * ool_capture: out-of-line data with Mach's semantics (ABI 5) --
 * MACHIPC_OOL_CAPTURE (copied at the send, queued at once),
 * MACHIPC_MSG_RCV_OOL_ALLOC (delivered into memory the kernel maps) and
 * MACHIPC_OOL_DEALLOCATE (unmapped once the send succeeded).
 *
 * - one_thread_self_send: one thread sends captured data to its own port
 *   and receives it, which a synchronous send cannot do; the data is what
 *   the buffer held at the send, whatever it holds afterwards.
 * - server_reply_before_client_receives: a reply with captured data
 *   returns before its client receives.
 * - sizes_up_to_the_account_limit: 0, 1, page +- 1, 1 MiB + 1, the
 *   largest capture the account holds to the byte, one byte more.
 * - alloc_*: regions of 0 .. 1 MiB + 1 bytes land in fresh page-aligned
 *   mappings, captured or synchronous; a failed receive maps nothing.
 * - emsgsize_reports_sizes: caller buffers too small or too few: EMSGSIZE,
 *   the sizes, the message stays queued and is then received.
 * - destroy_large_frees: MACHIPC_MSG_RCV_DESTROY_LARGE destroys a captured
 *   head, its pages refunded.
 * - enobufs_*: over the account limit nothing is sent, nothing charged.
 * - refund_*: destroying the port, or receiving, refunds to the byte.
 * - bad_*: mixed capture, capture beside files, unknown flags, ALLOC with
 *   caller buffers: EINVAL.
 * - deallocate_*: the pages go once the send succeeded, never on failure.
 * - signal_during_capture: a capture stalled on a userfaultfd page ends
 *   on a signal with nothing sent and nothing charged.
 * - carries_receive_right: a captured message moves a receive right
 *   through the queue.
 * - threads_exactly_once: two senders, two ALLOC receivers and a signal
 *   storm: every message exactly once, with its data, accounts balanced.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "machipc_test.h"
#include "ool_test.h"

#define CAP	MACHIPC_OOL_CAPTURE
#define MSGBUF	4096

/* Whether [p, p + len) is mapped: msync() says ENOMEM for a hole. */
static bool mapped(const void *p, size_t len)
{
	return msync((void *)((uintptr_t)p & ~(ool_page() - 1)), len,
		     MS_ASYNC) == 0;
}

/* Mappings of this process, from /proc/self/maps. */
static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* A message to @dest (MAKE_SEND) with @n regions, each with @flags. */
static int build(void *buf, __u32 dest, __u32 disp, void *const *src,
		 const __u64 *len, int n, unsigned int flags, __u32 id)
{
	struct machipc_msg_builder b;
	int i;

	if (machipc_msg_init(&b, buf, MSGBUF, dest, disp, 0,
			     MACHIPC_DISP_NONE, id))
		return errno;
	for (i = 0; i < n; i++)
		if (machipc_msg_add_ool_flags(&b, src[i], len[i], flags))
			return errno;
	return 0;
}

static int send_now(int fd, const void *msg)
{
	struct timespec dl;

	machipc_deadline_in(&dl, 0);
	return MT_ERR(machipc_send(fd, msg, &dl));
}

static int recv_alloc(int fd, __u32 name, void *buf, size_t cap,
		      unsigned int *n, long ms)
{
	struct timespec dl;
	size_t size = cap;

	machipc_deadline_in(&dl, ms);
	return MT_ERR(machipc_receive_ool_alloc(fd, name, buf, &size, n, &dl));
}

FIXTURE(cap) {
	int fd;
	__u32 port;
	__u64 base;
	__u64 buf[MSGBUF / 8];
	__u64 rbuf[MSGBUF / 8];
};

FIXTURE_SETUP(cap)
{
	self->fd = machipc_open();
	ASSERT_LE(0, self->fd);
	self->port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->port);
	self->base = ool_usage(self->fd);
	ASSERT_NE(~0ULL, self->base);
}

FIXTURE_TEARDOWN(cap)
{
	close(self->fd);
}

TEST_F(cap, one_thread_self_send)
{
	size_t len = OOL_MIB + 3;
	char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { (uintptr_t)dst, len };
	const struct machipc_msg_desc *d;
	unsigned int n = 1;
	size_t size = sizeof(self->rbuf);
	const struct machipc_msg_header *hdr = (const void *)self->buf;
	struct machipc_account_info ai;
	void *srcs[] = { src };
	__u64 lens[] = { len };

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 7);
	ASSERT_EQ(0, build(self->buf, self->port, MACHIPC_DISP_MAKE_SEND,
			   srcs, lens, 1, CAP, 0x1001));
	/* Returns at once: nobody receives yet. */
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	EXPECT_EQ(1, ool_msgcount(self->fd, self->port));
	/* Charged to the byte: message, capture header, pages spanned. */
	ASSERT_EQ(0, machipc_account_get_all(self->fd, &ai));
	EXPECT_EQ(self->base + ool_msg_cost(&ai, hdr->size) + ai.cost_capture +
		  (len + ool_page() - 1) / ool_page() * ai.cost_capture_page,
		  ai.usage);
	/* The sender's memory changes; the message does not. */
	ool_fill(src, len, 8);
	ASSERT_EQ(0, ool_recv(self->fd, self->port, self->rbuf, &size, &ob,
			      &n, 0));
	EXPECT_EQ(1, n);
	d = machipc_msg_ool(self->rbuf, 0);
	ASSERT_NE(NULL, d);
	EXPECT_EQ((uintptr_t)dst, d->address);
	EXPECT_EQ(len, d->size);
	EXPECT_EQ(0, d->disposition);
	EXPECT_EQ(len, ool_check(dst, len, 7));
	EXPECT_EQ(self->base, ool_usage(self->fd));
	munmap(src, len);
	munmap(dst, len);
}

/*
 * A server replies with out-of-line data to a client that has not called
 * receive yet: the reply's send returns at once; the client gets it later.
 */
TEST_F(cap, server_reply_before_client_receives)
{
	__u32 reply_port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	size_t len = 3 * ool_page() + 1;
	char *data = ool_map(len);
	struct machipc_msg_builder b;
	const struct machipc_msg_header *h = (const void *)self->rbuf;
	const struct machipc_msg_desc *d;
	unsigned int n = 0;
	__u32 so;

	ASSERT_NE(0, reply_port);
	ASSERT_NE(NULL, data);
	/* The client's request, carrying a send-once reply right. */
	ASSERT_EQ(0, machipc_msg_init(&b, self->buf, MSGBUF, self->port,
				      MACHIPC_DISP_MAKE_SEND, reply_port,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 1));
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	/* The server receives it and replies with captured data... */
	ASSERT_EQ(0, recv_alloc(self->fd, self->port, self->rbuf, MSGBUF, &n,
				0));
	so = h->remote_name;
	ool_fill(data, len, 31);
	ASSERT_EQ(0, machipc_msg_init(&b, self->buf, MSGBUF, so,
				      MACHIPC_DISP_MOVE_SEND_ONCE, 0,
				      MACHIPC_DISP_NONE, 2));
	ASSERT_EQ(0, machipc_msg_add_ool_flags(&b, data, len, CAP));
	/* ...which returns with nobody receiving (deadline: now). */
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	memset(data, 0, len);
	EXPECT_EQ(1, ool_msgcount(self->fd, reply_port));
	/* The client receives later. */
	ASSERT_EQ(0, recv_alloc(self->fd, reply_port, self->rbuf, MSGBUF, &n,
				0));
	ASSERT_EQ(1, n);
	d = machipc_msg_ool(self->rbuf, 0);
	EXPECT_EQ(2, h->id);
	EXPECT_EQ(len, ool_check((void *)(uintptr_t)d->address, len, 31));
	munmap((void *)(uintptr_t)d->address, len);
	munmap(data, len);
	ASSERT_EQ(0, machipc_port_destroy(self->fd, reply_port));
	EXPECT_EQ(self->base, ool_usage(self->fd));
}

/*
 * Sizes 0, 1, page - 1, page, page + 1, 1 MiB + 1, then the largest
 * capture the account holds, to the byte, and one byte more: ENOBUFS,
 * nothing queued, the account unchanged.
 */
TEST_F(cap, sizes_up_to_the_account_limit)
{
	size_t pg = ool_page(), max_len = 2 * OOL_MIB;
	const size_t sizes[] = { 0, 1, pg - 1, pg, pg + 1, OOL_MIB + 1 };
	struct machipc_account_info ai;
	char *src = ool_map(max_len + pg), *dst = ool_map(max_len + pg);
	const struct machipc_msg_header *hdr = (const void *)self->buf;
	__u64 pages, limit;
	size_t i, size = sizeof(self->rbuf);
	unsigned int n;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		struct machipc_ool_buf ob = { (uintptr_t)dst, sizes[i] };
		void *srcs[] = { src };
		__u64 lens[] = { sizes[i] };

		ool_fill(src, sizes[i], 40 + i);
		ASSERT_EQ(0, build(self->buf, self->port,
				   MACHIPC_DISP_MAKE_SEND, srcs, lens, 1, CAP,
				   0x2000 + i));
		ASSERT_EQ(0, send_now(self->fd, self->buf));
		n = 1;
		size = sizeof(self->rbuf);
		ASSERT_EQ(0, ool_recv(self->fd, self->port, self->rbuf, &size,
				      &ob, &n, 0));
		EXPECT_EQ(sizes[i], machipc_msg_ool(self->rbuf, 0)->size);
		EXPECT_EQ(sizes[i], ool_check(dst, sizes[i], 40 + i));
	}
	/* The limit that holds exactly max_len bytes captured. */
	ASSERT_EQ(0, machipc_account_get_all(self->fd, &ai));
	pages = max_len / pg;
	limit = self->base + ool_msg_cost(&ai, hdr->size) + ai.cost_capture +
		pages * ai.cost_capture_page;
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, limit));
	for (i = 0; i < 2; i++) {
		void *srcs[] = { src };
		__u64 lens[] = { max_len + i };

		ool_fill(src, max_len + i, 50);
		ASSERT_EQ(0, build(self->buf, self->port,
				   MACHIPC_DISP_MAKE_SEND, srcs, lens, 1, CAP,
				   0x3000));
		if (i) {
			EXPECT_EQ(ENOBUFS, send_now(self->fd, self->buf));
			EXPECT_EQ(0, ool_msgcount(self->fd, self->port));
			EXPECT_EQ(self->base, ool_usage(self->fd));
		} else {
			ASSERT_EQ(0, send_now(self->fd, self->buf));
			EXPECT_EQ(limit, ool_usage(self->fd));
			/* The receive's own bookkeeping needs cash too. */
			ASSERT_EQ(0, machipc_account_set_limit(self->fd,
							       ai.limit));
			n = 0;
			ASSERT_EQ(0, recv_alloc(self->fd, self->port,
						self->rbuf, MSGBUF, &n, 0));
			EXPECT_EQ(max_len,
				  ool_check((void *)(uintptr_t)
					    machipc_msg_ool(self->rbuf, 0)->address,
					    max_len, 50));
			munmap((void *)(uintptr_t)
			       machipc_msg_ool(self->rbuf, 0)->address,
			       max_len);
			EXPECT_EQ(self->base, ool_usage(self->fd));
			ASSERT_EQ(0, machipc_account_set_limit(self->fd,
							       limit));
		}
	}
	munmap(src, max_len + pg);
	munmap(dst, max_len + pg);
}

static void alloc_sizes(struct __test_metadata *_metadata, int fd, __u32 port,
			__u64 *buf, __u64 *rbuf, __u64 base, unsigned int flags)
{
	static const __u64 lens[] = { 0, 1, 4096, 5000, OOL_MIB + 1 };
	void *srcs[ARRAY_LEN(lens)];
	unsigned int n = 0, k;
	struct ool_sender s;
	int maps;
	size_t i;

	for (i = 0; i < ARRAY_LEN(lens); i++) {
		srcs[i] = ool_map(lens[i] + 1);
		ASSERT_NE(NULL, srcs[i]);
		ool_fill(srcs[i], lens[i], 20 + i);
	}
	ASSERT_EQ(0, build(buf, port, MACHIPC_DISP_MAKE_SEND, srcs, lens,
			   ARRAY_LEN(lens), flags, 0x1002));
	/* Counted once the sender's thread (and its stack) exists. */
	if (flags & CAP) {
		ASSERT_EQ(0, send_now(fd, buf));
		maps = count_maps();
		ASSERT_EQ(0, recv_alloc(fd, port, rbuf, MSGBUF, &n, 0));
	} else {
		ASSERT_EQ(0, ool_sender_start(&s, fd, buf, 20000));
		maps = count_maps();
		ASSERT_EQ(0, recv_alloc(fd, port, rbuf, MSGBUF, &n, 20000));
		ASSERT_EQ(0, ool_sender_join(&s));
	}
	ASSERT_EQ(ARRAY_LEN(lens), n);
	for (k = 0; k < n; k++) {
		const struct machipc_msg_desc *d = machipc_msg_ool(rbuf, k);

		ASSERT_NE(NULL, d);
		EXPECT_EQ(lens[k], d->size);
		if (!lens[k]) {
			EXPECT_EQ(0, d->address);
			continue;
		}
		EXPECT_EQ(0, d->address % ool_page());
		EXPECT_NE((uintptr_t)srcs[k], d->address);
		EXPECT_EQ(lens[k], ool_check((void *)(uintptr_t)d->address,
					     lens[k], 20 + k));
		EXPECT_TRUE(mapped((void *)(uintptr_t)d->address, lens[k]));
		EXPECT_EQ(0, munmap((void *)(uintptr_t)d->address, lens[k]));
	}
	EXPECT_EQ(maps, count_maps());
	for (i = 0; i < ARRAY_LEN(lens); i++)
		munmap(srcs[i], lens[i] + 1);
	EXPECT_EQ(base, ool_usage(fd));
}

TEST_F(cap, alloc_captured)
{
	alloc_sizes(_metadata, self->fd, self->port, self->buf, self->rbuf,
		    self->base, CAP);
}

TEST_F(cap, alloc_synchronous)
{
	alloc_sizes(_metadata, self->fd, self->port, self->buf, self->rbuf,
		    self->base, 0);
}

/* An inline message received with ALLOC: nothing mapped, nothing left. */
TEST_F(cap, alloc_inline_message)
{
	int maps = count_maps();
	unsigned int n = 7;
	__u32 v = 42;

	ASSERT_EQ(0, mt_send_simple(self->fd, self->port,
				    MACHIPC_DISP_MAKE_SEND, 0x1003, &v,
				    sizeof(v), NULL));
	ASSERT_EQ(0, recv_alloc(self->fd, self->port, self->rbuf, MSGBUF, &n,
				0));
	EXPECT_EQ(0, n);
	EXPECT_EQ(maps, count_maps());
}

/* ALLOC with a receive buffer too small for the message: nothing mapped. */
TEST_F(cap, alloc_emsgsize_maps_nothing)
{
	size_t len = 3 * ool_page();
	char *src = ool_map(len);
	void *srcs[] = { src, src };
	__u64 lens[] = { len, 10 };
	unsigned int n = 0;
	int maps;

	ASSERT_NE(NULL, src);
	ool_fill(src, len, 3);
	ASSERT_EQ(0, build(self->buf, self->port, MACHIPC_DISP_MAKE_SEND,
			   srcs, lens, 2, CAP, 0x1004));
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	maps = count_maps();
	EXPECT_EQ(EMSGSIZE, recv_alloc(self->fd, self->port, self->rbuf, 64,
				       &n, 0));
	EXPECT_EQ(2, n);
	EXPECT_EQ(maps, count_maps());
	EXPECT_EQ(1, ool_msgcount(self->fd, self->port));
	ASSERT_EQ(0, recv_alloc(self->fd, self->port, self->rbuf, MSGBUF, &n,
				0));
	EXPECT_EQ(2, n);
	EXPECT_EQ(len, ool_check((void *)(uintptr_t)
				 machipc_msg_ool(self->rbuf, 0)->address,
				 len, 3));
	munmap((void *)(uintptr_t)machipc_msg_ool(self->rbuf, 0)->address,
	       len);
	munmap((void *)(uintptr_t)machipc_msg_ool(self->rbuf, 1)->address,
	       10);
	EXPECT_EQ(maps, count_maps());
	munmap(src, len);
	EXPECT_EQ(self->base, ool_usage(self->fd));
}

/* An ALLOC receive that times out on an empty port maps nothing. */
TEST_F(cap, alloc_timeout_maps_nothing)
{
	int maps = count_maps();
	unsigned int n = 0;

	EXPECT_EQ(ETIMEDOUT, recv_alloc(self->fd, self->port, self->rbuf,
					MSGBUF, &n, 20));
	EXPECT_EQ(maps, count_maps());
}

/* Resident pages of this process, from /proc/self/statm. */
static long resident_pages(void)
{
	long size = -1, rss = -1;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss;
}

/*
 * A synchronous sender declares 1 GiB it does not have, with a short send
 * deadline: the receiver maps the buffer but never populates it (the
 * declared size costs its sender nothing), the failed transfer leaves
 * nothing mapped, and the receiver's own deadline holds while the head
 * keeps changing.
 */
TEST_F(cap, alloc_hostile_size_costs_no_memory)
{
	size_t len = 1UL << 30;
	void *hole = mmap(NULL, len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	void *srcs[] = { hole };
	__u64 lens[] = { len };
	long before = resident_pages();
	struct ool_sender s;
	unsigned int n = 0;
	long long t0;
	int maps, err;

	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, build(self->buf, self->port, MACHIPC_DISP_MAKE_SEND,
			   srcs, lens, 1, 0, 0x100b));
	ASSERT_EQ(0, ool_sender_start(&s, self->fd, self->buf, 300));
	maps = count_maps();
	t0 = mt_now_ns();
	err = recv_alloc(self->fd, self->port, self->rbuf, MSGBUF, &n, 1500);
	EXPECT_EQ(ETIMEDOUT, err);
	EXPECT_GT(10000000000LL, mt_now_ns() - t0);
	EXPECT_EQ(EFAULT, ool_sender_join(&s));
	EXPECT_EQ(maps, count_maps());
	/* Far less than the gigabyte declared (16 MiB: slack for the test). */
	EXPECT_GT(before + (long)(16UL << 20) / (long)ool_page(),
		  resident_pages());
	munmap(hole, len);
	EXPECT_EQ(self->base, ool_usage(self->fd));
}

/*
 * Regions the receiver cannot map (RLIMIT_AS): ENOMEM and the message
 * stays; with MACHIPC_MSG_RCV_DESTROY_LARGE it goes (EMSGSIZE), as XNU
 * destroys a body it cannot copy out, so it cannot wedge the queue.
 */
TEST_F(cap, alloc_unmappable)
{
	size_t len = 4 * OOL_MIB;
	char *src = ool_map(len);
	void *srcs[] = { src };
	__u64 lens[] = { len };
	struct rlimit old, lim;
	struct machipc_msg_args a;
	unsigned int n = 0;
	long vm_pages;
	FILE *f;

	ASSERT_NE(NULL, src);
	ASSERT_EQ(0, build(self->buf, self->port, MACHIPC_DISP_MAKE_SEND,
			   srcs, lens, 1, CAP, 0x100c));
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	munmap(src, len);
	f = fopen("/proc/self/statm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%ld", &vm_pages));
	fclose(f);
	ASSERT_EQ(0, getrlimit(RLIMIT_AS, &old));
	lim = old;
	lim.rlim_cur = (rlim_t)vm_pages * ool_page() + OOL_MIB;
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &lim));
	EXPECT_EQ(ENOMEM, recv_alloc(self->fd, self->port, self->rbuf, MSGBUF,
				     &n, 0));
	EXPECT_EQ(1, ool_msgcount(self->fd, self->port));
	ool_recv_raw(self->fd, self->port, self->rbuf, MSGBUF, 0, 0, &a);
	a.flags |= MACHIPC_MSG_RCV_OOL_ALLOC | MACHIPC_MSG_RCV_DESTROY_LARGE;
	a.rcv_size = MSGBUF;
	a.rcv_ool_count = 0;
	EXPECT_EQ(EMSGSIZE, MT_ERR(machipc_msg(self->fd, &a)));
	ASSERT_EQ(0, setrlimit(RLIMIT_AS, &old));
	EXPECT_EQ(0, ool_msgcount(self->fd, self->port));
	EXPECT_EQ(self->base, ool_usage(self->fd));
}

TEST_F(cap, emsgsize_reports_sizes)
{
	size_t len = 2 * ool_page() + 5;
	char *src = ool_map(len), *dst = ool_map(len);
	void *srcs[] = { src, src, src };
	__u64 lens[] = { 100, len, 7 };
	struct machipc_ool_buf ob[3] = { { (uintptr_t)dst, 100 } };
	size_t size = sizeof(self->rbuf);
	unsigned int n = 1;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 4);
	ASSERT_EQ(0, build(self->buf, self->port, MACHIPC_DISP_MAKE_SEND,
			   srcs, lens, 3, CAP, 0x1005));
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	/* Too few buffers. */
	EXPECT_EQ(EMSGSIZE, ool_recv(self->fd, self->port, self->rbuf, &size,
				     ob, &n, 0));
	EXPECT_EQ(3, n);
	EXPECT_EQ(100, ob[0].size);
	/* Enough buffers, one too small: its size is reported. */
	ob[1].address = (uintptr_t)dst;
	ob[1].size = len - 1;
	ob[2].address = (uintptr_t)dst;
	ob[2].size = 7;
	n = 3;
	size = sizeof(self->rbuf);
	EXPECT_EQ(EMSGSIZE, ool_recv(self->fd, self->port, self->rbuf, &size,
				     ob, &n, 0));
	EXPECT_EQ(len, ob[1].size);
	EXPECT_EQ(1, ool_msgcount(self->fd, self->port));
	/* Then it is received, into three buffers of one mapping. */
	ob[0].address = (uintptr_t)dst;
	ob[1].address = (uintptr_t)dst + 100;
	ob[2].address = (uintptr_t)dst + 100 + len;
	ob[2].size = 8;
	n = 3;
	size = sizeof(self->rbuf);
	ASSERT_EQ(0, munmap(dst, len));
	dst = ool_map(2 * len);
	ASSERT_NE(NULL, dst);
	ob[0].address = (uintptr_t)dst;
	ob[1].address = (uintptr_t)dst + 100;
	ob[2].address = (uintptr_t)dst + 100 + len;
	ASSERT_EQ(0, ool_recv(self->fd, self->port, self->rbuf, &size, ob,
			      &n, 0));
	EXPECT_EQ(100, ool_check(dst, 100, 4));
	EXPECT_EQ(len, ool_check(dst + 100, len, 4));
	EXPECT_EQ(7, ool_check(dst + 100 + len, 7, 4));
	EXPECT_EQ(self->base, ool_usage(self->fd));
	munmap(src, len);
	munmap(dst, 2 * len);
}

TEST_F(cap, destroy_large_frees)
{
	size_t len = 64 * 1024;
	char *src = ool_map(len);
	void *srcs[] = { src };
	__u64 lens[] = { len };
	struct machipc_msg_args a;

	ASSERT_NE(NULL, src);
	ASSERT_EQ(0, build(self->buf, self->port, MACHIPC_DISP_MAKE_SEND,
			   srcs, lens, 1, CAP, 0x1006));
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	ASSERT_EQ(EMSGSIZE, ool_recv_raw(self->fd, self->port, self->rbuf,
					 sizeof(self->rbuf), 0, 0, &a));
	EXPECT_EQ(1, a.rcv_ool_count);
	EXPECT_EQ(1, ool_msgcount(self->fd, self->port));
	a.flags = MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_DESTROY_LARGE;
	a.rcv_size = sizeof(self->rbuf);
	a.rcv_ool_count = 0;
	EXPECT_EQ(EMSGSIZE, MT_ERR(machipc_msg(self->fd, &a)));
	EXPECT_EQ(0, ool_msgcount(self->fd, self->port));
	EXPECT_EQ(self->base, ool_usage(self->fd));
	munmap(src, len);
}

TEST_F(cap, enobufs_nothing_changed)
{
	size_t len = OOL_MIB;
	char *src = ool_map(len);
	void *srcs[] = { src };
	__u64 lens[] = { len };
	struct mt_snap before;

	ASSERT_NE(NULL, src);
	ool_fill(src, len, 5);
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, self->base +
						 len / 2));
	ASSERT_EQ(0, mt_snap_take(self->fd, &before));
	ASSERT_EQ(0, build(self->buf, self->port, MACHIPC_DISP_MAKE_SEND,
			   srcs, lens, 1, CAP, 0x1007));
	EXPECT_EQ(ENOBUFS, send_now(self->fd, self->buf));
	EXPECT_EQ(self->base, ool_usage(self->fd));
	EXPECT_EQ(0, ool_msgcount(self->fd, self->port));
	EXPECT_SNAP_UNCHANGED(self->fd, &before, "after ENOBUFS");
	/* With room for it, the same send goes. */
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, self->base + 2 * len +
						 OOL_MIB));
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	EXPECT_EQ(1, ool_msgcount(self->fd, self->port));
	munmap(src, len);
}

TEST_F(cap, refund_on_port_destroy)
{
	size_t len = 256 * 1024;
	char *src = ool_map(len);
	void *srcs[] = { src, src };
	__u64 lens[] = { len, 1 };
	__u32 other = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	__u64 base;
	int i;

	ASSERT_NE(NULL, src);
	ASSERT_NE(0, other);
	base = ool_usage(self->fd);
	ASSERT_EQ(0, build(self->buf, other, MACHIPC_DISP_MAKE_SEND, srcs,
			   lens, 2, CAP, 0x1008));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, send_now(self->fd, self->buf));
	EXPECT_LT(base + 4 * len, ool_usage(self->fd));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, other));
	EXPECT_GE(base, ool_usage(self->fd));
	munmap(src, len);
}

TEST_F(cap, bad_mixed_and_flags)
{
	char *src = ool_map(ool_page());
	struct machipc_msg_builder b;
	struct machipc_msg_args a;
	struct machipc_msg_desc *d;
	int pfd[2];

	ASSERT_NE(NULL, src);
	/* One captured region, one synchronous. */
	ASSERT_EQ(0, machipc_msg_init(&b, self->buf, MSGBUF, self->port,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_ool_flags(&b, src, 8, CAP));
	ASSERT_EQ(0, machipc_msg_add_ool_flags(&b, src, 8, 0));
	EXPECT_EQ(EINVAL, send_now(self->fd, self->buf));
	/* An unknown flag, through the raw descriptor. */
	d = (void *)((char *)self->buf + sizeof(struct machipc_msg_header));
	d[1].disposition = CAP;
	EXPECT_EQ(0, send_now(self->fd, self->buf));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, self->port));
	self->port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, machipc_msg_init(&b, self->buf, MSGBUF, self->port,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_ool_flags(&b, src, 8, CAP));
	d = (void *)((char *)self->buf + sizeof(struct machipc_msg_header));
	d[0].disposition = MACHIPC_OOL_LAST << 1;
	EXPECT_EQ(EINVAL, send_now(self->fd, self->buf));
	EXPECT_EQ(-1, machipc_msg_add_ool_flags(&b, src, 8,
						MACHIPC_OOL_LAST << 1));
	EXPECT_EQ(EINVAL, errno);
	/* Captured data beside a file. */
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, machipc_msg_init(&b, self->buf, MSGBUF, self->port,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_ool_flags(&b, src, 8, CAP));
	ASSERT_EQ(0, machipc_msg_add_fd(&b, pfd[0], 0));
	EXPECT_EQ(EINVAL, send_now(self->fd, self->buf));
	close(pfd[0]);
	close(pfd[1]);
	/* ALLOC with caller buffers, or without a receive. */
	ool_recv_raw(self->fd, self->port, self->rbuf, sizeof(self->rbuf),
		     (uintptr_t)src, 1, &a);
	a.flags |= MACHIPC_MSG_RCV_OOL_ALLOC;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_msg(self->fd, &a)));
	a.rcv_ool = 0;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_msg(self->fd, &a)));
	a.rcv_ool_count = 0;
	a.rcv_ool = (uintptr_t)src;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_msg(self->fd, &a)));
	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_RCV_OOL_ALLOC;
	a.send_msg = (uintptr_t)self->buf;
	a.send_size = ((struct machipc_msg_header *)self->buf)->size;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_msg(self->fd, &a)));
	EXPECT_EQ(0, ool_msgcount(self->fd, self->port));
	munmap(src, ool_page());
}

static void deallocate(struct __test_metadata *_metadata, int fd, __u32 port,
		       __u64 *buf, __u64 *rbuf, unsigned int flags)
{
	size_t pg = ool_page();
	char *src = ool_map(4 * pg);
	/* From the middle of page 1 to the middle of page 2. */
	void *srcs[] = { src + pg + 100 };
	__u64 lens[] = { pg };
	struct ool_sender s;
	unsigned int n = 0;

	ASSERT_NE(NULL, src);
	memset(src, 1, 4 * pg);
	ool_fill(src + pg + 100, pg, 9);
	ASSERT_EQ(0, build(buf, port, MACHIPC_DISP_MAKE_SEND, srcs, lens, 1,
			   flags | MACHIPC_OOL_DEALLOCATE, 0x1009));
	/* A send that fails unmaps nothing. */
	((struct machipc_msg_header *)buf)->remote_name = 0x7ffffff0;
	EXPECT_EQ(ENOENT, send_now(fd, buf));
	EXPECT_TRUE(mapped(src + pg, 2 * pg));
	((struct machipc_msg_header *)buf)->remote_name = port;
	if (flags & CAP) {
		ASSERT_EQ(0, send_now(fd, buf));
		EXPECT_FALSE(mapped(src + pg, pg));
		EXPECT_FALSE(mapped(src + 2 * pg, pg));
		ASSERT_EQ(0, recv_alloc(fd, port, rbuf, MSGBUF, &n, 0));
	} else {
		ASSERT_EQ(0, ool_sender_start(&s, fd, buf, 20000));
		ASSERT_EQ(0, recv_alloc(fd, port, rbuf, MSGBUF, &n, 20000));
		ASSERT_EQ(0, ool_sender_join(&s));
		EXPECT_FALSE(mapped(src + pg, pg));
		EXPECT_FALSE(mapped(src + 2 * pg, pg));
	}
	/* The pages around it stay. */
	EXPECT_TRUE(mapped(src, pg));
	EXPECT_TRUE(mapped(src + 3 * pg, pg));
	ASSERT_EQ(1, n);
	EXPECT_EQ(pg, ool_check((void *)(uintptr_t)
				machipc_msg_ool(rbuf, 0)->address, pg, 9));
	munmap((void *)(uintptr_t)machipc_msg_ool(rbuf, 0)->address, pg);
	munmap(src, pg);
	munmap(src + 3 * pg, pg);
}

TEST_F(cap, deallocate_captured)
{
	deallocate(_metadata, self->fd, self->port, self->buf, self->rbuf,
		   CAP);
}

TEST_F(cap, deallocate_synchronous)
{
	deallocate(_metadata, self->fd, self->port, self->buf, self->rbuf, 0);
}

static void on_signal(int sig)
{
	(void)sig;
}

struct uffd_sender {
	int fd;
	void *msg;
	int err;
	atomic_int tid;
};

static void *uffd_send_fn(void *arg)
{
	struct uffd_sender *u = arg;

	atomic_store(&u->tid, gettid());
	u->err = MT_ERR(machipc_send(u->fd, u->msg, NULL));
	return NULL;
}

TEST_F(cap, signal_during_capture)
{
	size_t pg = ool_page(), len = 8 * pg;
	char *src = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)src, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct uffd_sender u = { .fd = self->fd, .msg = self->buf };
	void *srcs[] = { src };
	__u64 lens[] = { len };
	struct sigaction sa = { .sa_handler = on_signal };
	struct mt_snap before;
	pthread_t t;
	int uffd;

	ASSERT_NE(MAP_FAILED, src);
	/* The first half is there; the capture stalls on the second. */
	memset(src, 1, len / 2);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, mt_snap_take(self->fd, &before));
	ASSERT_EQ(0, build(self->buf, self->port, MACHIPC_DISP_MAKE_SEND,
			   srcs, lens, 1, CAP, 0x100a));
	ASSERT_EQ(0, pthread_create(&t, NULL, uffd_send_fn, &u));
	while (!atomic_load(&u.tid))
		usleep(1000);
	ASSERT_EQ(0, mt_wait_in_ioctl(getpid(), atomic_load(&u.tid), 10000));
	/* Charged for the capture while it waits... */
	EXPECT_LT(self->base + len, ool_usage(self->fd));
	EXPECT_EQ(0, ool_msgcount(self->fd, self->port));
	/* ...and not at all once a signal ended it. */
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	pthread_join(t, NULL);
	EXPECT_EQ(EINTR, u.err);
	EXPECT_EQ(0, ool_msgcount(self->fd, self->port));
	EXPECT_EQ(self->base, ool_usage(self->fd));
	EXPECT_SNAP_UNCHANGED(self->fd, &before, "after the interrupted send");
	close(uffd);
	munmap(src, len);
}

TEST_F(cap, carries_receive_right)
{
	__u32 moved = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	char *src = ool_map(ool_page());
	struct machipc_msg_builder b;
	const struct machipc_msg_desc *d;
	unsigned int n = 0, k;
	__u32 rights = 0, urefs = 0, got = 0;

	ASSERT_NE(0, moved);
	ASSERT_NE(NULL, src);
	ool_fill(src, 100, 11);
	ASSERT_EQ(0, machipc_msg_init(&b, self->buf, MSGBUF, self->port,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_port(&b, moved,
					  MACHIPC_DISP_MOVE_RECEIVE));
	ASSERT_EQ(0, machipc_msg_add_ool_flags(&b, src, 100, CAP));
	ASSERT_EQ(0, send_now(self->fd, self->buf));
	EXPECT_EQ(ENOENT, mt_info(self->fd, moved, &rights, &urefs));
	ASSERT_EQ(0, recv_alloc(self->fd, self->port, self->rbuf, MSGBUF, &n,
				0));
	EXPECT_EQ(1, n);
	for (k = 0; k < ((struct machipc_msg_header *)self->rbuf)->desc_count;
	     k++) {
		d = (const struct machipc_msg_desc *)
			((char *)self->rbuf +
			 sizeof(struct machipc_msg_header)) + k;
		if (d->type == MACHIPC_DESC_PORT)
			got = d->name;
	}
	ASSERT_NE(0, got);
	ASSERT_EQ(0, mt_info(self->fd, got, &rights, &urefs));
	EXPECT_TRUE(rights & MACHIPC_RIGHT_RECEIVE);
	d = machipc_msg_ool(self->rbuf, 0);
	EXPECT_EQ(100, ool_check((void *)(uintptr_t)d->address, 100, 11));
	munmap((void *)(uintptr_t)d->address, ool_page());
	munmap(src, ool_page());
}

/* ------------------------------------------------------------------ */
/* Races                                                              */
/* ------------------------------------------------------------------ */

#define RACE_SENDERS	2
#define RACE_RECEIVERS	2

struct race {
	int fd;
	__u32 port;
	int per_sender;
	atomic_int received;
	atomic_int bad;
	atomic_int stop;
	atomic_int seen[RACE_SENDERS * 512];
	pthread_t rcv[RACE_RECEIVERS];
};

struct race_sender {
	struct race *r;
	int who;
};

static void *race_send(void *arg)
{
	struct race *r = ((struct race_sender *)arg)->r;
	int who = ((struct race_sender *)arg)->who;
	__u64 buf[MSGBUF / 8];
	char *src = ool_map(3 * 4096);
	int i;

	if (!src) {
		atomic_fetch_add(&r->bad, 1);
		return NULL;
	}
	for (i = 0; i < r->per_sender; i++) {
		__u32 id = who * 512 + i;
		size_t len = 1 + (id * 977) % (3 * 4096 - 1);
		void *srcs[] = { src };
		__u64 lens[] = { len };
		int err;

		ool_fill(src, len, id);
		if (build(buf, r->port, MACHIPC_DISP_MAKE_SEND, srcs, lens, 1,
			  CAP, id)) {
			atomic_fetch_add(&r->bad, 1);
			break;
		}
		do
			err = MT_ERR(machipc_send(r->fd, buf, NULL));
		while (err == EINTR);
		if (err)
			atomic_fetch_add(&r->bad, 1);
	}
	munmap(src, 3 * 4096);
	return NULL;
}

static void *race_receive(void *arg)
{
	struct race *r = arg;
	__u64 rbuf[MSGBUF / 8];
	int total = RACE_SENDERS * r->per_sender;

	while (atomic_load(&r->received) < total && !atomic_load(&r->stop)) {
		const struct machipc_msg_header *h = (const void *)rbuf;
		const struct machipc_msg_desc *d;
		unsigned int n = 0;
		int err = recv_alloc(r->fd, r->port, rbuf, sizeof(rbuf), &n,
				     100);

		if (err == ETIMEDOUT || err == EINTR)
			continue;
		if (err || n != 1 || h->id >= RACE_SENDERS * 512) {
			atomic_fetch_add(&r->bad, 1);
			continue;
		}
		d = machipc_msg_ool(rbuf, 0);
		if (d->size != 1 + (h->id * 977) % (3 * 4096 - 1) ||
		    ool_check((void *)(uintptr_t)d->address, d->size,
			      h->id) != d->size)
			atomic_fetch_add(&r->bad, 1);
		munmap((void *)(uintptr_t)d->address, d->size);
		atomic_fetch_add(&r->seen[h->id], 1);
		atomic_fetch_add(&r->received, 1);
	}
	return NULL;
}

static void *race_idle(void *arg)
{
	usleep(20000);
	return arg;
}

TEST_F(cap, threads_exactly_once)
{
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESTART };
	struct race *r = calloc(1, sizeof(*r));
	struct race_sender sargs[RACE_SENDERS];
	pthread_t snd[RACE_SENDERS], warm[RACE_SENDERS + RACE_RECEIVERS];
	long long end;
	int i, j, maps;

	ASSERT_NE(NULL, r);
	/* Thread stacks glibc will keep cached: there before the count. */
	for (i = 0; i < RACE_SENDERS + RACE_RECEIVERS; i++)
		ASSERT_EQ(0, pthread_create(&warm[i], NULL, race_idle, NULL));
	for (i = 0; i < RACE_SENDERS + RACE_RECEIVERS; i++)
		pthread_join(warm[i], NULL);
	maps = count_maps();
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	r->fd = self->fd;
	r->port = self->port;
	r->per_sender = (int)mt_scaled(400, 40);
	if (r->per_sender > 512)
		r->per_sender = 512;
	for (i = 0; i < RACE_RECEIVERS; i++)
		ASSERT_EQ(0, pthread_create(&r->rcv[i], NULL, race_receive,
					    r));
	for (i = 0; i < RACE_SENDERS; i++) {
		sargs[i].r = r;
		sargs[i].who = i;
		ASSERT_EQ(0, pthread_create(&snd[i], NULL, race_send,
					    &sargs[i]));
	}
	end = mt_now_ns() + 120000000000LL;
	while (atomic_load(&r->received) < RACE_SENDERS * r->per_sender &&
	       mt_now_ns() < end) {
		for (i = 0; i < RACE_RECEIVERS; i++)
			pthread_kill(r->rcv[i], SIGUSR1);
		for (i = 0; i < RACE_SENDERS; i++)
			pthread_kill(snd[i], SIGUSR1);
		usleep(2000);
	}
	atomic_store(&r->stop, 1);
	for (i = 0; i < RACE_SENDERS; i++)
		pthread_join(snd[i], NULL);
	for (i = 0; i < RACE_RECEIVERS; i++)
		pthread_join(r->rcv[i], NULL);
	EXPECT_EQ(0, atomic_load(&r->bad));
	EXPECT_EQ(RACE_SENDERS * r->per_sender, atomic_load(&r->received));
	for (i = 0; i < RACE_SENDERS; i++)
		for (j = 0; j < r->per_sender; j++)
			EXPECT_EQ(1, atomic_load(&r->seen[i * 512 + j]));
	EXPECT_EQ(maps, count_maps());
	EXPECT_EQ(self->base, ool_usage(self->fd));
	free(r);
}

TEST_HARNESS_MAIN
