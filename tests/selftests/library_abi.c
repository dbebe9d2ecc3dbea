// SPDX-License-Identifier: GPL-2.0
/*
 * library_abi: libmachipc checks the module's ABI version at open.
 *
 * The program defines its own ioctl(), which libmachipc.a (linked
 * statically) calls instead of libc's: it forwards every call to the
 * kernel, but can make MACHIPC_IOC_VERSION answer another abi_version, so
 * the test sees what a program would see with an older or newer module,
 * without one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "machipc_test.h"

/* 0: answer as the module does; otherwise the abi_version to report. */
static __u32 fake_abi;

int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;
	long ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	ret = syscall(SYS_ioctl, fd, cmd, arg);
	if (ret == 0 && cmd == MACHIPC_IOC_VERSION && fake_abi)
		((struct machipc_version *)arg)->abi_version = fake_abi;
	return ret;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

TEST(same_version_opens)
{
	struct machipc_version v;
	int fd;

	fake_abi = 0;
	fd = machipc_open();
	ASSERT_LE(0, fd) TH_LOG("machipc_open: %s", machipc_strerror(errno));
	ASSERT_EQ(0, machipc_abi_version(fd, &v));
	EXPECT_LE(MACHIPC_ABI_VERSION, v.abi_version);
	close(fd);
}

TEST(older_module_refused_with_a_clear_message)
{
	char want[64];
	const char *msg;
	int before, fd;

	before = count_fds();
	fake_abi = MACHIPC_ABI_VERSION - 1;
	fd = machipc_open();
	fake_abi = 0;
	ASSERT_EQ(-1, fd);
	ASSERT_EQ(EPROTO, errno);
	/* The refused space was closed, not leaked. */
	EXPECT_EQ(before, count_fds());
	msg = machipc_strerror(EPROTO);
	snprintf(want, sizeof(want), "ABI version %u, older than this library's %u",
		 MACHIPC_ABI_VERSION - 1, MACHIPC_ABI_VERSION);
	EXPECT_NE(NULL, strstr(msg, want)) TH_LOG("message: %s", msg);
}

TEST(newer_module_accepted)
{
	int fd;

	fake_abi = MACHIPC_ABI_VERSION + 1;
	fd = machipc_open();
	fake_abi = 0;
	ASSERT_LE(0, fd) TH_LOG("machipc_open: %s", machipc_strerror(errno));
	close(fd);
}

TEST(not_a_machipc_device)
{
	int before, fd;

	before = count_fds();
	ASSERT_EQ(0, setenv("MACHIPC_DEVICE", "/dev/null", 1));
	fd = machipc_open();
	unsetenv("MACHIPC_DEVICE");
	ASSERT_EQ(-1, fd);
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(before, count_fds());
}

TEST_HARNESS_MAIN
