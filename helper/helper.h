/* helper.h: the state of one kzlaunch-helper, whose parts belong to their own files: the
 * node (child.h), its sessions (session.h), the readiness probe (ready.h).  One instance,
 * made by main.c and passed explicitly; this header declares no function. */
#ifndef KZ_HELPER_H
#define KZ_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "broker.h"
#include "child.h"
#include "conlog.h"
#include "dist.h"
#include "policy.h"
#include "ring.h"
#include "session.h"
#include "sock.h"

struct helper {
	const char *rel;
	const struct policy *policy; /* without a file: only root and the caller's uid control it */
	uid_t owner_uid;             /* the node's user */

	struct child node;
	int listen_fd;
	int spare_fd;                /* /dev/null, given up for a moment when accept meets EMFILE */
	bool out_of_fds;             /* the last accept met EMFILE or ENFILE (logged once) */
	int sig_fd;
	int ready_fd;                /* pipe to `kzlaunch start`, -1 when none */
	const struct sock_claim *sock; /* the socket as bound: its inode is told with "up" */
	int warden_fd;               /* channel to the warden (warden.h), -1 once it closed */

	/* ready.c's: epmd is asked every READY_PROBE_MS whether it knows the node yet */
	int probe_timer;
	int probe_fd;                /* epmd connection in progress, -1 when none */
	bool probe_connecting;       /* waiting for the probe's connect to complete */
	bool registered;             /* epmd knows the node: the broker asks about its boot now */
	bool boot_unconfirmed;       /* up by epmd's word: the node refused the broker's cookie */
	bool boot_pending;           /* a boot probe is with the broker */
	long boot_asked_ms;
	uint16_t epmd_port;

	/* calls: the broker (broker.h) and which of the helper's names each call holds */
	int broker_fd;               /* -1 once the broker is gone */
	uint32_t name_owner[DIST_HELPER_NAMES]; /* the call id holding each name, 0 when free */
	uint32_t last_call_id;
	int last_name;               /* the name handed out last: the next call takes the one after */
	int standby_name;            /* the name set aside for the standby (session.h), -1 when none */
	struct broker_answer standby; /* the standby held: fd -1 when none (yet) */

	struct conlog *log;
	struct ring replay;
	struct session *sessions[SESSION_MAX];
	size_t nsessions;
};

#endif
