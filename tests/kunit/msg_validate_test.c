// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of machipc_msg_validate(): the layout rules a sent message must
 * satisfy, one broken field at a time.
 */

#include <kunit/test.h>

#include "suites.h"

#include <linux/machipc.h>

#include "msg.h"

#define TEST_MAX	4096

struct test_msg {
	struct machipc_msg_header hdr;
	struct machipc_msg_desc desc[2];
	u8 data[64];
};

static void test_msg_init(struct test_msg *m, u32 ndesc)
{
	u32 i;

	memset(m, 0, sizeof(*m));
	m->hdr.bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND,
					MACHIPC_DISP_MAKE_SEND_ONCE);
	m->hdr.remote_name = 1;
	m->hdr.local_name = 2;
	m->hdr.size = sizeof(*m);
	m->hdr.desc_count = ndesc;
	if (ndesc)
		m->hdr.bits |= MACHIPC_MSGH_COMPLEX;
	for (i = 0; i < ndesc; i++) {
		m->desc[i].type = MACHIPC_DESC_PORT;
		m->desc[i].disposition = MACHIPC_DISP_MOVE_RECEIVE;
		m->desc[i].name = 3;
	}
}

static int validate(struct test_msg *m)
{
	return machipc_msg_validate(m, sizeof(*m), TEST_MAX, NULL);
}

/* Validate @m and return what it counted; poisoned if it failed. */
static struct machipc_msg_counts counted(struct test_msg *m)
{
	struct machipc_msg_counts c;

	memset(&c, 0xa5, sizeof(c));
	if (machipc_msg_validate(m, sizeof(*m), TEST_MAX, &c))
		memset(&c, 0xa5, sizeof(c));
	return c;
}

static void machipc_msg_validate_good_test(struct kunit *test)
{
	struct test_msg m;
	u32 disp;

	test_msg_init(&m, 0);
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
	test_msg_init(&m, 2);
	KUNIT_EXPECT_EQ(test, validate(&m), 0);

	/* The smallest message: a header alone, without reply. */
	test_msg_init(&m, 0);
	m.hdr.size = sizeof(m.hdr);
	m.hdr.bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_MAKE_SEND, 0);
	m.hdr.local_name = 0;
	KUNIT_EXPECT_EQ(test,
			machipc_msg_validate(&m, sizeof(m.hdr), TEST_MAX, NULL),
			0);

	for (disp = MACHIPC_DISP_MOVE_RECEIVE; disp <= MACHIPC_DISP_LAST; disp++) {
		test_msg_init(&m, 1);
		m.desc[0].disposition = disp;
		KUNIT_EXPECT_EQ_MSG(test, validate(&m), 0, "desc disp %u", disp);
		test_msg_init(&m, 0);
		m.hdr.bits = MACHIPC_MSGH_BITS(disp, MACHIPC_DISP_MAKE_SEND_ONCE);
		KUNIT_EXPECT_EQ_MSG(test, validate(&m),
				    disp == MACHIPC_DISP_MOVE_RECEIVE ? -EINVAL : 0,
				    "remote disp %u", disp);
		m.hdr.bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND, disp);
		KUNIT_EXPECT_EQ_MSG(test, validate(&m),
				    disp == MACHIPC_DISP_MOVE_RECEIVE ? -EINVAL : 0,
				    "local disp %u", disp);
	}
}

static void machipc_msg_validate_bad_test(struct kunit *test)
{
	struct test_msg m;

	test_msg_init(&m, 0);
	KUNIT_EXPECT_EQ(test, machipc_msg_validate(&m, sizeof(m), 64, NULL),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, machipc_msg_validate(&m, sizeof(m.hdr) - 8, TEST_MAX, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, machipc_msg_validate(&m, sizeof(m) - 4, TEST_MAX, NULL),
			-EINVAL);
	/* header.size must equal the size given to the ioctl */
	KUNIT_EXPECT_EQ(test, machipc_msg_validate(&m, sizeof(m) - 8, TEST_MAX, NULL),
			-EINVAL);

	test_msg_init(&m, 0);
	m.hdr.reserved = 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);

	test_msg_init(&m, 0);
	m.hdr.bits |= 1U << 20;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);

	test_msg_init(&m, 0);
	m.hdr.bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_NONE, 0);
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);

	test_msg_init(&m, 0);
	m.hdr.bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_LAST + 1, 0);
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);

	/* no reply disposition but a reply name */
	test_msg_init(&m, 0);
	m.hdr.bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND, 0);
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);

	/* complex bit and descriptor count disagree, both ways */
	test_msg_init(&m, 1);
	m.hdr.bits &= ~MACHIPC_MSGH_COMPLEX;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	test_msg_init(&m, 0);
	m.hdr.bits |= MACHIPC_MSGH_COMPLEX;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);

	/* more descriptors than fit, including a count that would overflow */
	test_msg_init(&m, 2);
	m.hdr.desc_count = 4;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.hdr.desc_count = 0x08000001;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);

	test_msg_init(&m, 2);
	m.desc[1].type = 0;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	test_msg_init(&m, 2);
	m.desc[1].type = MACHIPC_DESC_LAST + 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	test_msg_init(&m, 2);
	m.desc[1].disposition = MACHIPC_DISP_NONE;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	test_msg_init(&m, 2);
	m.desc[1].disposition = MACHIPC_DISP_LAST + 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	test_msg_init(&m, 2);
	m.desc[0].reserved = 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	test_msg_init(&m, 2);
	m.desc[0].size = 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
}

