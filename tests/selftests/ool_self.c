// SPDX-License-Identifier: GPL-2.0
/*
 * ool_self: messages within one space -- a thread sends to a port its own
 * space receives from, another thread of the process receives.  With
 * out-of-line data the receiver commits both sides in that one space
 * (Documentation/copy-engine.rst, "One space"); without, the send commits
 * first and the receive later.  Either way the result must be what the
 * send followed by the receive gives.
 *
 * - rights_*: every disposition of a port descriptor and of the reply
 *   right, rights to the destination port itself and its receive right
 *   sent to itself, several rights to one port in one message; inline and
 *   out of line.  After every step (set-up, queued, received, dropped)
 *   the names, rights, user references and port counters are what a model
 *   of the space predicts, and the account is back where it started.
 * - data_sizes: every byte, around the chunk size, unaligned.
 * - efault_*: an unreadable source fails the send, an unwritable buffer
 *   the receive; nothing changes, the message stays queued.
 * - rights_gone_at_commit: a right the send would move is destroyed while
 *   it waits: the send fails with nothing moved.
 * - enobufs_*: the receive pays only for the names the message adds to
 *   the space (net of the names its send frees), to the byte.
 * - inject_abort_every_chunk: inject_abort_chunk at every chunk boundary,
 *   on both sides, then a delivery exactly once.
 * - sender_times_out, destination_destroyed: the synchronous send fails
 *   with nothing moved.
 * - process_exit: the process exits after, before and during the receive.
 * - signals_restart: SA_RESTART signals to both threads mid-transfer.
 * - ool.c's scenarios in one space: sources in a memfd, a shared file, the
 *   zero page, THP; destinations in a memfd, THP, never-touched memory; a
 *   hole in the middle of the source (EFAULT, nothing delivered); a buffer
 *   too small (EMSGSIZE, the sender still waits); receiving through a
 *   port set; a third thread unmapping, protecting or discarding a source
 *   page during the copy (the data as sent, or EFAULT).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>

#include "kselftest_harness.h"
#include "machipc_test.h"
#include "ool_test.h"

#define RBUF_WORDS	1024
#define LONG_MS		60000
#define DBG		"/sys/kernel/debug/machipc/"
#define ID_MSG		0x5e1f
#define ID_NEXT		0x5e20

/* ------------------------------------------------------------------ */
/* A model of one space                                               */
/* ------------------------------------------------------------------ */

#define M_NAMES		64
#define M_PORTS		64
#define M_DESCS		8

struct m_ent {
	__u32 name, rights, urefs;
	int port;
};

/* Counters of a port; seen in a snapshot while the space receives it. */
struct m_port {
	__u32 qlimit, msgcount, mscount, srights, sorights, pset;
	__u64 seqno;
};

struct model {
	size_t n;
	struct m_ent e[M_NAMES];
	int nports;
	struct m_port port[M_PORTS];
};

/* A right in a message: its type and port. */
struct m_right {
	__u32 type;
	int port;
};

/* What a message carries, as the model sees it. */
struct m_msg {
	struct m_right dest, reply;
	unsigned int ndesc;
	struct m_right desc[M_DESCS];
};

static struct m_ent *m_find(struct model *m, __u32 name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].name == name)
			return &m->e[i];
	return NULL;
}

/* The receive/send entry of @port (the Mach rule: one per port). */
static struct m_ent *m_find_port(struct model *m, int port)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].port == port &&
		    (m->e[i].rights & (MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND)))
			return &m->e[i];
	return NULL;
}

static struct m_ent *m_add(struct model *m, __u32 name, __u32 rights,
			   __u32 urefs, int port)
{
	struct m_ent *e = &m->e[m->n++];

	e->name = name;
	e->rights = rights;
	e->urefs = urefs;
	e->port = port;
	return e;
}

static void m_drop_empty(struct model *m)
{
	size_t i, j;

	for (i = 0, j = 0; i < m->n; i++)
		if (m->e[i].rights)
			m->e[j++] = m->e[i];
	m->n = j;
}

static int m_new_port(struct model *m, __u32 qlimit)
{
	memset(&m->port[m->nports], 0, sizeof(m->port[0]));
	m->port[m->nports].qlimit = qlimit;
	return m->nports++;
}

static int cmp_name(const void *a, const void *b)
{
	const struct machipc_name_info *x = a, *y = b;

	return x->name < y->name ? -1 : x->name > y->name;
}

/* What a snapshot of the space should show. */
static void m_to_snap(const struct model *m, struct mt_snap *s)
{
	size_t i, j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < m->n; i++) {
		const struct m_ent *e = &m->e[i];
		struct machipc_name_info *ni = &s->names[s->nnames++];

		ni->name = e->name;
		ni->rights = e->rights;
		ni->urefs = (e->rights & MACHIPC_RIGHT_SEND) ? e->urefs : 1;
	}
	qsort(s->names, s->nnames, sizeof(s->names[0]), cmp_name);
	for (i = 0; i < s->nnames; i++) {
		const struct m_ent *e = NULL;
		const struct m_port *p;
		struct mt_port_status *ps;

		if (!(s->names[i].rights & MACHIPC_RIGHT_RECEIVE))
			continue;
		for (j = 0; j < m->n; j++)
			if (m->e[j].name == s->names[i].name)
				e = &m->e[j];
		p = &m->port[e->port];
		ps = &s->ports[s->nports++];
		ps->name = e->name;
		ps->qlimit = p->qlimit;
		ps->msgcount = p->msgcount;
		ps->mscount = p->mscount;
		ps->srights = p->srights;
		ps->sorights = p->sorights;
		ps->pset = p->pset;
		ps->seqno = p->seqno;
	}
}

/* Expect the space @fd to be what @m predicts. */
#define EXPECT_MODEL(fd, m, what) do {					\
	struct mt_snap *__want = malloc(sizeof(*__want));		\
	ASSERT_NE(NULL, __want);					\
	m_to_snap((m), __want);						\
	EXPECT_SNAP_UNCHANGED((fd), __want, (what));			\
	free(__want);							\
} while (0)

/* Model operations on the space that also perform them. */
static __u32 m_alloc_receive(struct model *m, int fd)
{
	struct machipc_port_attr a;
	__u32 name = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);

	if (!name || mt_attr(fd, name, &a))
		return 0;
	m_add(m, name, MACHIPC_RIGHT_RECEIVE, 1, m_new_port(m, a.qlimit));
	return name;
}

static int m_make_send(struct model *m, int fd, __u32 name, int urefs)
{
	struct m_ent *e = m_find(m, name);
	struct m_port *p = &m->port[e->port];

	if (machipc_port_insert_right(fd, name, MACHIPC_DISP_MAKE_SEND, NULL))
		return -1;
	p->mscount++;
	if (e->rights & MACHIPC_RIGHT_SEND) {
		e->urefs++;
	} else {
		p->srights++;
		e->rights |= MACHIPC_RIGHT_SEND;
		e->urefs = 1;
	}
	if (urefs > 1 &&
	    machipc_port_mod_refs(fd, name, MACHIPC_RIGHT_SEND, urefs - 1))
		return -1;
	e->urefs += urefs > 1 ? urefs - 1 : 0;
	return 0;
}

static __u32 m_make_send_once(struct model *m, int fd, __u32 name)
{
	struct m_ent *e = m_find(m, name);
	__u32 so = 0;

	if (machipc_port_insert_right(fd, name, MACHIPC_DISP_MAKE_SEND_ONCE,
				      &so))
		return 0;
	m->port[e->port].sorights++;
	m_add(m, so, MACHIPC_RIGHT_SEND_ONCE, 1, e->port);
	return so;
}

/*
 * A send right with @urefs references to a port received by @other, a
 * second space of this process.  Its counters are not in @m's snapshots.
 */
static __u32 m_foreign_send(struct model *m, int fd, int other, int urefs)
{
	__u32 x = mt_alloc(other, MACHIPC_RIGHT_RECEIVE), name = 0;

	if (!x || mt_give_send(other, x, fd, &name))
		return 0;
	if (urefs > 1 &&
	    machipc_port_mod_refs(fd, name, MACHIPC_RIGHT_SEND, urefs - 1))
		return 0;
	m_add(m, name, MACHIPC_RIGHT_SEND, urefs, m_new_port(m, 0));
	return name;
}

/* The send's commit: take the right @name with @disp into @r. */
static int m_copyin(struct model *m, __u32 name, __u32 disp, struct m_right *r)
{
	struct m_ent *e = m_find(m, name);
	struct m_port *p;

	if (!e)
		return -1;
	p = &m->port[e->port];
	r->port = e->port;
	switch (disp) {
	case MACHIPC_DISP_MOVE_RECEIVE:
		e->rights &= ~MACHIPC_RIGHT_RECEIVE;
		p->pset = 0;
		r->type = MACHIPC_RIGHT_RECEIVE;
		break;
	case MACHIPC_DISP_MAKE_SEND:
		p->mscount++;
		p->srights++;
		r->type = MACHIPC_RIGHT_SEND;
		break;
	case MACHIPC_DISP_COPY_SEND:
		p->srights++;
		r->type = MACHIPC_RIGHT_SEND;
		break;
	case MACHIPC_DISP_MOVE_SEND:
		if (--e->urefs == 0)
			e->rights &= ~MACHIPC_RIGHT_SEND;
		else
			p->srights++;
		r->type = MACHIPC_RIGHT_SEND;
		break;
	case MACHIPC_DISP_MAKE_SEND_ONCE:
		p->sorights++;
		r->type = MACHIPC_RIGHT_SEND_ONCE;
		break;
	case MACHIPC_DISP_MOVE_SEND_ONCE:
		e->rights &= ~MACHIPC_RIGHT_SEND_ONCE;
		r->type = MACHIPC_RIGHT_SEND_ONCE;
		break;
	default:
		return -1;
	}
	m_drop_empty(m);
	return 0;
}

