/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The copy engine, the page mover of an out-of-line transfer (copy.c): a
 * receiver's copier, created for one receive call, copies a claimed
 * transfer's regions a chunk at a time; xfer.h has the protocol and the
 * state machine both halves follow.
 */
#ifndef MACHIPC_COPY_H
#define MACHIPC_COPY_H

#include <linux/ktime.h>
#include <linux/types.h>

struct machipc_account;
struct machipc_copier;
struct machipc_ool;
struct machipc_ool_report;
struct page;

extern unsigned int machipc_chunk_pages;
extern unsigned int machipc_max_recopies;
size_t machipc_copier_cost(unsigned int chunk_pages);

#if IS_ENABLED(CONFIG_KUNIT)
/* The copy's page arithmetic, reached by the KUnit suite machipc_copy. */
size_t machipc_copy_pinned_to_user(u64 dst, struct page **spages,
				   size_t soff, size_t n);
size_t machipc_copy_step_bytes(u64 src, u64 dst, size_t left,
			       unsigned int chunk_pages);
#endif

struct machipc_copier *machipc_copier_create(struct machipc_account *account,
					     u64 ubufs, u32 nbufs);
void machipc_copier_free(struct machipc_copier *copier);
bool machipc_copier_fits(struct machipc_copier *copier,
			 const struct machipc_ool *ool);
int machipc_copier_map(struct machipc_copier *copier, u32 count, bool populate);
void machipc_copier_unmappable(struct machipc_copier *copier);
bool machipc_copier_maps(const struct machipc_copier *copier);
void machipc_copier_unmap(struct machipc_copier *copier);
void machipc_copier_keep_maps(struct machipc_copier *copier);
int machipc_copier_report(struct machipc_copier *copier, u64 ubufs,
			  const struct machipc_ool_report *report);
int machipc_copier_copy(struct machipc_copier *copier,
			const ktime_t *deadline);
int machipc_copier_recopy(struct machipc_copier *copier);

#endif /* MACHIPC_COPY_H */
