// SPDX-License-Identifier: GPL-2.0
/*
 * machipc-demo: one server, N client processes, Mach-style RPC, and a
 * server that forgets a client when the kernel says it is gone.
 *
 * The parent is the server.  It opens a space, allocates the service port
 * (a receive right) and a port set, puts the service port in the set and
 * receives only on the set.  It exports a send right to the service port
 * as a bootstrap file descriptor, which the clients inherit across fork().
 * Each client opens its own space (the inherited space descriptor is the
 * server's and gives EBADFD in the child), imports the bootstrap
 * descriptor to get a send right to the service, and makes RPCs: a request
 * with inline data and a make-send-once reply right, received in the same
 * call.
 *
 * A client's first request, "register", goes to the service port and
 * carries a send right to the client's callback port; the server sends a
 * callback message through it.  The server also allocates a session port
 * for the client, moves it into the port set, keeps a per-client state
 * record (malloc()ed), and gives the client a send right to the session in
 * the reply; then it requests a no-senders notification on the session
 * port, delivered to the session port itself (sync 1, so that a client
 * already gone is noticed at once).  Every later request of the client
 * goes to its session port, and the server tells clients apart by the
 * port a message arrived on (header.local_name).  Finally a client says
 * "bye", echoing the callback's token, learns from the reply whether the
 * server saw any mismatch, and exits.  The reply to bye also hands the
 * client an open file (MACHIPC_DESC_FD): a memfd holding the reply's text,
 * which the client reads back through its new descriptor.
 *
 * The server never frees a client's state when it says bye: it frees it
 * when the kernel reports that the session port has no senders left,
 * which happens however the client goes -- here, by closing its space and
 * exiting, and, for one client (the last by default, see --kill), by
 * being killed: that client makes its requests, never says bye, and stops
 * itself; the server then kills it with SIGKILL.  The no-senders
 * notification arrives on the port set like any message (a kernel
 * message, MACHIPC_MSGID_NO_SENDERS, local_name the session port); the
 * server frees the state and destroys the session port.  It is done when
 * every client's state has been freed that way.
 *
 * The server is an event loop: one epoll_wait() watches the port set (its
 * readiness descriptor, MACHIPC_IOC_POLL_FD) and a UNIX seqpacket socket
 * to one more client, a plain Linux process that knows nothing of machipc
 * and makes the same number of requests over the socket; each ready source
 * is served without blocking (receive with a deadline already past, or
 * recv with MSG_DONTWAIT) until it is empty.
 *
 * Every payload carries the client number, a sequence number and a
 * checksum; both sides check them, and the sender's pid from the trailer.
 * The program exits 0 only if every check passed in every process, every
 * client's state was freed exactly once by a no-senders notification, and
 * the server's space holds nothing but the service port and the set at
 * the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "machipc.h"

/*
 * Register is a client's first request, to the service port, with a
 * callback send right; its reply carries a send right to the session port.
 */
#define DEMO_MSG_HELLO		0x1000	/* request to the session port */
#define DEMO_MSG_REGISTER	0x1001	/* first request, to the service port */
#define DEMO_MSG_BYE		0x1002	/* last request, to the session port */
#define DEMO_MSG_REPLY		0x2000	/* server -> client reply port */
#define DEMO_MSG_CALLBACK	0x3000	/* server -> client callback port */

#define DEMO_TEXT_MAX		96
#define DEMO_MAX_CLIENTS	64
#define DEMO_MAX_REQUESTS	1000
#define DEMO_TICK_MS		500

/**
 * struct demo_payload - inline data of every demo message
 * @client: client number, 1-based.
 * @seq: the client's request sequence number (0 for callbacks).
 * @token: callback token (callback, and echoed in bye).
 * @status: in the reply to bye: mismatches the server saw; else 0.
 * @text_len: bytes used in @text (inline data is padded to 8 bytes).
 * @checksum: demo_checksum() of the fields above and the text.
 * @text: a human-readable line, not NUL-terminated.
 */
struct demo_payload {
	__u32 client;
	__u32 seq;
	__u32 token;
	__u32 status;
	__u32 text_len;
	__u32 checksum;
	char text[DEMO_TEXT_MAX];
};

#define DEMO_PAYLOAD_HDR	offsetof(struct demo_payload, text)
#define DEMO_MSG_MAX		1024

/* Buffers for messages and received messages, 8-byte aligned. */
union demo_buf {
	__u64 align;
	char bytes[MACHIPC_RCV_SPACE(DEMO_MSG_MAX)];
};

static unsigned int opt_clients = 3;
static unsigned int opt_requests = 3;
static unsigned int opt_timeout = 30;	/* seconds */
static int opt_kill = -1;		/* client to kill; -1: the last if > 1 */

static char log_prefix[32] = "server";

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One write per line, so that lines of different processes never mix. */
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "%-20s ", log_prefix);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	fprintf(stdout, "%s\n", line);
	fflush(stdout);
}

/* "EBADFD (space belongs to another process or is destroyed)" */
static const char *err_str(int err)
{
	static char buf[160];
	const char *name = machipc_errno_name(err);

	snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "error",
		 machipc_strerror(err));
	return buf;
}

static __u32 fnv1a(__u32 h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		h ^= *p++;
		h *= 16777619U;
	}
	return h;
}

static __u32 demo_checksum(const struct demo_payload *p)
{
	struct demo_payload tmp;
	size_t len = DEMO_PAYLOAD_HDR + p->text_len;

	memcpy(&tmp, p, len);
	tmp.checksum = 0;
	return fnv1a(2166136261U, &tmp, len);
}

static void payload_fill(struct demo_payload *p, __u32 client, __u32 seq,
			 __u32 token, __u32 status, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void payload_fill(struct demo_payload *p, __u32 client, __u32 seq,
			 __u32 token, __u32 status, const char *fmt, ...)
{
	char text[DEMO_TEXT_MAX + 1];
	va_list ap;
	int n;

	memset(p, 0, sizeof(*p));
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > DEMO_TEXT_MAX)
		n = DEMO_TEXT_MAX;

	p->client = client;
	p->seq = seq;
	p->token = token;
	p->status = status;
	p->text_len = n;
	memcpy(p->text, text, n);
	p->checksum = demo_checksum(p);
}

/*
 * Copy a received message's payload into @p and check it.  Returns a
 * reason string on failure, NULL when the payload is intact.
 */
static const char *payload_get(const void *msg, struct demo_payload *p)
{
	size_t len;
	const void *data = machipc_msg_data(msg, &len);

	memset(p, 0, sizeof(*p));
	if (!data)
		return "descriptors overrun the message";
	if (len < DEMO_PAYLOAD_HDR)
		return "inline data too short";
	memcpy(p, data, len < sizeof(*p) ? len : sizeof(*p));
	if (p->text_len > DEMO_TEXT_MAX || DEMO_PAYLOAD_HDR + p->text_len > len)
		return "text length out of range";
	if (p->checksum != demo_checksum(p))
		return "checksum mismatch";
	return NULL;
}

