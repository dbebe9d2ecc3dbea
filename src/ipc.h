/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_IPC_H
#define MACHIPC_IPC_H

#include <linux/ktime.h>
#include <linux/types.h>

struct machipc_out;
struct machipc_space;

int machipc_send(struct machipc_space *space, u64 uaddr, u32 size,
		 const ktime_t *deadline, bool will_receive);
int machipc_receive(struct machipc_space *space, u32 name, u64 ubuf,
		    u32 *size, const ktime_t *deadline, struct machipc_out *out);

#endif /* MACHIPC_IPC_H */
