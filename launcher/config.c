/* config.c: finds the config.ini Kazoo would read here.
 * Only looks: never reads the files' contents, and never falls back to a default file when
 * the one asked for ($KAZOO_CONFIG, -c) is missing or unreadable. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "config.h"
#include "die.h"
#include "fmt.h"

/* Kazoo's own search order when KAZOO_CONFIG is not set. */
static const char *const default_inis[] = {
	"/etc/kazoo/config.ini",
	"/etc/kazoo/core/config.ini",
};

static int out_of_memory(struct kz_err *err)
{
	return kz_err_set(err, KZ_EXIT_FAIL, "config: out of memory");
}

/* Opens `path` to prove it can be read.  O_NONBLOCK so a FIFO without a writer cannot hang
 * the launcher here; a directory opens fine read-only, so it is refused by name.
 * Returns 0, or -1 with errno set. */
static int try_open(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int saved = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		saved = errno;
	else if (S_ISDIR(st.st_mode))
		saved = EISDIR;
	close(fd); /* opened read-only and never read: a failing close loses nothing */
	errno = saved;
	return saved ? -1 : 0;
}

/* A config.ini the caller may not read is a permission it lacks (77: root's alone, as on a
 * Kazoo host, and the caller holds at most the helper's rights), not a mistake in it (78). */
static int unreadable_status(void)
{
	return errno == EACCES ? EX_NOPERM : EX_CONFIG;
}

/* The default files: a missing one is skipped, anything else wrong with one (EACCES, EISDIR)
 * is an error rather than a silent step to the next file or to the default cookie. */
static int locate_default(struct config_paths *out, struct kz_err *err)
{
	for (size_t i = 0; i < COUNT(default_inis); i++) {
		if (try_open(default_inis[i]) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return kz_err_errno(err, unreadable_status(), "%s", default_inis[i]);
		}
		out->ini = strdup(default_inis[i]);
		return out->ini ? 0 : out_of_memory(err);
	}
	return 0;
}

/* The folder kzlaunch was started in, before the launch moves to the release root. */
static int absolute(struct config_paths *out, struct kz_err *err)
{
	char *cwd;

	if (!out->ini)
		return 0;
	if (out->ini[0] == '/')
		return (out->ini_abs = strdup(out->ini)) ? 0 : out_of_memory(err);
	if (!(cwd = getcwd(NULL, 0)))
		return kz_err_errno(err, EX_CONFIG, "%s: the current folder, to make it absolute", out->ini);
	out->ini_abs = fmt_new("%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", out->ini);
	free(cwd);
	return out->ini_abs ? 0 : out_of_memory(err);
}

int config_locate(const char *kazoo_config, struct config_paths *out, struct kz_err *err)
{
	out->ini = NULL;
	out->ini_abs = NULL;
	if (kazoo_config) {
		/* Set but empty is a mistake to report, never a reason to fall back to the defaults. */
		if (!*kazoo_config)
			return kz_err_set(err, EX_CONFIG, "KAZOO_CONFIG is set but empty (or -c was given an empty path)");
		if (try_open(kazoo_config) < 0)
			return kz_err_errno(err, unreadable_status(), "%s", kazoo_config);
		out->ini = strdup(kazoo_config);
		if (!out->ini)
			return out_of_memory(err);
	} else if (locate_default(out, err) < 0) {
		return -1;
	}
	return absolute(out, err);
}

void config_paths_free(struct config_paths *paths)
{
	free(paths->ini);
	free(paths->ini_abs);
	paths->ini = NULL;
	paths->ini_abs = NULL;
}
