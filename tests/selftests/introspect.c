// SPDX-License-Identifier: GPL-2.0
/*
 * introspect: port ids (MACHIPC_IOC_NAME_INFO/PORT_NAMES port_id, 64-bit
 * since ABI 4, and version 3's 16-byte layouts beside them; past 2^32 with
 * the debugfs knob port_id_next, also in the tracepoints), the
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
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "machipc.h"
#include "machipc_test.h"

/* The port id of @name (0 on error or when its low half is inconsistent). */
static __u64 port_id(int fd, __u32 name)
{
	struct machipc_name_info info;

	if (machipc_name_info(fd, name, &info) ||
	    info.port_id_low != (__u32)info.port_id || info.reserved)
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
	__u32 r, s = 0, r2;
	__u64 id, id2;

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
	__u32 name, rights, urefs, pset;
	unsigned long long id;
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
		if (sscanf(line, "machipc-name: name %x rights %x urefs %u id %llu pset %x requests %63s",
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

/* The id on the machipc-port line of @name in @fd's fdinfo, or 0. */
static unsigned long long fdinfo_port_id(int fd, __u32 name)
{
	unsigned long long id = 0, got;
	char path[64], line[512];
	unsigned int n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, " id ");

		if (strncmp(line, "machipc-port:", 13) ||
		    sscanf(line, "machipc-port: name %x", &n) != 1 ||
		    n != name || !p || sscanf(p, " id %llu", &got) != 1)
			continue;
		id = got;
	}
	fclose(f);
	return id;
}

/* The fdinfo name line of @name, or NULL (in @buf). */
static struct fdname *fdinfo_name(int fd, __u32 name, struct fdname *buf,
				  int cap)
{
	int i, n = read_names(fd, buf, cap);

	for (i = 0; i < n; i++)
		if (buf[i].name == name)
			return &buf[i];
	return NULL;
}

#define NPORTS 24

/*
 * Ids count up: every new port's id is larger than all before it, so
 * unique, also after ports died; the receiver's and a sender's view (and
 * fdinfo's) agree.
 */
TEST(port_ids_increase)
{
	int a = machipc_open(), b = machipc_open(), i, j;
	__u64 ids[NPORTS], bid;
	__u32 r[NPORTS], s;
	struct fdname fi[NPORTS + 4], *line;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	for (i = 0; i < NPORTS; i++) {
		r[i] = mt_alloc(a, MACHIPC_RIGHT_RECEIVE);
		ASSERT_NE(0, r[i]);
		ids[i] = port_id(a, r[i]);
		ASSERT_NE(0, ids[i]);
		if (i)
			EXPECT_LT(ids[i - 1], ids[i]);
		/* Every other one dies at once: its id is not reused. */
		if (i % 2) {
			ASSERT_EQ(0, machipc_port_destroy(a, r[i]));
			r[i] = 0;
		}
	}
	for (i = 0; i < NPORTS; i++)
		for (j = 0; j < i; j++)
			EXPECT_NE(ids[i], ids[j]);
	for (i = 0; i < NPORTS; i += 2) {
		s = 0;
		ASSERT_EQ(0, mt_give_send(a, r[i], b, &s));
		bid = port_id(b, s);
		EXPECT_EQ(ids[i], bid);
		EXPECT_EQ(ids[i], fdinfo_port_id(a, r[i]));
		line = fdinfo_name(b, s, fi, NPORTS + 4);
		ASSERT_NE(NULL, line);
		EXPECT_EQ(ids[i], line->id);
		line = fdinfo_name(a, r[i], fi, NPORTS + 4);
		ASSERT_NE(NULL, line);
		EXPECT_EQ(ids[i], line->id);
	}
	close(a);
	close(b);
}

/* Version 3's 16-byte blocks of the tests below, with a guard after. */
struct name_info_v3 {
	__u32 name, rights, urefs, port_id;
	__u32 guard[4];
};

struct port_names_v3 {
	__u64 entries;
	__u32 capacity, count;
	__u64 guard;
};

/*
 * A program built against ABI 3 (16-byte NAME_INFO and PORT_NAMES blocks
 * and elements) works unchanged: the kernel reads and writes exactly 16
 * bytes per block and element, with the id's low half where version 3 had
 * its id; the 32-bit symbols of libmachipc do the same.
 */
TEST(abi3_callers)
{
	struct machipc_name_info *names, info;
	struct name_info_v3 v3;
	__u32 e3[NPORTS * 4 + 8];
	struct port_names_v3 pn3;
	struct machipc_port_names pn;
	int fd = machipc_open(), i;
	size_t count, k;
	__u32 r[4];

	ASSERT_LE(0, fd);
	for (i = 0; i < 4; i++)
		r[i] = mt_alloc(fd, i == 3 ? MACHIPC_RIGHT_PORT_SET :
				MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, machipc_port_names(fd, &names, &count));
	ASSERT_EQ(4, count);

	for (i = 0; i < 4; i++) {
		memset(&v3, 0xa5, sizeof(v3));
		v3.name = r[i];
		v3.port_id = 0;
		ASSERT_EQ(0, ioctl(fd, MACHIPC_IOC_NAME_INFO_V3, &v3));
		EXPECT_EQ(names[i].rights, v3.rights);
		EXPECT_EQ(names[i].urefs, v3.urefs);
		EXPECT_EQ((__u32)names[i].port_id, v3.port_id);
		EXPECT_EQ(0xa5a5a5a5, v3.guard[0]);	/* 16 bytes, no more */
		EXPECT_EQ(0xa5a5a5a5, v3.guard[3]);
	}
	/* Its reserved field is the new one's port_id_low: zero on input. */
	v3.name = r[0];
	v3.port_id = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_NAME_INFO_V3, &v3));
	EXPECT_EQ(EINVAL, errno);

	memset(e3, 0x5a, sizeof(e3));
	memset(&pn3, 0x5a, sizeof(pn3));
	pn3.entries = (uintptr_t)e3;
	pn3.capacity = 3;
	pn3.count = 0;
	ASSERT_EQ(0, ioctl(fd, MACHIPC_IOC_PORT_NAMES_V3, &pn3));
	EXPECT_EQ(4, pn3.count);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, pn3.guard);
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(names[k].name, e3[4 * k]);
		EXPECT_EQ(names[k].rights, e3[4 * k + 1]);
		EXPECT_EQ(names[k].urefs, e3[4 * k + 2]);
		EXPECT_EQ((__u32)names[k].port_id, e3[4 * k + 3]);
	}
	EXPECT_EQ(0x5a5a5a5a, e3[12]);	/* capacity 3 x 16 bytes only */

	/* The version 4 blocks check their new reserved fields. */
	memset(&info, 0, sizeof(info));
	info.name = r[0];
	info.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_NAME_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.reserved = 0;
	info.port_id_low = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_NAME_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.port_id_low = 0;
	info.port_id = 1ULL << 32;
	EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_NAME_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	memset(&pn, 0, sizeof(pn));
	pn.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_PORT_NAMES, &pn));
	EXPECT_EQ(EINVAL, errno);
	free(names);
	close(fd);
}

