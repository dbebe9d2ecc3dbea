/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_INJECT_H
#define MACHIPC_INJECT_H

#include <linux/types.h>

void machipc_debugfs_init(void);
void machipc_debugfs_exit(void);
bool machipc_inject_abort_now(u32 chunk);
bool machipc_inject_abort_sender(void);
bool machipc_inject_pin_miss(void);

#endif /* MACHIPC_INJECT_H */
