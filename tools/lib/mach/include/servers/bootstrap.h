/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <servers/bootstrap.h> for libmach on machipc: the name service that
 * machipc-bootstrapd provides (launchd's role on macOS).  Every process
 * started under machipc-bootstrapd has its bootstrap_port.
 */
#ifndef _SERVERS_BOOTSTRAP_H_
#define _SERVERS_BOOTSTRAP_H_

#include <mach/mach.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BOOTSTRAP_MAX_NAME_LEN		128
#define BOOTSTRAP_MAX_CMD_LEN		512
#define BOOTSTRAP_MAX_LOOKUP_COUNT	20

typedef char name_t[BOOTSTRAP_MAX_NAME_LEN];
typedef char cmd_t[BOOTSTRAP_MAX_CMD_LEN];
typedef name_t *name_array_t;
typedef int bootstrap_status_t;
typedef bootstrap_status_t *bootstrap_status_array_t;
typedef boolean_t *bool_array_t;

#define BOOTSTRAP_SUCCESS		0
#define BOOTSTRAP_NOT_PRIVILEGED	1100
#define BOOTSTRAP_NAME_IN_USE		1101
#define BOOTSTRAP_UNKNOWN_SERVICE	1102
#define BOOTSTRAP_SERVICE_ACTIVE	1103
#define BOOTSTRAP_BAD_COUNT		1104
#define BOOTSTRAP_NO_MEMORY		1105
#define BOOTSTRAP_NO_CHILDREN		1106

#define BOOTSTRAP_STATUS_INACTIVE	0
#define BOOTSTRAP_STATUS_ACTIVE		1
#define BOOTSTRAP_STATUS_ON_DEMAND	2

/*
 * @service_name is a name_t on macOS; a pointer here (the same ABI), so
 * that string literals pass gcc's array-parameter checks.
 *
 * A receive right for @service_name: the service's port, created on the
 * first check-in (BOOTSTRAP_SERVICE_ACTIVE while a checked-in port is
 * alive).
 */
kern_return_t bootstrap_check_in(mach_port_t bp, const char *service_name,
				 mach_port_t *sp);
/* A send right to @service_name's port (BOOTSTRAP_UNKNOWN_SERVICE). */
kern_return_t bootstrap_look_up(mach_port_t bp, const char *service_name,
				mach_port_t *sp);
/*
 * Registers a copy of the send right @sp under @service_name (the caller
 * keeps its reference); MACH_PORT_NULL removes the name.
 * BOOTSTRAP_NAME_IN_USE while another live port has the name.
 */
kern_return_t bootstrap_register(mach_port_t bp, const char *service_name,
				 mach_port_t sp);
const char *bootstrap_strerror(kern_return_t r);

/*
 * The environment variable naming the inherited bootstrap descriptor
 * (a decimal file descriptor number holding a send right).
 */
#define MACHIPC_BOOTSTRAP_ENV		"MACHIPC_BOOTSTRAP_FD"

#ifdef __cplusplus
}
#endif

#endif /* _SERVERS_BOOTSTRAP_H_ */
