// SPDX-License-Identifier: GPL-2.0
/*
 * ool: out-of-line data.  Every byte checked (a pattern of offset and
 * seed) for sizes around the copy engine's chunk, unaligned source and
 * destination, several regions mixed with port descriptors and inline
 * data, in two threads and in two processes; memory types as source
 * (anonymous, THP, hugetlb, memfd, shared file, zero page) and as
 * destination (anonymous, THP, hugetlb, memfd, shared file, private
 * file), the smallest chunks, a destination changing under the copy;
 * malformed descriptors, EMSGSIZE with the message kept, EFAULT on either
 * side with nothing delivered; the synchronous send (deadline, dead port, rights
 * moving only at the commit); the accounting of a transfer; port sets.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "machipc_test.h"
#include "ool_test.h"

#define RBUF_WORDS	1024
#define LONG_MS		60000
#define PARAM_CHUNK	"/sys/module/machipc/parameters/chunk_pages"

/*
 * Two spaces in this process: a receiver r with port p, a sender s with a
 * send right sp to p.  Sends that carry out-of-line data run in a sender
 * thread (struct ool_sender) or a child process; the test thread receives.
 */
FIXTURE(pair)
{
	int r, s;
	__u32 p, sp;
	struct machipc_version v;
	struct machipc_account_info a;	/* of s: the costs */
	size_t page, chunk;		/* chunk: chunk_pages * page */
	long old_chunk_pages;		/* to restore, if a test set it */
};

FIXTURE_SETUP(pair)
{
	self->r = machipc_open();
	self->s = machipc_open();
	ASSERT_LE(0, self->r);
	ASSERT_LE(0, self->s);
	ASSERT_EQ(0, MT_ERR(machipc_abi_version(self->r, &self->v)));
	ASSERT_LE(2, self->v.abi_version);
	ASSERT_NE(0, self->v.chunk_pages);
	ASSERT_EQ(0, MT_ERR(machipc_account_get(self->s, &self->a)));
	self->old_chunk_pages = -1;
	self->page = ool_page();
	self->chunk = self->v.chunk_pages * self->page;
	self->p = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE);
	ASSERT_NE(0, self->p);
	ASSERT_EQ(0, MT_ERR(machipc_port_set_qlimit(self->r, self->p, 64)));
	ASSERT_EQ(0, mt_give_send(self->r, self->p, self->s, &self->sp));
}

FIXTURE_TEARDOWN(pair)
{
	if (self->old_chunk_pages > 0)
		mt_write_long(PARAM_CHUNK, self->old_chunk_pages);
	close(self->r);
	close(self->s);
}

/*
 * Send @len bytes at @src from a sender thread and receive them at @dst
 * (a buffer of @cap bytes); check the received header and descriptor.
 * The caller checks the bytes.
 */
static void xfer(struct __test_metadata *_metadata,
		 struct _test_data_pair *self, const void *src, void *dst,
		 size_t len, size_t cap, __u32 id)
{
	__u64 sbuf[16], rbuf[RBUF_WORDS];
	const struct machipc_msg_header *h = (void *)rbuf;
	const struct machipc_msg_desc *d;
	struct machipc_ool_buf ool = {
		.address = (uintptr_t)dst, .size = cap,
	};
	struct ool_sender snd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);

	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), self->sp, src, len, id));
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
	EXPECT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, &ool, &n,
			      LONG_MS)) TH_LOG("len %zu", len);
	EXPECT_EQ(0, ool_sender_join(&snd)) TH_LOG("len %zu", len);
	EXPECT_EQ(OOL_HDR + OOL_DSC + OOL_TRL, size);
	EXPECT_EQ(1, n);
	EXPECT_EQ(id, h->id);
	EXPECT_EQ(1, h->desc_count);
	EXPECT_EQ(MACHIPC_MSGH_COMPLEX, h->bits);
	EXPECT_EQ(self->p, h->local_name);
	d = machipc_msg_ool(rbuf, 0);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(MACHIPC_DESC_OOL, d->type);
	EXPECT_EQ(0, d->disposition);
	EXPECT_EQ(0, d->name);
	EXPECT_EQ(0, d->reserved);
	EXPECT_EQ((uintptr_t)dst, d->address);
	EXPECT_EQ(len, d->size);
	/* the receive buffer array is not written on success */
	EXPECT_EQ((uintptr_t)dst, ool.address);
	EXPECT_EQ(cap, ool.size);
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
}

/* Check @len pattern bytes at @dst and @guard bytes of 0xa5 around them. */
static void check_landed(struct __test_metadata *_metadata,
			 const unsigned char *dst, size_t len, __u32 seed,
			 size_t before, size_t after)
{
	size_t off;

	off = ool_check(dst, len, seed);
	EXPECT_EQ(len, off) TH_LOG("len %zu: first bad byte at %zu", len, off);
	off = ool_check_byte(dst - before, before, 0xa5);
	EXPECT_EQ(before, off) TH_LOG("len %zu: wrote before the buffer", len);
	off = ool_check_byte(dst + len, after, 0xa5);
	EXPECT_EQ(after, off) TH_LOG("len %zu: wrote %zu bytes past the data",
				     len, off);
}

static size_t *ool_sizes(struct _test_data_pair *self, size_t *count)
{
	static size_t s[10];
	size_t cp = self->chunk, pg = self->page, i = 0;

	s[i++] = 0;
	s[i++] = 1;
	s[i++] = cp - pg;
	s[i++] = cp - 1;
	s[i++] = cp;
	s[i++] = cp + 1;
	s[i++] = cp + pg;
	s[i++] = OOL_MIB + 1;
	*count = i;
	return s;
}

/*
 * Source and destination offsets from a page boundary: equal ones (whole
 * pages are copied as pages, the ends in part) and unequal ones (every
 * destination page is made of two source pages).
 */
static const struct {
	size_t src, dst;
} ool_offsets[] = { { 0, 0 }, { 7, 7 }, { 1, 7 }, { 4093, 5 } };

TEST_F_TIMEOUT(pair, data_sizes_threads, 300)
{
	size_t i, j, n, *sizes = ool_sizes(self, &n);
	size_t max = OOL_MIB + 1 + self->chunk + 3 * self->page;
	unsigned char *src = ool_map(max), *dst = ool_map(max);
	__u32 id = 1;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	for (i = 0; i < n; i++) {
		for (j = 0; j < ARRAY_LEN(ool_offsets); j++, id++) {
			size_t len = sizes[i];
			unsigned char *s = src + ool_offsets[j].src;
			unsigned char *d = dst + ool_offsets[j].dst;

			ool_fill(s, len, id);
			memset(dst, 0xa5, max);
			xfer(_metadata, self, s, d, len, len, id);
			check_landed(_metadata, d, len, id, ool_offsets[j].dst,
				     self->page);
		}
	}
	/* a buffer larger than the data: only the data is written */
	ool_fill(src, 3 * self->page, id);
	memset(dst, 0xa5, max);
	xfer(_metadata, self, src, dst + 1, 3 * self->page, max - 1, id);
	check_landed(_metadata, dst + 1, 3 * self->page, id, 1, self->page);
	munmap(src, max);
	munmap(dst, max);
}

/*
 * A child process opens its own space, imports a send right from @bfd,
 * fills @len bytes at offset @src_off of fresh memory with @seed's pattern
 * and sends them; it writes 'S' to @notify (if >= 0) once its send
 * returned and exits with the send's errno.
 */
static pid_t fork_sender(int bfd, size_t len, size_t src_off, __u32 seed,
			 int notify)
{
	pid_t pid = fork();
	__u64 sbuf[16];
	unsigned char *src;
	__u32 dest;
	int fd, err;

	if (pid)
		return pid;
	fd = machipc_open();
	if (fd < 0 || machipc_bootstrap_import(fd, bfd, &dest))
		_exit(100);
	src = ool_map(len + src_off + 1);
	if (!src)
		_exit(101);
	ool_fill(src + src_off, len, seed);
	if (ool_msg_one(sbuf, sizeof(sbuf), dest, src + src_off, len, seed))
		_exit(102);
	err = MT_ERR(machipc_send(fd, sbuf, NULL));
	if (notify >= 0)
		mt_put(notify, 'S');
	_exit(err);
}

static void xfer_fork(struct __test_metadata *_metadata,
		      struct _test_data_pair *self, int bfd, size_t len,
		      size_t src_off, unsigned char *dst, __u32 seed)
{
	__u64 rbuf[RBUF_WORDS];
	struct machipc_ool_buf ool = { .address = (uintptr_t)dst, .size = len };
	const struct machipc_msg_trailer *t;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);
	pid_t pid;

	pid = fork_sender(bfd, len, src_off, seed, -1);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, &ool, &n,
			      LONG_MS)) TH_LOG("len %zu", len);
	EXPECT_EQ(0, mt_wait(pid)) TH_LOG("len %zu", len);
	EXPECT_EQ(1, n);
	EXPECT_EQ(seed, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(len, machipc_msg_ool(rbuf, 0)->size);
	t = machipc_msg_trailer(rbuf);
	EXPECT_EQ(pid, t->pid);
	EXPECT_EQ(0, t->flags);
}

