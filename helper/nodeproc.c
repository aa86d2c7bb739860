/* nodeproc.c: the node and its console pty, and the one place that changes the node's state.
 * It never calls up into the loop, the sessions or ready.c, and never waits on the node:
 * a full pty input queue drops typing instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "nodeproc.h"
#include "die.h"
#include "fd.h"
#include "log.h"

#define STOP_RESEND_MS 250

int node_start(struct node *n, int pty, pid_t pid, struct kz_err *err)
{
	n->state = NODE_BOOTING;
	n->pty = pty;
	n->pty_hup = false;
	n->pid = pid;
	n->started = time(NULL);
	n->stop_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (n->stop_timer < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "timerfd_create");
		kill(n->pid, SIGKILL);
		return -1;
	}
	return 0;
}

ssize_t node_read(struct node *n, void *buf, size_t size)
{
	if (n->pty_hup)
		return -1;
	ssize_t got = read(n->pty, buf, size);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* EIO: the node and all its children have closed the slave.  The master stays open:
	 * closing it would hang up the terminal of a node that only closed its stdio. */
	if (got <= 0) {
		n->pty_hup = true;
		return -1;
	}
	return got;
}

void node_input(struct node *n, const void *buf, size_t len)
{
	/* The pty is non-blocking: a full input queue (EAGAIN) drops the typing that is left,
	 * and output is never held up. */
	(void)fd_write_all(n->pty, buf, len);
}

void node_resize(struct node *n, uint16_t rows, uint16_t cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	if (rows && cols && ioctl(n->pty, TIOCSWINSZ, &ws) < 0)
		log_msg(LOG_WARNING, "TIOCSWINSZ: %m");
}

void node_mark_up(struct node *n, bool unconfirmed)
{
	if (n->state != NODE_BOOTING)
		return;
	n->state = NODE_UP;
	n->boot_unconfirmed = unconfirmed;
	n->restarting = false;
}

bool node_mark_restarting(struct node *n)
{
	if (n->state != NODE_UP)
		return false;
	n->state = NODE_BOOTING;
	n->restarting = true;
	n->boot_unconfirmed = false;
	return true;
}

static void arm_stop_timer(struct node *n, long msec)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = msec / 1000;
	its.it_value.tv_nsec = (msec % 1000) * 1000000L;
	its.it_interval = its.it_value;
	if (timerfd_settime(n->stop_timer, 0, &its, NULL) < 0)
		log_msg(LOG_ERR, "timerfd_settime: %m");
}

bool node_stop(struct node *n)
{
	if (n->state == NODE_STOPPING || n->state == NODE_GONE)
		return false;
	n->state = NODE_STOPPING;
	log_msg(LOG_INFO, "stopping %s (pid %d): SIGTERM, SIGKILL after %us", n->name, (int)n->pid,
	        n->stop_timeout);
	if (kill(n->pid, SIGTERM) < 0)
		log_msg(LOG_ERR, "kill(%d, SIGTERM): %m", (int)n->pid);
	n->stop_elapsed_ms = 0;
	arm_stop_timer(n, STOP_RESEND_MS);
	return true;
}

bool node_dump(struct node *n)
{
	if (n->state == NODE_GONE || (n->state == NODE_STOPPING && n->dumping))
		return false;
	bool began = n->state != NODE_STOPPING;
	n->state = NODE_STOPPING;
	n->dumping = true;
	if (kill(n->pid, SIGUSR1) < 0)
		log_msg(LOG_ERR, "kill(%d, SIGUSR1): %m", (int)n->pid);
	n->stop_elapsed_ms = 0;
	arm_stop_timer(n, STOP_RESEND_MS);
	return began;
}

/* Every STOP_RESEND_MS until stop_timeout: SIGTERM again, then SIGKILL.  The VM drops a SIGTERM
 * that arrives before its signal server is up (early boot, just after epmd knows the
 * node), so one SIGTERM can be lost; another costs a graceful shutdown nothing. */
static void stop_tick(struct node *n)
{
	uint64_t ticks;

	if (read(n->stop_timer, &ticks, sizeof ticks) != sizeof ticks || n->state != NODE_STOPPING)
		return;
	n->stop_elapsed_ms += STOP_RESEND_MS;
	/* A dump takes its time: no SIGTERM may cut it short, only the SIGKILL at the end. */
	if (n->stop_elapsed_ms < n->stop_timeout * 1000U && n->dumping)
		return;
	if (n->stop_elapsed_ms < n->stop_timeout * 1000U) {
		/* ESRCH: it ended since the last SIGCHLD was read; the next one reaps it. */
		if (kill(n->pid, SIGTERM) < 0 && errno != ESRCH)
			log_msg(LOG_ERR, "kill(%d, SIGTERM): %m", (int)n->pid);
		return;
	}
	log_msg(LOG_WARNING, "%s did not stop within %us: SIGKILL", n->name, n->stop_timeout);
	/* ESRCH: the group, or the node, is already gone. */
	if (kill(-n->pid, SIGKILL) < 0 && errno != ESRCH)
		log_msg(LOG_ERR, "kill(-%d, SIGKILL): %m", (int)n->pid);
	if (kill(n->pid, SIGKILL) < 0 && errno != ESRCH)
		log_msg(LOG_ERR, "kill(%d, SIGKILL): %m", (int)n->pid);
	arm_stop_timer(n, 0);
}

size_t node_poll(const void *part, struct pollfd *fds)
{
	const struct node *n = part;

	fds[0] = (struct pollfd){ .fd = n->stop_timer, .events = POLLIN };
	return 1;
}

unsigned node_serve(void *part, const struct pollfd *fds, size_t nfds)
{
	if (nfds > 0 && fds[0].revents)
		stop_tick(part);
	return 0;
}

/* -1 when the node was not reaped (not ended yet with WNOHANG, or waitpid failed). */
static int reap(struct node *n, int flags)
{
	int st;
	pid_t pid = waitpid(n->pid, &st, flags);

	if (pid != n->pid)
		return -1;
	n->state = NODE_GONE;
	n->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	log_msg(LOG_INFO, "%s (pid %d) exited with status %d", n->name, (int)n->pid, n->status);
	return 0;
}

void node_reap(struct node *n)
{
	if (n->state != NODE_GONE)
		reap(n, WNOHANG);
}

void node_kill(struct node *n)
{
	log_msg(LOG_ERR, "killing %s (pid %d)", n->name, (int)n->pid);
	kill(-n->pid, SIGKILL); /* the group may be gone already: the node's own kill decides */
	if (kill(n->pid, SIGKILL) < 0 && errno != ESRCH)
		log_msg(LOG_ERR, "kill(%d, SIGKILL): %m", (int)n->pid);
	while (n->state != NODE_GONE) {
		if (reap(n, 0) < 0 && errno != EINTR) {
			n->state = NODE_GONE; /* not ours to reap after all: report the kill */
			n->status = 128 + SIGKILL;
		}
	}
}
