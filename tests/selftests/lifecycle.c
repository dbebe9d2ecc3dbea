// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle: process death with messages and rights in flight, rights
 * cycles (a receive right queued on its own port, A on B on A, longer
 * chains) and chains that are not cycles, bootstrap descriptors (export
 * dispositions, import after fork, after exec, through SCM_RIGHTS, and the
 * errors), and /proc/PID/fdinfo of a space.
 *
 * Leaks are judged by the runner (kmemleak on the debug kernel, rmmod);
 * here every right counter is checked against the model of the test.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define TRL	sizeof(struct machipc_msg_trailer)

static const char *exec_arg = "--lifecycle-exec-import";

/* Send to @dest (COPY_SEND) with descriptors @names/@disps. */
static int send_rights(int fd, __u32 dest, __u32 id, const __u32 *names,
		       const __u32 *disps, int n, const struct timespec *dl)
{
	__u64 buf[128];
	struct machipc_msg_builder b;
	int i;

	if (machipc_msg_init(&b, buf, sizeof(buf), dest,
			     MACHIPC_DISP_COPY_SEND, 0, MACHIPC_DISP_NONE, id))
		return errno;
	for (i = 0; i < n; i++)
		if (machipc_msg_add_port(&b, names[i], disps[i]))
			return errno;
	return MT_ERR(machipc_send(fd, buf, dl));
}

static int send_now(int fd, __u32 dest, __u32 id)
{
	struct timespec now;

	machipc_deadline_in(&now, 0);
	return mt_send_simple(fd, dest, MACHIPC_DISP_COPY_SEND, id, NULL, 0,
			      &now);
}

static __u32 rights_of(int fd, __u32 name)
{
	__u32 rights = 0;

	if (mt_info(fd, name, &rights, NULL))
		return 0;
	return rights;
}

/* A receive right with a send right under the same name. */
static __u32 alloc_rs(int fd)
{
	__u32 n = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);

	if (n && machipc_port_insert_right(fd, n, MACHIPC_DISP_MAKE_SEND, NULL))
		return 0;
	return n;
}