TEST_F_TIMEOUT(pair, data_sizes_fork, 300)
{
	size_t i, j, n, *sizes = ool_sizes(self, &n);
	size_t max = OOL_MIB + 1 + self->chunk + 3 * self->page;
	unsigned char *dst = ool_map(max);
	__u32 seed = 1000;
	int bfd;

	ASSERT_NE(NULL, dst);
	bfd = machipc_bootstrap_export(self->r, self->p,
				       MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	for (i = 0; i < n; i++) {
		for (j = 0; j < ARRAY_LEN(ool_offsets); j++, seed++) {
			unsigned char *d = dst + ool_offsets[j].dst;

			memset(dst, 0xa5, max);
			xfer_fork(_metadata, self, bfd, sizes[i],
				  ool_offsets[j].src, d, seed);
			check_landed(_metadata, d, sizes[i], seed,
				     ool_offsets[j].dst, self->page);
		}
	}
	close(bfd);
	munmap(dst, max);
}

/* 64 MiB, once between threads (unaligned) and once between processes. */
TEST_F_TIMEOUT(pair, data_64mib, 600)
{
	size_t len = 64 * OOL_MIB, max = len + 2 * self->page;
	unsigned char *src = ool_map(max), *dst = ool_map(max);
	int bfd;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src + 3, len, 64);
	memset(dst, 0xa5, max);
	xfer(_metadata, self, src + 3, dst + 1, len, len, 64);
	check_landed(_metadata, dst + 1, len, 64, 1, self->page);
	munmap(src, max);

	bfd = machipc_bootstrap_export(self->r, self->p,
				       MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	memset(dst, 0xa5, max);
	xfer_fork(_metadata, self, bfd, len, 0, dst, 65);
	check_landed(_metadata, dst, len, 65, 0, self->page);
	close(bfd);
	munmap(dst, max);
}

/*
 * Regions, port descriptors and inline data in one message: the rights
 * arrive, every region lands in its buffer, the data is intact.
 */
#define MIXED_N		4
static const size_t mixed_offs[MIXED_N] = { 1, 0, 7, 0 };

static void mixed_lens(struct _test_data_pair *self, size_t *lens)
{
	lens[0] = 3000;
	lens[1] = 0;
	lens[2] = self->chunk + 5;
	lens[3] = 1;
}

static void mixed_inline(unsigned char *inl, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		inl[i] = (unsigned char)(i * 7 + 1);
}

/*
 * Build the mixed message in space @fd to @dest, with fresh ports q (reply,
 * MAKE_SEND_ONCE), x (MAKE_SEND), y (MOVE_SEND of its send right) and z
 * (MAKE_SEND_ONCE), and the regions in fresh memory; errno or 0.
 */
static int mixed_build(int fd, __u32 dest, __u64 *sbuf, size_t cap,
		       const size_t *lens, __u32 *ports, unsigned char **src)
{
	struct machipc_msg_builder b;
	unsigned char inl[100];
	unsigned int k;

	for (k = 0; k < 4; k++) {
		ports[k] = mt_alloc(fd, MACHIPC_RIGHT_RECEIVE);
		if (!ports[k])
			return errno;
	}
	if (machipc_port_insert_right(fd, ports[2], MACHIPC_DISP_MAKE_SEND,
				      NULL))
		return errno;
	for (k = 0; k < MIXED_N; k++) {
		src[k] = ool_map(lens[k] + mixed_offs[k] + 1);
		if (!src[k])
			return errno;
		ool_fill(src[k] + mixed_offs[k], lens[k], 200 + k);
	}
	mixed_inline(inl, sizeof(inl));
	if (machipc_msg_init(&b, sbuf, cap, dest, MACHIPC_DISP_COPY_SEND,
			     ports[0], MACHIPC_DISP_MAKE_SEND_ONCE, 77) ||
	    machipc_msg_add_ool(&b, src[0] + mixed_offs[0], lens[0]) ||
	    machipc_msg_add_port(&b, ports[1], MACHIPC_DISP_MAKE_SEND) ||
	    /* a zero-size region's address is ignored */
	    machipc_msg_add_ool(&b, (void *)1, 0) ||
	    machipc_msg_add_ool(&b, src[2] + mixed_offs[2], lens[2]) ||
	    machipc_msg_add_port(&b, ports[2], MACHIPC_DISP_MOVE_SEND) ||
	    machipc_msg_add_ool(&b, src[3] + mixed_offs[3], lens[3]) ||
	    machipc_msg_add_port(&b, ports[3], MACHIPC_DISP_MAKE_SEND_ONCE) ||
	    machipc_msg_add_data(&b, inl, sizeof(inl)))
		return errno;
	return 0;
}

static void mixed(struct __test_metadata *_metadata, struct _test_data_pair *self,
		  int fork_it)
{
	static const __u32 types[7] = {
		MACHIPC_DESC_OOL, MACHIPC_DESC_PORT, MACHIPC_DESC_OOL,
		MACHIPC_DESC_OOL, MACHIPC_DESC_PORT, MACHIPC_DESC_OOL,
		MACHIPC_DESC_PORT,
	};
	static const __u32 disps[7] = {
		0, MACHIPC_DISP_MOVE_SEND, 0, 0, MACHIPC_DISP_MOVE_SEND, 0,
		MACHIPC_DISP_MOVE_SEND_ONCE,
	};
	static const __u32 rts[7] = {
		0, MACHIPC_RIGHT_SEND, 0, 0, MACHIPC_RIGHT_SEND, 0,
		MACHIPC_RIGHT_SEND_ONCE,
	};
	__u64 sbuf[64], rbuf[RBUF_WORDS];
	unsigned char *src[MIXED_N], *dst[MIXED_N], inl[100];
	struct machipc_ool_buf ool[MIXED_N];
	const struct machipc_msg_header *h = (void *)rbuf;
	const struct machipc_msg_desc *d;
	const unsigned char *data;
	struct ool_sender snd;
	size_t lens[MIXED_N], size = sizeof(rbuf), dlen, i;
	__u32 ports[4], rights = 0, urefs = 0;
	unsigned int n = MIXED_N, k;
	__u64 usage = 0;
	pid_t pid = 0;
	int bfd = -1;

	mixed_lens(self, lens);
	mixed_inline(inl, sizeof(inl));
	for (k = 0; k < MIXED_N; k++) {
		dst[k] = ool_map(lens[k] + 16);
		ASSERT_NE(NULL, dst[k]);
		memset(dst[k], 0xa5, lens[k] + 16);
		ool[k].address = (uintptr_t)dst[k] + 3;
		/* one buffer larger than its region */
		ool[k].size = lens[k] + (k == 2 ? 13 : 0);
	}
	if (fork_it) {
		bfd = machipc_bootstrap_export(self->r, self->p,
					       MACHIPC_DISP_MAKE_SEND, 0);
		ASSERT_LE(0, bfd);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			__u32 dest;
			int fd = machipc_open();

			if (fd < 0 || machipc_bootstrap_import(fd, bfd, &dest))
				_exit(100);
			if (mixed_build(fd, dest, sbuf, sizeof(sbuf), lens,
					ports, src))
				_exit(101);
			_exit(MT_ERR(machipc_send(fd, sbuf, NULL)));
		}
	} else {
		ASSERT_EQ(0, mixed_build(self->s, self->sp, sbuf, sizeof(sbuf),
					 lens, ports, src));
		ASSERT_EQ(7, machipc_msg_header(sbuf)->desc_count);
		ASSERT_EQ(MIXED_N, machipc_msg_ool_count(sbuf));
		usage = ool_usage(self->s);
		ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
	}
	ASSERT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, ool, &n, LONG_MS));
	if (fork_it) {
		EXPECT_EQ(0, mt_wait(pid));
		EXPECT_EQ(pid, machipc_msg_trailer(rbuf)->pid);
		close(bfd);
	} else {
		ASSERT_EQ(0, ool_sender_join(&snd));
	}
	EXPECT_EQ(MIXED_N, n);
	EXPECT_EQ(OOL_HDR + 7 * OOL_DSC + 104 + OOL_TRL, size);
	EXPECT_EQ(77, h->id);
	EXPECT_EQ(7, h->desc_count);
	EXPECT_EQ(MACHIPC_MSGH_BITS(MACHIPC_DISP_MOVE_SEND_ONCE, 0) |
		  MACHIPC_MSGH_COMPLEX, h->bits);
	/*
	 * Every right in the message is to a port of the sender; a forked
	 * sender has exited by now, so its ports are dead and the rights
	 * are dead names.
	 */
	EXPECT_EQ(0, mt_info(self->r, h->remote_name, &rights, NULL));
	EXPECT_EQ(fork_it ? MACHIPC_RIGHT_DEAD_NAME : MACHIPC_RIGHT_SEND_ONCE,
		  rights);

	/* descriptor order and kinds are kept */
	for (i = 0; i < 7; i++) {
		d = machipc_msg_desc(rbuf, i);
		ASSERT_NE(NULL, d);
		EXPECT_EQ(types[i], d->type) TH_LOG("desc %zu", i);
		EXPECT_EQ(disps[i], d->disposition) TH_LOG("desc %zu", i);
		EXPECT_EQ(0, d->reserved);
		if (types[i] == MACHIPC_DESC_PORT) {
			EXPECT_EQ(0, d->address);
			EXPECT_EQ(0, d->size);
			EXPECT_EQ(0, mt_info(self->r, d->name, &rights, NULL));
			EXPECT_EQ(fork_it ? MACHIPC_RIGHT_DEAD_NAME : rts[i],
				  rights) TH_LOG("desc %zu", i);
		} else {
			EXPECT_EQ(0, d->name);
		}
	}
	for (k = 0; k < MIXED_N; k++) {
		const void *p;
		__u64 len;

		ASSERT_EQ(0, machipc_msg_ool_data(rbuf, k, &p, &len));
		EXPECT_EQ(lens[k], len);
		EXPECT_EQ(ool[k].address, (uintptr_t)p);
		check_landed(_metadata, dst[k] + 3, lens[k], 200 + k, 3, 13);
		munmap(dst[k], lens[k] + 16);
		if (!fork_it)
			munmap(src[k], lens[k] + mixed_offs[k] + 1);
	}
	EXPECT_EQ(NULL, machipc_msg_ool(rbuf, MIXED_N));
	data = machipc_msg_data(rbuf, &dlen);
	ASSERT_NE(NULL, data);
	ASSERT_EQ(104, dlen);
	EXPECT_EQ(0, memcmp(data, inl, sizeof(inl)));
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	if (fork_it)
		return;

	/* the sender's rights moved as their dispositions say */
	EXPECT_EQ(0, mt_info(self->s, ports[2], &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	/*
	 * and it no longer pays for the message, only for the send-once
	 * rights it made, until they are used
	 */
	EXPECT_EQ(usage + ool_so_reserved(&self->a, sbuf), ool_usage(self->s));
}

TEST_F_TIMEOUT(pair, data_mixed_descriptors_threads, 120)
{
	mixed(_metadata, self, 0);
}

TEST_F_TIMEOUT(pair, data_mixed_descriptors_fork, 120)
{
	mixed(_metadata, self, 1);
}

/* ------------------------------------------------------------------ */
/* Memory types                                                       */
/* ------------------------------------------------------------------ */

/* Send @len bytes at @src (already holding @seed's pattern) to anon memory. */
static void from(struct __test_metadata *_metadata, struct _test_data_pair *self,
		 const void *src, size_t len, __u32 seed)
{
	unsigned char *dst = ool_map(len + 2 * self->page);

	ASSERT_NE(NULL, dst);
	memset(dst, 0xa5, len + 2 * self->page);
	xfer(_metadata, self, src, dst + 5, len, len, seed);
	if (seed)
		check_landed(_metadata, dst + 5, len, seed, 5, self->page);
	else
		EXPECT_EQ(len, ool_check_byte(dst + 5, len, 0));
	munmap(dst, len + 2 * self->page);
}

TEST_F_TIMEOUT(pair, source_thp, 120)
{
	size_t huge = 2 * OOL_MIB, len = 2 * huge;
	unsigned char *raw = ool_map(len + huge), *p;

	ASSERT_NE(NULL, raw);
	p = (unsigned char *)(((uintptr_t)raw + huge - 1) & ~(huge - 1));
	if (madvise(p, len, MADV_HUGEPAGE))
		TH_LOG("MADV_HUGEPAGE: %s (plain anonymous memory then)",
		       strerror(errno));
	ool_fill(p, len, 301);
	from(_metadata, self, p, len, 301);
	/* a range that starts and ends inside huge pages */
	ool_fill(p + 12345, huge + 7, 302);
	from(_metadata, self, p + 12345, huge + 7, 302);
	munmap(raw, len + huge);
}

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

/*
 * @len bytes of hugetlb memory, raising nr_hugepages (its old value in
 * *@old, or -1) if none is free; NULL if there is none to be had.
 */
static unsigned char *map_hugetlb(size_t len, long *old)
{
	unsigned char *p;

	if (mt_read_long(NR_HUGEPAGES, old))
		*old = -1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED && *old >= 0 &&
	    !mt_write_long(NR_HUGEPAGES, *old + len / (2 * OOL_MIB)))
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p != MAP_FAILED)
		return p;
	if (*old >= 0)
		mt_write_long(NR_HUGEPAGES, *old);
	return NULL;
}

