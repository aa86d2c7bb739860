/* sandbox.h: the seccomp allow-lists of the helper, its warden and its broker.  The one file that says
 * which system calls each may make once it has dropped its privileges, and why each. */
#ifndef KZ_SANDBOX_H
#define KZ_SANDBOX_H

#include <sys/types.h>

#include "err.h"

/* Loads the filter for the rest of this process's life.  `node` is the only process it may
 * signal (SIGTERM, SIGKILL; also its process group -node).  Any call not allowed kills the
 * process with SIGSYS.  Needs no_new_privs already set (it sets it if not). */
int sandbox_enter(pid_t node, struct kz_err *err);

/* What the warden's filter lets it touch: its one child, the channel to it, its own
 * signalfd, the socket's lock and, under systemd, NOTIFY_SOCKET's connection (-1 when none).  It may signal
 * nobody: stop requests travel on the channel. */
struct sandbox_warden {
	pid_t helper;
	int chan;
	int sig_fd;
	int notify_fd;
	int lock_fd;
};

int sandbox_enter_warden(const struct sandbox_warden *w, struct kz_err *err);

/* The broker's: the node's connections, epmd, NSS's lookups of the node's host, /proc read
 * only for the socket-owner check; connections passed on `chan`, the helper's, alone.  It
 * may signal nobody.  The caller has looked the host up once already (broker.c). */
int sandbox_enter_broker(int chan, struct kz_err *err);

#endif
