/* rundir.h: the folders kzlaunch owns on disk: RUNDIR, the policy's log folder, and the
 * node's private home in RUNDIR that holds its cookie. */
#ifndef KZ_RUNDIR_H
#define KZ_RUNDIR_H

#include <sys/types.h>

#include "err.h"

/* As root, creates `dir` when missing (mode, owner uid:gid); refuses a symlink or a folder
 * owned by anyone but root or `node_uid` (EX_CONFIG).  Not root: `dir` must exist. */
int rundir_ensure(const char *dir, mode_t mode, uid_t uid, gid_t gid, uid_t node_uid,
		  struct kz_err *err);

/* RUNDIR/REL.home, the node's private HOME; NULL when out of memory. */
char *rundir_home_path(const char *rundir, const char *rel);

/* Writes `cookie` to RUNDIR/REL.home/.erlang.cookie (folder 0700, file 0400, both owned by
 * uid:gid) without ever following a symlink, and returns the folder's path in *home. */
int rundir_write_cookie(const char *rundir, const char *rel, uid_t uid, gid_t gid,
			const char *cookie, char **home, struct kz_err *err);

#endif
