/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_BOOTSTRAP_H
#define MACHIPC_BOOTSTRAP_H

#include <linux/machipc.h>

struct machipc_out;
struct machipc_space;

int machipc_bootstrap_export(struct machipc_space *space,
			     struct machipc_bootstrap *arg,
			     struct machipc_out *out);
int machipc_bootstrap_import(struct machipc_space *space,
			     struct machipc_bootstrap *arg,
			     struct machipc_out *out);

#endif /* MACHIPC_BOOTSTRAP_H */
