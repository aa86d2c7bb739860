/* tests/unit/rights.c: the request table and who holds each right, one row per case.
 * Pure: no files, no NSS; the policy's lists are made here by id. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "../tap.h"
#include "rights.h"

/* The first frame of a request, as rights_request sees it. */
struct request_case {
	const char *name;
	uint8_t type;
	uint16_t len;
	uint8_t byte0;
	bool known;
	const char *want_name;
	enum rights_right right;
	enum rights_handler handler;
};

static const struct request_case request_cases[] = {
	{ .name = "attach", .type = PROTO_ATTACH, .len = 5, .byte0 = 0, .known = true,
	  .want_name = "attach", .right = RIGHTS_ATTACH, .handler = RIGHTS_DO_ATTACH },
	{ .name = "attach --read-only", .type = PROTO_ATTACH, .len = 5, .byte0 = 1, .known = true,
	  .want_name = "attach --read-only", .right = RIGHTS_WATCH, .handler = RIGHTS_DO_ATTACH },
	{ .name = "attach, any non-zero flag is read-only", .type = PROTO_ATTACH, .len = 5, .byte0 = 0xff,
	  .known = true, .want_name = "attach --read-only", .right = RIGHTS_WATCH, .handler = RIGHTS_DO_ATTACH },
	{ .name = "status", .type = PROTO_STATUS, .len = 0, .known = true, .want_name = "status",
	  .right = RIGHTS_STATUS, .handler = RIGHTS_DO_INFO },
	{ .name = "pid", .type = PROTO_PID, .len = 0, .known = true, .want_name = "pid",
	  .right = RIGHTS_STATUS, .handler = RIGHTS_DO_INFO },
	{ .name = "stop", .type = PROTO_STOP, .len = 0, .known = true, .want_name = "stop",
	  .right = RIGHTS_STOP, .handler = RIGHTS_DO_STOP },
	{ .name = "call, the shortest", .type = PROTO_CALL, .len = 5, .known = true, .want_name = "call",
	  .right = RIGHTS_ATTACH, .handler = RIGHTS_DO_CALL },
	{ .name = "call, the longest", .type = PROTO_CALL, .len = 4 + MSG_CALL_TEXT_MAX, .known = true,
	  .want_name = "call", .right = RIGHTS_ATTACH, .handler = RIGHTS_DO_CALL },
	{ .name = "call without a text", .type = PROTO_CALL, .len = 4, .known = false },
	{ .name = "call with a text too long", .type = PROTO_CALL, .len = 5 + MSG_CALL_TEXT_MAX, .known = false },
	{ .name = "attach, short payload", .type = PROTO_ATTACH, .len = 4, .known = false },
	{ .name = "attach, long payload", .type = PROTO_ATTACH, .len = 6, .known = false },
	{ .name = "status with a payload", .type = PROTO_STATUS, .len = 1, .known = false },
	{ .name = "stop with a payload", .type = PROTO_STOP, .len = 1, .known = false },
	{ .name = "input as a first frame", .type = PROTO_INPUT, .len = 1, .known = false },
	{ .name = "winsize as a first frame", .type = PROTO_WINSIZE, .len = 4, .known = false },
	{ .name = "an unknown type", .type = 0xee, .len = 0, .known = false },
	{ .name = "sup, the shortest", .type = PROTO_SUP, .len = MSG_SUP_MIN, .known = true, .want_name = "sup",
	  .right = RIGHTS_SUP, .handler = RIGHTS_DO_SUP },
	{ .name = "sup, the longest", .type = PROTO_SUP, .len = PROTO_MAX_PAYLOAD, .known = true, .want_name = "sup",
	  .right = RIGHTS_SUP, .handler = RIGHTS_DO_SUP },
	{ .name = "sup too short", .type = PROTO_SUP, .len = MSG_SUP_MIN - 1, .known = false },
	{ .name = "ping", .type = PROTO_PING, .len = MSG_PING_LEN, .known = true, .want_name = "ping",
	  .right = RIGHTS_STATUS, .handler = RIGHTS_DO_PING },
};

static void run_request_case(const struct request_case *c)
{
	uint8_t payload[8] = { c->byte0 };
	struct proto_frame f = { .type = c->type, .len = c->len, .payload = payload };
	const struct rights_request *r = rights_request(&f);

	if (!c->known) {
		tap_ok(r == NULL, "request: %s: unknown", c->name);
		return;
	}
	if (!tap_ok(r != NULL, "request: %s: known", c->name))
		return;
	tap_ok(!strcmp(r->name, c->want_name) && r->right == c->right && r->handler == c->handler,
	       "request: %s: '%s' needs %s", c->name, r->name, rights_name(r->right));
}

/* The policy every row with one asks: attach = 1000, @100; watch = 1001, @200; stop = 1002, @300;
 * sup = 1003, @400 with sup_modules = kz_nodes, *_maintenance, kapps_controller:list_apps. */
