/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/vm_statistics.h> for libmach on machipc: the vm_allocate() flags.
 * Only VM_FLAGS_FIXED, VM_FLAGS_ANYWHERE and VM_FLAGS_OVERWRITE have an
 * effect; the VM_MAKE_TAG() tag is accepted and ignored.
 */
#ifndef _MACH_VM_STATISTICS_H_
#define _MACH_VM_STATISTICS_H_

#define VM_FLAGS_FIXED			0x00000000
#define VM_FLAGS_ANYWHERE		0x00000001
#define VM_FLAGS_PURGABLE		0x00000002
#define VM_FLAGS_4GB_CHUNK		0x00000004
#define VM_FLAGS_RANDOM_ADDR		0x00000008
#define VM_FLAGS_NO_CACHE		0x00000010
#define VM_FLAGS_RESILIENT_CODESIGN	0x00000020
#define VM_FLAGS_RESILIENT_MEDIA	0x00000040
#define VM_FLAGS_PERMANENT		0x00000080
#define VM_FLAGS_TPRO			0x00001000
#define VM_FLAGS_OVERWRITE		0x00004000
#define VM_FLAGS_SUPERPAGE_MASK		0x00070000
#define VM_FLAGS_RETURN_DATA_ADDR	0x00100000
#define VM_FLAGS_RETURN_4K_DATA_ADDR	0x00800000
#define VM_FLAGS_ALIAS_MASK		0xFF000000

#define VM_MAKE_TAG(tag)		((tag) << 24)
#define VM_GET_FLAGS_ALIAS(flags, alias) \
	((alias) = (((flags) >> 24) & 0xff))

#define VM_MEMORY_MALLOC		1
#define VM_MEMORY_MACH_MSG		20
#define VM_MEMORY_APPLICATION_SPECIFIC_1 240

#endif /* _MACH_VM_STATISTICS_H_ */
