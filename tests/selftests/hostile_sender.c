// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_sender: senders that try to deny service to a receiver or to everyone
 * (issue 12, findings 4 to 6), and an honest peer that must still get
 * through.
 *
 * - destroy_large_*: a message too large for every receiver at the head
 *   of a queue: without MACHIPC_MSG_RCV_DESTROY_LARGE it stays queued
 *   (EMSGSIZE, sizes reported); with it, it is destroyed (its rights
 *   released, a sequence number used, an out-of-line sender's send fails
 *   with EMSGSIZE) and the honest message behind it is received next.
 *   Inline in one space; out of line from a hostile process, with the
 *   honest message from another.
 * - declared_bound: the out-of-line bytes one message may declare, all
 *   regions together (max_ool_bytes): exactly the bound passes, one byte
 *   more is E2BIG; the 64 x 4 GiB message of the report is refused.
 * - mprotect_toggle_*: a sender that keeps changing the mapping of its
 *   region under the copy: the receive recopies at most max_recopies
 *   times (counted with the machipc_xfer_aborted tracepoint when tracefs
 *   is there), then the send fails with EAGAIN and the receiver gets the
 *   honest message queued behind (same space, and a hostile process).
 * - transit_depth_*: receive rights in transit inside each other: a send
 *   to a port MACHIPC_TRANSIT_DEPTH_MAX - 1 deep passes, one deeper is
 *   ETOOMANYREFS with nothing changed; a long chain built from below
 *   refuses receive rights at its deep end, and another process's sends of
 *   receive rights still work; a port-destroyed notification, which hands
 *   a receive right over too, obeys the same bound (the port dies instead).
 *
 * - unpinnable_source_*: a copier that can never pin the sender's pages
 *   (debugfs inject_pin_miss) keeps asking the sender to fault them in and
 *   the sender keeps succeeding: each side's condition may be true every
 *   time it looks, yet the send's deadline (ETIMEDOUT to the sender, the
 *   receiver moves on) and the receive's (ETIMEDOUT, the message still
 *   queued and later delivered intact) both hold.
 *
 * Verdicts never depend on time: the deadlines are only there so that a
 * kernel without the fixes fails instead of hanging.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "machipc_test.h"
#include "ool_test.h"

#define HOSTILE_LONG_MS		60000
#define PARAM_DIR		"/sys/module/machipc/parameters/"

/* Read a module parameter; -1 if it cannot be read. */
static long long param_get(const char *name)
{
	char path[128], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Write a module parameter; 0 or an errno. */
static int param_set(const char *name, long long v)
{
	char path[128];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (!f)
		return errno;
	if (fprintf(f, "%lld\n", v) < 0)
		err = EIO;
	if (fclose(f))
		err = errno;
	return err;
}

/* A raw receive with @flags added; errno.  @ms < 0: no deadline. */
static int recv_flags(int fd, __u32 name, void *buf, __u32 size,
		      struct machipc_ool_buf *ool, __u32 n, __u32 flags, long ms,
		      struct machipc_msg_args *a)
{
	struct timespec dl;

	memset(a, 0, sizeof(*a));
	a->flags = MACHIPC_MSG_RECEIVE | flags;
	if (ms >= 0) {
		machipc_deadline_in(&dl, ms);
		a->flags |= MACHIPC_MSG_RCV_TIMEOUT;
		a->rcv_deadline = machipc_timespec_to_ns(&dl);
	}
	a->rcv_name = name;
	a->rcv_buf = (uintptr_t)buf;
	a->rcv_size = size;
	a->rcv_ool = (uintptr_t)ool;
	a->rcv_ool_count = n;
	return MT_ERR(machipc_msg(fd, a));
}

/*
 * Wait until a message is linked at the head of @port's queue; 0 when it
 * is, -1 if none came (or the receive failed otherwise).
 *
 * Not msgcount: a sender raises it when it reserves its queue slot and
 * links the message a moment later (an out-of-line sender after dropping
 * its space lock), so a message sent by another process meanwhile can be
 * linked ahead of the one msgcount already counts.  A receive with no room
 * and without MACHIPC_MSG_RCV_DESTROY_LARGE sees only linked messages,
 * reports EMSGSIZE and leaves the head queued.
 */
static int wait_head(int fd, __u32 port)
{
	long long end = mt_now_ns() + HOSTILE_LONG_MS * 1000000LL;
	struct machipc_msg_args a;
	__u64 rbuf[8];
	int err;

	for (;;) {
		err = recv_flags(fd, port, rbuf,
				 sizeof(struct machipc_msg_header), NULL, 0, 0,
				 0, &a);
		if (err != ETIMEDOUT || mt_now_ns() > end)
			return err == EMSGSIZE ? 0 : -1;
		usleep(1000);
	}
}

/* Send a small inline message with id @id to @dest (COPY_SEND); errno. */
static int send_id(int fd, __u32 dest, __u32 id)
{
	return mt_send_simple(fd, dest, MACHIPC_DISP_COPY_SEND, id, &id,
			      sizeof(id), NULL);
}

/* ------------------------------------------------------------------ */
/* Finding 4: the too-large head                                       */
/* ------------------------------------------------------------------ */

TEST(destroy_large_flag_needs_receive)
{
	struct machipc_msg_args a;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_RCV_DESTROY_LARGE;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_msg(fd, &a)));
	EXPECT_EQ(MACHIPC_MSG_RCV_DESTROY_LARGE,
		  MACHIPC_MSG_MASK & MACHIPC_MSG_RCV_DESTROY_LARGE);
	/* bit 5 stays unassigned: EINVAL */
	EXPECT_EQ(0, MACHIPC_MSG_MASK & (1U << 5));
	close(fd);
}