static void unmap_hugetlb(unsigned char *p, size_t len, long old)
{
	munmap(p, len);
	if (old >= 0)
		mt_write_long(NR_HUGEPAGES, old);
}

TEST_F_TIMEOUT(pair, source_hugetlb, 120)
{
	size_t huge = 2 * OOL_MIB, len = 2 * huge;
	long old;
	unsigned char *p = map_hugetlb(len, &old);

	if (!p)
		SKIP(return, "no huge pages: %s", strerror(errno));
	ool_fill(p, len, 311);
	from(_metadata, self, p, len, 311);
	ool_fill(p + huge - 3, huge / 2, 312);
	from(_metadata, self, p + huge - 3, huge / 2, 312);
	unmap_hugetlb(p, len, old);
}

TEST_F_TIMEOUT(pair, source_memfd, 120)
{
	size_t len = 3 * self->chunk + 11;
	int mfd = memfd_create("ool-src", MFD_CLOEXEC);
	unsigned char *p;

	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, len));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ool_fill(p, len, 321);
	ool_fill(p + 1, len - 1, 321);
	from(_metadata, self, p + 1, len - 1, 321);
	munmap(p, len);
	close(mfd);
}

TEST_F_TIMEOUT(pair, source_shared_file, 120)
{
	size_t len = 2 * self->chunk + 3 * self->page + 1;
	unsigned char *tmp = ool_map(len), *p;
	int ffd = open("ool-src-file", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		       0600);

	ASSERT_LE(0, ffd);
	ASSERT_NE(NULL, tmp);
	/* written with write(2): page cache, not yet mapped anywhere */
	ool_fill(tmp, len, 331);
	ASSERT_EQ((ssize_t)len, write(ffd, tmp, len));
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	from(_metadata, self, p, len, 331);
	munmap(p, len);
	munmap(tmp, len);
	close(ffd);
	unlink("ool-src-file");
}

TEST_F_TIMEOUT(pair, source_zero_page, 120)
{
	size_t len = 2 * self->chunk + 5;
	unsigned char *p = ool_map(len + self->page);
	unsigned int sum = 0;
	size_t i;

	ASSERT_NE(NULL, p);
	/* never touched */
	from(_metadata, self, p + 1, len, 0);
	/* read-faulted: the shared zero page is mapped */
	for (i = 0; i < len; i += self->page)
		sum += __atomic_load_n(&p[i], __ATOMIC_RELAXED);
	EXPECT_EQ(0, sum);
	from(_metadata, self, p, len, 0);
	munmap(p, len + self->page);
}

/* Receive @len pattern bytes into @dst (a shared mapping of @mfd at 0). */
static void into_shared(struct __test_metadata *_metadata,
			struct _test_data_pair *self, int mfd, unsigned char *dst,
			size_t len, __u32 seed)
{
	unsigned char *src = ool_map(len + 1), *back = ool_map(len + 1);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, back);
	ool_fill(src + 1, len, seed);
	memset(dst, 0xa5, len + 1);
	xfer(_metadata, self, src + 1, dst + 1, len, len, seed);
	check_landed(_metadata, dst + 1, len, seed, 1, 0);
	/* and through the file */
	ASSERT_EQ(0, msync(dst, len + 1, MS_SYNC));
	ASSERT_EQ((ssize_t)len, pread(mfd, back, len, 1));
	EXPECT_EQ(len, ool_check(back, len, seed));
	munmap(src, len + 1);
	munmap(back, len + 1);
}

TEST_F_TIMEOUT(pair, destination_anon_memfd_shared_file, 120)
{
	size_t len = 2 * self->chunk + 17;
	unsigned char *p;
	int mfd, ffd;

	/* anonymous, never touched before the receive */
	p = ool_map(len);
	ASSERT_NE(NULL, p);
	{
		unsigned char *src = ool_map(len);

		ASSERT_NE(NULL, src);
		ool_fill(src, len, 341);
		xfer(_metadata, self, src, p, len, len, 341);
		EXPECT_EQ(len, ool_check(p, len, 341));
		munmap(src, len);
	}
	munmap(p, len);

	mfd = memfd_create("ool-dst", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, len + 1));
	p = mmap(NULL, len + 1, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	into_shared(_metadata, self, mfd, p, len, 342);
	munmap(p, len + 1);
	close(mfd);

	ffd = open("ool-dst-file", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		   0600);
	ASSERT_LE(0, ffd);
	ASSERT_EQ(0, ftruncate(ffd, len + 1));	/* a hole: no pages yet */
	p = mmap(NULL, len + 1, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	into_shared(_metadata, self, ffd, p, len, 343);
	munmap(p, len + 1);
	close(ffd);
	unlink("ool-dst-file");
}

/* Anonymous memory aligned to a 2 MiB boundary, @len bytes, or NULL. */
static unsigned char *map_huge_aligned(size_t len, unsigned char **raw)
{
	size_t huge = 2 * OOL_MIB;

	*raw = ool_map(len + huge);
	if (!*raw)
		return NULL;
	return (unsigned char *)(((uintptr_t)*raw + huge - 1) & ~(huge - 1));
}

TEST_F_TIMEOUT(pair, destination_thp, 120)
{
	size_t huge = 2 * OOL_MIB, len = 2 * huge;
	unsigned char *raw, *p = map_huge_aligned(len, &raw);
	unsigned char *src = ool_map(len);

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, src);
	if (madvise(p, len, MADV_HUGEPAGE))
		TH_LOG("MADV_HUGEPAGE: %s (plain anonymous memory then)",
		       strerror(errno));
	memset(p, 0xa5, len);		/* faulted in as huge pages */
	ool_fill(src, len, 351);
	xfer(_metadata, self, src, p, len, len, 351);
	EXPECT_EQ(len, ool_check(p, len, 351));
	/* starting and ending inside huge pages, at another page offset */
	memset(p, 0xa5, len);
	ool_fill(src + 3, huge + 7, 352);
	xfer(_metadata, self, src + 3, p + 12345, huge + 7, huge + 7, 352);
	check_landed(_metadata, p + 12345, huge + 7, 352, 12345,
		     len - 12345 - huge - 7);
	munmap(raw, len + huge);
	munmap(src, len);
}

