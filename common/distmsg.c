/* distmsg.c: one frame from a node, measured by term.c before it is read.  libei's own
 * receive decodes control messages and binaries with the lengths the node wrote, unchecked;
 * a node that lies about one would have its caller read (and print) memory past the frame.
 * Here each term is measured whole within the frame first, and every field is read from a
 * measured term.  Format: OTP's "Distribution Protocol", "Protocol between connected nodes". */
#define _GNU_SOURCE
#include <stdbool.h>
#include <string.h>

#include "distmsg.h"

#define PASS_THROUGH 'p'
#define VERSION_MAGIC 131

/* Control messages that carry a message to a pid, and where the pid is in each. */
enum {
	CTRL_SEND = 2,            /* {2, Unused, ToPid} */
	CTRL_SEND_TT = 12,        /* {12, Unused, ToPid, TraceToken} */
	CTRL_SEND_SENDER = 22,    /* {22, FromPid, ToPid} */
	CTRL_SEND_SENDER_TT = 23, /* {23, FromPid, ToPid, TraceToken} */
};

/* A versioned term at buf[*at]: 0 with *t, *at past it. */
static int versioned(const char *buf, size_t len, size_t *at, struct term *t)
{
	if (*at >= len || (unsigned char)buf[*at] != VERSION_MAGIC)
		return -1;
	if (term_at(buf, (int)len, (int)*at + 1, t) < 0)
		return -1;
	*at = (size_t)t->end;
	return 0;
}

/* The control message's operation (a small integer first element) and its tuple. */
static int control_op(const struct term *ctrl, struct term *e, int *arity)
{
	const unsigned char *b = (const unsigned char *)ctrl->buf;

	/* Small tuples only: every control message has at most 5 elements. */
	if (ctrl->end - ctrl->start < 2 || b[ctrl->start] != 104 || b[ctrl->start + 1] > 5)
		return -1;
	*arity = b[ctrl->start + 1];
	if (*arity < 1 || term_tuple(ctrl, *arity, e) < 0)
		return -1;
	if (e[0].end - e[0].start != 2 || b[e[0].start] != 97) /* SMALL_INTEGER_EXT */
		return -1;
	return b[e[0].start + 1];
}

/* The pid a send is addressed to: NULL for any other operation. */
static const struct term *addressee(int op, int arity, const struct term *e)
{
	switch (op) {
	case CTRL_SEND:
	case CTRL_SEND_SENDER:
		return arity == 3 ? &e[2] : NULL;
	case CTRL_SEND_TT:
	case CTRL_SEND_SENDER_TT:
		return arity == 4 ? &e[2] : NULL;
	}
	return NULL;
}

static bool is_self(const struct term *to, const erlang_pid *self)
{
	struct term_pid p;

	return term_pid(to, &p) == 0 && p.num == self->num && p.serial == self->serial &&
	       p.creation == self->creation && p.node_len == strlen(self->node) &&
	       !memcmp(p.node, self->node, p.node_len);
}

static void read_message(struct distmsg *m)
{
	struct term e[2];

	if (term_tagged(&m->message, "rex", 2, e) == 0) {
		m->kind = DISTMSG_REX;
		m->result = e[1];
	} else if (term_tagged(&m->message, "rex_stdout", 2, e) == 0 && term_binary(&e[1], &m->bytes, &m->len) == 0) {
		m->kind = DISTMSG_OUTPUT;
	}
}

int distmsg_read(const char *buf, size_t len, const erlang_pid *self, struct distmsg *m)
{
	struct term ctrl, e[5];
	size_t at = 1;
	int arity;

	memset(m, 0, sizeof *m);
	m->kind = DISTMSG_IGNORED;
	if (len == 0 || len > DISTMSG_FRAME_MAX || buf[0] != PASS_THROUGH)
		return -1;
	if (versioned(buf, len, &at, &ctrl) < 0)
		return -1;
	int op = control_op(&ctrl, e, &arity);
	if (op < 0)
		return -1;
	const struct term *to = addressee(op, arity, e);
	/* Some operations carry a payload (a send its message, an exit its reason): measured
	 * whole either way, read only when it is a message to this call. */
	if (at < len && (versioned(buf, len, &at, &m->message) < 0 || at != len))
		return -1;
	if (!to)
		return 0;
	if (!m->message.buf)
		return -1; /* a send without its message */
	if (is_self(to, self))
		read_message(m);
	return 0;
}
