/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACHIPC_MSG_H
#define MACHIPC_MSG_H

#include <linux/cred.h>
#include <linux/align.h>
#include <linux/gfp_types.h>
#include <linux/list.h>
#include <linux/types.h>

#include <linux/machipc.h>

struct machipc_account;
struct machipc_capture;
struct machipc_entry;
struct machipc_msg_file;
struct machipc_port;
struct machipc_xfer;
struct pid;

/**
 * struct machipc_kright - one right a message carries
 * @port: the port, with one reference held by this right; NULL for none
 * @type: in transit: %MACHIPC_RIGHT_SEND, _SEND_ONCE or _RECEIVE
 * @disp: the sender's disposition (%MACHIPC_DISP_*)
 * @account: a send-once right: the account its notification is reserved
 *	on (with a reference), see machipc_notify_reserve_send_once()
 * @entry: while a receive's plan is built under the receiver's space
 *	lock: the entry this right goes to.  (A send's plan finds the entry a
 *	right comes from by its name, in the message: both plans exist at once
 *	when a receiver commits an out-of-line message.)
 */
struct machipc_kright {
	struct machipc_port *port;
	u32 type;
	u32 disp;
	struct machipc_entry *entry;
	struct machipc_account *account;
};

/**
 * struct machipc_ool_region - one out-of-line region of a message
 * @src: its address in the sender's memory
 * @size: its size in bytes
 */
struct machipc_ool_region {
	u64 src;
	u64 size;
};

/**
 * struct machipc_ool - the out-of-line regions of a message, in descriptor
 *	order
 * @count: how many (the message's out-of-line descriptors)
 * @bytes: their total size
 * @descs: the message's descriptor array, in its body
 * @index: the index in @descs of each region's descriptor
 *
 * Filled once, by machipc_msg_parse_ool() when the sender's thread makes
 * the message, inside the object that owns the data's transfer (the
 * struct machipc_xfer of a synchronous transfer, the struct
 * machipc_capture of captured data), which the message owns: @descs lives
 * as long.  Immutable from then on, and read by everyone else through
 * machipc_msg_ool() and machipc_ool_desc() instead of a walk of the
 * descriptors.  (An index rather than a copy of each region: 4 bytes a
 * region, where a copy would cost 24 in every transfer, charged.)
 */
struct machipc_ool {
	u32 count;
	u64 bytes;
	const struct machipc_msg_desc *descs;
	u32 index[MACHIPC_OOL_MAX];
};

/* The descriptor of region @k (< @ool->count): its address, size, flags. */
static inline const struct machipc_msg_desc *
machipc_ool_desc(const struct machipc_ool *ool, u32 k)
{
	return &ool->descs[ool->index[k]];
}

/**
 * struct machipc_msg_counts - what machipc_msg_validate() counted
 * @nool: out-of-line descriptors (%MACHIPC_DESC_OOL)
 * @ncapture: those of them with %MACHIPC_OOL_CAPTURE (0 or @nool)
 * @ool_bytes: the size of their regions, added up
 * @ool_pages: the pages their regions span if each starts on a page
 *	of its own, as captured data does
 * @nnames: names in port arrays (%MACHIPC_DESC_OOL_PORTS)
 * @nfd: file descriptors (%MACHIPC_DESC_FD)
 */
struct machipc_msg_counts {
	u32 nool;
	u32 ncapture;
	u64 ool_bytes;
	u64 ool_pages;
	u32 nnames;
	u32 nfd;
};

/* Index of the destination and reply rights in machipc_msg.rights. */
#define MACHIPC_KRIGHT_DEST	0
#define MACHIPC_KRIGHT_REPLY	1
#define MACHIPC_KRIGHT_DESC	2

/**
 * DOC: messages
 *
 * A message is allocated by the sender from a single copy of the user's
 * header, descriptors and inline data (@body), validated there, and owned
 * by the sending thread until it is queued.  Then it belongs to the
 * destination port's queue (port->lock protects @link) until a receiver of
 * the port's space dequeues it, or the port dies and it is destroyed.
 *
 * Until the send commits (@committed false) its rights are only references
 * on ports: dropping the message drops them.  Once committed, the rights
 * really travel in it: destroying the message releases them (a receive
 * right kills its port).
 *
 * A message with out-of-line data (@xfer not NULL) is different: it is
 * queued uncommitted, holding no right, and stays its sender's, who frees
 * it when the send returns; the receiver that copies it commits both
 * sides at once (see xfer.h).  Only the port lock keeps such a message
 * alive for anyone but its sender.
 *
 * A message whose out-of-line data was captured at the send (@capture,
 * %MACHIPC_OOL_CAPTURE) is an ordinary queued message: committed at the
 * send, received like an inline one, its pages freed with it.
 *
 * Open files (@files, %MACHIPC_DESC_FD) are not rights: the message holds
 * a reference to each from the copy-in until it is freed, whatever
 * happens to its rights (fdpass.h).
 */
