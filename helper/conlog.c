/* conlog.c: the console log DIR/REL.log, its write buffer, its rotation by size, the count
 * of bytes the disk or the folder refused and why.  After conlog_open it runs inside the
 * sandbox: only openat, renameat, write, fstat, close, malloc and free; never fsync, O_SYNC,
 * stdio, or a retry loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h> /* renameat() only: no stdio stream is ever used here */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "conlog.h"
#include "die.h"

#define CONLOG_BUF (64 * 1024)
/* write(2) moves at most about 2 GiB per call; bigger pieces would look like short writes. */
#define WRITE_MAX ((size_t)1 << 30)
/* ".4294967295" and a NUL: the longest suffix a generation number needs. */
#define GEN_SUFFIX_MAX 12
#define MARKER_HEAD "\n[kzlaunch: "
#define MARKER_MID " bytes of console output lost: "
#define MARKER_TAIL "]\n"
/* glibc's longest error text is under 50 bytes; a longer one would be cut here, never
 * overflow. */
#define ERRTEXT_MAX 128
#define CAUSE_WORDS_MAX 32 /* "rename ", " to ", ": " and the like */

/* The call that failed, the generations it named and its errno: enough to say what went
 * wrong without keeping a string per failure. */
struct failure {
	enum { FAIL_NONE, FAIL_OPEN, FAIL_NOT_REGULAR, FAIL_RENAME, FAIL_WRITE } op;
	unsigned from, to; /* generations; 0 is REL.log */
	int err;           /* 0 after a short write that gave no errno */
};

struct conlog {
	int dir_fd;
	int fd;                     /* REL.log, or -1 while it cannot be (re)opened */
	char *base;                 /* "REL.log" */
	char *from, *to;            /* scratch for the two names of one rename */
	unsigned long long max_size;
	unsigned generations;
	unsigned long long size;    /* bytes REL.log holds: what write() accepted, never more */
	unsigned char *buf;
	size_t used;
	unsigned pending;           /* renames a rotation still owes, steps pending .. 1 */
	int truncate;               /* the next open empties REL.log (generations == 1) */
	unsigned long long lost;    /* dropped since the last marker: this episode */
	unsigned long long dropped; /* dropped since conlog_open */
	struct failure last;        /* the latest call that failed */
	struct failure cause;       /* the one that began this episode of loss */
	char *text;                 /* the marker, built here: sized at setup for the longest */
	size_t text_max;
	void (*notice)(void *arg, bool resumed, const char *cause, unsigned long long lost);
	void *notice_arg;
};

/* Decimal digits in place, no terminator: names and the marker are built piece by piece in
 * buffers sized once at setup, so each piece reports only its length. */
static size_t fmt_ull(char *dst, unsigned long long v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	return n;
}

/* Generation i's name: 0 is REL.log itself, i > 0 is REL.log.i. */
static const char *gen_name(const struct conlog *log, char *dst, unsigned i)
{
	size_t len = strlen(log->base);

	if (i == 0)
		return log->base;
	memcpy(dst, log->base, len);
	dst[len++] = '.';
	dst[len + fmt_ull(dst + len, i)] = '\0';
	return dst;
}

static size_t put_str(char *dst, const char *s, size_t max)
{
	size_t n = strlen(s);

	n = n < max ? n : max;
	memcpy(dst, s, n);
	return n;
}

/* "rename node.log to node.log.1: Is a directory", at dst; its length.  strerrordesc_np
 * and not strerror: no locale, so no message catalogue to open inside the sandbox. */
static size_t fmt_cause(const struct conlog *log, const struct failure *f, char *dst)
{
	char *name = log->from; /* scratch: the names are built here, then copied out */
	const char *desc = f->err ? strerrordesc_np(f->err) : NULL;
	size_t n = 0;

	switch (f->op) {
	case FAIL_RENAME:
		n += put_str(dst + n, "rename ", CAUSE_WORDS_MAX);
		n += put_str(dst + n, gen_name(log, name, f->from), (size_t)-1);
		n += put_str(dst + n, " to ", CAUSE_WORDS_MAX);
		n += put_str(dst + n, gen_name(log, name, f->to), (size_t)-1);
		break;
	case FAIL_WRITE:
		n += put_str(dst + n, "write ", CAUSE_WORDS_MAX);
		n += put_str(dst + n, log->base, (size_t)-1);
		if (!f->err)
			desc = "short write";
		break;
	case FAIL_NOT_REGULAR:
		desc = "not a regular file";
		__attribute__((fallthrough)); /* the open that found it names it */
	case FAIL_OPEN:
	case FAIL_NONE:
		n += put_str(dst + n, "open ", CAUSE_WORDS_MAX);
		n += put_str(dst + n, log->base, (size_t)-1);
		break;
	}
	n += put_str(dst + n, ": ", CAUSE_WORDS_MAX);
	n += put_str(dst + n, desc ? desc : "unknown error", ERRTEXT_MAX);
	dst[n] = '\0';
	return n;
}

