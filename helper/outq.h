/* outq.h: the bounded queue of frames toward one client.  What does not fit is dropped and
 * counted, never waited for; it holds bytes and never touches a socket. */
#ifndef KZ_OUTQ_H
#define KZ_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OUTQ_MAX (256 * 1024)     /* bytes of frames toward one client */
#define OUTQ_CONTROL_RESERVE 64   /* queue bytes console output leaves to EXIT, STOPPING */

struct outq {
	uint8_t *buf;      /* buf[off..len) is still to be sent */
	size_t off, len, cap;
	unsigned long long lost; /* console bytes not queued since the last LOST frame */
};

/* Queues one frame; false when it does not fit (the caller decides what is lost).  Console
 * output (OUTPUT, LOST) leaves the last OUTQ_CONTROL_RESERVE bytes free. */
bool outq_frame(struct outq *q, uint8_t type, const void *payload, uint16_t len);

/* Console bytes, cut into OUTPUT frames.  What does not fit is counted, and the count is
 * queued first (a LOST frame) once the client has caught up with half its queue. */
void outq_output(struct outq *q, const uint8_t *buf, size_t len);

/* Bytes waiting to be sent, from outq_head(). */
size_t outq_pending(const struct outq *q);
const uint8_t *outq_head(const struct outq *q);
/* n bytes of the head were sent. */
void outq_sent(struct outq *q, size_t n);

void outq_free(struct outq *q);

#endif
