// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: the process's IPC space.
 *
 * The space (/dev/machipc) is opened when the library is loaded, so that
 * mach_task_self() is valid in main() as on macOS, and again in the child
 * of every fork(): a machipc space belongs to the process that opened it.
 * The task's own name, mach_task_self(), is a dead name allocated in the
 * space, so that no port can ever get the same name.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

struct lm_space lm_space = { .fd = -1, .open_errno = ENODEV };

LM_EXPORT mach_port_t mach_task_self_;
LM_EXPORT vm_size_t vm_page_size;
LM_EXPORT vm_size_t vm_page_mask;
LM_EXPORT int vm_page_shift;
LM_EXPORT NDR_record_t NDR_record = {
	.int_rep = NDR_INT_LITTLE_ENDIAN,
	.char_rep = NDR_CHAR_ASCII,
	.float_rep = NDR_FLOAT_IEEE,
};
LM_EXPORT const security_token_t KERNEL_SECURITY_TOKEN = KERNEL_SECURITY_TOKEN_VALUE;
LM_EXPORT const audit_token_t KERNEL_AUDIT_TOKEN = KERNEL_AUDIT_TOKEN_VALUE;

static pthread_mutex_t lm_init_lock = PTHREAD_MUTEX_INITIALIZER;
/* mach_host_self()'s name, see there. */
static pthread_mutex_t lm_host_lock = PTHREAD_MUTEX_INITIALIZER;
static mach_port_name_t lm_host_name;
static pid_t lm_host_pid;

int lm_ioctl(unsigned long cmd, void *arg)
{
	return ioctl(lm_space.fd, cmd, arg) < 0 ? errno : 0;
}

static void lm_space_open(void)
{
	const char *path = secure_getenv("MACHIPC_DEVICE");
	struct machipc_version v = { 0 };
	struct machipc_port_alloc alloc = { .right = MACHIPC_RIGHT_DEAD_NAME };
	int fd;

	lm_space.fd = -1;
	lm_space.task = MACH_PORT_NULL;
	mach_task_self_ = MACH_PORT_NULL;
	lm_host_name = MACH_PORT_NULL;
	if (!path || !*path)
		path = "/dev/machipc";
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		lm_space.open_errno = errno;
		return;
	}
	if (ioctl(fd, MACHIPC_IOC_VERSION, &v) < 0 ||
	    v.abi_version < MACHIPC_ABI_VERSION ||
	    ioctl(fd, MACHIPC_IOC_PORT_ALLOCATE, &alloc) < 0) {
		lm_space.open_errno = errno ? errno : EPROTO;
		close(fd);
		return;
	}
	lm_space.fd = fd;
	lm_space.pid = getpid();
	lm_space.max_inline = v.max_inline;
	lm_space.task = alloc.name;
	lm_space.open_errno = 0;
	mach_task_self_ = alloc.name;
	/*
	 * The host's name too, so that it is in the space from the start,
	 * as the task's is (mach_host_self() makes one if this fails).
	 */
	alloc.name = MACH_PORT_NULL;
	lm_host_name = ioctl(fd, MACHIPC_IOC_PORT_ALLOCATE, &alloc) < 0 ?
		       MACH_PORT_NULL : alloc.name;
	lm_host_pid = lm_space.pid;
}

/* In the child of fork(): the parent's space is not ours. */
static void lm_atfork_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;

	lm_host_lock = fresh;
	if (lm_space.fd >= 0)
		close(lm_space.fd);
	lm_space_open();
	lm_ports_fork_child();
	lm_msg_fork_child();
	lm_bootstrap_fork_child();
	lm_sync_fork_child();
	lm_clock_fork_child();
	lm_task_fork_child();
}

int lm_ready(void)
{
	if (lm_space.fd >= 0 && lm_space.pid == getpid())
		return 0;
	/* A child made with vfork()+exec, or clone(): open on first use. */
	pthread_mutex_lock(&lm_init_lock);
	if (lm_space.fd < 0 || lm_space.pid != getpid()) {
		if (lm_space.fd >= 0 && lm_space.pid != getpid())
			close(lm_space.fd);
		lm_space_open();
	}
	pthread_mutex_unlock(&lm_init_lock);
	return lm_space.fd >= 0 ? 0 : lm_space.open_errno;
}

__attribute__((constructor)) static void lm_init(void)
{
	long page = sysconf(_SC_PAGESIZE);

	vm_page_size = page > 0 ? (vm_size_t)page : 4096;
	vm_page_mask = vm_page_size - 1;
	vm_page_shift = __builtin_ctzl(vm_page_size);
	lm_space_open();
	pthread_atfork(NULL, NULL, lm_atfork_child);
	lm_bootstrap_init();
}

int lm_name_info(mach_port_name_t name, struct machipc_name_info *info)
{
	memset(info, 0, sizeof(*info));
	info->name = name;
	return lm_ioctl(MACHIPC_IOC_NAME_INFO, info);
}

int lm_port_attr(mach_port_name_t name, struct machipc_port_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->name = name;
	return lm_ioctl(MACHIPC_IOC_PORT_GET_ATTRIBUTES, attr);
}

mach_msg_type_name_t lm_copyin_type(mach_msg_type_name_t t)
{
	switch (t) {
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return MACH_MSG_TYPE_PORT_RECEIVE;
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_COPY_SEND:
	case MACH_MSG_TYPE_MAKE_SEND:
		return MACH_MSG_TYPE_PORT_SEND;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		return MACH_MSG_TYPE_PORT_SEND_ONCE;
	default:
		return 0;
	}
}

