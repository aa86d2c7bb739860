/* loop.c: the helper's one poll loop.  Every source (pty, socket, signals, timers, epmd
 * probe, warden, clients) is asked what is ready and handed to its own function.  The pty is
 * read whenever it has data: no client and no disk can hold the node's output up.  Nothing
 * below the loop calls back into it. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker.h"
#include "child.h"
#include "fd.h"
#include "helper.h"
#include "log.h"
#include "loop.h"
#include "ready.h"
#include "session.h"
#include "warden.h"

#define PTY_READ_MAX (64 * 1024)
#define CONSOLE_READS_PER_WAKE 16
/* How long console output may wait in the log's buffer once the node goes quiet.  While it
 * writes, the buffer goes out whenever it is full: one large write instead of one per pty
 * read (the pty hands over about 4 KiB at a time). */
#define LOG_LINGER_MS 20

/* Bytes read, 0 when there is nothing now, -1 at the pty's end. */
static ssize_t read_console(struct helper *h)
{
	static uint8_t buf[PTY_READ_MAX];
	ssize_t n = child_read(&h->node, buf, sizeof buf);

	if (n <= 0)
		return n;
	conlog_write(h->log, buf, (size_t)n);
	ring_append(&h->replay, buf, (size_t)n);
	session_broadcast_output(h, buf, (size_t)n);
	return n;
}

/* A pty hands over a few KiB per read: while the node writes fast, reading again at once
 * costs one call where going back to poll costs two.  Bounded, so that clients and signals
 * are still seen between bursts. */
static void drain_console(struct helper *h)
{
	for (int i = 0; i < CONSOLE_READS_PER_WAKE && read_console(h) > 0; i++)
		;
}

static void on_signal(struct helper *h)
{
	struct signalfd_siginfo si;

	while (read(h->sig_fd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			child_reap(&h->node);
			break;
		case SIGTERM:
		case SIGINT:
			session_stop_node(h);
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
		log_msg(LOG_WARNING, "the warden is gone: stopping %s", h->node.name);
		close(h->warden_fd);
		h->warden_fd = -1;
		session_stop_node(h);
		return;
	}
	if (memchr(msg, WARDEN_STOP, (size_t)n))
		session_stop_node(h);
}

/* Answers from the broker, each to the session that asked.  A broker gone is logged once:
 * calls fail from then on, the console goes on. */
static void on_broker(struct helper *h)
{
	struct broker_answer a;
	int rc;

	while ((rc = broker_read(h->broker_fd, &a)) == 1) {
		if (a.id == BROKER_BOOT_ID)
			ready_boot_answer(h, &a);
		else if (a.id == BROKER_STANDBY_ID)
			session_standby_answer(h, &a);
		else
			session_call_answer(h, &a);
	}
	if (rc < 0) {
		log_msg(LOG_ERR, "the broker is gone: calls to %s fail from now on", h->node.name);
		close(h->broker_fd);
		h->broker_fd = -1;
	}
}

enum { SLOT_LISTEN, SLOT_PTY, SLOT_SIG, SLOT_STOP_TIMER, SLOT_PROBE_TIMER, SLOT_PROBE, SLOT_WARDEN,
       SLOT_BROKER, SLOT_STANDBY, SLOT_SESSIONS };

static nfds_t fill_pollfds(struct helper *h, struct pollfd *fds, struct session **owner)
{
	nfds_t n = SLOT_SESSIONS;

	fds[SLOT_LISTEN] = (struct pollfd){ .fd = h->listen_fd, .events = POLLIN };
	fds[SLOT_PTY] = (struct pollfd){ .fd = h->node.pty_hup ? -1 : h->node.pty, .events = POLLIN };
	fds[SLOT_SIG] = (struct pollfd){ .fd = h->sig_fd, .events = POLLIN };
	fds[SLOT_STOP_TIMER] = (struct pollfd){ .fd = h->node.stop_timer, .events = POLLIN };
	fds[SLOT_PROBE_TIMER] = (struct pollfd){ .fd = h->probe_timer, .events = POLLIN };
	fds[SLOT_PROBE] = (struct pollfd){ .fd = h->probe_fd, .events = h->probe_connecting ? POLLOUT : POLLIN };
	fds[SLOT_WARDEN] = (struct pollfd){ .fd = h->warden_fd, .events = POLLIN };
	fds[SLOT_BROKER] = (struct pollfd){ .fd = h->broker_fd, .events = POLLIN };
	fds[SLOT_STANDBY] = (struct pollfd){ .fd = h->standby.fd, .events = POLLIN };
	for (size_t i = 0; i < h->nsessions; i++, n++) {
		struct session *s = h->sessions[i];
		owner[n] = s;
		fds[n] = (struct pollfd){ .fd = s->fd, .events = POLLIN | (outq_pending(&s->out) ? POLLOUT : 0) };
	}
	return n;
}

/* A session dropped while another is served keeps its place until session_sweep: its state
 * says so, and no pointer here goes stale. */
static void serve_sessions(struct helper *h, struct pollfd *fds, struct session **owner, nfds_t n)
{
	for (nfds_t i = SLOT_SESSIONS; i < n; i++) {
		struct session *s = owner[i];
		if (fds[i].revents & POLLOUT && s->state != SESSION_DROPPED)
			session_writable(s);
		if (fds[i].revents & (POLLIN | POLLHUP | POLLERR) && s->state != SESSION_DROPPED)
			session_readable(h, s);
	}
}

static int sooner(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* How long poll may wait: the log's buffer goes out LOG_LINGER_MS after its oldest byte came
 * in, however busy the loop is meanwhile (a trickle of events must not hold it back), and a
 * silent peer is dropped when its SESSION_HELLO_MS are up. */
static int next_timeout(struct helper *h, long *log_since)
{
	long now = fd_now_ms();
	int hello = session_hello_wait(h, now);

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
	struct pollfd fds[SLOT_SESSIONS + SESSION_MAX];
	struct session *owner[SLOT_SESSIONS + SESSION_MAX];
	long log_since = -1;

	ready_begin(h);
	while (h->node.state != CHILD_GONE) {
		nfds_t n = fill_pollfds(h, fds, owner);
		int ready = poll(fds, n, next_timeout(h, &log_since));
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			/* The loop cannot go on (poll failed on descriptors it owns): the node must
			 * not run on without an owner serving its console, nor its end go unreported. */
			log_msg(LOG_ERR, "poll: %m");
			child_kill(&h->node);
			break;
		}
		if (fds[SLOT_PTY].revents)
			drain_console(h);
		if (fds[SLOT_SIG].revents)
			on_signal(h);
		if (fds[SLOT_STOP_TIMER].revents)
			child_stop_tick(&h->node);
		if (fds[SLOT_PROBE_TIMER].revents)
			ready_tick(h);
		if (fds[SLOT_PROBE].revents && h->probe_fd >= 0)
			ready_probe_result(h);
		if (fds[SLOT_WARDEN].revents && h->warden_fd >= 0)
			on_warden(h);
		if (fds[SLOT_BROKER].revents && h->broker_fd >= 0)
			on_broker(h);
		if (fds[SLOT_STANDBY].revents && h->standby.fd >= 0)
			session_standby_readable(h);
		if (fds[SLOT_LISTEN].revents)
			session_accept(h, fd_now_ms());
		serve_sessions(h, fds, owner, n);
		session_expire(h, fd_now_ms());
		session_sweep(h);
	}
	/* No new clients from here: a status now is refused at connect ("not running") instead
	 * of being accepted and then cut off. */
	close(h->listen_fd);
	h->listen_fd = -1;
	/* What the node wrote before it ended is still in the pty: every byte reaches the log. */
	while (read_console(h) > 0)
		;
	ready_failed(h);
	uint8_t st[4];
	proto_put32(st, (uint32_t)h->node.status);
	session_broadcast(h, PROTO_EXIT, st, sizeof st);
	session_flush_all(h, 1000);
	conlog_flush(h->log);
	return h->node.status;
}