/*
 * Build a message: header, an optional port descriptor, an optional open
 * file (@file >= 0), then a payload.
 */
static int msg_build(union demo_buf *buf, __u32 remote, __u32 remote_disp,
		     __u32 local, __u32 local_disp, __u32 id,
		     __u32 port, __u32 port_disp, int file,
		     const struct demo_payload *p)
{
	struct machipc_msg_builder b;

	if (machipc_msg_init(&b, buf, DEMO_MSG_MAX, remote, remote_disp,
			     local, local_disp, id))
		return -1;
	if (port && machipc_msg_add_port(&b, port, port_disp))
		return -1;
	if (file >= 0 && machipc_msg_add_fd(&b, file, 0))
		return -1;
	return machipc_msg_add_data(&b, p, DEMO_PAYLOAD_HDR + p->text_len);
}

static const char *msg_id_name(__u32 id)
{
	switch (id) {
	case DEMO_MSG_HELLO:
		return "hello";
	case DEMO_MSG_REGISTER:
		return "register";
	case DEMO_MSG_BYE:
		return "bye";
	case DEMO_MSG_REPLY:
		return "reply";
	case DEMO_MSG_CALLBACK:
		return "callback";
	default:
		return "unknown";
	}
}

static const char *rights_of(int fd, __u32 name)
{
	static char buf[96];
	struct machipc_name_info info;
	char rights[64];

	if (machipc_name_info(fd, name, &info)) {
		const char *e = machipc_errno_name(errno);

		snprintf(buf, sizeof(buf), "name info failed: %s",
			 e ? e : "error");
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s, urefs %u",
		 machipc_right_string(info.rights, rights, sizeof(rights)),
		 info.urefs);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Client                                                             */
/* ------------------------------------------------------------------ */

struct client_ctx {
	unsigned int idx;
	bool doomed;		/* no bye: stop and wait to be killed */
	int fd;
	__u32 service;
	__u32 session;		/* send right to the session port, or 0 */
	__u32 reply_port;
	__u32 callback_port;
	__u32 token;
	unsigned int errors;
	struct timespec deadline;
};

#define client_fail(c, fmt, ...)				\
	do {							\
		say("FAIL: " fmt, ##__VA_ARGS__);		\
		(c)->errors++;					\
	} while (0)

/* Checks common to every message the server sends a client. */
static bool client_check(struct client_ctx *c, const void *msg, size_t size,
			 __u32 id, __u32 port, struct demo_payload *p)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_trailer *tr;
	const char *why;

	if (size < sizeof(*hdr) || size != MACHIPC_RCV_SPACE(hdr->size)) {
		client_fail(c, "received %zu bytes for a %u-byte message",
			    size, hdr->size);
		return false;
	}
	tr = machipc_msg_trailer(msg);
	if (hdr->id != id || hdr->local_name != port) {
		client_fail(c, "got id 0x%x on 0x%x, expected %s on 0x%x",
			    hdr->id, hdr->local_name, msg_id_name(id), port);
		return false;
	}
	why = payload_get(msg, p);
	if (why) {
		client_fail(c, "%s: %s", msg_id_name(id), why);
		return false;
	}
	if (p->client != c->idx) {
		client_fail(c, "%s meant for client %u", msg_id_name(id),
			    p->client);
		return false;
	}
	if (tr->pid != getppid() || (tr->flags & MACHIPC_TRAILER_KERNEL)) {
		client_fail(c, "%s from pid %d (flags 0x%x), expected server pid %d",
			    msg_id_name(id), tr->pid, tr->flags, getppid());
		return false;
	}
	return true;
}

static void client_receive_callback(struct client_ctx *c)
{
	union demo_buf buf;
	struct demo_payload p;
	size_t size = sizeof(buf);

	if (machipc_receive(c->fd, c->callback_port, &buf, &size,
			    &c->deadline)) {
		client_fail(c, "receive callback: %s", err_str(errno));
		return;
	}
	if (!client_check(c, &buf, size, DEMO_MSG_CALLBACK, c->callback_port,
			  &p))
		return;
	c->token = p.token;
	say("callback on port 0x%x: \"%.*s\" token 0x%08x (seqno %llu)",
	    c->callback_port, (int)p.text_len, p.text, p.token,
	    (unsigned long long)machipc_msg_trailer(&buf)->seqno);
}

/*
 * The reply to register must carry the session send right, the others no
 * right at all.  Returns false (and drops what came) when it is not so.
 */
static bool client_check_rights(struct client_ctx *c, const void *msg,
				__u32 id)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_desc *d = machipc_msg_desc(msg, 0);
	unsigned int i;

	if (id == DEMO_MSG_REGISTER) {
		if (hdr->desc_count == 1 && d && d->type == MACHIPC_DESC_PORT &&
		    d->disposition == MACHIPC_DISP_MOVE_SEND &&
		    d->name != MACHIPC_NAME_NULL &&
		    d->name != MACHIPC_NAME_DEAD) {
			c->session = d->name;
			return true;
		}
		client_fail(c, "the reply to register carries no session send right");
	} else if (id == DEMO_MSG_BYE) {
		/*
		 * An open file: a memfd holding the reply's text (the
		 * payload, after the descriptor, checked by client_check()).
		 */
		const struct demo_payload *r = (const void *)(d + 1);
		char text[DEMO_TEXT_MAX];
		int file = d ? (int)d->name : -1;
		ssize_t n;

		if (hdr->desc_count != 1 || !d || d->type != MACHIPC_DESC_FD ||
		    file < 0) {
			client_fail(c, "the reply to bye carries no file");
			return false;
		}
		n = pread(file, text, sizeof(text), 0);
		if (n < 0 || (size_t)n != r->text_len ||
		    memcmp(text, r->text, n)) {
			client_fail(c, "the file in the reply to bye does not hold its text");
			close(file);
			return false;
		}
		say("the reply to bye brought an open file (fd %d, close-on-exec %s): \"%.*s\"",
		    file, fcntl(file, F_GETFD) & FD_CLOEXEC ? "yes" : "no",
		    (int)n, text);
		close(file);
		return true;
	} else if (hdr->desc_count) {
		client_fail(c, "the reply to %s carries %u unexpected right(s)",
			    msg_id_name(id), hdr->desc_count);
	} else {
		return true;
	}
	for (i = 0; (d = machipc_msg_desc(msg, i)); i++)
		if (d->name != MACHIPC_NAME_NULL &&
		    d->name != MACHIPC_NAME_DEAD)
			machipc_port_deallocate(c->fd, d->name);
	return false;
}

