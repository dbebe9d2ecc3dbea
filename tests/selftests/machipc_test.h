/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the machipc selftests: a snapshot of a space's rights
 * model (names, rights, user references and the status of every port the
 * space receives from) to check that failed calls change nothing, message
 * helpers, and the MACHIPC_STRESS_SCALE knob.
 *
 * Include after "kselftest_harness.h".
 */
#ifndef MACHIPC_TEST_H
#define MACHIPC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/machipc.h>
#include "machipc.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* MACHIPC_STRESS_SCALE (default 1.0) scales iteration counts. */
static inline double mt_scale(void)
{
	const char *s = getenv("MACHIPC_STRESS_SCALE");
	double v;

	if (!s || !*s)
		return 1.0;
	v = strtod(s, NULL);
	return v > 0 ? v : 1.0;
}

static inline long mt_scaled(long n, long min)
{
	long v = (long)(n * mt_scale());

	return v < min ? min : v;
}

static inline long long mt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Snapshots of the rights model                                      */
/* ------------------------------------------------------------------ */

#define MT_SNAP_MAX	256

struct mt_port_status {
	__u32 name;
	__u32 qlimit, msgcount, mscount, srights, sorights, pset;
	__u64 seqno;
};

struct mt_snap {
	int err;			/* errno of a failed snapshot, or 0 */
	size_t nnames;
	struct machipc_name_info names[MT_SNAP_MAX];
	size_t nports;
	struct mt_port_status ports[MT_SNAP_MAX];
};

/* Names, rights, urefs, and the status of every receive right of @fd. */
static inline int mt_snap_take(int fd, struct mt_snap *s)
{
	struct machipc_name_info *names;
	size_t n, i;

	memset(s, 0, sizeof(*s));
	if (machipc_port_names(fd, &names, &n)) {
		s->err = errno;
		return -1;
	}
	if (n > MT_SNAP_MAX) {
		free(names);
		s->err = E2BIG;
		return -1;
	}
	memcpy(s->names, names, n * sizeof(*names));
	s->nnames = n;
	free(names);
	for (i = 0; i < n; i++) {
		struct machipc_port_attr a;
		struct mt_port_status *p;

		if (!(s->names[i].rights & MACHIPC_RIGHT_RECEIVE))
			continue;
		if (machipc_port_get_attributes(fd, s->names[i].name, &a)) {
			s->err = errno;
			return -1;
		}
		p = &s->ports[s->nports++];
		p->name = s->names[i].name;
		p->qlimit = a.qlimit;
		p->msgcount = a.msgcount;
		p->mscount = a.mscount;
		p->srights = a.srights;
		p->sorights = a.sorights;
		p->pset = a.pset;
		p->seqno = a.seqno;
	}
	return 0;
}

/* Describe the first difference into @buf; return 0 when equal. */
static inline int mt_snap_diff(const struct mt_snap *a, const struct mt_snap *b,
			       char *buf, size_t len)
{
	size_t i;

	if (a->err || b->err) {
		snprintf(buf, len, "snapshot failed: %d/%d", a->err, b->err);
		return 1;
	}
	if (a->nnames != b->nnames) {
		snprintf(buf, len, "name count %zu -> %zu", a->nnames,
			 b->nnames);
		return 1;
	}
	for (i = 0; i < a->nnames; i++) {
		const struct machipc_name_info *x = &a->names[i], *y = &b->names[i];

		if (x->name != y->name || x->rights != y->rights ||
		    x->urefs != y->urefs) {
			snprintf(buf, len,
				 "name %#x rights %#x urefs %u -> name %#x rights %#x urefs %u",
				 x->name, x->rights, x->urefs, y->name,
				 y->rights, y->urefs);
			return 1;
		}
	}
	if (a->nports != b->nports) {
		snprintf(buf, len, "port count %zu -> %zu", a->nports,
			 b->nports);
		return 1;
	}
	for (i = 0; i < a->nports; i++) {
		const struct mt_port_status *x = &a->ports[i], *y = &b->ports[i];

		if (memcmp(x, y, sizeof(*x))) {
			snprintf(buf, len,
				 "port %#x: qlimit %u->%u msgcount %u->%u mscount %u->%u srights %u->%u sorights %u->%u pset %#x->%#x seqno %llu->%llu",
				 x->name, x->qlimit, y->qlimit, x->msgcount,
				 y->msgcount, x->mscount, y->mscount,
				 x->srights, y->srights, x->sorights,
				 y->sorights, x->pset, y->pset,
				 (unsigned long long)x->seqno,
				 (unsigned long long)y->seqno);
			return 1;
		}
	}
	return 0;
}

