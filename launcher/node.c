/* node.c: resolves a node step by step (name, cookie, release, identity) into struct node.
 * Reads files, never writes them; every failure is one line and its documented status. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "die.h"
#include "fmt.h"
#include "host.h"
#include "node.h"
#include "osvars.h"
#include "priv.h"
#include "reach.h"
#include "rundir.h"

void node_resolve_name(struct node *n, const struct args *a)
{
	struct kz_err err = { 0 };
	const char *type = args_env("NODE_NAME_TYPE", "-name");

	memset(n, 0, sizeof *n);
	n->type = a->rel;
	n->rundir = a->rundir;
	n->config_arg = a->config;
	n->root_arg = a->root;
	n->policy_arg = a->policy;
	if (!strcmp(type, "-sname") || !strcmp(type, "sname"))
		n->sname = true;
	else if (strcmp(type, "-name") && strcmp(type, "name"))
		die(EX_USAGE, "NODE_NAME_TYPE '%.40s': expected -name or -sname", type);
	die_on_error(host_canonical(&n->host, &err), &err);
	die_on_error(host_node_name(a->rel, a->node, n->host, n->sname, &n->name, &err), &err);
	n->home = rundir_home_path(a->rundir, a->rel);
	if (!n->home)
		die_errno(KZ_EXIT_FAIL, "%s", a->rundir);
}

/* The zone is compared with config.ini's and named in messages: printable text only. */
static const char *zone(void)
{
	const char *z = args_env("KAZOO_ZONE", "local");

	for (const char *c = z; *c; c++)
		if ((unsigned char)*c < 0x21 || *c == 0x7f || c - z >= 255)
			die(EX_USAGE, "KAZOO_ZONE: must be at most 255 printable characters without spaces");
	return z;
}

void node_resolve_cookie(struct node *n, bool env_cookie)
{
	struct kz_err err = { 0 };
	const char *forced = env_cookie ? getenv("KAZOO_COOKIE") : NULL;
	int rc;

	die_on_error(config_locate(n->config_arg, &n->config, &err), &err);
	if (forced) {
		die_on_error(cookie_check(forced, "KAZOO_COOKIE", &err), &err);
		n->cookie.value = strdup(forced);
		n->cookie.rule = "KAZOO_COOKIE";
	} else if ((rc = cookie_from_credential(&n->cookie, &err)) != 0) {
		die_on_error(rc, &err);
	} else if (n->config.ini) {
		die_on_error(cookie_resolve(n->config.ini, n->type, n->host, zone(), &n->cookie, &err), &err);
	} else {
		warn_msg("no /etc/kazoo/config.ini nor /etc/kazoo/core/config.ini: using the cookie change_me");
		n->cookie.value = strdup("change_me");
		n->cookie.rule = "default";
	}
	if (!n->cookie.value)
		die_errno(KZ_EXIT_FAIL, "cookie");
}

void node_resolve_release(struct node *n)
{
	struct kz_err err = { 0 };

	die_on_error(release_locate(n->root_arg, &n->rel, &err), &err);
}

/* The [kazoo_apps] cookie, as the node's own reader of config.ini would pick it; NULL when
 * the file gives none (no such section, or not exactly one cookie). */
static struct cookie_source *apps_cookie(const struct node *n, struct cookie_source *out)
{
	struct kz_err err = { 0 };

	if (cookie_resolve(n->config.ini, "kazoo_apps", n->host, zone(), out, &err) == 0)
		return out;
	kz_err_clear(&err);
	return NULL;
}

void node_resolve_boot_cookie(struct node *n, bool remsh)
{
	struct cookie_source apps = { 0 }, file = { 0 };
	struct kz_err err = { 0 };
	const struct cookie_source *final;
	const char *rel = n->type;
	/* A cookie not from config.ini's REL section: KAZOO_COOKIE's, or the credential's. */
	bool given = !strcmp(n->cookie.rule, "KAZOO_COOKIE") || !strcmp(n->cookie.rule, "credential");
	const char *given_name = !strcmp(n->cookie.rule, "credential") ? "the credential's" : "KAZOO_COOKIE's";

	/* Kazoo's kazoo_apps_init sets the cookie again once the node is up: KAZOO_COOKIE from
	 * the VM's environment (which kzlaunch never passes on), else [kazoo_apps]'s, else the
	 * node type's own.  Only a release that holds it does that. */
	if (!n->config.ini || !release_has_module(&n->rel, "kazoo_apps_init"))
		return;
	final = apps_cookie(n, &apps);
	/* With KAZOO_COOKIE the file was not searched for REL's own; a file without one gives
	 * the node nothing to switch to, so there is nothing to say. */
	if (!final && given) {
		if (cookie_resolve(n->config.ini, rel, n->host, zone(), &file, &err) == 0)
			final = &file;
		kz_err_clear(&err);
	}
	if (final && strcmp(final->value, n->cookie.value)) {
		if (given)
			warn_msg("%s: the release's kazoo_apps_init will set the node's cookie to %s:%u ([%s] on line %u) once it boots, not %s",
			     n->name, n->config.ini, final->line, final == &apps ? "kazoo_apps" : rel, final->section_line,
			     given_name);
		else
			warn_msg("%s: the release's kazoo_apps_init will set the node's cookie to %s:%u ([kazoo_apps] on line %u) once it boots, not [%s]'s on line %u",
			     n->name, n->config.ini, final->line, final->section_line, rel, n->cookie.line);
		if (!(n->later_cookie = strdup(final->value)))
			die_errno(KZ_EXIT_FAIL, "cookie");
		/* A remote shell must speak to the node as it will be, not as it was started. */
		if (remsh) {
			cookie_source_free(&n->cookie);
			n->cookie = final == &apps ? apps : file;
			memset(final == &apps ? &apps : &file, 0, sizeof apps);
		}
	}
	cookie_source_free(&apps);
	cookie_source_free(&file);
}

