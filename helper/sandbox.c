/* sandbox.c: the seccomp allow-lists of the helper, of its warden and of its broker, one
 * reviewable file.  Every allowed call has its reason beside it; anything else kills the
 * whole process with SIGSYS.  None may ever allow a way out: no exec, no ptrace, no new code;
 * the helper signals only its own node, the warden and the broker nobody. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "die.h"
#include "sandbox.h"

struct call {
	int nr;
	const char *name;
};

/* Calls allowed with any arguments.  x86_64 glibc 2.36 names: fstat() is newfstatat (no
 * statx there), open() is openat, but rename() and unlink() are the old rename and unlink
 * calls, which are not allowed: the helper uses renameat and unlinkat. */
static const struct call helper_plain[] = {
#define ALLOW(call) { SCMP_SYS(call), #call }
	/* I/O on the pty, the clients, the signalfd, the timerfd and the console log */
	ALLOW(read),
	ALLOW(write),
	ALLOW(readv),
	ALLOW(writev),
	ALLOW(close),
	ALLOW(lseek),      /* stdio and the console log's size after reopening */
	ALLOW(newfstatat), /* glibc's fstat(): the console log's size, stdio buffer sizing */
	/* the one loop */
	ALLOW(poll),
	ALLOW(ppoll),
	/* the unix socket's clients, syslog's socket, the epmd probe */
	ALLOW(accept4),
	ALLOW(connect), /* syslog reconnecting to /dev/log; the probe of 127.0.0.1's epmd */
	ALLOW(sendto),
	ALLOW(sendmsg),
	ALLOW(recvfrom),
	ALLOW(recvmsg),
	ALLOW(shutdown),
	/* the console log's rotation; the socket's removal at exit.  Open is not narrowed: the
	 * helper's uid (no capabilities) and the log folder's ownership bound what it reaches. */
	ALLOW(openat),
	ALLOW(renameat),
	ALLOW(renameat2),
	ALLOW(unlinkat),
	ALLOW(flock), /* RUNDIR/REL.lock, held while the socket is checked and removed */
	/* the node: reaping it is how the helper learns its exit status */
	ALLOW(wait4),
	ALLOW(waitid),
	/* time: the stop timeout, log timestamps (clock_gettime is the vDSO's fallback) */
	ALLOW(clock_gettime),
	ALLOW(timerfd_settime),
	ALLOW(timerfd_gettime),
	/* signals: the signalfd is made before the filter; these keep blocking masks working */
	ALLOW(rt_sigreturn),
	ALLOW(rt_sigprocmask), /* abort() and raise() unblock SIGABRT */
	ALLOW(rt_sigaction),   /* abort() resets SIGABRT to its default when a handler returns */
	/* memory: malloc's arenas and the client queues; mmap and mprotect are below */
	ALLOW(brk),
	ALLOW(munmap),
	ALLOW(mremap),
	ALLOW(madvise), /* glibc malloc trims with it; ASan marks its shadow pages NOHUGEPAGE */
	ALLOW(futex),   /* glibc's locks (stdio, malloc, syslog) when contended */
	/* identity of self, for abort() and log lines */
	ALLOW(getpid),
	ALLOW(gettid),
	/* ends and restarts */
	ALLOW(exit),
	ALLOW(exit_group),
	ALLOW(restart_syscall), /* the kernel restarting an interrupted poll or wait */
	ALLOW(getrandom),       /* glibc malloc seeds its tcache key with it on first use */
};

/* Built with -fsanitize=address,undefined (make SAN=1), the runtime needs a few more, found
 * with strace under this filter.  Without them a sanitizer's report dies as a bare SIGSYS.
 * They stay out of the release build.  (Leak checking needs ptrace: never allowed.) */
