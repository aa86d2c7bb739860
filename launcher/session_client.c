/* session_client.c: the launcher's end of the helper's sessions. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "session_client.h"

/* How long the helper may take to accept, and to answer a request. */
#define CLIENT_ANSWER_SEC 10
/* The longest CALL text the helper logs (rights.h); a longer one is cut. */
#define CLIENT_CALL_TEXT_MAX 512

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
	const struct proto_frame *f = &c->f;

	if (f->type == PROTO_DENIED)
		return kz_err_set(err, EX_NOPERM, "%s: permission denied: uid %u lacks the %.*s right", c->node,
				  (unsigned)getuid(), (int)(f->len > 16 ? 16 : f->len), (const char *)f->payload);
	return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper turned this connection away: %.*s", c->node,
			  (int)(f->len > 64 ? 64 : f->len), (const char *)f->payload);
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

int client_call(struct client *c, const char *what, unsigned ms, struct client_call *out, struct kz_err *err)
{
	uint8_t req[4 + CLIENT_CALL_TEXT_MAX];
	size_t wlen = strlen(what) < CLIENT_CALL_TEXT_MAX ? strlen(what) : CLIENT_CALL_TEXT_MAX;
	const struct proto_frame *f = &c->f;
	int rc;

	out->conn_fd = -1;
	proto_put32(req, ms);
	memcpy(req + 4, what, wlen);
	if (set_timeout(c->fd, SO_SNDTIMEO, CLIENT_ANSWER_SEC, err) < 0)
		return -1;
	if (proto_send(c->fd, PROTO_CALL, req, (uint16_t)(4 + wlen)) < 0 && !helper_went_away(-1))
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
	if (f->type != PROTO_CALL_READY || f->len < 6 || f->len < 5 + f->payload[4] || out->conn_fd < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the helper answered a call with frame %u", c->node, f->type);
	out->creation = proto_get32(f->payload);
	size_t slen = f->payload[4];
	if (!(out->self = strndup((const char *)f->payload + 5, slen)) ||
	    !(out->node = strndup((const char *)f->payload + 5 + slen, f->len - 5 - slen)))
		return kz_err_errno(err, KZ_EXIT_FAIL, "out of memory");
	return CLIENT_OK;
}
