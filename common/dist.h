/* dist.h: kzlaunch as a hidden C node of the Erlang distribution: the handshake with one
 * node (handshake.h), and remote calls over a connection that is already authenticated, their
 * terms encoded by libei (erl_interface, in Debian's erlang-dev) (doc/distribution.md).
 * Never exits, never prints: every failure is a kz_err. */
#ifndef KZ_DIST_H
#define KZ_DIST_H

#include <ei.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "sockowner.h"

/* The fixed set of names a caller takes, kzlaunchN@the node's host: a node makes an atom of
 * every name that connects to it and never frees one, so a name per call would grow its atom
 * table for ever.  Two calls must never share a name at once: the node may hand the first
 * one's connection, and its replies, to the second.  So each name is leased before it is
 * used: 0 to 7 by the helper's sessions (helper/session.c), 8 by the helper's own boot
 * probe (helper/broker.c), 9 to 15 by kzlaunch itself when no helper serves the node
 * (launcher/lease.c). */
#define DIST_NAMES 16
#define DIST_HELPER_NAMES 8
#define DIST_PROBE_NAME 8
#define DIST_DIRECT_FIRST 9
#define DIST_ALIVE "kzlaunch"
/* A handshake with a local node takes a millisecond; one that takes this long never will. */
#define DIST_HANDSHAKE_MS 10000

struct dist_conn {
	int fd;
	ei_cnode ec; /* our side: the name and creation the handshake announced */
};

/* Returned by dist_call when the deadline passed first. */
#define DIST_TIMEDOUT 1

/* Where a node listens: what epmd said of it and its host's address. */
struct dist_peer {
	const char *node; /* NAME@HOST, the caller's */
	struct in_addr addr;
	uint16_t port;
	unsigned version;  /* the handshake's: 6 where the node offers it, else 5 */
	bool known;
	bool local;       /* on this host, so its port was proven the node's; elsewhere the
			   * handshake is all there is, and it proves nothing of the host */
};

/* libei set up, once: every function below does it first; a sandboxed process (the helper,
 * which adopts connections) does it before its filter.  0, or -1 with err. */
int dist_init(struct kz_err *err);

/* Asks HOST's epmd for the node's port and versions and resolves HOST: 0 with p filled, or
 * -1 with err: EX_UNAVAILABLE when epmd does not know the node; KZ_EXIT_FAIL for a node that
 * offers only older handshakes (naming the versions), a host that does not resolve, or, on
 * this host, a port that is not the node's (`who` says which uid and, where known, which pid
 * it must be: sockowner.h), refused before any byte reaches it. */
int dist_locate(struct dist_peer *p, const char *node, const struct sockowner_want *who, struct kz_err *err);

/* The handshake with a located node as the hidden node kzlaunch<name>@HOST with `cookie`,
 * within ms (at most DIST_HANDSHAKE_MS): 0 with c filled and c->fd close-on-exec; -1 with
 * err: EX_NOPERM when the node refuses it (another cookie), KZ_EXIT_FAIL when it does not
 * answer.  A node keeps its port for its life, so one dist_locate serves every handshake
 * with it. */
int dist_shake(struct dist_conn *c, const struct dist_peer *p, const char *cookie, unsigned name, unsigned ms,
	       struct kz_err *err);

/* Takes over a connection another process shook hands on and handed over (the helper does,
 * over its socket): `self` is the name it announced and `creation` its creation.  No cookie
 * is needed after the handshake. */
int dist_adopt(struct dist_conn *c, int fd, const char *self, unsigned creation, struct kz_err *err);

void dist_close(struct dist_conn *c);

/* Answers the node's tick on a connection kept idle, once poll says it is readable, without
 * blocking and without libei (the sandboxed helper calls it): a node closes a connection
 * that stays silent for its net_ticktime.  After the handshake a tick is an empty frame, four
 * zero bytes, and so is the answer.  0 while the connection is fit for a call; -1 once it
 * closed, failed, or brought anything else or a frame cut short. */
int dist_keepalive(int fd);

/* Called with each piece of output the remote function prints (its group leader's), as it
 * arrives. */
typedef void dist_output_fn(void *arg, const char *bytes, size_t len);

/* An atom holds at most 255 characters (of UTF-8, as libei encodes the names it sends). */
#define DIST_ATOM_MAX 255

/* A name the calls send as an atom (a module's, a function's): at most DIST_ATOM_MAX
 * characters of UTF-8.  0, or -1 with err (EX_USAGE) naming `what` and the name, so a
 * caller refuses it before connecting rather than fail to encode it later. */
int dist_atom_check(const char *what, const char *name, struct kz_err *err);

/* A buffer for the frames dist_receive reads, kept from one to the next; free(buf) when done. */
struct dist_frame {
	char *buf;
	size_t cap, len;
};

/* Reads frames until the reply to this connection's call, answering ticks, passing
 * {rex_stdout, Bytes} to out (NULL: dropped), ignoring whatever else is whole and well formed
 * (distmsg.h).  deadline: fd_now_ms()'s clock, -1 for none.  0 with reply holding {rex,
 * Result} and *result Result's index; DIST_TIMEDOUT; -1 with err when the connection closed
 * or failed, or the node sent what the protocol does not allow. */
int dist_receive(struct dist_conn *c, struct dist_frame *f, long deadline, dist_output_fn *out, void *arg,
		 ei_x_buff *reply, int *result, struct kz_err *err);

/* The sending half of dist_call: the call goes out, its answer is the caller's to read (the
 * helper reads it as it comes, in its loop: helper/supcall.h).  0, or -1 with err. */
int dist_send_call(struct dist_conn *c, const char *mod, const char *fun, const ei_x_buff *args, struct kz_err *err);

/* Calls mod:fun(ARGS...) on the node through rex, args being the encoded list of arguments
 * (no version byte), with the node's `user` as the group leader, as every OTP from 19 on
 * allows.  Waits at most timeout_ms (negative: for ever) for the answer, answering the node's
 * ticks; {rex_stdout, Bytes} messages (what common/capture.erl sends) go to out (NULL:
 * dropped).  Returns 0 with reply holding the message
 * {rex, Result} and *result the index of Result in reply->buff; DIST_TIMEDOUT; -1 with err
 * when the connection failed or closed. */
int dist_call(struct dist_conn *c, const char *mod, const char *fun, const ei_x_buff *args,
	      long timeout_ms, dist_output_fn *out, void *arg, ei_x_buff *reply, int *result,
	      struct kz_err *err);

#endif
