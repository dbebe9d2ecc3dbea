/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the Mach API selftests (mach_*.c): written against
 * <mach/mach.h> only, as a macOS program would be.
 *
 * Include after "kselftest_harness.h".
 */
#ifndef MACH_TEST_H
#define MACH_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <mach/mach.h>

#define MT_ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* A simple message with a little inline data. */
typedef struct {
	mach_msg_header_t header;
	uint32_t seq;
	uint32_t sum;
} mt_simple_t;

typedef struct {
	mach_msg_header_t header;
	uint32_t seq;
	uint32_t sum;
	mach_msg_max_trailer_t trailer;
} mt_simple_rcv_t;

static inline mach_port_t mt_port(void)
{
	mach_port_t p = MACH_PORT_NULL;

	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p))
		return MACH_PORT_NULL;
	return p;
}

/* A receive right with a send right under the same name. */
static inline mach_port_t mt_port_send(void)
{
	mach_port_t p = mt_port();

	if (p && mach_port_insert_right(mach_task_self(), p, p,
					MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

static inline mach_port_urefs_t mt_refs(mach_port_t name,
					mach_port_right_t right)
{
	mach_port_urefs_t refs = 12345;

	if (mach_port_get_refs(mach_task_self(), name, right, &refs))
		return (mach_port_urefs_t)-1;
	return refs;
}

static inline mach_port_type_t mt_type(mach_port_t name)
{
	mach_port_type_t t = 0;

	if (mach_port_type(mach_task_self(), name, &t))
		return (mach_port_type_t)-1;
	return t;
}

static inline mach_port_status_t mt_status(mach_port_t name)
{
	mach_port_status_t st;
	mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;

	memset(&st, 0xff, sizeof(st));
	mach_port_get_attributes(mach_task_self(), name,
				 MACH_PORT_RECEIVE_STATUS,
				 (mach_port_info_t)&st, &n);
	return st;
}

static inline mach_msg_return_t mt_send(mach_port_t dest,
					mach_msg_type_name_t disp,
					mach_msg_id_t id, uint32_t seq,
					mach_msg_option_t opts,
					mach_msg_timeout_t timeout)
{
	mt_simple_t m;

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(disp, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = dest;
	m.header.msgh_id = id;
	m.seq = seq;
	m.sum = ~seq;
	return mach_msg(&m.header, MACH_SEND_MSG | opts, sizeof(m), 0,
			MACH_PORT_NULL, timeout, MACH_PORT_NULL);
}

static inline mach_msg_return_t mt_recv(mach_port_t port, mt_simple_rcv_t *r,
					mach_msg_option_t opts,
					mach_msg_timeout_t timeout)
{
	memset(r, 0, sizeof(*r));
	return mach_msg(&r->header, MACH_RCV_MSG | opts, 0, sizeof(*r), port,
			timeout, MACH_PORT_NULL);
}

static inline long long mt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Every name of the task, for "nothing leaked" checks. */
static inline mach_msg_type_number_t mt_name_count(void)
{
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t n = 0, nt = 0;

	if (mach_port_names(mach_task_self(), &names, &n, &types, &nt))
		return (mach_msg_type_number_t)-1;
	vm_deallocate(mach_task_self(), (vm_address_t)names, n * sizeof(*names));
	vm_deallocate(mach_task_self(), (vm_address_t)types, nt * sizeof(*types));
	return n;
}

/*
 * Whether thread @tid of this process sleeps interruptibly ('S' in its
 * stat): a thread whose only sleep is inside a call is then in it, and a
 * signal lands there.  (A synchronous out-of-line send sleeps so only
 * once its message is linked at the tail of the queue, waiting for a
 * receiver; the queue count alone says less: it counts the slot the send
 * reserves before it links the message, copy-engine.rst.)
 */
static inline bool mt_thread_sleeps(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

#endif /* MACH_TEST_H */
