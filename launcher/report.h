/* report.h: --dry-run's account of a resolved node, one fact a line on stdout.  It only
 * prints: it never resolves, writes a file or shows the cookie. */
#ifndef KZ_REPORT_H
#define KZ_REPORT_H

#include "node.h"

/* --dry-run: one fact a line on stdout; never the cookie. */
void report_node(const struct node *n, const char *const *argv, const char *const *envp);

#endif
