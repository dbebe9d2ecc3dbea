// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the copy engine's page arithmetic: machipc_copy_step_bytes()
 * (a step never pins more than chunk_pages, half on either side, and
 * always makes progress) and machipc_copy_pinned_to_user() (every byte
 * lands at its place in user memory, nothing around it is touched, for
 * equal and unequal offsets within pages and every length around page
 * boundaries; a hole in the destination stops it and is reported).
 */

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>

#include "copy.h"
#include "suites.h"

#include "xfer.h"

#define TEST_PAGES	4

static const size_t test_offsets[] = { 0, 1, 7, 8, 2048, 4088, 4095 };
static const unsigned int test_chunks[] = { 2, 3, 4, 5, 64, 1024 };

static unsigned int pages_spanned(u64 addr, size_t len)
{
	return DIV_ROUND_UP(offset_in_page(addr) + len, PAGE_SIZE);
}

static void machipc_copy_step_bytes_test(struct kunit *test)
{
	static const size_t lefts[] = { 1, 2, 4095, 4096, 4097, 8191, 8192,
					65536, 1 << 20, 1 << 30 };
	unsigned int c, i, j, k;

	for (c = 0; c < ARRAY_SIZE(test_chunks); c++) {
		unsigned int cp = test_chunks[c];

		for (i = 0; i < ARRAY_SIZE(test_offsets); i++) {
			for (j = 0; j < ARRAY_SIZE(test_offsets); j++) {
				for (k = 0; k < ARRAY_SIZE(lefts); k++) {
					u64 src = 0x10000 + test_offsets[i];
					u64 dst = 0x80000 + test_offsets[j];
					size_t step;

					step = machipc_copy_step_bytes(src, dst,
								       lefts[k],
								       cp);
					KUNIT_ASSERT_GE_MSG(test, step, 1,
							    "cp %u soff %zu doff %zu",
							    cp,
							    test_offsets[i],
							    test_offsets[j]);
					KUNIT_EXPECT_LE(test, step, lefts[k]);
					KUNIT_EXPECT_LE(test,
							pages_spanned(src, step),
							cp / 2);
					KUNIT_EXPECT_LE(test,
							pages_spanned(dst, step),
							cp / 2);
				}
			}
		}
	}
	/* At equal offsets a step takes whole pages: half a chunk of them. */
	KUNIT_EXPECT_EQ(test, machipc_copy_step_bytes(0, 0, 1 << 30, 64),
			32 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, machipc_copy_step_bytes(7, 7, 1 << 30, 64),
			32 * PAGE_SIZE - 7);
	KUNIT_EXPECT_EQ(test, machipc_copy_step_bytes(0, 0, 1 << 30, 3),
			PAGE_SIZE);
}

#ifdef MACHIPC_HAVE_KUNIT_VM_MMAP
struct copy_pages {
	struct page *src[TEST_PAGES];
	u8 dst[TEST_PAGES * PAGE_SIZE];
};

static void copy_pages_free(void *data)
{
	struct copy_pages *cp = data;
	unsigned int i;

	for (i = 0; i < TEST_PAGES; i++)
		if (cp->src[i])
			__free_page(cp->src[i]);
	vfree(cp);
}

static u8 pattern(size_t i, u8 seed)
{
	return (u8)(i * 7 + (i >> 12) + seed);
}

/* Byte @i of the TEST_PAGES-page buffer made of @pages. */
static u8 *byte_at(struct page **pages, size_t i)
{
	return (u8 *)page_address(pages[i / PAGE_SIZE]) + i % PAGE_SIZE;
}

/* As the copier calls it: page faults disabled. */
static size_t copy_out(u64 dst, struct page **src, size_t soff, size_t n)
{
	size_t left;

	pagefault_disable();
	left = machipc_copy_pinned_to_user(dst, src, soff, n);
	pagefault_enable();
	return left;
}

static unsigned long put_buf(unsigned long ubuf, const void *from, size_t n)
{
	return copy_to_user((void __user *)ubuf, from, n);
}

static unsigned long get_buf(void *to, unsigned long ubuf, size_t n)
{
	return copy_from_user(to, (const void __user *)ubuf, n);
}

