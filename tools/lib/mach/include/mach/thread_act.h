/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <mach/thread_act.h> for libmach on machipc: the thread calls on names
 * from mach_thread_self().
 */
#ifndef _MACH_THREAD_ACT_H_
#define _MACH_THREAD_ACT_H_

#include <mach/mach_types.h>
#include <mach/thread_info.h>
#include <mach/thread_policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * THREAD_BASIC_INFO, THREAD_IDENTIFIER_INFO, THREAD_EXTENDED_INFO of a
 * thread of this process that has called mach_thread_self().
 */
kern_return_t thread_info(thread_inspect_t target_act, thread_flavor_t flavor,
			  thread_info_t thread_info_out,
			  mach_msg_type_number_t *thread_info_outCnt);
/* Checked and remembered per thread; Linux's scheduling is unchanged. */
kern_return_t thread_policy_set(thread_act_t thread,
				thread_policy_flavor_t flavor,
				thread_policy_t policy_info,
				mach_msg_type_number_t policy_infoCnt);
kern_return_t thread_policy_get(thread_inspect_t thread,
				thread_policy_flavor_t flavor,
				thread_policy_t policy_info,
				mach_msg_type_number_t *policy_infoCnt,
				boolean_t *get_default);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_THREAD_ACT_H_ */
