/* node.h: everything resolved about one node before anything is written or exec'd:
 * its name, cookie and where it came from, its release, and the identity it runs as. */
#ifndef KZ_NODE_H
#define KZ_NODE_H

#include <stdbool.h>
#include <sys/types.h>

#include "args.h"
#include "config.h"
#include "cookie.h"
#include "policy.h"
#include "release.h"
#include "vmfiles.h"

struct node {
	/* What the command line said (args.h), as values: nothing below asks which action runs. */
	const char *type;      /* REL, the node type */
	const char *rundir;
	const char *config_arg; /* -c, KAZOO_CONFIG; NULL: the default search */
	const char *root_arg;  /* -r, KAZOO_ROOT; NULL: the default */
	const char *policy_arg; /* -p, KZLAUNCH_POLICY; NULL: /etc/kzlaunch/REL.policy */
	char *host;
	char *name;            /* REL@host */
	bool sname;
	struct config_paths config;
	struct cookie_source cookie;
	char *later_cookie;    /* the one Kazoo's kazoo_apps_init sets once the node is up; NULL: none */
	struct release rel;
	char *policy_path;     /* the file read, or the default that did not exist */
	struct policy policy;
	uid_t uid;             /* the identity the VM runs as */
	gid_t gid;
	char *home;            /* RUNDIR/REL.home */

	/* node_resolve_vm: what a node (not a remote shell) boots with */
	struct vmfiles vm;
	char *vm_args_run;     /* HOME/vm.args, the flat copy */
	char *sys_config_run;  /* HOME/sys.config when ${VAR}s were replaced, else vm.sys_config */
	const char *code_mode; /* CODE_LOADING_MODE: "embedded" (default) or "interactive" */
	char *crash_dump;      /* ERL_CRASH_DUMP: the caller's, else in the log folder */
};

/* Each step dies with its documented exit status (README, "Exit status") and one line on failure. */
void node_resolve_name(struct node *n, const struct args *a);
/* env_cookie: KAZOO_COOKIE, when set, is the cookie (the launch actions; read-release-cookie
 * shows the file's). */
void node_resolve_cookie(struct node *n, bool env_cookie);
void node_resolve_release(struct node *n);
/* After the release: when the release holds Kazoo's kazoo_apps_init, which sets the cookie
 * again at boot, warns when that cookie is not the one resolved (naming lines, never the
 * cookie) and keeps it as later_cookie; a remote shell (remsh) takes it as its cookie. */
void node_resolve_boot_cookie(struct node *n, bool remsh);
/* An explicit policy (-p) must exist; at the default path, nothing at all there (not even a
 * dangling symlink) means no policy: then the node has policy_default's, the caller's
 * identity (never root's). */
void node_resolve_policy(struct node *n);
void node_resolve_identity(struct node *n);
/* After identity: the vm.args, sys.config, code loading mode and crash dump of a node. */
void node_resolve_vm(struct node *n);
/* As root with a policy: the node's user can reach the release and the files it boots with
 * (reach.h), else one line naming the file, the folder that stops it and the user (78). */
void node_check_reach(const struct node *n, bool remsh);
void node_free(struct node *n);

#endif
