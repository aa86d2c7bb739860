/* Unit tests: vm.args read as erlexec reads it and filtered (launcher/vmargs.c), relx's
 * ${VAR} replacement (launcher/osvars.c), and which files a node reads (launcher/vmfiles.c). */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "../fixture.h"
#include "../tap.h"
#include "osvars.h"
#include "vmargs.h"
#include "vmfiles.h"

/* One row: vm.args (and inc.args beside it; DIR is the test folder), what comes out. */
struct args_row {
	const char *name;
	const char *text;
	const char *inc;     /* NULL: no inc.args */
	bool osvars;
	const char *args;    /* the arguments kept, joined by '|' */
	const char *extra;   /* after -extra, joined by '|' */
	unsigned notes;      /* -setcookie warnings */
	const char *msg;     /* NULL: success; DIR stands for the folder */
};

static const struct args_row args_rows[] = {
	{ "plain flags", "+A 25\n-kernel inet_dist_listen_min 11500 inet_dist_listen_max 11999\n", NULL, false,
	  "+A|25|-kernel|inet_dist_listen_min|11500|inet_dist_listen_max|11999", "", 0, NULL },
	{ "comments and blank lines", "# a comment\n\n+K true # after\n  #indented\n+W w\n", NULL, false, "+K|true|+W|w", "", 0, NULL },
	{ "# ends an argument", "-s lager#no\n", NULL, false, "-s|lager", "", 0, NULL },
	{ "CRLF lines", "+A 25\r\n+K true\r\n", NULL, false, "+A|25|+K|true", "", 0, NULL },
	{ "double quotes keep spaces and #", "-env X \"a b # c\"\n", NULL, false, "-env|X|a b # c", "", 0, NULL },
	{ "single quotes", "-env X 'it\"s'\n", NULL, false, "-env|X|it\"s", "", 0, NULL },
	{ "quotes inside an argument", "-set\"cookie\" x\n", NULL, false, "", "", 1, NULL },
	{ "backslash keeps the next byte", "-env X a\\ b\\#c\n", NULL, false, "-env|X|a b#c", "", 0, NULL },
	{ "empty quoted argument", "-env X \"\"\n", NULL, false, "-env|X|", "", 0, NULL },
	{ "an unclosed quote runs to the end", "-env X \"a\nb", NULL, false, "-env|X|a\nb", "", 0, NULL },
	{ "-setcookie left out", "-setcookie SECRET\n+K true\n", NULL, false, "+K|true", "", 1, NULL },
	{ "quoted -setcookie left out", "\"-setcookie\" SECRET\n", NULL, false, "", "", 1, NULL },
	{ "escaped -setcookie left out", "\\-setcookie SECRET\n", NULL, false, "", "", 1, NULL },
	{ "-setcookie NODE COOKIE left out", "-setcookie other@h SECRET -s lager\n", NULL, false, "-s|lager", "", 1, NULL },
	{ "a cookie that looks like a flag", "-setcookie -SECRET\n+A 1\n", NULL, false, "+A|1", "", 1, NULL },
	{ "-name REL left out", "-name kazoo_apps\n+A 1\n", NULL, false, "+A|1", "", 0, NULL },
	{ "-sname of the node left out", "-sname kazoo_apps@host\n", NULL, false, "", "", 0, NULL },
	{ "-name of another node", "+A 1\n-name ecallmgr\n", NULL, false, NULL, NULL, 0,
	  "DIR/vm.args:2: -name ecallmgr names another node than kazoo_apps@host; give the node's name with -n or KAZOO_NODE" },
	{ "-name ${NODE_NAME} without RELX_REPLACE_OS_VARS", "-name ${NODE_NAME}\n", NULL, false, NULL, NULL, 0,
	  "DIR/vm.args:1: -name ${NODE_NAME} names another node than kazoo_apps@host; give the node's name with -n or KAZOO_NODE (or set RELX_REPLACE_OS_VARS)" },
	{ "-name ${NODE_NAME} replaced", "-name ${KZT_NODE}\n", NULL, true, "", "", 0, NULL },
	{ "-name without a name", "-name\n", NULL, false, NULL, NULL, 0, "DIR/vm.args:1: -name: expected one node name, found 0" },
	{ "Kazoo's own vm.args", "-setcookie ${KZT_COOKIE}\n-kernel inet_dist_listen_min 11500 inet_dist_listen_max 11999\n+K true\n+A 25\n-name ${KZT_NODE}\n",
	  NULL, true, "-kernel|inet_dist_listen_min|11500|inet_dist_listen_max|11999|+K|true|+A|25", "", 1, NULL },
	{ "an unset ${VAR}", "+A 1\n-env X ${KZT_UNSET}\n", NULL, true, NULL, NULL, 0,
	  "DIR/vm.args:2: ${KZT_UNSET} is not set (RELX_REPLACE_OS_VARS is on, so it must be)" },
	{ "${VAR} left alone without RELX_REPLACE_OS_VARS", "-env X ${KZT_UNSET}\n", NULL, false, "-env|X|${KZT_UNSET}", "", 0, NULL },
	{ "include", "+A 1\n-args_file DIR/inc.args\n+K true\n", "-s lager\n-setcookie x\n", false, "+A|1|-s|lager|+K|true", "", 1, NULL },
	{ "include with ${VAR}s", "-args_file DIR/inc.args\n", "-env X ${KZT_A}\n", true, "-env|X|alpha", "", 0, NULL },
	{ "include's -name of another node", "-args_file DIR/inc.args\n", "\n-sname other\n", false, NULL, NULL, 0,
	  "DIR/inc.args:2: -sname other names another node than kazoo_apps@host; give the node's name with -n or KAZOO_NODE" },
	{ "include nested too deep", "-args_file DIR/vm.args\n", NULL, false, NULL, NULL, 0,
	  "DIR/vm.args:1: -args_file nested more than 8 deep" },
	{ "include missing", "-args_file DIR/none.args\n", NULL, false, NULL, NULL, 0, "DIR/none.args: No such file or directory" },
	{ "-args_file without a file", "+A 1 -args_file\n", NULL, false, NULL, NULL, 0, "DIR/vm.args:1: -args_file without a file" },
	{ "-extra", "+A 1 -extra a -setcookie b\n", NULL, false, "+A|1", "a|-setcookie|b", 0, NULL },
	{ "-extra in an include ends only the include", "-args_file DIR/inc.args\n+K true\n", "-extra x\n", false, "+K|true", "x", 0, NULL },
	{ "a NUL byte", "+A 1\n+K{NUL}true\n", NULL, false, NULL, NULL, 0, "DIR/vm.args:2: a NUL byte" },
	{ "a long line", "-env X {9000*a}\n", NULL, false, "-env|X|{9000*a}", "", 0, NULL },
};

