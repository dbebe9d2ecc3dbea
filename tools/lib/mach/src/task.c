// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: task_info() of the caller's own task, the threads' names
 * (mach_thread_self()), thread_info(), and the thread and task policies.
 *
 * The figures come from /proc/self and getrusage(), read at each call.
 * CPU times are Linux's, in clock ticks (USER_HZ): the task's total
 * (/proc/self/stat, which counts threads that have exited) and each live
 * thread's (/proc/self/task/TID/stat); the threads that have terminated
 * are the difference, as XNU keeps them apart.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static long lm_hz(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? hz : 100;
}

static time_value_t lm_ticks_tv(unsigned long long t)
{
	long hz = lm_hz();
	time_value_t tv = {
		.seconds = (integer_t)(t / hz),
		.microseconds = (integer_t)((t % hz) * 1000000 / hz),
	};

	return tv;
}

static uint64_t lm_ticks_ns(unsigned long long t)
{
	long hz = lm_hz();

	return (uint64_t)(t / hz) * 1000000000ULL +
	       (uint64_t)(t % hz) * 1000000000ULL / hz;
}

/*
 * Fields of a /proc stat file (1-based, as proc(5) numbers them; field 3
 * is the state letter, read as a number of its character), 0 if absent.
 */
static int lm_stat_fields(const char *path, const int *which,
			  unsigned long long *out, int n)
{
	char buf[1024], *p;
	size_t len;
	FILE *f = fopen(path, "re");
	int field, i;

	memset(out, 0, n * sizeof(*out));
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	/* The command name may hold spaces: count from its closing ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	for (field = 3, p += 2; *p; field++) {
		for (i = 0; i < n; i++)
			if (which[i] == field)
				out[i] = field == 3 ? (unsigned char)*p :
						      strtoull(p, NULL, 10);
		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
	}
	return 0;
}

#define LM_STAT_STATE	3
#define LM_STAT_MINFLT	10
#define LM_STAT_MAJFLT	12
#define LM_STAT_UTIME	14
#define LM_STAT_STIME	15
#define LM_STAT_START	22

/* User and system ticks of the whole task, and of its live threads. */
static void lm_task_times(unsigned long long *total_u,
			  unsigned long long *total_s,
			  unsigned long long *live_u,
			  unsigned long long *live_s)
{
	static const int which[2] = { LM_STAT_UTIME, LM_STAT_STIME };
	unsigned long long v[2];
	char path[64];
	struct dirent *d;
	DIR *dir;

	lm_stat_fields("/proc/self/stat", which, v, 2);
	*total_u = v[0];
	*total_s = v[1];
	*live_u = *live_s = 0;
	dir = opendir("/proc/self/task");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.16s/stat",
			 d->d_name);
		if (lm_stat_fields(path, which, v, 2))
			continue;
		*live_u += v[0];
		*live_s += v[1];
	}
	if (dir)
		closedir(dir);
	/* The sums are sampled one after the other: keep them ordered. */
	if (*live_u > *total_u)
		*total_u = *live_u;
	if (*live_s > *total_s)
		*total_s = *live_s;
}

/* Values in kB of keys of /proc/self/status, 0 for those absent. */
static void lm_status_kb(const char *const *keys, unsigned long long *vals,
			 int n)
{
	char line[256];
	size_t len;
	FILE *f = fopen("/proc/self/status", "re");
	int i;

	memset(vals, 0, n * sizeof(*vals));
	while (f && fgets(line, sizeof(line), f))
		for (i = 0; i < n; i++) {
			len = strlen(keys[i]);
			if (!strncmp(line, keys[i], len) && line[len] == ':')
				vals[i] = strtoull(line + len + 1, NULL, 10);
		}
	if (f)
		fclose(f);
}

enum { S_VMSIZE, S_VMRSS, S_VMHWM, S_RSSANON, S_RSSFILE, S_RSSSHMEM,
       S_VMSWAP, S_N };

static void lm_task_mem(unsigned long long *kb)
{
	static const char *const keys[S_N] = {
		"VmSize", "VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem",
		"VmSwap",
	};

	lm_status_kb(keys, kb, S_N);
}

