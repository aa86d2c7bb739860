/* loop.c: the helper's one poll loop.  Every source (pty, socket, signals, timer, epmd
 * probe, clients) is asked what is ready and handed to its own function.  The pty is read
 * whenever it has data: no client and no disk can hold the node's output up. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "log.h"
#include "warden.h"

#define PTY_READ_MAX (64 * 1024)
#define CONSOLE_READS_PER_WAKE 16
#define STOP_RESEND_MS 250
/* How long console output may wait in the log's buffer once the node goes quiet.  While it
 * writes, the buffer goes out whenever it is full: one large write instead of one per pty
 * read (the pty hands over about 4 KiB at a time). */
#define LOG_LINGER_MS 20

static void arm_timer(struct helper *h, time_t sec, long msec, bool repeat)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = sec + msec / 1000;
	its.it_value.tv_nsec = (msec % 1000) * 1000000L;
	if (repeat)
		its.it_interval = its.it_value;
	if (timerfd_settime(h->timer_fd, 0, &its, NULL) < 0)
		log_msg(LOG_ERR, "timerfd_settime: %m");
}

void loop_stop_node(struct helper *h)
{
	if (h->stop_sent || h->node_gone)
		return;
	h->stop_sent = true;
	log_msg(LOG_INFO, "stopping %s (pid %d): SIGTERM, SIGKILL after %us", h->node_name, (int)h->node,
	        h->stop_timeout);
	if (kill(h->node, SIGTERM) < 0)
		log_msg(LOG_ERR, "kill(%d, SIGTERM): %m", (int)h->node);
	client_broadcast(h, PROTO_STOPPING, NULL, 0);
	ready_stopping(h);
	h->stop_elapsed_ms = 0;
	arm_timer(h, 0, STOP_RESEND_MS, true);
}

/* Every STOP_RESEND_MS until stop_timeout: SIGTERM again, then SIGKILL.  The VM drops a SIGTERM
 * that arrives before its signal server is up (early boot, just after epmd knows the
 * node), so one SIGTERM can be lost; another costs a graceful shutdown nothing. */
static void stop_tick(struct helper *h)
{
	h->stop_elapsed_ms += STOP_RESEND_MS;
	if (h->stop_elapsed_ms < h->stop_timeout * 1000U) {
		kill(h->node, SIGTERM);
		return;
	}
	log_msg(LOG_WARNING, "%s did not stop within %us: SIGKILL", h->node_name, h->stop_timeout);
	kill(-h->node, SIGKILL);
	kill(h->node, SIGKILL);
	arm_timer(h, 0, 0, false);
}

/* Bytes read, 0 when there is nothing now, -1 at the pty's end (EIO: the node and all
 * its children have closed the slave). */
static ssize_t read_console(struct helper *h)
{
	static uint8_t buf[PTY_READ_MAX];
	ssize_t n = read(h->pty, buf, sizeof buf);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	conlog_write(h->log, buf, (size_t)n);
	ring_append(&h->replay, buf, (size_t)n);
	client_broadcast_output(h, buf, (size_t)n);
	return n;
}

/* A pty hands over a few KiB per read: while the node writes fast, reading again at once
 * costs one call where going back to poll costs two.  Bounded, so that clients and signals
 * are still seen between bursts. */
static ssize_t drain_console(struct helper *h)
{
	ssize_t n = 0;

	for (int i = 0; i < CONSOLE_READS_PER_WAKE && (n = read_console(h)) > 0; i++)
		;
	return n;
}

static void reap_node(struct helper *h, int flags)
{
	int st;
	pid_t pid = waitpid(h->node, &st, flags);

	if (pid != h->node)
		return;
	h->node_gone = true;
	h->node_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	log_msg(LOG_INFO, "%s (pid %d) exited with status %d", h->node_name, (int)h->node, h->node_status);
}

static void on_signal(struct helper *h)
{
	struct signalfd_siginfo si;

	while (read(h->sig_fd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_node(h, WNOHANG);
			break;
		case SIGTERM:
		case SIGINT:
			loop_stop_node(h);
			break;
		default:
			break; /* SIGHUP, SIGPIPE: nothing to do */
		}
	}
}

/* A stop request (systemd's SIGTERM to the warden), or the warden gone: either way the
 * node must not run on without it. */
static void on_warden(struct helper *h)
{
	char msg[16];
	ssize_t n = recv(h->warden_fd, msg, sizeof msg, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		log_msg(LOG_WARNING, "the warden is gone: stopping %s", h->node_name);
		close(h->warden_fd);
		h->warden_fd = -1;
		loop_stop_node(h);
		return;
	}
	if (memchr(msg, WARDEN_STOP, (size_t)n))
		loop_stop_node(h);
}

static void on_timer(struct helper *h)
{
	uint64_t ticks;

	if (read(h->timer_fd, &ticks, sizeof ticks) != sizeof ticks)
		return;
	if (h->stop_sent) {
		stop_tick(h);
		return;
	}
	if (!h->node_up) {
		ready_probe(h);
		return;
	}
	arm_timer(h, 0, 0, false);
}

enum { SLOT_LISTEN, SLOT_PTY, SLOT_SIG, SLOT_TIMER, SLOT_PROBE, SLOT_WARDEN, SLOT_CLIENTS };

