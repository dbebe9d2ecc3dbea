// SPDX-License-Identifier: GPL-2.0
/*
 * Petty cash: per-space accounts.  Costs add up to the byte; sends of
 * exactly the limit and one byte over; a failed send or receive changes
 * nothing; the limit rules and CAP_SYS_RESOURCE; attribution across
 * threads, fork, exec and SCM_RIGHTS; a memory cgroup at its limit gives
 * clean errors and no OOM kill.
 */

#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

static struct machipc_account_info account_of(int fd)
{
	struct machipc_account_info a;

	if (machipc_account_get(fd, &a))
		memset(&a, 0xff, sizeof(a));
	return a;
}

static __u64 usage(int fd)
{
	return account_of(fd).usage;
}

static __u32 msgcount(int fd, __u32 port)
{
	struct machipc_port_attr pa;

	return machipc_port_get_attributes(fd, port, &pa) ? ~0U : pa.msgcount;
}

static __u64 msg_cost(const struct machipc_account_info *a, __u32 size)
{
	return a->cost_msg + (size / 32) * a->cost_msg_slot + size;
}

/*
 * A message of exactly @size bytes to @dest: made from its receive right
 * if the space holds it, else copied from its send right.
 */
static int send_size(int fd, __u32 dest, __u32 size)
{
	static __u64 buf[8192];
	struct machipc_msg_header *h = (void *)buf;
	struct machipc_name_info info;

	if (machipc_name_info(fd, dest, &info))
		return errno;
	memset(buf, 0, size);
	h->bits = MACHIPC_MSGH_BITS(info.rights & MACHIPC_RIGHT_RECEIVE ?
				    MACHIPC_DISP_MAKE_SEND :
				    MACHIPC_DISP_COPY_SEND, 0);
	h->size = size;
	h->remote_name = dest;
	h->id = size;
	return machipc_send(fd, buf, NULL) ? errno : 0;
}

FIXTURE(space) {
	int fd;
	struct machipc_account_info a;
};

FIXTURE_SETUP(space)
{
	self->fd = machipc_open();
	ASSERT_LE(0, self->fd);
	self->a = account_of(self->fd);
}

FIXTURE_TEARDOWN(space)
{
	close(self->fd);
}

TEST_F(space, costs_add_up_to_the_byte)
{
	const struct machipc_account_info *a = &self->a;
	__u32 port, set, dead, so, name;
	__u64 u;

	EXPECT_EQ(0, a->usage);
	EXPECT_EQ(0, a->failures);
	EXPECT_NE(0, a->cost_entry);
	EXPECT_NE(0, a->cost_port);
	EXPECT_NE(0, a->cost_msg);
	ASSERT_NE(0, port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	EXPECT_EQ(a->cost_port + a->cost_entry, usage(self->fd));
	ASSERT_NE(0, set = mt_alloc(self->fd, MACHIPC_RIGHT_PORT_SET));
	ASSERT_NE(0, dead = mt_alloc(self->fd, MACHIPC_RIGHT_DEAD_NAME));
	u = a->cost_port + a->cost_pset + 3 * a->cost_entry;
	EXPECT_EQ(u, usage(self->fd));
	/* a send right shares the receive right's name: no new entry */
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND, &name));
	EXPECT_EQ(u, usage(self->fd));
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	/* a send-once right: its name, and its notification reserved */
	u += a->cost_entry + msg_cost(a, 40);
	EXPECT_EQ(u, usage(self->fd));
	/* the sender pays for its queued message, by the formula */
	ASSERT_EQ(0, send_size(self->fd, port, 256));
	EXPECT_EQ(u + msg_cost(a, 256), usage(self->fd));
	EXPECT_EQ(u + msg_cost(a, 256), account_of(self->fd).hwm);
	ASSERT_EQ(0, machipc_port_destroy(self->fd, so));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, port));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, set));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, dead));
	/* the send-once right, destroyed unused, sent a notification to a port
	 * that is now dead: everything is refunded */
	EXPECT_EQ(0, usage(self->fd));
}

/*
 * A send-once right reserves its notification when it is made, charged to
 * the space making it: making it fails ENOBUFS at the limit, destroying
 * it charges nothing more (the notification takes the reservation), and
 * receiving the notification (or using the right) refunds it.
 */
