// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: the mach_port_* calls on machipc's ioctls.
 *
 * machipc reports one errno per failure class; XNU distinguishes more
 * (which argument was wrong, and how).  On a failure the library looks at
 * the names involved (MACHIPC_IOC_NAME_INFO, only on the error path) and
 * returns the code XNU returns for the same call.  The table is in
 * Documentation/mach-api.rst.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Per-port library state: contexts, emulated guards, importance flags */
/* ------------------------------------------------------------------ */

/*
 * XNU keeps a receive right's context, its guard (the context, with the
 * guarded and strict bits) and its importance bits in the port; machipc
 * has none of them, so the library keeps them here, by name, until the
 * receive right goes away (lm_port_forget(): lm_context_set(name, 0)).
 */
#define LM_PF_GUARDED	0x1U	/* mach_port_guard(), MPO_CONTEXT_AS_GUARD */
#define LM_PF_STRICT	0x2U	/* MPG_STRICT, MPO_STRICT */
#define LM_PF_IMPDON	0x4U	/* importance donation */
#define LM_PF_TEMPOWNER	0x8U	/* MACH_PORT_TEMPOWNER, MPO_TEMPOWNER */

struct lm_ctx {
	mach_port_name_t name;
	uint32_t flags;
	mach_port_context_t ctx;
};

static pthread_mutex_t lm_ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lm_ctx *lm_ctx_tab;
static size_t lm_ctx_len, lm_ctx_cap;

/* The entry of @name, or NULL; with lm_ctx_lock held. */
static struct lm_ctx *lm_ctx_find(mach_port_name_t name)
{
	size_t i;

	for (i = 0; i < lm_ctx_len; i++)
		if (lm_ctx_tab[i].name == name)
			return &lm_ctx_tab[i];
	return NULL;
}

/* The entry of @name, made if needed (NULL: no memory); lock held. */
static struct lm_ctx *lm_ctx_make(mach_port_name_t name)
{
	struct lm_ctx *e = lm_ctx_find(name), *tab;

