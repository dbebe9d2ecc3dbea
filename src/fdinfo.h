/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_FDINFO_H
#define MACHIPC_FDINFO_H

struct seq_file;
struct file;

void machipc_show_fdinfo(struct seq_file *m, struct file *file);

#endif /* MACHIPC_FDINFO_H */
