/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_KUNIT_SUITES_H
#define MACHIPC_KUNIT_SUITES_H

#include <kunit/test.h>

extern struct kunit_suite machipc_ioctl_args_suite;
extern struct kunit_suite machipc_msg_validate_suite;
extern struct kunit_suite machipc_names_suite;
extern struct kunit_suite machipc_account_suite;
extern struct kunit_suite machipc_copy_suite;
extern struct kunit_suite machipc_fdpass_suite;
extern struct kunit_suite machipc_transit_suite;
extern struct kunit_suite machipc_port_suite;
extern struct kunit_suite machipc_xfer_suite;

#endif /* MACHIPC_KUNIT_SUITES_H */
