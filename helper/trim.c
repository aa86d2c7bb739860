/* trim.c: setup (NSS lookups, libcap, libseccomp, syslog) touches far more of libc than the
 * poll loop ever runs, and every touched page of code counts in the helper's RSS for the
 * node's whole life.  Dropping the mappings of executable, unwritten file pages costs nothing:
 * they are re-read from the page cache when next run.  Never touches a writable mapping. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trim.h"

#define MAPS_MAX (64 * 1024)

/* "start-end perms offset dev inode path": executable, not writable, backed by a file. */
static void note_line(struct trim *t, const char *line)
{
	unsigned long start, end;
	char perms[5];
	int path_at = 0;

	if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) != 3 || !path_at)
		return;
	if (perms[0] != 'r' || perms[1] != '-' || perms[2] != 'x' || line[path_at] != '/')
		return;
	if (t->n < TRIM_MAX_RANGES)
		t->r[t->n++] = (struct trim_range){ start, end };
}

void trim_collect(struct trim *t)
{
	static char buf[MAPS_MAX];
	size_t len = 0;
	ssize_t got;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	t->n = 0;
	if (fd < 0)
		return;
	while (len < sizeof buf - 1 && (got = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	if (len == sizeof buf - 1)
		return; /* cut short: better to trim nothing than half a line */
	buf[len] = '\0';
	for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		note_line(t, line);
	}
}

void trim_release(const struct trim *t)
{
	for (size_t i = 0; i < t->n; i++)
		madvise((void *)t->r[i].start, t->r[i].end - t->r[i].start, MADV_DONTNEED);
}
