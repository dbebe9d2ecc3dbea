/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_SPACE_H
#define MACHIPC_SPACE_H

#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct machipc_account;
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
 * holds the file, so that a dead process never keeps ports alive.  The
 * structure itself is freed when the file is released.
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
	struct xarray by_port;	/* port id -> entry holding send/receive */
	u32 next_name;		/* cursor of the cyclic name allocator */
	u32 name_hold;		/* reserved name keeping the cursor's leaf */
	bool dead;
	struct pid *owner;	/* immutable */
	u64 id;			/* immutable, unique: keys dead-name requests */
	struct machipc_account *account;	/* immutable */
};

struct machipc_space *machipc_space_create(void);
void machipc_space_teardown(struct machipc_space *space);
void machipc_space_free(struct machipc_space *space);
bool machipc_space_is_owner(const struct machipc_space *space);
int machipc_space_lock(struct machipc_space *space);
void machipc_space_get(struct machipc_space *space);
void machipc_space_put(struct machipc_space *space);

#endif /* MACHIPC_SPACE_H */
