/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the out-of-line data selftests: a byte pattern that depends
 * on the offset in a region and a seed, a sender thread whose synchronous
 * send can be watched from the test thread, and small message helpers.
 *
 * Include after "machipc_test.h".
 */
#ifndef MACHIPC_OOL_TEST_H
#define MACHIPC_OOL_TEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#define OOL_TRL		sizeof(struct machipc_msg_trailer)
#define OOL_HDR		sizeof(struct machipc_msg_header)
#define OOL_DSC		sizeof(struct machipc_msg_desc)
#define OOL_MIB		(1024UL * 1024UL)

/* ------------------------------------------------------------------ */
/* The pattern: byte i of a region is a function of (i, seed)          */
/* ------------------------------------------------------------------ */

static inline __u64 ool_mix(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline __u64 ool_word(size_t i, __u32 seed)
{
	return ool_mix((__u64)(i >> 3) ^ ((__u64)seed << 40));
}

/* Fill @len bytes at @p with the pattern of @seed (offset 0 at @p). */
static inline void ool_fill(void *p, size_t len, __u32 seed)
{
	unsigned char *c = p;
	__u64 w = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7) || !i)
			w = ool_word(i, seed);
		c[i] = (unsigned char)(w >> ((i & 7) * 8));
	}
}

/* Return the offset of the first byte that differs, or @len. */
static inline size_t ool_check(const void *p, size_t len, __u32 seed)
{
	const unsigned char *c = p;
	__u64 w = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7) || !i)
			w = ool_word(i, seed);
		if (c[i] != (unsigned char)(w >> ((i & 7) * 8)))
			return i;
	}
	return len;
}

/* Return the offset of the first byte that is not @v, or @len. */
static inline size_t ool_check_byte(const void *p, size_t len, unsigned char v)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != v)
			return i;
	return len;
}

/* ------------------------------------------------------------------ */
/* Memory                                                             */
/* ------------------------------------------------------------------ */

static inline size_t ool_page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Anonymous read-write memory, or NULL. */
static inline void *ool_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ------------------------------------------------------------------ */
/* Accounting                                                         */
/* ------------------------------------------------------------------ */

static inline __u64 ool_usage(int fd)
{
	struct machipc_account_info a;

	if (machipc_account_get(fd, &a))
		return ~0ULL;
	return a.usage;
}

/* What a queued message of header.size @size costs its sender. */
static inline __u64 ool_msg_cost(const struct machipc_account_info *a,
				 __u32 size)
{
	return a->cost_msg + (__u64)(size / 32) * a->cost_msg_slot + size;
}

/*
 * The send-once reservations a message leaves on its sender's account once
 * received (accounting.rst): one per send-once right it makes (reply or
 * descriptor), less one when its destination is a send-once right it uses
 * up; each costs the message of a send-once notification (40 bytes).
 */
static inline __u64 ool_so_reserved(const struct machipc_account_info *a,
				    const void *msg)
{
	const struct machipc_msg_header *h = msg;
	const struct machipc_msg_desc *d = (const void *)(h + 1);
	long n = 0;
	__u32 i;

	if (MACHIPC_MSGH_REMOTE(h->bits) == MACHIPC_DISP_MOVE_SEND_ONCE)
		n--;
	if (MACHIPC_MSGH_LOCAL(h->bits) == MACHIPC_DISP_MAKE_SEND_ONCE)
		n++;
	for (i = 0; i < h->desc_count; i++)
		if (d[i].type == MACHIPC_DESC_PORT &&
		    d[i].disposition == MACHIPC_DISP_MAKE_SEND_ONCE)
			n++;
	return (__u64)(n * (long)ool_msg_cost(a, 40));
}

static inline __u32 ool_msgcount(int fd, __u32 port)
{
	struct machipc_port_attr a;

	if (machipc_port_get_attributes(fd, port, &a))
		return ~0U;
	return a.msgcount;
}

/* ------------------------------------------------------------------ */
/* A sender thread                                                    */
/* ------------------------------------------------------------------ */

/*
 * struct ool_sender - one machipc_send() in its own thread
 * @fd, @msg: what to send.
 * @deadline_ms: send deadline from the start, or -1 for none.
 * @then_dest: if not 0, after the send (whatever its result) send an
 *	inline message with id @then_id to this name (COPY_SEND).
 * @err: the send's errno (0 on success), valid once @done.
 * @then_err: the follow-up send's errno.
 * @done: set once both sends returned.
 * @tid: the thread's id, set before it sends.
 * @ret_ns: CLOCK_MONOTONIC time when the send returned.
 */
