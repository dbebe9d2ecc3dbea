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
 * - semaphore_errors: bad task, negative value, bad policy (XNU's user
 *   mask), NULL / unknown / destroyed semaphore (XNU's trap codes), a bad
 *   timespec; a semaphore's name is a name of the space that no port has.
 * - semaphore_wrong_rights: a receive right (KERN_INVALID_RIGHT), a send
 *   right to another port (KERN_INVALID_CAPABILITY), wait_signal's signal
 *   semaphore translated first, destroy's MIG codes.
 * - error_strings_xnu: err_kern.sub's texts, XNU's texts for codes its
 *   tables do not name, the legacy codes (-102 is (ipc/send) invalid
 *   data), mach_error_type().
 * - signal_thread_null: semaphore_signal_thread(THREAD_NULL) wakes one
 *   waiter, KERN_NOT_WAITING and nothing kept without one (retried
 *   until the thread waits).
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
	mach_timespec_t bad = { 0, 1000000000 }, now = { 0, 0 };
	mach_port_type_t type = 0;
	semaphore_t s = SEMAPHORE_NULL, out = 0xdead;

	/* MIG calls on the task port: a bad task fails the send. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  semaphore_create(MACH_PORT_NULL, &s, SYNC_POLICY_FIFO, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  semaphore_create(0x12345, &s, SYNC_POLICY_FIFO, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(mach_task_self(), &out, SYNC_POLICY_FIFO, -1));
	EXPECT_EQ(0xdead, out);		/* untouched on failure */
	/* XNU's SYNC_POLICY_USER_MASK is FIFO | LIFO | PREPOST (0x6). */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(mach_task_self(), &s, SYNC_POLICY_MAX + 1, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(mach_task_self(), &s,
				   SYNC_POLICY_FIXED_PRIORITY, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(mach_task_self(), &s, 0x3, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_create(mach_task_self(), &s, -1, 0));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_LIFO, 0));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 0x4 /* PREPOST */, 0));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
	/* The traps translate the name: XNU's port_name_to_semaphore(). */
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal(SEMAPHORE_NULL));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal_all(SEMAPHORE_NULL));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_wait(SEMAPHORE_NULL));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_timedwait(SEMAPHORE_NULL, now));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal(0x12345));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal_all(0x12345));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_wait(0x12345));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal(MACH_PORT_DEAD));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 0));
	/* A name of the space, held by no port. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_type(mach_task_self(), s, &type));
	EXPECT_EQ(KERN_INVALID_VALUE, semaphore_timedwait(s, bad));
	/* The timespec is checked before the name. */
	EXPECT_EQ(KERN_INVALID_VALUE, semaphore_timedwait(0x12345, bad));
	bad.tv_nsec = -1;
	EXPECT_EQ(KERN_INVALID_VALUE, semaphore_timedwait(s, bad));
	EXPECT_EQ(KERN_INVALID_VALUE,
		  semaphore_timedwait_signal(s, SEMAPHORE_NULL, bad));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
	/* Destroyed: the name is gone. */
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal(s));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal_all(s));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_wait(s));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_timedwait(s, now));
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  semaphore_destroy(mach_task_self(), s));
	EXPECT_NE(KERN_SUCCESS, mach_port_type(mach_task_self(), s, &type));
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  semaphore_destroy(mach_task_self(), 0x12345));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_destroy(mach_task_self(), SEMAPHORE_NULL));
}

