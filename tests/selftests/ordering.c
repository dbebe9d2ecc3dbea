// SPDX-License-Identifier: GPL-2.0
/*
 * ordering: FIFO order and exactly-once delivery under concurrency, and the
 * double-fetch (XNU OOL TOCTOU) class.
 *
 * fifo_exactly_once: several sender processes (each its own space, the send
 * rights reaching it through bootstrap descriptors), each with several
 * threads, send many messages carrying (sender, port, sequence number,
 * checksum) to several ports of one port set; several receiver threads of
 * the owning process receive from the set.  Every message must arrive
 * exactly once, in order per (sender, port), intact, with the trailer's
 * sequence numbers 0, 1, 2, ... per port and the sender's pid.
 *
 * double_fetch_rewrite: a thread rewrites the header and descriptors of a
 * message buffer in a tight loop while another sends that buffer again and
 * again.  Every send must fail with a documented errno or deliver a
 * self-consistent message whose rights are all valid; afterwards the right
 * counters of every port involved must match what the receiver saw.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

#define TRL	sizeof(struct machipc_msg_trailer)
#define HDR	sizeof(struct machipc_msg_header)
#define DSC	sizeof(struct machipc_msg_desc)

static __u32 xorshift(__u32 *s)
{
	__u32 x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x ? x : 0x9e3779b9u;
}

FIXTURE(none) {};
FIXTURE_SETUP(none) {}
FIXTURE_TEARDOWN(none) {}

/* ------------------------------------------------------------------ */
/* FIFO and exactly once                                              */
/* ------------------------------------------------------------------ */

#define NPORTS		4
#define NPROCS		3
#define NTHREADS	2
#define NSENDERS	(NPROCS * NTHREADS)
#define MAXFILL		200

struct payload {
	__u32 sender;
	__u32 port;	/* index 0..NPORTS-1 */
	__u32 seq;	/* per (sender, port) */
	__u32 len;	/* filler bytes */
	__s32 pid;
	__u32 csum;	/* over the fields above and the filler */
	unsigned char fill[];
};

static __u32 payload_csum(const struct payload *p)
{
	__u32 h = mt_fnv(p, offsetof(struct payload, csum));

	return h ^ mt_fnv(p->fill, p->len);
}

struct sender_ctx {
	int fd;
	__u32 names[NPORTS];
	__u32 sender;
	long nmsg;
	int err;		/* first errno seen */
	long failed_at;
};

static void *sender_thread(void *arg)
{
	struct sender_ctx *c = arg;
	__u32 seq[NPORTS] = { 0 };
	__u32 rnd = 0x12345 + c->sender * 7919;
	__u64 buf[64];
	unsigned char pbuf[sizeof(struct payload) + MAXFILL];
	struct payload *p = (void *)pbuf;
	long i;

	for (i = 0; i < c->nmsg; i++) {
		struct machipc_msg_builder b;
		__u32 k = xorshift(&rnd) % NPORTS, j;

		p->sender = c->sender;
		p->port = k;
		p->seq = seq[k]++;
		p->len = xorshift(&rnd) % (MAXFILL + 1);
		p->pid = getpid();
		for (j = 0; j < p->len; j++)
			p->fill[j] = (unsigned char)(p->seq * 13 + j * 7 +
						     c->sender);
		p->csum = payload_csum(p);
		if (machipc_msg_init(&b, buf, sizeof(buf), c->names[k],
				     MACHIPC_DISP_COPY_SEND, 0,
				     MACHIPC_DISP_NONE, 0x100 + c->sender) ||
		    machipc_msg_add_data(&b, p, sizeof(*p) + p->len) ||
		    machipc_send(c->fd, buf, NULL)) {
			c->err = errno;
			c->failed_at = i;
			return NULL;
		}
	}
	return NULL;
}

static int sender_process(int *bfds, __u32 first_sender, long nmsg)
{
	struct sender_ctx ctx[NTHREADS];
	pthread_t th[NTHREADS];
	__u32 names[NPORTS];
	int fd, i, k, rc = 0;

	fd = machipc_open();
	if (fd < 0)
		return 10;
	for (k = 0; k < NPORTS; k++) {
		if (machipc_bootstrap_import(fd, bfds[k], &names[k]))
			return 11;
		close(bfds[k]);
	}
	for (i = 0; i < NTHREADS; i++) {
		ctx[i].fd = fd;
		memcpy(ctx[i].names, names, sizeof(names));
		ctx[i].sender = first_sender + i;
		ctx[i].nmsg = nmsg;
		ctx[i].err = 0;
		if (pthread_create(&th[i], NULL, sender_thread, &ctx[i]))
			return 12;
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		if (ctx[i].err) {
			fprintf(stderr, "sender %u: send %ld failed: %s\n",
				ctx[i].sender, ctx[i].failed_at,
				strerror(ctx[i].err));
			rc = 13;
		}
	}
	return rc;
}

