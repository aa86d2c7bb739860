/* epmd.c: one PORT_PLEASE2 request to epmd (the distribution's port mapper, TCP 4369 or
 * $ERL_EPMD_PORT).  This replaces a throw-away VM for "is the node up?". */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "epmd.h"

#define EPMD_PORT_PLEASE2_REQ 122
#define EPMD_PORT2_RESP 119
#define EPMD_TIMEOUT_SEC 2

static int connect_epmd(const char *host)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	const char *port = getenv("ERL_EPMD_PORT");
	struct timeval tv = { .tv_sec = EPMD_TIMEOUT_SEC };
	int fd = -1;

	if (getaddrinfo(host, port && *port ? port : "4369", &hints, &res) != 0)
		return -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		/* A local epmd answers at once; the timeout only bounds a host that drops packets. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
		    connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static int send_all(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int epmd_node_registered(const char *node, struct kz_err *err)
{
	const char *at = strchr(node, '@');
	size_t name_len = at ? (size_t)(at - node) : strlen(node);
	unsigned char req[3 + 256], resp[2];
	int fd, rc;

	if (!at || name_len == 0 || name_len > 255)
		return kz_err_set(err, EX_USAGE, "node name '%s': expected NAME@HOST", node);
	fd = connect_epmd(at + 1);
	if (fd < 0)
		return 0; /* no epmd: no node */
	req[0] = (unsigned char)((name_len + 1) >> 8);
	req[1] = (unsigned char)(name_len + 1);
	req[2] = EPMD_PORT_PLEASE2_REQ;
	memcpy(req + 3, node, name_len);
	rc = -1;
	if (send_all(fd, req, 3 + name_len) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "epmd on %s: send", at + 1);
	} else {
		ssize_t n = recv(fd, resp, sizeof resp, MSG_WAITALL);
		if (n == 2 && resp[0] == EPMD_PORT2_RESP)
			rc = resp[1] == 0;
		else if (n == 0)
			rc = 0; /* epmd closes without a word for some unknown names */
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			kz_err_set(err, KZ_EXIT_FAIL, "epmd on %s: no answer within %d s", at + 1, EPMD_TIMEOUT_SEC);
		else if (n < 0)
			kz_err_errno(err, KZ_EXIT_FAIL, "epmd on %s: recv", at + 1);
		else
			kz_err_set(err, KZ_EXIT_FAIL, "epmd on %s: unexpected answer", at + 1);
	}
	close(fd);
	return rc;
}
