// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: what the host calls can say of a Linux machine (host_info(),
 * host_statistics()), and the scheduling traps (thread_switch(), swtch(),
 * swtch_pri()).  The host is mach_host_self(), the only one.
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

static integer_t lm_cpus(int which)
{
	long n = sysconf(which);

	return n > 0 ? (integer_t)n : 1;
}

static kern_return_t lm_host_basic(host_basic_info_t info,
				   mach_msg_type_number_t *count)
{
	uint64_t mem = (uint64_t)sysconf(_SC_PHYS_PAGES) * vm_page_size;
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

	if (host != mach_host_self() || !host_info_out || !host_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	switch (flavor) {
	case HOST_BASIC_INFO:
		return lm_host_basic((host_basic_info_t)host_info_out,
				     host_info_outCnt);
	case HOST_SCHED_INFO:
		if (*host_info_outCnt < HOST_SCHED_INFO_COUNT)
			return KERN_FAILURE;
		memcpy(host_info_out, &sched, sizeof(sched));
		*host_info_outCnt = HOST_SCHED_INFO_COUNT;
		return KERN_SUCCESS;
	case HOST_PRIORITY_INFO:
		if (*host_info_outCnt < HOST_PRIORITY_INFO_COUNT)
			return KERN_FAILURE;
		memcpy(host_info_out, &prio, sizeof(prio));
		*host_info_outCnt = HOST_PRIORITY_INFO_COUNT;
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

/*
 * Load averages scaled by LOAD_SCALE; the Mach factor of each is the
 * share of the CPUs the load leaves free, (cpus - load) at least 0, also
 * scaled.
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
				       (integer_t)(free * LOAD_SCALE) : 0;
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

LM_EXPORT kern_return_t host_statistics(host_t host, host_flavor_t flavor,
					host_info_t host_info_out,
					mach_msg_type_number_t *host_info_outCnt)
{
	kern_return_t kr;

	if (host != mach_host_self() || !host_info_out || !host_info_outCnt)
		return KERN_INVALID_ARGUMENT;
	switch (flavor) {
	case HOST_LOAD_INFO: {
		host_load_info_data_t load;

		if (*host_info_outCnt < HOST_LOAD_INFO_COUNT)
			return KERN_FAILURE;
		kr = lm_host_load(&load);
		if (kr)
			return kr;
		memcpy(host_info_out, &load, sizeof(load));
		*host_info_outCnt = HOST_LOAD_INFO_COUNT;
		return KERN_SUCCESS;
	}
	case HOST_CPU_LOAD_INFO: {
		host_cpu_load_info_data_t cpu;

		if (*host_info_outCnt < HOST_CPU_LOAD_INFO_COUNT)
			return KERN_FAILURE;
		kr = lm_host_cpu_load(&cpu);
		if (kr)
			return kr;
		memcpy(host_info_out, &cpu, sizeof(cpu));
		*host_info_outCnt = HOST_CPU_LOAD_INFO_COUNT;
		return KERN_SUCCESS;
	}
	default:
		return KERN_INVALID_ARGUMENT;
	}
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
	case SWITCH_OPTION_DISPATCH_CONTENTION:
	case SWITCH_OPTION_OSLOCK_DEPRESS:
		sched_yield();
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
