// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications: no-senders, dead-name, send-once and port-destroyed,
 * each triggered every way it can be, delivered exactly once, marked as
 * kernel messages, with request errors and rights conserved.
 */

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define NBUF	1024

/* Receive one message on @name within @ms; returns 0 or errno. */
static int rcv(int fd, __u32 name, void *buf, long ms)
{
	struct timespec dl;
	size_t size = NBUF;

	machipc_deadline_in(&dl, ms);
	return machipc_receive(fd, name, buf, &size, &dl) ? errno : 0;
}

/* Nothing more queued on @name right now. */
static int nothing_more(int fd, __u32 name)
{
	__u64 buf[NBUF / 8];

	return rcv(fd, name, buf, 0) == ETIMEDOUT;
}

static __u32 alloc_port(struct __test_metadata *_metadata, int fd)
{
	__u32 name;

	ASSERT_EQ(0, machipc_port_allocate(fd, MACHIPC_RIGHT_RECEIVE, &name));
	return name;
}

static struct machipc_port_attr attr(struct __test_metadata *_metadata,
				     int fd, __u32 name)
{
	struct machipc_port_attr a;

	EXPECT_EQ(0, machipc_port_get_attributes(fd, name, &a));
	return a;
}

/* Expect a kernel notification of @kind on @port; return its value. */
static __u32 expect_notification(struct __test_metadata *_metadata, int fd,
				 __u32 port, __u32 kind)
{
	__u64 buf[NBUF / 8];
	const struct machipc_msg_trailer *t;
	__u32 value = ~0U;

	EXPECT_EQ(0, rcv(fd, port, buf, 10000));
	t = machipc_msg_trailer(buf);
	EXPECT_EQ(MACHIPC_TRAILER_KERNEL, t->flags);
	EXPECT_EQ(0, t->pid);
	EXPECT_EQ(MACHIPC_MSGID_NOTIFY(kind), machipc_msg_header(buf)->id);
	EXPECT_EQ(kind, machipc_notify_value(buf, &value));
	EXPECT_EQ(port, machipc_msg_header(buf)->local_name);
	return value;
}

FIXTURE(space) {
	int fd;
};

FIXTURE_SETUP(space)
{
	self->fd = machipc_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(space)
{
	close(self->fd);
}

TEST_F(space, no_senders_on_deallocate)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 notify = alloc_port(_metadata, self->fd);
	__u32 name, prev = 1;

	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND, &name));
	ASSERT_EQ(0, machipc_port_mod_refs(self->fd, port, MACHIPC_RIGHT_SEND, 1));
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_NO_SENDERS, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, &prev));
	EXPECT_EQ(0, prev);
	EXPECT_EQ(1, attr(_metadata, self->fd, notify).sorights);
	/* two user references: the first deallocate keeps the right */
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, port));
	EXPECT_TRUE(nothing_more(self->fd, notify));
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, port));
	EXPECT_EQ(1, expect_notification(_metadata, self->fd, notify,
					 MACHIPC_NOTIFY_NO_SENDERS));
	EXPECT_TRUE(nothing_more(self->fd, notify));
	/* the notify right was consumed by the delivery */
	EXPECT_EQ(0, attr(_metadata, self->fd, notify).sorights);
	/* a new send right and its release do not notify again */
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND, &name));
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, port));
	EXPECT_TRUE(nothing_more(self->fd, notify));
}

TEST_F(space, no_senders_sync_fires_at_once)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 notify = alloc_port(_metadata, self->fd);
	__u32 name;

	/* make-send count 0 < sync 1: registered, not fired */
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_NO_SENDERS, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 1, NULL));
	EXPECT_TRUE(nothing_more(self->fd, notify));
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND, &name));
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, port));
	EXPECT_EQ(1, expect_notification(_metadata, self->fd, notify,
					 MACHIPC_NOTIFY_NO_SENDERS));
	/* no senders now and mscount 1 >= sync 1: fires during the request */
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_NO_SENDERS, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 1, NULL));
	EXPECT_EQ(1, expect_notification(_metadata, self->fd, notify,
					 MACHIPC_NOTIFY_NO_SENDERS));
	EXPECT_TRUE(nothing_more(self->fd, notify));
}

/* The last send right, released inside a message destroyed with its port. */
TEST_F(space, no_senders_in_destroyed_message)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 notify = alloc_port(_metadata, self->fd);
	__u32 carrier = alloc_port(_metadata, self->fd);
	struct machipc_msg_builder b;
	__u64 buf[NBUF / 8];

	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_NO_SENDERS, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 1, NULL));
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), carrier,
				      MACHIPC_DISP_MAKE_SEND, 0, 0, 7));
	ASSERT_EQ(0, machipc_msg_add_port(&b, port, MACHIPC_DISP_MAKE_SEND));
	ASSERT_EQ(0, machipc_send(self->fd, buf, NULL));
	EXPECT_EQ(1, attr(_metadata, self->fd, port).srights);
	EXPECT_TRUE(nothing_more(self->fd, notify));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, carrier));
	EXPECT_EQ(1, expect_notification(_metadata, self->fd, notify,
					 MACHIPC_NOTIFY_NO_SENDERS));
	EXPECT_EQ(0, attr(_metadata, self->fd, port).srights);
}

