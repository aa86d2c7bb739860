/* tests/unit/conlog.c: the console log, its rotation, its descriptor and its behaviour when
 * the disk or the folder refuses.  Works in a fresh folder under /tmp and removes it; the
 * full-disk rows mount a tmpfs only inside a private mount namespace of this process. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdbool.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "../tap.h"
#include "conlog.h"

#define REL "node"
#define KIB 1024u
#define MIB (1024u * KIB)
#define MARKER_FMT "\n[kzlaunch: %llu bytes of console output lost: %s]\n"
#define ENOSPC_CAUSE "write " REL ".log: No space left on device"

static char top[] = "/tmp/kz-conlog.XXXXXX";

/* ---- the test stream: numbered lines of uneven length ---- */

struct text {
	unsigned char *p;
	size_t len;
};

/* At least `len` bytes of lines "000042 xxxx...\n"; cut at exactly `len`. */
static struct text make_stream(size_t len)
{
	struct text t = { malloc(len + 200), 0 };

	for (unsigned i = 0; t.p && t.len < len; i++) {
		int n = sprintf((char *)t.p + t.len, "%06u ", i);
		size_t fill = 5 + (i * 37u) % 90;

		memset(t.p + t.len + n, 'a' + i % 26, fill);
		t.len += (size_t)n + fill;
		t.p[t.len++] = '\n';
	}
	t.len = len;
	return t;
}

/* ---- files ---- */

static char *path_of(const char *sub, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s%s%s", top, sub, name ? "/" : "", name ? name : "") < 0)
		abort();
	return p;
}

/* Creates top/sub and opens it as the helper does. */
static int dir_make(const char *sub)
{
	char *p = path_of(sub, NULL);
	int fd;

	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		perror(p);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(p);
	return fd;
}

static struct conlog *log_open(const char *sub, unsigned long long max, unsigned gens)
{
	struct kz_err err = { 0, NULL };
	struct conlog *log = conlog_open(dir_make(sub), sub, REL, max, gens, &err);

	if (!log)
		tap_diag("conlog_open: %s", err.msg ? err.msg : "?");
	kz_err_clear(&err);
	return log;
}

/* The whole file, or NULL when it does not exist. */
static unsigned char *slurp(const char *sub, const char *name, size_t *len)
{
	char *p = path_of(sub, name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *buf = NULL;

	free(p);
	*len = 0;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1))) {
		ssize_t n = read(fd, buf, (size_t)st.st_size);
		*len = n > 0 ? (size_t)n : 0;
	}
	close(fd);
	return buf;
}

static char *gen_name(unsigned i)
{
	char *p = NULL;

	if ((i ? asprintf(&p, REL ".log.%u", i) : asprintf(&p, REL ".log")) < 0)
		abort();
	return p;
}

static void put_file(const char *sub, const char *name, const char *text)
{
	char *p = path_of(sub, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror(p);
	if (fd >= 0)
		close(fd);
	free(p);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p) < 0 ? (perror(p), 0) : 0;
}

