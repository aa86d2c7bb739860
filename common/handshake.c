/* handshake.c: the initiator's side of the distribution handshake, from ERTS's "Distribution
 * Protocol" (version 6) and, for nodes of OTP 19-22, its version 5 as OTP 22 sent it.  Every
 * message the node sends is read against its own length word before a field is taken. */
#define _GNU_SOURCE
#include <errno.h>
#include <md5.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>

#include "die.h"
#include "fd.h"
#include "handshake.h"

/* Capabilities: what every node from OTP 19 to 27 needs of a peer (OTP 25 and 26 refuse a
 * node without them), and nothing that would change the frames dist_receive reads (no atom
 * cache header, no fragments, no payload exits, no sender in sends, no aliases).  The
 * connection is hidden: DFLAG_PUBLISHED is not among them. */
#define DFLAG_EXTENDED_REFERENCES 0x4ull
#define DFLAG_FUN_TAGS 0x10ull
#define DFLAG_NEW_FUN_TAGS 0x80ull
#define DFLAG_EXTENDED_PIDS_PORTS 0x100ull
#define DFLAG_EXPORT_PTR_TAG 0x200ull
#define DFLAG_BIT_BINARIES 0x400ull
#define DFLAG_NEW_FLOATS 0x800ull
#define DFLAG_SMALL_ATOM_TAGS 0x4000ull
#define DFLAG_UTF8_ATOMS 0x10000ull
#define DFLAG_MAP_TAG 0x20000ull
#define DFLAG_BIG_CREATION 0x40000ull
#define DFLAG_HANDSHAKE_23 0x1000000ull
#define DFLAG_UNLINK_ID 0x2000000ull       /* mandatory from OTP 26; we never link */
#define DFLAG_V4_NC (1ull << 34)           /* mandatory from OTP 26 */
#define DFLAG_MANDATORY_25_DIGEST (1ull << 36) /* mandatory from OTP 27 */

#define FLAGS_6                                                                                       \
	(DFLAG_EXTENDED_REFERENCES | DFLAG_FUN_TAGS | DFLAG_NEW_FUN_TAGS | DFLAG_EXTENDED_PIDS_PORTS |   \
	 DFLAG_EXPORT_PTR_TAG | DFLAG_BIT_BINARIES | DFLAG_NEW_FLOATS | DFLAG_SMALL_ATOM_TAGS |           \
	 DFLAG_UTF8_ATOMS | DFLAG_MAP_TAG | DFLAG_BIG_CREATION | DFLAG_HANDSHAKE_23 | DFLAG_UNLINK_ID | \
	 DFLAG_V4_NC | DFLAG_MANDATORY_25_DIGEST)
/* Version 5 as an OTP 22 node sends it: 32 bits, and without DFLAG_HANDSHAKE_23, which would
 * make a node of OTP 23 or 24 answer in version 6's terms. */
#define FLAGS_5 ((uint32_t)(FLAGS_6 & 0xffffffffull & ~DFLAG_HANDSHAKE_23))

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t handshake_name(const struct handshake *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h->self);

	if (h->version == 5) {
		if (1 + 2 + 4 + n > cap)
			return 0;
		out[0] = 'n';
		put16(out + 1, 5);
		put32(out + 3, FLAGS_5);
		memcpy(out + 7, h->self, n);
		return 7 + n;
	}
	if (1 + 8 + 4 + 2 + n > cap || n > 0xffff)
		return 0;
	out[0] = 'N';
	put32(out + 1, (uint32_t)(FLAGS_6 >> 32));
	put32(out + 5, (uint32_t)FLAGS_6);
	put32(out + 9, h->creation);
	put16(out + 13, (uint16_t)n);
	memcpy(out + 15, h->self, n);
	return 15 + n;
}

static bool is_status(const uint8_t *msg, size_t len, const char *status)
{
	size_t n = strlen(status);

	return len == 1 + n && !memcmp(msg + 1, status, n);
}

int handshake_status(const struct handshake *h, const uint8_t *msg, size_t len, struct kz_err *err)
{
	char shown[64];

	if (len < 1 || msg[0] != 's')
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the handshake's status is not a status message", h->node);
	if (is_status(msg, len, "ok") || is_status(msg, len, "ok_simultaneous"))
		return 0;
	if (is_status(msg, len, "alive"))
		return 1;
	/* What the node says is shown as text it is: printable ASCII, cut to fit. */
	size_t n = 0;
	for (size_t i = 1; i < len && n + 1 < sizeof shown; i++)
		shown[n++] = msg[i] >= 0x20 && msg[i] < 0x7f ? (char)msg[i] : '?';
	shown[n] = '\0';
	return kz_err_set(err, KZ_EXIT_FAIL, "%s refused the connection: %s", h->node, shown);
}

