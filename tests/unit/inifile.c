/* tests/unit/inifile.c: inifile_parse and inifile_clean_value, one table row per case.
 * Writes its files into a fresh folder under /tmp and removes them; touches nothing else. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "../fixture.h"
#include "../tap.h"
#include "inifile.h"

/* Texts below are templates: `{N*c}` stands for N copies of the character c, `{NUL}` for a
 * NUL byte, and PATH in an expected message for the file's path. */

/* FILE_FIFO: a FIFO nobody writes to; FILE_DEVZERO: /dev/zero, endless and not a file. */
enum file_kind { FILE_TEXT, FILE_MISSING, FILE_DIR, FILE_FIFO, FILE_DEVZERO };

struct parse_row {
	const char *name;
	const char *text;
	int status;        /* 0, or err.status */
	const char *msg;   /* err.msg; NULL when status is 0 */
	const char *events; /* what the handler saw: "LINE[section]" and "LINE:key=value", '|' between */
	enum file_kind kind;
	const char *stop;  /* the handler fails on this key or section name */
};

static const struct parse_row parse_rows[] = {
	{ "key in a section", "[a]\nk = v\n", 0, NULL, "1[a]|2:k=v", 0, NULL },
	{ "empty sections are reported", "[a]\n[b]\n[c]\nk=v\n", 0, NULL, "1[a]|2[b]|3[c]|4:k=v", 0, NULL },
	{ "key before any section", "k = v\n[a]\n", 0, NULL, "1:k=v|2[a]", 0, NULL },
	{ "comments and blank lines", "; c\n# c\n\n[a]\n  ; indented\nk = v\n", 0, NULL, "4[a]|6:k=v", 0, NULL },
	{ "colon separator", "[a]\nk: v\n", 0, NULL, "1[a]|2:k=v", 0, NULL },
	{ "'=' inside a value", "[a]\nk = a=b\n", 0, NULL, "1[a]|2:k=a=b", 0, NULL },
	{ "inline comment after space", "[a]\nk = v ; c\n", 0, NULL, "1[a]|2:k=v", 0, NULL },
	{ "';' right after a value is left to clean_value", "[a]\nk = v;c\n", 0, NULL, "1[a]|2:k=v;c", 0, NULL },
	{ "'#' after a value is not a comment", "[a]\nk = v # x\n", 0, NULL, "1[a]|2:k=v # x", 0, NULL },
	{ "empty value", "[a]\nk =\n", 0, NULL, "1[a]|2:k=", 0, NULL },
	{ "comment as the whole value", "[a]\nk = ; c\n", 0, NULL, "1[a]|2:k=", 0, NULL },
	{ "';' inside quotes is kept", "[a]\nk = \"a ; b\" ; c\n", 0, NULL, "1[a]|2:k=\"a ; b\"", 0, NULL },
	{ "CRLF line endings", "[a]\r\nk = v\r\n\r\nj = \"q\"\r\n", 0, NULL, "1[a]|2:k=v|4:j=\"q\"", 0, NULL },
	{ "UTF-8 BOM", "\xEF\xBB\xBF[a]\nk = v\n", 0, NULL, "1[a]|2:k=v", 0, NULL },
	{ "no newline at the end", "[a]\nk = v", 0, NULL, "1[a]|2:k=v", 0, NULL },
	{ "indented line is no continuation", "[a]\nk = one\n  two\n", EX_CONFIG, "PATH:3: not a section, key = value or comment", "1[a]|2:k=one", 0, NULL },
	{ "indented key after a key", "[a]\nk = one\n  j = \"t ; o\" ; c\n", 0, NULL, "1[a]|2:k=one|3:j=\"t ; o\"", 0, NULL },
	{ "indented keys after a key, tabs", "[a]\nip = \"1.2.3.4\"\n\thost = vm\n \t cookie = def\n", 0, NULL, "1[a]|2:ip=\"1.2.3.4\"|3:host=vm|4:cookie=def", 0, NULL },
	{ "indented key right after a header", "[a]\n  k = v\n", 0, NULL, "1[a]|2:k=v", 0, NULL },
	{ "indented section header", "[a]\nk = v\n  [b]\n  j = w\n", 0, NULL, "1[a]|2:k=v|3[b]|4:j=w", 0, NULL },
	{ "indented comment after a key", "[a]\nk = v\n  ; c\n\t# c\n", 0, NULL, "1[a]|2:k=v", 0, NULL },
	{ "BOM, then an indent", "\xEF\xBB\xBF  [a]\n", 0, NULL, "1[a]", 0, NULL },
	{ "long indent before a short key", "[a]\n{300* }k = v\n", 0, NULL, "1[a]|2:k=v", 0, NULL },
	{ "section name kept as written", "[ a ] trailing\n", 0, NULL, "1[ a ]", 0, NULL },
	{ "line of 199 bytes", "[a]\nk = {195*x}\n", 0, NULL, "1[a]|2:k={195*x}", 0, NULL },
	{ "line of 200 bytes", "[a]\nk = {196*x}\n", 0, NULL, "1[a]|2:k={196*x}", 0, NULL },
	{ "255-byte cookie arrives whole", "[a]\ncookie = {255*c}\n", 0, NULL, "1[a]|2:cookie={255*c}", 0, NULL },
	{ "line of 4095 bytes", "[a]\nk = {4091*x}\n", 0, NULL, "1[a]|2:k={4091*x}", 0, NULL },
	{ "line of 4095 bytes and CRLF", "[a]\r\nk = {4091*x}\r\n", 0, NULL, "1[a]|2:k={4091*x}", 0, NULL },
	{ "line of 4095 bytes, CRLF, more lines", "[a]\r\nk = {4091*x}\r\nj = w\r\n", 0, NULL, "1[a]|2:k={4091*x}|3:j=w", 0, NULL },
	{ "line of 4095 bytes, CR at the end of the file", "[a]\nk = {4091*x}\r", 0, NULL, "1[a]|2:k={4091*x}", 0, NULL },
	{ "line of 4096 bytes", "[a]\nk = {4092*x}\nz = 1\n", EX_CONFIG, "PATH:2: line longer than 4095 bytes", "1[a]", 0, NULL },
	{ "line of 4096 bytes and CRLF", "[a]\nk = {4092*x}\r\n", EX_CONFIG, "PATH:2: line longer than 4095 bytes", "1[a]", 0, NULL },
	{ "line of 4096 bytes ending in CR", "[a]\nk = {4091*x}\r\r\n", EX_CONFIG, "PATH:2: line longer than 4095 bytes", "1[a]", 0, NULL },
	{ "CR at byte 4096, more after it", "[a]\nk = {4091*x}\rz\n", EX_CONFIG, "PATH:2: line longer than 4095 bytes", "1[a]", 0, NULL },
	{ "line of 4096 bytes, no newline", "[a]\nk = {4092*x}", EX_CONFIG, "PATH:2: line longer than 4095 bytes", "1[a]", 0, NULL },
	{ "line of a megabyte", "[a]\nk = {1048576*x}\n", EX_CONFIG, "PATH:2: line longer than 4095 bytes", "1[a]", 0, NULL },
	{ "NUL byte in a line of 4096 bytes", "[a]\nk = {NUL}{4091*x}\n", EX_CONFIG, "PATH:2: NUL byte", "1[a]", 0, NULL },
	{ "long value, inline comment", "[a]\nk = {250*x} ; note\n", 0, NULL, "1[a]|2:k={250*x}", 0, NULL },
	{ "long value, trailing spaces", "[a]\nk = {250*x}{50* }\n", 0, NULL, "1[a]|2:k={250*x}", 0, NULL },
	{ "long quoted value with ';'", "[a]\nk = \"{200*x} ; {10*y}\"\n", 0, NULL, "1[a]|2:k=\"{200*x} ; {10*y}\"", 0, NULL },
	{ "section name of 64 bytes", "[{64*s}]\nk = v\n", 0, NULL, "1[{64*s}]|2:k=v", 0, NULL },
	{ "section name of 300 bytes", "[{300*s}]\nk = v\n", 0, NULL, "1[{300*s}]|2:k=v", 0, NULL },
	{ "long key, then an indented long key", "[a]\n{250*k} = v\n  {250*j} = w\n", 0, NULL, "1[a]|2:{250*k}=v|3:{250*j}=w", 0, NULL },
	{ "long indented line after a key", "[a]\nk = v\n  j = {300*w}\n", 0, NULL, "1[a]|2:k=v|3:j={300*w}", 0, NULL },
	{ "long indented line without '='", "[a]\nk = v\n  {300*w}\n", EX_CONFIG, "PATH:3: not a section, key = value or comment", "1[a]|2:k=v", 0, NULL },
	{ "long comment line", "; {300*c}\n[a]\nk = v\n", 0, NULL, "2[a]|3:k=v", 0, NULL },
	{ "long blank line", "{300* }\n[a]\n", 0, NULL, "2[a]", 0, NULL },
	{ "long header, then an indented key", "[a]\nk = v\n[{300*s}]\n  j = w\n", 0, NULL, "1[a]|2:k=v|3[{300*s}]|4:j=w", 0, NULL },
	{ "line without '='", "[a]\nk = v\nfoo\nj = w\nbar\n", EX_CONFIG, "PATH:3: not a section, key = value or comment", "1[a]|2:k=v", 0, NULL },
	{ "section without ']'", "[a\nk = v\n", EX_CONFIG, "PATH:1: not a section, key = value or comment", "", 0, NULL },
	{ "';' comment inside a header", "[a ;b]\n", EX_CONFIG, "PATH:1: not a section, key = value or comment", "", 0, NULL },
	{ "long line without '='", "[a]\n{300*x}\n", EX_CONFIG, "PATH:2: not a section, key = value or comment", "1[a]", 0, NULL },
	{ "long section without ']'", "[{300*s}\n", EX_CONFIG, "PATH:1: not a section, key = value or comment", "", 0, NULL },
	{ "indented line after an empty key", "[a]\n= v\n  x\n", EX_CONFIG, "PATH:3: not a section, key = value or comment", "1[a]|2:=v", 0, NULL },
	{ "NUL byte in a value", "[a]\nk = v{NUL}w\n", EX_CONFIG, "PATH:2: NUL byte", "1[a]", 0, NULL },
	{ "NUL byte in a comment", "; {NUL}\n[a]\n", EX_CONFIG, "PATH:1: NUL byte", "", 0, NULL },
	{ "handler stops on a key", "[a]\nstop = 1\nfoo\n", 99, "stopped at 2", "1[a]|2:stop=1", 0, "stop" },
	{ "handler stops on a section", "[stop]\nk = v\n", 99, "stopped at 1", "1[stop]", 0, "stop" },
	{ "missing file", NULL, EX_CONFIG, "PATH: open: No such file or directory", "", FILE_MISSING, NULL },
	{ "a folder", NULL, EX_CONFIG, "PATH: not a regular file", "", FILE_DIR, NULL },
	{ "a FIFO without a writer", NULL, EX_CONFIG, "PATH: not a regular file", "", FILE_FIFO, NULL },
	{ "/dev/zero", NULL, EX_CONFIG, "PATH: not a regular file", "", FILE_DEVZERO, NULL },
};