struct ool_sender {
	int fd;
	const void *msg;
	long deadline_ms;
	__u32 then_dest;
	__u32 then_id;
	int err;
	int then_err;
	atomic_int done;
	atomic_int tid;
	long long start_ns;
	long long ret_ns;
	pthread_t thread;
};

static inline void *ool_sender_fn(void *arg)
{
	struct ool_sender *s = arg;
	struct timespec dl;

	atomic_store(&s->tid, gettid());
	s->start_ns = mt_now_ns();
	if (s->deadline_ms >= 0)
		machipc_deadline_in(&dl, s->deadline_ms);
	s->err = MT_ERR(machipc_send(s->fd, s->msg,
				     s->deadline_ms >= 0 ? &dl : NULL));
	s->ret_ns = mt_now_ns();
	if (s->then_dest)
		s->then_err = mt_send_simple(s->fd, s->then_dest,
					     MACHIPC_DISP_COPY_SEND,
					     s->then_id, &s->then_id,
					     sizeof(s->then_id), NULL);
	atomic_store(&s->done, 1);
	return NULL;
}

static inline int ool_sender_start(struct ool_sender *s, int fd,
				   const void *msg, long deadline_ms)
{
	s->fd = fd;
	s->msg = msg;
	s->deadline_ms = deadline_ms;
	s->err = -1;
	s->then_err = -1;
	atomic_store(&s->done, 0);
	atomic_store(&s->tid, 0);
	return pthread_create(&s->thread, NULL, ool_sender_fn, s);
}

/* Wait until the sender sleeps in its ioctl; 0 when it does. */
static inline int ool_sender_wait_blocked(struct ool_sender *s, long ms)
{
	long long end = mt_now_ns() + ms * 1000000LL;

	while (!atomic_load(&s->tid) && mt_now_ns() < end)
		usleep(1000);
	if (!atomic_load(&s->tid))
		return -1;
	return mt_wait_in_ioctl(getpid(), atomic_load(&s->tid), ms);
}

static inline int ool_sender_join(struct ool_sender *s)
{
	pthread_join(s->thread, NULL);
	return s->err;
}

/* A message to @dest (COPY_SEND) with one region and no inline data; errno. */
static inline int ool_msg_one(void *buf, size_t cap, __u32 dest,
			      const void *src, __u64 len, __u32 id)
{
	struct machipc_msg_builder b;

	if (machipc_msg_init(&b, buf, cap, dest, MACHIPC_DISP_COPY_SEND, 0,
			     MACHIPC_DISP_NONE, id) ||
	    machipc_msg_add_ool(&b, src, len))
		return errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Receiving                                                          */
/* ------------------------------------------------------------------ */

/*
 * machipc_receive_ool() as an errno: @ms < 0 blocks without a deadline.
 * *@size is in/out, *@n in/out as for the library call.
 */
static inline int ool_recv(int fd, __u32 name, void *buf, size_t *size,
			   struct machipc_ool_buf *ool, unsigned int *n,
			   long ms)
{
	struct timespec dl;

	if (ms >= 0)
		machipc_deadline_in(&dl, ms);
	return MT_ERR(machipc_receive_ool(fd, name, buf, size, ool, n,
					  ms >= 0 ? &dl : NULL));
}

/* A raw MACHIPC_IOC_MSG receive with @n buffers at @ool; errno. */
static inline int ool_recv_raw(int fd, __u32 name, void *buf, __u32 size,
			       __u64 ool, __u32 n, struct machipc_msg_args *a)
{
	struct timespec now;

	machipc_deadline_in(&now, 0);
	memset(a, 0, sizeof(*a));
	a->flags = MACHIPC_MSG_RECEIVE | MACHIPC_MSG_RCV_TIMEOUT;
	a->rcv_name = name;
	a->rcv_buf = (uintptr_t)buf;
	a->rcv_size = size;
	a->rcv_deadline = machipc_timespec_to_ns(&now);
	a->rcv_ool = ool;
	a->rcv_ool_count = n;
	return MT_ERR(machipc_msg(fd, a));
}

#endif /* MACHIPC_OOL_TEST_H */
