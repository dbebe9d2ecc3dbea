/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <mach/memory_object_types.h> for libmach: the types vm_region() uses. */
#ifndef _MACH_MEMORY_OBJECT_TYPES_H_
#define _MACH_MEMORY_OBJECT_TYPES_H_

#include <stdint.h>

typedef unsigned long long memory_object_offset_t;
typedef unsigned long long memory_object_size_t;
typedef uint64_t vm_object_id_t;

#endif /* _MACH_MEMORY_OBJECT_TYPES_H_ */
