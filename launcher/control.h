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

#endif
