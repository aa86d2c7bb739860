/* launch.c: console, foreground, start and remote_console: resolve, prepare, become the
 * node's user, exec (or hand the node to the helper, start.h); and read-release-cookie.
 * Nothing here parses, writes a file or drops a privilege by itself. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdnoreturn.h>
#include <string.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "actions.h"
#include "die.h"
#include "epmd.h"
#include "execline.h"
#include "fd.h"
#include "fmt.h"
#include "launch.h"
#include "node.h"
#include "priv.h"
#include "report.h"
#include "rundir.h"
#include "start.h"

extern char **environ;

/* As root: RUNDIR (root, 0755) and the log folder (the node's, 0750) are made when missing.
 * The private home gets the cookie and, for a node, the vm.args and sys.config it reads. */
static void prepare_disk(const struct node *n, bool remsh)
{
	struct kz_err err = { 0 };
	const char *cookie = n->cookie.value;
	struct rundir_file files[3] = { { ".erlang.cookie", cookie, strlen(cookie) } };
	size_t nfiles = 1;
	int fd;

	if (!remsh)
		files[nfiles++] = (struct rundir_file){ "vm.args", n->vm.vm_args_text, strlen(n->vm.vm_args_text) };
	/* No ${VAR}s replaced this time: a copy an earlier launch left there is removed. */
	if (!remsh)
		files[nfiles++] = (struct rundir_file){ "sys.config", n->vm.sys_config_text,
							n->vm.sys_config_text ? strlen(n->vm.sys_config_text) : 0 };

	if (geteuid() == 0) { /* root always has a policy file here (node_resolve_identity) */
		die_on_error(fd = rundir_open(n->policy.log_dir, 0750, n->uid, n->gid, n->uid, &err), &err);
		close(fd);
	}
	die_on_error(fd = rundir_open(n->rundir, 0755, 0, 0, n->uid, &err), &err);
	die_on_error(rundir_write_home(fd, n->rundir, n->type, n->uid, n->gid, files, nfiles, &err), &err);
	close(fd);
}

static noreturn void become_and_exec(struct node *n, struct execline *line)
{
	struct kz_err err = { 0 };

	/* The VM's working folder is the release root, as relx's script leaves it. */
	if (chdir(n->rel.root) < 0)
		die_errno(EX_CONFIG, "%s", n->rel.root);
	die_on_error(priv_become(&n->policy, &err), &err);
	die_on_error(fd_cloexec_from_3(&err), &err);
	execve(line->argv.v[0], line->argv.v, line->envp.v);
	die_errno(KZ_EXIT_FAIL, "%s: exec", line->argv.v[0]);
}

static void build_line(struct node *n, const struct args *a, enum execline_mode mode, const char *self,
		       struct execline *line)
{
	struct kz_err err = { 0 };
	struct execline_spec spec = {
		.mode = mode,
		.rel = &n->rel,
		.node = n->name,
		.self = self,
		.sname = n->sname,
		.home = n->home,
		.config = n->config.ini_abs,
		.vm_args = n->vm_args_run,
		.sys_config = n->sys_config_run,
		.code_mode = n->code_mode,
		.crash_dump = n->crash_dump,
		.extra = a->extra,
		.nextra = a->nextra,
	};

	die_on_error(execline_build(&spec, environ, line, &err), &err);
}

int launch_run(const struct args *a)
{
	struct node n;
	struct execline line;
	char *self = NULL;
	/* `start` runs the node with its shell: the helper's pty is its console. */
	enum execline_mode mode = a->action == ACT_FOREGROUND	   ? EXECLINE_FOREGROUND
				  : a->action == ACT_REMOTE_CONSOLE ? EXECLINE_REMSH
								    : EXECLINE_CONSOLE;

	node_resolve_name(&n, a);
	node_resolve_cookie(&n, true);
	node_resolve_release(&n);
	node_resolve_boot_cookie(&n, mode == EXECLINE_REMSH);
	node_resolve_identity(&n);
	if (mode != EXECLINE_REMSH)
		node_resolve_vm(&n);
	node_check_reach(&n, mode == EXECLINE_REMSH);
	if (mode == EXECLINE_REMSH) {
		/* Unique per shell, so two operators can be in the same node at once. */
		if (!(self = fmt_new("kzremsh_%ld_%s", (long)getpid(), n.name)))
			die_errno(KZ_EXIT_FAIL, "remote shell name");
		*strchr(self, '@') = '\0';
	}
	build_line(&n, a, mode, self, &line);
	if (a->dry_run) {
		report_node(&n, (const char *const *)line.argv.v, (const char *const *)line.envp.v);
		return out_flush();
	}
	if (mode == EXECLINE_REMSH) {
		struct kz_err err = { 0 };
		int up = epmd_node_registered(n.name, &err);
		die_on_error(up, &err);
		if (!up)
			die(EX_UNAVAILABLE, "%s: not running", n.name);
	}
	prepare_disk(&n, mode == EXECLINE_REMSH);
	if (a->action == ACT_START)
		return start_node(&n, &line);
	become_and_exec(&n, &line);
}

int read_cookie_run(const struct args *a)
{
	struct node n;

	node_resolve_name(&n, a);
	node_resolve_cookie(&n, false);
	if (!strcmp(n.cookie.rule, "credential"))
		warn_msg("the cookie of the systemd credential %s, not config.ini's", n.cookie.file);
	printf("%s\n", n.cookie.value);
	node_free(&n);
	return out_flush();
}
