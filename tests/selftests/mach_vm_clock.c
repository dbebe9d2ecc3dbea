// SPDX-License-Identifier: GPL-2.0
/*
 * mach_vm_clock: the host's clocks (<mach/clock.h>, <mach/mach_host.h>)
 * and the VM calls on the caller's own task (<mach/vm_map.h>,
 * <mach/mach_vm.h>), as macOS programs call them, with <mach/mach.h>
 * alone included (it must pull both in, as on macOS).
 *
 * - clock_calendar / clock_system: CALENDAR_CLOCK is CLOCK_REALTIME,
 *   SYSTEM_CLOCK (= REALTIME_CLOCK) counts what mach_absolute_time()
 *   counts; the usual get / read / deallocate sequence.
 * - clock_service_refs: one name per clock, a user reference per call;
 *   the last mach_port_deallocate() removes the name (no leak) and the
 *   clock port is then MACH_SEND_INVALID_DEST; a new call works again.
 * - clock_errors: bad clock id and host (KERN_INVALID_ARGUMENT, output
 *   untouched), names that are no clock.
 * - clock_attributes: CLOCK_GET_TIME_RES and the alarm flavors, counts,
 *   bad flavor; host_page_size().
 * - clock_fork_child: a child gets clocks of its own space.
 * - vm_protect_then_write_faults, vm_protect_errors, vm_protect_maximum.
 * - read_overwrite, read_overwrite_unmapped, read_overwrite_protection.
 * - vm_read_allocates, vm_read_errors, vm_write_and_errors,
 *   vm_copy_and_errors, vm_foreign_task.
 * - copy_without_process_vm_readv: the same checks where a seccomp filter
 *   refuses process_vm_readv(2) (the pipe fallback).
 * - vm_allocate_codes: XNU's codes (no space, invalid address outside
 *   the user range and in the first page), VM_FLAGS_USER_ALLOCATE,
 *   superpages (a fixed one not 2 MB aligned: KERN_NO_SPACE).
 * - vm_region_layouts, vm_region_basic, vm_region_recurse: XNU's
 *   structures and counts; the region at or after an address from
 *   /proc/self/smaps; KERN_INVALID_ADDRESS past the last one.
 * - vm_inherit_fork: NONE and SHARE seen by a forked child; SHARE on
 *   private memory is KERN_NOT_SUPPORTED and changes nothing.
 * - vm_wire_behavior_msync_purgable: KERN_INVALID_HOST for wiring, the
 *   behaviors, msync flags and holes, purgeable control's codes.
 * - vm_purgable_object: VM_FLAGS_PURGABLE memory's states.
 * - vm_behavior_zero: ZERO on 64 MB of untouched memory commits none of
 *   it (RssAnon) and reads zeroes; shared memory is zero-filled.
 * - vm_purgable_stale: purgeable memory unmapped or replaced by the
 *   program itself is not emptied.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <mach/mach_time.h>	/* not part of <mach/mach.h>, as on macOS */

#include "kselftest_harness.h"
#include "mach_test.h"

#define PAGE	((size_t)vm_page_size)

static long long ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long mts_ns(const mach_timespec_t *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* Anonymous pages, filled with @fill. */
static char *pages(size_t n, int fill)
{
	vm_address_t a = 0;

	if (vm_allocate(mach_task_self(), &a, n * PAGE, VM_FLAGS_ANYWHERE))
		return NULL;
	memset((void *)a, fill, n * PAGE);
	return (char *)a;
}

/* Three pages with the middle one unmapped: p + PAGE is a hole. */
static char *holed(void)
{
	char *p = pages(3, 'h');

	if (p && vm_deallocate(mach_task_self(), (vm_address_t)(p + PAGE),
			       PAGE))
		return NULL;
	return p;
}

/* Does writing one byte at @p kill a child with SIGSEGV? */
static int write_faults(char *p)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		*(volatile char *)p = 'w';
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

/* A field of /proc/self/status in kB ("RssAnon"), or -1. */
static long long status_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			kb = strtoll(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* ------------------------------------------------------------------ */
/* Clocks                                                              */
/* ------------------------------------------------------------------ */

TEST(clock_calendar)
{
	clock_serv_t cclock = MACH_PORT_NULL;
	mach_timespec_t mts = { 0, -1 };
	long long before, after;

	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       CALENDAR_CLOCK, &cclock));
	ASSERT_TRUE(MACH_PORT_VALID(cclock));
	before = ns_of(CLOCK_REALTIME);
	EXPECT_EQ(KERN_SUCCESS, clock_get_time(cclock, &mts));
	after = ns_of(CLOCK_REALTIME);
	EXPECT_FALSE(BAD_MACH_TIMESPEC(&mts));
	/* tv_sec is 32 bits: the same second count, and in between. */
	EXPECT_LE(before / 1000000000LL, (long long)mts.tv_sec);
	EXPECT_LE(mts_ns(&mts), after);
	EXPECT_LE(before, mts_ns(&mts));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), cclock));
}

TEST(clock_system)
{
	clock_serv_t sclock = MACH_PORT_NULL, rclock = MACH_PORT_NULL;
	mach_timespec_t a, b;
	uint64_t t0, t1;

	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       SYSTEM_CLOCK, &sclock));
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       REALTIME_CLOCK, &rclock));
	/* REALTIME_CLOCK is SYSTEM_CLOCK: the same port. */
	EXPECT_EQ(sclock, rclock);
	t0 = mach_absolute_time();
	ASSERT_EQ(KERN_SUCCESS, clock_get_time(sclock, &a));
	t1 = mach_absolute_time();
	/* mach_absolute_time() is in nanoseconds (timebase 1/1). */
	EXPECT_LE((long long)t0, mts_ns(&a));
	EXPECT_LE(mts_ns(&a), (long long)t1);
	usleep(20000);
	ASSERT_EQ(KERN_SUCCESS, clock_get_time(rclock, &b));
	EXPECT_LE(mts_ns(&a) + 20000000LL, mts_ns(&b));
	/* Uptime, not the calendar. */
	EXPECT_GT(ns_of(CLOCK_REALTIME) / 2, mts_ns(&b));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), sclock));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), rclock));
}

TEST(clock_service_refs)
{
	mach_msg_type_number_t base = mt_name_count();
	clock_serv_t c1 = MACH_PORT_NULL, c2 = MACH_PORT_NULL, c3;
	clock_serv_t cal = MACH_PORT_NULL;
	mach_timespec_t t;
	mach_port_type_t type;
	int i;

	ASSERT_NE((mach_msg_type_number_t)-1, base);
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       SYSTEM_CLOCK, &c1));
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       SYSTEM_CLOCK, &c2));
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       CALENDAR_CLOCK, &cal));
	/* One name per clock, one user reference per call. */
	EXPECT_EQ(c1, c2);
	EXPECT_NE(c1, cal);
	EXPECT_NE(mach_task_self(), c1);
	EXPECT_EQ(2, mt_refs(c1, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(1, mt_refs(cal, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(base + 2, mt_name_count());

	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), c1));
	EXPECT_EQ(1, mt_refs(c1, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, clock_get_time(c2, &t));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), c2));
	/* The last reference took the name: gone, and no longer a clock. */
	EXPECT_EQ(KERN_INVALID_NAME,
		  mach_port_type(mach_task_self(), c1, &type));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, clock_get_time(c1, &t));
	EXPECT_EQ(KERN_SUCCESS, clock_get_time(cal, &t));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), cal));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, clock_get_time(cal, &t));
	EXPECT_EQ(base, mt_name_count());

	/* The common get / read / deallocate loop leaks nothing. */
	for (i = 0; i < 100; i++) {
		c3 = MACH_PORT_NULL;
		ASSERT_EQ(KERN_SUCCESS,
			  host_get_clock_service(mach_host_self(),
						 CALENDAR_CLOCK, &c3));
		ASSERT_EQ(KERN_SUCCESS, clock_get_time(c3, &t));
		ASSERT_EQ(KERN_SUCCESS,
			  mach_port_deallocate(mach_task_self(), c3));
	}
	EXPECT_EQ(base, mt_name_count());

	/* mach_port_destroy() also ends it; a new call makes a new one. */
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       SYSTEM_CLOCK, &c3));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(mach_task_self(), c3));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, clock_get_time(c3, &t));
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       SYSTEM_CLOCK, &c3));
	EXPECT_EQ(KERN_SUCCESS, clock_get_time(c3, &t));
	EXPECT_EQ(1, mt_refs(c3, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), c3));
	EXPECT_EQ(base, mt_name_count());
}

