// SPDX-License-Identifier: GPL-2.0
/*
 * machipc-fuzz: a coverage-guided, structure-aware ioctl fuzzer for the
 * machipc module, run as root inside the debug guest (KCOV, fault
 * injection).
 *
 * An input is a short program: a sequence of struct fop, each one ioctl
 * with structured arguments (names picked from the names seen so far, or
 * the well-known ports, or raw values; messages with port, out-of-line
 * and file descriptors built from the op's seed: a pipe's write end, a
 * memfd, or a file that must be refused), run by one of three executors:
 * two threads of this process sharing one space (same-space messages,
 * out-of-line data sent to a port the space receives from itself) and a
 * forked second process with its own space (cross-space messages), the two
 * spaces joined by bootstrap descriptors passed over a unix socket.  All
 * three executors run their ops at once, so ops race.  Every blocking
 * call has a deadline.  An op may carry a fault: /proc/thread-self/fail-nth
 * is armed right before its ioctl.
 *
 * Each executor thread has its own KCOV descriptor (KCOV_TRACE_PC); the
 * PCs inside the module's .text (its load address from
 * /sys/module/machipc/sections/.text, its size from the .ko) are merged
 * into one bitmap.  An input that reaches a PC never seen before is kept
 * in the corpus directory (one file per input, named by a hash of its
 * contents).  At start the corpus is replayed; then inputs are mutated
 * from it (or generated when it is empty) until the time or count runs
 * out.  With --pcs, the covered PCs (offsets into .text) are written for
 * tools/fuzz/coverage, which turns them into line coverage.
 *
 * Oracles: every failing ioctl must carry a documented errno; no executor
 * may hang (a watchdog); no message goes through carrying a file the send
 * must refuse (machipc's own, an AF_UNIX socket: ELOOP); after the run the
 * pins in /proc/vmstat balance.
 * Kernel reports (KASAN, lockdep, ...) are judged by tools/vm/run.
 *
 * Exit status: 0 clean, 1 an oracle failed, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/machipc.h>

#define KCOV_INIT_TRACE		_IOR('c', 1, unsigned long)
#define KCOV_ENABLE		_IO('c', 100)
#define KCOV_DISABLE		_IO('c', 101)
#define KCOV_TRACE_PC		0
#define COVER_WORDS		(256 * 1024)

#define MAX_OPS		48
#define NEXEC		3	/* thread 0, thread 1 (same space), process 2 */
#define NAMES		32
#define BFDS		8
#define OOL_AREA	(128 * 1024)
#define MSG_MAX		4096

/* ------------------------------------------------------------------ */
/* Inputs                                                             */
/* ------------------------------------------------------------------ */

enum op_kind {
	OP_ALLOC, OP_DESTROY, OP_DEALLOC, OP_MOD_REFS, OP_INSERT, OP_MEMBER,
	OP_GET_ATTR, OP_SET_ATTR, OP_NAME_INFO, OP_PORT_NAMES, OP_NOTIFY,
	OP_EXPORT, OP_IMPORT, OP_SEND, OP_RECEIVE, OP_SEND_RECEIVE,
	OP_ACCOUNT, OP_VERSION, OP_REOPEN, OP_RAW, OP_FDINFO, OP_INJECT,
	OP_NR
};

static const char *const op_names[OP_NR] = {
	"allocate", "destroy", "deallocate", "mod_refs", "insert_right",
	"move_member", "get_attributes", "set_attributes", "name_info",
	"port_names", "request_notification", "bootstrap_export",
	"bootstrap_import", "send", "receive", "send_receive", "account",
	"version", "reopen", "raw", "fdinfo", "inject_abort",
};

static const unsigned int op_weight[OP_NR] = {
	10, 4, 4, 5, 5, 4, 2, 2, 2, 1, 5, 3, 3, 18, 12, 6, 2, 1, 1, 2, 1, 1,
};

#define FOP_FAULT	0x01	/* arm fail-nth (1 + fault) before the ioctl */

/*
 * One operation of an input, in the corpus format (little-endian, packed
 * by hand: 8 + 4 * 8 bytes).  a[0..2] are mostly names, a[3..6] kind
 * specific, seed drives the details (descriptor layout, sizes).
 */
struct fop {
	uint8_t kind;
	uint8_t exec;
	uint8_t flags;
	uint8_t fault;
	uint32_t seed;
	uint32_t a[8];
};

struct input {
	unsigned int n;
	struct fop op[MAX_OPS];
};

/* ------------------------------------------------------------------ */
/* Randomness                                                         */
/* ------------------------------------------------------------------ */

