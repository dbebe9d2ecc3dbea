// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: mach_msg() on MACHIPC_IOC_MSG.
 *
 * A Mach message (XNU's 64-bit layout) is translated into a machipc
 * message in a per-thread buffer: the destination and reply rights go in
 * the machipc header, every port descriptor's right becomes a machipc port
 * descriptor, every out-of-line port array a machipc port array
 * (MACHIPC_DESC_OOL_PORTS, whose NULL and DEAD entries the kernel passes
 * as they are), every out-of-line region a machipc out-of-line descriptor,
 * and the inline data carries an envelope that says how to rebuild the
 * Mach layout:
 *
 *	struct lm_env		magic, Mach size, descriptor count, the
 *				dispositions the sender used
 *	struct lm_drec[ndesc]	one per Mach descriptor: type, disposition,
 *				copy option, size or count, NULL/DEAD marks
 *	the Mach body		the bytes after the descriptors
 *
 * The receiver receives the machipc message into its own per-thread
 * buffer and writes the Mach message, with its trailer, into the
 * caller's buffer.  Kernel notifications (MACHIPC_TRAILER_KERNEL) become
 * Mach's notification messages; a message from a program that speaks raw
 * machipc is translated descriptor by descriptor.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/*
 * "cam2": the envelope's second format (port arrays as machipc port
 * arrays); a message with another magic reads as raw machipc.
 */
#define LM_MAGIC	0x326d6163U

struct lm_env {
	uint32_t magic;
	uint32_t xnu_size;
	uint32_t ndesc;
	uint8_t remote_disp;
	uint8_t local_disp;
	uint8_t local_mark;
	uint8_t pad;
};

/* lm_drec.mark */
#define LM_MARK_RIGHT	0	/* the next machipc port descriptor */
#define LM_MARK_NULL	1
#define LM_MARK_DEAD	2

struct lm_drec {
	uint8_t type;
	uint8_t disp;
	uint8_t copy;
	uint8_t dealloc;
	uint32_t count;		/* out-of-line bytes or port-array count */
	uint32_t mark;		/* port descriptors */
	uint32_t gflags;	/* guarded port descriptors */
};

#define MSIZE_HDR	((uint32_t)sizeof(struct machipc_msg_header))
#define MSIZE_DESC	((uint32_t)sizeof(struct machipc_msg_desc))
#define MSIZE_TRAILER	((uint32_t)sizeof(struct machipc_msg_trailer_audit))
/* Every receive asks for Mach's view: the destination's right, the token. */
/*
 * Every receive: the sender's destination disposition, the audit trailer,
 * and out-of-line data in fresh memory the kernel maps for us, as XNU's
 * vm_map_copyout does (ABI 5).
 */
#define LM_RCV_FLAGS	(MACHIPC_MSG_RCV_DEST_DISP | MACHIPC_MSG_RCV_AUDIT | \
			 MACHIPC_MSG_RCV_OOL_ALLOC)

/* ------------------------------------------------------------------ */
/* Per-thread buffers                                                 */
/* ------------------------------------------------------------------ */

struct lm_tls {
	char *sbuf;
	size_t scap;
	char *rbuf;
	size_t rcap;
	mach_port_name_t reply_port;
	int live;
};

static __thread struct lm_tls lm_tls;
static pthread_key_t lm_tls_key;
static pthread_once_t lm_tls_once = PTHREAD_ONCE_INIT;

static void lm_tls_free(void *p)
{
	struct lm_tls *t = p;

	free(t->sbuf);
	free(t->rbuf);
	if (t->reply_port && lm_space.pid == getpid())
		mach_port_mod_refs(lm_space.task, t->reply_port,
				   MACH_PORT_RIGHT_RECEIVE, -1);
	memset(t, 0, sizeof(*t));
}

static void lm_tls_key_init(void)
{
	pthread_key_create(&lm_tls_key, lm_tls_free);
}

static struct lm_tls *lm_tls_get(void)
{
	struct lm_tls *t = &lm_tls;

	if (!t->live) {
		pthread_once(&lm_tls_once, lm_tls_key_init);
		pthread_setspecific(lm_tls_key, t);
		t->live = 1;
	}
	return t;
}

