// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/PID/fdinfo/FD of a space: its owner, its names by kind, and one
 * line per port it receives from.  Read-only: dead names are reported as
 * such without converting them.
 */

#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/seq_file.h>

#include <linux/machipc.h>

#include "account.h"
#include "entry.h"
#include "fdinfo.h"
#include "port.h"
#include "pset.h"
#include "space.h"

void machipc_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct machipc_space *space = file->private_data;
	unsigned int receive = 0, send = 0, send_once = 0, sets = 0, dead = 0;
	struct machipc_entry *entry;
	unsigned long name;

	mutex_lock(&space->lock);
	/* The owner as the reader knows it (0 if not in its namespace). */
	seq_printf(m, "machipc-owner:\t%d\n",
		   pid_nr_ns(space->owner, task_active_pid_ns(current)));
	seq_printf(m, "machipc-state:\t%s\n", space->dead ? "dead" : "live");
	seq_printf(m, "machipc-account:\tusage %lld limit %llu hwm %lld failures %lld\n",
		   atomic64_read(&space->account->usage),
		   READ_ONCE(space->account->limit),
		   atomic64_read(&space->account->hwm),
		   atomic64_read(&space->account->failures));
	seq_printf(m, "machipc-process:\tusage %lld limit %llu hwm %lld failures %lld spaces %d\n",
		   atomic64_read(&space->process->usage),
		   READ_ONCE(space->process->limit),
		   atomic64_read(&space->process->hwm),
		   atomic64_read(&space->process->failures),
		   atomic_read(&space->process->spaces));
	xa_for_each(&space->names, name, entry) {
		bool port_dead = entry->port && machipc_port_is_dead(entry->port);

		if (entry->rights & MACHIPC_RIGHT_RECEIVE)
			receive++;
		else if ((entry->rights & MACHIPC_RIGHT_DEAD_NAME) ||
			 (port_dead && entry->rights))
			dead++;
		if ((entry->rights & MACHIPC_RIGHT_SEND) && !port_dead)
			send++;
		if ((entry->rights & MACHIPC_RIGHT_SEND_ONCE) && !port_dead)
			send_once++;
		if (entry->rights & MACHIPC_RIGHT_PORT_SET)
			sets++;
	}
	seq_printf(m, "machipc-names:\treceive %u send %u send-once %u port-set %u dead %u\n",
		   receive, send, send_once, sets, dead);
	xa_for_each(&space->names, name, entry) {
		struct machipc_port *port = entry->port;

		if (!(entry->rights & MACHIPC_RIGHT_RECEIVE))
			continue;
		spin_lock(&port->lock);
		seq_printf(m, "machipc-port:\tname %#x queued %u qlimit %u seqno %llu mscount %u srights %u sorights %u pset %#x\n",
			   entry->name, port->msgcount, port->qlimit,
			   port->seqno, port->mscount, port->srights,
			   port->sorights,
			   port->pset ? port->pset->name : 0);
		spin_unlock(&port->lock);
	}
	mutex_unlock(&space->lock);
}
