/* policy_check.c: what a policy is refused for although every value in it reads well: a
 * file someone other than root could change (when root reads it), a node that would run as
 * root, and a sup right that would allow every module or none.  It never resolves a name
 * itself (policy_resolve.c) and never exits. */
#define _GNU_SOURCE
#include <string.h>
#include <sysexits.h>

#include "policy_int.h"
#include "trustfile.h"

/* The tail of every refusal of a file or folder that someone other than root could change. */
#define UNSAFE "refusing a policy root would act on"

int policy_open(const char *path, struct stat *st, struct kz_err *err)
{
	return trustfile_open(path, UNSAFE, st, err);
}

int policy_check_user(struct policy_loader *ld)
{
	/* By id, so `0` and any alias of root (toor) are refused too. */
	if (ld->p->uid == 0)
		return policy_fail(ld, "the node never runs as root");
	return 0;
}

/* gid 0 would give the node root's files (Kazoo never runs as root: doc/platform.md),
 * whatever name it is written under. */
int policy_resolve_node_group(struct policy_loader *ld, const char *v, gid_t *gid)
{
	if (policy_resolve_group(ld, v, gid) < 0)
		return -1;
	if (*gid == 0)
		return policy_fail(ld, "'%s' is gid 0: the node never runs as root", policy_shown(ld, v));
	return 0;
}

/* `*`, `**`, `*:f`: every module, erlang and os included, is what attach already gives. */
int policy_check_sup_module(struct policy_loader *ld, const char *item, size_t modlen)
{
	if (strspn(item, "*") >= modlen)
		return policy_fail(ld, "'%s' would allow every module, erlang and os included: give the attach right instead",
				   policy_shown(ld, item));
	return 0;
}

/* A sup list with no modules is a mistake, not a way to say "nobody": an empty sup says that. */
static int finish_sup(struct policy_loader *ld)
{
	const struct policy_key *sup = policy_find_key("control", "sup");
	const struct policy_who *who = &ld->p->sup;

	if (ld->p->nsup_modules || (!who->nuids && !who->ngids))
		return 0;
	ld->key = sup;
	ld->line = ld->seen[policy_key_index(sup)];
	return policy_fail(ld, "no sup_modules: the sup right would allow nothing");
}

/* The node's group: `group`, else the user's primary group, never gid 0. */
static int finish_group(struct policy_loader *ld, const struct policy_key *user, unsigned user_line)
{
	if (ld->has_group)
		return 0;
	if (!ld->has_primary)
		return kz_err_set(ld->err, EX_CONFIG,
				  "%s: [node] group: missing, and user '%s' has no passwd entry to take it from",
				  ld->path, policy_shown(ld, ld->p->user));
	if (ld->primary == 0) { /* the group would come from the user line: name that line */
		ld->key = user;
		ld->line = user_line;
		return policy_fail(ld, "the primary group of '%s' is gid 0: the node never runs as root",
				   policy_shown(ld, ld->p->user));
	}
	ld->p->gid = ld->primary;
	return 0;
}

int policy_finish(struct policy_loader *ld)
{
	const struct policy_key *user = policy_find_key("node", "user");
	unsigned user_line = ld->seen[policy_key_index(user)];

	if (!user_line)
		return kz_err_set(ld->err, EX_CONFIG, "%s: [node] user: missing", ld->path);
	if (finish_sup(ld) < 0)
		return -1;
	return finish_group(ld, user, user_line);
}
