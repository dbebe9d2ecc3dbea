// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: what the host calls can say of a Linux machine (host_info(),
 * host_statistics()), and the scheduling traps (thread_switch(), swtch(),
 * swtch_pri()), host_processor_info().  The host is mach_host_self(), the
 * only one.
 *
 * The figures come from sysconf() and /proc, read at each call; nothing
 * is cached, so nothing here needs a lock or a fork handler.
 */
#define _DEFAULT_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#if defined(__x86_64__)
#define LM_CPU_TYPE	CPU_TYPE_X86_64
#define LM_CPU_SUBTYPE	CPU_SUBTYPE_X86_64_ALL
#elif defined(__i386__)
#define LM_CPU_TYPE	CPU_TYPE_X86
#define LM_CPU_SUBTYPE	CPU_SUBTYPE_I386_ALL
#elif defined(__aarch64__)
#define LM_CPU_TYPE	CPU_TYPE_ARM64
#define LM_CPU_SUBTYPE	CPU_SUBTYPE_ARM64_ALL
#else
#define LM_CPU_TYPE	CPU_TYPE_ANY
#define LM_CPU_SUBTYPE	CPU_SUBTYPE_MULTIPLE
#endif

/* XNU's scheduler constants, which HOST_PRIORITY_INFO reports. */
#define LM_MAXPRI_RESERVED	79
#define LM_MINPRI_KERNEL	80
#define LM_MINPRI_RESERVED	64
#define LM_BASEPRI_DEFAULT	31
/* XNU's standard quantum, 10 ms: HOST_SCHED_INFO. */
#define LM_QUANTUM_MS		10

/*
 * The host is mach_host_self()'s name: for a name without a right (or
 * MACH_PORT_NULL) the MIG send fails, MACH_SEND_INVALID_DEST; another
 * name is no host, @not_host (each call has XNU's answer for HOST_NULL).
 */
static kern_return_t lm_host_kr(host_t host, kern_return_t not_host)
{
	int r = lm_host_check(host);

	return r < 0 ? MACH_SEND_INVALID_DEST : r ? not_host : KERN_SUCCESS;
}

static integer_t lm_cpus(int which)
{
	long n = sysconf(which);

	return n > 0 ? (integer_t)n : 1;
}

/*
 * Give the caller @n integers of @data if its count has room for them
 * (XNU's KERN_FAILURE if not), and say how many it got.
 */
static kern_return_t lm_info_out(integer_t *out, mach_msg_type_number_t *count,
				 const void *data, mach_msg_type_number_t n)
{
	if (*count < n)
		return KERN_FAILURE;
	memcpy(out, data, n * sizeof(integer_t));
	*count = n;
	return KERN_SUCCESS;
}

