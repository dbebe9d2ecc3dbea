// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the copy engine, in debugfs (machipc/): abort the
 * next out-of-line transfer at a chosen chunk, so that tests can prove the
 * atomic contract at every chunk boundary.
 *
 * inject_abort_chunk: -1 (off) or k: the next transfer about to copy its
 *	chunk k aborts there; the switch then goes back to -1 (one shot).
 * inject_abort_side: 0: as if the receiver were interrupted (its receive
 *	fails with EINTR, the message stays queued); 1: as if the sender were
 *	(its send fails with EINTR, nothing delivered).
 * aborts_injected: how many aborts were injected.
 * inject_pin_miss: how many of the next pins of a sender's pages by a
 *	copier fail as if the sender's mmap lock were taken (0: none), so
 *	that the copier asks the sender to fault in pages it then still cannot
 *	pin: the livelock every wait loop must end at its deadline.
 *
 * And for the tests of port ids: port_id_next reads the id the next port
 * gets; writing a larger value skips the ids below it (never a smaller
 * one: ids are not reused), so a test can cross 2^32 without making 2^32
 * ports.
 *
 * The values are atomics: tests set them from another process while
 * transfers run.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>

#include "inject.h"
#include "notify.h"
#include "port.h"

static atomic_t machipc_inject_chunk = ATOMIC_INIT(-1);
static u32 machipc_inject_side;
static atomic_t machipc_aborts_injected = ATOMIC_INIT(0);
static atomic_t machipc_inject_pin_misses = ATOMIC_INIT(0);
static struct dentry *machipc_debugfs_dir;

static int machipc_inject_chunk_get(void *data, u64 *val)
{
	*val = (u64)(s64)atomic_read(&machipc_inject_chunk);
	return 0;
}

static int machipc_inject_chunk_set(void *data, u64 val)
{
	s64 k = (s64)val;

	if (k < -1 || k > S32_MAX)
		return -EINVAL;
	atomic_set(&machipc_inject_chunk, (int)k);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(machipc_inject_chunk_fops,
				machipc_inject_chunk_get,
				machipc_inject_chunk_set, "%lld\n");

static int machipc_aborts_injected_get(void *data, u64 *val)
{
	*val = atomic_read(&machipc_aborts_injected);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(machipc_aborts_injected_fops,
			 machipc_aborts_injected_get, NULL, "%llu\n");

static int machipc_inject_pin_miss_get(void *data, u64 *val)
{
	*val = (u32)atomic_read(&machipc_inject_pin_misses);
	return 0;
}

static int machipc_inject_pin_miss_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&machipc_inject_pin_misses, (int)val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(machipc_inject_pin_miss_fops,
			 machipc_inject_pin_miss_get,
			 machipc_inject_pin_miss_set, "%llu\n");

static int machipc_notify_requests_get(void *data, u64 *val)
{
	*val = machipc_notify_requests_live();
	return 0;
}

/* Live notification requests: the leak check of the selftests. */
DEFINE_DEBUGFS_ATTRIBUTE(machipc_notify_requests_fops,
			 machipc_notify_requests_get, NULL, "%llu\n");

static int machipc_port_id_next_get(void *data, u64 *val)
{
	*val = machipc_port_id_next();
	return 0;
}

static int machipc_port_id_next_set(void *data, u64 val)
{
	return machipc_port_id_set_next(val);
}

DEFINE_DEBUGFS_ATTRIBUTE(machipc_port_id_next_fops, machipc_port_id_next_get,
			 machipc_port_id_next_set, "%llu\n");

void machipc_debugfs_init(void)
{
	machipc_debugfs_dir = debugfs_create_dir("machipc", NULL);
	debugfs_create_file_unsafe("inject_abort_chunk", 0600,
				   machipc_debugfs_dir, NULL,
				   &machipc_inject_chunk_fops);
	debugfs_create_u32("inject_abort_side", 0600, machipc_debugfs_dir,
			   &machipc_inject_side);
	debugfs_create_file_unsafe("inject_pin_miss", 0600,
				   machipc_debugfs_dir, NULL,
				   &machipc_inject_pin_miss_fops);
	debugfs_create_file_unsafe("aborts_injected", 0400,
				   machipc_debugfs_dir, NULL,
				   &machipc_aborts_injected_fops);
	debugfs_create_file_unsafe("notify_requests", 0444,
				   machipc_debugfs_dir, NULL,
				   &machipc_notify_requests_fops);
	debugfs_create_file_unsafe("port_id_next", 0600, machipc_debugfs_dir,
				   NULL, &machipc_port_id_next_fops);
}

void machipc_debugfs_exit(void)
{
	debugfs_remove_recursive(machipc_debugfs_dir);
}

/* Whether the transfer about to copy @chunk must abort now (once). */
bool machipc_inject_abort_now(u32 chunk)
{
	int k = atomic_read(&machipc_inject_chunk);

	if (likely(k < 0) || k != chunk)
		return false;
	if (atomic_cmpxchg(&machipc_inject_chunk, k, -1) != k)
		return false;
	atomic_inc(&machipc_aborts_injected);
	return true;
}

/* Which side an injected abort hits. */
bool machipc_inject_abort_sender(void)
{
	return READ_ONCE(machipc_inject_side) != 0;
}

/* Whether this pin of a sender's pages must fail (counts one down). */
bool machipc_inject_pin_miss(void)
{
	if (likely(!atomic_read(&machipc_inject_pin_misses)))
		return false;
	return atomic_dec_if_positive(&machipc_inject_pin_misses) >= 0;
}