/* Rights that are not semaphores, and a bad task for destroy. */
TEST(semaphore_wrong_rights)
{
	mach_timespec_t now = { 0, 0 };
	mach_port_t rcv = mt_port(), snd = mt_port();
	mach_port_urefs_t refs = 0;
	semaphore_t s, s2;

	ASSERT_NE(MACH_PORT_NULL, rcv);
	ASSERT_NE(MACH_PORT_NULL, snd);
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(mach_task_self(), snd,
						       snd,
						       MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 1));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s2,
						 SYNC_POLICY_FIFO, 0));
	/* Receive right only: no send right to translate. */
	EXPECT_EQ(KERN_INVALID_RIGHT, semaphore_signal(rcv));
	EXPECT_EQ(KERN_INVALID_RIGHT, semaphore_signal_all(rcv));
	EXPECT_EQ(KERN_INVALID_RIGHT, semaphore_wait(rcv));
	EXPECT_EQ(KERN_INVALID_RIGHT, semaphore_timedwait(rcv, now));
	EXPECT_EQ(KERN_INVALID_RIGHT, semaphore_wait_signal(rcv, s2));
	/* A send right to a port that is not a semaphore. */
	EXPECT_EQ(KERN_INVALID_CAPABILITY, semaphore_signal(snd));
	EXPECT_EQ(KERN_INVALID_CAPABILITY, semaphore_signal_all(snd));
	EXPECT_EQ(KERN_INVALID_CAPABILITY, semaphore_wait(snd));
	EXPECT_EQ(KERN_INVALID_CAPABILITY, semaphore_timedwait(snd, now));
	EXPECT_EQ(KERN_INVALID_CAPABILITY,
		  semaphore_timedwait_signal(snd, s2, now));
	EXPECT_EQ(KERN_INVALID_CAPABILITY, semaphore_signal(mach_task_self()));
	/*
	 * wait_signal translates the signal semaphore first: a NULL one is
	 * KERN_INVALID_NAME even when the wait could be satisfied, and
	 * nothing is taken from the wait semaphore.
	 */
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_wait_signal(s, SEMAPHORE_NULL));
	EXPECT_EQ(KERN_INVALID_NAME,
		  semaphore_timedwait_signal(s, SEMAPHORE_NULL, now));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_wait_signal(s, 0x12345));
	EXPECT_EQ(KERN_INVALID_CAPABILITY, semaphore_wait_signal(s, snd));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_wait_signal(0x12345, s2));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s2, now));
	/* s still holds its count, and wait_signal posts s2. */
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait_signal(s, s2, now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_timedwait(s2, now));
	/* Bad task: the MIG send fails. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, semaphore_destroy(MACH_PORT_NULL, s));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, semaphore_destroy(0x12345, s));
	/* A receive right cannot be moved as a send right. */
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT,
		  semaphore_destroy(mach_task_self(), rcv));
	/* A send right moves in, converts to SEMAPHORE_NULL, is released. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  semaphore_destroy(mach_task_self(), snd));
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(mach_task_self(), snd,
						   MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(0, refs);
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s2));
	mach_port_destroy(mach_task_self(), rcv);
	mach_port_destroy(mach_task_self(), snd);
}

static void *sleep_wait_fn(void *arg)
{
	semaphore_t s = *(semaphore_t *)arg;

	return (void *)(intptr_t)semaphore_wait(s);
}

/* semaphore_signal_thread(THREAD_NULL): one waiter, never kept. */
TEST(signal_thread_null)
{
	mach_timespec_t now = { 0, 0 };
	kern_return_t kr = KERN_NOT_WAITING;
	semaphore_t s;
	pthread_t t;
	void *res;
	int i;

	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &s,
						 SYNC_POLICY_FIFO, 0));
	EXPECT_EQ(KERN_NOT_WAITING, semaphore_signal_thread(s, THREAD_NULL));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_INVALID_NAME,
		  semaphore_signal_thread(SEMAPHORE_NULL, THREAD_NULL));
	EXPECT_EQ(KERN_INVALID_NAME,
		  semaphore_signal_thread(0x12345, THREAD_NULL));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, semaphore_signal_thread(s, 0x12345));
	ASSERT_EQ(0, pthread_create(&t, NULL, sleep_wait_fn, &s));
	/*
	 * Until the thread waits, the signal finds nobody and leaves
	 * nothing behind: retry (a slow emulator may take seconds).
	 */
	for (i = 0; i < 1000; i++) {
		kr = semaphore_signal_thread(s, THREAD_NULL);
		if (kr != KERN_NOT_WAITING)
			break;
		usleep(10000);
	}
	EXPECT_EQ(KERN_SUCCESS, kr);
	pthread_join(t, &res);
	EXPECT_EQ(KERN_SUCCESS, (kern_return_t)(intptr_t)res);
	EXPECT_EQ(KERN_NOT_WAITING, semaphore_signal_thread(s, THREAD_NULL));
	EXPECT_EQ(KERN_OPERATION_TIMED_OUT, semaphore_timedwait(s, now));
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), s));
	EXPECT_EQ(KERN_INVALID_NAME, semaphore_signal_thread(s, THREAD_NULL));
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

		if (semaphore_signal(s) != KERN_INVALID_NAME ||
		    semaphore_destroy(mach_task_self(), s) !=
		    MACH_SEND_INVALID_RIGHT)
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

