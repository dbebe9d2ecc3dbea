// SPDX-License-Identifier: GPL-2.0
/*
 * device: /dev/machipc basics.  Open/close, the version query, unknown
 * ioctls, bad user pointers, fork (EBADFD for a non-owner), exec, owner
 * teardown while a child still holds the file, and rmmod while in use.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

static int raw(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) == 0 ? 0 : errno;
}

/* Every machipc command, for loops over "all ioctls". */
static const unsigned long all_cmds[] = {
	MACHIPC_IOC_VERSION,
	MACHIPC_IOC_PORT_ALLOCATE,
	MACHIPC_IOC_PORT_DESTROY,
	MACHIPC_IOC_PORT_DEALLOCATE,
	MACHIPC_IOC_PORT_MOD_REFS,
	MACHIPC_IOC_PORT_INSERT_RIGHT,
	MACHIPC_IOC_PORT_MOVE_MEMBER,
	MACHIPC_IOC_PORT_GET_ATTRIBUTES,
	MACHIPC_IOC_PORT_SET_ATTRIBUTES,
	MACHIPC_IOC_NAME_INFO,
	MACHIPC_IOC_NAME_INFO_V3,
	MACHIPC_IOC_PORT_NAMES,
	MACHIPC_IOC_PORT_NAMES_V3,
	MACHIPC_IOC_BOOTSTRAP_EXPORT,
	MACHIPC_IOC_BOOTSTRAP_IMPORT,
	MACHIPC_IOC_MSG,
#ifdef MACHIPC_IOC_PORT_REQUEST_NOTIFICATION
	MACHIPC_IOC_PORT_REQUEST_NOTIFICATION,
#endif
};

TEST(open_close_1000)
{
	int i;

	for (i = 0; i < 1000; i++) {
		struct machipc_version v;
		int fd = machipc_open();

		ASSERT_LE(0, fd) TH_LOG("open #%d: %s", i, strerror(errno));
		if (i % 100 == 0) {
			ASSERT_EQ(0, machipc_abi_version(fd, &v));
			ASSERT_EQ(MACHIPC_ABI_VERSION, v.abi_version);
		}
		ASSERT_EQ(0, close(fd));
	}
}

