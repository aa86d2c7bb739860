#!/usr/bin/env bash
# The policy's `ready = MOD:FUN`: after the boot, the node is up only once MOD:FUN() returns
# true or ok.  `start` and READY=1 wait for it, status and STATUS= say what it last returned,
# one that never does makes start exit 1 at start_timeout, and a bad value is refused (78).
# The demo release has no such function: the test compiles one of its own into a folder the
# node loads with -pa (in interactive mode: a release boots embedded, loading no module on
# demand), whose ready/0 turns true once the test makes a file.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users
command -v erlc >/dev/null || skip_all "needs erlc"

write_config ready_cookie_$$_$RANDOM
_helpers+=(kazoo_apps)
NODE=$KAZOO_NODE@$HOST
FLAG=$T/ready.flag
export CODE_LOADING_MODE=interactive

mkdir "$T/ebin"
cat >"$T/ebin/kztest_ready.erl" <<ERL
-module(kztest_ready).
-export([ready/0, never/0, boom/0]).
ready() -> case file:read_file_info("$FLAG") of {ok, _} -> true; _ -> false end.
never() -> false.
boom() -> erlang:error(not_yet).
ERL
(cd "$T/ebin" && erlc kztest_ready.erl)
ok $? "the test's ready module compiles"
chmod 0755 "$T/ebin"
chmod 0644 "$T/ebin/kztest_ready.beam"
check "the node's user can read it" -- su -s /bin/sh kztest -c "test -r '$T/ebin/kztest_ready.beam'"

# policy [node] LINES...: the helper reads it when the node starts.
policy() { write_policy kazoo_apps "$@" "[control]" "stop_timeout = 5"; }
# start_bg OUT: `start` in the background, its pid in SPID, its status in OUT.rc when it ends.
start_bg() {
	("$KZLAUNCH" kazoo_apps start -- -pa "$T/ebin" -kazoo_apps boot_ms 500 >"$1" 2>&1; echo $? >"$1.rc") &
	SPID=$!
	_pids+=("$SPID")
}
status_says() { "$KZLAUNCH" kazoo_apps status 2>/dev/null | grep -qF "$1"; }