/* Receive every pending message of @name; count kernel send-once ones. */
static int drain_send_once(int fd, __u32 name, int *other)
{
	__u64 buf[64];
	int n = 0;

	*other = 0;
	while (mt_recv_now(fd, name, buf, sizeof(buf)) == 0) {
		if (machipc_msg_header(buf)->id == MACHIPC_MSGID_SEND_ONCE &&
		    machipc_msg_trailer(buf)->flags == MACHIPC_TRAILER_KERNEL)
			n++;
		else
			(*other)++;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Process death                                                      */
/* ------------------------------------------------------------------ */

struct blocked_send {
	int fd;
	__u32 dest;
	atomic_int tid;
	int err;
};

static void *blocked_sender(void *arg)
{
	struct blocked_send *bs = arg;
	__u32 id = 6;

	atomic_store(&bs->tid, gettid());
	bs->err = mt_send_simple(bs->fd, bs->dest, MACHIPC_DISP_COPY_SEND, id,
				 &id, sizeof(id), NULL);
	return NULL;
}

TEST(sigkill_receiver_with_rights_in_flight)
{
	int sv[2], go[2], fd, bfd, i, other;
	__u32 a, b, cn, rights, urefs;
	struct machipc_port_attr at;
	struct blocked_send bs = { 0 };
	pthread_t th;
	pid_t child, peer;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int own = machipc_open(), e;
		__u32 c;

		if (own < 0 || !(c = mt_alloc(own, MACHIPC_RIGHT_RECEIVE)))
			_exit(10);
		e = machipc_bootstrap_export(own, c, MACHIPC_DISP_MAKE_SEND, 0);
		if (e < 0 || mt_send_fd(sv[1], e))
			_exit(11);
		close(e);
		for (;;)
			pause();
	}
	bfd = mt_recv_fd(sv[0]);
	ASSERT_LE(0, bfd);

	/* another process with a send right to the child's port */
	peer = fork();
	ASSERT_LE(0, peer);
	if (peer == 0) {
		int own = machipc_open();
		__u32 n, r = 0, u = 0;

		close(go[1]);
		if (own < 0 || machipc_bootstrap_import(own, bfd, &n))
			_exit(20);
		close(bfd);
		if (mt_put(sv[1], 'R'))
			_exit(21);
		if (mt_get(go[0]) != 'G')
			_exit(22);
		if (mt_info(own, n, &r, &u) || r != MACHIPC_RIGHT_DEAD_NAME ||
		    u != 1)
			_exit(23);
		if (send_now(own, n, 1) != EPIPE)
			_exit(24);
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ('R', mt_get(sv[0]));

	fd = machipc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(fd, bfd, &cn)));
	close(bfd);
	a = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	b = alloc_rs(fd);
	ASSERT_NE(0, a);
	ASSERT_NE(0, b);

	/* fill the child's queue: send and send-once rights to a, b's receive */
	for (i = 0; i < MACHIPC_QLIMIT_DEFAULT; i++) {
		__u32 names[3] = { a, a, b };
		__u32 disps[3] = { MACHIPC_DISP_MAKE_SEND,
				   MACHIPC_DISP_MAKE_SEND_ONCE,
				   MACHIPC_DISP_MOVE_RECEIVE };

		ASSERT_EQ(0, send_rights(fd, cn, i, names, disps, i ? 2 : 3,
					 NULL));
	}
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights_of(fd, b));
	ASSERT_EQ(0, mt_attr(fd, a, &at));
	EXPECT_EQ(5, at.srights);
	EXPECT_EQ(5, at.sorights);
	EXPECT_EQ(5, at.mscount);

	/* and a sender blocked on the full queue */
	bs.fd = fd;
	bs.dest = cn;
	ASSERT_EQ(0, pthread_create(&th, NULL, blocked_sender, &bs));
	while (!atomic_load(&bs.tid))
		usleep(100);
	ASSERT_EQ(0, mt_wait_in_ioctl(getpid(), atomic_load(&bs.tid), 30000));

	ASSERT_EQ(0, kill(child, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, mt_wait(child));
	pthread_join(th, NULL);
	EXPECT_EQ(EPIPE, bs.err);

	/* the child's port is dead: dead names here and in the peer */
	ASSERT_EQ(0, mt_info(fd, cn, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights);
	EXPECT_EQ(1, urefs);
	EXPECT_EQ(EPIPE, send_now(fd, cn, 1));
	ASSERT_EQ(0, mt_put(go[1], 'G'));
	EXPECT_EQ(0, mt_wait(peer));

	/* b died with the message that held its receive right */
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights_of(fd, b));
	EXPECT_EQ(EPIPE, send_now(fd, b, 1));
	/* a: the send rights are gone, the send-once rights notified */
	ASSERT_EQ(0, mt_attr(fd, a, &at));
	EXPECT_EQ(0, at.srights);
	EXPECT_EQ(5, at.mscount);
	EXPECT_EQ(5, at.msgcount);
	EXPECT_EQ(5, drain_send_once(fd, a, &other));
	EXPECT_EQ(0, other);
	ASSERT_EQ(0, mt_attr(fd, a, &at));
	EXPECT_EQ(0, at.sorights);
	close(fd);
	close(go[1]);
	close(sv[0]);
	close(sv[1]);
}

/* ------------------------------------------------------------------ */
/* Rights cycles                                                      */
/* ------------------------------------------------------------------ */

/*
 * Ports p[0..n-1] (receive + send names); x gets send and send-once rights
 * from messages queued inside the cycle.  Queue p[i]'s receive right on
 * p[i+1], and finally p[n-1]'s on p[0]: the cycle closes and must die.
 */
