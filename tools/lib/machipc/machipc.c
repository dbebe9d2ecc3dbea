// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmachipc: plain C wrappers around the machipc ioctls.
 *
 * Each wrapper fills the argument structure with every field it does not
 * set zeroed (reserved fields must be zero), makes one ioctl and copies
 * the outputs back.  No wrapper retries on EINTR: the kernel restarts
 * interrupted calls transparently unless a handler without SA_RESTART ran,
 * and then the caller decides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "machipc.h"

#define NSEC_PER_SEC	1000000000LL
#define NSEC_PER_MSEC	1000000LL

#define MSG_ALIGN	8
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* @a is a power of two. */
static size_t align_up(size_t x, size_t a)
{
	return (x + (a - 1)) & ~(a - 1);
}

static int machipc_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -1 : 0;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Spaces                                                             */
/* ------------------------------------------------------------------ */

/*
 * The module's ABI version seen by the last failed ABI check of this
 * thread, for machipc_strerror(EPROTO).
 */
static __thread __u32 abi_seen;

int machipc_open(void)
{
	const char *path = secure_getenv("MACHIPC_DEVICE");
	struct machipc_version v = { 0 };
	int fd, err;

	if (!path || !*path)
		path = MACHIPC_DEVICE_PATH;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/*
	 * A module only ever adds to its ABI: one at least as new as the
	 * header this library was built with understands every call the
	 * library makes.  An older one is refused here, once, with a clear
	 * error, instead of odd EINVALs later.
	 */
	if (machipc_ioctl(fd, MACHIPC_IOC_VERSION, &v)) {
		err = errno;
		close(fd);
		return fail(err);
	}
	if (v.abi_version < MACHIPC_ABI_VERSION) {
		abi_seen = v.abi_version;
		close(fd);
		return fail(EPROTO);
	}
	return fd;
}

int machipc_close(int fd)
{
	return close(fd);
}

