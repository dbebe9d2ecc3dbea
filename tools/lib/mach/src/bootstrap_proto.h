/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bootstrap protocol between libmach and machipc-bootstrapd: Mach
 * messages in MIG's style (a request carrying a MAKE_SEND_ONCE reply
 * right, a reply with id + 100).
 */
#ifndef LIBMACH_BOOTSTRAP_PROTO_H
#define LIBMACH_BOOTSTRAP_PROTO_H

#include <mach/mach.h>
#include <servers/bootstrap.h>

#define LM_BS_CHECK_IN		402
#define LM_BS_REGISTER		403
#define LM_BS_LOOK_UP		404
#define LM_BS_REPLY(id)		((id) + 100)

#pragma pack(push, 4)
/* port: the service's send right (register), else MACH_PORT_NULL. */
struct lm_bs_request {
	mach_msg_header_t		head;
	mach_msg_body_t			body;
	mach_msg_port_descriptor_t	port;
	NDR_record_t			ndr;
	name_t				name;
};

/* port: the receive right (check-in) or a send right (look-up). */
struct lm_bs_reply {
	mach_msg_header_t		head;
	mach_msg_body_t			body;
	mach_msg_port_descriptor_t	port;
	NDR_record_t			ndr;
	kern_return_t			ret;
};
#pragma pack(pop)

#endif /* LIBMACH_BOOTSTRAP_PROTO_H */
