// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the petty-cash accounts: the charge/uncharge boundary table and
 * threads racing to charge near the limit.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/random.h>

#include <linux/machipc.h>

#include "suites.h"
#include "account.h"
#include "notify.h"
#include "xa_cost.h"

#define LIMIT	1000

struct charge_case {
	const char *desc;
	u64 before;	/* usage charged first */
	u64 request;
	int err;
};

static const struct charge_case charge_cases[] = {
	{ "zero at zero", 0, 0, 0 },
	{ "limit-1", 0, LIMIT - 1, 0 },
	{ "exactly the limit", 0, LIMIT, 0 },
	{ "limit+1", 0, LIMIT + 1, -ENOBUFS },
	{ "last byte", LIMIT - 1, 1, 0 },
	{ "one byte over", LIMIT - 1, 2, -ENOBUFS },
	{ "zero at the limit", LIMIT, 0, 0 },
	{ "one byte at the limit", LIMIT, 1, -ENOBUFS },
	{ "overflowing request", 1, U64_MAX, -ENOBUFS },
	{ "s64 overflow", LIMIT, S64_MAX, -ENOBUFS },
};

static void charge_desc(const struct charge_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(charge, charge_cases, charge_desc);

static void machipc_account_charge_test(struct kunit *test)
{
	const struct charge_case *c = test->param_value;
	struct machipc_account *account = machipc_account_create(1, NULL);

	KUNIT_ASSERT_NOT_NULL(test, account);
	account->limit = LIMIT;
	KUNIT_ASSERT_EQ(test, machipc_account_charge(account, c->before), 0);
	KUNIT_EXPECT_EQ(test, machipc_account_charge(account, c->request), c->err);
	if (c->err) {
		/* refused: nothing charged, one failure counted */
		KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage), c->before);
		KUNIT_EXPECT_EQ(test, atomic64_read(&account->failures), 1);
		KUNIT_EXPECT_EQ(test, atomic64_read(&account->hwm), c->before);
	} else {
		KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage),
				c->before + c->request);
		KUNIT_EXPECT_EQ(test, atomic64_read(&account->failures), 0);
		KUNIT_EXPECT_EQ(test, atomic64_read(&account->hwm),
				c->before + c->request);
		machipc_account_uncharge(account, c->request);
	}
	machipc_account_uncharge(account, c->before);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage), 0);
	machipc_account_put(account);
}

/* A limit below the usage only blocks new charges. */
static void machipc_account_lower_limit_test(struct kunit *test)
{
	struct machipc_account *account = machipc_account_create(2, NULL);

	KUNIT_ASSERT_NOT_NULL(test, account);
	account->limit = LIMIT;
	KUNIT_ASSERT_EQ(test, machipc_account_charge(account, 600), 0);
	KUNIT_EXPECT_EQ(test, machipc_account_set_limit(account, 100), 0);
	KUNIT_EXPECT_EQ(test, machipc_account_charge(account, 1), -ENOBUFS);
	machipc_account_uncharge(account, 550);
	KUNIT_EXPECT_EQ(test, machipc_account_charge(account, 50), 0);
	KUNIT_EXPECT_EQ(test, machipc_account_charge(account, 1), -ENOBUFS);
	machipc_account_uncharge(account, 100);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->hwm), 600);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->failures), 2);
	machipc_account_put(account);
}

/*
 * A send-once notification is reserved when the right is made: a charge
 * like any, refused at the limit, never past it, refunded to the byte.
 */
static void machipc_send_once_reserve_test(struct kunit *test)
{
	struct machipc_account *account = machipc_account_create(3, NULL), *r;
	size_t cost = machipc_notify_send_once_cost();
	u64 n = 0;

	KUNIT_ASSERT_NOT_NULL(test, account);
	account->limit = 10 * cost + cost / 2;
	while (!IS_ERR(r = machipc_notify_reserve_send_once(account))) {
		KUNIT_ASSERT_PTR_EQ(test, r, account);
		n++;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(r), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, n, 10);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage), 10 * cost);
	KUNIT_EXPECT_LE(test, atomic64_read(&account->hwm), account->limit);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->failures), 1);
	while (n--)
		machipc_notify_unreserve_send_once(account);
	KUNIT_EXPECT_EQ(test, atomic64_read(&account->usage), 0);
	machipc_notify_unreserve_send_once(NULL);
	machipc_account_put(account);
}