static char *joined(const struct strv *v)
{
	char *out = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&out, &size);

	if (!m)
		abort();
	for (size_t i = 0; i < v->n; i++)
		fprintf(m, "%s%s", i ? "|" : "", v->v[i]);
	if (fclose(m) != 0)
		abort();
	return out;
}

static struct vmargs_spec spec_of(const char *dir, bool osvars)
{
	return (struct vmargs_spec){ .root = dir, .rel = "kazoo_apps", .node = "kazoo_apps@host", .osvars = osvars };
}

static char *in_dir(const char *tpl, const char *dir)
{
	char *expanded = fixture_expand(tpl, NULL), *out = fixture_replace(expanded, "DIR", dir);

	free(expanded);
	return out;
}

/* What vmargs_render writes, read back, is exactly what was kept. */
static void check_round_trip(const char *dir, const struct vmargs *v, const char *name)
{
	char *path = NULL, *text = vmargs_render(v), *want = joined(&v->args), *want_x = joined(&v->extra);
	struct vmargs back;
	struct kz_err err = { 0 };

	if (!text || asprintf(&path, "%s/rendered.args", dir) < 0)
		abort();
	fixture_write(path, text, strlen(text));
	struct vmargs_spec spec = spec_of(dir, false);
	tap_is_int(vmargs_load(&spec, path, &back, &err), 0, "%s: rendered copy reads back", name);
	char *got = joined(&back.args), *got_x = joined(&back.extra);
	tap_is(got, want, "%s: rendered copy, same arguments", name);
	tap_is(got_x, want_x, "%s: rendered copy, same -extra", name);
	unlink(path);
	vmargs_free(&back);
	kz_err_clear(&err);
	free(got);
	free(got_x);
	free(want);
	free(want_x);
	free(text);
	free(path);
}

