// SPDX-License-Identifier: GPL-2.0
/*
 * Readiness descriptors: MACHIPC_IOC_POLL_FD gives an anonymous-inode file
 * bound to a receive right or a port set, which poll, select and epoll
 * report readable (EPOLLIN) while a message can be received there, and
 * hung up (EPOLLHUP) once the port died, its receive right left the space,
 * or the set was destroyed.  See struct machipc_pollhead for lifetimes.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include <linux/machipc.h>

#include "entry.h"
#include "msg.h"
#include "out.h"
#include "poll.h"
#include "port.h"
#include "pset.h"
#include "space.h"

static void machipc_pollhead_free(struct kref *ref)
{
	kfree(container_of(ref, struct machipc_pollhead, ref));
}

static void machipc_pollhead_put(struct machipc_pollhead *head)
{
	kref_put(&head->ref, machipc_pollhead_free);
}

static struct machipc_pollhead *machipc_pollhead_alloc(void)
{
	struct machipc_pollhead *head;

	head = kzalloc(sizeof(*head), GFP_KERNEL_ACCOUNT);
	if (!head)
		return NULL;
	kref_init(&head->ref);
	spin_lock_init(&head->lock);
	init_waitqueue_head(&head->wait);
	return head;
}

/*
 * Hang @head up: it no longer follows anything.  Every waiter wakes, the
 * exclusive ones too (nr_exclusive 0), with a key epoll always accepts.
 * Drops the reference the port or set held.
 */
static void machipc_pollhead_hangup(struct machipc_pollhead *head)
{
	spin_lock(&head->lock);
	head->port = NULL;
	head->pset = NULL;
	head->hup = true;
	spin_unlock(&head->lock);
	__wake_up(&head->wait, TASK_NORMAL, 0,
		  poll_to_key(EPOLLHUP | EPOLLIN | EPOLLRDNORM));
	machipc_pollhead_put(head);
}

/**
 * machipc_poll_detach_port() - the receive right leaves its space or dies
 * @port: the port
 *
 * Called with no port or set lock held.  Detaching twice does nothing.
 */
void machipc_poll_detach_port(struct machipc_port *port)
{
	struct machipc_pollhead *head;

	spin_lock(&port->lock);
	head = port->poll;
	port->poll = NULL;
	spin_unlock(&port->lock);
	if (head)
		machipc_pollhead_hangup(head);
}

/* The set is destroyed; its members have already left it. */
void machipc_poll_detach_pset(struct machipc_pset *pset)
{
	struct machipc_pollhead *head;

	spin_lock(&pset->lock);
	head = pset->poll;
	WRITE_ONCE(pset->poll, NULL);
	spin_unlock(&pset->lock);
	if (head)
		machipc_pollhead_hangup(head);
}

/* Whether any member of @pset has a message to take; under pset->lock. */
static bool machipc_pset_has_message(struct machipc_pset *pset)
{
	struct machipc_port *port;
	bool ready = false;

	lockdep_assert_held(&pset->lock);
	list_for_each_entry(port, &pset->members, pset_link) {
		spin_lock(&port->lock);
		ready = !!machipc_port_head_locked(port);
		spin_unlock(&port->lock);
		if (ready)
			break;
	}
	return ready;
}

/*
 * Level-triggered readiness: EPOLLIN while a receiver could take a message
 * now (an out-of-line message another receiver is copying does not count,
 * as for a blocking receive), EPOLLHUP once detached.
 */
