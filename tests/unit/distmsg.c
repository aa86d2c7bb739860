/* tests/unit/distmsg.c: one frame from a node as common/distmsg.c reads it.  Frames are
 * made with libei's encoders, as a node would send them; each whole frame is read, and every
 * shorter cut of it is refused without a read past its end (a copy of exactly those bytes). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "array.h"
#include "distmsg.h"

static erlang_pid self = { .node = "kzlaunch9@vm", .num = 7, .serial = 0, .creation = 0x10042 };
static erlang_pid other = { .node = "kzlaunch9@vm", .num = 7, .serial = 0, .creation = 0x10041 };
static erlang_pid node = { .node = "kazoo_apps@vm", .num = 40, .serial = 1, .creation = 3 };

enum payload { NONE, REX, STDOUT, LIE, EXTRA };

/* 'p', the control message {op, '' or From, To}, then the payload. */
static void frame(ei_x_buff *x, long op, const erlang_pid *to, enum payload what)
{
	ei_x_new(x);
	ei_x_append_buf(x, "p", 1);
	ei_x_encode_version(x);
	ei_x_encode_tuple_header(x, 3);
	ei_x_encode_long(x, op);
	if (op == 22)
		ei_x_encode_pid(x, &node);
	else
		ei_x_encode_atom(x, "");
	ei_x_encode_pid(x, to);
	if (what == NONE)
		return;
	ei_x_encode_version(x);
	ei_x_encode_tuple_header(x, 2);
	if (what == REX) {
		ei_x_encode_atom(x, "rex");
		ei_x_encode_tuple_header(x, 2);
		ei_x_encode_atom(x, "ok");
		ei_x_encode_long(x, 42);
		return;
	}
	ei_x_encode_atom(x, "rex_stdout");
	ei_x_encode_binary(x, "hello\n", 6);
	if (what == LIE)
		x->buff[x->index - 6 - 4 + 3] = 100; /* the binary claims 100 bytes, has 6 */
	if (what == EXTRA)
		ei_x_append_buf(x, "\x00", 1);
}

/* Reads a copy of exactly len bytes of x. */
static int read_cut(const ei_x_buff *x, int len, const erlang_pid *to, struct distmsg *m, char **copy)
{
	*copy = malloc((size_t)len + 1);
	memcpy(*copy, x->buff, (size_t)len);
	return distmsg_read(*copy, (size_t)len, to, m);
}

static void test_frames(void)
{
	static const struct {
		const char *name;
		long op;
		const erlang_pid *to;
		enum payload what;
		int rc;
		enum distmsg_kind kind;
	} rows[] = {
		{ "a reply to this call", 2, &self, REX, 0, DISTMSG_REX },
		{ "output of this call", 2, &self, STDOUT, 0, DISTMSG_OUTPUT },
		{ "a reply with a sender (SEND_SENDER)", 22, &self, REX, 0, DISTMSG_REX },
		{ "a reply to an earlier incarnation", 2, &other, REX, 0, DISTMSG_IGNORED },
		{ "a link, no payload", 1, &self, NONE, 0, DISTMSG_IGNORED },
		{ "a send without its message", 2, &self, NONE, -1, DISTMSG_IGNORED },
		{ "output whose binary claims more than the frame holds", 2, &self, LIE, -1, DISTMSG_IGNORED },
		{ "a byte after the message", 2, &self, EXTRA, -1, DISTMSG_IGNORED },
	};

	for (size_t k = 0; k < COUNT(rows); k++) {
		ei_x_buff x;
		struct distmsg m;
		char *copy;
		int shorter_fail = 1;

		frame(&x, rows[k].op, rows[k].to, rows[k].what);
		int rc = read_cut(&x, x.index, &self, &m, &copy);
		int within = m.kind == DISTMSG_IGNORED ||
			     (m.message.start >= 0 && m.message.end <= x.index &&
			      (m.kind != DISTMSG_OUTPUT || (m.bytes >= copy && m.bytes + m.len <= copy + x.index)));
		tap_ok(rc == rows[k].rc && m.kind == rows[k].kind && within, "%s: %s", rows[k].name,
		       rows[k].rc < 0 ? "refused" : "read");
		free(copy);
		for (int len = 0; len < x.index && rows[k].rc == 0; len++) {
			/* A link cut after its control message is still a whole link. */
			if (rows[k].what == NONE)
				break;
			if (read_cut(&x, len, &self, &m, &copy) == 0)
				shorter_fail = 0;
			free(copy);
		}
		if (rows[k].rc == 0 && rows[k].what != NONE)
			tap_ok(shorter_fail, "%s: refused at every shorter length", rows[k].name);
		ei_x_free(&x);
	}
}

static void test_what_is_read(void)
{
	ei_x_buff x;
	struct distmsg m;
	long v = 0;
	int i = 0;

	frame(&x, 2, &self, STDOUT);
	distmsg_read(x.buff, (size_t)x.index, &self, &m);
	tap_ok(m.len == 6 && !memcmp(m.bytes, "hello\n", 6), "output: the binary's bytes, no more");
	ei_x_free(&x);

	frame(&x, 2, &self, REX);
	distmsg_read(x.buff, (size_t)x.index, &self, &m);
	struct term e[2];
	tap_ok(term_tuple(&m.result, 2, e) == 0 && term_is_atom(&e[0], "ok") &&
		       (i = e[1].start, ei_decode_long(x.buff, &i, &v)) == 0 && v == 42,
	       "a reply: its result is {ok, 42}");
	ei_x_free(&x);
}

static void test_refused(void)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "an empty frame (a tick is the reader's)", "", 0 },
		{ "a frame that is not pass-through", "q\x83h\x01" "a\x02", 6 },
		{ "a control message without its version", "ph\x01" "a\x02", 5 },
		{ "a control message that is no tuple", "p\x83" "a\x02", 4 },
		{ "a control tuple claiming 255 elements", "p\x83h\xff" "a\x02", 6 },
		{ "an operation that is no small integer", "p\x83h\x01j", 5 },
	};

	for (size_t k = 0; k < COUNT(bad); k++) {
		struct distmsg m;
		tap_ok(distmsg_read(bad[k].bytes, bad[k].len, &self, &m) < 0, "refused: %s", bad[k].name);
	}
}

int main(void)
{
	tap_plan(8 + 4 + 2 + 6);
	test_frames();
	test_what_is_read();
	test_refused();
	return tap_done();
}
