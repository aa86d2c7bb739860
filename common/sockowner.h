/* sockowner.h: who holds the TCP socket listening on a port of this host, as the kernel
 * tells (/proc/self/net/tcp and tcp6 give the socket's uid and inode, /proc/PID/fd who holds
 * it).  A name in epmd proves nothing: any local user may register any name there and
 * listen.  So before kzlaunch proves a node's cookie to a port, it checks here that the
 * port is the node's (doc/distribution.md, "Who is at the port").  Never exits or prints. */
#ifndef KZ_SOCKOWNER_H
#define KZ_SOCKOWNER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Who the node is: its user, and its process where the caller knows it (0: not known). */
struct sockowner_want {
	uid_t uid;
	pid_t pid;
};

/* True when addr is one of this host's own: loopback, or an address of an interface. */
bool sockowner_is_local(struct in_addr addr);

/* 0 when something listens on `port` and every listening socket on it belongs to want->uid
 * and, with want->pid, is held by that process (when this process may see its descriptors:
 * otherwise the user decides).  Else -1 with err (KZ_EXIT_FAIL) naming `node`, the port and
 * who holds it: its uid, and its pid where this process can see it. */
int sockowner_check(const char *node, uint16_t port, const struct sockowner_want *want, struct kz_err *err);

/* For a message about a name that someone registered: "uid U (pid P)" of whoever listens
 * on port, or "nobody on this host" (allocated; NULL when out of memory). */
char *sockowner_describe(uint16_t port);

#endif
