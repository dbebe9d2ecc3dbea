// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench: binder peer, through raw ioctls on /dev/binder (no Android
 * userspace).  The server is the context manager (handle 0); the client
 * sends BC_TRANSACTION and waits for BR_REPLY, like libbinder's
 * IPCThreadState::transact().  The server answers with BC_REPLY whose data
 * is the request buffer in its own binder mapping, then frees that buffer
 * (BC_FREE_BUFFER) in the same BINDER_WRITE_READ.  The client reads the
 * reply in place in its mapping and frees it with its next transaction, as
 * libbinder does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"

#if __has_include(<linux/android/binder.h>)
#include <linux/android/binder.h>
#define HAVE_BINDER 1
#else
#define HAVE_BINDER 0
#endif

const char *binder_device;

#if HAVE_BINDER

#define BINDER_MAP_SIZE		(1024 * 1024)
#define CODE_CALL		1
#define CODE_QUIT		2

static char binder_reason[200];

const char *binder_probe(void)
{
	static const char *const paths[] = {
		"/dev/binder", "/dev/binderfs/binder",
	};
	struct binder_version v;
	unsigned int i;
	int fd = -1;

	for (i = 0; i < ARRAY_SIZE(paths) && fd < 0; i++) {
		binder_device = opts.binder_path ? opts.binder_path : paths[i];
		fd = open(binder_device, O_RDWR | O_CLOEXEC);
		if (opts.binder_path)
			break;
	}
	if (fd < 0) {
		snprintf(binder_reason, sizeof(binder_reason),
			 "cannot open %s: %s (modprobe binder_linux "
			 "devices=binder, or mount binderfs)",
			 opts.binder_path ? opts.binder_path :
			 "/dev/binder or /dev/binderfs/binder",
			 strerror(errno));
		binder_device = NULL;
		return binder_reason;
	}
	if (ioctl(fd, BINDER_VERSION, &v) ||
	    v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
		snprintf(binder_reason, sizeof(binder_reason),
			 "%s: protocol version %d, expected %d",
			 binder_device, v.protocol_version,
			 BINDER_CURRENT_PROTOCOL_VERSION);
		close(fd);
		return binder_reason;
	}
	close(fd);
	return NULL;
}

static int binder_open_map_size(struct chan *c, size_t size)
{
	c->bfd = open(binder_device, O_RDWR | O_CLOEXEC);
	if (c->bfd < 0)
		return -1;
	c->bmap_size = size;
	c->bmap = mmap(NULL, size, PROT_READ, MAP_PRIVATE, c->bfd, 0);
	if (c->bmap == MAP_FAILED) {
		close(c->bfd);
		return -1;
	}
	return 0;
}

static int binder_open_map(struct chan *c)
{
	return binder_open_map_size(c, BINDER_MAP_SIZE);
}

static void binder_close_map(struct chan *c)
{
	munmap(c->bmap, c->bmap_size);
	close(c->bfd);
}

/* A command stream being built: u32 command codes, each with its data. */
struct cmdbuf {
	unsigned char b[256];
	size_t len;
};

static void cmd_put(struct cmdbuf *cb, u32 cmd, const void *data,
		    size_t len)
{
	memcpy(cb->b + cb->len, &cmd, 4);
	if (len)
		memcpy(cb->b + cb->len + 4, data, len);
	cb->len += 4 + len;
}

static void cmd_transaction(struct cmdbuf *cb, u32 cmd, u32 code,
			    const void *data, size_t size)
{
	struct binder_transaction_data tr;

	memset(&tr, 0, sizeof(tr));
	tr.target.handle = 0;		/* the context manager */
	tr.code = code;
	tr.data_size = size;
	tr.data.ptr.buffer = (binder_uintptr_t)(uintptr_t)data;
	cmd_put(cb, cmd, &tr, sizeof(tr));
}

static void cmd_free(struct cmdbuf *cb, u64 buffer)
{
	binder_uintptr_t p = buffer;

	cmd_put(cb, BC_FREE_BUFFER, &p, sizeof(p));
}

/*
 * One BINDER_WRITE_READ: write @cb (may be empty), then read returns until
 * one of @want arrives; its transaction data goes to @tr.  Returns the
 * command that ended the wait, or 0 with errno on failure.
 */
static u32 binder_talk(struct chan *c, struct cmdbuf *cb, u32 want,
		       struct binder_transaction_data *tr)
{
	unsigned char rbuf[256];
	struct binder_write_read bwr;
	size_t off;
	u32 cmd;

