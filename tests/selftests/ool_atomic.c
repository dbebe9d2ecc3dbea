// SPDX-License-Identifier: GPL-2.0
/*
 * ool_atomic: the atomic-transfer contract of out-of-line data
 * (Documentation/copy-engine.rst, the spec's section 4).
 *
 * - interrupt_dst_*, tracer_sees_restart_dst: the same while the receiver
 *   is held faulting chunk k of its own (userfaultfd) buffer in.
 * - interrupt_*: a sender whose source is paged by userfaultfd (served by
 *   this process) is held at chunk k (first, middle, last) while the
 *   receiver waits for it to fault that chunk in; then a signal with and
 *   without SA_RESTART, SIGSTOP/SIGCONT, PTRACE_ATTACH, PTRACE_SEIZE +
 *   PTRACE_INTERRUPT, cgroup.freeze or SIGKILL hits the sender, or a signal
 *   the receiver.  Afterwards: one delivery with exact data (none for EINTR
 *   and SIGKILL), the message's queue slot, seqno, both spaces' rights and
 *   accounts as the model predicts, never errno 512.
 * - capture_*: the same sender actions while a send with
 *   MACHIPC_OOL_CAPTURE is held capturing page k * chunk_pages of its
 *   source (k = 0, 1, middle, last): nothing queued or charged meanwhile
 *   and after an abort; the restart delivers exactly once.
 * - inject_*: the debugfs switch inject_abort_chunk at every chunk boundary,
 *   on both sides, then a retry that delivers exactly once.
 * - pager_never_answers: receive deadline, signal and kill of the sender.
 * - tracer_*: PTRACE_SYSCALL + PTRACE_GET_SYSCALL_INFO see -ERESTARTSYS and
 *   the same ioctl re-entered (the combined call's documented change only).
 * - strace_storm_64mib: strace -f over 64 MiB of transfers under SIGALRM
 *   (SA_RESTART): interrupted and restarted, never EINTR, data exact.
 * - first_send_under_signals: a process's first out-of-line send (its
 *   first mmu notifier) under SIGALRM with SA_RESTART never fails EINTR.
 * - fork_*, munmap/mprotect/dontneed_race: the source changes during the
 *   copy: the receiver gets one consistent snapshot or the send EFAULT.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "kselftest_harness.h"
#include "machipc_test.h"
#include "ool_atomic.h"

#define MS		1000000LL
#define SEC		1000000000LL
#define NCHUNKS		5	/* chunks of the interrupt tests' region */
#define WAIT_MS		30000	/* safety limit of every wait */
#define ABORT_MS	10000	/* how long an abort may take */
#define ID_OOL		0x100
#define ID_LATER	0x200
#define ID_REPLY	0x300
#define ID_ABORTED	0x400

#define PARAM_CHUNK	"/sys/module/machipc/parameters/chunk_pages"
#define DBG		"/sys/kernel/debug/machipc/"

/* ------------------------------------------------------------------ */
/* Common helpers                                                      */
/* ------------------------------------------------------------------ */

static atomic_int nsig_usr1, nsig_usr2;
static int usr1_pipe = -1;	/* the sender's handler reports here */

static void on_usr1(int sig)
{
	char c = 'h';

	(void)sig;
	atomic_fetch_add(&nsig_usr1, 1);
	if (usr1_pipe >= 0 && write(usr1_pipe, &c, 1) != 1)
		atomic_fetch_add(&nsig_usr1, 1000);
}

static void on_usr2(int sig)
{
	(void)sig;
	atomic_fetch_add(&nsig_usr2, 1);
}

static int set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* Set the module's chunk_pages to @want; the old value, or -1. */
static long chunk_pages_set(long want)
{
	long old;

	if (mt_read_long(PARAM_CHUNK, &old) || mt_write_long(PARAM_CHUNK, want))
		return -1;
	return old;
}

static void chunk_pages_restore(long old)
{
	if (old > 0)
		mt_write_long(PARAM_CHUNK, old);
}

static unsigned int chunk_pages(int fd)
{
	struct machipc_version v;

	if (ioctl(fd, MACHIPC_IOC_VERSION, &v) || v.abi_version < 2)
		return 0;
	return v.chunk_pages;
}

static __u32 cost_copy(int fd)
{
	struct machipc_version v;

	if (ioctl(fd, MACHIPC_IOC_VERSION, &v))
		return 0;
	return v.cost_copy;
}

static __u64 usage(int fd)
{
	struct machipc_account_info a;

	if (machipc_account_get(fd, &a))
		return ~0ULL;
	return a.usage;
}

static __u32 cost_entry(int fd)
{
	struct machipc_account_info a;

	if (machipc_account_get(fd, &a))
		return 0;
	return a.cost_entry;
}

/* msgcount and seqno of port @p; -1 on error. */
static int port_state(int fd, __u32 p, __u32 *msgcount, __u64 *seqno)
{
	struct machipc_port_attr a;

	if (mt_attr(fd, p, &a))
		return -1;
	*msgcount = a.msgcount;
	*seqno = a.seqno;
	return 0;
}

/* Wait until port @p holds @n messages. */
static int wait_msgcount(int fd, __u32 p, __u32 n, long ms)
{
	long long end = mt_now_ns() + ms * MS;
	__u32 c;
	__u64 s;

	do {
		if (port_state(fd, p, &c, &s) == 0 && c == n)
			return 0;
		usleep(200);
	} while (mt_now_ns() < end);
	return -1;
}

/*
 * The model of a sender's space after its message (reply right @r made
 * with MAKE_SEND, send right @q moved) was delivered.
 */
static void predict_sent(struct mt_snap *s, __u32 r, __u32 q)
{
	size_t i;

	for (i = 0; i < s->nnames; i++) {
		if (s->names[i].name == q) {
			s->names[i].rights &= ~MACHIPC_RIGHT_SEND;
			s->names[i].urefs = 1;
		}
	}
	for (i = 0; i < s->nports; i++) {
		if (s->ports[i].name == r) {
			s->ports[i].mscount++;
			s->ports[i].srights++;
		}
	}
}

/*
 * Check a received test message: seq, every out-of-line region's address,
 * size, words and checksum, the trailer's seqno.
 */
static void check_rcv(struct __test_metadata *_metadata,
		      const struct oa_rcv *r, __u64 seq, unsigned int nr,
		      void *const *dst, __u64 seqno)
{
	const struct machipc_msg_header *h = (const void *)r->buf;
	const struct machipc_msg_desc *d = (const void *)(h + 1);
	const struct oa_meta *m = oa_rcv_meta(r);
	__u64 csum = OA_CSUM_SEED;
	unsigned int i, k = 0;

	ASSERT_NE(NULL, m) TH_LOG("received message without meta (size %u, %u descriptors)",
				  h->size, h->desc_count);
	ASSERT_EQ(OA_MAGIC, m->magic);
	EXPECT_EQ(seq, m->seq);
	ASSERT_EQ(nr, m->nregions);
	EXPECT_EQ(ID_OOL, h->id);
	EXPECT_EQ(nr, r->args.rcv_ool_count);
	EXPECT_EQ(seqno, oa_rcv_trailer(r)->seqno);
	for (i = 0; i < h->desc_count; i++) {
		long bad;

		if (d[i].type != MACHIPC_DESC_OOL)
			continue;
		ASSERT_GT(nr, k);
		EXPECT_EQ((unsigned long)dst[k], d[i].address);
		ASSERT_EQ(m->len[k], d[i].size);
		bad = oa_first_bad(dst[k], m->len[k], seq, k);
		EXPECT_EQ(-1, bad) TH_LOG("region %u: word %ld (page %ld) differs",
					  k, bad, bad * 8 / (long)OA_PAGE);
		csum = oa_csum_update(csum, dst[k], m->len[k]);
		k++;
	}
	EXPECT_EQ(nr, k);
	EXPECT_EQ(m->csum, csum) TH_LOG("checksum of the received data differs");
}

/* A receive in its own thread. */
struct rcv_thread {
	int fd;
	__u32 name;
	void *dst[OA_MAX_REGIONS];
	size_t cap[OA_MAX_REGIONS];
	unsigned int n;
	long long deadline;
	pthread_t th;
	atomic_int tid, done;
	int err;
	struct oa_rcv r;
};

static void *rcv_thread_fn(void *arg)
{
	struct rcv_thread *t = arg;

	atomic_store(&t->tid, gettid());
	t->err = oa_receive(t->fd, t->name, &t->r, t->dst, t->cap, t->n,
			    t->deadline);
	atomic_store(&t->done, 1);
	return NULL;
}

/* Start @t and wait until it sleeps in its ioctl. */
static int rcv_thread_start(struct rcv_thread *t)
{
	atomic_store(&t->tid, 0);
	atomic_store(&t->done, 0);
	if (pthread_create(&t->th, NULL, rcv_thread_fn, t))
		return -1;
	while (!atomic_load(&t->tid))
		usleep(100);
	return mt_wait_in_ioctl(getpid(), atomic_load(&t->tid), WAIT_MS);
}

/* Join @th once it sets *@done, if within @ms; 0, or -1 (still running). */
static int join_when_done(pthread_t th, atomic_int *done, long ms)
{
	long long end = mt_now_ns() + ms * MS;

	while (!atomic_load(done)) {
		if (mt_now_ns() > end)
			return -1;
		usleep(500);
	}
	pthread_join(th, NULL);
	return 0;
}

static int rcv_thread_join(struct rcv_thread *t, long ms)
{
	return join_when_done(t->th, &t->done, ms);
}

/* ------------------------------------------------------------------ */
/* The rig: a sender process whose source is paged by this process     */
/* ------------------------------------------------------------------ */

enum action {
	ACT_NONE,
	ACT_SIG_RESTART,	/* SIGUSR1 to the sender, SA_RESTART */
	ACT_SIG_EINTR,		/* SIGUSR1 to the sender, no SA_RESTART */
	ACT_SIGSTOP,
	ACT_PTRACE_ATTACH,
	ACT_PTRACE_SEIZE,
	ACT_FREEZE,
	ACT_SIGKILL,
	ACT_RCV_SIG_RESTART,	/* SIGUSR2 to the receiver, SA_RESTART */
	ACT_RCV_SIG_EINTR,	/* SIGUSR2 to the receiver, no SA_RESTART */
};

/* What the sender process reports after its call. */
struct result {
	int err;		/* errno of the send (or combined call) */
	int nsig;		/* SIGUSR1 handled */
	int model_ok;		/* its space and account as predicted */
	__u32 reply_id;		/* combined call: the reply's id */
	char why[200];
};

