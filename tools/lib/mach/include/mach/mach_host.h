/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/mach_host.h> for libmach on machipc: the host calls that Linux
 * can answer for the caller.  The host is mach_host_self().
 */
#ifndef _MACH_MACH_HOST_H_
#define _MACH_MACH_HOST_H_

#include <mach/clock_types.h>
#include <mach/host_info.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A send right to one of the host's clocks (SYSTEM_CLOCK,
 * CALENDAR_CLOCK): one name per clock in the task's space, gaining a user
 * reference with every call, as on XNU.
 */
kern_return_t host_get_clock_service(host_t host, clock_id_t clock_id,
				     clock_serv_t *clock_serv);
/* The page size, vm_page_size. */
kern_return_t host_page_size(host_t host, vm_size_t *out_page_size);
/*
 * HOST_BASIC_INFO, HOST_SCHED_INFO and HOST_PRIORITY_INFO (<mach/host_info.h>);
 * *host_info_outCnt is the room in integer_t units, on return what was
 * written.  Other flavors are KERN_INVALID_ARGUMENT.
 */
kern_return_t host_info(host_t host, host_flavor_t flavor,
			host_info_t host_info_out,
			mach_msg_type_number_t *host_info_outCnt);
/*
 * HOST_LOAD_INFO, HOST_CPU_LOAD_INFO and HOST_VM_INFO, from
 * /proc/loadavg, /proc/stat, /proc/meminfo and /proc/vmstat; a bad host
 * is KERN_INVALID_HOST.
 */
kern_return_t host_statistics(host_t host, host_flavor_t flavor,
			      host_info_t host_info_out,
			      mach_msg_type_number_t *host_info_outCnt);
/* As host_statistics(), and HOST_VM_INFO64 with 64-bit event counts. */
kern_return_t host_statistics64(host_t host, host_flavor_t flavor,
				host_info64_t host_info64_out,
				mach_msg_type_number_t *host_info64_outCnt);

/*
 * One structure of @flavor per CPU (PROCESSOR_BASIC_INFO,
 * PROCESSOR_CPU_LOAD_INFO from /proc/stat) in a vm_allocate()d array the
 * caller vm_deallocate()s; @out_processor_count CPUs, @out_processor_infoCnt
 * integers.
 */
kern_return_t host_processor_info(host_t host, processor_flavor_t flavor,
				  natural_t *out_processor_count,
				  processor_info_array_t *out_processor_info,
				  mach_msg_type_number_t *out_processor_infoCnt);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_HOST_H_ */