TEST(clock_errors)
{
	clock_serv_t c = (clock_serv_t)0x1234, ok = MACH_PORT_NULL;
	mach_timespec_t t = { 7, 7 };
	semaphore_t sem;
	mach_port_t port = mt_port();

	ASSERT_TRUE(MACH_PORT_VALID(port));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_clock_service(mach_host_self(), -1, &c));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_clock_service(mach_host_self(), 2, &c));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_clock_service(mach_host_self(), 99, &c));
	/* A task is no host. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_clock_service(mach_task_self(), SYSTEM_CLOCK, &c));
	EXPECT_EQ((clock_serv_t)0x1234, c);

	/* Not a name with a right: the MIG send fails. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, clock_get_time(MACH_PORT_NULL, &t));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, clock_get_time(MACH_PORT_DEAD, &t));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, clock_get_time(0x7ffff103, &t));
	/* A right that is no clock: the kernel's CLOCK_NULL answer. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, clock_get_time(port, &t));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, clock_get_time(mach_task_self(), &t));
	ASSERT_EQ(KERN_SUCCESS, semaphore_create(mach_task_self(), &sem,
						 SYNC_POLICY_FIFO, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, clock_get_time(sem, &t));
	EXPECT_EQ(7, t.tv_sec);
	EXPECT_EQ(7, t.tv_nsec);
	EXPECT_EQ(KERN_SUCCESS, semaphore_destroy(mach_task_self(), sem));

	/* A clock is not a semaphore either: a send right to another object. */
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       SYSTEM_CLOCK, &ok));
	EXPECT_EQ(KERN_INVALID_CAPABILITY, semaphore_signal(ok));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), ok));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(mach_task_self(), port));
}

TEST(clock_attributes)
{
	clock_serv_t sc, cc;
	mach_msg_type_number_t n;
	vm_size_t ps = 0;
	int res;

	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       SYSTEM_CLOCK, &sc));
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       CALENDAR_CLOCK, &cc));
	n = 1;
	res = -1;
	EXPECT_EQ(KERN_SUCCESS, clock_get_attributes(sc, CLOCK_GET_TIME_RES,
						     (clock_attr_t)&res, &n));
	EXPECT_EQ(1, n);
	EXPECT_LT(0, res);
	EXPECT_GE((int)(NSEC_PER_SEC / 100), res);
	/* A larger count is clipped to the one attribute. */
	n = 4;
	res = -1;
	EXPECT_EQ(KERN_SUCCESS, clock_get_attributes(cc, CLOCK_GET_TIME_RES,
						     (clock_attr_t)&res, &n));
	EXPECT_EQ(1, n);
	EXPECT_LT(0, res);
	n = 0;
	EXPECT_EQ(KERN_FAILURE, clock_get_attributes(sc, CLOCK_GET_TIME_RES,
						     (clock_attr_t)&res, &n));
	/* No alarms: XNU's alarm resolutions. */
	n = 1;
	EXPECT_EQ(KERN_SUCCESS, clock_get_attributes(sc, CLOCK_ALARM_MAXRES,
						     (clock_attr_t)&res, &n));
	EXPECT_EQ((int)(NSEC_PER_SEC / 100), res);
	EXPECT_EQ(KERN_SUCCESS, clock_get_attributes(cc, CLOCK_ALARM_CURRES,
						     (clock_attr_t)&res, &n));
	EXPECT_EQ(0, res);
	EXPECT_EQ(KERN_INVALID_VALUE, clock_get_attributes(sc, 2,
							   (clock_attr_t)&res, &n));
	EXPECT_EQ(KERN_INVALID_VALUE, clock_get_attributes(cc, 99,
							   (clock_attr_t)&res, &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  clock_get_attributes(mach_task_self(), CLOCK_GET_TIME_RES,
				       (clock_attr_t)&res, &n));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), sc));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), cc));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  clock_get_attributes(sc, CLOCK_GET_TIME_RES,
				       (clock_attr_t)&res, &n));

	EXPECT_EQ(KERN_SUCCESS, host_page_size(mach_host_self(), &ps));
	EXPECT_EQ((vm_size_t)sysconf(_SC_PAGESIZE), ps);
	/* XNU's libsyscall answers without looking at the host. */
	ps = 0;
	EXPECT_EQ(KERN_SUCCESS, host_page_size(mach_task_self(), &ps));
	EXPECT_EQ((vm_size_t)sysconf(_SC_PAGESIZE), ps);
}

/* A forked child is a new task: its clock names are its own. */
TEST(clock_fork_child)
{
	clock_serv_t c;
	mach_timespec_t t;
	int status;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(mach_host_self(),
						       CALENDAR_CLOCK, &c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		clock_serv_t mine = MACH_PORT_NULL;

		if (host_get_clock_service(mach_host_self(), CALENDAR_CLOCK,
					   &mine) ||
		    clock_get_time(mine, &t) ||
		    mt_refs(mine, MACH_PORT_RIGHT_DEAD_NAME) != 1 ||
		    mach_port_deallocate(mach_task_self(), mine) ||
		    clock_get_time(mine, &t) != MACH_SEND_INVALID_DEST)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(KERN_SUCCESS, clock_get_time(c, &t));
	EXPECT_EQ(1, mt_refs(c, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), c));
}

/* ------------------------------------------------------------------ */
/* vm_protect                                                          */
/* ------------------------------------------------------------------ */

TEST(vm_protect_then_write_faults)
{
	char *p = pages(2, 'a');
	char buf[8] = "written";

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, write_faults(p));
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(), (vm_address_t)p,
					   PAGE, FALSE, VM_PROT_READ));
	EXPECT_EQ(1, write_faults(p));
	/* Only the first page; the second stays writable. */
	EXPECT_EQ(0, write_faults(p + PAGE));
	EXPECT_EQ('a', p[10]);
	/* The copies say so instead of faulting. */
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_write(mach_task_self(), (vm_address_t)p,
			   (vm_offset_t)buf, sizeof(buf)));
	EXPECT_EQ('a', p[0]);
	/* An unaligned range covers its whole pages. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(mach_task_self(), (mach_vm_address_t)p + 100,
				  10, FALSE, VM_PROT_READ | VM_PROT_WRITE));
	EXPECT_EQ(0, write_faults(p));
	EXPECT_EQ(KERN_SUCCESS, vm_write(mach_task_self(), (vm_address_t)p,
					 (vm_offset_t)buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(p, "written", 8));
	/* VM_PROT_COPY is accepted (private memory: a plain change). */
	EXPECT_EQ(KERN_SUCCESS,
		  vm_protect(mach_task_self(), (vm_address_t)p + PAGE, PAGE,
			     FALSE, VM_PROT_READ | VM_PROT_COPY));
	EXPECT_EQ(1, write_faults(p + PAGE));
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(mach_task_self(),
					      (vm_address_t)p, 2 * PAGE));
}

TEST(vm_protect_errors)
{
	char *p = holed();
	vm_size_t got = 0;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  vm_protect(mach_task_self(), (vm_address_t)p, PAGE, FALSE,
			     0x20));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  vm_protect(mach_task_self(), (vm_address_t)p, PAGE, FALSE,
			     VM_PROT_NO_CHANGE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_protect(mach_task_self(), UINT64_MAX - 10, 100,
				  FALSE, VM_PROT_READ));
	EXPECT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(), (vm_address_t)p,
					   0, FALSE, VM_PROT_NONE));
	EXPECT_EQ(0, write_faults(p));
	/* A hole in the range: KERN_INVALID_ADDRESS and nothing changes. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_protect(mach_task_self(), (vm_address_t)p, 3 * PAGE,
			     FALSE, VM_PROT_READ));
	EXPECT_EQ(0, write_faults(p));
	EXPECT_EQ(0, write_faults(p + 2 * PAGE));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_protect(mach_task_self(), (vm_address_t)p + PAGE, 1,
			     FALSE, VM_PROT_READ));
	/* A long range (the /proc/self/maps path) with the same hole. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_protect(mach_task_self(), (vm_address_t)p,
			     (vm_size_t)8192 * PAGE, FALSE, VM_PROT_READ));
	EXPECT_EQ(0, write_faults(p));
	/* PROT_NONE: reading it is a protection failure, not a crash. */
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(),
					   (vm_address_t)p + 2 * PAGE, PAGE,
					   FALSE, VM_PROT_NONE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_read_overwrite(mach_task_self(),
				    (vm_address_t)p + 2 * PAGE, 16,
				    (vm_address_t)p, &got));
	EXPECT_EQ(0U, got);
	vm_deallocate(mach_task_self(), (vm_address_t)p, 3 * PAGE);
}

