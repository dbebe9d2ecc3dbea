/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM machipc

#if !defined(MACHIPC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define MACHIPC_TRACE_H

#include <linux/tracepoint.h>

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

#endif /* MACHIPC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
