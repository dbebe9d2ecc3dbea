// SPDX-License-Identifier: GPL-2.0
/*
 * Probe (tests/kunit/Kbuild): kunit_vm_mmap(), since 6.12.  It gives a
 * KUnit test thread a user address space, which the KUnit case of the copy
 * engine's user copy needs.  The module does not use it, so it is not
 * among the module's probes (src/compat/).
 */
#include <kunit/test.h>

static void *__maybe_unused machipc_probe = kunit_vm_mmap;