static int lm_grow(char **buf, size_t *cap, size_t want)
{
	char *p;

	if (*cap >= want)
		return 0;
	want = (want + 4095) & ~(size_t)4095;
	p = aligned_alloc(8, want);
	if (!p)
		return ENOMEM;
	free(*buf);
	*buf = p;
	*cap = want;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Messages held by the library (MACH_RCV_LARGE, mach_port_peek())    */
/* ------------------------------------------------------------------ */

struct lm_held {
	struct lm_held *next;
	mach_port_name_t port;
	size_t len;
	char data[];
};

static pthread_mutex_t lm_held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lm_held *lm_held_head;
static atomic_uint lm_held_n;

/*
 * The port arrays of a received message (MACHIPC_DESC_OOL_PORTS) follow its
 * trailer, one after the other.  Found by position, not by the address the
 * kernel reported: a held message is copied elsewhere.
 */
static const uint32_t *lm_array_of(const struct machipc_msg_header *mh,
				   const struct machipc_msg_desc *md)
{
	const struct machipc_msg_desc *d = (const void *)(mh + 1);
	const char *p = (const char *)mh + mh->size + MSIZE_TRAILER;

	for (; d < md; d++)
		if (d->type == MACHIPC_DESC_OOL_PORTS)
			p += d->size * sizeof(uint32_t);
	return (const void *)p;
}

/* Bytes of a received message: itself, the trailer, its port arrays. */
static size_t lm_mm_len(const char *mm)
{
	const struct machipc_msg_header *h = (const void *)mm;
	const struct machipc_msg_desc *end = (const void *)(h + 1);

	end += h->desc_count;
	return (size_t)((const char *)lm_array_of(h, end) - mm + 7) & ~(size_t)7;
}

static void lm_held_put(const char *mm)
{
	size_t len = lm_mm_len(mm);
	struct lm_held *e = malloc(sizeof(*e) + len), **pp;

	if (!e)
		return;
	e->next = NULL;
	e->port = ((const struct machipc_msg_header *)mm)->local_name;
	e->len = len;
	memcpy(e->data, mm, len);
	pthread_mutex_lock(&lm_held_lock);
	for (pp = &lm_held_head; *pp; pp = &(*pp)->next)
		;
	*pp = e;
	atomic_fetch_add(&lm_held_n, 1);
	pthread_mutex_unlock(&lm_held_lock);
}

/* Takes the oldest held message for @name (a port or a set) into @t. */
static int lm_held_take(struct lm_tls *t, mach_port_name_t name, int peek)
{
	struct machipc_port_attr attr;
	struct lm_held *e, **pp;
	int found = 0;

	if (!atomic_load(&lm_held_n))
		return 0;
	pthread_mutex_lock(&lm_held_lock);
	for (pp = &lm_held_head; (e = *pp); pp = &e->next) {
		if (e->port == name ||
		    (!lm_port_attr(e->port, &attr) && attr.pset == name)) {
			found = 1;
			break;
		}
	}
	if (found && !lm_grow(&t->rbuf, &t->rcap, e->len)) {
		memcpy(t->rbuf, e->data, e->len);
		if (!peek) {
			*pp = e->next;
			atomic_fetch_sub(&lm_held_n, 1);
			free(e);
		}
	} else {
		found = 0;
	}
	pthread_mutex_unlock(&lm_held_lock);
	return found;
}

unsigned int lm_held_count(mach_port_name_t port)
{
	unsigned int n = 0;
	struct lm_held *e;

	if (!atomic_load(&lm_held_n))
		return 0;
	pthread_mutex_lock(&lm_held_lock);
	for (e = lm_held_head; e; e = e->next)
		n += e->port == port;
	pthread_mutex_unlock(&lm_held_lock);
	return n;
}

static void lm_mm_destroy(const char *mm);

void lm_port_forget(mach_port_name_t name)
{
	struct lm_held *e, **pp, *dead = NULL;

	lm_context_set(name, 0);
	if (!atomic_load(&lm_held_n))
		return;
	pthread_mutex_lock(&lm_held_lock);
	for (pp = &lm_held_head; (e = *pp);) {
		if (e->port == name) {
			*pp = e->next;
			atomic_fetch_sub(&lm_held_n, 1);
			e->next = dead;
			dead = e;
		} else {
			pp = &e->next;
		}
	}
	pthread_mutex_unlock(&lm_held_lock);
	while ((e = dead)) {
		dead = e->next;
		lm_mm_destroy(e->data);
		free(e);
	}
}

void lm_msg_fork_child(void)
{
	struct lm_held *e;

	pthread_mutex_init(&lm_held_lock, NULL);
	/* Held rights belonged to the parent's space: just drop them. */
	while ((e = lm_held_head)) {
		lm_held_head = e->next;
		free(e);
	}
	atomic_store(&lm_held_n, 0);
	lm_tls.reply_port = MACH_PORT_NULL;
}

/* ------------------------------------------------------------------ */
/* Walking Mach messages                                              */
/* ------------------------------------------------------------------ */

static inline uint32_t lm_desc_type(const char *p)
{
	return ((const mach_msg_type_descriptor_t *)p)->type;
}

static uint32_t lm_desc_size(uint32_t type)
{
	return type == MACH_MSG_PORT_DESCRIPTOR ?
	       sizeof(mach_msg_port_descriptor_t) :
	       sizeof(mach_msg_ool_descriptor_t);
}

static inline int lm_is_right(mach_port_name_t n)
{
	return MACH_PORT_VALID(n);
}

static uint32_t lm_mark(mach_port_name_t n)
{
	return n == MACH_PORT_NULL ? LM_MARK_NULL :
	       n == MACH_PORT_DEAD ? LM_MARK_DEAD : LM_MARK_RIGHT;
}

static void lm_vm_free(uint64_t addr, uint64_t size)
{
	uintptr_t page = (uintptr_t)vm_page_size;
	uintptr_t start = (uintptr_t)addr & ~(page - 1);
	uintptr_t end = ((uintptr_t)(addr + size) + page - 1) & ~(page - 1);

	if (size && end > start)
		munmap((void *)start, end - start);
}

static void *lm_vm_alloc(size_t size)
{
	void *p;

	if (!size)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* ------------------------------------------------------------------ */
/* Send: Mach layout to machipc layout                                */
/* ------------------------------------------------------------------ */

static mach_msg_return_t lm_encode(struct lm_tls *t, mach_msg_header_t *m,
				   mach_msg_size_t size)
{
	const char *p = (const char *)m;
	uint32_t bits = m->msgh_bits;
	uint32_t rt = MACH_MSGH_BITS_REMOTE(bits);
	uint32_t lt = MACH_MSGH_BITS_LOCAL(bits);
	uint32_t vt = MACH_MSGH_BITS_VOUCHER(bits);
	uint32_t ndesc = 0, nmach = 0, nool = 0, i, off, body;
	uint64_t nnames = 0;
	size_t inl, total;
	struct machipc_msg_header *mh;
	struct machipc_msg_desc *md;
	struct lm_env *env;
	struct lm_drec *rec;
	char *q;

	if (size < sizeof(*m) || (size & 3))
		return MACH_SEND_MSG_TOO_SMALL;
	if ((bits & ~MACH_MSGH_BITS_USER) || !MACH_MSG_TYPE_PORT_ANY_SEND(rt) ||
	    (lt == 0 ? m->msgh_local_port != MACH_PORT_NULL :
		       !MACH_MSG_TYPE_PORT_ANY_SEND(lt)) ||
	    (vt && vt != MACH_MSG_TYPE_MOVE_SEND && vt != MACH_MSG_TYPE_COPY_SEND))
		return MACH_SEND_INVALID_HEADER;
	if (vt && MACH_PORT_VALID(m->msgh_voucher_port))
		return MACH_SEND_INVALID_VOUCHER;
	if (!MACH_PORT_VALID(m->msgh_remote_port))
		return MACH_SEND_INVALID_DEST;

	/* Pass 1: check the descriptors and count what machipc carries. */
	off = sizeof(*m);
	if (bits & MACH_MSGH_BITS_COMPLEX) {
		if (size < off + sizeof(mach_msg_body_t))
			return MACH_SEND_MSG_TOO_SMALL;
		ndesc = ((const mach_msg_body_t *)(p + off))->msgh_descriptor_count;
		off += sizeof(mach_msg_body_t);
		for (i = 0; i < ndesc; i++) {
			uint32_t type;

			if (size - off < sizeof(mach_msg_type_descriptor_t))
				return MACH_SEND_MSG_TOO_SMALL;
			type = lm_desc_type(p + off);
			if (type > MACH_MSG_GUARDED_PORT_DESCRIPTOR)
				return MACH_SEND_INVALID_TYPE;
			if (size - off < lm_desc_size(type))
				return MACH_SEND_MSG_TOO_SMALL;
			switch (type) {
			case MACH_MSG_PORT_DESCRIPTOR: {
				const mach_msg_port_descriptor_t *d = (const void *)(p + off);

				if (!MACH_MSG_TYPE_PORT_ANY(d->disposition))
					return MACH_SEND_INVALID_TYPE;
				nmach += lm_is_right(d->name);
				break;
			}
			case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
				const mach_msg_guarded_port_descriptor_t *d = (const void *)(p + off);

				if (!MACH_MSG_TYPE_PORT_ANY(d->disposition))
					return MACH_SEND_INVALID_TYPE;
				nmach += lm_is_right(d->name);
				break;
			}
			case MACH_MSG_OOL_DESCRIPTOR:
			case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
				const mach_msg_ool_descriptor_t *d = (const void *)(p + off);

				if (d->copy != MACH_MSG_PHYSICAL_COPY &&
				    d->copy != MACH_MSG_VIRTUAL_COPY)
					return MACH_SEND_INVALID_TYPE;
				nmach++;
				nool++;
				break;
			}
			case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
				const mach_msg_ool_ports_descriptor_t *d = (const void *)(p + off);
				const mach_port_name_t *a = d->address;

				if (!MACH_MSG_TYPE_PORT_ANY(d->disposition) ||
				    (d->copy != MACH_MSG_PHYSICAL_COPY &&
				     d->copy != MACH_MSG_VIRTUAL_COPY))
					return MACH_SEND_INVALID_TYPE;
				if (d->count && !a)
					return MACH_SEND_INVALID_MEMORY;
				nmach++;
				nnames += d->count;
				break;
			}
			}
			off += lm_desc_size(type);
		}
	}
	body = size - off;
	inl = sizeof(*env) + (size_t)ndesc * sizeof(*rec) + body;
	total = MSIZE_HDR + (size_t)nmach * MSIZE_DESC + ((inl + 7) & ~(size_t)7);
	if (total > lm_space.max_inline || nool > MACHIPC_OOL_MAX ||
	    nnames > MACHIPC_OOL_PORTS_MAX)
		return MACH_SEND_TOO_LARGE;
	if (lm_grow(&t->sbuf, &t->scap, total))
		return MACH_SEND_NO_BUFFER;

	/* Pass 2: write the machipc message. */
	mh = (void *)t->sbuf;
	memset(mh, 0, sizeof(*mh));
	mh->bits = MACHIPC_MSGH_BITS(lm_disp_to_machipc(rt),
				     lm_is_right(m->msgh_local_port) ?
				     lm_disp_to_machipc(lt) : 0);
	if (nmach)
		mh->bits |= MACHIPC_MSGH_COMPLEX;
	mh->size = (uint32_t)total;
	mh->remote_name = m->msgh_remote_port;
	mh->local_name = lm_is_right(m->msgh_local_port) ? m->msgh_local_port : 0;
	mh->id = (uint32_t)m->msgh_id;
	mh->desc_count = nmach;
	md = (void *)(mh + 1);
	q = (char *)(md + nmach);
	env = (void *)q;
	memset(env, 0, sizeof(*env));
	env->magic = LM_MAGIC;
	env->xnu_size = size;
	env->ndesc = ndesc;
	env->remote_disp = (uint8_t)rt;
	env->local_disp = (uint8_t)lt;
	env->local_mark = lt ? (uint8_t)lm_mark(m->msgh_local_port) : 0;
	rec = (void *)(env + 1);

	off = sizeof(*m) + (ndesc || (bits & MACH_MSGH_BITS_COMPLEX) ?
			    sizeof(mach_msg_body_t) : 0);
	for (i = 0; i < ndesc; i++) {
		uint32_t type = lm_desc_type(p + off);

		memset(&rec[i], 0, sizeof(rec[i]));
		rec[i].type = (uint8_t)type;
		switch (type) {
		case MACH_MSG_PORT_DESCRIPTOR:
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
			mach_port_name_t name;
			uint32_t disp;

			if (type == MACH_MSG_PORT_DESCRIPTOR) {
				const mach_msg_port_descriptor_t *d = (const void *)(p + off);

				name = d->name;
				disp = d->disposition;
			} else {
				const mach_msg_guarded_port_descriptor_t *d = (const void *)(p + off);

				name = d->name;
				disp = d->disposition;
				rec[i].gflags = d->flags;
			}
			rec[i].disp = (uint8_t)disp;
			rec[i].mark = lm_mark(name);
			if (lm_is_right(name)) {
				memset(md, 0, sizeof(*md));
				md->type = MACHIPC_DESC_PORT;
				md->disposition = lm_disp_to_machipc(disp);
				md->name = name;
				md++;
			}
			break;
		}
		case MACH_MSG_OOL_DESCRIPTOR:
		case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
			const mach_msg_ool_descriptor_t *d = (const void *)(p + off);

			rec[i].copy = (uint8_t)d->copy;
			rec[i].dealloc = (uint8_t)d->deallocate;
			rec[i].count = d->size;
			memset(md, 0, sizeof(*md));
			md->type = MACHIPC_DESC_OOL;
			/*
			 * Copied at the send and queued at once, as XNU does;
			 * deallocate = TRUE unmaps it when the send commits.
			 */
			md->disposition = MACHIPC_OOL_CAPTURE |
					  (d->deallocate ? MACHIPC_OOL_DEALLOCATE : 0);
			md->address = (uintptr_t)d->address;
			md->size = d->size;
			md++;
			break;
		}
		case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
			const mach_msg_ool_ports_descriptor_t *d = (const void *)(p + off);

			rec[i].disp = (uint8_t)d->disposition;
			rec[i].copy = (uint8_t)d->copy;
			rec[i].dealloc = (uint8_t)d->deallocate;
			rec[i].count = d->count;
			/* The kernel reads the names at the send (ABI 5). */
			memset(md, 0, sizeof(*md));
			md->type = MACHIPC_DESC_OOL_PORTS;
			md->disposition = lm_disp_to_machipc(d->disposition);
			md->address = (uintptr_t)d->address;
			md->size = d->count;
			md++;
			break;
		}
		}
		off += lm_desc_size(type);
	}
	q = (char *)(rec + ndesc);
	memcpy(q, p + off, body);
	memset(q + body, 0, (size_t)((char *)mh + total - (q + body)));
	return MACH_MSG_SUCCESS;
}

