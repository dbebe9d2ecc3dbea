// SPDX-License-Identifier: GPL-2.0
/*
 * poll: readiness descriptors (MACHIPC_IOC_POLL_FD) under poll, select and
 * epoll.  EPOLLIN while a message is queued and not after the receive that
 * drains it, on ports and port sets; a blocked epoll_wait woken by a send;
 * EPOLLET and EPOLLONESHOT; EPOLLEXCLUSIVE waking exactly one of 2 to 16
 * waiters per wake-up; EPOLLHUP when the port is destroyed, its receive
 * right moves away, the set is destroyed or the space closes; fork and
 * exec; and the lifetime races (destroy while epoll waits, close in every
 * order, SIGKILL of a process with ports in an epoll set), thousands of
 * times, which the debug guest's KASAN, lockdep and kmemleak judge.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define RCV_CAP	1024

/* The readiness poll(2) reports for @pfd right now. */
static short poll_now(int pfd)
{
	struct pollfd p = { .fd = pfd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

static int select_readable(int pfd)
{
	struct timeval tv = { 0, 0 };
	fd_set r;

	FD_ZERO(&r);
	FD_SET(pfd, &r);
	if (select(pfd + 1, &r, NULL, NULL, &tv) < 0)
		return -1;
	return FD_ISSET(pfd, &r);
}

/* Events epoll reports now (0 when none), or -1. */
static int epoll_now(int epfd, int ms)
{
	struct epoll_event ev;
	int n = epoll_wait(epfd, &ev, 1, ms);

	if (n < 0)
		return -1;
	return n ? (int)ev.events : 0;
}

static int raw_poll_fd(int fd, __u32 name, __u32 flags, __s32 fdv,
		       __u32 reserved)
{
	struct machipc_poll_fd a = {
		.name = name, .flags = flags, .fd = fdv, .reserved = reserved,
	};

	if (ioctl(fd, MACHIPC_IOC_POLL_FD, &a) < 0)
		return -1;
	return a.fd;
}

/* Whether thread @tid sleeps in epoll_wait/epoll_pwait (x86_64). */
static int in_epoll_wait(pid_t tid)
{
	char path[96], buf[256];
	int nr = -1, ok = 0;
	char state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%d", &nr) == 1)
		ok = nr == 232 || nr == 281 || nr == 441;
	fclose(f);
	if (!ok)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		char *rp = strrchr(buf, ')');

		if (rp && rp[1] == ' ')
			state = rp[2];
	}
	fclose(f);
	return state == 'S';
}

FIXTURE(poll)
{
	int fd;
	__u32 port;
	char buf[RCV_CAP] __attribute__((aligned(8)));
};

FIXTURE_SETUP(poll)
{
	self->fd = machipc_open();
	ASSERT_GE(self->fd, 0);
	self->port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->port);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, self->port,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	ASSERT_EQ(0, machipc_port_set_qlimit(self->fd, self->port,
					     MACHIPC_QLIMIT_MAX));
}

FIXTURE_TEARDOWN(poll)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int send_to(int fd, __u32 port, __u32 id)
{
	return mt_send_simple(fd, port, MACHIPC_DISP_COPY_SEND, id, &id,
			      sizeof(id), NULL);
}