/* A client's send right goes away when the client exits. */
TEST_F(space, no_senders_on_process_exit)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 notify = alloc_port(_metadata, self->fd);
	int bfd, status;
	pid_t pid;

	bfd = machipc_bootstrap_export(self->fd, port, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_NO_SENDERS, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = machipc_open();
		__u32 name;

		if (fd < 0 || machipc_bootstrap_import(fd, bfd, &name))
			_exit(1);
		close(bfd);
		_exit(0);	/* the space goes with the process */
	}
	close(bfd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_EQ(1, expect_notification(_metadata, self->fd, notify,
					 MACHIPC_NOTIFY_NO_SENDERS));
	EXPECT_TRUE(nothing_more(self->fd, notify));
}

/* The port dies in the parent; the child's name turns dead and it is told. */
TEST(dead_name_on_destroy_and_exit)
{
	int ctl[2], fd, bfd, status, i;
	pid_t pid;
	char c;

	for (i = 0; i < 2; i++) {
		/* i == 0: destroy the receive right; 1: its owner is killed */
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, ctl));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			__u32 port;

			fd = machipc_open();
			if (fd < 0 || machipc_port_allocate(fd, MACHIPC_RIGHT_RECEIVE, &port))
				_exit(1);
			bfd = machipc_bootstrap_export(fd, port, MACHIPC_DISP_MAKE_SEND, 0);
			if (bfd < 0 || write(ctl[1], &c, 1) != 1)
				_exit(1);
			{
				struct msghdr mh = {};
				char cbuf[CMSG_SPACE(sizeof(int))] = {};
				struct iovec iov = { &c, 1 };
				struct cmsghdr *cm;

				mh.msg_iov = &iov;
				mh.msg_iovlen = 1;
				mh.msg_control = cbuf;
				mh.msg_controllen = sizeof(cbuf);
				cm = CMSG_FIRSTHDR(&mh);
				cm->cmsg_level = SOL_SOCKET;
				cm->cmsg_type = SCM_RIGHTS;
				cm->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(cm), &bfd, sizeof(int));
				if (sendmsg(ctl[1], &mh, 0) != 1)
					_exit(1);
			}
			close(bfd);
			/* wait for "go", then destroy, or wait to be killed */
			if (read(ctl[1], &c, 1) != 1)
				_exit(1);
			if (machipc_port_destroy(fd, port))
				_exit(1);
			pause();
			_exit(0);
		}
		{
			char cbuf[CMSG_SPACE(sizeof(int))];
			struct iovec iov = { &c, 1 };
			struct msghdr mh = {
				.msg_iov = &iov, .msg_iovlen = 1,
				.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
			};
			struct machipc_name_info info;
			__u32 name, notify, value;

			ASSERT_EQ(1, read(ctl[0], &c, 1));
			ASSERT_EQ(1, recvmsg(ctl[0], &mh, 0));
			memcpy(&bfd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
			fd = machipc_open();
			ASSERT_LE(0, fd);
			ASSERT_EQ(0, machipc_bootstrap_import(fd, bfd, &name));
			close(bfd);
			ASSERT_EQ(0, machipc_port_allocate(fd, MACHIPC_RIGHT_RECEIVE, &notify));
			ASSERT_EQ(0, machipc_port_request_notification(fd, name,
					MACHIPC_NOTIFY_DEAD_NAME, notify,
					MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
			if (i == 0) {
				ASSERT_EQ(1, write(ctl[0], &c, 1));
			} else {
				ASSERT_EQ(0, kill(pid, SIGKILL));
			}
			value = expect_notification(_metadata, fd, notify,
						    MACHIPC_NOTIFY_DEAD_NAME);
			EXPECT_EQ(name, value);
			EXPECT_TRUE(nothing_more(fd, notify));
			ASSERT_EQ(0, machipc_name_info(fd, name, &info));
			EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, info.rights);
			EXPECT_EQ(1, info.urefs);
			/* a dead name cannot carry a new request */
			EXPECT_EQ(-1, machipc_port_request_notification(fd, name,
					MACHIPC_NOTIFY_DEAD_NAME, notify,
					MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
			EXPECT_EQ(EPIPE, errno);
			kill(pid, SIGKILL);
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			close(fd);
			close(ctl[0]);
			close(ctl[1]);
		}
	}
}

/* A dead-name request on @name to a new send-once right of @notify. */
static int request_dead_name(int fd, __u32 name, __u32 notify, __u32 flags)
{
	struct machipc_notify_request a = {
		.name = name,
		.kind = MACHIPC_NOTIFY_DEAD_NAME,
		.notify = notify,
		.disposition = notify ? MACHIPC_DISP_MAKE_SEND_ONCE : 0,
		.flags = flags,
	};
	int err = ioctl(fd, MACHIPC_IOC_PORT_REQUEST_NOTIFICATION, &a);

	if (!err && a.previous)
		machipc_port_mod_refs(fd, a.previous, MACHIPC_RIGHT_SEND_ONCE, -1);
	return err ? errno : 0;
}

/* The rights and user references of @name. */
static struct machipc_name_info info_of(struct __test_metadata *_metadata,
					int fd, __u32 name)
{
	struct machipc_name_info i;

	memset(&i, 0, sizeof(i));
	EXPECT_EQ(0, machipc_name_info(fd, name, &i));
	return i;
}

/*
 * MACHIPC_NOTIFY_DEAD_NAME_UREF (Mach's rule, for libmach): the dead name a
 * fired request leaves has one more user reference, the notification's;
 * not without the flag, not once the request is replaced without it or
 * cancelled, and never past MACHIPC_UREFS_MAX.
 */
TEST_F(space, dead_name_reference_flag)
{
	int fd = self->fd, peer = machipc_open(), bfd;
	__u32 p, q, n, so, s;
	struct machipc_name_info i;

	ASSERT_LE(0, peer);
	n = alloc_port(_metadata, fd);

	/* errors: a flag on another kind, on a cancel, an unknown flag */
	p = alloc_port(_metadata, fd);
	ASSERT_EQ(0, machipc_port_insert_right(fd, p, MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	EXPECT_EQ(EINVAL, request_dead_name(fd, so, 0, MACHIPC_NOTIFY_DEAD_NAME_UREF));
	EXPECT_EQ(EINVAL, request_dead_name(fd, so, n, MACHIPC_NOTIFY_DEAD_NAME_UREF << 1));

	/* a send-once right: 1 reference, then 2 */
	ASSERT_EQ(0, request_dead_name(fd, so, n, MACHIPC_NOTIFY_DEAD_NAME_UREF));
	ASSERT_EQ(0, machipc_port_destroy(fd, p));
	i = info_of(_metadata, fd, so);
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, i.rights);
	EXPECT_EQ(2, i.urefs);
	EXPECT_EQ(so, expect_notification(_metadata, fd, n, MACHIPC_NOTIFY_DEAD_NAME));
	EXPECT_EQ(0, machipc_port_mod_refs(fd, so, MACHIPC_RIGHT_DEAD_NAME, -2));

	/* send rights in another space: 3 references, then 4; without: 3 */
	for (int flag = 1; flag >= 0; flag--) {
		q = alloc_port(_metadata, peer);
		bfd = machipc_bootstrap_export(peer, q, MACHIPC_DISP_MAKE_SEND, 0);
		ASSERT_LE(0, bfd);
		ASSERT_EQ(0, machipc_bootstrap_import(fd, bfd, &s));
		close(bfd);
		ASSERT_EQ(0, machipc_port_mod_refs(fd, s, MACHIPC_RIGHT_SEND, 2));
		ASSERT_EQ(0, request_dead_name(fd, s, n, flag ?
					       MACHIPC_NOTIFY_DEAD_NAME_UREF : 0));
		ASSERT_EQ(0, machipc_port_destroy(peer, q));
		i = info_of(_metadata, fd, s);
		EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, i.rights);
		EXPECT_EQ(3 + flag, i.urefs);
		EXPECT_EQ(s, expect_notification(_metadata, fd, n,
						 MACHIPC_NOTIFY_DEAD_NAME));
		EXPECT_EQ(0, machipc_port_destroy(fd, s));
	}

	/* replaced without the flag, or cancelled: no extra reference */
	for (int cancel = 0; cancel < 2; cancel++) {
		p = alloc_port(_metadata, fd);
		ASSERT_EQ(0, machipc_port_insert_right(fd, p, MACHIPC_DISP_MAKE_SEND_ONCE,
						       &so));
		ASSERT_EQ(0, request_dead_name(fd, so, n, MACHIPC_NOTIFY_DEAD_NAME_UREF));
		ASSERT_EQ(0, request_dead_name(fd, so, cancel ? 0 : n, 0));
		/* the old request's right, handed back and released */
		expect_notification(_metadata, fd, n, MACHIPC_NOTIFY_SEND_ONCE);
		ASSERT_EQ(0, machipc_port_destroy(fd, p));
		i = info_of(_metadata, fd, so);
		EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, i.rights);
		EXPECT_EQ(1, i.urefs);
		if (!cancel)
			EXPECT_EQ(so, expect_notification(_metadata, fd, n,
							  MACHIPC_NOTIFY_DEAD_NAME));
		EXPECT_EQ(0, machipc_port_destroy(fd, so));
	}

	/* at the maximum the reference is not added */
	q = alloc_port(_metadata, peer);
	bfd = machipc_bootstrap_export(peer, q, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, machipc_bootstrap_import(fd, bfd, &s));
	close(bfd);
	ASSERT_EQ(0, machipc_port_mod_refs(fd, s, MACHIPC_RIGHT_SEND,
					   MACHIPC_UREFS_MAX - 1));
	ASSERT_EQ(0, request_dead_name(fd, s, n, MACHIPC_NOTIFY_DEAD_NAME_UREF));
	ASSERT_EQ(0, machipc_port_destroy(peer, q));
	i = info_of(_metadata, fd, s);
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, i.rights);
	EXPECT_EQ(MACHIPC_UREFS_MAX, i.urefs);
	EXPECT_EQ(s, expect_notification(_metadata, fd, n, MACHIPC_NOTIFY_DEAD_NAME));
	EXPECT_TRUE(nothing_more(fd, n));
	close(peer);
}

