// SPDX-License-Identifier: GPL-2.0
/*
 * mach_task: task_info() flavors, mach_thread_self() and thread_info(),
 * the thread and task policies, and task_get_special_port(), as macOS
 * programs call them, with <mach/mach.h> alone included.
 *
 * - layouts: sizes, offsets and *_COUNT macros against XNU's LP64 layouts.
 * - basic_info: MACH_TASK_BASIC_INFO against /proc/self/status; resident
 *   size grows with touched memory; TASK_BASIC_INFO_64/_32 agree.
 * - thread_times: a joined thread's CPU time moves to the terminated
 *   threads' times; a live thread's shows in TASK_THREAD_TIMES_INFO and
 *   TASK_ABSOLUTETIME_INFO.
 * - events / vm_info / vm_info_revisions / flags / dyld: the other flavors
 *   and the counts XNU writes back; vm_info_long_path: a long mapping
 *   path is one region.
 * - short_counts / task_info_errors: KERN_INVALID_ARGUMENT below each
 *   flavor's minimum, MACH_SEND_INVALID_DEST for no task.
 * - thread_self_*: one name per thread, a user reference per call, a new
 *   name once all were released; forked child (its own table, threads
 *   added); from a signal handler, also one interrupting the call.
 * - thread_info_*: THREAD_BASIC/IDENTIFIER/EXTENDED_INFO of the caller and
 *   of another live thread; errors.
 * - thread_policy / task_policy: remembered, defaults, XNU's errors.
 * - special_ports: kernel, name, host, unset and bad ports.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mach_test.h"

/* |a - b| <= tol */
#define EXPECT_WITHIN(a, b, tol) \
	EXPECT_GE((long long)(tol), llabs((long long)(a) - (long long)(b)))

TEST(layouts)
{
	EXPECT_EQ(48, sizeof(mach_task_basic_info_data_t));
	EXPECT_EQ(12, MACH_TASK_BASIC_INFO_COUNT);
	EXPECT_EQ(24, offsetof(mach_task_basic_info_data_t, user_time));
	EXPECT_EQ(40, offsetof(mach_task_basic_info_data_t, policy));
	EXPECT_EQ(40, sizeof(task_basic_info_64_data_t));
	EXPECT_EQ(10, TASK_BASIC_INFO_64_COUNT);
	EXPECT_EQ(4, offsetof(task_basic_info_64_data_t, virtual_size));
	EXPECT_EQ(8, TASK_BASIC_INFO_32_COUNT);
	EXPECT_EQ(10, TASK_BASIC_INFO_COUNT);
	EXPECT_EQ(TASK_BASIC_INFO_64, TASK_BASIC_INFO);
#if defined(__x86_64__)
	EXPECT_EQ(5, TASK_BASIC_INFO_64);
#elif defined(__aarch64__)
	EXPECT_EQ(18, TASK_BASIC_INFO_64);
#endif
	EXPECT_EQ(8, TASK_EVENTS_INFO_COUNT);
	EXPECT_EQ(4, TASK_THREAD_TIMES_INFO_COUNT);
	EXPECT_EQ(8, TASK_ABSOLUTETIME_INFO_COUNT);
	EXPECT_EQ(5, TASK_DYLD_INFO_COUNT);
	EXPECT_EQ(1, TASK_FLAGS_INFO_COUNT);
	EXPECT_EQ(28, TASK_FLAGS_INFO);
	EXPECT_EQ(144, offsetof(task_vm_info_data_t, phys_footprint));
	EXPECT_EQ(152, offsetof(task_vm_info_data_t, min_address));
	EXPECT_EQ(36, TASK_VM_INFO_REV0_COUNT);
	EXPECT_EQ(38, TASK_VM_INFO_REV1_COUNT);
	EXPECT_EQ(42, TASK_VM_INFO_REV2_COUNT);
	EXPECT_EQ(84, TASK_VM_INFO_REV3_COUNT);
	EXPECT_EQ(86, TASK_VM_INFO_REV4_COUNT);
	EXPECT_EQ(87, TASK_VM_INFO_REV5_COUNT);
	EXPECT_EQ(89, TASK_VM_INFO_COUNT);
	EXPECT_EQ(10, THREAD_BASIC_INFO_COUNT);
	EXPECT_EQ(6, THREAD_IDENTIFIER_INFO_COUNT);
	EXPECT_EQ(28, THREAD_EXTENDED_INFO_COUNT);
	EXPECT_EQ(48, offsetof(thread_extended_info_data_t, pth_name));
	EXPECT_EQ(4, THREAD_TIME_CONSTRAINT_POLICY_COUNT);
	EXPECT_EQ(1, THREAD_PRECEDENCE_POLICY_COUNT);
	EXPECT_EQ(1, TASK_CATEGORY_POLICY_COUNT);
	EXPECT_EQ(5, PROCESSOR_BASIC_INFO_COUNT);
}

/* A /proc/self/status value in kB. */
static unsigned long long status_kb(const char *key)
{
	char line[256];
	unsigned long long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			sscanf(line + n + 1, "%llu", &v);
	if (f)
		fclose(f);
	return v;
}

static uint64_t tv_us(time_value_t t)
{
	return (uint64_t)t.seconds * 1000000 + t.microseconds;
}