struct rec {
	__u32 filled;
	__u32 sender;
	__u32 seq;
};

struct rcv_shared {
	int fd;
	__u32 set;
	__u32 ports[NPORTS];
	long total;
	atomic_long received;
	atomic_long last_progress_ms;
	struct rec *rec[NPORTS];	/* indexed by trailer seqno */
	pthread_mutex_t lock;
	char err[256];			/* first problem seen */
};

static void rcv_fail(struct rcv_shared *s, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (!s->err[0]) {
		va_start(ap, fmt);
		vsnprintf(s->err, sizeof(s->err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&s->lock);
}

static void *receiver_thread(void *arg)
{
	struct rcv_shared *s = arg;
	__u64 buf[128];

	while (atomic_load(&s->received) < s->total && !s->err[0]) {
		const struct machipc_msg_header *h = (void *)buf;
		const struct machipc_msg_trailer *t;
		const struct payload *p;
		size_t size = sizeof(buf), dlen;
		struct timespec dl;
		struct rec *r;
		int k;

		machipc_deadline_in(&dl, 200);
		if (machipc_receive(s->fd, s->set, buf, &size, &dl)) {
			if (errno == ETIMEDOUT) {
				if (mt_now_ns() / 1000000 -
				    atomic_load(&s->last_progress_ms) > 120000)
					rcv_fail(s, "no message for 120 s after %ld",
						 atomic_load(&s->received));
				continue;
			}
			rcv_fail(s, "receive: %s", strerror(errno));
			break;
		}
		atomic_store(&s->last_progress_ms, mt_now_ns() / 1000000);
		t = machipc_msg_trailer(buf);
		p = machipc_msg_data(buf, &dlen);
		if (size != h->size + TRL || !p || dlen < sizeof(*p) ||
		    h->desc_count || h->bits) {
			rcv_fail(s, "bad message: size %zu hsize %u bits %#x",
				 size, h->size, h->bits);
			break;
		}
		if (p->port >= NPORTS || p->sender >= NSENDERS ||
		    p->len > MAXFILL || dlen < sizeof(*p) + p->len ||
		    payload_csum(p) != p->csum) {
			rcv_fail(s, "corrupt payload sender %u port %u seq %u",
				 p->sender, p->port, p->seq);
			break;
		}
		k = p->port;
		if (h->local_name != s->ports[k] || h->id != 0x100 + p->sender) {
			rcv_fail(s, "sender %u seq %u for port %d arrived on %#x id %#x",
				 p->sender, p->seq, k, h->local_name, h->id);
			break;
		}
		if (t->pid != p->pid || t->uid != getuid() || t->flags) {
			rcv_fail(s, "trailer pid %d uid %u flags %u, sender pid %d",
				 t->pid, t->uid, t->flags, p->pid);
			break;
		}
		if (t->seqno >= (__u64)s->total) {
			rcv_fail(s, "seqno %llu out of range",
				 (unsigned long long)t->seqno);
			break;
		}
		r = &s->rec[k][t->seqno];
		if (__atomic_exchange_n(&r->filled, 1, __ATOMIC_ACQ_REL)) {
			rcv_fail(s, "port %d seqno %llu delivered twice", k,
				 (unsigned long long)t->seqno);
			break;
		}
		r->sender = p->sender;
		r->seq = p->seq;
		atomic_fetch_add(&s->received, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(none, fifo_exactly_once, 600)
{
	long nmsg = mt_scaled(1500, 50);
	struct rcv_shared s;
	pthread_t rth[3];
	pid_t pids[NPROCS];
	int bfds[NPORTS], i, k;
	__u32 next[NPORTS][NSENDERS];
	struct machipc_port_attr a;
	long per_port[NPORTS] = { 0 }, sum = 0;

	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.lock, NULL);
	s.total = nmsg * NSENDERS;
	s.fd = machipc_open();
	ASSERT_LE(0, s.fd);
	s.set = mt_alloc(s.fd, MACHIPC_RIGHT_PORT_SET);
	ASSERT_NE(0, s.set);
	for (k = 0; k < NPORTS; k++) {
		s.ports[k] = mt_alloc(s.fd, MACHIPC_RIGHT_RECEIVE);
		ASSERT_NE(0, s.ports[k]);
		/* small queues: the senders also exercise backpressure */
		ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(s.fd, s.ports[k],
							    3 + 4 * k)));
		ASSERT_EQ(0, MT_ERR(machipc_port_move_member(s.fd, s.ports[k],
							     s.set)));
		bfds[k] = machipc_bootstrap_export(s.fd, s.ports[k],
						   MACHIPC_DISP_MAKE_SEND, 0);
		ASSERT_LE(0, bfds[k]);
		s.rec[k] = calloc(s.total, sizeof(struct rec));
		ASSERT_NE(NULL, s.rec[k]);
	}
	atomic_store(&s.last_progress_ms, mt_now_ns() / 1000000);

	for (i = 0; i < NPROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			close(s.fd);
			_exit(sender_process(bfds, i * NTHREADS, nmsg));
		}
	}
	for (k = 0; k < NPORTS; k++)
		close(bfds[k]);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&rth[i], NULL, receiver_thread, &s));
	for (i = 0; i < 3; i++)
		pthread_join(rth[i], NULL);
	for (i = 0; i < NPROCS; i++)
		EXPECT_EQ(0, mt_wait(pids[i])) TH_LOG("sender process %d", i);
	ASSERT_EQ(0, s.err[0]) TH_LOG("%s", s.err);
	ASSERT_EQ(s.total, atomic_load(&s.received));

	/* per port: seqnos 0..n-1 all present, per sender seq 0,1,2,... */
	memset(next, 0, sizeof(next));
	for (k = 0; k < NPORTS; k++) {
		long n;

		ASSERT_EQ(0, mt_attr(s.fd, s.ports[k], &a));
		EXPECT_EQ(0, a.msgcount);
		/* the senders' spaces are gone: no send right is left */
		EXPECT_EQ(0, a.srights);
		EXPECT_EQ(0, a.sorights);
		EXPECT_EQ(1, a.mscount);	/* one MAKE_SEND export; imports copy */
		n = (long)a.seqno;
		per_port[k] = n;
		sum += n;
		for (i = 0; i < n && i < s.total; i++) {
			struct rec *r = &s.rec[k][i];

			ASSERT_TRUE(r->filled) TH_LOG("port %d seqno %d missing", k, i);
			ASSERT_EQ(next[k][r->sender], r->seq)
				TH_LOG("port %d seqno %d: sender %u seq %u, expected %u",
				       k, i, r->sender, r->seq, next[k][r->sender]);
			next[k][r->sender]++;
		}
		for (; i < s.total; i++)
			ASSERT_FALSE(s.rec[k][i].filled)
				TH_LOG("port %d seqno %d beyond port seqno %ld", k, i, n);
	}
	EXPECT_EQ(s.total, sum) TH_LOG("ports: %ld %ld %ld %ld", per_port[0],
				      per_port[1], per_port[2], per_port[3]);
	for (i = 0; i < NSENDERS; i++) {
		long got = 0;

		for (k = 0; k < NPORTS; k++)
			got += next[k][i];
		EXPECT_EQ(nmsg, got) TH_LOG("sender %d", i);
	}
	for (k = 0; k < NPORTS; k++)
		free(s.rec[k]);
	close(s.fd);
}

