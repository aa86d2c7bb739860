#!/usr/bin/env bash
# The watchdog: a call on the node every half period.  Under systemd's WatchdogSec=
# (WATCHDOG_USEC), WATCHDOG=1 goes out only while the node answers, and systemd's watchdog
# signal to the main process (SIGABRT) reaches the node as SIGUSR1, its crash dump.  With the
# policy's watchdog the helper acts itself: a node silent for the period is dumped and killed,
# and the helper ends with its status.  A node stopped with SIGSTOP stands for a hung one.
. "$(dirname "$0")/lib.sh"
need_root
command -v perl >/dev/null || skip_all "needs perl"
ensure_users

write_config watchdog_cookie_$$_$RANDOM
NODE=$KAZOO_NODE@$HOST
_helpers+=(kazoo_apps)
dumps() { ls "$T"/log/*_kazoo_apps_erl_crash.dump 2>/dev/null | wc -l; }
watchdogs() { grep -c ' WATCHDOG=1 ' "$T/notify.log"; }
at_least() { [ "$(watchdogs)" -ge "$1" ]; } # at_least N: N WATCHDOG=1 so far

# ---- under systemd: WATCHDOG=1 while the node answers, none while it does not ----
write_policy kazoo_apps "[control]" "stop_timeout = 10"
notify_listen "$T/notify.sock" "$T/notify.log"
WATCHDOG_USEC=1000000 start_notify "$T/notify.sock" "$T/notify.log"
ok $? "started under a notify socket with WATCHDOG_USEC=1000000"
PID=$("$KZLAUNCH" kazoo_apps pid)
wait_until 5 at_least 3
ok $? "WATCHDOG=1 comes while the node answers (every half second)"

kill -STOP "$PID"
sleep 1.2 # an answer in flight when it stopped may still count
before=$(watchdogs)
sleep 2.5
is "$(watchdogs)" "$before" "a stopped node: no WATCHDOG=1 within the period"
kill -CONT "$PID"
wait_until 5 at_least $((before + 1))
ok $? "it resumes once the node answers again"

# systemd's watchdog signal reaches the warden only (KillMode=mixed): the node must dump.
kill -ABRT "$HPID"
wait "$HPID"
status=$?
ok "$([ "$status" -ne 0 ]; echo $?)" "the warden's SIGABRT ends the node, with a status of its own ($status)"
is "$(dumps)" 1 "and the node wrote its crash dump in the log folder"
like "$("$KZLAUNCH" kazoo_apps status)" "is not running" "the node is gone"
rm -f "$T"/log/*_erl_crash.dump

# ---- the policy's watchdog, without systemd's: dumped, killed, the helper ends ----
write_policy kazoo_apps "watchdog = 2" "[control]" "stop_timeout = 5"
notify_listen "$T/notify2.sock" "$T/notify2.log"
start_notify "$T/notify2.sock" "$T/notify2.log"
ok $? "started with [node] watchdog = 2"
PID=$("$KZLAUNCH" kazoo_apps pid)
sleep 3
like "$("$KZLAUNCH" kazoo_apps status)" "is running" "a node that answers is left alone"
is "$(grep -c ' WATCHDOG=1 ' "$T/notify2.log")" 0 "and no WATCHDOG=1 is sent without WATCHDOG_USEC"

kill -STOP "$PID"
stopping() { "$KZLAUNCH" kazoo_apps status | grep -q "is stopping"; }
wait_until 10 stopping
ok $? "silent for the period: the helper ends the node (status: stopping)"
kill -CONT "$PID" # SIGUSR1 is pending: the dump is written now
wait "$HPID"
status=$?
ok "$([ "$status" -ne 0 ]; echo $?)" "the helper ends with the node's status ($status)"
is "$(dumps)" 1 "after the node wrote its crash dump"

done_testing
