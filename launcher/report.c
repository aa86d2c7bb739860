/* report.c: --dry-run, one fact a line, so an operator can see why a node gets its name,
 * cookie, identity and command line.  Prints where the cookie came from, never its value. */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "node.h"
#include "osvars.h"
#include "report.h"

/* Arguments and values are shown as a shell would need them, so a line can be pasted. */
static void put_quoted(const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+.,/:=@%") == strlen(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('\'');
}

static void report_cookie(const struct node *n)
{
	const struct cookie_source *c = &n->cookie;

	if (!strcmp(c->rule, "KAZOO_COOKIE") || !strcmp(c->rule, "default"))
		printf("cookie: %s\n", !strcmp(c->rule, "default") ? "change_me (no config.ini)" : "from KAZOO_COOKIE");
	else
		printf("cookie: %s:%u, [%s] on line %u (%s rule)\n", n->config.ini, c->line, n->args->rel,
		       c->section_line, c->rule);
}

static const char *user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw ? pw->pw_name : "?";
}

static const char *group_name(gid_t gid)
{
	struct group *gr = getgrgid(gid);

	return gr ? gr->gr_name : "?";
}

static void report_limit(const char *name, bool has, rlim_t value)
{
	if (!has)
		printf("%s: unchanged\n", name);
	else if (value == RLIM_INFINITY)
		printf("%s: unlimited\n", name);
	else
		printf("%s: %llu\n", name, (unsigned long long)value);
}

static void report_identity(const struct node *n)
{
	const struct policy *p = &n->policy;

	printf("policy: %s%s\n", n->policy_path, n->has_policy ? "" : " (none: runs as the caller)");
	printf("user: %s (%u)\n", user_name(n->uid), (unsigned)n->uid);
	printf("group: %s (%u)\n", group_name(n->gid), (unsigned)n->gid);
	if (!n->has_policy)
		return;
	fputs("groups:", stdout);
	for (size_t i = 0; i < p->ngroups; i++)
		printf(" %s (%u)", group_name(p->groups[i]), (unsigned)p->groups[i]);
	fputs("\ncapabilities:", stdout);
	for (size_t i = 0; i < p->ncaps; i++) {
		char *name = cap_to_name(p->caps[i]);
		printf(" %s", name ? name : "?");
		cap_free(name);
	}
	putchar('\n');
	report_limit("nofile", p->has_nofile, p->nofile);
	report_limit("core", p->has_core, p->core);
	if (p->has_umask)
		printf("umask: %04o\n", (unsigned)p->umask);
	else
		puts("umask: unchanged");
}

/* A remote shell reads none of these: only a node's launch resolves them. */
static void report_vm(const struct node *n)
{
	const struct vmfiles *vm = &n->vm;

	if (!vm->vm_args)
		return;
	printf("vm.args: %s (%s)\n", vm->vm_args, vm->vm_args_from);
	for (size_t i = 1; i < vm->args.files.n; i++)
		printf("vm.args include: %s\n", vm->args.files.v[i]);
	printf("vm.args copy: %s (what the VM reads%s)\n", n->vm_args_run,
	       osvars_enabled() ? ", ${VAR}s replaced" : "");
	printf("sys.config: %s (%s)\n", vm->sys_config, vm->sys_config_from);
	if (vm->sys_config_text)
		printf("sys.config copy: %s (${VAR}s replaced)\n", n->sys_config_run);
	printf("code loading: %s\n", n->code_mode);
}

void report_node(const struct node *n, const char *const *argv, const char *const *envp)
{
	printf("node: %s (%s)\n", n->name, n->sname ? "-sname" : "-name");
	printf("config: %s\n", n->config.ini ? n->config.ini : "none");
	report_cookie(n);
	printf("release: %s\n", n->rel.root);
	printf("erts: %s (%s)\n", n->rel.erts_vsn, n->rel.bindir);
	printf("boot: %s.boot\n", n->rel.boot);
	report_vm(n);
	report_identity(n);
	printf("home: %s\n", n->home);
	for (const char *const *e = envp; *e; e++) {
		fputs("env: ", stdout);
		put_quoted(*e);
		putchar('\n');
	}
	fputs("exec:", stdout);
	for (const char *const *a = argv; *a; a++) {
		putchar(' ');
		put_quoted(*a);
	}
	putchar('\n');
}