/* set_maximum lowers the current protection with the maximum. */
TEST(vm_protect_maximum)
{
	char *p = pages(2, 'm');
	char buf[4] = "max";
	vm_size_t got = 0;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(), (vm_address_t)p,
					   PAGE, TRUE, VM_PROT_READ));
	EXPECT_EQ(1, write_faults(p));
	EXPECT_EQ('m', p[1]);
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_write(mach_task_self(), (vm_address_t)p,
			   (vm_offset_t)buf, sizeof(buf)));
	/* A maximum above the current protection does not raise it. */
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(),
					   (vm_address_t)p + PAGE, PAGE, FALSE,
					   VM_PROT_NONE));
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_protect(mach_task_self(), (mach_vm_address_t)p,
				  2 * PAGE, TRUE,
				  VM_PROT_READ | VM_PROT_WRITE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)p + PAGE,
				    4, (vm_address_t)buf, &got));
	EXPECT_EQ(1, write_faults(p));
	vm_deallocate(mach_task_self(), (vm_address_t)p, 2 * PAGE);
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_protect(mach_task_self(), (vm_address_t)p, 2 * PAGE,
			     TRUE, VM_PROT_READ));
}

/* ------------------------------------------------------------------ */
/* vm_read_overwrite                                                   */
/* ------------------------------------------------------------------ */

TEST(read_overwrite)
{
	char src[100], dst[100];
	mach_vm_size_t got64 = 0;
	vm_size_t got = 0;
	char *p = pages(2, 0);
	size_t i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < sizeof(src); i++)
		src[i] = (char)i;
	memset(dst, 0, sizeof(dst));
	EXPECT_EQ(KERN_SUCCESS,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)src + 3,
				    90, (vm_address_t)dst + 1, &got));
	EXPECT_EQ(90U, got);
	EXPECT_EQ(0, memcmp(dst + 1, src + 3, 90));
	EXPECT_EQ(0, dst[0]);
	EXPECT_EQ(0, dst[91]);
	/* Across a page boundary, 64-bit call. */
	memset(p + PAGE - 50, 'x', 100);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_read_overwrite(mach_task_self(),
					 (mach_vm_address_t)p + PAGE - 50, 100,
					 (mach_vm_address_t)dst, &got64));
	EXPECT_EQ(100U, got64);
	for (i = 0; i < 100; i++)
		ASSERT_EQ('x', dst[i]);
	/* Overlapping ranges copy as memmove() does. */
	memcpy(src, "0123456789", 10);
	EXPECT_EQ(KERN_SUCCESS,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)src, 9,
				    (vm_address_t)src + 1, &got));
	EXPECT_EQ(0, memcmp(src, "0012345678", 10));
	EXPECT_EQ(KERN_SUCCESS,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)src + 1, 9,
				    (vm_address_t)src, &got));
	EXPECT_EQ(0, memcmp(src, "0123456788", 10));
	/* Size 0 copies nothing and reports 0. */
	got = 55;
	EXPECT_EQ(KERN_SUCCESS,
		  vm_read_overwrite(mach_task_self(), 0, 0,
				    (vm_address_t)dst, &got));
	EXPECT_EQ(0U, got);
	/* A large copy (several process_vm_readv or pipe rounds). */
	{
		size_t n = 64 * PAGE;
		char *a = pages(64, 0), *b = pages(64, 0);

		ASSERT_NE(NULL, a);
		ASSERT_NE(NULL, b);
		for (i = 0; i < n; i++)
			a[i] = (char)(i * 7 + i / 4096);
		EXPECT_EQ(KERN_SUCCESS,
			  vm_read_overwrite(mach_task_self(), (vm_address_t)a,
					    n, (vm_address_t)b, &got));
		EXPECT_EQ(n, got);
		EXPECT_EQ(0, memcmp(a, b, n));
		vm_deallocate(mach_task_self(), (vm_address_t)a, n);
		vm_deallocate(mach_task_self(), (vm_address_t)b, n);
	}
	vm_deallocate(mach_task_self(), (vm_address_t)p, 2 * PAGE);
}

TEST(read_overwrite_unmapped)
{
	char *p = holed();
	char dst[64];
	vm_size_t got = 77;

	ASSERT_NE(NULL, p);
	memset(dst, 'd', sizeof(dst));
	/* Reading a hole returns instead of crashing. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)p + PAGE,
				    16, (vm_address_t)dst, &got));
	EXPECT_EQ(77U, got);
	EXPECT_EQ('d', dst[0]);
	/* Running into it from mapped memory. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)p + PAGE - 8,
				    16, (vm_address_t)dst, &got));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read_overwrite(mach_task_self(), 0, 16,
				    (vm_address_t)dst, &got));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_read_overwrite(mach_task_self(),
					 0xffff800000000000ULL, 16,
					 (mach_vm_address_t)dst, NULL));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_read_overwrite(mach_task_self(), UINT64_MAX - 8, 64,
					 (mach_vm_address_t)dst, NULL));
	/* Into a hole. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)dst, 16,
				    (vm_address_t)p + PAGE, &got));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)dst, 16,
				    8, &got));
	EXPECT_EQ(77U, got);
	vm_deallocate(mach_task_self(), (vm_address_t)p, 3 * PAGE);
}

TEST(read_overwrite_protection)
{
	char *p = pages(2, 'r');
	char dst[16];
	vm_size_t got = 0;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(),
					   (vm_address_t)p + PAGE, PAGE, FALSE,
					   VM_PROT_READ));
	/* Into read-only memory. */
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)dst, 16,
				    (vm_address_t)p + PAGE, &got));
	EXPECT_EQ('r', p[PAGE]);
	/* From it is fine. */
	EXPECT_EQ(KERN_SUCCESS,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)p + PAGE,
				    16, (vm_address_t)dst, &got));
	EXPECT_EQ(16U, got);
	EXPECT_EQ('r', dst[15]);
	/* The source is checked first, as XNU copies it in first. */
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(), (vm_address_t)p,
					   PAGE, FALSE, VM_PROT_NONE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_read_overwrite(mach_task_self(), (vm_address_t)p, 16,
				    8, &got));
	vm_deallocate(mach_task_self(), (vm_address_t)p, 2 * PAGE);
}

/* ------------------------------------------------------------------ */
/* vm_read, vm_write, vm_copy                                          */
/* ------------------------------------------------------------------ */

TEST(vm_read_allocates)
{
	static const char msg[] = "vm_read copies into new memory";
	vm_offset_t data = 0;
	mach_msg_type_number_t n = 0;
	char *p = pages(3, 'q');
	vm_size_t got = 0;
	char c;

	ASSERT_NE(NULL, p);
	memcpy(p + PAGE - 5, msg, sizeof(msg));
	ASSERT_EQ(KERN_SUCCESS,
		  vm_read(mach_task_self(), (vm_address_t)p + PAGE - 5,
			  sizeof(msg), &data, &n));
	EXPECT_EQ(sizeof(msg), n);
	EXPECT_NE((vm_offset_t)p + PAGE - 5, data);
	/* Same offset in the page as the source, as XNU's copyout. */
	EXPECT_EQ((PAGE - 5) & vm_page_mask, data & vm_page_mask);
	EXPECT_EQ(0, memcmp((void *)data, msg, sizeof(msg)));
	/* A copy: the source changing later does not show. */
	p[PAGE - 5] = 'X';
	EXPECT_EQ('v', *(char *)data);
	/* Released with vm_deallocate(data, count): gone afterwards. */
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(mach_task_self(), data, n));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read_overwrite(mach_task_self(), data, 1,
				    (vm_address_t)&c, &got));

	/* Several pages, 64-bit call. */
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_read(mach_task_self(), (mach_vm_address_t)p,
			       3 * PAGE, &data, &n));
	EXPECT_EQ(3 * PAGE, n);
	EXPECT_EQ(0U, data & vm_page_mask);
	EXPECT_EQ(0, memcmp((void *)data, p, 3 * PAGE));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_deallocate(mach_task_self(), data, n));

	/* Size 0: no memory. */
	data = 1;
	n = 1;
	EXPECT_EQ(KERN_SUCCESS, vm_read(mach_task_self(), (vm_address_t)p, 0,
					&data, &n));
	EXPECT_EQ(0U, data);
	EXPECT_EQ(0U, n);
	vm_deallocate(mach_task_self(), (vm_address_t)p, 3 * PAGE);
}

