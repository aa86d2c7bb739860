/* fd.c: makes sure the node gets descriptors 0-2 and nothing else, and holds the one loop
 * for each blocking read, write and wait that a signal may interrupt (EINTR). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"

int fd_ensure_std(struct kz_err *err)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* Not O_CLOEXEC: this descriptor is meant to be the node's fd 0, 1 or 2. */
		int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (null < 0)
			return kz_err_errno(err, KZ_EXIT_FAIL, "/dev/null");
		if (null != fd)
			return kz_err_set(err, KZ_EXIT_FAIL, "/dev/null: opened as %d, wanted %d", null, fd);
	}
	return 0;
}

int fd_cloexec_from_3(struct kz_err *err)
{
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "close_range");
	return 0;
}

void fd_stdio_to_null(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return;
	for (int fd = 0; fd <= 2; fd++)
		dup2(null, fd); /* dup2 clears close-on-exec on 0-2, as stdio should be */
	if (null > 2)
		close(null);
}

/* One loop for both: a socket's send takes MSG_NOSIGNAL, so a peer gone is EPIPE, not a
 * fatal SIGPIPE. */
static int put_all(int fd, const void *buf, size_t len, bool sock)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO; /* a regular file that takes nothing: say something true */
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t fd_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

ssize_t fd_read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = fd_read(fd, (char *)buf + got, len - got);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

long fd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is readable or the deadline (-1: none) has passed: 1, 0, or -1 with errno. */
static int wait_readable(int fd, long deadline)
{
	for (;;) {
		long left = deadline < 0 ? -1 : deadline - fd_now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (deadline >= 0 && left <= 0)
			return 0;
		int n = poll(&p, 1, left < 0 ? -1 : left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

int fd_read_by(int fd, void *buf, size_t len, long deadline)
{
	char *p = buf;

	while (len > 0) {
		int w = wait_readable(fd, deadline);
		if (w <= 0)
			return w == 0 ? 1 : -1;
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

pid_t fd_fork_report(int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		int saved = errno;
		close(p[0]);
		close(p[1]);
		errno = saved;
		return -1;
	}
	close(pid == 0 ? p[0] : p[1]); /* each keeps its own end */
	*fd = pid == 0 ? p[1] : p[0];
	return pid;
}

pid_t fd_waitpid(pid_t pid, int *status)
{
	pid_t got;

	do
		got = waitpid(pid, status, 0);
	while (got < 0 && errno == EINTR);
	return got;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	return put_all(fd, buf, len, false);
}

int fd_send_all(int fd, const void *buf, size_t len)
{
	return put_all(fd, buf, len, true);
}

int fd_open_regular(const char *path, int flags, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | flags);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd); /* read-only and never read: a failing close loses nothing */
		return -2;
	}
	return fd;
}

ssize_t fd_send_passing(int sock, struct iovec *iov, size_t iovlen, int passed, int flags)
{
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = iovlen };
	ssize_t n;

	if (passed >= 0) {
		memset(ctl.space, 0, sizeof ctl.space);
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof ctl.space;
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passed, sizeof passed);
	}
	while ((n = sendmsg(sock, &msg, flags | MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n;
}

ssize_t fd_recv_passed(int sock, void *buf, size_t len, int *passed, int flags)
{
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			      .msg_controllen = sizeof ctl.space };
	ssize_t r;

	*passed = -1;
	while ((r = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); r >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
			if (*passed < 0)
				*passed = got;
			else
				close(got);
		}
	}
	return r;
}
