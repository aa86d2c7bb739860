/* tests/unit/proto.c: the frame format of common/proto.c, one table row per case: parsing
 * from exact-size buffers (so ASan sees any read past the end), field round trips, and
 * proto_send/proto_recv over socketpairs.  Touches no file; its children are waited for. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "../tap.h"
#include "proto.h"

/* Payload byte i of every generated frame, so a misplaced byte shows. */
static uint8_t pat(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static bool payload_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pat(i))
			return false;
	return true;
}

/* ---- proto_parse ---------------------------------------------------------------------- */

struct parse_row {
	const char *name;
	uint8_t version;
	uint8_t type;
	uint16_t lenfield; /* the header's length */
	size_t avail;      /* bytes handed to proto_parse; beyond the frame they are filler */
	long want;
};

#define MAX PROTO_MAX_PAYLOAD
#define V PROTO_VERSION

static const struct parse_row parse_rows[] = {
	{ .name = "empty buffer", .version = V, .type = PROTO_OUTPUT, .lenfield = 5 },
	{ .name = "1 header byte", .version = V, .type = PROTO_OUTPUT, .lenfield = 5, .avail = 1 },
	{ .name = "2 header bytes", .version = V, .type = PROTO_OUTPUT, .lenfield = 5, .avail = 2 },
	{ .name = "3 header bytes", .version = V, .type = PROTO_OUTPUT, .lenfield = 5, .avail = 3 },
	{ .name = "zero-length payload", .version = V, .type = PROTO_STATUS, .avail = 4, .want = 4 },
	{ .name = "zero-length payload, bytes after", .version = V, .type = PROTO_STOPPING, .avail = 9,
	  .want = 4 },
	{ .name = "header only of a 5-byte payload", .version = V, .type = PROTO_OUTPUT, .lenfield = 5,
	  .avail = 4 },
	{ .name = "4 of 5 payload bytes", .version = V, .type = PROTO_OUTPUT, .lenfield = 5, .avail = 8 },
	{ .name = "whole 5-byte frame", .version = V, .type = PROTO_OUTPUT, .lenfield = 5, .avail = 9,
	  .want = 9 },
	{ .name = "whole frame, 3 bytes after", .version = V, .type = PROTO_INPUT, .lenfield = 5, .avail = 12,
	  .want = 9 },
	{ .name = "max payload", .version = V, .type = PROTO_OUTPUT, .lenfield = MAX,
	  .avail = PROTO_HEADER + MAX, .want = PROTO_HEADER + MAX },
	{ .name = "max payload less one byte", .version = V, .type = PROTO_OUTPUT, .lenfield = MAX,
	  .avail = PROTO_HEADER + MAX - 1 },
	{ .name = "type byte passed through", .version = V, .type = 0xff, .lenfield = 1, .avail = 5,
	  .want = 5 },
	{ .name = "version 0", .type = PROTO_OUTPUT, .lenfield = 5, .avail = 9, .want = -1 },
	{ .name = "version 2", .version = 2, .type = PROTO_OUTPUT, .lenfield = 5, .avail = 9, .want = -1 },
	{ .name = "version 0xff", .version = 0xff, .type = PROTO_OUTPUT, .lenfield = 5, .avail = 9,
	  .want = -1 },
	{ .name = "bad version seen in the first byte", .version = 2, .type = PROTO_OUTPUT, .lenfield = 5,
	  .avail = 1, .want = -1 },
	{ .name = "length MAX+1, header only", .version = V, .type = PROTO_OUTPUT, .lenfield = MAX + 1,
	  .avail = 4, .want = -1 },
	{ .name = "length MAX+1, with payload", .version = V, .type = PROTO_OUTPUT, .lenfield = MAX + 1,
	  .avail = PROTO_HEADER + MAX + 1, .want = -1 },
	{ .name = "length 0xffff", .version = V, .type = PROTO_OUTPUT, .lenfield = 0xffff, .avail = 4,
	  .want = -1 },
	{ .name = "length MAX+1 not yet whole: wait", .version = V, .type = PROTO_OUTPUT, .lenfield = MAX + 1,
	  .avail = 3 },
};

