// SPDX-License-Identifier: GPL-2.0
/*
 * mach_sync: Mach absolute time (<mach/mach_time.h>) and Mach semaphores
 * (<mach/semaphore.h>), as macOS programs call them.
 *
 * - timebase_and_clock: the timebase, monotonic absolute time that tracks
 *   CLOCK_MONOTONIC, mach_wait_until() sleeping until its deadline.
 * - semaphore_counts: an initial count is consumed without blocking, then
 *   a zero-timeout wait fails with KERN_OPERATION_TIMED_OUT; a signal with
 *   nobody waiting is kept for the next wait.
 * - semaphore_errors: bad task, negative value, bad policy, unknown or
 *   destroyed semaphore, a bad timespec; a semaphore's name is a name of
 *   the task's space that no port has.
 * - signal_wakes_one / signal_all_wakes_every_waiter: threads blocked in
 *   semaphore_wait() wake as many as signalled, then all; signal_all with
 *   nobody waiting is not kept.
 * - signal_after_signal_all_is_kept, fork_child_has_no_semaphores,
 *   clock_types: XNU's behaviour and types.
 * - timedwait_times_out: the relative timeout is honoured.
 * - destroy_wakes_waiters: KERN_TERMINATED for every waiter.
 * - wait_signal_ping_pong: two threads alternate with
 *   semaphore_wait_signal(), each exchange exactly once.
 */
#define _GNU_SOURCE
#include <mach/clock_types.h>
#include <mach/mach_time.h>

#include "kselftest_harness.h"
#include "mach_test.h"

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

TEST(timebase_and_clock)
{
	mach_timebase_info_data_t tb = { 0, 0 };
	uint64_t a, b, deadline;
	long long m0, m1, m2, m3;

	ASSERT_EQ(KERN_SUCCESS, mach_timebase_info(&tb));
	EXPECT_EQ(1, tb.numer);
	EXPECT_EQ(1, tb.denom);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_timebase_info(NULL));
	/*
	 * Each reading between two of CLOCK_MONOTONIC: however long the
	 * thread is preempted in between, the interval lies between the inner
	 * and the outer one, in nanoseconds at CLOCK_MONOTONIC's pace (1%
	 * for the raw clock's NTP slew).
	 */
	m0 = mono_ns();
	a = mach_absolute_time();
	m1 = mono_ns();
	usleep(20000);
	m2 = mono_ns();
	b = mach_absolute_time();
	m3 = mono_ns();
	EXPECT_LT(a, b);
	EXPECT_GE((b - a) * 100, (uint64_t)(m2 - m1) * 99);
	EXPECT_LE((b - a) * 100, (uint64_t)(m3 - m0) * 101);
	EXPECT_LE(mach_absolute_time(), mach_continuous_time() + 1000000000000ULL);
	deadline = mach_absolute_time() + 30000000;
	EXPECT_EQ(KERN_SUCCESS, mach_wait_until(deadline));
	EXPECT_GE(mach_absolute_time(), deadline);
	/* A deadline already past returns at once. */
	EXPECT_EQ(KERN_SUCCESS, mach_wait_until(a));
}

TEST(semaphore_counts)
{
	mach_timespec_t now = { 0, 0 };
	semaphore_t s = SEMAPHORE_NULL;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 2));
	ASSERT_NE(SEMAPHORE_NULL, s);
	EXPECT_EQ(KERN_SUCCESS, semaphore_wait(s));
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, now));
	/* Nobody waits: the signal is kept, signal_all is not. */
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal_all(s));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(s));
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
}

TEST(semaphore_errors)
{
	mach_timespec_t bad = { 0, 1000000000 };
	mach_port_type_t type = 0;
	semaphore_t s = SEMAPHORE_NULL;

	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(MACH_PORT_NULL, &s, SYNC_POLICY_FIFO, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(mach_task_self(), &s, SYNC_POLICY_FIFO, -1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(mach_task_self(), &s, SYNC_POLICY_MAX + 1, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_signal(SEMAPHORE_NULL));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_wait(SEMAPHORE_NULL));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 0));
	/* A name of the space, held by no port. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_type(mach_task_self(), s, &type));
	EXPECT_EQ(KERN_INVALID_VALUE, semaphore_timedwait(s, bad));
	bad.tv_nsec = -1;
	EXPECT_EQ(KERN_INVALID_VALUE, semaphore_timedwait(s, bad));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_signal(s));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_wait(s));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_destroy(mach_task_self(), s));
	EXPECT_NE(KERN_SUCCESS, mach_port_type(mach_task_self(), s, &type));
}

struct waiter {
	semaphore_t s;
	kern_return_t kr;
	int done;
	pthread_t t;
};

static void *wait_fn(void *arg)
{
	struct waiter *w = arg;

	w->kr = semaphore_wait(w->s);
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int count_done(struct waiter *w, int n)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c += __atomic_load_n(&w[i].done, __ATOMIC_SEQ_CST);
	return c;
}

static void start_waiters(struct __test_metadata *_metadata,
			  struct waiter *w, int n, semaphore_t s)
{
	int i;

	for (i = 0; i < n; i++) {
		w[i].s = s;
		w[i].done = 0;
		w[i].kr = -1;
		ASSERT_EQ(0, pthread_create(&w[i].t, NULL, wait_fn, &w[i]));
	}
	usleep(100000);		/* let them block */
	EXPECT_EQ(0, count_done(w, n));
}

static int wait_done(struct waiter *w, int n, int want)
{
	int i;

	for (i = 0; i < 400 && count_done(w, n) < want; i++)
		usleep(5000);
	usleep(50000);		/* and no more than that */
	return count_done(w, n);
}