int machipc_abi_version(int fd, struct machipc_version *v)
{
	struct machipc_version arg = { 0 };

	if (machipc_ioctl(fd, MACHIPC_IOC_VERSION, &arg))
		return -1;
	*v = arg;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names and rights                                                   */
/* ------------------------------------------------------------------ */

int machipc_port_allocate(int fd, __u32 right, __u32 *name)
{
	struct machipc_port_alloc arg = { .right = right };

	if (machipc_ioctl(fd, MACHIPC_IOC_PORT_ALLOCATE, &arg))
		return -1;
	*name = arg.name;
	return 0;
}

int machipc_port_allocate_name(int fd, __u32 right, __u32 name)
{
	struct machipc_port_alloc arg = { .right = right, .name = name };

	return machipc_ioctl(fd, MACHIPC_IOC_PORT_ALLOCATE_NAME, &arg);
}

int machipc_port_destroy(int fd, __u32 name)
{
	struct machipc_port_name arg = { .name = name };

	return machipc_ioctl(fd, MACHIPC_IOC_PORT_DESTROY, &arg);
}

int machipc_port_deallocate(int fd, __u32 name)
{
	struct machipc_port_name arg = { .name = name };

	return machipc_ioctl(fd, MACHIPC_IOC_PORT_DEALLOCATE, &arg);
}

int machipc_port_mod_refs(int fd, __u32 name, __u32 right, int delta)
{
	struct machipc_port_mod_refs arg = {
		.name = name,
		.right = right,
		.delta = delta,
	};

	return machipc_ioctl(fd, MACHIPC_IOC_PORT_MOD_REFS, &arg);
}

int machipc_port_insert_right(int fd, __u32 name, __u32 disposition,
			      __u32 *new_name)
{
	struct machipc_port_insert arg = {
		.name = name,
		.disposition = disposition,
	};

	if (machipc_ioctl(fd, MACHIPC_IOC_PORT_INSERT_RIGHT, &arg))
		return -1;
	if (new_name)
		*new_name = arg.new_name;
	return 0;
}

int machipc_port_insert_right_name(int fd, __u32 name, __u32 disposition,
				   __u32 new_name)
{
	struct machipc_port_insert arg = {
		.name = name,
		.disposition = disposition,
		.new_name = new_name,
		.flags = MACHIPC_INSERT_NAME,
	};

	return machipc_ioctl(fd, MACHIPC_IOC_PORT_INSERT_RIGHT, &arg);
}

int machipc_port_move_member(int fd, __u32 member, __u32 set)
{
	struct machipc_port_member arg = { .member = member, .set = set };

	return machipc_ioctl(fd, MACHIPC_IOC_PORT_MOVE_MEMBER, &arg);
}

int machipc_port_get_attributes(int fd, __u32 name,
				struct machipc_port_attr *attr)
{
	struct machipc_port_attr arg = { .name = name };

	if (machipc_ioctl(fd, MACHIPC_IOC_PORT_GET_ATTRIBUTES, &arg))
		return -1;
	*attr = arg;
	return 0;
}

int machipc_port_set_qlimit(int fd, __u32 name, __u32 qlimit)
{
	struct machipc_port_attr arg = {
		.name = name,
		.flags = MACHIPC_ATTR_QLIMIT,
		.qlimit = qlimit,
	};

	return machipc_ioctl(fd, MACHIPC_IOC_PORT_SET_ATTRIBUTES, &arg);
}

int machipc_name_info(int fd, __u32 name, struct machipc_name_info *info)
{
	struct machipc_name_info arg = { .name = name };

	if (machipc_ioctl(fd, MACHIPC_IOC_NAME_INFO, &arg))
		return -1;
	*info = arg;
	return 0;
}

/*
 * PORT_NAMES into a growing array of @esize-byte elements: @cmd is
 * MACHIPC_IOC_PORT_NAMES (the 24-byte block) or MACHIPC_IOC_PORT_NAMES_V3
 * (its first 16 bytes).
 */
static int port_names(int fd, unsigned long cmd, size_t esize, void **out,
		      size_t *count)
{
	struct machipc_port_names arg;
	void *entries = NULL, *tmp;
	size_t cap = 16;

	for (;;) {
		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		tmp = realloc(entries, cap * esize);
		if (!tmp) {
			free(entries);
			return fail(ENOMEM);
		}
		entries = tmp;

		memset(&arg, 0, sizeof(arg));
		arg.entries = (uintptr_t)entries;
		arg.capacity = (__u32)cap;
		if (machipc_ioctl(fd, cmd, &arg)) {
			int err = errno;

			free(entries);
			return fail(err);
		}
		if (arg.count <= cap)
			break;
		/* The space grew (or this was the first guess): retry. */
		cap = (size_t)arg.count + arg.count / 4 + 16;
	}

	*out = entries;
	*count = arg.count;
	return 0;
}

int machipc_port_names(int fd, struct machipc_name_info **out, size_t *count)
{
	return port_names(fd, MACHIPC_IOC_PORT_NAMES, sizeof(**out),
			  (void **)out, count);
}

/*
 * The entry points of ABI version 3, under their old symbols, for programs
 * built against it: 16-byte elements, whose last field holds the low 32
 * bits of the port id.
 */
struct machipc_name_info_v3 {
	__u32 name;
	__u32 rights;
	__u32 urefs;
	__u32 port_id;
};

int machipc_name_info_v3(int fd, __u32 name,
			 struct machipc_name_info_v3 *info)
	MACHIPC_LIB_SYMBOL(machipc_name_info);
int machipc_port_names_v3(int fd, struct machipc_name_info_v3 **out,
			  size_t *count)
	MACHIPC_LIB_SYMBOL(machipc_port_names);

int machipc_name_info_v3(int fd, __u32 name,
			 struct machipc_name_info_v3 *info)
{
	struct machipc_name_info_v3 arg = { .name = name };

	_Static_assert(sizeof(arg) == MACHIPC_NAME_INFO_V3_SIZE,
		       "version 3's struct machipc_name_info");
	if (machipc_ioctl(fd, MACHIPC_IOC_NAME_INFO_V3, &arg))
		return -1;
	*info = arg;
	return 0;
}

int machipc_port_names_v3(int fd, struct machipc_name_info_v3 **out,
			  size_t *count)
{
	return port_names(fd, MACHIPC_IOC_PORT_NAMES_V3, sizeof(**out),
			  (void **)out, count);
}

/* ------------------------------------------------------------------ */
/* Bootstrap descriptors                                              */
/* ------------------------------------------------------------------ */

int machipc_bootstrap_export(int fd, __u32 name, __u32 disposition,
			     __u32 flags)
{
	struct machipc_bootstrap arg = {
		.name = name,
		.disposition = disposition,
		.flags = flags,
	};

	if (machipc_ioctl(fd, MACHIPC_IOC_BOOTSTRAP_EXPORT, &arg))
		return -1;
	return arg.fd;
}

int machipc_bootstrap_import(int fd, int bootstrap_fd, __u32 *name)
{
	struct machipc_bootstrap arg = { .fd = bootstrap_fd };

	if (machipc_ioctl(fd, MACHIPC_IOC_BOOTSTRAP_IMPORT, &arg))
		return -1;
	*name = arg.name;
	return 0;
}

int machipc_port_request_notification(int fd, __u32 name, __u32 kind,
				      __u32 notify, __u32 disposition,
				      __u32 sync, __u32 *previous)
{
	struct machipc_notify_request arg = {
		.name = name,
		.kind = kind,
		.notify = notify,
		.disposition = disposition,
		.sync = sync,
	};

	if (machipc_ioctl(fd, MACHIPC_IOC_PORT_REQUEST_NOTIFICATION, &arg))
		return -1;
	if (previous)
		*previous = arg.previous;
	return 0;
}

__u32 machipc_notify_value(const void *msg, __u32 *value)
{
	const struct machipc_msg_header *hdr = msg;
	const struct machipc_msg_trailer *trailer = machipc_msg_trailer(msg);
	const struct machipc_notify_body *body;

	if (!(trailer->flags & MACHIPC_TRAILER_KERNEL) ||
	    hdr->id <= MACHIPC_MSGID_KERNEL_BASE ||
	    hdr->id > MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_LAST) ||
	    hdr->size < sizeof(*hdr) + sizeof(*body))
		return 0;
	body = (const void *)((const char *)msg + hdr->size - sizeof(*body));
	if (value)
		*value = body->value;
	return hdr->id - MACHIPC_MSGID_KERNEL_BASE;
}