	memset(&bwr, 0, sizeof(bwr));
	bwr.write_buffer = (binder_uintptr_t)(uintptr_t)cb->b;
	bwr.write_size = cb->len;
	for (;;) {
		bwr.read_buffer = (binder_uintptr_t)(uintptr_t)rbuf;
		bwr.read_size = sizeof(rbuf);
		bwr.read_consumed = 0;
		if (ioctl(c->bfd, BINDER_WRITE_READ, &bwr) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (bwr.write_consumed < bwr.write_size) {
			errno = EPROTO;
			return 0;
		}
		bwr.write_size = 0;	/* written: only read from now on */
		for (off = 0; off + 4 <= bwr.read_consumed;) {
			memcpy(&cmd, rbuf + off, 4);
			off += 4;
			if (cmd == want) {
				memcpy(tr, rbuf + off, sizeof(*tr));
				/* The buffer holds at most one transaction. */
				cb->len = 0;
				return cmd;
			}
			switch (cmd) {
			case BR_DEAD_REPLY:
			case BR_FAILED_REPLY:
			case BR_ERROR:
				errno = cmd == BR_DEAD_REPLY ? EPIPE : EIO;
				return 0;
			}
			off += _IOC_SIZE(cmd);
		}
	}
}

/*
 * The previous batch's server may still be releasing the context manager
 * (binder frees it from a workqueue): retry for a while.
 */
static int binder_become_manager(struct chan *c)
{
	u64 deadline = now_ns() + 5000000000ULL;

	while (ioctl(c->bfd, BINDER_SET_CONTEXT_MGR, 0) < 0) {
		if (errno != EBUSY || now_ns() > deadline) {
			warnx_("binder: BINDER_SET_CONTEXT_MGR: %s",
			       strerror(errno));
			return -1;
		}
		usleep(2000);
	}
	return 0;
}

static int binder_server(struct chan *c, size_t size)
{
	struct binder_transaction_data tr;
	struct cmdbuf cb = { .len = 0 };
	const void *data;
	u64 seq;

	if (binder_open_map(c)) {
		warnx_("binder server: %s: %s", binder_device, strerror(errno));
		return -1;
	}
	if (binder_become_manager(c))
		return -1;
	cmd_put(&cb, BC_ENTER_LOOPER, NULL, 0);
	if (chan_ready(c, NULL, 0))
		return -1;

	for (seq = 0;; seq++) {
		if (!binder_talk(c, &cb, BR_TRANSACTION, &tr)) {
			warnx_("binder server: %s", strerror(errno));
			return -1;
		}
		data = (const void *)(uintptr_t)tr.data.ptr.buffer;
		if (tr.code == CODE_CALL &&
		    (tr.data_size != size || payload_check(data, size, seq)))
			return bad_payload("binder server", seq);
		/* Echo from the mapping, then free the request buffer. */
		cmd_transaction(&cb, BC_REPLY, 0, data, tr.data_size);
		cmd_free(&cb, tr.data.ptr.buffer);
		if (tr.code == CODE_QUIT)
			break;
	}
	/* Flush the last reply and free: wait for its completion. */
	binder_talk(c, &cb, BR_TRANSACTION_COMPLETE, &tr);
	binder_close_map(c);
	return 0;
}

static int binder_client_init(struct chan *c, size_t size)
{
	(void)size;
	if (chan_wait_ready(c, NULL, 0))
		return -1;
	if (binder_open_map(c)) {
		warnx_("binder client: %s: %s", binder_device, strerror(errno));
		return -1;
	}
	c->pending_free = 0;
	return 0;
}

static int binder_transact(struct chan *c, u32 code, const void *data,
			   size_t size, struct binder_transaction_data *reply)
{
	struct cmdbuf cb = { .len = 0 };

	if (c->pending_free)
		cmd_free(&cb, c->pending_free);
	c->pending_free = 0;
	cmd_transaction(&cb, BC_TRANSACTION, code, data, size);
	if (!binder_talk(c, &cb, BR_REPLY, reply)) {
		warnx_("binder client: %s", strerror(errno));
		return -1;
	}
	c->pending_free = reply->data.ptr.buffer;
	return 0;
}

static int binder_call(struct chan *c, u64 seq)
{
	struct binder_transaction_data reply;

	payload_stamp(&c->req, seq);
	if (binder_transact(c, CODE_CALL, c->req.buf, c->size, &reply))
		return -1;
	if (reply.data_size != c->size ||
	    payload_check((const void *)(uintptr_t)reply.data.ptr.buffer,
			  c->size, seq))
		return bad_payload("binder client", seq);
	return 0;
}

static int binder_stop(struct chan *c)
{
	struct binder_transaction_data reply;
	int ret = binder_transact(c, CODE_QUIT, NULL, 0, &reply);

	binder_close_map(c);
	return ret;
}

/*
 * Streaming: the receiver (this process) is the context manager, with the
 * largest mapping binder allows a process (4 MiB).  The sender makes
 * synchronous transactions; the receiver answers each with an empty
 * BC_REPLY at once (so the sender may go on, as a machipc send returns
 * once the data is copied), then checks the data in place in its mapping
 * and frees the buffer with its next read.
 */
#define BINDER_STREAM_MAP	(4 * 1024 * 1024)
#define BINDER_STREAM_MAX	(2 * 1024 * 1024)
#define BINDER_SENDER_MAP	(128 * 1024)

static char binder_stream_reason[200];

static const char *binder_stream_size_ok(size_t size)
{
	if (size <= BINDER_STREAM_MAX)
		return NULL;
	snprintf(binder_stream_reason, sizeof(binder_stream_reason),
		 "binder maps at most 4 MiB per process (binder_alloc_mmap_"
		 "handler), so one transaction cannot carry %zu MiB",
		 size >> 20);
	return binder_stream_reason;
}

/* Write @cb without reading. */
static int binder_write(struct chan *c, struct cmdbuf *cb)
{
	struct binder_write_read bwr;

	memset(&bwr, 0, sizeof(bwr));
	bwr.write_buffer = (binder_uintptr_t)(uintptr_t)cb->b;
	bwr.write_size = cb->len;
	while (ioctl(c->bfd, BINDER_WRITE_READ, &bwr) < 0)
		if (errno != EINTR)
			return -1;
	cb->len = 0;
	return 0;
}

struct binder_sender {
	size_t size;
	unsigned int count;
};

static int binder_sender_main(void *arg)
{
	struct binder_sender *s = arg;
	struct binder_transaction_data reply;
	struct payload p;
	struct chan c;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	if (binder_open_map_size(&c, BINDER_SENDER_MAP)) {
		warnx_("binder sender: %s: %s", binder_device, strerror(errno));
		return -1;
	}
	payload_init(&p, xmalloc(s->size), s->size, 0x57ea3ULL + s->size);
	for (i = 0; i < s->count; i++) {
		payload_stamp(&p, i);
		if (binder_transact(&c, CODE_CALL, p.buf, s->size, &reply))
			return -1;
	}
	return 0;
}

static int binder_stream_run(size_t size, unsigned int count,
			     double *seconds)
{
	struct binder_sender s = { .size = size, .count = count + 1 };
	struct binder_transaction_data tr;
	struct cmdbuf cb = { .len = 0 }, rep = { .len = 0 };
	const void *data;
	struct chan c;
	unsigned int i;
	u64 t0 = 0;
	pid_t pid;
	int ret = 0;

	memset(&c, 0, sizeof(c));
	if (binder_open_map_size(&c, BINDER_STREAM_MAP)) {
		warnx_("binder receiver: %s: %s", binder_device,
		       strerror(errno));
		return -1;
	}
	if (binder_become_manager(&c)) {
		binder_close_map(&c);
		return -1;
	}
	cmd_put(&cb, BC_ENTER_LOOPER, NULL, 0);
	pid = spawn(binder_sender_main, &s);
	for (i = 0; i <= count; i++) {
		if (!binder_talk(&c, &cb, BR_TRANSACTION, &tr)) {
			warnx_("binder receiver: %s", strerror(errno));
			ret = -1;
			break;
		}
		cmd_transaction(&rep, BC_REPLY, 0, NULL, 0);
		if (binder_write(&c, &rep)) {
			warnx_("binder receiver: reply: %s", strerror(errno));
			ret = -1;
			break;
		}
		data = (const void *)(uintptr_t)tr.data.ptr.buffer;
		if (tr.code != CODE_CALL || tr.data_size != size ||
		    payload_check(data, size, i)) {
			ret = bad_payload("binder receiver", i);
			break;
		}
		cmd_free(&cb, tr.data.ptr.buffer);
		if (!i)
			t0 = now_ns();
	}
	*seconds = (double)(now_ns() - t0) / 1e9;
	if (!ret && binder_write(&c, &cb))
		ret = -1;
	if (ret)
		kill(pid, SIGKILL);
	if (reap(pid, "binder sender"))
		ret = -1;
	binder_close_map(&c);
	return ret;
}

#else /* !HAVE_BINDER */

const char *binder_probe(void)
{
	return "ipcbench was built without <linux/android/binder.h> "
	       "(install linux-libc-dev and rebuild)";
}

#define binder_server		NULL
#define binder_client_init	NULL
#define binder_call		NULL
#define binder_stop		NULL
#define binder_stream_size_ok	NULL
#define binder_stream_run	NULL

#endif /* HAVE_BINDER */

const struct rpc_peer peer_binder = {
	.name = "binder",
	.copies = "raw /dev/binder ioctls; each message copied once, user -> "
		  "receiver's binder mapping; read in place",
	.probe = binder_probe,
	.server = binder_server,
	.client_init = binder_client_init,
	.call = binder_call,
	.stop = binder_stop,
};

const struct stream_peer stream_binder = {
	.name = "binder",
	.copies = "synchronous transactions; one copy, sender's buffer -> "
		  "receiver's binder mapping, checked in place; at most 2 MiB "
		  "(the mapping is capped at 4 MiB)",
	.probe = binder_probe,
	.size_ok = binder_stream_size_ok,
	.run = binder_stream_run,
};
