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
 * @name is the set's name in its space, immutable.  @lock protects
 * @members, @dead and each member's port->pset/pset_link (which port->lock
 * also protects, taken inside @lock), and @poll.  Enqueuing on a
 * member wakes @wait and @poll under the member's port->lock, which is
 * safe because removing a member takes that lock too, and the set's poll
 * head is detached only after every member has been removed.
 */
struct machipc_pset {
	struct kref ref;
	spinlock_t lock;	/* see above */
	struct list_head members;
	bool dead;
	u32 name;
	wait_queue_head_t wait;
	struct machipc_pollhead *poll;	/* readiness descriptors (poll.h) */
	struct machipc_account *account;	/* immutable */
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
