// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the out-of-line transfer's state machine (xfer.c), through the
 * functions xfer.c exports and nothing else: the test plays the sender
 * (a message with one out-of-line region, queued on a real port) and the
 * receiver (a copier), and reads the state under the port lock.  Covered:
 * the claim and what refuses it, giving the claim back, busy and idle
 * sections, fault-in requests, the commit and an abort recorded while
 * committing, failures from either side and the port's death, and the
 * transitions each state refuses (a refused one changes nothing).
 *
 * Nothing here touches user memory: the regions are never read, and the
 * kunit thread has no mm, so the transfer is not watched.
 */

#include <kunit/test.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/wait.h>

#include <linux/machipc.h>

#include "suites.h"

#include "msg.h"
#include "port.h"
#include "space.h"
#include "xfer.h"

#define TEST_REGION_ADDR	0x100000ULL
#define TEST_REGION_SIZE	8192ULL
#define TEST_RCV_SIZE		4096U
#define TEST_TRAILER_SIZE	((u32)sizeof(struct machipc_msg_trailer))

struct test_fix {
	struct kunit *test;
	struct machipc_space *sender;
	struct machipc_space *receiver;
	struct machipc_port *port;
};

/* A snapshot of a transfer, read under its port's lock. */
struct test_xstate {
	enum machipc_xfer_state state;
	int err;
	int abort_err;
	bool busy;
	bool queued;
	struct machipc_copier *copier;
};

static void test_fix_init(struct kunit *test, struct test_fix *fx)
{
	fx->test = test;
	fx->sender = machipc_space_create();
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(fx->sender));
	fx->receiver = machipc_space_create();
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(fx->receiver));
	fx->port = machipc_port_create(fx->receiver);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(fx->port));
}

static void test_fix_exit(struct test_fix *fx)
{
	KUNIT_EXPECT_EQ(fx->test, kref_read(&fx->port->ref), 1);
	machipc_port_put(fx->port);
	machipc_space_free(fx->receiver);
	machipc_space_free(fx->sender);
}

/*
 * The sender's message: one out-of-line region of @size bytes, with its
 * transfer (charged to the sender's space) pointed at the port; queued if
 * @queue, as the send queues it once it has reserved a slot.
 */
