// SPDX-License-Identifier: GPL-2.0
/*
 * ool_pager: out-of-line data whose source is memory nobody trusts.
 *
 * 1. A FUSE-backed source (ool_pager.h serves the file): with a responsive
 *    server the receiver gets the file exactly; with READ stalled, a
 *    receiver gives up at its deadline (ETIMEDOUT) or on a signal (EINTR),
 *    holding nothing and leaving the message queued; SIGKILL of the stalled
 *    sender frees everything and the waiting receiver takes the next
 *    message; after un-stalling, the queued message and a fresh one move.
 * 2. A memory cgroup at its limit: sender and receiver in a child cgroup
 *    with memory.max just above their usage move out-of-line and inline
 *    data; every failure is ENOMEM/ENOBUFS/ETIMEDOUT, delivery is exactly
 *    once, the OOM killer never runs.  And a receiver whose machipc account
 *    cannot pay cost_copy, with the sender in another process.
 * 3. Wait-queue lifetime: a sender blocked in an out-of-line send while
 *    the receiver's port is destroyed, the receiver is killed, or the
 *    sender is killed, at random points of the copy, many times.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "machipc_test.h"
#include "ool_test.h"
#include "ool_pager.h"

#define RBUF_WORDS	2048
#define LONG_MS		60000L
#define MS		1000000LL

/* ------------------------------------------------------------------ */
/* Common helpers                                                     */
/* ------------------------------------------------------------------ */

/*
 * nr_foll_pin_acquired - nr_foll_pin_released, or LLONG_MIN.  The
 * counters have per-CPU parts: fold them first (stat_refresh).
 */
static long long pins_held(void)
{
	long long acq = -1, rel = -1, v;
	char key[64];
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	FILE *f;

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("stat_refresh");
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return LLONG_MIN;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(key, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	return acq < 0 || rel < 0 ? LLONG_MIN : acq - rel;
}

/*
 * Pins held once they settle, for up to 5 s.  The count is system-wide,
 * and I/O pins its buffers while it runs: the guest's result share (9p,
 * uncached, where this test's own output is written) pins the writer's
 * buffer for each write.  Such a pin is gone within milliseconds; a pin
 * the module leaked stays.
 */
static long long pins_settled(void)
{
	long long n = pins_held();
	int i;

	for (i = 0; n && i < 50; i++) {
		usleep(100000);
		n = pins_held();
	}
	return n;
}

/* Reap @pid within @ms: its mt_wait()-style status, or -1 on timeout. */
static int wait_pid_ms(pid_t pid, long ms)
{
	long long end = mt_now_ns() + ms * MS;
	int status;

	do {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
			       254;
		if (r < 0)
			return 255;
		usleep(1000);
	} while (mt_now_ns() < end);
	return -1;
}

/* Wait until @port of @fd has @n messages queued, up to @ms; 0 if so. */
static int wait_msgcount(int fd, __u32 port, __u32 n, long ms)
{
	long long end = mt_now_ns() + ms * MS;

	while (ool_msgcount(fd, port) != n) {
		if (mt_now_ns() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}

/* Read one byte from @fd within @ms: the byte, or -1. */
static int read_byte_ms(int fd, long ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return mt_get(fd);
}

static void spin_ns(long long ns)
{
	long long end = mt_now_ns() + ns;

	while (mt_now_ns() < end)
		;
}

/*
 * A sender in a child process: it opens its own space, imports the send
 * right of bootstrap descriptor @bfd, maps its source (the pager's file
 * @file with @map_flags; or @base, inherited; or anonymous memory filled
 * with the pattern of @seed), writes 'B' on its pipe, sends bytes [@off, @off + @len) of it as
 * one region with id @id (no deadline), and writes the send's errno.
 */
struct child_sender {
	pid_t pid;
	int pipe;
};

struct send_spec {
	const char *path;	/* a file to map */
	unsigned char *base;	/* else a (shared) mapping to send from */
	int map_flags;
	size_t off, len;
	__u32 seed;		/* anonymous only */
	__u32 id;
};

static void child_send(struct pager *pg, int bfd, const struct send_spec *sp, int out)
{
	size_t maplen = sp->off + sp->len;
	__u64 sbuf[16];
	unsigned char *src;
	__u32 dest;
	int fd, s;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (pg)
		pager_forget(pg);
	s = machipc_open();
	if (s < 0 || machipc_bootstrap_import(s, bfd, &dest))
		_exit(2);
	if (sp->base) {
		src = sp->base;
	} else if (sp->path) {
		fd = open(sp->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(3);
		src = mmap(NULL, maplen, PROT_READ, sp->map_flags, fd, 0);
		close(fd);
	} else {
		src = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (src != MAP_FAILED)
			pager_fill(src + sp->off, sp->len, 0, sp->seed);
	}
	if (src == MAP_FAILED)
		_exit(4);
	if (ool_msg_one(sbuf, sizeof(sbuf), dest, src + sp->off, sp->len, sp->id))
		_exit(5);
	if (mt_put(out, 'B'))
		_exit(6);
	mt_put(out, (char)MT_ERR(machipc_send(s, sbuf, NULL)));
	_exit(0);
}

static int child_sender_start(struct child_sender *cs, struct pager *pg,
			      int bfd, const struct send_spec *sp)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -1;
	cs->pid = fork();
	if (cs->pid < 0)
		return -1;
	if (cs->pid == 0) {
		close(p[0]);
		child_send(pg, bfd, sp, p[1]);
		_exit(0);
	}
	close(p[1]);
	cs->pipe = p[0];
	/* 'B': the child is about to send */
	return read_byte_ms(cs->pipe, LONG_MS) == 'B' ? 0 : -1;
}

/* The child's send errno within @ms, or -1 (still blocked or dead). */
static int child_sender_result(struct child_sender *cs, long ms)
{
	return read_byte_ms(cs->pipe, ms);
}

static void child_sender_reap(struct child_sender *cs)
{
	if (cs->pid > 0) {
		kill(cs->pid, SIGKILL);
		waitpid(cs->pid, NULL, 0);
		cs->pid = -1;
	}
	if (cs->pipe >= 0)
		close(cs->pipe);
	cs->pipe = -1;
}

/* ------------------------------------------------------------------ */
/* 1. A FUSE-backed source                                            */
/* ------------------------------------------------------------------ */

/*
 * A stalled pager must stall only its sender.  Should anyone else wait
 * for it (a bug), the watchdog un-stalls it after STALL_MAX_MS, so that
 * the test fails instead of hanging the machine: a process that waits
 * for a FUSE request already read by the server cannot even be killed.
 */
#define STALL_MAX_MS	20000

struct watchdog {
	struct pager *pg;
	long long deadline;
	atomic_int stop, fired;
	pthread_t thread;
	bool running;
};

static void *watchdog_fn(void *arg)
{
	struct watchdog *wd = arg;

	while (!atomic_load(&wd->stop)) {
		if (mt_now_ns() > wd->deadline) {
			atomic_store(&wd->fired, 1);
			pager_resume(wd->pg);
			break;
		}
		usleep(10000);
	}
	return NULL;
}

static int watchdog_start(struct watchdog *wd, struct pager *pg)
{
	wd->pg = pg;
	wd->deadline = mt_now_ns() + STALL_MAX_MS * MS;
	atomic_store(&wd->stop, 0);
	atomic_store(&wd->fired, 0);
	wd->running = !pthread_create(&wd->thread, NULL, watchdog_fn, wd);
	return wd->running ? 0 : -1;
}

/* Stop it; 1 if it had to un-stall the pager. */
static int watchdog_stop(struct watchdog *wd)
{
	if (wd->running) {
		atomic_store(&wd->stop, 1);
		pthread_join(wd->thread, NULL);
		wd->running = false;
	}
	return atomic_load(&wd->fired);
}

/*
 * The test process receives on port p of space r; senders are child
 * processes with a send right from bootstrap descriptor bfd.
 */
FIXTURE(pager)
{
	struct watchdog wd;
	struct pager pg;
	int r, bfd;
	__u32 p;
	unsigned char *dst;
	size_t dst_len;
	unsigned int next_file;
	struct child_sender cs[2];
};

FIXTURE_VARIANT(pager)
{
	bool async_read;
	int map_flags;
};

FIXTURE_VARIANT_ADD(pager, async_shared)
{
	.async_read = true,
	.map_flags = MAP_SHARED,
};

FIXTURE_VARIANT_ADD(pager, async_private)
{
	.async_read = true,
	.map_flags = MAP_PRIVATE,
};

/* Synchronous reads: a fatal signal ends them through FUSE_INTERRUPT. */
FIXTURE_VARIANT_ADD(pager, sync_private)
{
	.async_read = false,
	.map_flags = MAP_PRIVATE,
};

FIXTURE_SETUP(pager)
{
	const char *why = "";
	int err;

	self->cs[0].pid = -1;
	self->cs[0].pipe = -1;
	self->cs[1] = self->cs[0];
	err = pager_start(&self->pg, variant->async_read, &why);
	if (err) {
		pager_stop(&self->pg);
		SKIP(return, "%s: %s", why, strerror(err));
	}
	self->r = machipc_open();
	ASSERT_LE(0, self->r);
	self->p = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->p);
	self->bfd = machipc_bootstrap_export(self->r, self->p,
					     MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, self->bfd);
	self->dst_len = PAGER_FILE_SIZE;
	self->dst = ool_map(self->dst_len);
	ASSERT_NE(NULL, self->dst);
}

FIXTURE_TEARDOWN(pager)
{
	EXPECT_EQ(0, watchdog_stop(&self->wd))
		TH_LOG("someone waited for the stalled pager: un-stalled");
	child_sender_reap(&self->cs[0]);
	child_sender_reap(&self->cs[1]);
	pager_stop(&self->pg);
	EXPECT_EQ(0, pins_settled());
	close(self->bfd);
	close(self->r);
}

/* Region of file @file that the tests send: unaligned at both ends. */
#define FILE_OFF	(3 * 4096 + 123)
#define FILE_LEN	(PAGER_FILE_SIZE - FILE_OFF - 77)

static void file_spec(struct _test_data_pager *self,
		      const struct _fixture_variant_pager *variant,
		      struct send_spec *sp, unsigned int file, char *path,
		      size_t pathlen, __u32 id)
{
	pager_path(&self->pg, file, path, pathlen);
	memset(sp, 0, sizeof(*sp));
	sp->path = path;
	sp->map_flags = variant->map_flags;
	sp->off = FILE_OFF;
	sp->len = FILE_LEN;
	sp->seed = pager_seed(file);
	sp->id = id;
}

/*
 * Receive the message of @sp within @ms and check it: id, size, every
 * byte (file byte @sp->off + i for a file).
 */
static void recv_check(struct __test_metadata *_metadata,
		       struct _test_data_pager *self,
		       const struct send_spec *sp, long ms)
{
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)self->dst, .size = self->dst_len,
	};
	const struct machipc_msg_desc *d;
	__u64 rbuf[RBUF_WORDS];
	size_t size = sizeof(rbuf), bad;
	unsigned int n = 1;

	ASSERT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, &ool, &n, ms));
	EXPECT_EQ(sp->id, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(1, n);
	d = machipc_msg_ool(rbuf, 0);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(sp->len, d->size);
	bad = pager_check(self->dst, sp->len, sp->path ? sp->off : 0,
			  sp->seed);
	EXPECT_EQ(sp->len, bad) TH_LOG("message %u: first bad byte at %zu",
				       sp->id, bad);
}

