/* escape.c: the rule of escape.h.  Never prints, never exits; escape_buf allocates nothing,
 * so a forked child may call it. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"

bool escape_byte_needed(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

bool escape_needed(const char *s)
{
	for (; *s; s++)
		if (escape_byte_needed((unsigned char)*s))
			return true;
	return false;
}

size_t escape_byte(unsigned char c, char out[static 5])
{
	static const char hex[] = "0123456789abcdef";

	if (!escape_byte_needed(c)) {
		out[0] = (char)c;
		out[1] = '\0';
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 0xf];
	out[4] = '\0';
	return 4;
}

size_t escape_buf(char *out, size_t size, const char *s)
{
	size_t n = 0;
	char one[5];

	for (; *s; s++) {
		size_t len = escape_byte((unsigned char)*s, one);
		if (len >= size - n)
			break;
		memcpy(out + n, one, len);
		n += len;
	}
	out[n] = '\0';
	return n;
}

char *escape_dup(const char *s)
{
	size_t len = strlen(s), extra = 0;
	char *out;

	for (const char *c = s; *c; c++)
		extra += escape_byte_needed((unsigned char)*c) ? 3 : 0;
	out = malloc(len + extra + 1);
	if (out)
		escape_buf(out, len + extra + 1, s);
	return out;
}
