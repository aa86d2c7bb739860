/* tests/unit/actions.c: the action table (launcher/actions.c) as args_parse applies it, one
 * row per command line: what each action accepts and refuses, and with which status. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actions.h"
#include "args.h"
#include "array.h"
#include "../tap.h"

#define WORDS_MAX 8

struct line_case {
	const char *argv[WORDS_MAX]; /* after "kzlaunch"; NULL-ended */
	int status;                  /* 0: accepted; else args_parse's exit status */
};

static const struct line_case rows[] = {
	/* every action, alone */
	{ { "kazoo_apps", "console" }, 0 },
	{ { "kazoo_apps", "foreground" }, 0 },
	{ { "kazoo_apps", "start" }, 0 },
	{ { "kazoo_apps", "attach" }, 0 },
	{ { "kazoo_apps", "stop" }, 0 },
	{ { "kazoo_apps", "restart" }, 0 },
	{ { "--dry-run", "kazoo_apps", "restart" }, 64 },
	{ { "-t", "5", "kazoo_apps", "restart" }, 64 },
	{ { "kazoo_apps", "restart", "--", "+K", "true" }, 64 },
	{ { "kazoo_apps", "restart", "now" }, 64 },
	{ { "kazoo_apps", "status" }, 0 },
	{ { "kazoo_apps", "pid" }, 0 },
	{ { "kazoo_apps", "remote_console" }, 0 },
	{ { "kazoo_apps", "read-release-cookie" }, 0 },
	{ { "kazoo_apps", "ping" }, 0 },
	{ { "kazoo_apps", "help" }, 0 },
	{ { "kazoo_apps", "version" }, 0 },
	{ { "kazoo_apps", "restart_later" }, 64 },
	/* --dry-run: the launches */
	{ { "--dry-run", "kazoo_apps", "console" }, 0 },
	{ { "--dry-run", "kazoo_apps", "foreground" }, 0 },
	{ { "--dry-run", "kazoo_apps", "start" }, 0 },
	{ { "--dry-run", "kazoo_apps", "remote_console" }, 0 },
	{ { "--dry-run", "kazoo_apps", "attach" }, 64 },
	{ { "--dry-run", "kazoo_apps", "stop" }, 64 },
	{ { "--dry-run", "kazoo_apps", "status" }, 64 },
	{ { "--dry-run", "kazoo_apps", "read-release-cookie" }, 64 },
	{ { "--dry-run", "kazoo_apps", "ping" }, 64 },
	/* extra VM arguments: the launches that boot a node */
	{ { "kazoo_apps", "console", "--", "+K", "true" }, 0 },
	{ { "kazoo_apps", "foreground", "--", "+K", "true" }, 0 },
	{ { "kazoo_apps", "start", "--", "+K", "true" }, 0 },
	{ { "kazoo_apps", "remote_console", "--", "+K", "true" }, 64 },
	{ { "kazoo_apps", "attach", "--", "+K", "true" }, 64 },
	{ { "kazoo_apps", "stop", "--", "+K", "true" }, 64 },
	/* --read-only: attach */
	{ { "--read-only", "kazoo_apps", "attach" }, 0 },
	{ { "--read-only", "kazoo_apps", "console" }, 64 },
	{ { "--read-only", "kazoo_apps", "status" }, 64 },
	/* --all: status */
	{ { "--all", "status" }, 0 },
	{ { "--all", "kazoo_apps", "pid" }, 64 },
	{ { "--all", "kazoo_apps", "stop" }, 64 },
	/* -t and -v: the calls */
	{ { "-t", "5", "kazoo_apps", "ping" }, 0 },
	{ { "-t", "5", "kazoo_apps", "sup", "m", "f" }, 0 },
	{ { "-t", "5", "kazoo_apps", "stop" }, 64 },
	{ { "-t", "5", "kazoo_apps", "console" }, 64 },
	{ { "-v", "kazoo_apps", "eval", "ok." }, 0 },
	{ { "-v", "kazoo_apps", "status" }, 64 },
	{ { "-t", "86401", "kazoo_apps", "ping" }, 64 },
	{ { "-t", "+5", "kazoo_apps", "ping" }, 64 },
	/* a call's own words */
	{ { "kazoo_apps", "ping", "x" }, 64 },
	{ { "kazoo_apps", "eval" }, 64 },
	{ { "kazoo_apps", "eval", "ok." }, 0 },
	{ { "kazoo_apps", "eval", "ok.", "more." }, 64 },
	{ { "kazoo_apps", "rpcterms", "m" }, 64 },
	{ { "kazoo_apps", "rpcterms", "m", "f" }, 0 },
	{ { "kazoo_apps", "rpcterms", "m", "f", "a. b." }, 0 },
	{ { "kazoo_apps", "rpcterms", "m", "f", "a.", "b." }, 64 },
	{ { "kazoo_apps", "rpc", "m" }, 64 },
	{ { "kazoo_apps", "rpc", "m", "f" }, 0 },
	{ { "kazoo_apps", "rpc", "m", "f", "1", "-2", "--", "x" }, 0 },
	{ { "kazoo_apps", "sup", "m" }, 64 },
	{ { "kazoo_apps", "sup", "m", "f", "a", "b" }, 0 },
	/* words after a call are its own: an option there is an argument */
	{ { "kazoo_apps", "rpc", "m", "f", "--dry-run" }, 0 },
	/* the actions that take no words take none */
	{ { "kazoo_apps", "stop", "now" }, 64 },
};

/* args_parse in a child: it exits on a refusal, and 0 here means it returned. */
static int parse_status(const struct line_case *r)
{
	const char *argv[WORDS_MAX + 2] = { "kzlaunch" };
	int argc = 1, st;

	for (size_t i = 0; i < WORDS_MAX && r->argv[i]; i++)
		argv[argc++] = r->argv[i];
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct args a;
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		args_parse(argc, (char **)argv, &a);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void describe(const struct line_case *r, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < WORDS_MAX && r->argv[i] && used + 1 < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "", r->argv[i]);
}

int main(void)
{
	char line[256];

	unsetenv("REL");
	unsetenv("ACT");
	unsetenv("ERL_EPMD_PORT");
	unsetenv("KAZOO_NODE");
	unsetenv("KZLAUNCH_RUNDIR");
	tap_plan((unsigned)COUNT(rows) + 3);
	for (size_t i = 0; i < COUNT(rows); i++) {
		describe(&rows[i], line, sizeof line);
		tap_ok(parse_status(&rows[i]) == rows[i].status, "kzlaunch %s: %s", line,
		       rows[i].status ? "refused" : "accepted");
	}
	const struct action_def *d = action_find("sup");
	tap_ok(d && d->act == ACT_SUP && (d->accepts & ACCEPTS_CALL) && d->run, "sup's row is a call with a runner");
	tap_ok(!action_find("restart_later") && !action_find(""), "no row for an unknown word");
	tap_ok(action_of(ACT_STATUS) == action_find("status"), "action_of finds the row args_parse took");
	return tap_done();
}
