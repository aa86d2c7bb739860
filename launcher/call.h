/* call.h: the actions that call into a running node: ping, rpc, rpcterms, eval, sup. */
#ifndef KZ_CALL_H
#define KZ_CALL_H

#include "args.h"
#include "node.h"

/* Connects, calls, prints the result: the action's exit status (README, "Calls"). */
int call_run(const struct args *a);

#endif
