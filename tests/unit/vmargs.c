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
	{ .name = "plain flags",
	  .text = "+A 25\n-kernel inet_dist_listen_min 11500 inet_dist_listen_max 11999\n",
	  .args = "+A|25|-kernel|inet_dist_listen_min|11500|inet_dist_listen_max|11999", .extra = "" },
	{ .name = "comments and blank lines", .text = "# a comment\n\n+K true # after\n  #indented\n+W w\n",
	  .args = "+K|true|+W|w", .extra = "" },
	{ .name = "# ends an argument", .text = "-s lager#no\n", .args = "-s|lager", .extra = "" },
	{ .name = "CRLF lines", .text = "+A 25\r\n+K true\r\n", .args = "+A|25|+K|true", .extra = "" },
	{ .name = "double quotes keep spaces and #", .text = "-env X \"a b # c\"\n", .args = "-env|X|a b # c",
	  .extra = "" },
	{ .name = "single quotes", .text = "-env X 'it\"s'\n", .args = "-env|X|it\"s", .extra = "" },
	{ .name = "quotes inside an argument", .text = "-set\"cookie\" x\n", .args = "", .extra = "",
	  .notes = 1 },
	{ .name = "backslash keeps the next byte", .text = "-env X a\\ b\\#c\n", .args = "-env|X|a b#c",
	  .extra = "" },
	{ .name = "empty quoted argument", .text = "-env X \"\"\n", .args = "-env|X|", .extra = "" },
	{ .name = "an unclosed quote runs to the end", .text = "-env X \"a\nb", .args = "-env|X|a\nb",
	  .extra = "" },
	{ .name = "-setcookie left out", .text = "-setcookie SECRET\n+K true\n", .args = "+K|true",
	  .extra = "", .notes = 1 },
	{ .name = "quoted -setcookie left out", .text = "\"-setcookie\" SECRET\n", .args = "", .extra = "",
	  .notes = 1 },
	{ .name = "escaped -setcookie left out", .text = "\\-setcookie SECRET\n", .args = "", .extra = "",
	  .notes = 1 },
	{ .name = "-setcookie NODE COOKIE left out", .text = "-setcookie other@h SECRET -s lager\n",
	  .args = "-s|lager", .extra = "", .notes = 1 },
	{ .name = "a cookie that looks like a flag", .text = "-setcookie -SECRET\n+A 1\n", .args = "+A|1",
	  .extra = "", .notes = 1 },
	{ .name = "-name REL left out", .text = "-name kazoo_apps\n+A 1\n", .args = "+A|1", .extra = "" },
	{ .name = "-sname of the node left out", .text = "-sname kazoo_apps@host\n", .args = "", .extra = "" },
	{ .name = "-name of another node", .text = "+A 1\n-name ecallmgr\n",
	  .msg = "DIR/vm.args:2: -name ecallmgr names another node than kazoo_apps@host; give the node's name with -n or KAZOO_NODE" },
	{ .name = "-name ${NODE_NAME} without RELX_REPLACE_OS_VARS", .text = "-name ${NODE_NAME}\n",
	  .msg = "DIR/vm.args:1: -name ${NODE_NAME} names another node than kazoo_apps@host; give the node's name with -n or KAZOO_NODE (or set RELX_REPLACE_OS_VARS)" },
	{ .name = "-name ${NODE_NAME} replaced", .text = "-name ${KZT_NODE}\n", .osvars = true, .args = "",
	  .extra = "" },
	{ .name = "-name without a name", .text = "-name\n",
	  .msg = "DIR/vm.args:1: -name: expected one node name, found 0" },
	{ .name = "Kazoo's own vm.args",
	  .text = "-setcookie ${KZT_COOKIE}\n-kernel inet_dist_listen_min 11500 inet_dist_listen_max 11999\n+K true\n+A 25\n-name ${KZT_NODE}\n",
	  .osvars = true,
	  .args = "-kernel|inet_dist_listen_min|11500|inet_dist_listen_max|11999|+K|true|+A|25", .extra = "",
	  .notes = 1 },
	{ .name = "an unset ${VAR}", .text = "+A 1\n-env X ${KZT_UNSET}\n", .osvars = true,
	  .msg = "DIR/vm.args:2: ${KZT_UNSET} is not set (RELX_REPLACE_OS_VARS is on, so it must be)" },
	{ .name = "${VAR} left alone without RELX_REPLACE_OS_VARS", .text = "-env X ${KZT_UNSET}\n",
	  .args = "-env|X|${KZT_UNSET}", .extra = "" },
	{ .name = "include", .text = "+A 1\n-args_file DIR/inc.args\n+K true\n",
	  .inc = "-s lager\n-setcookie x\n", .args = "+A|1|-s|lager|+K|true", .extra = "", .notes = 1 },
	{ .name = "include with ${VAR}s", .text = "-args_file DIR/inc.args\n", .inc = "-env X ${KZT_A}\n",
	  .osvars = true, .args = "-env|X|alpha", .extra = "" },
	{ .name = "include's -name of another node", .text = "-args_file DIR/inc.args\n",
	  .inc = "\n-sname other\n",
	  .msg = "DIR/inc.args:2: -sname other names another node than kazoo_apps@host; give the node's name with -n or KAZOO_NODE" },
	{ .name = "include nested too deep", .text = "-args_file DIR/vm.args\n",
	  .msg = "DIR/vm.args:1: -args_file nested more than 8 deep" },
	{ .name = "include missing", .text = "-args_file DIR/none.args\n",
	  .msg = "DIR/none.args: No such file or directory" },
	{ .name = "-args_file without a file", .text = "+A 1 -args_file\n",
	  .msg = "DIR/vm.args:1: -args_file without a file" },
	{ .name = "-extra", .text = "+A 1 -extra a -setcookie b\n", .args = "+A|1",
	  .extra = "a|-setcookie|b" },
	{ .name = "-extra in an include ends only the include", .text = "-args_file DIR/inc.args\n+K true\n",
	  .inc = "-extra x\n", .args = "+K|true", .extra = "x" },
	{ .name = "a NUL byte", .text = "+A 1\n+K{NUL}true\n", .msg = "DIR/vm.args:2: a NUL byte" },
	{ .name = "a long line", .text = "-env X {9000*a}\n", .args = "-env|X|{9000*a}", .extra = "" },
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
	{ .name = "nothing in the config folder", .present = "", .want_vm = "REL/vm.args",
	  .want_sys = "REL/sys.config" },
	{ .name = "the folder's vm.args and sys.config", .present = "vm.args sys.config",
	  .want_vm = "CONF/vm.args", .want_sys = "CONF/sys.config" },
	{ .name = "REL.vm.args first",
	  .present = "kazoo_apps.vm.args vm.args kazoo_apps.sys.config sys.config",
	  .want_vm = "CONF/kazoo_apps.vm.args", .want_sys = "CONF/kazoo_apps.sys.config" },
	{ .name = "another node type's files are not this one's",
	  .present = "ecallmgr.vm.args ecallmgr.sys.config", .want_vm = "REL/vm.args",
	  .want_sys = "REL/sys.config" },
	{ .name = "app.config after sys.config", .present = "app.config", .want_vm = "REL/vm.args",
	  .want_sys = "CONF/app.config" },
	{ .name = "sys.config before app.config", .present = "app.config sys.config",
	  .want_vm = "REL/vm.args", .want_sys = "CONF/sys.config" },
	{ .name = "VMARGS_PATH and RELX_CONFIG_PATH alone", .present = "vm.args sys.config",
	  .vmargs_path = "REL/vm.args", .relx_config_path = "REL/sys.config", .want_vm = "REL/vm.args",
	  .want_sys = "REL/sys.config" },
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
