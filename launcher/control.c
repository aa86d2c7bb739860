/* control.c: talks to a running helper for `status`, `pid`, `stop` and `attach`.  Needs no
 * privilege: the helper decides from the peer's credentials.  Never slows the node: a
 * terminal that stops reading only makes this client lose output. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "die.h"
#include "fd.h"
#include "proto.h"
#include "strv.h"

#define CLIENT_ANSWER_SEC 10

static void set_timeout(int fd, int opt, time_t sec)
{
	struct timeval tv = { .tv_sec = sec };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv) < 0)
		die_errno(KZ_EXIT_FAIL, "helper socket: setsockopt");
}

int control_connect(const char *rundir, const char *rel)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = proto_socket_path(rundir, rel);
	int fd;

	if (!path)
		die_errno(KZ_EXIT_FAIL, "socket path");
	if (strlen(path) >= sizeof sa.sun_path)
		die(EX_CONFIG, "%s: socket path longer than %zu bytes", path, sizeof sa.sun_path - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	free(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno(KZ_EXIT_FAIL, "socket");
	/* connect() waits while the helper's backlog is full (a stopped helper): bounded too. */
	set_timeout(fd, SO_SNDTIMEO, CLIENT_ANSWER_SEC);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	if (errno == ENOENT || errno == ECONNREFUSED) {
		close(fd);
		return -1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		die(KZ_EXIT_FAIL, "%s: the helper did not accept the connection within %d s", sa.sun_path,
		    CLIENT_ANSWER_SEC);
	die_errno(errno == EACCES ? EX_NOPERM : KZ_EXIT_FAIL, "%s", sa.sun_path);
}

static noreturn void not_running(const struct node *n, enum action act)
{
	switch (act) {
	case ACT_STOP:
		printf("%s is not running\n", n->name);
		exit(KZ_EXIT_OK);
	case ACT_STATUS:
	case ACT_PID:
		printf("%s is not running\n", n->name);
		exit(KZ_EXIT_NOT_RUNNING);
	default:
		die(EX_UNAVAILABLE, "%s: not running", n->name);
	}
}

/* A helper whose node has just ended may close a connection it had not yet accepted. */
static bool helper_went_away(int rc)
{
	return rc == 0 || (rc < 0 && (errno == ECONNRESET || errno == EPIPE));
}

static void send_or_die(int fd, uint8_t type, const void *payload, uint16_t len)
{
	if (proto_send(fd, type, payload, len) < 0)
		die_errno(KZ_EXIT_FAIL, "helper socket: send");
}

static noreturn void turned_away(const struct node *n, const struct proto_frame *f)
{
	if (f->type == PROTO_DENIED)
		die(EX_NOPERM, "%s: permission denied: uid %u lacks the %.*s right", n->name, (unsigned)getuid(),
		    (int)(f->len > 16 ? 16 : f->len), (const char *)f->payload);
	die(KZ_EXIT_FAIL, "%s: the helper turned this connection away: %.*s", n->name,
	    (int)(f->len > 64 ? 64 : f->len), (const char *)f->payload);
}

/* The request and the first answer, each within CLIENT_ANSWER_SEC: a helper that takes
 * longer is stuck, and saying so beats hanging.  A helper gone in between means the node
 * is too; one that refused the connection may have closed it before the request arrived,
 * so its ERROR is looked for even when sending failed. */