static void burn_ms(long ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

TEST(basic_info)
{
	mach_task_basic_info_data_t m, m2;
	task_basic_info_64_data_t b64;
	task_basic_info_32_data_t b32;
	mach_msg_type_number_t n = 64;
	integer_t buf[64];
	size_t len = 32 << 20;
	char *p;

	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), MACH_TASK_BASIC_INFO,
					  buf, &n));
	EXPECT_EQ(MACH_TASK_BASIC_INFO_COUNT, n);
	memcpy(&m, buf, sizeof(m));
	EXPECT_EQ((integer_t)0xa5a5a5a5, buf[MACH_TASK_BASIC_INFO_COUNT]);
	EXPECT_EQ(POLICY_TIMESHARE, m.policy);
	EXPECT_EQ(0, m.suspend_count);
	EXPECT_LT(m.resident_size, m.virtual_size);
	EXPECT_LE(m.resident_size, m.resident_size_max);
	EXPECT_WITHIN((double)status_kb("VmSize") * 1024, (double)m.virtual_size,
		    8 << 20);
	EXPECT_WITHIN((double)status_kb("VmRSS") * 1024, (double)m.resident_size,
		    8 << 20);
	EXPECT_GT(1000000, m.user_time.microseconds);

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, len);
	n = MACH_TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), MACH_TASK_BASIC_INFO,
					  (task_info_t)&m2, &n));
	EXPECT_LE(m.resident_size + len / 2, m2.resident_size);
	EXPECT_LE(m.virtual_size + len, m2.virtual_size);
	EXPECT_LE(m2.resident_size, m2.resident_size_max);
	munmap(p, len);

	n = TASK_BASIC_INFO_64_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_BASIC_INFO_64,
					  (task_info_t)&b64, &n));
	EXPECT_EQ(TASK_BASIC_INFO_64_COUNT, n);
	EXPECT_EQ(POLICY_TIMESHARE, b64.policy);
	EXPECT_EQ(0, b64.suspend_count);
	EXPECT_WITHIN((double)m.virtual_size, (double)b64.virtual_size, 8 << 20);
	n = TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_BASIC_INFO,
					  (task_info_t)&b64, &n));
	EXPECT_EQ(TASK_BASIC_INFO_COUNT, n);
	n = 64;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_BASIC_INFO_32,
					  (task_info_t)buf, &n));
	EXPECT_EQ(TASK_BASIC_INFO_32_COUNT, n);
	memcpy(&b32, buf, sizeof(b32));
	EXPECT_EQ(POLICY_TIMESHARE, b32.policy);
	EXPECT_WITHIN((double)(m.virtual_size > 0xffffffffULL ? 0xffffffffULL :
			     m.virtual_size), (double)b32.virtual_size, 8 << 20);
}

static void *burner(void *arg)
{
	burn_ms((long)(intptr_t)arg);
	return NULL;
}

/*
 * pthread_join() returns when the kernel clears the thread's tid, before
 * the thread is released and its times move to the process's dead-thread
 * totals: wait (up to 10 s) until the process has @n threads left.
 */
static int wait_threads(int n)
{
	struct stat st;
	int i;

	for (i = 0; i < 10000; i++) {
		if (!stat("/proc/self/task", &st) && st.st_nlink == (nlink_t)n + 2)
			return 0;
		usleep(1000);
	}
	return -1;
}

TEST(thread_times)
{
	mach_task_basic_info_data_t a, b;
	task_thread_times_info_data_t l1, l2;
	task_absolutetime_info_data_t at;
	mach_msg_type_number_t n;
	pthread_t th;

	n = MACH_TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), MACH_TASK_BASIC_INFO,
					  (task_info_t)&a, &n));
	n = TASK_THREAD_TIMES_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_THREAD_TIMES_INFO,
					  (task_info_t)&l1, &n));
	EXPECT_EQ(TASK_THREAD_TIMES_INFO_COUNT, n);
	/* A thread that burns 300 ms and ends: terminated threads' time. */
	ASSERT_EQ(0, pthread_create(&th, NULL, burner, (void *)(intptr_t)300));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, wait_threads(1));
	n = MACH_TASK_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), MACH_TASK_BASIC_INFO,
					  (task_info_t)&b, &n));
	EXPECT_LE(tv_us(a.user_time) + tv_us(a.system_time) + 200000,
		  tv_us(b.user_time) + tv_us(b.system_time));
	/* The live thread (this one) burns 300 ms: live threads' time. */
	burn_ms(300);
	n = TASK_THREAD_TIMES_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_THREAD_TIMES_INFO,
					  (task_info_t)&l2, &n));
	EXPECT_LE(tv_us(l1.user_time) + tv_us(l1.system_time) + 200000,
		  tv_us(l2.user_time) + tv_us(l2.system_time));
	n = TASK_ABSOLUTETIME_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_ABSOLUTETIME_INFO,
					  (task_info_t)&at, &n));
	EXPECT_EQ(TASK_ABSOLUTETIME_INFO_COUNT, n);
	EXPECT_LE(at.threads_user, at.total_user);
	EXPECT_LE(at.threads_system, at.total_system);
	/* Both burns are in the total, only the live one in the threads'. */
	EXPECT_LE(500000000ULL, at.total_user + at.total_system);
	EXPECT_LE(200000000ULL, at.threads_user + at.threads_system);
}

