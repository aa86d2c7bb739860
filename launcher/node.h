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

struct node {
	const struct args *args;
	char *host;
	char *name;            /* REL@host */
	bool sname;
	struct config_paths config;
	struct cookie_source cookie;
	struct release rel;
	char *policy_path;     /* the file read, or the default that did not exist */
	bool has_policy;
	struct policy policy;
	uid_t uid;             /* the identity the VM runs as */
	gid_t gid;
	char *home;            /* RUNDIR/REL.home */
};

/* Each step dies with the SPEC's status and one line on failure. */
void node_resolve_name(struct node *n, const struct args *a);
void node_resolve_cookie(struct node *n);
void node_resolve_release(struct node *n);
void node_resolve_identity(struct node *n);
void node_free(struct node *n);

/* --dry-run: one fact a line on stdout; never the cookie. */
void node_report(const struct node *n, const char *const *argv, const char *const *envp);

#endif
