/* broker.c: connections to the node on request, in a process that holds the cookie and
 * nothing else (broker.h).  Its requests and answers are brokermsg.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/close_range.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "broker.h"
#include "die.h"
#include "dist.h"
#include "fd.h"
#include "log.h"
#include "sandbox.h"
#include "term.h"

/* The helper is gone once it cannot take an answer: so is the broker. */
static void answer(int fd, uint32_t id, int conn, uint32_t creation, const char *text)
{
	if (broker_answer_send(fd, id, conn, creation, text) < 0)
		_exit(0);
}

/* What the broker keeps between requests: the node as epmd placed it (a node keeps its port
 * until init:restart() starts its distribution again, on another port), the cookie that
 * worked last, and the boot probe's connection. */
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
		if (err->status != EX_NOPERM) {
			b->peer.known = false; /* a restarted node listens elsewhere: ask epmd again */
			return -1;
		}
		b->current = (b->current + 1) % b->ncookies;
	}
	return -1;
}

static void serve_one(int fd, struct broker *b, const struct broker_request *r)
{
	struct dist_conn conn = { .fd = -1 };
	struct kz_err err = { 0 };

	if (shake(b, &conn, r->name, r->ms, &err) < 0) {
		answer(fd, r->id, -1, 0, err.msg ? err.msg : "no connection");
		kz_err_clear(&err);
		return;
	}
	answer(fd, r->id, conn.fd, ei_self(&conn.ec)->creation, ei_thisnodename(&conn.ec));
	dist_close(&conn);
}

/* {started, started}: the boot script has run to its end, every application is up. */
static bool started(const struct term *t)
{
	struct term e[2];

	return term_tagged(t, "started", 2, e) == 0 && term_is_atom(&e[1], "started");
}

/* The probe's connection could not be made: err says why (EX_NOPERM: every cookie refused). */
#define PROBE_NO_CONNECTION (-2)

/* mod:fun() over the probe's own connection, made first when there is none: 0 with *result
 * in reply (which the caller frees either way); DIST_TIMEDOUT, -1 or PROBE_NO_CONNECTION with
 * err.  A failed call closes the connection: a reply that comes late must not be taken for
 * the next call's. */
static int probe_call(struct broker *b, const char *mod, const char *fun, uint32_t ms, ei_x_buff *reply,
		      struct term *result, struct kz_err *err)
{
	ei_x_buff args;
	int at = 0, rc;

	if (ei_x_new(reply) < 0)
		_exit(1);
	if (b->probe.fd < 0 && shake(b, &b->probe, DIST_PROBE_NAME, ms, err) < 0)
		return PROBE_NO_CONNECTION;
	if (ei_x_new(&args) < 0 || ei_x_encode_empty_list(&args) < 0)
		_exit(1);
	rc = dist_call(&b->probe, mod, fun, &args, ms, NULL, NULL, reply, &at, err);
	ei_x_free(&args);
	if (rc == 0 && term_at(reply->buff, reply->index, at, result) < 0)
		rc = kz_err_set(err, KZ_EXIT_FAIL, "%s:%s(): its reply is not a term", mod, fun);
	if (rc != 0)
		dist_close(&b->probe);
	return rc;
}

/* Why there was no reply, for an answer's text. */
static const char *no_reply(int rc, const struct kz_err *err)
{
	if (err->msg)
		return err->msg;
	return rc == PROBE_NO_CONNECTION ? "no connection" : "no answer";
}

/* init:get_status(); the connection is kept until the boot has finished. */
static void serve_boot(int fd, struct broker *b)
{
	struct kz_err err = { 0 };
	ei_x_buff reply;
	struct term result;
	int rc = probe_call(b, "init", "get_status", BROKER_BOOT_PROBE_MS, &reply, &result, &err);
	bool done = rc == 0 && started(&result);

	if (rc == PROBE_NO_CONNECTION && err.status == EX_NOPERM)
		answer(fd, BROKER_BOOT_ID, -1, BROKER_BOOT_REFUSED, no_reply(rc, &err));
	else
		answer(fd, BROKER_BOOT_ID, -1, done ? BROKER_BOOT_STARTED : BROKER_BOOT_STARTING,
		       done ? "started" : rc == 0 ? "starting" : no_reply(rc, &err));
	kz_err_clear(&err);
	ei_x_free(&reply);
	if (done)
		dist_close(&b->probe);
}

/* init:restart(), which ends the probe's connection: the node's distribution goes down with
 * its applications, and comes back on another port. */
static void serve_restart(int fd, struct broker *b)
{
	struct kz_err err = { 0 };
	ei_x_buff reply;
	struct term result;
	int rc = probe_call(b, "init", "restart", BROKER_BOOT_PROBE_MS, &reply, &result, &err);
	bool taken = rc == 0 && term_is_atom(&result, "ok");

	answer(fd, BROKER_RESTART_ID, -1, taken,
	       taken ? "ok" : rc == 0 ? "init:restart() did not answer ok" : no_reply(rc, &err));
	kz_err_clear(&err);
	ei_x_free(&reply);
	dist_close(&b->probe);
	b->peer.known = false;
}

/* erlang:node() through rex, the connection kept between pings: a node that still answers it
 * has its distribution, a scheduler and rex alive. */
