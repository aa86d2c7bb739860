/* Fuzzes the console log's rotation state (helper/conlog.c): the input is a list of steps,
 * two bytes each (what, how much), that write, flush, put a folder or a file where a
 * generation goes, or take it away, against a small max_size, so rotation runs often and
 * meets what a node's user may leave in the log folder.  Every byte written must be either
 * in the log or counted as lost. */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/stat.h>

#include "conlog.h"
#include "fuzz.h"

#define REL "node"

static unsigned long long on_disk(const char *dir)
{
	unsigned long long total = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		abort();
	while ((e = readdir(d))) {
		struct stat st;
		char *p = NULL;
		if (strncmp(e->d_name, REL ".log", strlen(REL ".log")) || asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			continue;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			total += (unsigned long long)st.st_size;
		free(p);
	}
	closedir(d);
	return total;
}

static void clear(const char *dir)
{
	for (int g = 0; g < 6; g++) {
		char *p = NULL;
		if (asprintf(&p, "%s/" REL ".log%s%.0d", dir, g ? "." : "", g) < 0)
			abort();
		if (unlink(p) < 0)
			rmdir(p);
		free(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char *dir;
	static char bytes[256];
	struct kz_err err = { 0 };
	unsigned long long written = 0;

	if (!dir) {
		dir = fuzz_path("log");
		if (mkdir(dir, 0700) < 0)
			abort();
		memset(bytes, 'x', sizeof bytes);
	}
	if (len < 2 || len > 512)
		return 0;
	clear(dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct conlog *log = conlog_open(fd, dir, REL, 64 + data[0] * 4, 2 + data[1] % 4, &err);
	if (!log) {
		kz_err_clear(&err);
		return 0;
	}
	for (size_t i = 2; i + 1 < len; i += 2) {
		unsigned what = data[i] % 4, n = data[i + 1];
		char *gen = NULL;
		if (asprintf(&gen, "%s/" REL ".log.%u", dir, 1 + n % 4) < 0)
			abort();
		if (what == 0 || what == 1) {
			conlog_write(log, bytes, n);
			written += n;
		} else if (what == 2) {
			conlog_flush(log);
		} else if (n & 1) {
			mkdir(gen, 0700); /* a folder where a generation goes */
		} else if (rmdir(gen) < 0) {
			unlink(gen);
		}
		free(gen);
	}
	conlog_flush(log);
	unsigned long long dropped = conlog_dropped(log);
	conlog_close(log);
	/* Rotation drops the oldest generation on purpose; what is on disk can only be less. */
	if (on_disk(dir) > written + 4096 || dropped > written)
		__builtin_trap();
	return 0;
}