TEST(open_is_new_empty_space)
{
	int a = machipc_open(), b = machipc_open();
	struct machipc_name_info *names;
	size_t n;
	__u32 na, nb;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	na = mt_alloc(a, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(1, na);	/* names are allocated from 1 */
	ASSERT_EQ(0, machipc_port_names(b, &names, &n));
	free(names);
	ASSERT_EQ(0, n);
	nb = mt_alloc(b, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(1, nb);
	ASSERT_EQ(2, mt_alloc(a, MACHIPC_RIGHT_PORT_SET));
	/* the library opens close-on-exec */
	ASSERT_EQ(FD_CLOEXEC, fcntl(a, F_GETFD) & FD_CLOEXEC);
	close(a);
	close(b);
}

TEST(version)
{
	struct machipc_version v;
	int fd = machipc_open();

	ASSERT_LE(0, fd);
	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, raw(fd, MACHIPC_IOC_VERSION, &v));
	EXPECT_EQ(MACHIPC_ABI_VERSION, v.abi_version);
	EXPECT_LE(1, v.chunk_pages);
	EXPECT_LE(v.chunk_pages, 1024);
	/* The copier's bookkeeping holds at least one page pointer per page. */
	EXPECT_LE(v.chunk_pages * sizeof(void *), v.cost_copy);
	EXPECT_LE(sizeof(struct machipc_msg_header), v.max_inline);
	EXPECT_LE(v.max_inline, 4u << 20);
	EXPECT_EQ(0, v.max_inline % 8);
	memset(&v, 0, sizeof(v));
	ASSERT_EQ(0, machipc_abi_version(fd, &v));
	EXPECT_EQ(MACHIPC_ABI_VERSION, v.abi_version);
	close(fd);
}

TEST(unknown_ioctl_enotty)
{
	struct { __u64 a[16]; } big;
	struct machipc_version v;
	int fd = machipc_open();
	struct mt_snap before;
	unsigned long bad[] = {
		/* wrong nr */
		_IOR(MACHIPC_IOC_MAGIC, 0x0e, struct machipc_version),
		_IOWR(MACHIPC_IOC_MAGIC, 0x0e, struct machipc_msg_args),
		_IOWR(MACHIPC_IOC_MAGIC, 0x0f, struct machipc_port_attr),
		_IOWR(MACHIPC_IOC_MAGIC, 0x0e, struct machipc_port_insert),
		_IOWR(MACHIPC_IOC_MAGIC, 0x7f, struct machipc_msg_args),
		_IOWR(MACHIPC_IOC_MAGIC, 0xff, struct machipc_msg_args),
		_IO(MACHIPC_IOC_MAGIC, 0x10),
		/* wrong magic, right nr and size */
		_IOR(MACHIPC_IOC_MAGIC + 1, 0x00, struct machipc_version),
		_IOWR('x', 0x0d, struct machipc_msg_args),
		_IOWR(0, 0x01, struct machipc_port_alloc),
		/* right nr, wrong size */
		_IOR(MACHIPC_IOC_MAGIC, 0x00, __u64),
		_IOR(MACHIPC_IOC_MAGIC, 0x00, big),
		_IOWR(MACHIPC_IOC_MAGIC, 0x01, __u32),
		_IOWR(MACHIPC_IOC_MAGIC, 0x0d, struct machipc_port_alloc),
		_IOWR(MACHIPC_IOC_MAGIC, 0x0d, big),
		/* right nr and size, wrong direction */
		_IOW(MACHIPC_IOC_MAGIC, 0x00, struct machipc_version),
		_IOR(MACHIPC_IOC_MAGIC, 0x02, struct machipc_port_name),
		_IOW(MACHIPC_IOC_MAGIC, 0x01, struct machipc_port_alloc),
		_IO(MACHIPC_IOC_MAGIC, 0x0d),
		/* command 0 */
		0,
	};
	size_t i;

	ASSERT_LE(0, fd);
	ASSERT_NE(0, mt_alloc(fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, mt_snap_take(fd, &before));
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&big, 0, sizeof(big));
		EXPECT_EQ(ENOTTY, raw(fd, bad[i], &big))
			TH_LOG("cmd %#lx", bad[i]);
	}
	ASSERT_SNAP_UNCHANGED(fd, &before);
	/* the space still works */
	ASSERT_EQ(0, machipc_abi_version(fd, &v));
	close(fd);
}

TEST(bad_pointer_efault)
{
	int fd = machipc_open();
	struct mt_snap before;
	void *hole;
	size_t i;

	ASSERT_LE(0, fd);
	ASSERT_NE(0, mt_alloc(fd, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, mt_snap_take(fd, &before));

	hole = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, 4096));

	for (i = 0; i < ARRAY_LEN(all_cmds); i++) {
		EXPECT_EQ(EFAULT, raw(fd, all_cmds[i], NULL))
			TH_LOG("cmd %#lx NULL", all_cmds[i]);
		EXPECT_EQ(EFAULT, raw(fd, all_cmds[i], hole))
			TH_LOG("cmd %#lx unmapped", all_cmds[i]);
		EXPECT_EQ(EFAULT, raw(fd, all_cmds[i], (void *)-4096L))
			TH_LOG("cmd %#lx kernel address", all_cmds[i]);
	}
	ASSERT_SNAP_UNCHANGED(fd, &before);
	close(fd);
}

/* Buffers pointed to by valid argument blocks: PORT_NAMES and MSG. */
TEST(bad_buffer_efault)
{
	struct machipc_port_names pn = { 0 };
	struct machipc_msg_args args;
	__u64 msg[8];
	struct machipc_msg_builder b;
	struct mt_snap before;
	__u32 port;
	int fd = machipc_open();
	void *hole;

	ASSERT_LE(0, fd);
	port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, port);
	hole = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, 4096));

	ASSERT_EQ(0, mt_snap_take(fd, &before));
	pn.entries = (uintptr_t)hole;
	pn.capacity = 4;
	EXPECT_EQ(EFAULT, raw(fd, MACHIPC_IOC_PORT_NAMES, &pn));

	/* send from an unmapped buffer */
	memset(&args, 0, sizeof(args));
	args.flags = MACHIPC_MSG_SEND;
	args.send_msg = (uintptr_t)hole;
	args.send_size = 32;
	EXPECT_EQ(EFAULT, machipc_msg(fd, &args) ? errno : 0);
	ASSERT_SNAP_UNCHANGED(fd, &before);

	/* receive into an unmapped buffer: EFAULT, message stays queued */
	ASSERT_EQ(0, machipc_msg_init(&b, msg, sizeof(msg), port,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 7));
	ASSERT_EQ(0, machipc_send(fd, msg, NULL));
	ASSERT_EQ(0, mt_snap_take(fd, &before));
	memset(&args, 0, sizeof(args));
	args.flags = MACHIPC_MSG_RECEIVE;
	args.rcv_name = port;
	args.rcv_buf = (uintptr_t)hole;
	args.rcv_size = 4096;
	EXPECT_EQ(EFAULT, machipc_msg(fd, &args) ? errno : 0);
	ASSERT_SNAP_UNCHANGED(fd, &before);
	EXPECT_EQ(0, mt_recv_now(fd, port, msg, sizeof(msg)));
	EXPECT_EQ(7, machipc_msg_header(msg)->id);
	close(fd);
}

