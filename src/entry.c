// SPDX-License-Identifier: GPL-2.0
/*
 * The name table of a space: allocating, finding and destroying entries,
 * and turning names of dead ports into dead names.
 */

#include <linux/slab.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "entry.h"
#include "msg.h"
#include "notify.h"
#include "port.h"
#include "pset.h"
#include "space.h"
#include "xa_cost.h"

static struct kmem_cache *machipc_entry_cache;

int machipc_entries_init(void)
{
	machipc_entry_cache = KMEM_CACHE(machipc_entry, SLAB_ACCOUNT);
	return machipc_entry_cache ? 0 : -ENOMEM;
}

void machipc_entries_exit(void)
{
	kmem_cache_destroy(machipc_entry_cache);
}

/*
 * Names of a port whose receive right was destroyed become dead names when
 * they are next looked up: the send (or send-once) right is released and
 * its user references carry over to the dead name.
 */
static void machipc_entry_check_dead(struct machipc_space *space,
				     struct machipc_entry *entry)
{
	struct machipc_port *port = entry->port;

	lockdep_assert_held(&space->lock);
	if (!port || (entry->rights & MACHIPC_RIGHT_RECEIVE) ||
	    !machipc_port_is_dead(port))
		return;

	if (entry->rights & MACHIPC_RIGHT_SEND) {
		machipc_entry_unlink_port(space, entry);
		machipc_port_release_send(port);
	} else {
		machipc_port_release_send_once(port, entry->so_account);
		entry->so_account = NULL;
		entry->urefs = 1;
	}
	/*
	 * A dead-name request of the name fired when the port died; asked
	 * to, its notification brings the name a reference of its own.
	 */
	if ((entry->flags & MACHIPC_ENTRY_DNREQUEST_UREF) &&
	    entry->urefs < MACHIPC_UREFS_MAX)
		entry->urefs++;
	entry->flags &= ~(MACHIPC_ENTRY_DNREQUEST | MACHIPC_ENTRY_DNREQUEST_UREF);
	entry->rights = MACHIPC_RIGHT_DEAD_NAME;
	entry->port = NULL;
}

/**
 * machipc_entry_lookup() - what @name denotes in @space
 * @space: the space, locked
 * @name: the name
 *
 * Return: the entry, or NULL when @name is not in the space.  A name whose
 * port died is returned as a dead name.
 */
struct machipc_entry *machipc_entry_lookup(struct machipc_space *space,
					   u32 name)
{
	struct machipc_entry *entry;

	lockdep_assert_held(&space->lock);
	if (name == MACHIPC_NAME_NULL || name == MACHIPC_NAME_DEAD)
		return NULL;
	entry = xa_load(&space->names, name);
	if (!entry || !entry->rights)
		return NULL;
	machipc_entry_check_dead(space, entry);
	return entry;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_entry_lookup);

/* The entry naming @port's send or receive right, including placeholders. */
struct machipc_entry *machipc_entry_find_port(struct machipc_space *space,
					      struct machipc_port *port)
{
	lockdep_assert_held(&space->lock);
	return xa_load(&space->by_port, port->key);
}

/*
 * machipc_xa_nodes_alone() for @index of one of @space's indices.  A name
 * in the allocator's held leaf (other than the hold) shares that leaf with
 * the hold, so it is alone in no node: the RPC's reply names, made and
 * destroyed at every call, skip the walk.
 */
static unsigned int machipc_index_nodes_alone(struct machipc_space *space,
					      struct xarray *xa,
					      unsigned long index)
{
	if (xa == &space->names && space->name_hold &&
	    index != space->name_hold &&
	    (index | XA_CHUNK_MASK) == space->name_hold)
		return 0;
	return machipc_xa_nodes_alone(xa, index);
}

/*
 * Remove @index from @xa, one of @space's indices, refunding the nodes it
 * was alone in (see xa_cost.c) to the process's account, which pays for
 * index nodes.
 */
static void machipc_index_erase(struct machipc_space *space,
				struct xarray *xa, unsigned long index)
{
	unsigned int nodes = machipc_index_nodes_alone(space, xa, index);

	xa_erase(xa, index);
	machipc_account_uncharge(space->process, nodes * MACHIPC_COST_XA_NODE);
}

/*
 * Keep the xarray leaf that the next name comes from, with a reserved
 * (zero) entry at its last slot, which lookups and iterations do not see
 * and the allocator skips.  Without it, a space whose only short-lived
 * name is an RPC's reply right frees that leaf (through RCU) when the name
 * goes and allocates it again for the next one, at every call.  The hold
 * is an index like any for the node charges (xa_cost.c).  Best effort: if
 * the reservation cannot be had or paid for, the old hold stays.
 */
