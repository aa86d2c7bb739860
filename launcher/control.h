/* control.h: the operator's side of the helper's socket: attach, stop, status, pid. */
#ifndef KZ_CONTROL_H
#define KZ_CONTROL_H

#include <stdnoreturn.h>

#include "args.h"
#include "node.h"

/* Connects to RUNDIR/REL.sock: the descriptor, or -1 when no helper answers there
 * (no socket, or a stale one).  Dies on anything else. */
int control_connect(const char *rundir, const char *rel);

noreturn void control_run(const struct node *n, const struct args *a);

/* status --all: one line for each node type with a policy in the policy folder (the one
 * KZLAUNCH_POLICY names a file of, else /etc/kzlaunch) or a socket in RUNDIR, in name
 * order; exits 0 when every one is running, 3 otherwise. */
noreturn void control_status_all(const struct args *a);

/* What the helper hands over for a call. */
struct control_call {
	int conn_fd;       /* the node's connection */
	char *self;        /* the name it was made under (allocated) */
	unsigned creation;
	char *node;        /* the node's name, as its helper knows it (allocated) */
};

/* Asks the helper for a connection to the node (a CALL named `what` for its log, the
 * handshake bounded by ms): the helper's socket, which the caller keeps open while it uses the
 * connection (its name is leased that long), with *out filled; -1 when no helper serves the
 * node.  Dies when the helper refuses (77 without the attach right) or cannot connect (1).
 * n needs only its args and a name for messages. */
int control_call(const struct node *n, const char *what, unsigned ms, struct control_call *out);

#endif