/* Send file @file from a child and receive it, the pager answering. */
static void fresh_transfer(struct __test_metadata *_metadata,
			   struct _test_data_pager *self,
			   const struct _fixture_variant_pager *variant,
			   unsigned int slot, __u32 id)
{
	long reads = atomic_load(&self->pg.sh->reads);
	struct send_spec sp;
	char path[96];

	file_spec(self, variant, &sp, self->next_file++, path, sizeof(path),
		  id);
	ASSERT_EQ(0, child_sender_start(&self->cs[slot], &self->pg, self->bfd,
					&sp));
	recv_check(_metadata, self, &sp, LONG_MS);
	EXPECT_EQ(0, child_sender_result(&self->cs[slot], LONG_MS));
	EXPECT_EQ(0, wait_pid_ms(self->cs[slot].pid, LONG_MS));
	self->cs[slot].pid = -1;
	child_sender_reap(&self->cs[slot]);
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	/* the data came through the server */
	EXPECT_LT(reads, atomic_load(&self->pg.sh->reads));
	EXPECT_EQ(0, atomic_load(&self->pg.sh->error));
}

/*
 * Stall the pager and start a sender of file @file in slot @slot; wait
 * until its message is queued.
 */
static void start_stalled(struct __test_metadata *_metadata,
			  struct _test_data_pager *self,
			  const struct _fixture_variant_pager *variant,
			  unsigned int slot, struct send_spec *sp, char *path,
			  size_t pathlen, __u32 id)
{
	pager_stall(&self->pg);
	ASSERT_EQ(0, watchdog_start(&self->wd, &self->pg));
	file_spec(self, variant, sp, self->next_file++, path, pathlen, id);
	ASSERT_EQ(0, child_sender_start(&self->cs[slot], &self->pg, self->bfd,
					sp));
	ASSERT_EQ(0, wait_msgcount(self->r, self->p, 1, LONG_MS));
}

/* What a receiver that gave up must have left: nothing. */
static void check_nothing_held(struct __test_metadata *_metadata,
			       struct _test_data_pager *self,
			       const struct mt_snap *before, __u64 usage)
{
	ASSERT_EQ(0, atomic_load(&self->wd.fired))
		TH_LOG("the receiver waited for the sender's pager");
	/* the READ really reached the pager and stalls there */
	EXPECT_LE(1, atomic_load(&self->pg.sh->held_total));
	EXPECT_EQ(1, ool_msgcount(self->r, self->p));
	EXPECT_SNAP_UNCHANGED(self->r, before, "receiver");
	EXPECT_EQ(usage, ool_usage(self->r));
	EXPECT_EQ(0, pins_settled());
	/* the sender still waits */
	EXPECT_EQ(-1, child_sender_result(&self->cs[0], 0));
}

/* Un-stall: the queued message of @sp moves, then a fresh one. */
static void resume_and_finish(struct __test_metadata *_metadata,
			      struct _test_data_pager *self,
			      const struct _fixture_variant_pager *variant,
			      const struct send_spec *sp)
{
	ASSERT_EQ(0, watchdog_stop(&self->wd))
		TH_LOG("someone waited for the stalled pager: un-stalled");
	pager_resume(&self->pg);
	if (sp) {
		recv_check(_metadata, self, sp, LONG_MS);
		EXPECT_EQ(0, child_sender_result(&self->cs[0], LONG_MS));
		EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	}
	fresh_transfer(_metadata, self, variant, 1, 0xf0);
}