TEST_F(space, send_once_notification_reserved_by_its_maker)
{
	const struct machipc_account_info *a = &self->a;
	__u64 ncost = msg_cost(a, 40), u, buf[64];
	struct machipc_account_info now;
	size_t size = sizeof(buf);
	__u32 port, so, other;

	ASSERT_NE(0, port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	u = usage(self->fd);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	EXPECT_EQ(u + a->cost_entry + ncost, usage(self->fd));
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, so));
	EXPECT_EQ(u + ncost, usage(self->fd));
	ASSERT_EQ(0, MT_ERR(machipc_receive(self->fd, port, buf, &size, NULL)));
	EXPECT_EQ(MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_SEND_ONCE),
		  machipc_msg_header(buf)->id);
	EXPECT_EQ(u, usage(self->fd));

	/* used: the reservation is refunded with the delivery */
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	ASSERT_EQ(0, mt_send_simple(self->fd, so, MACHIPC_DISP_MOVE_SEND_ONCE,
				    5, NULL, 0, NULL));
	size = sizeof(buf);
	ASSERT_EQ(0, MT_ERR(machipc_receive(self->fd, port, buf, &size, NULL)));
	EXPECT_EQ(5, machipc_msg_header(buf)->id);
	EXPECT_EQ(u, usage(self->fd));

	/* at the limit: making the right fails cleanly, nothing goes past */
	ASSERT_EQ(0, machipc_account_set_limit(self->fd,
					       u + a->cost_entry + ncost - 1));
	EXPECT_EQ(ENOBUFS, MT_ERR(machipc_port_insert_right(self->fd, port,
					MACHIPC_DISP_MAKE_SEND_ONCE, &so)));
	EXPECT_EQ(u, usage(self->fd));
	ASSERT_EQ(0, machipc_account_set_limit(self->fd,
					       u + a->cost_entry + ncost));
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, so));
	now = account_of(self->fd);
	EXPECT_EQ(u + ncost, now.usage);
	EXPECT_LE(now.usage, now.limit);
	EXPECT_EQ(ENOBUFS, MT_ERR(machipc_port_allocate(self->fd,
							MACHIPC_RIGHT_RECEIVE,
							&other)));
	size = sizeof(buf);
	ASSERT_EQ(0, MT_ERR(machipc_receive(self->fd, port, buf, &size, NULL)));
	EXPECT_EQ(u, usage(self->fd));
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, a->limit));

	/*
	 * The receive right moved to another space: that space pays for the
	 * rights it makes, and the rights made before the move stay charged
	 * to their maker, wherever their notification goes.
	 */
	{
		int b = machipc_open();
		struct machipc_msg_builder mb;
		__u32 inbox, to_b, moved, bso, aso;
		__u64 ua, ub;

		ASSERT_LE(0, b);
		ASSERT_NE(0, inbox = mt_alloc(b, MACHIPC_RIGHT_RECEIVE));
		ASSERT_EQ(0, mt_give_send(b, inbox, self->fd, &to_b));
		ASSERT_NE(0, moved = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
		ASSERT_EQ(0, machipc_port_insert_right(self->fd, moved,
					MACHIPC_DISP_MAKE_SEND_ONCE, &aso));
		ASSERT_EQ(0, machipc_msg_init(&mb, buf, sizeof(buf), to_b,
					      MACHIPC_DISP_COPY_SEND, 0, 0, 9));
		ASSERT_EQ(0, machipc_msg_add_port(&mb, moved,
						  MACHIPC_DISP_MOVE_RECEIVE));
		ASSERT_EQ(0, MT_ERR(machipc_send(self->fd, buf, NULL)));
		size = sizeof(buf);
		ASSERT_EQ(0, MT_ERR(machipc_receive(b, inbox, buf, &size,
						    NULL)));
		moved = machipc_msg_desc(buf, 0)->name;
		ASSERT_NE(0, moved);
		ua = usage(self->fd);
		ub = usage(b);
		ASSERT_EQ(0, machipc_port_insert_right(b, moved,
					MACHIPC_DISP_MAKE_SEND_ONCE, &bso));
		ASSERT_EQ(0, machipc_port_deallocate(b, bso));
		EXPECT_EQ(ub + ncost, usage(b));
		EXPECT_EQ(ua, usage(self->fd));
		size = sizeof(buf);
		ASSERT_EQ(0, MT_ERR(machipc_receive(b, moved, buf, &size,
						    NULL)));
		EXPECT_EQ(ub, usage(b));
		/* A's right, destroyed now: A pays, B's usage does not move */
		ASSERT_EQ(0, machipc_port_deallocate(self->fd, aso));
		EXPECT_EQ(ua - a->cost_entry, usage(self->fd));
		EXPECT_EQ(ub, usage(b));
		size = sizeof(buf);
		ASSERT_EQ(0, MT_ERR(machipc_receive(b, moved, buf, &size,
						    NULL)));
		EXPECT_EQ(MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_SEND_ONCE),
			  machipc_msg_header(buf)->id);
		EXPECT_EQ(ua - a->cost_entry - ncost, usage(self->fd));
		EXPECT_EQ(ub, usage(b));
		close(b);
		/* to_b is a dead name now */
		ASSERT_EQ(0, machipc_port_deallocate(self->fd, to_b));
	}

	/* a notification still queued when the port dies is refunded */
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, so));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, port));
	EXPECT_EQ(0, usage(self->fd));
}

