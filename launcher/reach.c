/* reach.c: checks with the node's own rights that it can reach its release (reach.h).  The
 * child only calls access(2) and writes one line back; it never execs and changes nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdnoreturn.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "reach.h"

#define REASON_MAX 4096

/* The first folder on the way to `path` that the child may not search, as a length of `path`;
 * 0 when every folder lets it through (the file itself refuses it). */
static size_t blocking_folder(const char *path, int *why)
{
	char *copy = strdup(path);
	size_t len = 0;

	if (!copy)
		return 0;
	for (char *slash = strchr(copy + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (access(copy, X_OK) < 0) {
			*why = errno;
			len = (size_t)(slash - copy);
			break;
		}
		*slash = '/';
	}
	free(copy);
	return len;
}

static void explain(int fd, const struct reach_item *it, const char *user, uid_t uid, int err_no)
{
	int why = err_no;
	size_t stop = blocking_folder(it->path, &why);
	char line[REASON_MAX];
	int n;

	if (stop)
		n = snprintf(line, sizeof line, "%s: the node's user %s (uid %u) cannot reach it: %.*s stops it (%s)",
			     it->path, user, (unsigned)uid, (int)stop, it->path, strerror(why));
	else
		n = snprintf(line, sizeof line, "%s: the node's user %s (uid %u) cannot %s it (%s)", it->path, user,
			     (unsigned)uid, it->mode & X_OK ? (it->mode & R_OK ? "list" : "run") : "read",
			     strerror(err_no));
	if (n > 0)
		fd_write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static noreturn void child(int fd, const struct reach_item *items, size_t nitems, uid_t uid, gid_t gid,
			   const gid_t *groups, size_t ngroups, const char *user)
{
	if (setgroups(ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		dprintf(fd, "checking the release as %s (uid %u): %s", user, (unsigned)uid, strerror(errno));
		_exit(1);
	}
	for (size_t i = 0; i < nitems; i++) {
		if (access(items[i].path, items[i].mode) < 0) {
			explain(fd, &items[i], user, uid, errno);
			_exit(1);
		}
	}
	_exit(0);
}

int reach_check(const struct reach_item *items, size_t nitems, uid_t uid, gid_t gid, const gid_t *groups,
		size_t ngroups, const char *user, struct kz_err *err)
{
	char reason[REASON_MAX];
	size_t got = 0;
	int report, status;
	pid_t pid = fd_fork_report(&report);

	if (pid < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "fork");
	if (pid == 0)
		child(report, items, nitems, uid, gid, groups, ngroups, user);
	ssize_t n = fd_read_all(report, reason, sizeof reason - 1);
	got = n > 0 ? (size_t)n : 0; /* a failed read says no more than an empty one */
	close(report);
	reason[got] = '\0';
	if (fd_waitpid(pid, &status) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return kz_err_set(err, EX_CONFIG, "%s", got ? reason : "checking the release as the node's user: the check failed");
}