TEST(vm_read_errors)
{
	mach_msg_type_number_t base = mt_name_count();
	vm_offset_t data = 0x55;
	mach_msg_type_number_t n = 0x66;
	char *p = holed();

	ASSERT_NE(NULL, p);
	/* The count is 32 bits. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_read(mach_task_self(), (mach_vm_address_t)p,
			       (mach_vm_size_t)1 << 32, &data, &n));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read(mach_task_self(), (vm_address_t)p + PAGE, 10,
			  &data, &n));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read(mach_task_self(), (vm_address_t)p, 3 * PAGE,
			  &data, &n));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_read(mach_task_self(), 0, 10, &data, &n));
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(), (vm_address_t)p,
					   PAGE, FALSE, VM_PROT_NONE));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_read(mach_task_self(), (vm_address_t)p, 10, &data, &n));
	/* Protection failure at a lower address than the hole wins. */
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_read(mach_task_self(), (vm_address_t)p, 3 * PAGE,
			  &data, &n));
	EXPECT_EQ(0x55U, data);
	EXPECT_EQ(0x66U, n);
	EXPECT_EQ(base, mt_name_count());
	vm_deallocate(mach_task_self(), (vm_address_t)p, 3 * PAGE);
}

TEST(vm_write_and_errors)
{
	static const char msg[] = "vm_write";
	/* First, so that it cannot land in the hole. */
	char *ro = pages(1, 'o');
	char *p = holed();

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(KERN_SUCCESS, vm_write(mach_task_self(), (vm_address_t)p + 3,
					 (vm_offset_t)msg, sizeof(msg)));
	EXPECT_EQ(0, memcmp(p + 3, msg, sizeof(msg)));
	EXPECT_EQ('h', p[2]);
	EXPECT_EQ('h', p[3 + sizeof(msg)]);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_write(mach_task_self(),
				(mach_vm_address_t)p + 2 * PAGE,
				(vm_offset_t)msg, 4));
	EXPECT_EQ(0, memcmp(p + 2 * PAGE, "vm_wh", 5));
	EXPECT_EQ(KERN_SUCCESS, vm_write(mach_task_self(), 0,
					 (vm_offset_t)msg, 0));
	/* Destination: hole, read-only. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_write(mach_task_self(), (vm_address_t)p + PAGE,
			   (vm_offset_t)msg, sizeof(msg)));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_write(mach_task_self(), (vm_address_t)p + PAGE - 2,
			   (vm_offset_t)msg, sizeof(msg)));
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(), (vm_address_t)ro,
					   PAGE, FALSE, VM_PROT_READ));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_write(mach_task_self(), (vm_address_t)ro,
			   (vm_offset_t)msg, sizeof(msg)));
	EXPECT_EQ('o', ro[0]);
	/* Unreadable data cannot be sent out of line. */
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY,
		  vm_write(mach_task_self(), (vm_address_t)p,
			   (vm_offset_t)p + PAGE, 16));
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY,
		  vm_write(mach_task_self(), (vm_address_t)p, 0, 16));
	vm_deallocate(mach_task_self(), (vm_address_t)p, 3 * PAGE);
	vm_deallocate(mach_task_self(), (vm_address_t)ro, PAGE);
}

TEST(vm_copy_and_errors)
{
	char *p = pages(4, 0);
	char *h = holed();
	size_t i;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, h);
	for (i = 0; i < 2 * PAGE; i++)
		p[i] = (char)(i % 251);
	/* Whole pages. */
	EXPECT_EQ(KERN_SUCCESS, vm_copy(mach_task_self(), (vm_address_t)p,
					2 * PAGE, (vm_address_t)p + 2 * PAGE));
	EXPECT_EQ(0, memcmp(p, p + 2 * PAGE, 2 * PAGE));
	/* Unaligned and overlapping, 64-bit call. */
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_copy(mach_task_self(), (mach_vm_address_t)p + 1,
			       PAGE, (mach_vm_address_t)p + 11));
	for (i = 0; i < PAGE; i++)
		ASSERT_EQ((char)((i + 1) % 251), p[11 + i]);
	EXPECT_EQ(10, p[10]);
	EXPECT_EQ((char)((PAGE + 11) % 251), p[PAGE + 11]);
	EXPECT_EQ(KERN_SUCCESS, vm_copy(mach_task_self(), (vm_address_t)p, 0,
					(vm_address_t)h + PAGE));
	/* Source hole, destination hole, destination read-only. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_copy(mach_task_self(), (vm_address_t)h + PAGE, 16,
			  (vm_address_t)p));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_copy(mach_task_self(), (vm_address_t)p, 16,
			  (vm_address_t)h + PAGE + 8));
	ASSERT_EQ(KERN_SUCCESS, vm_protect(mach_task_self(), (vm_address_t)h,
					   PAGE, FALSE, VM_PROT_READ));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  vm_copy(mach_task_self(), (vm_address_t)p, 16,
			  (vm_address_t)h));
	EXPECT_EQ('h', h[0]);
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_copy(mach_task_self(), UINT64_MAX - 4, 16,
			       (mach_vm_address_t)p));
	vm_deallocate(mach_task_self(), (vm_address_t)p, 4 * PAGE);
	vm_deallocate(mach_task_self(), (vm_address_t)h, 3 * PAGE);
}

/* Another task than mach_task_self(): as the existing VM calls do. */
TEST(vm_foreign_task)
{
	mach_port_t port = mt_port_send();
	mach_port_t bad[] = { MACH_PORT_NULL, MACH_PORT_DEAD, 0, 0x7ffff101 };
	char buf[16] = "foreign", dst[16];
	vm_offset_t data = 0;
	mach_msg_type_number_t n = 0;
	vm_size_t got = 0;
	size_t i;

	ASSERT_TRUE(MACH_PORT_VALID(port));
	bad[2] = port;
	for (i = 0; i < MT_ARRAY_LEN(bad); i++) {
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  vm_protect(bad[i], (vm_address_t)buf, 1, FALSE,
				     VM_PROT_READ));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  mach_vm_protect(bad[i], (mach_vm_address_t)buf, 1,
					  FALSE, VM_PROT_READ));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  vm_read(bad[i], (vm_address_t)buf, 8, &data, &n));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  mach_vm_read(bad[i], (mach_vm_address_t)buf, 8,
				       &data, &n));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  vm_read_overwrite(bad[i], (vm_address_t)buf, 8,
					    (vm_address_t)dst, &got));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  mach_vm_read_overwrite(bad[i],
						 (mach_vm_address_t)buf, 8,
						 (mach_vm_address_t)dst,
						 NULL));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  vm_write(bad[i], (vm_address_t)dst,
				   (vm_offset_t)buf, 8));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  mach_vm_write(bad[i], (mach_vm_address_t)dst,
					(vm_offset_t)buf, 8));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  vm_copy(bad[i], (vm_address_t)buf, 8,
				  (vm_address_t)dst));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  mach_vm_copy(bad[i], (mach_vm_address_t)buf, 8,
				       (mach_vm_address_t)dst));
	}
	EXPECT_EQ(0U, data);
	EXPECT_EQ(0U, n);
	EXPECT_EQ(0U, got);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(mach_task_self(), port));
}

/*
 * Where process_vm_readv(2) is refused (seccomp here; containers do
 * that), the copies go through a pipe and answer the same.
 */
