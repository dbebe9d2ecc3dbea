// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications against hostile peers (issue 12, findings 2 and 3):
 *
 * - A dead-name request dies with its name and its space: when the
 *   requesting name loses its right (deallocated, destroyed, moved away,
 *   used, its space torn down) the request is cancelled and its notify
 *   port gets a port-deleted notification instead, exactly once; the
 *   requests do not pile up on the target port (debugfs notify_requests
 *   returns to its baseline).  Against the target port dying at the same
 *   time, exactly one of dead-name and port-deleted arrives.
 * - A send-once right's notification is paid by the space that made the
 *   right, reserved when it was made: moving the receive right to a victim
 *   and dying cannot make the victim pay.
 */

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define NBUF		1024
#define DBG_REQUESTS	"/sys/kernel/debug/machipc/notify_requests"

/* Receive one message on @name within @ms; returns 0 or errno. */
static int rcv(int fd, __u32 name, void *buf, long ms)
{
	struct timespec dl;
	size_t size = NBUF;

	machipc_deadline_in(&dl, ms);
	return machipc_receive(fd, name, buf, &size, &dl) ? errno : 0;
}

static int nothing_more(int fd, __u32 name)
{
	__u64 buf[NBUF / 8];

	return rcv(fd, name, buf, 0) == ETIMEDOUT;
}

/* The kind of the notification received on @port now (0: none), @value. */
static __u32 take_notification(int fd, __u32 port, __u32 *value)
{
	__u64 buf[NBUF / 8];

	if (rcv(fd, port, buf, 0))
		return 0;
	return machipc_notify_value(buf, value);
}

/* Expect one notification of @kind with @value on @port, and no more. */
#define EXPECT_ONLY_NOTIFICATION(fd, port, kind, val) do {		\
	__u32 _v = ~0U;							\
	EXPECT_EQ((kind), take_notification((fd), (port), &_v));	\
	EXPECT_EQ((val), _v);						\
	EXPECT_TRUE(nothing_more((fd), (port)));			\
} while (0)

/* Live notification requests module-wide, or -1 without debugfs. */
static long live_requests(void)
{
	long v;

	return mt_read_long(DBG_REQUESTS, &v) ? -1 : v;
}

static __u64 usage(int fd)
{
	struct machipc_account_info a;

	if (machipc_account_get(fd, &a))
		return ~0ULL;
	return a.usage;
}

static int request_dead_name(int fd, __u32 name, __u32 notify, __u32 disp)
{
	return MT_ERR(machipc_port_request_notification(fd, name,
			MACHIPC_NOTIFY_DEAD_NAME, notify, disp, 0, NULL));
}

/*
 * Three spaces of one process: @owner holds the receive right of @port,
 * @req a send right to it (@name) and a notify port @notify.
 */
FIXTURE(three) {
	int owner, req, obs;
	__u32 port, name, notify;
	long live0;
};

