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
#include <linux/time_namespace.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include <linux/machipc.h>

#include "capture.h"
#include "copy.h"
#include "entry.h"
#include "fault.h"
#include "fdpass.h"
#include "ipc.h"
#include "msg.h"
#include "out.h"
#include "port.h"
#include "pset.h"
#include "sleep.h"
#include "space.h"
#include "transit.h"
#include "xfer.h"

/*
 * A placeholder for a right arriving in @space, on @plan.  While @credit
 * (entries that the same commit frees in @space) lasts, it takes over the
 * charge of one of them rather than charging anew.
 */
static struct machipc_entry *
machipc_copyout_placeholder(struct machipc_space *space,
			    struct machipc_port *port, bool by_port, u32 flags,
			    struct list_head *plan, u32 *credit)
{
	struct machipc_entry *entry;

	if (*credit) {
		entry = machipc_entry_create_uncharged(space, port, by_port);
		flags |= MACHIPC_PLAN_PREPAID;
	} else {
		entry = machipc_entry_create(space, port, by_port);
	}
	if (IS_ERR(entry))
		return entry;
	if (*credit)
		(*credit)--;
	entry->plan_flags = MACHIPC_PLAN_NEW | flags;
	list_add_tail(&entry->plan_link, plan);
	return entry;
}

/* The placeholder planned to succeed the entry of @port, if any. */
static struct machipc_entry *
machipc_copyout_successor(struct list_head *plan, struct machipc_port *port)
{
	struct machipc_entry *entry;

	list_for_each_entry(entry, plan, plan_link)
		if ((entry->plan_flags & MACHIPC_PLAN_SUCCESSOR) &&
		    entry->port == port)
			return entry;
	return NULL;
}

/*
 * Plan the name under which the right @kr will arrive in @space.
 *
 * When the message was sent from @space itself, the sender's plan is on
 * @space's entries too, and a name must be planned as it will be after
 * the sender's commit: an entry that commit empties is freed then, so a
 * right to its port arrives under a new name, which succeeds the old
 * entry (takes over the port's index) at the commit -- exactly as when a
 * message sent in line is received after its send committed.
 */
static int machipc_copyout_right(struct machipc_space *space,
				 struct machipc_kright *kr,
				 struct list_head *plan, u32 *credit)
{
	struct machipc_port *port = kr->port;
	/* Every send-once right has a name of its own. */
	bool by_port = kr->type != MACHIPC_RIGHT_SEND_ONCE;
	struct machipc_entry *entry = NULL;
	u32 flags = 0;

	kr->entry = NULL;
	if (!port)
		return 0;

	/*
	 * A right to a dead port arrives as MACHIPC_NAME_DEAD.  (A receive
	 * right can belong to a dead port when the port was killed as part
	 * of a rights cycle while the right travelled.)
	 */
	if (machipc_port_is_dead(port))
		return 0;
	if (by_port) {
		entry = machipc_entry_find_port(space, port);
		if (entry && machipc_copyin_empties(entry)) {
			/* Indexed when it succeeds the entry, at the commit. */
			entry = machipc_copyout_successor(plan, port);
			flags = MACHIPC_PLAN_SUCCESSOR;
			by_port = false;
		}
	}
	if (!entry) {
		entry = machipc_copyout_placeholder(space, port, by_port, flags,
						    plan, credit);
		if (IS_ERR(entry))
			return PTR_ERR(entry);
	}
	kr->entry = entry;
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
		if (entry->plan_flags & MACHIPC_PLAN_PREPAID)
			machipc_entry_free_uncharged(space, entry);
		else
			machipc_entry_destroy(space, entry);
	}
	for (i = 0; i < msg->nrights; i++)
		msg->rights[i].entry = NULL;
	space->next_name = saved_next;
}

/*
 * Plan names for the rights of @msg in @space.  @credit: the entries the
 * sender's commit frees in @space, if @msg was sent from it (else 0).
 */
