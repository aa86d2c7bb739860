/* cookie.c: picks a node type's cookie from config.ini by Kazoo's rules (host, then zone,
 * then generic sections) and checks it.  The cookie never appears in a message, and every
 * copy of it is wiped before its memory is freed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "cookie.h"
#include "die.h"
#include "fd.h"
#include "fmt.h"
#include "inifile.h"

struct cookie_key {
	char *value; /* cleaned */
	unsigned line;
};

/* One [REL] section, as far as the rules care. */
struct cookie_section {
	unsigned line;
	char *host, *zone; /* cleaned; NULL when the section has no such key */
	unsigned host_line, zone_line;
	struct cookie_key *cookies; /* every `cookie` key, in file order */
	size_t ncookies;
};

struct cookie_file {
	const char *path;
	const char *rel;
	bool in_rel;                  /* the keys now arriving belong to the last of sections */
	struct cookie_section *sections; /* every [REL] section, in file order */
	size_t nsections;
};

static void wipe_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

static void file_free(struct cookie_file *cf)
{
	for (size_t i = 0; i < cf->nsections; i++) {
		struct cookie_section *s = &cf->sections[i];

		free(s->host);
		free(s->zone);
		for (size_t j = 0; j < s->ncookies; j++)
			wipe_free(s->cookies[j].value);
		free(s->cookies);
	}
	free(cf->sections);
}

static int out_of_memory(const struct cookie_file *cf, struct kz_err *err)
{
	return kz_err_set(err, KZ_EXIT_FAIL, "%s: out of memory", cf->path);
}

static int add_section(struct cookie_file *cf, unsigned line, struct kz_err *err)
{
	struct cookie_section section = { .line = line };

	return ARRAY_PUSH(cf->sections, cf->nsections, section) < 0 ? out_of_memory(cf, err) : 0;
}

static int add_cookie(struct cookie_file *cf, struct cookie_section *s, char *value,
		      unsigned line, struct kz_err *err)
{
	struct cookie_key key = { .value = value, .line = line };

	if (ARRAY_PUSH(s->cookies, s->ncookies, key) < 0) {
		wipe_free(value);
		return out_of_memory(cf, err);
	}
	return 0;
}

/* `host` or `zone`: given twice in one section, the rules would have to guess which counts. */
static int set_once(struct cookie_file *cf, const char *key, char **slot, unsigned *slot_line,
		    char *value, unsigned line, struct kz_err *err)
{
	if (*slot) {
		free(value);
		return kz_err_set(err, EX_CONFIG, "%s:%u: [%s]: %s given twice in one section (lines %u, %u)",
				  cf->path, line, cf->rel, key, *slot_line, line);
	}
	*slot = value;
	*slot_line = line;
	return 0;
}

static int on_entry(void *user, const char *section, const char *key, const char *raw,
		    unsigned line, struct kz_err *err)
{
	struct cookie_file *cf = user;
	struct cookie_section *s;
	char *value;

	if (!key) {
		cf->in_rel = !strcmp(section, cf->rel);
		return cf->in_rel ? add_section(cf, line, err) : 0;
	}
	if (!cf->in_rel)
		return 0;
	s = &cf->sections[cf->nsections - 1];
	if (strcmp(key, "cookie") && strcmp(key, "host") && strcmp(key, "zone"))
		return 0;
	value = inifile_clean_value(raw);
	if (!value)
		return out_of_memory(cf, err);
	if (!strcmp(key, "cookie"))
		return add_cookie(cf, s, value, line, err);
	if (!strcmp(key, "host"))
		return set_once(cf, key, &s->host, &s->host_line, value, line, err);
	return set_once(cf, key, &s->zone, &s->zone_line, value, line, err);
}

/* README's cookie rules (kzlaunch(8), "Cookie"), the host, zone and generic steps: fills `pick` with the indexes of the sections that
 * count, in file order, and returns how many; `rule` names the step that chose them. */
