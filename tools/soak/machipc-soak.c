// SPDX-License-Identifier: GPL-2.0
/*
 * machipc-soak: a chaos soak for machipc, run as root inside the debug
 * guest (make soak DURATION=seconds).
 *
 * The run is a series of cycles.  Each cycle loads the module if needed,
 * forks one server and several clients (separate processes, so separate
 * spaces, joined by a bootstrap descriptor), and lets them exchange checked
 * messages while a chaos loop hits them: SIGUSR1 storms (with and without
 * SA_RESTART), SIGSTOP/SIGCONT, ptrace seize + interrupt + detach,
 * cgroup v2 freezes (cgroup.freeze) and kill -9 of clients (replaced by
 * new ones) and, rarely, of the server (which ends the cycle early).
 *
 * Every message carries (client id, sequence number) and a checksum over
 * its inline and out-of-line payload.  A client advances its sequence
 * number only when the kernel says the send happened (success, or a
 * combined call whose MACHIPC_MSG_SEND flag the kernel cleared), so the
 * server must see every client's numbers exactly in order 1, 2, 3...: a
 * repeat is a duplicate delivery, a jump a lost one.  A quarter of the
 * messages ask for a reply through a make-send-once right; replies must
 * come back in increasing order and never for a message not yet sent.
 *
 * After each cycle, once every worker is gone: pins in /proc/vmstat
 * balance, the kernel log has no new report, and every --rmmod-every
 * cycles the module is removed (which WARNs if any account is still
 * charged, caught by the log scan) and inserted again.
 *
 * Exit status: 0 clean; 1 an oracle failed; 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/machipc.h>

#define MAXC		512	/* client ids per cycle */
#define NCLIENTS	4
#define OOL_MAX		(64 * 1024)
#define CGROUP		"/sys/fs/cgroup/machipc-soak"

struct payload {
	uint32_t cid;
	uint32_t reply;		/* 1: a reply was requested */
	uint64_t seq;
	uint64_t ool_size;
	uint64_t sum;
};

struct msg {
	struct machipc_msg_header h;
	struct machipc_msg_desc d;
	struct payload p;
};

struct rmsg {
	struct msg m;
	struct machipc_msg_trailer t;
};

/* Shared by the driver and every worker of one cycle (MAP_SHARED). */
struct shared {
	volatile int stop;		/* clients: leave */
	volatile int drain;		/* server: empty the queue, leave */
	uint64_t last[MAXC];		/* server: last sequence seen */
	uint64_t sent[MAXC];		/* client: sends committed */
	long delivered, ool, replies, late_replies, timeouts, interrupted;
	long dup, gap, badsum, badreply, unexpected;
	int bad_errno;
};

static struct shared *sh;
static const char *ko = "build/debug/src/machipc.ko";
static int verbose, break_oracle;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "machipc-soak: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t rng = 0x50a4;

static uint32_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)(z ^ (z >> 31));
}

static uint64_t fill(uint8_t *b, uint64_t n, uint32_t cid, uint64_t seq)
{
	uint64_t i, sum = cid * 31 + seq;

	for (i = 0; i < n; i++) {
		b[i] = (uint8_t)(cid + seq * 7 + i * 13);
		sum = sum * 33 + b[i];
	}
	return sum;
}

static uint64_t sum_of(const uint8_t *b, uint64_t n, uint32_t cid, uint64_t seq)
{
	uint64_t i, sum = cid * 31 + seq;

	for (i = 0; i < n; i++)
		sum = sum * 33 + b[i];
	return sum;
}

