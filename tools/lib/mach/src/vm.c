// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: vm_allocate() and friends on mmap(2), for the caller's own
 * task.  Memory is anonymous, private, zero-filled and page aligned, as
 * Mach's; out-of-line regions received in messages are such memory too.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "internal.h"

static kern_return_t lm_vm_allocate(vm_map_t target, uint64_t *address,
				    uint64_t size, int flags)
{
	uint64_t mask = vm_page_mask;
	int mflags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *hint = NULL, *p;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (flags & ~(VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE |
		      VM_FLAGS_ALIAS_MASK | VM_FLAGS_PURGABLE |
		      VM_FLAGS_RANDOM_ADDR | VM_FLAGS_NO_CACHE))
		return KERN_INVALID_ARGUMENT;
	if (size == 0) {
		*address = 0;
		return KERN_SUCCESS;
	}
	if (size > UINT64_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	size = (size + mask) & ~mask;
	if (!(flags & VM_FLAGS_ANYWHERE)) {
		hint = (void *)(uintptr_t)(*address & ~mask);
		mflags |= (flags & VM_FLAGS_OVERWRITE) ? MAP_FIXED :
							 MAP_FIXED_NOREPLACE;
	}
	p = mmap(hint, size, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (p == MAP_FAILED)
		return errno == EEXIST || errno == EINVAL ? KERN_NO_SPACE :
							    KERN_RESOURCE_SHORTAGE;
	if (hint && p != hint) {
		/* An old kernel without MAP_FIXED_NOREPLACE. */
		munmap(p, size);
		return KERN_NO_SPACE;
	}
	*address = (uintptr_t)p;
	return KERN_SUCCESS;
}

static kern_return_t lm_vm_deallocate(vm_map_t target, uint64_t address,
				      uint64_t size)
{
	uint64_t mask = vm_page_mask, start, end;

	if (!lm_task_ok(target))
		return MACH_SEND_INVALID_DEST;
	if (size == 0)
		return KERN_SUCCESS;
	start = address & ~mask;
	if (address + size < address || address + size > UINT64_MAX - mask)
		return KERN_INVALID_ARGUMENT;
	end = (address + size + mask) & ~mask;
	if (munmap((void *)(uintptr_t)start, end - start))
		return KERN_INVALID_ADDRESS;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address,
				    vm_size_t size, int flags)
{
	uint64_t a = *address;
	kern_return_t kr = lm_vm_allocate(target_task, &a, size, flags);

	if (!kr)
		*address = (vm_address_t)a;
	return kr;
}

LM_EXPORT kern_return_t vm_deallocate(vm_map_t target_task,
				      vm_address_t address, vm_size_t size)
{
	return lm_vm_deallocate(target_task, address, size);
}

LM_EXPORT kern_return_t mach_vm_allocate(vm_map_t target,
					 mach_vm_address_t *address,
					 mach_vm_size_t size, int flags)
{
	return lm_vm_allocate(target, address, size, flags);
}

LM_EXPORT kern_return_t mach_vm_deallocate(vm_map_t target,
					   mach_vm_address_t address,
					   mach_vm_size_t size)
{
	return lm_vm_deallocate(target, address, size);
}
