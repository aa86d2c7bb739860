/* sock.h: the unix sockets the helper opens before it drops privileges. */
#ifndef KZ_SOCK_H
#define KZ_SOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

/* The control socket as made by this helper: removed only if it is still that one. */
struct sock_claim {
	const char *path;
	int lock_fd; /* RUNDIR/REL.lock, kept open to remove the socket under it; -1 when none */
	int pin_fd;  /* O_PATH of the socket: while open, its inode number cannot be reused */
	dev_t dev;
	ino_t ino;
};

/* Under `lock_path`: refuses a path held by a live helper (exit 1) or by something not a
 * socket (78), removes a dead helper's socket, then binds and listens on `path` (mode 0666,
 * from the umask: every peer is authorised by SO_PEERCRED), and refuses (1) when the path
 * no longer names that socket right after.  Returns the listening descriptor. */
int sock_claim(struct sock_claim *c, const char *path, const char *lock_path, struct kz_err *err);

/* Whether `path` still names the socket sock_claim made (not followed if a symlink). */
bool sock_still_ours(const struct sock_claim *c);

/* Under the lock, removes the socket if it is still the one sock_claim made.  Quietly does
 * nothing where this process's uid may not (root's RUNDIR, seen by the node's user). */
void sock_remove(const struct sock_claim *c);

/* Connects a datagram socket to systemd's NOTIFY_SOCKET (a path, or @abstract). */
int sock_notify(const char *addr, struct kz_err *err);

#endif
