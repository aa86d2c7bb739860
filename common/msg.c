/* msg.c: the frames' payloads, field by field in the order doc/protocol.md gives. */
#include <string.h>

#include "msg.h"

static size_t at_most(size_t len, size_t max)
{
	return len < max ? len : max;
}

static uint16_t put_text(uint8_t *out, const char *s, size_t len, size_t max)
{
	len = at_most(len, max);
	memcpy(out, s, len);
	return (uint16_t)len;
}

uint16_t msg_attach_encode(const struct msg_attach *m, uint8_t *out)
{
	out[0] = m->read_only;
	proto_put16(out + 1, m->rows);
	proto_put16(out + 3, m->cols);
	return MSG_ATTACH_LEN;
}

int msg_attach_decode(const struct proto_frame *f, struct msg_attach *m)
{
	if (f->type != PROTO_ATTACH || f->len != MSG_ATTACH_LEN)
		return -1;
	m->read_only = f->payload[0] != 0;
	m->rows = proto_get16(f->payload + 1);
	m->cols = proto_get16(f->payload + 3);
	return 0;
}

uint16_t msg_winsize_encode(const struct msg_winsize *m, uint8_t *out)
{
	proto_put16(out, m->rows);
	proto_put16(out + 2, m->cols);
	return MSG_WINSIZE_LEN;
}

int msg_winsize_decode(const struct proto_frame *f, struct msg_winsize *m)
{
	if (f->type != PROTO_WINSIZE || f->len != MSG_WINSIZE_LEN)
		return -1;
	m->rows = proto_get16(f->payload);
	m->cols = proto_get16(f->payload + 2);
	return 0;
}

uint16_t msg_info_encode(const struct msg_info *m, uint8_t *out)
{
	proto_put32(out, m->pid);
	proto_put64(out + 4, m->started);
	proto_put32(out + 12, m->clients);
	out[16] = m->state;
	if (m->waiting.len == 0)
		return (uint16_t)(MSG_INFO_FIXED + put_text(out + MSG_INFO_FIXED, m->node.s, m->node.len, MSG_NAME_MAX));
	out[16] |= MSG_INFO_WAITING;
	uint16_t wlen = put_text(out + MSG_INFO_FIXED + 1, m->waiting.s, m->waiting.len, MSG_WAIT_MAX);
	out[MSG_INFO_FIXED] = (uint8_t)wlen;
	size_t at = MSG_INFO_FIXED + 1u + wlen;
	return (uint16_t)(at + put_text(out + at, m->node.s, m->node.len, MSG_NAME_MAX));
}

int msg_info_decode(const struct proto_frame *f, struct msg_info *m)
{
	size_t at = MSG_INFO_FIXED;

	if (f->type != PROTO_INFO || f->len < MSG_INFO_FIXED)
		return -1;
	m->pid = proto_get32(f->payload);
	m->started = proto_get64(f->payload + 4);
	m->clients = proto_get32(f->payload + 12);
	m->state = f->payload[16] & (uint8_t)~MSG_INFO_WAITING;
	m->waiting = (struct msg_text){ NULL, 0 };
	if (f->payload[16] & MSG_INFO_WAITING) {
		if (f->len < MSG_INFO_FIXED + 1u || f->len - MSG_INFO_FIXED - 1u < f->payload[MSG_INFO_FIXED])
			return -1;
		m->waiting = (struct msg_text){ (const char *)f->payload + MSG_INFO_FIXED + 1, f->payload[MSG_INFO_FIXED] };
		at += 1u + m->waiting.len;
	}
	if (f->len - at > MSG_NAME_MAX)
		return -1;
	m->node = (struct msg_text){ (const char *)f->payload + at, f->len - at };
	return 0;
}

uint16_t msg_call_encode(const struct msg_call *m, uint8_t *out)
{
	proto_put32(out, m->handshake_ms);
	return (uint16_t)(4 + put_text(out + 4, m->what.s, m->what.len, MSG_CALL_TEXT_MAX));
}

int msg_call_decode(const struct proto_frame *f, struct msg_call *m)
{
	if (f->type != PROTO_CALL || f->len < 4 || f->len > 4 + MSG_CALL_TEXT_MAX)
		return -1;
	m->handshake_ms = proto_get32(f->payload);
	m->what = (struct msg_text){ (const char *)f->payload + 4, f->len - 4u };
	return 0;
}

/* One name of a SUP request: its length byte, then its bytes. */
static size_t put_name(uint8_t *out, const struct msg_text *t)
{
	out[0] = (uint8_t)t->len;
	memcpy(out + 1, t->s, t->len);
	return 1 + t->len;
}

int msg_sup_encode(const struct msg_sup *m, uint8_t *out, uint16_t *len)
{
	size_t n = 4, need = 4 + 2 + m->mod.len + m->fun.len;

	if (m->mod.len == 0 || m->mod.len > MSG_ATOM_MAX || m->fun.len == 0 || m->fun.len > MSG_ATOM_MAX ||
	    m->nargs > MSG_SUP_ARGS_MAX)
		return -1;
	for (size_t i = 0; i < m->nargs; i++)
		need += 2 + m->args[i].len;
	if (need > PROTO_MAX_PAYLOAD)
		return -1;
	proto_put32(out, m->handshake_ms);
	n += put_name(out + n, &m->mod);
	n += put_name(out + n, &m->fun);
	for (size_t i = 0; i < m->nargs; i++) {
		proto_put16(out + n, (uint16_t)m->args[i].len);
		memcpy(out + n + 2, m->args[i].s, m->args[i].len);
		n += 2 + m->args[i].len;
	}
	*len = (uint16_t)n;
	return 0;
}

