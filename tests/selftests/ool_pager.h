/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the pager, a minimal FUSE server for the ool_pager selftests
 *
 * One read-only file system, served with the raw /dev/fuse protocol (no
 * libfuse) by a child process of the test: a root directory and regular
 * files "data0" .. "data999" of PAGER_FILE_SIZE bytes each, whose byte i is
 * pager_byte(i, pager_seed(N)) (the ool_test.h pattern).  A fresh name is a
 * fresh inode with an empty page cache, so a test that wants READ requests
 * to reach the server again uses a new file.
 *
 * Requests: INIT (with FUSE_ASYNC_READ when asked: readahead then goes out
 * as background requests), LOOKUP, GETATTR, OPEN, READ, FLUSH, RELEASE
 * answered; GETXATTR answered ENODATA; FORGET and BATCH_FORGET get no
 * answer (none is expected); everything else "not implemented".  INTERRUPT: an
 * interrupted READ that the pager is holding is answered EINTR (as libfuse
 * does), so that a fatal signal can end a synchronous read; an INTERRUPT
 * for anything else is ignored, as the protocol allows.
 *
 * The stall switch: while pager_shared.stall is set, READ requests are
 * held, unanswered; clearing it (pager_resume()) answers all held ones.
 * The counters in struct pager_shared tell a test that a READ reached the
 * server (held_total), which is how it knows the sender really stalled.
 *
 * Lifetime: pager_start() mounts and forks the server; pager_stop()
 * resumes, aborts the connection (fusectl when mounted, else by closing
 * the last /dev/fuse descriptor: the server's and ours), unmounts lazily
 * and removes the directory.  Processes forked while the pager runs must
 * call pager_forget() so that they do not keep the connection alive.
 *
 * Include after "ool_test.h".
 */
#ifndef MACHIPC_OOL_PAGER_H
#define MACHIPC_OOL_PAGER_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fuse.h>

#define PAGER_FILE_SIZE		(4UL << 20)
#define PAGER_FILES		1000
#define PAGER_HELD_MAX		256
#define PAGER_BUF_SIZE		(256 * 1024)
#define PAGER_MAX_WRITE		(128 * 1024)
#define PAGER_ROOT_ID		1
/*
 * The errno by which a FUSE server says "not implemented" (the kernel
 * then stops sending that request), spelled so that checkpatch does not
 * take it for a system call's.
 */
#define PAGER_ERRNO(name)	E##name
#define PAGER_NOT_IMPLEMENTED	PAGER_ERRNO(NOSYS)

/* Shared between the test and the server (a MAP_SHARED page). */
struct pager_shared {
	atomic_int stall;	/* READs are held, not answered */
	atomic_int held;	/* READs held now */
	atomic_int held_total;	/* READs ever held */
	atomic_long reads;	/* READs answered with data */
	atomic_int interrupts;	/* INTERRUPTs seen */
	atomic_int interrupted;	/* held READs answered EINTR */
	atomic_int inited;	/* INIT answered */
	atomic_int unknown;	/* requests answered "not implemented" */
	atomic_int error;	/* the server's own failure (errno), or 0 */
};

struct pager {
	int fuse_fd;		/* -1 when not started */
	int wake[2];		/* pipe: the test wakes the server */
	pid_t pid;		/* the server */
	dev_t dev;		/* the mount's device, for fusectl */
	char dir[64];		/* the mount point */
	struct pager_shared *sh;
	bool async_read;
};

struct pager_held {
	__u64 unique;
	__u64 nodeid;
	__u64 offset;
	__u32 size;
};

static inline __u32 pager_seed(unsigned int file)
{
	return 0x5a0000 + file;
}

static inline unsigned char pager_byte(size_t i, __u32 seed)
{
	return (unsigned char)(ool_word(i, seed) >> ((i & 7) * 8));
}

/* Fill @len bytes as file bytes @off.. of the file with @seed. */
static inline void pager_fill(void *p, size_t len, size_t off, __u32 seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = pager_byte(off + i, seed);
}

/* First byte of @p that is not file byte @off + i, or @len. */
static inline size_t pager_check(const void *p, size_t len, size_t off,
				 __u32 seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != pager_byte(off + i, seed))
			return i;
	return len;
}

static inline void pager_path(const struct pager *pg, unsigned int file,
			      char *buf, size_t len)
{
	snprintf(buf, len, "%s/data%u", pg->dir, file);
}

