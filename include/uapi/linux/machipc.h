/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * machipc: Mach-style port IPC for Linux processes.
 *
 * DOC: machipc user API
 *
 * Opening ``/dev/machipc`` creates an IPC space: a table of 32-bit names
 * that denote rights to ports.  Every operation is an ioctl on the space's
 * file descriptor with a fixed-layout argument structure.  All structures
 * are made of ``__u32``/``__u64``/``__s64`` fields with explicit padding;
 * every ``reserved`` field must be zero on input (else ``EINVAL``) and is
 * written as zero on output.  Fields documented as "out" only are ignored
 * on input.  Flags are checked against a mask; unknown
 * flags give ``EINVAL`` and unknown commands ``ENOTTY``.
 *
 * Only the process (thread group) that opened a space may use it; any other
 * process holding the same open file gets ``EBADFD`` and changes nothing.
 *
 * Errors, one per failure class, the same for every operation.  A failed
 * call changes nothing:
 *
 * - ``EBADFD``: the space belongs to another process, or was destroyed
 *   because its owner closed it or exited.
 * - ``ENOTTY``: unknown ioctl command.
 * - ``EFAULT``: an argument or buffer address is not accessible; for
 *   out-of-line data, memory that cannot be read (sender) or written
 *   (receiver) at the time of the copy.
 * - ``EINVAL``: malformed argument: unknown flag, non-zero reserved field,
 *   bad right kind or disposition, bad message size or layout.
 * - ``ENOENT``: the name is not in the space (never allocated, destroyed,
 *   stale, or ``MACHIPC_NAME_NULL``/``MACHIPC_NAME_DEAD``).
 * - ``EACCES``: the name exists but does not hold the right the operation
 *   needs (a send right where a receive right is needed, a port set where a
 *   port is needed, ...).
 * - ``EPIPE``: the name is a dead name, or its port died, where a live send
 *   or send-once right is needed (also importing the bootstrap descriptor
 *   of a dead port); a receive whose port or set was destroyed while
 *   waiting.
 * - ``EOVERFLOW``: a user-reference count would pass ``MACHIPC_UREFS_MAX``
 *   or drop below zero.
 * - ``EBUSY``: receiving directly from a port that is in a port set.
 * - ``ETIMEDOUT``: the send or receive deadline passed.
 * - ``EMSGSIZE``: the receive buffer is too small; the message stays queued
 *   and ``rcv_size`` holds the size needed.
 * - ``E2BIG``: the message is larger than the module's ``max_inline``.
 * - ``ENOMEM``: the kernel (or the caller's memory cgroup) is out of memory.
 * - ``ENOBUFS``: the charge would take the space's or the process's
 *   account past its limit (see struct machipc_account_info); a receive
 *   that cannot charge the names it must create leaves the message queued.
 *   Also ``open`` of a process whose account cannot pay for a space.
 *   Making a send-once right (%MACHIPC_DISP_MAKE_SEND_ONCE anywhere)
 *   charges the maker for the right's send-once notification, so it can
 *   fail so too.
 * - ``EPERM``: raising an account limit above the default without
 *   ``CAP_SYS_RESOURCE``.
 * - ``ENOSPC``: the space has no free name.
 * - ``EBADF``/``EMFILE``/``ENFILE``: bootstrap descriptor errors, as for
 *   any fd.
 * - ``ERESTARTSYS`` (seen as ``EINTR`` or a transparent restart): a
 *   signal, stop, ptrace request or freezer arrived before the commit point.
 */
#ifndef _UAPI_LINUX_MACHIPC_H
#define _UAPI_LINUX_MACHIPC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The version this header describes; MACHIPC_IOC_VERSION returns it. */
#define MACHIPC_ABI_VERSION	6

/* Reserved names: never denote a right. */
#define MACHIPC_NAME_NULL	0x00000000U
#define MACHIPC_NAME_DEAD	0xffffffffU

/*
 * Kinds of rights a name can denote, as a bit mask.  A name denotes
 * RECEIVE and SEND together when the space holds both rights to one port.
 */
#define MACHIPC_RIGHT_SEND	(1U << 0)
#define MACHIPC_RIGHT_RECEIVE	(1U << 1)
#define MACHIPC_RIGHT_SEND_ONCE	(1U << 2)
#define MACHIPC_RIGHT_PORT_SET	(1U << 3)
#define MACHIPC_RIGHT_DEAD_NAME	(1U << 4)
#define MACHIPC_RIGHT_LAST	MACHIPC_RIGHT_DEAD_NAME
#define MACHIPC_RIGHT_MASK	((MACHIPC_RIGHT_LAST << 1) - 1)

/*
 * Dispositions: how a right is taken from the sender's space.  A received
 * right is reported with the MOVE_* value of what arrived: MOVE_RECEIVE,
 * MOVE_SEND or MOVE_SEND_ONCE.
 */
#define MACHIPC_DISP_NONE		0
#define MACHIPC_DISP_MOVE_RECEIVE	1
#define MACHIPC_DISP_MOVE_SEND		2
#define MACHIPC_DISP_MOVE_SEND_ONCE	3
#define MACHIPC_DISP_COPY_SEND		4
#define MACHIPC_DISP_MAKE_SEND		5
#define MACHIPC_DISP_MAKE_SEND_ONCE	6
#define MACHIPC_DISP_LAST		MACHIPC_DISP_MAKE_SEND_ONCE

/* Largest user-reference count of a send right or dead name. */
#define MACHIPC_UREFS_MAX	0xffffU

/* Queue limits of a port, in messages. */
#define MACHIPC_QLIMIT_DEFAULT	5
#define MACHIPC_QLIMIT_MAX	1024

/**
 * struct machipc_version - argument of %MACHIPC_IOC_VERSION
 * @abi_version: out: %MACHIPC_ABI_VERSION of the running module.
 * @max_inline: out: largest message (header, descriptors and inline data)
 *	the module accepts, in bytes (module parameter ``max_inline``).
 * @chunk_pages: out: the most pages the copy engine pins at once for one
 *	out-of-line transfer (module parameter ``chunk_pages``).
 * @cost_copy: out: bytes charged to a receiver's account for the duration
 *	of a receive that passes out-of-line buffers: the copy engine's
 *	bookkeeping for one chunk (see struct machipc_account_info).
 */
struct machipc_version {
	__u32 abi_version;
	__u32 max_inline;
	__u32 chunk_pages;
	__u32 cost_copy;
};

/**
 * struct machipc_port_alloc - argument of %MACHIPC_IOC_PORT_ALLOCATE and
 *	%MACHIPC_IOC_PORT_ALLOCATE_NAME
 * @right: in: %MACHIPC_RIGHT_RECEIVE (a new port), %MACHIPC_RIGHT_PORT_SET
 *	(an empty port set) or %MACHIPC_RIGHT_DEAD_NAME (a dead name with one
 *	user reference).
 * @name: ALLOCATE: out: the new name, chosen by the kernel.
 *	ALLOCATE_NAME: in: the name to use, which must be free (else
 *	%EEXIST) and neither %MACHIPC_NAME_NULL nor %MACHIPC_NAME_DEAD (else
 *	%EINVAL).  A name the caller chooses bypasses the cyclic allocator:
 *	reusing one soon after it was freed is the caller's choice.
 */
struct machipc_port_alloc {
	__u32 right;
	__u32 name;
};

/**
 * struct machipc_port_name - argument of %MACHIPC_IOC_PORT_DESTROY and
 *	%MACHIPC_IOC_PORT_DEALLOCATE
 * @name: in: the name.
 * @reserved: must be zero.
 */
struct machipc_port_name {
	__u32 name;
	__u32 reserved;
};

/**
 * struct machipc_port_mod_refs - argument of %MACHIPC_IOC_PORT_MOD_REFS
 * @name: in: the name.
 * @right: in: exactly one of %MACHIPC_RIGHT_SEND, %MACHIPC_RIGHT_RECEIVE,
 *	%MACHIPC_RIGHT_SEND_ONCE, %MACHIPC_RIGHT_PORT_SET or
 *	%MACHIPC_RIGHT_DEAD_NAME.
 * @delta: in: change of user references.  Receive, send-once and port-set
 *	rights have exactly one reference, so only -1 (destroy the right)
 *	and 0 are valid for them.
 * @reserved: must be zero.
 */
struct machipc_port_mod_refs {
	__u32 name;
	__u32 right;
	__s32 delta;
	__u32 reserved;
};

/* machipc_port_insert.flags */
#define MACHIPC_INSERT_NAME	(1U << 0)
#define MACHIPC_INSERT_LAST	MACHIPC_INSERT_NAME
#define MACHIPC_INSERT_MASK	((MACHIPC_INSERT_LAST << 1) - 1)

/**
 * struct machipc_port_insert - argument of %MACHIPC_IOC_PORT_INSERT_RIGHT
 * @name: in: a name denoting a receive right.
 * @disposition: in: %MACHIPC_DISP_MAKE_SEND (adds a send user reference
 *	under @name) or %MACHIPC_DISP_MAKE_SEND_ONCE (a send-once right under
 *	a new name).
 * @new_name: out: the name of the new right; in, with
 *	%MACHIPC_INSERT_NAME: the name the caller chooses for it (since ABI
 *	3).  A send-once right takes it if it is free (else %EEXIST); a
 *	send right always shares the receive right's name, so for
 *	%MACHIPC_DISP_MAKE_SEND @new_name must be @name (else %EEXIST if it
 *	is in use, %ENOTUNIQ if not: Mach's ``KERN_NAME_EXISTS`` and
 *	``KERN_RIGHT_EXISTS``).  Never %MACHIPC_NAME_NULL or
 *	%MACHIPC_NAME_DEAD (%EINVAL).
 * @flags: in: 0 or %MACHIPC_INSERT_NAME (ABI 3; the field was reserved,
 *	and had to be zero, before).
 */
struct machipc_port_insert {
	__u32 name;
	__u32 disposition;
	__u32 new_name;
	__u32 flags;
};

/**
 * struct machipc_port_member - argument of %MACHIPC_IOC_PORT_MOVE_MEMBER
 * @member: in: a name denoting a receive right.
 * @set: in: a port-set name to move @member into (out of any set it was
 *	in), or %MACHIPC_NAME_NULL to take it out of its set.
 */
struct machipc_port_member {
	__u32 member;
	__u32 set;
};

/*
 * Bits of machipc_port_attr.flags on MACHIPC_IOC_PORT_SET_ATTRIBUTES:
 * which fields to set.  MSCOUNT and SEQNO since ABI 6 (Mach's
 * mach_port_set_mscount() and mach_port_set_seqno()).
 */
#define MACHIPC_ATTR_QLIMIT	(1U << 0)
#define MACHIPC_ATTR_MSCOUNT	(1U << 1)
#define MACHIPC_ATTR_SEQNO	(1U << 2)
#define MACHIPC_ATTR_LAST	MACHIPC_ATTR_SEQNO
#define MACHIPC_ATTR_MASK	((MACHIPC_ATTR_LAST << 1) - 1)

/* Bits of machipc_port_attr.requests (out, ABI 6). */
#define MACHIPC_ATTR_REQ_NO_SENDERS	(1U << 0)
#define MACHIPC_ATTR_REQ_PORT_DESTROYED	(1U << 1)

/**
 * struct machipc_port_attr - argument of %MACHIPC_IOC_PORT_GET_ATTRIBUTES
 *	and %MACHIPC_IOC_PORT_SET_ATTRIBUTES
 * @name: in: a name denoting a receive right.
 * @flags: set: which attributes to change (%MACHIPC_ATTR_*); get: must be 0.
 * @qlimit: queue limit, 1 to %MACHIPC_QLIMIT_MAX messages.
 * @msgcount: out: messages queued (including one being delivered).
 * @seqno: out: sequence number the next received message will carry;
 *	set with %MACHIPC_ATTR_SEQNO (ABI 6).
 * @mscount: out: make-send count: send rights ever made from the receive
 *	right; set with %MACHIPC_ATTR_MSCOUNT (ABI 6).
 * @srights: out: send rights outstanding (in spaces, messages and
 *	bootstrap descriptors; one per name however many user references).
 * @sorights: out: send-once rights outstanding.
 * @pset: out: the name of the port set the port is in, or 0.
 * @requests: ignored on input; out (get, ABI 6): which notification
 *	requests the port holds, %MACHIPC_ATTR_REQ_NO_SENDERS and
 *	%MACHIPC_ATTR_REQ_PORT_DESTROYED.  Before ABI 6 these were the first
 *	four bytes of ``reserved``, always zero.
 * @reserved: must be zero.
 *
 * This is Mach's ``mach_port_status`` plus the queue limit.
 */
struct machipc_port_attr {
	__u32 name;
	__u32 flags;
	__u32 qlimit;
	__u32 msgcount;
	__u64 seqno;
	__u32 mscount;
	__u32 srights;
	__u32 sorights;
	__u32 pset;
	__u32 requests;
	__u32 reserved;
};

/**
 * struct machipc_name_info - argument of %MACHIPC_IOC_NAME_INFO, and an
 *	element of the array %MACHIPC_IOC_PORT_NAMES fills
 * @name: in (NAME_INFO) / out (PORT_NAMES): the name.
 * @rights: out: %MACHIPC_RIGHT_* bits the name denotes.
 * @urefs: out: user references of the send right or dead name, 1 for a
 *	name that only holds a receive, send-once or port-set right.
 * @port_id_low: must be zero on input (else %EINVAL); out: the low 32 bits
 *	of @port_id.  This is where ABI version 3 had its 32-bit ``port_id``:
 *	programs built against version 3 use %MACHIPC_IOC_NAME_INFO_V3 and
 *	%MACHIPC_IOC_PORT_NAMES_V3, which read and write only the first
 *	%MACHIPC_NAME_INFO_V3_SIZE bytes of this structure, and see this
 *	field.  New programs use @port_id.
 * @port_id: must be zero on input (else %EINVAL); out: the id of the port
 *	the name denotes, 0 for a dead name or a port set (since ABI version
 *	4).  Ids are global and count up from 1 as ports are created: each
 *	port's id is larger than that of every port created before it, and
 *	an id is never given to another port while the module is loaded (a
 *	64-bit count, which does not wrap in practice).  A send right in one
 *	space and the receive right in another have the same id;
 *	/proc/PID/fdinfo and the tracepoints report the same ids, in full.
 *	An id is not a kernel address.
 * @flags: must be zero on input (else %EINVAL); out (ABI 6):
 *	%MACHIPC_NAME_DNREQUEST when this space has a dead-name request on
 *	the name.  Before ABI 6 these were the first four bytes of
 *	``reserved``, always zero.
 * @reserved: must be zero on input (else %EINVAL); zero on output.
 *
 * Version 4 grew the structure from 16 to 32 bytes; the first 16 keep the
 * layout of version 3.
 */
struct machipc_name_info {
	__u32 name;
	__u32 rights;
	__u32 urefs;
	__u32 port_id_low;
	__u64 port_id;
	__u32 flags;
	__u32 reserved;
};

/* machipc_name_info.flags (out, ABI 6). */
#define MACHIPC_NAME_DNREQUEST	(1U << 0)

/* Bytes of struct machipc_name_info in ABI version 3 (ids of 32 bits). */
#define MACHIPC_NAME_INFO_V3_SIZE	16

/**
 * struct machipc_port_names - argument of %MACHIPC_IOC_PORT_NAMES
 * @entries: in: user address of an array of struct machipc_name_info.
 * @capacity: in: elements in @entries.
 * @count: out: names in the space.  When larger than @capacity only
 *	@capacity entries were written; the call still succeeds.
 * @reserved: must be zero (since ABI version 4, which added it).
 *
 * Names are listed in increasing order.  %MACHIPC_IOC_PORT_NAMES_V3 takes
 * the first 16 bytes of this structure (version 3's) and fills an array of
 * %MACHIPC_NAME_INFO_V3_SIZE-byte elements, version 3's layout, whose
 * ``port_id_low`` holds the low 32 bits of each id.
 */
struct machipc_port_names {
	__u64 entries;
	__u32 capacity;
	__u32 count;
	__u64 reserved;
};

/**
 * struct machipc_bootstrap - argument of %MACHIPC_IOC_BOOTSTRAP_EXPORT and
 *	%MACHIPC_IOC_BOOTSTRAP_IMPORT
 * @name: export in: the name to take the right from; import out: the
 *	name of the inserted send right.
 * @disposition: export in: %MACHIPC_DISP_MAKE_SEND, %MACHIPC_DISP_COPY_SEND
 *	or %MACHIPC_DISP_MOVE_SEND; import: must be 0.
 * @fd: export out: a new descriptor holding one send right; import in:
 *	such a descriptor, which keeps its right (it may be imported again).
 * @flags: export in: 0 or %MACHIPC_BOOTSTRAP_CLOEXEC; import: must be 0.
 */
struct machipc_bootstrap {
	__u32 name;
	__u32 disposition;
	__s32 fd;
	__u32 flags;
};

#define MACHIPC_BOOTSTRAP_CLOEXEC	(1U << 0)
#define MACHIPC_BOOTSTRAP_LAST		MACHIPC_BOOTSTRAP_CLOEXEC
#define MACHIPC_BOOTSTRAP_MASK		((MACHIPC_BOOTSTRAP_LAST << 1) - 1)

/*
 * Messages.  In user memory a message is a struct machipc_msg_header,
 * then header.desc_count struct machipc_msg_desc, then inline data up to
 * header.size bytes.  All three parts are copied from user memory once.
 * On receive the kernel writes the message in the same layout, rights
 * replaced by their names in the receiver's space, followed by a struct
 * machipc_msg_trailer at offset header.size.
 */

/* machipc_msg_header.bits: dispositions of remote and local, and flags. */
#define MACHIPC_MSGH_REMOTE(bits)	((bits) & 0xffU)
#define MACHIPC_MSGH_LOCAL(bits)	(((bits) >> 8) & 0xffU)
#define MACHIPC_MSGH_BITS(remote, local) ((remote) | ((local) << 8))
#define MACHIPC_MSGH_COMPLEX		(1U << 31)
#define MACHIPC_MSGH_BITS_MASK		(0xffffU | MACHIPC_MSGH_COMPLEX)

/* Message ids at and above this are reserved for kernel notifications. */
#define MACHIPC_MSGID_KERNEL_BASE	0xfff00000U

/*
 * Notifications: kinds (struct machipc_notify_request.kind) and the ids of
 * the kernel messages that deliver them.  Send-once notifications are not
 * requested: destroying an unused send-once right always sends one through
 * that very right (paid for when the right was made, by the space that made
 * it).  Port-deleted notifications are not requested either: a dead-name
 * request whose name loses its right before the port dies (the name is
 * destroyed or deallocated, its right moved away, its space torn down) is
 * cancelled, and its notify port gets a port-deleted notification instead
 * (exactly one of the two is ever sent).
 */
#define MACHIPC_NOTIFY_NO_SENDERS	1
#define MACHIPC_NOTIFY_DEAD_NAME	2
#define MACHIPC_NOTIFY_PORT_DESTROYED	3
#define MACHIPC_NOTIFY_SEND_ONCE	4
#define MACHIPC_NOTIFY_PORT_DELETED	5
#define MACHIPC_NOTIFY_LAST		MACHIPC_NOTIFY_PORT_DELETED

#define MACHIPC_MSGID_NOTIFY(kind)	(MACHIPC_MSGID_KERNEL_BASE + (kind))
#define MACHIPC_MSGID_NO_SENDERS	MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_NO_SENDERS)
#define MACHIPC_MSGID_DEAD_NAME		MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_DEAD_NAME)
#define MACHIPC_MSGID_PORT_DESTROYED	MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_PORT_DESTROYED)
#define MACHIPC_MSGID_SEND_ONCE		MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_SEND_ONCE)
#define MACHIPC_MSGID_PORT_DELETED	MACHIPC_MSGID_NOTIFY(MACHIPC_NOTIFY_PORT_DELETED)

/**
 * struct machipc_notify_request - argument of
 *	%MACHIPC_IOC_PORT_REQUEST_NOTIFICATION
 * @name: in: the name the request is about: a receive right for
 *	%MACHIPC_NOTIFY_NO_SENDERS and %MACHIPC_NOTIFY_PORT_DESTROYED, a send
 *	or send-once right for %MACHIPC_NOTIFY_DEAD_NAME.
 * @kind: in: %MACHIPC_NOTIFY_NO_SENDERS, %MACHIPC_NOTIFY_DEAD_NAME or
 *	%MACHIPC_NOTIFY_PORT_DESTROYED.
 * @notify: in: where the notification goes: a receive right (with
 *	%MACHIPC_DISP_MAKE_SEND_ONCE) or a send-once right (with
 *	%MACHIPC_DISP_MOVE_SEND_ONCE); %MACHIPC_NAME_NULL cancels the request.
 * @disposition: in: %MACHIPC_DISP_MAKE_SEND_ONCE or
 *	%MACHIPC_DISP_MOVE_SEND_ONCE; 0 when cancelling.
 * @sync: in: no-senders only: if the port has no send rights now and its
 *	make-send count is at least @sync, the notification is sent at once.
 *	Must be 0 for the other kinds.
 * @previous: out: the send-once right of the request this one replaced or
 *	cancelled, under a new name in the caller's space, or 0.
 * @flags: in: 0, or %MACHIPC_NOTIFY_DEAD_NAME_UREF with
 *	%MACHIPC_NOTIFY_DEAD_NAME (ABI 6; the field was reserved before).
 * @reserved: must be zero.
 *
 * The notification message is allocated (and charged to the caller) when
 * the request is made, so that it can always be delivered.  It is a kernel
 * message (%MACHIPC_TRAILER_KERNEL) with id %MACHIPC_MSGID_NOTIFY(kind),
 * sent through the registered send-once right, ignoring the queue limit;
 * its inline data is a struct machipc_notify_body.
 */
struct machipc_notify_request {
	__u32 name;
	__u32 kind;
	__u32 notify;
	__u32 disposition;
	__u32 sync;
	__u32 previous;
	__u32 flags;
	__u32 reserved;
};

/*
 * machipc_notify_request.flags (ABI 6).  MACHIPC_NOTIFY_DEAD_NAME_UREF: when
 * the port dies and the request fires, its name, now a dead name, gets one
 * more user reference (up to %MACHIPC_UREFS_MAX): the one Mach's dead-name
 * notification carries and its receiver releases.  Mach programs (libmach)
 * ask for it; without it the dead name keeps the right's references.
 */
#define MACHIPC_NOTIFY_DEAD_NAME_UREF	(1U << 0)

/**
 * struct machipc_notify_body - the inline data of a notification message
 * @value: no-senders: the port's make-send count when its last send right
 *	went away (a larger count in MACHIPC_IOC_PORT_GET_ATTRIBUTES means
 *	send rights were made since); dead-name: the requester's name for the
 *	dead port; port-deleted: the requester's name that lost its right
 *	(it no longer denotes the port); port-destroyed and send-once: 0.
 * @reserved: zero.
 *
 * A port-destroyed notification also carries one port descriptor holding
 * the receive right (%MACHIPC_DISP_MOVE_RECEIVE), with its queue intact.
 */
struct machipc_notify_body {
	__u32 value;
	__u32 reserved;
};

/**
 * struct machipc_msg_header - the start of every message
 * @bits: %MACHIPC_MSGH_BITS(remote disposition, local disposition) and
 *	%MACHIPC_MSGH_COMPLEX, which must be set exactly when @desc_count is
 *	not zero.  On send the remote disposition must be COPY_SEND,
 *	MOVE_SEND, MOVE_SEND_ONCE, MAKE_SEND or MAKE_SEND_ONCE, and the local
 *	one NONE (with @local_name 0) or any send-type disposition.  On
 *	receive they tell what arrived: the remote disposition is that of the
 *	reply right (MOVE_SEND or MOVE_SEND_ONCE, or NONE), the local one is
 *	NONE, or with %MACHIPC_MSG_RCV_DEST_DISP the kind of right the
 *	message was sent with (MOVE_SEND or MOVE_SEND_ONCE).
 * @size: total bytes of header, descriptors and inline data; a multiple of
 *	8, at most ``max_inline`` (see struct machipc_version).
 * @remote_name: send: the destination; receive: the name of the reply
 *	right the sender passed as @local_name, now in the receiver's space.
 * @local_name: send: the reply right to pass, or 0; receive: the name of
 *	the port the message was received on.
 * @id: free for the application; ids at or above
 *	%MACHIPC_MSGID_KERNEL_BASE are used by kernel notifications, and a
 *	user message carrying one is still marked user-originated.
 * @desc_count: number of descriptors following the header.
 * @reserved: must be zero; zero on receive.
 */
struct machipc_msg_header {
	__u32 bits;
	__u32 size;
	__u32 remote_name;
	__u32 local_name;
	__u32 id;
	__u32 desc_count;
	__u64 reserved;
};

/* machipc_msg_desc.type */
#define MACHIPC_DESC_PORT	1
#define MACHIPC_DESC_OOL	2
#define MACHIPC_DESC_FD		3	/* ABI 4 */
#define MACHIPC_DESC_OOL_PORTS	4	/* ABI 5 */
#define MACHIPC_DESC_LAST	MACHIPC_DESC_OOL_PORTS

/*
 * The most names all the %MACHIPC_DESC_OOL_PORTS arrays of one message
 * may hold together (ABI 5).
 */
#define MACHIPC_OOL_PORTS_MAX	65536

/* machipc_msg_desc.disposition of a %MACHIPC_DESC_FD descriptor. */
#define MACHIPC_FD_INHERIT	(1U << 0)
#define MACHIPC_FD_LAST		MACHIPC_FD_INHERIT
#define MACHIPC_FD_MASK		((MACHIPC_FD_LAST << 1) - 1)

/*
 * machipc_msg_desc.disposition of a %MACHIPC_DESC_OOL descriptor (ABI 5).
 * %MACHIPC_OOL_CAPTURE: copy the region into kernel memory at the send
 * (charged to the sender's account while the message is queued) and queue
 * the message at once, as Mach does, instead of the synchronous one-copy
 * transfer; all or none of a message's out-of-line descriptors must have
 * it.  %MACHIPC_OOL_DEALLOCATE: unmap the pages holding the region from
 * the sender once the send has succeeded (Mach's ``deallocate``).
 */
#define MACHIPC_OOL_CAPTURE	(1U << 0)
#define MACHIPC_OOL_DEALLOCATE	(1U << 1)
#define MACHIPC_OOL_LAST	MACHIPC_OOL_DEALLOCATE
#define MACHIPC_OOL_MASK	((MACHIPC_OOL_LAST << 1) - 1)

/* The most files in a message, and what each costs its sender queued. */
#define MACHIPC_FD_MAX		64
#define MACHIPC_FD_COST		256

/* The largest out-of-line region one descriptor can carry: 4 GiB. */
#define MACHIPC_OOL_SIZE_MAX	(1ULL << 32)
/* The most out-of-line descriptors in a message and buffers in a receive. */
#define MACHIPC_OOL_MAX		64

/*
 * The deepest a receive right can travel inside other receive rights'
 * queues: a message carrying a receive right cannot be sent to a port whose
 * own receive right is this many levels deep in transit (%ETOOMANYREFS).
 */
#define MACHIPC_TRANSIT_DEPTH_MAX	64

/**
 * struct machipc_msg_desc - a descriptor: a right, out-of-line data or an
 *	open file
 * @type: %MACHIPC_DESC_PORT, %MACHIPC_DESC_OOL, %MACHIPC_DESC_FD or
 *	%MACHIPC_DESC_OOL_PORTS (ABI 5).
 * @disposition: port: on send a %MACHIPC_DISP_* other than NONE; on receive
 *	the MOVE_* value of the right that arrived.  Out-of-line: 0 or
 *	%MACHIPC_OOL_CAPTURE and/or %MACHIPC_OOL_DEALLOCATE (ABI 5; before,
 *	must be 0); received as 0.
 *	File: 0 (the receiver's descriptor is close-on-exec) or
 *	%MACHIPC_FD_INHERIT; received as sent.  Port array: as for a port,
 *	one disposition for every name of the array.
 * @name: port: on send the name in the sender's space; on receive the
 *	name in the receiver's space, or %MACHIPC_NAME_DEAD if the port died
 *	in transit (the right then became a dead name and was dropped).
 *	Out-of-line: must be 0.  File: on send a descriptor of the sender
 *	(a reference to its open file travels, with exactly its access
 *	mode); on receive, as an __s32, the new descriptor in the receiver,
 *	or a negative errno if it could not be installed at the commit
 *	(an LSM refused it in security_file_receive(), or another thread
 *	used up the descriptor table meanwhile): the file is then dropped.
 *	Port array: must be 0.
 * @reserved: must be zero.
 * @address: out-of-line: on send the address of the data in the sender's
 *	memory (any alignment; ignored when @size is 0); on receive where the
 *	data landed (the address of the receiver's struct machipc_ool_buf).
 *	Port array: on send the address of @size __u32 names in the
 *	sender's memory; on receive where the received names are, in the
 *	receive buffer (see below).  Port and file: must be 0.
 * @size: out-of-line: bytes of data, 0 to %MACHIPC_OOL_SIZE_MAX.  Port
 *	array: the number of names.  Port and file: must be 0.
 *
 * Files (ABI 4): a message may carry at most %MACHIPC_FD_MAX and no
 * out-of-line data besides (%EINVAL).  %EBADF if a descriptor is not open
 * (or opened with O_PATH); %ELOOP for a file that could make a reference
 * cycle no garbage collector sees: machipc's own descriptors (a space,
 * bootstrap or readiness descriptor), AF_UNIX sockets (a socketpair too)
 * and io_uring instances.  While queued each file is charged
 * %MACHIPC_FD_COST bytes to the sender's account.  A send that fails drops
 * the references it took; a receive that fails or is interrupted installs
 * nothing; %EMFILE (no room for every file) leaves the message queued.
 *
 * Port arrays (ABI 5, Mach's ``MACH_MSG_OOL_PORTS_DESCRIPTOR``): each name
 * of the array is taken from the sender with the descriptor's disposition,
 * as a port descriptor's would be (%MACHIPC_NAME_NULL and
 * %MACHIPC_NAME_DEAD pass as they are), all at the commit of the send or
 * none; at most %MACHIPC_OOL_PORTS_MAX names in all the arrays of a
 * message, each charged to the sender like a descriptor's right
 * (Documentation/accounting.rst).  The receiver gets the names in its
 * space, in the same order, in its receive buffer after the trailer: the
 * arrays one after the other from offset header.size + trailer size, 8
 * bytes aligned, each descriptor's @address pointing at its array; the
 * receive needs that much more @rcv_size.
 *
 * Out-of-line data moves with one copy from the sender's pages to the
 * receiver's buffer when the message is received, so a message carrying
 * any (even of size 0) is delivered synchronously: its send returns once
 * the receiver has copied the data and taken the message, or fails with
 * nothing delivered.  With %MACHIPC_OOL_CAPTURE (ABI 5) the send instead
 * copies the data into kernel pages charged to the sender's account
 * (%ENOBUFS over its limit, nothing sent) and returns once the message is
 * queued; the receiver gets the data as it was at the send.  Captured
 * messages may carry receive rights and go where inline ones go; they may
 * not carry files (%EINVAL).  Documentation/copy-engine.rst has the
 * details.
 */
struct machipc_msg_desc {
	__u32 type;
	__u32 disposition;
	__u32 name;
	__u32 reserved;
	__u64 address;
	__u64 size;
};

/**
 * struct machipc_ool_buf - where a receiver wants one out-of-line region
 * @address: in: start of the buffer in the receiver's memory.
 * @size: in: bytes available there; out, on %EMSGSIZE only: bytes the
 *	message's region needs.
 *
 * Out-of-line descriptor k of a message (counting only out-of-line
 * descriptors, in order) lands in buffer k.
 */
struct machipc_ool_buf {
	__u64 address;
	__u64 size;
};

/* machipc_msg_trailer.flags */
#define MACHIPC_TRAILER_KERNEL	(1U << 0)

/**
 * struct machipc_msg_trailer - appended by the kernel after a received
 *	message, at offset machipc_msg_header.size
 * @seqno: the receiving port's sequence number for this message.
 * @flags: %MACHIPC_TRAILER_KERNEL when the kernel generated the message.
 * @pid: the sending process, in the receiver's pid namespace (0 if it
 *	is not visible there or for kernel messages).
 * @uid: the sender's effective uid, in the receiver's user namespace.
 * @gid: the sender's effective gid, in the receiver's user namespace.
 * @reserved: zero.
 */
struct machipc_msg_trailer {
	__u64 seqno;
	__u32 flags;
	__s32 pid;
	__u32 uid;
	__u32 gid;
	__u64 reserved;
};

/**
 * struct machipc_msg_trailer_audit - the trailer of a receive with
 *	%MACHIPC_MSG_RCV_AUDIT (since ABI 3), in place of struct
 *	machipc_msg_trailer, whose fields it starts with
 * @base: as struct machipc_msg_trailer.
 * @ruid: the sender's real uid, in the receiver's user namespace.
 * @rgid: the sender's real gid, in the receiver's user namespace.
 * @auid: the sender's audit (login) uid, in the receiver's user
 *	namespace; (__u32)-1 when unset or not mappable.
 * @asid: the sender's audit session id; (__u32)-1 when unset.
 * @start_time: when the sending process started, in clock ticks
 *	(``USER_HZ``) after boot, as field 22 of ``/proc/PID/stat`` shows it
 *	in the receiver's time namespace: with @base.pid it names one
 *	process even after its pid is reused.
 * @reserved: zero.
 *
 * All zero for a kernel message (%MACHIPC_TRAILER_KERNEL).
 */
struct machipc_msg_trailer_audit {
	struct machipc_msg_trailer base;
	__u32 ruid;
	__u32 rgid;
	__u32 auid;
	__u32 asid;
	__u64 start_time;
	__u64 reserved;
};

/* machipc_msg_args.flags */
#define MACHIPC_MSG_SEND		(1U << 0)
#define MACHIPC_MSG_RECEIVE		(1U << 1)
#define MACHIPC_MSG_SEND_TIMEOUT	(1U << 2)
#define MACHIPC_MSG_RCV_TIMEOUT		(1U << 3)
#define MACHIPC_MSG_RCV_DESTROY_LARGE	(1U << 4)
#define MACHIPC_MSG_RCV_DEST_DISP	(1U << 6)
#define MACHIPC_MSG_RCV_AUDIT		(1U << 7)
#define MACHIPC_MSG_RCV_FILES		(1U << 8)
#define MACHIPC_MSG_RCV_OOL_ALLOC	(1U << 9)
#define MACHIPC_MSG_LAST		MACHIPC_MSG_RCV_OOL_ALLOC
/* Bit 5 is reserved (EINVAL). */
#define MACHIPC_MSG_MASK		(MACHIPC_MSG_SEND | MACHIPC_MSG_RECEIVE | \
					 MACHIPC_MSG_SEND_TIMEOUT | \
					 MACHIPC_MSG_RCV_TIMEOUT | \
					 MACHIPC_MSG_RCV_DESTROY_LARGE | \
					 MACHIPC_MSG_RCV_DEST_DISP | \
					 MACHIPC_MSG_RCV_AUDIT | \
					 MACHIPC_MSG_RCV_FILES | \
					 MACHIPC_MSG_RCV_OOL_ALLOC)

