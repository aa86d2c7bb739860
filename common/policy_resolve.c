/* policy_resolve.c: the policy's names to ids, through NSS, once at load time (the sandboxed
 * helper cannot read NSS files later).  It never decides what an id may be: that is
 * policy_check.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "nss.h"
#include "policy_int.h"

static bool numeric(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

int policy_resolve_user(struct policy_loader *ld, const char *v, uid_t *uid, bool *has_primary,
			gid_t *primary)
{
	gid_t gid = 0;
	unsigned long long n;
	int rc;

	if (!*v)
		return policy_fail(ld, "empty user name");
	if (numeric(v)) {
		/* A number is an id, with or without a passwd entry (containers, LDAP outages). */
		if (policy_number(ld, v, 0, POLICY_ID_MAX, &n) < 0)
			return -1;
		*uid = (uid_t)n;
		rc = nss_user_by_uid(*uid, &gid);
	} else {
		rc = nss_user_by_name(v, uid, &gid);
		if (rc == 0)
			return policy_fail(ld, "no such user '%s'", policy_shown(ld, v));
	}
	if (rc < 0) {
		const char *why = strerror(errno); /* before policy_shown() can change errno */
		return policy_fail(ld, "looking up user '%s': %s", policy_shown(ld, v), why);
	}
	if (has_primary) {
		*has_primary = rc == 1;
		*primary = gid;
	}
	return 0;
}

int policy_resolve_group(struct policy_loader *ld, const char *v, gid_t *gid)
{
	unsigned long long n;
	int rc;

	if (!*v)
		return policy_fail(ld, "empty group name");
	if (numeric(v)) {
		if (policy_number(ld, v, 0, POLICY_ID_MAX, &n) < 0)
			return -1;
		*gid = (gid_t)n;
		return 0;
	}
	rc = nss_group_by_name(v, gid);
	if (rc == 0)
		return policy_fail(ld, "no such group '%s'", policy_shown(ld, v));
	if (rc < 0) {
		const char *why = strerror(errno); /* before policy_shown() can change errno */
		return policy_fail(ld, "looking up group '%s': %s", policy_shown(ld, v), why);
	}
	return 0;
}

int policy_add_who(struct policy_loader *ld, const char *item, void *ctx)
{
	struct policy_who *who = ctx;
	uid_t uid;
	gid_t gid;

	if (item[0] == '@') {
		if (policy_resolve_group(ld, item + 1, &gid) < 0)
			return -1;
		return POLICY_PUSH(ld, who->gids, who->ngids, gid);
	}
	if (policy_resolve_user(ld, item, &uid, NULL, NULL) < 0)
		return -1;
	return POLICY_PUSH(ld, who->uids, who->nuids, uid);
}
