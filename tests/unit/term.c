/* tests/unit/term.c: the external term format as common/term.c measures and reads it.
 * Terms are made with libei's encoders, so the bytes are the ones a node sends; each is
 * measured whole and at every shorter length, which must fail without reading past it. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "array.h"
#include "term.h"

typedef int encoder(ei_x_buff *x);

static int enc_small(ei_x_buff *x) { return ei_x_encode_long(x, 7); }
static int enc_int(ei_x_buff *x) { return ei_x_encode_long(x, -100000); }
static int enc_big(ei_x_buff *x) { return ei_x_encode_ulonglong(x, 12345678901234567890ULL); }
static int enc_float(ei_x_buff *x) { return ei_x_encode_double(x, 2.5); }
static int enc_atom(ei_x_buff *x) { return ei_x_encode_atom(x, "kazoo_apps"); }
static int enc_string(ei_x_buff *x) { return ei_x_encode_string(x, "hello"); }
static int enc_nil(ei_x_buff *x) { return ei_x_encode_empty_list(x); }
static int enc_binary(ei_x_buff *x) { return ei_x_encode_binary(x, "bin\0ary", 7); }
static int enc_bits(ei_x_buff *x) { return ei_x_encode_bitstring(x, "\xff\x80", 0, 9); }

static int enc_pid(ei_x_buff *x)
{
	erlang_pid p = { .node = "kazoo_apps@vm", .num = 1, .serial = 2, .creation = 3 };
	return ei_x_encode_pid(x, &p);
}

static int enc_ref(ei_x_buff *x)
{
	erlang_ref r = { .node = "kazoo_apps@vm", .len = 3, .n = { 1, 2, 3 }, .creation = 4 };
	return ei_x_encode_ref(x, &r);
}

static int enc_port(ei_x_buff *x)
{
	erlang_port p = { .node = "kazoo_apps@vm", .id = 5, .creation = 6 };
	return ei_x_encode_port(x, &p);
}

/* {ok, [1, "two", <<"3">>], #{a => {}}} */
static int enc_nested(ei_x_buff *x)
{
	return ei_x_encode_tuple_header(x, 3) | ei_x_encode_atom(x, "ok") | ei_x_encode_list_header(x, 3) |
	       ei_x_encode_long(x, 1) | ei_x_encode_string(x, "two") | ei_x_encode_binary(x, "3", 1) |
	       ei_x_encode_empty_list(x) | ei_x_encode_map_header(x, 1) | ei_x_encode_atom(x, "a") |
	       ei_x_encode_tuple_header(x, 0);
}

/* [a | b]: an improper list is a term too */
static int enc_improper(ei_x_buff *x)
{
	return ei_x_encode_list_header(x, 1) | ei_x_encode_atom(x, "a") | ei_x_encode_atom(x, "b");
}

static const struct {
	const char *name;
	encoder *enc;
} terms[] = {
	{ "small integer", enc_small }, { "integer", enc_int },     { "big integer", enc_big },
	{ "float", enc_float },         { "atom", enc_atom },       { "string", enc_string },
	{ "nil", enc_nil },             { "binary", enc_binary },   { "bitstring", enc_bits },
	{ "pid", enc_pid },             { "reference", enc_ref },   { "port", enc_port },
	{ "nested", enc_nested },       { "improper list", enc_improper },
};

static void test_measure(void)
{
	for (size_t k = 0; k < COUNT(terms); k++) {
		ei_x_buff x;
		struct term t;
		int whole = 1, shorter_fail = 1;

		ei_x_new(&x);
		if (terms[k].enc(&x) < 0) {
			tap_ok(0, "%s: encoded", terms[k].name);
			continue;
		}
		/* A copy of exactly the term's bytes: ASan sees any read past them. */
		for (int len = 0; len <= x.index; len++) {
			char *copy = malloc((size_t)len + 1);
			memcpy(copy, x.buff, (size_t)len);
			int rc = term_at(copy, len, 0, &t);
			if (len == x.index)
				whole = rc == 0 && t.start == 0 && t.end == x.index;
			else if (rc == 0)
				shorter_fail = 0;
			free(copy);
		}
		tap_ok(whole && shorter_fail, "%s: measured whole, refused when cut short", terms[k].name);
		ei_x_free(&x);
	}
}