TEST(signal_wakes_one)
{
	struct waiter w[3];
	semaphore_t s;
	int i;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 0));
	start_waiters(_metadata, w, 3, s);
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(s));
	EXPECT_EQ(1, wait_done(w, 3, 1));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(s));
	EXPECT_EQ(2, wait_done(w, 3, 2));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(s));
	EXPECT_EQ(3, wait_done(w, 3, 3));
	for (i = 0; i < 3; i++) {
		pthread_join(w[i].t, NULL);
		EXPECT_EQ(KERN_SUCCESS, w[i].kr);
	}
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
}

TEST(signal_all_wakes_every_waiter)
{
	mach_timespec_t now = { 0, 0 };
	struct waiter w[4];
	semaphore_t s;
	int i;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 0));
	start_waiters(_metadata, w, 4, s);
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal_all(s));
	EXPECT_EQ(4, wait_done(w, 4, 4));
	for (i = 0; i < 4; i++) {
		pthread_join(w[i].t, NULL);
		EXPECT_EQ(KERN_SUCCESS, w[i].kr);
	}
	/* The count returns to zero. */
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
}

/*
 * A signal right after semaphore_signal_all() released a waiter is kept,
 * as in XNU (the released waiter does not take it).
 */
TEST(signal_after_signal_all_is_kept)
{
	mach_timespec_t now = { 0, 0 };
	struct waiter w[1];
	semaphore_t s;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 0));
	start_waiters(_metadata, w, 1, s);
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal_all(s));
	EXPECT_EQ(KERN_SUCCESS, semaphore_signal(s));
	EXPECT_EQ(1, wait_done(w, 1, 1));
	pthread_join(w[0].t, NULL);
	EXPECT_EQ(KERN_SUCCESS, w[0].kr);
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
}

/* A forked child has none of its parent's semaphores. */
TEST(fork_child_has_no_semaphores)
{
	mach_timespec_t now = { 0, 0 };
	semaphore_t s;
	pid_t pid;
	int st;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		semaphore_t c;

		if (semaphore_signal(s) != KERN_INVALID_ARGUMENT ||
		    semaphore_destroy(mach_task_self(), s) !=
		    KERN_INVALID_ARGUMENT)
			_exit(1);
		if (semaphore_create(mach_task_self(), &c, SYNC_POLICY_FIFO,
				     0) || semaphore_signal(c) ||
		    semaphore_wait(c))
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	/* The parent's is untouched. */
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
}

TEST(clock_types)
{
	mach_timespec_t t = { 1, 0 };

	EXPECT_FALSE(BAD_MACH_TIMESPEC(&t));
	t.tv_nsec = (clock_res_t)NSEC_PER_SEC;
	EXPECT_TRUE(BAD_MACH_TIMESPEC(&t));
}

TEST(timedwait_times_out)
{
	mach_timespec_t t = { 0, 100000000 };
	semaphore_t s;
	long long t0;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 0));
	t0 = mono_ns();
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, t));
	EXPECT_LE(100000000LL, mono_ns() - t0);
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
}

TEST(destroy_wakes_waiters)
{
	struct waiter w[3];
	semaphore_t s;
	int i;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 0));
	start_waiters(_metadata, w, 3, s);
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
	EXPECT_EQ(3, wait_done(w, 3, 3));
	for (i = 0; i < 3; i++) {
		pthread_join(w[i].t, NULL);
		EXPECT_EQ(KERN_TERMINATED, w[i].kr);
	}
}

struct pingpong {
	semaphore_t mine, theirs;
	int rounds;
	int *turn;
	int bad;
};

static void *pong_fn(void *arg)
{
	struct pingpong *p = arg;
	int i;

	if (semaphore_wait(p->mine))
		p->bad++;
	for (i = 0; i < p->rounds; i++) {
		if (__atomic_load_n(p->turn, __ATOMIC_SEQ_CST) != 1)
			p->bad++;
		__atomic_store_n(p->turn, 0, __ATOMIC_SEQ_CST);
		if (i + 1 < p->rounds) {
			if (semaphore_wait_signal(p->mine, p->theirs))
				p->bad++;
		} else {
			semaphore_signal(p->theirs);
		}
	}
	return NULL;
}

TEST(wait_signal_ping_pong)
{
	struct pingpong p = { .rounds = 2000 };
	semaphore_t a, b;
	pthread_t t;
	int turn = 0, i, bad = 0;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &a,
						 SYNC_POLICY_FIFO, 0));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &b,
						 SYNC_POLICY_FIFO, 0));
	p.mine = b;
	p.theirs = a;
	p.turn = &turn;
	ASSERT_EQ(0, pthread_create(&t, NULL, pong_fn, &p));
	for (i = 0; i < p.rounds; i++) {
		if (__atomic_load_n(&turn, __ATOMIC_SEQ_CST) != 0)
			bad++;
		__atomic_store_n(&turn, 1, __ATOMIC_SEQ_CST);
		/* Hand over and wait for the answer, in one call. */
		if (semaphore_wait_signal(a, b))
			bad++;
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, p.bad);
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), a));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), b));
}

TEST(get_srights)
{
	mach_port_t p = mt_port();
	mach_port_rights_t n = 99;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_srights(mach_task_self(), p, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(mach_task_self(), p, p,
						       MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_srights(mach_task_self(), p, &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_get_srights(mach_task_self(), 0x7fff0001, &n));
	mach_port_destroy(mach_task_self(), p);
}

TEST_HARNESS_MAIN