static int machipc_copyout_plan(struct machipc_space *space,
				struct machipc_msg *msg, struct list_head *plan,
				u32 credit)
{
	u32 i;
	int err;

	lockdep_assert_held(&space->lock);
	for (i = MACHIPC_KRIGHT_REPLY; i < msg->nrights; i++) {
		err = machipc_copyout_right(space, &msg->rights[i], plan,
					    &credit);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A message sent from @space itself, whose sender's side just committed
 * and left @emptied (entries without rights, still named and indexed):
 * successors take the port index from the entries they replace, and each
 * prepaid placeholder the charge of one, which is freed.  The caller frees
 * the rest, while the message still holds its references to their ports.
 * Cannot fail.
 */
static void machipc_copyout_succeed(struct machipc_space *space,
				    struct list_head *plan,
				    struct list_head *emptied)
{
	struct machipc_entry *entry, *old;

	lockdep_assert_held(&space->lock);
	list_for_each_entry(entry, plan, plan_link) {
		if (!(entry->plan_flags & MACHIPC_PLAN_SUCCESSOR))
			continue;
		old = machipc_entry_find_port(space, entry->port);
		machipc_entry_take_port(space, old, entry);
	}
	list_for_each_entry(entry, plan, plan_link) {
		if (!(entry->plan_flags & MACHIPC_PLAN_PREPAID))
			continue;
		if (WARN_ON_ONCE(list_empty(emptied)))
			break;
		old = list_first_entry(emptied, struct machipc_entry,
				       plan_link);
		list_del_init(&old->plan_link);
		machipc_entry_free_uncharged(space, old);
	}
}

/*
 * Give the planned rights their names.  Cannot fail.  The caller holds
 * machipc_transit_lock if @msg carries receive rights.
 */
static void machipc_copyout_commit(struct machipc_space *space,
				   struct machipc_msg *msg,
				   struct list_head *plan)
{
	struct machipc_kright *dest = &msg->rights[MACHIPC_KRIGHT_DEST];
	struct machipc_entry *entry, *tmp;
	u32 i;

	lockdep_assert_held(&space->lock);
	if (msg->nreceive)
		lockdep_assert_held(&machipc_transit_lock);

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
				machipc_port_consume_send_once(port,
							       kr->account);
				kr->account = NULL;
			} else {
				machipc_transit_leave_dead(port, msg);
				machipc_port_put(port);
			}
			continue;
		}
		switch (kr->type) {
		case MACHIPC_RIGHT_RECEIVE:
			entry->rights |= MACHIPC_RIGHT_RECEIVE;
			machipc_transit_leave(port, space, entry->name);
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
			entry->so_account = kr->account;
			kr->account = NULL;
			break;
		}
	}

	list_for_each_entry_safe(entry, tmp, plan, plan_link) {
		list_del_init(&entry->plan_link);
		entry->plan_flags = 0;
	}

	/* The destination right is consumed by the delivery. */
	if (dest->type == MACHIPC_RIGHT_SEND)
		machipc_port_release_send(dest->port);
	else
		machipc_port_consume_send_once(dest->port, dest->account);
	dest->port = NULL;
	dest->account = NULL;
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
 * The name of @port's receive right once @msg is received.  The message
 * may carry that very right: a thread sent it to its own port, and the
 * receive brings it back -- under a new name if its old one goes.
 */
static u32 machipc_received_local(const struct machipc_msg *msg,
				  const struct machipc_port *port)
{
	u32 i;

	for (i = MACHIPC_KRIGHT_DESC; msg->nreceive && i < msg->nrights; i++) {
		const struct machipc_kright *kr = &msg->rights[i];

		if (kr->type == MACHIPC_RIGHT_RECEIVE && kr->port == port &&
		    kr->entry)
			return kr->entry->name;
	}
	return port->rcv_name;
}

/*
 * The trailer, in the receiver's pid, user and time namespaces; the audit
 * fields only for a receive that asked for them (@flags), the others
 * copy the base alone.
 */
static void machipc_trailer_fill(struct machipc_msg_trailer_audit *t,
				 const struct machipc_msg *msg, u64 seqno,
				 u32 flags)
{
	struct user_namespace *ns = current_user_ns();

	t->base.seqno = seqno;
	t->base.flags = msg->kernel ? MACHIPC_TRAILER_KERNEL : 0;
	t->base.pid = msg->kernel ? 0 : pid_vnr(msg->sender);
	t->base.uid = from_kuid_munged(ns, msg->euid);
	t->base.gid = from_kgid_munged(ns, msg->egid);
	if (msg->kernel || !(flags & MACHIPC_MSG_RCV_AUDIT))
		return;
	t->ruid = from_kuid_munged(ns, msg->ruid);
	t->rgid = from_kgid_munged(ns, msg->rgid);
	t->auid = uid_valid(msg->auid) ? from_kuid_munged(ns, msg->auid) :
					 (u32)-1;
	t->asid = msg->asid;
	t->start_time = div_u64(timens_add_boottime_ns(msg->start_time),
				NSEC_PER_SEC / USER_HZ);
}

