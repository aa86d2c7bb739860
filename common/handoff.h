/* handoff.h: what `kzlaunch start` and the helper it starts hand each other outside the
 * socket: the cookies, in a memfd the helper reads once, and the ready pipe's message back.
 * One encoder and one decoder each, used by both ends.  Never prints, never exits. */
#ifndef KZ_HANDOFF_H
#define KZ_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The cookies the broker may connect with, a line each: the one the node boots with, then
 * the one Kazoo's kazoo_apps_init sets once it is up (helper/broker.h). */
#define HANDOFF_COOKIES_MAX 2
#define HANDOFF_COOKIES_SIZE 2048 /* all of them, newlines included */

/* Writes the n cookies (none holds a newline) to fd and rewinds it: 0, or -1 with errno. */
int handoff_cookies_write(int fd, const char *const cookies[], size_t n);
/* Splits buf[0..len) (len < size: a NUL is written at buf[len]) into at most max cookies in
 * place: how many.  Empty lines and an unended last line are not cookies. */
size_t handoff_cookies_decode(char *buf, size_t len, char *cookies[], size_t max);

/* The ready pipe carries what the helper waits for, as it changes, then one last message,
 * after which the helper closes it:
 *   "wait TEXT\n"   what the boot waits for now (epmd, the boot, the ready function);
 *   "up DEV INO\n"  the node has booted and the helper's socket is DEV:INO as bound;
 *   "exit N\n" and the node's last output: it ended (status N) before that. */
enum handoff_ready_kind { HANDOFF_WAIT, HANDOFF_UP, HANDOFF_EXIT };

struct handoff_ready {
	enum handoff_ready_kind kind;
	uintmax_t dev, ino;        /* HANDOFF_UP */
	int status;                /* HANDOFF_EXIT */
	const char *output;        /* HANDOFF_EXIT: what followed the line, not NUL-ended;
				    * HANDOFF_WAIT: the text */
	size_t output_len;
	size_t used;               /* the message's bytes, its newline included */
};

#define HANDOFF_READY_LINE_MAX 256

/* The line into out (HANDOFF_READY_LINE_MAX bytes): its length.  A wait's text is cut to
 * fit, and its newlines become spaces. */
size_t handoff_wait_encode(char *out, const char *text);
size_t handoff_up_encode(char *out, uintmax_t dev, uintmax_t ino);
size_t handoff_exit_encode(char *out, int status);
/* The first message of buf[0..len): 1 with *r once it is whole (an exit's output is whole
 * only at_eof; r->used says how many bytes it took), 0 when more is to come, -1 when it is
 * no such message. */
int handoff_ready_decode(const char *buf, size_t len, bool at_eof, struct handoff_ready *r);

#endif