TEST(events)
{
	task_events_info_data_t a, b;
	mach_msg_type_number_t n = TASK_EVENTS_INFO_COUNT + 3;
	size_t len = 4 << 20;
	char *p;
	int i;

	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_EVENTS_INFO,
					  (task_info_t)&a, &n));
	EXPECT_EQ(TASK_EVENTS_INFO_COUNT, n);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < (int)(len / 4096); i++)
		p[i * 4096] = 1;
	for (i = 0; i < 5; i++)
		usleep(2000);
	n = TASK_EVENTS_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_EVENTS_INFO,
					  (task_info_t)&b, &n));
	/* Huge pages may serve several 4 KiB pages with one fault. */
	EXPECT_LT(a.faults, b.faults);
	EXPECT_LE(a.pageins, b.pageins);
	EXPECT_LE(a.csw + 5, b.csw);
	EXPECT_EQ(0, b.cow_faults);
	munmap(p, len);
}

TEST(vm_info)
{
	task_vm_info_data_t vm;
	mach_msg_type_number_t n = TASK_VM_INFO_COUNT;
	uint64_t fp;
	size_t len = 16 << 20;
	char *p;

	memset(&vm, 0, sizeof(vm));
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_VM_INFO,
					  (task_info_t)&vm, &n));
	EXPECT_EQ(TASK_VM_INFO_COUNT, n);
	EXPECT_EQ((integer_t)vm_page_size, vm.page_size);
	EXPECT_LT(5, vm.region_count);
	EXPECT_LT(vm.resident_size, vm.virtual_size);
	EXPECT_LE(vm.resident_size, vm.resident_size_peak);
	EXPECT_LT(0, vm.internal);
	EXPECT_LT(0, vm.phys_footprint);
	EXPECT_LT(vm.min_address, vm.max_address);
	EXPECT_LE(vm.min_address, (uint64_t)(uintptr_t)&vm);
	EXPECT_GE(vm.max_address, (uint64_t)(uintptr_t)&vm);
	fp = vm.phys_footprint;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, len);
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_VM_INFO,
					  (task_info_t)&vm, &n));
	EXPECT_LE(fp + len / 2, vm.phys_footprint);
	munmap(p, len);
}

static int region_count(void)
{
	task_vm_info_data_t vm;
	mach_msg_type_number_t n = TASK_VM_INFO_COUNT;

	memset(&vm, 0, sizeof(vm));
	if (task_info(mach_task_self(), TASK_VM_INFO, (task_info_t)&vm, &n))
		return -1;
	return vm.region_count;
}

/*
 * A mapping whose path is longer than a line buffer is one region: the
 * rest of its line (here "1-21-2...", which reads as an address range) is
 * not another.
 */
TEST(vm_info_long_path)
{
	char path[2048] = ".", comp[200];
	int i, fd, before, after;
	size_t len;
	void *p;

	for (i = 0; i + 3 < (int)sizeof(comp); i += 3)
		memcpy(comp + i, "1-2", 3);
	comp[i] = '\0';
	for (i = 0; i < 9; i++) {
		len = strlen(path);
		snprintf(path + len, sizeof(path) - len, "/%s", comp);
		ASSERT_EQ(0, mkdir(path, 0700));
	}
	len = strlen(path);
	snprintf(path + len, sizeof(path) - len, "/f");
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, vm_page_size));
	before = region_count();
	p = mmap(NULL, vm_page_size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	after = region_count();
	EXPECT_EQ(before + 1, after);
	munmap(p, vm_page_size);
	close(fd);
	unlink(path);
	for (i = 0; i < 9; i++) {
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
}

TEST(vm_info_revisions)
{
	static const mach_msg_type_number_t in[] = {
		TASK_VM_INFO_REV0_COUNT, TASK_VM_INFO_REV1_COUNT - 1,
		TASK_VM_INFO_REV1_COUNT, TASK_VM_INFO_REV2_COUNT,
		TASK_VM_INFO_REV3_COUNT - 1, TASK_VM_INFO_REV3_COUNT,
		TASK_VM_INFO_REV4_COUNT, TASK_VM_INFO_REV5_COUNT,
		TASK_VM_INFO_COUNT, TASK_VM_INFO_COUNT + 10,
	};
	static const mach_msg_type_number_t out[] = {
		TASK_VM_INFO_REV0_COUNT, TASK_VM_INFO_REV0_COUNT,
		TASK_VM_INFO_REV1_COUNT, TASK_VM_INFO_REV2_COUNT,
		TASK_VM_INFO_REV2_COUNT, TASK_VM_INFO_REV3_COUNT,
		TASK_VM_INFO_REV4_COUNT, TASK_VM_INFO_REV5_COUNT,
		TASK_VM_INFO_COUNT, TASK_VM_INFO_COUNT,
	};
	integer_t buf[TASK_VM_INFO_COUNT + 16];
	mach_msg_type_number_t n;
	unsigned int i;

	for (i = 0; i < MT_ARRAY_LEN(in); i++) {
		memset(buf, 0xa5, sizeof(buf));
		n = in[i];
		ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_VM_INFO,
						  buf, &n));
		EXPECT_EQ(out[i], n);
		/* Nothing written beyond the count written back. */
		EXPECT_EQ((integer_t)0xa5a5a5a5, buf[n]);
	}
	n = TASK_VM_INFO_REV0_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_info(mach_task_self(), TASK_VM_INFO, buf, &n));
	EXPECT_EQ(TASK_VM_INFO_REV0_COUNT - 1, n);
}

