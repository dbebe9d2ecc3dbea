/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/task_info.h> for libmach on machipc: the task_info() flavors.
 * libmach answers TASK_SECURITY_TOKEN and TASK_AUDIT_TOKEN.
 */
#ifndef _MACH_TASK_INFO_H_
#define _MACH_TASK_INFO_H_

#include <mach/message.h>

typedef natural_t task_flavor_t;
typedef integer_t *task_info_t;

#define TASK_INFO_MAX		(1024)
typedef integer_t task_info_data_t[TASK_INFO_MAX];

#define TASK_BASIC_INFO_32	4
#define TASK_BASIC_INFO_64	5
#define TASK_EVENTS_INFO	2
#define TASK_THREAD_TIMES_INFO	3
#define TASK_ABSOLUTETIME_INFO	1
#define TASK_KERNELMEMORY_INFO	7
#define TASK_SECURITY_TOKEN	13
#define TASK_AUDIT_TOKEN	15
#define TASK_AFFINITY_TAG_INFO	16
#define TASK_DYLD_INFO		17
#define TASK_EXTMOD_INFO	19
#define MACH_TASK_BASIC_INFO	20
#define TASK_POWER_INFO		21
#define TASK_VM_INFO		22

#define TASK_SECURITY_TOKEN_COUNT \
	((mach_msg_type_number_t)(sizeof(security_token_t) / sizeof(natural_t)))
#define TASK_AUDIT_TOKEN_COUNT \
	(sizeof(audit_token_t) / sizeof(natural_t))

#endif /* _MACH_TASK_INFO_H_ */
