// SPDX-License-Identifier: GPL-2.0
/*
 * machipc-demo: one server, N client processes, Mach-style RPC.
 *
 * The parent is the server.  It opens a space, allocates the service port
 * (a receive right) and exports a send right to it as a bootstrap file
 * descriptor, which the clients inherit across fork().  Each client opens
 * its own space (the inherited space descriptor is the server's and gives
 * EBADFD in the child), imports the bootstrap descriptor to get a send
 * right to the service, and makes RPCs: a request with inline data and a
 * make-send-once reply right, received in the same call.  One request also
 * carries a send right to the client's callback port; the server sends a
 * callback message through it before replying.  Finally each client says
 * "bye", echoing the callback's token, and learns from the reply whether
 * the server saw any mismatch.
 *
 * Every payload carries the client number, a sequence number and a
 * checksum; both sides check them, and the sender's pid from the trailer.
 * The program exits 0 only if every check passed in every process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "machipc.h"

#define DEMO_MSG_HELLO		0x1000	/* request: reply right, data */
#define DEMO_MSG_REGISTER	0x1001	/* request: + callback send right */
#define DEMO_MSG_BYE		0x1002	/* request: last one of a client */
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

struct demo_client {
	pid_t pid;
	unsigned int requests;		/* verified requests */
	__u32 token;			/* callback token sent, or 0 */
	unsigned int errors;		/* mismatches seen by the server */
	bool bye;
	bool reaped;
	int wstatus;
};

static unsigned int opt_clients = 3;
static unsigned int opt_requests = 3;
static unsigned int opt_timeout = 30;	/* seconds */

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

