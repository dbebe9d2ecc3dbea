// SPDX-License-Identifier: GPL-2.0
/*
 * The machipc KUnit module: its suites run when it is loaded, after
 * machipc.ko, whose internals it reaches through EXPORT_SYMBOL_IF_KUNIT.
 */

#include <kunit/test.h>
#include <linux/module.h>

#include "suites.h"

kunit_test_suites(&machipc_ioctl_args_suite, &machipc_msg_validate_suite,
		  &machipc_names_suite, &machipc_account_suite,
		  &machipc_copy_suite, &machipc_fdpass_suite,
		  &machipc_transit_suite, &machipc_port_suite,
		  &machipc_xfer_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of machipc");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