static nfds_t fill_pollfds(struct helper *h, struct pollfd *fds, struct client **owner)
{
	nfds_t n = SLOT_CLIENTS;

	fds[SLOT_LISTEN] = (struct pollfd){ .fd = h->listen_fd, .events = POLLIN };
	fds[SLOT_PTY] = (struct pollfd){ .fd = h->pty, .events = POLLIN };
	fds[SLOT_SIG] = (struct pollfd){ .fd = h->sig_fd, .events = POLLIN };
	fds[SLOT_TIMER] = (struct pollfd){ .fd = h->timer_fd, .events = POLLIN };
	fds[SLOT_PROBE] = (struct pollfd){ .fd = h->probe_fd, .events = h->probe_connecting ? POLLOUT : POLLIN };
	fds[SLOT_WARDEN] = (struct pollfd){ .fd = h->warden_fd, .events = POLLIN };
	for (size_t i = 0; i < h->nclients; i++, n++) {
		struct client *c = h->clients[i];
		owner[n] = c;
		fds[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN | (c->outoff < c->outlen ? POLLOUT : 0) };
	}
	return n;
}

static void serve_clients(struct helper *h, struct pollfd *fds, struct client **owner, nfds_t n)
{
	/* A client can be dropped while another is served: look each one up again by pointer. */
	for (nfds_t i = SLOT_CLIENTS; i < n; i++) {
		struct client *c = owner[i];
		bool live = false;
		for (size_t k = 0; k < h->nclients && !live; k++)
			live = h->clients[k] == c;
		if (!live || !fds[i].revents)
			continue;
		if (fds[i].revents & POLLOUT) {
			client_writable(h, c);
			live = false;
			for (size_t k = 0; k < h->nclients && !live; k++)
				live = h->clients[k] == c;
			if (!live)
				continue;
		}
		if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
			client_readable(h, c);
	}
}

/* The loop cannot go on (poll failed on descriptors it owns): the node must not run on
 * without an owner serving its console, nor its end go unreported. */
static void give_up(struct helper *h)
{
	log_msg(LOG_ERR, "poll: %m: killing %s (pid %d)", h->node_name, (int)h->node);
	kill(-h->node, SIGKILL);
	kill(h->node, SIGKILL);
	while (!h->node_gone) {
		reap_node(h, 0);
		if (!h->node_gone && errno != EINTR) {
			h->node_gone = true; /* not ours to reap after all: report the kill */
			h->node_status = 128 + SIGKILL;
		}
	}
}

long loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int sooner(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* How long poll may wait: the log's buffer goes out LOG_LINGER_MS after its oldest byte came
 * in, however busy the loop is meanwhile (a trickle of events must not hold it back), and a
 * silent peer is dropped when its CLIENT_HELLO_MS are up. */
static int next_timeout(struct helper *h, long *log_since)
{
	long now = loop_now_ms();
	int hello = client_hello_wait(h, now);

	if (!conlog_buffered(h->log)) {
		*log_since = -1;
		return hello;
	}
	if (*log_since < 0)
		*log_since = now;
	if (now - *log_since >= LOG_LINGER_MS) {
		conlog_flush(h->log);
		*log_since = -1;
		return hello;
	}
	return sooner(hello, (int)(LOG_LINGER_MS - (now - *log_since)));
}

int loop_run(struct helper *h)
{
	struct pollfd fds[SLOT_CLIENTS + HELPER_MAX_CLIENTS];
	struct client *owner[SLOT_CLIENTS + HELPER_MAX_CLIENTS];
	bool pty_open = true;
	long log_since = -1;

	arm_timer(h, 0, READY_PROBE_MS, true);
	ready_probe(h);
	while (!h->node_gone) {
		nfds_t n = fill_pollfds(h, fds, owner);
		if (!pty_open)
			fds[SLOT_PTY].fd = -1;
		int ready = poll(fds, n, next_timeout(h, &log_since));
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			give_up(h);
			break;
		}
		if (fds[SLOT_PTY].revents && drain_console(h) < 0)
			pty_open = false;
		if (fds[SLOT_SIG].revents)
			on_signal(h);
		if (fds[SLOT_TIMER].revents)
			on_timer(h);
		if (fds[SLOT_PROBE].revents && h->probe_fd >= 0)
			ready_probe_result(h);
		if (fds[SLOT_WARDEN].revents && h->warden_fd >= 0)
			on_warden(h);
		if (fds[SLOT_LISTEN].revents)
			client_accept(h);
		serve_clients(h, fds, owner, n);
		client_expire(h, loop_now_ms());
	}
	/* No new clients from here: a status now is refused at connect ("not running") instead
	 * of being accepted and then cut off. */
	close(h->listen_fd);
	h->listen_fd = -1;
	/* What the node wrote before it ended is still in the pty: every byte reaches the log. */
	while (pty_open && read_console(h) > 0)
		;
	if (!h->node_up)
		ready_failed(h);
	uint8_t st[4];
	proto_put32(st, (uint32_t)h->node_status);
	client_broadcast(h, PROTO_EXIT, st, sizeof st);
	client_flush_all(h, 1000);
	conlog_flush(h->log);
	return h->node_status;
}
