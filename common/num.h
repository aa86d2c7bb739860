/* num.h: the one reader of decimal numbers on a command line, in a file or from the kernel.
 * Digits only: no sign, no white space, no base prefix and nothing after them, so "+5", " 5",
 * "0x5" and "5s" are refused, where strtol would take each.  Never prints, never exits. */
#ifndef KZ_NUM_H
#define KZ_NUM_H

#include <stdbool.h>
#include <stddef.h>

/* The first len bytes of s as a number: 0 with *out set, -1 (*out untouched) when len is 0
 * or a byte is not a digit.  Past ULLONG_MAX the value reads as ULLONG_MAX, so that a range
 * check below it refuses an overflow as out of range rather than as not a number. */
int num_digits(const char *s, size_t len, unsigned long long *out);
/* The whole string s as a number from lo to hi (hi below ULLONG_MAX): true with *out set. */
bool num_parse(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out);

#endif
