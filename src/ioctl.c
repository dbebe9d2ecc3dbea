// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl entry point: one table of commands, one copy of each argument
 * in and (for _IOC_READ commands) out, and a pure validation function per
 * argument structure (tested by KUnit) before any operation runs.
 */

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/bitops.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include <linux/machipc.h>

#include "account.h"
#include "bootstrap.h"
#include "capture.h"
#include "copy.h"
#include "ioctl.h"
#include "ipc.h"
#include "msg.h"
#include "xfer.h"
#include "entry.h"
#include "names.h"
#include "notify.h"
#include "out.h"
#include "poll.h"
#include "port.h"
#include "pset.h"
#include "space.h"
#include "trace.h"
#include "xa_cost.h"

int machipc_check_port_alloc(const struct machipc_port_alloc *arg)
{
	switch (arg->right) {
	case MACHIPC_RIGHT_RECEIVE:
	case MACHIPC_RIGHT_PORT_SET:
	case MACHIPC_RIGHT_DEAD_NAME:
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_port_alloc);

int machipc_check_port_name(const struct machipc_port_name *arg)
{
	return arg->reserved ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_port_name);

int machipc_check_mod_refs(const struct machipc_port_mod_refs *arg)
{
	if (arg->reserved || hweight32(arg->right) != 1 ||
	    arg->right & ~MACHIPC_RIGHT_MASK)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_mod_refs);

int machipc_check_port_alloc_name(const struct machipc_port_alloc *arg)
{
	if (arg->name == MACHIPC_NAME_NULL || arg->name == MACHIPC_NAME_DEAD)
		return -EINVAL;
	return machipc_check_port_alloc(arg);
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_port_alloc_name);

int machipc_check_insert(const struct machipc_port_insert *arg)
{
	if (arg->flags & ~MACHIPC_INSERT_MASK)
		return -EINVAL;
	if ((arg->flags & MACHIPC_INSERT_NAME) &&
	    (arg->new_name == MACHIPC_NAME_NULL ||
	     arg->new_name == MACHIPC_NAME_DEAD))
		return -EINVAL;
	if (arg->disposition != MACHIPC_DISP_MAKE_SEND &&
	    arg->disposition != MACHIPC_DISP_MAKE_SEND_ONCE)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_insert);

int machipc_check_attr(const struct machipc_port_attr *arg, bool set)
{
	/*
	 * @requests is out only and ignored on input: a program that reuses
	 * a block GET filled must not fail because the port has requests.
	 */
	if (arg->reserved)
		return -EINVAL;
	if (!set)
		return arg->flags ? -EINVAL : 0;
	if (arg->flags & ~MACHIPC_ATTR_MASK)
		return -EINVAL;
	if ((arg->flags & MACHIPC_ATTR_QLIMIT) &&
	    (arg->qlimit < 1 || arg->qlimit > MACHIPC_QLIMIT_MAX))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_attr);

int machipc_check_name_info(const struct machipc_name_info *arg)
{
	return (arg->port_id_low || arg->port_id || arg->flags ||
		arg->reserved) ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_name_info);

int machipc_check_names(const struct machipc_port_names *arg)
{
	return arg->reserved ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_names);

int machipc_check_bootstrap(const struct machipc_bootstrap *arg, bool export)
{
	if (!export)
		return (arg->name || arg->disposition || arg->flags) ?
		       -EINVAL : 0;
	if (arg->flags & ~MACHIPC_BOOTSTRAP_MASK)
		return -EINVAL;
	switch (arg->disposition) {
	case MACHIPC_DISP_MAKE_SEND:
	case MACHIPC_DISP_COPY_SEND:
	case MACHIPC_DISP_MOVE_SEND:
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_bootstrap);

int machipc_check_msg(const struct machipc_msg_args *arg)
{
	if (arg->flags & ~MACHIPC_MSG_MASK)
		return -EINVAL;
	if (arg->rcv_ool_count > MACHIPC_OOL_MAX)
		return -EINVAL;
	if (!(arg->flags & (MACHIPC_MSG_SEND | MACHIPC_MSG_RECEIVE)))
		return -EINVAL;
	if (!(arg->flags & MACHIPC_MSG_SEND) &&
	    (arg->send_msg || arg->send_size ||
	     (arg->flags & MACHIPC_MSG_SEND_TIMEOUT)))
		return -EINVAL;
	if (!(arg->flags & MACHIPC_MSG_RECEIVE) &&
	    (arg->rcv_buf || arg->rcv_size || arg->rcv_name ||
	     arg->rcv_ool || arg->rcv_ool_count ||
	     (arg->flags & (MACHIPC_MSG_RCV_TIMEOUT |
			    MACHIPC_MSG_RCV_DESTROY_LARGE |
			    MACHIPC_MSG_RCV_DEST_DISP |
			    MACHIPC_MSG_RCV_AUDIT |
			    MACHIPC_MSG_RCV_FILES |
			    MACHIPC_MSG_RCV_OOL_ALLOC))))
		return -EINVAL;
	/* The kernel chooses where out-of-line data lands, or the caller. */
	if ((arg->flags & MACHIPC_MSG_RCV_OOL_ALLOC) &&
	    (arg->rcv_ool || arg->rcv_ool_count))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_msg);

int machipc_check_notify(const struct machipc_notify_request *arg)
{
	if (arg->reserved || (arg->flags & ~MACHIPC_NOTIFY_DEAD_NAME_UREF))
		return -EINVAL;
	/* Only a dead-name request being made fires with a reference. */
	if (arg->flags && (arg->kind != MACHIPC_NOTIFY_DEAD_NAME ||
			   arg->notify == MACHIPC_NAME_NULL))
		return -EINVAL;
	switch (arg->kind) {
	case MACHIPC_NOTIFY_NO_SENDERS:
		break;
	case MACHIPC_NOTIFY_DEAD_NAME:
	case MACHIPC_NOTIFY_PORT_DESTROYED:
		if (arg->sync)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (arg->notify == MACHIPC_NAME_NULL)
		return arg->disposition ? -EINVAL : 0;
	if (arg->disposition != MACHIPC_DISP_MAKE_SEND_ONCE &&
	    arg->disposition != MACHIPC_DISP_MOVE_SEND_ONCE)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_notify);

#define MACHIPC_ACCOUNT_FLAGS_SET	(MACHIPC_ACCOUNT_SET_LIMIT | \
					 MACHIPC_ACCOUNT_SET_PROCESS_LIMIT)

int machipc_check_account(const struct machipc_account_info *arg)
{
	if (arg->flags & ~MACHIPC_ACCOUNT_MASK || arg->cost_capture ||
	    arg->cost_capture_page || arg->reserved)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_account);

int machipc_check_poll_fd(const struct machipc_poll_fd *arg)
{
	if (arg->reserved || arg->fd || arg->flags & ~MACHIPC_POLL_FD_MASK)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_check_poll_fd);

static int machipc_check_attr_get(const struct machipc_port_attr *arg)
{
	return machipc_check_attr(arg, false);
}

static int machipc_check_attr_set(const struct machipc_port_attr *arg)
{
	return machipc_check_attr(arg, true);
}

static int machipc_check_export(const struct machipc_bootstrap *arg)
{
	return machipc_check_bootstrap(arg, true);
}

static int machipc_check_import(const struct machipc_bootstrap *arg)
{
	return machipc_check_bootstrap(arg, false);
}

/* No reserved field; what the names denote is for the operation to judge. */
static int machipc_check_member(const struct machipc_port_member *arg)
{
	return 0;
}

union machipc_ioctl_arg {
	struct machipc_version version;
	struct machipc_port_alloc alloc;
	struct machipc_port_name name;
	struct machipc_port_mod_refs mod_refs;
	struct machipc_port_insert insert;
	struct machipc_port_member member;
	struct machipc_port_attr attr;
	struct machipc_name_info info;
	struct machipc_port_names names;
	struct machipc_bootstrap bootstrap;
	struct machipc_msg_args msg;
	struct machipc_notify_request notify;
	struct machipc_account_info account;
	struct machipc_poll_fd poll_fd;
};

/*
 * MACHIPC_IOCTL_CHECK(check, type) defines check_arg(): the validator
 * check(), which takes a @type, in the form the table takes, applied to the
 * ioctl's argument union (a pointer to a union, converted, points to each
 * of its members).  The validators keep their own argument structure for
 * KUnit, which calls them directly.
 */
#define MACHIPC_IOCTL_CHECK(check, type)				\
static int check##_arg(const union machipc_ioctl_arg *arg)		\
{									\
	return check((const type *)arg);				\
}

MACHIPC_IOCTL_CHECK(machipc_check_port_alloc, struct machipc_port_alloc)
MACHIPC_IOCTL_CHECK(machipc_check_port_alloc_name, struct machipc_port_alloc)
MACHIPC_IOCTL_CHECK(machipc_check_port_name, struct machipc_port_name)
MACHIPC_IOCTL_CHECK(machipc_check_mod_refs, struct machipc_port_mod_refs)
MACHIPC_IOCTL_CHECK(machipc_check_insert, struct machipc_port_insert)
MACHIPC_IOCTL_CHECK(machipc_check_member, struct machipc_port_member)
MACHIPC_IOCTL_CHECK(machipc_check_attr_get, struct machipc_port_attr)
MACHIPC_IOCTL_CHECK(machipc_check_attr_set, struct machipc_port_attr)
MACHIPC_IOCTL_CHECK(machipc_check_name_info, struct machipc_name_info)
MACHIPC_IOCTL_CHECK(machipc_check_names, struct machipc_port_names)
MACHIPC_IOCTL_CHECK(machipc_check_export, struct machipc_bootstrap)
MACHIPC_IOCTL_CHECK(machipc_check_import, struct machipc_bootstrap)
MACHIPC_IOCTL_CHECK(machipc_check_msg, struct machipc_msg_args)
MACHIPC_IOCTL_CHECK(machipc_check_notify, struct machipc_notify_request)
MACHIPC_IOCTL_CHECK(machipc_check_account, struct machipc_account_info)
MACHIPC_IOCTL_CHECK(machipc_check_poll_fd, struct machipc_poll_fd)

/*
 * The operations, each called with an argument its command's validator
 * has accepted.
 */

static int machipc_ioctl_version(struct machipc_space *space,
				 union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	arg->version.abi_version = MACHIPC_ABI_VERSION;
	arg->version.max_inline = machipc_max_inline;
	arg->version.chunk_pages = READ_ONCE(machipc_chunk_pages);
	arg->version.cost_copy = machipc_copier_cost(arg->version.chunk_pages);
	return 0;
}

/*
 * Send, receive, or both.  When the send has committed and the receive
 * fails (including -ERESTARTSYS), MACHIPC_MSG_SEND is cleared in the
 * caller's arguments so that a restart, automatic or by hand, does not
 * send again.
 */
static int machipc_ioctl_msg(struct machipc_space *space,
			     union machipc_ioctl_arg *uarg, struct machipc_out *out)
{
	struct machipc_msg_args *arg = &uarg->msg;
	ktime_t send_deadline = ns_to_ktime(arg->send_deadline);
	ktime_t rcv_deadline = ns_to_ktime(arg->rcv_deadline);
	bool sent = false;
	int err = 0;

	arg->blame = MACHIPC_BLAME_NONE;
	if (arg->flags & MACHIPC_MSG_SEND) {
		err = machipc_send(space, arg->send_msg, arg->send_size,
				   arg->flags & MACHIPC_MSG_SEND_TIMEOUT ?
				   &send_deadline : NULL,
				   arg->flags & MACHIPC_MSG_RECEIVE,
				   &arg->blame);
		if (err) {
			trace_machipc_msg_error(false, 0, err);
			/* Which right was refused: nothing changed either way. */
			out->on_error = true;
			return err;
		}
		sent = true;
	}
	if (arg->flags & MACHIPC_MSG_RECEIVE) {
		err = machipc_receive(space, arg,
				      arg->flags & MACHIPC_MSG_RCV_TIMEOUT ?
				      &rcv_deadline : NULL, out);
		if (err && sent) {
			arg->flags &= ~(MACHIPC_MSG_SEND |
					MACHIPC_MSG_SEND_TIMEOUT);
			arg->send_msg = 0;
			arg->send_size = 0;
			out->on_error = true;
		}
		if (err == -EMSGSIZE)
			out->on_error = true;
		if (err)
			trace_machipc_msg_error(true, arg->rcv_name, err);
	}
	/*
	 * A receive wrote rcv_size at its commit point; a send changes
	 * nothing in the block.  Writing it again after the commit could
	 * fail and make a successful send look failed (and be repeated).
	 */
	if (!err)
		out->written = true;
	return err;
}

static int machipc_ioctl_allocate(struct machipc_space *space,
				  union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_allocate(space, &arg->alloc, out);
}

static int machipc_ioctl_allocate_name(struct machipc_space *space,
				       union machipc_ioctl_arg *arg,
				       struct machipc_out *out)
{
	return machipc_name_allocate_name(space, &arg->alloc);
}

static int machipc_ioctl_destroy(struct machipc_space *space,
				 union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_destroy(space, arg->name.name);
}

static int machipc_ioctl_deallocate(struct machipc_space *space,
				    union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_deallocate(space, arg->name.name);
}

static int machipc_ioctl_mod_refs(struct machipc_space *space,
				  union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_mod_refs(space, &arg->mod_refs);
}

static int machipc_ioctl_insert(struct machipc_space *space,
				union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_insert_right(space, &arg->insert, out);
}

static int machipc_ioctl_get_attr(struct machipc_space *space,
				  union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_get_attributes(space, &arg->attr);
}

static int machipc_ioctl_set_attr(struct machipc_space *space,
				  union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_set_attributes(space, &arg->attr);
}

static int machipc_ioctl_info(struct machipc_space *space,
			      union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_info(space, &arg->info);
}

static int machipc_ioctl_names(struct machipc_space *space,
			       union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	size_t entry_size = sizeof(struct machipc_name_info);

	/* Version 3's block (16 bytes) lists version 3's elements. */
	if (out->size < sizeof(struct machipc_port_names))
		entry_size = MACHIPC_NAME_INFO_V3_SIZE;
	return machipc_name_list(space, &arg->names, entry_size);
}

static int machipc_ioctl_export(struct machipc_space *space,
				union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_bootstrap_export(space, &arg->bootstrap, out);
}

static int machipc_ioctl_import(struct machipc_space *space,
				union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_bootstrap_import(space, &arg->bootstrap, out);
}

static int machipc_ioctl_member(struct machipc_space *space,
				union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_name_move_member(space, &arg->member);
}

static int machipc_ioctl_notify(struct machipc_space *space,
				union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_notify_request(space, &arg->notify, out);
}

static int machipc_ioctl_account(struct machipc_space *space,
				 union machipc_ioctl_arg *uarg, struct machipc_out *out)
{
	struct machipc_account_info *arg = &uarg->account;
	int err;

	err = machipc_account_query(space->account, space->process, arg);
	if (err)
		return err;
	arg->cost_entry = MACHIPC_COST_ENTRY;
	arg->cost_port = MACHIPC_COST_PORT;
	arg->cost_pset = MACHIPC_COST_PSET;
	arg->cost_msg = MACHIPC_COST_MSG_BASE;
	arg->cost_msg_slot = MACHIPC_COST_MSG_SLOT;
	arg->cost_notify = MACHIPC_COST_NOTIFY;
	arg->cost_ool = MACHIPC_COST_XFER;
	arg->cost_space = MACHIPC_COST_SPACE;
	arg->cost_bootstrap = MACHIPC_COST_BOOTSTRAP;
	arg->cost_index_node = MACHIPC_COST_XA_NODE;
	arg->cost_capture = MACHIPC_COST_CAPTURE;
	arg->cost_capture_page = MACHIPC_COST_CAPTURE_PAGE;
	if (!(arg->flags & MACHIPC_ACCOUNT_FLAGS_SET))
		return 0;
	/* The results first: a block that cannot take them changes nothing. */
	err = machipc_out_write(out);
	if (!err)
		machipc_account_apply(space->account, space->process, arg);
	return err;
}

static int machipc_ioctl_poll_fd(struct machipc_space *space,
				 union machipc_ioctl_arg *arg, struct machipc_out *out)
{
	return machipc_poll_fd(space, &arg->poll_fd, out);
}

/**
 * struct machipc_ioctl_op - one command: machipc_ioctl() runs @check, then @fn
 * @cmd: the command
 * @cmd_old: the command of an older, shorter version of the argument,
 *	also accepted: the kernel copy is zeroed beyond what is read, and only
 *	that much is written back
 * @check: the validator of the argument (made by MACHIPC_IOCTL_CHECK()),
 *	or NULL for a command that reads nothing
 * @fn: the operation
 */
struct machipc_ioctl_op {
	unsigned int cmd;
	unsigned int cmd_old;
	int (*check)(const union machipc_ioctl_arg *arg);
	int (*fn)(struct machipc_space *space, union machipc_ioctl_arg *arg,
		  struct machipc_out *out);
};

static const struct machipc_ioctl_op machipc_ioctl_ops[] = {
	[_IOC_NR(MACHIPC_IOC_VERSION)] = {
		.cmd = MACHIPC_IOC_VERSION,
		.fn = machipc_ioctl_version,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_ALLOCATE)] = {
		.cmd = MACHIPC_IOC_PORT_ALLOCATE,
		.check = machipc_check_port_alloc_arg,
		.fn = machipc_ioctl_allocate,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_DESTROY)] = {
		.cmd = MACHIPC_IOC_PORT_DESTROY,
		.check = machipc_check_port_name_arg,
		.fn = machipc_ioctl_destroy,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_DEALLOCATE)] = {
		.cmd = MACHIPC_IOC_PORT_DEALLOCATE,
		.check = machipc_check_port_name_arg,
		.fn = machipc_ioctl_deallocate,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_MOD_REFS)] = {
		.cmd = MACHIPC_IOC_PORT_MOD_REFS,
		.check = machipc_check_mod_refs_arg,
		.fn = machipc_ioctl_mod_refs,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_INSERT_RIGHT)] = {
		.cmd = MACHIPC_IOC_PORT_INSERT_RIGHT,
		.check = machipc_check_insert_arg,
		.fn = machipc_ioctl_insert,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_MOVE_MEMBER)] = {
		.cmd = MACHIPC_IOC_PORT_MOVE_MEMBER,
		.check = machipc_check_member_arg,
		.fn = machipc_ioctl_member,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_GET_ATTRIBUTES)] = {
		.cmd = MACHIPC_IOC_PORT_GET_ATTRIBUTES,
		.check = machipc_check_attr_get_arg,
		.fn = machipc_ioctl_get_attr,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_SET_ATTRIBUTES)] = {
		.cmd = MACHIPC_IOC_PORT_SET_ATTRIBUTES,
		.check = machipc_check_attr_set_arg,
		.fn = machipc_ioctl_set_attr,
	},
	[_IOC_NR(MACHIPC_IOC_NAME_INFO)] = {
		.cmd = MACHIPC_IOC_NAME_INFO,
		.cmd_old = MACHIPC_IOC_NAME_INFO_V3,
		.check = machipc_check_name_info_arg,
		.fn = machipc_ioctl_info,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_NAMES)] = {
		.cmd = MACHIPC_IOC_PORT_NAMES,
		.cmd_old = MACHIPC_IOC_PORT_NAMES_V3,
		.check = machipc_check_names_arg,
		.fn = machipc_ioctl_names,
	},
	[_IOC_NR(MACHIPC_IOC_BOOTSTRAP_EXPORT)] = {
		.cmd = MACHIPC_IOC_BOOTSTRAP_EXPORT,
		.check = machipc_check_export_arg,
		.fn = machipc_ioctl_export,
	},
	[_IOC_NR(MACHIPC_IOC_BOOTSTRAP_IMPORT)] = {
		.cmd = MACHIPC_IOC_BOOTSTRAP_IMPORT,
		.check = machipc_check_import_arg,
		.fn = machipc_ioctl_import,
	},
	[_IOC_NR(MACHIPC_IOC_MSG)] = {
		.cmd = MACHIPC_IOC_MSG,
		.check = machipc_check_msg_arg,
		.fn = machipc_ioctl_msg,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_REQUEST_NOTIFICATION)] = {
		.cmd = MACHIPC_IOC_PORT_REQUEST_NOTIFICATION,
		.check = machipc_check_notify_arg,
		.fn = machipc_ioctl_notify,
	},
	[_IOC_NR(MACHIPC_IOC_ACCOUNT)] = {
		.cmd = MACHIPC_IOC_ACCOUNT,
		.cmd_old = MACHIPC_IOC_ACCOUNT_V2,
		.check = machipc_check_account_arg,
		.fn = machipc_ioctl_account,
	},
	[_IOC_NR(MACHIPC_IOC_POLL_FD)] = {
		.cmd = MACHIPC_IOC_POLL_FD,
		.check = machipc_check_poll_fd_arg,
		.fn = machipc_ioctl_poll_fd,
	},
	[_IOC_NR(MACHIPC_IOC_PORT_ALLOCATE_NAME)] = {
		.cmd = MACHIPC_IOC_PORT_ALLOCATE_NAME,
		.check = machipc_check_port_alloc_name_arg,
		.fn = machipc_ioctl_allocate_name,
	},
};