static void rm_tree(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* What the kept files hold, oldest (REL.log.(gens-1)) to newest (REL.log), with their
 * count and the largest one's size; REL.log.gens must not exist. */
struct kept {
	struct text all;
	unsigned files;
	size_t largest;
	int extra;
};

static struct kept gather(const char *sub, unsigned gens)
{
	struct kept k = { { malloc(1), 0 }, 0, 0, 0 };
	size_t len;
	char *name = gen_name(gens);
	unsigned char *b = slurp(sub, name, &len);

	k.extra = b != NULL;
	free(b);
	free(name);
	for (unsigned i = gens; i-- > 0;) {
		name = gen_name(i);
		b = slurp(sub, name, &len);
		free(name);
		if (!b)
			continue;
		k.files++;
		k.largest = len > k.largest ? len : k.largest;
		k.all.p = realloc(k.all.p, k.all.len + len + 1);
		memcpy(k.all.p + k.all.len, b, len);
		k.all.len += len;
		free(b);
	}
	return k;
}

/* ---- rotation rows ---- */

struct row {
	const char *name;
	unsigned long long max_size;
	unsigned gens;
	size_t sizes[3]; /* chunk sizes, used in turn */
	unsigned nsizes;
	size_t total;
	size_t reopen_at; /* close and reopen the log after this many bytes; 0: never */
};

static const struct row rows[] = {
	{ .name = "1-byte chunks", .max_size = 40000, .gens = 4, .sizes = { 1 }, .nsizes = 1,
	  .total = 200000 },
	{ .name = "7-byte chunks", .max_size = 100003, .gens = 3, .sizes = { 7 }, .nsizes = 1,
	  .total = 700000 },
	{ .name = "100 KiB chunks", .max_size = 250000, .gens = 4, .sizes = { 100 * KIB }, .nsizes = 1,
	  .total = 1500000 },
	{ .name = "100 KiB chunks over a smaller max_size", .max_size = 30011, .gens = 3,
	  .sizes = { 100 * KIB }, .nsizes = 1, .total = 400000 },
	{ .name = "buffer-sized chunks", .max_size = 200000, .gens = 3, .sizes = { 64 * KIB }, .nsizes = 1,
	  .total = 1000000 },
	{ .name = "1, 7 and 100 KiB chunks mixed", .max_size = 65536, .gens = 5, .sizes = { 1, 7, 100 * KIB },
	  .nsizes = 3, .total = 800000 },
	{ .name = "generations=1", .max_size = 50000, .gens = 1, .sizes = { 7, 100 * KIB }, .nsizes = 2,
	  .total = 333333 },
	{ .name = "generations=2", .max_size = 50000, .gens = 2, .sizes = { 1, 100 * KIB, 7 }, .nsizes = 3,
	  .total = 333333 },
	{ .name = "one 3 MiB chunk, then single bytes", .max_size = 1000003, .gens = 3,
	  .sizes = { 3 * MIB, 1 }, .nsizes = 2, .total = 3 * MIB + 5 },
	{ .name = "exactly max_size: no rotation yet", .max_size = 70000, .gens = 3, .sizes = { 7000 },
	  .nsizes = 1, .total = 70000 },
	{ .name = "max_size + 1: one rotation", .max_size = 70000, .gens = 3, .sizes = { 7000, 1 },
	  .nsizes = 2, .total = 70001 },
	{ .name = "appends to a log reopened mid-file", .max_size = 60000, .gens = 3, .sizes = { 4093 },
	  .nsizes = 1, .total = 250000, .reopen_at = 123457 },
	{ .name = "appends to a log reopened when full", .max_size = 60000, .gens = 3, .sizes = { 1000 },
	  .nsizes = 1, .total = 200000, .reopen_at = 120000 },
};

static void write_range(struct conlog *log, const struct row *row, const struct text *s,
			size_t from, size_t to, unsigned *turn)
{
	while (from < to) {
		size_t n = row->sizes[(*turn)++ % row->nsizes];

		n = n < to - from ? n : to - from;
		conlog_write(log, s->p + from, n);
		from += n;
	}
}

static void check_row(const char *sub, const struct row *row, const struct text *s)
{
	size_t full = (row->total - 1) / row->max_size; /* files that filled up */
	size_t older = full < row->gens - 1 ? full : row->gens - 1;
	size_t want = row->total - full * row->max_size + older * row->max_size;
	struct kept k = gather(sub, row->gens);

	if (!tap_ok(k.all.len == want && !memcmp(k.all.p, s->p + s->len - want, want),
		    "%s: the last %zu bytes, whole and in order", row->name, want))
		tap_diag("kept %zu bytes", k.all.len);
	tap_ok(k.largest <= row->max_size, "%s: no file over max_size (largest %zu)", row->name, k.largest);
	tap_ok(k.files == older + 1 && !k.extra, "%s: %zu files", row->name, older + 1);
	free(k.all.p);
}

static void run_row(unsigned idx, const struct row *row)
{
	char sub[16];
	struct text s = make_stream(row->total);
	struct conlog *log;
	unsigned turn = 0;
	size_t cut = row->reopen_at ? row->reopen_at : row->total;

	snprintf(sub, sizeof sub, "row%u", idx);
	log = log_open(sub, row->max_size, row->gens);
	if (!log || !s.p) {
		tap_ok(0, "%s: opened", row->name);
		free(s.p);
		return;
	}
	write_range(log, row, &s, 0, cut, &turn);
	if (cut < row->total) {
		conlog_close(log);
		log = log_open(sub, row->max_size, row->gens);
		write_range(log, row, &s, cut, row->total, &turn);
	}
	tap_is_int(conlog_dropped(log), 0, "%s: nothing dropped", row->name);
	conlog_close(log);
	check_row(sub, row, &s);
	free(s.p);
}

/* ---- the descriptor ---- */

/* The open file's flags as the kernel reports them in /proc/self/fdinfo. */
static long fd_flags(int fd)
{
	char p[64], line[128];
	long flags = -1;
	FILE *f;

	snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
	if (!(f = fopen(p, "re")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "flags: %lo", &flags) == 1)
			break;
	fclose(f);
	return flags;
}

static void check_flags(const struct conlog *log, const char *when)
{
	long fl = fd_flags(conlog_fd(log));

	if (!tap_ok(fl >= 0 && (fl & O_ACCMODE) == O_WRONLY && (fl & O_APPEND) && (fl & O_CLOEXEC) &&
			    !(fl & (O_SYNC | O_DSYNC)),
		    "%s: write-only, append, close-on-exec, no O_SYNC/O_DSYNC", when))
		tap_diag("flags 0%lo", fl);
}

static void test_descriptor(void)
{
	mode_t old = umask(022);
	struct conlog *log = log_open("fd", 1000, 3);
	char *p = path_of("fd", REL ".log");
	struct stat st;

	umask(old);
	if (!log) {
		tap_ok(0, "descriptor: opened");
		free(p);
		return;
	}
	check_flags(log, "the log as opened");
	tap_ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0640, "the log is created 0640");
	conlog_write(log, "x", 1);
	conlog_flush(log);
	{
		size_t len;
		unsigned char *b = slurp("fd", REL ".log", &len);
		tap_ok(b && len == 1, "conlog_flush writes the buffer out");
		free(b);
	}
	for (int i = 0; i < 2000; i++)
		conlog_write(log, "y", 1);
	check_flags(log, "the log after a rotation");
	conlog_close(log);
	conlog_close(NULL);
	tap_ok(1, "conlog_close(NULL) is harmless");
	free(p);
}

