// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench: fan-in, after XNU's MPMMtest: N client processes send requests
 * to one single-threaded server process, which checks each one and
 * replies; each client waits for its reply before the next request.
 *
 * machipc: the server holds one receive right per client, all in one port
 * set, and receives on the set; each client has a send right to its own
 * port (a bootstrap descriptor) and calls machipc_rpc() with a
 * MAKE_SEND_ONCE reply right.  The server replies and receives the next
 * request in one call.
 *
 * machipc-epoll: the same, but the server waits in epoll_wait() on the
 * port set's readiness descriptor (MACHIPC_IOC_POLL_FD), as an event loop
 * serving sockets too would; it then receives without blocking, and
 * replies and receives the next request in one call until the set is
 * empty (ETIMEDOUT), when it goes back to epoll_wait().
 *
 * UNIX seqpacket: one socket pair per client; the server waits in
 * epoll_wait() and serves every ready socket (recv, check, send).
 *
 * The batch runs for opts.fanin_seconds from a common start; each client
 * counts its round trips and records their latencies in shared memory.
 *
 * The threads benchmark uses the same clients with other server layouts
 * (enum fanin_layout): one process serving each stream on a thread of its
 * own (machipc: one port per stream in one space; seqpacket: a blocking
 * recv/send loop per socket), against one single-threaded process per
 * stream.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "machipc.h"
#include "ipcbench.h"

#define FANIN_MAX_CLIENTS	16
#define FANIN_LAT_TOTAL		(1u << 19)	/* samples, all clients */
#define MSGID_FANIN		0x2000
#define MSGID_BYE		0x2001
#define HDR_SIZE		sizeof(struct machipc_msg_header)

struct fanin_slot {
	u64 count;
	u64 nlat;
	u64 lat[];
};

struct fanin_shared {
	u32 ready;		/* clients ready to start */
	u32 go;			/* 1: start */
	u32 stop;		/* 1: stop after the current round trip */
	u32 pad;
};

struct fanin_ctx {
	const struct fanin_peer *peer;
	enum fanin_layout layout;
	unsigned int n;
	size_t size;
	size_t cap;		/* latency samples per client */
	size_t slot_bytes;
	struct fanin_shared *sh;
	size_t sh_bytes;
	int cfd[FANIN_MAX_CLIENTS];	/* per client: bootstrap fd / socket */
	int sfd[FANIN_MAX_CLIENTS];	/* seqpacket: server ends */
	int ctl[2];			/* machipc: a server's bootstrap fds */
	unsigned int id;		/* in a client: its index */
	/* In a server process: it serves clients first .. first + nserve - 1. */
	unsigned int first, nserve;
	int space;			/* machipc: the server's space */
	bool epoll;			/* machipc: wait in epoll_wait() */
	u32 port[FANIN_MAX_CLIENTS];	/* machipc: the port of client first + i */
};

