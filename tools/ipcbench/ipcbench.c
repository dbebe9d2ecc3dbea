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
	&stream_machipc, &stream_pipe, &stream_unix_stream, &stream_binder,
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
	&peer_machipc, &peer_machipc_ool, &peer_pipe, &peer_unix_stream,
	&peer_unix_seqpacket,
	&peer_mqueue, &peer_futex, &peer_binder,
};
#define NPEERS		ARRAY_SIZE(rpc_peers)

static const struct fanin_peer *const fanin_peers[] = {
	&fanin_machipc, &fanin_seqpacket,
};
#define NFPEERS		ARRAY_SIZE(fanin_peers)

#define MAX_CLIENT_SETS	8

static size_t sizes[MAX_SIZES] = { 0, 64, 256, 1024, 4096, 16384, 65536 };
static unsigned int nsizes = 7;
static unsigned int clients[MAX_CLIENT_SETS] = { 1, 4, 16 };
static unsigned int nclients = 3;
static bool peer_enabled[NPEERS];
static bool run_rpc = true, run_fanin = true, need_machipc = true;
static const char *json_path;
static const char *accel_flag;

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
	for (i = 0; i < opts.iters; i++) {
		t0 = now_ns();
		if (p->call(&c, seq++))
			goto stop;
		b->samples[i] = now_ns() - t0;
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

static void run_fanin_rounds(void)
{
	unsigned int r, c, k, j;
	char what[64];

	for (j = 0; j < NFPEERS; j++) {
		if (fanin_peers[j]->probe)
			fanin_skip[j] = fanin_peers[j]->probe();
		if (fanin_skip[j])
			progress("fan-in: %s skipped: %s", fanin_peers[j]->name,
				 fanin_skip[j]);
	}
	for (c = 0; c < nclients; c++)
		for (j = 0; j < NFPEERS; j++)
			fanin_cells[c][j].round =
				xmalloc(opts.rounds * sizeof(struct batch));

	for (r = 0; r < opts.rounds; r++) {
		progress("fan-in: round %u/%u", r + 1, opts.rounds);
		for (c = 0; c < nclients; c++) {
			for (k = 0; k < NFPEERS; k++) {
				struct fanin_result res;
				struct batch *b;

				j = (k + r) % NFPEERS;
				b = &fanin_cells[c][j].round[r];
				if (fanin_skip[j]) {
					b->status = B_SKIPPED;
					snprintf(b->reason, sizeof(b->reason),
						 "%s", fanin_skip[j]);
					continue;
				}
				snprintf(what, sizeof(what), "fan-in %s %u",
					 fanin_peers[j]->name, clients[c]);
				watchdog_arm(what);
				if (fanin_peers[j]->run(clients[c], &res)) {
					b->status = B_FAILED;
					snprintf(b->reason, sizeof(b->reason),
						 "failed (see the messages above)");
					any_failed = true;
					watchdog_disarm();
					continue;
				}
				watchdog_disarm();
				b->status = B_OK;
				b->samples = res.lat;
				b->n = res.nlat;
				b->msgs_per_sec = res.msgs_per_sec;
				stats_compute(&b->st, b->samples, b->n);
				if (opts.verbose)
					progress("  %-15s %2u clients  %.0f msgs/s",
						 fanin_peers[j]->name,
						 clients[c], res.msgs_per_sec);
			}
		}
	}
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

/*
 * Pool the samples of every round, and compute the ratio machipc / peer
 * per round (of @metric) and its median.  @ref is the machipc cell.
 */
static void summarize(struct cell *cell, const struct cell *ref,
		      bool fanin)
{
	double *v = xmalloc(opts.rounds * sizeof(double));
	double *vm = xmalloc(opts.rounds * sizeof(double));
	double *rates = xmalloc(opts.rounds * sizeof(double));
	size_t total = 0, k = 0, nv = 0, nvm = 0, nr = 0;
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

static void env_collect(void)
{
	char line[4096], path[512];
	struct dirent *de;
	time_t t = time(NULL);
	FILE *f;
	DIR *d;

	uname(&env.uts);
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
		if (!strncmp(line, "flags", 5) && strstr(line, " hypervisor"))
			env.hypervisor = true;
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

static void print_rpc_table(void)
{
	unsigned int s, j;

	printf("\nRPC round trip, microseconds, pooled over %u rounds x %u "
	       "calls; machipc/peer = median over rounds of\n"
	       "the per-round p50 ratio (below 1: machipc faster)\n\n",
	       opts.rounds, opts.iters);
	printf("%6s  %-15s %9s %9s %9s %9s %9s %9s %8s %12s\n", "size",
	       "peer", "p50", "p90", "p99", "p99.9", "max", "mean", "count",
	       "machipc/peer");
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
			print_ratio(j ? cl->ratio : NAN);
			printf("\n");
		}
	}
}

static void print_fanin_table(void)
{
	unsigned int c, j;

	printf("\nFan-in, %u-byte requests echoed, %.2f s per batch; msgs/s "
	       "= median over rounds; latency (us) pooled;\n"
	       "machipc/peer = median over rounds of the per-round msgs/s "
	       "ratio (above 1: machipc faster)\n\n",
	       opts.fanin_size, opts.fanin_seconds);
	printf("%7s  %-15s %10s %9s %9s %9s %9s %9s %9s %8s %12s\n",
	       "clients", "peer", "msgs/s", "p50", "p90", "p99", "p99.9",
	       "max", "mean", "count", "machipc/peer");
	for (c = 0; c < nclients; c++) {
		for (j = 0; j < NFPEERS; j++) {
			const struct cell *cl = &fanin_cells[c][j];

			printf("%7u  %-15s", clients[c], fanin_peers[j]->name);
			if (cl->status != B_OK) {
				printf(" %s: %s\n", status_name[cl->status],
				       cl->reason);
				continue;
			}
			printf(" %10.0f", cl->median_rate);
			print_stats_row(&cl->pooled);
			print_ratio(j ? cl->ratio : NAN);
			printf("\n");
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

static double stream_ratio(size_t size, const char *peer)
{
	unsigned int s, j;

	for (s = 0; s < nstream_sizes; s++)
		if (stream_sizes[s] == size)
			for (j = 1; j < NSPEERS; j++)
				if (!strcmp(stream_peers[j]->name, peer) &&
				    stream_cells[s][j].status == B_OK)
					return stream_cells[s][j].ratio;
	return NAN;
}

static int rpc_peer_index(const char *name)
{
	unsigned int j;

	for (j = 0; j < NPEERS; j++)
		if (!strcmp(rpc_peers[j]->name, name))
			return j;
	return -1;
}

/* One target line: @ratio against @limit; @upper: ratio must be <= limit. */
static const char *verdict(double ratio, double limit, bool upper)
{
	if (isnan(ratio))
		return "not measured";
	if (upper ? ratio <= limit : ratio >= limit)
		return "met";
	return "MISSED";
}

static void print_targets(void)
{
	int pipe = rpc_peer_index("pipe"), binder = rpc_peer_index("binder");
	unsigned int s, c;

	printf("\nTargets (spec section 9; benchmark targets, never a "
	       "pass/fail test)\n");
	for (s = 0; run_rpc && s < nsizes; s++) {
		double rp = peer_enabled[pipe] ? rpc_cells[s][pipe].ratio : NAN;
		double rb = peer_enabled[binder] ?
			    rpc_cells[s][binder].ratio : NAN;

		if (sizes[s] > 256)
			continue;
		if (rpc_cells[s][0].status != B_OK) {
			printf("  RPC %5zu B: machipc not measured\n",
			       sizes[s]);
			continue;
		}
		printf("  RPC %5zu B: machipc/pipe %.2f (<= 0.80): %s; "
		       "machipc/binder %.2f (< 1.00): %s\n", sizes[s], rp,
		       verdict(rp, 0.8, true), rb,
		       isnan(rb) ? "not measured" :
		       rb < 1.0 ? "met" : "MISSED");
	}
	for (c = 0; run_fanin && c < nclients; c++) {
		double r = fanin_cells[c][1].ratio;

		if (clients[c] != 16)
			continue;
		printf("  Fan-in 16 clients: machipc/unix-seqpacket msgs/s "
		       "%.2f (>= 1.00): %s\n", isnan(r) ? 0.0 : r,
		       verdict(r, 1.0, false));
	}
	for (c = 0; run_stream && c < nstream_sizes; c++) {
		static const struct { const char *peer; double min; } t[] = {
			{ "pipe", 2.0 }, { "unix-stream", 1.3 },
			{ "vm_readv", 0.8 }, { "binder", 1.0 },
		};
		unsigned int k;
		char sz[32];

		if (stream_sizes[c] < (1 << 20))
			continue;
		printf("  Stream %6s:", size_str(stream_sizes[c], sz,
						  sizeof(sz)));
		for (k = 0; k < ARRAY_SIZE(t); k++) {
			double r = stream_ratio(stream_sizes[c], t[k].peer);

			printf("%s machipc/%s %.2f (%s %.2f): %s",
			       k ? ";" : "", t[k].peer, isnan(r) ? 0.0 : r,
			       t[k].min == 1.0 ? ">" : ">=", t[k].min,
			       isnan(r) ? "not measured" :
			       (t[k].min == 1.0 ? r > 1.0 : r >= t[k].min) ?
			       "met" : "MISSED");
		}
		printf("\n");
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

static void json_cell(FILE *f, const struct cell *cl, bool fanin,
		      bool is_ref)
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
	if (!is_ref) {
		fprintf(f, ", \"ratio_machipc_over_peer\": ");
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
			if (!is_ref) {
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

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned int i, s, j, c;
	bool first;

	if (!f)
		die("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"tool\": \"ipcbench\",\n  \"format\": 2,\n");
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
	fprintf(f, ",\n    \"fanin_size\": %u\n  },\n", opts.fanin_size);

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
			fprintf(f, "%s\n      {\"size\": %zu, \"peer\": ",
				first ? "" : ",", sizes[s]);
			json_str(f, rpc_peers[j]->name);
			fprintf(f, ", ");
			json_cell(f, &rpc_cells[s][j], false, j == 0);
			fprintf(f, "}");
			first = false;
		}
	}
	fprintf(f, "]\n  },\n");

	fprintf(f, "  \"fanin\": {\n    \"unit\": \"ns\",\n"
		"    \"ratio\": \"machipc/peer, median over rounds of the "
		"per-round msgs/s ratio; above 1 means machipc is faster\",\n"
		"    \"results\": [");
	for (c = 0, first = true; run_fanin && c < nclients; c++) {
		for (j = 0; j < NFPEERS; j++) {
			fprintf(f, "%s\n      {\"clients\": %u, \"peer\": ",
				first ? "" : ",", clients[c]);
			json_str(f, fanin_peers[j]->name);
			fprintf(f, ", ");
			json_cell(f, &fanin_cells[c][j], true, j == 0);
			fprintf(f, "}");
			first = false;
		}
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
	unsigned int s;
	int j = rpc_peer_index(peer);

	if (j < 0 || !peer_enabled[j] || !run_rpc)
		return NAN;
	for (s = 0; s < nsizes; s++)
		if (sizes[s] == size && rpc_cells[s][j].status == B_OK &&
		    rpc_cells[s][0].status == B_OK)
			return 1.0 / rpc_cells[s][j].ratio;
	return NAN;
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
"                   the echo; p50, p90, p99, p99.9, max, mean, count.\n"
"                   machipc: inline up to max_inline, out-of-line above;\n"
"                   machipc-ool: out-of-line at every size.\n"
"  fan-in           1, 4, 16 client processes against one server (machipc:\n"
"                   a port set; unix-seqpacket: epoll); msgs/s, latency.\n"
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
"  --no-rpc, --no-fanin, --no-stream, --no-restart\n"
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
	OPT_NO_RESTART, OPT_PLOT,
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
	progress("%s %s, %s (%s), %ld CPUs; %u rounds", env.uts.sysname,
		 env.uts.release, env.accel, env.accel_source, env.cpus,
		 opts.rounds);

	if (need_machipc && machipc_probe_reason())
		die("machipc: %s (--no-machipc runs the peers alone)",
		    machipc_probe_reason());
	if (run_rpc)
		run_rpc_rounds();
	if (run_fanin)
		run_fanin_rounds();
	if (run_stream)
		run_stream_rounds();
	if (run_restart)
		run_restart_rounds();
	summarize_all();
	summarize_stream();

	printf("ipcbench: %s %s %s, accel %s, %ld CPUs, %s\n",
	       env.uts.sysname, env.uts.release, env.uts.machine, env.accel,
	       env.cpus, env.date);
	if (run_rpc)
		print_rpc_table();
	if (run_fanin)
		print_fanin_table();
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
