/* reach.h: can the node's user reach the files its VM opens?  kzlaunch, as root, can read
 * anything; the node cannot, and would fail only at exec with a bare "Permission denied". */
#ifndef KZ_REACH_H
#define KZ_REACH_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct reach_item {
	const char *path;
	int mode; /* for access(2): R_OK, X_OK or both */
};

/* Asks the kernel, in a child that has become uid, gid and exactly `groups` (so the caller
 * must be root), whether each path allows its mode.  Returns 0, or -1 with err (EX_CONFIG)
 * naming the first path refused, the folder that stops it, and `user`. */
int reach_check(const struct reach_item *items, size_t nitems, uid_t uid, gid_t gid, const gid_t *groups,
		size_t ngroups, const char *user, struct kz_err *err);

#endif