static void ool_init(struct machipc_msg_desc *d, u64 address, u64 size)
{
	memset(d, 0, sizeof(*d));
	d->type = MACHIPC_DESC_OOL;
	d->address = address;
	d->size = size;
}

/* Out-of-line descriptors: their own field rules, mixed with ports. */
static void machipc_msg_validate_ool_test(struct kunit *test)
{
	struct test_msg m;

	test_msg_init(&m, 2);
	ool_init(&m.desc[1], 0x1000, 12345);
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
	KUNIT_EXPECT_EQ(test, counted(&m).nool, 1);
	KUNIT_EXPECT_EQ(test, counted(&m).ncapture, 0);
	KUNIT_EXPECT_EQ(test, counted(&m).ool_bytes, 12345);
	KUNIT_EXPECT_EQ(test, counted(&m).ool_pages,
			DIV_ROUND_UP(12345, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, counted(&m).nnames, 0);
	KUNIT_EXPECT_EQ(test, counted(&m).nfd, 0);
	ool_init(&m.desc[0], 0, 0);
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
	KUNIT_EXPECT_EQ(test, counted(&m).nool, 2);
	KUNIT_EXPECT_EQ(test, counted(&m).ool_bytes, 12345);
	/* Each region from a page of its own: one byte is one page. */
	ool_init(&m.desc[0], 0x1fff, 1);
	KUNIT_EXPECT_EQ(test, counted(&m).ool_pages,
			1 + DIV_ROUND_UP(12345, PAGE_SIZE));
	ool_init(&m.desc[1], 0x1000, MACHIPC_OOL_SIZE_MAX);
	KUNIT_EXPECT_EQ(test, validate(&m), 0);

	ool_init(&m.desc[1], 0x1000, MACHIPC_OOL_SIZE_MAX + 1);
	KUNIT_EXPECT_EQ(test, validate(&m), -E2BIG);
	/* Malformed wins over too big, whatever the order. */
	m.desc[0].name = 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);

	ool_init(&m.desc[0], 0x1000, 1);
	m.desc[0].disposition = MACHIPC_DISP_COPY_SEND;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	ool_init(&m.desc[0], 0x1000, 1);
	m.desc[0].name = 5;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	ool_init(&m.desc[0], 0x1000, 1);
	m.desc[0].reserved = 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	test_msg_init(&m, 2);
	m.desc[0].address = 0x1000;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	test_msg_init(&m, 2);
	m.desc[1].type = MACHIPC_DESC_LAST + 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
}

/* At most MACHIPC_OOL_MAX out-of-line descriptors in one message. */
static void machipc_msg_validate_ool_max_test(struct kunit *test)
{
	size_t size = sizeof(struct machipc_msg_header) +
		      (MACHIPC_OOL_MAX + 1) * sizeof(struct machipc_msg_desc);
	struct machipc_msg_header *hdr;
	struct machipc_msg_desc *desc;
	u32 i;

	hdr = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	desc = (struct machipc_msg_desc *)(hdr + 1);
	hdr->bits = MACHIPC_MSGH_BITS(MACHIPC_DISP_COPY_SEND, 0) |
		    MACHIPC_MSGH_COMPLEX;
	hdr->remote_name = 1;
	hdr->size = size - sizeof(*desc);
	hdr->desc_count = MACHIPC_OOL_MAX;
	for (i = 0; i <= MACHIPC_OOL_MAX; i++)
		ool_init(&desc[i], 0x1000 * i, i);
	KUNIT_EXPECT_EQ(test, machipc_msg_validate(hdr, hdr->size, 65536, NULL), 0);
	hdr->size = size;
	hdr->desc_count = MACHIPC_OOL_MAX + 1;
	KUNIT_EXPECT_EQ(test, machipc_msg_validate(hdr, size, 65536, NULL), -EINVAL);
	/* A port descriptor among them does not count. */
	desc[3].type = MACHIPC_DESC_PORT;
	desc[3].address = 0;
	desc[3].size = 0;
	desc[3].disposition = MACHIPC_DISP_COPY_SEND;
	desc[3].name = 1;
	KUNIT_EXPECT_EQ(test, machipc_msg_validate(hdr, size, 65536, NULL), 0);
}

