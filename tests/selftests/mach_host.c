// SPDX-License-Identifier: GPL-2.0
/*
 * mach_host: the host calls (<mach/mach_host.h>: host_info(),
 * host_statistics()), the task/pid traps (pid_for_task(), task_for_pid()),
 * the scheduling traps (thread_switch(), swtch(), swtch_pri()) and
 * mach_msg_trap()/mach_msg_overwrite_trap(), as macOS programs call them,
 * with <mach/mach.h> alone included.
 *
 * - basic_info / basic_info_old_count / basic_info_short: HOST_BASIC_INFO
 *   against sysconf() and the architecture; XNU's old 5-integer layout
 *   for a count between the two; KERN_FAILURE below it, output untouched.
 * - sched_and_priority_info, host_info_errors.
 * - statistics_load / statistics_cpu_load / statistics_errors.
 * - statistics_vm / statistics_vm_revisions / statistics64_vm: the page
 *   counts against /proc/meminfo, page faults counted as they happen, the
 *   32-bit structure's revisions, the layout of vm_statistics64.
 * - host_self_name: mach_host_self() is a dead name with a reference per
 *   call; host_null_and_bogus: MACH_SEND_INVALID_DEST for MACH_PORT_NULL
 *   and names without a right, as XNU's MIG; clock_attributes_xnu.
 * - processor_info_load / processor_info_basic: host_processor_info().
 * - pid_for_task_self / pid_for_task_errors / pid_for_task_fork_child.
 * - task_for_pid_self / task_for_pid_others.
 * - thread_switch_options, thread_switch_wait (milliseconds; the
 *   dispatch-contention option waits microseconds).
 * - msg_trap_round_trip: a send and a receive through the traps.
 * - msg_trap_rcv_interrupted: a signal ends mach_msg_trap()'s receive
 *   with MACH_RCV_INTERRUPTED; mach_msg() in the same spot keeps waiting
 *   and gets the message sent after the signal.
 * - msg_trap_send_interrupted: the same for a send blocked on a full
 *   queue: MACH_SEND_INTERRUPTED, nothing queued.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stddef.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "mach_test.h"

TEST(basic_info)
{
	host_basic_info_data_t b;
	mach_msg_type_number_t n = HOST_BASIC_INFO_COUNT;
	uint64_t mem = (uint64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);

	ASSERT_EQ(48, sizeof(b));
	ASSERT_EQ(12, HOST_BASIC_INFO_COUNT);
	ASSERT_EQ(40, offsetof(host_basic_info_data_t, max_mem));
	memset(&b, 0xa5, sizeof(b));
	ASSERT_EQ(KERN_SUCCESS, host_info(mach_host_self(), HOST_BASIC_INFO,
					  (host_info_t)&b, &n));
	EXPECT_EQ(HOST_BASIC_INFO_COUNT, n);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_CONF), b.max_cpus);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), b.avail_cpus);
	EXPECT_EQ(b.avail_cpus, b.logical_cpu);
	EXPECT_EQ(b.max_cpus, b.logical_cpu_max);
	EXPECT_EQ(b.avail_cpus, b.physical_cpu);
	EXPECT_EQ(mem, b.max_mem);
	EXPECT_EQ(mem > 0x80000000ULL ? 0x80000000U : (natural_t)mem,
		  b.memory_size);
#if defined(__x86_64__)
	EXPECT_EQ(CPU_TYPE_X86_64, b.cpu_type);
	EXPECT_EQ(0x01000007, b.cpu_type);
	EXPECT_EQ(CPU_SUBTYPE_X86_64_ALL, b.cpu_subtype);
#elif defined(__aarch64__)
	EXPECT_EQ(CPU_TYPE_ARM64, b.cpu_type);
#endif
	EXPECT_EQ(CPU_THREADTYPE_NONE, b.cpu_threadtype);
}

TEST(basic_info_old_count)
{
	integer_t buf[HOST_BASIC_INFO_COUNT];
	mach_msg_type_number_t n;
	unsigned int i;

	for (n = HOST_BASIC_INFO_OLD_COUNT; n < HOST_BASIC_INFO_COUNT; n++) {
		mach_msg_type_number_t got = n;

		memset(buf, 0x5a, sizeof(buf));
		ASSERT_EQ(KERN_SUCCESS,
			  host_info(mach_host_self(), HOST_BASIC_INFO, buf,
				    &got));
		ASSERT_EQ(HOST_BASIC_INFO_OLD_COUNT, got);
		EXPECT_EQ(sysconf(_SC_NPROCESSORS_CONF), buf[0]);
		/* Nothing past the old structure is written. */
		for (i = HOST_BASIC_INFO_OLD_COUNT; i < HOST_BASIC_INFO_COUNT; i++)
			ASSERT_EQ(0x5a5a5a5a, buf[i]);
	}
}