TEST_F_TIMEOUT(pair, destination_hugetlb, 120)
{
	size_t huge = 2 * OOL_MIB, len = 2 * huge;
	unsigned char *src = ool_map(len), *p;
	long old;

	ASSERT_NE(NULL, src);
	p = map_hugetlb(len, &old);
	if (!p) {
		munmap(src, len);
		SKIP(return, "no huge pages: %s", strerror(errno));
	}
	/* not touched before: the copy's own fault-in allocates them */
	ool_fill(src, len, 361);
	xfer(_metadata, self, src, p, len, len, 361);
	EXPECT_EQ(len, ool_check(p, len, 361));
	memset(p, 0xa5, len);
	ool_fill(src + 1, huge / 2, 362);
	xfer(_metadata, self, src + 1, p + huge - 3, huge / 2, huge / 2, 362);
	check_landed(_metadata, p + huge - 3, huge / 2, 362, huge - 3,
		     huge / 2);
	unmap_hugetlb(p, len, old);
	munmap(src, len);
}

/*
 * chunk_pages takes 2 to 1024: a step of the copy pins as many of the
 * receiver's pages as of the sender's, at least one each, and never more
 * than chunk_pages in all.  At the smallest chunks, even and odd, every
 * size and offset still lands exactly.
 */
TEST_F_TIMEOUT(pair, data_smallest_chunks, 300)
{
	static const long cps[] = { 2, 3 };
	size_t pg = self->page, max = 8 * 3 * pg + 2 * pg;
	unsigned char *src = ool_map(max), *dst = ool_map(max);
	__u32 id = 400;
	size_t i, j, k;
	long now;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	if (mt_read_long(PARAM_CHUNK, &self->old_chunk_pages))
		SKIP(return, "no %s", PARAM_CHUNK);
	EXPECT_NE(0, mt_write_long(PARAM_CHUNK, 0));
	EXPECT_NE(0, mt_write_long(PARAM_CHUNK, 1));
	EXPECT_NE(0, mt_write_long(PARAM_CHUNK, 1025));
	EXPECT_EQ(0, mt_read_long(PARAM_CHUNK, &now));
	EXPECT_EQ(self->old_chunk_pages, now);
	ASSERT_EQ(0, mt_write_long(PARAM_CHUNK, 1024));
	ASSERT_EQ(0, mt_read_long(PARAM_CHUNK, &now));
	ASSERT_EQ(1024, now);

	for (k = 0; k < ARRAY_LEN(cps); k++) {
		size_t cp = cps[k] * pg;
		size_t sizes[] = { 1, pg - 1, pg, pg + 1, cp - 1, cp, cp + 1,
				   8 * cp + 5 };

		ASSERT_EQ(0, mt_write_long(PARAM_CHUNK, cps[k]));
		for (i = 0; i < ARRAY_LEN(sizes); i++) {
			for (j = 0; j < ARRAY_LEN(ool_offsets); j++, id++) {
				unsigned char *s = src + ool_offsets[j].src;
				unsigned char *d = dst + ool_offsets[j].dst;

				ool_fill(s, sizes[i], id);
				memset(dst, 0xa5, max);
				xfer(_metadata, self, s, d, sizes[i], sizes[i],
				     id);
				check_landed(_metadata, d, sizes[i], id,
					     ool_offsets[j].dst, pg);
			}
		}
	}
	munmap(src, max);
	munmap(dst, max);
}

/* The receiver's other thread, changing its destination buffer. */
struct dst_chaos {
	unsigned char *p;
	size_t len, page;
	atomic_int stop;
	unsigned long rounds;
	pthread_t thread;
};

static void *dst_chaos_fn(void *arg)
{
	struct dst_chaos *c = arg;
	size_t npages = c->len / c->page;
	unsigned int seed = 1;

	while (!atomic_load(&c->stop)) {
		unsigned char *pg = c->p +
				    (rand_r(&seed) % (npages - 4)) * c->page;

		switch (c->rounds++ % 3) {
		case 0:
			madvise(pg, 4 * c->page, MADV_DONTNEED);
			break;
		case 1:
			mprotect(pg, c->page, PROT_READ);
			sched_yield();
			mprotect(pg, c->page, PROT_READ | PROT_WRITE);
			break;
		case 2:
			/* unmapped, then mapped again at the same place */
			mmap(pg, c->page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		}
		sched_yield();
	}
	return NULL;
}

/*
 * The receiver's buffer changing under the copy: its own business, so the
 * bytes are unspecified, but the receive ends in success or EFAULT and
 * nothing else, and after EFAULT the message is still queued, first in
 * line, and lands whole in a quiet buffer.  The runner checks afterwards
 * that every pin was released.
 */
#define MAX_RECOPIES "/sys/module/machipc/parameters/max_recopies"

TEST_F_TIMEOUT(pair, destination_changing_under_the_copy, 300)
{
	size_t len = 4 * OOL_MIB;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	unsigned int ok = 0, efault = 0, r;
	struct dst_chaos c = { .p = dst, .len = len, .page = self->page };
	char saved[32] = "";
	FILE *f;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	/*
	 * Sender and receiver are one process here, so the receiver's own
	 * buffer changes are changes in its sender's mm too, and on some
	 * kernels (6.1) they invalidate the sender's interval notifier: each
	 * one costs a recopy of the sender's budget (max_recopies), which
	 * bounds what a *sender* can make a receiver do.  This test is about
	 * the receiver's buffer, so it lifts the budget while it runs.
	 */
	f = fopen(MAX_RECOPIES, "r");
	if (f) {
		if (!fgets(saved, sizeof(saved), f))
			saved[0] = 0;
		fclose(f);
		if (saved[0])
			mt_write_file(MAX_RECOPIES, "1000000");
	}
	for (r = 0; r < 12; r++) {
		__u64 sbuf[16], rbuf[RBUF_WORDS];
		struct machipc_ool_buf ool = {
			.address = (uintptr_t)dst, .size = len,
		};
		struct ool_sender snd;
		size_t size = sizeof(rbuf);
		unsigned int n = 1;
		int err;

		ool_fill(src, len, 500 + r);
		ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), self->sp, src, len,
				     500 + r));
		ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
		atomic_store(&c.stop, 0);
		ASSERT_EQ(0, pthread_create(&c.thread, NULL, dst_chaos_fn,
					    &c));
		err = ool_recv(self->r, self->p, rbuf, &size, &ool, &n,
			       LONG_MS);
		atomic_store(&c.stop, 1);
		pthread_join(c.thread, NULL);
		if (err == EFAULT) {
			efault++;
			/* still queued: the same message, whole this time */
			size = sizeof(rbuf);
			n = 1;
			memset(dst, 0xa5, len);
			err = ool_recv(self->r, self->p, rbuf, &size, &ool,
				       &n, LONG_MS);
			EXPECT_EQ(0, err);
			EXPECT_EQ(500 + r, machipc_msg_header(rbuf)->id);
			EXPECT_EQ(len, ool_check(dst, len, 500 + r));
		} else {
			EXPECT_EQ(0, err) TH_LOG("round %u: %s", r,
						 strerror(err));
			EXPECT_EQ(500 + r, machipc_msg_header(rbuf)->id);
			ok++;
		}
		EXPECT_EQ(0, ool_sender_join(&snd));
		EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	}
	TH_LOG("%u received, %u EFAULT then received; %lu buffer changes",
	       ok, efault, c.rounds);
	if (saved[0])
		mt_write_file(MAX_RECOPIES, saved);
	munmap(src, len);
	munmap(dst, len);
}

/*
 * A receive that polls (deadline 0) takes a queued out-of-line message
 * into a buffer it never touched: faulting in its own buffer is the
 * receiver's own work, bounded by signals, not by the deadline.
 */
TEST_F_TIMEOUT(pair, poll_receive_into_untouched_buffer, 120)
{
	size_t len = 3 * self->chunk + 5;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	__u64 sbuf[16], rbuf[RBUF_WORDS];
	struct machipc_ool_buf ool = { .address = (uintptr_t)dst, .size = len };
	struct ool_sender snd;
	size_t size = sizeof(rbuf);
	unsigned int n = 1;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ool_fill(src, len, 371);
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), self->sp, src, len, 371));
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	EXPECT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, &ool, &n, 0));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(371, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(len, ool_check(dst, len, 371));
	munmap(src, len);
	munmap(dst, len);
}

/* ------------------------------------------------------------------ */
/* Malformed messages                                                 */
/* ------------------------------------------------------------------ */

/*
 * Send @msg and expect @err at once, with nothing queued and the sender's
 * model and account unchanged.  A deadline keeps a wrongly accepted
 * synchronous send from hanging the test.
 */
static void send_fails(struct __test_metadata *_metadata,
		       struct _test_data_pair *self, const void *msg, int err,
		       const char *what)
{
	struct mt_snap *before = malloc(sizeof(*before));
	__u64 usage = ool_usage(self->s);
	struct timespec dl;

	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, mt_snap_take(self->s, before));
	machipc_deadline_in(&dl, 300);
	EXPECT_EQ(err, MT_ERR(machipc_send(self->s, msg, &dl)))
		TH_LOG("%s", what);
	EXPECT_SNAP_UNCHANGED(self->s, before, what);
	EXPECT_EQ(usage, ool_usage(self->s)) TH_LOG("%s", what);
	EXPECT_EQ(0, ool_msgcount(self->r, self->p)) TH_LOG("%s", what);
	free(before);
}

/* Writable descriptor k of a message being built. */
static struct machipc_msg_desc *desc_of(void *msg, unsigned int k)
{
	return (struct machipc_msg_desc *)((struct machipc_msg_header *)msg + 1)
		+ k;
}

