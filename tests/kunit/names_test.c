// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the name table and of right transitions, on a real space owned
 * by the test thread: allocation, stale names, user references, dead
 * names, port sets and the errno of every wrong kind of name.
 */

#include <kunit/test.h>

#include "suites.h"

#include <linux/machipc.h>

#include "entry.h"
#include "names.h"
#include "notify.h"
#include "port.h"
#include "space.h"
#include "fixtures.h"

static int test_info(struct machipc_space *space, u32 name, u32 *rights,
		     u32 *urefs)
{
	struct machipc_name_info info = { .name = name };
	int err = machipc_name_info(space, &info);

	*rights = info.rights;
	*urefs = info.urefs;
	return err;
}

static int test_insert(struct machipc_space *space, u32 name, u32 disp,
		       u32 *new_name)
{
	struct machipc_port_insert arg = { .name = name, .disposition = disp };
	int err = machipc_name_insert_right(space, &arg, NULL);

	*new_name = arg.new_name;
	return err;
}

static int test_mod_refs(struct machipc_space *space, u32 name, u32 right,
			 s32 delta)
{
	struct machipc_port_mod_refs arg = {
		.name = name, .right = right, .delta = delta,
	};

	return machipc_name_mod_refs(space, &arg);
}

static void test_attr(struct kunit *test, struct machipc_space *space,
		      u32 name, struct machipc_port_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->name = name;
	KUNIT_ASSERT_EQ(test, machipc_name_get_attributes(space, attr), 0);
}

static void machipc_names_allocate_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	u32 rcv, set, dead, rights, urefs;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	set = machipc_kt_alloc(test, space, MACHIPC_RIGHT_PORT_SET);
	dead = machipc_kt_alloc(test, space, MACHIPC_RIGHT_DEAD_NAME);
	KUNIT_EXPECT_NE(test, rcv, set);
	KUNIT_EXPECT_NE(test, set, dead);

	KUNIT_EXPECT_EQ(test, test_info(space, rcv, &rights, &urefs), 0);
	KUNIT_EXPECT_EQ(test, rights, MACHIPC_RIGHT_RECEIVE);
	KUNIT_EXPECT_EQ(test, test_info(space, set, &rights, &urefs), 0);
	KUNIT_EXPECT_EQ(test, rights, MACHIPC_RIGHT_PORT_SET);
	KUNIT_EXPECT_EQ(test, test_info(space, dead, &rights, &urefs), 0);
	KUNIT_EXPECT_EQ(test, rights, MACHIPC_RIGHT_DEAD_NAME);
	KUNIT_EXPECT_EQ(test, urefs, 1);

	KUNIT_EXPECT_EQ(test, test_info(space, MACHIPC_NAME_NULL, &rights, &urefs),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, test_info(space, MACHIPC_NAME_DEAD, &rights, &urefs),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, test_info(space, dead + 1000, &rights, &urefs),
			-ENOENT);
	machipc_space_free(space);
}

/* A destroyed name never comes back while the cycle lasts. */
static void machipc_names_stale_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	u32 first, name, prev, rights, urefs, i;

	first = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	KUNIT_ASSERT_EQ(test, machipc_name_destroy(space, first), 0);
	prev = first;
	for (i = 0; i < 3000; i++) {
		name = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
		KUNIT_ASSERT_NE(test, name, first);
		KUNIT_ASSERT_NE(test, name, prev);
		KUNIT_ASSERT_EQ(test, machipc_name_destroy(space, name), 0);
		prev = name;
	}
	KUNIT_EXPECT_EQ(test, test_info(space, first, &rights, &urefs), -ENOENT);
	KUNIT_EXPECT_EQ(test, test_info(space, prev, &rights, &urefs), -ENOENT);
	KUNIT_EXPECT_EQ(test, machipc_name_destroy(space, prev), -ENOENT);
	machipc_space_free(space);
}

/* Whether @index of @xa holds a reserved (zero) entry. */
static bool test_reserved(struct xarray *xa, unsigned long index)
{
	XA_STATE(xas, xa, index);
	void *entry;

	rcu_read_lock();
	entry = xas_load(&xas);
	rcu_read_unlock();
	return xa_is_zero(entry);
}

