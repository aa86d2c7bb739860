/* tests/unit/handoff.c: the cookie memfd and the ready pipe (common/handoff.c), one row per
 * case, each end's encoder against the other end's decoder. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "../tap.h"
#include "handoff.h"

struct ready_case {
	const char *name;
	const char *bytes;
	bool at_eof;
	int want;                /* decode's result */
	enum handoff_ready_kind kind;
	uintmax_t dev, ino;
	int status;
	const char *output;
};

static const struct ready_case ready_rows[] = {
	{ "up", "up 2049 131077\n", false, 1, HANDOFF_UP, 2049, 131077, 0, NULL },
	{ "up, not yet whole", "up 2049 1310", false, 0, 0, 0, 0, 0, NULL },
	{ "up cut by the pipe's end", "up 2049 1310", true, -1, 0, 0, 0, 0, NULL },
	{ "up with one number", "up 2049\n", false, -1, 0, 0, 0, 0, NULL },
	{ "up with a sign", "up -1 2\n", false, -1, 0, 0, 0, 0, NULL },
	{ "up with more after it", "up 1 2 3\n", false, -1, 0, 0, 0, 0, NULL },
	{ "exit and its output", "exit 3\nboom\nlast line", true, 1, HANDOFF_EXIT, 0, 0, 3, "boom\nlast line" },
	{ "exit waits for the pipe's end", "exit 3\nboom", false, 0, 0, 0, 0, 0, NULL },
	{ "exit with no output", "exit 137\n", true, 1, HANDOFF_EXIT, 0, 0, 137, "" },
	{ "exit -1", "exit -1\n", true, 1, HANDOFF_EXIT, 0, 0, -1, "" },
	{ "exit without a number", "exit x\n", true, -1, 0, 0, 0, 0, NULL },
	{ "nothing at all", "", true, -1, 0, 0, 0, 0, NULL },
	{ "a line past the limit with no newline",
	  "up 1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
	  "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
	  "11111111111111111111111111111111111111111111111111111111111111111111111111111111",
	  false, -1, 0, 0, 0, 0, NULL },
	{ "something else", "hello\n", false, -1, 0, 0, 0, 0, NULL },
	{ "wait and its text", "wait the boot to finish\nup 1 2\n", false, 1, HANDOFF_WAIT, 0, 0, 0,
	  "the boot to finish" },
	{ "wait, not yet whole", "wait the bo", false, 0, 0, 0, 0, 0, NULL },
	{ "wait with no text", "wait \n", false, 1, HANDOFF_WAIT, 0, 0, 0, "" },
};

static void ready_table(void)
{
	for (size_t i = 0; i < COUNT(ready_rows); i++) {
		const struct ready_case *c = &ready_rows[i];
		size_t len = strlen(c->bytes);
		char *copy = malloc(len ? len : 1); /* exactly its size: ASan sees an over-read */
		struct handoff_ready r;
		memcpy(copy, c->bytes, len);
		int got = handoff_ready_decode(copy, len, c->at_eof, &r);
		bool ok = got == c->want;
		if (ok && got == 1 && c->kind == HANDOFF_UP)
			ok = r.kind == HANDOFF_UP && r.dev == c->dev && r.ino == c->ino;
		if (ok && got == 1 && c->kind == HANDOFF_WAIT)
			ok = r.kind == HANDOFF_WAIT && r.output_len == strlen(c->output) &&
			     !memcmp(r.output, c->output, r.output_len) && r.used == 5 + r.output_len + 1;
		if (ok && got == 1 && c->kind == HANDOFF_EXIT)
			ok = r.kind == HANDOFF_EXIT && r.status == c->status && r.output_len == strlen(c->output) &&
			     !memcmp(r.output, c->output, r.output_len);
		tap_ok(ok, "ready pipe: %s", c->name);
		free(copy);
	}
}

static void ready_round_trips(void)
{
	char line[HANDOFF_READY_LINE_MAX], text[400];
	struct handoff_ready r;
	size_t n;

	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	text[10] = '\n';
	n = handoff_wait_encode(line, text);
	tap_ok(n == HANDOFF_READY_LINE_MAX - 1 && handoff_ready_decode(line, n, false, &r) == 1 &&
		       r.kind == HANDOFF_WAIT && r.used == n && !memchr(r.output, '\n', r.output_len),
	       "a long wait text is cut to one line, its newline a space");
	char many[3 * HANDOFF_READY_LINE_MAX];
	size_t len = handoff_wait_encode(many, "epmd");
	len += handoff_wait_encode(many + len, "the boot");
	len += handoff_up_encode(many + len, 7, 9);
	size_t at = 0, seen = 0;
	while (handoff_ready_decode(many + at, len - at, false, &r) == 1 && r.kind == HANDOFF_WAIT) {
		at += r.used;
		seen++;
	}
	tap_ok(seen == 2 && r.kind == HANDOFF_UP && r.dev == 7 && r.ino == 9 && at + r.used == len,
	       "two waits, then up, read one after the other");
	n = handoff_up_encode(line, UINTMAX_MAX, 0);

	tap_ok(handoff_ready_decode(line, n, false, &r) == 1 && r.kind == HANDOFF_UP && r.dev == UINTMAX_MAX &&
		       r.ino == 0,
	       "up's largest device number round trips");
	n = handoff_exit_encode(line, 255);
	tap_ok(handoff_ready_decode(line, n, true, &r) == 1 && r.kind == HANDOFF_EXIT && r.status == 255 &&
		       r.output_len == 0,
	       "exit round trips");
}

static void cookies(void)
{
	const char *two[] = { "boot_cookie", "later_cookie" };
	char buf[HANDOFF_COOKIES_SIZE], *got[HANDOFF_COOKIES_MAX];
	int fd = memfd_create("cookies", MFD_CLOEXEC);
	ssize_t n;

	tap_ok(fd >= 0 && handoff_cookies_write(fd, two, 2) == 0, "two cookies written to a memfd");
	n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	tap_ok(n > 0 && handoff_cookies_decode(buf, (size_t)n, got, HANDOFF_COOKIES_MAX) == 2 &&
		       !strcmp(got[0], "boot_cookie") && !strcmp(got[1], "later_cookie"),
	       "and read back in order, from the start");
	if (fd >= 0)
		close(fd);

	char odd[] = "\none\n\ntwo\nthree\nunended";
	tap_ok(handoff_cookies_decode(odd, strlen(odd), got, HANDOFF_COOKIES_MAX) == 2 && !strcmp(got[0], "one") &&
		       !strcmp(got[1], "two"),
	       "empty lines are skipped and at most two are taken");
	char unended[] = "half";
	tap_ok(handoff_cookies_decode(unended, strlen(unended), got, HANDOFF_COOKIES_MAX) == 0,
	       "a line without its newline is no cookie");
}

int main(void)
{
	tap_plan((unsigned)COUNT(ready_rows) + 4 + 4);
	ready_table();
	ready_round_trips();
	cookies();
	return tap_done();
}
