/* policy_parse.c: the policy file's keys and values, one parser per key in one table.  It
 * reads text into struct policy; names go to policy_resolve.c, and what the node must never
 * be is policy_check.c's.  It never prints and never exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "escape.h"
#include "inifile.h"
#include "num.h"
#include "policy_int.h"

/* Linux's default fs.nr_open, for when /proc/sys/fs/nr_open cannot be read. */
#define DEFAULT_NR_OPEN 1048576ULL

/* ---- numbers ---- */

static bool all_of(const char *s, size_t len, const char *set)
{
	return len > 0 && strspn(s, set) >= len;
}

int policy_number(struct policy_loader *ld, const char *v, unsigned long long lo,
		  unsigned long long hi, unsigned long long *out)
{
	unsigned long long n;

	if (num_digits(v, strlen(v), &n) < 0) {
		if (v[0] == '-' && num_digits(v + 1, strlen(v + 1), &n) == 0)
			return policy_fail(ld, "'%s' out of range %llu..%llu", policy_shown(ld, v), lo, hi);
		return policy_fail(ld, "'%s' is not a whole number", policy_shown(ld, v));
	}
	if (n < lo || n > hi)
		return policy_fail(ld, "'%s' out of range %llu..%llu", policy_shown(ld, v), lo, hi);
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

/* ---- lists ---- */

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
static int each_item(struct policy_loader *ld, const char *v, void *ctx,
		     int (*each)(struct policy_loader *ld, const char *item, void *ctx))
{
	char *copy, *rest, *item;
	int rc = 0;

	if (!*v)
		return 0;
	copy = strdup(v);
	if (!copy)
		return policy_out_of_memory(ld);
	for (rest = copy; rc == 0 && rest;) {
		item = rest;
		rest = strchr(rest, ',');
		if (rest)
			*rest++ = '\0';
		item = trim(item);
		if (!*item)
			rc = policy_fail(ld, "empty item in '%s'", policy_shown(ld, v));
		else
			rc = each(ld, item, ctx);
	}
	free(copy);
	return rc;
}

static int add_group(struct policy_loader *ld, const char *item, void *ctx)
{
	gid_t gid;

	(void)ctx;
	if (policy_resolve_node_group(ld, item, &gid) < 0)
		return -1;
	return POLICY_PUSH(ld, ld->p->groups, ld->p->ngroups, gid);
}

static int add_cap(struct policy_loader *ld, const char *item, void *ctx)
{
	cap_value_t cap;

	(void)ctx;
	/* cap_from_name() also takes bare numbers, even ones this kernel lacks: only names. */
	if (strncasecmp(item, "cap_", 4) != 0 || cap_from_name(item, &cap) < 0)
		return policy_fail(ld, "unknown capability '%s'", policy_shown(ld, item));
	return POLICY_PUSH(ld, ld->p->caps, ld->p->ncaps, cap);
}

/* ---- [node] ---- */

static int parse_user(struct policy_loader *ld, const char *v)
{
	if (policy_resolve_user(ld, v, &ld->p->uid, &ld->has_primary, &ld->primary) < 0 ||
	    policy_check_user(ld) < 0)
		return -1;
	ld->p->user = strdup(v);
	return ld->p->user ? 0 : policy_out_of_memory(ld);
}

static int parse_group(struct policy_loader *ld, const char *v)
{
	ld->has_group = true;
	return policy_resolve_node_group(ld, v, &ld->p->gid);
}

static int parse_groups(struct policy_loader *ld, const char *v)
{
	long max = sysconf(_SC_NGROUPS_MAX);

	if (each_item(ld, v, NULL, add_group) < 0)
		return -1;
	/* setgroups() would refuse it later with a bare EINVAL; say why here. */
	if (max > 0 && ld->p->ngroups > (size_t)max)
		return policy_fail(ld, "%zu groups, more than the %ld this system allows", ld->p->ngroups, max);
	return 0;
}

static int parse_capabilities(struct policy_loader *ld, const char *v)
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

static int parse_nofile(struct policy_loader *ld, const char *v)
{
	unsigned long long max = nr_open(), n;

	if (num_digits(v, strlen(v), &n) == 0 && n > max)
		return policy_fail(ld, "%s is above fs.nr_open (%llu)", v, max); /* digits: nothing to escape */
	if (policy_number(ld, v, 1, max, &n) < 0)
		return -1;
	ld->p->nofile = (rlim_t)n;
	ld->p->has_nofile = true;
	return 0;
}

static int parse_core(struct policy_loader *ld, const char *v)
{
	unsigned long long n;

	if (!strcmp(v, "unlimited")) {
		ld->p->core = RLIM_INFINITY;
	} else {
		if (num_digits(v, strlen(v), &n) < 0)
			return policy_fail(ld, "'%s' is neither a number of bytes nor 'unlimited'", policy_shown(ld, v));
		if (n >= (unsigned long long)RLIM_INFINITY)
			return policy_fail(ld, "'%s' is too large; use 'unlimited'", policy_shown(ld, v));
		ld->p->core = (rlim_t)n;
	}
	ld->p->has_core = true;
	return 0;
}

static int parse_umask(struct policy_loader *ld, const char *v)
{
	unsigned long n;

	if (!all_of(v, strlen(v), "01234567"))
		return policy_fail(ld, "'%s' is not an octal mode like 0027", policy_shown(ld, v));
	errno = 0;
	n = strtoul(v, NULL, 8);
	if (errno == ERANGE || n > 0777)
		return policy_fail(ld, "'%s' out of range 0..0777", policy_shown(ld, v));
	ld->p->umask = (mode_t)n;
	ld->p->has_umask = true;
	return 0;
}

/* A plain lowercase atom, as Erlang writes it without quotes: [a-z][a-zA-Z0-9_@]*. */
static bool plain_atom(const char *s, size_t len)
{
	return len > 0 && len < 256 && s[0] >= 'a' && s[0] <= 'z' &&
	       all_of(s, len, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@");
}

static int parse_ready(struct policy_loader *ld, const char *v)
{
	const char *colon = strchr(v, ':');

	if (!colon || !plain_atom(v, (size_t)(colon - v)) || !plain_atom(colon + 1, strlen(colon + 1)))
		return policy_fail(ld, "'%s' is not MODULE:FUNCTION (two lowercase atoms, like kapps_controller:ready)",
				   policy_shown(ld, v));
	memcpy(ld->p->ready_mod, v, (size_t)(colon - v));
	ld->p->ready_mod[colon - v] = '\0';
	strcpy(ld->p->ready_fun, colon + 1);
	return 0;
}

/* ---- [control] ---- */

static int parse_attach(struct policy_loader *ld, const char *v)
{
	return each_item(ld, v, &ld->p->attach, policy_add_who);
}

static int parse_watch(struct policy_loader *ld, const char *v)
{
	return each_item(ld, v, &ld->p->watch, policy_add_who);
}

static int parse_stop(struct policy_loader *ld, const char *v)
{
	return each_item(ld, v, &ld->p->stop, policy_add_who);
}

static int parse_sup(struct policy_loader *ld, const char *v)
{
	return each_item(ld, v, &ld->p->sup, policy_add_who);
}

/* MODULE or MODULE:FUNCTION, each side letters, digits, _, @ and `*`: nothing that would
 * need quoting in Erlang, so what an item allows is what it reads as. */
static int check_sup_item(struct policy_loader *ld, const char *item)
{
	const char *colon = strchr(item, ':');
	size_t modlen = colon ? (size_t)(colon - item) : strlen(item);

	if (colon && strchr(colon + 1, ':'))
		return policy_fail(ld, "'%s' has more than one ':'", policy_shown(ld, item));
	if (modlen == 0)
		return policy_fail(ld, "'%s' has no module before ':'", policy_shown(ld, item));
	if (colon && !colon[1])
		return policy_fail(ld, "'%s' has no function after ':'", policy_shown(ld, item));
	if (strspn(item, POLICY_SUP_NAME_CHARS "*:") != strlen(item))
		return policy_fail(ld, "'%s' holds a character other than ASCII letters, digits, _, @ and *",
				   policy_shown(ld, item));
	return policy_check_sup_module(ld, item, modlen);
}

static int add_sup_module(struct policy_loader *ld, const char *item, void *ctx)
{
	char *copy;

	(void)ctx;
	if (check_sup_item(ld, item) < 0)
		return -1;
	copy = strdup(item);
	if (!copy)
		return policy_out_of_memory(ld);
	if (POLICY_PUSH(ld, ld->p->sup_modules, ld->p->nsup_modules, copy) < 0) {
		free(copy);
		return -1;
	}
	return 0;
}

static int parse_sup_modules(struct policy_loader *ld, const char *v)
{
	return each_item(ld, v, NULL, add_sup_module);
}

/* Whole seconds from 1 to max. */
static int seconds(struct policy_loader *ld, const char *v, unsigned long long min, unsigned long long max,
		   unsigned *out)
{
	unsigned long long n;

	if (policy_number(ld, v, min, max, &n) < 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int parse_start_timeout(struct policy_loader *ld, const char *v)
{
	return seconds(ld, v, 1, 86400, &ld->p->start_timeout);
}

/* 0 turns it off; above an hour a hung node would be noticed by people first. */
static int parse_watchdog(struct policy_loader *ld, const char *v)
{
	return seconds(ld, v, 0, 3600, &ld->p->watchdog);
}

static int parse_stop_timeout(struct policy_loader *ld, const char *v)
{
	return seconds(ld, v, 1, 3600, &ld->p->stop_timeout);
}

/* ---- [log] ---- */

static int parse_log_dir(struct policy_loader *ld, const char *v)
{
	char *dir;

	if (v[0] != '/')
		return policy_fail(ld, "'%s' is not an absolute path", policy_shown(ld, v));
	if (strlen(v) >= PATH_MAX)
		return policy_fail(ld, "longer than %d bytes", PATH_MAX - 1);
	if (escape_needed(v))
		return policy_fail(ld, "'%s' holds control characters", policy_shown(ld, v));
	dir = strdup(v);
	if (!dir)
		return policy_out_of_memory(ld);
	free(ld->p->log_dir); /* the default */
	ld->p->log_dir = dir;
	return 0;
}

static int parse_max_size(struct policy_loader *ld, const char *v)
{
	unsigned long long n;

	if (byte_size(v, &n) < 0)
		return policy_fail(ld, "'%s' is not a size like 10M (bytes, or K, M, G)", policy_shown(ld, v));
	/* Below 64K rotation would churn; above 64G one generation is no longer a "log". */
	if (n < (64ULL << 10) || n > (64ULL << 30))
		return policy_fail(ld, "'%s' out of range 64K..64G", policy_shown(ld, v));
	ld->p->log_max_size = n;
	return 0;
}

static int parse_generations(struct policy_loader *ld, const char *v)
{
	unsigned long long n;

	if (policy_number(ld, v, 1, 1000, &n) < 0)
		return -1;
	ld->p->log_generations = (unsigned)n;
	return 0;
}

/* ---- the file ---- */

static const struct policy_key keys[] = {
	{ "node", "user", parse_user },
	{ "node", "group", parse_group },
	{ "node", "groups", parse_groups },
	{ "node", "capabilities", parse_capabilities },
	{ "node", "nofile", parse_nofile },
	{ "node", "core", parse_core },
	{ "node", "umask", parse_umask },
	{ "node", "start_timeout", parse_start_timeout },
	{ "node", "watchdog", parse_watchdog },
	{ "node", "ready", parse_ready },
	{ "control", "attach", parse_attach },
	{ "control", "watch", parse_watch },
	{ "control", "stop", parse_stop },
	{ "control", "sup", parse_sup },
	{ "control", "sup_modules", parse_sup_modules },
	{ "control", "stop_timeout", parse_stop_timeout },
	{ "log", "dir", parse_log_dir },
	{ "log", "max_size", parse_max_size },
	{ "log", "generations", parse_generations },
};

#define NKEYS COUNT(keys)
_Static_assert(NKEYS <= POLICY_MAX_KEYS, "raise POLICY_MAX_KEYS");

static bool known_section(const char *section)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section))
			return true;
	return false;
}

const struct policy_key *policy_find_key(const char *section, const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

size_t policy_key_index(const struct policy_key *kd)
{
	return (size_t)(kd - keys);
}

static int on_key(struct policy_loader *ld, const char *section, const char *key, const char *raw)
{
	const struct policy_key *kd = policy_find_key(section, key);
	unsigned first;
	char *value;
	int rc;

	if (!kd && !*section)
		return kz_err_set(ld->err, EX_CONFIG, "%s:%u: %s: outside any section", ld->path,
				  ld->line, policy_shown(ld, key));
	if (!kd)
		return kz_err_set(ld->err, EX_CONFIG, "%s:%u: [%s] %s: unknown key", ld->path,
				  ld->line, section, policy_shown(ld, key));
	ld->key = kd;
	first = ld->seen[kd - keys];
	if (first)
		return policy_fail(ld, "given twice (first on line %u)", first);
	ld->seen[kd - keys] = ld->line;
	value = inifile_clean_value(raw ? raw : "");
	if (!value)
		return policy_out_of_memory(ld);
	rc = kd->parse(ld, value);
	free(value);
	return rc;
}

int policy_on_entry(void *user, const char *section, const char *key, const char *value,
		    unsigned line, struct kz_err *err)
{
	struct policy_loader *ld = user;

	ld->err = err;
	ld->line = line;
	if (key)
		return on_key(ld, section, key, value);
	/* A section may appear more than once; its keys still may not. */
	if (!known_section(section))
		return kz_err_set(err, EX_CONFIG, "%s:%u: unknown section [%s]", ld->path, line,
				  policy_shown(ld, section));
	return 0;
}

