/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_BOOTSTRAP_H
#define MACHIPC_BOOTSTRAP_H

#include <linux/dcache.h>
#include <linux/fs.h>

#include <linux/machipc.h>

struct machipc_account;
struct machipc_out;
struct machipc_port;
struct machipc_space;

/**
 * struct machipc_bootstrap_ref - what a bootstrap descriptor holds
 * @port: the port; the ref holds a send right, once @port is set.  Set
 *	once, at the export's commit point (under the exporter's space
 *	lock), before the file is installed; immutable then
 * @account: the exporter's process account, which pays
 *	MACHIPC_COST_BOOTSTRAP; immutable
 *
 * No lock: nothing changes once the descriptor is reachable.
 */
struct machipc_bootstrap_ref {
	struct machipc_port *port;
	struct machipc_account *account;
};

#define MACHIPC_COST_BOOTSTRAP	(sizeof(struct file) + sizeof(struct dentry) + \
				 sizeof(struct machipc_bootstrap_ref))

int machipc_bootstrap_export(struct machipc_space *space,
			     struct machipc_bootstrap *arg,
			     struct machipc_out *out);
int machipc_bootstrap_import(struct machipc_space *space,
			     struct machipc_bootstrap *arg,
			     struct machipc_out *out);

#endif /* MACHIPC_BOOTSTRAP_H */
