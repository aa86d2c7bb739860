/* sock.c: the control socket's life (claimed under a lock, made with its mode from the umask
 * and proven to be the one at its path, removed only by whoever made it) and the
 * NOTIFY_SOCKET connection.  Never changes anything by a path the RUNDIR's owner could swap;
 * refuses a path that does not fit sun_path rather than cutting it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h> /* snprintf of a /proc/self/fd path only */
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "proto.h"
#include "sock.h"

#define NOTIFY_SEND_SEC 10

static int fill_addr(struct sockaddr_un *sa, socklen_t *len, const char *path, struct kz_err *err)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof sa->sun_path)
		return kz_err_set(err, EX_CONFIG, "%s: socket path longer than %zu bytes", path,
				  sizeof sa->sun_path - 1);
	memcpy(sa->sun_path, path, n);
	if (path[0] == '@')
		sa->sun_path[0] = '\0'; /* abstract namespace: no trailing NUL counts */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));
	return 0;
}

/* The lock is held only while a socket is checked and made, or checked and removed: never
 * across a wait.  So a blocking flock() lasts microseconds, and `stop; start` never finds a
 * finishing helper in its way. */
static int open_lock(const char *path, struct kz_err *err)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);

	if (fd < 0)
		return kz_err_errno(err, EX_CONFIG, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return kz_err_set(err, EX_CONFIG, "%s: exists and is not a lock file kzlaunch made; refusing it", path);
	}
	return fd;
}

/* Only EINTR is worth a retry.  Any other failure (ENOLCK: the kernel's lock table is full)
 * means the lock is not held, and what it guards must not go ahead without it.  Allocates
 * nothing: the warden calls it under a filter. */
static int lock(int fd, int op)
{
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* A live helper accepts, or at worst has a full backlog; a dead one's socket refuses. */
static bool answers(const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool up;

	if (fd < 0)
		return false;
	up = connect(fd, (const struct sockaddr *)sa, len) == 0 || errno == EAGAIN;
	close(fd);
	return up;
}

/* Under the lock: what is at the path now is either a live helper's socket, a dead one's,
 * or something kzlaunch did not make. */
static int clear_path(const char *path, const struct sockaddr_un *sa, socklen_t len, struct kz_err *err)
{
	struct stat st;
	int there = proto_socket_stat(path, &st, err);

	if (there <= 0)
		return there;
	if (answers(sa, len))
		return kz_err_set(err, KZ_EXIT_FAIL, "%s: already running (a helper answers on it)", path);
	if (unlink(path) < 0)
		return kz_err_errno(err, EX_NOPERM, "%s: removing a dead helper's socket", path);
	return 0;
}

/* The socket file's mode comes from the umask at bind(): Linux ignores an fchmod of the
 * socket before it, and a chmod by path after it would follow whatever the folder's owner
 * renamed onto the path in between (a symlink to /etc/shadow, made 0666 by root).  So the
 * umask is 0111 for the bind alone; nothing else runs in this process meanwhile. */
static int bind_listen(const char *path, const struct sockaddr_un *sa, socklen_t len, struct kz_err *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t old;
	int rc, saved;

	if (fd < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "socket");
	old = umask(0111);
	rc = bind(fd, (const struct sockaddr *)sa, len);
	saved = errno;
	umask(old);
	if (rc < 0) {
		errno = saved;
		kz_err_errno(err, EX_CONFIG, "%s: bind", path);
		close(fd);
		return -1;
	}
	if (listen(fd, 64) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s: listen", path);
		close(fd);
		return -1; /* not unlinked by path: what is there now may not be ours */
	}
	return fd;
}

/* Whether the inode behind pin_fd is this process's listening socket.  /proc/self/fd/N
 * reaches exactly that inode, whatever the path names now; a unix stream connect gets the
 * listener's credentials (SO_PEERCRED: the pid that called listen()), and no other process
 * has our pid.  The probe's connection waits in the backlog until the loop accepts it and
 * reads its end of file. */
static bool pin_is_listener(int pin_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t clen = sizeof cred;
	int fd;
	bool ours;

	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d", pin_fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	ours = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	       getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 && cred.pid == getpid();
	close(fd);
	return ours;
}

/* After bind() the path may already name something else: the RUNDIR's owner can rename
 * onto it.  Pinned (O_PATH, never followed) and proven to be the socket just bound, or
 * refused.  Pinned also because, after a stop, a new start may bind a socket that ext4 or
 * xfs would otherwise give the freed inode number, and this one's warden, comparing
 * numbers, would remove it. */
static int pin_own(struct sock_claim *c, struct kz_err *err)
{
	struct stat st;

	c->pin_fd = open(c->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (c->pin_fd < 0 && errno != ENOENT && errno != ELOOP)
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s", c->path);
	if (c->pin_fd < 0 || fstat(c->pin_fd, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid() ||
	    !pin_is_listener(c->pin_fd))
		return kz_err_set(err, KZ_EXIT_FAIL,
				  "%s: replaced by something else right after it was made; refusing to serve (can another user write to its folder?)",
				  c->path);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	return 0;
}

int sock_claim(struct sock_claim *c, const char *path, const char *lock_path, struct kz_err *err)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd = -1;

	c->path = path;
	if (fill_addr(&sa, &len, path, err) < 0 || (c->lock_fd = open_lock(lock_path, err)) < 0)
		return -1;
	if (lock(c->lock_fd, LOCK_EX) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s: flock", lock_path);
		close(c->lock_fd);
		c->lock_fd = -1;
		return -1;
	}
	if (clear_path(path, &sa, len, err) == 0 && (fd = bind_listen(path, &sa, len, err)) >= 0 &&
	    pin_own(c, err) < 0) {
		close(fd);
		fd = -1;
	}
	/* An unlock that fails leaves the lock to this process until it closes lock_fd: a
	 * second start waits for that instead of racing us, so it is no reason to fail. */
	(void)lock(c->lock_fd, LOCK_UN);
	if (fd < 0 && c->pin_fd >= 0) {
		close(c->pin_fd);
		c->pin_fd = -1;
	}
	if (fd < 0) {
		close(c->lock_fd);
		c->lock_fd = -1;
	}
	return fd;
}

bool sock_still_ours(const struct sock_claim *c)
{
	struct stat st;

	return fstatat(AT_FDCWD, c->path, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == c->dev &&
	       st.st_ino == c->ino;
}

void sock_remove(const struct sock_claim *c)
{
	/* Without the lock a start may be making its socket at this path: leave ours, which the
	 * next start finds dead and replaces, as after a crash. */
	if (c->lock_fd < 0 || lock(c->lock_fd, LOCK_EX) < 0)
		return;
	/* Only the socket this helper bound: a later start may have put its own there. */
	if (sock_still_ours(c))
		unlinkat(AT_FDCWD, c->path, 0);
	(void)lock(c->lock_fd, LOCK_UN); /* as in sock_claim: ours until lock_fd is closed */
}

int sock_notify(const char *addr, struct kz_err *err)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	if (fill_addr(&sa, &len, addr, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "socket");
	/* A lost READY=1 gets the unit killed: a busy systemd is waited for, but not forever. */
	struct timeval tv = { .tv_sec = NOTIFY_SEND_SEC };
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, len) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "NOTIFY_SOCKET %s", addr);
		close(fd);
		return -1;
	}
	return fd;
}
