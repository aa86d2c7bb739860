/* policy.c: a node type's policy, loaded from its file or made of the defaults, and freed.
 * Reading the keys is policy_parse.c's, names to ids policy_resolve.c's, refusals
 * policy_check.c's.  It only reads: it never changes this process's identity, never prints,
 * never exits; every failure is one kz_err that names the file, the line and the key. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "escape.h"
#include "fmt.h"
#include "inifile.h"
#include "policy_int.h"

#define DEFAULT_STOP_TIMEOUT 30
#define DEFAULT_START_TIMEOUT 120
#define DEFAULT_LOG_DIR "/var/log/kazoo"
#define DEFAULT_MAX_SIZE (10ULL << 20)
#define DEFAULT_GENERATIONS 10

/* ---- messages ---- */

const char *policy_shown(struct policy_loader *ld, const char *s)
{
	free(ld->shown);
	ld->shown = escape_dup(s);
	return ld->shown ? ld->shown : "?";
}

int policy_out_of_memory(struct policy_loader *ld)
{
	return kz_err_set(ld->err, KZ_EXIT_FAIL, "%s: out of memory", ld->path);
}

int policy_fail(struct policy_loader *ld, const char *fmt, ...)
{
	char *what;
	va_list ap;

	va_start(ap, fmt);
	what = fmt_vnew(fmt, ap);
	va_end(ap);
	if (!what)
		return policy_out_of_memory(ld);
	kz_err_set(ld->err, EX_CONFIG, "%s:%u: [%s] %s: %s", ld->path, ld->line, ld->key->section,
		   ld->key->key, what);
	free(what);
	return -1;
}
static int set_defaults(struct policy *p, const char *path)
{
	memset(p, 0, sizeof *p);
	p->stop_timeout = DEFAULT_STOP_TIMEOUT;
	p->start_timeout = DEFAULT_START_TIMEOUT;
	p->log_max_size = DEFAULT_MAX_SIZE;
	p->log_generations = DEFAULT_GENERATIONS;
	p->file = path ? strdup(path) : NULL;
	p->log_dir = strdup(DEFAULT_LOG_DIR);
	return (p->file || !path) && p->log_dir ? 0 : -1;
}

int policy_default(struct policy *p, uid_t uid, gid_t gid, struct kz_err *err)
{
	if (set_defaults(p, NULL) < 0) {
		policy_free(p);
		return kz_err_set(err, KZ_EXIT_FAIL, "policy defaults: out of memory");
	}
	p->uid = uid;
	p->gid = gid;
	return 0;
}

int policy_load(const char *path, struct policy *p, struct kz_err *err)
{
	struct policy_loader ld = { .path = path, .p = p, .err = err };
	struct stat st;
	int fd, rc = -1;

	if (set_defaults(p, path) < 0) {
		policy_free(p);
		kz_err_set(err, KZ_EXIT_FAIL, "%s: out of memory", path);
		errno = ENOMEM;
		return -1;
	}
	/* Only "nothing at all at this path" is a missing policy (trustfile_open's ENOENT); a
	 * dangling symlink is somebody's mistake and fails like any unreadable file. */
	fd = policy_open(path, &st, err);
	if (fd < 0 && errno == ENOENT) {
		policy_free(p);
		errno = ENOENT;
		return -1;
	}
	if (fd >= 0) {
		/* The descriptor checked is the one parsed: no second open by name to race. */
		rc = inifile_parse_fd(fd, path, policy_on_entry, &ld, err);
		if (rc == 0)
			rc = policy_finish(&ld);
		close(fd); /* read-only: a failing close loses nothing */
	}
	free(ld.shown);
	if (rc < 0) {
		policy_free(p);
		errno = EINVAL; /* never ENOENT: that means "no policy" to the caller */
		return -1;
	}
	return 0;
}

static void who_free(struct policy_who *who)
{
	free(who->uids);
	free(who->gids);
}

void policy_free(struct policy *p)
{
	free(p->file);
	free(p->user);
	free(p->groups);
	free(p->caps);
	who_free(&p->attach);
	who_free(&p->watch);
	who_free(&p->stop);
	who_free(&p->sup);
	for (size_t i = 0; i < p->nsup_modules; i++)
		free(p->sup_modules[i]);
	free(p->sup_modules);
	free(p->log_dir);
	memset(p, 0, sizeof *p);
}
