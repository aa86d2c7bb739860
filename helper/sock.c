/* sock.c: opens the control socket and the NOTIFY_SOCKET connection.  Refuses a path that
 * does not fit sun_path rather than cutting it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "sock.h"

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

int sock_listen(const char *path, struct kz_err *err)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	if (fill_addr(&sa, &len, path, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "socket");
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		kz_err_errno(err, errno == EADDRINUSE ? KZ_EXIT_FAIL : EX_CONFIG, "%s: bind", path);
		close(fd);
		return -1;
	}
	if (chmod(path, 0666) < 0 || listen(fd, 64) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
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
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "NOTIFY_SOCKET %s", addr);
		close(fd);
		return -1;
	}
	return fd;
}
