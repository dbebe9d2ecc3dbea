// SPDX-License-Identifier: GPL-2.0
/*
 * Probe (src/Kbuild): FOLL_INTERRUPTIBLE, since 6.2.  A page fault taken
 * by get/pin_user_pages() then ends on any signal, not only a fatal one.
 */
#include <linux/mm.h>

static unsigned int __maybe_unused machipc_probe = FOLL_INTERRUPTIBLE;
