/* epmd.h: asks the port mapper whether a node is registered, without booting a VM. */
#ifndef KZ_EPMD_H
#define KZ_EPMD_H

#include "err.h"

/* 1 when `node` (NAME@HOST) is registered with epmd on HOST, 0 when it is not (or no epmd
 * answers there), -1 with err on a malformed answer. */
int epmd_node_registered(const char *node, struct kz_err *err);

#endif
