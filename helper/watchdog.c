/* watchdog.c: a real call on the node every half period, and what its silence means. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "log.h"
#include "watchdog.h"

/* systemd's own advice: ping at half the period, so one late answer is not yet a miss. */
static void arm(struct watchdog *w)
{
	long half = w->period_ms > 1 ? w->period_ms / 2 : 1; /* 0 would disarm it */
	struct itimerspec its = { .it_value = { half / 1000, (half % 1000) * 1000000L } };

	its.it_interval = its.it_value;
	if (timerfd_settime(w->timer, 0, &its, NULL) < 0)
		log_msg(LOG_ERR, "watchdog: timerfd_settime: %m");
}

int watchdog_init(struct watchdog *w, unsigned long long systemd_usec, unsigned policy_seconds, struct kz_err *err)
{
	/* Under a millisecond is still a watchdog systemd waits on: never taken for "off". */
	long from_systemd = systemd_usec == 0 ? 0 : systemd_usec < 1000 ? 1 : (long)(systemd_usec / 1000);

	w->systemd = from_systemd > 0;
	w->period_ms = w->systemd ? from_systemd : (long)policy_seconds * 1000;
	w->asked = false;
	w->timer = -1;
	if (w->period_ms <= 0)
		return 0;
	w->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (w->timer < 0)
		return kz_err_errno(err, KZ_EXIT_FAIL, "watchdog: timerfd_create");
	log_msg(LOG_INFO, "%s: watchdog every %ld ms (%s)", w->node->name, w->period_ms,
		w->systemd ? "systemd's WatchdogSec=" : "the policy's watchdog");
	return 0;
}

void watchdog_on_up(void *part)
{
	struct watchdog *w = part;

	if (w->timer < 0)
		return;
	w->last_answer_ms = fd_now_ms();
	arm(w);
}

unsigned watchdog_answer(struct watchdog *w, const struct broker_answer *a)
{
	w->asked = false;
	if (!a->taken) {
		log_msg(LOG_DEBUG, "%s: watchdog: no answer: %s", w->node->name, a->text);
		return 0;
	}
	w->last_answer_ms = fd_now_ms();
	return w->systemd ? NODE_EV_ANSWERED : 0;
}

/* Silent for a whole period, without systemd to act on it: the node is dumped and killed,
 * and the helper ends with its status. */
static unsigned silent(struct watchdog *w)
{
	log_msg(LOG_ERR, "%s answered no call for %ld s (the policy's watchdog): SIGUSR1 for a crash dump, SIGKILL after stop_timeout",
		w->node->name, w->period_ms / 1000);
	return node_dump(w->node) ? NODE_EV_STOPPING : 0;
}

static unsigned tick(struct watchdog *w)
{
	uint64_t ticks;

	if (read(w->timer, &ticks, sizeof ticks) != sizeof ticks)
		return 0;
	if (w->node->state != NODE_UP)
		return 0; /* booting (again) or stopping: the boot's own bounds hold */
	/* Under systemd the silence is systemd's to judge: the calls go on, and so would
	 * WATCHDOG=1 if the node answered again before it did. */
	if (!w->systemd && fd_now_ms() - w->last_answer_ms >= w->period_ms)
		return silent(w);
	if (!w->asked)
		w->asked = broker_ask_ping(w->broker, (uint32_t)w->period_ms) == 0;
	return 0;
}

size_t watchdog_poll(const void *part, struct pollfd *fds)
{
	const struct watchdog *w = part;

	fds[0] = (struct pollfd){ .fd = w->timer, .events = POLLIN };
	return 1;
}

unsigned watchdog_serve(void *part, const struct pollfd *fds, size_t n)
{
	struct watchdog *w = part;

	return n > 0 && fds[0].revents && w->timer >= 0 ? tick(w) : 0;
}
