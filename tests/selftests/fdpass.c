// SPDX-License-Identifier: GPL-2.0
/*
 * fdpass: open files in messages (MACHIPC_DESC_FD, ABI 4).  Pipes,
 * non-UNIX sockets, memfds and regular files arrive working, as the same
 * open file with the sender's access mode, close-on-exec unless
 * MACHIPC_FD_INHERIT; from another process too.  Every malformed or
 * refused descriptor (not open, O_PATH, machipc's own descriptors, AF_UNIX
 * sockets, io_uring, beside out-of-line data, too many) fails with its
 * errno and changes nothing; a send that fails after taking its files
 * (bad right, dead or full destination) drops them; a receive that fails
 * (EMSGSIZE, EFAULT, EMFILE) installs nothing and leaves the message
 * queued; a destroyed message drops its files, also when the port or
 * space goes while files are being sent (the pipe's reader sees end of
 * file); the account holds exactly the files' charge while queued.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <linux/io_uring.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define CAP	4096

/* A message to @dest carrying @n files @fds with @flags. */
static int build_fds(__u64 *buf, size_t cap, __u32 dest, const int *fds,
		     int n, __u32 flags)
{
	struct machipc_msg_header *h = (void *)buf;
	struct machipc_msg_desc *d = (void *)(h + 1);
	int i;

	memset(buf, 0, cap);
	h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND, MACHIPC_DISP_NONE) |
		  MACHIPC_MSGH_COMPLEX;
	h->remote_name = dest;
	h->id = 77;
	h->desc_count = n;
	h->size = sizeof(*h) + n * sizeof(*d) + 8;
	for (i = 0; i < n; i++) {
		d[i].type = MACHIPC_DESC_FD;
		d[i].disposition = flags;
		d[i].name = fds[i];
	}
	return 0;
}

static const struct machipc_msg_desc *rdesc(const void *msg, int i)
{
	return (const struct machipc_msg_desc *)
		((const struct machipc_msg_header *)msg + 1) + i;
}

FIXTURE(fdpass)
{
	int fd;
	__u32 port;
	__u64 msg[CAP / 8];
	__u64 rcv[CAP / 8];
};

FIXTURE_SETUP(fdpass)
{
	self->fd = machipc_open();
	ASSERT_GE(self->fd, 0);
	self->port = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->port);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, self->port,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	/* Every receive here takes files, but files_need_rcv_files's. */
	mt_recv_files = true;
}

FIXTURE_TEARDOWN(fdpass)
{
	close(self->fd);
}

/* Send @n files and receive them at once; returns the receive's errno. */
static int roundtrip(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fdpass) *self, const int *fds, int n,
		     __u32 flags)
{
	build_fds(self->msg, sizeof(self->msg), self->port, fds, n, flags);
	ASSERT_EQ(0, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	return mt_recv_now(self->fd, self->port, self->rcv, sizeof(self->rcv));
}

/*
 * Whether the pipe whose write end was @wfd (now closed here) sees end of
 * file within @ms: no reference to the write end is left anywhere (a
 * message holding it was received or destroyed).
 */
static int pipe_eof(int rfd, int ms)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	return read(rfd, &c, 1) == 0;
}