/**
 * struct machipc_msg_args - argument of %MACHIPC_IOC_MSG
 * @flags: %MACHIPC_MSG_SEND and/or %MACHIPC_MSG_RECEIVE (at least one),
 *	%MACHIPC_MSG_SEND_TIMEOUT and %MACHIPC_MSG_RCV_TIMEOUT to use the
 *	deadlines.  Receive options (since ABI 3):
 *	%MACHIPC_MSG_RCV_DEST_DISP reports in the local disposition of the
 *	received header's @bits which right the message was sent with
 *	(%MACHIPC_DISP_MOVE_SEND or %MACHIPC_DISP_MOVE_SEND_ONCE, Mach's
 *	``msgh_bits`` on receive) instead of NONE;
 *	%MACHIPC_MSG_RCV_AUDIT appends a struct machipc_msg_trailer_audit
 *	instead of a struct machipc_msg_trailer (so the message needs that
 *	much more room).  %MACHIPC_MSG_RCV_FILES (since ABI 4): the receiver
 *	takes open files (%MACHIPC_DESC_FD); without it a message's files are
 *	dropped, never installed, and each of its file descriptors arrives
 *	as a port descriptor with %MACHIPC_DISP_NONE and
 *	%MACHIPC_NAME_NULL, as SCM_RIGHTS drops the files of a receiver
 *	that offers no control buffer.
 *	%MACHIPC_MSG_RCV_OOL_ALLOC (since ABI 5): every out-of-line region
 *	of the message lands in fresh anonymous memory the kernel maps in
 *	the receiver (read-write, private, its size rounded up to pages), as
 *	Mach's receive does; its descriptor's @address and @size say where,
 *	and the receiver releases it with munmap().  @rcv_ool must then be 0
 *	and @rcv_ool_count 0 on input (%EINVAL).  A receive that fails or is
 *	interrupted unmaps what it mapped.  %ENOMEM when the regions cannot
 *	be mapped: the message stays queued, or with
 *	%MACHIPC_MSG_RCV_DESTROY_LARGE is destroyed as too large (%EMSGSIZE).
 *	When the send part of a combined call has completed and the receive
 *	part is interrupted, the kernel clears %MACHIPC_MSG_SEND here before
 *	returning, so that the restarted call does not send again.
 *	%MACHIPC_MSG_RCV_DESTROY_LARGE (receive only): a message at the head
 *	of the queue that does not fit the receive buffers is destroyed
 *	rather than left queued (Mach without MACH_RCV_LARGE): the call
 *	still fails with %EMSGSIZE and reports the sizes, the message's
 *	rights are released as for any destroyed message, and the sender
 *	of an out-of-line message sees its send fail with %EMSGSIZE.
 * @rcv_name: receive: the port (receive right) or port set to receive from.
 * @send_msg: send: user address of the message.
 * @rcv_buf: receive: user address of the buffer.
 * @send_size: send: bytes at @send_msg; must equal the header's size.
 * @rcv_size: receive: in: bytes of @rcv_buf; out: bytes written (message and
 *	trailer) or, on %EMSGSIZE, bytes needed.  The message then stays
 *	queued (unless %MACHIPC_MSG_RCV_DESTROY_LARGE).
 * @send_deadline: absolute %CLOCK_MONOTONIC time in nanoseconds after which
 *	a send to a full queue fails with %ETIMEDOUT (with
 *	%MACHIPC_MSG_SEND_TIMEOUT); a time already past means "do not block".
 *	For a message carrying out-of-line data the deadline covers the whole
 *	synchronous send, until a receiver has copied the data.
 * @rcv_deadline: the same for the receive part (%MACHIPC_MSG_RCV_TIMEOUT).
 * @rcv_ool: receive: user address of an array of struct machipc_ool_buf
 *	saying where out-of-line data may land, or 0.
 * @blame: in: ignored (before ABI 3 this field was reserved and had to be
 *	zero).  Out, when the send part fails because of one of the
 *	message's rights (%ENOENT, %EACCES, %EPIPE): which one,
 *	%MACHIPC_BLAME_DEST, %MACHIPC_BLAME_REPLY or
 *	%MACHIPC_BLAME_DESC(i) for descriptor i; because of one of its
 *	files (%EBADF, %ELOOP; ABI 4): %MACHIPC_BLAME_DESC(i) of that file
 *	descriptor; %MACHIPC_BLAME_NONE when the send part fails otherwise.
 *	Unspecified after a successful send.
 *	A failed send changes nothing, whatever it blames.
 * @rcv_ool_count: receive: in: elements of @rcv_ool, at most
 *	%MACHIPC_OOL_MAX; out (on success and on %EMSGSIZE): out-of-line
 *	descriptors in the message.  A message with more of them than this,
 *	or with one larger than its buffer, is not received: %EMSGSIZE, the
 *	message stays queued (unless %MACHIPC_MSG_RCV_DESTROY_LARGE), and
 *	the first @rcv_ool_count buffers' sizes are set to the sizes needed.
 *
 * A signal, stop, ptrace or freezer before a part's commit point makes that
 * part change nothing and return %ERESTARTSYS (so %EINTR or a transparent
 * restart).  The contents of the receive buffers are unspecified until a
 * receive succeeds.
 */
