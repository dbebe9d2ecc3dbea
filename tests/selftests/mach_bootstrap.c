// SPDX-License-Identifier: GPL-2.0
/*
 * mach_bootstrap: <servers/bootstrap.h> against machipc-bootstrapd, written
 * against the Mach API only.  The program runs itself under the daemon
 * when it has no bootstrap port (MACH_BOOTSTRAPD names the daemon; by
 * default tools/bootstrapd/machipc-bootstrapd of this tree).
 *
 * check_in, look_up and register with their codes; a forked child and an
 * exec()ed program reach a service through their own bootstrap ports; a
 * service whose holder exits is forgotten, and a dead-name notification
 * tells a client that the holder died.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>

#include "kselftest_harness.h"
#include "mach_test.h"

#include <servers/bootstrap.h>

static char **mt_argv;
/* Our parent, the bootstrap server, when we run under it. */
static pid_t daemon_pid;

/* Before main(): make sure we run under the bootstrap server. */
__attribute__((constructor)) static void mt_under_bootstrapd(int argc, char **argv)
{
	char self[PATH_MAX], daemon[PATH_MAX + 64], *slash;
	const char *env = getenv("MACH_BOOTSTRAPD");
	char **args;
	ssize_t n;
	int i;

	mt_argv = argv;
	if (getenv("MT_UNDER_BOOTSTRAPD"))
		daemon_pid = getppid();
	if (bootstrap_port != MACH_PORT_NULL || getenv("MT_CHILD_MODE") ||
	    getenv("MT_UNDER_BOOTSTRAPD"))
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = 0;
	if (env) {
		snprintf(daemon, sizeof(daemon), "%s", env);
	} else {
		/* build/selftests/X -> tools/bootstrapd/machipc-bootstrapd */
		slash = strrchr(self, '/');
		*slash = 0;
		snprintf(daemon, sizeof(daemon),
			 "%s/../../tools/bootstrapd/machipc-bootstrapd", self);
		*slash = '/';
	}
	args = calloc(argc + 3, sizeof(*args));
	args[0] = daemon;
	args[1] = "--";
	args[2] = self;
	for (i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	setenv("MT_UNDER_BOOTSTRAPD", "1", 1);
	execv(daemon, args);
	fprintf(stderr, "mach_bootstrap: cannot run %s: %m\n", daemon);
}

TEST(has_bootstrap_port)
{
	mach_port_t bp = MACH_PORT_NULL;

	ASSERT_TRUE(MACH_PORT_VALID(bootstrap_port));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, mt_type(bootstrap_port));
	ASSERT_EQ(KERN_SUCCESS, task_get_bootstrap_port(mach_task_self(), &bp));
	EXPECT_EQ(bootstrap_port, bp);
	EXPECT_EQ(2, mt_refs(bp, MACH_PORT_RIGHT_SEND));
	mach_port_deallocate(mach_task_self(), bp);
	/* the host port is the host's name, with a reference of its own */
	ASSERT_EQ(KERN_SUCCESS, task_get_special_port(mach_task_self(), TASK_HOST_PORT, &bp));
	EXPECT_EQ(mach_host_self(), bp);
	mach_port_deallocate(mach_task_self(), bp);
	mach_port_deallocate(mach_task_self(), bp);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_get_special_port(mach_task_self(), 999, &bp));
}

TEST(check_in_and_look_up)
{
	mach_port_t svc = MACH_PORT_NULL, look = MACH_PORT_NULL, again;
	mt_simple_rcv_t r;

	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_check_in(bootstrap_port, "org.machipc.test.a", &svc));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(svc));
	EXPECT_EQ(BOOTSTRAP_SERVICE_ACTIVE, bootstrap_check_in(bootstrap_port, "org.machipc.test.a", &again));
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_look_up(bootstrap_port, "org.machipc.test.a", &look));
	/* Our own receive right: the send right shares its name. */
	EXPECT_EQ(svc, look);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, mt_type(svc));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(look, MACH_MSG_TYPE_COPY_SEND, 11, 11, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(svc, &r, MACH_RCV_TIMEOUT, 1000));
	EXPECT_EQ(11, r.header.msgh_id);
	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE, bootstrap_look_up(bootstrap_port, "org.machipc.none", &look));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, bootstrap_look_up(MACH_PORT_NULL, "x", &look));
	EXPECT_STREQ("Unknown service name", bootstrap_strerror(BOOTSTRAP_UNKNOWN_SERVICE));
	/* The service dies with its port: check in again. */
	mach_port_destroy(mach_task_self(), svc);
	usleep(100 * 1000);
	EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE, bootstrap_look_up(bootstrap_port, "org.machipc.test.a", &look));
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_check_in(bootstrap_port, "org.machipc.test.a", &svc));
	mach_port_destroy(mach_task_self(), svc);
}