TEST(flags_and_dyld)
{
	task_flags_info_data_t fl = { 0x1234 };
	task_dyld_info_data_t dy;
	mach_msg_type_number_t n = TASK_FLAGS_INFO_COUNT;

	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_FLAGS_INFO,
					  (task_info_t)&fl, &n));
	EXPECT_EQ(TASK_FLAGS_INFO_COUNT, n);
#ifdef __LP64__
	EXPECT_EQ(TF_LP64 | TF_64B_DATA, fl.flags);
#else
	EXPECT_EQ(0, fl.flags & TF_LP64);
#endif
	n = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_info(mach_task_self(), TASK_FLAGS_INFO, (task_info_t)&fl, &n));

	/* No dyld: no image list; the format for a count that has it. */
	memset(&dy, 0xa5, sizeof(dy));
	n = TASK_DYLD_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_DYLD_INFO,
					  (task_info_t)&dy, &n));
	EXPECT_EQ(TASK_DYLD_INFO_COUNT, n);
	EXPECT_EQ(0, dy.all_image_info_addr);
	EXPECT_EQ(0, dy.all_image_info_size);
#ifdef __LP64__
	EXPECT_EQ(TASK_DYLD_ALL_IMAGE_INFO_64, dy.all_image_info_format);
#endif
	memset(&dy, 0xa5, sizeof(dy));
	n = 4;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_DYLD_INFO,
					  (task_info_t)&dy, &n));
	EXPECT_EQ(4, n);
	EXPECT_EQ(0, dy.all_image_info_size);
	EXPECT_EQ((integer_t)0xa5a5a5a5, dy.all_image_info_format);
	n = 3;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_info(mach_task_self(), TASK_DYLD_INFO, (task_info_t)&dy, &n));
}

TEST(short_counts)
{
	static const struct { task_flavor_t f; mach_msg_type_number_t min; } t[] = {
		{ MACH_TASK_BASIC_INFO, MACH_TASK_BASIC_INFO_COUNT },
		{ TASK_BASIC_INFO_64, TASK_BASIC_INFO_64_COUNT },
		{ TASK_BASIC_INFO_32, TASK_BASIC_INFO_32_COUNT },
		{ TASK_THREAD_TIMES_INFO, TASK_THREAD_TIMES_INFO_COUNT },
		{ TASK_ABSOLUTETIME_INFO, TASK_ABSOLUTETIME_INFO_COUNT },
		{ TASK_EVENTS_INFO, TASK_EVENTS_INFO_COUNT },
		{ TASK_AUDIT_TOKEN, TASK_AUDIT_TOKEN_COUNT },
		{ TASK_SECURITY_TOKEN, TASK_SECURITY_TOKEN_COUNT },
	};
	integer_t buf[128];
	mach_msg_type_number_t n;
	unsigned int i;

	for (i = 0; i < MT_ARRAY_LEN(t); i++) {
		n = t[i].min - 1;
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  task_info(mach_task_self(), t[i].f, buf, &n));
		EXPECT_EQ(t[i].min - 1, n);
		n = t[i].min;
		EXPECT_EQ(KERN_SUCCESS,
			  task_info(mach_task_self(), t[i].f, buf, &n));
		EXPECT_EQ(t[i].min, n);
	}
}

TEST(task_info_errors)
{
	integer_t buf[TASK_INFO_MAX];
	mach_msg_type_number_t n = TASK_INFO_MAX;
	audit_token_t tok;

	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  task_info(MACH_PORT_NULL, MACH_TASK_BASIC_INFO, buf, &n));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  task_info(0x12345, MACH_TASK_BASIC_INFO, buf, &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_info(mach_task_self(), 9999, buf, &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_info(mach_task_self(), TASK_KERNELMEMORY_INFO, buf, &n));
	EXPECT_EQ(TASK_INFO_MAX, n);
	/* The flavors that were there keep working. */
	n = TASK_AUDIT_TOKEN_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_info(mach_task_self(), TASK_AUDIT_TOKEN,
					  (task_info_t)&tok, &n));
	EXPECT_EQ((unsigned int)getpid(), tok.val[5]);
}

TEST(thread_self_names)
{
	mach_port_t t1 = mach_thread_self(), t2 = mach_thread_self(), t3;

	ASSERT_TRUE(MACH_PORT_VALID(t1));
	EXPECT_EQ(t1, t2);
	EXPECT_NE(mach_task_self(), t1);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(t1));
	EXPECT_EQ(2, mt_refs(t1, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(t1, thread_self_trap());
	EXPECT_EQ(3, mt_refs(t1, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), t1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), t1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), t1));
	/* All released: no longer a name; the next call makes a new one. */
	EXPECT_EQ((mach_port_type_t)-1, mt_type(t1));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  thread_info(t1, THREAD_BASIC_INFO, (thread_info_t)&t2, &(mach_msg_type_number_t){ 0 }));
	t3 = mach_thread_self();
	ASSERT_TRUE(MACH_PORT_VALID(t3));
	EXPECT_NE(t1, t3);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), t3));
}