static void count_errno(int e)
{
	switch (e) {
	case EINTR:
		__atomic_add_fetch(&sh->interrupted, 1, __ATOMIC_RELAXED);
		return;
	case ETIMEDOUT:
		__atomic_add_fetch(&sh->timeouts, 1, __ATOMIC_RELAXED);
		return;
	case EPIPE: case ENOBUFS: case ENOMEM:
		return;
	}
	__atomic_add_fetch(&sh->unexpected, 1, __ATOMIC_RELAXED);
	sh->bad_errno = e;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Half of the workers restart transparently, half see EINTR. */
static void worker_signals(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	if (rnd() & 1)
		sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
}

static int send_fd(int sock, int fd)
{
	char c = 'F', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
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

/* A worker that cannot start says why (the parent counts status 3). */
static void setup_failed(const char *what)
{
	fprintf(stderr, "machipc-soak: worker %d: %s: %s\n", getpid(), what,
		strerror(errno));
	_exit(3);
}

static int open_space(void)
{
	int fd = open("/dev/machipc", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		setup_failed("open /dev/machipc");
	return fd;
}

static uint32_t alloc_port(int fd)
{
	struct machipc_port_alloc a = { .right = MACHIPC_RIGHT_RECEIVE };

	if (ioctl(fd, MACHIPC_IOC_PORT_ALLOCATE, &a))
		setup_failed("PORT_ALLOCATE");
	return a.name;
}

/*
 * The server: receive, check, reply when asked, until told to drain (once
 * every client is gone); then empty the queue and leave.
 */
static void server(int sock)
{
	int fd = open_space();
	uint32_t port = alloc_port(fd);
	struct machipc_bootstrap b = {
		.name = port, .disposition = MACHIPC_DISP_MAKE_SEND,
	};
	static struct rmsg r;
	static uint8_t ool[OOL_MAX];
	struct machipc_ool_buf buf = { .address = (uintptr_t)ool, .size = OOL_MAX };

	worker_signals();
	if (ioctl(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &b) || send_fd(sock, b.fd))
		setup_failed("BOOTSTRAP_EXPORT");
	close(b.fd);
	close(sock);
	for (;;) {
		int drain = sh->drain;
		/* Half the receives have the kernel map the data (ABI 5). */
		int alloc = rnd() % 2;
		struct machipc_msg_args a = {
			.flags = MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_TIMEOUT |
				 (alloc ? MACHIPC_MSG_RCV_OOL_ALLOC : 0),
			.rcv_name = port, .rcv_buf = (uintptr_t)&r,
			.rcv_size = sizeof(r),
			.rcv_ool = alloc ? 0 : (uintptr_t)&buf,
			.rcv_ool_count = alloc ? 0 : 1,
			.rcv_deadline = drain ? 0 : (int64_t)(now_ns() + 200000000ULL),
		};
		struct payload *p = &r.m.p;
		const uint8_t *data;
		uint64_t sum, n;

		buf.size = OOL_MAX;
		if (ioctl(fd, MACHIPC_IOC_MSG, &a)) {
			if (drain && errno == ETIMEDOUT)
				break;	/* the queue is empty */
			count_errno(errno);
			continue;
		}
		if (r.m.h.desc_count) {
			data = alloc ? (const uint8_t *)(uintptr_t)r.m.d.address :
				       ool;
			n = p->ool_size;
			if (r.m.d.size != n)
				__atomic_add_fetch(&sh->badsum, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&sh->ool, 1, __ATOMIC_RELAXED);
		} else {
			p = (struct payload *)&r.m.d;
			data = NULL;
			n = 0;
		}
		sum = sum_of(data, n, p->cid, p->seq);
		if (alloc && r.m.h.desc_count && r.m.d.size)
			munmap((void *)(uintptr_t)r.m.d.address, r.m.d.size);
		if (p->cid >= MAXC || sum != p->sum) {
			__atomic_add_fetch(&sh->badsum, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (p->seq <= sh->last[p->cid])
			__atomic_add_fetch(&sh->dup, 1, __ATOMIC_RELAXED);
		else if (p->seq != sh->last[p->cid] + 1)
			__atomic_add_fetch(&sh->gap, 1, __ATOMIC_RELAXED);
		if (p->seq > sh->last[p->cid])
			sh->last[p->cid] = p->seq;
		__atomic_add_fetch(&sh->delivered, 1, __ATOMIC_RELAXED);
		if (p->reply && r.m.h.remote_name) {
			struct {
				struct machipc_msg_header h;
				uint64_t seq;
			} rep = {
				.h = {
					.bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE, 0),
					.size = sizeof(rep),
					.remote_name = r.m.h.remote_name,
					.id = 2,
				},
				.seq = p->seq,
			};
			struct machipc_msg_args s = {
				.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_SEND_TIMEOUT,
				.send_msg = (uintptr_t)&rep, .send_size = sizeof(rep),
				.send_deadline = (int64_t)(now_ns() + 100000000ULL),
			};

			while (ioctl(fd, MACHIPC_IOC_MSG, &s) && errno == EINTR)
				;
		}
	}
	_exit(0);
}

/* A client: numbered messages, some out-of-line, some asking a reply. */
static void client(uint32_t cid, int bfd)
{
	int fd = open_space();
	uint32_t reply_port = alloc_port(fd);
	struct machipc_bootstrap b = { .fd = bfd };
	static uint8_t ool[OOL_MAX];
	uint64_t seq = 0, last_reply = 0;
	struct {
		struct machipc_msg_header h;
		uint64_t seq;
		struct machipc_msg_trailer t;
	} rep;

	rng ^= (uint64_t)cid << 32 | getpid();
	worker_signals();
	/*
	 * EPIPE: the chaos killed the server between our spawn and here (its
	 * port is dead, as documented); not a setup failure.
	 */
	if (ioctl(fd, MACHIPC_IOC_BOOTSTRAP_IMPORT, &b)) {
		if (errno == EPIPE)
			_exit(0);
		setup_failed("BOOTSTRAP_IMPORT");
	}
	close(bfd);
	while (!sh->stop) {
		struct msg m;
		struct machipc_msg_args a = { 0 };
		int use_ool = rnd() % 3 == 0, want = rnd() % 4 == 0;
		struct payload *p;
		uint64_t n = 0;

		seq++;
		memset(&m, 0, sizeof(m));
		m.h.remote_name = b.name;
		m.h.id = 1;
		if (use_ool) {
			n = rnd() % OOL_MAX;
			m.h.bits = MACHIPC_MSGH_COMPLEX;
			m.h.desc_count = 1;
			m.h.size = sizeof(m);
			m.d.type = MACHIPC_DESC_OOL;
			m.d.address = (uintptr_t)ool;
			m.d.size = n;
			/* Half captured at the send, as Mach does (ABI 5). */
			if (rnd() % 2)
				m.d.disposition = MACHIPC_OOL_CAPTURE;
			p = &m.p;
		} else {
			m.h.size = sizeof(m.h) + sizeof(*p);
			p = (struct payload *)&m.d;
		}
		p->cid = cid;
		p->seq = seq;
		p->ool_size = n;
		p->reply = want;
		p->sum = fill(ool, n, cid, seq);
		m.h.bits |= MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND,
					      want ? MACHIPC_DISP_MAKE_SEND_ONCE : 0);
		m.h.local_name = want ? reply_port : 0;
		a.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_SEND_TIMEOUT;
		a.send_msg = (uintptr_t)&m;
		a.send_size = m.h.size;
		a.send_deadline = (int64_t)(now_ns() + 500000000ULL);
		if (want) {
			a.flags |= MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_TIMEOUT;
			a.rcv_name = reply_port;
			a.rcv_buf = (uintptr_t)&rep;
			a.rcv_size = sizeof(rep);
			a.rcv_deadline = (int64_t)(now_ns() + 1000000000ULL);
		}
		for (;;) {
			if (!ioctl(fd, MACHIPC_IOC_MSG, &a)) {
				sh->sent[cid] = seq;
				/* --break-oracle: number the next one the same. */
				if (break_oracle && seq % 64 == 0)
					seq--;
				if (want && rep.h.id != 2) {
					/* The server dropped our send-once right. */
					__atomic_add_fetch(&sh->late_replies, 1, __ATOMIC_RELAXED);
				} else if (want) {
					if (rep.seq > seq || rep.seq <= last_reply)
						__atomic_add_fetch(&sh->badreply, 1, __ATOMIC_RELAXED);
					else if (rep.seq != seq)
						__atomic_add_fetch(&sh->late_replies, 1, __ATOMIC_RELAXED);
					last_reply = rep.seq;
					__atomic_add_fetch(&sh->replies, 1, __ATOMIC_RELAXED);
				}
				break;
			}
			count_errno(errno);
			if (errno == EPIPE && (a.flags & MACHIPC_MSG_SEND))
				_exit(0);	/* the server is gone */
			if (!(a.flags & MACHIPC_MSG_SEND)) {
				/* Sent; the reply did not come (yet). */
				sh->sent[cid] = seq;
				break;
			}
			if (sh->stop) {
				seq--;
				break;
			}
			/* Not sent (EINTR, ETIMEDOUT, ENOBUFS): the same again. */
			a.send_deadline = (int64_t)(now_ns() + 500000000ULL);
			a.rcv_deadline = (int64_t)(now_ns() + 1000000000ULL);
		}
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* The driver                                                         */
/* ------------------------------------------------------------------ */

static int have_cgroup;

static void write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, v, strlen(v)) < 0 && verbose)
		fprintf(stderr, "machipc-soak: %s: %s\n", path, strerror(errno));
	close(fd);
}

static void cgroup_setup(void)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		mkdir("/sys/fs/cgroup", 0755);
		mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	}
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		return;
	mkdir(CGROUP, 0755);
	have_cgroup = !access(CGROUP "/cgroup.freeze", W_OK);
}