/*
 * The allocator keeps the xarray leaf its cursor is in with a reserved
 * entry at the leaf's end: invisible to lookups and to the name list,
 * skipped by the allocator, and still there when the leaf's only name is
 * destroyed, so that an RPC loop does not free and allocate a leaf at
 * every call.
 */
static void machipc_names_hold_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_entry *entry;
	u32 name, hold, rights, urefs, i, n = 0;
	unsigned long index;

	for (i = 0; i < 200; i++) {
		name = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
		hold = space->name_hold;
		KUNIT_ASSERT_EQ(test, hold, (name + 1) | XA_CHUNK_MASK);
		KUNIT_ASSERT_NE(test, name, hold);
		KUNIT_ASSERT_EQ(test, machipc_name_destroy(space, name), 0);
		KUNIT_EXPECT_TRUE_MSG(test, test_reserved(&space->names, hold),
				      "name %u: hold %u not reserved", name,
				      hold);
		KUNIT_EXPECT_EQ(test, test_info(space, hold, &rights, &urefs),
				-ENOENT);
	}
	/* what the name list and the teardown walk see: no name at all */
	xa_for_each(&space->names, index, entry)
		n++;
	KUNIT_EXPECT_EQ(test, n, 0);
	machipc_space_free(space);
}

static void machipc_names_send_rights_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port_attr attr;
	u32 rcv, name, so, rights, urefs;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	KUNIT_EXPECT_EQ(test, test_insert(space, rcv, MACHIPC_DISP_MAKE_SEND, &name), 0);
	KUNIT_EXPECT_EQ(test, name, rcv);
	KUNIT_EXPECT_EQ(test, test_insert(space, rcv, MACHIPC_DISP_MAKE_SEND, &name), 0);
	KUNIT_EXPECT_EQ(test, test_info(space, rcv, &rights, &urefs), 0);
	KUNIT_EXPECT_EQ(test, rights, MACHIPC_RIGHT_RECEIVE | MACHIPC_RIGHT_SEND);
	KUNIT_EXPECT_EQ(test, urefs, 2);
	test_attr(test, space, rcv, &attr);
	KUNIT_EXPECT_EQ(test, attr.mscount, 2);
	KUNIT_EXPECT_EQ(test, attr.srights, 1);
	KUNIT_EXPECT_EQ(test, attr.qlimit, MACHIPC_QLIMIT_DEFAULT);

	/* user references saturate with an error and change nothing */
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_SEND,
					    MACHIPC_UREFS_MAX - 2), 0);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_SEND, 1),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, test_insert(space, rcv, MACHIPC_DISP_MAKE_SEND, &name),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, test_info(space, rcv, &rights, &urefs), 0);
	KUNIT_EXPECT_EQ(test, urefs, MACHIPC_UREFS_MAX);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_SEND,
					    -(s32)MACHIPC_UREFS_MAX - 1), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_SEND,
					    -(s32)MACHIPC_UREFS_MAX), 0);
	KUNIT_EXPECT_EQ(test, test_info(space, rcv, &rights, &urefs), 0);
	KUNIT_EXPECT_EQ(test, rights, MACHIPC_RIGHT_RECEIVE);
	test_attr(test, space, rcv, &attr);
	KUNIT_EXPECT_EQ(test, attr.srights, 0);

	/* send-once rights get names of their own */
	KUNIT_EXPECT_EQ(test, test_insert(space, rcv, MACHIPC_DISP_MAKE_SEND_ONCE, &so), 0);
	KUNIT_EXPECT_NE(test, so, rcv);
	KUNIT_EXPECT_EQ(test, test_info(space, so, &rights, &urefs), 0);
	KUNIT_EXPECT_EQ(test, rights, MACHIPC_RIGHT_SEND_ONCE);
	test_attr(test, space, rcv, &attr);
	KUNIT_EXPECT_EQ(test, attr.sorights, 1);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, so, MACHIPC_RIGHT_SEND_ONCE, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, machipc_name_deallocate(space, so), 0);
	KUNIT_EXPECT_EQ(test, test_info(space, so, &rights, &urefs), -ENOENT);
	/* destroyed unused, the right now carries a send-once notification */
	test_attr(test, space, rcv, &attr);
	KUNIT_EXPECT_EQ(test, attr.sorights, 1);
	KUNIT_EXPECT_EQ(test, attr.msgcount, 1);
	machipc_space_free(space);
}

