// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmach: mach_error_string() and friends.
 */
#include <stdio.h>

#include "internal.h"
#include <servers/bootstrap.h>

struct lm_errstr {
	mach_error_t code;
	const char *text;
};

static const struct lm_errstr lm_errors[] = {
	{ KERN_SUCCESS, "(os/kern) successful" },
	{ KERN_INVALID_ADDRESS, "(os/kern) invalid address" },
	{ KERN_PROTECTION_FAILURE, "(os/kern) protection failure" },
	{ KERN_NO_SPACE, "(os/kern) no space available" },
	{ KERN_INVALID_ARGUMENT, "(os/kern) invalid argument" },
	{ KERN_FAILURE, "(os/kern) failure" },
	{ KERN_RESOURCE_SHORTAGE, "(os/kern) resource shortage" },
	{ KERN_NOT_RECEIVER, "(os/kern) not receiver" },
	{ KERN_NO_ACCESS, "(os/kern) no access" },
	{ KERN_MEMORY_FAILURE, "(os/kern) memory failure" },
	{ KERN_MEMORY_ERROR, "(os/kern) memory error" },
	{ KERN_ALREADY_IN_SET, "(os/kern) already in set" },
	{ KERN_NOT_IN_SET, "(os/kern) not in set" },
	{ KERN_NAME_EXISTS, "(os/kern) name exists" },
	{ KERN_ABORTED, "(os/kern) aborted" },
	{ KERN_INVALID_NAME, "(os/kern) invalid name" },
	{ KERN_INVALID_TASK, "(os/kern) invalid task" },
	{ KERN_INVALID_RIGHT, "(os/kern) invalid right" },
	{ KERN_INVALID_VALUE, "(os/kern) invalid value" },
	{ KERN_UREFS_OVERFLOW, "(os/kern) urefs overflow" },
	{ KERN_INVALID_CAPABILITY, "(os/kern) invalid capability" },
	{ KERN_RIGHT_EXISTS, "(os/kern) right exists" },
	{ KERN_INVALID_HOST, "(os/kern) invalid host" },
	{ KERN_MEMORY_PRESENT, "(os/kern) memory present" },
	{ KERN_MEMORY_DATA_MOVED, "(os/kern) memory data moved" },
	{ KERN_MEMORY_RESTART_COPY, "(os/kern) memory restart copy" },
	{ KERN_INVALID_PROCESSOR_SET, "(os/kern) invalid processor set" },
	{ KERN_POLICY_LIMIT, "(os/kern) policy limit" },
	{ KERN_INVALID_POLICY, "(os/kern) invalid policy" },
	{ KERN_INVALID_OBJECT, "(os/kern) invalid object" },
	{ KERN_ALREADY_WAITING, "(os/kern) already waiting" },
	{ KERN_DEFAULT_SET, "(os/kern) default set" },
	{ KERN_EXCEPTION_PROTECTED, "(os/kern) exception protected" },
	{ KERN_INVALID_LEDGER, "(os/kern) invalid ledger" },
	{ KERN_INVALID_MEMORY_CONTROL, "(os/kern) invalid memory control" },
	{ KERN_INVALID_SECURITY, "(os/kern) invalid security" },
	{ KERN_NOT_DEPRESSED, "(os/kern) not depressed" },
	{ KERN_TERMINATED, "(os/kern) object terminated" },
	{ KERN_LOCK_SET_DESTROYED, "(os/kern) lock set destroyed" },
	{ KERN_LOCK_UNSTABLE, "(os/kern) lock unstable" },
	{ KERN_LOCK_OWNED, "(os/kern) lock owned by another" },
	{ KERN_LOCK_OWNED_SELF, "(os/kern) lock owned by self" },
	{ KERN_SEMAPHORE_DESTROYED, "(os/kern) semaphore destroyed" },
	{ KERN_RPC_SERVER_TERMINATED, "(os/kern) RPC terminated" },
	{ KERN_RPC_TERMINATE_ORPHAN, "(os/kern) terminate orphan" },
	{ KERN_RPC_CONTINUE_ORPHAN, "(os/kern) let orphan continue" },
	{ KERN_NOT_SUPPORTED, "(os/kern) service not supported" },
	{ KERN_NODE_DOWN, "(os/kern) remote node down" },
	{ KERN_NOT_WAITING, "(os/kern) thread not waiting" },
	{ KERN_OPERATION_TIMED_OUT, "(os/kern) operation timed out" },
	{ KERN_CODESIGN_ERROR, "(os/kern) code signing error" },
	{ KERN_POLICY_STATIC, "(os/kern) policy is static" },
	{ KERN_INSUFFICIENT_BUFFER_SIZE, "(os/kern) insufficient input buffer size" },
	{ KERN_DENIED, "(os/kern) denied by security policy" },
	{ KERN_MISSING_KC, "(os/kern) missing kernel collection" },
	{ KERN_INVALID_KC, "(os/kern) invalid kernel collection" },
	{ KERN_NOT_FOUND, "(os/kern) result not found" },
	{ MACH_SEND_IN_PROGRESS, "(ipc/send) send in progress" },
	{ MACH_SEND_INVALID_DATA, "(ipc/send) invalid data" },
	{ MACH_SEND_INVALID_DEST, "(ipc/send) invalid destination port" },
	{ MACH_SEND_TIMED_OUT, "(ipc/send) timed out" },
	{ MACH_SEND_INVALID_VOUCHER, "(ipc/send) invalid voucher" },
	{ MACH_SEND_INTERRUPTED, "(ipc/send) interrupted" },
	{ MACH_SEND_MSG_TOO_SMALL, "(ipc/send) message too small" },
	{ MACH_SEND_INVALID_REPLY, "(ipc/send) invalid reply port" },
	{ MACH_SEND_INVALID_RIGHT, "(ipc/send) invalid port right" },
	{ MACH_SEND_INVALID_NOTIFY, "(ipc/send) invalid notify port" },
	{ MACH_SEND_INVALID_MEMORY, "(ipc/send) invalid out-of-line memory" },
	{ MACH_SEND_NO_BUFFER, "(ipc/send) no message buffer" },
	{ MACH_SEND_TOO_LARGE, "(ipc/send) message too large" },
	{ MACH_SEND_INVALID_TYPE, "(ipc/send) invalid descriptor type" },
	{ MACH_SEND_INVALID_HEADER, "(ipc/send) invalid header" },
	{ MACH_SEND_INVALID_TRAILER, "(ipc/send) invalid trailer" },
	{ MACH_SEND_INVALID_CONTEXT, "(ipc/send) invalid context" },
	{ MACH_SEND_INVALID_OPTIONS, "(ipc/send) invalid options" },
	{ MACH_SEND_INVALID_RT_OOL_SIZE, "(ipc/send) invalid real-time OOL size" },
	{ MACH_SEND_NO_GRANT_DEST, "(ipc/send) destination does not accept rights" },
	{ MACH_SEND_MSG_FILTERED, "(ipc/send) message filtered" },
	{ MACH_SEND_AUX_TOO_SMALL, "(ipc/send) auxiliary data too small" },
	{ MACH_SEND_AUX_TOO_LARGE, "(ipc/send) auxiliary data too large" },
	{ MACH_RCV_IN_PROGRESS, "(ipc/rcv) receive in progress" },
	{ MACH_RCV_INVALID_NAME, "(ipc/rcv) invalid name" },
	{ MACH_RCV_TIMED_OUT, "(ipc/rcv) timed out" },
	{ MACH_RCV_TOO_LARGE, "(ipc/rcv) message too large" },
	{ MACH_RCV_INTERRUPTED, "(ipc/rcv) interrupted" },
	{ MACH_RCV_PORT_CHANGED, "(ipc/rcv) port moved into set" },
	{ MACH_RCV_INVALID_NOTIFY, "(ipc/rcv) invalid notify port" },
	{ MACH_RCV_INVALID_DATA, "(ipc/rcv) invalid message buffer" },
	{ MACH_RCV_PORT_DIED, "(ipc/rcv) port died" },
	{ MACH_RCV_IN_SET, "(ipc/rcv) port is in a set" },
	{ MACH_RCV_HEADER_ERROR, "(ipc/rcv) header error" },
	{ MACH_RCV_BODY_ERROR, "(ipc/rcv) body error" },
	{ MACH_RCV_INVALID_TYPE, "(ipc/rcv) invalid descriptor type" },
	{ MACH_RCV_SCATTER_SMALL, "(ipc/rcv) scatter list too small" },
	{ MACH_RCV_INVALID_TRAILER, "(ipc/rcv) invalid trailer" },
	{ MACH_RCV_IN_PROGRESS_TIMED, "(ipc/rcv) timed receive in progress" },
	{ MACH_RCV_INVALID_REPLY, "(ipc/rcv) invalid reply port" },
	{ MACH_RCV_INVALID_ARGUMENTS, "(ipc/rcv) invalid arguments" },
	{ MIG_TYPE_ERROR, "(ipc/mig) type check error" },
	{ MIG_REPLY_MISMATCH, "(ipc/mig) wrong reply message ID" },
	{ MIG_REMOTE_ERROR, "(ipc/mig) server detected error" },
	{ MIG_BAD_ID, "(ipc/mig) bad request message ID" },
	{ MIG_BAD_ARGUMENTS, "(ipc/mig) server found wrong arguments" },
	{ MIG_NO_REPLY, "(ipc/mig) no reply should be sent" },
	{ MIG_EXCEPTION, "(ipc/mig) server raised exception" },
	{ MIG_ARRAY_TOO_LARGE, "(ipc/mig) array not large enough" },
	{ MIG_SERVER_DIED, "(ipc/mig) server died" },
	{ MIG_TRAILER_ERROR, "(ipc/mig) trailer has an unknown format" },
	{ BOOTSTRAP_NOT_PRIVILEGED, "(bootstrap) permission denied" },
	{ BOOTSTRAP_NAME_IN_USE, "(bootstrap) service name already in use" },
	{ BOOTSTRAP_UNKNOWN_SERVICE, "(bootstrap) unknown service name" },
	{ BOOTSTRAP_SERVICE_ACTIVE, "(bootstrap) service already active" },
	{ BOOTSTRAP_BAD_COUNT, "(bootstrap) too many lookups" },
	{ BOOTSTRAP_NO_MEMORY, "(bootstrap) out of memory" },
	{ BOOTSTRAP_NO_CHILDREN, "(bootstrap) no children" },
};

