// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench: streaming throughput (one-way messages of 4 KiB .. 64 MiB) and
 * the restart cost of an interrupted out-of-line transfer.
 *
 * A streaming batch: the receiver (this process) forks the sender, which
 * fills its buffer once (payload_init) and then sends count + 1 messages,
 * stamping each with its sequence number (O(1)).  The receiver checks
 * every message it gets (payload_check sums every 64-bit word) and times
 * the last count of them: the first one is the warm-up, so the sender's
 * set-up and the first page faults are not measured.  binder's stream peer
 * lives in binder.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "machipc.h"
#include "ipcbench.h"

#define MSGID_DATA	0x2000
#define SEED(size)	(0x57ea3ULL + (size))
#define OOL_RCV_SPACE	MACHIPC_RCV_SPACE(sizeof(struct ool_msg))

static void close_pair(int fd[2])
{
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	fd[0] = fd[1] = -1;
}

/*
 * Page-aligned, zeroed (so faulted in): out-of-line chunks then start on
 * page boundaries and a transfer has exactly ceil(size / chunk) chunks.
 */
static void *page_alloc(size_t size)
{
	void *p;

	if (posix_memalign(&p, 4096, size ? size : 8))
		die("out of memory (%zu bytes)", size);
	memset(p, 0, size);
	return p;
}

/* The sender's buffer, filled once; the caller stamps each message. */
static void *sender_buffer(struct payload *p, size_t size)
{
	void *buf = page_alloc(size);

	payload_init(p, buf, size, SEED(size));
	return buf;
}

static double elapsed(u64 t0)
{
	return (double)(now_ns() - t0) / 1e9;
}

/* ------------------------------------------------------------------ */
/* Byte streams: pipe and UNIX stream socket pair                      */
/* ------------------------------------------------------------------ */

struct fd_sender {
	int fd;
	size_t size;
	unsigned int count;
};

