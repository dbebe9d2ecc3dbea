/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_ACCOUNT_H
#define MACHIPC_ACCOUNT_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/types.h>

struct pid;

/**
 * DOC: accounts ("petty cash")
 *
 * Accounts form a two-level hierarchy, as memory cgroups do.  Each process
 * (thread group, @owner) has one *process account*, found in a global
 * table keyed by @owner (machipc_account_of()); each space it opens has a
 * *space account* whose @parent is the process account.  A charge to a
 * space account is also a charge to its parent (machipc_account_charge():
 * both limits hold), so the process account's @usage is the sum of its
 * spaces' plus what is charged to it directly: the spaces themselves,
 * the nodes of their name indices (xa_cost.c) and the bootstrap
 * descriptors it exported.  Opening /dev/machipc again therefore does not
 * buy a process more memory.  A later process with the same pid number
 * has another struct pid, so another account.
 *
 * Every byte of kernel memory the module allocates on behalf of a process
 * is charged, before it is allocated, to an account: the space's for its
 * names, ports and port sets, the process's for its spaces, index nodes
 * and bootstrap descriptors, the sender's for a queued message (until it
 * is received or destroyed), the requester's for a notification, the
 * maker's for a send-once right's notification (reserved when the right
 * is made).  A charge that would take @usage past @limit fails with
 * -ENOBUFS and changes nothing; the compare-and-exchange in
 * machipc_account_charge() makes the check and the charge one step, so
 * @usage never exceeds @limit, whatever races.  There is no forced charge:
 * what must not fail later (a send-once notification) is paid for in
 * advance, by the space that made it necessary.
 *
 * The space holds a reference on its account, a space account on its
 * parent, and everything charged on the account it was charged to, so a
 * message can be refunded after its sender is gone.  When the last
 * reference goes, @usage must be zero (else WARN).
 *
 * Locking: none of its own.  Each field below says how it is kept; the
 * table's lock (machipc_accounts_lock, account.c) is a leaf (locking.h).
 */

/**
 * struct machipc_account - an account: a space's or a process's
 */
struct machipc_account {
	/**
	 * @ref: its space's (or, for a process account, each space
	 * account's), and one per thing charged to it.
	 */
	refcount_t ref;
	/**
	 * @node: a process account's, in the table, under
	 * machipc_accounts_lock, from its creation until just after @ref
	 * reaches zero (lookups skip it then).
	 */
	struct hlist_node node;
	/**
	 * @owner: a process account's thread group, NULL for a space
	 * account.  Set before the account enters the table; immutable.
	 */
	struct pid *owner;
	/** @parent: the process account of a space account, else NULL. Immutable. */
	struct machipc_account *parent;
	/** @spaces: a process account's open spaces. Atomic. */
	atomic_t spaces;
	/**
	 * @usage: the bytes charged; never above @limit
	 * (machipc_account_charge()).  Atomic.
	 */
	atomic64_t usage;
	/** @hwm: the highest @usage seen. Atomic. */
	atomic64_t hwm;
	/** @failures: the charges refused. Atomic. */
	atomic64_t failures;
	/**
	 * @limit: the most @usage may reach.  Lockless: READ_ONCE() and
	 * WRITE_ONCE(); a new limit only affects later charges.
	 */
	u64 limit;
	/** @id: for tracepoints. Immutable. */
	u64 id;
};

extern unsigned long machipc_account_default_limit;

struct machipc_account *machipc_account_create(u64 id,
					       struct machipc_account *parent);
struct machipc_account *machipc_account_of(struct pid *owner);
struct machipc_account *machipc_account_get(struct machipc_account *account);
void machipc_account_put(struct machipc_account *account);
int machipc_account_charge(struct machipc_account *account, u64 bytes);
void machipc_account_charge_force(struct machipc_account *account, u64 bytes);
void machipc_account_uncharge(struct machipc_account *account, u64 bytes);
int machipc_account_set_limit(struct machipc_account *account, u64 limit);
int machipc_account_may_set_limit(struct machipc_account *account, u64 limit);
s64 machipc_accounts_total(void);

struct machipc_account_info;
int machipc_account_query(struct machipc_account *account,
			  struct machipc_account *process,
			  struct machipc_account_info *info);
void machipc_account_apply(struct machipc_account *account,
			   struct machipc_account *process,
			   const struct machipc_account_info *info);

#endif /* MACHIPC_ACCOUNT_H */
