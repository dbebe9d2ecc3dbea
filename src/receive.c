// SPDX-License-Identifier: GPL-2.0
/*
 * Receiving: find the next message on a port or port set, give its rights
 * names in the receiver's space, write it to the receiver's buffer, and
 * dequeue it.
 *
 * Everything happens under the receiver's space lock, which serialises all
 * receivers of the port (they are all in that space), so the head of the
 * queue cannot change under us.  User memory is written with page faults
 * disabled; if a page is missing, the attempt is abandoned with nothing
 * changed, the page is faulted in without the lock, and the receive starts
 * over.  The commit (dequeue, names, right counters) cannot fail.
 */

#include <linux/pagemap.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include <linux/machipc.h>

#include "entry.h"
#include "ipc.h"
#include "msg.h"
#include "out.h"
#include "port.h"
#include "pset.h"
#include "sleep.h"
#include "space.h"
#include "transit.h"

/* Plan the name under which the right @kr will arrive in @space. */
static int machipc_copyout_right(struct machipc_space *space,
				 struct machipc_kright *kr,
				 struct list_head *plan)
{
	struct machipc_port *port = kr->port;
	struct machipc_entry *entry = NULL;

	kr->entry = NULL;
	if (!port)
		return 0;

	switch (kr->type) {
	case MACHIPC_RIGHT_RECEIVE:
	case MACHIPC_RIGHT_SEND:
		/*
		 * A right to a dead port arrives as MACHIPC_NAME_DEAD.  (A
		 * receive right can belong to a dead port when the port was
		 * killed as part of a rights cycle while the right travelled.)
		 */
		if (machipc_port_is_dead(port))
			return 0;
		entry = machipc_entry_find_port(space, port);
		if (!entry) {
			entry = machipc_entry_create(space, port, true);
			if (IS_ERR(entry))
				return PTR_ERR(entry);
			entry->plan_flags |= MACHIPC_PLAN_NEW;
		}
		break;
	case MACHIPC_RIGHT_SEND_ONCE:
		if (machipc_port_is_dead(port))
			return 0;
		entry = machipc_entry_create(space, port, false);
		if (IS_ERR(entry))
			return PTR_ERR(entry);
		entry->plan_flags |= MACHIPC_PLAN_NEW;
		break;
	}
	kr->entry = entry;
	if (list_empty(&entry->plan_link))
		list_add_tail(&entry->plan_link, plan);
	return 0;
}

/* Forget the plan: placeholder entries go, their names are not consumed. */
static void machipc_copyout_abort(struct machipc_space *space,
				  struct machipc_msg *msg,
				  struct list_head *plan, u32 saved_next)
{
	struct machipc_entry *entry, *tmp;
	u32 i;

	list_for_each_entry_safe(entry, tmp, plan, plan_link) {
		list_del_init(&entry->plan_link);
		if (entry->plan_flags & MACHIPC_PLAN_NEW)
			machipc_entry_destroy(space, entry);
		else
			entry->plan_flags = 0;
	}
	for (i = 0; i < msg->nrights; i++)
		msg->rights[i].entry = NULL;
	space->next_name = saved_next;
}

static int machipc_copyout_plan(struct machipc_space *space,
				struct machipc_msg *msg, struct list_head *plan)
{
	u32 i;
	int err;

	for (i = MACHIPC_KRIGHT_REPLY; i < msg->nrights; i++) {
		err = machipc_copyout_right(space, &msg->rights[i], plan);
		if (err)
			return err;
	}
	return 0;
}

/* Give the planned rights their names.  Cannot fail. */
static void machipc_copyout_commit(struct machipc_space *space,
				   struct machipc_msg *msg,
				   struct list_head *plan)
{
	struct machipc_kright *dest = &msg->rights[MACHIPC_KRIGHT_DEST];
	struct machipc_entry *entry, *tmp;
	u32 i;

	lockdep_assert_held(&space->lock);
	if (msg->nreceive)
		mutex_lock(&machipc_transit_lock);
	for (i = MACHIPC_KRIGHT_REPLY; i < msg->nrights; i++) {
		struct machipc_kright *kr = &msg->rights[i];
		struct machipc_port *port = kr->port;

		entry = kr->entry;
		kr->entry = NULL;
		kr->port = NULL;
		if (!port)
			continue;
		if (!entry) {
			/* The port died in transit: a dead name, dropped. */
			if (kr->type == MACHIPC_RIGHT_SEND) {
				machipc_port_release_send(port);
			} else if (kr->type == MACHIPC_RIGHT_SEND_ONCE) {
				machipc_port_consume_send_once(port);
			} else {
				if (port->transit_msg == msg)
					port->transit_msg = NULL;
				machipc_port_put(port);
			}
			continue;
		}
		switch (kr->type) {
		case MACHIPC_RIGHT_RECEIVE:
			entry->rights |= MACHIPC_RIGHT_RECEIVE;
			port->transit_msg = NULL;
			spin_lock(&port->lock);
			port->receiver = space;
			port->rcv_name = entry->name;
			spin_unlock(&port->lock);
			break;
		case MACHIPC_RIGHT_SEND:
			if (entry->rights & MACHIPC_RIGHT_SEND) {
				/* Saturate: the extra reference is dropped. */
				if (entry->urefs < MACHIPC_UREFS_MAX)
					entry->urefs++;
				machipc_port_release_send(port);
			} else {
				entry->rights |= MACHIPC_RIGHT_SEND;
				entry->urefs = 1;
			}
			break;
		case MACHIPC_RIGHT_SEND_ONCE:
			entry->rights = MACHIPC_RIGHT_SEND_ONCE;
			break;
		}
	}
	if (msg->nreceive)
		mutex_unlock(&machipc_transit_lock);