TEST_F(fdpass, kinds_and_access)
{
	int p[2], udp, memfd, ro, fds[5], got[5], i, prio = 0;
	char path[] = "/tmp/machipc-fdpass-XXXXXX", c;
	int file = mkstemp(path);
	socklen_t len = sizeof(prio);

	ASSERT_GE(file, 0);
	ASSERT_EQ(5, write(file, "hello", 5));
	ro = open(path, O_RDONLY);
	ASSERT_GE(ro, 0);
	unlink(path);
	ASSERT_EQ(0, pipe(p));
	/* A socket, but not AF_UNIX (refused: see the errors test). */
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_GE(udp, 0);
	memfd = memfd_create("fdpass", 0);
	ASSERT_GE(memfd, 0);
	ASSERT_EQ(4, write(memfd, "memf", 4));

	fds[0] = p[1];
	fds[1] = udp;
	fds[2] = memfd;
	fds[3] = ro;
	fds[4] = file;
	ASSERT_EQ(0, roundtrip(_metadata, self, fds, 5, 0));
	for (i = 0; i < 5; i++) {
		const struct machipc_msg_desc *d = rdesc(self->rcv, i);

		EXPECT_EQ(MACHIPC_DESC_FD, d->type);
		EXPECT_EQ(0, d->disposition);
		got[i] = (int)d->name;
		ASSERT_GE(got[i], 0);
		EXPECT_NE(fds[i], got[i]);
		EXPECT_EQ(FD_CLOEXEC, fcntl(got[i], F_GETFD) & FD_CLOEXEC);
		/* The same open file, with the same access mode. */
		EXPECT_EQ(fcntl(fds[i], F_GETFL), fcntl(got[i], F_GETFL));
	}
	EXPECT_EQ(1, write(got[0], "x", 1));
	EXPECT_EQ(1, read(p[0], &c, 1));
	/* The same socket: an option set through one is seen by the other. */
	ASSERT_EQ(0, setsockopt(got[1], SOL_SOCKET, SO_PRIORITY,
				&(int){ 5 }, sizeof(int)));
	ASSERT_EQ(0, getsockopt(udp, SOL_SOCKET, SO_PRIORITY, &prio, &len));
	EXPECT_EQ(5, prio);
	EXPECT_EQ(1, pread(got[2], &c, 1, 0));
	EXPECT_EQ('m', c);
	/* Read-only stays read-only: no upgrade. */
	EXPECT_EQ(-1, write(got[3], "z", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(1, pread(got[3], &c, 1, 0));
	EXPECT_EQ('h', c);
	EXPECT_EQ(1, pwrite(got[4], "J", 1, 0));
	EXPECT_EQ(1, pread(ro, &c, 1, 0));
	EXPECT_EQ('J', c);
	/* The same open file description: one offset. */
	EXPECT_EQ(2, lseek(got[4], 2, SEEK_SET));
	EXPECT_EQ(2, lseek(file, 0, SEEK_CUR));
	for (i = 0; i < 5; i++)
		close(got[i]);

	/* MACHIPC_FD_INHERIT: not close-on-exec. */
	ASSERT_EQ(0, roundtrip(_metadata, self, fds, 1, MACHIPC_FD_INHERIT));
	EXPECT_EQ(MACHIPC_FD_INHERIT, rdesc(self->rcv, 0)->disposition);
	got[0] = (int)rdesc(self->rcv, 0)->name;
	ASSERT_GE(got[0], 0);
	EXPECT_EQ(0, fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	close(got[0]);

	/* Every reference went with its message: the pipe ends. */
	close(p[1]);
	EXPECT_EQ(1, pipe_eof(p[0], 5000));
	close(p[0]);
	close(udp);
	close(memfd);
	close(ro);
	close(file);
}

/* Send self->msg raw; returns the errno, *blame what the kernel blamed. */
static int send_blame(FIXTURE_DATA(fdpass) *self, __u32 *blame)
{
	struct machipc_msg_args a;

	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND;
	a.send_msg = (uintptr_t)self->msg;
	a.send_size = machipc_msg_header(self->msg)->size;
	a.blame = 0xdead;	/* ignored on input */
	if (!machipc_msg(self->fd, &a))
		return 0;
	*blame = a.blame;
	return errno;
}

/*
 * Every refused or malformed descriptor: its errno, nothing queued, no
 * name or account changed, no descriptor created, and no reference kept
 * (the pipe that travels beside it in each attempt ends).
 */
TEST_F(fdpass, errors)
{
	struct machipc_account_info before, after;
	struct io_uring_params up;
	struct mt_snap s0, s1;
	struct machipc_msg_desc *d;
	int pfd = machipc_poll_fd(self->fd, self->port, 0);
	int bfd = machipc_bootstrap_export(self->fd, self->port,
					   MACHIPC_DISP_MAKE_SEND, 0);
	int nfds, p[2], sv[2], fds[MACHIPC_FD_MAX + 1], i, opath, ring;
	static const int loops[] = { 0, 1, 2, 3, 4 };
	__u32 blame = 0;
	char diff[256];

	ASSERT_GE(pfd, 0);
	ASSERT_GE(bfd, 0);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	opath = open("/", O_PATH);
	ASSERT_GE(opath, 0);
	memset(&up, 0, sizeof(up));
	ring = syscall(__NR_io_uring_setup, 4, &up);
	if (ring < 0)
		TH_LOG("no io_uring (%s): its refusal is not tested",
		       strerror(errno));
	ASSERT_EQ(0, machipc_account_get(self->fd, &before));
	ASSERT_EQ(0, mt_snap_take(self->fd, &s0));
	nfds = mt_count_fds();

	/* The file refused is blamed: MACHIPC_BLAME_DESC(1). */
	fds[0] = p[1];
	fds[1] = 9999;
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	EXPECT_EQ(EBADF, send_blame(self, &blame));
	EXPECT_EQ(MACHIPC_BLAME_DESC(1), blame);
	fds[1] = opath;
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	EXPECT_EQ(EBADF, send_blame(self, &blame));
	EXPECT_EQ(MACHIPC_BLAME_DESC(1), blame);

	/* Files that could close a reference cycle: ELOOP. */
	for (i = 0; i < (int)ARRAY_LEN(loops); i++) {
		int fd = loops[i] == 0 ? self->fd : loops[i] == 1 ? pfd :
			 loops[i] == 2 ? bfd : loops[i] == 3 ? sv[0] : ring;

		if (fd < 0)
			continue;
		fds[1] = fd;
		build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
		EXPECT_EQ(ELOOP, send_blame(self, &blame)) {
			TH_LOG("refusal %d", loops[i]);
		}
		EXPECT_EQ(MACHIPC_BLAME_DESC(1), blame);
	}

	build_fds(self->msg, sizeof(self->msg), self->port, fds, 1, 2);
	EXPECT_EQ(EINVAL, send_blame(self, &blame));
	EXPECT_EQ(MACHIPC_BLAME_NONE, blame);
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 1, 0);
	d = (void *)((struct machipc_msg_header *)self->msg + 1);
	d->size = 1;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 1, 0);
	d->address = 8;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 1, 0);
	d->reserved = 1;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	/* A file beside out-of-line data. */
	fds[1] = p[0];
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	d[1].type = MACHIPC_DESC_OOL;
	d[1].name = 0;
	d[1].address = (__u64)(uintptr_t)self->rcv;
	d[1].size = 8;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	/* One file too many. */
	for (i = 0; i <= MACHIPC_FD_MAX; i++)
		fds[i] = p[1];
	build_fds(self->msg, sizeof(self->msg), self->port, fds,
		  MACHIPC_FD_MAX + 1, 0);
	EXPECT_EQ(EINVAL, MT_ERR(machipc_send(self->fd, self->msg, NULL)));

	ASSERT_EQ(0, mt_snap_take(self->fd, &s1));
	EXPECT_EQ(0, mt_snap_diff(&s0, &s1, diff, sizeof(diff))) {
		TH_LOG("%s", diff);
	}
	ASSERT_EQ(0, machipc_account_get(self->fd, &after));
	EXPECT_EQ(before.usage, after.usage);
	EXPECT_EQ(nfds, mt_count_fds());
	close(p[1]);
	EXPECT_EQ(1, pipe_eof(p[0], 5000));
	close(p[0]);
	close(pfd);
	close(bfd);
	close(sv[0]);
	close(sv[1]);
	close(opath);
	if (ring >= 0)
		close(ring);
}

