/* slots.h: how many connections the helper serves, and for whom (README, "start, attach,
 * stop").  The rule alone: session.c counts, this decides; no I/O, no state. */
#ifndef KZ_SLOTS_H
#define KZ_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Slots are counted apart for peers who hold some right (the policy names them, or root)
 * and for peers who hold none, known from SO_PEERCRED at accept: strangers, who can only be
 * refused, then never keep an operator out, however many of them connect. */
#define SLOTS_LISTED_MAX 128         /* connections of peers who hold a right */
#define SLOTS_ROOT_RESERVE 8         /* of those, the last ones are root's alone */
#define SLOTS_PER_UID_MAX 16         /* of those, for any one uid but root's */
#define SLOTS_STRANGER_MAX 8         /* connections of peers who hold no right */
#define SLOTS_STRANGER_PER_UID 2     /* of those, for any one uid */
#define SLOTS_MAX (SLOTS_LISTED_MAX + SLOTS_STRANGER_MAX)
/* Calls the helper makes for peers without the attach right (supcall.h: sup holders' sups,
 * and pings) each hold one of the helper's eight names for calls (dist.h) while they run:
 * together they may hold this many, the rest staying for attach holders and root, and one
 * uid half of them. */
#define SLOTS_SUP_CALLS_MAX 4
#define SLOTS_SUP_CALLS_PER_UID 2

/* The connections already served. */
struct slots_count {
	size_t listed;    /* of peers who hold a right */
	size_t strangers; /* of peers who hold none */
	size_t same_uid;  /* of either, by the new peer's uid */
};

/* Why a new peer (uid, holding some right or not) gets no slot, as the ERROR frame says it;
 * NULL when it gets one. */
const char *slots_refuse(const struct slots_count *n, uid_t uid, bool listed);

/* Why such a call cannot begin now, given how many of them run (of any uid, and
 * of its own), as the ERROR frame says it; NULL when it can. */
const char *slots_refuse_sup_call(size_t running, size_t same_uid);

#endif
