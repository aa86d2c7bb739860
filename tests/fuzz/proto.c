/* Fuzzes the wire protocol (common/proto.c) in both directions: the first byte's low bit
 * picks the helper's side, frames cut from a buffer with proto_parse as its loop does, or
 * the client's, frames read with proto_recv from a socket whose peer sent the input. */
#define _GNU_SOURCE
#include <sys/socket.h>

#include "fuzz.h"
#include "proto.h"

static void helper_side(const uint8_t *data, size_t len)
{
	struct proto_frame f;
	long used;

	while ((used = proto_parse(data, len, &f)) > 0) {
		if ((size_t)used > len || (size_t)used != PROTO_HEADER + (size_t)f.len ||
		    f.payload != data + PROTO_HEADER || f.len > PROTO_MAX_PAYLOAD)
			__builtin_trap();
		data += used;
		len -= (size_t)used;
	}
}

static void client_side(const uint8_t *data, size_t len)
{
	static uint8_t buf[PROTO_MAX_PAYLOAD];
	struct proto_frame f;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* Inputs are capped well under a socket's buffer (-max_len), so this never blocks. */
	if (len && send(sv[1], data, len, MSG_NOSIGNAL) != (ssize_t)len)
		abort();
	shutdown(sv[1], SHUT_WR);
	while (proto_recv(sv[0], &f, buf) == 1)
		if (f.len > PROTO_MAX_PAYLOAD)
			__builtin_trap();
	close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len > 65536 || len == 0)
		return 0;
	if (data[0] & 1)
		helper_side(data + 1, len - 1);
	else
		client_side(data + 1, len - 1);
	return 0;
}
