/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/clock.h> for libmach on machipc: reading the host's clocks.
 *
 * A clock_serv_t comes from host_get_clock_service() (<mach/mach_host.h>)
 * and is released with mach_port_deallocate().  SYSTEM_CLOCK is the
 * uptime that mach_absolute_time() counts (CLOCK_MONOTONIC_RAW),
 * CALENDAR_CLOCK is CLOCK_REALTIME.  Documentation/mach-api.rst says how
 * the names live in the task's space.
 */
#ifndef _MACH_CLOCK_H_
#define _MACH_CLOCK_H_

#include <mach/clock_types.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t clock_get_time(clock_serv_t clock_serv,
			     mach_timespec_t *cur_time);
/* One attribute: *clock_attrCnt must be at least 1 and comes back 1. */
kern_return_t clock_get_attributes(clock_serv_t clock_serv,
				   clock_flavor_t flavor,
				   clock_attr_t clock_attr,
				   mach_msg_type_number_t *clock_attrCnt);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_CLOCK_H_ */
