/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_SPACE_H
#define MACHIPC_SPACE_H

#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "account.h"

struct pid;

/**
 * DOC: spaces
 *
 * A space is the table of names one process uses for its rights.  Opening
 * /dev/machipc creates it; it belongs to the opening thread group
 * (@owner) for its whole life, and every other process gets -EBADFD.
 *
 * The space is *torn down* (all rights destroyed, @dead set) when its owner
 * closes its last descriptor of it or exits, even if another process still
 * holds the file, so that a dead process never keeps ports alive.  Closing
 * is seen by ->flush(); the exit of the whole process by @owner_wait on the
 * owner's pidfd wait queue, which queues @owner_exit (space.c), also when
 * another process shares the owner's file table and the file stays open.
 * The structure itself is freed when the file is released, after the wait
 * entry is removed and the work cancelled.
 *
 * @lock serialises every operation on the space: all name lookups, right
 * changes, and every receive from its ports (so receivers of one port never
 * race each other).  It is the outermost lock (see locking.h for the order)
 * and is never held while sleeping for a message, for queue room, or on a
 * user page fault: user memory is touched under it only with page faults
 * disabled.
 */

/**
 * struct machipc_space - the names of one process, one per open file
 */
struct machipc_space {
	/**
	 * @ref: the file's, and a receiver's copying out-of-line data from
	 * the space (copier->sender).
	 */
	refcount_t ref;
	/**
	 * @lock: protects @names, @by_port, @next_name, @name_hold, @dead and
	 * every entry of the space; what else it orders: locking.h.
	 */
	struct mutex lock;
	/** @names: name -> struct machipc_entry. Under @lock. */
	struct xarray names;
	/**
	 * @by_port: port key -> the entry holding a send or receive right to
	 * that port.  Under @lock.
	 */
	struct xarray by_port;
	/** @next_name: cursor of the cyclic name allocator. Under @lock. */
	u32 next_name;
	/**
	 * @name_hold: the reserved name keeping the cursor's leaf
	 * (machipc_entry_hold_leaf()), or 0.  Under @lock.
	 */
	u32 name_hold;
	/**
	 * @dead: the space was torn down; never cleared.  Under @lock
	 * (machipc_space_lock() fails once it is set).
	 */
	bool dead;
	/** @owner: the thread group the space belongs to. Immutable. */
	struct pid *owner;
	/** @id: unique; keys dead-name requests. Immutable. */
	u64 id;
	/** @account: the space's account. Immutable. */
	struct machipc_account *account;
	/** @process: the process account, @account's parent. Immutable. */
	struct machipc_account *process;
	/**
	 * @owner_wait: on @owner's pidfd wait queue (whose lock protects
	 * it), from creation until machipc_space_free().
	 */
	struct wait_queue_entry owner_wait;
	/**
	 * @owner_exit: queued by @owner_wait's wake-up, tears the space down
	 * after its owner died; cancelled by machipc_space_free().
	 */
	struct work_struct owner_exit;
};

/*
 * What a space costs its process's account: the structure, its own
 * account, and the root node of its name index (the one level
 * machipc_xa_nodes_alone() does not count).
 */
#define MACHIPC_COST_SPACE	(sizeof(struct machipc_space) + \
				 sizeof(struct machipc_account) + \
				 sizeof(struct xa_node))

/*
 * Charge the process directly for something of @space (index nodes, a
 * bootstrap descriptor): a refusal counts in the space's failures too, as
 * one by the parent does in machipc_account_charge().
 */
static inline int machipc_space_charge_process(struct machipc_space *space,
					       u64 bytes)
{
	int err = machipc_account_charge(space->process, bytes);

	if (err)
		atomic64_inc(&space->account->failures);
	return err;
}

struct machipc_space *machipc_space_create(void);
void machipc_space_teardown(struct machipc_space *space);
void machipc_space_free(struct machipc_space *space);
bool machipc_space_is_owner(const struct machipc_space *space);
int machipc_space_lock(struct machipc_space *space);
int machipc_space_lock_pair(struct machipc_space *receiver,
			    struct machipc_space *sender);
void machipc_space_unlock_pair(struct machipc_space *receiver,
			       struct machipc_space *sender);
void machipc_space_get(struct machipc_space *space);
void machipc_space_put(struct machipc_space *space);

#endif /* MACHIPC_SPACE_H */
