/* start.c: hands a resolved node to kzlaunch-helper.  Refuses to start a second helper for
 * a running node; the helper itself settles a race between two starts (sock.c).  Never
 * runs a shell. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "epmd.h"
#include "fd.h"
#include "fmt.h"
#include "handoff.h"
#include "progress.h"
#include "proto.h"
#include "session_client.h"
#include "sockowner.h"
#include "start.h"

#define READY_FD_ARG_MAX 16

/* Beside kzlaunch in a build tree, else where `make install` puts it. */
static char *helper_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *path = NULL;

	if (n > 0) {
		self[n] = '\0';
		if ((path = fmt_new("%s/kzlaunch-helper", dirname(self))) && access(path, X_OK) == 0)
			return path;
		free(path);
	}
	if (!(path = fmt_new("%s/kzlaunch-helper", KZ_LIBEXECDIR)))
		die_errno(KZ_EXIT_FAIL, "helper path");
	return path;
}

/* A node of the same name started some other way (foreground, relx) holds the name: the
 * new one could not register it, and its readiness would be mistaken for ours.  Any local
 * user may register any name, so the message says who holds it. */
static void check_not_registered(const struct node *n)
{
	struct kz_err err = { 0 };
	struct epmd_entry e;
	int up = epmd_lookup(n->name, &e, &err);

	if (up < 0)
		die_err(&err);
	if (up) {
		char *who = sockowner_describe(e.port);
		die(KZ_EXIT_FAIL, "%s: already running (registered with epmd, not under kzlaunch): port %u is held by %s",
		    n->name, (unsigned)e.port, who ? who : "someone");
	}
}

/* A live helper answers on the socket; a socket nobody answers on is a dead helper's,
 * which the new helper replaces under RUNDIR/REL.lock. */
static void check_not_running(const struct node *n)
{
	struct kz_err err = { 0 };
	char *path = NULL;
	struct stat st;
	int there;

	if (!(path = proto_socket_path(n->rundir, n->type)))
		die_errno(KZ_EXIT_FAIL, "socket path");
	die_on_error(there = proto_socket_stat(path, &st, &err), &err);
	if (!there) {
		free(path);
		check_not_registered(n);
		return;
	}
	struct client c;
	int rc = client_connect(&c, n->rundir, n->type, n->name, &err);
	die_on_error(rc, &err);
	if (rc == CLIENT_OK)
		die(KZ_EXIT_FAIL, "%s: already running (%s answers)", n->name, path);
	free(path);
	check_not_registered(n);
}

static void add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof **v);

	if (!nv)
		die_errno(KZ_EXIT_FAIL, "helper command line");
	nv[(*n)++] = (char *)s;
	nv[*n] = NULL;
	*v = nv;
}

static char **helper_argv(const struct node *n, const struct execline *line, const char *helper,
			  const char *notify, const char *ready_fd, const char *cookie_fd)
{
	char **v = NULL;
	size_t len = 0;

	add(&v, &len, helper);
	add(&v, &len, "--rel");
	add(&v, &len, n->type);
	add(&v, &len, "--node");
	add(&v, &len, n->name);
	add(&v, &len, "--rundir");
	add(&v, &len, n->rundir);
	add(&v, &len, "--cwd");
	add(&v, &len, n->rel.root);
	if (policy_has_file(&n->policy)) {
		add(&v, &len, "--policy");
		add(&v, &len, n->policy_path);
	}
	if (notify) {
		const char *usec = getenv("WATCHDOG_USEC");
		add(&v, &len, "--notify");
		add(&v, &len, notify);
		/* systemd's WatchdogSec=: the helper's environment is rebuilt, so it goes by name. */
		if (usec && *usec) {
			add(&v, &len, "--watchdog-usec");
			add(&v, &len, usec);
		}
	}
	if (ready_fd) {
		add(&v, &len, "--ready-fd");
		add(&v, &len, ready_fd);
	}
	add(&v, &len, "--cookie-fd");
	add(&v, &len, cookie_fd);
	add(&v, &len, "--");
	for (size_t i = 0; i < line->argv.n; i++)
		add(&v, &len, line->argv.v[i]);
	return v;
}