/* Destroying a receive right leaves the name's send right as a dead name. */
static void machipc_names_dead_name_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	u32 rcv, name, rights, urefs;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	KUNIT_ASSERT_EQ(test, test_insert(space, rcv, MACHIPC_DISP_MAKE_SEND, &name), 0);
	KUNIT_ASSERT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_SEND, 2), 0);
	KUNIT_ASSERT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_RECEIVE, -1), 0);
	KUNIT_EXPECT_EQ(test, test_info(space, rcv, &rights, &urefs), 0);
	KUNIT_EXPECT_EQ(test, rights, MACHIPC_RIGHT_DEAD_NAME);
	KUNIT_EXPECT_EQ(test, urefs, 3);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_SEND, -1), -EPIPE);
	KUNIT_EXPECT_EQ(test, test_insert(space, rcv, MACHIPC_DISP_MAKE_SEND, &name),
			-EACCES);
	KUNIT_EXPECT_EQ(test, machipc_name_deallocate(space, rcv), 0);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_DEAD_NAME, -2), 0);
	KUNIT_EXPECT_EQ(test, test_info(space, rcv, &rights, &urefs), -ENOENT);
	machipc_space_free(space);
}

/*
 * A dead-name request made with MACHIPC_NOTIFY_DEAD_NAME_UREF while its
 * port dies between the name's lookup and the request's swap: the old
 * request fired with the flag the entry has, a new one fires at once and
 * brings its own reference; a cancel keeps the old one's.  (The window
 * cannot be hit from user space on purpose; the bookkeeping is called as
 * machipc_notify_request() calls it then.)
 */
static void machipc_names_dead_name_reference_race_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_notify_request req, again;
	const struct machipc_notify *fired = (const void *)&req;
	struct machipc_entry *entry;
	u32 port, notify, so, rights, urefs;
	int cancel;

	notify = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	for (cancel = 0; cancel < 2; cancel++) {
		port = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
		KUNIT_ASSERT_EQ(test, test_insert(space, port,
						  MACHIPC_DISP_MAKE_SEND_ONCE, &so), 0);
		req = (struct machipc_notify_request){
			.name = so, .kind = MACHIPC_NOTIFY_DEAD_NAME,
			.notify = notify,
			.disposition = MACHIPC_DISP_MAKE_SEND_ONCE,
			.flags = MACHIPC_NOTIFY_DEAD_NAME_UREF,
		};
		KUNIT_ASSERT_EQ(test, machipc_notify_request(space, &req, NULL), 0);
		/* the port dies; the name is not converted until looked up */
		KUNIT_ASSERT_EQ(test, machipc_name_destroy(space, port), 0);
		again = req;
		if (cancel) {
			again.notify = MACHIPC_NAME_NULL;
			again.disposition = 0;
			again.flags = 0;
		}
		mutex_lock(&space->lock);
		entry = xa_load(&space->names, so);
		KUNIT_ASSERT_NOT_NULL(test, entry);
		KUNIT_EXPECT_TRUE(test, entry->flags & MACHIPC_ENTRY_DNREQUEST_UREF);
		machipc_notify_dead_name_flags(space, entry, &again, true,
					       cancel ? NULL : fired);
		KUNIT_EXPECT_EQ(test, entry->flags, 0);
		mutex_unlock(&space->lock);
		KUNIT_EXPECT_EQ(test, test_info(space, so, &rights, &urefs), 0);
		KUNIT_EXPECT_EQ(test, rights, MACHIPC_RIGHT_DEAD_NAME);
		/* its 1, the fired request's 1, and the new one's unless cancelled */
		KUNIT_EXPECT_EQ(test, urefs, cancel ? 2 : 3);
		KUNIT_EXPECT_EQ(test, machipc_name_destroy(space, so), 0);
	}
	machipc_space_free(space);
}

