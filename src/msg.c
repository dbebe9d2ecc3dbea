// SPDX-License-Identifier: GPL-2.0
/*
 * Messages: the single copy from user memory, validation, and destruction.
 */

#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "capture.h"
#include "fdpass.h"
#include "msg.h"
#include "port.h"
#include "transit.h"
#include "xfer.h"

static bool machipc_disp_is_send(u32 disp)
{
	return disp == MACHIPC_DISP_MOVE_SEND ||
	       disp == MACHIPC_DISP_MOVE_SEND_ONCE ||
	       disp == MACHIPC_DISP_COPY_SEND ||
	       disp == MACHIPC_DISP_MAKE_SEND ||
	       disp == MACHIPC_DISP_MAKE_SEND_ONCE;
}

/* Who sends: what the receiver's trailer will say. */
static void machipc_msg_set_sender(struct machipc_msg *msg)
{
	const struct cred *cred = current_cred();

	msg->sender = get_pid(task_tgid(current));
	msg->euid = cred->euid;
	msg->egid = cred->egid;
	msg->ruid = cred->uid;
	msg->rgid = cred->gid;
	msg->auid = audit_get_loginuid(current);
	msg->asid = audit_get_sessionid(current);
	msg->start_time = current->group_leader->start_boottime;
}

/**
 * machipc_msg_validate() - check the layout of a message to send
 * @body: kernel copy of the header, descriptors and inline data
 * @size: bytes in @body (the send_size the caller gave)
 * @max_size: the largest message accepted
 * @counts: out, on success: what the message carries besides inline data
 *	and port rights (or NULL)
 *
 * This is the one place that reads every descriptor of a message the
 * kernel has not checked yet; what the rest of the send needs to know of
 * them, it learns from @counts.
 *
 * Return: 0, -E2BIG if @size exceeds @max_size or an out-of-line region
 * exceeds %MACHIPC_OOL_SIZE_MAX, or -EINVAL for any malformed field.
 */
int machipc_msg_validate(const void *body, u32 size, u32 max_size,
			 struct machipc_msg_counts *counts)
{
	const struct machipc_msg_header *hdr = body;
	const struct machipc_msg_desc *desc;
	u32 i, remote, local, nool = 0, nfd = 0, ncapture = 0;
	u64 nnames = 0, ool_bytes = 0, ool_pages = 0;
	bool too_big = false;

	if (size > max_size)
		return -E2BIG;
	if (size < sizeof(*hdr) || size % 8)
		return -EINVAL;
	if (hdr->size != size || hdr->reserved)
		return -EINVAL;
	if (hdr->bits & ~MACHIPC_MSGH_BITS_MASK)
		return -EINVAL;
	remote = MACHIPC_MSGH_REMOTE(hdr->bits);
	local = MACHIPC_MSGH_LOCAL(hdr->bits);
	if (!machipc_disp_is_send(remote))
		return -EINVAL;
	if (local == MACHIPC_DISP_NONE ? hdr->local_name != MACHIPC_NAME_NULL :
					 !machipc_disp_is_send(local))
		return -EINVAL;
	if (!!(hdr->bits & MACHIPC_MSGH_COMPLEX) != !!hdr->desc_count)
		return -EINVAL;
	if (hdr->desc_count > (size - sizeof(*hdr)) / sizeof(*desc))
		return -EINVAL;