/*
 * One RPC: register to the service port (with the callback send right),
 * hello and bye to the session port.  Returns the reply's status field,
 * or -1.
 */
static long client_rpc(struct client_ctx *c, __u32 id, __u32 seq)
{
	bool reg = id == DEMO_MSG_REGISTER;
	__u32 dest = reg ? c->service : c->session;
	struct machipc_msg_args args;
	union demo_buf req, rep;
	struct demo_payload p, r;
	size_t size = sizeof(rep);

	if (id == DEMO_MSG_BYE)
		payload_fill(&p, c->idx, seq, c->token, 0,
			     "bye from client %u", c->idx);
	else if (reg)
		payload_fill(&p, c->idx, seq, 0, 0,
			     "register client %u, request %u", c->idx, seq);
	else
		payload_fill(&p, c->idx, seq, 0, 0,
			     "hello from client %u, request %u", c->idx, seq);

	if (msg_build(&req, dest, MACHIPC_DISP_COPY_SEND,
		      c->reply_port, MACHIPC_DISP_MAKE_SEND_ONCE, id,
		      reg ? c->callback_port : 0, MACHIPC_DISP_MAKE_SEND, -1,
		      &p)) {
		client_fail(c, "build %s: %s", msg_id_name(id), err_str(errno));
		return -1;
	}
	/* The reply to bye carries an open file: take it (ABI 4). */
	if (machipc_msg_args_init(&args, &req, c->reply_port, &rep, size,
				  &c->deadline, &c->deadline) ||
	    (args.flags |= MACHIPC_MSG_RCV_FILES, machipc_msg(c->fd, &args))) {
		client_fail(c, "rpc %s #%u to 0x%x: %s", msg_id_name(id), seq,
			    dest, err_str(errno));
		return -1;
	}
	size = args.rcv_size;
	if (!client_check(c, &rep, size, DEMO_MSG_REPLY, c->reply_port, &r))
		return -1;
	if (!client_check_rights(c, &rep, id))
		return -1;
	if (r.seq != seq) {
		client_fail(c, "reply to #%u carries #%u", seq, r.seq);
		return -1;
	}
	if (machipc_msg_header(&rep)->remote_name != MACHIPC_NAME_NULL)
		client_fail(c, "reply carried an unexpected reply right 0x%x",
			    machipc_msg_header(&rep)->remote_name);
	say("reply #%u: \"%.*s\" (checksum ok, seqno %llu)", seq,
	    (int)r.text_len, r.text,
	    (unsigned long long)machipc_msg_trailer(&rep)->seqno);
	if (reg)
		say("  session send right 0x%x (%s): the next requests go there",
		    c->session, rights_of(c->fd, c->session));
	return r.status;
}

static int client_main(unsigned int idx, bool doomed, int server_fd,
		       int bootstrap_fd)
{
	struct client_ctx c = { .idx = idx, .doomed = doomed };
	struct machipc_version v;
	unsigned int seq;
	long status;

	snprintf(log_prefix, sizeof(log_prefix), "client %u [%d]:", idx,
		 getpid());
	machipc_deadline_in(&c.deadline, opt_timeout * 1000L);

	/* The inherited descriptor is the server's space: not ours to use. */
	if (!machipc_abi_version(server_fd, &v))
		client_fail(&c, "the server's space fd %d works in a child",
			    server_fd);
	else if (errno != EBADFD)
		client_fail(&c, "server's space fd %d: %s, expected EBADFD",
			    server_fd, err_str(errno));
	else
		say("inherited server space fd %d: %s, as expected",
		    server_fd, err_str(errno));
	close(server_fd);

	c.fd = machipc_open();
	if (c.fd < 0) {
		say("FAIL: open: %s", strerror(errno));
		return 1;
	}
	if (machipc_bootstrap_import(c.fd, bootstrap_fd, &c.service)) {
		say("FAIL: import bootstrap fd %d: %s", bootstrap_fd,
		    err_str(errno));
		return 1;
	}
	close(bootstrap_fd);
	if (machipc_port_allocate(c.fd, MACHIPC_RIGHT_RECEIVE, &c.reply_port) ||
	    machipc_port_allocate(c.fd, MACHIPC_RIGHT_RECEIVE,
				  &c.callback_port)) {
		say("FAIL: allocate ports: %s", err_str(errno));
		return 1;
	}
	say("own space fd %d: service 0x%x (%s) from bootstrap fd %d, reply port 0x%x, callback port 0x%x",
	    c.fd, c.service, rights_of(c.fd, c.service), bootstrap_fd,
	    c.reply_port, c.callback_port);

	/* Request 1 registers; without a session nothing else can follow. */
	if (client_rpc(&c, DEMO_MSG_REGISTER, 1) < 0 || !c.session) {
		say("FAIL: not registered, giving up");
		return 1;
	}
	client_receive_callback(&c);
	for (seq = 2; seq <= opt_requests; seq++)
		client_rpc(&c, DEMO_MSG_HELLO, seq);

	if (c.doomed) {
		if (c.errors) {
			/* An exit status can still tell the server. */
			say("done with errors; exiting without bye");
			return 1;
		}
		/*
		 * No bye and no close: the server kills this process, and
		 * the kernel, tearing the space down, drops the session
		 * send right.  The stop only tells the server when.
		 */
		say("%u request(s) verified; stopping without bye, for the server to kill",
		    opt_requests);
		raise(SIGSTOP);
		say("FAIL: still alive after the stop");
		return 1;
	}

	status = client_rpc(&c, DEMO_MSG_BYE, opt_requests + 1);
	if (status > 0)
		client_fail(&c, "server saw %ld mismatch(es) from this client",
			    status);

	/* Closing the space drops the session right: the server is told. */
	machipc_close(c.fd);
	say("%s", c.errors ? "done with errors" :
	    "done, all replies verified; exiting");
	return c.errors || status ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Server                                                             */
/* ------------------------------------------------------------------ */

/*
 * struct demo_session - the state a server keeps for a registered client
 *
 * Allocated on register, found by the session port a request arrives on,
 * freed when the session port's no-senders notification arrives.
 */
struct demo_session {
	struct demo_session *next;
	__u32 port;			/* the session port (receive right) */
	__u32 client;			/* client number, 1-based */
	pid_t pid;			/* from the register request's trailer */
	unsigned int requests;		/* verified requests, register included */
	__u32 token;			/* callback token sent, or 0 */
	unsigned int errors;		/* mismatches in this client's requests */
	bool bye;
};

/* What the demo checks at the end, per client; not the server's state. */
struct demo_client {
	pid_t pid;
	bool doomed;			/* to be killed instead of saying bye */
	bool registered;
	unsigned int freed;		/* states freed on no-senders */
	__u32 mscount;			/* make-send count the notification said */
	unsigned int requests;		/* from the state, when freed */
	unsigned int errors;		/* likewise, plus what the reaper saw */
	bool bye;			/* from the state, when freed */
	bool killed;			/* the server sent it SIGKILL */
	bool reaped;
	int wstatus;
};

/* The UNIX socket client, served from the same epoll loop. */
struct sock_client {
	pid_t pid;
	int sock;			/* the server's end; -1 once closed */
	unsigned int requests;		/* requests answered */
	unsigned int errors;
	bool reaped;
	int wstatus;
};

struct server_ctx {
	struct sock_client sc;
	int fd;
	__u32 set;			/* port set the server receives on */
	__u32 service;			/* service port, in the set */
	struct demo_session *sessions;
	struct demo_client clients[DEMO_MAX_CLIENTS];
	unsigned int freed;		/* clients whose state was freed */
	unsigned int errors;		/* mismatches not tied to a client */
};

static struct demo_client *server_client(struct server_ctx *s, __u32 idx)
{
	if (idx < 1 || idx > opt_clients)
		return NULL;
	return &s->clients[idx - 1];
}

static struct demo_session *server_session(struct server_ctx *s, __u32 port)
{
	struct demo_session *st;

	for (st = s->sessions; st; st = st->next)
		if (st->port == port)
			return st;
	return NULL;
}

static void server_session_unlink(struct server_ctx *s,
				  struct demo_session *st)
{
	struct demo_session **pp;

	for (pp = &s->sessions; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			return;
		}
}

/* Send @p to @remote, with an optional right to @port and open @file. */
static int server_send(struct server_ctx *s, __u32 remote, __u32 disp,
		       __u32 id, __u32 port, __u32 port_disp, int file,
		       const struct demo_payload *p)
{
	union demo_buf buf;
	struct timespec dl;

	machipc_deadline_in(&dl, 5000);
	if (msg_build(&buf, remote, disp, 0, MACHIPC_DISP_NONE, id, port,
		      port_disp, file, p) ||
	    machipc_send(s->fd, &buf, &dl)) {
		say("FAIL: send %s to 0x%x: %s", msg_id_name(id), remote,
		    err_str(errno));
		/* A failed send changed nothing: drop the right ourselves. */
		machipc_port_deallocate(s->fd, remote);
		return -1;
	}
	return 0;
}

/* Drop rights a message brought that the server will not use. */
static void server_drop_rights(struct server_ctx *s, const void *msg,
			       bool reply_too)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_desc *d;
	unsigned int i;

	if (reply_too && hdr->remote_name)
		machipc_port_deallocate(s->fd, hdr->remote_name);
	for (i = 0; (d = machipc_msg_desc(msg, i)); i++) {
		if (d->name == MACHIPC_NAME_NULL || d->name == MACHIPC_NAME_DEAD)
			continue;
		if (d->disposition == MACHIPC_DISP_MOVE_RECEIVE)
			machipc_port_destroy(s->fd, d->name);
		else
			machipc_port_deallocate(s->fd, d->name);
	}
}