# ---- a bad value: 78, naming the file and line ----
policy "ready = Kapps_controller:ready"
out=$("$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 78 "ready = Kapps_controller:ready: 78"
like "$out" "$T/kazoo_apps.policy:3: \[node\] ready: 'Kapps_controller:ready' is not MODULE:FUNCTION" \
	"naming the file, line and key"
policy "ready = kapps_controller:ready()"
"$KZLAUNCH" kazoo_apps start >/dev/null 2>&1
is "$?" 78 "ready with parentheses: 78"

# ---- a function that turns true seconds after the boot: start waits for it ----
policy "start_timeout = 30" "ready = kztest_ready:ready"
rm -f "$FLAG"
start_bg "$T/start.out"
wait_until 20 status_says "waiting for kztest_ready:ready(), last returned false"
ok $? "status says what the booted node waits for and what the function last returned"
like "$("$KZLAUNCH" kazoo_apps status)" \
	"^$NODE is booting \(pid [0-9]+, up [0-9]+s, 0 attached; waiting for kztest_ready:ready\(\), last returned false\)$" \
	"in the status line"
sleep 1
check "start still waits, though the boot has finished" -- not test -e "$T/start.out.rc"
touch "$FLAG"
made=$(date +%s%N)
wait_until 10 test -e "$T/start.out.rc"
is "$(cat "$T/start.out.rc" 2>/dev/null)" 0 "once it returns true, start returns 0"
took=$((($(date +%s%N) - made) / 1000000))
check "within about a second of the flag ($took ms)" -- test "$took" -lt 2000
like "$("$KZLAUNCH" kazoo_apps status)" "^$NODE is running \(pid [0-9]+, up [0-9]+s, 0 attached\)$" \
	"status: running, as before, nothing more"

# ---- a restart waits for it too ----
PID=$("$KZLAUNCH" kazoo_apps pid)
rm -f "$FLAG"
("$KZLAUNCH" kazoo_apps restart >"$T/restart.out" 2>&1; echo $? >"$T/restart.out.rc") &
_pids+=("$!")
wait_until 20 status_says "waiting for kztest_ready:ready(), last returned false"
like "$("$KZLAUNCH" kazoo_apps status)" "^$NODE is restarting \(pid $PID, .*; waiting for kztest_ready:ready\(\), last returned false\)$" \
	"after restart, status: restarting, waiting for the function"
check "restart still waits" -- not test -e "$T/restart.out.rc"
touch "$FLAG"
wait_until 10 test -e "$T/restart.out.rc"
is "$(cat "$T/restart.out.rc" 2>/dev/null):$(cat "$T/restart.out")" "0:$NODE restarted (pid $PID)" \
	"restart returns 0 once it returns true again"
"$KZLAUNCH" kazoo_apps stop >/dev/null

# ---- under systemd: READY=1 waits for it, STATUS= says what it last returned ----
# A NOTIFY_SOCKET listener of the test's own, each datagram a line of OUT.
listen() {
	: >"$2"
	perl -MIO::Socket::UNIX -MSocket -e '
		my ($path, $out) = @ARGV;
		my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "$path: $!\n";
		open my $fh, ">>", $out or die "$out: $!\n";
		$fh->autoflush(1);
		print $fh "listening\n";
		my $msg;
		print $fh "$msg\n" while defined $s->recv($msg, 4096);
	' "$1" "$2" &
	_pids+=("$!")
	wait_for '^listening$' "$2" 50
}
rm -f "$FLAG"
listen "$T/notify.sock" "$T/notify.log"
ok $? "a NOTIFY_SOCKET listener of the test's own"
NOTIFY_SOCKET=$T/notify.sock "$KZLAUNCH" kazoo_apps start -- -pa "$T/ebin" -kazoo_apps boot_ms 500 \
	>"$T/notify.out" 2>&1 &
_pids+=("$!")
wait_for '^STATUS=booted; waiting for kztest_ready:ready\(\) to return true \(last returned false\)$' "$T/notify.log" 200
status=$?
ok $status "STATUS= says the booted node waits for the function, and what it returned"
[ "$status" -eq 0 ] || diag "$(cat "$T/notify.log" "$T/notify.out")"
sleep 1
is "$(grep -c '^READY=1$' "$T/notify.log")" 0 "no READY=1 before it returns true"
touch "$FLAG"
wait_for '^READY=1$' "$T/notify.log" 50
ok $? "READY=1 once it does"
"$KZLAUNCH" kazoo_apps stop >/dev/null

# ---- one that never does: start exits 1 at start_timeout, saying what it last returned ----
policy "start_timeout = 3" "ready = kztest_ready:never"
"$KZLAUNCH" kazoo_apps start -- -pa "$T/ebin" -kazoo_apps boot_ms 500 >"$T/never.out" 2>&1
is "$?" 1 "a ready function that never returns true: start exits 1"
is "$(cat "$T/never.out")" "kzlaunch: $NODE: still booting after 3 s (the policy's start_timeout), waiting for kztest_ready:never() to return true (last returned false); left running" \
	"and says what it last returned"
like "$("$KZLAUNCH" kazoo_apps status)" "^$NODE is booting .*; waiting for kztest_ready:never\(\), last returned false\)$" \
	"status: still booting, and why"
"$KZLAUNCH" kazoo_apps stop >/dev/null

# ---- one that raises, or is not there: "not yet", with the reason ----
policy "start_timeout = 2" "ready = kztest_ready:boom"
"$KZLAUNCH" kazoo_apps start -- -pa "$T/ebin" -kazoo_apps boot_ms 500 >"$T/boom.out" 2>&1
is "$?" 1 "a ready function that raises: start exits 1 at start_timeout"
like "$(cat "$T/boom.out")" "waiting for kztest_ready:boom\(\) to return true \(last returned an exception: not_yet\); left running$" \
	"saying the exception's reason"
"$KZLAUNCH" kazoo_apps stop >/dev/null
policy "start_timeout = 2" "ready = kztest_ready:nosuch"
"$KZLAUNCH" kazoo_apps start -- -pa "$T/ebin" -kazoo_apps boot_ms 500 >"$T/undef.out" 2>&1
is "$?" 1 "an undefined ready function: start exits 1 at start_timeout"
like "$(cat "$T/undef.out")" "\(last returned an exception: undef\); left running$" "saying it is undefined"
"$KZLAUNCH" kazoo_apps stop >/dev/null

# ---- always true: start as quick as without ----
policy "start_timeout = 30" "ready = erlang:is_alive"
"$KZLAUNCH" kazoo_apps start -- -kazoo_apps boot_ms 500 >"$T/alive.out" 2>&1
is "$?" 0 "ready = erlang:is_alive: start returns 0"
is "$(cat "$T/alive.out")" "" "and prints nothing"
"$KZLAUNCH" kazoo_apps stop >/dev/null

done_testing
