/* distmsg.h: what kzlaunch reads of one frame a node sends once the handshake is done (a
 * tick, or a control message and the message it carries), measured against the bytes that
 * came before anything is read from it.  No I/O: dist.c reads the frames, this decides what
 * they hold (doc/distribution.md, "Reading what the node sends"). */
#ifndef KZ_DISTMSG_H
#define KZ_DISTMSG_H

#include <ei.h>
#include <stddef.h>

#include "term.h"

/* A frame's payload is never larger: a reply a caller waits for fits many times over, and a
 * length beyond it is a node that lies. */
#define DISTMSG_FRAME_MAX (256u << 20)

enum distmsg_kind {
	DISTMSG_IGNORED, /* whole and well formed, but not for this call: a link, a monitor,
			  * a message to another pid (an earlier incarnation's) */
	DISTMSG_REX,     /* {rex, Result}: *result */
	DISTMSG_OUTPUT,  /* {rex_stdout, Bytes}: bytes and len */
};

struct distmsg {
	enum distmsg_kind kind;
	struct term message; /* the whole message, {rex, _} or {rex_stdout, _} */
	struct term result;  /* DISTMSG_REX: the Result within message */
	const char *bytes;   /* DISTMSG_OUTPUT: within message */
	size_t len;
};

/* One frame's payload of len bytes (its length word read off; len > 0: an empty frame is a
 * tick), addressed to `self`.  0 with *m; -1 when the frame is not what the distribution
 * protocol allows: a type other than pass-through, a term that is not whole, bytes after the
 * last term.  Nothing in m points outside buf[0..len). */
int distmsg_read(const char *buf, size_t len, const erlang_pid *self, struct distmsg *m);

#endif
