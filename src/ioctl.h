/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_IOCTL_H
#define MACHIPC_IOCTL_H

#include <linux/fs.h>
#include <linux/machipc.h>

long machipc_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

int machipc_check_port_alloc(const struct machipc_port_alloc *arg);
int machipc_check_port_alloc_name(const struct machipc_port_alloc *arg);
int machipc_check_port_name(const struct machipc_port_name *arg);
int machipc_check_mod_refs(const struct machipc_port_mod_refs *arg);
int machipc_check_insert(const struct machipc_port_insert *arg);
int machipc_check_attr(const struct machipc_port_attr *arg, bool set);
int machipc_check_name_info(const struct machipc_name_info *arg);
int machipc_check_names(const struct machipc_port_names *arg);
int machipc_check_bootstrap(const struct machipc_bootstrap *arg, bool export);
int machipc_check_msg(const struct machipc_msg_args *arg);
int machipc_check_notify(const struct machipc_notify_request *arg);
int machipc_check_account(const struct machipc_account_info *arg);
int machipc_check_poll_fd(const struct machipc_poll_fd *arg);

#endif /* MACHIPC_IOCTL_H */
