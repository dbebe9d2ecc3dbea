/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/clock_types.h> for libmach: Mach's time value types and the ids
 * and attribute flavors of the host's clocks (<mach/clock.h>).
 */
#ifndef _MACH_CLOCK_TYPES_H_
#define _MACH_CLOCK_TYPES_H_

typedef int alarm_type_t;	/* TIME_ABSOLUTE or TIME_RELATIVE */
typedef int sleep_type_t;	/* the same, for a sleep */
typedef int clock_id_t;		/* SYSTEM_CLOCK, CALENDAR_CLOCK */
typedef int clock_flavor_t;	/* CLOCK_GET_TIME_RES ... */
typedef int *clock_attr_t;	/* where an attribute goes */
typedef int clock_res_t;	/* a resolution, in nanoseconds */

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

/* Sign of t1 - t2: +NSEC_PER_SEC, -NSEC_PER_SEC or the nanosecond gap. */
#define CMP_MACH_TIMESPEC(t1, t2) \
	((t1)->tv_sec > (t2)->tv_sec ? (long)NSEC_PER_SEC : \
	 (t1)->tv_sec < (t2)->tv_sec ? (long)-NSEC_PER_SEC : \
	 (long)(t1)->tv_nsec - (long)(t2)->tv_nsec)

/* t1 += t2 and t1 -= t2, both normalised. */
#define ADD_MACH_TIMESPEC(t1, t2) \
	do { \
		(t1)->tv_nsec += (t2)->tv_nsec; \
		if ((t1)->tv_nsec >= (clock_res_t)NSEC_PER_SEC) { \
			(t1)->tv_nsec -= (clock_res_t)NSEC_PER_SEC; \
			(t1)->tv_sec += 1; \
		} \
		(t1)->tv_sec += (t2)->tv_sec; \
	} while (0)

#define SUB_MACH_TIMESPEC(t1, t2) \
	do { \
		(t1)->tv_nsec -= (t2)->tv_nsec; \
		if ((t1)->tv_nsec < 0) { \
			(t1)->tv_nsec += (clock_res_t)NSEC_PER_SEC; \
			(t1)->tv_sec -= 1; \
		} \
		(t1)->tv_sec -= (t2)->tv_sec; \
	} while (0)

/* The host's clocks (host_get_clock_service()). */
#define SYSTEM_CLOCK		0	/* uptime, as mach_absolute_time() */
#define CALENDAR_CLOCK		1	/* time since the Epoch */
#define REALTIME_CLOCK		0	/* the old name of SYSTEM_CLOCK */

/* clock_get_attributes() flavors; 2 was the map-time call. */
#define CLOCK_GET_TIME_RES	1
#define CLOCK_ALARM_CURRES	3
#define CLOCK_ALARM_MINRES	4
#define CLOCK_ALARM_MAXRES	5

/* Alarm and sleep types. */
#define ALRMTYPE		0xff
#define TIME_ABSOLUTE		0x00
#define TIME_RELATIVE		0x01
#define BAD_ALRMTYPE(t)		(((t) & ~TIME_RELATIVE) != 0)

#endif /* _MACH_CLOCK_TYPES_H_ */
