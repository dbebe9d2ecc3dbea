// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile peers (issue 12, findings 7 to 11): memory a process makes the
 * kernel hold is charged to it, also the name index's nodes, its spaces
 * and its bootstrap descriptors; the budget is the process's, not each
 * open's; a process at its limit does not starve an honest one; fdinfo
 * speaks the reader's pid namespace; an owner that exits while another
 * process shares its file table still takes its ports down.
 */

#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

static struct machipc_account_info acct_of(int fd)
{
	struct machipc_account_info a;

	if (machipc_account_get_all(fd, &a))
		memset(&a, 0xff, sizeof(a));
	return a;
}

static __u64 process_usage(int fd)
{
	return acct_of(fd).process_usage;
}

/* Objects in use of the radix_tree_node slab (xarray nodes), or -1. */
static long xa_nodes_in_use(long *objsize)
{
	char line[512], name[64];
	long active, total, size;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &total,
			   &size) == 4 && !strcmp(name, "radix_tree_node")) {
			fclose(f);
			*objsize = size;
			return active;
		}
	}
	fclose(f);
	return -1;
}

/*
 * One name kept in 64: each kept name has an xarray leaf to itself.  The
 * process must be charged at least a node per kept name besides the
 * entry, and (where /proc/slabinfo can tell) at least half of what the
 * index really grew by.
 */
TEST(sparse_names_pay_for_their_index_nodes)
{
	const int runs = 256;
	struct machipc_account_info a;
	long before, after, objsize = 0;
	__u64 u0, charged;
	__u32 *names;
	int fd, i;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	a = acct_of(fd);
	ASSERT_NE(0, a.cost_index_node);
	names = calloc(runs * 64, sizeof(*names));
	ASSERT_NE(NULL, names);
	before = xa_nodes_in_use(&objsize);
	u0 = process_usage(fd);
	for (i = 0; i < runs * 64; i++)
		ASSERT_NE(0, names[i] = mt_alloc(fd, MACHIPC_RIGHT_DEAD_NAME));
	for (i = 0; i < runs * 64; i++)
		if (i % 64)
			ASSERT_EQ(0, machipc_port_destroy(fd, names[i]));
	charged = process_usage(fd) - u0;
	after = xa_nodes_in_use(&objsize);
	EXPECT_LE((__u64)runs * (a.cost_entry + a.cost_index_node), charged) {
		TH_LOG("%d sparse names charged %llu bytes", runs,
		       (unsigned long long)charged);
	}
	/* and not wildly more: at most 2 nodes per name on average */
	EXPECT_GE((__u64)runs * (a.cost_entry + 2 * a.cost_index_node) +
		  5 * a.cost_index_node, charged);
	if (before >= 0 && after >= 0) {
		long grown = (after - before) * objsize;

		TH_LOG("index grew by %ld bytes of slab, %llu charged for it",
		       grown, (unsigned long long)(charged - runs * a.cost_entry));
		EXPECT_LE(grown / 2, (long)(charged - runs * a.cost_entry));
	}
	/*
	 * Everything is refunded as the names go, but for the allocator's
	 * hold on the leaf of its next name (charged like a name's leaf).
	 */
	for (i = 0; i < runs * 64; i += 64)
		ASSERT_EQ(0, machipc_port_destroy(fd, names[i]));
	EXPECT_LE(u0, process_usage(fd));
	EXPECT_GE(u0 + 5 * a.cost_index_node, process_usage(fd));
	free(names);
	close(fd);
}

TEST(spaces_and_bootstrap_descriptors_are_charged)
{
	struct machipc_account_info a;
	__u64 u0;
	__u32 port;
	int fd, fd2, bfd, bfd2;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	a = acct_of(fd);
	ASSERT_NE(0, a.cost_space);
	ASSERT_NE(0, a.cost_bootstrap);
	ASSERT_LE(a.cost_space, a.process_usage);
	EXPECT_EQ(0, a.usage);
	ASSERT_NE(0, port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE));

	u0 = process_usage(fd);
	fd2 = machipc_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(u0 + a.cost_space, process_usage(fd));
	EXPECT_EQ(a.spaces + 1, acct_of(fd).spaces);
	bfd = machipc_bootstrap_export(fd, port, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	EXPECT_EQ(u0 + a.cost_space + a.cost_bootstrap, process_usage(fd));
	/* charged to the exporter wherever the descriptor goes */
	bfd2 = dup(bfd);
	EXPECT_EQ(u0 + a.cost_space + a.cost_bootstrap, process_usage(fd2));
	close(bfd);
	close(bfd2);
	EXPECT_EQ(u0 + a.cost_space, process_usage(fd));
	close(fd2);
	EXPECT_EQ(u0, process_usage(fd));
	EXPECT_EQ(a.spaces, acct_of(fd).spaces);

	/* A process at its limit cannot open another space, or export. */
	ASSERT_EQ(0, machipc_process_set_limit(fd, process_usage(fd)));
	fd2 = open("/dev/machipc", O_RDWR | O_CLOEXEC);
	EXPECT_EQ(-1, fd2);
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(-1, machipc_bootstrap_export(fd, port,
					       MACHIPC_DISP_MAKE_SEND, 0));
	EXPECT_EQ(ENOBUFS, errno);
	EXPECT_EQ(2, acct_of(fd).process_failures);
	close(fd);
}