/* ------------------------------------------------------------------ */
/* Double fetch                                                       */
/* ------------------------------------------------------------------ */

#define DF_NDESC	4
#define DF_DATA		64
#define DF_FULL		(HDR + DF_NDESC * DSC + DF_DATA)
#define DF_BUF		(DF_FULL + 8)	/* sizes up to DF_FULL + 8 are sent */
#define DF_PATTERN	0xa5
#define DF_BOGUS	0x7fff0001u
#define DF_U0		2000

struct df_shared {
	int s, r, t;		/* sender, receiver, third space */
	__u32 sp;		/* s: send right to p */
	__u32 p;		/* r: the destination */
	__u32 q;		/* s: send right (DF_U0 urefs) to tq, held in t */
	__u32 tq;		/* t: receive right of q */
	__u32 z;		/* s: receive right that may be moved */
	__u32 dn;		/* s: a dead name */
	__u32 ps;		/* s: a port set */
	__u64 msg[DF_BUF / 8];
	atomic_int stop;	/* mutator */
	atomic_int sender_done;
	long sends, ok;
	long by_errno[256];
	int bad_errno;
	/* what the receiver saw */
	long received;
	long so_destroyed;	/* send-once rights received and destroyed */
	__u32 send_names[8];	/* distinct names of received send rights */
	int nsend_names;
	__u32 z_in_r;		/* r's name of z's receive right, or 0 */
	long z_moves;
	__u64 next_seqno;
	long ndesc_hist[DF_NDESC + 1];
	char err[256];
};

