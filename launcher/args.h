/* args.h: the command line and the environment variables that stand for its options
 * (README, "Command line").  Parsing only: nothing here touches a file. */
#ifndef KZ_ARGS_H
#define KZ_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define ARGS_REL_MAX 64

enum action {
	ACT_CONSOLE,
	ACT_FOREGROUND,
	ACT_START,
	ACT_ATTACH,
	ACT_STOP,
	ACT_STATUS,
	ACT_PID,
	ACT_REMOTE_CONSOLE,
	ACT_READ_COOKIE,
	ACT_PING,
	ACT_RPC,
	ACT_RPCTERMS,
	ACT_EVAL,
	ACT_SUP,
	ACT_RESTART,
	ACT_HELP,
	ACT_VERSION,
};

struct args {
	const char *rel;
	enum action action;
	const char *action_name;
	const char *config;     /* -c, KAZOO_CONFIG; NULL: the default search */
	const char *root;       /* -r, KAZOO_ROOT; NULL: the default */
	const char *policy;     /* -p, KZLAUNCH_POLICY; NULL: /etc/kzlaunch/REL.policy if it exists */
	const char *rundir;     /* -d, KZLAUNCH_RUNDIR */
	const char *node;       /* -n, KAZOO_NODE; NULL: REL@host */
	bool dry_run;
	bool all;               /* status --all, or status with no REL given: every node type */
	bool read_only;         /* attach --read-only */
	int escape;             /* attach -e: detach key, default ^D */
	char **extra;           /* after --: appended to the VM's arguments */
	int nextra;
	char **call;            /* ping, rpc, rpcterms, eval, sup: every word after the action */
	int ncall;
	long timeout;           /* -t SECONDS of a call; 0 none; -1 the action's default */
	bool verbose;           /* -v: calls say what they cannot prove; sup as Kazoo's -v */
	const char *cookie;     /* sup -c COOKIE: a cookie the caller put on its command line */
	bool sup_command_line;  /* run as `sup`: Kazoo's sup command line, its help and statuses */
};

/* Fills `a` from argv and the environment; exits 64 with one line on a bad command line or
 * a bad value of ERL_EPMD_PORT, -n, or a call's module or function, 78 on a RUNDIR with "..",
 * whatever the action (but help and version). */
void args_parse(int argc, char **argv, struct args *a);
/* The same for Kazoo's sup command line, when kzlaunch runs as `sup`: its own refusals are
 * 1, as Kazoo's sup's are; the values above are refused as above. */
void args_parse_sup(int argc, char **argv, struct args *a);
/* $name when set and not empty, else fallback. */
const char *args_env(const char *name, const char *fallback);
/* Whether the first len bytes of s name a node type: [a-z][a-z0-9_]*, at most ARGS_REL_MAX
 * bytes (README, "Command line").  The one rule for REL, wherever a name comes from. */
bool args_rel_valid(const char *s, size_t len);

#endif
