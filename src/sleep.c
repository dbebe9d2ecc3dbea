// SPDX-License-Identifier: GPL-2.0
/*
 * Interruptible sleeps with absolute CLOCK_MONOTONIC deadlines.
 *
 * Every wait in machipc goes through here, before any commit point, so a
 * signal, a job-control stop, a ptrace request or the freezer (all of which
 * make signal_pending() true) ends it with -ERESTARTSYS and the operation
 * restarts from scratch with the same absolute deadline.
 *
 * A loop that waits, acts and waits again (the sender serving the copier's
 * fault-in requests, the copier asking for them, a receive looking again
 * after a lost claim) may find its condition true every time it looks, and
 * so never reach the deadline test inside machipc_sleep().  Such a loop
 * calls machipc_sleep_check() on every round that did not sleep: no call
 * outlives its deadline or ignores a signal, however its peers behave.
 */

#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "sleep.h"

/**
 * machipc_sleep() - wait until @ready(@arg), a signal, or the deadline
 * @wq: wait queue woken whenever @ready may have become true
 * @ready: the condition, evaluated after queueing on @wq
 * @arg: its argument
 * @deadline: absolute CLOCK_MONOTONIC time, or NULL for none
 *
 * Return: 0 when @ready, -ERESTARTSYS on a signal, -ETIMEDOUT when the
 * deadline passed (also when it had already passed: "do not block").
 */
int machipc_sleep(wait_queue_head_t *wq, bool (*ready)(void *arg), void *arg,
		  const ktime_t *deadline)
{
	DEFINE_WAIT(wait);
	int err = 0;

	for (;;) {
		prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE);
		if (ready(arg))
			break;
		if (signal_pending(current)) {
			err = -ERESTARTSYS;
			break;
		}
		if (deadline) {
			ktime_t expires = *deadline;

			if (ktime_compare(expires, ktime_get()) <= 0) {
				err = -ETIMEDOUT;
				break;
			}
			schedule_hrtimeout_range(&expires,
						 current->timer_slack_ns,
						 HRTIMER_MODE_ABS);
		} else {
			schedule();
		}
	}
	finish_wait(wq, &wait);
	return err;
}

/**
 * machipc_sleep_check() - may a wait loop go round once more?
 * @deadline: absolute CLOCK_MONOTONIC time, or NULL for none
 *
 * Return: 0, -ERESTARTSYS on a signal, or -ETIMEDOUT once the deadline
 * passed: what machipc_sleep() would have said had it slept.
 */
int machipc_sleep_check(const ktime_t *deadline)
{
	if (signal_pending(current))
		return -ERESTARTSYS;
	if (deadline && ktime_compare(*deadline, ktime_get()) <= 0)
		return -ETIMEDOUT;
	cond_resched();
	return 0;
}
