/* tests/unit/handshake.c: the distribution handshake as common/handshake.c builds and reads
 * it, message by message (both versions, every cut of what a node sends), then whole against
 * a node of the test's own on a socket pair: one that knows the cookie, one that does not,
 * one that answers with a wrong digest, one that stops answering. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "../tap.h"
#include "array.h"
#include "fd.h"
#include "handshake.h"

#define COOKIE "test_cookie"

static struct handshake hs(unsigned version)
{
	return (struct handshake){ .self = "kzlaunch9@vm", .node = "kazoo_apps@vm", .cookie = COOKIE,
				   .creation = 0x10042, .version = version, .challenge = 123456789 };
}

static void test_name(void)
{
	struct handshake h6 = hs(6), h5 = hs(5);
	uint8_t out[64];
	size_t n6 = handshake_name(&h6, out, sizeof out);

	tap_ok(n6 == 15 + 12 && out[0] == 'N' && !memcmp(out + 9, "\x00\x01\x00\x42", 4) && out[14] == 12 &&
		       !memcmp(out + 15, "kzlaunch9@vm", 12),
	       "version 6 name: 'N', flags, creation, length, name");
	tap_ok((out[8] & 0x04) && (out[5] & 0x01) && !(out[8] & 0x01), "version 6 flags: extended references, handshake 23, not published");
	size_t n5 = handshake_name(&h5, out, sizeof out);
	tap_ok(n5 == 7 + 12 && out[0] == 'n' && out[1] == 0 && out[2] == 5 && !(out[3] & 0x01) &&
		       !memcmp(out + 7, "kzlaunch9@vm", 12),
	       "version 5 name: 'n', version 5, 32-bit flags without handshake 23, name");
	tap_ok(handshake_name(&h6, out, 20) == 0, "a name that does not fit is refused");
}

static void test_status(void)
{
	static const struct {
		const char *msg;
		int rc;
	} rows[] = {
		{ "sok", 0 }, { "sok_simultaneous", 0 }, { "salive", 1 }, { "snok", -1 },
		{ "snot_allowed", -1 }, { "s", -1 }, { "xok", -1 }, { "", -1 }, { "sokay", -1 },
	};
	struct handshake h = hs(6);

	for (size_t k = 0; k < COUNT(rows); k++) {
		struct kz_err err = { 0 };
		size_t len = strlen(rows[k].msg);
		char *copy = malloc(len + 1);
		memcpy(copy, rows[k].msg, len);
		int rc = handshake_status(&h, (const uint8_t *)copy, len, &err);
		tap_ok(rc == rows[k].rc && (rc >= 0 || err.msg), "status '%s': %d", rows[k].msg, rows[k].rc);
		kz_err_clear(&err);
		free(copy);
	}
}

/* A node's challenge: 'N' (6) or 'n' (5) with challenge 42 and its name. */
static size_t challenge_msg(uint8_t *m, char type)
{
	if (type == 'n') {
		memcpy(m, "n\x00\x05\x00\x07\xdf\x7f\x00\x00\x00\x2a" "kazoo_apps@vm", 11 + 13);
		return 11 + 13;
	}
	memcpy(m, "N\x00\x00\x00\x17\x00\x07\xdf\x7f\x00\x00\x00\x2a\x00\x00\x00\x05\x00\x0d" "kazoo_apps@vm", 19 + 13);
	return 19 + 13;
}

static void test_challenge(void)
{
	static const struct {
		const char *name;
		unsigned version;
		char type;
		int complement;
	} rows[] = {
		{ "version 6", 6, 'N', 0 },
		{ "version 5 (OTP 22)", 5, 'n', 0 },
		{ "version 6's after our version 5 (OTP 23-24)", 5, 'N', 1 },
	};

	for (size_t k = 0; k < COUNT(rows); k++) {
		struct handshake h = hs(rows[k].version);
		struct handshake_challenge c;
		struct kz_err err = { 0 };
		uint8_t m[64];
		size_t len = challenge_msg(m, rows[k].type);
		int shorter_fail = 1;

		int rc = handshake_challenge(&h, m, len, &c, &err);
		tap_ok(rc == 0 && c.challenge == 42 && c.complement == rows[k].complement, "%s: read", rows[k].name);
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *copy = malloc(cut + 1);
			memcpy(copy, m, cut);
			/* The old challenge has no length of its own for the name: any cut past the
			 * challenge is whole. */
			if (handshake_challenge(&h, copy, cut, &c, &err) == 0 && !(rows[k].type == 'n' && cut >= 11))
				shorter_fail = 0;
			kz_err_clear(&err);
			free(copy);
		}
		tap_ok(shorter_fail, "%s: refused when cut short", rows[k].name);
	}
	struct handshake h6 = hs(6);
	struct handshake_challenge c;
	struct kz_err err = { 0 };
	uint8_t m[64];
	size_t len = challenge_msg(m, 'n');
	tap_ok(handshake_challenge(&h6, m, len, &c, &err) < 0, "a version 5 challenge after our version 6 name is refused");
	kz_err_clear(&err);
	len = challenge_msg(m, 'N');
	m[18] = 0x40; /* the name claims 64 bytes */
	tap_ok(handshake_challenge(&h6, m, len, &c, &err) < 0, "a challenge whose name runs past its end is refused");
	kz_err_clear(&err);
}

