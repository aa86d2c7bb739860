/* call.c: ping, rpc, rpcterms, eval and Kazoo's sup (README, "Calls").  One connection to
 * the node as a hidden C node, the arguments parsed there and the result formatted there
 * (remote.h), printed here.  No VM is started and no cookie reaches a command line. */
#define _GNU_SOURCE
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "actions.h"
#include "call.h"
#include "die.h"
#include "escape.h"
#include "fmt.h"
#include "lease.h"
#include "priv.h"
#include "remote.h"
#include "rundir.h"
#include "session_client.h"
#include "sup.h"

#define CALL_DEFAULT_TIMEOUT_SEC 60

/* Kazoo's sup statuses (doc/distribution.md, "OTP facts the calls rely on"). */
enum {
	SUP_NO_CONNECTION = 1,
	SUP_NOT_OK = 2,
	SUP_BADRPC = 3,
	SUP_TIMEOUT = 4,
};

struct call {
	const struct args *a;
	struct client helper; /* kept open through the call: it holds the name's lease */
	struct node n;
	struct remote r;
	char *what; /* "rpc M:F/N", as the log and messages name the call */
};

/* The node's output, as it is printed there: it reaches the caller's stdout, not the
 * node's console. */
static void print_output(void *arg, const char *bytes, size_t len)
{
	(void)arg;
	if (fwrite(bytes, 1, len, stdout) != len || fflush(stdout) != 0)
		die_errno(KZ_EXIT_FAIL, "stdout");
}

static void print_result(const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || putchar('\n') == EOF || fflush(stdout) != 0)
		die_errno(KZ_EXIT_FAIL, "stdout");
}

/* Kazoo's sup says 1 for every failure to reach the node or to ask it; kzlaunch's own calls
 * keep the status of what failed (69 not running, 77 refused). */
static noreturn void fail(const struct call *c, const struct kz_err *err)
{
	struct kz_err e = *err;

	if (c->a->action == ACT_SUP && c->r.timed_out)
		die(SUP_TIMEOUT, "Command failed: timeout");
	if (c->a->action == ACT_SUP && e.status != EX_NOPERM && e.status != EX_USAGE)
		e.status = SUP_NO_CONNECTION;
	die_err(&e);
}

/* A direct call is logged as the helper logs one, by kzlaunch itself (its pid in the tag);
 * what it calls is shown as escape.h shows text, so the line stays one line. */
static void log_call(const struct call *c)
{
	char what[256];

	escape_buf(what, sizeof what, c->what);
	openlog("kzlaunch", LOG_PID, LOG_DAEMON);
	syslog(LOG_NOTICE, "%s: uid=%u gid=%u: call %s", c->n.name, (unsigned)getuid(), (unsigned)getgid(), what);
	closelog();
}

/* Who the node is on this host: its policy's user (without a file, the caller, who runs the
 * node). */
static struct sockowner_want node_user(const struct call *c)
{
	return (struct sockowner_want){ .uid = c->n.policy.uid };
}

static void locate(struct call *c, struct dist_peer *peer)
{
	struct kz_err err = { 0 };
	struct sockowner_want who = node_user(c);

	if (dist_locate(peer, c->n.name, &who, &err) < 0)
		fail(c, &err);
	if (!peer->local && c->a->verbose)
		warn_msg("%s: on another host: the handshake proves the node holds the cookie, not that it is that host's node",
			 c->n.name);
}

/* Before the first byte from the node: root becomes the node's user (nobody's without a
 * policy, or through the helper), and every caller sheds its capabilities, takes
 * no_new_privs and stops being dumpable, so what a node sends is read by a process that can
 * do nothing more than the node itself, and from which the cookie cannot be read. */