/* The marker for this episode, in log->text: its length. */
static size_t marker(struct conlog *log)
{
	char *dst = log->text;
	size_t n = sizeof MARKER_HEAD - 1;

	memcpy(dst, MARKER_HEAD, n);
	n += fmt_ull(dst + n, log->lost);
	memcpy(dst + n, MARKER_MID, sizeof MARKER_MID - 1);
	n += sizeof MARKER_MID - 1;
	n += fmt_cause(log, &log->cause, dst + n);
	memcpy(dst + n, MARKER_TAIL, sizeof MARKER_TAIL - 1);
	return n + sizeof MARKER_TAIL - 1;
}

static void failed(struct conlog *log, int op, unsigned from, unsigned to, int err)
{
	log->last = (struct failure){ .op = op, .from = from, .to = to, .err = err };
}

/* Opens REL.log and learns its size.  -1 with errno, or -2 when it is not a regular file
 * (a pipe or device there would swallow the log or mislead the size accounting). */
static int open_current(struct conlog *log)
{
	/* O_NONBLOCK: a FIFO planted as REL.log must not stall the helper before fstat sees it;
	 * on a regular file the flag changes nothing. */
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	struct stat st;
	int fd;

	if (log->truncate)
		flags |= O_TRUNC; /* generations == 1: rotating means starting the one file again */
	fd = openat(log->dir_fd, log->base, flags, 0640);
	if (fd < 0) {
		failed(log, FAIL_OPEN, 0, 0, errno);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		int saved = errno;
		close(fd);
		failed(log, FAIL_OPEN, 0, 0, saved);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		failed(log, FAIL_NOT_REGULAR, 0, 0, 0);
		return -2;
	}
	log->fd = fd;
	log->size = (unsigned long long)st.st_size;
	log->truncate = 0;
	return 0;
}

/* Finishes a rotation: the renames still owed, oldest first, then a fresh REL.log.  Stops at
 * the first failure and remembers where, so a retry never shifts a generation twice. */
static int resume(struct conlog *log)
{
	while (log->pending > 0) {
		unsigned i = log->pending;
		const char *from = gen_name(log, log->from, i - 1);
		const char *to = gen_name(log, log->to, i);

		/* ENOENT: that generation does not exist yet (a young log); nothing to move. */
		if (renameat(log->dir_fd, from, log->dir_fd, to) < 0 && errno != ENOENT) {
			failed(log, FAIL_RENAME, i - 1, i, errno);
			return -1;
		}
		log->pending = i - 1;
	}
	return open_current(log) == 0 ? 0 : -1;
}

/* An episode begins with its first dropped byte: its cause is the failure just seen. */
static void drop(struct conlog *log, size_t n)
{
	if (n == 0)
		return;
	if (log->lost == 0) {
		log->cause = log->last;
		if (log->notice) {
			char *cause = log->text + log->text_max / 2; /* the marker's half is idle now */
			fmt_cause(log, &log->cause, cause);
			log->notice(log->notice_arg, false, cause, 0);
		}
	}
	log->lost += n;
	log->dropped += n;
}

/* One write per GiB.  A short write is followed by one more of the rest, no loop: it takes
 * more, or fails with the errno that says why (ENOSPC, EIO, EFBIG...), which the marker
 * then names.  What is still left is the caller's to drop, rather than spin or block. */
static size_t put(struct conlog *log, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t done = 0;
	bool again = true;

	while (done < n) {
		size_t want = n - done < WRITE_MAX ? n - done : WRITE_MAX;
		ssize_t w = write(log->fd, p + done, want);

		if (w <= 0) {
			failed(log, FAIL_WRITE, 0, 0, w < 0 ? errno : 0);
			break;
		}
		done += (size_t)w;
		log->size += (size_t)w;
		if ((size_t)w < want) {
			if (!again) {
				failed(log, FAIL_WRITE, 0, 0, 0);
				break;
			}
			again = false;
		}
	}
	return done;
}

/* The marker's length while an episode of loss awaits it, when it can ever fit in a file. */
static unsigned long long reserve(struct conlog *log)
{
	size_t len;

	if (log->lost == 0)
		return 0;
	len = marker(log);
	return len < log->max_size ? len : 0;
}

/* Writes the marker of the current episode ahead of `next` bytes.  -1 when the disk refused
 * it: the data behind it is dropped too, so no output appears without its gap reported. */
static int report_loss(struct conlog *log, size_t next)
{
	size_t len;

	if (log->lost == 0)
		return 0;
	len = marker(log);
	/* The marker counts toward max_size; when it does not fit beside this data (only after
	 * a partial marker), it waits for room, at the latest in the next fresh file. */
	if (log->size + len + next > log->max_size)
		return 0;
	if (put(log, log->text, len) < len)
		return -1;
	if (log->notice) {
		char *cause = log->text + log->text_max / 2;
		fmt_cause(log, &log->cause, cause);
		log->notice(log->notice_arg, true, cause, log->lost);
	}
	log->lost = 0;
	return 0;
}

