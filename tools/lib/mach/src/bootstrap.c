// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: the bootstrap port and the bootstrap_*() client calls.
 *
 * machipc-bootstrapd exports a send right to its port as a bootstrap
 * descriptor (MACHIPC_IOC_BOOTSTRAP_EXPORT) and names the descriptor in
 * the environment variable MACHIPC_BOOTSTRAP_FD of the programs it starts;
 * the descriptor is inherited by their children across fork() and exec().
 * libmach imports it into every new space (at load time and after fork()),
 * which makes bootstrap_port.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "bootstrap_proto.h"

LM_EXPORT mach_port_t bootstrap_port;

/* What task_get_special_port(TASK_BOOTSTRAP_PORT) returns. */
static mach_port_t lm_special_bootstrap;

static int lm_bootstrap_fd(void)
{
	const char *s = getenv(MACHIPC_BOOTSTRAP_ENV);
	char *end;
	long fd;

	if (!s || !*s)
		return -1;
	fd = strtol(s, &end, 10);
	if (*end || fd < 0 || fd > INT_MAX)
		return -1;
	return (int)fd;
}

static void lm_bootstrap_import(void)
{
	struct machipc_bootstrap arg = { 0 };
	int fd = lm_bootstrap_fd();

	bootstrap_port = MACH_PORT_NULL;
	lm_special_bootstrap = MACH_PORT_NULL;
	if (fd < 0 || lm_ready())
		return;
	arg.fd = fd;
	if (lm_ioctl(MACHIPC_IOC_BOOTSTRAP_IMPORT, &arg))
		return;
	bootstrap_port = arg.name;
	lm_special_bootstrap = arg.name;
}

void lm_bootstrap_init(void)
{
	lm_bootstrap_import();
}

void lm_bootstrap_fork_child(void)
{
	lm_bootstrap_import();
}

LM_EXPORT kern_return_t task_get_special_port(task_inspect_t task,
					     int which_port,
					     mach_port_t *special_port)
{
	mach_port_t p;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!special_port)
		return KERN_INVALID_ARGUMENT;
	switch (which_port) {
	case TASK_KERNEL_PORT:
	case TASK_NAME_PORT:
	case TASK_INSPECT_PORT:
	case TASK_READ_PORT:
		/*
		 * The task's own name serves as its control, name, inspect
		 * and read port; its one user reference never changes (see
		 * mach_port_mod_refs()), so the caller needs no release.
		 */
		*special_port = lm_space.task;
		return KERN_SUCCESS;
	case TASK_HOST_PORT:
		/* One more reference of mach_host_self()'s name. */
		*special_port = mach_host_self();
		return KERN_SUCCESS;
	case TASK_SEATBELT_PORT:
	case TASK_ACCESS_PORT:
	case TASK_DEBUG_CONTROL_PORT:
	case TASK_RESOURCE_NOTIFY_PORT:
		/* Nobody set them: XNU's IP_NULL. */
		*special_port = MACH_PORT_NULL;
		return KERN_SUCCESS;
	case TASK_BOOTSTRAP_PORT:
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	p = lm_special_bootstrap;
	/* The caller gets a send right of its own: one more reference. */
	if (MACH_PORT_VALID(p) &&
	    mach_port_mod_refs(task, p, MACH_PORT_RIGHT_SEND, 1))
		p = MACH_PORT_DEAD;
	*special_port = p;
	return KERN_SUCCESS;
}

/*
 * Sets the bootstrap port this task and the programs it starts from now
 * on see: a new bootstrap descriptor replaces MACHIPC_BOOTSTRAP_FD.
 */
LM_EXPORT kern_return_t task_set_special_port(task_t task, int which_port,
					     mach_port_t special_port)
{
	struct machipc_bootstrap arg = { 0 };
	struct machipc_name_info info;
	char buf[16];
	int old;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (which_port != TASK_BOOTSTRAP_PORT)
		return KERN_INVALID_ARGUMENT;
	old = lm_bootstrap_fd();
	if (!MACH_PORT_VALID(special_port)) {
		if (MACH_PORT_VALID(lm_special_bootstrap))
			mach_port_deallocate(task, lm_special_bootstrap);
		lm_special_bootstrap = MACH_PORT_NULL;
		unsetenv(MACHIPC_BOOTSTRAP_ENV);
		if (old >= 0)
			close(old);
		return KERN_SUCCESS;
	}
	if (lm_name_info(special_port, &info))
		return MACH_SEND_INVALID_RIGHT;
	if (!(info.rights & MACHIPC_RIGHT_SEND))
		return MACH_SEND_INVALID_RIGHT;
	arg.name = special_port;
	arg.disposition = MACHIPC_DISP_COPY_SEND;
	if (lm_ioctl(MACHIPC_IOC_BOOTSTRAP_EXPORT, &arg))
		return KERN_RESOURCE_SHORTAGE;
	if (mach_port_mod_refs(task, special_port, MACH_PORT_RIGHT_SEND, 1)) {
		close(arg.fd);
		return KERN_UREFS_OVERFLOW;
	}
	if (MACH_PORT_VALID(lm_special_bootstrap))
		mach_port_deallocate(task, lm_special_bootstrap);
	lm_special_bootstrap = special_port;
	snprintf(buf, sizeof(buf), "%d", arg.fd);
	setenv(MACHIPC_BOOTSTRAP_ENV, buf, 1);
	if (old >= 0 && old != arg.fd)
		close(old);
	return KERN_SUCCESS;
}

