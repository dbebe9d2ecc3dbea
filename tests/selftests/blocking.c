// SPDX-License-Identifier: GPL-2.0
/*
 * blocking: queue limits and backpressure, absolute deadlines (only lower
 * bounds on elapsed time: TCG is slow), deadlines under a signal storm with
 * SA_RESTART, EINTR without SA_RESTART with nothing changed, blocked senders
 * released by a receive or a larger qlimit, EPIPE for waiters on a port
 * that dies, the combined send+receive that must not send twice, and job
 * control / ptrace stops of a thread blocked in receive or send.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define TRL	sizeof(struct machipc_msg_trailer)
#define MS	1000000LL

static atomic_int nsignals;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&nsignals, 1);
}

/*
 * The storm thread: a kernel without POSIX timers (CONFIG_POSIX_TIMERS=n,
 * as in the tinyconfig-based debug kernel) has no setitimer(2); then a
 * thread sends SIGALRM to the test thread every @storm_us instead.
 */
static pthread_t storm_thread;
static atomic_int storm_on;
static long storm_us;
static pid_t storm_target;

static void *storm_fn(void *arg)
{
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (atomic_load(&storm_on)) {
		usleep(storm_us);
		if (atomic_load(&storm_on))
			syscall(SYS_tgkill, getpid(), storm_target, SIGALRM);
	}
	return NULL;
}

/* SIGALRM every @us microseconds (0 stops it), handled with @flags. */
static int signal_storm(long us, int flags)
{
	struct itimerval it = {
		.it_interval = { .tv_sec = us / 1000000, .tv_usec = us % 1000000 },
		.it_value = { .tv_sec = us / 1000000, .tv_usec = us % 1000000 },
	};
	struct sigaction sa;

	if (!us) {
		if (atomic_load(&storm_on)) {
			atomic_store(&storm_on, 0);
			pthread_join(storm_thread, NULL);
			return 0;
		}
		return setitimer(ITIMER_REAL, &it, NULL) && errno != ENOSYS ?
		       -1 : 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		return -1;
	atomic_store(&nsignals, 0);
	if (setitimer(ITIMER_REAL, &it, NULL) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	storm_us = us;
	storm_target = gettid();
	atomic_store(&storm_on, 1);
	return pthread_create(&storm_thread, NULL, storm_fn, NULL) ? -1 : 0;
}

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static int send_id(int fd, __u32 dest, __u32 id, const struct timespec *dl)
{
	return mt_send_simple(fd, dest, MACHIPC_DISP_COPY_SEND, id, &id,
			      sizeof(id), dl);
}

/* Send without blocking. */
static int send_now(int fd, __u32 dest, __u32 id)
{
	struct timespec now;

	machipc_deadline_in(&now, 0);
	return send_id(fd, dest, id, &now);
}

static int fill(int fd, __u32 dest, int n)
{
	int i, err;

	for (i = 0; i < n; i++) {
		err = send_now(fd, dest, i);
		if (err)
			return err;
	}
	return 0;
}

/* Receive now and return the message id, or -errno. */
static long recv_id(int fd, __u32 name)
{
	__u64 buf[64];
	int err = mt_recv_now(fd, name, buf, sizeof(buf));

	return err ? -err : (long)machipc_msg_header(buf)->id;
}

/* One space, one port p whose name holds the receive and a send right. */
FIXTURE(port)
{
	int fd;
	__u32 p;
};

FIXTURE_SETUP(port)
{
	self->fd = machipc_open();
	ASSERT_LE(0, self->fd);
	self->p = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->p);
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(self->fd, self->p,
						      MACHIPC_DISP_MAKE_SEND,
						      NULL)));
}

FIXTURE_TEARDOWN(port)
{
	signal_storm(0, 0);
	close(self->fd);
}

