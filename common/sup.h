/* sup.h: Kazoo's sup as both programs make the call: kzlaunch over its own connection, the
 * helper for a client who holds only the sup right (helper/supcall.h).  The whole of sup's
 * meaning is common/sup.erl's, run on the node in one round trip; this encodes the call and
 * reads how it ended, so both print the same and exit with the same status. */
#ifndef KZ_SUP_H
#define KZ_SUP_H

#include <ei.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "proto.h"
#include "term.h"

/* Appends the arguments of erl_eval:expr/2, for rex, that run sup.erl's form for
 * MOD:FUN(ARGS) (each argument a binary) under capture.erl's group leader: caller is the
 * calling node's pid, caller_node its name.  0, or -1 when out of memory or a name is not
 * UTF-8 (the caller checked both: dist_atom_check). */
int sup_encode(ei_x_buff *x, const erlang_pid *caller, const char *caller_node, const char *mod, const char *fun,
	       const struct msg_text *args, size_t nargs);

/* How a sup call ended: DONE's outcome and code, and the text RESULT carries (the value or
 * the reason on one line; allocated, NULL with len 0 when there is none). */
struct sup_outcome {
	enum proto_done done;
	uint8_t code;
	char *text;
	size_t len;
};

/* What rex answered for sup_encode's call: 0 with *o, -1 when it is not an answer sup.erl
 * gives (or out of memory).  rex's own {badrpc, Reason}, when the evaluation itself failed,
 * is PROTO_DONE_FAILED with Reason as libei prints it. */
int sup_outcome_read(const struct term *answer, struct sup_outcome *o);
void sup_outcome_free(struct sup_outcome *o);

#endif
