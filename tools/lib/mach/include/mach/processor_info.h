/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/processor_info.h> for libmach on machipc: the fixed-point scale
 * of the load figures (host_statistics(HOST_LOAD_INFO)) and the flavors
 * of host_processor_info(): PROCESSOR_BASIC_INFO, PROCESSOR_CPU_LOAD_INFO.
 */
#ifndef _MACH_PROCESSOR_INFO_H_
#define _MACH_PROCESSOR_INFO_H_

#include <mach/boolean.h>
#include <mach/machine.h>
#include <mach/message.h>

#define LOAD_SCALE		1000

typedef integer_t *processor_info_t;
typedef integer_t *processor_info_array_t;
#define PROCESSOR_INFO_MAX	(1024)
typedef integer_t processor_info_data_t[PROCESSOR_INFO_MAX];
typedef integer_t processor_flavor_t;

#define PROCESSOR_BASIC_INFO	1
#define PROCESSOR_CPU_LOAD_INFO	2

struct processor_basic_info {
	cpu_type_t cpu_type;
	cpu_subtype_t cpu_subtype;
	boolean_t running;
	int slot_num;
	boolean_t is_master;
};
typedef struct processor_basic_info processor_basic_info_data_t;
typedef struct processor_basic_info *processor_basic_info_t;
#define PROCESSOR_BASIC_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(processor_basic_info_data_t) / sizeof(natural_t)))

struct processor_cpu_load_info {
	unsigned int cpu_ticks[CPU_STATE_MAX];	/* CPU_STATE_* */
};

typedef struct processor_cpu_load_info processor_cpu_load_info_data_t;
typedef struct processor_cpu_load_info *processor_cpu_load_info_t;
#define PROCESSOR_CPU_LOAD_INFO_COUNT \
	((unsigned int)(sizeof(processor_cpu_load_info_data_t) / sizeof(natural_t)))

#endif /* _MACH_PROCESSOR_INFO_H_ */