/*
 * Register: the request carries a send right to the client's callback
 * port; send the callback through it.  Returns the token, or 0.
 */
static __u32 server_callback(struct server_ctx *s, const void *msg,
			     const struct demo_payload *req)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_desc *d = machipc_msg_desc(msg, 0);
	struct demo_payload p;
	__u32 token;

	if (hdr->desc_count != 1 || !(hdr->bits & MACHIPC_MSGH_COMPLEX) || !d ||
	    d->type != MACHIPC_DESC_PORT ||
	    d->disposition != MACHIPC_DISP_MOVE_SEND ||
	    d->name == MACHIPC_NAME_DEAD || d->name == MACHIPC_NAME_NULL) {
		say("FAIL: register from client %u without a callback send right",
		    req->client);
		server_drop_rights(s, msg, false);
		return 0;
	}
	say("  port descriptor: callback send right 0x%x (%s, arrived %s)",
	    d->name, rights_of(s->fd, d->name),
	    machipc_disp_string(d->disposition));

	token = 0xc0de0000U | (req->client << 8) | (req->seq & 0xff);
	payload_fill(&p, req->client, 0, token, 0,
		     "callback for client %u from server pid %d", req->client,
		     getpid());
	/* Move the send right back out: the server's space keeps nothing. */
	if (server_send(s, d->name, MACHIPC_DISP_MOVE_SEND, DEMO_MSG_CALLBACK,
			0, 0, -1, &p))
		return 0;
	say("  sent callback token 0x%08x to 0x%x (move-send)", token, d->name);
	return token;
}

/* Free a client's state and its session port; fold it into the summary. */
static void server_free_session(struct server_ctx *s, struct demo_session *st,
				__u32 mscount)
{
	struct demo_client *cl = server_client(s, st->client);

	if (cl) {
		cl->freed++;
		cl->mscount = mscount;
		cl->requests = st->requests;
		cl->errors += st->errors;
		cl->bye = st->bye;
		if (cl->freed == 1)
			s->freed++;
	}
	server_session_unlink(s, st);
	if (machipc_port_destroy(s->fd, st->port)) {
		say("FAIL: destroy session port 0x%x: %s", st->port,
		    err_str(errno));
		s->errors++;
	}
	free(st);
}

/*
 * Register, on the service port: make the client's state and session port,
 * send the callback, give the client a send right to the session in the
 * reply, and ask the kernel to say when the last send right is gone.
 */
