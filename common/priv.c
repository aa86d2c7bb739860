/* priv.c: the one straight line from the caller's identity to the node's.
 * Never partially succeeds silently: any failed step fails the whole drop, and the
 * caller must not exec after a failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/securebits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "priv.h"

/* Locked so that neither the node nor anything it runs can win back root's powers through
 * uid 0, setuid fix-ups, keep-caps or new ambient capabilities. */
#define PRIV_SECBITS                                                                 \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |             \
	 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |                   \
	 SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static int set_limit(int resource, const char *name, rlim_t value, const char *file,
		     struct kz_err *err)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value }, old;

	if (setrlimit(resource, &rl) == 0)
		return 0;
	if (errno == EPERM && getrlimit(resource, &old) == 0)
		return kz_err_set(err, EX_NOPERM,
				  "%s: %s %llu: above the hard limit %llu, and raising it needs CAP_SYS_RESOURCE",
				  file, name, (unsigned long long)value, (unsigned long long)old.rlim_max);
	return kz_err_errno(err, KZ_EXIT_FAIL, "%s: setrlimit(%s, %llu)", file, name,
			    (unsigned long long)value);
}

int priv_limit_allowed(int resource, rlim_t value, rlim_t *hard)
{
	struct rlimit old;
	cap_flag_value_t has = CAP_CLEAR;
	cap_t caps;

	if (getrlimit(resource, &old) < 0)
		return -1;
	*hard = old.rlim_max;
	if (old.rlim_max == RLIM_INFINITY || (value != RLIM_INFINITY && value <= old.rlim_max))
		return 1;
	caps = cap_get_proc();
	if (!caps)
		return -1;
	int rc = cap_get_flag(caps, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &has);
	cap_free(caps);
	return rc < 0 ? -1 : has == CAP_SET;
}

/* Before the uid switch: raising a hard limit needs CAP_SYS_RESOURCE. */
static int apply_limits(const struct policy *p, struct kz_err *err)
{
	if (p->has_nofile && set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", p->nofile, p->file, err) < 0)
		return -1;
	if (p->has_core && set_limit(RLIMIT_CORE, "RLIMIT_CORE", p->core, p->file, err) < 0)
		return -1;
	if (p->has_umask)
		umask(p->umask);
	return 0;
}

static int switch_ids(const struct policy *p, struct kz_err *err)
{
	uid_t r, e, s;

	if (cap_setgroups(p->gid, p->ngroups, p->groups) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: setting group %u and %zu supplementary groups",
				    p->file, (unsigned)p->gid, p->ngroups);
	/* cap_setuid keeps the permitted set across the switch, so the IAB can still be set. */
	if (cap_setuid(p->uid) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s: setuid(%u)", p->file, (unsigned)p->uid);
	if (getresuid(&r, &e, &s) < 0 || r != p->uid || e != p->uid || s != p->uid)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: uid is not %u after setuid", p->file, (unsigned)p->uid);
	return 0;
}

static bool keeps(const cap_value_t *keep, size_t nkeep, cap_value_t cap)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == cap)
			return true;
	return false;
}

/* Kept capabilities go into inheritable and ambient (so the exec'd VM and its children
 * get them as a non-root user); every other one is blocked from the bounding set, which
 * an IAB leaves full unless told otherwise. */
static int set_iab(const cap_value_t *keep, size_t nkeep, const char *who, struct kz_err *err)
{
	cap_iab_t iab = cap_iab_init();
	int rc = 0;

	if (!iab)
		return kz_err_errno(err, KZ_EXIT_FAIL, "cap_iab_init");
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits() && rc == 0; c++) {
		if (keeps(keep, nkeep, c))
			rc = cap_iab_set_vector(iab, CAP_IAB_INH, c, CAP_SET) |
			     cap_iab_set_vector(iab, CAP_IAB_AMB, c, CAP_SET);
		else
			rc = cap_iab_set_vector(iab, CAP_IAB_BOUND, c, CAP_SET);
	}
	if (rc != 0)
		kz_err_errno(err, KZ_EXIT_FAIL, "%s: building the capability sets", who);
	else if (cap_iab_set_proc(iab) < 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "%s: setting the capability sets", who);
	cap_free(iab);
	return rc;
}

static int raise_effective(cap_value_t cap, struct kz_err *err)
{
	cap_t caps = cap_get_proc();
	int rc = 0;

	if (!caps)
		return kz_err_errno(err, KZ_EXIT_FAIL, "cap_get_proc");
	if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_SET) < 0 || cap_set_proc(caps) < 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "raising %s", "cap_setpcap");
	cap_free(caps);
	return rc;
}

static int lock_securebits(struct kz_err *err)
{
	/* cap_set_secbits needs CAP_SETPCAP effective; it is still permitted, though no longer
	 * in the bounding set, and the exec that follows drops it for good. */
	if (raise_effective(CAP_SETPCAP, err) < 0)
		return -1;
	if (cap_set_secbits(PRIV_SECBITS) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "locking the securebits");
	return 0;
}

static int set_no_new_privs(struct kz_err *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "PR_SET_NO_NEW_PRIVS");
	return 0;
}

static bool have_permitted(cap_value_t cap)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (caps) {
		cap_get_flag(caps, cap, CAP_PERMITTED, &v);
		cap_free(caps);
	}
	return v == CAP_SET;
}

/* Lowering every set needs no privilege; this is what an unprivileged caller can do. */
static int clear_all_caps(struct kz_err *err)
{
	cap_t none = cap_init();
	int rc = 0;

	if (!none)
		return kz_err_errno(err, KZ_EXIT_FAIL, "cap_init");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "clearing the ambient capabilities");
	else if (cap_set_proc(none) < 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "clearing the capabilities");
	cap_free(none);
	return rc;
}

