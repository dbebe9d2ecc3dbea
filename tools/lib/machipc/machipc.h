/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachipc: plain C wrappers around the machipc ioctls.
 *
 * DOC: libmachipc
 *
 * Every function that talks to the kernel returns 0 (or a new descriptor)
 * on success and -1 with errno set on failure, like libc.  The errno values
 * are the ones listed at the top of <linux/machipc.h>; machipc_strerror()
 * explains them in machipc terms.  A failed call changes nothing in the
 * space.
 *
 * A space descriptor is usable only by the process that opened it: after
 * fork() the child must call machipc_open() for its own space (the
 * inherited descriptor gives EBADFD there).  The first right reaches
 * another process through a bootstrap descriptor
 * (machipc_bootstrap_export() / machipc_bootstrap_import()).
 *
 * Messages are built in a caller buffer with struct machipc_msg_builder:
 * header, then port and out-of-line descriptors, then inline data, the
 * size kept a multiple of 8.  Message and receive buffers must be 8-byte aligned
 * (e.g. arrays of __u64 or malloc() memory).  A receive buffer must also
 * hold the trailer the kernel appends: see MACHIPC_RCV_SPACE().
 *
 * Deadlines are absolute CLOCK_MONOTONIC times (struct timespec); NULL
 * means "block without limit" and a time already past means "do not
 * block".  machipc_deadline_in() makes one.
 *
 * The library keeps no global state and is thread-safe as far as the
 * kernel is: all threads of the owning process may share one space.
 */
#ifndef MACHIPC_H
#define MACHIPC_H

#include <stddef.h>
#include <time.h>
#include <linux/machipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Path of the device; the environment variable MACHIPC_DEVICE overrides. */
#define MACHIPC_DEVICE_PATH	"/dev/machipc"

/**
 * MACHIPC_RCV_SPACE() - receive buffer size for a message of a given size
 * @msg_size: the largest message (header.size) the caller expects.
 *
 * The kernel writes the message followed by a struct machipc_msg_trailer.
 */
#define MACHIPC_RCV_SPACE(msg_size) \
	((size_t)(msg_size) + sizeof(struct machipc_msg_trailer))

/* ------------------------------------------------------------------ */
/* Spaces                                                             */
/* ------------------------------------------------------------------ */

/**
 * machipc_open() - create an IPC space
 *
 * Opens the machipc device (``/dev/machipc``, or the path in the
 * environment variable ``MACHIPC_DEVICE`` when not running set-uid)
 * read-write and close-on-exec.  Every open is a new, empty space owned by
 * the calling process.  It then checks the module's ABI version: a module
 * older than the header the library was built with (%MACHIPC_ABI_VERSION)
 * is refused, and machipc_strerror(EPROTO) names both versions.  Newer
 * modules are accepted: the ABI only grows.
 *
 * Return: the space descriptor, or -1 with errno set as by open(2)
 * (ENOENT/ENXIO/ENODEV when the module is not loaded), ENOTTY (the path is
 * not a machipc device), or EPROTO (the module's ABI is older than the
 * library's).
 */
int machipc_open(void);

/**
 * machipc_close() - close a space descriptor
 * @fd: the space.
 *
 * Closing the owner's last descriptor destroys the space and all its
 * rights, even if another process still holds the open file.
 *
 * Return: 0, or -1 with errno set as by close(2).
 */
int machipc_close(int fd);

/**
 * machipc_abi_version() - query the module's ABI version and limits
 * @fd: the space.
 * @v: out: abi_version (compare with %MACHIPC_ABI_VERSION), max_inline
 *	(the largest message the module accepts), chunk_pages (the most
 *	pages one out-of-line transfer pins at once) and cost_copy (what a
 *	receive with out-of-line buffers charges the receiver).
 *
 * Return: 0, or -1 with errno: EBADFD (not the owner's space), EFAULT.
 */
int machipc_abi_version(int fd, struct machipc_version *v);

/* ------------------------------------------------------------------ */
/* Names and rights                                                   */
/* ------------------------------------------------------------------ */

/**
 * machipc_port_allocate() - allocate a new right
 * @fd: the space.
 * @right: %MACHIPC_RIGHT_RECEIVE (a new port), %MACHIPC_RIGHT_PORT_SET
 *	(an empty port set) or %MACHIPC_RIGHT_DEAD_NAME (one user reference).
 * @name: out: the new name.
 *
 * Return: 0, or -1 with errno: EINVAL (bad @right), ENOMEM, ENOBUFS
 * (account limit), EBADFD.
 */
int machipc_port_allocate(int fd, __u32 right, __u32 *name);

/**
 * machipc_port_allocate_name() - allocate a new right under a chosen name
 * @fd: the space.
 * @right: as for machipc_port_allocate().
 * @name: the name: neither %MACHIPC_NAME_NULL nor %MACHIPC_NAME_DEAD.
 *
 * Return: 0, or -1 with errno: EEXIST (@name is in use), EINVAL, ENOMEM,
 * ENOBUFS, EBADFD; ENOTTY from a module older than ABI 3.
 */
int machipc_port_allocate_name(int fd, __u32 right, __u32 name);