static void server_register(struct server_ctx *s, const void *msg,
			    struct demo_client *cl, pid_t pid,
			    const struct demo_payload *req)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	__u32 reply = hdr->remote_name;
	struct demo_session *st;
	struct demo_payload r;
	__u32 previous = 0;

	if (cl->registered) {
		say("FAIL: client %u registers a second time", req->client);
		cl->errors++;
		server_drop_rights(s, msg, true);
		return;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		say("FAIL: no memory for client %u's state", req->client);
		cl->errors++;
		server_drop_rights(s, msg, true);
		return;
	}
	if (machipc_port_allocate(s->fd, MACHIPC_RIGHT_RECEIVE, &st->port) ||
	    machipc_port_move_member(s->fd, st->port, s->set)) {
		say("FAIL: session port for client %u: %s", req->client,
		    err_str(errno));
		cl->errors++;
		if (st->port)
			machipc_port_destroy(s->fd, st->port);
		free(st);
		server_drop_rights(s, msg, true);
		return;
	}
	st->client = req->client;
	st->pid = pid;
	st->requests = 1;
	st->next = s->sessions;
	s->sessions = st;
	cl->registered = true;

	/* The callback goes out before the reply. */
	st->token = server_callback(s, msg, req);
	if (!st->token)
		st->errors++;

	payload_fill(&r, req->client, req->seq, 0, 0,
		     "welcome client %u: callback sent, session 0x%x",
		     req->client, st->port);
	if (server_send(s, reply, MACHIPC_DISP_MOVE_SEND_ONCE, DEMO_MSG_REPLY,
			st->port, MACHIPC_DISP_MAKE_SEND, -1, &r)) {
		/* No send right was made: no notification would ever come. */
		say("FAIL: client %u got no session; freeing its state now",
		    req->client);
		st->errors++;
		server_free_session(s, st, 0);
		return;
	}
	say("  new session 0x%x for client %u (pid %d): state allocated, port in the set, send right made in the reply",
	    st->port, st->client, st->pid);

	/*
	 * Requested after the send right left: sync 1 makes the kernel
	 * notify at once should the client be gone already.
	 */
	if (machipc_port_request_notification(s->fd, st->port,
					      MACHIPC_NOTIFY_NO_SENDERS,
					      st->port,
					      MACHIPC_DISP_MAKE_SEND_ONCE, 1,
					      &previous)) {
		say("FAIL: request no-senders on 0x%x: %s", st->port,
		    err_str(errno));
		st->errors++;
		return;
	}
	if (previous) {
		say("FAIL: no-senders request on new port 0x%x replaced one (0x%x)",
		    st->port, previous);
		st->errors++;
		machipc_port_deallocate(s->fd, previous);
	}
	say("  no-senders notification requested on 0x%x (to itself, make-send-once, sync 1)",
	    st->port);
}

/* A kernel notification arrived on the set. */
static void server_notification(struct server_ctx *s, const void *msg,
				__u32 kind, __u32 value)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_trailer *tr = machipc_msg_trailer(msg);
	__u32 port = hdr->local_name;
	struct machipc_port_attr attr;
	struct demo_session *st;
	unsigned int client, requests, errors;
	bool bye;

	if (kind != MACHIPC_NOTIFY_NO_SENDERS) {
		say("FAIL: #%llu unexpected notification kind %u on 0x%x (value %u)",
		    (unsigned long long)tr->seqno, kind, port, value);
		s->errors++;
		server_drop_rights(s, msg, true);
		return;
	}
	st = server_session(s, port);
	if (!st) {
		say("FAIL: #%llu no-senders on 0x%x (make-send count %u), which is no session",
		    (unsigned long long)tr->seqno, port, value);
		s->errors++;
		return;
	}
	if (tr->pid != 0 || hdr->remote_name != MACHIPC_NAME_NULL ||
	    hdr->desc_count) {
		say("FAIL: no-senders on 0x%x from pid %d with reply right 0x%x and %u descriptor(s)",
		    port, tr->pid, hdr->remote_name, hdr->desc_count);
		st->errors++;
	}
	if (machipc_port_get_attributes(s->fd, port, &attr)) {
		say("FAIL: get attributes of session 0x%x: %s", port,
		    err_str(errno));
		st->errors++;
	} else if (attr.mscount > value) {
		/* A send right was made after the last one went away. */
		say("#%llu no-senders on session 0x%x (make-send count %u), but the count is now %u: client %u has a new right, keeping its state",
		    (unsigned long long)tr->seqno, port, value, attr.mscount,
		    st->client);
		if (machipc_port_request_notification(s->fd, port,
						      MACHIPC_NOTIFY_NO_SENDERS,
						      port,
						      MACHIPC_DISP_MAKE_SEND_ONCE,
						      1, NULL)) {
			say("FAIL: request no-senders again on 0x%x: %s",
			    port, err_str(errno));
			st->errors++;
		}
		return;
	} else if (attr.mscount != value || attr.srights) {
		say("FAIL: no-senders on 0x%x said make-send count %u; the port has %u, with %u send right(s)",
		    port, value, attr.mscount, attr.srights);
		st->errors++;
	}

	say("#%llu no-senders on session 0x%x (make-send count %u): client %u (pid %d) is gone, freeing its state",
	    (unsigned long long)tr->seqno, port, value, st->client, st->pid);
	client = st->client;
	requests = st->requests;
	errors = st->errors;
	bye = st->bye;
	server_free_session(s, st, value);
	say("  client %u had made %u request(s), %s, %u error(s); state freed, session port destroyed (%u of %u client(s) freed)",
	    client, requests, bye ? "said bye" : "no bye", errors, s->freed,
	    opt_clients);
}

