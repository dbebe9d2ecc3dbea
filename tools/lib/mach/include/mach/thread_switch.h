/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/thread_switch.h> for libmach on machipc: the options of
 * thread_switch() (<mach/mach_traps.h>), with XNU's numbers.
 */
#ifndef _MACH_THREAD_SWITCH_H_
#define _MACH_THREAD_SWITCH_H_

#define SWITCH_OPTION_NONE			0
#define SWITCH_OPTION_DEPRESS			1
#define SWITCH_OPTION_WAIT			2
#define SWITCH_OPTION_DISPATCH_CONTENTION	3
#define SWITCH_OPTION_OSLOCK_DEPRESS		4
#define SWITCH_OPTION_OSLOCK_WAIT		5

#endif /* _MACH_THREAD_SWITCH_H_ */