	if (e)
		return e;
	if (lm_ctx_len == lm_ctx_cap) {
		size_t cap = lm_ctx_cap ? lm_ctx_cap * 2 : 16;

		tab = realloc(lm_ctx_tab, cap * sizeof(*tab));
		if (!tab)
			return NULL;
		lm_ctx_tab = tab;
		lm_ctx_cap = cap;
	}
	e = &lm_ctx_tab[lm_ctx_len++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	return e;
}

/* Drops @e if it holds nothing any more; lock held. */
static void lm_ctx_trim(struct lm_ctx *e)
{
	if (!e->ctx && !e->flags)
		*e = lm_ctx_tab[--lm_ctx_len];
}

static void lm_ctx_remove(mach_port_name_t name)
{
	struct lm_ctx *e = lm_ctx_find(name);

	if (e)
		*e = lm_ctx_tab[--lm_ctx_len];
}

mach_port_context_t lm_context_get(mach_port_name_t name)
{
	mach_port_context_t ctx = 0;
	struct lm_ctx *e;

	pthread_mutex_lock(&lm_ctx_lock);
	e = lm_ctx_find(name);
	if (e)
		ctx = e->ctx;
	pthread_mutex_unlock(&lm_ctx_lock);
	return ctx;
}

/* 0 forgets all the state of @name (its receive right went away). */
void lm_context_set(mach_port_name_t name, mach_port_context_t ctx)
{
	struct lm_ctx *e;

	pthread_mutex_lock(&lm_ctx_lock);
	if (!ctx) {
		lm_ctx_remove(name);
	} else {
		e = lm_ctx_make(name);
		if (e)
			e->ctx = ctx;
	}
	pthread_mutex_unlock(&lm_ctx_lock);
}

/* The LM_PF_* flags of @name, and its context if @ctx is not NULL. */
static uint32_t lm_pstate(mach_port_name_t name, mach_port_context_t *ctx)
{
	uint32_t flags = 0;
	struct lm_ctx *e;

	pthread_mutex_lock(&lm_ctx_lock);
	e = lm_ctx_find(name);
	if (e)
		flags = e->flags;
	if (ctx)
		*ctx = e ? e->ctx : 0;
	pthread_mutex_unlock(&lm_ctx_lock);
	return flags;
}

/* Replaces the state of a new port @name: 0 or KERN_RESOURCE_SHORTAGE. */
static kern_return_t lm_pstate_init(mach_port_name_t name,
				    mach_port_context_t ctx, uint32_t flags)
{
	kern_return_t kr = KERN_SUCCESS;
	struct lm_ctx *e;

	pthread_mutex_lock(&lm_ctx_lock);
	lm_ctx_remove(name);
	if (ctx || flags) {
		e = lm_ctx_make(name);
		if (e) {
			e->ctx = ctx;
			e->flags = flags;
		} else {
			kr = KERN_RESOURCE_SHORTAGE;
		}
	}
	pthread_mutex_unlock(&lm_ctx_lock);
	return kr;
}

/* Sets @set in the flags of @name: 0 or KERN_RESOURCE_SHORTAGE. */
static kern_return_t lm_pstate_flag(mach_port_name_t name, uint32_t set)
{
	kern_return_t kr = KERN_SUCCESS;
	struct lm_ctx *e;

	pthread_mutex_lock(&lm_ctx_lock);
	e = lm_ctx_make(name);
	if (e)
		e->flags |= set;
	else
		kr = KERN_RESOURCE_SHORTAGE;
	pthread_mutex_unlock(&lm_ctx_lock);
	return kr;
}

void lm_ports_fork_child(void)
{
	pthread_mutex_init(&lm_ctx_lock, NULL);
	lm_ctx_len = 0;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static mach_port_type_t lm_type_of(const struct machipc_name_info *info)
{
	mach_port_type_t t = 0;

	if (info->rights & MACHIPC_RIGHT_SEND)
		t |= MACH_PORT_TYPE_SEND;
	if (info->rights & MACHIPC_RIGHT_RECEIVE)
		t |= MACH_PORT_TYPE_RECEIVE;
	if (info->rights & MACHIPC_RIGHT_SEND_ONCE)
		t |= MACH_PORT_TYPE_SEND_ONCE;
	if (info->rights & MACHIPC_RIGHT_PORT_SET)
		t |= MACH_PORT_TYPE_PORT_SET;
	if (info->rights & MACHIPC_RIGHT_DEAD_NAME)
		t |= MACH_PORT_TYPE_DEAD_NAME;
	if (info->flags & MACHIPC_NAME_DNREQUEST)
		t |= MACH_PORT_TYPE_DNREQUEST;
	return t;
}

/* The generic errno mapping of the port calls. */
static kern_return_t lm_kr(int err)
{
	switch (err) {
	case 0:
		return KERN_SUCCESS;
	case ENOENT:
		return KERN_INVALID_NAME;
	case EACCES:
	case EPIPE:
		return KERN_INVALID_RIGHT;
	case EINVAL:
		return KERN_INVALID_VALUE;
	case EOVERFLOW:
		return KERN_UREFS_OVERFLOW;
	case ENOSPC:
		return KERN_NO_SPACE;
	case ENOMEM:
	case ENOBUFS:
		return KERN_RESOURCE_SHORTAGE;
	case EBADFD:
	case EBADF:
		return MACH_SEND_INVALID_DEST;
	default:
		return KERN_FAILURE;
	}
}

static uint32_t lm_right_bit(mach_port_right_t right)
{
	switch (right) {
	case MACH_PORT_RIGHT_SEND:
		return MACHIPC_RIGHT_SEND;
	case MACH_PORT_RIGHT_RECEIVE:
		return MACHIPC_RIGHT_RECEIVE;
	case MACH_PORT_RIGHT_SEND_ONCE:
		return MACHIPC_RIGHT_SEND_ONCE;
	case MACH_PORT_RIGHT_PORT_SET:
		return MACHIPC_RIGHT_PORT_SET;
	case MACH_PORT_RIGHT_DEAD_NAME:
		return MACHIPC_RIGHT_DEAD_NAME;
	default:
		return 0;
	}
}

/* Arrays handed to the caller are vm_allocate()d, as MIG's are. */
static void *lm_vm_array(size_t bytes)
{
	void *p;

	if (!bytes)
		return NULL;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int lm_names(struct machipc_name_info **out, size_t *count)
{
	struct machipc_name_info *e = NULL, *tmp;
	struct machipc_port_names arg;
	size_t cap = 64;
	int err;

	for (;;) {
		tmp = realloc(e, cap * sizeof(*e));
		if (!tmp) {
			free(e);
			return ENOMEM;
		}
		e = tmp;
		memset(&arg, 0, sizeof(arg));
		arg.entries = (uintptr_t)e;
		arg.capacity = (uint32_t)cap;
		err = lm_ioctl(MACHIPC_IOC_PORT_NAMES, &arg);
		if (err) {
			free(e);
			return err;
		}
		if (arg.count <= cap)
			break;
		cap = arg.count + arg.count / 4 + 16;
	}
	*out = e;
	*count = arg.count;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Allocation and destruction                                         */
/* ------------------------------------------------------------------ */

LM_EXPORT kern_return_t mach_port_allocate(ipc_space_t task,
					   mach_port_right_t right,
					   mach_port_name_t *name)
{
	struct machipc_port_alloc arg = { 0 };
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
	case MACH_PORT_RIGHT_PORT_SET:
	case MACH_PORT_RIGHT_DEAD_NAME:
		arg.right = lm_right_bit(right);
		break;
	default:
		return KERN_INVALID_VALUE;
	}
	err = lm_ioctl(MACHIPC_IOC_PORT_ALLOCATE, &arg);
	if (err)
		return lm_kr(err);
	*name = arg.name;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_allocate_name(ipc_space_t task,
						mach_port_right_t right,
						mach_port_name_t name)
{
	struct machipc_port_alloc arg = { 0 };
	struct machipc_name_info info;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (right != MACH_PORT_RIGHT_RECEIVE &&
	    right != MACH_PORT_RIGHT_PORT_SET &&
	    right != MACH_PORT_RIGHT_DEAD_NAME)
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_VALUE;
	if (name == lm_space.task || !lm_name_info(name, &info))
		return KERN_NAME_EXISTS;
	arg.right = lm_right_bit(right);
	arg.name = name;
	err = lm_ioctl(MACHIPC_IOC_PORT_ALLOCATE_NAME, &arg);
	if (err == EEXIST)
		return KERN_NAME_EXISTS;
	if (err == ENOTTY)
		return KERN_NOT_SUPPORTED;	/* a module before ABI 3 */
	return lm_kr(err);
}

LM_EXPORT kern_return_t mach_port_allocate_full(ipc_space_t task,
						mach_port_right_t right,
						mach_port_t proto,
						mach_port_qos_t *qos,
						mach_port_name_t *name)
{
	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (proto != MACH_PORT_NULL)
		return KERN_INVALID_VALUE;
	if (qos && qos->name && !MACH_PORT_VALID(*name))
		return KERN_INVALID_VALUE;
	/* XNU checks a preallocation request, then ignores it. */
	if (qos && qos->prealloc) {
		if (qos->len > MACH_MSG_SIZE_MAX - MAX_TRAILER_SIZE)
			return KERN_RESOURCE_SHORTAGE;
		if (right != MACH_PORT_RIGHT_RECEIVE)
			return KERN_INVALID_VALUE;
		qos->prealloc = 0;
	}
	if (qos && qos->name)
		return mach_port_allocate_name(task, right, *name);
	return mach_port_allocate(task, right, name);
}

LM_EXPORT kern_return_t mach_port_allocate_qos(ipc_space_t task,
					       mach_port_right_t right,
					       mach_port_qos_t *qos,
					       mach_port_name_t *name)
{
	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (qos && qos->name)
		return KERN_INVALID_ARGUMENT;
	return mach_port_allocate_full(task, right, MACH_PORT_NULL, qos, name);
}

LM_EXPORT kern_return_t mach_port_destroy(ipc_space_t task,
					  mach_port_name_t name)
{
	struct machipc_port_name arg = { .name = name };
	struct machipc_name_info info;
	mach_port_context_t ctx;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name) || name == lm_space.task)
		return KERN_SUCCESS;
	err = lm_name_info(name, &info);
	if (err)
		return lm_kr(err);
	/* XNU: a guarded receive right with a guard is not destroyed. */
	if ((info.rights & MACHIPC_RIGHT_RECEIVE) &&
	    (lm_pstate(name, &ctx) & LM_PF_GUARDED) && ctx)
		return KERN_INVALID_RIGHT;
	err = lm_ioctl(MACHIPC_IOC_PORT_DESTROY, &arg);
	if (err)
		return lm_kr(err);
	if (info.rights & (MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_PORT_SET))
		lm_port_forget(name);
	return KERN_SUCCESS;
}

/*
 * User references of send rights and dead names: XNU "pegs" them at
 * MACH_PORT_UREFS_MAX.  An increment past the maximum stops there and
 * succeeds; once there, only a delta of -MACH_PORT_UREFS_MAX changes them.
 * machipc refuses what would pass the maximum (EOVERFLOW), so the library
 * clamps the delta to what the name holds, and retries if another thread
 * changed the count in between.  Every change is one ioctl: no reference
 * is ever lost, and a pegged count is left alone as XNU leaves it.
 */
static kern_return_t lm_urefs_delta(mach_port_name_t name, uint32_t bit,
				    mach_port_delta_t delta)
{
	const mach_port_delta_t max = (mach_port_delta_t)MACH_PORT_UREFS_MAX;
	struct machipc_port_mod_refs arg = { .name = name, .right = bit };
	struct machipc_name_info info;
	mach_port_delta_t d;
	int err, tries;

	/* An increment that fits needs no look first (nor does a pegged one). */
	if (delta > 0 && delta <= max) {
		arg.delta = delta;
		if (!lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &arg))
			return KERN_SUCCESS;
	}
	for (tries = 0; tries < 64; tries++) {
		if (lm_name_info(name, &info))
			return KERN_INVALID_NAME;
		if (!(info.rights & bit))
			return KERN_INVALID_RIGHT;
		if (delta > max || delta < -max)
			return KERN_INVALID_VALUE;
		d = delta;
		if (info.urefs >= MACH_PORT_UREFS_MAX) {
			if (d != -max)
				return KERN_SUCCESS;	/* pegged */
		} else {
			if ((int64_t)info.urefs + d < 0)
				return KERN_INVALID_VALUE;
			if ((int64_t)info.urefs + d > MACH_PORT_UREFS_MAX)
				d = (mach_port_delta_t)(MACH_PORT_UREFS_MAX -
							info.urefs);
		}
		if (!d)
			return KERN_SUCCESS;
		arg.delta = d;
		err = lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &arg);
		if (err != EOVERFLOW && err != ENOENT && err != EACCES)
			return lm_kr(err);
		/* The name changed under us: look again. */
	}
	return KERN_FAILURE;
}

