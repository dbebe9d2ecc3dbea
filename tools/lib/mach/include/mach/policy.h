/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/policy.h> for libmach on machipc: the scheduling policy numbers
 * task_info() and thread_info() report (always POLICY_TIMESHARE here).
 */
#ifndef _MACH_POLICY_H_
#define _MACH_POLICY_H_

#include <mach/machine/vm_types.h>

typedef int policy_t;
typedef integer_t *policy_info_t;
typedef integer_t *policy_base_t;
typedef integer_t *policy_limit_t;

#define POLICY_NULL		0
#define POLICY_TIMESHARE	1
#define POLICY_RR		2
#define POLICY_FIFO		4

#endif /* _MACH_POLICY_H_ */