/*
 * Programs built against version 2's header pass a 64-byte structure: this
 * entry point keeps to it (MACHIPC_IOC_ACCOUNT_V2), so that the shared
 * library does not write past their block.
 */
int machipc_account_get(int fd, struct machipc_account_info *info)
{
	memset(info, 0, _IOC_SIZE(MACHIPC_IOC_ACCOUNT_V2));
	return machipc_ioctl(fd, MACHIPC_IOC_ACCOUNT_V2, info);
}

int machipc_account_get_all(int fd, struct machipc_account_info *info)
{
	memset(info, 0, sizeof(*info));
	return machipc_ioctl(fd, MACHIPC_IOC_ACCOUNT, info);
}

int machipc_process_set_limit(int fd, __u64 limit)
{
	struct machipc_account_info info = {
		.flags = MACHIPC_ACCOUNT_SET_PROCESS_LIMIT,
		.process_limit = limit,
	};

	return machipc_ioctl(fd, MACHIPC_IOC_ACCOUNT, &info);
}

int machipc_account_set_limit(int fd, __u64 limit)
{
	struct machipc_account_info info = {
		.flags = MACHIPC_ACCOUNT_SET_LIMIT,
		.limit = limit,
	};

	return machipc_ioctl(fd, MACHIPC_IOC_ACCOUNT, &info);
}

/* ------------------------------------------------------------------ */
/* Event loops                                                        */
/* ------------------------------------------------------------------ */

