/* actions.h: every action of kzlaunch, a row each: its word, what it accepts, who it needs
 * and the function that runs it (README, "Command line").  Adding an action is a row in
 * actions.c and a runner in the file of its kind; args.c refuses what a row does not accept,
 * and main runs the row. */
#ifndef KZ_ACTIONS_H
#define KZ_ACTIONS_H

#include <stdbool.h>

#include "args.h"

/* What an action accepts beyond REL, -c, -r, -p, -d and -n, which every action takes. */
enum {
	ACCEPTS_DRY_RUN = 1 << 0,   /* --dry-run */
	ACCEPTS_VM_ARGS = 1 << 1,   /* -- EXTRA_ERL_ARGS */
	ACCEPTS_READ_ONLY = 1 << 2, /* --read-only */
	ACCEPTS_ALL = 1 << 3,       /* --all */
	ACCEPTS_CALL = 1 << 4,      /* -t, -v, and every word after the action as the call's own */
};

struct action_def {
	const char *name;
	enum action act;
	unsigned accepts;
	/* A call's own words: at least min, at most max (-1: any); usage says what they are. */
	int min_words, max_words;
	const char *usage;
	/* Who may run it (README, "Rights"): root or the node's user for a launch, else the
	 * right the helper checks. */
	const char *needs;
	/* Returns the exit status: runners never exit, so actions can be combined. */
	int (*run)(const struct args *a);
};

/* The row named `name`, NULL when there is none. */
const struct action_def *action_find(const char *name);
/* The row of an action. */
const struct action_def *action_of(enum action act);
/* Exits 64 with one line when a holds an option or words its action does not accept. */
void action_check(const struct args *a);
/* For a runner's end: what was printed must have been written (a full disk or a closed pipe
 * is an error, one line and 1).  KZ_EXIT_OK. */
int out_flush(void);

#endif
