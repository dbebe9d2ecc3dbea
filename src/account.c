// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process accounts of kernel memory: charge, refund, limits.
 */

#include <linux/capability.h>
#include <linux/hashtable.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "trace.h"

/* The limit new spaces start with; raising past it needs CAP_SYS_RESOURCE. */
unsigned long machipc_account_default_limit = 16UL << 20;

/* Bytes charged to all accounts: must be zero at module unload. */
static atomic64_t machipc_accounts_usage = ATOMIC64_INIT(0);

static atomic64_t machipc_account_ids = ATOMIC64_INIT(0);

/*
 * The accounts of processes, keyed by the owner's struct pid.  The lock is
 * taken with interrupts off because the last reference to an account may
 * go in any context (a message freed from an RCU callback, ...).
 */
static DEFINE_SPINLOCK(machipc_accounts_lock);
static DEFINE_HASHTABLE(machipc_accounts, 8);

/**
 * machipc_account_create() - a new account
 * @id: its id, for the tracepoint
 * @parent: the account every charge also goes to (its reference is taken
 *	over), or NULL
 *
 * Return: the account or NULL.
 */
struct machipc_account *machipc_account_create(u64 id,
					       struct machipc_account *parent)
{
	struct machipc_account *account;

	account = kzalloc(sizeof(*account), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!account)
		return NULL;
	refcount_set(&account->ref, 1);
	INIT_HLIST_NODE(&account->node);
	account->limit = READ_ONCE(machipc_account_default_limit);
	account->id = id;
	account->parent = parent;
	return account;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_create);

struct machipc_account *machipc_account_get(struct machipc_account *account)
{
	if (account)
		refcount_inc(&account->ref);
	return account;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_get);

/**
 * machipc_account_of() - the account of the process @owner, made if needed
 * @owner: the thread-group leader's struct pid
 *
 * Return: a new reference to the account all spaces of @owner share, or
 * NULL when out of memory.
 */
struct machipc_account *machipc_account_of(struct pid *owner)
{
	struct machipc_account *account, *new = NULL;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&machipc_accounts_lock, flags);
		hash_for_each_possible(machipc_accounts, account, node,
				       (unsigned long)owner) {
			/* One going away (ref 0) is skipped: it is unhashed next. */
			if (account->owner == owner &&
			    refcount_inc_not_zero(&account->ref))
				goto found;
		}
		if (new) {
			account = new;
			new = NULL;
			hash_add(machipc_accounts, &account->node,
				 (unsigned long)owner);
			goto found;
		}
		spin_unlock_irqrestore(&machipc_accounts_lock, flags);

		/* Allocated unlocked; the table is searched again after. */
		new = machipc_account_create(atomic64_inc_return(&machipc_account_ids),
					     NULL);
		if (!new)
			return NULL;
		new->owner = get_pid(owner);
	}
found:
	spin_unlock_irqrestore(&machipc_accounts_lock, flags);
	if (new) {
		put_pid(new->owner);
		kfree(new);
	}
	return account;
}

void machipc_account_put(struct machipc_account *account)
{
	unsigned long flags;

	if (!account || !refcount_dec_and_test(&account->ref))
		return;
	/*
	 * Lookups skip an account whose count reached zero (and make a new
	 * one if needed), so it may leave the table after that.
	 */
	if (account->owner) {
		spin_lock_irqsave(&machipc_accounts_lock, flags);
		hash_del(&account->node);
		spin_unlock_irqrestore(&machipc_accounts_lock, flags);
		put_pid(account->owner);
	}
	WARN(atomic64_read(&account->usage),
	     "machipc: account %llu freed with %lld bytes charged\n",
	     account->id, atomic64_read(&account->usage));
	machipc_account_put(account->parent);
	kfree(account);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_put);

/* A charge of @bytes took the usage to @new: the high-water mark follows. */
static void machipc_account_charged(struct machipc_account *account, s64 new,
				    u64 bytes)
{
	s64 hwm = atomic64_read(&account->hwm);

	while (new > hwm && !atomic64_try_cmpxchg(&account->hwm, &hwm, new))
		;
	atomic64_add(bytes, &machipc_accounts_usage);
}

/* Charge @bytes to @account alone, as machipc_account_charge() says. */
static int machipc_account_charge_one(struct machipc_account *account,
				      u64 bytes)
{
	s64 old, new;

	old = atomic64_read(&account->usage);
	do {
		new = old + bytes;
		if (bytes > S64_MAX - old || new > READ_ONCE(account->limit)) {
			atomic64_inc(&account->failures);
			trace_machipc_charge_failed(account->id, bytes, old,
						    READ_ONCE(account->limit));
			return -ENOBUFS;
		}
	} while (!atomic64_try_cmpxchg(&account->usage, &old, new));

	machipc_account_charged(account, new, bytes);
	return 0;
}

static void machipc_account_uncharge_one(struct machipc_account *account,
					 u64 bytes)
{
	WARN_ON_ONCE(atomic64_sub_return(bytes, &account->usage) < 0);
	atomic64_sub(bytes, &machipc_accounts_usage);
}