static bool in_groups(gid_t g, const gid_t *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

/* The policy's own user cannot change its groups: they must already be the policy's.  The
 * primary group may also appear in the supplementary list, as initgroups() puts it there. */
static int check_own_groups(const struct policy *p, struct kz_err *err)
{
	gid_t r, e, s, *have = NULL;
	int n = getgroups(0, NULL), rc = 0;

	if (getresgid(&r, &e, &s) < 0 || n < 0 || !(have = calloc((size_t)n + 1, sizeof *have)) ||
	    (n = getgroups(n, have)) < 0) {
		free(have);
		return kz_err_errno(err, KZ_EXIT_FAIL, "reading this process's groups");
	}
	if (r != p->gid || e != p->gid || s != p->gid)
		rc = kz_err_set(err, EX_NOPERM, "%s: the node runs with group %u, this process has %u",
				p->file, (unsigned)p->gid, (unsigned)e);
	for (int i = 0; i < n && rc == 0; i++)
		if (have[i] != p->gid && !in_groups(have[i], p->groups, p->ngroups))
			rc = kz_err_set(err, EX_NOPERM, "%s: this process has group %u, which the policy does not give the node",
					p->file, (unsigned)have[i]);
	for (size_t i = 0; i < p->ngroups && rc == 0; i++)
		if (!in_groups(p->groups[i], have, (size_t)n))
			rc = kz_err_set(err, EX_NOPERM, "%s: the policy gives the node group %u, which this process lacks",
					p->file, (unsigned)p->groups[i]);
	free(have);
	return rc;
}

/* libcap may know names this kernel does not: a capability the node cannot hold is refused,
 * not silently left out of its sets. */
static int check_known_caps(const struct policy *p, struct kz_err *err)
{
	for (size_t i = 0; i < p->ncaps; i++) {
		if (p->caps[i] < (cap_value_t)cap_max_bits())
			continue;
		char *name = cap_to_name(p->caps[i]);
		kz_err_set(err, EX_CONFIG, "%s: capabilities: %s is not known to this kernel", p->file,
			   name ? name : "a capability");
		cap_free(name);
		return -1;
	}
	return 0;
}

int priv_may_become(const struct policy *p, const char *node, struct kz_err *err)
{
	uid_t euid = geteuid();

	if (euid != 0 && euid != p->uid)
		return kz_err_set(err, EX_NOPERM, "%s: %s runs as %s (uid %u); uid %u may not start it",
				  p->file, node, p->user, (unsigned)p->uid, (unsigned)euid);
	return 0;
}

/* No file: the caller runs the node as it is, so there is nothing to switch and nothing to
 * keep; lowering every set and no_new_privs need no privilege. */
static int shed(struct kz_err *err)
{
	if (clear_all_caps(err) < 0)
		return -1;
	return set_no_new_privs(err);
}

int priv_become(const struct policy *p, struct kz_err *err)
{
	uid_t euid = geteuid();

	if (!policy_has_file(p))
		return shed(err);
	if (priv_may_become(p, "the node", err) < 0)
		return -1;
	/* Root without CAP_SETPCAP (a capability bounding set, a container) could neither shrink
	 * the bounding set nor lock the securebits: say so rather than start a looser node. */
	if (euid == 0 && !have_permitted(CAP_SETPCAP))
		return kz_err_set(err, EX_NOPERM, "%s: root lacks cap_setpcap here, so the node's capabilities cannot be locked",
				  p->file);
	if (check_known_caps(p, err) < 0 || apply_limits(p, err) < 0)
		return -1;
	if (euid != 0) {
		/* The policy's own user, unprivileged: it has nothing to keep and cannot grant. */
		if (p->ncaps > 0)
			return kz_err_set(err, EX_NOPERM, "%s: capabilities: only root can give them to the node",
					  p->file);
		if (check_own_groups(p, err) < 0 || clear_all_caps(err) < 0)
			return -1;
		return set_no_new_privs(err);
	}
	if (switch_ids(p, err) < 0 || set_iab(p->caps, p->ncaps, p->file, err) < 0 || lock_securebits(err) < 0)
		return -1;
	return set_no_new_privs(err);
}

int priv_drop_all(const struct policy *p, struct kz_err *err)
{
	/* Not root: the caller is the node's user with the node's groups (priv_become checks
	 * that for the node); there is no identity to switch, only capabilities to shed. */
	if (geteuid() == 0) {
		/* The node's user and group, and nothing else: no supplementary groups, no
		 * capabilities, no limits of the node's. */
		struct policy bare = *p;
		bare.groups = NULL;
		bare.ngroups = 0;
		bare.caps = NULL;
		bare.ncaps = 0;
		bare.has_nofile = bare.has_core = bare.has_umask = false;
		if (priv_become(&bare, err) < 0)
			return -1;
	} else if (set_no_new_privs(err) < 0) {
		return -1;
	}
	/* priv_become leaves the permitted set for the exec to clear; there is no exec here. */
	if (clear_all_caps(err) < 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "PR_SET_DUMPABLE");
	return 0;
}

int priv_drop_caps(struct kz_err *err)
{
	/* As root, uid 0 stays but its powers go: the bounding set emptied and NOROOT locked,
	 * so not even an exec (which the warden's filter forbids anyway) brings them back. */
	if (have_permitted(CAP_SETPCAP) &&
	    (set_iab(NULL, 0, "kzlaunch-helper", err) < 0 || lock_securebits(err) < 0))
		return -1;
	if (clear_all_caps(err) < 0 || set_no_new_privs(err) < 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "PR_SET_DUMPABLE");
	return 0;
}