static void run_args_row(const struct args_row *row, const char *dir)
{
	char *vm = NULL, *inc = NULL, *msg = row->msg ? in_dir(row->msg, dir) : NULL;
	size_t len;
	struct vmargs v;
	struct kz_err err = { 0 };

	if (asprintf(&vm, "%s/vm.args", dir) < 0 || asprintf(&inc, "%s/inc.args", dir) < 0)
		abort();
	/* A row with a NUL byte names no folder: it is written as expanded, NUL and all. */
	char *raw = fixture_expand(row->text, &len), *body = fixture_replace(raw, "DIR", dir);
	if (strstr(raw, "DIR"))
		fixture_write(vm, body, strlen(body));
	else
		fixture_write(vm, raw, len);
	if (row->inc) {
		char *i = in_dir(row->inc, dir);
		fixture_write(inc, i, strlen(i));
		free(i);
	}
	struct vmargs_spec spec = spec_of(dir, row->osvars);
	int rc = vmargs_load(&spec, vm, &v, &err);
	tap_is_int(rc == 0 ? 0 : err.status, row->msg ? EX_CONFIG : 0, "%s: status", row->name);
	tap_is(err.msg, msg, "%s: message", row->name);
	if (rc == 0) {
		char *args = joined(&v.args), *extra = joined(&v.extra), *want = in_dir(row->args, dir);
		tap_is(args, want, "%s: arguments", row->name);
		tap_is(extra, row->extra, "%s: -extra", row->name);
		tap_is_int(v.notes.n, row->notes, "%s: -setcookie warnings", row->name);
		check_round_trip(dir, &v, row->name);
		free(args);
		free(extra);
		free(want);
	}
	unlink(vm);
	unlink(inc);
	vmargs_free(&v);
	kz_err_clear(&err);
	free(raw);
	free(body);
	free(msg);
	free(vm);
	free(inc);
}

struct osvars_row {
	const char *text, *want, *msg;
};

static const struct osvars_row osvars_rows[] = {
	{ "a ${KZT_A} b", "a alpha b", NULL },
	{ "${KZT_A}${KZT_A}", "alphaalpha", NULL },
	{ "x${KZT_EMPTY}y", "xy", NULL },
	{ "${KZT_UNSET:-dflt}", "dflt", NULL },
	{ "${KZT_EMPTY:-dflt}", "dflt", NULL },
	{ "${KZT_A:-dflt}", "alpha", NULL },
	{ "${KZT_LOOP}", "${KZT_LOOP}", NULL }, /* its value is not scanned again */
	{ "${KZT_AMP}", "a&b\\1", NULL },
	{ "$HOME and $ alone", "$HOME and $ alone", NULL },
	{ "${ without a close\n}", "${ without a close\n}", NULL },
	{ "one\ntwo ${KZT_UNSET}", NULL, "f:2: ${KZT_UNSET} is not set (RELX_REPLACE_OS_VARS is on, so it must be)" },
	{ "${}", NULL, "f:1: ${}: names no variable" },
};

