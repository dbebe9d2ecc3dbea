/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The locks of machipc, stated once.  No code: this header is the one
 * place that says which lock nests inside which and what each protects;
 * the structures' headers say which of their fields each lock protects,
 * and every function that expects a lock held asserts it
 * (lockdep_assert_held()).
 */
#ifndef MACHIPC_LOCKING_H
#define MACHIPC_LOCKING_H

/**
 * DOC: locking
 *
 * Lock order, outermost first::
 *
 *   space->lock                 mutex, one per space
 *     machipc_transit_lock      mutex, global
 *       pollhead->lock          spinlock, readiness descriptors (poll.c)
 *         pset->lock            spinlock, one per port set
 *           port->lock          spinlock, one per port
 *             xfer->seq_lock    spinlock, one per out-of-line transfer
 *             wait-queue locks  (wake_up() under port->lock)
 *
 *   machipc_accounts_lock       spinlock, irq-safe; the table of process
 *                               accounts; a leaf: nothing is taken under
 *                               it, and it may be taken under any of the
 *                               above
 *
 * Two port locks are never held together, nor two port-set locks.  Two
 * space locks are held together only by a receiver committing an
 * out-of-line transfer, its own space's and its sender's, in address
 * order, the second with SINGLE_DEPTH_NESTING (machipc_space_lock_pair());
 * it waits for nothing else while holding them.  xfer->seq_lock is also
 * taken, alone, by the mmu interval notifier of the sender's mm, which
 * runs under that mm's locks: it orders the notifier's sequence updates
 * against the copier's check, which holds port->lock around it.
 *
 * What each protects:
 *
 * - space->lock: the space's name table and every entry in it
 *   (entry.h), the plan fields of a send or receive in progress, and the
 *   order of all operations on the space, receives included: the head of
 *   a queue cannot change while a receiver of its space works on it,
 *   except an uncommitted out-of-line message, which its sender may
 *   withdraw under the port lock only.  Never held while sleeping for a
 *   message, for queue room or for a peer, nor across a user page fault:
 *   user memory is written under it only with page faults disabled.
 * - machipc_transit_lock: port->transit_msg, and every change of
 *   port->receiver between a space and "in transit" (transit.c); taken
 *   only by sends and receives of messages that carry receive rights, by
 *   the destruction of such messages, and by the delivery of a
 *   port-destroyed notification (notify.c), which can run under a space
 *   lock during that space's teardown.
 * - pollhead->lock: the readiness descriptors attached to a port or set.
 * - pset->lock: the set's member list, @dead and its poll head.
 * - port->lock: the queue, the counters, @dead, @receiver (a change of it
 *   into or out of transit also holds the transit lock; the port's death
 *   clears it under the port lock alone), the set membership, and the
 *   state of the out-of-line transfers queued on the port (xfer.h).
 * - xfer->seq_lock: the notifier sequence of one transfer.
 *
 * Naming: a function whose name ends in _locked() expects the lock of the
 * object it is named after held by its caller (the port's for
 * machipc_port_*_locked() and machipc_xfer_*_locked(), whose transfer is
 * protected by its destination port's lock), and asserts it.
 */

#endif /* MACHIPC_LOCKING_H */
