/* dist.c: the handshake and remote calls of a hidden C node.  libei does the handshake
 * (challenge, digest) and writes the calls; what is ours is the choice of name, the version
 * check epmd allows before any byte reaches the node, and every byte read after the
 * handshake: frames, ticks and replies, each length checked against what came (distmsg.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "dist.h"
#include "distmsg.h"
#include "epmd.h"
#include "fd.h"

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

int dist_locate(struct dist_peer *p, const char *node, const struct sockowner_want *who, struct kz_err *err)
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
	p->local = sockowner_is_local(p->addr);
	if (p->local && sockowner_check(node, e.port, who, err) < 0)
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

/* Waits until fd is readable or the deadline (-1: none) has passed: 1, 0, or -1 with errno. */
static int wait_readable(int fd, long deadline)
{
	for (;;) {
		long left = deadline < 0 ? -1 : deadline - dist_now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (deadline >= 0 && left <= 0)
			return 0;
		int n = poll(&p, 1, left < 0 ? -1 : left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Exactly len bytes into buf by the deadline: 0, DIST_TIMEDOUT, or -1 (errno 0: closed). */
static int read_by(int fd, char *buf, size_t len, long deadline)
{
	while (len > 0) {
		int w = wait_readable(fd, deadline);
		if (w <= 0)
			return w == 0 ? DIST_TIMEDOUT : -1;
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next frame's payload into f (len 0: a tick).  The buffer grows with the bytes that
 * came, never with the length alone, so a length that lies costs no more memory than what
 * was really sent. */
static int read_frame(int fd, struct dist_frame *f, long deadline, struct kz_err *err)
{
	uint8_t word[4];
	int rc = read_by(fd, (char *)word, sizeof word, deadline);
	size_t want, got = 0;

	if (rc != 0)
		goto failed;
	want = (size_t)word[0] << 24 | (size_t)word[1] << 16 | (size_t)word[2] << 8 | word[3];
	if (want > DISTMSG_FRAME_MAX)
		return kz_err_set(err, KZ_EXIT_FAIL, "the node sent a frame of %zu bytes, more than kzlaunch reads", want);
	while (got < want) {
		size_t step = want - got < 65536 ? want - got : 65536;
		if (got + step > f->cap) {
			size_t cap = f->cap ? f->cap : 65536;
			while (cap < got + step)
				cap *= 2;
			char *p = realloc(f->buf, cap);
			if (!p)
				return kz_err_set(err, KZ_EXIT_FAIL, "out of memory");
			f->buf = p;
			f->cap = cap;
		}
		if ((rc = read_by(fd, f->buf + got, step, deadline)) != 0)
			goto failed;
		got += step;
	}
	f->len = want;
	return 0;
failed:
	if (rc == DIST_TIMEDOUT)
		return DIST_TIMEDOUT;
	if (errno == 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "the node closed the connection");
	return kz_err_errno(err, KZ_EXIT_FAIL, "reading from the node");
}

int dist_receive(struct dist_conn *c, struct dist_frame *f, long deadline, dist_output_fn *out, void *arg,
		 ei_x_buff *reply, int *result, struct kz_err *err)
{
	for (;;) {
		struct distmsg m;
		int rc = read_frame(c->fd, f, deadline, err);

		if (rc != 0)
			return rc;
		if (f->len == 0) {
			/* A tick: the node closes a connection that stays silent, so answer it. */
			static const uint8_t tock[4];
			if (fd_send_all(c->fd, tock, sizeof tock) < 0)
				return kz_err_errno(err, KZ_EXIT_FAIL, "answering the node's tick");
			continue;
		}
		if (distmsg_read(f->buf, f->len, ei_self(&c->ec), &m) < 0)
			return kz_err_set(err, KZ_EXIT_FAIL, "the node sent a frame of %zu bytes that is not a whole message", f->len);
		if (m.kind == DISTMSG_OUTPUT && out)
			out(arg, m.bytes, m.len);
		if (m.kind != DISTMSG_REX)
			continue;
		reply->index = 0;
		if (ei_x_append_buf(reply, m.message.buf + m.message.start, m.message.end - m.message.start) < 0)
			return kz_err_set(err, KZ_EXIT_FAIL, "out of memory");
		*result = m.result.start - m.message.start;
		return 0;
	}
}

int dist_call(struct dist_conn *c, const char *mod, const char *fun, const ei_x_buff *args,
	      long timeout_ms, dist_output_fn *out, void *arg, ei_x_buff *reply, int *result,
	      struct kz_err *err)
{
	char m[MAXATOMLEN_UTF8], f[MAXATOMLEN_UTF8];
	long deadline = timeout_ms >= 0 ? dist_now_ms() + timeout_ms : -1;
	struct dist_frame frame = { 0 };

	if (strlen(mod) >= sizeof m || strlen(fun) >= sizeof f)
		return kz_err_set(err, EX_USAGE, "%s:%s: name too long for an atom", mod, fun);
	strcpy(m, mod);
	strcpy(f, fun);
	if (ei_xrpc_to(&c->ec, c->fd, m, f, args->buff, args->index, EI_RPC_FETCH_STDOUT) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s:%s: sending the call: %s", mod, fun,
				  strerror(erl_errno ? erl_errno : EIO));
	int rc = dist_receive(c, &frame, deadline, out, arg, reply, result, err);
	free(frame.buf);
	if (rc < 0 && err->msg) {
		/* Say which call it was. */
		char *msg = err->msg;
		err->msg = NULL;
		kz_err_set(err, err->status, "%s:%s: %s", mod, fun, msg);
		free(msg);
	}
	return rc;
}