TEST(basic_info_short)
{
	integer_t buf[HOST_BASIC_INFO_COUNT];
	mach_msg_type_number_t n = HOST_BASIC_INFO_OLD_COUNT - 1;

	memset(buf, 0x5a, sizeof(buf));
	EXPECT_EQ(KERN_FAILURE, host_info(mach_host_self(), HOST_BASIC_INFO,
					  buf, &n));
	EXPECT_EQ(HOST_BASIC_INFO_OLD_COUNT - 1, n);
	EXPECT_EQ(0x5a5a5a5a, buf[0]);
}

TEST(sched_and_priority_info)
{
	host_sched_info_data_t s;
	host_priority_info_data_t p;
	mach_msg_type_number_t n = HOST_SCHED_INFO_COUNT;

	ASSERT_EQ(2, HOST_SCHED_INFO_COUNT);
	ASSERT_EQ(8, HOST_PRIORITY_INFO_COUNT);
	ASSERT_EQ(KERN_SUCCESS, host_info(mach_host_self(), HOST_SCHED_INFO,
					  (host_info_t)&s, &n));
	EXPECT_EQ(HOST_SCHED_INFO_COUNT, n);
	EXPECT_GT(s.min_timeout, 0);
	EXPECT_GT(s.min_quantum, 0);
	n = HOST_PRIORITY_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, host_info(mach_host_self(), HOST_PRIORITY_INFO,
					  (host_info_t)&p, &n));
	EXPECT_EQ(HOST_PRIORITY_INFO_COUNT, n);
	/* XNU's bands: MINPRI_KERNEL, MINPRI_RESERVED, BASEPRI_DEFAULT ... */
	EXPECT_EQ(80, p.kernel_priority);
	EXPECT_EQ(80, p.system_priority);
	EXPECT_EQ(64, p.server_priority);
	EXPECT_EQ(31, p.user_priority);
	EXPECT_EQ(0, p.depress_priority);
	EXPECT_EQ(0, p.idle_priority);
	EXPECT_EQ(0, p.minimum_priority);
	EXPECT_EQ(79, p.maximum_priority);
	EXPECT_EQ(10, s.min_quantum);
}

TEST(host_info_errors)
{
	integer_t buf[HOST_BASIC_INFO_COUNT];
	mach_msg_type_number_t n = HOST_BASIC_INFO_COUNT;

	/* Not the host. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_info(mach_task_self(), HOST_BASIC_INFO, buf, &n));
	/* Flavors Linux has no answer for. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_info(mach_host_self(), HOST_RESOURCE_SIZES, buf, &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_info(mach_host_self(), 9999, buf, &n));
	EXPECT_EQ(HOST_BASIC_INFO_COUNT, n);
	/* "Has the traps": yes, with nothing to say (XNU: count 0). */
	EXPECT_EQ(KERN_SUCCESS,
		  host_info(mach_host_self(), HOST_MACH_MSG_TRAP, buf, &n));
	EXPECT_EQ(0, n);
	n = HOST_BASIC_INFO_COUNT;
	EXPECT_EQ(KERN_SUCCESS,
		  host_info(mach_host_self(), HOST_SEMAPHORE_TRAPS, buf, &n));
	EXPECT_EQ(0, n);
	n = HOST_SCHED_INFO_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE,
		  host_info(mach_host_self(), HOST_SCHED_INFO, buf, &n));
	n = HOST_PRIORITY_INFO_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE,
		  host_info(mach_host_self(), HOST_PRIORITY_INFO, buf, &n));
}

