/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <bsm/libbsm.h> for libmach on machipc: the audit-token accessors (the
 * token's fields are those of task_info(TASK_AUDIT_TOKEN) and of the
 * MACH_RCV_TRAILER_AUDIT trailer).
 */
#ifndef _BSM_LIBBSM_H_
#define _BSM_LIBBSM_H_

#include <sys/types.h>
#include <mach/message.h>

static inline uid_t audit_token_to_auid(audit_token_t t) { return t.val[0]; }
static inline uid_t audit_token_to_euid(audit_token_t t) { return t.val[1]; }
static inline gid_t audit_token_to_egid(audit_token_t t) { return t.val[2]; }
static inline uid_t audit_token_to_ruid(audit_token_t t) { return t.val[3]; }
static inline gid_t audit_token_to_rgid(audit_token_t t) { return t.val[4]; }
static inline pid_t audit_token_to_pid(audit_token_t t) { return (pid_t)t.val[5]; }
static inline unsigned int audit_token_to_asid(audit_token_t t) { return t.val[6]; }
static inline int audit_token_to_pidversion(audit_token_t t) { return (int)t.val[7]; }

#endif /* _BSM_LIBBSM_H_ */
