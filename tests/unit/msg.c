/* tests/unit/msg.c: every payload of common/msg.c, encoded then decoded from a buffer of
 * exactly its size (so ASan sees any read past it), and the payloads each decoder refuses. */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "../tap.h"
#include "msg.h"

static uint8_t out[PROTO_MAX_PAYLOAD];

/* A frame of the bytes encoded, in memory of exactly their size. */
static struct proto_frame frame(uint8_t type, const uint8_t *bytes, size_t len, uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	if (*copy && len)
		memcpy(*copy, bytes, len);
	return (struct proto_frame){ .type = type, .len = (uint16_t)len, .payload = *copy };
}

static bool text_is(struct msg_text t, const char *want)
{
	return t.len == strlen(want) && !memcmp(t.s, want, t.len);
}

static void round_trips(void)
{
	uint8_t *copy;
	struct proto_frame f;

	struct msg_attach a = { .read_only = true, .rows = 24, .cols = 80 }, a2;
	f = frame(PROTO_ATTACH, out, msg_attach_encode(&a, out), &copy);
	tap_ok(msg_attach_decode(&f, &a2) == 0 && a2.read_only && a2.rows == 24 && a2.cols == 80, "ATTACH round trip");
	free(copy);

	struct msg_winsize w = { 65535, 1 }, w2;
	f = frame(PROTO_WINSIZE, out, msg_winsize_encode(&w, out), &copy);
	tap_ok(msg_winsize_decode(&f, &w2) == 0 && w2.rows == 65535 && w2.cols == 1, "WINSIZE round trip");
	free(copy);

	struct msg_info i = { 4242, 1700000000ULL, 3, PROTO_NODE_UNCONFIRMED, { "kazoo_apps@host", 15 }, { NULL, 0 } }, i2;
	f = frame(PROTO_INFO, out, msg_info_encode(&i, out), &copy);
	tap_ok(msg_info_decode(&f, &i2) == 0 && i2.pid == 4242 && i2.started == 1700000000ULL && i2.clients == 3 &&
		       i2.state == PROTO_NODE_UNCONFIRMED && text_is(i2.node, "kazoo_apps@host"),
	       "INFO round trip");
	tap_ok(i2.waiting.len == 0 && f.payload[16] == PROTO_NODE_UNCONFIRMED,
	       "INFO without a ready function waited for: its state byte as before, no text");
	free(copy);

	struct msg_info iw = { 7, 8, 0, PROTO_NODE_BOOTING, { "kazoo_apps@host", 15 },
			       { "kapps_controller:ready(), last returned false", 45 } }, iw2;
	f = frame(PROTO_INFO, out, msg_info_encode(&iw, out), &copy);
	tap_ok(msg_info_decode(&f, &iw2) == 0 && iw2.state == PROTO_NODE_BOOTING && text_is(iw2.node, "kazoo_apps@host") &&
		       text_is(iw2.waiting, "kapps_controller:ready(), last returned false") &&
		       f.len == MSG_INFO_FIXED + 1 + 45 + 15,
	       "INFO round trip with what the ready function last returned");
	free(copy);

	struct msg_call c = { 5000, { "rpc lists:seq/2", 15 } }, c2;
	f = frame(PROTO_CALL, out, msg_call_encode(&c, out), &copy);
	tap_ok(msg_call_decode(&f, &c2) == 0 && c2.handshake_ms == 5000 && text_is(c2.what, "rpc lists:seq/2"),
	       "CALL round trip");
	free(copy);

	struct msg_call_ready r = { 0xdeadbeef, { "kzlaunch3@host", 14 }, { "kazoo_apps@host", 15 } }, r2;
	f = frame(PROTO_CALL_READY, out, msg_call_ready_encode(&r, out), &copy);
	tap_ok(msg_call_ready_decode(&f, &r2) == 0 && r2.creation == 0xdeadbeef && text_is(r2.self, "kzlaunch3@host") &&
		       text_is(r2.node, "kazoo_apps@host"),
	       "CALL_READY round trip");
	free(copy);

	uint32_t st;
	f = frame(PROTO_EXIT, out, msg_exit_encode(137, out), &copy);
	tap_ok(msg_exit_decode(&f, &st) == 0 && st == 137, "EXIT round trip");
	free(copy);

	uint64_t lost;
	f = frame(PROTO_LOST, out, msg_lost_encode(1ULL << 40, out), &copy);
	tap_ok(msg_lost_decode(&f, &lost) == 0 && lost == 1ULL << 40, "LOST round trip");
	free(copy);

	f = frame(PROTO_ERROR, out, msg_error_encode("busy: too many connections", out), &copy);
	tap_ok(text_is(msg_text_of(&f), "busy: too many connections"), "ERROR's text");
	free(copy);

	f = frame(PROTO_DENIED, out, msg_denied_encode("attach", out), &copy);
	tap_ok(text_is(msg_text_of(&f), "attach"), "DENIED's text");
	free(copy);
}