/* Every invalid argument and wrong kind of name: errno, no descriptor. */
TEST_F(poll, bad_arguments)
{
	struct machipc_account_info before, after;
	__u32 dead = mt_alloc(self->fd, MACHIPC_RIGHT_DEAD_NAME);
	int pfd, probe;

	ASSERT_NE(0, dead);
	ASSERT_EQ(0, machipc_account_get(self->fd, &before));
	probe = dup(0);
	ASSERT_GE(probe, 0);
	close(probe);

	EXPECT_EQ(-1, machipc_poll_fd(self->fd, 0x12345678, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, machipc_poll_fd(self->fd, MACHIPC_NAME_NULL, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, machipc_poll_fd(self->fd, dead, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, raw_poll_fd(self->fd, self->port, 2, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, raw_poll_fd(self->fd, self->port, 0, 0, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, raw_poll_fd(self->fd, self->port, 0, 7, 0));
	EXPECT_EQ(EINVAL, errno);

	/* A send right alone (in another space) is not enough. */
	{
		int other = machipc_open();
		__u32 snd;

		ASSERT_GE(other, 0);
		ASSERT_EQ(0, mt_give_send(self->fd, self->port, other, &snd));
		EXPECT_EQ(-1, machipc_poll_fd(other, snd, 0));
		EXPECT_EQ(EACCES, errno);
		close(other);
	}

	/* No descriptor was left behind by the failures. */
	pfd = dup(0);
	EXPECT_EQ(probe, pfd);
	close(pfd);

	/* The descriptor is close-on-exec unless asked. */
	pfd = machipc_poll_fd(self->fd, self->port, 0);
	ASSERT_GE(pfd, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(pfd, F_GETFD) & FD_CLOEXEC);
	close(pfd);
	pfd = machipc_poll_fd(self->fd, self->port, MACHIPC_POLL_FD_INHERIT);
	ASSERT_GE(pfd, 0);
	EXPECT_EQ(0, fcntl(pfd, F_GETFD) & FD_CLOEXEC);
	/* It cannot be read or written. */
	EXPECT_EQ(-1, read(pfd, self->buf, 8));
	EXPECT_EQ(-1, write(pfd, self->buf, 8));
	close(pfd);

	/* Poll heads are not charged to the account. */
	ASSERT_EQ(0, machipc_account_get(self->fd, &after));
	EXPECT_EQ(before.usage, after.usage);
}

/* Level-triggered readiness through poll, select and epoll. */
TEST_F(poll, readiness_port)
{
	int pfd = machipc_poll_fd(self->fd, self->port, 0);
	int pfd2 = machipc_poll_fd(self->fd, self->port, 0);
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };

	ASSERT_GE(pfd, 0);
	ASSERT_GE(pfd2, 0);
	ASSERT_GE(epfd, 0);
	ASSERT_EQ(0, epoll_ctl(epfd, EPOLL_CTL_ADD, pfd, &ev));

	EXPECT_EQ(0, poll_now(pfd));
	EXPECT_EQ(0, select_readable(pfd));
	EXPECT_EQ(0, epoll_now(epfd, 0));

	ASSERT_EQ(0, send_to(self->fd, self->port, 1));
	ASSERT_EQ(0, send_to(self->fd, self->port, 2));
	EXPECT_EQ(POLLIN, poll_now(pfd));
	EXPECT_EQ(POLLIN, poll_now(pfd2));
	EXPECT_EQ(1, select_readable(pfd));
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));
	/* Level-triggered: still there. */
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));

	ASSERT_EQ(0, mt_recv_now(self->fd, self->port, self->buf, RCV_CAP));
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));
	ASSERT_EQ(0, mt_recv_now(self->fd, self->port, self->buf, RCV_CAP));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	EXPECT_EQ(0, poll_now(pfd));
	EXPECT_EQ(0, select_readable(pfd2));

	close(epfd);
	close(pfd);
	close(pfd2);
}

/* A set is readable while any member has a message; members too. */
TEST_F(poll, readiness_pset)
{
	__u32 set = mt_alloc(self->fd, MACHIPC_RIGHT_PORT_SET);
	__u32 p2 = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	int sfd, pfd, epfd = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_NE(0, set);
	ASSERT_NE(0, p2);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, p2,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	ASSERT_EQ(0, machipc_port_move_member(self->fd, self->port, set));
	sfd = machipc_epoll_add(epfd, self->fd, set, EPOLLIN, 7);
	ASSERT_GE(sfd, 0);
	pfd = machipc_poll_fd(self->fd, p2, 0);
	ASSERT_GE(pfd, 0);
	EXPECT_EQ(0, epoll_now(epfd, 0));

	/* A message queued before the port joins the set. */
	ASSERT_EQ(0, send_to(self->fd, p2, 1));
	EXPECT_EQ(POLLIN, poll_now(pfd));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	ASSERT_EQ(0, machipc_port_move_member(self->fd, p2, set));
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));
	/* The member's own descriptor still reports its queue. */
	EXPECT_EQ(POLLIN, poll_now(pfd));
	ASSERT_EQ(0, mt_recv_now(self->fd, set, self->buf, RCV_CAP));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	EXPECT_EQ(0, poll_now(pfd));

	ASSERT_EQ(0, send_to(self->fd, self->port, 2));
	{
		struct epoll_event got;

		ASSERT_EQ(1, epoll_wait(epfd, &got, 1, 0));
		EXPECT_EQ(7, got.data.u64);
	}
	/* Leaving the set takes the message's readiness with it. */
	ASSERT_EQ(0, machipc_port_move_member(self->fd, self->port, 0));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	ASSERT_EQ(0, machipc_port_move_member(self->fd, self->port, set));
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));
	ASSERT_EQ(0, mt_recv_now(self->fd, set, self->buf, RCV_CAP));
	EXPECT_EQ(0, epoll_now(epfd, 0));

	/* Destroying the set hangs its descriptor up, not the members'. */
	ASSERT_EQ(0, machipc_port_destroy(self->fd, set));
	EXPECT_EQ(EPOLLHUP, epoll_now(epfd, 0));
	EXPECT_EQ(0, poll_now(pfd));
	close(epfd);
	close(sfd);
	close(pfd);
}