/*
 * Every way of making a send-once right reserves its notification, and at
 * the limit fails ENOBUFS with nothing changed: a message's MAKE_SEND_ONCE
 * reply right, a notification request's MAKE_SEND_ONCE notify right.
 */
TEST_F(space, send_once_reservation_at_the_limit_changes_nothing)
{
	const struct machipc_account_info *a = &self->a;
	__u64 ncost = msg_cost(a, 40), mcost = msg_cost(a, 32), u, buf[64];
	struct machipc_msg_builder b;
	struct mt_snap before;
	size_t size = sizeof(buf);
	__u32 port, reply, name;

	ASSERT_NE(0, port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_NE(0, reply = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND, &name));
	u = usage(self->fd);

	/* room for the message, not for its reply right's reservation */
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, u + mcost + ncost - 1));
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), port,
				      MACHIPC_DISP_COPY_SEND, reply,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 7));
	ASSERT_EQ(0, mt_snap_take(self->fd, &before));
	EXPECT_EQ(ENOBUFS, MT_ERR(machipc_send(self->fd, buf, NULL)));
	ASSERT_SNAP_UNCHANGED(self->fd, &before);
	EXPECT_EQ(u, usage(self->fd));
	EXPECT_EQ(ETIMEDOUT, mt_recv_now(self->fd, port, buf, sizeof(buf)));
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, u + mcost + ncost));
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), port,
				      MACHIPC_DISP_COPY_SEND, reply,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 7));
	ASSERT_EQ(0, MT_ERR(machipc_send(self->fd, buf, NULL)));
	EXPECT_EQ(u + mcost + ncost, usage(self->fd));
	/* received: the message refunded, the reply right keeps its share */
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, a->limit));
	ASSERT_EQ(0, MT_ERR(machipc_receive(self->fd, port, buf, &size, NULL)));
	EXPECT_EQ(u + a->cost_entry + ncost, usage(self->fd));
	/* used: the reply is charged as a message, the reservation refunded */
	ASSERT_EQ(0, mt_send_simple(self->fd, machipc_msg_header(buf)->remote_name,
				    MACHIPC_DISP_MOVE_SEND_ONCE, 8, NULL, 0,
				    NULL));
	size = sizeof(buf);
	ASSERT_EQ(0, MT_ERR(machipc_receive(self->fd, reply, buf, &size, NULL)));
	EXPECT_EQ(8, machipc_msg_header(buf)->id);
	EXPECT_EQ(u, usage(self->fd));

	/* a request: room for it and its message, not the reservation */
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, u + a->cost_notify +
					       2 * ncost - 1));
	ASSERT_EQ(0, mt_snap_take(self->fd, &before));
	EXPECT_EQ(ENOBUFS, MT_ERR(machipc_port_request_notification(self->fd,
			port, MACHIPC_NOTIFY_NO_SENDERS, reply,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL)));
	ASSERT_SNAP_UNCHANGED(self->fd, &before);
	EXPECT_EQ(u, usage(self->fd));
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, u + a->cost_notify +
					       2 * ncost));
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_NO_SENDERS, reply,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
	EXPECT_EQ(u + a->cost_notify + 2 * ncost, usage(self->fd));
	/* fired and received: everything back */
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, name));
	size = sizeof(buf);
	ASSERT_EQ(0, MT_ERR(machipc_receive(self->fd, reply, buf, &size, NULL)));
	EXPECT_EQ(MACHIPC_MSGID_NO_SENDERS, machipc_msg_header(buf)->id);
	EXPECT_EQ(u, usage(self->fd));
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, a->limit));
}