static void df_store(__u32 *field, __u32 v)
{
	__atomic_store_n(field, v, __ATOMIC_RELAXED);
}

static void df_init_msg(struct df_shared *d)
{
	struct machipc_msg_header *h = (void *)d->msg;
	struct machipc_msg_desc *desc = (void *)(h + 1);
	int i;

	memset(d->msg, DF_PATTERN, sizeof(d->msg));
	h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND, 0) |
		  MACHIPC_MSGH_COMPLEX;
	h->size = DF_FULL;
	h->remote_name = d->sp;
	h->local_name = 0;
	h->id = 0x4242;
	h->desc_count = DF_NDESC;
	h->reserved = 0;
	for (i = 0; i < DF_NDESC; i++) {
		memset(&desc[i], 0, sizeof(desc[i]));
		desc[i].type = MACHIPC_DESC_PORT;
		desc[i].disposition = MACHIPC_DISP_COPY_SEND;
		desc[i].name = d->q;
	}
}

static void *df_mutator(void *arg)
{
	struct df_shared *d = arg;
	struct machipc_msg_header *h = (void *)d->msg;
	struct machipc_msg_desc *desc = (void *)(h + 1);
	static const __u32 remote_disps[] = {
		MACHIPC_DISP_COPY_SEND, MACHIPC_DISP_COPY_SEND,
		MACHIPC_DISP_COPY_SEND, MACHIPC_DISP_COPY_SEND,
		MACHIPC_DISP_MAKE_SEND, MACHIPC_DISP_MOVE_RECEIVE, 0,
	};
	static const __u32 sizes[] = {
		DF_FULL, DF_FULL, DF_FULL, HDR + 2 * DSC, HDR + 3 * DSC, HDR,
		DF_FULL + 8, 12,
	};
	static const __u32 disps[] = {
		MACHIPC_DISP_COPY_SEND, MACHIPC_DISP_COPY_SEND,
		MACHIPC_DISP_MOVE_SEND, MACHIPC_DISP_MAKE_SEND,
		MACHIPC_DISP_MAKE_SEND_ONCE, MACHIPC_DISP_MOVE_RECEIVE,
		MACHIPC_DISP_MOVE_SEND_ONCE, 0, 9,
	};
	__u32 rnd = 0xdecafbad;

	while (!atomic_load_explicit(&d->stop, memory_order_relaxed)) {
		__u32 r = xorshift(&rnd), i = (r >> 8) % DF_NDESC;
		__u32 names[] = { d->q, d->q, d->z, d->dn, d->ps, DF_BOGUS, 0 };
		__u32 nd;

		if ((r >> 29) & 1) {
			/* put one field back to a valid value */
			static const __u32 vdisp[] = {
				MACHIPC_DISP_COPY_SEND, MACHIPC_DISP_MOVE_SEND,
				MACHIPC_DISP_MAKE_SEND, MACHIPC_DISP_MAKE_SEND_ONCE,
				MACHIPC_DISP_MOVE_RECEIVE,
			};
			__u32 v = (r >> 12) % ARRAY_LEN(vdisp);

			switch (r % 6) {
			case 0:
				df_store(&h->size, DF_FULL);
				break;
			case 1:
				df_store(&h->remote_name, d->sp);
				break;
			case 2:
				df_store(&h->bits, MACHIPC_MSGH_BITS(
					 MACHIPC_DISP_COPY_SEND, 0) |
					 MACHIPC_MSGH_COMPLEX);
				df_store(&h->local_name, 0);
				break;
			case 3:
				df_store(&h->desc_count, 1 + (r >> 12) % DF_NDESC);
				break;
			default:
				df_store(&desc[i].type, MACHIPC_DESC_PORT);
				df_store(&desc[i].disposition, vdisp[v]);
				df_store(&desc[i].name, v < 2 ? d->q : d->z);
				break;
			}
			continue;
		}
		switch (r % 8) {
		case 0: {
			__u32 local_disp = 0, local = 0;

			switch ((r >> 12) % 4) {
			case 1:
				local_disp = MACHIPC_DISP_MAKE_SEND_ONCE;
				local = d->z;
				break;
			case 2:
				local_disp = MACHIPC_DISP_COPY_SEND;
				local = d->q;
				break;
			case 3:
				local_disp = MACHIPC_DISP_MOVE_SEND;
				local = d->q;
				break;
			}
			nd = __atomic_load_n(&h->desc_count, __ATOMIC_RELAXED);
			df_store(&h->bits,
				 MACHIPC_MSGH_BITS(remote_disps[(r >> 16) %
						ARRAY_LEN(remote_disps)], local_disp) |
				 ((nd || (r >> 20) % 8 == 0) &&
				  (r >> 24) % 8 ? MACHIPC_MSGH_COMPLEX : 0));
			if ((r >> 28) % 4)
				df_store(&h->local_name, local);
			break;
		}
		case 1:
			df_store(&h->size, sizes[(r >> 8) % ARRAY_LEN(sizes)]);
			break;
		case 2:
			df_store(&h->remote_name, (r >> 8) % 6 ? d->sp : DF_BOGUS);
			break;
		case 3:
			nd = (r >> 12) % 7;	/* 5 and 6 overrun into data */
			df_store(&h->desc_count, nd);
			nd = __atomic_load_n(&h->bits, __ATOMIC_RELAXED);
			if ((r >> 20) % 8)
				df_store(&h->bits, (r >> 12) % 7 ?
					 nd | MACHIPC_MSGH_COMPLEX :
					 nd & ~MACHIPC_MSGH_COMPLEX);
			break;
		case 4:
		case 5:
			df_store(&desc[i].disposition,
				 disps[(r >> 12) % ARRAY_LEN(disps)]);
			break;
		case 6:
			df_store(&desc[i].name,
				 names[(r >> 12) % ARRAY_LEN(names)]);
			break;
		case 7:
			/*
			 * An invalid type: 2 was one until out-of-line
			 * descriptors took it, and then a zero-length
			 * out-of-line region made the receive fail EMSGSIZE.
			 */
			df_store(&desc[i].type, (r >> 12) % 16 ?
				 MACHIPC_DESC_PORT : MACHIPC_DESC_LAST + 1);
			break;
		}
	}
	return NULL;
}

