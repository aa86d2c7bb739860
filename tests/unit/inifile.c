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
	{ .name = "key in a section", .text = "[a]\nk = v\n", .events = "1[a]|2:k=v" },
	{ .name = "empty sections are reported", .text = "[a]\n[b]\n[c]\nk=v\n",
	  .events = "1[a]|2[b]|3[c]|4:k=v" },
	{ .name = "key before any section", .text = "k = v\n[a]\n", .events = "1:k=v|2[a]" },
	{ .name = "comments and blank lines", .text = "; c\n# c\n\n[a]\n  ; indented\nk = v\n",
	  .events = "4[a]|6:k=v" },
	{ .name = "colon separator", .text = "[a]\nk: v\n", .events = "1[a]|2:k=v" },
	{ .name = "'=' inside a value", .text = "[a]\nk = a=b\n", .events = "1[a]|2:k=a=b" },
	{ .name = "inline comment after space", .text = "[a]\nk = v ; c\n", .events = "1[a]|2:k=v" },
	{ .name = "';' right after a value is left to clean_value", .text = "[a]\nk = v;c\n",
	  .events = "1[a]|2:k=v;c" },
	{ .name = "'#' after a value is not a comment", .text = "[a]\nk = v # x\n",
	  .events = "1[a]|2:k=v # x" },
	{ .name = "empty value", .text = "[a]\nk =\n", .events = "1[a]|2:k=" },
	{ .name = "comment as the whole value", .text = "[a]\nk = ; c\n", .events = "1[a]|2:k=" },
	{ .name = "';' inside quotes is kept", .text = "[a]\nk = \"a ; b\" ; c\n",
	  .events = "1[a]|2:k=\"a ; b\"" },
	{ .name = "CRLF line endings", .text = "[a]\r\nk = v\r\n\r\nj = \"q\"\r\n",
	  .events = "1[a]|2:k=v|4:j=\"q\"" },
	{ .name = "UTF-8 BOM", .text = "\xEF\xBB\xBF[a]\nk = v\n", .events = "1[a]|2:k=v" },
	{ .name = "no newline at the end", .text = "[a]\nk = v", .events = "1[a]|2:k=v" },
	{ .name = "indented line is no continuation", .text = "[a]\nk = one\n  two\n", .status = EX_CONFIG,
	  .msg = "PATH:3: not a section, key = value or comment", .events = "1[a]|2:k=one" },
	{ .name = "indented key after a key", .text = "[a]\nk = one\n  j = \"t ; o\" ; c\n",
	  .events = "1[a]|2:k=one|3:j=\"t ; o\"" },
	{ .name = "indented keys after a key, tabs",
	  .text = "[a]\nip = \"1.2.3.4\"\n\thost = vm\n \t cookie = def\n",
	  .events = "1[a]|2:ip=\"1.2.3.4\"|3:host=vm|4:cookie=def" },
	{ .name = "indented key right after a header", .text = "[a]\n  k = v\n", .events = "1[a]|2:k=v" },
	{ .name = "indented section header", .text = "[a]\nk = v\n  [b]\n  j = w\n",
	  .events = "1[a]|2:k=v|3[b]|4:j=w" },
	{ .name = "indented comment after a key", .text = "[a]\nk = v\n  ; c\n\t# c\n",
	  .events = "1[a]|2:k=v" },
	{ .name = "BOM, then an indent", .text = "\xEF\xBB\xBF  [a]\n", .events = "1[a]" },
	{ .name = "long indent before a short key", .text = "[a]\n{300* }k = v\n", .events = "1[a]|2:k=v" },
	{ .name = "section name kept as written", .text = "[ a ] trailing\n", .events = "1[ a ]" },
	{ .name = "line of 199 bytes", .text = "[a]\nk = {195*x}\n", .events = "1[a]|2:k={195*x}" },
	{ .name = "line of 200 bytes", .text = "[a]\nk = {196*x}\n", .events = "1[a]|2:k={196*x}" },
	{ .name = "255-byte cookie arrives whole", .text = "[a]\ncookie = {255*c}\n",
	  .events = "1[a]|2:cookie={255*c}" },
	{ .name = "line of 4095 bytes", .text = "[a]\nk = {4091*x}\n", .events = "1[a]|2:k={4091*x}" },
	{ .name = "line of 4095 bytes and CRLF", .text = "[a]\r\nk = {4091*x}\r\n",
	  .events = "1[a]|2:k={4091*x}" },
	{ .name = "line of 4095 bytes, CRLF, more lines", .text = "[a]\r\nk = {4091*x}\r\nj = w\r\n",
	  .events = "1[a]|2:k={4091*x}|3:j=w" },
	{ .name = "line of 4095 bytes, CR at the end of the file", .text = "[a]\nk = {4091*x}\r",
	  .events = "1[a]|2:k={4091*x}" },
	{ .name = "line of 4096 bytes", .text = "[a]\nk = {4092*x}\nz = 1\n", .status = EX_CONFIG,
	  .msg = "PATH:2: line longer than 4095 bytes", .events = "1[a]" },
	{ .name = "line of 4096 bytes and CRLF", .text = "[a]\nk = {4092*x}\r\n", .status = EX_CONFIG,
	  .msg = "PATH:2: line longer than 4095 bytes", .events = "1[a]" },
	{ .name = "line of 4096 bytes ending in CR", .text = "[a]\nk = {4091*x}\r\r\n", .status = EX_CONFIG,
	  .msg = "PATH:2: line longer than 4095 bytes", .events = "1[a]" },
	{ .name = "CR at byte 4096, more after it", .text = "[a]\nk = {4091*x}\rz\n", .status = EX_CONFIG,
	  .msg = "PATH:2: line longer than 4095 bytes", .events = "1[a]" },
	{ .name = "line of 4096 bytes, no newline", .text = "[a]\nk = {4092*x}", .status = EX_CONFIG,
	  .msg = "PATH:2: line longer than 4095 bytes", .events = "1[a]" },
	{ .name = "line of a megabyte", .text = "[a]\nk = {1048576*x}\n", .status = EX_CONFIG,
	  .msg = "PATH:2: line longer than 4095 bytes", .events = "1[a]" },
	{ .name = "NUL byte in a line of 4096 bytes", .text = "[a]\nk = {NUL}{4091*x}\n", .status = EX_CONFIG,
	  .msg = "PATH:2: NUL byte", .events = "1[a]" },
	{ .name = "long value, inline comment", .text = "[a]\nk = {250*x} ; note\n",
	  .events = "1[a]|2:k={250*x}" },
	{ .name = "long value, trailing spaces", .text = "[a]\nk = {250*x}{50* }\n",
	  .events = "1[a]|2:k={250*x}" },
	{ .name = "long quoted value with ';'", .text = "[a]\nk = \"{200*x} ; {10*y}\"\n",
	  .events = "1[a]|2:k=\"{200*x} ; {10*y}\"" },
	{ .name = "section name of 64 bytes", .text = "[{64*s}]\nk = v\n", .events = "1[{64*s}]|2:k=v" },
	{ .name = "section name of 300 bytes", .text = "[{300*s}]\nk = v\n", .events = "1[{300*s}]|2:k=v" },
	{ .name = "long key, then an indented long key", .text = "[a]\n{250*k} = v\n  {250*j} = w\n",
	  .events = "1[a]|2:{250*k}=v|3:{250*j}=w" },
	{ .name = "long indented line after a key", .text = "[a]\nk = v\n  j = {300*w}\n",
	  .events = "1[a]|2:k=v|3:j={300*w}" },
	{ .name = "long indented line without '='", .text = "[a]\nk = v\n  {300*w}\n", .status = EX_CONFIG,
	  .msg = "PATH:3: not a section, key = value or comment", .events = "1[a]|2:k=v" },
	{ .name = "long comment line", .text = "; {300*c}\n[a]\nk = v\n", .events = "2[a]|3:k=v" },
	{ .name = "long blank line", .text = "{300* }\n[a]\n", .events = "2[a]" },
	{ .name = "long header, then an indented key", .text = "[a]\nk = v\n[{300*s}]\n  j = w\n",
	  .events = "1[a]|2:k=v|3[{300*s}]|4:j=w" },
	{ .name = "line without '='", .text = "[a]\nk = v\nfoo\nj = w\nbar\n", .status = EX_CONFIG,
	  .msg = "PATH:3: not a section, key = value or comment", .events = "1[a]|2:k=v" },
	{ .name = "section without ']'", .text = "[a\nk = v\n", .status = EX_CONFIG,
	  .msg = "PATH:1: not a section, key = value or comment", .events = "" },
	{ .name = "';' comment inside a header", .text = "[a ;b]\n", .status = EX_CONFIG,
	  .msg = "PATH:1: not a section, key = value or comment", .events = "" },
	{ .name = "long line without '='", .text = "[a]\n{300*x}\n", .status = EX_CONFIG,
	  .msg = "PATH:2: not a section, key = value or comment", .events = "1[a]" },
	{ .name = "long section without ']'", .text = "[{300*s}\n", .status = EX_CONFIG,
	  .msg = "PATH:1: not a section, key = value or comment", .events = "" },
	{ .name = "indented line after an empty key", .text = "[a]\n= v\n  x\n", .status = EX_CONFIG,
	  .msg = "PATH:3: not a section, key = value or comment", .events = "1[a]|2:=v" },
	{ .name = "NUL byte in a value", .text = "[a]\nk = v{NUL}w\n", .status = EX_CONFIG,
	  .msg = "PATH:2: NUL byte", .events = "1[a]" },
	{ .name = "NUL byte in a comment", .text = "; {NUL}\n[a]\n", .status = EX_CONFIG,
	  .msg = "PATH:1: NUL byte", .events = "" },
	{ .name = "handler stops on a key", .text = "[a]\nstop = 1\nfoo\n", .status = 99,
	  .msg = "stopped at 2", .events = "1[a]|2:stop=1", .stop = "stop" },
	{ .name = "handler stops on a section", .text = "[stop]\nk = v\n", .status = 99,
	  .msg = "stopped at 1", .events = "1[stop]", .stop = "stop" },
	{ .name = "missing file", .status = EX_CONFIG, .msg = "PATH: open: No such file or directory",
	  .events = "", .kind = FILE_MISSING },
	{ .name = "a folder", .status = EX_CONFIG, .msg = "PATH: not a regular file", .events = "",
	  .kind = FILE_DIR },
	{ .name = "a FIFO without a writer", .status = EX_CONFIG, .msg = "PATH: not a regular file",
	  .events = "", .kind = FILE_FIFO },
	{ .name = "/dev/zero", .status = EX_CONFIG, .msg = "PATH: not a regular file", .events = "",
	  .kind = FILE_DEVZERO },
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