TEST_F(space, send_once_destroyed_unused)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 so, carrier;
	struct machipc_msg_builder b;
	__u64 buf[NBUF / 8];

	/* deallocated */
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	EXPECT_EQ(1, attr(_metadata, self->fd, port).sorights);
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, so));
	EXPECT_EQ(1, attr(_metadata, self->fd, port).sorights);
	expect_notification(_metadata, self->fd, port, MACHIPC_NOTIFY_SEND_ONCE);
	EXPECT_EQ(0, attr(_metadata, self->fd, port).sorights);
	EXPECT_TRUE(nothing_more(self->fd, port));

	/* carried in a message destroyed with its destination */
	carrier = alloc_port(_metadata, self->fd);
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), carrier,
				      MACHIPC_DISP_MAKE_SEND, 0, 0, 7));
	ASSERT_EQ(0, machipc_msg_add_port(&b, port, MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, machipc_send(self->fd, buf, NULL));
	EXPECT_TRUE(nothing_more(self->fd, port));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, carrier));
	expect_notification(_metadata, self->fd, port, MACHIPC_NOTIFY_SEND_ONCE);

	/* used: a reply through it is no notification */
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), so,
				      MACHIPC_DISP_MOVE_SEND_ONCE, 0, 0, 42));
	ASSERT_EQ(0, machipc_send(self->fd, buf, NULL));
	ASSERT_EQ(0, rcv(self->fd, port, buf, 1000));
	EXPECT_EQ(42, machipc_msg_header(buf)->id);
	EXPECT_EQ(0, machipc_msg_trailer(buf)->flags);
	EXPECT_EQ(0, attr(_metadata, self->fd, port).sorights);
	EXPECT_TRUE(nothing_more(self->fd, port));
}

