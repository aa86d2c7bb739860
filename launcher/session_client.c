/* session_client.c: the launcher's end of the helper's sessions. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "msg.h"
#include "session_client.h"

/* How long the helper may take to accept, and to answer a request. */
#define CLIENT_ANSWER_SEC 10

static int set_timeout(int fd, int opt, time_t sec, struct kz_err *err)
{
	struct timeval tv = { .tv_sec = sec };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "helper socket: setsockopt");
	return 0;
}

int client_connect(struct client *c, const char *rundir, const char *rel, const char *node, struct kz_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = proto_socket_path(rundir, rel);

	c->fd = -1;
	c->node = node;
	c->asking = NULL;
	if (!path)
		return kz_err_errno(err, KZ_EXIT_FAIL, "socket path");
	if (strlen(path) >= sizeof sa.sun_path) {
		kz_err_set(err, EX_CONFIG, "%s: socket path longer than %zu bytes", path, sizeof sa.sun_path - 1);
		free(path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	free(path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "socket");
	/* connect() waits while the helper's backlog is full (a stopped helper): bounded too. */
	if (set_timeout(c->fd, SO_SNDTIMEO, CLIENT_ANSWER_SEC, err) < 0)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return CLIENT_OK;
	int e = errno;
	client_close(c);
	errno = e;
	if (e == ENOENT || e == ECONNREFUSED)
		return CLIENT_NOT_RUNNING;
	if (e == EAGAIN || e == EWOULDBLOCK)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper did not accept the connection within %d s",
				  sa.sun_path, CLIENT_ANSWER_SEC);
	return kz_err_errno(err, e == EACCES ? EX_NOPERM : KZ_EXIT_FAIL, "%s", sa.sun_path);
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* A helper whose node has just ended may close a connection it had not yet accepted. */
static bool helper_went_away(int rc)
{
	return rc == 0 || (rc < 0 && (errno == ECONNRESET || errno == EPIPE));
}

static int turned_away(const struct client *c, struct kz_err *err)
{
	struct msg_text why = msg_text_of(&c->f);

	if (c->f.type == PROTO_DENIED)
		return kz_err_set(err, EX_NOPERM, "%s: permission denied: uid %u lacks the %.*s right%s%s", c->node,
				  (unsigned)getuid(), (int)why.len, why.s, c->asking ? " " : "", c->asking ? c->asking : "");
	return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper turned this connection away: %.*s", c->node,
			  (int)why.len, why.s);
}

static bool refused(const struct proto_frame *f)
{
	return f->type == PROTO_DENIED || f->type == PROTO_ERROR;
}

/* A helper gone in between means the node is too; one that refused the connection may have
 * closed it before the request arrived, so its ERROR is looked for even when sending failed. */
int client_request(struct client *c, uint8_t type, const void *payload, uint16_t len, struct kz_err *err)
{
	int sent, rc;

	if (set_timeout(c->fd, SO_SNDTIMEO, CLIENT_ANSWER_SEC, err) < 0 ||
	    set_timeout(c->fd, SO_RCVTIMEO, CLIENT_ANSWER_SEC, err) < 0)
		return -1;
	sent = proto_send(c->fd, type, payload, len);
	if (sent < 0 && !helper_went_away(sent))
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: helper socket: send", c->node);
	rc = proto_recv(c->fd, &c->f, c->buf);
	if (rc == 1 && refused(&c->f))
		return turned_away(c, err);
	if (sent < 0 || helper_went_away(rc))
		return CLIENT_NOT_RUNNING;
	if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper did not answer within %d s", c->node,
				  CLIENT_ANSWER_SEC);
	if (rc < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: helper socket", c->node);
	/* From here attach and stop wait as long as the node lives. */
	if (set_timeout(c->fd, SO_SNDTIMEO, 0, err) < 0 || set_timeout(c->fd, SO_RCVTIMEO, 0, err) < 0)
		return -1;
	return CLIENT_OK;
}

int client_next(struct client *c, struct kz_err *err)
{
	int rc = proto_recv(c->fd, &c->f, c->buf);

	if (rc == 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper closed the connection", c->node);
	if (rc < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: helper socket", c->node);
	if (refused(&c->f))
		return turned_away(c, err);
	return 0;
}

int client_send(struct client *c, uint8_t type, const void *payload, uint16_t len, struct kz_err *err)
{
	if (proto_send(c->fd, type, payload, len) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "helper socket: send");
	return 0;
}

int client_call(struct client *c, const char *what, unsigned ms, struct call_handover *out, struct kz_err *err)
{
	struct msg_call call = { .handshake_ms = ms, .what = { what, strlen(what) } };
	struct msg_call_ready ready;
	uint8_t req[PROTO_MAX_PAYLOAD];
	uint16_t len = msg_call_encode(&call, req);
	const struct proto_frame *f = &c->f;
	int rc;

	out->conn_fd = -1;
	if (set_timeout(c->fd, SO_SNDTIMEO, CLIENT_ANSWER_SEC, err) < 0)
		return -1;
	if (proto_send(c->fd, PROTO_CALL, req, len) < 0 && !helper_went_away(-1))
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: helper socket: send", c->node);
	/* The broker's handshake is bounded by ms; the helper answers within that and a little. */
	if (set_timeout(c->fd, SO_RCVTIMEO, CLIENT_ANSWER_SEC + ms / 1000, err) < 0)
		return -1;
	rc = proto_recv_fd(c->fd, &c->f, c->buf, &out->conn_fd);
	if (rc == 1 && refused(f))
		return turned_away(c, err);
	if (helper_went_away(rc))
		return CLIENT_NOT_RUNNING;
	if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper did not answer within %u s", c->node,
				  CLIENT_ANSWER_SEC + ms / 1000);
	if (rc < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: helper socket", c->node);
	if (msg_call_ready_decode(f, &ready) < 0 || out->conn_fd < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper answered a call with frame %u", c->node, f->type);
	out->creation = ready.creation;
	if (!(out->self = strndup(ready.self.s, ready.self.len)) || !(out->node = strndup(ready.node.s, ready.node.len)))
		return kz_err_errno(err, KZ_EXIT_FAIL, "out of memory");
	return CLIENT_OK;
}

/* The next frame by the deadline: 1 with it in c->f, 0 when the deadline passed first, -1
 * with errno (0: the helper closed the connection). */
static int next_by(struct client *c, long deadline)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int rc;

	for (;;) {
		long left = deadline < 0 ? -1 : deadline - fd_now_ms();
		if (deadline >= 0 && left <= 0)
			return 0;
		rc = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (rc > 0)
			break;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
	rc = proto_recv(c->fd, &c->f, c->buf);
	if (rc == 0)
		errno = 0;
	return rc == 1 ? 1 : -1;
}

static int keep_result(struct client_call_end *end, const struct proto_frame *f)
{
	char *p = realloc(end->result, end->len + f->len + 1);

	if (!p)
		return -1;
	memcpy(p + end->len, f->payload, f->len);
	end->len += f->len;
	p[end->len] = '\0';
	end->result = p;
	return 0;
}

int client_made_call(struct client *c, uint8_t type, const void *payload, uint16_t len, long deadline,
		     void (*out)(void *arg, const char *bytes, size_t len), void *arg, struct client_call_end *end,
		     struct kz_err *err)
{
	bool answered = false;
	int sent, rc;

	*end = (struct client_call_end){ 0 };
	if (set_timeout(c->fd, SO_SNDTIMEO, CLIENT_ANSWER_SEC, err) < 0)
		return -1;
	sent = proto_send(c->fd, type, payload, len);
	if (sent < 0 && !helper_went_away(sent))
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: helper socket: send", c->node);
	while ((rc = next_by(c, deadline)) == 1) {
		const struct proto_frame *f = &c->f;
		if (f->type == PROTO_ERROR) { /* busy, no connection, or the node gone mid-call */
			struct msg_text why = msg_text_of(f);
			return kz_err_set(err, KZ_EXIT_FAIL, "%s: the call failed: %.*s", c->node, (int)why.len, why.s);
		}
		if (refused(f))
			return turned_away(c, err);
		answered = true;
		if (f->type == PROTO_OUTPUT && out)
			out(arg, (const char *)f->payload, f->len);
		else if (f->type == PROTO_RESULT && keep_result(end, f) < 0)
			return kz_err_errno(err, KZ_EXIT_FAIL, "out of memory");
		else if (f->type == PROTO_DONE)
			return msg_done_decode(f, &end->done) == 0 ? CLIENT_OK
				: kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper sent a DONE frame kzlaunch does not know", c->node);
		else if (f->type != PROTO_OUTPUT && f->type != PROTO_RESULT)
			return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper answered a call with frame %u", c->node, f->type);
	}
	if (rc == 0)
		return CLIENT_TIMED_OUT;
	if (!answered && (errno == 0 || errno == ECONNRESET || errno == EPIPE))
		return CLIENT_NOT_RUNNING;
	if (errno == 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper closed the connection before the call ended", c->node);
	return kz_err_errno(err, KZ_EXIT_FAIL, "%s: helper socket", c->node);
}