/* Build a message: header, an optional port descriptor, then a payload. */
static int msg_build(union demo_buf *buf, __u32 remote, __u32 remote_disp,
		     __u32 local, __u32 local_disp, __u32 id,
		     __u32 port, __u32 port_disp,
		     const struct demo_payload *p)
{
	struct machipc_msg_builder b;

	if (machipc_msg_init(&b, buf, DEMO_MSG_MAX, remote, remote_disp,
			     local, local_disp, id))
		return -1;
	if (port && machipc_msg_add_port(&b, port, port_disp))
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
	int fd;
	__u32 service;
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

/* One RPC to the service; returns the reply's status field, or -1. */
static long client_rpc(struct client_ctx *c, __u32 id, __u32 seq,
		       bool with_callback)
{
	union demo_buf req, rep;
	struct demo_payload p, r;
	size_t size = sizeof(rep);

	if (id == DEMO_MSG_BYE)
		payload_fill(&p, c->idx, seq, c->token, 0,
			     "bye from client %u", c->idx);
	else
		payload_fill(&p, c->idx, seq, 0, 0,
			     "hello from client %u, request %u", c->idx, seq);

	if (msg_build(&req, c->service, MACHIPC_DISP_COPY_SEND,
		      c->reply_port, MACHIPC_DISP_MAKE_SEND_ONCE, id,
		      with_callback ? c->callback_port : 0,
		      MACHIPC_DISP_MAKE_SEND, &p)) {
		client_fail(c, "build %s: %s", msg_id_name(id), err_str(errno));
		return -1;
	}
	if (machipc_rpc(c->fd, &req, c->reply_port, &rep, &size,
			&c->deadline, &c->deadline)) {
		client_fail(c, "rpc %s #%u: %s", msg_id_name(id), seq,
			    err_str(errno));
		return -1;
	}
	if (!client_check(c, &rep, size, DEMO_MSG_REPLY, c->reply_port, &r))
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
	return r.status;
}

static int client_main(unsigned int idx, int server_fd, int bootstrap_fd)
{
	struct client_ctx c = { .idx = idx };
	struct machipc_version v;
	unsigned int seq, register_seq = (opt_requests + 1) / 2;
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

	for (seq = 1; seq <= opt_requests; seq++) {
		bool reg = seq == register_seq;

		if (client_rpc(&c, reg ? DEMO_MSG_REGISTER : DEMO_MSG_HELLO,
			       seq, reg) < 0)
			continue;
		if (reg)
			client_receive_callback(&c);
	}

	status = client_rpc(&c, DEMO_MSG_BYE, opt_requests + 1, false);
	if (status > 0)
		client_fail(&c, "server saw %ld mismatch(es) from this client",
			    status);

	machipc_close(c.fd);
	say("%s", c.errors ? "done with errors" : "done, all replies verified");
	return c.errors || status ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Server                                                             */
/* ------------------------------------------------------------------ */

struct server_ctx {
	int fd;
	__u32 service;
	struct demo_client clients[DEMO_MAX_CLIENTS];
	unsigned int finished;	/* clients that said bye or died */
	unsigned int errors;	/* server-side mismatches not tied to a client */
};

static struct demo_client *server_client(struct server_ctx *s, __u32 idx)
{
	if (idx < 1 || idx > opt_clients)
		return NULL;
	return &s->clients[idx - 1];
}

static int server_send(struct server_ctx *s, __u32 remote, __u32 disp,
		       __u32 id, const struct demo_payload *p)
{
	union demo_buf buf;
	struct timespec dl;

	machipc_deadline_in(&dl, 5000);
	if (msg_build(&buf, remote, disp, 0, MACHIPC_DISP_NONE, id, 0, 0, p) ||
	    machipc_send(s->fd, &buf, &dl)) {
		say("FAIL: send %s to 0x%x: %s", msg_id_name(id), remote,
		    err_str(errno));
		/* A failed send changed nothing: drop the right ourselves. */
		machipc_port_deallocate(s->fd, remote);
		return -1;
	}
	return 0;
}

/* Deallocate rights a request brought that the server will not use. */
static void server_drop_rights(struct server_ctx *s, const void *msg,
			       bool reply_too)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_desc *d;
	unsigned int i;

	if (reply_too && hdr->remote_name)
		machipc_port_deallocate(s->fd, hdr->remote_name);
	for (i = 0; (d = machipc_msg_desc(msg, i)); i++)
		if (d->name != MACHIPC_NAME_NULL &&
		    d->name != MACHIPC_NAME_DEAD)
			machipc_port_deallocate(s->fd, d->name);
}

/* REGISTER: the request carries a send right to the client's callback port. */
static void server_callback(struct server_ctx *s, const void *msg,
			    struct demo_client *cl, const struct demo_payload *req)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_desc *d = machipc_msg_desc(msg, 0);
	struct demo_payload p;

	if (hdr->desc_count != 1 || !(hdr->bits & MACHIPC_MSGH_COMPLEX) || !d ||
	    d->type != MACHIPC_DESC_PORT ||
	    d->disposition != MACHIPC_DISP_MOVE_SEND ||
	    d->name == MACHIPC_NAME_DEAD || d->name == MACHIPC_NAME_NULL) {
		say("FAIL: register from client %u without a callback send right",
		    req->client);
		cl->errors++;
		return;
	}
	say("  port descriptor: callback send right 0x%x (%s, arrived %s)",
	    d->name, rights_of(s->fd, d->name),
	    machipc_disp_string(d->disposition));

	cl->token = 0xc0de0000U | (req->client << 8) | (req->seq & 0xff);
	payload_fill(&p, req->client, 0, cl->token, 0,
		     "callback for client %u from server pid %d", req->client,
		     getpid());
	/* Move the send right back out: the server's space keeps nothing. */
	if (server_send(s, d->name, MACHIPC_DISP_MOVE_SEND, DEMO_MSG_CALLBACK,
			&p)) {
		cl->errors++;
		return;
	}
	say("  sent callback token 0x%08x to 0x%x (move-send)", cl->token,
	    d->name);
}