FIXTURE_SETUP(three)
{
	self->live0 = live_requests();
	self->owner = machipc_open();
	self->req = machipc_open();
	self->obs = machipc_open();
	ASSERT_LE(0, self->owner);
	ASSERT_LE(0, self->req);
	ASSERT_LE(0, self->obs);
	ASSERT_NE(0, self->port = mt_alloc(self->owner, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, mt_give_send(self->owner, self->port, self->req,
				  &self->name));
	ASSERT_NE(0, self->notify = mt_alloc(self->req, MACHIPC_RIGHT_RECEIVE));
}

FIXTURE_TEARDOWN(three)
{
	close(self->req);
	close(self->obs);
	close(self->owner);
	/* Nothing of ours is left on any port. */
	if (self->live0 >= 0)
		EXPECT_EQ(self->live0, live_requests());
}

TEST_F(three, port_deleted_on_deallocate)
{
	__u64 u = usage(self->req);

	ASSERT_EQ(0, request_dead_name(self->req, self->name, self->notify,
				       MACHIPC_DISP_MAKE_SEND_ONCE));
	if (self->live0 >= 0)
		EXPECT_EQ(self->live0 + 1, live_requests());
	ASSERT_EQ(0, machipc_port_deallocate(self->req, self->name));
	if (self->live0 >= 0)
		EXPECT_EQ(self->live0, live_requests());
	EXPECT_ONLY_NOTIFICATION(self->req, self->notify,
				 MACHIPC_NOTIFY_PORT_DELETED, self->name);
	/* received: all refunded but the name gone */
	struct machipc_account_info a;

	ASSERT_EQ(0, machipc_account_get(self->req, &a));
	EXPECT_EQ(u - a.cost_entry, usage(self->req));
	/* the port dying later sends nothing */
	ASSERT_EQ(0, machipc_port_destroy(self->owner, self->port));
	EXPECT_TRUE(nothing_more(self->req, self->notify));
}

TEST_F(three, port_deleted_on_destroy_and_mod_refs)
{
	__u32 again;

	ASSERT_EQ(0, request_dead_name(self->req, self->name, self->notify,
				       MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, machipc_port_destroy(self->req, self->name));
	EXPECT_ONLY_NOTIFICATION(self->req, self->notify,
				 MACHIPC_NOTIFY_PORT_DELETED, self->name);

	ASSERT_EQ(0, mt_give_send(self->owner, self->port, self->req, &again));
	ASSERT_EQ(0, machipc_port_mod_refs(self->req, again,
					   MACHIPC_RIGHT_SEND, 2));
	ASSERT_EQ(0, request_dead_name(self->req, again, self->notify,
				       MACHIPC_DISP_MAKE_SEND_ONCE));
	/* one of three references: the name still denotes the port */
	ASSERT_EQ(0, machipc_port_mod_refs(self->req, again,
					   MACHIPC_RIGHT_SEND, -1));
	EXPECT_TRUE(nothing_more(self->req, self->notify));
	ASSERT_EQ(0, machipc_port_mod_refs(self->req, again,
					   MACHIPC_RIGHT_SEND, -2));
	EXPECT_ONLY_NOTIFICATION(self->req, self->notify,
				 MACHIPC_NOTIFY_PORT_DELETED, again);
	ASSERT_EQ(0, machipc_port_destroy(self->owner, self->port));
	EXPECT_TRUE(nothing_more(self->req, self->notify));
}

/* The right moved away in a message: the name is deleted. */
TEST_F(three, port_deleted_on_move_away)
{
	__u32 inbox, to_obs;
	__u64 buf[NBUF / 8];

	ASSERT_NE(0, inbox = mt_alloc(self->obs, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, mt_give_send(self->obs, inbox, self->req, &to_obs));
	ASSERT_EQ(0, request_dead_name(self->req, self->name, self->notify,
				       MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, mt_send_simple(self->req, to_obs, MACHIPC_DISP_COPY_SEND,
				    1, NULL, 0, NULL));
	EXPECT_TRUE(nothing_more(self->req, self->notify));
	{
		struct machipc_msg_builder b;

		ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), to_obs,
					      MACHIPC_DISP_COPY_SEND, 0, 0, 2));
		ASSERT_EQ(0, machipc_msg_add_port(&b, self->name,
						  MACHIPC_DISP_MOVE_SEND));
		ASSERT_EQ(0, MT_ERR(machipc_send(self->req, buf, NULL)));
	}
	EXPECT_ONLY_NOTIFICATION(self->req, self->notify,
				 MACHIPC_NOTIFY_PORT_DELETED, self->name);
	/* the port dying, its right now in obs, does not notify req */
	ASSERT_EQ(0, machipc_port_destroy(self->owner, self->port));
	EXPECT_TRUE(nothing_more(self->req, self->notify));
}

/* A send-once name used as a destination is deleted too. */
TEST_F(three, port_deleted_on_send_once_used)
{
	__u32 so;
	__u64 buf[NBUF / 8];

	/* req's notify port receives a send-once right to owner's port */
	{
		__u32 to_req;
		struct machipc_msg_builder b;

		ASSERT_EQ(0, mt_give_send(self->req, self->notify, self->owner,
					  &to_req));
		ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), to_req,
					      MACHIPC_DISP_MOVE_SEND, 0, 0, 4));
		ASSERT_EQ(0, machipc_msg_add_port(&b, self->port,
					MACHIPC_DISP_MAKE_SEND_ONCE));
		ASSERT_EQ(0, MT_ERR(machipc_send(self->owner, buf, NULL)));
		ASSERT_EQ(0, rcv(self->req, self->notify, buf, 10000));
		so = machipc_msg_desc(buf, 0)->name;
		ASSERT_NE(0, so);
	}
	ASSERT_EQ(0, request_dead_name(self->req, so, self->notify,
				       MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, mt_send_simple(self->req, so, MACHIPC_DISP_MOVE_SEND_ONCE,
				    5, NULL, 0, NULL));
	EXPECT_ONLY_NOTIFICATION(self->req, self->notify,
				 MACHIPC_NOTIFY_PORT_DELETED, so);
	ASSERT_EQ(0, rcv(self->owner, self->port, buf, 10000));
	EXPECT_EQ(5, machipc_msg_header(buf)->id);
	ASSERT_EQ(0, machipc_port_destroy(self->owner, self->port));
	EXPECT_TRUE(nothing_more(self->req, self->notify));
}

