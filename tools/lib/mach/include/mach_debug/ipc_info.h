/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach_debug/ipc_info.h>: what mach_port_space_info() and
 * mach_port_space_basic_info() return.  The layouts are XNU's (all
 * natural_t), so code written for macOS reads them unchanged.
 */
#ifndef _MACH_DEBUG_IPC_INFO_H_
#define _MACH_DEBUG_IPC_INFO_H_

#include <mach/boolean.h>
#include <mach/port.h>

typedef struct ipc_info_space {
	natural_t iis_genno_mask;	/* generation bits of a name */
	natural_t iis_table_size;	/* entries returned */
	natural_t iis_table_next;	/* unused */
	natural_t iis_tree_size;	/* unused */
	natural_t iis_tree_small;	/* unused */
	natural_t iis_tree_hash;	/* unused */
} ipc_info_space_t;

typedef struct ipc_info_space_basic {
	natural_t iisb_genno_mask;	/* generation bits of a name */
	natural_t iisb_table_size;	/* names in the space */
	natural_t iisb_table_next;	/* unused */
	natural_t iisb_table_inuse;	/* names in use */
	natural_t iisb_reserved[2];
} ipc_info_space_basic_t;

typedef struct ipc_info_name {
	mach_port_name_t iin_name;	/* the name */
	integer_t iin_collision;	/* always 0 */
	mach_port_type_t iin_type;	/* as mach_port_type() */
	mach_port_urefs_t iin_urefs;	/* user references */
	natural_t iin_object;		/* an identifier of the port, or 0 */
	natural_t iin_next;		/* unused */
	natural_t iin_hash;		/* unused */
} ipc_info_name_t;

typedef ipc_info_name_t *ipc_info_name_array_t;

/* No longer filled by XNU either: always empty. */
typedef struct ipc_info_tree_name {
	ipc_info_name_t iitn_name;
	mach_port_name_t iitn_lchild;
	mach_port_name_t iitn_rchild;
} ipc_info_tree_name_t;

typedef ipc_info_tree_name_t *ipc_info_tree_name_array_t;

#endif /* _MACH_DEBUG_IPC_INFO_H_ */