long machipc_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct machipc_space *space = file->private_data;
	void __user *argp = (void __user *)uarg;
	const struct machipc_ioctl_op *op;
	union machipc_ioctl_arg arg;
	struct machipc_out out = { .uptr = argp, .karg = &arg };
	unsigned int size, nr;
	int err;

	BUILD_BUG_ON(ARRAY_SIZE(machipc_ioctl_ops) !=
		     _IOC_NR(MACHIPC_IOC_PORT_ALLOCATE_NAME) + 1);
	BUILD_BUG_ON(_IOC_NR(MACHIPC_IOC_MSG) != 0x0d);

	nr = _IOC_NR(cmd);
	if (_IOC_TYPE(cmd) != MACHIPC_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(machipc_ioctl_ops))
		return -ENOTTY;
	op = &machipc_ioctl_ops[array_index_nospec(nr,
					ARRAY_SIZE(machipc_ioctl_ops))];
	if (!op->fn || (op->cmd != cmd && (!op->cmd_old || op->cmd_old != cmd)))
		return -ENOTTY;
	if (!machipc_space_is_owner(space))
		return -EBADFD;

	size = _IOC_SIZE(cmd);
	if (WARN_ON_ONCE(size > sizeof(arg)))
		return -ENOTTY;
	out.size = size;
	memset(&arg, 0, sizeof(arg));
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && copy_from_user(&arg, argp, size))
		return -EFAULT;
	/*
	 * Operations that change state write their results at their commit
	 * point with page faults disabled (machipc_out_write()): make sure
	 * first that the block is writable and present, by writing back
	 * what was read.
	 */
	if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(argp, &arg, size))
		return -EFAULT;

	err = op->check ? op->check(&arg) : 0;
	if (err)
		return err;
	err = op->fn(space, &arg, &out);
	if (err) {
		if (out.on_error && copy_to_user(argp, &arg, size))
			return -EFAULT;
		return err;
	}
	/* Read-only operations: failing here has changed nothing. */
	if ((_IOC_DIR(cmd) & _IOC_READ) && !out.written &&
	    copy_to_user(argp, &arg, size))
		return -EFAULT;
	return 0;
}
