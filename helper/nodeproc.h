/* child.h: the node as the helper's child process, and the master of its console pty:
 * starting it, typing into it, its window size, stopping and reaping it.  (launcher/node.h is
 * the node as resolved before a launch.)  It knows no clients, log or epmd: whoever asks for
 * a change tells those, so calls run from the loop and the sessions down to here, never up. */
#ifndef KZ_CHILD_H
#define KZ_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"
#include "spawn.h"

/* The node's life, in the only order it can go: BOOTING, then UP when epmd knows its name,
 * STOPPING from either once a stop began, GONE once reaped.  A node that ends by itself
 * goes straight to GONE. */
enum child_state {
	CHILD_BOOTING,
	CHILD_UP,
	CHILD_STOPPING,
	CHILD_GONE,
};

struct child {
	const char *name;
	enum child_state state;
	pid_t pid;
	time_t started;
	int status;                  /* CHILD_GONE: its exit status, 128 + signal */
	int pty;                     /* the master, non-blocking */
	bool pty_hup;                /* every slave is closed: nothing more to read */
	int stop_timer;              /* timerfd: SIGTERM again, then SIGKILL */
	unsigned stop_timeout;       /* seconds from the first SIGTERM to SIGKILL */
	unsigned stop_elapsed_ms;
};

/* Opens the pty, forks the node onto it (spawn.h) and makes the stop timer.  Before the
 * sandbox: it needs fork, exec and the privileges the node is dropped from.  n->name and
 * n->stop_timeout are the caller's to set first. */
int child_start(struct child *n, const struct spawn_spec *spec, struct kz_err *err);

/* Console output: bytes read, 0 when there is none now, -1 at the pty's end. */
ssize_t child_read(struct child *n, void *buf, size_t size);

/* Typing from an attached client.  A full input queue drops it: the node is never waited on. */
void child_input(struct child *n, const void *buf, size_t len);

/* The attached terminal's size; 0 rows or columns are ignored. */
void child_resize(struct child *n, uint16_t rows, uint16_t cols);

/* epmd knows the node's name: BOOTING becomes UP (a stop already begun stays STOPPING). */
void child_mark_up(struct child *n);

/* SIGTERM, and the timer that repeats it, then sends SIGKILL after stop_timeout.  True when
 * this call began the stop; false when one was already under way or the node is gone. */
bool child_stop(struct child *n);

/* The stop timer fired (its descriptor is readable). */
void child_stop_tick(struct child *n);

/* Collects the node's status if it has ended (SIGCHLD). */
void child_reap(struct child *n);

/* The helper cannot serve any more: SIGKILL to the node and its group, and wait for it. */
void child_kill(struct child *n);

#endif