/*
 * An argument block that can be read but not written, for commands that
 * write results back: the call must fail with EFAULT and change nothing
 * ("a failed call changes nothing").
 */
TEST(readonly_arg_efault_changes_nothing)
{
	struct machipc_port_alloc *alloc;
	struct machipc_port_insert *ins;
	struct machipc_bootstrap *bs;
	struct mt_snap before;
	int fd = machipc_open(), nfd_before, nfd_after;
	__u32 port;
	char *page;

	ASSERT_LE(0, fd);
	port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, port);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	alloc = (void *)page;
	alloc->right = MACHIPC_RIGHT_RECEIVE;
	ins = (void *)(page + 64);
	ins->name = port;
	ins->disposition = MACHIPC_DISP_MAKE_SEND_ONCE;
	bs = (void *)(page + 128);
	bs->name = port;
	bs->disposition = MACHIPC_DISP_MAKE_SEND;
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));

	ASSERT_EQ(0, mt_snap_take(fd, &before));
	EXPECT_EQ(EFAULT, raw(fd, MACHIPC_IOC_PORT_ALLOCATE, alloc));
	EXPECT_SNAP_UNCHANGED(fd, &before, "PORT_ALLOCATE");
	mt_snap_take(fd, &before);
	EXPECT_EQ(EFAULT, raw(fd, MACHIPC_IOC_PORT_INSERT_RIGHT, ins));
	EXPECT_SNAP_UNCHANGED(fd, &before, "PORT_INSERT_RIGHT");
	mt_snap_take(fd, &before);
	nfd_before = dup(0);
	close(nfd_before);
	EXPECT_EQ(EFAULT, raw(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, bs));
	EXPECT_SNAP_UNCHANGED(fd, &before, "BOOTSTRAP_EXPORT");
	nfd_after = dup(0);
	close(nfd_after);
	EXPECT_EQ(nfd_before, nfd_after) TH_LOG("a descriptor leaked");
	close(fd);
}

/* A read-only MSG argument block: the send must not happen. */
TEST(readonly_msg_args_no_send)
{
	struct machipc_msg_args *args;
	struct machipc_msg_builder b;
	struct mt_snap before;
	__u64 msg[8];
	int fd = machipc_open();
	__u32 port;
	char *page;

	ASSERT_LE(0, fd);
	port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, port);
	ASSERT_EQ(0, machipc_msg_init(&b, msg, sizeof(msg), port,
				      MACHIPC_DISP_MAKE_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	args = (void *)page;
	ASSERT_EQ(0, machipc_msg_args_init(args, msg, 0, NULL, 0, NULL, NULL));
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));
	ASSERT_EQ(0, mt_snap_take(fd, &before));
	/*
	 * Either the send succeeds (then the message is queued) or it fails
	 * with EFAULT and nothing is queued; never EFAULT with a queued
	 * message.
	 */
	if (raw(fd, MACHIPC_IOC_MSG, args) == 0) {
		struct machipc_port_attr a;

		ASSERT_EQ(0, mt_attr(fd, port, &a));
		EXPECT_EQ(1, a.msgcount);
	} else {
		EXPECT_EQ(EFAULT, errno);
		ASSERT_SNAP_UNCHANGED(fd, &before);
	}
	close(fd);
}

/*
 * A read-only MSG argument block for a receive: the kernel cannot report
 * rcv_size, so the call fails with EFAULT -- and must then leave the
 * message queued, not dequeue it (its rights named in the space) while
 * reporting failure.
 */