static void test_refused(void)
{
	static const struct {
		const char *name;
		const char *bytes;
		int len;
	} bad[] = {
		{ "an unknown tag", "\x01", 1 },
		{ "a tuple claiming 2^32-1 elements", "i\xff\xff\xff\xff", 5 },
		{ "a list claiming more elements than bytes", "l\x00\x00\x10\x00" "aa", 7 },
		{ "a binary longer than the buffer", "m\x00\x00\x00\x09" "ab", 7 },
		{ "a pid whose node is no atom", "Xa\x01", 3 },
		{ "a fun whose size is below its own field", "p\x00\x00\x00\x02", 5 },
		{ "nothing", "", 0 },
	};

	for (size_t k = 0; k < COUNT(bad); k++) {
		struct term t;
		tap_ok(term_at(bad[k].bytes, bad[k].len, 0, &t) < 0, "refused: %s", bad[k].name);
	}
}

/* A list nested far deeper than a recursive reader's stack would allow. */
static void test_deep(void)
{
	enum { DEPTH = 200000 };
	ei_x_buff x;
	struct term t;

	ei_x_new(&x);
	for (int i = 0; i < DEPTH; i++)
		ei_x_encode_list_header(&x, 1);
	ei_x_encode_empty_list(&x);
	for (int i = 0; i < DEPTH; i++)
		ei_x_encode_empty_list(&x);
	tap_ok(term_at(x.buff, x.index, 0, &t) == 0 && t.end == x.index, "a list nested %d deep is measured", DEPTH);
	ei_x_free(&x);
}

static void test_shapes(void)
{
	ei_x_buff x;
	struct term t, e[3], head;
	const char *bytes;
	size_t len;

	ei_x_new(&x);
	enc_nested(&x);
	term_at(x.buff, x.index, 0, &t);
	tap_ok(term_tuple(&t, 3, e) == 0, "a 3-tuple's elements");
	tap_ok(term_tuple(&t, 2, e) < 0, "not a 2-tuple");
	tap_ok(term_tagged(&t, "ok", 3, e) == 0 && term_is_atom(&e[0], "ok"), "{ok, _, _} by its tag");
	tap_ok(term_tagged(&t, "error", 3, e) < 0, "not {error, _, _}");
	tap_ok(!term_is_atom(&e[0], "o") && !term_is_atom(&e[0], "okay"), "an atom is matched whole");
	tap_ok(term_list_head(&e[1], &head) == 0 && head.end - head.start == 2, "a list's head");
	tap_ok(term_list_head(&e[0], &head) < 0, "an atom has no head");
	struct term elems[3];
	term_tuple(&t, 3, elems);
	struct term bin;
	term_list_head(&elems[1], &head);
	term_at(head.buf, elems[1].end, head.end, &bin); /* "two" */
	term_at(bin.buf, elems[1].end, bin.end, &bin);   /* <<"3">> */
	tap_ok(term_binary(&bin, &bytes, &len) == 0 && len == 1 && bytes[0] == '3', "a binary's bytes");
	tap_ok(term_binary(&head, &bytes, &len) < 0, "an integer is no binary");
	ei_x_free(&x);
}

static long decode_code_point(const char *buf, int *i)
{
	long v;

	return ei_decode_long(buf, i, &v) < 0 ? -1 : v;
}