/**
 * machipc_port_destroy() - destroy a name and every right it denotes
 * @fd: the space.
 * @name: the name.  Destroying a receive right kills the port.
 *
 * Return: 0, or -1 with errno: ENOENT (not in the space), EBADFD.
 */
int machipc_port_destroy(int fd, __u32 name);

/**
 * machipc_port_deallocate() - drop one user reference
 * @fd: the space.
 * @name: a name denoting a send, send-once or dead-name right.
 *
 * Return: 0, or -1 with errno: ENOENT, EACCES (e.g. only a receive right
 * or a port set), EBADFD.
 */
int machipc_port_deallocate(int fd, __u32 name);

/**
 * machipc_port_mod_refs() - change the user references of a right
 * @fd: the space.
 * @name: the name.
 * @right: exactly one %MACHIPC_RIGHT_* bit.
 * @delta: change of references; only -1 and 0 for receive, send-once and
 *	port-set rights.
 *
 * Return: 0, or -1 with errno: ENOENT, EACCES (the name lacks @right),
 * EINVAL (bad @right or @delta), EOVERFLOW (count would pass
 * %MACHIPC_UREFS_MAX or go below zero), EBADFD.
 */
int machipc_port_mod_refs(int fd, __u32 name, __u32 right, int delta);

/**
 * machipc_port_insert_right() - make a send or send-once right
 * @fd: the space.
 * @name: a name denoting a receive right.
 * @disposition: %MACHIPC_DISP_MAKE_SEND (adds a send reference under
 *	@name) or %MACHIPC_DISP_MAKE_SEND_ONCE (a new name).
 * @new_name: out: the name of the new right (may be NULL).
 *
 * Return: 0, or -1 with errno: ENOENT, EACCES (no receive right), EINVAL,
 * EOVERFLOW, ENOMEM, ENOBUFS, EBADFD.
 */
int machipc_port_insert_right(int fd, __u32 name, __u32 disposition,
			      __u32 *new_name);

/**
 * machipc_port_insert_right_name() - machipc_port_insert_right() under a
 *	name of the caller's choosing
 * @fd: the space.
 * @name: a name denoting a receive right.
 * @disposition: %MACHIPC_DISP_MAKE_SEND_ONCE (a new right under
 *	@new_name) or %MACHIPC_DISP_MAKE_SEND (then @new_name must be @name).
 * @new_name: the name: neither %MACHIPC_NAME_NULL nor %MACHIPC_NAME_DEAD.
 *
 * Return: 0, or -1 with errno: as machipc_port_insert_right(), and EEXIST
 * (@new_name in use), ENOTUNIQ (a send right under another name than the
 * receive right's); EINVAL from a module older than ABI 3.
 */
int machipc_port_insert_right_name(int fd, __u32 name, __u32 disposition,
				   __u32 new_name);

/**
 * machipc_port_move_member() - move a port into or out of a port set
 * @fd: the space.
 * @member: a name denoting a receive right.
 * @set: a port-set name, or %MACHIPC_NAME_NULL to leave any set.
 *
 * Return: 0, or -1 with errno: ENOENT, EACCES (@member is no receive
 * right or @set no port set), EBADFD.
 */
int machipc_port_move_member(int fd, __u32 member, __u32 set);

/**
 * machipc_port_get_attributes() - read a port's status
 * @fd: the space.
 * @name: a name denoting a receive right.
 * @attr: out: qlimit, msgcount, seqno, mscount, srights, sorights, pset.
 *
 * Return: 0, or -1 with errno: ENOENT, EACCES, EBADFD.
 */
int machipc_port_get_attributes(int fd, __u32 name,
				struct machipc_port_attr *attr);

/**
 * machipc_port_set_qlimit() - set a port's queue limit
 * @fd: the space.
 * @name: a name denoting a receive right.
 * @qlimit: 1 to %MACHIPC_QLIMIT_MAX messages.
 *
 * Return: 0, or -1 with errno: ENOENT, EACCES, EINVAL (@qlimit out of
 * range), EBADFD.
 */
int machipc_port_set_qlimit(int fd, __u32 name, __u32 qlimit);

/*
 * Since ABI version 4, struct machipc_name_info is 32 bytes (64-bit port
 * ids).  Programs built against this header call machipc_name_info() and
 * machipc_port_names() under the symbols machipc_name_info_v4 and
 * machipc_port_names_v4; programs built against version 3 keep calling the
 * symbols machipc_name_info and machipc_port_names, which still fill
 * version 3's 16-byte elements (the id's low 32 bits in port_id_low).
 */
#define MACHIPC_LIB_SYMBOL(sym)	__asm__(#sym)

/**
 * machipc_name_info() - which rights a name denotes
 * @fd: the space.
 * @name: the name.
 * @info: out: @info->name = @name, rights (%MACHIPC_RIGHT_* bits), urefs,
 *	port_id (the port's 64-bit id, 0 for a dead name or a port set) and
 *	port_id_low (its low 32 bits).
 *
 * Return: 0, or -1 with errno: ENOENT, EBADFD.
 */
int machipc_name_info(int fd, __u32 name, struct machipc_name_info *info)
	MACHIPC_LIB_SYMBOL(machipc_name_info_v4);