static uid_t attach_uids[] = { 1000 }, watch_uids[] = { 1001 }, stop_uids[] = { 1002 }, sup_uids[] = { 1003 };
static gid_t attach_gids[] = { 100 }, watch_gids[] = { 200 }, stop_gids[] = { 300 }, sup_gids[] = { 400 };
static char *sup_modules[] = { "kz_nodes", "*_maintenance", "kapps_controller:list_apps" };
static const struct policy policy = {
	.file = "rights.policy",
	.attach = { attach_uids, 1, attach_gids, 1 },
	.watch = { watch_uids, 1, watch_gids, 1 },
	.stop = { stop_uids, 1, stop_gids, 1 },
	.sup = { sup_uids, 1, sup_gids, 1 },
	.sup_modules = sup_modules,
	.nsup_modules = COUNT(sup_modules),
};

#define OWNER 1500 /* the node's user: special only without a policy */

/* Who asks, and which of status, watch, attach, stop, sup it holds. */
struct allow_case {
	const char *name;
	bool with_policy;
	uid_t uid;
	gid_t gid;
	gid_t groups[3];
	size_t ngroups;
	bool status, watch, attach, stop, sup;
};

static const struct allow_case allow_cases[] = {
	/* root holds every right, with a policy or without */
	{ .name = "root, policy", .with_policy = true, .uid = 0, .gid = 0,
	  .status = true, .watch = true, .attach = true, .stop = true, .sup = true },
	{ .name = "root, no policy", .uid = 0, .gid = 0,
	  .status = true, .watch = true, .attach = true, .stop = true, .sup = true },
	/* without a policy: the starting user alone */
	{ .name = "no policy, the node's user", .uid = OWNER, .gid = OWNER,
	  .status = true, .watch = true, .attach = true, .stop = true, .sup = true },
	{ .name = "no policy, another user", .uid = 1000, .gid = 100, .groups = { 200, 300 }, .ngroups = 2 },
	/* with a policy the node's user is no one special */
	{ .name = "policy, the node's user unnamed", .with_policy = true, .uid = OWNER, .gid = OWNER },
	/* each list by uid: attach implies watch; any right gives status and pid */
	{ .name = "attach by uid", .with_policy = true, .uid = 1000, .gid = 5000,
	  .status = true, .watch = true, .attach = true, .sup = true },
	{ .name = "watch by uid", .with_policy = true, .uid = 1001, .gid = 5000,
	  .status = true, .watch = true },
	{ .name = "stop by uid", .with_policy = true, .uid = 1002, .gid = 5000,
	  .status = true, .stop = true },
	/* by primary group */
	{ .name = "attach by primary group", .with_policy = true, .uid = 2000, .gid = 100,
	  .status = true, .watch = true, .attach = true, .sup = true },
	{ .name = "watch by primary group", .with_policy = true, .uid = 2000, .gid = 200,
	  .status = true, .watch = true },
	{ .name = "stop by primary group", .with_policy = true, .uid = 2000, .gid = 300,
	  .status = true, .stop = true },
	/* by a supplementary group, wherever it stands in the list */
	{ .name = "attach by supplementary group", .with_policy = true, .uid = 2000, .gid = 5000,
	  .groups = { 7, 100 }, .ngroups = 2, .status = true, .watch = true, .attach = true, .sup = true },
	{ .name = "watch by supplementary group", .with_policy = true, .uid = 2000, .gid = 5000,
	  .groups = { 200 }, .ngroups = 1, .status = true, .watch = true },
	{ .name = "stop by supplementary group", .with_policy = true, .uid = 2000, .gid = 5000,
	  .groups = { 7, 8, 300 }, .ngroups = 3, .status = true, .stop = true },
	/* sup: status and pid too, nothing else */
	{ .name = "sup by uid", .with_policy = true, .uid = 1003, .gid = 5000, .status = true, .sup = true },
	{ .name = "sup by primary group", .with_policy = true, .uid = 2000, .gid = 400, .status = true, .sup = true },
	{ .name = "sup by supplementary group", .with_policy = true, .uid = 2000, .gid = 5000,
	  .groups = { 7, 400 }, .ngroups = 2, .status = true, .sup = true },
	/* rights add up */
	{ .name = "watch and stop", .with_policy = true, .uid = 1001, .gid = 300,
	  .status = true, .watch = true, .stop = true },
	/* named nowhere */
	{ .name = "nothing listed", .with_policy = true, .uid = 2000, .gid = 5000,
	  .groups = { 7, 8, 9 }, .ngroups = 3 },
	{ .name = "a uid equal to a listed gid does not count", .with_policy = true, .uid = 100,
	  .gid = 5000 },
	{ .name = "a gid equal to a listed uid does not count", .with_policy = true, .uid = 2000,
	  .gid = 1002, .groups = { 1000 }, .ngroups = 1 },
	{ .name = "group 0 is not root", .with_policy = true, .uid = 2000, .gid = 0,
	  .groups = { 0 }, .ngroups = 1 },
};