/* (a) a responsive pager: exact data, from MAP_SHARED or MAP_PRIVATE. */
TEST_F_TIMEOUT(pager, responsive_exact_data, 300)
{
	fresh_transfer(_metadata, self, variant, 0, 1);
	EXPECT_EQ(0, atomic_load(&self->pg.sh->held_total));
	/* again from the same, now cached, file */
	self->next_file--;
	fresh_transfer(_metadata, self, variant, 1, 2);
}

/* (b) + (e) a stalled pager: the receiver's deadline holds. */
TEST_F_TIMEOUT(pager, stalled_receive_deadline, 300)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct send_spec sp;
	char path[96];
	long long t0, t1;
	__u64 usage;
	__u64 rbuf[RBUF_WORDS];
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)self->dst, .size = self->dst_len,
	};
	size_t size = sizeof(rbuf);
	unsigned int n = 1;

	ASSERT_NE(NULL, before);
	start_stalled(_metadata, self, variant, 0, &sp, path, sizeof(path), 3);
	ASSERT_EQ(0, mt_snap_take(self->r, before));
	usage = ool_usage(self->r);
	t0 = mt_now_ns();
	EXPECT_EQ(ETIMEDOUT, ool_recv(self->r, self->p, rbuf, &size, &ool, &n,
				      1500));
	t1 = mt_now_ns();
	EXPECT_LE(1500 * MS, t1 - t0);
	check_nothing_held(_metadata, self, before, usage);

	/* again, with the READ already stalled */
	size = sizeof(rbuf);
	n = 1;
	EXPECT_EQ(ETIMEDOUT, ool_recv(self->r, self->p, rbuf, &size, &ool, &n,
				      300));
	check_nothing_held(_metadata, self, before, usage);
	resume_and_finish(_metadata, self, variant, &sp);
	free(before);
}

static atomic_int nsig;

static void on_sig(int sig)
{
	(void)sig;
	atomic_fetch_add(&nsig, 1);
}

struct kicker {
	struct pager *pg;
	pid_t tid;
	int ok;			/* 1: the target slept on a stalled READ */
	pthread_t thread;
};

/* Signal the receiving thread once its copy stalls on the pager. */
static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;

	k->ok = pager_wait_held(k->pg, 1, LONG_MS) == 0 &&
		mt_wait_in_ioctl(getpid(), k->tid, LONG_MS) == 0;
	syscall(SYS_tgkill, getpid(), k->tid, SIGUSR1);
	return NULL;
}

/* (c) + (e) a stalled pager: a receiver without deadline takes a signal. */
TEST_F_TIMEOUT(pager, stalled_receive_signal, 300)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct sigaction sa = { .sa_handler = on_sig };
	struct kicker k = { .pg = &self->pg, .tid = gettid() };
	struct send_spec sp;
	char path[96];
	__u64 usage;
	__u64 rbuf[RBUF_WORDS];
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)self->dst, .size = self->dst_len,
	};
	size_t size = sizeof(rbuf);
	unsigned int n = 1;

	ASSERT_NE(NULL, before);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	atomic_store(&nsig, 0);
	start_stalled(_metadata, self, variant, 0, &sp, path, sizeof(path), 4);
	ASSERT_EQ(0, mt_snap_take(self->r, before));
	usage = ool_usage(self->r);
	ASSERT_EQ(0, pthread_create(&k.thread, NULL, kicker_fn, &k));
	EXPECT_EQ(EINTR, ool_recv(self->r, self->p, rbuf, &size, &ool, &n,
				  -1));
	pthread_join(k.thread, NULL);
	EXPECT_EQ(1, k.ok);
	EXPECT_EQ(1, atomic_load(&nsig));
	check_nothing_held(_metadata, self, before, usage);
	resume_and_finish(_metadata, self, variant, &sp);
	free(before);
}

struct receiver {
	struct _test_data_pager *self;
	struct send_spec *sp;	/* what must arrive */
	int err;
	__u32 id;
	size_t bad;
	atomic_int tid;
	atomic_int done;
	pthread_t thread;
};

static void *receiver_fn(void *arg)
{
	struct receiver *rc = arg;
	struct _test_data_pager *self = rc->self;
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)self->dst, .size = self->dst_len,
	};
	__u64 rbuf[RBUF_WORDS];
	size_t size = sizeof(rbuf);
	unsigned int n = 1;

	atomic_store(&rc->tid, gettid());
	rc->err = ool_recv(self->r, self->p, rbuf, &size, &ool, &n, LONG_MS);
	if (!rc->err) {
		rc->id = machipc_msg_header(rbuf)->id;
		rc->bad = pager_check(self->dst, rc->sp->len, 0, rc->sp->seed);
	}
	atomic_store(&rc->done, 1);
	return NULL;
}

/*
 * (d) + (e) SIGKILL of the stalled sender, while a receiver waits for its
 * message: the sender dies with the pager still stalled, its message
 * leaves the queue, and the receiver takes the next sender's message.
 */
TEST_F_TIMEOUT(pager, stalled_sender_sigkill, 300)
{
	struct send_spec sp, sp2 = {
		.off = 5, .len = OOL_MIB + 5, .seed = 0x77, .id = 6,
	};
	struct receiver rc = { .self = self, .sp = &sp2 };
	__u64 rbuf[RBUF_WORDS];
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)self->dst, .size = self->dst_len,
	};
	size_t size = sizeof(rbuf);
	unsigned int n = 1;
	char path[96];

	start_stalled(_metadata, self, variant, 0, &sp, path, sizeof(path), 5);
	EXPECT_EQ(ETIMEDOUT, ool_recv(self->r, self->p, rbuf, &size, &ool, &n,
				      1500));
	ASSERT_EQ(0, atomic_load(&self->wd.fired))
		TH_LOG("the receiver waited for the sender's pager");
	ASSERT_LE(1, atomic_load(&self->pg.sh->held_total));

	ASSERT_EQ(0, pthread_create(&rc.thread, NULL, receiver_fn, &rc));
	while (!atomic_load(&rc.tid))
		usleep(1000);
	ASSERT_EQ(0, mt_wait_in_ioctl(getpid(), atomic_load(&rc.tid),
				      LONG_MS));
	ASSERT_EQ(0, kill(self->cs[0].pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, wait_pid_ms(self->cs[0].pid, 30000))
		TH_LOG("the killed sender did not die while the pager stalls");
	self->cs[0].pid = -1;
	EXPECT_EQ(1, atomic_load(&self->pg.sh->stall));
	EXPECT_EQ(0, wait_msgcount(self->r, self->p, 0, 30000));
	EXPECT_EQ(0, atomic_load(&rc.done));

	ASSERT_EQ(0, child_sender_start(&self->cs[1], &self->pg, self->bfd,
					&sp2));
	pthread_join(rc.thread, NULL);
	EXPECT_EQ(0, rc.err);
	EXPECT_EQ(sp2.id, rc.id);
	EXPECT_EQ(sp2.len, rc.bad);
	EXPECT_EQ(0, child_sender_result(&self->cs[1], LONG_MS));
	EXPECT_EQ(0, wait_pid_ms(self->cs[1].pid, LONG_MS));
	self->cs[1].pid = -1;
	child_sender_reap(&self->cs[1]);
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	EXPECT_EQ(0, pins_settled());
	resume_and_finish(_metadata, self, variant, NULL);
}

/* ------------------------------------------------------------------ */
/* 2. A memory cgroup at its limit                                    */
/* ------------------------------------------------------------------ */