/* A buffer of exactly row->avail bytes: header, then the pattern for the payload and the
 * filler after it.  NULL for 0 bytes, which proto_parse must not touch. */
static uint8_t *build(const struct parse_row *r)
{
	size_t full = PROTO_HEADER + (size_t)r->lenfield + r->avail;
	uint8_t *tmp = malloc(full);
	if (!tmp)
		return NULL;
	tmp[0] = r->version;
	tmp[1] = r->type;
	proto_put16(tmp + 2, r->lenfield);
	for (size_t i = PROTO_HEADER; i < full; i++)
		tmp[i] = pat(i - PROTO_HEADER);
	if (r->avail == 0) {
		free(tmp);
		return NULL;
	}
	uint8_t *buf = malloc(r->avail);
	if (buf)
		memcpy(buf, tmp, r->avail);
	free(tmp);
	return buf;
}

static void test_parse(void)
{
	for (size_t i = 0; i < COUNT(parse_rows); i++) {
		const struct parse_row *r = &parse_rows[i];
		uint8_t *buf = build(r);
		if (r->avail && !buf) {
			tap_ok(0, "parse: %s: out of memory", r->name);
			continue;
		}
		struct proto_frame f = { .type = 0xee, .len = 0xeeee, .payload = NULL };
		long got = proto_parse(buf, r->avail, &f);
		if (r->want > 0) {
			tap_ok(got == r->want && f.type == r->type && f.len == r->lenfield &&
				       f.payload == buf + PROTO_HEADER && payload_ok(f.payload, f.len),
			       "parse: %s", r->name);
		} else {
			tap_ok(got == r->want && f.type == 0xee && f.len == 0xeeee && !f.payload,
			       "parse: %s (frame untouched)", r->name);
		}
		if (got != r->want)
			tap_diag("got %ld, want %ld", got, r->want);
		free(buf);
	}
}

static void test_parse_two(void)
{
	/* OUTPUT "ab", then an empty STOPPING, then the first byte of a third frame. */
	static const uint8_t two[] = { V, PROTO_OUTPUT, 0, 2, 'a', 'b', V, PROTO_STOPPING, 0, 0, V };
	uint8_t *buf = malloc(sizeof two);
	if (!buf) {
		tap_ok(0, "parse: two frames: out of memory");
		return;
	}
	memcpy(buf, two, sizeof two);
	struct proto_frame f;
	size_t off = 0;

	long n = proto_parse(buf + off, sizeof two - off, &f);
	tap_ok(n == 6 && f.type == PROTO_OUTPUT && f.len == 2 && !memcmp(f.payload, "ab", 2),
	       "parse: two frames: the first");
	off += n > 0 ? (size_t)n : 0;
	n = proto_parse(buf + off, sizeof two - off, &f);
	tap_ok(n == 4 && f.type == PROTO_STOPPING && f.len == 0, "parse: two frames: the second");
	off += n > 0 ? (size_t)n : 0;
	n = proto_parse(buf + off, sizeof two - off, &f);
	tap_is_int(n, 0, "parse: two frames: then a partial header");
	free(buf);
}

/* ---- fields --------------------------------------------------------------------------- */

static const uint64_t values[] = {
	0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000,
	0x0102030405060708, 0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffffffe,
	0xffffffffffffffff,
};

/* Puts v (which fits) into `width` bytes with a guard byte on each side, and checks the
 * bytes are big-endian, the guards unchanged and the get gives the value back. */
