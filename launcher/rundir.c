/* rundir.c: creates and checks RUNDIR, the log folder and the cookie home.
 * Every step works on a descriptor opened with O_NOFOLLOW, so a symlink planted by the
 * node's user can never redirect root's writes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "rundir.h"

#define COOKIE_FILE ".erlang.cookie"
#define COOKIE_TMP ".erlang.cookie.new"

static int check_owner(const char *path, const struct stat *st, uid_t uid, struct kz_err *err)
{
	if (!S_ISDIR(st->st_mode))
		return kz_err_set(err, EX_CONFIG, "%s: exists and is not a folder", path);
	if (st->st_uid != 0 && st->st_uid != uid)
		return kz_err_set(err, EX_CONFIG, "%s: owned by uid %u, not root or the node's user",
				  path, (unsigned)st->st_uid);
	return 0;
}

int rundir_ensure(const char *dir, mode_t mode, uid_t uid, gid_t gid, uid_t node_uid,
		  struct kz_err *err)
{
	struct stat st;
	bool root = geteuid() == 0;

	if (lstat(dir, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return kz_err_set(err, EX_CONFIG, "%s: is a symlink; refusing it", dir);
		return check_owner(dir, &st, node_uid, err);
	}
	if (errno != ENOENT)
		return kz_err_errno(err, EX_CONFIG, "%s", dir);
	if (!root)
		return kz_err_errno(err, EX_CONFIG, "%s", dir);
	if (mkdir(dir, mode) < 0)
		return kz_err_errno(err, EX_CONFIG, "%s: mkdir", dir);

	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", dir);
	/* mkdir's mode went through the umask; set it exactly. */
	int rc = 0;
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
		rc = kz_err_errno(err, EX_CONFIG, "%s: setting owner and mode", dir);
	close(fd);
	return rc;
}

/* The home is the node user's own folder: it must be exactly that, or kzlaunch refuses. */
static int open_home(int rundir_fd, const char *path, const char *name, uid_t uid, gid_t gid,
		     struct kz_err *err)
{
	struct stat st;
	int fd;

	if (mkdirat(rundir_fd, name, 0700) == 0) {
		fd = openat(rundir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return kz_err_errno(err, EX_CONFIG, "%s", path);
		if (geteuid() == 0 && fchown(fd, uid, gid) < 0) {
			close(fd);
			return kz_err_errno(err, EX_CONFIG, "%s: chown", path);
		}
		return fd;
	}
	if (errno != EEXIST)
		return kz_err_errno(err, EX_CONFIG, "%s: mkdir", path);
	fd = openat(rundir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kz_err_errno(err, EX_CONFIG, "%s: exists and is not a folder kzlaunch made", path);
	if (fstat(fd, &st) < 0 || st.st_uid != uid || (st.st_mode & 07777) != 0700) {
		close(fd);
		return kz_err_set(err, EX_CONFIG, "%s: exists and is not a 0700 folder of uid %u; refusing it",
				  path, (unsigned)uid);
	}
	return fd;
}

/* Written beside the real one and renamed over it: atomic for a node reading it, and it
 * works on a 0400 file whose owner cannot reopen it for writing. */
static int write_cookie_file(int home_fd, const char *home, uid_t uid, gid_t gid,
			     const char *cookie, struct kz_err *err)
{
	size_t len = strlen(cookie);
	int fd;

	if (unlinkat(home_fd, COOKIE_TMP, 0) < 0 && errno != ENOENT)
		return kz_err_errno(err, EX_CONFIG, "%s/%s", home, COOKIE_TMP);
	fd = openat(home_fd, COOKIE_TMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0)
		return kz_err_errno(err, EX_CONFIG, "%s/%s", home, COOKIE_TMP);
	int rc = 0;
	if (geteuid() == 0 && fchown(fd, uid, gid) < 0)
		rc = kz_err_errno(err, EX_CONFIG, "%s/%s: chown", home, COOKIE_TMP);
	else if (fchmod(fd, 0400) < 0)
		rc = kz_err_errno(err, EX_CONFIG, "%s/%s: chmod", home, COOKIE_TMP);
	else if (write(fd, cookie, len) != (ssize_t)len)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s: write", home, COOKIE_TMP);
	if (close(fd) < 0 && rc == 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s: close", home, COOKIE_TMP);
	if (rc == 0 && renameat(home_fd, COOKIE_TMP, home_fd, COOKIE_FILE) < 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s: rename", home, COOKIE_FILE);
	if (rc != 0)
		unlinkat(home_fd, COOKIE_TMP, 0); /* best effort: the error already says what failed */
	return rc;
}

char *rundir_home_path(const char *rundir, const char *rel)
{
	char *path = NULL;

	return asprintf(&path, "%s/%s.home", rundir, rel) < 0 ? NULL : path;
}

int rundir_write_cookie(const char *rundir, const char *rel, uid_t uid, gid_t gid,
			const char *cookie, char **home, struct kz_err *err)
{
	char *name = NULL;
	int rundir_fd, home_fd, rc = -1;

	*home = rundir_home_path(rundir, rel);
	if (!*home || asprintf(&name, "%s.home", rel) < 0) {
		name = NULL;
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", rundir);
		goto out;
	}
	rundir_fd = open(rundir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rundir_fd < 0) {
		kz_err_errno(err, EX_CONFIG, "%s", rundir);
		goto out;
	}
	home_fd = open_home(rundir_fd, *home, name, uid, gid, err);
	close(rundir_fd);
	if (home_fd < 0)
		goto out;
	rc = write_cookie_file(home_fd, *home, uid, gid, cookie, err);
	close(home_fd);
out:
	free(name);
	if (rc != 0) {
		free(*home);
		*home = NULL;
	}
	return rc;
}
