/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/processor_info.h> for libmach on machipc: the fixed-point scale
 * of the load figures (host_statistics(HOST_LOAD_INFO)) and the per-CPU
 * load structure's layout.  host_processor_info() itself is not provided:
 * Linux programs read /proc/stat.
 */
#ifndef _MACH_PROCESSOR_INFO_H_
#define _MACH_PROCESSOR_INFO_H_

#include <mach/machine.h>

#define LOAD_SCALE		1000

#define PROCESSOR_BASIC_INFO	1
#define PROCESSOR_CPU_LOAD_INFO	2

struct processor_cpu_load_info {
	unsigned int cpu_ticks[CPU_STATE_MAX];	/* CPU_STATE_* */
};

typedef struct processor_cpu_load_info processor_cpu_load_info_data_t;
typedef struct processor_cpu_load_info *processor_cpu_load_info_t;
#define PROCESSOR_CPU_LOAD_INFO_COUNT \
	((unsigned int)(sizeof(processor_cpu_load_info_data_t) / sizeof(natural_t)))

#endif /* _MACH_PROCESSOR_INFO_H_ */
