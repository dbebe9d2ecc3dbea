// SPDX-License-Identifier: GPL-2.0
/*
 * machipc-bootstrapd: the bootstrap name server of libmach programs
 * (launchd's role on macOS).
 *
 *	machipc-bootstrapd [-v] [--] PROGRAM [ARG...]
 *
 * It allocates its service port, exports a send right to it as a
 * bootstrap descriptor (inherited across fork() and exec()), names the
 * descriptor in MACHIPC_BOOTSTRAP_FD and starts PROGRAM; libmach turns the
 * descriptor into bootstrap_port in PROGRAM and in every process PROGRAM
 * starts.  It serves bootstrap_check_in(), bootstrap_look_up() and
 * bootstrap_register() until PROGRAM exits, and exits with its status.
 *
 * A service whose port dies (its holder exited, or destroyed it) is
 * forgotten: the daemon asks for a dead-name notification on each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <servers/bootstrap.h>

#include "bootstrap_proto.h"


struct service {
	char name[BOOTSTRAP_MAX_NAME_LEN];
	mach_port_t port;	/* our send right */
	struct service *next;
};

static struct service *services;
static int verbose;
static mach_port_t server_port;
static volatile sig_atomic_t child_exited;

#define log_v(...) do { if (verbose) fprintf(stderr, "machipc-bootstrapd: " __VA_ARGS__); } while (0)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: machipc-bootstrapd [-v] [--] PROGRAM [ARG...]\n"
		"\n"
		"Runs PROGRAM with a Mach bootstrap port: the name service of\n"
		"bootstrap_check_in(), bootstrap_look_up() and bootstrap_register()\n"
		"(<servers/bootstrap.h>), for PROGRAM and every process it starts.\n"
		"The send right reaches them as an inherited descriptor named by the\n"
		"environment variable " MACHIPC_BOOTSTRAP_ENV ".  Exits with PROGRAM's\n"
		"status once PROGRAM has exited.\n"
		"\n"
		"  -v        log every request on stderr\n"
		"  -h, --help  this text\n"
		"\n"
		"Needs the machipc module (/dev/machipc, or $MACHIPC_DEVICE).\n");
}

static struct service *find(const char *name)
{
	struct service *s;

	for (s = services; s; s = s->next)
		if (!strncmp(s->name, name, sizeof(s->name)))
			return s;
	return NULL;
}

static void forget(struct service *gone)
{
	struct service **pp;

	for (pp = &services; *pp; pp = &(*pp)->next) {
		if (*pp == gone) {
			*pp = gone->next;
			mach_port_deallocate(mach_task_self(), gone->port);
			free(gone);
			return;
		}
	}
}

/* True when the service's port is gone. */
static int dead(struct service *s)
{
	mach_port_type_t t;

	return mach_port_type(mach_task_self(), s->port, &t) ||
	       (t & MACH_PORT_TYPE_DEAD_NAME);
}

static kern_return_t add(const char *name, mach_port_t send)
{
	struct service *s = calloc(1, sizeof(*s));
	mach_port_t prev = MACH_PORT_NULL;
	kern_return_t kr;

	if (!s)
		return BOOTSTRAP_NO_MEMORY;
	strncpy(s->name, name, sizeof(s->name) - 1);
	s->port = send;
	kr = mach_port_request_notification(mach_task_self(), send,
					    MACH_NOTIFY_DEAD_NAME, 0,
					    server_port,
					    MACH_MSG_TYPE_MAKE_SEND_ONCE,
					    &prev);
	if (kr) {
		free(s);
		return kr == KERN_INVALID_ARGUMENT ? BOOTSTRAP_UNKNOWN_SERVICE :
						     BOOTSTRAP_NO_MEMORY;
	}
	/*
	 * Services sharing a port share its name, and a name has one
	 * dead-name request: ours replaced the earlier one, whose send-once
	 * right comes back here and is ours to drop.
	 */
	if (MACH_PORT_VALID(prev))
		mach_port_deallocate(mach_task_self(), prev);
	s->next = services;
	services = s;
	return BOOTSTRAP_SUCCESS;
}

