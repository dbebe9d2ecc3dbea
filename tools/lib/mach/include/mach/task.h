/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/task.h> for libmach on machipc: the task calls that make sense for
 * the caller's own task.
 */
#ifndef _MACH_TASK_H_
#define _MACH_TASK_H_

#include <mach/mach_types.h>
#include <mach/task_info.h>
#include <mach/task_special_ports.h>
#include <mach/task_policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The flavors of <mach/task_info.h> for mach_task_self(); the audit token
 * has the layout the message trailers carry, so a program can compare a
 * trailer with its own token.
 */
kern_return_t task_info(task_name_t target_task, task_flavor_t flavor,
			task_info_t task_info_out,
			mach_msg_type_number_t *task_info_outCnt);
/*
 * TASK_KERNEL_PORT, TASK_NAME_PORT, TASK_INSPECT_PORT, TASK_READ_PORT:
 * mach_task_self(); TASK_HOST_PORT: mach_host_self(); TASK_BOOTSTRAP_PORT:
 * a new send right (one more user reference); the ports nobody set:
 * MACH_PORT_NULL.
 */
kern_return_t task_get_special_port(task_inspect_t task, int which_port,
				    mach_port_t *special_port);
/* TASK_BOOTSTRAP_PORT only: what task_get_special_port() returns next. */
kern_return_t task_set_special_port(task_t task, int which_port,
				    mach_port_t special_port);
/* TASK_CATEGORY_POLICY: checked and remembered, no effect on Linux. */
kern_return_t task_policy_set(task_policy_set_t task,
			      task_policy_flavor_t flavor,
			      task_policy_t policy_info,
			      mach_msg_type_number_t policy_infoCnt);
kern_return_t task_policy_get(task_policy_get_t task,
			      task_policy_flavor_t flavor,
			      task_policy_t policy_info,
			      mach_msg_type_number_t *policy_infoCnt,
			      boolean_t *get_default);
/* Obsolete in XNU too: KERN_SUCCESS, nothing changes. */
kern_return_t task_set_port_space(ipc_space_t space, int table_entries);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_TASK_H_ */
