// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: task_info() and the special ports of the caller's own task.
 */
#include <string.h>
#include <unistd.h>

#include "internal.h"

LM_EXPORT kern_return_t task_info(task_name_t target_task, task_flavor_t flavor,
				  task_info_t task_info_out,
				  mach_msg_type_number_t *task_info_outCnt)
{
	audit_token_t tok;

	if (!lm_task_ok(target_task))
		return MACH_SEND_INVALID_DEST;
	switch (flavor) {
	case TASK_SECURITY_TOKEN: {
		security_token_t st = { { geteuid(), getegid() } };

		if (*task_info_outCnt < TASK_SECURITY_TOKEN_COUNT)
			return KERN_INVALID_ARGUMENT;
		memcpy(task_info_out, &st, sizeof(st));
		*task_info_outCnt = TASK_SECURITY_TOKEN_COUNT;
		return KERN_SUCCESS;
	}
	case TASK_AUDIT_TOKEN:
		if (*task_info_outCnt < TASK_AUDIT_TOKEN_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_self_audit_token(&tok);
		memcpy(task_info_out, &tok, sizeof(tok));
		*task_info_outCnt = TASK_AUDIT_TOKEN_COUNT;
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

LM_EXPORT kern_return_t pid_for_task(mach_port_name_t t, int *x)
{
	if (!x)
		return KERN_INVALID_ARGUMENT;
	if (!lm_task_ok(t)) {
		*x = -1;
		return KERN_FAILURE;
	}
	*x = getpid();
	return KERN_SUCCESS;
}

/*
 * Only the caller's own task has a name here (machipc gives no process a
 * right to another's task): its pid gets mach_task_self(), whose one user
 * reference no call changes (see mach_port_mod_refs()).
 */
LM_EXPORT kern_return_t task_for_pid(mach_port_name_t target_tport, int pid,
				     mach_port_name_t *t)
{
	if (!t)
		return KERN_INVALID_ARGUMENT;
	*t = MACH_PORT_NULL;
	if (!lm_task_ok(target_tport) || pid != getpid())
		return KERN_FAILURE;
	*t = target_tport;
	return KERN_SUCCESS;
}
