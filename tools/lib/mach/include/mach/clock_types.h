/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <mach/clock_types.h> for libmach: Mach's time value types. */
#ifndef _MACH_CLOCK_TYPES_H_
#define _MACH_CLOCK_TYPES_H_

typedef int clock_res_t;

/* A time value, relative or absolute as the call says. */
struct mach_timespec {
	unsigned int tv_sec;
	clock_res_t tv_nsec;
};
typedef struct mach_timespec mach_timespec_t;

#define NSEC_PER_USEC	1000ull
#define USEC_PER_SEC	1000000ull
#define NSEC_PER_SEC	1000000000ull
#define NSEC_PER_MSEC	1000000ull

#define BAD_MACH_TIMESPEC(t) \
	((t)->tv_nsec < 0 || (t)->tv_nsec >= (clock_res_t)NSEC_PER_SEC)

#endif /* _MACH_CLOCK_TYPES_H_ */
