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
	{ "generic section", "[kazoo_apps]\ncookie = abc\n", NULL, NULL, NULL, 0, NULL, "abc", "generic", 1, 2 },
	{ "other sections ignored", "[ecallmgr]\ncookie = e\n[kazoo_apps]\ncookie = k\n[zone]\nname = z\n", NULL, NULL, NULL, 0, NULL, "k", "generic", 3, 4 },
	{ "REL picks its own section", "[ecallmgr]\ncookie = e\n[kazoo_apps]\ncookie = k\n", "ecallmgr", NULL, NULL, 0, NULL, "e", "generic", 1, 2 },
	{ "host wins alone over zone and generic", GEN "[kazoo_apps]\nzone = local\ncookie = z\n[kazoo_apps]\nhost = vm\ncookie = h\n", NULL, NULL, NULL, 0, NULL, "h", "host", 6, 8 },
	{ "first host match wins alone", "[kazoo_apps]\nhost = vm\ncookie = h1\n[kazoo_apps]\nhost = vm\ncookie = h2\n", NULL, NULL, NULL, 0, NULL, "h1", "host", 1, 3 },
	{ "host section with a matching zone is not a zone section", "[kazoo_apps]\nhost = other\nzone = local\ncookie = x\n" GEN, NULL, NULL, NULL, 0, NULL, "gen", "generic", 5, 6 },
	{ "zone before generic", GEN "[kazoo_apps]\nzone = local\ncookie = z\n", NULL, NULL, NULL, 0, NULL, "z", "zone", 3, 5 },
	{ "zone given by the caller", GEN "[kazoo_apps]\nzone = local\ncookie = z\n[kazoo_apps]\nzone = z1\ncookie = z1c\n", NULL, NULL, "z1", 0, NULL, "z1c", "zone", 6, 8 },
	{ "other zone: generic", GEN "[kazoo_apps]\nzone = z1\ncookie = z\n", NULL, NULL, NULL, 0, NULL, "gen", "generic", 1, 2 },
	{ "other host: zone", "[kazoo_apps]\nhost = other\ncookie = h\n[kazoo_apps]\nzone = local\ncookie = z\n", NULL, NULL, NULL, 0, NULL, "z", "zone", 4, 6 },
	{ "repeated generic sections, one cookie", "[kazoo_apps]\nnode = x\n[zone]\nname = local\n" GEN, NULL, NULL, NULL, 0, NULL, "gen", "generic", 5, 6 },
	{ "repeated zone sections, one cookie", "[kazoo_apps]\nzone = local\n[kazoo_apps]\nzone = local\ncookie = z\n", NULL, NULL, NULL, 0, NULL, "z", "zone", 3, 5 },
	{ "host and zone values are cleaned", "[kazoo_apps]\nhost = \"vm\" ; me\ncookie = h\n", NULL, NULL, NULL, 0, NULL, "h", "host", 1, 3 },
	{ "keys before any section ignored", "cookie = top\n[kazoo_apps]\ncookie = k\n", NULL, NULL, NULL, 0, NULL, "k", "generic", 2, 3 },
	{ "quotes removed", "[kazoo_apps]\ncookie = \"abc\"\n", NULL, NULL, NULL, 0, NULL, "abc", "generic", 1, 2 },
	{ "one pair of quotes only", "[kazoo_apps]\ncookie = \"\"abc\"\"\n", NULL, NULL, NULL, 0, NULL, "\"abc\"", "generic", 1, 2 },
	{ "';' inside quotes kept", "[kazoo_apps]\ncookie = \"a ; b\" ; note\n", NULL, NULL, NULL, 0, NULL, "a ; b", "generic", 1, 2 },
	{ "comment after a space", "[kazoo_apps]\ncookie = abc ; note\n", NULL, NULL, NULL, 0, NULL, "abc", "generic", 1, 2 },
	{ "comment right after the value", "[kazoo_apps]\ncookie = abc;note\n", NULL, NULL, NULL, 0, NULL, "abc", "generic", 1, 2 },
	{ "indented host and cookie: host rule", "[ecallmgr]\ncookie = abc\n\n[ecallmgr]\nip = \"1.2.3.4\"\n  host = vm\n  cookie = def\n", "ecallmgr", NULL, NULL, 0, NULL, "def", "host", 4, 7 },
	{ "indented section header", "  [kazoo_apps]\n\tcookie = abc\n", NULL, NULL, NULL, 0, NULL, "abc", "generic", 1, 2 },
	{ "CRLF file", "[kazoo_apps]\r\nhost = vm\r\ncookie = abc\r\n", NULL, NULL, NULL, 0, NULL, "abc", "host", 1, 3 },
	{ "line of 199 bytes", "[kazoo_apps]\ncookie = {190*a}\n", NULL, NULL, NULL, 0, NULL, "{190*a}", "generic", 1, 2 },
	{ "line of 200 bytes", "[kazoo_apps]\ncookie = {191*a}\n", NULL, NULL, NULL, 0, NULL, "{191*a}", "generic", 1, 2 },
	{ "255-byte cookie arrives whole", "[kazoo_apps]\ncookie = {255*a}\n", NULL, NULL, NULL, 0, NULL, "{255*a}", "generic", 1, 2 },
	{ "255-byte cookie in quotes, CRLF", "[kazoo_apps]\r\ncookie = \"{255*a}\"\r\n", NULL, NULL, NULL, 0, NULL, "{255*a}", "generic", 1, 2 },
	{ "REL of 64 bytes", "[{64*r}]\ncookie = abc\n", "{64*r}", NULL, NULL, 0, NULL, "abc", "generic", 1, 2 },
	{ "section names are not cut at 49 bytes", "[{49*r}x]\ncookie = s3cr3t\n", "{49*r}", NULL, NULL, EX_CONFIG, "PATH: no [{49*r}] section", NULL, NULL, 0, 0 },
	{ "two generic cookies", "[kazoo_apps]\ncookie = s3cr3t1\n[kazoo_apps]\ncookie = s3cr3t2\n", NULL, NULL, NULL, EX_CONFIG, "PATH:1,3: [kazoo_apps]: 2 cookies for host vm, zone local (lines 2, 4)", NULL, NULL, 0, 0 },
	{ "two zone cookies", GEN "[kazoo_apps]\nzone = local\ncookie = s3cr3t1\n[kazoo_apps]\nzone = local\ncookie = s3cr3t2\n", NULL, NULL, NULL, EX_CONFIG, "PATH:3,6: [kazoo_apps]: 2 cookies for host vm, zone local (lines 5, 8)", NULL, NULL, 0, 0 },
	{ "cookie repeated in one section", "[kazoo_apps]\ncookie = s3cr3t1\ncookie = s3cr3t2\n", NULL, NULL, NULL, EX_CONFIG, "PATH:1: [kazoo_apps]: 2 cookies for host vm, zone local (lines 2, 3)", NULL, NULL, 0, 0 },
	{ "indented host is a key, not a continuation", "[kazoo_apps]\ncookie = abc\n  host = vm\n", NULL, NULL, NULL, 0, NULL, "abc", "host", 1, 2 },
	{ "host given twice", "[kazoo_apps]\nhost = vm\nhost = vm2\ncookie = s3cr3t\n", NULL, NULL, NULL, EX_CONFIG, "PATH:3: [kazoo_apps]: host given twice in one section (lines 2, 3)", NULL, NULL, 0, 0 },
	{ "no section", "[ecallmgr]\ncookie = s3cr3t\n", NULL, NULL, NULL, EX_CONFIG, "PATH: no [kazoo_apps] section", NULL, NULL, 0, 0 },
	{ "empty file", "", NULL, NULL, NULL, EX_CONFIG, "PATH: no [kazoo_apps] section", NULL, NULL, 0, 0 },
	{ "no section matches", "[kazoo_apps]\nhost = other\ncookie = s3cr3t\n[kazoo_apps]\nzone = z9\ncookie = s3cr3t\n", NULL, NULL, NULL, EX_CONFIG, "PATH: [kazoo_apps]: no cookie for host vm, zone local (no section for this host or zone, and none with neither key)", NULL, NULL, 0, 0 },
	{ "host section without a cookie", GEN "[kazoo_apps]\nhost = vm\n", NULL, NULL, NULL, EX_CONFIG, "PATH:3: [kazoo_apps]: no cookie for host vm, zone local (no cookie key in the host section)", NULL, NULL, 0, 0 },
	{ "zone sections without a cookie", GEN "[kazoo_apps]\nzone = local\n[kazoo_apps]\nzone = local\n", NULL, NULL, NULL, EX_CONFIG, "PATH:3,5: [kazoo_apps]: no cookie for host vm, zone local (no cookie key in the zone sections)", NULL, NULL, 0, 0 },
	{ "generic section without a cookie", "[kazoo_apps]\nnode = x\n", NULL, NULL, NULL, EX_CONFIG, "PATH:1: [kazoo_apps]: no cookie for host vm, zone local (no cookie key in the generic section)", NULL, NULL, 0, 0 },
	{ "empty quotes", "[kazoo_apps]\ncookie = \"\"\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: cookie: empty", NULL, NULL, 0, 0 },
	{ "empty value", "[kazoo_apps]\ncookie =\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: cookie: empty", NULL, NULL, 0, 0 },
	{ "comment only", "[kazoo_apps]\ncookie = ;s3cr3t\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: cookie: empty", NULL, NULL, 0, 0 },
	{ "256-byte cookie", "[kazoo_apps]\ncookie = s3cr3t{250*a}\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: cookie: longer than 255 bytes", NULL, NULL, 0, 0 },
	{ "tab inside", "[kazoo_apps]\ncookie = s3\tcr3t\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: cookie: control character at byte 3", NULL, NULL, 0, 0 },
	{ "escape inside", "[kazoo_apps]\n\ncookie = s3cr3t\x1b[0m\n", NULL, NULL, NULL, EX_CONFIG, "PATH:3: cookie: control character at byte 7", NULL, NULL, 0, 0 },
	{ "DEL inside", "[kazoo_apps]\ncookie = \"s3cr3t\x7f\"\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: cookie: control character at byte 7", NULL, NULL, 0, 0 },
	{ "non-ASCII byte", "[kazoo_apps]\ncookie = s3cr3t_caf\xc3\xa9\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: cookie: byte 11 is not printable ASCII", NULL, NULL, 0, 0 },
	{ "a FIFO", "<FIFO>", NULL, NULL, NULL, EX_CONFIG, "PATH: not a regular file", NULL, NULL, 0, 0 },
	{ "NUL byte", "[kazoo_apps]\ncookie = s3cr3t{NUL}x\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: NUL byte", NULL, NULL, 0, 0 },
	{ "line of 4096 bytes", "[kazoo_apps]\ncookie = s3cr3t{4081*a}\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: line longer than 4095 bytes", NULL, NULL, 0, 0 },
	{ "syntax error", "[kazoo_apps]\ncookie s3cr3t\n", NULL, NULL, NULL, EX_CONFIG, "PATH:2: not a section, key = value or comment", NULL, NULL, 0, 0 },
	{ "missing file", NULL, NULL, NULL, NULL, EX_CONFIG, "PATH: open: No such file or directory", NULL, NULL, 0, 0 },
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
	{ "KAZOO_CONFIG", INI_FILE, "<INI>", 0, NULL, "<INI>" },
	{ "KAZOO_CONFIG missing", INI_NONE, "<INI>", EX_CONFIG, "<INI>: No such file or directory", NULL },
	{ "KAZOO_CONFIG a folder", INI_DIR, "<INI>", EX_CONFIG, "<INI>: Is a directory", NULL },
	{ "KAZOO_CONFIG empty", INI_NONE, "", EX_CONFIG, "KAZOO_CONFIG is set but empty (or -c was given an empty path)", NULL },
	{ "KAZOO_CONFIG empty, a config.ini in the folder", INI_FILE, "", EX_CONFIG, "KAZOO_CONFIG is set but empty (or -c was given an empty path)", NULL },
	{ "relative KAZOO_CONFIG", INI_FILE, "config.ini", 0, NULL, "config.ini" },
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
