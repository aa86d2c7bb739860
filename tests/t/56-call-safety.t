#!/usr/bin/env bash
# Calls that cannot be turned against their caller: a name squatted in epmd by another user
# gets no proof of the cookie (from a call, from start, from the helper's boot probe), the
# calling process reads the node with no root uid and no capability, and a home the node's
# user replaced by a symlink makes root create nothing.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users
SQUATTER=$KZ_BUILD/tests/tools/squatter

COOKIE=safety_cookie_$$_$RANDOM
write_config "$COOKIE"
write_policy kazoo_apps "start_timeout = 3" "[control]" "stop_timeout = 5"
NODE=$KAZOO_NODE@$HOST # lib.sh's name for this test's node
_helpers+=(kazoo_apps)
run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }
OTHER_UID=$(id -u kzother)
NODE_UID=$(id -u kztest)

# squat NAME: another user registers NAME in epmd and listens; SQ_PID, SQ_PORT, SQ_LOG.
squat() {
	SQ_LOG=$T/squatter.$1.log
	: >"$SQ_LOG"
	chmod 0666 "$SQ_LOG"
	setpriv --reuid=kzother --regid=kzother --clear-groups "$SQUATTER" "$1" "$SQ_LOG" >"$T/sq.port" 2>"$T/sq.err" &
	SQ_PID=$!
	_pids+=("$SQ_PID")
	wait_until 10 test -s "$T/sq.port"
	SQ_PORT=$(cat "$T/sq.port")
}
unsquat() { kill "$SQ_PID"; wait "$SQ_PID" 2>/dev/null; }

squat "$KAZOO_NODE"
check "the squatter holds the name" -- test -n "$SQ_PORT"

run "$KZLAUNCH" kazoo_apps ping
is "$RC" 1 "a call to a squatted name: 1"
like "$ERR" "^kzlaunch: $NODE: port $SQ_PORT, where epmd says the node is, is held by uid $OTHER_UID \(pid $SQ_PID\), not by the node \(uid $NODE_UID\): refusing to prove the cookie there$" \
	"the call names the port's owner, its uid and pid"
run "$KZLAUNCH" -t 5 kazoo_apps rpc erlang node
is "$RC" 1 "rpc too"
run "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance hello x
is "$RC" 1 "sup too (Kazoo's status for no connection)"
run "$KZLAUNCH" kazoo_apps start
is "$RC" 1 "start refuses a squatted name"
like "$ERR" "$NODE: already running \(registered with epmd, not under kzlaunch\): port $SQ_PORT is held by uid $OTHER_UID \(pid $SQ_PID\)" \
	"start names the squatter"
is "$(wc -c <"$SQ_LOG")" 0 "the squatter received not a byte"
unsquat

# The helper's boot probe asks epmd every 10 ms while the node boots: a node that does not
# register (no distribution listener) leaves the name to whoever takes it meanwhile.
run "$KZLAUNCH" kazoo_apps start -- -dist_listen false
is "$RC" 1 "a node that never registers: start gives up at start_timeout"
squat "$KAZOO_NODE"
sleep 1 # a hundred probes
served() { "$KZLAUNCH" kazoo_apps status >/dev/null; }
check "the helper still serves the node" -- served
is "$(wc -c <"$SQ_LOG")" 0 "the boot probe proved no cookie to the squatter"
unsquat
"$KZLAUNCH" kazoo_apps stop >/dev/null 2>&1

# What reads the node's answer: through the helper (root becomes nobody), then direct (root
# becomes the node's user).
# waiting_call: a call that sleeps on the node, CALL_PID; its status once it has dropped root.
waiting_call() {
	"$KZLAUNCH" -t 10 kazoo_apps eval 'timer:sleep(2000).' >/dev/null 2>&1 &
	CALL_PID=$!
	wait_until 3 not grep -q '^Uid:[[:space:]]*0[[:space:]]' "/proc/$CALL_PID/status"
	CALL_STATUS=$(cat "/proc/$CALL_PID/status" 2>/dev/null)
	wait "$CALL_PID"
	CALL_RC=$?
}
field() { echo "$CALL_STATUS" | awk -v k="$1:" '$1 == k { print $2; exit }'; }

