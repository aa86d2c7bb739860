/* tap.h: a small TAP writer for the unit tests (header only).
 * plan, ok, is/is_int, skip, diag; the exit status is the number of failures (max 254). */
#ifndef KZ_TAP_H
#define KZ_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_run, tap_failed, tap_planned;

static inline void tap_plan(unsigned n)
{
	tap_planned = n;
	printf("1..%u\n", n);
	fflush(stdout);
}

static inline void tap_vdiag(const char *fmt, va_list ap)
{
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
}

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static inline int tap_ok(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int tap_ok(int pass, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!pass)
		tap_failed++;
	printf("%sok %u - ", pass ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return pass;
}

/* String equality; NULL equals only NULL.  Shows both on failure. */
#define tap_is(got, want, ...)                                                              \
	do {                                                                                \
		const char *tap_g_ = (got), *tap_w_ = (want);                               \
		int tap_p_ = (!tap_g_ && !tap_w_) || (tap_g_ && tap_w_ && !strcmp(tap_g_, tap_w_)); \
		if (!tap_ok(tap_p_, __VA_ARGS__))                                           \
			tap_diag("got '%s', want '%s'", tap_g_ ? tap_g_ : "(null)",        \
				 tap_w_ ? tap_w_ : "(null)");                               \
	} while (0)

#define tap_is_int(got, want, ...)                                                          \
	do {                                                                                \
		long long tap_g_ = (got), tap_w_ = (want);                                  \
		if (!tap_ok(tap_g_ == tap_w_, __VA_ARGS__))                                 \
			tap_diag("got %lld, want %lld", tap_g_, tap_w_);                    \
	} while (0)

static inline void tap_skip(const char *why)
{
	tap_run++;
	printf("ok %u # SKIP %s\n", tap_run, why);
	fflush(stdout);
}

static inline int tap_done(void)
{
	if (tap_planned == 0)
		printf("1..%u\n", tap_run);
	return tap_failed > 254 ? 254 : (int)tap_failed;
}

#endif
