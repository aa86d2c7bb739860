/* request.h: what a connected client asks (the request table, rights.h) and the frames it
 * sends after, served for session.c, which owns the connection and drops it when told. */
#ifndef KZ_REQUEST_H
#define KZ_REQUEST_H

#include "rights.h"
#include "session.h"

/* One frame from c: NULL when served, else why c is to be dropped.  *ev gains the node's
 * transitions (NODE_EV_) it began. */
const char *request_frame(struct sessions *ss, struct session *c, const struct proto_frame *f, unsigned *ev);
/* The broker's answer to c's call (c NULL: its client has gone): the connection handed over,
 * or the error told.  NULL, or why c is to be dropped.  Closes a's connection. */
const char *request_call_answer(struct sessions *ss, struct session *c, struct broker_answer *a);
/* A call's name leased for c (calls.h): true with the standby's connection in *conn, to be
 * used at once; false when the broker is asked (c waits in SESSION_CALLING for
 * request_call_answer) or there is none (c is told why and closes). */
bool request_lease(struct sessions *ss, struct session *c, uint32_t handshake_ms, struct broker_answer *conn);
/* An ERROR to c, then close. */
void request_fail(struct session *c, const char *why);
/* STOPPING toward c, unless it has heard it already. */
void request_tell_stopping(struct session *c);
/* INFO toward c, as STATUS is answered. */
void request_info(const struct sessions *ss, struct session *c);
/* Whether the peer holds right r. */
bool request_allowed(const struct sessions *ss, const struct session *c, enum rights_right r);
/* "peer uid= gid= pid=: what: verdict" to the log. */
void request_audit(const struct session *c, const char *what, const char *verdict);

#endif
