// SPDX-License-Identifier: GPL-2.0
/*
 * Open files in messages (MACHIPC_DESC_FD): taking them from the sender,
 * refusing the ones that could close a reference cycle, and installing
 * them in the receiver.  Documentation/event-loops.rst has the semantics.
 */

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "fdpass.h"
#include "msg.h"

/*
 * io_uring's files are anonymous inodes named "[io_uring]" (on 6.1 and
 * 6.12 alike); io_is_uring_fops(), the kernel's own test, is not exported.
 */
static bool machipc_file_is_io_uring(struct file *file)
{
	return file_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	       !strcmp(file->f_path.dentry->d_name.name, "[io_uring]");
}

/**
 * machipc_fdpass_refused() - may @file travel in a message?
 * @file: an open file
 *
 * Refused are the files that can hold references to other open files, or
 * to a space, in a way no garbage collector sees through a machipc message
 * (Documentation/event-loops.rst says why each can close a cycle):
 * machipc's own (a space, a bootstrap or a readiness descriptor: any file
 * whose operations this module owns), AF_UNIX sockets (files in flight
 * with SCM_RIGHTS) and io_uring instances (registered files, requests in
 * flight).
 *
 * Return: 0, or -ELOOP.
 */
int machipc_fdpass_refused(struct file *file)
{
	struct socket *sock;

	if (file->f_op && file->f_op->owner == THIS_MODULE)
		return -ELOOP;
	sock = sock_from_file(file);
	if (sock && sock->sk && sock->sk->sk_family == AF_UNIX)
		return -ELOOP;
	if (machipc_file_is_io_uring(file))
		return -ELOOP;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_fdpass_refused);

/**
 * machipc_fdpass_get() - take the files of a validated message
 * @msg: the message, just copied in, not yet holding any right
 * @n: its file descriptors (machipc_msg_counts.nfd)
 * @account: the sender's, charged %MACHIPC_FD_COST per file until the
 *	message is freed
 * @blame: out, on -EBADF or -ELOOP: %MACHIPC_BLAME_DESC() of the file
 *	descriptor refused; untouched otherwise
 *
 * Return: 0, -ENOBUFS, -ENOMEM, -EBADF (a descriptor not open) or -ELOOP
 * (machipc_fdpass_refused()).  On failure the references taken so far
 * stay with @msg, for machipc_msg_free() to drop.
 */
int machipc_fdpass_get(struct machipc_msg *msg, u32 n,
		       struct machipc_account *account, u32 *blame)
{
	const struct machipc_msg_header *hdr = msg->body;
	const struct machipc_msg_desc *desc = machipc_msg_descs(msg->body);
	size_t cost;
	u32 i;
	int err;

	if (!n)
		return 0;
	cost = n * MACHIPC_FD_COST;
	err = machipc_account_charge(account, cost);
	if (err)
		return err;
	msg->charge += cost;
	msg->files = kcalloc(n, sizeof(*msg->files), GFP_KERNEL_ACCOUNT |
			     __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!msg->files)
		return -ENOMEM;

	for (i = 0; i < hdr->desc_count; i++) {
		struct machipc_msg_file *mf = &msg->files[msg->nfiles];
		struct file *file;

		if (desc[i].type != MACHIPC_DESC_FD)
			continue;
		*blame = MACHIPC_BLAME_DESC(i);
		file = fget(desc[i].name);
		if (!file)
			return -EBADF;
		mf->file = file;
		mf->desc = i;
		mf->fd = -1;
		msg->nfiles++;
		err = machipc_fdpass_refused(file);
		if (err)
			return err;
		*blame = MACHIPC_BLAME_NONE;
	}
	return 0;
}

/* Drop the message's references to its files; from machipc_msg_free(). */
void machipc_fdpass_put(struct machipc_msg *msg)
{
	u32 i;

	for (i = 0; i < msg->nfiles; i++) {
		WARN_ON_ONCE(msg->files[i].fd >= 0);
		fput(msg->files[i].file);
	}
	kfree(msg->files);
	msg->files = NULL;
	msg->nfiles = 0;
}

/**
 * machipc_fdpass_reserve() - a descriptor for every file of @msg
 * @msg: a queued message the caller's space lock keeps for this receiver
 *
 * Before the receive's commit point.  The reservations are only room: the
 * files are installed after the commit (machipc_fdpass_install()).
 *
 * Return: 0, or -EMFILE with nothing reserved.
 */
int machipc_fdpass_reserve(struct machipc_msg *msg)
{
	u32 i;

	for (i = 0; i < msg->nfiles; i++) {
		int fd = get_unused_fd_flags(O_CLOEXEC);

		if (fd < 0) {
			machipc_fdpass_unreserve(msg);
			return fd;
		}
		msg->files[i].fd = fd;
	}
	return 0;
}

/* Give back what machipc_fdpass_reserve() reserved (a failed receive). */
void machipc_fdpass_unreserve(struct machipc_msg *msg)
{
	u32 i;

	for (i = 0; i < msg->nfiles; i++) {
		if (msg->files[i].fd >= 0)
			put_unused_fd(msg->files[i].fd);
		msg->files[i].fd = -1;
	}
}

/**
 * machipc_fdpass_install() - install the files of a received message
 * @msg: the message, dequeued (the commit is done), reserved for
 * @buf: the receive buffer it was written to, whose file descriptors'
 *	names hold a placeholder
 *
 * After the commit, without locks.  Each reservation is given back and
 * the file installed at once through receive_fd(), so that LSMs see it
 * (security_file_receive()); its number goes to the received descriptor's
 * name.  A file refused there, or whose room another thread of the
 * receiver took in between, arrives as a negative errno in the name, as
 * SCM_RIGHTS drops such files; so does one whose number cannot be written
 * (the buffer was unmapped meanwhile): it is not installed.
 */
void machipc_fdpass_install(struct machipc_msg *msg, void __user *buf)
{
	const struct machipc_msg_desc *desc = machipc_msg_descs(msg->body);
	u32 i;

	for (i = 0; i < msg->nfiles; i++) {
		struct machipc_msg_file *mf = &msg->files[i];
		u32 flags = desc[mf->desc].disposition;
		int __user *uname;
		int fd;

		uname = buf + sizeof(struct machipc_msg_header) +
			mf->desc * sizeof(*desc) +
			offsetof(struct machipc_msg_desc, name);
		put_unused_fd(mf->fd);
		mf->fd = -1;
		fd = machipc_receive_fd(mf->file, uname,
					flags & MACHIPC_FD_INHERIT ? 0 :
								     O_CLOEXEC);
		/* Not installed: say why, if the buffer is still there. */
		if (fd < 0 && fd != -EFAULT)
			put_user(fd, uname);
	}
}
