// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: Mach absolute time and Mach semaphores.
 *
 * A semaphore is a library object named by a dead name of the task's space
 * (allocated with MACHIPC_IOC_PORT_ALLOCATE, as mach_task_self() is), so
 * its name is a valid Mach name no port can ever get.  The table maps names
 * to semaphores under one mutex; each semaphore has its own mutex and
 * condition variable.
 *
 * Counting: @count holds the signals kept for later waits; @waiters the
 * threads blocked in the current generation, @pending the signals handed
 * to them and not yet taken (never more than @waiters).
 * semaphore_signal_all() starts a new generation: the threads it releases
 * leave by the generation change, already taken off @waiters, so a signal
 * right after it is kept in @count, as in XNU.
 *
 * Lifetime: a semaphore lives from semaphore_create() until
 * semaphore_destroy() took it out of the table and the last thread that
 * found it there let go of it (@refs); destroying it wakes every waiter
 * with KERN_TERMINATED.  Waits are not interrupted by signals (XNU's
 * return KERN_ABORTED then): a handler that must end a wait signals the
 * semaphore.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <mach/mach_time.h>
#include <mach/semaphore.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Absolute time                                                       */
/* ------------------------------------------------------------------ */

static uint64_t lm_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

LM_EXPORT kern_return_t mach_timebase_info(mach_timebase_info_t info)
{
	if (!info)
		return KERN_INVALID_ARGUMENT;
	info->numer = 1;
	info->denom = 1;
	return KERN_SUCCESS;
}

LM_EXPORT uint64_t mach_absolute_time(void)
{
	return lm_clock_ns(CLOCK_MONOTONIC_RAW);
}

LM_EXPORT uint64_t mach_approximate_time(void)
{
	return lm_clock_ns(CLOCK_MONOTONIC_RAW);
}

LM_EXPORT uint64_t mach_continuous_time(void)
{
	return lm_clock_ns(CLOCK_BOOTTIME);
}

LM_EXPORT uint64_t mach_continuous_approximate_time(void)
{
	return lm_clock_ns(CLOCK_BOOTTIME);
}

LM_EXPORT kern_return_t mach_wait_until(uint64_t deadline)
{
	uint64_t now;

	/*
	 * CLOCK_MONOTONIC_RAW cannot be slept on: sleep the interval on
	 * CLOCK_MONOTONIC, which NTP may slew, until the deadline is reached.
	 */
	while ((now = mach_absolute_time()) < deadline) {
		struct timespec ts = {
			.tv_sec = (time_t)((deadline - now) / 1000000000ULL),
			.tv_nsec = (long)((deadline - now) % 1000000000ULL),
		};

		if (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == EINTR)
			return KERN_ABORTED;
	}
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Semaphores                                                          */
/* ------------------------------------------------------------------ */

struct lm_sem {
	semaphore_t name;
	pthread_mutex_t lock;	/* protects the fields below */
	pthread_cond_t cond;
	int count;		/* signals kept for later waits */
	int waiters;		/* blocked in the current generation */
	int pending;		/* signals for them, not yet taken; <= waiters */
	unsigned long gen;	/* bumped by semaphore_signal_all() */
	int dead;		/* destroyed: waiters leave KERN_TERMINATED */
	int refs;		/* the table's, and each thread's using it */
	struct lm_sem *next;
};

/*
 * The policies XNU's semaphore_create() takes (its SYNC_POLICY_USER_MASK):
 * FIFO, LIFO and the kernel-private PREPOST (0x4).
 * SYNC_POLICY_FIXED_PRIORITY is no longer accepted.
 */
#define LM_SYNC_POLICY_USER_MASK \
	(SYNC_POLICY_FIFO | SYNC_POLICY_LIFO | 0x4)

static pthread_mutex_t lm_sems_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lm_sem *lm_sems;

/*
 * In the child of fork(): the parent's semaphores, and their names, are
 * not the child's (its space is new).  The table is dropped, not freed: a
 * parent thread may have held one of its locks at the fork.
 */
void lm_sync_fork_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;

	lm_sems_lock = fresh;
	lm_sems = NULL;
}

/* The semaphore named @name, with a reference; NULL if none. */
static struct lm_sem *lm_sem_get(semaphore_t name)
{
	struct lm_sem *s;

