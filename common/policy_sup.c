/* policy_sup.c: what the policy's sup_modules allow, asked by the helper for every sup call.
 * Pure: no allocation, no I/O, no state.  Reading the items is policy_parse.c's; who holds
 * the sup right is helper/rights.c's. */
#include <stdint.h>
#include <string.h>

#include "policy_int.h"

/* Whether the plen bytes at pat, where `*` is any run of bytes (none included), spell all
 * of the slen bytes at s.  On a mismatch after a `*`, only the latest `*` takes one more byte
 * and the rest is tried again (an earlier one never needs to), so it takes at most about
 * plen * slen steps and no recursion, whatever a file or a client sends. */
static bool glob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t p = 0, i = 0, star = SIZE_MAX, resume = 0;

	while (i < slen) {
		if (p < plen && pat[p] == '*') {
			star = p++;
			resume = i;
		} else if (p < plen && pat[p] == s[i]) {
			p++;
			i++;
		} else if (star != SIZE_MAX) {
			p = star + 1;
			i = ++resume;
		} else {
			return false;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* Only what an item can spell: with any other byte (a quote, '/', ':', '.') a `*` would
 * stand for part of an atom no operator meant to allow. */
static bool plain_name(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && strspn(s, POLICY_SUP_NAME_CHARS) == len;
}

static bool item_allows(const char *item, const char *mod, const char *fun)
{
	const char *colon = strchr(item, ':');

	if (!colon)
		return glob_match(item, strlen(item), mod, strlen(mod));
	return glob_match(item, (size_t)(colon - item), mod, strlen(mod)) &&
	       glob_match(colon + 1, strlen(colon + 1), fun, strlen(fun));
}

bool policy_sup_allows(const struct policy *p, const char *mod, const char *fun)
{
	if (!plain_name(mod) || !plain_name(fun))
		return false;
	for (size_t i = 0; i < p->nsup_modules; i++)
		if (item_allows(p->sup_modules[i], mod, fun))
			return true;
	return false;
}
