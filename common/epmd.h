/* epmd.h: the port mapper's PORT_PLEASE2 request and answer, its port ($ERL_EPMD_PORT), and
 * the launcher's blocking "is the node registered?".  The helper builds and reads the same
 * frames over its own non-blocking probe.  Never exits: every failure is a kz_err. */
#ifndef KZ_EPMD_H
#define KZ_EPMD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define EPMD_DEFAULT_PORT 4369
#define EPMD_NAME_MAX 255                    /* bytes of a node's name before the '@' */
#define EPMD_REQUEST_MAX (3 + EPMD_NAME_MAX)
#define EPMD_ANSWER_LEN 2                    /* PORT2_RESP and its result byte */
#define EPMD_ENTRY_LEN 10                    /* ... then port, type, protocol, versions */

/* What epmd knows of a registered node: its distribution port and the handshake versions
 * it offers (6 from OTP 23 on). */
struct epmd_entry {
	uint16_t port;
	uint16_t highest, lowest;
};

/* $ERL_EPMD_PORT, or 4369 when it is unset or empty.  Anything but a decimal number from 1
 * to 65535 is refused (EX_USAGE, naming the variable and the value): a bad port must not turn
 * into "no epmd answers, so the node is not running". */
int epmd_port(uint16_t *port, struct kz_err *err);

/* PORT_PLEASE2 for the name before `node`'s '@' (all of it without one) into out; its
 * length, or 0 when the name is empty or longer than EPMD_NAME_MAX. */
size_t epmd_request(uint8_t out[EPMD_REQUEST_MAX], const char *node);

/* An answer's first EPMD_ANSWER_LEN bytes: 1 registered, 0 not, -1 not a PORT2_RESP. */
int epmd_answer(const uint8_t *resp, size_t len);

/* Like epmd_answer, and for a registered node (1) also fills e, which needs EPMD_ENTRY_LEN
 * bytes (-1 when fewer came). */
int epmd_answer_entry(const uint8_t *resp, size_t len, struct epmd_entry *e);

/* epmd_node_registered, and for a registered node its entry in e. */
int epmd_lookup(const char *node, struct epmd_entry *e, struct kz_err *err);

/* 1 when `node` (NAME@HOST) is registered with epmd on HOST, 0 when it is not (or no epmd
 * answers there), -1 with err on a bad ERL_EPMD_PORT or a malformed answer. */
int epmd_node_registered(const char *node, struct kz_err *err);

#endif
