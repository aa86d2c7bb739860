/* supcall.h: the calls the helper makes itself for a client who must not hold a connection
 * to the node (a holder of the sup right, README "Rights"): Kazoo's sup of a function the
 * policy lets it call (common/sup.h), and ping.  The client sends the module, the function
 * and binaries, and only that is called; the connection comes from calls.h under the name
 * the client's session leases.  What the function prints goes to the client as OUTPUT as it
 * comes, never faster than the client reads; then RESULT and DONE.  A client that goes away
 * takes its call with it: the connection is closed, and the node ends the call, which
 * capture.erl links to it.  request.c starts a call, session.c ends it with its session. */
#ifndef KZ_SUPCALL_H
#define KZ_SUPCALL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brokermsg.h"
#include "dist.h"
#include "msg.h"
#include "proto.h"
#include "session.h"
#include "sup.h"

struct supcall {
	bool ping;
	bool sup_only;          /* its client lacks attach (a sup holder, or a ping of any right's
				 * holder): counted for slots.h */
	char mod[MSG_ATOM_MAX + 1], fun[MSG_ATOM_MAX + 1]; /* SUP's, as request.c read them */
	uint8_t *request;       /* SUP's payload, its arguments kept until the connection comes */
	uint16_t request_len;
	struct dist_conn conn;  /* fd -1 until it comes, and again once the node has answered */
	uint8_t *in;            /* bytes from the node not yet taken, whole frames first */
	size_t len, cap;
	size_t relayed;         /* of the first frame's output, or of the result: queued already */
	bool stalled;           /* the client's queue is full: nothing more is read meanwhile */
	bool answered;          /* outcome holds the node's answer */
	struct sup_outcome outcome;
	bool over;              /* DONE or ERROR is queued: the session closes once it is sent */
};

/* A SUP or PING request its client may make (request.c checked the right and, for SUP, the
 * function mod:fun, NUL-ended names it read from f): a connection leased for it, and the
 * call made over it at once or once the broker has one.  NULL, or why to drop the client. */
const char *supcall_request(struct sessions *ss, struct session *c, const struct proto_frame *f, const char *mod,
			    const char *fun);

/* The broker's answer to a made call's lease (the session is SESSION_CALLING with c->made):
 * takes a->fd (-1 after) and makes the call, or tells the client why not. */
void supcall_connected(struct sessions *ss, struct session *c, struct broker_answer *a);

/* Its session is going: the connection is closed first, so the node ends the call. */
void supcall_free(struct supcall *m);

/* The loop's source row (loop.c), part the struct sessions: each made call's connection,
 * read while its client has room; wait is 0 while a stalled call's client has room again. */
size_t supcall_poll(const void *part, struct pollfd *fds);
unsigned supcall_serve(void *part, const struct pollfd *fds, size_t n);
int supcall_wait(void *part, long now_ms);

#endif
