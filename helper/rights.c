/* rights.c: the request table and the rule of who holds which right.  Pure: no I/O, no
 * NSS, no state, so a unit test can ask every row.  Only the helper decides rights, so it
 * lives in helper/. */
#include "array.h"
#include "rights.h"

/* A call runs any code as the node, as an attached console can: it needs attach. */
static const struct rights_request requests[] = {
	{ .type = PROTO_ATTACH, .len = 5, .read_only = 0, .name = "attach", .right = RIGHTS_ATTACH,
	  .handler = RIGHTS_DO_ATTACH },
	{ .type = PROTO_ATTACH, .len = 5, .read_only = 1, .name = "attach --read-only", .right = RIGHTS_WATCH,
	  .handler = RIGHTS_DO_ATTACH },
	{ .type = PROTO_STATUS, .len = 0, .read_only = -1, .name = "status", .right = RIGHTS_STATUS,
	  .handler = RIGHTS_DO_INFO },
	{ .type = PROTO_PID, .len = 0, .read_only = -1, .name = "pid", .right = RIGHTS_STATUS,
	  .handler = RIGHTS_DO_INFO },
	{ .type = PROTO_STOP, .len = 0, .read_only = -1, .name = "stop", .right = RIGHTS_STOP,
	  .handler = RIGHTS_DO_STOP },
	{ .type = PROTO_RESTART, .len = 0, .read_only = -1, .name = "restart", .right = RIGHTS_STOP,
	  .handler = RIGHTS_DO_RESTART },
	{ .type = PROTO_CALL, .len = 5, .max_len = 4 + MSG_CALL_TEXT_MAX, .read_only = -1, .name = "call",
	  .right = RIGHTS_ATTACH, .handler = RIGHTS_DO_CALL },
	/* Made by the helper, with the module, function and binaries the client sent and nothing
	 * else: the client never holds a connection to the node. */
	{ .type = PROTO_SUP, .len = MSG_SUP_MIN, .max_len = PROTO_MAX_PAYLOAD, .read_only = -1, .name = "sup",
	  .right = RIGHTS_SUP, .handler = RIGHTS_DO_SUP },
	{ .type = PROTO_PING, .len = MSG_PING_LEN, .read_only = -1, .name = "ping", .right = RIGHTS_STATUS,
	  .handler = RIGHTS_DO_PING },
};

/* Which [control] lists grant each right: what "implies" means, in one place.  Attach
 * grants sup because a console runs any code already; which functions a sup-only peer may
 * call is rights_sup_allows's. */
enum { BY_ATTACH = 1, BY_WATCH = 2, BY_STOP = 4, BY_SUP = 8 };
static const unsigned granted_by[] = {
	[RIGHTS_STATUS] = BY_ATTACH | BY_WATCH | BY_STOP | BY_SUP,
	[RIGHTS_WATCH] = BY_ATTACH | BY_WATCH,
	[RIGHTS_ATTACH] = BY_ATTACH,
	[RIGHTS_STOP] = BY_STOP,
	[RIGHTS_SUP] = BY_ATTACH | BY_SUP,
};

static const char *const names[] = {
	[RIGHTS_STATUS] = "status",
	[RIGHTS_WATCH] = "watch",
	[RIGHTS_ATTACH] = "attach",
	[RIGHTS_STOP] = "stop",
	[RIGHTS_SUP] = "sup",
};

const struct rights_request *rights_request(const struct proto_frame *f)
{
	for (size_t i = 0; i < COUNT(requests); i++) {
		const struct rights_request *r = &requests[i];
		if (r->type != f->type || (r->max_len ? f->len < r->len || f->len > r->max_len : f->len != r->len))
			continue;
		if (r->read_only < 0 || (f->payload[0] != 0) == (r->read_only != 0))
			return r;
	}
	return NULL;
}

bool rights_who_allows(const struct policy_who *who, const struct rights_peer *peer)
{
	for (size_t i = 0; i < who->nuids; i++)
		if (who->uids[i] == peer->uid)
			return true;
	for (size_t i = 0; i < who->ngids; i++) {
		if (who->gids[i] == peer->gid)
			return true;
		for (size_t j = 0; j < peer->ngroups; j++)
			if (who->gids[i] == peer->groups[j])
				return true;
	}
	return false;
}

bool rights_allows(const struct policy *p, uid_t owner_uid, const struct rights_peer *peer,
		   enum rights_right r)
{
	/* Without a policy file the node's user is the only one who started it: it alone, and
	 * root (the default policy's lists are empty). */
	if (peer->uid == 0 || (!policy_has_file(p) && peer->uid == owner_uid))
		return true;
	if ((unsigned)r >= COUNT(granted_by))
		return false;
	unsigned by = granted_by[r];
	return ((by & BY_ATTACH) && rights_who_allows(&p->attach, peer)) ||
	       ((by & BY_WATCH) && rights_who_allows(&p->watch, peer)) ||
	       ((by & BY_STOP) && rights_who_allows(&p->stop, peer)) ||
	       ((by & BY_SUP) && rights_who_allows(&p->sup, peer));
}

bool rights_sup_allows(const struct policy *p, uid_t owner_uid, const struct rights_peer *peer,
		       const char *mod, const char *fun)
{
	if (rights_allows(p, owner_uid, peer, RIGHTS_ATTACH))
		return true;
	return rights_who_allows(&p->sup, peer) && policy_sup_allows(p, mod, fun);
}

const char *rights_name(enum rights_right r)
{
	return (unsigned)r < COUNT(names) ? names[r] : "unknown";
}