/* Turn captured out-of-line data into a synchronous transfer. */
static int lm_uncapture(void *buf)
{
	struct machipc_msg_header *mh = buf;
	struct machipc_msg_desc *md = (void *)(mh + 1);
	int changed = 0;
	uint32_t i;

	for (i = 0; i < mh->desc_count; i++) {
		if (md[i].type == MACHIPC_DESC_OOL &&
		    (md[i].disposition & MACHIPC_OOL_CAPTURE)) {
			md[i].disposition &= ~MACHIPC_OOL_CAPTURE;
			changed = 1;
		}
	}
	return changed;
}

/*
 * After a successful send: what XNU's copyin would have done to memory and
 * names.  (Out-of-line regions with deallocate were unmapped by the kernel
 * at the send's commit, MACHIPC_OOL_DEALLOCATE.)
 */
static void lm_after_send(mach_msg_header_t *m)
{
	const char *p = (const char *)m;
	uint32_t i, n, off;

	if (!(m->msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return;
	n = ((const mach_msg_body_t *)(p + sizeof(*m)))->msgh_descriptor_count;
	off = sizeof(*m) + sizeof(mach_msg_body_t);
	for (i = 0; i < n; i++) {
		uint32_t type = lm_desc_type(p + off);

		if (type == MACH_MSG_PORT_DESCRIPTOR) {
			const mach_msg_port_descriptor_t *d = (const void *)(p + off);

			/* A receive right left: so did its library state. */
			if (d->disposition == MACH_MSG_TYPE_MOVE_RECEIVE &&
			    lm_is_right(d->name))
				lm_port_forget(d->name);
		} else if (type == MACH_MSG_GUARDED_PORT_DESCRIPTOR) {
			const mach_msg_guarded_port_descriptor_t *d = (const void *)(p + off);

			if (d->disposition == MACH_MSG_TYPE_MOVE_RECEIVE &&
			    lm_is_right(d->name))
				lm_port_forget(d->name);
		} else if (type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			const mach_msg_ool_ports_descriptor_t *d = (const void *)(p + off);
			const mach_port_name_t *a = d->address;
			uint32_t j;

			for (j = 0; d->disposition == MACH_MSG_TYPE_MOVE_RECEIVE &&
				    j < d->count; j++)
				if (lm_is_right(a[j]))
					lm_port_forget(a[j]);
			if (d->deallocate)
				lm_vm_free((uintptr_t)d->address,
					   (uint64_t)d->count * sizeof(mach_port_name_t));
		}
		off += lm_desc_size(type);
	}
}

/*
 * XNU's pseudo-receive after a send that timed out or was interrupted:
 * the message goes back into the sender's buffer as if received by the
 * sender, every right as a MOVE_* of a right the sender now holds.  On
 * machipc the failed send moved nothing, so only the rights the send
 * would have created (COPY_SEND, MAKE_SEND, MAKE_SEND_ONCE) are made.
 */
static mach_port_name_t lm_pseudo_right(mach_port_name_t name,
					mach_msg_type_name_t *disp)
{
	struct machipc_port_insert ins = { .name = name };
	struct machipc_port_mod_refs mod = {
		.name = name, .right = MACHIPC_RIGHT_SEND, .delta = 1,
	};

	if (!lm_is_right(name))
		return name;
	switch (*disp) {
	case MACH_MSG_TYPE_COPY_SEND:
		lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &mod);
		break;
	case MACH_MSG_TYPE_MAKE_SEND:
		ins.disposition = MACHIPC_DISP_MAKE_SEND;
		lm_ioctl(MACHIPC_IOC_PORT_INSERT_RIGHT, &ins);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		ins.disposition = MACHIPC_DISP_MAKE_SEND_ONCE;
		if (!lm_ioctl(MACHIPC_IOC_PORT_INSERT_RIGHT, &ins))
			name = ins.new_name;
		break;
	}
	*disp = lm_copyin_type(*disp);
	return name;
}

static void lm_pseudo_receive(mach_msg_header_t *m)
{
	char *p = (char *)m;
	mach_msg_type_name_t rt = MACH_MSGH_BITS_REMOTE(m->msgh_bits);
	mach_msg_type_name_t lt = MACH_MSGH_BITS_LOCAL(m->msgh_bits);
	uint32_t i, j, n, off;

	m->msgh_remote_port = lm_pseudo_right(m->msgh_remote_port, &rt);
	if (lt)
		m->msgh_local_port = lm_pseudo_right(m->msgh_local_port, &lt);
	m->msgh_bits = MACH_MSGH_BITS_SET(rt, lt, 0,
					  m->msgh_bits & MACH_MSGH_BITS_COMPLEX);
	m->msgh_voucher_port = MACH_PORT_NULL;
	if (!(m->msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return;
	n = ((mach_msg_body_t *)(p + sizeof(*m)))->msgh_descriptor_count;
	off = sizeof(*m) + sizeof(mach_msg_body_t);
	for (i = 0; i < n; i++) {
		uint32_t type = lm_desc_type(p + off);
		mach_msg_type_name_t disp;

		if (type == MACH_MSG_PORT_DESCRIPTOR) {
			mach_msg_port_descriptor_t *d = (void *)(p + off);

			disp = d->disposition;
			d->name = lm_pseudo_right(d->name, &disp);
			d->disposition = disp;
		} else if (type == MACH_MSG_GUARDED_PORT_DESCRIPTOR) {
			mach_msg_guarded_port_descriptor_t *d = (void *)(p + off);

			disp = d->disposition;
			d->name = lm_pseudo_right(d->name, &disp);
			d->disposition = disp;
		} else if (type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			mach_msg_ool_ports_descriptor_t *d = (void *)(p + off);
			mach_port_name_t *a = lm_vm_alloc((size_t)d->count * sizeof(*a));

			/* As on XNU, the array comes back at a new address. */
			for (j = 0; a && j < d->count; j++) {
				disp = d->disposition;
				a[j] = lm_pseudo_right(((mach_port_name_t *)d->address)[j],
						       &disp);
			}
			if (a) {
				if (d->deallocate)
					lm_vm_free((uintptr_t)d->address,
						   (uint64_t)d->count * sizeof(*a));
				d->address = a;
			}
			d->disposition = lm_copyin_type(d->disposition);
		}
		off += lm_desc_size(type);
	}
}

/*
 * Which right of a failed send XNU would blame: the kernel says which
 * right it refused (ABI 3); the names are looked at for the rest.
 */
/*
 * The index of the first descriptor of @m naming a right the sender does
 * not hold as its disposition needs, or -1.
 */
static int lm_first_bad_desc(const mach_msg_header_t *m)
{
	const char *p = (const char *)m;
	struct machipc_name_info info;
	uint32_t i, j, n, off;

	if (!(m->msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return -1;
	n = ((const mach_msg_body_t *)(p + sizeof(*m)))->msgh_descriptor_count;
	off = sizeof(*m) + sizeof(mach_msg_body_t);
	for (i = 0; i < n; i++) {
		uint32_t type = lm_desc_type(p + off);
		mach_port_name_t name = MACH_PORT_NULL;
		mach_msg_type_name_t disp = 0;

		if (type == MACH_MSG_PORT_DESCRIPTOR) {
			const mach_msg_port_descriptor_t *d = (const void *)(p + off);

			name = d->name;
			disp = d->disposition;
		} else if (type == MACH_MSG_GUARDED_PORT_DESCRIPTOR) {
			const mach_msg_guarded_port_descriptor_t *d = (const void *)(p + off);

			name = d->name;
			disp = d->disposition;
		} else if (type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			const mach_msg_ool_ports_descriptor_t *d = (const void *)(p + off);
			const mach_port_name_t *a = d->address;

			for (j = 0; j < d->count; j++)
				if (lm_is_right(a[j]) &&
				    (lm_name_info(a[j], &info) ||
				     !(info.rights & lm_disp_needs(d->disposition))))
					return (int)i;
		}
		if (lm_is_right(name) &&
		    (lm_name_info(name, &info) ||
		     !(info.rights & lm_disp_needs(disp))))
			return (int)i;
		off += lm_desc_size(type);
	}
	return -1;
}

static mach_msg_return_t lm_send_error(const mach_msg_header_t *m, int err,
				       uint32_t blame)
{
	mach_msg_type_name_t rt = MACH_MSGH_BITS_REMOTE(m->msgh_bits);
	mach_msg_type_name_t lt = MACH_MSGH_BITS_LOCAL(m->msgh_bits);
	struct machipc_name_info info;

	switch (err) {
	case E2BIG:
	case EMSGSIZE:	/* out of line: a receiver destroyed it as too large */
		return MACH_SEND_TOO_LARGE;
	case EAGAIN:	/* out of line: its mapping kept changing under the copy */
		return MACH_SEND_INVALID_MEMORY;
	case ENOBUFS:
	case ENOMEM:
		return MACH_SEND_NO_BUFFER;
	case EFAULT:
		return MACH_SEND_INVALID_MEMORY;
	case EBADFD:
	case EBADF:
		return MACH_SEND_INVALID_DEST;
	case ETIMEDOUT:
		return MACH_SEND_TIMED_OUT;
	}
	if (blame == MACHIPC_BLAME_DEST)
		return MACH_SEND_INVALID_DEST;
	if (blame == MACHIPC_BLAME_REPLY)
		return MACH_SEND_INVALID_REPLY;
	if (blame != MACHIPC_BLAME_NONE)
		return MACH_SEND_INVALID_RIGHT;
	if (lm_name_info(m->msgh_remote_port, &info) ||
	    !(info.rights & lm_disp_needs(rt)))
		return MACH_SEND_INVALID_DEST;
	if (lt && lm_is_right(m->msgh_local_port) &&
	    (lm_name_info(m->msgh_local_port, &info) ||
	     !(info.rights & lm_disp_needs(lt))))
		return MACH_SEND_INVALID_REPLY;
	if (lm_first_bad_desc(m) >= 0)
		return MACH_SEND_INVALID_RIGHT;
	if (err == EPIPE)
		return MACH_SEND_INVALID_DEST;
	if (err == EOVERFLOW && lt && m->msgh_local_port == m->msgh_remote_port)
		return MACH_SEND_INVALID_REPLY;
	if (m->msgh_bits & MACH_MSGH_BITS_COMPLEX)
		return MACH_SEND_INVALID_RIGHT;
	return err == EINVAL ? MACH_SEND_INVALID_HEADER : MACH_SEND_INVALID_DEST;
}

/* ------------------------------------------------------------------ */
/* Receive: machipc layout to Mach layout                             */
/* ------------------------------------------------------------------ */

enum lm_kind { LM_RAW, LM_ENV, LM_NOTIFY };

struct lm_view {
	enum lm_kind kind;
	const struct machipc_msg_header *mh;
	const struct machipc_msg_desc *md;
	const struct machipc_msg_trailer_audit *tr;
	const struct lm_env *env;
	const struct lm_drec *rec;
	const char *body;
	uint32_t body_len;
	uint32_t xnu_size;
	uint32_t notify_kind, notify_value;
};

static const struct machipc_msg_desc *lm_next(struct lm_view *v, uint32_t *k,
					      uint32_t type)
{
	if (*k >= v->mh->desc_count || v->md[*k].type != type)
		return NULL;
	return &v->md[(*k)++];
}

/* Checks an envelope against the machipc descriptors it came with. */
static int lm_env_check(struct lm_view *v, uint32_t inl)
{
	const struct lm_env *env = v->env;
	const struct machipc_msg_desc *md;
	uint64_t need, xsize;
	uint32_t i, k = 0;

	if (inl < sizeof(*env) || env->magic != LM_MAGIC ||
	    env->ndesc > (inl - sizeof(*env)) / sizeof(struct lm_drec))
		return -1;
	v->rec = (const void *)(env + 1);
	xsize = sizeof(mach_msg_header_t) +
		(env->ndesc ? sizeof(mach_msg_body_t) : 0);
	for (i = 0; i < env->ndesc; i++) {
		const struct lm_drec *r = &v->rec[i];

		if (r->type > MACH_MSG_GUARDED_PORT_DESCRIPTOR)
			return -1;
		xsize += lm_desc_size(r->type);
	}
	need = sizeof(*env) + (uint64_t)env->ndesc * sizeof(struct lm_drec);
	if (need > inl)
		return -1;
	v->body = (const char *)(v->rec + env->ndesc);
	if (env->xnu_size < xsize || env->xnu_size - xsize > inl - need)
		return -1;
	v->body_len = (uint32_t)(env->xnu_size - xsize);
	v->xnu_size = env->xnu_size;
	/* Every right and region must be where the records say. */
	for (i = 0; i < env->ndesc; i++) {
		const struct lm_drec *r = &v->rec[i];

		switch (r->type) {
		case MACH_MSG_PORT_DESCRIPTOR:
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
			if (r->mark == LM_MARK_RIGHT &&
			    !lm_next(v, &k, MACHIPC_DESC_PORT))
				return -1;
			break;
		case MACH_MSG_OOL_PORTS_DESCRIPTOR:
			md = lm_next(v, &k, MACHIPC_DESC_OOL_PORTS);
			if (!md || md->size != r->count)
				return -1;
			break;
		default:
			if (!lm_next(v, &k, MACHIPC_DESC_OOL))
				return -1;
			break;
		}
	}
	return k == v->mh->desc_count ? 0 : -1;
}

static void lm_view_init(struct lm_view *v, const char *mm)
{
	uint32_t off, inl, i;

	memset(v, 0, sizeof(*v));
	v->mh = (const void *)mm;
	v->md = (const void *)(v->mh + 1);
	v->tr = (const void *)(mm + v->mh->size);
	off = MSIZE_HDR + v->mh->desc_count * MSIZE_DESC;
	inl = v->mh->size - off;

	if ((v->tr->base.flags & MACHIPC_TRAILER_KERNEL) &&
	    v->mh->id > MACHIPC_MSGID_KERNEL_BASE &&
	    v->mh->id <= MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_LAST) &&
	    inl >= sizeof(struct machipc_notify_body)) {
		const struct machipc_notify_body *b = (const void *)(mm + off);

		v->kind = LM_NOTIFY;
		v->notify_kind = v->mh->id - MACHIPC_MSGID_KERNEL_BASE;
		v->notify_value = b->value;
		switch (v->notify_kind) {
		case MACHIPC_NOTIFY_PORT_DESTROYED:
			v->xnu_size = sizeof(mach_msg_header_t) +
				      sizeof(mach_msg_body_t) +
				      sizeof(mach_msg_port_descriptor_t);
			break;
		case MACHIPC_NOTIFY_SEND_ONCE:
			v->xnu_size = sizeof(mach_msg_header_t);
			break;
		default:
			v->xnu_size = sizeof(mach_msg_header_t) +
				      sizeof(NDR_record_t) + sizeof(uint32_t);
			break;
		}
		return;
	}
	v->env = (const void *)(mm + off);
	if (!lm_env_check(v, inl)) {
		v->kind = LM_ENV;
		return;
	}
	/* A raw machipc message: descriptor by descriptor. */
	v->kind = LM_RAW;
	v->env = NULL;
	v->body = mm + off;
	v->body_len = inl;
	v->xnu_size = sizeof(mach_msg_header_t) + inl;
	if (v->mh->desc_count)
		v->xnu_size += sizeof(mach_msg_body_t);
	for (i = 0; i < v->mh->desc_count; i++)
		v->xnu_size += v->md[i].type == MACHIPC_DESC_PORT ?
			       sizeof(mach_msg_port_descriptor_t) :
			       v->md[i].type == MACHIPC_DESC_OOL_PORTS ?
			       sizeof(mach_msg_ool_ports_descriptor_t) :
			       sizeof(mach_msg_ool_descriptor_t);
}

static void lm_trailer(const struct lm_view *v, mach_msg_option_t option,
		       char *dst, mach_msg_size_t tsize)
{
	mach_msg_max_trailer_t tr;

	memset(&tr, 0, sizeof(tr));
	tr.msgh_trailer_type = MACH_MSG_TRAILER_FORMAT_0;
	tr.msgh_trailer_size = tsize;
	tr.msgh_seqno = (mach_port_seqno_t)v->tr->base.seqno;
	if (v->tr->base.flags & MACHIPC_TRAILER_KERNEL) {
		tr.msgh_sender = KERNEL_SECURITY_TOKEN;
		tr.msgh_audit = KERNEL_AUDIT_TOKEN;
	} else {
		tr.msgh_sender.val[0] = v->tr->base.uid;
		tr.msgh_sender.val[1] = v->tr->base.gid;
		lm_audit_token(&tr.msgh_audit, v->tr->auid, v->tr->base.uid,
			       v->tr->base.gid, v->tr->ruid, v->tr->rgid,
			       (unsigned int)v->tr->base.pid, v->tr->asid,
			       v->tr->start_time);
	}
	if (GET_RCV_ELEMENTS(option) >= MACH_RCV_TRAILER_CTX)
		tr.msgh_context = lm_context_get(v->mh->local_name);
	memcpy(dst, &tr, tsize);
}

static mach_msg_type_name_t lm_arrived(uint32_t machipc_disp)
{
	return lm_disp_from_machipc(machipc_disp);
}

static mach_port_name_t lm_arrived_name(const struct machipc_msg_desc *d)
{
	return d->name == MACHIPC_NAME_DEAD ? MACH_PORT_DEAD : d->name;
}

/*
 * A received port array (in the receive buffer, after the trailer) in fresh
 * memory, as XNU delivers one; NULL if empty or out of memory.
 */
static mach_port_name_t *lm_names_copy(const struct machipc_msg_header *mh,
				       const struct machipc_msg_desc *md)
{
	mach_port_name_t *a;

	if (!md || !md->size)
		return NULL;
	a = lm_vm_alloc((size_t)md->size * sizeof(*a));
	if (a)
		memcpy(a, lm_array_of(mh, md), (size_t)md->size * sizeof(*a));
	return a;
}

static mach_port_name_t lm_marked(uint32_t mark)
{
	return mark == LM_MARK_DEAD ? MACH_PORT_DEAD : MACH_PORT_NULL;
}

/*
 * The msgh_bits and msgh_remote_port the Mach header of @v has: the reply
 * right's and the destination's types as received, and the complex bit.
 */
static mach_msg_bits_t lm_header_bits(const struct lm_view *v,
				      mach_port_name_t *remote)
{
	const struct machipc_msg_header *mh = v->mh;
	mach_msg_type_name_t rt = lm_arrived(MACHIPC_MSGH_REMOTE(mh->bits));
	mach_msg_type_name_t dest = MACH_MSG_TYPE_PORT_SEND;
	int complex;

	*remote = mh->remote_name == MACHIPC_NAME_DEAD ? MACH_PORT_DEAD :
							 mh->remote_name;
	switch (v->kind) {
	case LM_NOTIFY:
		*remote = MACH_PORT_NULL;
		rt = 0;
		dest = MACH_MSG_TYPE_PORT_SEND_ONCE;
		complex = v->notify_kind == MACHIPC_NOTIFY_PORT_DESTROYED;
		break;
	case LM_RAW:
		/* The kernel says which right the sender used (LM_RCV_FLAGS). */
		if (MACHIPC_MSGH_LOCAL(mh->bits))
			dest = lm_arrived(MACHIPC_MSGH_LOCAL(mh->bits));
		complex = mh->desc_count != 0;
		break;
	default:	/* LM_ENV */
		dest = lm_copyin_type(v->env->remote_disp);
		if (v->env->local_mark != LM_MARK_RIGHT) {
			*remote = lm_marked(v->env->local_mark);
			rt = lm_copyin_type(v->env->local_disp);
		}
		complex = v->env->ndesc != 0;
		break;
	}
	return MACH_MSGH_BITS(rt, dest) | (complex ? MACH_MSGH_BITS_COMPLEX : 0);
}

/*
 * Writes the Mach message of @v into @out (which has room for it and its
 * trailer).  Returns MACH_MSG_SUCCESS, or MACH_RCV_BODY_ERROR |
 * MACH_MSG_VM_SPACE when an out-of-line port array cannot be allocated.
 */
static mach_msg_return_t lm_decode(const struct lm_view *v,
				   mach_msg_option_t option,
				   mach_msg_header_t *out)
{
	const struct machipc_msg_header *mh = v->mh;
	mach_msg_return_t mr = MACH_MSG_SUCCESS;
	char *p = (char *)out;
	uint32_t i, k = 0, off;

	out->msgh_size = v->xnu_size;
	out->msgh_bits = lm_header_bits(v, &out->msgh_remote_port);
	out->msgh_local_port = mh->local_name;
	out->msgh_voucher_port = MACH_PORT_NULL;
	out->msgh_id = (mach_msg_id_t)mh->id;
	off = sizeof(*out);

	if (v->kind == LM_NOTIFY) {
		static const mach_msg_id_t ids[] = {
			[MACHIPC_NOTIFY_NO_SENDERS] = MACH_NOTIFY_NO_SENDERS,
			[MACHIPC_NOTIFY_DEAD_NAME] = MACH_NOTIFY_DEAD_NAME,
			[MACHIPC_NOTIFY_PORT_DESTROYED] = MACH_NOTIFY_PORT_DESTROYED,
			[MACHIPC_NOTIFY_SEND_ONCE] = MACH_NOTIFY_SEND_ONCE,
			[MACHIPC_NOTIFY_PORT_DELETED] = MACH_NOTIFY_PORT_DELETED,
		};

		out->msgh_id = ids[v->notify_kind];
		if (v->notify_kind == MACHIPC_NOTIFY_PORT_DESTROYED) {
			mach_msg_port_descriptor_t *d;

			((mach_msg_body_t *)(p + off))->msgh_descriptor_count = 1;
			d = (void *)(p + off + sizeof(mach_msg_body_t));
			memset(d, 0, sizeof(*d));
			d->type = MACH_MSG_PORT_DESCRIPTOR;
			d->disposition = MACH_MSG_TYPE_PORT_RECEIVE;
			d->name = mh->desc_count ? lm_arrived_name(&v->md[0]) :
						   MACH_PORT_NULL;
		} else if (v->notify_kind != MACHIPC_NOTIFY_SEND_ONCE) {
			memcpy(p + off, &NDR_record, sizeof(NDR_record_t));
			memcpy(p + off + sizeof(NDR_record_t), &v->notify_value,
			       sizeof(uint32_t));
		}
		return MACH_MSG_SUCCESS;
	}

	if (v->kind == LM_RAW) {
		if (mh->desc_count) {
			((mach_msg_body_t *)(p + off))->msgh_descriptor_count =
				mh->desc_count;
			off += sizeof(mach_msg_body_t);
		}
		for (i = 0; i < mh->desc_count; i++) {
			const struct machipc_msg_desc *md = &v->md[i];

			if (md->type == MACHIPC_DESC_PORT) {
				mach_msg_port_descriptor_t *d = (void *)(p + off);

				memset(d, 0, sizeof(*d));
				d->type = MACH_MSG_PORT_DESCRIPTOR;
				d->name = lm_arrived_name(md);
				d->disposition = lm_arrived(md->disposition);
				off += sizeof(*d);
			} else if (md->type == MACHIPC_DESC_OOL_PORTS) {
				mach_msg_ool_ports_descriptor_t *d = (void *)(p + off);

				memset(d, 0, sizeof(*d));
				d->type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
				d->address = lm_names_copy(mh, md);
				if (md->size && !d->address)
					mr = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
				d->count = d->address ? (mach_msg_size_t)md->size : 0;
				d->disposition = lm_arrived(md->disposition);
				d->copy = MACH_MSG_VIRTUAL_COPY;
				d->deallocate = TRUE;
				off += sizeof(*d);
			} else if (md->type == MACHIPC_DESC_FD) {
				/*
				 * An open file from a native machipc sender:
				 * the Mach API has no descriptor for it.  It
				 * is closed, and shows as an empty region.
				 */
				mach_msg_ool_descriptor_t *d = (void *)(p + off);

				if ((int)md->name >= 0)
					close((int)md->name);
				memset(d, 0, sizeof(*d));
				d->type = MACH_MSG_OOL_DESCRIPTOR;
				d->copy = MACH_MSG_VIRTUAL_COPY;
				off += sizeof(*d);
			} else {
				mach_msg_ool_descriptor_t *d = (void *)(p + off);

				memset(d, 0, sizeof(*d));
				d->type = MACH_MSG_OOL_DESCRIPTOR;
				d->address = (void *)(uintptr_t)md->address;
				d->size = (mach_msg_size_t)md->size;
				d->copy = MACH_MSG_VIRTUAL_COPY;
				d->deallocate = TRUE;
				off += sizeof(*d);
			}
		}
		memcpy(p + off, v->body, v->body_len);
		return mr;
	}

	/* LM_ENV */
	if (v->env->ndesc) {
		((mach_msg_body_t *)(p + off))->msgh_descriptor_count = v->env->ndesc;
		off += sizeof(mach_msg_body_t);
	}
	for (i = 0; i < v->env->ndesc; i++) {
		const struct lm_drec *r = &v->rec[i];
		const struct machipc_msg_desc *md;

		switch (r->type) {
		case MACH_MSG_PORT_DESCRIPTOR:
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
			mach_port_name_t name = lm_marked(r->mark);
			mach_msg_type_name_t disp = lm_copyin_type(r->disp);

			if (r->mark == LM_MARK_RIGHT) {
				md = lm_next((struct lm_view *)v, &k, MACHIPC_DESC_PORT);
				name = lm_arrived_name(md);
				disp = lm_arrived(md->disposition);
			}
			if (r->type == MACH_MSG_PORT_DESCRIPTOR) {
				mach_msg_port_descriptor_t *d = (void *)(p + off);

				memset(d, 0, sizeof(*d));
				d->type = MACH_MSG_PORT_DESCRIPTOR;
				d->name = name;
				d->disposition = disp;
			} else {
				mach_msg_guarded_port_descriptor_t *d = (void *)(p + off);

				memset(d, 0, sizeof(*d));
				d->type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
				d->name = name;
				d->disposition = disp;
				d->flags = r->gflags;
			}
			break;
		}
		case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
			mach_msg_ool_ports_descriptor_t *d = (void *)(p + off);
			mach_port_name_t *a;

			md = lm_next((struct lm_view *)v, &k, MACHIPC_DESC_OOL_PORTS);
			a = lm_names_copy(mh, md);
			if (r->count && !a)
				mr = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
			memset(d, 0, sizeof(*d));
			d->type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
			d->address = a;
			d->count = a ? r->count : 0;
			d->disposition = lm_copyin_type(r->disp);
			d->copy = r->copy;
			d->deallocate = r->copy == MACH_MSG_VIRTUAL_COPY;
			break;
		}
		default: {
			mach_msg_ool_descriptor_t *d = (void *)(p + off);

			md = lm_next((struct lm_view *)v, &k, MACHIPC_DESC_OOL);
			memset(d, 0, sizeof(*d));
			d->type = r->type;
			d->address = (void *)(uintptr_t)md->address;
			d->size = (mach_msg_size_t)md->size;
			d->copy = r->copy;
			d->deallocate = r->copy == MACH_MSG_VIRTUAL_COPY;
			break;
		}
		}
		off += lm_desc_size(r->type);
	}
	memcpy(p + off, v->body, v->body_len);
	(void)option;
	return mr;
}

/* Releases one right a received message brought, as it arrived. */
static void lm_release(uint32_t name, uint32_t disposition)
{
	struct machipc_port_mod_refs mod = { 0 };
	struct machipc_port_name pn = { 0 };

	if (!lm_is_right(name))
		return;
	if (disposition == MACHIPC_DISP_MOVE_RECEIVE) {
		mod.name = name;
		mod.right = MACHIPC_RIGHT_RECEIVE;
		mod.delta = -1;
		lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &mod);
	} else {
		pn.name = name;
		lm_ioctl(MACHIPC_IOC_PORT_DEALLOCATE, &pn);
	}
}

/* Releases what a received machipc message put into the space. */
static void lm_mm_destroy(const char *mm)
{
	const struct machipc_msg_header *mh = (const void *)mm;
	const struct machipc_msg_desc *md = (const void *)(mh + 1);
	struct machipc_port_name pn = { 0 };
	uint32_t i;

	if (MACHIPC_MSGH_REMOTE(mh->bits) && lm_is_right(mh->remote_name)) {
		pn.name = mh->remote_name;
		lm_ioctl(MACHIPC_IOC_PORT_DEALLOCATE, &pn);
	}
	for (i = 0; i < mh->desc_count; i++) {
		if (md[i].type == MACHIPC_DESC_OOL) {
			lm_vm_free(md[i].address, md[i].size);
			continue;
		}
		/* An open file (ABI 4): its name is a descriptor, not a right. */
		if (md[i].type == MACHIPC_DESC_FD) {
			if ((int)md[i].name >= 0)
				close((int)md[i].name);
			continue;
		}
		if (md[i].type == MACHIPC_DESC_OOL_PORTS) {
			const uint32_t *a = lm_array_of(mh, &md[i]);
			uint64_t j;

			for (j = 0; j < md[i].size; j++)
				lm_release(a[j], md[i].disposition);
			continue;
		}
		lm_release(md[i].name, md[i].disposition);
	}
}

/* ------------------------------------------------------------------ */
/* mach_msg()                                                         */
/* ------------------------------------------------------------------ */

static mach_msg_return_t lm_rcv_error(int err)
{
	switch (err) {
	case ENOENT:
	case EACCES:
	case EINVAL:
	case EBADFD:
	case EBADF:
		return MACH_RCV_INVALID_NAME;
	case EBUSY:
		return MACH_RCV_IN_SET;
	case EPIPE:
		return MACH_RCV_PORT_DIED;
	case ETIMEDOUT:
		return MACH_RCV_TIMED_OUT;
	case EINTR:
		return MACH_RCV_INTERRUPTED;
	case EFAULT:
		return MACH_RCV_INVALID_DATA;
	case ENOBUFS:
		return MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE;
	case ENOMEM:
		return MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_KERNEL;
	default:
		return MACH_RCV_INVALID_DATA;
	}
}

/*
 * The one place that decides what happens to a received message too
 * large for the caller's buffer: with MACH_RCV_LARGE it stays queued (the
 * library holds it for the next receive) and msgh_size reports the size
 * needed; without, it is destroyed and only its header is returned.  A
 * kernel "discard the too-large head" flag would replace the second half.
 */
static mach_msg_return_t lm_too_large(struct lm_tls *t,
				      const struct lm_view *v,
				      mach_msg_option_t option,
				      mach_msg_header_t *out,
				      mach_msg_size_t rcv_size)
{
	if (option & MACH_RCV_LARGE) {
		lm_held_put(t->rbuf);
		if (rcv_size >= offsetof(mach_msg_header_t, msgh_size) +
				sizeof(mach_msg_size_t))
			out->msgh_size = v->xnu_size;
		if ((option & MACH_RCV_LARGE_IDENTITY) &&
		    rcv_size >= offsetof(mach_msg_header_t, msgh_local_port) +
				sizeof(mach_port_t))
			out->msgh_local_port = v->mh->local_name;
		return MACH_RCV_TOO_LARGE;
	}
	/*
	 * XNU destroys the message and returns its header alone, sized so,
	 * with the requested trailer after it: the bits the message had, the
	 * reply right (destroyed with the rest) as MACH_PORT_NULL, unless it
	 * was null or dead already.
	 */
	if (rcv_size >= sizeof(*out)) {
		mach_port_name_t remote;

		out->msgh_bits = lm_header_bits(v, &remote);
		out->msgh_size = sizeof(*out);
		out->msgh_remote_port = remote == MACH_PORT_DEAD ?
					MACH_PORT_DEAD : MACH_PORT_NULL;
		out->msgh_local_port = v->mh->local_name;
		out->msgh_voucher_port = MACH_PORT_NULL;
		out->msgh_id = (mach_msg_id_t)v->mh->id;
		if (rcv_size >= sizeof(*out) + REQUESTED_TRAILER_SIZE(option))
			lm_trailer(v, option, (char *)(out + 1),
				   REQUESTED_TRAILER_SIZE(option));
	}
	lm_mm_destroy(t->rbuf);
	return MACH_RCV_TOO_LARGE;
}

/* The received machipc message in t->rbuf, to the caller's buffer. */
static mach_msg_return_t lm_deliver(struct lm_tls *t, mach_msg_option_t option,
				    mach_msg_header_t *out,
				    mach_msg_size_t rcv_size)
{
	mach_msg_size_t tsize = REQUESTED_TRAILER_SIZE(option);
	struct lm_view v;
	mach_msg_return_t mr;

	lm_view_init(&v, t->rbuf);
	if ((uint64_t)v.xnu_size + tsize > rcv_size)
		return lm_too_large(t, &v, option, out, rcv_size);
	/*
	 * XNU's dead-name notification carries one user reference of the
	 * dead name, which its receiver releases: the kernel added it when
	 * the port died (MACHIPC_NOTIFY_DEAD_NAME_UREF, asked for by
	 * mach_port_request_notification()).
	 */
	mr = lm_decode(&v, option, out);
	lm_trailer(&v, option, (char *)out + v.xnu_size, tsize);
	return mr;
}

static int64_t lm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * The kernel could not map the out-of-line data of the head (ENOMEM, e.g.
 * RLIMIT_AS).  XNU then destroys the body it cannot copy out, unless
 * MACH_RCV_LARGE asks to keep the message: look at the head without
 * buffers for its regions (EMSGSIZE says it has some), destroying it
 * unless MACH_RCV_LARGE.  If the head has none any more (another thread
 * took that one), it is received here: MACH_MSG_SUCCESS, *@args updated.
 */
static mach_msg_return_t lm_ool_unmappable(struct lm_tls *t,
					   struct machipc_msg_args *args,
					   mach_msg_option_t option)
{
	struct machipc_msg_args probe = *args;
	int err;

	probe.flags &= ~(MACHIPC_MSG_RCV_OOL_ALLOC | MACHIPC_MSG_SEND |
			 MACHIPC_MSG_SEND_TIMEOUT);
	probe.flags |= MACHIPC_MSG_RCV_TIMEOUT;
	if (!(option & MACH_RCV_LARGE))
		probe.flags |= MACHIPC_MSG_RCV_DESTROY_LARGE;
	probe.rcv_deadline = 0;
	probe.rcv_buf = (uintptr_t)t->rbuf;
	probe.rcv_size = (uint32_t)t->rcap;
	probe.rcv_ool = 0;
	probe.rcv_ool_count = 0;
	err = lm_ioctl(MACHIPC_IOC_MSG, &probe);
	if (!err) {
		*args = probe;
		return MACH_MSG_SUCCESS;
	}
	if (err == EMSGSIZE && probe.rcv_ool_count)
		return MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
	return lm_rcv_error(err == ETIMEDOUT ? ENOMEM : err);
}

static void lm_args_receive(struct lm_tls *t, struct machipc_msg_args *args,
			    mach_msg_option_t option, mach_port_name_t rcv_name,
			    int64_t deadline)
{
	args->flags |= MACHIPC_MSG_RECEIVE | LM_RCV_FLAGS;
	args->rcv_name = rcv_name;
	args->rcv_buf = (uintptr_t)t->rbuf;
	args->rcv_size = (uint32_t)t->rcap;
	if (option & MACH_RCV_TIMEOUT) {
		args->flags |= MACHIPC_MSG_RCV_TIMEOUT;
		args->rcv_deadline = deadline;
	}
}

LM_EXPORT mach_msg_return_t mach_msg_overwrite(mach_msg_header_t *msg,
					       mach_msg_option_t option,
					       mach_msg_size_t send_size,
					       mach_msg_size_t rcv_size,
					       mach_port_name_t rcv_name,
					       mach_msg_timeout_t timeout,
					       mach_port_name_t notify,
					       mach_msg_header_t *rcv_msg,
					       mach_msg_size_t rcv_limit)
{
	struct lm_tls *t = lm_tls_get();
	mach_msg_header_t *out = rcv_msg ? rcv_msg : msg;
	int sending = option & MACH_SEND_MSG;
	int receiving = option & MACH_RCV_MSG;
	struct machipc_msg_args args;
	int64_t deadline = 0;
	mach_msg_return_t mr;
	int err, sent = 0, held = 0, bad;

	(void)notify;
	(void)rcv_limit;
	if (lm_ready())
		return sending ? MACH_SEND_INVALID_DEST : MACH_RCV_INVALID_NAME;
	if (option & (MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT))
		deadline = lm_now_ns() + (int64_t)timeout * 1000000LL;
	memset(&args, 0, sizeof(args));

	if (sending) {
		if (option & MACH_SEND_TRAILER)
			return MACH_SEND_INVALID_TRAILER;
		mr = lm_encode(t, msg, send_size);
		if (mr)
			return mr;
		args.flags |= MACHIPC_MSG_SEND;
		args.send_msg = (uintptr_t)t->sbuf;
		args.send_size = ((struct machipc_msg_header *)t->sbuf)->size;
		if (option & MACH_SEND_TIMEOUT) {
			args.flags |= MACHIPC_MSG_SEND_TIMEOUT;
			args.send_deadline = deadline;
		}
	}
	if (receiving) {
		if ((option >> 28) & 0xf)
			return sending ? MACH_SEND_INVALID_OPTIONS :
					 MACH_RCV_INVALID_TRAILER;
		if (lm_grow(&t->rbuf, &t->rcap,
			    (size_t)lm_space.max_inline + MSIZE_TRAILER))
			return sending ? MACH_SEND_NO_BUFFER :
					 MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_KERNEL;
		/*
		 * A message the library holds is the head of the queue: take
		 * it after the send part, without a kernel receive.
		 */
		held = atomic_load(&lm_held_n) && lm_held_take(t, rcv_name, 1);
		if (!held)
			lm_args_receive(t, &args, option, rcv_name, deadline);
	}

	for (;;) {
		int was_sending = args.flags & MACHIPC_MSG_SEND;

		if (!(args.flags & (MACHIPC_MSG_SEND | MACHIPC_MSG_RECEIVE))) {
			if (!held)
				break;
			held = 0;
			if (lm_held_take(t, rcv_name, 0))
				break;
			/* Another thread took it: receive from the kernel. */
			lm_args_receive(t, &args, option, rcv_name, deadline);
		}
		err = lm_ioctl(MACHIPC_IOC_MSG, &args);
		if (was_sending && (!err || !(args.flags & MACHIPC_MSG_SEND))) {
			/* The send part is done. */
			sent = 1;
			args.flags &= ~(MACHIPC_MSG_SEND | MACHIPC_MSG_SEND_TIMEOUT);
			args.send_msg = 0;
			args.send_size = 0;
			lm_after_send(msg);
		}
		if (!err) {
			args.flags &= ~(MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_TIMEOUT |
					LM_RCV_FLAGS);
			continue;
		}
		if (was_sending && !sent) {
			if (err == EINTR && !(option & MACH_SEND_INTERRUPT))
				continue;
			if (err == EINTR || err == ETIMEDOUT) {
				lm_pseudo_receive(msg);
				return err == EINTR ? MACH_SEND_INTERRUPTED :
						      MACH_SEND_TIMED_OUT;
			}
			/*
			 * More than the account holds: send it as machipc's
			 * synchronous one-copy transfer instead, which needs
			 * no kernel copy (and waits for its receiver).
			 */
			if (err == ENOBUFS && lm_uncapture(t->sbuf))
				continue;
			mr = lm_send_error(msg, err, args.blame);
			bad = mr == MACH_SEND_INVALID_RIGHT ?
			      lm_first_bad_desc(msg) : -1;
			if (bad >= 0)
				lm_send_destroy_partial(msg, (uint32_t)bad);
			return mr;
		}
		/* The receive part failed. */
		if (err == EINTR && !(option & MACH_RCV_INTERRUPT))
			continue;
		if (err == ENOMEM && (args.flags & MACHIPC_MSG_RCV_OOL_ALLOC)) {
			mr = lm_ool_unmappable(t, &args, option);
			if (mr)
				return mr;
			args.flags &= ~(MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_TIMEOUT |
					LM_RCV_FLAGS);
			continue;
		}
		if (err == EMSGSIZE && args.rcv_size > t->rcap) {
			if (lm_grow(&t->rbuf, &t->rcap, args.rcv_size))
				return MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_KERNEL;
			args.rcv_buf = (uintptr_t)t->rbuf;
			args.rcv_size = (uint32_t)t->rcap;
			continue;
		}
		return lm_rcv_error(err);
	}
	if (!receiving)
		return MACH_MSG_SUCCESS;
	return lm_deliver(t, option, out, rcv_size);
}

LM_EXPORT mach_msg_return_t mach_msg(mach_msg_header_t *msg,
				     mach_msg_option_t option,
				     mach_msg_size_t send_size,
				     mach_msg_size_t rcv_size,
				     mach_port_name_t rcv_name,
				     mach_msg_timeout_t timeout,
				     mach_port_name_t notify)
{
	return mach_msg_overwrite(msg, option, send_size, rcv_size, rcv_name,
				  timeout, notify, NULL, 0);
}

LM_EXPORT mach_msg_return_t mach_msg_send(mach_msg_header_t *msg)
{
	return mach_msg(msg, MACH_SEND_MSG, msg->msgh_size, 0, MACH_PORT_NULL,
			MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

LM_EXPORT mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg)
{
	return mach_msg(msg, MACH_RCV_MSG, 0, msg->msgh_size,
			msg->msgh_local_port, MACH_MSG_TIMEOUT_NONE,
			MACH_PORT_NULL);
}

/* As on XNU, a voucher is a send right like any: its name is released. */
LM_EXPORT kern_return_t mach_voucher_deallocate(mach_port_name_t voucher)
{
	return mach_port_deallocate(mach_task_self_, voucher);
}

/* ------------------------------------------------------------------ */
/* mach_port_peek()                                                   */
/* ------------------------------------------------------------------ */

LM_EXPORT kern_return_t mach_port_peek(ipc_space_t task, mach_port_name_t name,
				       mach_msg_trailer_type_t trailer_type,
				       mach_port_seqno_t *request_seqnop,
				       mach_msg_size_t *msg_sizep,
				       mach_msg_id_t *msg_idp,
				       mach_msg_trailer_info_t trailer_infop,
				       mach_msg_type_number_t *trailer_infopCnt)
{
	struct lm_tls *t = lm_tls_get();
	struct machipc_name_info info;
	struct machipc_msg_args args;
	mach_msg_size_t tsize;
	struct lm_view v;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name) || lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	if (!(info.rights & MACHIPC_RIGHT_RECEIVE))
		return KERN_INVALID_RIGHT;
	if ((trailer_type >> 28) & 0xf)
		return KERN_INVALID_VALUE;
	if (lm_grow(&t->rbuf, &t->rcap,
		    (size_t)lm_space.max_inline + MSIZE_TRAILER))
		return KERN_RESOURCE_SHORTAGE;
	if (!lm_held_take(t, name, 1)) {
		/* Take the head now; the library holds it for the receive. */
		memset(&args, 0, sizeof(args));
		args.flags = MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_TIMEOUT |
			     LM_RCV_FLAGS;
		args.rcv_name = name;
		args.rcv_buf = (uintptr_t)t->rbuf;
		args.rcv_size = (uint32_t)t->rcap;
		args.rcv_deadline = 0;
		err = lm_ioctl(MACHIPC_IOC_MSG, &args);
		if (err)
			/* Empty, in a set, or with out-of-line data. */
			return KERN_FAILURE;
		lm_held_put(t->rbuf);
	}
	lm_view_init(&v, t->rbuf);
	if (*request_seqnop && *request_seqnop != (mach_port_seqno_t)v.tr->base.seqno)
		return KERN_FAILURE;
	*request_seqnop = (mach_port_seqno_t)v.tr->base.seqno;
	*msg_sizep = v.xnu_size;
	*msg_idp = v.kind == LM_NOTIFY ?
		   (mach_msg_id_t)(MACH_NOTIFY_FIRST +
				   (v.notify_kind == MACHIPC_NOTIFY_NO_SENDERS ? 6 :
				    v.notify_kind == MACHIPC_NOTIFY_DEAD_NAME ? 8 :
				    v.notify_kind == MACHIPC_NOTIFY_PORT_DESTROYED ? 5 :
				    v.notify_kind == MACHIPC_NOTIFY_PORT_DELETED ? 1 : 7)) :
		   (mach_msg_id_t)v.mh->id;
	tsize = REQUESTED_TRAILER_SIZE(trailer_type);
	if (tsize > *trailer_infopCnt)
		tsize = *trailer_infopCnt;
	if (trailer_infop && tsize) {
		mach_msg_max_trailer_t tr;

		lm_trailer(&v, trailer_type, (char *)&tr,
			   REQUESTED_TRAILER_SIZE(trailer_type));
		memcpy(trailer_infop, &tr, tsize);
	}
	*trailer_infopCnt = tsize;
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Reply ports                                                        */
/* ------------------------------------------------------------------ */

LM_EXPORT mach_port_name_t mach_reply_port(void)
{
	mach_port_name_t name;

	if (mach_port_allocate(mach_task_self_, MACH_PORT_RIGHT_RECEIVE, &name))
		return MACH_PORT_NULL;
	return name;
}

LM_EXPORT mach_port_t mig_get_reply_port(void)
{
	struct lm_tls *t = lm_tls_get();

	if (!t->reply_port)
		t->reply_port = mach_reply_port();
	return t->reply_port;
}

LM_EXPORT void mig_dealloc_reply_port(mach_port_t reply_port)
{
	struct lm_tls *t = lm_tls_get();

	if (t->reply_port == reply_port)
		t->reply_port = MACH_PORT_NULL;
	mach_port_mod_refs(mach_task_self_, reply_port,
			   MACH_PORT_RIGHT_RECEIVE, -1);
}

LM_EXPORT void mig_put_reply_port(mach_port_t reply_port)
{
	(void)reply_port;
}

LM_EXPORT mach_msg_return_t mach_msg_overwrite_trap(mach_msg_header_t *msg,
						    mach_msg_option_t option,
						    mach_msg_size_t send_size,
						    mach_msg_size_t rcv_size,
						    mach_port_name_t rcv_name,
						    mach_msg_timeout_t timeout,
						    mach_port_name_t notify,
						    mach_msg_header_t *rcv_msg,
						    mach_msg_size_t rcv_limit)
{
	return mach_msg_overwrite(msg, option | MACH_SEND_INTERRUPT |
				  MACH_RCV_INTERRUPT, send_size, rcv_size,
				  rcv_name, timeout, notify, rcv_msg,
				  rcv_limit);
}

LM_EXPORT mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg,
					  mach_msg_option_t option,
					  mach_msg_size_t send_size,
					  mach_msg_size_t rcv_size,
					  mach_port_name_t rcv_name,
					  mach_msg_timeout_t timeout,
					  mach_port_name_t notify)
{
	return mach_msg_overwrite_trap(msg, option, send_size, rcv_size,
				       rcv_name, timeout, notify, NULL, 0);
}
