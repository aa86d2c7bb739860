/* fuzz.h: what every libFuzzer harness here shares (header only, like tap.h).
 * The parsers under test read files by path and, run as root, refuse a symlink such as
 * /proc/self/fd/N, so an input is written to a regular file of its own in a private folder
 * (0700, the fuzzer's user) and parsed from there, as the programs parse theirs. */
#ifndef KZ_FUZZ_H
#define KZ_FUZZ_H

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir_name[] = "/tmp/kzfuzz.XXXXXX";

static inline int fuzz_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path); /* best effort: a leftover folder in /tmp harms nothing */
	else
		unlink(path);
	return 0;
}

static inline void fuzz_remove_dir(void)
{
	nftw(fuzz_dir_name, fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The private folder, made once per process and removed when it exits. */
static inline const char *fuzz_dir(void)
{
	static int made;

	if (!made) {
		if (!mkdtemp(fuzz_dir_name)) {
			perror("mkdtemp");
			abort();
		}
		atexit(fuzz_remove_dir);
		made = 1;
	}
	return fuzz_dir_name;
}

/* FOLDER/name, malloc'd. */
static inline char *fuzz_path(const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", fuzz_dir(), name) < 0)
		abort();
	return p;
}

/* Replaces FOLDER/name with exactly these bytes (0644). */
static inline void fuzz_put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = data;

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			perror(path);
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* The input as a C string (up to its first NUL), malloc'd. */
static inline char *fuzz_cstr(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#endif
