/* filtertest.c: tries system calls under the helper's, the warden's and the broker's real
 * seccomp filters.  `filtertest MODE`: a "node" child sleeps; a second child enters the
 * sandbox with that node's pid and does MODE; the parent prints how the second child ended
 * ("exited N", "signal N").  Modes named warden-* enter the warden's filter instead, the
 * sleeping child standing for the helper; broker-* the broker's, the warden's channel
 * standing for the broker's.  Everything the sandboxed child needs is made before the
 * filter, as in all three. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "err.h"
#include "fd.h"
#include "sandbox.h"
#include "sockowner.h"

/* Exit status of a forbidden mode whose call came back instead of killing the child. */
enum { RETURNED = 2 };

/* What the sandboxed child may use: all made before the filter. */
static struct {
	pid_t node, parent;
	int pipe[2];
	int pty_master, pty_slave;
	int dir;            /* a private temporary folder */
	char dir_path[64];
	int listen_unix;    /* bound to dir_path/sock */
	struct sockaddr_un unix_addr;
	int listen_inet;    /* 127.0.0.1, an ephemeral port */
	struct sockaddr_in inet_addr;
	int timer;
	int chan[2];        /* the warden's channel; [0] is the warden's end */
	int notify[2];      /* [0] stands for NOTIFY_SOCKET's connection */
	int sig;            /* a signalfd for SIGCHLD */
	int lock;           /* dir_path/lock */
} w = { .pipe = { -1, -1 }, .pty_master = -1, .pty_slave = -1, .dir = -1, .listen_unix = -1,
	.listen_inet = -1, .timer = -1, .chan = { -1, -1 }, .notify = { -1, -1 }, .sig = -1, .lock = -1 };

static int fail(const char *what)
{
	dprintf(2, "filtertest: allowed: %s: %s\n", what, strerror(errno));
	return -1;
}

/* ---- the allowed mode: one step per path of the helper ---- */

static int step_pipe(void)
{
	struct pollfd p = { .fd = w.pipe[0], .events = POLLIN };
	char c;

	if (write(w.pipe[1], "x", 1) != 1)
		return fail("write(pipe)");
	if (poll(&p, 1, 1000) != 1 || !(p.revents & POLLIN))
		return fail("poll(pipe)");
	if (ppoll(&p, 1, &(struct timespec){ 0, 0 }, NULL) != 1)
		return fail("ppoll(pipe)");
	if (read(w.pipe[0], &c, 1) != 1 || c != 'x')
		return fail("read(pipe)");
	return 0;
}

static int step_fcntl(void)
{
	int fl = fcntl(w.pipe[0], F_GETFL), fd = fcntl(w.pipe[0], F_GETFD);

	if (fl < 0 || fcntl(w.pipe[0], F_SETFL, fl | O_NONBLOCK) < 0)
		return fail("fcntl(F_GETFL/F_SETFL)");
	if (fd < 0 || fcntl(w.pipe[0], F_SETFD, fd | FD_CLOEXEC) < 0)
		return fail("fcntl(F_GETFD/F_SETFD)");
	return 0;
}

static int step_self(void)
{
	struct timespec ts;

	if (getpid() <= 1 || syscall(SYS_gettid) <= 1)
		return fail("getpid/gettid");
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0 || clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return fail("clock_gettime");
	/* The vDSO hides clock_gettime from the filter: make the real call once. */
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) < 0)
		return fail("clock_gettime (syscall)");
	return 0;
}

static int step_memory(void)
{
	size_t n = 10u << 20;
	volatile char *big = malloc(n); /* above the mmap threshold: mmap and munmap */
	char *small[64];

	if (!big)
		return fail("malloc(10 MiB)");
	big[0] = 1;
	big[n - 1] = 1;
	free((void *)big);
	for (size_t i = 0; i < COUNT(small); i++) /* brk */
		if (!(small[i] = malloc(4096)))
			return fail("malloc(4 KiB)");
	for (size_t i = 0; i < COUNT(small); i++)
		free(small[i]);
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap(PROT_READ|PROT_WRITE)");
	if (mprotect(p, 8192, PROT_READ) < 0)
		return fail("mprotect(PROT_READ)");
	if ((p = mremap(p, 8192, 16384, MREMAP_MAYMOVE)) == MAP_FAILED)
		return fail("mremap");
	if (madvise(p, 16384, MADV_DONTNEED) < 0)
		return fail("madvise");
	if (munmap(p, 16384) < 0)
		return fail("munmap");
	return 0;
}

