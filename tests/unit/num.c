/* tests/unit/num.c: the one number reader (common/num.c), one row per case. */
#include <limits.h>

#include "array.h"
#include "../tap.h"
#include "num.h"

struct num_case {
	const char *name;
	const char *in;
	unsigned long long lo, hi;
	bool ok;
	unsigned long long want;
};

static const struct num_case rows[] = {
	{ "a plain number", "120", 0, 86400, true, 120 },
	{ "zero when allowed", "0", 0, 10, true, 0 },
	{ "the lower bound", "3", 3, 65535, true, 3 },
	{ "the upper bound", "65535", 1, 65535, true, 65535 },
	{ "below the range", "2", 3, 65535, false, 0 },
	{ "above the range", "65536", 1, 65535, false, 0 },
	{ "empty", "", 0, 10, false, 0 },
	{ "a plus sign", "+5", 0, 10, false, 0 },
	{ "a minus sign", "-1", 0, 10, false, 0 },
	{ "leading space", " 5", 0, 10, false, 0 },
	{ "trailing letters", "5s", 0, 10, false, 0 },
	{ "a hex prefix", "0x5", 0, 10, false, 0 },
	{ "leading zeros are digits", "007", 0, 10, true, 7 },
	{ "2^64 is out of range, never wrapped to 0", "18446744073709551616", 0, 86400, false, 0 },
	{ "2^64 + 5 is not 5", "18446744073709551621", 0, 86400, false, 0 },
	{ "far past it", "99999999999999999999999999", 0, 65535, false, 0 },
	{ "a non-digit after an overflow", "99999999999999999999999x", 0, 65535, false, 0 },
};

int main(void)
{
	tap_plan((unsigned)COUNT(rows) + 4);
	for (size_t i = 0; i < COUNT(rows); i++) {
		const struct num_case *r = &rows[i];
		unsigned long long v = 12345;
		bool ok = num_parse(r->in, r->lo, r->hi, &v);
		tap_ok(ok == r->ok && (ok ? v == r->want : v == 12345), "%s", r->name);
	}
	unsigned long long v = 0;
	tap_ok(num_digits("4369x", 4, &v) == 0 && v == 4369, "num_digits reads only len bytes");
	tap_ok(num_digits("12", 0, &v) < 0, "num_digits refuses no bytes");
	tap_ok(num_digits("18446744073709551615", 20, &v) == 0 && v == ULLONG_MAX, "ULLONG_MAX itself");
	tap_ok(num_digits("18446744073709551616", 20, &v) == 0 && v == ULLONG_MAX, "past ULLONG_MAX reads as ULLONG_MAX");
	return tap_done();
}
