/* fixture.h: the unit tests' table texts made into files (header only, like tap.h).
 * A row's text may hold "{NUL}" for a NUL byte and "{N*c}" for N copies of c, so long lines
 * and odd bytes fit in a table; words such as PATH are replaced by the test's own paths. */
#ifndef KZ_FIXTURE_H
#define KZ_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The expanded text, malloc'd; its length (NULs included) in *len when len is not NULL. */
static inline char *fixture_expand(const char *tpl, size_t *len)
{
	char *out = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&out, &size);

	if (!m)
		abort();
	while (*tpl) {
		unsigned n;
		char c;
		int used;

		if (!strncmp(tpl, "{NUL}", 5)) {
			fputc('\0', m);
			tpl += 5;
		} else if (sscanf(tpl, "{%u*%c}%n", &n, &c, &used) == 2 && used > 0) {
			while (n--)
				fputc(c, m);
			tpl += used;
		} else {
			fputc(*tpl++, m);
		}
	}
	if (fclose(m) != 0)
		abort();
	if (len)
		*len = size;
	return out;
}

/* `text` with every `word` replaced by `by`, malloc'd. */
static inline char *fixture_replace(const char *text, const char *word, const char *by)
{
	char *out = NULL;
	size_t size = 0, wlen = strlen(word);
	FILE *m = open_memstream(&out, &size);

	if (!m)
		abort();
	for (const char *p = text; *p;) {
		if (!strncmp(p, word, wlen)) {
			fputs(by, m);
			p += wlen;
		} else {
			fputc(*p++, m);
		}
	}
	if (fclose(m) != 0)
		abort();
	return out;
}

/* Writes the file or ends the test run: a fixture that cannot be made proves nothing. */
static inline void fixture_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "we");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(255);
	}
}

#endif
