/* proto.h: the wire protocol between kzlaunch (the client) and kzlaunch-helper, over the
 * unix socket RUNDIR/REL.sock.  See doc/protocol.md.
 *
 * Every message is one frame: a 4-byte header (version, type, payload length as a 16-bit
 * big-endian number) and the payload.  Both ends check the version and that the length is
 * at most PROTO_MAX_PAYLOAD before reading the payload. */
#ifndef KZ_PROTO_H
#define KZ_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "err.h"

#define PROTO_VERSION 1
#define PROTO_HEADER 4
#define PROTO_MAX_PAYLOAD 16384

enum proto_type {
	/* client -> helper: the first frame is the request */
	PROTO_ATTACH = 1,  /* u8 read_only, u16 rows, u16 cols */
	PROTO_STATUS = 2,  /* empty */
	PROTO_PID = 3,     /* empty */
	PROTO_STOP = 4,    /* empty */
	PROTO_CALL = 5,    /* u32 timeout in ms for the handshake, then what the call is, as
			      text for the log ("rpc M:F/N"): a connection to the node, please */
	PROTO_RESTART = 6, /* empty: init:restart() on the node, then its boot again */
	PROTO_SUP = 7,     /* u32 timeout in ms for the handshake, u8 length and the module,
			      u8 length and the function, then each argument as u16 length and
			      bytes: Kazoo's sup, called by the helper (RESULT, DONE) */
	PROTO_PING = 8,    /* u32 timeout in ms for the handshake: does the node answer a call? */
	/* client -> helper, after ATTACH */
	PROTO_INPUT = 10,  /* bytes for the console (read-write clients only) */
	PROTO_WINSIZE = 11, /* u16 rows, u16 cols */
	/* helper -> client */
	PROTO_OUTPUT = 20, /* console bytes */
	PROTO_LOST = 21,   /* u64: bytes this client missed because it did not read */
	PROTO_INFO = 22,   /* STATUS/PID answer: u32 pid, u64 started (unix seconds),
			      u32 clients, u8 PROTO_NODE_* (with MSG_INFO_WAITING: then u8 length
			      and what the booted node waits for), then the node name (no NUL) */
	PROTO_EXIT = 23,   /* u32: the node's exit status (128 + signal when killed) */
	PROTO_DENIED = 24, /* the right the peer lacks, as text: "attach", "watch", "stop", "status" */
	PROTO_ERROR = 25,  /* text */
	PROTO_STOPPING = 26, /* empty: SIGTERM sent; EXIT follows when the node is gone */
	PROTO_CALL_READY = 27, /* CALL's answer, with the node's connection as SCM_RIGHTS: u32
				  the creation, u8 the length of the name the handshake announced,
				  that name, then the node's; the name is this client's until it
				  closes its helper connection */
	PROTO_RESTARTING = 28, /* empty: the node took init:restart(); INFO follows once its boot
				  has finished again, ERROR when it has not within start_timeout */
	PROTO_RESULT = 29, /* text: a piece of a SUP call's result, or of why it failed */
	PROTO_DONE = 30,   /* u8 PROTO_DONE_*, u8 code (NO_RETURN's): a SUP or PING call has
			      ended; OUTPUT frames before it carry what the function printed */
};

/* INFO's state of the node. */
enum proto_node_state {
	PROTO_NODE_BOOTING = 0, /* running, its boot not finished */
	PROTO_NODE_UP = 1,      /* booted */
	PROTO_NODE_STOPPING = 2,
	PROTO_NODE_UNCONFIRMED = 3, /* up as epmd says: the node refused the broker's cookie, so
				     * whether its boot has finished cannot be asked */
	PROTO_NODE_RESTARTING = 4,  /* init:restart() taken; its boot not finished again */
};

/* DONE's outcome: how Kazoo's sup reports the call (doc/protocol.md, "SUP and PING"). */
enum proto_done {
	PROTO_DONE_OK = 0,        /* returned ok, RESULT holding "ok"; a PING: the node answered */
	PROTO_DONE_VALUE = 1,     /* returned something else, on one line in RESULT */
	PROTO_DONE_NO_RETURN = 2, /* returned no_return or {no_return, Code}: exit with code */
	PROTO_DONE_UNDEFINED = 3, /* no such function of that arity */
	PROTO_DONE_TIMEOUT = 4,   /* it raised timeout_value */
	PROTO_DONE_FAILED = 5,    /* it raised: RESULT holds the reason on one line */
};

struct proto_frame {
	uint8_t type;
	uint16_t len;
	const uint8_t *payload; /* points into the caller's buffer */
};

/* Looks for one whole frame at the start of buf, reading no byte at or past buf[len].
 * Returns the bytes it takes (header and payload) with *f filled (f->payload points into
 * buf), 0 when more bytes are needed (*f untouched), -1 for a bad version or an oversize
 * length (the peer is to be dropped).  The version is judged as soon as buf[0] is there. */
long proto_parse(const uint8_t *buf, size_t len, struct proto_frame *f);

/* Writes a header for (type, len) into out[PROTO_HEADER]; len must be <= PROTO_MAX_PAYLOAD. */
void proto_header(uint8_t out[PROTO_HEADER], uint8_t type, uint16_t len);

/* Big-endian fields. */
void proto_put16(uint8_t *p, uint16_t v);
void proto_put32(uint8_t *p, uint32_t v);
void proto_put64(uint8_t *p, uint64_t v);
uint16_t proto_get16(const uint8_t *p);
uint32_t proto_get32(const uint8_t *p);
uint64_t proto_get64(const uint8_t *p);

/* Blocking helpers for the client side; fd is a blocking stream socket.
 * proto_send: the whole frame in order (retrying EINTR and short writes), never SIGPIPE.
 * Returns 0, or -1 with errno (EMSGSIZE when len > PROTO_MAX_PAYLOAD, EPIPE when the peer
 * is gone).
 * proto_recv: exactly one frame into buf (which holds PROTO_MAX_PAYLOAD); f->payload points
 * into buf.  Returns 1 for a frame, 0 for end of file before any byte of a header, -1 with
 * errno EPROTO for a bad version, an oversize length or end of file inside a frame, -1 with
 * recv's errno otherwise.  After -1 the stream is out of step: close it. */
int proto_send(int fd, uint8_t type, const void *payload, uint16_t len);
int proto_recv(int fd, struct proto_frame *f, uint8_t buf[PROTO_MAX_PAYLOAD]);
/* proto_recv, and a descriptor passed with the frame (SCM_RIGHTS) in *passed, close-on-exec;
 * -1 there when none came.  proto_recv closes any that comes. */
int proto_recv_fd(int fd, struct proto_frame *f, uint8_t buf[PROTO_MAX_PAYLOAD], int *passed);

/* Sends one whole frame with `passed` as SCM_RIGHTS, without blocking: 0, or -1 with errno
 * (EAGAIN when the socket's buffer has no room for all of it: the peer is to be dropped). */
int proto_send_fd(int fd, uint8_t type, const void *payload, uint16_t len, int passed);

/* RUNDIR/REL.sock, where the helper listens and every client connects: the one place the
 * name is made.  Allocated; NULL when out of memory. */
char *proto_socket_path(const char *rundir, const char *rel);

/* What is at the socket's path, never followed: 1 a socket (*st its lstat), 0 nothing at
 * all, or -1 with err (EX_CONFIG): something else there ("exists and is not a socket
 * kzlaunch made"), or lstat failed.  kzlaunch before a start and the helper before its bind
 * refuse the same things with the same words. */
int proto_socket_stat(const char *path, struct stat *st, struct kz_err *err);

#endif
