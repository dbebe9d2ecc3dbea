// SPDX-License-Identifier: GPL-2.0
/*
 * machipc: Mach-style port IPC for Linux processes.
 *
 * This file is only the module's entry and exit and the /dev/machipc file
 * operations; every object lives in its own file (see Documentation/).
 */

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sizes.h>

#include <linux/machipc.h>

#include "account.h"
#include "entry.h"
#include "fdinfo.h"
#include "inject.h"
#include "ioctl.h"
#include "msg.h"
#include "port.h"
#include "pset.h"
#include "space.h"
#include "xfer.h"

unsigned int machipc_max_inline = 65536;
module_param_named(max_inline, machipc_max_inline, uint, 0444);
MODULE_PARM_DESC(max_inline,
		 "Largest message in bytes: header, descriptors and inline data (default 65536, 32 to 4 MiB, multiple of 8)");

module_param_named(account_limit, machipc_account_default_limit, ulong, 0644);
MODULE_PARM_DESC(account_limit,
		 "Default limit in bytes of each process's account, shared by all its spaces (default 16 MiB)");

static int machipc_open(struct inode *inode, struct file *file)
{
	struct machipc_space *space;

	space = machipc_space_create();
	if (IS_ERR(space))
		return PTR_ERR(space);
	machipc_xfer_prepare_mm();
	file->private_data = space;
	return nonseekable_open(inode, file);
}

static int machipc_match_file(const void *p, struct file *file, unsigned int fd)
{
	return p == file;
}

/*
 * Called on every close of a descriptor, also at exit.  When the owner
 * closes its last descriptor of the space (or exits), the space is torn
 * down even if another process still holds the file: a dead process never
 * keeps ports alive.
 */
static int machipc_flush(struct file *file, fl_owner_t id)
{
	struct machipc_space *space = file->private_data;

	if (!machipc_space_is_owner(space))
		return 0;
	if (id && iterate_fd(id, 0, machipc_match_file, file))
		return 0;
	machipc_space_teardown(space);
	return 0;
}

static int machipc_release(struct inode *inode, struct file *file)
{
	machipc_space_free(file->private_data);
	return 0;
}

static const struct file_operations machipc_fops = {
	.owner = THIS_MODULE,
	.open = machipc_open,
	.flush = machipc_flush,
	.release = machipc_release,
	.unlocked_ioctl = machipc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = machipc_show_fdinfo,
};

static struct miscdevice machipc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "machipc",
	.fops = &machipc_fops,
	.mode = 0666,
};

static void machipc_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct machipc_version) != 16);
	BUILD_BUG_ON(sizeof(struct machipc_port_alloc) != 8);
	BUILD_BUG_ON(sizeof(struct machipc_port_name) != 8);
	BUILD_BUG_ON(sizeof(struct machipc_port_mod_refs) != 16);
	BUILD_BUG_ON(sizeof(struct machipc_port_insert) != 16);
	BUILD_BUG_ON(sizeof(struct machipc_port_member) != 8);
	BUILD_BUG_ON(sizeof(struct machipc_port_attr) != 48);
	BUILD_BUG_ON(sizeof(struct machipc_name_info) != 32);
	BUILD_BUG_ON(offsetof(struct machipc_name_info, port_id) !=
		     MACHIPC_NAME_INFO_V3_SIZE);
	BUILD_BUG_ON(_IOC_SIZE(MACHIPC_IOC_NAME_INFO_V3) !=
		     MACHIPC_NAME_INFO_V3_SIZE);
	BUILD_BUG_ON(sizeof(struct machipc_port_names) != 24);
	BUILD_BUG_ON(offsetof(struct machipc_port_names, reserved) !=
		     _IOC_SIZE(MACHIPC_IOC_PORT_NAMES_V3));
	BUILD_BUG_ON(sizeof(struct machipc_bootstrap) != 16);
	BUILD_BUG_ON(sizeof(struct machipc_msg_header) != 32);
	BUILD_BUG_ON(sizeof(struct machipc_msg_desc) != 32);
	BUILD_BUG_ON(sizeof(struct machipc_msg_trailer) != 32);
	BUILD_BUG_ON(sizeof(struct machipc_msg_args) != 64);
	BUILD_BUG_ON(sizeof(struct machipc_notify_request) != 32);
	BUILD_BUG_ON(sizeof(struct machipc_notify_body) != 8);
	BUILD_BUG_ON(sizeof(struct machipc_account_info) != 128);
	BUILD_BUG_ON(offsetof(struct machipc_account_info, process_usage) !=
		     _IOC_SIZE(MACHIPC_IOC_ACCOUNT_V2));
	BUILD_BUG_ON(sizeof(struct machipc_ool_buf) != 16);
	BUILD_BUG_ON(sizeof(struct machipc_poll_fd) != 16);
}

static int __init machipc_init(void)
{
	int err;

	machipc_check_abi();
	if (machipc_max_inline < sizeof(struct machipc_msg_header) ||
	    machipc_max_inline > SZ_4M || machipc_max_inline % 8) {
		pr_err("max_inline=%u out of range\n", machipc_max_inline);
		return -EINVAL;
	}

	err = machipc_ports_init();
	if (err)
		return err;
	err = machipc_psets_init();
	if (err)
		goto err_ports;
	err = machipc_entries_init();
	if (err)
		goto err_psets;
	machipc_debugfs_init();
	err = misc_register(&machipc_misc);
	if (err)
		goto err_debugfs;
	return 0;

err_debugfs:
	machipc_debugfs_exit();
	machipc_entries_exit();
err_psets:
	machipc_psets_exit();
err_ports:
	machipc_ports_exit();
	return err;
}

static void __exit machipc_exit(void)
{
	misc_deregister(&machipc_misc);
	machipc_debugfs_exit();
	WARN(machipc_accounts_total(), "machipc: %lld bytes still charged\n",
	     machipc_accounts_total());
	machipc_entries_exit();
	machipc_psets_exit();
	machipc_ports_exit();
}

module_init(machipc_init);
module_exit(machipc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mach-style port IPC");
MODULE_AUTHOR("The machipc developers");
