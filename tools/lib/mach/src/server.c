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

LM_EXPORT void mach_msg_destroy(mach_msg_header_t *msg)
{
	mach_msg_bits_t bits = msg->msgh_bits;
	char *p = (char *)msg;
	uint32_t i, j, n, off;

	/* msgh_local_port is the port it was received on: no right. */
	lm_destroy_port(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
	lm_destroy_port(msg->msgh_voucher_port, MACH_MSGH_BITS_VOUCHER(bits));
	if (!(bits & MACH_MSGH_BITS_COMPLEX))
		return;
	n = ((mach_msg_body_t *)(p + sizeof(*msg)))->msgh_descriptor_count;
	off = sizeof(*msg) + sizeof(mach_msg_body_t);
	for (i = 0; i < n; i++) {
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
		case MACH_MSG_OOL_DESCRIPTOR:
		case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
			mach_msg_ool_descriptor_t *d = (void *)td;

			if (d->size)
				vm_deallocate(mach_task_self_,
					      (vm_address_t)d->address, d->size);
			break;
		}
		case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
			mach_msg_ool_ports_descriptor_t *d = (void *)td;
			mach_port_t *a = d->address;

			for (j = 0; a && j < d->count; j++)
				lm_destroy_port(a[j], d->disposition);
			if (d->count)
				vm_deallocate(mach_task_self_, (vm_address_t)a,
					      d->count * sizeof(*a));
			break;
		}
		}
		off += sizeof(mach_msg_ool_descriptor_t);
	}
}

/* One request: receive (growing with MACH_RCV_LARGE), dispatch, reply. */
static mach_msg_return_t lm_serve_one(boolean_t (*demux)(mach_msg_header_t *,
							  mach_msg_header_t *),
				      mach_port_t rcv_name,
				      mach_msg_options_t options,
				      mig_reply_error_t **req, size_t *req_len,
				      mig_reply_error_t *rep)
{
	mach_msg_size_t tsize = REQUESTED_TRAILER_SIZE(options);
	mach_msg_option_t rcv_opts = options & ~(MACH_SEND_MSG | MACH_SEND_TIMEOUT |
						 MACH_SEND_INTERRUPT);
	mach_msg_option_t send_opts;
	mach_msg_return_t mr;
	size_t want;

	for (;;) {
		mr = mach_msg(&(*req)->Head, MACH_RCV_MSG | rcv_opts, 0,
			      (mach_msg_size_t)*req_len, rcv_name,
			      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
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
	}
	if (mr != MACH_MSG_SUCCESS)
		return mr;

	memset(rep, 0, sizeof(*rep));
	(void)demux(&(*req)->Head, &rep->Head);
	if (!(rep->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
		if (rep->RetCode == MIG_NO_REPLY) {
			rep->Head.msgh_remote_port = MACH_PORT_NULL;
		} else if (rep->RetCode != KERN_SUCCESS &&
			   ((*req)->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
			/* A failed request's rights go, its reply port stays. */
			(*req)->Head.msgh_remote_port = MACH_PORT_NULL;
			mach_msg_destroy(&(*req)->Head);
		}
	}
	if (rep->Head.msgh_remote_port == MACH_PORT_NULL)
		return MACH_MSG_SUCCESS;
	/* A send-once reply never blocks; a send right must not either. */
	send_opts = MACH_SEND_MSG | (options & MACH_SEND_INTERRUPT);
	if (MACH_MSGH_BITS_REMOTE(rep->Head.msgh_bits) != MACH_MSG_TYPE_MOVE_SEND_ONCE)
		send_opts |= MACH_SEND_TIMEOUT;
	mr = mach_msg(&rep->Head, send_opts, rep->Head.msgh_size, 0,
		      MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (mr == MACH_SEND_INVALID_DEST || mr == MACH_SEND_TIMED_OUT) {
		mach_msg_destroy(&rep->Head);
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
	mach_msg_size_t tsize = REQUESTED_TRAILER_SIZE(options);
	size_t req_len = round_page(max_size + tsize);
	size_t rep_len = round_page(max_size + MAX_TRAILER_SIZE);
	mig_reply_error_t *req, *rep;
	mach_msg_return_t mr;

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
		mr = lm_serve_one(demux, rcv_name, options,
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
