/* tests/unit/names.c: the values kzlaunch refuses before any action uses them: a node name
 * as -n gives it, a RUNDIR with "..", a call's module or function that is no atom.  One
 * row per case; nothing is opened or resolved. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "array.h"
#include "../tap.h"
#include "dist.h"
#include "host.h"
#include "rundir.h"

/* A string of n copies of unit (NULL-free; the test ends soon after). */
static char *repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * n + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

/* A case: the value, then what the refusal must start with (NULL: accepted) and its status. */
struct row {
	const char *what;
	const char *value;
	const char *refusal;
	int status;
};

typedef int check_fn(const char *value, struct kz_err *err);

static void run(check_fn *check, const struct row *r)
{
	struct kz_err err = { 0 };
	int rc = check(r->value, &err);

	if (!r->refusal) {
		tap_ok(rc == 0 && !err.msg, "%s: accepted", r->what);
	} else {
		tap_ok(rc < 0 && err.status == r->status && err.msg && !strncmp(err.msg, r->refusal, strlen(r->refusal)),
		       "%s: refused (%d), saying why", r->what, r->status);
	}
	if (err.msg && (!r->refusal || strncmp(err.msg, r->refusal, strlen(r->refusal))))
		tap_diag("got '%s'", err.msg);
	kz_err_clear(&err);
}

static int module_check(const char *value, struct kz_err *err)
{
	return dist_atom_check("module", value, err);
}

int main(void)
{
	const char *bad_name = "node name '";
	char *n253 = repeat("a", 253), *n254 = repeat("a", 254), *n300 = repeat("a", 300);
	char *at255 = repeat("b", 255), *at256 = repeat("b", 256);
	char *a255 = repeat("m", 255), *a256 = repeat("m", 256);
	char *u255 = repeat("\xc3\xa9", 255), *u256 = repeat("\xc3\xa9", 256), *e255 = repeat("\xf0\x9f\x98\x80", 255);

	at255[1] = at256[1] = '@'; /* b@ and 253 or 254 bytes of host */

	const struct row nodes[] = {
		{ "-n kazoo_apps", "kazoo_apps", NULL, 0 },
		{ "-n kazoo_apps@host.example", "kazoo_apps@host.example", NULL, 0 },
		{ "-n a-b.c_d@h", "a-b.c_d@h", NULL, 0 },
		{ "-n of 253 bytes, room left for @h", n253, NULL, 0 },
		{ "-n NAME@HOST of 255 bytes", at255, NULL, 0 },
		{ "-n of 254 bytes, no room for @HOST", n254, "node name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': 254 bytes, more than the 255", EX_USAGE },
		{ "-n of 300 bytes", n300, "node name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': 300 bytes", EX_USAGE },
		{ "-n NAME@HOST of 256 bytes", at256, "node name 'b@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...': 256 bytes", EX_USAGE },
		{ "-n REL@h@h", "REL@h@h", "node name 'REL@h@h': must be NAME@HOST", EX_USAGE },
		{ "-n empty", "", bad_name, EX_USAGE },
		{ "-n @h", "@h", bad_name, EX_USAGE },
		{ "-n a@", "a@", bad_name, EX_USAGE },
		{ "-n a b@c", "a b@c", bad_name, EX_USAGE },
		{ "-n a/b", "a/b", bad_name, EX_USAGE },
	};
	const struct row dirs[] = {
		{ "/run/kazoo", "/run/kazoo", NULL, 0 },
		{ "relative run", "run", NULL, 0 },
		{ "a..b and ...", "/tmp/a..b/...", NULL, 0 },
		{ "/tmp/x/..", "/tmp/x/..", "/tmp/x/..: a path with '..' is refused", EX_CONFIG },
		{ "/tmp/../run", "/tmp/../run", "/tmp/../run: a path with '..' is refused", EX_CONFIG },
		{ "..", "..", "..: a path with '..' is refused", EX_CONFIG },
		{ "../run", "../run", "../run: a path with '..' is refused", EX_CONFIG },
		{ "/run/kazoo/../", "/run/kazoo/../", "/run/kazoo/../: a path with '..' is refused", EX_CONFIG },
	};
	const struct row atoms[] = {
		{ "module lists", "lists", NULL, 0 },
		{ "module ''", "", NULL, 0 },
		{ "module of 255 characters", a255, NULL, 0 },
		{ "module of 255 two-byte characters", u255, NULL, 0 },
		{ "module of 255 four-byte characters", e255, NULL, 0 },
		{ "module of 256 characters", a256, "module 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm...': 256 characters, more than the 255 of an Erlang atom", EX_USAGE },
		{ "module of 256 two-byte characters", u256, "module '", EX_USAGE },
		{ "module not UTF-8", "a\xff", "module 'a\xff': not UTF-8 text", EX_USAGE },
		{ "module with a cut UTF-8 sequence", "a\xc3", "module 'a\xc3': not UTF-8 text", EX_USAGE },
	};

	tap_plan((unsigned)(COUNT(nodes) + COUNT(dirs) + COUNT(atoms)) + 1);
	for (size_t i = 0; i < COUNT(nodes); i++)
		run(host_node_check, &nodes[i]);
	for (size_t i = 0; i < COUNT(dirs); i++)
		run(rundir_check_path, &dirs[i]);
	for (size_t i = 0; i < COUNT(atoms); i++)
		run(module_check, &atoms[i]);

	/* The message shows 40 whole characters, never half of one. */
	struct kz_err err = { 0 };
	char want[256];
	snprintf(want, sizeof want, "module '%.80s...': 256 characters, more than the 255 of an Erlang atom", u256);
	dist_atom_check("module", u256, &err);
	tap_is(err.msg, want, "a long name of two-byte characters is cut after its 40th character");
	kz_err_clear(&err);

	free(n253), free(n254), free(n300), free(a255), free(a256);
	free(u255), free(u256), free(e255), free(at255), free(at256);
	return tap_done();
}
