/* err.c: error values for library code.  Never prints, never exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fmt.h"

__attribute__((format(printf, 4, 0)))
static int err_vset(struct kz_err *err, int status, const char *suffix, const char *fmt, va_list ap)
{
	char *msg;

	free(err->msg);
	err->msg = NULL;
	err->status = status;
	msg = fmt_vnew(fmt, ap);
	if (!msg)
		return -1; /* out of memory: the status still says what class of failure it was */
	if (suffix) {
		char *both = fmt_new("%s: %s", msg, suffix);
		if (both) {
			free(msg);
			msg = both;
		}
	}
	err->msg = msg;
	return -1;
}

int kz_err_set(struct kz_err *err, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, status, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int kz_err_errno(struct kz_err *err, int status, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, status, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

void kz_err_clear(struct kz_err *err)
{
	free(err->msg);
	err->msg = NULL;
	err->status = 0;
}
