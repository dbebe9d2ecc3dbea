// SPDX-License-Identifier: GPL-2.0
/*
 * The copy engine's tracepoints: machipc_chunk_copied for every chunk in
 * order, machipc_xfer_aborted with its reason and chunk, and
 * machipc_xfer_committed with the bytes and chunks of the transfer.
 *
 * A transfer of a known number of chunks (chunk_pages is set small) is
 * aborted once at a chosen chunk with the debugfs switch, then sent again
 * and received; the trace must tell exactly that story.
 *
 * fresh_receive_buffer: a receive buffer whose pages were never touched
 * (or are copy-on-write after a fork) is faulted in before the copy, so
 * the data is copied once, not copied again after the header's write
 * found its page missing; and a source shared with a forked child is
 * unshared at the first fault request, all of it, so the copy starts
 * over once at most, not at every chunk.  forked_sender_many_chunks: the
 * same for more chunks than max_recopies, which used to fail the send.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "machipc.h"
#include "machipc_test.h"
#include "ool_test.h"

#define TRACING		"/sys/kernel/tracing"
#define DEBUGFS		"/sys/kernel/debug/machipc"
#define CHUNK_PAGES	"/sys/module/machipc/parameters/chunk_pages"

static const char *const events[] = {
	"machipc_chunk_copied", "machipc_xfer_aborted", "machipc_xfer_committed",
};

static int set_events(const char *on)
{
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), TRACING "/events/machipc/%s/enable",
			 events[i]);
		if (mt_write_file(path, on))
			return -1;
	}
	return 0;
}

FIXTURE(trace) {
	int fd;
	__u32 port;
	char old_chunk[32];
	char *trace;
};

FIXTURE_SETUP(trace)
{
	char path[128];

	snprintf(path, sizeof(path), TRACING "/events/machipc/%s/enable",
		 events[0]);
	if (access(path, W_OK))
		mount("tracefs", TRACING, "tracefs", 0, NULL);
	if (access(DEBUGFS "/inject_abort_chunk", W_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	self->trace = calloc(1, 1 << 20);
	ASSERT_NE(NULL, self->trace);
	self->old_chunk[0] = 0;
	if (access(path, W_OK) || access(DEBUGFS "/inject_abort_chunk", W_OK) ||
	    mt_read_file(CHUNK_PAGES, self->old_chunk, sizeof(self->old_chunk)))
		SKIP(return, "needs tracefs, debugfs and the chunk_pages parameter");
	ASSERT_EQ(0, mt_write_file(CHUNK_PAGES, "2"));
	self->fd = machipc_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, machipc_port_allocate(self->fd, MACHIPC_RIGHT_RECEIVE,
					   &self->port));
	ASSERT_EQ(0, mt_write_file(TRACING "/trace", ""));
	ASSERT_EQ(0, set_events("1"));
}

FIXTURE_TEARDOWN(trace)
{
	set_events("0");
	mt_write_file(DEBUGFS "/inject_abort_chunk", "-1");
	mt_write_file(DEBUGFS "/inject_abort_side", "0");
	if (self->old_chunk[0])
		mt_write_file(CHUNK_PAGES, self->old_chunk);
	free(self->trace);
}

/* The next line of @ev at or after @from, or NULL. */
static const char *find_event(const char *from, const char *ev)
{
	char key[64];

	snprintf(key, sizeof(key), "%s:", ev);
	return strstr(from, key);
}

