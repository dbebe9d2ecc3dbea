/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites that work on real spaces and ports share: each
 * helper asserts its own success, so a case stops at the first thing
 * that could not be set up.
 */
#ifndef MACHIPC_KUNIT_FIXTURES_H
#define MACHIPC_KUNIT_FIXTURES_H

#include <kunit/test.h>
#include <linux/types.h>

struct machipc_port;
struct machipc_space;

/* A new space, owned by the test (machipc_space_free()). */
struct machipc_space *machipc_kt_space(struct kunit *test);
/* A new port received by @space, with one reference for the test. */
struct machipc_port *machipc_kt_port(struct kunit *test,
				     struct machipc_space *space);
/* A new name for a right of kind @right in @space. */
u32 machipc_kt_alloc(struct kunit *test, struct machipc_space *space,
		     u32 right);
/* The port @name denotes in @space, with a reference for the test. */
struct machipc_port *machipc_kt_name_port(struct kunit *test,
					  struct machipc_space *space,
					  u32 name);

#endif /* MACHIPC_KUNIT_FIXTURES_H */