static __poll_t machipc_poll_poll(struct file *file, poll_table *pt)
{
	struct machipc_pollhead *head = file->private_data;
	__poll_t mask = 0;
	bool ready = false;

	poll_wait(file, &head->wait, pt);

	spin_lock(&head->lock);
	if (head->hup) {
		mask = EPOLLHUP;
	} else if (head->port) {
		spin_lock(&head->port->lock);
		ready = !!machipc_port_head_locked(head->port);
		spin_unlock(&head->port->lock);
	} else if (head->pset) {
		spin_lock(&head->pset->lock);
		ready = machipc_pset_has_message(head->pset);
		spin_unlock(&head->pset->lock);
	}
	spin_unlock(&head->lock);
	if (ready)
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int machipc_poll_release(struct inode *inode, struct file *file)
{
	machipc_pollhead_put(file->private_data);
	return 0;
}

static const struct file_operations machipc_poll_fops = {
	.owner = THIS_MODULE,
	.poll = machipc_poll_poll,
	.release = machipc_poll_release,
	.llseek = noop_llseek,
};

/* Whether @file is a readiness descriptor (they may not travel in messages). */
bool machipc_is_poll_file(const struct file *file)
{
	return file->f_op == &machipc_poll_fops;
}

/*
 * The head of @name's receive right or set, attached now if it has none;
 * with a reference for the caller.  Called with the space locked.
 */
static struct machipc_pollhead *
machipc_poll_attach(struct machipc_space *space, u32 name,
		    struct machipc_pollhead *spare)
{
	struct machipc_pollhead *head;
	struct machipc_entry *entry;

	lockdep_assert_held(&space->lock);

	entry = machipc_entry_lookup(space, name);
	if (!entry)
		return ERR_PTR(-ENOENT);
	if (entry->rights & MACHIPC_RIGHT_RECEIVE) {
		struct machipc_port *port = entry->port;

		spin_lock(&port->lock);
		head = port->poll;
		if (!head && !port->dead) {
			head = spare;
			head->port = port;
			port->poll = head;
			kref_get(&head->ref);	/* the port's */
		}
		if (head)
			kref_get(&head->ref);	/* the caller's */
		spin_unlock(&port->lock);
		/* A dead port whose name is not yet dead: as if already. */
		return head ? head : ERR_PTR(-EACCES);
	}
	if (entry->rights & MACHIPC_RIGHT_PORT_SET) {
		struct machipc_pset *pset = entry->pset;

		spin_lock(&pset->lock);
		head = pset->poll;
		if (!head && !pset->dead) {
			head = spare;
			head->pset = pset;
			WRITE_ONCE(pset->poll, head);
			kref_get(&head->ref);
		}
		if (head)
			kref_get(&head->ref);
		spin_unlock(&pset->lock);
		return head ? head : ERR_PTR(-EACCES);
	}
	return ERR_PTR(-EACCES);
}

/**
 * machipc_poll_fd() - MACHIPC_IOC_POLL_FD: a readiness descriptor
 * @space: the caller's space
 * @arg: the argument, validated
 * @out: where the descriptor number is written
 *
 * The descriptor is reserved first and installed last, after its number
 * was written to the caller: a failure at any step leaves no descriptor.
 *
 * Return: 0, or -ENOENT (no such name), -EACCES (neither a receive right
 * nor a port set), -EMFILE, -ENFILE, -ENOMEM, -EFAULT, -EBADFD.
 */
int machipc_poll_fd(struct machipc_space *space, struct machipc_poll_fd *arg,
		    struct machipc_out *out)
{
	struct machipc_pollhead *spare, *head;
	struct file *file;
	int fd, err;

	spare = machipc_pollhead_alloc();
	if (!spare)
		return -ENOMEM;
	fd = get_unused_fd_flags(arg->flags & MACHIPC_POLL_FD_INHERIT ?
				 0 : O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto out_spare;
	}
	err = machipc_space_lock(space);
	if (err)
		goto out_fd;
	head = machipc_poll_attach(space, arg->name, spare);
	mutex_unlock(&space->lock);
	if (IS_ERR(head)) {
		err = PTR_ERR(head);
		goto out_fd;
	}
	file = anon_inode_getfile("[machipc-poll]", &machipc_poll_fops, head,
				  O_RDONLY);
	if (IS_ERR(file)) {
		machipc_pollhead_put(head);
		err = PTR_ERR(file);
		goto out_fd;
	}
	arg->fd = fd;
	err = machipc_out_write(out);
	if (err) {
		fput(file);
		goto out_fd;
	}
	fd_install(fd, file);
	machipc_pollhead_put(spare);	/* freed unless it was attached */
	return 0;

out_fd:
	put_unused_fd(fd);
out_spare:
	machipc_pollhead_put(spare);
	return err;
}