TEST_F(port, qlimit_bounds_and_backpressure)
{
	static const __u32 limits[] = { 1, MACHIPC_QLIMIT_DEFAULT, 1024 };
	struct machipc_port_attr a;
	struct mt_snap *before = malloc(sizeof(*before));
	unsigned int i;
	long id;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(MACHIPC_QLIMIT_DEFAULT, a.qlimit);
	EXPECT_EQ(5, a.qlimit);

	ASSERT_EQ(0, mt_snap_take(self->fd, before));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_set_qlimit(self->fd, self->p, 0)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_set_qlimit(self->fd, self->p,
							 MACHIPC_QLIMIT_MAX + 1)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_port_set_qlimit(self->fd, self->p,
							 0xffffffffu)));
	ASSERT_SNAP_UNCHANGED(self->fd, before);

	for (i = 0; i < ARRAY_LEN(limits); i++) {
		__u32 l = limits[i], k;

		ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(self->fd, self->p, l)));
		ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
		ASSERT_EQ(l, a.qlimit);
		for (k = 0; k < l; k++)
			ASSERT_EQ(0, send_now(self->fd, self->p, k))
				TH_LOG("qlimit %u message %u", l, k);
		ASSERT_EQ(0, mt_snap_take(self->fd, before));
		EXPECT_EQ(ETIMEDOUT, send_now(self->fd, self->p, 0xdead));
		ASSERT_SNAP_UNCHANGED(self->fd, before);
		ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
		EXPECT_EQ(l, a.msgcount);
		for (k = 0; k < l; k++) {
			id = recv_id(self->fd, self->p);
			ASSERT_EQ(k, id);
		}
		EXPECT_EQ(-ETIMEDOUT, recv_id(self->fd, self->p));
	}
	free(before);
}

TEST_F(port, past_deadline_full_queue)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct timespec past;
	long long t0;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, fill(self->fd, self->p, MACHIPC_QLIMIT_DEFAULT));
	ASSERT_EQ(0, mt_snap_take(self->fd, before));
	/* a second ago, now, and the distant past (time 0 and 1 ns) */
	clock_gettime(CLOCK_MONOTONIC, &past);
	past.tv_sec -= 1;
	t0 = mt_now_ns();
	EXPECT_EQ(ETIMEDOUT, send_id(self->fd, self->p, 7, &past));
	EXPECT_EQ(ETIMEDOUT, send_now(self->fd, self->p, 8));
	past.tv_sec = 0;
	past.tv_nsec = 0;
	EXPECT_EQ(ETIMEDOUT, send_id(self->fd, self->p, 9, &past));
	past.tv_nsec = 1;
	EXPECT_EQ(ETIMEDOUT, send_id(self->fd, self->p, 9, &past));
	TH_LOG("four past-deadline sends took %lld us", (mt_now_ns() - t0) / 1000);
	ASSERT_SNAP_UNCHANGED(self->fd, before);
	free(before);
}

TEST_F(port, send_deadline_200ms)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct timespec dl;
	long long t0, t1;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, fill(self->fd, self->p, MACHIPC_QLIMIT_DEFAULT));
	ASSERT_EQ(0, mt_snap_take(self->fd, before));
	t0 = mt_now_ns();
	machipc_deadline_in(&dl, 200);
	EXPECT_EQ(ETIMEDOUT, send_id(self->fd, self->p, 7, &dl));
	t1 = mt_now_ns();
	EXPECT_GE(t1 - t0, 200 * MS);
	EXPECT_GE(t1, ts_ns(&dl));
	ASSERT_SNAP_UNCHANGED(self->fd, before);
	free(before);
}

TEST_F(port, receive_deadline_200ms)
{
	struct mt_snap *before = malloc(sizeof(*before));
	long long t0, t1;
	__u64 buf[64];
	size_t size = sizeof(buf);
	struct timespec dl;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, mt_snap_take(self->fd, before));
	t0 = mt_now_ns();
	machipc_deadline_in(&dl, 200);
	EXPECT_EQ(ETIMEDOUT, MT_ERR(machipc_receive(self->fd, self->p, buf,
						    &size, &dl)));
	t1 = mt_now_ns();
	EXPECT_GE(t1 - t0, 200 * MS);
	EXPECT_GE(t1, ts_ns(&dl));
	ASSERT_SNAP_UNCHANGED(self->fd, before);
	free(before);
}