static void machipc_copy_pinned_to_user_test(struct kunit *test)
{
	static const size_t extra[] = { 0, 1, PAGE_SIZE - 1, PAGE_SIZE,
					PAGE_SIZE + 1, 2 * PAGE_SIZE };
	size_t total = TEST_PAGES * PAGE_SIZE;
	struct copy_pages *cp;
	unsigned int i, j, k, p;
	unsigned long ubuf;
	u8 seed = 1;

	cp = vzalloc(sizeof(*cp));
	KUNIT_ASSERT_NOT_NULL(test, cp);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, copy_pages_free,
							cp), 0);
	for (p = 0; p < TEST_PAGES; p++) {
		cp->src[p] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, cp->src[p]);
	}
	/* The buffer, then a hole of one page. */
	ubuf = kunit_vm_mmap(test, NULL, 0, total + PAGE_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, ubuf, 0UL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(ubuf));
	KUNIT_ASSERT_EQ(test, vm_munmap(ubuf + total, PAGE_SIZE), 0);

	for (i = 0; i < ARRAY_SIZE(test_offsets); i++) {
		for (j = 0; j < ARRAY_SIZE(test_offsets); j++) {
			size_t soff = test_offsets[i], doff = test_offsets[j];
			size_t room = total - max(soff, doff);

			for (k = 0; k < ARRAY_SIZE(extra) + 2; k++, seed++) {
				size_t n, b, bad = total;

				/* 1 byte, lengths around page ends, all */
				n = k == 0 ? 1 : k == 1 ? room :
				    min(room, extra[k - 2] + PAGE_SIZE -
					      max(soff, doff));
				for (b = 0; b < total; b++)
					*byte_at(cp->src, b) = pattern(b, seed);
				memset(cp->dst, 0xa5, total);
				/* Faults taken here, outside the copy. */
				KUNIT_ASSERT_EQ(test, put_buf(ubuf, cp->dst,
							      total), 0UL);
				KUNIT_EXPECT_EQ(test, copy_out(ubuf + doff,
							       cp->src, soff,
							       n), 0UL);
				KUNIT_ASSERT_EQ(test, get_buf(cp->dst, ubuf,
							      total), 0UL);
				for (b = 0; b < total && bad == total; b++) {
					u8 want = b >= doff && b < doff + n ?
						  pattern(b - doff + soff,
							  seed) : 0xa5;

					if (cp->dst[b] != want)
						bad = b;
				}
				KUNIT_EXPECT_EQ_MSG(test, bad, total,
						    "soff %zu doff %zu n %zu",
						    soff, doff, n);
			}
		}
	}

	/*
	 * Into the hole: stopped there, and what lies past it reported.  The
	 * first piece (PAGE_SIZE - soff bytes) lies wholly in the last mapped
	 * page, so at most the second piece (soff + 100 bytes) is reported.
	 */
	for (i = 0; i < ARRAY_SIZE(test_offsets); i++) {
		size_t soff = test_offsets[i], n = PAGE_SIZE + 100;
		size_t left = copy_out(ubuf + total - PAGE_SIZE, cp->src, soff,
				       n);

		KUNIT_EXPECT_GE_MSG(test, left, (size_t)100, "soff %zu", soff);
		KUNIT_EXPECT_LE_MSG(test, left, soff + 100, "soff %zu", soff);
	}

	/* A page mapped but never touched is not faulted in by the copy. */
	ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, ubuf, 0UL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(ubuf));
	KUNIT_EXPECT_EQ(test, copy_out(ubuf, cp->src, 0, PAGE_SIZE),
			(size_t)PAGE_SIZE);
}
#else
static void machipc_copy_pinned_to_user_test(struct kunit *test)
{
	kunit_skip(test, "this kernel's KUnit has no kunit_vm_mmap()");
}
#endif

static struct kunit_case machipc_copy_cases[] = {
	KUNIT_CASE(machipc_copy_step_bytes_test),
	KUNIT_CASE(machipc_copy_pinned_to_user_test),
	{}
};

struct kunit_suite machipc_copy_suite = {
	.name = "machipc_copy",
	.test_cases = machipc_copy_cases,
};
