// SPDX-License-Identifier: GPL-2.0
/*
 * Spaces: creation, ownership and teardown.
 */

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "entry.h"
#include "msg.h"
#include "space.h"

static atomic64_t machipc_space_ids = ATOMIC64_INIT(0);

struct machipc_space *machipc_space_create(void)
{
	struct machipc_space *space;

	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!space)
		return NULL;
	refcount_set(&space->ref, 1);
	mutex_init(&space->lock);
	xa_init_flags(&space->names, XA_FLAGS_ALLOC);
	xa_init(&space->by_port);
	space->next_name = 1;
	space->owner = get_pid(task_tgid(current));
	space->id = atomic64_inc_return(&machipc_space_ids);
	space->account = machipc_account_create(space->id);
	if (!space->account) {
		put_pid(space->owner);
		kfree(space);
		return NULL;
	}
	return space;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_space_create);

bool machipc_space_is_owner(const struct machipc_space *space)
{
	return task_tgid(current) == space->owner;
}

/**
 * machipc_space_lock() - lock a live space for an operation
 * @space: the space
 *
 * Return: 0 with the lock held, or -EBADFD (unlocked) if the space was
 * torn down.
 */
int machipc_space_lock(struct machipc_space *space)
{
	mutex_lock(&space->lock);
	if (unlikely(space->dead)) {
		mutex_unlock(&space->lock);
		return -EBADFD;
	}
	return 0;
}

/**
 * machipc_space_teardown() - destroy every right of the space
 * @space: the space
 *
 * Receive rights kill their ports (queued messages are destroyed and their
 * rights released), send and send-once rights are released, port sets
 * destroyed.  Afterwards every operation on the space fails with -EBADFD.
 * Calling it again does nothing.
 */
void machipc_space_teardown(struct machipc_space *space)
{
	struct machipc_entry *entry;
	unsigned long name;
	LIST_HEAD(doomed);

	mutex_lock(&space->lock);
	if (space->dead) {
		mutex_unlock(&space->lock);
		return;
	}
	space->dead = true;
	xa_for_each(&space->names, name, entry)
		machipc_entry_release_rights(space, entry, &doomed);
	WARN_ON(!xa_empty(&space->by_port));
	mutex_unlock(&space->lock);

	machipc_msg_destroy_list(&doomed);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_space_teardown);

void machipc_space_get(struct machipc_space *space)
{
	refcount_inc(&space->ref);
}

void machipc_space_put(struct machipc_space *space)
{
	if (!refcount_dec_and_test(&space->ref))
		return;
	xa_destroy(&space->names);
	xa_destroy(&space->by_port);
	put_pid(space->owner);
	machipc_account_put(space->account);
	mutex_destroy(&space->lock);
	kfree(space);
}

/* The file is released: tear the space down and drop the file's reference. */
void machipc_space_free(struct machipc_space *space)
{
	machipc_space_teardown(space);
	machipc_space_put(space);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_space_free);
