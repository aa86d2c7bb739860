/* priv.h: becoming the node's identity as its policy says (README, "Policy").
 * The order matters and is kept in one place: limits, groups, uid, capabilities,
 * securebits, no_new_privs.  The caller then execs. */
#ifndef KZ_PRIV_H
#define KZ_PRIV_H

#include "err.h"
#include "policy.h"

/* Whether this process may become p's user: root may, and the policy's user itself; anyone
 * else fails with EX_NOPERM, naming `node` ("the node", or its name) and both uids. */
int priv_may_become(const struct policy *p, const char *node, struct kz_err *err);

/* Run as root: switch to the policy's user, group and exactly its supplementary groups.
 * Run as the policy's user: the same minus the switch.  Either way, keep exactly the
 * policy's capabilities in every set (bounding included), lock the securebits, set
 * no_new_privs and apply the rlimits and umask.  Fails with EX_NOPERM when the caller
 * is neither root nor the policy's user, or cannot keep what the policy lists.
 * A policy without a file (policy_default) is the caller as it is: it only sheds every
 * capability and sets no_new_privs, which needs no privilege. */
int priv_become(const struct policy *p, struct kz_err *err);
/* Whether priv_become could set resource to value (soft and hard) in this process as it is
 * now: 1 yes; 0 no, with the hard limit in the way in *hard (raising it needs
 * CAP_SYS_RESOURCE, which this process lacks); -1 with errno when it cannot tell.  Changes
 * nothing: for --dry-run. */
int priv_limit_allowed(int resource, rlim_t value, rlim_t *hard);

/* The helper and the calls: as root, p's user and group with no supplementary groups;
 * otherwise the caller as it is (p is not read).  Either way no capabilities in any set,
 * no_new_privs, not dumpable. */
int priv_drop_all(const struct policy *p, struct kz_err *err);

/* The helper's warden: the caller's uid, kept (root's, so that it may remove the socket
 * from root's RUNDIR), with no capability in any set, no_new_privs, not dumpable. */
int priv_drop_caps(struct kz_err *err);

#endif