int machipc_poll_fd(int fd, __u32 name, unsigned int flags)
{
	struct machipc_poll_fd arg = { .name = name, .flags = flags };

	if (machipc_ioctl(fd, MACHIPC_IOC_POLL_FD, &arg))
		return -1;
	return arg.fd;
}

int machipc_epoll_add(int epfd, int fd, __u32 name, __u32 events,
		      __u64 data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	int pfd, err;

	pfd = machipc_poll_fd(fd, name, 0);
	if (pfd < 0)
		return -1;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, pfd, &ev)) {
		err = errno;
		close(pfd);
		return fail(err);
	}
	return pfd;
}

/* ------------------------------------------------------------------ */
/* Building and reading messages                                      */
/* ------------------------------------------------------------------ */

static struct machipc_msg_header *builder_header(struct machipc_msg_builder *b)
{
	return b->buf;
}

static size_t builder_data_offset(struct machipc_msg_builder *b)
{
	return sizeof(struct machipc_msg_header) +
	       (size_t)builder_header(b)->desc_count *
	       sizeof(struct machipc_msg_desc);
}

int machipc_msg_init(struct machipc_msg_builder *b, void *buf, size_t cap,
		     __u32 remote, __u32 remote_disp,
		     __u32 local, __u32 local_disp, __u32 id)
{
	struct machipc_msg_header *hdr = buf;

	if ((uintptr_t)buf % MSG_ALIGN)
		return fail(EINVAL);
	if (remote_disp > MACHIPC_DISP_LAST || local_disp > MACHIPC_DISP_LAST)
		return fail(EINVAL);
	if (cap < sizeof(*hdr))
		return fail(EMSGSIZE);

	memset(hdr, 0, sizeof(*hdr));
	hdr->bits = MACHIPC_MSGH_BITS(remote_disp, local_disp);
	hdr->size = sizeof(*hdr);
	hdr->remote_name = remote;
	hdr->local_name = local;
	hdr->id = id;

	b->buf = buf;
	/* A message cannot exceed 4 GiB; this also keeps sizes from wrapping. */
	b->cap = cap > UINT32_MAX ? UINT32_MAX : cap;
	b->data_len = 0;
	return 0;
}

/* Append descriptor @d (before any data): EMSGSIZE when the buffer is full. */
static int builder_put_desc(struct machipc_msg_builder *b,
			    const struct machipc_msg_desc *d)
{
	struct machipc_msg_header *hdr = builder_header(b);
	size_t off = builder_data_offset(b);

	if (off + sizeof(*d) > b->cap || off + sizeof(*d) > UINT32_MAX)
		return fail(EMSGSIZE);
	memcpy((char *)b->buf + off, d, sizeof(*d));
	hdr->desc_count++;
	hdr->bits |= MACHIPC_MSGH_COMPLEX;
	hdr->size = (__u32)(off + sizeof(*d));
	return 0;
}

int machipc_msg_add_port(struct machipc_msg_builder *b, __u32 name,
			 __u32 disposition)
{
	struct machipc_msg_desc d = {
		.type = MACHIPC_DESC_PORT, .disposition = disposition,
		.name = name,
	};

	if (b->data_len || disposition == MACHIPC_DISP_NONE ||
	    disposition > MACHIPC_DISP_LAST)
		return fail(EINVAL);
	return builder_put_desc(b, &d);
}

int machipc_msg_add_fd(struct machipc_msg_builder *b, int fd,
		       unsigned int flags)
{
	struct machipc_msg_desc d = {
		.type = MACHIPC_DESC_FD, .disposition = flags,
		.name = (__u32)fd,
	};

	if (b->data_len || fd < 0 || flags & ~MACHIPC_FD_MASK)
		return fail(EINVAL);
	return builder_put_desc(b, &d);
}

int machipc_msg_add_ool(struct machipc_msg_builder *b, const void *addr,
			__u64 size)
{
	return machipc_msg_add_ool_flags(b, addr, size, 0);
}