struct clean_row {
	const char *raw, *want;
};

static const struct clean_row clean_rows[] = {
	{ "v", "v" },
	{ "  v \t", "v" },
	{ "", "" },
	{ "v;c", "v" },
	{ "v ; c", "v" },
	{ ";c", "" },
	{ "\"v\"", "v" },
	{ "\t\"v\" ", "v" },
	{ "\"\"", "" },
	{ "\" v \"", " v " },
	{ "\"v\" ; c", "v" },
	{ "\"v\";c", "v" },
	{ "\"a;b\"", "a;b" },
	{ "\"a ; b\" ; c", "a ; b" },
	{ "\"\"v\"\"", "\"v\"" },
	{ "\"a\" \"b\"", "a\" \"b" },
	{ "\"v", "\"v" },
	{ "\"a;b", "\"a" },
	{ "\"a\"b", "\"a\"b" },
	{ "v\"", "v\"" },
	{ "\"", "\"" },
};

/* Expands a template (see above) into a malloc'd buffer; *len gets its length. */
/* `tpl` with every PATH replaced by `path`. */
static char *with_path(const char *tpl, const char *path)
{
	return fixture_replace(tpl, "PATH", path);
}

struct seen {
	FILE *events;
	const char *sep;
	const char *stop;
};

static int record(void *user, const char *section, const char *key, const char *value,
		  unsigned line, struct kz_err *err)
{
	struct seen *s = user;

	if (key)
		fprintf(s->events, "%s%u:%s=%s", s->sep, line, key, value);
	else
		fprintf(s->events, "%s%u[%s]", s->sep, line, section);
	s->sep = "|";
	if (s->stop && !strcmp(key ? key : section, s->stop))
		return kz_err_set(err, 99, "stopped at %u", line);
	return 0;
}

