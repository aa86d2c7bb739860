/* broker.c: connections to the node on request, in a process that holds the cookie and
 * nothing else (broker.h).  The channel is a SOCK_SEQPACKET pair: one message per request
 * and per answer, each whole or not at all. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "broker.h"
#include "die.h"
#include "dist.h"
#include "fd.h"
#include "log.h"
#include "proto.h"
#include "term.h"

#define REQUEST_LEN 10 /* u32 id, u8 kind, u8 name, u32 ms */
#define KIND_CONNECT 'C'
#define KIND_BOOT 'B'
#define KIND_STANDBY 'S'
#define BOOT_PROBE_MS 2000 /* a node that takes longer to say how it is is asked again */
#define ANSWER_HEAD 9 /* u32 id, u8 ok, u32 creation (a boot probe's: its verdict); then the text */

static void answer(int fd, uint32_t id, int conn, uint32_t creation, const char *text)
{
	uint8_t msg[ANSWER_HEAD + BROKER_TEXT_MAX];
	size_t len = strnlen(text, BROKER_TEXT_MAX - 1);
	struct iovec iov = { .iov_base = msg, .iov_len = ANSWER_HEAD + len };

	proto_put32(msg, id);
	msg[4] = conn >= 0 || (id == BROKER_BOOT_ID && creation);
	proto_put32(msg + 5, creation);
	memcpy(msg + ANSWER_HEAD, text, len);
	if (fd_send_passing(fd, &iov, 1, conn, 0) < 0)
		_exit(0); /* the helper is gone */
}

/* What the broker keeps between requests: the node as epmd placed it (a node keeps its port
 * for its life, and the helper serves one node's life), the cookie that worked last, and the
 * boot probe's connection. */
struct broker {
	const char *node;
	struct sockowner_want who; /* the node: only its own listener is given a cookie's proof */
	char *const *cookies;
	size_t ncookies, current;
	struct dist_peer peer;
	struct dist_conn probe;
};

/* The cookie that last worked first; a refusal tries the next, since the node's cookie
 * changes once while it boots when the release holds kazoo_apps_init. */
static int shake(struct broker *b, struct dist_conn *conn, unsigned name, unsigned ms, struct kz_err *err)
{
	if (!b->peer.known && dist_locate(&b->peer, b->node, &b->who, err) < 0)
		return -1;
	for (size_t tries = 0; tries < b->ncookies; tries++) {
		kz_err_clear(err);
		if (dist_shake(conn, &b->peer, b->cookies[b->current], name, ms, err) == 0)
			return 0;
		if (err->status != EX_NOPERM)
			return -1;
		b->current = (b->current + 1) % b->ncookies;
	}
	return -1;
}

static void serve_one(int fd, struct broker *b, const uint8_t *req)
{
	uint32_t id = proto_get32(req), ms = proto_get32(req + 6);
	struct dist_conn conn = { .fd = -1 };
	struct kz_err err = { 0 };

	if (shake(b, &conn, req[5], ms, &err) < 0) {
		answer(fd, id, -1, 0, err.msg ? err.msg : "no connection");
		kz_err_clear(&err);
		return;
	}
	answer(fd, id, conn.fd, ei_self(&conn.ec)->creation, ei_thisnodename(&conn.ec));
	dist_close(&conn);
}

/* {started, started}: the boot script has run to its end, every application is up. */
static bool started(const struct term *t)
{
	struct term e[2];

	return term_tagged(t, "started", 2, e) == 0 && term_is_atom(&e[1], "started");
}

/* init:get_status() over the probe's own connection, made again whenever it broke. */
static void serve_boot(int fd, struct broker *b)
{
	struct kz_err err = { 0 };
	ei_x_buff args, reply;
	struct term result;
	int at = 0;

	if (b->probe.fd < 0 && shake(b, &b->probe, DIST_PROBE_NAME, BOOT_PROBE_MS, &err) < 0) {
		answer(fd, BROKER_BOOT_ID, -1, err.status == EX_NOPERM ? BROKER_BOOT_REFUSED : BROKER_BOOT_STARTING,
		       err.msg ? err.msg : "no connection");
		kz_err_clear(&err);
		return;
	}
	if (ei_x_new(&args) < 0 || ei_x_new(&reply) < 0 || ei_x_encode_empty_list(&args) < 0)
		_exit(1);
	int rc = dist_call(&b->probe, "init", "get_status", &args, BOOT_PROBE_MS, NULL, NULL, &reply, &at, &err);
	bool done = rc == 0 && term_at(reply.buff, reply.index, at, &result) == 0 && started(&result);
	answer(fd, BROKER_BOOT_ID, -1, done ? BROKER_BOOT_STARTED : BROKER_BOOT_STARTING,
	       done ? "started" : rc == 0 ? "starting" : err.msg ? err.msg : "no answer");
	kz_err_clear(&err);
	ei_x_free(&args);
	ei_x_free(&reply);
	/* Once it has booted, or when the connection failed, this connection is done. */
	if (done || rc != 0)
		dist_close(&b->probe);
}

static noreturn void serve(int fd, const char *node, pid_t node_pid, char *const cookies[], size_t ncookies)
{
	struct broker b = { .node = node, .cookies = cookies, .ncookies = ncookies, .probe = { .fd = -1 } };

	/* The broker runs as the node's user, so the node's descriptors are its to see. */
	b.who.uid = getuid();
	b.who.pid = node_pid;

	for (;;) {
		uint8_t req[REQUEST_LEN];
		ssize_t n = recv(fd, req, sizeof req, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the helper closed its end: it is gone */
		if (n == REQUEST_LEN && (req[4] == KIND_CONNECT || req[4] == KIND_STANDBY))
			serve_one(fd, &b, req);
		else if (n == REQUEST_LEN && req[4] == KIND_BOOT)
			serve_boot(fd, &b);
	}
}

int broker_start(const char *node, pid_t node_pid, char *const cookies[], size_t ncookies, struct kz_err *err)
{
	int pair[2];
	pid_t pid;

	if (ncookies == 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "broker: no cookie");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "socketpair");
	pid = fork();
	if (pid < 0) {
		close(pair[0]);
		close(pair[1]);
		return kz_err_errno(err, KZ_EXIT_FAIL, "fork");
	}
	if (pid == 0) {
		/* Nothing of the helper's but the channel: not the pty, the socket or the log. */
		if (dup3(pair[1], 3, O_CLOEXEC) < 0 && pair[1] != 3)
			_exit(1);
		if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
			_exit(1);
		serve(3, node, node_pid, cookies, ncookies);
	}
	close(pair[1]);
	return pair[0];
}

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
	return ask(b->fd, id, KIND_CONNECT, name, ms);
}

int broker_ask_standby(const struct broker_link *b, unsigned name)
{
	return ask(b->fd, BROKER_STANDBY_ID, KIND_STANDBY, name, 0);
}

int broker_ask_boot(const struct broker_link *b)
{
	return ask(b->fd, BROKER_BOOT_ID, KIND_BOOT, DIST_PROBE_NAME, BOOT_PROBE_MS);
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
	/* A boot probe's answer carries its verdict where a connection's has the creation. */
	if (a->id == BROKER_BOOT_ID) {
		if (a->creation == BROKER_BOOT_STARTED || a->creation == BROKER_BOOT_REFUSED)
			a->boot = (enum broker_boot)a->creation;
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
