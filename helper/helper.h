/* helper.h: one kzlaunch-helper, as a composition of its parts, each a struct written only by
 * its own file (main.c sets them up): the node (nodeproc.c), the broker's channel (brokermsg.c),
 * readiness and the warden's channel (ready.c), the calls' names (calls.c), whether the node
 * still answers (watchdog.c), the connections
 * (session.c), and the console as the loop reads it (loop.c).  The parts hold pointers to
 * what they read or call down into; they never call each other's way up, and the node's
 * transitions reach them through the loop's table.  This header declares no function. */
#ifndef KZ_HELPER_H
#define KZ_HELPER_H

#include "brokermsg.h"
#include "calls.h"
#include "conlog.h"
#include "nodeproc.h"
#include "ready.h"
#include "ring.h"
#include "session.h"
#include "watchdog.h"

/* loop.c's: the node's output goes to the log, the replay ring and the attached clients. */
struct console {
	struct conlog *log;
	struct ring replay;
	long log_since;          /* the loop's clock when the log's buffer took its oldest byte */
};

struct helper {
	struct node node;
	struct broker_link broker;
	struct ready ready;
	struct calls calls;
	struct watchdog watchdog;
	struct sessions sessions;
	struct console console;
	int sig_fd;              /* SIGCHLD, SIGTERM, SIGINT, SIGABRT, SIGHUP, SIGPIPE, as the loop reads them */
};

#endif