static void machipc_names_port_set_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port_member mv;
	struct machipc_port_attr attr;
	u32 rcv, set, set2;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	set = machipc_kt_alloc(test, space, MACHIPC_RIGHT_PORT_SET);
	set2 = machipc_kt_alloc(test, space, MACHIPC_RIGHT_PORT_SET);

	mv = (struct machipc_port_member){ .member = rcv, .set = set };
	KUNIT_EXPECT_EQ(test, machipc_name_move_member(space, &mv), 0);
	test_attr(test, space, rcv, &attr);
	KUNIT_EXPECT_EQ(test, attr.pset, set);
	mv.set = set2;
	KUNIT_EXPECT_EQ(test, machipc_name_move_member(space, &mv), 0);
	test_attr(test, space, rcv, &attr);
	KUNIT_EXPECT_EQ(test, attr.pset, set2);
	KUNIT_EXPECT_EQ(test, machipc_name_destroy(space, set2), 0);
	test_attr(test, space, rcv, &attr);
	KUNIT_EXPECT_EQ(test, attr.pset, 0);

	/* the wrong kinds, both ways round */
	mv = (struct machipc_port_member){ .member = set, .set = rcv };
	KUNIT_EXPECT_EQ(test, machipc_name_move_member(space, &mv), -EACCES);
	mv = (struct machipc_port_member){ .member = rcv, .set = rcv };
	KUNIT_EXPECT_EQ(test, machipc_name_move_member(space, &mv), -EACCES);
	mv = (struct machipc_port_member){ .member = rcv, .set = set2 };
	KUNIT_EXPECT_EQ(test, machipc_name_move_member(space, &mv), -ENOENT);
	machipc_space_free(space);
}

/* Every operation against every kind of name: its errno, never success. */
static void machipc_names_type_confusion_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port_attr attr = {};
	u32 rcv, snd, so, set, dead, gone, name;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	snd = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	KUNIT_ASSERT_EQ(test, test_insert(space, snd, MACHIPC_DISP_MAKE_SEND_ONCE, &so), 0);
	set = machipc_kt_alloc(test, space, MACHIPC_RIGHT_PORT_SET);
	dead = machipc_kt_alloc(test, space, MACHIPC_RIGHT_DEAD_NAME);
	gone = machipc_kt_alloc(test, space, MACHIPC_RIGHT_DEAD_NAME);
	KUNIT_ASSERT_EQ(test, machipc_name_destroy(space, gone), 0);

	/* insert_right needs a receive right */
	KUNIT_EXPECT_EQ(test, test_insert(space, so, MACHIPC_DISP_MAKE_SEND, &name), -EACCES);
	KUNIT_EXPECT_EQ(test, test_insert(space, set, MACHIPC_DISP_MAKE_SEND, &name), -EACCES);
	KUNIT_EXPECT_EQ(test, test_insert(space, dead, MACHIPC_DISP_MAKE_SEND, &name), -EACCES);
	KUNIT_EXPECT_EQ(test, test_insert(space, gone, MACHIPC_DISP_MAKE_SEND, &name), -ENOENT);

	/* attributes need a receive right */
	attr.name = so;
	KUNIT_EXPECT_EQ(test, machipc_name_get_attributes(space, &attr), -EACCES);
	attr.name = set;
	KUNIT_EXPECT_EQ(test, machipc_name_get_attributes(space, &attr), -EACCES);
	attr.name = dead;
	KUNIT_EXPECT_EQ(test, machipc_name_get_attributes(space, &attr), -EACCES);
	attr.name = gone;
	KUNIT_EXPECT_EQ(test, machipc_name_get_attributes(space, &attr), -ENOENT);

	/* deallocate needs a send, send-once or dead name */
	KUNIT_EXPECT_EQ(test, machipc_name_deallocate(space, rcv), -EACCES);
	KUNIT_EXPECT_EQ(test, machipc_name_deallocate(space, set), -EACCES);
	KUNIT_EXPECT_EQ(test, machipc_name_deallocate(space, gone), -ENOENT);

	/* mod_refs of a right the name does not hold */
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_SEND, 1), -EACCES);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_PORT_SET, 0), -EACCES);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, set, MACHIPC_RIGHT_RECEIVE, -1), -EACCES);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, so, MACHIPC_RIGHT_SEND, -1), -EACCES);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, dead, MACHIPC_RIGHT_RECEIVE, -1), -EACCES);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, dead, MACHIPC_RIGHT_SEND, -1), -EPIPE);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, rcv, MACHIPC_RIGHT_RECEIVE, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, test_mod_refs(space, gone, MACHIPC_RIGHT_DEAD_NAME, 1), -ENOENT);

	/* nothing changed */
	test_attr(test, space, snd, &attr);
	KUNIT_EXPECT_EQ(test, attr.sorights, 1);
	KUNIT_EXPECT_EQ(test, attr.srights, 0);
	machipc_space_free(space);
}

