/* num.c: decimal numbers, digit by digit, so that overflow is seen rather than wrapped. */
#include <limits.h>
#include <string.h>

#include "num.h"

int num_digits(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)((unsigned char)s[i] - '0');
		if (d > 9)
			return -1;
		v = v > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : v * 10 + d;
	}
	*out = v;
	return 0;
}

bool num_parse(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
	unsigned long long v;

	if (num_digits(s, strlen(s), &v) < 0 || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}