/* Runs in this process under systemd, else in the child start_node forks: there a failure
 * must _exit (die_child), never exit(), which would flush stdio buffers the parent holds too. */
static noreturn void exec_helper(char **argv, const struct execline *line, int keep_fd, int cookie_fd)
{
	struct kz_err err = { 0 };

	if (fd_cloexec_from_3(&err) < 0)
		die_child(KZ_EXIT_FAIL, errno, "close_range", NULL); /* errno kept by kz_err */
	if (keep_fd >= 0 && fcntl(keep_fd, F_SETFD, 0) < 0)
		die_child(KZ_EXIT_FAIL, errno, "ready pipe", NULL);
	if (fcntl(cookie_fd, F_SETFD, 0) < 0)
		die_child(KZ_EXIT_FAIL, errno, "cookie memfd", NULL);
	execve(argv[0], argv, line->envp.v);
	die_child(KZ_EXIT_FAIL, errno, argv[0], "exec");
}

/* The helper said "up DEV INO": the node is up and DEV INO is the socket it bound.  A RUNDIR
 * may be the node user's, who can rename anything onto REL.sock once it is bound, and
 * operators would then type into whatever answers there.  So the path must still name that
 * socket; else the node is stopped (SIGTERM to the warden is a stop request) and start
 * fails.  The warden is this process's child, of this uid: it may be signalled.  The status
 * start ends with: 0, or 1 (dies) once the node is stopped. */