struct machipc_msg {
	struct list_head link;
	bool committed;
	bool kernel;
	u32 nrights;
	u32 nreceive;
	u32 size;
	u32 blame;		/* MACHIPC_BLAME_* of a failed copy-in plan */
	struct pid *sender;
	kuid_t euid;
	kgid_t egid;
	kuid_t ruid;
	kgid_t rgid;
	kuid_t auid;
	u32 asid;
	u64 start_time;		/* the sending process's, boottime ns */
	struct machipc_kright *rights;
	void *body;
	struct machipc_account *account;
	size_t charge;
	u32 nool;		/* out-of-line descriptors: machipc_msg_ool() */
	struct machipc_xfer *xfer;
	struct machipc_capture *capture;	/* capture.h; NULL if none */
	struct machipc_msg_file *files;	/* fdpass.h; NULL without files */
	u32 nfiles;
	/*
	 * Port arrays (%MACHIPC_DESC_OOL_PORTS): their names, as sent, and
	 * their rights in @rights after the descriptors' (from index
	 * MACHIPC_KRIGHT_DESC + desc_count), both in @ool_ports_mem, which
	 * @charge includes; NULL and 0 without port arrays.
	 */
	u32 nool_names;
	u32 *ool_names;
	void *ool_ports_mem;

	/*
	 * Set at enqueue, under the port lock, only while the send/receive
	 * tracepoints are on (else 0): the message's trace id and the time
	 * it was queued, which the receive event turns into its wait.
	 */
	u64 trace_id;
	u64 queued_ns;
};

/*
 * What a message of @size bytes costs its sender: the allocation made by
 * machipc_msg_alloc(), whose rights array has room for every descriptor
 * the size could hold.  Documentation/accounting.rst gives the formula.
 */
#define MACHIPC_COST_MSG_BASE	(sizeof(struct machipc_msg) + \
				 MACHIPC_KRIGHT_DESC * sizeof(struct machipc_kright))
#define MACHIPC_COST_MSG_SLOT	sizeof(struct machipc_kright)
size_t machipc_msg_cost(u32 size);
size_t machipc_msg_port_arrays_cost(u32 ndesc, u32 nnames);

extern unsigned int machipc_max_inline;

int machipc_msg_validate(const void *body, u32 size, u32 max_size,
			 struct machipc_msg_counts *counts);

/* The descriptors of a message's body, after its header. */
static inline const struct machipc_msg_desc *machipc_msg_descs(const void *body)
{
	return body + sizeof(struct machipc_msg_header);
}

/* Bytes of trailer a receive with @flags (MACHIPC_MSG_*) appends. */
static inline u32 machipc_trailer_size(u32 flags)
{
	return flags & MACHIPC_MSG_RCV_AUDIT ?
	       sizeof(struct machipc_msg_trailer_audit) :
	       sizeof(struct machipc_msg_trailer);
}

/* Bytes of receive buffer @msg needs: itself, the trailer, port arrays. */
static inline u32 machipc_msg_rcv_size(const struct machipc_msg *msg,
				       u32 flags)
{
	return msg->size + machipc_trailer_size(flags) +
	       ALIGN(msg->nool_names * sizeof(u32), 8);
}

int machipc_msg_parse_ool(const struct machipc_msg *msg,
			  struct machipc_ool *ool);
const struct machipc_ool *machipc_msg_ool(const struct machipc_msg *msg);

/**
 * struct machipc_dealloc - page ranges a sender unmaps once its send
 *	succeeded (%MACHIPC_OOL_DEALLOCATE)
 * @count: entries in @ranges
 * @ranges: page-aligned start and length of each
 */
struct machipc_dealloc {
	u32 count;
	struct {
		u64 start;
		u64 len;
	} ranges[];
};

struct machipc_dealloc *machipc_msg_deallocations(const struct machipc_msg *msg);
void machipc_msg_deallocate(struct machipc_dealloc *list);
struct machipc_msg *machipc_msg_alloc(u32 size, gfp_t gfp,
				      struct machipc_account *account);
struct machipc_msg *machipc_msg_copyin(u64 uaddr, u32 size,
				       struct machipc_account *account,
				       u32 *blame);
void machipc_msg_free(struct machipc_msg *msg);
void machipc_msg_destroy_list(struct list_head *doomed);
void machipc_msg_destroy(struct machipc_msg *msg);

#endif /* MACHIPC_MSG_H */