static void shed_privileges(const struct call *c, bool direct)
{
	struct kz_err err = { 0 };
	struct policy nobody = { .file = "kzlaunch", .user = "nobody", .uid = 65534, .gid = 65534 };
	const struct passwd *pw;

	if (geteuid() != 0) {
		die_on_error(priv_drop_all(&c->n.policy, &err), &err);
		return;
	}
	if (direct && policy_has_file(&c->n.policy)) {
		die_on_error(priv_drop_all(&c->n.policy, &err), &err);
		return;
	}
	if ((pw = getpwnam("nobody"))) {
		nobody.uid = pw->pw_uid;
		nobody.gid = pw->pw_gid;
	}
	die_on_error(priv_drop_all(&nobody, &err), &err);
}

/* A call needs the release only to know whether Kazoo's kazoo_apps_init will have changed
 * the node's cookie: without one here (a node of another host, or run by other tools),
 * config.ini's rule alone gives the cookie. */
static void release_for_cookie(struct call *c)
{
	struct kz_err err = { 0 };

	if (release_locate(c->a->root, &c->n.rel, &err) == 0) {
		node_resolve_boot_cookie(&c->n, false);
		return;
	}
	if (c->a->verbose)
		warn_msg("%s: so whether its kazoo_apps_init changes the cookie is not known: config.ini's cookie alone",
			 err.msg);
	kz_err_clear(&err);
	release_free(&c->n.rel);
}

/* A node of a release with Kazoo's kazoo_apps_init boots with one cookie and switches to
 * another once up: the later one is tried first, as remote_console takes it, then the first.
 * Kazoo's sup command line may give one of its own.  Everything a call needs of root (the
 * cookie, the node's port proven its own, the name's lease) is had before the handshake. */
static void connect_direct(struct call *c)
{
	struct kz_err err = { 0 };
	const char *cookies[2] = { c->a->cookie, NULL };
	unsigned ms = c->r.timeout_ms > 0 && c->r.timeout_ms < DIST_HANDSHAKE_MS ? (unsigned)c->r.timeout_ms
										 : DIST_HANDSHAKE_MS;
	struct dist_peer peer;

	if (cookies[0]) {
		warn_msg("-c: the cookie is on this command line, where ps shows it to every local user");
	} else {
		node_resolve_cookie(&c->n, true);
		release_for_cookie(c);
		cookies[0] = c->n.later_cookie ? c->n.later_cookie : c->n.cookie.value;
		cookies[1] = c->n.later_cookie ? c->n.cookie.value : NULL;
	}
	node_resolve_policy(&c->n);
	/* Before the lease: a node that never ran has no private home to lease a name in. */
	locate(c, &peer);
	char *dir = NULL;
	int dir_fd = rundir_open_lease_dir(c->a->rundir, c->a->rel, node_user(c).uid, &dir, &err);
	if (dir_fd < 0)
		fail(c, &err);
	int name = lease_take(dir_fd, dir, &err);
	if (name < 0)
		fail(c, &err);
	close(dir_fd);
	free(dir);
	shed_privileges(c, true);
	for (size_t i = 0; i < 2 && cookies[i]; i++) {
		kz_err_clear(&err);
		if (dist_shake(&c->r.conn, &peer, cookies[i], (unsigned)name, ms, &err) == 0)
			return;
		if (err.status != EX_NOPERM)
			break;
	}
	fail(c, &err);
}

static char *describe(const struct args *a)
{
	char *s;

	if (a->action == ACT_PING || a->action == ACT_EVAL)
		s = fmt_new("%s", a->action_name);
	else if (a->action == ACT_RPCTERMS)
		s = fmt_new("rpcterms %s:%s", a->call[0], a->call[1]);
	else
		s = fmt_new("%s %s:%s/%d", a->action_name, a->call[0], a->call[1], a->ncall - 2);
	if (!s)
		die_errno(KZ_EXIT_FAIL, "out of memory");
	return s;
}

/* {badrpc, Reason}: true, with Reason. */
static bool badrpc(const struct term *result, struct term *reason)
{
	struct term e[2];

	if (term_tagged(result, "badrpc", 2, e) < 0)
		return false;
	*reason = e[1];
	return true;
}

static char *format_or_die(struct call *c, const struct term *t, bool one_line, size_t *len)
{
	struct kz_err err = { 0 };
	char *text = remote_format(&c->r, t, one_line, len, &err);

	if (!text)
		fail(c, &err);
	return text;
}