TEST_F(port, storm_sa_restart_send_keeps_deadline)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct timespec dl;
	long long t0, t1;
	int err;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, fill(self->fd, self->p, MACHIPC_QLIMIT_DEFAULT));
	ASSERT_EQ(0, mt_snap_take(self->fd, before));
	ASSERT_EQ(0, signal_storm(2000, SA_RESTART));
	t0 = mt_now_ns();
	machipc_deadline_in(&dl, 300);
	err = send_id(self->fd, self->p, 7, &dl);
	t1 = mt_now_ns();
	signal_storm(0, 0);
	EXPECT_EQ(ETIMEDOUT, err);
	EXPECT_GE(t1 - t0, 300 * MS);
	EXPECT_GE(t1, ts_ns(&dl));
	EXPECT_LT(2, atomic_load(&nsignals));
	TH_LOG("%d signals during the send", atomic_load(&nsignals));
	ASSERT_SNAP_UNCHANGED(self->fd, before);
	free(before);
}

TEST_F(port, storm_sa_restart_receive_keeps_deadline)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct timespec dl;
	long long t0, t1;
	__u64 buf[64];
	size_t size = sizeof(buf);
	int err;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, mt_snap_take(self->fd, before));
	ASSERT_EQ(0, signal_storm(2000, SA_RESTART));
	t0 = mt_now_ns();
	machipc_deadline_in(&dl, 300);
	err = MT_ERR(machipc_receive(self->fd, self->p, buf, &size, &dl));
	t1 = mt_now_ns();
	signal_storm(0, 0);
	EXPECT_EQ(ETIMEDOUT, err);
	EXPECT_GE(t1 - t0, 300 * MS);
	EXPECT_GE(t1, ts_ns(&dl));
	EXPECT_LT(2, atomic_load(&nsignals));
	TH_LOG("%d signals during the receive", atomic_load(&nsignals));
	ASSERT_SNAP_UNCHANGED(self->fd, before);
	free(before);
}

TEST_F(port, signal_without_restart_eintr_send)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct timespec dl;
	int err;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, fill(self->fd, self->p, MACHIPC_QLIMIT_DEFAULT));
	ASSERT_EQ(0, mt_snap_take(self->fd, before));
	ASSERT_EQ(0, signal_storm(20000, 0));
	machipc_deadline_in(&dl, 30000);	/* only a safety net */
	err = send_id(self->fd, self->p, 7, &dl);
	signal_storm(0, 0);
	EXPECT_EQ(EINTR, err);
	ASSERT_SNAP_UNCHANGED(self->fd, before);
	/* the queue still holds exactly the five messages, in order */
	for (long k = 0; k < MACHIPC_QLIMIT_DEFAULT; k++)
		EXPECT_EQ(k, recv_id(self->fd, self->p));
	EXPECT_EQ(-ETIMEDOUT, recv_id(self->fd, self->p));
	free(before);
}

TEST_F(port, signal_without_restart_eintr_receive)
{
	struct mt_snap *before = malloc(sizeof(*before));
	__u64 buf[64];
	size_t size = sizeof(buf);
	struct machipc_port_attr a;
	int err;

	ASSERT_NE(NULL, before);
	/* one message received before, so seqno is not trivially 0 */
	ASSERT_EQ(0, send_now(self->fd, self->p, 1));
	ASSERT_EQ(1, recv_id(self->fd, self->p));
	ASSERT_EQ(0, mt_snap_take(self->fd, before));
	ASSERT_EQ(0, signal_storm(20000, 0));
	err = MT_ERR(machipc_receive(self->fd, self->p, buf, &size, NULL));
	signal_storm(0, 0);
	EXPECT_EQ(EINTR, err);
	ASSERT_SNAP_UNCHANGED(self->fd, before);
	ASSERT_EQ(0, send_now(self->fd, self->p, 2));
	ASSERT_EQ(0, mt_recv_now(self->fd, self->p, buf, sizeof(buf)));
	EXPECT_EQ(1, machipc_msg_trailer(buf)->seqno);
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(2, a.seqno);
	free(before);
}

