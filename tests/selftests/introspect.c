// SPDX-License-Identifier: GPL-2.0
/*
 * introspect: port ids (MACHIPC_IOC_NAME_INFO/PORT_NAMES port_id), the
 * per-name lines of /proc/PID/fdinfo, and the tools built on them:
 * machipc-ls (against the space's own PORT_NAMES, JSON against text, what
 * an unprivileged user may see) and machipc-trace (the demo's story).  The
 * checks that parse JSON are in introspect_check.py, run from here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "machipc.h"
#include "machipc_test.h"

static __u32 port_id(int fd, __u32 name)
{
	struct machipc_name_info info;

	if (machipc_name_info(fd, name, &info))
		return 0;
	return info.port_id;
}

/* The checkout, from build/selftests/introspect. */
static const char *top(void)
{
	static char path[PATH_MAX];
	char *slash;
	ssize_t n;
	int i;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = 0;
	for (i = 0; i < 3; i++) {
		slash = strrchr(path, '/');
		if (!slash)
			return NULL;
		*slash = 0;
	}
	return path;
}

static int checker(const char *fmt, ...)
{
	char cmd[PATH_MAX + 256], args[256];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "python3 %s/tests/selftests/introspect_check.py %s",
		 top(), args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

TEST(port_id_across_spaces)
{
	int a = machipc_open(), b = machipc_open();
	__u32 r, s = 0, r2, id, id2;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	r = mt_alloc(a, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, r);
	id = port_id(a, r);
	ASSERT_NE(0, id);

	/* The send right in another space has the receive right's id. */
	ASSERT_EQ(0, mt_give_send(a, r, b, &s));
	EXPECT_EQ(id, port_id(b, s));

	/* Another port, another id; a destroyed port's id is not reused. */
	r2 = mt_alloc(a, MACHIPC_RIGHT_RECEIVE);
	id2 = port_id(a, r2);
	EXPECT_NE(0, id2);
	EXPECT_NE(id, id2);
	ASSERT_EQ(0, machipc_port_destroy(a, r2));
	r2 = mt_alloc(a, MACHIPC_RIGHT_RECEIVE);
	EXPECT_NE(id2, port_id(a, r2));
	EXPECT_NE(id, port_id(a, r2));

	/* When the port dies, the send right becomes a dead name: no id. */
	ASSERT_EQ(0, machipc_port_destroy(a, r));
	EXPECT_EQ(0, port_id(b, s));
	close(a);
	close(b);
}

/* The machipc-name lines of a space's fdinfo. */
struct fdname {
	__u32 name, rights, urefs, id, pset;
	char requests[64];
};

static int read_names(int fd, struct fdname *out, int cap)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "machipc-name:", 13) || n >= cap)
			continue;
		if (sscanf(line, "machipc-name: name %x rights %x urefs %u id %u pset %x requests %63s",
			   &out[n].name, &out[n].rights, &out[n].urefs,
			   &out[n].id, &out[n].pset, out[n].requests) != 6) {
			n = -2;
			break;
		}
		n++;
	}
	fclose(f);
	return n;
}

TEST(fdinfo_names)
{
	int fd = machipc_open(), other = machipc_open();
	struct machipc_name_info *names;
	struct fdname fi[16];
	__u32 r, set, s, dead, notify, prev;
	size_t count, i;
	int n;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	set = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	dead = mt_alloc(fd, MACHIPC_RIGHT_DEAD_NAME);
	notify = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, machipc_port_move_member(fd, r, set));
	ASSERT_EQ(0, machipc_port_insert_right(fd, r, MACHIPC_DISP_MAKE_SEND,
					       NULL));
	s = mt_alloc(other, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, mt_give_send(other, s, fd, &s));
	ASSERT_EQ(0, machipc_port_request_notification(fd, s,
		MACHIPC_NOTIFY_DEAD_NAME, notify, MACHIPC_DISP_MAKE_SEND_ONCE,
		0, &prev));

	ASSERT_EQ(0, machipc_port_names(fd, &names, &count));
	n = read_names(fd, fi, 16);
	ASSERT_EQ((int)count, n);
	for (i = 0; i < count; i++) {
		EXPECT_EQ(names[i].name, fi[i].name);
		EXPECT_EQ(names[i].rights, fi[i].rights);
		EXPECT_EQ(names[i].urefs, fi[i].urefs);
		EXPECT_EQ(names[i].port_id, fi[i].id);
		EXPECT_EQ(fi[i].name == r ? set : 0, fi[i].pset);
		EXPECT_STREQ(fi[i].name == s ? "dead-name" : "-",
			     fi[i].requests);
		if (fi[i].name == dead || fi[i].name == set) {
			EXPECT_EQ(0, fi[i].id);
		}
	}
	free(names);

	/* The receiver dies: fdinfo shows the dead name, unconverted. */
	close(other);
	n = read_names(fd, fi, 16);
	for (i = 0; i < (size_t)n; i++) {
		if (fi[i].name != s)
			continue;
		EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, fi[i].rights);
		EXPECT_EQ(0, fi[i].id);
	}
	close(fd);
}