/*
 * The receive's commit: @r arrives under @name.  Return 0, or -1 if @name
 * is not the one the model gives it.
 */
static int m_copyout(struct model *m, const struct m_right *r, __u32 name)
{
	struct m_ent *e = NULL;

	if (r->type != MACHIPC_RIGHT_SEND_ONCE)
		e = m_find_port(m, r->port);
	if (!e) {
		if (!name || name == MACHIPC_NAME_DEAD || m_find(m, name))
			return -1;
		m_add(m, name, r->type, 1, r->port);
		return 0;
	}
	if (e->name != name)
		return -1;
	if (r->type == MACHIPC_RIGHT_RECEIVE) {
		e->rights |= MACHIPC_RIGHT_RECEIVE;
	} else if (e->rights & MACHIPC_RIGHT_SEND) {
		e->urefs++;
		m->port[r->port].srights--;	/* merged into the name's */
	} else {
		e->rights |= MACHIPC_RIGHT_SEND;
		e->urefs = 1;
	}
	return 0;
}

/* The message is queued on @dest's port (its rights committed or not). */
static void m_queued(struct model *m, int dest)
{
	m->port[dest].msgcount++;
}

/* The message @mm was received as @rbuf: every right gets its name. */
static int m_received(struct model *m, const struct m_msg *mm,
		      const void *rbuf)
{
	const struct machipc_msg_header *h = rbuf;
	struct m_port *dest = &m->port[mm->dest.port];
	unsigned int i, k = 0;
	int err = 0;

	dest->msgcount--;
	dest->seqno++;
	if (mm->dest.type == MACHIPC_RIGHT_SEND)
		dest->srights--;
	else
		dest->sorights--;
	if (mm->reply.type)
		err |= m_copyout(m, &mm->reply, h->remote_name);
	for (i = 0; i < h->desc_count; i++) {
		const struct machipc_msg_desc *d = machipc_msg_desc(rbuf, i);

		if (d->type != MACHIPC_DESC_PORT)
			continue;
		if (k >= mm->ndesc)
			return -1;
		err |= m_copyout(m, &mm->desc[k++], d->name);
	}
	return err;
}

/*
 * Drop one user reference of the send or send-once right @name, or else
 * its receive right (destroying the port: only for ports with no other
 * names), in the space and the model.
 */
static int m_deallocate(struct model *m, int fd, __u32 name)
{
	struct m_ent *e = m_find(m, name);
	struct m_port *p;

	if (!e)
		return -1;
	p = &m->port[e->port];
	if (e->rights & MACHIPC_RIGHT_SEND_ONCE) {
		if (machipc_port_deallocate(fd, name))
			return -1;
		e->rights = 0;
		p->sorights--;
	} else if (e->rights & MACHIPC_RIGHT_SEND) {
		if (machipc_port_deallocate(fd, name))
			return -1;
		if (--e->urefs == 0) {
			e->rights &= ~MACHIPC_RIGHT_SEND;
			p->srights--;
		}
	} else if (e->rights & MACHIPC_RIGHT_RECEIVE) {
		if (machipc_port_mod_refs(fd, name, MACHIPC_RIGHT_RECEIVE, -1))
			return -1;
		e->rights = 0;
	} else {
		return -1;
	}
	m_drop_empty(m);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The fixture: one space, two threads                                */
/* ------------------------------------------------------------------ */

/*
 * struct space1 - the space under test, @fd, with a port @p (qlimit 64)
 * that its own threads send to; a second space @other of this process
 * receives the ports of "foreign" send rights.
 */
struct space1 {
	int fd, other;
	__u32 p;
	int pp;				/* p in the model */
	struct model m;
	struct machipc_version v;
	struct machipc_account_info a;
	size_t page, chunk;
};

static void space1_open(struct __test_metadata *_metadata, struct space1 *self)
{
	self->fd = machipc_open();
	self->other = machipc_open();
	ASSERT_LE(0, self->fd);
	ASSERT_LE(0, self->other);
	ASSERT_EQ(0, MT_ERR(machipc_abi_version(self->fd, &self->v)));
	ASSERT_EQ(0, MT_ERR(machipc_account_get(self->fd, &self->a)));
	ASSERT_NE(0, self->v.chunk_pages);
	self->page = ool_page();
	self->chunk = self->v.chunk_pages * self->page;
	memset(&self->m, 0, sizeof(self->m));
	self->p = m_alloc_receive(&self->m, self->fd);
	ASSERT_NE(0, self->p);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(self->fd, self->p, 64)));
	self->pp = m_find(&self->m, self->p)->port;
	self->m.port[self->pp].qlimit = 64;
	EXPECT_MODEL(self->fd, &self->m, "set-up");
}

static void space1_close(struct space1 *self)
{
	close(self->fd);
	close(self->other);
}

FIXTURE(one)
{
	struct space1 s;
};

FIXTURE_SETUP(one)
{
	space1_open(_metadata, &self->s);
}

FIXTURE_TEARDOWN(one)
{
	space1_close(&self->s);
}

/* One port descriptor of a test message. */
struct pdesc {
	__u32 name, disp;
};

/*
 * struct shape - a test message to @dest (default p) with @dest_disp
 * (default MAKE_SEND), reply (@local, @local_disp), port descriptors @d, then (if
 * @ool_len) one region of @ool_len bytes at @src, then 24 bytes of data.
 */
struct shape {
	__u32 dest, dest_disp;
	__u32 local, local_disp;
	unsigned int nd;
	struct pdesc d[M_DESCS];
	const void *src;
	size_t ool_len;
};

static const unsigned char inline_data[24] = "machipc one-space test!";

static int shape_build(const struct shape *sh, __u32 p, __u64 *buf,
		       size_t cap, __u32 id)
{
	struct machipc_msg_builder b;
	unsigned int i;

	if (machipc_msg_init(&b, buf, cap, sh->dest ?: p,
			     sh->dest_disp ?: MACHIPC_DISP_MAKE_SEND,
			     sh->local, sh->local_disp, id))
		return errno;
	for (i = 0; i < sh->nd; i++)
		if (machipc_msg_add_port(&b, sh->d[i].name, sh->d[i].disp))
			return errno;
	if (sh->ool_len && machipc_msg_add_ool(&b, sh->src, sh->ool_len))
		return errno;
	if (machipc_msg_add_data(&b, inline_data, sizeof(inline_data)))
		return errno;
	return 0;
}

/* The model's side of sending @sh: the send's commit. */
static int shape_copyin(struct model *m, const struct shape *sh, __u32 p,
			struct m_msg *mm)
{
	unsigned int i;

	memset(mm, 0, sizeof(*mm));
	if (m_copyin(m, sh->dest ?: p, sh->dest_disp ?: MACHIPC_DISP_MAKE_SEND,
		     &mm->dest))
		return -1;
	if (sh->local && m_copyin(m, sh->local, sh->local_disp, &mm->reply))
		return -1;
	for (i = 0; i < sh->nd; i++)
		if (m_copyin(m, sh->d[i].name, sh->d[i].disp, &mm->desc[i]))
			return -1;
	mm->ndesc = sh->nd;
	return 0;
}

/* Names of the space, for checks that they were all freed. */
static size_t name_count(int fd)
{
	struct machipc_name_info *names;
	size_t n;

	if (machipc_port_names(fd, &names, &n))
		return ~(size_t)0;
	free(names);
	return n;
}

/* Check what a test message brought, besides the rights. */
static void check_body(struct __test_metadata *_metadata, const __u64 *rbuf,
		       const struct shape *sh, __u32 local_name, __u32 id,
		       const void *dst, __u32 seed)
{
	const struct machipc_msg_header *h = (const void *)rbuf;
	const struct machipc_msg_desc *d;
	const void *data;
	size_t dlen;

	EXPECT_EQ(id, h->id);
	EXPECT_EQ(local_name, h->local_name);
	EXPECT_EQ(sh->nd + !!sh->ool_len, h->desc_count);
	data = machipc_msg_data(rbuf, &dlen);
	ASSERT_NE(NULL, data);
	EXPECT_EQ(sizeof(inline_data), dlen);
	EXPECT_EQ(0, memcmp(data, inline_data, sizeof(inline_data)));
	if (!sh->ool_len)
		return;
	d = machipc_msg_ool(rbuf, 0);
	ASSERT_NE(NULL, d);
	EXPECT_EQ((uintptr_t)dst, d->address);
	EXPECT_EQ(sh->ool_len, d->size);
	EXPECT_EQ(sh->ool_len, ool_check(dst, sh->ool_len, seed));
}

/* ------------------------------------------------------------------ */
/* Rights: every disposition, inline and out of line                  */
/* ------------------------------------------------------------------ */

/*
 * A variant sets up names in the fixture's space (through the model) and
 * describes its message in @sh; @rcv_name is where it is received (p, or
 * a set p is in).
 */
struct variant {
	const char *what;
	void (*setup)(struct __test_metadata *_metadata,
		      struct space1 *self, struct shape *sh, __u32 *rcv_name);
};

#define SETUP(name)							\
	static void setup_##name(					\
		__attribute__((unused)) struct __test_metadata *_metadata, \
		struct space1 *self, struct shape *sh,			\
		__attribute__((unused)) __u32 *rcv_name)

