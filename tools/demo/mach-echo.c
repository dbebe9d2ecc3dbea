// SPDX-License-Identifier: GPL-2.0
/*
 * mach-echo: the classic Mach echo server and client, written against the
 * Mach API only (<mach/mach.h>, <servers/bootstrap.h>), as on macOS.
 *
 *	machipc-bootstrapd -- mach-echo             server and client
 *	machipc-bootstrapd -- mach-echo server &    just the server
 *	machipc-bootstrapd -- mach-echo client hello world
 *
 * The server checks in "org.machipc.echo" with the bootstrap server and
 * answers every request through its send-once reply right with the same
 * text; the client looks the service up and makes one RPC per word.  With
 * no argument, the program forks a server, runs a client against it, and
 * stops the server with a "quit" request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <servers/bootstrap.h>

#define ECHO_SERVICE	"org.machipc.echo"
#define ECHO_ID		1000
#define ECHO_TEXT_MAX	256

typedef struct {
	mach_msg_header_t header;
	mach_msg_size_t len;
	char text[ECHO_TEXT_MAX];
} echo_msg_t;

typedef struct {
	echo_msg_t msg;
	mach_msg_audit_trailer_t trailer;
} echo_rcv_t;

static int server(void)
{
	mach_port_t port;
	echo_rcv_t req;
	echo_msg_t reply;
	kern_return_t kr;
	unsigned long served = 0;

	kr = bootstrap_check_in(bootstrap_port, ECHO_SERVICE, &port);
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "mach-echo server: bootstrap_check_in: %s\n",
			bootstrap_strerror(kr));
		return 1;
	}
	printf("mach-echo server: %s checked in (port 0x%x), pid %d\n",
	       ECHO_SERVICE, port, getpid());
	fflush(stdout);
	for (;;) {
		kr = mach_msg(&req.msg.header,
			      MACH_RCV_MSG |
			      MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
			      MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
			      0, sizeof(req), port, MACH_MSG_TIMEOUT_NONE,
			      MACH_PORT_NULL);
		if (kr != MACH_MSG_SUCCESS) {
			fprintf(stderr, "mach-echo server: receive: %s\n",
				mach_error_string(kr));
			return 1;
		}
		if (req.msg.header.msgh_id != ECHO_ID ||
		    req.msg.len >= ECHO_TEXT_MAX) {
			mach_msg_destroy(&req.msg.header);
			continue;
		}
		req.msg.text[req.msg.len] = 0;
		served++;
		memset(&reply, 0, sizeof(reply));
		reply.header.msgh_bits =
			MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(req.msg.header.msgh_bits), 0);
		reply.header.msgh_size = sizeof(reply);
		reply.header.msgh_remote_port = req.msg.header.msgh_remote_port;
		reply.header.msgh_id = ECHO_ID + 100;
		reply.len = req.msg.len;
		memcpy(reply.text, req.msg.text, req.msg.len);
		kr = mach_msg(&reply.header, MACH_SEND_MSG, sizeof(reply), 0,
			      MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
			      MACH_PORT_NULL);
		if (kr != MACH_MSG_SUCCESS) {
			fprintf(stderr, "mach-echo server: reply: %s\n",
				mach_error_string(kr));
			mach_msg_destroy(&reply.header);
		}
		if (!strcmp(req.msg.text, "quit")) {
			printf("mach-echo server: quit after %lu requests\n",
			       served);
			mach_port_destroy(mach_task_self(), port);
			return 0;
		}
	}
}

static int echo(mach_port_t service, const char *text)
{
	union {
		echo_msg_t req;
		echo_rcv_t rep;
	} m;
	mach_port_t reply_port = mig_get_reply_port();
	size_t len = strlen(text);
	kern_return_t kr;

	if (len >= ECHO_TEXT_MAX)
		len = ECHO_TEXT_MAX - 1;
	memset(&m, 0, sizeof(m));
	m.req.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
						MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.req.header.msgh_size = sizeof(m.req);
	m.req.header.msgh_remote_port = service;
	m.req.header.msgh_local_port = reply_port;
	m.req.header.msgh_id = ECHO_ID;
	m.req.len = (mach_msg_size_t)len;
	memcpy(m.req.text, text, len);
	kr = mach_msg(&m.req.header, MACH_SEND_MSG | MACH_RCV_MSG |
		      MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
		      sizeof(m.req), sizeof(m.rep), reply_port,
		      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (kr != MACH_MSG_SUCCESS) {
		fprintf(stderr, "mach-echo client: mach_msg: %s\n",
			mach_error_string(kr));
		return 1;
	}
	m.rep.msg.text[m.rep.msg.len < ECHO_TEXT_MAX ? m.rep.msg.len : 0] = 0;
	printf("mach-echo client: sent \"%s\", got \"%s\" from pid %u\n",
	       text, m.rep.msg.text, m.rep.trailer.msgh_audit.val[5]);
	return strcmp(text, m.rep.msg.text) != 0;
}

static int client(int argc, char **argv)
{
	mach_port_t service = MACH_PORT_NULL;
	kern_return_t kr;
	int i, tries, bad = 0;

	/* The server may still be starting. */
	for (tries = 0; tries < 100; tries++) {
		kr = bootstrap_look_up(bootstrap_port, ECHO_SERVICE, &service);
		if (kr != BOOTSTRAP_UNKNOWN_SERVICE)
			break;
		usleep(50 * 1000);
	}
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "mach-echo client: bootstrap_look_up: %s\n",
			bootstrap_strerror(kr));
		return 1;
	}
	for (i = 0; i < argc; i++)
		bad |= echo(service, argv[i]);
	mach_port_deallocate(mach_task_self(), service);
	return bad;
}

int main(int argc, char **argv)
{
	static char *words[] = { "hello", "from", "a", "Mach", "program", "quit" };
	int status, ret;
	pid_t pid;

	if (!MACH_PORT_VALID(bootstrap_port)) {
		fprintf(stderr,
			"mach-echo: no bootstrap port: run it as 'machipc-bootstrapd -- mach-echo'%s\n",
			MACH_PORT_VALID(mach_task_self()) ? "" :
			" (and load the machipc module)");
		return 2;
	}
	if (argc > 1 && !strcmp(argv[1], "server"))
		return server();
	if (argc > 1 && !strcmp(argv[1], "client"))
		return client(argc - 2, argv + 2);
	if (argc > 1) {
		fprintf(stderr, "Usage: mach-echo [server | client WORD...]\n");
		return 2;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("mach-echo: fork");
		return 1;
	}
	if (pid == 0)
		_exit(server());
	ret = client((int)(sizeof(words) / sizeof(words[0])), words);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = 1;
	printf("mach-echo: %s\n", ret ? "FAILED" : "ok");
	return ret;
}
