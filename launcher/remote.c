/* remote.c: scan, parse and format on the node, one stock OTP call at a time (remote.h).
 * A round trip to a local node costs tens of microseconds; a parser of our own would cost
 * every binary, map and big integer that libei's text format gets wrong. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "die.h"
#include "fd.h"
#include "remote.h"

void remote_begin(struct remote *r, long timeout_ms)
{
	r->timeout_ms = timeout_ms;
	r->deadline = timeout_ms >= 0 ? fd_now_ms() + timeout_ms : -1;
	r->timed_out = false;
}

void remote_end(struct remote *r)
{
	dist_close(&r->conn);
}

static int oom(struct kz_err *err)
{
	return kz_err_set(err, KZ_EXIT_FAIL, "out of memory");
}

int remote_call(struct remote *r, const char *mod, const char *fun, const ei_x_buff *args,
		      dist_output_fn *out, void *arg, ei_x_buff *reply, struct term *result, struct kz_err *err)
{
	long left = -1;
	int at, rc;

	if (r->deadline >= 0 && (left = r->deadline - fd_now_ms()) < 0)
		left = 0;
	rc = dist_call(&r->conn, mod, fun, args, left, out, arg, reply, &at, err);
	if (rc == DIST_TIMEDOUT) {
		r->timed_out = true;
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: no answer within %ld s", r->node, (r->timeout_ms + 999) / 1000);
	}
	if (rc < 0)
		return -1;
	if (term_at(reply->buff, reply->index, at, result) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: %s:%s: a reply that is not a whole term", r->node, mod, fun);
	return 0;
}

/* mod:fun(args) under capture.erl's group leader: *result is the value (the term, or its text
 * as a binary when show is "text"), or what rex gives for one that raised: {badrpc, Reason},
 * or the value thrown. */
static int call_captured(struct remote *r, const char *mod, const char *fun, const ei_x_buff *args,
			 const char *show, dist_output_fn *out, void *arg, ei_x_buff *reply, struct term *result,
			 struct kz_err *err)
{
	ei_x_buff call;
	struct term res, e[3];
	int rc = -1;

	if (ei_x_new(&call) < 0)
		return oom(err);
	if (capture_encode(&call, ei_self(&r->conn.ec), mod, fun, args->buff, args->index, show) < 0)
		oom(err);
	else if (remote_call(r, "erl_eval", "expr", &call, out, arg, reply, &res, err) < 0)
		;
	else if (term_tagged(&res, "value", 3, e) == 0)
		*result = e[1], rc = 0;
	else
		*result = res, rc = 0; /* {badrpc, _}, or a throw's value: rex's catch gives it as is */
	ei_x_free(&call);
	return rc;
}

int remote_apply(struct remote *r, const char *mod, const char *fun, const ei_x_buff *args,
		 dist_output_fn *out, void *arg, ei_x_buff *reply, struct term *result, struct kz_err *err)
{
	if (out)
		return call_captured(r, mod, fun, args, "term", out, arg, reply, result, err);
	return remote_call(r, mod, fun, args, NULL, NULL, reply, result, err);
}

/* Calls mod:fun(a) for one encoded argument a (a term, or an ei_x_buff's bytes). */
static int apply1(struct remote *r, const char *mod, const char *fun, const char *a, int alen,
		  ei_x_buff *reply, struct term *result, struct kz_err *err)
{
	ei_x_buff args;
	int rc = -1;

	if (ei_x_new(&args) < 0)
		return oom(err);
	if (ei_x_encode_list_header(&args, 1) < 0 || ei_x_append_buf(&args, a, alen) < 0 ||
	    ei_x_encode_empty_list(&args) < 0)
		oom(err);
	else
		rc = remote_apply(r, mod, fun, &args, NULL, NULL, reply, result, err);
	ei_x_free(&args);
	return rc;
}

static int apply_term(struct remote *r, const char *mod, const char *fun, const struct term *a,
		      ei_x_buff *reply, struct term *result, struct kz_err *err)
{
	return apply1(r, mod, fun, a->buf + a->start, a->end - a->start, reply, result, err);
}

/* unicode:characters_to_binary(Chars): the text io_lib and format_error return. */
static char *to_text(struct remote *r, const struct term *chars, size_t *len, struct kz_err *err)
{
	ei_x_buff reply;
	struct term bin;
	const char *bytes;
	char *text = NULL;

	if (ei_x_new(&reply) < 0) {
		oom(err);
		return NULL;
	}
	if (apply_term(r, "unicode", "characters_to_binary", chars, &reply, &bin, err) < 0)
		goto out;
	if (term_binary(&bin, &bytes, len) < 0) {
		kz_err_set(err, KZ_EXIT_FAIL, "%s: text that is not characters", r->node);
		goto out;
	}
	if (!(text = malloc(*len + 1))) {
		oom(err);
		goto out;
	}
	memcpy(text, bytes, *len);
	text[*len] = '\0';
out:
	ei_x_free(&reply);
	return text;
}