/*
 * Inline, one space: a large message carrying a send right, then an
 * honest one.  The destroy releases the right and uses a sequence number.
 */
TEST(destroy_large_inline)
{
	__u64 big[128], rbuf[64];
	struct machipc_msg_builder b;
	struct machipc_port_attr pa, qa;
	struct machipc_msg_args a;
	static char data[512];
	__u32 p, q;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	q = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	ASSERT_NE(0, q);
	ASSERT_EQ(0, machipc_msg_init(&b, big, sizeof(big), p,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_port(&b, q, MACHIPC_DISP_MAKE_SEND));
	ASSERT_EQ(0, machipc_msg_add_data(&b, data, sizeof(data)));
	ASSERT_EQ(0, MT_ERR(machipc_send(fd, big, NULL)));
	ASSERT_EQ(0, mt_send_simple(fd, p, MACHIPC_DISP_MAKE_SEND, 2, "ok", 2,
				    NULL));
	ASSERT_EQ(0, mt_attr(fd, q, &qa));
	ASSERT_EQ(1, qa.srights);

	/* Without the flag: EMSGSIZE, the size, and nothing changes. */
	ASSERT_EQ(EMSGSIZE, recv_flags(fd, p, rbuf, 64, NULL, 0, 0, 0, &a));
	EXPECT_EQ(machipc_msg_size(big) + OOL_TRL, a.rcv_size);
	EXPECT_EQ(2, ool_msgcount(fd, p));

	/* With it: the same report, and the head is gone with its right. */
	ASSERT_EQ(EMSGSIZE, recv_flags(fd, p, rbuf, 64, NULL, 0,
				       MACHIPC_MSG_RCV_DESTROY_LARGE, 0, &a));
	EXPECT_EQ(machipc_msg_size(big) + OOL_TRL, a.rcv_size);
	EXPECT_EQ(0, a.rcv_ool_count);
	EXPECT_EQ(1, ool_msgcount(fd, p));
	ASSERT_EQ(0, mt_attr(fd, q, &qa));
	EXPECT_EQ(0, qa.srights);

	/* The honest message fits: the flag changes nothing then. */
	ASSERT_EQ(0, recv_flags(fd, p, rbuf, sizeof(rbuf), NULL, 0,
				MACHIPC_MSG_RCV_DESTROY_LARGE, 0, &a));
	EXPECT_EQ(2, machipc_msg_header(rbuf)->id);
	/* The destroyed message took sequence number 0. */
	EXPECT_EQ(1, machipc_msg_trailer(rbuf)->seqno);
	ASSERT_EQ(0, mt_attr(fd, p, &pa));
	EXPECT_EQ(0, pa.msgcount);
	EXPECT_EQ(2, pa.seqno);
	close(fd);
}

/*
 * The report's wedge, out of line: a hostile process declares 16 regions
 * of 256 MiB, all of one never-touched read-only mapping (it costs
 * nothing); an honest process queues a message behind it.
 */
static pid_t fork_wedger(int bfd)
{
	const size_t region = 256 * OOL_MIB;
	struct machipc_msg_builder b;
	pid_t pid = fork();
	__u64 sbuf[160];
	__u32 dest;
	void *src;
	int fd, i;

	if (pid)
		return pid;
	fd = machipc_open();
	if (fd < 0 || machipc_bootstrap_import(fd, bfd, &dest))
		_exit(100);
	src = mmap(NULL, region, PROT_READ,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (src == MAP_FAILED)
		_exit(101);
	if (machipc_msg_init(&b, sbuf, sizeof(sbuf), dest,
			     MACHIPC_DISP_COPY_SEND, 0, MACHIPC_DISP_NONE, 66))
		_exit(102);
	for (i = 0; i < 16; i++)
		if (machipc_msg_add_ool(&b, src, region))
			_exit(103);
	_exit(MT_ERR(machipc_send(fd, sbuf, NULL)));
}

static pid_t fork_honest(int bfd, __u32 id)
{
	pid_t pid = fork();
	__u32 dest;
	int fd;

	if (pid)
		return pid;
	fd = machipc_open();
	if (fd < 0 || machipc_bootstrap_import(fd, bfd, &dest))
		_exit(100);
	_exit(send_id(fd, dest, id));
}

TEST(destroy_large_ool_hostile_process)
{
	struct machipc_ool_buf ool[16];
	struct machipc_msg_args a;
	__u64 rbuf[64];
	pid_t wedger, honest;
	__u32 p;
	int fd, bfd, i;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);

	wedger = fork_wedger(bfd);
	ASSERT_LT(0, wedger);
	/* Its message first in line, not only its slot counted. */
	ASSERT_EQ(0, wait_head(fd, p));
	ASSERT_EQ(1, ool_msgcount(fd, p));
	honest = fork_honest(bfd, 7);
	ASSERT_LT(0, honest);
	ASSERT_EQ(0, mt_wait(honest));
	ASSERT_EQ(2, ool_msgcount(fd, p));

	/* Asking without the flag reports the sizes and changes nothing. */
	memset(ool, 0, sizeof(ool));
	ASSERT_EQ(EMSGSIZE, recv_flags(fd, p, rbuf, sizeof(rbuf), ool, 16, 0,
				       0, &a));
	EXPECT_EQ(16, a.rcv_ool_count);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(256 * OOL_MIB, ool[i].size);
	EXPECT_EQ(2, ool_msgcount(fd, p));

	/* A receiver with one small buffer discards it... */
	ool[0].address = (uintptr_t)rbuf;
	ool[0].size = 8;
	ASSERT_EQ(EMSGSIZE, recv_flags(fd, p, rbuf, sizeof(rbuf), ool, 1,
				       MACHIPC_MSG_RCV_DESTROY_LARGE,
				       HOSTILE_LONG_MS, &a));
	EXPECT_EQ(16, a.rcv_ool_count);
	EXPECT_EQ(256 * OOL_MIB, ool[0].size);
	/* ...its sender learns it... */
	EXPECT_EQ(EMSGSIZE, mt_wait(wedger));
	/* ...and the honest message is next. */
	ASSERT_EQ(0, recv_flags(fd, p, rbuf, sizeof(rbuf), NULL, 0,
				MACHIPC_MSG_RCV_DESTROY_LARGE, HOSTILE_LONG_MS,
				&a));
	EXPECT_EQ(7, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(honest, machipc_msg_trailer(rbuf)->pid);
	EXPECT_EQ(1, machipc_msg_trailer(rbuf)->seqno);
	EXPECT_EQ(0, ool_msgcount(fd, p));
	close(bfd);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Finding 4: the declared-size bound                                  */
/* ------------------------------------------------------------------ */

/*
 * Send to @p, with a deadline already past, @n regions of @size bytes
 * each from @addr; the regions need not be mapped (the send fails before
 * anyone reads them).  E2BIG, or ETIMEDOUT when the message was queued.
 */
static int send_declared(int fd, __u32 p, __u64 addr, unsigned int n,
			 __u64 size, __u64 last)
{
	struct machipc_msg_builder b;
	__u64 sbuf[2 + 64 * 4 + 8];
	struct timespec now;
	unsigned int i;

	if (machipc_msg_init(&b, sbuf, sizeof(sbuf), p, MACHIPC_DISP_MAKE_SEND,
			     0, MACHIPC_DISP_NONE, 3))
		return -1;
	for (i = 0; i < n; i++)
		if (machipc_msg_add_ool(&b, (void *)(uintptr_t)addr,
					i + 1 == n ? last : size))
			return -1;
	machipc_deadline_in(&now, 0);
	return MT_ERR(machipc_send(fd, sbuf, &now));
}

TEST(declared_bound)
{
	const __u64 four = MACHIPC_OOL_SIZE_MAX, two = four / 2;
	const __u64 addr = 1ULL << 30;
	long long saved = param_get("max_ool_bytes");
	__u32 p;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	EXPECT_EQ((long long)four, saved);

	/* The report's message: 64 regions of 4 GiB. */
	EXPECT_EQ(E2BIG, send_declared(fd, p, addr, 64, four, four));
	/* Exactly the bound: queued (and timed out). */
	EXPECT_EQ(ETIMEDOUT, send_declared(fd, p, addr, 2, two, two));
	EXPECT_EQ(E2BIG, send_declared(fd, p, addr, 2, two, two + 1));
	EXPECT_EQ(E2BIG, send_declared(fd, p, addr, 3, two, 1));
	EXPECT_EQ(0, ool_msgcount(fd, p));

	/* The parameter moves the bound. */
	if (saved < 0) {
		/* No such parameter: the failures above stand. */
		close(fd);
		return;
	}
	if (param_set("max_ool_bytes", OOL_MIB)) {
		close(fd);
		SKIP(return, "cannot set max_ool_bytes (not root?)");
	}
	EXPECT_EQ(ETIMEDOUT, send_declared(fd, p, addr, 4, OOL_MIB / 4,
					   OOL_MIB / 4));
	EXPECT_EQ(E2BIG, send_declared(fd, p, addr, 4, OOL_MIB / 4,
				       OOL_MIB / 4 + 1));
	EXPECT_EQ(0, param_set("max_ool_bytes", saved));
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Finding 5: the sender that keeps changing its mapping               */
/* ------------------------------------------------------------------ */

#define TOGGLE_LEN	(8 * OOL_MIB)

struct toggler {
	void *page;
	atomic_int stop;
	atomic_long toggles;
	pthread_t thread;
};

/* Flip one page of the region between read-only and read-write. */
static void *toggler_fn(void *arg)
{
	struct toggler *t = arg;
	size_t pg = ool_page();

	while (!atomic_load(&t->stop)) {
		if (mprotect(t->page, pg, PROT_READ) ||
		    mprotect(t->page, pg, PROT_READ | PROT_WRITE))
			break;
		atomic_fetch_add(&t->toggles, 1);
	}
	return NULL;
}

/*
 * Send TOGGLE_LEN bytes to @dest while a thread toggles the protection of
 * a page in the middle of them; errno of the send.
 */
static int toggle_send(int fd, __u32 dest, long *toggles)
{
	struct toggler t = { 0 };
	unsigned char *src = ool_map(TOGGLE_LEN);
	__u64 sbuf[16];
	int err;

	if (!src)
		return ENOMEM;
	ool_fill(src, TOGGLE_LEN, 5);
	if (ool_msg_one(sbuf, sizeof(sbuf), dest, src, TOGGLE_LEN, 55))
		return EINVAL;
	t.page = src + TOGGLE_LEN / 2;
	if (pthread_create(&t.thread, NULL, toggler_fn, &t))
		return 200;
	/* Let it run first: the attack is under way before any receive. */
	while (atomic_load(&t.toggles) < 100)
		sched_yield();
	err = MT_ERR(machipc_send(fd, sbuf, NULL));
	atomic_store(&t.stop, 1);
	pthread_join(t.thread, NULL);
	if (toggles)
		*toggles = atomic_load(&t.toggles);
	munmap(src, TOGGLE_LEN);
	return err;
}

struct toggle_thread {
	int fd;
	__u32 dest;
	int err;
	long toggles;
	pthread_t thread;
};

static void *toggle_thread_fn(void *arg)
{
	struct toggle_thread *tt = arg;

	tt->err = toggle_send(tt->fd, tt->dest, &tt->toggles);
	return NULL;
}

#define ABORTED_EVENT \
	"/sys/kernel/tracing/events/machipc/machipc_xfer_aborted/enable"

FIXTURE(toggle) {
	int fd;
	__u32 p;
	long long saved;
	unsigned char *dst;
	bool tracing;
};

/* How many machipc_xfer_aborted events in the trace give @reason. */
static int count_reason(const char *reason)
{
	static char trace[1 << 20];
	char key[64];
	const char *q;
	int n = 0;

	if (mt_read_file("/sys/kernel/tracing/trace", trace, sizeof(trace)))
		return -1;
	snprintf(key, sizeof(key), "reason=%s\n", reason);
	for (q = strstr(trace, key); q; q = strstr(q + 1, key))
		n++;
	return n;
}

/*
 * The restarts, counted by the tracepoints when tracefs is there: with
 * max_recopies 1, two passes were invalidated and the second one failed
 * the transfer as unstable.
 */
static void check_restarts(struct __test_metadata *_metadata, bool tracing)
{
	if (!tracing)
		return;
	EXPECT_EQ(2, count_reason("invalidated"));
	EXPECT_EQ(1, count_reason("unstable"));
}

FIXTURE_SETUP(toggle)
{
	self->saved = param_get("max_recopies");
	self->fd = machipc_open();
	ASSERT_LE(0, self->fd);
	self->p = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->p);
	self->dst = ool_map(TOGGLE_LEN);
	ASSERT_NE(NULL, self->dst);
	/* Our buffer is ready: every recopy is the sender's doing. */
	memset(self->dst, 0, TOGGLE_LEN);
	/* Few recopies: fewer toggles needed inside one receive. */
	if (self->saved >= 0 && param_set("max_recopies", 1))
		SKIP(return, "cannot set max_recopies (not root?)");
	if (access(ABORTED_EVENT, W_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	self->tracing = !access(ABORTED_EVENT, W_OK) &&
			!mt_write_file("/sys/kernel/tracing/trace", "") &&
			!mt_write_file(ABORTED_EVENT, "1");
}

FIXTURE_TEARDOWN(toggle)
{
	if (self->tracing)
		mt_write_file(ABORTED_EVENT, "0");
	if (self->saved >= 0)
		param_set("max_recopies", self->saved);
	close(self->fd);
}

/*
 * Receive on @p until the honest message (id 9) arrives: the hostile one
 * may only ever fail, never be received, and the receive returns.
 */
static bool receive_past_toggler(struct __test_metadata *_metadata,
				 int fd, __u32 p, unsigned char *dst)
{
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)dst, .size = TOGGLE_LEN,
	};
	struct machipc_msg_args a;
	__u64 rbuf[64];
	int err;

	err = recv_flags(fd, p, rbuf, sizeof(rbuf), &ool, 1, 0,
			 HOSTILE_LONG_MS, &a);
	EXPECT_EQ(0, err);
	if (err)
		return false;
	EXPECT_EQ(9, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(0, a.rcv_ool_count);
	return true;
}

TEST_F_TIMEOUT(toggle, mprotect_toggle_same_space, 300)
{
	struct toggle_thread tt = { .fd = self->fd, .dest = 0 };

	ASSERT_EQ(0, machipc_port_insert_right(self->fd, self->p,
					       MACHIPC_DISP_MAKE_SEND,
					       &tt.dest));
	ASSERT_EQ(0, pthread_create(&tt.thread, NULL, toggle_thread_fn, &tt));
	ASSERT_EQ(0, wait_head(self->fd, self->p));
	ASSERT_EQ(1, ool_msgcount(self->fd, self->p));
	ASSERT_EQ(0, send_id(self->fd, tt.dest, 9));
	/* Else the sender would wait forever: its port goes. */
	if (!receive_past_toggler(_metadata, self->fd, self->p, self->dst))
		machipc_port_destroy(self->fd, self->p);
	pthread_join(tt.thread, NULL);
	EXPECT_EQ(EAGAIN, tt.err) TH_LOG("%ld toggles", tt.toggles);
	check_restarts(_metadata, self->tracing);
	/* The default, restored by the teardown. */
	EXPECT_EQ(64, self->saved);
	EXPECT_EQ(0, ool_msgcount(self->fd, self->p));
}

TEST_F_TIMEOUT(toggle, mprotect_toggle_hostile_process, 300)
{
	pid_t hostile, honest;
	int bfd;

	bfd = machipc_bootstrap_export(self->fd, self->p,
				       MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	hostile = fork();
	ASSERT_LE(0, hostile);
	if (!hostile) {
		__u32 dest;
		int fd = machipc_open();

		if (fd < 0 || machipc_bootstrap_import(fd, bfd, &dest))
			_exit(100);
		_exit(toggle_send(fd, dest, NULL));
	}
	ASSERT_EQ(0, wait_head(self->fd, self->p));
	ASSERT_EQ(1, ool_msgcount(self->fd, self->p));
	honest = fork_honest(bfd, 9);
	ASSERT_LT(0, honest);
	ASSERT_EQ(0, mt_wait(honest));
	if (!receive_past_toggler(_metadata, self->fd, self->p, self->dst))
		kill(hostile, SIGKILL);
	EXPECT_EQ(EAGAIN, mt_wait(hostile));
	check_restarts(_metadata, self->tracing);
	EXPECT_EQ(0, ool_msgcount(self->fd, self->p));
	close(bfd);
}

/* ------------------------------------------------------------------ */
/* Wait loops that never sleep: deadlines still hold                   */
/* ------------------------------------------------------------------ */

#define PIN_MISS	"/sys/kernel/debug/machipc/inject_pin_miss"
#define UNPIN_LEN	(256 * 1024)
#define UNPIN_MS	200

struct unpin_peer {
	int fd;
	__u32 p;
	long ms;		/* the peer's deadline; < 0: none */
	unsigned char *buf;
	struct machipc_ool_buf ool;
	__u64 rbuf[64];
	int err;
	pthread_t thread;
};

static void *unpin_receiver_fn(void *arg)
{
	struct unpin_peer *u = arg;
	struct machipc_msg_args a;

	u->ool.address = (uintptr_t)u->buf;
	u->ool.size = UNPIN_LEN;
	u->err = recv_flags(u->fd, u->p, u->rbuf, sizeof(u->rbuf), &u->ool, 1,
			    0, u->ms, &a);
	return NULL;
}

static int unpin_send(int fd, __u32 p, const void *src, long ms)
{
	struct timespec dl;
	__u64 sbuf[16];

	if (ool_msg_one(sbuf, sizeof(sbuf), p, src, UNPIN_LEN, 77))
		return EINVAL;
	if (ms < 0)
		return MT_ERR(machipc_send(fd, sbuf, NULL));
	machipc_deadline_in(&dl, ms);
	return MT_ERR(machipc_send(fd, sbuf, &dl));
}

static void *unpin_sender_fn(void *arg)
{
	struct unpin_peer *u = arg;

	u->err = unpin_send(u->fd, u->p, u->buf, u->ms);
	return NULL;
}

FIXTURE(unpin) {
	int fd;
	__u32 p;
	unsigned char *src, *dst;
};

FIXTURE_SETUP(unpin)
{
	long v;

	self->fd = -1;
	if (mt_read_long(PIN_MISS, &v))
		SKIP(return, "no " PIN_MISS);
	self->fd = machipc_open();
	ASSERT_LE(0, self->fd);
	self->p = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->p);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, self->p,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	self->src = ool_map(UNPIN_LEN);
	self->dst = ool_map(UNPIN_LEN);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->dst);
	ool_fill(self->src, UNPIN_LEN, 31);
	/* Touched: only the sender's pages are ever missing. */
	memset(self->dst, 0, UNPIN_LEN);
	ASSERT_EQ(0, mt_write_file(PIN_MISS, "1000000000"));
}

FIXTURE_TEARDOWN(unpin)
{
	if (self->fd < 0)
		return;
	mt_write_file(PIN_MISS, "0");
	close(self->fd);
}

TEST_F_TIMEOUT(unpin, unpinnable_source_send_deadline, 300)
{
	struct unpin_peer r = {
		.fd = self->fd, .p = self->p, .ms = HOSTILE_LONG_MS,
		.buf = self->dst,
	};
	long v = -1;

	ASSERT_EQ(0, pthread_create(&r.thread, NULL, unpin_receiver_fn, &r));
	EXPECT_EQ(ETIMEDOUT, unpin_send(self->fd, self->p, self->src,
					UNPIN_MS));
	/* The copier did ask, and over and over. */
	ASSERT_EQ(0, mt_read_long(PIN_MISS, &v));
	EXPECT_GT(1000000000L, v);
	ASSERT_EQ(0, mt_write_file(PIN_MISS, "0"));
	/* The receiver moved on: it takes the next message. */
	ASSERT_EQ(0, send_id(self->fd, self->p, 9));
	pthread_join(r.thread, NULL);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(9, machipc_msg_header(r.rbuf)->id);
	EXPECT_EQ(0, ool_msgcount(self->fd, self->p));
}

TEST_F_TIMEOUT(unpin, unpinnable_source_receive_deadline, 300)
{
	struct unpin_peer s = {
		.fd = self->fd, .p = self->p, .ms = -1, .buf = self->src,
	};
	struct unpin_peer r = {
		.fd = self->fd, .p = self->p, .ms = UNPIN_MS, .buf = self->dst,
	};

	ASSERT_EQ(0, pthread_create(&s.thread, NULL, unpin_sender_fn, &s));
	ASSERT_EQ(0, wait_head(self->fd, self->p));
	ASSERT_EQ(1, ool_msgcount(self->fd, self->p));
	unpin_receiver_fn(&r);
	EXPECT_EQ(ETIMEDOUT, r.err);
	EXPECT_EQ(1, ool_msgcount(self->fd, self->p));
	EXPECT_EQ(UNPIN_LEN, ool_check_byte(self->dst, UNPIN_LEN, 0));
	/* Pins work again: the same message, intact, exactly once. */
	ASSERT_EQ(0, mt_write_file(PIN_MISS, "0"));
	r.ms = HOSTILE_LONG_MS;
	unpin_receiver_fn(&r);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(77, machipc_msg_header(r.rbuf)->id);
	EXPECT_EQ(UNPIN_LEN, ool_check(self->dst, UNPIN_LEN, 31));
	pthread_join(s.thread, NULL);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(0, ool_msgcount(self->fd, self->p));
}

/* ------------------------------------------------------------------ */
/* Finding 6: receive rights in transit inside each other              */
/* ------------------------------------------------------------------ */

/* Send to @dest (COPY_SEND) a message carrying @rcv's receive right. */
static int send_receive_right(int fd, __u32 dest, __u32 rcv)
{
	struct machipc_msg_builder b;
	__u64 sbuf[16];

	if (machipc_msg_init(&b, sbuf, sizeof(sbuf), dest,
			     MACHIPC_DISP_COPY_SEND, 0, MACHIPC_DISP_NONE, 4) ||
	    machipc_msg_add_port(&b, rcv, MACHIPC_DISP_MOVE_RECEIVE))
		return errno;
	return MT_ERR(machipc_send(fd, sbuf, NULL));
}

/* @n ports with a receive right and a send right each (same name). */
static int alloc_ports(int fd, __u32 *ports, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		ports[i] = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
		if (!ports[i] ||
		    machipc_port_insert_right(fd, ports[i],
					      MACHIPC_DISP_MAKE_SEND, NULL))
			return -1;
	}
	return 0;
}

/*
 * Built from the top: port i + 1's receive right into port i, so that
 * port k is k deep.  Up to port MACHIPC_TRANSIT_DEPTH_MAX - 1 as a
 * destination it works; port MACHIPC_TRANSIT_DEPTH_MAX is too deep.
 */
TEST(transit_depth_limit)
{
	const unsigned int max = MACHIPC_TRANSIT_DEPTH_MAX;
	__u32 ports[MACHIPC_TRANSIT_DEPTH_MAX + 2], rights;
	__u64 before;
	unsigned int i;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(64, MACHIPC_TRANSIT_DEPTH_MAX);
	ASSERT_EQ(0, alloc_ports(fd, ports, max + 2));
	for (i = 0; i < max; i++)
		ASSERT_EQ(0, send_receive_right(fd, ports[i], ports[i + 1]))
			TH_LOG("destination %u deep", i);

	/* ports[max] is exactly MACHIPC_TRANSIT_DEPTH_MAX deep. */
	before = ool_usage(fd);
	EXPECT_EQ(ETOOMANYREFS, send_receive_right(fd, ports[max],
						   ports[max + 1]));
	/* Nothing changed: the right is still ours, nothing queued. */
	ASSERT_EQ(0, mt_info(fd, ports[max + 1], &rights, NULL));
	EXPECT_TRUE(rights & MACHIPC_RIGHT_RECEIVE);
	EXPECT_EQ(before, ool_usage(fd));
	/* Other messages still go there. */
	EXPECT_EQ(0, send_id(fd, ports[max], 5));
	/* A receive right sent to its own port closes a cycle, not a chain. */
	EXPECT_EQ(0, send_receive_right(fd, ports[max + 1], ports[max + 1]));
	ASSERT_EQ(0, mt_info(fd, ports[max + 1], &rights, NULL));
	EXPECT_TRUE(rights & MACHIPC_RIGHT_DEAD_NAME);

	/* Destroying the top destroys the chain. */
	EXPECT_EQ(0, MT_ERR(machipc_port_destroy(fd, ports[0])));
	close(fd);
}

/*
 * A port-destroyed notification carries a receive right too: its notify
 * port MACHIPC_TRANSIT_DEPTH_MAX deep takes none.  The notification is not
 * sent and the port dies, as if its notify port were dead (before, it was
 * queued there, one level deeper than any send may go, and the port lived
 * on in transit).
 */
TEST(transit_depth_port_destroyed)
{
	const unsigned int max = MACHIPC_TRANSIT_DEPTH_MAX;
	__u32 ports[MACHIPC_TRANSIT_DEPTH_MAX + 1], p, rights, prev = 1;
	unsigned int i;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, alloc_ports(fd, ports, max + 1));
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	ASSERT_EQ(0, machipc_port_insert_right(fd, p, MACHIPC_DISP_MAKE_SEND,
					       NULL));
	/* Asked while ports[max]'s receive right is still ours. */
	ASSERT_EQ(0, machipc_port_request_notification(fd, p,
			MACHIPC_NOTIFY_PORT_DESTROYED, ports[max],
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, &prev));
	EXPECT_EQ(0, prev);
	for (i = 0; i < max; i++)
		ASSERT_EQ(0, send_receive_right(fd, ports[i], ports[i + 1]))
			TH_LOG("destination %u deep", i);

	/* ports[max] is exactly MACHIPC_TRANSIT_DEPTH_MAX deep. */
	ASSERT_EQ(0, machipc_port_mod_refs(fd, p, MACHIPC_RIGHT_RECEIVE, -1));
	ASSERT_EQ(0, mt_info(fd, p, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights)
		TH_LOG("the port lives on in transit (rights %#x)", rights);

	EXPECT_EQ(0, MT_ERR(machipc_port_destroy(fd, ports[0])));
	EXPECT_EQ(0, MT_ERR(machipc_port_destroy(fd, p)));
	close(fd);
}

/*
 * Built from below: port i's receive right into port i + 1, which some
 * space receives from, so the chain grows without limit -- but its ports
 * deeper than the limit take no receive right, so no walk under the
 * global lock ever starts there.  Another process sends receive rights
 * meanwhile, untouched.
 */
FIXTURE(chain) {
	int unused;
};

FIXTURE_SETUP(chain)
{
}

FIXTURE_TEARDOWN(chain)
{
}

TEST_F_TIMEOUT(chain, transit_depth_from_below, 300)
{
	const unsigned int n = 1000, max = MACHIPC_TRANSIT_DEPTH_MAX;
	__u32 *ports = calloc(n, sizeof(*ports)), r;
	unsigned int i;
	pid_t honest;
	int fd = machipc_open();

	ASSERT_NE(NULL, ports);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, alloc_ports(fd, ports, n));
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, r);
	for (i = 0; i + 1 < n; i++)
		ASSERT_EQ(0, send_receive_right(fd, ports[i + 1], ports[i]))
			TH_LOG("link %u", i);

	honest = fork();
	ASSERT_LE(0, honest);
	if (!honest) {
		__u32 a, b;
		int hfd = machipc_open();

		if (hfd < 0)
			_exit(100);
		for (i = 0; i < 200; i++) {
			a = mt_alloc(hfd, MACHIPC_RIGHT_RECEIVE);
			b = mt_alloc(hfd, MACHIPC_RIGHT_RECEIVE);
			if (!a || !b ||
			    machipc_port_insert_right(hfd, a,
						      MACHIPC_DISP_MAKE_SEND,
						      NULL) ||
			    send_receive_right(hfd, a, b) ||
			    machipc_port_destroy(hfd, a))
				_exit(101);
		}
		_exit(0);
	}

	/* The hostile sends: the deep end refuses at once, every time. */
	for (i = 0; i < 200; i++)
		ASSERT_EQ(ETOOMANYREFS, send_receive_right(fd, ports[0], r));
	EXPECT_EQ(ETOOMANYREFS, send_receive_right(fd, ports[n - 1 - max], r));
	/* One level higher is within the limit. */
	EXPECT_EQ(0, send_receive_right(fd, ports[n - max], r));
	EXPECT_EQ(0, mt_wait(honest));

	EXPECT_EQ(0, MT_ERR(machipc_port_destroy(fd, ports[n - 1])));
	free(ports);
	close(fd);
}

TEST_HARNESS_MAIN