TEST_F(trace, chunks_abort_commit)
{
	size_t page = ool_page(), len = 5 * 2 * page + 100;
	unsigned long long id0, id, bytes, nchunks;
	struct machipc_msg_builder b;
	struct machipc_ool_buf ool;
	__u64 sbuf[32], rbuf[64];
	struct ool_sender snd;
	unsigned int n, chunk;
	char reason[32];
	const char *p;
	size_t size;
	char *src, *dst;
	int k;

	src = ool_map(len + page);
	dst = ool_map(len + page);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	/* Start 100 bytes into a page: 6 chunks of at most 2 pages. */
	ool_fill(src + 100, len, 7);
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->port,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, src + 100, len));

	/* First attempt: the receiver is aborted at chunk 3. */
	ASSERT_EQ(0, mt_write_file(DEBUGFS "/inject_abort_side", "0"));
	ASSERT_EQ(0, mt_write_file(DEBUGFS "/inject_abort_chunk", "3"));
	ASSERT_EQ(0, ool_sender_start(&snd, self->fd, sbuf, -1));
	ool.address = (uintptr_t)dst;
	ool.size = len;
	n = 1;
	size = sizeof(rbuf);
	EXPECT_EQ(EINTR, ool_recv(self->fd, self->port, rbuf, &size, &ool, &n,
				  10000));
	/* Then the same message is received whole. */
	ool.size = len;
	n = 1;
	size = sizeof(rbuf);
	ASSERT_EQ(0, ool_recv(self->fd, self->port, rbuf, &size, &ool, &n,
			      10000));
	ASSERT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(len, ool_check(dst, len, 7));
	ASSERT_EQ(0, set_events("0"));
	ASSERT_EQ(0, mt_read_file(TRACING "/trace", self->trace, 1 << 20));

	/* Chunks 0, 1, 2, then the abort at 3, of one transfer. */
	p = self->trace;
	for (k = 0; k < 3; k++) {
		p = find_event(p, "machipc_chunk_copied");
		ASSERT_NE(NULL, p) TH_LOG("trace:\n%s", self->trace);
		ASSERT_EQ(3, sscanf(p, "machipc_chunk_copied: xfer=%llu chunk=%u bytes=%llu",
				    &id, &chunk, &bytes));
		if (!k)
			id0 = id;
		EXPECT_EQ(id0, id);
		EXPECT_EQ((unsigned int)k, chunk);
		EXPECT_EQ(k ? 2 * page : 2 * page - 100, bytes);
		p++;
	}
	p = find_event(p, "machipc_xfer_aborted");
	ASSERT_NE(NULL, p) TH_LOG("trace:\n%s", self->trace);
	ASSERT_EQ(3, sscanf(p, "machipc_xfer_aborted: xfer=%llu chunk=%u reason=%31s",
			    &id, &chunk, reason));
	EXPECT_EQ(id0, id);
	EXPECT_EQ(3, chunk);
	EXPECT_STREQ("injected", reason);

	/* The receive that succeeds copies all 6 chunks and commits. */
	for (k = 0; k < 6; k++) {
		p = find_event(p, "machipc_chunk_copied");
		ASSERT_NE(NULL, p) TH_LOG("trace:\n%s", self->trace);
		ASSERT_EQ(3, sscanf(p, "machipc_chunk_copied: xfer=%llu chunk=%u bytes=%llu",
				    &id, &chunk, &bytes));
		EXPECT_EQ(id0, id);
		EXPECT_EQ((unsigned int)k, chunk);
		p++;
	}
	p = find_event(p, "machipc_xfer_committed");
	ASSERT_NE(NULL, p) TH_LOG("trace:\n%s", self->trace);
	ASSERT_EQ(3, sscanf(p, "machipc_xfer_committed: xfer=%llu bytes=%llu chunks=%llu",
			    &id, &bytes, &nchunks));
	EXPECT_EQ(id0, id);
	EXPECT_EQ(len, bytes);
	EXPECT_EQ(6, nchunks);
	EXPECT_EQ(NULL, find_event(p + 1, "machipc_chunk_copied"));
}

/*
 * Each chunk once, in order, then one commit of them all; with
 * @one_recopy, the pass may have started over once, at chunk 0 (a source
 * made copy-on-write by a fork is unshared when first faulted in: the
 * mapping changed), but no chunk was copied before that.
 */