static void serve_ping(int fd, struct broker *b, uint32_t ms)
{
	struct kz_err err = { 0 };
	ei_x_buff reply;
	struct term result;
	int rc = probe_call(b, "erlang", "node", ms, &reply, &result, &err);

	answer(fd, BROKER_PING_ID, -1, rc == 0, rc == 0 ? "answered" : no_reply(rc, &err));
	kz_err_clear(&err);
	ei_x_free(&reply);
}

/* What the ready function returned, on one short line: printed by libei (terms only shown,
 * never parsed back), control bytes made '?', cut with "..." to fit an answer. */
#define RENDER_MAX 160

static void render(const struct term *t, char out[static RENDER_MAX + 1])
{
	char *s = NULL;
	int at = t->start;
	size_t len;

	if (ei_s_print_term(&s, t->buf, &at) < 0 || !s) {
		free(s);
		strcpy(out, "a term libei cannot print");
		return;
	}
	len = strlen(s);
	if (len > RENDER_MAX) {
		memcpy(s + RENDER_MAX - 3, "...", 4);
		len = RENDER_MAX;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[len] = '\0';
	free(s);
}

/* The policy's ready function, the connection kept until it returns true or ok.  rex answers
 * {badrpc, {'EXIT', {Reason, Stack}}} when it raised or is undefined: the reason alone is
 * said, the stack would not fit a line. */
static void serve_ready(int fd, struct broker *b, const struct broker_request *r)
{
	struct kz_err err = { 0 };
	ei_x_buff reply;
	struct term result, e[3], why[3];
	char text[BROKER_TEXT_MAX] = "";
	bool ready = false;
	int rc = probe_call(b, r->mod, r->fun, BROKER_BOOT_PROBE_MS, &reply, &result, &err);

	if (rc == 0) {
		ready = term_is_atom(&result, "true") || term_is_atom(&result, "ok");
		if (term_tagged(&result, "badrpc", 2, e) == 0 && term_tagged(&e[1], "EXIT", 2, why) == 0) {
			struct term reason = why[1], parts[2];
			if (term_tuple(&why[1], 2, parts) == 0)
				reason = parts[0]; /* {Reason, Stack} */
			_Static_assert(sizeof "an exception: " + RENDER_MAX <= BROKER_TEXT_MAX, "an exception's text");
			memcpy(text, "an exception: ", sizeof "an exception: ");
			render(&reason, text + sizeof "an exception: " - 1);
		} else {
			render(&result, text);
		}
	} else {
		snprintf(text, sizeof text, "%s", rc == DIST_TIMEDOUT ? "no answer within 2 s" : no_reply(rc, &err));
	}
	answer(fd, BROKER_READY_ID, -1, ready, text);
	kz_err_clear(&err);
	ei_x_free(&reply);
	if (ready)
		dist_close(&b->probe);
}

static noreturn void serve(int fd, const char *node, pid_t node_pid, char *const cookies[], size_t ncookies)
{
	struct broker b = { .node = node, .cookies = cookies, .ncookies = ncookies, .probe = { .fd = -1 } };

	/* The broker runs as the node's user, so the node's descriptors are its to see. */
	b.who.uid = getuid();
	b.who.pid = node_pid;

	for (;;) {
		struct broker_request r;
		int rc = broker_request_recv(fd, &r);
		if (rc < 0)
			_exit(0); /* the helper closed its end: it is gone */
		if (rc > 0 && r.kind == BROKER_BOOT)
			serve_boot(fd, &b);
		else if (rc > 0 && r.kind == BROKER_RESTART)
			serve_restart(fd, &b);
		else if (rc > 0 && r.kind == BROKER_PING)
			serve_ping(fd, &b, r.ms);
		else if (rc > 0 && r.kind == BROKER_READY)
			serve_ready(fd, &b, &r);
		else if (rc > 0)
			serve_one(fd, &b, &r);
	}
}

/* What the broker's filter (sandbox.c) no longer lets it do the first time, done once
 * before it: NSS reads nsswitch.conf and loads the modules it names (new code, which the
 * filter forbids mapping), glibc may read gai.conf, libei sets itself up.  The lookups are
 * those dist_locate makes (epmd's, any family; the node's, IPv4) and getifaddrs; their
 * results are dropped: each later lookup asks again, so a changed /etc/hosts is seen. */
static void warm_up(const char *node)
{
	const char *at = strchr(node, '@');
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
	struct ifaddrs *ifs = NULL;

	(void)ei_init();
	for (int family = 0; at && family < 2; family++) {
		hints.ai_family = family ? AF_INET : AF_UNSPEC;
		if (getaddrinfo(at + 1, NULL, &hints, &res) == 0)
			freeaddrinfo(res);
		res = NULL;
	}
	if (getifaddrs(&ifs) == 0)
		freeifaddrs(ifs);
}

/* The broker's own filter, before it reads a request: whatever a node sends it is read
 * under it.  A broker that cannot have it serves nothing: the helper logs that it is gone. */
static void enter_sandbox(int fd, const char *node)
{
	struct kz_err err = { 0 };

	warm_up(node);
	if (sandbox_enter_broker(fd, &err) < 0) {
		log_msg(LOG_ERR, "broker: %s", err.msg ? err.msg : "seccomp");
		_exit(1);
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
		enter_sandbox(3, node);
		serve(3, node, node_pid, cookies, ncookies);
	}
	close(pair[1]);
	return pair[0];
}
