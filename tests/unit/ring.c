/* tests/unit/ring.c: ring_append and ring_spans, one table row per sequence of appends.
 * After every append the two spans must join to exactly the last bytes appended; touches
 * no file and no other state. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "../tap.h"
#include "ring.h"

struct row {
	const char *name;
	size_t sizes[4]; /* one round of appends, repeated `rounds` times */
	unsigned nsizes;
	unsigned rounds;
};

static const struct row rows[] = {
	{ "0 bytes", { 0 }, 1, 1 },
	{ "1 byte", { 1 }, 1, 1 },
	{ "RING_SIZE-1 bytes", { RING_SIZE - 1 }, 1, 1 },
	{ "RING_SIZE bytes", { RING_SIZE }, 1, 1 },
	{ "RING_SIZE+1 bytes", { RING_SIZE + 1 }, 1, 1 },
	{ "3*RING_SIZE bytes", { 3 * RING_SIZE }, 1, 1 },
	{ "RING_SIZE-1 then 2: wraps by one", { RING_SIZE - 1, 2 }, 2, 1 },
	{ "RING_SIZE then 1: head at 0 then 1", { RING_SIZE, 1 }, 2, 1 },
	{ "halves fill it exactly, then one more", { RING_SIZE / 2, RING_SIZE / 2, 1 }, 3, 1 },
	{ "0 bytes after a wrap", { RING_SIZE + 3, 0 }, 2, 1 },
	{ "partial, then more than the ring", { 100, 3 * RING_SIZE + 17 }, 2, 1 },
	{ "partial, then exactly the ring", { 5, RING_SIZE }, 2, 1 },
	{ "1-byte appends across the wrap", { 1 }, 1, RING_SIZE + 5 },
	{ "7-byte appends, three times around", { 7 }, 1, 3 * RING_SIZE / 7 + 3 },
	{ "mixed sizes across several wraps", { 1, 4093, RING_SIZE - 2, 61 }, 4, 5 },
};

/* The test stream: byte i of everything appended, with no short period to hide an offset. */
static unsigned char stream_byte(size_t i)
{
	return (unsigned char)(((unsigned long long)i * 2654435761u) >> 13);
}

/* The ring against the last bytes of stream[0..total).  The bookkeeping is checked every
 * time; the bytes only when `full`, so rows of 65,000 tiny appends stay fast under ASan. */
static int check(const struct ring *r, const unsigned char *stream, size_t total, int full)
{
	const unsigned char *a, *b;
	size_t alen, blen, want = total < RING_SIZE ? total : RING_SIZE;
	const unsigned char *tail = stream + total - want;

	ring_spans(r, &a, &alen, &b, &blen);
	if (r->used != want || r->head >= RING_SIZE || alen + blen != want) {
		tap_diag("used %zu, head %zu, spans %zu+%zu, want %zu", r->used, r->head, alen, blen, want);
		return 0;
	}
	if (a < r->buf || a + alen > r->buf + RING_SIZE || (blen && b != r->buf)) {
		tap_diag("a span points outside the buffer");
		return 0;
	}
	if (!full)
		return 1;
	if ((alen && memcmp(a, tail, alen)) || (blen && memcmp(b, tail + alen, blen))) {
		tap_diag("bytes differ from the last %zu appended", want);
		return 0;
	}
	return 1;
}

static size_t row_total(const struct row *row)
{
	size_t total = 0;

	for (unsigned i = 0; i < row->nsizes; i++)
		total += row->sizes[i];
	return total * row->rounds;
}

static void run_row(const struct row *row, struct ring *r, unsigned char *stream)
{
	size_t total = 0, step = 0, last = (size_t)row->rounds * row->nsizes;
	int pass = 1;

	memset(r, 0, sizeof *r);
	for (unsigned round = 0; round < row->rounds && pass; round++) {
		for (unsigned i = 0; i < row->nsizes && pass; i++) {
			size_t n = row->sizes[i];
			/* A 0-byte append may pass NULL: the ring must not touch it. */
			ring_append(r, n ? stream + total : NULL, n);
			total += n;
			step++;
			/* Bytes in full: near the wrap point, every 509th append, and at the end. */
			int full = r->head < 8 || r->head > RING_SIZE - 8 || step % 509 == 0 || step == last;
			pass = check(r, stream, total, full);
		}
	}
	tap_ok(pass, "%s", row->name);
}

int main(void)
{
	size_t max = 0;
	unsigned char *stream;
	struct ring *r = malloc(sizeof *r);

	for (size_t i = 0; i < COUNT(rows); i++)
		if (row_total(&rows[i]) > max)
			max = row_total(&rows[i]);
	stream = malloc(max + 1);
	if (!r || !stream) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	for (size_t i = 0; i <= max; i++)
		stream[i] = stream_byte(i);

	tap_plan(COUNT(rows));
	for (size_t i = 0; i < COUNT(rows); i++)
		run_row(&rows[i], r, stream);
	free(stream);
	free(r);
	return tap_done();
}