struct blocked {
	int epfd;
	atomic_int events;
	pid_t tid;
};

static void *epoll_waiter(void *arg)
{
	struct blocked *b = arg;

	b->tid = gettid();
	atomic_store(&b->events, epoll_now(b->epfd, -1));
	return NULL;
}

/* A thread blocked in epoll_wait wakes for a message, and for a hang-up. */
TEST_F(poll, wakes_blocked_epoll)
{
	struct blocked b = { .epfd = epoll_create1(EPOLL_CLOEXEC) };
	pthread_t t;
	int pfd;

	ASSERT_GE(b.epfd, 0);
	pfd = machipc_epoll_add(b.epfd, self->fd, self->port, EPOLLIN, 0);
	ASSERT_GE(pfd, 0);

	atomic_store(&b.events, -2);
	ASSERT_EQ(0, pthread_create(&t, NULL, epoll_waiter, &b));
	while (!b.tid || !in_epoll_wait(b.tid))
		usleep(1000);
	EXPECT_EQ(-2, atomic_load(&b.events));
	ASSERT_EQ(0, send_to(self->fd, self->port, 1));
	pthread_join(t, NULL);
	EXPECT_EQ(EPOLLIN, atomic_load(&b.events));
	ASSERT_EQ(0, mt_recv_now(self->fd, self->port, self->buf, RCV_CAP));

	b.tid = 0;
	atomic_store(&b.events, -2);
	ASSERT_EQ(0, pthread_create(&t, NULL, epoll_waiter, &b));
	while (!b.tid || !in_epoll_wait(b.tid))
		usleep(1000);
	ASSERT_EQ(0, machipc_port_destroy(self->fd, self->port));
	pthread_join(t, NULL);
	EXPECT_EQ(EPOLLHUP, atomic_load(&b.events));
	close(b.epfd);
	close(pfd);
}

TEST_F(poll, edge_triggered)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	int pfd;

	ASSERT_GE(epfd, 0);
	pfd = machipc_epoll_add(epfd, self->fd, self->port, EPOLLIN | EPOLLET,
				0);
	ASSERT_GE(pfd, 0);
	EXPECT_EQ(0, epoll_now(epfd, 0));
	ASSERT_EQ(0, send_to(self->fd, self->port, 1));
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));
	/* Reported once per arrival, although the message is still queued. */
	EXPECT_EQ(0, epoll_now(epfd, 0));
	ASSERT_EQ(0, send_to(self->fd, self->port, 2));
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	ASSERT_EQ(0, mt_recv_now(self->fd, self->port, self->buf, RCV_CAP));
	ASSERT_EQ(0, mt_recv_now(self->fd, self->port, self->buf, RCV_CAP));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, self->port));
	EXPECT_EQ(EPOLLHUP, epoll_now(epfd, 0));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	close(epfd);
	close(pfd);
}

TEST_F(poll, oneshot)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	int pfd;

	ASSERT_GE(epfd, 0);
	pfd = machipc_epoll_add(epfd, self->fd, self->port,
				EPOLLIN | EPOLLONESHOT, 0);
	ASSERT_GE(pfd, 0);
	ASSERT_EQ(0, send_to(self->fd, self->port, 1));
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	ASSERT_EQ(0, send_to(self->fd, self->port, 2));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	/* Re-armed: level-triggered again, once. */
	ASSERT_EQ(0, epoll_ctl(epfd, EPOLL_CTL_MOD, pfd, &ev));
	EXPECT_EQ(EPOLLIN, epoll_now(epfd, 0));
	EXPECT_EQ(0, epoll_now(epfd, 0));
	close(epfd);
	close(pfd);
}