/**
 * machipc_port_names() - list every name of the space
 * @fd: the space.
 * @out: out: a malloc()ed array, in increasing name order, each element
 *	as machipc_name_info() fills it; free() it.
 * @count: out: elements in *@out.
 *
 * Retries with a larger array while the space grows between calls.
 *
 * Return: 0, or -1 with errno: ENOMEM, EBADFD.
 */
int machipc_port_names(int fd, struct machipc_name_info **out, size_t *count)
	MACHIPC_LIB_SYMBOL(machipc_port_names_v4);

/* ------------------------------------------------------------------ */
/* Bootstrap descriptors                                              */
/* ------------------------------------------------------------------ */

/**
 * machipc_bootstrap_export() - turn a send right into a file descriptor
 * @fd: the space.
 * @name: the name to take the right from.
 * @disposition: %MACHIPC_DISP_MAKE_SEND (from a receive right),
 *	%MACHIPC_DISP_COPY_SEND or %MACHIPC_DISP_MOVE_SEND.
 * @flags: 0 or %MACHIPC_BOOTSTRAP_CLOEXEC.
 *
 * The descriptor holds one send right.  It can be inherited across fork()
 * and exec() (without %MACHIPC_BOOTSTRAP_CLOEXEC) or passed with
 * SCM_RIGHTS, and imported any number of times.
 *
 * Return: the new descriptor, or -1 with errno: ENOENT, EACCES, EPIPE
 * (dead name), EINVAL, EMFILE, ENFILE, ENOMEM, ENOBUFS (the process's
 * account pays for the descriptor), EBADFD.
 */
int machipc_bootstrap_export(int fd, __u32 name, __u32 disposition,
			     __u32 flags);

/**
 * machipc_bootstrap_import() - insert a bootstrap descriptor's right
 * @fd: the space that receives the right (the ioctl is made on it).
 * @bootstrap_fd: a descriptor from machipc_bootstrap_export(); it keeps
 *	its right and may be imported again.
 * @name: out: the name of the send right in @fd's space.
 *
 * Note the order: the space first, like every other function here.
 *
 * Return: 0, or -1 with errno: EBADF (@bootstrap_fd is not open), EINVAL
 * (@bootstrap_fd is not a machipc send-right descriptor), EPIPE (its port
 * died), EOVERFLOW, ENOMEM, ENOBUFS, EBADFD.
 */
int machipc_bootstrap_import(int fd, int bootstrap_fd, __u32 *name);

/**
 * machipc_port_request_notification() - request or cancel a notification
 * @fd: the space.
 * @name: the name the request is about: a receive right for
 *	%MACHIPC_NOTIFY_NO_SENDERS and %MACHIPC_NOTIFY_PORT_DESTROYED, a send
 *	or send-once right for %MACHIPC_NOTIFY_DEAD_NAME.
 * @kind: %MACHIPC_NOTIFY_NO_SENDERS, _DEAD_NAME or _PORT_DESTROYED.
 * @notify: the receive right (with %MACHIPC_DISP_MAKE_SEND_ONCE) or
 *	send-once right (with %MACHIPC_DISP_MOVE_SEND_ONCE) the notification
 *	will be sent to; %MACHIPC_NAME_NULL (and @disposition 0) cancels.
 * @disposition: see @notify.
 * @sync: no-senders: fire at once if there are no send rights now and the
 *	make-send count is at least @sync; 0 for the other kinds.
 * @previous: out (may be NULL only if no request can exist): the
 *	send-once right of the replaced or cancelled request, or 0.
 *
 * The notification arrives as a kernel message with id
 * %MACHIPC_MSGID_NOTIFY(@kind) and a struct machipc_notify_body as its
 * data; read it with machipc_notify_value().
 *
 * Return: 0, or -1 with errno: ENOENT, EACCES (@name or @notify lacks the
 * right), EPIPE (dead name), EINVAL, ENOMEM, EBADFD.
 */
int machipc_port_request_notification(int fd, __u32 name, __u32 kind,
				      __u32 notify, __u32 disposition,
				      __u32 sync, __u32 *previous);

/**
 * machipc_notify_value() - the value a notification message carries
 * @msg: a received message.
 * @value: out: the make-send count (no-senders) or dead name (dead-name).
 *
 * Return: the notification kind (%MACHIPC_NOTIFY_*), or 0 if @msg is not
 * a kernel notification (its trailer lacks %MACHIPC_TRAILER_KERNEL).
 */
__u32 machipc_notify_value(const void *msg, __u32 *value);

/**
 * machipc_account_get() - read the space's account
 * @fd: the space.
 * @info: out: usage, limit, high-water mark, failures and the cost of each
 *	kind of object (see Documentation/accounting.rst): the fields of ABI
 *	version 2, up to cost_ool; the rest of @info is left alone.
 *
 * Return: 0, or -1 with errno: EFAULT, EBADFD.
 */
int machipc_account_get(int fd, struct machipc_account_info *info);

/**
 * machipc_account_get_all() - read the space's and the process's accounts
 * @fd: the space.
 * @info: out: all of struct machipc_account_info (ABI version 3).
 *
 * Return: 0, or -1 with errno: EFAULT, EBADFD.
 */