TEST(statistics_load)
{
	host_load_info_data_t l;
	mach_msg_type_number_t n = HOST_LOAD_INFO_COUNT;
	double avg[3];
	int i;

	ASSERT_EQ(6, HOST_LOAD_INFO_COUNT);
	ASSERT_EQ(KERN_SUCCESS, host_statistics(mach_host_self(),
						HOST_LOAD_INFO,
						(host_info_t)&l, &n));
	ASSERT_EQ(3, getloadavg(avg, 3));
	EXPECT_EQ(HOST_LOAD_INFO_COUNT, n);
	for (i = 0; i < 3; i++) {
		/* The load may move between the two readings: 0.5 of slack. */
		EXPECT_LE(abs(l.avenrun[i] - (integer_t)(avg[i] * LOAD_SCALE)),
			  LOAD_SCALE / 2);
		EXPECT_GE(l.mach_factor[i], 0);
		EXPECT_LE(l.mach_factor[i],
			  sysconf(_SC_NPROCESSORS_ONLN) * LOAD_SCALE);
	}
}

TEST(statistics_cpu_load)
{
	host_cpu_load_info_data_t a, b;
	mach_msg_type_number_t n = HOST_CPU_LOAD_INFO_COUNT;
	long long end = mt_now_ms() + 100;
	volatile unsigned long spin = 0;
	int i;

	ASSERT_EQ(4, HOST_CPU_LOAD_INFO_COUNT);
	ASSERT_EQ(KERN_SUCCESS, host_statistics(mach_host_self(),
						HOST_CPU_LOAD_INFO,
						(host_info_t)&a, &n));
	EXPECT_EQ(HOST_CPU_LOAD_INFO_COUNT, n);
	while (mt_now_ms() < end)
		spin++;
	ASSERT_EQ(KERN_SUCCESS, host_statistics(mach_host_self(),
						HOST_CPU_LOAD_INFO,
						(host_info_t)&b, &n));
	for (i = 0; i < CPU_STATE_MAX; i++)
		EXPECT_GE(b.cpu_ticks[i], a.cpu_ticks[i]);
	/* 100 ms of spinning is at least a tick of user or system time. */
	EXPECT_GT(b.cpu_ticks[CPU_STATE_USER] + b.cpu_ticks[CPU_STATE_SYSTEM],
		  a.cpu_ticks[CPU_STATE_USER] + a.cpu_ticks[CPU_STATE_SYSTEM]);
}

TEST(statistics_errors)
{
	integer_t buf[64];
	mach_msg_type_number_t n = 64;

	EXPECT_EQ(KERN_INVALID_HOST,
		  host_statistics(mach_task_self(), HOST_LOAD_INFO, buf, &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_statistics(mach_host_self(), HOST_EXTMOD_INFO64, buf,
				  &n));
	EXPECT_EQ(64, n);
	n = HOST_LOAD_INFO_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE,
		  host_statistics(mach_host_self(), HOST_LOAD_INFO, buf, &n));
	n = HOST_CPU_LOAD_INFO_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE, host_statistics(mach_host_self(),
						HOST_CPU_LOAD_INFO, buf, &n));
}

/* A /proc/meminfo value in kB. */
static unsigned long long meminfo_kb(const char *key)
{
	char line[256];
	unsigned long long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			sscanf(line + n + 1, "%llu", &v);
	if (f)
		fclose(f);
	return v;
}

/*
 * Whether Linux counts page faults here: /proc/vmstat has its event
 * counters only with CONFIG_VM_EVENT_COUNTERS (the debug guest has none).
 */
static int vm_events(void)
{
	char line[128];
	int found = 0;
	FILE *f = fopen("/proc/vmstat", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "pgfault ", 8);
	if (f)
		fclose(f);
	return found;
}

TEST(statistics_vm)
{
	vm_statistics_data_t s;
	mach_msg_type_number_t n = HOST_VM_INFO_COUNT;
	unsigned long long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	unsigned long long total = meminfo_kb("MemTotal") / page_kb;
	unsigned long long free_now;

	ASSERT_EQ(15, HOST_VM_INFO_COUNT);
	ASSERT_EQ(KERN_SUCCESS, host_statistics(mach_host_self(), HOST_VM_INFO,
						(host_info_t)&s, &n));
	free_now = meminfo_kb("MemFree") / page_kb;
	EXPECT_EQ(HOST_VM_INFO_COUNT, n);
	EXPECT_GT(s.free_count, 0);
	/* Free memory moves between the readings: a 16 MiB slack. */
	EXPECT_LE(llabs((long long)s.free_count - (long long)free_now),
		  (long long)(16384 / page_kb));
	EXPECT_LE((unsigned long long)s.active_count + s.inactive_count +
		  s.free_count, total);
	if (vm_events()) {
		EXPECT_GT(s.faults, 0);
	} else {
		EXPECT_EQ(0, s.faults);
	}
}

