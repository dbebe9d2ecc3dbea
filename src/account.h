/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_ACCOUNT_H
#define MACHIPC_ACCOUNT_H

#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/types.h>

/**
 * DOC: accounts ("petty cash")
 *
 * Every byte of kernel memory the module allocates on behalf of a process
 * is charged, before it is allocated, to an account: the space's for its
 * names, ports and port sets, the sender's for a queued message (until it
 * is received or destroyed), the requester's for a notification, the
 * maker's for a send-once right's notification (reserved when the right
 * is made).  A charge that would take @usage past @limit fails with
 * -ENOBUFS and changes nothing; the compare-and-exchange in
 * machipc_account_charge() makes the check and the charge one step, so
 * @usage never exceeds @limit, whatever races.  There is no forced charge:
 * what must not fail later (a send-once notification) is paid for in
 * advance, by the space that made it necessary.
 *
 * The space holds a reference on its account and so does everything
 * charged to it, so a message can be refunded after its sender is gone.
 * When the last reference goes, @usage must be zero (else WARN).
 *
 * @usage, @hwm and @failures are atomics; @limit is read and written with
 * READ_ONCE()/WRITE_ONCE() (a new limit only affects later charges).
 */
struct machipc_account {
	refcount_t ref;
	atomic64_t usage;
	atomic64_t hwm;
	atomic64_t failures;
	u64 limit;
	u64 id;
};

extern unsigned long machipc_account_default_limit;

struct machipc_account *machipc_account_create(u64 id);
struct machipc_account *machipc_account_get(struct machipc_account *account);
void machipc_account_put(struct machipc_account *account);
int machipc_account_charge(struct machipc_account *account, u64 bytes);
void machipc_account_uncharge(struct machipc_account *account, u64 bytes);
int machipc_account_set_limit(struct machipc_account *account, u64 limit);
int machipc_account_may_set_limit(struct machipc_account *account, u64 limit);
s64 machipc_accounts_total(void);

#endif /* MACHIPC_ACCOUNT_H */