static void server_handle(struct server_ctx *s, const void *msg, size_t size)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_trailer *tr;
	__u32 reply = hdr->remote_name;
	__u32 reply_disp = MACHIPC_MSGH_REMOTE(hdr->bits);
	__u32 kind, value = 0;
	bool on_service = hdr->local_name == s->service;
	bool is_register = hdr->id == DEMO_MSG_REGISTER;
	struct demo_session *st = NULL;
	struct demo_client *cl;
	struct demo_payload p, r;
	unsigned int *errors;
	int file = -1;
	const char *why;

	if (size < sizeof(*hdr) || size != MACHIPC_RCV_SPACE(hdr->size)) {
		say("FAIL: received %zu bytes for a %u-byte message", size,
		    hdr->size);
		s->errors++;
		if (reply)
			machipc_port_deallocate(s->fd, reply);
		return;
	}
	tr = machipc_msg_trailer(msg);

	kind = machipc_notify_value(msg, &value);
	if (kind) {
		server_notification(s, msg, kind, value);
		return;
	}

	if (!on_service)
		st = server_session(s, hdr->local_name);
	why = payload_get(msg, &p);
	cl = why ? NULL : server_client(s, p.client);

	say("#%llu %s on %s 0x%x from pid %d uid %u gid %u: \"%.*s\" (request %u, %s)",
	    (unsigned long long)tr->seqno, msg_id_name(hdr->id),
	    on_service ? "service" : "session", hdr->local_name, tr->pid,
	    tr->uid, tr->gid, why ? 0 : (int)p.text_len, p.text, p.seq,
	    why ? why : "checksum ok");
	say("  reply right 0x%x (%s, arrived %s)", reply,
	    reply ? rights_of(s->fd, reply) : "none",
	    machipc_disp_string(reply_disp));

	if (!cl || (!on_service && !st)) {
		/* Nobody to answer: drop what came with the message. */
		say("FAIL: request from an unknown client (%s)",
		    why ? why : cl ? "unknown port" : "bad client number");
		s->errors++;
		server_drop_rights(s, msg, true);
		return;
	}
	errors = st ? &st->errors : &cl->errors;
	if (tr->pid != cl->pid || (tr->flags & MACHIPC_TRAILER_KERNEL) ||
	    (st && (st->client != p.client || st->pid != tr->pid))) {
		say("FAIL: client %u is pid %d, trailer says pid %d flags 0x%x, port 0x%x",
		    p.client, cl->pid, tr->pid, tr->flags, hdr->local_name);
		(*errors)++;
	}
	if (reply_disp != MACHIPC_DISP_MOVE_SEND_ONCE || !reply) {
		say("FAIL: request without a send-once reply right");
		(*errors)++;
		server_drop_rights(s, msg, true);
		return;
	}
	/* Register comes to the service port, everything else to a session. */
	if (on_service != is_register) {
		say("FAIL: %s on the %s port", msg_id_name(hdr->id),
		    on_service ? "service" : "session");
		(*errors)++;
		server_drop_rights(s, msg, true);
		return;
	}
	if (on_service) {
		server_register(s, msg, cl, tr->pid, &p);
		return;
	}

	if (hdr->desc_count) {
		say("FAIL: %s carries %u unexpected descriptor(s)",
		    msg_id_name(hdr->id), hdr->desc_count);
		st->errors++;
		server_drop_rights(s, msg, false);
	}

	switch (hdr->id) {
	case DEMO_MSG_HELLO:
		st->requests++;
		payload_fill(&r, p.client, p.seq, 0, 0, "ack #%u: %.*s",
			     p.seq, (int)p.text_len, p.text);
		break;
	case DEMO_MSG_BYE:
		if (p.token != st->token) {
			say("FAIL: client %u echoed token 0x%08x, sent 0x%08x",
			    p.client, p.token, st->token);
			st->errors++;
		}
		/* Noted, but the state stays until the kernel says "gone". */
		st->bye = true;
		payload_fill(&r, p.client, p.seq, st->token, st->errors,
			     "goodbye client %u: %u request(s), %u error(s)",
			     p.client, st->requests, st->errors);
		/* With the reply, an open file: the same text, in a memfd. */
		file = memfd_create("machipc-demo-receipt", MFD_CLOEXEC);
		if (file < 0 ||
		    pwrite(file, r.text, r.text_len, 0) != (ssize_t)r.text_len) {
			say("FAIL: memfd: %s", strerror(errno));
			st->errors++;
		}
		break;
	default:
		say("FAIL: unknown message id 0x%x", hdr->id);
		st->errors++;
		server_drop_rights(s, msg, true);
		return;
	}

	if (server_send(s, reply, MACHIPC_DISP_MOVE_SEND_ONCE, DEMO_MSG_REPLY,
			0, 0, file, &r))
		st->errors++;
	if (file >= 0)
		close(file);
}

/*
 * Reap clients that exited.  The doomed client stops itself after its
 * requests; the server then kills it.  Any other stop is a failure, and
 * is killed too.
 */
static void server_reap(struct server_ctx *s, bool block)
{
	unsigned int i;

	for (i = 0; i < opt_clients; i++) {
		struct demo_client *cl = &s->clients[i];

		while (!cl->reaped && cl->pid > 0) {
			int wstatus;
			pid_t pid = waitpid(cl->pid, &wstatus,
					    (block ? 0 : WNOHANG) | WUNTRACED);

			if (pid != cl->pid)
				break;
			if (!WIFSTOPPED(wstatus)) {
				cl->reaped = true;
				cl->wstatus = wstatus;
				break;
			}
			if (cl->doomed && !cl->killed) {
				say("client %u (pid %d) stopped after its requests without bye: killing it (SIGKILL)",
				    i + 1, cl->pid);
			} else {
				say("FAIL: client %u (pid %d) stopped; killing it",
				    i + 1, cl->pid);
				cl->errors++;
			}
			kill(cl->pid, SIGKILL);
			cl->killed = true;
		}
	}
}

static void server_kill_clients(struct server_ctx *s)
{
	unsigned int i;

	for (i = 0; i < opt_clients; i++)
		if (!s->clients[i].reaped && s->clients[i].pid > 0)
			kill(s->clients[i].pid, SIGKILL);
}

/* Done when every client was freed, or can never be (gone unregistered). */
static bool server_done(struct server_ctx *s)
{
	unsigned int i;

	for (i = 0; i < opt_clients; i++) {
		struct demo_client *cl = &s->clients[i];

		if (!cl->freed && !(cl->reaped && !cl->registered))
			return false;
	}
	return true;
}

/*
 * Print the ports and names; once every state is freed, only the service
 * port and the set may remain.
 */
static void server_report(struct server_ctx *s, bool all_freed)
{
	struct machipc_port_attr attr;
	struct machipc_name_info *names;
	size_t count, i;
	char rights[64];

	if (!machipc_port_get_attributes(s->fd, s->service, &attr))
		say("service port 0x%x: seqno %llu, queued %u, qlimit %u, make-send count %u, send rights %u, send-once rights %u, in set 0x%x",
		    s->service, (unsigned long long)attr.seqno, attr.msgcount,
		    attr.qlimit, attr.mscount, attr.srights, attr.sorights,
		    attr.pset);
	else
		say("FAIL: get attributes of 0x%x: %s", s->service,
		    err_str(errno));

	if (machipc_port_names(s->fd, &names, &count)) {
		say("FAIL: list names: %s", err_str(errno));
		s->errors++;
		return;
	}
	say("server space holds %zu name(s):", count);
	for (i = 0; i < count; i++) {
		bool known = names[i].name == s->service ||
			     names[i].name == s->set;

		say("  0x%08x  %-16s urefs %u%s", names[i].name,
		    machipc_right_string(names[i].rights, rights,
					 sizeof(rights)),
		    names[i].urefs,
		    names[i].name == s->service ? "  (service port)" :
		    names[i].name == s->set ? "  (port set)" :
		    all_freed ? "  FAIL: left over" : "");
		if (all_freed && !known)
			s->errors++;
	}
	free(names);
}

/* The socket client: @opt_requests requests, each answered with an echo. */
static int sock_client_main(int sock)
{
	struct demo_payload req, rep;
	unsigned int seq;
	ssize_t n;

	snprintf(log_prefix, sizeof(log_prefix), "socket client [%d]:",
		 getpid());
	for (seq = 1; seq <= opt_requests; seq++) {
		payload_fill(&req, 0, seq, 0, 0, "socket request %u from pid %d",
			     seq, getpid());
		if (send(sock, &req, DEMO_PAYLOAD_HDR + req.text_len,
			 MSG_NOSIGNAL) < 0) {
			say("FAIL: send: %s", strerror(errno));
			return 1;
		}
		n = recv(sock, &rep, sizeof(rep), 0);
		if (n < (ssize_t)DEMO_PAYLOAD_HDR ||
		    n != (ssize_t)(DEMO_PAYLOAD_HDR + rep.text_len) ||
		    rep.text_len > DEMO_TEXT_MAX ||
		    rep.checksum != demo_checksum(&rep) || rep.seq != seq) {
			say("FAIL: bad reply to request %u", seq);
			return 1;
		}
		say("reply %u: %.*s", seq, (int)rep.text_len, rep.text);
	}
	close(sock);
	return 0;
}

