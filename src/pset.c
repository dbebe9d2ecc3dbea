// SPDX-License-Identifier: GPL-2.0
/*
 * Port sets: membership and finding the next message among the members.
 */

#include <linux/slab.h>

#include "account.h"
#include "msg.h"
#include "poll.h"

#include "port.h"
#include "pset.h"

static struct kmem_cache *machipc_pset_cache;

int machipc_psets_init(void)
{
	machipc_pset_cache = KMEM_CACHE(machipc_pset, SLAB_ACCOUNT);
	return machipc_pset_cache ? 0 : -ENOMEM;
}

void machipc_psets_exit(void)
{
	kmem_cache_destroy(machipc_pset_cache);
}

/* A new, empty set charged to @account; or an ERR_PTR. */
struct machipc_pset *machipc_pset_create(struct machipc_account *account)
{
	struct machipc_pset *pset;
	int err;

	err = machipc_account_charge(account, MACHIPC_COST_PSET);
	if (err)
		return ERR_PTR(err);
	pset = kmem_cache_zalloc(machipc_pset_cache,
				 GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				 __GFP_NOWARN);
	if (!pset) {
		machipc_account_uncharge(account, MACHIPC_COST_PSET);
		return ERR_PTR(-ENOMEM);
	}
	pset->account = machipc_account_get(account);
	kref_init(&pset->ref);
	spin_lock_init(&pset->lock);
	INIT_LIST_HEAD(&pset->members);
	init_waitqueue_head(&pset->wait);
	return pset;
}

void machipc_pset_get(struct machipc_pset *pset)
{
	kref_get(&pset->ref);
}

static void machipc_pset_free(struct kref *ref)
{
	struct machipc_pset *pset = container_of(ref, struct machipc_pset, ref);

	WARN_ON(!list_empty(&pset->members));
	machipc_poll_detach_pset(pset);	/* normally done by the destroy */
	machipc_account_uncharge(pset->account, MACHIPC_COST_PSET);
	machipc_account_put(pset->account);
	kmem_cache_free(machipc_pset_cache, pset);
}

/* Drop a reference; NULL is allowed, as for machipc_port_put(). */
void machipc_pset_put(struct machipc_pset *pset)
{
	if (pset)
		kref_put(&pset->ref, machipc_pset_free);
}

/* Destroy the set: members leave it, waiting receivers wake. */
void machipc_pset_destroy(struct machipc_pset *pset)
{
	struct machipc_port *port, *tmp;

	spin_lock(&pset->lock);
	WRITE_ONCE(pset->dead, true);
	list_for_each_entry_safe(port, tmp, &pset->members, pset_link) {
		spin_lock(&port->lock);
		list_del_init(&port->pset_link);
		port->pset = NULL;
		spin_unlock(&port->lock);
	}
	wake_up_all(&pset->wait);
	spin_unlock(&pset->lock);
	machipc_poll_detach_pset(pset);
	machipc_pset_put(pset);
}

/* Take @port out of whatever set it is in. */
void machipc_pset_remove_port(struct machipc_port *port)
{
	struct machipc_pset *pset;

	spin_lock(&port->lock);
	pset = port->pset;
	if (pset)
		machipc_pset_get(pset);
	spin_unlock(&port->lock);
	if (!pset)
		return;

	spin_lock(&pset->lock);
	spin_lock(&port->lock);
	if (port->pset == pset) {
		list_del_init(&port->pset_link);
		port->pset = NULL;
	}
	spin_unlock(&port->lock);
	spin_unlock(&pset->lock);
	/* A thread receiving directly on the port must now see it is free. */
	wake_up_all(&port->rcv_wait);
	machipc_pset_put(pset);
}

/* Move @port (a live receive right) into @pset, out of any other set. */
void machipc_pset_add_port(struct machipc_pset *pset,
			   struct machipc_port *port)
{
	machipc_pset_remove_port(port);

	spin_lock(&pset->lock);
	spin_lock(&port->lock);
	if (!port->dead && !pset->dead) {
		port->pset = pset;
		list_add_tail(&port->pset_link, &pset->members);
		if (!list_empty(&port->queue)) {
			wake_up_all(&pset->wait);
			machipc_poll_wake(pset->poll);
		}
	}
	spin_unlock(&port->lock);
	spin_unlock(&pset->lock);
	/* Direct receivers on the port must now fail with -EBUSY. */
	wake_up_all(&port->rcv_wait);
}

/*
 * Whether @port's queue is empty, read without its lock: a set's receivers
 * skip empty members without taking a lock each (a set of N ports cost N
 * lock round trips per receive, most of them for nothing).  A message
 * queued just after the read is not missed: its sender wakes the set's
 * waiters after queueing it, under the wait queue's lock, so a receiver
 * that missed it either is woken or, having queued itself first, reads
 * the list again after that lock and sees it (machipc_sleep()).
 */
static bool machipc_port_surely_empty(struct machipc_port *port)
{
	/* A hint, confirmed under the port lock before it is acted on. */
	return data_race(list_empty(&port->queue));
}

/**
 * machipc_pset_peek() - the first message a receiver may take on any member
 * @pset: the set
 * @portp: out: the member the message is queued on
 * @ool: out: the message carries out-of-line data (see machipc_port_peek())
 *
 * Members are served round-robin: the member found is moved to the end of
 * the list.  The caller holds the space lock, so a message without
 * out-of-line data stays at the head of its queue until the caller
 * dequeues it.  A member whose head another receiver is copying is
 * skipped.
 *
 * Return: the message, or NULL if there is none to take now.
 */
struct machipc_msg *machipc_pset_peek(struct machipc_pset *pset,
				      struct machipc_port **portp, bool *ool)
{
	struct machipc_msg *msg = NULL;
	struct machipc_port *port;

	spin_lock(&pset->lock);
	list_for_each_entry(port, &pset->members, pset_link) {
		if (machipc_port_surely_empty(port))
			continue;
		spin_lock(&port->lock);
		msg = machipc_port_head_locked(port);
		*ool = msg && msg->xfer;
		spin_unlock(&port->lock);
		if (msg) {
			list_move_tail(&port->pset_link, &pset->members);
			*portp = port;
			break;
		}
	}
	spin_unlock(&pset->lock);
	return msg;
}

/* Whether a receiver sleeping on @pset should wake up and look again. */
bool machipc_pset_ready(struct machipc_pset *pset)
{
	struct machipc_port *port;
	bool ready;

	spin_lock(&pset->lock);
	ready = pset->dead;
	list_for_each_entry(port, &pset->members, pset_link) {
		if (ready)
			break;
		if (machipc_port_surely_empty(port))
			continue;
		spin_lock(&port->lock);
		ready = !!machipc_port_head_locked(port);
		spin_unlock(&port->lock);
	}
	spin_unlock(&pset->lock);
	return ready;
}
