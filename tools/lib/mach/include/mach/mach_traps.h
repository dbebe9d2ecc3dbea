/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <mach/mach_traps.h> for libmach on machipc. */
#ifndef _MACH_MACH_TRAPS_H_
#define _MACH_MACH_TRAPS_H_

#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new receive right (the caller destroys it when done). */
mach_port_name_t mach_reply_port(void);
mach_port_name_t task_self_trap(void);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_TRAPS_H_ */
