/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM machipc

#if !defined(MACHIPC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define MACHIPC_TRACE_H

#include <linux/tracepoint.h>

#include "xfer.h"

/* The values of machipc_xfer_aborted's reasons, for perf and trace-cmd. */
TRACE_DEFINE_ENUM(MACHIPC_ABORT_SIGNAL);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_TIMEOUT);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_DEAD);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_FAULT);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_RIGHTS);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_SPACE);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_INJECTED);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_RCV_SIGNAL);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_RCV_TIMEOUT);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_RCV_FAULT);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_RCV_NOBUFS);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_RCV_ERROR);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_INVALIDATED);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_TOO_LARGE);
TRACE_DEFINE_ENUM(MACHIPC_ABORT_UNSTABLE);

TRACE_EVENT(machipc_charge_failed,
	    TP_PROTO(u64 account, u64 request, s64 usage, u64 limit),
	    TP_ARGS(account, request, usage, limit),
	    TP_STRUCT__entry(__field(u64, account)
			     __field(u64, request)
			     __field(s64, usage)
			     __field(u64, limit)),
	    TP_fast_assign(__entry->account = account;
			   __entry->request = request;
			   __entry->usage = usage;
			   __entry->limit = limit;),
	    TP_printk("space=%llu request=%llu usage=%lld limit=%llu",
		      __entry->account, __entry->request, __entry->usage,
		      __entry->limit)
);

TRACE_EVENT(machipc_chunk_copied,
	    TP_PROTO(u64 xfer, u32 chunk, u64 bytes),
	    TP_ARGS(xfer, chunk, bytes),
	    TP_STRUCT__entry(__field(u64, xfer)
			     __field(u32, chunk)
			     __field(u64, bytes)),
	    TP_fast_assign(__entry->xfer = xfer;
			   __entry->chunk = chunk;
			   __entry->bytes = bytes;),
	    TP_printk("xfer=%llu chunk=%u bytes=%llu", __entry->xfer,
		      __entry->chunk, __entry->bytes)
);

TRACE_EVENT(machipc_xfer_committed,
	    TP_PROTO(u64 xfer, u64 bytes, u32 chunks),
	    TP_ARGS(xfer, bytes, chunks),
	    TP_STRUCT__entry(__field(u64, xfer)
			     __field(u64, bytes)
			     __field(u32, chunks)),
	    TP_fast_assign(__entry->xfer = xfer;
			   __entry->bytes = bytes;
			   __entry->chunks = chunks;),
	    TP_printk("xfer=%llu bytes=%llu chunks=%u", __entry->xfer,
		      __entry->bytes, __entry->chunks)
);

TRACE_EVENT(machipc_xfer_aborted,
	    TP_PROTO(u64 xfer, u32 chunk, enum machipc_abort_reason reason),
	    TP_ARGS(xfer, chunk, reason),
	    TP_STRUCT__entry(__field(u64, xfer)
			     __field(u32, chunk)
			     __field(unsigned int, reason)),
	    TP_fast_assign(__entry->xfer = xfer;
			   __entry->chunk = chunk;
			   __entry->reason = reason;),
	    TP_printk("xfer=%llu chunk=%u reason=%s", __entry->xfer,
		      __entry->chunk,
		      __print_symbolic(__entry->reason,
				       { MACHIPC_ABORT_SIGNAL, "signal" },
				       { MACHIPC_ABORT_TIMEOUT, "timeout" },
				       { MACHIPC_ABORT_DEAD, "dead" },
				       { MACHIPC_ABORT_FAULT, "fault" },
				       { MACHIPC_ABORT_RIGHTS, "rights" },
				       { MACHIPC_ABORT_SPACE, "space" },
				       { MACHIPC_ABORT_INJECTED, "injected" },
				       { MACHIPC_ABORT_RCV_SIGNAL, "receiver-signal" },
				       { MACHIPC_ABORT_RCV_TIMEOUT, "receiver-timeout" },
				       { MACHIPC_ABORT_RCV_FAULT, "receiver-fault" },
				       { MACHIPC_ABORT_RCV_NOBUFS, "receiver-nobufs" },
				       { MACHIPC_ABORT_RCV_ERROR, "receiver-error" },
				       { MACHIPC_ABORT_INVALIDATED, "invalidated" },
				       { MACHIPC_ABORT_TOO_LARGE, "too-large" },
				       { MACHIPC_ABORT_UNSTABLE, "unstable" }))
);

