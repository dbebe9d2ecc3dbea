/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/mach.h> for libmach on machipc: the Mach API as macOS programs
 * call it, on the machipc kernel module.  Documentation/mach-api.rst says
 * what is supported and every difference from XNU.
 */
#ifndef _MACH_H_
#define _MACH_H_

#include <mach/std_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/notify.h>
#include <mach/mach_port.h>
#include <mach/mach_init.h>
#include <mach/mach_traps.h>
#include <mach/mach_error.h>
#include <mach/mig_errors.h>
#include <mach/task.h>
#include <mach/thread_act.h>
#include <mach/semaphore.h>
#include <mach/clock.h>
#include <mach/mach_host.h>
#include <mach/vm_map.h>
#include <mach/mach_vm.h>
#include <mach/ndr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Releases every right and out-of-line region a received message holds. */
void mach_msg_destroy(mach_msg_header_t *msg);

mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg);
mach_msg_return_t mach_msg_send(mach_msg_header_t *msg);

/*
 * Receive one request on @rcv_name, hand it to @demux, send the reply it
 * built (if any), as XNU's libsyscall does.  @max_size is the largest
 * request and reply; @options may add MACH_RCV_* / MACH_SEND_* options
 * and trailer elements; without MACH_RCV_LARGE a larger request is
 * MACH_RCV_TOO_LARGE (and destroyed).  mach_msg_server() loops until an
 * error; mach_msg_server_importance() is mach_msg_server().
 */
mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t *,
							   mach_msg_header_t *),
				       mach_msg_size_t max_size,
				       mach_port_t rcv_name,
				       mach_msg_options_t options);
mach_msg_return_t mach_msg_server(boolean_t (*demux)(mach_msg_header_t *,
						      mach_msg_header_t *),
				  mach_msg_size_t max_size,
				  mach_port_t rcv_name,
				  mach_msg_options_t options);
mach_msg_return_t mach_msg_server_importance(boolean_t (*demux)(mach_msg_header_t *,
								 mach_msg_header_t *),
					     mach_msg_size_t max_size,
					     mach_port_t rcv_name,
					     mach_msg_options_t options);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_H_ */
