/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/vm_map.h> for libmach on machipc: vm_allocate() and
 * vm_deallocate() on the caller's own task, built on mmap(2) and
 * munmap(2).  Memory comes zero-filled and page aligned.
 */
#ifndef _MACH_VM_MAP_H_
#define _MACH_VM_MAP_H_

#include <mach/mach_types.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address,
			  vm_size_t size, int flags);
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address,
			    vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_VM_MAP_H_ */
