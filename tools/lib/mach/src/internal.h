/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmach internals: the process's machipc space, the errno to
 * kern_return_t translation helpers, and the library-side tables
 * (port contexts, messages held back for MACH_RCV_LARGE and
 * mach_port_peek()).
 */
#ifndef LIBMACH_INTERNAL_H
#define LIBMACH_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/machipc.h>
#include <mach/mach.h>

#define LM_EXPORT	__attribute__((visibility("default")))

/* The process's space, opened at load time and again after fork(). */
struct lm_space {
	int fd;				/* -1 when /dev/machipc is unusable */
	pid_t pid;			/* the owner */
	mach_port_name_t task;		/* mach_task_self(): a dead name */
	uint32_t max_inline;		/* MACHIPC_IOC_VERSION */
	int open_errno;
};

extern struct lm_space lm_space;

/* 0, or errno of the space; reopens the space in a forked child. */
int lm_ready(void);
int lm_ioctl(unsigned long cmd, void *arg);

static inline int lm_task_ok(mach_port_t task)
{
	return lm_ready() == 0 && task == lm_space.task;
}

/* MACHIPC_IOC_NAME_INFO; 0 or errno. */
int lm_name_info(mach_port_name_t name, struct machipc_name_info *info);
/* MACHIPC_IOC_PORT_GET_ATTRIBUTES; 0 or errno. */
int lm_port_attr(mach_port_name_t name, struct machipc_port_attr *attr);

/* XNU dispositions (16..21) and machipc's (1..6) differ by 15. */
static inline uint32_t lm_disp_to_machipc(mach_msg_type_name_t t)
{
	return t - (MACH_MSG_TYPE_MOVE_RECEIVE - MACHIPC_DISP_MOVE_RECEIVE);
}

static inline mach_msg_type_name_t lm_disp_from_machipc(uint32_t d)
{
	return d ? d + (MACH_MSG_TYPE_MOVE_RECEIVE - MACHIPC_DISP_MOVE_RECEIVE) : 0;
}

/* What a right sent with disposition @t arrives as (MOVE_*), 0 if none. */
mach_msg_type_name_t lm_copyin_type(mach_msg_type_name_t t);

/* The machipc right a disposition needs in the sender's space. */
uint32_t lm_disp_needs(mach_msg_type_name_t t);

/* server.c: a send refused on descriptor @bad destroys what XNU would. */
void lm_send_destroy_partial(mach_msg_header_t *msg, uint32_t bad);

/* Port contexts (mach_port_set_context()); 0 when none was set. */
mach_port_context_t lm_context_get(mach_port_name_t name);
void lm_context_set(mach_port_name_t name, mach_port_context_t ctx);

/* A port's receive right went away: forget its context and held messages. */
void lm_port_forget(mach_port_name_t name);

/* Messages received by the library but still "queued" for the program. */
unsigned int lm_held_count(mach_port_name_t port);

/* Fork: reset the per-process state in the child. */
void lm_msg_fork_child(void);
void lm_ports_fork_child(void);
void lm_bootstrap_fork_child(void);
void lm_sync_fork_child(void);
void lm_clock_fork_child(void);
void lm_bootstrap_init(void);

/* An audit token from its fields, and the caller's own. */
void lm_audit_token(audit_token_t *tok, unsigned int auid, unsigned int euid,
		    unsigned int egid, unsigned int ruid, unsigned int rgid,
		    unsigned int pid, unsigned int asid,
		    unsigned long long start_time);
void lm_self_audit_token(audit_token_t *tok);

/*
 * init.c: the names mach_host_self() and mach_thread_self() hand out.
 * lm_host_check(): 0 for the host's name, 1 for another name of the
 * space, -1 for no name (MACH_SEND_INVALID_DEST).
 */
mach_port_name_t lm_self_name_ref(mach_port_name_t *slot);
int lm_self_name_add(mach_port_name_t name);
int lm_self_name_alive(mach_port_name_t name);
int lm_host_check(mach_port_name_t name);
void lm_task_fork_child(void);

#endif /* LIBMACH_INTERNAL_H */