static void make_cycle(struct __test_metadata *_metadata, int n)
{
	__u32 *p = calloc(n, sizeof(*p)), x, urefs = 0;
	struct machipc_port_attr at;
	int fd, i, other;

	ASSERT_NE(NULL, p);
	fd = machipc_open();
	ASSERT_LE(0, fd);
	x = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, x);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(fd, x, MACHIPC_QLIMIT_MAX)));
	for (i = 0; i < n; i++) {
		__u32 names[2] = { x, x };
		__u32 disps[2] = { MACHIPC_DISP_MAKE_SEND,
				   MACHIPC_DISP_MAKE_SEND_ONCE };

		p[i] = alloc_rs(fd);
		ASSERT_NE(0, p[i]);
		/* a message with rights to x waits on every port */
		ASSERT_EQ(0, send_rights(fd, p[i], 100 + i, names, disps, 2,
					 NULL));
	}
	for (i = 0; i < n; i++) {
		__u32 disp = MACHIPC_DISP_MOVE_RECEIVE;
		__u32 dest = p[(i + 1) % n];

		ASSERT_EQ(0, send_rights(fd, dest, 200 + i, &p[i], &disp, 1,
					 NULL)) TH_LOG("link %d of %d", i, n);
		if (i < n - 1) {
			/* not a cycle yet: everything is alive */
			EXPECT_EQ(MACHIPC_RIGHT_SEND, rights_of(fd, p[i]));
			EXPECT_EQ(0, send_now(fd, p[i], 300 + i));
		}
	}
	/* the cycle is destroyed by the send that closed it */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, mt_info(fd, p[i], NULL, &urefs));
		EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights_of(fd, p[i]))
			TH_LOG("port %d of %d", i, n);
		EXPECT_EQ(1, urefs);
		EXPECT_EQ(EPIPE, send_now(fd, p[i], 1));
	}
	/* the rights to x inside the cycle were released */
	ASSERT_EQ(0, mt_attr(fd, x, &at));
	EXPECT_EQ(0, at.srights);
	EXPECT_EQ(n, at.mscount);
	EXPECT_EQ(n, drain_send_once(fd, x, &other));
	EXPECT_EQ(0, other);
	ASSERT_EQ(0, mt_attr(fd, x, &at));
	EXPECT_EQ(0, at.sorights);
	EXPECT_EQ(0, at.msgcount);
	/* the dead names go away with their references */
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, MT_ERR(machipc_port_deallocate(fd, p[i])));
	{
		struct machipc_name_info *names;
		size_t count;

		ASSERT_EQ(0, machipc_port_names(fd, &names, &count));
		EXPECT_EQ(1, count);	/* only x */
		free(names);
	}
	close(fd);
	free(p);
}

TEST(cycle_receive_right_on_own_port)
{
	make_cycle(_metadata, 1);
}

TEST(cycle_a_on_b_on_a)
{
	make_cycle(_metadata, 2);
}

TEST(cycle_a_b_c_a)
{
	make_cycle(_metadata, 3);
}

TEST(cycle_long_chain)
{
	make_cycle(_metadata, mt_scaled(64, 8));
}

TEST(cycles_repeated)
{
	long n = mt_scaled(300, 30), i;

	for (i = 0; i < n && !_metadata->exit_code; i++)
		make_cycle(_metadata, 1 + i % 4);
}

/* A's receive on B's queue, B held by a space: not a cycle, it works. */
TEST(chain_not_a_cycle)
{
	__u32 a, b, disp = MACHIPC_DISP_MOVE_RECEIVE, rights = 0;
	__u64 buf[64];
	const struct machipc_msg_header *h = (void *)buf;
	const struct machipc_msg_desc *d = (void *)(h + 1);
	struct machipc_port_attr at;
	int fd, i;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	a = alloc_rs(fd);
	b = alloc_rs(fd);
	ASSERT_NE(0, a);
	ASSERT_NE(0, b);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(fd, a, 7)));
	ASSERT_EQ(0, send_now(fd, a, 1));
	ASSERT_EQ(0, send_now(fd, a, 2));
	ASSERT_EQ(0, send_rights(fd, b, 10, &a, &disp, 1, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights_of(fd, a));
	/* a is in transit but alive: sends still queue on it */
	ASSERT_EQ(0, send_now(fd, a, 3));
	EXPECT_EQ(EACCES, mt_attr(fd, a, &at));

	ASSERT_EQ(0, mt_recv_now(fd, b, buf, sizeof(buf)));
	EXPECT_EQ(10, h->id);
	ASSERT_EQ(1, h->desc_count);
	EXPECT_EQ(MACHIPC_DISP_MOVE_RECEIVE, d[0].disposition);
	EXPECT_EQ(a, d[0].name);	/* merged with the send right's name */
	ASSERT_EQ(0, mt_info(fd, a, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	ASSERT_EQ(0, mt_attr(fd, a, &at));
	EXPECT_EQ(7, at.qlimit);
	EXPECT_EQ(3, at.msgcount);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mt_recv_now(fd, a, buf, sizeof(buf)));
		EXPECT_EQ(i + 1, h->id);
		EXPECT_EQ(i, machipc_msg_trailer(buf)->seqno);
	}
	close(fd);
}

