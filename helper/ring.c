/* ring.c: the replay ring, the last RING_SIZE bytes of console output in a fixed buffer.
 * Owns only the copy into and the view out of that buffer; never allocates, never makes a
 * system call, never blocks: it runs for every byte the node writes. */
#define _GNU_SOURCE
#include <string.h>

#include "ring.h"

/* Copies len bytes to the head, wrapping at most once: callers pass len <= RING_SIZE. */
static void put(struct ring *r, const unsigned char *p, size_t len)
{
	size_t first = RING_SIZE - r->head;

	if (first > len)
		first = len;
	memcpy(r->buf + r->head, p, first);
	memcpy(r->buf, p + first, len - first);
	r->head = (r->head + len) % RING_SIZE;
	r->used = r->used + len > RING_SIZE ? RING_SIZE : r->used + len;
}

void ring_append(struct ring *r, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len == 0)
		return; /* data may be NULL then, and memcpy must not see a NULL source */
	/* Only the tail of an oversized chunk could survive anyway: skip the rest unread. */
	if (len > RING_SIZE) {
		p += len - RING_SIZE;
		len = RING_SIZE;
	}
	put(r, p, len);
}

void ring_spans(const struct ring *r, const unsigned char **a, size_t *alen,
		const unsigned char **b, size_t *blen)
{
	/* The oldest byte sits `used` bytes behind the head; head is always < RING_SIZE. */
	size_t start = (r->head + RING_SIZE - r->used) % RING_SIZE;

	*a = r->buf + start;
	if (start + r->used <= RING_SIZE) {
		*alen = r->used;
		*b = r->buf;
		*blen = 0;
	} else {
		*alen = RING_SIZE - start;
		*b = r->buf;
		*blen = r->used - *alen;
	}
}
