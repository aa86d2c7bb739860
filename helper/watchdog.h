/* watchdog.h: whether the booted node still answers a real call (erlang:node() through rex,
 * asked by the broker), every half period.  Under systemd's WatchdogSec= (WATCHDOG_USEC),
 * each answer in time is a WATCHDOG=1 through the warden, and the silence of a node that
 * stops answering is what systemd acts on.  With the policy's [node] watchdog and no systemd,
 * the helper acts itself: a node silent for the whole period is dumped (SIGUSR1: the BEAM
 * writes its crash dump) and killed after stop_timeout. */
#ifndef KZ_WATCHDOG_H
#define KZ_WATCHDOG_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "brokermsg.h"
#include "err.h"
#include "nodeproc.h"

struct watchdog {
	/* main.c's to set before watchdog_init */
	struct node *node;
	const struct broker_link *broker;
	long period_ms;        /* 0: off */
	bool systemd;          /* WATCHDOG_USEC set the period: systemd acts, not the helper */
	/* its own */
	int timer;             /* every half period */
	bool asked;            /* a ping is with the broker */
	long last_answer_ms;   /* the node's last answer in time, or when it came up */
};

/* The period from systemd's WATCHDOG_USEC (`start` passes it on as --watchdog-usec), else
 * from the policy's seconds (0 both: off).  Makes the timer (before the sandbox). */
int watchdog_init(struct watchdog *w, unsigned long long systemd_usec, unsigned policy_seconds,
		  struct kz_err *err);
/* The broker's answer to a ping: NODE_EV_ANSWERED when it answered. */
unsigned watchdog_answer(struct watchdog *w, const struct broker_answer *a);

/* The loop's source row (loop.c): the timer.  part is the struct watchdog. */
size_t watchdog_poll(const void *part, struct pollfd *fds);
unsigned watchdog_serve(void *part, const struct pollfd *fds, size_t n);
/* The loop's table: the node is up (again): its silence counts from now. */
void watchdog_on_up(void *part);

#endif
