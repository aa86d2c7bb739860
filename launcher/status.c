/* status.c: what an operator asks a started node's helper in one request: status, pid,
 * stop; and the scan of node types behind `status --all`. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "actions.h"
#include "die.h"
#include "escape.h"
#include "msg.h"
#include "node.h"
#include "session_client.h"
#include "status.h"
#include "strv.h"

/* A runner's failure for one node: its line, and its status. */
static int failed(struct kz_err *err)
{
	int status = err->status;

	warn_msg("%s", err->msg);
	kz_err_clear(err);
	return status;
}

static const char *state_name(uint8_t state)
{
	switch (state) {
	case PROTO_NODE_BOOTING: return "booting";
	case PROTO_NODE_STOPPING: return "stopping";
	case PROTO_NODE_RESTARTING: return "restarting";
	default: return "running";
	}
}

/* One request answered by INFO, printed as status or pid prints it.  Never exits, so that
 * status --all goes on to the next node type. */
static int ask_info(const struct args *a, const char *rel, bool pid_only)
{
	struct kz_err err = { 0 };
	struct args one = *a;
	struct client c;
	struct msg_info info;
	struct node n;
	int rc, status = KZ_EXIT_OK;

	one.rel = rel;
	node_resolve_name(&n, &one);
	if ((rc = client_connect(&c, a->rundir, rel, n.name, &err)) == CLIENT_OK)
		rc = client_request(&c, pid_only ? PROTO_PID : PROTO_STATUS, NULL, 0, &err);
	if (rc < 0) {
		status = failed(&err);
	} else if (rc == CLIENT_NOT_RUNNING) {
		printf("%s is not running\n", n.name);
		status = KZ_EXIT_NOT_RUNNING;
	} else if (msg_info_decode(&c.f, &info) < 0) {
		warn_msg("%s: unexpected answer from the helper", n.name);
		status = KZ_EXIT_FAIL;
	} else if (pid_only) {
		printf("%u\n", info.pid);
	} else {
		long up = (long)(time(NULL) - (time_t)info.started);
		char waiting[MSG_WAIT_MAX + 1], shown[4 * MSG_WAIT_MAX + 1];
		/* The helper's text quotes what the node's function returned: shown escaped. */
		memcpy(waiting, info.waiting.s ? info.waiting.s : "", info.waiting.len);
		waiting[info.waiting.len] = '\0';
		escape_buf(shown, sizeof shown, waiting);
		printf("%s is %s (pid %u, up %lds, %u attached%s%s%s)\n", n.name, state_name(info.state), info.pid,
		       up < 0 ? 0 : up, info.clients,
		       info.state == PROTO_NODE_UNCONFIRMED ? "; boot unconfirmed: the node refuses the broker's cookie"
							     : "",
		       shown[0] ? "; waiting for " : "", shown);
	}
	client_close(&c);
	node_free(&n);
	return status == KZ_EXIT_OK ? out_flush() : status;
}

int pid_run(const struct args *a)
{
	return ask_info(a, a->rel, true);
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

static char *policy_folder(const struct args *a)
{
	char *dir;

	if (!a->policy) {
		dir = strdup("/etc/kzlaunch");
	} else {
		const char *slash = strrchr(a->policy, '/');
		dir = slash ? strndup(a->policy, (size_t)(slash - a->policy + (slash == a->policy))) : strdup(".");
	}
	if (!dir)
		die_errno(KZ_EXIT_FAIL, "out of memory");
	return dir;
}

/* Each node type's status is the one action: a node that does not answer, or refuses, costs
 * its own line only. */
static int status_all(const struct args *a)
{
	struct strv names = { 0 };
	char *dir = policy_folder(a);
	bool all_running = true;

	collect_types(dir, ".policy", &names);
	collect_types(a->rundir, ".sock", &names);
	if (names.n == 0)
		die(EX_UNAVAILABLE, "no node types here: no policy in %s, no socket in %s", dir, a->rundir);
	qsort(names.v, names.n, sizeof *names.v, by_name);
	for (size_t i = 0; i < names.n; i++)
		if (i == 0 || strcmp(names.v[i], names.v[i - 1]))
			all_running = ask_info(a, names.v[i], false) == KZ_EXIT_OK && all_running;
	strv_free(&names);
	free(dir);
	return all_running ? KZ_EXIT_OK : KZ_EXIT_NOT_RUNNING;
}

int status_run(const struct args *a)
{
	return a->all ? status_all(a) : ask_info(a, a->rel, false);
}

/* One request that changes the node (stop, restart): its first answer in c->f, or
 * CLIENT_NOT_RUNNING.  Dies on anything else. */
static int change(const struct args *a, struct node *n, struct client *c, uint8_t type)
{
	struct kz_err err = { 0 };
	int rc;

	node_resolve_name(n, a);
	die_on_error(rc = client_connect(c, a->rundir, a->rel, n->name, &err), &err);
	if (rc == CLIENT_OK)
		die_on_error(rc = client_request(c, type, NULL, 0, &err), &err);
	return rc;
}

int stop_run(const struct args *a)
{
	struct kz_err err = { 0 };
	struct client c;
	struct node n;

	if (change(a, &n, &c, PROTO_STOP) == CLIENT_NOT_RUNNING) {
		printf("%s is not running\n", n.name);
		return out_flush();
	}
	uint32_t exit_status;
	while (msg_exit_decode(&c.f, &exit_status) < 0) {
		if (c.f.type != PROTO_STOPPING)
			die(KZ_EXIT_FAIL, "%s: unexpected answer from the helper", n.name);
		die_on_error(client_next(&c, &err), &err);
	}
	printf("%s stopped (exit status %u)\n", n.name, exit_status);
	client_close(&c);
	node_free(&n);
	return out_flush();
}

int restart_run(const struct args *a)
{
	struct kz_err err = { 0 };
	struct msg_info info;
	struct client c;
	struct node n;

	if (change(a, &n, &c, PROTO_RESTART) == CLIENT_NOT_RUNNING)
		die(EX_UNAVAILABLE, "%s: not running", n.name);
	if (c.f.type != PROTO_RESTARTING)
		die(KZ_EXIT_FAIL, "%s: unexpected answer from the helper", n.name);
	/* The helper answers again once the boot has finished, or says why it has not. */
	if (client_next(&c, &err) < 0) {
		struct msg_text why = msg_text_of(&c.f);
		if (c.f.type == PROTO_ERROR)
			die(KZ_EXIT_FAIL, "%s: %.*s", n.name, (int)why.len, why.s);
		die_err(&err);
	}
	if (msg_info_decode(&c.f, &info) < 0)
		die(KZ_EXIT_FAIL, "%s: unexpected answer from the helper", n.name);
	printf("%s restarted (pid %u)\n", n.name, info.pid);
	client_close(&c);
	node_free(&n);
	return out_flush();
}