static void expect_copied_once(struct __test_metadata *_metadata,
			       const char *trace, unsigned int nchunks,
			       bool one_recopy)
{
	unsigned long long id0 = 0, id, bytes, n;
	unsigned int k, chunk;
	const char *p = trace, *abort, *first;
	char reason[32];

	abort = find_event(trace, "machipc_xfer_aborted");
	if (one_recopy && abort) {
		ASSERT_EQ(3, sscanf(abort, "machipc_xfer_aborted: xfer=%llu chunk=%u reason=%31s",
				    &id, &chunk, reason));
		EXPECT_EQ(0, chunk) TH_LOG("trace:\n%s", trace);
		EXPECT_STREQ("invalidated", reason);
		EXPECT_EQ(NULL, find_event(abort + 1, "machipc_xfer_aborted"))
			TH_LOG("trace:\n%s", trace);
		p = abort;
	} else {
		EXPECT_EQ(NULL, abort) TH_LOG("trace:\n%s", trace);
	}
	/* Nothing copied before the pass that commits. */
	first = find_event(trace, "machipc_chunk_copied");
	EXPECT_TRUE(!first || first > p) TH_LOG("trace:\n%s", trace);
	for (k = 0; k < nchunks; k++) {
		p = find_event(p, "machipc_chunk_copied");
		ASSERT_NE(NULL, p) TH_LOG("trace:\n%s", trace);
		ASSERT_EQ(3, sscanf(p, "machipc_chunk_copied: xfer=%llu chunk=%u bytes=%llu",
				    &id, &chunk, &bytes));
		if (!k)
			id0 = id;
		EXPECT_EQ(id0, id);
		EXPECT_EQ(k, chunk) TH_LOG("trace:\n%s", trace);
		p++;
	}
	p = find_event(p, "machipc_xfer_committed");
	ASSERT_NE(NULL, p) TH_LOG("trace:\n%s", trace);
	ASSERT_EQ(3, sscanf(p, "machipc_xfer_committed: xfer=%llu bytes=%llu chunks=%llu",
			    &id, &bytes, &n));
	EXPECT_EQ(id0, id);
	EXPECT_EQ(nchunks, n);
	/* No pass but that one: a silent second pass copies them all again. */
	for (k = 0, p = trace; (p = find_event(p, "machipc_chunk_copied")); p++)
		k++;
	EXPECT_EQ(nchunks, k) TH_LOG("trace:\n%s", trace);
}

/* A child that shares our pages copy-on-write until reap_sleeper(). */
static pid_t fork_sleeper(void)
{
	pid_t child = fork();

	if (!child) {
		pause();
		_exit(0);
	}
	return child;
}

static void reap_sleeper(pid_t child)
{
	int status;

	kill(child, SIGKILL);
	waitpid(child, &status, 0);
}

/*
 * Send @len bytes at @src to the fixture's port from a thread and receive
 * them into @dst, the header into @rbuf (@rsize bytes), with the trace
 * cleared first.  Return: the receive's errno; *@send_err the send's.
 */
static int transfer(FIXTURE_DATA(trace) *self, void *src, void *dst,
		    size_t len, void *rbuf, size_t rsize, int *send_err)
{
	struct machipc_msg_builder b;
	struct machipc_ool_buf ool = { .address = (uintptr_t)dst, .size = len };
	struct ool_sender snd;
	unsigned int n = 1;
	__u64 sbuf[32];
	int err;

	if (machipc_msg_init(&b, sbuf, sizeof(sbuf), self->port,
			     MACHIPC_DISP_MAKE_SEND, 0, MACHIPC_DISP_NONE, 1) ||
	    machipc_msg_add_ool(&b, src, len) ||
	    mt_write_file(TRACING "/trace", "") ||
	    ool_sender_start(&snd, self->fd, sbuf, -1))
		return -1;
	err = ool_recv(self->fd, self->port, rbuf, &rsize, &ool, &n, 20000);
	*send_err = ool_sender_join(&snd);
	return err;
}