static struct machipc_msg *test_ool_msg(struct test_fix *fx, u64 size,
					bool queue)
{
	struct kunit *test = fx->test;
	struct {
		struct machipc_msg_header hdr;
		struct machipc_msg_desc desc;
	} *body;
	struct machipc_xfer *xfer;
	struct machipc_msg *msg;

	body = kunit_kzalloc(test, sizeof(*body), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, body);
	body->hdr.size = sizeof(*body);
	body->hdr.desc_count = 1;
	body->desc.type = MACHIPC_DESC_OOL;
	body->desc.address = TEST_REGION_ADDR;
	body->desc.size = size;

	msg = kunit_kzalloc(test, sizeof(*msg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	msg->rights = kunit_kcalloc(test, MACHIPC_KRIGHT_DESC + 1,
				    sizeof(*msg->rights), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg->rights);
	msg->nrights = MACHIPC_KRIGHT_DESC + 1;
	msg->body = body;
	msg->size = sizeof(*body);
	INIT_LIST_HEAD(&msg->link);

	xfer = machipc_xfer_alloc(msg, fx->sender->account);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(xfer));
	KUNIT_EXPECT_EQ(test, xfer->state, MACHIPC_XFER_QUEUED);
	KUNIT_EXPECT_EQ(test, xfer->ool.count, 1);
	KUNIT_EXPECT_EQ(test, xfer->ool.bytes, size);
	KUNIT_EXPECT_FALSE(test, xfer->watching);
	machipc_xfer_target(xfer, fx->port, fx->sender);
	msg->xfer = xfer;
	if (queue)
		KUNIT_ASSERT_TRUE(test, machipc_port_enqueue_kernel(fx->port,
								    msg));
	return msg;
}

/* The sender returns: its message is off the queue, its transfer freed. */
static void test_ool_done(struct test_fix *fx, struct machipc_msg *msg)
{
	KUNIT_EXPECT_NULL(fx->test, msg->xfer->copier);
	if (!list_empty(&msg->link)) {
		mutex_lock(&fx->receiver->lock);
		machipc_port_dequeue(fx->port, msg);
		mutex_unlock(&fx->receiver->lock);
	}
	machipc_xfer_free(msg->xfer);
	msg->xfer = NULL;
}

/* A receiver's copier with @nbufs buffers of @size bytes each. */
static struct machipc_copier *test_copier(struct kunit *test, u32 nbufs,
					  u64 size)
{
	struct machipc_copier *copier;
	u32 i;

	copier = kunit_kzalloc(test, sizeof(*copier), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copier);
	init_waitqueue_head(&copier->wait);
	copier->nbufs = nbufs;
	for (i = 0; i < nbufs; i++) {
		copier->bufs[i].address = 0x200000 + i * size;
		copier->bufs[i].size = size;
	}
	return copier;
}

static struct test_xstate test_xstate(struct test_fix *fx,
				      struct machipc_msg *msg)
{
	struct machipc_xfer *xfer = msg->xfer;
	struct test_xstate x;

	spin_lock(&fx->port->lock);
	x.state = xfer->state;
	x.err = xfer->err;
	x.abort_err = xfer->abort_err;
	x.busy = xfer->busy;
	x.copier = xfer->copier;
	x.queued = !list_empty(&msg->link);
	spin_unlock(&fx->port->lock);
	return x;
}

static u32 test_msgcount(struct test_fix *fx)
{
	u32 n;

	spin_lock(&fx->port->lock);
	n = fx->port->msgcount;
	spin_unlock(&fx->port->lock);
	return n;
}

static int test_claim(struct test_fix *fx, struct machipc_copier *copier,
		      bool destroy, struct machipc_ool_report *report)
{
	struct machipc_ool_report dummy;
	int err;

	mutex_lock(&fx->receiver->lock);
	err = machipc_copier_claim(copier, fx->port, TEST_RCV_SIZE,
				   TEST_TRAILER_SIZE, destroy,
				   report ? report : &dummy);
	mutex_unlock(&fx->receiver->lock);
	return err;
}

/* The sender's side gives up (signal, deadline): under the port lock. */
static void test_fail(struct test_fix *fx, struct machipc_msg *msg, int err,
		      enum machipc_abort_reason reason)
{
	spin_lock(&fx->port->lock);
	machipc_xfer_fail_locked(msg->xfer, err, reason);
	spin_unlock(&fx->port->lock);
}

static enum machipc_commit_start
test_begin_commit(struct test_fix *fx, struct machipc_copier *copier,
		  struct machipc_space *space)
{
	enum machipc_commit_start err;

	KUNIT_ASSERT_EQ(fx->test, machipc_space_lock_pair(space, fx->sender), 0);
	err = machipc_copier_begin_commit(copier, space, NULL);
	machipc_space_unlock_pair(space, fx->sender);
	return err;
}

static void test_end_commit(struct test_fix *fx, struct machipc_copier *copier,
			    int err)
{
	KUNIT_ASSERT_EQ(fx->test,
			machipc_space_lock_pair(fx->receiver, fx->sender), 0);
	machipc_copier_end_commit(copier, err);
	machipc_space_unlock_pair(fx->receiver, fx->sender);
}

/* Claimed and linked to @copier, being copied, still queued. */
static void test_expect_copying(struct test_fix *fx, struct machipc_msg *msg,
				struct machipc_copier *copier)
{
	struct test_xstate x = test_xstate(fx, msg);

	KUNIT_EXPECT_EQ(fx->test, x.state, MACHIPC_XFER_COPYING);
	KUNIT_EXPECT_PTR_EQ(fx->test, x.copier, copier);
	KUNIT_EXPECT_PTR_EQ(fx->test, copier->xfer, msg->xfer);
	KUNIT_EXPECT_TRUE(fx->test, x.queued);
	KUNIT_EXPECT_TRUE(fx->test, machipc_xfer_linked(copier));
}

/*
 * QUEUED --claim--> COPYING --unclaim--> QUEUED: one copier at a time,
 * the claimed head hidden from other receivers meanwhile, the claim's
 * references dropped when it is given back.
 */
static void machipc_xfer_claim_test(struct kunit *test)
{
	struct machipc_copier *c1, *c2;
	struct machipc_ool_report report = {};
	struct machipc_msg *msg;
	struct test_xstate x;
	struct test_fix fx;
	unsigned int refs;

	test_fix_init(test, &fx);
	c1 = test_copier(test, 1, TEST_REGION_SIZE);
	c2 = test_copier(test, 1, TEST_REGION_SIZE);

	/* nothing queued */
	KUNIT_EXPECT_EQ(test, test_claim(&fx, c1, false, &report), -EAGAIN);
	KUNIT_EXPECT_NULL(test, c1->xfer);

	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	KUNIT_EXPECT_TRUE(test, machipc_port_rcv_ready(fx.port));
	refs = kref_read(&fx.port->ref);

	KUNIT_ASSERT_EQ(test, test_claim(&fx, c1, false, &report), 0);
	test_expect_copying(&fx, msg, c1);
	KUNIT_EXPECT_PTR_EQ(test, c1->port, fx.port);
	KUNIT_EXPECT_PTR_EQ(test, c1->sender, fx.sender);
	KUNIT_EXPECT_PTR_EQ(test, c1->msg, msg);
	KUNIT_EXPECT_EQ(test, c1->id, msg->xfer->id);
	KUNIT_EXPECT_EQ(test, c1->nregions, 1);
	KUNIT_EXPECT_EQ(test, c1->regions[0].src, TEST_REGION_ADDR);
	KUNIT_EXPECT_EQ(test, c1->regions[0].size, TEST_REGION_SIZE);
	KUNIT_EXPECT_EQ(test, report.count, 1);
	KUNIT_EXPECT_EQ(test, report.needed, msg->size + TEST_TRAILER_SIZE);
	KUNIT_EXPECT_EQ(test, kref_read(&fx.port->ref), refs + 1);
	/* the claimed head holds everyone up */
	KUNIT_EXPECT_FALSE(test, machipc_port_rcv_ready(fx.port));

	/* a second claim is refused and changes nothing */
	KUNIT_EXPECT_EQ(test, test_claim(&fx, c2, false, &report), -EAGAIN);
	KUNIT_EXPECT_NULL(test, c2->xfer);
	KUNIT_EXPECT_NULL(test, c2->port);
	test_expect_copying(&fx, msg, c1);

	/* given back: queued again, unlinked, references dropped */
	machipc_copier_unclaim(c1, -EAGAIN);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_QUEUED);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_TRUE(test, x.queued);
	KUNIT_EXPECT_NULL(test, c1->xfer);
	KUNIT_EXPECT_NULL(test, c1->port);
	KUNIT_EXPECT_NULL(test, c1->sender);
	KUNIT_EXPECT_EQ(test, kref_read(&fx.port->ref), refs);
	KUNIT_EXPECT_TRUE(test, machipc_port_rcv_ready(fx.port));

	/* and claimable again; a receiver's own error gives it back too */
	KUNIT_ASSERT_EQ(test, test_claim(&fx, c2, false, &report), 0);
	test_expect_copying(&fx, msg, c2);
	machipc_copier_unclaim(c2, -ENOMEM);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_QUEUED);
	KUNIT_EXPECT_EQ(test, x.err, 0);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_TRUE(test, x.queued);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 1);

	test_ool_done(&fx, msg);
	test_fix_exit(&fx);
}

