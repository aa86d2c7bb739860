/* brokermsg.h: the channel between the helper and its broker (broker.h), a SOCK_SEQPACKET
 * pair: one message per request and per answer, each whole or not at all.  Both ends write
 * and read them here, so no offset is written twice; and the helper's parts that ask the
 * broker link this alone, not the broker with its handshakes. */
#ifndef KZ_BROKERMSG_H
#define KZ_BROKERMSG_H

#include <stdbool.h>
#include <stdint.h>

#define BROKER_TEXT_MAX 256
/* A node that takes longer than this to say how its boot is going is asked again. */
#define BROKER_BOOT_PROBE_MS 2000

/* The ids of boot probes' and standbys' answers (calls' ids count up from 1 and never reach
 * them). */
#define BROKER_BOOT_ID 0xffffffffu
#define BROKER_STANDBY_ID 0xfffffffeu
#define BROKER_RESTART_ID 0xfffffffdu
#define BROKER_PING_ID 0xfffffffcu
#define BROKER_READY_ID 0xfffffffbu
/* An atom's longest, as the policy's `ready = MOD:FUN` allows it. */
#define BROKER_ATOM_MAX 255

/* The helper's end: fd -1 once the broker is gone.  Written only here (broker_read marks it
 * gone); the parts that ask hold it as const. */
struct broker_link {
	int fd;
};

/* A boot probe's verdict. */
enum broker_boot {
	BROKER_BOOT_STARTING, /* not yet, or no answer: text says which */
	BROKER_BOOT_STARTED,
	BROKER_BOOT_REFUSED,  /* the node refused every cookie: asking again would only put a
			       * rejected connection in its log each time */
};

/* One answer: the connection and the name and creation it was made under, or why not; for a
 * boot probe, its verdict. */
struct broker_answer {
	uint32_t id;       /* as asked */
	int fd;            /* the connection, close-on-exec; -1 when there is none */
	uint32_t creation; /* a connection's: the creation the handshake gave the name */
	enum broker_boot boot; /* id BROKER_BOOT_ID only */
	bool taken;        /* ids BROKER_RESTART_ID and BROKER_PING_ID: the node took it, or answered */
	bool ready;        /* id BROKER_READY_ID only: the ready function returned true or ok */
	char text[BROKER_TEXT_MAX]; /* the name the handshake announced, or the error */
};

/* Asks whether the node's boot has finished (init:get_status() is {started, started}), over a
 * connection of the broker's own under DIST_PROBE_NAME, kept until it has.  The answer has
 * id BROKER_BOOT_ID, fd -1, and its verdict in boot (text says what the node answered or why
 * it could not).  0, or -1 when the broker is gone. */
int broker_ask_boot(const struct broker_link *b);

/* Asks the node to init:restart() over the boot probe's connection (relx's and mix's
 * restart: the VM stays, its applications boot again).  The answer has id
 * BROKER_RESTART_ID, fd -1, taken, and text the node's answer or why there was none.  0, or
 * -1 when the broker is gone. */
int broker_ask_restart(const struct broker_link *b);

/* Asks the node a real call, erlang:node() through rex, over the boot probe's connection,
 * bounded by ms: the watchdog's (watchdog.h).  The answer has id BROKER_PING_ID and taken
 * when it answered.  0, or -1 when the broker is gone. */
int broker_ask_ping(const struct broker_link *b, uint32_t ms);
/* Asks the node to call mod:fun() (the policy's `ready`, two atoms of at most
 * BROKER_ATOM_MAX bytes) over the boot probe's connection.  The answer has id
 * BROKER_READY_ID, fd -1, ready when it returned true or ok, and text what it returned, on
 * one line (an exception or an undefined function: "an exception: REASON"), or why there
 * was no answer.  0, or -1 when the broker is gone. */
int broker_ask_ready(const struct broker_link *b, const char *mod, const char *fun);

/* Asks for a connection under name (0 to DIST_HELPER_NAMES - 1), its handshake bounded by
 * ms (0: DIST_HANDSHAKE_MS); the answer carries id.  0, or -1 when the broker is gone. */
int broker_ask(const struct broker_link *b, uint32_t id, unsigned name, uint32_t ms);

/* The same for a connection no call has asked for yet, the helper's standby (calls.h):
 * the answer carries BROKER_STANDBY_ID. */
int broker_ask_standby(const struct broker_link *b, unsigned name);

/* One answer: 1 with *a, 0 when none is there yet, -1 when the broker is gone (its end is
 * closed then, and b->fd is -1 from then on). */
int broker_read(struct broker_link *b, struct broker_answer *a);

/* The broker's end. */
enum broker_kind {
	BROKER_CONNECT = 'C',
	BROKER_BOOT = 'B',
	BROKER_STANDBY = 'S',
	BROKER_RESTART = 'R',
	BROKER_PING = 'P',
	BROKER_READY = 'Y',
};

struct broker_request {
	uint32_t id;
	enum broker_kind kind;
	unsigned name;
	uint32_t ms;
	char mod[BROKER_ATOM_MAX + 1], fun[BROKER_ATOM_MAX + 1]; /* BROKER_READY's: NUL-terminated */
};

/* The next request, waiting for it: 1 with *r, 0 for a message that is none (skipped), -1
 * when the helper has closed its end. */
int broker_request_recv(int fd, struct broker_request *r);

/* An answer: conn (-1: none) with the creation and the name it was made under, or -1 and why
 * not; to a boot probe, its verdict as creation; to a restart, 1 as creation when the node
 * took it; to a ready call, 1 as creation when it returned true or ok.  0, or -1 when the
 * helper is gone. */
int broker_answer_send(int fd, uint32_t id, int conn, uint32_t creation, const char *text);

#endif
