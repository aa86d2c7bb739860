/* calls.h: the helper's names for calls (dist.h), which call holds each, and the standby: a
 * connection the broker made before any call asked for it, held under a name set aside for
 * it, its ticks answered, and handed to the next call at once instead of that call waiting
 * for a handshake.  It knows no clients: session.c asks here and hands the connections over. */
#ifndef KZ_CALLS_H
#define KZ_CALLS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brokermsg.h"
#include "dist.h"
#include "nodeproc.h"

struct calls {
	const struct node *node;            /* calls are made while it is up */
	const struct broker_link *broker;
	uint32_t name_owner[DIST_HELPER_NAMES]; /* the call id holding each name, 0 when free */
	uint32_t last_call_id;
	int last_name;               /* the name handed out last: the next call takes the one after */
	int standby_name;            /* the name set aside for the standby, -1 when none */
	struct broker_answer standby; /* the standby held: fd -1 when none (yet) */
};

/* Nothing leased, no standby. */
void calls_init(struct calls *c, const struct node *node, const struct broker_link *broker);

/* A call's lease: its id (the broker's answer carries it) and the name it holds. */
struct calls_lease {
	uint32_t id;
	int name;
};

enum calls_start {
	CALLS_HANDED,    /* the standby was fit: *conn is its connection, the caller's to close */
	CALLS_ASKED,     /* the broker is asked: its answer carries lease->id */
	CALLS_BUSY,      /* every name is in use */
	CALLS_NO_BROKER, /* the broker is gone */
};

/* A call begins: the standby, when one is held and fit, at once; else a free name, and the
 * broker asked to connect under it within ms (0: its default).  The lease holds the name
 * until calls_release (or calls_answer says otherwise). */
enum calls_start calls_start(struct calls *c, uint32_t ms, struct calls_lease *lease, struct broker_answer *conn);

/* The broker's answer to a call; waited: its client is still there for it.  True when the
 * connection goes to that client, who then holds the name; otherwise the name is free again
 * (the caller closes the connection either way, before any other call can lease the name). */
bool calls_answer(struct calls *c, const struct broker_answer *a, bool waited);

/* A connected call's client has closed: its name is free.  calls_keep_standby after. */
void calls_release(struct calls *c, int name);

/* Asks for a standby unless one is asked for or held or the node is not up: once it is up,
 * and after each call has ended (not while it runs: the handshake would compete with it). */
void calls_keep_standby(struct calls *c);

/* The broker's answer to the standby's request. */
void calls_standby_answer(struct calls *c, const struct broker_answer *a);

/* The loop's source row (loop.c): the standby's connection, its ticks answered.  part is
 * the struct calls; it begins no transition. */
size_t calls_poll(const void *part, struct pollfd *fds);
unsigned calls_serve(void *part, const struct pollfd *fds, size_t n);
/* The loop's table: the node is up. */
void calls_on_up(void *part);

#endif
