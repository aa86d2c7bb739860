/* sandbox.h: the helper's seccomp allow-list.  The one file that says which system calls
 * the console owner may make once it has dropped its privileges, and why each. */
#ifndef KZ_SANDBOX_H
#define KZ_SANDBOX_H

#include <sys/types.h>

#include "err.h"

/* Loads the filter for the rest of this process's life.  `node` is the only process it may
 * signal (SIGTERM, SIGKILL; also its process group -node).  Any call not allowed kills the
 * process with SIGSYS.  Needs no_new_privs already set (it sets it if not). */
int sandbox_enter(pid_t node, struct kz_err *err);

#endif