int machipc_account_get_all(int fd, struct machipc_account_info *info);

/**
 * machipc_process_set_limit() - set the calling process's account limit
 * @fd: any space of the process.
 * @limit: bytes, as for machipc_account_set_limit(); it bounds all the
 *	process's spaces together.
 *
 * Return: 0, or -1 with errno: EPERM, EBADFD.
 */
int machipc_process_set_limit(int fd, __u64 limit);

/**
 * machipc_account_set_limit() - set the space's account limit
 * @fd: the space.
 * @limit: bytes; lowering is always allowed, raising above the module's
 *	default needs CAP_SYS_RESOURCE.
 *
 * Return: 0, or -1 with errno: EPERM, EBADFD.
 */
int machipc_account_set_limit(int fd, __u64 limit);

/* ------------------------------------------------------------------ */
/* Event loops: readiness descriptors                                 */
/* ------------------------------------------------------------------ */

/**
 * machipc_poll_fd() - a descriptor poll, select and epoll can wait on
 * @fd: the space.
 * @name: a receive right or a port set of the space.
 * @flags: 0, or %MACHIPC_POLL_FD_INHERIT to keep it across execve()
 *	(it is close-on-exec by default).
 *
 * The descriptor is readable (EPOLLIN, level-triggered) while a message
 * can be received from @name, and hung up (EPOLLHUP) for ever once the
 * port died, its receive right left the space, or the set was destroyed.
 * It only reports readiness: receive with machipc_receive() and a deadline
 * already past (machipc_deadline_in(&ts, 0)), which never blocks.  Close
 * it with close(2); it never keeps the port alive.
 *
 * Return: the new descriptor, or -1 with errno: ENOENT, EACCES (not a
 * receive right or a port set), EINVAL (unknown flags), EMFILE, ENFILE,
 * ENOMEM, EBADFD.
 */
int machipc_poll_fd(int fd, __u32 name, unsigned int flags);

/**
 * machipc_epoll_add() - watch a receive right or port set in an epoll set
 * @epfd: the epoll instance.
 * @fd: the space.
 * @name: a receive right or a port set of the space.
 * @events: epoll events (EPOLLIN, optionally EPOLLET, EPOLLONESHOT,
 *	EPOLLEXCLUSIVE); EPOLLHUP is always reported.
 * @data: the epoll_event.data.u64 returned with the events.
 *
 * Creates a readiness descriptor with machipc_poll_fd() and adds it.
 *
 * Return: the readiness descriptor (close it, which also removes it from
 * the epoll set, when done), or -1 with errno as machipc_poll_fd() or
 * epoll_ctl(2); nothing is left open on failure.
 */
int machipc_epoll_add(int epfd, int fd, __u32 name, __u32 events,
		      __u64 data);

/* ------------------------------------------------------------------ */
/* Building and reading messages                                      */
/* ------------------------------------------------------------------ */

/**
 * struct machipc_msg_builder - state of a message being built
 * @buf: the caller's buffer; the message starts here.
 * @cap: bytes of @buf.
 * @data_len: inline data bytes added so far, before padding.
 *
 * The message in @buf is complete after every successful call, so it can
 * be sent at any point.  Fields are for the library; read the message
 * through the header instead.
 */
struct machipc_msg_builder {
	void *buf;
	size_t cap;
	size_t data_len;
};

/**
 * machipc_msg_init() - start a message in a caller buffer
 * @b: the builder to initialise.
 * @buf: an 8-byte aligned buffer.
 * @cap: its size, at least sizeof(struct machipc_msg_header).
 * @remote: the destination name.
 * @remote_disp: its disposition: %MACHIPC_DISP_COPY_SEND,
 *	%MACHIPC_DISP_MOVE_SEND, %MACHIPC_DISP_MOVE_SEND_ONCE,
 *	%MACHIPC_DISP_MAKE_SEND or %MACHIPC_DISP_MAKE_SEND_ONCE.
 * @local: the reply right to pass, or 0.
 * @local_disp: its disposition (e.g. %MACHIPC_DISP_MAKE_SEND_ONCE), or
 *	%MACHIPC_DISP_NONE with @local 0.
 * @id: the message id.
 *
 * Writes a header with no descriptors and no data.  The kernel checks the
 * dispositions; the library only checks that they are known values.
 *
 * Return: 0, or -1 with errno: EINVAL (misaligned @buf, unknown
 * disposition), EMSGSIZE (@cap too small).
 */
int machipc_msg_init(struct machipc_msg_builder *b, void *buf, size_t cap,
		     __u32 remote, __u32 remote_disp,
		     __u32 local, __u32 local_disp, __u32 id);

/**
 * machipc_msg_add_port() - append a port descriptor
 * @b: the builder.
 * @name: the name in the sender's space.
 * @disposition: any %MACHIPC_DISP_* but NONE.
 *
 * Sets %MACHIPC_MSGH_COMPLEX.  Descriptors precede inline data, so all
 * ports and out-of-line regions must be added before any data.
 *
 * Return: 0, or -1 with errno: EINVAL (data already added, bad
 * disposition), EMSGSIZE (buffer full).
 */
