/* inifile.c: reads Kazoo's INI files (config.ini, the policies) one whole physical line at a
 * time and reports every section and key with its full name and line number.  Our own small
 * reader, not inih's: Debian's inih cuts every line at 199 bytes (a 255-byte cookie arrived
 * as 190) and section names at 49, so lines had to be sorted here anyway; what it added was a
 * second parser to keep in step.  The rules are inih's (doc/ini.md): `;`/`#` comment lines,
 * `[section]`, `key = value` or `key: value`, an inline `;` comment after white space.
 * Never reads anything but a regular file, nor more than one line's limit into memory;
 * never prints or exits (errors go to struct kz_err). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "inifile.h"

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

	char *section;     /* the current section name, whole; NULL before the first header */
};

/* Where a name or value ends: at one of `chars`, or at a ';' that follows white space (an
 * inline comment), or at the end; inih's rule for values, keys and section names. */
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

/* The value with its inline comment cut and white space trimmed, except that a value opening
 * with a double quote keeps everything up to its closing quote: a ';' inside "..." is part of
 * the value, not a comment (`"a ;b"` cut at the comment would be `"a`, which
 * inifile_clean_value could not tell from a value that really is `"a`).  `v` is the text
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

/* A `[name]` line: remember the name and report the section, keys or none. */
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

/* A `key = value` (or `key: value`) line: report the key and its value. */
static int on_key(struct reader *r, char *start)
{
	char *end = find_stop(start, "=:");
	char *name_end = end;

	if (*end != '=' && *end != ':')
		return syntax_error(r);
	while (name_end > start && isspace((unsigned char)name_end[-1]))
		name_end--;
	*name_end = '\0'; /* the key ends before the separator; the value starts after it */
	if (r->handler(r->user, r->section ? r->section : "", start, extract_value(end + 1), r->lineno,
		       r->err) < 0) {
		r->failed = true;
		return -1;
	}
	return 0;
}

/* One line, without its line ending or leading white space. */
static int on_line(struct reader *r, char *start)
{
	if (*start == '\0' || *start == ';' || *start == '#')
		return 0;
	if (*start == '[')
		return on_section(r, start);
	return on_key(r, start);
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

/* Every line in turn, until the end or the first error. */
static void read_lines(struct reader *r)
{
	ssize_t len;

	while (!r->failed && (len = read_line(r)) >= 0) {
		char *line = r->buf;
		if (r->lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3)) /* UTF-8 BOM */
			line += 3;
		/* White space around keys is trimmed, so an indented `cookie = x` is a key and an
		 * indented `[x]` a header, never a continuation of the value above (inih's
		 * multi-line values, which Kazoo's reader does not have). */
		while (isspace((unsigned char)*line))
			line++;
		if (on_line(r, line) < 0)
			return;
	}
}

static void reader_free(struct reader *r)
{
	/* The buffer held config lines, which may include secrets such as a cookie. */
	explicit_bzero(r->buf, sizeof r->buf);
	free(r->section);
}

/* A stream of its own on `fd` (a duplicate: the caller keeps and closes `fd`), refusing
 * anything but a regular file, so that a FIFO, a device (/dev/zero, a tty) or a directory is
 * never read.  Returns the stream, or NULL with err filled. */
static FILE *stream_of(int fd, const char *path, struct kz_err *err)
{
	struct stat st;
	FILE *f;
	int flags, dup;

	if (fstat(fd, &st) < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: fstat", path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		kz_err_set(err, EX_CONFIG, "%s: not a regular file", path);
		return NULL;
	}
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: dup", path);
		return NULL;
	}
	/* A regular file ignores O_NONBLOCK; cleared all the same, so no read can see EAGAIN. */
	flags = fcntl(dup, F_GETFL);
	if (flags < 0 || fcntl(dup, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: fcntl", path);
		close(dup);
		return NULL;
	}
	f = fdopen(dup, "re");
	if (!f) {
		kz_err_errno(err, errno == ENOMEM ? KZ_EXIT_FAIL : EX_CONFIG, "%s: fdopen", path);
		close(dup); /* read-only and never read: a failing close loses nothing */
	}
	return f;
}

int inifile_parse_fd(int fd, const char *path, inifile_handler handler, void *user, struct kz_err *err)
{
	struct reader r = { .path = path, .handler = handler, .user = user, .err = err };

	r.f = stream_of(fd, path, err);
	if (!r.f)
		return -1;
	read_lines(&r);
	fclose(r.f); /* read-only: a failing close loses nothing */
	reader_free(&r);
	return r.failed ? -1 : 0;
}

/* O_NONBLOCK so that opening a FIFO without a writer cannot hang; inifile_parse_fd then
 * refuses it unread. */
int inifile_parse(const char *path, inifile_handler handler, void *user, struct kz_err *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return kz_err_errno(err, EX_CONFIG, "%s: open", path);
	rc = inifile_parse_fd(fd, path, handler, user, err);
	close(fd); /* read-only: a failing close loses nothing */
	return rc;
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
