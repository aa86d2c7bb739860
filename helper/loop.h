/* loop.h: the helper's one poll loop, from setup's end to the node's. */
#ifndef KZ_LOOP_H
#define KZ_LOOP_H

#include "helper.h"

/* Serves until the node has ended, then lets the clients take its EXIT; its exit status. */
int loop_run(struct helper *h);

#endif
