/* ready.h: is the node up yet (its name in epmd, then its boot finished), and telling
 * `kzlaunch start` and the warden when it is, when it stops and when it died booting; the
 * warden's stop requests come back on the same channel. */
#ifndef KZ_READY_H
#define KZ_READY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brokermsg.h"
#include "err.h"
#include "nodeproc.h"
#include "ring.h"
#include "sock.h"

#define READY_PROBE_MS 10
#define READY_BOOT_MS 10
/* The policy's ready function is a real call on the node: not more often than this. */
#define READY_CALL_MS 500

struct ready {
	/* main.c's to set before ready_init */
	struct node *node;             /* marked up here; stopped when the warden asks */
	const struct broker_link *broker; /* asked about the boot once epmd knows the name */
	const struct sock_claim *sock; /* the socket as bound: its inode is told with "up" */
	const struct ring *replay;     /* the last output, for a launcher whose node died booting */
	uint16_t epmd_port;
	int launcher_fd;               /* the ready pipe to `kzlaunch start`, -1 when none */
	int warden_fd;                 /* channel to the warden (warden.h), -1 once it closed */
	unsigned start_timeout;        /* seconds a restart's boot may take before its clients hear */
	const char *ready_mod, *ready_fun; /* the policy's `ready`: "" when unset */
	/* its own: epmd is asked every READY_PROBE_MS whether it knows the node yet */
	int timer;
	int probe_fd;                  /* epmd connection in progress, -1 when none */
	bool probe_connecting;         /* waiting for the probe's connect to complete */
	bool registered;               /* epmd knows the node: the broker asks about its boot now */
	bool boot_pending;             /* a boot probe is with the broker */
	long boot_asked_ms;
	long restart_deadline_ms;      /* a restart's boot outlasts start_timeout here; -1: none */
	bool booted;                   /* the boot finished: the ready function is waited for now */
	bool call_pending;             /* a ready call is with the broker */
	long call_asked_ms;
	char last[BROKER_TEXT_MAX];    /* what the ready function last returned; "" before it has */
};

/* Makes the probe's timer and arms it: the first probe goes at the loop's first pass.  Before
 * the sandbox. */
int ready_init(struct ready *r, struct kz_err *err);
/* The broker's answer to a boot probe: the node is up once it says the boot has finished.
 * The node's transitions (NODE_EV_) it began. */
unsigned ready_boot_answer(struct ready *r, const struct broker_answer *a);
/* The broker's answer to a ready call: the node is up once the function returned true or
 * ok; else what it returned is told to `start`, systemd and `status`. */
unsigned ready_call_answer(struct ready *r, const struct broker_answer *a);

/* The loop's source row (loop.c): the probe's timer, the probe's connection and the warden's
 * channel.  part is the struct ready. */
#define READY_FDS 3
size_t ready_poll(const void *part, struct pollfd *fds);
unsigned ready_serve(void *part, const struct pollfd *fds, size_t n);
/* The loop's table: a stop began (systemd hears STOPPING=1 through the warden); the node
 * ended (if `start` never heard it was up, it gets the status and last output). */
void ready_on_stopping(void *part);
/* The loop's table: the node took init:restart(): its name and boot are waited for again. */
void ready_on_restarting(void *part);
/* The loop's table: the watchdog's call was answered in time (WATCHDOG=1 to systemd). */
void ready_on_answered(void *part);
void ready_on_gone(void *part);

#endif
