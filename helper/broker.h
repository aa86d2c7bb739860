/* broker.h: the one part of the helper that holds the node's cookie.  A process of its own,
 * forked before the sandbox, as the node's user with no capability: asked for a connection
 * under one of the helper's names, it shakes hands with the node (dist.h), hands the socket
 * back and forgets it.  Calls are served one at a time, so a handshake that hangs (a node
 * stopped with SIGSTOP) holds up the calls behind it, never the console or the other clients.
 * After the handshake a connection needs no cookie: the client that gets it never sees one. */
#ifndef KZ_BROKER_H
#define KZ_BROKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define BROKER_TEXT_MAX 256

/* A boot probe's verdict. */
enum broker_boot {
	BROKER_BOOT_STARTING, /* not yet, or no answer: text says which */
	BROKER_BOOT_STARTED,
	BROKER_BOOT_REFUSED,  /* the node refused every cookie: asking again would only put a
			       * rejected connection in its log each time */
};

/* One answer: the connection and the name and creation it was made under, or why not; for a
 * boot probe, its verdict. */
struct broker_answer {
	uint32_t id;       /* as asked */
	int fd;            /* the connection, close-on-exec; -1 when there is none */
	uint32_t creation; /* a connection's: the creation the handshake gave the name */
	enum broker_boot boot; /* id BROKER_BOOT_ID only */
	char text[BROKER_TEXT_MAX]; /* the name the handshake announced, or the error */
};

/* The helper's end of the broker's channel: fd -1 once the broker is gone.  Written only
 * here (broker_read marks it gone); the parts that ask hold it as const. */
struct broker_link {
	int fd;
};

/* Forks the broker for `node`, the process node_pid, with the cookies it may need (the one
 * the node boots with, then the one Kazoo's kazoo_apps_init sets later, if any): the helper's
 * end of their channel, or -1 with err.  The broker proves a cookie only to a port the node's
 * process listens on (sockowner.h).  The caller wipes its copies once this returns. */
int broker_start(const char *node, pid_t node_pid, char *const cookies[], size_t ncookies, struct kz_err *err);

/* The ids of boot probes' and standbys' answers (calls' ids count up from 1 and never reach
 * them). */
#define BROKER_BOOT_ID 0xffffffffu
#define BROKER_STANDBY_ID 0xfffffffeu

/* Asks whether the node's boot has finished (init:get_status() is {started, started}), over a
 * connection of the broker's own under DIST_PROBE_NAME, kept until it has.  The answer has
 * id BROKER_BOOT_ID, fd -1, and its verdict in boot (text says what the node answered or why
 * it could not).  0, or -1 when the broker is gone. */
int broker_ask_boot(const struct broker_link *b);

/* Asks for a connection under name (0 to DIST_HELPER_NAMES - 1), its handshake bounded by
 * ms (0: DIST_HANDSHAKE_MS); the answer carries id.  0, or -1 when the broker is gone. */
int broker_ask(const struct broker_link *b, uint32_t id, unsigned name, uint32_t ms);

/* The same for a connection no call has asked for yet, the helper's standby (calls.h):
 * the answer carries BROKER_STANDBY_ID. */
int broker_ask_standby(const struct broker_link *b, unsigned name);

/* One answer: 1 with *a, 0 when none is there yet, -1 when the broker is gone (its end is
 * closed then, and b->fd is -1 from then on). */
int broker_read(struct broker_link *b, struct broker_answer *a);

#endif