	list_for_each_entry_safe(entry, tmp, plan, plan_link) {
		list_del_init(&entry->plan_link);
		entry->plan_flags = 0;
	}

	/* The destination right is consumed by the delivery. */
	if (dest->type == MACHIPC_RIGHT_SEND)
		machipc_port_release_send(dest->port);
	else
		machipc_port_consume_send_once(dest->port);
	dest->port = NULL;
}

static u32 machipc_received_disp(const struct machipc_kright *kr)
{
	switch (kr->type) {
	case MACHIPC_RIGHT_RECEIVE:
		return MACHIPC_DISP_MOVE_RECEIVE;
	case MACHIPC_RIGHT_SEND:
		return MACHIPC_DISP_MOVE_SEND;
	case MACHIPC_RIGHT_SEND_ONCE:
		return MACHIPC_DISP_MOVE_SEND_ONCE;
	}
	return MACHIPC_DISP_NONE;
}

static u32 machipc_received_name(const struct machipc_kright *kr)
{
	if (!kr->port)
		return MACHIPC_NAME_NULL;
	return kr->entry ? kr->entry->name : MACHIPC_NAME_DEAD;
}

/*
 * Write the message as the receiver sees it.  Called with page faults
 * disabled: returns -EFAULT rather than sleeping on a missing page.
 */
static int machipc_msg_write(struct machipc_msg *msg, struct machipc_port *port,
			     void __user *buf, u64 seqno)
{
	const struct machipc_msg_header *src = msg->body;
	const struct machipc_kright *reply = &msg->rights[MACHIPC_KRIGHT_REPLY];
	const struct machipc_msg_desc *sdesc = msg->body + sizeof(*src);
	struct machipc_msg_trailer trailer = {};
	struct machipc_msg_header hdr = {};
	size_t off;
	u32 i;

	hdr.bits = MACHIPC_MSGH_BITS(machipc_received_disp(reply),
				     MACHIPC_DISP_NONE) |
		   (src->bits & MACHIPC_MSGH_COMPLEX);
	hdr.size = src->size;
	hdr.remote_name = machipc_received_name(reply);
	hdr.local_name = port->rcv_name;
	hdr.id = src->id;
	hdr.desc_count = src->desc_count;
	if (copy_to_user(buf, &hdr, sizeof(hdr)))
		return -EFAULT;

	off = sizeof(hdr);
	for (i = 0; i < src->desc_count; i++, off += sizeof(*sdesc)) {
		const struct machipc_kright *kr =
			&msg->rights[MACHIPC_KRIGHT_DESC + i];
		struct machipc_msg_desc desc = {
			.type = sdesc[i].type,
			.disposition = machipc_received_disp(kr),
			.name = machipc_received_name(kr),
		};

		if (copy_to_user(buf + off, &desc, sizeof(desc)))
			return -EFAULT;
	}
	if (copy_to_user(buf + off, msg->body + off, msg->size - off))
		return -EFAULT;

	trailer.seqno = seqno;
	trailer.flags = msg->kernel ? MACHIPC_TRAILER_KERNEL : 0;
	trailer.pid = msg->kernel ? 0 : pid_vnr(msg->sender);
	trailer.uid = from_kuid_munged(current_user_ns(), msg->euid);
	trailer.gid = from_kgid_munged(current_user_ns(), msg->egid);
	if (copy_to_user(buf + msg->size, &trailer, sizeof(trailer)))
		return -EFAULT;
	return 0;
}

#define MACHIPC_RCV_FAULT_RETRIES	16

struct machipc_rcv_source {
	struct machipc_port *port;
	struct machipc_pset *pset;
};

static int machipc_rcv_resolve(struct machipc_space *space, u32 name,
			       struct machipc_rcv_source *src)
{
	struct machipc_entry *entry = machipc_entry_lookup(space, name);