static kern_return_t lm_host_basic(host_basic_info_t info,
				   mach_msg_type_number_t *count)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	uint64_t mem = pages > 0 ? (uint64_t)pages * vm_page_size : 0;
	host_basic_info_data_t b = {
		.max_cpus = lm_cpus(_SC_NPROCESSORS_CONF),
		.avail_cpus = lm_cpus(_SC_NPROCESSORS_ONLN),
		/* A 32-bit field: XNU caps it at 2 GiB. */
		.memory_size = mem > 0x80000000ULL ? 0x80000000U :
						     (natural_t)mem,
		.cpu_type = LM_CPU_TYPE,
		.cpu_subtype = LM_CPU_SUBTYPE,
		.cpu_threadtype = CPU_THREADTYPE_NONE,
		.max_mem = mem,
	};

	if (*count < HOST_BASIC_INFO_OLD_COUNT)
		return KERN_FAILURE;
	b.physical_cpu = b.avail_cpus;
	b.physical_cpu_max = b.max_cpus;
	b.logical_cpu = b.avail_cpus;
	b.logical_cpu_max = b.max_cpus;
	/* An old caller's count gets the old structure, as on XNU. */
	*count = *count < HOST_BASIC_INFO_COUNT ? HOST_BASIC_INFO_OLD_COUNT :
						  HOST_BASIC_INFO_COUNT;
	memcpy(info, &b, *count * sizeof(integer_t));
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t host_info(host_t host, host_flavor_t flavor,
				  host_info_t host_info_out,
				  mach_msg_type_number_t *host_info_outCnt)
{
	host_sched_info_data_t sched = {
		.min_timeout = LM_QUANTUM_MS, .min_quantum = LM_QUANTUM_MS,
	};
	host_priority_info_data_t prio = {
		.kernel_priority = LM_MINPRI_KERNEL,
		.system_priority = LM_MINPRI_KERNEL,
		.server_priority = LM_MINPRI_RESERVED,
		.user_priority = LM_BASEPRI_DEFAULT,
		.depress_priority = 0,
		.idle_priority = 0,
		.minimum_priority = 0,
		.maximum_priority = LM_MAXPRI_RESERVED,
	};

	kern_return_t kr = lm_host_kr(host, KERN_INVALID_ARGUMENT);

	if (kr)
		return kr;
	if (!host_info_out || !host_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	switch (flavor) {
	case HOST_BASIC_INFO:
		return lm_host_basic((host_basic_info_t)host_info_out,
				     host_info_outCnt);
	case HOST_SCHED_INFO:
		return lm_info_out(host_info_out, host_info_outCnt, &sched,
				   HOST_SCHED_INFO_COUNT);
	case HOST_MACH_MSG_TRAP:
	case HOST_SEMAPHORE_TRAPS:
		/* The traps exist; there is nothing more to say (XNU). */
		*host_info_outCnt = 0;
		return KERN_SUCCESS;
	case HOST_PRIORITY_INFO:
		return lm_info_out(host_info_out, host_info_outCnt, &prio,
				   HOST_PRIORITY_INFO_COUNT);
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

/*
 * Load averages scaled by LOAD_SCALE; the Mach factor of each is what a
 * new thread would get, also scaled: the CPUs the load leaves free, or,
 * on an overloaded machine, cpus / (load + 1), as XNU computes it.
 */
static kern_return_t lm_host_load(host_load_info_t info)
{
	double avg[3];
	integer_t cpus = lm_cpus(_SC_NPROCESSORS_ONLN);
	int i;

	if (getloadavg(avg, 3) != 3)
		return KERN_FAILURE;
	for (i = 0; i < 3; i++) {
		double free = cpus - avg[i];

		info->avenrun[i] = (integer_t)(avg[i] * LOAD_SCALE);
		info->mach_factor[i] = free > 0 ?
			(integer_t)(free * LOAD_SCALE) :
			(integer_t)(cpus * LOAD_SCALE / (avg[i] + 1));
	}
	return KERN_SUCCESS;
}

/* All CPUs' ticks (USER_HZ) from the first line of /proc/stat. */
static kern_return_t lm_host_cpu_load(host_cpu_load_info_t info)
{
	unsigned long long user, nice, sys, idle;
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return KERN_FAILURE;
	n = fscanf(f, "cpu %llu %llu %llu %llu", &user, &nice, &sys, &idle);
	fclose(f);
	if (n != 4)
		return KERN_FAILURE;
	/* natural_t counters wrap, as XNU's do. */
	info->cpu_ticks[CPU_STATE_USER] = (natural_t)user;
	info->cpu_ticks[CPU_STATE_SYSTEM] = (natural_t)sys;
	info->cpu_ticks[CPU_STATE_IDLE] = (natural_t)idle;
	info->cpu_ticks[CPU_STATE_NICE] = (natural_t)nice;
	return KERN_SUCCESS;
}

/* The values of @n keys of a "key value" file, 0 for a key not found. */
static int lm_proc_values(const char *path, const char *const *keys,
			  unsigned long long *vals, int n)
{
	char line[256], key[64];
	unsigned long long v;
	FILE *f = fopen(path, "re");
	int i;

	if (!f)
		return -1;
	memset(vals, 0, n * sizeof(*vals));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^: ]%*[: ]%llu", key, &v) != 2)
			continue;
		for (i = 0; i < n; i++)
			if (!strcmp(key, keys[i]))
				vals[i] = v;
	}
	fclose(f);
	return 0;
}

enum { M_FREE, M_ACTIVE, M_INACTIVE, M_UNEVICTABLE, M_SUNRECLAIM,
       M_ACTIVE_FILE, M_INACTIVE_FILE, M_ACTIVE_ANON, M_INACTIVE_ANON,
       M_ZSWAP, M_ZSWAPPED, M_N };
enum { V_PGACTIVATE, V_PGMAJFAULT, V_PGFAULT, V_PSWPIN, V_PSWPOUT,
       V_ZSWPIN, V_ZSWPOUT, V_N };

/*
 * XNU's page counts from Linux's: free is MemFree; active and inactive
 * are the LRU lists; wired is what reclaim cannot take (Unevictable and
 * unreclaimable slab); internal and external pages are the anonymous and
 * file LRU pages; the compressor is zswap.  Events: faults are page
 * faults, pageins major faults, reactivations pgactivate, swap-ins and
 * -outs (and pageouts) pswpin/pswpout, (de)compressions zswpin/zswpout.
 * Zero-fill, copy-on-write, lookup, purge and speculative counts have no
 * Linux counterpart and are 0.
 */
static kern_return_t lm_host_vm(vm_statistics64_t vm)
{
	static const char *const mkeys[M_N] = {
		"MemFree", "Active", "Inactive", "Unevictable", "SUnreclaim",
		"Active(file)", "Inactive(file)", "Active(anon)",
		"Inactive(anon)", "Zswap", "Zswapped",
	};
	static const char *const vkeys[V_N] = {
		"pgactivate", "pgmajfault", "pgfault", "pswpin", "pswpout",
		"zswpin", "zswpout",
	};
	unsigned long long m[M_N], v[V_N];
	unsigned long long kb_per_page = vm_page_size / 1024;

	if (lm_proc_values("/proc/meminfo", mkeys, m, M_N) ||
	    lm_proc_values("/proc/vmstat", vkeys, v, V_N) || !kb_per_page)
		return KERN_FAILURE;
	memset(vm, 0, sizeof(*vm));
	vm->free_count = m[M_FREE] / kb_per_page;
	vm->active_count = m[M_ACTIVE] / kb_per_page;
	vm->inactive_count = m[M_INACTIVE] / kb_per_page;
	vm->wire_count = (m[M_UNEVICTABLE] + m[M_SUNRECLAIM]) / kb_per_page;
	vm->reactivations = v[V_PGACTIVATE];
	vm->pageins = v[V_PGMAJFAULT];
	vm->pageouts = v[V_PSWPOUT];
	vm->faults = v[V_PGFAULT];
	vm->decompressions = v[V_ZSWPIN];
	vm->compressions = v[V_ZSWPOUT];
	vm->swapins = v[V_PSWPIN];
	vm->swapouts = v[V_PSWPOUT];
	vm->compressor_page_count = m[M_ZSWAP] / kb_per_page;
	vm->external_page_count = (m[M_ACTIVE_FILE] + m[M_INACTIVE_FILE]) /
				  kb_per_page;
	vm->internal_page_count = (m[M_ACTIVE_ANON] + m[M_INACTIVE_ANON]) /
				  kb_per_page;
	vm->total_uncompressed_pages_in_compressor = m[M_ZSWAPPED] /
						     kb_per_page;
	return KERN_SUCCESS;
}

/* A 64-bit count in a 32-bit field: capped, as XNU caps it, not wrapped. */
static natural_t lm_vm32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (natural_t)v;
}