static void close_all(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Server processes of the layout: one per stream, or one for all. */
static unsigned int nservers(const struct fanin_ctx *x)
{
	return x->layout == FANIN_PROCS ? x->n : 1;
}

/* Before forking server @k: the clients it serves. */
static void server_range(struct fanin_ctx *x, unsigned int k)
{
	x->first = nservers(x) == 1 ? 0 : k;
	x->nserve = nservers(x) == 1 ? x->n : 1;
}

struct serve_thread {
	pthread_t tid;
	struct fanin_ctx *x;
	unsigned int i;
	int (*serve)(struct fanin_ctx *x, unsigned int i);
};

static void *serve_thread_main(void *arg)
{
	struct serve_thread *t = arg;

	/* A failed stream fails the whole server process. */
	if (t->serve(t->x, t->i))
		_exit(1);
	return NULL;
}

/*
 * Serve the process's streams, each on a thread of its own: stream i
 * (0 <= i < nserve) by @serve; the calling thread serves stream 0.
 */
static int serve_threads(struct fanin_ctx *x,
			 int (*serve)(struct fanin_ctx *x, unsigned int i))
{
	struct serve_thread t[FANIN_MAX_CLIENTS];
	unsigned int i;
	int ret;

	for (i = 1; i < x->nserve; i++) {
		t[i].x = x;
		t[i].i = i;
		t[i].serve = serve;
		ret = pthread_create(&t[i].tid, NULL, serve_thread_main, &t[i]);
		if (ret) {
			warnx_("pthread_create: %s", strerror(ret));
			return -1;
		}
	}
	ret = serve(x, 0);
	for (i = 1; i < x->nserve; i++)
		pthread_join(t[i].tid, NULL);
	return ret;
}

static struct fanin_slot *slot_of(struct fanin_ctx *x, unsigned int i)
{
	return (struct fanin_slot *)((char *)(x->sh + 1) + i * x->slot_bytes);
}

/* Per-client state of either peer. */
struct fanin_client {
	struct payload req;
	void *rep;
	size_t rep_cap;
	int space;		/* machipc */
	u32 port, reply_port;
	void *msg;
	int sock;		/* seqpacket */
};

/* ------------------------------------------------------------------ */
/* The common client loop                                              */
/* ------------------------------------------------------------------ */

static int client_loop(struct fanin_ctx *x, struct fanin_client *cl,
		       int (*call)(struct fanin_ctx *x,
				   struct fanin_client *cl, u64 seq))
{
	struct fanin_slot *slot = slot_of(x, x->id);
	struct fanin_shared *sh = x->sh;
	u64 seq, t0, t1;

	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_RELEASE);
	futex_wake(&sh->ready, 1);
	while (!__atomic_load_n(&sh->go, __ATOMIC_ACQUIRE))
		futex_wait(&sh->go, 0, NULL);

	for (seq = 0; !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED); seq++) {
		t0 = now_ns();
		if (call(x, cl, seq))
			return -1;
		t1 = now_ns();
		if (slot->nlat < x->cap)
			slot->lat[slot->nlat++] = t1 - t0;
		slot->count++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* machipc                                                             */
/* ------------------------------------------------------------------ */

/* Serve requests on @name (a port or a port set) until @nbyes byes. */
static int mfan_serve(struct fanin_ctx *x, u32 name, unsigned int nbyes)
{
	struct machipc_msg_args args;
	struct machipc_msg_header *h;
	size_t cap = MACHIPC_RCV_SPACE(HDR_SIZE + x->size), got = cap;
	void *buf[2] = { xmalloc(cap), xmalloc(cap) };
	unsigned int byes = 0;
	int cur = 0, ret = -1;
	u64 seq;

	if (machipc_receive(x->space, name, buf[cur], &got, NULL))
		goto fail;
	for (;;) {
		h = buf[cur];
		if (h->id == MSGID_BYE) {
			if (++byes == nbyes)
				break;
			got = cap;
			if (machipc_receive(x->space, name, buf[cur], &got,
					    NULL))
				goto fail;
			continue;
		}
		if (h->id != MSGID_FANIN || h->size != HDR_SIZE + x->size ||
		    got != cap ||
		    payload_verify((char *)h + HDR_SIZE, x->size, &seq)) {
			bad_payload("machipc fan-in server", 0);
			goto out;
		}
		h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE,
					    MACHIPC_DISP_NONE);
		h->local_name = MACHIPC_NAME_NULL;
		machipc_msg_args_init(&args, h, name, buf[!cur], cap,
				      NULL, NULL);
		if (machipc_msg(x->space, &args))
			goto fail;
		got = args.rcv_size;
		cur = !cur;
	}
	ret = 0;
	goto out;
fail:
	warnx_("machipc fan-in server: %s", machipc_strerror(errno));
out:
	free(buf[0]);
	free(buf[1]);
	return ret;
}

/*
 * The event-loop server: epoll_wait() on the set's readiness descriptor,
 * then receive without blocking (deadline 0, long past) and reply and
 * receive together until nothing is queued.
 */
