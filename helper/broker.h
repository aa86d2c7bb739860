/* broker.h: the one part of the helper that holds the node's cookie.  A process of its own,
 * forked before the helper's sandbox, as the node's user with no capability, under an
 * allow-list of its own (sandbox.h) from before its first request: asked for a connection
 * under one of the helper's names, it shakes hands with the node (dist.h), hands the socket
 * back and forgets it.  Calls are served one at a time, so a handshake that hangs (a node
 * stopped with SIGSTOP) holds up the calls behind it, never the console or the other clients.
 * After the handshake a connection needs no cookie: the client that gets it never sees one.
 * What goes between the helper and the broker is brokermsg.h's. */
#ifndef KZ_BROKER_H
#define KZ_BROKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "brokermsg.h"
#include "err.h"

/* Forks the broker for `node`, the process node_pid, with the cookies it may need (the one
 * the node boots with, then the one Kazoo's kazoo_apps_init sets later, if any): the helper's
 * end of their channel, or -1 with err.  The broker proves a cookie only to a port the node's
 * process listens on (sockowner.h).  The caller wipes its copies once this returns. */
int broker_start(const char *node, pid_t node_pid, char *const cookies[], size_t ncookies, struct kz_err *err);

#endif
