/* session.h: the connections to the helper's socket, from accept to close: who each peer is,
 * how many are served for whom (slots.h), its request and the bounded queue of frames toward
 * it.  Calls down to the node (nodeproc.h) and the calls' names (calls.h), never the loop. */
#ifndef KZ_SESSION_H
#define KZ_SESSION_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "calls.h"
#include "nodeproc.h"
#include "outq.h"
#include "policy.h"
#include "proto.h"
#include "ring.h"
#include "slots.h"

struct supcall;

#define SESSION_MAX SLOTS_MAX          /* connections at once: slots.h says whose */
/* A connection that has sent no request is dropped after this.  kzlaunch sends its request
 * right after connect(), so a slot is held this long only by a peer that means to hold it. */
#define SESSION_HELLO_MS 2000

struct session {
	int fd;            /* -1 once dropped */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t *groups;
	size_t ngroups;
	bool listed;       /* holds some right: counted among SLOTS_LISTED_MAX */
	long since_ms;     /* the loop's clock at accept */
	enum {
		SESSION_NEW,       /* no request yet */
		SESSION_ATTACHED,  /* takes console output, may type */
		SESSION_STOPPING,  /* asked for a stop: waits for EXIT */
		SESSION_RESTARTING, /* asked for a restart: waits for INFO once the node is up again */
		SESSION_CLOSING,   /* its answer is queued: closed once sent */
		SESSION_CALLING,   /* asked for a connection to the node: the broker is at it */
		SESSION_CALLED,    /* has it: holds its name until it closes */
		SESSION_MADE,      /* the helper makes its call (supcall.h): its output is relayed */
		SESSION_DROPPED,   /* closed; freed by session_sweep after the poll pass */
	} state;
	bool read_only;
	bool told_stopping; /* STOPPING is queued toward it: a client hears it once */
	int call_name;     /* the name (dist.h) a call holds, -1 when none */
	bool holds_name;   /* the name is this session's, not the broker's request's: freed with it */
	struct supcall *made; /* the call the helper makes for it, NULL when none */
	uint32_t call_id;  /* its request to the broker */
	uint8_t in[PROTO_HEADER + PROTO_MAX_PAYLOAD];
	size_t inlen;
	struct outq out;   /* frames toward it, at most OUTQ_MAX bytes */
};

/* Every connection.  The fields above `list` are main.c's to set before the loop. */
struct sessions {
	const struct policy *policy; /* who holds which right (rights.h) */
	uid_t owner_uid;             /* the node's user */
	struct node *node;           /* typed into, resized, stopped on request */
	const struct ring *replay;   /* what an attaching client is shown first */
	struct calls *calls;
	const struct broker_link *broker; /* asked to restart the node */
	unsigned start_timeout;      /* seconds a restart may take: the policy's start_timeout */
	bool restart_asked;          /* the broker has a restart to answer */
	int listen_fd;               /* -1 once the node has ended */
	int spare_fd;                /* /dev/null, given up for a moment when accept meets EMFILE */
	bool out_of_fds;             /* the last accept met EMFILE or ENFILE (logged once) */
	struct session *list[SESSION_MAX];
	size_t n;
};

void session_accept(struct sessions *ss, long now_ms);
/* What the peer sent; the node's transitions (NODE_EV_) its request began. */
unsigned session_readable(struct sessions *ss, struct session *s);
void session_writable(struct session *s);
/* Console output toward every attached client. */
void session_broadcast_output(struct sessions *ss, const void *buf, size_t len);
/* The broker's answer to a CALLING session: the connection goes to its client.  An answer
 * whose session has gone is closed, and the name it held is free again. */
void session_call_answer(struct sessions *ss, struct broker_answer *a);

/* The broker's answer to a restart: each client that asked hears RESTARTING, or the reason
 * there was none.  NODE_EV_RESTARTING when the node took it. */
unsigned session_restart_answer(struct sessions *ss, const struct broker_answer *a);
/* Drops every peer that sent no request within SESSION_HELLO_MS. */
void session_expire(struct sessions *ss, long now_ms);
/* Milliseconds until the first silent peer is due to be dropped; -1 when none is waiting. */
int session_hello_wait(const struct sessions *ss, long now_ms);
/* Frees the sessions dropped since the last call.  Until then a dropped session keeps its
 * place, so pointers taken before the poll pass stay good through it. */
void session_sweep(struct sessions *ss);
/* At the node's end: give every client up to timeout_ms to take its last frames (EXIT). */
void session_flush_all(struct sessions *ss, int timeout_ms);

/* The loop's source row (loop.c): the listening socket, then every connection, so at most
 * 1 + SESSION_MAX descriptors.  part is the struct sessions. */
size_t session_poll(const void *part, struct pollfd *fds);
unsigned session_serve(void *part, const struct pollfd *fds, size_t n);
int session_wait(void *part, long now_ms);
/* The loop's table: a stop began (each attached or stopping client hears STOPPING once); the
 * node has ended (no new clients, and the rest get EXIT and a second to take it). */
void session_on_stopping(void *part);
/* The loop's table for a restart: the node is up again (each client that asked gets INFO),
 * or its boot outlasted start_timeout (each gets ERROR); either way it is closed. */
void session_on_up(void *part);
void session_on_restart_late(void *part);
void session_on_gone(void *part);

#endif
