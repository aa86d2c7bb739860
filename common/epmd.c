/* epmd.c: one PORT_PLEASE2 request to epmd (the distribution's port mapper, TCP 4369 or
 * $ERL_EPMD_PORT), built and read here for both programs.  This replaces a throw-away VM for
 * "is the node up?".  It never exits and never prints. */
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
#include "num.h"
#include "fd.h"
#include "proto.h"

#define EPMD_PORT_PLEASE2_REQ 122
#define EPMD_PORT2_RESP 119
#define EPMD_TIMEOUT_SEC 2

int epmd_port(uint16_t *port, struct kz_err *err)
{
	const char *s = getenv("ERL_EPMD_PORT");
	unsigned long long v;

	*port = EPMD_DEFAULT_PORT;
	if (!s || !*s)
		return 0;
	if (!num_parse(s, 1, 65535, &v))
		return kz_err_set(err, EX_USAGE, "ERL_EPMD_PORT '%s': expected a port number from 1 to 65535", s);
	*port = (uint16_t)v;
	return 0;
}

size_t epmd_request(uint8_t out[EPMD_REQUEST_MAX], const char *node)
{
	size_t name_len = strcspn(node, "@");

	if (name_len == 0 || name_len > EPMD_NAME_MAX)
		return 0;
	proto_put16(out, (uint16_t)(name_len + 1));
	out[2] = EPMD_PORT_PLEASE2_REQ;
	memcpy(out + 3, node, name_len);
	return 3 + name_len;
}

int epmd_answer(const uint8_t *resp, size_t len)
{
	if (len < EPMD_ANSWER_LEN || resp[0] != EPMD_PORT2_RESP)
		return -1;
	return resp[1] == 0;
}

static int connect_epmd(const char *host, uint16_t port_num)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char port[8];
	struct timeval tv = { .tv_sec = EPMD_TIMEOUT_SEC };
	int fd = -1;

	snprintf(port, sizeof port, "%u", (unsigned)port_num);
	if (getaddrinfo(host, port, &hints, &res) != 0)
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

int epmd_answer_entry(const uint8_t *resp, size_t len, struct epmd_entry *e)
{
	int up = epmd_answer(resp, len);

	if (up != 1)
		return up;
	if (len < EPMD_ENTRY_LEN)
		return -1;
	e->port = proto_get16(resp + 2);
	e->highest = proto_get16(resp + 6);
	e->lowest = proto_get16(resp + 8);
	return 1;
}

int epmd_lookup(const char *node, struct epmd_entry *e, struct kz_err *err)
{
	const char *at = strchr(node, '@');
	uint8_t req[EPMD_REQUEST_MAX], resp[EPMD_ENTRY_LEN];
	size_t req_len = epmd_request(req, node);
	uint16_t port;
	int fd, rc;

	if (!at || req_len == 0)
		return kz_err_set(err, EX_USAGE, "node name '%s': expected NAME@HOST", node);
	if (epmd_port(&port, err) < 0)
		return -1;
	fd = connect_epmd(at + 1, port);
	if (fd < 0)
		return 0; /* no epmd: no node */
	rc = -1;
	if (fd_send_all(fd, req, req_len) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "epmd on %s: send", at + 1);
	} else {
		/* A name epmd does not know gets the two bytes alone, then the end of the stream. */
		ssize_t n = recv(fd, resp, sizeof resp, MSG_WAITALL);
		if (n >= EPMD_ANSWER_LEN && epmd_answer_entry(resp, (size_t)n, e) >= 0)
			rc = epmd_answer_entry(resp, (size_t)n, e);
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

int epmd_node_registered(const char *node, struct kz_err *err)
{
	struct epmd_entry e;

	return epmd_lookup(node, &e, err);
}