/* The receive right travels to the notify port with its queue intact. */
TEST_F(space, port_destroyed_hands_off)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 notify = alloc_port(_metadata, self->fd);
	struct machipc_msg_builder b;
	const struct machipc_msg_desc *d;
	__u64 buf[NBUF / 8];
	__u32 got, name;

	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND, &name));
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_PORT_DESTROYED, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), port,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 1234));
	ASSERT_EQ(0, machipc_send(self->fd, buf, NULL));
	ASSERT_EQ(0, machipc_port_mod_refs(self->fd, port,
					   MACHIPC_RIGHT_RECEIVE, -1));
	/* the name keeps its send right: the port did not die */
	ASSERT_EQ(0, machipc_send(self->fd, buf, NULL));

	ASSERT_EQ(0, rcv(self->fd, notify, buf, 10000));
	EXPECT_EQ(MACHIPC_MSGID_PORT_DESTROYED, machipc_msg_header(buf)->id);
	EXPECT_EQ(MACHIPC_TRAILER_KERNEL, machipc_msg_trailer(buf)->flags);
	ASSERT_EQ(1, machipc_msg_header(buf)->desc_count);
	d = machipc_msg_desc(buf, 0);
	EXPECT_EQ(MACHIPC_DISP_MOVE_RECEIVE, d->disposition);
	got = d->name;
	/* the same port: it joins the name that holds its send right */
	EXPECT_EQ(port, got);
	EXPECT_EQ(2, attr(_metadata, self->fd, got).msgcount);
	ASSERT_EQ(0, rcv(self->fd, got, buf, 1000));
	EXPECT_EQ(1234, machipc_msg_header(buf)->id);
	ASSERT_EQ(0, rcv(self->fd, got, buf, 1000));
	EXPECT_EQ(1234, machipc_msg_header(buf)->id);
	EXPECT_TRUE(nothing_more(self->fd, notify));
	/* the request was used up: destroying it now kills the port */
	ASSERT_EQ(0, machipc_port_destroy(self->fd, got));
	EXPECT_TRUE(nothing_more(self->fd, notify));
}

