/* policy_int.h: what the policy's files share and nothing outside them sees: the loader's
 * state while one file is read, and the one way each of them reports a mistake in it.
 * policy_parse.c reads keys and values, policy_resolve.c turns names into ids,
 * policy_check.c refuses what the node must never be; policy.c loads, defaults and frees;
 * policy_sup.c answers what sup_modules allow. */
#ifndef KZ_POLICY_INT_H
#define KZ_POLICY_INT_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "array.h"
#include "err.h"
#include "policy.h"

/* uid_t and gid_t are 32 bits on Linux; (uid_t)-1 means "no change" to setresuid. */
#define POLICY_ID_MAX ((unsigned long long)(uid_t)-1 - 1)

#define POLICY_MAX_KEYS 32

/* What a sup_modules item may spell besides `*` and one `:`, and all a module or function
 * name may hold for policy_sup_allows() to match it (policy_sup.c). */
#define POLICY_SUP_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@"

/* Every list of the policy grows by one: an id, a group, a capability. */
#define POLICY_PUSH(ld, array, n, value) \
	(ARRAY_PUSH(array, n, value) < 0 ? policy_out_of_memory(ld) : 0)

struct policy_loader;

struct policy_key {
	const char *section;
	const char *key;
	int (*parse)(struct policy_loader *ld, const char *value);
};

struct policy_loader {
	const char *path;
	struct policy *p;
	struct kz_err *err;
	const struct policy_key *key; /* the key being parsed, for messages */
	unsigned line;                /* its line */
	unsigned seen[POLICY_MAX_KEYS]; /* line each key was first given on; 0 when not yet */
	char *shown;                  /* the last escaped copy of file text, see policy_shown() */
	bool has_primary;             /* the user has a passwd entry, so a primary group */
	gid_t primary;
	bool has_group;
};

/* ---- messages (policy.c) ---- */

/* File text may hold anything: an escaped copy of s (escape.h) that lives until the next
 * call (one per message is all we need). */
const char *policy_shown(struct policy_loader *ld, const char *s);
int policy_out_of_memory(struct policy_loader *ld);
/* "PATH:LINE: [section] key: " followed by the formatted text; returns -1. */
int policy_fail(struct policy_loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- values (policy_parse.c) ---- */

/* A whole number from lo to hi, or -1 with the key's message. */
int policy_number(struct policy_loader *ld, const char *v, unsigned long long lo,
		  unsigned long long hi, unsigned long long *out);
/* inifile.h's callback for one file: every key to its parser. */
int policy_on_entry(void *user, const char *section, const char *key, const char *value,
		    unsigned line, struct kz_err *err);
/* The key "node"/"user" of the table, and the table's index of a key, for policy_check.c. */
const struct policy_key *policy_find_key(const char *section, const char *key);
size_t policy_key_index(const struct policy_key *kd);

/* ---- names (policy_resolve.c) ---- */

/* A user name or number.  *primary gets the passwd entry's group when there is one
 * (has_primary NULL: not wanted). */
int policy_resolve_user(struct policy_loader *ld, const char *v, uid_t *uid, bool *has_primary,
			gid_t *primary);
int policy_resolve_group(struct policy_loader *ld, const char *v, gid_t *gid);
/* "name", "1000", "@group" or "@4", added to the struct policy_who at ctx. */
int policy_add_who(struct policy_loader *ld, const char *item, void *ctx);

/* ---- refusals (policy_check.c) ---- */

/* The policy file opened for reading, trusted as trustfile.h says (root: root's file only). */
int policy_open(const char *path, struct stat *st, struct kz_err *err);
/* `user`: the node never runs as uid 0, whatever the name. */
int policy_check_user(struct policy_loader *ld);
/* `group` and every item of `groups`: a group, never gid 0. */
int policy_resolve_node_group(struct policy_loader *ld, const char *v, gid_t *gid);
/* The module side of a sup_modules item (modlen bytes at item): never `*` alone. */
int policy_check_sup_module(struct policy_loader *ld, const char *item, size_t modlen);
/* What only the whole file can tell: a user at all, a sup right that allows something, and
 * the group to default to. */
int policy_finish(struct policy_loader *ld);

#endif
