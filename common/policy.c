/* policy.c: reads a node type's policy file and resolves every name in it to an id, once.
 * It only reads: it never changes this process's identity, never prints, never exits;
 * every failure is one kz_err that names the file, the line and the key. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "die.h"
#include "escape.h"
#include "fmt.h"
#include "inifile.h"
#include "nss.h"
#include "num.h"
#include "policy.h"
#include "trustfile.h"

#define DEFAULT_STOP_TIMEOUT 30
#define DEFAULT_START_TIMEOUT 120
#define DEFAULT_LOG_DIR "/var/log/kazoo"
#define DEFAULT_MAX_SIZE (10ULL << 20)
#define DEFAULT_GENERATIONS 10

/* Linux's default fs.nr_open, for when /proc/sys/fs/nr_open cannot be read. */
#define DEFAULT_NR_OPEN 1048576ULL

/* The tail of every refusal of a file or folder that someone other than root could change. */
#define UNSAFE "refusing a policy root would act on"

/* uid_t and gid_t are 32 bits on Linux; (uid_t)-1 means "no change" to setresuid. */
#define ID_MAX ((unsigned long long)(uid_t)-1 - 1)

#define MAX_KEYS 32

struct loader;

struct key_def {
	const char *section;
	const char *key;
	int (*parse)(struct loader *ld, const char *value);
};

struct loader {
	const char *path;
	struct policy *p;
	struct kz_err *err;
	const struct key_def *key; /* the key being parsed, for messages */
	unsigned line;             /* its line */
	unsigned seen[MAX_KEYS];   /* line each key was first given on; 0 when not yet */
	char *shown;               /* the last escaped copy of file text, see shown() */
	bool has_primary;          /* the user has a passwd entry, so a primary group */
	gid_t primary;
	bool has_group;
};

/* ---- messages ---- */

/* File text may hold anything: an escaped copy of s (escape.h) that lives until the next
 * call (one per message is all we need). */
static const char *shown(struct loader *ld, const char *s)
{
	free(ld->shown);
	ld->shown = escape_dup(s);
	return ld->shown ? ld->shown : "?";
}

static int out_of_memory(struct loader *ld)
{
	return kz_err_set(ld->err, KZ_EXIT_FAIL, "%s: out of memory", ld->path);
}

/* "PATH:LINE: [section] key: " followed by the formatted text. */
static int fail(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct loader *ld, const char *fmt, ...)
{
	char *what;
	va_list ap;

	va_start(ap, fmt);
	what = fmt_vnew(fmt, ap);
	va_end(ap);
	if (!what)
		return out_of_memory(ld);
	kz_err_set(ld->err, EX_CONFIG, "%s:%u: [%s] %s: %s", ld->path, ld->line, ld->key->section,
		   ld->key->key, what);
	free(what);
	return -1;
}

/* ---- numbers ---- */

static bool all_of(const char *s, size_t len, const char *set)
{
	return len > 0 && strspn(s, set) >= len;
}

static int number(struct loader *ld, const char *v, unsigned long long lo, unsigned long long hi,
		  unsigned long long *out)
{
	unsigned long long n;

	if (num_digits(v, strlen(v), &n) < 0) {
		if (v[0] == '-' && num_digits(v + 1, strlen(v + 1), &n) == 0)
			return fail(ld, "'%s' out of range %llu..%llu", shown(ld, v), lo, hi);
		return fail(ld, "'%s' is not a whole number", shown(ld, v));
	}
	if (n < lo || n > hi)
		return fail(ld, "'%s' out of range %llu..%llu", shown(ld, v), lo, hi);
	*out = n;
	return 0;
}

/* Bytes, with an optional K, M or G suffix (either case) in binary multiples: 10M is 10 MiB.
 * Returns 0, or -1 when v is not written that way. */
static int byte_size(const char *v, unsigned long long *out)
{
	size_t len = strspn(v, "0123456789");
	unsigned long long n;
	unsigned shift;

	if (num_digits(v, len, &n) < 0)
		return -1;
	switch (v[len]) {
	case '\0': shift = 0; break;
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	default: return -1;
	}
	if (shift && v[len + 1])
		return -1;
	*out = n > (ULLONG_MAX >> shift) ? ULLONG_MAX : n << shift;
	return 0;
}

/* ---- names ---- */

static bool numeric(const char *s)
{
	return all_of(s, strlen(s), "0123456789");
}