/* Serve every request queued on the socket; close it at end of stream. */
static void server_sock_ready(struct server_ctx *s, int ep)
{
	struct sock_client *sc = &s->sc;
	struct demo_payload req, rep;
	ssize_t n;

	while (sc->sock >= 0) {
		n = recv(sc->sock, &req, sizeof(req), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (n < 0) {
				say("FAIL: socket recv: %s", strerror(errno));
				sc->errors++;
			}
			say("socket client closed its end after %u request(s)",
			    sc->requests);
			epoll_ctl(ep, EPOLL_CTL_DEL, sc->sock, NULL);
			close(sc->sock);
			sc->sock = -1;
			return;
		}
		if (n < (ssize_t)DEMO_PAYLOAD_HDR ||
		    req.text_len > DEMO_TEXT_MAX ||
		    n != (ssize_t)(DEMO_PAYLOAD_HDR + req.text_len) ||
		    req.checksum != demo_checksum(&req)) {
			say("FAIL: bad socket request");
			sc->errors++;
			continue;
		}
		sc->requests++;
		say("socket request %u: %.*s", req.seq, (int)req.text_len,
		    req.text);
		payload_fill(&rep, 0, req.seq, 0, 0,
			     "socket reply %u, from the same epoll loop",
			     req.seq);
		if (send(sc->sock, &rep, DEMO_PAYLOAD_HDR + rep.text_len,
			 MSG_NOSIGNAL) < 0) {
			say("FAIL: socket send: %s", strerror(errno));
			sc->errors++;
		}
	}
}

/* Receive and handle every message the set holds, without blocking. */
static int server_set_ready(struct server_ctx *s)
{
	static const struct timespec past = { 0, 0 };
	union demo_buf buf;

	for (;;) {
		size_t size = sizeof(buf);

		if (!machipc_receive(s->fd, s->set, &buf, &size, &past)) {
			server_handle(s, &buf, size);
			continue;
		}
		if (errno == ETIMEDOUT || errno == EINTR)
			return 0;
		say("FAIL: receive: %s", err_str(errno));
		s->errors++;
		return -1;
	}
}