static void cgroup_add(pid_t pid)
{
	char s[32];

	if (!have_cgroup)
		return;
	snprintf(s, sizeof(s), "%d", pid);
	write_file(CGROUP "/cgroup.procs", s);
}

static int module_loaded(void)
{
	return !access("/sys/module/machipc", F_OK);
}

static int insmod(void)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

static int rmmod(void)
{
	int i;

	/* The last file may still be closing: retry for a while. */
	for (i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, "machipc", O_NONBLOCK))
			return 0;
		if (errno != EWOULDBLOCK && errno != EAGAIN && errno != EBUSY)
			break;
		usleep(50000);
	}
	return -1;
}

static long vmstat(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = atol(line + kl + 1);
	fclose(f);
	return v;
}

/*
 * Whether every FOLL_PIN pin was released.  The counters have per-CPU
 * parts that /proc/vmstat does not show until they are folded: fold them
 * (stat_refresh) and look again for up to 5 s, as tools/vm/guest does at
 * the end of a run -- a single unfolded read once showed a pin "held"
 * that the end-of-run check found released.
 */
static int pins_balance(void)
{
	int i;

	for (i = 0; i < 10; i++) {
		write_file("/proc/sys/vm/stat_refresh", "1");
		if (vmstat("nr_foll_pin_acquired") ==
		    vmstat("nr_foll_pin_released"))
			return 1;
		usleep(500000);
	}
	return 0;
}