TEST(readonly_msg_args_no_receive)
{
	struct machipc_msg_args *args;
	struct machipc_msg_builder b;
	struct mt_snap before;
	__u64 msg[8], rbuf[32];
	int fd = machipc_open();
	__u32 port, q;
	char *page;

	ASSERT_LE(0, fd);
	port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	q = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_EQ(0, machipc_msg_init(&b, msg, sizeof(msg), port,
				      MACHIPC_DISP_MAKE_SEND, q,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 1));
	ASSERT_EQ(0, machipc_send(fd, msg, NULL));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	args = (void *)page;
	ASSERT_EQ(0, machipc_msg_args_init(args, NULL, port, rbuf,
					   sizeof(rbuf), NULL, NULL));
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));
	ASSERT_EQ(0, mt_snap_take(fd, &before));
	if (raw(fd, MACHIPC_IOC_MSG, args) == 0) {
		EXPECT_EQ(1, machipc_msg_header(rbuf)->id);
	} else {
		EXPECT_EQ(EFAULT, errno);
		ASSERT_SNAP_UNCHANGED(fd, &before);
		EXPECT_EQ(0, mt_recv_now(fd, port, rbuf, sizeof(rbuf)));
	}
	close(fd);
}

/* Issue every ioctl with a plausible argument; return the first non-EBADFD. */
static int all_ioctls_ebadfd(int fd, __u32 port, __u32 *bad_cmd, int *bad_err)
{
	union {
		struct machipc_version v;
		struct machipc_port_alloc alloc;
		struct machipc_port_name name;
		struct machipc_port_mod_refs mr;
		struct machipc_port_insert ins;
		struct machipc_port_member mem;
		struct machipc_port_attr attr;
		struct machipc_name_info info;
		struct machipc_port_names names;
		struct machipc_bootstrap bs;
		struct machipc_msg_args msg;
		__u64 pad[16];
	} u;
	struct machipc_name_info entries[8];
	__u64 msgbuf[16];
	struct machipc_msg_builder b;
	size_t i;

	for (i = 0; i < ARRAY_LEN(all_cmds); i++) {
		memset(&u, 0, sizeof(u));
		switch (all_cmds[i]) {
		case MACHIPC_IOC_PORT_ALLOCATE:
			u.alloc.right = MACHIPC_RIGHT_RECEIVE;
			break;
		case MACHIPC_IOC_PORT_DESTROY:
		case MACHIPC_IOC_PORT_DEALLOCATE:
			u.name.name = port;
			break;
		case MACHIPC_IOC_PORT_MOD_REFS:
			u.mr.name = port;
			u.mr.right = MACHIPC_RIGHT_RECEIVE;
			u.mr.delta = -1;
			break;
		case MACHIPC_IOC_PORT_INSERT_RIGHT:
			u.ins.name = port;
			u.ins.disposition = MACHIPC_DISP_MAKE_SEND;
			break;
		case MACHIPC_IOC_PORT_MOVE_MEMBER:
			u.mem.member = port;
			break;
		case MACHIPC_IOC_PORT_GET_ATTRIBUTES:
			u.attr.name = port;
			break;
		case MACHIPC_IOC_PORT_SET_ATTRIBUTES:
			u.attr.name = port;
			u.attr.flags = MACHIPC_ATTR_QLIMIT;
			u.attr.qlimit = 1;
			break;
		case MACHIPC_IOC_NAME_INFO:
		case MACHIPC_IOC_NAME_INFO_V3:
			u.info.name = port;
			break;
		case MACHIPC_IOC_PORT_NAMES:
		case MACHIPC_IOC_PORT_NAMES_V3:
			u.names.entries = (uintptr_t)entries;
			u.names.capacity = 8;
			break;
		case MACHIPC_IOC_BOOTSTRAP_EXPORT:
			u.bs.name = port;
			u.bs.disposition = MACHIPC_DISP_MAKE_SEND;
			break;
		case MACHIPC_IOC_BOOTSTRAP_IMPORT:
			u.bs.fd = -1;
			break;
		case MACHIPC_IOC_MSG:
			machipc_msg_init(&b, msgbuf, sizeof(msgbuf), port,
					 MACHIPC_DISP_MAKE_SEND, 0,
					 MACHIPC_DISP_NONE, 1);
			u.msg.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_RECEIVE |
				      MACHIPC_MSG_RCV_TIMEOUT;
			u.msg.send_msg = (uintptr_t)msgbuf;
			u.msg.send_size = sizeof(struct machipc_msg_header);
			u.msg.rcv_name = port;
			u.msg.rcv_buf = (uintptr_t)msgbuf;
			u.msg.rcv_size = sizeof(msgbuf);
			break;
		}
		if (ioctl(fd, all_cmds[i], &u) == 0 || errno != EBADFD) {
			*bad_cmd = all_cmds[i];
			*bad_err = errno;
			return -1;
		}
	}
	return 0;
}