struct blocked_op {
	int fd;
	__u32 dest;
	__u32 id;
	atomic_int tid;
	atomic_int done;
	int err;
	bool receive;
	const struct timespec *dl;
};

static void *blocked_thread(void *arg)
{
	struct blocked_op *op = arg;

	atomic_store(&op->tid, gettid());
	if (op->receive) {
		__u64 buf[64];
		size_t size = sizeof(buf);

		op->err = MT_ERR(machipc_receive(op->fd, op->dest, buf, &size,
						 op->dl));
	} else {
		op->err = send_id(op->fd, op->dest, op->id, op->dl);
	}
	atomic_store(&op->done, 1);
	return NULL;
}

static int start_blocked(struct blocked_op *op, pthread_t *th)
{
	if (pthread_create(th, NULL, blocked_thread, op))
		return -1;
	while (!atomic_load(&op->tid))
		usleep(100);
	return mt_wait_in_ioctl(getpid(), atomic_load(&op->tid), 30000);
}

TEST_F(port, blocked_sender_released_by_receive)
{
	struct blocked_op op = { .fd = self->fd, .dest = self->p, .id = 99 };
	struct machipc_port_attr a;
	pthread_t th;
	long k;

	ASSERT_EQ(0, fill(self->fd, self->p, MACHIPC_QLIMIT_DEFAULT));
	ASSERT_EQ(0, start_blocked(&op, &th));
	usleep(50000);
	ASSERT_EQ(0, atomic_load(&op.done));
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(5, a.msgcount);
	EXPECT_EQ(0, recv_id(self->fd, self->p));
	pthread_join(th, NULL);
	EXPECT_EQ(0, op.err);
	for (k = 1; k < MACHIPC_QLIMIT_DEFAULT; k++)
		EXPECT_EQ(k, recv_id(self->fd, self->p));
	EXPECT_EQ(99, recv_id(self->fd, self->p));
	EXPECT_EQ(-ETIMEDOUT, recv_id(self->fd, self->p));
}

/*
 * Mach's rule: a message sent through a send-once right is queued past the
 * qlimit (a server's reply never waits for its client's queue); one sent
 * through a send right still waits.  FIFO order holds across both.
 */
TEST_F(port, send_once_passes_qlimit)
{
	struct machipc_port_attr a;
	struct timespec now;
	__u32 so, id;
	long got;

	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(self->fd, self->p, 1)));
	ASSERT_EQ(0, send_now(self->fd, self->p, 1));
	EXPECT_EQ(ETIMEDOUT, send_now(self->fd, self->p, 0xdead));

	/* a new send-once right as the destination */
	machipc_deadline_in(&now, 0);
	id = 2;
	ASSERT_EQ(0, mt_send_simple(self->fd, self->p,
				    MACHIPC_DISP_MAKE_SEND_ONCE, id, &id,
				    sizeof(id), &now));
	/* an existing one, moved */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(self->fd, self->p,
						      MACHIPC_DISP_MAKE_SEND_ONCE,
						      &so)));
	id = 3;
	ASSERT_EQ(0, mt_send_simple(self->fd, so, MACHIPC_DISP_MOVE_SEND_ONCE,
				    id, &id, sizeof(id), &now));
	/* send rights are still held back, also with the queue past qlimit */
	EXPECT_EQ(ETIMEDOUT, send_now(self->fd, self->p, 0xdead));
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(3, a.msgcount);
	EXPECT_EQ(1, a.qlimit);
	EXPECT_EQ(2, a.sorights);	/* the queued messages' destinations */

	for (id = 1; id <= 3; id++) {
		got = recv_id(self->fd, self->p);
		EXPECT_EQ(id, got);
	}
	EXPECT_EQ(-ETIMEDOUT, recv_id(self->fd, self->p));
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(0, a.sorights);
	/* room again: a send right may queue */
	EXPECT_EQ(0, send_now(self->fd, self->p, 4));
	EXPECT_EQ(4, recv_id(self->fd, self->p));
}