struct rig {
	int fd;			/* the receiver's space */
	__u32 p;		/* its port (receive + send right) */
	int bfd;		/* bootstrap send right for the sender */
	unsigned int cp;	/* chunk_pages */
	int k;			/* the chunk held, or -1 */
	int sa_flags;		/* the sender's SIGUSR1 handler */
	bool combined;		/* the sender sends + receives its reply */
	bool no_rcv;		/* do not start a receiver thread */
	bool hold_dst;		/* hold the receiver's buffer, not the source */
	bool capture;		/* MACHIPC_OOL_CAPTURE: held in the capture */
	__u64 seq;
	size_t area;		/* bytes of the sender's region */
	char *image;		/* what the region holds */
	char *dst;		/* the receive buffer */
	pid_t pid;
	int sock;
	int hpipe[2];		/* the sender's SIGUSR1 handler ran */
	unsigned long addr;	/* the region, in the sender */
	struct oa_pager pg;	/* the sender's source */
	struct oa_pager dpg;	/* the receive buffer, with hold_dst */
	char *zero;		/* what dpg supplies */
	struct rcv_thread rt;
	__u64 usage0;		/* the receiver's usage before the receive */
	char cg[128];		/* cgroup of ACT_FREEZE, or "" */
};

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static int rig_child(struct rig *rg, int sock)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct mt_snap *after = malloc(sizeof(*after));
	struct machipc_msg_args args;
	struct result res;
	__u64 msg[OA_MSG_WORDS], reply[OA_MSG_WORDS];
	struct oa_region reg;
	const void *src = rg->image;
	__u64 u0, u1;
	__u32 dest, r, q;
	unsigned long i;
	char *area;
	int fd, uffd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!before || !after)
		return 9;
	close(rg->hpipe[0]);
	usr1_pipe = rg->hpipe[1];
	if (set_handler(SIGUSR1, on_usr1, rg->sa_flags))
		return 9;
	fd = machipc_open();
	if (fd < 0 || machipc_bootstrap_import(fd, rg->bfd, &dest))
		return 10;
	r = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	q = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	if (!r || !q || machipc_port_insert_right(fd, q, MACHIPC_DISP_MAKE_SEND,
						  NULL))
		return 11;
	area = oa_map_missing(rg->area);
	if (area == MAP_FAILED)
		return 12;
	uffd = oa_uffd_register(area, rg->area);
	if (uffd < 0)
		return 13;
	/* the chunks before k are resident, the rest is missing */
	for (i = 0; i < (unsigned long)(rg->hold_dst ? NCHUNKS :
					max_int(rg->k, 0)) * rg->cp; i++)
		if (oa_uffd_supply(uffd, (unsigned long)area, rg->image,
				   (unsigned long)area + i * OA_PAGE))
			return 14;
	if (mt_send_fd(sock, uffd) ||
	    write(sock, &area, sizeof(area)) != sizeof(area))
		return 15;
	close(uffd);
	reg.addr = (unsigned long)area;
	reg.len = rg->area;
	oa_build(msg, dest, r, q, &reg, &src, 1, rg->seq, ID_OOL);
	if (rg->capture)	/* the port descriptor, then the region */
		((struct machipc_msg_desc *)
		 ((struct machipc_msg_header *)msg + 1))[1].disposition =
			MACHIPC_OOL_CAPTURE;
	if (mt_snap_take(fd, before))
		return 16;
	u0 = usage(fd);
	if (mt_get(sock) != 'g')
		return 17;

	memset(&args, 0, sizeof(args));
	args.flags = MACHIPC_MSG_SEND;
	args.send_msg = (unsigned long)msg;
	args.send_size = ((struct machipc_msg_header *)msg)->size;
	if (rg->combined) {
		args.flags |= MACHIPC_MSG_RECEIVE;
		args.rcv_name = r;
		args.rcv_buf = (unsigned long)reply;
		args.rcv_size = sizeof(reply);
	}
	memset(&res, 0, sizeof(res));
	res.err = oa_ioctl(fd, &args);
	res.nsig = atomic_load(&nsig_usr1);
	if (res.err == 0) {
		predict_sent(before, r, q);
		if (rg->combined) {
			res.reply_id = machipc_msg_header(reply)->id;
			for (i = 0; i < before->nports; i++)
				if (before->ports[i].name == r)
					before->ports[i].seqno++;
		}
	}
	/* A captured message is charged to us until it is received. */
	for (i = 0; rg->capture && !res.err && usage(fd) != u0 && i < 10000; i++)
		usleep(1000);
	mt_snap_take(fd, after);
	u1 = usage(fd);
	res.model_ok = !mt_snap_diff(before, after, res.why, sizeof(res.why));
	if (res.model_ok && u0 != u1) {
		res.model_ok = 0;
		snprintf(res.why, sizeof(res.why), "usage %llu -> %llu",
			 (unsigned long long)u0, (unsigned long long)u1);
	}
	if (write(sock, &res, sizeof(res)) != sizeof(res))
		return 18;
	mt_get(sock);	/* keep the space until the parent is done */
	return 0;
}

/* Fork the sender, take its userfaultfd, start the pager (and receiver). */
static void rig_start(struct __test_metadata *_metadata, struct rig *rg)
{
	int sv[2], uffd;

	rg->pid = -1;
	rg->sock = -1;
	rg->fd = machipc_open();
	ASSERT_LE(0, rg->fd);
	rg->cp = chunk_pages(rg->fd);
	ASSERT_LT(0, rg->cp);
	rg->p = mt_alloc(rg->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, rg->p);
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(rg->fd, rg->p,
						      MACHIPC_DISP_MAKE_SEND,
						      NULL)));
	rg->bfd = machipc_bootstrap_export(rg->fd, rg->p, MACHIPC_DISP_MAKE_SEND,
					   0);
	ASSERT_LE(0, rg->bfd);
	rg->area = (size_t)NCHUNKS * rg->cp * OA_PAGE;
	if (!rg->seq)
		rg->seq = 7;
	rg->image = malloc(rg->area);
	ASSERT_NE(NULL, rg->image);
	oa_fill(rg->image, rg->area, rg->seq, 0);
	rg->dst = oa_map_missing(rg->area);
	ASSERT_NE(MAP_FAILED, rg->dst);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe2(rg->hpipe, O_CLOEXEC));
	rg->pid = fork();
	ASSERT_LE(0, rg->pid);
	if (rg->pid == 0) {
		close(sv[0]);
		_exit(rig_child(rg, sv[1]));
	}
	close(sv[1]);
	close(rg->bfd);
	close(rg->hpipe[1]);
	rg->sock = sv[0];
	if (rg->cg[0]) {
		char path[160], pid[16];

		snprintf(path, sizeof(path), "%s/cgroup.procs", rg->cg);
		snprintf(pid, sizeof(pid), "%d", rg->pid);
		ASSERT_EQ(0, mt_write_file(path, pid));
	}
	uffd = mt_recv_fd(rg->sock);
	if (uffd < 0) {
		int st = mt_wait(rg->pid);

		rg->pid = -1;
		if (st == 13)
			SKIP(return, "userfaultfd unavailable");
		ASSERT_LE(0, uffd) TH_LOG("sender setup failed: %d", st);
	}
	ASSERT_EQ(sizeof(rg->addr), read(rg->sock, &rg->addr, sizeof(rg->addr)));
	ASSERT_EQ(0, oa_pager_start(&rg->pg, uffd, rg->addr, rg->area,
				    rg->image));
	if (rg->hold_dst) {
		unsigned long d = (unsigned long)rg->dst;

		uffd = oa_uffd_register(rg->dst, rg->area);
		ASSERT_LE(0, uffd);
		/* Else the receive copies into them without a fault. */
		ASSERT_EQ(0, oa_resident_pages(rg->dst, rg->area))
			TH_LOG("pages of the receive buffer are resident before the receive");
		rg->zero = calloc(1, rg->area);
		ASSERT_NE(NULL, rg->zero);
		ASSERT_EQ(0, oa_pager_start(&rg->dpg, uffd, d, rg->area,
					    rg->zero));
		oa_pager_hold(&rg->dpg, d + rg->k * rg->cp * OA_PAGE,
			      d + (rg->k + 1) * rg->cp * OA_PAGE);
	} else if (rg->k >= 0) {
		oa_pager_hold(&rg->pg, rg->addr + rg->k * rg->cp * OA_PAGE,
			      rg->addr + (rg->k + 1) * rg->cp * OA_PAGE);
	}
	rg->usage0 = usage(rg->fd);
	memset(&rg->rt, 0, sizeof(rg->rt));
	rg->rt.fd = rg->fd;
	rg->rt.name = rg->p;
	rg->rt.dst[0] = rg->dst;
	rg->rt.cap[0] = rg->area;
	rg->rt.n = 1;
	if (!rg->no_rcv)
		ASSERT_EQ(0, rcv_thread_start(&rg->rt));
}

static void rig_go(struct __test_metadata *_metadata, struct rig *rg)
{
	ASSERT_EQ(0, mt_put(rg->sock, 'g'));
}

/* The sender's report, within @ms. */
static int rig_result(struct rig *rg, struct result *res, long ms)
{
	struct pollfd pfd = { .fd = rg->sock, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return read(rg->sock, res, sizeof(*res)) == sizeof(*res) ? 0 : -1;
}

/* Let the sender exit; its exit status. */
static int rig_reap(struct rig *rg)
{
	int st;

	if (rg->pid <= 0)
		return 0;
	mt_put(rg->sock, 'x');
	st = mt_wait(rg->pid);
	rg->pid = -1;
	return st;
}

static void rig_stop(struct rig *rg)
{
	if (rg->pid > 0) {
		kill(rg->pid, SIGKILL);
		mt_wait(rg->pid);
		rg->pid = -1;
	}
	oa_pager_stop(&rg->pg);
	oa_pager_stop(&rg->dpg);
	free(rg->zero);
	if (rg->sock >= 0)
		close(rg->sock);
	close(rg->hpipe[0]);
	if (rg->cg[0])
		rmdir(rg->cg);
	free(rg->image);
	if (rg->dst && rg->dst != MAP_FAILED)
		munmap(rg->dst, rg->area);
}

/* Log the state and kernel stack of every thread of @pid. */
static void dump_task(struct __test_metadata *_metadata, pid_t pid)
{
	char path[320], buf[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char *rp;
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 de->d_name);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		rp = n > 0 ? (buf[n] = 0, strrchr(buf, ')')) : NULL;
		TH_LOG("task %s state %c", de->d_name, rp ? rp[2] : '?');
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid,
			 de->d_name);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			TH_LOG("%s", buf);
		}
	}
	closedir(d);
}

