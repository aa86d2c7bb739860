#!/usr/bin/env bash
# status for every node type on the host: those with a policy beside KZLAUNCH_POLICY's and
# those with a socket in RUNDIR, one line each; 0 when all run, 3 otherwise.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users

write_config
write_policy ecallmgr "[control]" "stop_timeout = 5"
write_policy kazoo_apps "[control]" "stop_timeout = 5"
_helpers+=(kazoo_apps ecallmgr)
run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }
# status names each node type as this caller would launch it: KAZOO_NODE would give every
# type this test's one name, so it is left out and each line names its type's default.
status() { env -u KAZOO_NODE "$KZLAUNCH" status "$@"; }

run status --all
is "$RC" 3 "nothing runs: 3"
is "$OUT" "ecallmgr@$HOST is not running
kazoo_apps@$HOST is not running" "one line for each node type with a policy, in name order"

"$KZLAUNCH" kazoo_apps start >/dev/null 2>&1
run status
is "$RC" 3 "status with no REL: every node type; one not running: 3"
like "$OUT" "^ecallmgr@$HOST is not running
kazoo_apps@$HOST is running \(pid [0-9]+, up [0-9]+s, 0 attached\)$" "the running one says its pid, uptime and clients"

"$KZLAUNCH" -n "$(test_node ecallmgr)" ecallmgr start >/dev/null 2>&1
run status --all
is "$RC" 0 "all running: 0"
is "$(echo "$OUT" | grep -c ' is running (pid ')" 2 "both say so"
run "$KZLAUNCH" kazoo_apps status
is "$(echo "$OUT" | wc -l):$RC" "1:0" "status with a REL is that node type's alone"

# A node type with a socket but no policy here (started with another policy folder).
mv "$T/ecallmgr.policy" "$T/ecallmgr.moved"
run status --all
is "$(echo "$OUT" | grep -c ' is running (pid ')" 2 "a node type with a socket but no policy is listed too"
run "$KZLAUNCH" kazoo_apps --all stop
is "$RC" 64 "--all applies to status only"
mv "$T/ecallmgr.moved" "$T/ecallmgr.policy"

done_testing