int handshake_challenge(const struct handshake *h, const uint8_t *msg, size_t len,
			struct handshake_challenge *c, struct kz_err *err)
{
	memset(c, 0, sizeof *c);
	/* 'n', version, flags (32), challenge, name: what a node of OTP 22 or earlier sends. */
	if (len >= 11 && msg[0] == 'n' && h->version == 5) {
		c->flags = get32(msg + 3);
		c->challenge = get32(msg + 7);
		return 0;
	}
	/* 'N', flags (64), challenge, creation, name length, name (and anything after it). */
	if (len >= 19 && msg[0] == 'N') {
		size_t nlen = (size_t)msg[17] << 8 | msg[18];
		if (19 + nlen > len)
			return kz_err_set(err, KZ_EXIT_FAIL, "%s: a challenge whose name runs past its end", h->node);
		c->flags = (uint64_t)get32(msg + 1) << 32 | get32(msg + 5);
		c->challenge = get32(msg + 9);
		c->complement = h->version == 5;
		return 0;
	}
	return kz_err_set(err, KZ_EXIT_FAIL, "%s: the handshake's challenge is not one (%zu bytes)", h->node, len);
}

size_t handshake_complement(const struct handshake *h, uint8_t out[9])
{
	out[0] = 'c';
	put32(out + 1, (uint32_t)(FLAGS_6 >> 32));
	put32(out + 5, h->creation);
	return 9;
}

void handshake_digest(const char *cookie, uint32_t challenge, uint8_t out[HANDSHAKE_DIGEST_LEN])
{
	char text[16];
	int n = snprintf(text, sizeof text, "%u", challenge);
	MD5_CTX md5;

	MD5Init(&md5);
	MD5Update(&md5, (const uint8_t *)cookie, strlen(cookie));
	MD5Update(&md5, (const uint8_t *)text, (size_t)n);
	MD5Final(out, &md5);
}

size_t handshake_reply(const struct handshake *h, uint32_t their_challenge, uint8_t out[21])
{
	out[0] = 'r';
	put32(out + 1, h->challenge);
	handshake_digest(h->cookie, their_challenge, out + 5);
	return 21;
}

int handshake_ack(const struct handshake *h, const uint8_t *msg, size_t len, struct kz_err *err)
{
	uint8_t want[HANDSHAKE_DIGEST_LEN];

	if (len != 1 + HANDSHAKE_DIGEST_LEN || msg[0] != 'a')
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: the handshake's acknowledgement is not one (%zu bytes)", h->node, len);
	handshake_digest(h->cookie, h->challenge, want);
	if (memcmp(want, msg + 1, sizeof want))
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: its answer to our challenge does not prove the cookie: not the node", h->node);
	return 0;
}

static int send_msg(int fd, const struct handshake *h, const uint8_t *msg, size_t len, struct kz_err *err)
{
	uint8_t word[2];

	put16(word, (uint16_t)len);
	if (fd_send_all(fd, word, sizeof word) < 0 || fd_send_all(fd, msg, len) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: the handshake", h->node);
	return 0;
}

#define CLOSED (-2)

/* The node's next message into buf (HANDSHAKE_MSG_MAX bytes): its length, or -1 with err,
 * CLOSED (and err) when the node closed the connection. */
static long recv_msg(int fd, const struct handshake *h, uint8_t *buf, long deadline, struct kz_err *err)
{
	uint8_t word[2];
	int rc = fd_read_by(fd, word, sizeof word, deadline);
	size_t len = 0;

	if (rc == 0) {
		len = (size_t)word[0] << 8 | word[1];
		rc = fd_read_by(fd, buf, len, deadline);
	}
	if (rc == 1)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: no answer to the handshake in time", h->node);
	if (rc < 0 && errno == 0) {
		kz_err_set(err, KZ_EXIT_FAIL, "%s closed the connection during the handshake", h->node);
		return CLOSED;
	}
	if (rc < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: the handshake", h->node);
	return (long)len;
}

int handshake_run(int fd, const struct handshake *h, long deadline, struct kz_err *err)
{
	uint8_t out[512], in[HANDSHAKE_MSG_MAX];
	struct handshake_challenge c;
	size_t n = handshake_name(h, out, sizeof out);
	long got;
	int st;

	if (n == 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: a name too long to send", h->self);
	if (send_msg(fd, h, out, n, err) < 0 || (got = recv_msg(fd, h, in, deadline, err)) < 0)
		return -1;
	if ((st = handshake_status(h, in, (size_t)got, err)) < 0)
		return -1;
	if (st == 1 && send_msg(fd, h, (const uint8_t *)"strue", 5, err) < 0)
		return -1;
	if ((got = recv_msg(fd, h, in, deadline, err)) < 0 || handshake_challenge(h, in, (size_t)got, &c, err) < 0)
		return -1;
	if (c.complement && send_msg(fd, h, out, handshake_complement(h, out), err) < 0)
		return -1;
	if (send_msg(fd, h, out, handshake_reply(h, c.challenge, out), err) < 0)
		return -1;
	/* A node that disagrees with the digest closes without a word. */
	if ((got = recv_msg(fd, h, in, deadline, err)) == CLOSED)
		return kz_err_set(err, EX_NOPERM, "%s refused the handshake: the cookie is not the node's", h->node);
	if (got < 0)
		return -1;
	return handshake_ack(h, in, (size_t)got, err);
}
