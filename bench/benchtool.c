/* benchtool.c: the two timers bench/run needs that Perl cannot do well by itself.  Built by
 * bench/run into _build/bench/benchtool; not part of kzlaunch.  Every time it prints is
 * CLOCK_MONOTONIC in nanoseconds, the clock Time::HiRes::clock_gettime(CLOCK_MONOTONIC) reads.
 *
 *   benchtool time [-n N] -- CMD [ARG...]
 *       Runs CMD N times, one after the other, with stdin and stdout on /dev/null (stderr is
 *       kept), and prints "NS STATUS" for each run: the wall time from spawn to reaped, and the
 *       exit status (128 + signal when killed).
 *
 *   benchtool pty [-t SEC] STEP... -- CMD [ARG...]
 *       Runs CMD in a new session with a new pty (24x80) as its controlling terminal and
 *       drives the pty's master with the steps, in order.  Prints "pid PID NS" first (NS:
 *       just before the fork), then a line for each step as it completes:
 *         expect=TEXT  read until TEXT has been seen since the last match   "expect NS"
 *         first        wait for the next byte of output                     "first NS"
 *         send=TEXT    type TEXT                                            "send NS"
 *         echo=N       N keystroke round trips: types a letter, waits until it comes back,
 *                      then reads on for 20 ms                       N x "echo RTT_NS"
 *         sleep=MS     read and discard for MS ms                           "sleep NS"
 *         show=MS      copy what is read to stderr for MS ms (to see what a command says)
 *                                                                           "show NS"
 *         hold         read nothing until benchtool's stdin ends: a terminal nobody reads
 *                                                                           "hold NS"
 *         eof          read and discard until CMD's side of the pty is closed, then reap it
 *                                                                    "eof NS STATUS"
 *       TEXT understands \r \n \e \\ and \xHH.
 *       Output is read in 64 KiB pieces and kept only as long as a match needs it: a reader
 *       that keeps nothing.  A step that takes more than SEC seconds (default 60) kills CMD's
 *       process group and exits 124.  Whatever CMD is still running after the last step is
 *       killed (SIGKILL to its process group). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define CHUNK (64 * 1024)
#define PATTERN_MAX 4096

static int master = -1;
static pid_t child = -1;
static int timeout_sec = 60;

/* Bytes read but not consumed by a match: what follows the last match, or, after a read
 * without one, the last bytes a match could still begin in. */
static unsigned char buf[PATTERN_MAX + CHUNK];
static size_t have;
static int fresh; /* buf holds bytes no `first` has seen yet */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void kill_child(void)
{
	if (child > 0) {
		kill(-child, SIGKILL);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
}

static void fail(const char *what)
{
	fprintf(stderr, "benchtool: %s\n", what);
	kill_child();
	exit(124);
}

/* Waits until the master is readable or the step's deadline passes; then reads.
 * Returns the bytes read into dst, 0 at end of output (EIO: the slave is closed). */
static size_t read_some(unsigned char *dst, size_t room, int64_t deadline, const char *step)
{
	for (;;) {
		int64_t left = deadline - now_ns();
		if (left <= 0)
			fail(step);
		struct pollfd p = { .fd = master, .events = POLLIN };
		int ms = (int)(left / 1000000) + 1;
		int rc = poll(&p, 1, ms);
		if (rc < 0 && errno != EINTR)
			fail("poll");
		if (rc <= 0)
			continue;
		ssize_t n = read(master, dst, room);
		if (n > 0)
			return (size_t)n;
		if (n == 0 || errno == EIO)
			return 0;
		if (errno != EINTR && errno != EAGAIN)
			fail("read");
	}
}

static int64_t deadline_now(void)
{
	return now_ns() + (int64_t)timeout_sec * 1000000000;
}

static size_t unescape(const char *s, char *dst);

static void step_expect(const char *text)
{
	char pat[PATTERN_MAX + 1];
	size_t plen = strlen(text) <= PATTERN_MAX ? unescape(text, pat) : 0;
	int64_t deadline = deadline_now();

	if (plen == 0 || plen > PATTERN_MAX)
		fail("expect: pattern must be 1 to 4096 bytes");
	for (;;) {
		unsigned char *hit = memmem(buf, have, pat, plen);
		if (hit) {
			size_t used = (size_t)(hit - buf) + plen;
			memmove(buf, buf + used, have - used);
			have -= used;
			fresh = have > 0;
			out("expect %lld\n", (long long)now_ns());
			return;
		}
		/* Keep only what a match could still start in. */
		size_t keep = have < plen - 1 ? have : plen - 1;
		memmove(buf, buf + have - keep, keep);
		have = keep;
		size_t n = read_some(buf + have, CHUNK, deadline, "expect: timed out");
		if (n == 0)
			fail("expect: the command closed its terminal first");
		have += n;
	}
}

static void step_first(void)
{
	if (!fresh) {
		if (have > PATTERN_MAX)
			have = 0;
		size_t n = read_some(buf + have, CHUNK, deadline_now(), "first: timed out");
		if (n == 0)
			fail("first: the command closed its terminal first");
		have += n;
	}
	fresh = 0;
	out("first %lld\n", (long long)now_ns());
}

static size_t unescape(const char *s, char *dst)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\' || !s[1]) {
			dst[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': dst[n++] = '\r'; s++; break;
		case 'n': dst[n++] = '\n'; s++; break;
		case 'e': dst[n++] = 033; s++; break;
		case 'x': {
			char hex[3] = { 0 };
			strncpy(hex, s + 1, 2);
			dst[n++] = (char)strtol(hex, NULL, 16);
			s += 1 + strlen(hex);
			break;
		}
		default: dst[n++] = *s++; break;
		}
	}
	return n;
}

