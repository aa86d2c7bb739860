/* ready.c: when is the node up, and who hears it.  "Up" is booted: the node's name is
 * registered with epmd (asked every READY_PROBE_MS, where relx asks every second), and then
 * its boot has finished, init:get_status() being {started, started}, which the broker asks
 * every READY_BOOT_MS (Kazoo's applications take seconds after the name is registered).
 * `kzlaunch start` hears it on a pipe, with the socket's inode, systemd through the warden. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "child.h"
#include "epmd.h"
#include "fd.h"
#include "helper.h"
#include "log.h"
#include "ready.h"
#include "session.h"
#include "warden.h"

/* The warden is systemd's main process: only its messages count (NotifyAccess=main). */
static void notify(struct helper *h, char what)
{
	if (h->warden_fd >= 0 && send(h->warden_fd, &what, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_msg(LOG_WARNING, "telling the warden: %m");
}

static void tell_launcher(struct helper *h, const char *msg, size_t len)
{
	if (h->ready_fd < 0)
		return;
	/* The launcher may have gone (^C): EPIPE is fine, SIGPIPE is blocked. */
	if (fd_write_all(h->ready_fd, msg, len) < 0 && errno != EPIPE)
		log_msg(LOG_WARNING, "ready pipe: %m");
	close(h->ready_fd);
	h->ready_fd = -1;
}

static void probe_close(struct helper *h)
{
	close(h->probe_fd);
	h->probe_fd = -1;
	h->probe_connecting = false;
}

static void probe_send(struct helper *h)
{
	uint8_t req[EPMD_REQUEST_MAX];
	size_t len = epmd_request(req, h->node.name);

	/* A request this small goes out whole into a new socket's buffer, or not at all. */
	if (len == 0 || send(h->probe_fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		probe_close(h);
}

static void ready_announce(struct helper *h);
static void registered(struct helper *h);
static void ask_boot(struct helper *h);

static void arm(struct helper *h, long msec)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_nsec = msec * 1000000L;
	its.it_interval = its.it_value;
	if (timerfd_settime(h->probe_timer, 0, &its, NULL) < 0)
		log_msg(LOG_ERR, "timerfd_settime: %m");
}

static void probe(struct helper *h)
{
	struct sockaddr_in epmd = { .sin_family = AF_INET, .sin_port = htons(h->epmd_port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (h->probe_fd >= 0 || h->node.state != CHILD_BOOTING || strcspn(h->node.name, "@") > EPMD_NAME_MAX)
		return;
	h->probe_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->probe_fd < 0)
		return;
	if (connect(h->probe_fd, (struct sockaddr *)&epmd, sizeof epmd) == 0)
		probe_send(h);
	else if (errno == EINPROGRESS)
		h->probe_connecting = true; /* the loop waits for POLLOUT */
	else
		probe_close(h); /* no epmd yet: the next tick asks again */
}

void ready_begin(struct helper *h)
{
	arm(h, READY_PROBE_MS);
	probe(h);
}

/* Once the node is up, or a stop began before it was, there is nothing more to ask. */
void ready_tick(struct helper *h)
{
	uint64_t ticks;

	if (read(h->probe_timer, &ticks, sizeof ticks) != sizeof ticks)
		return;
	if (h->node.state != CHILD_BOOTING) {
		arm(h, 0);
		return;
	}
	if (!h->registered) {
		probe(h);
		return;
	}
	if (!h->boot_pending && fd_now_ms() - h->boot_asked_ms >= READY_BOOT_MS)
		ask_boot(h);
}

void ready_probe_result(struct helper *h)
{
	uint8_t resp[EPMD_ANSWER_LEN];
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (h->probe_connecting) {
		h->probe_connecting = false;
		if (getsockopt(h->probe_fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr)
			probe_close(h);
		else
			probe_send(h);
		return;
	}
	ssize_t n = recv(h->probe_fd, resp, sizeof resp, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	probe_close(h);
	if (n == EPMD_ANSWER_LEN && epmd_answer(resp, (size_t)n) == 1)
		registered(h);
}

/* Without a broker (no cookie was passed) the name in epmd is all there is to wait for. */
static void registered(struct helper *h)
{
	if (h->broker_fd < 0) {
		ready_announce(h);
		return;
	}
	h->registered = true;
	log_msg(LOG_INFO, "%s is registered with epmd; waiting for its boot to finish", h->node.name);
	notify(h, WARDEN_BOOTING);
	ask_boot(h);
}

static void ask_boot(struct helper *h)
{
	h->boot_asked_ms = fd_now_ms();
	h->boot_pending = broker_ask_boot(h->broker_fd) == 0;
	if (!h->boot_pending) /* the broker is gone: epmd's word is the best there is */
		ready_announce(h);
}

void ready_boot_answer(struct helper *h, const struct broker_answer *a)
{
	h->boot_pending = false;
	if (h->node.state != CHILD_BOOTING)
		return;
	if (a->boot == BROKER_BOOT_STARTED) {
		ready_announce(h);
	} else if (a->boot == BROKER_BOOT_REFUSED) {
		/* Said once; epmd's word is the best there is now. */
		log_msg(LOG_WARNING, "%s: boot probe: %s; up as epmd says, without waiting for its boot", h->node.name,
			a->text);
		h->boot_unconfirmed = true;
		ready_announce(h);
		notify(h, WARDEN_UNCONFIRMED);
	} else if (strcmp(a->text, "starting")) {
		log_msg(LOG_DEBUG, "%s: boot probe: %s", h->node.name, a->text);
	}
}

/* "up DEV INO": the socket's inode as bound, so that `kzlaunch start`, which is not the
 * node's user, can tell whether what its path names now is still that socket. */
static void ready_announce(struct helper *h)
{
	char up[64];
	int n = snprintf(up, sizeof up, "up %ju %ju\n", (uintmax_t)h->sock->dev, (uintmax_t)h->sock->ino);

	child_mark_up(&h->node);
	log_msg(LOG_INFO, "%s is up (pid %d)", h->node.name, (int)h->node.pid);
	tell_launcher(h, up, (size_t)n);
	notify(h, WARDEN_READY);
	session_keep_standby(h);
}

void ready_stopping(struct helper *h)
{
	notify(h, WARDEN_STOPPING);
}

/* The node ended before it was up: the launcher prints its status and last lines. */
void ready_failed(struct helper *h)
{
	const unsigned char *a, *b;
	size_t alen, blen;
	char head[32];
	int n = snprintf(head, sizeof head, "exit %d\n", h->node.status);

	if (h->ready_fd < 0)
		return;
	ring_spans(&h->replay, &a, &alen, &b, &blen);
	/* The last 2 KiB of console output tell why a node died while booting. */
	size_t keep = 2048, total = alen + blen;
	size_t skip = total > keep ? total - keep : 0;
	size_t bskip = skip > alen ? skip - alen : 0;
	/* The launcher may have gone: whatever does not reach it, the pipe is closed all the same. */
	if (fd_write_all(h->ready_fd, head, (size_t)n) == 0 &&
	    (skip >= alen || fd_write_all(h->ready_fd, a + skip, alen - skip) == 0) && blen > bskip)
		fd_write_all(h->ready_fd, b + bskip, blen - bskip);
	close(h->ready_fd);
	h->ready_fd = -1;
}