static int mfan_serve_epoll(struct fanin_ctx *x, u32 set, unsigned int nbyes)
{
	static const struct timespec past = { 0, 0 };
	struct machipc_msg_args args;
	struct machipc_msg_header *h;
	struct epoll_event ev;
	size_t cap = MACHIPC_RCV_SPACE(HDR_SIZE + x->size), got;
	void *buf[2] = { xmalloc(cap), xmalloc(cap) };
	unsigned int byes = 0;
	int cur = 0, ret = -1, ep, pfd = -1;
	bool have = false;
	u64 seq;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		goto fail;
	pfd = machipc_epoll_add(ep, x->space, set, EPOLLIN, 0);
	if (pfd < 0)
		goto fail;
	for (;;) {
		if (!have) {
			if (epoll_wait(ep, &ev, 1, -1) < 0) {
				if (errno == EINTR)
					continue;
				goto fail;
			}
			got = cap;
			if (machipc_receive(x->space, set, buf[cur], &got,
					    &past)) {
				if (errno == ETIMEDOUT)
					continue;
				goto fail;
			}
			have = true;
		}
		h = buf[cur];
		if (h->id == MSGID_BYE) {
			if (++byes == nbyes)
				break;
			have = false;
			continue;
		}
		if (h->id != MSGID_FANIN || h->size != HDR_SIZE + x->size ||
		    got != cap ||
		    payload_verify((char *)h + HDR_SIZE, x->size, &seq)) {
			bad_payload("machipc-epoll fan-in server", 0);
			goto out;
		}
		h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE,
					    MACHIPC_DISP_NONE);
		h->local_name = MACHIPC_NAME_NULL;
		machipc_msg_args_init(&args, h, set, buf[!cur], cap,
				      NULL, &past);
		if (machipc_msg(x->space, &args)) {
			/* Replied (the kernel cleared SEND), nothing queued. */
			if (errno == ETIMEDOUT &&
			    !(args.flags & MACHIPC_MSG_SEND)) {
				have = false;
				continue;
			}
			goto fail;
		}
		got = args.rcv_size;
		cur = !cur;
	}
	ret = 0;
	goto out;
fail:
	warnx_("machipc-epoll fan-in server: %s", machipc_strerror(errno));
out:
	if (pfd >= 0)
		close(pfd);
	if (ep >= 0)
		close(ep);
	free(buf[0]);
	free(buf[1]);
	return ret;
}

static int mfan_serve_port(struct fanin_ctx *x, unsigned int i)
{
	return mfan_serve(x, x->port[i], 1);
}

/*
 * One space, a port per client served (all in one port set with
 * FANIN_SET), their send rights exported to the driver as bootstrap fds.
 */
static int mfan_server(void *arg)
{
	struct fanin_ctx *x = arg;
	int fds[FANIN_MAX_CLIENTS];
	unsigned int i;
	u32 set = MACHIPC_NAME_NULL;
	int ret;

	close_all(x->cfd, x->first);	/* the servers before this one's */
	x->space = machipc_open();
	if (x->space < 0 ||
	    (x->layout == FANIN_SET &&
	     machipc_port_allocate(x->space, MACHIPC_RIGHT_PORT_SET, &set)))
		goto fail;
	for (i = 0; i < x->nserve; i++) {
		if (machipc_port_allocate(x->space, MACHIPC_RIGHT_RECEIVE,
					  &x->port[i]) ||
		    (set && machipc_port_move_member(x->space, x->port[i],
						     set)))
			goto fail;
		fds[i] = machipc_bootstrap_export(x->space, x->port[i],
						  MACHIPC_DISP_MAKE_SEND, 0);
		if (fds[i] < 0)
			goto fail;
	}
	if (send_fds(x->ctl[1], fds, x->nserve))
		goto fail;
	for (i = 0; i < x->nserve; i++)
		close(fds[i]);

	if (set && x->epoll)
		ret = mfan_serve_epoll(x, set, x->nserve);
	else if (set)
		ret = mfan_serve(x, set, x->nserve);
	else
		ret = serve_threads(x, mfan_serve_port);
	machipc_close(x->space);
	return ret;
fail:
	warnx_("machipc fan-in server: %s", machipc_strerror(errno));
	return -1;
}

static int mfan_call(struct fanin_ctx *x, struct fanin_client *cl, u64 seq)
{
	size_t got = cl->rep_cap;
	const struct machipc_msg_header *h = cl->rep;

	payload_stamp(&cl->req, seq);
	if (machipc_rpc(cl->space, cl->msg, cl->reply_port, cl->rep, &got,
			NULL, NULL)) {
		warnx_("machipc fan-in client: %s", machipc_strerror(errno));
		return -1;
	}
	if (h->id != MSGID_FANIN || got != cl->rep_cap ||
	    payload_check((char *)cl->rep + HDR_SIZE, x->size, seq))
		return bad_payload("machipc fan-in client", seq);
	return 0;
}