TEST(fork_child_ebadfd)
{
	struct mt_snap before;
	__u32 port, set, bad_cmd = 0;
	int fd, bad_err = 0, status;
	pid_t pid;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	set = mt_alloc(fd, MACHIPC_RIGHT_PORT_SET);
	ASSERT_NE(0, port);
	ASSERT_NE(0, set);
	ASSERT_EQ(0, machipc_port_insert_right(fd, port, MACHIPC_DISP_MAKE_SEND,
					       NULL));
	ASSERT_EQ(0, mt_snap_take(fd, &before));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int own;
		__u32 n;

		if (all_ioctls_ebadfd(fd, port, &bad_cmd, &bad_err)) {
			fprintf(stderr, "child: cmd %#x gave %d, not EBADFD\n",
				bad_cmd, bad_err);
			_exit(1);
		}
		/* the child can open its own space, named from 1 */
		own = machipc_open();
		if (own < 0)
			_exit(2);
		if (machipc_port_allocate(own, MACHIPC_RIGHT_RECEIVE, &n) ||
		    n != 1)
			_exit(3);
		/* still EBADFD on the parent's space afterwards */
		if (all_ioctls_ebadfd(fd, port, &bad_cmd, &bad_err))
			_exit(4);
		/* closing the inherited descriptor must not hurt the parent */
		close(fd);
		_exit(0);
	}
	status = mt_wait(pid);
	ASSERT_EQ(0, status);
	ASSERT_SNAP_UNCHANGED(fd, &before);
	/* the parent's space still works */
	ASSERT_EQ(0, mt_send_simple(fd, port, MACHIPC_DISP_COPY_SEND, 1, NULL,
				    0, NULL));
	close(fd);
}

/*
 * Exec keeps a non-close-on-exec space: the exec'd image (this binary with
 * "--exec-check FD NAME") still owns it and sees the receive+send name.
 */
static int exec_check(int argc, char **argv)
{
	struct machipc_port_attr a;
	__u32 rights = 0, urefs = 0;
	int fd;
	__u32 name;

	if (argc < 4)
		return 10;
	fd = atoi(argv[2]);
	name = strtoul(argv[3], NULL, 0);
	if (mt_info(fd, name, &rights, &urefs))
		return 11;
	if (rights != (MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND) ||
	    urefs != 1)
		return 12;
	/* the name's send right and the queued message's destination right */
	if (mt_attr(fd, name, &a) || a.msgcount != 1 || a.srights != 2)
		return 13;
	/* the queued message is still there */
	{
		__u64 buf[16];

		if (mt_recv_now(fd, name, buf, sizeof(buf)))
			return 14;
		if (machipc_msg_header(buf)->id != 0x1234)
			return 15;
	}
	return 0;
}

TEST(exec_keeps_space)
{
	char fdstr[16], namestr[16];
	__u32 port;
	int fd, cloexec_fd;
	pid_t pid;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	cloexec_fd = machipc_open();
	ASSERT_LE(0, cloexec_fd);
	port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, port);
	ASSERT_EQ(0, machipc_port_insert_right(fd, port, MACHIPC_DISP_MAKE_SEND,
					       NULL));
	ASSERT_EQ(0, mt_send_simple(fd, port, MACHIPC_DISP_MAKE_SEND, 0x1234,
				    NULL, 0, NULL));
	ASSERT_EQ(0, fcntl(fd, F_SETFD, 0));
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	snprintf(namestr, sizeof(namestr), "%u", port);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/*
		 * The child must own a space to test exec: it opens its own
		 * and moves it to the number the exec'd image is told.
		 */
		int own = machipc_open();
		__u32 p;

		if (own < 0 || dup2(own, fd) != fd)
			_exit(20);
		close(own);
		fcntl(fd, F_SETFD, 0);
		if (machipc_port_allocate(fd, MACHIPC_RIGHT_RECEIVE, &p))
			_exit(21);
		if (machipc_port_insert_right(fd, p, MACHIPC_DISP_MAKE_SEND,
					      NULL))
			_exit(22);
		if (mt_send_simple(fd, p, MACHIPC_DISP_MAKE_SEND, 0x1234,
				   NULL, 0, NULL))
			_exit(23);
		snprintf(namestr, sizeof(namestr), "%u", p);
		execl("/proc/self/exe", "device", "--exec-check", fdstr,
		      namestr, (char *)NULL);
		_exit(24);
	}
	ASSERT_EQ(0, mt_wait(pid));

	/* a close-on-exec space is gone after exec */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		snprintf(fdstr, sizeof(fdstr), "%d", cloexec_fd);
		execl("/proc/self/exe", "device", "--exec-closed", fdstr,
		      (char *)NULL);
		_exit(24);
	}
	ASSERT_EQ(0, mt_wait(pid));
	close(fd);
	close(cloexec_fd);
}

