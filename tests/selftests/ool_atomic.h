/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the ool_atomic selftest: out-of-line messages built and
 * received with raw MACHIPC_IOC_MSG calls, payload patterns that tell every
 * 8-byte word of every message apart, and a userfaultfd pager that serves
 * a sender's source pages and can hold the pages of one chunk until the
 * test releases them.
 *
 * Include after "machipc_test.h".
 */
#ifndef OOL_ATOMIC_H
#define OOL_ATOMIC_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <linux/userfaultfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define OA_PAGE		4096UL
#define OA_MAGIC	0x6f6f6c61746f6d31ULL	/* "oolatom1" */
#define OA_MAX_REGIONS	4

/* Inline data of every test message: what the out-of-line data must be. */
struct oa_meta {
	__u64 magic;
	__u64 seq;
	__u64 nregions;
	__u64 len[OA_MAX_REGIONS];
	__u64 csum;
};

/* Word @i of region @region of message @seq: never zero, never repeated. */
static inline __u64 oa_word(__u64 seq, unsigned int region, __u64 i)
{
	return ((seq * OA_MAX_REGIONS + region + 1) << 40) | (i & ((1ULL << 40) - 1));
}

/* A checksum over 8-byte words (the regions are multiples of 8 bytes). */
static inline __u64 oa_csum_update(__u64 h, const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		__u64 w;

		memcpy(&w, c + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	return h;
}

#define OA_CSUM_SEED	0xcbf29ce484222325ULL

/* Fill @len bytes at @p (any alignment) with region @region of @seq. */
static inline void oa_fill(void *p, size_t len, __u64 seq, unsigned int region)
{
	unsigned char *c = p;
	__u64 i;

	for (i = 0; i < len / 8; i++) {
		__u64 w = oa_word(seq, region, i);

		memcpy(c + i * 8, &w, 8);
	}
}

/*
 * Index of the first word of @p that is not region @region of @seq, or
 * -1 when all of @len bytes are right.
 */
static inline long oa_first_bad(const void *p, size_t len, __u64 seq,
				unsigned int region)
{
	const unsigned char *c = p;
	__u64 i;

	for (i = 0; i < len / 8; i++) {
		__u64 w;

		memcpy(&w, c + i * 8, 8);
		if (w != oa_word(seq, region, i))
			return (long)i;
	}
	return -1;
}

/* Chunks of a region at @addr of @len bytes, per the copy engine's rule. */
static inline unsigned long oa_region_chunks(unsigned long addr, size_t len,
					     unsigned int chunk_pages)
{
	unsigned long span = chunk_pages * OA_PAGE;

	if (!len)
		return 0;
	return (len + addr % OA_PAGE + span - 1) / span;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

struct oa_region {
	unsigned long addr;
	size_t len;
};

/* Room for a header, a port and OA_MAX_REGIONS descriptors, meta, trailer. */
#define OA_MSG_WORDS	64

/*
 * Build in @buf a message to @dest (COPY_SEND) with reply right @reply
 * (MAKE_SEND, or none if 0), a port descriptor moving the send right
 * @port (if not 0), one out-of-line descriptor per region and a struct
 * oa_meta whose checksum covers the words in @src[k] (the content the
 * regions are supposed to have, in this process's memory).
 */
static inline __u32 oa_build(__u64 *buf, __u32 dest, __u32 reply, __u32 port,
			     const struct oa_region *r, const void *const *src,
			     unsigned int nr, __u64 seq, __u32 id)
{
	struct machipc_msg_header *h = (void *)buf;
	struct machipc_msg_desc *d = (void *)(h + 1);
	struct oa_meta meta;
	unsigned int n = 0, k;
	__u64 csum = OA_CSUM_SEED;

	memset(buf, 0, OA_MSG_WORDS * 8);
	memset(&meta, 0, sizeof(meta));
	if (port) {
		d[n].type = MACHIPC_DESC_PORT;
		d[n].disposition = MACHIPC_DISP_MOVE_SEND;
		d[n].name = port;
		n++;
	}
	for (k = 0; k < nr; k++) {
		d[n].type = MACHIPC_DESC_OOL;
		d[n].address = r[k].addr;
		d[n].size = r[k].len;
		meta.len[k] = r[k].len;
		csum = oa_csum_update(csum, src[k], r[k].len);
		n++;
	}
	meta.magic = OA_MAGIC;
	meta.seq = seq;
	meta.nregions = nr;
	meta.csum = csum;
	memcpy(d + n, &meta, sizeof(meta));
	h->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND,
				    reply ? MACHIPC_DISP_MAKE_SEND : 0);
	if (n)
		h->bits |= MACHIPC_MSGH_COMPLEX;
	h->size = sizeof(*h) + n * sizeof(*d) + sizeof(meta);
	h->remote_name = dest;
	h->local_name = reply;
	h->id = id;
	h->desc_count = n;
	return h->size;
}

/* One MACHIPC_IOC_MSG; the errno, or 0. */
static inline int oa_ioctl(int fd, struct machipc_msg_args *a)
{
	return ioctl(fd, MACHIPC_IOC_MSG, a) ? errno : 0;
}

static inline int oa_send(int fd, const __u64 *msg, long long deadline_ns)
{
	struct machipc_msg_args a;

	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND;
	a.send_msg = (unsigned long)msg;
	a.send_size = ((const struct machipc_msg_header *)msg)->size;
	if (deadline_ns) {
		a.flags |= MACHIPC_MSG_SEND_TIMEOUT;
		a.send_deadline = deadline_ns;
	}
	return oa_ioctl(fd, &a);
}

/* A receive into @buf, out-of-line data into @ool[0..n). */
struct oa_rcv {
	__u64 buf[OA_MSG_WORDS];
	struct machipc_ool_buf ool[OA_MAX_REGIONS];
	struct machipc_msg_args args;
};

static inline int oa_receive(int fd, __u32 name, struct oa_rcv *r,
			     void *const *dst, const size_t *cap,
			     unsigned int n, long long deadline_ns)
{
	unsigned int k;

	memset(&r->args, 0, sizeof(r->args));
	memset(r->buf, 0, sizeof(r->buf));
	for (k = 0; k < n; k++) {
		r->ool[k].address = (unsigned long)dst[k];
		r->ool[k].size = cap[k];
	}
	r->args.flags = MACHIPC_MSG_RECEIVE;
	r->args.rcv_name = name;
	r->args.rcv_buf = (unsigned long)r->buf;
	r->args.rcv_size = sizeof(r->buf);
	r->args.rcv_ool = n ? (unsigned long)r->ool : 0;
	r->args.rcv_ool_count = n;
	if (deadline_ns) {
		r->args.flags |= MACHIPC_MSG_RCV_TIMEOUT;
		r->args.rcv_deadline = deadline_ns;
	}
	return oa_ioctl(fd, &r->args);
}

/* The struct oa_meta of a received message, or NULL if it has none. */
static inline const struct oa_meta *oa_rcv_meta(const struct oa_rcv *r)
{
	const struct machipc_msg_header *h = (const void *)r->buf;
	size_t off = sizeof(*h) + h->desc_count * sizeof(struct machipc_msg_desc);

	if (h->desc_count > OA_MAX_REGIONS + 1 ||
	    off + sizeof(struct oa_meta) != h->size)
		return NULL;
	return (const void *)((const char *)r->buf + off);
}

static inline const struct machipc_msg_trailer *
oa_rcv_trailer(const struct oa_rcv *r)
{
	const struct machipc_msg_header *h = (const void *)r->buf;

	return (const void *)((const char *)r->buf + ((h->size + 7) & ~7U));
}

/* ------------------------------------------------------------------ */
/* A userfaultfd pager with a hold                                     */
/* ------------------------------------------------------------------ */

/*
 * Serves missing-page faults of [base, base + size) in the faulting mm from
 * @image (a copy of what those pages hold, in this process).  Faults in
 * [hold_lo, hold_hi) while @hold is set are counted and left waiting.
 */
struct oa_pager {
	int uffd;
	unsigned long base;
	size_t size;
	const char *image;
	int stop[2];
	pthread_t th;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool hold;
	unsigned long hold_lo, hold_hi;
	int nheld;		/* faults seen in the held range */
	int nfaults;		/* faults seen in all */
	pid_t held_tid;		/* the thread of the last held fault */
	unsigned long held_addr;
	int copy_err;		/* first unexpected UFFDIO_COPY error */
};

/*
 * An anonymous private mapping of @size bytes that a userfaultfd can page:
 * none of its pages may become resident before the pager serves them.
 *
 * A plain mmap() is not enough with transparent hugepages "always": the
 * new mapping can merge with an adjacent one (a thread stack just below it,
 * which kernels before 6.7 do not mark VM_NOHUGEPAGE), and the first fault
 * in that neighbour then maps a huge page over the whole 2 MiB block,
 * including the pages of ours inside it, which never fault afterwards.
 * Mapped PROT_NONE (it cannot merge with a writable neighbour), marked
 * MADV_NOHUGEPAGE, then made writable: it is never part of a huge page.
 * MAP_FAILED on error.
 */
static inline void *oa_map_missing(size_t size)
{
	void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return p;
	if (madvise(p, size, MADV_NOHUGEPAGE) ||
	    mprotect(p, size, PROT_READ | PROT_WRITE)) {
		int e = errno;

		munmap(p, size);
		errno = e;
		return MAP_FAILED;
	}
	return p;
}

/* How many pages of [@p, @p + @size) are resident; -1 on error. */
static inline long oa_resident_pages(void *p, size_t size)
{
	size_t n = (size + OA_PAGE - 1) / OA_PAGE, i;
	unsigned char *vec = malloc(n);
	long r = 0;

	if (!vec)
		return -1;
	if (mincore(p, size, vec))
		r = -1;
	for (i = 0; r >= 0 && i < n; i++)
		r += vec[i] & 1;
	free(vec);
	return r;
}

/* Create a userfaultfd in this process and register @area for it. */
static inline int oa_uffd_register(void *area, size_t size)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_THREAD_ID,
	};
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)area, .len = size },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Supply page @addr (in the faulting mm) from @image; wake its waiters. */
static inline int oa_uffd_supply(int uffd, unsigned long base,
				 const char *image, unsigned long addr)
{
	struct uffdio_copy c = {
		.dst = addr,
		.src = (unsigned long)(image + (addr - base)),
		.len = OA_PAGE,
	};
	struct uffdio_range wr = { .start = addr, .len = OA_PAGE };

	if (ioctl(uffd, UFFDIO_COPY, &c) == 0)
		return 0;
	if (errno == EEXIST || c.copy == -EEXIST) {
		ioctl(uffd, UFFDIO_WAKE, &wr);
		return 0;
	}
	ioctl(uffd, UFFDIO_WAKE, &wr);
	return errno;
}