/* A chain in a process that exits: teardown reclaims it. */
TEST(chain_and_cycle_at_exit)
{
	int sv[2], fd, i, bfd;
	__u32 names[4];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int own = machipc_open();
		__u32 p[4], disp = MACHIPC_DISP_MOVE_RECEIVE;

		if (own < 0)
			_exit(10);
		for (i = 0; i < 4; i++) {
			int e;

			p[i] = alloc_rs(own);
			if (!p[i])
				_exit(11);
			e = machipc_bootstrap_export(own, p[i],
						     MACHIPC_DISP_COPY_SEND, 0);
			if (e < 0 || mt_send_fd(sv[1], e))
				_exit(12);
			close(e);
		}
		if (mt_get(sv[1]) != 'I')
			_exit(15);
		/* p0 on p1 (p1 held): a chain; p2 on p3 and p3 on p2: a cycle */
		if (send_rights(own, p[1], 1, &p[0], &disp, 1, NULL) ||
		    send_rights(own, p[3], 2, &p[2], &disp, 1, NULL) ||
		    send_rights(own, p[2], 3, &p[3], &disp, 1, NULL))
			_exit(13);
		if (mt_put(sv[1], 'D') || mt_get(sv[1]) != 'X')
			_exit(14);
		_exit(0);	/* with p1's receive right still held */
	}
	fd = machipc_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < 4; i++) {
		bfd = mt_recv_fd(sv[0]);
		ASSERT_LE(0, bfd);
		ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(fd, bfd, &names[i])));
		close(bfd);
	}
	ASSERT_EQ(0, mt_put(sv[0], 'I'));
	ASSERT_EQ('D', mt_get(sv[0]));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights_of(fd, names[0]));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights_of(fd, names[1]));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights_of(fd, names[2]));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights_of(fd, names[3]));
	EXPECT_EQ(0, send_now(fd, names[0], 5));	/* in transit, alive */
	ASSERT_EQ(0, mt_put(sv[0], 'X'));
	EXPECT_EQ(0, mt_wait(pid));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights_of(fd, names[i]))
			TH_LOG("port %d", i);
		EXPECT_EQ(EPIPE, send_now(fd, names[i], 1));
	}
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* ------------------------------------------------------------------ */
/* Bootstrap descriptors                                              */
/* ------------------------------------------------------------------ */

static int export_err(int fd, __u32 name, __u32 disp, __u32 flags)
{
	int bfd = machipc_bootstrap_export(fd, name, disp, flags);

	if (bfd >= 0) {
		close(bfd);
		return 0;
	}
	return errno;
}