static noreturn void die_badrpc(struct call *c, const struct term *reason)
{
	size_t len;
	char *text = format_or_die(c, reason, true, &len);

	die(KZ_EXIT_FAIL, "%s: %s failed: %s", c->n.name, c->what, text);
}

/* The result of rpc, rpcterms and eval: as the shell prints it (~tp). */
static int print_value(struct call *c, const struct term *value)
{
	size_t len;
	char *text = format_or_die(c, value, false, &len);

	print_result(text, len);
	free(text);
	return KZ_EXIT_OK;
}

static void encode_or_die(int rc)
{
	if (rc < 0)
		die(KZ_EXIT_FAIL, "out of memory");
}

/* A list of n elements begins with a header, but the empty list is its tail alone. */
static void list_begin(ei_x_buff *x, int n)
{
	if (n > 0)
		encode_or_die(ei_x_encode_list_header(x, n));
}

/* MODULE:FUNCTION(args), args an encoded list, printed as ~tp prints its result; a badrpc's
 * message and 1 when it raised.  One round trip (remote_apply_text). */
static int apply_and_print(struct call *c, const char *mod, const char *fun, const ei_x_buff *args)
{
	struct kz_err err = { 0 };
	ei_x_buff reply;
	struct term reason;
	char *text = NULL;
	size_t len;

	encode_or_die(ei_x_new(&reply));
	int rc = remote_apply_text(&c->r, mod, fun, args, print_output, NULL, &reply, &text, &len, &reason, &err);
	if (rc < 0)
		fail(c, &err);
	if (rc == 1)
		die_badrpc(c, &reason);
	print_result(text, len);
	free(text);
	ei_x_free(&reply);
	return KZ_EXIT_OK;
}

/* MODULE:FUNCTION(args), args an encoded list: the result, or a badrpc's message and 1. */
static void apply_or_die(struct call *c, const char *mod, const char *fun, const ei_x_buff *args,
			 ei_x_buff *reply, struct term *result)
{
	struct kz_err err = { 0 };
	struct term reason;

	if (remote_apply(&c->r, mod, fun, args, print_output, NULL, reply, result, &err) < 0)
		fail(c, &err);
	if (badrpc(result, &reason))
		die_badrpc(c, &reason);
}

static int do_rpc(struct call *c)
{
	const struct args *a = c->a;
	ei_x_buff args, parsed;
	struct term t;
	struct kz_err err = { 0 };

	encode_or_die(ei_x_new(&args));
	list_begin(&args, a->ncall - 2);
	for (int i = 2; i < a->ncall; i++) {
		char what[32];

		snprintf(what, sizeof what, "argument %d", i - 1);
		encode_or_die(ei_x_new(&parsed));
		if (remote_parse_term(&c->r, what, a->call[i], &parsed, &t, &err) < 0)
			fail(c, &err);
		encode_or_die(term_append(&args, &t));
		ei_x_free(&parsed);
	}
	encode_or_die(ei_x_encode_empty_list(&args));
	int status = apply_and_print(c, a->call[0], a->call[1], &args);
	ei_x_free(&args);
	return status;
}

/* relx's rpcterms: the arguments as one text of '.'-ended terms. */
static int do_rpcterms(struct call *c)
{
	const struct args *a = c->a;
	ei_x_buff args, terms;
	struct kz_err err = { 0 };
	int count = 0;

	encode_or_die(ei_x_new(&args));
	encode_or_die(ei_x_new(&terms));
	if (a->ncall == 3 && remote_parse_terms(&c->r, "arguments", a->call[2], &terms, &count, &err) < 0)
		fail(c, &err);
	list_begin(&args, count);
	encode_or_die(ei_x_append(&args, &terms));
	encode_or_die(ei_x_encode_empty_list(&args));
	int status = apply_and_print(c, a->call[0], a->call[1], &args);
	ei_x_free(&args);
	return status;
}

