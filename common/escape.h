/* escape.h: the one rule for showing text that came from a file, a peer or the environment
 * on a terminal or in syslog: each byte below 0x20 and DEL becomes \xNN, every other byte
 * (a backslash too) is itself.  So an escape sequence in a path is shown, never obeyed, and
 * a message stays one line. */
#ifndef KZ_ESCAPE_H
#define KZ_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether c is shown escaped. */
bool escape_byte_needed(unsigned char c);
/* Whether any byte of s is. */
bool escape_needed(const char *s);
/* c as shown, into out (4 bytes and a NUL at most); returns its length, 1 or 4. */
size_t escape_byte(unsigned char c, char out[static 5]);
/* s as shown, into out of size bytes (size > 0), always NUL-terminated and cut only between
 * whole escapes.  Returns the length written.  No allocation, no locale: async-signal-safe,
 * for a forked child. */
size_t escape_buf(char *out, size_t size, const char *s);
/* s as shown, in memory the caller frees; NULL when out of memory. */
char *escape_dup(const char *s);

#endif