static void add_desc(struct shape *sh, __u32 name, __u32 disp)
{
	sh->d[sh->nd].name = name;
	sh->d[sh->nd].disp = disp;
	sh->nd++;
}

SETUP(move_receive)
{
	__u32 n = m_alloc_receive(&self->m, self->fd);

	ASSERT_NE(0, n);
	add_desc(sh, n, MACHIPC_DISP_MOVE_RECEIVE);
}

SETUP(move_receive_with_send)
{
	__u32 n = m_alloc_receive(&self->m, self->fd);

	ASSERT_NE(0, n);
	ASSERT_EQ(0, m_make_send(&self->m, self->fd, n, 2));
	add_desc(sh, n, MACHIPC_DISP_MOVE_RECEIVE);
}

SETUP(move_send_one_uref)
{
	__u32 x = m_foreign_send(&self->m, self->fd, self->other, 1);

	ASSERT_NE(0, x);
	add_desc(sh, x, MACHIPC_DISP_MOVE_SEND);
}

SETUP(move_send_three_urefs)
{
	__u32 x = m_foreign_send(&self->m, self->fd, self->other, 3);

	ASSERT_NE(0, x);
	add_desc(sh, x, MACHIPC_DISP_MOVE_SEND);
}

SETUP(move_send_with_receive)
{
	__u32 n = m_alloc_receive(&self->m, self->fd);

	ASSERT_NE(0, n);
	ASSERT_EQ(0, m_make_send(&self->m, self->fd, n, 1));
	add_desc(sh, n, MACHIPC_DISP_MOVE_SEND);
}

SETUP(move_send_once)
{
	__u32 n = m_alloc_receive(&self->m, self->fd), so;

	ASSERT_NE(0, n);
	ASSERT_NE(0, so = m_make_send_once(&self->m, self->fd, n));
	add_desc(sh, so, MACHIPC_DISP_MOVE_SEND_ONCE);
}

SETUP(copy_send)
{
	__u32 x = m_foreign_send(&self->m, self->fd, self->other, 1);

	ASSERT_NE(0, x);
	add_desc(sh, x, MACHIPC_DISP_COPY_SEND);
}

SETUP(make_send)
{
	__u32 n = m_alloc_receive(&self->m, self->fd);

	ASSERT_NE(0, n);
	add_desc(sh, n, MACHIPC_DISP_MAKE_SEND);
}

SETUP(make_send_once)
{
	__u32 n = m_alloc_receive(&self->m, self->fd);

	ASSERT_NE(0, n);
	add_desc(sh, n, MACHIPC_DISP_MAKE_SEND_ONCE);
}

SETUP(reply_move_send_once)
{
	__u32 n = m_alloc_receive(&self->m, self->fd), so;

	ASSERT_NE(0, n);
	ASSERT_NE(0, so = m_make_send_once(&self->m, self->fd, n));
	sh->local = so;
	sh->local_disp = MACHIPC_DISP_MOVE_SEND_ONCE;
}

SETUP(reply_make_send_once)
{
	__u32 n = m_alloc_receive(&self->m, self->fd);

	ASSERT_NE(0, n);
	sh->local = n;
	sh->local_disp = MACHIPC_DISP_MAKE_SEND_ONCE;
}

SETUP(reply_move_send_one_uref)
{
	__u32 x = m_foreign_send(&self->m, self->fd, self->other, 1);

	ASSERT_NE(0, x);
	sh->local = x;
	sh->local_disp = MACHIPC_DISP_MOVE_SEND;
}

SETUP(reply_move_send_with_receive)
{
	__u32 n = m_alloc_receive(&self->m, self->fd);

	ASSERT_NE(0, n);
	ASSERT_EQ(0, m_make_send(&self->m, self->fd, n, 1));
	sh->local = n;
	sh->local_disp = MACHIPC_DISP_MOVE_SEND;
}

/* The destination p named by a descriptor too. */
SETUP(dest_move_send)
{
	ASSERT_EQ(0, m_make_send(&self->m, self->fd, self->p, 1));
	add_desc(sh, self->p, MACHIPC_DISP_MOVE_SEND);
}

SETUP(dest_copy_send)
{
	ASSERT_EQ(0, m_make_send(&self->m, self->fd, self->p, 1));
	add_desc(sh, self->p, MACHIPC_DISP_COPY_SEND);
}

SETUP(dest_make_send)
{
	add_desc(sh, self->p, MACHIPC_DISP_MAKE_SEND);
}

SETUP(dest_make_send_once)
{
	add_desc(sh, self->p, MACHIPC_DISP_MAKE_SEND_ONCE);
}

/* The destination's right itself moved: MOVE_SEND p with one reference. */
SETUP(dest_by_move_send)
{
	ASSERT_EQ(0, m_make_send(&self->m, self->fd, self->p, 1));
	sh->dest_disp = MACHIPC_DISP_MOVE_SEND;
	add_desc(sh, self->p, MACHIPC_DISP_MAKE_SEND);
}

SETUP(dest_by_move_send_once)
{
	__u32 so = m_make_send_once(&self->m, self->fd, self->p);

	ASSERT_NE(0, so);
	sh->dest = so;
	sh->dest_disp = MACHIPC_DISP_MOVE_SEND_ONCE;
}

/* p's receive right sent to p: it leaves and comes back in one commit. */
SETUP(dest_move_receive)
{
	add_desc(sh, self->p, MACHIPC_DISP_MOVE_RECEIVE);
}

SETUP(dest_move_receive_with_send)
{
	ASSERT_EQ(0, m_make_send(&self->m, self->fd, self->p, 2));
	add_desc(sh, self->p, MACHIPC_DISP_MOVE_RECEIVE);
}

SETUP(dest_move_receive_from_set)
{
	__u32 set = mt_alloc(self->fd, MACHIPC_RIGHT_PORT_SET);

	ASSERT_NE(0, set);
	m_add(&self->m, set, MACHIPC_RIGHT_PORT_SET, 1, m_new_port(&self->m, 0));
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(self->fd, self->p, set)));
	self->m.port[self->pp].pset = set;
	add_desc(sh, self->p, MACHIPC_DISP_MOVE_RECEIVE);
	*rcv_name = set;
}

/* Several rights to one port, and rights to several, in one message. */
SETUP(many)
{
	__u32 n = m_alloc_receive(&self->m, self->fd);
	__u32 k = m_alloc_receive(&self->m, self->fd), so, so2;
	__u32 x = m_foreign_send(&self->m, self->fd, self->other, 1);
	__u32 y = m_foreign_send(&self->m, self->fd, self->other, 2);

	ASSERT_NE(0, n);
	ASSERT_NE(0, k);
	ASSERT_NE(0, x);
	ASSERT_NE(0, y);
	ASSERT_NE(0, so = m_make_send_once(&self->m, self->fd, k));
	ASSERT_NE(0, so2 = m_make_send_once(&self->m, self->fd, k));
	add_desc(sh, n, MACHIPC_DISP_MAKE_SEND);
	add_desc(sh, n, MACHIPC_DISP_MOVE_RECEIVE);
	add_desc(sh, x, MACHIPC_DISP_COPY_SEND);
	add_desc(sh, x, MACHIPC_DISP_MOVE_SEND);
	add_desc(sh, y, MACHIPC_DISP_MOVE_SEND);
	add_desc(sh, so, MACHIPC_DISP_MOVE_SEND_ONCE);
	add_desc(sh, k, MACHIPC_DISP_MAKE_SEND);
	sh->local = so2;
	sh->local_disp = MACHIPC_DISP_MOVE_SEND_ONCE;
}

/*
 * Destroy every name of the space: receive rights first (their ports die,
 * so no send-once notification is sent), then the rest.  Nothing is left
 * charged.
 */
static void destroy_all(struct __test_metadata *_metadata, struct space1 *self)
{
	unsigned int pass;
	size_t i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < self->m.n; i++) {
			const struct m_ent *e = &self->m.e[i];

			if (!pass != !!(e->rights & MACHIPC_RIGHT_RECEIVE))
				continue;
			EXPECT_EQ(0, MT_ERR(machipc_port_destroy(self->fd,
								 e->name)))
				TH_LOG("name %#x", e->name);
		}
	}
	self->m.n = 0;
	EXPECT_EQ(0, name_count(self->fd));
	EXPECT_EQ(0, ool_usage(self->fd));
}

/*
 * Run @v in the fixture's space: set up, send (from a second thread if
 * @ool), receive, checking the model after each step, the message's body
 * and the account: it holds exactly the names the space gained, and
 * nothing once they are all destroyed.
 */
