/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/vm_purgable.h> for libmach: purgeable-memory controls, for memory
 * allocated with VM_FLAGS_PURGABLE (volatile memory is never purged by
 * the system here; EMPTY discards it at once).
 */
#ifndef _MACH_VM_PURGABLE_H_
#define _MACH_VM_PURGABLE_H_

typedef int vm_purgable_t;

#define VM_PURGABLE_SET_STATE		((vm_purgable_t)0)
#define VM_PURGABLE_GET_STATE		((vm_purgable_t)1)
#define VM_PURGABLE_PURGE_ALL		((vm_purgable_t)2)
#define VM_PURGABLE_SET_STATE_FROM_KERNEL ((vm_purgable_t)3)

#define VM_PURGABLE_STATE_MIN		0
#define VM_PURGABLE_STATE_MAX		3
#define VM_PURGABLE_STATE_MASK		3
#define VM_PURGABLE_NONVOLATILE		0
#define VM_PURGABLE_VOLATILE		1
#define VM_PURGABLE_EMPTY		2
#define VM_PURGABLE_DENY		3

#endif /* _MACH_VM_PURGABLE_H_ */
