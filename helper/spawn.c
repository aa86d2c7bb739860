/* spawn.c: creates the console pty and starts the node on it.  Between fork and exec the
 * child only drops privileges and arranges descriptors; any failure travels back to the
 * helper on a close-on-exec pipe, so the helper never mistakes a failed exec for a node. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "num.h"
#include "priv.h"
#include "spawn.h"

int spawn_pty(int *master, int *slave, struct kz_err *err)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };

	if (openpty(master, slave, NULL, NULL, &ws) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "openpty");
	/* openpty gives both ends without close-on-exec (doc/platform.md). */
	if (fcntl(*master, F_SETFD, FD_CLOEXEC) < 0 || fcntl(*slave, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(*master, F_SETFL, O_NONBLOCK) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "pty flags");
		close(*master);
		close(*slave);
		return -1;
	}
	return 0;
}

/* The child's report: status, then a message, on the error pipe. */
static noreturn void child_fail(int errpipe, int status, const char *msg)
{
	char buf[1024];
	int n = snprintf(buf, sizeof buf, "%d %s", status, msg);

	/* A report that cannot be written has nowhere left to go: the status still says it. */
	if (n > 0)
		(void)fd_write_all(errpipe, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	_exit(status);
}

static noreturn void node_child(int master, int slave, int errpipe, pid_t helper,
				const struct spawn_spec *spec)
{
	struct kz_err err = { 0 };

	close(master);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		child_fail(errpipe, KZ_EXIT_FAIL, strerror(errno));
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		child_fail(errpipe, KZ_EXIT_FAIL, strerror(errno));
	if (slave > 2)
		close(slave);
	if (sigprocmask(SIG_SETMASK, spec->mask, NULL) < 0)
		child_fail(errpipe, KZ_EXIT_FAIL, strerror(errno));
	if (chdir(spec->cwd) < 0)
		child_fail(errpipe, EX_CONFIG, strerror(errno));
	if (priv_become(spec->policy, &err) < 0)
		child_fail(errpipe, err.status, err.msg ? err.msg : "privileges");
	/* After the last uid change, which clears it (doc/platform.md); then make sure the helper did
	 * not die in between, or the node would run without its owner. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != helper)
		child_fail(errpipe, KZ_EXIT_FAIL, "the helper is gone");
	if (fd_cloexec_from_3(&err) < 0)
		child_fail(errpipe, KZ_EXIT_FAIL, err.msg ? err.msg : "close_range");
	execve(spec->argv[0], spec->argv, spec->envp);
	child_fail(errpipe, KZ_EXIT_FAIL, strerror(errno));
}

/* Reads the child's report; none (EOF) means the exec succeeded. */
static int read_child_report(int errpipe, pid_t pid, struct kz_err *err)
{
	char buf[1024];
	ssize_t n = fd_read_all(errpipe, buf, sizeof buf - 1); /* to the child's exec or exit */

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	fd_waitpid(pid, NULL); /* it has _exited: the status is in the report */
	const char *msg = strchr(buf, ' ');
	unsigned long long status;
	/* "STATUS MESSAGE", as child_fail writes it; a status that is not one says only "failed". */
	if (num_digits(buf, msg ? (size_t)(msg - buf) : strlen(buf), &status) < 0 || status > 255)
		status = 0;
	return kz_err_set(err, status ? (int)status : KZ_EXIT_FAIL, "node: %s", msg ? msg + 1 : "failed");
}

pid_t spawn_node(int master, int slave, const struct spawn_spec *spec, struct kz_err *err)
{
	pid_t helper = getpid();
	int report;
	pid_t pid = fd_fork_report(&report);

	if (pid < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "fork");
	if (pid == 0)
		node_child(master, slave, report, helper, spec);
	int rc = read_child_report(report, pid, err);
	close(report);
	return rc < 0 ? -1 : pid;
}