/* mach_error_string() as XNU's err_kern.sub, and its unknown codes. */
TEST(error_strings_xnu)
{
	static const struct {
		kern_return_t kr;
		const char *text;
	} want[] = {
		{ KERN_TERMINATED, "(os/kern) object terminated" },
		{ KERN_LOCK_OWNED, "(os/kern) lock owned by another" },
		{ KERN_LOCK_OWNED_SELF, "(os/kern) lock owned by self" },
		{ KERN_RPC_SERVER_TERMINATED, "(os/kern) RPC terminated" },
		{ KERN_RPC_TERMINATE_ORPHAN, "(os/kern) terminate orphan" },
		{ KERN_RPC_CONTINUE_ORPHAN, "(os/kern) let orphan continue" },
		{ KERN_NOT_SUPPORTED, "(os/kern) service not supported" },
		{ KERN_NODE_DOWN, "(os/kern) remote node down" },
		{ KERN_NOT_WAITING, "(os/kern) thread not waiting" },
		{ KERN_OPERATION_TIMED_OUT, "(os/kern) operation timed out" },
		{ KERN_INSUFFICIENT_BUFFER_SIZE,
		  "(os/kern) insufficient input buffer size" },
		{ KERN_DENIED, "(os/kern) denied by security policy" },
		{ KERN_NOT_FOUND, "(os/kern) result not found" },
		{ KERN_INVALID_CAPABILITY, "(os/kern) invalid capability" },
		{ KERN_INVALID_HOST, "(os/kern) invalid host" },
		{ 57, "unknown error code" },
		{ 0x7fff & 0x3fff, "unknown error code" },
		{ err_sub(5) | 1, "(operating system/?) unknown subsystem error" },
		{ err_system(4) | err_sub(0) | 0x3fff, "unknown error code" },
		{ err_system(4) | err_sub(7), "(ipc/?) unknown subsystem error" },
		{ err_system(0x20) | 1, "(?/?) unknown error system" },
		{ -303, "(ipc/mig) bad request message ID" },
		/* The legacy codes are mapped before the tables are read. */
		{ -102, "(ipc/send) invalid data" },
	};
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(want); i++)
		EXPECT_STREQ(want[i].text, mach_error_string(want[i].kr));
	EXPECT_STREQ("(os/kern)", mach_error_type(KERN_NOT_FOUND));
	EXPECT_STREQ("(ipc/send)", mach_error_type(MACH_SEND_INVALID_DEST));
	EXPECT_STREQ("(ipc/rcv)", mach_error_type(MACH_RCV_TIMED_OUT));
	EXPECT_STREQ("(ipc/mig)", mach_error_type(MIG_BAD_ID));
	EXPECT_STREQ("(?/?)", mach_error_type(err_system(0x20)));
	EXPECT_STREQ("(ipc/send)", mach_error_type(-102));
}

TEST_HARNESS_MAIN