#define CG_ROOT		"/sys/fs/cgroup"
#define MC_SEQ_MAX	65536
#define MC_OOL_LEN	(OOL_MIB + 8)
#define MC_INLINE_MAX	8192
#define MC_END		0x80000000U
#define MC_MARGIN	(1024 * 1024)

static int cg_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

/* The value of @key in a flat-keyed file, or of the file itself. */
static long long cg_read(const char *dir, const char *file, const char *key)
{
	char path[256], k[64];
	long long v = -1, x;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!key) {
		if (fscanf(f, "%lld", &x) == 1)
			v = x;
	} else {
		while (fscanf(f, "%63s %lld", k, &x) == 2)
			if (!strcmp(k, key))
				v = x;
	}
	fclose(f);
	return v;
}

/* A child memory cgroup at @dir, or a reason to skip in @why. */
static int cg_create(char *dir, size_t len, const char **why)
{
	char buf[256] = "";
	FILE *f;

	if (access(CG_ROOT "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL)) {
		*why = "no cgroup2 at " CG_ROOT " and cannot mount it";
		return -1;
	}
	f = fopen(CG_ROOT "/cgroup.controllers", "r");
	if (!f || !fgets(buf, sizeof(buf), f) || !strstr(buf, "memory")) {
		if (f)
			fclose(f);
		*why = "no memory controller";
		return -1;
	}
	fclose(f);
	if (cg_write(CG_ROOT, "cgroup.subtree_control", "+memory")) {
		*why = "cannot enable +memory in the root's subtree_control";
		return -1;
	}
	snprintf(dir, len, CG_ROOT "/machipc-ool-pager.%d", getpid());
	if (mkdir(dir, 0755) && errno != EEXIST) {
		*why = "cannot create a child cgroup";
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s/memory.max", dir);
	if (access(buf, F_OK)) {
		rmdir(dir);
		*why = "the child cgroup has no memory.max";
		return -1;
	}
	return 0;
}

/* Shared by the test (outside the cgroup) and its two children (inside). */
struct mc_shared {
	atomic_int go, release, s_ready, r_ready, s_done, r_done;
	atomic_int filled, drained;	/* last round filled / drained */
	atomic_int rounds;
	/* failures seen, by errno */
	atomic_long s_enomem, s_enobufs, s_full, s_ool_enomem, s_ool_enobufs;
	atomic_long s_ool_timedout, r_enomem, r_enobufs, r_emsgsize;
	atomic_long ool_ok, inline_ok, received;
	/* the first unexpected event */
	atomic_int bad_line, bad_err, bad_id, bad_data;
	atomic_uint nseq;
	unsigned char sent[MC_SEQ_MAX];
	unsigned char seen[MC_SEQ_MAX];
};

/* Record the first unexpected event. */
static void mc_bad(struct mc_shared *sh, int err, int line)
{
	int zero = 0;

	if (atomic_compare_exchange_strong(&sh->bad_line, &zero, line))
		atomic_store(&sh->bad_err, err);
}

#define MC_BAD(sh, err)	mc_bad(sh, err, __LINE__)

/*
 * Touch enough stack and lock everything, so that nothing but machipc's
 * own allocations needs memory once the cgroup is at its limit: a page
 * fault there would be charged and could run the OOM killer.
 */
static void mc_prefault(void)
{
	char stack[256 * 1024];

	memset(stack, 1, sizeof(stack));
	__asm__ __volatile__("" : : "r"(stack) : "memory");
	mlockall(MCL_CURRENT | MCL_FUTURE);
}

static int mc_wait(atomic_int *v, int want, long ms)
{
	long long end = mt_now_ns() + ms * MS;

	while (atomic_load(v) < want) {
		if (mt_now_ns() > end)
			return -1;
		usleep(200);
	}
	return 0;
}

/* An inline message of @len bytes (at least 8) that start with @id. */
static int mc_send_inline(int s, __u32 dest, __u64 *buf, __u32 id,
			  size_t len, long ms)
{
	static __u64 payload[MC_INLINE_MAX / 8];
	struct machipc_msg_builder b;
	struct timespec dl;

	payload[0] = id;
	if (machipc_msg_init(&b, buf, MC_INLINE_MAX + 64, dest,
			     MACHIPC_DISP_COPY_SEND, 0, MACHIPC_DISP_NONE, id) ||
	    machipc_msg_add_data(&b, payload, len))
		return errno;
	machipc_deadline_in(&dl, ms);
	return MT_ERR(machipc_send(s, buf, &dl));
}

/* One message of the sender: the next sequence number, or -1. */
static int mc_seq(struct mc_shared *sh)
{
	unsigned int seq = atomic_fetch_add(&sh->nseq, 1);

	if (seq >= MC_SEQ_MAX) {
		MC_BAD(sh, E2BIG);
		return -1;
	}
	return (int)seq;
}

/* The sender: fill the queue until memory runs out, then move data. */
static void mc_sender(struct mc_shared *sh, int bfd, unsigned char *src)
{
	static __u64 buf[(MC_INLINE_MAX + 64) / 8];
	static const size_t sizes[] = { MC_INLINE_MAX, 1024, 16 };
	struct machipc_account_info a;
	__u64 sbuf[16];
	__u32 dest;
	int s, round, err, seq;
	unsigned int i, k;

	s = machipc_open();
	if (s < 0 || machipc_bootstrap_import(s, bfd, &dest) ||
	    machipc_account_get(s, &a)) {
		MC_BAD(sh, errno);
		return;
	}
	mc_prefault();
	atomic_store(&sh->s_ready, 1);
	if (mc_wait(&sh->go, 1, LONG_MS))
		return;
	for (round = 1; round <= atomic_load(&sh->rounds); round++) {
		/* odd rounds: the account is the limit, even: the cgroup */
		if (machipc_account_set_limit(s, round & 1 ?
					      ool_usage(s) + 64 * 1024 :
					      a.limit))
			MC_BAD(sh, errno);
		for (i = 0; i < ARRAY_LEN(sizes); i++) {
			for (;;) {
				seq = mc_seq(sh);
				if (seq < 0)
					return;
				err = mc_send_inline(s, dest, buf, seq,
						     sizes[i], 0);
				if (!err) {
					sh->sent[seq] = 1;
					atomic_fetch_add(&sh->inline_ok, 1);
					continue;
				}
				if (err == ENOMEM)
					atomic_fetch_add(&sh->s_enomem, 1);
				else if (err == ENOBUFS)
					atomic_fetch_add(&sh->s_enobufs, 1);
				else if (err == ETIMEDOUT)
					atomic_fetch_add(&sh->s_full, 1);
				else
					MC_BAD(sh, err);
				break;
			}
		}
		/* an out-of-line send at the limit, not waiting */
		seq = mc_seq(sh);
		if (seq < 0)
			return;
		memcpy(src, &seq, sizeof(seq));
		ool_msg_one(sbuf, sizeof(sbuf), dest, src, MC_OOL_LEN, seq);
		err = MT_ERR(machipc_send(s, sbuf, &(struct timespec){ 0 }));
		if (err == ENOMEM)
			atomic_fetch_add(&sh->s_ool_enomem, 1);
		else if (err == ENOBUFS)
			atomic_fetch_add(&sh->s_ool_enobufs, 1);
		else if (err == ETIMEDOUT)
			atomic_fetch_add(&sh->s_ool_timedout, 1);
		else
			MC_BAD(sh, err);
		atomic_store(&sh->filled, round);

		/* the receiver drains: out-of-line and inline data move */
		for (k = 0; k < 4; k++) {
			long long end = mt_now_ns() + LONG_MS * MS;
			struct timespec dl;

			seq = mc_seq(sh);
			if (seq < 0)
				return;
			memcpy(src, &seq, sizeof(seq));
			ool_msg_one(sbuf, sizeof(sbuf), dest, src, MC_OOL_LEN, seq);
			do {
				machipc_deadline_in(&dl, LONG_MS);
				err = MT_ERR(machipc_send(s, sbuf, &dl));
				if (err == ENOMEM)
					atomic_fetch_add(&sh->s_ool_enomem, 1);
				else if (err == ENOBUFS)
					atomic_fetch_add(&sh->s_ool_enobufs, 1);
				else if (err)
					break;
				if (err)
					usleep(500);
			} while (err && mt_now_ns() < end);
			if (err) {
				MC_BAD(sh, err);
				return;
			}
			sh->sent[seq] = 1;
			atomic_fetch_add(&sh->ool_ok, 1);
			seq = mc_seq(sh);
			if (seq < 0)
				return;
			do {
				err = mc_send_inline(s, dest, buf, seq, 64,
						     LONG_MS);
				if (err == ENOMEM || err == ENOBUFS)
					usleep(500);
			} while ((err == ENOMEM || err == ENOBUFS) &&
				 mt_now_ns() < end);
			if (err) {
				MC_BAD(sh, err);
				return;
			}
			sh->sent[seq] = 1;
			atomic_fetch_add(&sh->inline_ok, 1);
		}
		do {
			err = mc_send_inline(s, dest, buf, MC_END | round, 8,
					     LONG_MS);
			if (err == ENOMEM || err == ENOBUFS)
				usleep(500);
		} while (err == ENOMEM || err == ENOBUFS);
		if (err) {
			MC_BAD(sh, err);
			return;
		}
		if (mc_wait(&sh->drained, round, LONG_MS)) {
			MC_BAD(sh, ETIMEDOUT);
			return;
		}
	}
}

/* Take one received message into the books; 1 at the round's end. */
static int mc_account_msg(struct mc_shared *sh, const __u64 *rbuf,
			  const unsigned char *dst, const unsigned char *ref)
{
	const struct machipc_msg_header *h = machipc_msg_header(rbuf);
	const struct machipc_msg_desc *d;
	const void *data;
	__u32 seq;

	if (h->id & MC_END)
		return 1;
	if (h->id >= MC_SEQ_MAX) {
		atomic_store(&sh->bad_id, h->id);
		MC_BAD(sh, EINVAL);
		return 0;
	}
	atomic_fetch_add(&sh->received, 1);
	if (sh->seen[h->id]++)
		atomic_store(&sh->bad_id, h->id);
	d = machipc_msg_ool(rbuf, 0);
	if (d) {
		memcpy(&seq, dst, sizeof(seq));
		if (d->size != MC_OOL_LEN || seq != h->id ||
		    memcmp(dst + 8, ref + 8, MC_OOL_LEN - 8))
			atomic_store(&sh->bad_data, h->id + 1);
		return 0;
	}
	data = machipc_msg_data(rbuf, NULL);
	if (!data || *(const __u64 *)data != h->id)
		atomic_store(&sh->bad_data, h->id + 1);
	return 0;
}

/* The receiver: drain each round, out-of-line buffers first. */
static void mc_receiver(struct mc_shared *sh, int r, __u32 p,
			unsigned char *dst, const unsigned char *ref)
{
	static __u64 rbuf[(MC_INLINE_MAX + 512) / 8];
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)dst, .size = MC_OOL_LEN,
	};
	int round, err;

	mc_prefault();
	atomic_store(&sh->r_ready, 1);
	if (mc_wait(&sh->go, 1, LONG_MS))
		return;
	for (round = 1; round <= atomic_load(&sh->rounds); round++) {
		long long end;
		int last = 0;

		if (mc_wait(&sh->filled, round, LONG_MS)) {
			MC_BAD(sh, ETIMEDOUT);
			return;
		}
		end = mt_now_ns() + 4 * LONG_MS * MS;
		while (!last && mt_now_ns() < end) {
			size_t size = sizeof(rbuf);
			unsigned int n = 1;

			err = ool_recv(r, p, rbuf, &size, &ool, &n, LONG_MS);
			if (!err) {
				last = mc_account_msg(sh, rbuf, dst, ref);
				continue;
			}
			if (err != ENOMEM && err != ENOBUFS) {
				MC_BAD(sh, err);
				return;
			}
			atomic_fetch_add(err == ENOMEM ? &sh->r_enomem :
					 &sh->r_enobufs, 1);
			/* no buffers, no cost_copy: inline messages drain */
			size = sizeof(rbuf);
			n = 0;
			err = ool_recv(r, p, rbuf, &size, NULL, &n, 0);
			if (!err)
				last = mc_account_msg(sh, rbuf, dst, ref);
			else if (err == EMSGSIZE)
				atomic_fetch_add(&sh->r_emsgsize, 1);
			else if (err != ENOMEM && err != ENOBUFS &&
				 err != ETIMEDOUT)
				MC_BAD(sh, err);
			if (err)
				usleep(200);
		}
		if (!last) {
			MC_BAD(sh, ETIMEDOUT);
			return;
		}
		atomic_store(&sh->drained, round);
	}
}