/*
 * The requesting space is torn down: the notify port lives in another
 * space (obs), which gets port-deleted; the requester's account (with no
 * process behind it) is refunded when obs receives it.
 */
TEST_F(three, port_deleted_on_space_teardown)
{
	__u32 obsport, to_req, so;
	__u64 buf[NBUF / 8];
	struct machipc_msg_builder b;
	__u64 uowner = usage(self->owner);

	ASSERT_NE(0, obsport = mt_alloc(self->obs, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, mt_give_send(self->req, self->notify, self->obs, &to_req));
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), to_req,
				      MACHIPC_DISP_MOVE_SEND, 0, 0, 4));
	ASSERT_EQ(0, machipc_msg_add_port(&b, obsport,
					  MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, MT_ERR(machipc_send(self->obs, buf, NULL)));
	ASSERT_EQ(0, rcv(self->req, self->notify, buf, 10000));
	so = machipc_msg_desc(buf, 0)->name;
	ASSERT_NE(0, so);
	ASSERT_EQ(0, request_dead_name(self->req, self->name, so,
				       MACHIPC_DISP_MOVE_SEND_ONCE));
	close(self->req);
	self->req = machipc_open();
	ASSERT_LE(0, self->req);
	if (self->live0 >= 0)
		EXPECT_EQ(self->live0, live_requests());
	EXPECT_ONLY_NOTIFICATION(self->obs, obsport,
				 MACHIPC_NOTIFY_PORT_DELETED, self->name);
	EXPECT_EQ(uowner, usage(self->owner));
	ASSERT_EQ(0, machipc_port_destroy(self->owner, self->port));
	EXPECT_TRUE(nothing_more(self->obs, obsport));
}

/* The notify port died first: the request is dropped, refunded, silent. */
TEST_F(three, notify_port_dead_first)
{
	__u64 u = usage(self->req);

	ASSERT_EQ(0, request_dead_name(self->req, self->name, self->notify,
				       MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, machipc_port_destroy(self->req, self->notify));
	ASSERT_EQ(0, machipc_port_deallocate(self->req, self->name));
	if (self->live0 >= 0)
		EXPECT_EQ(self->live0, live_requests());
	{
		struct machipc_account_info a;

		ASSERT_EQ(0, machipc_account_get(self->req, &a));
		EXPECT_EQ(u - a.cost_port - 2 * a.cost_entry,
			  usage(self->req));
	}
	/* and the other order: target dies with a dead notify port */
	ASSERT_EQ(0, mt_give_send(self->owner, self->port, self->req,
				  &self->name));
	ASSERT_NE(0, self->notify = mt_alloc(self->req, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, request_dead_name(self->req, self->name, self->notify,
				       MACHIPC_DISP_MAKE_SEND_ONCE));
	ASSERT_EQ(0, machipc_port_destroy(self->req, self->notify));
	ASSERT_EQ(0, machipc_port_destroy(self->owner, self->port));
	if (self->live0 >= 0)
		EXPECT_EQ(self->live0, live_requests());
}

/*
 * Finding 2's leak, scaled: open / import a bootstrap fd / request
 * dead-name / close, many times, with no requester left alive: nothing may
 * stay on the target port.
 */
TEST(leak_open_import_request_close)
{
	long rounds = mt_scaled(2000, 100), i, live0 = live_requests();
	int owner = machipc_open(), bfd;
	__u32 port;
	__u64 u;

	ASSERT_LE(0, owner);
	ASSERT_NE(0, port = mt_alloc(owner, MACHIPC_RIGHT_RECEIVE));
	bfd = machipc_bootstrap_export(owner, port, MACHIPC_DISP_MAKE_SEND,
				       MACHIPC_BOOTSTRAP_CLOEXEC);
	ASSERT_LE(0, bfd);
	u = usage(owner);
	for (i = 0; i < rounds; i++) {
		int fd = machipc_open();
		__u32 name, notify;

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, machipc_bootstrap_import(fd, bfd, &name));
		ASSERT_NE(0, notify = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE));
		ASSERT_EQ(0, request_dead_name(fd, name, notify,
					       MACHIPC_DISP_MAKE_SEND_ONCE));
		close(fd);
	}
	if (live0 >= 0) {
		EXPECT_EQ(live0, live_requests());
	} else {
		ksft_print_msg("no debugfs: live request count not checked\n");
	}
	EXPECT_EQ(u, usage(owner));
	close(bfd);
	close(owner);
}