LM_EXPORT kern_return_t mach_port_deallocate(ipc_space_t task,
					     mach_port_name_t name)
{
	struct machipc_port_name arg = { .name = name };
	struct machipc_name_info info;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name) || name == lm_space.task)
		return KERN_SUCCESS;
	err = lm_name_info(name, &info);
	if (err)
		return lm_kr(err);
	/* XNU: deallocating a port set's name destroys the set. */
	if (info.rights == MACHIPC_RIGHT_PORT_SET) {
		struct machipc_port_mod_refs mr = {
			.name = name,
			.right = MACHIPC_RIGHT_PORT_SET,
			.delta = -1,
		};

		err = lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &mr);
		if (!err)
			lm_port_forget(name);
		return lm_kr(err);
	}
	/* A pegged count stays pegged. */
	if ((info.rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_DEAD_NAME)) &&
	    info.urefs >= MACH_PORT_UREFS_MAX)
		return KERN_SUCCESS;
	err = lm_ioctl(MACHIPC_IOC_PORT_DEALLOCATE, &arg);
	return lm_kr(err);
}

LM_EXPORT kern_return_t mach_port_mod_refs(ipc_space_t task,
					   mach_port_name_t name,
					   mach_port_right_t right,
					   mach_port_delta_t delta)
{
	struct machipc_port_mod_refs arg = { .name = name, .delta = delta };
	struct machipc_name_info info;
	uint32_t bit = lm_right_bit(right);
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(name)) {
		if (right == MACH_PORT_RIGHT_SEND ||
		    right == MACH_PORT_RIGHT_SEND_ONCE)
			return KERN_SUCCESS;
		return KERN_INVALID_NAME;
	}
	if (name == lm_space.task)
		return right == MACH_PORT_RIGHT_SEND ? KERN_SUCCESS :
						      KERN_INVALID_RIGHT;
	if (!bit) {
		/* MACH_PORT_RIGHT_LABELH: no name holds one. */
		if (lm_name_info(name, &info))
			return KERN_INVALID_NAME;
		return KERN_INVALID_RIGHT;
	}
	if (bit == MACHIPC_RIGHT_SEND || bit == MACHIPC_RIGHT_DEAD_NAME)
		return lm_urefs_delta(name, bit, delta);
	/* XNU: a guarded receive right is not destroyed by mod_refs. */
	if (bit == MACHIPC_RIGHT_RECEIVE && delta == -1 &&
	    (lm_pstate(name, NULL) & LM_PF_GUARDED) &&
	    !lm_name_info(name, &info) &&
	    (info.rights & MACHIPC_RIGHT_RECEIVE))
		return KERN_INVALID_RIGHT;
	arg.right = bit;
	err = lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &arg);
	if (!err) {
		if ((bit == MACHIPC_RIGHT_RECEIVE ||
		     bit == MACHIPC_RIGHT_PORT_SET) && delta == -1)
			lm_port_forget(name);
		return KERN_SUCCESS;
	}
	/* Which check failed?  Look at the name, as XNU's order does. */
	if (lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	if (!(info.rights & bit))
		return KERN_INVALID_RIGHT;
	if (err == EOVERFLOW)
		return delta < 0 ? KERN_INVALID_VALUE : KERN_UREFS_OVERFLOW;
	if (err == EINVAL)
		return KERN_INVALID_VALUE;
	return lm_kr(err);
}