TEST(bootstrap_export_dispositions)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct machipc_port_attr at;
	__u32 p, set, dead, s2name, urefs = 0, rights = 0;
	int fd, s2, f1, f2, f3, f4, fdflags;

	ASSERT_NE(NULL, before);
	fd = machipc_open();
	s2 = machipc_open();
	ASSERT_LE(0, fd);
	ASSERT_LE(0, s2);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	set = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	dead = mt_alloc(fd, MACHIPC_RIGHT_DEAD_NAME);
	ASSERT_NE(0, p);
	ASSERT_NE(0, set);
	ASSERT_NE(0, dead);

	/* MAKE_SEND from the receive right: the name does not change */
	f1 = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND,
				      MACHIPC_BOOTSTRAP_CLOEXEC);
	ASSERT_LE(0, f1);
	fdflags = fcntl(f1, F_GETFD);
	EXPECT_TRUE(fdflags & FD_CLOEXEC);
	ASSERT_EQ(0, mt_info(fd, p, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(1, at.srights);
	EXPECT_EQ(1, at.mscount);

	/* errors change nothing */
	ASSERT_EQ(0, mt_snap_take(fd, before));
	EXPECT_EQ(EACCES, export_err(fd, p, MACHIPC_DISP_COPY_SEND, 0));
	EXPECT_EQ(EACCES, export_err(fd, p, MACHIPC_DISP_MOVE_SEND, 0));
	EXPECT_EQ(EACCES, export_err(fd, set, MACHIPC_DISP_MAKE_SEND, 0));
	EXPECT_EQ(EACCES, export_err(fd, set, MACHIPC_DISP_COPY_SEND, 0));
	EXPECT_EQ(EPIPE, export_err(fd, dead, MACHIPC_DISP_COPY_SEND, 0));
	EXPECT_EQ(EPIPE, export_err(fd, dead, MACHIPC_DISP_MOVE_SEND, 0));
	EXPECT_EQ(ENOENT, export_err(fd, 0x7fff0001, MACHIPC_DISP_MAKE_SEND, 0));
	EXPECT_EQ(ENOENT, export_err(fd, MACHIPC_NAME_NULL,
				     MACHIPC_DISP_MAKE_SEND, 0));
	EXPECT_EQ(EINVAL, export_err(fd, p, MACHIPC_DISP_MOVE_RECEIVE, 0));
	EXPECT_EQ(EINVAL, export_err(fd, p, MACHIPC_DISP_MAKE_SEND_ONCE, 0));
	EXPECT_EQ(EINVAL, export_err(fd, p, MACHIPC_DISP_NONE, 0));
	EXPECT_EQ(EINVAL, export_err(fd, p, MACHIPC_DISP_MAKE_SEND, 2));
	ASSERT_SNAP_UNCHANGED(fd, before);
	/* ... not even the argument block: no descriptor number comes back */
	{
		struct machipc_bootstrap b = {
			.name = p, .disposition = MACHIPC_DISP_COPY_SEND,
			.fd = -77,
		};

		EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &b));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-77, b.fd);
		b.name = dead;
		EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &b));
		EXPECT_EQ(EPIPE, errno);
		EXPECT_EQ(-77, b.fd);
	}

	/* COPY_SEND and MOVE_SEND from a name with three references */
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, p,
						      MACHIPC_DISP_MAKE_SEND,
						      NULL)));
	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(fd, p, MACHIPC_RIGHT_SEND, 2)));
	f2 = machipc_bootstrap_export(fd, p, MACHIPC_DISP_COPY_SEND, 0);
	ASSERT_LE(0, f2);
	EXPECT_FALSE(fcntl(f2, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, mt_info(fd, p, NULL, &urefs));
	EXPECT_EQ(3, urefs);
	f3 = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MOVE_SEND, 0);
	ASSERT_LE(0, f3);
	ASSERT_EQ(0, mt_info(fd, p, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(2, urefs);
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(4, at.srights);	/* f1, the name, f2, f3 */
	EXPECT_EQ(2, at.mscount);

	/* MOVE_SEND of the last reference of a send-only name removes it */
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(s2, f1, &s2name)));
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(5, at.srights);
	f4 = machipc_bootstrap_export(s2, s2name, MACHIPC_DISP_MOVE_SEND, 0);
	ASSERT_LE(0, f4);
	EXPECT_EQ(ENOENT, mt_info(s2, s2name, NULL, NULL));
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(5, at.srights);	/* moved, not copied */
	/* the moved right works */
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(s2, f4, &s2name)));
	EXPECT_EQ(0, send_now(s2, s2name, 44));

	/* closing descriptors releases their rights */
	close(f1);
	close(f2);
	close(f3);
	close(f4);
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(3, at.srights);	/* the name, s2's name, the message */
	{
		__u64 buf[32];

		ASSERT_EQ(0, mt_recv_now(fd, p, buf, sizeof(buf)));
		EXPECT_EQ(44, machipc_msg_header(buf)->id);
	}
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(2, at.srights);
	close(s2);
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(1, at.srights);
	close(fd);
	free(before);
}