/* Receive on @fd's @port once the other thread is told to. */
struct drain_arg {
	int fd;
	__u32 port;
	int delay_ms;
	int err;
	__u64 buf[CAP / 8];
};

static void *drain_later(void *arg)
{
	struct drain_arg *a = arg;

	usleep(a->delay_ms * 1000);
	a->err = mt_recv_ms(a->fd, a->port, a->buf, sizeof(a->buf), 10000);
	return NULL;
}

/*
 * A send that fails after it took its files drops them: a bad destination,
 * a bad right beside the file, a dead destination, a full queue past the
 * deadline.  And a send that waits for room keeps them: the message that
 * finally goes arrives with its file.  (The first implementation lost the
 * file on every retry of the send's plan: the reference leaked, and the
 * fuzz selftest's output pipe never ended.)
 */
TEST_F(fdpass, failed_send_drops_files)
{
	struct machipc_account_info before, after;
	struct machipc_msg_builder b;
	struct machipc_port_attr a;
	struct drain_arg drain;
	struct timespec now;
	pthread_t t;
	int p[2], got;
	__u32 dead, full;
	char c;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, machipc_account_get(self->fd, &before));

	/* No such destination. */
	ASSERT_EQ(0, machipc_msg_init(&b, self->msg, sizeof(self->msg),
				      self->port + 0x100,
				      MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_fd(&b, p[1], 0));
	EXPECT_EQ(ENOENT, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	/* A bad right after the file. */
	ASSERT_EQ(0, machipc_msg_init(&b, self->msg, sizeof(self->msg),
				      self->port, MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_fd(&b, p[1], 0));
	ASSERT_EQ(0, machipc_msg_add_port(&b, self->port + 0x100,
					  MACHIPC_DISP_COPY_SEND));
	EXPECT_EQ(ENOENT, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	/* A dead destination. */
	dead = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, dead);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, dead,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	ASSERT_EQ(0, machipc_port_mod_refs(self->fd, dead,
					   MACHIPC_RIGHT_RECEIVE, -1));
	ASSERT_EQ(0, machipc_msg_init(&b, self->msg, sizeof(self->msg), dead,
				      MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_fd(&b, p[1], 0));
	EXPECT_EQ(EPIPE, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	/* A full queue, past the deadline. */
	full = mt_alloc(self->fd, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, full);
	ASSERT_EQ(0, machipc_port_insert_right(self->fd, full,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	ASSERT_EQ(0, machipc_port_set_qlimit(self->fd, full, 1));
	ASSERT_EQ(0, mt_send_simple(self->fd, full, MACHIPC_DISP_COPY_SEND, 2,
				    NULL, 0, NULL));
	ASSERT_EQ(0, machipc_msg_init(&b, self->msg, sizeof(self->msg), full,
				      MACHIPC_DISP_COPY_SEND, 0,
				      MACHIPC_DISP_NONE, 1));
	ASSERT_EQ(0, machipc_msg_add_fd(&b, p[1], 0));
	machipc_deadline_in(&now, 0);
	EXPECT_EQ(ETIMEDOUT, MT_ERR(machipc_send(self->fd, self->msg, &now)));
	machipc_deadline_in(&now, 50);
	EXPECT_EQ(ETIMEDOUT, MT_ERR(machipc_send(self->fd, self->msg, &now)));

	/* Waiting for room: the send is planned again, the file stays. */
	drain.fd = self->fd;
	drain.port = full;
	drain.delay_ms = 200;
	ASSERT_EQ(0, pthread_create(&t, NULL, drain_later, &drain));
	machipc_deadline_in(&now, 10000);
	EXPECT_EQ(0, MT_ERR(machipc_send(self->fd, self->msg, &now)));
	pthread_join(t, NULL);
	EXPECT_EQ(0, drain.err);
	ASSERT_EQ(0, mt_recv_now(self->fd, full, self->rcv,
				 sizeof(self->rcv)));
	got = (int)rdesc(self->rcv, 0)->name;
	EXPECT_GE(got, 0);
	if (got >= 0) {
		EXPECT_EQ(1, write(got, "w", 1));
		EXPECT_EQ(1, read(p[0], &c, 1));
		close(got);
	}
	ASSERT_EQ(0, mt_attr(self->fd, full, &a));
	EXPECT_EQ(0, a.msgcount);

	ASSERT_EQ(0, machipc_port_destroy(self->fd, full));
	ASSERT_EQ(0, machipc_port_destroy(self->fd, dead));
	ASSERT_EQ(0, machipc_account_get(self->fd, &after));
	EXPECT_EQ(before.usage, after.usage);
	close(p[1]);
	EXPECT_EQ(1, pipe_eof(p[0], 5000));
	close(p[0]);
}

/*
 * Failed receives install nothing and leave the message queued:
 * EMSGSIZE, EFAULT, EMFILE.  The account holds the files' charge while
 * queued, and returns to its level after.
 */
TEST_F(fdpass, failed_receive_installs_nothing)
{
	struct machipc_account_info base, queued, after;
	struct machipc_port_attr a;
	struct rlimit old, lim;
	int p[2], fds[3], nfds, i, extra[64], nextra = 0;
	size_t size;
	__u32 msize;

	ASSERT_EQ(0, pipe(p));
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = p[1];
	ASSERT_EQ(0, machipc_account_get(self->fd, &base));
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 3, 0);
	msize = ((struct machipc_msg_header *)self->msg)->size;
	ASSERT_EQ(0, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	ASSERT_EQ(0, machipc_account_get(self->fd, &queued));
	EXPECT_EQ(base.usage + base.cost_msg + (msize / 32) *
		  base.cost_msg_slot + msize + 3 * MACHIPC_FD_COST,
		  queued.usage);
	nfds = mt_count_fds();

	/* Too small. */
	size = 40;
	EXPECT_EQ(-1, machipc_receive_files(self->fd, self->port, self->rcv,
					    &size, NULL));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(nfds, mt_count_fds());
	/* Unwritable buffer. */
	{
		void *ro = mmap(NULL, 4096, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct timespec now;

		ASSERT_NE(MAP_FAILED, ro);
		size = 4096;
		machipc_deadline_in(&now, 0);
		EXPECT_EQ(-1, machipc_receive_files(self->fd, self->port, ro,
						    &size, &now));
		EXPECT_EQ(EFAULT, errno);
		munmap(ro, 4096);
	}
	EXPECT_EQ(nfds, mt_count_fds());
	/* No room in the descriptor table. */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	lim = old;
	lim.rlim_cur = nfds + 2;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	while (nextra < 64) {
		int fd = dup(0);

		if (fd < 0)
			break;
		extra[nextra++] = fd;
	}
	EXPECT_EQ(EMFILE, mt_recv_now(self->fd, self->port, self->rcv,
				      sizeof(self->rcv)));
	/* Room for two of the three files is not enough either. */
	close(extra[--nextra]);
	close(extra[--nextra]);
	EXPECT_EQ(EMFILE, mt_recv_now(self->fd, self->port, self->rcv,
				      sizeof(self->rcv)));
	ASSERT_EQ(0, mt_attr(self->fd, self->port, &a));
	EXPECT_EQ(1, a.msgcount);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	while (nextra)
		close(extra[--nextra]);
	EXPECT_EQ(nfds, mt_count_fds());

	/* Now it goes through, whole. */
	ASSERT_EQ(0, mt_recv_now(self->fd, self->port, self->rcv,
				 sizeof(self->rcv)));
	EXPECT_EQ(nfds + 3, mt_count_fds());
	for (i = 0; i < 3; i++) {
		EXPECT_GE((int)rdesc(self->rcv, i)->name, 0);
		close((int)rdesc(self->rcv, i)->name);
	}
	ASSERT_EQ(0, machipc_account_get(self->fd, &after));
	EXPECT_EQ(base.usage, after.usage);
	close(p[0]);
	close(p[1]);
}

/* A destroyed message drops its files: the pipe's reader sees EOF. */
TEST_F(fdpass, destroyed_message_drops_files)
{
	struct machipc_account_info base, after;
	int p[2], fds[1];
	char c;

	ASSERT_EQ(0, machipc_account_get(self->fd, &base));
	ASSERT_EQ(0, pipe(p));
	fds[0] = p[1];
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 1, 0);
	ASSERT_EQ(0, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	close(p[1]);
	ASSERT_EQ(0, fcntl(p[0], F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(p[0], &c, 1));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, machipc_port_destroy(self->fd, self->port));
	EXPECT_EQ(0, read(p[0], &c, 1));
	ASSERT_EQ(0, machipc_account_get(self->fd, &after));
	EXPECT_LE(after.usage, base.usage);
	close(p[0]);

	/* Also when the space goes with the message queued. */
	{
		int fd = machipc_open();
		__u32 port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);

		ASSERT_NE(0, port);
		ASSERT_EQ(0, machipc_port_insert_right(fd, port,
					MACHIPC_DISP_MAKE_SEND, NULL));
		ASSERT_EQ(0, pipe(p));
		fds[0] = p[1];
		build_fds(self->msg, sizeof(self->msg), port, fds, 1, 0);
		ASSERT_EQ(0, MT_ERR(machipc_send(fd, self->msg, NULL)));
		close(p[1]);
		close(fd);
		EXPECT_EQ(0, read(p[0], &c, 1));
		close(p[0]);
	}
}

/*
 * A receiver that does not ask for files (MACHIPC_MSG_RCV_FILES) -- one
 * built before ABI 4, a Mach program -- never gets them installed: each
 * file descriptor arrives as a null port descriptor and the file is
 * dropped with the message (the pipe sees end of file); the account is
 * back where it was.
 */
TEST_F(fdpass, files_need_rcv_files)
{
	struct machipc_account_info base, after;
	const struct machipc_msg_desc *d;
	int p[2], fds[2], nfds, i;

	mt_recv_files = false;
	ASSERT_EQ(0, machipc_account_get(self->fd, &base));
	ASSERT_EQ(0, pipe(p));
	fds[0] = p[1];
	fds[1] = p[1];
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	ASSERT_EQ(0, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	close(p[1]);
	nfds = mt_count_fds();
	ASSERT_EQ(0, mt_recv_now(self->fd, self->port, self->rcv,
				 sizeof(self->rcv)));
	EXPECT_EQ(nfds, mt_count_fds());
	EXPECT_EQ(2, machipc_msg_header(self->rcv)->desc_count);
	for (i = 0; i < 2; i++) {
		d = rdesc(self->rcv, i);
		EXPECT_EQ(MACHIPC_DESC_PORT, d->type);
		EXPECT_EQ(MACHIPC_DISP_NONE, d->disposition);
		EXPECT_EQ(MACHIPC_NAME_NULL, d->name);
	}
	EXPECT_EQ(1, pipe_eof(p[0], 5000));
	ASSERT_EQ(0, machipc_account_get(self->fd, &after));
	EXPECT_EQ(base.usage, after.usage);
	close(p[0]);
}

/* Another process sends its read-only file; the receiver gets just that. */
TEST_F(fdpass, from_another_process)
{
	int bfd = machipc_bootstrap_export(self->fd, self->port,
					   MACHIPC_DISP_MAKE_SEND, 0);
	char path[] = "/tmp/machipc-fdpass-XXXXXX", c;
	int got, tmp = mkstemp(path);
	pid_t pid;

	ASSERT_GE(bfd, 0);
	ASSERT_GE(tmp, 0);
	ASSERT_EQ(4, write(tmp, "Name", 4));
	close(tmp);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = machipc_open(), ro = open(path, O_RDONLY);
		struct machipc_msg_builder b;
		__u32 dest;

		if (fd < 0 || ro < 0 || machipc_bootstrap_import(fd, bfd, &dest))
			_exit(1);
		if (machipc_msg_init(&b, self->msg, sizeof(self->msg), dest,
				     MACHIPC_DISP_COPY_SEND, 0,
				     MACHIPC_DISP_NONE, 77) ||
		    machipc_msg_add_fd(&b, -1, 0) != -1 ||
		    machipc_msg_add_fd(&b, ro, 0) ||
		    machipc_send(fd, self->msg, NULL))
			_exit(2);
		close(ro);
		_exit(0);
	}
	EXPECT_EQ(0, mt_wait(pid));
	ASSERT_EQ(0, mt_recv_ms(self->fd, self->port, self->rcv,
				sizeof(self->rcv), 10000));
	got = (int)rdesc(self->rcv, 0)->name;
	ASSERT_GE(got, 0);
	EXPECT_EQ(O_RDONLY, fcntl(got, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(1, read(got, &c, 1));
	EXPECT_EQ('N', c);
	EXPECT_EQ(-1, write(got, "x", 1));
	close(got);
	close(bfd);
	unlink(path);
}

struct race {
	int fd;
	__u32 port;
	int wfd;
	int sent, received;
};

/* Send @wfd to the port, without blocking, until the port or space goes. */
static void *race_send(void *arg)
{
	struct race *r = arg;
	__u64 msg[64];
	int i, err;

	for (i = 0; i < 1000; i++) {
		struct timespec now;

		build_fds(msg, sizeof(msg), r->port, &r->wfd, 1, 0);
		machipc_deadline_in(&now, 0);
		err = MT_ERR(machipc_send(r->fd, msg, &now));
		if (!err)
			r->sent++;
		else if (err != ETIMEDOUT)
			break;
	}
	return NULL;
}

/* Receive and close what arrives, until the port or space goes. */
static void *race_receive(void *arg)
{
	struct race *r = arg;
	__u64 buf[64];
	int i, err;

	for (i = 0; i < 1000; i++) {
		err = mt_recv_now(r->fd, r->port, buf, sizeof(buf));
		if (!err) {
			int got = (int)rdesc(buf, 0)->name;

			if (got >= 0)
				close(got);
			r->received++;
		} else if (err != ETIMEDOUT) {
			break;
		}
	}
	return NULL;
}

/*
 * Files being sent and received while another thread destroys the port
 * (even rounds) or closes the space (odd rounds): whatever was queued is
 * destroyed with it, so once everyone is done the pipe whose write end
 * travelled ends: no reference leaked.
 */
TEST(race_with_destroy)
{
	long rounds = mt_scaled(400, 40), n;
	long sent = 0, received = 0;

	mt_recv_files = true;

	for (n = 0; n < rounds; n++) {
		struct race r = { 0 };
		pthread_t ts, tr;
		int p[2];

		r.fd = machipc_open();
		ASSERT_GE(r.fd, 0);
		r.port = mt_alloc(r.fd, MACHIPC_RIGHT_RECEIVE);
		ASSERT_NE(0, r.port);
		ASSERT_EQ(0, machipc_port_insert_right(r.fd, r.port,
					MACHIPC_DISP_MAKE_SEND, NULL));
		ASSERT_EQ(0, machipc_port_set_qlimit(r.fd, r.port, 16));
		ASSERT_EQ(0, pipe(p));
		r.wfd = p[1];
		ASSERT_EQ(0, pthread_create(&ts, NULL, race_send, &r));
		ASSERT_EQ(0, pthread_create(&tr, NULL, race_receive, &r));
		usleep(n % 7 * 100);
		if (n % 2)
			close(r.fd);
		else
			EXPECT_EQ(0, MT_ERR(machipc_port_destroy(r.fd, r.port)));
		pthread_join(ts, NULL);
		pthread_join(tr, NULL);
		if (!(n % 2))
			close(r.fd);
		sent += r.sent;
		received += r.received;
		close(p[1]);
		ASSERT_EQ(1, pipe_eof(p[0], 5000)) {
			TH_LOG("round %ld: the write end is still open", n);
		}
		close(p[0]);
	}
	TH_LOG("%ld rounds, %ld files sent, %ld received", rounds, sent,
	       received);
}

/*
 * The same across processes: a child sends its pipe's write end to the
 * parent's port until the parent destroys the port; the child is killed
 * at a random point too.  Nothing keeps the write end open afterwards.
 */
TEST(race_with_destroy_other_process)
{
	long rounds = mt_scaled(100, 10), n;

	mt_recv_files = true;

	for (n = 0; n < rounds; n++) {
		int fd = machipc_open(), p[2], bfd;
		__u32 port = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
		pid_t pid;

		ASSERT_GE(fd, 0);
		ASSERT_NE(0, port);
		bfd = machipc_bootstrap_export(fd, port, MACHIPC_DISP_MAKE_SEND,
					       0);
		ASSERT_GE(bfd, 0);
		ASSERT_EQ(0, pipe(p));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			struct race r = { 0 };

			close(p[0]);
			r.fd = machipc_open();
			if (r.fd < 0 ||
			    machipc_bootstrap_import(r.fd, bfd, &r.port))
				_exit(1);
			r.wfd = p[1];
			race_send(&r);
			_exit(0);
		}
		close(p[1]);
		close(bfd);
		usleep(n % 5 * 500);
		if (n % 3 == 0)
			kill(pid, SIGKILL);
		ASSERT_EQ(0, machipc_port_destroy(fd, port));
		mt_wait(pid);
		close(fd);
		ASSERT_EQ(1, pipe_eof(p[0], 5000)) {
			TH_LOG("round %ld: the write end is still open", n);
		}
		close(p[0]);
	}
}

TEST_HARNESS_MAIN