run "$KZLAUNCH" kazoo_apps start
is "$RC" 0 "the node started under its helper"
waiting_call
is "$CALL_RC" 0 "a call through the helper succeeds"
is "$(field Uid)" "$(id -u nobody)" "through the helper, root's call reads the node as nobody"
is "$(field CapEff):$(field CapPrm)" "0000000000000000:0000000000000000" "with no capability"
is "$(field NoNewPrivs)" 1 "and no_new_privs"
"$KZLAUNCH" kazoo_apps stop >/dev/null 2>&1

start_fg kazoo_apps
waiting_call
is "$CALL_RC" 0 "a direct call succeeds"
is "$(field Uid)" "$NODE_UID" "direct, root's call reads the node as the node's user"
is "$(field CapEff):$(field CapPrm)" "0000000000000000:0000000000000000" "with no capability"
is "$(field NoNewPrivs)" 1 "and no_new_privs"

# A node kzlaunch did not start from here: no home in this RUNDIR, no release root.
run env KZLAUNCH_RUNDIR="$T/other-run" KAZOO_ROOT="$T/no-release" "$KZLAUNCH" -v ping
is "$OUT:$RC" "pong:0" "a node with no home and no release root here: root's call reaches it"
like "$ERR" "release root $T/no-release: .*: so whether its kazoo_apps_init changes the cookie is not known" \
	"-v says what it could not check"
check "root leases the call's name in a folder of its own" -- \
	test "$(stat -c %U:%a "$T/other-run/kazoo_apps.calls" 2>&1)" = root:700

# A node that lies about lengths: tests/tools/liar, run as the node's user under a name of
# its own, relays the handshake to the real node (so the caller proves the cookie to it, as
# the node's user could arrange) and falsifies one length in what comes back.
LIAR=$KZ_BUILD/tests/tools/liar
REAL_PORT=$(epmd -names | awk -v n="$KAZOO_NODE" '$2 == n { print $5 }')
lie() { # lie MODE CALL...: OUT, ERR, RC of `kzlaunch -n LIAR CALL...`
	local mode=$1 name=kazoo_apps_liar$$_$1; shift
	setpriv --reuid=kztest --regid=kztest --clear-groups "$LIAR" "$name" "$REAL_PORT" "$mode" >"$T/liar.port" 2>"$T/liar.err" &
	local pid=$!
	_pids+=("$pid")
	wait_until 10 test -s "$T/liar.port"
	run "$KZLAUNCH" -n "$name" "$@"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	: >"$T/liar.port"
}
lie output sup kazoo_apps_maintenance hello liar
is "$RC:$OUT" "1:" "output whose binary claims more than it holds: 1, and nothing on stdout"
like "$ERR" "^kzlaunch: .*the node sent a frame of [0-9]+ bytes that is not a whole message$" "one line naming it"
lie reply rpc erlang node
is "$RC:$OUT" "1:" "a reply whose binary claims more than it holds: 1, nothing on stdout"
like "$ERR" "not a whole message$" "the same line"
lie control ping
is "$RC:$OUT" "1:" "a control message claiming more elements than it has: 1"
like "$ERR" "not a whole message$" "the same line"
lie frame -t 2 ping
is "$RC:$OUT" "1:" "a frame longer than what comes: 1 at the deadline"
like "$ERR" "no answer within 2 s" "saying so"
run "$KZLAUNCH" ping
is "$OUT:$RC" "pong:0" "the real node is unharmed"

# RUNDIR is the node's user's (README allows it): it may replace the home by a symlink.
HOME_DIR=$KZLAUNCH_RUNDIR/kazoo_apps.home
mkdir -m 0700 "$T/elsewhere" && chown kztest "$T/elsewhere"
chown kztest "$KZLAUNCH_RUNDIR"
mv "$HOME_DIR" "$T/home.real"
ln -s "$T/elsewhere" "$HOME_DIR"
run "$KZLAUNCH" kazoo_apps ping
is "$RC" 78 "a home replaced by a symlink is refused"
like "$ERR" "$HOME_DIR: is a symlink or not a folder; refusing it" "saying so"
check "and nothing was made where it points" -- not test -e "$T/elsewhere/call.lock"
rm "$HOME_DIR"
mv "$T/home.real" "$HOME_DIR"
chmod 0755 "$HOME_DIR"
run "$KZLAUNCH" kazoo_apps ping
is "$RC" 78 "a home others can enter is refused"
chmod 0700 "$HOME_DIR"
run "$KZLAUNCH" kazoo_apps ping
is "$OUT:$RC" "pong:0" "the node's own home serves again"
stop_fg

done_testing
