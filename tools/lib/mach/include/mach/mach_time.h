/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/mach_time.h> for libmach on machipc: Mach absolute time, which on
 * Linux is CLOCK_MONOTONIC_RAW in nanoseconds (so the timebase is 1/1, as
 * on Intel Macs); continuous time also counts suspend (CLOCK_BOOTTIME).
 */
#ifndef _MACH_MACH_TIME_H_
#define _MACH_MACH_TIME_H_

#include <stdint.h>

#include <mach/kern_return.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mach_timebase_info {
	uint32_t numer;
	uint32_t denom;
};

typedef struct mach_timebase_info *mach_timebase_info_t;
typedef struct mach_timebase_info mach_timebase_info_data_t;

/* numer / denom converts absolute time units to nanoseconds: 1 / 1. */
kern_return_t mach_timebase_info(mach_timebase_info_t info);
uint64_t mach_absolute_time(void);
uint64_t mach_approximate_time(void);
uint64_t mach_continuous_time(void);
uint64_t mach_continuous_approximate_time(void);
/* Sleep until mach_absolute_time() reaches @deadline; KERN_ABORTED on a signal. */
kern_return_t mach_wait_until(uint64_t deadline);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_TIME_H_ */