TEST_F(space, send_of_exactly_the_limit_and_one_byte_over)
{
	const struct machipc_account_info *a = &self->a;
	static const __u32 sizes[] = { 32, 40, 256, 4096, 65536 };
	struct machipc_account_info now;
	struct mt_snap before;
	unsigned int i;
	__u32 port, dn;
	__u64 base;

	ASSERT_NE(0, port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_port_set_qlimit(self->fd, port, 1024));
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		__u64 cost = msg_cost(a, sizes[i]);
		__u64 failures;
		__u64 buf[8192 + 8];
		size_t size = sizeof(buf);

		base = usage(self->fd);
		/* one byte short: refused, nothing changed */
		ASSERT_EQ(0, machipc_account_set_limit(self->fd, base + cost - 1));
		failures = account_of(self->fd).failures;
		ASSERT_EQ(0, mt_snap_take(self->fd, &before));
		EXPECT_EQ(ENOBUFS, send_size(self->fd, port, sizes[i]));
		ASSERT_SNAP_UNCHANGED(self->fd, &before);
		now = account_of(self->fd);
		EXPECT_EQ(base, now.usage);
		EXPECT_EQ(failures + 1, now.failures);
		/* exactly the limit: accepted */
		ASSERT_EQ(0, machipc_account_set_limit(self->fd, base + cost));
		EXPECT_EQ(0, send_size(self->fd, port, sizes[i]));
		EXPECT_EQ(base + cost, usage(self->fd));
		/* and nothing more fits */
		EXPECT_EQ(ENOBUFS, send_size(self->fd, port, 32));
		EXPECT_EQ(ENOBUFS, MT_ERR(machipc_port_allocate(self->fd,
				MACHIPC_RIGHT_DEAD_NAME, &dn)));
		/* receiving refunds the sender */
		ASSERT_EQ(0, machipc_receive(self->fd, port, buf, &size, NULL));
		EXPECT_EQ(base, usage(self->fd));
	}
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, self->a.limit));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, port));
	EXPECT_EQ(0, usage(self->fd));
}

/* A receiver that cannot pay for the names it must create. */
TEST_F(space, receive_without_room_for_names_leaves_message_queued)
{
	struct machipc_msg_builder b;
	struct mt_snap before;
	__u64 buf[128];
	size_t size;
	__u32 port, sport, x, xs;
	int sfd;

	sfd = machipc_open();
	ASSERT_LE(0, sfd);
	ASSERT_NE(0, port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, mt_give_send(self->fd, port, sfd, &sport));
	ASSERT_NE(0, x = mt_alloc(sfd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), sport,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 9));
	ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MAKE_SEND));
	ASSERT_EQ(0, machipc_send(sfd, buf, NULL));
	xs = usage(sfd);

	/* room for one name, two are needed */
	ASSERT_EQ(0, machipc_account_set_limit(self->fd,
			usage(self->fd) + self->a.cost_entry));
	ASSERT_EQ(0, mt_snap_take(self->fd, &before));
	size = sizeof(buf);
	EXPECT_EQ(-1, machipc_receive(self->fd, port, buf, &size, NULL));
	EXPECT_EQ(ENOBUFS, errno);
	ASSERT_SNAP_UNCHANGED(self->fd, &before);
	EXPECT_EQ(xs, usage(sfd));	/* the sender still pays */

	ASSERT_EQ(0, machipc_account_set_limit(self->fd,
			usage(self->fd) + 2 * self->a.cost_entry));
	size = sizeof(buf);
	ASSERT_EQ(0, machipc_receive(self->fd, port, buf, &size, NULL));
	EXPECT_EQ(9, machipc_msg_header(buf)->id);
	EXPECT_EQ(2, machipc_msg_header(buf)->desc_count);
	EXPECT_EQ(account_of(self->fd).limit, usage(self->fd));
	EXPECT_GT(xs, usage(sfd));	/* refunded at delivery */
	close(sfd);
}

