// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench: RPC round-trip peers: machipc, pipe, UNIX stream and seqpacket
 * socket pairs, POSIX message queues and a futex ping-pong.  binder lives
 * in binder.c.
 *
 * Every server receives the request into its own buffer, checks it
 * (payload_check: every byte summed, sequence number as expected) and
 * sends the same bytes back; every client checks the echo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "machipc.h"
#include "ipcbench.h"

/* ------------------------------------------------------------------ */
/* Control channel                                                     */
/* ------------------------------------------------------------------ */

int chan_ready(struct chan *c, const int *fds, unsigned int n)
{
	if (send_fds(c->ctl[1], fds, n)) {
		warnx_("server: cannot report ready: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int chan_wait_ready(struct chan *c, int *fds, unsigned int n)
{
	if (recv_fds(c->ctl[0], fds, n)) {
		warnx_("client: server never became ready: %s",
		       strerror(errno));
		return -1;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ------------------------------------------------------------------ */
/* machipc                                                             */
/* ------------------------------------------------------------------ */

#define MSGID_REQUEST	0x1000
#define MSGID_QUIT	0x1001
#define HDR_SIZE	sizeof(struct machipc_msg_header)

size_t machipc_max_payload;
unsigned int machipc_chunk_pages;
static char machipc_reason[160];

const char *machipc_probe_reason(void)
{
	struct machipc_version v;
	int fd = machipc_open();

	if (fd < 0) {
		snprintf(machipc_reason, sizeof(machipc_reason),
			 "cannot open %s: %s (is the module loaded?)",
			 MACHIPC_DEVICE_PATH, strerror(errno));
		return machipc_reason;
	}
	if (machipc_abi_version(fd, &v)) {
		snprintf(machipc_reason, sizeof(machipc_reason),
			 "MACHIPC_IOC_VERSION: %s", machipc_strerror(errno));
		machipc_close(fd);
		return machipc_reason;
	}
	machipc_close(fd);
	if (v.abi_version != MACHIPC_ABI_VERSION) {
		snprintf(machipc_reason, sizeof(machipc_reason),
			 "module ABI %u, ipcbench built for %u",
			 v.abi_version, MACHIPC_ABI_VERSION);
		return machipc_reason;
	}
	machipc_max_payload = v.max_inline - HDR_SIZE;
	machipc_chunk_pages = v.chunk_pages;
	return NULL;
}

static const char *machipc_size_ok(size_t size)
{
	(void)size;
	return NULL;	/* out-of-line above max_inline */
}

/*
 * A captured payload is charged to its sender while queued: sizes that the
 * default account limit (16 MiB) cannot hold are not the comparison.
 */
static const char *machipc_capture_size_ok(size_t size)
{
	return size > (8UL << 20) ?
	       "a capture is charged to the sender's account (16 MiB by default)" :
	       NULL;
}

/* Inline when it fits (peer "machipc"), else out-of-line. */
static bool machipc_use_ool(const struct chan *c)
{
	return c->force_ool || c->size > machipc_max_payload;
}

static size_t machipc_buf_size(size_t size)
{
	return MACHIPC_RCV_SPACE(HDR_SIZE + size);
}

static int machipc_check(const void *msg, size_t got, size_t size, u64 seq)
{
	const struct machipc_msg_header *h = machipc_msg_header(msg);

	if (got != MACHIPC_RCV_SPACE(HDR_SIZE + size) ||
	    h->size != HDR_SIZE + size || h->desc_count ||
	    (machipc_msg_trailer(msg)->flags & MACHIPC_TRAILER_KERNEL))
		return -1;
	return payload_check((const char *)msg + HDR_SIZE, size, seq);
}

/*
 * Out-of-line RPC, raw MACHIPC_IOC_MSG: the request and the reply are a
 * header and one MACHIPC_DESC_OOL descriptor; the data moves with one copy
 * from the sender's buffer into the buffer the receiver names in its
 * struct machipc_ool_buf.
 */
void ool_msg_init(struct ool_msg *m, u32 bits, u32 remote, u32 local,
		  u32 id, const void *data, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->h.bits = bits | MACHIPC_MSGH_COMPLEX;
	m->h.size = sizeof(*m);
	m->h.remote_name = remote;
	m->h.local_name = local;
	m->h.id = id;
	m->h.desc_count = 1;
	m->d.type = MACHIPC_DESC_OOL;
	m->d.address = size ? (u64)(uintptr_t)data : 0;
	m->d.size = size;
}

void ool_args_init(struct machipc_msg_args *a, const void *send,
		   u32 rcv_name, void *rcv_buf, size_t rcv_size,
		   struct machipc_ool_buf *ob)
{
	memset(a, 0, sizeof(*a));
	if (send) {
		a->flags |= MACHIPC_MSG_SEND;
		a->send_msg = (u64)(uintptr_t)send;
		a->send_size = machipc_msg_header(send)->size;
	}
	if (rcv_buf) {
		a->flags |= MACHIPC_MSG_RECEIVE;
		a->rcv_name = rcv_name;
		a->rcv_buf = (u64)(uintptr_t)rcv_buf;
		a->rcv_size = rcv_size;
		a->rcv_ool = (u64)(uintptr_t)ob;
		a->rcv_ool_count = ob ? 1 : 0;
	}
}

/* One MACHIPC_IOC_MSG, retried on EINTR (a committed send is not redone). */
int ool_ioctl(int space, struct machipc_msg_args *a)
{
	int ret;

	do
		ret = ioctl(space, MACHIPC_IOC_MSG, a);
	while (ret < 0 && errno == EINTR);
	return ret;
}

/* A received out-of-line message of @size bytes into @data, @seq. */
int ool_check(const struct ool_msg *m, const struct machipc_msg_args *a,
	      const void *data, size_t size, u64 seq)
{
	if (a->rcv_size != MACHIPC_RCV_SPACE(sizeof(*m)) ||
	    m->h.size != sizeof(*m) || m->h.desc_count != 1 ||
	    a->rcv_ool_count != 1 || m->d.type != MACHIPC_DESC_OOL ||
	    m->d.size != size ||
	    (size && m->d.address != (u64)(uintptr_t)data))
		return -1;
	return payload_check(data, size, seq);
}

#define OOL_RCV_SPACE	MACHIPC_RCV_SPACE(sizeof(struct ool_msg))

/*
 * The out-of-line round trip is the inline one with the payload in a
 * descriptor: each request carries a send-once reply right
 * (MAKE_SEND_ONCE), which the server's reply consumes (MOVE_SEND_ONCE).
 */
static int machipc_server_ool(struct chan *c, int space, u32 port,
			      size_t size)
{
	struct machipc_ool_buf ob = {
		.address = (u64)(uintptr_t)c->sbuf, .size = size,
	};
	union {
		struct ool_msg m;
		u64 raw[OOL_RCV_SPACE / 8];
	} rb;
	struct ool_msg *m = &rb.m, rep;
	struct machipc_msg_args a;
	u64 seq = 0;

	ool_args_init(&a, NULL, port, &rb, sizeof(rb), &ob);
	if (ool_ioctl(space, &a))
		goto fail;
	for (;; seq++) {
		if (m->h.id == MSGID_QUIT)
			return 0;
		if (m->h.id != MSGID_REQUEST ||
		    ool_check(m, &a, c->sbuf, size, seq))
			return bad_payload("machipc server (out-of-line)", seq);
		/*
		 * Echo the same bytes out-of-line through the send-once
		 * right, then take the next request.
		 */
		ool_msg_init(&rep,
			     MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE,
					       MACHIPC_DISP_NONE),
			     m->h.remote_name, MACHIPC_NAME_NULL,
			     MSGID_REQUEST, c->sbuf, size);
		rep.d.disposition = c->ool_flags;
		ool_args_init(&a, &rep, port, &rb, sizeof(rb), &ob);
		if (ool_ioctl(space, &a))
			goto fail;
	}
fail:
	warnx_("machipc server (out-of-line): %s at message %llu",
	       machipc_strerror(errno), (unsigned long long)seq);
	return -1;
}

static int machipc_server(struct chan *c, size_t size)
{
	struct machipc_msg_args args;
	struct machipc_msg_header *h;
	size_t cap = machipc_buf_size(size), got = cap;
	void *buf[2];
	int space, bfd, cur = 0;
	u32 port;
	u64 seq;

	space = machipc_open();
	if (space < 0 ||
	    machipc_port_allocate(space, MACHIPC_RIGHT_RECEIVE, &port)) {
		warnx_("machipc server: %s", machipc_strerror(errno));
		return -1;
	}
	bfd = machipc_bootstrap_export(space, port, MACHIPC_DISP_MAKE_SEND, 0);
	if (bfd < 0 || chan_ready(c, &bfd, 1)) {
		warnx_("machipc server: export: %s", machipc_strerror(errno));
		return -1;
	}
	close(bfd);
	if (machipc_use_ool(c))
		return machipc_server_ool(c, space, port, size);

	buf[0] = xmalloc(cap);
	buf[1] = xmalloc(cap);
	if (machipc_receive(space, port, buf[cur], &got, NULL))
		goto fail;
	for (seq = 0;; seq++) {
		h = buf[cur];
		if (h->id == MSGID_QUIT)
			break;
		if (h->id != MSGID_REQUEST ||
		    machipc_check(h, got, size, seq))
			return bad_payload("machipc server", seq);
		/* Reply with the same bytes through the send-once right. */
		h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE,
					    MACHIPC_DISP_NONE);
		h->local_name = MACHIPC_NAME_NULL;
		/* One call: send the reply, receive the next request. */
		machipc_msg_args_init(&args, h, port, buf[!cur], cap,
				      NULL, NULL);
		if (machipc_msg(space, &args))
			goto fail;
		got = args.rcv_size;
		cur = !cur;
	}
	machipc_close(space);
	free(buf[0]);
	free(buf[1]);
	return 0;
fail:
	warnx_("machipc server: %s", machipc_strerror(errno));
	return -1;
}

static int machipc_server_force_ool(struct chan *c, size_t size)
{
	c->force_ool = true;
	return machipc_server(c, size);
}

static int machipc_server_capture(struct chan *c, size_t size)
{
	c->ool_flags = MACHIPC_OOL_CAPTURE;
	return machipc_server_force_ool(c, size);
}

static int machipc_client_init(struct chan *c, size_t size)
{
	struct machipc_msg_builder b;
	size_t cap = machipc_buf_size(size);
	int bfd;

	if (chan_wait_ready(c, &bfd, 1))
		return -1;
	c->space = machipc_open();
	if (c->space < 0 ||
	    machipc_bootstrap_import(c->space, bfd, &c->service) ||
	    machipc_port_allocate(c->space, MACHIPC_RIGHT_RECEIVE,
				  &c->reply_port)) {
		warnx_("machipc client: %s", machipc_strerror(errno));
		close(bfd);
		return -1;
	}
	close(bfd);
	if (machipc_use_ool(c)) {
		/* The request: c->req as set up by the driver. */
		c->mbuf[0] = xmalloc(sizeof(struct ool_msg));
		c->mbuf[1] = xmalloc(OOL_RCV_SPACE);
		ool_msg_init(c->mbuf[0],
			     MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND,
					       MACHIPC_DISP_MAKE_SEND_ONCE),
			     c->service, c->reply_port, MSGID_REQUEST,
			     c->req.buf, size);
		((struct ool_msg *)c->mbuf[0])->d.disposition = c->ool_flags;
		return 0;
	}
	c->mbuf[0] = xmalloc(cap);
	c->mbuf[1] = xmalloc(cap);
	if (machipc_msg_init(&b, c->mbuf[0], cap, c->service,
			     MACHIPC_DISP_COPY_SEND, c->reply_port,
			     MACHIPC_DISP_MAKE_SEND_ONCE, MSGID_REQUEST) ||
	    machipc_msg_add_data(&b, c->mbuf[1], size)) {
		warnx_("machipc client: building the request: %s",
		       strerror(errno));
		return -1;
	}
	payload_init(&c->req, (char *)c->mbuf[0] + HDR_SIZE, size,
		     0x5eed + size);
	return 0;
}

static int machipc_client_init_force_ool(struct chan *c, size_t size)
{
	c->force_ool = true;
	return machipc_client_init(c, size);
}

static int machipc_client_init_capture(struct chan *c, size_t size)
{
	c->ool_flags = MACHIPC_OOL_CAPTURE;
	return machipc_client_init_force_ool(c, size);
}

static int machipc_call_ool(struct chan *c, u64 seq)
{
	struct machipc_ool_buf ob = {
		.address = (u64)(uintptr_t)c->rep, .size = c->size,
	};
	struct machipc_msg_args a;

	payload_stamp(&c->req, seq);
	ool_args_init(&a, c->mbuf[0], c->reply_port, c->mbuf[1],
		      OOL_RCV_SPACE, &ob);
	if (ool_ioctl(c->space, &a)) {
		warnx_("machipc client (out-of-line): %s",
		       machipc_strerror(errno));
		return -1;
	}
	if (machipc_msg_header(c->mbuf[1])->id != MSGID_REQUEST ||
	    ool_check(c->mbuf[1], &a, c->rep, c->size, seq))
		return bad_payload("machipc client (out-of-line)", seq);
	return 0;
}

static int machipc_call(struct chan *c, u64 seq)
{
	size_t got = machipc_buf_size(c->size);

	if (machipc_use_ool(c))
		return machipc_call_ool(c, seq);
	payload_stamp(&c->req, seq);
	if (machipc_rpc(c->space, c->mbuf[0], c->reply_port, c->mbuf[1],
			&got, NULL, NULL)) {
		warnx_("machipc_rpc: %s", machipc_strerror(errno));
		return -1;
	}
	if (machipc_msg_header(c->mbuf[1])->id != MSGID_REQUEST ||
	    machipc_check(c->mbuf[1], got, c->size, seq))
		return bad_payload("machipc client", seq);
	return 0;
}

static int machipc_stop(struct chan *c)
{
	struct machipc_msg_builder b;
	__u64 quit[HDR_SIZE / 8];
	int ret = 0;

	if (machipc_msg_init(&b, quit, sizeof(quit), c->service,
			     MACHIPC_DISP_COPY_SEND, MACHIPC_NAME_NULL,
			     MACHIPC_DISP_NONE, MSGID_QUIT) ||
	    machipc_send(c->space, quit, NULL)) {
		warnx_("machipc client: quit: %s", machipc_strerror(errno));
		ret = -1;
	}
	machipc_close(c->space);
	free(c->mbuf[0]);
	free(c->mbuf[1]);
	return ret;
}

const struct rpc_peer peer_machipc = {
	.name = "machipc",
	.copies = "inline up to max_inline: request and reply each copied "
		  "user -> kernel buffer -> user; above it out-of-line: one "
		  "copy, sender's pages -> receiver's buffer; one ioctl per "
		  "side per round trip (send+receive)",
	.probe = machipc_probe_reason,
	.size_ok = machipc_size_ok,
	.server = machipc_server,
	.client_init = machipc_client_init,
	.call = machipc_call,
	.stop = machipc_stop,
};

const struct rpc_peer peer_machipc_ool = {
	.name = "machipc-ool",
	.copies = "machipc with the payload always out-of-line (one MACHIPC_"
		  "DESC_OOL descriptor): one copy per direction, sender's "
		  "pages -> receiver's buffer, synchronous send; a send-once "
		  "reply right per call, as machipc",
	.probe = machipc_probe_reason,
	.size_ok = machipc_size_ok,
	.server = machipc_server_force_ool,
	.client_init = machipc_client_init_force_ool,
	.call = machipc_call,
	.stop = machipc_stop,
};

const struct rpc_peer peer_machipc_capture = {
	.name = "machipc-capture",
	.copies = "machipc-ool with MACHIPC_OOL_CAPTURE (Mach's semantics): "
		  "each direction copies the payload into kernel pages at the "
		  "send and out into the receiver's buffer at the receive (two "
		  "copies); the send returns once queued",
	.probe = machipc_probe_reason,
	.size_ok = machipc_capture_size_ok,
	.server = machipc_server_capture,
	.client_init = machipc_client_init_capture,
	.call = machipc_call,
	.stop = machipc_stop,
};

/* ------------------------------------------------------------------ */
/* Byte streams: pipe pair and UNIX stream socket pair                 */
/* ------------------------------------------------------------------ */

/*
 * fd[0]: client reads replies, fd[1]: client writes requests,
 * fd[2]: server reads requests, fd[3]: server writes replies.
 * A socket pair has one descriptor per side: fd[0] == fd[1], fd[2] == fd[3].
 */
static int pipe_setup(struct chan *c, size_t size)
{
	int req[2], rep[2];

	(void)size;
	if (pipe2(req, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
		return -1;
	c->fd[0] = rep[0];
	c->fd[1] = req[1];
	c->fd[2] = req[0];
	c->fd[3] = rep[1];
	return 0;
}

static int socketpair_setup(struct chan *c, int type)
{
	int sv[2];

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv))
		return -1;
	c->fd[0] = c->fd[1] = sv[0];
	c->fd[2] = c->fd[3] = sv[1];
	return 0;
}

static int stream_setup(struct chan *c, size_t size)
{
	(void)size;
	return socketpair_setup(c, SOCK_STREAM);
}

static int seqpacket_setup(struct chan *c, size_t size)
{
	(void)size;
	return socketpair_setup(c, SOCK_SEQPACKET);
}

/* Drop the other side's descriptors (both may share one fd). */
static void keep_side(struct chan *c, bool server)
{
	int a = server ? 0 : 2, b = server ? 1 : 3;

	if (c->fd[a] != c->fd[b])
		close_fd(&c->fd[b]);
	close_fd(&c->fd[a]);
	c->fd[b] = -1;
}

static int stream_server(struct chan *c, size_t size)
{
	u64 seq;

	keep_side(c, true);
	if (chan_ready(c, NULL, 0))
		return -1;
	for (seq = 0;; seq++) {
		if (read_full(c->fd[2], c->sbuf, c->wire))
			return errno ? -1 : 0;	/* EOF: the client is done */
		if (payload_check(c->sbuf, size, seq))
			return bad_payload("stream server", seq);
		if (write_full(c->fd[3], c->sbuf, c->wire))
			return -1;
	}
}

static int stream_client_init(struct chan *c, size_t size)
{
	(void)size;
	keep_side(c, false);
	return chan_wait_ready(c, NULL, 0);
}

static int stream_call(struct chan *c, u64 seq)
{
	payload_stamp(&c->req, seq);
	if (write_full(c->fd[1], c->req.buf, c->wire) ||
	    read_full(c->fd[0], c->rep, c->wire)) {
		warnx_("stream client: %s", errno ? strerror(errno) : "EOF");
		return -1;
	}
	if (payload_check(c->rep, c->size, seq))
		return bad_payload("stream client", seq);
	return 0;
}

static int stream_stop(struct chan *c)
{
	if (c->fd[0] != c->fd[1])
		close_fd(&c->fd[1]);
	close_fd(&c->fd[0]);
	return 0;
}

const struct rpc_peer peer_pipe = {
	.name = "pipe",
	.copies = "two pipes; each message copied user -> pipe buffer -> user",
	.setup = pipe_setup,
	.server = stream_server,
	.client_init = stream_client_init,
	.call = stream_call,
	.stop = stream_stop,
};

const struct rpc_peer peer_unix_stream = {
	.name = "unix-stream",
	.copies = "AF_UNIX SOCK_STREAM pair; user -> skb -> user",
	.setup = stream_setup,
	.server = stream_server,
	.client_init = stream_client_init,
	.call = stream_call,
	.stop = stream_stop,
};

/* ------------------------------------------------------------------ */
/* UNIX seqpacket: one record per message                              */
/* ------------------------------------------------------------------ */

static int seqpacket_server(struct chan *c, size_t size)
{
	ssize_t n;
	u64 seq;

	keep_side(c, true);
	if (chan_ready(c, NULL, 0))
		return -1;
	for (seq = 0;; seq++) {
		do
			n = recv(c->fd[2], c->sbuf, c->wire, 0);
		while (n < 0 && errno == EINTR);
		if (!n)
			return 0;
		if (n != (ssize_t)c->wire || payload_check(c->sbuf, size, seq))
			return bad_payload("seqpacket server", seq);
		if (send(c->fd[3], c->sbuf, c->wire, MSG_NOSIGNAL) != n)
			return -1;
	}
}

static int seqpacket_call(struct chan *c, u64 seq)
{
	ssize_t n;

	payload_stamp(&c->req, seq);
	if (send(c->fd[1], c->req.buf, c->wire, MSG_NOSIGNAL) !=
	    (ssize_t)c->wire) {
		warnx_("seqpacket client: send: %s", strerror(errno));
		return -1;
	}
	n = recv(c->fd[0], c->rep, c->wire, 0);
	if (n != (ssize_t)c->wire || payload_check(c->rep, c->size, seq))
		return bad_payload("seqpacket client", seq);
	return 0;
}

const struct rpc_peer peer_unix_seqpacket = {
	.name = "unix-seqpacket",
	.copies = "AF_UNIX SOCK_SEQPACKET pair; user -> skb -> user, one "
		  "record per message",
	.setup = seqpacket_setup,
	.server = seqpacket_server,
	.client_init = stream_client_init,
	.call = seqpacket_call,
	.stop = stream_stop,
};

/* ------------------------------------------------------------------ */
/* POSIX message queues                                                */
/* ------------------------------------------------------------------ */

/* fd[0]: requests, fd[1]: replies.  A priority-1 message means "quit". */
static int mq_setup(struct chan *c, size_t size)
{
	static unsigned int serial;
	struct mq_attr attr = { .mq_maxmsg = 2, .mq_msgsize = c->wire };
	char name[2][64];
	int i;

	(void)size;
	for (i = 0; i < 2; i++) {
		snprintf(name[i], sizeof(name[i]), "/ipcbench-%d-%u-%d",
			 (int)getpid(), serial++, i);
		c->fd[i] = mq_open(name[i], O_RDWR | O_CREAT | O_EXCL |
				   O_CLOEXEC, 0600, &attr);
		if (c->fd[i] < 0) {
			int err = errno;

			if (i)
				mq_close(c->fd[0]);
			errno = err;
			return -1;
		}
		mq_unlink(name[i]);
	}
	return 0;
}

static int mq_server(struct chan *c, size_t size)
{
	unsigned int prio;
	ssize_t n;
	u64 seq;

	if (chan_ready(c, NULL, 0))
		return -1;
	for (seq = 0;; seq++) {
		n = mq_receive(c->fd[0], c->sbuf, c->wire, &prio);
		if (n < 0)
			return -1;
		if (prio)
			return 0;
		if (n != (ssize_t)size || payload_check(c->sbuf, size, seq))
			return bad_payload("mqueue server", seq);
		if (mq_send(c->fd[1], c->sbuf, size, 0))
			return -1;
	}
}

static int mq_client_init(struct chan *c, size_t size)
{
	(void)size;
	return chan_wait_ready(c, NULL, 0);
}

static int mq_call(struct chan *c, u64 seq)
{
	ssize_t n;

	payload_stamp(&c->req, seq);
	if (mq_send(c->fd[0], c->req.buf, c->size, 0)) {
		warnx_("mqueue client: mq_send: %s", strerror(errno));
		return -1;
	}
	n = mq_receive(c->fd[1], c->rep, c->wire, NULL);
	if (n != (ssize_t)c->size || payload_check(c->rep, c->size, seq))
		return bad_payload("mqueue client", seq);
	return 0;
}

static int mq_stop(struct chan *c)
{
	int ret = mq_send(c->fd[0], "", 0, 1);

	mq_close(c->fd[0]);
	mq_close(c->fd[1]);
	c->fd[0] = c->fd[1] = -1;
	return ret;
}

const struct rpc_peer peer_mqueue = {
	.name = "mqueue",
	.copies = "two POSIX message queues; user -> kernel msg_msg -> user",
	.setup = mq_setup,
	.server = mq_server,
	.client_init = mq_client_init,
	.call = mq_call,
	.stop = mq_stop,
};

/* ------------------------------------------------------------------ */
/* Futex ping-pong over shared memory: the floor                       */
/* ------------------------------------------------------------------ */

enum { FX_IDLE, FX_REQUEST, FX_REPLY, FX_QUIT };

struct futex_shm {
	u32 state;
	u32 pad[15];
	unsigned char data[];
};

static size_t futex_shm_size(size_t size)
{
	return sizeof(struct futex_shm) + size + 8;
}

static int futex_setup(struct chan *c, size_t size)
{
	c->shm = shared_alloc(futex_shm_size(size));
	return 0;
}

/* Wait until the state is one of @a or @b; return it. */
static u32 futex_await(u32 *state, u32 a, u32 b)
{
	u32 s;

	while ((s = __atomic_load_n(state, __ATOMIC_ACQUIRE)) != a && s != b)
		futex_wait(state, s, NULL);
	return s;
}

static void futex_post(u32 *state, u32 s)
{
	__atomic_store_n(state, s, __ATOMIC_RELEASE);
	futex_wake(state, 1);
}

/*
 * Each side copies the message into the shared page and out of it, like
 * the kernel does for a pipe: the same bytes move, minus the syscalls'
 * own work.
 */
static int futex_server(struct chan *c, size_t size)
{
	struct futex_shm *shm = c->shm;
	u64 seq;

	if (chan_ready(c, NULL, 0))
		return -1;
	for (seq = 0;; seq++) {
		if (futex_await(&shm->state, FX_REQUEST, FX_QUIT) == FX_QUIT)
			return 0;
		memcpy(c->sbuf, shm->data, size);
		if (payload_check(c->sbuf, size, seq))
			return bad_payload("futex server", seq);
		memcpy(shm->data, c->sbuf, size);
		futex_post(&shm->state, FX_REPLY);
	}
}

static int futex_client_init(struct chan *c, size_t size)
{
	(void)size;
	return chan_wait_ready(c, NULL, 0);
}

static int futex_call(struct chan *c, u64 seq)
{
	struct futex_shm *shm = c->shm;

	payload_stamp(&c->req, seq);
	memcpy(shm->data, c->req.buf, c->size);
	futex_post(&shm->state, FX_REQUEST);
	futex_await(&shm->state, FX_REPLY, FX_REPLY);
	memcpy(c->rep, shm->data, c->size);
	if (payload_check(c->rep, c->size, seq))
		return bad_payload("futex client", seq);
	return 0;
}

static int futex_stop(struct chan *c)
{
	futex_post(&c->shm->state, FX_QUIT);
	return 0;
}

static void futex_teardown(struct chan *c)
{
	shared_free(c->shm, futex_shm_size(c->size));
}

const struct rpc_peer peer_futex = {
	.name = "futex",
	.copies = "shared page; each side memcpy()s in and out, FUTEX_WAIT/"
		  "FUTEX_WAKE to hand over (no kernel copy: the floor)",
	.setup = futex_setup,
	.server = futex_server,
	.client_init = futex_client_init,
	.call = futex_call,
	.stop = futex_stop,
	.teardown = futex_teardown,
};