/* A torn-down space refuses everything with -EBADFD. */
static void machipc_names_teardown_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	struct machipc_port_alloc arg = { .right = MACHIPC_RIGHT_RECEIVE };
	u32 rcv, rights, urefs;

	rcv = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
	machipc_space_teardown(space);
	KUNIT_EXPECT_EQ(test, machipc_name_allocate(space, &arg, NULL), -EBADFD);
	KUNIT_EXPECT_EQ(test, test_info(space, rcv, &rights, &urefs), -EBADFD);
	KUNIT_EXPECT_EQ(test, machipc_name_destroy(space, rcv), -EBADFD);
	machipc_space_free(space);
}

/*
 * Port ids are 64-bit and count up: across 2^32 (skipped to with the
 * debugfs knob's function) NAME_INFO reports them whole, with their low
 * half where version 3 had its 32-bit id.
 */
static void machipc_names_port_id_64_test(struct kunit *test)
{
	struct machipc_space *space = machipc_kt_space(test);
	u64 start = max_t(u64, machipc_port_id_next(), U32_MAX - 1);
	struct machipc_name_info info;
	u64 prev = 0;
	u32 name;
	int i;

	KUNIT_ASSERT_EQ(test, machipc_port_id_set_next(start), 0);
	/* Never back: an id below the next one is refused. */
	KUNIT_EXPECT_EQ(test, machipc_port_id_set_next(start - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, machipc_port_id_set_next(1), -EINVAL);
	KUNIT_EXPECT_EQ(test, machipc_port_id_set_next(U64_MAX), -EINVAL);
	for (i = 0; i < 4; i++) {
		name = machipc_kt_alloc(test, space, MACHIPC_RIGHT_RECEIVE);
		info = (struct machipc_name_info){ .name = name };
		KUNIT_ASSERT_EQ(test, machipc_name_info(space, &info), 0);
		KUNIT_EXPECT_GE(test, info.port_id, start + i);
		KUNIT_EXPECT_GT(test, info.port_id, prev);
		KUNIT_EXPECT_EQ(test, info.port_id_low,
				lower_32_bits(info.port_id));
		KUNIT_EXPECT_EQ(test, info.reserved, 0);
		prev = info.port_id;
	}
	KUNIT_EXPECT_GT(test, prev, (u64)U32_MAX);
	machipc_space_free(space);
}

static struct kunit_case machipc_names_cases[] = {
	KUNIT_CASE(machipc_names_allocate_test),
	KUNIT_CASE(machipc_names_stale_test),
	KUNIT_CASE(machipc_names_hold_test),
	KUNIT_CASE(machipc_names_send_rights_test),
	KUNIT_CASE(machipc_names_dead_name_test),
	KUNIT_CASE(machipc_names_dead_name_reference_race_test),
	KUNIT_CASE(machipc_names_port_set_test),
	KUNIT_CASE(machipc_names_type_confusion_test),
	KUNIT_CASE(machipc_names_teardown_test),
	KUNIT_CASE(machipc_names_port_id_64_test),
	{}
};

struct kunit_suite machipc_names_suite = {
	.name = "machipc_names",
	.test_cases = machipc_names_cases,
};
