/* Fuzzes what kzlaunch reads from a node once the handshake is done: the input is the byte
 * stream a node sends (length words, ticks, frames), fed through a real socket to
 * dist_receive (common/dist.c, common/distmsg.c), the code every call and the boot probe wait
 * in.  The first byte picks the mode: the stream, or the input as one frame to distmsg_read
 * alone, a copy of exactly its bytes so any read past them is ASan's. */
#define _GNU_SOURCE
#include <sys/socket.h>

#include "dist.h"
#include "distmsg.h"
#include "fd.h"
#include "fuzz.h"

#define SELF "kzlaunch9@vm"
#define SELF_CREATION 0x10042u

static void output(void *arg, const char *bytes, size_t len)
{
	const struct dist_frame *f = arg;

	/* Output lies within the frame it came in. */
	if (bytes < f->buf || bytes + len > f->buf + f->len)
		__builtin_trap();
}

static void one_frame(const uint8_t *data, size_t len)
{
	struct dist_conn c;
	struct kz_err err = { 0 };
	struct distmsg m;
	char *copy = malloc(len ? len : 1);

	memcpy(copy, data, len);
	if (dist_adopt(&c, -1, SELF, SELF_CREATION, &err) < 0)
		abort();
	if (distmsg_read(copy, len, ei_self(&c.ec), &m) == 0 && m.kind != DISTMSG_IGNORED) {
		if (m.message.start < 0 || m.message.end > (int)len)
			__builtin_trap();
		if (m.kind == DISTMSG_OUTPUT && (m.bytes < copy || m.bytes + m.len > copy + len))
			__builtin_trap();
	}
	free(copy);
}

static void stream(const uint8_t *data, size_t len)
{
	struct dist_conn c;
	struct dist_frame f = { 0 };
	struct kz_err err = { 0 };
	ei_x_buff reply;
	int sv[2], result = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* The whole input fits in the socket's buffer (at most 64 KiB): then the node is gone. */
	if (len > 0 && send(sv[0], data, len, MSG_NOSIGNAL) != (ssize_t)len)
		abort();
	shutdown(sv[0], SHUT_WR);
	if (dist_adopt(&c, sv[1], SELF, SELF_CREATION, &err) < 0 || ei_x_new(&reply) < 0)
		abort();
	for (int calls = 0; calls < 4; calls++) {
		struct term t;
		/* The stream has ended: a reader that waits instead is caught by fuzz.t's -timeout,
		 * long before this deadline, however loaded the machine. */
		int rc = dist_receive(&c, &f, fd_now_ms() + 60000, output, &f, &reply, &result, &err);
		if (rc < 0) {
			if (!err.msg)
				__builtin_trap();
			break;
		}
		if (term_at(reply.buff, reply.index, result, &t) < 0)
			__builtin_trap();
	}
	kz_err_clear(&err);
	ei_x_free(&reply);
	free(f.buf);
	close(sv[0]);
	dist_close(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 1 || len > 65536)
		return 0;
	if (data[0] & 1)
		one_frame(data + 1, len - 1);
	else
		stream(data + 1, len - 1);
	return 0;
}