/*
 * HOST_VM_INFO: the 32-bit structure; a count from REV0 up gets as many
 * of its revisions as fit.
 */
static kern_return_t lm_host_vm32(host_info_t out,
				  mach_msg_type_number_t *count)
{
	vm_statistics64_data_t vm;
	vm_statistics_data_t s;
	kern_return_t kr;

	if (*count < HOST_VM_INFO_REV0_COUNT)
		return KERN_FAILURE;
	kr = lm_host_vm(&vm);
	if (kr)
		return kr;
	s = (vm_statistics_data_t){
		.free_count = vm.free_count,
		.active_count = vm.active_count,
		.inactive_count = vm.inactive_count,
		.wire_count = vm.wire_count,
		.zero_fill_count = lm_vm32(vm.zero_fill_count),
		.reactivations = lm_vm32(vm.reactivations),
		.pageins = lm_vm32(vm.pageins),
		.pageouts = lm_vm32(vm.pageouts),
		.faults = lm_vm32(vm.faults),
		.cow_faults = lm_vm32(vm.cow_faults),
		.lookups = lm_vm32(vm.lookups),
		.hits = lm_vm32(vm.hits),
		.purgeable_count = vm.purgeable_count,
		.purges = lm_vm32(vm.purges),
		.speculative_count = vm.speculative_count,
	};
	*count = *count >= HOST_VM_INFO_REV2_COUNT ? HOST_VM_INFO_REV2_COUNT :
		 *count >= HOST_VM_INFO_REV1_COUNT ? HOST_VM_INFO_REV1_COUNT :
						     HOST_VM_INFO_REV0_COUNT;
	memcpy(out, &s, *count * sizeof(integer_t));
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t host_statistics(host_t host, host_flavor_t flavor,
					host_info_t host_info_out,
					mach_msg_type_number_t *host_info_outCnt)
{
	host_load_info_data_t load;
	host_cpu_load_info_data_t cpu;
	kern_return_t kr;

	kr = lm_host_kr(host, KERN_INVALID_HOST);
	if (kr)
		return kr;
	if (!host_info_out || !host_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	switch (flavor) {
	case HOST_LOAD_INFO:
		kr = lm_host_load(&load);
		return kr ? kr : lm_info_out(host_info_out, host_info_outCnt,
					     &load, HOST_LOAD_INFO_COUNT);
	case HOST_CPU_LOAD_INFO:
		kr = lm_host_cpu_load(&cpu);
		return kr ? kr : lm_info_out(host_info_out, host_info_outCnt,
					     &cpu, HOST_CPU_LOAD_INFO_COUNT);
	case HOST_VM_INFO:
		return lm_host_vm32(host_info_out, host_info_outCnt);
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

LM_EXPORT kern_return_t host_statistics64(host_t host, host_flavor_t flavor,
					  host_info64_t host_info64_out,
					  mach_msg_type_number_t *host_info64_outCnt)
{
	vm_statistics64_data_t vm;
	kern_return_t kr;

	if (flavor != HOST_VM_INFO64)
		return host_statistics(host, flavor, host_info64_out,
				       host_info64_outCnt);
	kr = lm_host_kr(host, KERN_INVALID_HOST);
	if (kr)
		return kr;
	if (!host_info64_out || !host_info64_outCnt)
		return KERN_INVALID_ARGUMENT;
	if (*host_info64_outCnt < HOST_VM_INFO64_REV0_COUNT)
		return KERN_FAILURE;
	kr = lm_host_vm(&vm);
	if (kr)
		return kr;
	/* An older caller's count gets the first revision, as on XNU. */
	*host_info64_outCnt = *host_info64_outCnt >= HOST_VM_INFO64_REV1_COUNT ?
			      HOST_VM_INFO64_REV1_COUNT :
			      HOST_VM_INFO64_REV0_COUNT;
	memcpy(host_info64_out, &vm, *host_info64_outCnt * sizeof(integer_t));
	return KERN_SUCCESS;
}

/*
 * The per-CPU lines of /proc/stat ("cpuN user nice system idle ..."), as
 * an array of @max CPUs; CPUs absent (offline) stay 0.  The number of
 * CPUs is the highest listed plus one, at least 1; -1 on error.
 */
static int lm_cpu_lines(processor_cpu_load_info_data_t *load,
			processor_basic_info_data_t *basic, int max)
{
	char line[512];
	unsigned long long user, nice, sys, idle;
	FILE *f = fopen("/proc/stat", "re");
	int cpu, n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* Not the first line, "cpu" and the sums of all CPUs. */
		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line, "cpu%d %llu %llu %llu %llu", &cpu, &user,
			   &nice, &sys, &idle) != 5 || cpu < 0 || cpu >= max)
			continue;
		if (load) {
			load[cpu].cpu_ticks[CPU_STATE_USER] = (natural_t)user;
			load[cpu].cpu_ticks[CPU_STATE_SYSTEM] = (natural_t)sys;
			load[cpu].cpu_ticks[CPU_STATE_IDLE] = (natural_t)idle;
			load[cpu].cpu_ticks[CPU_STATE_NICE] = (natural_t)nice;
		}
		/* Linux lists the CPUs that are online. */
		if (basic)
			basic[cpu].running = TRUE;
		if (cpu + 1 > n)
			n = cpu + 1;
	}
	fclose(f);
	return n ? n : 1;
}

LM_EXPORT kern_return_t host_processor_info(host_t host,
					    processor_flavor_t flavor,
					    natural_t *out_processor_count,
					    processor_info_array_t *out_processor_info,
					    mach_msg_type_number_t *out_processor_infoCnt)
{
	int max = lm_cpus(_SC_NPROCESSORS_CONF), n, i;
	mach_msg_type_number_t per;
	vm_address_t addr = 0;
	vm_size_t size;
	kern_return_t kr = lm_host_kr(host, KERN_INVALID_ARGUMENT);

	if (kr)
		return kr;
	if (!out_processor_count || !out_processor_info ||
	    !out_processor_infoCnt)
		return KERN_INVALID_ARGUMENT;
	switch (flavor) {
	case PROCESSOR_BASIC_INFO:
		per = PROCESSOR_BASIC_INFO_COUNT;
		break;
	case PROCESSOR_CPU_LOAD_INFO:
		per = PROCESSOR_CPU_LOAD_INFO_COUNT;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	/* CPUs may be listed beyond the configured count: take the larger. */
	n = lm_cpu_lines(NULL, NULL, 4096);
	if (n < 0)
		return KERN_FAILURE;
	if (n < max)
		n = max;
	size = round_page((vm_size_t)n * per * sizeof(integer_t));
	kr = vm_allocate(mach_task_self(), &addr, size, VM_FLAGS_ANYWHERE);
	if (kr)
		return kr;
	if (flavor == PROCESSOR_CPU_LOAD_INFO) {
		if (lm_cpu_lines((processor_cpu_load_info_data_t *)addr, NULL,
				 n) < 0) {
			vm_deallocate(mach_task_self(), addr, size);
			return KERN_FAILURE;
		}
	} else {
		processor_basic_info_data_t *b = (processor_basic_info_data_t *)addr;

		for (i = 0; i < n; i++) {
			b[i].cpu_type = LM_CPU_TYPE;
			b[i].cpu_subtype = LM_CPU_SUBTYPE;
			b[i].slot_num = i;
			b[i].is_master = i == 0;
		}
		if (lm_cpu_lines(NULL, b, n) < 0) {
			vm_deallocate(mach_task_self(), addr, size);
			return KERN_FAILURE;
		}
	}
	*out_processor_count = (natural_t)n;
	*out_processor_info = (processor_info_array_t)addr;
	*out_processor_infoCnt = (mach_msg_type_number_t)n * per;
	return KERN_SUCCESS;
}

LM_EXPORT kern_return_t thread_switch(mach_port_name_t thread_name,
				      int option,
				      mach_msg_timeout_t option_time)
{
	struct timespec ts;

	(void)thread_name;
	switch (option) {
	case SWITCH_OPTION_NONE:
	case SWITCH_OPTION_DEPRESS:
	case SWITCH_OPTION_OSLOCK_DEPRESS:
		sched_yield();
		return KERN_SUCCESS;
	case SWITCH_OPTION_DISPATCH_CONTENTION:
		/* XNU's one option in microseconds. */
		ts.tv_sec = option_time / 1000000;
		ts.tv_nsec = (long)(option_time % 1000000) * 1000;
		nanosleep(&ts, NULL);
		return KERN_SUCCESS;
	case SWITCH_OPTION_WAIT:
	case SWITCH_OPTION_OSLOCK_WAIT:
		ts.tv_sec = option_time / 1000;
		ts.tv_nsec = (long)(option_time % 1000) * 1000000;
		/* A signal ends the wait early, as an abort does on XNU. */
		nanosleep(&ts, NULL);
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

LM_EXPORT boolean_t swtch_pri(int pri)
{
	(void)pri;
	sched_yield();
	return FALSE;
}

LM_EXPORT boolean_t swtch(void)
{
	sched_yield();
	return FALSE;
}