static void server_handle(struct server_ctx *s, const void *msg, size_t size)
{
	const struct machipc_msg_header *hdr = machipc_msg_header(msg);
	const struct machipc_msg_trailer *tr;
	__u32 reply = hdr->remote_name;
	__u32 reply_disp = MACHIPC_MSGH_REMOTE(hdr->bits);
	struct demo_client *cl;
	struct demo_payload p, r;
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
	why = payload_get(msg, &p);
	cl = why ? NULL : server_client(s, p.client);

	say("#%llu %s from pid %d uid %u gid %u: \"%.*s\" (request %u, %s)",
	    (unsigned long long)tr->seqno, msg_id_name(hdr->id), tr->pid,
	    tr->uid, tr->gid, why ? 0 : (int)p.text_len, p.text, p.seq,
	    why ? why : "checksum ok");
	say("  reply right 0x%x (%s, arrived %s)", reply,
	    reply ? rights_of(s->fd, reply) : "none",
	    machipc_disp_string(reply_disp));

	if (!cl) {
		/* Nobody to answer: drop what came with the message. */
		say("FAIL: request from an unknown client (%s)",
		    why ? why : "bad client number");
		s->errors++;
		server_drop_rights(s, msg, true);
		return;
	}
	if (tr->pid != cl->pid || (tr->flags & MACHIPC_TRAILER_KERNEL) ||
	    hdr->local_name != s->service) {
		say("FAIL: client %u is pid %d, trailer says pid %d flags 0x%x, port 0x%x",
		    p.client, cl->pid, tr->pid, tr->flags, hdr->local_name);
		cl->errors++;
	}

	if (hdr->id != DEMO_MSG_REGISTER && hdr->desc_count) {
		say("FAIL: %s carries %u unexpected descriptor(s)",
		    msg_id_name(hdr->id), hdr->desc_count);
		cl->errors++;
		server_drop_rights(s, msg, false);
	}

	switch (hdr->id) {
	case DEMO_MSG_HELLO:
		cl->requests++;
		payload_fill(&r, p.client, p.seq, 0, 0, "ack #%u: %.*s",
			     p.seq, (int)p.text_len, p.text);
		break;
	case DEMO_MSG_REGISTER:
		cl->requests++;
		/* The callback goes out before the reply. */
		server_callback(s, msg, cl, &p);
		payload_fill(&r, p.client, p.seq, 0, 0,
			     "ack #%u: callback sent", p.seq);
		break;
	case DEMO_MSG_BYE:
		if (p.token != cl->token) {
			say("FAIL: client %u echoed token 0x%08x, sent 0x%08x",
			    p.client, p.token, cl->token);
			cl->errors++;
		}
		if (!cl->bye) {
			cl->bye = true;
			s->finished++;
		}
		payload_fill(&r, p.client, p.seq, cl->token, cl->errors,
			     "goodbye client %u: %u request(s), %u error(s)",
			     p.client, cl->requests, cl->errors);
		break;
	default:
		say("FAIL: unknown message id 0x%x", hdr->id);
		cl->errors++;
		server_drop_rights(s, msg, true);
		return;
	}

	if (reply_disp != MACHIPC_DISP_MOVE_SEND_ONCE || !reply) {
		say("FAIL: request without a send-once reply right");
		cl->errors++;
		if (reply)
			machipc_port_deallocate(s->fd, reply);
		return;
	}
	if (server_send(s, reply, MACHIPC_DISP_MOVE_SEND_ONCE, DEMO_MSG_REPLY,
			&r))
		cl->errors++;
}

