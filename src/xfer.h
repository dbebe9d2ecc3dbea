/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_XFER_H
#define MACHIPC_XFER_H

#include <linux/ktime.h>
#include <linux/mmu_notifier.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <linux/machipc.h>

#include "msg.h"

struct machipc_account;
struct machipc_msg;
struct machipc_port;
struct machipc_pset;
struct machipc_space;
struct page;

/**
 * enum machipc_xfer_state - where an out-of-line transfer stands
 * @MACHIPC_XFER_QUEUED: the message waits in its port's queue, unclaimed
 * @MACHIPC_XFER_COPYING: a receiver (the copier) claimed it and copies
 * @MACHIPC_XFER_COMMITTING: the copier holds both spaces' locks and is
 *	committing both sides; nothing can abort the transfer any more
 * @MACHIPC_XFER_DONE: delivered; the send succeeds
 * @MACHIPC_XFER_FAILED: off the queue, nothing delivered; the send fails
 *	with machipc_xfer.err
 */
enum machipc_xfer_state {
	MACHIPC_XFER_QUEUED,
	MACHIPC_XFER_COPYING,
	MACHIPC_XFER_COMMITTING,
	MACHIPC_XFER_DONE,
	MACHIPC_XFER_FAILED,
};

/*
 * Why a transfer was aborted, for the machipc_xfer_aborted tracepoint
 * (trace.h names them: a new reason needs its name there).
 */
enum machipc_abort_reason {
	MACHIPC_ABORT_SIGNAL,		/* sender: signal, stop, ptrace, freezer */
	MACHIPC_ABORT_TIMEOUT,		/* sender: send deadline */
	MACHIPC_ABORT_DEAD,		/* the destination port died */
	MACHIPC_ABORT_FAULT,		/* the sender's data cannot be read */
	MACHIPC_ABORT_RIGHTS,		/* the sender's rights changed */
	MACHIPC_ABORT_SPACE,		/* the sender's space was torn down */
	MACHIPC_ABORT_INJECTED,		/* debugfs inject_abort_chunk */
	MACHIPC_ABORT_RCV_SIGNAL,	/* receiver: signal, stop, ptrace, ... */
	MACHIPC_ABORT_RCV_TIMEOUT,	/* receiver: receive deadline */
	MACHIPC_ABORT_RCV_FAULT,	/* the receiver's buffer cannot be written */
	MACHIPC_ABORT_RCV_NOBUFS,	/* the receiver is out of memory or cash */
	MACHIPC_ABORT_RCV_ERROR,	/* any other failure of the receiver */
	MACHIPC_ABORT_INVALIDATED,	/* the sender's mapping changed: recopy */
	MACHIPC_ABORT_TOO_LARGE,	/* destroyed by a receiver: too large */
	MACHIPC_ABORT_UNSTABLE,		/* the sender's mapping kept changing */
};

void machipc_trace_abort(u64 id, u32 chunk, enum machipc_abort_reason reason);

/**
 * DOC: out-of-line transfers
 *
 * A message carrying out-of-line descriptors is delivered synchronously.
 * Its sender queues it *uncommitted* (no right taken from its space yet,
 * only a queue slot) and sleeps in machipc_xfer_wait() until a receiver
 * has copied the data and committed both sides, or the transfer failed.
 *
 * Two halves meet while a receiver copies.  struct machipc_xfer is the
 * sender's: allocated with the message, charged to the sender, freed by the
 * sender when its send returns.  struct machipc_copier is the receiver's:
 * allocated for one receive call, charged to the receiver.  A receiver
 * *claims* a queued transfer by linking the two (@copier here,
 * machipc_copier.xfer there); either side unlinks before it frees its half,
 * so neither ever touches the other's memory unlinked.
 *
 * The copier reads the sender's memory (@mm) only while @busy, and is busy
 * only for non-blocking work: pinning pages without faulting them in
 * (FOLL_NOFAULT), copying them page to page into the receiver's pages,
 * which it pinned before, and unpinning them.
 * An aborting sender waits for the copier to unlink, which a busy copier
 * does at the end of its busy section and an idle one at once: so the
 * sender never returns while its pages are pinned or its mm is in use, and
 * never waits for anything but that short section.  Pages that are not
 * resident are faulted in by the sender in its own context, on request
 * (@fault_*): a sender's pager can stall only the sender.
 *
 * @notifier watches the sender's regions: any change of their mapping
 * while a pass copies them (munmap, mprotect, madvise, fork, migration)
 * makes the copier start the pass over, so the receiver gets a consistent
 * snapshot, never a mix of before and after.
 *
 * An abort that arrives while the copier commits cannot stop the commit;
 * it is recorded (@abort_err) and takes effect if the commit fails on the
 * receiver's side, so that the sender is never left waiting.
 *
 * Locking: the destination port's lock protects @state, @err, @abort_*,
 * @busy, @copier and @fault_*; the other fields are set before the message
 * is queued and then immutable.  @seq_lock orders the notifier's sequence
 * updates against the copier's checks.
 */