/*
 * The life of ports and messages, for machipc-trace.  Ports are named by
 * their 64-bit id (port->id, the one MACHIPC_IOC_NAME_INFO reports),
 * messages by a trace id given at enqueue while these events are on.
 */
TRACE_EVENT(machipc_port_alloc,
	    TP_PROTO(u64 port, u32 name),
	    TP_ARGS(port, name),
	    TP_STRUCT__entry(__field(u64, port)
			     __field(u32, name)),
	    TP_fast_assign(__entry->port = port;
			   __entry->name = name;),
	    TP_printk("port=%llu name=%#x", __entry->port, __entry->name)
);

TRACE_EVENT(machipc_port_dead,
	    TP_PROTO(u64 port, u32 queued),
	    TP_ARGS(port, queued),
	    TP_STRUCT__entry(__field(u64, port)
			     __field(u32, queued)),
	    TP_fast_assign(__entry->port = port;
			   __entry->queued = queued;),
	    TP_printk("port=%llu queued=%u", __entry->port, __entry->queued)
);

TRACE_EVENT(machipc_msg_send,
	    TP_PROTO(u64 msg, u64 port, u32 name, u32 id, u32 size,
		     u64 reply_port, u32 reply_disp, u32 rights, u32 ool,
		     bool kernel),
	    TP_ARGS(msg, port, name, id, size, reply_port, reply_disp, rights,
		    ool, kernel),
	    TP_STRUCT__entry(__field(u64, msg)
			     __field(u64, port)
			     __field(u32, name)
			     __field(u32, id)
			     __field(u32, size)
			     __field(u64, reply_port)
			     __field(u32, reply_disp)
			     __field(u32, rights)
			     __field(u32, ool)
			     __field(bool, kernel)),
	    TP_fast_assign(__entry->msg = msg;
			   __entry->port = port;
			   __entry->name = name;
			   __entry->id = id;
			   __entry->size = size;
			   __entry->reply_port = reply_port;
			   __entry->reply_disp = reply_disp;
			   __entry->rights = rights;
			   __entry->ool = ool;
			   __entry->kernel = kernel;),
	    TP_printk("msg=%llu port=%llu name=%#x id=%#x size=%u reply_port=%llu reply_disp=%u rights=%u ool=%u kernel=%d",
		      __entry->msg, __entry->port, __entry->name, __entry->id,
		      __entry->size, __entry->reply_port, __entry->reply_disp,
		      __entry->rights, __entry->ool, __entry->kernel)
);

TRACE_EVENT(machipc_msg_receive,
	    TP_PROTO(u64 msg, u64 port, u32 name, u32 id, u32 size, u64 seqno,
		     u64 wait_ns),
	    TP_ARGS(msg, port, name, id, size, seqno, wait_ns),
	    TP_STRUCT__entry(__field(u64, msg)
			     __field(u64, port)
			     __field(u32, name)
			     __field(u32, id)
			     __field(u32, size)
			     __field(u64, seqno)
			     __field(u64, wait_ns)),
	    TP_fast_assign(__entry->msg = msg;
			   __entry->port = port;
			   __entry->name = name;
			   __entry->id = id;
			   __entry->size = size;
			   __entry->seqno = seqno;
			   __entry->wait_ns = wait_ns;),
	    TP_printk("msg=%llu port=%llu name=%#x id=%#x size=%u seqno=%llu wait_ns=%llu",
		      __entry->msg, __entry->port, __entry->name, __entry->id,
		      __entry->size, __entry->seqno, __entry->wait_ns)
);

TRACE_EVENT(machipc_msg_error,
	    TP_PROTO(bool receive, u32 name, int err),
	    TP_ARGS(receive, name, err),
	    TP_STRUCT__entry(__field(bool, receive)
			     __field(u32, name)
			     __field(int, err)),
	    TP_fast_assign(__entry->receive = receive;
			   __entry->name = name;
			   __entry->err = err;),
	    TP_printk("part=%s name=%#x err=%d",
		      __entry->receive ? "receive" : "send", __entry->name,
		      __entry->err)
);

#endif /* MACHIPC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
