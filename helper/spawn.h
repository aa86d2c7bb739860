/* spawn.h: the node's console: a pty whose master the helper keeps, and the node forked onto
 * its slave with the policy's identity. */
#ifndef KZ_SPAWN_H
#define KZ_SPAWN_H

#include <signal.h>
#include <sys/types.h>

#include "err.h"
#include "policy.h"

struct spawn_spec {
	char **argv;
	char **envp;
	const char *cwd;
	const struct policy *policy; /* without a file (policy_default): the caller, no capabilities */
	const sigset_t *mask;        /* the mask to restore in the node */
};

/* Opens a pty (both ends close-on-exec, master non-blocking, 80x24). */
int spawn_pty(int *master, int *slave, struct kz_err *err);

/* Forks the node onto `slave` as its controlling terminal and stdin/stdout/stderr, drops
 * it to the policy's identity and execs.  Returns its pid once the exec has succeeded;
 * -1 with err carrying the child's reason (its status and message) when it failed. */
pid_t spawn_node(int master, int slave, const struct spawn_spec *spec, struct kz_err *err);

#endif
