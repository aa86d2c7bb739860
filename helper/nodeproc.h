/* nodeproc.h: the node as the helper's child process, and the master of its console pty:
 * taking it over once spawned (spawn.h), typing into it, its window size, stopping and
 * reaping it.  (launcher/node.h is the node as resolved before a launch; this file's name
 * keeps the two apart on the shared include path.)  It knows no clients, log or epmd: the
 * parts of the helper call down to here, never the other way, and learn of its transitions
 * through the loop's table (loop.c). */
#ifndef KZ_NODEPROC_H
#define KZ_NODEPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

/* The node's life, in the only order it can go: BOOTING, then UP once its boot has finished
 * (init:get_status() is {started, started}, as the broker asks it; or, when there is no
 * broker to ask or the node refused its cookies, once epmd knows its name: its boot is then
 * unconfirmed), STOPPING from either once a stop began, GONE once reaped.  A node that ends by
 * itself goes straight to GONE.  UP goes back to BOOTING (restarting) once the node took
 * init:restart(), and on to UP when that boot has finished. */
enum node_state {
	NODE_BOOTING,
	NODE_UP,
	NODE_STOPPING,
	NODE_GONE,
};

/* The transitions the parts react to (loop.c's table), as bits: a handler may begin more
 * than one. */
enum node_event {
	NODE_EV_UP = 1u << 0,
	NODE_EV_STOPPING = 1u << 1,
	NODE_EV_GONE = 1u << 2,
	NODE_EV_RESTARTING = 1u << 3, /* it took init:restart(): its boot again */
	NODE_EV_RESTART_LATE = 1u << 4, /* that boot outlasted start_timeout (it may yet end) */
	NODE_EV_ANSWERED = 1u << 5, /* it answered the watchdog's call in time (watchdog.h) */
};

struct node {
	const char *name;
	enum node_state state;
	pid_t pid;
	time_t started;
	int status;                  /* NODE_GONE: its exit status, 128 + signal */
	int pty;                     /* the master, non-blocking */
	bool pty_hup;                /* every slave is closed: nothing more to read */
	int stop_timer;              /* timerfd: SIGTERM again, then SIGKILL */
	unsigned stop_timeout;       /* seconds from the first SIGTERM to SIGKILL */
	unsigned stop_elapsed_ms;
	bool boot_unconfirmed;       /* UP by epmd's word alone: the node refused the broker's cookie */
	bool restarting;             /* BOOTING again after init:restart() */
	bool dumping;                /* STOPPING by SIGUSR1 (a crash dump), not SIGTERM */
	char ready_wait[256];        /* BOOTING, booted: the policy's ready function waited for and
				      * what it last returned, for `status` (ready.c's); "" otherwise */
};

/* Takes over the node spawned as pid on the pty master (spawn.h) and makes the stop timer.
 * Before the sandbox.  n->name and n->stop_timeout are the caller's to set first; on failure
 * the node is killed. */
int node_start(struct node *n, int pty, pid_t pid, struct kz_err *err);

/* Console output: bytes read, 0 when there is none now, -1 at the pty's end. */
ssize_t node_read(struct node *n, void *buf, size_t size);

/* Typing from an attached client.  A full input queue drops it: the node is never waited on. */
void node_input(struct node *n, const void *buf, size_t len);

/* The attached terminal's size; 0 rows or columns are ignored. */
void node_resize(struct node *n, uint16_t rows, uint16_t cols);

/* Its boot has finished, or is taken as finished: BOOTING becomes UP (a stop already begun
 * stays STOPPING).  unconfirmed: the node refused the broker's cookie, so epmd's word is all
 * there is, and INFO says so. */
void node_mark_up(struct node *n, bool unconfirmed);

/* A node that answers nothing is made to dump (SIGUSR1: the BEAM writes its crash dump and
 * halts), then SIGKILL after stop_timeout: STOPPING.  True when this began its end. */
bool node_dump(struct node *n);

/* It took init:restart(): UP becomes BOOTING again, restarting.  True when it was UP. */
bool node_mark_restarting(struct node *n);

/* SIGTERM, and the timer that repeats it, then sends SIGKILL after stop_timeout.  True when
 * this call began the stop; false when one was already under way or the node is gone. */
bool node_stop(struct node *n);

/* The loop's source row (loop.c): the stop timer, which repeats SIGTERM and then sends
 * SIGKILL.  part is the struct node; it begins no transition. */
size_t node_poll(const void *part, struct pollfd *fds);
unsigned node_serve(void *part, const struct pollfd *fds, size_t n);

/* Collects the node's status if it has ended (SIGCHLD). */
void node_reap(struct node *n);

/* The helper cannot serve any more: SIGKILL to the node and its group, and wait for it. */
void node_kill(struct node *n);

#endif