/* ErrorInfo {Anno, Module, Descriptor}: "line L: " and Module:format_error(Descriptor). */
static int syntax_error(struct remote *r, const char *what, const struct term *info, struct kz_err *err)
{
	struct term e[3], msg;
	ei_x_buff reply;
	long line = 0;
	char mod[MAXATOMLEN_UTF8];
	size_t len;
	char *text;
	int i;

	if (term_tuple(info, 3, e) < 0 || (i = e[1].start, ei_decode_atom(e[1].buf, &i, mod)) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: syntax error", what);
	i = e[0].start;
	if (ei_decode_long(e[0].buf, &i, &line) < 0) /* {Line, Column} gives no line here */
		line = 0;
	if (ei_x_new(&reply) < 0)
		return oom(err);
	if (apply_term(r, mod, "format_error", &e[2], &reply, &msg, err) < 0 || !(text = to_text(r, &msg, &len, err))) {
		ei_x_free(&reply);
		return -1;
	}
	ei_x_free(&reply);
	if (line > 0)
		kz_err_set(err, KZ_EXIT_FAIL, "%s: syntax error on line %ld: %s", what, line, text);
	else
		kz_err_set(err, KZ_EXIT_FAIL, "%s: syntax error: %s", what, text);
	free(text);
	return -1;
}

/* erl_scan:string(Text): 0 with *tokens in reply. */
static int scan(struct remote *r, const char *what, const char *text, ei_x_buff *reply, struct term *tokens,
		struct kz_err *err)
{
	ei_x_buff s;
	struct term res, e[3];
	int rc;

	if (ei_x_new(&s) < 0)
		return oom(err);
	if (term_encode_utf8(&s, text) < 0) {
		ei_x_free(&s);
		return kz_err_set(err, EX_USAGE, "%s: not UTF-8 text", what);
	}
	rc = apply1(r, "erl_scan", "string", s.buff, s.index, reply, &res, err);
	ei_x_free(&s);
	if (rc < 0)
		return -1;
	if (term_tagged(&res, "error", 3, e) == 0)
		return syntax_error(r, what, &e[1], err);
	if (term_tagged(&res, "ok", 3, e) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: erl_scan:string/1 gave an unexpected answer", r->node);
	*tokens = e[1];
	return 0;
}

/* The token lists of each term in a text, each ended by a dot token. */
struct parts {
	ei_x_buff *v;
	int n, max;
};

static int keep_part(void *arg, const ei_x_buff *tokens)
{
	struct parts *p = arg;

	if (p->n == p->max) {
		p->n++; /* counted, so the caller can say there were too many */
		return 0;
	}
	if (ei_x_new(&p->v[p->n]) < 0 || ei_x_append_buf(&p->v[p->n], tokens->buff, tokens->index) < 0)
		return -1;
	p->n++;
	return 0;
}

static void parts_free(struct parts *p)
{
	for (int k = 0; k < p->n && k < p->max; k++)
		ei_x_free(&p->v[k]);
}

/* erl_parse:Fun(Tokens) for one part: {ok, X} gives X, {error, Info} a syntax error. */
static int parse(struct remote *r, const char *what, const char *fun, const ei_x_buff *tokens,
		 ei_x_buff *reply, struct term *out, struct kz_err *err)
{
	struct term res, e[2];

	if (apply1(r, "erl_parse", fun, tokens->buff, tokens->index, reply, &res, err) < 0)
		return -1;
	if (term_tagged(&res, "error", 2, e) == 0)
		return syntax_error(r, what, &e[1], err);
	if (term_tagged(&res, "ok", 2, e) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: erl_parse:%s/1 gave an unexpected answer", r->node, fun);
	*out = e[1];
	return 0;
}

/* The text as exactly one part: one term, or one sequence of expressions. */
static int parse_one(struct remote *r, const char *what, const char *text, const char *fun, ei_x_buff *reply,
		     struct term *out, struct kz_err *err)
{
	ei_x_buff scanned, tokens[1];
	struct parts p = { .v = tokens, .max = 1 };
	struct term toks;
	int rc = -1;

	if (ei_x_new(&scanned) < 0)
		return oom(err);
	if (scan(r, what, text, &scanned, &toks, err) < 0)
		goto out;
	if (term_split_tokens(&toks, keep_part, &p) < 0) {
		oom(err);
		goto out;
	}
	if (p.n == 0)
		kz_err_set(err, EX_USAGE, "%s: empty", what);
	else if (p.n > 1)
		kz_err_set(err, EX_USAGE, "%s: more than one '.'-ended part", what);
	else
		rc = parse(r, what, fun, &tokens[0], reply, out, err);
out:
	parts_free(&p);
	ei_x_free(&scanned);
	return rc;
}

int remote_parse_term(struct remote *r, const char *what, const char *text, ei_x_buff *reply,
		      struct term *term, struct kz_err *err)
{
	return parse_one(r, what, text, "parse_term", reply, term, err);
}

int remote_parse_exprs(struct remote *r, const char *text, ei_x_buff *reply, struct term *exprs,
		       struct kz_err *err)
{
	return parse_one(r, "eval", text, "parse_exprs", reply, exprs, err);
}

/* term_split_tokens' callback for remote_parse_terms: each part parsed as it comes. */
struct terms_ctx {
	struct remote *r;
	const char *what;
	ei_x_buff *terms;
	int *count;
	struct kz_err *err;
};

static int parse_part(void *arg, const ei_x_buff *tokens)
{
	struct terms_ctx *c = arg;
	ei_x_buff reply;
	struct term t;
	int rc = -1;

	if (ei_x_new(&reply) < 0)
		return oom(c->err);
	if (parse(c->r, c->what, "parse_term", tokens, &reply, &t, c->err) == 0) {
		rc = term_append(c->terms, &t) < 0 ? oom(c->err) : 0;
		(*c->count)++;
	}
	ei_x_free(&reply);
	return rc;
}

int remote_parse_terms(struct remote *r, const char *what, const char *text, ei_x_buff *terms,
		       int *count, struct kz_err *err)
{
	struct terms_ctx c = { r, what, terms, count, err };
	ei_x_buff scanned;
	struct term toks;
	int rc = -1;

	*count = 0;
	kz_err_clear(err);
	if (ei_x_new(&scanned) < 0)
		return oom(err);
	if (scan(r, what, text, &scanned, &toks, err) == 0 && term_split_tokens(&toks, parse_part, &c) >= 0)
		rc = 0;
	else if (!err->msg)
		oom(err);
	ei_x_free(&scanned);
	return rc;
}

char *remote_format(struct remote *r, const struct term *t, bool one_line, size_t *len, struct kz_err *err)
{
	ei_x_buff args, reply;
	struct term chars;
	char *text = NULL;
	int rc;

	if (ei_x_new(&args) < 0) {
		oom(err);
		return NULL;
	}
	if (ei_x_new(&reply) < 0) {
		ei_x_free(&args);
		oom(err);
		return NULL;
	}
	if (one_line) {
		/* io_lib:print(T, 1, LineLength, -1): Kazoo's sup gives a line length no output reaches. */
		rc = ei_x_encode_list_header(&args, 4) | term_append(&args, t) | ei_x_encode_long(&args, 1) |
		     ei_x_encode_longlong(&args, 1LL << 60) | ei_x_encode_long(&args, -1);
	} else {
		rc = ei_x_encode_list_header(&args, 2) | ei_x_encode_string(&args, "~tp") |
		     ei_x_encode_list_header(&args, 1) | term_append(&args, t) | ei_x_encode_empty_list(&args);
	}
	if ((rc | ei_x_encode_empty_list(&args)) < 0)
		oom(err);
	else if (remote_apply(r, "io_lib", one_line ? "print" : "format", &args, NULL, NULL, &reply, &chars, err) == 0)
		text = to_text(r, &chars, len, err);
	ei_x_free(&args);
	ei_x_free(&reply);
	return text;
}

int remote_apply_text(struct remote *r, const char *mod, const char *fun, const ei_x_buff *args,
		      dist_output_fn *out, void *arg, ei_x_buff *reply, char **text, size_t *len,
		      struct term *reason, struct kz_err *err)
{
	struct term result, e[2];
	const char *bytes;

	if (call_captured(r, mod, fun, args, "text", out, arg, reply, &result, err) < 0)
		return -1;
	if (term_tagged(&result, "badrpc", 2, e) == 0) {
		*reason = e[1];
		return 1;
	}
	if (term_binary(&result, &bytes, len) < 0)
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: erl_eval:expr/2 gave an unexpected answer", r->node);
	if (!(*text = malloc(*len + 1)))
		return oom(err);
	memcpy(*text, bytes, *len);
	(*text)[*len] = '\0';
	return 0;
}