/* Assert that the model of @fd still equals @before. */
#define ASSERT_SNAP_UNCHANGED(fd, before) do {				\
	struct mt_snap *__after = malloc(sizeof(*__after));		\
	char __why[256];						\
	ASSERT_NE(NULL, __after);					\
	mt_snap_take((fd), __after);					\
	if (mt_snap_diff((before), __after, __why, sizeof(__why))) {	\
		free(__after);						\
		TH_LOG("model changed: %s", __why);			\
		ASSERT_TRUE(0);						\
	}								\
	free(__after);							\
} while (0)

/* Expect (not fatal) that the model of @fd still equals @before. */
#define EXPECT_SNAP_UNCHANGED(fd, before, what) do {			\
	struct mt_snap *__after = malloc(sizeof(*__after));		\
	char __why[256];						\
	ASSERT_NE(NULL, __after);					\
	mt_snap_take((fd), __after);					\
	if (mt_snap_diff((before), __after, __why, sizeof(__why))) {	\
		TH_LOG("%s: model changed: %s", (what), __why);		\
		EXPECT_TRUE(0);						\
	}								\
	free(__after);							\
} while (0)

/* ------------------------------------------------------------------ */
/* Small wrappers                                                     */
/* ------------------------------------------------------------------ */

/* Result of a library call as 0 or the errno. */
#define MT_ERR(call)	((call) == 0 ? 0 : errno)

static inline __u32 mt_alloc(int fd, __u32 right)
{
	__u32 name = 0;

	if (machipc_port_allocate(fd, right, &name))
		return 0;
	return name;
}

static inline int mt_info(int fd, __u32 name, __u32 *rights, __u32 *urefs)
{
	struct machipc_name_info info;

	if (machipc_name_info(fd, name, &info))
		return errno;
	if (rights)
		*rights = info.rights;
	if (urefs)
		*urefs = info.urefs;
	return 0;
}

static inline int mt_attr(int fd, __u32 name, struct machipc_port_attr *a)
{
	return MT_ERR(machipc_port_get_attributes(fd, name, a));
}

/* A simple message: header + optional descriptors + data. */
struct mt_msg {
	__u64 buf[1024];
	struct machipc_msg_builder b;
};

static inline int mt_send_simple(int fd, __u32 dest, __u32 disp, __u32 id,
				 const void *data, size_t len,
				 const struct timespec *deadline)
{
	__u64 buf[512];
	struct machipc_msg_builder b;

	if (machipc_msg_init(&b, buf, sizeof(buf), dest, disp, 0,
			     MACHIPC_DISP_NONE, id))
		return errno;
	if (len && machipc_msg_add_data(&b, data, len))
		return errno;
	return MT_ERR(machipc_send(fd, buf, deadline));
}

/* Receive without blocking into @buf of @cap bytes. */
/* Programs that test open files in messages set this: receives take them. */
static bool mt_recv_files;

static inline int mt_recv_deadline(int fd, __u32 name, void *buf, size_t cap,
				   const struct timespec *dl)
{
	size_t size = cap;

	if (mt_recv_files)
		return MT_ERR(machipc_receive_files(fd, name, buf, &size, dl));
	return MT_ERR(machipc_receive(fd, name, buf, &size, dl));
}