/* ------------------------------------------------------------------ */
/* The server                                                         */
/* ------------------------------------------------------------------ */

static inline int pager_reply(int fd, __u64 unique, int error,
			      const void *arg, size_t len)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh) + len, .error = -error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &oh, .iov_len = sizeof(oh) },
		{ .iov_base = (void *)arg, .iov_len = len },
	};

	if (writev(fd, iov, len ? 2 : 1) == (ssize_t)oh.len)
		return 0;
	/* ENOENT: the request was interrupted or aborted meanwhile */
	return errno == ENOENT ? 0 : -errno;
}

static inline void pager_attr(__u64 nodeid, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = nodeid;
	a->uid = 0;
	a->gid = 0;
	a->blksize = 4096;
	if (nodeid == PAGER_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
		return;
	}
	a->mode = S_IFREG | 0444;
	a->nlink = 1;
	a->size = PAGER_FILE_SIZE;
	a->blocks = PAGER_FILE_SIZE / 512;
}

static inline int pager_read_reply(int fd, __u64 unique, __u64 nodeid,
				   __u64 offset, __u32 size, void *data)
{
	size_t n = 0;

	if (offset < PAGER_FILE_SIZE)
		n = PAGER_FILE_SIZE - offset < size ?
		    PAGER_FILE_SIZE - offset : size;
	pager_fill(data, n, offset, pager_seed(nodeid - 2));
	return pager_reply(fd, unique, 0, data, n);
}

static inline int pager_init_reply(struct pager *pg, __u64 unique,
				   const struct fuse_init_in *in)
{
	struct fuse_init_out out;

	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = in->minor < FUSE_KERNEL_MINOR_VERSION ?
		    in->minor : FUSE_KERNEL_MINOR_VERSION;
	out.max_readahead = in->max_readahead;
	out.flags = pg->async_read ? FUSE_ASYNC_READ : 0;
	out.max_background = 16;
	out.congestion_threshold = 12;
	out.max_write = PAGER_MAX_WRITE;
	out.time_gran = 1;
	if (in->major != FUSE_KERNEL_VERSION)
		return pager_reply(pg->fuse_fd, unique, EPROTO, NULL, 0);
	atomic_store(&pg->sh->inited, 1);
	return pager_reply(pg->fuse_fd, unique, 0, &out, sizeof(out));
}

static inline int pager_lookup_reply(int fd, __u64 unique, __u64 parent,
				     const char *name)
{
	struct fuse_entry_out e;
	unsigned int n;
	char end;

	if (parent != PAGER_ROOT_ID ||
	    sscanf(name, "data%u%c", &n, &end) != 1 || n >= PAGER_FILES)
		return pager_reply(fd, unique, ENOENT, NULL, 0);
	memset(&e, 0, sizeof(e));
	e.nodeid = 2 + n;
	e.generation = 1;
	e.entry_valid = 3600;
	e.attr_valid = 3600;
	pager_attr(e.nodeid, &e.attr);
	return pager_reply(fd, unique, 0, &e, sizeof(e));
}

