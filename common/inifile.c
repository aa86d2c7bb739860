/* inifile.c: reads INI files through inih, one whole physical line at a time, and reports
 * every section and key with its full name and line number.  Never lets inih cut a line,
 * a section name or a value short; never reads anything but a regular file, nor more than one
 * line's limit into memory; never prints or exits (errors go to struct kz_err). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "inifile.h"

/* What inih is handed in place of a line too long for its buffer.  The flag in struct
 * reader, not this text, says a stand-in is in use; the text only has to parse the same way. */
#define STANDIN_VALUE "(long)"

enum line_kind { LINE_BLANK, LINE_SECTION, LINE_KEY };

struct reader {
	FILE *f;
	const char *path;
	inifile_handler handler;
	void *user;
	struct kz_err *err;
	bool failed;       /* err is filled: stop at the next read */

	/* The current physical line: at most INIFILE_MAX_LINE bytes, plus one more (a '\r' that
	 * may be half of a CRLF, or the byte that makes the line too long), plus a NUL. */
	char buf[INIFILE_MAX_LINE + 2];
	unsigned lineno;

	char *section;     /* the whole current section name; inih's copy stops at 49 bytes */
	char *key;         /* the whole key of the last key line; inih's copy stops at 49 bytes */
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
 * right after the '=', not yet trimmed. */
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

/* Sorts one line (without its line ending or leading white space) as inih will, doing what
 * inih cannot do for it: keep the section name and the key whole, and the value when inih
 * would cut it. */
static int classify(struct reader *r, char *start, bool whole, enum line_kind *kind)
{
	r->value = NULL;
	if (*start == '\0' || *start == ';' || *start == '#') {
		*kind = LINE_BLANK;
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
 * way.  Its section and key names are never used: on_pair takes ours. */
static void make_standin(enum line_kind kind, char *str, int num)
{
	switch (kind) {
	case LINE_BLANK:
		snprintf(str, (size_t)num, ";");
		break;
	case LINE_SECTION:
		snprintf(str, (size_t)num, "[%s]", STANDIN_VALUE);
		break;
	case LINE_KEY:
		snprintf(str, (size_t)num, "k=%s", STANDIN_VALUE);
		break;
	}
}

/* Reads one physical line into r->buf, never more than fits: a line over INIFILE_MAX_LINE
 * bytes is refused once INIFILE_MAX_LINE + 1 of them are read (one more only when the last of
 * those is a '\r', which a '\n' may turn into a CRLF line ending).  So /dev/zero-like input
 * costs a bounded buffer, never memory that grows with the line, as getline's would.
 * Returns the line's length without its line ending, or -1 at the end of the file or on an
 * error (r->failed set). */
static ssize_t read_line(struct reader *r)
{
	size_t n = 0;
	bool too_long = false;
	int c;

	while ((c = getc(r->f)) != EOF && c != '\n') {
		if (n == INIFILE_MAX_LINE + 1) { /* the '\r' kept below was not a line ending */
			too_long = true;
			break;
		}
		r->buf[n++] = (char)c;
		if (n == INIFILE_MAX_LINE + 1 && c != '\r') {
			too_long = true;
			break;
		}
	}
	if (c == EOF && ferror(r->f)) {
		r->failed = true;
		kz_err_errno(r->err, EX_CONFIG, "%s: read", r->path);
		return -1;
	}
	if (c == EOF && n == 0)
		return -1;
	r->lineno++;
	r->buf[n] = '\0';
	if (memchr(r->buf, '\0', n))
		return set_line_error(r, "NUL byte");
	if (too_long) {
		kz_err_set(r->err, EX_CONFIG, "%s:%u: line longer than %d bytes", r->path, r->lineno,
			   INIFILE_MAX_LINE);
		r->failed = true;
		return -1;
	}
	if (n > 0 && r->buf[n - 1] == '\r') /* CRLF files: the \r is line ending, not value */
		r->buf[--n] = '\0';
	return (ssize_t)n;
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
	/* SPEC.md: white space around keys is trimmed, so an indented `cookie = x` is a key and
	 * an indented `[x]` a header.  inih would take an indented line after a key line for
	 * another value of that key (its multi-line values); it never sees the indent. */
	while (isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	/* Copied before classify(), which may cut its own copy of the line to pick the value. */
	whole = len < num;
	if (whole)
		memcpy(str, line, (size_t)len + 1);
	if (classify(r, line, whole, &kind) < 0)
		return NULL;
	if (!whole)
		make_standin(kind, str, num);
	return str;
}

/* inih's handler: passes each value on with the whole section name, key and line number. */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	(void)section; /* cut at 49 bytes by inih; r->section is whole */
	(void)name;    /* a stand-in for a long line, or cut at 49 bytes; r->key is whole */
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
	explicit_bzero(r->buf, sizeof r->buf);
	free(r->section);
	free(r->key);
}

/* Opens `path` for reading, refusing anything but a regular file: O_NONBLOCK so that opening
 * a FIFO without a writer cannot hang, and S_ISREG so that a FIFO, a device (/dev/zero, a
 * tty) or a directory is never read.  Returns the stream, or NULL with err filled. */
static FILE *open_regular(const char *path, struct kz_err *err)
{
	struct stat st;
	FILE *f;
	int flags;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: open", path);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: fstat", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		kz_err_set(err, EX_CONFIG, "%s: not a regular file", path);
		goto fail;
	}
	/* A regular file ignores O_NONBLOCK; cleared all the same, so no read can see EAGAIN. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: fcntl", path);
		goto fail;
	}
	f = fdopen(fd, "re");
	if (!f) {
		kz_err_errno(err, errno == ENOMEM ? KZ_EXIT_FAIL : EX_CONFIG, "%s: fdopen", path);
		goto fail;
	}
	return f;
fail:
	close(fd); /* read-only and never read: a failing close loses nothing */
	return NULL;
}

int inifile_parse(const char *path, inifile_handler handler, void *user, struct kz_err *err)
{
	struct reader r = { .path = path, .handler = handler, .user = user, .err = err };
	int rc;

	r.f = open_regular(path, err);
	if (!r.f)
		return -1;
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