TEST_F(port, raising_qlimit_releases_senders)
{
	struct blocked_op op[3];
	struct machipc_port_attr a;
	pthread_t th[3];
	int i;

	ASSERT_EQ(0, fill(self->fd, self->p, MACHIPC_QLIMIT_DEFAULT));
	for (i = 0; i < 3; i++) {
		memset(&op[i], 0, sizeof(op[i]));
		op[i].fd = self->fd;
		op[i].dest = self->p;
		op[i].id = 100 + i;
		ASSERT_EQ(0, start_blocked(&op[i], &th[i]));
	}
	usleep(50000);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, atomic_load(&op[i].done));
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(self->fd, self->p, 8)));
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, op[i].err);
	}
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(8, a.msgcount);
	EXPECT_EQ(8, a.qlimit);
}

TEST_F(port, destroyed_port_wakes_waiters_epipe)
{
	struct blocked_op rop = { .fd = self->fd, .receive = true };
	struct blocked_op sop = { .id = 5 };
	struct blocked_op setop = { .fd = self->fd, .receive = true };
	pthread_t rth, sth, setth;
	__u32 full, sname, set, member, rights = 0, urefs = 0;
	int s2;

	/* a receiver on p (empty), a sender from another space on a full port */
	rop.dest = self->p;
	full = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, full);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(self->fd, full, 1)));
	s2 = machipc_open();
	ASSERT_LE(0, s2);
	ASSERT_EQ(0, mt_give_send(self->fd, full, s2, &sname));
	ASSERT_EQ(0, send_now(s2, sname, 1));
	sop.fd = s2;
	sop.dest = sname;
	/* and a receiver on a port set */
	set = mt_alloc(self->fd, MACHIPC_RIGHT_PORT_SET);
	member = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, set);
	ASSERT_NE(0, member);
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(self->fd, member, set)));
	setop.dest = set;

	ASSERT_EQ(0, start_blocked(&rop, &rth));
	ASSERT_EQ(0, start_blocked(&sop, &sth));
	ASSERT_EQ(0, start_blocked(&setop, &setth));
	usleep(20000);
	ASSERT_EQ(0, atomic_load(&rop.done));
	ASSERT_EQ(0, atomic_load(&sop.done));
	ASSERT_EQ(0, atomic_load(&setop.done));

	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(self->fd, self->p)));
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(self->fd, full)));
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(self->fd, set)));
	pthread_join(rth, NULL);
	pthread_join(sth, NULL);
	pthread_join(setth, NULL);
	EXPECT_EQ(EPIPE, rop.err);
	EXPECT_EQ(EPIPE, sop.err);
	EXPECT_EQ(EPIPE, setop.err);
	/* the sender's name is a dead name now, with its reference */
	ASSERT_EQ(0, mt_info(s2, sname, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights);
	EXPECT_EQ(1, urefs);
	EXPECT_EQ(EPIPE, send_now(s2, sname, 2));
	/* the member left the destroyed set and still works alone */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(self->fd, member,
						      MACHIPC_DISP_MAKE_SEND,
						      NULL)));
	EXPECT_EQ(0, send_now(self->fd, member, 3));
	EXPECT_EQ(3, recv_id(self->fd, member));
	close(s2);
}

