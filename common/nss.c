/* nss.c: the NSS lookups of nss.h.  Never prints, never exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "nss.h"

/* Far above any real passwd or group entry; only stops an NSS module that keeps
 * answering ERANGE from growing the buffer for ever. */
#define NSS_BUF_MAX (64U << 20)

enum nss_kind { USER_BY_NAME, USER_BY_UID, GROUP_BY_NAME };

struct nss_answer {
	uid_t uid;
	gid_t gid;
};

/* One reentrant call.  Returns what the _r function returned; *found says whether
 * an entry came back. */
static int nss_call(enum nss_kind kind, const char *name, uid_t uid, char *buf, size_t len,
		    struct nss_answer *ans, bool *found)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	int rc;

	switch (kind) {
	case USER_BY_NAME:
	case USER_BY_UID:
		rc = kind == USER_BY_NAME ? getpwnam_r(name, &pw, buf, len, &pwp)
					  : getpwuid_r(uid, &pw, buf, len, &pwp);
		if (pwp) {
			ans->uid = pw.pw_uid;
			ans->gid = pw.pw_gid;
		}
		*found = pwp != NULL;
		return rc;
	case GROUP_BY_NAME:
		rc = getgrnam_r(name, &gr, buf, len, &grp);
		if (grp)
			ans->gid = gr.gr_gid;
		*found = grp != NULL;
		return rc;
	}
	return EINVAL;
}

/* Returns 1 found, 0 no such entry, -1 with errno when the lookup itself failed.
 * The buffer starts at the size libc suggests and doubles on ERANGE: a group with many
 * members does not fit a fixed one. */
static int nss_lookup(enum nss_kind kind, const char *name, uid_t uid, struct nss_answer *ans)
{
	long hint = sysconf(kind == GROUP_BY_NAME ? _SC_GETGR_R_SIZE_MAX : _SC_GETPW_R_SIZE_MAX);
	size_t len = hint > 0 ? (size_t)hint : 1024;
	char *buf = NULL;
	bool found = false;
	int rc;

	for (;;) {
		char *bigger = realloc(buf, len);

		if (!bigger) {
			free(buf);
			errno = ENOMEM;
			return -1;
		}
		buf = bigger;
		rc = nss_call(kind, name, uid, buf, len, ans, &found);
		if (rc != ERANGE || len >= NSS_BUF_MAX)
			break;
		len *= 2;
	}
	free(buf);
	if (found)
		return 1;
	/* getpwnam_r(3): besides 0, these also mean "not found" for some NSS modules. */
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return 0;
	errno = rc;
	return -1;
}

int nss_user_by_name(const char *name, uid_t *uid, gid_t *primary)
{
	struct nss_answer ans = { 0, 0 };
	int rc = nss_lookup(USER_BY_NAME, name, 0, &ans);

	if (rc == 1) {
		*uid = ans.uid;
		*primary = ans.gid;
	}
	return rc;
}

int nss_user_by_uid(uid_t uid, gid_t *primary)
{
	struct nss_answer ans = { 0, 0 };
	int rc = nss_lookup(USER_BY_UID, NULL, uid, &ans);

	if (rc == 1)
		*primary = ans.gid;
	return rc;
}

int nss_group_by_name(const char *name, gid_t *gid)
{
	struct nss_answer ans = { 0, 0 };
	int rc = nss_lookup(GROUP_BY_NAME, name, 0, &ans);

	if (rc == 1)
		*gid = ans.gid;
	return rc;
}
