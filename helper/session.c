/* session.c: the helper's side of the socket: who may connect and how many for whom, each
 * connection's frames in and its bounded queue out; what a request does is request.c's.  A
 * bad or slow client costs itself, never the node or the other clients; nothing here exits
 * the helper or calls back into the loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd.h"
#include "log.h"
#include "msg.h"
#include "request.h"
#include "session.h"
#include "supcall.h"

void session_broadcast_output(struct sessions *ss, const void *buf, size_t len)
{
	for (size_t i = 0; i < ss->n; i++)
		if (ss->list[i]->state == SESSION_ATTACHED)
			outq_output(&ss->list[i]->out, buf, len);
}

/* The clients that hear how the node ends: attached, stopping, and waiting for a restart. */
static bool hears_the_end(const struct session *c)
{
	return c->state == SESSION_ATTACHED || c->state == SESSION_STOPPING || c->state == SESSION_RESTARTING;
}

/* To every client that hears the end: EXIT, STOPPING.  A full queue drops the frame. */
static void broadcast(struct sessions *ss, uint8_t type, const void *payload, uint16_t len)
{
	for (size_t i = 0; i < ss->n; i++) {
		struct session *c = ss->list[i];
		if (hears_the_end(c))
			outq_frame(&c->out, type, payload, len);
	}
}

void session_on_stopping(void *part)
{
	struct sessions *ss = part;

	for (size_t i = 0; i < ss->n; i++) {
		struct session *c = ss->list[i];
		if (hears_the_end(c))
			request_tell_stopping(c);
	}
}

/* To each client waiting for a restart: a frame, and, when it is the last, the close. */
static void tell_restarting(struct sessions *ss, uint8_t type, const void *payload, uint16_t len, bool last)
{
	for (size_t i = 0; i < ss->n; i++) {
		struct session *c = ss->list[i];
		if (c->state != SESSION_RESTARTING)
			continue;
		if (type == PROTO_INFO)
			request_info(ss, c);
		else
			outq_frame(&c->out, type, payload, len);
		if (last)
			c->state = SESSION_CLOSING;
	}
}

unsigned session_restart_answer(struct sessions *ss, const struct broker_answer *a)
{
	uint8_t why[MSG_ERROR_TEXT_MAX];

	ss->restart_asked = false;
	if (a->taken && node_mark_restarting(ss->node)) {
		log_msg(LOG_NOTICE, "%s: restarting (init:restart())", ss->node->name);
		tell_restarting(ss, PROTO_RESTARTING, NULL, 0, false);
		return NODE_EV_RESTARTING;
	}
	log_msg(LOG_WARNING, "%s: restart: %s", ss->node->name, a->text);
	tell_restarting(ss, PROTO_ERROR, why, msg_error_encode(a->text, why), true);
	return 0;
}

void session_on_up(void *part)
{
	tell_restarting(part, PROTO_INFO, NULL, 0, true);
}

void session_on_restart_late(void *part)
{
	struct sessions *ss = part;
	uint8_t why[MSG_ERROR_TEXT_MAX];
	char text[MSG_ERROR_TEXT_MAX];

	snprintf(text, sizeof text, "not booted again within %u s (the policy's start_timeout); left running",
		 ss->start_timeout);
	tell_restarting(ss, PROTO_ERROR, why, msg_error_encode(text, why), true);
}

/* No new clients from here: a status now is refused at connect ("not running") instead of
 * being accepted and then cut off. */
void session_on_gone(void *part)
{
	struct sessions *ss = part;
	uint8_t st[MSG_EXIT_LEN];

	if (ss->listen_fd >= 0)
		close(ss->listen_fd);
	ss->listen_fd = -1;
	broadcast(ss, PROTO_EXIT, st, msg_exit_encode((uint32_t)ss->node->status, st));
	session_flush_all(ss, 1000);
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
	c->state = SESSION_DROPPED;
}

/* A call's name is free once its client has closed: the client held the connection until
 * then.  One still waiting for the broker keeps its name until the answer comes and is
 * closed, so no other call can be connected under that name meanwhile.  True when a name
 * was freed. */