/* A name at *at: 0 with it, -1 when it is empty or runs past the payload's end. */
static int take_name(const struct proto_frame *f, size_t *at, struct msg_text *t)
{
	size_t n;

	if (*at >= f->len || (n = f->payload[*at]) == 0 || f->len - *at - 1 < n)
		return -1;
	*t = (struct msg_text){ (const char *)f->payload + *at + 1, n };
	*at += 1 + n;
	return 0;
}

int msg_sup_decode(const struct proto_frame *f, struct msg_sup *m)
{
	size_t at = 4;

	if (f->type != PROTO_SUP || f->len < MSG_SUP_MIN)
		return -1;
	m->handshake_ms = proto_get32(f->payload);
	if (take_name(f, &at, &m->mod) < 0 || take_name(f, &at, &m->fun) < 0)
		return -1;
	for (m->nargs = 0; at < f->len; m->nargs++) {
		size_t n;
		if (m->nargs == MSG_SUP_ARGS_MAX || f->len - at < 2 || f->len - at - 2 < (n = proto_get16(f->payload + at)))
			return -1;
		m->args[m->nargs] = (struct msg_text){ (const char *)f->payload + at + 2, n };
		at += 2 + n;
	}
	return 0;
}

_Static_assert(MSG_PING_LEN == 4 && MSG_EXIT_LEN == 4, "PING and EXIT carry one u32");

/* PING's and EXIT's payload: one u32 and nothing else. */
static uint16_t u32_encode(uint32_t v, uint8_t *out)
{
	proto_put32(out, v);
	return 4;
}

static int u32_decode(const struct proto_frame *f, uint8_t type, uint32_t *v)
{
	if (f->type != type || f->len != 4)
		return -1;
	*v = proto_get32(f->payload);
	return 0;
}

uint16_t msg_ping_encode(uint32_t handshake_ms, uint8_t *out)
{
	return u32_encode(handshake_ms, out);
}

int msg_ping_decode(const struct proto_frame *f, uint32_t *handshake_ms)
{
	return u32_decode(f, PROTO_PING, handshake_ms);
}

uint16_t msg_done_encode(const struct msg_done *m, uint8_t *out)
{
	out[0] = m->outcome;
	out[1] = m->code;
	return MSG_DONE_LEN;
}

int msg_done_decode(const struct proto_frame *f, struct msg_done *m)
{
	if (f->type != PROTO_DONE || f->len != MSG_DONE_LEN || f->payload[0] > PROTO_DONE_FAILED)
		return -1;
	m->outcome = f->payload[0];
	m->code = f->payload[1];
	return 0;
}

uint16_t msg_call_ready_encode(const struct msg_call_ready *m, uint8_t *out)
{
	uint16_t slen;

	proto_put32(out, m->creation);
	slen = put_text(out + 5, m->self.s, m->self.len, MSG_NAME_MAX);
	out[4] = (uint8_t)slen;
	return (uint16_t)(5 + slen + put_text(out + 5 + slen, m->node.s, m->node.len, MSG_NAME_MAX));
}

/* Both names must be there: a call without either cannot be made or named. */
int msg_call_ready_decode(const struct proto_frame *f, struct msg_call_ready *m)
{
	if (f->type != PROTO_CALL_READY || f->len < 5)
		return -1;
	size_t slen = f->payload[4];
	if (slen == 0 || f->len <= 5 + slen || f->len - 5 - slen > MSG_NAME_MAX)
		return -1;
	m->creation = proto_get32(f->payload);
	m->self = (struct msg_text){ (const char *)f->payload + 5, slen };
	m->node = (struct msg_text){ (const char *)f->payload + 5 + slen, f->len - 5 - slen };
	return 0;
}

uint16_t msg_exit_encode(uint32_t status, uint8_t *out)
{
	return u32_encode(status, out);
}

int msg_exit_decode(const struct proto_frame *f, uint32_t *status)
{
	return u32_decode(f, PROTO_EXIT, status);
}

uint16_t msg_lost_encode(uint64_t bytes, uint8_t *out)
{
	proto_put64(out, bytes);
	return MSG_LOST_LEN;
}

int msg_lost_decode(const struct proto_frame *f, uint64_t *bytes)
{
	if (f->type != PROTO_LOST || f->len != MSG_LOST_LEN)
		return -1;
	*bytes = proto_get64(f->payload);
	return 0;
}

uint16_t msg_error_encode(const char *why, uint8_t *out)
{
	return put_text(out, why, strlen(why), MSG_ERROR_TEXT_MAX);
}

uint16_t msg_denied_encode(const char *right, uint8_t *out)
{
	return put_text(out, right, strlen(right), MSG_RIGHT_MAX);
}

struct msg_text msg_text_of(const struct proto_frame *f)
{
	size_t max = f->type == PROTO_DENIED ? MSG_RIGHT_MAX : MSG_ERROR_TEXT_MAX;

	return (struct msg_text){ (const char *)f->payload, at_most(f->len, max) };
}
