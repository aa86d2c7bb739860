/* client.c: the helper's side of the socket: who may connect, what each request needs, and
 * a bounded queue toward every client.  A bad or slow client costs itself, never the node
 * or the other clients; nothing here exits the helper. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "helper.h"
#include "log.h"

enum right { RIGHT_STATUS, RIGHT_WATCH, RIGHT_ATTACH, RIGHT_STOP };
static const char *const right_names[] = { "status", "watch", "attach", "stop" };

static bool who_allows(const struct policy_who *w, const struct client *c)
{
	return policy_who_allows(w, c->uid, c->gid, c->groups, c->ngroups);
}

/* Root may do everything, and so may the node's own user when there is no policy (it is
 * then the only one who started it); `attach` includes `watch`, and anyone named under
 * [control] may ask for status and pid. */
static bool allowed(const struct helper *h, const struct client *c, enum right r)
{
	const struct policy *p = h->policy;

	if (c->uid == 0 || (!p && c->uid == h->owner_uid))
		return true;
	if (!p)
		return false;
	switch (r) {
	case RIGHT_STOP:
		return who_allows(&p->stop, c);
	case RIGHT_ATTACH:
		return who_allows(&p->attach, c);
	case RIGHT_WATCH:
		return who_allows(&p->attach, c) || who_allows(&p->watch, c);
	case RIGHT_STATUS:
		return who_allows(&p->attach, c) || who_allows(&p->watch, c) || who_allows(&p->stop, c);
	}
	return false;
}

static void audit(const struct client *c, const char *what, const char *verdict)
{
	log_msg(LOG_NOTICE, "peer uid=%u gid=%u pid=%d: %s: %s", (unsigned)c->uid, (unsigned)c->gid,
	        (int)c->pid, what, verdict);
}

/* Queues one frame; false when it does not fit (the caller decides what is lost).  Console
 * output leaves the last CLIENT_CONTROL_RESERVE bytes free, so that EXIT and STOPPING still
 * reach a client that has not kept up with the output. */
static bool queue_frame(struct client *c, uint8_t type, const void *payload, uint16_t len)
{
	size_t need = c->outlen + PROTO_HEADER + len;
	size_t limit = type == PROTO_OUTPUT || type == PROTO_LOST ? CLIENT_QUEUE_MAX - CLIENT_CONTROL_RESERVE
								  : CLIENT_QUEUE_MAX;

	if (need > limit && c->outoff > 0) {
		/* What was sent is dropped from the front only when room is needed: one move per
		 * fill, not one per send. */
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
		need = c->outlen + PROTO_HEADER + len;
	}
	if (need > limit)
		return false;
	if (need > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 16384;
		while (cap < need)
			cap *= 2;
		if (cap > CLIENT_QUEUE_MAX)
			cap = CLIENT_QUEUE_MAX;
		uint8_t *out = realloc(c->out, cap);
		if (!out)
			return false;
		c->out = out;
		c->outcap = cap;
	}
	proto_header(c->out + c->outlen, type, len);
	if (len)
		memcpy(c->out + c->outlen + PROTO_HEADER, payload, len);
	c->outlen = need;
	return true;
}

/* Console bytes toward an attached client: what does not fit is counted, and the count is
 * told first once the client has caught up with half its queue. */
static void queue_output(struct client *c, const uint8_t *buf, size_t len)
{
	if (c->lost) {
		if (c->outlen - c->outoff > CLIENT_QUEUE_MAX / 2) {
			c->lost += len;
			return;
		}
		uint8_t n[8];
		proto_put64(n, c->lost);
		if (!queue_frame(c, PROTO_LOST, n, sizeof n)) {
			c->lost += len;
			return;
		}
		c->lost = 0;
	}
	while (len > 0) {
		uint16_t chunk = len > PROTO_MAX_PAYLOAD ? PROTO_MAX_PAYLOAD : (uint16_t)len;
		if (!queue_frame(c, PROTO_OUTPUT, buf, chunk)) {
			c->lost += len;
			return;
		}
		buf += chunk;
		len -= chunk;
	}
}

void client_broadcast_output(struct helper *h, const void *buf, size_t len)
{
	for (size_t i = 0; i < h->nclients; i++)
		if (h->clients[i]->state == CLIENT_ATTACHED)
			queue_output(h->clients[i], buf, len);
}

/* To every attached or stopping client: EXIT, STOPPING.  A full queue drops the frame. */
void client_broadcast(struct helper *h, uint8_t type, const void *payload, uint16_t len)
{
	for (size_t i = 0; i < h->nclients; i++) {
		struct client *c = h->clients[i];
		if (c->state == CLIENT_ATTACHED || c->state == CLIENT_STOPPING)
			queue_frame(c, type, payload, len);
	}
}

