/* Fuzzes what kzlaunch reads while it shakes hands with a node (common/handshake.c): the input
 * is the byte stream a node sends (its status, challenge and ack, each behind a 2-byte length),
 * written to a real socket whose other end handshake_run reads; the first byte picks version
 * 5 or 6.  fuzz.t's -timeout catches a handshake that waits once the stream has ended. */
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
	/* A deadline far past libFuzzer's -timeout: a handshake that waits for the node once its
	 * stream has ended shows as a timeout, however loaded the machine. */
	int rc = handshake_run(sv[1], &h, fd_now_ms() + 60000, &err);
	/* Every failure says why. */
	if (rc < 0 && !err.msg)
		__builtin_trap();
	kz_err_clear(&err);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
