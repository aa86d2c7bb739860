/* report.c: --dry-run, one fact a line, so an operator can see why a node gets its name,
 * cookie, identity and command line.  Prints where the cookie came from, never its value. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "die.h"
#include "escape.h"
#include "fmt.h"
#include "node.h"
#include "osvars.h"
#include "priv.h"
#include "report.h"

/* Text from files, the environment and NSS, shown by escape.h's rule. */
static void put_shown(const char *s)
{
	char one[5];

	for (; *s; s++) {
		escape_byte((unsigned char)*s, one);
		fputs(one, stdout);
	}
}

/* One fact, one line, every byte of it shown by escape.h's rule: paths and names come from
 * the environment and from files. */
__attribute__((format(printf, 1, 2)))
static void fact(const char *fmt, ...)
{
	char *line;
	va_list ap;

	va_start(ap, fmt);
	line = fmt_vnew(fmt, ap);
	va_end(ap);
	if (!line)
		die(KZ_EXIT_FAIL, "--dry-run: out of memory");
	put_shown(line);
	putchar('\n');
	free(line);
}

/* Arguments and values are shown as a shell would need them, so a line can be pasted; a
 * control character is shown by escape.h's rule. */
static void put_quoted(const char *s)
{
	char shown[5];

	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+.,/:=@%") == strlen(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else {
			escape_byte((unsigned char)*s, shown);
			fputs(shown, stdout);
		}
	}
	putchar('\'');
}

static void report_cookie(const struct node *n)
{
	const struct cookie_source *c = &n->cookie;

	if (!strcmp(c->rule, "credential"))
		fact("cookie: from the systemd credential %s", c->file);
	else if (!strcmp(c->rule, "KAZOO_COOKIE") || !strcmp(c->rule, "default"))
		fact("cookie: %s", !strcmp(c->rule, "default") ? "change_me (no config.ini)" : "from KAZOO_COOKIE");
	else
		fact("cookie: %s:%u, [%s] on line %u (%s rule)", n->config.ini, c->line, n->type,
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

/* The value, and whether the launch could set it here: as the policy's user (or as a root
 * without CAP_SYS_RESOURCE) a limit above the hard one is refused, and so would the launch be. */
static void report_limit(const char *name, int resource, bool has, rlim_t value)
{
	char shown[32];
	rlim_t hard;

	if (!has) {
		fact("%s: unchanged", name);
		return;
	}
	if (value == RLIM_INFINITY)
		snprintf(shown, sizeof shown, "unlimited");
	else
		snprintf(shown, sizeof shown, "%llu", (unsigned long long)value);
	switch (priv_limit_allowed(resource, value, &hard)) {
	case 1:
		fact("%s: %s", name, shown);
		break;
	case 0:
		fact("%s: %s (a launch would be refused: above the hard limit %llu, and raising it needs CAP_SYS_RESOURCE)",
		     name, shown, (unsigned long long)hard);
		break;
	default:
		fact("%s: %s (whether a launch may set it cannot be told: %s)", name, shown, strerror(errno));
		break;
	}
}

static void report_identity(const struct node *n)
{
	const struct policy *p = &n->policy;

	fact("policy: %s%s", n->policy_path, policy_has_file(p) ? "" : " (none: runs as the caller)");
	fact("user: %s (%u)", user_name(n->uid), (unsigned)n->uid);
	fact("group: %s (%u)", group_name(n->gid), (unsigned)n->gid);
	if (!policy_has_file(p))
		return; /* the caller as it is: nothing below is set */
	fputs("groups:", stdout);
	for (size_t i = 0; i < p->ngroups; i++) {
		putchar(' ');
		put_shown(group_name(p->groups[i]));
		printf(" (%u)", (unsigned)p->groups[i]);
	}
	fputs("\ncapabilities:", stdout);
	for (size_t i = 0; i < p->ncaps; i++) {
		char *name = cap_to_name(p->caps[i]);
		printf(" %s", name ? name : "?");
		cap_free(name);
	}
	putchar('\n');
	report_limit("nofile", RLIMIT_NOFILE, p->has_nofile, p->nofile);
	report_limit("core", RLIMIT_CORE, p->has_core, p->core);
	if (p->has_umask)
		fact("umask: %04o", (unsigned)p->umask);
	else
		fact("umask: unchanged");
}

/* A remote shell reads none of these: only a node's launch resolves them. */
static void report_vm(const struct node *n)
{
	const struct vmfiles *vm = &n->vm;

	if (!vm->vm_args)
		return;
	fact("vm.args: %s (%s)", vm->vm_args, vm->vm_args_from);
	for (size_t i = 1; i < vm->args.files.n; i++)
		fact("vm.args include: %s", vm->args.files.v[i]);
	fact("vm.args copy: %s (what the VM reads%s)", n->vm_args_run,
	       osvars_enabled() ? ", ${VAR}s replaced" : "");
	fact("sys.config: %s (%s)", vm->sys_config, vm->sys_config_from);
	if (vm->sys_config_text)
		fact("sys.config copy: %s (${VAR}s replaced)", n->sys_config_run);
	fact("code loading: %s", n->code_mode);
}

void report_node(const struct node *n, const char *const *argv, const char *const *envp)
{
	fact("node: %s (%s)", n->name, n->sname ? "-sname" : "-name");
	fact("config: %s", n->config.ini ? n->config.ini : "none");
	report_cookie(n);
	fact("release: %s", n->rel.root);
	fact("erts: %s (%s)", n->rel.erts_vsn, n->rel.bindir);
	fact("boot: %s.boot", n->rel.boot);
	report_vm(n);
	report_identity(n);
	fact("home: %s", n->home);
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