static void rights_case(struct __test_metadata *_metadata,
			struct space1 *self, const struct variant *v, bool ool,
			__u32 seed)
{
	__u64 sbuf[64], rbuf[RBUF_WORDS];
	size_t len = self->chunk + 3 * self->page + 5;
	unsigned char *src = ool_map(len + 1), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
	__u32 rcv_name = self->p;
	struct shape sh = { 0 };
	struct ool_sender snd;
	struct m_msg mm;
	struct m_ent *pe;
	unsigned int n = 1;
	size_t size = sizeof(rbuf), names;
	__u64 usage;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	TH_LOG("%s, %s", v->what, ool ? "out of line" : "inline");
	v->setup(_metadata, self, &sh, &rcv_name);
	EXPECT_MODEL(self->fd, &self->m, "after set-up");
	usage = ool_usage(self->fd);
	names = self->m.n;
	if (ool) {
		ool_fill(src + 1, len, seed);
		sh.src = src + 1;
		sh.ool_len = len;
	}
	ASSERT_EQ(0, shape_build(&sh, self->p, sbuf, sizeof(sbuf), ID_MSG));

	if (ool) {
		/* queued, with every right still in the space */
		ASSERT_EQ(0, ool_sender_start(&snd, self->fd, sbuf, LONG_MS));
		ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
		m_queued(&self->m, self->pp);
		EXPECT_MODEL(self->fd, &self->m, "queued, uncommitted");
		ASSERT_EQ(0, shape_copyin(&self->m, &sh, self->p, &mm));
		EXPECT_EQ(0, ool_recv(self->fd, rcv_name, rbuf, &size, &ob, &n,
				      LONG_MS));
		EXPECT_EQ(0, ool_sender_join(&snd));
		EXPECT_EQ(1, n);
	} else {
		ASSERT_EQ(0, MT_ERR(machipc_send(self->fd, sbuf, NULL)));
		ASSERT_EQ(0, shape_copyin(&self->m, &sh, self->p, &mm));
		m_queued(&self->m, self->pp);
		EXPECT_MODEL(self->fd, &self->m, "queued, committed");
		n = 0;
		EXPECT_EQ(0, ool_recv(self->fd, rcv_name, rbuf, &size, NULL,
				      &n, 0));
		EXPECT_EQ(0, n);
	}
	if (_metadata->exit_code != KSFT_PASS)
		goto out;
	EXPECT_EQ(0, m_received(&self->m, &mm, rbuf))
		TH_LOG("a right arrived under an unexpected name");
	EXPECT_MODEL(self->fd, &self->m, "received");
	/* local_name: where p's receive right is now */
	pe = m_find_port(&self->m, self->pp);
	ASSERT_NE(NULL, pe);
	check_body(_metadata, rbuf, &sh, pe->name, ID_MSG, dst, seed);
	/* names added, and the send-once reservations the message left */
	EXPECT_EQ(usage + (self->m.n - names) * self->a.cost_entry +
		  ool_so_reserved(&self->a, sbuf), ool_usage(self->fd))
		TH_LOG("names %zu -> %zu", names, self->m.n);
	destroy_all(_metadata, self);
out:
	munmap(src, len + 1);
	munmap(dst, len);
}

/* Every variant in a fresh space, inline and out of line. */
FIXTURE(rights)
{
	struct space1 s;
};

FIXTURE_VARIANT(rights)
{
	struct variant v;
	bool ool;
};

FIXTURE_SETUP(rights)
{
	space1_open(_metadata, &self->s);
}

FIXTURE_TEARDOWN(rights)
{
	space1_close(&self->s);
}

#define RIGHTS_OOL(name)						\
	FIXTURE_VARIANT_ADD(rights, name##_ool) {			\
		.v = { #name, setup_##name }, .ool = true,		\
	}
#define RIGHTS(name)							\
	RIGHTS_OOL(name);						\
	FIXTURE_VARIANT_ADD(rights, name##_inline) {			\
		.v = { #name, setup_##name }, .ool = false,		\
	}

RIGHTS(move_receive);
RIGHTS(move_receive_with_send);
RIGHTS(move_send_one_uref);
RIGHTS(move_send_three_urefs);
RIGHTS(move_send_with_receive);
RIGHTS(move_send_once);
RIGHTS(copy_send);
RIGHTS(make_send);
RIGHTS(make_send_once);
RIGHTS(reply_move_send_once);
RIGHTS(reply_make_send_once);
RIGHTS(reply_move_send_one_uref);
RIGHTS(reply_move_send_with_receive);
RIGHTS(dest_move_send);
RIGHTS(dest_copy_send);
RIGHTS(dest_make_send);
RIGHTS(dest_make_send_once);
RIGHTS(dest_by_move_send);
RIGHTS(dest_by_move_send_once);
/* inline, a receive right sent to its own port closes a cycle: see below */
RIGHTS_OOL(dest_move_receive);
RIGHTS_OOL(dest_move_receive_with_send);
RIGHTS_OOL(dest_move_receive_from_set);
RIGHTS(many);

TEST_F_TIMEOUT(rights, commit, 120)
{
	rights_case(_metadata, &self->s, &variant->v, variant->ool, 17);
}

/*
 * The message inline: a receive right sent to its own port closes a cycle
 * at the send's commit, and the port dies with the message; its name is
 * gone and everything is refunded.
 */
TEST_F(one, inline_receive_right_to_its_own_port_dies)
{
	struct space1 *s = &self->s;
	struct shape sh = { 0 };
	__u64 sbuf[64], rbuf[RBUF_WORDS], usage = ool_usage(s->fd);

	add_desc(&sh, s->p, MACHIPC_DISP_MOVE_RECEIVE);
	ASSERT_EQ(0, shape_build(&sh, s->p, sbuf, sizeof(sbuf), ID_MSG));
	ASSERT_EQ(0, MT_ERR(machipc_send(s->fd, sbuf, NULL)));
	EXPECT_EQ(ENOENT, mt_info(s->fd, s->p, NULL, NULL));
	EXPECT_EQ(ENOENT, mt_recv_now(s->fd, s->p, rbuf, sizeof(rbuf)));
	EXPECT_EQ(0, name_count(s->fd));
	EXPECT_EQ(usage - s->a.cost_entry - s->a.cost_port, ool_usage(s->fd));
}

/* ------------------------------------------------------------------ */
/* Data                                                               */
/* ------------------------------------------------------------------ */

/*
 * Send @len bytes at @src (with @seed's pattern) from a second thread of
 * the space to p, receive them at @dst (@cap bytes): the body and the
 * model check out.
 */
static void xfer1(struct __test_metadata *_metadata, struct space1 *s,
		  const void *src, void *dst, size_t len, size_t cap,
		  __u32 seed)
{
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = cap };
	__u64 sbuf[32], rbuf[RBUF_WORDS];
	struct shape sh = { .src = src, .ool_len = len };
	struct ool_sender snd;
	struct m_msg mm;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);

	/* a zero-size region is still a region */
	ASSERT_EQ(0, shape_build(&sh, s->p, sbuf, sizeof(sbuf), seed));
	if (!len) {
		struct machipc_msg_builder b;

		ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), s->p,
					      MACHIPC_DISP_MAKE_SEND, 0, 0,
					      seed));
		ASSERT_EQ(0, machipc_msg_add_ool(&b, src, 0));
		ASSERT_EQ(0, machipc_msg_add_data(&b, inline_data,
						  sizeof(inline_data)));
	}
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, LONG_MS));
	EXPECT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, LONG_MS))
		TH_LOG("len %zu", len);
	EXPECT_EQ(0, ool_sender_join(&snd));
	ASSERT_EQ(0, shape_copyin(&s->m, &sh, s->p, &mm));
	m_queued(&s->m, s->pp);
	EXPECT_EQ(0, m_received(&s->m, &mm, rbuf));
	EXPECT_MODEL(s->fd, &s->m, "received");
	EXPECT_EQ(1, n);
	EXPECT_EQ(OOL_HDR + OOL_DSC + sizeof(inline_data) + OOL_TRL, size);
	EXPECT_EQ(seed, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(s->p, machipc_msg_header(rbuf)->local_name);
	EXPECT_EQ(getpid(), machipc_msg_trailer(rbuf)->pid);
	EXPECT_EQ(len, machipc_msg_ool(rbuf, 0)->size);
	EXPECT_EQ((uintptr_t)dst, machipc_msg_ool(rbuf, 0)->address);
}

TEST_F_TIMEOUT(one, data_sizes, 300)
{
	static const struct {
		size_t src, dst;
	} offs[] = { { 0, 0 }, { 1, 7 }, { 4093, 5 } };
	struct space1 *s = &self->s;
	size_t sizes[] = { 0, 1, s->chunk - 1, s->chunk, s->chunk + 1,
			   OOL_MIB + 1 };
	size_t max = OOL_MIB + 1 + s->chunk + 2 * s->page, i, j, off;
	unsigned char *src = ool_map(max), *dst = ool_map(max);
	__u64 usage = ool_usage(s->fd);
	__u32 seed = 1;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		for (j = 0; j < ARRAY_LEN(offs); j++, seed++) {
			unsigned char *sp = src + offs[j].src;
			unsigned char *dp = dst + offs[j].dst;
			size_t len = sizes[i];

			ool_fill(sp, len, seed);
			memset(dst, 0xa5, max);
			xfer1(_metadata, s, sp, dp, len, len, seed);
			off = ool_check(dp, len, seed);
			EXPECT_EQ(len, off) TH_LOG("len %zu: bad byte %zu",
						   len, off);
			EXPECT_EQ(offs[j].dst,
				  ool_check_byte(dst, offs[j].dst, 0xa5));
			EXPECT_EQ(s->page,
				  ool_check_byte(dp + len, s->page, 0xa5));
			if (_metadata->exit_code != KSFT_PASS)
				goto out;
		}
	}
	EXPECT_EQ(usage, ool_usage(s->fd));
out:
	munmap(src, max);
	munmap(dst, max);
}

/* ------------------------------------------------------------------ */
/* Failures: nothing changes                                          */
/* ------------------------------------------------------------------ */

/*
 * Rights the failure tests' messages would move: a foreign send right x
 * with one reference (MOVE_SEND), a receive right n (MOVE_RECEIVE), a
 * reply right made from k (MAKE_SEND_ONCE).
 */
