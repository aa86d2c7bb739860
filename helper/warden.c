/* warden.c: the half of kzlaunch-helper that keeps the caller's uid.  The helper proper runs
 * as the node's user, which may not remove the socket from root's RUNDIR, and must not be
 * able to: a node that could would put a socket of its own where operators type.  So the
 * process `kzlaunch start` ran splits in two once the socket is bound: the parent, this
 * warden, keeps root's uid with no capability and a filter of a few calls; it waits for the
 * helper, removes the socket and exits with the helper's status.  Under systemd it is the
 * main process, so it also relays READY=1, STOPPING=1 and STATUS= and passes SIGTERM on as a stop
 * request.  Both go over a socket pair: without CAP_KILL it may not signal the helper. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "log.h"
#include "priv.h"
#include "sandbox.h"
#include "warden.h"

struct warden {
	pid_t helper;
	int chan;
	const struct warden_spec *spec;
	bool replaced; /* the socket's path named something else when the node came up */
};

static noreturn void finish(const struct warden *w, int status)
{
	sock_remove(w->spec->sock);
	if (w->replaced)
		exit(KZ_EXIT_FAIL);
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* Blocking, up to the socket's send timeout (sock_notify): a full queue at PID 1 must not
 * lose READY=1, and only the warden waits meanwhile, not the helper or the node. */
static void tell_systemd(const struct warden *w, const char *msg)
{
	if (w->spec->notify_fd >= 0)
		send(w->spec->notify_fd, msg, strlen(msg), MSG_NOSIGNAL);
}

/* Under systemd nobody else looks at the socket when the node comes up: should its path
 * name something else by then (the RUNDIR's owner renamed it away), operators would talk
 * to that.  No READY=1, then: the node is stopped and the unit fails, saying why. */
static void ready(struct warden *w)
{
	static const char stop = WARDEN_STOP;

	if (sock_still_ours(w->spec->sock)) {
		tell_systemd(w, "READY=1");
		tell_systemd(w, "STATUS=booted: init:get_status() is {started,started}");
		return;
	}
	w->replaced = true;
	tell_systemd(w, "STATUS=the control socket was replaced after the helper made it: stopping the node");
	send(w->chan, &stop, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* STATUS= with what the booted node waits for: the helper's text, which quotes what the
 * node's ready function returned, is one line of printable bytes before systemd sees it. */
static void waiting(const struct warden *w, const char *text, size_t len)
{
	char status[sizeof "STATUS=booted; waiting for " + WARDEN_TEXT_MAX];
	size_t at = (size_t)snprintf(status, sizeof status, "STATUS=booted; waiting for ");

	for (size_t i = 0; i < len && at < sizeof status - 1; i++)
		status[at++] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? '?' : text[i];
	status[at] = '\0';
	tell_systemd(w, status);
}

/* Only the messages it knows: the helper runs as the node's user and is trusted less
 * than systemd trusts its main process. */
static void relay(struct warden *w, struct pollfd *pfd)
{
	char msg[1 + WARDEN_TEXT_MAX];
	ssize_t n = recv(w->chan, msg, sizeof msg, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pfd->fd = -1; /* the helper is exiting: SIGCHLD follows */
		return;
	}
	if (msg[0] == WARDEN_WAITING) { /* a message of its own: the rest is its text */
		waiting(w, msg + 1, (size_t)n - 1);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (msg[i] == WARDEN_READY)
			ready(w);
		else if (msg[i] == WARDEN_STOPPING)
			tell_systemd(w, "STOPPING=1");
		else if (msg[i] == WARDEN_BOOTING)
			tell_systemd(w, "STATUS=registered with epmd; waiting for init:get_status() to be {started,started}");
		else if (msg[i] == WARDEN_WATCHDOG)
			tell_systemd(w, "WATCHDOG=1");
		else if (msg[i] == WARDEN_UNCONFIRMED)
			tell_systemd(w, "STATUS=up as epmd says: the node refused the broker's cookie, so its boot is unconfirmed");
	}
}

static void on_signals(const struct warden *w)
{
	static const char stop = WARDEN_STOP, dump = WARDEN_DUMP;
	struct signalfd_siginfo si;
	int status;

	while (read(w->spec->sig_fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD && waitpid(w->helper, &status, WNOHANG) == w->helper)
			finish(w, status);
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			send(w->chan, &stop, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		/* systemd's watchdog sends it to its main process only (KillMode=mixed): the
		 * node must have it, as a crash dump, before the SIGKILL that follows. */
		if (si.ssi_signo == SIGABRT)
			send(w->chan, &dump, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
}

static noreturn void watch(struct warden *w)
{
	struct pollfd fds[2] = { { .fd = w->spec->sig_fd, .events = POLLIN },
				 { .fd = w->chan, .events = POLLIN } };
	int status = 1 << 8; /* exit 1, should the helper not be ours to reap */

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break; /* two valid descriptors: cannot happen; waiting is all that is left */
		}
		if (fds[0].revents)
			on_signals(w);
		if (fds[1].revents)
			relay(w, &fds[1]);
	}
	fd_waitpid(w->helper, &status); /* on failure status stays exit 1 */
	finish(w, status);
}

/* The warden's own setup errors still reach the caller's terminal; from the filter on it
 * says nothing (syslog could reconnect, and connect is not allowed). */
static noreturn void become_warden(struct warden *w)
{
	const struct warden_spec *s = w->spec;
	struct sandbox_warden box = { .helper = w->helper, .chan = w->chan, .sig_fd = s->sig_fd,
				      .notify_fd = s->notify_fd, .lock_fd = s->sock->lock_fd };
	struct kz_err err = { 0 };

	close(s->listen_fd);
	if (s->ready_fd >= 0)
		close(s->ready_fd);
	die_on_error(priv_drop_caps(&err), &err);
	fd_stdio_to_null();
	if (sandbox_enter_warden(&box, &err) < 0) {
		log_msg(LOG_ERR, "warden: %s", err.msg ? err.msg : "sandbox");
		exit(err.status ? err.status : KZ_EXIT_FAIL); /* the helper sees the channel close */
	}
	log_close();
	watch(w);
}

int warden_split(const struct warden_spec *s, struct kz_err *err)
{
	int pair[2];
	struct warden w = { .spec = s };

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "socketpair");
	w.helper = fork();
	if (w.helper < 0) {
		close(pair[0]);
		close(pair[1]);
		return kz_err_errno(err, KZ_EXIT_FAIL, "fork");
	}
	if (w.helper > 0) {
		close(pair[1]);
		w.chan = pair[0];
		become_warden(&w);
	}
	close(pair[0]);
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	return pair[1];
}