/* waitpid() for a stop of @pid, within @ms; 0 or -1. */
static int wait_stopped(pid_t pid, int *status, long ms)
{
	long long end = mt_now_ns() + ms * MS;

	do {
		pid_t r = waitpid(pid, status, WNOHANG | WUNTRACED | __WALL);

		if (r == pid)
			return WIFSTOPPED(*status) ? 0 : -1;
		if (r < 0)
			return -1;
		usleep(1000);
	} while (mt_now_ns() < end);
	return -1;
}

/* The sender's SIGUSR1 handler ran, within @ms; 0 or -1. */
static int wait_handler(struct rig *rg, long ms)
{
	struct pollfd pfd = { .fd = rg->hpipe[0], .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return mt_get(rg->hpipe[0]) == 'h' ? 0 : -1;
}

/* Release whatever the rig holds. */
static void rig_release(struct rig *rg)
{
	oa_pager_release(&rg->pg);
	if (rg->hold_dst)
		oa_pager_release(&rg->dpg);
}

/* The pager that holds chunk k. */
static struct oa_pager *rig_holder(struct rig *rg)
{
	return rg->hold_dst ? &rg->dpg : &rg->pg;
}

/*
 * The sender did not abort while faulting chunk k in: say so with its
 * stack, then release the chunk and kill it so that the test can end.
 */
static void no_abort(struct __test_metadata *_metadata, struct rig *rg,
		     const char *what, int nheld0)
{
	TH_LOG("%s: no abort within %d ms while %s faults chunk %d in",
	       what, ABORT_MS, rg->hold_dst ? "the receiver" : "the sender",
	       rg->k);
	TH_LOG("its fault was retried %d times meanwhile",
	       oa_pager_nheld(rig_holder(rg)) - nheld0);
	dump_task(_metadata, rg->pid);
	rig_release(rg);
	kill(rg->pid, SIGKILL);
	mt_wait(rg->pid);
	rg->pid = -1;
}

static void expect_port(struct __test_metadata *_metadata, struct rig *rg,
			__u32 msgcount, __u64 seqno, const char *when)
{
	__u32 c = ~0U;
	__u64 s = ~0ULL;

	ASSERT_EQ(0, port_state(rg->fd, rg->p, &c, &s));
	EXPECT_EQ(msgcount, c) TH_LOG("%s: msgcount", when);
	EXPECT_EQ(seqno, s) TH_LOG("%s: seqno", when);
}

/* A delivered OOL message: exact data, seqno 0, the rights it carried. */
static void expect_delivered(struct __test_metadata *_metadata, struct rig *rg,
			     const struct oa_rcv *r)
{
	const struct machipc_msg_header *h = (const void *)r->buf;
	const struct machipc_msg_desc *d = (const void *)(h + 1);
	void *dst[1] = { rg->dst };
	__u32 rights = 0;

	check_rcv(_metadata, r, rg->seq, 1, dst, 0);
	EXPECT_EQ(MACHIPC_DISP_MOVE_SEND, MACHIPC_MSGH_REMOTE(h->bits));
	EXPECT_EQ(0, mt_info(rg->fd, h->remote_name, &rights, NULL))
		TH_LOG("reply right %#x (bits %#x), port descriptor %#x (disposition %u)",
		       h->remote_name, h->bits, d[0].name, d[0].disposition);
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(MACHIPC_DESC_PORT, d[0].type);
	EXPECT_EQ(MACHIPC_DISP_MOVE_SEND, d[0].disposition);
	rights = 0;
	EXPECT_EQ(0, mt_info(rg->fd, d[0].name, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(rg->usage0 + 2 * cost_entry(rg->fd), usage(rg->fd));
}

/* After an abort with nothing delivered: a later message gets through. */
static void expect_later_message(struct __test_metadata *_metadata,
				 struct rig *rg)
{
	const struct machipc_msg_header *h = (const void *)rg->rt.r.buf;

	EXPECT_EQ(0, atomic_load(&rg->rt.done))
		TH_LOG("the receiver returned %d instead of waiting", rg->rt.err);
	EXPECT_EQ(rg->usage0 + cost_copy(rg->fd), usage(rg->fd));
	ASSERT_EQ(0, mt_send_simple(rg->fd, rg->p, MACHIPC_DISP_COPY_SEND,
				    ID_LATER, "later", 6, NULL));
	ASSERT_EQ(0, rcv_thread_join(&rg->rt, WAIT_MS));
	ASSERT_EQ(0, rg->rt.err);
	EXPECT_EQ(ID_LATER, h->id);
	EXPECT_EQ(0, oa_rcv_trailer(&rg->rt.r)->seqno);
	EXPECT_EQ(0, rg->rt.r.args.rcv_ool_count);
	EXPECT_EQ(rg->usage0, usage(rg->fd));
	expect_port(_metadata, rg, 0, 1, "after the later message");
}

/* Checks common to every stop while held: the ioctl is about to restart. */
static void expect_restart_regs(struct __test_metadata *_metadata, pid_t pid)
{
	struct user_regs_struct regs;

	ASSERT_EQ(0, ptrace(PTRACE_GETREGS, pid, 0, &regs));
	EXPECT_EQ(SYS_ioctl, (long)regs.orig_rax);
	EXPECT_EQ(-512, (long)regs.rax);
}

static int cg_frozen(const char *cg, int want, long ms)
{
	long long end = mt_now_ns() + ms * MS;
	char path[160], buf[256];

	snprintf(path, sizeof(path), "%s/cgroup.events", cg);
	do {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		char *f;

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			f = strstr(buf, "frozen ");
			if (f && atoi(f + 7) == want)
				return 0;
		}
		usleep(1000);
	} while (mt_now_ns() < end);
	return -1;
}

/* A child cgroup of a cgroup2 hierarchy with cgroup.freeze, or -1. */
static int cg_make(char *cg, size_t len)
{
	char path[160];

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) &&
	    mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL))
		return -1;
	snprintf(cg, len, "/sys/fs/cgroup/ool_atomic.%d", getpid());
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", cg);
	if (access(path, W_OK)) {
		rmdir(cg);
		return -1;
	}
	return 0;
}

/*
 * One interrupt case: the sender held at chunk @k (its fault on that chunk
 * withheld by the pager), then @act.
 */