static void moving_rights(struct __test_metadata *_metadata,
			  struct space1 *s, struct shape *sh)
{
	__u32 x = m_foreign_send(&s->m, s->fd, s->other, 1);
	__u32 n = m_alloc_receive(&s->m, s->fd);
	__u32 k = m_alloc_receive(&s->m, s->fd);

	ASSERT_NE(0, x);
	ASSERT_NE(0, n);
	ASSERT_NE(0, k);
	add_desc(sh, x, MACHIPC_DISP_MOVE_SEND);
	add_desc(sh, n, MACHIPC_DISP_MOVE_RECEIVE);
	sh->local = k;
	sh->local_disp = MACHIPC_DISP_MAKE_SEND_ONCE;
}

/*
 * The second of two regions cannot be read: the send fails with EFAULT
 * and changes nothing; the receiver, waiting, gets the sender's next
 * message instead.
 */
TEST_F_TIMEOUT(one, efault_source, 120)
{
	struct space1 *s = &self->s;
	size_t len = 2 * s->chunk + 1;
	unsigned char *good = ool_map(len), *dst = ool_map(2 * len);
	void *bad = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	struct machipc_ool_buf ob[2] = {
		{ .address = (uintptr_t)dst, .size = len },
		{ .address = (uintptr_t)dst + len, .size = len },
	};
	struct machipc_msg_builder b;
	__u64 sbuf[64], rbuf[RBUF_WORDS], usage;
	struct shape next = { .dest_disp = MACHIPC_DISP_COPY_SEND };
	struct shape sh = { 0 };
	struct ool_sender snd = { 0 };
	struct m_msg mm;
	unsigned int n = 2, i;
	size_t size = sizeof(rbuf);

	ASSERT_NE(NULL, good);
	ASSERT_NE(NULL, dst);
	ASSERT_NE(MAP_FAILED, bad);
	moving_rights(_metadata, s, &sh);
	ASSERT_EQ(0, m_make_send(&s->m, s->fd, s->p, 1));  /* for the next */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), s->p,
				      MACHIPC_DISP_MAKE_SEND, sh.local,
				      sh.local_disp, ID_MSG));
	for (i = 0; i < sh.nd; i++)
		ASSERT_EQ(0, machipc_msg_add_port(&b, sh.d[i].name,
						  sh.d[i].disp));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, good, len));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, bad, len));
	EXPECT_MODEL(s->fd, &s->m, "set-up");
	usage = ool_usage(s->fd);

	snd.then_dest = s->p;
	snd.then_id = ID_NEXT;
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, LONG_MS));
	EXPECT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, ob, &n, LONG_MS));
	EXPECT_EQ(EFAULT, ool_sender_join(&snd));
	EXPECT_EQ(0, snd.then_err);
	EXPECT_EQ(ID_NEXT, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, machipc_msg_trailer(rbuf)->seqno);
	ASSERT_EQ(0, shape_copyin(&s->m, &next, s->p, &mm));
	m_queued(&s->m, s->pp);
	EXPECT_EQ(0, m_received(&s->m, &mm, rbuf));
	EXPECT_MODEL(s->fd, &s->m, "after EFAULT and the next message");
	EXPECT_EQ(usage, ool_usage(s->fd));
	munmap(good, len);
	munmap(dst, 2 * len);
	munmap(bad, len);
}

/*
 * The receive buffer cannot be written: the receive fails with EFAULT,
 * the message stays queued uncommitted with its rights in the space; a
 * good buffer then gets it.
 */
static void unwritable(struct __test_metadata *_metadata, struct space1 *s,
		       void *bad, size_t cap)
{
	size_t len = 2 * s->chunk + 3;
	unsigned char *src = ool_map(len + 1), *good = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)bad, .size = cap };
	__u64 sbuf[64], rbuf[RBUF_WORDS], usage;
	struct shape sh = { 0 };
	struct ool_sender snd;
	struct m_msg mm;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);
	struct m_ent *pe;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, good);
	ASSERT_LE(len, cap);
	moving_rights(_metadata, s, &sh);
	ool_fill(src + 1, len, 631);
	sh.src = src + 1;
	sh.ool_len = len;
	ASSERT_EQ(0, shape_build(&sh, s->p, sbuf, sizeof(sbuf), ID_MSG));
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	m_queued(&s->m, s->pp);
	EXPECT_MODEL(s->fd, &s->m, "queued");
	usage = ool_usage(s->fd);

	EXPECT_EQ(EFAULT, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, 0));
	EXPECT_MODEL(s->fd, &s->m, "after EFAULT");
	EXPECT_EQ(usage, ool_usage(s->fd));
	EXPECT_EQ(0, atomic_load(&snd.done));

	ob.address = (uintptr_t)good;
	ob.size = len;
	size = sizeof(rbuf);
	n = 1;
	ASSERT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	ASSERT_EQ(0, shape_copyin(&s->m, &sh, s->p, &mm));
	EXPECT_EQ(0, m_received(&s->m, &mm, rbuf));
	EXPECT_MODEL(s->fd, &s->m, "received");
	pe = m_find_port(&s->m, s->pp);
	check_body(_metadata, rbuf, &sh, pe->name, ID_MSG, good, 631);
	EXPECT_EQ(0, machipc_msg_trailer(rbuf)->seqno);
	munmap(src, len + 1);
	munmap(good, len);
}

TEST_F_TIMEOUT(one, efault_destination_read_only, 120)
{
	size_t cap = 3 * self->s.chunk;
	void *p = mmap(NULL, cap, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	unwritable(_metadata, &self->s, p, cap);
	munmap(p, cap);
}

TEST_F_TIMEOUT(one, efault_destination_prot_none, 120)
{
	size_t cap = 3 * self->s.chunk;
	void *p = mmap(NULL, cap, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	unwritable(_metadata, &self->s, p, cap);
	munmap(p, cap);
}

/*
 * A right the waiting send would move is destroyed by another thread: the
 * commit finds it gone, the send fails with ENOENT, nothing else moved,
 * and the receiver goes on waiting.
 */
TEST_F_TIMEOUT(one, rights_gone_at_commit, 120)
{
	struct space1 *s = &self->s;
	size_t len = s->chunk + 1;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
	__u64 sbuf[64], rbuf[RBUF_WORDS], usage;
	struct shape sh = { 0 };
	struct ool_sender snd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	moving_rights(_metadata, s, &sh);
	sh.src = src;
	sh.ool_len = len;
	ASSERT_EQ(0, shape_build(&sh, s->p, sbuf, sizeof(sbuf), ID_MSG));
	usage = ool_usage(s->fd);
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	/* x goes: its one reference dropped */
	ASSERT_EQ(0, m_deallocate(&s->m, s->fd, sh.d[0].name));
	EXPECT_EQ(ETIMEDOUT, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n,
				      1000));
	EXPECT_EQ(ENOENT, ool_sender_join(&snd));
	EXPECT_MODEL(s->fd, &s->m, "after the failed send");
	EXPECT_EQ(usage - s->a.cost_entry, ool_usage(s->fd));
	munmap(src, len);
	munmap(dst, len);
}

/* ------------------------------------------------------------------ */
/* Accounting at the limit                                            */
/* ------------------------------------------------------------------ */

/*
 * A sender thread waits with @sh's message; the receive may charge only
 * @room bytes besides its copier: ENOBUFS if @room is short of what the
 * message adds (@names_added names, net of those its send frees), with
 * nothing changed and the message still queued; then success.
 */
static void at_limit(struct __test_metadata *_metadata, struct space1 *s,
		     struct shape *sh, int names_added)
{
	size_t len = s->chunk + 9;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
	struct machipc_account_info ai;
	__u64 sbuf[64], rbuf[RBUF_WORDS], usage, base, failures;
	struct ool_sender snd;
	struct m_msg mm;
	unsigned int n = 1;
	size_t size = sizeof(rbuf), names;
	int room;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 77);
	sh->src = src;
	sh->ool_len = len;
	ASSERT_EQ(0, shape_build(sh, s->p, sbuf, sizeof(sbuf), ID_MSG));
	names = s->m.n;
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	m_queued(&s->m, s->pp);
	/* The commit reserves the send-once rights it makes: room for them. */
	base = ool_usage(s->fd) + ool_so_reserved(&s->a, sbuf);
	usage = ool_usage(s->fd);
	for (room = 0; room < names_added; room++) {
		ASSERT_EQ(0, MT_ERR(machipc_account_get(s->fd, &ai)));
		failures = ai.failures;
		ASSERT_EQ(0, machipc_account_set_limit(s->fd,
			base + s->v.cost_copy + room * s->a.cost_entry));
		size = sizeof(rbuf);
		n = 1;
		EXPECT_EQ(ENOBUFS, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n,
					    0)) TH_LOG("room for %d names", room);
		EXPECT_MODEL(s->fd, &s->m, "after ENOBUFS");
		ASSERT_EQ(0, MT_ERR(machipc_account_get(s->fd, &ai)));
		EXPECT_EQ(usage, ai.usage);
		EXPECT_EQ(failures + 1, ai.failures);
		EXPECT_EQ(0, atomic_load(&snd.done));
	}
	/* exactly enough room (none, if the message adds no name) */
	ASSERT_EQ(0, machipc_account_set_limit(s->fd,
		base + s->v.cost_copy +
		(names_added > 0 ? names_added : 0) * s->a.cost_entry));
	ASSERT_EQ(0, MT_ERR(machipc_account_get(s->fd, &ai)));
	failures = ai.failures;
	size = sizeof(rbuf);
	n = 1;
	EXPECT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	ASSERT_EQ(0, shape_copyin(&s->m, sh, s->p, &mm));
	EXPECT_EQ(0, m_received(&s->m, &mm, rbuf));
	EXPECT_MODEL(s->fd, &s->m, "received");
	EXPECT_EQ(names_added, (int)(s->m.n - names));
	ASSERT_EQ(0, MT_ERR(machipc_account_get(s->fd, &ai)));
	EXPECT_EQ(failures, ai.failures);
	/* the message and its transfer state are refunded by now */
	EXPECT_EQ(base - ool_msg_cost(&s->a, machipc_msg_size(sbuf)) -
		  s->a.cost_ool + names_added * s->a.cost_entry, ai.usage);
	/* (base counted the reservations the commit made) */
	EXPECT_EQ(len, ool_check(dst, len, 77));
	munmap(src, len);
	munmap(dst, len);
}

