/* osvars.h: relx's RELX_REPLACE_OS_VARS, `${VAR}` in vm.args and sys.config replaced from
 * the environment, without relx's awk and without its silent empty value for an unset one. */
#ifndef KZ_OSVARS_H
#define KZ_OSVARS_H

#include <stdbool.h>

#include "err.h"

/* True when RELX_REPLACE_OS_VARS is set to anything but the empty string, as relx reads it. */
bool osvars_enabled(void);

/* Copies `text` into a malloc'd *out with each `${NAME}` replaced by getenv(NAME) and each
 * `${NAME:-DEFAULT}` by DEFAULT when NAME is unset or empty (relx's forms; both braces on
 * one line, else the text stays as it is).  A replaced value is not scanned again.  An unset
 * NAME without a default, or `${}`, is refused (EX_CONFIG) naming `path`, the line and NAME. */
int osvars_replace(const char *path, const char *text, char **out, struct kz_err *err);

#endif
