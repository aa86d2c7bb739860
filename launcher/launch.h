/* launch.h: the actions that run a node or read its cookie (actions.h's runners). */
#ifndef KZ_LAUNCH_H
#define KZ_LAUNCH_H

#include "args.h"

/* console, foreground and remote_console exec the VM and return only with --dry-run; start
 * returns once the node has booted (start.h).  The exit status. */
int launch_run(const struct args *a);
/* read-release-cookie: the cookie config.ini gives, on stdout. */
int read_cookie_run(const struct args *a);

#endif
