/* loop.c: the helper's one poll loop.  Every part gives its descriptors as a row of `sources`
 * and is handed what poll found; the node's transitions that a part began reach the others
 * through `reactions`, so that no part calls another.  The pty is read whenever it has data:
 * no client and no disk can hold the node's output up.  Nothing below the loop calls back
 * into it. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "fd.h"
#include "helper.h"
#include "log.h"
#include "loop.h"
#include "supcall.h"

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
	ssize_t n = node_read(&h->node, buf, sizeof buf);

	if (n <= 0)
		return n;
	conlog_write(h->console.log, buf, (size_t)n);
	ring_append(&h->console.replay, buf, (size_t)n);
	session_broadcast_output(&h->sessions, buf, (size_t)n);
	return n;
}

static size_t console_poll(const void *part, struct pollfd *fds)
{
	const struct helper *h = part;

	fds[0] = (struct pollfd){ .fd = h->node.pty_hup ? -1 : h->node.pty, .events = POLLIN };
	return 1;
}

/* A pty hands over a few KiB per read: while the node writes fast, reading again at once
 * costs one call where going back to poll costs two.  Bounded, so that clients and signals
 * are still seen between bursts. */
static unsigned console_serve(void *part, const struct pollfd *fds, size_t n)
{
	if (n > 0 && fds[0].revents)
		for (int i = 0; i < CONSOLE_READS_PER_WAKE && read_console(part) > 0; i++)
			;
	return 0;
}

/* The log's buffer goes out LOG_LINGER_MS after its oldest byte came in, however busy the
 * loop is meanwhile (a trickle of events must not hold it back). */
static int console_wait(void *part, long now)
{
	struct console *c = &((struct helper *)part)->console;

	if (!conlog_buffered(c->log)) {
		c->log_since = -1;
		return -1;
	}
	if (c->log_since < 0)
		c->log_since = now;
	if (now - c->log_since >= LOG_LINGER_MS) {
		conlog_flush(c->log);
		c->log_since = -1;
		return -1;
	}
	return (int)(LOG_LINGER_MS - (now - c->log_since));
}

/* What the node wrote before it ended is still in the pty: every byte reaches the log. */
static void console_on_gone(void *part)
{
	while (read_console(part) > 0)
		;
}

static size_t signals_poll(const void *part, struct pollfd *fds)
{
	fds[0] = (struct pollfd){ .fd = ((const struct helper *)part)->sig_fd, .events = POLLIN };
	return 1;
}

static unsigned signals_serve(void *part, const struct pollfd *fds, size_t n)
{
	struct helper *h = part;
	struct signalfd_siginfo si;
	unsigned ev = 0;

	if (n == 0 || !fds[0].revents)
		return 0;
	while (read(h->sig_fd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			node_reap(&h->node);
			break;
		case SIGTERM:
		case SIGINT:
			ev |= node_stop(&h->node) ? NODE_EV_STOPPING : 0;
			break;
		default:
			break; /* SIGHUP, SIGPIPE: nothing to do */
		}
	}
	return ev;
}

static size_t broker_poll(const void *part, struct pollfd *fds)
{
	fds[0] = (struct pollfd){ .fd = ((const struct helper *)part)->broker.fd, .events = POLLIN };
	return 1;
}

/* Answers from the broker, each to the part that asked.  A broker gone is logged once:
 * calls fail from then on, the console goes on. */
static unsigned broker_serve(void *part, const struct pollfd *fds, size_t n)
{
	struct helper *h = part;
	struct broker_answer a;
	unsigned ev = 0;
	int rc;

	if (n == 0 || !fds[0].revents || h->broker.fd < 0)
		return 0;
	while ((rc = broker_read(&h->broker, &a)) == 1) {
		if (a.id == BROKER_BOOT_ID)
			ev |= ready_boot_answer(&h->ready, &a);
		else if (a.id == BROKER_STANDBY_ID)
			calls_standby_answer(&h->calls, &a);
		else if (a.id == BROKER_RESTART_ID)
			ev |= session_restart_answer(&h->sessions, &a);
		else if (a.id == BROKER_PING_ID)
			ev |= watchdog_answer(&h->watchdog, &a);
		else if (a.id == BROKER_READY_ID)
			ev |= ready_call_answer(&h->ready, &a);
		else
			session_call_answer(&h->sessions, &a);
	}
	if (rc < 0)
		log_msg(LOG_ERR, "the broker is gone: calls to %s fail from now on", h->node.name);
	return ev;
}

/* A source: its part (an offset into struct helper; 0 for the loop's own, which take the
 * whole helper), how many descriptors it polls at most, and what it does with them.  poll
 * fills fds and says how many; serve is called on every pass with the same ones (revents
 * set) and returns the node's transitions (NODE_EV_) it began; wait, when set, says how long
 * poll may sleep for its sake (-1: forever). */