struct worker {
	mach_port_t name;
	pid_t tid;
	pthread_t self;
	int go;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	pthread_setname_np(pthread_self(), "mt-worker");
	pthread_mutex_lock(&w->lock);
	w->name = mach_thread_self();
	w->tid = (pid_t)syscall(SYS_gettid);
	w->self = pthread_self();
	pthread_cond_broadcast(&w->cond);
	while (!w->go)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void worker_start(struct __test_metadata *_metadata, struct worker *w,
			 pthread_t *th)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	ASSERT_EQ(0, pthread_create(th, NULL, worker_run, w));
	pthread_mutex_lock(&w->lock);
	while (!w->name)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static void worker_stop(struct worker *w, pthread_t th)
{
	pthread_mutex_lock(&w->lock);
	w->go = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(th, NULL);
}

TEST(thread_info_self)
{
	mach_port_t me = mach_thread_self();
	thread_basic_info_data_t b, b2;
	thread_identifier_info_data_t id;
	thread_extended_info_data_t x;
	integer_t buf[THREAD_INFO_MAX];
	mach_msg_type_number_t n = THREAD_INFO_MAX;

	ASSERT_TRUE(MACH_PORT_VALID(me));
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(KERN_SUCCESS, thread_info(me, THREAD_BASIC_INFO, buf, &n));
	EXPECT_EQ(THREAD_BASIC_INFO_COUNT, n);
	EXPECT_EQ((integer_t)0xa5a5a5a5, buf[THREAD_BASIC_INFO_COUNT]);
	memcpy(&b, buf, sizeof(b));
	EXPECT_EQ(TH_STATE_RUNNING, b.run_state);
	EXPECT_EQ(POLICY_TIMESHARE, b.policy);
	EXPECT_EQ(0, b.suspend_count);
	EXPECT_GE(TH_USAGE_SCALE, b.cpu_usage);
	EXPECT_GT(1000000, b.user_time.microseconds);
	burn_ms(200);
	n = THREAD_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_info(me, THREAD_BASIC_INFO,
					    (thread_info_t)&b2, &n));
	EXPECT_LE(tv_us(b.user_time) + tv_us(b.system_time) + 150000,
		  tv_us(b2.user_time) + tv_us(b2.system_time));
	EXPECT_LT(0, b2.cpu_usage);

	n = THREAD_IDENTIFIER_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_info(me, THREAD_IDENTIFIER_INFO,
					    (thread_info_t)&id, &n));
	EXPECT_EQ(THREAD_IDENTIFIER_INFO_COUNT, n);
	EXPECT_EQ((uint64_t)syscall(SYS_gettid), id.thread_id);
	EXPECT_EQ((uint64_t)(uintptr_t)pthread_self(), id.thread_handle);
	EXPECT_EQ(0, id.dispatch_qaddr);

	pthread_setname_np(pthread_self(), "mt-self");
	n = THREAD_EXTENDED_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_info(me, THREAD_EXTENDED_INFO,
					    (thread_info_t)&x, &n));
	EXPECT_EQ(THREAD_EXTENDED_INFO_COUNT, n);
	EXPECT_STREQ("mt-self", x.pth_name);
	EXPECT_EQ(TH_STATE_RUNNING, x.pth_run_state);
	EXPECT_LE(200000000ULL, x.pth_user_time + x.pth_system_time);
	EXPECT_EQ(31, x.pth_priority);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), me));
}

TEST(thread_info_other)
{
	struct worker w;
	pthread_t th;
	thread_identifier_info_data_t id;
	thread_basic_info_data_t b;
	thread_extended_info_data_t x;
	mach_msg_type_number_t n;
	mach_port_t me = mach_thread_self();
	int i;

	worker_start(_metadata, &w, &th);
	ASSERT_TRUE(MACH_PORT_VALID(w.name));
	EXPECT_NE(me, w.name);
	n = THREAD_IDENTIFIER_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_info(w.name, THREAD_IDENTIFIER_INFO,
					    (thread_info_t)&id, &n));
	EXPECT_EQ((uint64_t)w.tid, id.thread_id);
	EXPECT_EQ((uint64_t)(uintptr_t)w.self, id.thread_handle);
	/* The worker waits on its condition variable (up to 10 s: TCG). */
	for (i = 0; i < 1000 && !mt_thread_sleeps(w.tid); i++)
		usleep(10000);
	n = THREAD_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_info(w.name, THREAD_BASIC_INFO,
					    (thread_info_t)&b, &n));
	EXPECT_EQ(TH_STATE_WAITING, b.run_state);
	n = THREAD_EXTENDED_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_info(w.name, THREAD_EXTENDED_INFO,
					    (thread_info_t)&x, &n));
	EXPECT_STREQ("mt-worker", x.pth_name);
	worker_stop(&w, th);
	/*
	 * An exited thread's name is no thread any more (once Linux has
	 * reaped it, which may follow pthread_join() by a moment).
	 */
	for (i = 0; i < 1000; i++) {
		n = THREAD_BASIC_INFO_COUNT;
		if (thread_info(w.name, THREAD_BASIC_INFO, (thread_info_t)&b,
				&n) != KERN_SUCCESS)
			break;
		usleep(10000);
	}
	n = THREAD_BASIC_INFO_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_info(w.name, THREAD_BASIC_INFO, (thread_info_t)&b, &n));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), w.name));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), me));
}