/* The disposition a port array arrives with, from the one it was sent with. */
static u32 machipc_ool_ports_disp(u32 disp)
{
	switch (disp) {
	case MACHIPC_DISP_MOVE_RECEIVE:
		return MACHIPC_DISP_MOVE_RECEIVE;
	case MACHIPC_DISP_MOVE_SEND_ONCE:
	case MACHIPC_DISP_MAKE_SEND_ONCE:
		return MACHIPC_DISP_MOVE_SEND_ONCE;
	}
	return MACHIPC_DISP_MOVE_SEND;
}

/*
 * Write the received names of @msg's port arrays at @dst (after the
 * trailer), in a few copies of a small batch each.  A name sent as
 * MACHIPC_NAME_NULL or MACHIPC_NAME_DEAD arrives as it was; a right
 * whose port died in transit as MACHIPC_NAME_DEAD.  Called with page
 * faults disabled, after the plan gave every right its name.
 */
static int machipc_port_arrays_write(const struct machipc_msg *msg,
				     void __user *dst)
{
	const struct machipc_msg_header *hdr = msg->body;
	const struct machipc_kright *kr = msg->rights + MACHIPC_KRIGHT_DESC +
					   hdr->desc_count;
	u32 batch[32], i, n = 0;

	for (i = 0; i < msg->nool_names; i++) {
		batch[n++] = kr[i].port ? machipc_received_name(&kr[i]) :
					  msg->ool_names[i];
		if (n == ARRAY_SIZE(batch) || i + 1 == msg->nool_names) {
			if (copy_to_user(dst, batch, n * sizeof(batch[0])))
				return -EFAULT;
			dst += n * sizeof(batch[0]);
			n = 0;
		}
	}
	return 0;
}

/*
 * The body size up to which a message without descriptors is written in
 * one user access.  It is the RPC case, where each copy_to_user()'s fixed
 * cost (the access check, the hardened-usercopy checks of the source,
 * the SMAP toggle) weighs as much as its bytes; a larger body goes
 * through copy_to_user()'s string copy.
 */
#define MACHIPC_RCV_WRITE_SMALL	512

/*
 * A message without descriptors, of at most MACHIPC_RCV_WRITE_SMALL bytes
 * of body: its header @hdr, body and trailer (@tsize bytes of @trailer)
 * in one user access.  The sources are bounded by construction: @hdr and
 * @trailer are the caller's, the body is the msg->size - sizeof(*@hdr)
 * bytes that follow the header in the message.
 */
