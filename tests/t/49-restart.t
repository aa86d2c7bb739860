#!/usr/bin/env bash
# `restart` is init:restart() on the node, as relx's and mix's: the OS pid, the helper, its
# log and its attached clients stay; it returns once the boot has finished again; status says
# restarting meanwhile; it needs the stop right; a boot again longer than start_timeout is 1.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users
getent group kzstoppers >/dev/null || groupadd --system kzstoppers
getent passwd kzstopper >/dev/null ||
	useradd --system -G kzstoppers --no-create-home --shell /usr/sbin/nologin kzstopper

write_config restart_cookie_$$_$RANDOM
write_policy kazoo_apps "start_timeout = 30" "[control]" "stop = @kzstoppers" "stop_timeout = 5"
NODE=$KAZOO_NODE@$HOST
LOG=$T/log/kazoo_apps.log
_helpers+=(kazoo_apps)
run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }

run "$KZLAUNCH" kazoo_apps restart
is "$RC:$ERR" "69:kzlaunch: $NODE: not running" "restart of a node that is not running: 69"

# Each boot of the demo's application takes 2 s (boot_ms), the restart's too.
run "$KZLAUNCH" kazoo_apps start -- -kazoo_apps boot_ms 2000
is "$RC" 0 "started"
[ "$RC" = 0 ] || { diag "$ERR"; done_testing; }
PID=$("$KZLAUNCH" kazoo_apps pid)
HELPER=$(status_field "$PID" PPid)

# An operator watching the console, its input held open so it stays attached.
: >"$T/attach.out"
(sleep 60 | "$KZLAUNCH" --read-only kazoo_apps attach >"$T/attach.out" 2>&1) &
WATCHER=$!
_pids+=("$WATCHER")
wait_until 10 grep -q 'kazoo_apps is up' "$T/attach.out"
ok $? "an attached client sees the first boot's line"

run as kzother "$KZLAUNCH" kazoo_apps restart
is "$RC" 77 "a user without the stop right: 77"
like "$ERR" "lacks the stop right" "naming the right"

"$KZLAUNCH" kazoo_apps restart >"$T/restart.out" 2>&1 &
RESTARTER=$!
restarting() { "$KZLAUNCH" kazoo_apps status | grep -q "is restarting"; }
wait_until 10 restarting
ok $? "status says restarting while the boot runs again"
wait "$RESTARTER"
is "$?" 0 "restart returns 0 once the node has booted again"
is "$(cat "$T/restart.out")" "$NODE restarted (pid $PID)" "and says so, with the same pid"
is "$("$KZLAUNCH" kazoo_apps pid)" "$PID" "the OS pid stayed"
is "$(status_field "$PID" PPid)" "$HELPER" "and so did its helper"
like "$("$KZLAUNCH" kazoo_apps status)" "^$NODE is running" "status: running"
is "$("$KZLAUNCH" kazoo_apps eval 'init:get_status().')" "{started,started}" "its boot has finished again"
is "$("$KZLAUNCH" kazoo_apps ping)" "pong" "a call answers after it"
kill -0 "$WATCHER" 2>/dev/null
ok $? "the attached client is still attached"
twice_up() { [ "$(grep -c 'kazoo_apps is up' "$T/attach.out")" -ge 2 ]; }
wait_until 10 twice_up
ok $? "and saw the restart's boot on the console"
is "$(grep -c 'kazoo_apps is up' "$LOG")" 2 "the console log holds both boots"

run as kzstopper "$KZLAUNCH" kazoo_apps restart
is "$RC:$OUT" "0:$NODE restarted (pid $PID)" "a holder of the stop right may restart"

# A boot again longer than start_timeout: 1, the node left booting.
write_policy kazoo_apps "start_timeout = 1" "[control]" "stop = @kzstoppers" "stop_timeout = 5"
"$KZLAUNCH" kazoo_apps stop >/dev/null
run "$KZLAUNCH" kazoo_apps start -- -kazoo_apps boot_ms 3000
is "$RC" 1 "a boot longer than start_timeout: start gives up"
booted() { "$KZLAUNCH" kazoo_apps status | grep -q 'is running'; }
wait_until 10 booted
run "$KZLAUNCH" kazoo_apps restart
is "$RC" 1 "restart: 1 when the boot again outlasts start_timeout"
is "$ERR" "kzlaunch: $NODE: not booted again within 1 s (the policy's start_timeout); left running" "and says so"
wait_until 10 booted
ok $? "the node finishes its boot all the same"

kill "$WATCHER" 2>/dev/null
"$KZLAUNCH" kazoo_apps stop >/dev/null
done_testing