static void *df_sender(void *arg)
{
	struct df_shared *d = arg;
	long n = mt_scaled(20000, 500), i;

	for (i = 0; i < n; i++) {
		struct machipc_msg_args a;
		struct timespec dl;

		memset(&a, 0, sizeof(a));
		machipc_deadline_in(&dl, 2000);
		a.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_SEND_TIMEOUT;
		a.send_msg = (uintptr_t)d->msg;
		a.send_size = __atomic_load_n(&((struct machipc_msg_header *)
						d->msg)->size, __ATOMIC_RELAXED);
		a.send_deadline = machipc_timespec_to_ns(&dl);
		d->sends++;
		if (machipc_msg(d->s, &a) == 0) {
			d->ok++;
			continue;
		}
		if (errno > 0 && errno < 256)
			d->by_errno[errno]++;
		switch (errno) {
		case EINVAL: case ENOENT: case EACCES: case E2BIG:
		case EPIPE: case ETIMEDOUT:
			break;
		default:
			if (!d->bad_errno)
				d->bad_errno = errno;
		}
	}
	atomic_store(&d->sender_done, 1);
	return NULL;
}

static void df_note_send_name(struct df_shared *d, __u32 name)
{
	int i;

	for (i = 0; i < d->nsend_names; i++)
		if (d->send_names[i] == name)
			return;
	if (d->nsend_names < (int)ARRAY_LEN(d->send_names))
		d->send_names[d->nsend_names++] = name;
}

