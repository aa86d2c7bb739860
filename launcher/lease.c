/* lease.c: names leased by byte-range locks of one file in the node's private home (or root's
 * folder for a node kzlaunch did not start), which root and the node's user can open and
 * nobody else can reach.  Open file description locks
 * (F_OFD_SETLK) belong to the descriptor, not the process, and end with it: a call that dies
 * frees its name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "dist.h"
#include "lease.h"

int lease_take(int dir_fd, const char *dir, struct kz_err *err)
{
	/* Made by whoever calls first; a link put in its place is not followed. */
	int fd = openat(dir_fd, "call.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return kz_err_errno(err, errno == EACCES || errno == EPERM ? EX_NOPERM : KZ_EXIT_FAIL, "%s/call.lock", dir);
	for (int name = DIST_DIRECT_FIRST; name < DIST_NAMES; name++) {
		struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = name, .l_len = 1 };

		if (fcntl(fd, F_OFD_SETLK, &lk) == 0)
			return name; /* fd stays open: the lease lasts as long as this process */
		if (errno != EAGAIN && errno != EACCES) {
			kz_err_errno(err, KZ_EXIT_FAIL, "%s/call.lock: lock", dir);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return kz_err_set(err, KZ_EXIT_FAIL, "%s/call.lock: all %d names for calls are in use", dir,
			  DIST_NAMES - DIST_DIRECT_FIRST);
}
