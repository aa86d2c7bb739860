/* request.c: what a client asks of the helper, once connected (session.c): each request
 * checked against the peer's rights (rights.h) and served, the console's frames, and calls'
 * connections handed over.  A request that cannot be served costs its client, never the
 * node or the other clients; it never drops a connection itself: session.c does, told why. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"
#include "msg.h"
#include "request.h"
#include "rights.h"
#include "supcall.h"

/* The peer as rights.h asks about it. */
bool request_allowed(const struct sessions *ss, const struct session *c, enum rights_right r)
{
	const struct rights_peer peer = { c->uid, c->gid, c->groups, c->ngroups };

	return rights_allows(ss->policy, ss->owner_uid, &peer, r);
}

void request_audit(const struct session *c, const char *what, const char *verdict)
{
	log_msg(LOG_NOTICE, "peer uid=%u gid=%u pid=%d: %s: %s", (unsigned)c->uid, (unsigned)c->gid,
	        (int)c->pid, what, verdict);
}

void request_tell_stopping(struct session *c)
{
	if (c->told_stopping)
		return;
	c->told_stopping = true;
	outq_frame(&c->out, PROTO_STOPPING, NULL, 0);
}

static size_t attached_count(const struct sessions *ss)
{
	size_t n = 0;

	for (size_t i = 0; i < ss->n; i++)
		n += ss->list[i]->state == SESSION_ATTACHED;
	return n;
}

void request_info(const struct sessions *ss, struct session *c)
{
	const struct node *node = ss->node;
	static uint8_t payload[PROTO_MAX_PAYLOAD];
	struct msg_info info = {
		.pid = (uint32_t)node->pid,
		.started = (uint64_t)node->started,
		.clients = (uint32_t)attached_count(ss),
		.state = node->state == NODE_BOOTING && node->restarting ? PROTO_NODE_RESTARTING
			 : node->state == NODE_BOOTING ? PROTO_NODE_BOOTING
			 : node->state != NODE_UP    ? PROTO_NODE_STOPPING
			 : node->boot_unconfirmed    ? PROTO_NODE_UNCONFIRMED
						     : PROTO_NODE_UP,
		.node = { node->name, strlen(node->name) },
		/* Booted, the policy's ready function not yet true: what it last returned. */
		.waiting = { node->ready_wait, node->state == NODE_BOOTING ? strlen(node->ready_wait) : 0 },
	};

	outq_frame(&c->out, PROTO_INFO, payload, msg_info_encode(&info, payload));
}

/* Its rights checked its length: ATTACH decodes. */
static void start_attach(struct sessions *ss, struct session *c, const struct proto_frame *f)
{
	const unsigned char *a, *b;
	size_t alen, blen;
	struct msg_attach req = { 0 };

	msg_attach_decode(f, &req);
	c->read_only = req.read_only;
	/* INFO first: the client knows it is in before it reads its terminal. */
	request_info(ss, c);
	c->state = SESSION_ATTACHED;
	if (!c->read_only)
		node_resize(ss->node, req.rows, req.cols);
	ring_spans(ss->replay, &a, &alen, &b, &blen);
	outq_output(&c->out, a, alen);
	outq_output(&c->out, b, blen);
}

void request_fail(struct session *c, const char *why)
{
	uint8_t payload[MSG_ERROR_TEXT_MAX];

	outq_frame(&c->out, PROTO_ERROR, payload, msg_error_encode(why, payload));
	c->state = SESSION_CLOSING;
}

/* CALL_READY with the connection a, made under the call's name: the first frame on the
 * client's connection, whose socket buffer is therefore empty.  NULL, or why to drop it. */
static const char *hand_over(struct session *c, const struct broker_answer *a, const char *node)
{
	static uint8_t payload[PROTO_MAX_PAYLOAD];
	struct msg_call_ready ready = { .creation = a->creation, .self = { a->text, strlen(a->text) },
					.node = { node, strlen(node) } };

	c->state = SESSION_CALLED;
	c->holds_name = true;
	if (proto_send_fd(c->fd, PROTO_CALL_READY, payload, msg_call_ready_encode(&ready, payload), a->fd) < 0)
		return "could not hand the connection over";
	return NULL;
}