static void run_allow_case(const struct allow_case *c)
{
	const struct rights_peer peer = { c->uid, c->gid, c->ngroups ? c->groups : NULL, c->ngroups };
	static const struct policy none = { 0 }; /* policy_default's lists: empty; no file */
	const struct policy *p = c->with_policy ? &policy : &none;
	const bool want[] = { [RIGHTS_STATUS] = c->status, [RIGHTS_WATCH] = c->watch,
			      [RIGHTS_ATTACH] = c->attach, [RIGHTS_STOP] = c->stop, [RIGHTS_SUP] = c->sup };

	for (enum rights_right r = RIGHTS_STATUS; r <= RIGHTS_SUP; r++)
		tap_is_int(rights_allows(p, OWNER, &peer, r), want[r], "allows: %s: %s", c->name,
			   rights_name(r));
}

/* Who asks which sup call: rights_sup_allows, the right and the policy's modules together. */
struct sup_case {
	const char *name;
	bool with_policy;
	uid_t uid;
	gid_t gid;
	gid_t groups[2];
	size_t ngroups;
	const char *mod, *fun;
	bool want;
};

static const struct sup_case sup_cases[] = {
	{ "sup-only, a listed module", true, 1003, 5000, { 0 }, 0, "kz_nodes", "status", true },
	{ "sup-only, a pattern's module", true, 1003, 5000, { 0 }, 0, "kazoo_maintenance", "flush", true },
	{ "sup-only, a listed function", true, 1003, 5000, { 0 }, 0, "kapps_controller", "list_apps", true },
	{ "sup-only, another function of that module", true, 1003, 5000, { 0 }, 0, "kapps_controller", "stop_app", false },
	{ "sup-only, an unlisted module", true, 1003, 5000, { 0 }, 0, "erlang", "halt", false },
	{ "sup-only, os", true, 1003, 5000, { 0 }, 0, "os", "cmd", false },
	{ "sup-only, a name no item spells", true, 1003, 5000, { 0 }, 0, "x/../kazoo_maintenance", "flush", false },
	{ "sup by a supplementary group, a listed module", true, 2000, 5000, { 7, 400 }, 2, "kz_nodes", "status", true },
	{ "sup by a supplementary group, an unlisted module", true, 2000, 5000, { 7, 400 }, 2, "erlang", "halt", false },
	{ "attach, any module", true, 1000, 5000, { 0 }, 0, "erlang", "halt", true },
	{ "attach by group, any module", true, 2000, 100, { 0 }, 0, "os", "cmd", true },
	{ "attach, a listed module", true, 1000, 5000, { 0 }, 0, "kz_nodes", "status", true },
	{ "root, any module", true, 0, 0, { 0 }, 0, "erlang", "halt", true },
	{ "watch, a listed module", true, 1001, 5000, { 0 }, 0, "kz_nodes", "status", false },
	{ "stop, a listed module", true, 1002, 5000, { 0 }, 0, "kz_nodes", "status", false },
	{ "named nowhere, a listed module", true, 2000, 5000, { 7 }, 1, "kz_nodes", "status", false },
	{ "policy, the node's user unnamed", true, OWNER, OWNER, { 0 }, 0, "kz_nodes", "status", false },
	{ "no policy, the node's user, any module", false, OWNER, OWNER, { 0 }, 0, "erlang", "halt", true },
	{ "no policy, another user", false, 1003, 400, { 0 }, 0, "kz_nodes", "status", false },
};

static void run_sup_case(const struct sup_case *c)
{
	const struct rights_peer peer = { c->uid, c->gid, c->ngroups ? c->groups : NULL, c->ngroups };
	static const struct policy none = { 0 };

	tap_is_int(rights_sup_allows(c->with_policy ? &policy : &none, OWNER, &peer, c->mod, c->fun), c->want,
		   "sup: %s: %s:%s", c->name, c->mod, c->fun);
}

int main(void)
{
	size_t known = 0;

	/* A known request is two tests: it is known, and what it needs. */
	for (size_t i = 0; i < COUNT(request_cases); i++)
		known += request_cases[i].known;
	tap_plan((unsigned)(COUNT(request_cases) + known + COUNT(allow_cases) * 5 + COUNT(sup_cases) + 5));
	for (size_t i = 0; i < COUNT(request_cases); i++)
		run_request_case(&request_cases[i]);
	for (size_t i = 0; i < COUNT(allow_cases); i++)
		run_allow_case(&allow_cases[i]);
	for (size_t i = 0; i < COUNT(sup_cases); i++)
		run_sup_case(&sup_cases[i]);
	tap_is(rights_name(RIGHTS_STATUS), "status", "name: status");
	tap_is(rights_name(RIGHTS_WATCH), "watch", "name: watch");
	tap_is(rights_name(RIGHTS_ATTACH), "attach", "name: attach");
	tap_is(rights_name(RIGHTS_STOP), "stop", "name: stop");
	tap_is(rights_name(RIGHTS_SUP), "sup", "name: sup");
	return tap_done();
}