#define RACERS		4
#define RACE_ROUNDS	20000

struct race {
	struct machipc_account *account;
	struct completion done[RACERS];
	atomic_t over_limit;
	atomic_t below_zero;
	atomic_t charged;
};

/*
 * Each racer holds up to two charges of a third to two thirds of the limit
 * at once, so the racers (and each racer alone) keep running into it.
 */
static void machipc_account_racer(struct race *race)
{
	struct machipc_account *account = race->account;
	u64 held[2] = {};
	unsigned int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		unsigned int slot = i & 1;
		u64 bytes = LIMIT / 3 + get_random_u32_below(LIMIT / 3);

		if (held[slot]) {
			machipc_account_uncharge(account, held[slot]);
			held[slot] = 0;
			if (atomic64_read(&account->usage) < 0)
				atomic_inc(&race->below_zero);
		}
		if (machipc_account_charge(account, bytes))
			continue;
		held[slot] = bytes;
		atomic_inc(&race->charged);
		if (atomic64_read(&account->usage) > LIMIT)
			atomic_inc(&race->over_limit);
		if (!(i % 256))
			cond_resched();
	}
	machipc_account_uncharge(account, held[0]);
	machipc_account_uncharge(account, held[1]);
}

struct racer_arg {
	struct race *race;
	struct completion *done;
};

static int machipc_account_racer_main(void *data)
{
	struct racer_arg *arg = data;

	machipc_account_racer(arg->race);
	complete(arg->done);
	return 0;
}

/* Racing charges near the limit: never over it, never below zero. */
static void machipc_account_race_test(struct kunit *test)
{
	struct racer_arg args[RACERS];
	struct race *race;
	int i;

	race = kunit_kzalloc(test, sizeof(*race), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, race);
	race->account = machipc_account_create(3, NULL);
	KUNIT_ASSERT_NOT_NULL(test, race->account);
	race->account->limit = LIMIT;

	for (i = 0; i < RACERS; i++) {
		struct task_struct *t;

		init_completion(&race->done[i]);
		args[i].race = race;
		args[i].done = &race->done[i];
		t = kthread_run(machipc_account_racer_main, &args[i],
				"machipc-race-%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	for (i = 0; i < RACERS; i++)
		wait_for_completion(&race->done[i]);

	KUNIT_EXPECT_EQ(test, atomic_read(&race->over_limit), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&race->below_zero), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&race->charged), 0);
	KUNIT_EXPECT_GT(test, atomic64_read(&race->account->failures), 0);
	KUNIT_EXPECT_LE(test, atomic64_read(&race->account->hwm), LIMIT);
	KUNIT_EXPECT_EQ(test, atomic64_read(&race->account->usage), 0);
	machipc_account_put(race->account);
}

/*
 * A space account under a process account: a charge must fit both; the
 * parent's refusal changes neither and counts in both failures.
 */
static void machipc_account_parent_test(struct kunit *test)
{
	struct machipc_account *parent = machipc_account_create(4, NULL);
	struct machipc_account *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, parent);
	parent->limit = LIMIT;
	a = machipc_account_create(5, machipc_account_get(parent));
	b = machipc_account_create(6, machipc_account_get(parent));
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	a->limit = LIMIT;
	b->limit = LIMIT;

	KUNIT_EXPECT_EQ(test, machipc_account_charge(a, 600), 0);
	KUNIT_EXPECT_EQ(test, machipc_account_charge(b, 600), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->usage), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b->failures), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->failures), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->usage), 600);
	KUNIT_EXPECT_EQ(test, machipc_account_charge(b, 400), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->usage), LIMIT);
	/* the child's own limit: the parent is refunded */
	a->limit = 600;
	parent->limit = 2 * LIMIT;
	KUNIT_EXPECT_EQ(test, machipc_account_charge(a, 1), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->usage), LIMIT);
	machipc_account_charge_force(a, 10);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->usage), LIMIT + 10);
	machipc_account_uncharge(a, 610);
	machipc_account_uncharge(b, 400);
	KUNIT_EXPECT_EQ(test, atomic64_read(&parent->usage), 0);
	machipc_account_put(a);
	machipc_account_put(b);
	machipc_account_put(parent);
}

