/* attach.h: `attach` (actions.h's runner). */
#ifndef KZ_ATTACH_H
#define KZ_ATTACH_H

#include "args.h"

/* The node's console on this terminal until the detach key, the end of input or the node's
 * end: 0; 69 not running; 77 without the right (README, "Rights"). */
int attach_run(const struct args *a);

#endif
