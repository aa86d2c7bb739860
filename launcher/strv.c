/* strv.c: the string vectors of strv.h.  Never prints, never exits. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "strv.h"

static int push_owned(struct strv *s, char *str)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		char **v = realloc(s->v, cap * sizeof *v);
		if (!v) {
			free(str);
			return -1;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = str;
	s->v[++s->n] = NULL;
	return 0;
}

int strv_addn(struct strv *s, const char *str, size_t len)
{
	char *copy = strndup(str, len);

	return copy ? push_owned(s, copy) : -1;
}

int strv_add(struct strv *s, const char *str)
{
	return strv_addn(s, str, strlen(str));
}

int strv_addf(struct strv *s, const char *fmt, ...)
{
	char *str;
	va_list ap;

	va_start(ap, fmt);
	str = fmt_vnew(fmt, ap);
	va_end(ap);
	return str ? push_owned(s, str) : -1;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}
