/* proto.c: the frame format of doc/protocol.md: headers, big-endian fields, parsing, and the
 * blocking send and receive the client uses.  Never reads past the bytes it is given, never
 * trusts a peer's length before checking it, never raises SIGPIPE and never exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sysexits.h>

#include "fd.h"
#include "fmt.h"
#include "proto.h"

/* Header layout: [0] version, [1] type, [2..3] payload length, big-endian. */
enum { H_VERSION = 0, H_TYPE = 1, H_LEN = 2 };

void proto_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void proto_put32(uint8_t *p, uint32_t v)
{
	proto_put16(p, (uint16_t)(v >> 16));
	proto_put16(p + 2, (uint16_t)v);
}

void proto_put64(uint8_t *p, uint64_t v)
{
	proto_put32(p, (uint32_t)(v >> 32));
	proto_put32(p + 4, (uint32_t)v);
}

uint16_t proto_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

uint32_t proto_get32(const uint8_t *p)
{
	return (uint32_t)proto_get16(p) << 16 | proto_get16(p + 2);
}

uint64_t proto_get64(const uint8_t *p)
{
	return (uint64_t)proto_get32(p) << 32 | proto_get32(p + 4);
}

void proto_header(uint8_t out[PROTO_HEADER], uint8_t type, uint16_t len)
{
	out[H_VERSION] = PROTO_VERSION;
	out[H_TYPE] = type;
	proto_put16(out + H_LEN, len);
}

long proto_parse(const uint8_t *buf, size_t len, struct proto_frame *f)
{
	/* The version is judged as soon as its byte is here: a peer speaking something else is
	 * dropped at once instead of being waited on for a header that means nothing. */
	if (len >= 1 && buf[H_VERSION] != PROTO_VERSION)
		return -1;
	if (len < PROTO_HEADER)
		return 0;
	uint16_t plen = proto_get16(buf + H_LEN);
	if (plen > PROTO_MAX_PAYLOAD)
		return -1;
	if (len - PROTO_HEADER < plen)
		return 0;
	f->type = buf[H_TYPE];
	f->len = plen;
	f->payload = buf + PROTO_HEADER;
	return (long)PROTO_HEADER + plen;
}

int proto_send(int fd, uint8_t type, const void *payload, uint16_t len)
{
	if (len > PROTO_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	uint8_t hdr[PROTO_HEADER];
	proto_header(hdr, type, len);

	/* The cast drops const only because struct iovec is shared with readv; sendmsg does
	 * not write to it. */
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof hdr },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	while (msg.msg_iovlen > 0) {
		/* MSG_NOSIGNAL: a client whose helper went away gets EPIPE, not a fatal signal. */
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* A short write: skip what went out and send the rest. */
		size_t done = (size_t)n;
		while (msg.msg_iovlen > 0 && done >= msg.msg_iov->iov_len) {
			done -= msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov->iov_base = (uint8_t *)msg.msg_iov->iov_base + done;
			msg.msg_iov->iov_len -= done;
		}
	}
	return 0;
}

/* The header's first bytes with recvmsg: a descriptor comes with the first byte of the
 * frame it was sent with. */
static ssize_t recv_first(int fd, uint8_t *hdr, size_t n, int *passed)
{
	ssize_t r = fd_recv_passed(fd, hdr, n, passed, 0);

	if (r > 0 && (size_t)r < n) {
		ssize_t rest = fd_read_all(fd, hdr + r, n - (size_t)r);
		if (rest < 0)
			return -1;
		r += rest;
	}
	return r;
}

int proto_recv(int fd, struct proto_frame *f, uint8_t buf[PROTO_MAX_PAYLOAD])
{
	int passed, rc = proto_recv_fd(fd, f, buf, &passed);

	if (passed >= 0)
		close(passed);
	return rc;
}

int proto_send_fd(int fd, uint8_t type, const void *payload, uint16_t len, int passed)
{
	uint8_t hdr[PROTO_HEADER];
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof hdr },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	ssize_t n;

	if (len > PROTO_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	proto_header(hdr, type, len);
	n = fd_send_passing(fd, iov, len ? 2 : 1, passed, MSG_DONTWAIT);
	if (n < 0)
		return -1;
	if ((size_t)n != sizeof hdr + len) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

int proto_recv_fd(int fd, struct proto_frame *f, uint8_t buf[PROTO_MAX_PAYLOAD], int *passed)
{
	uint8_t hdr[PROTO_HEADER];

	ssize_t got = recv_first(fd, hdr, sizeof hdr, passed);
	if (got < 0)
		return -1;
	if (got == 0)
		return 0;
	if ((size_t)got < sizeof hdr) {
		errno = EPROTO; /* the peer hung up inside a header */
		return -1;
	}
	uint16_t plen = proto_get16(hdr + H_LEN);
	if (hdr[H_VERSION] != PROTO_VERSION || plen > PROTO_MAX_PAYLOAD) {
		errno = EPROTO;
		return -1;
	}
	got = fd_read_all(fd, buf, plen);
	if (got < 0)
		return -1;
	if ((size_t)got < plen) {
		errno = EPROTO; /* the peer hung up inside a payload */
		return -1;
	}
	f->type = hdr[H_TYPE];
	f->len = plen;
	f->payload = buf;
	return 1;
}

char *proto_socket_path(const char *rundir, const char *rel)
{
	return fmt_new("%s/%s.sock", rundir, rel);
}

int proto_socket_stat(const char *path, struct stat *st, struct kz_err *err)
{
	if (lstat(path, st) < 0)
		return errno == ENOENT ? 0 : kz_err_errno(err, EX_CONFIG, "%s", path);
	if (!S_ISSOCK(st->st_mode))
		return kz_err_set(err, EX_CONFIG, "%s: exists and is not a socket kzlaunch made; refusing it", path);
	return 1;
}