/* A user name or number.  *primary gets the passwd entry's group when there is one. */
static int resolve_user(struct loader *ld, const char *v, uid_t *uid, bool *has_primary,
			gid_t *primary)
{
	gid_t gid = 0;
	unsigned long long n;
	int rc;

	if (!*v)
		return fail(ld, "empty user name");
	if (numeric(v)) {
		/* A number is an id, with or without a passwd entry (containers, LDAP outages). */
		if (number(ld, v, 0, ID_MAX, &n) < 0)
			return -1;
		*uid = (uid_t)n;
		rc = nss_user_by_uid(*uid, &gid);
	} else {
		rc = nss_user_by_name(v, uid, &gid);
		if (rc == 0)
			return fail(ld, "no such user '%s'", shown(ld, v));
	}
	if (rc < 0) {
		const char *why = strerror(errno); /* before shown() can change errno */
		return fail(ld, "looking up user '%s': %s", shown(ld, v), why);
	}
	if (has_primary) {
		*has_primary = rc == 1;
		*primary = gid;
	}
	return 0;
}

static int resolve_group(struct loader *ld, const char *v, gid_t *gid)
{
	unsigned long long n;
	int rc;

	if (!*v)
		return fail(ld, "empty group name");
	if (numeric(v)) {
		if (number(ld, v, 0, ID_MAX, &n) < 0)
			return -1;
		*gid = (gid_t)n;
		return 0;
	}
	rc = nss_group_by_name(v, gid);
	if (rc == 0)
		return fail(ld, "no such group '%s'", shown(ld, v));
	if (rc < 0) {
		const char *why = strerror(errno); /* before shown() can change errno */
		return fail(ld, "looking up group '%s': %s", shown(ld, v), why);
	}
	return 0;
}

/* ---- lists ---- */

/* Every list of the policy grows by one: an id, a group, a capability. */
#define PUSH(ld, array, n, value) (ARRAY_PUSH(array, n, value) < 0 ? out_of_memory(ld) : 0)

static char *trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* Calls each() for every comma-separated item, white space around it removed.  An empty
 * value is an empty list; an empty item ("a,,b", "a,") is a mistake worth pointing at. */
static int each_item(struct loader *ld, const char *v, void *ctx,
		     int (*each)(struct loader *ld, const char *item, void *ctx))
{
	char *copy, *rest, *item;
	int rc = 0;

	if (!*v)
		return 0;
	copy = strdup(v);
	if (!copy)
		return out_of_memory(ld);
	for (rest = copy; rc == 0 && rest;) {
		item = rest;
		rest = strchr(rest, ',');
		if (rest)
			*rest++ = '\0';
		item = trim(item);
		if (!*item)
			rc = fail(ld, "empty item in '%s'", shown(ld, v));
		else
			rc = each(ld, item, ctx);
	}
	free(copy);
	return rc;
}

/* `group` and every item of `groups`: gid 0 would give the node root's files (Kazoo
 * never runs as root: doc/platform.md), whatever name it is written under. */
static int resolve_node_group(struct loader *ld, const char *v, gid_t *gid)
{
	if (resolve_group(ld, v, gid) < 0)
		return -1;
	if (*gid == 0)
		return fail(ld, "'%s' is gid 0: the node never runs as root", shown(ld, v));
	return 0;
}

static int add_group(struct loader *ld, const char *item, void *ctx)
{
	gid_t gid;

	(void)ctx;
	if (resolve_node_group(ld, item, &gid) < 0)
		return -1;
	return PUSH(ld, ld->p->groups, ld->p->ngroups, gid);
}

static int add_cap(struct loader *ld, const char *item, void *ctx)
{
	cap_value_t cap;

	(void)ctx;
	/* cap_from_name() also takes bare numbers, even ones this kernel lacks: only names. */
	if (strncasecmp(item, "cap_", 4) != 0 || cap_from_name(item, &cap) < 0)
		return fail(ld, "unknown capability '%s'", shown(ld, item));
	return PUSH(ld, ld->p->caps, ld->p->ncaps, cap);
}

/* "name", "1000", "@group" or "@4". */
static int add_who(struct loader *ld, const char *item, void *ctx)
{
	struct policy_who *who = ctx;
	uid_t uid;
	gid_t gid;

	if (item[0] == '@') {
		if (resolve_group(ld, item + 1, &gid) < 0)
			return -1;
		return PUSH(ld, who->gids, who->ngids, gid);
	}
	if (resolve_user(ld, item, &uid, NULL, NULL) < 0)
		return -1;
	return PUSH(ld, who->uids, who->nuids, uid);
}

/* ---- [node] ---- */

static int parse_user(struct loader *ld, const char *v)
{
	if (resolve_user(ld, v, &ld->p->uid, &ld->has_primary, &ld->primary) < 0)
		return -1;
	/* By id, so `0` and any alias of root (toor) are refused too. */
	if (ld->p->uid == 0)
		return fail(ld, "the node never runs as root");
	ld->p->user = strdup(v);
	return ld->p->user ? 0 : out_of_memory(ld);
}

