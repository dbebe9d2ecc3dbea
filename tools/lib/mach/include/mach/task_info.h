/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/task_info.h> for libmach on machipc: the task_info() flavors.
 * libmach answers the basic info flavors, TASK_EVENTS_INFO,
 * TASK_THREAD_TIMES_INFO, TASK_ABSOLUTETIME_INFO, TASK_VM_INFO,
 * TASK_FLAGS_INFO, TASK_DYLD_INFO, TASK_SECURITY_TOKEN and
 * TASK_AUDIT_TOKEN.  The structures are packed to 4 bytes, as XNU's.
 */
#ifndef _MACH_TASK_INFO_H_
#define _MACH_TASK_INFO_H_

#include <stdint.h>

#include <mach/message.h>
#include <mach/machine/vm_types.h>
#include <mach/time_value.h>
#include <mach/policy.h>

typedef natural_t task_flavor_t;
typedef integer_t *task_info_t;

#define TASK_INFO_MAX		(1024)
typedef integer_t task_info_data_t[TASK_INFO_MAX];

#pragma pack(push, 4)

#define TASK_ABSOLUTETIME_INFO	1
#define TASK_EVENTS_INFO	2
#define TASK_THREAD_TIMES_INFO	3
#define TASK_BASIC_INFO_32	4
#define TASK_BASIC2_INFO_32	6
#define TASK_KERNELMEMORY_INFO	7
#define TASK_SECURITY_TOKEN	13
#define TASK_AUDIT_TOKEN	15
#define TASK_AFFINITY_TAG_INFO	16
#define TASK_DYLD_INFO		17
#define TASK_BASIC_INFO_64_2	18	/* arm64's TASK_BASIC_INFO_64 */
#define TASK_EXTMOD_INFO	19
#define MACH_TASK_BASIC_INFO	20
#define TASK_POWER_INFO		21
#define TASK_VM_INFO		22
#define TASK_VM_INFO_PURGEABLE	23
#define TASK_FLAGS_INFO		28

/* Obsolete, as on XNU: use MACH_TASK_BASIC_INFO. */
struct task_basic_info_32 {
	integer_t suspend_count;
	natural_t virtual_size;
	natural_t resident_size;
	time_value_t user_time;		/* of terminated threads */
	time_value_t system_time;
	policy_t policy;
};
typedef struct task_basic_info_32 task_basic_info_32_data_t;
typedef struct task_basic_info_32 *task_basic_info_32_t;
#define TASK_BASIC_INFO_32_COUNT \
	(sizeof(task_basic_info_32_data_t) / sizeof(natural_t))

struct task_basic_info_64 {
	integer_t suspend_count;
	mach_vm_size_t virtual_size;
	mach_vm_size_t resident_size;
	time_value_t user_time;		/* of terminated threads */
	time_value_t system_time;
	policy_t policy;
};
typedef struct task_basic_info_64 task_basic_info_64_data_t;
typedef struct task_basic_info_64 *task_basic_info_64_t;
typedef struct task_basic_info_64 task_basic_info_64_2_data_t;
typedef struct task_basic_info_64 *task_basic_info_64_2_t;
#define TASK_BASIC_INFO_64_2_COUNT \
	(sizeof(task_basic_info_64_2_data_t) / sizeof(natural_t))
#if defined(__arm__) || defined(__aarch64__)
#define TASK_BASIC_INFO_64	TASK_BASIC_INFO_64_2
#else
#define TASK_BASIC_INFO_64	5
#endif
#define TASK_BASIC_INFO_64_COUNT \
	(sizeof(task_basic_info_64_data_t) / sizeof(natural_t))

struct task_basic_info {
	integer_t suspend_count;
	vm_size_t virtual_size;
	vm_size_t resident_size;
	time_value_t user_time;		/* of terminated threads */
	time_value_t system_time;
	policy_t policy;
};
typedef struct task_basic_info task_basic_info_data_t;
typedef struct task_basic_info *task_basic_info_t;
#define TASK_BASIC_INFO_COUNT \
	(sizeof(task_basic_info_data_t) / sizeof(natural_t))
#ifdef __LP64__
#define TASK_BASIC_INFO		TASK_BASIC_INFO_64
#else
#define TASK_BASIC_INFO		TASK_BASIC_INFO_32
#endif

struct task_events_info {
	integer_t faults;
	integer_t pageins;
	integer_t cow_faults;
	integer_t messages_sent;
	integer_t messages_received;
	integer_t syscalls_mach;
	integer_t syscalls_unix;
	integer_t csw;
};
typedef struct task_events_info task_events_info_data_t;
typedef struct task_events_info *task_events_info_t;
#define TASK_EVENTS_INFO_COUNT ((mach_msg_type_number_t) \
	(sizeof(task_events_info_data_t) / sizeof(natural_t)))

struct task_thread_times_info {
	time_value_t user_time;		/* of live threads */
	time_value_t system_time;
};
typedef struct task_thread_times_info task_thread_times_info_data_t;
typedef struct task_thread_times_info *task_thread_times_info_t;
#define TASK_THREAD_TIMES_INFO_COUNT ((mach_msg_type_number_t) \
	(sizeof(task_thread_times_info_data_t) / sizeof(natural_t)))

struct task_absolutetime_info {
	uint64_t total_user;		/* mach_absolute_time() units */
	uint64_t total_system;
	uint64_t threads_user;		/* live threads only */
	uint64_t threads_system;
};
typedef struct task_absolutetime_info task_absolutetime_info_data_t;
typedef struct task_absolutetime_info *task_absolutetime_info_t;
#define TASK_ABSOLUTETIME_INFO_COUNT ((mach_msg_type_number_t) \
	(sizeof(task_absolutetime_info_data_t) / sizeof(natural_t)))

