/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_FDPASS_H
#define MACHIPC_FDPASS_H

#include <linux/types.h>

struct file;
struct machipc_account;
struct machipc_msg;

/**
 * DOC: open files in messages
 *
 * A %MACHIPC_DESC_FD descriptor carries one of the sender's open files.
 * The files are not rights: they live beside them, in @msg->files, and
 * nothing on the rights' paths (plans, aborts, commits) touches them.
 *
 * - Copy-in (machipc_fdpass_get()): a reference on each file (fget), the
 *   account charged %MACHIPC_FD_COST per file.  Files that could close a
 *   reference cycle no collector sees are refused (machipc_fdpass_refused()).
 * - The message owns the references from then on, queued or not:
 *   machipc_msg_free() drops them (machipc_fdpass_put()), whether the send
 *   failed, the message was destroyed, or it was received.
 * - Receive, before the commit point, under the receiver's space lock:
 *   a descriptor is reserved per file (machipc_fdpass_reserve()); no room
 *   is -EMFILE with the message left queued, any later failure gives the
 *   reservations back (machipc_fdpass_unreserve()).
 * - Receive, after the commit point, without locks: each reservation is
 *   given back and the file installed at once with receive_fd(), which
 *   runs security_file_receive() (machipc_fdpass_install()).
 */

/**
 * struct machipc_msg_file - one open file a message carries
 * @file: the reference taken at copy-in; immutable until
 *	machipc_fdpass_put() drops it with the message
 * @desc: the index of its descriptor in the message body; immutable
 * @fd: -1, or the descriptor reserved for it by a receive in progress:
 *	set and given back under the receiver's space lock (which keeps the
 *	message for that receiver), given back by machipc_fdpass_install()
 *	after the commit, when the message is the receiver's alone
 */
struct machipc_msg_file {
	struct file *file;
	u32 desc;
	int fd;
};

int machipc_fdpass_refused(struct file *file);
int machipc_fdpass_get(struct machipc_msg *msg, u32 n,
		       struct machipc_account *account, u32 *blame);
void machipc_fdpass_put(struct machipc_msg *msg);
int machipc_fdpass_reserve(struct machipc_msg *msg);
void machipc_fdpass_unreserve(struct machipc_msg *msg);
void machipc_fdpass_install(struct machipc_msg *msg, void __user *buf);

#endif /* MACHIPC_FDPASS_H */