static int parse_group(struct loader *ld, const char *v)
{
	ld->has_group = true;
	return resolve_node_group(ld, v, &ld->p->gid);
}

static int parse_groups(struct loader *ld, const char *v)
{
	long max = sysconf(_SC_NGROUPS_MAX);

	if (each_item(ld, v, NULL, add_group) < 0)
		return -1;
	/* setgroups() would refuse it later with a bare EINVAL; say why here. */
	if (max > 0 && ld->p->ngroups > (size_t)max)
		return fail(ld, "%zu groups, more than the %ld this system allows", ld->p->ngroups, max);
	return 0;
}

static int parse_capabilities(struct loader *ld, const char *v)
{
	return each_item(ld, v, NULL, add_cap);
}

/* setrlimit(RLIMIT_NOFILE) fails with a bare EPERM, even for root, above fs.nr_open.  Read
 * here, at load time: later the node's user may not see /proc, and the helper's sandbox would
 * refuse the open. */
static unsigned long long nr_open(void)
{
	int fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC);
	unsigned long long n;
	char buf[32];
	ssize_t len;

	if (fd < 0)
		return DEFAULT_NR_OPEN; /* no /proc (a chroot, a container without it) */
	len = read(fd, buf, sizeof buf - 1);
	close(fd); /* read-only: a failing close loses nothing */
	if (len <= 0)
		return DEFAULT_NR_OPEN;
	buf[len] = '\0';
	if (num_digits(buf, strcspn(buf, "\n"), &n) < 0 || n == 0)
		return DEFAULT_NR_OPEN;
	return n;
}

static int parse_nofile(struct loader *ld, const char *v)
{
	unsigned long long max = nr_open(), n;

	if (num_digits(v, strlen(v), &n) == 0 && n > max)
		return fail(ld, "%s is above fs.nr_open (%llu)", v, max); /* digits: nothing to escape */
	if (number(ld, v, 1, max, &n) < 0)
		return -1;
	ld->p->nofile = (rlim_t)n;
	ld->p->has_nofile = true;
	return 0;
}

static int parse_core(struct loader *ld, const char *v)
{
	unsigned long long n;

	if (!strcmp(v, "unlimited")) {
		ld->p->core = RLIM_INFINITY;
	} else {
		if (num_digits(v, strlen(v), &n) < 0)
			return fail(ld, "'%s' is neither a number of bytes nor 'unlimited'", shown(ld, v));
		if (n >= (unsigned long long)RLIM_INFINITY)
			return fail(ld, "'%s' is too large; use 'unlimited'", shown(ld, v));
		ld->p->core = (rlim_t)n;
	}
	ld->p->has_core = true;
	return 0;
}

static int parse_umask(struct loader *ld, const char *v)
{
	unsigned long n;

	if (!all_of(v, strlen(v), "01234567"))
		return fail(ld, "'%s' is not an octal mode like 0027", shown(ld, v));
	errno = 0;
	n = strtoul(v, NULL, 8);
	if (errno == ERANGE || n > 0777)
		return fail(ld, "'%s' out of range 0..0777", shown(ld, v));
	ld->p->umask = (mode_t)n;
	ld->p->has_umask = true;
	return 0;
}

/* ---- [control] ---- */

static int parse_attach(struct loader *ld, const char *v)
{
	return each_item(ld, v, &ld->p->attach, add_who);
}

static int parse_watch(struct loader *ld, const char *v)
{
	return each_item(ld, v, &ld->p->watch, add_who);
}

static int parse_stop(struct loader *ld, const char *v)
{
	return each_item(ld, v, &ld->p->stop, add_who);
}