static void test_append_existing(void)
{
	struct conlog *log;
	size_t len;
	unsigned char *b;

	dir_make("old");
	put_file("old", REL ".log", "old line\n");
	log = log_open("old", 1000, 3);
	if (log) {
		conlog_write(log, "new line\n", 9);
		conlog_close(log);
	}
	b = slurp("old", REL ".log", &len);
	tap_ok(b && len == 18 && !memcmp(b, "old line\nnew line\n", 18), "appends to an existing log");
	free(b);
}

/* ---- conlog_open's refusals ---- */

enum setup { SETUP_NONE, SETUP_SYMLINK, SETUP_DIR };

struct open_row {
	const char *name;
	enum setup setup;
	unsigned long long max_size;
	unsigned gens;
	const char *msg; /* after "DIR/node.log: " */
};

static const struct open_row open_rows[] = {
	{ .name = "REL.log is a symlink", .setup = SETUP_SYMLINK, .max_size = 1000, .gens = 3,
	  .msg = "Too many levels of symbolic links" },
	{ .name = "REL.log is a folder", .setup = SETUP_DIR, .max_size = 1000, .gens = 3,
	  .msg = "Is a directory" },
	{ .name = "max_size 0", .setup = SETUP_NONE, .gens = 3,
	  .msg = "max_size and generations must be at least 1" },
	{ .name = "generations 0", .setup = SETUP_NONE, .max_size = 1000,
	  .msg = "max_size and generations must be at least 1" },
};