/*
 * A claim the receive's buffers cannot take is refused with -EMSGSIZE and
 * the message stays queued, unclaimed -- unless the receive destroys what
 * is too large: then the transfer fails (-EMSGSIZE for its sender), the
 * message leaves the queue taking its sequence number.  A message that is
 * not out-of-line cannot be claimed.
 */
static void machipc_xfer_claim_refused_test(struct kunit *test)
{
	struct machipc_ool_report report;
	struct machipc_copier *small, *none, *fits;
	struct machipc_msg *msg, *plain;
	struct test_xstate x;
	struct test_fix fx;
	u64 seqno;
	int err;

	test_fix_init(test, &fx);
	small = test_copier(test, 1, TEST_REGION_SIZE - 1);
	none = test_copier(test, 0, 0);
	fits = test_copier(test, 1, TEST_REGION_SIZE);

	/* an ordinary message at the head */
	plain = test_ool_msg(&fx, TEST_REGION_SIZE, false);
	machipc_xfer_free(plain->xfer);
	plain->xfer = NULL;
	KUNIT_ASSERT_TRUE(test, machipc_port_enqueue_kernel(fx.port, plain));
	KUNIT_EXPECT_EQ(test, test_claim(&fx, fits, false, &report), -EAGAIN);
	KUNIT_EXPECT_NULL(test, fits->xfer);
	mutex_lock(&fx.receiver->lock);
	machipc_port_dequeue(fx.port, plain);
	mutex_unlock(&fx.receiver->lock);

	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);

	/* a buffer one byte short, no buffer, no copier at all */
	memset(&report, 0, sizeof(report));
	KUNIT_EXPECT_EQ(test, test_claim(&fx, small, false, &report), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, report.count, 1);
	KUNIT_EXPECT_EQ(test, report.needed, msg->size + TEST_TRAILER_SIZE);
	KUNIT_EXPECT_EQ(test, test_claim(&fx, none, false, &report), -EMSGSIZE);
	memset(&report, 0, sizeof(report));
	KUNIT_EXPECT_EQ(test, test_claim(&fx, NULL, false, &report), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, report.count, 1);
	/* a receive buffer too small for the message itself */
	mutex_lock(&fx.receiver->lock);
	err = machipc_copier_claim(fits, fx.port, msg->size, TEST_TRAILER_SIZE,
				   false, &report);
	mutex_unlock(&fx.receiver->lock);
	KUNIT_EXPECT_EQ(test, err, -EMSGSIZE);

	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_QUEUED);
	KUNIT_EXPECT_EQ(test, x.err, 0);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_TRUE(test, x.queued);
	KUNIT_EXPECT_NULL(test, small->xfer);
	KUNIT_EXPECT_NULL(test, none->xfer);
	KUNIT_EXPECT_NULL(test, fits->xfer);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 1);

	/* destroyed as too large */
	seqno = fx.port->seqno;
	KUNIT_EXPECT_EQ(test, test_claim(&fx, small, true, &report), -EMSGSIZE);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -EMSGSIZE);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_NULL(test, small->xfer);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 0);
	KUNIT_EXPECT_EQ(test, fx.port->seqno, seqno + 1);
	/* nothing left to claim */
	KUNIT_EXPECT_EQ(test, test_claim(&fx, fits, false, &report), -EAGAIN);
	KUNIT_EXPECT_NULL(test, fits->xfer);

	test_ool_done(&fx, msg);
	test_fix_exit(&fx);
}