static int mfan_client(void *arg)
{
	struct fanin_ctx *x = arg;
	struct fanin_client cl;
	struct machipc_msg_builder b;
	size_t cap = HDR_SIZE + x->size;
	__u64 bye[HDR_SIZE / 8];
	int ret;

	memset(&cl, 0, sizeof(cl));
	cl.rep_cap = MACHIPC_RCV_SPACE(cap);
	cl.rep = xmalloc(cl.rep_cap);
	cl.msg = xmalloc(cap);
	cl.space = machipc_open();
	if (cl.space < 0 ||
	    machipc_bootstrap_import(cl.space, x->cfd[x->id], &cl.port) ||
	    machipc_port_allocate(cl.space, MACHIPC_RIGHT_RECEIVE,
				  &cl.reply_port) ||
	    machipc_msg_init(&b, cl.msg, cap, cl.port, MACHIPC_DISP_COPY_SEND,
			     cl.reply_port, MACHIPC_DISP_MAKE_SEND_ONCE,
			     MSGID_FANIN) ||
	    machipc_msg_add_data(&b, cl.rep, x->size)) {
		warnx_("machipc fan-in client: %s", machipc_strerror(errno));
		return -1;
	}
	payload_init(&cl.req, (char *)cl.msg + HDR_SIZE, x->size,
		     0xc11e47 + x->id);
	ret = client_loop(x, &cl, mfan_call);
	if (machipc_msg_init(&b, bye, sizeof(bye), cl.port,
			     MACHIPC_DISP_COPY_SEND, MACHIPC_NAME_NULL,
			     MACHIPC_DISP_NONE, MSGID_BYE) ||
	    machipc_send(cl.space, bye, NULL)) {
		warnx_("machipc fan-in client: bye: %s",
		       machipc_strerror(errno));
		ret = -1;
	}
	machipc_close(cl.space);
	return ret;
}

/* Fork the servers, collect their bootstrap descriptors in client order. */
static int mfan_start(struct fanin_ctx *x, pid_t *server)
{
	unsigned int k;
	int ret;

	for (k = 0; k < nservers(x); k++) {
		server_range(x, k);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, x->ctl))
			die("socketpair: %s", strerror(errno));
		server[k] = spawn(mfan_server, x);
		close(x->ctl[1]);
		ret = recv_fds(x->ctl[0], x->cfd + x->first, x->nserve);
		close(x->ctl[0]);
		if (ret) {
			warnx_("machipc fan-in: server never became ready: %s",
			       strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* UNIX seqpacket: epoll (fan-in), or a blocking loop per stream       */
/* ------------------------------------------------------------------ */

static int sfan_epoll(struct fanin_ctx *x)
{
	struct epoll_event ev[FANIN_MAX_CLIENTS];
	void *buf = xmalloc(x->size + 8);
	size_t wire = x->size ? x->size : 1;
	unsigned int i, open = x->n;
	int ep, k, nev;
	ssize_t r;
	u64 seq;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	for (i = 0; i < x->n; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.fd = x->sfd[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, x->sfd[i], &e))
			return -1;
	}
	while (open) {
		nev = epoll_wait(ep, ev, FANIN_MAX_CLIENTS, -1);
		if (nev < 0 && errno == EINTR)
			continue;
		if (nev < 0)
			return -1;
		for (k = 0; k < nev; k++) {
			int fd = ev[k].data.fd;

			r = recv(fd, buf, wire, MSG_DONTWAIT);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				open--;
				continue;
			}
			if (r != (ssize_t)wire ||
			    payload_verify(buf, x->size, &seq))
				return bad_payload("seqpacket fan-in server", 0);
			if (send(fd, buf, wire, MSG_NOSIGNAL) != r)
				return -1;
		}
	}
	return 0;
}

/* One stream, blocking: receive, check, echo, until the client closes. */
static int sfan_serve_socket(struct fanin_ctx *x, unsigned int i)
{
	int fd = x->sfd[x->first + i];
	size_t wire = x->size ? x->size : 1;
	void *buf = xmalloc(wire + 8);
	ssize_t r;
	u64 seq;
	int ret = -1;

	for (;;) {
		r = recv(fd, buf, wire, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r ? -1 : 0;
			break;
		}
		if (r != (ssize_t)wire || payload_verify(buf, x->size, &seq)) {
			bad_payload("seqpacket server", 0);
			break;
		}
		if (send(fd, buf, wire, MSG_NOSIGNAL) != r)
			break;
	}
	free(buf);
	return ret;
}