/* The old 64-byte command still answers, and writes no more than that. */
TEST(account_v2_block_still_accepted)
{
	struct machipc_account_info a;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	memset(&a, 0xa5, sizeof(a));
	a.flags = 0;
	ASSERT_EQ(0, ioctl(fd, MACHIPC_IOC_ACCOUNT_V2, &a));
	EXPECT_NE(0, a.cost_entry);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, a.process_usage);
	memset(&a, 0, sizeof(a));
	a.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_ACCOUNT, &a));
	EXPECT_EQ(EINVAL, errno);
	/* Outputs since ABI 5: zero on input, like the reserved word. */
	memset(&a, 0, sizeof(a));
	a.cost_capture = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_ACCOUNT, &a));
	EXPECT_EQ(EINVAL, errno);
	memset(&a, 0, sizeof(a));
	a.cost_capture_page = 1;
	EXPECT_EQ(-1, ioctl(fd, MACHIPC_IOC_ACCOUNT, &a));
	EXPECT_EQ(EINVAL, errno);
	memset(&a, 0, sizeof(a));
	ASSERT_EQ(0, ioctl(fd, MACHIPC_IOC_ACCOUNT, &a));
	/* A real cost (ool_capture checks it to the byte), not the input. */
	EXPECT_NE(0, a.cost_capture);
	EXPECT_EQ((__u32)sysconf(_SC_PAGESIZE) + 8, a.cost_capture_page);
	close(fd);
}

/*
 * Four spaces of one process draw on one limit: in a child (a fresh
 * process account) whose limit is lowered to 256 KiB, names allocated
 * round-robin in four spaces stop at that limit together, each space far
 * below its own limit.
 */
TEST(spaces_of_one_process_share_one_limit)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		const __u64 limit = 256 << 10;
		struct machipc_account_info a;
		int fd[4], i, full = 0;
		__u64 sum = 0, names = 0;
		__u32 name;

		for (i = 0; i < 4; i++)
			if ((fd[i] = machipc_open()) < 0)
				_exit(10);
		if (machipc_process_set_limit(fd[0], limit))
			_exit(11);
		while (full != 0xf) {
			for (i = 0; i < 4; i++) {
				if (full & (1 << i))
					continue;
				if (!machipc_port_allocate(fd[i],
						MACHIPC_RIGHT_DEAD_NAME, &name)) {
					names++;
					continue;
				}
				if (errno != ENOBUFS)
					_exit(12);
				full |= 1 << i;
			}
		}
		for (i = 0; i < 4; i++) {
			a = acct_of(fd[i]);
			if (a.usage >= a.limit / 4 || !a.failures)
				_exit(13);
			sum += a.usage + a.cost_space;
		}
		if (a.process_usage > limit || a.spaces != 4 ||
		    a.process_failures < 4 || sum > a.process_usage)
			_exit(14);
		/* the whole limit, not a quarter of it, was usable */
		if (names * a.cost_entry < limit / 2)
			_exit(15);
		_exit(0);
	}
	EXPECT_EQ(0, mt_wait(pid));
}

/*
 * A hostile process fills its budget with many spaces and names; an
 * honest process, started after, still allocates, sends and receives.
 * The hostile one lowers its own limit first (to 256 KiB), which only
 * makes the test short: the module's default is left alone.
 */
TEST(hostile_process_does_not_starve_an_honest_one)
{
	const __u64 limit = 256 << 10;
	int sync[2], fd, i;
	char buf[256];
	pid_t hostile;
	__u32 port;

	ASSERT_EQ(0, pipe(sync));
	hostile = fork();
	ASSERT_LE(0, hostile);
	if (!hostile) {
		struct machipc_account_info a;
		int fds[16], n = 1;
		__u32 name;

		fds[0] = machipc_open();
		if (fds[0] < 0 || machipc_process_set_limit(fds[0], limit))
			_exit(10);
		/* spaces until the process account refuses one, or 16 */
		while (n < 16 && (fds[n] = machipc_open()) >= 0)
			n++;
		/* names in every space until the account refuses them */
		for (i = 0; i < n; i++)
			while (!machipc_port_allocate(fds[i],
					MACHIPC_RIGHT_DEAD_NAME, &name))
				;
		a = acct_of(fds[0]);
		mt_put(sync[1], a.process_usage <= limit &&
			       a.process_failures >= (__u64)n ? 'y' : 'n');
		pause();
		_exit(0);
	}
	close(sync[1]);
	EXPECT_EQ('y', mt_get(sync[0]));

	fd = machipc_open();
	ASSERT_LE(0, fd);
	ASSERT_NE(0, port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, mt_send_simple(fd, port, MACHIPC_DISP_MAKE_SEND,
					    i, "honest", 6, NULL));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, mt_recv_now(fd, port, buf, sizeof(buf)));
	close(fd);
	kill(hostile, SIGKILL);
	mt_wait(hostile);
	close(sync[0]);
}