/* A user message with a notification id is still a user message. */
TEST_F(space, forged_notification_is_user_message)
{
	__u32 port = alloc_port(_metadata, self->fd);
	struct machipc_notify_body body = { .value = 77 };
	struct machipc_msg_builder b;
	__u64 buf[NBUF / 8];
	__u32 kind;

	for (kind = 1; kind <= MACHIPC_NOTIFY_LAST; kind++) {
		ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), port,
					      MACHIPC_DISP_MAKE_SEND, 0, 0,
					      MACHIPC_MSGID_NOTIFY(kind)));
		ASSERT_EQ(0, machipc_msg_add_data(&b, &body, sizeof(body)));
		ASSERT_EQ(0, machipc_send(self->fd, buf, NULL));
		ASSERT_EQ(0, rcv(self->fd, port, buf, 1000));
		EXPECT_EQ(MACHIPC_MSGID_NOTIFY(kind), machipc_msg_header(buf)->id);
		EXPECT_EQ(0, machipc_msg_trailer(buf)->flags);
		EXPECT_EQ(getpid(), machipc_msg_trailer(buf)->pid);
		EXPECT_EQ(0, machipc_notify_value(buf, NULL));
	}
}

TEST_F(space, request_errors_change_nothing)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 notify = alloc_port(_metadata, self->fd);
	__u32 set, dead, so, snd, prev;
	struct mt_snap before, after;
	char diff[256];
	struct {
		__u32 name, kind, notify, disp, sync;
		int err;
	} cases[8];
	unsigned int i;

	ASSERT_EQ(0, machipc_port_allocate(self->fd, MACHIPC_RIGHT_PORT_SET, &set));
	ASSERT_EQ(0, machipc_port_allocate(self->fd, MACHIPC_RIGHT_DEAD_NAME, &dead));
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, port,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	snd = alloc_port(_metadata, self->fd);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, snd,
					       MACHIPC_DISP_MAKE_SEND, &prev));
	ASSERT_EQ(0, machipc_port_mod_refs(self->fd, snd, MACHIPC_RIGHT_RECEIVE, -1));
	/* snd is now a dead name (its send right outlived the port) */

	i = 0;
	cases[i++] = (typeof(cases[0])){ set, MACHIPC_NOTIFY_NO_SENDERS, notify,
		MACHIPC_DISP_MAKE_SEND_ONCE, 0, EACCES };
	cases[i++] = (typeof(cases[0])){ so, MACHIPC_NOTIFY_PORT_DESTROYED, notify,
		MACHIPC_DISP_MAKE_SEND_ONCE, 0, EACCES };
	cases[i++] = (typeof(cases[0])){ port, MACHIPC_NOTIFY_DEAD_NAME, notify,
		MACHIPC_DISP_MAKE_SEND_ONCE, 0, EACCES };
	cases[i++] = (typeof(cases[0])){ dead, MACHIPC_NOTIFY_DEAD_NAME, notify,
		MACHIPC_DISP_MAKE_SEND_ONCE, 0, EPIPE };
	cases[i++] = (typeof(cases[0])){ port + 1000, MACHIPC_NOTIFY_NO_SENDERS,
		notify, MACHIPC_DISP_MAKE_SEND_ONCE, 0, ENOENT };
	cases[i++] = (typeof(cases[0])){ port, MACHIPC_NOTIFY_NO_SENDERS, set,
		MACHIPC_DISP_MAKE_SEND_ONCE, 0, EACCES };
	cases[i++] = (typeof(cases[0])){ port, MACHIPC_NOTIFY_NO_SENDERS, notify,
		MACHIPC_DISP_MOVE_SEND_ONCE, 0, EACCES };
	cases[i++] = (typeof(cases[0])){ port, MACHIPC_NOTIFY_SEND_ONCE, notify,
		MACHIPC_DISP_MAKE_SEND_ONCE, 0, EINVAL };

	ASSERT_EQ(0, mt_snap_take(self->fd, &before));
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		errno = 0;
		EXPECT_EQ(-1, machipc_port_request_notification(self->fd,
				cases[i].name, cases[i].kind, cases[i].notify,
				cases[i].disp, cases[i].sync, &prev)) {
			TH_LOG("case %u succeeded", i);
		}
		EXPECT_EQ(cases[i].err, errno) {
			TH_LOG("case %u", i);
		}
		ASSERT_EQ(0, mt_snap_take(self->fd, &after));
		EXPECT_EQ(0, mt_snap_diff(&before, &after, diff, sizeof(diff))) {
			TH_LOG("case %u changed: %s", i, diff);
		}
	}
}