static bool release_name(struct sessions *ss, const struct session *c)
{
	if (c->call_name < 0 || !c->holds_name)
		return false;
	calls_release(ss->calls, c->call_name);
	return true;
}

static void session_free(struct session *c)
{
	free(c->groups);
	outq_free(&c->out);
	free(c);
}

void session_sweep(struct sessions *ss)
{
	bool released = false;

	for (size_t i = ss->n; i-- > 0;) {
		struct session *c = ss->list[i];
		if (c->state == SESSION_DROPPED) {
			/* A call the helper makes for it ends first: its connection is closed before
			 * its name is free. */
			supcall_free(c->made);
			c->made = NULL;
			released |= release_name(ss, c);
			ss->list[i] = ss->list[--ss->n];
			session_free(c);
		}
	}
	/* Once a call is over, not while it runs: the standby's handshake would compete with it. */
	if (released)
		calls_keep_standby(ss->calls);
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
static const char *no_slot_for(const struct sessions *ss, const struct session *c)
{
	struct slots_count n = { 0, 0, 0 };

	for (size_t i = 0; i < ss->n; i++) {
		const struct session *o = ss->list[i];
		if (o->listed)
			n.listed++;
		else
			n.strangers++;
		n.same_uid += o->uid == c->uid;
	}
	return slots_refuse(&n, c->uid, c->listed);
}

/* One ERROR frame into fd's empty socket buffer, without waiting: 0, or -1 with errno. */
static int send_error(int fd, const char *why)
{
	uint8_t frame[PROTO_HEADER + MSG_ERROR_TEXT_MAX];
	uint16_t len = msg_error_encode(why, frame + PROTO_HEADER);

	proto_header(frame, PROTO_ERROR, len);
	return send(fd, frame, PROTO_HEADER + (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* An ERROR, then close: the client says why. */
static void turn_away(struct session *c, const char *why)
{
	if (send_error(c->fd, why) < 0)
		log_msg(LOG_DEBUG, "peer uid=%u: %m", (unsigned)c->uid);
	request_audit(c, "connection", why);
}

/* Out of descriptors, a pending connection stays pending and poll reports it again at once:
 * the loop would spin.  The spare descriptor is given up so that one connection can be taken
 * and told the helper is busy, then taken back; the clients already served go on, and new
 * ones are served again as soon as descriptors free up. */
static void refuse_for_want_of_fds(struct sessions *ss, int err_no)
{
	static const char busy[] = "busy: the helper is out of descriptors; try again";
	int fd;

	if (!ss->out_of_fds)
		log_msg(LOG_WARNING, "accept: %s: refusing new clients until descriptors free up", strerror(err_no));
	ss->out_of_fds = true;
	if (ss->spare_fd >= 0) {
		close(ss->spare_fd);
		ss->spare_fd = -1;
	}
	fd = accept4(ss->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0) {
		if (send_error(fd, busy) < 0)
			log_msg(LOG_DEBUG, "refusing a client: %m");
		close(fd);
	}
	ss->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void session_accept(struct sessions *ss, long now_ms)
{
	int fd = accept4(ss->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct session *c;
	const char *why;

	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		refuse_for_want_of_fds(ss, errno);
		return;
	}
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_msg(LOG_WARNING, "accept: %m");
		return;
	}
	if (ss->out_of_fds) {
		log_msg(LOG_NOTICE, "accept: descriptors free again: serving new clients");
		ss->out_of_fds = false;
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
		c->listed = request_allowed(ss, c, RIGHTS_STATUS); /* the least right: any right at all */
		if ((why = no_slot_for(ss, c)) != NULL)
			turn_away(c, why);
	}
	if (why) {
		close(fd);
		free(c->groups);
		free(c);
		return;
	}
	ss->list[ss->n++] = c;
}

unsigned session_readable(struct sessions *ss, struct session *c)
{
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, MSG_DONTWAIT);
	unsigned ev = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		drop(c, NULL);
		return 0;
	}
	c->inlen += (size_t)n;
	for (;;) {
		struct proto_frame f;
		long used = proto_parse(c->in, c->inlen, &f);
		if (used == 0)
			return ev;
		const char *why = used < 0 ? "bad frame" : request_frame(ss, c, &f, &ev);
		if (why) {
			drop(c, why);
			return ev;
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
void session_expire(struct sessions *ss, long now_ms)
{
	for (size_t i = ss->n; i-- > 0;) {
		struct session *c = ss->list[i];
		if (c->state == SESSION_NEW && now_ms - c->since_ms >= SESSION_HELLO_MS)
			drop(c, "sent no request");
	}
}

/* Milliseconds until the first silent peer is due to be dropped; -1 when none is waiting. */
int session_hello_wait(const struct sessions *ss, long now_ms)
{
	long wait = -1;

	for (size_t i = 0; i < ss->n; i++) {
		const struct session *c = ss->list[i];
		if (c->state != SESSION_NEW)
			continue;
		long left = c->since_ms + SESSION_HELLO_MS - now_ms;
		left = left < 0 ? 0 : left;
		if (wait < 0 || left < wait)
			wait = left;
	}
	return (int)wait;
}

void session_call_answer(struct sessions *ss, struct broker_answer *a)
{
	struct session *c = NULL;

	for (size_t i = 0; i < ss->n && !c; i++)
		if (ss->list[i]->call_id == a->id && ss->list[i]->state == SESSION_CALLING)
			c = ss->list[i];
	const char *why = request_call_answer(ss, c, a);
	if (why)
		drop(c, why);
}

/* At the node's end: give every client up to timeout_ms to take its last frames (EXIT). */
void session_flush_all(struct sessions *ss, int timeout_ms)
{
	long deadline = fd_now_ms() + timeout_ms;

	while (ss->n > 0) {
		struct pollfd fds[SESSION_MAX];
		struct session *owner[SESSION_MAX];
		nfds_t n = 0;
		for (size_t i = 0; i < ss->n; i++) {
			if (outq_pending(&ss->list[i]->out) == 0)
				continue;
			owner[n] = ss->list[i];
			fds[n++] = (struct pollfd){ .fd = ss->list[i]->fd, .events = POLLOUT };
		}
		long left = deadline - fd_now_ms();
		if (n == 0 || left <= 0 || poll(fds, n, (int)left) <= 0)
			break;
		for (nfds_t i = 0; i < n; i++)
			if (fds[i].revents)
				session_writable(owner[i]);
		session_sweep(ss);
	}
}

size_t session_poll(const void *part, struct pollfd *fds)
{
	const struct sessions *ss = part;

	fds[0] = (struct pollfd){ .fd = ss->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < ss->n; i++) {
		const struct session *s = ss->list[i];
		fds[1 + i] = (struct pollfd){ .fd = s->fd, .events = POLLIN | (outq_pending(&s->out) ? POLLOUT : 0) };
	}
	return 1 + ss->n;
}

/* fds[1 + i] is list[i] as session_poll left it: accept only appends, and a session dropped
 * meanwhile keeps its place, its state saying so, until the sweep at the end. */
unsigned session_serve(void *part, const struct pollfd *fds, size_t n)
{
	struct sessions *ss = part;
	unsigned ev = 0;

	if (n > 0 && fds[0].revents && ss->listen_fd >= 0)
		session_accept(ss, fd_now_ms());
	for (size_t i = 1; i < n; i++) {
		struct session *s = ss->list[i - 1];
		if (fds[i].revents & POLLOUT && s->state != SESSION_DROPPED)
			session_writable(s);
		if (fds[i].revents & (POLLIN | POLLHUP | POLLERR) && s->state != SESSION_DROPPED)
			ev |= session_readable(ss, s);
	}
	session_expire(ss, fd_now_ms());
	session_sweep(ss);
	return ev;
}

int session_wait(void *part, long now_ms)
{
	return session_hello_wait(part, now_ms);
}