int machipc_msg_add_ool_flags(struct machipc_msg_builder *b, const void *addr,
			      __u64 size, unsigned int flags)
{
	struct machipc_msg_desc d = {
		.type = MACHIPC_DESC_OOL, .disposition = flags,
		.address = (uintptr_t)addr, .size = size,
	};

	if (b->data_len || (flags & ~MACHIPC_OOL_MASK))
		return fail(EINVAL);
	if (size > MACHIPC_OOL_SIZE_MAX)
		return fail(E2BIG);
	return builder_put_desc(b, &d);
}

int machipc_msg_add_ool_ports(struct machipc_msg_builder *b,
			      const __u32 *names, __u32 count,
			      __u32 disposition)
{
	struct machipc_msg_desc d = {
		.type = MACHIPC_DESC_OOL_PORTS, .disposition = disposition,
		.address = (uintptr_t)names, .size = count,
	};

	if (b->data_len || disposition == MACHIPC_DISP_NONE ||
	    disposition > MACHIPC_DISP_LAST || (count && !names))
		return fail(EINVAL);
	if (count > MACHIPC_OOL_PORTS_MAX)
		return fail(E2BIG);
	return builder_put_desc(b, &d);
}

int machipc_msg_add_data(struct machipc_msg_builder *b, const void *data,
			 size_t len)
{
	struct machipc_msg_header *hdr = builder_header(b);
	size_t off = builder_data_offset(b);
	size_t avail = b->cap - off;
	size_t end, size;

	/* Overflow-safe: data_len <= avail always holds here. */
	if (len > avail - b->data_len)
		return fail(EMSGSIZE);
	end = b->data_len + len;
	if (end > SIZE_MAX - (MSG_ALIGN - 1))
		return fail(EMSGSIZE);
	size = off + align_up(end, MSG_ALIGN);
	if (size > b->cap || size > UINT32_MAX)
		return fail(EMSGSIZE);

	if (len)
		memcpy((char *)b->buf + off + b->data_len, data, len);
	memset((char *)b->buf + off + end, 0, size - off - end);
	b->data_len = end;
	hdr->size = (__u32)size;
	return 0;
}

static size_t msg_data_offset(const struct machipc_msg_header *hdr)
{
	return sizeof(*hdr) +
	       (size_t)hdr->desc_count * sizeof(struct machipc_msg_desc);
}

const struct machipc_msg_desc *machipc_msg_desc(const void *msg,
						unsigned int i)
{
	const struct machipc_msg_header *hdr = msg;
	const struct machipc_msg_desc *descs = (const void *)(hdr + 1);

	if (i >= hdr->desc_count || msg_data_offset(hdr) > hdr->size) {
		errno = EINVAL;
		return NULL;
	}
	return &descs[i];
}

unsigned int machipc_msg_ool_count(const void *msg)
{
	const struct machipc_msg_header *hdr = msg;
	const struct machipc_msg_desc *descs = (const void *)(hdr + 1);
	unsigned int i, n = 0;

	if (msg_data_offset(hdr) > hdr->size)
		return 0;
	for (i = 0; i < hdr->desc_count; i++)
		if (descs[i].type == MACHIPC_DESC_OOL)
			n++;
	return n;
}

const struct machipc_msg_desc *machipc_msg_ool(const void *msg,
					       unsigned int k)
{
	const struct machipc_msg_header *hdr = msg;
	const struct machipc_msg_desc *descs = (const void *)(hdr + 1);
	unsigned int i;

	if (msg_data_offset(hdr) <= hdr->size) {
		for (i = 0; i < hdr->desc_count; i++) {
			if (descs[i].type != MACHIPC_DESC_OOL)
				continue;
			if (!k--)
				return &descs[i];
		}
	}
	errno = EINVAL;
	return NULL;
}

int machipc_msg_ool_data(const void *msg, unsigned int k, const void **data,
			 __u64 *size)
{
	const struct machipc_msg_desc *desc = machipc_msg_ool(msg, k);

	if (!desc)
		return -1;
	*data = (const void *)(uintptr_t)desc->address;
	*size = desc->size;
	return 0;
}