/* The combined call whose receive is interrupted must not send again. */
TEST_F(port, rpc_eintr_does_not_resend)
{
	struct machipc_msg_args args;
	struct machipc_msg_builder b;
	struct machipc_port_attr a;
	__u64 req[16], reply[64];
	struct timespec rdl;
	__u32 replyport;
	int err;

	replyport = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, replyport);
	ASSERT_EQ(0, machipc_msg_init(&b, req, sizeof(req), self->p,
				      MACHIPC_DISP_COPY_SEND, replyport,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 0x51));
	machipc_deadline_in(&rdl, 30000);	/* only a safety net */
	ASSERT_EQ(0, machipc_msg_args_init(&args, req, replyport, reply,
					   sizeof(reply), NULL, &rdl));
	ASSERT_EQ(MACHIPC_MSG_SEND | MACHIPC_MSG_RECEIVE |
		  MACHIPC_MSG_RCV_TIMEOUT, args.flags);

	ASSERT_EQ(0, signal_storm(20000, 0));
	err = MT_ERR(machipc_msg(self->fd, &args));
	signal_storm(0, 0);
	ASSERT_EQ(EINTR, err);
	EXPECT_EQ(MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_TIMEOUT, args.flags);
	EXPECT_EQ(0, args.send_msg);
	EXPECT_EQ(0, args.send_size);
	EXPECT_EQ(replyport, args.rcv_name);
	EXPECT_EQ((uintptr_t)reply, args.rcv_buf);
	EXPECT_EQ(ts_ns(&rdl), args.rcv_deadline);
	/* the request was delivered once, the reply port is untouched */
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(1, a.msgcount);
	ASSERT_EQ(0, mt_attr(self->fd, replyport, &a));
	EXPECT_EQ(0, a.msgcount);
	EXPECT_EQ(0, a.seqno);
	EXPECT_EQ(1, a.sorights);	/* the reply right in the request */

	/* the "server" answers through the send-once right */
	{
		__u64 buf[64];
		const struct machipc_msg_header *h = (void *)buf;

		ASSERT_EQ(0, mt_recv_now(self->fd, self->p, buf, sizeof(buf)));
		EXPECT_EQ(0x51, h->id);
		ASSERT_EQ(0, mt_send_simple(self->fd, h->remote_name,
					    MACHIPC_DISP_MOVE_SEND_ONCE, 0x52,
					    NULL, 0, NULL));
	}
	/* calling again with the same args only receives */
	ASSERT_EQ(0, MT_ERR(machipc_msg(self->fd, &args)));
	EXPECT_EQ(0x52, machipc_msg_header(reply)->id);
	EXPECT_EQ(-ETIMEDOUT, recv_id(self->fd, self->p));
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(1, a.seqno);
	ASSERT_EQ(0, mt_attr(self->fd, replyport, &a));
	EXPECT_EQ(1, a.seqno);
	EXPECT_EQ(0, a.sorights);
}

/* The same under SA_RESTART: the transparent restart does not resend. */
TEST_F(port, rpc_sa_restart_does_not_resend)
{
	struct machipc_msg_args args;
	struct machipc_msg_builder b;
	struct machipc_port_attr a;
	__u64 req[16], reply[64];
	struct timespec rdl;
	__u32 replyport;
	long long t0, t1;
	int err;

	replyport = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, replyport);
	ASSERT_EQ(0, machipc_msg_init(&b, req, sizeof(req), self->p,
				      MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 0x61));
	t0 = mt_now_ns();
	machipc_deadline_in(&rdl, 300);
	ASSERT_EQ(0, machipc_msg_args_init(&args, req, replyport, reply,
					   sizeof(reply), NULL, &rdl));
	ASSERT_EQ(0, signal_storm(2000, SA_RESTART));
	err = MT_ERR(machipc_msg(self->fd, &args));
	t1 = mt_now_ns();
	signal_storm(0, 0);
	EXPECT_EQ(ETIMEDOUT, err);
	EXPECT_GE(t1 - t0, 300 * MS);
	EXPECT_LT(2, atomic_load(&nsignals));
	EXPECT_EQ(MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_TIMEOUT, args.flags);
	ASSERT_EQ(0, mt_attr(self->fd, self->p, &a));
	EXPECT_EQ(1, a.msgcount);
	EXPECT_EQ(0x61, recv_id(self->fd, self->p));
	EXPECT_EQ(-ETIMEDOUT, recv_id(self->fd, self->p));
}