LM_EXPORT kern_return_t mach_port_get_refs(ipc_space_t task,
					   mach_port_name_t name,
					   mach_port_right_t right,
					   mach_port_urefs_t *refs)
{
	struct machipc_name_info info;
	uint32_t bit = lm_right_bit(right);
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(name)) {
		/* XNU: NULL and DEAD hold one send(-once) reference. */
		if (right == MACH_PORT_RIGHT_SEND ||
		    right == MACH_PORT_RIGHT_SEND_ONCE) {
			*refs = 1;
			return KERN_SUCCESS;
		}
		return KERN_INVALID_NAME;
	}
	if (name == lm_space.task) {
		*refs = right == MACH_PORT_RIGHT_SEND ? 1 : 0;
		return KERN_SUCCESS;
	}
	err = lm_name_info(name, &info);
	if (err)
		return lm_kr(err);
	if (!bit || !(info.rights & bit))
		*refs = 0;	/* also MACH_PORT_RIGHT_LABELH */
	else if (bit == MACHIPC_RIGHT_SEND || bit == MACHIPC_RIGHT_DEAD_NAME)
		*refs = info.urefs;
	else
		*refs = 1;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name,
				       mach_port_type_t *ptype)
{
	struct machipc_name_info info;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (name == MACH_PORT_NULL)
		return KERN_INVALID_NAME;
	if (name == MACH_PORT_DEAD) {
		*ptype = MACH_PORT_TYPE_DEAD_NAME;
		return KERN_SUCCESS;
	}
	if (name == lm_space.task) {
		*ptype = MACH_PORT_TYPE_SEND;
		return KERN_SUCCESS;
	}
	err = lm_name_info(name, &info);
	if (err)
		return lm_kr(err);
	*ptype = lm_type_of(&info);
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_names(ipc_space_t task,
					mach_port_name_array_t *names,
					mach_msg_type_number_t *namesCnt,
					mach_port_type_array_t *types,
					mach_msg_type_number_t *typesCnt)
{
	struct machipc_name_info *e;
	mach_port_name_t *n;
	mach_port_type_t *t;
	size_t count, i;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	err = lm_names(&e, &count);
	if (err)
		return lm_kr(err);
	n = lm_vm_array(count * sizeof(*n));
	t = lm_vm_array(count * sizeof(*t));
	if (count && (!n || !t)) {
		if (n)
			munmap(n, count * sizeof(*n));
		if (t)
			munmap(t, count * sizeof(*t));
		free(e);
		return KERN_RESOURCE_SHORTAGE;
	}
	for (i = 0; i < count; i++) {
		n[i] = e[i].name;
		/* The task's own name reads as a send right, as on macOS. */
		t[i] = e[i].name == lm_space.task ? MACH_PORT_TYPE_SEND :
						    lm_type_of(&e[i]);
	}
	free(e);
	*names = n;
	*types = t;
	*namesCnt = (mach_msg_type_number_t)count;
	*typesCnt = (mach_msg_type_number_t)count;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_rename(ipc_space_t task,
					 mach_port_name_t old_name,
					 mach_port_name_t new_name)
{
	struct machipc_name_info info;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(old_name) || !MACH_PORT_VALID(new_name))
		return KERN_INVALID_VALUE;
	if (lm_name_info(old_name, &info))
		return KERN_INVALID_NAME;
	if (!lm_name_info(new_name, &info))
		return KERN_NAME_EXISTS;
	return KERN_NOT_SUPPORTED;
}

/* ------------------------------------------------------------------ */
/* Making and extracting rights                                       */
/* ------------------------------------------------------------------ */

static kern_return_t lm_make(mach_port_name_t name, uint32_t disp,
			     mach_port_name_t *new_name)
{
	struct machipc_port_insert arg = { .name = name, .disposition = disp };
	struct machipc_name_info info;
	int err;

	err = lm_ioctl(MACHIPC_IOC_PORT_INSERT_RIGHT, &arg);
	if (!err) {
		if (new_name)
			*new_name = arg.new_name;
		return KERN_SUCCESS;
	}
	if (lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	if (!(info.rights & MACHIPC_RIGHT_RECEIVE))
		return KERN_INVALID_RIGHT;
	return lm_kr(err);
}

/* A new send-once right to @port's receive right, under @name. */
static kern_return_t lm_make_named(mach_port_name_t port,
				   mach_port_name_t name)
{
	struct machipc_port_insert arg = {
		.name = port,
		.disposition = MACHIPC_DISP_MAKE_SEND_ONCE,
		.new_name = name,
		.flags = MACHIPC_INSERT_NAME,
	};
	int err = lm_ioctl(MACHIPC_IOC_PORT_INSERT_RIGHT, &arg);

	if (err == EEXIST)
		return KERN_NAME_EXISTS;
	if (err == EINVAL)
		return KERN_NOT_SUPPORTED;	/* a module before ABI 3 */
	return lm_kr(err);
}

/* Checks that @name holds what @t needs: 0 or a kern_return_t. */
static kern_return_t lm_check_right(mach_port_name_t name,
				    mach_msg_type_name_t t,
				    struct machipc_name_info *info)
{
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_NAME;
	if (lm_name_info(name, info))
		return KERN_INVALID_NAME;
	if (!(info->rights & lm_disp_needs(t)))
		return KERN_INVALID_RIGHT;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_insert_right(ipc_space_t task,
					       mach_port_name_t name,
					       mach_port_t poly,
					       mach_msg_type_name_t polyPoly)
{
	struct machipc_name_info info;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_MSG_TYPE_PORT_ANY(polyPoly))
		return KERN_INVALID_VALUE;
	kr = lm_check_right(poly, polyPoly, &info);
	if (kr)
		return kr;
	if (polyPoly == MACH_MSG_TYPE_MOVE_RECEIVE)
		return KERN_INVALID_VALUE;
	if (name != poly) {
		/*
		 * A right under a name of the caller's choosing.  A send
		 * right shares the name the port already has here; a new
		 * send-once right takes a free name.  Moving an existing
		 * send-once right to another name is a rename, which
		 * machipc does not have.
		 */
		if (!MACH_PORT_VALID(name))
			return KERN_INVALID_VALUE;
		if (lm_copyin_type(polyPoly) == MACH_MSG_TYPE_PORT_SEND &&
		    (info.rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_RECEIVE)))
			return KERN_RIGHT_EXISTS;
		if (name == lm_space.task || !lm_name_info(name, &info))
			return KERN_NAME_EXISTS;
		if (polyPoly != MACH_MSG_TYPE_MAKE_SEND_ONCE)
			return KERN_NOT_SUPPORTED;
		return lm_make_named(poly, name);
	}
	switch (polyPoly) {
	case MACH_MSG_TYPE_MAKE_SEND:
		return lm_make(name, MACHIPC_DISP_MAKE_SEND, NULL);
	case MACH_MSG_TYPE_COPY_SEND:
		return mach_port_mod_refs(task, name, MACH_PORT_RIGHT_SEND, 1);
	case MACH_MSG_TYPE_MOVE_SEND:
		return KERN_SUCCESS;	/* taken and put back */
	default:
		/* A send-once right cannot share a name with another right. */
		return KERN_NAME_EXISTS;
	}
}

LM_EXPORT kern_return_t mach_port_extract_right(ipc_space_t task,
						mach_port_name_t name,
						mach_msg_type_name_t msgt_name,
						mach_port_t *poly,
						mach_msg_type_name_t *polyPoly)
{
	struct machipc_name_info info;
	mach_port_name_t out = name;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_MSG_TYPE_PORT_ANY(msgt_name))
		return KERN_INVALID_VALUE;
	/* XNU: no dead name is copied out for NULL or DEAD. */
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_RIGHT;
	kr = lm_check_right(name, msgt_name, &info);
	if (kr)
		return kr;
	switch (msgt_name) {
	case MACH_MSG_TYPE_MAKE_SEND:
		kr = lm_make(name, MACHIPC_DISP_MAKE_SEND, NULL);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		kr = lm_make(name, MACHIPC_DISP_MAKE_SEND_ONCE, &out);
		break;
	case MACH_MSG_TYPE_COPY_SEND:
		kr = mach_port_mod_refs(task, name, MACH_PORT_RIGHT_SEND, 1);
		break;
	default:
		/* MOVE_*: the right leaves the name and comes back to it. */
		kr = KERN_SUCCESS;
		break;
	}
	if (kr)
		return kr;
	*poly = out;
	*polyPoly = lm_copyin_type(msgt_name);
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Port sets                                                          */
/* ------------------------------------------------------------------ */

static kern_return_t lm_move(mach_port_name_t member, mach_port_name_t set)
{
	struct machipc_port_member arg = { .member = member, .set = set };

	return lm_kr(lm_ioctl(MACHIPC_IOC_PORT_MOVE_MEMBER, &arg));
}

/* The receive right @member and, if not NULL, the port set @set. */
static kern_return_t lm_check_member(mach_port_name_t member,
				     mach_port_name_t set,
				     struct machipc_port_attr *attr)
{
	struct machipc_name_info info;

	if (!MACH_PORT_VALID(member) || lm_name_info(member, &info))
		return KERN_INVALID_NAME;
	if (set != MACH_PORT_NULL) {
		struct machipc_name_info sinfo;

		if (set == MACH_PORT_DEAD || lm_name_info(set, &sinfo))
			return KERN_INVALID_NAME;
		if (!(sinfo.rights & MACHIPC_RIGHT_PORT_SET))
			return KERN_INVALID_RIGHT;
	}
	if (!(info.rights & MACHIPC_RIGHT_RECEIVE))
		return KERN_INVALID_RIGHT;
	if (lm_port_attr(member, attr))
		return KERN_INVALID_RIGHT;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_move_member(ipc_space_t task,
					      mach_port_name_t member,
					      mach_port_name_t after)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(member) || after == MACH_PORT_DEAD)
		return KERN_INVALID_RIGHT;
	kr = lm_check_member(member, after, &attr);
	if (kr)
		return kr;
	if (after == MACH_PORT_NULL && !attr.pset)
		return KERN_NOT_IN_SET;
	return lm_move(member, after);
}

