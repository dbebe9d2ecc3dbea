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
/* Port contexts                                                      */
/* ------------------------------------------------------------------ */

struct lm_ctx {
	mach_port_name_t name;
	mach_port_context_t ctx;
};

static pthread_mutex_t lm_ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lm_ctx *lm_ctx_tab;
static size_t lm_ctx_len, lm_ctx_cap;

mach_port_context_t lm_context_get(mach_port_name_t name)
{
	mach_port_context_t ctx = 0;
	size_t i;

	pthread_mutex_lock(&lm_ctx_lock);
	for (i = 0; i < lm_ctx_len; i++)
		if (lm_ctx_tab[i].name == name)
			ctx = lm_ctx_tab[i].ctx;
	pthread_mutex_unlock(&lm_ctx_lock);
	return ctx;
}

void lm_context_set(mach_port_name_t name, mach_port_context_t ctx)
{
	struct lm_ctx *tab;
	size_t i;

	pthread_mutex_lock(&lm_ctx_lock);
	for (i = 0; i < lm_ctx_len; i++) {
		if (lm_ctx_tab[i].name == name) {
			if (ctx) {
				lm_ctx_tab[i].ctx = ctx;
			} else {
				lm_ctx_tab[i] = lm_ctx_tab[--lm_ctx_len];
			}
			goto out;
		}
	}
	if (!ctx)
		goto out;
	if (lm_ctx_len == lm_ctx_cap) {
		size_t cap = lm_ctx_cap ? lm_ctx_cap * 2 : 16;

		tab = realloc(lm_ctx_tab, cap * sizeof(*tab));
		if (!tab)
			goto out;
		lm_ctx_tab = tab;
		lm_ctx_cap = cap;
	}
	lm_ctx_tab[lm_ctx_len].name = name;
	lm_ctx_tab[lm_ctx_len].ctx = ctx;
	lm_ctx_len++;
out:
	pthread_mutex_unlock(&lm_ctx_lock);
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

LM_EXPORT kern_return_t mach_port_allocate_qos(ipc_space_t task,
					       mach_port_right_t right,
					       mach_port_qos_t *qos,
					       mach_port_name_t *name)
{
	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (qos && qos->name)
		return mach_port_allocate_name(task, right, *name);
	return mach_port_allocate(task, right, name);
}

LM_EXPORT kern_return_t mach_port_allocate_full(ipc_space_t task,
						mach_port_right_t right,
						mach_port_t proto,
						mach_port_qos_t *qos,
						mach_port_name_t *name)
{
	(void)proto;
	return mach_port_allocate_qos(task, right, qos, name);
}

LM_EXPORT kern_return_t mach_port_destroy(ipc_space_t task,
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
	err = lm_ioctl(MACHIPC_IOC_PORT_DESTROY, &arg);
	if (err)
		return lm_kr(err);
	if (info.rights & (MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_PORT_SET))
		lm_port_forget(name);
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_deallocate(ipc_space_t task,
					     mach_port_name_t name)
{
	struct machipc_port_name arg = { .name = name };
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (!MACH_PORT_VALID(name) || name == lm_space.task)
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
	if (!bit)
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
	if (!bit)
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(name)) {
		if (right == MACH_PORT_RIGHT_SEND ||
		    right == MACH_PORT_RIGHT_SEND_ONCE) {
			*refs = 0;
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
	if (!(info.rights & bit))
		*refs = 0;
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
	if (pset == MACH_PORT_NULL)
		return KERN_INVALID_NAME;
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
	if (pset == MACH_PORT_NULL)
		return KERN_INVALID_NAME;
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
	if (!MACH_PORT_VALID(name) || lm_name_info(name, &info))
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
	case MACH_PORT_TEMPOWNER:
	case MACH_PORT_IMPORTANCE_RECEIVER:
	case MACH_PORT_DENAP_RECEIVER:
		/* Hints without an effect on Linux. */
		return lm_receive_attr(name, &attr);
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
	return mscount == attr.mscount ? KERN_SUCCESS : KERN_NOT_SUPPORTED;
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
	return seqno == (mach_port_seqno_t)attr.seqno ? KERN_SUCCESS :
							KERN_NOT_SUPPORTED;
}

/* ------------------------------------------------------------------ */
/* Contexts, construct, destruct, guards                              */
/* ------------------------------------------------------------------ */

LM_EXPORT kern_return_t mach_port_get_context(ipc_space_read_t task,
					      mach_port_name_t name,
					      mach_port_context_t *context)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr == KERN_INVALID_RIGHT && !MACH_PORT_VALID(name) ?
		       KERN_INVALID_NAME : kr;
	*context = lm_context_get(name);
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_set_context(ipc_space_t task,
					      mach_port_name_t name,
					      mach_port_context_t context)
{
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr == KERN_INVALID_RIGHT && !MACH_PORT_VALID(name) ?
		       KERN_INVALID_NAME : kr;
	lm_context_set(name, context);
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t mach_port_construct(ipc_space_t task,
					    mach_port_options_ptr_t options,
					    mach_port_context_t context,
					    mach_port_name_t *name)
{
	mach_port_limits_t lim;
	mach_port_name_t port;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (options->flags & (MPO_SERVICE_PORT | MPO_CONNECTION_PORT |
			      MPO_FILTER_MSG))
		return KERN_NOT_SUPPORTED;
	if ((options->flags & MPO_QLIMIT) &&
	    options->mpl.mpl_qlimit > MACH_PORT_QLIMIT_MAX)
		return KERN_INVALID_VALUE;
	kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port);
	if (kr)
		return kr;
	if (options->flags & MPO_QLIMIT) {
		lim.mpl_qlimit = options->mpl.mpl_qlimit;
		kr = mach_port_set_attributes(task, port, MACH_PORT_LIMITS_INFO,
					      (mach_port_info_t)&lim,
					      MACH_PORT_LIMITS_INFO_COUNT);
		if (kr)
			goto fail;
	}
	if (options->flags & MPO_INSERT_SEND_RIGHT) {
		kr = lm_make(port, MACHIPC_DISP_MAKE_SEND, NULL);
		if (kr)
			goto fail;
	}
	/* The context is kept; as a guard it is checked by destruct only. */
	if (context)
		lm_context_set(port, context);
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
	struct machipc_name_info info;
	struct machipc_port_attr attr;
	kern_return_t kr;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (srdelta > 0)
		return KERN_INVALID_VALUE;
	kr = lm_receive_attr(name, &attr);
	if (kr)
		return kr == KERN_INVALID_RIGHT && !MACH_PORT_VALID(name) ?
		       KERN_INVALID_NAME : kr;
	if (guard != lm_context_get(name))
		return KERN_INVALID_ARGUMENT;
	if (srdelta) {
		if (lm_name_info(name, &info) ||
		    !(info.rights & MACHIPC_RIGHT_SEND) ||
		    info.urefs < (uint32_t)-srdelta)
			return KERN_INVALID_RIGHT;
		kr = mach_port_mod_refs(task, name, MACH_PORT_RIGHT_SEND,
					srdelta);
		if (kr)
			return kr;
	}
	return mach_port_mod_refs(task, name, MACH_PORT_RIGHT_RECEIVE, -1);
}

LM_EXPORT kern_return_t mach_port_guard(ipc_space_t task,
					mach_port_name_t name,
					mach_port_context_t guard,
					boolean_t strict)
{
	(void)name;
	(void)guard;
	(void)strict;
	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	return KERN_NOT_SUPPORTED;
}

LM_EXPORT kern_return_t mach_port_unguard(ipc_space_t task,
					  mach_port_name_t name,
					  mach_port_context_t guard)
{
	return mach_port_guard(task, name, guard, FALSE);
}

LM_EXPORT kern_return_t mach_port_guard_with_flags(ipc_space_t task,
						   mach_port_name_t name,
						   mach_port_context_t guard,
						   uint64_t flags)
{
	(void)flags;
	return mach_port_guard(task, name, guard, FALSE);
}

LM_EXPORT kern_return_t mach_port_swap_guard(ipc_space_t task,
					     mach_port_name_t name,
					     mach_port_context_t old_guard,
					     mach_port_context_t new_guard)
{
	(void)new_guard;
	return mach_port_guard(task, name, old_guard, FALSE);
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
	uint32_t need;
	int err;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
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
	/* The notify right travels in XNU's request message. */
	if (notify != MACH_PORT_NULL) {
		if (notifyPoly != MACH_MSG_TYPE_MAKE_SEND_ONCE &&
		    notifyPoly != MACH_MSG_TYPE_MOVE_SEND_ONCE)
			return MACH_SEND_INVALID_RIGHT;
		if (lm_check_right(notify, notifyPoly, &ninfo))
			return MACH_SEND_INVALID_RIGHT;
		arg.notify = notify;
		arg.disposition = lm_disp_to_machipc(notifyPoly);
	}
	if (!MACH_PORT_VALID(name) || lm_name_info(name, &info))
		return KERN_INVALID_NAME;
	if (!(info.rights & need))
		return KERN_INVALID_RIGHT;
	if (info.rights & MACHIPC_RIGHT_DEAD_NAME &&
	    !(info.rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_SEND_ONCE)))
		return KERN_INVALID_ARGUMENT;
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