/* New kernel log text since the last call, scanned for reports. */
static int klog_reports(void)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "INFO:", "KASAN:", "UBSAN:", "KFENCE:",
		"possible circular locking", "inconsistent lock state",
		"sleeping function called from invalid context", "refcount_t:",
		"list_add corruption", "list_del corruption", "Objects remaining",
		"still charged", "Call Trace:",
	};
	static size_t seen;
	int len = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf, *p;
	int n, found = 0;
	size_t i;

	if (len <= 0)
		return 0;
	buf = malloc(len + 1);
	if (!buf)
		return 0;
	n = klogctl(3, buf, len);	/* SYSLOG_ACTION_READ_ALL */
	if (n < 0)
		n = 0;
	buf[n] = 0;
	/* Not exact once the ring wraps: then rescan all of it. */
	p = (size_t)n >= seen ? buf + seen : buf;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *q = strstr(p, bad[i]);

		if (q) {
			char *e = strchr(q, '\n');

			fprintf(stderr, "machipc-soak: kernel log: %.*s\n",
				e ? (int)(e - q) : 200, q);
			found = 1;
		}
	}
	seen = n;
	free(buf);
	return found;
}

static pid_t spawn_client(uint32_t cid, int bfd)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid)
		client(cid, bfd);
	cgroup_add(pid);
	return pid;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