static void machipc_entry_hold_leaf(struct machipc_space *space, u32 name,
				    gfp_t gfp)
{
	u32 hold = (name + 1) | XA_CHUNK_MASK;
	unsigned int nodes;

	if (hold == space->name_hold || hold >= MACHIPC_NAME_DEAD)
		return;
	/*
	 * A name the caller chose may sit there (xa_reserve() would succeed
	 * without reserving anything, and the hold's release would then
	 * erase that name): no hold in this leaf then.
	 */
	if (xa_load(&space->names, hold) ||
	    xa_reserve(&space->names, hold, gfp))
		return;
	nodes = machipc_xa_nodes_alone(&space->names, hold);
	if (nodes && machipc_account_charge(space->process,
					    nodes * MACHIPC_COST_XA_NODE)) {
		xa_release(&space->names, hold);
		return;
	}
	machipc_entry_release_hold(space);
	space->name_hold = hold;
}

/* Drop the allocator's hold, if any, and refund its nodes. */
void machipc_entry_release_hold(struct machipc_space *space)
{
	lockdep_assert_held(&space->lock);
	if (!space->name_hold)
		return;
	machipc_index_erase(space, &space->names, space->name_hold);
	space->name_hold = 0;
}

/*
 * A new entry under @name, or under the next free name of the cyclic
 * allocator when @name is MACHIPC_NAME_NULL.  A name the caller chooses
 * is taken even if it is the held one, which simply stops being held.
 */
static int machipc_entry_insert_name(struct machipc_space *space,
				     struct machipc_entry *entry, u32 name,
				     gfp_t gfp)
{
	int err;

	if (name == MACHIPC_NAME_NULL) {
		err = xa_alloc_cyclic(&space->names, &entry->name, entry,
				      XA_LIMIT(1, MACHIPC_NAME_DEAD - 1),
				      &space->next_name, gfp);
		return err < 0 ? (err == -EBUSY ? -ENOSPC : err) : 0;
	}
	if (name == space->name_hold)
		machipc_entry_release_hold(space);
	entry->name = name;
	err = xa_insert(&space->names, name, entry, gfp);
	return err == -EBUSY ? -EEXIST : err;
}

static struct machipc_entry *machipc_entry_new(struct machipc_space *space,
					       struct machipc_port *port,
					       bool by_port, bool charge,
					       u32 name)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
			  __GFP_NOWARN;
	struct machipc_entry *entry;
	unsigned int nodes;
	int err;

	lockdep_assert_held(&space->lock);
	if (charge) {
		err = machipc_account_charge(space->account,
					     MACHIPC_COST_ENTRY);
		if (err)
			return ERR_PTR(err);
	}
	entry = kmem_cache_zalloc(machipc_entry_cache, gfp);
	if (!entry) {
		err = -ENOMEM;
		goto err_uncharge;
	}
	INIT_LIST_HEAD(&entry->plan_link);
	entry->port = port;

	err = machipc_entry_insert_name(space, entry, name, gfp);
	if (err)
		goto err_free;
	/*
	 * The index nodes the name made: only known once it is in (the
	 * cyclic allocator chooses it), so charged now and undone if that
	 * fails; at most 2 * MACHIPC_XA_LEVELS nodes exist uncharged
	 * meanwhile, under the space lock.  A prepaid name cannot fail.
	 * Counted before the hold moves, as every index is: each insertion
	 * pays for what it adds to the indices as they are then.
	 */
	nodes = machipc_index_nodes_alone(space, &space->names, entry->name);
	if (by_port) {
		err = xa_insert(&space->by_port, port->key, entry, gfp);
		if (err)
			goto err_erase;
		nodes += machipc_xa_nodes_alone(&space->by_port, port->key);
	}
	if (!charge) {
		machipc_account_charge_force(space->process,
					     nodes * MACHIPC_COST_XA_NODE);
	} else {
		err = machipc_space_charge_process(space,
						   nodes * MACHIPC_COST_XA_NODE);
		if (err)
			goto err_unindex;
	}
	/* A name the caller chose says nothing of where the cursor is. */
	if (name == MACHIPC_NAME_NULL)
		machipc_entry_hold_leaf(space, entry->name, gfp);
	return entry;

err_unindex:
	if (by_port)
		xa_erase(&space->by_port, port->key);
err_erase:
	xa_erase(&space->names, entry->name);
err_free:
	kmem_cache_free(machipc_entry_cache, entry);
err_uncharge:
	if (charge)
		machipc_account_uncharge(space->account, MACHIPC_COST_ENTRY);
	return ERR_PTR(err);
}

/**
 * machipc_entry_create() - a new, empty entry under a new name
 * @space: the space, locked
 * @port: the port the entry will denote, or NULL
 * @by_port: also index the entry by @port (receive and send rights)
 *
 * The entry has no rights yet; the caller sets them, and takes the
 * references they hold.
 *
 * Return: the entry or an ERR_PTR: -ENOBUFS (the space's account is at its
 * limit), -ENOMEM, or -ENOSPC when the space has no free name.
 */
struct machipc_entry *machipc_entry_create(struct machipc_space *space,
					   struct machipc_port *port,
					   bool by_port)
{
	lockdep_assert_held(&space->lock);
	return machipc_entry_new(space, port, by_port, true, MACHIPC_NAME_NULL);
}

