/* tests/unit/cookie.c: cookie_resolve, cookie_check and config_locate, one table row per case.
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
#include "config.h"
#include "cookie.h"

/* File texts, REL names and cookies below are templates: `{N*c}` stands for N copies of the
 * character c and `{NUL}` for a NUL byte; PATH in an expected message is the file's path.
 * Every cookie in a row that must fail contains "s3cr3t", which no message may show. */

struct resolve_row {
	const char *name;
	const char *text;     /* NULL: the file does not exist; "<FIFO>": a FIFO, no writer */
	const char *rel;      /* default kazoo_apps */
	const char *host;     /* default vm */
	const char *zone;     /* default local */
	int status;
	const char *msg;
	const char *value;    /* when status is 0 */
	const char *rule;
	unsigned section_line, line;
};

#define GEN "[kazoo_apps]\ncookie = gen\n"

static const struct resolve_row resolve_rows[] = {
	{ .name = "generic section", .text = "[kazoo_apps]\ncookie = abc\n", .value = "abc",
	  .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "other sections ignored",
	  .text = "[ecallmgr]\ncookie = e\n[kazoo_apps]\ncookie = k\n[zone]\nname = z\n", .value = "k",
	  .rule = "generic", .section_line = 3, .line = 4 },
	{ .name = "REL picks its own section", .text = "[ecallmgr]\ncookie = e\n[kazoo_apps]\ncookie = k\n",
	  .rel = "ecallmgr", .value = "e", .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "host wins alone over zone and generic",
	  .text = GEN "[kazoo_apps]\nzone = local\ncookie = z\n[kazoo_apps]\nhost = vm\ncookie = h\n",
	  .value = "h", .rule = "host", .section_line = 6, .line = 8 },
	{ .name = "first host match wins alone",
	  .text = "[kazoo_apps]\nhost = vm\ncookie = h1\n[kazoo_apps]\nhost = vm\ncookie = h2\n",
	  .value = "h1", .rule = "host", .section_line = 1, .line = 3 },
	{ .name = "host section with a matching zone is not a zone section",
	  .text = "[kazoo_apps]\nhost = other\nzone = local\ncookie = x\n" GEN, .value = "gen",
	  .rule = "generic", .section_line = 5, .line = 6 },
	{ .name = "zone before generic", .text = GEN "[kazoo_apps]\nzone = local\ncookie = z\n", .value = "z",
	  .rule = "zone", .section_line = 3, .line = 5 },
	{ .name = "zone given by the caller",
	  .text = GEN "[kazoo_apps]\nzone = local\ncookie = z\n[kazoo_apps]\nzone = z1\ncookie = z1c\n",
	  .zone = "z1", .value = "z1c", .rule = "zone", .section_line = 6, .line = 8 },
	{ .name = "other zone: generic", .text = GEN "[kazoo_apps]\nzone = z1\ncookie = z\n", .value = "gen",
	  .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "other host: zone",
	  .text = "[kazoo_apps]\nhost = other\ncookie = h\n[kazoo_apps]\nzone = local\ncookie = z\n",
	  .value = "z", .rule = "zone", .section_line = 4, .line = 6 },
	{ .name = "repeated generic sections, one cookie",
	  .text = "[kazoo_apps]\nnode = x\n[zone]\nname = local\n" GEN, .value = "gen", .rule = "generic",
	  .section_line = 5, .line = 6 },
	{ .name = "repeated zone sections, one cookie",
	  .text = "[kazoo_apps]\nzone = local\n[kazoo_apps]\nzone = local\ncookie = z\n", .value = "z",
	  .rule = "zone", .section_line = 3, .line = 5 },
	{ .name = "host and zone values are cleaned",
	  .text = "[kazoo_apps]\nhost = \"vm\" ; me\ncookie = h\n", .value = "h", .rule = "host",
	  .section_line = 1, .line = 3 },
	{ .name = "keys before any section ignored", .text = "cookie = top\n[kazoo_apps]\ncookie = k\n",
	  .value = "k", .rule = "generic", .section_line = 2, .line = 3 },
	{ .name = "quotes removed", .text = "[kazoo_apps]\ncookie = \"abc\"\n", .value = "abc",
	  .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "one pair of quotes only", .text = "[kazoo_apps]\ncookie = \"\"abc\"\"\n",
	  .value = "\"abc\"", .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "';' inside quotes kept", .text = "[kazoo_apps]\ncookie = \"a ; b\" ; note\n",
	  .value = "a ; b", .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "comment after a space", .text = "[kazoo_apps]\ncookie = abc ; note\n", .value = "abc",
	  .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "comment right after the value", .text = "[kazoo_apps]\ncookie = abc;note\n",
	  .value = "abc", .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "indented host and cookie: host rule",
	  .text = "[ecallmgr]\ncookie = abc\n\n[ecallmgr]\nip = \"1.2.3.4\"\n  host = vm\n  cookie = def\n",
	  .rel = "ecallmgr", .value = "def", .rule = "host", .section_line = 4, .line = 7 },
	{ .name = "indented section header", .text = "  [kazoo_apps]\n\tcookie = abc\n", .value = "abc",
	  .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "CRLF file", .text = "[kazoo_apps]\r\nhost = vm\r\ncookie = abc\r\n", .value = "abc",
	  .rule = "host", .section_line = 1, .line = 3 },
	{ .name = "line of 199 bytes", .text = "[kazoo_apps]\ncookie = {190*a}\n", .value = "{190*a}",
	  .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "line of 200 bytes", .text = "[kazoo_apps]\ncookie = {191*a}\n", .value = "{191*a}",
	  .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "255-byte cookie arrives whole", .text = "[kazoo_apps]\ncookie = {255*a}\n",
	  .value = "{255*a}", .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "255-byte cookie in quotes, CRLF", .text = "[kazoo_apps]\r\ncookie = \"{255*a}\"\r\n",
	  .value = "{255*a}", .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "REL of 64 bytes", .text = "[{64*r}]\ncookie = abc\n", .rel = "{64*r}", .value = "abc",
	  .rule = "generic", .section_line = 1, .line = 2 },
	{ .name = "section names are not cut at 49 bytes", .text = "[{49*r}x]\ncookie = s3cr3t\n",
	  .rel = "{49*r}", .status = EX_CONFIG, .msg = "PATH: no [{49*r}] section" },
	{ .name = "two generic cookies",
	  .text = "[kazoo_apps]\ncookie = s3cr3t1\n[kazoo_apps]\ncookie = s3cr3t2\n", .status = EX_CONFIG,
	  .msg = "PATH:1,3: [kazoo_apps]: 2 cookies for host vm, zone local (lines 2, 4)" },
	{ .name = "two zone cookies",
	  .text = GEN "[kazoo_apps]\nzone = local\ncookie = s3cr3t1\n[kazoo_apps]\nzone = local\ncookie = s3cr3t2\n",
	  .status = EX_CONFIG,
	  .msg = "PATH:3,6: [kazoo_apps]: 2 cookies for host vm, zone local (lines 5, 8)" },
	{ .name = "cookie repeated in one section",
	  .text = "[kazoo_apps]\ncookie = s3cr3t1\ncookie = s3cr3t2\n", .status = EX_CONFIG,
	  .msg = "PATH:1: [kazoo_apps]: 2 cookies for host vm, zone local (lines 2, 3)" },
	{ .name = "indented host is a key, not a continuation",
	  .text = "[kazoo_apps]\ncookie = abc\n  host = vm\n", .value = "abc", .rule = "host",
	  .section_line = 1, .line = 2 },
	{ .name = "host given twice", .text = "[kazoo_apps]\nhost = vm\nhost = vm2\ncookie = s3cr3t\n",
	  .status = EX_CONFIG, .msg = "PATH:3: [kazoo_apps]: host given twice in one section (lines 2, 3)" },
	{ .name = "no section", .text = "[ecallmgr]\ncookie = s3cr3t\n", .status = EX_CONFIG,
	  .msg = "PATH: no [kazoo_apps] section" },
	{ .name = "empty file", .text = "", .status = EX_CONFIG, .msg = "PATH: no [kazoo_apps] section" },
	{ .name = "no section matches",
	  .text = "[kazoo_apps]\nhost = other\ncookie = s3cr3t\n[kazoo_apps]\nzone = z9\ncookie = s3cr3t\n",
	  .status = EX_CONFIG,
	  .msg = "PATH: [kazoo_apps]: no cookie for host vm, zone local (no section for this host or zone, and none with neither key)" },
	{ .name = "host section without a cookie", .text = GEN "[kazoo_apps]\nhost = vm\n",
	  .status = EX_CONFIG,
	  .msg = "PATH:3: [kazoo_apps]: no cookie for host vm, zone local (no cookie key in the host section)" },
	{ .name = "zone sections without a cookie",
	  .text = GEN "[kazoo_apps]\nzone = local\n[kazoo_apps]\nzone = local\n", .status = EX_CONFIG,
	  .msg = "PATH:3,5: [kazoo_apps]: no cookie for host vm, zone local (no cookie key in the zone sections)" },
	{ .name = "generic section without a cookie", .text = "[kazoo_apps]\nnode = x\n", .status = EX_CONFIG,
	  .msg = "PATH:1: [kazoo_apps]: no cookie for host vm, zone local (no cookie key in the generic section)" },
	{ .name = "empty quotes", .text = "[kazoo_apps]\ncookie = \"\"\n", .status = EX_CONFIG,
	  .msg = "PATH:2: cookie: empty" },
	{ .name = "empty value", .text = "[kazoo_apps]\ncookie =\n", .status = EX_CONFIG,
	  .msg = "PATH:2: cookie: empty" },
	{ .name = "comment only", .text = "[kazoo_apps]\ncookie = ;s3cr3t\n", .status = EX_CONFIG,
	  .msg = "PATH:2: cookie: empty" },
	{ .name = "256-byte cookie", .text = "[kazoo_apps]\ncookie = s3cr3t{250*a}\n", .status = EX_CONFIG,
	  .msg = "PATH:2: cookie: longer than 255 bytes" },
	{ .name = "tab inside", .text = "[kazoo_apps]\ncookie = s3\tcr3t\n", .status = EX_CONFIG,
	  .msg = "PATH:2: cookie: control character at byte 3" },
	{ .name = "escape inside", .text = "[kazoo_apps]\n\ncookie = s3cr3t\x1b[0m\n", .status = EX_CONFIG,
	  .msg = "PATH:3: cookie: control character at byte 7" },
	{ .name = "DEL inside", .text = "[kazoo_apps]\ncookie = \"s3cr3t\x7f\"\n", .status = EX_CONFIG,
	  .msg = "PATH:2: cookie: control character at byte 7" },
	{ .name = "non-ASCII byte", .text = "[kazoo_apps]\ncookie = s3cr3t_caf\xc3\xa9\n",
	  .status = EX_CONFIG, .msg = "PATH:2: cookie: byte 11 is not printable ASCII" },
	{ .name = "a FIFO", .text = "<FIFO>", .status = EX_CONFIG, .msg = "PATH: not a regular file" },
	{ .name = "NUL byte", .text = "[kazoo_apps]\ncookie = s3cr3t{NUL}x\n", .status = EX_CONFIG,
	  .msg = "PATH:2: NUL byte" },
	{ .name = "line of 4096 bytes", .text = "[kazoo_apps]\ncookie = s3cr3t{4081*a}\n",
	  .status = EX_CONFIG, .msg = "PATH:2: line longer than 4095 bytes" },
	{ .name = "syntax error", .text = "[kazoo_apps]\ncookie s3cr3t\n", .status = EX_CONFIG,
	  .msg = "PATH:2: not a section, key = value or comment" },
	{ .name = "missing file", .status = EX_CONFIG, .msg = "PATH: open: No such file or directory" },
};