TEST_F(space, replace_and_cancel_return_previous)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 notify = alloc_port(_metadata, self->fd);
	__u32 so, prev = 0, prev2 = 0;
	struct machipc_name_info info;

	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_PORT_DESTROYED, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, &prev));
	EXPECT_EQ(0, prev);
	/* replace with a send-once right moved from the space */
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, notify,
					       MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_PORT_DESTROYED, so,
			MACHIPC_DISP_MOVE_SEND_ONCE, 0, &prev));
	ASSERT_NE(0, prev);
	EXPECT_EQ(-1, machipc_name_info(self->fd, so, &info));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, machipc_name_info(self->fd, prev, &info));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, info.rights);
	EXPECT_EQ(2, attr(_metadata, self->fd, notify).sorights);
	/* cancel: the moved right comes back */
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_PORT_DESTROYED, 0, 0, 0, &prev2));
	ASSERT_NE(0, prev2);
	ASSERT_EQ(0, machipc_name_info(self->fd, prev2, &info));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, info.rights);
	/* cancelled: destroying the port hands nothing off */
	ASSERT_EQ(0, machipc_port_destroy(self->fd, port));
	EXPECT_TRUE(nothing_more(self->fd, notify));
	/* the two returned rights, destroyed unused, each notify once */
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, prev));
	ASSERT_EQ(0, machipc_port_deallocate(self->fd, prev2));
	expect_notification(_metadata, self->fd, notify, MACHIPC_NOTIFY_SEND_ONCE);
	expect_notification(_metadata, self->fd, notify, MACHIPC_NOTIFY_SEND_ONCE);
	EXPECT_TRUE(nothing_more(self->fd, notify));
	EXPECT_EQ(0, attr(_metadata, self->fd, notify).sorights);
}

/*
 * Exactly once under races: a child holds the only send right and dies
 * (by exit or SIGKILL) while the parent re-registers and tears down
 * requests; every round yields exactly one notification per request.
 */
TEST(exactly_once_race)
{
	long rounds = mt_scaled(300, 20), r;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	for (r = 0; r < rounds; r++) {
		__u32 port, notify;
		int bfd, status;
		pid_t pid;

		port = alloc_port(_metadata, fd);
		notify = alloc_port(_metadata, fd);
		bfd = machipc_bootstrap_export(fd, port, MACHIPC_DISP_MAKE_SEND, 0);
		ASSERT_LE(0, bfd);
		ASSERT_EQ(0, machipc_port_request_notification(fd, port,
				MACHIPC_NOTIFY_NO_SENDERS, notify,
				MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			int cfd = machipc_open();
			__u32 name;

			if (cfd < 0 || machipc_bootstrap_import(cfd, bfd, &name))
				_exit(1);
			close(bfd);
			if (r & 1)
				pause();
			_exit(0);
		}
		close(bfd);
		if (r & 1) {
			usleep(r % 7 * 100);
			kill(pid, SIGKILL);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(1, expect_notification(_metadata, fd, notify,
						 MACHIPC_NOTIFY_NO_SENDERS));
		EXPECT_TRUE(nothing_more(fd, notify));
		ASSERT_EQ(0, machipc_port_destroy(fd, port));
		ASSERT_EQ(0, machipc_port_destroy(fd, notify));
	}
	close(fd);
}

/* Send to @dest a message with one port descriptor. */
static int send_port(int fd, __u32 dest, __u32 dest_disp, __u32 port,
		     __u32 disp, __u32 id)
{
	struct machipc_msg_builder b;
	__u64 buf[64];

	if (machipc_msg_init(&b, buf, sizeof(buf), dest, dest_disp, 0, 0, id) ||
	    machipc_msg_add_port(&b, port, disp))
		return -1;
	return machipc_send(fd, buf, NULL);
}

/*
 * A process killed while blocked in a send holds the only send right: its
 * space is torn down and the no-senders notification fires.
 */
TEST_F(space, no_senders_on_kill_mid_send)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 notify = alloc_port(_metadata, self->fd);
	__u32 full = alloc_port(_metadata, self->fd);
	int pbfd, fbfd, status, ctl[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, machipc_port_set_qlimit(self->fd, full, 1));
	ASSERT_EQ(0, send_port(self->fd, full, MACHIPC_DISP_MAKE_SEND, notify,
			       MACHIPC_DISP_MAKE_SEND, 1));
	pbfd = machipc_bootstrap_export(self->fd, port, MACHIPC_DISP_MAKE_SEND, 0);
	fbfd = machipc_bootstrap_export(self->fd, full, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, pbfd);
	ASSERT_LE(0, fbfd);
	ASSERT_EQ(0, pipe(ctl));
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, port,
			MACHIPC_NOTIFY_NO_SENDERS, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = machipc_open();
		__u32 p, f;

		if (fd < 0 || machipc_bootstrap_import(fd, pbfd, &p) ||
		    machipc_bootstrap_import(fd, fbfd, &f))
			_exit(1);
		close(pbfd);
		if (write(ctl[1], "r", 1) != 1)
			_exit(1);
		/* blocks: the queue is full; carries a copy of our right */
		send_port(fd, f, MACHIPC_DISP_COPY_SEND, p,
			  MACHIPC_DISP_COPY_SEND, 2);
		_exit(2);
	}
	close(pbfd);
	close(fbfd);
	ASSERT_EQ(1, read(ctl[0], &c, 1));
	usleep(100000);
	EXPECT_TRUE(nothing_more(self->fd, notify));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(1, expect_notification(_metadata, self->fd, notify,
					 MACHIPC_NOTIFY_NO_SENDERS));
	EXPECT_TRUE(nothing_more(self->fd, notify));
	EXPECT_EQ(1, attr(_metadata, self->fd, full).msgcount);
	close(ctl[0]);
	close(ctl[1]);
}