/* erl_eval:exprs(Exprs, []) gives {value, Value, Bindings}. */
static int do_eval(struct call *c)
{
	ei_x_buff parsed, args, reply;
	struct term exprs, result, e[3];
	struct kz_err err = { 0 };

	encode_or_die(ei_x_new(&parsed));
	encode_or_die(ei_x_new(&args));
	encode_or_die(ei_x_new(&reply));
	if (remote_parse_exprs(&c->r, c->a->call[0], &parsed, &exprs, &err) < 0)
		fail(c, &err);
	encode_or_die(ei_x_encode_list_header(&args, 2));
	encode_or_die(term_append(&args, &exprs));
	encode_or_die(ei_x_encode_empty_list(&args));
	encode_or_die(ei_x_encode_empty_list(&args));
	apply_or_die(c, "erl_eval", "exprs", &args, &reply, &result);
	if (term_tagged(&result, "value", 3, e) < 0) {
		/* rpc's catch turns a throw into the thrown value itself. */
		size_t len;
		die(KZ_EXIT_FAIL, "%s: eval: uncaught throw: %s", c->n.name, format_or_die(c, &result, true, &len));
	}
	return print_value(c, &e[1]);
}

static bool is_maintenance(const char *mod)
{
	size_t n = strlen(mod), s = strlen("_maintenance");

	return n >= s && !strcmp(mod + n - s, "_maintenance");
}

/* How a sup call ended, printed as Kazoo's sup prints it and its exit status: the same for
 * the call kzlaunch makes and the one the helper makes for it. */
static int report_sup(const struct call *c, const struct sup_outcome *o)
{
	const char *mod = c->a->call[0];

	switch (o->done) {
	case PROTO_DONE_UNDEFINED:
		die(SUP_NO_CONNECTION, "Invalid command or wrong number of arguments, please try again");
	case PROTO_DONE_TIMEOUT:
		die(SUP_TIMEOUT, "Command failed: timeout");
	case PROTO_DONE_FAILED:
		die(SUP_BADRPC, "Command failed: %.*s", (int)o->len, o->text ? o->text : "");
	case PROTO_DONE_NO_RETURN:
		return o->code;
	case PROTO_DONE_OK:
	case PROTO_DONE_VALUE:
		break;
	}
	if (c->a->verbose)
		print_output(NULL, "Result: ", strlen("Result: "));
	print_result(o->text ? o->text : "", o->len);
	return o->done == PROTO_DONE_VALUE && is_maintenance(mod) ? SUP_NOT_OK : KZ_EXIT_OK;
}

/* "Running M:F(A, B)", as Kazoo's sup -v says what it calls. */
static void say_running(const struct args *a)
{
	if (!a->verbose)
		return;
	printf("Running %s:%s(", a->call[0], a->call[1]);
	for (int i = 2; i < a->ncall; i++)
		printf("%s%s", i > 2 ? ", " : "", a->call[i]);
	printf(")\n");
}

/* The command line's arguments as sup sends them: each a binary. */
static struct msg_text *sup_args(const struct args *a, size_t *n)
{
	struct msg_text *v;

	*n = (size_t)(a->ncall - 2);
	if (!(v = calloc(*n ? *n : 1, sizeof *v)))
		die_errno(KZ_EXIT_FAIL, "out of memory");
	for (size_t i = 0; i < *n; i++)
		v[i] = (struct msg_text){ a->call[i + 2], strlen(a->call[i + 2]) };
	return v;
}

/* Kazoo's sup over kzlaunch's own connection: common/sup.erl on the node, one round trip. */
static int do_sup(struct call *c)
{
	const struct args *a = c->a;
	struct kz_err err = { 0 };
	struct sup_outcome o;
	struct term answer;
	ei_x_buff call, reply;
	size_t nargs;
	struct msg_text *args = sup_args(a, &nargs);

	say_running(a);
	encode_or_die(ei_x_new(&call));
	encode_or_die(ei_x_new(&reply));
	encode_or_die(sup_encode(&call, ei_self(&c->r.conn.ec), ei_thisnodename(&c->r.conn.ec), a->call[0], a->call[1],
				 args, nargs));
	if (remote_call(&c->r, "erl_eval", "expr", &call, print_output, NULL, &reply, &answer, &err) < 0)
		fail(c, &err);
	if (sup_outcome_read(&answer, &o) < 0)
		die(SUP_BADRPC, "%s: %s: an answer sup.erl does not give", c->n.name, c->what);
	int status = report_sup(c, &o);
	sup_outcome_free(&o);
	ei_x_free(&call);
	ei_x_free(&reply);
	free(args);
	return status;
}