/* Names freed and given: MOVE_SEND of one reference, MOVE_SEND_ONCE. */
TEST_F_TIMEOUT(one, enobufs_net_zero_names, 120)
{
	struct space1 *s = &self->s;
	struct shape sh = { 0 };
	__u32 x = m_foreign_send(&s->m, s->fd, s->other, 1);
	__u32 n = m_alloc_receive(&s->m, s->fd), so;

	ASSERT_NE(0, x);
	ASSERT_NE(0, n);
	ASSERT_NE(0, so = m_make_send_once(&s->m, s->fd, n));
	add_desc(&sh, x, MACHIPC_DISP_MOVE_SEND);
	add_desc(&sh, so, MACHIPC_DISP_MOVE_SEND_ONCE);
	at_limit(_metadata, s, &sh, 0);
}

/* A moved receive right (net 0) and a new send-once right (1). */
TEST_F_TIMEOUT(one, enobufs_one_name, 120)
{
	struct space1 *s = &self->s;
	struct shape sh = { 0 };
	__u32 n = m_alloc_receive(&s->m, s->fd);
	__u32 k = m_alloc_receive(&s->m, s->fd);

	ASSERT_NE(0, n);
	ASSERT_NE(0, k);
	add_desc(&sh, n, MACHIPC_DISP_MOVE_RECEIVE);
	add_desc(&sh, k, MACHIPC_DISP_MAKE_SEND_ONCE);
	at_limit(_metadata, s, &sh, 1);
}

/* Two new names against one freed: a send-once right moved, two made. */
TEST_F_TIMEOUT(one, enobufs_two_names, 120)
{
	struct space1 *s = &self->s;
	struct shape sh = { 0 };
	__u32 n = m_alloc_receive(&s->m, s->fd), so;

	ASSERT_NE(0, n);
	ASSERT_NE(0, so = m_make_send_once(&s->m, s->fd, n));
	add_desc(&sh, so, MACHIPC_DISP_MOVE_SEND_ONCE);
	add_desc(&sh, n, MACHIPC_DISP_MAKE_SEND_ONCE);
	add_desc(&sh, n, MACHIPC_DISP_MAKE_SEND_ONCE);
	at_limit(_metadata, s, &sh, 2);
}

/* ------------------------------------------------------------------ */
/* Injected aborts at every chunk boundary                            */
/* ------------------------------------------------------------------ */

struct rcv_thread {
	int fd;
	__u32 name;
	__u64 *buf;
	size_t size;
	struct machipc_ool_buf *ob;
	unsigned int n;
	int err;
	atomic_int done;
	pthread_t th;
};

static void *rcv_thread_fn(void *arg)
{
	struct rcv_thread *t = arg;

	t->err = ool_recv(t->fd, t->name, t->buf, &t->size, t->ob, &t->n,
			  LONG_MS);
	atomic_store(&t->done, 1);
	return NULL;
}

static int inject_disarm(void)
{
	if (!mt_write_file(DBG "inject_abort_chunk", "-1"))
		return 0;
	return mt_write_file(DBG "inject_abort_chunk", "18446744073709551615");
}

TEST_F_TIMEOUT(one, inject_abort_every_chunk, 600)
{
	struct space1 *s = &self->s;
	size_t len = 3 * s->chunk + 200, off = 104;
	unsigned char *src = ool_map(len + off), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
	unsigned int side, k, nchunks;
	__u64 sbuf[64], rbuf[RBUF_WORDS], seqno = 0;
	__u32 k_port = m_alloc_receive(&s->m, s->fd), seed = 1;
	long v, n0, n1;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_NE(0, k_port);
	if (mt_read_long(DBG "inject_abort_chunk", &v))
		SKIP(return, "no " DBG "inject_abort_chunk");
	nchunks = (len + off % s->page + s->chunk - 1) / s->chunk;
	TH_LOG("%u chunks", nchunks);

	for (side = 0; side < 2; side++) {
		for (k = 0; k <= nchunks; k++, seed++) {
			bool abort = k < nchunks;
			struct shape sh = { .src = src + off, .ool_len = len };
			__u32 x = m_foreign_send(&s->m, s->fd, s->other, 1);
			__u32 n = m_alloc_receive(&s->m, s->fd);
			struct ool_sender snd;
			struct rcv_thread rt;
			struct m_msg mm;
			struct m_ent *pe;
			unsigned int cnt = 1;
			size_t size = sizeof(rbuf), i;
			__u64 usage;
			char num[16];

			TH_LOG("side %u chunk %u", side, k);
			ASSERT_NE(0, x);
			ASSERT_NE(0, n);
			add_desc(&sh, x, MACHIPC_DISP_MOVE_SEND);
			add_desc(&sh, n, MACHIPC_DISP_MOVE_RECEIVE);
			add_desc(&sh, k_port, MACHIPC_DISP_MAKE_SEND);
			ool_fill(src + off, len, seed);
			ASSERT_EQ(0, shape_build(&sh, s->p, sbuf, sizeof(sbuf),
						 seed));
			usage = ool_usage(s->fd);
			ASSERT_EQ(0, mt_read_long(DBG "aborts_injected", &n0));
			ASSERT_EQ(0, mt_write_file(DBG "inject_abort_side",
						   side ? "1" : "0"));
			snprintf(num, sizeof(num), "%u", k);
			ASSERT_EQ(0, mt_write_file(DBG "inject_abort_chunk",
						   num));
			if (side == 0) {
				/* the receiver is interrupted */
				ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf,
							      LONG_MS));
				ASSERT_EQ(0, ool_sender_wait_blocked(&snd,
								     10000));
				m_queued(&s->m, s->pp);
				if (abort) {
					EXPECT_EQ(EINTR,
						  ool_recv(s->fd, s->p, rbuf,
							   &size, &ob, &cnt,
							   LONG_MS));
					EXPECT_MODEL(s->fd, &s->m,
						     "receiver aborted");
					EXPECT_EQ(0, atomic_load(&snd.done));
					size = sizeof(rbuf);
					cnt = 1;
				}
				ASSERT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size,
						      &ob, &cnt, LONG_MS));
				ASSERT_EQ(0, ool_sender_join(&snd));
			} else {
				/* the sender is interrupted */
				memset(&rt, 0, sizeof(rt));
				rt.fd = s->fd;
				rt.name = s->p;
				rt.buf = rbuf;
				rt.size = sizeof(rbuf);
				rt.ob = &ob;
				rt.n = 1;
				ASSERT_EQ(0, pthread_create(&rt.th, NULL,
							    rcv_thread_fn, &rt));
				if (abort) {
					EXPECT_EQ(EINTR, MT_ERR(machipc_send(
						s->fd, sbuf, NULL)));
					EXPECT_MODEL(s->fd, &s->m,
						     "sender aborted");
					EXPECT_EQ(0, atomic_load(&rt.done));
				}
				m_queued(&s->m, s->pp);
				EXPECT_EQ(0, MT_ERR(machipc_send(s->fd, sbuf,
								 NULL)));
				pthread_join(rt.th, NULL);
				ASSERT_EQ(0, rt.err);
				cnt = rt.n;
			}
			EXPECT_EQ(1, cnt);
			ASSERT_EQ(0, mt_read_long(DBG "aborts_injected", &n1));
			EXPECT_EQ(n0 + abort, n1);
			if (!abort)
				ASSERT_EQ(0, inject_disarm());
			ASSERT_EQ(0, shape_copyin(&s->m, &sh, s->p, &mm));
			EXPECT_EQ(0, m_received(&s->m, &mm, rbuf));
			EXPECT_MODEL(s->fd, &s->m, "delivered");
			pe = m_find_port(&s->m, s->pp);
			check_body(_metadata, rbuf, &sh, pe->name, seed, dst,
				   seed);
			EXPECT_EQ(seqno, machipc_msg_trailer(rbuf)->seqno);
			/* x and n moved and came back: no name more */
			EXPECT_EQ(usage, ool_usage(s->fd));
			/* drop what arrived: x', n' and k's send right */
			for (i = 0; i < 3; i++) {
				const struct machipc_msg_desc *d =
					machipc_msg_desc(rbuf, i);

				ASSERT_EQ(0, m_deallocate(&s->m, s->fd,
							  d->name));
			}
			EXPECT_MODEL(s->fd, &s->m, "dropped");
			seqno++;
			if (_metadata->exit_code != KSFT_PASS)
				goto out;
		}
	}
out:
	inject_disarm();
	mt_write_file(DBG "inject_abort_side", "0");
	munmap(src, len + off);
	munmap(dst, len);
}


/* ------------------------------------------------------------------ */
/* The synchronous send within one space                               */
/* ------------------------------------------------------------------ */

