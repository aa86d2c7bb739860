/* session_client.h: kzlaunch's end of a connection to the helper, the peer of
 * helper/session.c (doc/protocol.md): connect to RUNDIR/REL.sock, send a request, read the
 * answers, and the CALL hand-off.  Needs no privilege: the helper decides from the peer's
 * credentials.  Never exits: every failure is a kz_err for the runner to report. */
#ifndef KZ_SESSION_CLIENT_H
#define KZ_SESSION_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "msg.h"
#include "proto.h"

/* A connection to one node's helper; `node` names it in messages. */
struct client {
	int fd;
	const char *node;
	const char *asking; /* said after the right a DENIED names ("for M:F"); NULL: nothing */
	uint8_t buf[PROTO_MAX_PAYLOAD];
	struct proto_frame f; /* the last frame read; its payload is in buf */
};

/* Results of client_connect and client_request besides -1 (err set). */
enum { CLIENT_NOT_RUNNING = 0, CLIENT_OK = 1, CLIENT_TIMED_OUT = 2 };

/* Connects to RUNDIR/REL.sock.  CLIENT_NOT_RUNNING when no helper answers there (no socket,
 * or a stale one); -1 on anything else (EX_CONFIG: a path too long; EX_NOPERM; 1). */
int client_connect(struct client *c, const char *rundir, const char *rel, const char *node, struct kz_err *err);
/* The request and its first answer (in c->f), each within a bound: a helper that takes longer
 * is stuck.  CLIENT_NOT_RUNNING when the helper went away, which means the node did; -1 when
 * it refused (EX_NOPERM naming the missing right), turned the connection away, did not answer
 * or the socket failed (1).  Afterwards reads and writes wait as long as the node lives. */
int client_request(struct client *c, uint8_t type, const void *payload, uint16_t len, struct kz_err *err);
/* The next frame into c->f: 0, or -1 when the connection closed, broke, or the helper
 * refused (DENIED, ERROR). */
int client_next(struct client *c, struct kz_err *err);
/* One frame to the helper: 0, or -1. */
int client_send(struct client *c, uint8_t type, const void *payload, uint16_t len, struct kz_err *err);
void client_close(struct client *c);

/* What the helper hands over for a call. */
struct call_handover {
	int conn_fd;       /* the node's connection */
	char *self;        /* the name it was made under (allocated) */
	unsigned creation;
	char *node;        /* the node's name, as its helper knows it (allocated) */
};

/* Asks a connected helper for a connection to the node (a CALL named `what` for its log, the
 * handshake bounded by ms), with *out filled; the caller keeps c open while it uses the
 * connection (its name is leased that long).  CLIENT_OK; CLIENT_NOT_RUNNING when the helper
 * went away; -1 when it refuses (77 without the attach right) or cannot connect (1). */
int client_call(struct client *c, const char *what, unsigned ms, struct call_handover *out, struct kz_err *err);

/* How a call the helper made for its client ended: DONE, and the RESULT frames' text
 * (allocated, NUL-ended; NULL with len 0 when none came). */
struct client_call_end {
	struct msg_done done;
	char *result;
	size_t len;
};

/* Asks a connected helper to make a call itself (SUP or PING, payload encoded by msg.h) and
 * reads what it relays until DONE: what the function prints goes to out as it comes, the
 * result into *end.  deadline (fd_now_ms()'s clock, -1: none) bounds the whole wait: the
 * connection is closed then, and with it the call on the node.  CLIENT_OK; CLIENT_TIMED_OUT;
 * CLIENT_NOT_RUNNING when the helper went away before it answered; -1 when it refused (77
 * naming the right, then c->asking), failed the call (its ERROR) or the socket did (1). */
int client_made_call(struct client *c, uint8_t type, const void *payload, uint16_t len, long deadline,
		     void (*out)(void *arg, const char *bytes, size_t len), void *arg, struct client_call_end *end,
		     struct kz_err *err);

#endif
