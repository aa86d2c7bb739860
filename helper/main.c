/* main.c: kzlaunch-helper's outline.  Started by `kzlaunch REL start` (as root or as the
 * node's user) with the node's command line; everything that needs privilege happens here,
 * first: socket, then the split from its warden (warden.c), pty, the node's fork.  Then it
 * drops to the node's user with nothing, enters the sandbox, serves until the node ends,
 * and exits with the node's status, which the warden passes on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "broker.h"
#include "die.h"
#include "dist.h"
#include "epmd.h"
#include "fd.h"
#include "fmt.h"
#include "handoff.h"
#include "helper.h"
#include "log.h"
#include "loop.h"
#include "num.h"
#include "priv.h"
#include "proto.h"
#include "sandbox.h"
#include "spawn.h"
#include "sock.h"
#include "warden.h"
#include "watchdog.h"

struct options {
	const char *rel, *node, *rundir, *policy, *notify, *cwd;
	int ready_fd;
	int cookie_fd; /* the node's cookies for the broker, a line each; -1: no calls */
	unsigned long long watchdog_usec; /* systemd's WatchdogSec= (WATCHDOG_USEC); 0: none */
	char **argv; /* the node's */
};

static int parse_fd(const char *opt, const char *s)
{
	unsigned long long v;

	if (!num_parse(s, 3, 65535, &v))
		die(EX_USAGE, "--%s '%s': expected a descriptor number above 2", opt, s);
	return (int)v;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "rel", required_argument, NULL, 'r' },   { "node", required_argument, NULL, 'n' },
		{ "rundir", required_argument, NULL, 'd' }, { "policy", required_argument, NULL, 'p' },
		{ "notify", required_argument, NULL, 'N' }, { "ready-fd", required_argument, NULL, 'f' },
		{ "cwd", required_argument, NULL, 'C' },    { "cookie-fd", required_argument, NULL, 'k' },
		{ "watchdog-usec", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->ready_fd = -1;
	o->cookie_fd = -1;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->rel = optarg; break;
		case 'n': o->node = optarg; break;
		case 'd': o->rundir = optarg; break;
		case 'p': o->policy = optarg; break;
		case 'N': o->notify = optarg; break;
		case 'f': o->ready_fd = parse_fd("ready-fd", optarg); break;
		case 'k': o->cookie_fd = parse_fd("cookie-fd", optarg); break;
		case 'C': o->cwd = optarg; break;
		case 'w':
			if (!num_parse(optarg, 1, 86400ULL * 1000000, &o->watchdog_usec))
				die(EX_USAGE, "--watchdog-usec '%s': expected microseconds, at most a day", optarg);
			break;
		default: die(EX_USAGE, "usage: kzlaunch-helper --rel REL --node NODE --rundir DIR [--policy FILE] [--ready-fd N] [--cookie-fd N] [--notify ADDR [--watchdog-usec N]] --cwd DIR -- VM ARGS...");
		}
	}
	if (!o->rel || !o->node || !o->rundir || !o->cwd || optind >= argc)
		die(EX_USAGE, "kzlaunch-helper is started by `kzlaunch REL start`, not by hand");
	o->argv = argv + optind;
}

/* Everything the loop reads arrives through signalfd; the node gets the old mask back. */
static int block_signals(sigset_t *old, struct kz_err *err)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGABRT); /* systemd's watchdog, to the warden: warden.h */
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "sigprocmask");
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "signalfd");
	return fd;
}

/* The operator reads syslog before the log itself: it hears when output starts being lost
 * and why (the folder's owner may have put something in the way), and when it ends. */
static void log_loss(void *arg, bool resumed, const char *cause, unsigned long long lost)
{
	const char *dir = arg;

	if (resumed)
		log_msg(LOG_NOTICE, "%s: console log written again; %llu bytes were lost: %s", dir, lost, cause);
	else
		log_msg(LOG_ERR, "%s: console output is being lost: %s", dir, cause);
}

