// SPDX-License-Identifier: GPL-2.0
/*
 * Operations on names and rights (section 2 of the spec): allocate,
 * destroy, deallocate, mod_refs, insert_right, move_member, attributes,
 * and listing.  Arguments arrive validated by ioctl.c; each operation
 * takes the space lock, checks the name's kind, and either changes nothing
 * (returning the errno of its failure class) or does all of its work.
 */

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "entry.h"
#include "msg.h"
#include "names.h"
#include "notify.h"
#include "out.h"
#include "port.h"
#include "pset.h"
#include "space.h"
#include "trace.h"

/*
 * A new receive right, port set or dead name under @want, or under a new
 * name of the kernel's choice (written to the caller through @out) when
 * @want is MACHIPC_NAME_NULL.
 */
static int machipc_name_allocate_at(struct machipc_space *space,
				    struct machipc_port_alloc *arg, u32 want,
				    struct machipc_out *out)
{
	struct machipc_entry *entry;
	struct machipc_port *port = NULL;
	struct machipc_pset *pset = NULL;
	u32 saved_next;
	int err;

	if (arg->right == MACHIPC_RIGHT_RECEIVE) {
		port = machipc_port_create(space);
		if (IS_ERR(port))
			return PTR_ERR(port);
	} else if (arg->right == MACHIPC_RIGHT_PORT_SET) {
		pset = machipc_pset_create(space->account);
		if (IS_ERR(pset))
			return PTR_ERR(pset);
	}

	err = machipc_space_lock(space);
	if (err)
		goto err_put;
	saved_next = space->next_name;
	if (want)
		entry = machipc_entry_create_named(space, port, !!port, want);
	else
		entry = machipc_entry_create(space, port, !!port);
	if (IS_ERR(entry)) {
		err = PTR_ERR(entry);
		mutex_unlock(&space->lock);
		goto err_put;
	}
	arg->name = entry->name;
	err = want ? 0 : machipc_out_write(out);
	if (err) {
		machipc_entry_destroy(space, entry);
		space->next_name = saved_next;
		mutex_unlock(&space->lock);
		goto err_put;
	}

	/* The commit point: from here on, the allocation cannot fail. */
	entry->rights = arg->right;
	entry->urefs = arg->right == MACHIPC_RIGHT_DEAD_NAME ? 1 : 0;
	if (port) {
		port->rcv_name = entry->name;
		trace_machipc_port_alloc(port->id, entry->name);
	}
	if (pset) {
		pset->name = entry->name;
		entry->pset = pset;
	}
	mutex_unlock(&space->lock);
	return 0;

err_put:
	machipc_port_put(port);
	if (pset)
		machipc_pset_put(pset);
	return err;
}

int machipc_name_allocate(struct machipc_space *space,
			  struct machipc_port_alloc *arg,
			  struct machipc_out *out)
{
	return machipc_name_allocate_at(space, arg, MACHIPC_NAME_NULL, out);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_allocate);

