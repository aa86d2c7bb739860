/* tests/unit/outq.c: one client's output queue: frames as queued, its bound, the room kept
 * for EXIT and STOPPING, and console output lost and then told. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "outq.h"
#include "proto.h"

/* The frames waiting in q, parsed back: their count, and how many of each interesting type. */
struct seen {
	size_t frames, output, lost, exit;
	unsigned long long output_bytes, lost_told;
	bool bad;
};

static struct seen parse(const struct outq *q)
{
	struct seen s = { 0 };
	const uint8_t *p = outq_head(q);
	size_t left = outq_pending(q);

	while (left > 0) {
		struct proto_frame f;
		long used = proto_parse(p, left, &f);
		if (used <= 0) {
			s.bad = true;
			break;
		}
		s.frames++;
		if (f.type == PROTO_OUTPUT) {
			s.output++;
			s.output_bytes += f.len;
		} else if (f.type == PROTO_LOST && f.len == 8) {
			s.lost++;
			s.lost_told += proto_get64(f.payload);
		} else if (f.type == PROTO_EXIT) {
			s.exit++;
		}
		p += used;
		left -= (size_t)used;
	}
	return s;
}

static uint8_t console[1 << 20];

static void small_output(void)
{
	struct outq q = { 0 };

	outq_output(&q, console, 100);
	struct seen s = parse(&q);
	tap_ok(!s.bad && s.frames == 1 && s.output_bytes == 100, "100 bytes: one OUTPUT frame");
	tap_is_int(outq_pending(&q), PROTO_HEADER + 100, "pending: header and payload");
	outq_free(&q);
}

static void split_output(void)
{
	struct outq q = { 0 };

	outq_output(&q, console, PROTO_MAX_PAYLOAD * 2 + 1);
	struct seen s = parse(&q);
	tap_ok(!s.bad && s.output == 3 && s.output_bytes == PROTO_MAX_PAYLOAD * 2 + 1,
	       "2 payloads and a byte: three OUTPUT frames");
	outq_free(&q);
}

/* A client that never reads: the queue stops short of OUTQ_MAX, keeping the control reserve,
 * and counts what it drops. */
static void bounded(void)
{
	struct outq q = { 0 };

	outq_output(&q, console, sizeof console);
	struct seen s = parse(&q);
	tap_ok(outq_pending(&q) <= OUTQ_MAX - OUTQ_CONTROL_RESERVE, "never past OUTQ_MAX less the reserve (%zu)",
	       outq_pending(&q));
	tap_ok(q.cap <= OUTQ_MAX, "its buffer never past OUTQ_MAX (%zu)", q.cap);
	tap_is_int(s.output_bytes + q.lost, sizeof console, "every byte queued or counted lost");
	tap_ok(q.lost > 0, "some lost (%llu)", q.lost);
	tap_ok(outq_frame(&q, PROTO_EXIT, "\0\0\0\0", 4), "EXIT still fits a full queue");
	tap_ok(parse(&q).exit == 1, "and is queued");
	outq_free(&q);
}

/* What is lost is told in one LOST frame, once the client has caught up with half its queue. */
static void lost_then_told(void)
{
	struct outq q = { 0 };

	outq_output(&q, console, sizeof console);
	unsigned long long lost = q.lost;
	outq_output(&q, console, 10);
	tap_is_int(q.lost, lost + 10, "more output while full: counted, not queued");
	outq_sent(&q, outq_pending(&q) - OUTQ_MAX / 2 - 1); /* still more than half queued */
	outq_output(&q, console, 10);
	tap_is_int(q.lost, lost + 20, "caught up, but not with half: still counted");
	outq_sent(&q, outq_pending(&q));
	tap_is_int(outq_pending(&q), 0, "all sent: empty");
	outq_output(&q, console, 10);
	struct seen s = parse(&q);
	tap_ok(!s.bad && s.lost == 1 && s.lost_told == lost + 20 && s.output_bytes == 10,
	       "caught up: LOST with the count (%llu), then the output", s.lost_told);
	tap_is_int(q.lost, 0, "and the count starts again");
	outq_free(&q);
}

/* Sent bytes are moved out of the front only when room is needed, and the queue goes on. */
static void reuses_room(void)
{
	struct outq q = { 0 };
	unsigned long long queued = 0;

	for (int i = 0; i < 64; i++) {
		outq_output(&q, console, 32768);
		queued += 32768;
		outq_sent(&q, outq_pending(&q) / 2);
	}
	tap_is_int(q.lost, 0, "a client that keeps up with half loses nothing (%llu bytes)", queued);
	tap_ok(q.cap <= OUTQ_MAX, "in a buffer within OUTQ_MAX");
	outq_free(&q);
}

int main(void)
{
	tap_plan(16);
	memset(console, 'x', sizeof console);
	small_output();
	split_output();
	bounded();
	lost_then_told();
	reuses_room();
	return tap_done();
}