/**
 * machipc_entry_create_named() - machipc_entry_create() under @name
 * @space: the space, locked
 * @port: the port the entry will denote, or NULL
 * @by_port: also index the entry by @port
 * @name: the name the caller chose: neither MACHIPC_NAME_NULL nor
 *	MACHIPC_NAME_DEAD
 *
 * Return: as machipc_entry_create(), with -EEXIST (instead of -ENOSPC)
 * when @name is in use.
 */
struct machipc_entry *machipc_entry_create_named(struct machipc_space *space,
						 struct machipc_port *port,
						 bool by_port, u32 name)
{
	lockdep_assert_held(&space->lock);
	return machipc_entry_new(space, port, by_port, true, name);
}

/**
 * machipc_entry_create_uncharged() - machipc_entry_create(), not charged
 * @space: the space, locked
 * @port: the port the entry will denote, or NULL
 * @by_port: also index the entry by @port
 *
 * For a name that takes over the charge of another that the same commit
 * frees with machipc_entry_free_uncharged() (a message received in the
 * space that sent it: see machipc_receive_ool()).  If the commit does not
 * happen, free it with machipc_entry_free_uncharged() too.
 *
 * Return: as machipc_entry_create(), but never -ENOBUFS.
 */
struct machipc_entry *
machipc_entry_create_uncharged(struct machipc_space *space,
			       struct machipc_port *port, bool by_port)
{
	lockdep_assert_held(&space->lock);
	return machipc_entry_new(space, port, by_port, false,
				 MACHIPC_NAME_NULL);
}

/**
 * machipc_entry_take_port() - @new becomes the entry of @old's port
 * @space: the space, locked
 * @old: the entry @space->by_port has for the port; it is being emptied
 * @new: an entry of the same port, not indexed by it
 *
 * Replaces a slot that exists, so it allocates nothing and cannot fail.
 */
void machipc_entry_take_port(struct machipc_space *space,
			     struct machipc_entry *old,
			     struct machipc_entry *new)
{
	void *prev;

	lockdep_assert_held(&space->lock);
	prev = xa_cmpxchg(&space->by_port, new->port->key, old, new, 0);
	WARN_ON_ONCE(prev != old);
}

/* Forget that @entry names its port (it is becoming a dead name). */
void machipc_entry_unlink_port(struct machipc_space *space,
			       struct machipc_entry *entry)
{
	lockdep_assert_held(&space->lock);
	if (entry->port && xa_load(&space->by_port, entry->port->key) == entry)
		machipc_index_erase(space, &space->by_port, entry->port->key);
}

/*
 * Free @entry and its name, without refunding it: its charge went to an
 * entry made by machipc_entry_create_uncharged(), or it is one.  Its
 * rights must already be gone (moved away in a message, or never there);
 * a dead-name request of the name ends with a port-deleted notification.
 */
void machipc_entry_free_uncharged(struct machipc_space *space,
				  struct machipc_entry *entry)
{
	lockdep_assert_held(&space->lock);
	WARN_ON_ONCE(entry->so_account);
	machipc_notify_name_deleted(space, entry, entry->port);
	machipc_entry_unlink_port(space, entry);
	machipc_index_erase(space, &space->names, entry->name);
	kmem_cache_free(machipc_entry_cache, entry);
}

/* Free @entry and its name; its rights must already be gone. */
void machipc_entry_destroy(struct machipc_space *space,
			   struct machipc_entry *entry)
{
	machipc_entry_free_uncharged(space, entry);
	machipc_account_uncharge(space->account, MACHIPC_COST_ENTRY);
}

/**
 * machipc_entry_release_rights() - destroy every right @entry holds, and it
 * @space: the space, locked
 * @entry: the entry
 * @doomed: messages of killed ports, for machipc_msg_destroy_list()
 */
void machipc_entry_release_rights(struct machipc_space *space,
				  struct machipc_entry *entry,
				  struct list_head *doomed)
{
	struct machipc_account *so_account = entry->so_account;
	struct machipc_port *port = entry->port;
	u32 rights = entry->rights;

	lockdep_assert_held(&space->lock);
	/* First, while the port still lives: port-deleted, not dead-name. */
	machipc_notify_name_deleted(space, entry, port);
	machipc_entry_unlink_port(space, entry);
	if (rights & MACHIPC_RIGHT_RECEIVE)
		machipc_port_destroy_receive(port, doomed);
	if (rights & MACHIPC_RIGHT_SEND)
		machipc_port_release_send(port);
	if (rights & MACHIPC_RIGHT_SEND_ONCE)
		machipc_port_release_send_once(port, so_account);
	entry->so_account = NULL;
	if (rights & MACHIPC_RIGHT_PORT_SET)
		machipc_pset_destroy(entry->pset);
	entry->rights = 0;
	entry->port = NULL;
	entry->pset = NULL;
	machipc_index_erase(space, &space->names, entry->name);
	kmem_cache_free(machipc_entry_cache, entry);
	machipc_account_uncharge(space->account, MACHIPC_COST_ENTRY);
}

/* User references as reported to user space. */
u32 machipc_entry_urefs(const struct machipc_entry *entry)
{
	if (entry->rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_DEAD_NAME))
		return entry->urefs;
	return entry->rights ? 1 : 0;
}
