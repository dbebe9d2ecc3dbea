// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of machipc_fdpass_refused(): which open files may travel in a
 * message.  The selftest fdpass tries the same from user space, with
 * machipc's own descriptors too.
 */

#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/shmem_fs.h>
#include <net/net_namespace.h>

#include "suites.h"

#include "fdpass.h"

static const struct file_operations machipc_test_fops;

/* An anonymous-inode file named @name, as io_uring and others make. */
static void machipc_fdpass_anon_test(struct kunit *test)
{
	struct file *file;

	file = anon_inode_getfile("[io_uring]", &machipc_test_fops, NULL,
				  O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_EXPECT_EQ(test, machipc_fdpass_refused(file), -ELOOP);
	fput(file);

	file = anon_inode_getfile("[machipc-test]", &machipc_test_fops, NULL,
				  O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_EXPECT_EQ(test, machipc_fdpass_refused(file), 0);
	fput(file);
}

/* AF_UNIX sockets carry files in flight: refused. */
static void machipc_fdpass_unix_test(struct kunit *test)
{
	struct socket *sock;
	struct file *file;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, AF_UNIX, SOCK_STREAM,
					       0, &sock), 0);
	file = sock_alloc_file(sock, 0, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_EXPECT_EQ(test, machipc_fdpass_refused(file), -ELOOP);
	fput(file);
}

/* A shmem file (what memfd_create() makes) travels. */
static void machipc_fdpass_shmem_test(struct kunit *test)
{
	struct file *file = shmem_file_setup("machipc-test", PAGE_SIZE, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_EXPECT_EQ(test, machipc_fdpass_refused(file), 0);
	fput(file);
}

static struct kunit_case machipc_fdpass_cases[] = {
	KUNIT_CASE(machipc_fdpass_anon_test),
	KUNIT_CASE(machipc_fdpass_unix_test),
	KUNIT_CASE(machipc_fdpass_shmem_test),
	{}
};

struct kunit_suite machipc_fdpass_suite = {
	.name = "machipc_fdpass",
	.test_cases = machipc_fdpass_cases,
};