/* Whole seconds from 1 to max. */
static int seconds(struct loader *ld, const char *v, unsigned long long max, unsigned *out)
{
	unsigned long long n;

	if (number(ld, v, 1, max, &n) < 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int parse_start_timeout(struct loader *ld, const char *v)
{
	return seconds(ld, v, 86400, &ld->p->start_timeout);
}

static int parse_stop_timeout(struct loader *ld, const char *v)
{
	return seconds(ld, v, 3600, &ld->p->stop_timeout);
}

/* ---- [log] ---- */

static int parse_log_dir(struct loader *ld, const char *v)
{
	char *dir;

	if (v[0] != '/')
		return fail(ld, "'%s' is not an absolute path", shown(ld, v));
	if (strlen(v) >= PATH_MAX)
		return fail(ld, "longer than %d bytes", PATH_MAX - 1);
	if (escape_needed(v))
		return fail(ld, "'%s' holds control characters", shown(ld, v));
	dir = strdup(v);
	if (!dir)
		return out_of_memory(ld);
	free(ld->p->log_dir); /* the default */
	ld->p->log_dir = dir;
	return 0;
}

static int parse_max_size(struct loader *ld, const char *v)
{
	unsigned long long n;

	if (byte_size(v, &n) < 0)
		return fail(ld, "'%s' is not a size like 10M (bytes, or K, M, G)", shown(ld, v));
	/* Below 64K rotation would churn; above 64G one generation is no longer a "log". */
	if (n < (64ULL << 10) || n > (64ULL << 30))
		return fail(ld, "'%s' out of range 64K..64G", shown(ld, v));
	ld->p->log_max_size = n;
	return 0;
}

static int parse_generations(struct loader *ld, const char *v)
{
	unsigned long long n;

	if (number(ld, v, 1, 1000, &n) < 0)
		return -1;
	ld->p->log_generations = (unsigned)n;
	return 0;
}

/* ---- the file ---- */

static const struct key_def keys[] = {
	{ "node", "user", parse_user },
	{ "node", "group", parse_group },
	{ "node", "groups", parse_groups },
	{ "node", "capabilities", parse_capabilities },
	{ "node", "nofile", parse_nofile },
	{ "node", "core", parse_core },
	{ "node", "umask", parse_umask },
	{ "node", "start_timeout", parse_start_timeout },
	{ "control", "attach", parse_attach },
	{ "control", "watch", parse_watch },
	{ "control", "stop", parse_stop },
	{ "control", "stop_timeout", parse_stop_timeout },
	{ "log", "dir", parse_log_dir },
	{ "log", "max_size", parse_max_size },
	{ "log", "generations", parse_generations },
};

#define NKEYS COUNT(keys)
_Static_assert(NKEYS <= MAX_KEYS, "raise MAX_KEYS");

static bool known_section(const char *section)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section))
			return true;
	return false;
}

static const struct key_def *find_key(const char *section, const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

static int on_key(struct loader *ld, const char *section, const char *key, const char *raw)
{
	const struct key_def *kd = find_key(section, key);
	unsigned first;
	char *value;
	int rc;

	if (!kd && !*section)
		return kz_err_set(ld->err, EX_CONFIG, "%s:%u: %s: outside any section", ld->path,
				  ld->line, shown(ld, key));
	if (!kd)
		return kz_err_set(ld->err, EX_CONFIG, "%s:%u: [%s] %s: unknown key", ld->path,
				  ld->line, section, shown(ld, key));
	ld->key = kd;
	first = ld->seen[kd - keys];
	if (first)
		return fail(ld, "given twice (first on line %u)", first);
	ld->seen[kd - keys] = ld->line;
	value = inifile_clean_value(raw ? raw : "");
	if (!value)
		return out_of_memory(ld);
	rc = kd->parse(ld, value);
	free(value);
	return rc;
}

static int on_entry(void *user, const char *section, const char *key, const char *value,
		    unsigned line, struct kz_err *err)
{
	struct loader *ld = user;

	ld->err = err;
	ld->line = line;
	if (key)
		return on_key(ld, section, key, value);
	/* A section may appear more than once; its keys still may not. */
	if (!known_section(section))
		return kz_err_set(err, EX_CONFIG, "%s:%u: unknown section [%s]", ld->path, line,
				  shown(ld, section));
	return 0;
}

/* What only the whole file can tell: a user at all, and the group to default to. */
static int finish(struct loader *ld)
{
	const struct key_def *user = find_key("node", "user");

	if (!ld->seen[user - keys])
		return kz_err_set(ld->err, EX_CONFIG, "%s: [node] user: missing", ld->path);
	if (ld->has_group)
		return 0;
	if (!ld->has_primary)
		return kz_err_set(ld->err, EX_CONFIG,
				  "%s: [node] group: missing, and user '%s' has no passwd entry to take it from",
				  ld->path, shown(ld, ld->p->user));
	if (ld->primary == 0) { /* the group would come from the user line: name that line */
		ld->key = user;
		ld->line = ld->seen[user - keys];
		return fail(ld, "the primary group of '%s' is gid 0: the node never runs as root",
			    shown(ld, ld->p->user));
	}
	ld->p->gid = ld->primary;
	return 0;
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
	struct loader ld = { .path = path, .p = p, .err = err };
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
	fd = trustfile_open(path, UNSAFE, &st, err);
	if (fd < 0 && errno == ENOENT) {
		policy_free(p);
		errno = ENOENT;
		return -1;
	}
	if (fd >= 0) {
		/* The descriptor checked is the one parsed: no second open by name to race. */
		rc = inifile_parse_fd(fd, path, on_entry, &ld, err);
		if (rc == 0)
			rc = finish(&ld);
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
	free(p->log_dir);
	memset(p, 0, sizeof *p);
}
