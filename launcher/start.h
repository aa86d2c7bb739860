/* start.h: `kzlaunch REL start`: the node under kzlaunch-helper. */
#ifndef KZ_START_H
#define KZ_START_H

#include "execline.h"
#include "node.h"

/* Execs the helper with the node's command line.  Under systemd (NOTIFY_SOCKET) the helper
 * takes this process's place and reports READY=1 itself; elsewhere it is forked away and
 * this returns 0 once the node has booted, or 1 when it ended while starting (its last
 * output shown), or dies when it gives up after start_timeout with the node left running. */
int start_node(const struct node *n, const struct execline *line);

#endif
