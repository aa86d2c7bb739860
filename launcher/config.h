/* config.h: which config.ini Kazoo would read on this machine.  Its folder is CONFDIR, where
 * vmfiles.c looks for the node's vm.args and sys.config. */
#ifndef KZ_CONFIG_H
#define KZ_CONFIG_H

#include "err.h"

struct config_paths {
	char *ini;        /* the config.ini in use; NULL when none exists */
	char *ini_abs;    /* the same from /, as the node gets it in KAZOO_CONFIG: it runs in
			   * the release root, where a relative path would name another file */
};

/* kazoo_config: $KAZOO_CONFIG or -c, or NULL.  When set, that file alone is used and a
 * missing or unreadable one is an error (EX_CONFIG); when NULL, /etc/kazoo/config.ini then
 * /etc/kazoo/core/config.ini; neither existing leaves out->ini (and ini_abs) NULL. */
int config_locate(const char *kazoo_config, struct config_paths *out, struct kz_err *err);
void config_paths_free(struct config_paths *paths);

#endif
