// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench: machipc measured side by side with the IPC a user would pick
 * instead, in the same run, interleaved round by round, reported as ratios.
 *
 * See Documentation/performance.rst for the method and how to read the
 * output, and --help for the options.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"

struct bench_opts opts = {
	.rounds = 5,
	.iters = 2000,
	.warmup = 100,
	.fanin_seconds = 1.0,
	.fanin_size = 64,
	.timeout = 300,
	.stream_bytes = 64 << 20,
	.restart_size = 16 << 20,
};

#define MAX_SIZES	16

static const struct stream_peer *const stream_peers[] = {
	&stream_machipc, &stream_machipc_capture, &stream_pipe,
	&stream_unix_stream, &stream_binder,
	&stream_vm_readv, &stream_memcpy,
};
#define NSPEERS		ARRAY_SIZE(stream_peers)
#define MAX_CHUNK_SETS	4
/* Rows of the streaming table: the peers, then machipc per chunk_pages. */
#define NSROWS		(NSPEERS + MAX_CHUNK_SETS)

static size_t stream_sizes[MAX_SIZES] = {
	4096, 65536, 1 << 20, 16 << 20, 64 << 20,
};
static unsigned int nstream_sizes = 5;
static unsigned int chunk_sets[MAX_CHUNK_SETS];
static unsigned int nchunk_sets;
static bool run_stream = true, run_restart = true;
static const char *plot_dir;

static const struct rpc_peer *const rpc_peers[] = {
	&peer_machipc, &peer_mach_msg, &peer_machipc_ool,
	&peer_machipc_capture, &peer_pipe,
	&peer_unix_stream,
	&peer_unix_seqpacket,
	&peer_mqueue, &peer_futex, &peer_binder,
};
#define NPEERS		ARRAY_SIZE(rpc_peers)

/*
 * machipc first (the reference of the ratios), seqpacket second; the
 * threads benchmark runs the first NTPEERS only: an event loop has nothing
 * to wait for with a thread per stream.
 */
static const struct fanin_peer *const fanin_peers[] = {
	&fanin_machipc, &fanin_seqpacket, &fanin_machipc_epoll,
};
#define NFPEERS		ARRAY_SIZE(fanin_peers)
#define NTPEERS		2
#define FPEER_SEQPACKET	1
#define FPEER_EPOLL	2

#define MAX_CLIENT_SETS	8

static size_t sizes[MAX_SIZES] = { 0, 64, 256, 1024, 4096, 16384, 65536 };
static unsigned int nsizes = 7;
static unsigned int clients[MAX_CLIENT_SETS] = { 1, 4, 16 };
static unsigned int nclients = 3;
static bool peer_enabled[NPEERS];
static bool run_rpc = true, run_fanin = true, need_machipc = true;
static bool run_threads = true;
static unsigned int thread_streams = 2;
static const char *json_path;
static const char *accel_flag;
static const char *cpu_flag;

/* ------------------------------------------------------------------ */
/* Results                                                             */
/* ------------------------------------------------------------------ */

enum batch_status { B_NONE, B_OK, B_SKIPPED, B_FAILED };

static const char *const status_name[] = {
	[B_NONE] = "not run", [B_OK] = "ok",
	[B_SKIPPED] = "skipped", [B_FAILED] = "failed",
};

struct batch {
	enum batch_status status;
	char reason[160];
	struct stats st;
	u64 *samples;		/* sorted by stats_compute */
	size_t n;
	double msgs_per_sec;	/* fan-in only */
	/* Context switches over @ncalls round trips or messages, if read. */
	bool has_csw;
	struct csw cli, srv;
	u64 ncalls;
};

/* Context switches per round trip (or per message), client and server. */
struct csw_rt {
	double cli_vol, cli_invol, srv_vol, srv_invol;
};

/* Per (size or client count, peer): rounds, pooled figures, ratios. */
struct cell {
	struct batch *round;	/* opts.rounds entries */
	enum batch_status status;
	char reason[160];
	struct stats pooled;
	double ratio;		/* machipc / peer, median of per-round ratios */
	double ratio_mean;	/* the same for means (RPC) */
	double *ratios;		/* per round; NAN where not both measured */
	double median_rate;	/* fan-in: median msgs/s over rounds */
	struct csw_rt csw;	/* RPC: pooled over the rounds; NAN if unread */
};

/* Streaming and restart: one figure per round. */
struct tcell {
	enum batch_status status;
	char reason[160];
	double *value;		/* per round: bytes/s, or restart seconds */
	double *base;		/* restart: the uninterrupted seconds */
	double *check;		/* restart: the receiver's check, seconds */
	double *ratios;		/* per round; NAN where not measured */
	double median_value;
	double median_base;
	double median_check;
	double ratio;		/* median of the per-round ratios */
	unsigned int aborted;	/* restart: rounds where the abort happened */
};

static struct tcell stream_cells[MAX_SIZES][NSROWS];
static bool srow_enabled[NSROWS];
static const char *speer_skip[NSPEERS];

static struct cell rpc_cells[MAX_SIZES][NPEERS];
static int read_line(const char *path, char *buf, size_t len);
static struct cell fanin_cells[MAX_CLIENT_SETS][NFPEERS];
static const char *peer_skip[NPEERS];
static const char *fanin_skip[NFPEERS];
static bool any_failed;

/* ------------------------------------------------------------------ */
/* RPC batches                                                         */
/* ------------------------------------------------------------------ */

struct server_arg {
	const struct rpc_peer *peer;
	struct chan *c;
};

static int rpc_server_main(void *arg)
{
	struct server_arg *sa = arg;

	close(sa->c->ctl[0]);
	return sa->peer->server(sa->c, sa->c->size);
}

static void rpc_batch(const struct rpc_peer *p, size_t size,
		      struct batch *b)
{
	size_t buf = size < 8 ? 8 : size;
	void *req = xmalloc(buf);
	struct server_arg sa;
	struct csw c0, c1, s0, s1;
	char what[96];
	struct chan c;
	u64 seq = 0, t0;
	unsigned int i;
	pid_t pid;
	int ok = -1;

	memset(&c, 0, sizeof(c));
	memset(c.fd, -1, sizeof(c.fd));
	c.size = size;
	c.wire = size ? size : 1;	/* byte streams move one token byte */
	c.rep = xmalloc(buf);
	c.sbuf = xmalloc(buf);
	/* A peer that builds its own messages re-points c.req. */
	payload_init(&c.req, req, size, 0x5eed + size);
	b->samples = xmalloc(opts.iters * sizeof(u64));

	if (p->setup && p->setup(&c, size)) {
		b->status = B_SKIPPED;
		snprintf(b->reason, sizeof(b->reason), "setup failed: %s",
			 strerror(errno));
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c.ctl))
		die("socketpair: %s", strerror(errno));

	snprintf(what, sizeof(what), "rpc %s %zu B", p->name, size);
	watchdog_arm(what);
	sa.peer = p;
	sa.c = &c;
	pid = spawn(rpc_server_main, &sa);
	close(c.ctl[1]);

	if (p->client_init(&c, size))
		goto stop;
	for (i = 0; i < opts.warmup; i++)
		if (p->call(&c, seq++))
			goto stop;
	/* Around the measured calls (the server's edges: one switch at most). */
	b->has_csw = !csw_read(pid, &s0) && !csw_read(0, &c0);
	for (i = 0; i < opts.iters; i++) {
		t0 = now_ns();
		if (p->call(&c, seq++))
			goto stop;
		b->samples[i] = now_ns() - t0;
	}
	b->has_csw = b->has_csw && !csw_read(0, &c1) && !csw_read(pid, &s1);
	if (b->has_csw) {
		b->cli.vol = c1.vol - c0.vol;
		b->cli.invol = c1.invol - c0.invol;
		b->srv.vol = s1.vol - s0.vol;
		b->srv.invol = s1.invol - s0.invol;
		b->ncalls = opts.iters;
	}
	ok = 0;
stop:
	if (p->stop(&c))
		ok = -1;
	if (ok)
		kill(pid, SIGKILL);
	close(c.ctl[0]);
	if (reap(pid, what))
		ok = -1;
	watchdog_disarm();
	if (p->teardown)
		p->teardown(&c);
	if (ok) {
		b->status = B_FAILED;
		snprintf(b->reason, sizeof(b->reason),
			 "failed (see the messages above)");
		any_failed = true;
		goto out;
	}
	b->status = B_OK;
	b->n = opts.iters;
	stats_compute(&b->st, b->samples, b->n);
out:
	free(req);
	free(c.rep);
	free(c.sbuf);
}

