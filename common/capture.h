/* capture.h: the call that runs MOD:FUN(ARGS) on the node under a group leader of kzlaunch's
 * own (common/capture.erl), so that what the function prints reaches the caller as
 * {rex_stdout, Bytes} messages on every OTP from 19 on, and the call ends with the caller's
 * connection (doc/distribution.md, "Calls"). */
#ifndef KZ_CAPTURE_H
#define KZ_CAPTURE_H

#include <ei.h>

/* Appends the argument list of erl_eval:expr/2 that does it, for rex: [Form, Bindings].
 * args_buf holds the encoded list of arguments (args_len bytes); show is "term" (the value
 * as it is) or "text" (its "~tp" text, a binary).  0, or -1 when out of memory. */
int capture_encode(ei_x_buff *x, const erlang_pid *caller, const char *mod, const char *fun, const char *args_buf,
		   int args_len, const char *show);

#endif