TEST(bootstrap_import_errors)
{
	struct mt_snap *before = malloc(sizeof(*before));
	int fd, s2, pfd[2], devnull, bfd, closed;
	__u32 p, name = 0, name2 = 0, urefs = 0;

	ASSERT_NE(NULL, before);
	fd = machipc_open();
	s2 = machipc_open();
	ASSERT_LE(0, fd);
	ASSERT_LE(0, s2);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	ASSERT_EQ(0, pipe(pfd));
	devnull = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, devnull);
	closed = dup(devnull);
	ASSERT_LE(0, closed);
	close(closed);

	ASSERT_EQ(0, mt_snap_take(fd, before));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_bootstrap_import(fd, pfd[0], &name)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_bootstrap_import(fd, pfd[1], &name)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_bootstrap_import(fd, devnull, &name)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_bootstrap_import(fd, s2, &name)));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_bootstrap_import(fd, fd, &name)));
	EXPECT_EQ(EBADF, MT_ERR(machipc_bootstrap_import(fd, closed, &name)));
	EXPECT_EQ(EBADF, MT_ERR(machipc_bootstrap_import(fd, -1, &name)));
	EXPECT_EQ(EBADF, MT_ERR(machipc_bootstrap_import(fd, 1 << 20, &name)));
	ASSERT_SNAP_UNCHANGED(fd, before);

	/* importing twice adds a reference to the same name */
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(s2, bfd, &name)));
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(s2, bfd, &name2)));
	EXPECT_EQ(name, name2);
	ASSERT_EQ(0, mt_info(s2, name, NULL, &urefs));
	EXPECT_EQ(2, urefs);
	/* into the receiver's own space: merges with the receive right */
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(fd, bfd, &name2)));
	EXPECT_EQ(p, name2);
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights_of(fd, p));

	/* the port dies: its descriptor imports as EPIPE, nothing changes */
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(fd, p)));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights_of(s2, name));
	ASSERT_EQ(0, mt_snap_take(s2, before));
	EXPECT_EQ(EPIPE, MT_ERR(machipc_bootstrap_import(s2, bfd, &name2)));
	ASSERT_SNAP_UNCHANGED(s2, before);
	ASSERT_EQ(0, mt_snap_take(fd, before));
	EXPECT_EQ(EPIPE, MT_ERR(machipc_bootstrap_import(fd, bfd, &name2)));
	ASSERT_SNAP_UNCHANGED(fd, before);
	/* and a dead name cannot be exported */
	EXPECT_EQ(EPIPE, export_err(s2, name, MACHIPC_DISP_COPY_SEND, 0));
	close(bfd);
	close(pfd[0]);
	close(pfd[1]);
	close(devnull);
	close(s2);
	close(fd);
	free(before);
}

/* The receiver side of the import tests: one message with @id from @pid. */
static void expect_message_from(struct __test_metadata *_metadata, int fd,
				__u32 p, __u32 id, pid_t pid)
{
	__u64 buf[64];
	size_t size = sizeof(buf);
	struct timespec dl;

	machipc_deadline_in(&dl, 60000);
	ASSERT_EQ(0, MT_ERR(machipc_receive(fd, p, buf, &size, &dl)));
	EXPECT_EQ(id, machipc_msg_header(buf)->id);
	EXPECT_EQ(pid, machipc_msg_trailer(buf)->pid);
}

TEST(bootstrap_import_after_fork)
{
	struct machipc_port_attr at;
	int fd, bfd;
	__u32 p;
	pid_t pid;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	/* close-on-exec does not matter to fork */
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND,
				       MACHIPC_BOOTSTRAP_CLOEXEC);
	ASSERT_LE(0, bfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int own = machipc_open();
		__u32 n;

		if (own < 0 || machipc_bootstrap_import(own, bfd, &n))
			_exit(10);
		/* the parent's space is not usable here, the import is */
		if (machipc_bootstrap_import(fd, bfd, &n) == 0 ||
		    errno != EBADFD)
			_exit(11);
		if (send_now(own, n, 0xf0))
			_exit(12);
		_exit(0);
	}
	close(bfd);
	expect_message_from(_metadata, fd, p, 0xf0, pid);
	EXPECT_EQ(0, mt_wait(pid));
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(0, at.srights);
	close(fd);
}

/* argv: exec_arg, fd to import, fd that must be closed by exec */
static int exec_import(int argc, char **argv)
{
	int bfd, cfd, own;
	__u32 n;

	if (argc < 4)
		return 30;
	bfd = atoi(argv[2]);
	cfd = atoi(argv[3]);
	if (fcntl(cfd, F_GETFD) != -1 || errno != EBADF)
		return 31;	/* a close-on-exec export survived exec */
	own = machipc_open();
	if (own < 0)
		return 32;
	if (machipc_bootstrap_import(own, bfd, &n))
		return 33;
	if (send_now(own, n, 0xec))
		return 34;
	return 0;
}