static void interrupt_case(struct __test_metadata *_metadata, enum action act,
			   int k, bool hold_dst, bool capture)
{
	struct rig rg;
	struct result res;
	bool delivered = true;
	int status, nheld0;

	memset(&rg, 0, sizeof(rg));
	rg.k = k;
	rg.hold_dst = hold_dst;
	rg.capture = capture;
	rg.sa_flags = act == ACT_SIG_EINTR ? 0 : SA_RESTART;
	rg.seq = 100 + k;
	if (act == ACT_RCV_SIG_RESTART || act == ACT_RCV_SIG_EINTR)
		ASSERT_EQ(0, set_handler(SIGUSR2, on_usr2,
					 act == ACT_RCV_SIG_RESTART ? SA_RESTART : 0));
	atomic_store(&nsig_usr2, 0);
	if (act == ACT_FREEZE && cg_make(rg.cg, sizeof(rg.cg))) {
		rg.cg[0] = 0;
		SKIP(return, "no cgroup2 freezer");
	}
	rig_start(_metadata, &rg);
	if (rg.pid < 0) {
		rig_stop(&rg);
		return;
	}
	rig_go(_metadata, &rg);

	/*
	 * held: the sender faults chunk k of its source in its own context,
	 * or the receiver chunk k of its buffer
	 */
	ASSERT_EQ(0, oa_pager_wait_held(rig_holder(&rg), 1, WAIT_MS))
		TH_LOG("chunk %d was never faulted (%d faults; receiver done %d err %d; sender %s)",
		       k, rig_holder(&rg)->nfaults, atomic_load(&rg.rt.done),
		       rg.rt.err, kill(rg.pid, 0) ? "gone" : "alive");
	if (hold_dst) {
		EXPECT_EQ(atomic_load(&rg.rt.tid), rg.dpg.held_tid);
	} else {
		EXPECT_EQ(rg.pid, rg.pg.held_tid)
			TH_LOG("chunk %d faulted by tid %d, not by the sender %d",
			       k, rg.pg.held_tid, rg.pid);
	}
	/* Held in the capture, nothing is queued yet. */
	expect_port(_metadata, &rg, rg.capture ? 0 : 1, 0, "held");
	EXPECT_EQ(0, atomic_load(&rg.rt.done));
	EXPECT_EQ(rg.usage0 + cost_copy(rg.fd), usage(rg.fd));

	nheld0 = oa_pager_nheld(rig_holder(&rg));
	switch (act) {
	case ACT_SIG_RESTART:
		ASSERT_EQ(0, kill(rg.pid, SIGUSR1));
		if (wait_handler(&rg, ABORT_MS)) {
			no_abort(_metadata, &rg, "SIGUSR1", nheld0);
			ASSERT_TRUE(0);
		}
		/*
		 * No new baseline here: the restarted send may already have
		 * come back to chunk k by the time the handler is seen to
		 * have run.  The fault counted before the signal is the one
		 * the restart must add to.
		 */
		break;
	case ACT_SIG_EINTR:
		ASSERT_EQ(0, kill(rg.pid, SIGUSR1));
		if (rig_result(&rg, &res, ABORT_MS)) {
			no_abort(_metadata, &rg, "SIGUSR1", nheld0);
			ASSERT_TRUE(0);
		}
		EXPECT_EQ(EINTR, res.err);
		EXPECT_EQ(1, res.nsig);
		EXPECT_TRUE(res.model_ok) TH_LOG("sender: %s", res.why);
		expect_port(_metadata, &rg, 0, 0, "after EINTR");
		delivered = false;
		break;
	case ACT_SIGSTOP:
		ASSERT_EQ(0, kill(rg.pid, SIGSTOP));
		if (wait_stopped(rg.pid, &status, ABORT_MS)) {
			no_abort(_metadata, &rg, "SIGSTOP", nheld0);
			ASSERT_TRUE(0);
		}
		expect_port(_metadata, &rg, 0, 0, "stopped");
		EXPECT_EQ(0, atomic_load(&rg.rt.done));
		nheld0 = oa_pager_nheld(rig_holder(&rg));
		ASSERT_EQ(0, kill(rg.pid, SIGCONT));
		break;
	case ACT_PTRACE_ATTACH:
		ASSERT_EQ(0, ptrace(PTRACE_ATTACH, rg.pid, 0, 0));
		if (wait_stopped(rg.pid, &status, ABORT_MS)) {
			no_abort(_metadata, &rg, "PTRACE_ATTACH", nheld0);
			ASSERT_TRUE(0);
		}
		expect_restart_regs(_metadata, rg.pid);
		expect_port(_metadata, &rg, 0, 0, "attached");
		nheld0 = oa_pager_nheld(rig_holder(&rg));
		ASSERT_EQ(0, ptrace(PTRACE_DETACH, rg.pid, 0, 0));
		break;
	case ACT_PTRACE_SEIZE:
		ASSERT_EQ(0, ptrace(PTRACE_SEIZE, rg.pid, 0, 0));
		ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, rg.pid, 0, 0));
		if (wait_stopped(rg.pid, &status, ABORT_MS)) {
			no_abort(_metadata, &rg, "PTRACE_INTERRUPT", nheld0);
			ASSERT_TRUE(0);
		}
		EXPECT_EQ(PTRACE_EVENT_STOP, status >> 16);
		expect_restart_regs(_metadata, rg.pid);
		expect_port(_metadata, &rg, 0, 0, "interrupted");
		nheld0 = oa_pager_nheld(rig_holder(&rg));
		ASSERT_EQ(0, ptrace(PTRACE_DETACH, rg.pid, 0, 0));
		break;
	case ACT_FREEZE: {
		char path[160];

		snprintf(path, sizeof(path), "%s/cgroup.freeze", rg.cg);
		ASSERT_EQ(0, mt_write_file(path, "1"));
		if (cg_frozen(rg.cg, 1, ABORT_MS)) {
			mt_write_file(path, "0");
			no_abort(_metadata, &rg, "cgroup.freeze", nheld0);
			ASSERT_TRUE(0);
		}
		expect_port(_metadata, &rg, 0, 0, "frozen");
		EXPECT_EQ(0, atomic_load(&rg.rt.done));
		nheld0 = oa_pager_nheld(rig_holder(&rg));
		ASSERT_EQ(0, mt_write_file(path, "0"));
		break;
	}
	case ACT_SIGKILL: {
		long long end = mt_now_ns() + ABORT_MS * MS;
		pid_t r;

		ASSERT_EQ(0, kill(rg.pid, SIGKILL));
		while ((r = waitpid(rg.pid, &status, WNOHANG)) == 0 &&
		       mt_now_ns() < end)
			usleep(1000);
		if (r != rg.pid) {
			no_abort(_metadata, &rg, "SIGKILL", nheld0);
			ASSERT_TRUE(0);
		}
		rg.pid = -1;
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		expect_port(_metadata, &rg, 0, 0, "killed");
		delivered = false;
		break;
	}
	case ACT_RCV_SIG_RESTART:
		ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), atomic_load(&rg.rt.tid),
				     SIGUSR2));
		while (atomic_load(&nsig_usr2) < 1)
			usleep(200);
		ASSERT_EQ(0, mt_wait_in_ioctl(getpid(), atomic_load(&rg.rt.tid),
					      WAIT_MS));
		EXPECT_EQ(0, atomic_load(&rg.rt.done));
		expect_port(_metadata, &rg, 1, 0, "receiver restarted");
		break;
	case ACT_RCV_SIG_EINTR: {
		struct pollfd pfd = { .fd = rg.sock, .events = POLLIN };

		ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), atomic_load(&rg.rt.tid),
				     SIGUSR2));
		if (rcv_thread_join(&rg.rt, ABORT_MS)) {
			TH_LOG("the receiver did not return EINTR");
			dump_task(_metadata, getpid());
			rig_release(&rg);
			ASSERT_TRUE(0);
		}
		EXPECT_EQ(EINTR, rg.rt.err);
		expect_port(_metadata, &rg, 1, 0, "receiver EINTR");
		EXPECT_EQ(rg.usage0, usage(rg.fd));
		EXPECT_EQ(0, poll(&pfd, 1, 0)) TH_LOG("the sender returned");
		/* the same message again, first in line */
		rig_release(&rg);
		ASSERT_EQ(0, oa_receive(rg.fd, rg.p, &rg.rt.r, rg.rt.dst,
					rg.rt.cap, 1, mt_now_ns() + WAIT_MS * MS));
		atomic_store(&rg.rt.done, 1);
		break;
	}
	default:
		break;
	}

	if (delivered) {
		/* a sender that aborted and restarted comes back to chunk k */
		if (act != ACT_RCV_SIG_RESTART && act != ACT_RCV_SIG_EINTR &&
		    !hold_dst) {
			EXPECT_EQ(0, oa_pager_wait_held(&rg.pg, nheld0 + 1, WAIT_MS))
				TH_LOG("the restarted send never reached chunk %d again", k);
		}
		rig_release(&rg);
		if (act != ACT_RCV_SIG_EINTR) {
			ASSERT_EQ(0, rcv_thread_join(&rg.rt, WAIT_MS));
			ASSERT_EQ(0, rg.rt.err);
		}
		expect_delivered(_metadata, &rg, &rg.rt.r);
		ASSERT_EQ(0, rig_result(&rg, &res, WAIT_MS));
		EXPECT_EQ(0, res.err);
		EXPECT_EQ(act == ACT_SIG_RESTART, res.nsig);
		EXPECT_TRUE(res.model_ok) TH_LOG("sender: %s", res.why);
		expect_port(_metadata, &rg, 0, 1, "delivered");
	} else {
		rig_release(&rg);
		expect_later_message(_metadata, &rg);
	}
	EXPECT_NE(512, rg.rt.err);
	EXPECT_NE(512, res.err);
	EXPECT_EQ(ETIMEDOUT, mt_recv_now(rg.fd, rg.p, rg.rt.r.buf,
					 sizeof(rg.rt.r.buf)));
	EXPECT_EQ(0, rg.pg.copy_err);
	EXPECT_EQ(0, rg.dpg.copy_err);
	EXPECT_EQ(0, rig_reap(&rg));
	rig_stop(&rg);
}

FIXTURE(chunks)
{
	long old_chunk_pages;
};

FIXTURE_SETUP(chunks)
{
	self->old_chunk_pages = chunk_pages_set(4);
}

FIXTURE_TEARDOWN(chunks)
{
	chunk_pages_restore(self->old_chunk_pages);
}

/* Each action at the first, a middle and the last chunk of the region. */
static void interrupt_at_chunks(struct __test_metadata *_metadata,
				enum action act, bool hold_dst)
{
	static const int ks[] = { 0, NCHUNKS / 2, NCHUNKS - 1 };
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(ks); i++) {
		TH_LOG("chunk %d", ks[i]);
		interrupt_case(_metadata, act, ks[i], hold_dst, false);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
}

/*
 * The same for a capture at the send (MACHIPC_OOL_CAPTURE): the sender is
 * held faulting in page k * chunk_pages of its own source, before anything
 * is queued, and every interruption must leave nothing queued, nothing
 * charged, and a restart that delivers exactly once.
 */
static void capture_at_chunks(struct __test_metadata *_metadata,
			      enum action act)
{
	static const int ks[] = { 0, 1, NCHUNKS / 2, NCHUNKS - 1 };
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(ks); i++) {
		TH_LOG("chunk %d (captured)", ks[i]);
		interrupt_case(_metadata, act, ks[i], false, true);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
}

TEST_F_TIMEOUT(chunks, capture_sa_restart, 300)
{
	capture_at_chunks(_metadata, ACT_SIG_RESTART);
}

TEST_F_TIMEOUT(chunks, capture_eintr, 300)
{
	capture_at_chunks(_metadata, ACT_SIG_EINTR);
}

TEST_F_TIMEOUT(chunks, capture_sigstop, 300)
{
	capture_at_chunks(_metadata, ACT_SIGSTOP);
}

TEST_F_TIMEOUT(chunks, capture_ptrace_attach, 300)
{
	capture_at_chunks(_metadata, ACT_PTRACE_ATTACH);
}

TEST_F_TIMEOUT(chunks, capture_ptrace_seize, 300)
{
	capture_at_chunks(_metadata, ACT_PTRACE_SEIZE);
}

TEST_F_TIMEOUT(chunks, capture_cgroup_freeze, 300)
{
	capture_at_chunks(_metadata, ACT_FREEZE);
}

TEST_F_TIMEOUT(chunks, capture_sigkill, 300)
{
	capture_at_chunks(_metadata, ACT_SIGKILL);
}

TEST_F_TIMEOUT(chunks, interrupt_sender_sa_restart, 300)
{
	interrupt_at_chunks(_metadata, ACT_SIG_RESTART, false);
}

TEST_F_TIMEOUT(chunks, interrupt_sender_eintr, 300)
{
	interrupt_at_chunks(_metadata, ACT_SIG_EINTR, false);
}

TEST_F_TIMEOUT(chunks, interrupt_sender_sigstop, 300)
{
	interrupt_at_chunks(_metadata, ACT_SIGSTOP, false);
}

TEST_F_TIMEOUT(chunks, interrupt_sender_ptrace_attach, 300)
{
	interrupt_at_chunks(_metadata, ACT_PTRACE_ATTACH, false);
}

TEST_F_TIMEOUT(chunks, interrupt_sender_ptrace_seize, 300)
{
	interrupt_at_chunks(_metadata, ACT_PTRACE_SEIZE, false);
}

TEST_F_TIMEOUT(chunks, interrupt_sender_cgroup_freeze, 300)
{
	interrupt_at_chunks(_metadata, ACT_FREEZE, false);
}

TEST_F_TIMEOUT(chunks, interrupt_sender_sigkill, 300)
{
	interrupt_at_chunks(_metadata, ACT_SIGKILL, false);
}

TEST_F_TIMEOUT(chunks, interrupt_receiver_sa_restart, 300)
{
	interrupt_at_chunks(_metadata, ACT_RCV_SIG_RESTART, false);
}

TEST_F_TIMEOUT(chunks, interrupt_receiver_eintr, 300)
{
	interrupt_at_chunks(_metadata, ACT_RCV_SIG_EINTR, false);
}

/*
 * The same with the receiver held while it faults chunk k of its own
 * buffer in (userfaultfd on the buffer): the sender waits for the copy.
 */
TEST_F_TIMEOUT(chunks, interrupt_dst_sender_sa_restart, 300)
{
	interrupt_at_chunks(_metadata, ACT_SIG_RESTART, true);
}

TEST_F_TIMEOUT(chunks, interrupt_dst_sender_eintr, 300)
{
	interrupt_at_chunks(_metadata, ACT_SIG_EINTR, true);
}

TEST_F_TIMEOUT(chunks, interrupt_dst_sender_sigstop, 300)
{
	interrupt_at_chunks(_metadata, ACT_SIGSTOP, true);
}

TEST_F_TIMEOUT(chunks, interrupt_dst_sender_ptrace_attach, 300)
{
	interrupt_at_chunks(_metadata, ACT_PTRACE_ATTACH, true);
}

TEST_F_TIMEOUT(chunks, interrupt_dst_sender_ptrace_seize, 300)
{
	interrupt_at_chunks(_metadata, ACT_PTRACE_SEIZE, true);
}

