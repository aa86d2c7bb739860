/* progress.h: `start`'s one line on a terminal while the boot goes on: the time since it
 * began and what the helper says it waits for, rewritten in place and cleared when done.
 * Nothing at all when stdout is not a terminal, so scripts and logs stay clean. */
#ifndef KZ_PROGRESS_H
#define KZ_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "handoff.h"

struct progress {
	bool on;                        /* stdout is a terminal */
	const char *node;
	long since_ms;                  /* fd_now_ms() at the start */
	char what[HANDOFF_READY_LINE_MAX]; /* as shown (escape.h's rule); empty until the helper says */
};

void progress_begin(struct progress *p, const char *node);
/* What the helper waits for now (text as it came, len bytes), shown at once. */
void progress_waiting(struct progress *p, const char *text, size_t len);
/* The line again, with the time now: every PROGRESS_TICK_MS while nothing else comes. */
void progress_tick(struct progress *p);
/* How long poll may wait before the next tick: -1 when there is no line to keep. */
int progress_next_ms(const struct progress *p);
/* Clears the line, so what is printed next starts on a clean one. */
void progress_end(struct progress *p);

#define PROGRESS_TICK_MS 1000

#endif
