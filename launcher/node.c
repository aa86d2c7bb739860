/* node.c: resolves a node step by step (name, cookie, release, identity) into struct node.
 * Reads files, never writes them; every failure is one line and the SPEC's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "host.h"
#include "node.h"
#include "rundir.h"

void node_resolve_name(struct node *n, const struct args *a)
{
	struct kz_err err = { 0 };
	const char *type = args_env("NODE_NAME_TYPE", "-name");

	memset(n, 0, sizeof *n);
	n->args = a;
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

/* KAZOO_COOKIE wins for the launch actions; read-release-cookie shows the file's. */
void node_resolve_cookie(struct node *n)
{
	struct kz_err err = { 0 };
	const char *forced = n->args->action == ACT_READ_COOKIE ? NULL : getenv("KAZOO_COOKIE");

	die_on_error(config_locate(n->args->config, &n->config, &err), &err);
	if (forced) {
		die_on_error(cookie_check(forced, "KAZOO_COOKIE", &err), &err);
		n->cookie.value = strdup(forced);
		n->cookie.rule = "KAZOO_COOKIE";
	} else if (n->config.ini) {
		die_on_error(cookie_resolve(n->config.ini, n->args->rel, n->host, zone(), &n->cookie, &err), &err);
	} else {
		warn("no /etc/kazoo/config.ini nor /etc/kazoo/core/config.ini: using the cookie change_me");
		n->cookie.value = strdup("change_me");
		n->cookie.rule = "default";
	}
	if (!n->cookie.value)
		die_errno(KZ_EXIT_FAIL, "cookie");
}

void node_resolve_release(struct node *n)
{
	struct kz_err err = { 0 };

	die_on_error(release_locate(n->args->root, n->config.app_config, &n->rel, &err), &err);
}

/* An explicit policy must exist; at the default path, nothing at all there (not even a
 * dangling symlink) means no policy: then the caller runs it, never root. */
static void load_policy(struct node *n)
{
	const struct args *a = n->args;
	struct kz_err err = { 0 };

	if (a->policy)
		n->policy_path = strdup(a->policy);
	else if (asprintf(&n->policy_path, "/etc/kzlaunch/%s.policy", a->rel) < 0)
		n->policy_path = NULL;
	if (!n->policy_path)
		die_errno(KZ_EXIT_FAIL, "policy path");
	if (policy_load(n->policy_path, &n->policy, &err) == 0) {
		n->has_policy = true;
		return;
	}
	if (!a->policy && errno == ENOENT) {
		kz_err_clear(&err);
		return;
	}
	die_err(&err);
}

void node_resolve_identity(struct node *n)
{
	uid_t euid = geteuid();

	load_policy(n);
	if (!n->has_policy) {
		if (euid == 0)
			die(EX_CONFIG, "%s: no such policy; refusing to run %s as root", n->policy_path, n->name);
		n->uid = euid;
		n->gid = getegid();
		return;
	}
	if (euid != 0 && euid != n->policy.uid)
		die(EX_NOPERM, "%s: %s runs as %s (uid %u); uid %u may not start it", n->policy_path,
		    n->name, n->policy.user, (unsigned)n->policy.uid, (unsigned)euid);
	n->uid = n->policy.uid;
	n->gid = n->policy.gid;
}

void node_free(struct node *n)
{
	free(n->host);
	free(n->name);
	free(n->home);
	free(n->policy_path);
	config_paths_free(&n->config);
	cookie_source_free(&n->cookie);
	release_free(&n->rel);
	if (n->has_policy)
		policy_free(&n->policy);
	memset(n, 0, sizeof *n);
}
