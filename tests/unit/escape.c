/* tests/unit/escape.c: the one escaping rule (common/escape.c), one row per case: what a
 * message shows of a text, and of a text cut to fit a buffer. */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "../tap.h"
#include "escape.h"

struct dup_case {
	const char *name;
	const char *in;
	const char *want;
};

static const struct dup_case dup_rows[] = {
	{ "plain text is itself", "/etc/kazoo/config.ini", "/etc/kazoo/config.ini" },
	{ "empty", "", "" },
	{ "a terminal escape is shown, not obeyed", "da\033[2Jmon", "da\\x1b[2Jmon" },
	{ "a newline cannot split the line", "a\nb", "a\\x0ab" },
	{ "tab and carriage return", "\t\r", "\\x09\\x0d" },
	{ "DEL", "x\177", "x\\x7f" },
	{ "0x01 and 0x1f, the edges below space", "\001\037", "\\x01\\x1f" },
	{ "space and tilde are printable", " ~", " ~" },
	{ "a backslash is not doubled", "C:\\dir\\x41", "C:\\dir\\x41" },
	{ "bytes from 0x80 pass (UTF-8 names)", "caf\303\251", "caf\303\251" },
	{ "escaping what was escaped changes nothing", "da\\x1b[2Jmon", "da\\x1b[2Jmon" },
};

struct buf_case {
	const char *name;
	const char *in;
	size_t size;
	const char *want;
};

static const struct buf_case buf_rows[] = {
	{ "fits exactly", "ab\033", 7, "ab\\x1b" },
	{ "one short: the escape is left out whole", "ab\033", 6, "ab" },
	{ "cut between plain bytes", "abcdef", 4, "abc" },
	{ "room for the NUL only", "abc", 1, "" },
	{ "an escape first, no room for it", "\033x", 4, "" },
};

int main(void)
{
	size_t ndup = COUNT(dup_rows), nbuf = COUNT(buf_rows);

	tap_plan((unsigned)(ndup + 2 * nbuf + 4));
	for (size_t i = 0; i < ndup; i++) {
		char *got = escape_dup(dup_rows[i].in);
		tap_is(got, dup_rows[i].want, "escape_dup: %s", dup_rows[i].name);
		free(got);
	}
	for (size_t i = 0; i < nbuf; i++) {
		const struct buf_case *r = &buf_rows[i];
		char out[16];
		size_t n;

		memset(out, 'Z', sizeof out);
		n = escape_buf(out, r->size, r->in);
		tap_is(out, r->want, "escape_buf: %s", r->name);
		tap_ok(n == strlen(r->want) && out[r->size] == 'Z' ? 1 : 0,
		       "escape_buf: %s: returns its length and writes nothing past size", r->name);
	}
	tap_ok(escape_needed("a\033b"), "escape_needed: an ESC");
	tap_ok(!escape_needed("a\\b c"), "escape_needed: a backslash and a space are not");
	char one[5];
	tap_ok(escape_byte(0x1b, one) == 4 && !strcmp(one, "\\x1b"), "escape_byte: ESC is 4 bytes");
	tap_ok(escape_byte('\\', one) == 1 && !strcmp(one, "\\"), "escape_byte: a backslash is itself");
	return tap_done();
}
