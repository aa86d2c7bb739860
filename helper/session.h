/* session.h: one connection to the helper's socket, from accept to close: who the peer is,
 * its request and the bounded queue of frames toward it.  Calls the node (child.h) and
 * ready.h, never the loop. */
#ifndef KZ_SESSION_H
#define KZ_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "outq.h"
#include "proto.h"
#include "slots.h"

#define SESSION_MAX SLOTS_MAX          /* connections at once: slots.h says whose */
/* A connection that has sent no request is dropped after this.  kzlaunch sends its request
 * right after connect(), so a slot is held this long only by a peer that means to hold it. */
#define SESSION_HELLO_MS 2000

struct helper;

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
		SESSION_CLOSING,   /* its answer is queued: closed once sent */
		SESSION_CALLING,   /* asked for a connection to the node: the broker is at it */
		SESSION_CALLED,    /* has it: holds its name until it closes */
		SESSION_DROPPED,   /* closed; freed by session_sweep after the poll pass */
	} state, state_before_drop;
	bool read_only;
	int call_name;     /* the name (dist.h) a call holds, -1 when none */
	uint32_t call_id;  /* its request to the broker */
	uint8_t in[PROTO_HEADER + PROTO_MAX_PAYLOAD];
	size_t inlen;
	struct outq out;   /* frames toward it, at most OUTQ_MAX bytes */
};

void session_accept(struct helper *h, long now_ms);
void session_readable(struct helper *h, struct session *s);
void session_writable(struct session *s);
/* Console output toward every attached client. */
void session_broadcast_output(struct helper *h, const void *buf, size_t len);
/* EXIT, STOPPING toward every attached or stopping client.  A full queue drops the frame. */
void session_broadcast(struct helper *h, uint8_t type, const void *payload, uint16_t len);
/* Begins the node's stop (a client, a signal or the warden asked) and tells the clients and
 * the warden, once, whoever asked first. */
void session_stop_node(struct helper *h);
struct broker_answer;
/* The broker's answer to a CALLING session: the connection goes to its client.  An answer
 * whose session has gone is closed, and the name it held is free again. */
void session_call_answer(struct helper *h, struct broker_answer *a);

/* The standby: a connection the broker made before any call asked for it, held here under a
 * name set aside for it, its ticks answered, and handed to the next call at once instead of
 * that call waiting for a handshake.  session_keep_standby asks for one unless one is asked
 * for or held or the node is not up: once it is up, and after each call has ended (not while
 * it runs: the handshake would compete with it).  session_standby_answer takes the broker's
 * answer; session_standby_readable answers a tick on it, or lets it go. */
void session_keep_standby(struct helper *h);
void session_standby_answer(struct helper *h, const struct broker_answer *a);
void session_standby_readable(struct helper *h);

/* Drops every peer that sent no request within SESSION_HELLO_MS. */
void session_expire(struct helper *h, long now_ms);
/* Milliseconds until the first silent peer is due to be dropped; -1 when none is waiting. */
int session_hello_wait(const struct helper *h, long now_ms);
/* Frees the sessions dropped since the last call.  Until then a dropped session keeps its
 * place, so pointers taken before the poll pass stay good through it. */
void session_sweep(struct helper *h);
/* At the node's end: give every client up to timeout_ms to take its last frames (EXIT). */
void session_flush_all(struct helper *h, int timeout_ms);

#endif
