// SPDX-License-Identifier: GPL-2.0
/*
 * Probe (src/Kbuild, tests/kunit/Kbuild): kunit_vm_mmap(), since 6.12.  It
 * gives a KUnit test thread a user address space, which the KUnit case of
 * the copy engine's user copy needs; the module itself does not use it.
 */
#include <kunit/test.h>

static void *__maybe_unused machipc_probe = kunit_vm_mmap;
