/* main.c: kzlaunch's outline.  Resolve, prepare, become the node's user, exec.
 * Nothing here parses, writes a file or drops a privilege by itself. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdnoreturn.h>
#include <string.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "args.h"
#include "call.h"
#include "control.h"
#include "die.h"
#include "epmd.h"
#include "execline.h"
#include "fd.h"
#include "fmt.h"
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
	die_on_error(fd = rundir_open(n->args->rundir, 0755, 0, 0, n->uid, &err), &err);
	die_on_error(rundir_write_home(fd, n->args->rundir, n->args->rel, n->uid, n->gid, files, nfiles, &err), &err);
	close(fd);
}

/* What was printed must have been written: a full disk or a closed pipe is an error. */
static void flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno(KZ_EXIT_FAIL, "stdout");
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

static void build_line(struct node *n, enum execline_mode mode, const char *self, struct execline *line)
{
	struct kz_err err = { 0 };
	struct execline_spec spec = {
		.mode = mode,
		.rel = &n->rel,
		.node = n->name,
		.self = self,
		.sname = n->sname,
		.home = n->home,
		.config = n->config.ini,
		.vm_args = n->vm_args_run,
		.sys_config = n->sys_config_run,
		.code_mode = n->code_mode,
		.crash_dump = n->crash_dump,
		.extra = n->args->extra,
		.nextra = n->args->nextra,
	};

	die_on_error(execline_build(&spec, environ, line, &err), &err);
}

static noreturn void run_launch(const struct args *a)
{
	struct node n;
	struct execline line;
	char *self = NULL;
	/* `start` runs the node with its shell: the helper's pty is its console. */
	enum execline_mode mode = a->action == ACT_FOREGROUND	   ? EXECLINE_FOREGROUND
				  : a->action == ACT_REMOTE_CONSOLE ? EXECLINE_REMSH
								    : EXECLINE_CONSOLE;

	node_resolve_name(&n, a);
	node_resolve_cookie(&n);
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
	build_line(&n, mode, self, &line);
	if (a->dry_run) {
		report_node(&n, (const char *const *)line.argv.v, (const char *const *)line.envp.v);
		flush_stdout();
		exit(KZ_EXIT_OK);
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
		start_node(&n, &line);
	become_and_exec(&n, &line);
}

static noreturn void run_control(const struct args *a)
{
	struct node n;

	if (a->all)
		control_status_all(a);
	node_resolve_name(&n, a);
	control_run(&n, a);
}

static noreturn void run_read_cookie(const struct args *a)
{
	struct node n;

	node_resolve_name(&n, a);
	node_resolve_cookie(&n);
	printf("%s\n", n.cookie.value);
	flush_stdout();
	node_free(&n);
	exit(KZ_EXIT_OK);
}

int main(int argc, char **argv)
{
	struct args a;
	struct kz_err err = { 0 };

	/* Run as `sup` (a link), kzlaunch takes Kazoo's sup command line. */
	const char *base = strrchr(argv[0], '/');
	bool as_sup = !strcmp(base ? base + 1 : argv[0], "sup");

	die_init(as_sup ? "sup" : "kzlaunch");
	die_on_error(fd_ensure_std(&err), &err);
	if (as_sup)
		args_parse_sup(argc, argv, &a);
	else
		args_parse(argc, argv, &a);

	switch (a.action) {
	case ACT_HELP:
		if (as_sup)
			args_usage_sup();
		else
			args_usage();
		flush_stdout();
		return KZ_EXIT_OK;
	case ACT_VERSION:
		printf("kzlaunch %s\n", KZ_VERSION);
		return KZ_EXIT_OK;
	case ACT_READ_COOKIE:
		run_read_cookie(&a);
	case ACT_CONSOLE:
	case ACT_FOREGROUND:
	case ACT_REMOTE_CONSOLE:
	case ACT_START:
		run_launch(&a);
	case ACT_PING:
	case ACT_RPC:
	case ACT_RPCTERMS:
	case ACT_EVAL:
	case ACT_SUP:
		call_run(&a);
	case ACT_ATTACH:
	case ACT_STOP:
	case ACT_STATUS:
	case ACT_PID:
		run_control(&a);
	}
	die(KZ_EXIT_FAIL, "%s: unknown action", a.action_name);
}
