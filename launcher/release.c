/* release.c: reads releases/start_erl.data and checks that every file the VM needs is there,
 * so a broken release is one clear line (exit 78), not an erlexec error. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "fmt.h"
#include "release.h"

#define START_ERL_DATA_MAX 512

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *path_join(const char *a, const char *b, struct kz_err *err)
{
	char *p = NULL;

	if (!(p = fmt_new("%s/%s", a, b))) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s", a, b);
		return NULL;
	}
	return p;
}

static int need_file(const char *path, int mode, struct kz_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", path);
	if (!S_ISREG(st.st_mode))
		return kz_err_set(err, EX_CONFIG, "%s: not a regular file", path);
	if (mode && access(path, mode) < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", path);
	return 0;
}

/* A version is a single path component: it is joined into paths we exec. */
static bool version_is_valid(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n <= 64 && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == n &&
	       strcmp(v, ".") && strcmp(v, "..");
}

static int read_start_erl_data(struct release *rel, struct kz_err *err)
{
	char *path = path_join(rel->root, "releases/start_erl.data", err);
	char buf[START_ERL_DATA_MAX + 1];
	char erts[START_ERL_DATA_MAX + 1], vsn[START_ERL_DATA_MAX + 1];
	ssize_t n;
	int fd, rc = -1;

	if (!path)
		return -1;
	struct stat st;
	fd = fd_open_regular(path, 0, &st);
	if (fd == -2) {
		kz_err_set(err, EX_CONFIG, "%s: not a regular file", path);
		goto out;
	}
	if (fd < 0) {
		kz_err_errno(err, EX_CONFIG, "%s", path);
		goto out;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0) {
		kz_err_errno(err, EX_CONFIG, "%s: read", path);
		goto out;
	}
	if (n > START_ERL_DATA_MAX) {
		kz_err_set(err, EX_CONFIG, "%s: longer than %d bytes", path, START_ERL_DATA_MAX);
		goto out;
	}
	buf[n] = '\0';
	int used = 0;
	if (sscanf(buf, "%512s %512s %n", erts, vsn, &used) != 2 || buf[used] != '\0') {
		kz_err_set(err, EX_CONFIG, "%s: expected \"ERTS_VSN REL_VSN\"", path);
		goto out;
	}
	if (!version_is_valid(erts) || !version_is_valid(vsn)) {
		kz_err_set(err, EX_CONFIG, "%s: a version must be letters, digits, '.', '_', '+' or '-'", path);
		goto out;
	}
	rel->erts_vsn = strdup(erts);
	rel->rel_vsn = strdup(vsn);
	if (!rel->erts_vsn || !rel->rel_vsn)
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
	else
		rc = 0;
out:
	free(path);
	return rc;
}

static const char *default_root(void)
{
	return is_dir("/opt/kazoo/_rel/kazoo") ? "/opt/kazoo/_rel/kazoo" : "/opt/kazoo";
}

/* The release's name is not in start_erl.data: it is the one NAME.rel relx leaves beside the
 * boot files.  NULL when there is not exactly one, or the folder cannot be read. */
static char *release_name(const char *rdir)
{
	DIR *d = opendir(rdir);
	struct dirent *e;
	char *name = NULL;
	int found = 0;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 4 && !strcmp(e->d_name + len - 4, ".rel") && found++ == 0)
			name = strndup(e->d_name, len - 4);
	}
	closedir(d);
	if (found != 1) {
		free(name);
		return NULL;
	}
	return name;
}

/* As relx's script: releases/VSN/RELNAME.boot when there is one, else start.boot. */
static int pick_boot(struct release *rel, const char *rdir, struct kz_err *err)
{
	char *name = release_name(rdir), *boot = NULL;

	if (name)
		boot = fmt_new("%s/%s.boot", rdir, name);
	if (boot && access(boot, F_OK) == 0) {
		boot[strlen(boot) - strlen(".boot")] = '\0'; /* erlexec adds it */
		rel->boot = boot;
	} else {
		free(boot);
		rel->boot = fmt_new("%s/start", rdir);
	}
	free(name);
	return rel->boot ? 0 : kz_err_errno(err, KZ_EXIT_FAIL, "%s", rdir);
}

static int fill_paths(struct release *rel, struct kz_err *err)
{
	char *rdir = NULL, *clean_file = NULL;
	int rc = -1;

	if (!(rel->bindir = fmt_new("%s/erts-%s/bin", rel->root, rel->erts_vsn)) ||
	    !(rel->erlexec = fmt_new("%s/erlexec", rel->bindir)) ||
	    !(rdir = fmt_new("%s/releases/%s", rel->root, rel->rel_vsn)) ||
	    !(rel->boot_clean = fmt_new("%s/start_clean", rdir)) ||
	    !(clean_file = fmt_new("%s/start_clean.boot", rdir)) ||
	    !(rel->vm_args = fmt_new("%s/vm.args", rdir)) ||
	    !(rel->lib = fmt_new("%s/lib", rel->root)) ||
	    !(rel->sys_config = fmt_new("%s/sys.config", rdir))) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", rel->root);
		goto out;
	}
	if (pick_boot(rel, rdir, err) < 0)
		goto out;
	/* Only remote_console needs start_clean; a release without it can still run. */
	if (access(clean_file, R_OK) < 0) {
		free(rel->boot_clean);
		rel->boot_clean = NULL;
	}
	rc = 0;
out:
	free(clean_file);
	free(rdir);
	return rc;
}

static int check_files(const struct release *rel, struct kz_err *err)
{
	char *boot_file = NULL;
	int rc;

	if (!(boot_file = fmt_new("%s.boot", rel->boot)))
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s", rel->boot);
	rc = need_file(rel->erlexec, X_OK, err);
	if (rc == 0)
		rc = need_file(boot_file, R_OK, err);
	free(boot_file);
	return rc;
}

int release_locate(const char *root, struct release *rel, struct kz_err *err)
{
	memset(rel, 0, sizeof *rel);
	if (!root)
		root = default_root();
	rel->root = realpath(root, NULL);
	if (!rel->root)
		return kz_err_errno(err, EX_CONFIG, "release root %s", root);
	if (!is_dir(rel->root))
		return kz_err_set(err, EX_CONFIG, "release root %s: not a folder", root);
	if (read_start_erl_data(rel, err) < 0 || fill_paths(rel, err) < 0)
		return -1;
	return check_files(rel, err);
}

bool release_has_module(const struct release *rel, const char *module)
{
	char *pattern = NULL;
	glob_t g;
	bool found;

	if (!(pattern = fmt_new("%s/lib/*/ebin/%s.beam", rel->root, module)))
		return false;
	found = glob(pattern, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	free(pattern);
	return found;
}

void release_free(struct release *rel)
{
	free(rel->root);
	free(rel->erts_vsn);
	free(rel->rel_vsn);
	free(rel->bindir);
	free(rel->erlexec);
	free(rel->boot);
	free(rel->boot_clean);
	free(rel->vm_args);
	free(rel->sys_config);
	free(rel->lib);
	memset(rel, 0, sizeof *rel);
}
