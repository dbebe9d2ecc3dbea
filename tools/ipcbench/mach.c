// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench peer "mach_msg": the machipc RPC of peers.c written against the
 * Mach API (libmach), as a Mach program would: one mach_msg() per side and
 * round trip, a MAKE_SEND_ONCE reply port, inline data.  Beside the raw
 * "machipc" row it shows what the library costs.
 *
 * Rendezvous without a name server: before the server is forked, the
 * client makes a port of its own the bootstrap port
 * (task_set_special_port); the forked server inherits it as its
 * bootstrap_port and sends the send right of its service port there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mach/mach.h>

#include "ipcbench.h"

#define MSGID_REQUEST	0x2000
#define MSGID_QUIT	0x2001
#define MSGID_HELLO	0x2002

/* Room for a Mach header, the largest payload and any trailer. */
static size_t mach_buf_size(size_t size)
{
	return sizeof(mach_msg_header_t) + ((size + 7) & ~(size_t)7) +
	       sizeof(mach_msg_max_trailer_t);
}

static const char *mach_size_ok(size_t size)
{
	/* libmach wraps each message in an envelope: leave it room. */
	if (size + 256 > machipc_max_payload)
		return "larger than an inline mach_msg";
	return NULL;
}

static const char *mach_probe(void)
{
	return machipc_probe_reason();
}

static const char *mach_err(kern_return_t kr)
{
	return mach_error_string(kr);
}

/* In the client, before the fork: the rendezvous port. */
static int mach_setup(struct chan *c, size_t size)
{
	mach_port_t task = mach_task_self(), p;

	(void)size;
	if (mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(task, p, p, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_special_port(task, TASK_BOOTSTRAP_PORT, p)) {
		errno = EPROTO;
		return -1;
	}
	c->service = MACH_PORT_NULL;
	c->reply_port = p;	/* until client_init: the rendezvous port */
	return 0;
}

static int mach_server(struct chan *c, size_t size)
{
	mach_port_t task = mach_task_self(), port;
	size_t cap = mach_buf_size(size);
	mach_msg_header_t *h = xmalloc(cap);
	struct {
		mach_msg_header_t h;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t port;
	} hello;
	mach_msg_return_t mr;
	mach_msg_size_t len;
	u64 seq;

	if (mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port)) {
		warnx_("mach_msg server: mach_port_allocate failed");
		return -1;
	}
	memset(&hello, 0, sizeof(hello));
	hello.h.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0,
					       MACH_MSGH_BITS_COMPLEX);
	hello.h.msgh_size = sizeof(hello);
	hello.h.msgh_remote_port = bootstrap_port;
	hello.h.msgh_id = MSGID_HELLO;
	hello.body.msgh_descriptor_count = 1;
	hello.port.type = MACH_MSG_PORT_DESCRIPTOR;
	hello.port.name = port;
	hello.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
	mr = mach_msg(&hello.h, MACH_SEND_MSG, sizeof(hello), 0,
		      MACH_PORT_NULL, 0, MACH_PORT_NULL);
	if (mr || chan_ready(c, NULL, 0)) {
		warnx_("mach_msg server: hello: %s", mach_err(mr));
		return -1;
	}

	mr = mach_msg(h, MACH_RCV_MSG, 0, (mach_msg_size_t)cap, port, 0,
		      MACH_PORT_NULL);
	for (seq = 0; !mr; seq++) {
		if (h->msgh_id == MSGID_QUIT)
			return 0;
		len = h->msgh_size - (mach_msg_size_t)sizeof(*h);
		if (h->msgh_id != MSGID_REQUEST || len < size ||
		    payload_check(h + 1, size, seq))
			return bad_payload("mach_msg server", seq);
		/* The same bytes back through the send-once right. */
		h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
		h->msgh_local_port = MACH_PORT_NULL;
		mr = mach_msg(h, MACH_SEND_MSG | MACH_RCV_MSG, h->msgh_size,
			      (mach_msg_size_t)cap, port, 0, MACH_PORT_NULL);
	}
	warnx_("mach_msg server: %s at message %llu", mach_err(mr),
	       (unsigned long long)seq);
	return -1;
}