int machipc_msg_add_port(struct machipc_msg_builder *b, __u32 name,
			 __u32 disposition);

/**
 * machipc_msg_add_fd() - append an open file
 * @b: the builder.
 * @fd: a descriptor of the caller; its open file travels (same access
 *	mode), and the receiver finds its own new descriptor number in the
 *	received descriptor's name (as an int; negative: an errno, the file
 *	could not be installed).
 * @flags: 0 (the receiver's descriptor is close-on-exec) or
 *	%MACHIPC_FD_INHERIT.
 *
 * At most %MACHIPC_FD_MAX per message, and not with out-of-line data.
 * Files that could close a reference cycle -- machipc's own descriptors
 * (spaces, bootstrap and readiness descriptors), AF_UNIX sockets (a
 * socketpair() too) and io_uring instances -- are refused by the send with
 * ELOOP; a descriptor not open (or O_PATH) with EBADF (needs ABI 4).
 * The send takes its own reference: close @fd afterwards if it is no
 * longer needed here.
 *
 * Return: 0, or -1 with errno: EINVAL (data already added, negative @fd,
 * unknown flags), EMSGSIZE (buffer full).
 */
int machipc_msg_add_fd(struct machipc_msg_builder *b, int fd,
		       unsigned int flags);

/**
 * machipc_msg_add_ool() - append an out-of-line data descriptor
 * @b: the builder.
 * @addr: start of the data in the caller's memory, any alignment (ignored
 *	by the kernel when @size is 0).
 * @size: bytes, 0 to %MACHIPC_OOL_SIZE_MAX.
 *
 * Sets %MACHIPC_MSGH_COMPLEX.  Port and out-of-line descriptors may be
 * mixed in any order; all must be added before any data.  The data is not
 * copied now: the receiver copies it from the sender's pages when it
 * receives the message, so machipc_send() of a message with at least one
 * out-of-line descriptor (even of size 0) blocks until a receiver took it
 * and the memory must stay mapped and readable until then.  A message
 * carries at most %MACHIPC_OOL_MAX of them (the kernel checks).
 *
 * Return: 0, or -1 with errno: EINVAL (data already added), E2BIG (@size
 * over %MACHIPC_OOL_SIZE_MAX), EMSGSIZE (buffer full).
 */
int machipc_msg_add_ool(struct machipc_msg_builder *b, const void *addr,
			__u64 size);

/**
 * machipc_msg_add_ool_ports() - append a port array (ABI 5)
 * @b: the builder.
 * @names: @count names of the caller's space; %MACHIPC_NAME_NULL and
 *	%MACHIPC_NAME_DEAD entries pass as they are.  Read by the send.
 * @count: 0 to %MACHIPC_OOL_PORTS_MAX (in all the arrays of a message).
 * @disposition: %MACHIPC_DISP_* for every right of the array.
 *
 * The receiver finds the names of its own space, in order, at the received
 * descriptor's ``address`` (in its receive buffer, after the trailer;
 * ``size`` is the count), and needs a receive buffer that much larger.
 *
 * Return: 0, or -1 with errno: EINVAL (data already added, a bad
 * disposition, NULL @names), E2BIG (@count over the limit), EMSGSIZE
 * (buffer full).
 */
int machipc_msg_add_ool_ports(struct machipc_msg_builder *b,
			      const __u32 *names, __u32 count,
			      __u32 disposition);

/**
 * machipc_msg_add_ool_flags() - append an out-of-line data descriptor with
 *	options (ABI 5)
 * @b: the builder.
 * @addr: as for machipc_msg_add_ool().
 * @size: as for machipc_msg_add_ool().
 * @flags: 0 (machipc_msg_add_ool()), or %MACHIPC_OOL_CAPTURE and/or
 *	%MACHIPC_OOL_DEALLOCATE.
 *
 * %MACHIPC_OOL_CAPTURE: the send copies the data into kernel memory,
 * charged to the space's account until the message is received or
 * destroyed, and returns as soon as the message is queued, as a Mach
 * send does: the memory may change or go at once, the receiver gets it as
 * it was.  ENOBUFS when the account cannot hold it.  Every out-of-line
 * descriptor of a message must have it, or none (EINVAL from the send).
 * %MACHIPC_OOL_DEALLOCATE: once the send succeeded, the pages holding the
 * region are unmapped from the caller (Mach's ``deallocate``).
 *
 * Return: 0, or -1 with errno as for machipc_msg_add_ool(); EINVAL for
 * unknown @flags.
 */
int machipc_msg_add_ool_flags(struct machipc_msg_builder *b, const void *addr,
			      __u64 size, unsigned int flags);

/**
 * machipc_msg_add_data() - append inline data
 * @b: the builder.
 * @data: the bytes.
 * @len: their number; may be 0.
 *
 * Successive calls concatenate.  The message is zero-padded to a multiple
 * of 8 bytes; the receiver sees the padding as part of the data, so a
 * protocol that needs the exact length must carry it.
 *
 * Return: 0, or -1 with errno: EMSGSIZE (buffer full).
 */
