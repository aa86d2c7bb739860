/* osvars.c: replaces relx's `${VAR}` forms in a file's text (osvars.h).  Pure: reads only
 * the environment, writes only the copy it returns. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "die.h"
#include "osvars.h"

bool osvars_enabled(void)
{
	const char *v = getenv("RELX_REPLACE_OS_VARS");

	return v && *v;
}

struct growbuf {
	char *b;
	size_t n, cap;
	int failed;
};

static void put(struct growbuf *g, const char *s, size_t len)
{
	if (g->failed)
		return;
	if (g->n + len + 1 > g->cap) {
		size_t cap = g->cap ? g->cap : 256;
		while (cap < g->n + len + 1)
			cap *= 2;
		char *b = realloc(g->b, cap);
		if (!b) {
			g->failed = 1;
			return;
		}
		g->b = b;
		g->cap = cap;
	}
	memcpy(g->b + g->n, s, len);
	g->n += len;
	g->b[g->n] = '\0';
}

/* The value for the inside of one `${...}`: NULL with err filled when refused. */
static const char *value_of(const char *path, unsigned line, char *inside, struct kz_err *err)
{
	char *dflt = strstr(inside, ":-");
	const char *v;

	if (dflt)
		*dflt = '\0';
	if (!*inside) {
		kz_err_set(err, EX_CONFIG, "%s:%u: ${%s}: names no variable", path, line, dflt ? ":-..." : "");
		return NULL;
	}
	v = getenv(inside);
	if (dflt && (!v || !*v))
		return dflt + 2;
	if (!v)
		kz_err_set(err, EX_CONFIG, "%s:%u: ${%s} is not set (RELX_REPLACE_OS_VARS is on, so it must be)", path,
			   line, inside);
	return v;
}

int osvars_replace(const char *path, const char *text, char **out, struct kz_err *err)
{
	struct growbuf g = { 0 };
	unsigned line = 1;
	const char *p = text;

	*out = NULL;
	put(&g, "", 0);
	while (*p) {
		size_t plain = strcspn(p, "$\n");
		put(&g, p, plain);
		p += plain;
		if (*p == '\n') {
			put(&g, p++, 1);
			line++;
			continue;
		}
		if (!*p)
			break;
		size_t span = p[1] == '{' ? strcspn(p + 2, "}\n") : 0;
		if (p[1] != '{' || p[2 + span] != '}') {
			put(&g, p++, 1); /* a `$` that opens no `${...}` on this line stays */
			continue;
		}
		char *inside = strndup(p + 2, span);
		const char *v = inside ? value_of(path, line, inside, err) : NULL;
		if (!inside)
			kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
		if (!v) {
			free(inside);
			free(g.b);
			return -1;
		}
		put(&g, v, strlen(v));
		free(inside);
		p += 2 + span + 1;
	}
	if (g.failed) {
		free(g.b);
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
	}
	*out = g.b;
	return 0;
}
