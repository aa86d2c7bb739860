/* warden.h: the half of kzlaunch-helper that keeps the caller's uid and nothing else. */
#ifndef KZ_WARDEN_H
#define KZ_WARDEN_H

#include "err.h"
#include "sock.h"

/* One byte each on the channel between helper and warden. */
#define WARDEN_READY 'R'    /* helper to warden: the node is up (READY=1) */
#define WARDEN_BOOTING 'B'  /* helper to warden: registered, still booting (STATUS=) */
#define WARDEN_STOPPING 'S' /* helper to warden: stopping it (STOPPING=1) */
#define WARDEN_UNCONFIRMED 'U' /* helper to warden, after READY: up as epmd says, its boot
				* unconfirmed (STATUS=) */
#define WARDEN_WATCHDOG 'G' /* helper to warden: the node answered a call in time (WATCHDOG=1) */
#define WARDEN_WAITING 'W'  /* helper to warden, a message of its own: 'W' and TEXT (at most
			     * WARDEN_TEXT_MAX bytes): booted, waiting for TEXT (STATUS=) */
#define WARDEN_TEXT_MAX 300
#define WARDEN_STOP 'T'     /* warden to helper: SIGTERM came, stop the node */
#define WARDEN_DUMP 'D'     /* warden to helper: systemd's watchdog fired (SIGABRT): dump the node */

struct warden_spec {
	const struct sock_claim *sock;
	int sig_fd;    /* a signalfd for SIGCHLD, SIGTERM, SIGINT, SIGABRT; each process reads its own */
	int notify_fd; /* NOTIFY_SOCKET's connection, -1 when none: the warden's alone */
	int listen_fd; /* the helper's alone */
	int ready_fd;  /* the helper's alone: `kzlaunch start` waits for it to close */
};

/* Forks.  The parent becomes the warden and never returns: it waits for the helper,
 * relays its READY, STOPPING, STATUS and WATCHDOG, turns SIGTERM and SIGINT into stop requests
 * and systemd's watchdog signal (SIGABRT, WatchdogSignal='s default) into a dump, removes the
 * socket and exits with the helper's status.  The child returns its end of the channel. */
int warden_split(const struct warden_spec *w, struct kz_err *err);

#endif