/*
 * EPOLLEXCLUSIVE: N threads, each with its own epoll instance holding the
 * same readiness descriptor exclusively.  Nobody receives, so every
 * thread that wakes returns from epoll_wait with the message still there,
 * counts itself and parks.  Each arrival must wake exactly one: after
 * round k (once every other thread sleeps again) exactly k have woken.  A
 * wake-all hang-up at the end releases the rest.
 */
#define EXCL_MAX 16

struct excl {
	int epfd[EXCL_MAX];
	pid_t tid[EXCL_MAX];
	atomic_int parked[EXCL_MAX];
	atomic_int wakes;
	atomic_int hups;
	int park[2];
	int n;
};

struct excl_arg {
	struct excl *x;
	int i;
};

static void *excl_thread(void *p)
{
	struct excl_arg *a = p;
	struct excl *x = a->x;
	int ev;

	x->tid[a->i] = gettid();
	ev = epoll_now(x->epfd[a->i], -1);
	if (ev == EPOLLIN) {
		atomic_fetch_add(&x->wakes, 1);
		atomic_store(&x->parked[a->i], 1);
		mt_get(x->park[0]);
	} else if (ev & EPOLLHUP) {
		atomic_fetch_add(&x->hups, 1);
		atomic_store(&x->parked[a->i], 1);
	}
	return NULL;
}

/* Every thread parked or asleep in epoll_wait. */
static void excl_settle(struct excl *x)
{
	int i;

	for (i = 0; i < x->n; i++)
		while (!atomic_load(&x->parked[i]) &&
		       (!x->tid[i] || !in_epoll_wait(x->tid[i])))
			usleep(1000);
}

static void excl_run(struct __test_metadata *_metadata, int fd, __u32 port,
		     int n)
{
	struct excl_arg args[EXCL_MAX];
	pthread_t t[EXCL_MAX];
	struct excl x = { .n = n };
	int i, pfd, round;

	ASSERT_EQ(0, pipe(x.park));
	pfd = machipc_poll_fd(fd, port, 0);
	ASSERT_GE(pfd, 0);
	for (i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };

		x.epfd[i] = epoll_create1(EPOLL_CLOEXEC);
		ASSERT_GE(x.epfd[i], 0);
		ASSERT_EQ(0, epoll_ctl(x.epfd[i], EPOLL_CTL_ADD, pfd, &ev));
		args[i].x = &x;
		args[i].i = i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, excl_thread, &args[i]));
	}
	excl_settle(&x);
	for (round = 1; round < n; round++) {
		ASSERT_EQ(0, send_to(fd, port, round));
		while (atomic_load(&x.wakes) < round)
			usleep(1000);
		excl_settle(&x);
		EXPECT_EQ(round, atomic_load(&x.wakes));
	}
	/* The hang-up wakes everyone still waiting, exclusive or not. */
	ASSERT_EQ(0, machipc_port_destroy(fd, port));
	for (i = 0; i < n - 1; i++)
		mt_put(x.park[1], 'x');
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		close(x.epfd[i]);
	}
	EXPECT_EQ(n - 1, atomic_load(&x.wakes));
	EXPECT_EQ(1, atomic_load(&x.hups));
	close(pfd);
	close(x.park[0]);
	close(x.park[1]);
}

TEST_F(poll, exclusive_2)
{
	excl_run(_metadata, self->fd, self->port, 2);
}

TEST_F(poll, exclusive_4)
{
	excl_run(_metadata, self->fd, self->port, 4);
}

TEST_F(poll, exclusive_16)
{
	excl_run(_metadata, self->fd, self->port, 16);
}