size_t client_attached_count(const struct helper *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nclients; i++)
		n += h->clients[i]->state == CLIENT_ATTACHED;
	return n;
}

void client_drop(struct helper *h, struct client *c, const char *why)
{
	if (why)
		log_msg(LOG_INFO, "peer uid=%u pid=%d: dropped: %s", (unsigned)c->uid, (int)c->pid, why);
	close(c->fd);
	for (size_t i = 0; i < h->nclients; i++) {
		if (h->clients[i] == c) {
			h->clients[i] = h->clients[--h->nclients];
			break;
		}
	}
	free(c->groups);
	free(c->out);
	free(c);
}

/* SO_PEERGROUPS says how much room it needs (ERANGE) when the first guess is short. */
static bool peer_groups(struct client *c)
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

static bool peer_credentials(struct client *c)
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

/* Why a peer gets no slot, or NULL.  Every local user may connect (the socket is 0666), so
 * none may take every slot: a peer who holds no right waits in a small pool of its own (it
 * is only ever told DENIED), each uid but root's has a share of the rest, and the last slots
 * are root's, who can always stop the node. */
static const char *no_slot_for(const struct helper *h, const struct client *c)
{
	size_t listed = 0, strangers = 0, same_uid = 0;

	for (size_t i = 0; i < h->nclients; i++) {
		const struct client *o = h->clients[i];
		if (o->listed)
			listed++;
		else
			strangers++;
		same_uid += o->uid == c->uid;
	}
	if (!c->listed) {
		if (strangers >= CLIENT_STRANGER_MAX)
			return "busy: the connections for users without a right are taken";
		if (same_uid >= CLIENT_STRANGER_PER_UID)
			return "busy: this user has too many connections open";
		return NULL;
	}
	if (listed >= CLIENT_LISTED_MAX)
		return "busy: every connection is taken";
	if (c->uid == 0)
		return NULL;
	if (listed >= CLIENT_LISTED_MAX - CLIENT_ROOT_RESERVE)
		return "busy: the connections left are kept for root";
	if (same_uid >= CLIENT_PER_UID_MAX)
		return "busy: this user has too many connections open";
	return NULL;
}

/* One ERROR frame into an empty socket buffer, then close: the client says why. */
static void turn_away(struct client *c, const char *why)
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

void client_accept(struct helper *h)
{
	int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c;
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
	c->since_ms = loop_now_ms();
	if (!peer_credentials(c)) {
		why = "no peer credentials";
	} else {
		c->listed = allowed(h, c, RIGHT_STATUS); /* the least right: any right at all */
		if ((why = no_slot_for(h, c)) != NULL)
			turn_away(c, why);
	}
	if (why) {
		close(fd);
		free(c->groups);
		free(c);
		return;
	}
	h->clients[h->nclients++] = c;
}

static void queue_info(struct helper *h, struct client *c)
{
	size_t name_len = strlen(h->node_name);
	uint8_t info[16 + 256];

	if (name_len > 256)
		name_len = 256;
	proto_put32(info, (uint32_t)h->node);
	proto_put64(info + 4, (uint64_t)h->started);
	proto_put32(info + 12, (uint32_t)client_attached_count(h));
	memcpy(info + 16, h->node_name, name_len);
	queue_frame(c, PROTO_INFO, info, (uint16_t)(16 + name_len));
}

static void set_winsize(struct helper *h, const uint8_t *p)
{
	struct winsize ws = { .ws_row = proto_get16(p), .ws_col = proto_get16(p + 2) };

	if (ws.ws_row && ws.ws_col && ioctl(h->pty, TIOCSWINSZ, &ws) < 0)
		log_msg(LOG_WARNING, "TIOCSWINSZ: %m");
}

static void start_attach(struct helper *h, struct client *c, const struct proto_frame *f)
{
	const unsigned char *a, *b;
	size_t alen, blen;

	c->read_only = f->payload[0] != 0;
	/* INFO first: the client knows it is in before it reads its terminal. */
	queue_info(h, c);
	c->state = CLIENT_ATTACHED;
	if (!c->read_only)
		set_winsize(h, f->payload + 1);
	ring_spans(&h->replay, &a, &alen, &b, &blen);
	queue_output(c, a, alen);
	queue_output(c, b, blen);
}

static const struct request {
	uint8_t type;
	uint16_t len; /* exact payload length */
	const char *name;
} requests[] = {
	{ PROTO_ATTACH, 5, "attach" },
	{ PROTO_STATUS, 0, "status" },
	{ PROTO_PID, 0, "pid" },
	{ PROTO_STOP, 0, "stop" },
};

static enum right right_for(const struct proto_frame *f)
{
	switch (f->type) {
	case PROTO_ATTACH:
		return f->payload[0] ? RIGHT_WATCH : RIGHT_ATTACH;
	case PROTO_STOP:
		return RIGHT_STOP;
	default:
		return RIGHT_STATUS;
	}
}

