/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_SLEEP_H
#define MACHIPC_SLEEP_H

#include <linux/ktime.h>
#include <linux/wait.h>

int machipc_sleep(wait_queue_head_t *wq, bool (*ready)(void *arg), void *arg,
		  const ktime_t *deadline);
int machipc_sleep_check(const ktime_t *deadline);

#endif /* MACHIPC_SLEEP_H */