static void test_utf8(void)
{
	static const struct {
		const char *text;
		long cps[4]; /* -2 ends; NULL text: invalid */
		bool valid;
	} cases[] = {
		{ "ab", { 'a', 'b', -2 }, true },
		{ "\xc3\xa9", { 0xe9, -2 }, true },
		{ "\xe2\x82\xac!", { 0x20ac, '!', -2 }, true },
		{ "\xf0\x9f\x93\x9e", { 0x1f4de, -2 }, true },
		{ "\xc0\x80", { -2 }, false },         /* overlong NUL */
		{ "\xed\xa0\x80", { -2 }, false },     /* a surrogate */
		{ "\xe2\x82", { -2 }, false },         /* cut short */
		{ "\xf4\x90\x80\x80", { -2 }, false }, /* above U+10FFFF */
		{ "\x80", { -2 }, false },             /* a lone continuation */
	};

	for (size_t k = 0; k < COUNT(cases); k++) {
		ei_x_buff x;
		int rc, i = 0, type, size;
		bool same = true;

		ei_x_new(&x);
		rc = term_encode_utf8(&x, cases[k].text);
		if (!cases[k].valid) {
			tap_ok(rc < 0, "UTF-8 case %zu refused", k);
			ei_x_free(&x);
			continue;
		}
		ei_get_type(x.buff, &i, &type, &size);
		if (type == ERL_STRING_EXT) {
			char s[16];
			same = ei_decode_string(x.buff, &i, s) == 0 && !strcmp(s, cases[k].text);
		} else {
			int n;
			same = ei_decode_list_header(x.buff, &i, &n) == 0;
			for (int c = 0; same && cases[k].cps[c] != -2; c++)
				same = decode_code_point(x.buff, &i) == cases[k].cps[c];
		}
		tap_ok(rc == 0 && same, "UTF-8 case %zu: code points", k);
		ei_x_free(&x);
	}
}

/* Tokens as erl_scan makes them: {Category, Anno} or {Category, Anno, Value}. */
static void token(ei_x_buff *x, const char *category, const char *atom_value)
{
	ei_x_encode_tuple_header(x, atom_value ? 3 : 2);
	ei_x_encode_atom(x, category);
	ei_x_encode_long(x, 1);
	if (atom_value)
		ei_x_encode_atom(x, atom_value);
}

struct seen {
	int n;
	bool ends_with_dot[4];
	int lengths[4];
};

static int collect(void *arg, const ei_x_buff *tokens)
{
	struct seen *s = arg;
	struct term t, e[2], elem;
	int i = 0, n = 0;

	if (s->n >= 4)
		return -1;
	/* Walk to the last element and check it is {dot, _}. */
	if (term_at(tokens->buff, tokens->index, 0, &t) < 0 || term_list_head(&t, &elem) < 0)
		return -1;
	ei_decode_list_header(tokens->buff, &i, &n);
	for (int k = 0; k < n; k++) {
		term_at(tokens->buff, tokens->index, i, &elem);
		i = elem.end;
	}
	s->ends_with_dot[s->n] = term_tagged(&elem, "dot", 2, e) == 0;
	s->lengths[s->n] = n;
	s->n++;
	return 0;
}

static void test_split(void)
{
	ei_x_buff x;
	struct term t;
	struct seen s = { 0 };

	/* a. b  ->  [a, dot] [b, dot] */
	ei_x_new(&x);
	ei_x_encode_list_header(&x, 3);
	token(&x, "atom", "a");
	token(&x, "dot", NULL);
	token(&x, "atom", "b");
	ei_x_encode_empty_list(&x);
	term_at(x.buff, x.index, 0, &t);
	int parts = term_split_tokens(&t, collect, &s);
	tap_ok(parts == 2 && s.n == 2, "two terms");
	tap_ok(s.ends_with_dot[0] && s.lengths[0] == 2, "the first keeps its dot");
	tap_ok(s.ends_with_dot[1] && s.lengths[1] == 2, "the last gets one");
	ei_x_free(&x);

	ei_x_new(&x);
	ei_x_encode_empty_list(&x);
	term_at(x.buff, x.index, 0, &t);
	tap_ok(term_split_tokens(&t, collect, &s) == 0, "no tokens, no terms");
	ei_x_free(&x);

	ei_x_new(&x);
	ei_x_encode_list_header(&x, 1);
	ei_x_encode_long(&x, 5);
	ei_x_encode_empty_list(&x);
	term_at(x.buff, x.index, 0, &t);
	tap_ok(term_split_tokens(&t, collect, &s) < 0, "a list of integers is no token list");
	ei_x_free(&x);

	ei_x_new(&x);
	enc_improper(&x);
	term_at(x.buff, x.index, 0, &t);
	tap_ok(term_split_tokens(&t, collect, &s) < 0, "an improper list is refused");
	ei_x_free(&x);
}

int main(void)
{
	tap_plan((unsigned)COUNT(terms) + 7 + 1 + 9 + 9 + 6);
	test_measure();
	test_refused();
	test_deep();
	test_shapes();
	test_utf8();
	test_split();
	return tap_done();
}