const void *machipc_msg_data(const void *msg, size_t *len)
{
	const struct machipc_msg_header *hdr = msg;
	size_t off = msg_data_offset(hdr);

	if (off > hdr->size) {
		if (len)
			*len = 0;
		errno = EINVAL;
		return NULL;
	}
	if (len)
		*len = hdr->size - off;
	return (const char *)msg + off;
}

const struct machipc_msg_trailer *machipc_msg_trailer(const void *msg)
{
	const struct machipc_msg_header *hdr = msg;

	return (const void *)((const char *)msg + hdr->size);
}

/* ------------------------------------------------------------------ */
/* Sending and receiving                                              */
/* ------------------------------------------------------------------ */

int machipc_deadline_in(struct timespec *ts, long ms)
{
	if (clock_gettime(CLOCK_MONOTONIC, ts))
		return -1;
	if (ms <= 0)
		return 0;
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * NSEC_PER_MSEC;
	if (ts->tv_nsec >= NSEC_PER_SEC) {
		ts->tv_sec++;
		ts->tv_nsec -= NSEC_PER_SEC;
	}
	return 0;
}

__s64 machipc_timespec_to_ns(const struct timespec *ts)
{
	if (ts->tv_sec >= INT64_MAX / NSEC_PER_SEC)
		return INT64_MAX;
	if (ts->tv_sec <= INT64_MIN / NSEC_PER_SEC)
		return INT64_MIN;
	return (__s64)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static int deadline_valid(const struct timespec *ts)
{
	return !ts || (ts->tv_nsec >= 0 && ts->tv_nsec < NSEC_PER_SEC);
}

int machipc_msg_args_init(struct machipc_msg_args *args,
			  const void *send_msg, __u32 rcv_name,
			  void *rcv_buf, size_t rcv_size,
			  const struct timespec *send_deadline,
			  const struct timespec *rcv_deadline)
{
	memset(args, 0, sizeof(*args));
	if ((!send_msg && !rcv_buf) ||
	    !deadline_valid(send_deadline) || !deadline_valid(rcv_deadline))
		return fail(EINVAL);

	if (send_msg) {
		args->flags |= MACHIPC_MSG_SEND;
		args->send_msg = (uintptr_t)send_msg;
		args->send_size = machipc_msg_header(send_msg)->size;
		if (send_deadline) {
			args->flags |= MACHIPC_MSG_SEND_TIMEOUT;
			args->send_deadline =
				machipc_timespec_to_ns(send_deadline);
		}
	}
	if (rcv_buf) {
		args->flags |= MACHIPC_MSG_RECEIVE;
		args->rcv_name = rcv_name;
		args->rcv_buf = (uintptr_t)rcv_buf;
		args->rcv_size = rcv_size > UINT32_MAX ? UINT32_MAX : (__u32)rcv_size;
		if (rcv_deadline) {
			args->flags |= MACHIPC_MSG_RCV_TIMEOUT;
			args->rcv_deadline =
				machipc_timespec_to_ns(rcv_deadline);
		}
	}
	return 0;
}

int machipc_msg(int fd, struct machipc_msg_args *args)
{
	return machipc_ioctl(fd, MACHIPC_IOC_MSG, args);
}

int machipc_send(int fd, const void *msg, const struct timespec *deadline)
{
	struct machipc_msg_args args;

	if (machipc_msg_args_init(&args, msg, 0, NULL, 0, deadline, NULL))
		return -1;
	return machipc_msg(fd, &args);
}

/* Reports the received (or, on EMSGSIZE, needed) size back to the caller. */
static int msg_with_reply(int fd, struct machipc_msg_args *args, size_t *size)
{
	int ret = machipc_msg(fd, args);

	if (!ret || errno == EMSGSIZE)
		*size = args->rcv_size;
	return ret;
}

int machipc_receive(int fd, __u32 name, void *buf, size_t *size,
		    const struct timespec *deadline)
{
	struct machipc_msg_args args;

	if (machipc_msg_args_init(&args, NULL, name, buf, *size,
				  NULL, deadline))
		return -1;
	return msg_with_reply(fd, &args, size);
}

int machipc_receive_files(int fd, __u32 name, void *buf, size_t *size,
			  const struct timespec *deadline)
{
	struct machipc_msg_args args;

	if (machipc_msg_args_init(&args, NULL, name, buf, *size,
				  NULL, deadline))
		return -1;
	args.flags |= MACHIPC_MSG_RCV_FILES;
	return msg_with_reply(fd, &args, size);
}

int machipc_msg_args_set_ool(struct machipc_msg_args *args,
			     struct machipc_ool_buf *ool, unsigned int count)
{
	if (!(args->flags & MACHIPC_MSG_RECEIVE))
		return fail(EINVAL);
	args->rcv_ool = (uintptr_t)ool;
	args->rcv_ool_count = count;
	return 0;
}

int machipc_receive_ool(int fd, __u32 name, void *buf, size_t *size,
			struct machipc_ool_buf *ool, unsigned int *ool_count,
			const struct timespec *deadline)
{
	struct machipc_msg_args args;
	int ret;

	if (machipc_msg_args_init(&args, NULL, name, buf, *size,
				  NULL, deadline))
		return -1;
	args.rcv_ool = (uintptr_t)ool;
	args.rcv_ool_count = *ool_count;
	ret = msg_with_reply(fd, &args, size);
	if (!ret || errno == EMSGSIZE)
		*ool_count = args.rcv_ool_count;
	return ret;
}

int machipc_receive_ool_alloc(int fd, __u32 name, void *buf, size_t *size,
			      unsigned int *ool_count,
			      const struct timespec *deadline)
{
	struct machipc_msg_args args;
	int ret;

	if (machipc_msg_args_init(&args, NULL, name, buf, *size,
				  NULL, deadline))
		return -1;
	args.flags |= MACHIPC_MSG_RCV_OOL_ALLOC;
	ret = msg_with_reply(fd, &args, size);
	if (ool_count && (!ret || errno == EMSGSIZE))
		*ool_count = args.rcv_ool_count;
	return ret;
}

int machipc_rpc(int fd, const void *msg, __u32 rcv_name, void *buf,
		size_t *size, const struct timespec *send_deadline,
		const struct timespec *rcv_deadline)
{
	struct machipc_msg_args args;

	if (!msg || !buf)
		return fail(EINVAL);
	if (machipc_msg_args_init(&args, msg, rcv_name, buf, *size,
				  send_deadline, rcv_deadline))
		return -1;
	return msg_with_reply(fd, &args, size);
}

/* ------------------------------------------------------------------ */
/* Diagnostics                                                        */
/* ------------------------------------------------------------------ */

const char *machipc_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case EBADFD:
		return "space belongs to another process or is destroyed";
	case ENOTTY:
		return "not a machipc space, or command unknown to this module";
	case EFAULT:
		return "argument or buffer address not accessible";
	case EINVAL:
		return "malformed argument (flag, reserved field, right, disposition, layout)";
	case ENOENT:
		return "name not in space";
	case EACCES:
		return "name lacks the needed right";
	case EPIPE:
		return "dead name or port died";
	case EOVERFLOW:
		return "user-reference count out of range";
	case EBUSY:
		return "port is in a port set; receive from the set";
	case ETIMEDOUT:
		return "deadline passed";
	case EMSGSIZE:
		return "receive buffer too small; message left queued";
	case E2BIG:
		return "message larger than max_inline, or out-of-line region over 4 GiB";
	case ENOMEM:
		return "kernel out of memory";
	case ENOBUFS:
		return "space account over its limit";
	case EINTR:
		return "interrupted by a signal before the commit point";
	case EBADF:
		return "bad space, bootstrap descriptor, or file in a message";
	case EMFILE:
		return "no free descriptor (bootstrap, readiness, or the files of a message; it stays queued)";
	case ELOOP:
		return "a file that could close a reference cycle (machipc's own, a UNIX socket, an io_uring) may not travel in a message";
	case EPROTO: {
		static __thread char msg[160];

		snprintf(msg, sizeof(msg),
			 "the loaded machipc module has ABI version %u, older than this library's %u: load a newer module (or rebuild the program against the module's header)",
			 abi_seen, (unsigned int)MACHIPC_ABI_VERSION);
		return msg;
	}
	default:
		return strerror(err);
	}
}

