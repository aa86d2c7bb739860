/* die.c: print one line on stderr and, for the die family, exit with the given status.
 * The only place in kzlaunch that writes diagnostics. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

static const char *progname = "kzlaunch";

void die_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *die_progname(void)
{
	return progname;
}

static void vsay(const char *errtext, const char *fmt, va_list ap)
{
	/* Built in one buffer and written once, so lines from several processes never interleave. */
	char *line = NULL;
	char *body = NULL;

	if (vasprintf(&body, fmt, ap) < 0)
		body = NULL;
	if (asprintf(&line, "%s: %s%s%s\n", progname, body ? body : fmt, errtext ? ": " : "",
		     errtext ? errtext : "") < 0)
		line = NULL;
	if (line)
		fputs(line, stderr);
	fflush(stderr);
	free(line);
	free(body);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(NULL, fmt, ap);
	va_end(ap);
}

void warn_errno(const char *fmt, ...)
{
	const char *text = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vsay(text, fmt, ap);
	va_end(ap);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(NULL, fmt, ap);
	va_end(ap);
	exit(status);
}

void die_errno(int status, const char *fmt, ...)
{
	const char *text = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vsay(text, fmt, ap);
	va_end(ap);
	exit(status);
}

void die_err(const struct kz_err *err)
{
	die(err->status ? err->status : KZ_EXIT_FAIL, "%s", err->msg ? err->msg : "out of memory");
}
