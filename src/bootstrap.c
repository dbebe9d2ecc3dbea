// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: bootstrap descriptors
 *
 * The first right reaches another process as a file descriptor: an
 * anonymous file holding one send right (one port reference and one count
 * in port->srights), inherited across fork and exec or passed with
 * SCM_RIGHTS.  Importing copies the right into the caller's space; the
 * descriptor keeps its own right until its file is released.  The file's
 * private_data is a struct machipc_bootstrap_ref, immutable.
 *
 * The descriptor's kernel memory (the file, its dentry and the ref) is
 * charged to the exporter's process account until the file is released,
 * wherever it went: the exporter chose to make it.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include <linux/machipc.h>

#include "account.h"
#include "bootstrap.h"
#include "entry.h"
#include "out.h"
#include "port.h"
#include "space.h"

/* @ref->port is NULL only if the export failed before taking the right. */
static void machipc_bootstrap_ref_free(struct machipc_bootstrap_ref *ref)
{
	if (ref->port)
		machipc_port_release_send(ref->port);
	machipc_account_uncharge(ref->account, MACHIPC_COST_BOOTSTRAP);
	machipc_account_put(ref->account);
	kfree(ref);
}

static int machipc_bootstrap_release(struct inode *inode, struct file *file)
{
	machipc_bootstrap_ref_free(file->private_data);
	return 0;
}

static const struct file_operations machipc_bootstrap_fops = {
	.owner = THIS_MODULE,
	.release = machipc_bootstrap_release,
	.llseek = noop_llseek,
};

/* Whether @entry can give a send right as @disp says: 0 or the errno. */
static int machipc_bootstrap_check(const struct machipc_entry *entry, u32 disp)
{
	if (disp == MACHIPC_DISP_MAKE_SEND)
		return entry->rights & MACHIPC_RIGHT_RECEIVE ? 0 : -EACCES;
	if (entry->rights & MACHIPC_RIGHT_DEAD_NAME)
		return -EPIPE;
	if (!(entry->rights & MACHIPC_RIGHT_SEND))
		return -EACCES;
	return 0;
}

/*
 * Take a send right out of @entry as @disp says, once
 * machipc_bootstrap_check() passed: cannot fail.
 */
static void machipc_bootstrap_take(struct machipc_space *space,
				   struct machipc_entry *entry, u32 disp)
{
	if (disp == MACHIPC_DISP_MAKE_SEND) {
		machipc_port_add_send(entry->port, true);
		return;
	}
	if (disp == MACHIPC_DISP_COPY_SEND || entry->urefs > 1) {
		machipc_port_add_send(entry->port, false);
		if (disp == MACHIPC_DISP_MOVE_SEND)
			entry->urefs--;
		return;
	}
	/* Moving the last reference: the name's send right itself moves. */
	entry->rights &= ~MACHIPC_RIGHT_SEND;
	entry->urefs = 0;
	if (!entry->rights)
		machipc_entry_destroy(space, entry);
}

int machipc_bootstrap_export(struct machipc_space *space,
			     struct machipc_bootstrap *arg,
			     struct machipc_out *out)
{
	struct machipc_bootstrap_ref *ref;
	unsigned int oflags = O_RDWR;
	struct machipc_entry *entry;
	struct machipc_port *port;
	struct file *file;
	int fd, err;

	if (arg->flags & MACHIPC_BOOTSTRAP_CLOEXEC)
		oflags |= O_CLOEXEC;
	fd = get_unused_fd_flags(oflags);
	if (fd < 0)
		return fd;
	err = machipc_space_charge_process(space, MACHIPC_COST_BOOTSTRAP);
	if (err)
		goto err_fd;
	ref = kzalloc(sizeof(*ref), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!ref) {
		machipc_account_uncharge(space->process, MACHIPC_COST_BOOTSTRAP);
		err = -ENOMEM;
		goto err_fd;
	}
	ref->account = machipc_account_get(space->process);
	/*
	 * Everything that can fail comes before the right is taken: the
	 * file starts without a right (ref->port NULL) and gets it below.
	 */
	file = anon_inode_getfile("[machipc-send]", &machipc_bootstrap_fops,
				  ref, oflags);
	if (IS_ERR(file)) {
		machipc_bootstrap_ref_free(ref);
		err = PTR_ERR(file);
		goto err_fd;
	}

	err = machipc_space_lock(space);
	if (err)
		goto err_file;
	entry = machipc_entry_lookup(space, arg->name);
	if (!entry) {
		err = -ENOENT;
		goto err_unlock;
	}
	port = entry->port;
	if (port && machipc_port_is_dead(port)) {
		err = -EPIPE;
		goto err_unlock;
	}
	err = machipc_bootstrap_check(entry, arg->disposition);
	if (err)
		goto err_unlock;
	/* The descriptor's number reaches the caller before anything happens. */
	arg->fd = fd;
	err = machipc_out_write(out);
	if (err)
		goto err_unlock;

	/* The commit point: from here on, the export cannot fail. */
	machipc_bootstrap_take(space, entry, arg->disposition);
	ref->port = port;
	mutex_unlock(&space->lock);
	fd_install(fd, file);
	return 0;

err_unlock:
	mutex_unlock(&space->lock);
err_file:
	fput(file);
err_fd:
	put_unused_fd(fd);
	return err;
}

int machipc_bootstrap_import(struct machipc_space *space,
			     struct machipc_bootstrap *arg,
			     struct machipc_out *out)
{
	struct machipc_entry *entry;
	struct machipc_port *port;
	bool created = false;
	u32 saved_next;
	struct fd f;
	int err;

	f = fdget(arg->fd);
	if (!fd_file(f))
		return -EBADF;
	if (fd_file(f)->f_op != &machipc_bootstrap_fops) {
		err = -EINVAL;
		goto out_fdput;
	}
	port = ((struct machipc_bootstrap_ref *)fd_file(f)->private_data)->port;

	err = machipc_space_lock(space);
	if (err)
		goto out_fdput;
	if (machipc_port_is_dead(port)) {
		err = -EPIPE;
		goto out_unlock;
	}
	saved_next = space->next_name;
	entry = machipc_entry_find_port(space, port);
	if (entry && (entry->rights & MACHIPC_RIGHT_SEND) &&
	    entry->urefs >= MACHIPC_UREFS_MAX) {
		err = -EOVERFLOW;
		goto out_unlock;
	}
	if (!entry) {
		entry = machipc_entry_create(space, port, true);
		if (IS_ERR(entry)) {
			err = PTR_ERR(entry);
			goto out_unlock;
		}
		created = true;
	}
	arg->name = entry->name;
	err = machipc_out_write(out);
	if (err) {
		if (created) {
			machipc_entry_destroy(space, entry);
			space->next_name = saved_next;
		}
		goto out_unlock;
	}

	/* The commit point: from here on, the import cannot fail. */
	if (entry->rights & MACHIPC_RIGHT_SEND) {
		entry->urefs++;
	} else {
		machipc_port_add_send(port, false);
		entry->rights |= MACHIPC_RIGHT_SEND;
		entry->urefs = 1;
	}
out_unlock:
	mutex_unlock(&space->lock);
out_fdput:
	fdput(f);
	return err;
}