#define TRACING		"/sys/kernel/tracing"
#define TRACE_INST	TRACING "/instances/machipc_introspect"
#define ID_NEXT		"/sys/kernel/debug/machipc/port_id_next"

static const char *const id_events[] = {
	"machipc_port_alloc", "machipc_msg_send", "machipc_msg_receive",
	"machipc_port_dead",
};

static int id_events_set(const char *on)
{
	char path[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(id_events); i++) {
		snprintf(path, sizeof(path), TRACE_INST "/events/machipc/%s/enable",
			 id_events[i]);
		if (mt_write_file(path, on))
			return -1;
	}
	return 0;
}

/* Whether @trace has a line of @event with " @key=@val " in it. */
static bool traced(const char *trace, const char *event, const char *key,
		   unsigned long long val)
{
	char ev[64], kv[64];
	const char *p = trace, *eol;

	snprintf(ev, sizeof(ev), "%s:", event);
	snprintf(kv, sizeof(kv), " %s=%llu ", key, val);
	while ((p = strstr(p, ev))) {
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		{
			const char *m = strstr(p, kv);

			if (m && m < eol)
				return true;
		}
		p = eol;
	}
	return false;
}

/*
 * Ids past 2^32 (the debugfs knob skips there, debug-only) reach every
 * interface whole: NAME_INFO in the receiver's and a sender's space,
 * PORT_NAMES, fdinfo, the tracepoints; version 3's blocks get the low half.
 */
