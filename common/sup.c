/* sup.c: sup.erl's call encoded, and its answer read (sup.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "sup.h"
#include "sup_form.h"

/* [SupForm, Bindings], the bindings an orddict in order: 'A', 'F', 'M', 'Node'. */
static int encode_form_call(ei_x_buff *x, const char *caller_node, const char *mod, const char *fun,
			    const struct msg_text *args, size_t nargs)
{
	int rc = ei_x_encode_list_header(x, 2);

	rc |= ei_x_append_buf(x, (const char *)sup_form + 1, (int)sizeof sup_form - 1);
	rc |= ei_x_encode_list_header(x, 4);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "A");
	if (nargs > 0)
		rc |= ei_x_encode_list_header(x, (long)nargs);
	for (size_t i = 0; i < nargs; i++)
		rc |= ei_x_encode_binary(x, args[i].s, (long)args[i].len);
	rc |= ei_x_encode_empty_list(x);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "F") | ei_x_encode_atom_as(x, fun, ERLANG_UTF8, ERLANG_UTF8);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "M") | ei_x_encode_atom_as(x, mod, ERLANG_UTF8, ERLANG_UTF8);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "Node") |
	      ei_x_encode_atom_as(x, caller_node, ERLANG_UTF8, ERLANG_UTF8);
	rc |= ei_x_encode_empty_list(x); /* the bindings */
	return rc | ei_x_encode_empty_list(x);
}

int sup_encode(ei_x_buff *x, const erlang_pid *caller, const char *caller_node, const char *mod, const char *fun,
	       const struct msg_text *args, size_t nargs)
{
	ei_x_buff inner;
	int rc;

	if (ei_x_new(&inner) < 0)
		return -1;
	rc = encode_form_call(&inner, caller_node, mod, fun, args, nargs);
	if (rc == 0)
		rc = capture_encode(x, caller, "erl_eval", "expr", inner.buff, inner.index, "term");
	ei_x_free(&inner);
	return rc < 0 ? -1 : 0;
}

static int take_text(const char *bytes, size_t len, struct sup_outcome *o)
{
	if (!(o->text = malloc(len + 1)))
		return -1;
	memcpy(o->text, bytes, len);
	o->text[len] = '\0';
	o->len = len;
	return 0;
}

static int take_binary(const struct term *t, struct sup_outcome *o)
{
	const char *bytes;
	size_t len;

	return term_binary(t, &bytes, &len) < 0 ? -1 : take_text(bytes, len, o);
}

/* sup.erl's value: see its head for the forms. */
static int read_form_value(const struct term *v, struct sup_outcome *o)
{
	struct term e[3];
	long code;
	int i;

	if (term_is_atom(v, "undefined")) {
		o->done = PROTO_DONE_UNDEFINED;
		return 0;
	}
	if (term_is_atom(v, "timeout")) {
		o->done = PROTO_DONE_TIMEOUT;
		return 0;
	}
	if (term_tagged(v, "no_return", 2, e) == 0 && (i = e[1].start, ei_decode_long(e[1].buf, &i, &code)) == 0) {
		o->done = PROTO_DONE_NO_RETURN;
		o->code = (uint8_t)(code & 0xff); /* an exit status, as halt(Code) would give it */
		return 0;
	}
	if (term_tagged(v, "failed", 2, e) == 0) {
		o->done = PROTO_DONE_FAILED;
		return take_binary(&e[1], o);
	}
	if (term_tagged(v, "value", 3, e) == 0) {
		o->done = term_is_atom(&e[1], "true") ? PROTO_DONE_OK : PROTO_DONE_VALUE;
		return take_binary(&e[2], o);
	}
	return -1;
}

/* {badrpc, Reason}: the evaluation itself failed, outside what sup.erl catches. */
static int read_badrpc(const struct term *reason, struct sup_outcome *o)
{
	char *s = NULL;
	int at = reason->start, rc;

	o->done = PROTO_DONE_FAILED;
	if (ei_s_print_term(&s, reason->buf, &at) < 0 || !s) {
		free(s);
		return -1;
	}
	rc = take_text(s, strlen(s), o);
	free(s);
	return rc;
}

int sup_outcome_read(const struct term *answer, struct sup_outcome *o)
{
	struct term outer[3], inner[3];

	*o = (struct sup_outcome){ .done = PROTO_DONE_FAILED };
	if (term_tagged(answer, "badrpc", 2, outer) == 0)
		return read_badrpc(&outer[1], o);
	/* erl_eval:expr's {value, V, Bindings}, twice: rex's call of capture.erl, and capture's
	 * apply of sup.erl. */
	if (term_tagged(answer, "value", 3, outer) < 0 || term_tagged(&outer[1], "value", 3, inner) < 0)
		return -1;
	if (read_form_value(&inner[1], o) < 0) {
		sup_outcome_free(o);
		return -1;
	}
	return 0;
}

void sup_outcome_free(struct sup_outcome *o)
{
	free(o->text);
	o->text = NULL;
	o->len = 0;
}
