/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/mach_types.h> for libmach on machipc: the object types of the
 * Mach API.  Every object is named by a mach_port_t; on machipc only the
 * caller's own task (mach_task_self()) exists as such an object.
 */
#ifndef _MACH_MACH_TYPES_H_
#define _MACH_MACH_TYPES_H_

#include <mach/std_types.h>
#include <mach/clock_types.h>
#include <mach/message.h>
#include <mach/vm_prot.h>

typedef mach_port_t task_t;
typedef mach_port_t task_name_t;
typedef mach_port_t task_inspect_t;
typedef mach_port_t task_read_t;
typedef mach_port_t task_port_t;
typedef mach_port_t task_policy_set_t;
typedef mach_port_t task_policy_get_t;
typedef mach_port_t space_t;
typedef mach_port_t ipc_space_t;
typedef mach_port_t ipc_space_read_t;
typedef mach_port_t ipc_space_inspect_t;
typedef mach_port_t thread_t;
typedef mach_port_t thread_act_t;
typedef mach_port_t thread_inspect_t;
typedef mach_port_t thread_read_t;
typedef mach_port_t thread_port_t;
typedef mach_port_t vm_map_t;
typedef mach_port_t vm_map_read_t;
typedef mach_port_t host_t;
typedef mach_port_t host_priv_t;
typedef mach_port_t processor_t;
typedef mach_port_t processor_set_t;
typedef mach_port_t semaphore_t;
typedef mach_port_t ledger_t;
typedef mach_port_t mem_entry_name_port_t;
typedef mach_port_t exception_handler_t;
typedef mach_port_t ipc_voucher_t;
typedef mach_port_t mach_voucher_t;
typedef mach_port_t clock_serv_t;
typedef mach_port_t clock_ctrl_t;
typedef mach_port_t clock_reply_t;

typedef task_t *task_array_t;
typedef thread_t *thread_array_t;
typedef thread_act_t *thread_act_array_t;
typedef exception_handler_t *exception_handler_array_t;

#define TASK_NULL		((task_t)0)
#define TASK_NAME_NULL		((task_name_t)0)
#define THREAD_NULL		((thread_t)0)
#define THR_ACT_NULL		((thread_act_t)0)
#define IPC_SPACE_NULL		((ipc_space_t)0)
#define HOST_NULL		((host_t)0)
#define VM_MAP_NULL		((vm_map_t)0)
#define SEMAPHORE_NULL		((semaphore_t)0)
#define IPC_VOUCHER_NULL	((ipc_voucher_t)0)
#define MACH_VOUCHER_NULL	((mach_voucher_t)0)

typedef natural_t ledger_item_t;
typedef integer_t *task_info_t;
typedef natural_t task_flavor_t;
typedef int task_special_port_t;

typedef char *mach_voucher_attr_raw_recipe_array_t;

#endif /* _MACH_MACH_TYPES_H_ */