static void run_rpc_rounds(void)
{
	unsigned int r, s, k, j;

	for (j = 0; j < NPEERS; j++) {
		const struct rpc_peer *p = rpc_peers[j];

		if (peer_enabled[j] && p->probe)
			peer_skip[j] = p->probe();
		if (peer_skip[j])
			progress("rpc: %s skipped: %s", p->name, peer_skip[j]);
	}
	for (s = 0; s < nsizes; s++)
		for (j = 0; j < NPEERS; j++)
			rpc_cells[s][j].round =
				xmalloc(opts.rounds * sizeof(struct batch));

	for (r = 0; r < opts.rounds; r++) {
		progress("rpc: round %u/%u", r + 1, opts.rounds);
		for (s = 0; s < nsizes; s++) {
			/* Rotate the order so no peer always goes first. */
			for (k = 0; k < NPEERS; k++) {
				const struct rpc_peer *p;
				struct batch *b;
				const char *why;

				j = (k + r) % NPEERS;
				p = rpc_peers[j];
				b = &rpc_cells[s][j].round[r];
				if (!peer_enabled[j])
					continue;
				why = peer_skip[j];
				if (!why && p->size_ok)
					why = p->size_ok(sizes[s]);
				if (why) {
					b->status = B_SKIPPED;
					snprintf(b->reason, sizeof(b->reason),
						 "%s", why);
					continue;
				}
				rpc_batch(p, sizes[s], b);
				if (opts.verbose && b->status == B_OK)
					progress("  %-15s %6zu B  p50 %.1f us",
						 p->name, sizes[s],
						 b->st.p50 / 1e3);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Fan-in batches                                                      */
/* ------------------------------------------------------------------ */

static const char *const layout_name[] = {
	[FANIN_SET] = "fan-in",
	[FANIN_THREADS] = "1 process",
	[FANIN_PROCS] = "processes",
};

/* One batch of fan-in peer @j with @n clients and the server @layout. */
static void fanin_batch(unsigned int j, unsigned int n,
			enum fanin_layout layout, struct batch *b)
{
	struct fanin_result res;
	char what[64];

	if (fanin_skip[j]) {
		b->status = B_SKIPPED;
		snprintf(b->reason, sizeof(b->reason), "%s", fanin_skip[j]);
		return;
	}
	snprintf(what, sizeof(what), "%s %s %u", layout_name[layout],
		 fanin_peers[j]->name, n);
	watchdog_arm(what);
	if (fanin_peers[j]->run(n, layout, &res)) {
		watchdog_disarm();
		b->status = B_FAILED;
		snprintf(b->reason, sizeof(b->reason),
			 "failed (see the messages above)");
		any_failed = true;
		return;
	}
	watchdog_disarm();
	b->status = B_OK;
	b->samples = res.lat;
	b->n = res.nlat;
	b->msgs_per_sec = res.msgs_per_sec;
	b->has_csw = res.has_csw && res.messages;
	b->cli = res.cli;
	b->srv = res.srv;
	b->ncalls = res.messages;
	stats_compute(&b->st, b->samples, b->n);
	if (opts.verbose)
		progress("  %-15s %-10s %2u clients  %.0f msgs/s",
			 fanin_peers[j]->name, layout_name[layout], n,
			 res.msgs_per_sec);
}

static void fanin_probe(void)
{
	static bool probed;
	unsigned int j;

	for (j = 0; !probed && j < NFPEERS; j++) {
		if (fanin_peers[j]->probe)
			fanin_skip[j] = fanin_peers[j]->probe();
		if (fanin_skip[j])
			progress("fan-in: %s skipped: %s", fanin_peers[j]->name,
				 fanin_skip[j]);
	}
	probed = true;
}

/*
 * Rounds of fan-in batches over @ncells cells, in groups of @group that
 * are interleaved (their order rotates by one each round); @config gives
 * cell i's peer, client count and server layout.
 */
static void run_rate_rounds(const char *name, struct cell *cells,
			    unsigned int ncells, unsigned int group,
			    void (*config)(unsigned int i, unsigned int *peer,
					   unsigned int *n,
					   enum fanin_layout *layout))
{
	enum fanin_layout layout;
	unsigned int r, g, k, i, j, n;

	fanin_probe();
	for (i = 0; i < ncells; i++)
		cells[i].round = xmalloc(opts.rounds * sizeof(struct batch));
	for (r = 0; r < opts.rounds; r++) {
		progress("%s: round %u/%u", name, r + 1, opts.rounds);
		for (g = 0; g < ncells; g += group) {
			for (k = 0; k < group; k++) {
				i = g + (k + r) % group;
				config(i, &j, &n, &layout);
				fanin_batch(j, n, layout, &cells[i].round[r]);
			}
		}
	}
}

/* fanin_cells[c][j], flat: the peers of one client count interleave. */
static void fanin_config(unsigned int i, unsigned int *peer, unsigned int *n,
			 enum fanin_layout *layout)
{
	*peer = i % NFPEERS;
	*n = clients[i / NFPEERS];
	*layout = FANIN_SET;
}

/* ------------------------------------------------------------------ */
/* Threads: one server process with a thread per stream vs. processes  */
/* ------------------------------------------------------------------ */

/*
 * [peer][0]: one process, a thread per stream; [peer][1]: a process per
 * stream.  The interleaving rotates over all four (peer, layout) pairs.
 */
#define NLAYOUTS	2
static struct cell thread_cells[NTPEERS][NLAYOUTS];
static const enum fanin_layout thread_layout[NLAYOUTS] = {
	FANIN_THREADS, FANIN_PROCS,
};

static void threads_config(unsigned int i, unsigned int *peer,
			   unsigned int *n, enum fanin_layout *layout)
{
	*peer = i / NLAYOUTS;
	*n = thread_streams;
	*layout = thread_layout[i % NLAYOUTS];
}

/* ------------------------------------------------------------------ */
/* Streaming batches                                                   */
/* ------------------------------------------------------------------ */

#define CHUNK_PARAM	"/sys/module/machipc/parameters/chunk_pages"

static char chunk_orig[32];

static int chunk_pages_set(const char *val)
{
	FILE *f = fopen(CHUNK_PARAM, "w");

	if (!f)
		return -1;
	fprintf(f, "%s\n", val);
	return fclose(f);
}

static int chunk_pages_set_num(unsigned int n)
{
	char v[32];

	snprintf(v, sizeof(v), "%u", n);
	return chunk_pages_set(v);
}

static const struct stream_peer *srow_peer(unsigned int row)
{
	return row < NSPEERS ? stream_peers[row] : &stream_machipc;
}

static void srow_name(unsigned int row, char *buf, size_t len)
{
	if (row < NSPEERS)
		snprintf(buf, len, "%s", stream_peers[row]->name);
	else
		snprintf(buf, len, "machipc/cp=%u", chunk_sets[row - NSPEERS]);
}

/* Messages per batch: about --stream-bytes, at least 2, at most 4096. */
static unsigned int stream_count(size_t size)
{
	size_t n = opts.stream_bytes / size;

	return n < 2 ? 2 : n > 4096 ? 4096 : n;
}

static void stream_batch(unsigned int row, size_t size, struct tcell *cl,
			 unsigned int r)
{
	const struct stream_peer *p = srow_peer(row);
	unsigned int count = stream_count(size);
	char what[96], name[32];
	double secs = 0;
	int ret;

	srow_name(row, name, sizeof(name));
	if (row >= NSPEERS &&
	    chunk_pages_set_num(chunk_sets[row - NSPEERS])) {
		snprintf(cl->reason, sizeof(cl->reason),
			 "cannot write %s: %s", CHUNK_PARAM, strerror(errno));
		if (cl->status < B_SKIPPED)
			cl->status = B_SKIPPED;
		return;
	}
	snprintf(what, sizeof(what), "stream %s %zu B", name, size);
	watchdog_arm(what);
	ret = p->run(size, count, &secs);
	watchdog_disarm();
	if (row >= NSPEERS)
		chunk_pages_set(chunk_orig);
	if (ret || !(secs > 0)) {
		cl->status = B_FAILED;
		snprintf(cl->reason, sizeof(cl->reason),
			 "failed (see the messages above)");
		any_failed = true;
		return;
	}
	if (cl->status != B_FAILED)
		cl->status = B_OK;
	cl->value[r] = (double)size * count / secs;
	if (opts.verbose)
		progress("  %-15s %9zu B  %.1f MB/s", name, size,
			 cl->value[r] / 1e6);
}

static void run_stream_rounds(void)
{
	unsigned int r, s, k, j, i;

	for (j = 0; j < NSPEERS; j++) {
		if (stream_peers[j]->probe)
			speer_skip[j] = stream_peers[j]->probe();
		if (speer_skip[j])
			progress("stream: %s skipped: %s",
				 stream_peers[j]->name, speer_skip[j]);
	}
	for (j = 0; j < NSROWS; j++)
		srow_enabled[j] = j < NSPEERS + nchunk_sets;
	if (nchunk_sets && read_line(CHUNK_PARAM, chunk_orig,
				     sizeof(chunk_orig))) {
		progress("stream: chunk_pages variants skipped: cannot read "
			 "%s", CHUNK_PARAM);
		for (j = NSPEERS; j < NSROWS; j++)
			srow_enabled[j] = false;
	}
	for (s = 0; s < nstream_sizes; s++) {
		for (j = 0; j < NSROWS; j++) {
			struct tcell *cl = &stream_cells[s][j];

			cl->value = xmalloc(opts.rounds * sizeof(double));
			cl->ratios = xmalloc(opts.rounds * sizeof(double));
			for (i = 0; i < opts.rounds; i++)
				cl->value[i] = cl->ratios[i] = NAN;
		}
	}
	for (r = 0; r < opts.rounds; r++) {
		progress("stream: round %u/%u", r + 1, opts.rounds);
		for (s = 0; s < nstream_sizes; s++) {
			for (k = 0; k < NSROWS; k++) {
				struct tcell *cl;
				const char *why;

				j = (k + r) % NSROWS;
				cl = &stream_cells[s][j];
				if (!srow_enabled[j])
					continue;
				why = speer_skip[j < NSPEERS ? j : 0];
				if (!why && srow_peer(j)->size_ok)
					why = srow_peer(j)->size_ok(
							stream_sizes[s]);
				if (why) {
					if (cl->status < B_SKIPPED)
						cl->status = B_SKIPPED;
					snprintf(cl->reason,
						 sizeof(cl->reason), "%s",
						 why);
					continue;
				}
				stream_batch(j, stream_sizes[s], cl, r);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Restart cost                                                        */
/* ------------------------------------------------------------------ */

/* The variants: injected abort or signal, at chunk 1, middle, last. */
#define NRESTART	6
/* Transfers of each kind per variant and round (medians). */
#define RESTART_TRIALS	3

static struct tcell restart_cells[NRESTART];
static unsigned int restart_chunk[NRESTART];
static unsigned int restart_chunks;	/* chunks of one transfer */
static unsigned int restart_cp;		/* chunk_pages during the run */
static const char *restart_skip_inject;
static double restart_cold_med;		/* a new sender's first transfer */
static const char *restart_skip_all;

static enum restart_mode restart_mode_of(unsigned int v)
{
	return v < 3 ? RESTART_INJECT : RESTART_SIGNAL;
}

static const char *const restart_point[3] = { "first", "middle", "last" };

static void run_restart_rounds(void)
{
	size_t size = opts.restart_size;
	unsigned int r, v, i;
	double base_med[RESTART_TRIALS], tb, *cold;
	struct restart_result res;
	unsigned int ncold;
	char what[64];

	for (v = 0; v < NRESTART; v++) {
		restart_cells[v].value = xmalloc(opts.rounds * sizeof(double));
		restart_cells[v].base = xmalloc(opts.rounds * sizeof(double));
		restart_cells[v].ratios = xmalloc(opts.rounds * sizeof(double));
		restart_cells[v].check = xmalloc(opts.rounds * sizeof(double));
		for (i = 0; i < opts.rounds; i++)
			restart_cells[v].value[i] = restart_cells[v].base[i] =
				restart_cells[v].ratios[i] =
				restart_cells[v].check[i] = NAN;
	}
	restart_skip_all = machipc_probe_reason();
	if (restart_skip_all) {
		progress("restart: skipped: %s", restart_skip_all);
		return;
	}
	restart_cp = machipc_chunk_pages;
	restart_chunks = (size + (size_t)restart_cp * 4096 - 1) /
			 ((size_t)restart_cp * 4096);
	restart_chunk[0] = restart_chunk[3] = restart_chunks > 1 ? 1 : 0;
	restart_chunk[1] = restart_chunk[4] = restart_chunks / 2;
	restart_chunk[2] = restart_chunk[5] = restart_chunks - 1;
	restart_skip_inject = restart_inject_probe();
	if (restart_skip_inject)
		progress("restart: injected aborts skipped: %s",
			 restart_skip_inject);

	snprintf(what, sizeof(what), "restart %zu B", size);
	ncold = 0;
	cold = xmalloc(opts.rounds * RESTART_TRIALS * (NRESTART + 1) *
		       sizeof(double));
	for (r = 0; r < opts.rounds; r++) {
		progress("restart: round %u/%u", r + 1, opts.rounds);
		watchdog_arm(what);
		/* Warm-up, and the copy time the signals are placed in. */
		for (i = 0; i < RESTART_TRIALS; i++) {
			if (restart_once(size, RESTART_NONE, 0, 0, &res))
				goto fail;
			base_med[i] = res.seconds - res.check;
			cold[ncold++] = res.cold;
		}
		tb = median(base_med, RESTART_TRIALS);
		for (v = 0; v < NRESTART; v++) {
			struct tcell *cl = &restart_cells[v];
			enum restart_mode m = restart_mode_of(v);
			u64 delay = (u64)(tb * 1e9 * (restart_chunk[v] + 0.5) /
					  restart_chunks);
			double tv[RESTART_TRIALS], tu[RESTART_TRIALS];
			double tc[RESTART_TRIALS];
			unsigned int hit = 0;

			if (m == RESTART_INJECT && restart_skip_inject) {
				cl->status = B_SKIPPED;
				snprintf(cl->reason, sizeof(cl->reason), "%s",
					 restart_skip_inject);
				continue;
			}
			/* Pairs, so both sides see the same machine. */
			for (i = 0; i < RESTART_TRIALS; i++) {
				if (restart_once(size, RESTART_NONE, 0, 0,
						 &res))
					goto fail;
				tu[i] = res.seconds;
				tc[i] = res.check;
				cold[ncold++] = res.cold;
				if (restart_once(size, m, restart_chunk[v],
						 delay, &res))
					goto fail;
				tv[i] = res.seconds;
				hit += res.aborted;
			}
			cl->status = B_OK;
			cl->value[r] = median(tv, RESTART_TRIALS);
			cl->base[r] = median(tu, RESTART_TRIALS);
			cl->ratios[r] = cl->value[r] / cl->base[r];
			cl->check[r] = median(tc, RESTART_TRIALS);
			cl->aborted += hit;
		}
		watchdog_disarm();
	}
	restart_cold_med = median(cold, ncold);
	free(cold);
	return;
fail:
	watchdog_disarm();
	any_failed = true;
	for (v = 0; v < NRESTART; v++) {
		restart_cells[v].status = B_FAILED;
		snprintf(restart_cells[v].reason,
			 sizeof(restart_cells[v].reason),
			 "failed (see the messages above)");
	}
}

static void summarize_tcell(struct tcell *cl, const struct tcell *ref)
{
	double *v = xmalloc(opts.rounds * sizeof(double));
	double *b = xmalloc(opts.rounds * sizeof(double));
	double *q = xmalloc(opts.rounds * sizeof(double));
	double *c = xmalloc(opts.rounds * sizeof(double));
	size_t nv = 0, nb = 0, nq = 0, nc = 0;
	unsigned int r;

	for (r = 0; r < opts.rounds; r++) {
		if (!isnan(cl->value[r]))
			v[nv++] = cl->value[r];
		if (cl->base && !isnan(cl->base[r]))
			b[nb++] = cl->base[r];
		if (cl->check && !isnan(cl->check[r]))
			c[nc++] = cl->check[r];
		if (ref) {
			cl->ratios[r] = ref->value[r] / cl->value[r];
		}
		if (!isnan(cl->ratios[r]))
			q[nq++] = cl->ratios[r];
	}
	cl->median_value = median(v, nv);
	cl->median_base = median(b, nb);
	cl->median_check = median(c, nc);
	cl->ratio = median(q, nq);
	free(c);
	free(v);
	free(b);
	free(q);
}

static void summarize_stream(void)
{
	unsigned int s, j, v;

	if (run_stream)
		for (s = 0; s < nstream_sizes; s++)
			for (j = 0; j < NSROWS; j++)
				if (srow_enabled[j])
					summarize_tcell(&stream_cells[s][j],
							j ? &stream_cells[s][0] :
							NULL);
	if (run_restart)
		for (v = 0; v < NRESTART; v++)
			summarize_tcell(&restart_cells[v], NULL);
}

/* ------------------------------------------------------------------ */
/* Summaries                                                           */
/* ------------------------------------------------------------------ */

/* Context switches per call of @n calls. */
static struct csw_rt csw_per_call(const struct csw *cli, const struct csw *srv,
				  u64 n)
{
	struct csw_rt r = { NAN, NAN, NAN, NAN };

	if (n) {
		r.cli_vol = (double)cli->vol / n;
		r.cli_invol = (double)cli->invol / n;
		r.srv_vol = (double)srv->vol / n;
		r.srv_invol = (double)srv->invol / n;
	}
	return r;
}

/*
 * Pool the samples (and context switches) of every round, and compute the
 * ratio @ref / @cell per round (RPC: of the p50 latency; fan-in: of msgs/s)
 * and its median.
 */
static void summarize(struct cell *cell, const struct cell *ref,
		      bool fanin)
{
	double *v = xmalloc(opts.rounds * sizeof(double));
	double *vm = xmalloc(opts.rounds * sizeof(double));
	double *rates = xmalloc(opts.rounds * sizeof(double));
	size_t total = 0, k = 0, nv = 0, nvm = 0, nr = 0;
	struct csw cli = { 0, 0 }, srv = { 0, 0 };
	u64 ncsw = 0;
	unsigned int r;
	u64 *all;

	cell->ratios = xmalloc(opts.rounds * sizeof(double));
	cell->status = B_NONE;
	for (r = 0; r < opts.rounds; r++) {
		const struct batch *b = &cell->round[r];

		if (b->status > cell->status) {
			cell->status = b->status;
			memcpy(cell->reason, b->reason, sizeof(cell->reason));
		}
		if (b->status == B_OK)
			total += b->n;
	}
	/* A cell is ok if any round measured it and none failed. */
	if (cell->status == B_SKIPPED && total)
		cell->status = B_OK;

	all = xmalloc(total * sizeof(u64));
	for (r = 0; r < opts.rounds; r++) {
		const struct batch *b = &cell->round[r];
		const struct batch *m = &ref->round[r];

		cell->ratios[r] = NAN;
		if (b->status != B_OK)
			continue;
		memcpy(all + k, b->samples, b->n * sizeof(u64));
		k += b->n;
		if (fanin)
			rates[nr++] = b->msgs_per_sec;
		if (b->has_csw) {
			cli.vol += b->cli.vol;
			cli.invol += b->cli.invol;
			srv.vol += b->srv.vol;
			srv.invol += b->srv.invol;
			ncsw += b->ncalls;
		}
		if (m->status != B_OK)
			continue;
		if (fanin) {
			cell->ratios[r] = m->msgs_per_sec / b->msgs_per_sec;
		} else {
			cell->ratios[r] = (double)m->st.p50 / (double)b->st.p50;
			vm[nvm++] = m->st.mean / b->st.mean;
		}
		v[nv++] = cell->ratios[r];
	}
	stats_compute(&cell->pooled, all, total);
	cell->csw = csw_per_call(&cli, &srv, ncsw);
	cell->ratio = median(v, nv);
	cell->ratio_mean = median(vm, nvm);
	cell->median_rate = median(rates, nr);
	free(all);
	free(v);
	free(vm);
	free(rates);
}

static void summarize_all(void)
{
	unsigned int s, j, c;

	if (run_rpc)
		for (s = 0; s < nsizes; s++)
			for (j = 0; j < NPEERS; j++)
				if (peer_enabled[j])
					summarize(&rpc_cells[s][j],
						  &rpc_cells[s][0], false);
	if (run_fanin)
		for (c = 0; c < nclients; c++)
			for (j = 0; j < NFPEERS; j++)
				summarize(&fanin_cells[c][j],
					  &fanin_cells[c][0], true);
	/* The ratio, on the processes' cell: 1 process / N processes. */
	if (run_threads)
		for (j = 0; j < NTPEERS; j++) {
			summarize(&thread_cells[j][0], &thread_cells[j][0],
				  true);
			summarize(&thread_cells[j][1], &thread_cells[j][0],
				  true);
		}
}

/*
 * machipc-epoll / unix-seqpacket msgs/s at client set @c, per round (into
 * @rounds, opts.rounds of them) and its median: both servers wait in
 * epoll_wait(), the event-loop comparison.
 */
static double fanin_epoll_ratio(unsigned int c, double *rounds)
{
	const struct cell *e = &fanin_cells[c][FPEER_EPOLL];
	const struct cell *s = &fanin_cells[c][FPEER_SEQPACKET];
	double *v = xmalloc(opts.rounds * sizeof(double));
	unsigned int r, nv = 0;
	double m;

	for (r = 0; r < opts.rounds; r++) {
		rounds[r] = NAN;
		if (e->round[r].status != B_OK || s->round[r].status != B_OK)
			continue;
		rounds[r] = e->round[r].msgs_per_sec /
			    s->round[r].msgs_per_sec;
		v[nv++] = rounds[r];
	}
	m = median(v, nv);
	free(v);
	return m;
}

/* ------------------------------------------------------------------ */
/* The environment                                                     */
/* ------------------------------------------------------------------ */

struct env {
	struct utsname uts;
	long cpus;
	char model[128];
	bool hypervisor;
	bool kvm_clock;
	bool erms, fsrm;	/* the guest CPU's fast string flags */
	char cpu[96];		/* QEMU's -cpu model, if known */
	char accel[32];
	char accel_source[96];
	char date[32];
	char params[16][2][64];	/* machipc module parameters */
	unsigned int nparams;
};

static struct env env;

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Whether the "flags" line of /proc/cpuinfo has the word @flag. */
static bool has_flag(const char *line, const char *flag)
{
	size_t n = strlen(flag);
	const char *p;

	for (p = strstr(line, flag); p; p = strstr(p + 1, flag))
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/*
 * Fair for the copy benchmarks: no ERMS/FSRM under TCG, where the
 * kernel's copy_to_user()/copy_from_user() would be rep movsb, emulated a
 * byte per iteration, against machipc's copy_page() (rep movsq).
 */
static bool fair_cpu(void)
{
	return strcmp(env.accel, "tcg") || (!env.erms && !env.fsrm);
}

/* What the CPU model means for the copy benchmarks, in one line. */
static const char *cpu_verdict(void)
{
	if (strcmp(env.accel, "tcg"))
		return "not emulated: copies run at the hardware's speed";
	if (fair_cpu())
		return "the fair model: every peer's copy runs as 8-byte moves";
	return "NOT the fair model: the kernel's copy_*_user() (binder, "
	       "process_vm_readv, pipes, sockets) is rep movsb, emulated a "
	       "byte at a time; use -cpu ...,erms=off,fsrm=off";
}

static void env_collect(void)
{
	char line[4096], path[512];
	struct dirent *de;
	time_t t = time(NULL);
	FILE *f;
	DIR *d;

	uname(&env.uts);
	/* tools/vm/run puts the -cpu model in the guest's environment. */
	if (!cpu_flag)
		cpu_flag = getenv("MACHIPC_CPU");
	snprintf(env.cpu, sizeof(env.cpu), "%s", cpu_flag ? cpu_flag : "");
	env.cpus = sysconf(_SC_NPROCESSORS_ONLN);
	strftime(env.date, sizeof(env.date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));

	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!env.model[0] && !strncmp(line, "model name", 10)) {
			char *v = strchr(line, ':');

			if (v) {
				snprintf(env.model, sizeof(env.model), "%s",
					 v + 2);
				env.model[strcspn(env.model, "\n")] = 0;
			}
		}
		if (!strncmp(line, "flags", 5)) {
			env.hypervisor |= has_flag(line, "hypervisor");
			env.erms |= has_flag(line, "erms");
			env.fsrm |= has_flag(line, "fsrm");
		}
	}
	if (f)
		fclose(f);
	if (!read_line("/sys/devices/system/clocksource/clocksource0/"
		       "available_clocksource", line, sizeof(line)))
		env.kvm_clock = strstr(line, "kvm-clock") != NULL;

	if (accel_flag) {
		snprintf(env.accel, sizeof(env.accel), "%s", accel_flag);
		snprintf(env.accel_source, sizeof(env.accel_source),
			 "--accel");
	} else if (!env.hypervisor) {
		snprintf(env.accel, sizeof(env.accel), "none");
		snprintf(env.accel_source, sizeof(env.accel_source),
			 "guess: no hypervisor flag in /proc/cpuinfo");
	} else if (strstr(env.model, "TCG")) {
		snprintf(env.accel, sizeof(env.accel), "tcg");
		snprintf(env.accel_source, sizeof(env.accel_source),
			 "guess: CPU model name says TCG");
	} else if (env.kvm_clock) {
		snprintf(env.accel, sizeof(env.accel), "kvm");
		snprintf(env.accel_source, sizeof(env.accel_source),
			 "guess: hypervisor flag and kvm-clock");
	} else {
		snprintf(env.accel, sizeof(env.accel), "tcg");
		snprintf(env.accel_source, sizeof(env.accel_source),
			 "guess: hypervisor flag without kvm-clock");
	}

	d = opendir("/sys/module/machipc/parameters");
	while (d && (de = readdir(d)) && env.nparams < ARRAY_SIZE(env.params)) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path),
			 "/sys/module/machipc/parameters/%s", de->d_name);
		snprintf(env.params[env.nparams][0], 64, "%.63s",
			 de->d_name);
		if (read_line(path, env.params[env.nparams][1], 64))
			snprintf(env.params[env.nparams][1], 64, "?");
		env.nparams++;
	}
	if (d)
		closedir(d);
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

static void print_ratio(double r)
{
	if (isnan(r))
		printf(" %12s", "-");
	else
		printf(" %12.2f", r);
}

static void print_stats_row(const struct stats *st)
{
	printf(" %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %8llu",
	       st->p50 / 1e3, st->p90 / 1e3, st->p99 / 1e3, st->p999 / 1e3,
	       st->max / 1e3, st->mean / 1e3, (unsigned long long)st->count);
}

/* "voluntary+involuntary" context switches per call. */
static void print_csw(double vol, double invol)
{
	char buf[48];

	if (isnan(vol))
		snprintf(buf, sizeof(buf), "-");
	else
		snprintf(buf, sizeof(buf), "%.2f+%.2f", vol, invol);
	printf(" %10s", buf);
}

static void print_rpc_table(void)
{
	unsigned int s, j;

	printf("\nRPC round trip, microseconds, pooled over %u rounds x %u "
	       "calls; machipc/peer = median over rounds of\n"
	       "the per-round p50 ratio (below 1: machipc faster); client cs, "
	       "server cs = context switches\nper round trip of the client "
	       "and of the server process, voluntary+involuntary (getrusage,\n"
	       "/proc/PID/status); a round trip that sleeps on both sides "
	       "costs at least 1+0 each\n\n",
	       opts.rounds, opts.iters);
	printf("%6s  %-15s %9s %9s %9s %9s %9s %9s %8s %10s %10s %12s\n",
	       "size", "peer", "p50", "p90", "p99", "p99.9", "max", "mean",
	       "count", "client cs", "server cs", "machipc/peer");
	for (s = 0; s < nsizes; s++) {
		for (j = 0; j < NPEERS; j++) {
			const struct cell *cl = &rpc_cells[s][j];

			if (!peer_enabled[j])
				continue;
			printf("%6zu  %-15s", sizes[s], rpc_peers[j]->name);
			if (cl->status != B_OK) {
				printf(" %s: %s\n", status_name[cl->status],
				       cl->reason);
				continue;
			}
			print_stats_row(&cl->pooled);
			print_csw(cl->csw.cli_vol, cl->csw.cli_invol);
			print_csw(cl->csw.srv_vol, cl->csw.srv_invol);
			print_ratio(j ? cl->ratio : NAN);
			printf("\n");
		}
	}
}

/* The rest of a msgs/s row: the rate, the latencies, @ratio. */
static void print_rate_row(const struct cell *cl, double ratio, bool csw)
{
	if (cl->status != B_OK) {
		printf(" %s: %s\n", status_name[cl->status], cl->reason);
		return;
	}
	printf(" %10.0f", cl->median_rate);
	print_stats_row(&cl->pooled);
	if (csw) {
		print_csw(cl->csw.cli_vol, cl->csw.cli_invol);
		print_csw(cl->csw.srv_vol, cl->csw.srv_invol);
	}
	print_ratio(ratio);
	printf("\n");
}

static void print_fanin_table(void)
{
	unsigned int c, j;

	printf("\nFan-in, %u-byte requests echoed, %.2f s per batch; msgs/s "
	       "= median over rounds; latency (us) pooled;\n"
	       "machipc/peer = median over rounds of the per-round msgs/s "
	       "ratio (above 1: machipc faster); client cs, server cs = "
	       "context switches\nper message of all clients and of the "
	       "server, voluntary+involuntary\n\n",
	       opts.fanin_size, opts.fanin_seconds);
	printf("%7s  %-15s %10s %9s %9s %9s %9s %9s %9s %8s %10s %10s "
	       "%12s\n", "clients", "peer", "msgs/s", "p50", "p90", "p99",
	       "p99.9", "max", "mean", "count", "client cs", "server cs",
	       "machipc/peer");
	for (c = 0; c < nclients; c++) {
		for (j = 0; j < NFPEERS; j++) {
			const struct cell *cl = &fanin_cells[c][j];

			printf("%7u  %-15s", clients[c], fanin_peers[j]->name);
			print_rate_row(cl, j ? cl->ratio : NAN, true);
		}
	}
	printf("\nmachipc-epoll/unix-seqpacket (both servers in epoll_wait), "
	       "median over rounds:");
	for (c = 0; c < nclients; c++) {
		double *rounds = xmalloc(opts.rounds * sizeof(double));
		double v = fanin_epoll_ratio(c, rounds);

		printf("  %u: %s%.2f", clients[c], isnan(v) ? "-" : "",
		       isnan(v) ? 0.0 : v);
		free(rounds);
	}
	printf("\n");
}

static void print_threads_table(void)
{
	unsigned int j, l;
	char layout[32];

	printf("\nThreads: %u independent RPC streams (a client process, a "
	       "port or socket pair and a server\nthread each; %u-byte "
	       "requests echoed, %.2f s per batch) served by one process with "
	       "a\nthread per stream, or by one process per stream; msgs/s "
	       "= median over rounds; latency (us)\npooled; 1proc/Nproc = "
	       "median over rounds of the per-round msgs/s ratio (1: threads "
	       "scale\nlike processes)\n\n",
	       thread_streams, opts.fanin_size, opts.fanin_seconds);
	printf("%-15s %-22s %10s %9s %9s %9s %9s %9s %9s %8s %12s\n", "peer",
	       "server", "msgs/s", "p50", "p90", "p99", "p99.9", "max",
	       "mean", "count", "1proc/Nproc");
	for (j = 0; j < NTPEERS; j++) {
		for (l = 0; l < NLAYOUTS; l++) {
			const struct cell *cl = &thread_cells[j][l];

			if (thread_layout[l] == FANIN_THREADS)
				snprintf(layout, sizeof(layout),
					 "1 process x %u threads",
					 thread_streams);
			else
				snprintf(layout, sizeof(layout),
					 "%u processes", thread_streams);
			printf("%-15s %-22s", fanin_peers[j]->name, layout);
			print_rate_row(cl, l ? NAN : thread_cells[j][1].ratio,
				       false);
		}
	}
}

static const char *size_str(size_t size, char *buf, size_t len)
{
	if (size >= (1 << 20) && !(size % (1 << 20)))
		snprintf(buf, len, "%zu MiB", size >> 20);
	else if (size >= 1024 && !(size % 1024))
		snprintf(buf, len, "%zu KiB", size >> 10);
	else
		snprintf(buf, len, "%zu B", size);
	return buf;
}

static void print_stream_table(void)
{
	unsigned int s, j;
	char name[32], sz[32];

	printf("\nStreaming, one-way messages; MB/s (10^6 bytes/s) = median over "
	       "%u rounds of ~%zu MiB per batch\n(at least 2 messages); "
	       "machipc/peer = median of per-round throughput ratios (above "
	       "1: machipc\nfaster; machipc/cp=N rows: below 1 means "
	       "chunk_pages=N beats the default)\n\n",
	       opts.rounds, opts.stream_bytes >> 20);
	printf("%8s  %-15s %10s %8s %12s\n", "size", "peer", "MB/s", "msgs",
	       "machipc/peer");
	for (s = 0; s < nstream_sizes; s++) {
		for (j = 0; j < NSROWS; j++) {
			const struct tcell *cl = &stream_cells[s][j];

			if (!srow_enabled[j])
				continue;
			srow_name(j, name, sizeof(name));
			printf("%8s  %-15s",
			       size_str(stream_sizes[s], sz, sizeof(sz)), name);
			if (cl->status != B_OK) {
				printf(" %s: %s\n", status_name[cl->status],
				       cl->reason);
				continue;
			}
			printf(" %10.1f %8u", cl->median_value / 1e6,
			       stream_count(stream_sizes[s]));
			print_ratio(j ? cl->ratio : NAN);
			printf("\n");
		}
	}
}

/*
 * The ratio a restart from scratch should give: the copy done up to the
 * abort is done again; the receiver's check (after the copy) is not.
 */
static double restart_ideal(const struct tcell *cl, unsigned int v)
{
	double copy = 1.0 - cl->median_check / cl->median_base;

	return 1.0 + copy * (restart_chunk[v] + 1.0) / restart_chunks;
}

static void print_restart_table(void)
{
	unsigned int v;
	char sz[32];

	printf("\nRestart cost: one %s out-of-line transfer (%u chunks of "
	       "chunk_pages=%u) aborted once;\ninterrupted/uninterrupted = "
	       "median of per-round ratios of completion times (the copy and "
	       "the\nreceiver's check); restart is from scratch, so ideal = 1 "
	       "+ copy share x (chunk+1)/chunks\n\n",
	       size_str(opts.restart_size, sz, sizeof(sz)), restart_chunks,
	       restart_cp);
	if (restart_skip_all) {
		printf("  skipped: %s\n", restart_skip_all);
		return;
	}
	printf("A new sender's first transfer (not measured below): median "
	       "%.2f ms.\n\n", restart_cold_med * 1e3);
	printf("%-8s %-7s %6s %12s %12s %8s %8s %8s %8s\n", "how", "where",
	       "chunk", "interr. ms", "uninterr. ms", "check ms", "ratio",
	       "ideal", "aborted");
	for (v = 0; v < NRESTART; v++) {
		const struct tcell *cl = &restart_cells[v];

		printf("%-8s %-7s %6u", v < 3 ? "inject" : "signal",
		       restart_point[v % 3], restart_chunk[v]);
		if (cl->status != B_OK) {
			printf(" %s: %s\n", status_name[cl->status],
			       cl->reason);
			continue;
		}
		printf(" %12.2f %12.2f %8.2f %8.2f %8.2f %5u/%u\n",
		       cl->median_value * 1e3, cl->median_base * 1e3,
		       cl->median_check * 1e3, cl->ratio,
		       restart_ideal(cl, v), cl->aborted,
		       opts.rounds * RESTART_TRIALS);
	}
	printf("\n'inject': /sys/kernel/debug/machipc/inject_abort_chunk; the "
	       "receive fails with EINTR\nand is called again.  'signal': "
	       "SIGUSR1 with SA_RESTART at (chunk + 0.5) / chunks of the\n"
	       "uninterrupted copy time; the kernel restarts the ioctl.  'aborted': "
	       "transfers in which the\nabort (EINTR) happened, or the "
	       "signal came before the receive returned.  Each figure: median of\n%u "
	       "transfers per round, each interrupted one paired with an "
	       "uninterrupted one.\n", RESTART_TRIALS);
}

static int rpc_peer_index(const char *name);

/* The streaming cell of @peer at @size, or NULL if not run. */
static const struct tcell *stream_cell(size_t size, const char *peer)
{
	unsigned int s, j;

	for (s = 0; run_stream && s < nstream_sizes; s++)
		if (stream_sizes[s] == size)
			for (j = 1; j < NSPEERS; j++)
				if (!strcmp(stream_peers[j]->name, peer))
					return &stream_cells[s][j];
	return NULL;
}

static double stream_ratio(size_t size, const char *peer)
{
	const struct tcell *cl = stream_cell(size, peer);

	return cl && cl->status == B_OK ? cl->ratio : NAN;
}

/* The RPC cell of @peer at @size, or NULL if not run. */
static const struct cell *rpc_cell(size_t size, const char *peer)
{
	int j = rpc_peer_index(peer);
	unsigned int s;

	for (s = 0; run_rpc && j >= 0 && peer_enabled[j] && s < nsizes; s++)
		if (sizes[s] == size)
			return &rpc_cells[s][j];
	return NULL;
}

static int rpc_peer_index(const char *name)
{
	unsigned int j;

	for (j = 0; j < NPEERS; j++)
		if (!strcmp(rpc_peers[j]->name, name))
			return j;
	return -1;
}

/*
 * A target of the specification (section 9): @ratio @op @limit, where @op
 * is "<=", "<", ">=" or ">"; NULL @op: a reference figure, no target.
 */
static const char *verdict(double ratio, const char *op, double limit)
{
	bool lower = op[0] == '<', eq = op[1] == '=';

	if (isnan(ratio))
		return "not measured";
	if (lower ? ratio < limit || (eq && ratio == limit) :
		    ratio > limit || (eq && ratio == limit))
		return "met";
	return "MISSED";
}

/* One target line: the median ratio, the verdict, the per-round ratios. */
static void print_target(const char *what, double ratio, const double *rounds,
			 const char *op, double limit, const char *note)
{
	char lim[32] = "", val[32] = "-";
	unsigned int r;

	if (op)
		snprintf(lim, sizeof(lim), "(%s %.2f)", op, limit);
	if (!isnan(ratio))
		snprintf(val, sizeof(val), "%.2f", ratio);
	printf("  %-38s %6s %-9s %-12s", what, val, lim,
	       op ? verdict(ratio, op, limit) : "reference");
	if (rounds && !isnan(ratio)) {
		printf(" per round:");
		for (r = 0; r < opts.rounds; r++) {
			if (isnan(rounds[r]))
				printf(" -");
			else
				printf(" %.2f", rounds[r]);
		}
	}
	if (note)
		printf("  [%s]", note);
	printf("\n");
}

static void print_rpc_target(size_t size, const char *peer, const char *op)
{
	const struct cell *cl = rpc_cell(size, peer);
	const struct cell *m = rpc_cell(size, "machipc");
	char what[64];

	snprintf(what, sizeof(what), "RPC %zu B machipc/%s p50", size, peer);
	if (!cl || !m || cl->status != B_OK || m->status != B_OK)
		print_target(what, NAN, NULL, op, 1.0,
			     cl && cl->status != B_OK ? cl->reason : NULL);
	else
		print_target(what, cl->ratio, cl->ratios, op, 1.0, NULL);
}

static void print_stream_target(size_t size, const char *peer,
				const char *op, double limit)
{
	const struct tcell *cl = stream_cell(size, peer);
	char what[64], sz[32];

	snprintf(what, sizeof(what), "OOL %s machipc/%s MB/s",
		 size_str(size, sz, sizeof(sz)), peer);
	if (!cl || cl->status != B_OK)
		print_target(what, NAN, NULL, op, limit,
			     cl && cl->status != B_OK ? cl->reason : NULL);
	else
		print_target(what, cl->ratio, cl->ratios, op, limit,
			     fair_cpu() ? NULL :
			     "ERMS/FSRM CPU model: not the fair comparison");
}

static void print_targets(void)
{
	static const char *const rpc_faster[] = {
		"pipe", "unix-stream", "unix-seqpacket", "mqueue", "binder",
	};
	static const size_t ool_sizes[] = { 1 << 20, 16 << 20, 64 << 20 };
	static const size_t rpc_sizes[] = { 64, 256 };
	unsigned int s, k, c, j;
	char what[64];

	printf("\nTargets (specification, section 9: median of per-round "
	       "ratios; benchmark targets, never\na pass/fail test)%s\n",
	       opts.rounds < 5 ? "; fewer than 5 rounds: indicative only" : "");
	for (s = 0; run_rpc && s < ARRAY_SIZE(rpc_sizes); s++) {
		if (!rpc_cell(rpc_sizes[s], "machipc"))
			continue;
		print_rpc_target(rpc_sizes[s], "futex", "<=");
		for (k = 0; k < ARRAY_SIZE(rpc_faster); k++)
			print_rpc_target(rpc_sizes[s], rpc_faster[k], "<");
	}
	for (s = 0; run_stream && s < ARRAY_SIZE(ool_sizes); s++) {
		if (!stream_cell(ool_sizes[s], "pipe"))
			continue;
		print_stream_target(ool_sizes[s], "vm_readv", ">=", 0.9);
		print_stream_target(ool_sizes[s], "binder", ">", 1.0);
		print_stream_target(ool_sizes[s], "pipe", ">=", 2.0);
	}
	for (c = 0; run_fanin && c < nclients; c++) {
		const struct cell *cl = &fanin_cells[c][1];

		if (clients[c] != 16)
			continue;
		print_target("Fan-in 16 machipc/seqpacket msgs/s",
			     cl->status == B_OK ? cl->ratio : NAN, cl->ratios,
			     ">=", 1.1, NULL);
	}
	for (c = 0; run_fanin && c < nclients; c++) {
		double *rounds, v;

		if (clients[c] != 16)
			continue;
		rounds = xmalloc(opts.rounds * sizeof(double));
		v = fanin_epoll_ratio(c, rounds);
		print_target("Fan-in 16 epoll machipc/seqpacket", v, rounds,
			     ">=", 1.0, NULL);
		free(rounds);
	}
	for (j = 0; run_threads && j < NTPEERS; j++) {
		const struct cell *cl = &thread_cells[j][1];

		snprintf(what, sizeof(what), "Threads %s 1proc/%uproc",
			 fanin_peers[j]->name, thread_streams);
		print_target(what, cl->status == B_OK ? cl->ratio : NAN,
			     cl->ratios, j ? NULL : ">=", 0.9, NULL);
	}
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

static void json_stats(FILE *f, const struct stats *st)
{
	fprintf(f, "{\"count\": %llu, \"mean_ns\": ",
		(unsigned long long)st->count);
	json_num(f, st->mean);
	fprintf(f, ", \"min_ns\": %llu, \"p50_ns\": %llu, \"p90_ns\": %llu, "
		"\"p99_ns\": %llu, \"p99_9_ns\": %llu, \"max_ns\": %llu}",
		(unsigned long long)st->min, (unsigned long long)st->p50,
		(unsigned long long)st->p90, (unsigned long long)st->p99,
		(unsigned long long)st->p999, (unsigned long long)st->max);
}

static void json_csw(FILE *f, const struct csw_rt *c)
{
	fprintf(f, "{\"client\": {\"voluntary\": ");
	json_num(f, c->cli_vol);
	fprintf(f, ", \"involuntary\": ");
	json_num(f, c->cli_invol);
	fprintf(f, "}, \"server\": {\"voluntary\": ");
	json_num(f, c->srv_vol);
	fprintf(f, ", \"involuntary\": ");
	json_num(f, c->srv_invol);
	fprintf(f, "}}");
}

/* @ratio_key: the name of the cell's ratio; NULL for the reference. */
static void json_cell(FILE *f, const struct cell *cl, bool fanin,
		      const char *ratio_key)
{
	unsigned int r;

	fprintf(f, "\"status\": ");
	json_str(f, status_name[cl->status]);
	if (cl->status != B_OK) {
		fprintf(f, ", \"reason\": ");
		json_str(f, cl->reason);
		return;
	}
	if (fanin) {
		fprintf(f, ", \"msgs_per_sec_median\": ");
		json_num(f, cl->median_rate);
	}
	fprintf(f, ", \"pooled\": ");
	json_stats(f, &cl->pooled);
	fprintf(f, fanin ? ", \"context_switches_per_message\": " :
		", \"context_switches_per_round_trip\": ");
	json_csw(f, &cl->csw);
	if (ratio_key) {
		fprintf(f, ", \"%s\": ", ratio_key);
		json_num(f, cl->ratio);
		if (!fanin) {
			fprintf(f, ", \"ratio_machipc_over_peer_mean\": ");
			json_num(f, cl->ratio_mean);
		}
	}
	fprintf(f, ", \"rounds\": [");
	for (r = 0; r < opts.rounds; r++) {
		const struct batch *b = &cl->round[r];

		fprintf(f, "%s\n        {\"round\": %u, \"status\": ",
			r ? "," : "", r);
		json_str(f, status_name[b->status]);
		if (b->status == B_OK) {
			if (fanin) {
				fprintf(f, ", \"msgs_per_sec\": ");
				json_num(f, b->msgs_per_sec);
			}
			fprintf(f, ", \"stats\": ");
			json_stats(f, &b->st);
			if (b->has_csw) {
				struct csw_rt c = csw_per_call(&b->cli,
							       &b->srv,
							       b->ncalls);

				fprintf(f, fanin ?
					", \"context_switches_per_message\": " :
					", \"context_switches_per_round_trip\": ");
				json_csw(f, &c);
			}
			if (ratio_key) {
				fprintf(f, ", \"ratio\": ");
				json_num(f, cl->ratios[r]);
			}
		} else {
			fprintf(f, ", \"reason\": ");
			json_str(f, b->reason);
		}
		fprintf(f, "}");
	}
	fprintf(f, "]");
}

/* Per-round values (and ratios) of a streaming or restart cell. */
static void json_tcell(FILE *f, const struct tcell *cl, bool ratio)
{
	unsigned int r;

	fprintf(f, ", \"median\": ");
	json_num(f, cl->median_value);
	if (ratio) {
		fprintf(f, ", \"ratio\": ");
		json_num(f, cl->ratio);
	}
	fprintf(f, ", \"rounds\": [");
	for (r = 0; r < opts.rounds; r++) {
		fprintf(f, "%s{\"value\": ", r ? ", " : "");
		json_num(f, cl->value[r]);
		if (cl->base) {
			fprintf(f, ", \"uninterrupted\": ");
			json_num(f, cl->base[r]);
		}
		if (ratio) {
			fprintf(f, ", \"ratio\": ");
			json_num(f, cl->ratios[r]);
		}
		fprintf(f, "}");
	}
	fprintf(f, "]");
}

/* One result object: @head (its key), "peer": @name, the cell. */
static void json_result(FILE *f, bool *first, const char *head,
			const char *name, const struct cell *cl, bool fanin,
			const char *ratio_key)
{
	fprintf(f, "%s\n      {%s, \"peer\": ", *first ? "" : ",", head);
	json_str(f, name);
	fprintf(f, ", ");
	json_cell(f, cl, fanin, ratio_key);
	fprintf(f, "}");
	*first = false;
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned int i, s, j, c;
	char head[64];
	bool first;

	if (!f)
		die("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"tool\": \"ipcbench\",\n  \"format\": 3,\n");
	fprintf(f, "  \"environment\": {\n    \"date\": ");
	json_str(f, env.date);
	fprintf(f, ",\n    \"kernel\": ");
	json_str(f, env.uts.release);
	fprintf(f, ",\n    \"kernel_version\": ");
	json_str(f, env.uts.version);
	fprintf(f, ",\n    \"machine\": ");
	json_str(f, env.uts.machine);
	fprintf(f, ",\n    \"accel\": ");
	json_str(f, env.accel);
	fprintf(f, ",\n    \"accel_source\": ");
	json_str(f, env.accel_source);
	fprintf(f, ",\n    \"cpus\": %ld,\n    \"cpu_model\": ", env.cpus);
	json_str(f, env.model);
	fprintf(f, ",\n    \"qemu_cpu\": ");
	if (env.cpu[0])
		json_str(f, env.cpu);
	else
		fprintf(f, "null");
	fprintf(f, ",\n    \"cpu_flags\": {\"erms\": %s, \"fsrm\": %s},"
		"\n    \"fair_copy_model\": %s,\n    \"cpu_verdict\": ",
		env.erms ? "true" : "false", env.fsrm ? "true" : "false",
		fair_cpu() ? "true" : "false");
	json_str(f, cpu_verdict());
	fprintf(f, ",\n    \"machipc_parameters\": {");
	for (i = 0; i < env.nparams; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, env.params[i][0]);
		fprintf(f, ": ");
		json_str(f, env.params[i][1]);
	}
	fprintf(f, "},\n    \"binder_device\": ");
	if (binder_device)
		json_str(f, binder_device);
	else
		fprintf(f, "null");
	fprintf(f, ",\n    \"rounds\": %u,\n    \"iterations\": %u,\n"
		"    \"warmup\": %u,\n    \"fanin_seconds\": ",
		opts.rounds, opts.iters, opts.warmup);
	json_num(f, opts.fanin_seconds);
	fprintf(f, ",\n    \"fanin_size\": %u,\n    \"thread_streams\": %u"
		"\n  },\n", opts.fanin_size, thread_streams);

	fprintf(f, "  \"rpc\": {\n    \"unit\": \"ns\",\n"
		"    \"ratio\": \"machipc/peer, median over rounds of the "
		"per-round p50 ratio; below 1 means machipc is faster\",\n"
		"    \"peers\": [");
	for (j = 0, first = true; j < NPEERS; j++) {
		if (!peer_enabled[j])
			continue;
		fprintf(f, "%s\n      {\"name\": ", first ? "" : ",");
		json_str(f, rpc_peers[j]->name);
		fprintf(f, ", \"copies\": ");
		json_str(f, rpc_peers[j]->copies);
		fprintf(f, "}");
		first = false;
	}
	fprintf(f, "],\n    \"results\": [");
	for (s = 0, first = true; run_rpc && s < nsizes; s++) {
		for (j = 0; j < NPEERS; j++) {
			if (!peer_enabled[j])
				continue;
			snprintf(head, sizeof(head), "\"size\": %zu",
				 sizes[s]);
			json_result(f, &first, head, rpc_peers[j]->name,
				    &rpc_cells[s][j], false,
				    j ? "ratio_machipc_over_peer" : NULL);
		}
	}
	fprintf(f, "]\n  },\n");

	fprintf(f, "  \"fanin\": {\n    \"unit\": \"ns\",\n"
		"    \"ratio\": \"machipc/peer, median over rounds of the "
		"per-round msgs/s ratio; above 1 means machipc is faster\",\n"
		"    \"results\": [");
	for (c = 0, first = true; run_fanin && c < nclients; c++) {
		for (j = 0; j < NFPEERS; j++) {
			snprintf(head, sizeof(head), "\"clients\": %u",
				 clients[c]);
			json_result(f, &first, head, fanin_peers[j]->name,
				    &fanin_cells[c][j], true,
				    j ? "ratio_machipc_over_peer" : NULL);
		}
	}
	fprintf(f, "]\n  },\n");

	fprintf(f, "  \"threads\": {\n    \"unit\": \"ns\",\n"
		"    \"streams\": %u,\n    \"ratio\": \"1 process with a "
		"thread per stream / a process per stream, median over rounds "
		"of the per-round msgs/s ratio; 1 means threads scale like "
		"processes\",\n    \"results\": [", thread_streams);
	/* [peer][layout], flat: the threads, then the processes' cell. */
	for (i = 0, first = true; run_threads && i < NTPEERS * NLAYOUTS; i++) {
		snprintf(head, sizeof(head), "\"server\": \"%s\"",
			 i % NLAYOUTS ? "processes" : "threads");
		json_result(f, &first, head, fanin_peers[i / NLAYOUTS]->name,
			    &thread_cells[i / NLAYOUTS][i % NLAYOUTS], true,
			    i % NLAYOUTS ? "ratio_threads_over_processes" :
			    NULL);
	}
	fprintf(f, "]\n  },\n");
	fprintf(f, "  \"stream\": {\n    \"unit\": \"bytes/s\",\n"
		"    \"ratio\": \"machipc/peer, median over rounds of the "
		"per-round throughput ratio; above 1 means machipc is "
		"faster\",\n    \"chunk_pages_default\": ");
	json_str(f, chunk_orig[0] ? chunk_orig : "?");
	fprintf(f, ",\n    \"peers\": [");
	for (j = 0; j < NSPEERS; j++) {
		fprintf(f, "%s\n      {\"name\": ", j ? "," : "");
		json_str(f, stream_peers[j]->name);
		fprintf(f, ", \"copies\": ");
		json_str(f, stream_peers[j]->copies);
		fprintf(f, "}");
	}
	fprintf(f, "],\n    \"results\": [");
	for (s = 0, first = true; run_stream && s < nstream_sizes; s++) {
		for (j = 0; j < NSROWS; j++) {
			const struct tcell *cl = &stream_cells[s][j];
			char name[32];

			if (!srow_enabled[j])
				continue;
			srow_name(j, name, sizeof(name));
			fprintf(f, "%s\n      {\"size\": %zu, \"peer\": ",
				first ? "" : ",", stream_sizes[s]);
			json_str(f, name);
			if (j >= NSPEERS)
				fprintf(f, ", \"chunk_pages\": %u",
					chunk_sets[j - NSPEERS]);
			fprintf(f, ", \"messages_per_batch\": %u, \"status\": ",
				stream_count(stream_sizes[s]));
			json_str(f, status_name[cl->status]);
			if (cl->status != B_OK) {
				fprintf(f, ", \"reason\": ");
				json_str(f, cl->reason);
			} else {
				json_tcell(f, cl, j != 0);
			}
			fprintf(f, "}");
			first = false;
		}
	}
	fprintf(f, "]\n  },\n");

	fprintf(f, "  \"restart\": {\n    \"size\": %zu, \"chunk_pages\": %u, "
		"\"chunks\": %u,\n    \"ratio\": \"interrupted/uninterrupted "
		"completion time, median over rounds\",\n"
		"    \"cold_first_transfer_s_median\": ",
		opts.restart_size, restart_cp, restart_chunks);
	json_num(f, restart_cold_med);
	fprintf(f, ",\n    \"results\": [");
	for (i = 0, first = true; run_restart && i < NRESTART; i++) {
		const struct tcell *cl = &restart_cells[i];

		fprintf(f, "%s\n      {\"mode\": \"%s\", \"where\": \"%s\", "
			"\"chunk\": %u, \"status\": ", first ? "" : ",",
			i < 3 ? "inject" : "signal", restart_point[i % 3],
			restart_chunk[i]);
		first = false;
		json_str(f, restart_skip_all ? "skipped" :
			 status_name[cl->status]);
		if (restart_skip_all || cl->status != B_OK) {
			fprintf(f, ", \"reason\": ");
			json_str(f, restart_skip_all ? restart_skip_all :
				 cl->reason);
		} else {
			fprintf(f, ", \"aborted_transfers\": %u, "
				"\"transfers_per_round\": %u, "
				"\"uninterrupted_s_median\": ", cl->aborted,
				RESTART_TRIALS);
			json_num(f, cl->median_base);
			fprintf(f, ", \"check_s_median\": ");
			json_num(f, cl->median_check);
			fprintf(f, ", \"ideal_ratio\": ");
			json_num(f, restart_ideal(cl, i));
			json_tcell(f, cl, true);
		}
		fprintf(f, "}");
	}
	fprintf(f, "]\n  },\n  \"failed\": %s\n}\n",
		any_failed ? "true" : "false");
	if (fclose(f))
		die("writing %s: %s", path, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Charts (--plot DIR): data files and a gnuplot script                */
/* ------------------------------------------------------------------ */

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, buf[4096];
	bool found = false;

	copy = strdup(path && *path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", dir, prog);
		found = !access(buf, X_OK);
	}
	free(copy);
	return found;
}

static FILE *plot_open(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", plot_dir, name);
	f = fopen(path, "w");
	if (!f)
		die("--plot: cannot write %s: %s", path, strerror(errno));
	return f;
}

static unsigned int plot_points;	/* valid values in the current file */

static void plot_val(FILE *f, double v)
{
	if (isnan(v) || isinf(v) || v <= 0) {
		fprintf(f, " ?");
		return;
	}
	fprintf(f, " %.6g", v);
	plot_points++;
}

/* A name gnuplot can show as a column title. */
static void plot_head(FILE *f, const char *name)
{
	fprintf(f, " \"%s\"", name);
}

static const char *const cmp_peers[] = {
	"pipe", "unix-stream", "unix-seqpacket", "mqueue",
	"futex", "binder", "vm_readv", "memcpy",
};

/* machipc's speed relative to @peer at one point; NAN if not measured. */
static double rpc_speedup(size_t size, const char *peer)
{
	const struct cell *cl = rpc_cell(size, peer);
	const struct cell *m = rpc_cell(size, "machipc");

	if (!cl || cl->status != B_OK || m->status != B_OK)
		return NAN;
	return 1.0 / cl->ratio;
}

static void write_plots(void)
{
	static const size_t rpc_pts[] = { 64, 4096, 65536 };
	static const size_t stream_pts[] = { 1 << 20, 16 << 20, 64 << 20 };
	unsigned int s, j, k, ncol, npts[3];
	char name[32], sz[32];
	int status;
	pid_t pid;
	FILE *f;

	if (mkdir(plot_dir, 0777) && errno != EEXIST)
		die("--plot: cannot create %s: %s", plot_dir, strerror(errno));

	plot_points = 0;
	f = plot_open("rpc.dat");
	fprintf(f, "size");
	for (j = 0; j < NPEERS; j++)
		if (peer_enabled[j])
			plot_head(f, rpc_peers[j]->name);
	fprintf(f, "\n");
	for (s = 0; run_rpc && s < nsizes; s++) {
		fprintf(f, "\"%s\"", size_str(sizes[s], sz, sizeof(sz)));
		for (j = 0; j < NPEERS; j++)
			if (peer_enabled[j])
				plot_val(f, rpc_cells[s][j].status == B_OK ?
					 rpc_cells[s][j].pooled.p50 / 1e3 :
					 NAN);
		fprintf(f, "\n");
	}
	fclose(f);
	npts[0] = plot_points;

	plot_points = 0;
	f = plot_open("stream.dat");
	fprintf(f, "size");
	for (j = 0; j < NSROWS; j++) {
		if (!srow_enabled[j])
			continue;
		srow_name(j, name, sizeof(name));
		plot_head(f, name);
	}
	fprintf(f, "\n");
	for (s = 0; run_stream && s < nstream_sizes; s++) {
		fprintf(f, "\"%s\"", size_str(stream_sizes[s], sz, sizeof(sz)));
		for (j = 0; j < NSROWS; j++)
			if (srow_enabled[j])
				plot_val(f, stream_cells[s][j].status == B_OK ?
					 stream_cells[s][j].median_value / 1e6 :
					 NAN);
		fprintf(f, "\n");
	}
	fclose(f);
	npts[1] = plot_points;

	plot_points = 0;
	f = plot_open("peers.dat");
	fprintf(f, "point");
	for (k = 0; k < ARRAY_SIZE(cmp_peers); k++)
		plot_head(f, cmp_peers[k]);
	fprintf(f, "\n");
	for (s = 0; s < ARRAY_SIZE(rpc_pts); s++) {
		fprintf(f, "\"RPC %s\"", size_str(rpc_pts[s], sz, sizeof(sz)));
		for (k = 0; k < ARRAY_SIZE(cmp_peers); k++)
			plot_val(f, rpc_speedup(rpc_pts[s], cmp_peers[k]));
		fprintf(f, "\n");
	}
	for (s = 0; s < ARRAY_SIZE(stream_pts); s++) {
		fprintf(f, "\"stream %s\"",
			size_str(stream_pts[s], sz, sizeof(sz)));
		for (k = 0; k < ARRAY_SIZE(cmp_peers); k++)
			plot_val(f, run_stream ?
				 stream_ratio(stream_pts[s], cmp_peers[k]) :
				 NAN);
		fprintf(f, "\n");
	}
	fprintf(f, "\"fan-in 16\"");
	for (k = 0; k < ARRAY_SIZE(cmp_peers); k++) {
		double v = NAN;
		unsigned int c;

		for (c = 0; run_fanin && c < nclients; c++)
			if (clients[c] == 16 &&
			    !strcmp(cmp_peers[k], fanin_peers[1]->name) &&
			    fanin_cells[c][1].status == B_OK)
				v = fanin_cells[c][1].ratio;
		plot_val(f, v);
	}
	fprintf(f, "\n");
	fclose(f);
	npts[2] = plot_points;

	f = plot_open("ipcbench.gp");
	fprintf(f,
"# Generated by ipcbench --plot; run: gnuplot ipcbench.gp (in this directory)\n"
"set terminal pngcairo size 1100,650 noenhanced font ',10'\n"
"set datafile missing '?'\n"
"set key outside right top\n"
"set grid ytics\n"
"set style data linespoints\n"
"\n"
"set output 'rpc-latency.png'\n"
"set title 'RPC round trip: p50 latency by size (%s %s, %ld CPUs; lower is better)'\n"
"set ylabel 'p50 round trip, microseconds'\n"
"set xlabel 'payload size'\n"
"set logscale y\n",
		env.accel, env.uts.release, env.cpus);
	ncol = 0;
	for (j = 0; j < NPEERS; j++)
		ncol += peer_enabled[j];
	fprintf(f, "%splot for [i=2:%u] 'rpc.dat' using 0:i:xtic(1) title "
		"columnheader(i) lw 2\n\n", npts[0] ? "" : "# no data: ",
		ncol + 1);
	ncol = 0;
	for (j = 0; j < NSROWS; j++)
		ncol += srow_enabled[j];
	fprintf(f,
"set output 'stream-throughput.png'\n"
"set title 'Streaming: one-way throughput by message size (higher is better)'\n"
"set ylabel 'MB/s (10^6 bytes/s)'\n"
"set xlabel 'message size'\n"
"%splot for [i=2:%u] 'stream.dat' using 0:i:xtic(1) title columnheader(i) "
"lw 2\n\n", npts[1] ? "" : "# no data: ", ncol + 1);
	fprintf(f,
"set output 'peers.png'\n"
"set title 'machipc side by side with each peer: machipc speed / peer speed (above 1: machipc faster)'\n"
"set ylabel 'times faster than the peer'\n"
"set xlabel ''\n"
"set style data histograms\n"
"set style histogram clustered gap 1\n"
"set style fill solid 0.8 border -1\n"
"set boxwidth 0.9\n"
"set xtics rotate by -20\n"
"set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2\n"
"%splot for [i=2:%zu] 'peers.dat' using i:xtic(1) title columnheader(i)\n",
		npts[2] ? "" : "# no data: ", ARRAY_SIZE(cmp_peers) + 1);
	fclose(f);

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		if (chdir(plot_dir))
			_exit(127);
		execlp("gnuplot", "gnuplot", "ipcbench.gp", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		warnx_("--plot: gnuplot failed (script: %s/ipcbench.gp)",
		       plot_dir);
		any_failed = true;
		return;
	}
	progress("charts in %s:%s%s%s", plot_dir,
		 npts[0] ? " rpc-latency.png" : "",
		 npts[1] ? " stream-throughput.png" : "",
		 npts[2] ? " peers.png" : "");
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	unsigned int j;

	fprintf(f,
"Usage: ipcbench [OPTIONS]\n"
"\n"
"Measures machipc side by side with the IPC a user would pick instead, in\n"
"the same run, interleaved round by round, and reports ratios.  Absolute\n"
"times inside an emulated (TCG) guest mean nothing; the ratios of peers\n"
"measured in the same boot do.  Needs the machipc module loaded\n"
"(/dev/machipc); binder is measured if /dev/binder (or\n"
"/dev/binderfs/binder) exists.\n"
"\n"
"Benchmarks:\n"
"  RPC round trip   the client sends a request of SIZE bytes and waits for\n"
"                   the echo; p50, p90, p99, p99.9, max, mean, count;\n"
"                   context switches per round trip of both sides.\n"
"                   machipc: inline up to max_inline, out-of-line above;\n"
"                   machipc-ool: out-of-line at every size;\n"
"                   machipc-capture: the same, captured at the send.\n"
"  fan-in           1, 4, 16 client processes against one server (machipc:\n"
"                   a port set; unix-seqpacket: epoll); msgs/s, latency.\n"
"  threads          2 independent RPC streams (a client process, a port or\n"
"                   socket pair, a server thread each), served by one\n"
"                   process with a thread per stream vs. a process per\n"
"                   stream; msgs/s, latency, 1 process / 2 processes.\n"
"  streaming        one-way messages of 4 KiB .. 64 MiB (machipc: out-of-\n"
"                   line) against pipe, unix-stream, binder, vm_readv\n"
"                   (process_vm_readv, one copy) and memcpy (the ceiling);\n"
"                   every receiver checks every byte; MB/s.\n"
"  restart cost     one out-of-line transfer aborted once at its first,\n"
"                   middle and last chunk (debugfs inject_abort_chunk, or\n"
"                   an SA_RESTART signal): time vs. an uninterrupted one.\n"
"\n"
"Options:\n"
"  --rounds N         interleaved rounds (default %u)\n"
"  --iters N          measured round trips per RPC batch (default %u)\n"
"  --warmup N         unmeasured round trips before each batch (default %u)\n"
"  --sizes LIST       RPC payload sizes in bytes, comma-separated; each 0 or\n"
"                     a multiple of 8 of at least 16\n"
"                     (default 0,64,256,1024,4096,16384,65536)\n"
"  --peers LIST       RPC peers to run (machipc always runs; default all)\n"
"  --clients LIST     fan-in client counts (default 1,4,16; at most 16)\n"
"  --fanin-seconds S  length of one fan-in batch (default %.1f)\n"
"  --fanin-size N     fan-in request bytes (default %u)\n"
"  --stream-sizes LIST  streaming message sizes (default 4096,65536,\n"
"                     1048576,16777216,67108864; multiples of 8, >= 16)\n"
"  --stream-bytes N   bytes per streaming batch (default %zu; 2 to 4096\n"
"                     messages)\n"
"  --chunk-pages LIST also stream with machipc's chunk_pages set to each\n"
"                     value (rows machipc/cp=N; writes /sys/module/machipc/\n"
"                     parameters/chunk_pages, restored after each batch)\n"
"  --restart-size N   bytes of the restart-cost transfer (default %zu)\n"
"  --streams N        streams of the threads benchmark (default 2, at most\n"
"                     16; batches as long as --fanin-seconds)\n"
"  --no-rpc, --no-fanin, --no-threads, --no-stream, --no-restart\n"
"                     leave a benchmark out\n"
"  --quick            a smoke run of a few seconds: 1 round, 200 calls,\n"
"                     0.2 s fan-in batches, streams of 4 KiB - 1 MiB\n"
"                     (4 MiB a batch), a 1 MiB restart transfer, a 60 s\n"
"                     watchdog\n"
"  --plot DIR         draw PNG charts into DIR with gnuplot (rpc-latency,\n"
"                     stream-throughput, peers side by side) and keep their\n"
"                     data and script there\n"
"  --json FILE        write every figure and the environment to FILE\n"
"  --accel NAME       record the accelerator (tcg, kvm, ...) instead of\n"
"                     guessing it from /proc/cpuinfo\n"
"  --cpu-model NAME   record QEMU's -cpu model (default: $MACHIPC_CPU, which\n"
"                     tools/vm/run sets); the erms and fsrm flags are read\n"
"                     from /proc/cpuinfo, and the header says whether the\n"
"                     model is fair to the peers that copy with\n"
"                     copy_*_user() (under TCG: neither flag)\n"
"  --binder PATH      the binder device (default /dev/binder, then\n"
"                     /dev/binderfs/binder)\n"
"  --timeout S        watchdog per batch: kill everything and fail after S\n"
"                     seconds (default %u)\n"
"  --no-machipc       run even without /dev/machipc (machipc is then\n"
"                     reported as skipped; for testing the peers)\n"
"  --list             list the peers and what each one copies\n"
"  -v, --verbose      progress for every batch\n"
"  -h, --help         this text\n"
"\n"
"Output: tables on stdout, progress on stderr.  Exit status 0, or 1 if a\n"
"peer failed (for instance a payload check), 2 for a usage error, 3 when\n"
"the watchdog fired.\n"
"\n"
"RPC peers:",
		opts.rounds, opts.iters, opts.warmup, opts.fanin_seconds,
		opts.fanin_size, opts.stream_bytes, opts.restart_size,
		opts.timeout);
	for (j = 0; j < NPEERS; j++)
		fprintf(f, " %s", rpc_peers[j]->name);
	fprintf(f, "\nStreaming peers:");
	for (j = 0; j < NSPEERS; j++)
		fprintf(f, " %s", stream_peers[j]->name);
	fprintf(f, "\n");
}

static void list_peers(void)
{
	unsigned int j;

	printf("RPC peers:\n");
	for (j = 0; j < NPEERS; j++)
		printf("  %-15s %s\n", rpc_peers[j]->name,
		       rpc_peers[j]->copies);
	printf("Streaming peers:\n");
	for (j = 0; j < NSPEERS; j++)
		printf("  %-15s %s\n", stream_peers[j]->name,
		       stream_peers[j]->copies);
}

static unsigned long parse_num(const char *s, const char *what,
			       unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr, "ipcbench: bad %s: '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* Parse a comma-separated list of numbers into @out; returns the count. */
static unsigned int parse_list(const char *s, const char *what,
			       unsigned long *out, unsigned int max,
			       unsigned long vmax)
{
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			fprintf(stderr, "ipcbench: too many %s\n", what);
			exit(2);
		}
		out[n++] = parse_num(tok, what, vmax);
	}
	free(copy);
	if (!n) {
		fprintf(stderr, "ipcbench: empty %s\n", what);
		exit(2);
	}
	return n;
}

static void parse_peers(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int j;
	int k;

	for (j = 1; j < NPEERS; j++)
		peer_enabled[j] = false;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		k = rpc_peer_index(tok);
		if (k < 0) {
			fprintf(stderr, "ipcbench: unknown peer '%s' "
				"(see --list)\n", tok);
			exit(2);
		}
		peer_enabled[k] = true;
	}
	free(copy);
}

enum {
	OPT_ROUNDS = 256, OPT_ITERS, OPT_WARMUP, OPT_SIZES, OPT_PEERS,
	OPT_CLIENTS, OPT_FANIN_SECONDS, OPT_FANIN_SIZE, OPT_NO_RPC,
	OPT_NO_FANIN, OPT_QUICK, OPT_JSON, OPT_ACCEL, OPT_BINDER,
	OPT_TIMEOUT, OPT_LIST, OPT_NO_MACHIPC, OPT_STREAM_SIZES,
	OPT_STREAM_BYTES, OPT_CHUNK_PAGES, OPT_RESTART_SIZE, OPT_NO_STREAM,
	OPT_NO_RESTART, OPT_PLOT, OPT_CPU_MODEL, OPT_STREAMS, OPT_NO_THREADS,
};

static const struct option long_opts[] = {
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "iters", required_argument, NULL, OPT_ITERS },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "sizes", required_argument, NULL, OPT_SIZES },
	{ "peers", required_argument, NULL, OPT_PEERS },
	{ "clients", required_argument, NULL, OPT_CLIENTS },
	{ "fanin-seconds", required_argument, NULL, OPT_FANIN_SECONDS },
	{ "fanin-size", required_argument, NULL, OPT_FANIN_SIZE },
	{ "no-rpc", no_argument, NULL, OPT_NO_RPC },
	{ "no-fanin", no_argument, NULL, OPT_NO_FANIN },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "binder", required_argument, NULL, OPT_BINDER },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "no-machipc", no_argument, NULL, OPT_NO_MACHIPC },
	{ "stream-sizes", required_argument, NULL, OPT_STREAM_SIZES },
	{ "stream-bytes", required_argument, NULL, OPT_STREAM_BYTES },
	{ "chunk-pages", required_argument, NULL, OPT_CHUNK_PAGES },
	{ "restart-size", required_argument, NULL, OPT_RESTART_SIZE },
	{ "no-stream", no_argument, NULL, OPT_NO_STREAM },
	{ "no-restart", no_argument, NULL, OPT_NO_RESTART },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "cpu-model", required_argument, NULL, OPT_CPU_MODEL },
	{ "streams", required_argument, NULL, OPT_STREAMS },
	{ "no-threads", no_argument, NULL, OPT_NO_THREADS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool valid_size(unsigned long v)
{
	return !v || (v >= 16 && !(v % 8));
}

static void parse_options(int argc, char **argv)
{
	bool quick = false, set_rounds = false, set_iters = false;
	bool set_fanin = false, set_ssizes = false, set_sbytes = false;
	bool set_rsize = false, set_timeout = false;
	unsigned long list[MAX_SIZES];
	unsigned int i, j;
	char *end;
	int o;

	for (j = 0; j < NPEERS; j++)
		peer_enabled[j] = true;
	while ((o = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (o) {
		case OPT_ROUNDS:
			opts.rounds = parse_num(optarg, "--rounds", 1000);
			set_rounds = true;
			break;
		case OPT_ITERS:
			opts.iters = parse_num(optarg, "--iters", 10000000);
			set_iters = true;
			break;
		case OPT_WARMUP:
			opts.warmup = parse_num(optarg, "--warmup", 10000000);
			break;
		case OPT_SIZES:
			nsizes = parse_list(optarg, "--sizes", list, MAX_SIZES,
					    16 << 20);
			for (i = 0; i < nsizes; i++) {
				if (!valid_size(list[i])) {
					fprintf(stderr, "ipcbench: size %lu: "
						"must be 0 or a multiple of 8 "
						"of at least 16\n", list[i]);
					exit(2);
				}
				sizes[i] = list[i];
			}
			break;
		case OPT_PEERS:
			parse_peers(optarg);
			break;
		case OPT_CLIENTS:
			nclients = parse_list(optarg, "--clients", list,
					      MAX_CLIENT_SETS, 16);
			for (i = 0; i < nclients; i++) {
				if (!list[i]) {
					fprintf(stderr, "ipcbench: 0 clients\n");
					exit(2);
				}
				clients[i] = list[i];
			}
			break;
		case OPT_FANIN_SECONDS:
			opts.fanin_seconds = strtod(optarg, &end);
			if (*end || !(opts.fanin_seconds > 0) ||
			    opts.fanin_seconds > 3600) {
				fprintf(stderr, "ipcbench: bad --fanin-seconds "
					"'%s'\n", optarg);
				exit(2);
			}
			set_fanin = true;
			break;
		case OPT_FANIN_SIZE:
			opts.fanin_size = parse_num(optarg, "--fanin-size",
						    16384);
			if (!valid_size(opts.fanin_size)) {
				fprintf(stderr, "ipcbench: --fanin-size must "
					"be 0 or a multiple of 8 of at least "
					"16\n");
				exit(2);
			}
			break;
		case OPT_NO_RPC:
			run_rpc = false;
			break;
		case OPT_NO_FANIN:
			run_fanin = false;
			break;
		case OPT_QUICK:
			quick = true;
			break;
		case OPT_JSON:
			json_path = optarg;
			break;
		case OPT_ACCEL:
			accel_flag = optarg;
			break;
		case OPT_BINDER:
			opts.binder_path = optarg;
			break;
		case OPT_TIMEOUT:
			opts.timeout = parse_num(optarg, "--timeout", 86400);
			set_timeout = true;
			if (!opts.timeout)
				opts.timeout = 1;
			break;
		case OPT_NO_MACHIPC:
			need_machipc = false;
			break;
		case OPT_STREAM_SIZES:
			nstream_sizes = parse_list(optarg, "--stream-sizes",
						   list, MAX_SIZES, 1UL << 30);
			for (i = 0; i < nstream_sizes; i++) {
				if (list[i] < 16 || list[i] % 8) {
					fprintf(stderr, "ipcbench: stream size "
						"%lu: must be a multiple of 8 "
						"of at least 16\n", list[i]);
					exit(2);
				}
				stream_sizes[i] = list[i];
			}
			set_ssizes = true;
			break;
		case OPT_STREAM_BYTES:
			opts.stream_bytes = parse_num(optarg, "--stream-bytes",
						      1UL << 36);
			set_sbytes = true;
			break;
		case OPT_CHUNK_PAGES:
			nchunk_sets = parse_list(optarg, "--chunk-pages", list,
						 MAX_CHUNK_SETS, 1024);
			for (i = 0; i < nchunk_sets; i++) {
				if (list[i] < 2) {
					fprintf(stderr, "ipcbench: chunk_pages "
						"must be 2 to 1024\n");
					exit(2);
				}
				chunk_sets[i] = list[i];
			}
			break;
		case OPT_RESTART_SIZE:
			opts.restart_size = parse_num(optarg, "--restart-size",
						      1UL << 32);
			if (opts.restart_size < 16 || opts.restart_size % 8) {
				fprintf(stderr, "ipcbench: --restart-size must "
					"be a multiple of 8 of at least 16\n");
				exit(2);
			}
			set_rsize = true;
			break;
		case OPT_NO_STREAM:
			run_stream = false;
			break;
		case OPT_NO_RESTART:
			run_restart = false;
			break;
		case OPT_PLOT:
			plot_dir = optarg;
			break;
		case OPT_CPU_MODEL:
			cpu_flag = optarg;
			break;
		case OPT_STREAMS:
			thread_streams = parse_num(optarg, "--streams", 16);
			if (thread_streams < 2) {
				fprintf(stderr, "ipcbench: --streams must be "
					"2 to 16\n");
				exit(2);
			}
			break;
		case OPT_NO_THREADS:
			run_threads = false;
			break;
		case OPT_LIST:
			list_peers();
			exit(0);
		case 'v':
			opts.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ipcbench: unexpected argument '%s'\n",
			argv[optind]);
		exit(2);
	}
	if (quick) {
		if (!set_rounds)
			opts.rounds = 1;
		if (!set_iters)
			opts.iters = 200;
		opts.warmup = opts.warmup < 20 ? opts.warmup : 20;
		if (!set_fanin)
			opts.fanin_seconds = 0.2;
		if (!set_ssizes) {
			nstream_sizes = 3;	/* 4 KiB, 64 KiB, 1 MiB */
		}
		if (!set_sbytes)
			opts.stream_bytes = 4 << 20;
		if (!set_rsize)
			opts.restart_size = 1 << 20;
		if (!set_timeout)
			opts.timeout = 60;
	}
	if (plot_dir && !in_path("gnuplot")) {
		fprintf(stderr, "ipcbench: --plot needs gnuplot, which is not "
			"installed (Debian: apt-get install gnuplot-nox, or "
			"make deps)\n");
		exit(2);
	}
	if (!opts.rounds || !opts.iters) {
		fprintf(stderr, "ipcbench: --rounds and --iters must be at "
			"least 1\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	parse_options(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	env_collect();
	progress("%s %s, %s (%s), %ld CPUs, -cpu %s (erms %s, fsrm %s); %u "
		 "rounds", env.uts.sysname, env.uts.release, env.accel,
		 env.accel_source, env.cpus, env.cpu[0] ? env.cpu : "unknown",
		 env.erms ? "yes" : "no", env.fsrm ? "yes" : "no",
		 opts.rounds);
	if (!fair_cpu())
		progress("warning: %s", cpu_verdict());

	if (need_machipc && machipc_probe_reason())
		die("machipc: %s (--no-machipc runs the peers alone)",
		    machipc_probe_reason());
	if (run_rpc)
		run_rpc_rounds();
	if (run_fanin)
		run_rate_rounds("fan-in", &fanin_cells[0][0],
				nclients * NFPEERS, NFPEERS, fanin_config);
	if (run_threads)
		run_rate_rounds("threads", &thread_cells[0][0],
				NTPEERS * NLAYOUTS, NTPEERS * NLAYOUTS,
				threads_config);
	if (run_stream)
		run_stream_rounds();
	if (run_restart)
		run_restart_rounds();
	summarize_all();
	summarize_stream();

	printf("ipcbench: %s %s %s, accel %s, %ld CPUs, %s\n",
	       env.uts.sysname, env.uts.release, env.uts.machine, env.accel,
	       env.cpus, env.date);
	printf("CPU: %s, QEMU -cpu %s; erms %s, fsrm %s:\n  %s\n",
	       env.model, env.cpu[0] ? env.cpu : "unknown",
	       env.erms ? "yes" : "no", env.fsrm ? "yes" : "no",
	       cpu_verdict());
	if (run_rpc)
		print_rpc_table();
	if (run_fanin)
		print_fanin_table();
	if (run_threads)
		print_threads_table();
	if (run_stream)
		print_stream_table();
	if (run_restart)
		print_restart_table();
	print_targets();
	if (json_path) {
		write_json(json_path);
		progress("wrote %s", json_path);
	}
	if (plot_dir)
		write_plots();
	return any_failed ? 1 : 0;
}