TEST(copy_without_process_vm_readv)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { MT_ARRAY_LEN(filter), filter };
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char src[32] = "through a pipe", dst[32];
		size_t big = 40 * PAGE, i;
		char *p, *a, *b;
		vm_size_t got = 0;
		vm_offset_t data;
		mach_msg_type_number_t n;
		struct iovec l = { dst, 4 }, r = { src, 4 };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			_exit(10);
		/* The filter works. */
		if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != -1 ||
		    errno != ENOSYS)
			_exit(11);
		p = holed();
		a = pages(40, 0);
		b = pages(40, 0);
		if (!p || !a || !b)
			_exit(12);
		if (vm_read_overwrite(mach_task_self(), (vm_address_t)src,
				      sizeof(src), (vm_address_t)dst, &got) ||
		    got != sizeof(src) || strcmp(dst, "through a pipe"))
			_exit(13);
		if (vm_read_overwrite(mach_task_self(), (vm_address_t)p + PAGE,
				      8, (vm_address_t)dst, &got) !=
		    KERN_INVALID_ADDRESS)
			_exit(14);
		if (vm_read_overwrite(mach_task_self(), (vm_address_t)src, 8,
				      (vm_address_t)p + PAGE - 4, &got) !=
		    KERN_INVALID_ADDRESS)
			_exit(15);
		for (i = 0; i < big; i++)
			a[i] = (char)(i * 13);
		if (vm_copy(mach_task_self(), (vm_address_t)a, big,
			    (vm_address_t)b) || memcmp(a, b, big))
			_exit(16);
		if (vm_read(mach_task_self(), (vm_address_t)a + 1, big - 1,
			    &data, &n) || n != big - 1 ||
		    memcmp((void *)data, a + 1, big - 1) ||
		    vm_deallocate(mach_task_self(), data, n))
			_exit(17);
		if (vm_protect(mach_task_self(), (vm_address_t)b, PAGE, FALSE,
			       VM_PROT_READ) ||
		    vm_write(mach_task_self(), (vm_address_t)b,
			     (vm_offset_t)src, 8) != KERN_PROTECTION_FAILURE ||
		    vm_write(mach_task_self(), (vm_address_t)a,
			     (vm_offset_t)p + PAGE, 8) !=
		    MACH_SEND_INVALID_MEMORY)
			_exit(18);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* A kernel without CONFIG_SECCOMP_FILTER (the debug guest's). */
	if (WEXITSTATUS(status) == 10)
		SKIP(return, "seccomp filters are not available");
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* XNU's codes for vm_allocate() and the flags it takes from user space. */
TEST(vm_allocate_codes)
{
	mach_port_t task = mach_task_self();
	mach_vm_address_t a, b;
	vm_address_t va;
	int tag = 0;

	/* Anywhere, larger than the address space: no space. */
	a = 0;
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(task, &a, 1ULL << 60,
						  VM_FLAGS_ANYWHERE));
	a = 0;
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(task, &a, (1ULL << 47) + PAGE,
						  VM_FLAGS_ANYWHERE));
	/* Rounding the size up overflows. */
	a = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(task, &a, UINT64_MAX - 5, VM_FLAGS_ANYWHERE));
	/* Fixed outside the user range, or in the first page. */
	a = 0x0000900000000000ULL;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_allocate(task, &a, PAGE, VM_FLAGS_FIXED));
	a = 0x00007ffffffff000ULL;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_allocate(task, &a, 2 * PAGE, VM_FLAGS_FIXED));
	a = 0;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_allocate(task, &a, PAGE, VM_FLAGS_FIXED));
	a = 0x10;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_allocate(task, &a, PAGE, VM_FLAGS_FIXED));
	va = 0;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  vm_allocate(task, &va, PAGE, VM_FLAGS_FIXED));
	/* Flags outside VM_FLAGS_USER_ALLOCATE. */
	a = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(task, &a, PAGE, VM_FLAGS_ANYWHERE |
				   VM_FLAGS_RETURN_DATA_ADDR));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(task, &a, PAGE, VM_FLAGS_ANYWHERE |
				   VM_FLAGS_RESILIENT_CODESIGN));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(task, &a, PAGE, VM_FLAGS_ANYWHERE | 0x100));
	/* User flags and tags are taken. */
	a = 0;
	ASSERT_EQ(KERN_SUCCESS,
		  mach_vm_allocate(task, &a, PAGE, VM_FLAGS_ANYWHERE |
				   VM_FLAGS_4GB_CHUNK | VM_FLAGS_PERMANENT |
				   VM_FLAGS_PURGABLE | VM_FLAGS_NO_CACHE |
				   VM_FLAGS_RANDOM_ADDR |
				   VM_FLAGS_GUARD_OBJECT_OPTOUT |
				   VM_MAKE_TAG(VM_MEMORY_MALLOC)));
	((volatile char *)(uintptr_t)a)[0] = 1;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, PAGE));
	VM_SET_FLAGS_ALIAS(tag, 200);
	VM_GET_FLAGS_ALIAS(tag, tag);
	EXPECT_EQ(200, tag);
	EXPECT_EQ(0x00070000, VM_FLAGS_SUPERPAGE_MASK);
	EXPECT_EQ(0x00010000, VM_FLAGS_SUPERPAGE_SIZE_ANY);
	EXPECT_EQ(0x00020000, VM_FLAGS_SUPERPAGE_SIZE_2MB);
	EXPECT_EQ(0, VM_FLAGS_SUPERPAGE_NONE);
	/* Superpages: 2 MB aligned, SIZE_ANY rounds the size up. */
	a = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, PAGE,
						 VM_FLAGS_ANYWHERE |
						 VM_FLAGS_SUPERPAGE_SIZE_ANY));
	EXPECT_EQ(0U, a & ((2ULL << 20) - 1));
	((volatile char *)(uintptr_t)a)[(2 << 20) - 1] = 1;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, 2 << 20));
	a = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(task, &a, PAGE, VM_FLAGS_ANYWHERE |
				   VM_FLAGS_SUPERPAGE_SIZE_2MB));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_allocate(task, &a, 2 << 20, VM_FLAGS_ANYWHERE |
				   (3 << VM_FLAGS_SUPERPAGE_SHIFT)));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 2 << 20,
						 VM_FLAGS_ANYWHERE |
						 VM_FLAGS_SUPERPAGE_SIZE_2MB));
	EXPECT_EQ(0U, a & ((2ULL << 20) - 1));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, 2 << 20));
	/* Fixed superpages: the address must be 2 MB aligned (XNU: no space). */
	b = a + PAGE;
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(task, &b, 2 << 20,
						  VM_FLAGS_FIXED |
						  VM_FLAGS_SUPERPAGE_SIZE_2MB));
	EXPECT_EQ(a + PAGE, b);
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(task, &b, 2 << 20,
						  VM_FLAGS_FIXED |
						  VM_FLAGS_OVERWRITE |
						  VM_FLAGS_SUPERPAGE_SIZE_2MB));
	b = a;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &b, 2 << 20,
						 VM_FLAGS_FIXED |
						 VM_FLAGS_SUPERPAGE_SIZE_2MB));
	EXPECT_EQ(a, b);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, 2 << 20));
	/* Fixed where something is: no space; overwrite replaces it. */
	a = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 2 * PAGE,
						 VM_FLAGS_ANYWHERE));
	b = a + PAGE;
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(task, &b, PAGE,
						  VM_FLAGS_FIXED));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &b, PAGE,
						 VM_FLAGS_FIXED |
						 VM_FLAGS_OVERWRITE));
	EXPECT_EQ(a + PAGE, b);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, 2 * PAGE));
}

/* Layouts and counts of XNU's LP64 region structures (pack(4)). */
TEST(vm_region_layouts)
{
	EXPECT_EQ(36U, sizeof(vm_region_basic_info_data_64_t));
	EXPECT_EQ(9U, VM_REGION_BASIC_INFO_COUNT_64);
	EXPECT_EQ(20U, offsetof(struct vm_region_basic_info_64, offset));
	EXPECT_EQ(28U, offsetof(struct vm_region_basic_info_64, behavior));
	EXPECT_EQ(32U, sizeof(vm_region_basic_info_data_t));
	EXPECT_EQ(8U, VM_REGION_BASIC_INFO_COUNT);
	EXPECT_EQ(36U, sizeof(vm_region_extended_info_data_t));
	EXPECT_EQ(9U, VM_REGION_EXTENDED_INFO_COUNT);
	EXPECT_EQ(20U, sizeof(vm_region_top_info_data_t));
	EXPECT_EQ(5U, VM_REGION_TOP_INFO_COUNT);
	EXPECT_EQ(76U, sizeof(vm_region_submap_info_data_64_t));
	EXPECT_EQ(19U, VM_REGION_SUBMAP_INFO_COUNT_64);
	EXPECT_EQ(17U, VM_REGION_SUBMAP_INFO_V1_COUNT_64);
	EXPECT_EQ(16U, VM_REGION_SUBMAP_INFO_V0_COUNT_64);
	EXPECT_EQ(68U, offsetof(struct vm_region_submap_info_64,
				object_id_full));
	EXPECT_EQ(48U, sizeof(vm_region_submap_short_info_data_64_t));
	EXPECT_EQ(12U, VM_REGION_SUBMAP_SHORT_INFO_COUNT_64);
	EXPECT_EQ(9, VM_REGION_BASIC_INFO_64);
	EXPECT_EQ(10, VM_REGION_BASIC_INFO);
	EXPECT_EQ(12, VM_REGION_TOP_INFO);
	EXPECT_EQ(13, VM_REGION_EXTENDED_INFO);
}

