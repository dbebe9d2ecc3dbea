/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_NAMES_H
#define MACHIPC_NAMES_H

#include <linux/machipc.h>

struct machipc_out;
struct machipc_space;

int machipc_name_allocate(struct machipc_space *space,
			  struct machipc_port_alloc *arg,
			  struct machipc_out *out);
int machipc_name_allocate_name(struct machipc_space *space,
			       struct machipc_port_alloc *arg);
int machipc_name_destroy(struct machipc_space *space, u32 name);
int machipc_name_deallocate(struct machipc_space *space, u32 name);
int machipc_name_mod_refs(struct machipc_space *space,
			  const struct machipc_port_mod_refs *arg);
int machipc_name_insert_right(struct machipc_space *space,
			      struct machipc_port_insert *arg,
			      struct machipc_out *out);
int machipc_name_move_member(struct machipc_space *space,
			     const struct machipc_port_member *arg);
int machipc_name_get_attributes(struct machipc_space *space,
				struct machipc_port_attr *arg);
int machipc_name_set_attributes(struct machipc_space *space,
				const struct machipc_port_attr *arg);
int machipc_name_info(struct machipc_space *space,
		      struct machipc_name_info *arg);
int machipc_name_list(struct machipc_space *space,
		      struct machipc_port_names *arg, size_t entry_size);

#endif /* MACHIPC_NAMES_H */