static void reply(struct lm_bs_request *req, kern_return_t ret,
		  mach_port_t port, mach_msg_type_name_t disp)
{
	struct lm_bs_reply rep;
	mach_msg_return_t mr;

	memset(&rep, 0, sizeof(rep));
	rep.head.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSGH_BITS_REMOTE(req->head.msgh_bits),
						0, 0, MACH_MSGH_BITS_COMPLEX);
	rep.head.msgh_size = sizeof(rep);
	rep.head.msgh_remote_port = req->head.msgh_remote_port;
	rep.head.msgh_id = LM_BS_REPLY(req->head.msgh_id);
	rep.body.msgh_descriptor_count = 1;
	rep.port.type = MACH_MSG_PORT_DESCRIPTOR;
	rep.port.name = ret ? MACH_PORT_NULL : port;
	/* MACH_PORT_NULL travels with any valid disposition. */
	rep.port.disposition = MACH_PORT_VALID(rep.port.name) ? disp :
			       MACH_MSG_TYPE_COPY_SEND;
	rep.ndr = NDR_record;
	rep.ret = ret;
	mr = mach_msg(&rep.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(rep),
		      0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
	if (mr) {
		log_v("reply to %d failed: %s\n", req->head.msgh_id,
		      mach_error_string(mr));
		mach_msg_destroy(&rep.head);
	}
}

static void check_in(struct lm_bs_request *req)
{
	struct service *s = find(req->name);
	mach_port_t port;
	kern_return_t kr;

	if (s && !dead(s)) {
		reply(req, BOOTSTRAP_SERVICE_ACTIVE, MACH_PORT_NULL, 0);
		return;
	}
	if (s)
		forget(s);
	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_insert_right(mach_task_self(), port, port,
				   MACH_MSG_TYPE_MAKE_SEND)) {
		reply(req, BOOTSTRAP_NO_MEMORY, MACH_PORT_NULL, 0);
		return;
	}
	kr = add(req->name, port);
	if (kr) {
		mach_port_destroy(mach_task_self(), port);
		reply(req, kr, MACH_PORT_NULL, 0);
		return;
	}
	log_v("check-in \"%s\"\n", req->name);
	/* The receive right goes to the caller; our send right stays. */
	reply(req, BOOTSTRAP_SUCCESS, port, MACH_MSG_TYPE_MOVE_RECEIVE);
}

static void look_up(struct lm_bs_request *req)
{
	struct service *s = find(req->name);

	if (s && dead(s)) {
		forget(s);
		s = NULL;
	}
	log_v("look-up \"%s\": %s\n", req->name, s ? "found" : "unknown");
	if (!s)
		reply(req, BOOTSTRAP_UNKNOWN_SERVICE, MACH_PORT_NULL, 0);
	else
		reply(req, BOOTSTRAP_SUCCESS, s->port, MACH_MSG_TYPE_COPY_SEND);
}

static void do_register(struct lm_bs_request *req)
{
	struct service *s = find(req->name);
	mach_port_t port = req->port.name;
	kern_return_t kr;

	if (s && !dead(s) && MACH_PORT_VALID(port) && s->port != port) {
		reply(req, BOOTSTRAP_NAME_IN_USE, MACH_PORT_NULL, 0);
		mach_port_deallocate(mach_task_self(), port);
		return;
	}
	if (s)
		forget(s);
	if (!MACH_PORT_VALID(port)) {
		log_v("unregister \"%s\"\n", req->name);
		reply(req, BOOTSTRAP_SUCCESS, MACH_PORT_NULL, 0);
		return;
	}
	kr = add(req->name, port);
	if (kr)
		mach_port_deallocate(mach_task_self(), port);
	log_v("register \"%s\": %d\n", req->name, kr);
	reply(req, kr, MACH_PORT_NULL, 0);
}

static void dead_name(mach_dead_name_notification_t *n)
{
	struct service *s, *next;

	/* Every service registered with the port goes (they share a name). */
	for (s = services; s; s = next) {
		next = s->next;
		if (s->port == n->not_port) {
			log_v("\"%s\" died\n", s->name);
			forget(s);
		}
	}
	/* The notification's own reference to the dead name. */
	mach_port_deallocate(mach_task_self(), n->not_port);
}

static void on_sigchld(int sig)
{
	(void)sig;
	child_exited = 1;
}

