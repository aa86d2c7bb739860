/* die.h: the one way kzlaunch reports an error and the one set of exit statuses.
 * Every message is a single line on stderr, prefixed by the program's name. */
#ifndef KZ_DIE_H
#define KZ_DIE_H

#include <stdnoreturn.h>
#include <sysexits.h>

#include "err.h"

/* README and kzlaunch(8), "Exit status".  The sysexits values are used by name from <sysexits.h>:
 * EX_USAGE 64, EX_UNAVAILABLE 69, EX_NOPERM 77, EX_CONFIG 78. */
enum {
	KZ_EXIT_OK = 0,
	KZ_EXIT_FAIL = 1,
	KZ_EXIT_NOT_RUNNING = 3, /* `status` only: LSB "program is not running" */
};

void die_init(const char *argv0);

noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void die_errno(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void die_err(const struct kz_err *err);
/* For `rc = step(..., &err)`: dies with err's status and message when rc < 0. */
void die_on_error(int rc, const struct kz_err *err);
/* In a forked child before exec: "PROG: WHAT[: CALL]: strerror(errnum)" in one write, then
 * _exit.  Control characters show as escape.h has them. */
noreturn void die_child(int status, int errnum, const char *what, const char *call);
/* Text that is not a message of ours but output shown as it came (the node's last lines,
 * already escaped by the caller): on stderr as it is. */
void die_write(const char *text);
/* One line, the program goes on: the message alone (BSD's warnx).  Not named warn/warnx: glibc
 * exports those from <err.h>, and a program's own definitions would take the place of libc's
 * for every library. */
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