uint32_t lm_disp_needs(mach_msg_type_name_t t)
{
	switch (t) {
	case MACH_MSG_TYPE_MOVE_RECEIVE:
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		return MACHIPC_RIGHT_RECEIVE;
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_COPY_SEND:
		return MACHIPC_RIGHT_SEND;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		return MACHIPC_RIGHT_SEND_ONCE;
	default:
		return 0;
	}
}

/*
 * The host, mach_host_self(), is a dead name of the space too, made with
 * the space (lm_space_open()).  As on XNU each call hands out a send
 * right: one more user reference of the same name (kept where it is at the
 * maximum), which mach_port_deallocate() releases; when the last one is
 * released the name is no longer the host, and the next call makes a new
 * name.  mach_port_type() calls it a dead name, as the clocks'.
 */

/*
 * One more user reference of @name, a dead name the library made: 0, or
 * nonzero if it is gone.  One ioctl, async-signal-safe.  A pegged count
 * (EOVERFLOW) is still the name.
 */
int lm_self_name_add(mach_port_name_t name)
{
	struct machipc_port_mod_refs ref = {
		.name = name,
		.right = MACHIPC_RIGHT_DEAD_NAME,
		.delta = 1,
	};
	int err = lm_ioctl(MACHIPC_IOC_PORT_MOD_REFS, &ref);

	return err == EOVERFLOW ? 0 : err;
}

/* One more user reference of the dead name @*slot, or a new dead name. */
mach_port_name_t lm_self_name_ref(mach_port_name_t *slot)
{
	struct machipc_port_alloc alloc = { .right = MACHIPC_RIGHT_DEAD_NAME };

	if (*slot != MACH_PORT_NULL && !lm_self_name_add(*slot))
		return *slot;
	*slot = MACH_PORT_NULL;
	if (lm_ioctl(MACHIPC_IOC_PORT_ALLOCATE, &alloc))
		return MACH_PORT_NULL;
	*slot = alloc.name;
	return alloc.name;
}

/* Is @name, a name the library made, still a dead name of the space? */
int lm_self_name_alive(mach_port_name_t name)
{
	struct machipc_name_info info;

	return MACH_PORT_VALID(name) && !lm_name_info(name, &info) &&
	       (info.rights & MACHIPC_RIGHT_DEAD_NAME);
}

/*
 * Async-signal-safe, as XNU's trap, once the space has the host's name:
 * one more reference of it with one ioctl.  The lock is taken only when
 * the name is gone (released, or the space is new after fork()).
 */
LM_EXPORT mach_port_t mach_host_self(void)
{
	pid_t pid = lm_space.pid;
	mach_port_name_t name = lm_host_name;

	if (MACH_PORT_VALID(name) && lm_host_pid == pid &&
	    lm_space.fd >= 0 && pid == getpid() && !lm_self_name_add(name))
		return name;
	if (lm_ready())
		return MACH_PORT_NULL;
	pthread_mutex_lock(&lm_host_lock);
	if (lm_host_pid != lm_space.pid) {
		lm_host_name = MACH_PORT_NULL;
		lm_host_pid = lm_space.pid;
	}
	name = lm_self_name_ref(&lm_host_name);
	pthread_mutex_unlock(&lm_host_lock);
	return name;
}

LM_EXPORT mach_port_name_t host_self_trap(void)
{
	return mach_host_self();
}

int lm_host_check(mach_port_name_t name)
{
	struct machipc_name_info info;
	int ret;

	if (!MACH_PORT_VALID(name) || lm_ready())
		return -1;
	pthread_mutex_lock(&lm_host_lock);
	ret = lm_host_pid == lm_space.pid && name == lm_host_name &&
	      lm_self_name_alive(name) ? 0 : 1;
	pthread_mutex_unlock(&lm_host_lock);
	if (ret && lm_name_info(name, &info))
		ret = -1;
	return ret;
}

LM_EXPORT mach_port_name_t task_self_trap(void)
{
	lm_ready();
	return lm_space.task;
}

/*
 * An audit token as XNU lays it out: audit uid, euid, egid, ruid, rgid,
 * pid, audit session id, pid version.  Linux's unset session id (-1) is
 * XNU's AU_DEFAUDITSID (0); the pid version is the process's start time in
 * clock ticks (/proc/PID/stat field 22), which a reused pid does not share.
 */
void lm_audit_token(audit_token_t *tok, unsigned int auid, unsigned int euid,
		    unsigned int egid, unsigned int ruid, unsigned int rgid,
		    unsigned int pid, unsigned int asid,
		    unsigned long long start_time)
{
	memset(tok, 0, sizeof(*tok));
	tok->val[0] = auid;
	tok->val[1] = euid;
	tok->val[2] = egid;
	tok->val[3] = ruid;
	tok->val[4] = rgid;
	tok->val[5] = pid;
	tok->val[6] = asid == (unsigned int)-1 ? 0 : asid;
	tok->val[7] = (unsigned int)start_time;
}

/* A number from a one-line file of /proc/self, or @dflt. */
static unsigned long long lm_proc_number(const char *path,
					 unsigned long long dflt)
{
	unsigned long long v;
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return dflt;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	return ok ? v : dflt;
}

/* Field 22 of /proc/self/stat: when this process started, in ticks. */
static unsigned long long lm_start_time(void)
{
	char buf[1024], *p;
	unsigned long long v = 0;
	size_t n;
	FILE *f = fopen("/proc/self/stat", "re");
	int field;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* The command name may hold spaces: count from its closing ')'. */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

void lm_self_audit_token(audit_token_t *tok)
{
	lm_audit_token(tok,
		       (unsigned int)lm_proc_number("/proc/self/loginuid",
						    (unsigned int)-1),
		       geteuid(), getegid(), getuid(), getgid(),
		       (unsigned int)getpid(),
		       (unsigned int)lm_proc_number("/proc/self/sessionid",
						    (unsigned int)-1),
		       lm_start_time());
}