static void mc_child(struct mc_shared *sh, const char *cg)
{
	unsigned char *src, *dst, *ref;
	int r, bfd;
	pid_t s;
	__u32 p;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (cg_write(cg, "cgroup.procs", "0")) {
		MC_BAD(sh, errno);
		_exit(1);
	}
	src = ool_map(MC_OOL_LEN);
	dst = ool_map(MC_OOL_LEN);
	ref = ool_map(MC_OOL_LEN);
	r = machipc_open();
	p = r < 0 ? 0 : mt_alloc(r, MACHIPC_RIGHT_RECEIVE);
	if (!src || !dst || !ref || !p ||
	    machipc_port_set_qlimit(r, p, MACHIPC_QLIMIT_MAX)) {
		MC_BAD(sh, errno);
		_exit(1);
	}
	ool_fill(ref, MC_OOL_LEN, 0x3c);
	memcpy(src, ref, MC_OOL_LEN);
	memset(dst, 0, MC_OOL_LEN);
	bfd = machipc_bootstrap_export(r, p, MACHIPC_DISP_MAKE_SEND, 0);
	if (bfd < 0) {
		MC_BAD(sh, errno);
		_exit(1);
	}
	s = fork();
	if (s < 0) {
		MC_BAD(sh, errno);
		_exit(1);
	}
	if (s == 0) {
		close(r);
		mc_sender(sh, bfd, src);
		atomic_store(&sh->s_done, 1);
		mc_wait(&sh->release, 1, 4 * LONG_MS);
		_exit(0);
	}
	close(bfd);
	mc_receiver(sh, r, p, dst, ref);
	atomic_store(&sh->r_done, 1);
	mc_wait(&sh->release, 1, 4 * LONG_MS);
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	_exit(0);
}

/* The cgroup tests need no state of their own. */
FIXTURE(cg)
{
	int unused;
};

FIXTURE_SETUP(cg)
{
}

FIXTURE_TEARDOWN(cg)
{
	EXPECT_EQ(0, pins_settled());
}