/* Texts longer than their limit are cut by the encoder, so what is sent is shown whole. */
static void limits(void)
{
	char long_text[1024];
	struct msg_call c = { 0, { long_text, sizeof long_text } }, c2;
	uint8_t *copy;
	struct proto_frame f;

	memset(long_text, 'x', sizeof long_text);
	f = frame(PROTO_CALL, out, msg_call_encode(&c, out), &copy);
	tap_ok(f.len == 4 + MSG_CALL_TEXT_MAX && msg_call_decode(&f, &c2) == 0 && c2.what.len == MSG_CALL_TEXT_MAX,
	       "a CALL's text is cut at %d bytes and decodes", MSG_CALL_TEXT_MAX);
	free(copy);

	long_text[sizeof long_text - 1] = '\0';
	f = frame(PROTO_ERROR, out, msg_error_encode(long_text, out), &copy);
	tap_ok(f.len == MSG_ERROR_TEXT_MAX && msg_text_of(&f).len == MSG_ERROR_TEXT_MAX,
	       "an ERROR is sent and shown at the same %d bytes", MSG_ERROR_TEXT_MAX);
	free(copy);

	struct msg_info i = { 1, 2, 3, PROTO_NODE_UP, { long_text, 1000 }, { NULL, 0 } }, i2;
	f = frame(PROTO_INFO, out, msg_info_encode(&i, out), &copy);
	tap_ok(f.len == MSG_INFO_FIXED + MSG_NAME_MAX && msg_info_decode(&f, &i2) == 0 && i2.node.len == MSG_NAME_MAX,
	       "INFO's name is cut at %d bytes", MSG_NAME_MAX);
	free(copy);

	struct msg_info iw = { 1, 2, 3, PROTO_NODE_BOOTING, { long_text, 1000 }, { long_text, 1000 } }, iw2;
	f = frame(PROTO_INFO, out, msg_info_encode(&iw, out), &copy);
	tap_ok(f.len == MSG_INFO_FIXED + 1 + MSG_WAIT_MAX + MSG_NAME_MAX && msg_info_decode(&f, &iw2) == 0 &&
		       iw2.waiting.len == MSG_WAIT_MAX && iw2.node.len == MSG_NAME_MAX,
	       "INFO's waiting text is cut at %d bytes, its name still at %d", MSG_WAIT_MAX, MSG_NAME_MAX);
	free(copy);
}

struct refusal {
	const char *name;
	uint8_t type;
	size_t len;
	int (*decode)(const struct proto_frame *f);
};

static struct msg_attach a_;
static struct msg_winsize w_;
static struct msg_info i_;
static struct msg_call c_;
static struct msg_call_ready r_;
static uint32_t e_;
static uint64_t l_;
static int attach(const struct proto_frame *f) { return msg_attach_decode(f, &a_); }
static int winsize(const struct proto_frame *f) { return msg_winsize_decode(f, &w_); }
static int info(const struct proto_frame *f) { return msg_info_decode(f, &i_); }
static int call(const struct proto_frame *f) { return msg_call_decode(f, &c_); }
static int ready(const struct proto_frame *f) { return msg_call_ready_decode(f, &r_); }
static int exit_(const struct proto_frame *f) { return msg_exit_decode(f, &e_); }
static int lost(const struct proto_frame *f) { return msg_lost_decode(f, &l_); }