/*
 * Dead-name through a message carrying the receive right, destroyed with
 * the port it was queued on; the requester is another space of this
 * process.
 */
TEST_F(space, dead_name_when_message_with_receive_destroyed)
{
	__u32 port = alloc_port(_metadata, self->fd);
	__u32 carrier = alloc_port(_metadata, self->fd);
	__u32 name, notify;
	int fd2, bfd;

	fd2 = machipc_open();
	ASSERT_LE(0, fd2);
	bfd = machipc_bootstrap_export(self->fd, port, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, machipc_bootstrap_import(fd2, bfd, &name));
	close(bfd);
	ASSERT_EQ(0, machipc_port_allocate(fd2, MACHIPC_RIGHT_RECEIVE, &notify));
	ASSERT_EQ(0, machipc_port_request_notification(fd2, name,
			MACHIPC_NOTIFY_DEAD_NAME, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
	ASSERT_EQ(0, send_port(self->fd, carrier, MACHIPC_DISP_MAKE_SEND, port,
			       MACHIPC_DISP_MOVE_RECEIVE, 3));
	EXPECT_TRUE(nothing_more(fd2, notify));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, carrier));
	EXPECT_EQ(name, expect_notification(_metadata, fd2, notify,
					    MACHIPC_NOTIFY_DEAD_NAME));
	EXPECT_TRUE(nothing_more(fd2, notify));
	close(fd2);
}

/*
 * Requester and notify port in different processes, the requester killed
 * while the other side drops its right: every round delivers exactly one
 * message to the notify port -- the notification, or the send-once
 * notification of the request discarded with its dying port.
 */
/* 1000 forked processes: minutes on a loaded TCG host. */
FIXTURE(forks) {};
FIXTURE_SETUP(forks) {}
FIXTURE_TEARDOWN(forks) {}

TEST_F_TIMEOUT(forks, cross_process_exactly_once, 300)
{
	long rounds = mt_scaled(1000, 30), r;
	int fd = machipc_open();
	__u32 notify;
	int nbfd;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, machipc_port_allocate(fd, MACHIPC_RIGHT_RECEIVE, &notify));
	nbfd = machipc_bootstrap_export(fd, notify, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, nbfd);

	for (r = 0; r < rounds; r++) {
		__u64 buf[NBUF / 8];
		const struct machipc_msg_desc *d;
		__u32 kind = r % 3, child_port, value, got;
		int status, ctl[2];
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(ctl));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			int cfd = machipc_open();
			__u32 n, p, so;

			/* hand the parent a send right to our port p */
			if (cfd < 0 || machipc_bootstrap_import(cfd, nbfd, &n) ||
			    machipc_port_allocate(cfd, MACHIPC_RIGHT_RECEIVE, &p) ||
			    send_port(cfd, n, MACHIPC_DISP_COPY_SEND, p,
				      MACHIPC_DISP_MAKE_SEND, 1))
				_exit(1);
			if (kind) {
				/* get a send-once right to notify, register */
				size_t size = sizeof(buf);

				if (machipc_receive(cfd, p, buf, &size, NULL))
					_exit(2);
				so = machipc_msg_desc(buf, 0)->name;
				if (machipc_port_request_notification(cfd, p,
						kind == 1 ? MACHIPC_NOTIFY_PORT_DESTROYED :
							    MACHIPC_NOTIFY_NO_SENDERS,
						so, MACHIPC_DISP_MOVE_SEND_ONCE,
						kind == 2 ? 1 : 0, NULL))
					_exit(3);
			}
			if (write(ctl[1], "r", 1) != 1)
				_exit(4);
			pause();
			_exit(0);
		}
		ASSERT_EQ(0, rcv(fd, notify, buf, 10000));
		ASSERT_EQ(1, machipc_msg_header(buf)->id);
		child_port = machipc_msg_desc(buf, 0)->name;
		if (kind == 0) {
			ASSERT_EQ(0, machipc_port_request_notification(fd,
					child_port, MACHIPC_NOTIFY_DEAD_NAME, notify,
					MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
		} else {
			ASSERT_EQ(0, send_port(fd, child_port, MACHIPC_DISP_COPY_SEND,
					       notify, MACHIPC_DISP_MAKE_SEND_ONCE, 2));
		}
		ASSERT_EQ(1, read(ctl[0], &c, 1));
		if (r & 1)
			usleep(r % 5 * 50);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		if (kind == 2)
			EXPECT_EQ(0, machipc_port_deallocate(fd, child_port));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));

		/* exactly one message per round */
		ASSERT_EQ(0, rcv(fd, notify, buf, 10000));
		got = machipc_notify_value(buf, &value);
		switch (kind) {
		case 0:
			EXPECT_EQ(MACHIPC_NOTIFY_DEAD_NAME, got);
			EXPECT_EQ(child_port, value);
			EXPECT_EQ(0, machipc_port_deallocate(fd, child_port));
			break;
		case 1:
			ASSERT_EQ(MACHIPC_NOTIFY_PORT_DESTROYED, got);
			d = machipc_msg_desc(buf, 0);
			EXPECT_EQ(MACHIPC_DISP_MOVE_RECEIVE, d->disposition);
			/* it joins our send right's name; now we kill it */
			EXPECT_EQ(child_port, d->name);
			EXPECT_EQ(0, machipc_port_destroy(fd, d->name));
			break;
		default:
			/* killed first, or our deallocate first */
			EXPECT_TRUE(got == MACHIPC_NOTIFY_NO_SENDERS ||
				    got == MACHIPC_NOTIFY_SEND_ONCE) {
				TH_LOG("round %ld: kind %u", r, got);
			}
			break;
		}
		EXPECT_TRUE(nothing_more(fd, notify)) {
			TH_LOG("round %ld: a second message", r);
		}
		close(ctl[0]);
		close(ctl[1]);
	}
	EXPECT_EQ(0, attr(_metadata, fd, notify).sorights);
	close(nbfd);
	close(fd);
}

