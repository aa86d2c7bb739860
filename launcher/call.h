/* call.h: the actions that call into a running node: ping, rpc, rpcterms, eval, sup. */
#ifndef KZ_CALL_H
#define KZ_CALL_H

#include <stdnoreturn.h>

#include "args.h"
#include "node.h"

/* Connects, calls, prints the result and exits with the action's status (README, "Calls"). */
noreturn void call_run(const struct args *a);

#endif
