/* session.c: the helper's side of the socket: who may connect, what each request needs, and
 * a bounded queue toward every client.  A bad or slow client costs itself, never the node
 * or the other clients; nothing here exits the helper or calls back into the loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker.h"
#include "child.h"
#include "fd.h"
#include "helper.h"
#include "log.h"
#include "ready.h"
#include "rights.h"

/* The peer as rights.h asks about it. */
static bool allowed(const struct helper *h, const struct session *c, enum rights_right r)
{
	const struct rights_peer peer = { c->uid, c->gid, c->groups, c->ngroups };

	return rights_allows(h->policy, h->owner_uid, &peer, r);
}

static void audit(const struct session *c, const char *what, const char *verdict)
{
	log_msg(LOG_NOTICE, "peer uid=%u gid=%u pid=%d: %s: %s", (unsigned)c->uid, (unsigned)c->gid,
	        (int)c->pid, what, verdict);
}

void session_broadcast_output(struct helper *h, const void *buf, size_t len)
{
	for (size_t i = 0; i < h->nsessions; i++)
		if (h->sessions[i]->state == SESSION_ATTACHED)
			outq_output(&h->sessions[i]->out, buf, len);
}

/* To every attached or stopping client: EXIT, STOPPING.  A full queue drops the frame. */
void session_broadcast(struct helper *h, uint8_t type, const void *payload, uint16_t len)
{
	for (size_t i = 0; i < h->nsessions; i++) {
		struct session *c = h->sessions[i];
		if (c->state == SESSION_ATTACHED || c->state == SESSION_STOPPING)
			outq_frame(&c->out, type, payload, len);
	}
}

void session_stop_node(struct helper *h)
{
	if (!child_stop(&h->node))
		return;
	session_broadcast(h, PROTO_STOPPING, NULL, 0);
	ready_stopping(h);
}

static size_t attached_count(const struct helper *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nsessions; i++)
		n += h->sessions[i]->state == SESSION_ATTACHED;
	return n;
}

/* Closed now, so the peer sees the end at once; freed by session_sweep once the poll pass
 * that may still hold a pointer to it is over. */
static void drop(struct session *c, const char *why)
{
	if (c->state == SESSION_DROPPED)
		return;
	if (why)
		log_msg(LOG_INFO, "peer uid=%u pid=%d: dropped: %s", (unsigned)c->uid, (int)c->pid, why);
	close(c->fd);
	c->fd = -1;
	c->state_before_drop = c->state;
	c->state = SESSION_DROPPED;
}

/* A call's name is free once its client has closed: the client held the connection until
 * then.  One still waiting for the broker keeps its name until the answer comes and is
 * closed, so no other call can be connected under that name meanwhile.  True when a name
 * was freed. */
static bool release_name(struct helper *h, const struct session *c)
{
	if (c->call_name < 0 || c->state_before_drop != SESSION_CALLED)
		return false;
	h->name_owner[c->call_name] = 0;
	return true;
}

static void session_free(struct session *c)
{
	free(c->groups);
	outq_free(&c->out);
	free(c);
}

void session_sweep(struct helper *h)
{
	bool released = false;

	for (size_t i = h->nsessions; i-- > 0;) {
		struct session *c = h->sessions[i];
		if (c->state == SESSION_DROPPED) {
			released |= release_name(h, c);
			h->sessions[i] = h->sessions[--h->nsessions];
			session_free(c);
		}
	}
	/* Once a call is over, not while it runs: the standby's handshake would compete with it. */
	if (released)
		session_keep_standby(h);
}

/* SO_PEERGROUPS says how much room it needs (ERANGE) when the first guess is short. */
static bool peer_groups(struct session *c)
{
	socklen_t len = 64 * sizeof(gid_t);

	for (int tries = 0; tries < 2; tries++) {
		gid_t *groups = malloc(len ? len : sizeof(gid_t));
		if (!groups)
			return false;
		if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
			c->groups = groups;
			c->ngroups = len / sizeof(gid_t);
			return true;
		}
		free(groups);
		if (errno != ERANGE)
			return false;
	}
	return false;
}

