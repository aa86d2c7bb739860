/* log.c: RFC 3164 datagrams to /dev/log, sent with MSG_DONTWAIT.  A daemon that restarted
 * (ECONNREFUSED) is connected to again once per message; one that is slow costs messages,
 * counted, never time. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"

#define LOG_LINE_MAX 1024

static struct {
	const char *tag;
	int fd;
	unsigned long dropped;
} lg = { .tag = "kzlaunch-helper", .fd = -1 };

static void reconnect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lg.fd >= 0 && connect(lg.fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(lg.fd);
		lg.fd = -1;
	}
}

void log_open(const char *tag)
{
	lg.tag = tag;
	tzset(); /* the zone is read now: the sandbox allows no opening of files later */
	reconnect();
}

void log_close(void)
{
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = -1;
}

static bool send_line(const char *line, size_t len)
{
	if (lg.fd >= 0 && send(lg.fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return true;
	if (lg.fd >= 0 && (errno == EAGAIN || errno == ENOBUFS))
		return false;
	reconnect(); /* the daemon restarted, or was not there yet */
	return lg.fd >= 0 && send(lg.fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
}

static size_t header(char *buf, size_t size, int prio)
{
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	if (!localtime_r(&now, &tm) || !strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm))
		stamp[0] = '\0';
	int n = snprintf(buf, size, "<%d>%s %s[%d]: ", LOG_DAEMON | LOG_PRI(prio), stamp, lg.tag, (int)getpid());
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

void log_msg(int prio, const char *fmt, ...)
{
	char line[LOG_LINE_MAX], text[LOG_LINE_MAX];
	int saved = errno; /* for %m */
	size_t n;
	va_list ap;

	if (lg.dropped) {
		n = header(line, sizeof line, LOG_WARNING);
		snprintf(line + n, sizeof line - n, "%lu messages lost: syslog did not keep up", lg.dropped);
		if (!send_line(line, strlen(line))) {
			lg.dropped++;
			return;
		}
		lg.dropped = 0;
	}
	n = header(line, sizeof line, prio);
	errno = saved;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	/* Peer and file text in a message is escaped as on a terminal (escape.h): a newline
	 * would forge a second syslog line. */
	escape_buf(line + n, sizeof line - n, text);
	if (!send_line(line, strlen(line)))
		lg.dropped++;
}