TEST_F_TIMEOUT(cg, memcg_at_limit_clean_errors, 600)
{
	struct mc_shared *sh;
	const char *why = "";
	char cg[128], max[32];
	long long cur, oom_kill, oom, nmax;
	unsigned int i, lost = 0, dup = 0;
	pid_t c;
	int st;

	if (cg_create(cg, sizeof(cg), &why))
		SKIP(return, "%s", why);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	atomic_store(&sh->rounds, (int)mt_scaled(12, 4));
	c = fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		mc_child(sh, cg);
		_exit(0);
	}
	EXPECT_EQ(0, mc_wait(&sh->r_ready, 1, LONG_MS));
	EXPECT_EQ(0, mc_wait(&sh->s_ready, 1, LONG_MS));
	cur = cg_read(cg, "memory.current", NULL);
	EXPECT_LT(0, cur);
	snprintf(max, sizeof(max), "%lld", cur + MC_MARGIN);
	EXPECT_EQ(0, cg_write(cg, "memory.max", max));
	cg_write(cg, "memory.swap.max", "0");
	atomic_store(&sh->go, 1);

	EXPECT_EQ(0, mc_wait(&sh->r_done, 1, 6 * LONG_MS));
	EXPECT_EQ(0, mc_wait(&sh->s_done, 1, LONG_MS));
	oom_kill = cg_read(cg, "memory.events", "oom_kill");
	oom = cg_read(cg, "memory.events", "oom");
	nmax = cg_read(cg, "memory.events", "max");
	cg_write(cg, "memory.max", "max");
	atomic_store(&sh->release, 1);
	st = wait_pid_ms(c, LONG_MS);
	if (st < 0) {
		kill(c, SIGKILL);
		st = mt_wait(c);
	}
	EXPECT_EQ(0, st);

	TH_LOG("limit %s (usage %lld + %d): %d rounds", max, cur, MC_MARGIN,
	       atomic_load(&sh->rounds));
	TH_LOG("sender: inline ok %ld, ENOMEM %ld, ENOBUFS %ld, queue full %ld",
	       atomic_load(&sh->inline_ok), atomic_load(&sh->s_enomem),
	       atomic_load(&sh->s_enobufs), atomic_load(&sh->s_full));
	TH_LOG("sender ool: ok %ld, ENOMEM %ld, ENOBUFS %ld, ETIMEDOUT %ld",
	       atomic_load(&sh->ool_ok), atomic_load(&sh->s_ool_enomem),
	       atomic_load(&sh->s_ool_enobufs),
	       atomic_load(&sh->s_ool_timedout));
	TH_LOG("receiver: received %ld, ENOMEM %ld, ENOBUFS %ld, EMSGSIZE %ld",
	       atomic_load(&sh->received), atomic_load(&sh->r_enomem),
	       atomic_load(&sh->r_enobufs), atomic_load(&sh->r_emsgsize));
	TH_LOG("memory.events: max %lld oom %lld oom_kill %lld", nmax, oom,
	       oom_kill);
	EXPECT_EQ(0, atomic_load(&sh->bad_line))
		TH_LOG("unexpected errno %d (%s) at line %d",
		       atomic_load(&sh->bad_err),
		       strerror(atomic_load(&sh->bad_err)),
		       atomic_load(&sh->bad_line));
	EXPECT_EQ(0, atomic_load(&sh->bad_data))
		TH_LOG("message %d: wrong data", atomic_load(&sh->bad_data) - 1);
	EXPECT_EQ(0, atomic_load(&sh->bad_id));
	EXPECT_EQ(0, oom_kill);
	/* the cgroup limit was reached, and gave ENOMEM */
	EXPECT_LT(0, atomic_load(&sh->s_enomem) +
		  atomic_load(&sh->s_ool_enomem) + atomic_load(&sh->r_enomem));
	/* and the account limit ENOBUFS */
	EXPECT_LT(0, atomic_load(&sh->s_enobufs));
	EXPECT_LT(0, atomic_load(&sh->ool_ok));
	for (i = 0; i < atomic_load(&sh->nseq) && i < MC_SEQ_MAX; i++) {
		lost += sh->sent[i] && !sh->seen[i];
		dup += sh->seen[i] != sh->sent[i] && sh->seen[i];
	}
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, dup);
	munmap(sh, sizeof(*sh));
	EXPECT_EQ(0, rmdir(cg));
}

/*
 * The receiver's account below usage + cost_copy, the sender in another
 * process: ENOBUFS, the message stays queued, the sender's usage is
 * before + message + cost_ool while it waits, and before afterwards.
 */
struct acct_shared {
	__u64 before, blocked, after, expect_blocked;
	atomic_int blocked_read, done;
	int err;
	atomic_int tid;
};

struct acct_watch {
	struct acct_shared *sh;
	int s;
};

static void *acct_watch_fn(void *arg)
{
	struct acct_watch *w = arg;

	while (!atomic_load(&w->sh->tid))
		usleep(1000);
	if (!mt_wait_in_ioctl(getpid(), atomic_load(&w->sh->tid), LONG_MS))
		w->sh->blocked = ool_usage(w->s);
	atomic_store(&w->sh->blocked_read, 1);
	return NULL;
}

