/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_PORT_H
#define MACHIPC_PORT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct machipc_account;
struct machipc_msg;
struct machipc_notify;
struct machipc_pollhead;
struct machipc_pset;
struct machipc_space;

/**
 * DOC: ports
 *
 * A port is a message queue with exactly one receive right.  It is created
 * by MACHIPC_IOC_PORT_ALLOCATE and lives while anything references it: the
 * space entries naming it, messages carrying rights to it or queued on it,
 * bootstrap descriptors, and threads waiting on it each hold a @ref.
 *
 * The port *dies* when its receive right is destroyed (the receiving space
 * is torn down, the name is destroyed, or a message carrying the receive
 * right is destroyed).  Death is one-way: machipc_port_kill() sets @dead,
 * drains the queue and wakes every waiter; names in other spaces that still
 * denote the port turn into dead names the next time they are looked up.
 *
 * Notification requests hang off the port: @nsrequest (no-senders) and
 * @pdrequest (port-destroyed) belong to whoever holds the receive right,
 * @dnrequests (dead-name) to the spaces holding send rights.  Each holds
 * its notification message, allocated when requested.
 *
 * @poll is the wait queue of the port's readiness descriptors, attached by
 * the first MACHIPC_IOC_POLL_FD and detached (hung up) when the port dies
 * or its receive right leaves the space: see struct machipc_pollhead.
 *
 * Locking: each field below says what protects it; where the locks nest,
 * and what else they protect, is said once, in locking.h.
 */

/**
 * struct machipc_port - a message queue and its receive right
 */
struct machipc_port {
	/**
	 * @ref: one per right to the port (in a space, in a message, in a
	 * bootstrap descriptor) and per thread waiting on it.
	 */
	struct kref ref;
	/**
	 * @id: what users see (NAME_INFO, fdinfo, tracepoints); never reused.
	 * Immutable.
	 */
	u64 id;
	/** @key: the port's index in machipc_ports and space->by_port. Immutable. */
	u32 key;
	/** @account: charged for the port until it is freed. Immutable. */
	struct machipc_account *account;

	/**
	 * @lock: protects the fields below, but @transit_msg; also the state
	 * of the out-of-line transfers queued on the port (xfer.h).
	 */
	spinlock_t lock;
	/**
	 * @queue: the queued messages, oldest first.  Under @lock; a set's
	 * receivers may test it for emptiness without, as a hint
	 * (machipc_port_surely_empty()).
	 */
	struct list_head queue;
	/**
	 * @msgcount: the queued messages plus the slots senders reserved.
	 * Under @lock; a sender waiting for room reads it without
	 * (machipc_port_has_room()).
	 */
	u32 msgcount;
	/**
	 * @qlimit: how many messages senders may queue through send rights
	 * (kernel notifications ignore it, sends through send-once rights
	 * are held only by %MACHIPC_QLIMIT_SEND_ONCE).  Under @lock; read
	 * without as @msgcount is.
	 */
	u32 qlimit;
	/** @seqno: the sequence number of the next message received. Under @lock. */
	u64 seqno;
	/** @mscount: the make-send count (no-senders notifications). Under @lock. */
	u32 mscount;
	/** @srights: the send rights to the port, wherever they are. Under @lock. */
	u32 srights;
	/** @sorights: the send-once rights, likewise. Under @lock. */
	u32 sorights;
	/**
	 * @dead: the receive right was destroyed; never cleared.  Set under
	 * @lock (WRITE_ONCE()); machipc_port_is_dead() reads it without.
	 */
	bool dead;
	/**
	 * @receiver: the space that holds the receive right; NULL while the
	 * right is in transit or the port is dead.  Under @lock; a change
	 * into or out of transit also holds machipc_transit_lock (transit.c),
	 * under which the transit walks read it; the port's death clears it
	 * under @lock alone.
	 */
	struct machipc_space *receiver;
	/**
	 * @rcv_name: the receive right's name in @receiver, 0 when there is
	 * none.  Changed under @lock by a holder of @receiver's space lock
	 * (or while the right is in no space), so either lock keeps it; set
	 * first at allocation, before anything but that space can reach the
	 * port, with the space lock only.
	 */
	u32 rcv_name;
	/**
	 * @pset: the port set the port is a member of, or NULL.  Changed
	 * with both the set's lock and @lock held (pset.h); read under either.
	 */
	struct machipc_pset *pset;
	/** @pset_link: in @pset's member list, under both locks, as @pset. */
	struct list_head pset_link;
	/** @rcv_wait: receivers waiting on the port itself (not on its set). */
	wait_queue_head_t rcv_wait;
	/** @snd_wait: senders waiting for room in the queue. */
	wait_queue_head_t snd_wait;
	/** @nsrequest: the no-senders request, or NULL. Under @lock. */
	struct machipc_notify *nsrequest;
	/** @pdrequest: the port-destroyed request, or NULL. Under @lock. */
	struct machipc_notify *pdrequest;
	/** @dnrequests: the dead-name requests (notify.h). Under @lock. */
	struct list_head dnrequests;
	/**
	 * @poll: the attached readiness descriptors (poll.h), or NULL.
	 * Under @lock.
	 */
	struct machipc_pollhead *poll;

	/**
	 * @transit_msg: while the receive right travels in a message, that
	 * message.  Under machipc_transit_lock (transit.c), not @lock.
	 */
	struct machipc_msg *transit_msg;
};

#define MACHIPC_COST_PORT	sizeof(struct machipc_port)

int machipc_ports_init(void);
void machipc_ports_exit(void);
u64 machipc_port_id_next(void);
int machipc_port_id_set_next(u64 next);

struct machipc_port *machipc_port_create(struct machipc_space *receiver);
void machipc_port_get(struct machipc_port *port);
void machipc_port_put(struct machipc_port *port);
void machipc_port_kill_collect(struct machipc_port *port,
			       struct list_head *doomed);
void machipc_port_kill(struct machipc_port *port);

void machipc_port_add_send(struct machipc_port *port, bool make);
void machipc_port_add_send_once(struct machipc_port *port);
void machipc_port_count_send(struct machipc_port *port, bool make);
void machipc_port_count_make_send(struct machipc_port *port);
void machipc_port_count_send_once(struct machipc_port *port);
void machipc_port_release_send(struct machipc_port *port);
void machipc_port_release_send_once(struct machipc_port *port,
				    struct machipc_account *reserved);
void machipc_port_consume_send_once(struct machipc_port *port,
				    struct machipc_account *reserved);
void machipc_port_destroy_receive(struct machipc_port *port,
				  struct list_head *doomed);
bool machipc_port_enqueue_kernel(struct machipc_port *port,
				 struct machipc_msg *msg);

bool machipc_port_is_dead(struct machipc_port *port);
bool machipc_port_enqueue(struct machipc_port *port, struct machipc_msg *msg,
			  bool sync);
struct machipc_msg *machipc_port_head_locked(struct machipc_port *port);
bool machipc_port_rcv_ready(void *arg);
struct machipc_msg *machipc_port_peek(struct machipc_port *port, bool *ool);
u64 machipc_port_dequeue(struct machipc_port *port, struct machipc_msg *msg);
/*
 * Messages sent through send-once rights are queued past the qlimit, as in
 * Mach: a server's reply must never wait for its client to drain its
 * queue.  Each needs a send-once right the receiver made and is charged to
 * its sender, so the queue stays bounded; this hard limit (XNU's
 * MACH_PORT_QLIMIT_KERNEL) only keeps @msgcount far from wrapping.
 */
#define MACHIPC_QLIMIT_SEND_ONCE	65534U

bool machipc_port_has_room(void *arg);
bool machipc_port_has_room_once(void *arg);
void machipc_port_reserve_locked(struct machipc_port *port);
void machipc_port_unqueue_locked(struct machipc_port *port,
				 struct machipc_msg *msg, bool seqno);
void machipc_port_set_qlimit(struct machipc_port *port, u32 qlimit);
void machipc_port_set_mscount(struct machipc_port *port, u32 mscount);
void machipc_port_set_seqno(struct machipc_port *port, u64 seqno);
void machipc_port_wake_receivers_locked(struct machipc_port *port);

#endif /* MACHIPC_PORT_H */