/* What MACHIPC_IOC_ACCOUNT runs: report, check, then apply the limits. */
static void machipc_account_query_test(struct kunit *test)
{
	struct machipc_account *process = machipc_account_create(7, NULL);
	struct machipc_account *space;
	struct machipc_account_info info = {};

	KUNIT_ASSERT_NOT_NULL(test, process);
	space = machipc_account_create(8, machipc_account_get(process));
	KUNIT_ASSERT_NOT_NULL(test, space);
	space->limit = LIMIT;
	process->limit = 2 * LIMIT;
	KUNIT_EXPECT_EQ(test, machipc_account_charge(space, 100), 0);
	KUNIT_EXPECT_EQ(test, machipc_account_charge(space, LIMIT), -ENOBUFS);

	KUNIT_EXPECT_EQ(test, machipc_account_query(space, process, &info), 0);
	KUNIT_EXPECT_EQ(test, info.usage, 100);
	KUNIT_EXPECT_EQ(test, info.hwm, 100);
	KUNIT_EXPECT_EQ(test, info.failures, 1);
	KUNIT_EXPECT_EQ(test, info.limit, LIMIT);
	KUNIT_EXPECT_EQ(test, info.process_usage, 100);
	KUNIT_EXPECT_EQ(test, info.process_limit, 2 * LIMIT);

	/* A query changes nothing; the apply sets what it accepted. */
	info = (struct machipc_account_info){
		.flags = MACHIPC_ACCOUNT_SET_LIMIT |
			 MACHIPC_ACCOUNT_SET_PROCESS_LIMIT,
		.limit = 50, .process_limit = 60,
	};
	KUNIT_EXPECT_EQ(test, machipc_account_query(space, process, &info), 0);
	KUNIT_EXPECT_EQ(test, space->limit, LIMIT);
	KUNIT_EXPECT_EQ(test, info.limit, 50);
	machipc_account_apply(space, process, &info);
	KUNIT_EXPECT_EQ(test, space->limit, 50);
	KUNIT_EXPECT_EQ(test, process->limit, 60);
	/* Lowered below the usage: new charges fail, the usage stays. */
	KUNIT_EXPECT_EQ(test, machipc_account_charge(space, 1), -ENOBUFS);
	KUNIT_EXPECT_EQ(test, atomic64_read(&space->usage), 100);

	machipc_account_uncharge(space, 100);
	machipc_account_put(space);
	machipc_account_put(process);
}

/* The index nodes an entry is alone in, level by level. */
static void machipc_xa_nodes_alone_test(struct kunit *test)
{
	struct xarray xa;
	void *v = xa_mk_value(1);

	/*
	 * Not DEFINE_XARRAY(): on the stack, its lock's key would not be
	 * static, and lockdep turns itself off for the rest of the boot.
	 */
	xa_init(&xa);
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 1), MACHIPC_XA_LEVELS);
	KUNIT_ASSERT_EQ(test, xa_err(xa_store(&xa, 1, v, GFP_KERNEL)), 0);
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 1), MACHIPC_XA_LEVELS);
	/* a neighbour in the same leaf: nothing of its own */
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 63), 0);
	/* the next leaf, same run of 4096: one leaf */
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 64), 1);
	/* the next run of 4096: a leaf and its parent */
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 4096), 2);
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 0xfffffffeUL),
			MACHIPC_XA_LEVELS);
	KUNIT_ASSERT_EQ(test, xa_err(xa_store(&xa, 2, v, GFP_KERNEL)), 0);
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 1), 0);
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 2), 0);
	/* reserved entries (the allocator's hold) count as entries */
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 65), 1);
	KUNIT_ASSERT_EQ(test, xa_reserve(&xa, 127, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 65), 0);
	KUNIT_EXPECT_EQ(test, machipc_xa_nodes_alone(&xa, 127), 1);
	xa_destroy(&xa);
}

static struct kunit_case machipc_account_cases[] = {
	KUNIT_CASE(machipc_account_parent_test),
	KUNIT_CASE(machipc_xa_nodes_alone_test),
	KUNIT_CASE(machipc_account_query_test),
	KUNIT_CASE_PARAM(machipc_account_charge_test, charge_gen_params),
	KUNIT_CASE(machipc_account_lower_limit_test),
	KUNIT_CASE(machipc_send_once_reserve_test),
	KUNIT_CASE_SLOW(machipc_account_race_test),
	{}
};

struct kunit_suite machipc_account_suite = {
	.name = "machipc_account",
	.test_cases = machipc_account_cases,
};
