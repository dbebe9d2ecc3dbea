/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/mach_port.h> for libmach on machipc: the port calls of XNU's
 * mach_port subsystem.  @task is always mach_task_self(): any other value
 * gives MACH_SEND_INVALID_DEST, as XNU's traps do for a name that is not
 * a task.  Documentation/mach-api.rst lists what each call returns.
 */
#ifndef _MACH_MACH_PORT_H_
#define _MACH_MACH_PORT_H_

#include <mach/mach_types.h>
#include <mach_debug/mach_debug_types.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t *names,
			      mach_msg_type_number_t *namesCnt,
			      mach_port_type_array_t *types,
			      mach_msg_type_number_t *typesCnt);
kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name,
			     mach_port_type_t *ptype);
kern_return_t mach_port_rename(ipc_space_t task, mach_port_name_t old_name,
			       mach_port_name_t new_name);
kern_return_t mach_port_allocate_name(ipc_space_t task,
				      mach_port_right_t right,
				      mach_port_name_t name);
kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right,
				 mach_port_name_t *name);
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);
/* The number of send rights to the port of receive right @name. */
kern_return_t mach_port_get_srights(ipc_space_t task, mach_port_name_t name,
				    mach_port_rights_t *srights);
kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name,
				 mach_port_right_t right,
				 mach_port_urefs_t *refs);
kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
				 mach_port_right_t right,
				 mach_port_delta_t delta);
kern_return_t mach_port_peek(ipc_space_t task, mach_port_name_t name,
			     mach_msg_trailer_type_t trailer_type,
			     mach_port_seqno_t *request_seqnop,
			     mach_msg_size_t *msg_sizep,
			     mach_msg_id_t *msg_idp,
			     mach_msg_trailer_info_t trailer_infop,
			     mach_msg_type_number_t *trailer_infopCnt);
kern_return_t mach_port_set_mscount(ipc_space_t task, mach_port_name_t name,
				    mach_port_mscount_t mscount);
kern_return_t mach_port_get_set_status(ipc_space_read_t task,
				       mach_port_name_t name,
				       mach_port_name_array_t *members,
				       mach_msg_type_number_t *membersCnt);
kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member,
				    mach_port_name_t after);
kern_return_t mach_port_request_notification(ipc_space_t task,
					     mach_port_name_t name,
					     mach_msg_id_t msgid,
					     mach_port_mscount_t sync,
					     mach_port_t notify,
					     mach_msg_type_name_t notifyPoly,
					     mach_port_t *previous);
kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
				     mach_port_t poly,
				     mach_msg_type_name_t polyPoly);
kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
				      mach_msg_type_name_t msgt_name,
				      mach_port_t *poly,
				      mach_msg_type_name_t *polyPoly);
kern_return_t mach_port_set_seqno(ipc_space_t task, mach_port_name_t name,
				  mach_port_seqno_t seqno);
kern_return_t mach_port_get_attributes(ipc_space_read_t task,
				       mach_port_name_t name,
				       mach_port_flavor_t flavor,
				       mach_port_info_t port_info_out,
				       mach_msg_type_number_t *port_info_outCnt);
kern_return_t mach_port_set_attributes(ipc_space_t task,
				       mach_port_name_t name,
				       mach_port_flavor_t flavor,
				       mach_port_info_t port_info,
				       mach_msg_type_number_t port_infoCnt);
kern_return_t mach_port_allocate_qos(ipc_space_t task,
				     mach_port_right_t right,
				     mach_port_qos_t *qos,
				     mach_port_name_t *name);
kern_return_t mach_port_allocate_full(ipc_space_t task,
				      mach_port_right_t right,
				      mach_port_t proto,
				      mach_port_qos_t *qos,
				      mach_port_name_t *name);
kern_return_t mach_port_insert_member(ipc_space_t task, mach_port_name_t name,
				      mach_port_name_t pset);
kern_return_t mach_port_extract_member(ipc_space_t task,
				       mach_port_name_t name,
				       mach_port_name_t pset);
kern_return_t mach_port_get_context(ipc_space_read_t task,
				    mach_port_name_t name,
				    mach_port_context_t *context);
kern_return_t mach_port_set_context(ipc_space_t task, mach_port_name_t name,
				    mach_port_context_t context);
kern_return_t mach_port_construct(ipc_space_t task,
				  mach_port_options_ptr_t options,
				  mach_port_context_t context,
				  mach_port_name_t *name);
kern_return_t mach_port_destruct(ipc_space_t task, mach_port_name_t name,
				 mach_port_delta_t srdelta,
				 mach_port_context_t guard);
kern_return_t mach_port_guard(ipc_space_t task, mach_port_name_t name,
			      mach_port_context_t guard, boolean_t strict);
kern_return_t mach_port_unguard(ipc_space_t task, mach_port_name_t name,
				mach_port_context_t guard);
kern_return_t mach_port_guard_with_flags(ipc_space_t task,
					 mach_port_name_t name,
					 mach_port_context_t guard,
					 uint64_t flags);
kern_return_t mach_port_swap_guard(ipc_space_t task, mach_port_name_t name,
				   mach_port_context_t old_guard,
				   mach_port_context_t new_guard);
/* MACH_PORT_GUARD_INFO: KERN_SUCCESS only for the right strict guard. */
kern_return_t mach_port_assert_attributes(ipc_space_t task,
					  mach_port_name_t name,
					  mach_port_flavor_t flavor,
					  mach_port_info_t info,
					  mach_msg_type_number_t infoCnt);

/*
 * Debug calls.  mach_port_space_info() lists the names in use (its table
 * is vm_allocate()d: vm_deallocate() it; the tree is always empty);
 * machipc ports are no kernel objects (type 0, address 0).
 */
kern_return_t mach_port_space_info(ipc_space_read_t space,
				   ipc_info_space_t *space_info,
				   ipc_info_name_array_t *table_info,
				   mach_msg_type_number_t *table_infoCnt,
				   ipc_info_tree_name_array_t *tree_info,
				   mach_msg_type_number_t *tree_infoCnt);
kern_return_t mach_port_space_basic_info(ipc_space_inspect_t task,
					 ipc_info_space_basic_t *basic_info);
kern_return_t mach_port_dnrequest_info(ipc_space_t task,
				       mach_port_name_t name,
				       unsigned int *dnr_total,
				       unsigned int *dnr_used);
kern_return_t mach_port_kernel_object(ipc_space_read_t task,
				      mach_port_name_t name,
				      unsigned int *object_type,
				      unsigned int *object_addr);
kern_return_t mach_port_kobject(ipc_space_read_t task, mach_port_name_t name,
				natural_t *object_type,
				mach_vm_address_t *object_addr);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_PORT_H_ */