static int mach_client_init(struct chan *c, size_t size)
{
	mach_port_t task = mach_task_self();
	size_t cap = mach_buf_size(size);
	struct {
		mach_msg_header_t h;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t port;
		mach_msg_max_trailer_t trailer;
	} hello;
	mach_msg_header_t *req;
	mach_msg_return_t mr;

	if (chan_wait_ready(c, NULL, 0))
		return -1;
	mr = mach_msg(&hello.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
		      sizeof(hello), c->reply_port, 10000, MACH_PORT_NULL);
	if (mr || hello.h.msgh_id != MSGID_HELLO) {
		warnx_("mach_msg client: hello: %s", mach_err(mr));
		return -1;
	}
	c->service = hello.port.name;
	/* The rendezvous port becomes the reply port. */
	c->mbuf[0] = req = xmalloc(cap);
	c->mbuf[1] = xmalloc(cap);
	memset(req, 0, sizeof(*req));
	req->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					MACH_MSG_TYPE_MAKE_SEND_ONCE);
	req->msgh_size = (mach_msg_size_t)(sizeof(*req) + ((size + 7) & ~7));
	req->msgh_remote_port = c->service;
	req->msgh_local_port = c->reply_port;
	req->msgh_id = MSGID_REQUEST;
	payload_init(&c->req, req + 1, size, 0x5eed + size);
	(void)task;
	return 0;
}

static int mach_call(struct chan *c, u64 seq)
{
	mach_msg_header_t *req = c->mbuf[0], *rep = c->mbuf[1];
	size_t cap = mach_buf_size(c->size);
	mach_msg_return_t mr;

	payload_stamp(&c->req, seq);
	/* mach_msg() rewrites nothing of a sent message but on failure. */
	req->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					MACH_MSG_TYPE_MAKE_SEND_ONCE);
	req->msgh_remote_port = c->service;
	req->msgh_local_port = c->reply_port;
	mr = mach_msg_overwrite(req, MACH_SEND_MSG | MACH_RCV_MSG,
				req->msgh_size, (mach_msg_size_t)cap,
				c->reply_port, 0, MACH_PORT_NULL, rep, 0);
	if (mr) {
		warnx_("mach_msg client: %s", mach_err(mr));
		return -1;
	}
	if (rep->msgh_id != MSGID_REQUEST ||
	    payload_check(rep + 1, c->size, seq))
		return bad_payload("mach_msg client", seq);
	return 0;
}

static int mach_stop(struct chan *c)
{
	mach_msg_header_t quit;
	mach_msg_return_t mr = MACH_SEND_INVALID_DEST;

	if (MACH_PORT_VALID(c->service)) {
		memset(&quit, 0, sizeof(quit));
		quit.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
		quit.msgh_size = sizeof(quit);
		quit.msgh_remote_port = c->service;
		quit.msgh_id = MSGID_QUIT;
		mr = mach_msg(&quit, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
			      sizeof(quit), 0, MACH_PORT_NULL, 10000,
			      MACH_PORT_NULL);
		if (mr)
			warnx_("mach_msg client: quit: %s", mach_err(mr));
	}
	return mr ? -1 : 0;
}

static void mach_teardown(struct chan *c)
{
	mach_port_t task = mach_task_self();

	task_set_special_port(task, TASK_BOOTSTRAP_PORT, MACH_PORT_NULL);
	if (MACH_PORT_VALID(c->service))
		mach_port_deallocate(task, c->service);
	if (MACH_PORT_VALID(c->reply_port))
		mach_port_destroy(task, c->reply_port);
	free(c->mbuf[0]);
	free(c->mbuf[1]);
	c->mbuf[0] = c->mbuf[1] = NULL;
}

const struct rpc_peer peer_mach_msg = {
	.name = "mach_msg",
	.copies = "the machipc row through libmach's mach_msg(): the same "
		  "copies, plus the library's translation of each message "
		  "between Mach's and machipc's layouts",
	.probe = mach_probe,
	.size_ok = mach_size_ok,
	.setup = mach_setup,
	.server = mach_server,
	.client_init = mach_client_init,
	.call = mach_call,
	.stop = mach_stop,
	.teardown = mach_teardown,
};