TEST(thread_info_errors)
{
	mach_port_t me = mach_thread_self(), port = mt_port();
	integer_t buf[THREAD_INFO_MAX];
	mach_msg_type_number_t n = THREAD_INFO_MAX;

	ASSERT_TRUE(MACH_PORT_VALID(port));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  thread_info(MACH_PORT_NULL, THREAD_BASIC_INFO, buf, &n));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  thread_info(0x12345, THREAD_BASIC_INFO, buf, &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_info(mach_task_self(), THREAD_BASIC_INFO, buf, &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_info(port, THREAD_BASIC_INFO, buf, &n));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_info(me, 99, buf, &n));
	EXPECT_EQ(THREAD_INFO_MAX, n);
	n = THREAD_BASIC_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_info(me, THREAD_BASIC_INFO, buf, &n));
	n = THREAD_IDENTIFIER_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_info(me, THREAD_IDENTIFIER_INFO, buf, &n));
	n = THREAD_EXTENDED_INFO_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_info(me, THREAD_EXTENDED_INFO, buf, &n));
	EXPECT_EQ(THREAD_EXTENDED_INFO_COUNT - 1, n);
	mach_port_deallocate(mach_task_self(), me);
	mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
}

static void *self_name_fn(void *arg)
{
	*(mach_port_t *)arg = mach_thread_self();
	return NULL;
}

