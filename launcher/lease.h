/* lease.h: a name of dist.h's set for the length of one call, when kzlaunch connects to the
 * node itself (no helper serves it): two calls must never connect under one name. */
#ifndef KZ_LEASE_H
#define KZ_LEASE_H

#include "err.h"

/* Takes the first free name from DIST_DIRECT_FIRST to DIST_NAMES - 1 as a lock on one byte
 * of call.lock in the folder dir_fd (rundir_open_lease_dir's; `dir` names it in messages), an open file description's
 * lock: it holds until the process ends.  Returns the name, or -1 with err: the file cannot
 * be opened (EX_NOPERM when denied), or every name is in use (KZ_EXIT_FAIL). */
int lease_take(int dir_fd, const char *dir, struct kz_err *err);

#endif
