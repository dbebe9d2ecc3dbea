/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/vm_statistics.h> for libmach on machipc: the vm_allocate() flags
 * and the page counts of host_statistics(HOST_VM_INFO) and
 * host_statistics64(HOST_VM_INFO64), with XNU's layouts.
 * vm_allocate() takes XNU's VM_FLAGS_USER_ALLOCATE; FIXED, ANYWHERE,
 * OVERWRITE, PURGABLE and the superpage size have an effect, the others
 * (and the VM_MAKE_TAG() tag) are accepted and ignored.
 */
#ifndef _MACH_VM_STATISTICS_H_
#define _MACH_VM_STATISTICS_H_

#include <stdint.h>

#include <mach/machine/vm_types.h>

/* Counts in pages; events since boot.  What Linux has no count of is 0. */
struct vm_statistics {
	natural_t free_count;
	natural_t active_count;
	natural_t inactive_count;
	natural_t wire_count;
	natural_t zero_fill_count;
	natural_t reactivations;
	natural_t pageins;
	natural_t pageouts;
	natural_t faults;
	natural_t cow_faults;
	natural_t lookups;
	natural_t hits;
	natural_t purgeable_count;
	natural_t purges;
	natural_t speculative_count;
};

typedef struct vm_statistics vm_statistics_data_t;
typedef struct vm_statistics *vm_statistics_t;

struct vm_statistics64 {
	natural_t free_count;
	natural_t active_count;
	natural_t inactive_count;
	natural_t wire_count;
	uint64_t zero_fill_count;
	uint64_t reactivations;
	uint64_t pageins;
	uint64_t pageouts;
	uint64_t faults;
	uint64_t cow_faults;
	uint64_t lookups;
	uint64_t hits;
	uint64_t purges;
	natural_t purgeable_count;
	natural_t speculative_count;
	uint64_t decompressions;
	uint64_t compressions;
	uint64_t swapins;
	uint64_t swapouts;
	natural_t compressor_page_count;
	natural_t throttled_count;
	natural_t external_page_count;
	natural_t internal_page_count;
	uint64_t total_uncompressed_pages_in_compressor;
} __attribute__((aligned(8)));

typedef struct vm_statistics64 vm_statistics64_data_t;
typedef struct vm_statistics64 *vm_statistics64_t;

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
#define VM_FLAGS_MTE			0x00002000
#define VM_FLAGS_OVERWRITE		0x00004000
#define VM_FLAGS_SUPERPAGE_MASK		0x00070000
#define VM_FLAGS_RETURN_DATA_ADDR	0x00100000
#define VM_FLAGS_GUARD_OBJECT_OPTOUT	0x00400000
#define VM_FLAGS_RETURN_4K_DATA_ADDR	0x00800000
#define VM_FLAGS_ALIAS_MASK		0xFF000000

#define VM_MAKE_TAG(tag)		((tag) << 24)
#define VM_GET_FLAGS_ALIAS(flags, alias) \
	((alias) = (((flags) >> 24) & 0xff))
#define VM_SET_FLAGS_ALIAS(flags, alias) \
	((flags) = (((flags) & ~VM_FLAGS_ALIAS_MASK) | \
		    (((alias) & ~VM_FLAGS_ALIAS_MASK) << 24)))

#define VM_FLAGS_HW			(VM_FLAGS_TPRO | VM_FLAGS_MTE)

/* What user space may pass to vm_allocate(), vm_map(), vm_remap(). */
#define VM_FLAGS_USER_ALLOCATE	(VM_FLAGS_FIXED | VM_FLAGS_ANYWHERE | \
				 VM_FLAGS_PURGABLE | VM_FLAGS_4GB_CHUNK | \
				 VM_FLAGS_RANDOM_ADDR | VM_FLAGS_NO_CACHE | \
				 VM_FLAGS_PERMANENT | VM_FLAGS_OVERWRITE | \
				 VM_FLAGS_GUARD_OBJECT_OPTOUT | \
				 VM_FLAGS_SUPERPAGE_MASK | VM_FLAGS_HW | \
				 VM_FLAGS_ALIAS_MASK)
#define VM_FLAGS_USER_MAP	(VM_FLAGS_USER_ALLOCATE | \
				 VM_FLAGS_RETURN_4K_DATA_ADDR | \
				 VM_FLAGS_RETURN_DATA_ADDR)
#define VM_FLAGS_USER_REMAP	(VM_FLAGS_FIXED | VM_FLAGS_ANYWHERE | \
				 VM_FLAGS_RANDOM_ADDR | VM_FLAGS_OVERWRITE | \
				 VM_FLAGS_RETURN_DATA_ADDR | \
				 VM_FLAGS_RESILIENT_CODESIGN | \
				 VM_FLAGS_RESILIENT_MEDIA)

/* The superpage size, in VM_FLAGS_SUPERPAGE_MASK. */
#define VM_FLAGS_SUPERPAGE_SHIFT	16
#define SUPERPAGE_NONE			0
#define SUPERPAGE_SIZE_ANY		1
#define SUPERPAGE_SIZE_2MB		2
#define VM_FLAGS_SUPERPAGE_NONE \
	(SUPERPAGE_NONE << VM_FLAGS_SUPERPAGE_SHIFT)
#define VM_FLAGS_SUPERPAGE_SIZE_ANY \
	(SUPERPAGE_SIZE_ANY << VM_FLAGS_SUPERPAGE_SHIFT)
#define VM_FLAGS_SUPERPAGE_SIZE_2MB \
	(SUPERPAGE_SIZE_2MB << VM_FLAGS_SUPERPAGE_SHIFT)

#define VM_MEMORY_MALLOC		1
#define VM_MEMORY_MACH_MSG		20
#define VM_MEMORY_APPLICATION_SPECIFIC_1 240

#endif /* _MACH_VM_STATISTICS_H_ */
