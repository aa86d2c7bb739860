#!/usr/bin/env bash
# The launch side on a release whose erts is not the system's: the demo built with Debian 11's
# OTP 23 (scripts/otp23-release, doc/otp.md), standing in for the older erts of Kazoo 4.3 and
# 5.0.  Every launch must run that release's own erlexec and beam (and its start_clean for a
# remote shell): nothing of the system's OTP 25 may reach the node or the shell.
. "$(dirname "$0")/lib.sh"
need_root
command -v expect >/dev/null || skip_all "needs expect (apt-get install expect)"

# Built by `make check` beside the OTP 25 demo; offline, its fetch leaves a note saying why.
: "${KZ_OTP23_RELROOT:=$KZ_RELROOT-otp23}"
need_fetched KZ_OTP23_RELROOT releases/start_erl.data \
	"OTP 23 release (Debian 11's erlang-base, make build-release-otp23)"
O23=$(realpath "$KZ_OTP23_RELROOT")
ERTS_BIN=$(ls -d "$O23"/erts-11.*/bin | head -n 1)
export KAZOO_ROOT=$O23
# shellcheck disable=SC2034 # lib.sh's erl_call_node runs it
ERL_CALL=$ERTS_BIN/erl_call # OTP 23's own: nothing here needs the system's

ensure_users
ensure_sup_users
COOKIE=otp23_cookie_$$_$RANDOM
write_config "$COOKIE"
write_policy kazoo_apps "start_timeout = 30" "[control]" "stop_timeout = 10" "sup = @kzsupport" \
	"sup_modules = *_maintenance"
NAME=kazoo_apps_otp23_$$
NODE=$NAME@$HOST
LOG=$T/log/kazoo_apps.log
kz() { "$KZLAUNCH" -n "$NAME" kazoo_apps "$@"; }
at_exit "\"\$KZLAUNCH\" -n \"$NAME\" kazoo_apps stop >/dev/null 2>&1"