static const struct refusal refusals[] = {
	{ "ATTACH one byte short", PROTO_ATTACH, 4, attach },
	{ "ATTACH one byte long", PROTO_ATTACH, 6, attach },
	{ "ATTACH of another type", PROTO_STATUS, 5, attach },
	{ "WINSIZE short", PROTO_WINSIZE, 3, winsize },
	{ "INFO without its fixed part", PROTO_INFO, 16, info },
	{ "INFO with a name past 255 bytes", PROTO_INFO, MSG_INFO_FIXED + 256, info },
	{ "INFO waiting without its length", PROTO_INFO, MSG_INFO_FIXED, info },
	{ "INFO waiting whose text runs past the payload", PROTO_INFO, MSG_INFO_FIXED + 10, info },
	{ "INFO waiting with a name past 255 bytes", PROTO_INFO, MSG_INFO_FIXED + 1 + 3 + 256, info },
	{ "CALL without its timeout", PROTO_CALL, 3, call },
	{ "CALL with a text past its limit", PROTO_CALL, 4 + MSG_CALL_TEXT_MAX + 1, call },
	{ "CALL_READY without a name length", PROTO_CALL_READY, 4, ready },
	{ "CALL_READY whose name runs past the payload", PROTO_CALL_READY, 6, ready },
	{ "EXIT short", PROTO_EXIT, 3, exit_ },
	{ "EXIT long", PROTO_EXIT, 5, exit_ },
	{ "LOST short", PROTO_LOST, 7, lost },
};

static void refused(void)
{
	for (size_t i = 0; i < COUNT(refusals); i++) {
		const struct refusal *r = &refusals[i];
		uint8_t *copy = calloc(1, r->len ? r->len : 1);
		/* A name length byte that claims more than what follows. */
		if (r->type == PROTO_CALL_READY && r->len > 4)
			copy[4] = 200;
		/* INFO's waiting text: flagged, its length byte 200 or 3. */
		if (r->type == PROTO_INFO && !strncmp(r->name, "INFO waiting", 12)) {
			copy[16] = MSG_INFO_WAITING;
			if (r->len > MSG_INFO_FIXED)
				copy[MSG_INFO_FIXED] = r->len > MSG_INFO_FIXED + 10 ? 3 : 200;
		}
		struct proto_frame f = { .type = r->type, .len = (uint16_t)r->len, .payload = copy };
		tap_ok(r->decode(&f) == -1, "refused: %s", r->name);
		free(copy);
	}
}