/**
 * machipc_account_charge() - charge @bytes before allocating them
 * @account: the account, or NULL for memory charged to nobody
 * @bytes: the amount
 *
 * The charge goes to @account and to its parent (the process's account),
 * parent first: both limits hold.  A refusal by the parent is also
 * counted in @account's failures, as the caller saw it.
 *
 * Return: 0, or -ENOBUFS (counted in the failures) if the charge would take
 * the usage past the limit; nothing is charged then.
 */
int machipc_account_charge(struct machipc_account *account, u64 bytes)
{
	int err;

	if (!account)
		return 0;
	if (account->parent) {
		err = machipc_account_charge_one(account->parent, bytes);
		if (err) {
			atomic64_inc(&account->failures);
			return err;
		}
	}
	err = machipc_account_charge_one(account, bytes);
	if (err && account->parent)
		machipc_account_uncharge_one(account->parent, bytes);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_charge);

/**
 * machipc_account_charge_force() - charge @bytes whatever the limit
 * @account: the account, or NULL for memory charged to nobody
 * @bytes: the amount
 *
 * Only for memory the module must allocate although the operation cannot
 * fail, and only to the account of the process the operation is for: the
 * index nodes of a name that takes over another's charge in the same
 * commit (machipc_entry_create_uncharged(), a space receiving its own
 * out-of-line message), a few nodes at most.  The usage may go past the
 * limit, as memcg charges a __GFP_NOFAIL allocation past memory.max;
 * later charges fail until it is back under.  Not a failure.  The parent
 * is charged too.  Never used to charge one process for another's
 * objects (Documentation/threat-model.rst).
 */
void machipc_account_charge_force(struct machipc_account *account, u64 bytes)
{
	for (; account; account = account->parent)
		machipc_account_charged(account,
					atomic64_add_return(bytes,
							    &account->usage),
					bytes);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_charge_force);

/* Refund exactly what machipc_account_charge() took, at every level. */
void machipc_account_uncharge(struct machipc_account *account, u64 bytes)
{
	for (; account; account = account->parent)
		machipc_account_uncharge_one(account, bytes);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_uncharge);

/**
 * machipc_account_set_limit() - set the caller's limit
 * @account: the account
 * @limit: the new limit in bytes
 *
 * Lowering is always allowed, also below the current usage (which then
 * only blocks new charges); raising above the module's default limit needs
 * CAP_SYS_RESOURCE.
 *
 * Return: 0 or -EPERM.
 */
int machipc_account_set_limit(struct machipc_account *account, u64 limit)
{
	int err = machipc_account_may_set_limit(account, limit);

	if (!err)
		WRITE_ONCE(account->limit, limit);
	return err;
}

/* Whether machipc_account_set_limit() would succeed: 0 or -EPERM. */
int machipc_account_may_set_limit(struct machipc_account *account, u64 limit)
{
	if (limit > READ_ONCE(account->limit) &&
	    limit > READ_ONCE(machipc_account_default_limit) &&
	    !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_set_limit);

/**
 * machipc_account_query() - the stateful half of %MACHIPC_IOC_ACCOUNT
 * @account: the caller's space account
 * @process: its process account
 * @info: in: flags and the limits they set; out: usage, high-water marks,
 *	failures, limits and the process's spaces (the costs are the
 *	caller's to fill)
 *
 * Checks the limits the flags ask for (-EPERM, as
 * machipc_account_set_limit()) and reports the rest; nothing is changed:
 * machipc_account_apply() sets the limits, once the caller has written
 * the report back.
 *
 * Return: 0 or -EPERM.
 */
int machipc_account_query(struct machipc_account *account,
			  struct machipc_account *process,
			  struct machipc_account_info *info)
{
	int err;

	if (info->flags & MACHIPC_ACCOUNT_SET_LIMIT) {
		err = machipc_account_may_set_limit(account, info->limit);
		if (err)
			return err;
	} else {
		info->limit = READ_ONCE(account->limit);
	}
	if (info->flags & MACHIPC_ACCOUNT_SET_PROCESS_LIMIT) {
		err = machipc_account_may_set_limit(process,
						    info->process_limit);
		if (err)
			return err;
	} else {
		info->process_limit = READ_ONCE(process->limit);
	}
	info->usage = atomic64_read(&account->usage);
	info->hwm = atomic64_read(&account->hwm);
	info->failures = atomic64_read(&account->failures);
	info->process_usage = atomic64_read(&process->usage);
	info->process_hwm = atomic64_read(&process->hwm);
	info->process_failures = atomic64_read(&process->failures);
	info->spaces = atomic_read(&process->spaces);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_query);

/* Set the limits machipc_account_query() accepted. */
void machipc_account_apply(struct machipc_account *account,
			   struct machipc_account *process,
			   const struct machipc_account_info *info)
{
	if (info->flags & MACHIPC_ACCOUNT_SET_LIMIT)
		WRITE_ONCE(account->limit, info->limit);
	if (info->flags & MACHIPC_ACCOUNT_SET_PROCESS_LIMIT)
		WRITE_ONCE(process->limit, info->process_limit);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_account_apply);

s64 machipc_accounts_total(void)
{
	return atomic64_read(&machipc_accounts_usage);
}