TEST_F(space, limit_rules)
{
	__u64 def = self->a.limit;
	__u32 name;
	int status;
	pid_t pid;

	ASSERT_NE(0, mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	/* below the usage: allowed, blocks new charges only */
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, 1));
	EXPECT_EQ(1, account_of(self->fd).limit);
	EXPECT_EQ(-1, machipc_port_allocate(self->fd, MACHIPC_RIGHT_DEAD_NAME, &name));
	EXPECT_EQ(ENOBUFS, errno);
	/* back up to the default: allowed for anyone */
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, def));
	EXPECT_EQ(0, machipc_port_allocate(self->fd, MACHIPC_RIGHT_DEAD_NAME, &name));

	if (geteuid() != 0)
		SKIP(return, "CAP_SYS_RESOURCE checks need root");
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, def * 4));
	EXPECT_EQ(def * 4, account_of(self->fd).limit);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		fd = machipc_open();
		if (fd < 0)
			_exit(11);
		if (machipc_account_set_limit(fd, def + 1) != -1 || errno != EPERM)
			_exit(12);
		if (account_of(fd).limit != def)
			_exit(13);
		if (machipc_account_set_limit(fd, def / 2) ||
		    machipc_account_set_limit(fd, def))
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

struct thread_arg {
	int fd;
	int n;
	int err;
};

static void *alloc_thread(void *p)
{
	struct thread_arg *t = p;
	int i;

	for (i = 0; i < t->n; i++)
		if (!mt_alloc(t->fd, MACHIPC_RIGHT_RECEIVE))
			t->err = errno;
	return NULL;
}

TEST_F(space, attribution_threads_fork_scm_rights)
{
	const struct machipc_account_info *a = &self->a;
	struct thread_arg t[4];
	pthread_t th[4];
	int i, sv[2], status;
	__u32 port;
	pid_t pid;

	for (i = 0; i < 4; i++) {
		t[i] = (struct thread_arg){ .fd = self->fd, .n = 25 };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, alloc_thread, &t[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, t[i].err);
	}
	EXPECT_EQ(100 * (a->cost_port + a->cost_entry), usage(self->fd));

	ASSERT_NE(0, port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = machipc_open(), bfd;
		__u32 name;

		if (fd < 0 || usage(fd) != 0)
			_exit(20);
		bfd = mt_recv_fd(sv[1]);
		if (bfd < 0 || machipc_bootstrap_import(fd, bfd, &name))
			_exit(21);
		/* the importer pays for its name */
		if (usage(fd) != a->cost_entry)
			_exit(22);
		/* a message to the parent's port: the child pays */
		if (send_size(fd, name, 64) ||
		    usage(fd) != a->cost_entry + msg_cost(a, 64))
			_exit(23);
		_exit(0);
	}
	{
		__u64 before = usage(self->fd);
		int bfd = machipc_bootstrap_export(self->fd, port,
						   MACHIPC_DISP_MAKE_SEND, 0);

		ASSERT_LE(0, bfd);
		ASSERT_EQ(0, mt_send_fd(sv[0], bfd));
		close(bfd);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status));
		/* the child's message is queued here but was never ours */
		EXPECT_EQ(before, usage(self->fd));
		EXPECT_EQ(1, msgcount(self->fd, port));
	}
	close(sv[0]);
	close(sv[1]);
}

/* exec keeps a space that is not close-on-exec, and its account. */
static int exec_check(char **argv)
{
	int fd = atoi(argv[2]);
	__u64 expect = strtoull(argv[3], NULL, 0);

	return usage(fd) == expect ? 0 : 40;
}

