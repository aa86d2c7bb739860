/* tests/unit/sup.c: how common/sup.c reads the node's answer to a sup call: every form
 * sup.erl gives, rex's own badrpc, and answers it gives none of (refused, never guessed). */
#include <ei.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "../tap.h"
#include "sup.h"

/* {value, {value, V, []}, []}: erl_eval's answer twice over, around V, which enc writes. */
static int answer(ei_x_buff *x, void (*enc)(ei_x_buff *x))
{
	ei_x_new(x);
	ei_x_encode_tuple_header(x, 3);
	ei_x_encode_atom(x, "value");
	ei_x_encode_tuple_header(x, 3);
	ei_x_encode_atom(x, "value");
	enc(x);
	ei_x_encode_empty_list(x);
	return ei_x_encode_empty_list(x);
}

static void v_ok(ei_x_buff *x)
{
	ei_x_encode_tuple_header(x, 3);
	ei_x_encode_atom(x, "value");
	ei_x_encode_atom(x, "true");
	ei_x_encode_binary(x, "ok", 2);
}

static void v_value(ei_x_buff *x)
{
	ei_x_encode_tuple_header(x, 3);
	ei_x_encode_atom(x, "value");
	ei_x_encode_atom(x, "false");
	ei_x_encode_binary(x, "{error,not_ok}", 14);
}

static void v_no_return(ei_x_buff *x)
{
	ei_x_encode_tuple_header(x, 2);
	ei_x_encode_atom(x, "no_return");
	ei_x_encode_long(x, 256 + 7);
}

static void v_undefined(ei_x_buff *x) { ei_x_encode_atom(x, "undefined"); }
static void v_timeout(ei_x_buff *x) { ei_x_encode_atom(x, "timeout"); }

static void v_failed(ei_x_buff *x)
{
	ei_x_encode_tuple_header(x, 2);
	ei_x_encode_atom(x, "failed");
	ei_x_encode_binary(x, "{'EXIT',{badarg,[]}}", 20);
}

static void v_unknown(ei_x_buff *x) { ei_x_encode_atom(x, "maybe"); }

static void v_failed_not_text(ei_x_buff *x)
{
	ei_x_encode_tuple_header(x, 2);
	ei_x_encode_atom(x, "failed");
	ei_x_encode_atom(x, "not_a_binary");
}

static const struct {
	const char *name;
	void (*enc)(ei_x_buff *x);
	int rc;
	enum proto_done done;
	unsigned code;
	const char *text;
} cases[] = {
	{ "ok", v_ok, 0, PROTO_DONE_OK, 0, "ok" },
	{ "another value, its line", v_value, 0, PROTO_DONE_VALUE, 0, "{error,not_ok}" },
	{ "{no_return, 263}: an exit status, 7", v_no_return, 0, PROTO_DONE_NO_RETURN, 7, NULL },
	{ "undefined", v_undefined, 0, PROTO_DONE_UNDEFINED, 0, NULL },
	{ "timeout", v_timeout, 0, PROTO_DONE_TIMEOUT, 0, NULL },
	{ "failed, its reason's line", v_failed, 0, PROTO_DONE_FAILED, 0, "{'EXIT',{badarg,[]}}" },
	{ "an atom sup.erl never gives", v_unknown, -1, 0, 0, NULL },
	{ "failed without a binary", v_failed_not_text, -1, 0, 0, NULL },
};

static void badrpc(void)
{
	ei_x_buff x;
	struct term t;
	struct sup_outcome o;

	ei_x_new(&x);
	ei_x_encode_tuple_header(&x, 2);
	ei_x_encode_atom(&x, "badrpc");
	ei_x_encode_atom(&x, "nodedown");
	tap_ok(term_at(x.buff, x.index, 0, &t) == 0 && sup_outcome_read(&t, &o) == 0 && o.done == PROTO_DONE_FAILED &&
		       o.text && !strcmp(o.text, "nodedown"),
	       "rex's {badrpc, nodedown}: failed, as libei prints the reason");
	sup_outcome_free(&o);
	ei_x_free(&x);

	ei_x_new(&x);
	ei_x_encode_atom(&x, "value");
	tap_ok(term_at(x.buff, x.index, 0, &t) == 0 && sup_outcome_read(&t, &o) == -1,
	       "not erl_eval's {value, V, Bindings}: refused");
	ei_x_free(&x);
}

int main(void)
{
	tap_plan((unsigned)COUNT(cases) + 2);
	for (size_t i = 0; i < COUNT(cases); i++) {
		ei_x_buff x;
		struct term t;
		struct sup_outcome o = { 0 };
		answer(&x, cases[i].enc);
		int rc = term_at(x.buff, x.index, 0, &t) == 0 ? sup_outcome_read(&t, &o) : -2;
		bool pass = rc == cases[i].rc;
		if (pass && rc == 0)
			pass = o.done == cases[i].done && o.code == cases[i].code &&
			       (cases[i].text ? o.text && o.len == strlen(cases[i].text) && !strcmp(o.text, cases[i].text)
					      : o.text == NULL);
		tap_ok(pass, "%s", cases[i].name);
		sup_outcome_free(&o);
		ei_x_free(&x);
	}
	badrpc();
	return tap_done();
}