struct race {
	int fd;
	__u32 name;
	pthread_barrier_t *go;
	int teardown;
};

static void *race_destroy(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->go);
	if (r->teardown)
		close(r->fd);
	else
		machipc_port_deallocate(r->fd, r->name);
	return NULL;
}

/*
 * The requester's name is deleted (deallocated, or its space torn down)
 * while the target port dies: exactly one of dead-name and port-deleted,
 * every round, and nothing left over.
 */
TEST(race_name_deleted_vs_port_death)
{
	long rounds = mt_scaled(400, 40), i, live0 = live_requests();
	long dead_name = 0, deleted = 0;
	int obs = machipc_open();
	__u32 obsport;

	ASSERT_LE(0, obs);
	ASSERT_NE(0, obsport = mt_alloc(obs, MACHIPC_RIGHT_RECEIVE));
	for (i = 0; i < rounds; i++) {
		int owner = machipc_open(), req = machipc_open();
		__u32 port, name, to_req, so, kind, value = 0, notify;
		__u64 buf[NBUF / 8];
		struct machipc_msg_builder b;
		pthread_barrier_t go;
		struct race r;
		pthread_t t;

		ASSERT_LE(0, owner);
		ASSERT_LE(0, req);
		ASSERT_NE(0, port = mt_alloc(owner, MACHIPC_RIGHT_RECEIVE));
		ASSERT_EQ(0, mt_give_send(owner, port, req, &name));
		/* req gets a send-once right to obsport to notify through */
		ASSERT_NE(0, notify = mt_alloc(req, MACHIPC_RIGHT_RECEIVE));
		ASSERT_EQ(0, mt_give_send(req, notify, obs, &to_req));
		ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), to_req,
					      MACHIPC_DISP_MOVE_SEND, 0, 0, 4));
		ASSERT_EQ(0, machipc_msg_add_port(&b, obsport,
					MACHIPC_DISP_MAKE_SEND_ONCE));
		ASSERT_EQ(0, MT_ERR(machipc_send(obs, buf, NULL)));
		ASSERT_EQ(0, rcv(req, notify, buf, 10000));
		so = machipc_msg_desc(buf, 0)->name;
		ASSERT_EQ(0, request_dead_name(req, name, so,
					       MACHIPC_DISP_MOVE_SEND_ONCE));

		pthread_barrier_init(&go, NULL, 2);
		r = (struct race){ .fd = req, .name = name, .go = &go,
				   .teardown = i & 1 };
		ASSERT_EQ(0, pthread_create(&t, NULL, race_destroy, &r));
		pthread_barrier_wait(&go);
		machipc_port_destroy(owner, port);
		pthread_join(t, NULL);
		pthread_barrier_destroy(&go);

		kind = take_notification(obs, obsport, &value);
		if (kind == MACHIPC_NOTIFY_DEAD_NAME)
			dead_name++;
		else if (kind == MACHIPC_NOTIFY_PORT_DELETED)
			deleted++;
		else
			ASSERT_EQ(MACHIPC_NOTIFY_DEAD_NAME, kind);
		EXPECT_EQ(name, value);
		ASSERT_TRUE(nothing_more(obs, obsport));
		if (!(i & 1))
			close(req);
		close(owner);
	}
	ksft_print_msg("%ld rounds: %ld dead-name, %ld port-deleted\n",
		       rounds, dead_name, deleted);
	EXPECT_EQ(rounds, dead_name + deleted);
	if (live0 >= 0)
		EXPECT_EQ(live0, live_requests());
	EXPECT_TRUE(nothing_more(obs, obsport));
	close(obs);
}

/*
 * Finding 3: an attacker makes send-once rights to its own port, moves the
 * receive right to a victim, and dies.  The notifications reach the
 * victim, but they were paid for by the attacker when it made the rights:
 * the victim's usage does not move and its next allocation succeeds.
 */