struct check_row {
	const char *value, *where;
	const char *msg; /* NULL: accepted */
};

static const struct check_row check_rows[] = {
	{ "abc", "KAZOO_COOKIE", NULL },
	{ "{255*a}", "KAZOO_COOKIE", NULL },
	{ "s p a c e s", "KAZOO_COOKIE", NULL },
	{ " ~", "KAZOO_COOKIE", NULL },
	{ "caf\xc3\xa9", "KAZOO_COOKIE", "KAZOO_COOKIE: cookie: byte 4 is not printable ASCII" },
	{ "\x80", "KAZOO_COOKIE", "KAZOO_COOKIE: cookie: byte 1 is not printable ASCII" },
	{ "ab\xff", "/x/config.ini:14", "/x/config.ini:14: cookie: byte 3 is not printable ASCII" },
	{ "", "KAZOO_COOKIE", "KAZOO_COOKIE: cookie: empty" },
	{ "{256*a}", "KAZOO_COOKIE", "KAZOO_COOKIE: cookie: longer than 255 bytes" },
	{ "\x01" "abc", "/x/config.ini:14", "/x/config.ini:14: cookie: control character at byte 1" },
	{ "abc\n", "KAZOO_COOKIE", "KAZOO_COOKIE: cookie: control character at byte 4" },
	{ "ab\x7f", "KAZOO_COOKIE", "KAZOO_COOKIE: cookie: control character at byte 3" },
};