static int serve(pid_t child)
{
	union {
		struct lm_bs_request req;
		mach_dead_name_notification_t dn;
		char buf[sizeof(struct lm_bs_request) + MAX_TRAILER_SIZE + 64];
	} m;
	mach_msg_return_t mr;
	int status;

	for (;;) {
		if (child_exited && waitpid(child, &status, WNOHANG) == child)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
						   128 + WTERMSIG(status);
		mr = mach_msg(&m.req.head, MACH_RCV_MSG | MACH_RCV_INTERRUPT |
			      MACH_RCV_TIMEOUT, 0, sizeof(m), server_port,
			      200, MACH_PORT_NULL);
		if (mr == MACH_RCV_INTERRUPTED || mr == MACH_RCV_TIMED_OUT)
			continue;
		if (mr == MACH_RCV_TOO_LARGE)
			continue;	/* destroyed by the library */
		if (mr) {
			fprintf(stderr, "machipc-bootstrapd: receive: %s\n",
				mach_error_string(mr));
			return 1;
		}
		switch (m.req.head.msgh_id) {
		case LM_BS_CHECK_IN:
		case LM_BS_LOOK_UP:
		case LM_BS_REGISTER:
			if (m.req.head.msgh_size != sizeof(m.req) ||
			    !MACH_MSGH_BITS_IS_COMPLEX(m.req.head.msgh_bits) ||
			    m.req.body.msgh_descriptor_count != 1) {
				mach_msg_destroy(&m.req.head);
				continue;
			}
			m.req.name[sizeof(m.req.name) - 1] = 0;
			if (m.req.head.msgh_id == LM_BS_CHECK_IN)
				check_in(&m.req);
			else if (m.req.head.msgh_id == LM_BS_LOOK_UP)
				look_up(&m.req);
			else
				do_register(&m.req);
			/* look-up and check-in carry no right to keep */
			if (m.req.head.msgh_id != LM_BS_REGISTER &&
			    MACH_PORT_VALID(m.req.port.name))
				mach_port_deallocate(mach_task_self(), m.req.port.name);
			break;
		case MACH_NOTIFY_DEAD_NAME:
			dead_name(&m.dn);
			break;
		case MACH_NOTIFY_SEND_ONCE:
			break;
		default:
			log_v("unknown request id %d\n", m.req.head.msgh_id);
			mach_msg_destroy(&m.req.head);
			break;
		}
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigchld };
	int argi = 1, status;
	pid_t child;

	while (argi < argc && argv[argi][0] == '-') {
		if (!strcmp(argv[argi], "--")) {
			argi++;
			break;
		} else if (!strcmp(argv[argi], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[argi], "-h") || !strcmp(argv[argi], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "machipc-bootstrapd: unknown option '%s'\n\n",
				argv[argi]);
			usage(stderr);
			return 2;
		}
		argi++;
	}
	if (argi >= argc) {
		fprintf(stderr, "machipc-bootstrapd: no PROGRAM to run\n\n");
		usage(stderr);
		return 2;
	}
	if (!MACH_PORT_VALID(mach_task_self())) {
		fprintf(stderr,
			"machipc-bootstrapd: cannot open the machipc device (%s): is the machipc module loaded?\n",
			getenv("MACHIPC_DEVICE") ? getenv("MACHIPC_DEVICE") : "/dev/machipc");
		return 1;
	}
	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &server_port) ||
	    mach_port_insert_right(mach_task_self(), server_port, server_port,
				   MACH_MSG_TYPE_MAKE_SEND)) {
		fprintf(stderr, "machipc-bootstrapd: cannot allocate the bootstrap port\n");
		return 1;
	}
	/* task_set_bootstrap_port() exports the right for our children. */
	if (task_set_bootstrap_port(mach_task_self(), server_port)) {
		fprintf(stderr, "machipc-bootstrapd: cannot export the bootstrap port\n");
		return 1;
	}
	log_v("bootstrap port exported as descriptor %s\n",
	      getenv(MACHIPC_BOOTSTRAP_ENV));

	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	child = fork();
	if (child < 0) {
		perror("machipc-bootstrapd: fork");
		return 1;
	}
	if (child == 0) {
		execvp(argv[argi], argv + argi);
		fprintf(stderr, "machipc-bootstrapd: cannot run %s: %s\n",
			argv[argi], strerror(errno));
		_exit(127);
	}
	status = serve(child);
	return status;
}
