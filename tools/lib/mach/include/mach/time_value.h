/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/time_value.h> for libmach on machipc: a time as seconds and
 * microseconds, as task_info() and thread_info() report CPU times.
 */
#ifndef _MACH_TIME_VALUE_H_
#define _MACH_TIME_VALUE_H_

#include <mach/machine/vm_types.h>

struct time_value {
	integer_t seconds;
	integer_t microseconds;
};
typedef struct time_value time_value_t;

#define TIME_MICROS_MAX	(1000000)

#endif /* _MACH_TIME_VALUE_H_ */