struct machipc_msg_args {
	__u32 flags;
	__u32 rcv_name;
	__u64 send_msg;
	__u64 rcv_buf;
	__u32 send_size;
	__u32 rcv_size;
	__s64 send_deadline;
	__s64 rcv_deadline;
	__u64 rcv_ool;
	__u32 rcv_ool_count;
	__u32 blame;
};

/* machipc_msg_args.blame (ABI 3): the right a failed send was refused for */
#define MACHIPC_BLAME_NONE		0
#define MACHIPC_BLAME_DEST		1
#define MACHIPC_BLAME_REPLY		2
#define MACHIPC_BLAME_DESC(i)		(3U + (i))
#define MACHIPC_BLAME_DESC_INDEX(b)	((b) - 3U)

/* machipc_account_info.flags */
#define MACHIPC_ACCOUNT_SET_LIMIT		(1U << 0)
#define MACHIPC_ACCOUNT_SET_PROCESS_LIMIT	(1U << 1)
#define MACHIPC_ACCOUNT_LAST		MACHIPC_ACCOUNT_SET_PROCESS_LIMIT
#define MACHIPC_ACCOUNT_MASK		((MACHIPC_ACCOUNT_LAST << 1) - 1)

/**
 * struct machipc_account_info - argument of %MACHIPC_IOC_ACCOUNT
 *
 * Two accounts answer for the caller: its space's, which pays for the
 * space's names, ports, port sets, messages and notifications by the
 * costs below, and its process's (thread group's), which is charged
 * everything its spaces are charged plus the spaces themselves, the nodes
 * of their name indices and the bootstrap descriptors it exported.  Every
 * charge must fit under both limits: however many times a process opens
 * ``/dev/machipc``, the process limit bounds it.
 *
 * @usage: out: bytes of kernel memory charged to the caller's space now.
 * @limit: in with %MACHIPC_ACCOUNT_SET_LIMIT: the space's new limit; out:
 *	the limit.  Lowering is always allowed, also below @usage (which then
 *	only blocks new charges); raising it above the module's default
 *	(parameter ``account_limit``) needs %CAP_SYS_RESOURCE (else %EPERM).
 * @hwm: out: the highest @usage ever reached.
 * @failures: out: charges refused with %ENOBUFS, by either limit.
 * @flags: in: 0, %MACHIPC_ACCOUNT_SET_LIMIT and/or
 *	%MACHIPC_ACCOUNT_SET_PROCESS_LIMIT.
 * @cost_entry: out: bytes charged per name.
 * @cost_port: out: bytes charged per port, to the space that allocated it,
 *	until the port is freed.
 * @cost_pset: out: bytes charged per port set.
 * @cost_msg: out: fixed bytes charged per message, to its sender until it
 *	is received or destroyed.  A message of header.size S costs
 *	@cost_msg + (S / 32) * @cost_msg_slot + S.
 * @cost_msg_slot: out: see @cost_msg.
 * @cost_notify: out: bytes charged per notification request, besides its
 *	message (a message of 40 bytes, or 72 for port-destroyed).  Every
 *	send-once right also costs its maker a message of 40 bytes (its
 *	notification, reserved) until the right is used or the notification
 *	is received or destroyed.
 * @cost_ool: out: bytes charged to the sender of a message carrying
 *	out-of-line descriptors, besides the message, until the send returns
 *	(the transfer's state).  The receiver that copies pays
 *	machipc_version.cost_copy for its receive call.
 * @process_usage: out: bytes charged to the caller's process now.  Since
 *	version 3, as are all fields below.
 * @process_limit: in with %MACHIPC_ACCOUNT_SET_PROCESS_LIMIT: the
 *	process's new limit, by the rules of @limit; out: the limit (the
 *	module's ``account_limit`` when the process opened its first space).
 * @process_hwm: out: the highest @process_usage ever reached.
 * @process_failures: out: charges the process limit refused.
 * @cost_space: out: bytes charged to the process per space (open of
 *	``/dev/machipc``), until its file is released.
 * @cost_bootstrap: out: bytes charged to the exporting process per
 *	bootstrap descriptor, until its file is released.
 * @cost_index_node: out: bytes charged to the process per node of a name
 *	index: a name (and, in a second index, a name holding a send or
 *	receive right, by its port) pays one node for each run of 64, 4096,
 *	..., 2^30 indices it is the only one in: 0 when it shares its run of
 *	64 with another, at most 5.
 * @spaces: out: the process's spaces now.
 * @cost_capture: out: bytes charged to the sender of a message whose
 *	out-of-line data is captured (%MACHIPC_OOL_CAPTURE), besides the
 *	message, until it is received or destroyed; plus @cost_capture_page
 *	for every page its regions span (each region rounded up to pages).
 *	Since version 5; must be zero on input.
 * @cost_capture_page: out: see @cost_capture.  Since version 5; must be
 *	zero on input.
 * @reserved: must be zero.
 *
 * The structure grew in version 3; the 64-byte block of version 2, up to
 * @cost_ool, is still accepted as %MACHIPC_IOC_ACCOUNT_V2.
 */