TEST(register_and_child_look_up)
{
	mach_port_t p = mt_port_send(), other = mt_port_send();
	mt_simple_rcv_t r;
	int status;
	pid_t pid;

	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_register(bootstrap_port, "org.machipc.test.b", p));
	EXPECT_EQ(1, mt_refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(BOOTSTRAP_NAME_IN_USE, bootstrap_register(bootstrap_port, "org.machipc.test.b", other));
	EXPECT_EQ(1, mt_refs(other, MACH_PORT_RIGHT_SEND));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t s;

		/* A new task, with its own bootstrap port. */
		if (!MACH_PORT_VALID(bootstrap_port))
			_exit(1);
		if (bootstrap_look_up(bootstrap_port, "org.machipc.test.b", &s))
			_exit(2);
		_exit(mt_send(s, MACH_MSG_TYPE_COPY_SEND, 21, (uint32_t)getpid(), 0, 0) ? 3 : 0);
	}
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(p, &r, MACH_RCV_TIMEOUT |
					    MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT), 10000));
	EXPECT_EQ(21, r.header.msgh_id);
	EXPECT_EQ((uint32_t)pid, r.seq);
	EXPECT_EQ((unsigned int)pid, r.trailer.msgh_audit.val[5]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* Unregister, then the name is free. */
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_register(bootstrap_port, "org.machipc.test.b", MACH_PORT_NULL));
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_register(bootstrap_port, "org.machipc.test.b", other));
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_register(bootstrap_port, "org.machipc.test.b", MACH_PORT_NULL));
	mach_port_destroy(mach_task_self(), p);
	mach_port_destroy(mach_task_self(), other);
}

TEST(exec_child_has_bootstrap_port)
{
	mach_port_t svc;
	mt_simple_rcv_t r;
	int status;
	pid_t pid;

	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_check_in(bootstrap_port, "org.machipc.test.c", &svc));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		setenv("MT_CHILD_MODE", "1", 1);
		execl("/proc/self/exe", "mach_bootstrap", (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_recv(svc, &r, MACH_RCV_TIMEOUT, 20000));
	EXPECT_EQ(31, r.header.msgh_id);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mach_port_destroy(mach_task_self(), svc);
}

TEST(dead_name_when_holder_exits)
{
	mach_port_t task = mach_task_self(), notify = mt_port(), s = MACH_PORT_NULL, prev;
	char buf[256];
	mach_dead_name_notification_t *n = (void *)buf;
	int go[2], status, i;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t svc;
		char c;

		close(go[1]);
		if (bootstrap_check_in(bootstrap_port, "org.machipc.test.d", &svc))
			_exit(1);
		/* Wait for the parent, then die (ports and all). */
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	close(go[0]);
	for (i = 0; i < 200; i++) {
		if (!bootstrap_look_up(bootstrap_port, "org.machipc.test.d", &s))
			break;
		usleep(20 * 1000);
	}
	ASSERT_TRUE(MACH_PORT_VALID(s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(task, s, MACH_NOTIFY_DEAD_NAME, 0,
							       notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg((mach_msg_header_t *)buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT,
					     0, sizeof(buf), notify, 5000, 0));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, n->not_header.msgh_id);
	EXPECT_EQ(s, n->not_port);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(s));
	EXPECT_EQ(2, mt_refs(s, MACH_PORT_RIGHT_DEAD_NAME));
	mach_port_mod_refs(task, s, MACH_PORT_RIGHT_DEAD_NAME, -2);
	mach_port_destroy(task, notify);
}

/* The exec()ed child of exec_child_has_bootstrap_port. */
static void mt_child_mode(void)
{
	mach_port_t s;

	if (bootstrap_look_up(bootstrap_port, "org.machipc.test.c", &s))
		_exit(2);
	_exit(mt_send(s, MACH_MSG_TYPE_COPY_SEND, 31, 31, 0, 0) ? 3 : 0);
}

/* The daemon's kernel memory, from its space's fdinfo (we are its child). */
static long long daemon_usage(void)
{
	char dir[64], path[PATH_MAX], line[256];
	long long usage = -1;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)daemon_pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while (usage < 0 && (e = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "machipc-account: usage %lld", &usage) == 1)
				break;
		fclose(f);
	}
	closedir(d);
	return usage;
}

/*
 * Services registered with one port share its name in the daemon, and so
 * its one dead-name request: each registration replaces the request, and
 * the daemon must drop the send-once right it gets back, and forget every
 * such service when the port dies.  The daemon's kernel memory returns to
 * where it was.
 */
TEST(services_sharing_a_port)
{
	mach_port_t p = mt_port_send(), look;
	long long before, after = -1;
	char name[64];
	int i;

	before = daemon_usage();
	if (before < 0)
		SKIP(return, "cannot read the daemon's fdinfo");
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "org.machipc.test.shared.%d", i);
		ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(mach_task_self(), p,
							   MACH_PORT_RIGHT_SEND, 1));
		ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_register(bootstrap_port, name, p));
	}
	ASSERT_EQ(BOOTSTRAP_SUCCESS, bootstrap_look_up(bootstrap_port,
						       "org.machipc.test.shared.7", &look));
	EXPECT_EQ(p, look);
	mach_port_deallocate(mach_task_self(), look);
	mach_port_destroy(mach_task_self(), p);
	/* The notifications reach the daemon in its own time: ask until. */
	for (i = 0; i < 200; i++) {
		if (bootstrap_look_up(bootstrap_port, "org.machipc.test.shared.0",
				      &look) == BOOTSTRAP_UNKNOWN_SERVICE) {
			after = daemon_usage();
			if (after == before)
				break;
		} else {
			mach_port_deallocate(mach_task_self(), look);
		}
		usleep(20 * 1000);
	}
	EXPECT_EQ(before, after);
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "org.machipc.test.shared.%d", i);
		EXPECT_EQ(BOOTSTRAP_UNKNOWN_SERVICE,
			  bootstrap_look_up(bootstrap_port, name, &look));
	}
}

int main(int argc, char **argv)
{
	if (getenv("MT_CHILD_MODE"))
		mt_child_mode();
	return test_harness_run(argc, argv);
}
