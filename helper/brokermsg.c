/* brokermsg.c: the helper–broker channel's messages, both ends (brokermsg.h).  Nothing here
 * connects to a node or holds a cookie. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "brokermsg.h"
#include "dist.h"
#include "fd.h"
#include "proto.h"

#define REQUEST_LEN 10 /* u32 id, u8 kind, u8 name, u32 ms; a ready call's: then u8 len + MOD, u8 len + FUN */
#define REQUEST_MAX (REQUEST_LEN + 2 * (1 + BROKER_ATOM_MAX))
#define ANSWER_HEAD 9 /* u32 id, u8 ok, u32 creation (a boot probe's: its verdict); then the text */

static int ask(int fd, uint32_t id, uint8_t kind, unsigned name, uint32_t ms)
{
	uint8_t req[REQUEST_LEN];

	proto_put32(req, id);
	req[4] = kind;
	req[5] = (uint8_t)name;
	proto_put32(req + 6, ms);
	return fd >= 0 && send(fd, req, sizeof req, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof req ? 0 : -1;
}

int broker_ask(const struct broker_link *b, uint32_t id, unsigned name, uint32_t ms)
{
	return ask(b->fd, id, BROKER_CONNECT, name, ms);
}

int broker_ask_standby(const struct broker_link *b, unsigned name)
{
	return ask(b->fd, BROKER_STANDBY_ID, BROKER_STANDBY, name, 0);
}

int broker_ask_boot(const struct broker_link *b)
{
	return ask(b->fd, BROKER_BOOT_ID, BROKER_BOOT, DIST_PROBE_NAME, BROKER_BOOT_PROBE_MS);
}

int broker_ask_restart(const struct broker_link *b)
{
	return ask(b->fd, BROKER_RESTART_ID, BROKER_RESTART, DIST_PROBE_NAME, BROKER_BOOT_PROBE_MS);
}

int broker_ask_ping(const struct broker_link *b, uint32_t ms)
{
	return ask(b->fd, BROKER_PING_ID, BROKER_PING, DIST_PROBE_NAME, ms);
}

int broker_ask_ready(const struct broker_link *b, const char *mod, const char *fun)
{
	uint8_t req[REQUEST_MAX];
	size_t mlen = strlen(mod), flen = strlen(fun), len = REQUEST_LEN;

	if (b->fd < 0 || mlen == 0 || flen == 0 || mlen > BROKER_ATOM_MAX || flen > BROKER_ATOM_MAX)
		return -1;
	proto_put32(req, BROKER_READY_ID);
	req[4] = BROKER_READY;
	req[5] = DIST_PROBE_NAME;
	proto_put32(req + 6, BROKER_BOOT_PROBE_MS);
	req[len++] = (uint8_t)mlen;
	memcpy(req + len, mod, mlen);
	len += mlen;
	req[len++] = (uint8_t)flen;
	memcpy(req + len, fun, flen);
	len += flen;
	return send(b->fd, req, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* One length-prefixed atom of a ready call's request at *at: 0 with it in out, -1 when it
 * does not fit what is left or is empty. */
static int take_atom(const uint8_t *req, size_t n, size_t *at, char out[static BROKER_ATOM_MAX + 1])
{
	size_t len;

	if (*at >= n || (len = req[*at]) == 0 || n - *at - 1 < len)
		return -1;
	memcpy(out, req + *at + 1, len);
	out[len] = '\0';
	*at += 1 + len;
	return memchr(out, '\0', len) ? -1 : 0;
}

int broker_read(struct broker_link *b, struct broker_answer *a)
{
	uint8_t msg[ANSWER_HEAD + BROKER_TEXT_MAX];
	ssize_t n;

	if (b->fd < 0)
		return -1;
	n = fd_recv_passed(b->fd, msg, sizeof msg, &a->fd, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < ANSWER_HEAD) {
		if (a->fd >= 0)
			close(a->fd);
		close(b->fd);
		b->fd = -1;
		return -1;
	}
	a->id = proto_get32(msg);
	a->creation = proto_get32(msg + 5);
	a->boot = BROKER_BOOT_STARTING;
	a->taken = a->ready = false;
	/* A boot probe's and a restart's answers carry their verdict where a connection's has
	 * the creation. */
	if (a->id == BROKER_BOOT_ID) {
		if (a->creation == BROKER_BOOT_STARTED || a->creation == BROKER_BOOT_REFUSED)
			a->boot = (enum broker_boot)a->creation;
		a->creation = 0;
	} else if (a->id == BROKER_RESTART_ID || a->id == BROKER_PING_ID) {
		a->taken = a->creation == 1;
		a->creation = 0;
	} else if (a->id == BROKER_READY_ID) {
		a->ready = a->creation == 1;
		a->creation = 0;
	}
	size_t len = (size_t)n - ANSWER_HEAD;
	if (len >= BROKER_TEXT_MAX)
		len = BROKER_TEXT_MAX - 1;
	memcpy(a->text, msg + ANSWER_HEAD, len);
	a->text[len] = '\0';
	if (!msg[4] && a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	return 1;
}

int broker_request_recv(int fd, struct broker_request *r)
{
	uint8_t req[REQUEST_MAX];
	ssize_t n;
	size_t at = REQUEST_LEN;

	while ((n = recv(fd, req, sizeof req, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return -1;
	if (n < REQUEST_LEN ||
	    !memchr((char[]){ BROKER_CONNECT, BROKER_STANDBY, BROKER_BOOT, BROKER_RESTART, BROKER_PING, BROKER_READY },
		    req[4], 6))
		return 0;
	r->id = proto_get32(req);
	r->kind = (enum broker_kind)req[4];
	r->name = req[5];
	r->ms = proto_get32(req + 6);
	r->mod[0] = r->fun[0] = '\0';
	if (r->kind != BROKER_READY)
		return n == REQUEST_LEN;
	if (take_atom(req, (size_t)n, &at, r->mod) < 0 || take_atom(req, (size_t)n, &at, r->fun) < 0 ||
	    at != (size_t)n)
		return 0;
	return 1;
}

int broker_answer_send(int fd, uint32_t id, int conn, uint32_t creation, const char *text)
{
	uint8_t msg[ANSWER_HEAD + BROKER_TEXT_MAX];
	size_t len = strnlen(text, BROKER_TEXT_MAX - 1);
	struct iovec iov = { .iov_base = msg, .iov_len = ANSWER_HEAD + len };

	proto_put32(msg, id);
	msg[4] = conn >= 0 || (id == BROKER_BOOT_ID && creation);
	proto_put32(msg + 5, creation);
	memcpy(msg + ANSWER_HEAD, text, len);
	return fd_send_passing(fd, &iov, 1, conn, 0) < 0 ? -1 : 0;
}
