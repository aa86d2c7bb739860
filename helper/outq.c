/* outq.c: one client's queue of frames: grown by doubling up to OUTQ_MAX, sent bytes moved
 * out only when room is needed.  It never blocks, never sends, and never exceeds its bound. */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "outq.h"
#include "proto.h"

bool outq_frame(struct outq *q, uint8_t type, const void *payload, uint16_t len)
{
	size_t need = q->len + PROTO_HEADER + len;
	size_t limit = type == PROTO_OUTPUT || type == PROTO_LOST ? OUTQ_MAX - OUTQ_CONTROL_RESERVE : OUTQ_MAX;

	if (need > limit && q->off > 0) {
		/* What was sent is dropped from the front only when room is needed: one move per
		 * fill, not one per send. */
		memmove(q->buf, q->buf + q->off, q->len - q->off);
		q->len -= q->off;
		q->off = 0;
		need = q->len + PROTO_HEADER + len;
	}
	if (need > limit)
		return false;
	if (need > q->cap) {
		size_t cap = q->cap ? q->cap : 16384;
		while (cap < need)
			cap *= 2;
		if (cap > OUTQ_MAX)
			cap = OUTQ_MAX;
		uint8_t *buf = realloc(q->buf, cap);
		if (!buf)
			return false;
		q->buf = buf;
		q->cap = cap;
	}
	proto_header(q->buf + q->len, type, len);
	if (len)
		memcpy(q->buf + q->len + PROTO_HEADER, payload, len);
	q->len = need;
	return true;
}

void outq_output(struct outq *q, const uint8_t *buf, size_t len)
{
	if (q->lost) {
		if (q->len - q->off > OUTQ_MAX / 2) {
			q->lost += len;
			return;
		}
		uint8_t n[MSG_LOST_LEN];
		if (!outq_frame(q, PROTO_LOST, n, msg_lost_encode(q->lost, n))) {
			q->lost += len;
			return;
		}
		q->lost = 0;
	}
	while (len > 0) {
		uint16_t chunk = len > PROTO_MAX_PAYLOAD ? PROTO_MAX_PAYLOAD : (uint16_t)len;
		if (!outq_frame(q, PROTO_OUTPUT, buf, chunk)) {
			q->lost += len;
			return;
		}
		buf += chunk;
		len -= chunk;
	}
}

size_t outq_pending(const struct outq *q)
{
	return q->len - q->off;
}

const uint8_t *outq_head(const struct outq *q)
{
	return q->buf + q->off;
}

void outq_sent(struct outq *q, size_t n)
{
	q->off += n;
	if (q->off == q->len)
		q->off = q->len = 0;
}

void outq_free(struct outq *q)
{
	free(q->buf);
	memset(q, 0, sizeof *q);
}