TEST_F(pair, error_bad_descriptor_fields)
{
	static const struct {
		const char *what;
		unsigned int k;		/* descriptor to spoil */
		__u32 type, disp, name, reserved;
		__u64 address, size;
		int err;
	} cases[] = {
		{ "ool disposition", 1, MACHIPC_DESC_OOL, MACHIPC_DISP_COPY_SEND,
		  0, 0, 0, 16, EINVAL },
		{ "ool disposition 0xff", 1, MACHIPC_DESC_OOL, 0xff, 0, 0, 0,
		  16, EINVAL },
		{ "ool name", 1, MACHIPC_DESC_OOL, 0, 1, 0, 0, 16, EINVAL },
		{ "ool reserved", 1, MACHIPC_DESC_OOL, 0, 0, 1, 0, 16, EINVAL },
		{ "ool reserved high", 1, MACHIPC_DESC_OOL, 0, 0, 0x80000000,
		  0, 16, EINVAL },
		{ "port with address", 0, MACHIPC_DESC_PORT,
		  MACHIPC_DISP_MAKE_SEND, 0, 0, 8, 0, EINVAL },
		{ "port with size", 0, MACHIPC_DESC_PORT,
		  MACHIPC_DISP_MAKE_SEND, 0, 0, 0, 8, EINVAL },
		{ "type 0", 1, 0, 0, 0, 0, 0, 16, EINVAL },
		{ "type 3", 1, MACHIPC_DESC_LAST + 1, 0, 0, 0, 0, 16, EINVAL },
		{ "size 4 GiB + 1", 1, MACHIPC_DESC_OOL, 0, 0, 0, 0,
		  MACHIPC_OOL_SIZE_MAX + 1, E2BIG },
		{ "size ~0", 1, MACHIPC_DESC_OOL, 0, 0, 0, 0, ~0ULL, E2BIG },
		{ "kernel address", 1, MACHIPC_DESC_OOL, 0, 0, 0,
		  0xffff888000000000ULL, 4096, EFAULT },
		{ "range wraps", 1, MACHIPC_DESC_OOL, 0, 0, 0, ~0ULL - 10,
		  100, EFAULT },
	};
	__u64 sbuf[32], src[4] = { 1, 2, 3, 4 };
	struct machipc_msg_builder b;
	__u32 x;
	size_t i;
	int err;

	ASSERT_NE(0, x = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct machipc_msg_desc *d;

		ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
					      MACHIPC_DISP_COPY_SEND, 0, 0, 1));
		ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MAKE_SEND));
		ASSERT_EQ(0, machipc_msg_add_ool(&b, src, sizeof(src)));
		ASSERT_EQ(0, machipc_msg_add_data(&b, src, 8));
		d = desc_of(sbuf, cases[i].k);
		d->type = cases[i].type;
		d->disposition = cases[i].disp;
		d->name = cases[i].name;
		if (cases[i].k == 0)
			d->name = x;
		d->reserved = cases[i].reserved;
		d->address = cases[i].address;
		if (!d->address && cases[i].k == 1)
			d->address = (uintptr_t)src;
		d->size = cases[i].size;
		send_fails(_metadata, self, sbuf, cases[i].err, cases[i].what);
	}
	/* the library refuses what it can tell */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 1));
	err = MT_ERR(machipc_msg_add_ool(&b, src, MACHIPC_OOL_SIZE_MAX + 1));
	EXPECT_EQ(E2BIG, err);
	ASSERT_EQ(0, machipc_msg_add_data(&b, src, 1));
	EXPECT_EQ(EINVAL, MT_ERR(machipc_msg_add_ool(&b, src, 1)));
	ASSERT_EQ(0, mt_info(self->s, x, NULL, NULL));
}

TEST_F_TIMEOUT(pair, error_more_than_64_regions, 120)
{
	static __u64 sbuf[(OOL_HDR + 66 * OOL_DSC) / 8 + 8];
	static __u64 rbuf[(OOL_HDR + 66 * OOL_DSC + OOL_TRL) / 8];
	struct machipc_ool_buf ool[MACHIPC_OOL_MAX];
	unsigned char src[MACHIPC_OOL_MAX * 2 + 64];
	unsigned char dst[MACHIPC_OOL_MAX][MACHIPC_OOL_MAX + 1];
	struct machipc_msg_builder b;
	struct ool_sender snd;
	unsigned int n = MACHIPC_OOL_MAX, k;
	size_t size = sizeof(rbuf);
	__u32 x;

	ool_fill(src, sizeof(src), 401);
	ASSERT_NE(0, x = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	/* 65 regions (and a port): refused */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 1));
	ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MAKE_SEND));
	for (k = 0; k <= MACHIPC_OOL_MAX; k++)
		ASSERT_EQ(0, machipc_msg_add_ool(&b, src + k, k + 1));
	send_fails(_metadata, self, sbuf, EINVAL, "65 regions");

	/* 64, region k of k bytes at src + k: accepted and delivered */
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 2));
	ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MAKE_SEND));
	for (k = 0; k < MACHIPC_OOL_MAX; k++) {
		ASSERT_EQ(0, machipc_msg_add_ool(&b, src + k, k));
		ool[k].address = (uintptr_t)dst[k];
		ool[k].size = k;
		memset(dst[k], 0xa5, sizeof(dst[k]));
	}
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
	ASSERT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, ool, &n, LONG_MS));
	ASSERT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(MACHIPC_OOL_MAX, n);
	for (k = 0; k < MACHIPC_OOL_MAX; k++) {
		EXPECT_EQ(k, machipc_msg_ool(rbuf, k)->size);
		EXPECT_EQ(0, memcmp(dst[k], src + k, k)) TH_LOG("region %u", k);
		EXPECT_EQ(0xa5, dst[k][k]) TH_LOG("region %u", k);
	}
}

TEST_F(pair, error_rcv_ool_count_and_flags)
{
	struct machipc_ool_buf ool[MACHIPC_OOL_MAX + 1];
	__u64 rbuf[64], sbuf[16], data = 5;
	struct machipc_msg_args a;
	struct mt_snap *before = malloc(sizeof(*before));

	ASSERT_NE(NULL, before);
	memset(ool, 0, sizeof(ool));
	ASSERT_EQ(0, mt_send_simple(self->s, self->sp, MACHIPC_DISP_COPY_SEND,
				    9, &data, sizeof(data), NULL));
	ASSERT_EQ(0, mt_snap_take(self->r, before));
	EXPECT_EQ(EINVAL, ool_recv_raw(self->r, self->p, rbuf, sizeof(rbuf),
				       (uintptr_t)ool, MACHIPC_OOL_MAX + 1, &a));
	EXPECT_EQ(EINVAL, ool_recv_raw(self->r, self->p, rbuf, sizeof(rbuf),
				       (uintptr_t)ool, ~0U, &a));
	ASSERT_SNAP_UNCHANGED(self->r, before);
	EXPECT_EQ(1, ool_msgcount(self->r, self->p));

	/* rcv_ool and rcv_ool_count belong to the receive part */
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), self->sp, &data, 0, 1));
	memset(&a, 0, sizeof(a));
	a.flags = MACHIPC_MSG_SEND | MACHIPC_MSG_SEND_TIMEOUT;
	a.send_msg = (uintptr_t)sbuf;
	a.send_size = machipc_msg_size(sbuf);
	a.rcv_ool = (uintptr_t)ool;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_msg(self->s, &a)));
	a.rcv_ool = 0;
	a.rcv_ool_count = 1;
	EXPECT_EQ(EINVAL, MT_ERR(machipc_msg(self->s, &a)));
	EXPECT_EQ(1, ool_msgcount(self->r, self->p));
	/* 64 buffers are fine, also for a message without regions */
	EXPECT_EQ(0, ool_recv_raw(self->r, self->p, rbuf, sizeof(rbuf),
				  (uintptr_t)ool, MACHIPC_OOL_MAX, &a));
	EXPECT_EQ(9, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(0, a.rcv_ool_count);
	free(before);
}