static int sfan_server(void *arg)
{
	struct fanin_ctx *x = arg;
	unsigned int i;

	close_all(x->cfd, x->n);
	for (i = 0; i < x->n; i++)
		if (i < x->first || i >= x->first + x->nserve)
			close(x->sfd[i]);
	if (x->layout == FANIN_SET)
		return sfan_epoll(x);
	return serve_threads(x, sfan_serve_socket);
}

static int sfan_call(struct fanin_ctx *x, struct fanin_client *cl, u64 seq)
{
	size_t wire = x->size ? x->size : 1;

	payload_stamp(&cl->req, seq);
	if (send(cl->sock, cl->req.buf, wire, MSG_NOSIGNAL) != (ssize_t)wire) {
		warnx_("seqpacket fan-in client: %s", strerror(errno));
		return -1;
	}
	if (recv(cl->sock, cl->rep, wire, 0) != (ssize_t)wire ||
	    payload_check(cl->rep, x->size, seq))
		return bad_payload("seqpacket fan-in client", seq);
	return 0;
}

static int sfan_client(void *arg)
{
	struct fanin_ctx *x = arg;
	struct fanin_client cl;
	unsigned int i;
	int ret;

	memset(&cl, 0, sizeof(cl));
	cl.sock = x->cfd[x->id];
	for (i = 0; i < x->n; i++) {
		close(x->sfd[i]);
		if (i != x->id)
			close(x->cfd[i]);
	}
	cl.rep = xmalloc(x->size + 8);
	payload_init(&cl.req, xmalloc(x->size + 8), x->size,
		     0xc11e47 + x->id);
	ret = client_loop(x, &cl, sfan_call);
	close(cl.sock);
	return ret;
}

static int sfan_start(struct fanin_ctx *x, pid_t *server)
{
	unsigned int i;
	int sv[2];

	for (i = 0; i < x->n; i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
			warnx_("socketpair: %s", strerror(errno));
			return -1;
		}
		x->cfd[i] = sv[0];
		x->sfd[i] = sv[1];
	}
	for (i = 0; i < nservers(x); i++) {
		server_range(x, i);
		server[i] = spawn(sfan_server, x);
	}
	close_all(x->sfd, x->n);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The driver                                                          */
/* ------------------------------------------------------------------ */

/* Sum the context switches of @n processes; false if one is unreadable. */
static bool csw_sum(const pid_t *pids, unsigned int n, struct csw *sum)
{
	struct csw c;
	unsigned int i;

	sum->vol = sum->invol = 0;
	for (i = 0; i < n; i++) {
		if (csw_read(pids[i], &c))
			return false;
		sum->vol += c.vol;
		sum->invol += c.invol;
	}
	return true;
}

static int fanin_run(const struct fanin_peer *peer, unsigned int n,
		     enum fanin_layout layout, struct fanin_result *res)
{
	bool is_machipc = peer == &fanin_machipc ||
			  peer == &fanin_machipc_epoll;
	pid_t server[FANIN_MAX_CLIENTS], clients[FANIN_MAX_CLIENTS];
	struct csw c0 = { 0 }, c1 = { 0 }, s0 = { 0 }, s1 = { 0 };
	struct timespec pause;
	struct fanin_ctx x;
	unsigned int i;
	u64 t0 = 0, t1 = 0;
	int ret = 0;
	u32 r;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	if (n > FANIN_MAX_CLIENTS)
		die("at most %d fan-in clients", FANIN_MAX_CLIENTS);
	x.peer = peer;
	x.epoll = peer == &fanin_machipc_epoll;
	x.layout = layout;
	x.n = n;
	x.size = opts.fanin_size;
	x.cap = FANIN_LAT_TOTAL / n;
	x.slot_bytes = sizeof(struct fanin_slot) + x.cap * sizeof(u64);
	x.sh_bytes = sizeof(*x.sh) + n * x.slot_bytes;
	x.sh = shared_alloc(x.sh_bytes);
	for (i = 0; i < FANIN_MAX_CLIENTS; i++) {
		x.cfd[i] = x.sfd[i] = -1;
		server[i] = -1;
	}

