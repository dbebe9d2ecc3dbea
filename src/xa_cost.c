// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: what an index entry costs
 *
 * A space indexes its names (and its ports, by port key) in xarrays.  An
 * entry alone in its run of 64 indices has an xarray leaf (576 bytes on
 * x86-64) to itself, ten times the entry: a process keeping one name in
 * 64 would hold ten times the memory it is charged.  So each insertion is
 * charged, besides the entry, for the nodes it is the only entry of, and
 * each removal refunds the nodes it was the only entry of
 * (machipc_xa_nodes_alone(), computed with the index present).  The
 * account then always holds exactly sum over levels L = 1..5 of the
 * number of distinct (index >> 6L) among the present indices, in nodes:
 * the real node count of the tree, except that levels above the tree's
 * height are counted too (at most 5 nodes per index, a small over-charge
 * of small spaces) and the root is charged with the space.  Reserved
 * entries count as entries: the name allocator's leaf hold is charged as
 * an index of its own, so that a name next to it costs no node (the RPC
 * pattern of one short-lived reply name stays at one lookup or two).
 *
 * Costs one or two xas_find() for an index sharing its leaf, the common
 * case, and at most 2 * MACHIPC_XA_LEVELS otherwise; entry.c skips even
 * those for a name in the allocator's held leaf, which shares it with the
 * hold.  The caller serialises all
 * changes of the xarray (the space lock).
 */

#include <linux/rcupdate.h>
#include <kunit/visibility.h>

#include "xa_cost.h"

/*
 * Whether [@first, @last] holds a present entry other than @index,
 * reserved (zero) entries included: they keep their nodes as much as any.
 * Not xa_find(), which skips them.  The caller's lock keeps writers out,
 * so no retry entry is seen but at a restart.
 */
static bool machipc_xa_other(struct xarray *xa, unsigned long index,
			     unsigned long first, unsigned long last)
{
	XA_STATE(xas, xa, first);
	bool other = false;
	void *entry;

	rcu_read_lock();
	while ((entry = xas_find(&xas, last))) {
		if (xa_is_retry(entry)) {
			xas_reset(&xas);
			continue;
		}
		if (xas.xa_index != index) {
			other = true;
			break;
		}
	}
	rcu_read_unlock();
	return other;
}

/**
 * machipc_xa_nodes_alone() - nodes of @xa that hold no index but @index
 * @xa: the xarray, its changes serialised by the caller
 * @index: an index (present or not)
 *
 * Return: how many of the nodes on @index's path below the root would
 * hold no other entry: 0 if another entry shares its leaf, up to
 * %MACHIPC_XA_LEVELS.
 */
unsigned int machipc_xa_nodes_alone(struct xarray *xa, unsigned long index)
{
	unsigned int level;

	for (level = 1; level <= MACHIPC_XA_LEVELS; level++) {
		unsigned int shift = level * XA_CHUNK_SHIFT;
		unsigned long first = index >> shift << shift;

		if (machipc_xa_other(xa, index, first,
				     first + (1UL << shift) - 1))
			break;
	}
	return level - 1;
}
EXPORT_SYMBOL_IF_KUNIT(machipc_xa_nodes_alone);
