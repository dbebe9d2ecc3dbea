/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcbench: machipc measured side by side with the IPC a user would pick
 * instead.  Shared declarations of the benchmark driver and its peers.
 */
#ifndef IPCBENCH_H
#define IPCBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/machipc.h>

typedef uint64_t u64;
typedef uint32_t u32;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Options shared with the peers                                       */
/* ------------------------------------------------------------------ */

struct bench_opts {
	unsigned int rounds;
	unsigned int iters;		/* measured round trips per batch */
	unsigned int warmup;		/* unmeasured round trips per batch */
	double fanin_seconds;		/* length of one fan-in batch */
	unsigned int fanin_size;	/* payload bytes of a fan-in request */
	unsigned int timeout;		/* watchdog per batch, seconds */
	const char *binder_path;	/* NULL: probe the usual places */
	size_t stream_bytes;		/* bytes per streaming batch */
	size_t restart_size;		/* bytes of a restart transfer */
	bool verbose;
};

extern struct bench_opts opts;

/* ------------------------------------------------------------------ */
/* Payloads: every receiver checks every byte                          */
/* ------------------------------------------------------------------ */

/*
 * A payload of n bytes (n a multiple of 8, at least 16, or 0) is n / 8
 * 64-bit words: word 0 is the sequence number, the last word a
 * Fletcher-style checksum of all the others.  The sender fills the middle
 * once (payload_init) and then only stamps word 0 and the checksum, which
 * it updates incrementally; a receiver sums every word (payload_check), so
 * it reads every byte it was given.  The server echoes the request; the
 * client checks the echo and its sequence number.
 */
struct payload {
	void *buf;
	size_t size;
	u64 base_a, base_b;	/* sums of words 1 .. n-2, word 0 zero */
};

void payload_init(struct payload *p, void *buf, size_t size, u64 seed);
void payload_stamp(struct payload *p, u64 seq);
/* 0 if @buf holds a valid payload of @size bytes with sequence @seq. */
int payload_check(const void *buf, size_t size, u64 seq);
/* The same without knowing the sequence number; stores it in *@seq. */
int payload_verify(const void *buf, size_t size, u64 *seq);
/* Reports a failed check; returns -1. */
int bad_payload(const char *who, u64 seq);

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

struct stats {
	u64 count;
	double mean;		/* nanoseconds */
	u64 p50, p90, p99, p999, max, min;
};

/* Sorts @ns in place. */
void stats_compute(struct stats *st, u64 *ns, size_t n);
double median(double *v, size_t n);	/* sorts @v; NAN when n == 0 */

/* ------------------------------------------------------------------ */
/* Utilities                                                           */
/* ------------------------------------------------------------------ */

u64 now_ns(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t size);		/* 64-byte aligned, zeroed */
void *shared_alloc(size_t size);	/* MAP_SHARED anonymous, survives fork */
void shared_free(void *p, size_t size);

int read_full(int fd, void *buf, size_t len);	/* 0, or -1 (EOF: errno 0) */
int write_full(int fd, const void *buf, size_t len);

/* Pass descriptors over a UNIX socket (SCM_RIGHTS). */
int send_fds(int sock, const int *fds, unsigned int n);
int recv_fds(int sock, int *fds, unsigned int n);

int futex_wait(u32 *addr, u32 val, const struct timespec *rel);
int futex_wake(u32 *addr, int n);

/* Context switches so far: voluntary (the task slept) and involuntary. */
struct csw {
	u64 vol, invol;
};

/*
 * Of the calling thread (@pid 0, getrusage(RUSAGE_THREAD)) or of process
 * @pid's main thread (/proc/PID/status).  0, or -1 with both set to 0.
 */
int csw_read(pid_t pid, struct csw *c);

/* Children are killed by the watchdog if a batch hangs. */
pid_t spawn(int (*fn)(void *arg), void *arg);
int reap(pid_t pid, const char *what);		/* 0 if it exited 0 */
void watchdog_arm(const char *what);
void watchdog_disarm(void);

/* ------------------------------------------------------------------ */
/* RPC round-trip peers                                                */
/* ------------------------------------------------------------------ */

/*
 * One peer of the RPC benchmark.  The driver calls, for every batch
 * (round, size): setup() in the parent, then forks the server, which runs
 * server(); the parent (the client) runs client_init(), warm-up and
 * measured call()s, then stop(), and reaps the server.  Each call() is one
 * round trip: stamp the request, send it, wait for the echo, check it.
 */
struct chan;

struct rpc_peer {
	const char *name;
	const char *copies;	/* what moves where, for --list and the doc */
	/* NULL when usable, else why the peer is skipped (whole run). */
	const char *(*probe)(void);
	/* NULL when @size works, else why this size is skipped. */
	const char *(*size_ok)(size_t size);
	int (*setup)(struct chan *c, size_t size);
	int (*server)(struct chan *c, size_t size);
	int (*client_init)(struct chan *c, size_t size);
	int (*call)(struct chan *c, u64 seq);
	int (*stop)(struct chan *c);
	/* Called after the server is reaped, to free what setup() made. */
	void (*teardown)(struct chan *c);
};