static void request(int fd, const struct node *n, enum action act, uint8_t type, const void *payload,
		    uint16_t len, struct proto_frame *f, uint8_t *buf)
{
	int sent, rc;

	set_timeout(fd, SO_SNDTIMEO, CLIENT_ANSWER_SEC);
	set_timeout(fd, SO_RCVTIMEO, CLIENT_ANSWER_SEC);
	sent = proto_send(fd, type, payload, len);
	if (sent < 0 && !helper_went_away(sent))
		die_errno(KZ_EXIT_FAIL, "%s: helper socket: send", n->name);
	rc = proto_recv(fd, f, buf);
	if (rc == 1 && (f->type == PROTO_DENIED || f->type == PROTO_ERROR))
		turned_away(n, f);
	if (sent < 0 || helper_went_away(rc))
		not_running(n, act);
	if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		die(KZ_EXIT_FAIL, "%s: the helper did not answer within %d s", n->name, CLIENT_ANSWER_SEC);
	if (rc < 0)
		die_errno(KZ_EXIT_FAIL, "%s: helper socket", n->name);
	/* From here attach and stop wait as long as the node lives. */
	set_timeout(fd, SO_SNDTIMEO, 0);
	set_timeout(fd, SO_RCVTIMEO, 0);
}

/* The next frame; dies on a closed or broken connection, and on DENIED or ERROR. */
static void recv_or_die(int fd, const struct node *n, struct proto_frame *f, uint8_t *buf)
{
	int rc = proto_recv(fd, f, buf);

	if (rc == 0)
		die(KZ_EXIT_FAIL, "%s: the helper closed the connection", n->name);
	if (rc < 0)
		die_errno(KZ_EXIT_FAIL, "%s: helper socket", n->name);
	if (f->type == PROTO_DENIED || f->type == PROTO_ERROR)
		turned_away(n, f);
}

static noreturn void run_info(const struct node *n, int fd, bool pid_only)
{
	static uint8_t buf[PROTO_MAX_PAYLOAD];
	struct proto_frame f;

	request(fd, n, pid_only ? ACT_PID : ACT_STATUS, pid_only ? PROTO_PID : PROTO_STATUS, NULL, 0, &f, buf);
	if (f.type != PROTO_INFO || f.len < 17)
		die(KZ_EXIT_FAIL, "%s: unexpected answer from the helper", n->name);
	uint32_t pid = proto_get32(f.payload);
	if (pid_only) {
		printf("%u\n", pid);
	} else {
		long up = (long)(time(NULL) - (time_t)proto_get64(f.payload + 4));
		uint32_t clients = proto_get32(f.payload + 12);
		const char *state = f.payload[16] == PROTO_NODE_BOOTING	  ? "booting"
				    : f.payload[16] == PROTO_NODE_STOPPING ? "stopping"
									   : "running";
		printf("%s is %s (pid %u, up %lds, %u attached%s)\n", n->name, state, pid, up < 0 ? 0 : up, clients,
		       f.payload[16] == PROTO_NODE_UNCONFIRMED
			       ? "; boot unconfirmed: the node refuses the broker's cookie"
			       : "");
	}
	exit(fflush(stdout) == 0 ? KZ_EXIT_OK : KZ_EXIT_FAIL);
}

static noreturn void run_stop(const struct node *n, int fd)
{
	static uint8_t buf[PROTO_MAX_PAYLOAD];
	struct proto_frame f;

	request(fd, n, ACT_STOP, PROTO_STOP, NULL, 0, &f, buf);
	for (;;) {
		if (f.type == PROTO_EXIT && f.len == 4)
			break;
		if (f.type != PROTO_STOPPING)
			die(KZ_EXIT_FAIL, "%s: unexpected answer from the helper", n->name);
		recv_or_die(fd, n, &f, buf);
	}
	printf("%s stopped (exit status %u)\n", n->name, proto_get32(f.payload));
	exit(KZ_EXIT_OK);
}

/* ---- attach ---- */

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

