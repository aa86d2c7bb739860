/* inifile.h: reads an INI file as Kazoo's are written, whole lines only, with line numbers
 * (doc/ini.md).  Its own reader: Debian's inih cuts lines at 199 bytes without a word. */
#ifndef KZ_INIFILE_H
#define KZ_INIFILE_H

#include "err.h"

/* Lines longer than this are refused, naming the file and the line. */
#define INIFILE_MAX_LINE 4095

/* Called for every section header (key and value NULL) and for every key.
 * `section` is the whole section name, `value` the whole value, trimmed (white space and an
 * inline `;` comment after white space removed; see inifile_clean_value for the rest),
 * except that a value opening with `"` is kept up to its closing quote, `;` included.
 * `line` is the 1-based number of the line it came from.  Leading white space is dropped
 * from every line, so an indented line is a key, a header or a comment like any other, never
 * another value for the key above it (inih's multi-line values are not Kazoo's).
 * Return 0 to go on; -1 (with err filled) to stop the parse. */
typedef int (*inifile_handler)(void *user, const char *section, const char *key,
			       const char *value, unsigned line, struct kz_err *err);

/* Reads regular files only: a FIFO, a device or a directory is refused before any read, so
 * the parse never hangs, and no line costs more than a fixed INIFILE_MAX_LINE-sized buffer.
 * Returns 0, or -1 with err filled: EX_CONFIG for a bad line (names path and line),
 * EX_CONFIG too for a file that cannot be opened or read (names the path and errno) and
 * for one that is not a regular file ("PATH: not a regular file"). */
int inifile_parse(const char *path, inifile_handler handler, void *user, struct kz_err *err);

/* The same, from `fd` as it is now (its offset, its file): the file a caller opened and
 * checked is the one parsed.  `path` names it in messages; `fd` stays the caller's. */
int inifile_parse_fd(int fd, const char *path, inifile_handler handler, void *user, struct kz_err *err);

/* The value as Kazoo reads it: white space trimmed, a `;` comment cut off, then one pair
 * of surrounding double quotes removed; a `;` inside a quoted value is kept ("a;b" is a;b).
 * Returns a malloc'd string, or NULL when out of memory. */
char *inifile_clean_value(const char *raw);

#endif