int machipc_msg_add_data(struct machipc_msg_builder *b, const void *data,
			 size_t len);

/**
 * machipc_msg_header() - the header of a message
 * @msg: an 8-byte aligned message.
 */
static inline const struct machipc_msg_header *
machipc_msg_header(const void *msg)
{
	return (const struct machipc_msg_header *)msg;
}

/**
 * machipc_msg_size() - header.size of a message
 * @msg: the message.
 */
static inline size_t machipc_msg_size(const void *msg)
{
	return machipc_msg_header(msg)->size;
}

/**
 * machipc_msg_desc() - a descriptor of a message
 * @msg: the message.
 * @i: index, below header.desc_count.
 *
 * Return: the descriptor, or NULL with errno EINVAL when @i is out of
 * range or the descriptors do not fit in header.size.
 */
const struct machipc_msg_desc *machipc_msg_desc(const void *msg,
						unsigned int i);

/**
 * machipc_msg_ool_count() - number of out-of-line descriptors in a message
 * @msg: the message.
 *
 * Return: the count, 0 when the descriptors do not fit in header.size.
 */
unsigned int machipc_msg_ool_count(const void *msg);

/**
 * machipc_msg_ool() - an out-of-line descriptor of a message
 * @msg: the message.
 * @k: index among the out-of-line descriptors only, in order (the index of
 *	the struct machipc_ool_buf it was received into).
 *
 * In a received message the descriptor's address is where the data landed
 * (the address of receive buffer @k) and its size the bytes copied.
 *
 * Return: the descriptor, or NULL with errno EINVAL when the message has
 * no out-of-line descriptor @k or its descriptors do not fit in
 * header.size.
 */
const struct machipc_msg_desc *machipc_msg_ool(const void *msg,
					       unsigned int k);

/**
 * machipc_msg_ool_data() - the data of an out-of-line descriptor
 * @msg: a received message.
 * @k: index among the out-of-line descriptors, as for machipc_msg_ool().
 * @data: out: where the data is in the caller's memory (inside receive
 *	buffer @k).
 * @size: out: bytes of data.
 *
 * Return: 0, or -1 with errno EINVAL as for machipc_msg_ool().
 */
int machipc_msg_ool_data(const void *msg, unsigned int k, const void **data,
			 __u64 *size);

/**
 * machipc_msg_data() - the inline data of a message
 * @msg: the message.
 * @len: out: bytes from the returned pointer to header.size (including
 *	padding); may be NULL.
 *
 * Return: the data, or NULL with errno EINVAL (and *@len 0) when the
 * descriptors do not fit in header.size.
 */
const void *machipc_msg_data(const void *msg, size_t *len);

/**
 * machipc_msg_trailer() - the trailer of a received message
 * @msg: a message written by machipc_receive() or machipc_rpc().
 *
 * Return: the trailer, at offset header.size.
 */
const struct machipc_msg_trailer *machipc_msg_trailer(const void *msg);

/* ------------------------------------------------------------------ */
/* Sending and receiving                                              */
/* ------------------------------------------------------------------ */

/**
 * machipc_deadline_in() - a deadline @ms milliseconds from now
 * @ts: out: absolute CLOCK_MONOTONIC time.
 * @ms: milliseconds; 0 or less gives "now", i.e. do not block.
 *
 * Return: 0, or -1 with errno set by clock_gettime(2).
 */
int machipc_deadline_in(struct timespec *ts, long ms);

/**
 * machipc_timespec_to_ns() - a deadline in the kernel's format
 * @ts: an absolute CLOCK_MONOTONIC time.
 *
 * Return: nanoseconds, saturated to the __s64 range.
 */
__s64 machipc_timespec_to_ns(const struct timespec *ts);

/**
 * machipc_msg_args_init() - fill the argument block of %MACHIPC_IOC_MSG
 * @args: out: the argument block.
 * @send_msg: the message to send, or NULL for no send part.
 * @rcv_name: the port or port set to receive from (ignored without
 *	@rcv_buf).
 * @rcv_buf: the receive buffer, or NULL for no receive part.
 * @rcv_size: bytes of @rcv_buf.
 * @send_deadline: deadline of the send part, or NULL.
 * @rcv_deadline: deadline of the receive part, or NULL.
 *
 * Sets %MACHIPC_MSG_SEND / %MACHIPC_MSG_RECEIVE for the parts given and
 * the timeout flags only for the deadlines given.
 *
 * A @rcv_size above 4 GiB - 1 is clamped (the kernel field is 32-bit).
 *
 * Return: 0, or -1 with errno EINVAL (neither part given, or a deadline
 * with tv_nsec out of range).
 */
int machipc_msg_args_init(struct machipc_msg_args *args,
			  const void *send_msg, __u32 rcv_name,
			  void *rcv_buf, size_t rcv_size,
			  const struct timespec *send_deadline,
			  const struct timespec *rcv_deadline);