TEST(vm_region_basic)
{
	mach_port_t task = mach_task_self();
	vm_region_basic_info_data_64_t b;
	vm_region_basic_info_data_t ob;
	vm_region_extended_info_data_t e;
	vm_region_top_info_data_t t;
	mach_msg_type_number_t n;
	mach_port_t obj = 0x1234;
	mach_vm_address_t a = 0, r;
	mach_vm_size_t sz;
	vm_address_t va;
	vm_size_t vsz;
	char *sh;

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 4 * PAGE,
						 VM_FLAGS_ANYWHERE));
	/* Three regions: rw, r (a hole made by deallocate), rw. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(task, a, PAGE, FALSE,
						VM_PROT_READ));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a + PAGE, PAGE));
	memset((void *)(uintptr_t)(a + 2 * PAGE), 1, PAGE);
	r = a;
	n = VM_REGION_BASIC_INFO_COUNT_64;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_region(task, &r, &sz,
					       VM_REGION_BASIC_INFO_64,
					       (vm_region_info_t)&b, &n, &obj));
	EXPECT_EQ(a, r);
	EXPECT_EQ(PAGE, sz);
	EXPECT_EQ(VM_REGION_BASIC_INFO_COUNT_64, n);
	EXPECT_EQ(MACH_PORT_NULL, obj);
	EXPECT_EQ(VM_PROT_READ, b.protection);
	EXPECT_EQ(VM_PROT_ALL, b.max_protection);
	EXPECT_EQ(VM_INHERIT_COPY, b.inheritance);
	EXPECT_FALSE(b.shared);
	EXPECT_FALSE(b.reserved);
	EXPECT_EQ(VM_BEHAVIOR_DEFAULT, b.behavior);
	EXPECT_EQ(0, b.user_wired_count);
	/* In the hole: the next region. */
	r = a + PAGE + 5;
	n = VM_REGION_BASIC_INFO_COUNT_64;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_region(task, &r, &sz,
					       VM_REGION_BASIC_INFO_64,
					       (vm_region_info_t)&b, &n, &obj));
	EXPECT_EQ(a + 2 * PAGE, r);
	EXPECT_LE(2 * PAGE, sz);	/* may merge with a neighbour */
	EXPECT_EQ(VM_PROT_DEFAULT, b.protection);
	/* Old flavor through mach_vm_region: converted to the 64-bit one. */
	n = VM_REGION_BASIC_INFO_COUNT_64;
	r = a;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_region(task, &r, &sz,
					       VM_REGION_BASIC_INFO,
					       (vm_region_info_t)&b, &n, &obj));
	EXPECT_EQ(VM_REGION_BASIC_INFO_COUNT_64, n);
	/* vm_region() keeps the legacy structure. */
	va = (vm_address_t)a;
	n = VM_REGION_BASIC_INFO_COUNT;
	EXPECT_EQ(KERN_SUCCESS, vm_region(task, &va, &vsz, VM_REGION_BASIC_INFO,
					  (vm_region_info_t)&ob, &n, &obj));
	EXPECT_EQ(VM_REGION_BASIC_INFO_COUNT, n);
	EXPECT_EQ(VM_PROT_READ, ob.protection);
	EXPECT_EQ(PAGE, vsz);
	va = (vm_address_t)a;
	n = VM_REGION_BASIC_INFO_COUNT_64;
	EXPECT_EQ(KERN_SUCCESS, vm_region_64(task, &va, &vsz,
					     VM_REGION_BASIC_INFO_64,
					     (vm_region_info_t)&b, &n, &obj));
	EXPECT_EQ((vm_address_t)a, va);
	/* Extended and top info: resident pages of the written region. */
	r = a + 2 * PAGE;
	n = VM_REGION_EXTENDED_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_region(task, &r, &sz,
					       VM_REGION_EXTENDED_INFO,
					       (vm_region_info_t)&e, &n, &obj));
	EXPECT_EQ(VM_REGION_EXTENDED_INFO_COUNT, n);
	EXPECT_LE(1U, e.pages_resident);
	EXPECT_EQ(SM_PRIVATE, e.share_mode);
	EXPECT_EQ(VM_PROT_DEFAULT, e.protection);
	n = VM_REGION_TOP_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_region(task, &r, &sz,
					       VM_REGION_TOP_INFO,
					       (vm_region_info_t)&t, &n, &obj));
	EXPECT_EQ(VM_REGION_TOP_INFO_COUNT, n);
	EXPECT_LE(1U, t.private_pages_resident);
	EXPECT_EQ(0U, t.shared_pages_resident);
	/* Errors: counts too small, bad flavor, past the last region. */
	n = VM_REGION_BASIC_INFO_COUNT_64 - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_region(task, &r, &sz, VM_REGION_BASIC_INFO_64,
				 (vm_region_info_t)&b, &n, &obj));
	n = VM_REGION_TOP_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_region(task, &r, &sz, VM_REGION_TOP_INFO,
				 (vm_region_info_t)&t, &n, &obj));
	n = 100;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_region(task, &r, &sz, 99, (vm_region_info_t)&e,
				 &n, &obj));
	r = 0x00007ffffffff000ULL;
	n = VM_REGION_BASIC_INFO_COUNT_64;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_region(task, &r, &sz, VM_REGION_BASIC_INFO_64,
				 (vm_region_info_t)&b, &n, &obj));
	EXPECT_EQ(0x00007ffffffff000ULL, r);
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_vm_region(MACH_PORT_NULL, &r, &sz,
				 VM_REGION_BASIC_INFO_64,
				 (vm_region_info_t)&b, &n, &obj));
	/* Shared memory, and a hint: SHARE, shared, random. */
	sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	sh[0] = 1;
	ASSERT_EQ(0, madvise(sh, PAGE, MADV_RANDOM));
	r = (uintptr_t)sh;
	n = VM_REGION_BASIC_INFO_COUNT_64;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_region(task, &r, &sz,
					       VM_REGION_BASIC_INFO_64,
					       (vm_region_info_t)&b, &n, &obj));
	EXPECT_EQ((uintptr_t)sh, r);
	EXPECT_TRUE(b.shared);
	EXPECT_EQ(VM_INHERIT_SHARE, b.inheritance);
	EXPECT_EQ(VM_BEHAVIOR_RANDOM, b.behavior);
	n = VM_REGION_EXTENDED_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_region(task, &r, &sz,
					       VM_REGION_EXTENDED_INFO,
					       (vm_region_info_t)&e, &n, &obj));
	EXPECT_EQ(SM_SHARED, e.share_mode);
	munmap(sh, PAGE);
	mach_vm_deallocate(task, a, 4 * PAGE);
}

