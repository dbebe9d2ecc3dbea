/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_TRANSIT_H
#define MACHIPC_TRANSIT_H

#include <linux/mutex.h>

struct machipc_msg;
struct machipc_port;

extern struct mutex machipc_transit_lock;

void machipc_transit_forget_msg(struct machipc_msg *msg);
bool machipc_transit_depth_ok(struct machipc_msg *msg);
struct machipc_port *machipc_transit_find_cycle(struct machipc_msg *msg);

#endif /* MACHIPC_TRANSIT_H */