TEST_F(space, account_survives_exec)
{
	char fdstr[16], ustr[32];
	int fd, status;
	pid_t pid;

	fd = open("/dev/machipc", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_NE(0, mt_alloc(fd, MACHIPC_RIGHT_RECEIVE));
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	snprintf(ustr, sizeof(ustr), "%llu", (unsigned long long)usage(fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* the child cannot use it, but exec in the owner keeps it */
		_exit(usage(fd) == (__u64)~0ULL ? 0 : 41);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* a fresh owner: open here, exec, read it after */
		int cfd = open("/dev/machipc", O_RDWR);
		char cfdstr[16], custr[32];

		if (cfd < 0 || !mt_alloc(cfd, MACHIPC_RIGHT_PORT_SET))
			_exit(42);
		snprintf(cfdstr, sizeof(cfdstr), "%d", cfd);
		snprintf(custr, sizeof(custr), "%llu",
			 (unsigned long long)usage(cfd));
		execl("/proc/self/exe", "accounting", "--exec-check", cfdstr,
		      custr, NULL);
		_exit(43);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd);
}

/*
 * Messages in flight when their senders exit or are killed: the queue
 * still holds them, charged to accounts whose spaces are gone; receiving or
 * destroying them refunds those accounts (a balance left over would WARN in
 * the kernel log, which fails the run).
 */
TEST_F(space, in_flight_charges_outlive_their_senders)
{
	__u32 port;
	int i, status;

	ASSERT_NE(0, port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_port_set_qlimit(self->fd, port, 1024));
	{
		int bfd = machipc_bootstrap_export(self->fd, port,
						   MACHIPC_DISP_MAKE_SEND, 0);
		pid_t pids[6];
		int ctl[2];
		char c;

		ASSERT_LE(0, bfd);
		ASSERT_EQ(0, pipe(ctl));
		for (i = 0; i < 6; i++) {
			pids[i] = fork();
			ASSERT_LE(0, pids[i]);
			if (pids[i] == 0) {
				int fd = machipc_open(), k;
				__u32 name;

				if (fd < 0 || machipc_bootstrap_import(fd, bfd, &name))
					_exit(1);
				for (k = 0; k < 10; k++)
					if (send_size(fd, name, 1024))
						_exit(2);
				/* all ten queued: tell the parent, then exit or wait */
				if (write(ctl[1], "s", 1) != 1)
					_exit(3);
				if (i & 1)
					pause();
				_exit(0);
			}
		}
		close(bfd);
		for (i = 0; i < 6; i++)
			ASSERT_EQ(1, read(ctl[0], &c, 1));
		for (i = 0; i < 6; i++) {
			if (i & 1)
				kill(pids[i], SIGKILL);
			ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		}
		close(ctl[0]);
		close(ctl[1]);
	}
	EXPECT_EQ(60, msgcount(self->fd, port));
	/* receive half, destroy the rest with the port */
	for (i = 0; i < 30; i++) {
		struct timespec dl;
		__u64 buf[256];
		size_t size = sizeof(buf);

		machipc_deadline_in(&dl, 10000);
		ASSERT_EQ(0, machipc_receive(self->fd, port, buf, &size, &dl));
	}
	ASSERT_EQ(0, machipc_port_destroy(self->fd, port));
	EXPECT_EQ(0, usage(self->fd));
}

static long long cg_value(const char *dir, const char *file, const char *key)
{
	char path[256], buf[4096], *p;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (mt_read_file(path, buf, sizeof(buf)))
		return -1;
	if (!key)
		return atoll(buf);
	p = strstr(buf, key);
	return p ? atoll(p + strlen(key) + 1) : -1;
}

/*
 * Senders in a memory cgroup whose memory.max is a few MiB above its
 * baseline flood a receiver that never reads: they get clean errors, no
 * OOM kill, and the cgroup's memory returns to its baseline afterwards.
 */
TEST(memcg_limit_gives_clean_errors)
{
	const char *cg = "/sys/fs/cgroup/machipc-selftest";
	char buf[256];
	long long base, after;
	int fd, bfd, status, ctl[2];
	__u32 port;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root for cgroups");
	if (mt_read_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		SKIP(return, "no cgroup2 memory controller");
	mt_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	rmdir(cg);
	ASSERT_EQ(0, mkdir(cg, 0755));

	fd = machipc_open();
	ASSERT_LE(0, fd);
	ASSERT_NE(0, port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_port_set_qlimit(fd, port, 1024));
	bfd = machipc_bootstrap_export(fd, port, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, ctl));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char me[32];
		int cfd, k, err = 0;
		__u32 name;

		snprintf(me, sizeof(me), "%d", getpid());
		snprintf(buf, sizeof(buf), "%s/cgroup.procs", cg);
		if (mt_write_file(buf, me))
			_exit(50);
		cfd = machipc_open();
		if (cfd < 0 || machipc_bootstrap_import(cfd, bfd, &name))
			_exit(51);
		/* let memcg, not the account, be the limit */
		if (machipc_account_set_limit(cfd, 1ULL << 40))
			_exit(52);
		if (write(ctl[1], "b", 1) != 1 || read(ctl[1], me, 1) != 1)
			_exit(53);
		for (k = 0; k < 1024 && !err; k++)
			err = send_size(cfd, name, 65536);
		_exit(err == ENOMEM ? 0 : 54 + (err == 0));
	}
	ASSERT_EQ(1, read(ctl[0], buf, 1));
	base = cg_value(cg, "memory.current", NULL);
	ASSERT_LT(0, base);
	snprintf(buf, sizeof(buf), "%lld", base + (4LL << 20));
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/memory.max", cg);
		ASSERT_EQ(0, mt_write_file(path, buf));
	}
	ASSERT_EQ(1, write(ctl[0], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, cg_value(cg, "memory.events", "oom_kill"));
	EXPECT_LT(0, msgcount(fd, port));

	/* the receiver destroys the flood: the cgroup's memory goes back */
	ASSERT_EQ(0, machipc_port_destroy(fd, port));
	close(bfd);
	after = cg_value(cg, "memory.current", NULL);
	EXPECT_LE(after, base + (512LL << 10)) {
		TH_LOG("memory.current %lld, baseline %lld", after, base);
	}
	close(fd);
	rmdir(cg);
}

static void mount_tracefs(void)
{
	if (system("mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null"))
		return;
}

/* fdinfo shows the account; a failed charge fires the tracepoint. */
TEST_F(space, fdinfo_and_tracepoint)
{
	const char *ev = "/sys/kernel/tracing/events/machipc/machipc_charge_failed/enable";
	char path[64], buf[8192], want[128], *line;
	struct machipc_account_info a;
	__u32 dn;

	ASSERT_NE(0, mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, usage(self->fd)));
	EXPECT_EQ(ENOBUFS, MT_ERR(machipc_port_allocate(self->fd,
				MACHIPC_RIGHT_DEAD_NAME, &dn)));
	a = account_of(self->fd);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->fd);
	ASSERT_EQ(0, mt_read_file(path, buf, sizeof(buf)));
	snprintf(want, sizeof(want),
		 "machipc-account:\tusage %llu limit %llu hwm %llu failures %llu\n",
		 (unsigned long long)a.usage, (unsigned long long)a.limit,
		 (unsigned long long)a.hwm, (unsigned long long)a.failures);
	EXPECT_NE(NULL, strstr(buf, want)) {
		TH_LOG("fdinfo:\n%s\nwanted: %s", buf, want);
	}

	if (access(ev, W_OK))
		mount_tracefs();
	if (access(ev, W_OK))
		SKIP(return, "no tracefs or no machipc events");
	ASSERT_EQ(0, mt_write_file("/sys/kernel/tracing/trace", ""));
	ASSERT_EQ(0, mt_write_file(ev, "1"));
	EXPECT_EQ(ENOBUFS, MT_ERR(machipc_port_allocate(self->fd,
				MACHIPC_RIGHT_DEAD_NAME, &dn)));
	ASSERT_EQ(0, mt_write_file(ev, "0"));
	ASSERT_EQ(0, mt_read_file("/sys/kernel/tracing/trace", buf, sizeof(buf)));
	line = strstr(buf, "machipc_charge_failed:");
	ASSERT_NE(NULL, line) {
		TH_LOG("trace:\n%s", buf);
	}
	snprintf(want, sizeof(want), "request=%u usage=%llu limit=%llu",
		 a.cost_entry, (unsigned long long)a.usage,
		 (unsigned long long)a.limit);
	EXPECT_NE(NULL, strstr(line, want)) {
		TH_LOG("trace line: %.200s, wanted %s", line, want);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "--exec-check"))
		return exec_check(argv);
	return test_harness_run(argc, argv);
}