/* Per-batch state of any peer; each peer uses its own fields. */
struct chan {
	int ctl[2];		/* control socketpair: [0] client, [1] server */
	int fd[4];		/* pipes, sockets, queues */
	size_t size;
	size_t wire;		/* bytes on the wire for byte streams */
	struct payload req;	/* the client's request */
	void *rep;		/* the client's reply buffer */
	void *sbuf;		/* the server's buffer */
	/* machipc */
	bool force_ool;		/* machipc-ool: out-of-line at every size */
	u32 ool_flags;		/* machipc-capture: MACHIPC_OOL_CAPTURE */
	int space;
	u32 service, reply_port;
	void *mbuf[2];
	/* futex */
	struct futex_shm *shm;
	/* binder */
	int bfd;
	void *bmap;
	size_t bmap_size;
	u64 pending_free;
};

extern const struct rpc_peer peer_machipc, peer_machipc_ool,
	peer_machipc_capture, peer_pipe, peer_unix_stream,
	peer_unix_seqpacket, peer_mqueue, peer_futex, peer_binder,
	peer_mach_msg;


/* Server side of the control channel: "ready", optionally with fds. */
int chan_ready(struct chan *c, const int *fds, unsigned int n);
int chan_wait_ready(struct chan *c, int *fds, unsigned int n);

/* machipc: largest payload that fits inline, from MACHIPC_IOC_VERSION. */
extern size_t machipc_max_payload;
const char *machipc_probe_reason(void);

/* binder: the device found by the probe. */
extern const char *binder_device;
const char *binder_probe(void);

/*
 * machipc out-of-line messages, raw MACHIPC_IOC_MSG: a header and one
 * MACHIPC_DESC_OOL descriptor.
 */
struct ool_msg {
	struct machipc_msg_header h;
	struct machipc_msg_desc d;
};

void ool_msg_init(struct ool_msg *m, u32 bits, u32 remote, u32 local,
		  u32 id, const void *data, size_t size);
/* @send and/or @rcv_buf (with one out-of-line buffer @ob, or NULL). */
void ool_args_init(struct machipc_msg_args *a, const void *send,
		   u32 rcv_name, void *rcv_buf, size_t rcv_size,
		   struct machipc_ool_buf *ob);
int ool_ioctl(int space, struct machipc_msg_args *a);
int ool_check(const struct ool_msg *m, const struct machipc_msg_args *a,
	      const void *data, size_t size, u64 seq);
/* chunk_pages reported by MACHIPC_IOC_VERSION at the probe. */
extern unsigned int machipc_chunk_pages;

/* ------------------------------------------------------------------ */
/* Fan-in                                                              */
/* ------------------------------------------------------------------ */

struct fanin_result {
	bool ok;
	double msgs_per_sec;
	u64 messages;
	double seconds;
	u64 *lat;		/* latency samples (ns), malloc()ed */
	size_t nlat;
	/* Context switches during the batch: all clients, all servers. */
	bool has_csw;
	struct csw cli, srv;
};

/*
 * How the server side of a fan-in batch is laid out.  The clients are the
 * same in all: one process per stream, each with its own port (machipc)
 * or socket pair (UNIX seqpacket).
 */
enum fanin_layout {
	FANIN_SET,	/* one thread receives on a port set / epoll set */
	FANIN_THREADS,	/* one process, one thread per stream */
	FANIN_PROCS,	/* one single-threaded process per stream */
};

struct fanin_peer {
	const char *name;
	const char *(*probe)(void);
	int (*run)(unsigned int nclients, enum fanin_layout layout,
		   struct fanin_result *res);
};

extern const struct fanin_peer fanin_machipc, fanin_seqpacket,
	fanin_machipc_epoll;

/* ------------------------------------------------------------------ */
/* Streaming throughput and restart cost (stream.c)                    */
/* ------------------------------------------------------------------ */

/*
 * One peer of the streaming benchmark: a batch moves @count messages of
 * @size bytes one way; the receiver checks every one.  run() returns 0
 * and the seconds from the start signal to the last checked byte.
 */
struct stream_peer {
	const char *name;
	const char *copies;
	const char *(*probe)(void);
	const char *(*size_ok)(size_t size);
	int (*run)(size_t size, unsigned int count, double *seconds);
};

extern const struct stream_peer stream_machipc, stream_machipc_capture,
	stream_pipe,
	stream_unix_stream, stream_binder, stream_vm_readv, stream_memcpy;

/* Restart cost: one out-of-line transfer, aborted once at @chunk. */
enum restart_mode {
	RESTART_NONE,		/* uninterrupted */
	RESTART_INJECT,		/* debugfs inject_abort_chunk */
	RESTART_SIGNAL,		/* an SA_RESTART signal at a time */
};

struct restart_result {
	double cold;		/* the new sender's first transfer, s */
	double seconds;		/* the measured transfer, s */
	double check;		/* its payload check, s (part of seconds) */
	bool aborted;		/* the abort (or signal) hit it */
};

/* @delay_ns: RESTART_SIGNAL only. */
int restart_once(size_t size, enum restart_mode mode, unsigned int chunk,
		 u64 delay_ns, struct restart_result *res);
/* NULL if the debugfs knob can be used, else why not. */
const char *restart_inject_probe(void);

#endif /* IPCBENCH_H */