TEST(statistics_vm_revisions)
{
	integer_t buf[HOST_VM_INFO_COUNT];
	mach_msg_type_number_t n;
	unsigned int i;

	for (n = HOST_VM_INFO_REV0_COUNT; n <= HOST_VM_INFO_COUNT; n++) {
		mach_msg_type_number_t got = n;
		mach_msg_type_number_t want = n >= HOST_VM_INFO_REV2_COUNT ?
			HOST_VM_INFO_REV2_COUNT : n >= HOST_VM_INFO_REV1_COUNT ?
			HOST_VM_INFO_REV1_COUNT : HOST_VM_INFO_REV0_COUNT;

		memset(buf, 0x5a, sizeof(buf));
		ASSERT_EQ(KERN_SUCCESS, host_statistics(mach_host_self(),
							HOST_VM_INFO, buf,
							&got));
		ASSERT_EQ(want, got);
		for (i = want; i < HOST_VM_INFO_COUNT; i++)
			ASSERT_EQ(0x5a5a5a5a, buf[i]);
	}
	n = HOST_VM_INFO_REV0_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE, host_statistics(mach_host_self(), HOST_VM_INFO,
						buf, &n));
}

TEST(statistics64_vm)
{
	vm_statistics64_data_t a, b;
	host_load_info_data_t l;
	mach_msg_type_number_t n = HOST_VM_INFO64_COUNT;
	size_t len = 256 * (size_t)sysconf(_SC_PAGESIZE), i;
	char *p;

	ASSERT_EQ(152, sizeof(a));
	ASSERT_EQ(38, HOST_VM_INFO64_COUNT);
	ASSERT_EQ(16, offsetof(vm_statistics64_data_t, zero_fill_count));
	ASSERT_EQ(88, offsetof(vm_statistics64_data_t, purgeable_count));
	ASSERT_EQ(144, offsetof(vm_statistics64_data_t,
				total_uncompressed_pages_in_compressor));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* One fault per page: no huge page may take them all at once. */
	madvise(p, len, MADV_NOHUGEPAGE);
	ASSERT_EQ(KERN_SUCCESS, host_statistics64(mach_host_self(),
						  HOST_VM_INFO64,
						  (host_info64_t)&a, &n));
	EXPECT_EQ(HOST_VM_INFO64_COUNT, n);
	for (i = 0; i < len; i += sysconf(_SC_PAGESIZE))
		p[i] = 1;
	ASSERT_EQ(KERN_SUCCESS, host_statistics64(mach_host_self(),
						  HOST_VM_INFO64,
						  (host_info64_t)&b, &n));
	if (vm_events()) {
		EXPECT_GE(b.faults, a.faults + 256);
	} else {
		EXPECT_EQ(0, b.faults);
	}
	EXPECT_GT(b.internal_page_count, 0);
	munmap(p, len);

	/* XNU's first revision: the counts up to speculative_count. */
	ASSERT_EQ(24, HOST_VM_INFO64_REV0_COUNT);
	n = HOST_VM_INFO64_COUNT - 1;
	memset(&b, 0x5a, sizeof(b));
	EXPECT_EQ(KERN_SUCCESS, host_statistics64(mach_host_self(),
						  HOST_VM_INFO64,
						  (host_info64_t)&b, &n));
	EXPECT_EQ(HOST_VM_INFO64_REV0_COUNT, n);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, b.decompressions);
	n = HOST_VM_INFO64_REV0_COUNT - 1;
	EXPECT_EQ(KERN_FAILURE, host_statistics64(mach_host_self(),
						  HOST_VM_INFO64,
						  (host_info64_t)&a, &n));
	/* The other flavors are host_statistics()'s. */
	n = HOST_LOAD_INFO_COUNT;
	EXPECT_EQ(KERN_SUCCESS, host_statistics64(mach_host_self(),
						  HOST_LOAD_INFO,
						  (host_info64_t)&l, &n));
	EXPECT_EQ(HOST_LOAD_INFO_COUNT, n);
	n = HOST_VM_INFO64_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_statistics(mach_host_self(), HOST_VM_INFO64,
				  (host_info_t)&a, &n));
	EXPECT_EQ(KERN_INVALID_HOST,
		  host_statistics64(mach_task_self(), HOST_VM_INFO64,
				    (host_info64_t)&a, &n));
}