/* File descriptors: flags, zero address and size, never beside OOL. */
static void machipc_msg_validate_fd_test(struct kunit *test)
{
	struct test_msg m;

	test_msg_init(&m, 2);
	m.desc[1].type = MACHIPC_DESC_FD;
	m.desc[1].disposition = 0;
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
	KUNIT_EXPECT_EQ(test, counted(&m).nfd, 1);
	KUNIT_EXPECT_EQ(test, counted(&m).nool, 0);
	m.desc[1].disposition = MACHIPC_FD_INHERIT;
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
	m.desc[1].disposition = MACHIPC_FD_LAST << 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[1].disposition = 0;
	m.desc[1].size = 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[1].size = 0;
	m.desc[1].address = 8;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[1].address = 0;
	m.desc[0].type = MACHIPC_DESC_OOL;
	m.desc[0].disposition = 0;
	m.desc[0].name = 0;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
}

/* Capture (ABI 5): all or none of the regions; known flags only. */
static void machipc_msg_validate_capture_test(struct kunit *test)
{
	struct test_msg m;

	test_msg_init(&m, 2);
	ool_init(&m.desc[0], 0x1000, 10);
	ool_init(&m.desc[1], 0x2000, 20);
	m.desc[0].disposition = MACHIPC_OOL_CAPTURE;
	m.desc[1].disposition = MACHIPC_OOL_CAPTURE | MACHIPC_OOL_DEALLOCATE;
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
	KUNIT_EXPECT_EQ(test, counted(&m).ncapture, 2);
	KUNIT_EXPECT_EQ(test, counted(&m).ool_bytes, 30);
	m.desc[1].disposition = MACHIPC_OOL_DEALLOCATE;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[0].disposition = MACHIPC_OOL_DEALLOCATE;
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
	KUNIT_EXPECT_EQ(test, counted(&m).ncapture, 0);
	KUNIT_EXPECT_EQ(test, counted(&m).nool, 2);
	m.desc[0].disposition = MACHIPC_OOL_LAST << 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	/* Captured data never beside a file. */
	m.desc[0].disposition = MACHIPC_OOL_CAPTURE;
	m.desc[1].type = MACHIPC_DESC_FD;
	m.desc[1].disposition = 0;
	m.desc[1].address = 0;
	m.desc[1].size = 0;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[1].type = MACHIPC_DESC_PORT;
	m.desc[1].disposition = MACHIPC_DISP_MAKE_SEND;
	m.desc[1].name = 3;
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
}

/* Port arrays (ABI 5): a disposition, no name, a bounded count. */
static void machipc_msg_validate_ool_ports_test(struct kunit *test)
{
	struct test_msg m;

	test_msg_init(&m, 2);
	m.desc[1].type = MACHIPC_DESC_OOL_PORTS;
	m.desc[1].name = 0;
	m.desc[1].address = 0x1000;
	m.desc[1].size = MACHIPC_OOL_PORTS_MAX;
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
	KUNIT_EXPECT_EQ(test, counted(&m).nnames, MACHIPC_OOL_PORTS_MAX);
	KUNIT_EXPECT_EQ(test, counted(&m).nool, 0);
	m.desc[1].size = MACHIPC_OOL_PORTS_MAX + 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[1].size = 3;
	m.desc[1].name = 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[1].name = 0;
	m.desc[1].disposition = MACHIPC_DISP_NONE;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[1].disposition = MACHIPC_DISP_LAST + 1;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	/* The bound is on the names of all the message's arrays. */
	m.desc[1].disposition = MACHIPC_DISP_COPY_SEND;
	m.desc[0] = m.desc[1];
	m.desc[0].size = MACHIPC_OOL_PORTS_MAX - 2;
	KUNIT_EXPECT_EQ(test, validate(&m), -EINVAL);
	m.desc[0].size = MACHIPC_OOL_PORTS_MAX - 3;
	KUNIT_EXPECT_EQ(test, validate(&m), 0);
}

static struct kunit_case machipc_msg_validate_cases[] = {
	KUNIT_CASE(machipc_msg_validate_good_test),
	KUNIT_CASE(machipc_msg_validate_bad_test),
	KUNIT_CASE(machipc_msg_validate_ool_test),
	KUNIT_CASE(machipc_msg_validate_ool_max_test),
	KUNIT_CASE(machipc_msg_validate_fd_test),
	KUNIT_CASE(machipc_msg_validate_capture_test),
	KUNIT_CASE(machipc_msg_validate_ool_ports_test),
	{}
};

struct kunit_suite machipc_msg_validate_suite = {
	.name = "machipc_msg_validate",
	.test_cases = machipc_msg_validate_cases,
};