TEST(port_ids_past_2_32)
{
	const unsigned long long base = (1ULL << 32) - 2;
	__u32 r[5], s[5], e3[5 * 4 + 4];
	unsigned long long next, ids[5];
	struct machipc_name_info *names;
	struct port_names_v3 pn3;
	struct fdname fi[16], *line;
	__u64 rbuf[64];
	char *trace;
	size_t count, k;
	int a, b, i;
	long v;

	if (access(ID_NEXT, W_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(TRACING "/instances", W_OK))
		mount("tracefs", TRACING, "tracefs", 0, NULL);
	if (access(ID_NEXT, W_OK) || access(TRACING "/instances", W_OK))
		SKIP(return, "needs debugfs (root) and tracefs");
	if (mkdir(TRACE_INST, 0700) && errno != EEXIST)
		SKIP(return, "no trace instances");
	trace = calloc(1, 1 << 20);
	ASSERT_NE(NULL, trace);
	ASSERT_EQ(0, id_events_set("1"));

	ASSERT_EQ(0, mt_read_long(ID_NEXT, &v));
	next = (unsigned long long)v;
	if (next < base) {
		ASSERT_EQ(0, mt_write_long(ID_NEXT, (long)base));
		next = base;
	}
	/* Never backwards: ids are not reused. */
	EXPECT_NE(0, mt_write_long(ID_NEXT, 1));

	a = machipc_open();
	b = machipc_open();
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	for (i = 0; i < 5; i++) {
		r[i] = mt_alloc(a, MACHIPC_RIGHT_RECEIVE);
		ASSERT_NE(0, r[i]);
		ids[i] = port_id(a, r[i]);
		EXPECT_LE(next, ids[i]);
		if (i)
			EXPECT_LT(ids[i - 1], ids[i]);
		ASSERT_EQ(0, mt_give_send(a, r[i], b, &s[i]));
		EXPECT_EQ(ids[i], port_id(b, s[i]));
	}
	EXPECT_LT(1ULL << 32, ids[4]);

	/* A message each way, to see the ids in send and receive events. */
	ASSERT_EQ(0, mt_send_simple(b, s[4], MACHIPC_DISP_COPY_SEND, 7, "x", 1,
				    NULL));
	ASSERT_EQ(0, mt_recv_now(a, r[4], rbuf, sizeof(rbuf)));

	/* PORT_NAMES: the full ids; version 3's: their low halves. */
	ASSERT_EQ(0, machipc_port_names(a, &names, &count));
	ASSERT_EQ(5, count);
	for (k = 0; k < count; k++) {
		EXPECT_EQ(r[k], names[k].name);
		EXPECT_EQ(ids[k], names[k].port_id);
		EXPECT_EQ((__u32)ids[k], names[k].port_id_low);
	}
	free(names);
	memset(&pn3, 0, sizeof(pn3));
	pn3.entries = (uintptr_t)e3;
	pn3.capacity = 5;
	ASSERT_EQ(0, ioctl(a, MACHIPC_IOC_PORT_NAMES_V3, &pn3));
	for (k = 0; k < 5; k++)
		EXPECT_EQ((__u32)ids[k], e3[4 * k + 3]);

	/* fdinfo, both sides. */
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(ids[i], fdinfo_port_id(a, r[i]));
		line = fdinfo_name(a, r[i], fi, 16);
		ASSERT_NE(NULL, line);
		EXPECT_EQ(ids[i], line->id);
		line = fdinfo_name(b, s[i], fi, 16);
		ASSERT_NE(NULL, line);
		EXPECT_EQ(ids[i], line->id);
	}

	close(b);
	close(a);
	id_events_set("0");
	ASSERT_EQ(0, mt_read_file(TRACE_INST "/trace", trace, 1 << 20));
	for (i = 0; i < 5; i++) {
		EXPECT_TRUE(traced(trace, "machipc_port_alloc", "port", ids[i]))
			TH_LOG("no port_alloc of %llu", ids[i]);
		EXPECT_TRUE(traced(trace, "machipc_port_dead", "port", ids[i]))
			TH_LOG("no port_dead of %llu", ids[i]);
	}
	EXPECT_TRUE(traced(trace, "machipc_msg_send", "port", ids[4]));
	EXPECT_TRUE(traced(trace, "machipc_msg_receive", "port", ids[4]));
	rmdir(TRACE_INST);
	free(trace);
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
			fprintf(f, "%#x %#x %u %llu\n", names[i].name,
				names[i].rights, names[i].urefs,
				(unsigned long long)names[i].port_id);
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
