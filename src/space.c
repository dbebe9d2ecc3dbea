// SPDX-License-Identifier: GPL-2.0
/*
 * Spaces: creation, ownership and teardown.
 */

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "entry.h"
#include "msg.h"
#include "space.h"

static atomic64_t machipc_space_ids = ATOMIC64_INIT(0);

/*
 * The owner's exit, seen through its struct pid's pidfd wait queue: the
 * kernel wakes it (do_notify_pidfd()) when the thread-group leader is a
 * zombie and no other thread is left, that is when the process is dead.
 * That is needed beyond ->flush(): a process that shares its file table
 * with another (CLONE_FILES without CLONE_THREAD) never closes the file
 * when it exits.  The wake-up comes with tasklist_lock held, so the
 * teardown is left to a work item.
 */
static int machipc_space_owner_wake(struct wait_queue_entry *wait,
				    unsigned int mode, int sync, void *key)
{
	struct machipc_space *space = container_of(wait, struct machipc_space,
						   owner_wait);

	schedule_work(&space->owner_exit);
	return 0;
}

/* Whether no thread of the process @pid is left to use a space. */
static bool machipc_process_dead(struct pid *pid)
{
	struct task_struct *leader;
	bool dead;

	rcu_read_lock();
	leader = pid_task(pid, PIDTYPE_TGID);
	dead = !leader || (READ_ONCE(leader->exit_state) &&
			   thread_group_empty(leader));
	rcu_read_unlock();
	return dead;
}

static void machipc_space_owner_exit(struct work_struct *work)
{
	struct machipc_space *space = container_of(work, struct machipc_space,
						   owner_exit);

	/* Only do_notify_pidfd() wakes the queue, but be sure. */
	if (machipc_process_dead(space->owner))
		machipc_space_teardown(space);
}

/**
 * machipc_space_create() - a new space for the calling process
 *
 * The space has its own account, whose parent is the process's account
 * (shared by all its spaces), and the structure is charged to the latter.
 *
 * Return: the space, or ERR_PTR(-ENOMEM), or ERR_PTR(-ENOBUFS) when the
 * process's account cannot pay for it.
 */
struct machipc_space *machipc_space_create(void)
{
	struct machipc_account *process;
	struct machipc_space *space;
	int err;

	process = machipc_account_of(task_tgid(current));
	if (!process)
		return ERR_PTR(-ENOMEM);
	err = machipc_account_charge(process, MACHIPC_COST_SPACE);
	if (err)
		goto err_put;
	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!space) {
		err = -ENOMEM;
		goto err_uncharge;
	}
	space->id = atomic64_inc_return(&machipc_space_ids);
	/* The space's account takes over the reference to @process. */
	space->account = machipc_account_create(space->id, process);
	if (!space->account) {
		kfree(space);
		err = -ENOMEM;
		goto err_uncharge;
	}
	space->process = process;
	refcount_set(&space->ref, 1);
	mutex_init(&space->lock);
	xa_init_flags(&space->names, XA_FLAGS_ALLOC);
	xa_init(&space->by_port);
	space->next_name = 1;
	space->owner = get_pid(task_tgid(current));
	atomic_inc(&process->spaces);
	INIT_WORK(&space->owner_exit, machipc_space_owner_exit);
	init_waitqueue_func_entry(&space->owner_wait, machipc_space_owner_wake);
	add_wait_queue(&space->owner->wait_pidfd, &space->owner_wait);
	return space;

err_uncharge:
	machipc_account_uncharge(process, MACHIPC_COST_SPACE);
err_put:
	machipc_account_put(process);
	return ERR_PTR(err);
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
	machipc_entry_release_hold(space);
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
	atomic_dec(&space->process->spaces);
	/* @process lives at least as long as the space's account. */
	machipc_account_uncharge(space->process, MACHIPC_COST_SPACE);
	machipc_account_put(space->account);
	mutex_destroy(&space->lock);
	kfree(space);
}

/*
 * The file is released: stop watching the owner (after remove_wait_queue()
 * no wake-up can queue the work again), tear the space down and drop the
 * file's reference.
 */
void machipc_space_free(struct machipc_space *space)
{
	remove_wait_queue(&space->owner->wait_pidfd, &space->owner_wait);
	cancel_work_sync(&space->owner_exit);
	machipc_space_teardown(space);
	machipc_space_put(space);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_space_free);

/*
 * Lock the receiver's and the sender's spaces, in address order (the only
 * place two space locks are held together: locking.h).  Return: 0, or
 * -EBADFD (the receiver's space is dead) or -EPIPE (the sender's), with
 * nothing locked.
 */
int machipc_space_lock_pair(struct machipc_space *receiver,
			    struct machipc_space *sender)
{
	struct machipc_space *first = receiver, *second = sender;
	int err;

	if (receiver == sender)
		return machipc_space_lock(receiver);
	if (first > second)
		swap(first, second);
	mutex_lock(&first->lock);
	mutex_lock_nested(&second->lock, SINGLE_DEPTH_NESTING);
	err = receiver->dead ? -EBADFD : sender->dead ? -EPIPE : 0;
	if (err) {
		mutex_unlock(&second->lock);
		mutex_unlock(&first->lock);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_space_lock_pair);

void machipc_space_unlock_pair(struct machipc_space *receiver,
			       struct machipc_space *sender)
{
	if (sender != receiver)
		mutex_unlock(&sender->lock);
	mutex_unlock(&receiver->lock);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_space_unlock_pair);