/*
 * QUEUED --fail--> FAILED: the sender gives up before any receiver
 * claimed the message; it leaves the queue once, and a failed transfer
 * refuses every later failure (the first error stays) and every claim.
 */
static void machipc_xfer_fail_queued_test(struct kunit *test)
{
	struct machipc_copier *copier;
	struct machipc_msg *msg;
	struct test_xstate x;
	struct test_fix fx;

	test_fix_init(test, &fx);
	copier = test_copier(test, 1, TEST_REGION_SIZE);
	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 1);

	test_fail(&fx, msg, -ETIMEDOUT, MACHIPC_ABORT_TIMEOUT);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, x.abort_err, 0);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 0);

	/* again: refused, the slot is not given back twice */
	test_fail(&fx, msg, -ERESTARTSYS, MACHIPC_ABORT_SIGNAL);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 0);

	KUNIT_EXPECT_EQ(test, test_claim(&fx, copier, false, NULL), -EAGAIN);
	KUNIT_EXPECT_NULL(test, copier->xfer);

	test_ool_done(&fx, msg);
	test_fix_exit(&fx);
}

/*
 * Busy and idle sections, and failures while copying.  A sender's abort
 * during a busy section fails the transfer at once but leaves the copier
 * linked (its pages may be pinned) until it goes idle, which unlinks it
 * and says -EAGAIN; an idle copier is unlinked at once.  A failed transfer
 * refuses busy sections and fault requests, and giving the claim back
 * does not queue it again.
 */
