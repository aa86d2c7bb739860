/* session.h: one connection to the helper's socket, from accept to close: who the peer is,
 * its request and the bounded queue of frames toward it.  Calls the node (child.h) and
 * ready.h, never the loop. */
#ifndef KZ_SESSION_H
#define KZ_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

/* Slots are counted apart for peers who hold some right (the policy names them, or root)
 * and for peers who hold none, known from SO_PEERCRED at accept: strangers, who can only be
 * refused, then never keep an operator out, however many of them connect. */
#define SESSION_LISTED_MAX 128         /* connections of peers who hold a right */
#define SESSION_ROOT_RESERVE 8         /* of those, the last ones are root's alone */
#define SESSION_PER_UID_MAX 16         /* of those, for any one uid but root's */
#define SESSION_STRANGER_MAX 8         /* connections of peers who hold no right */
#define SESSION_STRANGER_PER_UID 2     /* of those, for any one uid */
#define SESSION_MAX (SESSION_LISTED_MAX + SESSION_STRANGER_MAX)
#define SESSION_CONTROL_RESERVE 64     /* queue bytes console output leaves to EXIT, STOPPING */
#define SESSION_QUEUE_MAX (256 * 1024) /* bytes of frames toward one client */
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
	bool listed;       /* holds some right: counted among SESSION_LISTED_MAX */
	long since_ms;     /* the loop's clock at accept */
	enum {
		SESSION_NEW,       /* no request yet */
		SESSION_ATTACHED,  /* takes console output, may type */
		SESSION_STOPPING,  /* asked for a stop: waits for EXIT */
		SESSION_CLOSING,   /* its answer is queued: closed once sent */
		SESSION_DROPPED,   /* closed; freed by session_sweep after the poll pass */
	} state;
	bool read_only;
	uint8_t in[PROTO_HEADER + PROTO_MAX_PAYLOAD];
	size_t inlen;
	uint8_t *out;      /* queued frames: out[outoff..outlen) is still to be sent */
	size_t outoff, outlen, outcap;
	unsigned long long lost; /* console bytes not queued since the last LOST frame */
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