/* ------------------------------------------------------------------ */
/* EMSGSIZE                                                           */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(pair, emsgsize_keeps_message_queued, 120)
{
	const size_t lens[3] = { 100, 5000, 0 };
	unsigned char *src = ool_map(8192), *dst[3];
	struct machipc_ool_buf ool[4];
	__u64 sbuf[32], rbuf[RBUF_WORDS];
	struct machipc_msg_builder b;
	struct mt_snap *before = malloc(sizeof(*before));
	struct ool_sender snd;
	unsigned int n, k;
	size_t size, need;
	__u32 x;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, src);
	ool_fill(src, 8192, 501);
	ASSERT_NE(0, x = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 5));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, src, lens[0]));
	ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MAKE_SEND));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, src + 3, lens[1]));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, src, lens[2]));
	ASSERT_EQ(0, machipc_msg_add_data(&b, "inline", 6));
	need = machipc_msg_size(sbuf) + OOL_TRL;
	for (k = 0; k < 3; k++) {
		dst[k] = ool_map(8192);
		ASSERT_NE(NULL, dst[k]);
	}
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	ASSERT_EQ(0, mt_snap_take(self->r, before));
	EXPECT_EQ(1, before->ports[0].msgcount);

	/* no buffers */
	size = sizeof(rbuf);
	n = 0;
	EXPECT_EQ(EMSGSIZE, ool_recv(self->r, self->p, rbuf, &size, NULL, &n, 0));
	EXPECT_EQ(3, n);
	EXPECT_EQ(need, size);

	/* too few: the first one gets its size, the canary after it not */
	memset(ool, 0, sizeof(ool));
	ool[0].address = (uintptr_t)dst[0];
	ool[0].size = 8192;
	ool[1].address = 0x1234;
	ool[1].size = 0x5678;
	size = sizeof(rbuf);
	n = 1;
	EXPECT_EQ(EMSGSIZE, ool_recv(self->r, self->p, rbuf, &size, ool, &n, 0));
	EXPECT_EQ(3, n);
	EXPECT_EQ(need, size);
	EXPECT_EQ(lens[0], ool[0].size);
	EXPECT_EQ((uintptr_t)dst[0], ool[0].address);
	EXPECT_EQ(0x1234, ool[1].address);
	EXPECT_EQ(0x5678, ool[1].size);

	/* enough buffers, the second one byte short: every size reported */
	for (k = 0; k < 3; k++) {
		ool[k].address = (uintptr_t)dst[k];
		ool[k].size = lens[k];
	}
	ool[1].size = lens[1] - 1;
	ool[3].address = 0x1234;
	ool[3].size = 0x5678;
	size = sizeof(rbuf);
	n = 4;
	EXPECT_EQ(EMSGSIZE, ool_recv(self->r, self->p, rbuf, &size, ool, &n, 0));
	EXPECT_EQ(3, n);
	EXPECT_EQ(need, size);
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(lens[k], ool[k].size) TH_LOG("buffer %u", k);
		EXPECT_EQ((uintptr_t)dst[k], ool[k].address);
	}
	EXPECT_EQ(0x5678, ool[3].size);

	/* buffers fine, inline buffer 8 bytes short */
	size = need - 8;
	n = 3;
	EXPECT_EQ(EMSGSIZE, ool_recv(self->r, self->p, rbuf, &size, ool, &n, 0));
	EXPECT_EQ(need, size);
	EXPECT_EQ(3, n);

	/* nothing changed, the sender still waits */
	ASSERT_SNAP_UNCHANGED(self->r, before);
	EXPECT_EQ(0, atomic_load(&snd.done));
	EXPECT_EQ(0, mt_info(self->s, x, NULL, NULL));

	/* the right receive gets it intact */
	size = need;
	n = 3;
	ASSERT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, ool, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(need, size);
	EXPECT_EQ(3, n);
	EXPECT_EQ(5, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(before->ports[0].seqno, machipc_msg_trailer(rbuf)->seqno);
	EXPECT_EQ(lens[0], ool_check(dst[0], lens[0], 501));
	EXPECT_EQ(0, memcmp(dst[1], src + 3, lens[1]));
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	for (k = 0; k < 3; k++)
		munmap(dst[k], 8192);
	munmap(src, 8192);
	free(before);
}

/* ------------------------------------------------------------------ */
/* EFAULT                                                             */
/* ------------------------------------------------------------------ */

/*
 * A message whose second region at @bad cannot be read: the send fails
 * with EFAULT and changes nothing, the waiting receiver gets the sender's
 * next message instead.
 */
static void unreadable_source(struct __test_metadata *_metadata,
			      struct _test_data_pair *self, const void *bad,
			      size_t len)
{
	unsigned char good[1000];
	__u64 sbuf[32], rbuf[RBUF_WORDS];
	unsigned char *dst = ool_map(len + 1000);
	struct machipc_ool_buf ool[2];
	struct machipc_msg_builder b;
	struct mt_snap *sbefore = malloc(sizeof(*sbefore));
	struct mt_snap *rbefore = malloc(sizeof(*rbefore));
	struct ool_sender snd = { 0 };
	__u32 q, m, rights = 0;
	__u64 susage, rusage;
	unsigned int n = 2;
	size_t size = sizeof(rbuf);

	ASSERT_NE(NULL, sbefore);
	ASSERT_NE(NULL, rbefore);
	ASSERT_NE(NULL, dst);
	ool_fill(good, sizeof(good), 601);
	ool[0].address = (uintptr_t)dst;
	ool[0].size = sizeof(good);
	ool[1].address = (uintptr_t)dst + 1000;
	ool[1].size = len;
	/* rights that would move: a reply right and a moved send right */
	ASSERT_NE(0, q = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	ASSERT_NE(0, m = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_port_insert_right(self->s, m, MACHIPC_DISP_MAKE_SEND,
					       NULL));
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, q,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 1));
	ASSERT_EQ(0, machipc_msg_add_port(&b, m, MACHIPC_DISP_MOVE_SEND));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, good, sizeof(good)));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, bad, len));
	ASSERT_EQ(0, machipc_msg_add_data(&b, "x", 1));
	ASSERT_EQ(0, mt_snap_take(self->s, sbefore));
	ASSERT_EQ(0, mt_snap_take(self->r, rbefore));
	susage = ool_usage(self->s);
	rusage = ool_usage(self->r);

	snd.then_dest = self->sp;
	snd.then_id = 2;
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, LONG_MS));
	EXPECT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, ool, &n, LONG_MS));
	EXPECT_EQ(EFAULT, ool_sender_join(&snd));
	EXPECT_EQ(0, snd.then_err);
	/* the next message, not the faulty one */
	EXPECT_EQ(2, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(0, n);
	EXPECT_EQ(rbefore->ports[0].seqno, machipc_msg_trailer(rbuf)->seqno);

	EXPECT_SNAP_UNCHANGED(self->s, sbefore, "sender after EFAULT");
	EXPECT_EQ(susage, ool_usage(self->s));
	EXPECT_EQ(rusage, ool_usage(self->r));
	EXPECT_EQ(0, mt_info(self->s, m, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	{
		struct machipc_name_info *names;
		size_t count;

		ASSERT_EQ(0, machipc_port_names(self->r, &names, &count));
		EXPECT_EQ(rbefore->nnames, count);
		free(names);
	}
	munmap(dst, len + 1000);
	free(sbefore);
	free(rbefore);
}

TEST_F_TIMEOUT(pair, efault_source_prot_none, 120)
{
	size_t len = 16 * self->page;
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	unreadable_source(_metadata, self, p, len);
	munmap(p, len);
}

TEST_F_TIMEOUT(pair, efault_source_hole_in_the_middle, 120)
{
	size_t len = 3 * self->chunk;
	unsigned char *p = ool_map(len);

	ASSERT_NE(NULL, p);
	ool_fill(p, len, 611);
	/* the first chunk copies, the second hits the hole */
	ASSERT_EQ(0, munmap(p + self->chunk + 2 * self->page, self->page));
	unreadable_source(_metadata, self, p + 1, len - 1);
	munmap(p, len);
}

TEST_F_TIMEOUT(pair, efault_source_unmapped, 120)
{
	size_t len = 16 * self->page;
	unsigned char *p = ool_map(len + 2 * self->page), vec[16];

	/* mapped guard pages around the hole keep larger mappings out */
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, munmap(p + self->page, len));
	unreadable_source(_metadata, self, p + self->page, len);
	EXPECT_EQ(-1, mincore(p + self->page, len, vec));
	EXPECT_EQ(ENOMEM, errno);
	munmap(p, len + 2 * self->page);
}

TEST_F_TIMEOUT(pair, efault_source_vvar, 120)
{
	unsigned long start = 0, end = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vvar]") &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2)
			break;
		start = 0;
	}
	fclose(f);
	if (!start)
		SKIP(return, "no [vvar] mapping");
	unreadable_source(_metadata, self, (void *)start, end - start);
}

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

TEST_F_TIMEOUT(pair, efault_source_memfd_secret, 120)
{
	int sfd = syscall(__NR_memfd_secret, 0);
	size_t len = 4 * self->page;
	unsigned char *p;

	if (sfd < 0)
		SKIP(return, "memfd_secret: %s", strerror(errno));
	if (ftruncate(sfd, len)) {
		close(sfd);
		SKIP(return, "memfd_secret ftruncate: %s", strerror(errno));
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	if (p == MAP_FAILED) {
		close(sfd);
		SKIP(return, "memfd_secret mmap: %s", strerror(errno));
	}
	ool_fill(p, len, 621);
	unreadable_source(_metadata, self, p, len);
	munmap(p, len);
	close(sfd);
}

/*
 * A receive into @bad (@len bytes) fails with EFAULT and changes nothing;
 * the message stays queued with its sender waiting, and a receive into
 * good memory then gets it intact.
 */
static void unwritable_dest(struct __test_metadata *_metadata,
			    struct _test_data_pair *self, void *bad, size_t len)
{
	size_t slen = 2 * self->chunk + 3;
	unsigned char *src = ool_map(slen + 1), *good = ool_map(slen);
	__u64 sbuf[32], rbuf[RBUF_WORDS];
	struct machipc_ool_buf ool[2];
	struct machipc_msg_builder b;
	struct mt_snap *before = malloc(sizeof(*before));
	struct machipc_port_attr xa;
	struct ool_sender snd;
	unsigned int n = 2;
	size_t size = sizeof(rbuf);
	__u64 rusage;
	__u32 x;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, good);
	ASSERT_LE(slen, len);
	ool_fill(src + 1, slen, 631);
	ASSERT_NE(0, x = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_msg_init(&b, sbuf, sizeof(sbuf), self->sp,
				      MACHIPC_DISP_COPY_SEND, 0, 0, 3));
	ASSERT_EQ(0, machipc_msg_add_port(&b, x, MACHIPC_DISP_MAKE_SEND));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, src + 1, slen));
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	ASSERT_EQ(0, mt_snap_take(self->r, before));
	rusage = ool_usage(self->r);

	ool[0].address = (uintptr_t)bad;
	ool[0].size = len;
	EXPECT_EQ(EFAULT, ool_recv(self->r, self->p, rbuf, &size, ool, &n, 0));
	ASSERT_SNAP_UNCHANGED(self->r, before);
	EXPECT_EQ(1, ool_msgcount(self->r, self->p));
	EXPECT_EQ(rusage, ool_usage(self->r));
	EXPECT_EQ(0, atomic_load(&snd.done));
	ASSERT_EQ(0, mt_attr(self->s, x, &xa));
	EXPECT_EQ(0, xa.mscount);	/* the right did not move */

	ool[0].address = (uintptr_t)good;
	ool[0].size = slen;
	size = sizeof(rbuf);
	n = 2;
	ASSERT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, ool, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(3, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(slen, ool_check(good, slen, 631));
	EXPECT_EQ(before->ports[0].seqno, machipc_msg_trailer(rbuf)->seqno);
	ASSERT_EQ(0, mt_attr(self->s, x, &xa));
	EXPECT_EQ(1, xa.mscount);
	munmap(src, slen + 1);
	munmap(good, slen);
	free(before);
}

