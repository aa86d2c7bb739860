#!/usr/bin/env bash
# Faults from outside, on real nodes: a read-only or full RUNDIR, a stopped node, its epmd
# killed and restarted, the node's user's processes killed by an administrator, and stops, an attach
# and a start that race.  Each ends in a documented status and a message, never a hang.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users

COOKIE=faults_cookie_$$_$RANDOM
write_config "$COOKIE"
write_policy kazoo_apps "[control]" "stop_timeout = 3"
NODE=$KAZOO_NODE@$HOST
_helpers+=(kazoo_apps)
mounts=()
trap 'for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null; done; cleanup' EXIT
# This test kills its epmd and starts it again: an epmd of its own, neither the machine's nor
# the one the tests after it use.
own_epmd
E=$EPMD_PID EPMD_PORT=$ERL_EPMD_PORT

no_socket() { [ ! -e "$KZLAUNCH_RUNDIR/kazoo_apps.sock" ]; }

# ---- RUNDIR on a read-only file system, and RUNDIR full ----
mkdir -p "$T/ro" "$T/full"
mount -t tmpfs -o size=1m,mode=0755 kzt-ro "$T/ro" && mounts+=("$T/ro")
mkdir "$T/ro/run" && chmod 0755 "$T/ro/run"
mount -o remount,ro "$T/ro"
out=$(KZLAUNCH_RUNDIR=$T/ro/run timeout 30 "$KZLAUNCH" kazoo_apps foreground 2>&1)
is "$?" 78 "a read-only RUNDIR: exit 78"
like "$out" "$T/ro/run/kazoo_apps.home: mkdir: Read-only file system" "and it says which folder and why"
is "$(printf '%s\n' "$out" | wc -l)" 1 "in one line"

mount -t tmpfs -o size=64k,mode=0755 kzt-full "$T/full" && mounts+=("$T/full")
mkdir "$T/full/run" && chmod 0755 "$T/full/run"
dd if=/dev/zero of="$T/full/fill" bs=4k count=64 2>/dev/null
out=$(KZLAUNCH_RUNDIR=$T/full/run timeout 30 "$KZLAUNCH" kazoo_apps foreground 2>&1)
rc=$?
is "$rc" 1 "a full RUNDIR: exit 1"
like "$out" "$T/full/run/kazoo_apps.home.*No space left on device" "and it says the disk is full, naming the file"
left=$(find "$T/full/run" -name '*.new.*' 2>/dev/null)
is "$left" "" "no half-written cookie file left behind"

# ---- a node stopped with SIGSTOP: status answers, stop still ends it ----
out=$("$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 0 "start"
P=$("$KZLAUNCH" kazoo_apps pid)
kill -STOP "$P"
out=$(timeout 10 "$KZLAUNCH" kazoo_apps status)
is "$?" 0 "status of a stopped node: still answers, 0"
like "$out" "is running" "and says it is running"
out=$(timeout 30 "$KZLAUNCH" kazoo_apps stop 2>&1)
is "$?" 0 "stop of a stopped node returns 0"
like "$out" "stopped \\(exit status 137\\)" "it was killed after stop_timeout: status 128 + SIGKILL"
check "the node is gone" -- reaped "$P"

# ---- epmd killed while the node runs, and restarted ----
# This test's own epmd (above), by its pid, and again on its port.
out=$("$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 0 "start again"
P=$("$KZLAUNCH" kazoo_apps pid)
kill -KILL "$E"
wait_until 10 not epmd_is "$E" "$EPMD_PORT"
out=$(timeout 10 "$KZLAUNCH" kazoo_apps status)
is "$?" 0 "epmd gone: status still answers from the helper"
out=$(timeout 30 "$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 1 "epmd gone: start of the running node still refuses"
like "$out" "already running" "and says so"
epmd_spawn "$EPMD" "$EPMD_PORT" && _epmds+=("$EPMD_PID $EPMD_PORT")
check "epmd back on port $EPMD_PORT" -- [ "$EPMD_PORT" = "$ERL_EPMD_PORT" ]
out=$(timeout 30 "$KZLAUNCH" kazoo_apps stop 2>&1)
is "$?" 0 "epmd back (without the node's name): stop still works"
check "and the node is gone" -- reaped "$P"
out=$(timeout 60 "$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 0 "start after epmd's restart"

# ---- the node's user's processes killed by an administrator ----
P=$("$KZLAUNCH" kazoo_apps pid)
H=$(status_field "$P" PPid)
W=$(status_field "$H" PPid)
# As `pkill -KILL -u kztest` would, but only in this node's tree: other tests on the machine
# may run nodes as kztest too.  The warden is root's and survives, as it would.
for p in $(proc_tree "$W"); do
	[ "$(status_field "$p" Uid 2>/dev/null | awk "{ print \$1 }")" = "$(id -u kztest)" ] && kill -KILL "$p" 2>/dev/null
done
wait_until 30 reaped "$P"
ok $? "pkill -u: the node is gone"
wait_until 30 no_socket
ok $? "the warden removes the socket the helper can no longer remove"
wait_until 30 reaped "$W"
ok $? "and the warden ends too"
"$KZLAUNCH" kazoo_apps status >/dev/null 2>&1
is "$?" 3 "status: not running (3)"

# ---- two stops and an attach at the same moment; a start while a stop is under way ----
out=$(timeout 60 "$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 0 "start for the races"
timeout 60 "$KZLAUNCH" kazoo_apps stop >"$T/stop1" 2>&1 &
s1=$!
timeout 60 "$KZLAUNCH" kazoo_apps stop >"$T/stop2" 2>&1 &
s2=$!
timeout 60 "$KZLAUNCH" --read-only kazoo_apps attach </dev/null >"$T/att" 2>&1 &
a=$!
wait "$s1"; r1=$?
wait "$s2"; r2=$?
wait "$a"; ra=$?
is "$r1:$r2" "0:0" "two stops at once: both return 0"
like "$(cat "$T/stop1" "$T/stop2")" "stopped|not running" "and each says how it ended"
check "an attach meanwhile ends, 0 or 69 (got $ra)" -- [ "$ra" -eq 0 -o "$ra" -eq 69 ]
"$KZLAUNCH" kazoo_apps status >/dev/null 2>&1
is "$?" 3 "afterwards: not running"

out=$(timeout 60 "$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 0 "start once more"
timeout 60 "$KZLAUNCH" kazoo_apps stop >"$T/stop3" 2>&1 &
s3=$!
# The VM takes a second or two to stop after SIGTERM: this start meets it stopping, or, on a
# slow day, meets it gone; either way it must end in a state status agrees with.
out=$(timeout 60 "$KZLAUNCH" kazoo_apps start 2>&1)
rs=$?
wait "$s3"
is "$?" 0 "the stop under way returns 0"
"$KZLAUNCH" kazoo_apps status >/dev/null 2>&1
st=$?
if [ "$rs" -eq 0 ]; then
	is "$st" 0 "a start that came after the stop: running"
else
	is "$rs:$st" "1:3" "a start refused during the stop (1): not running after it"
	like "$out" "already running|stopping" "and it said why"
fi

done_testing
