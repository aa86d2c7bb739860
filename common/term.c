/* term.c: the external term format, read by shape and bounded by hand.  libei's decoders
 * trust their input's lengths (ei_skip_term can read past a truncated buffer), so every term
 * that arrives is first measured here, tag by tag, against the bytes there are.  The walk is
 * a loop with a count of terms still due, not a recursion: a reply nested a million deep
 * costs no stack.  Format: OTP's erts/emulator/internal_doc, "External Term Format". */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "term.h"

enum {
	NEW_FLOAT = 70, BIT_BINARY = 77, NEW_PID = 88, NEW_PORT = 89, NEWER_REF = 90,
	SMALL_INTEGER = 97, INTEGER = 98, FLOAT = 99, ATOM = 100, REF = 101, PORT = 102, PID = 103,
	SMALL_TUPLE = 104, LARGE_TUPLE = 105, NIL = 106, STRING = 107, LIST = 108, BINARY = 109,
	SMALL_BIG = 110, LARGE_BIG = 111, NEW_FUN = 112, EXPORT = 113, NEW_REF = 114,
	SMALL_ATOM = 115, MAP = 116, ATOM_UTF8 = 118, SMALL_ATOM_UTF8 = 119, V4_PORT = 120,
};

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The bytes an atom at b[i] takes (tag included), or 0 when it is not an atom or not whole. */
static uint64_t atom_size(const unsigned char *b, uint64_t len, uint64_t i)
{
	if (i + 2 > len)
		return 0;
	switch (b[i]) {
	case SMALL_ATOM:
	case SMALL_ATOM_UTF8:
		return i + 2 + b[i + 1] <= len ? 2 + (uint64_t)b[i + 1] : 0;
	case ATOM:
	case ATOM_UTF8:
		return i + 3 <= len && i + 3 + get16(b + i + 1) <= len ? 3 + (uint64_t)get16(b + i + 1) : 0;
	}
	return 0;
}

/* One step of the walk at b[i]: *next is where the following term starts, *more how many
 * terms this one holds that follow it.  0, or -1 for an unknown tag or too few bytes. */
static int step(const unsigned char *b, uint64_t len, uint64_t i, uint64_t *next, uint64_t *more)
{
	/* After the tag: a fixed part, then, for some, bytes or terms counted in it. */
	uint64_t at = i + 1, a;

	*more = 0;
#define NEED(n) do { if (at + (n) > len) return -1; } while (0)
	switch (b[i]) {
	case SMALL_INTEGER: NEED(1); at += 1; break;
	case INTEGER: NEED(4); at += 4; break;
	case NEW_FLOAT: NEED(8); at += 8; break;
	case FLOAT: NEED(31); at += 31; break;
	case NIL: break;
	case ATOM: case ATOM_UTF8: case SMALL_ATOM: case SMALL_ATOM_UTF8:
		if (!(a = atom_size(b, len, i)))
			return -1;
		at = i + a;
		break;
	case STRING: NEED(2); at += 2 + (uint64_t)get16(b + at); break;
	case BINARY: NEED(4); at += 4 + (uint64_t)get32(b + at); break;
	case BIT_BINARY: NEED(5); at += 5 + (uint64_t)get32(b + at); break;
	case SMALL_BIG: NEED(2); at += 2 + (uint64_t)b[at]; break;
	case LARGE_BIG: NEED(5); at += 5 + (uint64_t)get32(b + at); break;
	case NEW_FUN: NEED(4); a = get32(b + at); if (a < 4) return -1; at += a; break;
	case SMALL_TUPLE: NEED(1); *more = b[at]; at += 1; break;
	case LARGE_TUPLE: NEED(4); *more = get32(b + at); at += 4; break;
	case LIST: NEED(4); *more = (uint64_t)get32(b + at) + 1; at += 4; break; /* and the tail */
	case MAP: NEED(4); *more = 2 * (uint64_t)get32(b + at); at += 4; break;
	case EXPORT: *more = 3; break; /* module, function, arity */
	case PID: case NEW_PID: case PORT: case NEW_PORT: case V4_PORT: case REF: {
		/* The node's name, an atom, then numbers: a pid 4+4+1 (4+4+4 new), a port 4+1,
		 * 4+4 new, 8+4 v4, an old ref 4+1. */
		static const unsigned char fixed[128] = { [PID] = 9, [NEW_PID] = 12, [PORT] = 5,
							  [NEW_PORT] = 8, [V4_PORT] = 12, [REF] = 5 };
		if (!(a = atom_size(b, len, at)))
			return -1;
		at += a;
		NEED(fixed[b[i]]);
		at += fixed[b[i]];
		break;
	}
	case NEW_REF: case NEWER_REF: {
		NEED(2);
		uint64_t ids = get16(b + at);
		at += 2;
		if (!(a = atom_size(b, len, at)))
			return -1;
		at += a + (b[i] == NEW_REF ? 1 : 4) + 4 * ids;
		break;
	}
	default:
		return -1;
	}
#undef NEED
	if (at > len)
		return -1;
	*next = at;
	return 0;
}