/*
 * mach_host_self() is a name of the space (a dead name, as the task's):
 * the same name each call, one more user reference each time, released
 * with mach_port_deallocate(); once all are released, a new name.
 */
TEST(host_self_name)
{
	mach_port_t h = mach_host_self(), h2, h3;
	mach_port_urefs_t refs;
	host_basic_info_data_t hb;
	mach_msg_type_number_t n = HOST_BASIC_INFO_COUNT;

	ASSERT_TRUE(MACH_PORT_VALID(h));
	EXPECT_NE(mach_task_self(), h);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(h));
	refs = mt_refs(h, MACH_PORT_RIGHT_DEAD_NAME);
	h2 = mach_host_self();
	EXPECT_EQ(h, h2);
	EXPECT_EQ(refs + 1, mt_refs(h, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(h, host_self_trap());
	EXPECT_EQ(refs + 2, mt_refs(h, MACH_PORT_RIGHT_DEAD_NAME));
	/* Release every reference: the name is gone, and no host. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(mach_task_self(), h,
						   MACH_PORT_RIGHT_DEAD_NAME,
						   -(mach_port_delta_t)(refs + 2)));
	EXPECT_EQ((mach_port_type_t)-1, mt_type(h));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  host_info(h, HOST_BASIC_INFO, (host_info_t)&hb, &n));
	EXPECT_EQ(HOST_BASIC_INFO_COUNT, n);
	h3 = mach_host_self();
	ASSERT_TRUE(MACH_PORT_VALID(h3));
	EXPECT_NE(h, h3);
	EXPECT_EQ(1, mt_refs(h3, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), h3));
}

/*
 * XNU: a host call on a name without a right (MACH_PORT_NULL too) fails
 * its MIG send, MACH_SEND_INVALID_DEST; host_page_size() is libsyscall's,
 * which looks at no host.
 */
TEST(host_null_and_bogus)
{
	static const mach_port_t bad[] = { MACH_PORT_NULL, 0x12345 };
	integer_t buf[64];
	mach_msg_type_number_t n;
	processor_info_array_t info = NULL;
	mach_msg_type_number_t cnt = 0;
	natural_t ncpu = 0;
	clock_serv_t c = 0x777;
	vm_size_t ps = 0;
	unsigned int i;

	for (i = 0; i < MT_ARRAY_LEN(bad); i++) {
		n = 64;
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  host_info(bad[i], HOST_BASIC_INFO, buf, &n));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  host_statistics(bad[i], HOST_LOAD_INFO, buf, &n));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  host_statistics64(bad[i], HOST_VM_INFO64, buf, &n));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  host_get_clock_service(bad[i], SYSTEM_CLOCK, &c));
		EXPECT_EQ(MACH_SEND_INVALID_DEST,
			  host_processor_info(bad[i], PROCESSOR_CPU_LOAD_INFO,
					      &ncpu, &info, &cnt));
		EXPECT_EQ(64, n);
		EXPECT_EQ(0x777, c);
	}
	EXPECT_EQ(KERN_SUCCESS, host_page_size(MACH_PORT_NULL, &ps));
	EXPECT_EQ(vm_page_size, ps);
	/* A name that is not the host: XNU's HOST_NULL answers. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_processor_info(mach_task_self(), PROCESSOR_CPU_LOAD_INFO,
				      &ncpu, &info, &cnt));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_get_clock_service(mach_task_self(), SYSTEM_CLOCK, &c));
}

/* XNU's clock attributes: 10 ms resolution, alarms 10 ms / none. */
TEST(clock_attributes_xnu)
{
	clock_serv_t sc, cc;
	clock_res_t res;
	mach_msg_type_number_t n;
	mach_port_t h = mach_host_self();

	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(h, SYSTEM_CLOCK, &sc));
	ASSERT_EQ(KERN_SUCCESS, host_get_clock_service(h, CALENDAR_CLOCK, &cc));
	n = 1;
	ASSERT_EQ(KERN_SUCCESS, clock_get_attributes(sc, CLOCK_GET_TIME_RES,
						     (clock_attr_t)&res, &n));
	EXPECT_EQ(NSEC_PER_SEC / 100, res);
	ASSERT_EQ(KERN_SUCCESS, clock_get_attributes(cc, CLOCK_GET_TIME_RES,
						     (clock_attr_t)&res, &n));
	EXPECT_EQ(NSEC_PER_SEC / 100, res);
	ASSERT_EQ(KERN_SUCCESS, clock_get_attributes(sc, CLOCK_ALARM_MINRES,
						     (clock_attr_t)&res, &n));
	EXPECT_EQ(NSEC_PER_SEC / 100, res);
	ASSERT_EQ(KERN_SUCCESS, clock_get_attributes(cc, CLOCK_ALARM_MAXRES,
						     (clock_attr_t)&res, &n));
	EXPECT_EQ(0, res);
	mach_port_deallocate(mach_task_self(), sc);
	mach_port_deallocate(mach_task_self(), cc);
	mach_port_deallocate(mach_task_self(), h);
}