	if (is_machipc ? mfan_start(&x, server) : sfan_start(&x, server)) {
		for (i = 0; i < nservers(&x); i++)
			if (server[i] > 0)
				kill(server[i], SIGKILL);
		ret = -1;
		goto out_server;
	}
	for (i = 0; i < n; i++) {
		x.id = i;
		clients[i] = spawn(is_machipc ? mfan_client : sfan_client, &x);
	}
	close_all(x.cfd, n);

	/* Everyone ready, then go. */
	while ((r = __atomic_load_n(&x.sh->ready, __ATOMIC_ACQUIRE)) < n)
		futex_wait(&x.sh->ready, r, NULL);
	/* /proc/PID/status counts a process's main thread only. */
	res->has_csw = layout != FANIN_THREADS &&
		       csw_sum(server, nservers(&x), &s0) &&
		       csw_sum(clients, n, &c0);
	t0 = now_ns();
	__atomic_store_n(&x.sh->go, 1, __ATOMIC_RELEASE);
	futex_wake(&x.sh->go, FANIN_MAX_CLIENTS);
	pause.tv_sec = (time_t)opts.fanin_seconds;
	pause.tv_nsec = (long)((opts.fanin_seconds - (double)pause.tv_sec) *
			       1e9);
	while (nanosleep(&pause, &pause) && errno == EINTR)
		;
	__atomic_store_n(&x.sh->stop, 1, __ATOMIC_RELEASE);
	t1 = now_ns();
	/* Read before the reaping; a few calls past the stop count too. */
	res->has_csw = res->has_csw && csw_sum(clients, n, &c1) &&
		       csw_sum(server, nservers(&x), &s1);
	if (res->has_csw) {
		res->cli.vol = c1.vol - c0.vol;
		res->cli.invol = c1.invol - c0.invol;
		res->srv.vol = s1.vol - s0.vol;
		res->srv.invol = s1.invol - s0.invol;
	}

	for (i = 0; i < n; i++)
		if (reap(clients[i], "fan-in client"))
			ret = -1;
out_server:
	close_all(x.cfd, n);
	close_all(x.sfd, n);
	for (i = 0; i < nservers(&x); i++)
		if (server[i] > 0 && reap(server[i], "fan-in server"))
			ret = -1;

	if (!ret) {
		size_t k = 0;

		for (i = 0; i < n; i++) {
			res->messages += slot_of(&x, i)->count;
			res->nlat += slot_of(&x, i)->nlat;
		}
		res->lat = xmalloc(res->nlat * sizeof(u64));
		for (i = 0; i < n; i++) {
			struct fanin_slot *s = slot_of(&x, i);

			memcpy(res->lat + k, s->lat, s->nlat * sizeof(u64));
			k += s->nlat;
		}
		res->seconds = (double)(t1 - t0) / 1e9;
		res->msgs_per_sec = (double)res->messages / res->seconds;
		res->ok = true;
	}
	shared_free(x.sh, x.sh_bytes);
	return ret;
}

static int fanin_machipc_run(unsigned int n, enum fanin_layout layout,
			     struct fanin_result *res)
{
	return fanin_run(&fanin_machipc, n, layout, res);
}

static int fanin_machipc_epoll_run(unsigned int n, enum fanin_layout layout,
				   struct fanin_result *res)
{
	return fanin_run(&fanin_machipc_epoll, n, layout, res);
}

static int fanin_seqpacket_run(unsigned int n, enum fanin_layout layout,
			       struct fanin_result *res)
{
	return fanin_run(&fanin_seqpacket, n, layout, res);
}

const struct fanin_peer fanin_machipc = {
	.name = "machipc",
	.probe = machipc_probe_reason,
	.run = fanin_machipc_run,
};

/* The fan-in layout only (see NTPEERS in ipcbench.c). */
const struct fanin_peer fanin_machipc_epoll = {
	.name = "machipc-epoll",
	.probe = machipc_probe_reason,
	.run = fanin_machipc_epoll_run,
};

const struct fanin_peer fanin_seqpacket = {
	.name = "unix-seqpacket",
	.run = fanin_seqpacket_run,
};
