/* fd.h: descriptor hygiene shared by the launcher and the helper, and the loops that retry
 * EINTR and short transfers. */
#ifndef KZ_FD_H
#define KZ_FD_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

/* Opens /dev/null on any of 0, 1, 2 that is closed, so no later open() lands there and
 * reaches the node as its stdin, stdout or stderr. */
int fd_ensure_std(struct kz_err *err);

/* Marks every descriptor above 2 close-on-exec: the exec that follows closes them, and an
 * exec that fails can still report on stderr. */
int fd_cloexec_from_3(struct kz_err *err);

/* Points 0-2 at /dev/null: a daemon that kept the caller's terminal or pipe would hold up
 * whoever waits for it to close (an `ssh host kzlaunch start` would never return). */
void fd_stdio_to_null(void);

/* Opens `path` read-only (with `flags` added, O_NOFOLLOW say) as a regular file: O_NONBLOCK,
 * so a FIFO without a writer cannot hang the open, then fstat into *st.  Returns the
 * descriptor; -1 with errno when open or fstat failed; -2 when it is not a regular file (a
 * FIFO, a device, a folder), never read. */
int fd_open_regular(const char *path, int flags, struct stat *st);

/* One read(2), retried on EINTR: what read returns otherwise. */
ssize_t fd_read(int fd, void *buf, size_t len);
/* Reads until len bytes or end of file, retrying EINTR and short reads (a socket too: read
 * is recv without flags).  Returns the bytes read, or -1 with errno (what was read before the
 * error is lost with it). */
ssize_t fd_read_all(int fd, void *buf, size_t len);
/* CLOCK_MONOTONIC in milliseconds: the clock of every deadline below and of dist.h's. */
long fd_now_ms(void);
/* Exactly len bytes from the socket fd by the deadline (fd_now_ms()'s clock; -1: none),
 * waiting in poll: 0; 1 when the deadline passed first; -1 with errno, 0 for the end of the
 * stream. */
int fd_read_by(int fd, void *buf, size_t len, long deadline);
/* fork() with a close-on-exec pipe for the child's report (an exec-error pipe): the parent
 * reads what the child writes before it execs or _exits, and end of file once it has.  In
 * the child returns 0 and *fd is the write end; in the parent the child's pid, and *fd the
 * read end; -1 with errno when pipe2 or fork failed, nothing left open. */
pid_t fd_fork_report(int *fd);
/* waitpid(pid, status, 0), retried on EINTR: the pid, or -1 with errno. */
pid_t fd_waitpid(pid_t pid, int *status);

/* Writes all of buf, retrying EINTR and short writes.  Returns 0, or -1 with errno set. */
int fd_write_all(int fd, const void *buf, size_t len);
/* The same on a socket, with send(MSG_NOSIGNAL): a closed peer is EPIPE, never SIGPIPE. */
int fd_send_all(int fd, const void *buf, size_t len);

/* sendmsg of iov[0..iovlen) with `passed` as SCM_RIGHTS (none when it is -1), retrying
 * EINTR; never SIGPIPE.  What sendmsg returns. */
struct iovec;
ssize_t fd_send_passing(int sock, struct iovec *iov, size_t iovlen, int passed, int flags);

/* recvmsg of up to len bytes into buf, retrying EINTR: what recvmsg returns, with the first
 * descriptor passed along in *passed (close-on-exec), -1 when none came; any other is closed. */
ssize_t fd_recv_passed(int sock, void *buf, size_t len, int *passed, int flags);

#endif