/**
 * machipc_msg() - raw %MACHIPC_IOC_MSG
 * @fd: the space.
 * @args: the argument block; the kernel may update it (see below).
 *
 * Makes one ioctl with @args as given.  On success args->rcv_size holds
 * the bytes received; on EMSGSIZE the bytes needed.  When the receive
 * part of a combined call fails in any way (interrupted, timed out,
 * EMSGSIZE, ...) after its send part committed, the kernel clears
 * %MACHIPC_MSG_SEND in args->flags, so calling machipc_msg() again with
 * the same @args receives without sending twice::
 *
 *	while (machipc_msg(fd, &args) < 0 && errno == EINTR)
 *		;
 *
 * Return: 0, or -1 with errno set (see machipc_send() and
 * machipc_receive()).
 */
int machipc_msg(int fd, struct machipc_msg_args *args);

/**
 * machipc_send() - send a message
 * @fd: the space.
 * @msg: the message; header.size bytes are sent.
 * @deadline: when a full queue stops blocking with ETIMEDOUT, or NULL.
 *
 * Returns once the message is queued (a message with out-of-line data
 * once it has been delivered).  On success the rights in the message left
 * the sender's space as their dispositions say.
 *
 * A message with out-of-line descriptors is sent synchronously: the call
 * returns 0 once a receiver has copied all the data and taken the
 * message, and @deadline covers that whole wait.  On any failure nothing
 * was delivered and the rights it carries are still in the sender's
 * space.
 *
 * Return: 0, or -1 with errno: ENOENT/EACCES (destination or a right in
 * the message), EPIPE (destination dead, also while waiting for a
 * receiver), EINVAL (bad layout or disposition, more than
 * %MACHIPC_OOL_MAX out-of-line descriptors), E2BIG (larger than
 * max_inline, or a region over %MACHIPC_OOL_SIZE_MAX), ETIMEDOUT,
 * ENOBUFS, ENOMEM, EFAULT (also: out-of-line data unreadable at copy
 * time), EINTR (nothing sent), EBADFD.
 */
int machipc_send(int fd, const void *msg, const struct timespec *deadline);

/**
 * machipc_receive() - receive a message
 * @fd: the space.
 * @name: a port (receive right) or port set.
 * @buf: 8-byte aligned buffer for the message and its trailer.
 * @size: in: bytes of @buf; out: bytes written (message and trailer), or
 *	on EMSGSIZE the bytes needed.
 * @deadline: when to stop waiting with ETIMEDOUT, or NULL.
 *
 * Rights in the message arrive under new names in the caller's space;
 * header.remote_name is the reply right, header.local_name the port.
 *
 * Return: 0, or -1 with errno: EMSGSIZE (message stays queued), ENOENT,
 * EACCES (not a receive right or port set), EBUSY (port is in a set),
 * EPIPE (port destroyed while waiting), ETIMEDOUT, ENOBUFS, EFAULT, EINTR
 * (nothing received; @buf contents unspecified), EBADFD.
 */
int machipc_receive(int fd, __u32 name, void *buf, size_t *size,
		    const struct timespec *deadline);

/**
 * machipc_receive_files() - machipc_receive() that also takes open files
 * @fd: the space
 * @name: a receive right or port set
 * @buf: the receive buffer
 * @size: as for machipc_receive()
 * @deadline: when to stop waiting with ETIMEDOUT, or NULL.
 *
 * With %MACHIPC_MSG_RCV_FILES (ABI 4): each %MACHIPC_DESC_FD descriptor
 * of the message arrives installed in the caller's descriptor table, its
 * number in the descriptor's name (a negative errno if it could not be
 * installed after the commit).  machipc_receive() drops them instead: the
 * descriptors arrive as null port descriptors.
 *
 * Return: as machipc_receive(), plus EMFILE (no room for the files; the
 * message stays queued).
 */
int machipc_receive_files(int fd, __u32 name, void *buf, size_t *size,
			  const struct timespec *deadline);

/**
 * machipc_receive_ool() - receive a message that may carry out-of-line data
 * @fd: the space.
 * @name: a port (receive right) or port set.
 * @buf: 8-byte aligned buffer for the message and its trailer.
 * @size: in: bytes of @buf; out: bytes written (message and trailer), or
 *	on EMSGSIZE the bytes needed.
 * @ool: array of *@ool_count buffers: out-of-line descriptor k of the
 *	message lands in @ool[k]; may be NULL when *@ool_count is 0.
 * @ool_count: in: elements of @ool, at most %MACHIPC_OOL_MAX; out (on
 *	success and on EMSGSIZE): out-of-line descriptors in the message.
 * @deadline: when to stop waiting with ETIMEDOUT, or NULL.
 *
 * As machipc_receive(), and the data of each out-of-line descriptor is
 * copied into its buffer; the received descriptor then holds the buffer's
 * address and the bytes copied (see machipc_msg_ool()).  The @ool array is
 * not written on success.  When the message has more out-of-line
 * descriptors than *@ool_count, or one larger than its buffer, it is not
 * received: EMSGSIZE, it stays queued (its sender keeps waiting), and
 * @ool[k].size is set to the bytes descriptor k needs for every k below
 * both counts.  The buffers' contents are unspecified until a receive
 * succeeds.  A call with *@ool_count above 0 charges the space
 * machipc_version.cost_copy for its duration.
 *
 * Return: 0, or -1 with errno as for machipc_receive(), and: EINVAL
 * (*@ool_count over %MACHIPC_OOL_MAX), EFAULT (a buffer is not writable;
 * the message stays queued), ENOBUFS (the account cannot pay cost_copy;
 * the message stays queued).
 */
