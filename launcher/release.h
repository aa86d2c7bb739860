/* release.h: the layout of a release root (Kazoo's _rel/kazoo): which VM, boot file,
 * vm.args and sys.config a node of it runs with. */
#ifndef KZ_RELEASE_H
#define KZ_RELEASE_H

#include <stdbool.h>

#include "err.h"

struct release {
	char *root;       /* absolute */
	char *erts_vsn;
	char *rel_vsn;
	char *bindir;     /* ROOT/erts-ERTS_VSN/bin */
	char *erlexec;    /* BINDIR/erlexec */
	char *boot;       /* ROOT/releases/REL_VSN/RELNAME or start (erlexec adds .boot) */
	char *boot_clean; /* start_clean, for a remote shell; NULL when the release has none */
	char *vm_args;    /* the release's own; vmfiles.c picks the one a node reads */
	char *sys_config;
	char *lib;        /* ROOT/lib */
};

/* root: -r/KAZOO_ROOT or NULL for the default.  Returns 0, or -1 with err (EX_CONFIG) naming
 * the file at fault. */
int release_locate(const char *root, struct release *rel, struct kz_err *err);
/* Whether one of the release's applications holds MODULE.beam (lib/APP-VSN/ebin). */
bool release_has_module(const struct release *rel, const char *module);
void release_free(struct release *rel);

#endif