/* Check one received right; returns 0 or -1 with d->err set. */
static int df_check_right(struct df_shared *d, __u32 disp, __u32 name,
			  const char *where)
{
	__u32 rights = 0;
	int err;

	if (name == 0 || name == MACHIPC_NAME_DEAD) {
		snprintf(d->err, sizeof(d->err), "%s: name %#x", where, name);
		return -1;
	}
	err = mt_info(d->r, name, &rights, NULL);
	if (err) {
		snprintf(d->err, sizeof(d->err), "%s: name_info(%#x): %s",
			 where, name, strerror(err));
		return -1;
	}
	switch (disp) {
	case MACHIPC_DISP_MOVE_SEND:
		if (!(rights & MACHIPC_RIGHT_SEND))
			break;
		df_note_send_name(d, name);
		return 0;
	case MACHIPC_DISP_MOVE_SEND_ONCE:
		if (rights != MACHIPC_RIGHT_SEND_ONCE)
			break;
		/* destroy it: a send-once notification goes to z */
		if (machipc_port_deallocate(d->r, name)) {
			snprintf(d->err, sizeof(d->err), "%s: deallocate: %s",
				 where, strerror(errno));
			return -1;
		}
		d->so_destroyed++;
		return 0;
	case MACHIPC_DISP_MOVE_RECEIVE:
		if (!(rights & MACHIPC_RIGHT_RECEIVE))
			break;
		if (d->z_in_r && d->z_in_r != name)
			break;
		d->z_in_r = name;
		d->z_moves++;
		return 0;
	}
	snprintf(d->err, sizeof(d->err), "%s: disposition %u name %#x rights %#x",
		 where, disp, name, rights);
	return -1;
}

/* Receive and check one message from p; 1 when none is there. */
static int df_receive_one(struct df_shared *d, long ms)
{
	__u64 buf[(DF_BUF + TRL) / 8 + 8];
	const struct machipc_msg_header *h = (void *)buf;
	const struct machipc_msg_desc *desc = (void *)(h + 1);
	const struct machipc_msg_trailer *t;
	const unsigned char *data = (const unsigned char *)buf;
	size_t size = sizeof(buf), off;
	struct timespec dl;
	__u32 i, rdisp;

	machipc_deadline_in(&dl, ms);
	if (machipc_receive(d->r, d->p, buf, &size, &dl)) {
		if (errno == ETIMEDOUT)
			return 1;
		snprintf(d->err, sizeof(d->err), "receive: %s (size %zu, buffer %zu)",
			 strerror(errno), size, sizeof(buf));
		return -1;
	}
	d->received++;
	t = machipc_msg_trailer(buf);
	if (size != h->size + TRL || h->size > DF_BUF || h->size < HDR ||
	    h->size % 8 || h->id != 0x4242 || h->local_name != d->p ||
	    h->reserved) {
		snprintf(d->err, sizeof(d->err),
			 "inconsistent header: got %zu bytes, size %u id %#x local %#x",
			 size, h->size, h->id, h->local_name);
		return -1;
	}
	if (h->desc_count > DF_NDESC || HDR + h->desc_count * DSC > h->size ||
	    !!(h->bits & MACHIPC_MSGH_COMPLEX) != !!h->desc_count ||
	    MACHIPC_MSGH_LOCAL(h->bits) ||
	    (h->bits & ~(MACHIPC_MSGH_COMPLEX | 0xff))) {
		snprintf(d->err, sizeof(d->err),
			 "inconsistent header: size %u desc_count %u bits %#x",
			 h->size, h->desc_count, h->bits);
		return -1;
	}
	if (t->seqno != d->next_seqno++) {
		snprintf(d->err, sizeof(d->err), "seqno %llu, expected %llu",
			 (unsigned long long)t->seqno,
			 (unsigned long long)d->next_seqno - 1);
		return -1;
	}
	d->ndesc_hist[h->desc_count]++;
	rdisp = MACHIPC_MSGH_REMOTE(h->bits);
	if (rdisp) {
		if (df_check_right(d, rdisp, h->remote_name, "reply"))
			return -1;
	} else if (h->remote_name) {
		snprintf(d->err, sizeof(d->err), "no reply but remote %#x",
			 h->remote_name);
		return -1;
	}
	for (i = 0; i < h->desc_count; i++) {
		if (desc[i].type != MACHIPC_DESC_PORT || desc[i].reserved ||
		    desc[i].address || desc[i].size) {
			snprintf(d->err, sizeof(d->err), "descriptor %u: type %u",
				 i, desc[i].type);
			return -1;
		}
		if (df_check_right(d, desc[i].disposition, desc[i].name,
				   "descriptor"))
			return -1;
	}
	/* inline data past the descriptor slots is the constant pattern */
	for (off = HDR + DF_NDESC * DSC; off < h->size; off++)
		if (data[off] != DF_PATTERN) {
			snprintf(d->err, sizeof(d->err), "data byte %zu = %#x",
				 off, data[off]);
			return -1;
		}
	return 0;
}