TEST_F(trace, fresh_receive_buffer)
{
	size_t page = ool_page(), len = 6 * 2 * page;
	int round, send_err;
	char *src, *dst;
	__u64 *rbuf;
	pid_t child;

	src = ool_map(len);
	dst = ool_map(len);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 9);

	/*
	 * Round 0: a header buffer never touched; round 1: one written,
	 * then write-protected by a fork whose child outlives the receive.
	 */
	for (round = 0; round < 2; round++) {
		rbuf = ool_map(page);
		ASSERT_NE(NULL, rbuf);
		child = -1;
		if (round) {
			memset(rbuf, 0, page);
			child = fork_sleeper();
			ASSERT_LE(0, child);
		}
		EXPECT_EQ(0, transfer(self, src, dst, len, rbuf, page,
				      &send_err));
		EXPECT_EQ(0, send_err);
		if (child > 0)
			reap_sleeper(child);
		EXPECT_EQ(len, ool_check(dst, len, 9));
		ASSERT_EQ(0, mt_read_file(TRACING "/trace", self->trace,
					  1 << 20));
		expect_copied_once(_metadata, self->trace, 6, round);
		munmap(rbuf, page);
		memset(dst, 0, len);
	}
}

/*
 * More chunks than max_recopies (80 of 2 pages) from a source shared
 * with a forked child: delivered, with the copy started over once at
 * most (a restart per chunk would fail the send with EAGAIN).
 */
TEST_F(trace, forked_sender_many_chunks)
{
	size_t page = ool_page(), len = 80 * 2 * page;
	__u64 rbuf[64];
	char *src, *dst;
	int send_err;
	pid_t child;

	src = ool_map(len);
	dst = ool_map(len);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 11);
	memset(dst, 0, len);
	child = fork_sleeper();
	ASSERT_LE(0, child);
	EXPECT_EQ(0, transfer(self, src, dst, len, rbuf, sizeof(rbuf),
			      &send_err));
	EXPECT_EQ(0, send_err);
	reap_sleeper(child);
	EXPECT_EQ(len, ool_check(dst, len, 11));
	ASSERT_EQ(0, mt_read_file(TRACING "/trace", self->trace, 1 << 20));
	expect_copied_once(_metadata, self->trace, 80, true);
}

/* A sender whose deadline passes while queued: aborted with "timeout". */
TEST_F(trace, sender_timeout_reason)
{
	size_t page = ool_page();
	struct machipc_msg_builder b;
	unsigned long long id;
	unsigned int chunk;
	char reason[32];
	__u64 sbuf[32];
	const char *p;
	char *src;

	src = ool_map(page);
	ASSERT_NE(NULL, src);
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->port,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 2));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, src, page));
	{
		struct timespec dl;

		machipc_deadline_in(&dl, 50);
		EXPECT_EQ(ETIMEDOUT, MT_ERR(machipc_send(self->fd, sbuf, &dl)));
	}
	EXPECT_EQ(0, ool_msgcount(self->fd, self->port));
	ASSERT_EQ(0, set_events("0"));
	ASSERT_EQ(0, mt_read_file(TRACING "/trace", self->trace, 1 << 20));
	p = find_event(self->trace, "machipc_xfer_aborted");
	ASSERT_NE(NULL, p) TH_LOG("trace:\n%s", self->trace);
	ASSERT_EQ(3, sscanf(p, "machipc_xfer_aborted: xfer=%llu chunk=%u reason=%31s",
			    &id, &chunk, reason));
	EXPECT_STREQ("timeout", reason);
	EXPECT_EQ(NULL, find_event(self->trace, "machipc_chunk_copied"));
	EXPECT_EQ(NULL, find_event(self->trace, "machipc_xfer_committed"));
}

TEST_HARNESS_MAIN