TEST_F_TIMEOUT(chunks, interrupt_dst_sender_cgroup_freeze, 300)
{
	interrupt_at_chunks(_metadata, ACT_FREEZE, true);
}

TEST_F_TIMEOUT(chunks, interrupt_dst_sender_sigkill, 300)
{
	interrupt_at_chunks(_metadata, ACT_SIGKILL, true);
}

TEST_F_TIMEOUT(chunks, interrupt_dst_receiver_eintr, 300)
{
	interrupt_at_chunks(_metadata, ACT_RCV_SIG_EINTR, true);
}

/* ------------------------------------------------------------------ */
/* A pager that never answers                                          */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(chunks, pager_never_answers, 300)
{
	struct rig rg;
	long long t0, t1;
	int st;

	memset(&rg, 0, sizeof(rg));
	rg.k = 1;
	rg.sa_flags = SA_RESTART;
	rg.no_rcv = true;
	ASSERT_EQ(0, set_handler(SIGUSR2, on_usr2, 0));
	rig_start(_metadata, &rg);
	if (rg.pid < 0) {
		rig_stop(&rg);
		return;
	}
	rig_go(_metadata, &rg);
	ASSERT_EQ(0, wait_msgcount(rg.fd, rg.p, 1, WAIT_MS));

	/* a receiver with a deadline gives up; the message stays queued */
	t0 = mt_now_ns();
	EXPECT_EQ(ETIMEDOUT, oa_receive(rg.fd, rg.p, &rg.rt.r, rg.rt.dst,
					rg.rt.cap, 1, t0 + 500 * MS));
	t1 = mt_now_ns();
	EXPECT_GE(t1 - t0, 500 * MS);
	EXPECT_LT(t1 - t0, 20 * SEC) TH_LOG("the deadline did not hold");
	EXPECT_LE(1, oa_pager_nheld(&rg.pg));
	EXPECT_EQ(rg.pid, rg.pg.held_tid);
	expect_port(_metadata, &rg, 1, 0, "after ETIMEDOUT");
	EXPECT_EQ(rg.usage0, usage(rg.fd));

	/* one without a deadline is interrupted by a signal */
	ASSERT_EQ(0, rcv_thread_start(&rg.rt));
	usleep(100000);
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), atomic_load(&rg.rt.tid),
			     SIGUSR2));
	ASSERT_EQ(0, rcv_thread_join(&rg.rt, WAIT_MS))
		TH_LOG("the receiver is stuck behind the sender's pager");
	EXPECT_EQ(EINTR, rg.rt.err);
	expect_port(_metadata, &rg, 1, 0, "after EINTR");
	EXPECT_EQ(rg.usage0, usage(rg.fd));

	/* killing the sender frees the receiver for the next message */
	ASSERT_EQ(0, rcv_thread_start(&rg.rt));
	usleep(100000);
	ASSERT_EQ(0, kill(rg.pid, SIGKILL));
	st = mt_wait(rg.pid);
	rg.pid = -1;
	EXPECT_EQ(128 + SIGKILL, st);
	expect_port(_metadata, &rg, 0, 0, "sender killed");
	expect_later_message(_metadata, &rg);
	EXPECT_EQ(ETIMEDOUT, mt_recv_now(rg.fd, rg.p, rg.rt.r.buf,
					 sizeof(rg.rt.r.buf)));
	rig_stop(&rg);
}

/* ------------------------------------------------------------------ */
/* A tracer sees -ERESTARTSYS and the same ioctl again                 */
/* ------------------------------------------------------------------ */

struct sysstop {
	int kind;		/* 0 other, 1 entry, 2 exit, 3 signal */
	int sig;
	struct __ptrace_syscall_info info;
};

/* Resume @pid with PTRACE_SYSCALL (delivering @sig) and wait for a stop. */
static int next_stop(pid_t pid, int sig, struct sysstop *s)
{
	int status;

	memset(s, 0, sizeof(*s));
	if (ptrace(PTRACE_SYSCALL, pid, 0, sig))
		return -1;
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(s->info),
			   &s->info) <= 0)
			return -1;
		s->kind = s->info.op == PTRACE_SYSCALL_INFO_ENTRY ? 1 :
			  s->info.op == PTRACE_SYSCALL_INFO_EXIT ? 2 : 0;
		return 0;
	}
	if (status >> 16 == 0) {
		s->kind = 3;
		s->sig = WSTOPSIG(status);
	}
	return 0;
}

/* Read the tracee's argument block (it is in a ptrace stop). */
static int peek_args(pid_t pid, __u64 addr, struct machipc_msg_args *a)
{
	long w[sizeof(*a) / sizeof(long)];
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(w); i++) {
		errno = 0;
		w[i] = ptrace(PTRACE_PEEKDATA, pid, addr + i * sizeof(long), 0);
		if (errno)
			return -1;
	}
	memcpy(a, w, sizeof(*a));
	return 0;
}

static void tracer_case(struct __test_metadata *_metadata, bool combined,
			bool hold_dst)
{
	struct machipc_msg_args a0, a1, a2;
	struct sysstop s, entry;
	struct rig rg;
	struct result res;
	int status, i;

	memset(&rg, 0, sizeof(rg));
	rg.k = combined ? -1 : NCHUNKS / 2;
	rg.sa_flags = SA_RESTART;
	rg.combined = combined;
	rg.hold_dst = hold_dst;
	rig_start(_metadata, &rg);
	if (rg.pid < 0) {
		rig_stop(&rg);
		return;
	}
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, rg.pid, 0, PTRACE_O_TRACESYSGOOD));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, rg.pid, 0, 0));
	ASSERT_EQ(rg.pid, waitpid(rg.pid, &status, 0));
	rig_go(_metadata, &rg);

	/* the entry of the transfer's ioctl */
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, next_stop(rg.pid, 0, &entry));
		if (entry.kind == 1 && entry.info.entry.nr == SYS_ioctl &&
		    entry.info.entry.args[1] == MACHIPC_IOC_MSG)
			break;
	}
	ASSERT_GT(1000, i);
	ASSERT_EQ(0, peek_args(rg.pid, entry.info.entry.args[2], &a0));

	if (combined) {
		/* the send commits; the receive part waits for the reply */
		ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, rg.pid, 0, 0));
		ASSERT_EQ(0, rcv_thread_join(&rg.rt, WAIT_MS));
		ASSERT_EQ(0, rg.rt.err);
		expect_delivered(_metadata, &rg, &rg.rt.r);
		ASSERT_EQ(0, mt_wait_in_ioctl(rg.pid, rg.pid, WAIT_MS));
	} else {
		ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, rg.pid, 0, 0));
		ASSERT_EQ(0, oa_pager_wait_held(rig_holder(&rg), 1, WAIT_MS));
	}
	i = oa_pager_nheld(rig_holder(&rg));
	ASSERT_EQ(0, kill(rg.pid, SIGUSR1));
	if (wait_stopped(rg.pid, &status, ABORT_MS)) {
		no_abort(_metadata, &rg, "SIGUSR1 under PTRACE_SYSCALL", i);
		ASSERT_TRUE(0);
	}
	ASSERT_EQ(SIGTRAP | 0x80, WSTOPSIG(status));
	ASSERT_LT(0, ptrace(PTRACE_GET_SYSCALL_INFO, rg.pid, sizeof(s.info),
			    &s.info));
	ASSERT_EQ(PTRACE_SYSCALL_INFO_EXIT, s.info.op);
	EXPECT_EQ(-512, s.info.exit.rval);
	ASSERT_EQ(0, peek_args(rg.pid, entry.info.entry.args[2], &a1));
	a2 = a0;
	if (combined) {
		a2.flags &= ~(MACHIPC_MSG_SEND | MACHIPC_MSG_SEND_TIMEOUT);
		a2.send_msg = 0;
		a2.send_size = 0;
	} else {
		expect_port(_metadata, &rg, 0, 0, "at the syscall exit");
	}
	EXPECT_EQ(0, memcmp(&a1, &a2, sizeof(a1)))
		TH_LOG("args block: flags %#x send_msg %#llx send_size %u rcv_size %u",
		       a1.flags, (unsigned long long)a1.send_msg, a1.send_size,
		       a1.rcv_size);

	/* the signal, its handler, then the same ioctl again */
	ASSERT_EQ(0, next_stop(rg.pid, 0, &s));
	ASSERT_EQ(3, s.kind);
	ASSERT_EQ(SIGUSR1, s.sig);
	for (i = 0, s.sig = SIGUSR1; i < 100; i++) {
		ASSERT_EQ(0, next_stop(rg.pid, s.kind == 3 ? s.sig : 0, &s));
		if (s.kind == 1 && s.info.entry.nr == SYS_ioctl)
			break;
	}
	ASSERT_GT(100, i);
	EXPECT_EQ(0, memcmp(entry.info.entry.args, s.info.entry.args,
			    sizeof(s.info.entry.args)));
	EXPECT_EQ(entry.info.instruction_pointer, s.info.instruction_pointer);
	ASSERT_EQ(0, peek_args(rg.pid, entry.info.entry.args[2], &a1));
	EXPECT_EQ(0, memcmp(&a1, &a2, sizeof(a1)));

	ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, rg.pid, 0, 0));
	if (combined) {
		const struct machipc_msg_header *h = (const void *)rg.rt.r.buf;

		ASSERT_EQ(0, mt_send_simple(rg.fd, h->remote_name,
					    MACHIPC_DISP_COPY_SEND, ID_REPLY,
					    NULL, 0, NULL));
	} else {
		if (!hold_dst)
			EXPECT_EQ(0, oa_pager_wait_held(&rg.pg, 2, WAIT_MS));
		rig_release(&rg);
	}
	ASSERT_EQ(0, wait_stopped(rg.pid, &status, WAIT_MS));
	ASSERT_EQ(0, ptrace(PTRACE_GET_SYSCALL_INFO, rg.pid, sizeof(s.info),
			    &s.info) <= 0);
	EXPECT_EQ(PTRACE_SYSCALL_INFO_EXIT, s.info.op);
	EXPECT_EQ(0, s.info.exit.rval);
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, rg.pid, 0, 0));

	if (!combined) {
		ASSERT_EQ(0, rcv_thread_join(&rg.rt, WAIT_MS));
		ASSERT_EQ(0, rg.rt.err);
		expect_delivered(_metadata, &rg, &rg.rt.r);
	}
	ASSERT_EQ(0, rig_result(&rg, &res, WAIT_MS));
	EXPECT_EQ(0, res.err);
	EXPECT_EQ(1, res.nsig);
	EXPECT_TRUE(res.model_ok) TH_LOG("sender: %s", res.why);
	if (combined)
		EXPECT_EQ(ID_REPLY, res.reply_id);
	expect_port(_metadata, &rg, 0, 1, "after");
	EXPECT_EQ(ETIMEDOUT, mt_recv_now(rg.fd, rg.p, rg.rt.r.buf,
					 sizeof(rg.rt.r.buf)));
	EXPECT_EQ(0, rig_reap(&rg));
	rig_stop(&rg);
}