static uint64_t split(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
	return (uint32_t)split(&rng_state);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static const uint32_t interesting[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 4096, 4095, 4097,
	MACHIPC_QLIMIT_MAX, MACHIPC_QLIMIT_MAX + 1, MACHIPC_UREFS_MAX,
};

static uint32_t rnd_arg(void)
{
	switch (below(4)) {
	case 0:
		return interesting[below(sizeof(interesting) / sizeof(interesting[0]))];
	case 1:
		return below(64);	/* an index into the names seen */
	case 2:
		return 0x80000000U | below(8);	/* a well-known name */
	default:
		return rnd();
	}
}

static unsigned int skip_mask;	/* --skip: op kinds never generated */
static int no_faults;		/* --no-faults */
static int trace_faults;	/* --trace-faults */

static uint32_t pick_kind(void)
{
	unsigned int total = 0, k, v;

	for (k = 0; k < OP_NR; k++)
		if (!(skip_mask & 1U << k))
			total += op_weight[k];
	v = below(total);
	for (k = 0; k < OP_NR; k++) {
		if (skip_mask & 1U << k)
			continue;
		if (v < op_weight[k])
			return k;
		v -= op_weight[k];
	}
	return OP_SEND;
}

static void rnd_op(struct fop *o)
{
	unsigned int i;

	o->kind = pick_kind();
	o->exec = below(NEXEC);
	o->flags = below(10) == 0 ? FOP_FAULT : 0;
	o->fault = below(16);
	o->seed = rnd();
	for (i = 0; i < 8; i++)
		o->a[i] = rnd_arg();
	/*
	 * The copy engine runs only when a receiver waits for an out-of-line
	 * send: half the messages go to (and receives wait on) the
	 * well-known ports, with a longer deadline and a buffer.
	 */
	if ((o->kind == OP_SEND || o->kind == OP_RECEIVE ||
	     o->kind == OP_SEND_RECEIVE) && below(2)) {
		o->a[0] = 0x80000000U | below(2);	/* own port, peer */
		o->a[1] = 1 + below(4);			/* receive buffers */
		o->a[6] = 0xf | (below(4) << 4);	/* deadlines */
		o->a[7] |= 0x10000;			/* first desc: OOL */
	}
}

static void rnd_input(struct input *in)
{
	unsigned int i;

	in->n = 2 + below(MAX_OPS / 2);
	for (i = 0; i < in->n; i++)
		rnd_op(&in->op[i]);
}

/* One to four random changes; @other (may be NULL) for splicing. */
static void mutate(struct input *in, const struct input *other)
{
	unsigned int k, m = 1 + below(4), i, j;

	for (k = 0; k < m; k++) {
		i = in->n ? below(in->n) : 0;
		switch (below(10)) {
		case 0:	/* insert */
			if (in->n >= MAX_OPS)
				break;
			memmove(&in->op[i + 1], &in->op[i],
				(in->n - i) * sizeof(in->op[0]));
			rnd_op(&in->op[i]);
			in->n++;
			break;
		case 1:	/* delete */
			if (in->n <= 1)
				break;
			memmove(&in->op[i], &in->op[i + 1],
				(in->n - i - 1) * sizeof(in->op[0]));
			in->n--;
			break;
		case 2:	/* duplicate */
			if (in->n >= MAX_OPS || !in->n)
				break;
			memmove(&in->op[i + 1], &in->op[i],
				(in->n - i) * sizeof(in->op[0]));
			in->n++;
			break;
		case 3:	/* splice from another input */
			if (!other || !other->n || in->n >= MAX_OPS)
				break;
			j = below(other->n);
			memmove(&in->op[i + 1], &in->op[i],
				(in->n - i) * sizeof(in->op[0]));
			in->op[i] = other->op[j];
			in->n++;
			break;
		case 4:
			if (in->n)
				in->op[i].exec = below(NEXEC);
			break;
		case 5:
			if (in->n) {
				in->op[i].flags ^= FOP_FAULT;
				in->op[i].fault = below(16);
			}
			break;
		case 6:
			if (in->n)
				in->op[i].seed = rnd();
			break;
		case 7:
			if (in->n)
				in->op[i].a[below(8)] ^= 1U << below(32);
			break;
		default:
			if (in->n)
				in->op[i].a[below(8)] = rnd_arg();
			break;
		}
	}
	if (!in->n)
		rnd_input(in);
}

/* ------------------------------------------------------------------ */
/* Corpus files                                                       */
/* ------------------------------------------------------------------ */

#define FOP_BYTES	40

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t encode(const struct input *in, uint8_t *buf)
{
	unsigned int i, j;
	uint8_t *p = buf;

	for (i = 0; i < in->n; i++, p += FOP_BYTES) {
		const struct fop *o = &in->op[i];

		p[0] = o->kind;
		p[1] = o->exec;
		p[2] = o->flags;
		p[3] = o->fault;
		put32(p + 4, o->seed);
		for (j = 0; j < 8; j++)
			put32(p + 8 + 4 * j, o->a[j]);
	}
	return p - buf;
}

static void decode(struct input *in, const uint8_t *buf, size_t len)
{
	unsigned int i, j;

	in->n = 0;
	for (i = 0; i < MAX_OPS && (i + 1) * FOP_BYTES <= len; i++) {
		const uint8_t *p = buf + i * FOP_BYTES;
		struct fop *o = &in->op[i];

		o->kind = p[0] % OP_NR;
		o->exec = p[1] % NEXEC;
		o->flags = p[2];
		o->fault = p[3];
		o->seed = get32(p + 4);
		for (j = 0; j < 8; j++)
			o->a[j] = get32(p + 8 + 4 * j);
		in->n++;
	}
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static int save_input(const char *dir, const struct input *in)
{
	uint8_t buf[MAX_OPS * FOP_BYTES];
	size_t len = encode(in, buf);
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%016llx", dir,
		 (unsigned long long)fnv(buf, len));
	f = fopen(path, "wb");
	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* ------------------------------------------------------------------ */
/* Executors                                                          */
/* ------------------------------------------------------------------ */

/*
 * Per-run state shared by the three executors: it lives in a MAP_SHARED
 * mapping made before the fork, so the second process sees the input and
 * writes its PCs back.  The threads of this process also use it.
 */
struct shared {
	struct input in;
	uint64_t deadline_ns;		/* per blocking call */
	uint32_t npcs[NEXEC];
	uint64_t pcs[NEXEC][4096];
	long calls, fails, faults, undocumented, refused_sent;
	long errs[OP_NR][160];
	int bad_op, bad_errno;
	long progress;			/* ops finished, for the watchdog */
	int cur[NEXEC];			/* op index running, or -1 */
	pid_t tid[NEXEC];
};

static struct shared *sh;
static uint64_t text_start, text_size;
static int verbose;

/* One executor: a thread with its own names, buffers, kcov and fail-nth. */
struct exec {
	int id;
	int *space;		/* shared by the two threads of a process */
	uint32_t own_port, peer_send, pset;
	uint32_t names[NAMES];
	unsigned int nnames;
	int bfds[BFDS];
	unsigned int nbfds;
	int peer_bfd;
	uint64_t *cover;
	int kcov, nth;
	uint8_t *ool;		/* OOL_AREA bytes, then a PROT_NONE page */
	uint8_t *rdonly;	/* one read-only page */
	uint64_t msg[MSG_MAX / 8];
	uint64_t rcv[MSG_MAX / 8 + 8];
	uint8_t *rool;		/* receive area, OOL_AREA */
	int cmd, done;		/* pipes to and from the coordinator */
	int sock;		/* process 2: unix socket for bootstrap fds */
	uint64_t op_start_ns;	/* CLOCK_MONOTONIC before fail-nth is armed */
	/* Files for MACHIPC_DESC_FD descriptors (see pick_file()). */
	int pipe_r, pipe_w, memfd, usock[2];
	int refused;		/* the message being sent carries one */
	int rcv_alloc;		/* the receive let the kernel map its buffers */
};

static uint64_t now_ns(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "machipc-fuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static int documented(int e)
{
	switch (e) {
	case EBADFD: case ENOTTY: case EFAULT: case EINVAL: case ENOENT:
	case EACCES: case EPIPE: case EOVERFLOW: case EBUSY: case ETIMEDOUT:
	case EMSGSIZE: case E2BIG: case ENOMEM: case ENOBUFS: case EBADF:
	case EMFILE: case EPERM: case EINTR: case ENOSPC:
	/* ABI 3: chosen names, hostile-sender bounds, export */
	case EEXIST: case ENOTUNIQ: case EAGAIN: case ETOOMANYREFS:
	case ENFILE:
	/* ABI 4: files in messages */
	case ELOOP:
		return 1;
	}
	return 0;
}

static void remember(struct exec *x, uint32_t name)
{
	if (name == MACHIPC_NAME_NULL || name == MACHIPC_NAME_DEAD)
		return;
	x->names[x->nnames++ % NAMES] = name;
}

static uint32_t name_arg(struct exec *x, uint32_t v)
{
	unsigned int n = x->nnames < NAMES ? x->nnames : NAMES;

	switch (v >> 30) {
	case 0:
	case 1:
		if (!n)
			return x->own_port;
		return x->names[v % n];
	case 2:
		switch (v & 7) {
		case 0: return x->own_port;
		case 1: return x->peer_send;
		case 2: return x->pset;
		case 3: return MACHIPC_NAME_NULL;
		case 4: return MACHIPC_NAME_DEAD;
		case 5: return n ? x->names[v % n] + 1 : 1;
		default: return n ? x->names[(v >> 3) % n] : x->own_port;
		}
	default:
		return v;
	}
}

static int nth_arm(struct exec *x, unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (x->nth < 0)
		return -1;
	return pwrite(x->nth, s, len, 0) == len ? 0 : -1;
}

static uint64_t ool_addr(struct exec *x, uint8_t *area, uint32_t sel, uint64_t size)
{
	switch (sel & 15) {
	case 0:		/* a hole: the PROT_NONE page after the area */
		return (uint64_t)(uintptr_t)(area + OOL_AREA);
	case 1:
		return (uint64_t)(uintptr_t)x->rdonly;
	case 2:
		return 0;
	case 3:		/* straddles the end of the area */
		return (uint64_t)(uintptr_t)(area + OOL_AREA - (size > 64 ? size / 2 : 1));
	default:
		if (size > OOL_AREA)
			return (uint64_t)(uintptr_t)area;
		return (uint64_t)(uintptr_t)(area + (sel >> 3) % (OOL_AREA - size + 1));
	}
}

static uint64_t ool_size(uint32_t sel)
{
	static const uint64_t sz[] = {
		0, 1, 8, 100, 4095, 4096, 4097, 8192, 12345, 65536,
		OOL_AREA, OOL_AREA + 1, MACHIPC_OOL_SIZE_MAX, 3 * 4096 + 7,
	};

	return sz[sel % (sizeof(sz) / sizeof(sz[0]))];
}

/*
 * The file of a MACHIPC_DESC_FD descriptor: a pipe's write end or a memfd
 * (they travel), or one the send must refuse with ELOOP because it could
 * close a reference cycle (the space, an AF_UNIX socket, a bootstrap
 * descriptor: x->refused is set, and a send that succeeds with it is an
 * oracle failure), or one not open, or anything.
 */
static uint32_t pick_file(struct exec *x, uint32_t sel, uint32_t any)
{
	int fd;

	switch (sel % 8) {
	case 0:
	case 1:
		return x->pipe_w;
	case 2:
		return x->memfd;
	case 3:
		x->refused = 1;
		return *x->space;
	case 4:
		x->refused = 1;
		return x->usock[0];
	case 5:
		fd = x->nbfds ? x->bfds[sel % x->nbfds] : x->peer_bfd;
		if (fd < 0)
			return 100000;
		x->refused = 1;
		return fd;
	case 6:
		return 100000 + sel % 1000;	/* not open: EBADF */
	default:
		return name_arg(x, any);
	}
}

/* Builds a message in x->msg from the op; returns its size. */
static uint32_t build_msg(struct exec *x, const struct fop *o)
{
	struct machipc_msg_header *h = (void *)x->msg;
	struct machipc_msg_desc *d = (void *)(h + 1);
	uint64_t s = o->seed;
	uint32_t r = (uint32_t)split(&s);
	unsigned int nd = r % 5, i, inl;
	bool ool_first = o->a[7] & 0x10000;
	uint32_t size;
	static const uint32_t sdisp[] = {
		MACHIPC_DISP_COPY_SEND, MACHIPC_DISP_MOVE_SEND,
		MACHIPC_DISP_MOVE_SEND_ONCE, MACHIPC_DISP_MAKE_SEND,
		MACHIPC_DISP_MAKE_SEND_ONCE,
	};

	memset(h, 0, sizeof(*h));
	h->remote_name = name_arg(x, o->a[0]);
	h->local_name = (o->a[3] & 3) ? name_arg(x, o->a[2]) : 0;
	h->bits = MACHIPC_MSGH_BITS(sdisp[o->a[1] % 5],
				    h->local_name ? sdisp[(o->a[1] >> 3) % 5] : 0);
	if ((o->a[1] & 0xf00) == 0xf00)		/* occasionally anything */
		h->bits = o->a[1];
	h->id = o->a[6];
	if (ool_first && !nd)
		nd = 1;
	for (i = 0; i < nd; i++) {
		uint32_t t = (uint32_t)split(&s);

		memset(&d[i], 0, sizeof(d[i]));
		if ((t & 1) || (ool_first && !i)) {
			d[i].type = MACHIPC_DESC_OOL;
			d[i].size = ool_size(t >> 1);
			d[i].address = ool_addr(x, x->ool, t >> 5, d[i].size);
			/*
			 * Captured at the send (ABI 5) in one message of four
			 * (every region of it, or the send is EINVAL), now
			 * and then one region only.
			 */
			if ((o->a[7] & 0x300) == 0x300 ||
			    (t & 0x30000000) == 0x30000000)
				d[i].disposition = MACHIPC_OOL_CAPTURE;
		} else if ((t & 0x600) == 0x600) {
			/* An open file, one port descriptor in four. */
			d[i].type = MACHIPC_DESC_FD;
			d[i].disposition = (t & 0x800000) ? t >> 24 :
					   (t >> 12) & MACHIPC_FD_MASK;
			d[i].name = pick_file(x, t >> 13, o->a[4]);
		} else {
			d[i].type = MACHIPC_DESC_PORT;
			d[i].disposition = 1 + (t >> 1) % MACHIPC_DISP_LAST;
			d[i].name = name_arg(x, (t & 0x100) ? o->a[4] : (uint32_t)split(&s) % 64);
		}
		if ((t & 0xff000) == 0xff000)	/* a malformed descriptor */
			d[i].reserved = t;
		if ((t & 0xff00000) == 0xff00000)
			d[i].type = t >> 28;
	}
	if (nd) {
		h->bits |= MACHIPC_MSGH_COMPLEX;
		h->desc_count = nd;
	}
	if ((o->a[5] & 0xff) == 0xff)
		h->desc_count = o->a[5] >> 8;
	inl = (o->a[5] % 9) * 8;
	if ((o->a[5] & 0x3f00) == 0x3f00)
		inl = o->a[5] % (MSG_MAX - 256);
	size = sizeof(*h) + nd * sizeof(*d) + inl;
	memset((uint8_t *)x->msg + sizeof(*h) + nd * sizeof(*d), 0x5a, inl);
	h->size = size;
	if ((o->a[5] & 0xf0000) == 0xf0000)
		h->size = o->a[5] >> 20;
	if (size > MSG_MAX)
		size = MSG_MAX;
	return size;
}

static int do_msg(struct exec *x, const struct fop *o, uint32_t flags)
{
	struct machipc_msg_args m = { 0 };
	struct machipc_ool_buf bufs[4];
	uint64_t s = o->seed ^ 0x5555, wait;
	unsigned int i, nb;
	int ret;

	/* A timeout flag without its part is malformed: only with it. */
	m.flags = flags;
	if (flags & MACHIPC_MSG_SEND)
		m.flags |= MACHIPC_MSG_SEND_TIMEOUT;
	if (flags & MACHIPC_MSG_RECEIVE)
		m.flags |= MACHIPC_MSG_RCV_TIMEOUT;
	x->refused = 0;
	if (flags & MACHIPC_MSG_SEND) {
		m.send_size = build_msg(x, o);
		m.send_msg = (uint64_t)(uintptr_t)x->msg;
		if ((o->a[7] & 0xff) == 0x17)
			m.send_size = o->a[7] >> 8;
		if (m.send_size > MSG_MAX)
			m.send_size = MSG_MAX;
	}
	if (flags & MACHIPC_MSG_RECEIVE) {
		m.rcv_name = name_arg(x, flags & MACHIPC_MSG_SEND ? o->a[3] : o->a[0]);
		m.rcv_buf = (uint64_t)(uintptr_t)x->rcv;
		m.rcv_size = (o->a[2] & 0x700) == 0x700 ? o->a[2] % MSG_MAX : MSG_MAX;
		nb = o->a[1] % 5;
		for (i = 0; i < nb; i++) {
			uint32_t t = (uint32_t)split(&s);

			bufs[i].size = ool_size(t);
			bufs[i].address = ool_addr(x, x->rool, t >> 4, bufs[i].size);
		}
		m.rcv_ool = nb ? (uint64_t)(uintptr_t)bufs : 0;
		m.rcv_ool_count = nb;
		/* Half the receives take files, half drop them. */
		if (o->seed & 0x100)
			m.flags |= MACHIPC_MSG_RCV_FILES;
		if ((o->a[1] & 0xf0) == 0xf0)
			m.rcv_ool_count = o->a[1] >> 8;
		/* One receive in four has the kernel map its buffers. */
		x->rcv_alloc = (o->seed & 0x600) == 0x600;
		if (x->rcv_alloc) {
			m.flags |= MACHIPC_MSG_RCV_OOL_ALLOC;
			if (!(o->a[1] & 0x1000)) {	/* else EINVAL */
				m.rcv_ool = 0;
				m.rcv_ool_count = 0;
			}
		}
	}
	/*
	 * Deadlines: mostly short (the base, times 1, 4, 16 or 64, so that a
	 * same-space receiver on the other thread has time to copy), sometimes
	 * already past.
	 */
	wait = sh->deadline_ns << (2 * ((o->a[6] >> 4) & 3));
	if (flags & MACHIPC_MSG_SEND)
		m.send_deadline = (o->a[6] & 3) == 0 ? 0 :
				  (int64_t)(x->op_start_ns + wait);
	if (flags & MACHIPC_MSG_RECEIVE)
		m.rcv_deadline = (o->a[6] & 0xc) == 0 ? 0 :
				 (int64_t)(x->op_start_ns + wait);
	if ((o->a[6] & 0xff00) == 0xff00)
		m.flags |= (o->a[6] >> 16) & 0xff;
	if ((o->a[7] & 0xff00) == 0xff00)
		m.blame = 1;	/* an output: ignored on input */
	ret = ioctl(*x->space, MACHIPC_IOC_MSG, &m);
	if (!ret && x->refused) {
		/* A file that could close a reference cycle went through. */
		__atomic_add_fetch(&sh->refused_sent, 1, __ATOMIC_RELAXED);
		sh->bad_op = o->kind;
	}
	return ret;
}

/*
 * A message received into x->rcv: remember the names of the rights it
 * brought, close the descriptors of the files it brought.
 */
static void absorb(struct exec *x)
{
	struct machipc_msg_header *h = (void *)x->rcv;
	struct machipc_msg_desc *d = (void *)(h + 1);
	unsigned int i;

	remember(x, h->remote_name);
	for (i = 0; i < h->desc_count && i < MSG_MAX / sizeof(*d) - 1; i++) {
		if (d[i].type == MACHIPC_DESC_PORT)
			remember(x, d[i].name);
		else if (d[i].type == MACHIPC_DESC_FD && (int)d[i].name >= 0)
			close((int)d[i].name);
		/* Memory the kernel mapped for the receive is ours to free. */
		else if (d[i].type == MACHIPC_DESC_OOL && x->rcv_alloc &&
			 d[i].size)
			munmap((void *)(uintptr_t)d[i].address, d[i].size);
	}
}

/* Runs one op; returns the ioctl's result (errno set on -1). */
static int run_op(struct exec *x, const struct fop *o)
{
	int fd = *x->space, ret = 0;

	switch (o->kind) {
	case OP_ALLOC: {
		static const uint32_t rights[] = {
			MACHIPC_RIGHT_RECEIVE, MACHIPC_RIGHT_PORT_SET,
			MACHIPC_RIGHT_DEAD_NAME, MACHIPC_RIGHT_RECEIVE,
		};
		struct machipc_port_alloc a = {
			.right = o->a[1] & 0x100 ? o->a[0] : rights[o->a[0] % 4],
		};

		ret = ioctl(fd, MACHIPC_IOC_PORT_ALLOCATE, &a);
		if (!ret)
			remember(x, a.name);
		break;
	}
	case OP_DESTROY:
	case OP_DEALLOC: {
		struct machipc_port_name a = { .name = name_arg(x, o->a[0]) };

		if ((o->a[1] & 0xff) == 0xff)
			a.reserved = o->a[1];
		ret = ioctl(fd, o->kind == OP_DESTROY ? MACHIPC_IOC_PORT_DESTROY :
			    MACHIPC_IOC_PORT_DEALLOCATE, &a);
		break;
	}
	case OP_MOD_REFS: {
		static const int32_t deltas[] = { -1, 0, 1, 2, -2, 0xffff, -0xffff, 0x10000 };
		struct machipc_port_mod_refs a = {
			.name = name_arg(x, o->a[0]),
			.right = o->a[1] & 0x100 ? o->a[1] : 1U << (o->a[1] % 5),
			.delta = o->a[2] & 0x100 ? (int32_t)o->a[2] : deltas[o->a[2] % 8],
		};

		ret = ioctl(fd, MACHIPC_IOC_PORT_MOD_REFS, &a);
		break;
	}
	case OP_INSERT: {
		struct machipc_port_insert a = {
			.name = name_arg(x, o->a[0]),
			.disposition = o->a[1] & 0x100 ? o->a[1] & 0xff :
				(o->a[1] & 1 ? MACHIPC_DISP_MAKE_SEND : MACHIPC_DISP_MAKE_SEND_ONCE),
		};

		ret = ioctl(fd, MACHIPC_IOC_PORT_INSERT_RIGHT, &a);
		if (!ret)
			remember(x, a.new_name);
		break;
	}
	case OP_MEMBER: {
		struct machipc_port_member a = {
			.member = name_arg(x, o->a[0]),
			.set = o->a[2] & 1 ? 0 : name_arg(x, o->a[1]),
		};

		ret = ioctl(fd, MACHIPC_IOC_PORT_MOVE_MEMBER, &a);
		break;
	}
	case OP_GET_ATTR:
	case OP_SET_ATTR: {
		struct machipc_port_attr a = { .name = name_arg(x, o->a[0]) };

		if (o->kind == OP_SET_ATTR) {
			a.flags = o->a[1] & 0x100 ? o->a[1] : MACHIPC_ATTR_QLIMIT;
			a.qlimit = o->a[2] & 0x100 ? o->a[2] : o->a[2] % 8;
		}
		ret = ioctl(fd, o->kind == OP_SET_ATTR ? MACHIPC_IOC_PORT_SET_ATTRIBUTES :
			    MACHIPC_IOC_PORT_GET_ATTRIBUTES, &a);
		break;
	}
	case OP_NAME_INFO: {
		struct machipc_name_info a = { .name = name_arg(x, o->a[0]) };

		ret = ioctl(fd, MACHIPC_IOC_NAME_INFO, &a);
		break;
	}
	case OP_PORT_NAMES: {
		struct machipc_name_info e[16];
		struct machipc_port_names a = {
			.entries = (uint64_t)(uintptr_t)e,
			.capacity = o->a[0] % 17,
		};
		unsigned int i;

		if ((o->a[1] & 0xff) == 0xff)
			a.entries = (uint64_t)(uintptr_t)x->rdonly;
		ret = ioctl(fd, MACHIPC_IOC_PORT_NAMES, &a);
		if (!ret && a.entries == (uint64_t)(uintptr_t)e)
			for (i = 0; i < a.capacity && i < a.count; i++)
				remember(x, e[i].name);
		break;
	}
	case OP_NOTIFY: {
		struct machipc_notify_request a = {
			.name = name_arg(x, o->a[0]),
			.kind = o->a[1] & 0x100 ? o->a[1] : 1 + o->a[1] % 3,
			.notify = o->a[3] & 1 ? 0 : name_arg(x, o->a[2]),
			.disposition = o->a[3] & 2 ? MACHIPC_DISP_MOVE_SEND_ONCE :
				MACHIPC_DISP_MAKE_SEND_ONCE,
			.sync = (o->a[4] & 0x1f) == 1 ? o->a[4] >> 5 : 0,
		};

		if (!a.notify && !(o->a[3] & 4))
			a.disposition = 0;
		ret = ioctl(fd, MACHIPC_IOC_PORT_REQUEST_NOTIFICATION, &a);
		if (!ret)
			remember(x, a.previous);
		break;
	}
	case OP_EXPORT: {
		static const uint32_t disp[] = {
			MACHIPC_DISP_MAKE_SEND, MACHIPC_DISP_COPY_SEND,
			MACHIPC_DISP_MOVE_SEND,
		};
		struct machipc_bootstrap a = {
			.name = name_arg(x, o->a[0]),
			.disposition = o->a[1] & 0x100 ? o->a[1] & 0xff : disp[o->a[1] % 3],
			.flags = o->a[2] & 0x10 ? o->a[2] : o->a[2] & 1,
		};

		ret = ioctl(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &a);
		if (!ret) {
			if (x->nbfds < BFDS)
				x->bfds[x->nbfds++] = a.fd;
			else
				close(a.fd);
		}
		break;
	}
	case OP_IMPORT: {
		struct machipc_bootstrap a = { 0 };

		if (o->a[0] & 1)
			a.fd = x->peer_bfd;
		else if (x->nbfds)
			a.fd = x->bfds[o->a[0] % x->nbfds];
		else
			a.fd = (o->a[0] & 2) ? fd : 0;
		if ((o->a[1] & 0xff) == 0xff)
			a.flags = o->a[1];
		ret = ioctl(fd, MACHIPC_IOC_BOOTSTRAP_IMPORT, &a);
		if (!ret)
			remember(x, a.name);
		break;
	}
	case OP_SEND:
		ret = do_msg(x, o, MACHIPC_MSG_SEND);
		break;
	case OP_RECEIVE:
		ret = do_msg(x, o, MACHIPC_MSG_RECEIVE);
		if (!ret)
			absorb(x);
		break;
	case OP_SEND_RECEIVE:
		ret = do_msg(x, o, MACHIPC_MSG_SEND | MACHIPC_MSG_RECEIVE);
		if (!ret)
			absorb(x);
		break;
	case OP_ACCOUNT: {
		struct machipc_account_info a = { 0 };

		if (o->a[0] & 1) {
			a.flags = o->a[1] & 0x100 ? o->a[1] : MACHIPC_ACCOUNT_SET_LIMIT;
			a.limit = o->a[2] & 0x100 ? (uint64_t)o->a[2] << (o->a[3] % 24) :
				(o->a[2] % 64) * 1024;
		}
		ret = ioctl(fd, MACHIPC_IOC_ACCOUNT, &a);
		break;
	}
	case OP_VERSION: {
		struct machipc_version v;

		ret = ioctl(fd, MACHIPC_IOC_VERSION, &v);
		break;
	}
	case OP_REOPEN: {
		/*
		 * Replace the space while the other thread may be in a call
		 * on it: the old file lives on until that call returns.
		 */
		int nfd = open("/dev/machipc", O_RDWR | O_CLOEXEC);

		if (nfd < 0)
			return 0;
		if (dup2(nfd, fd) < 0)
			ret = -1;
		close(nfd);
		x->nnames = 0;
		x->own_port = x->peer_send = x->pset = 0;
		break;
	}
	case OP_FDINFO: {
		char path[64], buf[4096];
		int f;

		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = open(path, O_RDONLY);
		if (f >= 0) {
			while (read(f, buf, sizeof(buf)) > 0)
				;
			close(f);
		}
		return 0;
	}
	case OP_INJECT: {
		/* The copy engine's own fault point: abort chunk k, one side. */
		char v[32];
		int f = open("/sys/kernel/debug/machipc/inject_abort_side", O_WRONLY);

		if (f >= 0) {
			if (write(f, o->a[1] & 1 ? "1" : "0", 1) < 0)
				ret = 0;
			close(f);
		}
		f = open("/sys/kernel/debug/machipc/inject_abort_chunk", O_WRONLY);
		if (f >= 0) {
			snprintf(v, sizeof(v), "%d", (int)(o->a[0] % 5) - 1);
			if (write(f, v, strlen(v)) < 0)
				ret = 0;
			close(f);
		}
		return 0;
	}
	case OP_RAW: {
		/* Any command number of our magic, a buffer of junk. */
		uint64_t junk[16];
		unsigned int nr = o->a[1] & 0x1f, i;
		unsigned long cmd;

		/* Not MSG: junk flags could block without a deadline. */
		if (nr == _IOC_NR(MACHIPC_IOC_MSG))
			nr = 0x1d;
		cmd = _IOC(o->a[0] & 3, MACHIPC_IOC_MAGIC, nr, o->a[2] % 128);

		for (i = 0; i < 16; i++)
			junk[i] = (uint64_t)o->a[(3 + i) % 8] << (i % 32);
		ret = ioctl(fd, cmd, junk);
		break;
	}
	}
	return ret;
}

static void exec_ops(struct exec *x)
{
	unsigned int i;

	for (i = 0; i < sh->in.n; i++) {
		const struct fop *o = &sh->in.op[i];
		int ret, e, fault = o->flags & FOP_FAULT;

		if (o->exec != x->id || skip_mask & 1U << o->kind)
			continue;
		if (no_faults)
			fault = 0;
		if (fault && trace_faults) {
			char line[96];
			int len = snprintf(line, sizeof(line),
					   "machipc-fuzz: exec %d op %u %s fail-nth %u\n",
					   x->id, i, op_names[o->kind],
					   1 + o->fault % 16);

			if (write(2, line, len) < 0)
				trace_faults = 0;
		}
		/*
		 * The time is read before fail-nth is armed: where the vDSO
		 * cannot read the clocksource (the debug guest's jiffies),
		 * clock_gettime() is a system call, whose copy-out the fault
		 * would fail, leaving a garbage deadline minutes away.
		 */
		x->op_start_ns = now_ns();
		if (fault)
			fault = !nth_arm(x, 1 + o->fault % 16);
		sh->cur[x->id] = i;
		errno = 0;
		ret = run_op(x, o);
		e = errno;
		sh->cur[x->id] = -1;
		__atomic_add_fetch(&sh->progress, 1, __ATOMIC_RELAXED);
		if (fault)
			nth_arm(x, 0);
		__atomic_add_fetch(&sh->calls, 1, __ATOMIC_RELAXED);
		if (fault)
			__atomic_add_fetch(&sh->faults, 1, __ATOMIC_RELAXED);
		if (ret < 0 && o->kind != OP_RAW && o->kind != OP_REOPEN &&
		    o->kind != OP_FDINFO && o->kind != OP_INJECT) {
			__atomic_add_fetch(&sh->fails, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&sh->errs[o->kind][e < 160 ? e : 0], 1,
					   __ATOMIC_RELAXED);
			if (!documented(e)) {
				__atomic_add_fetch(&sh->undocumented, 1, __ATOMIC_RELAXED);
				sh->bad_op = o->kind;
				sh->bad_errno = e;
			}
		}
	}
}

static void cover_reset(struct exec *x)
{
	if (x->cover)
		__atomic_store_n(&x->cover[0], 0, __ATOMIC_RELAXED);
}

/* Copies this executor's module PCs (as .text offsets) to the shared area. */
static void cover_collect(struct exec *x)
{
	uint64_t n, i, pc;
	uint32_t k = 0;

	if (!x->cover) {
		sh->npcs[x->id] = 0;
		return;
	}
	n = __atomic_load_n(&x->cover[0], __ATOMIC_RELAXED);
	if (n > COVER_WORDS - 1)
		n = COVER_WORDS - 1;
	for (i = 0; i < n && k < 4096; i++) {
		pc = x->cover[i + 1];
		if (pc >= text_start && pc < text_start + text_size)
			sh->pcs[x->id][k++] = pc - text_start;
	}
	sh->npcs[x->id] = k;
}

static void exec_init(struct exec *x, int id)
{
	x->id = id;
	sh->tid[id] = gettid();
	sh->cur[id] = -1;
	x->peer_bfd = -1;
	x->ool = mmap(NULL, OOL_AREA + 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	x->rool = mmap(NULL, OOL_AREA + 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	x->rdonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->ool == MAP_FAILED || x->rool == MAP_FAILED || x->rdonly == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(x->ool, 0xa5, OOL_AREA);
	mprotect(x->ool + OOL_AREA, 4096, PROT_NONE);
	mprotect(x->rool + OOL_AREA, 4096, PROT_NONE);
	{
		int p[2];

		if (pipe2(p, O_CLOEXEC) ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, x->usock))
			die("pipe: %s", strerror(errno));
		x->pipe_r = p[0];
		x->pipe_w = p[1];
		x->memfd = memfd_create("machipc-fuzz", MFD_CLOEXEC);
		if (x->memfd < 0)
			die("memfd_create: %s", strerror(errno));
	}
	x->nth = open("/proc/thread-self/fail-nth", O_RDWR);
	x->kcov = open("/sys/kernel/debug/kcov", O_RDWR);
	if (x->kcov < 0)
		return;
	if (ioctl(x->kcov, KCOV_INIT_TRACE, COVER_WORDS))
		die("KCOV_INIT_TRACE: %s", strerror(errno));
	x->cover = mmap(NULL, COVER_WORDS * sizeof(uint64_t),
			PROT_READ | PROT_WRITE, MAP_SHARED, x->kcov, 0);
	if (x->cover == MAP_FAILED)
		die("kcov mmap: %s", strerror(errno));
	if (ioctl(x->kcov, KCOV_ENABLE, KCOV_TRACE_PC))
		die("KCOV_ENABLE: %s", strerror(errno));
}

static void close_bfds(struct exec *x)
{
	while (x->nbfds)
		close(x->bfds[--x->nbfds]);
}

/* Allocates the executor's well-known rights in its (fresh) space. */
static int setup_space(struct exec *x, int fresh)
{
	struct machipc_port_alloc a = { .right = MACHIPC_RIGHT_RECEIVE };
	struct machipc_port_alloc s = { .right = MACHIPC_RIGHT_PORT_SET };

	if (fresh) {
		*x->space = open("/dev/machipc", O_RDWR | O_CLOEXEC);
		if (*x->space < 0)
			die("open /dev/machipc: %s", strerror(errno));
	}
	x->nnames = 0;
	if (ioctl(*x->space, MACHIPC_IOC_PORT_ALLOCATE, &a) ||
	    ioctl(*x->space, MACHIPC_IOC_PORT_ALLOCATE, &s))
		return -1;
	x->own_port = a.name;
	x->pset = s.name;
	remember(x, a.name);
	remember(x, s.name);
	return 0;
}

static int export_port(struct exec *x)
{
	struct machipc_bootstrap b = {
		.name = x->own_port, .disposition = MACHIPC_DISP_MAKE_SEND,
		.flags = MACHIPC_BOOTSTRAP_CLOEXEC,
	};

	if (ioctl(*x->space, MACHIPC_IOC_BOOTSTRAP_EXPORT, &b))
		return -1;
	return b.fd;
}

static uint32_t import_port(struct exec *x, int bfd)
{
	struct machipc_bootstrap b = { .fd = bfd };

	if (ioctl(*x->space, MACHIPC_IOC_BOOTSTRAP_IMPORT, &b))
		return 0;
	remember(x, b.name);
	return b.name;
}

static int send_fd(int sock, int fd)
{
	char c = 'F', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void reply(struct exec *x, char c)
{
	if (write(x->done, &c, 1) != 1)
		_exit(2);
}

/*
 * The second process's loop.  Commands: 'S' setup (fresh space, port,
 * exchange bootstrap descriptors), 'R' run its ops, 'C' close everything
 * and report PCs, 'Q' quit.
 */
static void peer_main(struct exec *x)
{
	int space = -1, fd;
	char c;

	x->space = &space;
	exec_init(x, 2);
	while (read(x->cmd, &c, 1) == 1) {
		switch (c) {
		case 'S':
			cover_reset(x);
			setup_space(x, 1);
			fd = export_port(x);
			if (fd < 0 || send_fd(x->sock, fd))
				_exit(2);
			close(fd);
			x->peer_bfd = recv_fd(x->sock);
			x->peer_send = import_port(x, x->peer_bfd);
			break;
		case 'R':
			exec_ops(x);
			break;
		case 'C':
			close_bfds(x);
			close(x->peer_bfd);
			x->peer_bfd = -1;
			close(space);
			space = -1;
			cover_collect(x);
			break;
		case 'Q':
			_exit(0);
		}
		reply(x, c);
	}
	_exit(0);
}

static void *thread_main(void *arg)
{
	struct exec *x = arg;
	char c;

	exec_init(x, 1);
	reply(x, 'I');
	while (read(x->cmd, &c, 1) == 1) {
		switch (c) {
		case 'R':
			cover_reset(x);
			exec_ops(x);
			break;
		case 'C':
			cover_collect(x);
			break;
		case 'Q':
			return NULL;
		}
		reply(x, c);
	}
	return NULL;
}

static struct exec ex[NEXEC];
static pid_t peer_pid;
static int watchdog_s = 60;
static volatile int in_input;
static const char *hang_dir = "/tmp";

static void dump_file(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(2, buf, n) < 0)
			break;
	close(fd);
}

/* The input in corpus format, as hex on stderr: the log keeps it. */
static void dump_input(const struct input *in)
{
	uint8_t buf[MAX_OPS * FOP_BYTES];
	size_t len = encode(in, buf), i;

	fprintf(stderr, "machipc-fuzz: the input (corpus format, hex; xxd -r -p makes the file):\n");
	for (i = 0; i < len; i++)
		fprintf(stderr, "%02x%s", buf[i], (i + 1) % FOP_BYTES ? "" : "\n");
}

/* Which operations the executors are in, their kernel stacks, sysrq w. */
static void report_hang(void)
{
	int e;

	for (e = 0; e < NEXEC; e++) {
		char path[64];
		int i = sh->cur[e];

		fprintf(stderr, "machipc-fuzz: executor %d (tid %d): %s\n", e,
			sh->tid[e], i < 0 ? "between operations" :
			op_names[sh->in.op[i].kind]);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stack",
			 e == 2 ? peer_pid : getpid(), sh->tid[e]);
		dump_file(path);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan",
			 e == 2 ? peer_pid : getpid(), sh->tid[e]);
		dump_file(path);
		fprintf(stderr, "\n");
	}
	e = open("/proc/sysrq-trigger", O_WRONLY);
	if (e >= 0) {
		if (write(e, "w", 1) < 0)
			perror("sysrq");
		close(e);
	}
	save_input(hang_dir, &sh->in);
	dump_input(&sh->in);
}

/*
 * The watchdog: an input that makes no progress for --watchdog seconds is
 * a hang (every blocking call has a deadline).  Say which operations the
 * executors are in, print their kernel stacks and have the kernel dump
 * its blocked tasks (sysrq w), keep the input, and fail.
 */
static void *watchdog_fn(void *arg)
{
	long last = -1;
	int idle = 0;

	(void)arg;
	for (;;) {
		sleep(1);
		if (!in_input || sh->progress != last) {
			last = sh->progress;
			idle = 0;
			continue;
		}
		if (++idle < watchdog_s)
			continue;
		fprintf(stderr, "machipc-fuzz: no progress for %d s: a hang; input kept as a file in --out (else /tmp)\n",
			watchdog_s);
		report_hang();
		kill(peer_pid, SIGKILL);
		_exit(1);
	}
	return NULL;
}

static void command(struct exec *x, char c)
{
	if (write(x->cmd, &c, 1) != 1)
		die("executor %d: lost", x->id);
}

static void await(struct exec *x, char c)
{
	struct pollfd p = { .fd = x->done, .events = POLLIN };
	char r;

	if (poll(&p, 1, watchdog_s * 1000) != 1) {
		fprintf(stderr, "machipc-fuzz: executor %d hung for %d s on '%c' (a kernel hang?); input kept in --out (else /tmp)\n",
			x->id, watchdog_s, c);
		report_hang();
		kill(peer_pid, SIGKILL);
		exit(1);
	}
	if (read(x->done, &r, 1) != 1 || r != c)
		die("executor %d: protocol error", x->id);
}

/* Coordinator ends of the pipes to thread 1 and process 2. */
static struct exec t1_ctl, p2_ctl;

/*
 * The second process first (forking a threaded process is best avoided),
 * then the second thread.
 */
static void start_executors(void)
{
	int p[2], q[2], s[2];
	pthread_t t;

	if (pipe2(p, O_CLOEXEC) || pipe2(q, O_CLOEXEC) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s))
		die("pipe: %s", strerror(errno));
	peer_pid = fork();
	if (peer_pid < 0)
		die("fork: %s", strerror(errno));
	if (!peer_pid) {
		ex[2].cmd = p[0];
		ex[2].done = q[1];
		ex[2].sock = s[1];
		peer_main(&ex[2]);
	}
	close(p[0]);
	close(q[1]);
	close(s[1]);
	p2_ctl.id = 2;
	p2_ctl.cmd = p[1];
	p2_ctl.done = q[0];
	p2_ctl.sock = s[0];

	if (pipe2(p, O_CLOEXEC) || pipe2(q, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	ex[1].cmd = p[0];
	ex[1].done = q[1];
	t1_ctl.id = 1;
	t1_ctl.cmd = p[1];
	t1_ctl.done = q[0];
	if (pthread_create(&t, NULL, thread_main, &ex[1]))
		die("pthread_create");
	await(&t1_ctl, 'I');
}

/* ------------------------------------------------------------------ */
/* Coverage bookkeeping and the main loop                             */
/* ------------------------------------------------------------------ */

static uint8_t *seen;		/* one byte per .text offset */
static unsigned long nseen;

/* Runs sh->in on the three executors; returns new PCs found. */
static unsigned long run_input(void)
{
	struct exec *x0 = &ex[0];
	unsigned long fresh = 0;
	unsigned int e, i;
	int fd;

	in_input = 1;
	cover_reset(x0);
	command(&p2_ctl, 'S');
	setup_space(x0, 1);
	fd = export_port(x0);
	if (fd < 0 || send_fd(p2_ctl.sock, fd))
		die("bootstrap export: %s", strerror(errno));
	close(fd);
	x0->peer_bfd = recv_fd(p2_ctl.sock);
	await(&p2_ctl, 'S');
	x0->peer_send = import_port(x0, x0->peer_bfd);
	/* Thread 1 shares the space and the well-known names. */
	ex[1].own_port = x0->own_port;
	ex[1].peer_send = x0->peer_send;
	ex[1].pset = x0->pset;
	ex[1].peer_bfd = x0->peer_bfd;
	ex[1].nnames = 0;
	memcpy(ex[1].names, x0->names, sizeof(ex[1].names));
	ex[1].nnames = x0->nnames;

	command(&t1_ctl, 'R');
	command(&p2_ctl, 'R');
	exec_ops(x0);
	await(&t1_ctl, 'R');
	await(&p2_ctl, 'R');

	command(&t1_ctl, 'C');
	command(&p2_ctl, 'C');
	close_bfds(x0);
	close_bfds(&ex[1]);
	close(x0->peer_bfd);
	x0->peer_bfd = -1;
	close(*x0->space);
	cover_collect(x0);
	await(&t1_ctl, 'C');
	await(&p2_ctl, 'C');
	in_input = 0;

	for (e = 0; e < NEXEC; e++)
		for (i = 0; i < sh->npcs[e]; i++) {
			uint64_t off = sh->pcs[e][i];

			if (!seen[off]) {
				seen[off] = 1;
				nseen++;
				fresh++;
			}
		}
	return fresh;
}

struct corpus {
	struct input *in;
	unsigned int n, cap;
};

static struct corpus corpus;

static void corpus_add(const struct input *in)
{
	if (corpus.n == corpus.cap) {
		corpus.cap = corpus.cap ? 2 * corpus.cap : 64;
		corpus.in = realloc(corpus.in, corpus.cap * sizeof(*in));
		if (!corpus.in)
			die("out of memory");
	}
	corpus.in[corpus.n++] = *in;
}

static unsigned int load_corpus(const char *dir, struct corpus *into)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		uint8_t buf[MAX_OPS * FOP_BYTES];
		char path[4096];
		struct input in;
		size_t len;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		decode(&in, buf, len);
		if (!in.n)
			continue;
		if (into->n == into->cap) {
			into->cap = into->cap ? 2 * into->cap : 64;
			into->in = realloc(into->in, into->cap * sizeof(in));
			if (!into->in)
				die("out of memory");
		}
		into->in[into->n++] = in;
		n++;
	}
	closedir(d);
	return n;
}

/* The module's .text: load address from sysfs, size from the .ko. */
static int text_range(const char *ko)
{
	FILE *f = fopen("/sys/module/machipc/sections/.text", "r");
	unsigned long long a = 0;

	if (!f || fscanf(f, "%llx", &a) != 1) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	text_start = a;
	text_size = 0;
	f = ko ? fopen(ko, "rb") : NULL;
	if (f) {
		Elf64_Ehdr eh;
		Elf64_Shdr *shdr = NULL;
		char *names = NULL;
		unsigned int i;

		if (fread(&eh, sizeof(eh), 1, f) == 1 && eh.e_shnum < 4096 &&
		    (shdr = calloc(eh.e_shnum, sizeof(*shdr))) &&
		    !fseek(f, eh.e_shoff, SEEK_SET) &&
		    fread(shdr, sizeof(*shdr), eh.e_shnum, f) == eh.e_shnum &&
		    eh.e_shstrndx < eh.e_shnum &&
		    (names = malloc(shdr[eh.e_shstrndx].sh_size + 1)) &&
		    !fseek(f, shdr[eh.e_shstrndx].sh_offset, SEEK_SET) &&
		    fread(names, 1, shdr[eh.e_shstrndx].sh_size, f) ==
		    shdr[eh.e_shstrndx].sh_size) {
			names[shdr[eh.e_shstrndx].sh_size] = 0;
			for (i = 0; i < eh.e_shnum; i++)
				if (shdr[i].sh_name < shdr[eh.e_shstrndx].sh_size &&
				    !strcmp(names + shdr[i].sh_name, ".text"))
					text_size = shdr[i].sh_size;
		}
		free(shdr);
		free(names);
		fclose(f);
	}
	if (!text_size) {
		fprintf(stderr, "machipc-fuzz: no .text size from %s: assuming 1 MiB\n",
			ko ? ko : "(no --ko)");
		text_size = 1 << 20;
	}
	return 0;
}

static long vmstat(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = atol(line + kl + 1);
	fclose(f);
	return v;
}

static void usage(FILE *o)
{
	fprintf(o,
"Usage: machipc-fuzz [OPTIONS]\n"
"Coverage-guided ioctl fuzzer for machipc (root, in the debug guest; see\n"
"Documentation/testing.rst).  Replays the corpus, then mutates it.\n"
"\n"
"  -c, --corpus DIR     corpus to replay and to extend (created); default\n"
"                       none: nothing is kept\n"
"  -o, --out DIR        write new inputs here instead of into --corpus\n"
"  -f, --final DIR      at the end, write the whole distilled corpus (the\n"
"                       replayed inputs that still added coverage, plus the\n"
"                       new ones) to DIR\n"
"  -t, --time SECONDS   stop after this long (default 60)\n"
"  -n, --runs N         stop after N inputs (default: no limit)\n"
"  -s, --seed N         random seed (default: from the clock; printed)\n"
"  -k, --ko PATH        the loaded machipc.ko, for the size of its .text\n"
"                       (default build/debug/src/machipc.ko)\n"
"  -p, --pcs FILE       write the covered .text offsets (hex) to FILE\n"
"  -d, --deadline-us N  deadline of each blocking call (default 2000)\n"
"  -w, --watchdog S     an executor silent this long is a hang (default 60)\n"
"  -S, --skip OP,...    never run these operations (names as in the summary)\n"
"  -F, --no-faults      never arm fail-nth\n"
"  -T, --trace-faults   print each operation run with a fault before it runs\n"
"  -v, --verbose        print each new-coverage input\n"
"  -h, --help\n"
"\n"
"Exit status: 0 clean; 1 an oracle failed (undocumented errno, hang,\n"
"unbalanced pins); 2 usage or setup error.  Kernel reports are judged by\n"
"tools/vm/run from the guest's log.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "corpus", 1, NULL, 'c' }, { "out", 1, NULL, 'o' },
		{ "time", 1, NULL, 't' }, { "runs", 1, NULL, 'n' },
		{ "seed", 1, NULL, 's' }, { "ko", 1, NULL, 'k' },
		{ "pcs", 1, NULL, 'p' }, { "deadline-us", 1, NULL, 'd' },
		{ "watchdog", 1, NULL, 'w' }, { "verbose", 0, NULL, 'v' },
		{ "final", 1, NULL, 'f' }, { "skip", 1, NULL, 'S' },
		{ "no-faults", 0, NULL, 'F' }, { "trace-faults", 0, NULL, 'T' },
		{ "help", 0, NULL, 'h' }, { 0 },
	};
	const char *cdir = NULL, *odir = NULL, *ko = "build/debug/src/machipc.ko";
	const char *pcs = NULL, *fdir = NULL;
	long limit_s = 60, runs = -1, r = 0, replayed = 0, kept = 0;
	uint64_t seed = now_ns() ^ ((uint64_t)getpid() << 32);
	uint64_t start, last = 0, deadline_us = 2000;
	long pin_a, pin_r;
	int c, status = 0, space0 = -1;
	unsigned int i;

	while ((c = getopt_long(argc, argv, "c:o:t:n:s:k:p:d:w:f:S:FTvh", lo, NULL)) != -1) {
		switch (c) {
		case 'c': cdir = optarg; break;
		case 'o': odir = optarg; break;
		case 't': limit_s = atol(optarg); break;
		case 'n': runs = atol(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'k': ko = optarg; break;
		case 'p': pcs = optarg; break;
		case 'd': deadline_us = strtoull(optarg, NULL, 0); break;
		case 'w': watchdog_s = atoi(optarg); break;
		case 'v': verbose = 1; break;
		case 'f': fdir = optarg; break;
		case 'F': no_faults = 1; break;
		case 'T': trace_faults = 1; break;
		case 'S': {
			char *tok, *save = NULL;

			for (tok = strtok_r(optarg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				for (i = 0; i < OP_NR; i++)
					if (!strcmp(tok, op_names[i]))
						skip_mask |= 1U << i;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	sh->deadline_ns = deadline_us * 1000;
	if (!odir)
		odir = cdir;
	if (getenv("MACHIPC_OUT"))	/* tools/vm/run's result share */
		hang_dir = getenv("MACHIPC_OUT");
	if (odir) {
		mkdir(odir, 0755);
		hang_dir = odir;
	}
	rng_state = seed;

	if (access("/sys/kernel/debug/kcov", F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access("/sys/kernel/debug/kcov", R_OK))
		fprintf(stderr, "machipc-fuzz: no /sys/kernel/debug/kcov (kernel without CONFIG_KCOV): running blind\n");
	if (access("/proc/thread-self/fail-nth", W_OK))
		fprintf(stderr, "machipc-fuzz: no fail-nth (kernel without CONFIG_FAULT_INJECTION): no faults\n");
	/* Quiet fault injection: a failed allocation is not news. */
	{
		static const char *const q[] = {
			"/sys/kernel/debug/failslab/verbose",
			"/sys/kernel/debug/fail_page_alloc/verbose",
			"/sys/kernel/debug/fail_usercopy/verbose",
		};
		for (i = 0; i < 3; i++) {
			int f = open(q[i], O_WRONLY);

			if (f >= 0) {
				if (write(f, "0", 1) != 1)
					perror(q[i]);
				close(f);
			}
		}
		c = open("/sys/kernel/debug/failslab/ignore-gfp-wait", O_WRONLY);
		if (c >= 0) {
			if (write(c, "N", 1) != 1)
				perror("ignore-gfp-wait");
			close(c);
		}
	}
	if (text_range(ko))
		die("machipc is not loaded (/sys/module/machipc/sections/.text)");
	seen = calloc(text_size, 1);
	if (!seen)
		die("out of memory");
	printf("machipc-fuzz: seed %#llx, .text at %#llx size %#llx, time %ld s\n",
	       (unsigned long long)seed, (unsigned long long)text_start,
	       (unsigned long long)text_size, limit_s);
	fflush(stdout);

	ex[0].space = &space0;
	ex[1].space = &space0;
	start_executors();
	exec_init(&ex[0], 0);

	{
		pthread_t wd;

		if (pthread_create(&wd, NULL, watchdog_fn, NULL))
			die("pthread_create");
	}
	start = now_ns();
	/* Replay: every corpus input once, keeping those that still add. */
	if (cdir) {
		struct corpus old = { 0 };

		load_corpus(cdir, &old);
		for (i = 0; i < old.n; i++) {
			sh->in = old.in[i];
			if (run_input())
				corpus_add(&old.in[i]);
			replayed++;
		}
		free(old.in);
		printf("machipc-fuzz: replayed %ld inputs: %u add coverage, %lu PCs\n",
		       replayed, corpus.n, nseen);
		fflush(stdout);
	}
	while ((runs < 0 || r < runs) &&
	       now_ns() - start < (uint64_t)limit_s * 1000000000ULL) {
		struct input in;
		unsigned long fresh;

		if (corpus.n && below(10)) {
			in = corpus.in[below(corpus.n)];
			mutate(&in, corpus.n ? &corpus.in[below(corpus.n)] : NULL);
		} else {
			rnd_input(&in);
		}
		sh->in = in;
		fresh = run_input();
		r++;
		if (fresh) {
			corpus_add(&in);
			kept++;
			if (odir && save_input(odir, &in))
				fprintf(stderr, "machipc-fuzz: cannot save to %s: %s\n",
					odir, strerror(errno));
			if (verbose)
				printf("machipc-fuzz: run %ld: +%lu PCs (%lu)\n", r, fresh, nseen);
		}
		if (now_ns() - last > 10000000000ULL) {
			last = now_ns();
			printf("machipc-fuzz: %llu s: %ld runs, %ld calls (%ld failed, %ld with a fault), corpus %u, %lu PCs of .text\n",
			       (unsigned long long)((last - start) / 1000000000ULL),
			       r, sh->calls, sh->fails, sh->faults, corpus.n, nseen);
			fflush(stdout);
		}
	}
	command(&t1_ctl, 'Q');
	command(&p2_ctl, 'Q');
	waitpid(peer_pid, &c, 0);

	printf("machipc-fuzz: done: %ld replayed, %ld runs, %ld calls (%ld failed, %ld with a fault), %ld new inputs kept, %lu PCs covered\n",
	       replayed, r, sh->calls, sh->fails, sh->faults, kept, nseen);
	for (c = 0; c < OP_NR; c++) {
		int e;

		printf("  %-22s", op_names[c]);
		for (e = 0; e < 160; e++)
			if (sh->errs[c][e])
				printf(" %s:%ld", strerrorname_np(e) ? strerrorname_np(e) : "?",
				       sh->errs[c][e]);
		printf("\n");
	}
	if (sh->undocumented) {
		printf("machipc-fuzz: FAIL: %ld calls failed with an undocumented errno (last: %s, %s)\n",
		       sh->undocumented, op_names[sh->bad_op], strerror(sh->bad_errno));
		status = 1;
	}
	if (sh->refused_sent) {
		printf("machipc-fuzz: FAIL: %ld messages went through carrying a file the send must refuse (ELOOP)\n",
		       sh->refused_sent);
		status = 1;
	}
	/* The copy engine's fault point may still be armed: disarm it. */
	c = open("/sys/kernel/debug/machipc/inject_abort_chunk", O_WRONLY);
	if (c >= 0) {
		if (write(c, "-1", 2) != 2)
			perror("inject_abort_chunk");
		close(c);
	}
	if (fdir) {
		mkdir(fdir, 0755);
		for (i = 0; i < corpus.n; i++)
			if (save_input(fdir, &corpus.in[i]))
				die("cannot save to %s: %s", fdir, strerror(errno));
	}
	if (pcs) {
		FILE *f = fopen(pcs, "w");
		uint64_t off;

		if (!f)
			die("%s: %s", pcs, strerror(errno));
		for (off = 0; off < text_size; off++)
			if (seen[off])
				fprintf(f, "%llx\n", (unsigned long long)off);
		fclose(f);
	}
	/* Every space is closed and the peer reaped: pins must balance. */
	pin_a = vmstat("nr_foll_pin_acquired");
	pin_r = vmstat("nr_foll_pin_released");
	if (pin_a != pin_r) {
		printf("machipc-fuzz: FAIL: pins unbalanced: acquired %ld, released %ld\n",
		       pin_a, pin_r);
		status = 1;
	}
	printf("machipc-fuzz: %s\n", status ? "FAIL" : "PASS");
	return status;
}
