/* vmargs.h: vm.args read exactly as erlexec splits it (white space, quotes, backslashes,
 * `#` comments, -args_file includes, -extra), with relx's `${VAR}`s replaced when asked, and
 * Kazoo's own -setcookie and -name lines taken out, so what the VM reads is a flat list kzlaunch
 * has checked and then writes into the node's private home. */
#ifndef KZ_VMARGS_H
#define KZ_VMARGS_H

#include <stdbool.h>

#include "err.h"
#include "strv.h"

#define VMARGS_FILE_MAX (1 << 20)
#define VMARGS_DEPTH 8

struct vmargs_spec {
	const char *root;  /* a relative -args_file is read from here, erlexec's working folder */
	const char *rel;   /* REL: `-name REL` is this node */
	const char *node;  /* the name kzlaunch gives the node: `-name` of it is this node too */
	bool osvars;       /* RELX_REPLACE_OS_VARS: replace `${VAR}` in every file first */
};

struct vmargs {
	struct strv args;  /* what erlexec would pass on, in order, less what was left out */
	struct strv extra; /* the plain arguments after -extra, which erlexec puts last */
	struct strv files; /* every file read: the vm.args, then its includes in order */
	struct strv notes; /* one warning a line: each -setcookie left out, with its file:line */
};

/* Reads `path` and its includes.  Returns 0, or -1 with err (EX_CONFIG) naming the file and
 * line: a NUL byte, an unset `${VAR}`, -args_file without a file or nested past VMARGS_DEPTH,
 * a -name/-sname of another node or without one.  Every file is opened as trustfile_open does.
 * Free `out` with vmargs_free either way. */
int vmargs_load(const struct vmargs_spec *spec, const char *path, struct vmargs *out, struct kz_err *err);

/* The text of a file that erlexec's -args_file reads back as exactly out->args, then -extra
 * and out->extra: one argument a line, every byte erlexec treats specially after a `\`. */
char *vmargs_render(const struct vmargs *v);

void vmargs_free(struct vmargs *v);

#endif