# Every process of the node's tree runs a program of the release's erts, and none maps
# anything of the system's OTP (/usr/lib/erlang).
own_erts_only() {
	local p exe bad=0
	for p in $(proc_tree "$1"); do
		exe=$(readlink "/proc/$p/exe") || continue
		case $exe in "$ERTS_BIN"/*) ;; *) diag "pid $p runs $exe"; bad=1 ;; esac
		if grep -q /usr/lib/erlang "/proc/$p/maps" 2>/dev/null; then
			diag "pid $p maps $(grep -m1 -o '/usr/lib/erlang[^ ]*' "/proc/$p/maps")"; bad=1
		fi
	done
	return $bad
}

# ---- --dry-run: the release's erts 11, never the system's ----
out=$(kz foreground --dry-run 2>&1)
is "$?" 0 "--dry-run foreground"
like "$out" $'(^|\n)erts: 11\\.[0-9.]+ \\('"$ERTS_BIN"'\)' "it names the release's erts 11"
like "$out" $'(^|\n)exec: '"$ERTS_BIN"'/erlexec ' "the exec line is the release's erlexec"
like "$out" $'(^|\n)boot: '"$O23"'/releases/[^/]+/kazoo\.boot' "the boot file is the release's kazoo.boot"
like "$out" $'(^|\n)env: BINDIR='"$ERTS_BIN"$'(\n|$)' "BINDIR is the release's"
unlike "$out" "/usr/lib/erlang" "nothing of the system's OTP"
out=$(kz start --dry-run 2>&1)
like "$out" $'(^|\n)exec: '"$ERTS_BIN"'/erlexec ' "--dry-run start: the release's erlexec"
out=$(kz remote_console --dry-run 2>&1)
is "$?" 0 "--dry-run remote_console"
like "$out" $'(^|\n)exec: '"$ERTS_BIN"'/erlexec -boot '"$O23"'/releases/[^/ ]+/start_clean ' \
	"the remote shell: the release's erlexec and its start_clean"
unlike "$out" "/usr/lib/erlang" "nothing of the system's OTP"

# ---- foreground: the release's own beam ----
start_fg kazoo_apps -n "$NAME"
ok $? "foreground: the OTP 23 node comes up"
P=$NODE_PID
is "$(readlink /proc/$P/exe)" "$ERTS_BIN/beam.smp" "the node is the release's beam.smp"
like "$(tr '\0' ' ' </proc/$P/cmdline)" " -root $O23 " "booted with the release as its root"
check "the node's tree runs the release's erts only" -- own_erts_only "$P"
uid=$(id -u kztest)
is "$(status_field "$P" Uid)" "$uid $uid $uid $uid" "as the policy's user"
is "$(erl_call_node "$NODE" erlang system_info '[otp_release]')" '"23"' "the node is OTP 23"
is "$(erl_call_node "$NODE" code root_dir)" "\"$O23\"" "its code root is the release"
stop_fg
is "$NODE_STATUS" 0 "SIGTERM stops it with status 0"

# ---- console: its shell on a terminal ----
expect -f - "$KZLAUNCH" "$NAME" >"$T/console.log" 2>&1 <<'EXP'
set timeout 30
lassign $argv kz name
spawn $kz -n $name kazoo_apps console
expect {
	-re "Eshell V11\[^\r\n]*\r?\n.*\\($name@\[^)]*\\)1> " {}
	timeout { puts "NO PROMPT"; exit 2 }
}
send "io:format(\"typed ~s~n\", \[erlang:system_info(otp_release)\]).\r"
expect {
	"typed 23" {}
	timeout { puts "NO ANSWER"; exit 3 }
}
send "q().\r"
expect eof
exit [lindex [wait] 3]
EXP
is "$?" 0 "console: the OTP 23 shell answers, q() ends the node with status 0"

# ---- start, status, the calls, attach, remote_console, stop ----
# start waits for init:get_status() through the broker's boot probe, a plain rpc call any OTP
# answers; what the calls print comes back through capture.erl's group leader.
t0=$SECONDS
out=$(kz start 2>&1)
is "$?" 0 "start returns 0 once the OTP 23 node has booted ($((SECONDS - t0)) s)"
wait_for 'kazoo_apps is up' "$LOG" 100
ok $? "the node came up under the helper"
out=$(kz status)
is "$?" 0 "status: 0"
like "$out" "^$NODE is running \(pid [0-9]+, up [0-9]+s, 0 attached\)" "status: running, its pid"
P=$(kz pid)
like "$P" "^[0-9]+$" "pid prints the node's pid"
is "$(readlink /proc/$P/exe)" "$ERTS_BIN/beam.smp" "the node is the release's beam.smp"
check "the node's tree runs the release's erts only" -- own_erts_only "$P"
like "$(readlink /proc/"$(status_field "$P" PPid)"/exe)" "kzlaunch-helper$" "its parent is the helper"
is "$(erl_call_node "$NODE" erlang system_info '[otp_release]')" '"23"' "the node is OTP 23"

run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }
run kz ping
is "$OUT:$RC" "pong:0" "ping: pong"
run kz rpc erlang list_to_tuple '[1, <<"b">>, "s", 12345678901234567890]'
is "$OUT:$RC" '{1,<<"b">>,"s",12345678901234567890}:0' "rpc: terms parsed and printed by the OTP 23 node"
run kz rpcterms lists append '[1]. [two].'
is "$OUT:$RC" "[1,two]:0" "rpcterms"
run kz eval 'io:format("printed ~s~n", [erlang:system_info(otp_release)]), 6 * 7.'
is "$OUT:$RC" $'printed 23\n42:0' "eval: what it prints, then its value"
run kz sup kazoo_apps_maintenance hello otp23
like "$OUT" "^hello otp23" "sup: the maintenance function's output reaches the caller"
is "$RC" 0 "sup: 0"
# A sup holder's calls, made by the helper on the OTP 23 node; one cut off by -t leaves no
# process behind.
run as kzsup "$KZLAUNCH" -n "$NAME" kazoo_apps sup kazoo_apps_maintenance hello support
is "$OUT:$RC" $'hello support\nsecond line\nok:0' "a sup holder's sup, made by the helper: its output and result"
run as kzsup "$KZLAUNCH" -n "$NAME" kazoo_apps rpc erlang node
is "$RC" 77 "its rpc: 77"
run as kzsup "$KZLAUNCH" -n "$NAME" -t 1 kazoo_apps sup kazoo_apps_maintenance sleep 30
is "$RC" 4 "its sup cut off by -t 1: 4"
no_sleeper() { [ "$(sleeping_calls -n "$NAME" kazoo_apps)" = 0 ]; }
wait_until 10 no_sleeper
ok $? "and the node's process for it is gone"
run kz rpc nosuch_module f
like "$ERR:$RC" "rpc nosuch_module:f/0 failed: .*undef.*:1$" "rpc of an unknown function: 1, one line"
run kz -t 1 eval 'timer:sleep(3000).'
is "$RC" 1 "-t: a call that takes longer gives up"
run kz restart
is "$OUT:$RC" "$NODE restarted (pid $P):0" "restart: init:restart() on the OTP 23 node, the same pid"
run kz eval 'init:get_status().'
is "$OUT:$RC" "{started,started}:0" "and its boot finished again, calls answer"

# The same node as a node of OTP 19-22 looks at epmd: an entry offering handshake version 5
# only, for the node's own port (any user may register a name; the port is still the
# node's).  A direct call, from a RUNDIR no helper serves, must shake hands in version 5.
NODE_PORT=$(epmd -names | awk -v n="$NAME" '$2 == n { print $5 }')
ALIAS=kazoo_apps_v5only_$$
"$KZ_BUILD/tests/tools/epmdalias" "$ALIAS" "$NODE_PORT" 5 5 >"$T/alias.out" 2>&1 &
_pids+=("$!")
wait_until 10 grep -q registered "$T/alias.out"
run env KZLAUNCH_RUNDIR="$T/v5run" "$KZLAUNCH" -n "$ALIAS" kazoo_apps rpc erlang node
is "$OUT:$RC" "$NODE:0" "a version 5 handshake (epmd offers 5 to 5): the call answers"
run env KZLAUNCH_RUNDIR="$T/v5run" "$KZLAUNCH" -n "$ALIAS" kazoo_apps sup kazoo_apps_maintenance hello v5
like "$OUT:$RC" "^hello v5.*:0$" "and sup's output reaches the caller"
# But one: once the sup holder's call cut off above is ended, rex answers its gone caller, and
# this node (long names, a host without a dot) logs that it may not connect back to it.
# Known and left; no other report may be there.
check "the node's console log holds no error report from kzlaunch's probes and calls" -- \
	not grep -aqE 'function_clause|rejected' "$LOG"
is "$(grep -ac 'ERROR REPORT' "$LOG")" "$(grep -ac 'Hostname .* is illegal' "$LOG")" \
	"every error report is that one, of the call cut off"

# attach: typing reaches the OTP 23 shell.
expect -f - "$KZLAUNCH" "$NAME" >"$T/attach.log" 2>&1 <<'EXP'
set timeout 30
match_max 1000000
lassign $argv kz name
spawn $kz -n $name kazoo_apps attach
sleep 0.5
send "io:format(\"attached ~s~n\", \[erlang:system_info(otp_release)\]).\r"
expect {
	"attached 23" {}
	timeout { puts "NO ANSWER"; exit 3 }
}
send "\x04"
expect eof
exit [lindex [wait] 3]
EXP
is "$?" 0 "attach: typing reaches the OTP 23 shell, ^D detaches"
wait_for "attached 23" "$LOG" 50
ok $? "and it is in the console log"

# remote_console: a hidden shell of the release's own erts and start_clean, into the node.
expect -f - "$KZLAUNCH" "$NAME" >"$T/remsh.log" 2>&1 <<'EXP'
set timeout 30
match_max 100000
lassign $argv kz name
spawn $kz -n $name kazoo_apps remote_console
expect {
	-re "\\($name@\[^)]*\\)1> " {}
	timeout { puts "NO PROMPT"; exit 2 }
}
set pid [exp_pid]
set f [open /proc/$pid/cmdline]
fconfigure $f -translation binary
set cmd [string map [list \0 " "] [read $f]]
close $f
puts "\nEXE [file readlink /proc/$pid/exe]"
puts "CMD $cmd"
send "io:format(\"remote ~s ~s ~w~n\", \[erlang:system_info(otp_release), node(), nodes(hidden)\]).\r"
expect {
	-re "remote 23 $name@" {}
	timeout { puts "NO ANSWER"; exit 3 }
}
# ^G, then q: ends the shell's own VM, not the node.
send "\x07"
expect " --> "
send "q\r"
expect eof
exit [lindex [wait] 3]
EXP
is "$?" 0 "remote_console: the shell reaches the OTP 23 node and q leaves it"
is "$(sed -n 's/^EXE //p' "$T/remsh.log" | tr -d '\r')" "$ERTS_BIN/beam.smp" "the remote shell is the release's beam.smp"
remsh_cmd=$(sed -n 's/^CMD //p' "$T/remsh.log" | tr -d '\r')
like "$remsh_cmd" " -root $O23 " "with the release as its root"
like "$remsh_cmd" " -boot $O23/releases/[^/ ]+/start_clean " "booting the release's start_clean"
like "$remsh_cmd" " -hidden " "hidden"
unlike "$remsh_cmd" "/usr/lib/erlang" "nothing of the system's OTP"
like "$(grep -a '^remote 23' "$T/remsh.log")" "^remote 23 $NODE .*kzremsh" "the node saw the shell as a hidden node"
is "$(kill -0 "$P" 2>/dev/null; echo $?)" 0 "the node runs on after the shell left"

out=$(kz stop)
is "$?" 0 "stop: 0"
like "$out" "stopped \(exit status 0\)" "stop tells the node's status"
check "the node is gone when stop returns" -- reaped "$P"
out=$(kz status)
is "$?" 3 "status of the stopped node: 3"

done_testing