static void machipc_xfer_busy_idle_test(struct kunit *test)
{
	struct machipc_copier *copier;
	struct machipc_xfer *xfer;
	struct machipc_msg *msg;
	struct test_xstate x;
	struct test_fix fx;

	test_fix_init(test, &fx);
	copier = test_copier(test, 1, TEST_REGION_SIZE);
	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	KUNIT_ASSERT_EQ(test, test_claim(&fx, copier, false, NULL), 0);

	xfer = machipc_xfer_busy(copier);
	KUNIT_EXPECT_PTR_EQ(test, xfer, msg->xfer);
	KUNIT_EXPECT_TRUE(test, test_xstate(&fx, msg).busy);
	KUNIT_EXPECT_EQ(test, machipc_xfer_idle(copier, xfer, 7), 7);
	KUNIT_EXPECT_FALSE(test, test_xstate(&fx, msg).busy);
	test_expect_copying(&fx, msg, copier);

	/* the sender gives up while the copier is busy */
	KUNIT_ASSERT_PTR_EQ(test, machipc_xfer_busy(copier), msg->xfer);
	test_fail(&fx, msg, -ERESTARTSYS, MACHIPC_ABORT_SIGNAL);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -ERESTARTSYS);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_TRUE(test, x.busy);
	KUNIT_EXPECT_PTR_EQ(test, x.copier, copier);
	KUNIT_EXPECT_PTR_EQ(test, copier->xfer, msg->xfer);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 0);
	/* no more work on it */
	KUNIT_EXPECT_FALSE(test, machipc_xfer_ask_fault(copier));
	KUNIT_EXPECT_TRUE(test, machipc_xfer_fault_served(copier));
	KUNIT_EXPECT_EQ(test, machipc_xfer_idle(copier, msg->xfer, 0), -EAGAIN);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_FALSE(test, x.busy);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_NULL(test, copier->xfer);
	KUNIT_EXPECT_FALSE(test, machipc_xfer_linked(copier));
	KUNIT_EXPECT_NULL(test, machipc_xfer_busy(copier));
	/* still failed after the claim is given back */
	machipc_copier_unclaim(copier, -EAGAIN);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -ERESTARTSYS);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_NULL(test, copier->port);
	test_ool_done(&fx, msg);

	/* while idle: unlinked at once */
	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	KUNIT_ASSERT_EQ(test, test_claim(&fx, copier, false, NULL), 0);
	test_fail(&fx, msg, -ETIMEDOUT, MACHIPC_ABORT_TIMEOUT);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_NULL(test, copier->xfer);
	KUNIT_EXPECT_NULL(test, machipc_xfer_busy(copier));
	machipc_copier_unclaim(copier, -EAGAIN);
	KUNIT_EXPECT_EQ(test, test_xstate(&fx, msg).state, MACHIPC_XFER_FAILED);
	test_ool_done(&fx, msg);

	test_fix_exit(&fx);
}

/*
 * Fault-in requests go to the sender only while the transfer is being
 * copied; the copier's own failure on the sender's behalf (its data
 * cannot be read) fails the transfer and unlinks, keeping the claim's
 * references for the unclaim.
 */