#define TASK_SECURITY_TOKEN_COUNT \
	((mach_msg_type_number_t)(sizeof(security_token_t) / sizeof(natural_t)))
#define TASK_AUDIT_TOKEN_COUNT \
	(sizeof(audit_token_t) / sizeof(natural_t))

struct task_dyld_info {
	mach_vm_address_t all_image_info_addr;
	mach_vm_size_t all_image_info_size;
	integer_t all_image_info_format;
};
typedef struct task_dyld_info task_dyld_info_data_t;
typedef struct task_dyld_info *task_dyld_info_t;
#define TASK_DYLD_INFO_COUNT \
	(sizeof(task_dyld_info_data_t) / sizeof(natural_t))
#define TASK_DYLD_ALL_IMAGE_INFO_32	0
#define TASK_DYLD_ALL_IMAGE_INFO_64	1

struct mach_task_basic_info {
	mach_vm_size_t virtual_size;
	mach_vm_size_t resident_size;
	mach_vm_size_t resident_size_max;
	time_value_t user_time;		/* of terminated threads */
	time_value_t system_time;
	policy_t policy;
	integer_t suspend_count;
};
typedef struct mach_task_basic_info mach_task_basic_info_data_t;
typedef struct mach_task_basic_info *mach_task_basic_info_t;
#define MACH_TASK_BASIC_INFO_COUNT \
	(sizeof(mach_task_basic_info_data_t) / sizeof(natural_t))

struct task_vm_info {
	mach_vm_size_t virtual_size;
	integer_t region_count;
	integer_t page_size;
	mach_vm_size_t resident_size;
	mach_vm_size_t resident_size_peak;
	mach_vm_size_t device;
	mach_vm_size_t device_peak;
	mach_vm_size_t internal;
	mach_vm_size_t internal_peak;
	mach_vm_size_t external;
	mach_vm_size_t external_peak;
	mach_vm_size_t reusable;
	mach_vm_size_t reusable_peak;
	mach_vm_size_t purgeable_volatile_pmap;
	mach_vm_size_t purgeable_volatile_resident;
	mach_vm_size_t purgeable_volatile_virtual;
	mach_vm_size_t compressed;
	mach_vm_size_t compressed_peak;
	mach_vm_size_t compressed_lifetime;
	/* revision 1 */
	mach_vm_size_t phys_footprint;
	/* revision 2 */
	mach_vm_address_t min_address;
	mach_vm_address_t max_address;
	/* revision 3 */
	int64_t ledger_phys_footprint_peak;
	int64_t ledger_purgeable_nonvolatile;
	int64_t ledger_purgeable_novolatile_compressed;
	int64_t ledger_purgeable_volatile;
	int64_t ledger_purgeable_volatile_compressed;
	int64_t ledger_tag_network_nonvolatile;
	int64_t ledger_tag_network_nonvolatile_compressed;
	int64_t ledger_tag_network_volatile;
	int64_t ledger_tag_network_volatile_compressed;
	int64_t ledger_tag_media_footprint;
	int64_t ledger_tag_media_footprint_compressed;
	int64_t ledger_tag_media_nofootprint;
	int64_t ledger_tag_media_nofootprint_compressed;
	int64_t ledger_tag_graphics_footprint;
	int64_t ledger_tag_graphics_footprint_compressed;
	int64_t ledger_tag_graphics_nofootprint;
	int64_t ledger_tag_graphics_nofootprint_compressed;
	int64_t ledger_tag_neural_footprint;
	int64_t ledger_tag_neural_footprint_compressed;
	int64_t ledger_tag_neural_nofootprint;
	int64_t ledger_tag_neural_nofootprint_compressed;
	/* revision 4 */
	uint64_t limit_bytes_remaining;
	/* revision 5 */
	integer_t decompressions;
	/* revision 6 */
	int64_t ledger_swapins;
};
typedef struct task_vm_info task_vm_info_data_t;
typedef struct task_vm_info *task_vm_info_t;
#define TASK_VM_INFO_COUNT ((mach_msg_type_number_t) \
	(sizeof(task_vm_info_data_t) / sizeof(natural_t)))
#define TASK_VM_INFO_REV6_COUNT	TASK_VM_INFO_COUNT
#define TASK_VM_INFO_REV5_COUNT \
	((mach_msg_type_number_t)(TASK_VM_INFO_REV6_COUNT - 2))
#define TASK_VM_INFO_REV4_COUNT \
	((mach_msg_type_number_t)(TASK_VM_INFO_REV5_COUNT - 1))
#define TASK_VM_INFO_REV3_COUNT \
	((mach_msg_type_number_t)(TASK_VM_INFO_REV4_COUNT - 2))
#define TASK_VM_INFO_REV2_COUNT \
	((mach_msg_type_number_t)(TASK_VM_INFO_REV3_COUNT - 42))
#define TASK_VM_INFO_REV1_COUNT \
	((mach_msg_type_number_t)(TASK_VM_INFO_REV2_COUNT - 4))
#define TASK_VM_INFO_REV0_COUNT \
	((mach_msg_type_number_t)(TASK_VM_INFO_REV1_COUNT - 2))

struct task_flags_info {
	uint32_t flags;
};
typedef struct task_flags_info task_flags_info_data_t;
typedef struct task_flags_info *task_flags_info_t;
#define TASK_FLAGS_INFO_COUNT ((mach_msg_type_number_t) \
	(sizeof(task_flags_info_data_t) / sizeof(natural_t)))
#define TF_LP64		0x00000001
#define TF_64B_DATA	0x00000002

#pragma pack(pop)

#endif /* _MACH_TASK_INFO_H_ */