/*
 * The tools are Python programs that scan /proc: on a loaded debug guest
 * they need more than the harness's default 30 s.
 */
FIXTURE(tools) {
	int unused;
};

FIXTURE_SETUP(tools)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(tools)
{
}

/*
 * A child builds a space with every kind of name, a queue and notification
 * requests, dumps its own PORT_NAMES and waits; machipc-ls of it must say
 * the same, as root, and nothing to nobody.
 */
TEST_F_TIMEOUT(tools, machipc_ls, 600)
{
	int ready[2], done[2], fd = machipc_open(), bfd;
	__u32 peer;
	pid_t pid;

	ASSERT_NE(NULL, top());
	ASSERT_LE(0, fd);
	peer = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	bfd = machipc_bootstrap_export(fd, peer, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct machipc_name_info *names;
		__u32 s, r1, r2, set, prev;
		size_t count, i;
		int own = machipc_open();
		FILE *f;

		if (own < 0 || machipc_bootstrap_import(own, bfd, &s))
			_exit(10);
		r1 = mt_alloc(own, MACHIPC_RIGHT_RECEIVE);
		r2 = mt_alloc(own, MACHIPC_RIGHT_RECEIVE);
		set = mt_alloc(own, MACHIPC_RIGHT_PORT_SET);
		if (!mt_alloc(own, MACHIPC_RIGHT_DEAD_NAME) ||
		    machipc_port_move_member(own, r2, set) ||
		    machipc_port_insert_right(own, r1, MACHIPC_DISP_MAKE_SEND,
					      NULL) ||
		    mt_send_simple(own, r1, MACHIPC_DISP_COPY_SEND, 1, "a", 1,
				   NULL) ||
		    mt_send_simple(own, r1, MACHIPC_DISP_COPY_SEND, 2, "b", 1,
				   NULL) ||
		    machipc_port_request_notification(own, r1,
			MACHIPC_NOTIFY_NO_SENDERS, r2,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, &prev) ||
		    machipc_port_request_notification(own, s,
			MACHIPC_NOTIFY_DEAD_NAME, r2,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, &prev))
			_exit(11);
		if (machipc_port_names(own, &names, &count))
			_exit(12);
		f = fopen("expected.txt", "w");
		if (!f)
			_exit(13);
		for (i = 0; i < count; i++)
			fprintf(f, "%#x %#x %u %u\n", names[i].name,
				names[i].rights, names[i].urefs,
				names[i].port_id);
		fclose(f);
		mt_put(ready[1], 'r');
		mt_get(done[0]);
		_exit(0);
	}
	close(bfd);
	ASSERT_EQ('r', mt_get(ready[0]));
	EXPECT_EQ(0, checker("ls %d expected.txt %d", pid, getpid()));
	EXPECT_EQ(0, checker("unpriv %d", pid));
	mt_put(done[1], 'd');
	EXPECT_EQ(0, mt_wait(pid));
	close(fd);
}

/* machipc-trace of the demo: every message, in order, with its answer. */
TEST_F_TIMEOUT(tools, machipc_trace_demo, 600)
{
	struct stat st;

	ASSERT_NE(NULL, top());
	if (stat("/sys/kernel/tracing/events", &st) &&
	    stat("/sys/kernel/debug/tracing/events", &st) &&
	    system("mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null"))
		SKIP(return, "no tracefs");
	EXPECT_EQ(0, checker("trace-demo 3 4"));
}

TEST_HARNESS_MAIN