/* Reap clients that exited; those that never said bye count as failed. */
static void server_reap(struct server_ctx *s, bool block)
{
	unsigned int i;

	for (i = 0; i < opt_clients; i++) {
		struct demo_client *cl = &s->clients[i];
		pid_t pid;

		if (cl->reaped || cl->pid <= 0)
			continue;
		pid = waitpid(cl->pid, &cl->wstatus, block ? 0 : WNOHANG);
		if (pid != cl->pid)
			continue;
		cl->reaped = true;
		if (!cl->bye) {
			say("FAIL: client %u (pid %d) exited without bye",
			    i + 1, cl->pid);
			cl->errors++;
			s->finished++;
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

static void server_report(struct server_ctx *s)
{
	struct machipc_port_attr attr;
	struct machipc_name_info *names;
	size_t count, i;
	char rights[64];

	if (!machipc_port_get_attributes(s->fd, s->service, &attr))
		say("service port 0x%x: seqno %llu, queued %u, qlimit %u, make-send count %u, send rights %u, send-once rights %u",
		    s->service, (unsigned long long)attr.seqno, attr.msgcount,
		    attr.qlimit, attr.mscount, attr.srights, attr.sorights);
	else
		say("FAIL: get attributes of 0x%x: %s", s->service,
		    err_str(errno));

	if (machipc_port_names(s->fd, &names, &count)) {
		say("FAIL: list names: %s", err_str(errno));
		s->errors++;
		return;
	}
	say("server space holds %zu name(s):", count);
	for (i = 0; i < count; i++)
		say("  0x%08x  %-16s urefs %u", names[i].name,
		    machipc_right_string(names[i].rights, rights,
					 sizeof(rights)),
		    names[i].urefs);
	free(names);
}

static int server_main(void)
{
	static struct server_ctx s;
	struct machipc_version v;
	struct timespec end, now;
	union demo_buf buf;
	unsigned int i, failed = 0;
	int bootstrap_fd;
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

	if (machipc_port_allocate(s.fd, MACHIPC_RIGHT_RECEIVE, &s.service)) {
		say("FAIL: allocate service port: %s", err_str(errno));
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

	for (i = 0; i < opt_clients; i++) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			say("FAIL: fork: %s", strerror(errno));
			server_kill_clients(&s);
			server_reap(&s, true);
			return 1;
		}
		if (!pid)
			exit(client_main(i + 1, s.fd, bootstrap_fd));
		s.clients[i].pid = pid;
		say("started client %u: pid %d", i + 1, pid);
	}
	/* The clients hold it now; the server needs no send right itself. */
	close(bootstrap_fd);

	machipc_deadline_in(&end, opt_timeout * 1000L);
	while (s.finished < opt_clients) {
		struct timespec tick;
		size_t size = sizeof(buf);

		machipc_deadline_in(&tick, DEMO_TICK_MS);
		if (!machipc_receive(s.fd, s.service, &buf, &size, &tick)) {
			server_handle(&s, &buf, size);
			continue;
		}
		if (errno != ETIMEDOUT && errno != EINTR) {
			say("FAIL: receive: %s", err_str(errno));
			s.errors++;
			break;
		}
		server_reap(&s, false);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) {
			say("FAIL: timed out after %u s with %u of %u clients done",
			    opt_timeout, s.finished, opt_clients);
			s.errors++;
			break;
		}
	}

	server_report(&s);
	if (s.finished < opt_clients)
		server_kill_clients(&s);
	server_reap(&s, true);

	for (i = 0; i < opt_clients; i++) {
		struct demo_client *cl = &s.clients[i];
		bool ok = cl->bye && !cl->errors && WIFEXITED(cl->wstatus) &&
			  WEXITSTATUS(cl->wstatus) == 0;

		if (!ok)
			failed++;
		say("client %u (pid %d): %u request(s), %s, exit %s%d: %s",
		    i + 1, cl->pid, cl->requests,
		    cl->bye ? "said bye" : "no bye",
		    WIFEXITED(cl->wstatus) ? "status " : "signal ",
		    WIFEXITED(cl->wstatus) ? WEXITSTATUS(cl->wstatus) :
					     WTERMSIG(cl->wstatus),
		    ok ? "ok" : "FAILED");
	}

	machipc_port_destroy(s.fd, s.service);
	machipc_close(s.fd);

	if (failed || s.errors) {
		say("FAIL: %u client(s) failed, %u server error(s)", failed,
		    s.errors);
		return 1;
	}
	say("PASS: %u client(s), %u request(s) each, every checksum verified",
	    opt_clients, opt_requests);
	return 0;
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [--clients N] [--requests M] [--timeout SEC]\n"
		"\n"
		"Runs a machipc RPC server and forks N client processes (default 3).\n"
		"Each client imports the service's send right from an inherited\n"
		"bootstrap descriptor, makes M requests (default 3), one of them\n"
		"carrying a send right to its callback port, and says bye.\n"
		"Exits 0 only if every message and checksum was verified.\n"
		"\n"
		"  -c, --clients N    number of client processes (1-%d)\n"
		"  -r, --requests M   requests per client (1-%d)\n"
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
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:r:t:h", opts, NULL)) != -1) {
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
	return server_main();

bad:
	fprintf(stderr, "%s: invalid value '%s' for -%c\n", argv[0], optarg,
		opt);
	usage(stderr, argv[0]);
	return 2;
}
