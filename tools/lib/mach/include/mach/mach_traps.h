/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <mach/mach_traps.h> for libmach on machipc. */
#ifndef _MACH_MACH_TRAPS_H_
#define _MACH_MACH_TRAPS_H_

#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/thread_switch.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new receive right (the caller destroys it when done). */
mach_port_name_t mach_reply_port(void);
mach_port_name_t task_self_trap(void);
mach_port_name_t host_self_trap(void);
mach_port_name_t thread_self_trap(void);

/*
 * The process id of @t, which must be mach_task_self(); else *@x is -1
 * and the result KERN_FAILURE, as for a name that is no task on XNU.
 */
kern_return_t pid_for_task(mach_port_name_t t, int *x);
/*
 * The caller's own task (pid == getpid()): mach_task_self(),
 * KERN_SUCCESS.  Another process's task is not
 * reachable through machipc: *@t is MACH_PORT_NULL and the result
 * KERN_FAILURE, XNU's answer to a caller without the right to it.
 */
kern_return_t task_for_pid(mach_port_name_t target_tport, int pid,
			   mach_port_name_t *t);

/*
 * Scheduling hints.  thread_switch() yields the CPU (SWITCH_OPTION_NONE,
 * _DEPRESS) or sleeps @option_time milliseconds (SWITCH_OPTION_WAIT,
 * _OSLOCK_WAIT; microseconds for SWITCH_OPTION_DISPATCH_CONTENTION);
 * Linux cannot hand the CPU to a chosen thread or depress a priority for
 * a while, so @thread_name is ignored and a depress is a yield.
 * swtch() and swtch_pri() yield and return FALSE.
 */
kern_return_t thread_switch(mach_port_name_t thread_name, int option,
			    mach_msg_timeout_t option_time);
boolean_t swtch_pri(int pri);
boolean_t swtch(void);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_TRAPS_H_ */