/* Every byte bound for the file passes here, in order, exactly once. */
static void emit(struct conlog *log, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (log->fd < 0 || report_loss(log, n) < 0) {
		drop(log, n);
		return;
	}
	drop(log, n - put(log, data, n));
}

void conlog_flush(struct conlog *log)
{
	emit(log, log->buf, log->used);
	log->used = 0;
}

static void rotate(struct conlog *log)
{
	conlog_flush(log);
	/* close() after failed writes may report the same EIO again: nothing more to learn. */
	close(log->fd);
	log->fd = -1;
	log->pending = log->generations - 1;
	log->truncate = log->generations == 1;
	resume(log);
}

/* How many more bytes the current file may take, counting the buffer and a pending marker. */
static size_t take(struct conlog *log, size_t len)
{
	unsigned long long used = log->size + log->used + reserve(log);
	unsigned long long room = used >= log->max_size ? 0 : log->max_size - used;

	return len < room ? len : (size_t)room;
}

void conlog_write(struct conlog *log, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		size_t n;

		if (log->fd < 0 && resume(log) < 0)
			break; /* the next call tries again: one attempt per call, never a loop */
		n = take(log, len);
		if (n == 0) {
			rotate(log);
			/* A fresh file without room is a file someone else filled: give up for now. */
			if (log->fd < 0 || (n = take(log, len)) == 0)
				break;
		}
		if (n > CONLOG_BUF - log->used) {
			if (log->used > 0) {
				conlog_flush(log); /* then size the next piece again: a failure moves room */
				continue;
			}
			emit(log, p, n); /* more than the whole buffer: copying it would only cost time */
		} else {
			memcpy(log->buf + log->used, p, n);
			log->used += n;
		}
		p += n;
		len -= n;
	}
	drop(log, len);
}

size_t conlog_buffered(const struct conlog *log)
{
	return log ? log->used : 0;
}

unsigned long long conlog_dropped(const struct conlog *log)
{
	return log->dropped;
}

int conlog_fd(const struct conlog *log)
{
	return log->fd;
}

void conlog_close(struct conlog *log)
{
	if (!log)
		return;
	conlog_flush(log);
	if (log->fd >= 0)
		close(log->fd);
	close(log->dir_fd);
	free(log->buf);
	free(log->base);
	free(log->text);
	free(log);
}

void conlog_on_loss(struct conlog *log, void (*fn)(void *arg, bool resumed, const char *cause, unsigned long long lost),
		    void *arg)
{
	log->notice = fn;
	log->notice_arg = arg;
}

static int setup(struct conlog *log, const char *dir, const char *rel, struct kz_err *err)
{
	size_t len = strlen(rel) + sizeof ".log";
	int rc;

	log->base = malloc(len + 2 * (len + GEN_SUFFIX_MAX));
	log->buf = malloc(CONLOG_BUF);
	/* Two halves: the marker, and the cause alone for conlog_on_loss's callback.  Each holds
	 * the longest marker: its words, a count, two generation names and an error text. */
	log->text_max = 2 * (sizeof MARKER_HEAD + 20 + sizeof MARKER_MID + 3 * CAUSE_WORDS_MAX +
			     2 * (len + GEN_SUFFIX_MAX) + ERRTEXT_MAX + sizeof MARKER_TAIL);
	log->text = malloc(log->text_max);
	if (!log->base || !log->buf || !log->text)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s.log: buffer", dir, rel);
	memcpy(log->base, rel, len - sizeof ".log");
	memcpy(log->base + len - sizeof ".log", ".log", sizeof ".log");
	log->from = log->base + len;
	log->to = log->from + len + GEN_SUFFIX_MAX;
	rc = open_current(log);
	if (rc == -2)
		return kz_err_set(err, EX_CONFIG, "%s/%s.log: not a regular file", dir, rel);
	if (rc < 0)
		return kz_err_errno(err, EX_CONFIG, "%s/%s.log", dir, rel);
	return 0;
}

struct conlog *conlog_open(int dir_fd, const char *dir, const char *rel,
			   unsigned long long max_size, unsigned generations, struct kz_err *err)
{
	struct conlog *log = calloc(1, sizeof *log);

	if (!log) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s/%s.log: buffer", dir, rel);
		close(dir_fd);
		return NULL;
	}
	log->dir_fd = dir_fd;
	log->fd = -1;
	log->max_size = max_size;
	log->generations = generations;
	if (max_size == 0 || generations == 0)
		kz_err_set(err, EX_CONFIG, "%s/%s.log: max_size and generations must be at least 1", dir, rel);
	else if (setup(log, dir, rel, err) == 0)
		return log;
	conlog_close(log); /* the conlog owned dir_fd from the call on, so it closes it too */
	return NULL;
}
