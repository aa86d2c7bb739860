/* trim.h: gives back the page-table entries of code the helper ran only while starting. */
#ifndef KZ_TRIM_H
#define KZ_TRIM_H

#include <stddef.h>

struct trim_range {
	unsigned long start, end;
};

#define TRIM_MAX_RANGES 64

struct trim {
	struct trim_range r[TRIM_MAX_RANGES];
	size_t n;
};

/* Notes every executable file mapping (the program and its libraries), from /proc/self/maps.
 * Must run before the sandbox; on any failure it notes nothing. */
void trim_collect(struct trim *t);

/* MADV_DONTNEED on those mappings.  The pages stay in the page cache; only what the loop
 * runs is mapped again, on first use. */
void trim_release(const struct trim *t);

#endif