static const char *lm_error_lookup(mach_error_t e)
{
	size_t i;

	for (i = 0; i < sizeof(lm_errors) / sizeof(lm_errors[0]); i++)
		if (lm_errors[i].code == e)
			return lm_errors[i].text;
	return NULL;
}

/*
 * XNU's old codes: -100.. send, -200.. receive, -300.. MIG errors are
 * read as the (ipc/send), (ipc/rcv) and (ipc/mig) codes they became.
 */
static mach_error_t lm_error_compat(mach_error_t e)
{
	if (e > -200 && e <= -100)
		return -(e + 100) | err_system(4) | err_sub(0);
	if (e > -300 && e <= -200)
		return -(e + 200) | err_system(4) | err_sub(1);
	if (e > -400 && e <= -300)
		return -(e + 300) | err_system(4) | err_sub(2);
	return e;
}

/*
 * Not in the table: what XNU's libsyscall says for a code its tables do
 * not name.  The systems it has no table for (5 to 0x3f but the library
 * ones) get "(?/?) unknown error system", where XNU has no text at all.
 */
static const char *lm_error_unknown(mach_error_t e)
{
	unsigned int sys = err_get_system(e), sub = err_get_sub(e);

	switch (sys) {
	case 0:
		return sub < 4 ? "unknown error code" :
				 "(operating system/?) unknown subsystem error";
	case 1:
		return "(user space/?) unknown subsystem error";
	case 3:
	case 4:
		return sub < 3 ? "unknown error code" :
				 "(ipc/?) unknown subsystem error";
	default:
		return "(?/?) unknown error system";
	}
}

