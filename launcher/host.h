/* host.h: this machine's name as Kazoo sees it, and the node name built from it. */
#ifndef KZ_HOST_H
#define KZ_HOST_H

#include <stdbool.h>

#include "err.h"

/* The canonical host name, as `hostname -f` gives it: gethostname(), then the resolver's
 * canonical name.  When the resolver has no answer, the plain name and a warning. */
int host_canonical(char **out, struct kz_err *err);

/* The node name: `node` whole when it has an @, else (node or rel)@host, where host is the
 * canonical name for -name and its first label for -sname. */
int host_node_name(const char *rel, const char *node, const char *host, bool sname,
		   char **out, struct kz_err *err);

#endif