#if defined(__SANITIZE_ADDRESS__)
#define KZ_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KZ_SANITIZED 1
#endif
#endif
#ifdef KZ_SANITIZED
static const struct call sanitizer[] = {
	ALLOW(sigaltstack), /* __asan_handle_no_return asks it before every exit() and abort() */
	ALLOW(open),        /* reports read /proc/self/maps and the modules with the old open */
	ALLOW(readlink),    /* reports name the program through /proc/self/exe */
	ALLOW(pipe2),       /* UBSan tests whether memory is readable by writing it to a pipe */
};
#endif
#undef ALLOW

/* Calls allowed only with some arguments: each row is the call and one or two comparisons
 * that must all hold; a row's unused comparison is left zero (operator 0 is no operator).
 * Several rows for one call mean any of them. */
struct argrule {
	int nr;
	const char *name;
	struct scmp_arg_cmp cmp[2];
};

static int add(scmp_filter_ctx ctx, int nr, const char *name, unsigned n,
	       const struct scmp_arg_cmp *cmp, struct kz_err *err)
{
	int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);

	if (rc < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "seccomp: allowing %s: %s", name, strerror(-rc));
	return 0;
}

static int add_plain(scmp_filter_ctx ctx, const struct call *calls, size_t n, struct kz_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (add(ctx, calls[i].nr, calls[i].name, 0, NULL, err) < 0)
			return -1;
	return 0;
}

static int add_argrules(scmp_filter_ctx ctx, const struct argrule *rules, size_t n, struct kz_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (add(ctx, rules[i].nr, rules[i].name, rules[i].cmp[1].op ? 2 : 1, rules[i].cmp, err) < 0)
			return -1;
	return 0;
}

static int add_sanitizer(scmp_filter_ctx ctx, struct kz_err *err)
{
#ifdef KZ_SANITIZED
	return add_plain(ctx, sanitizer, COUNT(sanitizer), err);
#else
	(void)ctx;
	(void)err;
	return 0;
#endif
}

/* The helper's calls with arguments: pids, signals and commands are ints to the kernel, so
 * only their low 32 bits are compared. */
