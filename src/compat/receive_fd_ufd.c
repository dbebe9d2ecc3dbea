// SPDX-License-Identifier: GPL-2.0
/*
 * Probe (src/Kbuild): receive_fd() with a user pointer for the new
 * descriptor's number (receive_fd_user() folded into it), since 6.9.
 */
#include <linux/file.h>

static int __maybe_unused machipc_probe(struct file *file)
{
	return receive_fd(file, NULL, 0);
}