/* ------------------------------------------------------------------ */
/* Job control and ptrace on a process blocked in receive or send     */
/* ------------------------------------------------------------------ */

enum stopper { BY_SIGSTOP, BY_PTRACE_ATTACH, BY_PTRACE_SEIZE };

/*
 * Child: a port whose send right goes to the parent over @sock; block in
 * receive without deadline; the one message must arrive exactly once.
 */
static int child_receiver(int sock)
{
	struct machipc_port_attr a;
	__u64 buf[64];
	size_t size = sizeof(buf);
	__u32 p;
	int fd, bfd;

	fd = machipc_open();
	if (fd < 0)
		return 10;
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	if (!p)
		return 11;
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND, 0);
	if (bfd < 0 || mt_send_fd(sock, bfd))
		return 12;
	close(bfd);
	if (machipc_receive(fd, p, buf, &size, NULL)) {
		fprintf(stderr, "child receive: %s\n", strerror(errno));
		return 13;
	}
	if (machipc_msg_header(buf)->id != 0x77 ||
	    machipc_msg_trailer(buf)->seqno != 0)
		return 14;
	if (mt_recv_now(fd, p, buf, sizeof(buf)) != ETIMEDOUT)
		return 15;	/* delivered twice? */
	if (mt_attr(fd, p, &a) || a.seqno != 1 || a.msgcount)
		return 16;
	return 0;
}

/* Stop @pid as @how says and wait for the stop; 0 or -1. */
static int stop_child(struct __test_metadata *_metadata, pid_t pid,
		      enum stopper how)
{
	struct user_regs_struct regs;
	int status;

	switch (how) {
	case BY_SIGSTOP:
		if (kill(pid, SIGSTOP))
			return -1;
		if (waitpid(pid, &status, WUNTRACED) != pid ||
		    !WIFSTOPPED(status))
			return -1;
		return 0;
	case BY_PTRACE_ATTACH:
		if (ptrace(PTRACE_ATTACH, pid, 0, 0))
			return -1;
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
		    WSTOPSIG(status) != SIGSTOP)
			return -1;
		break;
	case BY_PTRACE_SEIZE:
		if (ptrace(PTRACE_SEIZE, pid, 0, 0) ||
		    ptrace(PTRACE_INTERRUPT, pid, 0, 0))
			return -1;
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
		    (status >> 16) != PTRACE_EVENT_STOP)
			return -1;
		break;
	}
	/* a debugger sees the ioctl about to be restarted */
	if (ptrace(PTRACE_GETREGS, pid, 0, &regs))
		return -1;
	EXPECT_EQ(SYS_ioctl, (long)regs.orig_rax);
	EXPECT_EQ(-512, (long)regs.rax);	/* -ERESTARTSYS */
	return 0;
}

static int resume_child(pid_t pid, enum stopper how)
{
	if (how == BY_SIGSTOP)
		return kill(pid, SIGCONT);
	return ptrace(PTRACE_DETACH, pid, 0, 0);
}

