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

/* The policy every row with one asks: attach = 1000, @100; watch = 1001, @200; stop = 1002, @300. */
static uid_t attach_uids[] = { 1000 }, watch_uids[] = { 1001 }, stop_uids[] = { 1002 };
static gid_t attach_gids[] = { 100 }, watch_gids[] = { 200 }, stop_gids[] = { 300 };
static const struct policy policy = {
	.file = "rights.policy",
	.attach = { attach_uids, 1, attach_gids, 1 },
	.watch = { watch_uids, 1, watch_gids, 1 },
	.stop = { stop_uids, 1, stop_gids, 1 },
};

#define OWNER 1500 /* the node's user: special only without a policy */

/* Who asks, and which of status, watch, attach, stop it holds. */
struct allow_case {
	const char *name;
	bool with_policy;
	uid_t uid;
	gid_t gid;
	gid_t groups[3];
	size_t ngroups;
	bool status, watch, attach, stop;
};

static const struct allow_case allow_cases[] = {
	/* root holds every right, with a policy or without */
	{ .name = "root, policy", .with_policy = true, .uid = 0, .gid = 0,
	  .status = true, .watch = true, .attach = true, .stop = true },
	{ .name = "root, no policy", .uid = 0, .gid = 0,
	  .status = true, .watch = true, .attach = true, .stop = true },
	/* without a policy: the starting user alone */
	{ .name = "no policy, the node's user", .uid = OWNER, .gid = OWNER,
	  .status = true, .watch = true, .attach = true, .stop = true },
	{ .name = "no policy, another user", .uid = 1000, .gid = 100, .groups = { 200, 300 }, .ngroups = 2 },
	/* with a policy the node's user is no one special */
	{ .name = "policy, the node's user unnamed", .with_policy = true, .uid = OWNER, .gid = OWNER },
	/* each list by uid: attach implies watch; any right gives status and pid */
	{ .name = "attach by uid", .with_policy = true, .uid = 1000, .gid = 5000,
	  .status = true, .watch = true, .attach = true },
	{ .name = "watch by uid", .with_policy = true, .uid = 1001, .gid = 5000,
	  .status = true, .watch = true },
	{ .name = "stop by uid", .with_policy = true, .uid = 1002, .gid = 5000,
	  .status = true, .stop = true },
	/* by primary group */
	{ .name = "attach by primary group", .with_policy = true, .uid = 2000, .gid = 100,
	  .status = true, .watch = true, .attach = true },
	{ .name = "watch by primary group", .with_policy = true, .uid = 2000, .gid = 200,
	  .status = true, .watch = true },
	{ .name = "stop by primary group", .with_policy = true, .uid = 2000, .gid = 300,
	  .status = true, .stop = true },
	/* by a supplementary group, wherever it stands in the list */
	{ .name = "attach by supplementary group", .with_policy = true, .uid = 2000, .gid = 5000,
	  .groups = { 7, 100 }, .ngroups = 2, .status = true, .watch = true, .attach = true },
	{ .name = "watch by supplementary group", .with_policy = true, .uid = 2000, .gid = 5000,
	  .groups = { 200 }, .ngroups = 1, .status = true, .watch = true },
	{ .name = "stop by supplementary group", .with_policy = true, .uid = 2000, .gid = 5000,
	  .groups = { 7, 8, 300 }, .ngroups = 3, .status = true, .stop = true },
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
			      [RIGHTS_ATTACH] = c->attach, [RIGHTS_STOP] = c->stop };

	for (enum rights_right r = RIGHTS_STATUS; r <= RIGHTS_STOP; r++)
		tap_is_int(rights_allows(p, OWNER, &peer, r), want[r], "allows: %s: %s", c->name,
			   rights_name(r));
}

int main(void)
{
	size_t known = 0;

	/* A known request is two tests: it is known, and what it needs. */
	for (size_t i = 0; i < COUNT(request_cases); i++)
		known += request_cases[i].known;
	tap_plan((unsigned)(COUNT(request_cases) + known + COUNT(allow_cases) * 4 + 4));
	for (size_t i = 0; i < COUNT(request_cases); i++)
		run_request_case(&request_cases[i]);
	for (size_t i = 0; i < COUNT(allow_cases); i++)
		run_allow_case(&allow_cases[i]);
	tap_is(rights_name(RIGHTS_STATUS), "status", "name: status");
	tap_is(rights_name(RIGHTS_WATCH), "watch", "name: watch");
	tap_is(rights_name(RIGHTS_ATTACH), "attach", "name: attach");
	tap_is(rights_name(RIGHTS_STOP), "stop", "name: stop");
	return tap_done();
}
