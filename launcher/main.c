/* main.c: kzlaunch's outline.  Parse the command line, run its action's row (actions.h),
 * exit with what the runner returns: the one exit of a successful action. */
#define _GNU_SOURCE
#include <string.h>

#include "actions.h"
#include "args.h"
#include "die.h"
#include "fd.h"

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
	return action_of(a.action)->run(&a);
}