/* EPOLLHUP once the receive right leaves the space, for ever after. */
TEST_F(poll, hup_receive_moved)
{
	__u32 carrier = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	struct machipc_msg_builder b;
	__u64 msg[64];
	int pfd, pfd2;
	const struct machipc_msg_desc *d;

	ASSERT_NE(0, carrier);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, carrier,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	pfd = machipc_poll_fd(self->fd, self->port, 0);
	ASSERT_GE(pfd, 0);
	ASSERT_EQ(0, send_to(self->fd, self->port, 1));
	EXPECT_EQ(POLLIN, poll_now(pfd));

	ASSERT_EQ(0, machipc_msg_init(&b, msg, sizeof(msg), carrier,
				      MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 9));
	ASSERT_EQ(0, machipc_msg_add_port(&b, self->port,
					  MACHIPC_DISP_MOVE_RECEIVE));
	ASSERT_EQ(0, machipc_send(self->fd, msg, NULL));
	EXPECT_EQ(POLLHUP, poll_now(pfd));

	/* The right comes back: the old descriptor stays hung up. */
	ASSERT_EQ(0, mt_recv_now(self->fd, carrier, self->buf, RCV_CAP));
	d = machipc_msg_desc(self->buf, 0);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(POLLHUP, poll_now(pfd));
	pfd2 = machipc_poll_fd(self->fd, d->name, 0);
	ASSERT_GE(pfd2, 0);
	EXPECT_EQ(POLLIN, poll_now(pfd2));
	ASSERT_EQ(0, mt_recv_now(self->fd, d->name, self->buf, RCV_CAP));
	EXPECT_EQ(0, poll_now(pfd2));
	EXPECT_EQ(POLLHUP, poll_now(pfd));
	close(pfd);
	close(pfd2);
}

/* Closing the space hangs every descriptor up; they outlive it. */
TEST_F(poll, hup_space_closed)
{
	__u32 set = mt_alloc(self->fd, MACHIPC_RIGHT_PORT_SET);
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	int pfd, sfd;
	struct epoll_event got[2];

	ASSERT_GE(epfd, 0);
	pfd = machipc_epoll_add(epfd, self->fd, self->port, EPOLLIN, 1);
	sfd = machipc_epoll_add(epfd, self->fd, set, EPOLLIN, 2);
	ASSERT_GE(pfd, 0);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, send_to(self->fd, self->port, 1));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(2, epoll_wait(epfd, got, 2, 0));
	EXPECT_EQ(EPOLLHUP, got[0].events);
	EXPECT_EQ(EPOLLHUP, got[1].events);
	EXPECT_EQ(POLLHUP, poll_now(pfd));
	close(pfd);
	close(epfd);
	EXPECT_EQ(POLLHUP, poll_now(sfd));
	close(sfd);
}

/*
 * fork: the child shares the descriptor and sees the parent's port's
 * readiness (it cannot receive: the space is the parent's).  exec: gone
 * unless MACHIPC_POLL_FD_INHERIT, then still working.
 */
TEST_F(poll, fork_and_exec)
{
	int pfd = machipc_poll_fd(self->fd, self->port, 0);
	int keep = machipc_poll_fd(self->fd, self->port,
				   MACHIPC_POLL_FD_INHERIT);
	int sync[2], back[2];
	char cmd[160];
	pid_t pid;

	ASSERT_GE(pfd, 0);
	ASSERT_GE(keep, 0);
	ASSERT_EQ(0, pipe(sync));
	ASSERT_EQ(0, pipe(back));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };

		if (poll(&p, 1, -1) != 1 || p.revents != POLLIN)
			_exit(1);
		if (mt_recv_now(self->fd, self->port, self->buf, RCV_CAP) !=
		    EBADFD)
			_exit(2);
		mt_put(back[1], 'r');
		mt_get(sync[0]);
		if (poll(&p, 1, -1) != 1 || p.revents != POLLHUP)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(0, send_to(self->fd, self->port, 1));
	ASSERT_EQ('r', mt_get(back[0]));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, self->port));
	mt_put(sync[1], 'g');
	EXPECT_EQ(0, mt_wait(pid));

	/* After exec: @pfd closed, @keep open (and hung up by now). */
	snprintf(cmd, sizeof(cmd),
		 "[ ! -e /proc/self/fd/%d ] && [ -e /proc/self/fd/%d ]",
		 pfd, keep);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	EXPECT_EQ(0, mt_wait(pid));
	close(pfd);
	close(keep);
	close(sync[0]);
	close(sync[1]);
	close(back[0]);
	close(back[1]);
}

/*
 * The CVE-2019-2215 shape, many times: a thread blocks in epoll_wait on a
 * port's descriptor while another destroys the port; then the descriptor
 * and the epoll instance are closed, in both orders; also the descriptor
 * closed while still in the epoll set and the port destroyed afterwards,
 * and the port's last poller gone before its death.
 */