/*
 * The owner closes its last descriptor while a forked child still holds
 * the file: the space is torn down (the child gets EBADFD, fdinfo says
 * dead) and a send right imported by another process becomes a dead name.
 */
TEST(owner_close_tears_down)
{
	int fd, bfd, holder_go[2], holder_res[2], imp_go[2], imp_res[2];
	__u32 port;
	pid_t holder, importer;
	char c;

	fd = machipc_open();
	ASSERT_LE(0, fd);
	port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, port);
	bfd = machipc_bootstrap_export(fd, port, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, pipe(holder_go));
	ASSERT_EQ(0, pipe(holder_res));
	ASSERT_EQ(0, pipe(imp_go));
	ASSERT_EQ(0, pipe(imp_res));

	/* The importer: its own space, a send right to our port. */
	importer = fork();
	ASSERT_LE(0, importer);
	if (importer == 0) {
		struct timespec now;
		__u32 n = 0, rights = 0;
		int own = machipc_open();

		close(fd);
		if (own < 0 || machipc_bootstrap_import(own, bfd, &n))
			_exit(1);
		close(bfd);
		if (mt_send_simple(own, n, MACHIPC_DISP_COPY_SEND, 5, NULL, 0,
				   NULL))
			_exit(2);
		mt_put(imp_res[1], 'r');
		if (mt_get(imp_go[0]) != 'g')
			_exit(3);
		machipc_deadline_in(&now, 0);
		if (mt_send_simple(own, n, MACHIPC_DISP_COPY_SEND, 6, NULL, 0,
				   &now) != EPIPE)
			_exit(4);
		if (mt_info(own, n, &rights, NULL) ||
		    rights != MACHIPC_RIGHT_DEAD_NAME)
			_exit(5);
		_exit(0);
	}
	close(bfd);

	/* The holder: keeps the parent's space file open. */
	holder = fork();
	ASSERT_LE(0, holder);
	if (holder == 0) {
		struct machipc_version v;
		char path[64], line[256];
		int dead = 0;
		FILE *f;

		if (mt_get(holder_go[0]) != 'g')
			_exit(1);
		if (machipc_abi_version(fd, &v) == 0 || errno != EBADFD)
			_exit(2);
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = fopen(path, "r");
		if (!f)
			_exit(3);
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "machipc-state:") &&
			    strstr(line, "dead"))
				dead = 1;
		fclose(f);
		_exit(dead ? 0 : 4);
	}

	ASSERT_EQ('r', mt_get(imp_res[0]));
	{
		struct machipc_port_attr a;

		ASSERT_EQ(0, mt_attr(fd, port, &a));
		EXPECT_EQ(1, a.msgcount);
		EXPECT_EQ(2, a.srights);	/* the importer's name + the message */
	}
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, mt_put(imp_go[1], 'g'));
	ASSERT_EQ(0, mt_put(holder_go[1], 'g'));
	EXPECT_EQ(0, mt_wait(importer));
	EXPECT_EQ(0, mt_wait(holder));
	(void)c;
}