static void window_size(uint8_t out[4])
{
	struct winsize ws = { 0 };

	ioctl(STDIN_FILENO, TIOCGWINSZ, &ws); /* not a terminal: 0x0, the helper keeps its own */
	proto_put16(out, ws.ws_row);
	proto_put16(out + 2, ws.ws_col);
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
static int on_frame(const struct node *n, const struct proto_frame *f)
{
	switch (f->type) {
	case PROTO_OUTPUT:
		write_all(STDOUT_FILENO, f->payload, f->len);
		return -1;
	case PROTO_LOST:
		if (f->len == 8)
			say("\r\n[kzlaunch: %llu bytes of output lost: this terminal did not keep up]\r\n",
			    (unsigned long long)proto_get64(f->payload));
		return -1;
	case PROTO_STOPPING:
		return -1;
	case PROTO_EXIT:
		restore_tty();
		say("\r\n[kzlaunch: %s exited with status %u]\r\n", n->name, f->len == 4 ? proto_get32(f->payload) : 0);
		return KZ_EXIT_OK;
	default:
		die(KZ_EXIT_FAIL, "%s: unexpected frame %u from the helper", n->name, f->type);
	}
}

/* Keystrokes: the detach key ends the session; read-only clients send nothing else. */
static int on_input(int fd, const struct args *a)
{
	uint8_t buf[4096];
	ssize_t len = read(STDIN_FILENO, buf, sizeof buf);

	if (len < 0 && errno == EINTR)
		return -1;
	if (len <= 0)
		return KZ_EXIT_OK; /* end of input: detach */
	uint8_t *esc = memchr(buf, a->escape, (size_t)len);
	size_t keep = esc ? (size_t)(esc - buf) : (size_t)len;
	if (keep && !a->read_only)
		send_or_die(fd, PROTO_INPUT, buf, (uint16_t)keep);
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

static noreturn void run_attach(const struct node *n, const struct args *a, int fd)
{
	static uint8_t buf[PROTO_MAX_PAYLOAD];
	uint8_t req[5];
	struct proto_frame f;
	int wfd = winch_fd(), status = -1;

	req[0] = a->read_only;
	window_size(req + 1);
	/* The helper answers INFO (or DENIED) before anything else: only then is the terminal
	 * made raw and read, so a refused attach never eats a keystroke. */
	request(fd, n, ACT_ATTACH, PROTO_ATTACH, req, sizeof req, &f, buf);
	if (f.type != PROTO_INFO)
		die(KZ_EXIT_FAIL, "%s: unexpected answer from the helper", n->name);
	make_raw();
	while (status < 0) {
		struct pollfd fds[3] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = wfd, .events = POLLIN },
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(KZ_EXIT_FAIL, "poll");
		}
		if (fds[0].revents) {
			recv_or_die(fd, n, &f, buf);
			status = on_frame(n, &f);
		}
		if (status < 0 && fds[1].revents)
			status = on_input(fd, a);
		if (fds[2].revents) {
			struct signalfd_siginfo si;
			uint8_t ws[4];
			while (read(wfd, &si, sizeof si) == sizeof si)
				;
			window_size(ws);
			if (!a->read_only)
				send_or_die(fd, PROTO_WINSIZE, ws, sizeof ws);
		}
	}
	restore_tty();
	exit(status);
}

int control_call(const struct node *n, const char *what, unsigned ms, struct control_call *out)
{
	int *conn_fd = &out->conn_fd;
	uint8_t req[4 + 512], buf[PROTO_MAX_PAYLOAD];
	size_t wlen = strlen(what) < 512 ? strlen(what) : 512;
	struct proto_frame f;
	int fd = control_connect(n->args->rundir, n->args->rel), rc;

	if (fd < 0)
		return -1;
	proto_put32(req, ms);
	memcpy(req + 4, what, wlen);
	set_timeout(fd, SO_SNDTIMEO, CLIENT_ANSWER_SEC);
	if (proto_send(fd, PROTO_CALL, req, (uint16_t)(4 + wlen)) < 0 && !helper_went_away(-1))
		die_errno(KZ_EXIT_FAIL, "%s: helper socket: send", n->name);
	/* The broker's handshake is bounded by ms; the helper answers within that and a little. */
	set_timeout(fd, SO_RCVTIMEO, CLIENT_ANSWER_SEC + ms / 1000);
	rc = proto_recv_fd(fd, &f, buf, conn_fd);
	if (rc == 1 && (f.type == PROTO_DENIED || f.type == PROTO_ERROR))
		turned_away(n, &f);
	/* Kazoo's sup says 1 for a node it cannot reach; kzlaunch's calls 69. */
	if (helper_went_away(rc))
		die(n->args->action == ACT_SUP ? KZ_EXIT_FAIL : EX_UNAVAILABLE, "%s: not running", n->name);
	if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		die(KZ_EXIT_FAIL, "%s: the helper did not answer within %u s", n->name, CLIENT_ANSWER_SEC + ms / 1000);
	if (rc < 0)
		die_errno(KZ_EXIT_FAIL, "%s: helper socket", n->name);
	if (f.type != PROTO_CALL_READY || f.len < 6 || f.len < 5 + f.payload[4] || *conn_fd < 0)
		die(KZ_EXIT_FAIL, "%s: the helper answered a call with frame %u", n->name, f.type);
	out->creation = proto_get32(f.payload);
	size_t slen = f.payload[4];
	if (!(out->self = strndup((const char *)f.payload + 5, slen)) ||
	    !(out->node = strndup((const char *)f.payload + 5 + slen, f.len - 5 - slen)))
		die_errno(KZ_EXIT_FAIL, "out of memory");
	return fd;
}