static void check_field(unsigned width, uint64_t v)
{
	uint8_t buf[10];
	uint64_t want = v, back;

	memset(buf, 0xa5, sizeof buf);
	switch (width) {
	case 2:
		proto_put16(buf + 1, (uint16_t)v);
		back = proto_get16(buf + 1);
		break;
	case 4:
		proto_put32(buf + 1, (uint32_t)v);
		back = proto_get32(buf + 1);
		break;
	default:
		proto_put64(buf + 1, v);
		back = proto_get64(buf + 1);
		break;
	}
	bool bytes = true;
	for (unsigned i = 0; i < width; i++)
		if (buf[1 + i] != (uint8_t)(want >> (8 * (width - 1 - i))))
			bytes = false;
	bool guards = buf[0] == 0xa5 && buf[1 + width] == 0xa5;
	if (!tap_ok(bytes && guards && back == want, "put%u/get%u 0x%llx", 8 * width, 8 * width,
		    (unsigned long long)want))
		tap_diag("bytes %s, guards %s, back 0x%llx", bytes ? "ok" : "wrong",
			 guards ? "ok" : "overwritten", (unsigned long long)back);
}

static void test_fields(void)
{
	static const unsigned widths[] = { 2, 4, 8 };

	for (size_t w = 0; w < COUNT(widths); w++)
		for (size_t i = 0; i < COUNT(values); i++) {
			if (widths[w] < 8 && values[i] >> (8 * widths[w]))
				continue; /* does not fit this field */
			check_field(widths[w], values[i]);
		}

	static const uint8_t order[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t b[8];
	proto_put64(b, 0x0102030405060708);
	tap_ok(!memcmp(b, order, 8) && proto_get32(order + 4) == 0x05060708 &&
		       proto_get16(order + 6) == 0x0708,
	       "fields: network byte order, whatever the host's");

	struct { uint8_t type; uint16_t len; uint8_t want[PROTO_HEADER]; } hdrs[] = {
		{ PROTO_ATTACH, 5, { V, PROTO_ATTACH, 0, 5 } },
		{ PROTO_OUTPUT, 0x1234, { V, PROTO_OUTPUT, 0x12, 0x34 } },
		{ PROTO_STOP, 0, { V, PROTO_STOP, 0, 0 } },
		{ PROTO_OUTPUT, MAX, { V, PROTO_OUTPUT, MAX >> 8, MAX & 0xff } },
	};
	for (size_t i = 0; i < COUNT(hdrs); i++) {
		uint8_t h[PROTO_HEADER];
		proto_header(h, hdrs[i].type, hdrs[i].len);
		tap_ok(!memcmp(h, hdrs[i].want, PROTO_HEADER), "header: type %u, length %u",
		       hdrs[i].type, hdrs[i].len);
	}
}

/* ---- proto_send / proto_recv ---------------------------------------------------------- */

static int pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
}

struct rt_row {
	uint8_t type;
	uint16_t len;
};

static const struct rt_row rt_rows[] = {
	{ PROTO_STATUS, 0 }, { PROTO_INPUT, 1 }, { PROTO_WINSIZE, 4 }, { PROTO_OUTPUT, 255 },
	{ PROTO_OUTPUT, 256 }, { PROTO_OUTPUT, 4096 }, { PROTO_OUTPUT, MAX - 1 }, { PROTO_OUTPUT, MAX },
};