struct chaos_stats {
	long storms, stops, ptraces, freezes, kills, server_kills;
};

/*
 * One chaos action against a random worker.  Returns the worker's pid if
 * it exited meanwhile and was reaped here (by the tracer's waitpid), with
 * its status in *status, else 0.
 */
static pid_t chaos(pid_t *pids, unsigned int n, struct chaos_stats *cs, int *status)
{
	pid_t v = pids[rnd() % n];
	int i, st;

	if (v <= 0)
		return 0;
	switch (rnd() % 10) {
	case 0: case 1: case 2:
		for (i = 0; i < 20; i++)
			kill(v, SIGUSR1);
		cs->storms++;
		break;
	case 3: case 4:
		kill(v, SIGSTOP);
		sleep_ms(rnd() % 50);
		kill(v, SIGCONT);
		cs->stops++;
		break;
	case 5: case 6:
		if (ptrace(PTRACE_SEIZE, v, NULL, NULL))
			break;
		ptrace(PTRACE_INTERRUPT, v, NULL, NULL);
		/* Stop, then let go: signals met meanwhile are re-injected. */
		for (i = 0; i < 10; i++) {
			if (waitpid(v, &st, __WALL) != v)
				break;
			if (!WIFSTOPPED(st)) {
				*status = st;
				return v;	/* exited while traced: reaped */
			}
			if (WSTOPSIG(st) == SIGTRAP) {
				ptrace(PTRACE_DETACH, v, NULL, NULL);
				break;
			}
			ptrace(PTRACE_CONT, v, NULL, (void *)(long)WSTOPSIG(st));
		}
		ptrace(PTRACE_DETACH, v, NULL, NULL);
		cs->ptraces++;
		break;
	case 7: case 8:
		if (!have_cgroup)
			break;
		write_file(CGROUP "/cgroup.freeze", "1");
		sleep_ms(rnd() % 100);
		write_file(CGROUP "/cgroup.freeze", "0");
		cs->freezes++;
		break;
	case 9:
		if (v == pids[0]) {
			if (rnd() % 20)
				break;
			cs->server_kills++;
		}
		kill(v, SIGKILL);
		cs->kills++;
		break;
	}
	return 0;
}

static int check_cycle(int cycle)
{
	int bad = 0;

	if (sh->dup || sh->gap || sh->badsum || sh->badreply || sh->unexpected) {
		fprintf(stderr, "machipc-soak: cycle %d: FAIL: %ld duplicated, %ld lost, %ld bad checksum, %ld bad replies, %ld unexpected errors (last %s)\n",
			cycle, sh->dup, sh->gap, sh->badsum, sh->badreply,
			sh->unexpected, strerror(sh->bad_errno));
		bad = 1;
	}
	if (!pins_balance()) {
		fprintf(stderr, "machipc-soak: cycle %d: FAIL: pins unbalanced (%ld acquired, %ld released)\n",
			cycle, vmstat("nr_foll_pin_acquired"),
			vmstat("nr_foll_pin_released"));
		bad = 1;
	}
	if (klog_reports()) {
		fprintf(stderr, "machipc-soak: cycle %d: FAIL: the kernel log has a report\n",
			cycle);
		bad = 1;
	}
	return bad;
}

