/* progress.c: the line `start` keeps on a terminal. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "fd.h"
#include "progress.h"

void progress_begin(struct progress *p, const char *node)
{
	p->on = isatty(STDOUT_FILENO);
	p->node = node;
	p->since_ms = fd_now_ms();
	p->what[0] = '\0';
	progress_tick(p);
}

void progress_waiting(struct progress *p, const char *text, size_t len)
{
	char raw[HANDOFF_READY_LINE_MAX];

	if (len >= sizeof raw)
		len = sizeof raw - 1;
	memcpy(raw, text, len);
	raw[len] = '\0';
	/* The helper runs as the node's user: what it says is shown, never obeyed. */
	escape_buf(p->what, sizeof p->what, raw);
	progress_tick(p);
}

/* Carriage return and erase-line: the line is rewritten, not added to. */
void progress_tick(struct progress *p)
{
	if (!p->on)
		return;
	printf("\r\033[K%s: %lds: starting%s%s", p->node, (fd_now_ms() - p->since_ms) / 1000,
	       p->what[0] ? ", waiting for " : "", p->what);
	fflush(stdout); /* a terminal that fails to take it loses a progress line, nothing more */
}

int progress_next_ms(const struct progress *p)
{
	return p->on ? PROGRESS_TICK_MS : -1;
}

void progress_end(struct progress *p)
{
	if (!p->on)
		return;
	fputs("\r\033[K", stdout);
	fflush(stdout);
	p->on = false;
}
