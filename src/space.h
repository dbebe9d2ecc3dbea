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
 * race each other).  It is the outermost lock (see port.h for the order)
 * and is never held while sleeping for a message, for queue room, or on a
 * user page fault: user memory is touched under it only with page faults
 * disabled.
 */
struct machipc_space {
	refcount_t ref;
	struct mutex lock;	/* protects all below but @owner */
	struct xarray names;	/* name -> struct machipc_entry */
	struct xarray by_port;	/* port key -> entry holding send/receive */
	u32 next_name;		/* cursor of the cyclic name allocator */
	u32 name_hold;		/* reserved name keeping the cursor's leaf */
	bool dead;
	struct pid *owner;	/* immutable */
	u64 id;			/* immutable, unique: keys dead-name requests */
	struct machipc_account *account;	/* immutable, the space's */
	struct machipc_account *process;	/* immutable, account's parent */
	struct wait_queue_entry owner_wait;	/* on owner->wait_pidfd */
	struct work_struct owner_exit;	/* tears down after the owner died */
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
