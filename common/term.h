/* term.h: what kzlaunch reads and writes of Erlang's external term format itself, on top of
 * libei's encoders and decoders.  Terms are never parsed or printed here: the node does that
 * (erl_scan, erl_parse, io_lib), since libei's own text format is no Erlang parser.  Here
 * terms are only recognised by shape and copied whole, byte for byte, from one message into
 * the next.  Every function reads no byte past the buffer's end: `end` bounds each. */
#ifndef KZ_TERM_H
#define KZ_TERM_H

#include <ei.h>
#include <stdbool.h>
#include <stddef.h>

/* One encoded term: buf[start] to buf[end - 1]. */
struct term {
	const char *buf;
	int start, end;
};

/* The term at buf[i] of a buffer of len bytes: 0 with *t, -1 when it is not whole. */
int term_at(const char *buf, int len, int i, struct term *t);

/* True when t is the atom `name`. */
bool term_is_atom(const struct term *t, const char *name);

/* When t is a tuple of `arity` elements, 0 with elems[0..arity-1]; else -1. */
int term_tuple(const struct term *t, int arity, struct term *elems);

/* When t is {Tag, ...} of `arity` elements whose first is the atom tag: 0 with elems (elems[0]
 * being the tag); else -1. */
int term_tagged(const struct term *t, const char *tag, int arity, struct term *elems);

/* When t is a non-empty list: 0 with *head its first element; else -1. */
int term_list_head(const struct term *t, struct term *head);

/* When t is a binary: 0 with *bytes pointing into t->buf and *len; else -1. */
int term_binary(const struct term *t, const char **bytes, size_t *len);

/* A pid: its node's name (not NUL-terminated) and its numbers, read from the old or the new
 * encoding alike. */
struct term_pid {
	const char *node;
	size_t node_len;
	unsigned num, serial, creation;
};

/* When t is a pid: 0 with *pid, its name pointing into t->buf; else -1. */
int term_pid(const struct term *t, struct term_pid *pid);

/* Appends t's bytes to x as they are. */
int term_append(ei_x_buff *x, const struct term *t);

/* Appends `text`, UTF-8, to x as an Erlang string (a list of code points); -1 when text is
 * not UTF-8 (an overlong form, a surrogate, a truncated sequence). */
int term_encode_utf8(ei_x_buff *x, const char *text);

/* Splits the token list t (erl_scan's) at its dot tokens: fn gets, for each term or form in
 * order, an encoded list of its tokens ending with a dot token (one is added to a last one
 * that has none; a list with no tokens at all gives none).  Returns how many fn got, -1 when
 * t is not a list of tuples or fn returned -1. */
int term_split_tokens(const struct term *t, int (*fn)(void *arg, const ei_x_buff *tokens), void *arg);

#endif
