/* host.h: this machine's name as Kazoo sees it, and the node name built from it. */
#ifndef KZ_HOST_H
#define KZ_HOST_H

#include <stdbool.h>

#include "err.h"

/* The canonical host name, as `hostname -f` gives it: gethostname(), then the resolver's
 * canonical name.  When the resolver has no answer, the plain name and a warning. */
int host_canonical(char **out, struct kz_err *err);

/* A node's name is an atom: NAME@HOST in at most 255 bytes. */
#define HOST_NODE_MAX 255

/* What the distribution accepts and what is safe to print: letters, digits, '_', '-' and
 * '.', one '@' with something on each side, at most HOST_NODE_MAX bytes.  `node` as -n or
 * KAZOO_NODE give it, checked before anything uses it: without an '@' it is the NAME only,
 * and must leave room for one.  EX_USAGE naming it otherwise. */
int host_node_check(const char *node, struct kz_err *err);

/* The node name: `node` whole when it has an @, else (node or rel)@host, where host is the
 * canonical name for -name and its first label for -sname; host_node_check's refusal when
 * the result is not a node name. */
int host_node_name(const char *rel, const char *node, const char *host, bool sname,
		   char **out, struct kz_err *err);

#endif