static int machipc_msg_write_small(const struct machipc_msg *msg,
				   void __user *buf,
				   const struct machipc_msg_header *hdr,
				   const struct machipc_msg_trailer_audit *trailer,
				   u32 tsize)
{
	const char *head = (const char *)hdr, *tail = (const char *)trailer;
	const char *body = (const char *)msg->body + sizeof(*hdr);
	size_t len = msg->size - sizeof(*hdr);

	if (!user_access_begin(buf, (size_t)msg->size + tsize))
		return -EFAULT;
	unsafe_copy_to_user(buf, head, sizeof(*hdr), efault);
	unsafe_copy_to_user(buf + sizeof(*hdr), body, len, efault);
	unsafe_copy_to_user(buf + msg->size, tail, tsize, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * Write the message as the receiver sees it.  Called with page faults
 * disabled: returns -EFAULT rather than sleeping on a missing page.
 */
static int machipc_msg_write(struct machipc_msg *msg, struct machipc_port *port,
			     void __user *buf, u64 seqno,
			     const struct machipc_copier *copier, u32 flags)
{
	const struct machipc_msg_header *src = msg->body;
	const struct machipc_kright *reply = &msg->rights[MACHIPC_KRIGHT_REPLY];
	const struct machipc_kright *dest = &msg->rights[MACHIPC_KRIGHT_DEST];
	const struct machipc_msg_desc *sdesc = machipc_msg_descs(msg->body);
	struct machipc_msg_trailer_audit trailer = {};
	struct machipc_msg_header hdr = {};
	size_t off, names = msg->size + machipc_trailer_size(flags);
	u32 i, k;

	hdr.bits = MACHIPC_MSGH_BITS(machipc_received_disp(reply),
				     flags & MACHIPC_MSG_RCV_DEST_DISP ?
				     machipc_received_disp(dest) :
				     MACHIPC_DISP_NONE) |
		   (src->bits & MACHIPC_MSGH_COMPLEX);
	hdr.size = src->size;
	hdr.remote_name = machipc_received_name(reply);
	hdr.local_name = machipc_received_local(msg, port);
	hdr.id = src->id;
	hdr.desc_count = src->desc_count;
	machipc_trailer_fill(&trailer, msg, seqno, flags);
	if (!src->desc_count &&
	    msg->size - sizeof(hdr) <= MACHIPC_RCV_WRITE_SMALL)
		return machipc_msg_write_small(msg, buf, &hdr, &trailer,
					       machipc_trailer_size(flags));
	if (copy_to_user(buf, &hdr, sizeof(hdr)))
		return -EFAULT;

	off = sizeof(hdr);
	for (i = 0, k = 0; i < src->desc_count; i++, off += sizeof(*sdesc)) {
		const struct machipc_kright *kr =
			&msg->rights[MACHIPC_KRIGHT_DESC + i];
		struct machipc_msg_desc desc = { .type = sdesc[i].type };

		if (desc.type == MACHIPC_DESC_OOL) {
			desc.address = copier->bufs[k].address;
			desc.size = copier->regions[k].size;
			k++;
		} else if (desc.type == MACHIPC_DESC_FD &&
			   !(flags & MACHIPC_MSG_RCV_FILES)) {
			/*
			 * A receiver that did not ask for files (one built
			 * before ABI 4, a Mach program) gets a null port in
			 * its place: the file is dropped with the message.
			 */
			desc.type = MACHIPC_DESC_PORT;
			desc.disposition = MACHIPC_DISP_NONE;
			desc.name = MACHIPC_NAME_NULL;
		} else if (desc.type == MACHIPC_DESC_FD) {
			/* The number is written at the install, after commit. */
			desc.disposition = sdesc[i].disposition;
			desc.name = (u32)-EBADF;
		} else if (desc.type == MACHIPC_DESC_OOL_PORTS) {
			desc.disposition =
				machipc_ool_ports_disp(sdesc[i].disposition);
			desc.address = (u64)(uintptr_t)buf + names;
			desc.size = sdesc[i].size;
			names += sdesc[i].size * sizeof(u32);
		} else {
			desc.disposition = machipc_received_disp(kr);
			desc.name = machipc_received_name(kr);
		}

		if (copy_to_user(buf + off, &desc, sizeof(desc)))
			return -EFAULT;
	}
	if (copy_to_user(buf + off, msg->body + off, msg->size - off))
		return -EFAULT;

	if (copy_to_user(buf + msg->size, &trailer,
			 machipc_trailer_size(flags)))
		return -EFAULT;
	return machipc_port_arrays_write(msg,
					 buf + msg->size +
					 machipc_trailer_size(flags));
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

/*
 * A write to user memory found a page missing: the attempt was undone and
 * the caller holds no lock.  Fault in what the commit writes -- the
 * receive buffer, the argument block, and the buffers captured data goes
 * to (@captured, or NULL) -- so that the receive can start over.  They
 * were all writable when the call began, but a fork() meanwhile
 * write-protects them (copy-on-write), and a write with page faults
 * disabled then fails until the page is faulted in again.  A page that
 * keeps vanishing ends the receive in -EFAULT (@faults counts the rounds).
 *
 * Return: 0 to start over, or the error to end the receive with.
 */
static int machipc_rcv_refault(const struct machipc_msg_args *arg,
			       u32 needed, const struct machipc_out *out,
			       const struct machipc_copier *captured,
			       unsigned int *faults)
{
	u32 k, n = captured ? min(captured->nbufs, captured->nregions) : 0;
	int err;

	if (++*faults > MACHIPC_RCV_FAULT_RETRIES)
		return -EFAULT;
	err = machipc_fault_in(arg->rcv_buf, needed, true);
	if (!err && out)
		err = machipc_fault_in((unsigned long)out->uptr, out->size,
				       true);
	for (k = 0; !err && k < n; k++)
		err = machipc_fault_in(captured->bufs[k].address,
				       captured->regions[k].size, true);
	return err;
}

/*
 * Everything a receive does before its commit, for a message of either
 * kind: plan names for @msg's rights in @space (@credit: see
 * machipc_copyout_plan()), reserve its files' numbers, write it -- and
 * its captured data -- to the receive buffer, and give the caller its
 * sizes (@needed bytes, the message's out-of-line regions).  The caller
 * holds @space's lock (and, for an out-of-line message, the sender's too,
 * with the transfer committing).  User memory is written with page faults
 * disabled: -EFAULT means a page was missing (machipc_rcv_refault()).
 *
 * Return: 0 with @plan ready to commit, or an error with all of it undone.
 */
static int machipc_rcv_write(struct machipc_space *space,
			     struct machipc_msg *msg, struct machipc_port *port,
			     const struct machipc_copier *copier, u32 credit,
			     struct list_head *plan, u32 needed,
			     struct machipc_msg_args *arg,
			     struct machipc_out *out)
{
	void __user *buf = u64_to_user_ptr(arg->rcv_buf);
	u32 rcv_size = arg->rcv_size, ool_count = arg->rcv_ool_count;
	u32 saved_next = space->next_name;
	u64 seqno;
	int err;

	err = machipc_copyout_plan(space, msg, plan, credit);
	/* Room for every file, or -EMFILE and the message stays. */
	if (!err && msg->nfiles && (arg->flags & MACHIPC_MSG_RCV_FILES))
		err = machipc_fdpass_reserve(msg);
	if (!err) {
		seqno = machipc_port_next_seqno(port);
		pagefault_disable();
		err = machipc_msg_write(msg, port, buf, seqno,
					msg->nool ? copier : NULL, arg->flags);
		if (!err && msg->capture)
			err = machipc_capture_write(msg->capture, copier);
		pagefault_enable();
	}
	if (!err) {
		/* The sizes received reach the caller before the commit. */
		arg->rcv_size = needed;
		arg->rcv_ool_count = msg->nool;
		err = machipc_out_write(out);
	}
	if (err) {
		/* A retry (another message, perhaps) sees the caller's sizes. */
		arg->rcv_size = rcv_size;
		arg->rcv_ool_count = ool_count;
		machipc_fdpass_unreserve(msg);
		machipc_copyout_abort(space, msg, plan, saved_next);
	}
	return err;
}

/*
 * A receive that maps its out-of-line buffers found the head needing
 * others (count regions, their sizes in copier->regions): map them, then
 * look again.  The first round is not a wait: a deadline already past
 * ("do not block") still receives a message that is there.  A later round
 * means the head changed meanwhile -- another receiver took it, or its
 * sender withdrew, which a hostile sender can do again and again -- and
 * is a wait like any: it ends at the deadline or on a signal.
 *
 * The buffers of a captured message are faulted in here, without any
 * lock: its sender paid for that much kernel memory already.  Those of a
 * synchronous message are not: its sender pays nothing for the sizes it
 * declares, so the copy engine faults them in chunk by chunk as it
 * copies, and a sender that fails its send has cost the receiver address
 * space, not memory.
 *
 * A mapping that cannot be made is -ENOMEM, whatever vm_mmap() said; with
 * MACHIPC_MSG_RCV_DESTROY_LARGE the receive stops mapping and treats the
 * head as too large for it (machipc_copier_unmappable()), so that one
 * unmappable message cannot wedge the queue.
 */
static int machipc_rcv_map(struct machipc_copier *copier, u32 count,
			   bool captured, bool destroy_large,
			   const ktime_t *deadline, unsigned int *rounds)
{
	int err = (*rounds)++ ? machipc_sleep_check(deadline) :
				signal_pending(current) ? -ERESTARTSYS : 0;

	if (err)
		return err;
	err = machipc_copier_map(copier, count, captured);
	if (err && destroy_large) {
		machipc_copier_unmappable(copier);
		return 0;
	}
	return err;
}

/*
 * Copy the data of the message @copier claimed without any lock (unless
 * @copied: it is in our buffers already), then lock both spaces and start
 * the commit; copy again while the sender's mapping changed under the
 * copy.
 *
 * Return: 0 with both spaces locked and the transfer committing, or an
 * error with neither locked (-EAGAIN: look for a message again).
 */
static int machipc_rcv_ool_copy(struct machipc_space *space,
				struct machipc_copier *copier,
				struct machipc_pset *pset,
				const ktime_t *deadline, bool copied)
{
	struct machipc_space *sender = copier->sender;
	int err;

	for (;; copied = false) {
		err = copied ? 0 : machipc_copier_copy(copier, deadline);
		if (err)
			return err;
		err = machipc_space_lock_pair(space, sender);
		if (err == -EPIPE) {
			/* The sender's space was torn down: its send fails. */
			machipc_copier_fail(copier, -EBADFD, MACHIPC_ABORT_SPACE);
			return -EAGAIN;
		}
		if (err)
			return err;
		switch (machipc_copier_begin_commit(copier, space, pset)) {
		case MACHIPC_COMMIT_STARTED:
			return 0;
		case MACHIPC_COMMIT_LOST:
			machipc_space_unlock_pair(space, sender);
			return -EAGAIN;
		case MACHIPC_COMMIT_RECOPY:
			machipc_space_unlock_pair(space, sender);
			err = machipc_copier_recopy(copier);
			if (err)
				return err;
			break;
		}
	}
}

/*
 * Receive the out-of-line message @copier claimed on @port: copy its data
 * without any lock, then lock both spaces and commit both sides at once:
 * the sender's rights leave its space, the message leaves the queue, the
 * rights get names in ours.  Anything that fails before that gives the
 * claim back (or, if it is the sender's fault, fails the send).
 *
 * Return: 0, -EAGAIN to look for a message again, or the receiver's error
 * with the message still queued.
 */
static int machipc_receive_ool(struct machipc_space *space,
			       struct machipc_copier *copier,
			       struct machipc_port *port, struct machipc_pset *pset,
			       struct machipc_msg_args *arg,
			       const ktime_t *deadline, struct machipc_out *out)
{
	struct machipc_space *sender = copier->sender;
	struct machipc_msg *msg = copier->msg;
	bool copied = false;
	u32 needed, credit;
	LIST_HEAD(emptied);
	LIST_HEAD(splan);
	LIST_HEAD(rplan);
	int err;

again:
	err = machipc_rcv_ool_copy(space, copier, pset, deadline, copied);
	if (err)
		goto unclaim;

	/* Committing: the message is stable until end_commit. */
	err = machipc_copyin_plan(sender, msg, &splan);
	if (!err && msg->rights[MACHIPC_KRIGHT_DEST].port != port) {
		machipc_copyin_abort(msg, &splan);
		msg->blame = MACHIPC_BLAME_DEST;
		err = -ENOENT;
	}
	if (err) {
		machipc_copier_end_commit(copier, err);
		machipc_space_unlock_pair(space, sender);
		err = -EAGAIN;
		goto unclaim;
	}

	/*
	 * One space (a thread sent to a port its own space receives from):
	 * the names are planned as the sender's commit will leave them.
	 */
	credit = sender == space ? machipc_copyin_count_emptied(&splan) : 0;
	needed = machipc_msg_rcv_size(msg, arg->flags);
	err = machipc_rcv_write(space, msg, port, copier, credit, &rplan,
				needed, arg, out);
	if (err) {
		machipc_copyin_abort(msg, &splan);
		machipc_copier_end_commit(copier, -EAGAIN);
		machipc_space_unlock_pair(space, sender);
		if (err == -EFAULT) {
			/*
			 * Our buffer was not there (never touched yet, or
			 * copy-on-write after a fork): fault it in, keeping
			 * the claim and the data copied, and commit again --
			 * copying again only if the sender's mapping changed
			 * meanwhile (machipc_copier_begin_commit()).
			 */
			err = machipc_rcv_refault(arg, needed, out, NULL,
						  &copier->commit_faults);
			if (!err) {
				copied = true;
				goto again;
			}
		}
		goto unclaim;
	}

	/*
	 * The commit point: from here on, neither side can fail.  The
	 * sender's side first, then ours, as planned; receive rights never
	 * show in transit between the two.
	 */
	if (msg->nreceive)
		mutex_lock(&machipc_transit_lock);
	machipc_copyin_commit(sender, msg, &splan, &emptied);
	if (sender == space)
		machipc_copyout_succeed(space, &rplan, &emptied);
	machipc_copyin_release(sender, &emptied);
	machipc_port_dequeue(port, msg);
	machipc_copyout_commit(space, msg, &rplan);
	if (msg->nreceive)
		mutex_unlock(&machipc_transit_lock);
	machipc_copier_end_commit(copier, 0);
	machipc_space_unlock_pair(space, sender);
	machipc_copier_unclaim(copier, -EAGAIN);
	return 0;

unclaim:
	machipc_copier_unclaim(copier, err);
	return err;
}

/*
 * One receive call: its arguments, and what it has done so far.  On the
 * receiving thread's stack; no lock protects it.
 */
struct machipc_rcv {
	struct machipc_space *space;
	struct machipc_msg_args *arg;
	const ktime_t *deadline;
	struct machipc_out *out;
	struct machipc_copier *copier;	/* NULL without out-of-line buffers */
	unsigned int faults;		/* machipc_rcv_refault() rounds */
	unsigned int map_rounds;	/* machipc_rcv_map() rounds */
};

/* An out-of-line buffer size report, for a receive that named its own. */
static int machipc_rcv_report(struct machipc_rcv *rcv,
			      const struct machipc_ool_report *report)
{
	if (rcv->arg->flags & MACHIPC_MSG_RCV_OOL_ALLOC)
		return 0;
	return machipc_copier_report(rcv->copier, rcv->arg->rcv_ool, report);
}

/*
 * The head of @port's queue is a synchronous out-of-line message: claim it
 * (or say it is too large, or map buffers for it), then copy and commit
 * it.  Called with the space locked; returns with it unlocked.
 *
 * Return: 0, -EAGAIN to look for a message again, or the error to end the
 * receive with.
 */
static int machipc_rcv_claimed(struct machipc_rcv *rcv,
			       struct machipc_port *port,
			       struct machipc_pset *pset)
{
	struct machipc_msg_args *arg = rcv->arg;
	bool destroy_large = arg->flags & MACHIPC_MSG_RCV_DESTROY_LARGE;
	struct machipc_ool_report report;
	int err;

	/*
	 * Buffers the kernel maps can be made to fit: the claim destroys
	 * (with destroy_large) only a message larger than the receive buffer.
	 */
	err = machipc_copier_claim(rcv->copier, port, arg->rcv_size,
				   machipc_trailer_size(arg->flags),
				   destroy_large, &report);
	mutex_unlock(&rcv->space->lock);
	/*
	 * Another receiver claimed the head between our peek and our claim:
	 * look again, but never past our deadline or a signal.
	 */
	if (err == -EAGAIN)
		return machipc_sleep_check(rcv->deadline) ?: -EAGAIN;
	if (err == -EMSGSIZE && machipc_copier_maps(rcv->copier) &&
	    arg->rcv_size >= report.needed)
		return machipc_rcv_map(rcv->copier, report.count, false,
				       destroy_large, rcv->deadline,
				       &rcv->map_rounds) ?: -EAGAIN;
	if (err == -EMSGSIZE) {
		arg->rcv_size = report.needed;
		arg->rcv_ool_count = report.count;
		return machipc_rcv_report(rcv, &report) ?: -EMSGSIZE;
	}
	return machipc_receive_ool(rcv->space, rcv->copier, port, pset, arg,
				   rcv->deadline, rcv->out);
}

/*
 * @msg, queued on @port, is an inline message or carries captured data:
 * write it out and commit, all under the space lock, which the caller
 * holds; returns with it unlocked.
 *
 * Return: 0, -EAGAIN to look for a message again (after a missing page
 * was faulted in, or buffers mapped), or the error to end the receive
 * with.
 */
static int machipc_rcv_queued(struct machipc_rcv *rcv,
			      struct machipc_port *port,
			      struct machipc_msg *msg)
{
	struct machipc_space *space = rcv->space;
	struct machipc_msg_args *arg = rcv->arg;
	struct machipc_copier *copier = rcv->copier;
	bool destroy_large = arg->flags & MACHIPC_MSG_RCV_DESTROY_LARGE;
	u32 needed = machipc_msg_rcv_size(msg, arg->flags);
	struct machipc_ool_report report;
	u32 nool = msg->nool;
	LIST_HEAD(plan);
	bool fits;
	int err;

	fits = !msg->capture ||
	       (copier && machipc_copier_fits(copier, &msg->capture->ool));
	if (!fits && machipc_copier_maps(copier) && arg->rcv_size >= needed) {
		mutex_unlock(&space->lock);
		return machipc_rcv_map(copier, nool, true, destroy_large,
				       rcv->deadline, &rcv->map_rounds) ?:
		       -EAGAIN;
	}
	if (arg->rcv_size < needed || !fits) {
		report.needed = needed;
		report.count = nool;
		arg->rcv_size = needed;
		arg->rcv_ool_count = nool;
		/*
		 * Mach without MACH_RCV_LARGE: the head goes, so that one
		 * message too large for every receiver cannot wedge the
		 * queue.  It is dequeued as if received (a sequence number, a
		 * queue slot freed) and destroyed without the space lock,
		 * like any destroyed message.
		 */
		if (destroy_large)
			machipc_port_dequeue(port, msg);
		mutex_unlock(&space->lock);
		if (destroy_large)
			machipc_msg_destroy(msg);
		/* The sizes machipc_copier_fits() recorded. */
		if (nool && machipc_rcv_report(rcv, &report))
			return -EFAULT;
		return -EMSGSIZE;
	}

	err = machipc_rcv_write(space, msg, port, copier, 0, &plan, needed,
				arg, rcv->out);
	if (err) {
		mutex_unlock(&space->lock);
		if (err != -EFAULT)
			return err;
		/* Fault the buffers in without the lock, start over. */
		return machipc_rcv_refault(arg, needed, rcv->out,
					   nool ? copier : NULL,
					   &rcv->faults) ?: -EAGAIN;
	}

	/* The commit point: from here on, the receive cannot fail. */
	if (msg->nreceive)
		mutex_lock(&machipc_transit_lock);
	machipc_port_dequeue(port, msg);
	machipc_copyout_commit(space, msg, &plan);
	if (msg->nreceive)
		mutex_unlock(&machipc_transit_lock);
	mutex_unlock(&space->lock);
	if (msg->nfiles && (arg->flags & MACHIPC_MSG_RCV_FILES))
		machipc_fdpass_install(msg, u64_to_user_ptr(arg->rcv_buf));
	machipc_msg_free(msg);
	return 0;
}

/*
 * Find the next message for the receive: with the space locked, resolve
 * the name and look at the head of the port's (or set's) queue; wait
 * without the lock while there is none.
 *
 * Return: the message, with the space locked and @port its port and @ool
 * whether it is a synchronous out-of-line one; NULL to look again (after
 * a wait); or an ERR_PTR with the space unlocked.
 */
static struct machipc_msg *machipc_rcv_next(struct machipc_rcv *rcv,
					    struct machipc_rcv_source *src,
					    struct machipc_port **port,
					    bool *ool)
{
	struct machipc_space *space = rcv->space;
	struct machipc_msg *msg;
	int err;

	err = machipc_space_lock(space);
	if (err)
		return ERR_PTR(err);
	err = machipc_rcv_resolve(space, rcv->arg->rcv_name, src);
	if (err) {
		mutex_unlock(&space->lock);
		return ERR_PTR(err);
	}
	*port = src->port;
	if (src->pset)
		msg = machipc_pset_peek(src->pset, port, ool);
	else
		msg = machipc_port_peek(*port, ool);
	if (msg)
		return msg;

	if (src->pset)
		machipc_pset_get(src->pset);
	else
		machipc_port_get(src->port);
	mutex_unlock(&space->lock);
	err = machipc_rcv_wait(src, rcv->deadline);
	return err ? ERR_PTR(err) : NULL;
}

/**
 * machipc_receive() - the receive part of MACHIPC_IOC_MSG
 * @space: the receiver's space
 * @arg: the caller's arguments: rcv_name (a receive right or port set),
 *	rcv_buf and rcv_size (in: bytes of rcv_buf; out: bytes written, or
 *	needed on -EMSGSIZE), rcv_ool and rcv_ool_count (out-of-line buffers)
 * @deadline: absolute deadline, or NULL
 * @out: the caller's argument block, written at the commit point
 *
 * Return: 0, or a negative errno with the message (if any) still queued.
 */
int machipc_receive(struct machipc_space *space, struct machipc_msg_args *arg,
		    const ktime_t *deadline, struct machipc_out *out)
{
	struct machipc_rcv rcv = {
		.space = space, .arg = arg, .deadline = deadline, .out = out,
	};
	u32 rcv_size = arg->rcv_size, ool_count = arg->rcv_ool_count;
	struct machipc_rcv_source src;
	struct machipc_port *port;
	struct machipc_msg *msg;
	bool ool;
	int err;

	if (arg->rcv_ool_count || (arg->flags & MACHIPC_MSG_RCV_OOL_ALLOC)) {
		rcv.copier = machipc_copier_create(space->account, arg->rcv_ool,
						   arg->rcv_ool_count);
		if (IS_ERR(rcv.copier))
			return PTR_ERR(rcv.copier);
	}

	do {
		msg = machipc_rcv_next(&rcv, &src, &port, &ool);
		if (IS_ERR_OR_NULL(msg))
			err = msg ? PTR_ERR(msg) : -EAGAIN;
		else if (ool)
			err = machipc_rcv_claimed(&rcv, port, src.pset);
		else
			err = machipc_rcv_queued(&rcv, port, msg);
	} while (err == -EAGAIN);

	/* Only a success or -EMSGSIZE reports sizes. */
	if (err && err != -EMSGSIZE) {
		arg->rcv_size = rcv_size;
		arg->rcv_ool_count = ool_count;
	}
	/* Mapped buffers a message landed in are the receiver's now. */
	if (!err && arg->rcv_ool_count)
		machipc_copier_keep_maps(rcv.copier);
	machipc_copier_unmap(rcv.copier);
	machipc_copier_free(rcv.copier);
	return err;
}