static void *df_receiver(void *arg)
{
	struct df_shared *d = arg;
	int rc;

	for (;;) {
		rc = df_receive_one(d, 100);
		if (rc < 0)
			return NULL;
		if (rc > 0 && atomic_load(&d->sender_done)) {
			/* drain whatever is left */
			while ((rc = df_receive_one(d, 0)) == 0)
				;
			return NULL;
		}
	}
}

/* Status of z wherever its receive right is. */
static int df_z_attr(struct df_shared *d, struct machipc_port_attr *a)
{
	return d->z_in_r ? mt_attr(d->r, d->z_in_r, a) : mt_attr(d->s, d->z, a);
}

static __u32 df_has_send(int fd, __u32 name)
{
	__u32 rights = 0;

	if (mt_info(fd, name, &rights, NULL))
		return 0;
	return !!(rights & MACHIPC_RIGHT_SEND);
}

TEST_F_TIMEOUT(none, double_fetch_rewrite, 600)
{
	struct df_shared *d = calloc(1, sizeof(*d));
	struct machipc_port_attr ap, aq, az;
	pthread_t mut, snd, rcv;
	__u32 urefs = 0, rights = 0, n;
	long srights_expected, notifications = 0;
	int bfd, i;

	ASSERT_NE(NULL, d);
	d->s = machipc_open();
	d->r = machipc_open();
	d->t = machipc_open();
	ASSERT_LE(0, d->s);
	ASSERT_LE(0, d->r);
	ASSERT_LE(0, d->t);
	d->p = mt_alloc(d->r, MACHIPC_RIGHT_RECEIVE);
	d->tq = mt_alloc(d->t, MACHIPC_RIGHT_RECEIVE);
	d->z = mt_alloc(d->s, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, d->p);
	ASSERT_NE(0, d->tq);
	ASSERT_NE(0, d->z);
	d->dn = mt_alloc(d->s, MACHIPC_RIGHT_DEAD_NAME);
	d->ps = mt_alloc(d->s, MACHIPC_RIGHT_PORT_SET);
	ASSERT_NE(0, d->dn);
	ASSERT_NE(0, d->ps);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(d->r, d->p,
						    MACHIPC_QLIMIT_MAX)));
	bfd = machipc_bootstrap_export(d->r, d->p, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(d->s, bfd, &d->sp)));
	close(bfd);
	bfd = machipc_bootstrap_export(d->t, d->tq, MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(0, MT_ERR(machipc_bootstrap_import(d->s, bfd, &d->q)));
	close(bfd);
	ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(d->s, d->q, MACHIPC_RIGHT_SEND,
						  DF_U0 - 1)));
	df_init_msg(d);

	/* the initial message is valid */
	ASSERT_EQ(0, MT_ERR(machipc_send(d->s, d->msg, NULL)));
	d->ok++;
	ASSERT_EQ(0, df_receive_one(d, 0)) TH_LOG("%s", d->err);

	ASSERT_EQ(0, pthread_create(&rcv, NULL, df_receiver, d));
	ASSERT_EQ(0, pthread_create(&mut, NULL, df_mutator, d));
	ASSERT_EQ(0, pthread_create(&snd, NULL, df_sender, d));
	pthread_join(snd, NULL);
	atomic_store(&d->stop, 1);
	pthread_join(mut, NULL);
	pthread_join(rcv, NULL);

	TH_LOG("%ld sends: %ld ok, EINVAL %ld ENOENT %ld EACCES %ld ETIMEDOUT %ld; received %ld, %ld send-once, %ld receive",
	       d->sends + 1, d->ok, d->by_errno[EINVAL], d->by_errno[ENOENT],
	       d->by_errno[EACCES], d->by_errno[ETIMEDOUT], d->received,
	       d->so_destroyed, d->z_moves);
	TH_LOG("descriptors per message received: %ld %ld %ld %ld %ld, %d send names",
	       d->ndesc_hist[0], d->ndesc_hist[1], d->ndesc_hist[2],
	       d->ndesc_hist[3], d->ndesc_hist[4], d->nsend_names);
	ASSERT_EQ(0, d->err[0]) TH_LOG("receiver: %s", d->err);
	ASSERT_EQ(0, d->bad_errno) TH_LOG("undocumented errno %d (%s)",
					  d->bad_errno, strerror(d->bad_errno));
	ASSERT_EQ(d->ok, d->received);
	ASSERT_LE(d->z_moves, 1);
	ASSERT_GT(d->ok, 1);	/* the mutation must not starve the test */

	/* p: everything received, only s's send right left */
	ASSERT_EQ(0, mt_attr(d->r, d->p, &ap));
	EXPECT_EQ(0, ap.msgcount);
	EXPECT_EQ(d->ok, ap.seqno);
	EXPECT_EQ(1, ap.srights);
	EXPECT_EQ(0, ap.sorights);
	ASSERT_EQ(0, mt_info(d->s, d->sp, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(1, urefs);

	/* z: where its receive right went, and its pending notifications */
	if (d->z_moves) {
		EXPECT_EQ(ENOENT, mt_info(d->s, d->z, NULL, NULL));
	} else {
		ASSERT_EQ(0, mt_info(d->s, d->z, &rights, NULL));
		EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	}
	ASSERT_EQ(0, df_z_attr(d, &az));
	EXPECT_EQ(d->so_destroyed, az.msgcount);
	EXPECT_EQ(d->so_destroyed, az.sorights);

	/* send rights: one per name holding one, over q and z */
	ASSERT_EQ(0, mt_attr(d->t, d->tq, &aq));
	EXPECT_EQ(0, aq.msgcount);
	EXPECT_EQ(0, aq.sorights);
	srights_expected = df_has_send(d->s, d->q) + d->nsend_names;
	EXPECT_EQ(srights_expected, aq.srights + az.srights)
		TH_LOG("q %u + z %u, s holds q: %u, r has %d send names",
		       aq.srights, az.srights, df_has_send(d->s, d->q),
		       d->nsend_names);
	if (df_has_send(d->s, d->q)) {
		ASSERT_EQ(0, mt_info(d->s, d->q, NULL, &urefs));
		EXPECT_GE(DF_U0, urefs);
	}

	/* drain z's send-once notifications */
	for (;;) {
		__u64 buf[32];
		const struct machipc_msg_trailer *t;
		int fd = d->z_in_r ? d->r : d->s;
		__u32 zn = d->z_in_r ? d->z_in_r : d->z;

		if (mt_recv_now(fd, zn, buf, sizeof(buf)))
			break;
		t = machipc_msg_trailer(buf);
		EXPECT_EQ(MACHIPC_TRAILER_KERNEL, t->flags);
		EXPECT_EQ(MACHIPC_MSGID_SEND_ONCE, machipc_msg_header(buf)->id);
		notifications++;
	}
	EXPECT_EQ(d->so_destroyed, notifications);
	ASSERT_EQ(0, df_z_attr(d, &az));
	EXPECT_EQ(0, az.msgcount);
	EXPECT_EQ(0, az.sorights);

	/* r drops every send right it got: only s's remain */
	for (i = 0; i < d->nsend_names; i++) {
		n = d->send_names[i];
		if (n == d->z_in_r) {
			ASSERT_EQ(0, mt_info(d->r, n, NULL, &urefs));
			ASSERT_EQ(0, MT_ERR(machipc_port_mod_refs(d->r, n,
					MACHIPC_RIGHT_SEND, -(int)urefs)));
		} else
			ASSERT_EQ(0, MT_ERR(machipc_port_destroy(d->r, n)));
	}
	ASSERT_EQ(0, mt_attr(d->t, d->tq, &aq));
	EXPECT_EQ(df_has_send(d->s, d->q), aq.srights);
	ASSERT_EQ(0, df_z_attr(d, &az));
	EXPECT_EQ(0, az.srights);

	/* s gives up q: t's port has no sender left */
	if (df_has_send(d->s, d->q))
		ASSERT_EQ(0, MT_ERR(machipc_port_destroy(d->s, d->q)));
	ASSERT_EQ(0, mt_attr(d->t, d->tq, &aq));
	EXPECT_EQ(0, aq.srights);
	/* and p's: s's name goes */
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(d->s, d->sp)));
	ASSERT_EQ(0, mt_attr(d->r, d->p, &ap));
	EXPECT_EQ(0, ap.srights);

	close(d->s);
	close(d->r);
	close(d->t);
	free(d);
}

TEST_HARNESS_MAIN