	if (name == SEMAPHORE_NULL)
		return NULL;
	pthread_mutex_lock(&lm_sems_lock);
	for (s = lm_sems; s && s->name != name; s = s->next)
		;
	if (s) {
		pthread_mutex_lock(&s->lock);
		s->refs++;
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_unlock(&lm_sems_lock);
	return s;
}

/*
 * XNU's port_name_to_semaphore(): the semaphore named @name, with a
 * reference, or the code the trap returns: KERN_INVALID_NAME for
 * MACH_PORT_NULL / MACH_PORT_DEAD or a name the space does not hold (a
 * destroyed semaphore's name is gone), KERN_INVALID_RIGHT for a name
 * without a send right (receive only, send-once, port set),
 * KERN_INVALID_CAPABILITY for a send right to something that is not a
 * semaphore.  The library's other objects (mach_task_self(), clocks) are
 * dead names standing for XNU's send rights, so a dead name is taken as
 * one (XNU: KERN_INVALID_RIGHT for a true dead name).
 */
static kern_return_t lm_sem_lookup(semaphore_t name, struct lm_sem **sp)
{
	struct machipc_name_info info;

	*sp = NULL;
	if (name == MACH_PORT_NULL || name == MACH_PORT_DEAD)
		return KERN_INVALID_NAME;
	*sp = lm_sem_get(name);
	if (*sp)
		return KERN_SUCCESS;
	if (lm_ready())
		return KERN_INVALID_NAME;
	if (name == lm_space.task)
		return KERN_INVALID_CAPABILITY;
	if (lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	return (info.rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_DEAD_NAME)) ?
	       KERN_INVALID_CAPABILITY : KERN_INVALID_RIGHT;
}

/*
 * semaphore_create() and semaphore_destroy() are MIG calls on the task
 * port: a name that is no send right is MACH_SEND_INVALID_DEST; a send
 * right to something else than a task converts to TASK_NULL, which the
 * kernel refuses with KERN_INVALID_ARGUMENT.
 */
static kern_return_t lm_sem_task(task_t task)
{
	struct machipc_name_info info;

	if (lm_task_ok(task))
		return KERN_SUCCESS;
	if (lm_ready() || task == MACH_PORT_NULL || task == MACH_PORT_DEAD ||
	    lm_name_info(task, &info))
		return MACH_SEND_INVALID_DEST;
	return (info.rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_SEND_ONCE)) ?
	       KERN_INVALID_ARGUMENT : MACH_SEND_INVALID_DEST;
}

static void lm_sem_put(struct lm_sem *s)
{
	int last;

	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		free(s);
	}
}

LM_EXPORT kern_return_t semaphore_create(task_t task, semaphore_t *semaphore,
					 int policy, int value)
{
	struct machipc_port_alloc alloc = { .right = MACHIPC_RIGHT_DEAD_NAME };
	pthread_condattr_t attr;
	struct lm_sem *s;
	kern_return_t kr = lm_sem_task(task);

	if (kr)
		return kr;
	/* The output is left alone on failure, as by XNU's MIG stub. */
	if (!semaphore || value < 0 || (policy & ~LM_SYNC_POLICY_USER_MASK))
		return KERN_INVALID_ARGUMENT;
	s = calloc(1, sizeof(*s));
	if (!s)
		return KERN_RESOURCE_SHORTAGE;
	if (lm_ioctl(MACHIPC_IOC_PORT_ALLOCATE, &alloc)) {
		free(s);
		return KERN_RESOURCE_SHORTAGE;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &attr);
	pthread_condattr_destroy(&attr);
	s->name = alloc.name;
	s->count = value;
	s->refs = 1;
	pthread_mutex_lock(&lm_sems_lock);
	s->next = lm_sems;
	lm_sems = s;
	pthread_mutex_unlock(&lm_sems_lock);
	*semaphore = s->name;
	return KERN_SUCCESS;
}

/*
 * XNU's request moves the caller's send right into the message: a name
 * with no send right fails the send (MACH_SEND_INVALID_RIGHT); a send
 * right to another object converts to SEMAPHORE_NULL, so the call
 * returns KERN_INVALID_ARGUMENT and the moved right is released.
 */
