/* sock.h: the unix sockets the helper opens before it drops privileges. */
#ifndef KZ_SOCK_H
#define KZ_SOCK_H

#include "err.h"

/* Binds and listens on `path` (mode 0666: every peer is authorised by SO_PEERCRED). */
int sock_listen(const char *path, struct kz_err *err);

/* Connects a datagram socket to systemd's NOTIFY_SOCKET (a path, or @abstract). */
int sock_notify(const char *addr, struct kz_err *err);

#endif