enum ini_kind { INI_NONE, INI_FILE, INI_DIR };

struct locate_row {
	const char *name;
	enum ini_kind ini;
	const char *arg;  /* KAZOO_CONFIG: <INI> for the folder's config.ini, or as given */
	int status;
	const char *msg;  /* <INI> and <DIR> stand for the paths */
	const char *want_ini;
};

static const struct locate_row locate_rows[] = {
	{ .name = "KAZOO_CONFIG", .ini = INI_FILE, .arg = "<INI>", .want_ini = "<INI>" },
	{ .name = "KAZOO_CONFIG missing", .ini = INI_NONE, .arg = "<INI>", .status = EX_CONFIG,
	  .msg = "<INI>: No such file or directory" },
	{ .name = "KAZOO_CONFIG a folder", .ini = INI_DIR, .arg = "<INI>", .status = EX_CONFIG,
	  .msg = "<INI>: Is a directory" },
	{ .name = "KAZOO_CONFIG empty", .ini = INI_NONE, .arg = "", .status = EX_CONFIG,
	  .msg = "KAZOO_CONFIG is set but empty (or -c was given an empty path)" },
	{ .name = "KAZOO_CONFIG empty, a config.ini in the folder", .ini = INI_FILE, .arg = "",
	  .status = EX_CONFIG, .msg = "KAZOO_CONFIG is set but empty (or -c was given an empty path)" },
	{ .name = "relative KAZOO_CONFIG", .ini = INI_FILE, .arg = "config.ini", .want_ini = "config.ini" },
};