TEST_F_TIMEOUT(cg, account_receiver_below_cost_copy_two_processes, 300)
{
	struct acct_shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct mt_snap *snap = malloc(sizeof(*snap));
	struct machipc_account_info ra;
	struct machipc_version v;
	size_t len = 3 * OOL_MIB + 11, size;
	unsigned char *dst = ool_map(len);
	struct machipc_ool_buf ool = { .address = (uintptr_t)dst, .size = len };
	__u64 rbuf[RBUF_WORDS], rusage;
	unsigned int n;
	int r, bfd;
	__u32 p;
	pid_t c;

	ASSERT_NE(MAP_FAILED, sh);
	ASSERT_NE(NULL, snap);
	ASSERT_NE(NULL, dst);
	r = machipc_open();
	ASSERT_LE(0, r);
	ASSERT_EQ(0, machipc_abi_version(r, &v));
	ASSERT_NE(0, v.cost_copy);
	p = mt_alloc(r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	bfd = machipc_bootstrap_export(r, p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	c = fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		struct machipc_account_info a;
		struct acct_watch w = { .sh = sh };
		unsigned char *src = ool_map(len);
		pthread_t t;
		__u64 sbuf[16];
		__u32 dest;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		w.s = machipc_open();
		if (!src || w.s < 0 ||
		    machipc_bootstrap_import(w.s, bfd, &dest) ||
		    machipc_account_get(w.s, &a) ||
		    ool_msg_one(sbuf, sizeof(sbuf), dest, src, len, 0x99))
			_exit(1);
		ool_fill(src, len, 0x99);
		sh->expect_blocked = ool_msg_cost(&a, machipc_msg_size(sbuf)) +
				     a.cost_ool;
		sh->before = ool_usage(w.s);
		if (pthread_create(&t, NULL, acct_watch_fn, &w))
			_exit(1);
		atomic_store(&sh->tid, gettid());
		sh->err = MT_ERR(machipc_send(w.s, sbuf, NULL));
		pthread_join(t, NULL);
		sh->after = ool_usage(w.s);
		atomic_store(&sh->done, 1);
		_exit(0);
	}
	close(bfd);
	ASSERT_EQ(0, wait_msgcount(r, p, 1, LONG_MS));
	ASSERT_EQ(0, mc_wait(&sh->blocked_read, 1, LONG_MS));

	ASSERT_EQ(0, machipc_account_get(r, &ra));
	rusage = ra.usage;
	ASSERT_EQ(0, machipc_account_set_limit(r, rusage + v.cost_copy - 1));
	ASSERT_EQ(0, mt_snap_take(r, snap));
	size = sizeof(rbuf);
	n = 1;
	EXPECT_EQ(ENOBUFS, ool_recv(r, p, rbuf, &size, &ool, &n, 0));
	/* without buffers nothing is charged: EMSGSIZE, still queued */
	size = sizeof(rbuf);
	n = 0;
	EXPECT_EQ(EMSGSIZE, ool_recv(r, p, rbuf, &size, NULL, &n, 0));
	EXPECT_EQ(1, n);
	ASSERT_SNAP_UNCHANGED(r, snap);
	EXPECT_EQ(1, ool_msgcount(r, p));
	ASSERT_EQ(0, machipc_account_get(r, &ra));
	EXPECT_EQ(rusage, ra.usage);
	EXPECT_EQ(0, atomic_load(&sh->done));
	EXPECT_EQ(sh->before + sh->expect_blocked, sh->blocked);

	ASSERT_EQ(0, machipc_account_set_limit(r, rusage + v.cost_copy));
	size = sizeof(rbuf);
	n = 1;
	EXPECT_EQ(0, ool_recv(r, p, rbuf, &size, &ool, &n, LONG_MS));
	EXPECT_EQ(0x99, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(len, ool_check(dst, len, 0x99));
	EXPECT_EQ(0, mt_wait(c));
	EXPECT_EQ(1, atomic_load(&sh->done));
	EXPECT_EQ(0, sh->err);
	EXPECT_EQ(sh->before, sh->after);
	EXPECT_EQ(rusage, ool_usage(r));
	close(r);
	munmap(dst, len);
	munmap(sh, sizeof(*sh));
	free(snap);
}

/* ------------------------------------------------------------------ */
/* 3. Wait-queue lifetime                                             */
/* ------------------------------------------------------------------ */

#define LIFE_OFF	13
#define LIFE_LEN	(2 * OOL_MIB + 4096 + 40)

/*
 * Spaces r (receiver) and s (sender) in this process.  src and cdst are
 * MAP_SHARED, so that children share them without copy-on-write: src is
 * the data (at LIFE_OFF), cdst a child receiver's buffer.
 */
FIXTURE(life)
{
	int r, s;
	unsigned char *src, *dst, *cdst;
	long long copy_ns;	/* one transfer, measured */
	unsigned int seed;
};

struct life_rcv {
	int fd;
	__u32 port;
	unsigned char *dst;
	int err;
	__u32 id;
	atomic_int started, done;
	pthread_t thread;
};

static void *life_rcv_fn(void *arg)
{
	struct life_rcv *lr = arg;
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)lr->dst, .size = LIFE_LEN,
	};
	__u64 rbuf[64];
	size_t size = sizeof(rbuf);
	unsigned int n = 1;

	atomic_store(&lr->started, 1);
	lr->err = ool_recv(lr->fd, lr->port, rbuf, &size, &ool, &n, LONG_MS);
	if (!lr->err)
		lr->id = machipc_msg_header(rbuf)->id;
	atomic_store(&lr->done, 1);
	return NULL;
}

static int join_ms(atomic_int *done, pthread_t t, long ms)
{
	if (mc_wait(done, 1, ms))
		return -1;
	pthread_join(t, NULL);
	return 0;
}

static unsigned char *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE_SETUP(life)
{
	__u64 sbuf[16];
	struct ool_sender snd;
	struct life_rcv lr = { 0 };
	__u32 p, sp;
	long long t0;

	self->r = machipc_open();
	self->s = machipc_open();
	ASSERT_LE(0, self->r);
	ASSERT_LE(0, self->s);
	self->src = map_shared(LIFE_OFF + LIFE_LEN);
	self->cdst = map_shared(LIFE_LEN);
	self->dst = ool_map(LIFE_LEN);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->cdst);
	ASSERT_NE(NULL, self->dst);
	ASSERT_EQ(0, madvise(self->dst, LIFE_LEN, MADV_DONTFORK));
	ool_fill(self->src + LIFE_OFF, LIFE_LEN, 0x1f);
	self->seed = (unsigned int)getpid();

	/* measure one transfer, to spread the interruptions over it */
	p = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	ASSERT_EQ(0, mt_give_send(self->r, p, self->s, &sp));
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), sp, self->src + LIFE_OFF,
			     LIFE_LEN, 1));
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
	ASSERT_EQ(0, wait_msgcount(self->r, p, 1, LONG_MS));
	lr.fd = self->r;
	lr.port = p;
	lr.dst = self->dst;
	t0 = mt_now_ns();
	life_rcv_fn(&lr);
	self->copy_ns = mt_now_ns() - t0;
	ASSERT_EQ(0, lr.err);
	ASSERT_EQ(0, ool_sender_join(&snd));
	ASSERT_EQ(0, memcmp(self->dst, self->src + LIFE_OFF, LIFE_LEN));
	ASSERT_EQ(0, machipc_port_destroy(self->r, p));
	ASSERT_EQ(0, machipc_port_destroy(self->s, sp));
	TH_LOG("one transfer of %lu bytes: %lld us", (unsigned long)LIFE_LEN,
	       self->copy_ns / 1000);
}

FIXTURE_TEARDOWN(life)
{
	close(self->r);
	close(self->s);
	EXPECT_EQ(0, pins_settled());
}

/* A random delay from 0 to 2.5 transfers. */
static long long life_delay(struct _test_data_life *self)
{
	return (long long)(rand_r(&self->seed) % 1000) * self->copy_ns * 5 /
	       2000;
}

/* After the loop: names as before the loop, and a transfer works. */
static void life_after(struct __test_metadata *_metadata,
		       struct _test_data_life *self)
{
	struct machipc_name_info *names;
	size_t n;
	__u64 sbuf[16];
	struct ool_sender snd;
	struct life_rcv lr = { 0 };
	__u32 p, sp;

	ASSERT_EQ(0, machipc_port_names(self->r, &names, &n));
	EXPECT_EQ(0, n);
	free(names);
	ASSERT_EQ(0, machipc_port_names(self->s, &names, &n));
	EXPECT_EQ(0, n);
	free(names);
	EXPECT_EQ(0, ool_usage(self->r));
	EXPECT_EQ(0, ool_usage(self->s));
	EXPECT_EQ(0, pins_settled());

	p = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	ASSERT_EQ(0, mt_give_send(self->r, p, self->s, &sp));
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), sp, self->src + LIFE_OFF,
			     LIFE_LEN, 2));
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
	lr.fd = self->r;
	lr.port = p;
	lr.dst = self->dst;
	memset(self->dst, 0, LIFE_LEN);
	life_rcv_fn(&lr);
	EXPECT_EQ(0, lr.err);
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(0, memcmp(self->dst, self->src + LIFE_OFF, LIFE_LEN));
}