static inline void *oa_pager_fn(void *arg)
{
	struct oa_pager *pg = arg;
	struct pollfd pfd[2] = {
		{ .fd = pg->uffd, .events = POLLIN },
		{ .fd = pg->stop[0], .events = POLLIN },
	};

	for (;;) {
		struct uffd_msg msg;
		unsigned long addr;
		bool held;
		int err;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (read(pg->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		addr = msg.arg.pagefault.address & ~(OA_PAGE - 1);
		pthread_mutex_lock(&pg->mu);
		pg->nfaults++;
		held = pg->hold && addr >= pg->hold_lo && addr < pg->hold_hi;
		if (held) {
			pg->nheld++;
			pg->held_tid = msg.arg.pagefault.feat.ptid;
			pg->held_addr = addr;
		}
		pthread_cond_broadcast(&pg->cv);
		pthread_mutex_unlock(&pg->mu);
		if (held)
			continue;
		err = oa_uffd_supply(pg->uffd, pg->base, pg->image, addr);
		pthread_mutex_lock(&pg->mu);
		if (err && !pg->copy_err)
			pg->copy_err = err;
		pthread_mutex_unlock(&pg->mu);
	}
	return NULL;
}

static inline int oa_pager_start(struct oa_pager *pg, int uffd,
				 unsigned long base, size_t size,
				 const char *image)
{
	memset(pg, 0, sizeof(*pg));
	pg->uffd = uffd;
	pg->base = base;
	pg->size = size;
	pg->image = image;
	pthread_mutex_init(&pg->mu, NULL);
	pthread_cond_init(&pg->cv, NULL);
	if (pipe(pg->stop))
		return -1;
	if (pthread_create(&pg->th, NULL, oa_pager_fn, pg))
		return -1;
	pg->running = true;
	return 0;
}

static inline void oa_pager_stop(struct oa_pager *pg)
{
	if (!pg->running)
		return;
	mt_put(pg->stop[1], 'q');
	pthread_join(pg->th, NULL);
	close(pg->stop[0]);
	close(pg->stop[1]);
	close(pg->uffd);
	pg->running = false;
}

static inline void oa_pager_hold(struct oa_pager *pg, unsigned long lo,
				 unsigned long hi)
{
	pthread_mutex_lock(&pg->mu);
	pg->hold = true;
	pg->hold_lo = lo;
	pg->hold_hi = hi;
	pthread_mutex_unlock(&pg->mu);
}

/* Stop holding and supply every page of the held range. */
static inline void oa_pager_release(struct oa_pager *pg)
{
	unsigned long a, lo, hi;

	pthread_mutex_lock(&pg->mu);
	pg->hold = false;
	lo = pg->hold_lo;
	hi = pg->hold_hi;
	pthread_mutex_unlock(&pg->mu);
	for (a = lo; a < hi; a += OA_PAGE)
		oa_uffd_supply(pg->uffd, pg->base, pg->image, a);
}

/* Wait until @n faults were held; 0, or -1 after @ms milliseconds. */
static inline int oa_pager_wait_held(struct oa_pager *pg, int n, long ms)
{
	struct timespec ts;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&pg->mu);
	while (pg->nheld < n && ret == 0)
		ret = pthread_cond_timedwait(&pg->cv, &pg->mu, &ts);
	ret = pg->nheld >= n ? 0 : -1;
	pthread_mutex_unlock(&pg->mu);
	return ret;
}

static inline int oa_pager_nheld(struct oa_pager *pg)
{
	int n;

	pthread_mutex_lock(&pg->mu);
	n = pg->nheld;
	pthread_mutex_unlock(&pg->mu);
	return n;
}

#endif /* OOL_ATOMIC_H */