static void machipc_xfer_fault_test(struct kunit *test)
{
	struct machipc_copier *copier;
	struct machipc_msg *msg;
	struct test_xstate x;
	struct test_fix fx;
	unsigned int refs;

	test_fix_init(test, &fx);
	copier = test_copier(test, 1, TEST_REGION_SIZE);
	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	refs = kref_read(&fx.port->ref);
	KUNIT_ASSERT_EQ(test, test_claim(&fx, copier, false, NULL), 0);

	KUNIT_EXPECT_TRUE(test, machipc_xfer_fault_served(copier));
	copier->fault_addr = TEST_REGION_ADDR + 4096;
	copier->fault_len = 4096;
	KUNIT_EXPECT_TRUE(test, machipc_xfer_ask_fault(copier));
	spin_lock(&fx.port->lock);
	KUNIT_EXPECT_TRUE(test, msg->xfer->fault_pending);
	KUNIT_EXPECT_EQ(test, msg->xfer->fault_seq, 1);
	KUNIT_EXPECT_EQ(test, msg->xfer->fault_addr, TEST_REGION_ADDR + 4096);
	KUNIT_EXPECT_EQ(test, msg->xfer->fault_len, 4096);
	spin_unlock(&fx.port->lock);
	KUNIT_EXPECT_FALSE(test, machipc_xfer_fault_served(copier));
	KUNIT_EXPECT_TRUE(test, machipc_xfer_ask_fault(copier));
	spin_lock(&fx.port->lock);
	KUNIT_EXPECT_EQ(test, msg->xfer->fault_seq, 2);
	spin_unlock(&fx.port->lock);
	test_expect_copying(&fx, msg, copier);

	machipc_copier_fail(copier, -EFAULT, MACHIPC_ABORT_FAULT);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -EFAULT);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_NULL(test, copier->xfer);
	KUNIT_EXPECT_PTR_EQ(test, copier->port, fx.port);
	KUNIT_EXPECT_EQ(test, kref_read(&fx.port->ref), refs + 1);
	/* the request ends with the transfer */
	KUNIT_EXPECT_TRUE(test, machipc_xfer_fault_served(copier));
	KUNIT_EXPECT_FALSE(test, machipc_xfer_ask_fault(copier));
	/* failing again changes nothing */
	machipc_copier_fail(copier, -ENOMEM, MACHIPC_ABORT_SPACE);
	KUNIT_EXPECT_EQ(test, test_xstate(&fx, msg).err, -EFAULT);

	machipc_copier_unclaim(copier, -EAGAIN);
	KUNIT_EXPECT_EQ(test, test_xstate(&fx, msg).state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, kref_read(&fx.port->ref), refs);
	test_ool_done(&fx, msg);
	test_fix_exit(&fx);
}

/*
 * COPYING --begin_commit--> COMMITTING --end_commit(0)--> DONE.  While
 * committing, the sender's abort is only recorded (the first one), the
 * message stays queued and no busy section or fault request is allowed;
 * once DONE, nothing fails it, claims it or commits it again.
 */
static void machipc_xfer_commit_test(struct kunit *test)
{
	struct machipc_copier *copier;
	struct machipc_msg *msg;
	struct test_xstate x;
	struct test_fix fx;

	test_fix_init(test, &fx);
	copier = test_copier(test, 1, TEST_REGION_SIZE);
	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	KUNIT_ASSERT_EQ(test, test_claim(&fx, copier, false, NULL), 0);

	KUNIT_ASSERT_EQ(test, test_begin_commit(&fx, copier, fx.receiver),
			MACHIPC_COMMIT_STARTED);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_COMMITTING);
	KUNIT_EXPECT_PTR_EQ(test, x.copier, copier);

	test_fail(&fx, msg, -ERESTARTSYS, MACHIPC_ABORT_SIGNAL);
	test_fail(&fx, msg, -ETIMEDOUT, MACHIPC_ABORT_TIMEOUT);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_COMMITTING);
	KUNIT_EXPECT_EQ(test, x.abort_err, -ERESTARTSYS);
	KUNIT_EXPECT_EQ(test, x.err, 0);
	KUNIT_EXPECT_TRUE(test, x.queued);
	KUNIT_EXPECT_PTR_EQ(test, x.copier, copier);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 1);
	KUNIT_EXPECT_NULL(test, machipc_xfer_busy(copier));
	KUNIT_EXPECT_FALSE(test, machipc_xfer_ask_fault(copier));
	KUNIT_EXPECT_TRUE(test, machipc_xfer_fault_served(copier));

	test_end_commit(&fx, copier, 0);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_DONE);
	KUNIT_EXPECT_EQ(test, x.err, 0);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_NULL(test, copier->xfer);
	/* the receiver dequeues it itself */
	KUNIT_EXPECT_TRUE(test, x.queued);

	/* DONE refuses everything */
	test_fail(&fx, msg, -EPIPE, MACHIPC_ABORT_DEAD);
	KUNIT_EXPECT_EQ(test, test_begin_commit(&fx, copier, fx.receiver),
			MACHIPC_COMMIT_LOST);
	machipc_copier_unclaim(copier, -EAGAIN);
	KUNIT_EXPECT_EQ(test, test_claim(&fx, copier, false, NULL), -EAGAIN);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_DONE);
	KUNIT_EXPECT_EQ(test, x.err, 0);
	KUNIT_EXPECT_TRUE(test, x.queued);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 1);

	test_ool_done(&fx, msg);
	test_fix_exit(&fx);
}

