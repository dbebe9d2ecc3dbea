// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: mach_msg_destroy() and the MIG-style server loop.
 */
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

static void lm_destroy_port(mach_port_t port, mach_msg_type_name_t type)
{
	mach_port_t task = mach_task_self_, so;
	mach_msg_type_name_t t;

	if (!MACH_PORT_VALID(port))
		return;
	switch (type) {
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		mach_port_deallocate(task, port);
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		mach_port_mod_refs(task, port, MACH_PORT_RIGHT_RECEIVE, -1);
		break;
	case MACH_MSG_TYPE_MAKE_SEND:
		/* Make the right, then drop it (a no-senders may follow). */
		if (!mach_port_insert_right(task, port, port,
					    MACH_MSG_TYPE_MAKE_SEND))
			mach_port_deallocate(task, port);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (!mach_port_extract_right(task, port,
					     MACH_MSG_TYPE_MAKE_SEND_ONCE,
					     &so, &t))
			mach_port_deallocate(task, so);
		break;
	}
}

/* The rights and memory of the first @ndesc descriptors of @msg. */
static void lm_destroy_descs(mach_msg_header_t *msg, uint32_t ndesc)
{
	char *p = (char *)msg;
	uint32_t i, j, off;

	off = sizeof(*msg) + sizeof(mach_msg_body_t);
	for (i = 0; i < ndesc; i++) {
		mach_msg_type_descriptor_t *td = (void *)(p + off);

		switch (td->type) {
		case MACH_MSG_PORT_DESCRIPTOR: {
			mach_msg_port_descriptor_t *d = (void *)td;

			lm_destroy_port(d->name, d->disposition);
			off += sizeof(*d);
			continue;
		}
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
			mach_msg_guarded_port_descriptor_t *d = (void *)td;

			lm_destroy_port(d->name, d->disposition);
			break;
		}
		case MACH_MSG_OOL_DESCRIPTOR: {
			mach_msg_ool_descriptor_t *d = (void *)td;

			/* Memory the message does not own stays (XNU's rule). */
			if (d->deallocate && d->size)
				vm_deallocate(mach_task_self_,
					      (vm_address_t)d->address, d->size);
			break;
		}
		case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
			break;
		case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
			mach_msg_ool_ports_descriptor_t *d = (void *)td;
			mach_port_t *a = d->address;

			for (j = 0; a && j < d->count; j++)
				lm_destroy_port(a[j], d->disposition);
			if (d->deallocate && d->count)
				vm_deallocate(mach_task_self_, (vm_address_t)a,
					      d->count * sizeof(*a));
			break;
		}
		}
		off += sizeof(mach_msg_ool_descriptor_t);
	}
}