static int started_on_own_socket(const struct node *n, uintmax_t dev, uintmax_t ino, pid_t warden)
{
	struct kz_err err = { 0 };
	struct stat st;
	char *path = NULL;
	int status;

	if (!(path = proto_socket_path(n->rundir, n->type)))
		die_errno(KZ_EXIT_FAIL, "socket path");
	if (proto_socket_stat(path, &st, &err) == 1 && (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino) {
		free(path);
		return KZ_EXIT_OK;
	}
	kz_err_clear(&err); /* whatever is there instead, the warning below says what follows */
	warn_msg("%s: no longer the socket the helper made (replaced or removed while %s started): stopping the node", path,
	     n->name);
	if (kill(warden, SIGTERM) < 0)
		die_errno(KZ_EXIT_FAIL, "%s: stopping its helper (pid %d)", n->name, (int)warden);
	if (fd_waitpid(warden, &status) < 0)
		die_errno(KZ_EXIT_FAIL, "%s: waiting for the helper", n->name);
	die(KZ_EXIT_FAIL, "%s: stopped, since its socket %s was not its own; is its folder writable by another user?",
	    n->name, path);
}

/* The node's status and last output, as the helper sent them when it ended while starting. */
static int ended_while_starting(const struct node *n, const struct handoff_ready *r)
{
	char *rest = strndup(r->output, r->output_len);

	warn_msg("%s exited with status %d while starting; its last output:", n->name, r->status);
	/* Console output, shown as attach shows it: not one of our lines to escape. */
	die_write(rest ? rest : "");
	die_write("\n");
	free(rest);
	return KZ_EXIT_FAIL;
}

/* The helper failed before the node ran; it said why on our stderr or to syslog. */
static int helper_failed(const struct node *n, pid_t helper)
{
	int st;

	if (fd_waitpid(helper, &st) < 0)
		die_errno(KZ_EXIT_FAIL, "%s: waiting for the helper", n->name);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		die(KZ_EXIT_FAIL, "%s: the helper was killed by signal %d before the node was up", n->name,
		    WTERMSIG(st));
	die(KZ_EXIT_FAIL, "%s: the helper ended before the node was up", n->name);
}

/* The status start ends with, from the ready pipe's last message (handoff.h). */
static int last_message(const struct node *n, int got, const struct handoff_ready *r, pid_t helper)
{
	if (got == 1 && r->kind == HANDOFF_UP)
		return started_on_own_socket(n, r->dev, r->ino, helper);
	if (got == 1 && r->kind == HANDOFF_EXIT)
		return ended_while_starting(n, r);
	return helper_failed(n, helper);
}

/* What the helper says on the ready pipe (handoff.h), within the policy's start_timeout: what
 * it waits for, shown on a terminal (progress.h), then whether the node came up. */
static int wait_until_up(const struct node *n, int rfd, pid_t helper)
{
	unsigned limit = n->policy.start_timeout;
	long deadline = fd_now_ms() + (long)limit * 1000;
	char buf[4096];
	size_t len = 0;
	bool at_eof = false;
	struct handoff_ready r;
	struct progress line;
	int got = 0;

	progress_begin(&line, n->name);
	while (got == 0 && !at_eof && len < sizeof buf) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		long left = deadline - fd_now_ms();
		int tick = progress_next_ms(&line);
		int ready = left > 0 ? poll(&p, 1, tick >= 0 && tick < left ? tick : (int)left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			die_errno(KZ_EXIT_FAIL, "ready pipe: poll");
		if (ready == 0 && fd_now_ms() < deadline) {
			progress_tick(&line);
			continue;
		}
		/* The helper goes on: the node may yet finish booting, and `status` says when. */
		if (ready == 0) {
			progress_end(&line);
			die(KZ_EXIT_FAIL, "%s: still booting after %u s (the policy's start_timeout)%s%s; left running",
			    n->name, limit, line.what[0] ? ", waiting for " : "", line.what);
		}
		ssize_t rd = read(rfd, buf + len, sizeof buf - len);
		if (rd < 0 && errno == EINTR)
			continue;
		if (rd < 0)
			die_errno(KZ_EXIT_FAIL, "ready pipe");
		len += (size_t)rd;
		at_eof = rd == 0;
		while ((got = handoff_ready_decode(buf, len, at_eof, &r)) == 1 && r.kind == HANDOFF_WAIT) {
			progress_waiting(&line, r.output, r.output_len);
			memmove(buf, buf + r.used, len - r.used);
			len -= r.used;
		}
	}
	progress_end(&line);
	/* A full buffer ends the exit's output: the last 2 KiB, all the helper sends, fit. */
	if (got == 0 && len == sizeof buf)
		got = handoff_ready_decode(buf, len, true, &r);
	return last_message(n, got, &r, helper);
}

/* The cookies the helper's broker connects with (helper/broker.h), a line each: the one the
 * node boots with, then the one kazoo_apps_init sets later.  In a memfd, which lives in
 * memory only and reaches the helper as a descriptor, never on disk or a command line. */
static int cookie_memfd(const struct node *n)
{
	int fd = memfd_create("kzlaunch-cookies", MFD_CLOEXEC);
	const char *cookies[HANDOFF_COOKIES_MAX] = { n->cookie.value, n->later_cookie };

	if (fd < 0)
		die_errno(KZ_EXIT_FAIL, "memfd_create");
	if (handoff_cookies_write(fd, cookies, n->later_cookie ? 2 : 1) < 0)
		die_errno(KZ_EXIT_FAIL, "cookie memfd");
	return fd;
}

int start_node(const struct node *n, const struct execline *line)
{
	const char *notify = getenv("NOTIFY_SOCKET");
	char *helper = helper_path();
	int pfd[2];
	char fdarg[READY_FD_ARG_MAX], cookiearg[READY_FD_ARG_MAX];

	check_not_running(n);
	int cfd = cookie_memfd(n);
	snprintf(cookiearg, sizeof cookiearg, "%d", cfd);
	if (notify && *notify)
		exec_helper(helper_argv(n, line, helper, notify, NULL, cookiearg), line, -1, cfd);

	if (pipe2(pfd, O_CLOEXEC) < 0)
		die_errno(KZ_EXIT_FAIL, "pipe2");
	snprintf(fdarg, sizeof fdarg, "%d", pfd[1]);
	pid_t pid = fork();
	if (pid < 0)
		die_errno(KZ_EXIT_FAIL, "fork");
	if (pid == 0) {
		/* Its own session: the helper outlives this terminal and this process. */
		if (setsid() < 0)
			die_child(KZ_EXIT_FAIL, errno, "setsid", NULL);
		exec_helper(helper_argv(n, line, helper, NULL, fdarg, cookiearg), line, pfd[1], cfd);
	}
	close(pfd[1]);
	close(cfd);
	int status = wait_until_up(n, pfd[0], pid);
	close(pfd[0]);
	free(helper);
	return status;
}