int term_at(const char *buf, int len, int i, struct term *t)
{
	const unsigned char *b = (const unsigned char *)buf;
	uint64_t at = (uint64_t)i, due = 1, more;

	if (i < 0 || len < 0)
		return -1;
	while (due > 0) {
		if (at >= (uint64_t)len || step(b, (uint64_t)len, at, &at, &more) < 0)
			return -1;
		due = due - 1 + more;
		/* Every term takes a byte at least: more than there are left cannot be whole. */
		if (due > (uint64_t)len - at)
			return -1;
	}
	t->buf = buf;
	t->start = i;
	t->end = (int)at;
	return 0;
}

bool term_is_atom(const struct term *t, const char *name)
{
	const unsigned char *b = (const unsigned char *)t->buf + t->start;
	uint64_t size = atom_size((const unsigned char *)t->buf, (uint64_t)t->end, (uint64_t)t->start);
	size_t n = strlen(name);

	if (!size)
		return false;
	size_t head = (b[0] == SMALL_ATOM || b[0] == SMALL_ATOM_UTF8) ? 2 : 3;
	return size - head == n && !memcmp(b + head, name, n);
}

int term_tuple(const struct term *t, int arity, struct term *elems)
{
	const unsigned char *b = (const unsigned char *)t->buf;
	int i = t->start;
	int64_t n;

	if (t->end - i >= 2 && b[i] == SMALL_TUPLE) {
		n = b[i + 1];
		i += 2;
	} else if (t->end - i >= 5 && b[i] == LARGE_TUPLE) {
		n = get32(b + i + 1);
		i += 5;
	} else {
		return -1;
	}
	if (n != arity)
		return -1;
	for (int k = 0; k < arity; k++) {
		if (term_at(t->buf, t->end, i, &elems[k]) < 0)
			return -1;
		i = elems[k].end;
	}
	return 0;
}

int term_tagged(const struct term *t, const char *tag, int arity, struct term *elems)
{
	if (arity < 1 || term_tuple(t, arity, elems) < 0 || !term_is_atom(&elems[0], tag))
		return -1;
	return 0;
}

int term_list_head(const struct term *t, struct term *head)
{
	const unsigned char *b = (const unsigned char *)t->buf + t->start;

	if (t->end - t->start < 5 || b[0] != LIST || get32(b + 1) == 0)
		return -1;
	return term_at(t->buf, t->end, t->start + 5, head);
}

int term_binary(const struct term *t, const char **bytes, size_t *len)
{
	const unsigned char *b = (const unsigned char *)t->buf + t->start;

	if (t->end - t->start < 5 || b[0] != BINARY)
		return -1;
	*len = get32(b + 1);
	*bytes = (const char *)b + 5;
	return 0;
}

int term_append(ei_x_buff *x, const struct term *t)
{
	return ei_x_append_buf(x, t->buf + t->start, t->end - t->start);
}

/* The code point of the UTF-8 sequence at s, with *n its length; -1 when it is not one. */
static long utf8_next(const unsigned char *s, int *n)
{
	static const long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	long cp;
	int len;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07;
	} else {
		return -1;
	}
	for (int k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80) /* also stops at the NUL */
			return -1;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*n = len;
	return cp;
}