TEST(thread_self_fork_child)
{
	mach_port_t parent = mach_thread_self(), names[40];
	pthread_t th[40];
	pid_t pid;
	int status, i;

	ASSERT_TRUE(MACH_PORT_VALID(parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t t = mach_thread_self();
		thread_identifier_info_data_t id;
		mach_msg_type_number_t n = THREAD_IDENTIFIER_INFO_COUNT;

		if (!MACH_PORT_VALID(t))
			_exit(1);
		if (thread_info(t, THREAD_IDENTIFIER_INFO, (thread_info_t)&id, &n))
			_exit(2);
		if (id.thread_id != (uint64_t)getpid())
			_exit(3);
		/* The table starts anew: threads of the child are added. */
		for (i = 0; i < 40; i++)
			if (pthread_create(&th[i], NULL, self_name_fn, &names[i]))
				_exit(4);
		for (i = 0; i < 40; i++) {
			pthread_join(th[i], NULL);
			if (!MACH_PORT_VALID(names[i]) || names[i] == t)
				_exit(5);
		}
		if (mach_thread_self() != t)
			_exit(6);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mach_port_deallocate(mach_task_self(), parent);
}

/*
 * mach_thread_self() and mach_host_self() from a signal handler, as crash
 * reporters and profilers call them: the same names, even when the
 * signal comes while the thread itself is in one of the calls.
 */
static struct {
	volatile sig_atomic_t count, bad;
	mach_port_t thread, host;
} sig_names;

static void names_handler(int sig)
{
	(void)sig;
	if (mach_thread_self() != sig_names.thread ||
	    mach_host_self() != sig_names.host)
		sig_names.bad++;
	sig_names.count++;
}

struct kicker {
	pthread_t target;
	volatile int done;
};

static void *kick_fn(void *arg)
{
	struct kicker *k = arg;
	int i;

	for (i = 0; i < 300; i++) {
		pthread_kill(k->target, SIGUSR1);
		usleep(1000);
	}
	k->done = 1;
	return NULL;
}

TEST(thread_self_signal_safe)
{
	struct sigaction sa = { .sa_handler = names_handler }, old;
	mach_port_t task = mach_task_self(), t, h;
	struct kicker k = { .target = pthread_self() };
	pthread_t th;
	int i;

	sig_names.thread = mach_thread_self();
	sig_names.host = mach_host_self();
	ASSERT_TRUE(MACH_PORT_VALID(sig_names.thread));
	ASSERT_TRUE(MACH_PORT_VALID(sig_names.host));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
	ASSERT_EQ(0, raise(SIGUSR1));
	EXPECT_EQ(1, sig_names.count);
	/* The test's reference keeps the names: the calls take no lock. */
	ASSERT_EQ(0, pthread_create(&th, NULL, kick_fn, &k));
	while (!k.done) {
		t = mach_thread_self();
		h = mach_host_self();
		if (t != sig_names.thread || h != sig_names.host)
			sig_names.bad++;
		mach_port_deallocate(task, t);
		mach_port_deallocate(task, h);
	}
	pthread_join(th, NULL);
	ASSERT_EQ(0, sigaction(SIGUSR1, &old, NULL));
	EXPECT_EQ(0, sig_names.bad);
	EXPECT_LE(2, sig_names.count);
	/* One reference per call: release the handler's and the test's. */
	EXPECT_EQ(sig_names.count + 1,
		  mt_refs(sig_names.thread, MACH_PORT_RIGHT_DEAD_NAME));
	for (i = 0; i <= sig_names.count; i++) {
		EXPECT_EQ(KERN_SUCCESS,
			  mach_port_deallocate(task, sig_names.thread));
		EXPECT_EQ(KERN_SUCCESS,
			  mach_port_deallocate(task, sig_names.host));
	}
	EXPECT_EQ((mach_port_type_t)-1, mt_type(sig_names.thread));
}

TEST(thread_policy)
{
	mach_port_t me = mach_thread_self();
	thread_time_constraint_policy_data_t tc = { 0 }, tc2;
	thread_precedence_policy_data_t pr = { 0 };
	thread_affinity_policy_data_t af = { 0 };
	thread_extended_policy_data_t ex = { 0 };
	mach_msg_type_number_t n;
	boolean_t def;

	/* A timesharing thread: the defaults, get_default set. */
	n = THREAD_TIME_CONSTRAINT_POLICY_COUNT;
	def = FALSE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_TIME_CONSTRAINT_POLICY,
						  (thread_policy_t)&tc, &n, &def));
	EXPECT_TRUE(def);
	EXPECT_EQ(THREAD_TIME_CONSTRAINT_POLICY_COUNT, n);
	EXPECT_EQ(TRUE, tc.preemptible);
	EXPECT_LE(tc.computation, tc.constraint);
	n = THREAD_EXTENDED_POLICY_COUNT;
	def = FALSE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_EXTENDED_POLICY,
						  (thread_policy_t)&ex, &n, &def));
	EXPECT_EQ(TRUE, ex.timeshare);

	tc.period = 0;
	tc.computation = 1000000;
	tc.constraint = 2000000;
	tc.preemptible = FALSE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_set(me, THREAD_TIME_CONSTRAINT_POLICY,
						  (thread_policy_t)&tc,
						  THREAD_TIME_CONSTRAINT_POLICY_COUNT));
	n = THREAD_TIME_CONSTRAINT_POLICY_COUNT;
	def = FALSE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_TIME_CONSTRAINT_POLICY,
						  (thread_policy_t)&tc2, &n, &def));
	EXPECT_FALSE(def);
	EXPECT_EQ(1000000, tc2.computation);
	EXPECT_EQ(2000000, tc2.constraint);
	EXPECT_EQ(FALSE, tc2.preemptible);
	/* Asking for the defaults gets them. */
	def = TRUE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_TIME_CONSTRAINT_POLICY,
						  (thread_policy_t)&tc2, &n, &def));
	EXPECT_EQ(TRUE, tc2.preemptible);
	/* XNU's checks: computation within the constraint and limits. */
	tc.computation = 3000000;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_set(me, THREAD_TIME_CONSTRAINT_POLICY,
				    (thread_policy_t)&tc,
				    THREAD_TIME_CONSTRAINT_POLICY_COUNT));
	tc.computation = 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_set(me, THREAD_TIME_CONSTRAINT_POLICY,
				    (thread_policy_t)&tc,
				    THREAD_TIME_CONSTRAINT_POLICY_COUNT));
	tc.computation = 1000000;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_set(me, THREAD_TIME_CONSTRAINT_POLICY,
				    (thread_policy_t)&tc, 3));
	/* The standard policy (count 0) ends the real-time one. */
	ASSERT_EQ(KERN_SUCCESS, thread_policy_set(me, THREAD_STANDARD_POLICY,
						  NULL, THREAD_STANDARD_POLICY_COUNT));
	n = THREAD_TIME_CONSTRAINT_POLICY_COUNT;
	def = FALSE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_TIME_CONSTRAINT_POLICY,
						  (thread_policy_t)&tc2, &n, &def));
	EXPECT_TRUE(def);

	pr.importance = 7;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_set(me, THREAD_PRECEDENCE_POLICY,
						  (thread_policy_t)&pr,
						  THREAD_PRECEDENCE_POLICY_COUNT));
	pr.importance = 0;
	n = THREAD_PRECEDENCE_POLICY_COUNT;
	def = FALSE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_PRECEDENCE_POLICY,
						  (thread_policy_t)&pr, &n, &def));
	EXPECT_EQ(7, pr.importance);
	EXPECT_FALSE(def);

	af.affinity_tag = 3;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_set(me, THREAD_AFFINITY_POLICY,
						  (thread_policy_t)&af,
						  THREAD_AFFINITY_POLICY_COUNT));
	af.affinity_tag = 0;
	n = THREAD_AFFINITY_POLICY_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_AFFINITY_POLICY,
						  (thread_policy_t)&af, &n, &def));
	EXPECT_EQ(3, af.affinity_tag);
	def = TRUE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_AFFINITY_POLICY,
						  (thread_policy_t)&af, &n, &def));
	EXPECT_EQ(THREAD_AFFINITY_TAG_NULL, af.affinity_tag);

	ex.timeshare = FALSE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_set(me, THREAD_EXTENDED_POLICY,
						  (thread_policy_t)&ex,
						  THREAD_EXTENDED_POLICY_COUNT));
	n = THREAD_EXTENDED_POLICY_COUNT;
	def = FALSE;
	ASSERT_EQ(KERN_SUCCESS, thread_policy_get(me, THREAD_EXTENDED_POLICY,
						  (thread_policy_t)&ex, &n, &def));
	EXPECT_EQ(FALSE, ex.timeshare);

	/* Errors. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_set(me, 99, (thread_policy_t)&pr, 1));
	n = 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_get(me, 99, (thread_policy_t)&pr, &n, &def));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_set(me, THREAD_PRECEDENCE_POLICY,
				    (thread_policy_t)&pr, 0));
	n = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_get(me, THREAD_PRECEDENCE_POLICY,
				    (thread_policy_t)&pr, &n, &def));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  thread_policy_set(MACH_PORT_NULL, THREAD_PRECEDENCE_POLICY,
				    (thread_policy_t)&pr, 1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  thread_policy_set(mach_task_self(), THREAD_PRECEDENCE_POLICY,
				    (thread_policy_t)&pr, 1));
	mach_port_deallocate(mach_task_self(), me);
}

TEST(task_policy)
{
	task_category_policy_data_t c = { 0 };
	mach_msg_type_number_t n = TASK_CATEGORY_POLICY_COUNT;
	boolean_t def = FALSE;

	c.role = 99;
	ASSERT_EQ(KERN_SUCCESS, task_policy_get(mach_task_self(),
						TASK_CATEGORY_POLICY,
						(task_policy_t)&c, &n, &def));
	EXPECT_EQ(TASK_UNSPECIFIED, c.role);
	EXPECT_EQ(TASK_CATEGORY_POLICY_COUNT, n);
	c.role = TASK_FOREGROUND_APPLICATION;
	ASSERT_EQ(KERN_SUCCESS, task_policy_set(mach_task_self(),
						TASK_CATEGORY_POLICY,
						(task_policy_t)&c,
						TASK_CATEGORY_POLICY_COUNT));
	c.role = 0;
	ASSERT_EQ(KERN_SUCCESS, task_policy_get(mach_task_self(),
						TASK_CATEGORY_POLICY,
						(task_policy_t)&c, &n, &def));
	EXPECT_EQ(TASK_FOREGROUND_APPLICATION, c.role);
	def = TRUE;
	ASSERT_EQ(KERN_SUCCESS, task_policy_get(mach_task_self(),
						TASK_CATEGORY_POLICY,
						(task_policy_t)&c, &n, &def));
	EXPECT_EQ(TASK_UNSPECIFIED, c.role);

	c.role = 99;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_policy_set(mach_task_self(), TASK_CATEGORY_POLICY,
				  (task_policy_t)&c, TASK_CATEGORY_POLICY_COUNT));
	c.role = TASK_BACKGROUND_APPLICATION;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_policy_set(mach_task_self(), TASK_CATEGORY_POLICY,
				  (task_policy_t)&c, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_policy_set(mach_task_self(), 77, (task_policy_t)&c, 1));
	n = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_policy_get(mach_task_self(), TASK_CATEGORY_POLICY,
				  (task_policy_t)&c, &n, &def));
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  task_policy_set(MACH_PORT_NULL, TASK_CATEGORY_POLICY,
				  (task_policy_t)&c, 1));
}

TEST(special_ports)
{
	mach_port_t p = 0x1234, host = mach_host_self();
	mach_port_urefs_t refs;

	ASSERT_TRUE(MACH_PORT_VALID(host));
	EXPECT_EQ(KERN_SUCCESS, task_get_special_port(mach_task_self(),
						      TASK_KERNEL_PORT, &p));
	EXPECT_EQ(mach_task_self(), p);
	p = 0x1234;
	EXPECT_EQ(KERN_SUCCESS, task_get_special_port(mach_task_self(),
						      TASK_NAME_PORT, &p));
	EXPECT_EQ(mach_task_self(), p);
	/* The host port: mach_host_self()'s name, one more reference. */
	refs = mt_refs(host, MACH_PORT_RIGHT_DEAD_NAME);
	p = 0x1234;
	EXPECT_EQ(KERN_SUCCESS, task_get_special_port(mach_task_self(),
						      TASK_HOST_PORT, &p));
	EXPECT_EQ(host, p);
	EXPECT_EQ(refs + 1, mt_refs(host, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), p));
	p = 0x1234;
	EXPECT_EQ(KERN_SUCCESS, task_get_special_port(mach_task_self(),
						      TASK_ACCESS_PORT, &p));
	EXPECT_EQ(MACH_PORT_NULL, p);
	p = 0x1234;
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_get_special_port(mach_task_self(), 8, &p));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_get_special_port(mach_task_self(), 100, &p));
	EXPECT_EQ(KERN_INVALID_ARGUMENT,
		  task_get_special_port(mach_task_self(), 0, &p));
	EXPECT_EQ(0x1234, p);
	EXPECT_EQ(MACH_SEND_INVALID_DEST,
		  task_get_special_port(MACH_PORT_NULL, TASK_KERNEL_PORT, &p));
	EXPECT_EQ(KERN_SUCCESS, task_get_special_port(mach_task_self(),
						      TASK_BOOTSTRAP_PORT, &p));
	EXPECT_EQ(bootstrap_port, p);
	if (MACH_PORT_VALID(p))
		mach_port_deallocate(mach_task_self(), p);
	mach_port_deallocate(mach_task_self(), host);
}

TEST_HARNESS_MAIN
