/* err.h: how code in common/ and the parsers report a failure without exiting.
 * A function fills a struct kz_err and returns -1; main() decides what to do. */
#ifndef KZ_ERR_H
#define KZ_ERR_H

struct kz_err {
	int status; /* the exit status main() should use: EX_CONFIG, EX_NOPERM, ... */
	char *msg;  /* one line, no trailing newline, no program name; NULL when clear */
};

/* Replaces any earlier message.  Always returns -1, so callers can `return kz_err_set(...)`. */
int kz_err_set(struct kz_err *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errno)". */
int kz_err_errno(struct kz_err *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kz_err_clear(struct kz_err *err);

#endif