bool request_lease(struct sessions *ss, struct session *c, uint32_t handshake_ms, struct broker_answer *conn)
{
	struct calls_lease lease;

	switch (calls_start(ss->calls, handshake_ms, &lease, conn)) {
	case CALLS_HANDED:
		c->call_name = lease.name;
		c->call_id = lease.id;
		return true;
	case CALLS_ASKED:
		c->call_name = lease.name;
		c->call_id = lease.id;
		c->state = SESSION_CALLING;
		break;
	case CALLS_BUSY:
		request_fail(c, "busy: every name for calls is in use; try again");
		break;
	case CALLS_NO_BROKER:
		request_fail(c, "the helper's broker is gone: calls need a restart of the node");
		break;
	}
	return false;
}

/* CALL: the standby handed over at once, or the broker asked (calls.h).  NULL, or why to
 * drop the client. */
static const char *start_call(struct sessions *ss, struct session *c, const struct proto_frame *f)
{
	struct broker_answer conn;
	struct msg_call call = { 0 };
	const char *why;

	msg_call_decode(f, &call); /* its rights checked its length */
	if (!request_lease(ss, c, call.handshake_ms, &conn))
		return NULL;
	why = hand_over(c, &conn, ss->node->name);
	close(conn.fd);
	return why;
}

const char *request_call_answer(struct sessions *ss, struct session *c, struct broker_answer *a)
{
	const char *why = NULL;

	if (calls_answer(ss->calls, a, c != NULL)) {
		if (c->made)
			supcall_connected(ss, c, a);
		else
			why = hand_over(c, a, ss->node->name);
	} else if (c) {
		log_msg(LOG_WARNING, "peer uid=%u pid=%d: call: %s", (unsigned)c->uid, (int)c->pid, a->text);
		c->call_name = -1;
		request_fail(c, a->text);
	}
	if (a->fd >= 0)
		close(a->fd);
	return why;
}

/* A stop request: a first stop tells every stopping client, this one included (the loop's
 * table, session_on_stopping); a later one only this one. */
static unsigned request_stop(struct sessions *ss, struct session *c)
{
	c->state = SESSION_STOPPING;
	if (ss->node->state == NODE_STOPPING) {
		request_tell_stopping(c);
		return 0;
	}
	return node_stop(ss->node) ? NODE_EV_STOPPING : 0;
}

/* A restart request: the broker asks the node to init:restart(); a client that asks while one
 * is under way waits for the same one. */
static void request_restart(struct sessions *ss, struct session *c)
{
	const struct node *node = ss->node;
	bool booting_again = node->state == NODE_BOOTING && node->restarting;

	if (node->state == NODE_UP && !ss->restart_asked) {
		if (broker_ask_restart(ss->broker) < 0) {
			request_fail(c, "the helper's broker is gone: stop and start the node instead");
			return;
		}
		ss->restart_asked = true;
	} else if (!ss->restart_asked && !booting_again) {
		request_fail(c, node->state == NODE_BOOTING ? "not up yet: its boot has not finished" : "it is stopping");
		return;
	}
	c->state = SESSION_RESTARTING;
	/* Joining a restart whose boot is under way: RESTARTING now, INFO when it is up. */
	if (!ss->restart_asked)
		outq_frame(&c->out, PROTO_RESTARTING, NULL, 0);
}

/* "call rpc M:F/N": what the client says it calls, for the log, which shows its bytes as
 * escape.h does; a NUL ends it. */
static void call_text(const struct proto_frame *f, char *out, size_t size)
{
	struct msg_call call = { 0 };
	size_t n = 0;

	if (msg_call_decode(f, &call) == 0 && (n = call.what.len < size - 1 ? call.what.len : size - 1) > 0)
		memcpy(out, call.what.s, n);
	out[n] = '\0';
}

/* A SUP request's module and function, as NUL-ended names: false when either holds a NUL
 * (no atom does, and rights.h compares C strings). */
static bool sup_names(const struct msg_sup *req, char mod[static MSG_ATOM_MAX + 1], char fun[static MSG_ATOM_MAX + 1])
{
	if (memchr(req->mod.s, '\0', req->mod.len) || memchr(req->fun.s, '\0', req->fun.len))
		return false;
	memcpy(mod, req->mod.s, req->mod.len);
	mod[req->mod.len] = '\0';
	memcpy(fun, req->fun.s, req->fun.len);
	fun[req->fun.len] = '\0';
	return true;
}