static int helper_rules(scmp_filter_ctx ctx, pid_t node, struct kz_err *err)
{
	const uint32_t pid = (uint32_t)node, group = (uint32_t)-node, self = (uint32_t)getpid();
	const struct argrule rules[] = {
		/* stop: SIGTERM to the node (or its process group), SIGKILL after the timeout,
		 * 0 to ask whether it is still there.  No other process, no other signal. */
		{ SCMP_SYS(kill), "kill", { SCMP_A0_32(SCMP_CMP_EQ, pid), SCMP_A1_32(SCMP_CMP_EQ, 0) } },
		{ SCMP_SYS(kill), "kill", { SCMP_A0_32(SCMP_CMP_EQ, pid), SCMP_A1_32(SCMP_CMP_EQ, SIGTERM) } },
		{ SCMP_SYS(kill), "kill", { SCMP_A0_32(SCMP_CMP_EQ, pid), SCMP_A1_32(SCMP_CMP_EQ, SIGKILL) } },
		/* a node the watchdog finds silent, or systemd's watchdog through the warden: its
		 * crash dump (the BEAM writes it on SIGUSR1), to the node alone */
		{ SCMP_SYS(kill), "kill", { SCMP_A0_32(SCMP_CMP_EQ, pid), SCMP_A1_32(SCMP_CMP_EQ, SIGUSR1) } },
		{ SCMP_SYS(kill), "kill", { SCMP_A0_32(SCMP_CMP_EQ, group), SCMP_A1_32(SCMP_CMP_EQ, 0) } },
		{ SCMP_SYS(kill), "kill", { SCMP_A0_32(SCMP_CMP_EQ, group), SCMP_A1_32(SCMP_CMP_EQ, SIGTERM) } },
		{ SCMP_SYS(kill), "kill", { SCMP_A0_32(SCMP_CMP_EQ, group), SCMP_A1_32(SCMP_CMP_EQ, SIGKILL) } },
		/* abort() and raise() signal the calling thread with tgkill: only this process,
		 * so a failed assertion or a sanitizer's abort still ends it with its own signal */
		{ SCMP_SYS(tgkill), "tgkill", { SCMP_A0_32(SCMP_CMP_EQ, self) } },
		/* the pty's window size, passed on from attached clients; TCGETS is isatty(),
		 * which stdio and the sanitizers' reports ask of a character device.  Never
		 * TIOCSTI (typing into the node) or anything else. */
		{ SCMP_SYS(ioctl), "ioctl", { SCMP_A1_32(SCMP_CMP_EQ, TIOCSWINSZ) } },
		{ SCMP_SYS(ioctl), "ioctl", { SCMP_A1_32(SCMP_CMP_EQ, TIOCGWINSZ) } },
		{ SCMP_SYS(ioctl), "ioctl", { SCMP_A1_32(SCMP_CMP_EQ, TCGETS) } },
		/* O_NONBLOCK and FD_CLOEXEC on accepted clients and probe sockets */
		{ SCMP_SYS(fcntl), "fcntl", { SCMP_A1_32(SCMP_CMP_EQ, F_GETFL) } },
		{ SCMP_SYS(fcntl), "fcntl", { SCMP_A1_32(SCMP_CMP_EQ, F_SETFL) } },
		{ SCMP_SYS(fcntl), "fcntl", { SCMP_A1_32(SCMP_CMP_EQ, F_GETFD) } },
		{ SCMP_SYS(fcntl), "fcntl", { SCMP_A1_32(SCMP_CMP_EQ, F_SETFD) } },
		/* a client's credentials and groups, authorised against the policy; the result
		 * of the epmd probe's non-blocking connect */
		{ SCMP_SYS(getsockopt), "getsockopt", { SCMP_A1_32(SCMP_CMP_EQ, SOL_SOCKET), SCMP_A2_32(SCMP_CMP_EQ, SO_PEERCRED) } },
		{ SCMP_SYS(getsockopt), "getsockopt", { SCMP_A1_32(SCMP_CMP_EQ, SOL_SOCKET), SCMP_A2_32(SCMP_CMP_EQ, SO_PEERGROUPS) } },
		{ SCMP_SYS(getsockopt), "getsockopt", { SCMP_A1_32(SCMP_CMP_EQ, SOL_SOCKET), SCMP_A2_32(SCMP_CMP_EQ, SO_ERROR) } },
		/* new sockets: syslog reconnecting (AF_UNIX), the epmd readiness probe of
		 * 127.0.0.1 (AF_INET).  No AF_INET6, no netlink, no packet sockets. */
		{ SCMP_SYS(socket), "socket", { SCMP_A0_32(SCMP_CMP_EQ, AF_UNIX) } },
		{ SCMP_SYS(socket), "socket", { SCMP_A0_32(SCMP_CMP_EQ, AF_INET) } },
		/* memory, but never executable: all the code the helper runs is loaded already */
		{ SCMP_SYS(mmap), "mmap", { SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
		{ SCMP_SYS(mprotect), "mprotect", { SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
	};

	if (add_plain(ctx, helper_plain, COUNT(helper_plain), err) < 0)
		return -1;
	return add_argrules(ctx, rules, COUNT(rules), err);
}


/* The warden waits for the helper, relays its notify messages (READY=1, STOPPING=1 and
 * STATUS=, warden.c's relay) and removes the socket.
 * Everything it touches is open before the filter. */
static const struct call warden_plain[] = {
#define ALLOW(call) { SCMP_SYS(call), #call }
	ALLOW(poll),            /* the one loop: signals and the helper's channel */
	ALLOW(ppoll),
	ALLOW(close),           /* syslog's socket, let go once the filter is on */
	ALLOW(newfstatat),      /* is the socket at the path still the one it bound? */
	ALLOW(unlinkat),        /* then remove it.  seccomp cannot see a path: having no
	                         * capability and one path in the code bound what it reaches */
	ALLOW(exit),
	ALLOW(exit_group),
	ALLOW(rt_sigreturn),
	ALLOW(restart_syscall), /* the kernel restarting an interrupted poll */
	ALLOW(rt_sigprocmask),  /* abort(), should a sanitizer report */
	ALLOW(rt_sigaction),
	ALLOW(getpid),
	ALLOW(gettid),
#undef ALLOW
};

static int warden_rules(scmp_filter_ctx ctx, const struct sandbox_warden *w, struct kz_err *err)
{
	const uint32_t helper = (uint32_t)w->helper, self = (uint32_t)getpid();
	const uint32_t chan = (uint32_t)w->chan, sig = (uint32_t)w->sig_fd;
	const struct argrule rules[] = {
		/* its signals (SIGCHLD, systemd's SIGTERM) through the signalfd */
		{ SCMP_SYS(read), "read", { SCMP_A0_32(SCMP_CMP_EQ, sig) } },
		/* the helper's messages, and stop requests toward it: never to an address */
		{ SCMP_SYS(recvfrom), "recvfrom", { SCMP_A0_32(SCMP_CMP_EQ, chan) } },
		{ SCMP_SYS(sendto), "sendto", { SCMP_A0_32(SCMP_CMP_EQ, chan), SCMP_A4_64(SCMP_CMP_EQ, 0) } },
		/* the socket's lock, held while it checks and removes the socket */
		{ SCMP_SYS(flock), "flock", { SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)w->lock_fd) } },
		/* reaping the helper, its only child, is how it learns the status to exit with */
		{ SCMP_SYS(wait4), "wait4", { SCMP_A0_32(SCMP_CMP_EQ, helper) } },
		/* abort() signals the calling thread: only this process */
		{ SCMP_SYS(tgkill), "tgkill", { SCMP_A0_32(SCMP_CMP_EQ, self) } },
	};
	/* READY=1 and STOPPING=1 to systemd, on the socket connected before the filter */
	const struct argrule notify = { SCMP_SYS(sendto), "sendto",
					{ SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)w->notify_fd), SCMP_A4_64(SCMP_CMP_EQ, 0) } };

	if (add_plain(ctx, warden_plain, COUNT(warden_plain), err) < 0 ||
	    add_argrules(ctx, rules, COUNT(rules), err) < 0)
		return -1;
	return w->notify_fd >= 0 ? add_argrules(ctx, &notify, 1, err) : 0;
}