struct race {
	atomic_int epfd;
	atomic_int result;
	int go[2];
	int done[2];
	pid_t tid;
};

static void *race_waiter(void *p)
{
	struct race *r = p;

	r->tid = gettid();
	for (;;) {
		if (mt_get(r->go[0]) != 'g')
			return NULL;
		atomic_store(&r->result,
			     epoll_now(atomic_load(&r->epfd), -1));
		mt_put(r->done[1], 'd');
	}
}

TEST_F_TIMEOUT(poll, destroy_while_epoll_waits, 900)
{
	long i, iters = mt_scaled(10000, 100);
	struct race r = { 0 };
	pthread_t t;

	ASSERT_EQ(0, pipe(r.go));
	ASSERT_EQ(0, pipe(r.done));
	ASSERT_EQ(0, pthread_create(&t, NULL, race_waiter, &r));
	for (i = 0; i < iters; i++) {
		__u32 port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
		int epfd = epoll_create1(EPOLL_CLOEXEC);
		int pfd;

		ASSERT_NE(0, port);
		ASSERT_GE(epfd, 0);
		pfd = machipc_epoll_add(epfd, self->fd, port,
					EPOLLIN | (i & 4 ? EPOLLEXCLUSIVE : 0),
					0);
		ASSERT_GE(pfd, 0);
		switch (i % 4) {
		case 0:
		case 1:
			/* Destroy while (or just before) the thread waits. */
			atomic_store(&r.epfd, epfd);
			mt_put(r.go[1], 'g');
			if (i & 8)
				sched_yield();
			ASSERT_EQ(0, machipc_port_destroy(self->fd, port));
			ASSERT_EQ('d', mt_get(r.done[0]));
			ASSERT_EQ(EPOLLHUP, atomic_load(&r.result));
			if (i % 4) {
				close(epfd);
				close(pfd);
			} else {
				close(pfd);
				close(epfd);
			}
			break;
		case 2:
			/* The descriptor closed while still in the set. */
			close(pfd);
			ASSERT_EQ(0, machipc_port_destroy(self->fd, port));
			ASSERT_EQ(0, epoll_now(epfd, 0));
			close(epfd);
			break;
		default:
			/* The epoll instance gone first, then the port. */
			close(epfd);
			ASSERT_EQ(0, machipc_port_destroy(self->fd, port));
			ASSERT_EQ(POLLHUP, poll_now(pfd));
			close(pfd);
			break;
		}
	}
	close(r.go[1]);
	pthread_join(t, NULL);
	close(r.go[0]);
	close(r.done[0]);
	close(r.done[1]);
}

/*
 * SIGKILL of a process waiting in epoll_wait with ports, a set and queued
 * messages in its epoll set: its space, descriptors and epoll instance go
 * at once, in the order exit chooses (the space's descriptor first).
 */
TEST_F_TIMEOUT(poll, kill9_in_epoll_wait, 300)
{
	long i, iters = mt_scaled(50, 5);

	for (i = 0; i < iters; i++) {
		int ready[2];
		pid_t pid;

		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			int fd = machipc_open();
			int epfd = epoll_create1(0);
			__u32 set, p[4];
			int k;

			if (fd < 0 || epfd < 0)
				_exit(1);
			set = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
			for (k = 0; k < 4; k++) {
				p[k] = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
				machipc_port_insert_right(fd, p[k],
						MACHIPC_DISP_MAKE_SEND, NULL);
				if (machipc_epoll_add(epfd, fd, p[k],
						EPOLLIN | EPOLLET, k) < 0)
					_exit(2);
				if (k & 1)
					machipc_port_move_member(fd, p[k], set);
			}
			if (machipc_epoll_add(epfd, fd, set, EPOLLIN, 9) < 0)
				_exit(3);
			send_to(fd, p[0], 1);
			send_to(fd, p[1], 2);
			mt_put(ready[1], 'r');
			for (;;)
				epoll_now(epfd, -1);
		}
		ASSERT_EQ('r', mt_get(ready[0]));
		if (i & 1)
			usleep(1000);
		kill(pid, SIGKILL);
		EXPECT_EQ(128 + SIGKILL, mt_wait(pid));
		close(ready[0]);
		close(ready[1]);
	}
}

TEST_HARNESS_MAIN