TEST_F_TIMEOUT(chunks, tracer_sees_restart, 300)
{
	tracer_case(_metadata, false, false);
}

/* The same, held while the receiver faults its buffer in. */
TEST_F_TIMEOUT(chunks, tracer_sees_restart_dst, 300)
{
	tracer_case(_metadata, false, true);
}

TEST_F_TIMEOUT(chunks, tracer_combined_receive_restart, 300)
{
	tracer_case(_metadata, true, false);
}

/* ------------------------------------------------------------------ */
/* Injected aborts at every chunk boundary                             */
/* ------------------------------------------------------------------ */

struct send_thread {
	int fd;
	const __u64 *msg;
	pthread_t th;
	atomic_int done;
	int err;
};

static void *send_thread_fn(void *arg)
{
	struct send_thread *t = arg;

	t->err = oa_send(t->fd, t->msg, 0);
	atomic_store(&t->done, 1);
	return NULL;
}

static int send_thread_start(struct send_thread *t)
{
	atomic_store(&t->done, 0);
	return pthread_create(&t->th, NULL, send_thread_fn, t) ? -1 : 0;
}

static int send_thread_join(struct send_thread *t, long ms)
{
	return join_when_done(t->th, &t->done, ms);
}

/* Two spaces of this process: a receiver with port p, a sender. */
struct pair {
	int rfd, sfd;
	__u32 p;		/* rfd: the port */
	__u32 dest;		/* sfd: send right to p */
	__u32 r, q;		/* sfd: reply port, port whose send right moves */
};

static void pair_open(struct __test_metadata *_metadata, struct pair *pr)
{
	pr->rfd = machipc_open();
	pr->sfd = machipc_open();
	ASSERT_LE(0, pr->rfd);
	ASSERT_LE(0, pr->sfd);
	pr->p = mt_alloc(pr->rfd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, pr->p);
	ASSERT_EQ(0, mt_give_send(pr->rfd, pr->p, pr->sfd, &pr->dest));
	pr->r = mt_alloc(pr->sfd, MACHIPC_RIGHT_RECEIVE);
	pr->q = mt_alloc(pr->sfd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, pr->r);
	ASSERT_NE(0, pr->q);
}

/* Give the sender a send right under q again, as before every message. */
static void pair_arm(struct __test_metadata *_metadata, struct pair *pr)
{
	__u32 rights = 0;

	ASSERT_EQ(0, mt_info(pr->sfd, pr->q, &rights, NULL));
	if (!(rights & MACHIPC_RIGHT_SEND))
		ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(pr->sfd, pr->q,
							      MACHIPC_DISP_MAKE_SEND,
							      NULL)));
}

/* Drop the rights a received test message brought. */
static void pair_drop(struct pair *pr, const struct oa_rcv *r)
{
	const struct machipc_msg_header *h = (const void *)r->buf;
	const struct machipc_msg_desc *d = (const void *)(h + 1);
	unsigned int i;

	if (h->remote_name)
		machipc_port_deallocate(pr->rfd, h->remote_name);
	for (i = 0; i < h->desc_count && i <= OA_MAX_REGIONS; i++)
		if (d[i].type == MACHIPC_DESC_PORT && d[i].name)
			machipc_port_deallocate(pr->rfd, d[i].name);
}

static void pair_close(struct pair *pr)
{
	close(pr->sfd);
	close(pr->rfd);
}

/*
 * Disarm inject_abort_chunk: -1 as documented; if the kernel refuses it,
 * the same bits unsigned, so that no later transfer aborts.  0 or -1.
 */
static int inject_disarm(void)
{
	if (!mt_write_file(DBG "inject_abort_chunk", "-1"))
		return 0;
	mt_write_file(DBG "inject_abort_chunk", "18446744073709551615");
	return -1;
}

