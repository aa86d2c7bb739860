/* die.c: print one line on stderr and, for the die family, exit with the given status.
 * Every diagnostic on stderr goes through here; the helper, once it has left its terminal,
 * reports through helper/log.c (syslog) instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "die.h"
#include "escape.h"
#include "fmt.h"

static const char *progname = "kzlaunch";

void die_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

__attribute__((format(printf, 2, 0)))
static void vsay(const char *errtext, const char *fmt, va_list ap)
{
	/* Built in one buffer and written once, so lines from several processes never interleave. */
	char *line, *raw, *body;

	/* Messages quote paths, names and values from files and the environment: escape.h's
	 * rule keeps a control character among them from reaching the terminal as one. */
	raw = fmt_vnew(fmt, ap);
	body = raw ? escape_dup(raw) : NULL;
	line = fmt_new("%s: %s%s%s\n", progname, body ? body : fmt, errtext ? ": " : "", errtext ? errtext : "");
	if (line)
		fputs(line, stderr);
	else
		fprintf(stderr, "%s: out of memory reporting an error\n", progname);
	fflush(stderr);
	free(line);
	free(body);
	free(raw);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(NULL, fmt, ap);
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

void die_on_error(int rc, const struct kz_err *err)
{
	if (rc < 0)
		die_err(err);
}

/* Built on the stack and written with one write(2), then _exit: a forked child must not
 * flush the stdio buffers it shares with its parent (they would come out twice) nor run
 * the parent's atexit handlers.  The launcher is single-threaded, so strerror is safe here. */
void die_child(int status, int errnum, const char *what, const char *call)
{
	char line[1024];
	size_t n = 0;
	const char *parts[] = { progname, ": ", what, call ? ": " : "", call ? call : "", ": ", strerror(errnum) };

	for (size_t i = 0; i < COUNT(parts); i++)
		n += escape_buf(line + n, sizeof line - 1 - n, parts[i]); /* one byte kept for the newline */
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		_exit(status); /* nowhere left to say it */
	_exit(status);
}

void die_write(const char *text)
{
	fputs(text, stderr);
	fflush(stderr);
}