int term_encode_utf8(ei_x_buff *x, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t bytes = strlen(text);
	bool ascii = true;

	for (size_t k = 0; k < bytes && ascii; k++)
		ascii = s[k] < 0x80;
	/* A byte string is STRING_EXT up to 65535 bytes: ei_x_encode_string's own choice. */
	if (ascii)
		return ei_x_encode_string(x, text);
	for (int pass = 0; pass < 2; pass++) {
		long count = 0;
		for (size_t k = 0; k < bytes;) {
			int n;
			long cp = utf8_next(s + k, &n);
			if (cp < 0)
				return -1;
			if (pass == 1 && ei_x_encode_long(x, cp) < 0)
				return -1;
			k += (size_t)n;
			count++;
		}
		/* First count the code points for the list's header, then write them. */
		if (pass == 0 && ei_x_encode_list_header(x, count) < 0)
			return -1;
	}
	return ei_x_encode_empty_list(x);
}

struct splitter {
	ei_x_buff part;
	const struct term *start; /* first token of the part, NULL when it is empty */
	int ntokens;
};

static int emit(struct splitter *s, const struct term *last, bool add_dot,
		int (*fn)(void *, const ei_x_buff *), void *arg)
{
	struct term span = { s->start->buf, s->start->start, last->end };
	int rc;

	ei_x_free(&s->part);
	if (ei_x_new(&s->part) < 0 || ei_x_encode_list_header(&s->part, s->ntokens + add_dot) < 0 ||
	    term_append(&s->part, &span) < 0)
		return -1;
	if (add_dot && (ei_x_encode_tuple_header(&s->part, 2) < 0 || ei_x_encode_atom(&s->part, "dot") < 0 ||
			ei_x_encode_long(&s->part, 1) < 0))
		return -1;
	if (ei_x_encode_empty_list(&s->part) < 0)
		return -1;
	rc = fn(arg, &s->part);
	s->start = NULL;
	s->ntokens = 0;
	return rc;
}

int term_split_tokens(const struct term *t, int (*fn)(void *arg, const ei_x_buff *tokens), void *arg)
{
	const unsigned char *b = (const unsigned char *)t->buf;
	struct splitter s = { .start = NULL };
	struct term tok, first, elem[1];
	uint32_t n;
	int i = t->start, parts = 0, rc = -1;

	if (t->end - i >= 1 && b[i] == NIL)
		return 0;
	if (t->end - i < 5 || b[i] != LIST)
		return -1;
	n = get32(b + i + 1);
	i += 5;
	if (ei_x_new(&s.part) < 0)
		return -1;
	for (uint32_t k = 0; k < n; k++, i = tok.end) {
		const unsigned char *tb;
		if (term_at(t->buf, t->end, i, &tok) < 0)
			goto out;
		tb = b + tok.start;
		/* A token is a tuple whose first element is its category. */
		if (!(tb[0] == SMALL_TUPLE && tb[1] >= 1) || term_at(t->buf, tok.end, tok.start + 2, elem) < 0)
			goto out;
		if (!s.start) {
			first = tok;
			s.start = &first;
		}
		s.ntokens++;
		if (term_is_atom(elem, "dot")) {
			if (emit(&s, &tok, false, fn, arg) < 0)
				goto out;
			parts++;
		}
	}
	if (i >= t->end || b[i] != NIL) /* a proper list */
		goto out;
	if (s.start) {
		if (emit(&s, &tok, true, fn, arg) < 0)
			goto out;
		parts++;
	}
	rc = parts;
out:
	ei_x_free(&s.part);
	return rc;
}

int term_pid(const struct term *t, struct term_pid *pid)
{
	const unsigned char *b = (const unsigned char *)t->buf;
	uint64_t len = (uint64_t)t->end, at = (uint64_t)t->start, a;

	if (at >= len || (b[at] != PID && b[at] != NEW_PID))
		return -1;
	bool wide = b[at] == NEW_PID;
	if (!(a = atom_size(b, len, at + 1)))
		return -1;
	unsigned head = (b[at + 1] == SMALL_ATOM || b[at + 1] == SMALL_ATOM_UTF8) ? 2 : 3;
	pid->node = (const char *)b + at + 1 + head;
	pid->node_len = (size_t)(a - head);
	at += 1 + a;
	if (at + (wide ? 12 : 9) > len)
		return -1;
	pid->num = get32(b + at);
	pid->serial = get32(b + at + 4);
	pid->creation = wide ? get32(b + at + 8) : b[at + 8];
	return 0;
}