LM_EXPORT kern_return_t semaphore_destroy(task_t task, semaphore_t semaphore)
{
	struct machipc_port_name pn = { .name = semaphore };
	struct machipc_name_info info;
	struct lm_sem *s, **pp;
	kern_return_t kr = lm_sem_task(task);

	if (kr)
		return kr;
	if (semaphore == SEMAPHORE_NULL || semaphore == MACH_PORT_DEAD)
		return KERN_INVALID_ARGUMENT;
	pthread_mutex_lock(&lm_sems_lock);
	for (pp = &lm_sems; (s = *pp) && s->name != semaphore; pp = &s->next)
		;
	if (s)
		*pp = s->next;
	pthread_mutex_unlock(&lm_sems_lock);
	if (!s) {
		if (semaphore == lm_space.task)
			return KERN_INVALID_ARGUMENT;
		/* A dead name stands for a library object's send right. */
		if (lm_name_info(semaphore, &info) ||
		    !(info.rights & (MACHIPC_RIGHT_SEND |
				     MACHIPC_RIGHT_DEAD_NAME)))
			return MACH_SEND_INVALID_RIGHT;
		mach_port_deallocate(task, semaphore);
		return KERN_INVALID_ARGUMENT;
	}
	pthread_mutex_lock(&s->lock);
	s->dead = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	lm_ioctl(MACHIPC_IOC_PORT_DESTROY, &pn);
	lm_sem_put(s);
	return KERN_SUCCESS;
}

/*
 * One signal: for a waiter of the current generation if one has none
 * yet, else kept in the count.  @all: every current waiter is released
 * (a new generation, which they leave by) and nothing is kept.
 */
static kern_return_t lm_sem_signal_obj(struct lm_sem *s, int all)
{
	kern_return_t kr = KERN_SUCCESS;

	pthread_mutex_lock(&s->lock);
	if (s->dead) {
		kr = KERN_TERMINATED;
	} else if (all) {
		if (s->waiters) {
			s->gen++;
			s->waiters = 0;
			s->pending = 0;
			pthread_cond_broadcast(&s->cond);
		}
	} else if (s->waiters > s->pending) {
		s->pending++;
		pthread_cond_broadcast(&s->cond);
	} else {
		s->count++;
	}
	pthread_mutex_unlock(&s->lock);
	return kr;
}

static kern_return_t lm_sem_signal(semaphore_t semaphore, int all)
{
	struct lm_sem *s;
	kern_return_t kr = lm_sem_lookup(semaphore, &s);

	if (kr)
		return kr;
	kr = lm_sem_signal_obj(s, all);
	lm_sem_put(s);
	return kr;
}

LM_EXPORT kern_return_t semaphore_signal(semaphore_t semaphore)
{
	return lm_sem_signal(semaphore, 0);
}

LM_EXPORT kern_return_t semaphore_signal_all(semaphore_t semaphore)
{
	return lm_sem_signal(semaphore, 1);
}

/*
 * THREAD_NULL: wake one waiter if there is one, else KERN_NOT_WAITING
 * and nothing is kept.  The library knows no thread ports: any other
 * thread is refused as XNU refuses a name that is not a thread
 * (KERN_INVALID_ARGUMENT, checked before the semaphore).
 */
LM_EXPORT kern_return_t semaphore_signal_thread(semaphore_t semaphore,
						thread_t thread)
{
	struct lm_sem *s;
	kern_return_t kr;

	if (thread != THREAD_NULL)
		return KERN_INVALID_ARGUMENT;
	kr = lm_sem_lookup(semaphore, &s);
	if (kr)
		return kr;
	pthread_mutex_lock(&s->lock);
	if (s->dead) {
		kr = KERN_TERMINATED;
	} else if (s->waiters > s->pending) {
		s->pending++;
		pthread_cond_broadcast(&s->cond);
	} else {
		kr = KERN_NOT_WAITING;
	}
	pthread_mutex_unlock(&s->lock);
	lm_sem_put(s);
	return kr;
}

/*
 * Block on @s (locked, registered as a waiter of generation @gen) until a
 * signal, semaphore_signal_all(), destruction or @deadline.  A waiter
 * released by a new generation was already taken off the count of
 * waiters by semaphore_signal_all(); every other way out takes itself off.
 */