static void run_osvars_row(const struct osvars_row *row, size_t n)
{
	struct kz_err err = { 0 };
	char *out = NULL;
	int rc = osvars_replace("f", row->text, &out, &err);

	/* Named by number: a row's text may hold a newline, which would break a TAP line. */
	tap_is_int(rc, row->msg ? -1 : 0, "osvars row %zu: status", n);
	tap_is(out, row->want, "osvars row %zu: text", n);
	tap_is(err.msg, row->msg, "osvars row %zu: message", n);
	free(out);
	kz_err_clear(&err);
}

/* Which files: the config folder's, then the release's; the variables alone when set. */
struct pick_row {
	const char *name;
	const char *present; /* files made in the config folder, space-separated */
	const char *vmargs_path, *relx_config_path; /* the variables, or NULL */
	const char *want_vm, *want_sys; /* CONF/ and REL/ stand for the folders */
};

static const struct pick_row pick_rows[] = {
	{ "nothing in the config folder", "", NULL, NULL, "REL/vm.args", "REL/sys.config" },
	{ "the folder's vm.args and sys.config", "vm.args sys.config", NULL, NULL, "CONF/vm.args", "CONF/sys.config" },
	{ "REL.vm.args first", "kazoo_apps.vm.args vm.args kazoo_apps.sys.config sys.config", NULL, NULL,
	  "CONF/kazoo_apps.vm.args", "CONF/kazoo_apps.sys.config" },
	{ "another node type's files are not this one's", "ecallmgr.vm.args ecallmgr.sys.config", NULL, NULL,
	  "REL/vm.args", "REL/sys.config" },
	{ "app.config after sys.config", "app.config", NULL, NULL, "REL/vm.args", "CONF/app.config" },
	{ "sys.config before app.config", "app.config sys.config", NULL, NULL, "REL/vm.args", "CONF/sys.config" },
	{ "VMARGS_PATH and RELX_CONFIG_PATH alone", "vm.args sys.config", "REL/vm.args", "REL/sys.config",
	  "REL/vm.args", "REL/sys.config" },
};

static char *two(const char *tpl, const char *conf, const char *rel)
{
	char *a = fixture_replace(tpl, "CONF", conf), *b = fixture_replace(a, "REL", rel);

	free(a);
	return b;
}

static void run_pick_row(const struct pick_row *row, const char *conf, const char *reldir)
{
	char *list = strdup(row->present), *save = NULL, *ini = NULL, *path = NULL;
	struct release rel = { .root = (char *)reldir };
	struct vmfiles f;
	struct kz_err err = { 0 };

	if (!list || asprintf(&ini, "%s/config.ini", conf) < 0 || asprintf(&rel.vm_args, "%s/vm.args", reldir) < 0 ||
	    asprintf(&rel.sys_config, "%s/sys.config", reldir) < 0)
		abort();
	for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (asprintf(&path, "%s/%s", conf, w) < 0)
			abort();
		fixture_write(path, "[].\n", 4);
		free(path);
	}
	char *vp = row->vmargs_path ? two(row->vmargs_path, conf, reldir) : NULL;
	char *rp = row->relx_config_path ? two(row->relx_config_path, conf, reldir) : NULL;
	if (vp)
		setenv("VMARGS_PATH", vp, 1);
	if (rp)
		setenv("RELX_CONFIG_PATH", rp, 1);
	struct vmargs_spec spec = spec_of(reldir, false);
	int rc = vmfiles_load(ini, &rel, &spec, &f, &err);
	char *want_vm = two(row->want_vm, conf, reldir), *want_sys = two(row->want_sys, conf, reldir);
	tap_is_int(rc, 0, "%s: loads", row->name);
	if (rc < 0)
		tap_diag("%s", err.msg);
	tap_is(f.vm_args, want_vm, "%s: vm.args", row->name);
	tap_is(f.sys_config, want_sys, "%s: sys.config", row->name);
	unsetenv("VMARGS_PATH");
	unsetenv("RELX_CONFIG_PATH");
	free(list);
	list = strdup(row->present);
	for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (asprintf(&path, "%s/%s", conf, w) < 0)
			abort();
		unlink(path);
		free(path);
	}
	vmfiles_free(&f);
	kz_err_clear(&err);
	free(want_vm);
	free(want_sys);
	free(vp);
	free(rp);
	free(list);
	free(ini);
	free(rel.vm_args);
	free(rel.sys_config);
}