TEST(bootstrap_import_after_exec)
{
	char a2[16], a3[16];
	int fd, bfd, cfd;
	__u32 p;
	pid_t pid;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND, 0);
	cfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND,
				       MACHIPC_BOOTSTRAP_CLOEXEC);
	ASSERT_LE(0, bfd);
	ASSERT_LE(0, cfd);
	snprintf(a2, sizeof(a2), "%d", bfd);
	snprintf(a3, sizeof(a3), "%d", cfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *argv[] = { "lifecycle", (char *)exec_arg, a2, a3, NULL };

		execv("/proc/self/exe", argv);
		_exit(40);
	}
	close(bfd);
	close(cfd);
	expect_message_from(_metadata, fd, p, 0xec, pid);
	EXPECT_EQ(0, mt_wait(pid));
	close(fd);
}

TEST(bootstrap_import_via_scm_rights)
{
	struct machipc_port_attr at;
	int sv[2], fd, bfd;
	__u32 p;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();	/* before the export: the child has no descriptor */
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int own = machipc_open(), got;
		__u32 n;

		close(sv[0]);
		got = mt_recv_fd(sv[1]);
		if (got < 0)
			_exit(10);
		if (own < 0 || machipc_bootstrap_import(own, got, &n))
			_exit(11);
		close(got);
		if (send_now(own, n, 0x5c))
			_exit(12);
		_exit(0);
	}
	close(sv[1]);
	fd = machipc_open();
	ASSERT_LE(0, fd);
	p = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, p);
	bfd = machipc_bootstrap_export(fd, p, MACHIPC_DISP_MAKE_SEND,
				       MACHIPC_BOOTSTRAP_CLOEXEC);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, mt_send_fd(sv[0], bfd));
	close(bfd);
	expect_message_from(_metadata, fd, p, 0x5c, pid);
	EXPECT_EQ(0, mt_wait(pid));
	close(sv[0]);
	ASSERT_EQ(0, mt_attr(fd, p, &at));
	EXPECT_EQ(0, at.srights);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* fdinfo                                                             */
/* ------------------------------------------------------------------ */

struct fdinfo_port {
	__u32 name, queued, qlimit, mscount, srights, sorights, pset;
	unsigned long long seqno;
};

struct fdinfo {
	int have_names;
	unsigned int receive, send, send_once, sets, dead;
	int nports;
	struct fdinfo_port ports[32];
};

static int read_fdinfo(int fd, struct fdinfo *fi)
{
	char path[64], line[512];
	FILE *f;

	memset(fi, 0, sizeof(*fi));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct fdinfo_port *p;

		if (sscanf(line, "machipc-names: receive %u send %u send-once %u port-set %u dead %u",
			   &fi->receive, &fi->send, &fi->send_once, &fi->sets,
			   &fi->dead) == 5) {
			fi->have_names++;
			continue;
		}
		if (strncmp(line, "machipc-port:", 13) || fi->nports >= 32)
			continue;
		p = &fi->ports[fi->nports];
		if (sscanf(line, "machipc-port: name %x queued %u qlimit %u seqno %llu mscount %u srights %u sorights %u pset %x",
			   &p->name, &p->queued, &p->qlimit, &p->seqno,
			   &p->mscount, &p->srights, &p->sorights,
			   &p->pset) == 8)
			fi->nports++;
		else
			fi->nports = 1000;	/* unparsable */
	}
	fclose(f);
	return 0;
}

