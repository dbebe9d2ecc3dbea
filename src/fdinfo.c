// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/PID/fdinfo/FD of a space: its owner, its names by kind, one line
 * per port it receives from and one per name (machipc-ls reads them; proc
 * lets only those who may ptrace-read the owner open the file).  Read-only:
 * dead names are reported as such without converting them.
 */

#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/seq_file.h>

#include <linux/machipc.h>

#include "account.h"
#include "entry.h"
#include "fdinfo.h"
#include "notify.h"
#include "port.h"
#include "pset.h"
#include "space.h"

/*
 * One line per name, for machipc-ls: its rights, user references, the id
 * of its port (which matches the receive right's line in the receiver's
 * fdinfo) and whether this space asked for a dead-name notification on it.
 * A name whose port died shows as the dead name it will become.
 */
static void machipc_show_name(struct seq_file *m, struct machipc_space *space,
			      struct machipc_entry *entry)
{
	struct machipc_port *port = entry->port;
	u32 rights = entry->rights, pset = 0;
	u32 urefs = machipc_entry_urefs(entry);
	struct machipc_notify *dn;
	bool dnrequest = false;
	u64 id = 0;

	if (!rights)
		return;		/* a receive's placeholder */
	if (port && !(rights & MACHIPC_RIGHT_RECEIVE) &&
	    machipc_port_is_dead(port)) {
		if (!(rights & MACHIPC_RIGHT_SEND))
			urefs = 1;	/* a send-once right */
		/* As the conversion will count it (machipc_entry_check_dead()). */
		if ((entry->flags & MACHIPC_ENTRY_DNREQUEST_UREF) &&
		    urefs < MACHIPC_UREFS_MAX)
			urefs++;
		rights = MACHIPC_RIGHT_DEAD_NAME;
		port = NULL;
	}
	if (port) {
		id = port->id;
		spin_lock(&port->lock);
		if ((rights & MACHIPC_RIGHT_RECEIVE) && port->pset)
			pset = port->pset->name;
		list_for_each_entry(dn, &port->dnrequests, link) {
			if (dn->space_id == space->id &&
			    dn->name == entry->name) {
				dnrequest = true;
				break;
			}
		}
		spin_unlock(&port->lock);
	}
	seq_printf(m, "machipc-name:\tname %#x rights %#x urefs %u id %llu pset %#x requests %s\n",
		   entry->name, rights, urefs, id, pset,
		   dnrequest ? "dead-name" : "-");
}

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
	seq_printf(m, "machipc-space:\t%llu\n", space->id);
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
		seq_printf(m, "machipc-port:\tname %#x queued %u qlimit %u seqno %llu mscount %u srights %u sorights %u pset %#x id %llu requests %s\n",
			   entry->name, port->msgcount, port->qlimit,
			   port->seqno, port->mscount, port->srights,
			   port->sorights,
			   port->pset ? port->pset->name : 0, port->id,
			   port->nsrequest ? (port->pdrequest ?
					      "no-senders,port-destroyed" :
					      "no-senders") :
			   port->pdrequest ? "port-destroyed" : "-");
		spin_unlock(&port->lock);
	}
	xa_for_each(&space->names, name, entry)
		machipc_show_name(m, space, entry);
	mutex_unlock(&space->lock);
}
