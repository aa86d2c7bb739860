/* tests/unit/slots.c: the helper's connection limits, one row per case: the connections
 * already served, who asks, and the refusal (or none) the peer gets. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "../tap.h"
#include "slots.h"

#define TAKEN_STRANGERS "busy: the connections for users without a right are taken"
#define TOO_MANY "busy: this user has too many connections open"
#define ALL_TAKEN "busy: every connection is taken"
#define FOR_ROOT "busy: the connections left are kept for root"

struct slots_case {
	const char *name;
	struct slots_count n;
	uid_t uid;
	bool listed;
	const char *want; /* NULL: gets a slot */
};

static const struct slots_case cases[] = {
	/* strangers: their own small pool, 2 each */
	{ .name = "stranger, nothing served", .uid = 1000 },
	{ .name = "stranger, its second", .n = { .strangers = 1, .same_uid = 1 }, .uid = 1000 },
	{ .name = "stranger, its third", .n = { .strangers = 2, .same_uid = 2 }, .uid = 1000, .want = TOO_MANY },
	{ .name = "stranger, pool one short", .n = { .strangers = SLOTS_STRANGER_MAX - 1 }, .uid = 1000 },
	{ .name = "stranger, pool full", .n = { .strangers = SLOTS_STRANGER_MAX }, .uid = 1000,
	  .want = TAKEN_STRANGERS },
	{ .name = "stranger, listed connections full do not matter", .n = { .listed = SLOTS_LISTED_MAX },
	  .uid = 1000 },
	{ .name = "stranger root is still a stranger's share", .n = { .strangers = 2, .same_uid = 2 },
	  .uid = 0, .want = TOO_MANY },
	/* a full stranger pool never keeps an operator out */
	{ .name = "listed, stranger pool full", .n = { .strangers = SLOTS_STRANGER_MAX }, .uid = 1000,
	  .listed = true },
	/* listed users: 16 each, the last 8 root's */
	{ .name = "listed, nothing served", .uid = 1000, .listed = true },
	{ .name = "listed, its 16th", .n = { .listed = 15, .same_uid = 15 }, .uid = 1000, .listed = true },
	{ .name = "listed, its 17th", .n = { .listed = 16, .same_uid = 16 }, .uid = 1000, .listed = true,
	  .want = TOO_MANY },
	{ .name = "listed, its own counted in both pools", .n = { .listed = 10, .strangers = 6, .same_uid = 16 },
	  .uid = 1000, .listed = true, .want = TOO_MANY },
	{ .name = "listed, the last slot before root's", .n = { .listed = SLOTS_LISTED_MAX - SLOTS_ROOT_RESERVE - 1 },
	  .uid = 1000, .listed = true },
	{ .name = "listed, only root's left", .n = { .listed = SLOTS_LISTED_MAX - SLOTS_ROOT_RESERVE },
	  .uid = 1000, .listed = true, .want = FOR_ROOT },
	{ .name = "listed, all taken", .n = { .listed = SLOTS_LISTED_MAX }, .uid = 1000, .listed = true,
	  .want = ALL_TAKEN },
	/* root: no share of its own, the reserve, but not past the whole */
	{ .name = "root, only root's left", .n = { .listed = SLOTS_LISTED_MAX - SLOTS_ROOT_RESERVE, .same_uid = 40 },
	  .uid = 0, .listed = true },
	{ .name = "root, the last slot", .n = { .listed = SLOTS_LISTED_MAX - 1, .same_uid = 100 }, .uid = 0,
	  .listed = true },
	{ .name = "root, all taken", .n = { .listed = SLOTS_LISTED_MAX }, .uid = 0, .listed = true,
	  .want = ALL_TAKEN },
};

/* Calls made by the helper for sup holders: four of the eight names, two per uid. */
#define SUP_ALL "busy: the calls sup holders may make at once are all running; try again"
#define SUP_MINE "busy: this user's calls already run; try again when one has ended"
static const struct {
	const char *name;
	size_t running, same_uid;
	const char *want;
} sup_cases[] = {
	{ "sup call, none running", 0, 0, NULL },
	{ "sup call, its second", 1, 1, NULL },
	{ "sup call, its third", 2, 2, SUP_MINE },
	{ "sup call, another's fourth of all", 3, 0, NULL },
	{ "sup call, four running", 4, 0, SUP_ALL },
	{ "sup call, four running, two its own", 4, 2, SUP_ALL },
};

int main(void)
{
	tap_plan((unsigned)COUNT(cases) + 1 + (unsigned)COUNT(sup_cases) + 1);
	for (size_t i = 0; i < COUNT(sup_cases); i++)
		tap_is(slots_refuse_sup_call(sup_cases[i].running, sup_cases[i].same_uid), sup_cases[i].want, "%s",
		       sup_cases[i].name);
	tap_ok(SLOTS_SUP_CALLS_MAX < 8, "sup holders' calls leave names to attach holders and root");
	for (size_t i = 0; i < COUNT(cases); i++) {
		const struct slots_case *c = &cases[i];
		tap_is(slots_refuse(&c->n, c->uid, c->listed), c->want, "%s", c->name);
	}
	tap_is_int(SLOTS_MAX, 136, "README's 136 connections");
	return tap_done();
}
