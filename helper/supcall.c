/* supcall.c: the calls the helper makes for its clients (supcall.h).  The node's frames are
 * read as they come, without waiting, in the helper's one loop; what they hold is judged by
 * distmsg.h, and the answer by sup.h, the same code kzlaunch's own calls use. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "die.h"
#include "distmsg.h"
#include "log.h"
#include "msg.h"
#include "request.h"
#include "slots.h"
#include "supcall.h"

#define READ_STEP (64 * 1024)

/* ---- starting ---- */

/* The calls of peers without the attach right, as slots.h counts them: every one that holds
 * or waits for a name. */
static const char *no_room_for(const struct sessions *ss, const struct session *c)
{
	size_t running = 0, same_uid = 0;

	for (size_t i = 0; i < ss->n; i++) {
		const struct session *o = ss->list[i];
		if (o == c || !o->made || !o->made->sup_only || o->state == SESSION_DROPPED)
			continue;
		running++;
		same_uid += o->uid == c->uid;
	}
	return slots_refuse_sup_call(running, same_uid);
}

/* An ERROR to the client, the call's connection closed: the session ends once it is sent. */
static void give_up(struct session *c, const char *why)
{
	if (c->made) {
		dist_close(&c->made->conn);
		c->made->over = true;
	}
	request_fail(c, why);
}

static uint32_t handshake_ms(const struct proto_frame *f)
{
	return proto_get32(f->payload); /* SUP's and PING's first field */
}

static struct supcall *new_call(const struct proto_frame *f, bool sup_only, const char *mod, const char *fun)
{
	struct supcall *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->ping = f->type == PROTO_PING;
	m->sup_only = sup_only;
	m->conn.fd = -1;
	if (!m->ping) {
		snprintf(m->mod, sizeof m->mod, "%s", mod);
		snprintf(m->fun, sizeof m->fun, "%s", fun);
		if (!(m->request = malloc(f->len))) {
			free(m);
			return NULL;
		}
		memcpy(m->request, f->payload, f->len);
		m->request_len = f->len;
	}
	return m;
}

const char *supcall_request(struct sessions *ss, struct session *c, const struct proto_frame *f, const char *mod,
			    const char *fun)
{
	bool sup_only = !request_allowed(ss, c, RIGHTS_ATTACH);
	const char *why = sup_only ? no_room_for(ss, c) : NULL;
	struct broker_answer conn;

	if (why) {
		give_up(c, why);
		return NULL;
	}
	if (!(c->made = new_call(f, sup_only, mod, fun))) {
		give_up(c, "the helper is out of memory");
		return NULL;
	}
	if (request_lease(ss, c, handshake_ms(f), &conn))
		supcall_connected(ss, c, &conn);
	return NULL;
}

/* The call goes out: erlang:node() for a ping, sup.erl's form for a sup. */
static int send_call(struct supcall *m, struct kz_err *err)
{
	struct msg_sup req;
	struct proto_frame f = { .type = PROTO_SUP, .len = m->request_len, .payload = m->request };
	ei_x_buff x;
	int rc;

	if (ei_x_new(&x) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "out of memory");
	if (m->ping) {
		rc = ei_x_encode_empty_list(&x) < 0 ? kz_err_set(err, KZ_EXIT_FAIL, "out of memory")
						    : dist_send_call(&m->conn, "erlang", "node", &x, err);
	} else if (msg_sup_decode(&f, &req) < 0) {
		rc = kz_err_set(err, KZ_EXIT_FAIL, "the request changed"); /* request.c decoded it */
	} else {
		rc = sup_encode(&x, ei_self(&m->conn.ec), ei_thisnodename(&m->conn.ec), m->mod, m->fun, req.args,
				req.nargs) < 0
			     ? kz_err_set(err, KZ_EXIT_FAIL, "a name that is not UTF-8")
			     : dist_send_call(&m->conn, "erl_eval", "expr", &x, err);
	}
	ei_x_free(&x);
	free(m->request);
	m->request = NULL;
	return rc;
}

void supcall_connected(struct sessions *ss, struct session *c, struct broker_answer *a)
{
	struct supcall *m = c->made;
	struct kz_err err = { 0 };

	(void)ss;
	c->holds_name = true;
	c->state = SESSION_MADE;
	if (dist_adopt(&m->conn, a->fd, a->text, a->creation, &err) < 0 || send_call(m, &err) < 0) {
		log_msg(LOG_WARNING, "peer uid=%u pid=%d: %s: %s", (unsigned)c->uid, (int)c->pid, m->ping ? "ping" : "sup",
			err.msg ? err.msg : "no call");
		give_up(c, err.msg ? err.msg : "the call could not be made");
	}
	a->fd = -1; /* the call's own now, closed with it */
	kz_err_clear(&err);
}

void supcall_free(struct supcall *m)
{
	if (!m)
		return;
	dist_close(&m->conn);
	sup_outcome_free(&m->outcome);
	free(m->request);
	free(m->in);
	free(m);
}

/* ---- relaying ---- */

/* Room for another piece toward the client: never more than half its queue, so DONE and
 * ERROR always fit after. */
static bool room(const struct session *c)
{
	return outq_pending(&c->out) < OUTQ_MAX / 2;
}

/* bytes[*done..len) toward the client as frames of `type`, while it has room: true once all
 * of it is queued. */