/* Count the mappings of /proc/self/maps and their lowest and highest. */
static int lm_task_regions(uint64_t *lo, uint64_t *hi)
{
	char line[512];
	unsigned long long a, b;
	FILE *f = fopen("/proc/self/maps", "re");
	int n = 0, line_start = 1, first;

	*lo = *hi = 0;
	while (f && fgets(line, sizeof(line), f)) {
		/* A long path continues the line: only line starts count. */
		first = line_start;
		line_start = !!strchr(line, '\n');
		if (!first || sscanf(line, "%llx-%llx", &a, &b) != 2 ||
		    strstr(line, "[vsyscall]"))
			continue;
		if (!n || a < *lo)
			*lo = a;
		if (b > *hi)
			*hi = b;
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

#define KB(x)	((uint64_t)(x) * 1024)

static void lm_basic64(struct task_basic_info_64 *b)
{
	unsigned long long kb[S_N], tu, ts, lu, ls;

	lm_task_mem(kb);
	lm_task_times(&tu, &ts, &lu, &ls);
	memset(b, 0, sizeof(*b));
	b->suspend_count = 0;
	b->virtual_size = KB(kb[S_VMSIZE]);
	b->resident_size = KB(kb[S_VMRSS]);
	b->user_time = lm_ticks_tv(tu - lu);
	b->system_time = lm_ticks_tv(ts - ls);
	b->policy = POLICY_TIMESHARE;
}

/* A 64-bit size in a 32-bit field: capped, not wrapped. */
static natural_t lm_cap32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (natural_t)v;
}

/* Copy @n integers of @data out if the caller's count has room. */
static kern_return_t lm_task_out(task_info_t out,
				 mach_msg_type_number_t *count,
				 const void *data, mach_msg_type_number_t n)
{
	if (*count < n)
		return KERN_INVALID_ARGUMENT;
	memcpy(out, data, n * sizeof(natural_t));
	*count = n;
	return KERN_SUCCESS;
}

static kern_return_t lm_task_vm(task_info_t out,
				mach_msg_type_number_t *count)
{
	static const mach_msg_type_number_t revs[] = {
		TASK_VM_INFO_REV6_COUNT, TASK_VM_INFO_REV5_COUNT,
		TASK_VM_INFO_REV4_COUNT, TASK_VM_INFO_REV3_COUNT,
		TASK_VM_INFO_REV2_COUNT, TASK_VM_INFO_REV1_COUNT,
		TASK_VM_INFO_REV0_COUNT,
	};
	task_vm_info_data_t vm;
	unsigned long long kb[S_N];
	unsigned int i;

	if (*count < TASK_VM_INFO_REV0_COUNT)
		return KERN_INVALID_ARGUMENT;
	lm_task_mem(kb);
	memset(&vm, 0, sizeof(vm));
	vm.virtual_size = KB(kb[S_VMSIZE]);
	vm.region_count = lm_task_regions(&vm.min_address, &vm.max_address);
	vm.page_size = (integer_t)vm_page_size;
	vm.resident_size = KB(kb[S_VMRSS]);
	vm.resident_size_peak = KB(kb[S_VMHWM]);
	/* Anonymous (and shared anonymous) memory is XNU's internal. */
	vm.internal = KB(kb[S_RSSANON] + kb[S_RSSSHMEM]);
	vm.internal_peak = vm.internal;
	vm.external = KB(kb[S_RSSFILE]);
	vm.external_peak = vm.external;
	/* Swapped-out pages stand for the compressor's. */
	vm.compressed = KB(kb[S_VMSWAP]);
	vm.compressed_peak = vm.compressed;
	vm.compressed_lifetime = vm.compressed;
	/* The footprint: anonymous memory resident or swapped. */
	vm.phys_footprint = KB(kb[S_RSSANON] + kb[S_RSSSHMEM] + kb[S_VMSWAP]);
	vm.ledger_phys_footprint_peak = (int64_t)vm.phys_footprint;
	vm.ledger_purgeable_nonvolatile = 0;
	for (i = 0; i < sizeof(revs) / sizeof(revs[0]); i++)
		if (*count >= revs[i]) {
			*count = revs[i];
			break;
		}
	memcpy(out, &vm, *count * sizeof(natural_t));
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t task_info(task_name_t target_task, task_flavor_t flavor,
				  task_info_t task_info_out,
				  mach_msg_type_number_t *task_info_outCnt)
{
	audit_token_t tok;
	struct task_basic_info_64 b64;
	unsigned long long kb[S_N], tu, ts, lu, ls;
	struct rusage ru;

	if (!lm_task_ok(target_task))
		return MACH_SEND_INVALID_DEST;
	if (!task_info_out || !task_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	switch (flavor) {
	case MACH_TASK_BASIC_INFO: {
		mach_task_basic_info_data_t m;

		if (*task_info_outCnt < MACH_TASK_BASIC_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_basic64(&b64);
		lm_task_mem(kb);
		memset(&m, 0, sizeof(m));
		m.virtual_size = b64.virtual_size;
		m.resident_size = b64.resident_size;
		m.resident_size_max = KB(kb[S_VMHWM]);
		if (m.resident_size_max < m.resident_size)
			m.resident_size_max = m.resident_size;
		m.user_time = b64.user_time;
		m.system_time = b64.system_time;
		m.policy = b64.policy;
		m.suspend_count = 0;
		return lm_task_out(task_info_out, task_info_outCnt, &m,
				   MACH_TASK_BASIC_INFO_COUNT);
	}
	case 5:		/* x86_64's TASK_BASIC_INFO_64 */
	case TASK_BASIC_INFO_64_2:
		if (*task_info_outCnt < TASK_BASIC_INFO_64_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_basic64(&b64);
		return lm_task_out(task_info_out, task_info_outCnt, &b64,
				   TASK_BASIC_INFO_64_COUNT);
	case TASK_BASIC_INFO_32: {
		struct task_basic_info_32 b32;

		if (*task_info_outCnt < TASK_BASIC_INFO_32_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_basic64(&b64);
		memset(&b32, 0, sizeof(b32));
		b32.suspend_count = b64.suspend_count;
		b32.virtual_size = lm_cap32(b64.virtual_size);
		b32.resident_size = lm_cap32(b64.resident_size);
		b32.user_time = b64.user_time;
		b32.system_time = b64.system_time;
		b32.policy = b64.policy;
		return lm_task_out(task_info_out, task_info_outCnt, &b32,
				   TASK_BASIC_INFO_32_COUNT);
	}
	case TASK_THREAD_TIMES_INFO: {
		task_thread_times_info_data_t tt;

		if (*task_info_outCnt < TASK_THREAD_TIMES_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_task_times(&tu, &ts, &lu, &ls);
		tt.user_time = lm_ticks_tv(lu);
		tt.system_time = lm_ticks_tv(ls);
		return lm_task_out(task_info_out, task_info_outCnt, &tt,
				   TASK_THREAD_TIMES_INFO_COUNT);
	}
	case TASK_ABSOLUTETIME_INFO: {
		/* mach_absolute_time() counts nanoseconds here. */
		task_absolutetime_info_data_t at;

		if (*task_info_outCnt < TASK_ABSOLUTETIME_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_task_times(&tu, &ts, &lu, &ls);
		at.total_user = lm_ticks_ns(tu);
		at.total_system = lm_ticks_ns(ts);
		at.threads_user = lm_ticks_ns(lu);
		at.threads_system = lm_ticks_ns(ls);
		return lm_task_out(task_info_out, task_info_outCnt, &at,
				   TASK_ABSOLUTETIME_INFO_COUNT);
	}
	case TASK_EVENTS_INFO: {
		/*
		 * Faults and context switches of all threads, live or not;
		 * Linux counts no copy-on-write faults, Mach messages or
		 * system calls: 0.
		 */
		task_events_info_data_t ev;

		if (*task_info_outCnt < TASK_EVENTS_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		memset(&ev, 0, sizeof(ev));
		if (!getrusage(RUSAGE_SELF, &ru)) {
			ev.faults = (integer_t)(ru.ru_minflt + ru.ru_majflt);
			ev.pageins = (integer_t)ru.ru_majflt;
			ev.csw = (integer_t)(ru.ru_nvcsw + ru.ru_nivcsw);
		}
		return lm_task_out(task_info_out, task_info_outCnt, &ev,
				   TASK_EVENTS_INFO_COUNT);
	}
	case TASK_VM_INFO:
	case TASK_VM_INFO_PURGEABLE:
		return lm_task_vm(task_info_out, task_info_outCnt);
	case TASK_FLAGS_INFO: {
		task_flags_info_data_t fl = {
			.flags = sizeof(long) == 8 ? TF_LP64 | TF_64B_DATA : 0,
		};

		return lm_task_out(task_info_out, task_info_outCnt, &fl,
				   TASK_FLAGS_INFO_COUNT);
	}
	case TASK_DYLD_INFO: {
		/*
		 * There is no dyld: no all-image-info structure (address and
		 * size 0, as XNU reports for a task that registered none).
		 * The format field only for a caller whose count has it.
		 */
		task_dyld_info_data_t dy = {
			.all_image_info_format = sizeof(long) == 8 ?
				TASK_DYLD_ALL_IMAGE_INFO_64 :
				TASK_DYLD_ALL_IMAGE_INFO_32,
		};
		mach_msg_type_number_t legacy =
			offsetof(task_dyld_info_data_t, all_image_info_format) /
			sizeof(natural_t);

		if (*task_info_outCnt < legacy)
			return KERN_INVALID_ARGUMENT;
		*task_info_outCnt = *task_info_outCnt >= TASK_DYLD_INFO_COUNT ?
				    TASK_DYLD_INFO_COUNT : legacy;
		memcpy(task_info_out, &dy,
		       *task_info_outCnt * sizeof(natural_t));
		return KERN_SUCCESS;
	}

	case TASK_SECURITY_TOKEN: {
		security_token_t st = { { geteuid(), getegid() } };

		if (*task_info_outCnt < TASK_SECURITY_TOKEN_COUNT)
			return KERN_INVALID_ARGUMENT;
		memcpy(task_info_out, &st, sizeof(st));
		*task_info_outCnt = TASK_SECURITY_TOKEN_COUNT;
		return KERN_SUCCESS;
	}
	case TASK_AUDIT_TOKEN:
		if (*task_info_outCnt < TASK_AUDIT_TOKEN_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_self_audit_token(&tok);
		memcpy(task_info_out, &tok, sizeof(tok));
		*task_info_outCnt = TASK_AUDIT_TOKEN_COUNT;
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

LM_EXPORT kern_return_t pid_for_task(mach_port_name_t t, int *x)
{
	if (!x)
		return KERN_INVALID_ARGUMENT;
	if (!lm_task_ok(t)) {
		*x = -1;
		return KERN_FAILURE;
	}
	*x = getpid();
	return KERN_SUCCESS;
}

/*
 * Only the caller's own task has a name here (machipc gives no process a
 * right to another's task): its pid gets mach_task_self(), whose one user
 * reference no call changes (see mach_port_mod_refs()).
 */
LM_EXPORT kern_return_t task_for_pid(mach_port_name_t target_tport, int pid,
				     mach_port_name_t *t)
{
	if (!t)
		return KERN_INVALID_ARGUMENT;
	*t = MACH_PORT_NULL;
	if (!lm_task_ok(target_tport) || pid != getpid())
		return KERN_FAILURE;
	*t = target_tport;
	return KERN_SUCCESS;
}

/*
 * The threads' names.  mach_thread_self() gives each thread a dead name of
 * the space, made on its first call, and one more user reference of it at
 * each call (a send right, as on XNU; mach_port_deallocate() releases it,
 * and a thread whose last reference went gets a new name next time).  The
 * table maps the names to the threads (Linux thread id and pthread_t) and
 * holds the policies set on them.  A thread that has exited is no longer
 * found (thread_info() on its name: KERN_INVALID_ARGUMENT).
 */
struct lm_thread {
	mach_port_name_t name;
	pid_t tid;
	pthread_t pt;
	/* thread_policy_set() */
	boolean_t ext_set, timeshare;
	boolean_t tc_set;
	thread_time_constraint_policy_data_t tc;
	integer_t importance;
	integer_t affinity_tag;
	integer_t background;
};

static pthread_mutex_t lm_thread_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lm_thread *lm_threads;
static unsigned int lm_nthreads, lm_threads_max;
static task_role_t lm_task_role;	/* task_policy_set() */
static boolean_t lm_task_role_set;

void lm_task_fork_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;

	/* Only the forking thread lives on, and not under its old name. */
	lm_thread_lock = fresh;
	lm_nthreads = 0;
	/*
	 * Another thread may have been in realloc() at fork(): the table
	 * is dropped (and leaked), not reused.
	 */
	lm_threads = NULL;
	lm_threads_max = 0;
}

static pid_t lm_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/*
 * The calling thread's name and the pid of the space it is in, for
 * mach_thread_self()'s fast path (initial-exec: no allocation on access).
 */
static __thread struct {
	mach_port_name_t name;
	pid_t pid;
} lm_thread_cache __attribute__((tls_model("initial-exec")));

/*
 * Async-signal-safe, as XNU's trap: a thread that has its name gets one
 * more reference of it with one ioctl; the first call, or one after the
 * name was released or after fork(), takes the lock.
 */
LM_EXPORT mach_port_t mach_thread_self(void)
{
	pid_t tid, pid = lm_space.pid;
	pthread_t pt;
	struct lm_thread *t = NULL, *grown;
	mach_port_name_t name = lm_thread_cache.name;
	unsigned int i;

	if (MACH_PORT_VALID(name) && lm_thread_cache.pid == pid &&
	    lm_space.fd >= 0 && pid == getpid() && !lm_self_name_add(name))
		return name;
	if (lm_ready())
		return MACH_PORT_NULL;
	tid = lm_gettid();
	pt = pthread_self();
	name = MACH_PORT_NULL;
	pthread_mutex_lock(&lm_thread_lock);
	for (i = 0; i < lm_nthreads && !t; i++)
		if (lm_threads[i].tid == tid &&
		    pthread_equal(lm_threads[i].pt, pt))
			t = &lm_threads[i];
	if (!t) {
		/* Forget threads that have exited, then add this one. */
		for (i = 0; i < lm_nthreads;) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/self/task/%d",
				 (int)lm_threads[i].tid);
			if (access(path, F_OK) == 0 && lm_threads[i].tid != tid)
				i++;
			else
				lm_threads[i] = lm_threads[--lm_nthreads];
		}
		if (lm_nthreads == lm_threads_max) {
			unsigned int max = lm_threads_max ? 2 * lm_threads_max : 16;

			grown = realloc(lm_threads, max * sizeof(*grown));
			if (!grown)
				goto out;
			lm_threads = grown;
			lm_threads_max = max;
		}
		t = &lm_threads[lm_nthreads++];
		memset(t, 0, sizeof(*t));
		t->tid = tid;
		t->pt = pt;
	}
	name = lm_self_name_ref(&t->name);
	lm_thread_cache.name = name;
	lm_thread_cache.pid = lm_space.pid;
out:
	pthread_mutex_unlock(&lm_thread_lock);
	return name;
}

LM_EXPORT mach_port_name_t thread_self_trap(void)
{
	return mach_thread_self();
}

/*
 * The table entry of the thread named @name, under lm_thread_lock (held on
 * success), or the error for it: MACH_SEND_INVALID_DEST for no name,
 * KERN_INVALID_ARGUMENT for a name that is not a live thread.
 */
static kern_return_t lm_thread_lookup(mach_port_name_t name,
				      struct lm_thread **out)
{
	struct machipc_name_info info;
	char path[64];
	unsigned int i;

	if (!MACH_PORT_VALID(name) || lm_ready())
		return MACH_SEND_INVALID_DEST;
	pthread_mutex_lock(&lm_thread_lock);
	for (i = 0; i < lm_nthreads; i++) {
		if (lm_threads[i].name != name)
			continue;
		/* The caller's thread id given again: a newer thread. */
		snprintf(path, sizeof(path), "/proc/self/task/%d",
			 (int)lm_threads[i].tid);
		if (!lm_self_name_alive(name) ||
		    (lm_threads[i].tid == lm_gettid() ?
		     !pthread_equal(lm_threads[i].pt, pthread_self()) :
		     access(path, F_OK) != 0))
			break;
		*out = &lm_threads[i];
		return KERN_SUCCESS;
	}
	pthread_mutex_unlock(&lm_thread_lock);
	return lm_name_info(name, &info) ? MACH_SEND_INVALID_DEST :
					   KERN_INVALID_ARGUMENT;
}

/* XNU's run states from Linux's state letter. */
static integer_t lm_run_state(int c)
{
	switch (c) {
	case 'R':
		return TH_STATE_RUNNING;
	case 'D':
		return TH_STATE_UNINTERRUPTIBLE;
	case 'T':
	case 't':
		return TH_STATE_STOPPED;
	case 'Z':
	case 'X':
	case 'x':
		return TH_STATE_HALTED;
	default:
		return TH_STATE_WAITING;
	}
}

struct lm_thread_stat {
	uint64_t user_ns, sys_ns;
	integer_t cpu_usage, run_state;
};

/*
 * A thread's CPU times (the caller's own from getrusage(RUSAGE_THREAD),
 * to the microsecond; another's from its stat file, in ticks), state, and
 * CPU usage: its CPU time over its lifetime, of TH_USAGE_SCALE (XNU
 * decays it over the last few seconds instead).
 */
static void lm_thread_stat(pid_t tid, struct lm_thread_stat *st)
{
	static const int which[4] = {
		LM_STAT_STATE, LM_STAT_UTIME, LM_STAT_STIME, LM_STAT_START,
	};
	unsigned long long v[4];
	char path[64];
	struct rusage ru;
	struct timespec now;
	uint64_t life_ns, cpu_ns;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	lm_stat_fields(path, which, v, 4);
	st->user_ns = lm_ticks_ns(v[1]);
	st->sys_ns = lm_ticks_ns(v[2]);
	/* The caller is running, whatever its stat file said. */
	st->run_state = tid == lm_gettid() ? TH_STATE_RUNNING :
					     lm_run_state((int)v[0]);
	if (tid == lm_gettid() && !getrusage(RUSAGE_THREAD, &ru)) {
		st->user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000ULL +
			      (uint64_t)ru.ru_utime.tv_usec * 1000;
		st->sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000ULL +
			     (uint64_t)ru.ru_stime.tv_usec * 1000;
	}
	clock_gettime(CLOCK_BOOTTIME, &now);
	life_ns = (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
	life_ns = life_ns > lm_ticks_ns(v[3]) ? life_ns - lm_ticks_ns(v[3]) : 0;
	cpu_ns = st->user_ns + st->sys_ns;
	st->cpu_usage = life_ns ? (integer_t)(cpu_ns >= life_ns ?
					      TH_USAGE_SCALE :
					      cpu_ns * TH_USAGE_SCALE / life_ns) : 0;
}

static time_value_t lm_ns_tv(uint64_t ns)
{
	time_value_t tv = {
		.seconds = (integer_t)(ns / 1000000000ULL),
		.microseconds = (integer_t)(ns % 1000000000ULL / 1000),
	};

	return tv;
}

/* XNU's default user priority and its ceiling. */
#define LM_BASEPRI_DEFAULT	31
#define LM_MAXPRI_USER		63

LM_EXPORT kern_return_t thread_info(thread_inspect_t target_act,
				    thread_flavor_t flavor,
				    thread_info_t thread_info_out,
				    mach_msg_type_number_t *thread_info_outCnt)
{
	struct lm_thread *t;
	struct lm_thread_stat st;
	pid_t tid;
	pthread_t pt;
	kern_return_t kr = lm_thread_lookup(target_act, &t);

	if (kr)
		return kr;
	tid = t->tid;
	pt = t->pt;
	pthread_mutex_unlock(&lm_thread_lock);
	if (!thread_info_out || !thread_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	switch (flavor) {
	case THREAD_BASIC_INFO: {
		thread_basic_info_data_t b;

		if (*thread_info_outCnt < THREAD_BASIC_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_thread_stat(tid, &st);
		memset(&b, 0, sizeof(b));
		b.user_time = lm_ns_tv(st.user_ns);
		b.system_time = lm_ns_tv(st.sys_ns);
		b.cpu_usage = st.cpu_usage;
		b.policy = POLICY_TIMESHARE;
		b.run_state = st.run_state;
		b.flags = 0;
		b.suspend_count = 0;
		b.sleep_time = 0;
		memcpy(thread_info_out, &b, sizeof(b));
		*thread_info_outCnt = THREAD_BASIC_INFO_COUNT;
		return KERN_SUCCESS;
	}
	case THREAD_IDENTIFIER_INFO: {
		thread_identifier_info_data_t id = {
			.thread_id = (uint64_t)tid,
			.thread_handle = (uint64_t)(uintptr_t)pt,
			.dispatch_qaddr = 0,
		};

		if (*thread_info_outCnt < THREAD_IDENTIFIER_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		memcpy(thread_info_out, &id, sizeof(id));
		*thread_info_outCnt = THREAD_IDENTIFIER_INFO_COUNT;
		return KERN_SUCCESS;
	}
	case THREAD_EXTENDED_INFO: {
		thread_extended_info_data_t x;
		char path[64];
		FILE *f;

		if (*thread_info_outCnt < THREAD_EXTENDED_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		lm_thread_stat(tid, &st);
		memset(&x, 0, sizeof(x));
		x.pth_user_time = st.user_ns;
		x.pth_system_time = st.sys_ns;
		x.pth_cpu_usage = st.cpu_usage;
		x.pth_policy = POLICY_TIMESHARE;
		x.pth_run_state = st.run_state;
		x.pth_curpri = LM_BASEPRI_DEFAULT;
		x.pth_priority = LM_BASEPRI_DEFAULT;
		x.pth_maxpriority = LM_MAXPRI_USER;
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm",
			 (int)tid);
		f = fopen(path, "re");
		if (f) {
			if (fgets(x.pth_name, sizeof(x.pth_name), f))
				x.pth_name[strcspn(x.pth_name, "\n")] = 0;
			fclose(f);
		}
		memcpy(thread_info_out, &x, sizeof(x));
		*thread_info_outCnt = THREAD_EXTENDED_INFO_COUNT;
		return KERN_SUCCESS;
	}
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

/*
 * XNU's real-time limits in mach_absolute_time() units (nanoseconds
 * here): a computation between 10 us and 50 ms, within its constraint;
 * the defaults a timesharing thread reports are half a quantum and a
 * quantum (10 ms).
 */
#define LM_MIN_RT_QUANTUM	10000U
#define LM_MAX_RT_QUANTUM	50000000U
#define LM_DEFAULT_COMPUTATION	5000000U
#define LM_DEFAULT_CONSTRAINT	10000000U

LM_EXPORT kern_return_t thread_policy_set(thread_act_t thread,
					  thread_policy_flavor_t flavor,
					  thread_policy_t policy_info,
					  mach_msg_type_number_t policy_infoCnt)
{
	struct lm_thread *t;
	thread_time_constraint_policy_data_t tc;
	kern_return_t kr = lm_thread_lookup(thread, &t);

	if (kr)
		return kr;
	if (!policy_info && policy_infoCnt) {
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	switch (flavor) {
	case THREAD_EXTENDED_POLICY:	/* = THREAD_STANDARD_POLICY */
		/* A count of 0 is the standard policy: timesharing. */
		t->timeshare = policy_infoCnt >= THREAD_EXTENDED_POLICY_COUNT ?
			       !!policy_info[0] : TRUE;
		t->ext_set = TRUE;
		/* Either policy ends a real-time one. */
		t->tc_set = FALSE;
		break;
	case THREAD_TIME_CONSTRAINT_POLICY:
		if (policy_infoCnt < THREAD_TIME_CONSTRAINT_POLICY_COUNT) {
			kr = KERN_INVALID_ARGUMENT;
			break;
		}
		memcpy(&tc, policy_info, sizeof(tc));
		if (tc.constraint < tc.computation ||
		    tc.computation > LM_MAX_RT_QUANTUM ||
		    tc.computation < LM_MIN_RT_QUANTUM) {
			kr = KERN_INVALID_ARGUMENT;
			break;
		}
		t->tc = tc;
		t->tc_set = TRUE;
		break;
	case THREAD_PRECEDENCE_POLICY:
		if (policy_infoCnt < THREAD_PRECEDENCE_POLICY_COUNT)
			kr = KERN_INVALID_ARGUMENT;
		else
			t->importance = policy_info[0];
		break;
	case THREAD_AFFINITY_POLICY:
		if (policy_infoCnt < THREAD_AFFINITY_POLICY_COUNT)
			kr = KERN_INVALID_ARGUMENT;
		else
			t->affinity_tag = policy_info[0];
		break;
	case THREAD_BACKGROUND_POLICY:
		if (policy_infoCnt < THREAD_BACKGROUND_POLICY_COUNT)
			kr = KERN_INVALID_ARGUMENT;
		else
			t->background = policy_info[0];
		break;
	default:
		kr = KERN_INVALID_ARGUMENT;
		break;
	}
out:
	pthread_mutex_unlock(&lm_thread_lock);
	return kr;
}

LM_EXPORT kern_return_t thread_policy_get(thread_inspect_t thread,
					  thread_policy_flavor_t flavor,
					  thread_policy_t policy_info,
					  mach_msg_type_number_t *policy_infoCnt,
					  boolean_t *get_default)
{
	struct lm_thread *t;
	thread_time_constraint_policy_data_t tc;
	kern_return_t kr = lm_thread_lookup(thread, &t);

	if (kr)
		return kr;
	if (!policy_info || !policy_infoCnt || !get_default) {
		kr = KERN_INVALID_ARGUMENT;
		goto out;
	}
	switch (flavor) {
	case THREAD_EXTENDED_POLICY:
		if (*policy_infoCnt < THREAD_EXTENDED_POLICY_COUNT) {
			kr = KERN_INVALID_ARGUMENT;
			break;
		}
		policy_info[0] = *get_default || !t->ext_set ? TRUE :
							       t->timeshare;
		if (!*get_default && t->tc_set)
			policy_info[0] = FALSE;
		*policy_infoCnt = THREAD_EXTENDED_POLICY_COUNT;
		break;
	case THREAD_TIME_CONSTRAINT_POLICY:
		if (*policy_infoCnt < THREAD_TIME_CONSTRAINT_POLICY_COUNT) {
			kr = KERN_INVALID_ARGUMENT;
			break;
		}
		/* Not a real-time thread: the defaults, and say so. */
		if (!*get_default && !t->tc_set)
			*get_default = TRUE;
		if (*get_default) {
			tc.period = 0;
			tc.computation = LM_DEFAULT_COMPUTATION;
			tc.constraint = LM_DEFAULT_CONSTRAINT;
			tc.preemptible = TRUE;
		} else {
			tc = t->tc;
		}
		memcpy(policy_info, &tc, sizeof(tc));
		*policy_infoCnt = THREAD_TIME_CONSTRAINT_POLICY_COUNT;
		break;
	case THREAD_PRECEDENCE_POLICY:
		if (*policy_infoCnt < THREAD_PRECEDENCE_POLICY_COUNT) {
			kr = KERN_INVALID_ARGUMENT;
			break;
		}
		policy_info[0] = *get_default ? 0 : t->importance;
		*policy_infoCnt = THREAD_PRECEDENCE_POLICY_COUNT;
		break;
	case THREAD_AFFINITY_POLICY:
		if (*policy_infoCnt < THREAD_AFFINITY_POLICY_COUNT) {
			kr = KERN_INVALID_ARGUMENT;
			break;
		}
		policy_info[0] = *get_default ? THREAD_AFFINITY_TAG_NULL :
						t->affinity_tag;
		*policy_infoCnt = THREAD_AFFINITY_POLICY_COUNT;
		break;
	case THREAD_BACKGROUND_POLICY:
		if (*policy_infoCnt < THREAD_BACKGROUND_POLICY_COUNT) {
			kr = KERN_INVALID_ARGUMENT;
			break;
		}
		policy_info[0] = *get_default ? 0 : t->background;
		*policy_infoCnt = THREAD_BACKGROUND_POLICY_COUNT;
		break;
	default:
		kr = KERN_INVALID_ARGUMENT;
		break;
	}
out:
	pthread_mutex_unlock(&lm_thread_lock);
	return kr;
}

/*
 * TASK_CATEGORY_POLICY: the roles an application may give itself are
 * remembered and reported; the control and graphics-server roles need
 * root, as on XNU.  Nothing changes in Linux's scheduling.
 */
LM_EXPORT kern_return_t task_policy_set(task_policy_set_t task,
					task_policy_flavor_t flavor,
					task_policy_t policy_info,
					mach_msg_type_number_t policy_infoCnt)
{
	task_role_t role;

	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (flavor != TASK_CATEGORY_POLICY || !policy_info ||
	    policy_infoCnt < TASK_CATEGORY_POLICY_COUNT)
		return KERN_INVALID_ARGUMENT;
	role = policy_info[0];
	switch (role) {
	case TASK_FOREGROUND_APPLICATION:
	case TASK_BACKGROUND_APPLICATION:
	case TASK_DEFAULT_APPLICATION:
	case TASK_NONUI_APPLICATION:
	case TASK_THROTTLE_APPLICATION:
	case TASK_DARWINBG_APPLICATION:
	case TASK_UNSPECIFIED:
		break;
	case TASK_CONTROL_APPLICATION:
	case TASK_GRAPHICS_SERVER:
		if (geteuid() != 0)
			return KERN_INVALID_ARGUMENT;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	pthread_mutex_lock(&lm_thread_lock);
	lm_task_role = role;
	lm_task_role_set = TRUE;
	pthread_mutex_unlock(&lm_thread_lock);
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t task_policy_get(task_policy_get_t task,
					task_policy_flavor_t flavor,
					task_policy_t policy_info,
					mach_msg_type_number_t *policy_infoCnt,
					boolean_t *get_default)
{
	if (!lm_task_ok(task))
		return MACH_SEND_INVALID_DEST;
	if (flavor != TASK_CATEGORY_POLICY || !policy_info ||
	    !policy_infoCnt || !get_default ||
	    *policy_infoCnt < TASK_CATEGORY_POLICY_COUNT)
		return KERN_INVALID_ARGUMENT;
	pthread_mutex_lock(&lm_thread_lock);
	policy_info[0] = *get_default || !lm_task_role_set ? TASK_UNSPECIFIED :
							     lm_task_role;
	pthread_mutex_unlock(&lm_thread_lock);
	*policy_infoCnt = TASK_CATEGORY_POLICY_COUNT;
	return KERN_SUCCESS;
}