const char *machipc_errno_name(int err)
{
	switch (err) {
	case 0:		return "0";
	case EBADFD:	return "EBADFD";
	case ENOTTY:	return "ENOTTY";
	case EFAULT:	return "EFAULT";
	case EINVAL:	return "EINVAL";
	case ENOENT:	return "ENOENT";
	case EACCES:	return "EACCES";
	case EPIPE:	return "EPIPE";
	case EOVERFLOW:	return "EOVERFLOW";
	case EBUSY:	return "EBUSY";
	case ETIMEDOUT:	return "ETIMEDOUT";
	case EMSGSIZE:	return "EMSGSIZE";
	case E2BIG:	return "E2BIG";
	case ENOMEM:	return "ENOMEM";
	case ENOBUFS:	return "ENOBUFS";
	case EINTR:	return "EINTR";
	case EBADF:	return "EBADF";
	case EMFILE:	return "EMFILE";
	case ENXIO:	return "ENXIO";
	case ENODEV:	return "ENODEV";
	case EPERM:	return "EPERM";
	case ENOSPC:	return "ENOSPC";
	case EEXIST:	return "EEXIST";
	case ENOTUNIQ:	return "ENOTUNIQ";
	case EAGAIN:	return "EAGAIN";
	case ETOOMANYREFS: return "ETOOMANYREFS";
	case ENFILE:	return "ENFILE";
	case ELOOP:	return "ELOOP";
	default:	return NULL;
	}
}

const char *machipc_right_string(__u32 rights, char *buf, size_t len)
{
	/* Receive first: a port's name reads "receive|send" as in Mach. */
	static const struct {
		__u32 bit;
		const char *name;
	} table[] = {
		{ MACHIPC_RIGHT_RECEIVE, "receive" },
		{ MACHIPC_RIGHT_SEND, "send" },
		{ MACHIPC_RIGHT_SEND_ONCE, "send-once" },
		{ MACHIPC_RIGHT_PORT_SET, "port-set" },
		{ MACHIPC_RIGHT_DEAD_NAME, "dead-name" },
	};
	size_t i, used = 0;
	int n;

	if (!len)
		return buf;
	snprintf(buf, len, "none");
	for (i = 0; i < ARRAY_SIZE(table) && used < len; i++) {
		if (!(rights & table[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s",
			     used ? "|" : "", table[i].name);
		if (n < 0)
			return buf;
		used += (size_t)n;
	}
	if ((rights & ~MACHIPC_RIGHT_MASK) && used < len)
		snprintf(buf + used, len - used, "%s0x%x", used ? "|" : "",
			 rights & ~MACHIPC_RIGHT_MASK);
	return buf;
}

const char *machipc_disp_string(__u32 disp)
{
	switch (disp) {
	case MACHIPC_DISP_NONE:
		return "none";
	case MACHIPC_DISP_MOVE_RECEIVE:
		return "move-receive";
	case MACHIPC_DISP_MOVE_SEND:
		return "move-send";
	case MACHIPC_DISP_MOVE_SEND_ONCE:
		return "move-send-once";
	case MACHIPC_DISP_COPY_SEND:
		return "copy-send";
	case MACHIPC_DISP_MAKE_SEND:
		return "make-send";
	case MACHIPC_DISP_MAKE_SEND_ONCE:
		return "make-send-once";
	default:
		return "unknown";
	}
}
