/* dist.c: the handshake and remote calls of a hidden C node, through libei.  libei does the
 * protocol (challenge, digest, framing, ticks); what is ours is the choice of name, the
 * version check epmd allows before any byte reaches the node, and the reading of replies. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "dist.h"
#include "epmd.h"

/* A new creation for every connection (32 bits from OTP 23 on), so that each is a new
 * incarnation of its name: a reply still due to an earlier call under the same name (one that
 * timed out) is addressed to the old incarnation's pid, and the node drops it. */
static int new_creation(unsigned *creation, struct kz_err *err)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, 0) != sizeof r)
		return kz_err_errno(err, KZ_EXIT_FAIL, "getrandom");
	*creation = r | 0x10000u; /* never 0 to 3, the old formats' values */
	return 0;
}

static int ei_ready(struct kz_err *err)
{
	static bool done;

	if (!done && ei_init() != 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "libei: ei_init failed");
	done = true;
	return 0;
}

/* The node's host as an IPv4 address: libei's connect takes nothing else. */
static int host_address(const char *host, struct in_addr *addr, struct kz_err *err)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, NULL, &hints, &res);

	if (rc != 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: cannot resolve the host: %s", host, gai_strerror(rc));
	*addr = ((const struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static int init_self(ei_cnode *ec, const char *alive, const char *host, const char *cookie,
		     unsigned creation, struct kz_err *err)
{
	char node[MAXNODELEN + 1];
	struct in_addr unused = { 0 };

	if ((size_t)snprintf(node, sizeof node, "%s@%s", alive, host) >= sizeof node ||
	    strlen(alive) >= MAXATOMLEN || strlen(host) >= EI_MAXHOSTNAMELEN)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s@%s: name too long for libei", alive, host);
	if (strlen(cookie) >= EI_MAX_COOKIE_SIZE)
		return kz_err_set(err, KZ_EXIT_FAIL, "cookie of %d bytes or more: libei cannot use it", EI_MAX_COOKIE_SIZE);
	if (ei_connect_xinit(ec, host, alive, node, &unused, cookie, creation) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: libei refused the name", node);
	return 0;
}

static int check_versions(const char *node, const struct epmd_entry *e, struct kz_err *err)
{
	if (e->lowest <= DIST_VERSION && DIST_VERSION <= e->highest)
		return 0;
	return kz_err_set(err, KZ_EXIT_FAIL,
			  "%s offers distribution handshake versions %u to %u; kzlaunch (libei) speaks only %d, "
			  "which nodes of OTP 23 and later offer: use remote_console",
			  node, e->lowest, e->highest, DIST_VERSION);
}

int dist_locate(struct dist_peer *p, const char *node, struct kz_err *err)
{
	const char *at = strchr(node, '@');
	struct epmd_entry e;
	int up;

	p->known = false;
	if (!at)
		return kz_err_set(err, EX_USAGE, "node name '%s': expected NAME@HOST", node);
	if ((up = epmd_lookup(node, &e, err)) < 0)
		return -1;
	if (!up)
		return kz_err_set(err, EX_UNAVAILABLE, "%s: not running", node);
	if (check_versions(node, &e, err) < 0 || host_address(at + 1, &p->addr, err) < 0)
		return -1;
	p->node = node;
	p->port = e.port;
	p->known = true;
	return 0;
}

int dist_shake(struct dist_conn *c, const struct dist_peer *p, const char *cookie, unsigned name, unsigned ms,
	       struct kz_err *err)
{
	const char *node = p->node, *host = strchr(node, '@') + 1;
	char alive[sizeof DIST_ALIVE + 4];
	struct in_addr addr = p->addr;
	unsigned creation = 0;

	c->fd = -1;
	if (ms == 0 || ms > DIST_HANDSHAKE_MS)
		ms = DIST_HANDSHAKE_MS;
	snprintf(alive, sizeof alive, DIST_ALIVE "%u", name % DIST_NAMES);
	if (ei_ready(err) < 0 || new_creation(&creation, err) < 0 ||
	    init_self(&c->ec, alive, host, cookie, creation, err) < 0)
		return -1;
	c->fd = ei_xconnect_host_port_tmo(&c->ec, &addr, p->port, ms);
	if (c->fd < 0 && erl_errno == ETIMEDOUT)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: no answer to the handshake within %u ms", node, ms);
	if (c->fd < 0 && erl_errno == EIO)
		return kz_err_set(err, EX_NOPERM, "%s refused the handshake: the cookie is not the node's", node);
	if (c->fd < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: connecting to port %u: %s", node, p->port, strerror(erl_errno));
	/* libei makes its socket without SOCK_CLOEXEC. */
	if (fcntl(c->fd, F_SETFD, FD_CLOEXEC) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s: fcntl", node);
		dist_close(c);
		return -1;
	}
	return 0;
}

int dist_connect(struct dist_conn *c, const char *node, const char *cookie, unsigned name, unsigned ms,
		 struct kz_err *err)
{
	struct dist_peer p;

	c->fd = -1;
	if (dist_locate(&p, node, err) < 0)
		return -1;
	return dist_shake(c, &p, cookie, name, ms, err);
}

int dist_adopt(struct dist_conn *c, int fd, const char *self, unsigned creation, struct kz_err *err)
{
	const char *at = strchr(self, '@');
	char alive[MAXATOMLEN + 1];
	size_t n = at ? (size_t)(at - self) : 0;

	c->fd = fd;
	if (!at || n == 0 || n >= MAXATOMLEN)
		return kz_err_set(err, KZ_EXIT_FAIL, "'%s': not a node name", self);
	memcpy(alive, self, n);
	alive[n] = '\0';
	if (ei_ready(err) < 0)
		return -1;
	return init_self(&c->ec, alive, at + 1, "", creation, err);
}

void dist_close(struct dist_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int dist_keepalive(int fd)
{
	uint8_t len[4];
	ssize_t n = recv(fd, len, sizeof len, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n != (ssize_t)sizeof len || len[0] | len[1] | len[2] | len[3])
		return -1;
	if (recv(fd, len, sizeof len, MSG_DONTWAIT) != (ssize_t)sizeof len)
		return -1;
	return send(fd, len, sizeof len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof len ? 0 : -1;
}

int dist_atom_check(const char *what, const char *name, struct kz_err *err)
{
	size_t chars = 0, shown = 0;
	int len = 0;

	/* Characters, not bytes: a UTF-8 sequence has one byte that is not 10xxxxxx.  The
	 * message shows the first 40 whole. */
	for (size_t i = 0; name[i]; i++) {
		if (((unsigned char)name[i] & 0xc0) != 0x80 && ++chars == 41)
			shown = i;
	}
	if (chars > DIST_ATOM_MAX)
		return kz_err_set(err, EX_USAGE, "%s '%.*s...': %zu characters, more than the %d of an Erlang atom", what,
				  (int)shown, name, chars, DIST_ATOM_MAX);
	/* libei's own verdict, without a buffer: it refuses what is not UTF-8. */
	if (ei_encode_atom_as(NULL, &len, name, ERLANG_UTF8, ERLANG_UTF8) < 0)
		return kz_err_set(err, EX_USAGE, "%s '%s': not UTF-8 text, so not an Erlang atom", what, name);
	return 0;
}

long dist_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_pid(const erlang_pid *a, const erlang_pid *b)
{
	return a->num == b->num && a->serial == b->serial && a->creation == b->creation && !strcmp(a->node, b->node);
}

/* {rex, Result}: 1 with *result; {rex_stdout, Output}: 0, output passed on; anything else
 * (a message nobody asked for, or one for another incarnation) is ignored: 0. */
static int read_message(const erlang_msg *msg, const erlang_pid *self, const ei_x_buff *x, dist_output_fn *out,
			void *arg, int *result)
{
	char tag[MAXATOMLEN_UTF8];
	int i = 0, version, arity, type, size;

	if (msg->msgtype != ERL_SEND || !same_pid(&msg->to, self))
		return 0;
	if (ei_decode_version(x->buff, &i, &version) < 0 || ei_decode_tuple_header(x->buff, &i, &arity) < 0 ||
	    arity != 2 || ei_decode_atom(x->buff, &i, tag) < 0)
		return 0;
	if (!strcmp(tag, "rex")) {
		*result = i;
		return 1;
	}
	if (!strcmp(tag, "rex_stdout") && out && ei_get_type(x->buff, &i, &type, &size) == 0 &&
	    type == ERL_BINARY_EXT)
		out(arg, x->buff + i + 5, (size_t)size); /* tag, 4-byte length, bytes */
	return 0;
}

int dist_call(struct dist_conn *c, const char *mod, const char *fun, const ei_x_buff *args,
	      long timeout_ms, dist_output_fn *out, void *arg, ei_x_buff *reply, int *result,
	      struct kz_err *err)
{
	char m[MAXATOMLEN_UTF8], f[MAXATOMLEN_UTF8];
	long deadline = timeout_ms >= 0 ? dist_now_ms() + timeout_ms : -1;
	erlang_msg msg;

	if (strlen(mod) >= sizeof m || strlen(fun) >= sizeof f)
		return kz_err_set(err, EX_USAGE, "%s:%s: name too long for an atom", mod, fun);
	strcpy(m, mod);
	strcpy(f, fun);
	if (ei_xrpc_to(&c->ec, c->fd, m, f, args->buff, args->index, EI_RPC_FETCH_STDOUT) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s:%s: sending the call: %s", mod, fun,
				  strerror(erl_errno ? erl_errno : EIO));
	for (;;) {
		long left = ERL_NO_TIMEOUT;

		if (deadline >= 0 && (left = deadline - dist_now_ms()) <= 0)
			return DIST_TIMEDOUT;
		int rc = ei_rpc_from(&c->ec, c->fd, (int)(left > 0x7fffffff ? 0x7fffffff : left), &msg, reply);
		if (rc == ERL_TIMEOUT)
			return DIST_TIMEDOUT;
		if (rc == ERL_TICK)
			continue;
		if (rc == ERL_ERROR)
			return kz_err_set(err, KZ_EXIT_FAIL, "%s:%s: the node closed the connection", mod, fun);
		if (read_message(&msg, ei_self(&c->ec), reply, out, arg, result))
			return 0;
	}
}