static int fd_sender_main(void *arg)
{
	struct fd_sender *s = arg;
	struct payload p;
	unsigned int i;

	sender_buffer(&p, s->size);
	for (i = 0; i < s->count; i++) {
		payload_stamp(&p, i);
		if (write_full(s->fd, p.buf, s->size)) {
			warnx_("stream sender: write: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* fd[0]: the receiver's end, fd[1]: the sender's. */
static int fd_stream_run(int fd[2], const char *name, size_t size,
			 unsigned int count, double *seconds)
{
	struct fd_sender s = { .fd = fd[1], .size = size, .count = count + 1 };
	void *buf = page_alloc(size);
	unsigned int i;
	u64 t0 = 0;
	pid_t pid;
	int ret = 0;

	pid = spawn(fd_sender_main, &s);
	close(fd[1]);
	fd[1] = -1;
	for (i = 0; i <= count; i++) {
		if (read_full(fd[0], buf, size)) {
			warnx_("%s receiver: %s", name,
			       errno ? strerror(errno) : "EOF");
			ret = -1;
			break;
		}
		if (payload_check(buf, size, i)) {
			ret = bad_payload(name, i);
			break;
		}
		if (!i)
			t0 = now_ns();
	}
	*seconds = elapsed(t0);
	if (ret)
		kill(pid, SIGKILL);
	close_pair(fd);
	if (reap(pid, name))
		ret = -1;
	free(buf);
	return ret;
}

static int pipe_stream_run(size_t size, unsigned int count, double *seconds)
{
	int fd[2];

	if (pipe2(fd, O_CLOEXEC))
		return -1;
	return fd_stream_run(fd, "pipe stream", size, count, seconds);
}

static int unix_stream_run(size_t size, unsigned int count, double *seconds)
{
	int fd[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd))
		return -1;
	return fd_stream_run(fd, "unix-stream stream", size, count, seconds);
}

const struct stream_peer stream_pipe = {
	.name = "pipe",
	.copies = "write() copies into the pipe's pages (64 KiB ring by "
		  "default), read() out of them: two copies",
	.run = pipe_stream_run,
};

const struct stream_peer stream_unix_stream = {
	.name = "unix-stream",
	.copies = "AF_UNIX SOCK_STREAM pair, default buffers: user -> skb -> "
		  "user, two copies",
	.run = unix_stream_run,
};

/* ------------------------------------------------------------------ */
/* process_vm_readv: the one-copy reference                            */
/* ------------------------------------------------------------------ */

/*
 * The sender stamps its buffer and writes the sequence number into a pipe
 * ("ready"); the receiver pulls the whole buffer with process_vm_readv()
 * straight from the sender's memory into its own, acknowledges through a
 * second pipe (the sender may now stamp the next message), then checks
 * what it got.  One copy, like machipc's out-of-line data.
 */
struct vm_sender {
	int ready, ack;		/* the sender's ends */
	size_t size;
	unsigned int count;
};

static int vm_sender_main(void *arg)
{
	struct vm_sender *s = arg;
	struct payload p;
	u64 addr;
	unsigned int i;
	char b;

	addr = (u64)(uintptr_t)sender_buffer(&p, s->size);
	if (write_full(s->ready, &addr, sizeof(addr)))
		return -1;
	for (i = 0; i < s->count; i++) {
		u64 seq = i;

		payload_stamp(&p, seq);
		if (write_full(s->ready, &seq, sizeof(seq)) ||
		    read_full(s->ack, &b, 1)) {
			warnx_("process_vm_readv sender: %s",
			       errno ? strerror(errno) : "EOF");
			return -1;
		}
	}
	return 0;
}

static int vm_pull(pid_t pid, void *buf, u64 addr, size_t size)
{
	size_t done = 0;

	while (done < size) {
		struct iovec l = { (char *)buf + done, size - done };
		struct iovec r = { (void *)(uintptr_t)(addr + done),
				   size - done };
		ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int vm_stream_run(size_t size, unsigned int count, double *seconds)
{
	int ready[2], ack[2];
	struct vm_sender s = { .size = size, .count = count + 1 };
	void *buf = page_alloc(size);
	unsigned int i;
	u64 addr, seq, t0 = 0;
	pid_t pid;
	int ret = 0;

	if (pipe2(ready, O_CLOEXEC))
		return -1;
	if (pipe2(ack, O_CLOEXEC)) {
		close_pair(ready);
		return -1;
	}
	s.ready = ready[1];
	s.ack = ack[0];
	pid = spawn(vm_sender_main, &s);
	close(ready[1]);
	close(ack[0]);
	if (read_full(ready[0], &addr, sizeof(addr))) {
		warnx_("process_vm_readv: sender never became ready");
		ret = -1;
		goto out;
	}
	for (i = 0; i <= count; i++) {
		if (read_full(ready[0], &seq, sizeof(seq)) || seq != i) {
			warnx_("process_vm_readv receiver: lost the sender");
			ret = -1;
			break;
		}
		if (vm_pull(pid, buf, addr, size)) {
			warnx_("process_vm_readv: %s", strerror(errno));
			ret = -1;
			break;
		}
		if (write_full(ack[1], "a", 1)) {
			ret = -1;
			break;
		}
		if (payload_check(buf, size, i)) {
			ret = bad_payload("process_vm_readv receiver", i);
			break;
		}
		if (!i)
			t0 = now_ns();
	}
	*seconds = elapsed(t0);
out:
	if (ret)
		kill(pid, SIGKILL);
	close(ready[0]);
	close(ack[1]);
	if (reap(pid, "process_vm_readv sender"))
		ret = -1;
	free(buf);
	return ret;
}

const struct stream_peer stream_vm_readv = {
	.name = "vm_readv",
	.copies = "process_vm_readv(): the receiver copies straight from the "
		  "sender's pages into its buffer (one copy); readiness and "
		  "acknowledgement through two pipes",
	.run = vm_stream_run,
};

/* ------------------------------------------------------------------ */
/* memcpy: the ceiling                                                 */
/* ------------------------------------------------------------------ */

static int memcpy_stream_run(size_t size, unsigned int count,
			     double *seconds)
{
	void *dst = page_alloc(size);
	struct payload p;
	unsigned int i;
	u64 t0 = 0;
	int ret = 0;

	sender_buffer(&p, size);
	for (i = 0; i <= count; i++) {
		payload_stamp(&p, i);
		memcpy(dst, p.buf, size);
		if (payload_check(dst, size, i)) {
			ret = bad_payload("memcpy", i);
			break;
		}
		if (!i)
			t0 = now_ns();
	}
	*seconds = elapsed(t0);
	free(p.buf);
	free(dst);
	return ret;
}

const struct stream_peer stream_memcpy = {
	.name = "memcpy",
	.copies = "one process: memcpy() from one buffer to another, then the "
		  "check; no IPC at all (the ceiling)",
	.run = memcpy_stream_run,
};

/* ------------------------------------------------------------------ */
/* machipc: out-of-line, raw MACHIPC_IOC_MSG                           */
/* ------------------------------------------------------------------ */

/*
 * The receiver owns a port and hands the sender a bootstrap descriptor for
 * a send right (inherited across fork).  Each message is a header and one
 * out-of-line descriptor pointing at the sender's buffer; the send is
 * synchronous and returns once the receiver has copied the data into the
 * buffer it named in its struct machipc_ool_buf.
 */
struct mp_sender {
	int bfd;
	int go;			/* restart: the sender waits for a byte */
	int ready;		/* restart: ... after writing one here */
	size_t size;
	unsigned int count;
	u32 ool_flags;		/* MACHIPC_OOL_CAPTURE: captured sends */
};

/*
 * Room for captured messages (queued copies of up to 64 MiB, a full
 * queue of them): the account limits of the sender's space and process
 * (raising them past the default needs root, as in the guest).
 */
#define MP_CAPTURE_LIMIT	(1ULL << 30)

static int mp_sender_main(void *arg)
{
	struct mp_sender *s = arg;
	struct machipc_msg_args a;
	struct payload p;
	struct ool_msg m;
	unsigned int i;
	int space;
	u32 dest;
	char b;

	space = machipc_open();
	if (space < 0 || machipc_bootstrap_import(space, s->bfd, &dest)) {
		warnx_("machipc sender: %s", machipc_strerror(errno));
		return -1;
	}
	if (s->ool_flags && (machipc_process_set_limit(space, MP_CAPTURE_LIMIT) ||
			     machipc_account_set_limit(space, MP_CAPTURE_LIMIT))) {
		warnx_("machipc-capture sender: account limit: %s",
		       machipc_strerror(errno));
		return -1;
	}
	sender_buffer(&p, s->size);
	if (s->ready >= 0 && write_full(s->ready, "r", 1))
		return -1;
	ool_msg_init(&m, MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND,
					   MACHIPC_DISP_NONE),
		     dest, MACHIPC_NAME_NULL, MSGID_DATA, p.buf, s->size);
	m.d.disposition = s->ool_flags;
	for (i = 0; i < s->count; i++) {
		if (s->go >= 0 && read_full(s->go, &b, 1))
			return -1;
		payload_stamp(&p, i);
		ool_args_init(&a, &m, 0, NULL, 0, NULL);
		if (ool_ioctl(space, &a)) {
			warnx_("machipc sender: %s", machipc_strerror(errno));
			return -1;
		}
	}
	return 0;
}

static u64 rcv_done_ns;		/* when the last receive returned */

struct mp_receiver {
	int space;
	u32 port;
	int bfd;
};

static int mp_receiver_open(struct mp_receiver *r)
{
	r->space = machipc_open();
	if (r->space < 0)
		return -1;
	if (machipc_port_allocate(r->space, MACHIPC_RIGHT_RECEIVE, &r->port))
		goto fail;
	r->bfd = machipc_bootstrap_export(r->space, r->port,
					  MACHIPC_DISP_MAKE_SEND, 0);
	if (r->bfd < 0)
		goto fail;
	return 0;
fail:
	warnx_("machipc receiver: %s", machipc_strerror(errno));
	machipc_close(r->space);
	return -1;
}

static void mp_receiver_close(struct mp_receiver *r)
{
	if (r->bfd >= 0)
		close(r->bfd);
	machipc_close(r->space);
}

/*
 * Receive one message of @size out-of-line bytes into @buf and check it.
 * Returns 0, or -1; *@eintr counts receives interrupted (and retried).
 */
static int mp_receive(struct mp_receiver *r, void *buf, size_t size,
		      u64 seq, unsigned int *eintr, double *check)
{
	struct machipc_ool_buf ob = {
		.address = (u64)(uintptr_t)buf, .size = size,
	};
	union {
		struct ool_msg m;
		u64 raw[OOL_RCV_SPACE / 8];
	} rb;
	struct machipc_msg_args a;
	u64 t0;

	for (;;) {
		ool_args_init(&a, NULL, r->port, &rb, sizeof(rb), &ob);
		if (!ioctl(r->space, MACHIPC_IOC_MSG, &a)) {
			rcv_done_ns = now_ns();
			break;
		}
		if (errno != EINTR) {
			warnx_("machipc receiver: %s", machipc_strerror(errno));
			return -1;
		}
		if (eintr)
			(*eintr)++;
	}
	t0 = now_ns();
	if (rb.m.h.id != MSGID_DATA || ool_check(&rb.m, &a, buf, size, seq))
		return bad_payload("machipc receiver", seq);
	if (check)
		*check = elapsed(t0);
	return 0;
}

static int mp_stream_run_flags(size_t size, unsigned int count,
			       double *seconds, u32 ool_flags)
{
	struct mp_sender s = { .go = -1, .ready = -1, .size = size,
			       .count = count + 1, .ool_flags = ool_flags };
	struct mp_receiver r;
	void *buf = page_alloc(size);
	unsigned int i;
	u64 t0 = 0;
	pid_t pid;
	int ret = 0;

	if (mp_receiver_open(&r)) {
		free(buf);
		return -1;
	}
	s.bfd = r.bfd;
	pid = spawn(mp_sender_main, &s);
	for (i = 0; i <= count; i++) {
		if (mp_receive(&r, buf, size, i, NULL, NULL)) {
			ret = -1;
			break;
		}
		if (!i)
			t0 = now_ns();
	}
	*seconds = elapsed(t0);
	if (ret)
		kill(pid, SIGKILL);
	if (reap(pid, "machipc sender"))
		ret = -1;
	mp_receiver_close(&r);
	free(buf);
	return ret;
}

static int mp_stream_run(size_t size, unsigned int count, double *seconds)
{
	return mp_stream_run_flags(size, count, seconds, 0);
}

static int mp_capture_run(size_t size, unsigned int count, double *seconds)
{
	return mp_stream_run_flags(size, count, seconds, MACHIPC_OOL_CAPTURE);
}

const struct stream_peer stream_machipc = {
	.name = "machipc",
	.copies = "out-of-line: the receiver's receive pins chunk_pages of the "
		  "sender's pages at a time and copies them into the buffer "
		  "it named (one copy); the send returns when the copy is done",
	.probe = machipc_probe_reason,
	.run = mp_stream_run,
};

const struct stream_peer stream_machipc_capture = {
	.name = "machipc-capture",
	.copies = "out-of-line with MACHIPC_OOL_CAPTURE (Mach's semantics): the "
		  "send copies the data into kernel pages and returns, the "
		  "receive copies them into the buffer it named (two copies); "
		  "the row's ratio is machipc's synchronous one-copy transfer "
		  "against it",
	.probe = machipc_probe_reason,
	.run = mp_capture_run,
};

/* ------------------------------------------------------------------ */
/* Restart cost                                                        */
/* ------------------------------------------------------------------ */

#define INJECT_DIR	"/sys/kernel/debug/machipc"
#define INJECT_CHUNK	INJECT_DIR "/inject_abort_chunk"
#define INJECT_SIDE	INJECT_DIR "/inject_abort_side"
#define DISARM		"-1"

static char inject_reason[256];

static int write_knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

const char *restart_inject_probe(void)
{
	if (access("/sys/kernel/debug", F_OK) ||
	    access(INJECT_DIR, F_OK)) {
		snprintf(inject_reason, sizeof(inject_reason),
			 "%s missing (debugfs not mounted? mount -t debugfs "
			 "none /sys/kernel/debug)", INJECT_DIR);
		return inject_reason;
	}
	if (write_knob(INJECT_SIDE, "0") || write_knob(INJECT_CHUNK, DISARM)) {
		snprintf(inject_reason, sizeof(inject_reason),
			 "cannot write %s: %s", INJECT_CHUNK, strerror(errno));
		return inject_reason;
	}
	return NULL;
}

static volatile sig_atomic_t restart_signals;
static volatile u64 restart_signal_ns;	/* when the signal arrived */

static void restart_handler(int sig)
{
	(void)sig;
	restart_signals++;
	restart_signal_ns = now_ns();	/* clock_gettime: async-signal-safe */
}

/*
 * Two transfers of @size bytes from a new sender: the first (cold: the
 * sender's first out-of-line send) is timed into res->cold; the second is
 * aborted once: at chunk @chunk by the debugfs knob (the receive fails
 * with EINTR and is called again: a restart from scratch, as SA_RESTART
 * would do), or by a SIGUSR1 with SA_RESTART @delay_ns after the start
 * (the kernel restarts the ioctl itself).  res->seconds: from the start
 * to the checked message; res->check: the check's part of it.
 */
int restart_once(size_t size, enum restart_mode mode, unsigned int chunk,
		 u64 delay_ns, struct restart_result *res)
{
	static void *buf;
	static size_t buf_size;
	struct mp_sender s = { .size = size, .count = 2 };
	struct sigaction sa = { .sa_handler = restart_handler,
				.sa_flags = SA_RESTART };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR1 };
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	struct mp_receiver r;
	timer_t timer;
	unsigned int eintr = 0;
	int go[2], ready[2], ret = 0;
	char val[32], b;
	u64 t0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (buf_size != size) {
		free(buf);
		buf = page_alloc(size);
		buf_size = size;
	}
	if (mp_receiver_open(&r))
		return -1;
	if (pipe2(go, O_CLOEXEC)) {
		mp_receiver_close(&r);
		return -1;
	}
	if (pipe2(ready, O_CLOEXEC)) {
		close_pair(go);
		mp_receiver_close(&r);
		return -1;
	}
	s.bfd = r.bfd;
	s.go = go[0];
	s.ready = ready[1];
	pid = spawn(mp_sender_main, &s);
	close(go[0]);
	close(ready[1]);
	if (read_full(ready[0], &b, 1)) {
		warnx_("machipc restart: the sender never became ready");
		ret = -1;
	}
	close(ready[0]);

	/* The cold transfer. */
	t0 = now_ns();
	if (!ret && write_full(go[1], "g", 1))
		ret = -1;
	if (!ret)
		ret = mp_receive(&r, buf, size, 0, NULL, NULL);
	res->cold = elapsed(t0);

	restart_signals = 0;
	restart_signal_ns = 0;
	if (mode == RESTART_SIGNAL) {
		sigaction(SIGUSR1, &sa, NULL);
		if (timer_create(CLOCK_MONOTONIC, &sev, &timer))
			die("timer_create: %s", strerror(errno));
		its.it_value.tv_sec = delay_ns / 1000000000ULL;
		its.it_value.tv_nsec = delay_ns % 1000000000ULL;
	}
	if (mode == RESTART_INJECT) {
		snprintf(val, sizeof(val), "%u", chunk);
		if (write_knob(INJECT_CHUNK, val))
			die("cannot write %s: %s", INJECT_CHUNK,
			    strerror(errno));
	}
	t0 = now_ns();
	if (!ret && write_full(go[1], "g", 1))
		ret = -1;
	if (mode == RESTART_SIGNAL && timer_settime(timer, 0, &its, NULL))
		die("timer_settime: %s", strerror(errno));
	if (!ret)
		ret = mp_receive(&r, buf, size, 1, &eintr, &res->check);
	res->seconds = elapsed(t0);
	if (mode == RESTART_SIGNAL) {
		timer_delete(timer);
		signal(SIGUSR1, SIG_IGN);
	}
	if (mode == RESTART_INJECT)
		write_knob(INJECT_CHUNK, DISARM);	/* if it never fired */
	/* A signal counts if it came while the receive was in the kernel. */
	res->aborted = mode == RESTART_INJECT ? eintr > 0 :
		       restart_signals > 0 && restart_signal_ns < rcv_done_ns;
	if (opts.verbose && mode != RESTART_NONE)
		progress("  restart %s chunk %u: %.2f ms (cold %.2f ms, check "
			 "%.2f ms), %u EINTR, %d signals (delay %.2f ms)",
			 mode == RESTART_INJECT ? "inject" : "signal", chunk,
			 res->seconds * 1e3, res->cold * 1e3,
			 res->check * 1e3, eintr, (int)restart_signals,
			 delay_ns / 1e6);
	if (ret)
		kill(pid, SIGKILL);
	close(go[1]);
	if (reap(pid, "machipc restart sender"))
		ret = -1;
	mp_receiver_close(&r);
	return ret;
}