/*
 * A commit that fails: on the receiver's side (-EAGAIN) the transfer goes
 * back to COPYING, still claimed -- unless an abort was recorded during
 * the commit, which takes effect then; on the sender's side (its rights)
 * the transfer fails with that error, recorded abort or not.
 */
static void machipc_xfer_commit_fail_test(struct kunit *test)
{
	struct machipc_copier *copier;
	struct machipc_msg *msg;
	struct test_xstate x;
	struct test_fix fx;

	test_fix_init(test, &fx);
	copier = test_copier(test, 1, TEST_REGION_SIZE);

	/* receiver's side, no abort: copying again */
	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	KUNIT_ASSERT_EQ(test, test_claim(&fx, copier, false, NULL), 0);
	KUNIT_ASSERT_EQ(test, test_begin_commit(&fx, copier, fx.receiver),
			MACHIPC_COMMIT_STARTED);
	test_end_commit(&fx, copier, -EAGAIN);
	test_expect_copying(&fx, msg, copier);
	KUNIT_EXPECT_EQ(test, test_xstate(&fx, msg).err, 0);
	/* and a second commit may follow */
	KUNIT_ASSERT_EQ(test, test_begin_commit(&fx, copier, fx.receiver),
			MACHIPC_COMMIT_STARTED);
	KUNIT_EXPECT_EQ(test, test_xstate(&fx, msg).state,
			MACHIPC_XFER_COMMITTING);
	test_end_commit(&fx, copier, -EAGAIN);

	/* receiver's side with an abort recorded: it takes effect */
	KUNIT_ASSERT_EQ(test, test_begin_commit(&fx, copier, fx.receiver),
			MACHIPC_COMMIT_STARTED);
	test_fail(&fx, msg, -ETIMEDOUT, MACHIPC_ABORT_TIMEOUT);
	KUNIT_EXPECT_EQ(test, test_xstate(&fx, msg).state,
			MACHIPC_XFER_COMMITTING);
	test_end_commit(&fx, copier, -EAGAIN);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_NULL(test, copier->xfer);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 0);
	machipc_copier_unclaim(copier, -EAGAIN);
	KUNIT_EXPECT_EQ(test, test_xstate(&fx, msg).state, MACHIPC_XFER_FAILED);
	test_ool_done(&fx, msg);

	/* sender's side: its rights' error, over a recorded abort */
	msg = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	KUNIT_ASSERT_EQ(test, test_claim(&fx, copier, false, NULL), 0);
	KUNIT_ASSERT_EQ(test, test_begin_commit(&fx, copier, fx.receiver),
			MACHIPC_COMMIT_STARTED);
	test_fail(&fx, msg, -ERESTARTSYS, MACHIPC_ABORT_SIGNAL);
	test_end_commit(&fx, copier, -EACCES);
	x = test_xstate(&fx, msg);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -EACCES);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_NULL(test, x.copier);
	KUNIT_EXPECT_NULL(test, copier->xfer);
	machipc_copier_unclaim(copier, -EAGAIN);
	test_ool_done(&fx, msg);

	test_fix_exit(&fx);
}

