/* inifile.c: reads INI files through inih, one whole physical line at a time, and reports
 * every section and key with its full name and line number.  Never lets inih cut a line,
 * a section name or a value short; never prints or exits (errors go to struct kz_err). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "die.h"
#include "inifile.h"

/* What inih is handed in place of a line too long for its buffer.  The flag in struct
 * reader, not this text, says a stand-in is in use; the text only has to parse the same way. */
#define STANDIN_VALUE "(long)"

enum line_kind { LINE_BLANK, LINE_SECTION, LINE_KEY, LINE_CONTINUATION };

struct reader {
	FILE *f;
	const char *path;
	inifile_handler handler;
	void *user;
	struct kz_err *err;
	bool failed;       /* err is filled: stop at the next read */

	char *buf;         /* the current physical line, from getline */
	size_t cap;
	unsigned lineno;

	char *section;     /* the whole current section name; inih's copy stops at 49 bytes */
	char *key;         /* the key of the last key line; continuation lines repeat it */
	char *value;       /* our own copy of this line's value, into buf; NULL: take inih's */
};

/* inih's find_chars_or_comment(), which it uses for values, keys and section names: stop at
 * one of `chars`, or at a ';' that follows white space (an inline comment), or at the end. */
static char *find_stop(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static char *lskip(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

static char *rstrip(char *s)
{
	char *end = s + strlen(s);

	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* The value as inih would hand it over (inline comment cut, white space trimmed), except that
 * a value opening with a double quote keeps everything up to its closing quote: a ';' inside
 * "..." is part of the value, not a comment.  inih alone would turn `"a ;b"` into `"a`, and
 * inifile_clean_value could not tell that from a value that really is `"a`.  `v` is the text
 * right after the '=' (or the start of a continuation line), not yet trimmed. */
static char *extract_value(char *v)
{
	char *start = lskip(v);

	if (*start == '"') {
		char *close = strchr(start + 1, '"');
		char *rest = close ? lskip(close + 1) : NULL;

		if (rest && (*rest == '\0' || *rest == ';')) {
			close[1] = '\0';
			return start;
		}
	}
	*find_stop(v, NULL) = '\0';
	return rstrip(lskip(v));
}

static int set_line_error(struct reader *r, const char *what)
{
	r->failed = true;
	return kz_err_set(r->err, EX_CONFIG, "%s:%u: %s", r->path, r->lineno, what);
}

static int out_of_memory(struct reader *r)
{
	r->failed = true;
	return kz_err_set(r->err, KZ_EXIT_FAIL, "%s: out of memory", r->path);
}

static int replace(struct reader *r, char **slot, const char *s, size_t len)
{
	char *copy = strndup(s, len);

	if (!copy)
		return out_of_memory(r);
	free(*slot);
	*slot = copy;
	return 0;
}

static int syntax_error(struct reader *r)
{
	return set_line_error(r, "not a section, key = value or comment");
}

/* A `[name]` line: remember the whole name and report the section, which inih would not do
 * for a section without keys. */
static int on_section(struct reader *r, char *start)
{
	char *end = find_stop(start + 1, "]");

	if (*end != ']')
		return syntax_error(r);
	if (replace(r, &r->section, start + 1, (size_t)(end - start - 1)) < 0)
		return -1;
	free(r->key);
	r->key = NULL; /* as inih: no continuation lines right after a section header */
	if (r->handler(r->user, r->section, NULL, NULL, r->lineno, r->err) < 0) {
		r->failed = true;
		return -1;
	}
	return 0;
}

/* A `key = value` (or `key: value`) line: remember the key, and the value for a long line. */
static int on_key(struct reader *r, char *start, bool whole)
{
	char *end = find_stop(start, "=:");
	char *name_end = end;

	if (*end != '=' && *end != ':')
		return syntax_error(r);
	while (name_end > start && isspace((unsigned char)name_end[-1]))
		name_end--;
	if (replace(r, &r->key, start, (size_t)(name_end - start)) < 0)
		return -1;
	r->value = whole && *lskip(end + 1) != '"' ? NULL : extract_value(end + 1);
	return 0;
}

/* Sorts one line (without its line ending) as inih will, doing what inih cannot do for it:
 * keep the section name and the key whole, and the value when inih would cut it. */
static int classify(struct reader *r, char *line, bool whole, enum line_kind *kind)
{
	char *start = lskip(line);

	r->value = NULL;
	if (*start == '\0' || *start == ';' || *start == '#') {
		*kind = LINE_BLANK;
		return 0;
	}
	/* inih's multi-line values (INI_ALLOW_MULTILINE): an indented line after a key line is
	 * another value for the same key, and the handler is called again with that key.  inih 55
	 * only trims such a line, cutting no inline comment (later versions do); the value is
	 * always ours, so it does not change with inih's version. */
	if (r->key && *r->key && start > line) {
		*kind = LINE_CONTINUATION;
		r->value = rstrip(start);
		return 0;
	}
	if (*start == '[') {
		*kind = LINE_SECTION;
		return on_section(r, start);
	}
	*kind = LINE_KEY;
	return on_key(r, start, whole);
}

/* What inih gets for a line longer than its buffer: something short that it parses the same
 * way (a section header resets its previous key; a key line keeps the key when it fits, so
 * its continuation lines are still recognised). */
static void make_standin(const struct reader *r, enum line_kind kind, char *str, int num)
{
	size_t room = (size_t)num - 1 - strlen("=" STANDIN_VALUE);
	size_t keylen = r->key ? strlen(r->key) : 0;

	switch (kind) {
	case LINE_BLANK:
		snprintf(str, (size_t)num, ";");
		break;
	case LINE_SECTION:
		snprintf(str, (size_t)num, "[%s]", STANDIN_VALUE);
		break;
	case LINE_CONTINUATION:
		snprintf(str, (size_t)num, " %s", STANDIN_VALUE);
		break;
	case LINE_KEY:
		snprintf(str, (size_t)num, "%.*s=%s", (int)(keylen < room ? keylen : room),
			 r->key ? r->key : "", STANDIN_VALUE);
		break;
	}
}

/* Reads one physical line into r->buf; returns its length without the line ending, or -1 at
 * the end of the file or on an error (r->failed set). */
static ssize_t read_line(struct reader *r)
{
	ssize_t n;

	errno = 0;
	n = getline(&r->buf, &r->cap, r->f);
	if (n < 0) {
		if (ferror(r->f) || errno == ENOMEM) {
			r->failed = true;
			kz_err_errno(r->err, errno == ENOMEM ? KZ_EXIT_FAIL : EX_CONFIG, "%s: read",
				     r->path);
		}
		return -1;
	}
	r->lineno++;
	if (memchr(r->buf, '\0', (size_t)n))
		return set_line_error(r, "NUL byte");
	if (n > 0 && r->buf[n - 1] == '\n')
		r->buf[--n] = '\0';
	if (n > 0 && r->buf[n - 1] == '\r') /* CRLF files: the \r is line ending, not value */
		r->buf[--n] = '\0';
	if (n > INIFILE_MAX_LINE) {
		kz_err_set(r->err, EX_CONFIG, "%s:%u: line longer than %d bytes", r->path, r->lineno,
			   INIFILE_MAX_LINE);
		r->failed = true;
		return -1;
	}
	return n;
}

/* inih's reader (fgets-style): hands it one whole line, or a stand-in when the line would
 * not fit in its `num`-byte buffer.  Returning NULL ends the parse, early on an error. */
static char *feed(char *str, int num, void *stream)
{
	struct reader *r = stream;
	enum line_kind kind;
	char *line;
	ssize_t len;
	bool whole;

	if (num < (int)sizeof "[" STANDIN_VALUE "]" + 8) { /* no inih build is this small */
		r->failed = true;
		kz_err_set(r->err, KZ_EXIT_FAIL, "%s: inih's line buffer is too small (%d)", r->path, num);
		return NULL;
	}
	if (r->failed || (len = read_line(r)) < 0)
		return NULL;
	line = r->buf;
	if (r->lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3)) { /* UTF-8 BOM */
		line += 3;
		len -= 3;
	}
	/* Copied before classify(), which may cut its own copy of the line to pick the value. */
	whole = len < num;
	if (whole)
		memcpy(str, line, (size_t)len + 1);
	if (classify(r, line, whole, &kind) < 0)
		return NULL;
	if (!whole)
		make_standin(r, kind, str, num);
	return str;
}

/* inih's handler: passes each value on with the whole section name, key and line number. */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	(void)section; /* cut at 49 bytes by inih; r->section is whole */
	(void)name;    /* a stand-in for a long line, or cut at 49 bytes on a continuation */
	if (r->failed)
		return 0;
	if (r->handler(r->user, r->section ? r->section : "", r->key ? r->key : "",
		       r->value ? r->value : value, r->lineno, r->err) < 0) {
		r->failed = true;
		return 0;
	}
	return 1;
}

static void reader_free(struct reader *r)
{
	/* The buffer held config lines, which may include secrets such as a cookie. */
	if (r->buf)
		explicit_bzero(r->buf, r->cap);
	free(r->buf);
	free(r->section);
	free(r->key);
}

int inifile_parse(const char *path, inifile_handler handler, void *user, struct kz_err *err)
{
	struct reader r = { .path = path, .handler = handler, .user = user, .err = err };
	int rc;

	r.f = fopen(path, "re");
	if (!r.f)
		return kz_err_errno(err, EX_CONFIG, "%s: open", path);
	rc = ini_parse_stream(feed, &r, on_pair, &r);
	fclose(r.f); /* read-only: a failing close loses nothing */
	if (!r.failed && rc > 0) {
		/* classify() refuses what inih refuses, so this is a backstop: same message. */
		r.lineno = (unsigned)rc;
		syntax_error(&r);
	} else if (!r.failed && rc < 0) {
		out_of_memory(&r);
	}
	reader_free(&r);
	return r.failed ? -1 : 0;
}

/* The length of `s` once trailing white space is dropped. */
static size_t trimmed_len(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return len;
}

/* Kazoo's reading of a value: trim, cut at the first ';' (a comment even right after the
 * value: `abc;x` is `abc`), trim again, then remove one pair of surrounding double quotes.
 * A value that opens with a quote and closes it before any comment is kept whole between the
 * quotes, ';' included: `"a;b" ; note` is `a;b`.  Anything else (`"a;b`, `"a"b`) falls back
 * to the plain rule. */
char *inifile_clean_value(const char *raw)
{
	const char *s = raw;
	size_t len;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (*s == '"') {
		const char *close = strchr(s + 1, '"');

		if (close) {
			const char *rest = close + 1;

			while (*rest && isspace((unsigned char)*rest))
				rest++;
			if (*rest == '\0' || *rest == ';')
				return strndup(s + 1, (size_t)(close - s - 1));
		}
	}
	len = trimmed_len(s, strcspn(s, ";"));
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
		return strndup(s + 1, len - 2);
	return strndup(s, len);
}