struct machipc_account_info {
	__u64 usage;
	__u64 limit;
	__u64 hwm;
	__u64 failures;
	__u32 flags;
	__u32 cost_entry;
	__u32 cost_port;
	__u32 cost_pset;
	__u32 cost_msg;
	__u32 cost_msg_slot;
	__u32 cost_notify;
	__u32 cost_ool;
	__u64 process_usage;
	__u64 process_limit;
	__u64 process_hwm;
	__u64 process_failures;
	__u32 cost_space;
	__u32 cost_bootstrap;
	__u32 cost_index_node;
	__u32 spaces;
	__u32 cost_capture;
	__u32 cost_capture_page;
	__u64 reserved;
};

/* machipc_poll_fd.flags */
#define MACHIPC_POLL_FD_INHERIT		(1U << 0)
#define MACHIPC_POLL_FD_LAST		MACHIPC_POLL_FD_INHERIT
#define MACHIPC_POLL_FD_MASK		((MACHIPC_POLL_FD_LAST << 1) - 1)

/**
 * struct machipc_poll_fd - argument of %MACHIPC_IOC_POLL_FD
 * @name: in: a receive right or a port set of the caller's space.
 * @flags: in: 0, or %MACHIPC_POLL_FD_INHERIT to leave the new descriptor
 *	open across execve() (by default it is close-on-exec).
 * @fd: out: the new readiness descriptor.  poll(), select() and epoll
 *	report it readable (``EPOLLIN``) while a message can be received
 *	from @name, level-triggered, and hung up (``EPOLLHUP``, for ever)
 *	once the port died, its receive right left the space, or the set was
 *	destroyed.  Every descriptor of one port or set shares one wait
 *	queue; a message wakes one ``EPOLLEXCLUSIVE`` waiter.  It cannot be
 *	read or written, and may not travel in a machipc message.
 * @reserved: must be zero.
 *
 * Errors: ``ENOENT`` (no such name), ``EACCES`` (not a receive right or a
 * port set), ``EINVAL`` (unknown flags, @reserved or @fd not zero),
 * ``EMFILE``/``ENFILE``, ``ENOMEM``.
 */