	desc = machipc_msg_descs(body);
	for (i = 0; i < hdr->desc_count; i++, desc++) {
		if (desc->reserved)
			return -EINVAL;
		switch (desc->type) {
		case MACHIPC_DESC_PORT:
			if (desc->address || desc->size)
				return -EINVAL;
			if (desc->disposition == MACHIPC_DISP_NONE ||
			    desc->disposition > MACHIPC_DISP_LAST)
				return -EINVAL;
			break;
		case MACHIPC_DESC_OOL:
			if ((desc->disposition & ~MACHIPC_OOL_MASK) || desc->name)
				return -EINVAL;
			if (++nool > MACHIPC_OOL_MAX)
				return -EINVAL;
			ncapture += !!(desc->disposition & MACHIPC_OOL_CAPTURE);
			if (desc->size > MACHIPC_OOL_SIZE_MAX)
				too_big = true;
			/*
			 * Unsigned, and meaningless only when a size is over
			 * MACHIPC_OOL_SIZE_MAX (2^32), which fails anyway.
			 */
			ool_bytes += desc->size;
			ool_pages += DIV_ROUND_UP_ULL(desc->size, PAGE_SIZE);
			break;
		case MACHIPC_DESC_OOL_PORTS:
			if (desc->name || desc->disposition == MACHIPC_DISP_NONE ||
			    desc->disposition > MACHIPC_DISP_LAST)
				return -EINVAL;
			nnames += desc->size;
			if (nnames > MACHIPC_OOL_PORTS_MAX)
				return -EINVAL;
			break;
		case MACHIPC_DESC_FD:
			if (desc->address || desc->size ||
			    desc->disposition & ~MACHIPC_FD_MASK)
				return -EINVAL;
			if (++nfd > MACHIPC_FD_MAX)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	/*
	 * Files travel only in inline messages (not the copy engine's, nor
	 * beside captured data), and a message's out-of-line data is either
	 * all captured at the send or all transferred synchronously.
	 */
	if (nfd && nool)
		return -EINVAL;
	if (ncapture && ncapture != nool)
		return -EINVAL;
	/* Malformed beats too big: EINVAL whatever the order of the two. */
	if (too_big)
		return -E2BIG;
	if (counts) {
		counts->nool = nool;
		counts->ncapture = ncapture;
		counts->ool_bytes = ool_bytes;
		counts->ool_pages = ool_pages;
		counts->nnames = nnames;
		counts->nfd = nfd;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_msg_validate);

/**
 * machipc_msg_parse_ool() - the out-of-line regions of a validated message
 * @msg: the message, still its sender's
 * @ool: out: the regions, in descriptor order (zeroed by the caller)
 *
 * Called once per message, by the sender's thread, into the object that
 * will own the transfer of the data (struct machipc_ool).
 *
 * Return: 0, or -EFAULT if a region is not a user address range.
 */
int machipc_msg_parse_ool(const struct machipc_msg *msg,
			  struct machipc_ool *ool)
{
	const struct machipc_msg_header *hdr = msg->body;
	const struct machipc_msg_desc *desc = machipc_msg_descs(msg->body);
	u32 i;

	ool->descs = desc;
	for (i = 0; i < hdr->desc_count; i++) {
		if (desc[i].type != MACHIPC_DESC_OOL)
			continue;
		if (desc[i].size &&
		    !access_ok(u64_to_user_ptr(desc[i].address), desc[i].size))
			return -EFAULT;
		ool->index[ool->count++] = i;
		ool->bytes += desc[i].size;
	}
	return 0;
}

/**
 * machipc_msg_ool() - the out-of-line regions of a message
 * @msg: a message made by machipc_msg_copyin()
 *
 * Return: its regions, or NULL if it has none.
 */
const struct machipc_ool *machipc_msg_ool(const struct machipc_msg *msg)
{
	if (msg->xfer)
		return &msg->xfer->ool;
	if (msg->capture)
		return &msg->capture->ool;
	return NULL;
}

static bool machipc_ool_deallocates(const struct machipc_msg_desc *desc)
{
	return desc->size && (desc->disposition & MACHIPC_OOL_DEALLOCATE);
}

/**
 * machipc_msg_deallocations() - the sender's regions to unmap once the
 *	send of @msg succeeded (%MACHIPC_OOL_DEALLOCATE)
 * @msg: a validated message, still its sender's
 *
 * The list is the send's own: once queued, the message may be received and
 * freed before the sender gets to unmap.
 *
 * Return: NULL if there is nothing to unmap, the list (kfree() it), or an
 * ERR_PTR(-ENOMEM).
 */
struct machipc_dealloc *machipc_msg_deallocations(const struct machipc_msg *msg)
{
	const struct machipc_ool *ool = machipc_msg_ool(msg);
	struct machipc_dealloc *list;
	u32 k, n = 0;

	for (k = 0; ool && k < ool->count; k++)
		n += machipc_ool_deallocates(machipc_ool_desc(ool, k));
	if (!n)
		return NULL;
	list = kmalloc(struct_size(list, ranges, n), GFP_KERNEL_ACCOUNT);
	if (!list)
		return ERR_PTR(-ENOMEM);
	list->count = 0;
	for (k = 0; k < ool->count; k++) {
		const struct machipc_msg_desc *desc = machipc_ool_desc(ool, k);
		u64 start = desc->address & PAGE_MASK;

		if (!machipc_ool_deallocates(desc))
			continue;
		list->ranges[list->count].start = start;
		list->ranges[list->count].len =
			PAGE_ALIGN(desc->address + desc->size) - start;
		list->count++;
	}
	return list;
}

/*
 * Unmap the regions of @list from the caller (the sender), after its send
 * succeeded, and free the list.  A range that is no longer mapped, or that
 * munmap() refuses, is left as it is: the send stands.
 */
void machipc_msg_deallocate(struct machipc_dealloc *list)
{
	u32 i;

	if (IS_ERR_OR_NULL(list))
		return;
	for (i = 0; i < list->count; i++)
		vm_munmap(list->ranges[i].start, list->ranges[i].len);
	kfree(list);
}

size_t machipc_msg_cost(u32 size)
{
	return MACHIPC_COST_MSG_BASE +
	       (size / sizeof(struct machipc_msg_desc)) * MACHIPC_COST_MSG_SLOT +
	       size;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_msg_cost);

/**
 * machipc_msg_alloc() - one allocation for the message, its rights array
 *	(sized for the most descriptors @size can hold) and the body
 * @size: body size, at most 4 MiB (the max_inline bound)
 * @gfp: allocation flags
 * @account: charged machipc_msg_cost(@size) until the message is freed;
 *	NULL for a message charged to nobody
 *
 * Return: the message or an ERR_PTR: -ENOBUFS (account limit), -ENOMEM.
 */
struct machipc_msg *machipc_msg_alloc(u32 size, gfp_t gfp,
				      struct machipc_account *account)
{
	size_t max_rights = MACHIPC_KRIGHT_DESC +
			    size / sizeof(struct machipc_msg_desc);
	size_t bytes = machipc_msg_cost(size);
	struct machipc_msg *msg;
	int err;

	err = machipc_account_charge(account, bytes);
	if (err)
		return ERR_PTR(err);
	/* The body is written in full by the caller: only the rest is zeroed. */
	msg = kvmalloc(bytes, gfp);
	if (!msg) {
		machipc_account_uncharge(account, bytes);
		return ERR_PTR(-ENOMEM);
	}
	memset(msg, 0, bytes - size);
	msg->account = machipc_account_get(account);
	msg->charge = bytes;
	INIT_LIST_HEAD(&msg->link);
	msg->rights = (struct machipc_kright *)(msg + 1);
	msg->body = msg->rights + max_rights;
	msg->size = size;
	return msg;
}

/*
 * What the port arrays of a message with @ndesc descriptors and @nnames
 * names in its arrays cost besides the message: a rights array for the
 * header, the descriptors and every name, and the names themselves.
 */
size_t machipc_msg_port_arrays_cost(u32 ndesc, u32 nnames)
{
	return (size_t)(MACHIPC_KRIGHT_DESC + ndesc + nnames) *
	       MACHIPC_COST_MSG_SLOT + (size_t)nnames * sizeof(u32);
}

/*
 * Copy the @nnames names of @msg's port arrays in
 * (%MACHIPC_DESC_OOL_PORTS), and give the message a rights array with room for them, charged to
 * @account with the message.
 */
static int machipc_msg_copyin_port_arrays(struct machipc_msg *msg,
					  u32 nnames,
					  struct machipc_account *account)
{
	const struct machipc_msg_header *hdr = msg->body;
	const struct machipc_msg_desc *desc = machipc_msg_descs(msg->body);
	u32 ndesc = hdr->desc_count, i, off = 0;
	size_t bytes;
	int err;

	if (!nnames)
		return 0;
	bytes = machipc_msg_port_arrays_cost(ndesc, nnames);
	err = machipc_account_charge(account, bytes);
	if (err)
		return err;
	msg->ool_ports_mem = kvzalloc(bytes, GFP_KERNEL_ACCOUNT |
					     __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!msg->ool_ports_mem) {
		machipc_account_uncharge(account, bytes);
		return -ENOMEM;
	}
	/* msg_free() refunds it with the message. */
	msg->charge += bytes;
	msg->rights = msg->ool_ports_mem;
	msg->ool_names = (u32 *)(msg->rights + MACHIPC_KRIGHT_DESC + ndesc +
				 nnames);
	msg->nool_names = nnames;
	for (i = 0; i < ndesc; i++) {
		size_t len = (size_t)desc[i].size * sizeof(u32);

		if (desc[i].type != MACHIPC_DESC_OOL_PORTS)
			continue;
		if (copy_from_user(msg->ool_names + off,
				   u64_to_user_ptr(desc[i].address), len))
			return -EFAULT;
		off += desc[i].size;
	}
	return 0;
}

/**
 * machipc_msg_copyin() - the one copy of a message from user memory
 * @uaddr: user address of the message
 * @size: bytes to copy
 * @account: the sender's, charged until the message is freed
 * @blame: out: the file descriptor refused (-EBADF, -ELOOP), see
 *	machipc_fdpass_get(); untouched otherwise
 *
 * Return: the validated message, not yet holding any right, or an ERR_PTR.
 */
struct machipc_msg *machipc_msg_copyin(u64 uaddr, u32 size,
				       struct machipc_account *account,
				       u32 *blame)
{
	const struct machipc_msg_header *hdr;
	struct machipc_msg_counts counts;
	struct machipc_msg *msg;
	int err;

	if (size > machipc_max_inline)
		return ERR_PTR(-E2BIG);
	if (size < sizeof(*hdr))
		return ERR_PTR(-EINVAL);
	msg = machipc_msg_alloc(size, GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				      __GFP_NOWARN, account);
	if (IS_ERR(msg))
		return msg;
	if (copy_from_user(msg->body, u64_to_user_ptr(uaddr), size)) {
		err = -EFAULT;
		goto err_free;
	}
	err = machipc_msg_validate(msg->body, size, machipc_max_inline,
				   &counts);
	if (err)
		goto err_free;
	if (counts.ool_bytes > READ_ONCE(machipc_max_ool_bytes)) {
		err = -E2BIG;
		goto err_free;
	}

	hdr = msg->body;
	msg->nool = counts.nool;
	err = machipc_fdpass_get(msg, counts.nfd, account, blame);
	if (err)
		goto err_free;
	if (counts.ncapture) {
		msg->capture = machipc_capture_create(msg, counts.ool_pages,
						      account);
		if (IS_ERR(msg->capture)) {
			err = PTR_ERR(msg->capture);
			msg->capture = NULL;
			goto err_free;
		}
	} else if (counts.nool) {
		msg->xfer = machipc_xfer_alloc(msg, account);
		if (IS_ERR(msg->xfer)) {
			err = PTR_ERR(msg->xfer);
			msg->xfer = NULL;
			goto err_free;
		}
	}
	err = machipc_msg_copyin_port_arrays(msg, counts.nnames, account);
	if (err)
		goto err_free;
	msg->nrights = MACHIPC_KRIGHT_DESC + hdr->desc_count + msg->nool_names;
	machipc_msg_set_sender(msg);
	return msg;

err_free:
	machipc_msg_free(msg);
	return ERR_PTR(err);
}

void machipc_msg_free(struct machipc_msg *msg)
{
	struct machipc_account *account = msg->account;
	size_t charge = msg->charge;

	if (msg->files)
		machipc_fdpass_put(msg);
	if (msg->xfer)
		machipc_xfer_free(msg->xfer);
	machipc_capture_free(msg->capture);
	kvfree(msg->ool_ports_mem);
	put_pid(msg->sender);
	kvfree(msg);
	machipc_account_uncharge(account, charge);
	machipc_account_put(account);
}

static void machipc_msg_release_rights(struct machipc_msg *msg,
				       struct list_head *doomed)
{
	u32 i;

	/*
	 * First make the message unreachable from the transit walk, which
	 * reads its destination under the transit lock: only then may the
	 * destination right, perhaps the port's last reference, go.
	 */
	if (msg->nreceive)
		machipc_transit_forget_msg(msg);

	for (i = 0; i < msg->nrights; i++) {
		struct machipc_kright *kr = &msg->rights[i];

		if (!kr->port)
			continue;
		switch (kr->type) {
		case MACHIPC_RIGHT_SEND:
			machipc_port_release_send(kr->port);
			break;
		case MACHIPC_RIGHT_SEND_ONCE:
			machipc_port_release_send_once(kr->port, kr->account);
			kr->account = NULL;
			break;
		case MACHIPC_RIGHT_RECEIVE:
			machipc_port_destroy_receive(kr->port, doomed);
			break;
		}
		kr->port = NULL;
	}
}

/**
 * machipc_msg_destroy_list() - destroy committed messages
 * @doomed: the messages; receive rights they carry kill their ports, whose
 *	queued messages join @doomed and are destroyed in turn
 */
void machipc_msg_destroy_list(struct list_head *doomed)
{
	struct machipc_msg *msg;

	while ((msg = list_first_entry_or_null(doomed, struct machipc_msg,
					       link))) {
		list_del_init(&msg->link);
		machipc_msg_release_rights(msg, doomed);
		machipc_msg_free(msg);
		cond_resched();
	}
}

void machipc_msg_destroy(struct machipc_msg *msg)
{
	LIST_HEAD(doomed);

	list_add(&msg->link, &doomed);
	machipc_msg_destroy_list(&doomed);
}