static void run_parse_row(const struct parse_row *row, const char *dir)
{
	char *path, *events = NULL, *want_events, *want_msg = NULL;
	size_t events_len = 0;
	struct seen seen = { .sep = "", .stop = row->stop };
	struct kz_err err = { 0 };
	int rc;

	if (row->kind == FILE_DEVZERO ? !(path = strdup("/dev/zero"))
				      : asprintf(&path, "%s/test.ini", dir) < 0)
		abort();
	if (row->kind == FILE_TEXT) {
		size_t len;
		char *text = fixture_expand(row->text, &len);

		fixture_write(path, text, len);
		free(text);
	} else if ((row->kind == FILE_DIR && mkdir(path, 0700) < 0) ||
		   (row->kind == FILE_FIFO && mkfifo(path, 0600) < 0)) {
		perror(path);
		exit(255);
	}
	seen.events = open_memstream(&events, &events_len);
	if (!seen.events)
		abort();
	/* A FIFO or a device that hung the parse would end the test here, with a failure. */
	alarm(5);
	rc = inifile_parse(path, record, &seen, &err);
	alarm(0);
	if (fclose(seen.events) != 0)
		abort();

	tap_is_int(rc == 0 ? 0 : err.status, row->status, "%s: status", row->name);
	if (row->msg)
		want_msg = with_path(row->msg, path);
	tap_is(err.msg, want_msg, "%s: message", row->name);
	want_events = fixture_expand(row->events, NULL);
	tap_is(events, want_events, "%s: what the handler saw", row->name);

	if (row->kind != FILE_DEVZERO &&
	    (row->kind == FILE_DIR ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		perror(path);
	kz_err_clear(&err);
	free(want_events);
	free(want_msg);
	free(events);
	free(path);
}

int main(void)
{
	char dir[] = "/tmp/kz-inifile-XXXXXX";

	signal(SIGALRM, SIG_DFL);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 255;
	}
	for (size_t i = 0; i < COUNT(parse_rows); i++)
		run_parse_row(&parse_rows[i], dir);
	for (size_t i = 0; i < COUNT(clean_rows); i++) {
		char *got = inifile_clean_value(clean_rows[i].raw);

		tap_is(got, clean_rows[i].want, "clean_value '%s'", clean_rows[i].raw);
		free(got);
	}
	if (rmdir(dir) < 0)
		perror(dir);
	return tap_done();
}