LM_EXPORT kern_return_t mach_port_insert_member(ipc_space_t task,
						mach_port_name_t name,
						mach_port_name_t pset)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name) || !MACH_PORT_VALID(pset))
		return KERN_INVALID_RIGHT;
	kr = lm_check_member(name, pset, &attr);
	if (kr)
		return kr;
	/* machipc: a port is in at most one set. */
	if (attr.pset)
		return KERN_ALREADY_IN_SET;
	return lm_move(name, pset);
}

LM_EXPORT kern_return_t mach_port_extract_member(ipc_space_t task,
						 mach_port_name_t name,
						 mach_port_name_t pset)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name) || !MACH_PORT_VALID(pset))
		return KERN_INVALID_RIGHT;
	kr = lm_check_member(name, pset, &attr);
	if (kr)
		return kr;
	if (attr.pset != pset)
		return KERN_NOT_IN_SET;
	return lm_move(name, MACH_PORT_NULL);
}

LM_EXPORT kern_return_t mach_port_get_set_status(ipc_space_read_t task,
						 mach_port_name_t name,
						 mach_port_name_array_t *members,
						 mach_msg_type_number_t *membersCnt)
{
	struct machipc_name_info info, *e;
	struct machipc_port_attr attr;
	mach_port_name_t *out = NULL;
	size_t count, i, n = 0;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_RIGHT;
	if (lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	if (!(info.rights & MACHIPC_RIGHT_PORT_SET))
		return KERN_INVALID_RIGHT;
	err = lm_names(&e, &count);
	if (err)
		return lm_kr(err);
	for (i = 0; i < count; i++)
		if ((e[i].rights & MACHIPC_RIGHT_RECEIVE) &&
		    !lm_port_attr(e[i].name, &attr) && attr.pset == name)
			e[n++].name = e[i].name;
	if (n) {
		out = lm_vm_array(n * sizeof(*out));
		if (!out) {
			free(e);
			return KERN_RESOURCE_SHORTAGE;
		}
		for (i = 0; i < n; i++)
			out[i] = e[i].name;
	}
	free(e);
	*members = out;
	*membersCnt = (mach_msg_type_number_t)n;
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Attributes                                                         */
/* ------------------------------------------------------------------ */

static kern_return_t lm_receive_attr(mach_port_name_t name,
				     struct machipc_port_attr *attr)
{
	struct machipc_name_info info;

	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_RIGHT;
	if (lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	if (!(info.rights & MACHIPC_RIGHT_RECEIVE))
		return KERN_INVALID_RIGHT;
	if (lm_port_attr(name, attr))
		return KERN_INVALID_RIGHT;
	return KERN_SUCCESS;
}

/* The send rights to the port whose receive right @name is (XNU: srights). */
LM_EXPORT kern_return_t mach_port_get_srights(ipc_space_t task,
					      mach_port_name_t name,
					      mach_port_rights_t *srights)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return KERN_INVALID_TASK;
	if (!srights)
		return KERN_INVALID_ARGUMENT;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr;
	*srights = attr.srights;
	return KERN_SUCCESS;
}

/* mps_flags of the library's LM_PF_* state, as XNU reports them. */
static natural_t lm_status_flags(uint32_t pf)
{
	natural_t f = 0;

	if (pf & LM_PF_IMPDON) {
		f |= MACH_PORT_STATUS_FLAG_IMP_DONATION;
		if (pf & LM_PF_TEMPOWNER)
			f |= MACH_PORT_STATUS_FLAG_TEMPOWNER;
	}
	if (pf & LM_PF_GUARDED) {
		f |= MACH_PORT_STATUS_FLAG_GUARDED;
		if (pf & LM_PF_STRICT)
			f |= MACH_PORT_STATUS_FLAG_STRICT_GUARD;
	}
	return f;
}

static void lm_status(mach_port_name_t name,
		      const struct machipc_port_attr *attr,
		      mach_port_status_t *st)
{
	memset(st, 0, sizeof(*st));
	st->mps_pset = attr->pset ? 1 : 0;
	st->mps_seqno = (mach_port_seqno_t)attr->seqno;
	st->mps_mscount = attr->mscount;
	st->mps_qlimit = attr->qlimit;
	st->mps_msgcount = attr->msgcount + lm_held_count(name);
	st->mps_sorights = attr->sorights;
	st->mps_srights = attr->srights ? TRUE : FALSE;
	st->mps_nsrequest = !!(attr->requests & MACHIPC_ATTR_REQ_NO_SENDERS);
	st->mps_pdrequest = !!(attr->requests &
			       MACHIPC_ATTR_REQ_PORT_DESTROYED);
	st->mps_flags = lm_status_flags(lm_pstate(name, NULL));
}

LM_EXPORT kern_return_t mach_port_get_attributes(ipc_space_read_t task,
						 mach_port_name_t name,
						 mach_port_flavor_t flavor,
						 mach_port_info_t info,
						 mach_msg_type_number_t *count)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	switch (flavor) {
	case MACH_PORT_LIMITS_INFO: {
		mach_port_limits_t *lim = (mach_port_limits_t *)info;

		if (*count < MACH_PORT_LIMITS_INFO_COUNT)
			return KERN_FAILURE;
		if (!MACH_PORT_VALID(name)) {
			*count = 0;	/* as XNU: success, nothing filled */
			return KERN_SUCCESS;
		}
		kr = lm_receive_attr(name, &attr);
		if (kr)
			return kr;
		lim->mpl_qlimit = attr.qlimit;
		*count = MACH_PORT_LIMITS_INFO_COUNT;
		return KERN_SUCCESS;
	}
	case MACH_PORT_RECEIVE_STATUS:
		if (*count < MACH_PORT_RECEIVE_STATUS_COUNT)
			return KERN_FAILURE;
		kr = lm_receive_attr(name, &attr);
		if (kr)
			return kr;
		lm_status(name, &attr, (mach_port_status_t *)info);
		*count = MACH_PORT_RECEIVE_STATUS_COUNT;
		return KERN_SUCCESS;
	case MACH_PORT_INFO_EXT: {
		mach_port_info_ext_t *ext = (mach_port_info_ext_t *)info;

		if (*count < MACH_PORT_INFO_EXT_COUNT)
			return KERN_FAILURE;
		kr = lm_receive_attr(name, &attr);
		if (kr)
			return kr;
		memset(ext, 0, sizeof(*ext));
		lm_status(name, &attr, &ext->mpie_status);
		*count = MACH_PORT_INFO_EXT_COUNT;
		return KERN_SUCCESS;
	}
	case MACH_PORT_DNREQUESTS_SIZE:
		if (*count < MACH_PORT_DNREQUESTS_SIZE_COUNT)
			return KERN_FAILURE;
		if (!MACH_PORT_VALID(name)) {
			info[0] = 0;	/* as XNU: *count is left alone */
			return KERN_SUCCESS;
		}
		kr = lm_receive_attr(name, &attr);
		if (kr)
			return kr;
		info[0] = 0;
		*count = MACH_PORT_DNREQUESTS_SIZE_COUNT;
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

LM_EXPORT kern_return_t mach_port_set_attributes(ipc_space_t task,
						 mach_port_name_t name,
						 mach_port_flavor_t flavor,
						 mach_port_info_t info,
						 mach_msg_type_number_t count)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	switch (flavor) {
	case MACH_PORT_LIMITS_INFO: {
		mach_port_limits_t *lim = (mach_port_limits_t *)info;

		if (count < MACH_PORT_LIMITS_INFO_COUNT)
			return KERN_FAILURE;
		if (lim->mpl_qlimit > MACH_PORT_QLIMIT_MAX)
			return KERN_INVALID_VALUE;
		kr = lm_receive_attr(name, &attr);
		if (kr)
			return kr;
		/* machipc has no zero-length queue. */
		if (lim->mpl_qlimit < 1)
			return KERN_INVALID_VALUE;
		memset(&attr, 0, sizeof(attr));
		attr.name = name;
		attr.flags = MACHIPC_ATTR_QLIMIT;
		attr.qlimit = lim->mpl_qlimit;
		return lm_kr(lm_ioctl(MACHIPC_IOC_PORT_SET_ATTRIBUTES, &attr));
	}
	case MACH_PORT_DNREQUESTS_SIZE:
		if (count < MACH_PORT_DNREQUESTS_SIZE_COUNT)
			return KERN_FAILURE;
		/* The kernel sizes its request tables itself. */
		return lm_receive_attr(name, &attr);
	case MACH_PORT_TEMPOWNER:
	case MACH_PORT_IMPORTANCE_RECEIVER:
	case MACH_PORT_DENAP_RECEIVER:
		/* Hints without an effect on Linux, but reported back. */
		kr = lm_receive_attr(name, &attr);
		if (kr)
			return kr;
		return lm_pstate_flag(name, flavor == MACH_PORT_TEMPOWNER ?
					    LM_PF_IMPDON | LM_PF_TEMPOWNER :
					    LM_PF_IMPDON);
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

LM_EXPORT kern_return_t mach_port_set_mscount(ipc_space_t task,
					      mach_port_name_t name,
					      mach_port_mscount_t mscount)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr;
	memset(&attr, 0, sizeof(attr));
	attr.name = name;
	attr.flags = MACHIPC_ATTR_MSCOUNT;
	attr.mscount = mscount;
	return lm_kr(lm_ioctl(MACHIPC_IOC_PORT_SET_ATTRIBUTES, &attr));
}

LM_EXPORT kern_return_t mach_port_set_seqno(ipc_space_t task,
					    mach_port_name_t name,
					    mach_port_seqno_t seqno)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr;
	memset(&attr, 0, sizeof(attr));
	attr.name = name;
	attr.flags = MACHIPC_ATTR_SEQNO;
	attr.seqno = seqno;
	return lm_kr(lm_ioctl(MACHIPC_IOC_PORT_SET_ATTRIBUTES, &attr));
}

/* ------------------------------------------------------------------ */
/* Contexts, construct, destruct, guards                              */
/* ------------------------------------------------------------------ */

LM_EXPORT kern_return_t mach_port_get_context(ipc_space_read_t task,
					      mach_port_name_t name,
					      mach_port_context_t *context)
{
	struct machipc_port_attr attr;
	mach_port_context_t ctx;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr;
	/* XNU: a strict guard reads as an empty context. */
	*context = (lm_pstate(name, &ctx) & LM_PF_STRICT) ? 0 : ctx;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_set_context(ipc_space_t task,
					      mach_port_name_t name,
					      mach_port_context_t context)
{
	struct machipc_port_attr attr;
	kern_return_t kr = KERN_SUCCESS;
	struct lm_ctx *e;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr;
	/*
	 * XNU: a strictly guarded port's context cannot be changed; that
	 * of a port with a plain guard can (it is the guard).
	 */
	pthread_mutex_lock(&lm_ctx_lock);
	e = context ? lm_ctx_make(name) : lm_ctx_find(name);
	if (e && (e->flags & LM_PF_STRICT)) {
		kr = KERN_INVALID_ARGUMENT;
	} else if (e) {
		e->ctx = context;
		lm_ctx_trim(e);
	} else if (context) {
		kr = KERN_RESOURCE_SHORTAGE;
	}
	pthread_mutex_unlock(&lm_ctx_lock);
	return kr;
}

LM_EXPORT kern_return_t mach_port_construct(ipc_space_t task,
					    mach_port_options_ptr_t options,
					    mach_port_context_t context,
					    mach_port_name_t *name)
{
	uint32_t flags = options->flags, one, pf = 0;
	mach_port_limits_t lim;
	mach_port_name_t port;
	kern_return_t kr;

	/* XNU: at most one flag of each of these groups. */
	one = flags & (MPO_SERVICE_PORT | MPO_CONNECTION_PORT |
		       MPO_TG_BLOCK_TRACKING);
	if (one & (one - 1))
		return KERN_INVALID_ARGUMENT;
	one = flags & (MPO_REPLY_PORT | MPO_ENFORCE_REPLY_PORT_SEMANTICS |
		       MPO_PROVISIONAL_ID_PROT_OPTOUT |
		       MPO_PROVISIONAL_REPLY_PORT);
	if (one & (one - 1))
		return KERN_INVALID_ARGUMENT;
	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (flags & (MPO_SERVICE_PORT | MPO_CONNECTION_PORT |
		     MPO_FILTER_MSG))
		return KERN_NOT_SUPPORTED;
	if ((flags & MPO_QLIMIT) &&
	    options->mpl.mpl_qlimit > MACH_PORT_QLIMIT_MAX)
		return KERN_INVALID_VALUE;
	kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port);
	if (kr)
		return kr;
	if (flags & MPO_QLIMIT) {
		lim.mpl_qlimit = options->mpl.mpl_qlimit;
		kr = mach_port_set_attributes(task, port, MACH_PORT_LIMITS_INFO,
					      (mach_port_info_t)&lim,
					      MACH_PORT_LIMITS_INFO_COUNT);
		if (kr)
			goto fail;
	}
	if (flags & MPO_INSERT_SEND_RIGHT) {
		kr = lm_make(port, MACHIPC_DISP_MAKE_SEND, NULL);
		if (kr)
			goto fail;
	}
	if (flags & (MPO_IMPORTANCE_RECEIVER | MPO_DENAP_RECEIVER |
		     MPO_TEMPOWNER))
		pf |= LM_PF_IMPDON;
	if (flags & MPO_TEMPOWNER)
		pf |= LM_PF_TEMPOWNER;
	/* The context, or (MPO_CONTEXT_AS_GUARD) the guard. */
	if (flags & MPO_CONTEXT_AS_GUARD) {
		pf |= LM_PF_GUARDED;
		if (flags & MPO_STRICT)
			pf |= LM_PF_STRICT;
	}
	kr = lm_pstate_init(port, context, pf);
	if (kr)
		goto fail;
	*name = port;
	return KERN_SUCCESS;
fail:
	mach_port_destroy(task, port);
	return kr;
}

LM_EXPORT kern_return_t mach_port_destruct(ipc_space_t task,
					   mach_port_name_t name,
					   mach_port_delta_t srdelta,
					   mach_port_context_t guard)
{
	const mach_port_delta_t max = (mach_port_delta_t)MACH_PORT_UREFS_MAX;
	struct machipc_port_mod_refs arg = { .name = name };
	struct machipc_name_info info;
	mach_port_context_t ctx;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_NAME;
	/* XNU's order: the rights, the delta's sign, the guard, the delta. */
	if (lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	if (!(info.rights & MACHIPC_RIGHT_RECEIVE))
		return KERN_INVALID_RIGHT;
	if (srdelta && !(info.rights & MACHIPC_RIGHT_SEND))
		return KERN_INVALID_RIGHT;
	if (srdelta > 0)
		return KERN_INVALID_VALUE;
	/* Only a guarded port checks the guard. */
	if ((lm_pstate(name, &ctx) & LM_PF_GUARDED) && guard != ctx)
		return KERN_INVALID_ARGUMENT;
	if (srdelta) {
		if ((int64_t)info.urefs + srdelta < 0)
			return KERN_INVALID_VALUE;
		/* Pegged: only -MACH_PORT_UREFS_MAX takes them all. */
		if (info.urefs >= MACH_PORT_UREFS_MAX && srdelta != -max)
			srdelta = 0;
	}
	if (srdelta) {
		arg.right = MACHIPC_RIGHT_SEND;
		arg.delta = srdelta;
		err = lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &arg);
		if (err)
			return err == EOVERFLOW ? KERN_INVALID_VALUE : lm_kr(err);
	}
	arg.right = MACHIPC_RIGHT_RECEIVE;
	arg.delta = -1;
	err = lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &arg);
	if (err)
		return lm_kr(err);
	lm_port_forget(name);
	return KERN_SUCCESS;
}

/* The receive right @name, for the guard calls (KERN_INVALID_NAME first). */
static kern_return_t lm_guard_check(ipc_space_t task, mach_port_name_t name)
{
	struct machipc_port_attr attr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_NAME;
	return lm_receive_attr(name, &attr);
}

/*
 * Guards are emulated: the library keeps the guard as the port's context
 * with a guarded (and strict) bit, and returns XNU's codes.  What XNU
 * adds, an EXC_GUARD exception on a violation, does not exist on Linux.
 */
LM_EXPORT kern_return_t mach_port_guard_with_flags(ipc_space_t task,
						   mach_port_name_t name,
						   mach_port_context_t guard,
						   uint64_t flags)
{
	kern_return_t kr = lm_guard_check(task, name);
	struct lm_ctx *e;

	if (kr)
		return kr;
	pthread_mutex_lock(&lm_ctx_lock);
	e = lm_ctx_make(name);
	if (!e) {
		kr = KERN_RESOURCE_SHORTAGE;
	} else if (e->ctx) {
		/* XNU: a port with a context (or a guard) takes no guard. */
		kr = KERN_INVALID_ARGUMENT;
	} else {
		e->ctx = guard;
		e->flags &= ~LM_PF_STRICT;
		e->flags |= LM_PF_GUARDED;
		if (flags & MPG_STRICT)
			e->flags |= LM_PF_STRICT;
	}
	pthread_mutex_unlock(&lm_ctx_lock);
	return kr;
}

LM_EXPORT kern_return_t mach_port_guard(ipc_space_t task,
					mach_port_name_t name,
					mach_port_context_t guard,
					boolean_t strict)
{
	return mach_port_guard_with_flags(task, name, guard,
					  strict ? MPG_STRICT : 0);
}

LM_EXPORT kern_return_t mach_port_unguard(ipc_space_t task,
					  mach_port_name_t name,
					  mach_port_context_t guard)
{
	kern_return_t kr = lm_guard_check(task, name);
	struct lm_ctx *e;

	if (kr)
		return kr;
	pthread_mutex_lock(&lm_ctx_lock);
	e = lm_ctx_find(name);
	if (!e || !(e->flags & LM_PF_GUARDED) || e->ctx != guard) {
		kr = KERN_INVALID_ARGUMENT;	/* unguarded, or wrong guard */
	} else {
		e->ctx = 0;
		e->flags &= ~(LM_PF_GUARDED | LM_PF_STRICT);
		lm_ctx_trim(e);
	}
	pthread_mutex_unlock(&lm_ctx_lock);
	return kr;
}

LM_EXPORT kern_return_t mach_port_swap_guard(ipc_space_t task,
					     mach_port_name_t name,
					     mach_port_context_t old_guard,
					     mach_port_context_t new_guard)
{
	kern_return_t kr = lm_guard_check(task, name);
	struct lm_ctx *e;

	if (kr)
		return kr;
	pthread_mutex_lock(&lm_ctx_lock);
	e = lm_ctx_find(name);
	/* Unguarded, strictly guarded, or the wrong guard. */
	if (!e || !(e->flags & LM_PF_GUARDED) || (e->flags & LM_PF_STRICT) ||
	    e->ctx != old_guard) {
		kr = KERN_INVALID_ARGUMENT;
	} else {
		e->ctx = new_guard;
		lm_ctx_trim(e);
	}
	pthread_mutex_unlock(&lm_ctx_lock);
	return kr;
}

/* ------------------------------------------------------------------ */
/* Notifications                                                      */
/* ------------------------------------------------------------------ */

LM_EXPORT kern_return_t mach_port_request_notification(ipc_space_t task,
						       mach_port_name_t name,
						       mach_msg_id_t msgid,
						       mach_port_mscount_t sync,
						       mach_port_t notify,
						       mach_msg_type_name_t notifyPoly,
						       mach_port_t *previous)
{
	struct machipc_notify_request arg = { .name = name };
	struct machipc_name_info info, ninfo;
	kern_return_t kr;
	uint32_t need;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	/* XNU's order: a dead notify port, then the name, then the kind. */
	if (notify == MACH_PORT_DEAD)
		return KERN_INVALID_CAPABILITY;
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_ARGUMENT;
	switch (msgid) {
	case MACH_NOTIFY_PORT_DESTROYED:
		if (sync)
			return KERN_INVALID_VALUE;
		arg.kind = MACHIPC_NOTIFY_PORT_DESTROYED;
		need = MACHIPC_RIGHT_RECEIVE;
		break;
	case MACH_NOTIFY_NO_SENDERS:
		arg.kind = MACHIPC_NOTIFY_NO_SENDERS;
		arg.sync = sync;
		need = MACHIPC_RIGHT_RECEIVE;
		break;
	case MACH_NOTIFY_DEAD_NAME:
		arg.kind = MACHIPC_NOTIFY_DEAD_NAME;
		need = MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_SEND_ONCE |
		       MACHIPC_RIGHT_DEAD_NAME;
		break;
	case MACH_NOTIFY_SEND_POSSIBLE:
		return KERN_NOT_SUPPORTED;
	default:
		return KERN_INVALID_VALUE;
	}
	/*
	 * The notify right is copied in as XNU's trap does: a name that is
	 * not there is KERN_INVALID_NAME, one without the right
	 * KERN_INVALID_RIGHT.
	 */
	if (notify != MACH_PORT_NULL) {
		if (notifyPoly != MACH_MSG_TYPE_MAKE_SEND_ONCE &&
		    notifyPoly != MACH_MSG_TYPE_MOVE_SEND_ONCE)
			return MACH_SEND_INVALID_RIGHT;
		kr = lm_check_right(notify, notifyPoly, &ninfo);
		if (kr)
			return kr;
		arg.notify = notify;
		arg.disposition = lm_disp_to_machipc(notifyPoly);
		/* The notification's dead-name reference, added at death. */
		if (arg.kind == MACHIPC_NOTIFY_DEAD_NAME)
			arg.flags = MACHIPC_NOTIFY_DEAD_NAME_UREF;
	}
	if (lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	if (!(info.rights & need))
		return KERN_INVALID_RIGHT;
	if (info.rights & MACHIPC_RIGHT_DEAD_NAME &&
	    !(info.rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_SEND_ONCE))) {
		/* Nothing to cancel on a dead name: its request fired. */
		if (notify == MACH_PORT_NULL) {
			*previous = MACH_PORT_NULL;
			return KERN_SUCCESS;
		}
		return KERN_INVALID_ARGUMENT;
	}
	err = lm_ioctl(MACHIPC_IOC_PORT_REQUEST_NOTIFICATION, &arg);
	if (err == EPIPE)
		return KERN_INVALID_ARGUMENT;
	if (err == EINVAL)
		return KERN_INVALID_VALUE;
	if (err)
		return lm_kr(err);
	*previous = arg.previous;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_assert_attributes(ipc_space_t task,
						    mach_port_name_t name,
						    mach_port_flavor_t flavor,
						    mach_port_info_t info,
						    mach_msg_type_number_t count)
{
	const mach_port_guard_info_t *gi = (const void *)info;
	struct machipc_port_attr attr;
	mach_port_context_t ctx;
	kern_return_t kr;
	uint32_t pf;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (flavor != MACH_PORT_GUARD_INFO)
		return KERN_INVALID_ARGUMENT;
	if (count < MACH_PORT_GUARD_INFO_COUNT)
		return KERN_FAILURE;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr;
	/* XNU asserts a strict guard: anything else is a violation. */
	pf = lm_pstate(name, &ctx);
	if (!(pf & LM_PF_GUARDED) || !(pf & LM_PF_STRICT) ||
	    ctx != gi->mpgi_guard)
		return KERN_INVALID_ARGUMENT;
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Debug calls                                                        */
/* ------------------------------------------------------------------ */

/* XNU's generation bits of a name (MACH_PORT_NGEN(MACH_PORT_DEAD)). */
#define LM_GENNO_MASK	MACH_PORT_MAKE(0, MACH_PORT_GEN(MACH_PORT_DEAD))

LM_EXPORT kern_return_t mach_port_space_info(ipc_space_read_t space,
					     ipc_info_space_t *space_info,
					     ipc_info_name_array_t *table_info,
					     mach_msg_type_number_t *table_infoCnt,
					     ipc_info_tree_name_array_t *tree_info,
					     mach_msg_type_number_t *tree_infoCnt)
{
	struct machipc_name_info *e;
	ipc_info_name_t *t;
	size_t count, i;
	int err;

	if (!lm_task_ok(space))
		return MACH_SEND_INVALID_DEST;
	err = lm_names(&e, &count);
	if (err)
		return lm_kr(err);
	t = lm_vm_array(count * sizeof(*t));
	if (count && !t) {
		free(e);
		return KERN_RESOURCE_SHORTAGE;
	}
	for (i = 0; i < count; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].iin_name = e[i].name;
		if (e[i].name == lm_space.task) {
			t[i].iin_type = MACH_PORT_TYPE_SEND;
			t[i].iin_urefs = 1;
			continue;
		}
		t[i].iin_type = lm_type_of(&e[i]);
		t[i].iin_urefs = e[i].urefs;
		t[i].iin_object = (natural_t)e[i].port_id;
	}
	free(e);
	memset(space_info, 0, sizeof(*space_info));
	space_info->iis_genno_mask = LM_GENNO_MASK;
	space_info->iis_table_size = (natural_t)count;
	*table_info = t;
	*table_infoCnt = (mach_msg_type_number_t)count;
	*tree_info = NULL;
	*tree_infoCnt = 0;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_space_basic_info(ipc_space_inspect_t task,
						   ipc_info_space_basic_t *basic_info)
{
	struct machipc_name_info *e;
	size_t count;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	err = lm_names(&e, &count);
	if (err)
		return lm_kr(err);
	free(e);
	memset(basic_info, 0, sizeof(*basic_info));
	basic_info->iisb_genno_mask = LM_GENNO_MASK;
	basic_info->iisb_table_size = (natural_t)count;
	basic_info->iisb_table_inuse = (natural_t)count;
	return KERN_SUCCESS;
}

/* machipc does not count requests per port: none are reported. */
LM_EXPORT kern_return_t mach_port_dnrequest_info(ipc_space_t task,
						 mach_port_name_t name,
						 unsigned int *dnr_total,
						 unsigned int *dnr_used)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_NAME;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr;
	*dnr_total = 0;
	*dnr_used = 0;
	return KERN_SUCCESS;
}

/* XNU's IKOT_NONE and IKOT_TASK_CONTROL. */
#define LM_IKOT_NONE		0
#define LM_IKOT_TASK_CONTROL	2

LM_EXPORT kern_return_t mach_port_kobject(ipc_space_read_t task,
					  mach_port_name_t name,
					  natural_t *object_type,
					  mach_vm_address_t *object_addr)
{
	struct machipc_name_info info;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (name == lm_space.task) {
		*object_type = LM_IKOT_TASK_CONTROL;
		*object_addr = 0;
		return KERN_SUCCESS;
	}
	if (!MACH_PORT_VALID(name) || lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	/* Send-once rights, port sets and dead names have no object. */
	if (!(info.rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_RECEIVE)))
		return KERN_INVALID_RIGHT;
	/* A port of a program is no kernel object. */
	*object_type = LM_IKOT_NONE;
	*object_addr = 0;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_kernel_object(ipc_space_read_t task,
						mach_port_name_t name,
						unsigned int *object_type,
						unsigned int *object_addr)
{
	mach_vm_address_t addr;
	natural_t type;
	kern_return_t kr;

	kr = mach_port_kobject(task, name, &type, &addr);
	if (kr)
		return kr;
	*object_type = type;
	*object_addr = (unsigned int)addr;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t task_set_port_space(ipc_space_t space,
					    int table_entries)
{
	(void)table_entries;
	if (!lm_task_ok(space))
		return MACH_SEND_INVALID_DEST;
	return KERN_SUCCESS;
}
