/* conlog.h: the console log, DIR/REL.log, rotated by size into REL.log.1 .. REL.log.(N-1).
 * Buffered: bytes are written in large writes, never O_SYNC, never an fsync per line. */
#ifndef KZ_CONLOG_H
#define KZ_CONLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct conlog;

/* Opens (appends to) DIR/REL.log.  dir_fd is an O_DIRECTORY descriptor of the log folder
 * opened before the sandbox; the conlog owns it from then on (it is closed on failure too).
 * Everything after this call uses only openat, renameat, write, fstat and close on it. */
struct conlog *conlog_open(int dir_fd, const char *dir, const char *rel,
			   unsigned long long max_size, unsigned generations, struct kz_err *err);

/* Appends bytes, in order.  Never fails and never blocks the caller for long: when the
 * disk or the folder refuses (ENOSPC, EIO, a folder where a generation must go, ...), the
 * bytes are dropped and counted, and writing resumes with the next call once it works
 * again, behind the line "[kzlaunch: N bytes of console output lost: CAUSE]", where CAUSE
 * names the call, the file and the error that began the loss, e.g. "rename node.log to
 * node.log.1: Is a directory". */
void conlog_write(struct conlog *log, const void *buf, size_t len);

/* fn(arg, false, CAUSE, 0) when output starts being lost, fn(arg, true, CAUSE, N) once the
 * marker of N lost bytes is written: so the owner can tell syslog too.  CAUSE is valid
 * during the call only. */
void conlog_on_loss(struct conlog *log, void (*fn)(void *arg, bool resumed, const char *cause, unsigned long long lost),
		    void *arg);

/* Bytes waiting in the buffer for the next write. */
size_t conlog_buffered(const struct conlog *log);

/* Writes out what is buffered (the loop calls it once the console has been quiet). */
void conlog_flush(struct conlog *log);

/* Bytes dropped so far because the disk refused them. */
unsigned long long conlog_dropped(const struct conlog *log);

/* The descriptor of REL.log as now open, or -1 while it cannot be reopened (for tests that
 * ask the kernel about its flags). */
int conlog_fd(const struct conlog *log);

/* Flushes, closes both descriptors and frees; accepts NULL. */
void conlog_close(struct conlog *log);

#endif
