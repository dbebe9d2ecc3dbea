/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_XA_COST_H
#define MACHIPC_XA_COST_H

#include <linux/types.h>
#include <linux/xarray.h>

/*
 * Levels of an xarray of 32-bit indices below its root: a node at level L
 * (1 = leaf) covers the indices that agree in all bits above L * 6.  The
 * root (level 6) is charged with the space.
 */
#define MACHIPC_XA_LEVELS	DIV_ROUND_UP(32 - XA_CHUNK_SHIFT, XA_CHUNK_SHIFT)

/* What one node of a name index costs. */
#define MACHIPC_COST_XA_NODE	sizeof(struct xa_node)

unsigned int machipc_xa_nodes_alone(struct xarray *xa, unsigned long index);

#endif /* MACHIPC_XA_COST_H */
