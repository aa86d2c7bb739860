/* vmargs.c: reads vm.args as erlexec does (its -args_file reader, OTP 25) and filters it
 * (vmargs.h).  Reads files, never writes them, never prints. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "die.h"
#include "fmt.h"
#include "osvars.h"
#include "trustfile.h"
#include "vmargs.h"

#define UNSAFE "refusing VM settings root would start a node with"

/* One file's arguments and the line each began on. */
struct tokens {
	struct strv text;
	unsigned *line;
	size_t cap;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int push_token(struct tokens *t, const char *s, size_t len, unsigned line)
{
	if (t->text.n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		unsigned *l = realloc(t->line, cap * sizeof *l);
		if (!l)
			return -1;
		t->line = l;
		t->cap = cap;
	}
	t->line[t->text.n] = line;
	return strv_addn(&t->text, s, len);
}

/* erlexec's states: white space separates; `#` where an argument would start, or ends one,
 * opens a comment to the end of the line; '...' and "..." keep everything up to the closing
 * quote (an unclosed one runs to the end); `\` keeps the next byte, a newline included. */
static int tokenize(const char *s, struct tokens *t)
{
	unsigned line = 1;
	size_t cap = strlen(s) + 1;
	char *arg = malloc(cap);
	int rc = 0;

	if (!arg)
		return -1;
	while (*s && rc == 0) {
		if (is_space(*s)) {
			line += *s++ == '\n';
			continue;
		}
		if (*s == '#') {
			s += strcspn(s, "\n");
			continue;
		}
		unsigned first = line;
		size_t n = 0;
		while (*s && *s != '#' && !is_space(*s)) {
			if (*s == '"' || *s == '\'') {
				char q = *s++;
				for (; *s && *s != q; s++) {
					line += *s == '\n';
					arg[n++] = *s;
				}
				if (*s)
					s++;
			} else if (*s == '\\') {
				if (*++s) {
					line += *s == '\n';
					arg[n++] = *s++;
				}
			} else {
				arg[n++] = *s++;
			}
		}
		rc = push_token(t, arg, n, first);
	}
	free(arg);
	return rc;
}

static void tokens_free(struct tokens *t)
{
	strv_free(&t->text);
	free(t->line);
}

/* init groups a flag with the arguments after it up to the next flag; the first one is taken
 * whatever it looks like, so a cookie that begins with `-` is left out too. */
static size_t values_after(const struct tokens *t, size_t i)
{
	size_t j = i + 1;

	if (j < t->text.n)
		j++;
	while (j < t->text.n && t->text.v[j][0] != '-' && t->text.v[j][0] != '+')
		j++;
	return j - i - 1;
}

static int load_file(const struct vmargs_spec *spec, const char *path, int depth, struct vmargs *out,
		     struct kz_err *err);

static int include(const struct vmargs_spec *spec, const char *from, unsigned line, const char *name,
		   int depth, struct vmargs *out, struct kz_err *err)
{
	char *path = NULL;
	int rc;

	if (depth >= VMARGS_DEPTH)
		return kz_err_set(err, EX_CONFIG, "%s:%u: -args_file nested more than %d deep", from, line,
				  VMARGS_DEPTH);
	if (!(path = fmt_new("%s%s%s", name[0] == '/' ? "" : spec->root, name[0] == '/' ? "" : "/", name)))
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s", from);
	rc = load_file(spec, path, depth + 1, out, err);
	free(path);
	return rc;
}

static int name_flag(const struct vmargs_spec *spec, const char *path, const struct tokens *t, size_t i,
		     size_t nvals, struct kz_err *err)
{
	const char *flag = t->text.v[i], *name = nvals ? t->text.v[i + 1] : NULL;
	unsigned line = t->line[i];

	if (nvals != 1)
		return kz_err_set(err, EX_CONFIG, "%s:%u: %s: expected one node name, found %zu", path, line, flag, nvals);
	if (!strcmp(name, spec->rel) || !strcmp(name, spec->node))
		return 0;
	return kz_err_set(err, EX_CONFIG, "%s:%u: %s %s names another node than %s; give the node's name with -n or KAZOO_NODE%s",
			  path, line, flag, name, spec->node,
			  strstr(name, "${") && !spec->osvars ? " (or set RELX_REPLACE_OS_VARS)" : "");
}

static int walk(const struct vmargs_spec *spec, const char *path, const struct tokens *t, int depth,
		struct vmargs *out, struct kz_err *err)
{
	for (size_t i = 0; i < t->text.n; i++) {
		const char *a = t->text.v[i];
		size_t nvals;

		if (!strcmp(a, "-extra")) {
			for (i++; i < t->text.n; i++)
				if (strv_add(&out->extra, t->text.v[i]) < 0)
					return kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
			return 0;
		}
		if (!strcmp(a, "-args_file")) {
			if (i + 1 >= t->text.n)
				return kz_err_set(err, EX_CONFIG, "%s:%u: -args_file without a file", path, t->line[i]);
			if (include(spec, path, t->line[i], t->text.v[i + 1], depth, out, err) < 0)
				return -1;
			i++;
		} else if (!strcmp(a, "-setcookie")) {
			nvals = values_after(t, i);
			if (strv_addf(&out->notes, "%s:%u: -setcookie left out: the node reads its cookie from a file only its user can read",
				      path, t->line[i]) < 0)
				return kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
			i += nvals;
		} else if (!strcmp(a, "-name") || !strcmp(a, "-sname")) {
			nvals = values_after(t, i);
			if (name_flag(spec, path, t, i, nvals, err) < 0)
				return -1;
			i += nvals;
		} else if (strv_add(&out->args, a) < 0) {
			return kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
		}
	}
	return 0;
}

/* erlexec stops reading a file at a NUL; refusing one says so instead of losing the rest. */
static int check_nul(const char *path, const char *text, size_t len, struct kz_err *err)
{
	size_t at = strlen(text);
	unsigned line = 1;

	if (at == len)
		return 0;
	for (size_t i = 0; i < at; i++)
		line += text[i] == '\n';
	return kz_err_set(err, EX_CONFIG, "%s:%u: a NUL byte", path, line);
}

static int load_file(const struct vmargs_spec *spec, const char *path, int depth, struct vmargs *out,
		     struct kz_err *err)
{
	struct tokens t = { 0 };
	char *text = NULL, *replaced = NULL;
	size_t len;
	int rc = -1;