/* Compare fdinfo with the space as the ioctls show it. */
static void check_fdinfo(struct __test_metadata *_metadata, int fd)
{
	struct machipc_name_info *names;
	unsigned int receive = 0, send = 0, send_once = 0, sets = 0, dead = 0;
	struct fdinfo fi;
	size_t n, i;
	int k = 0;

	ASSERT_EQ(0, read_fdinfo(fd, &fi));
	ASSERT_EQ(1, fi.have_names);
	ASSERT_GE(32, fi.nports);
	ASSERT_EQ(0, machipc_port_names(fd, &names, &n));
	for (i = 0; i < n; i++) {
		__u32 r = names[i].rights;

		if (r & MACHIPC_RIGHT_RECEIVE) {
			struct machipc_port_attr a;
			struct fdinfo_port *p = &fi.ports[k++];

			receive++;
			ASSERT_GE(fi.nports, k);
			ASSERT_EQ(0, mt_attr(fd, names[i].name, &a));
			EXPECT_EQ(names[i].name, p->name);
			EXPECT_EQ(a.msgcount, p->queued);
			EXPECT_EQ(a.qlimit, p->qlimit);
			EXPECT_EQ(a.seqno, p->seqno);
			EXPECT_EQ(a.mscount, p->mscount);
			EXPECT_EQ(a.srights, p->srights);
			EXPECT_EQ(a.sorights, p->sorights);
			EXPECT_EQ(a.pset, p->pset);
		} else if (r & MACHIPC_RIGHT_DEAD_NAME) {
			dead++;
		}
		if (r & MACHIPC_RIGHT_SEND)
			send++;
		if (r & MACHIPC_RIGHT_SEND_ONCE)
			send_once++;
		if (r & MACHIPC_RIGHT_PORT_SET)
			sets++;
	}
	free(names);
	EXPECT_EQ(k, fi.nports);
	EXPECT_EQ(receive, fi.receive);
	EXPECT_EQ(send, fi.send);
	EXPECT_EQ(send_once, fi.send_once);
	EXPECT_EQ(sets, fi.sets);
	EXPECT_EQ(dead, fi.dead);
}

TEST(fdinfo_matches_space)
{
	struct fdinfo fi;
	__u32 p1, p2, set, so, dn, other, oname, i;
	int fd, s2;

	fd = machipc_open();
	s2 = machipc_open();
	ASSERT_LE(0, fd);
	ASSERT_LE(0, s2);
	ASSERT_EQ(0, read_fdinfo(fd, &fi));
	EXPECT_EQ(1, fi.have_names);
	EXPECT_EQ(0, fi.receive + fi.send + fi.send_once + fi.sets + fi.dead);
	EXPECT_EQ(0, fi.nports);

	p1 = alloc_rs(fd);
	p2 = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	set = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	dn = mt_alloc(fd, MACHIPC_RIGHT_DEAD_NAME);
	ASSERT_NE(0, p1);
	ASSERT_NE(0, p2);
	ASSERT_NE(0, set);
	ASSERT_NE(0, dn);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(fd, p1, 7)));
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(fd, p2, set)));
	ASSERT_EQ(0, MT_ERR(machipc_port_insert_right(fd, p2,
						      MACHIPC_DISP_MAKE_SEND_ONCE,
						      &so)));
	other = mt_alloc(s2, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, other);
	ASSERT_EQ(0, mt_give_send(s2, other, fd, &oname));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, send_now(fd, p1, i));
	{
		__u64 buf[32];

		ASSERT_EQ(0, mt_recv_now(fd, p1, buf, sizeof(buf)));
	}
	ASSERT_EQ(0, send_now(fd, oname, 9));
	check_fdinfo(_metadata, fd);
	ASSERT_EQ(0, read_fdinfo(fd, &fi));
	EXPECT_EQ(2, fi.receive);
	EXPECT_EQ(2, fi.send);		/* p1 and oname */
	EXPECT_EQ(1, fi.send_once);
	EXPECT_EQ(1, fi.sets);
	EXPECT_EQ(1, fi.dead);
	ASSERT_EQ(2, fi.nports);
	EXPECT_EQ(p1, fi.ports[0].name);
	EXPECT_EQ(2, fi.ports[0].queued);
	EXPECT_EQ(7, fi.ports[0].qlimit);
	EXPECT_EQ(1, fi.ports[0].seqno);
	EXPECT_EQ(set, fi.ports[1].pset);
	EXPECT_EQ(1, fi.ports[1].sorights);
	check_fdinfo(_metadata, s2);
	close(s2);	/* "other" dies: oname counts as dead */
	check_fdinfo(_metadata, fd);
	ASSERT_EQ(0, read_fdinfo(fd, &fi));
	EXPECT_EQ(1, fi.send);
	EXPECT_EQ(2, fi.dead);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], exec_arg))
		return exec_import(argc, argv);
	return test_harness_run(argc, argv);
}