/* The owner exits (instead of closing) while its child holds the file. */
TEST(owner_exit_tears_down)
{
	int res[2];
	pid_t owner;

	ASSERT_EQ(0, pipe(res));
	owner = fork();
	ASSERT_LE(0, owner);
	if (owner == 0) {
		int fd = machipc_open(), bfd, sync[2], go[2];
		__u32 port;
		pid_t g;

		if (fd < 0)
			_exit(1);
		port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
		bfd = machipc_bootstrap_export(fd, port, MACHIPC_DISP_MAKE_SEND,
					       0);
		if (bfd < 0 || pipe(sync) || pipe(go))
			_exit(2);
		g = fork();
		if (g < 0)
			_exit(3);
		if (g == 0) {
			/* grandchild: holds the owner's space file */
			struct timespec now;
			__u32 n = 0, rights = 0;
			int own = machipc_open(), rc = 0;

			close(sync[0]);
			close(go[1]);
			if (own < 0 || machipc_bootstrap_import(own, bfd, &n))
				rc = 10;
			mt_put(sync[1], 'r');
			/* wait for the owner to exit: EOF on go */
			while (mt_get(go[0]) >= 0)
				;
			machipc_deadline_in(&now, 0);
			if (!rc && mt_send_simple(own, n, MACHIPC_DISP_COPY_SEND,
						  1, NULL, 0, &now) != EPIPE)
				rc = 11;
			if (!rc && (mt_info(own, n, &rights, NULL) ||
				    rights != MACHIPC_RIGHT_DEAD_NAME))
				rc = 12;
			if (!rc && (mt_info(fd, port, NULL, NULL) != EBADFD))
				rc = 13;
			mt_put(res[1], (char)rc);
			_exit(0);
		}
		close(go[0]);
		if (mt_get(sync[0]) != 'r')
			_exit(4);
		_exit(0);	/* keeps fd open: exit tears the space down */
	}
	close(res[1]);
	ASSERT_EQ(0, mt_wait(owner));
	ASSERT_EQ(0, mt_get(res[0]));
}

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/machipc/refcnt", "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * The count is system-wide: a process of an earlier test may still be
 * exiting and dropping its files.  Read it once it has held still for
 * 200 ms (up to 5 s), so only this test's opens and closes move it.
 */
static long module_refcnt_settled(void)
{
	long v = module_refcnt(), last = v;
	int still = 0, i;

	for (i = 0; i < 500 && still < 20; i++) {
		usleep(10000);
		v = module_refcnt();
		still = v == last ? still + 1 : 0;
		last = v;
	}
	return v;
}

TEST(rmmod_busy_while_open)
{
	struct stat st;
	long before, with_space, with_bootstrap, after;
	int fd, bfd, i;
	__u32 port;

	if (geteuid() != 0)
		SKIP(return, "not root");
	if (stat("/sys/module/machipc", &st))
		SKIP(return, "machipc is not a loaded module");

	before = module_refcnt_settled();
	ASSERT_LE(0, before);
	fd = machipc_open();
	ASSERT_LE(0, fd);
	with_space = module_refcnt();
	ASSERT_LT(before, with_space) TH_LOG("an open space holds no module reference");
	/* Only try the unload when the module is provably held. */
	if (with_space > before) {
		errno = 0;
		ASSERT_NE(0, syscall(SYS_delete_module, "machipc", O_NONBLOCK));
		EXPECT_TRUE(errno == EBUSY || errno == EAGAIN)
			TH_LOG("delete_module: %s", strerror(errno));
	}
	/* A bootstrap descriptor alone also pins the module. */
	port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, port);
	bfd = machipc_bootstrap_export(fd, port, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	close(fd);
	with_bootstrap = module_refcnt();
	ASSERT_LT(before, with_bootstrap);
	if (with_bootstrap > before) {
		errno = 0;
		ASSERT_NE(0, syscall(SYS_delete_module, "machipc", O_NONBLOCK));
		EXPECT_TRUE(errno == EBUSY || errno == EAGAIN);
	}
	close(bfd);
	/* The last fput may be deferred: give it the same 5 s. */
	for (i = 0, after = module_refcnt(); i < 500 && after > before; i++) {
		usleep(10000);
		after = module_refcnt();
	}
	EXPECT_GE(before, after) TH_LOG("the closed files kept a module reference");
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--exec-check"))
		return exec_check(argc, argv);
	if (argc >= 3 && !strcmp(argv[1], "--exec-closed")) {
		int fd = atoi(argv[2]);

		return fcntl(fd, F_GETFD) < 0 && errno == EBADF ? 0 : 30;
	}
	return test_harness_run(argc, argv);
}
