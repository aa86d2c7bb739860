/* Fuzzes what kzlaunch reads of the external term format itself (common/term.c), on the bytes
 * a node's reply could hold: measured first, then read by every shape the calls ask about,
 * then split as a token list.  A copy of exactly the input, so any read past it is ASan's. */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz.h"
#include "term.h"

static int count_part(void *arg, const ei_x_buff *tokens)
{
	struct term t;

	/* Each part is a whole list, as the node will read it. */
	if (term_at(tokens->buff, tokens->index, 0, &t) < 0 || t.end != tokens->index)
		__builtin_trap();
	++*(int *)arg;
	return 0;
}

static void shapes(const struct term *t)
{
	struct term e[4], head;
	const char *bytes;
	size_t len;
	int parts = 0;

	for (int arity = 1; arity <= 4; arity++)
		if (term_tuple(t, arity, e) == 0)
			for (int i = 0; i < arity; i++)
				if (e[i].start < t->start || e[i].end > t->end)
					__builtin_trap();
	if (term_list_head(t, &head) == 0 && (head.start < t->start || head.end > t->end))
		__builtin_trap();
	if (term_binary(t, &bytes, &len) == 0 && (bytes < t->buf + t->start || bytes + len > t->buf + t->end))
		__builtin_trap();
	(void)term_is_atom(t, "rex");
	(void)term_tagged(t, "badrpc", 2, e);
	term_split_tokens(t, count_part, &parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *copy, *text;
	struct term t;
	ei_x_buff x;

	if (len > 65536)
		return 0;
	copy = malloc(len ? len : 1);
	memcpy(copy, data, len);
	for (int at = 0; at < (int)len; at = t.end) {
		if (term_at(copy, (int)len, at, &t) < 0)
			break;
		if (t.end <= at || t.end > (int)len)
			__builtin_trap();
		shapes(&t);
	}
	free(copy);

	/* The same bytes as the text of an argument: UTF-8 or refused, never more. */
	text = malloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';
	if (ei_x_new(&x) == 0) {
		term_encode_utf8(&x, text);
		ei_x_free(&x);
	}
	free(text);
	return 0;
}
