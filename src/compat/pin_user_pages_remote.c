// SPDX-License-Identifier: GPL-2.0
/*
 * Probe (src/Kbuild): pin_user_pages_remote() without its vmas argument,
 * since 6.5.
 */
#include <linux/mm.h>

static long __maybe_unused machipc_probe(struct mm_struct *mm,
					 struct page **pages)
{
	return pin_user_pages_remote(mm, 0, 1, 0, pages, NULL);
}