/* The node answers now: a connection the helper's broker made before this call asked (its
 * standby) proves only that it did then.  What it answers is of no interest. */
static void do_ping(struct call *c)
{
	ei_x_buff args, reply;
	struct term result;
	struct kz_err err = { 0 };

	encode_or_die(ei_x_new(&args));
	encode_or_die(ei_x_new(&reply));
	encode_or_die(ei_x_encode_empty_list(&args));
	if (remote_apply(&c->r, "erlang", "node", &args, NULL, NULL, &reply, &result, &err) < 0)
		fail(c, &err);
	ei_x_free(&args);
	ei_x_free(&reply);
}

/* SUP's or PING's request, from the command line. */
static uint16_t made_request(const struct call *c, unsigned ms, uint8_t *out)
{
	const struct args *a = c->a;
	static struct msg_sup req;
	uint16_t len;

	if (a->action == ACT_PING)
		return msg_ping_encode(ms, out);
	req = (struct msg_sup){ .handshake_ms = ms, .mod = { a->call[0], strlen(a->call[0]) },
				.fun = { a->call[1], strlen(a->call[1]) } };
	req.nargs = (size_t)(a->ncall - 2);
	if (req.nargs > MSG_SUP_ARGS_MAX)
		die(EX_USAGE, "sup: %zu arguments: a call through the helper takes at most %d", req.nargs, MSG_SUP_ARGS_MAX);
	for (size_t i = 0; i < req.nargs; i++)
		req.args[i] = (struct msg_text){ a->call[i + 2], strlen(a->call[i + 2]) };
	if (msg_sup_encode(&req, out, &len) < 0)
		die(EX_USAGE, "sup: the arguments take more than the %d bytes a call through the helper carries",
		    PROTO_MAX_PAYLOAD);
	return len;
}

/* Kazoo's sup and ping, made by the node's helper for its client: the caller sends the
 * module, the function and its arguments, and never holds a connection to the node, so the
 * sup right can be narrower than attach (doc/protocol.md, "SUP and PING").  The helper relays
 * what the function prints as it comes.  False when no helper serves the node. */
static bool made_by_helper(struct call *c, int *status)
{
	static uint8_t req[PROTO_MAX_PAYLOAD];
	struct kz_err err = { 0 };
	struct client_call_end end;
	unsigned ms = c->r.timeout_ms > 0 && c->r.timeout_ms < DIST_HANDSHAKE_MS ? (unsigned)c->r.timeout_ms : 0;
	char *asking = NULL;
	int rc;

	if (c->a->cookie || (c->a->action != ACT_SUP && c->a->action != ACT_PING))
		return false; /* sup -c COOKIE: a connection of the caller's own (connect_via_helper) */
	rc = client_connect(&c->helper, c->a->rundir, c->a->rel, c->n.name, &err);
	if (rc == CLIENT_NOT_RUNNING)
		return false;
	if (rc < 0)
		die_err(&err);
	/* Only now: a sup kzlaunch makes itself takes any number of arguments. */
	uint16_t len = made_request(c, ms, req);
	if (c->a->action == ACT_SUP && !(c->helper.asking = asking = fmt_new("for %s:%s", c->a->call[0], c->a->call[1])))
		die_errno(KZ_EXIT_FAIL, "out of memory");
	shed_privileges(c, false);
	if (c->a->action == ACT_SUP)
		say_running(c->a);
	rc = client_made_call(&c->helper, c->a->action == ACT_SUP ? PROTO_SUP : PROTO_PING, req, len, c->r.deadline,
			      print_output, NULL, &end, &err);
	/* It took the connection and closed it unanswered: its node has just ended, or it is a
	 * helper started by a kzlaunch from before SUP and PING, which drops what it does not
	 * know. */
	if (rc == CLIENT_NOT_RUNNING)
		die(c->a->action == ACT_SUP ? KZ_EXIT_FAIL : EX_UNAVAILABLE,
		    "%s: its helper closed the connection unanswered: the node has just ended, or the helper is older than this kzlaunch (a restart of the node starts a new one)",
		    c->n.name);
	if (rc == CLIENT_TIMED_OUT) {
		c->r.timed_out = true;
		kz_err_set(&err, KZ_EXIT_FAIL, "%s: no answer within %ld s", c->n.name, (c->r.timeout_ms + 999) / 1000);
	}
	if (rc != CLIENT_OK)
		fail(c, &err);
	if (c->a->action == ACT_PING) {
		puts("pong");
		*status = out_flush();
	} else {
		struct sup_outcome o = { .done = end.done.outcome, .code = end.done.code, .text = end.result, .len = end.len };
		*status = report_sup(c, &o);
	}
	free(end.result);
	free(asking);
	client_close(&c->helper);
	return true;
}

