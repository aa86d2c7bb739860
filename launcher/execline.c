/* execline.c: builds erlexec's argv and an environment from an allow-list, as relx's
 * script would, without the script.  Pure: reads nothing from disk, prints nothing. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "execline.h"
#include <sysexits.h>

/* Variables the VM and its children may see, passed on from the caller when set.  Of those
 * Kazoo's own code reads with os:getenv (doc/platform.md), KAZOO_APPS and KAZOO_ZONE pass;
 * KAZOO_CONFIG is set from /; KAZOO_COOKIE never reaches the VM, nor do ERL_FLAGS,
 * ERL_AFLAGS, ERL_ZFLAGS and the like: the first is the secret, the others would add
 * arguments (a -setcookie) to the VM. */
static const char *const passed_env[] = { "LANG", "TZ", "KAZOO_APPS", "KAZOO_ZONE", "ERL_EPMD_PORT",
					  "ERL_CRASH_DUMP_SECONDS", "ERL_CRASH_DUMP_BYTES", NULL };
static const char safe_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* TERM names a terminfo entry: a plain name reaches the VM, anything else (escape sequences
 * that a console would print back to an operator) is left out. */
static bool plain_term(const char *entry)
{
	const char *v = entry + strlen("TERM=");
	size_t n = strlen(v);

	return n > 0 && n <= 64 &&
	       strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == n;
}

static bool is_passed(const char *entry)
{
	size_t name_len = strcspn(entry, "=");

	if (!entry[name_len])
		return false;
	if (!strncmp(entry, "LC_", 3))
		return true;
	if (!strncmp(entry, "TERM=", 5))
		return plain_term(entry);
	for (const char *const *p = passed_env; *p; p++)
		if (strlen(*p) == name_len && !strncmp(entry, *p, name_len))
			return true;
	return false;
}

static int build_env(const struct execline_spec *spec, char **environ_in, struct strv *env)
{
	const struct release *rel = spec->rel;
	int rc = 0;

	/* What the `erl` script would have set for erlexec (doc/platform.md). */
	rc |= strv_addf(env, "ROOTDIR=%s", rel->root);
	rc |= strv_addf(env, "BINDIR=%s", rel->bindir);
	rc |= strv_add(env, "EMU=beam");
	rc |= strv_add(env, "PROGNAME=erl");
	rc |= strv_addf(env, "HOME=%s", spec->home);
	rc |= strv_addf(env, "PATH=%s", safe_path);
	if (spec->config)
		rc |= strv_addf(env, "KAZOO_CONFIG=%s", spec->config);
	if (spec->crash_dump)
		rc |= strv_addf(env, "ERL_CRASH_DUMP=%s", spec->crash_dump);
	for (char **e = environ_in; e && *e && rc == 0; e++)
		if (is_passed(*e))
			rc |= strv_add(env, *e);
	return rc ? -1 : 0;
}

static int build_node_argv(const struct execline_spec *spec, struct strv *argv)
{
	const struct release *rel = spec->rel;
	int rc = 0;

	rc |= strv_add(argv, rel->erlexec);
	if (spec->mode == EXECLINE_FOREGROUND) {
		/* +Bd: no BREAK menu; a ^C from a supervisor's terminal ends the VM. */
		rc |= strv_add(argv, "-noshell");
		rc |= strv_add(argv, "-noinput");
		rc |= strv_add(argv, "+Bd");
	}
	rc |= strv_add(argv, "-boot");
	rc |= strv_add(argv, rel->boot);
	rc |= strv_add(argv, "-mode");
	rc |= strv_add(argv, spec->code_mode);
	rc |= strv_add(argv, "-boot_var");
	rc |= strv_add(argv, "SYSTEM_LIB_DIR");
	rc |= strv_add(argv, rel->lib);
	rc |= strv_add(argv, "-config");
	rc |= strv_add(argv, spec->sys_config);
	rc |= strv_add(argv, "-args_file");
	rc |= strv_add(argv, spec->vm_args);
	rc |= strv_add(argv, spec->sname ? "-sname" : "-name");
	rc |= strv_add(argv, spec->node);
	for (int i = 0; i < spec->nextra && rc == 0; i++)
		rc |= strv_add(argv, spec->extra[i]);
	return rc ? -1 : 0;
}

static int build_remsh_argv(const struct execline_spec *spec, struct strv *argv)
{
	const struct release *rel = spec->rel;
	int rc = 0;

	rc |= strv_add(argv, rel->erlexec);
	rc |= strv_add(argv, "-boot");
	rc |= strv_add(argv, rel->boot_clean);
	rc |= strv_add(argv, "-boot_var");
	rc |= strv_add(argv, "SYSTEM_LIB_DIR");
	rc |= strv_add(argv, rel->lib);
	/* Hidden, so the node's nodes() and Kazoo's cluster view never list an operator. */
	rc |= strv_add(argv, "-hidden");
	/* OTP refuses a long name on a host without a dot ("Hostname vm is illegal"), though
	 * the node itself runs with one; a short name for the shell reaches it all the same. */
	const char *host = strchr(spec->node, '@');
	bool sname = spec->sname || !host || !strchr(host, '.');
	rc |= strv_add(argv, sname ? "-sname" : "-name");
	rc |= strv_add(argv, spec->self);
	rc |= strv_add(argv, "-remsh");
	rc |= strv_add(argv, spec->node);
	return rc ? -1 : 0;
}

int execline_build(const struct execline_spec *spec, char **environ_in, struct execline *out,
		   struct kz_err *err)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (spec->mode == EXECLINE_REMSH && !spec->rel->boot_clean)
		return kz_err_set(err, EX_CONFIG, "%s/releases/%s: no start_clean.boot for a remote shell",
				  spec->rel->root, spec->rel->rel_vsn);
	rc = spec->mode == EXECLINE_REMSH ? build_remsh_argv(spec, &out->argv)
					  : build_node_argv(spec, &out->argv);
	if (rc == 0)
		rc = build_env(spec, environ_in, &out->envp);
	if (rc < 0) {
		execline_free(out);
		return kz_err_errno(err, KZ_EXIT_FAIL, "building the VM's command line");
	}
	return 0;
}

void execline_free(struct execline *line)
{
	strv_free(&line->argv);
	strv_free(&line->envp);
}
