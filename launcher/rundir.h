/* rundir.h: the folders kzlaunch owns on disk: RUNDIR, the policy's log folder, and the
 * node's private home in RUNDIR that holds its cookie. */
#ifndef KZ_RUNDIR_H
#define KZ_RUNDIR_H

#include <sys/types.h>

#include "err.h"

/* Opens `dir` as a folder kzlaunch may trust: no component is a symlink, every folder above
 * it belongs to root or the caller and only they can change it (or it is sticky), and `dir`
 * belongs to root or `node_uid` and is writable by no one else.  As root, a missing `dir`
 * is made (mode, uid:gid).  Returns an O_DIRECTORY descriptor, or -1 with err (EX_CONFIG). */
int rundir_open(const char *dir, mode_t mode, uid_t uid, gid_t gid, uid_t node_uid, struct kz_err *err);

/* RUNDIR/REL.home, the node's private HOME; NULL when out of memory. */
char *rundir_home_path(const char *rundir, const char *rel);

/* Writes `cookie` to REL.home/.erlang.cookie under the RUNDIR descriptor (folder 0700, file
 * 0400, both owned by uid:gid) without ever following a symlink.  `rundir` names it in
 * messages. */
int rundir_write_cookie(int rundir_fd, const char *rundir, const char *rel, uid_t uid, gid_t gid,
			const char *cookie, struct kz_err *err);

#endif
