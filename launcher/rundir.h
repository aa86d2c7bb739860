/* rundir.h: the folders kzlaunch owns on disk: RUNDIR, the policy's log folder, and the
 * node's private home in RUNDIR that holds its cookie. */
#ifndef KZ_RUNDIR_H
#define KZ_RUNDIR_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* A path kzlaunch may own: none of its components is ".." (README, "Files"): the folders on
 * the way are checked going down, and ".." would climb back out of one.  0, or -1 with err
 * (EX_CONFIG, naming the path).  rundir_open applies it; kzlaunch's arguments apply
 * it to RUNDIR first, so actions that never open RUNDIR refuse it too. */
int rundir_check_path(const char *dir, struct kz_err *err);

/* Opens `dir` as a folder kzlaunch may trust: no component is a symlink, every folder above
 * it belongs to root or the caller and only they can change it (or it is sticky), and `dir`
 * belongs to root or `node_uid` and is writable by no one else.  As root, a missing `dir`
 * is made (mode, uid:gid).  Returns an O_DIRECTORY descriptor, or -1 with err (EX_CONFIG). */
int rundir_open(const char *dir, mode_t mode, uid_t uid, gid_t gid, uid_t node_uid, struct kz_err *err);

/* RUNDIR/REL.home, the node's private HOME; NULL when out of memory. */
char *rundir_home_path(const char *rundir, const char *rel);

/* The folder where a direct call leases its name (lease.h), opened once, never through a
 * symlink, and only as a folder that its owner alone can enter, so that the node's user, who
 * may own RUNDIR, cannot point root's files elsewhere: RUNDIR/REL.home (the node's user's or
 * root's) for a node kzlaunch started; for one it did not, as root, RUNDIR/REL.calls, root's
 * own, made with RUNDIR when missing.  The descriptor, with *path the folder's (allocated);
 * -1 with err: EX_CONFIG for a folder that is not that,
 * EX_NOPERM when denied, KZ_EXIT_FAIL when there is none (a caller other than root). */
int rundir_open_lease_dir(const char *rundir, const char *rel, uid_t node_uid, char **path, struct kz_err *err);

/* A file of the node's private home: its name there and its contents. */
struct rundir_file {
	const char *name; /* ".erlang.cookie", "vm.args", "sys.config" */
	const char *data;  /* NULL: this launch has none, and a copy an earlier one left is removed */
	size_t len;
};

/* Writes each file into REL.home under the RUNDIR descriptor (folder 0700, files 0400, all
 * owned by uid:gid), each beside its old self and renamed over it, never through a symlink.
 * `rundir` names it in messages. */
int rundir_write_home(int rundir_fd, const char *rundir, const char *rel, uid_t uid, gid_t gid,
		      const struct rundir_file *files, size_t nfiles, struct kz_err *err);

#endif