static kern_return_t lm_bs_call(mach_port_t bp, mach_msg_id_t id,
				const char *service, mach_port_t port,
				mach_port_t *out)
{
	union {
		struct lm_bs_request req;
		struct {
			struct lm_bs_reply rep;
			mach_msg_max_trailer_t trailer;
		} r;
	} m;
	mach_port_t reply;
	mach_msg_return_t mr;

	if (!MACH_PORT_VALID(bp))
		return MACH_SEND_INVALID_DEST;
	reply = mig_get_reply_port();
	memset(&m, 0, sizeof(m));
	m.req.head.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND,
						  MACH_MSG_TYPE_MAKE_SEND_ONCE,
						  0, MACH_MSGH_BITS_COMPLEX);
	m.req.head.msgh_size = sizeof(m.req);
	m.req.head.msgh_remote_port = bp;
	m.req.head.msgh_local_port = reply;
	m.req.head.msgh_id = id;
	m.req.body.msgh_descriptor_count = 1;
	m.req.port.type = MACH_MSG_PORT_DESCRIPTOR;
	m.req.port.name = port;
	m.req.port.disposition = MACH_MSG_TYPE_COPY_SEND;
	m.req.ndr = NDR_record;
	strncpy(m.req.name, service, sizeof(m.req.name) - 1);

	mr = mach_msg(&m.req.head, MACH_SEND_MSG | MACH_RCV_MSG,
		      sizeof(m.req), sizeof(m.r), reply,
		      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (mr) {
		/* A receive error may leave a stale reply: start afresh. */
		if ((mr & ~MACH_MSG_MASK) >= MACH_RCV_IN_PROGRESS)
			mig_dealloc_reply_port(reply);
		return mr;
	}
	if (m.r.rep.head.msgh_id != LM_BS_REPLY(id) ||
	    m.r.rep.head.msgh_size != sizeof(m.r.rep) ||
	    !(m.r.rep.head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
		mach_msg_destroy(&m.r.rep.head);
		return MIG_REPLY_MISMATCH;
	}
	if (m.r.rep.ret) {
		mach_msg_destroy(&m.r.rep.head);
		return m.r.rep.ret;
	}
	if (out)
		*out = m.r.rep.port.name;
	else
		mach_msg_destroy(&m.r.rep.head);
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t bootstrap_check_in(mach_port_t bp,
					   const char *service_name,
					   mach_port_t *sp)
{
	return lm_bs_call(bp, LM_BS_CHECK_IN, service_name, MACH_PORT_NULL, sp);
}

LM_EXPORT kern_return_t bootstrap_look_up(mach_port_t bp,
					  const char *service_name,
					  mach_port_t *sp)
{
	return lm_bs_call(bp, LM_BS_LOOK_UP, service_name, MACH_PORT_NULL, sp);
}

LM_EXPORT kern_return_t bootstrap_register(mach_port_t bp, const char *service_name,
					   mach_port_t sp)
{
	return lm_bs_call(bp, LM_BS_REGISTER, service_name, sp, NULL);
}

LM_EXPORT const char *bootstrap_strerror(kern_return_t r)
{
	switch (r) {
	case BOOTSTRAP_SUCCESS:
		return "Success";
	case BOOTSTRAP_NOT_PRIVILEGED:
		return "Permission denied";
	case BOOTSTRAP_NAME_IN_USE:
	case BOOTSTRAP_SERVICE_ACTIVE:
		return "Service name already exists";
	case BOOTSTRAP_UNKNOWN_SERVICE:
		return "Unknown service name";
	case BOOTSTRAP_BAD_COUNT:
		return "Too many lookups were requested in one request";
	case BOOTSTRAP_NO_MEMORY:
		return "Out of memory";
	default:
		return mach_error_string(r);
	}
}