/* Whether fdinfo of @path says "machipc-owner:\t@want". */
static int owner_is(const char *path, long want)
{
	char buf[4096], line[64];

	if (mt_read_file(path, buf, sizeof(buf)))
		return 0;
	snprintf(line, sizeof(line), "machipc-owner:\t%ld\n", want);
	return strstr(buf, line) != NULL;
}

TEST(fdinfo_owner_in_the_readers_pid_namespace)
{
	int sync[2], back[2];
	char path[64];
	pid_t outer;
	int status;

	if (unshare(CLONE_NEWPID))
		SKIP(return, "unshare(CLONE_NEWPID): %s", strerror(errno));
	ASSERT_EQ(0, pipe(sync));
	ASSERT_EQ(0, pipe(back));
	/* The first child is pid 1 of the new namespace. */
	outer = fork();
	ASSERT_LE(0, outer);
	if (!outer) {
		int fd = machipc_open();

		if (fd < 0 || getpid() != 1)
			_exit(10);
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if (!owner_is(path, 1))
			_exit(11);
		mt_put(sync[1], (char)fd);
		mt_get(back[0]);
		_exit(0);
	}
	close(sync[1]);
	close(back[0]);
	{
		int fd = mt_get(sync[0]);

		ASSERT_LE(0, fd);
		/* the parent, outside, sees the child's pid in its namespace */
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", outer, fd);
		EXPECT_TRUE(owner_is(path, outer));
		mt_put(back[1], 'x');
	}
	ASSERT_EQ(outer, waitpid(outer, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* The state line of the space behind @fd: 'l'ive, 'd'ead, or 0. */
static char space_state(int fd)
{
	char path[64], buf[4096], *s;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (mt_read_file(path, buf, sizeof(buf)))
		return 0;
	s = strstr(buf, "machipc-state:\t");
	return s ? s[strlen("machipc-state:\t")] : 0;
}

/*
 * The owner shares its file table with this process (CLONE_FILES without
 * CLONE_THREAD) and exits: the file stays open here, but the space must
 * be torn down, its port die and the dead-name notification fire.
 */
TEST(owner_exit_with_shared_file_table_tears_down)
{
	struct machipc_msg_header *h;
	__u64 buf[64];
	int sync[2], go[2], mine, theirs = -1, bfd = -1;
	__u32 send, prev, notify;
	pid_t owner;
	char c;

	mine = machipc_open();
	ASSERT_LE(0, mine);
	ASSERT_NE(0, notify = mt_alloc(mine, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, pipe(sync));
	ASSERT_EQ(0, pipe(go));
	owner = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	ASSERT_LE(0, owner);
	if (!owner) {
		int fd = machipc_open();
		__u32 port = fd < 0 ? 0 : mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
		int b = port ? machipc_bootstrap_export(fd, port,
					MACHIPC_DISP_MAKE_SEND, 0) : -1;

		/* the descriptors are in the shared table: tell their numbers */
		mt_put(sync[1], b < 0 ? -1 : (char)fd);
		mt_put(sync[1], (char)b);
		/* and exit once the test has its dead-name request in place */
		mt_get(go[0]);
		_exit(0);
	}
	c = mt_get(sync[0]);
	theirs = c;
	bfd = (char)mt_get(sync[0]);
	ASSERT_LE(0, theirs);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, machipc_bootstrap_import(mine, bfd, &send));
	ASSERT_EQ(0, machipc_port_request_notification(mine, send,
			MACHIPC_NOTIFY_DEAD_NAME, notify,
			MACHIPC_DISP_MAKE_SEND_ONCE, 0, &prev));
	/* still alive: the space is too */
	EXPECT_EQ('l', space_state(theirs));
	ASSERT_EQ(0, mt_put(go[1], 'x'));
	EXPECT_EQ(0, mt_wait(owner));
	/* the file is still open here, in the shared table */
	EXPECT_NE(0, space_state(theirs));
	/* the teardown may run just after the exit: wait for it, boundedly */
	EXPECT_EQ(0, mt_recv_ms(mine, notify, buf, sizeof(buf), 20000));
	h = (void *)buf;
	EXPECT_EQ(MACHIPC_MSGID_DEAD_NAME, h->id);
	EXPECT_EQ('d', space_state(theirs));
	EXPECT_EQ(-1, machipc_bootstrap_import(mine, bfd, &send));
	EXPECT_EQ(EPIPE, errno);
	/* and its ioctls fail as documented */
	EXPECT_EQ(-1, machipc_port_allocate(theirs, MACHIPC_RIGHT_RECEIVE,
					    &send));
	EXPECT_EQ(EBADFD, errno);
	close(bfd);
	close(theirs);
	close(mine);
}

TEST_HARNESS_MAIN
