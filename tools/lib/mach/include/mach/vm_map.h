/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/vm_map.h> for libmach on machipc: the VM calls on the caller's
 * own task.  vm_allocate() and vm_deallocate() are mmap(2) and munmap(2):
 * memory comes zero-filled and page aligned.  vm_protect() is mprotect(2);
 * vm_read(), vm_read_overwrite(), vm_write() and vm_copy() copy without
 * faulting, returning KERN_INVALID_ADDRESS or KERN_PROTECTION_FAILURE for
 * memory that is not mapped or not readable / writable.
 */
#ifndef _MACH_VM_MAP_H_
#define _MACH_VM_MAP_H_

#include <mach/mach_types.h>
#include <mach/vm_statistics.h>
#include <mach/vm_inherit.h>
#include <mach/vm_behavior.h>
#include <mach/vm_purgable.h>
#include <mach/vm_region.h>
#include <mach/vm_sync.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address,
			  vm_size_t size, int flags);
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address,
			    vm_size_t size);
kern_return_t vm_protect(vm_map_t target_task, vm_address_t address,
			 vm_size_t size, boolean_t set_maximum,
			 vm_prot_t new_protection);
/* *data is new memory the caller releases with vm_deallocate(). */
kern_return_t vm_read(vm_map_read_t target_task, vm_address_t address,
		      vm_size_t size, vm_offset_t *data,
		      mach_msg_type_number_t *dataCnt);
kern_return_t vm_read_overwrite(vm_map_read_t target_task,
				vm_address_t address, vm_size_t size,
				vm_address_t data, vm_size_t *outsize);
kern_return_t vm_write(vm_map_t target_task, vm_address_t address,
		       vm_offset_t data, mach_msg_type_number_t dataCnt);
kern_return_t vm_copy(vm_map_t target_task, vm_address_t source_address,
		      vm_size_t size, vm_address_t dest_address);

kern_return_t vm_region(vm_map_read_t target_task, vm_address_t *address,
			vm_size_t *size, vm_region_flavor_t flavor,
			vm_region_info_t info, mach_msg_type_number_t *infoCnt,
			mach_port_t *object_name);
kern_return_t vm_region_64(vm_map_read_t target_task, vm_address_t *address,
			   vm_size_t *size, vm_region_flavor_t flavor,
			   vm_region_info_t info,
			   mach_msg_type_number_t *infoCnt,
			   mach_port_t *object_name);
kern_return_t vm_region_recurse_64(vm_map_read_t target_task,
				   vm_address_t *address, vm_size_t *size,
				   natural_t *nesting_depth,
				   vm_region_recurse_info_t info,
				   mach_msg_type_number_t *infoCnt);
kern_return_t vm_inherit(vm_map_t target_task, vm_address_t address,
			 vm_size_t size, vm_inherit_t new_inheritance);
kern_return_t vm_wire(host_priv_t host, vm_map_t task, vm_address_t address,
		      vm_size_t size, vm_prot_t desired_access);
kern_return_t vm_behavior_set(vm_map_t target_task, vm_address_t address,
			      vm_size_t size, vm_behavior_t new_behavior);
kern_return_t vm_msync(vm_map_t target_task, vm_address_t address,
		       vm_size_t size, vm_sync_t sync_flags);
kern_return_t vm_purgable_control(vm_map_t target_task, vm_address_t address,
				  vm_purgable_t control, int *state);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_VM_MAP_H_ */