/* What the request is, as the audit log names it: a call as what it calls (M:F/arity; never
 * its arguments, which may hold secrets).  A sup's names are the helper's own reading of the
 * request, and the right is decided on them; a CALL's text is the client's word, for the log
 * alone.  NULL, or why the request is a bad frame. */
static const char *describe(const struct rights_request *req, const struct proto_frame *f, char *what, size_t size,
			    char mod[static MSG_ATOM_MAX + 1], char fun[static MSG_ATOM_MAX + 1])
{
	struct msg_sup sup;
	char m[4 * MSG_ATOM_MAX + 1], fn[4 * MSG_ATOM_MAX + 1];

	snprintf(what, size, "%s", req->name);
	if (req->handler == RIGHTS_DO_CALL) {
		memcpy(what, "call ", 5);
		call_text(f, what + 5, size - 5);
	}
	if (req->handler != RIGHTS_DO_SUP)
		return NULL;
	if (msg_sup_decode(f, &sup) < 0 || !sup_names(&sup, mod, fun))
		return "bad frame";
	escape_buf(m, sizeof m, mod);
	escape_buf(fn, sizeof fn, fun);
	snprintf(what, size, "sup %s:%s/%zu", m, fn, sup.nargs);
	return NULL;
}

/* Whether the peer may make this request: for a sup, of that module and function. */
static bool allowed(const struct sessions *ss, const struct session *c, const struct rights_request *req,
		    const char *mod, const char *fun)
{
	const struct rights_peer peer = { c->uid, c->gid, c->groups, c->ngroups };

	if (req->handler == RIGHTS_DO_SUP)
		return rights_sup_allows(ss->policy, ss->owner_uid, &peer, mod, fun);
	return request_allowed(ss, c, req->right);
}

/* The first frame: the request, checked against the peer's rights.  NULL, or why to drop
 * the peer; *ev: the node's transitions it began. */
static const char *handle_request(struct sessions *ss, struct session *c, const struct proto_frame *f, unsigned *ev)
{
	const struct rights_request *req = rights_request(f);
	char what[sizeof "call " + 8 * MSG_ATOM_MAX + MSG_CALL_TEXT_MAX];
	char mod[MSG_ATOM_MAX + 1] = "", fun[MSG_ATOM_MAX + 1] = "";
	const char *bad;

	if (!req) {
		request_audit(c, "unknown request", "dropped");
		return "bad frame";
	}
	if ((bad = describe(req, f, what, sizeof what, mod, fun)) != NULL) {
		request_audit(c, what, "dropped");
		return bad;
	}
	if (!allowed(ss, c, req, mod, fun)) {
		uint8_t payload[MSG_RIGHT_MAX];
		request_audit(c, what, "refused");
		outq_frame(&c->out, PROTO_DENIED, payload, msg_denied_encode(rights_name(req->right), payload));
		c->state = SESSION_CLOSING;
		return NULL;
	}
	request_audit(c, what, "allowed");
	switch (req->handler) {
	case RIGHTS_DO_ATTACH:
		start_attach(ss, c, f);
		break;
	case RIGHTS_DO_INFO:
		request_info(ss, c);
		c->state = SESSION_CLOSING;
		break;
	case RIGHTS_DO_STOP:
		*ev |= request_stop(ss, c);
		break;
	case RIGHTS_DO_CALL:
		return start_call(ss, c, f);
	case RIGHTS_DO_RESTART:
		request_restart(ss, c);
		break;
	case RIGHTS_DO_SUP:
	case RIGHTS_DO_PING:
		return supcall_request(ss, c, f, mod, fun);
	}
	return NULL;
}

const char *request_frame(struct sessions *ss, struct session *c, const struct proto_frame *f, unsigned *ev)
{
	if (c->state == SESSION_NEW)
		return handle_request(ss, c, f, ev);
	if (c->state != SESSION_ATTACHED)
		return "bad frame"; /* a call's client only closes */
	if (f->type == PROTO_INPUT && !c->read_only) {
		node_input(ss->node, f->payload, f->len);
		return NULL;
	}
	struct msg_winsize ws;
	if (msg_winsize_decode(f, &ws) == 0) {
		if (!c->read_only)
			node_resize(ss->node, ws.rows, ws.cols);
		return NULL;
	}
	return "bad frame";
}