/* @arg->name was checked to be neither MACHIPC_NAME_NULL nor _DEAD. */
int machipc_name_allocate_name(struct machipc_space *space,
			       struct machipc_port_alloc *arg)
{
	return machipc_name_allocate_at(space, arg, arg->name, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_allocate_name);

/*
 * Release rights under @name as @release says (@how: its argument), with
 * the space locked; the messages that die with them (a receive right's
 * queue) are destroyed after the space is unlocked.
 */
static int machipc_name_release(struct machipc_space *space, u32 name,
				int (*release)(struct machipc_space *space,
					       struct machipc_entry *entry,
					       const void *how,
					       struct list_head *doomed),
				const void *how)
{
	struct machipc_entry *entry;
	LIST_HEAD(doomed);
	int err;

	err = machipc_space_lock(space);
	if (err)
		return err;
	entry = machipc_entry_lookup(space, name);
	err = entry ? release(space, entry, how, &doomed) : -ENOENT;
	mutex_unlock(&space->lock);
	machipc_msg_destroy_list(&doomed);
	return err;
}

static int machipc_release_all(struct machipc_space *space,
			       struct machipc_entry *entry, const void *how,
			       struct list_head *doomed)
{
	machipc_entry_release_rights(space, entry, doomed);
	return 0;
}

int machipc_name_destroy(struct machipc_space *space, u32 name)
{
	return machipc_name_release(space, name, machipc_release_all, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_destroy);

/* Drop the send right of @entry (all its user references). */
static void machipc_entry_drop_send(struct machipc_space *space,
				    struct machipc_entry *entry)
{
	struct machipc_port *port = entry->port;

	entry->rights &= ~MACHIPC_RIGHT_SEND;
	entry->urefs = 0;
	if (!entry->rights)
		machipc_entry_destroy(space, entry);
	machipc_port_release_send(port);
}

/* Change the user references of a send right or dead name by @delta. */
static int machipc_entry_add_urefs(struct machipc_space *space,
				   struct machipc_entry *entry, s32 delta)
{
	s64 urefs = (s64)entry->urefs + delta;

	if (urefs < 0 || urefs > MACHIPC_UREFS_MAX)
		return -EOVERFLOW;
	if (urefs > 0) {
		entry->urefs = urefs;
		return 0;
	}
	if (entry->rights & MACHIPC_RIGHT_SEND)
		machipc_entry_drop_send(space, entry);
	else
		machipc_entry_destroy(space, entry);
	return 0;
}

/* One user reference, or a send-once right (which kills no port). */
static int machipc_release_one(struct machipc_space *space,
			       struct machipc_entry *entry, const void *how,
			       struct list_head *doomed)
{
	if (entry->rights & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_DEAD_NAME))
		return machipc_entry_add_urefs(space, entry, -1);
	if (!(entry->rights & MACHIPC_RIGHT_SEND_ONCE))
		return -EACCES;
	machipc_entry_release_rights(space, entry, doomed);
	return 0;
}

int machipc_name_deallocate(struct machipc_space *space, u32 name)
{
	return machipc_name_release(space, name, machipc_release_one, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_deallocate);

/* mod_refs on a right that has exactly one reference. */
static int machipc_mod_single(struct machipc_space *space,
			      struct machipc_entry *entry, u32 right,
			      s32 delta, struct list_head *doomed)
{
	struct machipc_port *port = entry->port;

	if (delta != 0 && delta != -1)
		return -EINVAL;
	if (!delta)
		return 0;

	switch (right) {
	case MACHIPC_RIGHT_RECEIVE:
		/* A send right left under the name will denote a dead port. */
		entry->rights &= ~MACHIPC_RIGHT_RECEIVE;
		if (!entry->rights)
			machipc_entry_destroy(space, entry);
		machipc_port_destroy_receive(port, doomed);
		return 0;
	default:
		machipc_entry_release_rights(space, entry, doomed);
		return 0;
	}
}

static int machipc_release_refs(struct machipc_space *space,
				struct machipc_entry *entry, const void *how,
				struct list_head *doomed)
{
	const struct machipc_port_mod_refs *arg = how;

	if (!(entry->rights & arg->right)) {
		/* A send or send-once right whose port died. */
		if ((arg->right & (MACHIPC_RIGHT_SEND |
				   MACHIPC_RIGHT_SEND_ONCE)) &&
		    (entry->rights & MACHIPC_RIGHT_DEAD_NAME))
			return -EPIPE;
		return -EACCES;
	}
	if (arg->right & (MACHIPC_RIGHT_SEND | MACHIPC_RIGHT_DEAD_NAME))
		return machipc_entry_add_urefs(space, entry, arg->delta);
	return machipc_mod_single(space, entry, arg->right, arg->delta,
				  doomed);
}

int machipc_name_mod_refs(struct machipc_space *space,
			  const struct machipc_port_mod_refs *arg)
{
	return machipc_name_release(space, arg->name, machipc_release_refs,
				    arg);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_mod_refs);

int machipc_name_insert_right(struct machipc_space *space,
			      struct machipc_port_insert *arg,
			      struct machipc_out *out)
{
	struct machipc_account *reserved;
	struct machipc_entry *entry, *new;
	u32 saved_next;
	int err;

	err = machipc_space_lock(space);
	if (err)
		return err;
	entry = machipc_entry_lookup(space, arg->name);
	if (!entry) {
		err = -ENOENT;
		goto out;
	}
	if (!(entry->rights & MACHIPC_RIGHT_RECEIVE)) {
		err = -EACCES;
		goto out;
	}

	if (arg->disposition == MACHIPC_DISP_MAKE_SEND &&
	    (arg->flags & MACHIPC_INSERT_NAME) &&
	    arg->new_name != entry->name) {
		/* A port's send right always shares its receive right's name. */
		err = xa_load(&space->names, arg->new_name) ? -EEXIST :
							      -ENOTUNIQ;
		goto out;
	}
	if (arg->disposition == MACHIPC_DISP_MAKE_SEND) {
		if (entry->rights & MACHIPC_RIGHT_SEND) {
			if (entry->urefs >= MACHIPC_UREFS_MAX) {
				err = -EOVERFLOW;
				goto out;
			}
			arg->new_name = entry->name;
			err = machipc_out_write(out);
			if (err)
				goto out;
			/* The commit point: nothing can fail past it. */
			entry->urefs++;
			machipc_port_count_make_send(entry->port);
		} else {
			arg->new_name = entry->name;
			err = machipc_out_write(out);
			if (err)
				goto out;
			/* The commit point: nothing can fail past it. */
			machipc_port_add_send(entry->port, true);
			entry->rights |= MACHIPC_RIGHT_SEND;
			entry->urefs = 1;
		}
	} else {
		/* The right's notification is reserved, charged to us. */
		reserved = machipc_notify_reserve_send_once(space->account);
		if (IS_ERR(reserved)) {
			err = PTR_ERR(reserved);
			goto out;
		}
		saved_next = space->next_name;
		if (arg->flags & MACHIPC_INSERT_NAME)
			new = machipc_entry_create_named(space, entry->port,
							 false, arg->new_name);
		else
			new = machipc_entry_create(space, entry->port, false);
		if (IS_ERR(new)) {
			machipc_notify_unreserve_send_once(reserved);
			err = PTR_ERR(new);
			goto out;
		}
		arg->new_name = new->name;
		err = machipc_out_write(out);
		if (err) {
			machipc_notify_unreserve_send_once(reserved);
			machipc_entry_destroy(space, new);
			space->next_name = saved_next;
			goto out;
		}
		/* The commit point: nothing can fail past it. */
		machipc_port_add_send_once(entry->port);
		new->rights = MACHIPC_RIGHT_SEND_ONCE;
		new->so_account = reserved;
	}
out:
	mutex_unlock(&space->lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_insert_right);

int machipc_name_move_member(struct machipc_space *space,
			     const struct machipc_port_member *arg)
{
	struct machipc_entry *member, *set = NULL;
	int err;

	err = machipc_space_lock(space);
	if (err)
		return err;
	member = machipc_entry_lookup(space, arg->member);
	if (arg->set != MACHIPC_NAME_NULL)
		set = machipc_entry_lookup(space, arg->set);
	if (!member || (arg->set != MACHIPC_NAME_NULL && !set))
		err = -ENOENT;
	else if (!(member->rights & MACHIPC_RIGHT_RECEIVE) ||
		 (set && !(set->rights & MACHIPC_RIGHT_PORT_SET)))
		err = -EACCES;
	else if (set)
		machipc_pset_add_port(set->pset, member->port);
	else
		machipc_pset_remove_port(member->port);
	mutex_unlock(&space->lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_move_member);

/* The receive right @name, with the space locked; or an ERR_PTR. */
static struct machipc_port *machipc_lock_receive(struct machipc_space *space,
						 u32 name)
{
	struct machipc_entry *entry;
	int err;

	err = machipc_space_lock(space);
	if (err)
		return ERR_PTR(err);
	entry = machipc_entry_lookup(space, name);
	if (!entry)
		err = -ENOENT;
	else if (!(entry->rights & MACHIPC_RIGHT_RECEIVE))
		err = -EACCES;
	if (err) {
		mutex_unlock(&space->lock);
		return ERR_PTR(err);
	}
	return entry->port;
}

int machipc_name_get_attributes(struct machipc_space *space,
				struct machipc_port_attr *arg)
{
	struct machipc_port *port = machipc_lock_receive(space, arg->name);

	if (IS_ERR(port))
		return PTR_ERR(port);
	spin_lock(&port->lock);
	arg->qlimit = port->qlimit;
	arg->msgcount = port->msgcount;
	arg->seqno = port->seqno;
	arg->mscount = port->mscount;
	arg->srights = port->srights;
	arg->sorights = port->sorights;
	arg->pset = port->pset ? port->pset->name : MACHIPC_NAME_NULL;
	arg->requests = (port->nsrequest ? MACHIPC_ATTR_REQ_NO_SENDERS : 0) |
			(port->pdrequest ? MACHIPC_ATTR_REQ_PORT_DESTROYED : 0);
	spin_unlock(&port->lock);
	mutex_unlock(&space->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_get_attributes);

int machipc_name_set_attributes(struct machipc_space *space,
				const struct machipc_port_attr *arg)
{
	struct machipc_port *port = machipc_lock_receive(space, arg->name);

	if (IS_ERR(port))
		return PTR_ERR(port);
	if (arg->flags & MACHIPC_ATTR_QLIMIT)
		machipc_port_set_qlimit(port, arg->qlimit);
	if (arg->flags & MACHIPC_ATTR_MSCOUNT)
		machipc_port_set_mscount(port, arg->mscount);
	if (arg->flags & MACHIPC_ATTR_SEQNO)
		machipc_port_set_seqno(port, arg->seqno);
	mutex_unlock(&space->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_set_attributes);

int machipc_name_info(struct machipc_space *space,
		      struct machipc_name_info *arg)
{
	struct machipc_entry *entry;
	int err;

	err = machipc_space_lock(space);
	if (err)
		return err;
	entry = machipc_entry_lookup(space, arg->name);
	if (entry) {
		arg->rights = entry->rights;
		arg->urefs = machipc_entry_urefs(entry);
		arg->port_id = entry->port ? entry->port->id : 0;
		arg->port_id_low = lower_32_bits(arg->port_id);
		arg->flags = machipc_notify_has_dnrequest(space, entry) ?
			     MACHIPC_NAME_DNREQUEST : 0;
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&space->lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_name_info);

/*
 * The names are snapshotted under the lock and copied out after it, so the
 * user buffer is never touched with the space locked.  @entry_size is
 * sizeof(struct machipc_name_info), or MACHIPC_NAME_INFO_V3_SIZE for
 * version 3's PORT_NAMES: the first bytes of each element only.
 */
int machipc_name_list(struct machipc_space *space,
		      struct machipc_port_names *arg, size_t entry_size)
{
	struct machipc_name_info *snap = NULL;
	struct machipc_entry *entry;
	unsigned long name;
	u32 count = 0, n = 0, charged, i;
	int err;

	if (WARN_ON_ONCE(entry_size > sizeof(*snap)))
		return -EINVAL;
	err = machipc_space_lock(space);
	if (err)
		return err;
	xa_for_each(&space->names, name, entry)
		count++;
	n = min(count, arg->capacity);
	charged = n;
	if (n) {
		err = machipc_account_charge(space->account,
					     array_size(n, sizeof(*snap)));
		if (err) {
			mutex_unlock(&space->lock);
			return err;
		}
		snap = kvcalloc(n, sizeof(*snap), GFP_KERNEL_ACCOUNT |
				__GFP_RETRY_MAYFAIL | __GFP_NOWARN);
		if (!snap) {
			machipc_account_uncharge(space->account,
						 array_size(n, sizeof(*snap)));
			mutex_unlock(&space->lock);
			return -ENOMEM;
		}
	}
	count = 0;
	xa_for_each(&space->names, name, entry) {
		entry = machipc_entry_lookup(space, name);
		if (!entry)
			continue;
		if (count < n) {
			snap[count].name = entry->name;
			snap[count].rights = entry->rights;
			snap[count].urefs = machipc_entry_urefs(entry);
			snap[count].port_id = entry->port ?
					      entry->port->id : 0;
			snap[count].port_id_low =
				lower_32_bits(snap[count].port_id);
			if (machipc_notify_has_dnrequest(space, entry))
				snap[count].flags = MACHIPC_NAME_DNREQUEST;
		}
		count++;
	}
	mutex_unlock(&space->lock);

	n = min(n, count);
	/* Shorter elements: pack their prefixes (front to back is safe). */
	if (entry_size < sizeof(*snap))
		for (i = 1; i < n; i++)
			memmove((u8 *)snap + i * entry_size, &snap[i],
				entry_size);
	if (n && copy_to_user(u64_to_user_ptr(arg->entries), snap,
			      array_size(n, entry_size)))
		err = -EFAULT;
	kvfree(snap);
	if (charged)
		machipc_account_uncharge(space->account,
					 array_size(charged, sizeof(*snap)));
	arg->count = count;
	return err;
}
