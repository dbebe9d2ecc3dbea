// SPDX-License-Identifier: GPL-2.0
/*
 * Per-space accounts of kernel memory: charge, refund, limits.
 */

#include <linux/capability.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "account.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* The limit new spaces start with; raising past it needs CAP_SYS_RESOURCE. */
unsigned long machipc_account_default_limit = 16UL << 20;

/* Bytes charged to all accounts: must be zero at module unload. */
static atomic64_t machipc_accounts_usage = ATOMIC64_INIT(0);

struct machipc_account *machipc_account_create(u64 id)
{
	struct machipc_account *account;

	account = kzalloc(sizeof(*account), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!account)
		return NULL;
	refcount_set(&account->ref, 1);
	account->limit = READ_ONCE(machipc_account_default_limit);
	account->id = id;
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

void machipc_account_put(struct machipc_account *account)
{
	if (!account || !refcount_dec_and_test(&account->ref))
		return;
	WARN(atomic64_read(&account->usage),
	     "machipc: account %llu freed with %lld bytes charged\n",
	     account->id, atomic64_read(&account->usage));
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

/**
 * machipc_account_charge() - charge @bytes before allocating them
 * @account: the account, or NULL for memory charged to nobody
 * @bytes: the amount
 *
 * Return: 0, or -ENOBUFS (counted in the failures) if the charge would take
 * the usage past the limit; nothing is charged then.
 */
int machipc_account_charge(struct machipc_account *account, u64 bytes)
{
	s64 old, new;

	if (!account)
		return 0;
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
EXPORT_SYMBOL_IF_KUNIT(machipc_account_charge);

/* Refund exactly what machipc_account_charge() took. */
void machipc_account_uncharge(struct machipc_account *account, u64 bytes)
{
	if (!account)
		return;
	WARN_ON_ONCE(atomic64_sub_return(bytes, &account->usage) < 0);
	atomic64_sub(bytes, &machipc_accounts_usage);
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

s64 machipc_accounts_total(void)
{
	return atomic64_read(&machipc_accounts_usage);
}