static size_t pick_sections(const struct cookie_file *cf, const char *host, const char *zone,
			    size_t *pick, const char **rule)
{
	size_t n = 0;

	for (size_t i = 0; i < cf->nsections; i++)
		if (cf->sections[i].host && !strcmp(cf->sections[i].host, host)) {
			*rule = "host"; /* the first alone, whatever follows */
			pick[0] = i;
			return 1;
		}
	*rule = "zone";
	for (size_t i = 0; i < cf->nsections; i++)
		if (!cf->sections[i].host && cf->sections[i].zone && !strcmp(cf->sections[i].zone, zone))
			pick[n++] = i;
	if (n)
		return n;
	*rule = "generic";
	for (size_t i = 0; i < cf->nsections; i++)
		if (!cf->sections[i].host && !cf->sections[i].zone)
			pick[n++] = i;
	return n;
}

/* "12,30" (the picked sections' lines) or, with cookies, "14, 32" (their cookie keys' lines).
 * Returns NULL when out of memory. */
static char *list_lines(const struct cookie_file *cf, const size_t *pick, size_t n, bool cookies)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	const char *sep = "";

	if (!m)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct cookie_section *s = &cf->sections[pick[i]];

		if (!cookies) {
			fprintf(m, "%s%u", sep, s->line);
			sep = ",";
			continue;
		}
		for (size_t j = 0; j < s->ncookies; j++) {
			fprintf(m, "%s%u", sep, s->cookies[j].line);
			sep = ", ";
		}
	}
	if (fclose(m) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* None, or more than one, cookie among the picked sections: say where, never what. */
static int no_single_cookie(const struct cookie_file *cf, const char *host, const char *zone,
			    const size_t *pick, size_t n, const char *rule, size_t ncookies,
			    struct kz_err *err)
{
	char *sections = list_lines(cf, pick, n, false);
	char *keys = list_lines(cf, pick, n, true);

	if (!sections || !keys)
		out_of_memory(cf, err);
	else if (n == 0)
		kz_err_set(err, EX_CONFIG, "%s: [%s]: no cookie for host %s, zone %s (no section for this host or zone, and none with neither key)",
			   cf->path, cf->rel, host, zone);
	else if (ncookies == 0)
		kz_err_set(err, EX_CONFIG, "%s:%s: [%s]: no cookie for host %s, zone %s (no cookie key in the %s section%s)",
			   cf->path, sections, cf->rel, host, zone, rule, n > 1 ? "s" : "");
	else
		kz_err_set(err, EX_CONFIG, "%s:%s: [%s]: %zu cookies for host %s, zone %s (lines %s)",
			   cf->path, sections, cf->rel, ncookies, host, zone, keys);
	free(sections);
	free(keys);
	return -1;
}

/* Steps 2 to 5 over the collected sections: moves the one cookie into `out`. */
static int choose(struct cookie_file *cf, const char *host, const char *zone,
		  struct cookie_source *out, struct kz_err *err)
{
	size_t *pick = calloc(cf->nsections, sizeof *pick);
	struct cookie_section *s = NULL;
	size_t n, ncookies = 0;
	const char *rule;

	if (!pick)
		return out_of_memory(cf, err);
	n = pick_sections(cf, host, zone, pick, &rule);
	for (size_t i = 0; i < n; i++) {
		ncookies += cf->sections[pick[i]].ncookies;
		if (cf->sections[pick[i]].ncookies)
			s = &cf->sections[pick[i]];
	}
	if (ncookies != 1 || !s) { /* s is set whenever ncookies is 1: spelt out for analysers */
		no_single_cookie(cf, host, zone, pick, n, rule, ncookies, err);
		free(pick);
		return -1;
	}
	free(pick);
	out->value = s->cookies[0].value;
	s->cookies[0].value = NULL;
	out->rule = rule;
	out->section_line = s->line;
	out->line = s->cookies[0].line;
	return 0;
}

int cookie_resolve(const char *ini, const char *rel, const char *host, const char *zone,
		   struct cookie_source *out, struct kz_err *err)
{
	struct cookie_file cf = { .path = ini, .rel = rel };
	char *where = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	rc = inifile_parse(ini, on_entry, &cf, err);
	if (rc == 0 && cf.nsections == 0)
		rc = kz_err_set(err, EX_CONFIG, "%s: no [%s] section", ini, rel);
	if (rc == 0)
		rc = choose(&cf, host, zone, out, err);
	file_free(&cf);
	if (rc == 0 && !(where = fmt_new("%s:%u", ini, out->line)))
		rc = kz_err_set(err, KZ_EXIT_FAIL, "%s: out of memory", ini);
	if (rc == 0)
		rc = cookie_check(out->value, where, err);
	free(where);
	if (rc < 0)
		cookie_source_free(out);
	return rc;
}

int cookie_check(const char *value, const char *where, struct kz_err *err)
{
	size_t len = strlen(value);

	if (len == 0)
		return kz_err_set(err, EX_CONFIG, "%s: cookie: empty", where);
	if (len > COOKIE_MAX)
		return kz_err_set(err, EX_CONFIG, "%s: cookie: longer than %d bytes", where, COOKIE_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		/* Bytes are counted from 1, as an editor's column would be.  The VM takes only
		 * 0x20..0x7e in a cookie: anything else ("café" too) makes it exit 1 with "Bad
		 * characters in cookie", after the launcher has already done its work. */
		if (c < 0x20 || c == 0x7f)
			return kz_err_set(err, EX_CONFIG, "%s: cookie: control character at byte %zu",
					  where, i + 1);
		if (c > 0x7e)
			return kz_err_set(err, EX_CONFIG, "%s: cookie: byte %zu is not printable ASCII",
					  where, i + 1);
	}
	return 0;
}

void cookie_source_free(struct cookie_source *src)
{
	free(src->file);
	src->file = NULL;
	wipe_free(src->value);
	src->value = NULL;
	src->rule = NULL;
	src->section_line = 0;
	src->line = 0;
}

/* The credential's bytes, at most COOKIE_MAX + 2 of them: enough to tell one too long. */
static int read_credential(const char *path, char *buf, size_t size, size_t *len, struct kz_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : kz_err_errno(err, EX_CONFIG, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		kz_err_set(err, EX_CONFIG, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	*len = 0;
	while (*len < size && (n = read(fd, buf + *len, size - *len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kz_err_errno(err, EX_CONFIG, "%s", path);
			close(fd);
			return -1;
		}
		*len += (size_t)n;
	}
	close(fd); /* read-only: a failing close loses nothing */
	return 1;
}

/* The credential's bytes as the cookie, with the checks config.ini's get: 1, or -1 with err. */
static int take_credential(struct cookie_source *out, const char *buf, size_t len, struct kz_err *err)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	/* cookie_check would see the text up to a NUL only: say it here. */
	if (memchr(buf, '\0', len))
		return kz_err_set(err, EX_CONFIG, "%s: a NUL byte in the cookie", out->file);
	if (!(out->value = strndup(buf, len)))
		return kz_err_errno(err, KZ_EXIT_FAIL, "cookie");
	if (cookie_check(out->value, out->file, err) < 0)
		return -1;
	out->rule = "credential";
	return 1;
}

int cookie_from_credential(struct cookie_source *out, struct kz_err *err)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char buf[COOKIE_MAX + 2];
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (!dir || !*dir)
		return 0;
	if (!(out->file = fmt_new("%s/kazoo_cookie", dir)))
		return kz_err_errno(err, KZ_EXIT_FAIL, "credential path");
	rc = read_credential(out->file, buf, sizeof buf, &len, err);
	if (rc > 0)
		rc = take_credential(out, buf, len, err);
	explicit_bzero(buf, sizeof buf);
	if (rc <= 0)
		cookie_source_free(out);
	return rc;
}
