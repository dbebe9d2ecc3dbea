/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_POLL_H
#define MACHIPC_POLL_H

#include <linux/kref.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

struct machipc_out;
struct machipc_poll_fd;
struct machipc_port;
struct machipc_pset;
struct machipc_space;

/**
 * DOC: poll heads
 *
 * A poll head is the wait queue that poll, select and epoll sleep on for
 * one receive right or port set.  It is a separate, reference-counted
 * object so that it outlives every poller whatever happens to the port:
 * binder's CVE-2019-2215 was a wait queue freed while epoll still had an
 * entry on it.  Here, every poll descriptor (struct file) holds a reference
 * (@ref), and epoll removes its entries when the file is released, before
 * that reference is dropped; so no waiter can ever be queued on a freed
 * head.
 *
 * The port (port->poll) or set (pset->poll) holds one more reference while
 * it is *attached*.  The head is detached, once and for ever, when the port
 * dies, its receive right leaves the space (moved in a message, handed off
 * by a port-destroyed notification), or the set is destroyed: @hup is set,
 * @port/@pset cleared, every waiter woken with EPOLLHUP, and the port's or
 * set's reference dropped.  A later MACHIPC_IOC_POLL_FD on the same port
 * (its receive right came back) attaches a new head.
 *
 * Locking: @lock is taken *outside* the set's and the port's locks
 * (machipc_poll_poll() reads the queues under it), so code holding those
 * never takes it: detaching first clears port->poll (or pset->poll) under
 * the port's (set's) lock, releases it, and only then takes @lock.
 * port->poll is protected by port->lock, pset->poll by pset->lock; a
 * port's enqueue reads its set's pset->poll under the port's lock only,
 * which is safe because a set is detached only after every member has
 * left it under its own lock.
 */

/**
 * struct machipc_pollhead - the wait queue of a port's or set's
 *	readiness descriptors
 */
struct machipc_pollhead {
	/**
	 * @ref: one per poll descriptor (its file's), the port's or set's
	 * while attached, and machipc_poll_fd()'s while it runs.
	 */
	struct kref ref;
	/** @lock: protects @port, @pset and @hup. */
	spinlock_t lock;
	/**
	 * @port: the port followed, a weak pointer: valid while @lock is held
	 * and it is non-NULL, because the port detaches (taking @lock) before
	 * it can be freed.  Set before the head is attached, under the port's
	 * lock that attaches it; cleared under @lock.
	 */
	struct machipc_port *port;
	/** @pset: the set followed, or NULL; as @port, with the set's lock. */
	struct machipc_pset *pset;
	/** @hup: detached, for ever. Under @lock. */
	bool hup;
	/** @wait: the pollers (poll, select, epoll); its own lock. */
	wait_queue_head_t wait;
};

int machipc_poll_fd(struct machipc_space *space, struct machipc_poll_fd *arg,
		    struct machipc_out *out);
void machipc_poll_detach_port(struct machipc_port *port);
void machipc_poll_detach_pset(struct machipc_pset *pset);
bool machipc_is_poll_file(const struct file *file);

/*
 * A message may have become receivable: wake one exclusive waiter (and
 * every non-exclusive one).  Poll heads are rarely watched: skip the
 * wait-queue lock when nobody sleeps (wq_has_sleeper() has the barrier).
 */
static inline void machipc_poll_wake(struct machipc_pollhead *head)
{
	if (head && wq_has_sleeper(&head->wait))
		wake_up_poll(&head->wait, EPOLLIN | EPOLLRDNORM);
}

#endif /* MACHIPC_POLL_H */