/* The text of a code the tables name (after the legacy mapping), or NULL. */
static const char *lm_error_known(mach_error_t e)
{
	const char *s;

	/* The MIG codes keep their old numbers in the headers (-300..). */
	if (err_get_system(e) == 4 && err_get_sub(e) == 2)
		return lm_error_lookup(-(mach_error_t)err_get_code(e) - 300);
	s = lm_error_lookup(e);

	/* Receive and send codes may carry MACH_MSG_MASK bits. */
	if (!s && err_get_system(e) == 4)
		s = lm_error_lookup(e & ~MACH_MSG_MASK);
	return s;
}

/* As XNU, the legacy codes (-100 to -399) are mapped before the lookup. */
LM_EXPORT char *mach_error_string(mach_error_t error_value)
{
	mach_error_t e = lm_error_compat(error_value);
	const char *s = lm_error_known(e);

	return (char *)(s ? s : lm_error_unknown(e));
}

LM_EXPORT char *mach_error_type(mach_error_t error_value)
{
	static const char *const ipc[] = { "(ipc/send)", "(ipc/rcv)",
					   "(ipc/mig)" };
	static const char *const os[] = { "(os/kern)", "(os/?)", "(os/?)",
					  "(os/unix)" };
	mach_error_t e = lm_error_compat(error_value);
	unsigned int sub = err_get_sub(e);

	switch (err_get_system(e)) {
	case 0:
		return (char *)(sub < 4 ? os[sub] : "(?/?)");
	case 3:
	case 4:
		return (char *)(sub < 3 ? ipc[sub] : "(?/?)");
	default:
		return (char *)"(?/?)";
	}
}

/*
 * As XNU's: a named code prints its text only; one its tables do not
 * name adds the type and the code in hex ("%s %s %s (%x)").
 */
LM_EXPORT void mach_error(const char *str, mach_error_t error_value)
{
	mach_error_t e = lm_error_compat(error_value);

	if (lm_error_known(e))
		fprintf(stderr, "%s %s\n", str, mach_error_string(e));
	else
		fprintf(stderr, "%s %s %s (%x)\n", str, mach_error_type(e),
			mach_error_string(e), (unsigned int)e);
}
