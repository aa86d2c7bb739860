/* slots.c: the connection limits.  Every local user may connect (the socket is 0666), so
 * none may take every slot: a peer who holds no right waits in a small pool of its own (it
 * is only ever told DENIED), each uid but root's has a share of the rest, and the last slots
 * are root's, who can always stop the node.  Decides only; never counts or closes. */
#include "slots.h"

const char *slots_refuse(const struct slots_count *n, uid_t uid, bool listed)
{
	if (!listed) {
		if (n->strangers >= SLOTS_STRANGER_MAX)
			return "busy: the connections for users without a right are taken";
		if (n->same_uid >= SLOTS_STRANGER_PER_UID)
			return "busy: this user has too many connections open";
		return NULL;
	}
	if (n->listed >= SLOTS_LISTED_MAX)
		return "busy: every connection is taken";
	if (uid == 0)
		return NULL;
	if (n->listed >= SLOTS_LISTED_MAX - SLOTS_ROOT_RESERVE)
		return "busy: the connections left are kept for root";
	if (n->same_uid >= SLOTS_PER_UID_MAX)
		return "busy: this user has too many connections open";
	return NULL;
}

const char *slots_refuse_sup_call(size_t running, size_t same_uid)
{
	if (running >= SLOTS_SUP_CALLS_MAX)
		return "busy: the calls sup holders may make at once are all running; try again";
	if (same_uid >= SLOTS_SUP_CALLS_PER_UID)
		return "busy: this user's calls already run; try again when one has ended";
	return NULL;
}
