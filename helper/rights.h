/* rights.h: the helper's requests as one table (README, "Rights"): each request's frame, the
 * right it needs and the handler that serves it, and who holds a right under a policy.  It
 * decides and nothing else: it never logs, reads a socket or looks a name up. */
#ifndef KZ_RIGHTS_H
#define KZ_RIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "msg.h"
#include "policy.h"
#include "proto.h"

/* From least to most: status and pid need only a right of any kind. */
enum rights_right {
	RIGHTS_STATUS,  /* any of watch, attach, stop, sup */
	RIGHTS_WATCH,   /* watch or attach */
	RIGHTS_ATTACH,
	RIGHTS_STOP,
	RIGHTS_SUP,     /* sup or attach: which functions, rights_sup_allows says */
};

/* What the helper does once a request is allowed. */
enum rights_handler {
	RIGHTS_DO_ATTACH, /* INFO, then the replay and the console */
	RIGHTS_DO_INFO,   /* INFO, then close */
	RIGHTS_DO_STOP,   /* stop the node, then EXIT */
	RIGHTS_DO_CALL,   /* a connection to the node, from the broker (helper/broker.h) */
	RIGHTS_DO_RESTART, /* init:restart() on the node, then INFO once it has booted again */
	RIGHTS_DO_SUP,     /* Kazoo's sup, called by the helper for its client (helper/supcall.h) */
	RIGHTS_DO_PING,    /* erlang:node(), called by the helper: does the node answer? */
};

struct rights_request {
	uint8_t type;                /* PROTO_* */
	uint16_t len;                /* its payload length: exactly, or at least when max_len is set */
	uint16_t max_len;            /* 0: exactly len */
	int read_only;               /* -1: any; else whether payload[0] != 0 must be this */
	const char *name;            /* as the audit log names it */
	enum rights_right right;
	enum rights_handler handler;
};

/* The caller as the kernel tells it (SO_PEERCRED, SO_PEERGROUPS). */
struct rights_peer {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
};

/* The table's row for a first frame, or NULL: an unknown request, or a known type with the
 * wrong payload length. */
const struct rights_request *rights_request(const struct proto_frame *f);

/* Whether the peer holds right r over a node of owner_uid.  Root holds every right; without a
 * policy file (policy_default), so does the node's own user, and nobody else; with one, the
 * [control] lists that grant r (attach implies watch and sup; any list grants status).
 * RIGHTS_SUP here is the right to ask at all: rights_sup_allows says for which function. */
bool rights_allows(const struct policy *p, uid_t owner_uid, const struct rights_peer *peer,
		   enum rights_right r);

/* Whether the peer may have the helper call MOD:FUN through Kazoo's sup: whoever holds attach
 * (rights_allows) for any function, since an attached console could call it anyway; a peer
 * in the sup list for what the policy's sup_modules allow (policy_sup_allows). */
bool rights_sup_allows(const struct policy *p, uid_t owner_uid, const struct rights_peer *peer,
		       const char *mod, const char *fun);

/* True when the peer is named in `who` by uid, primary group or a supplementary group.
 * Root is not special here: rights_allows decides that. */
bool rights_who_allows(const struct policy_who *who, const struct rights_peer *peer);

/* "status", "watch", "attach", "stop", "sup": what a DENIED frame names. */
const char *rights_name(enum rights_right r);

#endif