/* Nobody receives: the send times out with nothing moved. */
TEST_F_TIMEOUT(one, sender_times_out, 120)
{
	struct space1 *s = &self->s;
	size_t len = s->chunk + 1;
	unsigned char *src = ool_map(len);
	__u64 sbuf[64], usage;
	struct shape sh = { .ool_len = len };
	struct ool_sender snd;

	ASSERT_NE(NULL, src);
	sh.src = src;
	moving_rights(_metadata, s, &sh);
	ASSERT_EQ(0, shape_build(&sh, s->p, sbuf, sizeof(sbuf), ID_MSG));
	usage = ool_usage(s->fd);
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, 1000));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	m_queued(&s->m, s->pp);
	EXPECT_MODEL(s->fd, &s->m, "queued");
	EXPECT_EQ(ETIMEDOUT, ool_sender_join(&snd));
	s->m.port[s->pp].msgcount--;
	EXPECT_MODEL(s->fd, &s->m, "timed out");
	EXPECT_EQ(usage, ool_usage(s->fd));
	munmap(src, len);
}

/*
 * The destination's receive right is destroyed while the send waits: the
 * send fails with EPIPE, its rights stay.
 */
TEST_F_TIMEOUT(one, destination_destroyed, 120)
{
	struct space1 *s = &self->s;
	size_t len = s->chunk + 1;
	unsigned char *src = ool_map(len);
	__u64 sbuf[64];
	struct shape sh = { .ool_len = len };
	struct ool_sender snd;
	size_t i;

	ASSERT_NE(NULL, src);
	sh.src = src;
	moving_rights(_metadata, s, &sh);
	ASSERT_EQ(0, shape_build(&sh, s->p, sbuf, sizeof(sbuf), ID_MSG));
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, LONG_MS));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(s->fd, s->p)));
	EXPECT_EQ(EPIPE, ool_sender_join(&snd));
	for (i = 0; i < s->m.n; i++)
		if (s->m.e[i].name == s->p)
			s->m.e[i].rights = 0;
	m_drop_empty(&s->m);
	EXPECT_MODEL(s->fd, &s->m, "after EPIPE");
	destroy_all(_metadata, s);
	munmap(src, len);
}

/*
 * A child process moves rights to itself out of line and exits: once
 * after the receive (the space is torn down with the names the commit
 * made), once with the send still waiting, once with the receiver
 * copying.  The kernel log, rmmod and the accounts judge.
 */
static int exit_child(int stage)
{
	struct space1 s1 = { 0 };
	struct __test_metadata meta = { .exit_code = KSFT_PASS };
	struct __test_metadata *_metadata = &meta;
	struct shape sh = { 0 };
	size_t len = 8 * OOL_MIB;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
	__u64 sbuf[64], rbuf[RBUF_WORDS];
	struct ool_sender snd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);

	if (!src || !dst)
		return 10;
	/* the helpers' ASSERTs end up here */
	if (setjmp(meta.env))
		return 20;
	space1_open(_metadata, &s1);
	if (meta.exit_code != KSFT_PASS)
		return 11;
	moving_rights(_metadata, &s1, &sh);
	if (meta.exit_code != KSFT_PASS)
		return 12;
	add_desc(&sh, s1.p, MACHIPC_DISP_MOVE_RECEIVE);
	sh.src = src;
	sh.ool_len = len;
	if (shape_build(&sh, s1.p, sbuf, sizeof(sbuf), ID_MSG))
		return 13;
	if (ool_sender_start(&snd, s1.fd, sbuf, -1))
		return 14;
	if (ool_sender_wait_blocked(&snd, 10000))
		return 15;
	if (stage == 1)
		_exit(0);		/* the send waits */
	if (stage == 2) {
		struct timespec dl;

		/* a receive that runs out of time mid-copy, then exit */
		machipc_deadline_in(&dl, 1);
		machipc_receive_ool(s1.fd, s1.p, rbuf, &size, &ob, &n, &dl);
		_exit(0);
	}
	if (ool_recv(s1.fd, s1.p, rbuf, &size, &ob, &n, LONG_MS))
		return 16;
	if (ool_sender_join(&snd))
		return 17;
	_exit(0);
}

TEST_F_TIMEOUT(one, process_exit, 120)
{
	int stage;

	for (stage = 0; stage < 3; stage++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid)
			_exit(exit_child(stage));
		EXPECT_EQ(0, mt_wait(pid)) TH_LOG("stage %d", stage);
	}
}


/* ------------------------------------------------------------------ */
/* Signals to both threads                                            */
/* ------------------------------------------------------------------ */

static atomic_int sig_hits;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&sig_hits, 1);
}

struct storm {
	pthread_t target[2];
	atomic_int stop;
	pthread_t th;
};

/* SIGUSR1 to the sender and the receiver in turn, 20 times, 30 ms apart. */
static void *storm_fn(void *arg)
{
	struct storm *st = arg;
	int i;

	for (i = 0; i < 20 && !atomic_load(&st->stop); i++) {
		usleep(30000);
		pthread_kill(st->target[i & 1], SIGUSR1);
	}
	return NULL;
}

/*
 * Signals with SA_RESTART hit the sending and the receiving thread while
 * they transfer: each aborts the transfer and restarts it; the message is
 * delivered once, intact, with its rights as the model says.
 */
TEST_F_TIMEOUT(one, signals_restart, 300)
{
	struct space1 *s = &self->s;
	size_t len = 16 * OOL_MIB;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	__u64 sbuf[64], rbuf[RBUF_WORDS];
	struct shape sh = { .ool_len = len };
	struct ool_sender snd;
	struct storm st = { 0 };
	struct m_msg mm;
	struct m_ent *pe;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ool_fill(src, len, 99);
	sh.src = src;
	moving_rights(_metadata, s, &sh);
	ASSERT_EQ(0, shape_build(&sh, s->p, sbuf, sizeof(sbuf), ID_MSG));
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	st.target[0] = snd.thread;
	st.target[1] = pthread_self();
	ASSERT_EQ(0, pthread_create(&st.th, NULL, storm_fn, &st));
	EXPECT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, -1));
	atomic_store(&st.stop, 1);
	pthread_join(st.th, NULL);
	EXPECT_EQ(0, ool_sender_join(&snd));
	TH_LOG("%d signals", atomic_load(&sig_hits));
	m_queued(&s->m, s->pp);
	ASSERT_EQ(0, shape_copyin(&s->m, &sh, s->p, &mm));
	EXPECT_EQ(0, m_received(&s->m, &mm, rbuf));
	EXPECT_MODEL(s->fd, &s->m, "received");
	pe = m_find_port(&s->m, s->pp);
	check_body(_metadata, rbuf, &sh, pe->name, ID_MSG, dst, 99);
	destroy_all(_metadata, s);
	munmap(src, len);
	munmap(dst, len);
}

/* ------------------------------------------------------------------ */
/* ool.c's scenarios within one space                                 */
/* ------------------------------------------------------------------ */

/* @len bytes of a memfd mapped shared, or NULL. */
static unsigned char *self_memfd(size_t len)
{
	int mfd = memfd_create("ool_self", MFD_CLOEXEC);
	void *p;

	if (mfd < 0 || ftruncate(mfd, len)) {
		if (mfd >= 0)
			close(mfd);
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	close(mfd);
	return p == MAP_FAILED ? NULL : p;
}

/* 2 * 2 MiB of anonymous memory aligned for THP (*@raw to unmap). */
static unsigned char *self_thp(unsigned char **raw)
{
	size_t huge = 2 * OOL_MIB;
	unsigned char *p;

	*raw = ool_map(3 * huge);
	if (!*raw)
		return NULL;
	p = (unsigned char *)(((uintptr_t)*raw + huge - 1) & ~(huge - 1));
	madvise(p, 2 * huge, MADV_HUGEPAGE);	/* else plain pages */
	return p;
}

/* One same-space transfer of @len bytes from @src to @dst, checked. */
static void self_copy(struct __test_metadata *_metadata, struct space1 *s,
		      const unsigned char *src, unsigned char *dst, size_t len,
		      __u32 seed, bool zeros)
{
	memset(dst, 0xa5, len);
	xfer1(_metadata, s, src, dst, len, len, seed);
	if (zeros) {
		EXPECT_EQ(len, ool_check_byte(dst, len, 0));
	} else {
		EXPECT_EQ(len, ool_check(dst, len, seed));
	}
}

TEST_F_TIMEOUT(one, source_memfd, 120)
{
	size_t len = 3 * self->s.chunk + 5;
	unsigned char *src = self_memfd(len + 1), *dst = ool_map(len);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src + 1, len, 901);
	self_copy(_metadata, &self->s, src + 1, dst, len, 901, false);
	munmap(src, len + 1);
	munmap(dst, len);
}

TEST_F_TIMEOUT(one, source_shared_file, 120)
{
	char path[] = "/tmp/ool_self.XXXXXX";
	size_t len = 2 * self->s.chunk + 9;
	int ffd = mkstemp(path);
	unsigned char *src, *dst = ool_map(len);

	ASSERT_LE(0, ffd);
	unlink(path);
	ASSERT_EQ(0, ftruncate(ffd, len));
	src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	close(ffd);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 902);
	self_copy(_metadata, &self->s, src, dst, len, 902, false);
	munmap(src, len);
	munmap(dst, len);
}

/* Never-touched anonymous memory reads as the zero page. */
TEST_F_TIMEOUT(one, source_zero_page, 120)
{
	size_t len = 2 * self->s.chunk + 3;
	unsigned char *src = ool_map(len), *dst = ool_map(len);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	self_copy(_metadata, &self->s, src, dst, len, 903, true);
	EXPECT_EQ(len, ool_check_byte(src, len, 0));
	munmap(src, len);
	munmap(dst, len);
}