/* The rights a port's death leaves: @sp is a dead name; drop it. */
static void life_drop_dead(struct __test_metadata *_metadata, int s, __u32 sp)
{
	__u32 rights = 0;

	EXPECT_EQ(0, mt_info(s, sp, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights);
	EXPECT_EQ(0, MT_ERR(machipc_port_destroy(s, sp)));
}

/*
 * The receiver's port destroyed while a sender waits in its out-of-line
 * send and a receiver thread copies it: either the transfer committed
 * (both 0, exact data) or both fail (EPIPE; ENOENT for a receive that
 * came after the destroy).
 */
TEST_F_TIMEOUT(life, port_destroyed_mid_copy, 600)
{
	long i, iters = mt_scaled(1000, 50), commits = 0, aborts = 0;
	__u64 sbuf[16];

	for (i = 0; i < iters; i++) {
		struct life_rcv lr = { .fd = self->r, .dst = self->dst };
		struct ool_sender snd;
		__u32 sp;

		lr.port = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
		ASSERT_NE(0, lr.port);
		ASSERT_EQ(0, mt_give_send(self->r, lr.port, self->s, &sp));
		ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), sp,
				     self->src + LIFE_OFF, LIFE_LEN, 3));
		ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
		ASSERT_EQ(0, pthread_create(&lr.thread, NULL, life_rcv_fn,
					    &lr));
		while (!atomic_load(&lr.started))
			;
		spin_ns(life_delay(self));
		ASSERT_EQ(0, machipc_port_destroy(self->r, lr.port));
		ASSERT_EQ(0, join_ms(&lr.done, lr.thread, LONG_MS))
			TH_LOG("iteration %ld: the receiver hangs", i);
		ASSERT_EQ(0, join_ms(&snd.done, snd.thread, LONG_MS))
			TH_LOG("iteration %ld: the sender hangs", i);
		if (!snd.err) {
			ASSERT_EQ(0, lr.err) TH_LOG("iteration %ld", i);
			ASSERT_EQ(0, memcmp(self->dst, self->src + LIFE_OFF,
					    LIFE_LEN));
			commits++;
		} else {
			ASSERT_EQ(EPIPE, snd.err) TH_LOG("iteration %ld", i);
			ASSERT_TRUE(lr.err == EPIPE || lr.err == ENOENT)
				TH_LOG("iteration %ld: receive %d", i, lr.err);
			aborts++;
		}
		life_drop_dead(_metadata, self->s, sp);
	}
	TH_LOG("%ld iterations: %ld committed, %ld destroyed first", iters,
	       commits, aborts);
	life_after(_metadata, self);
}

/*
 * A receiver process killed while it copies: the sender gets 0 (the copy
 * committed first) or EPIPE (the port died with its receiver), never
 * hangs, and its send right is then a dead name.
 */
TEST_F_TIMEOUT(life, receiver_killed_mid_copy, 600)
{
	long i, iters = mt_scaled(300, 20), commits = 0, aborts = 0;
	int sv[2];
	__u64 sbuf[16];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	for (i = 0; i < iters; i++) {
		struct ool_sender snd;
		int bfd, st, c;
		__u32 sp;
		pid_t pid;

		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct life_rcv lr = { .dst = self->cdst };
			int b;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			lr.fd = machipc_open();
			lr.port = lr.fd < 0 ? 0 :
				  mt_alloc(lr.fd, MACHIPC_RIGHT_RECEIVE);
			b = lr.port ? machipc_bootstrap_export(lr.fd, lr.port,
					MACHIPC_DISP_MAKE_SEND, 0) : -1;
			if (b < 0 || mt_send_fd(sv[1], b))
				_exit(1);
			close(b);
			mt_put(sv[1], 'R');
			life_rcv_fn(&lr);
			c = !lr.err && !memcmp(self->cdst, self->src + LIFE_OFF,
					       LIFE_LEN) ? 'O' : 'X';
			mt_put(sv[1], c);
			pause();
			_exit(0);
		}
		bfd = mt_recv_fd(sv[0]);
		ASSERT_LE(0, bfd);
		ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(self->s, bfd,
							     &sp)));
		close(bfd);
		ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), sp,
				     self->src + LIFE_OFF, LIFE_LEN, 4));
		ASSERT_EQ('R', read_byte_ms(sv[0], LONG_MS));
		ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
		spin_ns(life_delay(self));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		st = wait_pid_ms(pid, LONG_MS);
		ASSERT_EQ(128 + SIGKILL, st) TH_LOG("iteration %ld", i);
		ASSERT_EQ(0, join_ms(&snd.done, snd.thread, LONG_MS))
			TH_LOG("iteration %ld: the sender hangs", i);
		c = read_byte_ms(sv[0], 0);
		ASSERT_NE('X', c) TH_LOG("iteration %ld: wrong data", i);
		if (c == 'O')
			ASSERT_EQ(0, snd.err) TH_LOG("iteration %ld", i);
		if (!snd.err) {
			commits++;
		} else {
			ASSERT_EQ(EPIPE, snd.err) TH_LOG("iteration %ld", i);
			aborts++;
		}
		life_drop_dead(_metadata, self->s, sp);
	}
	close(sv[0]);
	close(sv[1]);
	TH_LOG("%ld iterations: %ld committed, %ld receiver killed first",
	       iters, commits, aborts);
	life_after(_metadata, self);
}

/*
 * A sender process killed while a receiver thread copies its message:
 * the receiver never hangs and never sees a partial message; it takes
 * the message whole (the copy committed first) or goes on to the next
 * one, a marker sent after the sender's death.
 */
TEST_F_TIMEOUT(life, sender_killed_mid_copy, 600)
{
	long i, iters = mt_scaled(300, 20), commits = 0, aborts = 0;
	__u32 p, sp;
	int bfd;

	p = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	ASSERT_EQ(0, mt_give_send(self->r, p, self->s, &sp));
	bfd = machipc_bootstrap_export(self->r, p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	for (i = 0; i < iters; i++) {
		struct life_rcv lr = { .fd = self->r, .port = p,
				       .dst = self->dst };
		struct child_sender cs = { .pipe = -1 };
		struct send_spec spec = {
			.base = self->src, .off = LIFE_OFF, .len = LIFE_LEN,
			.id = 5,
		};
		int st, got_ool = 0;

		ASSERT_EQ(0, pthread_create(&lr.thread, NULL, life_rcv_fn,
					    &lr));
		while (!atomic_load(&lr.started))
			;
		/* the child sends from the shared src, after 'B' */
		ASSERT_EQ(0, child_sender_start(&cs, NULL, bfd, &spec));
		spin_ns(life_delay(self));
		ASSERT_EQ(0, kill(cs.pid, SIGKILL));
		st = wait_pid_ms(cs.pid, LONG_MS);
		/* killed, or it had sent (and exited) before the kill */
		ASSERT_TRUE(st == 128 + SIGKILL || st == 0)
			TH_LOG("iteration %ld: status %d", i, st);
		cs.pid = -1;
		if (st == 0)
			ASSERT_EQ(0, child_sender_result(&cs, 0));
		child_sender_reap(&cs);
		ASSERT_EQ(0, mt_send_simple(self->s, sp,
					    MACHIPC_DISP_COPY_SEND, 6, &i,
					    sizeof(i), NULL));
		ASSERT_EQ(0, join_ms(&lr.done, lr.thread, LONG_MS))
			TH_LOG("iteration %ld: the receiver hangs", i);
		ASSERT_EQ(0, lr.err) TH_LOG("iteration %ld", i);
		if (lr.id == 5) {
			got_ool = 1;
			ASSERT_EQ(0, memcmp(self->dst, self->src + LIFE_OFF,
					    LIFE_LEN));
			lr.done = 0;
			lr.id = 0;
			life_rcv_fn(&lr);
			ASSERT_EQ(0, lr.err);
		}
		ASSERT_EQ(6, lr.id) TH_LOG("iteration %ld", i);
		ASSERT_TRUE(st != 0 || got_ool) TH_LOG("iteration %ld", i);
		ASSERT_EQ(0, ool_msgcount(self->r, p));
		commits += got_ool;
		aborts += !got_ool;
	}
	TH_LOG("%ld iterations: %ld delivered, %ld sender killed first", iters,
	       commits, aborts);
	close(bfd);
	EXPECT_EQ(0, machipc_port_destroy(self->r, p));
	EXPECT_EQ(0, machipc_port_destroy(self->s, sp));
	life_after(_metadata, self);
}

TEST_HARNESS_MAIN
