/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_ENTRY_H
#define MACHIPC_ENTRY_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

struct machipc_account;
struct machipc_port;
struct machipc_pset;
struct machipc_space;

/**
 * DOC: names and entries
 *
 * An entry is what a name denotes in one space: a receive right and/or a
 * send right (with user references) to one port, a send-once right, a port
 * set, or a dead name.  A port has at most one receive/send entry per space
 * (found through space->by_port); every send-once right has a name of its
 * own.  Everything here is protected by the space's lock.
 *
 * Names are allocated cyclically from [1, 0xfffffffe]: a destroyed name
 * comes back only after 2^32 - 2 further allocations in the same space,
 * which is the generation that keeps stale names from aliasing new ports.
 * One name ahead of the cursor, the last of its run of 64, is held
 * reserved (space->name_hold, see machipc_entry_hold_leaf()) and skipped.
 * A caller may also choose a free name (MACHIPC_IOC_PORT_ALLOCATE_NAME,
 * MACHIPC_INSERT_NAME): the cursor does not move, and skips it later.
 *
 * While one operation builds a plan, @plan_urefs and @plan_flags hold its
 * tentative changes: a send the user references and rights it takes from
 * the entry, a receive the placeholders it created (entries with @rights 0,
 * MACHIPC_PLAN_NEW).  Both are cleared before the space lock is released.
 * A receive that commits a send of the same space (an out-of-line message
 * sent by another thread) holds both plans at once, on different entries:
 * the send's on the names it takes rights from, the receive's on its
 * placeholders only.  A placeholder may succeed an entry the send empties
 * (MACHIPC_PLAN_SUCCESSOR: it takes over the port's index at the commit)
 * and may be paid with the charge of such an entry (MACHIPC_PLAN_PREPAID).
 *
 * A send-once right's entry holds, in @so_account (with a reference), the
 * reservation for the right's send-once notification: charged to the
 * space that made the right, it travels with the right (in
 * machipc_kright.account while in a message) until the right is used or
 * its notification is received or destroyed (see notify.c).
 */

/**
 * struct machipc_entry - what one name denotes in one space
 *
 * Every field is read and written only under the lock of the entry's space
 * (space->lock); the plan fields are cleared before it is released.
 */
struct machipc_entry {
	/** @name: the entry's name in its space. Immutable once inserted. */
	u32 name;
	/**
	 * @rights: MACHIPC_RIGHT_* bits; 0 for a placeholder of a receive in
	 * progress.
	 */
	u32 rights;
	/** @urefs: the user references of a send right or dead name. */
	u32 urefs;
	/** @flags: MACHIPC_ENTRY_* bits. */
	u32 flags;
	/** @port: the port named, or NULL (port set, dead name). */
	struct machipc_port *port;
	/** @pset: the port set named, or NULL. */
	struct machipc_pset *pset;
	/**
	 * @so_account: a send-once right's notification reservation (with a
	 * reference), or NULL.
	 */
	struct machipc_account *so_account;

	/** @plan_urefs: user references an operation in progress takes. */
	u32 plan_urefs;
	/** @plan_flags: MACHIPC_PLAN_* bits of an operation in progress. */
	u32 plan_flags;
	/** @plan_link: in the plan of an operation in progress. */
	struct list_head plan_link;
};

/*
 * flags: MACHIPC_ENTRY_DNREQUEST, a dead-name request was registered on
 * the name (it may have fired since): deleting the name cancels it with a
 * port-deleted notification, see machipc_notify_name_deleted().
 * MACHIPC_ENTRY_DNREQUEST_UREF, with it: the request was made with
 * MACHIPC_NOTIFY_DEAD_NAME_UREF, so the dead name the port's death leaves
 * gets the notification's user reference (machipc_entry_check_dead()).
 * Both are set and cleared by notify.c and cleared at the conversion.
 */
#define MACHIPC_ENTRY_DNREQUEST		BIT(0)
#define MACHIPC_ENTRY_DNREQUEST_UREF	BIT(1)

/* plan_flags */
#define MACHIPC_PLAN_RECEIVE_MOVED	BIT(0)
#define MACHIPC_PLAN_SEND_ONCE_MOVED	BIT(1)
#define MACHIPC_PLAN_NEW		BIT(2)
#define MACHIPC_PLAN_SUCCESSOR		BIT(3)
#define MACHIPC_PLAN_PREPAID		BIT(4)

void machipc_entry_release_hold(struct machipc_space *space);

#define MACHIPC_COST_ENTRY	sizeof(struct machipc_entry)

int machipc_entries_init(void);
void machipc_entries_exit(void);

struct machipc_entry *machipc_entry_lookup(struct machipc_space *space,
					   u32 name);
struct machipc_entry *machipc_entry_find_port(struct machipc_space *space,
					      struct machipc_port *port);
struct machipc_entry *machipc_entry_create(struct machipc_space *space,
					   struct machipc_port *port,
					   bool by_port);
struct machipc_entry *machipc_entry_create_named(struct machipc_space *space,
						 struct machipc_port *port,
						 bool by_port, u32 name);
struct machipc_entry *
machipc_entry_create_uncharged(struct machipc_space *space,
			       struct machipc_port *port, bool by_port);
void machipc_entry_take_port(struct machipc_space *space,
			     struct machipc_entry *old,
			     struct machipc_entry *new);
void machipc_entry_destroy(struct machipc_space *space,
			   struct machipc_entry *entry);
void machipc_entry_free_uncharged(struct machipc_space *space,
				  struct machipc_entry *entry);
void machipc_entry_unlink_port(struct machipc_space *space,
			       struct machipc_entry *entry);
void machipc_entry_release_rights(struct machipc_space *space,
				  struct machipc_entry *entry,
				  struct list_head *doomed);
u32 machipc_entry_urefs(const struct machipc_entry *entry);

#endif /* MACHIPC_ENTRY_H */