static void stopped_receiver(struct __test_metadata *_metadata,
			     enum stopper how)
{
	int sv[2], fd, bfd, err;
	__u32 name;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		_exit(child_receiver(sv[1]));
	}
	close(sv[1]);
	fd = machipc_open();
	ASSERT_LE(0, fd);
	bfd = mt_recv_fd(sv[0]);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(fd, bfd, &name)));
	close(bfd);

	ASSERT_EQ(0, mt_wait_in_ioctl(pid, pid, 30000));
	err = stop_child(_metadata, pid, how);
	if (err) {
		kill(pid, SIGKILL);
		mt_wait(pid);
		ASSERT_EQ(0, err) TH_LOG("stopping the child failed: %s",
					 strerror(errno));
	}
	/* the message arrives while the receiver is stopped */
	EXPECT_EQ(0, send_now(fd, name, 0x77));
	usleep(20000);
	ASSERT_EQ(0, resume_child(pid, how));
	EXPECT_EQ(0, mt_wait(pid));
	close(fd);
	close(sv[0]);
}

TEST(sigstop_sigcont_receive)
{
	stopped_receiver(_metadata, BY_SIGSTOP);
}

TEST(ptrace_attach_receive)
{
	stopped_receiver(_metadata, BY_PTRACE_ATTACH);
}

TEST(ptrace_seize_interrupt_receive)
{
	stopped_receiver(_metadata, BY_PTRACE_SEIZE);
}

/* A stopped sender with a deadline: still ETIMEDOUT, not before it. */
static void stopped_sender(struct __test_metadata *_metadata,
			   enum stopper how, long stop_ms)
{
	struct machipc_port_attr a;
	struct mt_snap *before = malloc(sizeof(*before));
	__u32 p;
	int fd, bfd, err;
	pid_t pid;

	ASSERT_NE(NULL, before);
	fd = machipc_open();
	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(fd, p, 1)));
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct timespec dl;
		long long t0, t1;
		__u32 name;
		int own = machipc_open();

		if (own < 0 || machipc_bootstrap_import(own, bfd, &name))
			_exit(10);
		if (send_now(own, name, 1))
			_exit(11);
		t0 = mt_now_ns();
		machipc_deadline_in(&dl, 400);
		if (send_id(own, name, 2, &dl) != ETIMEDOUT)
			_exit(12);
		t1 = mt_now_ns();
		if (t1 - t0 < 400 * MS || t1 < ts_ns(&dl))
			_exit(13);
		_exit(0);
	}
	close(bfd);
	/* wait for the child's first message, then for it to block */
	for (int i = 0; i < 30000; i++) {
		if (mt_attr(fd, p, &a) == 0 && a.msgcount == 1)
			break;
		usleep(1000);
	}
	ASSERT_EQ(0, mt_wait_in_ioctl(pid, pid, 30000));
	ASSERT_EQ(0, mt_snap_take(fd, before));
	err = stop_child(_metadata, pid, how);
	if (err) {
		kill(pid, SIGKILL);
		mt_wait(pid);
		ASSERT_EQ(0, err);
	}
	usleep(stop_ms * 1000);
	ASSERT_EQ(0, resume_child(pid, how));
	EXPECT_EQ(0, mt_wait(pid));
	/* only the first message got through */
	ASSERT_EQ(0, mt_attr(fd, p, &a));
	EXPECT_EQ(1, a.msgcount);
	EXPECT_EQ(0, a.seqno);
	EXPECT_EQ(1, recv_id(fd, p));
	EXPECT_EQ(-ETIMEDOUT, recv_id(fd, p));
	free(before);
	close(fd);
}

TEST(sigstop_send_deadline_holds)
{
	stopped_sender(_metadata, BY_SIGSTOP, 100);
}

TEST(sigstop_past_send_deadline)
{
	stopped_sender(_metadata, BY_SIGSTOP, 700);
}

TEST(ptrace_attach_send_deadline_holds)
{
	stopped_sender(_metadata, BY_PTRACE_ATTACH, 100);
}

TEST(ptrace_seize_send_deadline_holds)
{
	stopped_sender(_metadata, BY_PTRACE_SEIZE, 100);
}

TEST_HARNESS_MAIN