TEST_F_TIMEOUT(chunks, inject_abort_every_chunk, 600)
{
	struct mt_snap *sb = malloc(sizeof(*sb)), *rb = malloc(sizeof(*rb));
	struct oa_region reg[2];
	const void *src[2];
	void *dst[2];
	size_t cap[2];
	struct pair pr;
	struct oa_rcv rcv;
	__u64 msg[OA_MSG_WORDS], seq = 1, seqno = 0;
	unsigned int cp, nchunks, side, k, disarm_failed = 0;
	char *area;
	size_t area_len;
	long v;

	ASSERT_NE(NULL, sb);
	ASSERT_NE(NULL, rb);
	if (mt_read_long(DBG "inject_abort_chunk", &v) ||
	    mt_read_long(DBG "aborts_injected", &v))
		SKIP(return, "no " DBG "inject_abort_chunk");
	pair_open(_metadata, &pr);
	cp = chunk_pages(pr.rfd);
	ASSERT_LT(0, cp);

	/* an unaligned region and an aligned one: chunks count across both */
	area_len = (size_t)9 * cp * OA_PAGE;
	area = mmap(NULL, area_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	reg[0].addr = (unsigned long)area + 104;
	reg[0].len = 4 * cp * OA_PAGE - 104 + 8 * 3;
	reg[1].addr = (unsigned long)area + 5 * cp * OA_PAGE;
	reg[1].len = 4 * cp * OA_PAGE - 64;
	nchunks = oa_region_chunks(reg[0].addr, reg[0].len, cp) +
		  oa_region_chunks(reg[1].addr, reg[1].len, cp);
	TH_LOG("chunk_pages %u: %u chunks", cp, nchunks);
	for (k = 0; k < 2; k++) {
		src[k] = (void *)reg[k].addr;
		cap[k] = reg[k].len;
		dst[k] = malloc(cap[k]);
		ASSERT_NE(NULL, dst[k]);
	}

	for (side = 0; side < 2; side++) {
		for (k = 0; k <= nchunks; k++) {
			struct send_thread st = { .fd = pr.sfd, .msg = msg };
			struct rcv_thread rt;
			char num[16];
			long n0 = -1, n1 = -1, armed = 0;
			__u64 su, ru;
			bool abort = k < nchunks;

			TH_LOG("side %u chunk %u", side, k);
			oa_fill((void *)reg[0].addr, reg[0].len, seq, 0);
			oa_fill((void *)reg[1].addr, reg[1].len, seq, 1);
			pair_arm(_metadata, &pr);
			oa_build(msg, pr.dest, pr.r, pr.q, reg, src, 2, seq, ID_OOL);
			ASSERT_EQ(0, mt_snap_take(pr.sfd, sb));
			su = usage(pr.sfd);
			ASSERT_EQ(0, mt_read_long(DBG "aborts_injected", &n0));
			ASSERT_EQ(0, mt_write_file(DBG "inject_abort_side",
						   side ? "1" : "0"));
			snprintf(num, sizeof(num), "%u", k);
			ASSERT_EQ(0, mt_write_file(DBG "inject_abort_chunk", num));

			if (side == 0) {
				/* the receiver is interrupted */
				ASSERT_EQ(0, send_thread_start(&st));
				ASSERT_EQ(0, wait_msgcount(pr.rfd, pr.p, 1, WAIT_MS));
				ASSERT_EQ(0, mt_snap_take(pr.rfd, rb));
				ru = usage(pr.rfd);
				if (abort) {
					EXPECT_EQ(EINTR, oa_receive(pr.rfd, pr.p, &rcv,
								    dst, cap, 2,
								    mt_now_ns() + WAIT_MS * MS));
					EXPECT_SNAP_UNCHANGED(pr.rfd, rb, "receiver");
					EXPECT_EQ(ru, usage(pr.rfd));
					EXPECT_EQ(0, atomic_load(&st.done));
				}
				ASSERT_EQ(0, oa_receive(pr.rfd, pr.p, &rcv, dst, cap,
							2, mt_now_ns() + WAIT_MS * MS));
				ASSERT_EQ(0, send_thread_join(&st, WAIT_MS));
				EXPECT_EQ(0, st.err);
			} else {
				/* the sender is interrupted */
				memset(&rt, 0, sizeof(rt));
				rt.fd = pr.rfd;
				rt.name = pr.p;
				memcpy(rt.dst, dst, sizeof(dst));
				memcpy(rt.cap, cap, sizeof(cap));
				rt.n = 2;
				rt.deadline = mt_now_ns() + 4 * WAIT_MS * MS;
				ASSERT_EQ(0, mt_snap_take(pr.rfd, rb));
				ru = usage(pr.rfd);
				ASSERT_EQ(0, rcv_thread_start(&rt));
				if (abort) {
					EXPECT_EQ(EINTR, oa_send(pr.sfd, msg, 0));
					EXPECT_SNAP_UNCHANGED(pr.sfd, sb, "sender");
					EXPECT_EQ(su, usage(pr.sfd));
					EXPECT_SNAP_UNCHANGED(pr.rfd, rb, "receiver");
					EXPECT_EQ(0, atomic_load(&rt.done));
				}
				EXPECT_EQ(0, oa_send(pr.sfd, msg, 0));
				ASSERT_EQ(0, rcv_thread_join(&rt, WAIT_MS));
				ASSERT_EQ(0, rt.err);
				rcv = rt.r;
			}
			check_rcv(_metadata, &rcv, seq, 2, dst, seqno);
			ASSERT_EQ(0, mt_read_long(DBG "aborts_injected", &n1));
			EXPECT_EQ(n0 + abort, n1);
			ASSERT_EQ(0, mt_read_long(DBG "inject_abort_chunk", &armed));
			EXPECT_EQ(abort ? -1 : (long)k, armed);
			if (!abort && inject_disarm())
				disarm_failed++;
			predict_sent(sb, pr.r, pr.q);
			EXPECT_SNAP_UNCHANGED(pr.sfd, sb, "sender after delivery");
			EXPECT_EQ(su, usage(pr.sfd));
			EXPECT_EQ(ETIMEDOUT, mt_recv_now(pr.rfd, pr.p, rcv.buf,
							 sizeof(rcv.buf)));
			pair_drop(&pr, &rcv);
			seq++;
			seqno++;
			if (_metadata->exit_code != KSFT_PASS)
				break;
		}
	}
	inject_disarm();
	mt_write_file(DBG "inject_abort_side", "0");
	EXPECT_EQ(0, disarm_failed)
		TH_LOG("writing -1 to inject_abort_chunk fails");
	pair_close(&pr);
	free(sb);
	free(rb);
}

/* ------------------------------------------------------------------ */
/* strace -f over 64 MiB under an interval timer                       */
/* ------------------------------------------------------------------ */

#define STORM_MSGS	64
#define STORM_SIZE	(1024UL * 1024)

static atomic_int storm_nsig, storm_mark;
static atomic_long storm_us;

/*
 * SIGALRM: when 8 signals passed without a completed transfer, the interval
 * is too short for a transfer (which restarts from scratch): double it.
 */
static void storm_set(long us)
{
	struct itimerval it;

	atomic_store(&storm_us, us);
	it.it_interval.tv_sec = us / 1000000;
	it.it_interval.tv_usec = us % 1000000;
	it.it_value = it.it_interval;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void storm_alarm(int sig)
{
	int n = atomic_fetch_add(&storm_nsig, 1) + 1;
	long us = atomic_load(&storm_us);

	(void)sig;
	if (n - atomic_load(&storm_mark) >= 8 && us < 1000000) {
		storm_set(us * 2);
		atomic_store(&storm_mark, n);
	}
}

static int storm_timer(long us)
{
	if (set_handler(SIGALRM, storm_alarm, SA_RESTART))
		return -1;
	storm_set(us);
	return 0;
}

/* After a completed transfer: shorten the interval again (min 300 us). */
static void storm_progress(void)
{
	long us = atomic_load(&storm_us);

	atomic_store(&storm_mark, atomic_load(&storm_nsig));
	if (us > 400)
		storm_set(us * 3 / 4);
}

static int storm_client(int bfd)
{
	struct oa_region reg;
	const void *src;
	__u64 msg[OA_MSG_WORDS];
	__u32 dest;
	char *buf;
	int fd, i, err, neintr = 0;

	fd = machipc_open();
	if (fd < 0 || machipc_bootstrap_import(fd, bfd, &dest))
		return 20;
	buf = mmap(NULL, STORM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 21;
	if (storm_timer(300))
		return 22;
	reg.addr = (unsigned long)buf;
	reg.len = STORM_SIZE;
	src = buf;
	for (i = 0; i < STORM_MSGS; i++) {
		oa_fill(buf, STORM_SIZE, i + 1, 0);
		oa_build(msg, dest, 0, 0, &reg, &src, 1, i + 1, ID_OOL);
		/* EINTR breaks SA_RESTART: count it, go on to see the rest */
		while ((err = oa_send(fd, msg, 0)) == EINTR)
			neintr++;
		if (err) {
			fprintf(stderr, "client: message %d: %s (%d)\n", i,
				strerror(err), err);
			return 23;
		}
		storm_progress();
	}
	fprintf(stderr, "client: %d signals, interval %ld us at the end\n",
		atomic_load(&storm_nsig), atomic_load(&storm_us));
	if (neintr) {
		fprintf(stderr, "client: %d sends failed with EINTR\n", neintr);
		return 24;
	}
	return 0;
}

static int storm_server(void)
{
	struct oa_rcv *r = malloc(sizeof(*r));
	const struct oa_meta *m;
	void *dst[1];
	size_t cap[1] = { STORM_SIZE };
	int fd, bfd, i, err, st;
	__u32 p;
	pid_t pid;

	fd = machipc_open();
	if (!r || fd < 0)
		return 30;
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND, 0);
	if (!p || bfd < 0)
		return 31;
	dst[0] = mmap(NULL, STORM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dst[0] == MAP_FAILED)
		return 32;
	pid = fork();
	if (pid < 0)
		return 33;
	if (pid == 0)
		_exit(storm_client(bfd));
	close(bfd);
	if (storm_timer(300))
		return 34;
	for (i = 0; i < STORM_MSGS; i++) {
		do {
			/* a client that died ends the wait */
			err = oa_receive(fd, p, r, dst, cap, 1,
					 mt_now_ns() + 5 * SEC);
		} while (err == ETIMEDOUT && waitpid(pid, &st, WNOHANG) == 0);
		if (err) {
			fprintf(stderr, "server: message %d: %s (%d)\n", i,
				strerror(err), err);
			return 35;
		}
		m = oa_rcv_meta(r);
		if (!m || m->seq != (__u64)i + 1 ||
		    oa_rcv_trailer(r)->seqno != (__u64)i ||
		    oa_first_bad(dst[0], STORM_SIZE, i + 1, 0) != -1 ||
		    oa_csum_update(OA_CSUM_SEED, dst[0], STORM_SIZE) != m->csum) {
			fprintf(stderr, "server: message %d is wrong\n", i);
			return 36;
		}
		storm_progress();
	}
	storm_set(0);
	st = mt_wait(pid);
	if (st)
		return st == 24 ? 24 : 37;
	if (mt_recv_now(fd, p, r->buf, sizeof(r->buf)) != ETIMEDOUT)
		return 38;
	fprintf(stderr, "server: %d signals\n", atomic_load(&storm_nsig));
	return 0;
}

/* The workload that strace runs: this program with OOL_ATOMIC_WORKLOAD. */
__attribute__((constructor)) static void storm_entry(void)
{
	const char *w = getenv("OOL_ATOMIC_WORKLOAD");

	if (w && !strcmp(w, "storm"))
		_exit(storm_server());
}

/* Log the @n lines of @path up to the first one that contains @a. */
static void log_before(struct __test_metadata *_metadata, const char *path,
		       const char *a, int n)
{
	char (*ring)[256] = calloc(n, 256);
	FILE *f = fopen(path, "r");
	int i = 0, k;

	if (!f || !ring) {
		if (f)
			fclose(f);
		free(ring);
		return;
	}
	while (fgets(ring[i % n], 256, f))
		if (strstr(ring[i++ % n], a))
			break;
	fclose(f);
	for (k = i > n ? i - n : 0; k < i; k++)
		TH_LOG("%s", ring[k % n]);
	free(ring);
}

static int count_lines(const char *path, const char *a, const char *b)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	fclose(f);
	return n;
}

TEST_F_TIMEOUT(chunks, strace_storm_64mib, 600)
{
	static const char strace[] = "/usr/bin/strace";
	char self_exe[512], log[] = "strace.log";
	int restarts, signals, errors, st;
	ssize_t n;
	pid_t pid;

	chunk_pages_restore(self->old_chunk_pages);	/* the default chunks */
	if (access(strace, X_OK))
		SKIP(return, "no %s", strace);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	ASSERT_LT(0, n);
	self_exe[n] = 0;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		setenv("OOL_ATOMIC_WORKLOAD", "storm", 1);
		execl(strace, strace, "-f", "-qq", "-e", "trace=ioctl", "-o",
		      log, self_exe, (char *)NULL);
		_exit(99);
	}
	st = mt_wait(pid);
	if (st)
		log_before(_metadata, log, "= -1", 16);
	ASSERT_EQ(0, st) TH_LOG("strace of the workload exited with %d", st);
	restarts = count_lines(log, "ioctl", "ERESTARTSYS");
	signals = count_lines(log, "SIGALRM", NULL);
	/* the server's 5 s receive deadlines may pass: not an error */
	errors = count_lines(log, "ioctl", "= -1") -
		 count_lines(log, "ioctl", "= -1 ETIMEDOUT");
	if (errors)
		log_before(_metadata, log, "= -1 EINTR", 4);
	TH_LOG("%d interrupted ioctls, %d SIGALRM, %d failed ioctls",
	       restarts, signals, errors);
	EXPECT_LT(0, restarts);
	EXPECT_LT(0, signals);
	EXPECT_EQ(0, errors);
	/*
	 * A leaked -ERESTARTSYS reads "= -1 ERRNO_512 (Unknown error 512)";
	 * a bare "512" also matches addresses and pids.
	 */
	EXPECT_EQ(0, count_lines(log, "ioctl", "ERRNO_512"));
	EXPECT_EQ(0, count_lines(log, "ioctl", "error 512"));
}

/*
 * The first out-of-line send of a process, with many mappings and SIGALRM
 * (SA_RESTART) every 100 us: it must restart, never fail with EINTR.
 */
static int first_send_child(int bfd, __u64 seq)
{
	struct oa_region reg;
	const void *src;
	__u64 msg[OA_MSG_WORDS];
	size_t len = 16 * OA_PAGE;
	__u32 dest;
	char *buf;
	int fd, i, err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = machipc_open();
	if (fd < 0 || machipc_bootstrap_import(fd, bfd, &dest))
		return 10;
	for (i = 0; i < 2000; i++)
		mmap(NULL, OA_PAGE, i & 1 ? PROT_READ : PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 11;
	oa_fill(buf, len, seq, 0);
	reg.addr = (unsigned long)buf;
	reg.len = len;
	src = buf;
	oa_build(msg, dest, 0, 0, &reg, &src, 1, seq, ID_OOL);
	if (storm_timer(100))
		return 12;
	err = oa_send(fd, msg, 0);
	storm_set(0);
	if (err == EINTR)
		return 3;
	return err ? 4 : 0;
}

TEST_F_TIMEOUT(chunks, first_send_under_signals, 300)
{
	long n = mt_scaled(10, 3), i, neintr = 0;
	struct oa_rcv *r = malloc(sizeof(*r));
	void *dst[1];
	size_t cap[1] = { 16 * OA_PAGE };
	__u64 seqno = 0;
	__u32 p;
	int fd, bfd;

	ASSERT_NE(NULL, r);
	dst[0] = malloc(cap[0]);
	ASSERT_NE(NULL, dst[0]);
	fd = machipc_open();
	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		int err, st = -1;

		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(first_send_child(bfd, i + 1));
		do {
			err = oa_receive(fd, p, r, dst, cap, 1,
					 mt_now_ns() + 2 * SEC);
		} while (err == ETIMEDOUT && waitpid(pid, &st, WNOHANG) == 0);
		if (st < 0)
			st = mt_wait(pid);
		else
			st = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		neintr += st == 3;
		EXPECT_NE(4, st);
		if (err == 0) {
			check_rcv(_metadata, r, i + 1, 1, dst, seqno);
			seqno++;
			EXPECT_EQ(0, st);
		}
	}
	EXPECT_EQ(0, neintr)
		TH_LOG("%ld of %ld first sends failed with EINTR under SA_RESTART",
		       neintr, n);
	EXPECT_EQ(ETIMEDOUT, mt_recv_now(fd, p, r->buf, sizeof(r->buf)));
	close(bfd);
	close(fd);
	free(dst[0]);
	free(r);
}

/* ------------------------------------------------------------------ */
/* The source changes during the copy                                  */
/* ------------------------------------------------------------------ */

#define MARKER	0x6d61726b65722121ULL	/* "marker!!" */

