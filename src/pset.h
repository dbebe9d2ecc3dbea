/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_PSET_H
#define MACHIPC_PSET_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

struct machipc_account;
struct machipc_msg;
struct machipc_pollhead;
struct machipc_port;

/**
 * DOC: port sets
 *
 * A port set is a name in one space from which its owner receives messages
 * queued on any member port.  Members are receive rights of the same space;
 * a port is in at most one set.  The set never leaves its space: it is
 * destroyed with its name or with the space.  Waiting receivers hold a
 * reference (@ref) so the structure outlives a destroy that wakes them.
 *
 * Locking: each field below says what protects it.  A member's
 * port->pset and port->pset_link change with both @lock and the member's
 * port->lock held (taken inside @lock), so either keeps them.  Enqueuing
 * on a member wakes @wait and @poll under the member's port->lock only,
 * which is safe because removing a member takes that lock too, and the
 * set's poll head is detached only after every member has been removed.
 */

/**
 * struct machipc_pset - a port set
 */
struct machipc_pset {
	/**
	 * @ref: its name's (entry->pset), one per receiver waiting on the
	 * set, and machipc_pset_remove_port()'s while it works.
	 */
	struct kref ref;
	/** @lock: protects @members and @dead, and @poll's changes. */
	spinlock_t lock;
	/**
	 * @members: the member ports, by port->pset_link.  Under @lock, and
	 * each member's port->lock when it joins or leaves.
	 */
	struct list_head members;
	/**
	 * @dead: the set was destroyed; never cleared.  Under @lock; a
	 * receiver woken from @wait reads it without (READ_ONCE()).
	 */
	bool dead;
	/**
	 * @name: the set's name in its space.  Set at allocation, under the
	 * space's lock, before the set can be reached by anything else;
	 * immutable then.
	 */
	u32 name;
	/** @wait: receivers waiting for a message on any member. */
	wait_queue_head_t wait;
	/**
	 * @poll: the attached readiness descriptors (poll.h), or NULL.
	 * Changed under @lock (WRITE_ONCE()); a member's enqueue reads it
	 * under that member's port->lock only (READ_ONCE()).
	 */
	struct machipc_pollhead *poll;
	/** @account: charged for the set until it is freed. Immutable. */
	struct machipc_account *account;
};

#define MACHIPC_COST_PSET	sizeof(struct machipc_pset)

int machipc_psets_init(void);
void machipc_psets_exit(void);
struct machipc_pset *machipc_pset_create(struct machipc_account *account);
void machipc_pset_get(struct machipc_pset *pset);
void machipc_pset_put(struct machipc_pset *pset);
void machipc_pset_destroy(struct machipc_pset *pset);
void machipc_pset_add_port(struct machipc_pset *pset,
			   struct machipc_port *port);
void machipc_pset_remove_port(struct machipc_port *port);
struct machipc_msg *machipc_pset_peek(struct machipc_pset *pset,
				      struct machipc_port **portp, bool *ool);
bool machipc_pset_ready(struct machipc_pset *pset);

#endif /* MACHIPC_PSET_H */
