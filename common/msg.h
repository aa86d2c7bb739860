/* msg.h: the payload of every frame proto.h carries, typed, with one encoder and one decoder
 * each, used by both ends (doc/protocol.md).  A decoder refuses (-1) a payload whose size
 * does not fit its message; texts are pointed to in the frame, never copied, never NUL-ended.
 * Never prints, never exits. */
#ifndef KZ_MSG_H
#define KZ_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The longest text of each kind: an encoder cuts a longer one, so what is sent is shown
 * whole by the other end. */
#define MSG_CALL_TEXT_MAX 512  /* CALL: what the call is, for the helper's log */
#define MSG_ERROR_TEXT_MAX 200 /* ERROR: why the helper turned a connection away */
#define MSG_RIGHT_MAX 16       /* DENIED: the right the peer lacks */
#define MSG_NAME_MAX 255       /* a node's name, and the name a call's handshake announced */
#define MSG_ATOM_MAX 255       /* SUP: a module's or a function's name, in bytes */
#define MSG_SUP_ARGS_MAX 64    /* SUP: arguments, each a binary */
#define MSG_SUP_MIN 8          /* SUP: u32, then a module and a function of one byte each */
#define MSG_PING_LEN 4
#define MSG_DONE_LEN 2

#define MSG_ATTACH_LEN 5
#define MSG_WINSIZE_LEN 4
#define MSG_EXIT_LEN 4
#define MSG_LOST_LEN 8
#define MSG_INFO_FIXED 17
/* INFO's state byte with this bit: u8 length and the text of what the booted node waits for
 * come before the name (PROTO_INFO). */
#define MSG_INFO_WAITING 0x80
#define MSG_WAIT_MAX 255

/* A text in a frame: bytes and their count. */
struct msg_text {
	const char *s;
	size_t len;
};

struct msg_attach {
	bool read_only;
	uint16_t rows, cols;
};

struct msg_winsize {
	uint16_t rows, cols;
};

/* STATUS's and PID's answer (and ATTACH's, which a client checks only for its type). */
struct msg_info {
	uint32_t pid;
	uint64_t started;  /* unix seconds */
	uint32_t clients;  /* attached */
	uint8_t state;     /* enum proto_node_state */
	struct msg_text node;
	struct msg_text waiting; /* BOOTING: the ready function waited for, as text; len 0: none */
};

struct msg_call {
	uint32_t handshake_ms; /* 0: the helper's own bound */
	struct msg_text what;  /* "rpc M:F/N", for the log */
};

/* CALL's answer; the node's connection comes beside it as SCM_RIGHTS. */
struct msg_call_ready {
	uint32_t creation;
	struct msg_text self; /* the name the handshake announced: the client's until it closes */
	struct msg_text node; /* the node's name, as its helper knows it */
};

/* SUP: the module, the function and its arguments, each argument a binary (Kazoo's sup). */
struct msg_sup {
	uint32_t handshake_ms; /* 0: the helper's own bound */
	struct msg_text mod, fun;
	size_t nargs;
	struct msg_text args[MSG_SUP_ARGS_MAX];
};

/* DONE: how a SUP or PING call ended. */
struct msg_done {
	uint8_t outcome; /* enum proto_done */
	uint8_t code;    /* PROTO_DONE_NO_RETURN's exit status */
};

/* Each encoder writes into out (PROTO_MAX_PAYLOAD bytes) and returns the payload's length;
 * each decoder reads f's payload: 0, or -1 when it is not that message. */
uint16_t msg_attach_encode(const struct msg_attach *m, uint8_t *out);
int msg_attach_decode(const struct proto_frame *f, struct msg_attach *m);
uint16_t msg_winsize_encode(const struct msg_winsize *m, uint8_t *out);
int msg_winsize_decode(const struct proto_frame *f, struct msg_winsize *m);
uint16_t msg_info_encode(const struct msg_info *m, uint8_t *out);
int msg_info_decode(const struct proto_frame *f, struct msg_info *m);
uint16_t msg_call_encode(const struct msg_call *m, uint8_t *out);
int msg_call_decode(const struct proto_frame *f, struct msg_call *m);
uint16_t msg_call_ready_encode(const struct msg_call_ready *m, uint8_t *out);
int msg_call_ready_decode(const struct proto_frame *f, struct msg_call_ready *m);
/* SUP: 0 with the payload's length in *len, or -1 when it does not fit one frame (a name
 * empty or longer than MSG_ATOM_MAX, more than MSG_SUP_ARGS_MAX arguments, or all of them
 * longer than a payload holds): the caller says why, nothing is cut. */
int msg_sup_encode(const struct msg_sup *m, uint8_t *out, uint16_t *len);
int msg_sup_decode(const struct proto_frame *f, struct msg_sup *m);
uint16_t msg_ping_encode(uint32_t handshake_ms, uint8_t *out);
int msg_ping_decode(const struct proto_frame *f, uint32_t *handshake_ms);
uint16_t msg_done_encode(const struct msg_done *m, uint8_t *out);
int msg_done_decode(const struct proto_frame *f, struct msg_done *m);
/* EXIT: the node's exit status; LOST: the bytes a client missed. */
uint16_t msg_exit_encode(uint32_t status, uint8_t *out);
int msg_exit_decode(const struct proto_frame *f, uint32_t *status);
uint16_t msg_lost_encode(uint64_t bytes, uint8_t *out);
int msg_lost_decode(const struct proto_frame *f, uint64_t *bytes);
/* ERROR's and DENIED's texts, cut to MSG_ERROR_TEXT_MAX and MSG_RIGHT_MAX. */
uint16_t msg_error_encode(const char *why, uint8_t *out);
uint16_t msg_denied_encode(const char *right, uint8_t *out);
/* ERROR's or DENIED's text, as much of it as its limit allows. */
struct msg_text msg_text_of(const struct proto_frame *f);

#endif
