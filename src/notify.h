/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_NOTIFY_H
#define MACHIPC_NOTIFY_H

#include <linux/list.h>
#include <linux/types.h>

#include <linux/machipc.h>

struct machipc_account;
struct machipc_entry;
struct machipc_msg;
struct machipc_out;
struct machipc_port;
struct machipc_space;

/**
 * struct machipc_notify - a registered notification request
 * @link: in port->dnrequests (dead-name requests), under port->lock
 * @space_id: dead-name: the requesting space; immutable
 * @name: dead-name: the requester's name for the port; immutable
 * @sync: no-senders: the make-send count threshold of the request;
 *	immutable
 * @msg: the notification, allocated at request time; its destination
 *	right is the registered send-once right.  Written before the
 *	request is installed, then only by whoever ends it (below), once it
 *	is off the port
 * @account: the requester's, charged for this structure; immutable
 *
 * The immutable fields are set before the request is installed on its
 * port.
 *
 * A request is owned by its port (or by the thread that took it out of the
 * port under port->lock) and ends exactly once: fired, discarded (its
 * send-once right then sends a send-once notification), given back to
 * the requester as the previous request, or -- a dead-name request whose
 * name is deleted first -- sent as a port-deleted notification.  Taking a
 * dead-name request off port->dnrequests under port->lock decides which:
 * the port's death and the name's deletion race for it there.
 */
struct machipc_notify {
	struct list_head link;
	u64 space_id;
	u32 name;
	u32 sync;
	struct machipc_msg *msg;
	struct machipc_account *account;
};

#define MACHIPC_COST_NOTIFY	sizeof(struct machipc_notify)

/* The size of a notification without a port descriptor (all but one). */
#define MACHIPC_NOTIFY_SIZE	(sizeof(struct machipc_msg_header) + \
				 sizeof(struct machipc_notify_body))

size_t machipc_notify_send_once_cost(void);
struct machipc_account *
machipc_notify_reserve_send_once(struct machipc_account *account);
void machipc_notify_unreserve_send_once(struct machipc_account *account);
long machipc_notify_requests_live(void);
bool machipc_notify_has_dnrequest(struct machipc_space *space,
				  struct machipc_entry *entry);

int machipc_notify_request(struct machipc_space *space,
			   struct machipc_notify_request *arg,
			   struct machipc_out *out);
#if IS_ENABLED(CONFIG_KUNIT)
/* The dead-name reference bookkeeping, reached by the KUnit suite names. */
void machipc_notify_dead_name_flags(struct machipc_space *space,
				    struct machipc_entry *entry,
				    const struct machipc_notify_request *arg,
				    bool died,
				    const struct machipc_notify *fire_now);
#endif
void machipc_notify_fire(struct machipc_notify *notify, u32 value);
void machipc_notify_discard(struct machipc_notify *notify);
void machipc_notify_hand_off(struct machipc_notify *notify,
			     struct machipc_port *port, struct list_head *doomed);
void machipc_notify_send_once(struct machipc_port *port,
			      struct machipc_account *reserved);
void machipc_notify_name_deleted(struct machipc_space *space,
				 struct machipc_entry *entry,
				 struct machipc_port *port);

#endif /* MACHIPC_NOTIFY_H */
