/* handoff.c: the cookie memfd and the ready pipe, both ends. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"
#include "handoff.h"
#include "num.h"

int handoff_cookies_write(int fd, const char *const cookies[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fd_write_all(fd, cookies[i], strlen(cookies[i])) < 0 || fd_write_all(fd, "\n", 1) < 0)
			return -1;
	return lseek(fd, 0, SEEK_SET) < 0 ? -1 : 0;
}

size_t handoff_cookies_decode(char *buf, size_t len, char *cookies[], size_t max)
{
	size_t n = 0;
	char *nl;

	buf[len] = '\0';
	for (char *line = buf; n < max && (nl = memchr(line, '\n', len - (size_t)(line - buf))); line = nl + 1) {
		*nl = '\0';
		if (*line)
			cookies[n++] = line;
	}
	return n;
}

size_t handoff_wait_encode(char *out, const char *text)
{
	size_t n = (size_t)snprintf(out, HANDOFF_READY_LINE_MAX, "wait %s", text);

	if (n > HANDOFF_READY_LINE_MAX - 2)
		n = HANDOFF_READY_LINE_MAX - 2;
	for (size_t i = 5; i < n; i++)
		if (out[i] == '\n')
			out[i] = ' ';
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

size_t handoff_up_encode(char *out, uintmax_t dev, uintmax_t ino)
{
	return (size_t)snprintf(out, HANDOFF_READY_LINE_MAX, "up %ju %ju\n", dev, ino);
}

size_t handoff_exit_encode(char *out, int status)
{
	return (size_t)snprintf(out, HANDOFF_READY_LINE_MAX, "exit %d\n", status);
}

/* The next space- or newline-ended number of line[0..len) from *at. */
static bool field(const char *line, size_t len, size_t *at, unsigned long long *v)
{
	size_t start = *at;

	while (*at < len && line[*at] >= '0' && line[*at] <= '9')
		(*at)++;
	return num_digits(line + start, *at - start, v) == 0;
}

static int decode_up(const char *line, size_t len, struct handoff_ready *r)
{
	unsigned long long dev, ino;
	size_t at = 3;

	if (!field(line, len, &at, &dev) || at >= len || line[at++] != ' ' || !field(line, len, &at, &ino) ||
	    at != len)
		return -1;
	*r = (struct handoff_ready){ .kind = HANDOFF_UP, .dev = dev, .ino = ino, .used = len + 1 };
	return 1;
}

static int decode_exit(const char *line, size_t len, const char *rest, size_t rest_len, struct handoff_ready *r)
{
	unsigned long long v;
	size_t at = 5;
	bool negative = at < len && line[at] == '-';

	at += negative;
	if (!field(line, len, &at, &v) || at != len || v > INT32_MAX)
		return -1;
	*r = (struct handoff_ready){ .kind = HANDOFF_EXIT, .status = negative ? -(int)v : (int)v,
				     .output = rest, .output_len = rest_len, .used = len + 1 + rest_len };
	return 1;
}

int handoff_ready_decode(const char *buf, size_t len, bool at_eof, struct handoff_ready *r)
{
	const char *nl = memchr(buf, '\n', len);

	if (!nl)
		return len >= HANDOFF_READY_LINE_MAX || at_eof ? -1 : 0;
	size_t line_len = (size_t)(nl - buf);
	if (line_len >= HANDOFF_READY_LINE_MAX)
		return -1;
	if (line_len >= 5 && !strncmp(buf, "wait ", 5)) {
		*r = (struct handoff_ready){ .kind = HANDOFF_WAIT, .output = buf + 5, .output_len = line_len - 5,
					     .used = line_len + 1 };
		return 1;
	}
	if (line_len > 3 && !strncmp(buf, "up ", 3))
		return decode_up(buf, line_len, r);
	if (line_len > 5 && !strncmp(buf, "exit ", 5))
		return at_eof ? decode_exit(buf, line_len, nl + 1, len - line_len - 1, r) : 0;
	return -1;
}
