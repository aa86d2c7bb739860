/* dist.c: the connections and remote calls of a hidden C node.  Ours: the choice of name,
 * the handshake version epmd says the node speaks, the proof that the port is the node's,
 * the handshake itself (handshake.h) and every byte read after it: frames, ticks and
 * replies, each length checked against what came (distmsg.h).  libei encodes the terms and
 * writes the calls. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <netdb.h>
#include <netinet/tcp.h>
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
#include "handshake.h"

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

int dist_init(struct kz_err *err)
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

/* Version 6 where the node offers it (OTP 23 and later), else 5 (OTP 19-22). */
static int choose_version(const char *node, const struct epmd_entry *e, unsigned *version, struct kz_err *err)
{
	if (e->lowest <= 6 && 6 <= e->highest)
		*version = 6;
	else if (e->lowest <= 5 && 5 <= e->highest)
		*version = 5;
	else
		return kz_err_set(err, KZ_EXIT_FAIL,
				  "%s offers distribution handshake versions %u to %u; kzlaunch speaks 5 and 6 (OTP 19 and later)",
				  node, e->lowest, e->highest);
	return 0;
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
	if (choose_version(node, &e, &p->version, err) < 0 || host_address(at + 1, &p->addr, err) < 0)
		return -1;
	p->local = sockowner_is_local(p->addr);
	if (p->local && sockowner_check(node, e.port, who, err) < 0)
		return -1;
	p->node = node;
	p->port = e.port;
	p->known = true;
	return 0;
}

/* A TCP connection to the node by the deadline: the descriptor (blocking, close-on-exec,
 * no Nagle delay: a call is a few small frames each way), or -1 with err. */
static int connect_by(const struct dist_peer *p, long deadline, struct kz_err *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p->port), .sin_addr = p->addr };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1, soerr = 0;
	socklen_t len = sizeof soerr;

	if (fd < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s: connecting to port %u", p->node, (unsigned)p->port);
		goto fail;
	}
	for (;;) {
		struct pollfd w = { .fd = fd, .events = POLLOUT };
		long left = deadline - fd_now_ms();
		int n = left > 0 ? poll(&w, 1, (int)(left > INT_MAX ? INT_MAX : left)) : 0;
		if (n > 0)
			break;
		if (n == 0) {
			kz_err_set(err, KZ_EXIT_FAIL, "%s: port %u does not answer", p->node, (unsigned)p->port);
			goto fail;
		}
		if (errno != EINTR) {
			kz_err_errno(err, KZ_EXIT_FAIL, "%s: poll", p->node);
			goto fail;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr != 0) {
		errno = soerr ? soerr : errno;
		kz_err_errno(err, KZ_EXIT_FAIL, "%s: connecting to port %u", p->node, (unsigned)p->port);
		goto fail;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s: socket options", p->node);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int dist_shake(struct dist_conn *c, const struct dist_peer *p, const char *cookie, unsigned name, unsigned ms,
	       struct kz_err *err)
{
	const char *node = p->node, *host = strchr(node, '@') + 1;
	char alive[sizeof DIST_ALIVE + 4];
	unsigned creation = 0;
	uint32_t challenge;

	c->fd = -1;
	if (ms == 0 || ms > DIST_HANDSHAKE_MS)
		ms = DIST_HANDSHAKE_MS;
	long deadline = fd_now_ms() + ms;
	snprintf(alive, sizeof alive, DIST_ALIVE "%u", name % DIST_NAMES);
	if (dist_init(err) < 0 || new_creation(&creation, err) < 0 ||
	    init_self(&c->ec, alive, host, cookie, creation, err) < 0)
		return -1;
	if (getrandom(&challenge, sizeof challenge, 0) != sizeof challenge)
		return kz_err_errno(err, KZ_EXIT_FAIL, "getrandom");
	struct handshake h = { .self = ei_thisnodename(&c->ec), .node = node, .cookie = cookie,
			       .creation = creation, .version = p->version, .challenge = challenge };
	if ((c->fd = connect_by(p, deadline, err)) < 0)
		return -1;
	if (handshake_run(c->fd, &h, deadline, err) < 0) {
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
	if (dist_init(err) < 0)
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

/* The next frame's payload into f (len 0: a tick).  The buffer grows with the bytes that
 * came, never with the length alone, so a length that lies costs no more memory than what
 * was really sent. */
static int read_frame(int fd, struct dist_frame *f, long deadline, struct kz_err *err)
{
	uint8_t word[4];
	int rc = fd_read_by(fd, word, sizeof word, deadline);
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
		if ((rc = fd_read_by(fd, f->buf + got, step, deadline)) != 0)
			goto failed;
		got += step;
	}
	f->len = want;
	return 0;
failed:
	if (rc == 1)
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
			/* A tick: the node closes a connection that stays silent, so answer it, but
			 * never wait to: a node that sends ticks and reads nothing would hold the
			 * call past its deadline.  With no room for the answer, the node has not
			 * read the last ones, and needs none; a part of one would cut the stream. */
			static const uint8_t tock[4];
			ssize_t n = send(c->fd, tock, sizeof tock, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n != (ssize_t)sizeof tock)
				return n < 0 ? kz_err_errno(err, KZ_EXIT_FAIL, "answering the node's tick")
					     : kz_err_set(err, KZ_EXIT_FAIL, "the node reads nothing of what it is sent");
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

int dist_send_call(struct dist_conn *c, const char *mod, const char *fun, const ei_x_buff *args, struct kz_err *err)
{
	char m[MAXATOMLEN_UTF8], f[MAXATOMLEN_UTF8];

	if (strlen(mod) >= sizeof m || strlen(fun) >= sizeof f)
		return kz_err_set(err, EX_USAGE, "%s:%s: name too long for an atom", mod, fun);
	strcpy(m, mod);
	strcpy(f, fun);
	/* No EI_RPC_FETCH_STDOUT: OTP 25 added what it asks of rex (an OTP 23 node answers it
	 * with an error report in its log, every time).  What a call prints reaches us where
	 * the call is made under common/capture.erl's group leader. */
	if (ei_xrpc_to(&c->ec, c->fd, m, f, args->buff, args->index, 0) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s:%s: sending the call: %s", mod, fun,
				  strerror(erl_errno ? erl_errno : EIO));
	return 0;
}

int dist_call(struct dist_conn *c, const char *mod, const char *fun, const ei_x_buff *args,
	      long timeout_ms, dist_output_fn *out, void *arg, ei_x_buff *reply, int *result,
	      struct kz_err *err)
{
	long deadline = timeout_ms >= 0 ? fd_now_ms() + timeout_ms : -1;
	struct dist_frame frame = { 0 };

	if (dist_send_call(c, mod, fun, args, err) < 0)
		return -1;
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