/* As root, a file anyone else may change is refused; the check reads what it opened. */
static void run_trust(const char *conf, const char *reldir)
{
	char *vm = NULL, *want = NULL, *ini = NULL;
	struct release rel = { .root = (char *)reldir };
	struct vmfiles f;
	struct kz_err err = { 0 };

	if (geteuid() != 0) {
		tap_skip("needs root: the trust checks apply to root only");
		return;
	}
	if (asprintf(&vm, "%s/vm.args", conf) < 0 || asprintf(&ini, "%s/config.ini", conf) < 0 ||
	    asprintf(&want, "%s: writable by its group (mode 0664): refusing VM settings root would start a node with", vm) < 0 ||
	    asprintf(&rel.vm_args, "%s/vm.args", reldir) < 0 || asprintf(&rel.sys_config, "%s/sys.config", reldir) < 0)
		abort();
	fixture_write(vm, "+A 1\n", 5);
	if (chmod(vm, 0664) < 0)
		perror(vm);
	struct vmargs_spec spec = spec_of(reldir, false);
	tap_is_int(vmfiles_load(ini, &rel, &spec, &f, &err), -1, "root: a group-writable vm.args is refused");
	tap_is(err.msg, want, "root: and the message says why");
	unlink(vm);
	vmfiles_free(&f);
	kz_err_clear(&err);
	free(vm);
	free(want);
	free(ini);
	free(rel.vm_args);
	free(rel.sys_config);
}

int main(void)
{
	char tpl[] = "/tmp/kzt-vmargs.XXXXXX";
	char *dir = mkdtemp(tpl), *conf = NULL, *reldir = NULL;

	if (!dir || asprintf(&conf, "%s/conf", dir) < 0 || asprintf(&reldir, "%s/rel", dir) < 0 ||
	    mkdir(conf, 0755) < 0 || mkdir(reldir, 0755) < 0) {
		perror("test folders");
		return 255;
	}
	setenv("KZT_A", "alpha", 1);
	setenv("KZT_EMPTY", "", 1);
	setenv("KZT_LOOP", "${KZT_LOOP}", 1);
	setenv("KZT_AMP", "a&b\\1", 1);
	setenv("KZT_NODE", "kazoo_apps", 1);
	setenv("KZT_COOKIE", "change_me", 1);
	unsetenv("KZT_UNSET");
	unsetenv("VMARGS_PATH");
	unsetenv("RELX_CONFIG_PATH");

	for (size_t i = 0; i < COUNT(args_rows); i++)
		run_args_row(&args_rows[i], dir);
	for (size_t i = 0; i < COUNT(osvars_rows); i++)
		run_osvars_row(&osvars_rows[i], i);

	char *relvm = NULL, *relsys = NULL;
	if (asprintf(&relvm, "%s/vm.args", reldir) < 0 || asprintf(&relsys, "%s/sys.config", reldir) < 0)
		abort();
	fixture_write(relvm, "+A 1\n", 5);
	fixture_write(relsys, "[].\n", 4);
	for (size_t i = 0; i < COUNT(pick_rows); i++)
		run_pick_row(&pick_rows[i], conf, reldir);
	run_trust(conf, reldir);

	unlink(relvm);
	unlink(relsys);
	rmdir(conf);
	rmdir(reldir);
	rmdir(dir);
	free(relvm);
	free(relsys);
	free(conf);
	free(reldir);
	return tap_done();
}