static int server_main(void)
{
	static struct server_ctx s;
	struct machipc_version v;
	struct timespec end, now;
	unsigned int i, failed = 0;
	bool all_freed, sock_ok;
	int bootstrap_fd, ep, set_fd, sv[2];
	__u32 qlimit;

	snprintf(log_prefix, sizeof(log_prefix), "server [%d]:", getpid());
	s.fd = machipc_open();
	if (s.fd < 0) {
		say("cannot open %s: %s (is the machipc module loaded?)",
		    getenv("MACHIPC_DEVICE") ?: MACHIPC_DEVICE_PATH,
		    strerror(errno));
		return 1;
	}
	if (machipc_abi_version(s.fd, &v)) {
		say("FAIL: version: %s", err_str(errno));
		return 1;
	}
	say("machipc ABI %u (library built for %u), max_inline %u bytes",
	    v.abi_version, MACHIPC_ABI_VERSION, v.max_inline);
	if (v.abi_version != MACHIPC_ABI_VERSION) {
		say("FAIL: ABI mismatch");
		return 1;
	}

	if (machipc_port_allocate(s.fd, MACHIPC_RIGHT_PORT_SET, &s.set) ||
	    machipc_port_allocate(s.fd, MACHIPC_RIGHT_RECEIVE, &s.service) ||
	    machipc_port_move_member(s.fd, s.service, s.set)) {
		say("FAIL: allocate the port set and service port: %s",
		    err_str(errno));
		return 1;
	}
	qlimit = opt_clients > MACHIPC_QLIMIT_DEFAULT ?
		 opt_clients : MACHIPC_QLIMIT_DEFAULT;
	if (machipc_port_set_qlimit(s.fd, s.service, qlimit)) {
		say("FAIL: set qlimit %u: %s", qlimit, err_str(errno));
		return 1;
	}
	bootstrap_fd = machipc_bootstrap_export(s.fd, s.service,
						MACHIPC_DISP_MAKE_SEND, 0);
	if (bootstrap_fd < 0) {
		say("FAIL: export service send right: %s", err_str(errno));
		return 1;
	}
	say("service port 0x%x (%s), qlimit %u; send right exported as bootstrap fd %d",
	    s.service, rights_of(s.fd, s.service), qlimit, bootstrap_fd);
	say("the server receives on port set 0x%x (%s), holding the service port",
	    s.set, rights_of(s.fd, s.set));

	for (i = 0; i < opt_clients; i++) {
		struct demo_client *cl = &s.clients[i];
		pid_t pid;

		cl->doomed = opt_kill == (int)i + 1;
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			say("FAIL: fork: %s", strerror(errno));
			server_kill_clients(&s);
			server_reap(&s, true);
			return 1;
		}
		if (!pid)
			exit(client_main(i + 1, cl->doomed, s.fd,
					 bootstrap_fd));
		cl->pid = pid;
		say("started client %u: pid %d%s", i + 1, pid,
		    cl->doomed ? " (will be killed instead of saying bye)" : "");
	}
	/* The clients hold it now; the server needs no send right itself. */
	close(bootstrap_fd);

	/* One more client, on a plain UNIX socket: no machipc at all. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		say("FAIL: socketpair: %s", strerror(errno));
		return 1;
	}
	fflush(NULL);
	s.sc.pid = fork();
	if (s.sc.pid < 0) {
		say("FAIL: fork: %s", strerror(errno));
		return 1;
	}
	if (!s.sc.pid) {
		close(sv[0]);
		exit(sock_client_main(sv[1]));
	}
	close(sv[1]);
	s.sc.sock = sv[0];
	say("started the socket client: pid %d", s.sc.pid);

	/*
	 * One epoll set: the port set's readiness descriptor (requests and
	 * no-senders notifications all arrive on the set) and the socket.
	 */
	ep = epoll_create1(EPOLL_CLOEXEC);
	set_fd = ep < 0 ? -1 : machipc_epoll_add(ep, s.fd, s.set, EPOLLIN, 1);
	if (set_fd < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, s.sc.sock,
		      &(struct epoll_event){ .events = EPOLLIN,
					     .data.u64 = 2 })) {
		say("FAIL: epoll: %s", err_str(errno));
		return 1;
	}
	say("one epoll set watches port set 0x%x (readiness fd %d) and the socket",
	    s.set, set_fd);

	machipc_deadline_in(&end, opt_timeout * 1000L);
	while (!server_done(&s) || s.sc.sock >= 0) {
		struct epoll_event ev[2];
		int k, nev;

		nev = epoll_wait(ep, ev, 2, DEMO_TICK_MS);
		if (nev < 0 && errno != EINTR) {
			say("FAIL: epoll_wait: %s", strerror(errno));
			s.errors++;
			break;
		}
		for (k = 0; k < nev; k++) {
			if (ev[k].events & EPOLLHUP && ev[k].data.u64 == 1) {
				say("FAIL: the port set hung up");
				s.errors++;
			} else if (ev[k].data.u64 == 1) {
				server_set_ready(&s);
			} else {
				server_sock_ready(&s, ep);
			}
		}
		server_reap(&s, false);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) {
			say("FAIL: timed out after %u s with %u of %u clients' state freed",
			    opt_timeout, s.freed, opt_clients);
			s.errors++;
			break;
		}
	}

	all_freed = s.freed == opt_clients && !s.sessions;
	server_report(&s, all_freed);
	if (!all_freed)
		server_kill_clients(&s);
	server_reap(&s, true);
	close(set_fd);
	close(ep);
	if (s.sc.sock >= 0) {
		kill(s.sc.pid, SIGKILL);
		close(s.sc.sock);
	}
	if (waitpid(s.sc.pid, &s.sc.wstatus, 0) == s.sc.pid)
		s.sc.reaped = true;
	sock_ok = s.sc.reaped && WIFEXITED(s.sc.wstatus) &&
		  !WEXITSTATUS(s.sc.wstatus) && !s.sc.errors &&
		  s.sc.requests == opt_requests;
	say("socket client (pid %d): %u request(s): %s", s.sc.pid,
	    s.sc.requests, sock_ok ? "ok" : "FAILED");
	if (!sock_ok)
		failed++;
	/* Whatever is left (after a failure): free it, uncounted. */
	while (s.sessions) {
		struct demo_session *st = s.sessions;
		struct demo_client *cl = server_client(&s, st->client);

		say("FAIL: client %u's state was never freed by a no-senders notification",
		    st->client);
		if (cl) {
			cl->requests = st->requests;
			cl->errors += st->errors;
			cl->bye = st->bye;
		}
		s.sessions = st->next;
		machipc_port_destroy(s.fd, st->port);
		free(st);
	}

	for (i = 0; i < opt_clients; i++) {
		struct demo_client *cl = &s.clients[i];
		bool exit_ok = cl->doomed ?
			cl->killed && WIFSIGNALED(cl->wstatus) &&
			WTERMSIG(cl->wstatus) == SIGKILL :
			WIFEXITED(cl->wstatus) && WEXITSTATUS(cl->wstatus) == 0;
		bool ok = exit_ok && cl->freed == 1 && !cl->errors &&
			  cl->bye == !cl->doomed &&
			  cl->requests == opt_requests;

		if (!ok)
			failed++;
		say("client %u (pid %d): %u request(s), %s, state freed %u time(s) (make-send count %u), exit %s%d: %s",
		    i + 1, cl->pid, cl->requests,
		    cl->bye ? "said bye" : cl->killed ? "killed, no bye" :
		    "no bye",
		    cl->freed, cl->mscount,
		    WIFEXITED(cl->wstatus) ? "status " : "signal ",
		    WIFEXITED(cl->wstatus) ? WEXITSTATUS(cl->wstatus) :
					     WTERMSIG(cl->wstatus),
		    ok ? "ok" : "FAILED");
	}

	machipc_port_destroy(s.fd, s.service);
	machipc_port_destroy(s.fd, s.set);
	machipc_close(s.fd);

	if (failed || s.errors) {
		say("FAIL: %u client(s) failed, %u server error(s)", failed,
		    s.errors);
		return 1;
	}
	say("PASS: %u client(s) and a socket client, %u request(s) each, from one epoll loop, every checksum verified, every client's state freed once on no-senders",
	    opt_clients, opt_requests);
	return 0;
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [--clients N] [--requests M] [--kill K] [--timeout SEC]\n"
		"\n"
		"Runs a machipc RPC server and forks N client processes (default 3).\n"
		"Each client imports the service's send right from an inherited\n"
		"bootstrap descriptor and makes M requests (default 3).  The first\n"
		"registers: it carries a send right to the client's callback port,\n"
		"and the server answers with a callback and with a send right to a\n"
		"new session port, on which it requests a no-senders notification;\n"
		"the other requests go to the session port.  Then the client says\n"
		"bye and exits, except client K (default: the last one, if N > 1),\n"
		"which stops without bye and is killed with SIGKILL.  However a\n"
		"client goes, the kernel tells the server that its session port has\n"
		"no senders left, and only then does the server free the client's\n"
		"state and destroy the port.  Exits 0 only if every message and\n"
		"checksum was verified and every client's state was freed exactly\n"
		"once that way.  The server is one epoll loop, which also answers\n"
		"a client on a UNIX socket that makes M requests.\n"
		"\n"
		"  -c, --clients N    number of client processes (1-%d)\n"
		"  -r, --requests M   requests per client, register included (1-%d)\n"
		"  -k, --kill K       client to kill instead of letting it say bye\n"
		"                     (1-N; 0: none)\n"
		"  -t, --timeout SEC  give up after SEC seconds (default 30)\n"
		"  -h, --help         show this help\n"
		"\n"
		"The device is %s unless MACHIPC_DEVICE names another.\n",
		argv0, DEMO_MAX_CLIENTS, DEMO_MAX_REQUESTS, MACHIPC_DEVICE_PATH);
}

static bool parse_uint(const char *s, unsigned int min, unsigned int max,
		       unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clients", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'r' },
		{ "kill", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int kill_idx;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:r:k:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (!parse_uint(optarg, 1, DEMO_MAX_CLIENTS,
					&opt_clients))
				goto bad;
			break;
		case 'r':
			if (!parse_uint(optarg, 1, DEMO_MAX_REQUESTS,
					&opt_requests))
				goto bad;
			break;
		case 'k':
			if (!parse_uint(optarg, 0, DEMO_MAX_CLIENTS, &kill_idx))
				goto bad;
			opt_kill = kill_idx;
			break;
		case 't':
			if (!parse_uint(optarg, 1, 3600, &opt_timeout))
				goto bad;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (opt_kill < 0)
		opt_kill = opt_clients > 1 ? (int)opt_clients : 0;
	if ((unsigned int)opt_kill > opt_clients) {
		fprintf(stderr, "%s: --kill %d: there are only %u client(s)\n",
			argv[0], opt_kill, opt_clients);
		return 2;
	}
	return server_main();

bad:
	fprintf(stderr, "%s: invalid value '%s' for -%c\n", argv[0], optarg,
		opt);
	usage(stderr, argv[0]);
	return 2;
}
