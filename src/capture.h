/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_CAPTURE_H
#define MACHIPC_CAPTURE_H

#include <linux/types.h>

#include <linux/machipc.h>

#include "msg.h"

struct machipc_account;
struct machipc_copier;
struct machipc_msg;
struct page;

/**
 * DOC: captured out-of-line data
 *
 * A message whose out-of-line descriptors carry %MACHIPC_OOL_CAPTURE is
 * sent as Mach sends one: the send copies every region into kernel pages
 * and queues the message at once, and the receiver gets the data as it was
 * at the send.  struct machipc_capture holds those pages.
 *
 * Lifetime: made by the sending thread in machipc_msg_copyin(), before any
 * right is looked at, charged to the sender's account (and, by
 * __GFP_ACCOUNT, to its memory cgroup) for as long as it lives; from then
 * on it belongs to its message and is freed with it, by whoever frees the
 * message (the receiver after its commit, or the destruction of a queued
 * message).  Immutable once made, so it needs no lock of its own: a
 * receiver reads it under its space lock while the message is at the head
 * of its queue.
 *
 * @ool: the regions as the sender described them; @first: the index in
 * @pages of each one's first page, for each region starts on a page of
 * its own.
 */
struct machipc_capture {
	struct machipc_account *account;
	size_t charge;
	unsigned long npages;
	struct page **pages;
	struct machipc_ool ool;
	unsigned long first[MACHIPC_OOL_MAX];
};

/* What a capture costs its sender: a header, and per page spanned. */
#define MACHIPC_COST_CAPTURE		sizeof(struct machipc_capture)
#define MACHIPC_COST_CAPTURE_PAGE	(PAGE_SIZE + sizeof(struct page *))

struct machipc_capture *machipc_capture_create(const struct machipc_msg *msg,
					       u64 npages,
					       struct machipc_account *account);
void machipc_capture_free(struct machipc_capture *capture);
int machipc_capture_write(const struct machipc_capture *capture,
			  const struct machipc_copier *copier);

#endif /* MACHIPC_CAPTURE_H */