/* The node types named by the files ending in `suffix` in dir, added to *names (allocated). */
static void collect_types(const char *dir, const char *suffix, struct strv *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t slen = strlen(suffix);

	if (!d)
		return; /* no such folder: no node types from it */
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n <= slen || strcmp(e->d_name + n - slen, suffix) || !args_rel_valid(e->d_name, n - slen))
			continue;
		if (strv_addn(names, e->d_name, n - slen) < 0)
			die_errno(KZ_EXIT_FAIL, "out of memory");
	}
	closedir(d);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each node type's status is the one action, in a child of its own: a node that does not
 * answer, or refuses, costs its own line only. */
noreturn void control_status_all(const struct args *a)
{
	struct strv names = { 0 };
	char *policy_dir = NULL;
	bool all_running = true;

	if (a->policy) {
		const char *slash = strrchr(a->policy, '/');
		policy_dir = slash ? strndup(a->policy, (size_t)(slash - a->policy + (slash == a->policy))) : strdup(".");
	} else {
		policy_dir = strdup("/etc/kzlaunch");
	}
	if (!policy_dir)
		die_errno(KZ_EXIT_FAIL, "out of memory");
	collect_types(policy_dir, ".policy", &names);
	collect_types(a->rundir, ".sock", &names);
	if (names.n == 0)
		die(EX_UNAVAILABLE, "no node types here: no policy in %s, no socket in %s", policy_dir, a->rundir);
	qsort(names.v, names.n, sizeof *names.v, by_name);
	for (size_t i = 0; i < names.n; i++) {
		if (i > 0 && !strcmp(names.v[i], names.v[i - 1]))
			continue;
		if (fflush(stdout) != 0)
			die_errno(KZ_EXIT_FAIL, "stdout");
		pid_t pid = fork();
		if (pid < 0)
			die_errno(KZ_EXIT_FAIL, "fork");
		if (pid == 0) {
			struct args one = *a;
			struct node n;
			one.rel = names.v[i];
			one.all = false;
			node_resolve_name(&n, &one);
			control_run(&n, &one);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die_errno(KZ_EXIT_FAIL, "waitpid");
		all_running = all_running && WIFEXITED(st) && WEXITSTATUS(st) == KZ_EXIT_OK;
	}
	exit(all_running ? KZ_EXIT_OK : KZ_EXIT_NOT_RUNNING);
}

noreturn void control_run(const struct node *n, const struct args *a)
{
	int fd = control_connect(a->rundir, a->rel);

	if (fd < 0)
		not_running(n, a->action);
	switch (a->action) {
	case ACT_STATUS:
		run_info(n, fd, false);
	case ACT_PID:
		run_info(n, fd, true);
	case ACT_STOP:
		run_stop(n, fd);
	default:
		run_attach(n, a, fd);
	}
}
