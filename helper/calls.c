/* calls.c: which of the helper's names each call holds, and the standby held ahead of the
 * next call (calls.h).  A name is never leased twice: it is free only once nothing made
 * under it can still be connected at the node.  No client, no socket of theirs, no exit. */
#define _GNU_SOURCE
#include <poll.h>
#include <unistd.h>

#include "calls.h"
#include "log.h"

void calls_init(struct calls *c, const struct node *node, const struct broker_link *broker)
{
	*c = (struct calls){ .node = node, .broker = broker, .standby_name = -1, .standby = { .fd = -1 } };
}

/* The free name after the one handed out last, round the ring: a name whose call has just
 * ended may still be connected at the node for a moment (its client's close is on the way),
 * and a handshake under it then would be refused, so it is taken again last. */
static int free_name(struct calls *c)
{
	for (int k = 1; k <= DIST_HELPER_NAMES; k++) {
		int i = (c->last_name + k) % DIST_HELPER_NAMES;
		if (!c->name_owner[i]) {
			c->last_name = i;
			return i;
		}
	}
	return -1;
}

/* Calls' ids, as name_owner holds them: never 0 (a free name) nor the broker's own ids. */
static uint32_t next_call_id(struct calls *c)
{
	if (++c->last_call_id >= BROKER_STANDBY_ID)
		c->last_call_id = 1;
	return c->last_call_id;
}

/* The standby's name is free again, and nothing is held under it. */
static void drop_standby(struct calls *c)
{
	if (c->standby.fd >= 0)
		close(c->standby.fd);
	c->standby.fd = -1;
	if (c->standby_name >= 0)
		c->name_owner[c->standby_name] = 0;
	c->standby_name = -1;
}

void calls_keep_standby(struct calls *c)
{
	if (c->standby_name >= 0 || c->broker->fd < 0 || c->node->state != NODE_UP)
		return;
	int name = free_name(c);
	if (name < 0 || broker_ask_standby(c->broker, (unsigned)name) < 0)
		return;
	c->name_owner[name] = BROKER_STANDBY_ID;
	c->standby_name = name;
}

void calls_on_up(void *part)
{
	calls_keep_standby(part);
}

void calls_standby_answer(struct calls *c, const struct broker_answer *a)
{
	if (a->fd < 0 || c->node->state != NODE_UP || c->standby_name < 0) {
		if (a->fd >= 0)
			close(a->fd);
		else
			log_msg(LOG_DEBUG, "%s: no connection kept ahead: %s", c->node->name, a->text);
		drop_standby(c);
		return;
	}
	c->standby = *a;
}

static void standby_readable(struct calls *c)
{
	if (dist_keepalive(c->standby.fd) < 0)
		drop_standby(c);
}

/* The held standby, when the node has not closed it meanwhile (its ticks answered first). */
static bool standby_fit(struct calls *c)
{
	struct pollfd p = { .fd = c->standby.fd, .events = POLLIN };

	while (c->standby.fd >= 0 && poll(&p, 1, 0) == 1)
		standby_readable(c);
	return c->standby.fd >= 0;
}

enum calls_start calls_start(struct calls *c, uint32_t ms, struct calls_lease *lease, struct broker_answer *conn)
{
	uint32_t id = next_call_id(c);

	if (standby_fit(c)) {
		*lease = (struct calls_lease){ .id = id, .name = c->standby_name };
		c->name_owner[lease->name] = id;
		c->standby_name = -1;
		*conn = c->standby;
		c->standby.fd = -1;
		return CALLS_HANDED;
	}
	int name = free_name(c);
	if (name < 0)
		return CALLS_BUSY;
	if (broker_ask(c->broker, id, (unsigned)name, ms) < 0)
		return CALLS_NO_BROKER;
	c->name_owner[name] = id;
	*lease = (struct calls_lease){ .id = id, .name = name };
	return CALLS_ASKED;
}

bool calls_answer(struct calls *c, const struct broker_answer *a, bool waited)
{
	if (waited && a->fd >= 0)
		return true;
	/* Its client went away, or no connection came: the name is free once the answer's
	 * connection, if any, is closed, which the caller does before anything else. */
	for (int i = 0; i < DIST_HELPER_NAMES; i++)
		if (c->name_owner[i] == a->id)
			c->name_owner[i] = 0;
	return false;
}

void calls_release(struct calls *c, int name)
{
	c->name_owner[name] = 0;
}

size_t calls_poll(const void *part, struct pollfd *fds)
{
	const struct calls *c = part;

	fds[0] = (struct pollfd){ .fd = c->standby.fd, .events = POLLIN };
	return 1;
}

unsigned calls_serve(void *part, const struct pollfd *fds, size_t n)
{
	struct calls *c = part;

	if (n > 0 && fds[0].revents && c->standby.fd >= 0 && fds[0].fd == c->standby.fd)
		standby_readable(c);
	return 0;
}