/* SUP carries a module, a function and binaries as they were typed; PING and DONE are fixed. */
static void sup_ping_done(void)
{
	static char big[PROTO_MAX_PAYLOAD];
	uint8_t *copy, raw[64];
	uint16_t len = 0;
	struct proto_frame f;
	struct msg_sup s = { .handshake_ms = 250, .mod = { "kazoo_maintenance", 17 }, .fun = { "syslog_level", 12 },
			     .nargs = 3, .args = { { "debug", 5 }, { "", 0 }, { "a\0b", 3 } } }, s2;

	tap_ok(msg_sup_encode(&s, out, &len) == 0, "SUP encodes");
	f = frame(PROTO_SUP, out, len, &copy);
	tap_ok(msg_sup_decode(&f, &s2) == 0 && s2.handshake_ms == 250 && text_is(s2.mod, "kazoo_maintenance") &&
		       text_is(s2.fun, "syslog_level") && s2.nargs == 3 && text_is(s2.args[0], "debug") &&
		       s2.args[1].len == 0 && s2.args[2].len == 3 && !memcmp(s2.args[2].s, "a\0b", 3),
	       "SUP round trip: an empty argument and one with a NUL come back as they went");
	free(copy);

	struct msg_sup none = { .mod = { "m", 1 }, .fun = { "f", 1 } };
	tap_ok(msg_sup_encode(&none, out, &len) == 0 && len == MSG_SUP_MIN, "SUP with no argument: %d bytes", MSG_SUP_MIN);
	f = frame(PROTO_SUP, out, len, &copy);
	tap_ok(msg_sup_decode(&f, &s2) == 0 && s2.nargs == 0, "and decodes with none");
	free(copy);

	struct msg_sup bad = none;
	bad.mod.len = 0;
	tap_ok(msg_sup_encode(&bad, out, &len) < 0, "SUP refused: an empty module");
	memset(big, 'x', sizeof big);
	bad = none;
	bad.fun = (struct msg_text){ big, MSG_ATOM_MAX + 1 };
	tap_ok(msg_sup_encode(&bad, out, &len) < 0, "SUP refused: a function past %d bytes", MSG_ATOM_MAX);
	bad = none;
	bad.nargs = MSG_SUP_ARGS_MAX + 1;
	tap_ok(msg_sup_encode(&bad, out, &len) < 0, "SUP refused: more than %d arguments", MSG_SUP_ARGS_MAX);
	bad = none;
	bad.nargs = 1;
	bad.args[0] = (struct msg_text){ big, PROTO_MAX_PAYLOAD - MSG_SUP_MIN - 1 };
	tap_ok(msg_sup_encode(&bad, out, &len) < 0, "SUP refused: arguments past one payload, not cut");
	bad.args[0].len--;
	tap_ok(msg_sup_encode(&bad, out, &len) == 0 && len == PROTO_MAX_PAYLOAD, "SUP of exactly one payload encodes");

	/* Decoder refusals, each from bytes written by hand. */
	static const struct {
		const char *name;
		uint8_t bytes[16];
		size_t len;
	} bad_sup[] = {
		{ "SUP shorter than its least", { 0, 0, 0, 0, 1, 'm', 1 }, 7 },
		{ "SUP whose module runs past the payload", { 0, 0, 0, 0, 9, 'm', 1, 'f' }, 8 },
		{ "SUP with an empty function", { 0, 0, 0, 0, 1, 'm', 0, 'f' }, 8 },
		{ "SUP whose argument runs past the payload", { 0, 0, 0, 0, 1, 'm', 1, 'f', 0, 5, 'a' }, 11 },
		{ "SUP with half an argument's length", { 0, 0, 0, 0, 1, 'm', 1, 'f', 0 }, 9 },
	};
	for (size_t i = 0; i < COUNT(bad_sup); i++) {
		f = frame(PROTO_SUP, bad_sup[i].bytes, bad_sup[i].len, &copy);
		tap_ok(msg_sup_decode(&f, &s2) == -1, "refused: %s", bad_sup[i].name);
		free(copy);
	}
	/* 65 empty arguments: each two zero bytes. */
	uint8_t many[8 + 2 * (MSG_SUP_ARGS_MAX + 1)] = { 0, 0, 0, 0, 1, 'm', 1, 'f' };
	f = frame(PROTO_SUP, many, sizeof many, &copy);
	tap_ok(msg_sup_decode(&f, &s2) == -1, "refused: SUP with more than %d arguments", MSG_SUP_ARGS_MAX);
	free(copy);
	f = frame(PROTO_SUP, many, sizeof many - 2, &copy);
	tap_ok(msg_sup_decode(&f, &s2) == 0 && s2.nargs == MSG_SUP_ARGS_MAX, "SUP with %d arguments decodes", MSG_SUP_ARGS_MAX);
	free(copy);

	uint32_t ms;
	f = frame(PROTO_PING, raw, msg_ping_encode(1234, raw), &copy);
	tap_ok(msg_ping_decode(&f, &ms) == 0 && ms == 1234, "PING round trip");
	free(copy);
	f = frame(PROTO_PING, raw, 5, &copy);
	tap_ok(msg_ping_decode(&f, &ms) == -1, "refused: PING long");
	free(copy);

	struct msg_done d = { PROTO_DONE_NO_RETURN, 7 }, d2;
	f = frame(PROTO_DONE, raw, msg_done_encode(&d, raw), &copy);
	tap_ok(msg_done_decode(&f, &d2) == 0 && d2.outcome == PROTO_DONE_NO_RETURN && d2.code == 7, "DONE round trip");
	free(copy);
	raw[0] = PROTO_DONE_FAILED + 1;
	f = frame(PROTO_DONE, raw, MSG_DONE_LEN, &copy);
	tap_ok(msg_done_decode(&f, &d2) == -1, "refused: DONE with an outcome kzlaunch does not know");
	free(copy);
	f = frame(PROTO_DONE, raw, 1, &copy);
	tap_ok(msg_done_decode(&f, &d2) == -1, "refused: DONE short");
	free(copy);
}

int main(void)
{
	tap_plan(9 + 2 + 3 + 1 + (unsigned)COUNT(refusals) + 21);
	round_trips();
	sup_ping_done();
	limits();
	refused();
	return tap_done();
}
