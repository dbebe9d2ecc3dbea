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

	before = mt_count_fds();
	fake_abi = MACHIPC_ABI_VERSION - 1;
	fd = machipc_open();
	fake_abi = 0;
	ASSERT_EQ(-1, fd);
	ASSERT_EQ(EPROTO, errno);
	/* The refused space was closed, not leaked. */
	EXPECT_EQ(before, mt_count_fds());
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

	before = mt_count_fds();
	ASSERT_EQ(0, setenv("MACHIPC_DEVICE", "/dev/null", 1));
	fd = machipc_open();
	unsetenv("MACHIPC_DEVICE");
	ASSERT_EQ(-1, fd);
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(before, mt_count_fds());
}

/*
 * A program built against ABI 3 calls libmachipc's machipc_name_info and
 * machipc_port_names symbols with 16-byte elements; programs built now
 * call the _v4 symbols through the header.  Both keep working.
 */
struct name_info_v3 {
	__u32 name, rights, urefs, port_id;
};

int abi3_name_info(int fd, __u32 name, struct name_info_v3 *info)
	__asm__("machipc_name_info");
int abi3_port_names(int fd, struct name_info_v3 **out, size_t *count)
	__asm__("machipc_port_names");

TEST(abi3_symbols)
{
	struct { struct name_info_v3 info; __u32 guard[4]; } old;
	struct machipc_name_info *names, info;
	struct name_info_v3 *olds;
	size_t count, ocount, i;
	__u32 name;
	int fd;

	fake_abi = 0;
	fd = machipc_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, machipc_port_allocate(fd, i == 2 ?
			  MACHIPC_RIGHT_PORT_SET : MACHIPC_RIGHT_RECEIVE, &name));
	ASSERT_EQ(0, machipc_port_names(fd, &names, &count));
	ASSERT_EQ(0, abi3_port_names(fd, &olds, &ocount));
	ASSERT_EQ(5, count);
	ASSERT_EQ(count, ocount);
	for (i = 0; i < count; i++) {
		EXPECT_EQ(names[i].name, olds[i].name);
		EXPECT_EQ(names[i].rights, olds[i].rights);
		EXPECT_EQ(names[i].urefs, olds[i].urefs);
		EXPECT_EQ((__u32)names[i].port_id, olds[i].port_id);
		EXPECT_EQ(i == 2, !names[i].port_id);

		memset(&old, 0x77, sizeof(old));
		ASSERT_EQ(0, abi3_name_info(fd, names[i].name, &old.info));
		EXPECT_EQ(olds[i].port_id, old.info.port_id);
		EXPECT_EQ(0x77777777, old.guard[0]);	/* 16 bytes only */
		ASSERT_EQ(0, machipc_name_info(fd, names[i].name, &info));
		EXPECT_EQ(names[i].port_id, info.port_id);
		EXPECT_EQ((__u32)info.port_id, info.port_id_low);
		EXPECT_EQ(0, info.reserved);
	}
	free(names);
	free(olds);
	close(fd);
}

TEST_HARNESS_MAIN