/*
 * begin_commit refuses (-EAGAIN, nothing changed) when the receive right
 * is no longer where the claim found it, and once the transfer is no
 * longer being copied: here because the port died, which fails every
 * transfer still queued on it with -EPIPE and leaves ordinary messages to
 * be destroyed with it.
 */
static void machipc_xfer_port_dead_test(struct kunit *test)
{
	struct machipc_copier *copier;
	struct machipc_msg *m1, *m2, *plain, *m, *tmp;
	struct test_xstate x;
	struct test_fix fx;
	LIST_HEAD(doomed);
	u32 n = 0;

	test_fix_init(test, &fx);
	copier = test_copier(test, 1, TEST_REGION_SIZE);
	m1 = test_ool_msg(&fx, TEST_REGION_SIZE, true);
	plain = test_ool_msg(&fx, 0, false);
	machipc_xfer_free(plain->xfer);
	plain->xfer = NULL;
	KUNIT_ASSERT_TRUE(test, machipc_port_enqueue_kernel(fx.port, plain));
	m2 = test_ool_msg(&fx, 0, true);
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 3);

	KUNIT_ASSERT_EQ(test, test_claim(&fx, copier, false, NULL), 0);
	/* the receive right is elsewhere: refused */
	KUNIT_EXPECT_EQ(test, test_begin_commit(&fx, copier, fx.sender),
			MACHIPC_COMMIT_LOST);
	test_expect_copying(&fx, m1, copier);

	spin_lock(&fx.port->lock);
	machipc_xfers_fail_port_locked(fx.port);
	spin_unlock(&fx.port->lock);
	x = test_xstate(&fx, m1);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -EPIPE);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_NULL(test, x.copier);
	x = test_xstate(&fx, m2);
	KUNIT_EXPECT_EQ(test, x.state, MACHIPC_XFER_FAILED);
	KUNIT_EXPECT_EQ(test, x.err, -EPIPE);
	KUNIT_EXPECT_FALSE(test, x.queued);
	KUNIT_EXPECT_FALSE(test, list_empty(&plain->link));
	KUNIT_EXPECT_EQ(test, test_msgcount(&fx), 1);
	KUNIT_EXPECT_NULL(test, copier->xfer);
	KUNIT_EXPECT_EQ(test, test_begin_commit(&fx, copier, fx.receiver),
			MACHIPC_COMMIT_LOST);
	KUNIT_EXPECT_EQ(test, test_xstate(&fx, m1).state, MACHIPC_XFER_FAILED);
	machipc_copier_unclaim(copier, -EAGAIN);

	/* the death itself: only the ordinary message is left to destroy */
	machipc_port_kill_collect(fx.port, &doomed);
	list_for_each_entry_safe(m, tmp, &doomed, link) {
		KUNIT_EXPECT_PTR_EQ(test, m, plain);
		list_del_init(&m->link);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_TRUE(test, machipc_port_is_dead(fx.port));

	test_ool_done(&fx, m1);
	test_ool_done(&fx, m2);
	test_fix_exit(&fx);
}

static struct kunit_case machipc_xfer_cases[] = {
	KUNIT_CASE(machipc_xfer_claim_test),
	KUNIT_CASE(machipc_xfer_claim_refused_test),
	KUNIT_CASE(machipc_xfer_fail_queued_test),
	KUNIT_CASE(machipc_xfer_busy_idle_test),
	KUNIT_CASE(machipc_xfer_fault_test),
	KUNIT_CASE(machipc_xfer_commit_test),
	KUNIT_CASE(machipc_xfer_commit_fail_test),
	KUNIT_CASE(machipc_xfer_port_dead_test),
	{}
};

struct kunit_suite machipc_xfer_suite = {
	.name = "machipc_xfer",
	.test_cases = machipc_xfer_cases,
};