static void run_open_row(unsigned idx, const struct open_row *row)
{
	char sub[16], *want = NULL, *p;
	struct kz_err err = { 0, NULL };
	struct conlog *log;
	int dfd;

	snprintf(sub, sizeof sub, "open%u", idx);
	dfd = dir_make(sub);
	p = path_of(sub, REL ".log");
	if (row->setup == SETUP_SYMLINK && symlink("/dev/null", p) < 0)
		perror(p);
	if (row->setup == SETUP_DIR && mkdir(p, 0700) < 0)
		perror(p);
	log = conlog_open(dfd, sub, REL, row->max_size, row->gens, &err);
	if (asprintf(&want, "%s/" REL ".log: %s", sub, row->msg) < 0)
		abort();
	tap_ok(!log && err.status == EX_CONFIG, "%s: refused with status 78", row->name);
	tap_is(err.msg, want, "%s: message", row->name);
	tap_ok(fcntl(dfd, F_GETFD) < 0 && errno == EBADF, "%s: dir_fd closed", row->name);
	conlog_close(log);
	kz_err_clear(&err);
	free(want);
	free(p);
}

/* ---- refusals after opening: the log cannot be renamed or reopened ---- */

/* The marker for n lost bytes and their cause, then `tail`. */
static char *marker_text(unsigned long long n, const char *cause, const char *tail)
{
	char *m = NULL;

	if (asprintf(&m, MARKER_FMT "%s", n, cause, tail) < 0)
		abort();
	return m;
}

/* What conlog_on_loss's callback was told, in order: what the helper sends to syslog. */
struct notices {
	char *said[4];
	unsigned n;
};

static void on_loss(void *arg, bool resumed, const char *cause, unsigned long long lost)
{
	struct notices *ns = arg;

	if (ns->n < COUNT(ns->said) &&
	    asprintf(&ns->said[ns->n++], "%s %llu: %s", resumed ? "resumed" : "losing", lost, cause) < 0)
		abort();
}

static void notices_free(struct notices *ns)
{
	for (unsigned i = 0; i < ns->n; i++)
		free(ns->said[i]);
	ns->n = 0;
}

/* REL.log ends with `tail`. */
static int ends_with(const char *sub, const char *name, const char *tail)
{
	size_t len, tl = strlen(tail);
	unsigned char *b = slurp(sub, name, &len);
	int ok = b && len >= tl && !memcmp(b + len - tl, tail, tl);

	free(b);
	return ok;
}

/* generations=1: a folder takes REL.log's place, so the reopen after rotation fails. */
static void test_reopen_fails(void)
{
	struct conlog *log = log_open("reopen", 1000, 1);
	char *cur = path_of("reopen", REL ".log"), *aside = path_of("reopen", "aside");
	char fill[600], *want = marker_text(250, "open " REL ".log: Is a directory", "back\n");

	memset(fill, 'r', sizeof fill);
	conlog_write(log, fill, 600);
	conlog_flush(log);
	if (rename(cur, aside) < 0 || mkdir(cur, 0700) < 0)
		perror(cur);
	conlog_write(log, fill, 600); /* 400 fit in the old file, 200 find no file */
	tap_is_int(conlog_dropped(log), 200, "reopen fails: the bytes without a file are dropped");
	tap_ok(conlog_fd(log) < 0, "reopen fails: no descriptor held");
	conlog_write(log, fill, 50); /* tries again, fails again */
	tap_is_int(conlog_dropped(log), 250, "reopen fails again on the next write");
	rmdir(cur);
	conlog_write(log, "back\n", 5);
	conlog_flush(log);
	tap_ok(ends_with("reopen", REL ".log", want), "reopen works again: marker of 250 bytes, then the data");
	tap_is_int(conlog_dropped(log), 250, "reopen works again: nothing more dropped");
	conlog_close(log);
	free(cur);
	free(aside);
	free(want);
}

/* generations=2: a folder REL.log.1, empty or not, makes the rename REL.log -> REL.log.1
 * fail; the marker and the owner's notices name that rename and its errno, not the disk. */
