/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/mach_init.h> for libmach on machipc: the caller's task, its
 * bootstrap port, MIG reply ports and the page size.
 *
 * libmach opens the process's IPC space (/dev/machipc) when it is loaded,
 * and again in the child after fork(), so mach_task_self() and
 * bootstrap_port are valid from main() on.
 */
#ifndef _MACH_MACH_INIT_H_
#define _MACH_MACH_INIT_H_

#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

extern mach_port_t mach_task_self_;
#define mach_task_self()	mach_task_self_
#define current_task()		mach_task_self()

/*
 * The host's and the calling thread's names: a send right each call (one
 * more user reference of the same name), which mach_port_deallocate()
 * releases, as on XNU.
 */
mach_port_t mach_host_self(void);
mach_port_t mach_thread_self(void);

/* The bootstrap port inherited from machipc-bootstrapd, or MACH_PORT_NULL. */
extern mach_port_t bootstrap_port;

/* A per-thread receive right for MIG-style replies. */
mach_port_t mig_get_reply_port(void);
void mig_dealloc_reply_port(mach_port_t reply_port);
void mig_put_reply_port(mach_port_t reply_port);

extern vm_size_t vm_page_size;
extern vm_size_t vm_page_mask;
extern int vm_page_shift;

#define trunc_page(x)	((x) & (~(vm_page_size - 1)))
#define round_page(x)	trunc_page((x) + (vm_page_size - 1))

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_INIT_H_ */
