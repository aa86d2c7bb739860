/* capture.c: capture.erl's form and its bindings, encoded for erl_eval:expr/2 (capture.h). */
#include "capture.h"
#include "capture_form.h"

/* The bindings in order, as an orddict must be: 'A', 'Caller', 'F', 'M', 'Show'. */
int capture_encode(ei_x_buff *x, const erlang_pid *caller, const char *mod, const char *fun, const char *args_buf,
		   int args_len, const char *show)
{
	int rc = ei_x_encode_list_header(x, 2);

	/* The form without its version byte: it is an element of the argument list. */
	rc |= ei_x_append_buf(x, (const char *)capture_form + 1, (int)sizeof capture_form - 1);
	rc |= ei_x_encode_list_header(x, 5);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "A") | ei_x_append_buf(x, args_buf, args_len);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "Caller") | ei_x_encode_pid(x, caller);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "F") | ei_x_encode_atom_as(x, fun, ERLANG_UTF8, ERLANG_UTF8);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "M") | ei_x_encode_atom_as(x, mod, ERLANG_UTF8, ERLANG_UTF8);
	rc |= ei_x_encode_tuple_header(x, 2) | ei_x_encode_atom(x, "Show") | ei_x_encode_atom(x, show);
	rc |= ei_x_encode_empty_list(x); /* the bindings */
	return rc | ei_x_encode_empty_list(x); /* expr's arguments */
}
