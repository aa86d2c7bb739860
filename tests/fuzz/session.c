/* Fuzzes the helper's request handling beyond the framing (helper/session.c, request.c,
 * calls.c and rights.c): clients over real unix sockets connect, send bytes, vanish and pose as
 * other users (their credentials rewritten after accept, as if SO_PEERCRED had said so, a
 * sup holder among them), console output is broadcast, and the broker answers calls, with a
 * connection or an error, in any order; a SUP's or PING's call then fails to go out (the
 * connection is /dev/null's) and its client is told.  The node is a real child that ignores SIGTERM on a real pty.  At the end of
 * every input all clients go and every broker answer comes: then no session is left and no
 * name is still leased but the one set aside for the broker's standby. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include "brokermsg.h"
#include "calls.h"
#include "fuzz.h"
#include "nodeproc.h"
#include "proto.h"
#include "ring.h"
#include "session.h"

#define CLIENTS 12

static struct node node;
static struct broker_link broker = { .fd = -1 };
static struct calls calls;
static struct ring replay;
static struct sessions ss;
static struct policy policy;
static int broker_peer = -1;
static struct sockaddr_un addr = { .sun_family = AF_UNIX };
static socklen_t addr_len;
static uid_t attach_uids[] = { 1001 };
static gid_t watch_gids[] = { 2002 };
static uid_t stop_uids[] = { 1003 };
static uid_t sup_uids[] = { 1005 };
static char *sup_modules[] = { "*_maintenance", "kz_nodes:status" };

static void setup(void)
{
	int pty, slave, pair[2];
	pid_t pid;

	if (openpty(&pty, &slave, NULL, NULL, NULL) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) { /* the node: lives until the fuzzer ends, deaf to SIGTERM */
		signal(SIGTERM, SIG_IGN);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	close(slave);
	fcntl(pty, F_SETFL, O_NONBLOCK);
	node = (struct node){ .name = "kazoo_apps@fuzz", .state = NODE_UP, .pid = pid, .pty = pty,
			      .stop_timeout = 30 };
	node.stop_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	/* Abstract, so no file is left behind. */
	snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "kzfuzz-session-%d", (int)getpid());
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1));
	ss.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ss.listen_fd < 0 || bind(ss.listen_fd, (struct sockaddr *)&addr, addr_len) < 0 || listen(ss.listen_fd, 64) < 0)
		abort();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		abort();
	broker.fd = pair[0];
	broker_peer = pair[1];
	fcntl(broker_peer, F_SETFL, O_NONBLOCK);
	calls_init(&calls, &node, &broker);
	ss.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ss.owner_uid = 1000;
	ss.node = &node;
	ss.replay = &replay;
	ss.calls = &calls;
	ss.broker = &broker;
	ss.start_timeout = 120;
	policy.file = "session.policy";
	policy.attach = (struct policy_who){ .uids = attach_uids, .nuids = 1 };
	policy.watch = (struct policy_who){ .gids = watch_gids, .ngids = 1 };
	policy.stop = (struct policy_who){ .uids = stop_uids, .nuids = 1 };
	policy.sup = (struct policy_who){ .uids = sup_uids, .nuids = 1 };
	policy.sup_modules = sup_modules;
	policy.nsup_modules = 2;
	ss.policy = &policy;
	ring_append(&replay, "replayed\n", 9);
}

static struct session *session_of(int idx)
{
	return ss.n ? ss.list[(size_t)idx % ss.n] : NULL;
}

static void serve(void)
{
	for (size_t i = 0; i < ss.n; i++) {
		struct session *s = ss.list[i];
		if (s->state != SESSION_DROPPED && outq_pending(&s->out))
			session_writable(s);
		/* A stop begun here reaches the clients as the loop's table has it. */
		if (s->state != SESSION_DROPPED && session_readable(&ss, s) & NODE_EV_STOPPING)
			session_on_stopping(&ss);
	}
	session_sweep(&ss);
}

/* Every request the broker has, answered: a connection (a descriptor of /dev/null) when
 * `ok`, else an error. */
static void broker_answers(bool ok)
{
	uint8_t req[16];

	while (recv(broker_peer, req, sizeof req, MSG_DONTWAIT) >= 5) {
		struct broker_answer a = { .id = proto_get32(req), .fd = -1, .creation = 7 };
		if (ok)
			a.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		snprintf(a.text, sizeof a.text, ok ? "kzlaunch0@fuzz" : "no connection");
		if (a.id == BROKER_BOOT_ID) { /* not the sessions' business */
			if (a.fd >= 0)
				close(a.fd);
			continue;
		}
		if (a.id == BROKER_STANDBY_ID)
			calls_standby_answer(&calls, &a);
		else
			session_call_answer(&ss, &a);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	int clients[CLIENTS];
	size_t nclients = 0;

	if (!ss.policy)
		setup();
	node.state = NODE_UP;
	for (size_t i = 0; i + 1 < len;) {
		uint8_t op = data[i] & 7, arg = data[i + 1];
		i += 2;
		switch (op) {
		case 0: /* a client connects */
			if (nclients < CLIENTS) {
				int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
				if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, addr_len) == 0)
					clients[nclients++] = fd;
				else if (fd >= 0)
					close(fd);
				session_accept(&ss, 0);
			}
			break;
		case 1: { /* a client sends the next arg bytes */
			size_t n = arg < len - i ? arg : len - i;
			if (nclients)
				send(clients[arg % nclients], data + i, n, MSG_DONTWAIT | MSG_NOSIGNAL);
			i += n;
			break;
		}
		case 2: /* a client goes */
			if (nclients) {
				size_t k = arg % nclients;
				close(clients[k]);
				clients[k] = clients[--nclients];
			}
			break;
		case 3: { /* a session's peer is someone else */
			struct session *s = session_of(arg);
			static const uid_t uids[] = { 0, 1000, 1001, 1003, 4242, 1005 };
			if (s) {
				s->uid = uids[arg % 6];
				s->gid = arg & 8 ? 2002 : 3003;
			}
			break;
		}
		case 4:
			serve();
			break;
		case 5: { /* console output: the next arg bytes */
			size_t n = arg < len - i ? arg : len - i;
			session_broadcast_output(&ss, data + i, n);
			i += n;
			break;
		}
		case 6:
			broker_answers(arg & 1);
			break;
		case 7:
			session_expire(&ss, (long)arg * 100);
			break;
		}
	}
	serve();
	while (nclients)
		close(clients[--nclients]);
	/* Until every session has seen its client go, and every call its answer. */
	for (int round = 0; round < 4 && ss.n; round++) {
		serve();
		broker_answers(false);
	}
	broker_answers(false);
	session_sweep(&ss);
	if (ss.n)
		__builtin_trap();
	for (int i = 0; i < DIST_HELPER_NAMES; i++)
		if (calls.name_owner[i] && i != calls.standby_name)
			__builtin_trap();
	return 0;
}