struct source {
	size_t part;
	size_t max;
	size_t (*poll)(const void *part, struct pollfd *fds);
	unsigned (*serve)(void *part, const struct pollfd *fds, size_t n);
	int (*wait)(void *part, long now_ms);
};

#define PART(member) offsetof(struct helper, member)

/* In the order they are served on each pass: the node's output first, the clients last. */
static const struct source sources[] = {
	{ 0, 1, console_poll, console_serve, console_wait },
	{ 0, 1, signals_poll, signals_serve, NULL },
	{ PART(node), 1, node_poll, node_serve, NULL },
	{ PART(ready), READY_FDS, ready_poll, ready_serve, NULL },
	{ 0, 1, broker_poll, broker_serve, NULL },
	{ PART(calls), 1, calls_poll, calls_serve, NULL },
	{ PART(watchdog), 1, watchdog_poll, watchdog_serve, NULL },
	{ PART(sessions), DIST_HELPER_NAMES, supcall_poll, supcall_serve, supcall_wait },
	{ PART(sessions), 1 + SESSION_MAX, session_poll, session_serve, session_wait },
};

/* Who hears of each transition of the node, in this order (s6-supervise's table, by event):
 * the part that began it has done its own share already. */
static const struct reaction {
	unsigned event;
	size_t part;
	void (*on)(void *part);
} reactions[] = {
	{ NODE_EV_UP, PART(calls), calls_on_up },            /* a connection kept ahead */
	{ NODE_EV_UP, PART(sessions), session_on_up },       /* INFO to who asked for a restart */
	{ NODE_EV_UP, PART(watchdog), watchdog_on_up },      /* its silence counts from now */
	{ NODE_EV_ANSWERED, PART(ready), ready_on_answered }, /* WATCHDOG=1 to systemd */
	{ NODE_EV_RESTARTING, PART(ready), ready_on_restarting }, /* its name and boot, again */
	{ NODE_EV_RESTART_LATE, PART(sessions), session_on_restart_late }, /* ERROR to them */
	{ NODE_EV_STOPPING, PART(sessions), session_on_stopping }, /* STOPPING to the clients */
	{ NODE_EV_STOPPING, PART(ready), ready_on_stopping },      /* STOPPING=1 to systemd */
	{ NODE_EV_GONE, 0, console_on_gone },                /* the last output, into the log */
	{ NODE_EV_GONE, PART(ready), ready_on_gone },        /* died booting: `start` hears why */
	{ NODE_EV_GONE, PART(sessions), session_on_gone },   /* EXIT to the clients */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void *part_of(struct helper *h, size_t offset)
{
	return (char *)h + offset;
}

static void react(struct helper *h, unsigned events)
{
	for (size_t i = 0; i < COUNT(reactions) && events; i++)
		if (events & reactions[i].event)
			reactions[i].on(part_of(h, reactions[i].part));
}

static int sooner(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* How long poll may wait: the soonest any source asks for. */
static int next_timeout(struct helper *h)
{
	long now = fd_now_ms();
	int wait = -1;

	for (size_t i = 0; i < COUNT(sources); i++)
		if (sources[i].wait)
			wait = sooner(wait, sources[i].wait(part_of(h, sources[i].part), now));
	return wait;
}

/* Each source's descriptors, after the previous source's; at[i] is where source i's begin. */
static nfds_t fill(struct helper *h, struct pollfd *fds, size_t at[])
{
	size_t n = 0;

	for (size_t i = 0; i < COUNT(sources); i++) {
		at[i] = n;
		n += sources[i].poll(part_of(h, sources[i].part), fds + n);
	}
	at[COUNT(sources)] = n;
	return n;
}

static void serve(struct helper *h, const struct pollfd *fds, const size_t at[])
{
	for (size_t i = 0; i < COUNT(sources); i++)
		react(h, sources[i].serve(part_of(h, sources[i].part), fds + at[i], at[i + 1] - at[i]));
}

static size_t fds_max(void)
{
	size_t n = 0;

	for (size_t i = 0; i < COUNT(sources); i++)
		n += sources[i].max;
	return n;
}

int loop_run(struct helper *h)
{
	struct pollfd *fds = calloc(fds_max(), sizeof *fds);
	size_t at[COUNT(sources) + 1];

	h->console.log_since = -1;
	if (!fds) {
		log_msg(LOG_ERR, "out of memory for the poll loop");
		node_kill(&h->node);
	}
	while (h->node.state != NODE_GONE) {
		nfds_t n = fill(h, fds, at);
		int ready = poll(fds, n, next_timeout(h));
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			/* The loop cannot go on (poll failed on descriptors it owns): the node must
			 * not run on without an owner serving its console, nor its end go unreported. */
			log_msg(LOG_ERR, "poll: %m");
			node_kill(&h->node);
			break;
		}
		serve(h, fds, at);
	}
	free(fds);
	react(h, NODE_EV_GONE);
	conlog_flush(h->console.log);
	return h->node.status;
}