TEST(send_once_charge_cannot_be_pushed_onto_a_victim)
{
	long n = mt_scaled(2000, 100), i, got = 0;
	int victim = machipc_open(), attacker = machipc_open();
	struct machipc_account_info va;
	struct machipc_msg_builder b;
	__u32 inbox, to_victim, x, moved, so, other, kind;
	__u64 buf[NBUF / 8], uv;

	ASSERT_LE(0, victim);
	ASSERT_LE(0, attacker);
	ASSERT_NE(0, inbox = mt_alloc(victim, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, mt_give_send(victim, inbox, attacker, &to_victim));
	ASSERT_NE(0, x = mt_alloc(attacker, MACHIPC_RIGHT_RECEIVE));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, machipc_port_insert_right(attacker, x,
					MACHIPC_DISP_MAKE_SEND_ONCE, &so));
	ASSERT_EQ(0, machipc_port_set_qlimit(attacker, x, 1));
	ASSERT_EQ(0, machipc_msg_init(&b, buf, sizeof(buf), to_victim,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 9));
	ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MOVE_RECEIVE));
	ASSERT_EQ(0, MT_ERR(machipc_send(attacker, buf, NULL)));
	ASSERT_EQ(0, rcv(victim, inbox, buf, 10000));
	moved = machipc_msg_desc(buf, 0)->name;
	ASSERT_NE(0, moved);

	/* the victim leaves itself room for one port, no more */
	ASSERT_EQ(0, machipc_account_get(victim, &va));
	uv = va.usage;
	ASSERT_EQ(0, machipc_account_set_limit(victim, uv + va.cost_port +
					       va.cost_entry));
	close(attacker);
	EXPECT_EQ(uv, usage(victim));
	EXPECT_EQ(0, MT_ERR(machipc_port_allocate(victim,
						  MACHIPC_RIGHT_RECEIVE,
						  &other)));
	ASSERT_EQ(0, machipc_port_destroy(victim, other));
	/* every notification arrives, and costs the victim nothing */
	while ((kind = take_notification(victim, moved, NULL)) != 0) {
		EXPECT_EQ(MACHIPC_NOTIFY_SEND_ONCE, kind);
		got++;
	}
	EXPECT_EQ(n, got);
	EXPECT_EQ(uv, usage(victim));
	close(victim);
}

/*
 * An attacker process floods dead-name requests on an honest port, from
 * many spaces, up to its own limit; the honest process's own request
 * still registers and fires, exactly once, and when the attacker is gone
 * nothing of its flood is left.
 */
TEST(hostile_flood_honest_still_notified)
{
	long live0 = live_requests(), spaces = mt_scaled(64, 8);
	int owner = machipc_open(), honest = machipc_open(), bfd, ready[2];
	__u32 port, hname, hnotify, value;
	pid_t pid;

	ASSERT_LE(0, owner);
	ASSERT_LE(0, honest);
	ASSERT_NE(0, port = mt_alloc(owner, MACHIPC_RIGHT_RECEIVE));
	bfd = machipc_bootstrap_export(owner, port, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long s, k;
		int fd = -1, refused = 0;

		close(ready[0]);
		for (s = 0; s < spaces; s++) {
			__u32 name, notify;

			fd = machipc_open();
			if (fd < 0 || machipc_bootstrap_import(fd, bfd, &name))
				_exit(2);
			notify = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
			if (!notify || request_dead_name(fd, name, notify,
						MACHIPC_DISP_MAKE_SEND_ONCE))
				_exit(2);
		}
		/* the last space churns: replace its request until refused */
		machipc_account_set_limit(fd, usage(fd) + 4096);
		for (k = 0; k < 100000 && !refused; k++) {
			__u32 name, notify;

			if (machipc_bootstrap_import(fd, bfd, &name))
				_exit(3);
			notify = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
			if (!notify || request_dead_name(fd, name, notify,
						MACHIPC_DISP_MAKE_SEND_ONCE))
				refused = 1;
			machipc_port_deallocate(fd, name);
		}
		if (!refused)
			_exit(4);
		mt_put(ready[1], 'r');
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ('r', mt_get(ready[0]));
	close(ready[0]);

	ASSERT_EQ(0, machipc_bootstrap_import(honest, bfd, &hname));
	ASSERT_NE(0, hnotify = mt_alloc(honest, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, request_dead_name(honest, hname, hnotify,
				       MACHIPC_DISP_MAKE_SEND_ONCE));
	if (live0 >= 0)
		EXPECT_LT(live0 + spaces, live_requests());
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, mt_wait(pid));
	if (live0 >= 0)
		EXPECT_EQ(live0 + 1, live_requests());
	ASSERT_EQ(0, machipc_port_destroy(owner, port));
	value = 0;
	EXPECT_EQ(MACHIPC_NOTIFY_DEAD_NAME,
		  take_notification(honest, hnotify, &value));
	EXPECT_EQ(hname, value);
	EXPECT_TRUE(nothing_more(honest, hnotify));
	if (live0 >= 0)
		EXPECT_EQ(live0, live_requests());
	close(bfd);
	close(honest);
	close(owner);
}

TEST_HARNESS_MAIN