static void usage(FILE *o)
{
	fprintf(o,
"Usage: machipc-soak [OPTIONS]\n"
"Chaos soak for machipc (root, in the debug guest; see\n"
"Documentation/testing.rst): servers and clients exchanging checked\n"
"messages under signals, stops, ptrace, freezes and kill -9, with the\n"
"module removed and inserted again between cycles.\n"
"\n"
"  -d, --duration SECONDS  total run time (default 600)\n"
"  -c, --cycle SECONDS     length of one cycle (default 30)\n"
"  -n, --clients N         clients per cycle (default %d)\n"
"  -r, --rmmod-every N     rmmod/insmod every N cycles (default 1; 0 never)\n"
"  -k, --ko PATH           the module to insert again\n"
"                          (default build/debug/src/machipc.ko)\n"
"  -s, --seed N            random seed (default from the clock)\n"
"  -B, --break-oracle      clients repeat every 64th sequence number, as a\n"
"                          duplicate delivery would: the run must FAIL\n"
"  -v, --verbose\n"
"  -h, --help\n"
"\n"
"Exit status: 0 clean; 1 an oracle failed (duplicate or lost message, bad\n"
"checksum or reply, undocumented errno, unbalanced pins, kernel report,\n"
"rmmod or insmod failure); 2 usage or setup error.\n", NCLIENTS);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "duration", 1, NULL, 'd' }, { "cycle", 1, NULL, 'c' },
		{ "clients", 1, NULL, 'n' }, { "rmmod-every", 1, NULL, 'r' },
		{ "ko", 1, NULL, 'k' }, { "seed", 1, NULL, 's' },
		{ "verbose", 0, NULL, 'v' }, { "help", 0, NULL, 'h' },
		{ "break-oracle", 0, NULL, 'B' }, { 0 },
	};
	long duration = 600, cycle_s = 30, rmmod_every = 1;
	unsigned int nclients = NCLIENTS, i;
	uint64_t start, seed = now_ns() ^ getpid();
	long total_delivered = 0, total_ool = 0, total_replies = 0, total_intr = 0;
	struct chaos_stats cs = { 0 };
	int c, cycle = 0, status = 0;

	while ((c = getopt_long(argc, argv, "d:c:n:r:k:s:vhB", lo, NULL)) != -1) {
		switch (c) {
		case 'd': duration = atol(optarg); break;
		case 'c': cycle_s = atol(optarg); break;
		case 'n': nclients = atoi(optarg); break;
		case 'r': rmmod_every = atol(optarg); break;
		case 'k': ko = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'v': verbose = 1; break;
		case 'B': break_oracle = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (nclients < 1 || nclients > 64 || cycle_s < 1)
		die("bad --clients or --cycle");
	rng = seed;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	signal(SIGUSR1, SIG_IGN);
	cgroup_setup();
	klog_reports();
	printf("machipc-soak: seed %#llx, %ld s in cycles of %ld s, %u clients, cgroup freezer %s\n",
	       (unsigned long long)seed, duration, cycle_s, nclients,
	       have_cgroup ? "on" : "unavailable");
	fflush(stdout);

	start = now_ns();
	while (now_ns() - start < (uint64_t)duration * 1000000000ULL) {
		pid_t pids[1 + 64];
		uint32_t next_cid = 0;
		uint64_t end;
		int bfd, st, sv[2], server_died;
		pid_t w;

		cycle++;
		if (!module_loaded() && insmod()) {
			fprintf(stderr, "machipc-soak: insmod %s: %s\n", ko, strerror(errno));
			status = 1;
			break;
		}
		memset(sh, 0, sizeof(*sh));
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			die("socketpair: %s", strerror(errno));
		pids[0] = fork();
		if (pids[0] < 0)
			die("fork: %s", strerror(errno));
		if (!pids[0]) {
			close(sv[0]);
			server(sv[1]);
		}
		close(sv[1]);
		cgroup_add(pids[0]);
		/* The server's bootstrap descriptor: every client imports it. */
		bfd = recv_fd(sv[0]);
		close(sv[0]);
		if (bfd < 0)
			die("no bootstrap descriptor from the server");
		for (i = 1; i <= nclients; i++)
			pids[i] = spawn_client(next_cid++, bfd);

		end = now_ns() + cycle_s * 1000000000ULL;
		while (now_ns() < end) {
			sleep_ms(rnd() % 20);
			w = chaos(pids, nclients + 1, &cs, &st);
			while (w > 0 || (w = waitpid(-1, &st, WNOHANG)) > 0) {
				for (i = 0; i <= nclients; i++)
					if (pids[i] == w)
						break;
				if (i > nclients)
					continue;
				if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
					fprintf(stderr, "machipc-soak: a worker could not set up\n");
					status = 1;
				}
				pids[i] = 0;
				if (i && pids[0] && next_cid < MAXC)
					pids[i] = spawn_client(next_cid++, bfd);
				w = 0;
			}
			if (!pids[0])
				break;	/* the server was killed: next cycle */
		}
		server_died = !pids[0];
		sh->stop = 1;
		if (have_cgroup)
			write_file(CGROUP "/cgroup.freeze", "0");
		for (i = 0; i <= nclients; i++)
			if (pids[i] > 0)
				kill(pids[i], SIGCONT);
		close(bfd);
		/*
		 * The clients finish their call (deadlines) and leave; then the
		 * server empties its queue and leaves.
		 */
		end = now_ns() + 60000000000ULL;
		while ((w = waitpid(-1, &st, WNOHANG)) >= 0) {
			for (i = 1; i <= nclients; i++)
				if (pids[i] == w)
					pids[i] = 0;
			for (i = 1; i <= nclients && !pids[i]; i++)
				;
			if (i > nclients)
				sh->drain = 1;
			if (w == 0) {
				if (now_ns() > end) {
					fprintf(stderr, "machipc-soak: cycle %d: workers did not exit in 60 s (a hang?)\n",
						cycle);
					for (i = 0; i <= nclients; i++)
						if (pids[i] > 0)
							kill(pids[i], SIGKILL);
					status = 1;
					end = now_ns() + 60000000000ULL;
				}
				sleep_ms(20);
			}
		}
		for (i = 0; i < MAXC; i++) {
			/* The server saw more than the client ever sent. */
			if (sh->last[i] > sh->sent[i] + 1)
				sh->dup++;
			/* A committed send the drained server never saw. */
			if (!server_died && sh->last[i] < sh->sent[i])
				sh->gap++;
		}
		status |= check_cycle(cycle);
		total_delivered += sh->delivered;
		total_ool += sh->ool;
		total_replies += sh->replies;
		total_intr += sh->interrupted;
		if (rmmod_every && cycle % rmmod_every == 0) {
			if (rmmod()) {
				fprintf(stderr, "machipc-soak: cycle %d: FAIL: rmmod: %s\n",
					cycle, strerror(errno));
				status = 1;
			} else if (insmod()) {
				fprintf(stderr, "machipc-soak: cycle %d: FAIL: insmod: %s\n",
					cycle, strerror(errno));
				status = 1;
			}
			if (klog_reports()) {
				fprintf(stderr, "machipc-soak: cycle %d: FAIL: report at rmmod/insmod (accounts?)\n",
					cycle);
				status = 1;
			}
		}
		printf("machipc-soak: cycle %d (%llu s): %ld delivered (%ld out-of-line), %ld replies (%ld late), %ld interrupted, %ld timeouts, %u clients; %s\n",
		       cycle, (unsigned long long)((now_ns() - start) / 1000000000ULL),
		       sh->delivered, sh->ool, sh->replies, sh->late_replies,
		       sh->interrupted, sh->timeouts, next_cid,
		       status ? "FAIL" : "ok");
		fflush(stdout);
		if (status)
			break;
	}
	printf("machipc-soak: %d cycles: %ld delivered exactly once (%ld out-of-line), %ld replies, %ld interrupted calls; chaos: %ld signal storms, %ld stops, %ld ptrace stops, %ld freezes, %ld kill -9 (%ld of the server)\n",
	       cycle, total_delivered, total_ool, total_replies, total_intr,
	       cs.storms, cs.stops, cs.ptraces, cs.freezes, cs.kills, cs.server_kills);
	printf("machipc-soak: %s\n", status ? "FAIL" : "PASS");
	return status;
}
