// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench: payloads, statistics, descriptor passing, futexes, children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"

/* ------------------------------------------------------------------ */
/* Payloads                                                            */
/* ------------------------------------------------------------------ */

#define CSUM_MIX	0x9e3779b97f4a7c15ULL

static u64 csum_combine(u64 a, u64 b)
{
	return a ^ (b * CSUM_MIX);
}

/* Fletcher-style sums of @m words: a = sum, b = sum of running sums. */
static void csum_words(const u64 *w, size_t m, u64 *pa, u64 *pb)
{
	u64 a = 0, b = 0;
	size_t i;

	for (i = 0; i < m; i++) {
		a += w[i];
		b += a;
	}
	*pa = a;
	*pb = b;
}

void payload_init(struct payload *p, void *buf, size_t size, u64 seed)
{
	u64 *w = buf;
	size_t m = size / 8, i;

	p->buf = buf;
	p->size = size;
	p->base_a = p->base_b = 0;
	if (size < 16)
		return;
	/* A cheap xorshift pattern, different for every seed. */
	for (i = 0; i < m; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		w[i] = seed;
	}
	w[0] = 0;
	csum_words(w, m - 1, &p->base_a, &p->base_b);
}

void payload_stamp(struct payload *p, u64 seq)
{
	u64 *w = p->buf;
	size_t m = p->size / 8;

	if (p->size < 16)
		return;
	/* Word 0 is summed into b once per remaining word: m - 1 times. */
	w[0] = seq;
	w[m - 1] = csum_combine(p->base_a + seq, p->base_b + (m - 1) * seq);
}

int payload_verify(const void *buf, size_t size, u64 *seq)
{
	const u64 *w = buf;
	size_t m = size / 8;
	u64 a, b;

	if (size < 16) {
		*seq = 0;
		return 0;
	}
	csum_words(w, m - 1, &a, &b);
	*seq = w[0];
	return csum_combine(a, b) == w[m - 1] ? 0 : -1;
}

int payload_check(const void *buf, size_t size, u64 seq)
{
	u64 got;

	if (payload_verify(buf, size, &got))
		return -1;
	return size < 16 || got == seq ? 0 : -1;
}

int bad_payload(const char *who, u64 seq)
{
	warnx_("%s: payload check failed at message %llu", who,
	       (unsigned long long)seq);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted @v. */
static u64 pct(const u64 *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

void stats_compute(struct stats *st, u64 *ns, size_t n)
{
	double sum = 0;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (!n)
		return;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)ns[i];
	st->count = n;
	st->mean = sum / (double)n;
	st->min = ns[0];
	st->p50 = pct(ns, n, 0.50);
	st->p90 = pct(ns, n, 0.90);
	st->p99 = pct(ns, n, 0.99);
	st->p999 = pct(ns, n, 0.999);
	st->max = ns[n - 1];
}

double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ------------------------------------------------------------------ */
/* Messages and memory                                                 */
/* ------------------------------------------------------------------ */

u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "ipcbench: %s", prefix);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	fprintf(stderr, "%s\n", buf);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
	exit(1);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void *xmalloc(size_t size)
{
	void *p;

	if (posix_memalign(&p, 64, size ? size : 8))
		die("out of memory (%zu bytes)", size);
	memset(p, 0, size);
	return p;
}

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu shared bytes: %s", size, strerror(errno));
	return p;
}

void shared_free(void *p, size_t size)
{
	munmap(p, size);
}

int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = 0;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

#define MAX_PASS_FDS	32

int send_fds(int sock, const int *fds, unsigned int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_PASS_FDS)];
	char byte = 'R';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (n > MAX_PASS_FDS) {
		errno = EINVAL;
		return -1;
	}
	if (n) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int recv_fds(int sock, int *fds, unsigned int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_PASS_FDS)];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t r;

	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r != 1) {
		if (!r)
			errno = EPIPE;	/* the server died before "ready" */
		return -1;
	}
	if (!n)
		return 0;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int) * n)) {
		errno = EPROTO;
		return -1;
	}
	memcpy(fds, CMSG_DATA(cm), sizeof(int) * n);
	return 0;
}

/* Shared (not private) futexes: the word lives in a MAP_SHARED page. */
int futex_wait(u32 *addr, u32 val, const struct timespec *rel)
{
	return syscall(SYS_futex, addr, FUTEX_WAIT, val, rel, NULL, 0);
}

int futex_wake(u32 *addr, int n)
{
	return syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Context switches                                                    */
/* ------------------------------------------------------------------ */

int csw_read(pid_t pid, struct csw *c)
{
	char path[64], line[256];
	struct rusage ru;
	unsigned int found = 0;
	FILE *f;

	c->vol = c->invol = 0;
	if (!pid) {
		if (getrusage(RUSAGE_THREAD, &ru))
			return -1;
		c->vol = ru.ru_nvcsw;
		c->invol = ru.ru_nivcsw;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1) {
			c->vol = v;
			found++;
		} else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu",
				  &v) == 1) {
			c->invol = v;
			found++;
		}
	}
	fclose(f);
	return found == 2 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Children and the watchdog                                           */
/* ------------------------------------------------------------------ */

#define MAX_CHILDREN	64

static pid_t children[MAX_CHILDREN];
static const char *watchdog_what;

static void track(pid_t pid, bool add)
{
	unsigned int i;

	for (i = 0; i < MAX_CHILDREN; i++) {
		if (add ? !children[i] : children[i] == pid) {
			children[i] = add ? pid : 0;
			return;
		}
	}
	if (add)
		die("more than %d children", MAX_CHILDREN);
}

pid_t spawn(int (*fn)(void *arg), void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		memset(children, 0, sizeof(children));
		_exit(fn(arg) ? 1 : 0);
	}
	track(pid, true);
	return pid;
}

int reap(pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			warnx_("waitpid %s: %s", what, strerror(errno));
			return -1;
		}
	}
	track(pid, false);
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (WIFSIGNALED(status))
		warnx_("%s: killed by signal %d", what, WTERMSIG(status));
	else
		warnx_("%s: exited with status %d", what, WEXITSTATUS(status));
	return -1;
}

static void watchdog_fire(int sig)
{
	static const char msg[] = "ipcbench: error: watchdog: batch timed out: ";
	unsigned int i;

	(void)sig;
	/* Best effort: nothing else to do if stderr is gone. */
	if (write(2, msg, sizeof(msg) - 1) > 0 &&
	    write(2, watchdog_what, strlen(watchdog_what)) > 0)
		(void)!write(2, "\n", 1);
	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i])
			kill(children[i], SIGKILL);
	_exit(3);
}

void watchdog_arm(const char *what)
{
	static bool installed;

	if (!installed) {
		struct sigaction sa = { .sa_handler = watchdog_fire };

		sigaction(SIGALRM, &sa, NULL);
		installed = true;
	}
	watchdog_what = what;
	alarm(opts.timeout);
}

void watchdog_disarm(void)
{
	alarm(0);
}
