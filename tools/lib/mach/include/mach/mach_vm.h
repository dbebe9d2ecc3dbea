/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/mach_vm.h> for libmach on machipc: the 64-bit VM calls, the same
 * as <mach/vm_map.h>'s on the caller's own task.
 */
#ifndef _MACH_MACH_VM_H_
#define _MACH_MACH_VM_H_

#include <mach/mach_types.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
			       mach_vm_size_t size, int flags);
kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size);
kern_return_t mach_vm_protect(vm_map_t target_task, mach_vm_address_t address,
			      mach_vm_size_t size, boolean_t set_maximum,
			      vm_prot_t new_protection);
/* *data is new memory the caller releases with mach_vm_deallocate(). */
kern_return_t mach_vm_read(vm_map_read_t target_task, mach_vm_address_t address,
			   mach_vm_size_t size, vm_offset_t *data,
			   mach_msg_type_number_t *dataCnt);
kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task,
				     mach_vm_address_t address,
				     mach_vm_size_t size,
				     mach_vm_address_t data,
				     mach_vm_size_t *outsize);
kern_return_t mach_vm_write(vm_map_t target_task, mach_vm_address_t address,
			    vm_offset_t data, mach_msg_type_number_t dataCnt);
kern_return_t mach_vm_copy(vm_map_t target_task,
			   mach_vm_address_t source_address,
			   mach_vm_size_t size,
			   mach_vm_address_t dest_address);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_VM_H_ */