struct machipc_xfer {
	u64 id;
	struct machipc_port *port;
	struct machipc_space *space;
	struct mm_struct *mm;
	wait_queue_head_t wait;
	struct machipc_msg *msg;
	struct machipc_account *account;
	struct mmu_interval_notifier notifier;
	spinlock_t seq_lock;	/* orders notifier sequence updates and checks */
	bool watching;
	struct machipc_ool ool;

	enum machipc_xfer_state state;
	int err;
	int abort_err;
	enum machipc_abort_reason abort_reason;
	bool busy;
	struct machipc_copier *copier;
	bool fault_pending;
	u32 fault_seq;
	u64 fault_addr;
	u64 fault_len;
};

#define MACHIPC_COST_XFER	sizeof(struct machipc_xfer)

/**
 * DOC: copiers
 *
 * The receiver's half of a transfer, for one receive call that passed
 * out-of-line buffers: the buffers (copied in once), and the page array of
 * one chunk, the only per-transfer memory the copy engine uses whatever
 * the message's size.  With %MACHIPC_MSG_RCV_OOL_ALLOC the buffers are
 * anonymous mappings the kernel made in the receiver (@mapped; each
 * buffer's size is its region's, its mapping that rounded up to pages),
 * which fit a message only exactly, are unmapped unless a message was
 * received into them, and are made again when the head of the queue
 * needs others (copy.c).  Captured
 * messages (capture.h) use the buffers and @regions too, without a claim.
 * @xfer is protected by the lock of @port, the port
 * of the claimed message; @port, @sender and @msg are set by the claim
 * (with references on the port and the sender's space) and may be used
 * only while @xfer is linked.  The rest belongs to the receiving thread.
 */
struct machipc_copier {
	struct machipc_account *account;
	size_t charge;
	wait_queue_head_t wait;
	u32 nbufs;
	u32 chunk_pages;
	bool mapped;
	struct machipc_ool_buf bufs[MACHIPC_OOL_MAX];

	struct machipc_port *port;
	struct machipc_space *sender;
	struct machipc_msg *msg;
	struct machipc_xfer *xfer;
	u64 id;
	u32 nregions;
	struct machipc_ool_region regions[MACHIPC_OOL_MAX];
	unsigned long seq;
	u32 chunk;
	u64 fault_addr;
	u64 fault_len;
	u32 commit_faults;
	u32 recopies;

	struct page *pages[];
};

/**
 * enum machipc_commit_start - what machipc_copier_begin_commit() found
 * @MACHIPC_COMMIT_STARTED: the transfer is committing; the message is
 *	stable until machipc_copier_end_commit()
 * @MACHIPC_COMMIT_RECOPY: the sender's mapping changed since the pass
 *	began: the data must be copied again
 * @MACHIPC_COMMIT_LOST: the transfer failed meanwhile, or the receive
 *	right moved: give the claim back and look for a message again
 */
enum machipc_commit_start {
	MACHIPC_COMMIT_STARTED,
	MACHIPC_COMMIT_RECOPY,
	MACHIPC_COMMIT_LOST,
};

/**
 * struct machipc_ool_report - what an out-of-line message needs, for
 *	%EMSGSIZE
 * @needed: bytes of receive buffer (message and trailer)
 * @count: its out-of-line regions
 */
struct machipc_ool_report {
	u32 needed;
	u32 count;
};

extern unsigned long long machipc_max_ool_bytes;

/* Sender side (xfer.c) */
struct machipc_xfer *machipc_xfer_alloc(struct machipc_msg *msg,
					struct machipc_account *account);
void machipc_xfer_free(struct machipc_xfer *xfer);
void machipc_xfer_prepare_mm(void);
int machipc_xfer_watch(struct machipc_xfer *xfer);
void machipc_xfer_target(struct machipc_xfer *xfer, struct machipc_port *port,
			 struct machipc_space *space);
int machipc_xfer_wait(struct machipc_xfer *xfer, const ktime_t *deadline);
void machipc_xfer_fail_locked(struct machipc_xfer *xfer, int err,
			      enum machipc_abort_reason reason);
void machipc_xfers_fail_port_locked(struct machipc_port *port);

/* The receiver's side of the state machine (xfer.c) */
int machipc_copier_claim(struct machipc_copier *copier,
			 struct machipc_port *port, u32 rcv_size,
			 u32 trailer_size, bool destroy,
			 struct machipc_ool_report *report);
struct machipc_xfer *machipc_xfer_busy(struct machipc_copier *copier);
bool machipc_xfer_ask_fault(struct machipc_copier *copier);
bool machipc_xfer_fault_served(void *arg);
bool machipc_xfer_linked(struct machipc_copier *copier);
int machipc_xfer_idle(struct machipc_copier *copier, struct machipc_xfer *xfer,
		      int ret);
enum machipc_commit_start
machipc_copier_begin_commit(struct machipc_copier *copier,
			    struct machipc_space *space,
			    struct machipc_pset *pset);
void machipc_copier_end_commit(struct machipc_copier *copier, int err);
void machipc_copier_unclaim(struct machipc_copier *copier, int err);
void machipc_copier_fail(struct machipc_copier *copier, int err,
			 enum machipc_abort_reason reason);

#endif /* MACHIPC_XFER_H */
