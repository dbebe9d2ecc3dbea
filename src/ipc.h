/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_IPC_H
#define MACHIPC_IPC_H

#include <linux/ktime.h>
#include <linux/types.h>

struct list_head;
struct machipc_entry;
struct machipc_msg;
struct machipc_msg_args;
struct machipc_out;
struct machipc_space;

int machipc_send(struct machipc_space *space, u64 uaddr, u32 size,
		 const ktime_t *deadline, bool will_receive, u32 *blame);
int machipc_receive(struct machipc_space *space, struct machipc_msg_args *arg,
		    const ktime_t *deadline, struct machipc_out *out);

int machipc_copyin_plan(struct machipc_space *space, struct machipc_msg *msg,
			struct list_head *plan);
void machipc_copyin_abort(struct machipc_msg *msg, struct list_head *plan);
bool machipc_copyin_empties(const struct machipc_entry *entry);
u32 machipc_copyin_count_emptied(const struct list_head *plan);
void machipc_copyin_commit(struct machipc_space *space, struct machipc_msg *msg,
			   struct list_head *plan, struct list_head *emptied);
void machipc_copyin_release(struct machipc_space *space,
			    struct list_head *emptied);

#endif /* MACHIPC_IPC_H */
