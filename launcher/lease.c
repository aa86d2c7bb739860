/* lease.c: names leased by byte-range locks of one file in the node's private home, which
 * root and the node's user can open and nobody else can reach.  Open file description locks
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
#include "fmt.h"
#include "lease.h"

int lease_take(const char *home, struct kz_err *err)
{
	char *path = fmt_new("%s/call.lock", home);
	int fd;

	if (!path)
		return kz_err_set(err, KZ_EXIT_FAIL, "out of memory");
	/* Made by whoever calls first; a link put in its place is not followed. */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		kz_err_errno(err, errno == EACCES || errno == EPERM ? EX_NOPERM : KZ_EXIT_FAIL, "%s", path);
		free(path);
		return -1;
	}
	for (int name = DIST_DIRECT_FIRST; name < DIST_NAMES; name++) {
		struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = name, .l_len = 1 };

		if (fcntl(fd, F_OFD_SETLK, &lk) == 0) {
			free(path); /* fd stays open: the lease lasts as long as this process */
			return name;
		}
		if (errno != EAGAIN && errno != EACCES) {
			kz_err_errno(err, KZ_EXIT_FAIL, "%s: lock", path);
			break;
		}
	}
	if (!err->msg)
		kz_err_set(err, KZ_EXIT_FAIL, "%s: all %d names for calls are in use", path, DIST_NAMES - DIST_DIRECT_FIRST);
	close(fd);
	free(path);
	return -1;
}
