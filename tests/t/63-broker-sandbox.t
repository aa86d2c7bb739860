#!/usr/bin/env bash
# The broker under its own seccomp filter (helper/sandbox.c), driven down every path it has:
# the boot probe across a cookie that changes at boot (kazoo_apps_init), calls handed off
# through the helper, the connection kept ahead, the node's host looked up through NSS under
# the filter, restart (init:restart() over the probe's connection), calls meeting a node whose
# distribution goes down mid-handshake, and a node killed while calls are being made.  A call
# the filter lacks kills the broker with SIGSYS: the kernel's audit line names its pid, and
# the broker is asked after each path whether it is still the same process, filtered.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users
command -v erlc >/dev/null || skip_all "needs erlc"

# A copy of the release holding a kazoo_apps_init, as 16-kazoo-host.t makes one: the node, of
# type ecallmgr, boots with [ecallmgr]'s cookie and takes [kazoo_apps]'s once it is up.
OPT=$T/opt/kazoo
mkdir -p "$T/opt"
cp -a "$RELROOT" "$OPT"
erlc -o "$(ls -d "$OPT"/lib/kazoo_apps-*/ebin | head -n 1)" "$TOP/tests/fixtures/kazoo_apps_init.erl"
export KAZOO_ROOT=$OPT CODE_LOADING_MODE=interactive # the module is loaded when -s calls it
APPS_COOKIE=broker_apps_$$_$RANDOM
write_config "$APPS_COOKIE" broker_ecallmgr_$$_$RANDOM
write_policy ecallmgr "start_timeout = 30" "[control]" "stop_timeout = 5"
export KAZOO_NODE=$(test_node ecallmgr)
NODE=$KAZOO_NODE@$HOST
_helpers+=(ecallmgr)
run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }
SINCE=$(date +%s)

# broker_of HELPER: the helper's child that is not the node.
broker_of() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		[ "$c" = "$PID" ] || { echo "$c"; return; }
	done
}
# sigsys PID: the kernel's audit lines of a seccomp kill of PID (empty when none).
sigsys() { is_pid "$1" && dmesg 2>/dev/null | grep "type=1326.* pid=$1 " ; }
# still_filtered WHAT: the broker is the one that started, alive, under one filter of its own.
still_filtered() {
	local st
	st="$(status_field "$BROKER" State | cut -c1):$(status_field "$BROKER" Seccomp):$(status_field "$BROKER" Seccomp_filters)"
	is "$st" "S:2:1" "$1: the broker lives, under its filter (state, Seccomp, Seccomp_filters)"
	local killed=$(sigsys "$BROKER")
	[ -z "$killed" ] || diag "$killed"
}

run "$KZLAUNCH" ecallmgr start -- -s kazoo_apps_init
is "$RC" 0 "the node starts: the boot probe saw its boot through the cookie's change"
[ "$RC" = 0 ] || { diag "$ERR"; done_testing; }
PID=$("$KZLAUNCH" ecallmgr pid)
HELPER=$(status_field "$PID" PPid)
BROKER=$(broker_of "$HELPER")
check "the broker is the helper's other child ($BROKER)" -- is_pid "$BROKER"
still_filtered "after the boot probe"
is "$(status_field "$BROKER" NoNewPrivs)" 1 "with no_new_privs"
is "$(status_field "$BROKER" CapEff):$(status_field "$BROKER" CapPrm)" "0000000000000000:0000000000000000" "and no capability"
is "$(status_field "$BROKER" Uid | awk '{ print $1 }')" "$(id -u kztest)" "as the node's user"

# Calls: the first through a handshake, the next on the connection kept ahead.
is "$("$KZLAUNCH" ecallmgr rpc erlang get_cookie 2>&1)" "$APPS_COOKIE" \
	"a call through the helper, with the cookie the node took at boot"
for i in 1 2 3 4 5; do "$KZLAUNCH" ecallmgr ping >/dev/null 2>&1 || break; done
is "$i:$("$KZLAUNCH" ecallmgr ping 2>&1)" "5:pong" "calls in a row, on the connection kept ahead"
standby() { "$KZLAUNCH" ecallmgr eval 'nodes(hidden).' 2>/dev/null | grep -q kzlaunch; }
wait_until 5 standby
ok $? "the node lists a connection kept ahead"
# Eight calls at once: the broker serves a handshake for each the standby cannot.
for i in $(seq 1 8); do "$KZLAUNCH" -t 10 ecallmgr eval 'timer:sleep(300), ok.' >"$T/par.$i" 2>&1 & done
wait
is "$(cat "$T"/par.* | sort | uniq -c | awk '{ print $1 ":" $2 }')" "8:ok" "eight calls at once"
still_filtered "after the calls"

# Restart: init:restart() over the probe's connection, then a new lookup of the node's host
# (NSS, under the filter), a new port from epmd and the boot probe again, across the cookie's
# change again.  Calls made meanwhile meet a distribution going down and coming back.
( for i in $(seq 1 40); do "$KZLAUNCH" -t 3 ecallmgr ping >/dev/null 2>&1; sleep 0.05; done ) &
CALLER=$!
run "$KZLAUNCH" ecallmgr restart
is "$RC:$OUT" "0:$NODE restarted (pid $PID)" "restart"
wait "$CALLER"
is "$("$KZLAUNCH" ecallmgr rpc erlang get_cookie 2>&1)" "$APPS_COOKIE" "a call after the restart"
still_filtered "after restart and calls during it"

# The node stopped mid-handshake (SIGSTOP): the broker's handshake reaches its deadline.
kill -STOP "$PID"
run "$KZLAUNCH" -t 2 ecallmgr eval 'ok.'
kill -CONT "$PID"
check "a call to a stopped node fails ($RC)" -- [ "$RC" != 0 ]
is "$("$KZLAUNCH" ecallmgr ping 2>&1)" pong "and the next one, once it runs again, succeeds"
still_filtered "after a handshake that timed out"

# The node killed while calls are being made: the broker meets closed connections, then the
# helper's end closing, and exits of its own accord, never by SIGSYS.
( for i in $(seq 1 100); do "$KZLAUNCH" -t 3 ecallmgr ping >/dev/null 2>&1; done ) &
CALLER=$!
sleep 0.5
kill -KILL "$PID"
wait "$CALLER"
wait_until 10 gone "$BROKER"
ok $? "the broker ends with its helper"
is "$(sigsys "$BROKER")" "" "never by a seccomp kill"

# Nothing of this test's broker's was ever killed by its filter (all its pids: one broker).
killed=$(dmesg 2>/dev/null | grep 'type=1326' | grep -F "exe=\"$KZ_BUILD/kzlaunch-helper\"" |
	while read -r line; do
		at=$(echo "$line" | sed -n 's/.*audit(\([0-9]*\)\..*/\1/p')
		[ "${at:-0}" -ge "$SINCE" ] && echo "$line"
	done)
is "$killed" "" "no seccomp kill of a kzlaunch-helper of this build since the test began"

done_testing