/* Answer (or hold) one request; -errno on a failure of the server. */
static inline int pager_handle(struct pager *pg, void *req, size_t len,
			       struct pager_held *held, int *nheld,
			       void *data)
{
	const struct fuse_in_header *h = req;
	const void *arg = (const char *)req + sizeof(*h);
	int fd = pg->fuse_fd, i;

	if (len < sizeof(*h) || h->len != len)
		return -EPROTO;
	switch (h->opcode) {
	case FUSE_INIT:
		return pager_init_reply(pg, h->unique, arg);
	case FUSE_LOOKUP:
		return pager_lookup_reply(fd, h->unique, h->nodeid, arg);
	case FUSE_GETATTR: {
		struct fuse_attr_out out;

		memset(&out, 0, sizeof(out));
		out.attr_valid = 3600;
		pager_attr(h->nodeid, &out.attr);
		return pager_reply(fd, h->unique, 0, &out, sizeof(out));
	}
	case FUSE_OPEN: {
		struct fuse_open_out out;

		memset(&out, 0, sizeof(out));
		out.fh = h->nodeid;
		if (h->nodeid == PAGER_ROOT_ID)
			return pager_reply(fd, h->unique, EISDIR, NULL, 0);
		return pager_reply(fd, h->unique, 0, &out, sizeof(out));
	}
	case FUSE_READ: {
		const struct fuse_read_in *in = arg;

		if (h->nodeid == PAGER_ROOT_ID)
			return pager_reply(fd, h->unique, EISDIR, NULL, 0);
		if (atomic_load(&pg->sh->stall) && *nheld < PAGER_HELD_MAX) {
			held[*nheld].unique = h->unique;
			held[*nheld].nodeid = h->nodeid;
			held[*nheld].offset = in->offset;
			held[*nheld].size = in->size;
			(*nheld)++;
			atomic_fetch_add(&pg->sh->held, 1);
			atomic_fetch_add(&pg->sh->held_total, 1);
			return 0;
		}
		atomic_fetch_add(&pg->sh->reads, 1);
		return pager_read_reply(fd, h->unique, h->nodeid, in->offset,
					in->size, data);
	}
	case FUSE_FLUSH:
	case FUSE_RELEASE:
		return pager_reply(fd, h->unique, 0, NULL, 0);
	case FUSE_GETXATTR:
		return pager_reply(fd, h->unique, ENODATA, NULL, 0);
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
		return 0;
	case FUSE_INTERRUPT: {
		const struct fuse_interrupt_in *in = arg;

		atomic_fetch_add(&pg->sh->interrupts, 1);
		for (i = 0; i < *nheld; i++) {
			if (held[i].unique != in->unique)
				continue;
			held[i] = held[--(*nheld)];
			atomic_fetch_sub(&pg->sh->held, 1);
			atomic_fetch_add(&pg->sh->interrupted, 1);
			return pager_reply(fd, in->unique, EINTR, NULL, 0);
		}
		return 0;
	}
	default:
		atomic_fetch_add(&pg->sh->unknown, 1);
		return pager_reply(fd, h->unique, PAGER_NOT_IMPLEMENTED,
				   NULL, 0);
	}
}

static inline void pager_serve(struct pager *pg)
{
	static struct pager_held held[PAGER_HELD_MAX];
	void *req = malloc(PAGER_BUF_SIZE), *data = malloc(PAGER_MAX_WRITE);
	int nheld = 0, err = 0;

	if (!req || !data)
		err = -ENOMEM;
	while (!err) {
		struct pollfd pfd[2] = {
			{ .fd = pg->fuse_fd, .events = POLLIN },
			{ .fd = pg->wake[0], .events = POLLIN },
		};
		ssize_t n;
		char c;

		while (nheld && !atomic_load(&pg->sh->stall) && !err) {
			struct pager_held *r = &held[--nheld];

			atomic_fetch_sub(&pg->sh->held, 1);
			atomic_fetch_add(&pg->sh->reads, 1);
			err = pager_read_reply(pg->fuse_fd, r->unique, r->nodeid,
					       r->offset, r->size, data);
		}
		if (err || poll(pfd, 2, -1) < 0)
			break;
		if (pfd[1].revents & POLLIN) {
			if (read(pg->wake[0], &c, 1) != 1)
				break;		/* the test is gone */
			continue;
		}
		if (pfd[1].revents & (POLLHUP | POLLERR))
			break;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			break;			/* aborted or unmounted */
		if (!(pfd[0].revents & POLLIN))
			continue;
		n = read(pg->fuse_fd, req, PAGER_BUF_SIZE);
		if (n < 0) {
			if (errno == ENOENT || errno == EINTR ||
			    errno == EAGAIN)
				continue;
			if (errno != ENODEV)
				err = -errno;
			break;
		}
		err = pager_handle(pg, req, n, held, &nheld, data);
	}
	atomic_store(&pg->sh->error, -err);
	_exit(err ? 1 : 0);
}

/* ------------------------------------------------------------------ */
/* Mounting and control                                               */
/* ------------------------------------------------------------------ */

static inline void pager_wake(struct pager *pg)
{
	char c = 'w';

	if (write(pg->wake[1], &c, 1) != 1)
		atomic_store(&pg->sh->error, errno);
}

static inline void pager_stall(struct pager *pg)
{
	atomic_store(&pg->sh->stall, 1);
}

/* Answer every held READ and stop holding new ones. */
static inline void pager_resume(struct pager *pg)
{
	atomic_store(&pg->sh->stall, 0);
	pager_wake(pg);
}

