/* trustfile.c: opens the files that tell root what to run and refuses, when root, one that
 * anyone but root could have changed.  Reads through the descriptor it checked, so what is
 * believed is what was looked at.  Never prints, never exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "trustfile.h"

const char *trustfile_writable_by(const struct stat *st)
{
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return NULL;
	if (st->st_mode & S_IWOTH)
		return "others";
	if (st->st_mode & S_IWGRP)
		return "its group";
	return NULL;
}

int trustfile_root_only(const char *what, const struct stat *st, const char *why, struct kz_err *err)
{
	const char *who = trustfile_writable_by(st);

	if (st->st_uid != 0)
		return kz_err_set(err, EX_CONFIG, "%s: owned by uid %u: %s", what, (unsigned)st->st_uid, why);
	if (who)
		return kz_err_set(err, EX_CONFIG, "%s: writable by %s (mode %04o): %s", what, who,
				  (unsigned)(st->st_mode & 07777), why);
	return 0;
}

int trustfile_root_folder(const char *path, const char *why, struct kz_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = !slash ? strdup(".") : slash == path ? strdup("/")
				: strndup(path, (size_t)(slash - path));
	struct stat st;
	int rc;

	if (!dir)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: out of memory", path);
	if (stat(dir, &st) < 0)
		rc = kz_err_errno(err, EX_CONFIG, "%s", dir);
	else
		rc = trustfile_root_only(dir, &st, why, err);
	free(dir);
	errno = EINVAL;
	return rc;
}

/* A symlink could be changed by whoever owns its folder, and one check of the file it names
 * proves nothing later: as root, the file itself must be named. */
static int symlink_refused(const char *path, const char *why, struct kz_err *err)
{
	kz_err_set(err, EX_CONFIG, "%s: a symbolic link: %s (name the file itself)", path, why);
	errno = ELOOP;
	return -1;
}

int trustfile_open(const char *path, const char *why, struct stat *st, struct kz_err *err)
{
	bool root = geteuid() == 0;
	struct stat lst;
	int fd;

	if (lstat(path, &lst) < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", path);
	if (root && S_ISLNK(lst.st_mode))
		return symlink_refused(path, why, err);
	fd = fd_open_regular(path, root ? O_NOFOLLOW : 0, st);
	if (fd == -1 && root && errno == ELOOP) /* became a symlink since the lstat */
		return symlink_refused(path, why, err);
	if (fd == -2) {
		kz_err_set(err, EX_CONFIG, "%s: not a regular file", path);
		errno = EINVAL;
		return -1;
	}
	if (fd < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: open", path);
		errno = errno == ENOENT ? ESTALE : errno; /* it was there a moment ago */
		return -1;
	}
	if (!root || (trustfile_root_only(path, st, why, err) == 0 && trustfile_root_folder(path, why, err) == 0))
		return fd;
	close(fd); /* read-only and never read: a failing close loses nothing */
	errno = EINVAL;
	return -1;
}

int trustfile_read(const char *path, size_t max, const char *why, char **buf, size_t *len,
		   struct kz_err *err)
{
	struct stat st;
	size_t n = 0;
	char *b;
	int fd = trustfile_open(path, why, &st, err);

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return kz_err_set(err, EX_CONFIG, "%s: larger than %zu bytes", path, max);
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
	}
	/* Read to the size fstat gave: a file that grows meanwhile is read as it was. */
	ssize_t got = fd_read_all(fd, b, (size_t)st.st_size);
	if (got < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: read", path);
		close(fd);
		free(b);
		return -1;
	}
	n = (size_t)got;
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}