static void test_rename_fails(void)
{
	struct conlog *log = log_open("rename", 1000, 2);
	char *gen1 = path_of("rename", REL ".log.1"), *inside = path_of("rename", REL ".log.1/x");
	char fill[1000], *want = marker_text(20, "rename " REL ".log to " REL ".log.1: Is a directory", "back\n");
	struct notices ns = { .n = 0 };
	size_t len;
	unsigned char *b;

	memset(fill, 'n', sizeof fill);
	if (mkdir(gen1, 0700) < 0 || close(open(inside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
		perror(inside);
	conlog_on_loss(log, on_loss, &ns);
	conlog_write(log, fill, 1000);
	conlog_write(log, "0123456789", 10);
	tap_is_int(conlog_dropped(log), 10, "rename fails: the rotation's bytes are dropped");
	conlog_write(log, "0123456789", 10);
	tap_is_int(conlog_dropped(log), 20, "rename fails again on the next write");
	unlink(inside);
	rmdir(gen1);
	conlog_write(log, "back\n", 5);
	conlog_flush(log);
	b = slurp("rename", REL ".log.1", &len);
	tap_ok(b && len == 1000 && !memcmp(b, fill, 1000), "rename works again: the full file moved to .1");
	tap_ok(ends_with("rename", REL ".log", want), "rename works again: a new log starts with the marker");
	tap_is_int(ns.n, 2, "rename: the owner is told twice, when the loss begins and when it ends");
	tap_is(ns.n > 0 ? ns.said[0] : NULL, "losing 0: rename " REL ".log to " REL ".log.1: Is a directory",
	       "rename: first, which rename failed and why");
	tap_is(ns.n > 1 ? ns.said[1] : NULL, "resumed 20: rename " REL ".log to " REL ".log.1: Is a directory",
	       "rename: then how much was lost");
	notices_free(&ns);
	conlog_close(log);
	free(b);
	free(gen1);
	free(inside);
	free(want);
}

/* The folder's owner made an empty folder REL.log.1, and it is the oldest generation kept
 * (with more generations it is shifted along until it is). */
static void test_rename_empty_dir(void)
{
	struct conlog *log = log_open("rename0", 1000, 2);
	char *gen1 = path_of("rename0", REL ".log.1");
	char fill[1000], *want = marker_text(10, "rename " REL ".log to " REL ".log.1: Is a directory", "ok\n");

	memset(fill, 'e', sizeof fill);
	if (mkdir(gen1, 0700) < 0)
		perror(gen1);
	conlog_write(log, fill, 1000);
	conlog_write(log, "0123456789", 10);
	rmdir(gen1);
	conlog_write(log, "ok\n", 3);
	conlog_flush(log);
	tap_ok(ends_with("rename0", REL ".log", want), "an empty folder REL.log.1: the marker names the rename and EISDIR");
	conlog_close(log);
	free(gen1);
	free(want);
}

/* ---- under a seccomp filter of only the calls the log may make ---- */

/* The log's calls plus what malloc/free and _exit need: anything else kills with SIGSYS.
 * sigaltstack: the sanitizers' runtime asks for it on the way out of a SAN=1 build. */
static int allow_only_log_calls(void)
{
	static const int calls[] = {
		SCMP_SYS(openat), SCMP_SYS(renameat), SCMP_SYS(write), SCMP_SYS(newfstatat),
		SCMP_SYS(close), SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(madvise),
		SCMP_SYS(exit_group), SCMP_SYS(sigaltstack),
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = ctx ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < COUNT(calls); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

static const struct row sandbox_row = { .name = "under the filter", .max_size = 30011, .gens = 3, .sizes = { 1, 7, 100 * KIB }, .nsizes = 3,
	  .total = 400000 };

static void test_sandboxed(void)
{
	struct text s = make_stream(sandbox_row.total);
	struct conlog *log = log_open("sandbox", sandbox_row.max_size, sandbox_row.gens);
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		unsigned turn = 0;

		if (allow_only_log_calls() < 0)
			_exit(2);
		write_range(log, &sandbox_row, &s, 0, s.len, &turn);
		conlog_close(log); /* flush, close, free: all under the filter */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (!tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "writes, rotations and close under a filter of openat, renameat, write, fstat, close"))
		tap_diag("child status 0x%x%s", status,
			 WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS ? " (SIGSYS)" : "");
	conlog_close(log); /* the parent's copy: an empty buffer, so nothing is written twice */
	check_row("sandbox", &sandbox_row, &s);
	free(s.p);
}

/* ---- a full disk: a 1 MiB tmpfs in a private mount namespace (root only) ---- */

static int mount_small_disk(const char *p)
{
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	return mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700");
}

/* The count in REL.log's last marker when the file ends with exactly that marker and then
 * `tail`; 0 otherwise. */
static unsigned long long last_marker(const char *sub, const char *tail)
{
	static const char head[] = "\n[kzlaunch: ";
	size_t len, at = 0;
	unsigned char *b = slurp(sub, REL ".log", &len);
	unsigned long long n = 0;
	char *want;

	for (size_t i = 0; b && i + sizeof head - 1 <= len; i++)
		if (!memcmp(b + i, head, sizeof head - 1))
			at = i + 1; /* 1-based, so 0 means none */
	if (at && sscanf((char *)b + at - 1 + sizeof head - 1, "%llu", &n) == 1) {
		want = marker_text(n, ENOSPC_CAUSE, tail);
		if (len - (at - 1) != strlen(want) || memcmp(b + at - 1, want, strlen(want)))
			n = 0;
		free(want);
	}
	free(b);
	return n;
}

static void test_full_disk(void)
{
	const int n = 11; /* the tap_ok calls below */
	char *p = path_of("full", NULL);
	struct text s = make_stream(3 * MIB);
	struct conlog *log;
	unsigned long long dropped, marked;

	if (geteuid() != 0) {
		for (int i = 0; i < n; i++)
			tap_skip("full disk: needs root for a small tmpfs");
		goto out;
	}
	if (mkdir(p, 0700) < 0 || mount_small_disk(p) < 0) {
		tap_diag("mount tmpfs on %s: %s", p, strerror(errno));
		for (int i = 0; i < n; i++)
			tap_skip("full disk: cannot mount a tmpfs here");
		goto out;
	}
	log = log_open("full", 256 * KIB, 8);
	struct notices ns = { .n = 0 };
	conlog_on_loss(log, on_loss, &ns);
	for (size_t off = 0; off < s.len; off += 4093)
		conlog_write(log, s.p + off, s.len - off < 4093 ? s.len - off : 4093);
	conlog_flush(log);
	dropped = conlog_dropped(log);
	tap_ok(dropped > 0 && dropped < s.len, "full disk: 3 MiB into 1 MiB, %llu bytes dropped", dropped);
	{
		struct kept k = gather("full", 8);
		tap_ok(k.largest <= 256 * KIB && !k.extra, "full disk: no file over max_size");
		tap_ok(k.all.len > 0 && k.all.len < s.len, "full disk: what fit is kept (%zu bytes)", k.all.len);
		free(k.all.p);
	}
	conlog_write(log, "still full\n", 11);
	conlog_flush(log);
	tap_is_int(conlog_dropped(log), dropped + 11, "full disk: a later write is dropped too, not retried");
	for (unsigned i = 1; i < 8; i++) {
		char *name = gen_name(i), *q = path_of("full", name);
		unlink(q);
		free(q);
		free(name);
	}
	conlog_write(log, "resumed\n", 8);
	conlog_flush(log);
	marked = last_marker("full", "resumed\n");
	tap_ok(marked > 0 && marked <= dropped + 11, "full disk: writing resumes behind a marker of %llu bytes, naming ENOSPC", marked);
	tap_is(ns.n > 0 ? ns.said[0] : NULL, "losing 0: " ENOSPC_CAUSE, "full disk: the owner is told the disk is full");
	tap_ok(ns.n == 2 && !strncmp(ns.said[1], "resumed ", 8), "full disk: and when it is written again");
	notices_free(&ns);
	tap_is_int(conlog_dropped(log), dropped + 11, "full disk: nothing dropped once there is room");
	conlog_write(log, "again\n", 6);
	conlog_flush(log);
	tap_ok(ends_with("full", REL ".log", "resumed\nagain\n"), "full disk: one marker per episode");
	check_flags(log, "full disk: the log after the episode");
	tap_ok(conlog_fd(log) >= 0, "full disk: the log is still open");
	conlog_close(log);
	umount2(p, MNT_DETACH);
out:
	free(s.p);
	free(p);
}

int main(void)
{
	if (!mkdtemp(top)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < COUNT(rows); i++)
		run_row(i, &rows[i]);
	test_descriptor();
	test_append_existing();
	for (unsigned i = 0; i < COUNT(open_rows); i++)
		run_open_row(i, &open_rows[i]);
	test_reopen_fails();
	test_rename_fails();
	test_rename_empty_dir();
	test_sandboxed();
	test_full_disk();
	rm_tree(top);
	return tap_done();
}