/* The broker (broker.c) talks to the node: epmd, the handshake, the boot probe's calls.  It
 * looks the node's host up (NSS: /etc/hosts, resolv.conf and a resolver over UDP under
 * "files dns"), reads /proc for the socket-owner check (sockowner.c) and asks the kernel for
 * its interfaces (getifaddrs).  It runs each of them once before its filter (broker.c's
 * warm-up), so NSS's modules and nsswitch.conf are loaded and read then; what NSS does on
 * each later lookup is below.  Measured with strace on the paths 63-broker-sandbox.t drives;
 * the resolver's calls (a host that only DNS knows), nscd's (where nscd runs: none here)
 * and netlink's (a host whose address is not loopback) are from glibc 2.36's code paths,
 * the last one also driven by 60-two-hosts.t. */
static const struct call broker_plain[] = {
#define ALLOW(call) { SCMP_SYS(call), #call }
	/* I/O on its channel, the node's and epmd's connections, /proc's and /etc's files */
	ALLOW(read),       /* libei reads the node with it */
	ALLOW(write),
	ALLOW(writev),     /* libei writes a call's frame with it */
	ALLOW(close),
	ALLOW(lseek),      /* stdio reading /proc's tables and /etc/hosts */
	ALLOW(newfstatat), /* glibc's fstat() for stdio; NSS stats resolv.conf for changes */
	ALLOW(getdents64), /* /proc/PID/fd, listed for the node's listening socket */
	ALLOW(readlinkat), /* each /proc/PID/fd/N link: socket:[INODE] */
	ALLOW(poll),       /* a connect's and a read's deadline; the resolver's answer */
	/* the network: epmd, the node, the resolver (UDP, TCP for long answers), nscd's
	 * socket; netlink for getifaddrs and for getaddrinfo's sorting of several answers */
	ALLOW(connect),
	ALLOW(bind),        /* netlink's socket, bound before its request (getifaddrs) */
	ALLOW(getsockname), /* netlink's own address; getaddrinfo's source address per result */
	ALLOW(sendto),      /* the handshake and epmd's request (send); netlink's request */
	ALLOW(sendmmsg),    /* the resolver's A and AAAA queries at once */
	ALLOW(recvfrom),    /* the channel's requests, epmd's answers (recv); the resolver's */
	ALLOW(recvmsg),     /* netlink's answers (getifaddrs) */
	/* time: deadlines (clock_gettime is the vDSO's fallback) */
	ALLOW(clock_gettime),
	/* a new creation and challenge for each handshake; glibc's malloc seeds with it too */
	ALLOW(getrandom),
	/* memory: malloc, frames that grow, libei's buffers; mmap and mprotect are below */
	ALLOW(brk),
	ALLOW(munmap),
	ALLOW(mremap),
	ALLOW(madvise),
	ALLOW(futex),       /* glibc's locks (stdio, NSS, malloc) and libei's */
	/* signals, ends, self */
	ALLOW(rt_sigreturn),
	ALLOW(rt_sigprocmask), /* abort() and raise() */
	ALLOW(rt_sigaction),
	ALLOW(restart_syscall),
	ALLOW(getpid),
	ALLOW(gettid),
	ALLOW(getuid),      /* its own uid: the node's, which the node's listener must have */
	ALLOW(exit),
	ALLOW(exit_group),
#undef ALLOW
};

