/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/semaphore.h> for libmach on machipc: Mach semaphores of the
 * calling task.  A semaphore_t is a name in the task's space (a dead name
 * the library allocates, so no port ever gets it); the semaphore itself
 * lives in the library and serves the threads of this process only: it
 * cannot be sent to another task.
 */
#ifndef _MACH_SEMAPHORE_H_
#define _MACH_SEMAPHORE_H_

#include <mach/clock_types.h>
#include <mach/mach_types.h>
#include <mach/kern_return.h>
#include <mach/sync_policy.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t semaphore_create(task_t task, semaphore_t *semaphore,
			       int policy, int value);
kern_return_t semaphore_destroy(task_t task, semaphore_t semaphore);
kern_return_t semaphore_signal(semaphore_t semaphore);
kern_return_t semaphore_signal_all(semaphore_t semaphore);
/* THREAD_NULL only: wakes one waiter, KERN_NOT_WAITING if none. */
kern_return_t semaphore_signal_thread(semaphore_t semaphore, thread_t thread);
kern_return_t semaphore_wait(semaphore_t semaphore);
kern_return_t semaphore_timedwait(semaphore_t semaphore,
				  mach_timespec_t wait_time);
kern_return_t semaphore_wait_signal(semaphore_t wait_semaphore,
				    semaphore_t signal_semaphore);
kern_return_t semaphore_timedwait_signal(semaphore_t wait_semaphore,
					 semaphore_t signal_semaphore,
					 mach_timespec_t wait_time);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_SEMAPHORE_H_ */