/* Through the helper, whoever the caller is: it checks the attach right, logs the call and
 * hands over a connection its broker made, so the caller needs no cookie.  False when no
 * helper serves the node. */
static bool connect_via_helper(struct call *c)
{
	struct kz_err err = { 0 };
	unsigned ms = c->r.timeout_ms > 0 && c->r.timeout_ms < DIST_HANDSHAKE_MS ? (unsigned)c->r.timeout_ms : 0;
	struct call_handover got;
	int rc;

	rc = client_connect(&c->helper, c->a->rundir, c->a->rel, c->n.name, &err);
	if (rc == CLIENT_OK)
		rc = client_call(&c->helper, c->what, ms, &got, &err);
	if (rc < 0)
		die_err(&err);
	/* Kazoo's sup says 1 for a node it cannot reach; kzlaunch's calls 69. */
	if (rc == CLIENT_NOT_RUNNING && c->helper.fd >= 0)
		die(c->a->action == ACT_SUP ? KZ_EXIT_FAIL : EX_UNAVAILABLE, "%s: not running", c->n.name);
	if (rc == CLIENT_NOT_RUNNING)
		return false;
	/* The helper's socket stays open, holding the name, until this process ends. */
	if (dist_adopt(&c->r.conn, got.conn_fd, got.self, got.creation, &err) < 0)
		fail(c, &err);
	shed_privileges(c, false);
	free(got.self);
	c->n.name = got.node;
	c->r.node = c->n.name;
	return true;
}

int call_run(const struct args *a)
{
	struct call c = { .a = a, .helper = { .fd = -1 } };
	long sec = a->timeout >= 0 ? a->timeout : a->action == ACT_SUP ? 0 : CALL_DEFAULT_TIMEOUT_SEC;
	int status;

	c.what = describe(a);
	remote_begin(&c.r, sec > 0 ? sec * 1000 : -1);
	/* Through a helper the node's name comes from it: this host's name is looked up only for
	 * a direct call.  Until then messages name the node type. */
	c.n.name = (char *)(a->node ? a->node : a->rel);
	if (made_by_helper(&c, &status)) {
		free(c.what);
		return status;
	}
	if (!connect_via_helper(&c)) {
		node_resolve_name(&c.n, a);
		c.r.node = c.n.name;
		connect_direct(&c);
		log_call(&c);
	}
	switch (a->action) {
	case ACT_PING:
		do_ping(&c);
		puts("pong");
		status = out_flush();
		break;
	case ACT_RPC:
		status = do_rpc(&c);
		break;
	case ACT_RPCTERMS:
		status = do_rpcterms(&c);
		break;
	case ACT_EVAL:
		status = do_eval(&c);
		break;
	case ACT_SUP:
		status = do_sup(&c);
		break;
	default:
		die(KZ_EXIT_FAIL, "%s: not a call", a->action_name);
	}
	remote_end(&c.r);
	client_close(&c.helper);
	free(c.what);
	return status;
}