int machipc_receive_ool(int fd, __u32 name, void *buf, size_t *size,
			struct machipc_ool_buf *ool, unsigned int *ool_count,
			const struct timespec *deadline);

/**
 * machipc_receive_ool_alloc() - receive a message, its out-of-line data
 *	into memory the kernel maps (ABI 5)
 * @fd: the space.
 * @name: a port (receive right) or port set.
 * @buf: as for machipc_receive().
 * @size: as for machipc_receive().
 * @ool_count: NULL, or out (on success and on EMSGSIZE): out-of-line
 *	descriptors in the message.
 * @deadline: when to stop waiting with ETIMEDOUT, or NULL.
 *
 * With %MACHIPC_MSG_RCV_OOL_ALLOC: every out-of-line region lands in a
 * fresh private anonymous mapping, whose address and size the received
 * descriptor holds (machipc_msg_ool(), machipc_msg_ool_data()); release it
 * with munmap(address, size).  No sizes need to be known in advance:
 * EMSGSIZE only when @buf is too small for the message itself.  A
 * receive that fails maps nothing.
 *
 * Return: 0, or -1 with errno as for machipc_receive_ool(), and ENOMEM
 * (the mapping could not be made; the message stays queued).
 */
int machipc_receive_ool_alloc(int fd, __u32 name, void *buf, size_t *size,
			      unsigned int *ool_count,
			      const struct timespec *deadline);

/**
 * machipc_msg_args_set_ool() - add out-of-line receive buffers to @args
 * @args: an argument block from machipc_msg_args_init() with a receive
 *	part.
 * @ool: the buffers, as for machipc_receive_ool().
 * @count: elements of @ool.
 *
 * For machipc_msg() callers, e.g. an RPC whose reply carries out-of-line
 * data.  After the call args->rcv_ool_count holds the number of
 * out-of-line descriptors in the message (on success and EMSGSIZE).
 *
 * Return: 0, or -1 with errno EINVAL (@args has no receive part).
 */
int machipc_msg_args_set_ool(struct machipc_msg_args *args,
			     struct machipc_ool_buf *ool, unsigned int count);

/**
 * machipc_rpc() - send a message and receive the reply in one call
 * @fd: the space.
 * @msg: the request, usually with a MAKE_SEND_ONCE reply right.
 * @rcv_name: where the reply arrives.
 * @buf: reply buffer, as for machipc_receive().
 * @size: in/out, as for machipc_receive().
 * @send_deadline: deadline of the send part, or NULL.
 * @rcv_deadline: deadline of the receive part, or NULL.
 *
 * One %MACHIPC_IOC_MSG with %MACHIPC_MSG_SEND | %MACHIPC_MSG_RECEIVE.
 * A signal handled without %SA_RESTART makes it fail with EINTR; the send
 * may then already have happened, and this function cannot tell.  Callers
 * that must retry use machipc_msg_args_init() and machipc_msg(), whose
 * argument block records whether the send was done.  The errno of a
 * failure may also come from either part (e.g. EPIPE, ETIMEDOUT); EMSGSIZE
 * comes from the receive part, so the request was sent and the reply
 * stays queued for a machipc_receive() with a larger buffer.
 *
 * Return: 0, or -1 with errno as for machipc_send() and machipc_receive().
 */
int machipc_rpc(int fd, const void *msg, __u32 rcv_name, void *buf,
		size_t *size, const struct timespec *send_deadline,
		const struct timespec *rcv_deadline);

/* ------------------------------------------------------------------ */
/* Diagnostics                                                        */
/* ------------------------------------------------------------------ */

/**
 * machipc_strerror() - explain an errno of a machipc call
 * @err: an errno value returned by a function of this library.
 *
 * Return: a static string in machipc terms (e.g. ENOENT: "name not in
 * space"), or strerror(@err) for values machipc does not define.  Not for
 * errors of machipc_open(), which are those of open(2).
 */
const char *machipc_strerror(int err);

/**
 * machipc_errno_name() - symbolic name of an errno value
 * @err: an errno value.
 *
 * Return: e.g. "EBADFD" for the errno values machipc uses (see
 * <linux/machipc.h>), or NULL for others.
 */
const char *machipc_errno_name(int err);

/**
 * machipc_right_string() - names of the %MACHIPC_RIGHT_* bits
 * @rights: a mask of %MACHIPC_RIGHT_* bits.
 * @buf: out: e.g. "receive|send"; "none" for 0.
 * @len: bytes of @buf (64 is always enough).
 *
 * Return: @buf.
 */
const char *machipc_right_string(__u32 rights, char *buf, size_t len);

/**
 * machipc_disp_string() - name of a %MACHIPC_DISP_* value
 * @disp: the disposition.
 *
 * Return: e.g. "make-send-once", or "unknown".
 */
const char *machipc_disp_string(__u32 disp);

#ifdef __cplusplus
}
#endif

#endif /* MACHIPC_H */