TEST_F_TIMEOUT(one, source_thp, 120)
{
	size_t huge = 2 * OOL_MIB;
	unsigned char *raw, *src = self_thp(&raw), *dst = ool_map(2 * huge);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, 2 * huge, 904);
	self_copy(_metadata, &self->s, src, dst, 2 * huge, 904, false);
	/* starts and ends inside huge pages */
	ool_fill(src + 12345, huge + 7, 905);
	self_copy(_metadata, &self->s, src + 12345, dst, huge + 7, 905, false);
	munmap(raw, 3 * huge);
	munmap(dst, 2 * huge);
}

TEST_F_TIMEOUT(one, destination_memfd_thp_untouched, 120)
{
	size_t huge = 2 * OOL_MIB, len = huge + 4097;
	unsigned char *src = ool_map(len), *mem = self_memfd(len);
	unsigned char *raw, *thp = self_thp(&raw);
	unsigned char *fresh;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, mem);
	ASSERT_NE(NULL, thp);
	ool_fill(src, len, 906);
	self_copy(_metadata, &self->s, src, mem, len, 906, false);
	self_copy(_metadata, &self->s, src, thp + 1, len, 906, false);
	/* never faulted in: the receive's copy faults it */
	fresh = ool_map(len);
	ASSERT_NE(NULL, fresh);
	xfer1(_metadata, &self->s, src, fresh, len, len, 906);
	EXPECT_EQ(len, ool_check(fresh, len, 906));
	munmap(fresh, len);
	munmap(raw, 3 * huge);
	munmap(mem, len);
	munmap(src, len);
}

/*
 * A source with a hole in the middle: the receiving thread's copy fails
 * there, the send fails with EFAULT, nothing is delivered; the receiver
 * gets the sender's next message.
 */
TEST_F_TIMEOUT(one, efault_source_hole_in_the_middle, 120)
{
	struct space1 *s = &self->s;
	size_t len = 3 * s->chunk;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
	__u64 sbuf[32], rbuf[RBUF_WORDS], usage;
	struct ool_sender snd = { 0 };
	unsigned int n = 1;
	size_t size = sizeof(rbuf);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 907);
	ASSERT_EQ(0, munmap(src + s->chunk + s->page, s->page));
	ASSERT_EQ(0, m_make_send(&s->m, s->fd, s->p, 1));
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), s->p, src, len, ID_MSG));
	usage = ool_usage(s->fd);
	snd.then_dest = s->p;
	snd.then_id = ID_NEXT;
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, LONG_MS));
	EXPECT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, LONG_MS));
	EXPECT_EQ(EFAULT, ool_sender_join(&snd));
	EXPECT_EQ(0, snd.then_err);
	EXPECT_EQ(ID_NEXT, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, ool_msgcount(s->fd, s->p));
	EXPECT_EQ(usage, ool_usage(s->fd));
	munmap(src, len);
	munmap(dst, len);
}

/*
 * A buffer one byte short: EMSGSIZE with the size needed, the message
 * stays queued and its sender waiting; a large enough buffer then gets it.
 */
TEST_F_TIMEOUT(one, emsgsize_keeps_sender_waiting, 120)
{
	struct space1 *s = &self->s;
	size_t len = 2 * s->chunk + 11;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len - 1 };
	__u64 sbuf[32], rbuf[RBUF_WORDS];
	struct ool_sender snd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 908);
	ASSERT_EQ(0, m_make_send(&s->m, s->fd, s->p, 1));
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), s->p, src, len, ID_MSG));
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	EXPECT_EQ(EMSGSIZE, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, 0));
	EXPECT_EQ(len, ob.size);
	EXPECT_EQ(1, n);
	EXPECT_EQ(1, ool_msgcount(s->fd, s->p));
	EXPECT_EQ(0, atomic_load(&snd.done));
	/* no receive buffer at all: the same */
	n = 0;
	size = sizeof(rbuf);
	EXPECT_EQ(EMSGSIZE, ool_recv(s->fd, s->p, rbuf, &size, NULL, &n, 0));
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, atomic_load(&snd.done));
	ob.size = len;
	n = 1;
	size = sizeof(rbuf);
	EXPECT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(ID_MSG, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(len, ool_check(dst, len, 908));
	EXPECT_EQ(0, ool_msgcount(s->fd, s->p));
	munmap(src, len);
	munmap(dst, len);
}

/* The receiving thread waits on a port set the port is in. */
TEST_F_TIMEOUT(one, port_set_receive, 120)
{
	struct space1 *s = &self->s;
	size_t len = s->chunk + 1;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
	__u64 sbuf[32], rbuf[RBUF_WORDS];
	struct ool_sender snd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);
	__u32 set;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 909);
	ASSERT_EQ(0, MT_ERR(machipc_port_allocate(s->fd, MACHIPC_RIGHT_PORT_SET,
						  &set)));
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(s->fd, s->p, set)));
	ASSERT_EQ(0, m_make_send(&s->m, s->fd, s->p, 1));
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), s->p, src, len, ID_MSG));
	ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, LONG_MS));
	EXPECT_EQ(0, ool_recv(s->fd, set, rbuf, &size, &ob, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(ID_MSG, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(s->p, machipc_msg_header(rbuf)->local_name);
	EXPECT_EQ(len, ool_check(dst, len, 909));
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(s->fd, s->p, 0)));
	munmap(src, len);
	munmap(dst, len);
}

/* A third thread unmaps, protects or discards part of the source. */
struct self_racer {
	unsigned char *at;
	size_t len;
	int how;
	unsigned int spin;
	pthread_t thread;
};

static void *self_racer_fn(void *arg)
{
	struct self_racer *r = arg;
	volatile unsigned int i;

	for (i = 0; i < r->spin; i++)
		;
	switch (r->how) {
	case 0:
		munmap(r->at, r->len);
		break;
	case 1:
		mprotect(r->at, r->len, PROT_NONE);
		break;
	default:
		madvise(r->at, r->len, MADV_DONTNEED);
		break;
	}
	return NULL;
}

/*
 * While the receiving thread copies, a third thread unmaps (or protects,
 * or discards) a page of the source: the send either succeeds with the
 * data as it was when sent (the pages are pinned; after MADV_DONTNEED a
 * page may also read as zeros) or fails with EFAULT and nothing delivered.
 */
TEST_F_TIMEOUT(one, source_changes_during_copy, 300)
{
	struct space1 *s = &self->s;
	size_t len = 4 * s->chunk;
	unsigned char *dst = ool_map(len), *ref = ool_map(len);
	long iters = mt_scaled(30, 6), it;
	int ok = 0, efault = 0;

	ASSERT_NE(NULL, dst);
	ASSERT_NE(NULL, ref);
	ASSERT_EQ(0, m_make_send(&s->m, s->fd, s->p, 1));
	for (it = 0; it < iters; it++) {
		unsigned char *src = ool_map(len);
		struct machipc_ool_buf ob = { .address = (uintptr_t)dst, .size = len };
		struct self_racer r = {
			.at = src + 2 * s->chunk + s->page, .len = s->page,
			.how = it % 3, .spin = (unsigned int)(it * 7919 % 200000),
		};
		__u64 sbuf[32], rbuf[RBUF_WORDS];
		struct ool_sender snd = { 0 };
		unsigned int n = 1;
		size_t size = sizeof(rbuf);
		int err;

		ASSERT_NE(NULL, src);
		ool_fill(src, len, 910 + it);
		ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), s->p, src, len,
					 ID_MSG));
		snd.then_dest = s->p;
		snd.then_id = ID_NEXT;
		ASSERT_EQ(0, ool_sender_start(&snd, s->fd, sbuf, LONG_MS));
		ASSERT_EQ(0, pthread_create(&r.thread, NULL, self_racer_fn, &r));
		EXPECT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, &ob, &n, LONG_MS));
		err = ool_sender_join(&snd);
		pthread_join(r.thread, NULL);
		EXPECT_EQ(0, snd.then_err);
		if (err == 0) {
			size_t off = r.at - src;

			ok++;
			EXPECT_EQ(ID_MSG, machipc_msg_header(rbuf)->id);
			ool_fill(ref, len, 910 + it);
			EXPECT_EQ(0, memcmp(dst, ref, off)) TH_LOG("iteration %ld", it);
			EXPECT_EQ(0, memcmp(dst + off + s->page, ref + off + s->page,
					    len - off - s->page))
				TH_LOG("iteration %ld", it);
			/* the changed page: as sent, or zeros once discarded */
			if (memcmp(dst + off, ref + off, s->page)) {
				EXPECT_TRUE(r.how == 2 &&
					    ool_check_byte(dst + off, s->page, 0) == s->page)
					TH_LOG("iteration %ld (%d): a page neither as sent nor discarded",
					       it, r.how);
			}
			/* the follow-up message */
			size = sizeof(rbuf);
			n = 0;
			EXPECT_EQ(0, ool_recv(s->fd, s->p, rbuf, &size, NULL, &n,
					      LONG_MS));
		} else {
			efault++;
			EXPECT_EQ(EFAULT, err) TH_LOG("iteration %ld (%d)", it, r.how);
		}
		EXPECT_EQ(ID_NEXT, machipc_msg_header(rbuf)->id);
		EXPECT_EQ(0, ool_msgcount(s->fd, s->p));
		munmap(src, len);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	TH_LOG("%d delivered, %d EFAULT", ok, efault);
	munmap(dst, len);
	munmap(ref, len);
}

TEST_HARNESS_MAIN