static bool relay(struct session *c, uint8_t type, const char *bytes, size_t len, size_t *done)
{
	while (*done < len) {
		size_t n = len - *done < PROTO_MAX_PAYLOAD ? len - *done : PROTO_MAX_PAYLOAD;
		if (!room(c) || !outq_frame(&c->out, type, bytes + *done, (uint16_t)n))
			return false;
		*done += n;
	}
	return true;
}

static void take(struct supcall *m, size_t n)
{
	memmove(m->in, m->in + n, m->len - n);
	m->len -= n;
	m->relayed = 0;
}

/* The node's answer: what sup.erl says of the call, or, for a ping, that there was one.  The
 * connection has served: closed now, so its name can be leased again once the session ends. */
static void answered(struct session *c, struct supcall *m, const struct term *result)
{
	dist_close(&m->conn);
	if (m->ping)
		m->outcome = (struct sup_outcome){ .done = PROTO_DONE_OK };
	else if (sup_outcome_read(result, &m->outcome) < 0) {
		give_up(c, "the node answered the sup call with what sup.erl does not give");
		return;
	}
	m->answered = true;
	m->relayed = 0;
}

/* The result's text, then DONE. */
static bool finish(struct session *c, struct supcall *m)
{
	uint8_t payload[MSG_DONE_LEN];
	const struct msg_done done = { .outcome = (uint8_t)m->outcome.done, .code = m->outcome.code };

	if (!relay(c, PROTO_RESULT, m->outcome.text, m->outcome.len, &m->relayed))
		return false;
	outq_frame(&c->out, PROTO_DONE, payload, msg_done_encode(&done, payload));
	m->over = true;
	c->state = SESSION_CLOSING;
	return true;
}

/* A tick's answer, never waited for: see dist.c's dist_receive. */
static void tock(struct supcall *m)
{
	static const uint8_t zero[4];

	if (send(m->conn.fd, zero, sizeof zero, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
		log_msg(LOG_DEBUG, "answering a tick: %m");
}

/* The whole frames read so far, as far as the client's room allows. */
static void pump(struct session *c, struct supcall *m)
{
	m->stalled = false;
	while (!m->over) {
		if (m->answered) {
			m->stalled = !finish(c, m);
			return;
		}
		if (m->len < 4)
			return;
		size_t n = proto_get32(m->in);
		struct distmsg msg;
		if (n > DISTMSG_FRAME_MAX) {
			give_up(c, "the node sent a frame larger than the helper reads");
			return;
		}
		if (m->len - 4 < n)
			return;
		if (n == 0) {
			tock(m);
			take(m, 4);
			continue;
		}
		if (distmsg_read((const char *)m->in + 4, n, ei_self(&m->conn.ec), &msg) < 0) {
			give_up(c, "the node sent a frame that is not a whole message");
			return;
		}
		if (msg.kind == DISTMSG_OUTPUT && !relay(c, PROTO_OUTPUT, msg.bytes, msg.len, &m->relayed)) {
			m->stalled = true;
			return;
		}
		if (msg.kind == DISTMSG_REX)
			answered(c, m, &msg.result); /* points into m->in: read before it is taken */
		take(m, 4 + n);
	}
}

/* What the node has sent, without waiting for more. */
static void read_more(struct session *c, struct supcall *m)
{
	if (m->cap - m->len < READ_STEP) {
		size_t cap = m->cap ? m->cap * 2 : READ_STEP;
		while (cap - m->len < READ_STEP)
			cap *= 2;
		uint8_t *p = realloc(m->in, cap);
		if (!p) {
			give_up(c, "the helper is out of memory");
			return;
		}
		m->in = p;
		m->cap = cap;
	}
	ssize_t n = recv(m->conn.fd, m->in + m->len, READ_STEP, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		give_up(c, n == 0 ? "the node closed the connection before the call returned" : "reading from the node failed");
		return;
	}
	m->len += (size_t)n;
}

/* ---- the loop's row ---- */

static bool reading(const struct session *c)
{
	return c->state == SESSION_MADE && c->made && !c->made->over && !c->made->stalled && c->made->conn.fd >= 0;
}

size_t supcall_poll(const void *part, struct pollfd *fds)
{
	const struct sessions *ss = part;
	size_t k = 0;

	for (size_t i = 0; i < ss->n && k < DIST_HELPER_NAMES; i++)
		if (reading(ss->list[i]))
			fds[k++] = (struct pollfd){ .fd = ss->list[i]->made->conn.fd, .events = POLLIN };
	return k;
}

static bool ready_in(const struct pollfd *fds, size_t n, int fd)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i].fd == fd)
			return fds[i].revents != 0;
	return false;
}

unsigned supcall_serve(void *part, const struct pollfd *fds, size_t n)
{
	struct sessions *ss = part;

	for (size_t i = 0; i < ss->n; i++) {
		struct session *c = ss->list[i];
		if (c->state != SESSION_MADE || !c->made || c->made->over)
			continue;
		if (reading(c) && ready_in(fds, n, c->made->conn.fd))
			read_more(c, c->made);
		if (!c->made->over)
			pump(c, c->made);
	}
	return 0;
}

int supcall_wait(void *part, long now_ms)
{
	const struct sessions *ss = part;

	(void)now_ms;
	for (size_t i = 0; i < ss->n; i++) {
		const struct session *c = ss->list[i];
		if (c->state == SESSION_MADE && c->made && c->made->stalled && room(c))
			return 0;
	}
	return -1;
}