static void test_roundtrip(void)
{
	static uint8_t out[MAX], in[MAX];
	int sv[2];

	for (size_t i = 0; i < MAX; i++)
		out[i] = pat(i);
	if (pair(sv) < 0) {
		tap_ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	/* All frames go out before any is read: together they fit a unix socket's buffer. */
	bool sent = true;
	for (size_t i = 0; i < COUNT(rt_rows); i++)
		if (proto_send(sv[0], rt_rows[i].type, out, rt_rows[i].len) < 0)
			sent = false;
	tap_ok(sent, "send: %zu frames of 0 to %d bytes", COUNT(rt_rows), MAX);
	for (size_t i = 0; i < COUNT(rt_rows); i++) {
		struct proto_frame f;
		memset(in, 0, sizeof in);
		int r = proto_recv(sv[1], &f, in);
		tap_ok(r == 1 && f.type == rt_rows[i].type && f.len == rt_rows[i].len &&
			       f.payload == in && payload_ok(in, f.len),
		       "round trip: type %u, %u bytes", rt_rows[i].type, rt_rows[i].len);
	}
	close(sv[0]);
	struct proto_frame f;
	tap_is_int(proto_recv(sv[1], &f, in), 0, "recv: clean end of file after the frames");
	close(sv[1]);
}

/* An INFO payload built with the put functions arrives decodable. */
static void test_info(void)
{
	static uint8_t in[MAX];
	uint8_t p[20 + 16];
	int sv[2];

	proto_put32(p, 4242);
	proto_put64(p + 4, 1700000000);
	proto_put32(p + 12, 3);
	memcpy(p + 16, "kazoo_apps@vm", 13);
	if (pair(sv) < 0) {
		tap_ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	struct proto_frame f;
	int s = proto_send(sv[0], PROTO_INFO, p, 16 + 13);
	int r = proto_recv(sv[1], &f, in);
	tap_ok(s == 0 && r == 1 && f.type == PROTO_INFO && f.len == 29 &&
		       proto_get32(f.payload) == 4242 && proto_get64(f.payload + 4) == 1700000000 &&
		       proto_get32(f.payload + 12) == 3 && !memcmp(f.payload + 16, "kazoo_apps@vm", 13),
	       "INFO: pid, started, clients and node name survive the trip");
	close(sv[0]);
	close(sv[1]);
}

/* What the peer writes before it closes, and what each proto_recv call then returns. */
struct want {
	int ret;
	int err;      /* when ret is -1 */
	uint8_t type; /* when ret is 1 */
	uint16_t len;
};

struct recv_row {
	const char *name;
	const char *bytes;
	size_t n;
	struct want want[3];
	unsigned calls;
};

#define B(s) .bytes = s, .n = sizeof(s) - 1

static const struct recv_row recv_rows[] = {
	{ .name = "clean end of file", B(""), .want = { { 0, 0, 0, 0 } }, .calls = 1 },
	{ .name = "end of file after 1 header byte", B("\x01"),
	  .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "end of file after 2 header bytes", B("\x01\x14"),
	  .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "end of file after 3 header bytes", B("\x01\x14\x00"),
	  .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "end of file after the header", B("\x01\x14\x00\x0a"),
	  .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "end of file mid-payload", B("\x01\x14\x00\x0a" "abcd"),
	  .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "garbage header", B("GET / HTTP/1.0\r\n\r\n"),
	  .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "version 2", B("\x02\x14\x00\x01" "a"), .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "length MAX+1", B("\x01\x14\x40\x01"), .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "length 0xffff", B("\x01\x14\xff\xff"), .want = { { -1, EPROTO, 0, 0 } }, .calls = 1 },
	{ .name = "empty frame, then end of file", B("\x01\x1a\x00\x00"),
	  .want = { { 1, 0, PROTO_STOPPING, 0 }, { 0, 0, 0, 0 } }, .calls = 2 },
	{ .name = "two frames back to back", B("\x01\x14\x00\x02" "ab" "\x01\x17\x00\x04\x00\x00\x00\x8f"),
	  .want = { { 1, 0, PROTO_OUTPUT, 2 }, { 1, 0, PROTO_EXIT, 4 }, { 0, 0, 0, 0 } }, .calls = 3 },
	{ .name = "a frame, then one cut short", B("\x01\x14\x00\x01" "a" "\x01\x14"),
	  .want = { { 1, 0, PROTO_OUTPUT, 1 }, { -1, EPROTO, 0, 0 } }, .calls = 2 },
};

static void test_recv(void)
{
	static uint8_t in[MAX];

	for (size_t i = 0; i < COUNT(recv_rows); i++) {
		const struct recv_row *r = &recv_rows[i];
		int sv[2];
		if (pair(sv) < 0) {
			tap_ok(0, "recv: %s: socketpair: %s", r->name, strerror(errno));
			continue;
		}
		bool pass = write(sv[0], r->bytes, r->n) == (ssize_t)r->n;
		close(sv[0]);
		for (unsigned c = 0; c < r->calls; c++) {
			const struct want *w = &r->want[c];
			struct proto_frame f = { 0 };
			errno = 0;
			int got = proto_recv(sv[1], &f, in);
			int e = errno;
			bool ok = got == w->ret && (got != -1 || e == w->err) &&
				  (got != 1 || (f.type == w->type && f.len == w->len));
			if (!ok)
				tap_diag("%s: call %u: got %d (%s) type %u len %u", r->name, c + 1, got,
					 got < 0 ? strerror(e) : "-", f.type, f.len);
			pass = pass && ok;
		}
		tap_ok(pass, "recv: %s", r->name);
		close(sv[1]);
	}
}

static void test_errors(void)
{
	static uint8_t in[MAX];
	struct proto_frame f;
	int sv[2];

	errno = 0;
	tap_ok(proto_send(-1, PROTO_STATUS, NULL, 0) == -1 && errno == EBADF, "send: bad fd gives EBADF");
	errno = 0;
	tap_ok(proto_recv(-1, &f, in) == -1 && errno == EBADF, "recv: bad fd gives EBADF");

	if (pair(sv) < 0) {
		tap_ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	errno = 0;
	tap_ok(proto_send(sv[0], PROTO_OUTPUT, in, MAX + 1) == -1 && errno == EMSGSIZE,
	       "send: MAX+1 bytes refused with EMSGSIZE");
	/* Nothing went out for the refused frame: the peer sees end of file, not a header. */
	close(sv[0]);
	tap_is_int(proto_recv(sv[1], &f, in), 0, "send: a refused frame writes nothing");
	close(sv[1]);

	/* SIGPIPE's default action would end this test; MSG_NOSIGNAL must make it EPIPE. */
	if (pair(sv) < 0) {
		tap_ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	close(sv[1]);
	errno = 0;
	tap_ok(proto_send(sv[0], PROTO_INPUT, "x", 1) == -1 && errno == EPIPE,
	       "send: peer gone gives EPIPE, no SIGPIPE");
	close(sv[0]);
}

/* ---- short writes and EINTR ----------------------------------------------------------- */

static void on_alarm(int sig)
{
	(void)sig;
}

/* A 1 ms interval timer whose handler does not restart calls: blocking sendmsg and recv on
 * tiny socket buffers keep getting cut short or interrupted. */
static int interrupt_often(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -1;
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	return setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_interrupts(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
}

enum { STRESS_FRAMES = 200 };

static void test_stress(void)
{
	static uint8_t buf[MAX];
	int sv[2];

	if (pair(sv) < 0) {
		tap_ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	int small = 4096;
	/* Best effort: the kernel rounds these up; the test is valid at any size. */
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		tap_ok(0, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return;
	}
	if (pid == 0) {
		close(sv[1]);
		for (size_t i = 0; i < MAX; i++)
			buf[i] = pat(i);
		if (interrupt_often() < 0)
			_exit(2);
		for (unsigned i = 0; i < STRESS_FRAMES; i++) {
			uint16_t len = (uint16_t)(i % 3 == 0 ? MAX : (i * 977) % (MAX + 1));
			if (proto_send(sv[0], PROTO_OUTPUT, buf, len) < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(sv[0]);
	bool ok = interrupt_often() == 0;
	unsigned frames = 0;
	for (;;) {
		struct proto_frame f;
		int r = proto_recv(sv[1], &f, buf);
		if (r <= 0) {
			if (r < 0) {
				tap_diag("stress: frame %u: %s", frames, strerror(errno));
				ok = false;
			}
			break;
		}
		uint16_t len = (uint16_t)(frames % 3 == 0 ? MAX : (frames * 977) % (MAX + 1));
		if (f.type != PROTO_OUTPUT || f.len != len || !payload_ok(f.payload, f.len)) {
			tap_diag("stress: frame %u: type %u len %u (want %u), payload %s", frames, f.type,
				 f.len, len, payload_ok(f.payload, f.len) ? "ok" : "wrong");
			ok = false;
			break;
		}
		frames++;
	}
	stop_interrupts();
	close(sv[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	tap_ok(ok && frames == STRESS_FRAMES && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "send/recv: %u frames whole and in order through EINTR and short writes", frames);
}

int main(void)
{
	test_parse();
	test_parse_two();
	test_fields();
	test_roundtrip();
	test_info();
	test_recv();
	test_errors();
	test_stress();
	return tap_done();
}