/* The cookies (handoff.h) from the descriptor kzlaunch passed (a memfd: never on disk, never
 * on a command line); read whole, then closed. */
static size_t read_cookies(int fd, char buf[], size_t size, char *cookies[], size_t max)
{
	size_t len = 0;
	ssize_t got;

	if (fd < 0)
		return 0;
	while (len < size - 1 && (got = read(fd, buf + len, size - 1 - len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			die_errno(KZ_EXIT_FAIL, "--cookie-fd %d", fd);
		len += (size_t)got;
	}
	close(fd);
	return handoff_cookies_decode(buf, len, cookies, max);
}

static struct conlog *open_log(const struct policy *p, const char *rel, const char *rundir, struct kz_err *err)
{
	const char *dir = policy_log_dir(p, rundir);
	int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct conlog *log;

	if (dir_fd < 0) {
		kz_err_errno(err, EX_CONFIG, "%s", dir);
		return NULL;
	}
	log = conlog_open(dir_fd, dir, rel, p->log_max_size, p->log_generations, err);
	if (log)
		conlog_on_loss(log, log_loss, (void *)dir);
	return log;
}

/* Opens the pty and forks the node onto it (spawn.h), then hands it to nodeproc.c. */
static int start_node(struct node *n, const struct spawn_spec *spec, struct kz_err *err)
{
	int pty, slave;
	pid_t pid;

	if (spawn_pty(&pty, &slave, err) < 0)
		return -1;
	pid = spawn_node(pty, slave, spec, err);
	close(slave);
	if (pid < 0)
		return -1;
	return node_start(n, pty, pid, err);
}

/* Each part's links to the others it reads or calls down into; the loop joins the rest. */
static void wire_parts(struct helper *h, const struct policy *pol, uid_t owner_uid)
{
	h->ready.node = &h->node;
	h->ready.broker = &h->broker;
	h->ready.replay = &h->console.replay;
	calls_init(&h->calls, &h->node, &h->broker);
	h->sessions.policy = pol;
	h->sessions.owner_uid = owner_uid;
	h->sessions.node = &h->node;
	h->sessions.replay = &h->console.replay;
	h->sessions.calls = &h->calls;
	h->sessions.broker = &h->broker;
	h->sessions.start_timeout = pol->start_timeout;
	h->ready.start_timeout = pol->start_timeout;
	h->watchdog.node = &h->node;
	h->watchdog.broker = &h->broker;
	h->ready.ready_mod = pol->ready_mod;
	h->ready.ready_fun = pol->ready_fun;
}

int main(int argc, char **argv)
{
	struct options o;
	static struct helper h = { .broker = { .fd = -1 }, .ready = { .launcher_fd = -1, .warden_fd = -1 },
				   .sessions = { .listen_fd = -1, .spare_fd = -1 } };
	char cookie_buf[HANDOFF_COOKIES_SIZE];
	char *cookies[HANDOFF_COOKIES_MAX];
	size_t ncookies;
	struct policy policy;
	struct kz_err err = { 0 };
	sigset_t oldmask;
	char *sock_path = NULL, *lock_path = NULL;
	struct sock_claim sock = { .lock_fd = -1, .pin_fd = -1 };
	int notify_fd = -1;

	die_init("kzlaunch-helper");
	die_on_error(fd_ensure_std(&err), &err);
	parse_args(argc, argv, &o);
	h.node.name = o.node;
	h.ready.launcher_fd = o.ready_fd;
	die_on_error(epmd_port(&h.ready.epmd_port, &err), &err);
	if (o.ready_fd >= 0 && fcntl(o.ready_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno(EX_USAGE, "--ready-fd %d", o.ready_fd);
	ncookies = read_cookies(o.cookie_fd, cookie_buf, sizeof cookie_buf, cookies, HANDOFF_COOKIES_MAX);
	if (o.policy)
		die_on_error(policy_load(o.policy, &policy, &err), &err);
	else
		die_on_error(policy_default(&policy, getuid(), getgid(), &err), &err);
	/* kzlaunch refuses this first; the helper does not rely on it. */
	if (!policy_has_file(&policy) && geteuid() == 0)
		die(EX_NOPERM, "refusing to run a node as root: no --policy names its user");
	wire_parts(&h, &policy, policy.uid);
	h.node.stop_timeout = policy.stop_timeout;
	log_open("kzlaunch-helper");

	die_on_error(h.sig_fd = block_signals(&oldmask, &err), &err);
	if (!(sock_path = proto_socket_path(o.rundir, o.rel)) ||
	    !(lock_path = fmt_new("%s/%s.lock", o.rundir, o.rel)))
		die_errno(KZ_EXIT_FAIL, "socket path");
	die_on_error(h.sessions.listen_fd = sock_claim(&sock, sock_path, lock_path, &err), &err);
	h.ready.sock = &sock;
	if (o.notify)
		die_on_error(notify_fd = sock_notify(o.notify, &err), &err);
	/* From here the warden, our parent, removes the socket whenever we end. */
	struct warden_spec ws = { .sock = &sock, .sig_fd = h.sig_fd, .notify_fd = notify_fd,
				  .listen_fd = h.sessions.listen_fd, .ready_fd = h.ready.launcher_fd };
	die_on_error(h.ready.warden_fd = warden_split(&ws, &err), &err);
	h.sessions.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (h.sessions.spare_fd < 0)
		die_errno(KZ_EXIT_FAIL, "/dev/null");
	die_on_error(ready_init(&h.ready, &err), &err);
	die_on_error(watchdog_init(&h.watchdog, o.watchdog_usec, policy.watchdog, &err), &err);

	struct spawn_spec spawn = { .argv = o.argv, .envp = environ, .cwd = o.cwd, .policy = &policy,
				   .mask = &oldmask };
	die_on_error(start_node(&h.node, &spawn, &err), &err);
	/* The node has its umask (the policy's, else the caller's); the helper's own files, the
	 * console log and its generations, are 0640 whatever umask it was started with (a unit's
	 * UMask=0077 among them), so the log folder's group can read them. */
	umask(0027);

	/* From here on a failure must not leave the node running without its owner. */
	if (priv_drop_all(&policy, &err) < 0 || !(h.console.log = open_log(&policy, o.rel, o.rundir, &err))) {
		kill(h.node.pid, SIGKILL);
		die_err(&err);
	}
	fd_stdio_to_null();
	/* After the drop and before the sandbox: the broker needs the network and the cookie, the
	 * sandboxed helper neither. */
	if (ncookies > 0) {
		h.broker.fd = broker_start(h.node.name, h.node.pid, cookies, ncookies, &err);
		if (h.broker.fd < 0) {
			log_msg(LOG_ERR, "%s: calls will fail", err.msg ? err.msg : "broker");
			kz_err_clear(&err);
		}
	}
	explicit_bzero(cookie_buf, sizeof cookie_buf);
	/* libei's setup before the filter: the calls the helper makes adopt connections. */
	if (dist_init(&err) < 0) {
		log_msg(LOG_ERR, "%s: calls made by the helper will fail", err.msg);
		kz_err_clear(&err);
	}
	if (sandbox_enter(h.node.pid, &err) < 0) {
		log_msg(LOG_ERR, "%s", err.msg ? err.msg : "sandbox");
		kill(h.node.pid, SIGKILL);
		die_err(&err);
	}
	int status = loop_run(&h);
	sock_remove(&sock); /* where RUNDIR is the node user's; in root's, the warden does */
	conlog_close(h.console.log);
	return status;
}

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer stops threads with ptrace, which the sandbox forbids; the unit tests are
 * where leaks are caught (doc/platform.md). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif
