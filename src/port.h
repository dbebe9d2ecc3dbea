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
 * Locking: @lock protects everything below it; where it nests is said
 * once, in locking.h.
 */
struct machipc_port {
	struct kref ref;
	u64 id;		/* what users see (NAME_INFO); never reused; immutable */
	u32 key;	/* in machipc_ports and space->by_port; immutable */
	struct machipc_account *account;	/* charged for the port; immutable */

	spinlock_t lock;	/* protects the fields below */
	struct list_head queue;
	u32 msgcount;
	u32 qlimit;
	u64 seqno;
	u32 mscount;
	u32 srights;
	u32 sorights;
	bool dead;
	struct machipc_space *receiver;
	u32 rcv_name;
	struct machipc_pset *pset;
	struct list_head pset_link;
	wait_queue_head_t rcv_wait;
	wait_queue_head_t snd_wait;
	struct machipc_notify *nsrequest;
	struct machipc_notify *pdrequest;
	struct list_head dnrequests;
	struct machipc_pollhead *poll;	/* readiness descriptors (poll.h) */

	/*
	 * While the receive right travels in a message: that message.
	 * Protected by machipc_transit_lock (see transit.c).
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
bool machipc_port_has_room(void *arg);
void machipc_port_wake_receivers_locked(struct machipc_port *port);

#endif /* MACHIPC_PORT_H */