/* The per-CPU lines of /proc/stat: user+nice+system+idle of each. */
static int proc_cpus(unsigned long long *sum, int max)
{
	char line[512];
	unsigned long long u, ni, sy, id;
	int cpu, n = 0;
	FILE *f = fopen("/proc/stat", "re");

	while (f && fgets(line, sizeof(line), f))
		if (line[3] >= '0' && line[3] <= '9' &&
		    sscanf(line, "cpu%d %llu %llu %llu %llu", &cpu, &u, &ni,
			   &sy, &id) == 5 && cpu >= 0 && cpu < max) {
			sum[cpu] = u + ni + sy + id;
			if (cpu + 1 > n)
				n = cpu + 1;
		}
	if (f)
		fclose(f);
	return n;
}

TEST(processor_info_load)
{
	processor_info_array_t info = NULL;
	processor_cpu_load_info_t load;
	mach_msg_type_number_t cnt = 0;
	natural_t ncpu = 0, i;
	unsigned long long before[256] = { 0 }, after[256] = { 0 }, t;
	mach_port_t h = mach_host_self();
	int n;

	n = proc_cpus(before, 256);
	ASSERT_LT(0, n);
	ASSERT_EQ(KERN_SUCCESS, host_processor_info(h, PROCESSOR_CPU_LOAD_INFO,
						    &ncpu, &info, &cnt));
	proc_cpus(after, 256);
	/* The CPUs Linux lists or knows of, whichever are more. */
	EXPECT_EQ((natural_t)(n > sysconf(_SC_NPROCESSORS_CONF) ? n :
			      sysconf(_SC_NPROCESSORS_CONF)), ncpu);
	EXPECT_EQ(ncpu * PROCESSOR_CPU_LOAD_INFO_COUNT, cnt);
	ASSERT_NE(NULL, info);
	load = (processor_cpu_load_info_t)info;
	for (i = 0; i < (natural_t)n && i < 256; i++) {
		t = (unsigned long long)load[i].cpu_ticks[CPU_STATE_USER] +
		    load[i].cpu_ticks[CPU_STATE_NICE] +
		    load[i].cpu_ticks[CPU_STATE_SYSTEM] +
		    load[i].cpu_ticks[CPU_STATE_IDLE];
		EXPECT_LE(before[i], t);
		EXPECT_GE(after[i], t);
	}
	EXPECT_EQ(KERN_SUCCESS,
		  vm_deallocate(mach_task_self(), (vm_address_t)info,
				cnt * sizeof(integer_t)));
	mach_port_deallocate(mach_task_self(), h);
}

TEST(processor_info_basic)
{
	processor_info_array_t info = NULL;
	processor_basic_info_t b;
	mach_msg_type_number_t cnt = 0;
	natural_t ncpu = 0, i, running = 0;
	host_basic_info_data_t hb;
	mach_msg_type_number_t n = HOST_BASIC_INFO_COUNT;
	mach_port_t h = mach_host_self();

	ASSERT_EQ(KERN_SUCCESS, host_info(h, HOST_BASIC_INFO,
					  (host_info_t)&hb, &n));
	ASSERT_EQ(KERN_SUCCESS, host_processor_info(h, PROCESSOR_BASIC_INFO,
						    &ncpu, &info, &cnt));
	EXPECT_EQ(ncpu * PROCESSOR_BASIC_INFO_COUNT, cnt);
	b = (processor_basic_info_t)info;
	for (i = 0; i < ncpu; i++) {
		EXPECT_EQ(hb.cpu_type, b[i].cpu_type);
		EXPECT_EQ(hb.cpu_subtype, b[i].cpu_subtype);
		EXPECT_EQ((int)i, b[i].slot_num);
		EXPECT_EQ(i == 0, b[i].is_master);
		running += !!b[i].running;
	}
	EXPECT_EQ((natural_t)sysconf(_SC_NPROCESSORS_ONLN), running);
	EXPECT_EQ(KERN_SUCCESS,
		  vm_deallocate(mach_task_self(), (vm_address_t)info,
				cnt * sizeof(integer_t)));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  host_processor_info(h, 99, &ncpu, &info, &cnt));
	mach_port_deallocate(mach_task_self(), h);
}

