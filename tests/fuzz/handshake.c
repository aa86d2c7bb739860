/* Fuzzes what kzlaunch reads while it shakes hands with a node (common/handshake.c): the input
 * is the byte stream a node sends (its status, challenge and ack, each behind a 2-byte length),
 * written to a real socket whose other end handshake_run reads; the first byte picks version
 * 5 or 6.  A node that sends a digest of its own can never pass: the harness knows no cookie
 * that the input could answer. */
#define _GNU_SOURCE
#include <sys/socket.h>

#include "fd.h"
#include "fuzz.h"
#include "handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct handshake h = { .self = "kzlaunch9@vm", .node = "kazoo_apps@vm", .cookie = "fuzz_cookie",
			       .creation = 0x10042, .challenge = 42 };
	struct kz_err err = { 0 };
	int sv[2];

	if (len < 1 || len > 65536)
		return 0;
	h.version = data[0] & 1 ? 5 : 6;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (len > 1 && send(sv[0], data + 1, len - 1, MSG_NOSIGNAL) != (ssize_t)(len - 1))
		abort();
	shutdown(sv[0], SHUT_WR);
	long start = fd_now_ms();
	int rc = handshake_run(sv[1], &h, start + 1000, &err);
	/* The ack must carry the digest of our challenge under our cookie: an input can hold it
	 * only by chance of MD5.  Every failure says why, and none is a wait for the deadline
	 * (the stream has ended). */
	if (rc == 0 && !(len > 1))
		__builtin_trap();
	if (rc < 0 && (!err.msg || fd_now_ms() - start >= 1000))
		__builtin_trap();
	kz_err_clear(&err);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
