/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/host_info.h> for libmach on machipc: the flavors of host_info()
 * and host_statistics() that Linux can answer, with XNU's numbers and
 * layouts.  Every count is in integer_t units, as the calls take them.
 */
#ifndef _MACH_HOST_INFO_H_
#define _MACH_HOST_INFO_H_

#include <stdint.h>

#include <mach/machine.h>
#include <mach/processor_info.h>
#include <mach/message.h>
#include <mach/vm_statistics.h>

typedef integer_t *host_info_t;
typedef integer_t *host_info64_t;
#define HOST_INFO_MAX		1024
typedef integer_t host_info_data_t[HOST_INFO_MAX];
typedef integer_t host_flavor_t;

/* host_info() flavors. */
#define HOST_BASIC_INFO		1
#define HOST_SCHED_INFO		3
#define HOST_RESOURCE_SIZES	4
#define HOST_PRIORITY_INFO	5
#define HOST_SEMAPHORE_TRAPS	7
#define HOST_MACH_MSG_TRAP	8
#define HOST_VM_PURGABLE	9
#define HOST_DEBUG_INFO_INTERNAL 10
#define HOST_CAN_HAS_DEBUGGER	11
#define HOST_PREFERRED_USER_ARCH 12

/* host_statistics() flavors. */
#define HOST_LOAD_INFO		1
#define HOST_VM_INFO		2
#define HOST_CPU_LOAD_INFO	3
#define HOST_VM_INFO64		4
#define HOST_EXTMOD_INFO64	5
#define HOST_EXPIRED_TASK_INFO	6

#pragma pack(push, 4)

struct host_basic_info {
	integer_t max_cpus;		/* CPUs configured */
	integer_t avail_cpus;		/* CPUs online */
	natural_t memory_size;		/* bytes, at most 2 GiB */
	cpu_type_t cpu_type;
	cpu_subtype_t cpu_subtype;
	cpu_threadtype_t cpu_threadtype;
	integer_t physical_cpu;
	integer_t physical_cpu_max;
	integer_t logical_cpu;
	integer_t logical_cpu_max;
	uint64_t max_mem;		/* bytes of RAM */
};

#pragma pack(pop)

typedef struct host_basic_info host_basic_info_data_t;
typedef struct host_basic_info *host_basic_info_t;
#define HOST_BASIC_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_basic_info_data_t) / sizeof(integer_t)))
/* The first five fields: the size of the structure before max_mem. */
#define HOST_BASIC_INFO_OLD_COUNT ((mach_msg_type_number_t)5)

struct host_sched_info {
	integer_t min_timeout;		/* milliseconds */
	integer_t min_quantum;		/* milliseconds */
};

typedef struct host_sched_info host_sched_info_data_t;
typedef struct host_sched_info *host_sched_info_t;
#define HOST_SCHED_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_sched_info_data_t) / sizeof(integer_t)))

struct host_priority_info {
	integer_t kernel_priority;
	integer_t system_priority;
	integer_t server_priority;
	integer_t user_priority;
	integer_t depress_priority;
	integer_t idle_priority;
	integer_t minimum_priority;
	integer_t maximum_priority;
};

typedef struct host_priority_info host_priority_info_data_t;
typedef struct host_priority_info *host_priority_info_t;
#define HOST_PRIORITY_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_priority_info_data_t) / sizeof(integer_t)))

/* avenrun and mach_factor are fixed point, scaled by LOAD_SCALE. */
struct host_load_info {
	integer_t avenrun[3];		/* 1, 5 and 15 minute load averages */
	integer_t mach_factor[3];	/* CPUs free over the same periods */
};

typedef struct host_load_info host_load_info_data_t;
typedef struct host_load_info *host_load_info_t;
#define HOST_LOAD_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_load_info_data_t) / sizeof(integer_t)))

struct host_cpu_load_info {
	natural_t cpu_ticks[CPU_STATE_MAX];	/* CPU_STATE_* */
};

typedef struct host_cpu_load_info host_cpu_load_info_data_t;
typedef struct host_cpu_load_info *host_cpu_load_info_t;
#define HOST_CPU_LOAD_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_cpu_load_info_data_t) / sizeof(integer_t)))

#define HOST_VM_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(vm_statistics_data_t) / sizeof(integer_t)))
/* The structure up to hits (REV0) and to purges (REV1), as on XNU. */
#define HOST_VM_INFO_REV0_COUNT	((mach_msg_type_number_t)12)
#define HOST_VM_INFO_REV1_COUNT	((mach_msg_type_number_t)14)
#define HOST_VM_INFO_REV2_COUNT	HOST_VM_INFO_COUNT
#define HOST_VM_INFO_LATEST_COUNT HOST_VM_INFO_COUNT

#define HOST_VM_INFO64_COUNT \
	((mach_msg_type_number_t)(sizeof(vm_statistics64_data_t) / sizeof(integer_t)))
/* The structure up to speculative_count (REV0), and all of it (REV1). */
#define HOST_VM_INFO64_REV0_COUNT ((mach_msg_type_number_t)24)
#define HOST_VM_INFO64_REV1_COUNT HOST_VM_INFO64_COUNT
#define HOST_VM_INFO64_LATEST_COUNT HOST_VM_INFO64_COUNT

#endif /* _MACH_HOST_INFO_H_ */