/* The first frame: the request, checked against the peer's rights.  False: drop the peer. */
static bool handle_request(struct helper *h, struct client *c, const struct proto_frame *f)
{
	const struct request *req = NULL;

	for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
		if (requests[i].type == f->type && requests[i].len == f->len)
			req = &requests[i];
	if (!req) {
		audit(c, "unknown request", "dropped");
		return false;
	}
	enum right r = right_for(f);
	const char *what = f->type == PROTO_ATTACH && f->payload[0] ? "attach --read-only" : req->name;
	if (!allowed(h, c, r)) {
		audit(c, what, "refused");
		queue_frame(c, PROTO_DENIED, right_names[r], (uint16_t)strlen(right_names[r]));
		c->state = CLIENT_CLOSING;
		return true;
	}
	audit(c, what, "allowed");
	switch (f->type) {
	case PROTO_ATTACH:
		start_attach(h, c, f);
		break;
	case PROTO_STATUS:
	case PROTO_PID:
		queue_info(h, c);
		c->state = CLIENT_CLOSING;
		break;
	case PROTO_STOP:
		/* A first stop tells every stopping client, this one included; a later one
		 * only this one. */
		c->state = CLIENT_STOPPING;
		if (h->stop_sent)
			queue_frame(c, PROTO_STOPPING, NULL, 0);
		else
			loop_stop_node(h);
		break;
	}
	return true;
}

static void write_console(struct helper *h, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(h->pty, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a full pty input queue: typing is dropped, output is never held up */
		buf += n;
		len -= (size_t)n;
	}
}

/* Frames after the request: only an attached client sends any. */
static bool handle_frame(struct helper *h, struct client *c, const struct proto_frame *f)
{
	if (c->state == CLIENT_NEW)
		return handle_request(h, c, f);
	if (c->state != CLIENT_ATTACHED)
		return false;
	if (f->type == PROTO_INPUT && !c->read_only) {
		write_console(h, f->payload, f->len);
		return true;
	}
	if (f->type == PROTO_WINSIZE && f->len == 4) {
		if (!c->read_only)
			set_winsize(h, f->payload);
		return true;
	}
	return false;
}

void client_readable(struct helper *h, struct client *c)
{
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(h, c, NULL);
		return;
	}
	c->inlen += (size_t)n;
	for (;;) {
		struct proto_frame f;
		long used = proto_parse(c->in, c->inlen, &f);
		if (used == 0)
			return;
		if (used < 0 || !handle_frame(h, c, &f)) {
			client_drop(h, c, "bad frame");
			return;
		}
		memmove(c->in, c->in + used, c->inlen - (size_t)used);
		c->inlen -= (size_t)used;
	}
}

void client_writable(struct helper *h, struct client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_drop(h, c, NULL);
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	if (c->state == CLIENT_CLOSING)
		client_drop(h, c, NULL);
}

/* A peer that connected and sent no request within CLIENT_HELLO_MS holds a slot for
 * nothing. */
void client_expire(struct helper *h, long now_ms)
{
	for (size_t i = h->nclients; i-- > 0;) {
		struct client *c = h->clients[i];
		if (c->state == CLIENT_NEW && now_ms - c->since_ms >= CLIENT_HELLO_MS)
			client_drop(h, c, "sent no request");
	}
}

/* Milliseconds until the first silent peer is due to be dropped; -1 when none is waiting. */
int client_hello_wait(const struct helper *h, long now_ms)
{
	long wait = -1;

	for (size_t i = 0; i < h->nclients; i++) {
		const struct client *c = h->clients[i];
		if (c->state != CLIENT_NEW)
			continue;
		long left = c->since_ms + CLIENT_HELLO_MS - now_ms;
		left = left < 0 ? 0 : left;
		if (wait < 0 || left < wait)
			wait = left;
	}
	return (int)wait;
}

/* At the node's end: give every client up to timeout_ms to take its last frames (EXIT). */
void client_flush_all(struct helper *h, int timeout_ms)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (h->nclients > 0) {
		struct pollfd fds[HELPER_MAX_CLIENTS];
		struct client *owner[HELPER_MAX_CLIENTS];
		nfds_t n = 0;
		for (size_t i = 0; i < h->nclients; i++) {
			if (h->clients[i]->outoff == h->clients[i]->outlen)
				continue;
			owner[n] = h->clients[i];
			fds[n++] = (struct pollfd){ .fd = h->clients[i]->fd, .events = POLLOUT };
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (n == 0 || left <= 0 || poll(fds, n, (int)left) <= 0)
			break;
		for (nfds_t i = 0; i < n; i++)
			if (fds[i].revents)
				client_writable(h, owner[i]);
	}
}