static int broker_rules(scmp_filter_ctx ctx, const int *chan, struct kz_err *err)
{
	const uint32_t self = (uint32_t)getpid();
	/* open: read only.  No O_CREAT (which makes a file even with O_RDONLY) and no O_TRUNC
	 * (which Linux honours with O_RDONLY too); O_TMPFILE needs write access. */
	const uint64_t wmask = O_ACCMODE | O_CREAT | O_TRUNC;
	const struct argrule rules[] = {
		{ SCMP_SYS(openat), "openat", { SCMP_A2_64(SCMP_CMP_MASKED_EQ, wmask, O_RDONLY) } },
		/* connections handed to the helper (SCM_RIGHTS): on the channel only */
		{ SCMP_SYS(sendmsg), "sendmsg", { SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)*chan) } },
		/* sockets: epmd and the node (IPv4, or IPv6 for epmd where the host resolves so),
		 * the resolver; nscd's unix socket, where nscd runs, asked before the files; netlink's
		 * route family for getifaddrs.  No packet sockets, no other netlink. */
		{ SCMP_SYS(socket), "socket", { SCMP_A0_32(SCMP_CMP_EQ, AF_INET) } },
		{ SCMP_SYS(socket), "socket", { SCMP_A0_32(SCMP_CMP_EQ, AF_INET6) } },
		{ SCMP_SYS(socket), "socket", { SCMP_A0_32(SCMP_CMP_EQ, AF_UNIX) } },
		{ SCMP_SYS(socket), "socket", { SCMP_A0_32(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2_32(SCMP_CMP_EQ, 0) } },
		/* epmd's SO_RCVTIMEO and SO_SNDTIMEO, the node's TCP_NODELAY; IP_RECVERR and
		 * IPV6_RECVERR, which glibc's resolver sets on its UDP socket */
		{ SCMP_SYS(setsockopt), "setsockopt", { SCMP_A1_32(SCMP_CMP_EQ, SOL_SOCKET) } },
		{ SCMP_SYS(setsockopt), "setsockopt", { SCMP_A1_32(SCMP_CMP_EQ, IPPROTO_TCP) } },
		{ SCMP_SYS(setsockopt), "setsockopt", { SCMP_A1_32(SCMP_CMP_EQ, IPPROTO_IP) } },
		{ SCMP_SYS(setsockopt), "setsockopt", { SCMP_A1_32(SCMP_CMP_EQ, IPPROTO_IPV6) } },
		/* a non-blocking connect's result */
		{ SCMP_SYS(getsockopt), "getsockopt", { SCMP_A1_32(SCMP_CMP_EQ, SOL_SOCKET), SCMP_A2_32(SCMP_CMP_EQ, SO_ERROR) } },
		/* O_NONBLOCK off once the node's connection is made */
		{ SCMP_SYS(fcntl), "fcntl", { SCMP_A1_32(SCMP_CMP_EQ, F_GETFL) } },
		{ SCMP_SYS(fcntl), "fcntl", { SCMP_A1_32(SCMP_CMP_EQ, F_SETFL) } },
		/* isatty() of stdio, asked by the sanitizers' reports; the resolver's FIONREAD */
		{ SCMP_SYS(ioctl), "ioctl", { SCMP_A1_32(SCMP_CMP_EQ, TCGETS) } },
		{ SCMP_SYS(ioctl), "ioctl", { SCMP_A1_32(SCMP_CMP_EQ, FIONREAD) } },
		/* abort() signals the calling thread: only this process */
		{ SCMP_SYS(tgkill), "tgkill", { SCMP_A0_32(SCMP_CMP_EQ, self) } },
		/* memory, never executable: NSS's modules were loaded before the filter */
		{ SCMP_SYS(mmap), "mmap", { SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
		{ SCMP_SYS(mprotect), "mprotect", { SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
	};

	if (add_plain(ctx, broker_plain, COUNT(broker_plain), err) < 0)
		return -1;
	return add_argrules(ctx, rules, COUNT(rules), err);
}

/* Builds one filter: `fill` adds the allowed calls; the sanitizer's few are added here. */
static int load(int (*fill)(scmp_filter_ctx, const void *, struct kz_err *), const void *arg,
		struct kz_err *err)
{
	scmp_filter_ctx ctx;
	int rc = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	if (rc < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "prctl(PR_GET_NO_NEW_PRIVS)");
	if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "prctl(PR_SET_NO_NEW_PRIVS)");

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return kz_err_set(err, KZ_EXIT_FAIL, "seccomp_init: failed");
	/* A call through another ABI (i386's int 0x80, x32) dies as well, the whole process;
	 * and every thread, if there ever were one, gets the filter, not only the caller. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc < 0) {
		seccomp_release(ctx);
		return kz_err_set(err, KZ_EXIT_FAIL, "seccomp_attr_set: %s", strerror(-rc));
	}
	if (fill(ctx, arg, err) < 0 || add_sanitizer(ctx, err) < 0) {
		seccomp_release(ctx);
		return -1;
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "seccomp_load: %s", strerror(-rc));
	return 0;
}

static int fill_helper(scmp_filter_ctx ctx, const void *arg, struct kz_err *err)
{
	return helper_rules(ctx, *(const pid_t *)arg, err);
}

static int fill_warden(scmp_filter_ctx ctx, const void *arg, struct kz_err *err)
{
	return warden_rules(ctx, arg, err);
}

static int fill_broker(scmp_filter_ctx ctx, const void *arg, struct kz_err *err)
{
	return broker_rules(ctx, arg, err);
}

int sandbox_enter(pid_t node, struct kz_err *err)
{
	/* kill(0) is the caller's own group and kill(-1) every process it may signal. */
	if (node <= 1)
		return kz_err_set(err, KZ_EXIT_FAIL, "seccomp: node pid %ld: not a single process", (long)node);
	return load(fill_helper, &node, err);
}

int sandbox_enter_warden(const struct sandbox_warden *w, struct kz_err *err)
{
	if (w->helper <= 1)
		return kz_err_set(err, KZ_EXIT_FAIL, "seccomp: helper pid %ld: not a single process", (long)w->helper);
	return load(fill_warden, w, err);
}

int sandbox_enter_broker(int chan, struct kz_err *err)
{
	if (chan < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "seccomp: broker channel %d: not a descriptor", chan);
	return load(fill_broker, &chan, err);
}
