/* policy.h: a node type's policy file (SPEC.md, "Privileges"): who the node runs as, what it
 * keeps, and who may control it.  Every name is resolved to an id at load time, because the
 * sandboxed helper cannot read NSS files later. */
#ifndef KZ_POLICY_H
#define KZ_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "err.h"

struct policy_who {
	uid_t *uids;
	size_t nuids;
	gid_t *gids; /* from @group entries */
	size_t ngids;
};

struct policy {
	char *file;

	/* [node] */
	char *user;     /* the name as written, for messages */
	uid_t uid;
	gid_t gid;      /* `group`, else the user's primary group */
	gid_t *groups;  /* `groups`, exactly; none by default */
	size_t ngroups;
	cap_value_t *caps; /* `capabilities` kept by the node; none by default */
	size_t ncaps;
	bool has_nofile;
	rlim_t nofile;  /* soft and hard */
	bool has_core;
	rlim_t core;    /* RLIM_INFINITY for "unlimited" */
	bool has_umask;
	mode_t umask;

	/* [control] */
	struct policy_who attach, watch, stop;
	unsigned stop_timeout; /* seconds; default 30 */

	/* [log] */
	char *log_dir;              /* default /var/log/kazoo */
	unsigned long long log_max_size; /* bytes; default 10M */
	unsigned log_generations;   /* default 10 */
};

/* Returns 0, or -1 with err (EX_CONFIG; 1 when out of memory) naming file, line and key.
 * Nothing at all at `path` fails with "PATH: No such file or directory" and errno == ENOENT;
 * every other failure leaves errno != ENOENT (a dangling symlink is such a failure).  Whether
 * a missing policy is an error is the caller's decision (SPEC.md: at the default path it is not).
 * On failure *p is left zeroed; policy_free() is safe on it either way. */
int policy_load(const char *path, struct policy *p, struct kz_err *err);
void policy_free(struct policy *p);

/* True when a peer with these credentials is named in `who` (by uid, primary or
 * supplementary group).  Root is not special here; callers decide that. */
bool policy_who_allows(const struct policy_who *who, uid_t uid, gid_t gid,
		       const gid_t *groups, size_t ngroups);

#endif