static void type(const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(master, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("write to the terminal");
		text += n;
		len -= (size_t)n;
	}
}

static void step_send(const char *text)
{
	char *raw = malloc(strlen(text) + 1);

	if (!raw)
		fail("malloc");
	type(raw, unescape(text, raw));
	free(raw);
	out("send %lld\n", (long long)now_ns());
}

static void drain_for(int64_t ns, int show)
{
	int64_t end = now_ns() + ns;

	for (;;) {
		int64_t left = end - now_ns();
		if (left <= 0)
			break;
		struct pollfd p = { .fd = master, .events = POLLIN };
		if (poll(&p, 1, (int)(left / 1000000) + 1) > 0) {
			ssize_t n = read(master, buf, CHUNK);
			if (n == 0 || (n < 0 && errno == EIO))
				fail("the command closed its terminal");
			if (n > 0 && show && write(STDERR_FILENO, buf, (size_t)n) < 0)
				show = 0;
		}
	}
	have = 0;
	fresh = 0;
}

static void step_echo(int rounds)
{
	have = 0;
	fresh = 0;
	for (int i = 0; i < rounds; i++) {
		char key = (char)('a' + i % 26);
		int64_t deadline = deadline_now(), t0 = now_ns();
		type(&key, 1);
		for (;;) {
			size_t n = read_some(buf, CHUNK, deadline, "echo: timed out");
			if (n == 0)
				fail("echo: the command closed its terminal");
			if (memchr(buf, key, n))
				break;
		}
		out("echo %lld\n", (long long)(now_ns() - t0));
		drain_for(20 * 1000000LL, 0);
	}
}

static void step_hold(void)
{
	char junk[256];

	while (read(STDIN_FILENO, junk, sizeof junk) > 0 || errno == EINTR)
		errno = 0;
	out("hold %lld\n", (long long)now_ns());
}

static void step_eof(void)
{
	int64_t deadline = deadline_now();
	int st;

	while (read_some(buf, CHUNK, deadline, "eof: timed out") > 0)
		;
	have = 0;
	fresh = 0;
	int64_t t = now_ns();
	if (waitpid(child, &st, 0) != child)
		fail("waitpid");
	child = -1;
	out("eof %lld %d\n", (long long)t, status_of(st));
}

static int run_pty(int argc, char **argv)
{
	int i = 0;

	for (; i < argc && strcmp(argv[i], "--"); i++)
		;
	if (i >= argc - 1) {
		fprintf(stderr, "usage: benchtool pty [-t SEC] STEP... -- CMD [ARG...]\n");
		return 64;
	}
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int slave;
	if (openpty(&master, &slave, NULL, NULL, &ws) < 0) {
		perror("benchtool: openpty");
		return 1;
	}
	fcntl(master, F_SETFD, FD_CLOEXEC);
	int64_t forked = now_ns();
	child = fork();
	if (child < 0) {
		perror("benchtool: fork");
		return 1;
	}
	if (child == 0) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		execvp(argv[i + 1], argv + i + 1);
		perror(argv[i + 1]);
		_exit(127);
	}
	close(slave);
	out("pid %d %lld\n", (int)child, (long long)forked);
	for (int s = 0; s < i; s++) {
		const char *st = argv[s];
		if (!strncmp(st, "expect=", 7))
			step_expect(st + 7);
		else if (!strcmp(st, "first"))
			step_first();
		else if (!strncmp(st, "send=", 5))
			step_send(st + 5);
		else if (!strncmp(st, "echo=", 5))
			step_echo(atoi(st + 5));
		else if (!strncmp(st, "sleep=", 6)) {
			drain_for(atoll(st + 6) * 1000000LL, 0);
			out("sleep %lld\n", (long long)now_ns());
		} else if (!strncmp(st, "show=", 5)) {
			drain_for(atoll(st + 5) * 1000000LL, 1);
			out("show %lld\n", (long long)now_ns());
		} else if (!strcmp(st, "hold"))
			step_hold();
		else if (!strcmp(st, "eof"))
			step_eof();
		else {
			fprintf(stderr, "benchtool: unknown step '%s'\n", st);
			kill_child();
			return 64;
		}
	}
	kill_child();
	return 0;
}

static int run_time(int argc, char **argv)
{
	int i = 0;

	for (; i < argc && strcmp(argv[i], "--"); i++)
		;
	if (i >= argc - 1) {
		fprintf(stderr, "usage: benchtool time [-n N] -- CMD [ARG...]\n");
		return 64;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	int runs = argc > 1 && !strcmp(argv[0], "-n") ? atoi(argv[1]) : 1;
	for (int r = 0; r < runs; r++) {
		pid_t pid;
		int st;
		int64_t t0 = now_ns();
		int rc = posix_spawnp(&pid, argv[i + 1], &fa, NULL, argv + i + 1, environ);
		if (rc) {
			errno = rc;
			perror(argv[i + 1]);
			return 1;
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		out("%lld %d\n", (long long)(now_ns() - t0), status_of(st));
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "time"))
		return run_time(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "pty")) {
		int skip = 2;
		if (argc >= 4 && !strcmp(argv[2], "-t")) {
			timeout_sec = atoi(argv[3]);
			skip = 4;
		}
		signal(SIGPIPE, SIG_IGN);
		return run_pty(argc - skip, argv + skip);
	}
	fprintf(stderr, "usage: benchtool time|pty ...\n");
	return 64;
}