static bool peer_credentials(struct session *c)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	return peer_groups(c);
}

/* Why a peer gets no slot, or NULL: the connections served, counted for slots.h. */
static const char *no_slot_for(const struct helper *h, const struct session *c)
{
	struct slots_count n = { 0, 0, 0 };

	for (size_t i = 0; i < h->nsessions; i++) {
		const struct session *o = h->sessions[i];
		if (o->listed)
			n.listed++;
		else
			n.strangers++;
		n.same_uid += o->uid == c->uid;
	}
	return slots_refuse(&n, c->uid, c->listed);
}

/* One ERROR frame into an empty socket buffer, then close: the client says why. */
static void turn_away(struct session *c, const char *why)
{
	uint8_t frame[PROTO_HEADER + 64];
	size_t len = strlen(why) < 64 ? strlen(why) : 64;

	proto_header(frame, PROTO_ERROR, (uint16_t)len);
	memcpy(frame + PROTO_HEADER, why, len);
	if (send(c->fd, frame, PROTO_HEADER + len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_msg(LOG_DEBUG, "peer uid=%u: %m", (unsigned)c->uid);
	audit(c, "connection", why);
}

/* Out of descriptors, a pending connection stays pending and poll reports it again at once:
 * the loop would spin.  The spare descriptor is given up so that one connection can be taken
 * and told the helper is busy, then taken back; the clients already served go on, and new
 * ones are served again as soon as descriptors free up. */
static void refuse_for_want_of_fds(struct helper *h, int err_no)
{
	static const char busy[] = "busy: the helper is out of descriptors; try again";
	uint8_t frame[PROTO_HEADER + sizeof busy - 1];
	int fd;

	if (!h->out_of_fds)
		log_msg(LOG_WARNING, "accept: %s: refusing new clients until descriptors free up", strerror(err_no));
	h->out_of_fds = true;
	if (h->spare_fd >= 0) {
		close(h->spare_fd);
		h->spare_fd = -1;
	}
	fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0) {
		proto_header(frame, PROTO_ERROR, sizeof busy - 1);
		memcpy(frame + PROTO_HEADER, busy, sizeof busy - 1);
		if (send(fd, frame, sizeof frame, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_msg(LOG_DEBUG, "refusing a client: %m");
		close(fd);
	}
	h->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void session_accept(struct helper *h, long now_ms)
{
	int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct session *c;
	const char *why;

	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		refuse_for_want_of_fds(h, errno);
		return;
	}
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_msg(LOG_WARNING, "accept: %m");
		return;
	}
	if (h->out_of_fds) {
		log_msg(LOG_NOTICE, "accept: descriptors free again: serving new clients");
		h->out_of_fds = false;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->since_ms = now_ms;
	c->call_name = -1;
	if (!peer_credentials(c)) {
		why = "no peer credentials";
	} else {
		c->listed = allowed(h, c, RIGHTS_STATUS); /* the least right: any right at all */
		if ((why = no_slot_for(h, c)) != NULL)
			turn_away(c, why);
	}
	if (why) {
		close(fd);
		free(c->groups);
		free(c);
		return;
	}
	h->sessions[h->nsessions++] = c;
}

static void queue_info(struct helper *h, struct session *c)
{
	size_t name_len = strlen(h->node.name);
	uint8_t info[17 + 256];

	if (name_len > 256)
		name_len = 256;
	proto_put32(info, (uint32_t)h->node.pid);
	proto_put64(info + 4, (uint64_t)h->node.started);
	proto_put32(info + 12, (uint32_t)attached_count(h));
	info[16] = h->node.state == CHILD_BOOTING ? PROTO_NODE_BOOTING
		   : h->node.state != CHILD_UP	    ? PROTO_NODE_STOPPING
		   : h->boot_unconfirmed	    ? PROTO_NODE_UNCONFIRMED
						    : PROTO_NODE_UP;
	memcpy(info + 17, h->node.name, name_len);
	outq_frame(&c->out, PROTO_INFO, info, (uint16_t)(17 + name_len));
}

static void set_winsize(struct helper *h, const uint8_t *p)
{
	child_resize(&h->node, proto_get16(p), proto_get16(p + 2));
}

static void start_attach(struct helper *h, struct session *c, const struct proto_frame *f)
{
	const unsigned char *a, *b;
	size_t alen, blen;

	c->read_only = f->payload[0] != 0;
	/* INFO first: the client knows it is in before it reads its terminal. */
	queue_info(h, c);
	c->state = SESSION_ATTACHED;
	if (!c->read_only)
		set_winsize(h, f->payload + 1);
	ring_spans(&h->replay, &a, &alen, &b, &blen);
	outq_output(&c->out, a, alen);
	outq_output(&c->out, b, blen);
}

/* An ERROR to this client, then close. */
static void fail_request(struct session *c, const char *why)
{
	outq_frame(&c->out, PROTO_ERROR, why, (uint16_t)strnlen(why, 200));
	c->state = SESSION_CLOSING;
}

/* The free name after the one handed out last, round the ring: a name whose call has just
 * ended may still be connected at the node for a moment (its client's close is on the way),
 * and a handshake under it then would be refused, so it is taken again last. */
static int free_name(struct helper *h)
{
	for (int k = 1; k <= DIST_HELPER_NAMES; k++) {
		int i = (h->last_name + k) % DIST_HELPER_NAMES;
		if (!h->name_owner[i]) {
			h->last_name = i;
			return i;
		}
	}
	return -1;
}

/* Calls' ids, as name_owner holds them: never 0 (a free name) nor the broker's own ids. */
static uint32_t next_call_id(struct helper *h)
{
	if (++h->last_call_id >= BROKER_STANDBY_ID)
		h->last_call_id = 1;
	return h->last_call_id;
}

/* The standby's name is free again, and nothing is held under it. */
static void drop_standby(struct helper *h)
{
	if (h->standby.fd >= 0)
		close(h->standby.fd);
	h->standby.fd = -1;
	if (h->standby_name >= 0)
		h->name_owner[h->standby_name] = 0;
	h->standby_name = -1;
}

void session_keep_standby(struct helper *h)
{
	if (h->standby_name >= 0 || h->broker_fd < 0 || h->node.state != CHILD_UP)
		return;
	int name = free_name(h);
	if (name < 0 || broker_ask_standby(h->broker_fd, (unsigned)name) < 0)
		return;
	h->name_owner[name] = BROKER_STANDBY_ID;
	h->standby_name = name;
}

void session_standby_answer(struct helper *h, const struct broker_answer *a)
{
	if (a->fd < 0 || h->node.state != CHILD_UP || h->standby_name < 0) {
		if (a->fd >= 0)
			close(a->fd);
		else
			log_msg(LOG_DEBUG, "%s: no connection kept ahead: %s", h->node.name, a->text);
		drop_standby(h);
		return;
	}
	h->standby = *a;
}

void session_standby_readable(struct helper *h)
{
	if (dist_keepalive(h->standby.fd) < 0)
		drop_standby(h);
}

/* The held standby, when the node has not closed it meanwhile (its ticks answered first). */
static bool standby_fit(struct helper *h)
{
	struct pollfd p = { .fd = h->standby.fd, .events = POLLIN };

	while (h->standby.fd >= 0 && poll(&p, 1, 0) == 1)
		session_standby_readable(h);
	return h->standby.fd >= 0;
}

/* CALL_READY with the connection a, made under the call's name: the first frame on the
 * client's connection, whose socket buffer is therefore empty. */
static void hand_over(struct session *c, const struct broker_answer *a, const char *node)
{
	uint8_t ready[5 + BROKER_TEXT_MAX + 256];
	size_t len = strlen(a->text), nlen = strnlen(node, 256);

	proto_put32(ready, a->creation);
	ready[4] = (uint8_t)(len < 255 ? len : 255);
	memcpy(ready + 5, a->text, ready[4]);
	memcpy(ready + 5 + ready[4], node, nlen);
	c->state = SESSION_CALLED;
	if (proto_send_fd(c->fd, PROTO_CALL_READY, ready, (uint16_t)(5 + ready[4] + nlen), a->fd) < 0)
		drop(c, "could not hand the connection over");
}

/* CALL: the standby, when one is held and fit, handed over at once; else a name of the
 * helper's, and the broker asked to connect under it. */
static void start_call(struct helper *h, struct session *c, const struct proto_frame *f)
{
	uint32_t id = next_call_id(h);

	if (standby_fit(h)) {
		c->call_name = h->standby_name;
		c->call_id = id;
		h->name_owner[c->call_name] = id;
		h->standby_name = -1;
		hand_over(c, &h->standby, h->node.name);
		close(h->standby.fd);
		h->standby.fd = -1;
		return;
	}
	int name = free_name(h);
	if (name < 0) {
		fail_request(c, "busy: every name for calls is in use; try again");
		return;
	}
	if (broker_ask(h->broker_fd, id, (unsigned)name, proto_get32(f->payload)) < 0) {
		fail_request(c, "the helper's broker is gone: calls need a restart of the node");
		return;
	}
	h->name_owner[name] = id;
	c->call_name = name;
	c->call_id = id;
	c->state = SESSION_CALLING;
}

void session_call_answer(struct helper *h, struct broker_answer *a)
{
	struct session *c = NULL;

	for (size_t i = 0; i < h->nsessions && !c; i++)
		if (h->sessions[i]->call_id == a->id && h->sessions[i]->state == SESSION_CALLING)
			c = h->sessions[i];
	if (!c) {
		/* Its client went away: the connection closes here, before the name is free. */
		for (int i = 0; i < DIST_HELPER_NAMES; i++)
			if (h->name_owner[i] == a->id)
				h->name_owner[i] = 0;
	} else if (a->fd < 0) {
		log_msg(LOG_WARNING, "peer uid=%u pid=%d: call: %s", (unsigned)c->uid, (int)c->pid, a->text);
		h->name_owner[c->call_name] = 0;
		c->call_name = -1;
		fail_request(c, a->text);
	} else {
		hand_over(c, a, h->node.name);
	}
	if (a->fd >= 0)
		close(a->fd);
}

/* "call rpc M:F/N": what the client says it calls, for the log, which shows its bytes as
 * escape.h does; a NUL ends it. */
static void call_text(const struct proto_frame *f, char *out, size_t size)
{
	size_t n = f->len - 4u < size - 1 ? f->len - 4u : size - 1;

	memcpy(out, f->payload + 4, n);
	out[n] = '\0';
}

/* The first frame: the request, checked against the peer's rights.  False: drop the peer. */
static bool handle_request(struct helper *h, struct session *c, const struct proto_frame *f)
{
	const struct rights_request *req = rights_request(f);
	char what[sizeof "call " + RIGHTS_CALL_TEXT_MAX];

	if (!req) {
		audit(c, "unknown request", "dropped");
		return false;
	}
	/* A call is logged as what it calls (M:F/arity; never its arguments, which may hold
	 * secrets); the client says which. */
	snprintf(what, sizeof what, "%s", req->name);
	if (req->handler == RIGHTS_DO_CALL) {
		memcpy(what, "call ", 5);
		call_text(f, what + 5, sizeof what - 5);
	}
	if (!allowed(h, c, req->right)) {
		const char *right = rights_name(req->right);
		audit(c, what, "refused");
		outq_frame(&c->out, PROTO_DENIED, right, (uint16_t)strlen(right));
		c->state = SESSION_CLOSING;
		return true;
	}
	audit(c, what, "allowed");
	switch (req->handler) {
	case RIGHTS_DO_ATTACH:
		start_attach(h, c, f);
		break;
	case RIGHTS_DO_INFO:
		queue_info(h, c);
		c->state = SESSION_CLOSING;
		break;
	case RIGHTS_DO_STOP:
		/* A first stop tells every stopping client, this one included; a later one
		 * only this one. */
		c->state = SESSION_STOPPING;
		if (h->node.state == CHILD_STOPPING)
			outq_frame(&c->out, PROTO_STOPPING, NULL, 0);
		else
			session_stop_node(h);
		break;
	case RIGHTS_DO_CALL:
		start_call(h, c, f);
		break;
	}
	return true;
}

/* Frames after the request: only an attached client sends any. */
static bool handle_frame(struct helper *h, struct session *c, const struct proto_frame *f)
{
	if (c->state == SESSION_NEW)
		return handle_request(h, c, f);
	if (c->state != SESSION_ATTACHED)
		return false; /* a call's client only closes */
	if (f->type == PROTO_INPUT && !c->read_only) {
		child_input(&h->node, f->payload, f->len);
		return true;
	}
	if (f->type == PROTO_WINSIZE && f->len == 4) {
		if (!c->read_only)
			set_winsize(h, f->payload);
		return true;
	}
	return false;
}

void session_readable(struct helper *h, struct session *c)
{
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c, NULL);
		return;
	}
	c->inlen += (size_t)n;
	for (;;) {
		struct proto_frame f;
		long used = proto_parse(c->in, c->inlen, &f);
		if (used == 0)
			return;
		if (used < 0 || !handle_frame(h, c, &f)) {
			drop(c, "bad frame");
			return;
		}
		memmove(c->in, c->in + used, c->inlen - (size_t)used);
		c->inlen -= (size_t)used;
	}
}

void session_writable(struct session *c)
{
	while (outq_pending(&c->out) > 0) {
		ssize_t n = send(c->fd, outq_head(&c->out), outq_pending(&c->out), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			drop(c, NULL);
			return;
		}
		outq_sent(&c->out, (size_t)n);
	}
	if (c->state == SESSION_CLOSING)
		drop(c, NULL);
}

/* A peer that connected and sent no request within SESSION_HELLO_MS holds a slot for
 * nothing. */
void session_expire(struct helper *h, long now_ms)
{
	for (size_t i = h->nsessions; i-- > 0;) {
		struct session *c = h->sessions[i];
		if (c->state == SESSION_NEW && now_ms - c->since_ms >= SESSION_HELLO_MS)
			drop(c, "sent no request");
	}
}

/* Milliseconds until the first silent peer is due to be dropped; -1 when none is waiting. */
int session_hello_wait(const struct helper *h, long now_ms)
{
	long wait = -1;

	for (size_t i = 0; i < h->nsessions; i++) {
		const struct session *c = h->sessions[i];
		if (c->state != SESSION_NEW)
			continue;
		long left = c->since_ms + SESSION_HELLO_MS - now_ms;
		left = left < 0 ? 0 : left;
		if (wait < 0 || left < wait)
			wait = left;
	}
	return (int)wait;
}

/* At the node's end: give every client up to timeout_ms to take its last frames (EXIT). */
void session_flush_all(struct helper *h, int timeout_ms)
{
	long deadline = fd_now_ms() + timeout_ms;

	while (h->nsessions > 0) {
		struct pollfd fds[SESSION_MAX];
		struct session *owner[SESSION_MAX];
		nfds_t n = 0;
		for (size_t i = 0; i < h->nsessions; i++) {
			if (outq_pending(&h->sessions[i]->out) == 0)
				continue;
			owner[n] = h->sessions[i];
			fds[n++] = (struct pollfd){ .fd = h->sessions[i]->fd, .events = POLLOUT };
		}
		long left = deadline - fd_now_ms();
		if (n == 0 || left <= 0 || poll(fds, n, (int)left) <= 0)
			break;
		for (nfds_t i = 0; i < n; i++)
			if (fds[i].revents)
				session_writable(owner[i]);
		session_sweep(h);
	}
}
