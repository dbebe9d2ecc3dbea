/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_TRANSIT_H
#define MACHIPC_TRANSIT_H

#include <linux/mutex.h>

#include <linux/types.h>

struct machipc_msg;
struct machipc_port;
struct machipc_space;

extern struct mutex machipc_transit_lock;

void machipc_transit_forget_msg(struct machipc_msg *msg);
bool machipc_transit_depth_ok(struct machipc_msg *msg);
struct machipc_port *machipc_transit_find_cycle(struct machipc_msg *msg);
void machipc_transit_enter(struct machipc_port *port, struct machipc_msg *msg);
void machipc_transit_leave(struct machipc_port *port,
			   struct machipc_space *space, u32 name);
void machipc_transit_leave_dead(struct machipc_port *port,
				struct machipc_msg *msg);

#endif /* MACHIPC_TRANSIT_H */