	if (strv_add(&out->files, path) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
	if (trustfile_read(path, VMARGS_FILE_MAX, UNSAFE, &text, &len, err) < 0 ||
	    check_nul(path, text, len, err) < 0)
		goto out;
	if (spec->osvars && osvars_replace(path, text, &replaced, err) < 0)
		goto out;
	if (tokenize(replaced ? replaced : text, &t) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
		goto out;
	}
	rc = walk(spec, path, &t, depth, out, err);
out:
	tokens_free(&t);
	free(replaced);
	free(text);
	return rc;
}

int vmargs_load(const struct vmargs_spec *spec, const char *path, struct vmargs *out, struct kz_err *err)
{
	memset(out, 0, sizeof *out);
	return load_file(spec, path, 0, out, err);
}

/* Each argument on a line of its own, every byte erlexec's reader would act on escaped. */
static int render_arg(FILE *f, const char *a)
{
	if (!*a)
		return fputs("''\n", f);
	for (; *a; a++)
		if ((strchr(" \t\n\r\f\v#\"'\\", *a) && fputc('\\', f) == EOF) || fputc(*a, f) == EOF)
			return EOF;
	return fputc('\n', f);
}

char *vmargs_render(const struct vmargs *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = 0;

	if (!f)
		return NULL;
	fputs("# Written by kzlaunch from the node's vm.args (kzlaunch --dry-run names it).\n", f);
	for (size_t i = 0; i < v->args.n && rc != EOF; i++)
		rc = render_arg(f, v->args.v[i]);
	if (v->extra.n && rc != EOF)
		rc = fputs("-extra\n", f);
	for (size_t i = 0; i < v->extra.n && rc != EOF; i++)
		rc = render_arg(f, v->extra.v[i]);
	if (fclose(f) != 0 || rc == EOF) {
		free(text);
		return NULL;
	}
	return text;
}

void vmargs_free(struct vmargs *v)
{
	strv_free(&v->args);
	strv_free(&v->extra);
	strv_free(&v->files);
	strv_free(&v->notes);
}
