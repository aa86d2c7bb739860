/* status.h: `status`, `pid` and `stop` of a started node, over its helper's socket
 * (actions.h's runners). */
#ifndef KZ_STATUS_H
#define KZ_STATUS_H

#include "args.h"

/* "NODE is running (...)": 0 running, 3 not running.  With --all, a line for every node type
 * with a policy in the policy folder (the one KZLAUNCH_POLICY names a file of, else
 * /etc/kzlaunch) or a socket in RUNDIR, in name order: 0 when every one is running, else 3. */
int status_run(const struct args *a);
/* The node's pid: 0, 3 not running. */
int pid_run(const struct args *a);
/* SIGTERM, then SIGKILL after the policy's stop_timeout; the node's exit status printed: 0,
 * also when it was not running. */
int stop_run(const struct args *a);
/* init:restart() on the node (relx's and mix's restart: the OS pid, the helper, its log and
 * attached clients stay), and back once its boot has finished again: 0; 69 not running; 1
 * when it is not back within the policy's start_timeout. */
int restart_run(const struct args *a);

#endif