void node_resolve_policy(struct node *n)
{
	struct kz_err err = { 0 };

	n->policy_path = n->policy_arg ? strdup(n->policy_arg) : fmt_new("/etc/kzlaunch/%s.policy", n->type);
	if (!n->policy_path)
		die_errno(KZ_EXIT_FAIL, "policy path");
	if (policy_load(n->policy_path, &n->policy, &err) == 0)
		return;
	if (n->policy_arg || errno != ENOENT)
		die_err(&err);
	kz_err_clear(&err);
	die_on_error(policy_default(&n->policy, geteuid(), getegid(), &err), &err);
}

void node_resolve_identity(struct node *n)
{
	struct kz_err err = { 0 };
	uid_t euid = geteuid();

	node_resolve_policy(n);
	/* The default policy is the caller's identity: root's, which no node runs as. */
	if (euid == 0 && !policy_has_file(&n->policy))
		die(EX_CONFIG, "%s: no such policy; refusing to run %s as root", n->policy_path, n->name);
	die_on_error(priv_may_become(&n->policy, n->name, &err), &err);
	n->uid = n->policy.uid;
	n->gid = n->policy.gid;
}

/* relx's script reads CODE_LOADING_MODE the same way; it defaults to embedded. */
static const char *code_mode(void)
{
	const char *m = args_env("CODE_LOADING_MODE", "embedded");

	if (strcmp(m, "embedded") && strcmp(m, "interactive"))
		die(EX_USAGE, "CODE_LOADING_MODE '%.40s': expected embedded or interactive", m);
	return m;
}

/* Named as Kazoo's init scripts name it, so no dump overwrites the last, in a folder the
 * node's user writes and others cannot read (the log folder; RUNDIR without a policy). */
static char *crash_dump(const struct node *n)
{
	const char *given = getenv("ERL_CRASH_DUMP");

	if (given && *given)
		return strdup(given);
	return fmt_new("%s/%lld_%s_erl_crash.dump", policy_log_dir(&n->policy, n->rundir),
		       (long long)time(NULL), n->type);
}

void node_resolve_vm(struct node *n)
{
	struct kz_err err = { 0 };
	struct vmargs_spec spec = {
		.root = n->rel.root,
		.rel = n->type,
		.node = n->name,
		.osvars = osvars_enabled(),
	};

	n->code_mode = code_mode();
	die_on_error(vmfiles_load(n->config.ini, &n->rel, &spec, &n->vm, &err), &err);
	for (size_t i = 0; i < n->vm.args.notes.n; i++)
		warn_msg("%s", n->vm.args.notes.v[i]);
	n->vm_args_run = fmt_new("%s/vm.args", n->home);
	if (!n->vm.sys_config_text)
		n->sys_config_run = strdup(n->vm.sys_config);
	else
		n->sys_config_run = fmt_new("%s/sys.config", n->home);
	n->crash_dump = crash_dump(n);
	if (!n->vm_args_run || !n->sys_config_run || !n->crash_dump)
		die_errno(KZ_EXIT_FAIL, "%s", n->home);
}

void node_check_reach(const struct node *n, bool remsh)
{
	struct kz_err err = { 0 };
	char *beam = NULL, *boot = NULL;

	/* Not root: the caller is the node's user, and exec tells the truth itself.  Root always
	 * has a policy file here (node_resolve_identity). */
	if (geteuid() != 0)
		return;
	if (remsh && !n->rel.boot_clean)
		return; /* execline_build says what is missing */
	if (!(beam = fmt_new("%s/beam.smp", n->rel.bindir)) ||
	    !(boot = fmt_new("%s.boot", remsh ? n->rel.boot_clean : n->rel.boot)))
		die_errno(KZ_EXIT_FAIL, "%s", n->rel.root);
	struct reach_item items[] = {
		{ n->rel.root, X_OK }, { n->rel.erlexec, X_OK }, { beam, X_OK }, { boot, R_OK },
		{ n->rel.lib, R_OK | X_OK }, { n->vm.sys_config, R_OK },
	};
	/* The copies in the private home are written for the node after this, by kzlaunch. */
	size_t nitems = COUNT(items) - (remsh || n->vm.sys_config_text ? 1 : 0);
	const struct policy *p = &n->policy;
	die_on_error(reach_check(items, nitems, p->uid, p->gid, p->groups, p->ngroups, p->user, &err), &err);
	free(beam);
	free(boot);
}

void node_free(struct node *n)
{
	free(n->host);
	free(n->name);
	free(n->home);
	free(n->policy_path);
	config_paths_free(&n->config);
	cookie_source_free(&n->cookie);
	free(n->later_cookie);
	release_free(&n->rel);
	vmfiles_free(&n->vm);
	free(n->vm_args_run);
	free(n->sys_config_run);
	free(n->crash_dump);
	policy_free(&n->policy);
	memset(n, 0, sizeof *n);
}