static inline int mt_recv_now(int fd, __u32 name, void *buf, size_t cap)
{
	struct timespec now;

	machipc_deadline_in(&now, 0);
	return mt_recv_deadline(fd, name, buf, cap, &now);
}

static inline int mt_recv_ms(int fd, __u32 name, void *buf, size_t cap,
			     long ms)
{
	struct timespec dl;

	machipc_deadline_in(&dl, ms);
	return mt_recv_deadline(fd, name, buf, cap, &dl);
}

/* Open descriptors of this process, -1 if they cannot be listed. */
static inline int mt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

/* Wait for a child and return its exit status, or 128 + signal. */
static inline int mt_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return 255;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 254;
}

/* Write/read one byte on a pipe (synchronisation). */
static inline int mt_put(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static inline int mt_get(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? (unsigned char)c : -1;
}

static inline __u32 mt_fnv(const void *p, size_t len)
{
	const unsigned char *c = p;
	__u32 h = 2166136261u;

	while (len--)
		h = (h ^ *c++) * 16777619u;
	return h;
}

/* Pass a descriptor over a UNIX socket with SCM_RIGHTS. */
static inline int mt_send_fd(int sock, int fd)
{
	char c = 'F';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static inline int mt_recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* ------------------------------------------------------------------ */
/* Waiting for a thread to block                                      */
/* ------------------------------------------------------------------ */

/*
 * Wait until thread @tid of process @pid sleeps in ioctl(2) (as
 * /proc/PID/task/TID/syscall and stat show it), for up to @ms
 * milliseconds.  Return 0 when it does, -1 otherwise.
 */
static inline int mt_wait_in_ioctl(pid_t pid, pid_t tid, long ms)
{
	long long end = mt_now_ns() + ms * 1000000LL;
	char path[96], buf[256];

	do {
		FILE *f;
		int nr = -1, ok = 0;
		char state = 0;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%d", &nr) == 1)
				ok = nr == 16;	/* __NR_ioctl on x86_64 */
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
		f = fopen(path, "r");
		if (f && ok) {
			if (fgets(buf, sizeof(buf), f)) {
				char *rp = strrchr(buf, ')');

				if (rp && rp[1] == ' ')
					state = rp[2];
			}
		}
		if (f)
			fclose(f);
		if (ok && state == 'S')
			return 0;
		usleep(1000);
	} while (mt_now_ns() < end);
	return -1;
}

/* Give @to a send right (MAKE_SEND from @rcv in @from) through a bootstrap fd. */
static inline int mt_give_send(int from, __u32 rcv, int to, __u32 *name)
{
	int bfd = machipc_bootstrap_export(from, rcv, MACHIPC_DISP_MAKE_SEND,
					   MACHIPC_BOOTSTRAP_CLOEXEC);
	int err;

	if (bfd < 0)
		return errno;
	err = MT_ERR(machipc_bootstrap_import(to, bfd, name));
	close(bfd);
	return err;
}

/*
 * Files of the kernel's interfaces (sysfs, procfs, debugfs, tracefs,
 * cgroupfs): written as `echo -n S > PATH` does (O_TRUNC, which also
 * clears a tracefs trace), read whole.  0 or -1.
 */
static inline int mt_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* At most @cap - 1 bytes of @path into @buf, NUL-terminated. */
static inline int mt_read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return n < 0 ? -1 : 0;
}

/* The number in @path, into *@v. */
static inline int mt_read_long(const char *path, long *v)
{
	char buf[64], *end;
	long n;

	if (mt_read_file(path, buf, sizeof(buf)))
		return -1;
	n = strtol(buf, &end, 0);
	if (end == buf)
		return -1;
	*v = n;
	return 0;
}

static inline int mt_write_long(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return mt_write_file(path, buf);
}

#endif /* MACHIPC_TEST_H */
