/* ring.h: the last RING_SIZE bytes of console output, replayed to a client on attach. */
#ifndef KZ_RING_H
#define KZ_RING_H

#include <stddef.h>

#define RING_SIZE (64 * 1024)

struct ring {
	unsigned char buf[RING_SIZE];
	size_t head;   /* where the next byte goes */
	size_t used;   /* <= RING_SIZE */
};

void ring_append(struct ring *r, const void *data, size_t len);

/* The held bytes, oldest first, as up to two spans: (a, alen), then (b, blen). */
void ring_spans(const struct ring *r, const unsigned char **a, size_t *alen,
		const unsigned char **b, size_t *blen);

#endif