static int step_pty(void)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 132 };

	if (ioctl(w.pty_master, TIOCSWINSZ, &ws) < 0)
		return fail("ioctl(TIOCSWINSZ)");
	memset(&ws, 0, sizeof ws);
	if (ioctl(w.pty_master, TIOCGWINSZ, &ws) < 0 || ws.ws_col != 132)
		return fail("ioctl(TIOCGWINSZ)");
	if (!isatty(w.pty_slave))
		return fail("isatty");
	return 0;
}

static int step_log(void)
{
	struct stat st;
	int fd = openat(w.dir, "test.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);

	if (fd < 0)
		return fail("openat(O_CREAT)");
	if (write(fd, "line\n", 5) != 5 || fstat(fd, &st) < 0 || st.st_size != 5)
		return fail("write/fstat(log)");
	if (lseek(fd, 0, SEEK_END) != 5)
		return fail("lseek(log)");
	if (close(fd) < 0)
		return fail("close(log)");
	if (renameat(w.dir, "test.log", w.dir, "test.log.1") < 0)
		return fail("renameat");
	if (unlinkat(w.dir, "test.log.1", 0) < 0)
		return fail("unlinkat");
	return 0;
}

static int step_unix(void)
{
	char buf[8];
	struct ucred cred;
	gid_t groups[64];
	socklen_t len = sizeof cred;
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), s, d;

	if (c < 0)
		return fail("socket(AF_UNIX, SOCK_STREAM)");
	if (connect(c, (struct sockaddr *)&w.unix_addr, sizeof w.unix_addr) < 0)
		return fail("connect(AF_UNIX)");
	if ((s = accept4(w.listen_unix, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0)
		return fail("accept4");
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid != getpid())
		return fail("getsockopt(SO_PEERCRED)");
	len = sizeof groups;
	if (getsockopt(s, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return fail("getsockopt(SO_PEERGROUPS)");
	struct iovec iov = { .iov_base = "frame", .iov_len = 5 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (sendmsg(c, &msg, MSG_NOSIGNAL) != 5 || send(c, "!", 1, MSG_NOSIGNAL) != 1)
		return fail("sendmsg/send");
	iov = (struct iovec){ .iov_base = buf, .iov_len = 5 };
	if (recvmsg(s, &msg, 0) != 5 || recv(s, buf, 1, 0) != 1)
		return fail("recvmsg/recv");
	if (writev(s, &iov, 1) != 5 || readv(c, &iov, 1) != 5)
		return fail("writev/readv");
	if (shutdown(s, SHUT_RDWR) < 0)
		return fail("shutdown");
	close(s);
	close(c);
	/* syslog's reconnect: a datagram socket, then a send to a peer that is not there */
	if ((d = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return fail("socket(AF_UNIX, SOCK_DGRAM)");
	if (sendto(d, "x", 1, 0, (struct sockaddr *)&w.unix_addr, sizeof w.unix_addr) >= 0)
		return fail("sendto(stream socket) worked");
	close(d);
	return 0;
}

static int step_inet(void)
{
	struct pollfd p;
	int e = -1;
	socklen_t len = sizeof e;
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	/* the epmd probe: a non-blocking connect, poll, SO_ERROR */
	if (c < 0)
		return fail("socket(AF_INET)");
	if (connect(c, (struct sockaddr *)&w.inet_addr, sizeof w.inet_addr) < 0 && errno != EINPROGRESS)
		return fail("connect(AF_INET)");
	p = (struct pollfd){ .fd = c, .events = POLLOUT };
	if (poll(&p, 1, 2000) != 1)
		return fail("poll(connect)");
	if (getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0)
		return fail("getsockopt(SO_ERROR)");
	close(c);
	return 0;
}

static int step_timer(void)
{
	struct itimerspec t = { .it_value = { 30, 0 } };

	if (timerfd_settime(w.timer, 0, &t, NULL) < 0 || timerfd_gettime(w.timer, &t) < 0)
		return fail("timerfd_settime/gettime");
	return 0;
}

static int step_signals(void)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0 || sigprocmask(SIG_SETMASK, &old, NULL) < 0)
		return fail("sigprocmask");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return fail("sigaction");
	/* no children here: both say ECHILD, which is the point (allowed, not killed) */
	if (waitpid(-1, NULL, WNOHANG) >= 0 || errno != ECHILD)
		return fail("wait4");
	if (waitid(P_ALL, 0, &(siginfo_t){ 0 }, WEXITED | WNOHANG) >= 0 || errno != ECHILD)
		return fail("waitid");
	return 0;
}

static int step_kill(void)
{
	if (kill(w.node, 0) < 0)
		return fail("kill(node, 0)");
	if (kill(-w.node, 0) < 0)
		return fail("kill(-node, 0)");
	if (kill(w.node, SIGTERM) < 0)
		return fail("kill(node, SIGTERM)");
	return 0;
}

static int mode_allowed(void)
{
	static int (*const steps[])(void) = {
		step_pipe, step_fcntl, step_self, step_memory, step_pty, step_log,
		step_unix, step_inet, step_timer, step_signals, step_kill,
	};

	for (size_t i = 0; i < COUNT(steps); i++)
		if (steps[i]() < 0)
			return 1;
	return 0; /* through exit(): stdio, atexit and the sanitizers' exit paths run too */
}

/* ---- the warden's allowed mode: every call of warden.c and sock_remove() ---- */

static int mode_warden_allowed(void)
{
	struct pollfd p[2] = { { .fd = w.sig, .events = POLLIN }, { .fd = w.chan[0], .events = POLLIN } };
	struct signalfd_siginfo si;
	struct stat st;
	char c, sock_path[sizeof w.dir_path + 8];
	int status;

	if (poll(p, 2, 1000) < 1 || !(p[1].revents & POLLIN))
		return fail("poll(signalfd, channel)");
	if (ppoll(p, 2, &(struct timespec){ 0, 0 }, NULL) < 1)
		return fail("ppoll");
	if (recv(w.chan[0], &c, 1, MSG_DONTWAIT) != 1)
		return fail("recv(channel)");
	if (read(w.sig, &si, sizeof si) >= 0 || errno != EAGAIN)
		return fail("read(signalfd)");
	if (send(w.chan[0], "T", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		return fail("send(channel)");
	if (send(w.notify[0], "READY=1", 7, MSG_DONTWAIT | MSG_NOSIGNAL) != 7)
		return fail("send(notify)");
	/* The stand-in is this child's sibling: ECHILD, but the filter let the call through. */
	if (waitpid(w.node, &status, WNOHANG) < 0 && errno != ECHILD)
		return fail("waitpid(helper, WNOHANG)");
	snprintf(sock_path, sizeof sock_path, "%s/sock", w.dir_path);
	if (flock(w.lock, LOCK_EX) < 0)
		return fail("flock(LOCK_EX)");
	if (fstatat(AT_FDCWD, sock_path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail("fstatat(socket)");
	if (unlinkat(AT_FDCWD, sock_path, 0) < 0)
		return fail("unlinkat(socket)");
	if (flock(w.lock, LOCK_UN) < 0)
		return fail("flock(LOCK_UN)");
	if (close(w.notify[0]) < 0)
		return fail("close");
	return 0;
}

/* ---- forbidden modes: each must die with SIGSYS; if the call returns, exit RETURNED ---- */

static int mode_execve(void)
{
	char *argv[] = { "/bin/true", NULL };

	execve(argv[0], argv, environ);
	return RETURNED;
}

static int mode_ptrace(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return RETURNED;
}

static int mode_kill_other(void)
{
	kill(w.parent, SIGTERM);
	return RETURNED;
}

static int mode_kill_sigusr2(void)
{
	kill(w.node, SIGUSR2);
	return RETURNED;
}

static int mode_tgkill_other(void)
{
	syscall(SYS_tgkill, w.node, w.node, SIGTERM);
	return RETURNED;
}

static int mode_setuid(void)
{
	if (setuid(0) == 0)
		dprintf(2, "filtertest: setuid(0) worked\n");
	return RETURNED;
}

static int mode_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		dprintf(2, "filtertest: mmap: %s\n", strerror(errno));
		return 1; /* not the call under test */
	}
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return RETURNED;
}

static int mode_mmap_exec(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return RETURNED;
}

static int mode_tiocsti(void)
{
	char c = 'x';

	ioctl(w.pty_slave, TIOCSTI, &c);
	return RETURNED;
}

static int mode_socket_inet6(void)
{
	socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return RETURNED;
}

static int mode_fcntl_dupfd(void)
{
	fcntl(0, F_DUPFD_CLOEXEC, 100);
	return RETURNED;
}

static int mode_getsockopt_other(void)
{
	int v;
	socklen_t len = sizeof v;

	getsockopt(w.listen_inet, SOL_SOCKET, SO_RCVBUF, &v, &len);
	return RETURNED;
}

static int mode_unlink(void)
{
	/* glibc's unlink() is the old unlink call on x86_64: the helper must use unlinkat */
	unlink(w.unix_addr.sun_path);
	return RETURNED;
}

static int mode_warden_kill(void)
{
	/* Not even the helper, not even SIGTERM: stop requests go over the channel. */
	kill(w.node, SIGTERM);
	return RETURNED;
}

static int mode_warden_socket(void)
{
	/* uid 0 with a new unix socket could talk to root-only daemons (systemd's private bus) */
	socket(AF_UNIX, SOCK_STREAM, 0);
	return RETURNED;
}

static int mode_warden_sendto_addr(void)
{
	sendto(w.notify[0], "x", 1, MSG_DONTWAIT, (struct sockaddr *)&w.unix_addr, sizeof w.unix_addr);
	return RETURNED;
}

static int mode_warden_openat(void)
{
	openat(AT_FDCWD, "/etc/hostname", O_RDONLY | O_CLOEXEC);
	return RETURNED;
}

static int mode_warden_read_other(void)
{
	char c;

	return read(w.pipe[0], &c, 1) < -1 ? 1 : RETURNED;
}

static int mode_warden_wait_other(void)
{
	waitpid(-1, NULL, WNOHANG);
	return RETURNED;
}

/* ---- the broker's allowed mode: what dist_locate, dist_shake and the channel do ---- */

static int broker_lookup(const char *host, int family)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM }, *res = NULL;

	if (getaddrinfo(host, "4369", &hints, &res) != 0)
		return -1;
	freeaddrinfo(res);
	return 0;
}

static int mode_broker_allowed(void)
{
	struct sockowner_want who = { .uid = getuid(), .pid = w.parent };
	struct kz_err err = { 0 };
	struct ifaddrs *ifs = NULL;
	struct timeval tv = { .tv_sec = 2 };
	int one = 1, e = -1, c, u, fl;
	socklen_t len = sizeof e;
	uint32_t r;
	char buf[8];

	/* NSS, as warmed up before the filter: /etc/hosts (and resolv.conf's check) again */
	if (broker_lookup("localhost", AF_UNSPEC) < 0 || broker_lookup("localhost", AF_INET) < 0)
		return fail("getaddrinfo(localhost)");
	/* the socket-owner check: /proc/self/net/tcp{,6}, /proc/PID/fd and its links */
	if (sockowner_check("filtertest@localhost", ntohs(w.inet_addr.sin_port), &who, &err) < 0) {
		dprintf(2, "filtertest: %s\n", err.msg ? err.msg : "sockowner_check");
		return 1;
	}
	if (getifaddrs(&ifs) < 0)
		return fail("getifaddrs");
	freeifaddrs(ifs);
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		return fail("getrandom");
	/* epmd's connection and the node's: options, a non-blocking connect, its result */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		return fail("socket/setsockopt");
	if (connect(c, (struct sockaddr *)&w.inet_addr, sizeof w.inet_addr) < 0 && errno != EINPROGRESS)
		return fail("connect(AF_INET)");
	struct pollfd p = { .fd = c, .events = POLLOUT };
	if (poll(&p, 1, 2000) != 1 || getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0)
		return fail("poll/getsockopt(SO_ERROR)");
	if ((fl = fcntl(c, F_GETFL)) < 0 || fcntl(c, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return fail("fcntl(F_GETFL/F_SETFL)");
	/* a resolver's socket */
	if ((u = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) >= 0)
		close(u);
	else if (errno != EAFNOSUPPORT)
		return fail("socket(AF_INET6, SOCK_DGRAM)");
	/* the connection handed to the helper on the channel, the next request read from it */
	struct iovec iov = { .iov_base = "A", .iov_len = 1 };
	if (fd_send_passing(w.chan[0], &iov, 1, c, 0) < 0)
		return fail("sendmsg(channel, SCM_RIGHTS)");
	if (recv(w.chan[0], buf, sizeof buf, 0) != 1)
		return fail("recv(channel)");
	close(c);
	return 0;
}

static int mode_broker_open_write(void)
{
	openat(w.dir, "written", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	return RETURNED;
}

static int mode_broker_open_trunc(void)
{
	/* O_RDONLY with O_TRUNC truncates on Linux */
	openat(w.dir, "lock", O_RDONLY | O_TRUNC | O_CLOEXEC);
	return RETURNED;
}

static int mode_broker_sendmsg_other(void)
{
	struct iovec iov = { .iov_base = "A", .iov_len = 1 };

	fd_send_passing(w.notify[0], &iov, 1, w.pipe[0], 0);
	return RETURNED;
}

static int mode_broker_socket_packet(void)
{
	socket(AF_PACKET, SOCK_RAW, 0);
	return RETURNED;
}

static int mode_broker_netlink_other(void)
{
	socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 9 /* NETLINK_AUDIT */);
	return RETURNED;
}

static int mode_broker_unlinkat(void)
{
	unlinkat(w.dir, "lock", 0);
	return RETURNED;
}

/* abort() is allowed to end the process with its own signal (tgkill on itself). */
static int mode_abort(void)
{
	abort();
}

static const struct {
	const char *name;
	int (*run)(void);
} modes[] = {
	{ "allowed", mode_allowed },
	{ "abort", mode_abort },
	{ "execve", mode_execve },
	{ "ptrace", mode_ptrace },
	{ "kill-other", mode_kill_other },
	{ "kill-sigusr2", mode_kill_sigusr2 },
	{ "tgkill-other", mode_tgkill_other },
	{ "setuid", mode_setuid },
	{ "mprotect-exec", mode_mprotect_exec },
	{ "mmap-exec", mode_mmap_exec },
	{ "tiocsti", mode_tiocsti },
	{ "socket-inet6", mode_socket_inet6 },
	{ "fcntl-dupfd", mode_fcntl_dupfd },
	{ "getsockopt-other", mode_getsockopt_other },
	{ "unlink", mode_unlink },
	{ "warden-allowed", mode_warden_allowed },
	{ "warden-abort", mode_abort },
	{ "warden-execve", mode_execve },
	{ "warden-ptrace", mode_ptrace },
	{ "warden-setuid", mode_setuid },
	{ "warden-mmap-exec", mode_mmap_exec },
	{ "warden-kill", mode_warden_kill },
	{ "warden-socket", mode_warden_socket },
	{ "warden-sendto-addr", mode_warden_sendto_addr },
	{ "warden-openat", mode_warden_openat },
	{ "warden-read-other", mode_warden_read_other },
	{ "warden-wait-other", mode_warden_wait_other },
	{ "broker-allowed", mode_broker_allowed },
	{ "broker-abort", mode_abort },
	{ "broker-execve", mode_execve },
	{ "broker-ptrace", mode_ptrace },
	{ "broker-setuid", mode_setuid },
	{ "broker-mmap-exec", mode_mmap_exec },
	{ "broker-kill", mode_warden_kill },
	{ "broker-open-write", mode_broker_open_write },
	{ "broker-open-trunc", mode_broker_open_trunc },
	{ "broker-sendmsg-other", mode_broker_sendmsg_other },
	{ "broker-socket-packet", mode_broker_socket_packet },
	{ "broker-netlink-other", mode_broker_netlink_other },
	{ "broker-unlinkat", mode_broker_unlinkat },
};

/* ---- the parent ---- */

static void die_setup(const char *what)
{
	fprintf(stderr, "filtertest: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void setup(void)
{
	socklen_t len = sizeof w.inet_addr;

	if (pipe2(w.pipe, O_CLOEXEC) < 0)
		die_setup("pipe2");
	if (openpty(&w.pty_master, &w.pty_slave, NULL, NULL, NULL) < 0)
		die_setup("openpty");
	if (fcntl(w.pty_master, F_SETFD, FD_CLOEXEC) < 0 || fcntl(w.pty_slave, F_SETFD, FD_CLOEXEC) < 0)
		die_setup("fcntl(pty, FD_CLOEXEC)");
	const char *tmp = getenv("TMPDIR");
	snprintf(w.dir_path, sizeof w.dir_path, "%s/filtertest.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(w.dir_path))
		die_setup("mkdtemp");
	if ((w.dir = open(w.dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die_setup(w.dir_path);

	w.unix_addr.sun_family = AF_UNIX;
	snprintf(w.unix_addr.sun_path, sizeof w.unix_addr.sun_path, "%s/sock", w.dir_path);
	w.listen_unix = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (w.listen_unix < 0 || bind(w.listen_unix, (struct sockaddr *)&w.unix_addr, sizeof w.unix_addr) < 0 ||
	    listen(w.listen_unix, 4) < 0)
		die_setup("unix socket");

	w.inet_addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	w.listen_inet = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (w.listen_inet < 0 || bind(w.listen_inet, (struct sockaddr *)&w.inet_addr, sizeof w.inet_addr) < 0 ||
	    listen(w.listen_inet, 4) < 0 || getsockname(w.listen_inet, (struct sockaddr *)&w.inet_addr, &len) < 0)
		die_setup("inet socket");

	if ((w.timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
		die_setup("timerfd_create");

	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, w.chan) < 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, w.notify) < 0)
		die_setup("socketpair");
	if (send(w.chan[1], "R", 1, 0) != 1)
		die_setup("send(channel)");
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 || (w.sig = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		die_setup("signalfd");
	if ((w.lock = openat(w.dir, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		die_setup("lock");
}

static void teardown(void)
{
	unlinkat(w.dir, "test.log", 0);   /* left only if the allowed mode failed half-way */
	unlinkat(w.dir, "test.log.1", 0);
	unlinkat(w.dir, "sock", 0);
	unlinkat(w.dir, "lock", 0);
	if (rmdir(w.dir_path) < 0)
		fprintf(stderr, "filtertest: rmdir %s: %s\n", w.dir_path, strerror(errno));
}

int main(int argc, char **argv)
{
	int (*run)(void) = NULL;
	int status;
	pid_t child;

	for (size_t i = 0; argc == 2 && i < COUNT(modes); i++)
		if (!strcmp(argv[1], modes[i].name))
			run = modes[i].run;
	if (!run) {
		fprintf(stderr, "usage: filtertest MODE\nmodes:");
		for (size_t i = 0; i < COUNT(modes); i++)
			fprintf(stderr, " %s", modes[i].name);
		fputc('\n', stderr);
		return 64;
	}
	setup();
	w.parent = getpid();
	/* kill-other aims SIGTERM at this process: should the filter let it through, the mode
	 * must come back as "exited 2", not leave the test without an answer. */
	signal(SIGTERM, SIG_IGN);
	fflush(NULL); /* the children exit through exit(): nothing buffered to write twice */

	w.node = fork();
	if (w.node < 0)
		die_setup("fork");
	if (w.node == 0) {
		/* Gone with this process, and not holding the test's stdout open meanwhile. */
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 1) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			_exit(1);
		if (getppid() != w.parent)
			_exit(1);
		signal(SIGTERM, SIG_DFL);
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(w.node, 0); /* both sides: the node leads its group before anyone signals it */

	child = fork();
	if (child < 0)
		die_setup("fork");
	if (child == 0) {
		struct kz_err err = { 0 };

		struct sandbox_warden box = { .helper = w.node, .chan = w.chan[0], .sig_fd = w.sig,
					      .notify_fd = w.notify[0], .lock_fd = w.lock };
		bool warden = !strncmp(argv[1], "warden-", 7), broker = !strncmp(argv[1], "broker-", 7);
		int rc;

		signal(SIGTERM, SIG_DFL);
		if (broker) {
			/* as broker.c's warm-up: NSS read and loaded before the filter */
			broker_lookup("localhost", AF_UNSPEC);
			rc = sandbox_enter_broker(w.chan[0], &err);
		} else {
			rc = warden ? sandbox_enter_warden(&box, &err) : sandbox_enter(w.node, &err);
		}
		if (rc < 0) {
			fprintf(stderr, "filtertest: %s\n", err.msg ? err.msg : "entering the sandbox failed");
			_exit(1);
		}
		exit(run());
	}

	if (waitpid(child, &status, 0) < 0)
		die_setup("waitpid");
	if (WIFEXITED(status))
		printf("exited %d\n", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("signal %d\n", WTERMSIG(status));
	else
		printf("status %#x\n", status);

	kill(w.node, SIGKILL);
	if (waitpid(w.node, &status, 0) < 0)
		die_setup("waitpid(node)");
	teardown();
	return 0;
}
