/* remote.h: what kzlaunch asks the node to do for it.  Only Erlang parses and prints Erlang:
 * the text of an argument or an expression is scanned and parsed on the node (erl_scan,
 * erl_parse), and a result is formatted there (io_lib), so a binary, a map or a big integer
 * means what it means in the shell.  Each step is one remote call of a stock OTP function;
 * its result comes back as bytes that the next call carries on unread (term.h). */
#ifndef KZ_REMOTE_H
#define KZ_REMOTE_H

#include <stdbool.h>

#include "dist.h"
#include "err.h"
#include "term.h"

struct remote {
	struct dist_conn conn;
	const char *node;
	long deadline;   /* CLOCK_MONOTONIC ms; -1: none */
	long timeout_ms; /* as given, for messages */
	bool timed_out;  /* the last failure was the deadline */
};

/* Sets r's deadline timeout_ms from now (negative: none). */
void remote_begin(struct remote *r, long timeout_ms);
/* Closes the connection, if one was made. */
void remote_end(struct remote *r);

/* mod:fun(args...) on the node, args an encoded list: 0 with *result pointing into reply (an
 * ei_x_buff the caller made); -1 with err (r->timed_out when the deadline passed).  With out,
 * the call runs under a group leader of kzlaunch's own (common/capture.erl), so what the
 * function prints goes to out as it is printed, on every OTP; without, it is a plain call. */
int remote_apply(struct remote *r, const char *mod, const char *fun, const ei_x_buff *args,
		 dist_output_fn *out, void *arg, ei_x_buff *reply, struct term *result, struct kz_err *err);

/* mod:fun(args...) exactly as given (no group leader of kzlaunch's), as rex runs it: what
 * the call sends as {rex_stdout, Bytes} (a call that arranges a group leader itself, as
 * sup.h's does) goes to out.  Returns as remote_apply. */
int remote_call(struct remote *r, const char *mod, const char *fun, const ei_x_buff *args, dist_output_fn *out,
		void *arg, ei_x_buff *reply, struct term *result, struct kz_err *err);

/* mod:fun(args...) and its result formatted as "~tp", in one call, under the same group
 * leader: the node evaluates common/capture.erl's form (erl_eval, M, F and A bound), so a
 * call costs one round trip, as erl_call's does.  0 with the text (allocated) and *len; 1
 * with *reason pointing into reply when the call raised ({badrpc, Reason}); -1 with err. */
int remote_apply_text(struct remote *r, const char *mod, const char *fun, const ei_x_buff *args,
		      dist_output_fn *out, void *arg, ei_x_buff *reply, char **text, size_t *len,
		      struct term *reason, struct kz_err *err);

/* `text` as one Erlang term (a final '.' is optional): 0 with *term in reply; -1 with err
 * naming `what` and the node's own message for a syntax error. */
int remote_parse_term(struct remote *r, const char *what, const char *text, ei_x_buff *reply,
		      struct term *term, struct kz_err *err);

/* `text` as terms, each ended by '.' (the last one's optional), appended to list (after a
 * list header the caller writes from *count, so: into a scratch buffer) as they come. */
int remote_parse_terms(struct remote *r, const char *what, const char *text, ei_x_buff *terms,
		       int *count, struct kz_err *err);

/* `text` as expressions ("A = 1, A + 1."): 0 with *exprs (erl_parse's forms) in reply. */
int remote_parse_exprs(struct remote *r, const char *text, ei_x_buff *reply, struct term *exprs,
		       struct kz_err *err);

/* t as text: "~tp" (one_line false), or on a single line as Kazoo's sup prints it
 * (io_lib:print with no line length).  Allocated, NUL-terminated; *len its length. */
char *remote_format(struct remote *r, const struct term *t, bool one_line, size_t *len, struct kz_err *err);

#endif