TEST(vm_region_recurse)
{
	mach_port_t task = mach_task_self();
	vm_region_submap_info_data_64_t s;
	vm_region_submap_short_info_data_64_t sh;
	mach_msg_type_number_t n;
	mach_vm_address_t a = 0, r;
	mach_vm_size_t sz;
	vm_address_t va;
	vm_size_t vsz;
	natural_t depth;

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 2 * PAGE,
						 VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(task, a, 2 * PAGE, FALSE,
						VM_PROT_READ));
	((volatile char *)(uintptr_t)a)[0];
	r = a;
	depth = 5;
	n = VM_REGION_SUBMAP_INFO_COUNT_64;
	memset(&s, 0xff, sizeof(s));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_region_recurse(task, &r, &sz, &depth,
						       (vm_region_recurse_info_t)&s,
						       &n));
	EXPECT_EQ(a, r);
	EXPECT_EQ(2 * PAGE, sz);
	EXPECT_EQ(0U, depth);
	EXPECT_EQ(VM_REGION_SUBMAP_INFO_COUNT_64, n);
	EXPECT_EQ(VM_PROT_READ, s.protection);
	EXPECT_EQ(VM_PROT_ALL, s.max_protection);
	EXPECT_EQ(VM_INHERIT_COPY, s.inheritance);
	EXPECT_FALSE(s.is_submap);
	EXPECT_EQ(0, s.user_wired_count);
	/* An older count gets the older structure. */
	n = VM_REGION_SUBMAP_INFO_V1_COUNT_64;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_region_recurse(task, &r, &sz, &depth,
						       (vm_region_recurse_info_t)&s,
						       &n));
	EXPECT_EQ(VM_REGION_SUBMAP_INFO_V1_COUNT_64, n);
	n = VM_REGION_SUBMAP_SHORT_INFO_COUNT_64;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_region_recurse(task, &r, &sz, &depth,
						       (vm_region_recurse_info_t)&sh,
						       &n));
	EXPECT_EQ(VM_REGION_SUBMAP_SHORT_INFO_COUNT_64, n);
	EXPECT_EQ(VM_PROT_READ, sh.protection);
	n = VM_REGION_SUBMAP_SHORT_INFO_COUNT_64 - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_region_recurse(task, &r, &sz, &depth,
					 (vm_region_recurse_info_t)&s, &n));
	va = (vm_address_t)a;
	n = VM_REGION_SUBMAP_INFO_COUNT_64;
	EXPECT_EQ(KERN_SUCCESS, vm_region_recurse_64(task, &va, &vsz, &depth,
						     (vm_region_recurse_info_t)&s,
						     &n));
	EXPECT_EQ(2 * PAGE, vsz);
	/* Locked memory: user_wired_count. */
	if (mlock((void *)(uintptr_t)a, PAGE) == 0) {
		r = a;
		n = VM_REGION_SUBMAP_INFO_COUNT_64;
		EXPECT_EQ(KERN_SUCCESS,
			  mach_vm_region_recurse(task, &r, &sz, &depth,
						 (vm_region_recurse_info_t)&s,
						 &n));
		EXPECT_EQ(1, s.user_wired_count);
		EXPECT_EQ(PAGE, sz);
		munlock((void *)(uintptr_t)a, PAGE);
	}
	r = 0x00007ffffffff000ULL;
	n = VM_REGION_SUBMAP_INFO_COUNT_64;
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_region_recurse(task, &r, &sz, &depth,
					 (vm_region_recurse_info_t)&s, &n));
	mach_vm_deallocate(task, a, 2 * PAGE);
}

static vm_inherit_t inheritance_of(mach_vm_address_t a)
{
	vm_region_basic_info_data_64_t b;
	mach_msg_type_number_t n = VM_REGION_BASIC_INFO_COUNT_64;
	mach_vm_size_t sz;
	mach_port_t obj;

	if (mach_vm_region(mach_task_self(), &a, &sz, VM_REGION_BASIC_INFO_64,
			   (vm_region_info_t)&b, &n, &obj))
		return 99;
	return b.inheritance;
}

/* NONE: absent in a child; SHARE: the child's writes are seen. */
TEST(vm_inherit_fork)
{
	mach_port_t task = mach_task_self();
	mach_vm_address_t a = 0;
	volatile char *p;
	char *sh;
	pid_t pid;
	int st;

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 3 * PAGE,
						 VM_FLAGS_ANYWHERE));
	p = (volatile char *)(uintptr_t)a;
	p[0] = 'n';
	p[PAGE] = 's';
	p[2 * PAGE] = 'c';
	EXPECT_EQ(KERN_SUCCESS, mach_vm_inherit(task, a, PAGE,
						VM_INHERIT_NONE));
	EXPECT_EQ(VM_INHERIT_NONE, inheritance_of(a));
	/*
	 * Linux cannot share private memory with a child: SHARE on it is
	 * KERN_NOT_SUPPORTED and changes nothing; on shared memory it works.
	 */
	EXPECT_EQ(KERN_NOT_SUPPORTED,
		  vm_inherit(task, (vm_address_t)a + PAGE, PAGE,
			     VM_INHERIT_SHARE));
	EXPECT_EQ(VM_INHERIT_COPY, inheritance_of(a + PAGE));
	EXPECT_EQ('s', p[PAGE]);
	EXPECT_EQ(KERN_NOT_SUPPORTED,
		  mach_vm_inherit(task, a, 3 * PAGE, VM_INHERIT_SHARE));
	EXPECT_EQ(VM_INHERIT_NONE, inheritance_of(a));
	EXPECT_EQ(VM_INHERIT_COPY, inheritance_of(a + 2 * PAGE));
	sh = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	sh[0] = 'h';
	/* A private page in a shared range: refused, nothing changed. */
	ASSERT_EQ(sh + PAGE, mmap(sh + PAGE, PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				  -1, 0));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_inherit(task, (uintptr_t)sh, PAGE,
						VM_INHERIT_NONE));
	EXPECT_EQ(KERN_NOT_SUPPORTED,
		  mach_vm_inherit(task, (uintptr_t)sh, 2 * PAGE,
				  VM_INHERIT_SHARE));
	EXPECT_EQ(VM_INHERIT_NONE, inheritance_of((uintptr_t)sh));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_inherit(task, (uintptr_t)sh, PAGE,
						VM_INHERIT_SHARE));
	EXPECT_EQ(VM_INHERIT_SHARE, inheritance_of((uintptr_t)sh));
	EXPECT_EQ('h', sh[0]);
	EXPECT_EQ(VM_INHERIT_COPY, inheritance_of(a + 2 * PAGE));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char v;

		/* Not inherited: not mapped in the child. */
		if (mincore((void *)p, PAGE, &v) == 0 || errno != ENOMEM)
			_exit(1);
		p[PAGE] = 'S';
		p[2 * PAGE] = 'C';
		sh[0] = 'H';
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ('n', p[0]);
	EXPECT_EQ('s', p[PAGE]);	/* copied, not shared */
	EXPECT_EQ('c', p[2 * PAGE]);
	EXPECT_EQ('H', sh[0]);
	munmap(sh, 2 * PAGE);
	/* Back to COPY. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_inherit(task, a, PAGE,
						VM_INHERIT_COPY));
	EXPECT_EQ(VM_INHERIT_COPY, inheritance_of(a));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_inherit(task, a, PAGE, VM_INHERIT_DONATE_COPY));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_inherit(task, a, PAGE, 7));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_inherit(task, a, UINT64_MAX, VM_INHERIT_COPY));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_vm_inherit(MACH_PORT_NULL, a, PAGE, VM_INHERIT_COPY));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_inherit(task, a, 0, VM_INHERIT_NONE));
	mach_vm_deallocate(task, a, 3 * PAGE);
}

TEST(vm_wire_behavior_msync_purgable)
{
	mach_port_t task = mach_task_self(), host;
	mach_vm_address_t a = 0;
	int state = VM_PURGABLE_VOLATILE;
	char *p;

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 3 * PAGE,
						 VM_FLAGS_ANYWHERE));
	p = (char *)(uintptr_t)a;
	memset(p, 7, 3 * PAGE);
	/* Wiring needs the privileged host port. */
	host = mach_host_self();
	EXPECT_EQ(KERN_INVALID_HOST,
		  mach_vm_wire(host, task, a, PAGE, VM_PROT_READ));
	EXPECT_EQ(KERN_INVALID_HOST,
		  vm_wire(host, task, (vm_address_t)a, PAGE, VM_PROT_NONE));
	EXPECT_EQ(KERN_INVALID_HOST,
		  mach_vm_wire(task, task, a, PAGE, VM_PROT_READ));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_vm_wire(MACH_PORT_NULL, task, a, PAGE, VM_PROT_READ));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_vm_wire(0x7ffff101, task, a, PAGE, VM_PROT_READ));
	mach_port_deallocate(task, host);
	/* Behaviors. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(task, a, PAGE,
						     VM_BEHAVIOR_RANDOM));
	EXPECT_EQ(VM_INHERIT_COPY, inheritance_of(a));
	{
		vm_region_basic_info_data_64_t b;
		mach_msg_type_number_t n = VM_REGION_BASIC_INFO_COUNT_64;
		mach_vm_address_t r = a;
		mach_vm_size_t sz;
		mach_port_t obj;

		ASSERT_EQ(KERN_SUCCESS,
			  mach_vm_region(task, &r, &sz, VM_REGION_BASIC_INFO_64,
					 (vm_region_info_t)&b, &n, &obj));
		EXPECT_EQ(VM_BEHAVIOR_RANDOM, b.behavior);
		EXPECT_EQ(PAGE, sz);
	}
	EXPECT_EQ(KERN_SUCCESS, vm_behavior_set(task, (vm_address_t)a, PAGE,
						VM_BEHAVIOR_DEFAULT));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(task, a, 3 * PAGE,
						     VM_BEHAVIOR_DONTNEED));
	EXPECT_EQ(7, p[PAGE]);		/* DONTNEED keeps the data */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(task, a, PAGE,
						     VM_BEHAVIOR_ZERO));
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[PAGE - 1]);
	EXPECT_EQ(7, p[PAGE]);
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_behavior_set(task, a, PAGE, 13));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_behavior_set(task, a, PAGE, -1));
	/* Purgeable control on memory that is not purgeable. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(task, a, VM_PURGABLE_SET_STATE,
					   &state));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(task, a, VM_PURGABLE_GET_STATE,
					   &state));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  vm_purgable_control(task, (vm_address_t)a,
				      VM_PURGABLE_SET_STATE_FROM_KERNEL,
				      &state));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(task, a, 9, &state));
	EXPECT_EQ(KERN_SUCCESS,
		  mach_vm_purgable_control(task, a, VM_PURGABLE_PURGE_ALL,
					   &state));
	/* msync: both sync kinds refused; holes only with CONTIGUOUS. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_msync(task, a, 3 * PAGE,
					      VM_SYNC_SYNCHRONOUS));
	EXPECT_EQ(KERN_SUCCESS, vm_msync(task, (vm_address_t)a, PAGE,
					 VM_SYNC_ASYNCHRONOUS |
					 VM_SYNC_INVALIDATE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_msync(task, a, PAGE, VM_SYNC_SYNCHRONOUS |
				VM_SYNC_ASYNCHRONOUS));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  mach_vm_msync(MACH_PORT_NULL, a, PAGE, VM_SYNC_SYNCHRONOUS));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a + PAGE, PAGE));
	EXPECT_EQ(7, p[2 * PAGE]);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_msync(task, a, 3 * PAGE,
					      VM_SYNC_SYNCHRONOUS));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_msync(task, a, 3 * PAGE,
				VM_SYNC_SYNCHRONOUS | VM_SYNC_CONTIGUOUS));
	/* Holes for the behaviors and purgeable control. */
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_behavior_set(task, a, 3 * PAGE,
				       VM_BEHAVIOR_SEQUENTIAL));
	EXPECT_EQ(KERN_INVALID_ADDRESS,
		  mach_vm_purgable_control(task, a + PAGE,
					   VM_PURGABLE_GET_STATE, &state));
	/* Read-only: purgeable set is a protection failure first. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(task, a, PAGE, FALSE,
						VM_PROT_READ));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_purgable_control(task, a, VM_PURGABLE_SET_STATE,
					   &state));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_behavior_set(task, a, PAGE, VM_BEHAVIOR_ZERO));
	mach_vm_deallocate(task, a, 3 * PAGE);
}

/* VM_FLAGS_PURGABLE memory is a purgeable object. */
TEST(vm_purgable_object)
{
	mach_port_t task = mach_task_self();
	mach_vm_address_t a = 0, b = 0;
	int state = -1;
	char *p;

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 2 * PAGE,
						 VM_FLAGS_ANYWHERE |
						 VM_FLAGS_PURGABLE));
	p = (char *)(uintptr_t)a;
	memset(p, 9, 2 * PAGE);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_purgable_control(task, a + PAGE + 3,
							 VM_PURGABLE_GET_STATE,
							 &state));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state);
	state = VM_PURGABLE_VOLATILE;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_purgable_control(task, a,
							 VM_PURGABLE_SET_STATE,
							 &state));
	EXPECT_EQ(VM_PURGABLE_NONVOLATILE, state);	/* the old state */
	EXPECT_EQ(KERN_SUCCESS, vm_purgable_control(task, (vm_address_t)a,
						    VM_PURGABLE_GET_STATE,
						    &state));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, state);
	EXPECT_EQ(9, p[PAGE]);			/* never purged here */
	state = VM_PURGABLE_NONVOLATILE;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_purgable_control(task, a,
							 VM_PURGABLE_SET_STATE,
							 &state));
	EXPECT_EQ(VM_PURGABLE_VOLATILE, state);
	/* EMPTY discards the contents; the next set reports it. */
	state = VM_PURGABLE_EMPTY;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_purgable_control(task, a,
							 VM_PURGABLE_SET_STATE,
							 &state));
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[2 * PAGE - 1]);
	state = VM_PURGABLE_NONVOLATILE;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_purgable_control(task, a,
							 VM_PURGABLE_SET_STATE,
							 &state));
	EXPECT_EQ(VM_PURGABLE_EMPTY, state);
	/* Read-only: no set, get still works. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(task, a, 2 * PAGE, FALSE,
						VM_PROT_READ));
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_purgable_control(task, a, VM_PURGABLE_SET_STATE,
					   &state));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_purgable_control(task, a,
							 VM_PURGABLE_GET_STATE,
							 &state));
	/* Part deallocated: the rest is no purgeable object any more. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, PAGE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(task, a + PAGE,
					   VM_PURGABLE_GET_STATE, &state));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a + PAGE, PAGE));
	/* Ordinary memory. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &b, PAGE,
						 VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(task, b, VM_PURGABLE_GET_STATE,
					   &state));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, b, PAGE));
}

/*
 * VM_BEHAVIOR_ZERO commits nothing on untouched private memory (it reads
 * back zeroes) and zero-fills shared memory.
 */
