/* vmfiles.h: which vm.args and sys.config a node reads, as relx's script and Kazoo's init
 * scripts choose them, and what of them reaches the VM (vmargs.h, osvars.h). */
#ifndef KZ_VMFILES_H
#define KZ_VMFILES_H

#include "err.h"
#include "release.h"
#include "vmargs.h"

#define SYS_CONFIG_MAX (4 << 20)

struct vmfiles {
	char *vm_args;            /* the file chosen */
	const char *vm_args_from; /* "VMARGS_PATH", "config folder" or "release" */
	char *sys_config;
	const char *sys_config_from;
	struct vmargs args;       /* what vm.args and its includes say, filtered */
	char *vm_args_text;       /* the flat copy the VM reads, for HOME/vm.args */
	char *sys_config_text;    /* the ${VAR}-replaced copy for HOME/sys.config, or NULL when
				   * the VM reads sys_config itself */
};

/* vm.args: $VMARGS_PATH alone when set and not empty, else the first of CONFDIR/REL.vm.args,
 * CONFDIR/vm.args and the release's; sys.config: $RELX_CONFIG_PATH alone, else the first of
 * CONFDIR/REL.sys.config, CONFDIR/sys.config, CONFDIR/app.config and the release's.  CONFDIR
 * is the folder of `ini` (NULL: none).  Both are read through trustfile_open, so as root one
 * that anyone but root can change is refused.  Returns 0, or -1 with err (EX_CONFIG) naming
 * the file; free `out` with vmfiles_free either way. */
int vmfiles_load(const char *ini, const struct release *rel, const struct vmargs_spec *spec,
		 struct vmfiles *out, struct kz_err *err);
void vmfiles_free(struct vmfiles *f);

#endif
