// SPDX-License-Identifier: GPL-2.0
/*
 * fdpass: open files in messages (MACHIPC_DESC_FD).  Pipes, sockets,
 * memfds and regular files arrive working, with the sender's access mode
 * and close-on-exec unless MACHIPC_FD_INHERIT; from another process too.
 * Every malformed or forbidden descriptor (not open, machipc's own
 * descriptors, with out-of-line data) fails with its errno and changes
 * nothing; a receive that fails (EMSGSIZE, EFAULT, EMFILE) installs
 * nothing and leaves the message queued; a destroyed message drops its
 * files (the pipe's reader sees end of file); accounts return to zero.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <dirent.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define CAP	4096

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

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

TEST_F(fdpass, kinds_and_access)
{
	int p[2], sv[2], memfd, ro, fds[5], got[5], i;
	char path[] = "/tmp/machipc-fdpass-XXXXXX", c;
	int file = mkstemp(path);

	ASSERT_GE(file, 0);
	ASSERT_EQ(5, write(file, "hello", 5));
	ro = open(path, O_RDONLY);
	ASSERT_GE(ro, 0);
	unlink(path);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	memfd = memfd_create("fdpass", 0);
	ASSERT_GE(memfd, 0);
	ASSERT_EQ(4, write(memfd, "memf", 4));

	fds[0] = p[1];
	fds[1] = sv[1];
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
	EXPECT_EQ(1, write(got[1], "y", 1));
	EXPECT_EQ(1, read(sv[0], &c, 1));
	EXPECT_EQ('y', c);
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
	for (i = 0; i < 5; i++)
		close(got[i]);

	/* MACHIPC_FD_INHERIT: not close-on-exec. */
	ASSERT_EQ(0, roundtrip(_metadata, self, fds, 1, MACHIPC_FD_INHERIT));
	EXPECT_EQ(MACHIPC_FD_INHERIT, rdesc(self->rcv, 0)->disposition);
	got[0] = (int)rdesc(self->rcv, 0)->name;
	ASSERT_GE(got[0], 0);
	EXPECT_EQ(0, fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	close(got[0]);

	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	close(memfd);
	close(ro);
	close(file);
}

/* Every forbidden descriptor: its errno, nothing queued or held. */
TEST_F(fdpass, errors)
{
	struct machipc_account_info before, after;
	struct machipc_port_attr a;
	int pfd = machipc_poll_fd(self->fd, self->port, 0);
	int bfd = machipc_bootstrap_export(self->fd, self->port,
					   MACHIPC_DISP_MAKE_SEND, 0);
	struct machipc_msg_desc *d;
	int nfds, p[2], fds[2];

	ASSERT_GE(pfd, 0);
	ASSERT_GE(bfd, 0);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, machipc_account_get(self->fd, &before));
	nfds = count_fds();

	fds[0] = p[0];
	fds[1] = 9999;
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	EXPECT_EQ(EBADF, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	fds[1] = self->fd;
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	EXPECT_EQ(ELOOP, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	fds[1] = pfd;
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	EXPECT_EQ(ELOOP, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	fds[1] = bfd;
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	EXPECT_EQ(ELOOP, MT_ERR(machipc_send(self->fd, self->msg, NULL)));

	build_fds(self->msg, sizeof(self->msg), self->port, fds, 1, 2);
	EXPECT_EQ(EINVAL, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 1, 0);
	d = (void *)((struct machipc_msg_header *)self->msg + 1);
	d->size = 1;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_send(self->fd, self->msg, NULL)));
	/* A file beside out-of-line data. */
	build_fds(self->msg, sizeof(self->msg), self->port, fds, 2, 0);
	d[1].type = MACHIPC_DESC_OOL;
	d[1].name = 0;
	d[1].address = (__u64)(uintptr_t)self->rcv;
	d[1].size = 8;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_send(self->fd, self->msg, NULL)));

	ASSERT_EQ(0, mt_attr(self->fd, self->port, &a));
	EXPECT_EQ(0, a.msgcount);
	ASSERT_EQ(0, machipc_account_get(self->fd, &after));
	EXPECT_EQ(before.usage, after.usage);
	EXPECT_EQ(nfds, count_fds());
	close(pfd);
	close(bfd);
	close(p[0]);
	close(p[1]);
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
	nfds = count_fds();

	/* Too small. */
	size = 40;
	EXPECT_EQ(-1, machipc_receive(self->fd, self->port, self->rcv, &size,
				      NULL));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(nfds, count_fds());
	/* Unwritable buffer. */
	{
		void *ro = mmap(NULL, 4096, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct timespec now;

		ASSERT_NE(MAP_FAILED, ro);
		size = 4096;
		machipc_deadline_in(&now, 0);
		EXPECT_EQ(-1, machipc_receive(self->fd, self->port, ro, &size,
					      &now));
		EXPECT_EQ(EFAULT, errno);
		munmap(ro, 4096);
	}
	EXPECT_EQ(nfds, count_fds());
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
	EXPECT_EQ(nfds, count_fds());

	/* Now it goes through, whole. */
	ASSERT_EQ(0, mt_recv_now(self->fd, self->port, self->rcv,
				 sizeof(self->rcv)));
	EXPECT_EQ(nfds + 3, count_fds());
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

TEST_HARNESS_MAIN
