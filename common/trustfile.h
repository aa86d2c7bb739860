/* trustfile.h: opening a file that tells root what to run (a policy, vm.args, sys.config)
 * and proving, when root, that only root could have changed it.  One rule set for all of
 * them; `why` ends every refusal ("refusing a policy root would act on"). */
#ifndef KZ_TRUSTFILE_H
#define KZ_TRUSTFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "err.h"

/* The one rule for files and folders root relies on: who but its owner may change it.
 * "its group" or "others" when their write bit is set, NULL when only the owner may; a
 * sticky folder (/tmp) lets nobody else rename or remove an entry, so it passes.  A group
 * write bit counts even for gid 0: membership of group root is not root. */
const char *trustfile_writable_by(const struct stat *st);

/* Only root may have changed what `st` describes: owned by uid 0 and trustfile_writable_by
 * no one. */
int trustfile_root_only(const char *what, const struct stat *st, const char *why, struct kz_err *err);

/* The folder holding `path`, as written ("." for a bare name), followed if it is a symlink:
 * it is the folder reached that could have the file swapped in it. */
int trustfile_root_folder(const char *path, const char *why, struct kz_err *err);

/* Opens `path` read-only; everyone gets a regular file (O_NONBLOCK: a FIFO never blocks the
 * open, and is refused).  When the caller is root: not a symlink (name the file itself),
 * trustfile_root_only on the file and trustfile_root_folder on its folder.  Returns the
 * descriptor with *st its fstat, or -1 with err (EX_CONFIG); nothing at all at `path`
 * leaves errno ENOENT, every other failure leaves errno something else. */
int trustfile_open(const char *path, const char *why, struct stat *st, struct kz_err *err);

/* trustfile_open, then the whole file into a malloc'd NUL-terminated *buf (*len bytes, not
 * counting the NUL); a file over `max` bytes is refused. */
int trustfile_read(const char *path, size_t max, const char *why, char **buf, size_t *len,
		   struct kz_err *err);

#endif
