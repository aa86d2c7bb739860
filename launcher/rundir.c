/* rundir.c: creates and checks RUNDIR, the log folder and the cookie home.
 * Paths are walked one folder at a time with O_NOFOLLOW, and every folder on the way is
 * checked, so a symlink or a folder planted by the node's user never redirects root. */
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
#include "fd.h"
#include "fmt.h"
#include "rundir.h"
#include "trustfile.h"

/* A folder above RUNDIR or the log folder: only root or the one running kzlaunch may be
 * able to replace what is inside it, by the rule root applies to every file it trusts
 * (common/trustfile.h). */
static int check_parent(int fd, const char *dir, const char *upto, struct kz_err *err)
{
	struct stat st;
	const char *who;

	if (fstat(fd, &st) < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", dir);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return kz_err_set(err, EX_CONFIG, "%s: %s is owned by uid %u: refusing a path others can change", dir,
				  upto, (unsigned)st.st_uid);
	who = trustfile_writable_by(&st);
	if (who)
		return kz_err_set(err, EX_CONFIG, "%s: %s is writable by %s (mode %04o): refusing a path others can change",
				  dir, upto, who, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Walks `dir` from its start, one component at a time without following symlinks, checking
 * every folder on the way (open_trusted has refused a path with "..").  Returns a descriptor
 * of the last folder's parent and its name. */
static int open_parent(const char *dir, char *copy, const char **last, struct kz_err *err)
{
	char *save = NULL, *comp, *next;
	int fd = open(*copy == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", dir);
	if (*copy == '/' && check_parent(fd, dir, "/", err) < 0)
		goto fail;
	comp = strtok_r(copy, "/", &save);
	if (!comp) {
		kz_err_set(err, EX_CONFIG, "%s: not a folder kzlaunch can own", dir);
		goto fail;
	}
	while ((next = strtok_r(NULL, "/", &save))) {
		int nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			kz_err_errno(err, EX_CONFIG, "%s: %s", dir, comp);
			goto fail;
		}
		close(fd);
		fd = nfd;
		if (check_parent(fd, dir, comp, err) < 0)
			goto fail;
		comp = next;
	}
	*last = comp;
	return fd;
fail:
	close(fd);
	return -1;
}

/* As root, a missing folder is made; mkdirat's mode went through the umask, so it is set
 * exactly on the new folder's own descriptor. */
static int make_dir(int parent, const char *name, const char *dir, mode_t mode, uid_t uid, gid_t gid,
		    struct kz_err *err)
{
	if (mkdirat(parent, name, mode) < 0)
		return kz_err_errno(err, EX_CONFIG, "%s: mkdir", dir);
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", dir);
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0) {
		close(fd);
		return kz_err_errno(err, EX_CONFIG, "%s: setting owner and mode", dir);
	}
	return fd;
}

static int check_own_dir(int fd, const char *dir, uid_t node_uid, struct kz_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", dir);
	if (st.st_uid != 0 && st.st_uid != node_uid)
		return kz_err_set(err, EX_CONFIG, "%s: owned by uid %u, not root or the node's user", dir,
				  (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return kz_err_set(err, EX_CONFIG, "%s: writable by group or others (mode %04o); refusing it", dir,
				  (unsigned)(st.st_mode & 07777));
	return 0;
}

int rundir_check_path(const char *dir, struct kz_err *err)
{
	for (const char *comp = dir;;) {
		size_t n = strcspn(comp, "/");

		if (n == 2 && comp[0] == '.' && comp[1] == '.')
			return kz_err_set(err, EX_CONFIG, "%s: a path with '..' is refused", dir);
		if (!comp[n])
			return 0;
		comp += n + 1;
	}
}

/* The folder a launch makes when it is missing: its mode and owner. */
struct make {
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* rundir_open, making the folder (as root) only when mk says how. */
static int open_trusted(const char *dir, const struct make *mk, uid_t node_uid, struct kz_err *err)
{
	char *copy = NULL;
	const char *name = NULL;
	int parent, fd = -1;

	if (rundir_check_path(dir, err) < 0)
		return -1;
	if (!(copy = strdup(dir)))
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s", dir);
	parent = open_parent(dir, copy, &name, err);
	if (parent < 0)
		goto out;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && mk && geteuid() == 0)
		fd = make_dir(parent, name, dir, mk->mode, mk->uid, mk->gid, err);
	else if (fd < 0 && errno == ENOENT && !mk)
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", dir); /* a call's: nothing there, nothing made */
	else if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		kz_err_set(err, EX_CONFIG, "%s: is a symlink or not a folder; refusing it", dir);
	else if (fd < 0)
		kz_err_errno(err, EX_CONFIG, "%s", dir);
	close(parent);
	if (fd >= 0 && check_own_dir(fd, dir, node_uid, err) < 0) {
		close(fd);
		fd = -1;
	}
out:
	free(copy);
	return fd;
}

int rundir_open(const char *dir, mode_t mode, uid_t uid, gid_t gid, uid_t node_uid, struct kz_err *err)
{
	struct make mk = { .mode = mode, .uid = uid, .gid = gid };

	return open_trusted(dir, &mk, node_uid, err);
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
 * works on a 0400 file whose owner cannot reopen it for writing.  The new file's name is
 * this process's own, so two launchers of the same node never write into one file. */
static int write_home_file(int home_fd, const char *home, uid_t uid, gid_t gid,
			   const struct rundir_file *file, struct kz_err *err)
{
	struct stat st;
	char *tmp = NULL;
	int fd, rc = 0;

	/* What is there must be what kzlaunch made: the node user's own regular file. */
	if (fstatat(home_fd, file->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (!S_ISREG(st.st_mode) || st.st_uid != uid))
		return kz_err_set(err, EX_CONFIG, "%s/%s: exists and is not a file kzlaunch made; refusing it",
				  home, file->name);
	if (!file->data) { /* stale: the VM is pointed elsewhere, and an operator would be misled */
		if (unlinkat(home_fd, file->name, 0) < 0 && errno != ENOENT)
			return kz_err_errno(err, EX_CONFIG, "%s/%s: removing a stale copy", home, file->name);
		return 0;
	}
	if (!(tmp = fmt_new("%s.new.%ld", file->name, (long)getpid())))
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s", home, file->name);
	if (unlinkat(home_fd, tmp, 0) < 0 && errno != ENOENT) {
		rc = kz_err_errno(err, EX_CONFIG, "%s/%s", home, tmp);
		goto out;
	}
	fd = openat(home_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0) {
		rc = kz_err_errno(err, EX_CONFIG, "%s/%s", home, tmp);
		goto out;
	}
	if (geteuid() == 0 && fchown(fd, uid, gid) < 0)
		rc = kz_err_errno(err, EX_CONFIG, "%s/%s: chown", home, tmp);
	else if (fchmod(fd, 0400) < 0)
		rc = kz_err_errno(err, EX_CONFIG, "%s/%s: chmod", home, tmp);
	else if (fd_write_all(fd, file->data, file->len) < 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s: write", home, tmp);
	if (close(fd) < 0 && rc == 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s: close", home, tmp);
	if (rc == 0 && renameat(home_fd, tmp, home_fd, file->name) < 0)
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s: rename", home, file->name);
	if (rc != 0)
		unlinkat(home_fd, tmp, 0); /* best effort: the error already says what failed */
out:
	free(tmp);
	return rc;
}

/* A folder of RUNDIR opened once, never through a symlink, and only as a folder of `owner`
 * (or root) that no one else can enter: -1 with err, errno ENOENT when there is none. */
static int open_private(int dir, const char *name, const char *path, uid_t owner, struct kz_err *err)
{
	struct stat st;
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
		kz_err_set(err, EX_CONFIG, "%s: is a symlink or not a folder; refusing it", path);
		errno = ELOOP; /* whatever the message's allocation left there: not ENOENT */
		return -1;
	}
	if (fd < 0) {
		int e = errno;
		kz_err_errno(err, e == EACCES ? EX_NOPERM : KZ_EXIT_FAIL, "%s", path);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0 || (st.st_uid != owner && st.st_uid != 0) || (st.st_mode & 077)) {
		close(fd);
		errno = EPERM;
		return kz_err_set(err, EX_CONFIG, "%s: not a folder of uid %u (or root) that only its owner can enter; refusing it",
				  path, (unsigned)owner);
	}
	return fd;
}

int rundir_open_lease_dir(const char *rundir, const char *rel, uid_t node_uid, char **path, struct kz_err *err)
{
	struct make mk = { .mode = 0755, .uid = 0, .gid = 0 };
	char *home = rundir_home_path(rundir, rel), *name = fmt_new("%s.home", rel);
	char *calls = fmt_new("%s/%s.calls", rundir, rel), *calls_name = fmt_new("%s.calls", rel);
	int dir = -1, fd = -1;

	if (!home || !name || !calls || !calls_name) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", rundir);
		goto out;
	}
	/* Root makes RUNDIR as a launch would; anyone else finds it or not. */
	if ((dir = open_trusted(rundir, &mk, node_uid, err)) < 0)
		goto out;
	fd = open_private(dir, name, home, node_uid, err);
	if (fd >= 0)
		*path = home, home = NULL;
	if (fd >= 0 || errno != ENOENT || geteuid() != 0)
		goto out;
	/* No home: a node kzlaunch did not start.  Root's calls lease their names in a folder
	 * of root's own beside it. */
	kz_err_clear(err);
	if (mkdirat(dir, calls_name, 0700) < 0 && errno != EEXIST) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s: mkdir", calls);
		goto out;
	}
	if ((fd = open_private(dir, calls_name, calls, 0, err)) >= 0)
		*path = calls, calls = NULL;
out:
	if (dir >= 0)
		close(dir);
	free(name);
	free(home);
	free(calls);
	free(calls_name);
	return fd;
}

char *rundir_home_path(const char *rundir, const char *rel)
{
	return fmt_new("%s/%s.home", rundir, rel);
}

int rundir_write_home(int rundir_fd, const char *rundir, const char *rel, uid_t uid, gid_t gid,
		      const struct rundir_file *files, size_t nfiles, struct kz_err *err)
{
	char *name = NULL, *home = rundir_home_path(rundir, rel);
	int home_fd, rc = -1;

	if (!home || !(name = fmt_new("%s.home", rel))) {
		name = NULL;
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", rundir);
		goto out;
	}
	home_fd = open_home(rundir_fd, home, name, uid, gid, err);
	if (home_fd < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; i < nfiles && rc == 0; i++)
		rc = write_home_file(home_fd, home, uid, gid, &files[i], err);
	close(home_fd);
out:
	free(name);
	free(home);
	return rc;
}
