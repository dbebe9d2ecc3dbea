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

	if (!lm_task_ok(task))
		return KERN_INVALID_ARGUMENT;
	if (!semaphore || value < 0 || policy < 0 || policy > SYNC_POLICY_MAX)
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

LM_EXPORT kern_return_t semaphore_destroy(task_t task, semaphore_t semaphore)
{
	struct machipc_port_name pn = { .name = semaphore };
	struct lm_sem *s, **pp;

	if (!lm_task_ok(task))
		return KERN_INVALID_ARGUMENT;
	pthread_mutex_lock(&lm_sems_lock);
	for (pp = &lm_sems; (s = *pp) && s->name != semaphore; pp = &s->next)
		;
	if (s)
		*pp = s->next;
	pthread_mutex_unlock(&lm_sems_lock);
	if (!s)
		return KERN_INVALID_ARGUMENT;
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
	struct lm_sem *s = lm_sem_get(semaphore);
	kern_return_t kr;

	if (!s)
		return KERN_INVALID_ARGUMENT;
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
 * @sig, if not SEMAPHORE_NULL, is signalled once the wait is decided:
 * after registering as a waiter, or after taking a count or failing
 * without waiting, as XNU's semaphore_wait_signal() does; if it was
 * destroyed, a registered wait ends with KERN_TERMINATED.
 */
static kern_return_t lm_sem_wait(semaphore_t wait, semaphore_t sig,
				 const mach_timespec_t *rel)
{
	struct lm_sem *s, *o = NULL;
	struct timespec deadline;
	kern_return_t kr = KERN_SUCCESS;
	unsigned long gen;

	if (rel && (rel->tv_nsec < 0 || rel->tv_nsec >= 1000000000))
		return KERN_INVALID_VALUE;
	s = lm_sem_get(wait);
	if (!s)
		return KERN_INVALID_ARGUMENT;
	if (sig != SEMAPHORE_NULL) {
		o = lm_sem_get(sig);
		if (!o) {
			lm_sem_put(s);
			return KERN_INVALID_ARGUMENT;
		}
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
	return lm_sem_wait(semaphore, SEMAPHORE_NULL, NULL);
}

LM_EXPORT kern_return_t semaphore_timedwait(semaphore_t semaphore,
					    mach_timespec_t wait_time)
{
	return lm_sem_wait(semaphore, SEMAPHORE_NULL, &wait_time);
}

LM_EXPORT kern_return_t semaphore_wait_signal(semaphore_t wait_semaphore,
					      semaphore_t signal_semaphore)
{
	return lm_sem_wait(wait_semaphore, signal_semaphore, NULL);
}

LM_EXPORT kern_return_t semaphore_timedwait_signal(semaphore_t wait_semaphore,
						   semaphore_t signal_semaphore,
						   mach_timespec_t wait_time)
{
	return lm_sem_wait(wait_semaphore, signal_semaphore, &wait_time);
}
