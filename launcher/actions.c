/* actions.c: the table of actions, and the refusals it implies. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "array.h"
#include "attach.h"
#include "call.h"
#include "die.h"
#include "launch.h"
#include "status.h"
#include "usage.h"

static int run_help(const struct args *a);
static int run_version(const struct args *a);

#define LAUNCH "root, or the policy's user (the caller without a policy)"

static const struct action_def actions[] = {
	{ "console", ACT_CONSOLE, ACCEPTS_DRY_RUN | ACCEPTS_VM_ARGS, 0, 0, NULL, LAUNCH, launch_run },
	{ "foreground", ACT_FOREGROUND, ACCEPTS_DRY_RUN | ACCEPTS_VM_ARGS, 0, 0, NULL, LAUNCH, launch_run },
	{ "start", ACT_START, ACCEPTS_DRY_RUN | ACCEPTS_VM_ARGS, 0, 0, NULL, LAUNCH, launch_run },
	{ "attach", ACT_ATTACH, ACCEPTS_READ_ONLY, 0, 0, NULL, "the attach right; --read-only: watch", attach_run },
	{ "stop", ACT_STOP, 0, 0, 0, NULL, "the stop right", stop_run },
	{ "restart", ACT_RESTART, 0, 0, 0, NULL, "the stop right", restart_run },
	{ "status", ACT_STATUS, ACCEPTS_ALL, 0, 0, NULL, "any right", status_run },
	{ "pid", ACT_PID, 0, 0, 0, NULL, "any right", pid_run },
	{ "remote_console", ACT_REMOTE_CONSOLE, ACCEPTS_DRY_RUN, 0, 0, NULL, "whoever can read the cookie",
	  launch_run },
	{ "read-release-cookie", ACT_READ_COOKIE, 0, 0, 0, NULL, "whoever can read config.ini", read_cookie_run },
	{ "ping", ACT_PING, ACCEPTS_CALL, 0, 0, "ping takes no arguments", "any right", call_run },
	{ "rpc", ACT_RPC, ACCEPTS_CALL, 2, -1, "usage: kzlaunch [REL] rpc MODULE FUNCTION [ARG...]",
	  "the attach right", call_run },
	{ "rpcterms", ACT_RPCTERMS, ACCEPTS_CALL, 2, 3,
	  "usage: kzlaunch [REL] rpcterms MODULE FUNCTION ['TERM. TERM. ...']", "the attach right", call_run },
	{ "eval", ACT_EVAL, ACCEPTS_CALL, 1, 1, "usage: kzlaunch [REL] eval 'EXPRESSIONS.'", "the attach right",
	  call_run },
	{ "sup", ACT_SUP, ACCEPTS_CALL, 2, -1, "usage: kzlaunch [REL] sup MODULE FUNCTION [ARG...]",
	  "the sup right for that function (attach gives it for all)", call_run },
	{ "help", ACT_HELP, 0, 0, 0, NULL, "anyone", run_help },
	{ "version", ACT_VERSION, 0, 0, 0, NULL, "anyone", run_version },
};

const struct action_def *action_find(const char *name)
{
	for (size_t i = 0; i < COUNT(actions); i++)
		if (!strcmp(actions[i].name, name))
			return &actions[i];
	return NULL;
}

const struct action_def *action_of(enum action act)
{
	for (size_t i = 0; i < COUNT(actions); i++)
		if (actions[i].act == act)
			return &actions[i];
	die(KZ_EXIT_FAIL, "action %d has no row", (int)act);
}

/* "WHAT applies to A, B and C only", the actions named from the rows that accept `flag`. */
static noreturn void refuse(unsigned flag, const char *what, const char *verb)
{
	char list[256] = "";
	size_t n = 0, seen = 0;

	for (size_t i = 0; i < COUNT(actions); i++)
		n += (actions[i].accepts & flag) != 0;
	for (size_t i = 0; i < COUNT(actions); i++) {
		if (!(actions[i].accepts & flag))
			continue;
		const char *sep = seen == 0 ? "" : seen + 1 == n ? " and " : ", ";
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%s%s", sep, actions[i].name);
		seen++;
	}
	die(EX_USAGE, "%s %s to %s only", what, verb, list);
}

void action_check(const struct args *a)
{
	const struct action_def *d = action_of(a->action);
	int words = a->ncall;

	if (a->read_only && !(d->accepts & ACCEPTS_READ_ONLY))
		refuse(ACCEPTS_READ_ONLY, "--read-only", "applies");
	if (a->all && !(d->accepts & ACCEPTS_ALL))
		refuse(ACCEPTS_ALL, "--all", "applies");
	if (a->dry_run && !(d->accepts & ACCEPTS_DRY_RUN))
		refuse(ACCEPTS_DRY_RUN, "--dry-run", "applies");
	if (a->nextra && !(d->accepts & ACCEPTS_VM_ARGS))
		refuse(ACCEPTS_VM_ARGS, "extra VM arguments", "apply");
	if (a->timeout >= 0 && !(d->accepts & ACCEPTS_CALL))
		refuse(ACCEPTS_CALL, "-t", "applies");
	if (a->verbose && !(d->accepts & ACCEPTS_CALL))
		refuse(ACCEPTS_CALL, "-v", "applies");
	if ((d->accepts & ACCEPTS_CALL) && (words < d->min_words || (d->max_words >= 0 && words > d->max_words)))
		die(EX_USAGE, "%s", d->usage);
}

int out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno(KZ_EXIT_FAIL, "stdout");
	return KZ_EXIT_OK;
}

static int run_help(const struct args *a)
{
	if (a->sup_command_line)
		usage_sup();
	else
		usage_kzlaunch();
	return out_flush();
}

static int run_version(const struct args *a)
{
	(void)a;
	printf("kzlaunch %s\n", KZ_VERSION);
	return out_flush();
}