TEST(pid_for_task_self)
{
	int pid = 0;

	ASSERT_EQ(KERN_SUCCESS, pid_for_task(mach_task_self(), &pid));
	EXPECT_EQ(getpid(), pid);
}

TEST(pid_for_task_errors)
{
	mach_port_t p = mt_port();
	int pid = 1234;

	ASSERT_NE(MACH_PORT_NULL, p);
	EXPECT_EQ(KERN_FAILURE, pid_for_task(MACH_PORT_NULL, &pid));
	EXPECT_EQ(-1, pid);
	pid = 1234;
	/* A port is no task. */
	EXPECT_EQ(KERN_FAILURE, pid_for_task(p, &pid));
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(KERN_SUCCESS,
		  mach_port_destroy(mach_task_self(), p));
}

TEST(pid_for_task_fork_child)
{
	pid_t child;
	int status;

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int pid = 0;

		_exit(pid_for_task(mach_task_self(), &pid) != KERN_SUCCESS ? 2 :
		      pid != getpid() ? 3 : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(task_for_pid_self)
{
	mach_port_name_t t = MACH_PORT_DEAD;
	mach_msg_type_number_t before = mt_name_count();

	ASSERT_EQ(KERN_SUCCESS,
		  task_for_pid(mach_task_self(), getpid(), &t));
	EXPECT_EQ(mach_task_self(), t);
	/* The task's name, usable as such; no new name in the space. */
	EXPECT_EQ(MACH_PORT_TYPE_SEND, mt_type(t));
	EXPECT_EQ(before, mt_name_count());
}

TEST(task_for_pid_others)
{
	mach_port_name_t t = MACH_PORT_DEAD;

	EXPECT_EQ(KERN_FAILURE, task_for_pid(mach_task_self(), getppid(), &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = MACH_PORT_DEAD;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(mach_task_self(), 0, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = MACH_PORT_DEAD;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(MACH_PORT_NULL, getpid(), &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
}

TEST(thread_switch_options)
{
	EXPECT_EQ(KERN_SUCCESS,
		  thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0));
	EXPECT_EQ(KERN_SUCCESS,
		  thread_switch(MACH_PORT_NULL, SWITCH_OPTION_DEPRESS, 1));
	EXPECT_EQ(KERN_SUCCESS, thread_switch(mach_thread_self(),
					      SWITCH_OPTION_NONE, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_switch(MACH_PORT_NULL, 99, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_switch(MACH_PORT_NULL, -1, 0));
}

TEST(thread_switch_wait)
{
	long long t0 = mt_now_ms();

	EXPECT_EQ(KERN_SUCCESS,
		  thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 50));
	EXPECT_GE(mt_now_ms() - t0, 50);
	t0 = mt_now_ms();
	EXPECT_EQ(KERN_SUCCESS,
		  thread_switch(MACH_PORT_NULL, SWITCH_OPTION_OSLOCK_WAIT, 30));
	EXPECT_GE(mt_now_ms() - t0, 30);
	/* 20000 us: 20 ms, not 20 s. */
	t0 = mt_now_ms();
	EXPECT_EQ(KERN_SUCCESS,
		  thread_switch(MACH_PORT_NULL,
				SWITCH_OPTION_DISPATCH_CONTENTION, 20000));
	EXPECT_GE(mt_now_ms() - t0, 20);
	EXPECT_LT(mt_now_ms() - t0, 5000);
}

TEST(msg_trap_round_trip)
{
	mach_port_t p = mt_port_send();
	mt_simple_t m;
	mt_simple_rcv_t r;

	ASSERT_NE(MACH_PORT_NULL, p);
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = p;
	m.header.msgh_id = 4242;
	m.seq = 7;
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg_trap(&m.header, MACH_SEND_MSG, sizeof(m), 0,
				MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
				MACH_PORT_NULL));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(MACH_MSG_SUCCESS,
		  mach_msg_overwrite_trap(NULL, MACH_RCV_MSG, 0, sizeof(r), p,
					  MACH_MSG_TIMEOUT_NONE,
					  MACH_PORT_NULL, &r.header,
					  sizeof(r)));
	EXPECT_EQ(4242, r.header.msgh_id);
	EXPECT_EQ(7, r.seq);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(mach_task_self(), p));
}

/* A signal whose handler does not restart system calls. */
static void on_usr1(int sig)
{
	(void)sig;
}

static void no_restart_usr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
}

struct waiter {
	pid_t tid;
	mach_port_t port;
	int trap;			/* mach_msg_trap(), else mach_msg() */
	int send;			/* a send to a full queue, else a receive */
	volatile int started;
	mach_msg_return_t mr;
	uint32_t seq;
	long long ms;
};

static void *waiter_run(void *arg)
{
	struct waiter *w = arg;
	long long t0 = mt_now_ms();
	mt_simple_rcv_t r;
	mt_simple_t m;

	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	m.header.msgh_size = sizeof(m);
	m.header.msgh_remote_port = w->port;
	m.seq = 99;
	w->tid = gettid();
	w->started = 1;
	if (w->send)
		w->mr = mach_msg_trap(&m.header, MACH_SEND_MSG, sizeof(m), 0,
				      MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
				      MACH_PORT_NULL);
	else if (w->trap)
		w->mr = mach_msg_trap(&r.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT,
				      0, sizeof(r), w->port, 10000,
				      MACH_PORT_NULL);
	else
		w->mr = mach_msg(&r.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
				 sizeof(r), w->port, 10000, MACH_PORT_NULL);
	w->seq = r.seq;
	w->ms = mt_now_ms() - t0;
	return NULL;
}

static void start_and_signal(struct __test_metadata *_metadata,
			     struct waiter *w, pthread_t *th)
{
	long long end = mt_now_ms() + 10000;

	no_restart_usr1();
	ASSERT_EQ(0, pthread_create(th, NULL, waiter_run, w));
	while (!w->started)
		sched_yield();
	/* Its only sleep is in the call: then the signal lands in it. */
	while (!mt_thread_sleeps(w->tid) && mt_now_ms() < end)
		usleep(5000);
	ASSERT_TRUE(mt_thread_sleeps(w->tid));
	ASSERT_EQ(0, pthread_kill(*th, SIGUSR1));
}

TEST(msg_trap_rcv_interrupted)
{
	struct waiter w = { .port = mt_port_send(), .trap = 1 };
	pthread_t th;

	ASSERT_NE(MACH_PORT_NULL, w.port);
	start_and_signal(_metadata, &w, &th);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(MACH_RCV_INTERRUPTED, w.mr);
	EXPECT_LT(w.ms, 5000);

	/* mach_msg() itself retries: the message sent later arrives. */
	memset(&w, 0, sizeof(w));
	w.port = mt_port_send();
	ASSERT_NE(MACH_PORT_NULL, w.port);
	start_and_signal(_metadata, &w, &th);
	usleep(100 * 1000);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(w.port, MACH_MSG_TYPE_COPY_SEND,
					    1, 5, 0, 0));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(MACH_MSG_SUCCESS, w.mr);
	EXPECT_EQ(5, w.seq);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(mach_task_self(), w.port));
}

TEST(msg_trap_send_interrupted)
{
	struct waiter w = { .port = mt_port_send(), .send = 1 };
	mach_port_limits_t lim = { .mpl_qlimit = 1 };
	mt_simple_rcv_t r;
	pthread_t th;

	ASSERT_NE(MACH_PORT_NULL, w.port);
	ASSERT_EQ(KERN_SUCCESS,
		  mach_port_set_attributes(mach_task_self(), w.port,
					   MACH_PORT_LIMITS_INFO,
					   (mach_port_info_t)&lim,
					   MACH_PORT_LIMITS_INFO_COUNT));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(w.port, MACH_MSG_TYPE_COPY_SEND,
					    1, 1, 0, 0));
	start_and_signal(_metadata, &w, &th);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(MACH_SEND_INTERRUPTED, w.mr);
	/* Only the first message is queued. */
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_recv(w.port, &r, MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(1, r.seq);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_recv(w.port, &r, MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(mach_task_self(), w.port));
}

TEST_HARNESS_MAIN