struct machipc_poll_fd {
	__u32 name;
	__u32 flags;
	__s32 fd;
	__u32 reserved;
};

#define MACHIPC_IOC_MAGIC	0xBA

#define MACHIPC_IOC_VERSION	_IOR(MACHIPC_IOC_MAGIC, 0x00, struct machipc_version)
#define MACHIPC_IOC_PORT_ALLOCATE _IOWR(MACHIPC_IOC_MAGIC, 0x01, struct machipc_port_alloc)
#define MACHIPC_IOC_PORT_DESTROY _IOW(MACHIPC_IOC_MAGIC, 0x02, struct machipc_port_name)
#define MACHIPC_IOC_PORT_DEALLOCATE _IOW(MACHIPC_IOC_MAGIC, 0x03, struct machipc_port_name)
#define MACHIPC_IOC_PORT_MOD_REFS _IOW(MACHIPC_IOC_MAGIC, 0x04, struct machipc_port_mod_refs)
#define MACHIPC_IOC_PORT_INSERT_RIGHT _IOWR(MACHIPC_IOC_MAGIC, 0x05, struct machipc_port_insert)
#define MACHIPC_IOC_PORT_MOVE_MEMBER _IOW(MACHIPC_IOC_MAGIC, 0x06, struct machipc_port_member)
#define MACHIPC_IOC_PORT_GET_ATTRIBUTES _IOWR(MACHIPC_IOC_MAGIC, 0x07, struct machipc_port_attr)
#define MACHIPC_IOC_PORT_SET_ATTRIBUTES _IOW(MACHIPC_IOC_MAGIC, 0x08, struct machipc_port_attr)
#define MACHIPC_IOC_NAME_INFO	_IOWR(MACHIPC_IOC_MAGIC, 0x09, struct machipc_name_info)
#define MACHIPC_IOC_PORT_NAMES	_IOWR(MACHIPC_IOC_MAGIC, 0x0a, struct machipc_port_names)
/*
 * Version 3's NAME_INFO and PORT_NAMES, still accepted: a 16-byte struct
 * machipc_name_info (no @port_id, the id's low 32 bits in @port_id_low)
 * and a 16-byte struct machipc_port_names listing such elements.
 */