TEST_F_TIMEOUT(pair, efault_destination_read_only_anon, 120)
{
	size_t len = 3 * self->chunk;
	unsigned char *p = ool_map(len);
	unsigned int sum = 0;
	size_t i;

	ASSERT_NE(NULL, p);
	memset(p, 0x11, len);
	ASSERT_EQ(0, mprotect(p, len, PROT_READ));
	unwritable_dest(_metadata, self, p, len);
	EXPECT_EQ(len, ool_check_byte(p, len, 0x11));
	munmap(p, len);

	/* read-only and never written: the zero page */
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < len; i += self->page)
		sum += __atomic_load_n(&p[i], __ATOMIC_RELAXED);
	EXPECT_EQ(0, sum);
	unwritable_dest(_metadata, self, p, len);
	EXPECT_EQ(len, ool_check_byte(p, len, 0));
	munmap(p, len);
}

TEST_F_TIMEOUT(pair, efault_destination_prot_none, 120)
{
	size_t len = 3 * self->chunk;
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	unwritable_dest(_metadata, self, p, len);
	munmap(p, len);
}

TEST_F_TIMEOUT(pair, efault_destination_hole, 120)
{
	size_t len = 3 * self->chunk;
	unsigned char *p = ool_map(len);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, munmap(p + self->chunk + self->page, self->page));
	unwritable_dest(_metadata, self, p, len);
	munmap(p, len);
}

TEST_F_TIMEOUT(pair, efault_destination_read_only_file, 120)
{
	size_t len = 3 * self->chunk;
	unsigned char *tmp = ool_map(len), *p, *back = ool_map(len);
	int ffd = open("ool-ro-file", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		       0600);

	ASSERT_LE(0, ffd);
	ASSERT_NE(NULL, tmp);
	ASSERT_NE(NULL, back);
	ool_fill(tmp, len, 641);
	ASSERT_EQ((ssize_t)len, write(ffd, tmp, len));
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	unwritable_dest(_metadata, self, p, len);
	ASSERT_EQ((ssize_t)len, pread(ffd, back, len, 0));
	EXPECT_EQ(len, ool_check(back, len, 641));
	EXPECT_EQ(len, ool_check(p, len, 641));
	munmap(p, len);
	close(ffd);
	unlink("ool-ro-file");
	munmap(tmp, len);
	munmap(back, len);
}