/* `tpl` expanded, with every `word` replaced by `by`; NULL stays NULL. */
static char *expand_with(const char *tpl, const char *word, const char *by)
{
	char *plain, *out;

	if (!tpl)
		return NULL;
	plain = fixture_expand(tpl, NULL);
	out = fixture_replace(plain, word, by);
	free(plain);
	return out;
}

static void run_resolve_row(const struct resolve_row *row, const char *dir)
{
	struct cookie_source src = { .value = NULL };
	struct kz_err err = { 0 };
	char *path, *rel, *msg, *value;
	int rc;

	if (asprintf(&path, "%s/config.ini", dir) < 0)
		abort();
	if (row->text && !strcmp(row->text, "<FIFO>")) {
		if (mkfifo(path, 0600) < 0) {
			perror(path);
			exit(255);
		}
	} else if (row->text) {
		size_t len;
		char *text = fixture_expand(row->text, &len);

		fixture_write(path, text, len);
		free(text);
	}
	rel = fixture_expand(row->rel ? row->rel : "kazoo_apps", NULL);
	msg = expand_with(row->msg, "PATH", path);
	value = expand_with(row->value, "PATH", path);

	alarm(5); /* a FIFO that hung the parse would end the test here, with a failure */
	rc = cookie_resolve(path, rel, row->host ? row->host : "vm", row->zone ? row->zone : "local",
			    &src, &err);
	alarm(0);
	tap_is_int(rc == 0 ? 0 : err.status, row->status, "%s: status", row->name);
	tap_is(err.msg, msg, "%s: message", row->name);
	tap_is(src.value, value, "%s: cookie", row->name);
	tap_is(src.rule, row->rule, "%s: rule", row->name);
	tap_ok(src.section_line == row->section_line && src.line == row->line,
	       "%s: lines %u, %u", row->name, src.section_line, src.line);
	if (rc < 0)
		tap_ok(!strstr(err.msg ? err.msg : "", "s3cr3t"), "%s: cookie not in the message",
		       row->name);

	if (row->text && unlink(path) < 0)
		perror(path);
	cookie_source_free(&src);
	kz_err_clear(&err);
	free(value);
	free(msg);
	free(rel);
	free(path);
}

