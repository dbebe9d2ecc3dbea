// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: the host's clocks (host_get_clock_service(), clock_get_time(),
 * clock_get_attributes()) and host_page_size().
 *
 * On XNU each clock is one kernel port, and host_get_clock_service() hands
 * out a send right to it: the caller's space has one name per clock, which
 * gains a user reference with every call and goes away when
 * mach_port_deallocate() has dropped the last one.  Here each clock is a
 * dead name of the task's space (allocated with MACHIPC_IOC_PORT_ALLOCATE,
 * as mach_task_self() and the semaphores are), so that the port calls
 * count and release its references as they do for any other name, and no
 * port can ever get the name.  The library remembers the name of each
 * clock; a call on a name checks that the name is still in the space, so a
 * clock whose last reference was released is no longer a clock
 * (MACH_SEND_INVALID_DEST, as for a name without a right on XNU).
 * machipc names are increasing integers: a released clock name is not
 * given to another object.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>

#include "internal.h"

#define LM_CLOCKS	2	/* SYSTEM_CLOCK, CALENDAR_CLOCK */

static pthread_mutex_t lm_clock_lock = PTHREAD_MUTEX_INITIALIZER;
static mach_port_name_t lm_clock_name[LM_CLOCKS];
static pid_t lm_clock_pid;	/* the process whose space has the names */

/* In the child of fork(): the parent's names are not in the new space. */
void lm_clock_fork_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	int i;

	lm_clock_lock = fresh;
	for (i = 0; i < LM_CLOCKS; i++)
		lm_clock_name[i] = MACH_PORT_NULL;
}

/* Is @name, remembered for a clock, still a dead name of the space? */
static int lm_clock_alive(mach_port_name_t name)
{
	struct machipc_name_info info;

	return !lm_name_info(name, &info) &&
	       (info.rights & MACHIPC_RIGHT_DEAD_NAME);
}

/* Under lm_clock_lock: forget names of another process's space. */
static void lm_clock_check_pid(void)
{
	int i;

	if (lm_clock_pid == lm_space.pid)
		return;
	for (i = 0; i < LM_CLOCKS; i++)
		lm_clock_name[i] = MACH_PORT_NULL;
	lm_clock_pid = lm_space.pid;
}

/*
 * The clock @name is, or an XNU error: a name without a right (or
 * MACH_PORT_NULL / DEAD) fails the MIG send, MACH_SEND_INVALID_DEST; a name
 * with a right that is not a clock is KERN_INVALID_ARGUMENT, as XNU's
 * clock routines answer for a port that is not a clock (CLOCK_NULL).
 */
static kern_return_t lm_clock_lookup(clock_serv_t name, clock_id_t *id)
{
	struct machipc_name_info info;
	int i, found = -1;

	if (!MACH_PORT_VALID(name) || lm_ready())
		return MACH_SEND_INVALID_DEST;
	pthread_mutex_lock(&lm_clock_lock);
	lm_clock_check_pid();
	for (i = 0; i < LM_CLOCKS; i++)
		if (lm_clock_name[i] == name)
			found = i;
	if (found >= 0 && !lm_clock_alive(name)) {
		/* Its last reference was released. */
		lm_clock_name[found] = MACH_PORT_NULL;
		found = -1;
	}
	pthread_mutex_unlock(&lm_clock_lock);
	if (found >= 0) {
		*id = found;
		return KERN_SUCCESS;
	}
	if (!lm_name_info(name, &info))
		return KERN_INVALID_ARGUMENT;
	return MACH_SEND_INVALID_DEST;
}

