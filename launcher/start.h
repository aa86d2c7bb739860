/* start.h: `kzlaunch REL start`: the node under kzlaunch-helper. */
#ifndef KZ_START_H
#define KZ_START_H

#include <stdnoreturn.h>

#include "execline.h"
#include "node.h"

/* Execs the helper with the node's command line.  Under systemd (NOTIFY_SOCKET) the helper
 * takes this process's place and reports READY=1 itself; elsewhere it is forked away and
 * this returns (exits) once the node has booted, fails with the node's last output, or gives
 * up after start_timeout with the node left running. */
noreturn void start_node(const struct node *n, const struct execline *line);

#endif