/* A private file mapping gets a private copy; the file stays as it was. */
TEST_F_TIMEOUT(pair, destination_private_file_mapping, 120)
{
	size_t len = 2 * self->chunk + 9;
	unsigned char *tmp = ool_map(len + 1), *src = ool_map(len), *p;
	int ffd = open("ool-private-file",
		       O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ASSERT_LE(0, ffd);
	ASSERT_NE(NULL, tmp);
	ASSERT_NE(NULL, src);
	ool_fill(tmp, len + 1, 651);
	ASSERT_EQ((ssize_t)len + 1, write(ffd, tmp, len + 1));
	p = mmap(NULL, len + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ool_fill(src, len, 652);
	xfer(_metadata, self, src, p + 1, len, len, 652);
	EXPECT_EQ(len, ool_check(p + 1, len, 652));
	EXPECT_EQ(ool_check(tmp, 1, 651), ool_check(p, 1, 651));
	memset(tmp, 0, len + 1);
	ASSERT_EQ((ssize_t)len + 1, pread(ffd, tmp, len + 1, 0));
	EXPECT_EQ(len + 1, ool_check(tmp, len + 1, 651));
	munmap(p, len + 1);
	close(ffd);
	unlink("ool-private-file");
	munmap(tmp, len + 1);
	munmap(src, len);
}

/* ------------------------------------------------------------------ */
/* The synchronous send                                               */
/* ------------------------------------------------------------------ */

/* A message carrying a reply right, a moved send right and a receive right. */
struct rights_msg {
	__u64 buf[32];
	__u32 q, m, xr;
	unsigned char *src;
	size_t len;
};

static void rights_msg_build(struct __test_metadata *_metadata,
			     struct _test_data_pair *self, struct rights_msg *rm)
{
	struct machipc_msg_builder b;

	rm->len = self->chunk + 1;
	rm->src = ool_map(rm->len);
	ASSERT_NE(NULL, rm->src);
	ool_fill(rm->src, rm->len, 701);
	ASSERT_NE(0, rm->q = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	ASSERT_NE(0, rm->m = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	ASSERT_NE(0, rm->xr = mt_alloc(self->s, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, machipc_port_insert_right(self->s, rm->m,
					       MACHIPC_DISP_MAKE_SEND, NULL));
	ASSERT_EQ(0, machipc_msg_init(&b, rm->buf, sizeof(rm->buf), self->sp,
				      MACHIPC_DISP_COPY_SEND, rm->q,
				      MACHIPC_DISP_MAKE_SEND_ONCE, 7));
	ASSERT_EQ(0, machipc_msg_add_port(&b, rm->m, MACHIPC_DISP_MOVE_SEND));
	ASSERT_EQ(0, machipc_msg_add_ool(&b, rm->src, rm->len));
	ASSERT_EQ(0, machipc_msg_add_port(&b, rm->xr,
					  MACHIPC_DISP_MOVE_RECEIVE));
}

TEST_F_TIMEOUT(pair, sync_send_times_out_without_receiver, 120)
{
	struct mt_snap *before = malloc(sizeof(*before));
	struct rights_msg rm;
	struct ool_sender snd;
	struct timespec now;
	__u32 rights = 0, urefs = 0;
	__u64 usage;

	ASSERT_NE(NULL, before);
	rights_msg_build(_metadata, self, &rm);
	ASSERT_EQ(0, mt_snap_take(self->s, before));
	usage = ool_usage(self->s);

	/* a deadline already past: no wait */
	machipc_deadline_in(&now, 0);
	EXPECT_EQ(ETIMEDOUT, MT_ERR(machipc_send(self->s, rm.buf, &now)));
	ASSERT_SNAP_UNCHANGED(self->s, before);
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	EXPECT_EQ(usage, ool_usage(self->s));

	/* blocked with the message queued, until the deadline */
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, rm.buf, 1500));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	EXPECT_EQ(1, ool_msgcount(self->r, self->p));
	EXPECT_EQ(0, mt_info(self->s, rm.m, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(0, mt_info(self->s, rm.xr, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	EXPECT_EQ(ETIMEDOUT, ool_sender_join(&snd));
	EXPECT_LE(1500 * 1000000LL, snd.ret_ns - snd.start_ns);
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	ASSERT_SNAP_UNCHANGED(self->s, before);
	EXPECT_EQ(usage, ool_usage(self->s));
	munmap(rm.src, rm.len);
	free(before);
}

/* Rights leave the sender only at the commit; the send returns after it. */
TEST_F_TIMEOUT(pair, sync_send_returns_after_receive_threads, 120)
{
	__u64 rbuf[RBUF_WORDS];
	unsigned char *dst;
	struct machipc_ool_buf ool;
	const struct machipc_msg_desc *d;
	struct rights_msg rm;
	struct ool_sender snd;
	struct machipc_port_attr a;
	__u32 rights = 0, urefs = 0;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);
	long long t0;

	rights_msg_build(_metadata, self, &rm);
	dst = ool_map(rm.len);
	ASSERT_NE(NULL, dst);
	ool.address = (uintptr_t)dst;
	ool.size = rm.len;
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, rm.buf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	usleep(200000);
	EXPECT_EQ(0, atomic_load(&snd.done));
	ASSERT_EQ(0, mt_attr(self->r, self->p, &a));
	EXPECT_EQ(1, a.msgcount);
	/* NAME_INFO from this thread while the sender is blocked */
	EXPECT_EQ(0, mt_info(self->s, rm.m, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND, rights);
	EXPECT_EQ(1, urefs);
	EXPECT_EQ(0, mt_info(self->s, rm.xr, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	ASSERT_EQ(0, mt_attr(self->s, rm.q, &a));
	EXPECT_EQ(0, a.sorights);

	t0 = mt_now_ns();
	ASSERT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, &ool, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_LE(t0, snd.ret_ns);
	EXPECT_EQ(rm.len, ool_check(dst, rm.len, 701));
	/* moved: gone from the sender, arrived in the receiver */
	EXPECT_EQ(0, mt_info(self->s, rm.m, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	EXPECT_EQ(ENOENT, mt_info(self->s, rm.xr, NULL, NULL));
	ASSERT_EQ(0, mt_attr(self->s, rm.q, &a));
	EXPECT_EQ(1, a.sorights);
	d = machipc_msg_desc(rbuf, 0);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(0, mt_info(self->r, d->name, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_SEND, rights);
	d = machipc_msg_desc(rbuf, 2);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(MACHIPC_DISP_MOVE_RECEIVE, d->disposition);
	EXPECT_EQ(0, mt_info(self->r, d->name, &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_RECEIVE, rights);
	EXPECT_EQ(0, mt_info(self->r, machipc_msg_header(rbuf)->remote_name,
			     &rights, NULL));
	EXPECT_EQ(MACHIPC_RIGHT_SEND_ONCE, rights);
	munmap(rm.src, rm.len);
	munmap(dst, rm.len);
}

TEST_F_TIMEOUT(pair, sync_send_returns_after_receive_fork, 120)
{
	size_t len = 2 * self->chunk + 1;
	unsigned char *dst = ool_map(len);
	struct machipc_ool_buf ool = { .address = (uintptr_t)dst, .size = len };
	__u64 rbuf[RBUF_WORDS];
	struct pollfd pfd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);
	int fds[2], bfd;
	pid_t pid;

	ASSERT_NE(NULL, dst);
	ASSERT_EQ(0, pipe(fds));
	bfd = machipc_bootstrap_export(self->r, self->p,
				       MACHIPC_DISP_MAKE_SEND, 0);
	ASSERT_LE(0, bfd);
	pid = fork_sender(bfd, len, 1, 711, fds[1]);
	ASSERT_LT(0, pid);
	close(fds[1]);
	/* queued, and the sender does not return */
	{
		long long end = mt_now_ns() + 10000 * 1000000LL;

		while (ool_msgcount(self->r, self->p) != 1 &&
		       mt_now_ns() < end)
			usleep(1000);
	}
	EXPECT_EQ(1, ool_msgcount(self->r, self->p));
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 500));
	ASSERT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, &ool, &n, LONG_MS));
	EXPECT_EQ(1, poll(&pfd, 1, LONG_MS));
	EXPECT_EQ('S', mt_get(fds[0]));
	EXPECT_EQ(0, mt_wait(pid));
	EXPECT_EQ(len, ool_check(dst, len, 711));
	close(fds[0]);
	close(bfd);
	munmap(dst, len);
}

TEST_F_TIMEOUT(pair, sync_dead_port_gives_epipe, 120)
{
	struct rights_msg rm;
	struct ool_sender snd;
	struct mt_snap *before = malloc(sizeof(*before));
	__u32 rights = 0, urefs = 0, sp_urefs = 0;
	__u64 usage;
	size_t i;

	ASSERT_NE(NULL, before);
	rights_msg_build(_metadata, self, &rm);
	ASSERT_EQ(0, mt_info(self->s, self->sp, NULL, &sp_urefs));
	ASSERT_EQ(0, mt_snap_take(self->s, before));
	usage = ool_usage(self->s);
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, rm.buf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	ASSERT_EQ(0, MT_ERR(machipc_port_destroy(self->r, self->p)));
	EXPECT_EQ(EPIPE, ool_sender_join(&snd));
	/* the destination is a dead name now; everything else as before */
	EXPECT_EQ(0, mt_info(self->s, self->sp, &rights, &urefs));
	EXPECT_EQ(MACHIPC_RIGHT_DEAD_NAME, rights);
	EXPECT_EQ(sp_urefs, urefs);
	for (i = 0; i < before->nnames; i++) {
		const struct machipc_name_info *w = &before->names[i];

		if (w->name == self->sp)
			continue;
		EXPECT_EQ(0, mt_info(self->s, w->name, &rights, &urefs));
		EXPECT_EQ(w->rights, rights) TH_LOG("name %#x", w->name);
		EXPECT_EQ(w->urefs, urefs) TH_LOG("name %#x", w->name);
	}
	for (i = 0; i < before->nports; i++) {
		struct machipc_port_attr a;

		ASSERT_EQ(0, mt_attr(self->s, before->ports[i].name, &a));
		EXPECT_EQ(before->ports[i].mscount, a.mscount);
		EXPECT_EQ(before->ports[i].srights, a.srights);
		EXPECT_EQ(before->ports[i].sorights, a.sorights);
		EXPECT_EQ(before->ports[i].msgcount, a.msgcount);
	}
	EXPECT_EQ(usage, ool_usage(self->s));
	munmap(rm.src, rm.len);
	free(before);
}

/* ------------------------------------------------------------------ */
/* Accounting                                                         */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(pair, accounting_blocked_send, 120)
{
	size_t len = 3 * self->chunk;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ool = { .address = (uintptr_t)dst, .size = len };
	struct machipc_account_info ra;
	__u64 sbuf[16], rbuf[RBUF_WORDS], susage, rusage;
	struct ool_sender snd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_NE(0, self->a.cost_ool);
	ASSERT_NE(0, self->v.cost_copy);
	ool_fill(src, len, 801);
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), self->sp, src, len, 8));
	susage = ool_usage(self->s);
	rusage = ool_usage(self->r);
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	EXPECT_EQ(susage + ool_msg_cost(&self->a, machipc_msg_size(sbuf)) +
		  self->a.cost_ool, ool_usage(self->s));
	EXPECT_EQ(rusage, ool_usage(self->r));
	ASSERT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, &ool, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(susage, ool_usage(self->s));
	ASSERT_EQ(0, MT_ERR(machipc_account_get(self->r, &ra)));
	EXPECT_EQ(rusage, ra.usage);
	/* the copier paid cost_copy during its receive */
	EXPECT_LE(rusage + self->v.cost_copy, ra.hwm);
	EXPECT_EQ(len, ool_check(dst, len, 801));
	munmap(src, len);
	munmap(dst, len);
}

TEST_F_TIMEOUT(pair, accounting_receiver_below_cost_copy, 120)
{
	size_t len = 2 * self->chunk;
	unsigned char *src = ool_map(len), *dst = ool_map(len);
	struct machipc_ool_buf ool = { .address = (uintptr_t)dst, .size = len };
	struct machipc_account_info ra;
	struct mt_snap *before = malloc(sizeof(*before));
	__u64 sbuf[16], rbuf[RBUF_WORDS], rusage, susage, failures, limit;
	struct ool_sender snd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);
	__u32 data = 3;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_NE(0, self->v.cost_copy);
	ool_fill(src, len, 811);
	rusage = ool_usage(self->r);
	ASSERT_EQ(0, MT_ERR(machipc_account_get(self->r, &ra)));
	failures = ra.failures;
	limit = rusage + self->v.cost_copy - 1;
	ASSERT_EQ(0, machipc_account_set_limit(self->r, limit));

	/* an inline message with no buffers: no charge */
	ASSERT_EQ(0, mt_send_simple(self->s, self->sp, MACHIPC_DISP_COPY_SEND,
				    1, &data, sizeof(data), NULL));
	n = 0;
	EXPECT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, NULL, &n, 0));

	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), self->sp, src, len, 9));
	susage = ool_usage(self->s);
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	ASSERT_EQ(0, mt_snap_take(self->r, before));
	size = sizeof(rbuf);
	n = 1;
	EXPECT_EQ(ENOBUFS, ool_recv(self->r, self->p, rbuf, &size, &ool, &n, 0));
	ASSERT_SNAP_UNCHANGED(self->r, before);
	ASSERT_EQ(0, MT_ERR(machipc_account_get(self->r, &ra)));
	EXPECT_EQ(rusage, ra.usage);
	EXPECT_EQ(failures + 1, ra.failures);
	EXPECT_EQ(1, ool_msgcount(self->r, self->p));
	EXPECT_EQ(0, atomic_load(&snd.done));
	EXPECT_EQ(susage + ool_msg_cost(&self->a, machipc_msg_size(sbuf)) +
		  self->a.cost_ool, ool_usage(self->s));

	/* exactly cost_copy of room: received */
	ASSERT_EQ(0, machipc_account_set_limit(self->r, limit + 1));
	size = sizeof(rbuf);
	n = 1;
	EXPECT_EQ(0, ool_recv(self->r, self->p, rbuf, &size, &ool, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(9, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(len, ool_check(dst, len, 811));
	EXPECT_EQ(rusage, ool_usage(self->r));
	EXPECT_EQ(susage, ool_usage(self->s));
	munmap(src, len);
	munmap(dst, len);
	free(before);
}

/* ------------------------------------------------------------------ */
/* Port sets                                                          */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(pair, port_set_receive, 120)
{
	size_t len = self->chunk + 77;
	unsigned char *src = ool_map(len + 1), *dst = ool_map(len);
	struct machipc_ool_buf ool = { .address = (uintptr_t)dst, .size = len };
	__u64 sbuf[16], rbuf[RBUF_WORDS];
	struct ool_sender snd;
	unsigned int n = 1;
	size_t size = sizeof(rbuf);
	__u32 set, p2;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_NE(0, set = mt_alloc(self->r, MACHIPC_RIGHT_PORT_SET));
	ASSERT_NE(0, p2 = mt_alloc(self->r, MACHIPC_RIGHT_RECEIVE));
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(self->r, p2, set)));
	ASSERT_EQ(0, MT_ERR(machipc_port_move_member(self->r, self->p, set)));
	ool_fill(src + 1, len, 901);
	ASSERT_EQ(0, ool_msg_one(sbuf, sizeof(sbuf), self->sp, src + 1, len, 90));
	ASSERT_EQ(0, ool_sender_start(&snd, self->s, sbuf, -1));
	ASSERT_EQ(0, ool_sender_wait_blocked(&snd, 10000));
	/* the member itself cannot be received from */
	EXPECT_EQ(EBUSY, ool_recv(self->r, self->p, rbuf, &size, &ool, &n, 0));
	size = sizeof(rbuf);
	n = 1;
	ASSERT_EQ(0, ool_recv(self->r, set, rbuf, &size, &ool, &n, LONG_MS));
	EXPECT_EQ(0, ool_sender_join(&snd));
	EXPECT_EQ(90, machipc_msg_header(rbuf)->id);
	EXPECT_EQ(self->p, machipc_msg_header(rbuf)->local_name);
	EXPECT_EQ(1, n);
	EXPECT_EQ(len, ool_check(dst, len, 901));
	EXPECT_EQ(0, ool_msgcount(self->r, self->p));
	munmap(src, len + 1);
	munmap(dst, len);
}

TEST_HARNESS_MAIN
