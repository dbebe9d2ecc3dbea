/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_FAULT_H
#define MACHIPC_FAULT_H

#include <linux/types.h>

int machipc_fault_in(u64 uaddr, u64 len, bool write);

#endif /* MACHIPC_FAULT_H */
