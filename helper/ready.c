/* ready.c: when is the node up, and who hears it.  "Up" is booted: the node's name is
 * registered with epmd (asked every READY_PROBE_MS, where relx asks every second), and then
 * its boot has finished, init:get_status() being {started, started}, which the broker asks
 * every READY_BOOT_MS (Kazoo's applications take seconds after the name is registered).
 * With the policy's `ready = MOD:FUN`, "up" is later still: once MOD:FUN() has returned true
 * or ok, which the broker asks every READY_CALL_MS after the boot (Kazoo's kapps start after
 * init:get_status() says {started, started}).
 * `kzlaunch start` hears it on a pipe, with the socket's inode, systemd through the warden.
 * Whatever else must happen once the node is up or stopping, the loop's table does (loop.c):
 * nothing here calls another part of the helper. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "epmd.h"
#include "fd.h"
#include "handoff.h"
#include "log.h"
#include "ready.h"
#include "warden.h"

/* The warden is systemd's main process: only its messages count (NotifyAccess=main). */
static void notify(struct ready *r, char what)
{
	if (r->warden_fd >= 0 && send(r->warden_fd, &what, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_msg(LOG_WARNING, "telling the warden: %m");
}

static void tell_launcher(struct ready *r, const char *msg, size_t len)
{
	if (r->launcher_fd < 0)
		return;
	/* The launcher may have gone (^C): EPIPE is fine, SIGPIPE is blocked. */
	if (fd_write_all(r->launcher_fd, msg, len) < 0 && errno != EPIPE)
		log_msg(LOG_WARNING, "ready pipe: %m");
	close(r->launcher_fd);
	r->launcher_fd = -1;
}

/* What the boot waits for now, for `kzlaunch start`'s progress line (handoff.h): the pipe
 * stays open for the last message. */
static void tell_waiting(struct ready *r, const char *what)
{
	char line[HANDOFF_READY_LINE_MAX];
	size_t n = handoff_wait_encode(line, what);

	if (r->launcher_fd >= 0 && fd_write_all(r->launcher_fd, line, n) < 0 && errno != EPIPE)
		log_msg(LOG_WARNING, "ready pipe: %m");
}

static void probe_close(struct ready *r)
{
	close(r->probe_fd);
	r->probe_fd = -1;
	r->probe_connecting = false;
}

static void probe_send(struct ready *r)
{
	uint8_t req[EPMD_REQUEST_MAX];
	size_t len = epmd_request(req, r->node->name);

	/* A request this small goes out whole into a new socket's buffer, or not at all. */
	if (len == 0 || send(r->probe_fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		probe_close(r);
}

static unsigned ready_announce(struct ready *r, bool unconfirmed);
static unsigned ask_boot(struct ready *r);
static unsigned ask_ready(struct ready *r);

/* What the booted node waits for, to the warden (STATUS=): a message of its own. */
static void notify_waiting(struct ready *r, const char *text)
{
	char msg[1 + WARDEN_TEXT_MAX];
	size_t len = strnlen(text, WARDEN_TEXT_MAX);

	msg[0] = WARDEN_WAITING;
	memcpy(msg + 1, text, len);
	if (r->warden_fd >= 0 && send(r->warden_fd, msg, 1 + len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_msg(LOG_WARNING, "telling the warden: %m");
}

/* Text cut to fit, as it may be: an atom is up to 255 bytes, and these are lines shown. */
__attribute__((format(printf, 3, 4))) static void put(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

/* What the ready function is waited for, and what it last returned, to everyone who asks:
 * `start` (a wait line), systemd (STATUS=) and `status` (the node's ready_wait). */
static void tell_ready_wait(struct ready *r)
{
	char text[WARDEN_TEXT_MAX];

	if (r->last[0])
		put(text, sizeof text, "%s:%s() to return true (last returned %s)", r->ready_mod, r->ready_fun,
			 r->last);
	else
		put(text, sizeof text, "%s:%s() to return true", r->ready_mod, r->ready_fun);
	tell_waiting(r, text);
	notify_waiting(r, text);
	if (r->last[0])
		put(r->node->ready_wait, sizeof r->node->ready_wait, "%s:%s(), last returned %s", r->ready_mod,
			 r->ready_fun, r->last);
	else
		put(r->node->ready_wait, sizeof r->node->ready_wait, "%s:%s()", r->ready_mod, r->ready_fun);
}

static void arm(struct ready *r, long msec)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_nsec = msec * 1000000L;
	its.it_interval = its.it_value;
	if (timerfd_settime(r->timer, 0, &its, NULL) < 0)
		log_msg(LOG_ERR, "timerfd_settime: %m");
}

static void probe(struct ready *r)
{
	struct sockaddr_in epmd = { .sin_family = AF_INET, .sin_port = htons(r->epmd_port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (r->probe_fd >= 0 || r->node->state != NODE_BOOTING || strcspn(r->node->name, "@") > EPMD_NAME_MAX)
		return;
	r->probe_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->probe_fd < 0)
		return;
	if (connect(r->probe_fd, (struct sockaddr *)&epmd, sizeof epmd) == 0)
		probe_send(r);
	else if (errno == EINPROGRESS)
		r->probe_connecting = true; /* the loop waits for POLLOUT */
	else
		probe_close(r); /* no epmd yet: the next tick asks again */
}

int ready_init(struct ready *r, struct kz_err *err)
{
	/* The first tick at once (1 ns: 0 would disarm the timer), then every READY_PROBE_MS. */
	const struct itimerspec its = { .it_value.tv_nsec = 1, .it_interval.tv_nsec = READY_PROBE_MS * 1000000L };

	r->probe_fd = -1;
	r->probe_connecting = r->registered = r->boot_pending = r->booted = r->call_pending = false;
	r->last[0] = '\0';
	if (!r->ready_mod)
		r->ready_mod = r->ready_fun = "";
	r->restart_deadline_ms = -1;
	r->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->timer < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "timerfd_create");
	if (timerfd_settime(r->timer, 0, &its, NULL) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "timerfd_settime");
	tell_waiting(r, "epmd to know the node's name");
	return 0;
}

/* Once the node is up, or a stop began before it was, there is nothing more to ask. */
static unsigned tick(struct ready *r)
{
	uint64_t ticks;

	if (read(r->timer, &ticks, sizeof ticks) != sizeof ticks)
		return 0;
	if (r->node->state != NODE_BOOTING) {
		arm(r, 0);
		return 0;
	}
	if (r->restart_deadline_ms >= 0 && fd_now_ms() >= r->restart_deadline_ms) {
		log_msg(LOG_WARNING, "%s: not booted again within %u s of init:restart(); still waiting", r->node->name,
			r->start_timeout);
		r->restart_deadline_ms = -1;
		return NODE_EV_RESTART_LATE;
	}
	if (!r->registered) {
		probe(r);
		return 0;
	}
	if (r->booted) {
		if (!r->call_pending && fd_now_ms() - r->call_asked_ms >= READY_CALL_MS)
			return ask_ready(r);
		return 0;
	}
	if (!r->boot_pending && fd_now_ms() - r->boot_asked_ms >= READY_BOOT_MS)
		return ask_boot(r);
	return 0;
}

/* Without a broker (no cookie was passed) the name in epmd is all there is to wait for. */
static unsigned registered(struct ready *r)
{
	if (r->broker->fd < 0)
		return ready_announce(r, false);
	r->registered = true;
	log_msg(LOG_INFO, "%s is registered with epmd; waiting for its boot to finish", r->node->name);
	notify(r, WARDEN_BOOTING);
	tell_waiting(r, "its boot to finish (init:get_status())");
	return ask_boot(r);
}

static unsigned probe_result(struct ready *r)
{
	uint8_t resp[EPMD_ANSWER_LEN];
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (r->probe_connecting) {
		r->probe_connecting = false;
		if (getsockopt(r->probe_fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr)
			probe_close(r);
		else
			probe_send(r);
		return 0;
	}
	ssize_t n = recv(r->probe_fd, resp, sizeof resp, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	probe_close(r);
	if (n == EPMD_ANSWER_LEN && epmd_answer(resp, (size_t)n) == 1)
		return registered(r);
	return 0;
}

static unsigned ask_boot(struct ready *r)
{
	r->boot_asked_ms = fd_now_ms();
	r->boot_pending = broker_ask_boot(r->broker) == 0;
	if (!r->boot_pending) /* the broker is gone: epmd's word is the best there is */
		return ready_announce(r, false);
	return 0;
}

static unsigned ask_ready(struct ready *r)
{
	r->call_asked_ms = fd_now_ms();
	r->call_pending = broker_ask_ready(r->broker, r->ready_mod, r->ready_fun) == 0;
	if (!r->call_pending) { /* the broker is gone: its boot is the best there is */
		log_msg(LOG_WARNING, "%s: the broker is gone; up without %s:%s() returning true", r->node->name,
			r->ready_mod, r->ready_fun);
		return ready_announce(r, false);
	}
	return 0;
}

/* The boot has finished: with a ready function, that is waited for next. */
static unsigned boot_finished(struct ready *r)
{
	if (!r->ready_mod[0])
		return ready_announce(r, false);
	r->booted = true;
	r->last[0] = '\0';
	log_msg(LOG_INFO, "%s has booted; waiting for %s:%s() to return true", r->node->name, r->ready_mod,
		r->ready_fun);
	tell_ready_wait(r);
	return ask_ready(r);
}

unsigned ready_call_answer(struct ready *r, const struct broker_answer *a)
{
	r->call_pending = false;
	if (r->node->state != NODE_BOOTING || !r->booted)
		return 0; /* an answer from before a restart, or after a stop began */
	if (a->ready)
		return ready_announce(r, false);
	if (!strcmp(a->text, r->last))
		return 0;
	put(r->last, sizeof r->last, "%s", a->text);
	log_msg(LOG_INFO, "%s: %s:%s() returned %s; asking again", r->node->name, r->ready_mod, r->ready_fun,
		r->last);
	tell_ready_wait(r);
	return 0;
}

unsigned ready_boot_answer(struct ready *r, const struct broker_answer *a)
{
	unsigned ev = 0;

	r->boot_pending = false;
	if (r->node->state != NODE_BOOTING)
		return 0;
	if (a->boot == BROKER_BOOT_STARTED) {
		ev = boot_finished(r);
	} else if (a->boot == BROKER_BOOT_REFUSED) {
		/* Said once; epmd's word is the best there is now. */
		log_msg(LOG_WARNING, "%s: boot probe: %s; up as epmd says, without waiting for its boot", r->node->name,
			a->text);
		ev = ready_announce(r, true);
		notify(r, WARDEN_UNCONFIRMED);
	} else if (strcmp(a->text, "starting")) {
		log_msg(LOG_DEBUG, "%s: boot probe: %s", r->node->name, a->text);
	}
	return ev;
}

/* "up DEV INO": the socket's inode as bound, so that `kzlaunch start`, which is not the
 * node's user, can tell whether what its path names now is still that socket. */
static unsigned ready_announce(struct ready *r, bool unconfirmed)
{
	char up[HANDOFF_READY_LINE_MAX];
	size_t n = handoff_up_encode(up, (uintmax_t)r->sock->dev, (uintmax_t)r->sock->ino);

	node_mark_up(r->node, unconfirmed);
	r->restart_deadline_ms = -1;
	r->booted = false;
	r->node->ready_wait[0] = '\0';
	log_msg(LOG_INFO, "%s is up (pid %d)", r->node->name, (int)r->node->pid);
	tell_launcher(r, up, n);
	notify(r, WARDEN_READY);
	return NODE_EV_UP;
}

/* A stop request (systemd's SIGTERM to the warden), or the warden gone: either way the
 * node must not run on without it. */
static unsigned on_warden(struct ready *r)
{
	char msg[16];
	ssize_t n = recv(r->warden_fd, msg, sizeof msg, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		log_msg(LOG_WARNING, "the warden is gone: stopping %s", r->node->name);
		close(r->warden_fd);
		r->warden_fd = -1;
		return node_stop(r->node) ? NODE_EV_STOPPING : 0;
	}
	if (memchr(msg, WARDEN_DUMP, (size_t)n)) {
		log_msg(LOG_ERR, "%s: systemd's watchdog fired: SIGUSR1 for a crash dump, SIGKILL after stop_timeout",
			r->node->name);
		return node_dump(r->node) ? NODE_EV_STOPPING : 0;
	}
	if (memchr(msg, WARDEN_STOP, (size_t)n))
		return node_stop(r->node) ? NODE_EV_STOPPING : 0;
	return 0;
}

size_t ready_poll(const void *part, struct pollfd *fds)
{
	const struct ready *r = part;

	fds[0] = (struct pollfd){ .fd = r->timer, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = r->probe_fd, .events = r->probe_connecting ? POLLOUT : POLLIN };
	fds[2] = (struct pollfd){ .fd = r->warden_fd, .events = POLLIN };
	return READY_FDS;
}

unsigned ready_serve(void *part, const struct pollfd *fds, size_t n)
{
	struct ready *r = part;
	unsigned ev = 0;

	if (n < READY_FDS)
		return 0;
	if (fds[0].revents)
		ev |= tick(r);
	if (fds[1].revents && r->probe_fd >= 0 && fds[1].fd == r->probe_fd)
		ev |= probe_result(r);
	if (fds[2].revents && r->warden_fd >= 0)
		ev |= on_warden(r);
	return ev;
}

void ready_on_stopping(void *part)
{
	notify(part, WARDEN_STOPPING);
}

/* The watchdog's call was answered in time: systemd hears WATCHDOG=1. */
void ready_on_answered(void *part)
{
	notify(part, WARDEN_WATCHDOG);
}

/* Its name leaves epmd and comes back, its boot runs again: both are asked from the start. */
void ready_on_restarting(void *part)
{
	struct ready *r = part;

	if (r->probe_fd >= 0)
		probe_close(r);
	r->registered = r->boot_pending = r->booted = r->call_pending = false;
	r->last[0] = r->node->ready_wait[0] = '\0';
	r->restart_deadline_ms = fd_now_ms() + (long)r->start_timeout * 1000;
	arm(r, READY_PROBE_MS);
}

/* The node ended before it was up: the launcher prints its status and last lines. */
void ready_on_gone(void *part)
{
	struct ready *r = part;
	const unsigned char *a, *b;
	size_t alen, blen;
	char head[HANDOFF_READY_LINE_MAX];
	size_t n = handoff_exit_encode(head, r->node->status);

	if (r->launcher_fd < 0)
		return;
	ring_spans(r->replay, &a, &alen, &b, &blen);
	/* The last 2 KiB of console output tell why a node died while booting. */
	size_t keep = 2048, total = alen + blen;
	size_t skip = total > keep ? total - keep : 0;
	size_t bskip = skip > alen ? skip - alen : 0;
	/* The launcher may have gone: whatever does not reach it, the pipe is closed all the same. */
	if (fd_write_all(r->launcher_fd, head, n) == 0 &&
	    (skip >= alen || fd_write_all(r->launcher_fd, a + skip, alen - skip) == 0) && blen > bskip)
		fd_write_all(r->launcher_fd, b + bskip, blen - bskip);
	close(r->launcher_fd);
	r->launcher_fd = -1;
}