LM_EXPORT kern_return_t host_get_clock_service(host_t host, clock_id_t clock_id,
					       clock_serv_t *clock_serv)
{
	struct machipc_port_alloc alloc = { .right = MACHIPC_RIGHT_DEAD_NAME };
	struct machipc_port_mod_refs ref = {
		.right = MACHIPC_RIGHT_DEAD_NAME,
		.delta = 1,
	};
	mach_port_name_t name;
	int err;

	/*
	 * XNU: a name without a right fails the send; a name that is not
	 * the host, or a clock that does not exist, KERN_INVALID_ARGUMENT.
	 */
	err = lm_host_check(host);
	if (err < 0)
		return MACH_SEND_INVALID_DEST;
	if (err || clock_id < 0 || clock_id >= LM_CLOCKS || !clock_serv)
		return KERN_INVALID_ARGUMENT;
	if (lm_ready())
		return KERN_RESOURCE_SHORTAGE;
	pthread_mutex_lock(&lm_clock_lock);
	lm_clock_check_pid();
	name = lm_clock_name[clock_id];
	if (name != MACH_PORT_NULL) {
		/* One more user reference of the clock's name. */
		ref.name = name;
		err = lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &ref);
		/* At the maximum XNU keeps the count where it is. */
		if (err && err != EOVERFLOW)
			name = MACH_PORT_NULL;
	}
	if (name == MACH_PORT_NULL) {
		if (lm_ioctl(MACHIPC_IOC_PORT_ALLOCATE, &alloc)) {
			lm_clock_name[clock_id] = MACH_PORT_NULL;
			pthread_mutex_unlock(&lm_clock_lock);
			return KERN_RESOURCE_SHORTAGE;
		}
		name = alloc.name;
		lm_clock_name[clock_id] = name;
	}
	pthread_mutex_unlock(&lm_clock_lock);
	*clock_serv = name;
	return KERN_SUCCESS;
}

static clockid_t lm_clock_source(clock_id_t id)
{
	/* SYSTEM_CLOCK counts what mach_absolute_time() counts. */
	return id == SYSTEM_CLOCK ? CLOCK_MONOTONIC_RAW : CLOCK_REALTIME;
}

LM_EXPORT kern_return_t clock_get_time(clock_serv_t clock_serv,
				       mach_timespec_t *cur_time)
{
	struct timespec ts;
	clock_id_t id;
	kern_return_t kr = lm_clock_lookup(clock_serv, &id);

	if (kr)
		return kr;
	if (!cur_time)
		return KERN_INVALID_ARGUMENT;
	clock_gettime(lm_clock_source(id), &ts);
	cur_time->tv_sec = (unsigned int)ts.tv_sec;
	cur_time->tv_nsec = (clock_res_t)ts.tv_nsec;
	return KERN_SUCCESS;
}

/*
 * XNU's clock routines take exactly one attribute (MIG passes the
 * caller's count, clipped to 1): a count of 0 is KERN_FAILURE.  The
 * values are XNU's, whatever Linux's clocks can do: CLOCK_GET_TIME_RES is
 * 10 ms for both clocks; the alarm resolutions are 10 ms for SYSTEM_CLOCK
 * and 0 (no alarms) for CALENDAR_CLOCK.
 */
LM_EXPORT kern_return_t clock_get_attributes(clock_serv_t clock_serv,
					     clock_flavor_t flavor,
					     clock_attr_t clock_attr,
					     mach_msg_type_number_t *clock_attrCnt)
{
	clock_id_t id;
	kern_return_t kr = lm_clock_lookup(clock_serv, &id);

	if (kr)
		return kr;
	if (!clock_attr || !clock_attrCnt)
		return KERN_INVALID_ARGUMENT;
	if (*clock_attrCnt < 1)
		return KERN_FAILURE;
	switch (flavor) {
	case CLOCK_GET_TIME_RES:
		*clock_attr = (clock_res_t)(NSEC_PER_SEC / 100);
		break;
	case CLOCK_ALARM_CURRES:
	case CLOCK_ALARM_MINRES:
	case CLOCK_ALARM_MAXRES:
		*clock_attr = id == SYSTEM_CLOCK ?
			      (clock_res_t)(NSEC_PER_SEC / 100) : 0;
		break;
	default:
		return KERN_INVALID_VALUE;
	}
	*clock_attrCnt = 1;
	return KERN_SUCCESS;
}

/* As XNU's libsyscall, which answers without looking at the host. */
LM_EXPORT kern_return_t host_page_size(host_t host, vm_size_t *out_page_size)
{
	(void)host;
	if (!out_page_size)
		return KERN_INVALID_ARGUMENT;
	*out_page_size = vm_page_size;
	return KERN_SUCCESS;
}