TEST(vm_behavior_zero)
{
	mach_port_t task = mach_task_self();
	mach_vm_size_t big = 64ULL << 20;
	mach_vm_address_t a = 0;
	long long before, after;
	volatile char *p;
	char *sh;

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, big,
						 VM_FLAGS_ANYWHERE));
	p = (volatile char *)(uintptr_t)a;
	p[0] = 1;
	p[big / 2] = 2;
	p[big - 1] = 3;
	before = status_kb("RssAnon");
	ASSERT_LE(0, before);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(task, a, big,
						     VM_BEHAVIOR_ZERO));
	after = status_kb("RssAnon");
	/* 64 MB zero-filled would add 65536 kB. */
	EXPECT_GT(before + 8192, after);
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[big / 2]);
	EXPECT_EQ(0, p[big - 1]);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, a, big));
	/* Shared memory: zero-filled, and the change is seen through it. */
	sh = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 5, 2 * PAGE);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_behavior_set(task, (uintptr_t)sh,
						     PAGE, VM_BEHAVIOR_ZERO));
	EXPECT_EQ(0, sh[0]);
	EXPECT_EQ(0, sh[PAGE - 1]);
	EXPECT_EQ(5, sh[PAGE]);
	/* One read-only page fails the call before anything is zeroed. */
	ASSERT_EQ(0, mprotect(sh + PAGE, PAGE, PROT_READ));
	sh[0] = 6;
	EXPECT_EQ(KERN_PROTECTION_FAILURE,
		  mach_vm_behavior_set(task, (uintptr_t)sh, 2 * PAGE,
				       VM_BEHAVIOR_ZERO));
	EXPECT_EQ(6, sh[0]);
	munmap(sh, 2 * PAGE);
}

/*
 * Purgeable memory the program unmapped or replaced itself (munmap(2),
 * mmap(2) MAP_FIXED) is no purgeable object: EMPTY must not wipe what is
 * there now.
 */
TEST(vm_purgable_stale)
{
	mach_port_t task = mach_task_self();
	mach_vm_address_t a = 0;
	int state;
	char *p;

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 2 * PAGE,
						 VM_FLAGS_ANYWHERE |
						 VM_FLAGS_PURGABLE));
	p = (char *)(uintptr_t)a;
	ASSERT_EQ(0, munmap(p, 2 * PAGE));
	ASSERT_EQ(p, mmap(p, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	memset(p, 5, 2 * PAGE);
	state = VM_PURGABLE_EMPTY;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(task, a, VM_PURGABLE_SET_STATE,
					   &state));
	EXPECT_EQ(5, p[0]);
	EXPECT_EQ(5, p[2 * PAGE - 1]);
	/* The record is gone: still not purgeable. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(task, a, VM_PURGABLE_GET_STATE,
					   &state));
	munmap(p, 2 * PAGE);
	/* Replaced by MAP_FIXED over it, without unmapping first. */
	a = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &a, 2 * PAGE,
						 VM_FLAGS_ANYWHERE |
						 VM_FLAGS_PURGABLE));
	p = (char *)(uintptr_t)a;
	ASSERT_EQ(p + PAGE, mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
				 -1, 0));
	memset(p, 7, 2 * PAGE);
	state = VM_PURGABLE_EMPTY;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  mach_vm_purgable_control(task, a, VM_PURGABLE_SET_STATE,
					   &state));
	EXPECT_EQ(7, p[0]);
	EXPECT_EQ(7, p[PAGE]);
	munmap(p, 2 * PAGE);
}

TEST_HARNESS_MAIN