static void run_check_row(const struct check_row *row)
{
	struct kz_err err = { 0 };
	char *value = fixture_expand(row->value, NULL);
	int rc = cookie_check(value, row->where, &err);

	tap_is_int(rc == 0 ? 0 : err.status, row->msg ? EX_CONFIG : 0, "cookie_check %s", row->msg ? row->msg : "accepts");
	tap_is(err.msg, row->msg, "cookie_check message");
	kz_err_clear(&err);
	free(value);
}

/* Builds the row's files in `dir`, calls config_locate from inside `dir` (for the relative
 * row), and removes the files again. */
static void run_locate_row(const struct locate_row *row, const char *dir)
{
	struct config_paths paths = { .ini = NULL };
	struct kz_err err = { 0 };
	char *ini, *arg, *msg, *want_ini;
	int rc;

	if (asprintf(&ini, "%s/config.ini", dir) < 0)
		abort();
	if (row->ini == INI_FILE)
		fixture_write(ini, "[kazoo_apps]\n", 13);
	if (row->ini == INI_DIR && mkdir(ini, 0700) < 0)
		perror(ini);
	arg = expand_with(row->arg, "<INI>", ini);
	msg = expand_with(row->msg, "<INI>", ini);
	want_ini = expand_with(row->want_ini, "<INI>", ini);
	if (msg) {
		char *m = expand_with(msg, "<DIR>", dir);
		free(msg);
		msg = m;
	}

	if (chdir(dir) < 0)
		perror(dir);
	rc = config_locate(arg, &paths, &err);
	if (chdir("/") < 0)
		perror("/");
	tap_is_int(rc == 0 ? 0 : err.status, row->status, "%s: status", row->name);
	tap_is(err.msg, msg, "%s: message", row->name);
	tap_is(paths.ini, want_ini, "%s: ini", row->name);

	if (row->ini != INI_NONE && (row->ini == INI_DIR ? rmdir(ini) : unlink(ini)) < 0)
		perror(ini);
	config_paths_free(&paths);
	kz_err_clear(&err);
	free(want_ini);
	free(msg);
	free(arg);
	free(ini);
}

/* The cases that depend on this machine or on not being root. */
static void run_locate_extra(const char *dir)
{
	struct config_paths paths = { .ini = NULL };
	struct kz_err err = { 0 };
	char *ini, *want;

	if (access("/etc/kazoo/config.ini", F_OK) == 0 || access("/etc/kazoo/core/config.ini", F_OK) == 0) {
		tap_skip("/etc/kazoo has a config.ini");
	} else {
		tap_ok(config_locate(NULL, &paths, &err) == 0 && !paths.ini,
		       "no KAZOO_CONFIG and no /etc/kazoo config.ini: none, no error");
		config_paths_free(&paths);
		kz_err_clear(&err);
	}

	if (asprintf(&ini, "%s/config.ini", dir) < 0 || asprintf(&want, "%s: Permission denied", ini) < 0)
		abort();
	fixture_write(ini, "", 0);
	if (geteuid() == 0) {
		tap_skip("root reads a mode 000 file");
	} else if (chmod(ini, 0) < 0) {
		perror(ini);
	} else {
		tap_ok(config_locate(ini, &paths, &err) < 0 && err.status == EX_CONFIG, "unreadable KAZOO_CONFIG refused");
		tap_is(err.msg, want, "unreadable KAZOO_CONFIG: message");
	}
	if (unlink(ini) < 0)
		perror(ini);
	config_paths_free(&paths);
	kz_err_clear(&err);
	free(want);
	free(ini);
}

int main(void)
{
	char dir[] = "/tmp/kz-cookie-XXXXXX";

	signal(SIGALRM, SIG_DFL);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 255;
	}
	for (size_t i = 0; i < COUNT(resolve_rows); i++)
		run_resolve_row(&resolve_rows[i], dir);
	for (size_t i = 0; i < COUNT(check_rows); i++)
		run_check_row(&check_rows[i]);
	for (size_t i = 0; i < COUNT(locate_rows); i++)
		run_locate_row(&locate_rows[i], dir);
	run_locate_extra(dir);
	if (rmdir(dir) < 0)
		perror(dir);
	return tap_done();
}