#define MACHIPC_IOC_NAME_INFO_V3 \
	_IOC(_IOC_READ | _IOC_WRITE, MACHIPC_IOC_MAGIC, 0x09, MACHIPC_NAME_INFO_V3_SIZE)
#define MACHIPC_IOC_PORT_NAMES_V3 \
	_IOC(_IOC_READ | _IOC_WRITE, MACHIPC_IOC_MAGIC, 0x0a, 16)
#define MACHIPC_IOC_BOOTSTRAP_EXPORT _IOWR(MACHIPC_IOC_MAGIC, 0x0b, struct machipc_bootstrap)
#define MACHIPC_IOC_BOOTSTRAP_IMPORT _IOWR(MACHIPC_IOC_MAGIC, 0x0c, struct machipc_bootstrap)
#define MACHIPC_IOC_MSG		_IOWR(MACHIPC_IOC_MAGIC, 0x0d, struct machipc_msg_args)
#define MACHIPC_IOC_PORT_REQUEST_NOTIFICATION \
	_IOWR(MACHIPC_IOC_MAGIC, 0x0e, struct machipc_notify_request)
#define MACHIPC_IOC_ACCOUNT	_IOWR(MACHIPC_IOC_MAGIC, 0x0f, struct machipc_account_info)
/* Version 2's MACHIPC_IOC_ACCOUNT: the first 64 bytes of the structure. */
#define MACHIPC_IOC_ACCOUNT_V2	_IOC(_IOC_READ | _IOC_WRITE, MACHIPC_IOC_MAGIC, 0x0f, 64)
/* Since ABI 3: MACHIPC_IOC_PORT_ALLOCATE under the name in the argument. */
#define MACHIPC_IOC_PORT_ALLOCATE_NAME \
	_IOW(MACHIPC_IOC_MAGIC, 0x16, struct machipc_port_alloc)
#define MACHIPC_IOC_POLL_FD	_IOWR(MACHIPC_IOC_MAGIC, 0x10, struct machipc_poll_fd)

#endif /* _UAPI_LINUX_MACHIPC_H */