LM_EXPORT void mach_msg_destroy(mach_msg_header_t *msg)
{
	mach_msg_bits_t bits = msg->msgh_bits;

	/* msgh_local_port is the port it was received on: no right. */
	lm_destroy_port(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
	lm_destroy_port(msg->msgh_voucher_port, MACH_MSGH_BITS_VOUCHER(bits));
	if (bits & MACH_MSGH_BITS_COMPLEX)
		lm_destroy_descs(msg, ((mach_msg_body_t *)(msg + 1))->
				      msgh_descriptor_count);
}

/*
 * A send refused on descriptor @bad of @msg: XNU has copied in the header
 * and the descriptors before it when it finds out, and destroys them with
 * the message; the rest stays the sender's.  Do the same here, where the
 * kernel changed nothing.
 */
void lm_send_destroy_partial(mach_msg_header_t *msg, uint32_t bad)
{
	mach_msg_bits_t bits = msg->msgh_bits;

	lm_destroy_port(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
	lm_destroy_port(msg->msgh_local_port, MACH_MSGH_BITS_LOCAL(bits));
	lm_destroy_descs(msg, bad);
}

/*
 * The reply could not be sent, but the kernel left it whole (a dead or
 * full destination, a signal): destroy its rights and memory, including
 * the right in msgh_local_port, which mach_msg_destroy() leaves alone.
 */
static void lm_drop_unsent(mach_msg_header_t *hdr)
{
	mach_msg_type_name_t local = MACH_MSGH_BITS_LOCAL(hdr->msgh_bits);

	if (MACH_PORT_VALID(hdr->msgh_local_port) &&
	    (local == MACH_MSG_TYPE_MOVE_SEND ||
	     local == MACH_MSG_TYPE_MOVE_SEND_ONCE)) {
		mach_port_deallocate(mach_task_self_, hdr->msgh_local_port);
		hdr->msgh_local_port = MACH_PORT_NULL;
	}
	mach_msg_destroy(hdr);
}

/*
 * A reply's MIG return code: a complex reply has its descriptor count
 * where RetCode would be, and counts as a success.
 */
static kern_return_t lm_reply_code(const mig_reply_error_t *rep)
{
	if (rep->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX)
		return KERN_SUCCESS;
	return rep->RetCode;
}

/*
 * One request: receive it (into a larger buffer with MACH_RCV_LARGE; else
 * a request larger than max_size is MACH_RCV_TOO_LARGE and destroyed),
 * dispatch it, send the reply.
 */
static mach_msg_return_t lm_serve_one(boolean_t (*demux)(mach_msg_header_t *,
							  mach_msg_header_t *),
				      mach_msg_size_t max_size,
				      mach_port_t rcv_name,
				      mach_msg_options_t options,
				      mig_reply_error_t **req, size_t *req_len,
				      mig_reply_error_t *rep)
{
	mach_msg_size_t tsize = REQUESTED_TRAILER_SIZE(options);
	mach_msg_size_t rcv_size = (options & MACH_RCV_LARGE) ?
				   (mach_msg_size_t)*req_len : max_size + tsize;
	mach_msg_option_t send_opts;
	mach_msg_return_t mr;
	size_t want;

	for (;;) {
		mr = mach_msg(&(*req)->Head, MACH_RCV_MSG | options, 0,
			      rcv_size, rcv_name, MACH_MSG_TIMEOUT_NONE,
			      MACH_PORT_NULL);
		if (mr != MACH_RCV_TOO_LARGE || !(options & MACH_RCV_LARGE))
			break;
		/* The message stays queued: receive it into a larger buffer. */
		want = round_page((*req)->Head.msgh_size + tsize);
		munmap(*req, *req_len);
		*req = mmap(NULL, want, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (*req == MAP_FAILED) {
			*req = NULL;
			return MACH_RCV_TOO_LARGE;
		}
		*req_len = want;
		rcv_size = (mach_msg_size_t)want;
	}
	if (mr != MACH_MSG_SUCCESS)
		return mr;

	memset(rep, 0, sizeof(*rep));
	(void)demux(&(*req)->Head, &rep->Head);
	switch (lm_reply_code(rep)) {
	case KERN_SUCCESS:
		break;
	case MIG_NO_REPLY:
		rep->Head.msgh_remote_port = MACH_PORT_NULL;
		break;
	default:
		/* A failed request's rights go; its reply right is the reply's. */
		(*req)->Head.msgh_remote_port = MACH_PORT_NULL;
		mach_msg_destroy(&(*req)->Head);
		break;
	}
	if (rep->Head.msgh_remote_port == MACH_PORT_NULL)
		return MACH_MSG_SUCCESS;
	/*
	 * A reply through a send-once right never waits (the kernel queues
	 * it past the queue limit); one through a send right must not wait
	 * for a client that does not receive.
	 */
	send_opts = MACH_SEND_MSG | options;
	if (MACH_MSGH_BITS_REMOTE(rep->Head.msgh_bits) != MACH_MSG_TYPE_MOVE_SEND_ONCE)
		send_opts |= MACH_SEND_TIMEOUT;
	mr = mach_msg(&rep->Head, send_opts, rep->Head.msgh_size, 0,
		      MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (mr == MACH_SEND_INVALID_DEST || mr == MACH_SEND_TIMED_OUT ||
	    mr == MACH_SEND_INTERRUPTED) {
		lm_drop_unsent(&rep->Head);
		mr = MACH_MSG_SUCCESS;
	}
	return mr;
}

static mach_msg_return_t lm_server(boolean_t (*demux)(mach_msg_header_t *,
						       mach_msg_header_t *),
				   mach_msg_size_t max_size,
				   mach_port_t rcv_name,
				   mach_msg_options_t options, int once)
{
	mach_msg_size_t tsize;
	size_t req_len, rep_len;
	mig_reply_error_t *req, *rep;
	mach_msg_return_t mr;

	options &= ~(MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_VOUCHER);
	tsize = REQUESTED_TRAILER_SIZE(options);
	req_len = round_page(max_size + tsize);
	rep_len = round_page(max_size + MAX_TRAILER_SIZE);
	if (rep_len < sizeof(*rep))
		rep_len = round_page(sizeof(*rep));
	req = mmap(NULL, req_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rep = mmap(NULL, rep_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (req == MAP_FAILED || rep == MAP_FAILED) {
		if (req != MAP_FAILED)
			munmap(req, req_len);
		if (rep != MAP_FAILED)
			munmap(rep, rep_len);
		return KERN_RESOURCE_SHORTAGE;
	}
	do {
		mr = lm_serve_one(demux, max_size, rcv_name, options,
				  &req, &req_len, rep);
	} while (!once && mr == MACH_MSG_SUCCESS);
	if (req)
		munmap(req, req_len);
	munmap(rep, rep_len);
	return mr;
}

LM_EXPORT mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t *,
								     mach_msg_header_t *),
						 mach_msg_size_t max_size,
						 mach_port_t rcv_name,
						 mach_msg_options_t options)
{
	return lm_server(demux, max_size, rcv_name, options, 1);
}

LM_EXPORT mach_msg_return_t mach_msg_server(boolean_t (*demux)(mach_msg_header_t *,
								mach_msg_header_t *),
					    mach_msg_size_t max_size,
					    mach_port_t rcv_name,
					    mach_msg_options_t options)
{
	return lm_server(demux, max_size, rcv_name, options, 0);
}

/* Importance donation does not exist here: the plain server loop. */
LM_EXPORT mach_msg_return_t mach_msg_server_importance(boolean_t (*demux)(mach_msg_header_t *,
									   mach_msg_header_t *),
						       mach_msg_size_t max_size,
						       mach_port_t rcv_name,
						       mach_msg_options_t options)
{
	return lm_server(demux, max_size, rcv_name, options, 0);
}