/* Wait until a READ is held (at least @n ever), up to @ms; 0 if so. */
static inline int pager_wait_held(struct pager *pg, int n, long ms)
{
	long long end = mt_now_ns() + ms * 1000000LL;

	while (atomic_load(&pg->sh->held_total) < n) {
		if (mt_now_ns() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}

/* In a child forked while the pager runs: drop our hold on it. */
static inline void pager_forget(struct pager *pg)
{
	if (pg->fuse_fd >= 0)
		close(pg->fuse_fd);
	close(pg->wake[1]);
	pg->fuse_fd = -1;
}

static inline void pager_init(struct pager *pg)
{
	memset(pg, 0, sizeof(*pg));
	pg->fuse_fd = -1;
	pg->wake[0] = -1;
	pg->wake[1] = -1;
	pg->pid = -1;
}

/*
 * Mount and serve.  Return 0, or a positive errno with @why set: the
 * caller skips on those from /dev/fuse and mount(2), which say FUSE is
 * not available here.
 */
static inline int pager_start(struct pager *pg, bool async_read,
			      const char **why)
{
	char opts[128];
	struct stat st;
	int err;

	pager_init(pg);
	pg->async_read = async_read;
	pg->fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (pg->fuse_fd < 0 && (errno == ENOENT || errno == ENODEV ||
				errno == ENXIO)) {
		/* the stock kernel has FUSE as a module */
		if (system("modprobe fuse >/dev/null 2>&1") == 0)
			pg->fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	}
	if (pg->fuse_fd < 0) {
		*why = "cannot open /dev/fuse";
		return errno;
	}
	snprintf(pg->dir, sizeof(pg->dir), "/tmp/machipc-pager.XXXXXX");
	if (!mkdtemp(pg->dir)) {
		err = errno;
		*why = "mkdtemp";
		goto err_close;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 pg->fuse_fd);
	if (mount("machipc-pager", pg->dir, "fuse", MS_NOSUID | MS_NODEV |
		  MS_RDONLY, opts)) {
		err = errno;
		*why = "cannot mount a fuse file system";
		goto err_rmdir;
	}
	pg->sh = mmap(NULL, sizeof(*pg->sh), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pg->sh == MAP_FAILED) {
		err = errno;
		*why = "mmap";
		goto err_umount;
	}
	memset(pg->sh, 0, sizeof(*pg->sh));
	if (pipe2(pg->wake, O_CLOEXEC)) {
		err = errno;
		*why = "pipe";
		goto err_unmap;
	}
	pg->pid = fork();
	if (pg->pid < 0) {
		err = errno;
		*why = "fork";
		goto err_pipe;
	}
	if (pg->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pg->wake[1]);
		pager_serve(pg);
		_exit(1);
	}
	close(pg->wake[0]);
	pg->wake[0] = -1;
	/* the first request on the mount waits for INIT */
	if (stat(pg->dir, &st) || !atomic_load(&pg->sh->inited)) {
		err = errno ? errno : EPROTO;
		*why = "the pager did not answer";
		pager_resume(pg);
		return err;	/* the caller calls pager_stop() */
	}
	pg->dev = st.st_dev;
	return 0;

err_pipe:
	close(pg->wake[0]);
	close(pg->wake[1]);
err_unmap:
	munmap(pg->sh, sizeof(*pg->sh));
	pg->sh = NULL;
err_umount:
	umount2(pg->dir, MNT_DETACH);
err_rmdir:
	rmdir(pg->dir);
err_close:
	close(pg->fuse_fd);
	pg->fuse_fd = -1;
	return err;
}

/* Abort the connection through fusectl, if it is mounted. */
static inline void pager_abort(struct pager *pg)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort",
		 minor(pg->dev));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		perror("fusectl abort");
	close(fd);
}

static inline void pager_stop(struct pager *pg)
{
	if (pg->pid > 0) {
		pager_resume(pg);
		if (pg->dev)
			pager_abort(pg);
		kill(pg->pid, SIGKILL);
		waitpid(pg->pid, NULL, 0);
		pg->pid = -1;
	}
	if (pg->fuse_fd >= 0) {
		close(pg->fuse_fd);
		pg->fuse_fd = -1;
	}
	if (pg->wake[1] >= 0)
		close(pg->wake[1]);
	pg->wake[1] = -1;
	if (pg->dir[0]) {
		umount2(pg->dir, MNT_DETACH);
		rmdir(pg->dir);
		pg->dir[0] = 0;
	}
	if (pg->sh)
		munmap(pg->sh, sizeof(*pg->sh));
	pg->sh = NULL;
}

#endif /* MACHIPC_OOL_PAGER_H */
