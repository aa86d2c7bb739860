#!/usr/bin/env bash
# Last: the tests before this one left alone a node they did not start.  tests/isolate (make
# check) started it before them: kazoo_apps@HOST, registered with the machine's epmd, as a
# live Kazoo node would be.  It must be the same VM, still registered with the same epmd,
# answering, and no node may have connected to it until this test did.
. "$(dirname "$0")/lib.sh"
[ -n "${KZ_SENTINEL:-}" ] || skip_all "no sentinel: make check starts one (tests/isolate)"
[ -r "$KZ_SENTINEL/pid" ] || skip_all "no sentinel: $KZ_SENTINEL/pid unreadable"

S=$KZ_SENTINEL
NAME=$(cat "$S/name") PID=$(cat "$S/pid") SYS_PORT=$(cat "$S/epmd_port") SYS_EPMD_PID=$(cat "$S/epmd_pid")
diag "sentinel $NAME, pid $PID; the machine's epmd: port $SYS_PORT, pid ${SYS_EPMD_PID:-unseen}; the tests': port $ERL_EPMD_PORT"

# What the tests used is not the machine's epmd, or nothing here proves anything.
check "the tests' epmd ($ERL_EPMD_PORT) is not the machine's ($SYS_PORT)" -- [ "$ERL_EPMD_PORT" != "$SYS_PORT" ]

# The same VM: the pid lives and is a beam named so.
is "$(basename "$(readlink "/proc/$PID/exe" 2>/dev/null)")" beam.smp "pid $PID is still a VM"
like "$(tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null)" " -name $NAME( |$)" "and still the sentinel"

# The same epmd, still holding its name.  Its pid is seen when we may read its descriptors.
names=$("$EPMD" -port "$SYS_PORT" -names 2>&1)
holds() { grep -qE "^name $1 at port [0-9]+$" <<<"$names"; }
check "registered with the machine's epmd (port $SYS_PORT)" -- holds "${NAME%@*}"
check "where no test's node registered" -- not holds "[a-z_]+_kztest[0-9]+_[0-9]+"
if [ -n "$SYS_EPMD_PID" ]; then
	now=$(ss -Hltnp "sport = :$SYS_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
	is "$now" "$SYS_EPMD_PID" "the machine's epmd is the one the sentinel registered with: never restarted"
else
	skip "the machine's epmd's pid is not ours to see"
fi

# No node connected to it before this test: the tests never met it.
is "$(cat "$S/events")" "" "no node connected to the sentinel during the tests"

# It answers, over the machine's epmd, with its cookie; and events does record a connection.
got=$(ERL_EPMD_PORT=$SYS_PORT "$ERL_CALL" -timeout 20 -c "$(cat "$S/cookie")" -name "$NAME" -a 'erlang node []' 2>&1)
is "$got" "$NAME" "it answers erl_call through the machine's epmd"
wait_for '^\{nodeup,' "$S/events" 50
ok $? "and it saw that connection (so it would have seen a test's)"

done_testing