static void test_reply_and_ack(void)
{
	struct handshake h = hs(6);
	struct kz_err err = { 0 };
	uint8_t r[21], want[HANDSHAKE_DIGEST_LEN], a[1 + HANDSHAKE_DIGEST_LEN];

	/* MD5("test_cookie42"), as md5sum prints it. */
	static const uint8_t md5_42[16] = { 0xd5, 0xcb, 0xa3, 0xfc, 0xfd, 0xe2, 0x20, 0xcd,
					    0xd5, 0x09, 0x57, 0x4d, 0xe5, 0x05, 0x2f, 0xfb };
	handshake_digest(COOKIE, 42, want);
	tap_ok(!memcmp(want, md5_42, 16), "the digest is MD5 of the cookie and the challenge's decimal text");
	tap_ok(handshake_reply(&h, 42, r) == 21 && r[0] == 'r' && !memcmp(r + 1, "\x07\x5b\xcd\x15", 4) &&
		       !memcmp(r + 5, md5_42, 16),
	       "the reply: 'r', our challenge, the digest of theirs");
	a[0] = 'a';
	handshake_digest(COOKIE, h.challenge, a + 1);
	tap_ok(handshake_ack(&h, a, sizeof a, &err) == 0, "an ack that proves the cookie");
	a[5] ^= 1;
	tap_ok(handshake_ack(&h, a, sizeof a, &err) < 0, "an ack with another digest is refused");
	kz_err_clear(&err);
	tap_ok(handshake_ack(&h, a, sizeof a - 1, &err) < 0, "an ack cut short is refused");
	kz_err_clear(&err);
}

enum node_kind { KNOWS, OTHER_COOKIE, WRONG_ACK, SILENT, OLD };

static int recv_msg(int fd, uint8_t *buf)
{
	uint8_t w[2];

	if (fd_read_all(fd, w, 2) != 2)
		return -1;
	int len = w[0] << 8 | w[1];
	return fd_read_all(fd, buf, (size_t)len) == len ? len : -1;
}

static void send_msg(int fd, const void *m, size_t len)
{
	uint8_t w[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (fd_write_all(fd, w, 2) < 0 || fd_write_all(fd, m, len) < 0)
		_exit(2);
}

/* The node's side, in a child: status, challenge 42, then checks the reply's digest with
 * its own cookie and acks (or not) as `kind` says. */
static void fake_node(int fd, enum node_kind kind)
{
	uint8_t in[512], m[64], a[17];
	int len;

	if (recv_msg(fd, in) < 0)
		_exit(2);
	if (kind == SILENT)
		pause();
	send_msg(fd, "sok", 3);
	send_msg(fd, m, challenge_msg(m, kind == OLD ? 'n' : 'N'));
	if ((len = recv_msg(fd, in)) != 21)
		_exit(2);
	handshake_digest(kind == OTHER_COOKIE ? "another" : COOKIE, 42, m);
	if (memcmp(m, in + 5, 16))
		_exit(0); /* as a node does: closes without a word */
	a[0] = 'a';
	handshake_digest(COOKIE, (uint32_t)in[1] << 24 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 8 | in[4], a + 1);
	if (kind == WRONG_ACK)
		a[1] ^= 0xff;
	send_msg(fd, a, sizeof a);
	_exit(0);
}

static void test_run(void)
{
	static const struct {
		const char *name;
		enum node_kind kind;
		unsigned version;
		int rc, status;
	} rows[] = {
		{ "a node that knows the cookie (version 6)", KNOWS, 6, 0, 0 },
		{ "a node of OTP 22 (version 5)", OLD, 5, 0, 0 },
		{ "a node of another cookie: refused, 77", OTHER_COOKIE, 6, -1, EX_NOPERM },
		{ "an ack that does not prove the cookie: 1", WRONG_ACK, 6, -1, 1 },
		{ "a node that stops answering: 1 at the deadline", SILENT, 6, -1, 1 },
	};

	for (size_t k = 0; k < COUNT(rows); k++) {
		int sv[2];
		struct kz_err err = { 0 };
		struct handshake h = hs(rows[k].version);

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			abort();
		pid_t pid = fork();
		if (pid == 0) {
			close(sv[0]);
			fake_node(sv[1], rows[k].kind);
		}
		close(sv[1]);
		int rc = handshake_run(sv[0], &h, fd_now_ms() + 500, &err);
		tap_ok(rc == rows[k].rc && (rc == 0 || (err.msg && err.status == rows[k].status)), "%s", rows[k].name);
		if (err.msg)
			tap_diag("%s", err.msg);
		kz_err_clear(&err);
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

int main(void)
{
	tap_plan(4 + 9 + 8 + 5 + 5);
	test_name();
	test_status();
	test_challenge();
	test_reply_and_ack();
	test_run();
	return tap_done();
}
