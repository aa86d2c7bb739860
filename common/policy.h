/* policy.h: a node type's policy file (README, "Policy"): who the node runs as, what it
 * keeps, and who may control it.  Every name is resolved to an id at load time, because the
 * sandboxed helper cannot read NSS files later.  Who holds which right is rights.h's. */
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
	unsigned start_timeout; /* seconds `start` waits for the boot to finish; default 120 */
	unsigned watchdog;      /* seconds a booted node may go without answering a call before it
				 * is dumped (SIGUSR1) and killed; 0, the default: off */
	/* `ready = MOD:FUN`: the node is up once MOD:FUN() returns true or ok, after its boot;
	 * empty strings when unset (up once the boot has finished).  Atoms: at most 255 bytes. */
	char ready_mod[256], ready_fun[256];

	/* [control] */
	struct policy_who attach, watch, stop;
	/* `sup`: who may have the helper make Kazoo's sup calls, and `sup_modules`: of which
	 * modules and functions, each item as written ("kz_nodes", "*_maintenance",
	 * "kazoo_maintenance:syslog_level"), in the file's order.  policy_sup_allows() reads them. */
	struct policy_who sup;
	char **sup_modules;
	size_t nsup_modules;
	unsigned stop_timeout; /* seconds; default 30 */

	/* [log] */
	char *log_dir;              /* default /var/log/kazoo */
	unsigned long long log_max_size; /* bytes; default 10M */
	unsigned log_generations;   /* default 10 */
};

/* Returns 0, or -1 with err (EX_CONFIG; 1 when out of memory) naming file, line and key.
 * Nothing at all at `path` (lstat: ENOENT) fails with "PATH: No such file or directory" and
 * errno == ENOENT; every other failure leaves errno != ENOENT (a dangling symlink is such a
 * failure).  Whether a missing policy is an error is the caller's decision (README: at the
 * default path it is not).  On failure *p is left zeroed; policy_free() is safe on it either way.
 *
 * The node never runs as root: a user that resolves to uid 0, a group or supplementary group
 * that resolves to gid 0, and a user whose primary group (the default group) is 0 are refused.
 * nofile above /proc/sys/fs/nr_open (read here; 1048576 when unreadable) is refused.
 * `path` must be a regular file.  When the caller is root (geteuid() == 0) the policy decides
 * what root grants, so it must also be owned by root and writable by nobody else (mode & 022
 * clear), in a folder owned by root and not writable by group or others unless sticky; and
 * `path` itself must not be a symlink (refused, even to a good file: install the file, not a
 * link; symlinks among the folders above it are followed).  Other callers may read their own
 * files and symlinks. */
int policy_load(const char *path, struct policy *p, struct kz_err *err);
/* The policy of a node type that has no file (README: then the caller runs the node, never
 * root): file and user NULL, uid and gid the caller's, every other key at its default, so that
 * "no policy" takes no branch of its own.  0, or -1 with err (1) when out of memory. */
int policy_default(struct policy *p, uid_t uid, gid_t gid, struct kz_err *err);
/* Whether p was read from a file (policy_load) rather than made by policy_default. */
static inline bool policy_has_file(const struct policy *p)
{
	return p->file != NULL;
}
/* The folder for what the node leaves that others must not read (the console log, a crash
 * dump): the policy's log folder; without a file, rundir, which the caller can write where it
 * could not make /var/log/kazoo (README, "Files"). */
static inline const char *policy_log_dir(const struct policy *p, const char *rundir)
{
	return policy_has_file(p) ? p->log_dir : rundir;
}
void policy_free(struct policy *p);

/* Whether an item of p's sup_modules allows MOD:FUN: a module item any function of the
 * modules it matches, a MODULE:FUNCTION item the functions it matches.  A `*` stands for any
 * run of characters, none included.  A name holding anything but ASCII letters, digits, `_`
 * and `@` (the characters an item may spell) matches nothing, so `*` never stands for a quote,
 * a slash or a colon.  Whether the caller holds the sup right is rights.h's. */
bool policy_sup_allows(const struct policy *p, const char *mod, const char *fun);

#endif