static kern_return_t lm_sem_block(struct lm_sem *s, unsigned long gen,
				  const struct timespec *deadline)
{
	for (;;) {
		int err;

		if (s->gen != gen)
			return KERN_SUCCESS;
		if (s->dead)
			return KERN_TERMINATED;
		if (s->pending) {
			s->pending--;
			s->waiters--;
			return KERN_SUCCESS;
		}
		err = deadline ? pthread_cond_timedwait(&s->cond, &s->lock,
							deadline) :
				 pthread_cond_wait(&s->cond, &s->lock);
		if (err == ETIMEDOUT && s->gen == gen && !s->dead &&
		    !s->pending) {
			s->waiters--;
			return KERN_OPERATION_TIMED_OUT;
		}
	}
}

/*
 * Wait on @wait, for at most @rel if not NULL ({0, 0}: do not block).
 * @with_sig (semaphore_[timed]wait_signal()): @sig, which must name a
 * semaphore (XNU translates it first, SEMAPHORE_NULL is KERN_INVALID_NAME),
 * is signalled once the wait is decided:
 * after registering as a waiter, or after taking a count or failing
 * without waiting, as XNU's semaphore_wait_signal() does; if it was
 * destroyed, a registered wait ends with KERN_TERMINATED.
 */
static kern_return_t lm_sem_wait(semaphore_t wait, semaphore_t sig,
				 int with_sig, const mach_timespec_t *rel)
{
	struct lm_sem *s, *o = NULL;
	struct timespec deadline;
	kern_return_t kr = KERN_SUCCESS;
	unsigned long gen;

	if (rel && (rel->tv_nsec < 0 || rel->tv_nsec >= 1000000000))
		return KERN_INVALID_VALUE;
	/* XNU translates the signal semaphore first; it may not be NULL. */
	if (with_sig) {
		kr = lm_sem_lookup(sig, &o);
		if (kr)
			return kr;
	}
	kr = lm_sem_lookup(wait, &s);
	if (kr) {
		if (o)
			lm_sem_put(o);
		return kr;
	}
	if (rel) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += rel->tv_sec;
		deadline.tv_nsec += rel->tv_nsec;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&s->lock);
	if (s->dead) {
		kr = KERN_TERMINATED;
	} else if (s->count > 0) {
		s->count--;
	} else if (rel && !rel->tv_sec && !rel->tv_nsec) {
		kr = KERN_OPERATION_TIMED_OUT;
	} else {
		s->waiters++;
		gen = s->gen;
		if (o) {
			/* Registered: now the other one may be signalled. */
			pthread_mutex_unlock(&s->lock);
			kr = lm_sem_signal_obj(o, 0);
			lm_sem_put(o);
			o = NULL;
			pthread_mutex_lock(&s->lock);
			if (kr == KERN_TERMINATED && s->gen == gen &&
			    !s->pending && !s->dead) {
				/* Nobody would ever wake us: give up. */
				s->waiters--;
				goto out;
			}
		}
		kr = lm_sem_block(s, gen, rel ? &deadline : NULL);
	}
out:
	pthread_mutex_unlock(&s->lock);
	if (o) {
		lm_sem_signal_obj(o, 0);
		lm_sem_put(o);
	}
	lm_sem_put(s);
	return kr;
}

LM_EXPORT kern_return_t semaphore_wait(semaphore_t semaphore)
{
	return lm_sem_wait(semaphore, SEMAPHORE_NULL, 0, NULL);
}

LM_EXPORT kern_return_t semaphore_timedwait(semaphore_t semaphore,
					    mach_timespec_t wait_time)
{
	return lm_sem_wait(semaphore, SEMAPHORE_NULL, 0, &wait_time);
}

LM_EXPORT kern_return_t semaphore_wait_signal(semaphore_t wait_semaphore,
					      semaphore_t signal_semaphore)
{
	return lm_sem_wait(wait_semaphore, signal_semaphore, 1, NULL);
}

LM_EXPORT kern_return_t semaphore_timedwait_signal(semaphore_t wait_semaphore,
						   semaphore_t signal_semaphore,
						   mach_timespec_t wait_time)
{
	return lm_sem_wait(wait_semaphore, signal_semaphore, 1, &wait_time);
}
