/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/vm_types.h> for libmach on machipc: Mach's integer and address
 * types, LP64 (x86_64) sizes.
 */
#ifndef _MACH_VM_TYPES_H_
#define _MACH_VM_TYPES_H_

#include <stdint.h>

typedef unsigned int natural_t;
typedef int integer_t;

typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;
typedef uintptr_t vm_address_t;
typedef uintptr_t pointer_t;
typedef uintptr_t vm_map_address_t;
typedef uintptr_t vm_map_offset_t;
typedef uintptr_t vm_map_size_t;

typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_offset_t;
typedef uint64_t mach_vm_size_t;

typedef uint64_t vm_object_offset_t;
typedef uint64_t vm_object_size_t;

typedef uint8_t *mach_vm_buffer_t;	/* unused placeholder type */

typedef natural_t mach_port_context32_t;
typedef uint64_t mach_port_context64_t;

#endif /* _MACH_VM_TYPES_H_ */
