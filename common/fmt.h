/* fmt.h: printf into new memory, the one wrapper around vasprintf (whose pointer is
 * undefined when it fails, so no caller tests it by hand).  Never prints, never exits. */
#ifndef KZ_FMT_H
#define KZ_FMT_H

#include <stdarg.h>

/* The formatted text in memory the caller frees; NULL (errno ENOMEM) when it cannot be made. */
char *fmt_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *fmt_vnew(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