/*
 * Fork a child that writes MARKER over @len bytes of @area (its copy after
 * the fork) and exits: the receiver must never see it.  The child's pid.
 */
static pid_t fork_marker_writer(void *area, size_t len)
{
	pid_t child = fork();

	if (child == 0) {
		__u64 *w = area;
		size_t j;

		for (j = 0; j < len / 8; j++)
			w[j] = MARKER;
		_exit(0);
	}
	return child;
}

enum page_kind { PG_ORIG, PG_ZERO, PG_MARK, PG_OTHER };

static enum page_kind page_kind(const char *p, __u64 seq, __u64 page)
{
	const __u64 *w = (const void *)p;
	unsigned int i, n = OA_PAGE / 8;

	for (i = 0; i < n && w[i] == oa_word(seq, 0, page * n + i); i++)
		;
	if (i == n)
		return PG_ORIG;
	for (i = 0; i < n && !w[i]; i++)
		;
	if (i == n)
		return PG_ZERO;
	for (i = 0; i < n && w[i] == MARKER; i++)
		;
	return i == n ? PG_MARK : PG_OTHER;
}

/*
 * Every page of @dst is of one kind, and that kind is allowed by @ok (a
 * mask of 1 << enum page_kind); the kind, or -1 (logged).
 */
static int one_snapshot(struct __test_metadata *_metadata, const char *dst,
			size_t len, __u64 seq, unsigned int ok)
{
	static const char *const names[] = { "orig", "zero", "marker", "other" };
	size_t i, npages = len / OA_PAGE;
	enum page_kind first = page_kind(dst, seq, 0), kind;

	for (i = 1; i < npages; i++) {
		kind = page_kind(dst + i * OA_PAGE, seq, i);
		if (kind != first) {
			TH_LOG("page 0 is %s but page %zu is %s", names[first],
			       i, names[kind]);
			return -1;
		}
	}
	if (!(ok & (1U << first))) {
		TH_LOG("every page is %s", names[first]);
		return -1;
	}
	return first;
}

enum race { RACE_FORK, RACE_MUNMAP, RACE_MPROTECT, RACE_DONTNEED };

/* Spin for @ns nanoseconds. */
static void spin_ns(long long ns)
{
	long long end = mt_now_ns() + ns;

	while (mt_now_ns() < end)
		;
}

static void race_case(struct __test_metadata *_metadata, enum race race)
{
	static const char *const what[] = { "fork", "munmap", "mprotect",
					    "dontneed" };
	unsigned int ok = 1U << PG_ORIG;
	struct pair pr;
	struct oa_region reg;
	const void *src;
	__u64 msg[OA_MSG_WORDS], seqno = 0;
	long iters = mt_scaled(12, 3), i, nfault = 0, nzero = 0;
	long long t_copy = 0;
	size_t len;
	unsigned int cp;

	if (race == RACE_DONTNEED)
		ok |= 1U << PG_ZERO;
	pair_open(_metadata, &pr);
	cp = chunk_pages(pr.rfd);
	ASSERT_LT(0, cp);
	len = (size_t)16 * cp * OA_PAGE;

	for (i = 0; i <= iters; i++) {
		struct send_thread st = { .fd = pr.sfd, .msg = msg };
		struct rcv_thread rt;
		const struct machipc_msg_header *h;
		char *area;
		long long t0;
		pid_t child = -1;

		area = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, area);
		oa_fill(area, len, i + 1, 0);
		reg.addr = (unsigned long)area;
		reg.len = len;
		src = area;
		oa_build(msg, pr.dest, 0, 0, &reg, &src, 1, i + 1, ID_OOL);

		memset(&rt, 0, sizeof(rt));
		rt.fd = pr.rfd;
		rt.name = pr.p;
		rt.dst[0] = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, rt.dst[0]);
		rt.cap[0] = len;
		rt.n = 1;
		rt.deadline = mt_now_ns() + WAIT_MS * MS;
		ASSERT_EQ(0, rcv_thread_start(&rt));
		t0 = mt_now_ns();
		ASSERT_EQ(0, send_thread_start(&st));
		if (i > 0) {
			/* iteration 0 measures a copy; then race within it */
			spin_ns(random() % (t_copy + 1));
			switch (race) {
			case RACE_FORK:
				child = fork_marker_writer(area, len);
				ASSERT_LE(0, child);
				break;
			case RACE_MUNMAP:
				ASSERT_EQ(0, munmap(area, len));
				break;
			case RACE_MPROTECT:
				ASSERT_EQ(0, mprotect(area, len, PROT_NONE));
				break;
			case RACE_DONTNEED:
				ASSERT_EQ(0, madvise(area, len, MADV_DONTNEED));
				break;
			}
		}
		if (send_thread_join(&st, WAIT_MS)) {
			TH_LOG("%s: iteration %ld: the send is stuck; the receive %s (%d)",
			       what[race], i,
			       atomic_load(&rt.done) ? "returned" : "waits",
			       rt.err);
			dump_task(_metadata, getpid());
			ASSERT_TRUE(0);
		}
		if (i == 0)
			t_copy = mt_now_ns() - t0;
		if (child > 0)
			EXPECT_EQ(0, mt_wait(child));
		EXPECT_NE(512, st.err);
		if (st.err == EFAULT &&
		    (race == RACE_MUNMAP || race == RACE_MPROTECT)) {
			nfault++;
			ASSERT_EQ(0, mt_send_simple(pr.sfd, pr.dest,
						    MACHIPC_DISP_COPY_SEND,
						    ID_ABORTED, NULL, 0, NULL));
		} else {
			EXPECT_EQ(0, st.err)
				TH_LOG("%s: send: %s", what[race], strerror(st.err));
		}
		ASSERT_EQ(0, rcv_thread_join(&rt, WAIT_MS));
		ASSERT_EQ(0, rt.err);
		h = (const void *)rt.r.buf;
		EXPECT_EQ(seqno, oa_rcv_trailer(&rt.r)->seqno);
		seqno++;
		if (st.err) {
			EXPECT_EQ(ID_ABORTED, h->id);
		} else {
			const struct oa_meta *m = oa_rcv_meta(&rt.r);
			int kind;

			EXPECT_EQ(ID_OOL, h->id);
			ASSERT_NE(NULL, m);
			EXPECT_EQ((__u64)i + 1, m->seq);
			kind = one_snapshot(_metadata, rt.dst[0], len, i + 1, ok);
			EXPECT_LE(0, kind) TH_LOG("%s: iteration %ld", what[race], i);
			if (kind == PG_ORIG)
				EXPECT_EQ(m->csum, oa_csum_update(OA_CSUM_SEED,
								  rt.dst[0], len));
			nzero += kind == PG_ZERO;
		}
		EXPECT_EQ(ETIMEDOUT, mt_recv_now(pr.rfd, pr.p, rt.r.buf,
						 sizeof(rt.r.buf)));
		munmap(rt.dst[0], len);
		munmap(area, len);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	TH_LOG("%s: %ld iterations, copy %lld us, %ld EFAULT, %ld zeroed",
	       what[race], iters, t_copy / 1000, nfault, nzero);
	pair_close(&pr);
}

TEST_F_TIMEOUT(chunks, fork_race_marker_never_seen, 300)
{
	race_case(_metadata, RACE_FORK);
}

TEST_F_TIMEOUT(chunks, munmap_race, 300)
{
	race_case(_metadata, RACE_MUNMAP);
}

TEST_F_TIMEOUT(chunks, mprotect_none_race, 300)
{
	race_case(_metadata, RACE_MPROTECT);
}

TEST_F_TIMEOUT(chunks, dontneed_race, 300)
{
	race_case(_metadata, RACE_DONTNEED);
}

/*
 * Deterministic fork: the sender is held at a middle chunk by a pager of
 * this very process; another thread forks, the child writes the marker
 * into every page; then the chunk is released.
 */
TEST_F_TIMEOUT(chunks, fork_while_held, 300)
{
	struct send_thread st;
	struct rcv_thread rt;
	struct oa_pager pg;
	struct oa_region reg;
	struct pair pr;
	const void *src;
	__u64 msg[OA_MSG_WORDS];
	unsigned int cp, k;
	char *area, *image;
	size_t len;
	pid_t child;
	int uffd;

	pair_open(_metadata, &pr);
	cp = chunk_pages(pr.rfd);
	ASSERT_LT(0, cp);
	len = (size_t)NCHUNKS * cp * OA_PAGE;
	k = NCHUNKS / 2;
	image = malloc(len);
	ASSERT_NE(NULL, image);
	oa_fill(image, len, 1, 0);
	area = oa_map_missing(len);
	ASSERT_NE(MAP_FAILED, area);
	uffd = oa_uffd_register(area, len);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, oa_pager_start(&pg, uffd, (unsigned long)area, len, image));
	oa_pager_hold(&pg, (unsigned long)area + k * cp * OA_PAGE,
		      (unsigned long)area + (k + 1) * cp * OA_PAGE);
	reg.addr = (unsigned long)area;
	reg.len = len;
	src = image;
	oa_build(msg, pr.dest, 0, 0, &reg, &src, 1, 1, ID_OOL);

	memset(&rt, 0, sizeof(rt));
	rt.fd = pr.rfd;
	rt.name = pr.p;
	rt.dst[0] = malloc(len);
	ASSERT_NE(NULL, rt.dst[0]);
	rt.cap[0] = len;
	rt.n = 1;
	ASSERT_EQ(0, rcv_thread_start(&rt));
	memset(&st, 0, sizeof(st));
	st.fd = pr.sfd;
	st.msg = msg;
	ASSERT_EQ(0, send_thread_start(&st));
	ASSERT_EQ(0, oa_pager_wait_held(&pg, 1, WAIT_MS));

	child = fork_marker_writer(area, len);
	ASSERT_LE(0, child);
	EXPECT_EQ(0, mt_wait(child));
	oa_pager_release(&pg);
	if (send_thread_join(&st, WAIT_MS)) {
		TH_LOG("the send is stuck after the fork; the receive %s (%d)",
		       atomic_load(&rt.done) ? "returned" : "waits", rt.err);
		dump_task(_metadata, getpid());
		ASSERT_TRUE(0);
	}
	EXPECT_EQ(0, st.err);
	ASSERT_EQ(0, rcv_thread_join(&rt, WAIT_MS));
	ASSERT_EQ(0, rt.err);
	{
		void *dst[1] = { rt.dst[0] };

		check_rcv(_metadata, &rt.r, 1, 1, dst, 0);
	}
	EXPECT_EQ(PG_ORIG, one_snapshot(_metadata, rt.dst[0], len, 1,
					1U << PG_ORIG));
	oa_pager_stop(&pg);
	munmap(area, len);
	pair_close(&pr);
}

TEST_HARNESS_MAIN
