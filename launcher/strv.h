/* strv.h: a growable, NULL-terminated vector of strings it owns (argv, envp, token lists). */
#ifndef KZ_STRV_H
#define KZ_STRV_H

#include <stddef.h>

struct strv {
	char **v; /* NULL-terminated; NULL while empty */
	size_t n, cap;
};

/* Each returns 0, or -1 with errno set (ENOMEM) and the vector unchanged. */
int strv_add(struct strv *s, const char *str);
int strv_addn(struct strv *s, const char *str, size_t len);
int strv_addf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_free(struct strv *s);

#endif
