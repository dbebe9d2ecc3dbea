// SPDX-License-Identifier: GPL-2.0
/*
 * The KUnit suites' shared set-up on real spaces and ports (fixtures.h).
 */

#include <linux/err.h>
#include <linux/mutex.h>

#include <linux/machipc.h>

#include "entry.h"
#include "fixtures.h"
#include "names.h"
#include "port.h"
#include "space.h"

struct machipc_space *machipc_kt_space(struct kunit *test)
{
	struct machipc_space *space = machipc_space_create();

	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(space));
	return space;
}

struct machipc_port *machipc_kt_port(struct kunit *test,
				     struct machipc_space *space)
{
	struct machipc_port *port = machipc_port_create(space);

	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(port));
	return port;
}

u32 machipc_kt_alloc(struct kunit *test, struct machipc_space *space,
		     u32 right)
{
	struct machipc_port_alloc arg = { .right = right };

	KUNIT_ASSERT_EQ(test, machipc_name_allocate(space, &arg, NULL), 0);
	KUNIT_EXPECT_NE(test, arg.name, MACHIPC_NAME_NULL);
	KUNIT_EXPECT_NE(test, arg.name, MACHIPC_NAME_DEAD);
	return arg.name;
}

struct machipc_port *machipc_kt_name_port(struct kunit *test,
					  struct machipc_space *space,
					  u32 name)
{
	struct machipc_entry *entry;
	struct machipc_port *port;

	mutex_lock(&space->lock);
	entry = machipc_entry_lookup(space, name);
	port = entry ? entry->port : NULL;
	if (port)
		machipc_port_get(port);
	mutex_unlock(&space->lock);
	KUNIT_ASSERT_NOT_NULL(test, port);
	return port;
}
