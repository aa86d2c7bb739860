/* fmt.c: the formatting of fmt.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>

#include "fmt.h"

char *fmt_vnew(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

char *fmt_new(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = fmt_vnew(fmt, ap);
	va_end(ap);
	return s;
}