/*
 * Regression (review finding): a port of a rights cycle escapes through its
 * port-destroyed request, carrying a message with the receive right of the
 * cycle port that was killed.  That right arrives as a dead name, and no
 * request can be installed on the dead port.
 */
TEST_F(space, cycle_escape_delivers_dead_receive_right)
{
	__u32 a = alloc_port(_metadata, self->fd);
	__u32 b = alloc_port(_metadata, self->fd);
	__u32 n = alloc_port(_metadata, self->fd);
	const struct machipc_msg_desc *d;
	__u64 buf[NBUF / 8];
	__u32 name;

	ASSERT_EQ(0, machipc_port_insert_right(self->fd, b,
					       MACHIPC_DISP_MAKE_SEND, &name));
	ASSERT_EQ(0, machipc_port_request_notification(self->fd, b,
			MACHIPC_NOTIFY_PORT_DESTROYED, n,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
	/* b's receive right queued on a, then a's on b: a cycle */
	ASSERT_EQ(0, send_port(self->fd, a, MACHIPC_DISP_MAKE_SEND, b,
			       MACHIPC_DISP_MOVE_RECEIVE, 1));
	ASSERT_EQ(0, send_port(self->fd, b, MACHIPC_DISP_COPY_SEND, a,
			       MACHIPC_DISP_MOVE_RECEIVE, 2));
	/* b escaped to n */
	ASSERT_EQ(0, rcv(self->fd, n, buf, 10000));
	EXPECT_EQ(MACHIPC_MSGID_PORT_DESTROYED, machipc_msg_header(buf)->id);
	EXPECT_EQ(b, machipc_msg_desc(buf, 0)->name);
	/* its message carries a's receive right; a is dead */
	ASSERT_EQ(0, rcv(self->fd, b, buf, 1000));
	EXPECT_EQ(2, machipc_msg_header(buf)->id);
	d = machipc_msg_desc(buf, 0);
	EXPECT_EQ(MACHIPC_DISP_MOVE_RECEIVE, d->disposition);
	EXPECT_EQ(MACHIPC_NAME_DEAD, d->name);
	EXPECT_TRUE(nothing_more(self->fd, n));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, b));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, n));
}

/*
 * Regression (review finding): a long chain of receive rights, each port
 * with a port-destroyed request to itself, destroyed from its head, must
 * not recurse in the kernel (it used to overflow the kernel stack).
 */
TEST_F(space, long_port_destroyed_chain_does_not_recurse)
{
	long n = mt_scaled(3000, 300), i;
	__u32 *ports = calloc(n, sizeof(*ports));
	struct machipc_account_info a;

	ASSERT_NE(NULL, ports);
	ASSERT_EQ(0, machipc_account_set_limit(self->fd, 1ULL << 30) ? errno : 0);
	for (i = 0; i < n; i++) {
		ports[i] = alloc_port(_metadata, self->fd);
		ASSERT_EQ(0, machipc_port_request_notification(self->fd, ports[i],
				MACHIPC_NOTIFY_PORT_DESTROYED, ports[i],
				MACHIPC_DISP_MAKE_SEND_ONCE, 0, NULL));
	}
	for (i = n - 1; i > 0; i--)
		ASSERT_EQ(0, send_port(self->fd, ports[i - 1],
				       MACHIPC_DISP_MAKE_SEND, ports[i],
				       MACHIPC_DISP_MOVE_RECEIVE, 5));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, ports[0]));
	/* everything went; only the account's own bookkeeping remains */
	ASSERT_EQ(0, machipc_account_get(self->fd, &a));
	EXPECT_EQ(0, a.usage);
	free(ports);
}

TEST_HARNESS_MAIN
