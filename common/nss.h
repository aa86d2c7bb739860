/* nss.h: users and groups by name or id through NSS (passwd, group, LDAP...), reentrant, with
 * no fixed buffer: a group with many members needs more than libc's suggested size. */
#ifndef KZ_NSS_H
#define KZ_NSS_H

#include <sys/types.h>

/* Each returns 1 found, 0 no such entry, or -1 with errno when the lookup itself failed. */
int nss_user_by_name(const char *name, uid_t *uid, gid_t *primary);
int nss_user_by_uid(uid_t uid, gid_t *primary);
int nss_group_by_name(const char *name, gid_t *gid);

#endif
