/* attach.c: `attach`, the operator's terminal on a started node's console: raw while
 * attached, the window size sent as it changes, the detach key, output as it comes.  Never
 * slows the node: a terminal that stops reading only makes this client lose output. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "attach.h"
#include "die.h"
#include "fd.h"
#include "msg.h"
#include "node.h"
#include "session_client.h"

static struct termios saved_tty;
static bool tty_raw;

static void restore_tty(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tty);
	tty_raw = false;
}

static void make_raw(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	raw = saved_tty;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0) {
		tty_raw = true;
		atexit(restore_tty);
	}
}

static struct msg_winsize window_size(void)
{
	struct winsize ws = { 0 };

	ioctl(STDIN_FILENO, TIOCGWINSZ, &ws); /* not a terminal: 0x0, the helper keeps its own */
	return (struct msg_winsize){ ws.ws_row, ws.ws_col };
}

static void write_all(int fd, const void *buf, size_t len)
{
	if (fd_write_all(fd, buf, len) < 0)
		die_errno(KZ_EXIT_FAIL, "stdout");
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		write_all(STDOUT_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Output from the helper.  Returns -1 to go on, else the status to leave with. */
static int on_frame(const char *node, const struct proto_frame *f)
{
	uint64_t lost;
	uint32_t status;

	switch (f->type) {
	case PROTO_OUTPUT:
		write_all(STDOUT_FILENO, f->payload, f->len);
		return -1;
	case PROTO_LOST:
		if (msg_lost_decode(f, &lost) == 0)
			say("\r\n[kzlaunch: %llu bytes of output lost: this terminal did not keep up]\r\n",
			    (unsigned long long)lost);
		return -1;
	case PROTO_STOPPING:
		return -1;
	case PROTO_EXIT:
		restore_tty();
		say("\r\n[kzlaunch: %s exited with status %u]\r\n", node, msg_exit_decode(f, &status) == 0 ? status : 0);
		return KZ_EXIT_OK;
	default:
		die(KZ_EXIT_FAIL, "%s: unexpected frame %u from the helper", node, f->type);
	}
}

/* Keystrokes: the detach key ends the session; read-only clients send nothing else. */
static int on_input(struct client *c, const struct args *a)
{
	struct kz_err err = { 0 };
	uint8_t buf[4096];
	ssize_t len = read(STDIN_FILENO, buf, sizeof buf);

	if (len < 0 && errno == EINTR)
		return -1;
	if (len <= 0)
		return KZ_EXIT_OK; /* end of input: detach */
	uint8_t *esc = memchr(buf, a->escape, (size_t)len);
	size_t keep = esc ? (size_t)(esc - buf) : (size_t)len;
	if (keep && !a->read_only)
		die_on_error(client_send(c, PROTO_INPUT, buf, (uint16_t)keep, &err), &err);
	return esc ? KZ_EXIT_OK : -1;
}

static int winch_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die_errno(KZ_EXIT_FAIL, "sigprocmask");
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		die_errno(KZ_EXIT_FAIL, "signalfd");
	return fd;
}

/* The helper answers INFO (or DENIED) before anything else: only then is the terminal made
 * raw and read, so a refused attach never eats a keystroke. */
static struct client *attached(const struct args *a, struct client *c)
{
	struct kz_err err = { 0 };
	struct node n;
	struct msg_winsize ws = window_size();
	struct msg_attach req = { .read_only = a->read_only, .rows = ws.rows, .cols = ws.cols };
	uint8_t payload[MSG_ATTACH_LEN];
	int rc;

	node_resolve_name(&n, a);
	die_on_error(rc = client_connect(c, a->rundir, a->rel, n.name, &err), &err);
	if (rc == CLIENT_NOT_RUNNING)
		die(EX_UNAVAILABLE, "%s: not running", n.name);
	die_on_error(rc = client_request(c, PROTO_ATTACH, payload, msg_attach_encode(&req, payload), &err), &err);
	if (rc == CLIENT_NOT_RUNNING)
		die(EX_UNAVAILABLE, "%s: not running", n.name);
	if (c->f.type != PROTO_INFO)
		die(KZ_EXIT_FAIL, "%s: unexpected answer from the helper", n.name);
	/* n goes; the client keeps the name for its messages. */
	c->node = strdup(n.name);
	if (!c->node)
		die_errno(KZ_EXIT_FAIL, "out of memory");
	node_free(&n);
	return c;
}

int attach_run(const struct args *a)
{
	struct kz_err err = { 0 };
	static struct client client;
	struct client *c = attached(a, &client);
	int wfd = winch_fd(), status = -1;

	make_raw();
	while (status < 0) {
		struct pollfd fds[3] = {
			{ .fd = c->fd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = wfd, .events = POLLIN },
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(KZ_EXIT_FAIL, "poll");
		}
		if (fds[0].revents) {
			die_on_error(client_next(c, &err), &err);
			status = on_frame(c->node, &c->f);
		}
		if (status < 0 && fds[1].revents)
			status = on_input(c, a);
		if (fds[2].revents) {
			struct signalfd_siginfo si;
			uint8_t payload[MSG_WINSIZE_LEN];
			while (read(wfd, &si, sizeof si) == sizeof si)
				;
			struct msg_winsize ws = window_size();
			if (!a->read_only)
				die_on_error(client_send(c, PROTO_WINSIZE, payload, msg_winsize_encode(&ws, payload), &err),
					     &err);
		}
	}
	restore_tty();
	close(wfd);
	client_close(c);
	return status;
}