	src->port = NULL;
	src->pset = NULL;
	if (!entry)
		return -ENOENT;
	if (entry->rights & MACHIPC_RIGHT_PORT_SET) {
		src->pset = entry->pset;
		return 0;
	}
	if (!(entry->rights & MACHIPC_RIGHT_RECEIVE))
		return -EACCES;
	if (READ_ONCE(entry->port->pset))
		return -EBUSY;
	src->port = entry->port;
	return 0;
}

static bool machipc_port_rcv_ready(void *arg)
{
	struct machipc_port *port = arg;

	return !list_empty_careful(&port->queue) || READ_ONCE(port->dead) ||
	       READ_ONCE(port->pset) || !READ_ONCE(port->receiver);
}

static bool machipc_pset_rcv_ready(void *arg)
{
	return machipc_pset_ready(arg);
}

/* Sleep until @src may have a message; called without the space lock. */
static int machipc_rcv_wait(struct machipc_rcv_source *src,
			    const ktime_t *deadline)
{
	bool dead;
	int err;

	if (src->pset) {
		err = machipc_sleep(&src->pset->wait, machipc_pset_rcv_ready,
				    src->pset, deadline);
		dead = READ_ONCE(src->pset->dead);
		machipc_pset_put(src->pset);
	} else {
		err = machipc_sleep(&src->port->rcv_wait,
				    machipc_port_rcv_ready, src->port,
				    deadline);
		dead = machipc_port_is_dead(src->port);
		machipc_port_put(src->port);
	}
	if (!err && dead)
		err = -EPIPE;
	return err;
}

static u64 machipc_port_next_seqno(struct machipc_port *port)
{
	u64 seqno;

	spin_lock(&port->lock);
	seqno = port->seqno;
	spin_unlock(&port->lock);
	return seqno;
}

/**
 * machipc_receive() - the receive part of MACHIPC_IOC_MSG
 * @space: the receiver's space
 * @name: a receive right or port set
 * @ubuf: user buffer
 * @size: in: bytes of @ubuf; out: bytes written, or needed on -EMSGSIZE
 * @deadline: absolute deadline, or NULL
 * @out: the caller's argument block, written at the commit point
 *
 * Return: 0, or a negative errno with the message (if any) still queued.
 */
int machipc_receive(struct machipc_space *space, u32 name, u64 ubuf,
		    u32 *size, const ktime_t *deadline, struct machipc_out *out)
{
	void __user *buf = u64_to_user_ptr(ubuf);
	struct machipc_rcv_source src;
	struct machipc_port *port;
	struct machipc_msg *msg;
	unsigned int faults = 0;
	LIST_HEAD(plan);
	u32 needed, saved_next;
	u64 seqno;
	int err;

	for (;;) {
		err = machipc_space_lock(space);
		if (err)
			return err;
		err = machipc_rcv_resolve(space, name, &src);
		if (err)
			goto out_unlock;

		port = src.port;
		if (src.pset)
			msg = machipc_pset_peek(src.pset, &port);
		else
			msg = machipc_port_peek(port);
		if (!msg) {
			if (src.pset)
				machipc_pset_get(src.pset);
			else
				machipc_port_get(src.port);
			mutex_unlock(&space->lock);
			err = machipc_rcv_wait(&src, deadline);
			if (err)
				return err;
			continue;
		}

		needed = msg->size + sizeof(struct machipc_msg_trailer);
		if (*size < needed) {
			*size = needed;
			err = -EMSGSIZE;
			goto out_unlock;
		}

		saved_next = space->next_name;
		err = machipc_copyout_plan(space, msg, &plan);
		if (!err) {
			seqno = machipc_port_next_seqno(port);
			pagefault_disable();
			err = machipc_msg_write(msg, port, buf, seqno);
			pagefault_enable();
		}
		if (!err) {
			/* The size received reaches the caller before commit. */
			*size = needed;
			err = machipc_out_write(out);
		}
		if (err) {
			machipc_copyout_abort(space, msg, &plan, saved_next);
			mutex_unlock(&space->lock);
			if (err != -EFAULT)
				return err;
			/*
			 * Fault the buffer in without the lock and start
			 * over; a page that keeps vanishing ends in -EFAULT.
			 */
			if (fault_in_safe_writeable(buf, needed) ||
			    ++faults > MACHIPC_RCV_FAULT_RETRIES)
				return signal_pending(current) ? -ERESTARTSYS :
								 -EFAULT;
			if (signal_pending(current))
				return -ERESTARTSYS;
			continue;
		}

		/* The commit point: from here on, the receive cannot fail. */
		machipc_port_dequeue(port, msg);
		machipc_copyout_commit(space, msg, &plan);
		mutex_unlock(&space->lock);
		machipc_msg_free(msg);
		return 0;
	}

out_unlock:
	mutex_unlock(&space->lock);
	return err;
}
