/* handshake.h: the initiating side of the distribution handshake, versions 5 (the `n`
 * messages of OTP 19-22, 32-bit flags) and 6 (OTP 23 and later), kzlaunch's own so that it
 * reaches every OTP a Kazoo release ships and checks every length a node sends
 * (doc/distribution.md, "The handshake").  Messages are built and read by the functions
 * below, which tests/unit/handshake.c and tests/fuzz/handshake.c drive; handshake_run does
 * the I/O.  Never exits or prints. */
#ifndef KZ_HANDSHAKE_H
#define KZ_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HANDSHAKE_DIGEST_LEN 16
#define HANDSHAKE_MSG_MAX 65535 /* a 2-byte length */

/* Who we are, to whom, and with what. */
struct handshake {
	const char *self;    /* kzlaunchN@HOST */
	const char *node;    /* NAME@HOST, for messages */
	const char *cookie;
	uint32_t creation;
	unsigned version;    /* 5 or 6: what the node's epmd entry offers, 6 where it can */
	uint32_t challenge;  /* ours, for the node to answer (random) */
};

/* What the node said of itself in its challenge. */
struct handshake_challenge {
	uint32_t challenge;
	uint64_t flags;
	int complement; /* a version-6 challenge after our version-5 name: the node wants ours */
};

/* The first message (without its length word): `n` (version 5) or `N` (6) with our flags,
 * name and, in 6, creation.  Its length, 0 when it does not fit in out. */
size_t handshake_name(const struct handshake *h, uint8_t *out, size_t cap);

/* The node's status message: 0 to go on ("ok", "ok_simultaneous"), 1 "alive" (we answer
 * "true": a lease guarantees no other connection of ours has this name), -1 with err. */
int handshake_status(const struct handshake *h, const uint8_t *msg, size_t len, struct kz_err *err);

/* The node's challenge, `n` (5) or `N` (6): 0 with *c, -1 with err when it is not whole. */
int handshake_challenge(const struct handshake *h, const uint8_t *msg, size_t len,
			struct handshake_challenge *c, struct kz_err *err);

/* The complement (`c`, our high flags and creation), the reply (`r`, our challenge and the
 * digest of theirs).  Their lengths. */
size_t handshake_complement(const struct handshake *h, uint8_t out[9]);
size_t handshake_reply(const struct handshake *h, uint32_t their_challenge, uint8_t out[21]);

/* The node's ack (`a` and the digest of our challenge): 0 when it proves the node holds the
 * cookie, -1 with err. */
int handshake_ack(const struct handshake *h, const uint8_t *msg, size_t len, struct kz_err *err);

/* MD5 of the cookie and the challenge's decimal text, as both sides compute it. */
void handshake_digest(const char *cookie, uint32_t challenge, uint8_t out[HANDSHAKE_DIGEST_LEN]);

/* The whole handshake on a connected socket, by the deadline (fd_now_ms()'s clock; -1:
 * none): 0, or -1 with err: EX_NOPERM when the node closes after our digest (another
 * cookie), KZ_EXIT_FAIL otherwise (a refusal, a message that is not whole, an ack that does
 * not prove the cookie, no answer by the deadline: err names which). */
int handshake_run(int fd, const struct handshake *h, long deadline, struct kz_err *err);

#endif
