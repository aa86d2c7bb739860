#!/usr/bin/env bash
# kzlaunch-helper when things around it go wrong, as root, on real nodes: systemd's notify
# socket (Type=notify), a node that ends on its own or ignores SIGTERM, a full log disk, a
# watcher whose terminal is never read, a terminal resized while attached, and a helper
# that does not answer.
. "$(dirname "$0")/lib.sh"
need_root
command -v expect >/dev/null || skip_all "needs expect (apt-get install expect)"
command -v perl >/dev/null || skip_all "needs perl"
ensure_users

COOKIE=faults_cookie_$$_$RANDOM
write_config "$COOKIE"
# A node name of its own, as every test's (lib.sh): a node of the same name registered with
# the same epmd would make `start` refuse, or fool the READY=1 check.
export KAZOO_NODE=kzfaults_$$
NODE=$KAZOO_NODE@$HOST
LOG=$T/log/kazoo_apps.log
SOCK=$KZLAUNCH_RUNDIR/kazoo_apps.sock
_helpers+=(kazoo_apps)

# Stop the nodes before the tmpfs of case d is unmounted (the helper holds its log open),
# then lib.sh's cleanup (stop again: a no-op, kill what is left, remove $T).
_mounts=()
cleanup_faults() {
	local m
	[ -n "${STOPPED:-}" ] && kill -CONT "$STOPPED" 2>/dev/null
	for m in "${_helpers[@]}"; do "$KZLAUNCH" "$m" stop >/dev/null 2>&1; done
	for m in "${_mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done
	cleanup
}
trap cleanup_faults EXIT

# policy STOP_TIMEOUT [MAX_SIZE GENERATIONS]: the helper reads it when the node starts.
policy() {
	write_policy kazoo_apps "[control]" "stop_timeout = $1" "[log]" "max_size = ${2:-10M}" "generations = ${3:-10}"
}

# wait_for REGEX FILE [TENTHS]: 0 as soon as FILE has a line matching REGEX (default 30 s).
# hold_fifo NAME: a fifo whose write end a `sleep` keeps open, so a client reading it as its
# stdin never sees end of file (which would detach it).  HOLD is the sleep.
hold_fifo() {
	mkfifo "$T/$1"
	sleep 120 >"$T/$1" &
	HOLD=$!
	_pids+=("$HOLD")
}

# wait_attached N: until status counts N attached clients (10 s at most).
attached_is() { [[ $("$KZLAUNCH" kazoo_apps status 2>/dev/null) =~ ", $1 attached)" ]]; }
wait_attached() { wait_until 10 attached_is "$1"; }

# ---- a. Type=notify with a path: READY=1 once the node answers, STOPPING=1, status 0 ----
policy 15
notify_listen "$T/notify.sock" "$T/notify.log"
ok $? "a path NOTIFY_SOCKET listener is up"
start_notify "$T/notify.sock" "$T/notify.log"
ok $? "NOTIFY_SOCKET=path: READY=1 arrives"
is "$(erl_call_node "$NODE" erlang node 2>&1)" "$NODE" "the node answers right after READY=1"
like "$(grep ' READY=1 ' "$T/notify.log")" "registered=1$" "READY=1 came after the node registered with epmd"
is "$(grep -c ' READY=1 ' "$T/notify.log")" 1 "READY=1 is sent once"
is "$(grep -o 'STATUS=[a-z]*' "$T/notify.log" | head -n 2 | xargs)" "STATUS=registered STATUS=booted" \
	"STATUS= says what start waits for (the boot, once epmd knows the name), then that it has booted"
reg_line=$(grep -n 'STATUS=registered' "$T/notify.log" | head -n 1 | cut -d: -f1)
ready_line=$(grep -n ' READY=1 ' "$T/notify.log" | head -n 1 | cut -d: -f1)
boot_before_ready() { [ -n "$reg_line" ] && [ -n "$ready_line" ] && [ "$reg_line" -lt "$ready_line" ]; }
check "the boot was waited for before READY=1" -- boot_before_ready
like "$(readlink /proc/$HPID/exe)" "kzlaunch-helper$" "the launcher became kzlaunch-helper in place (no fork)"
P=$("$KZLAUNCH" kazoo_apps pid)
H=$(status_field "$P" PPid)
is "$(status_field "$H" PPid)" "$HPID" "the warden, systemd's main pid, is the helper's parent"
is "$(tr '\0' '\n' </proc/$P/environ | grep -c '^NOTIFY_SOCKET=')" 0 "NOTIFY_SOCKET is not in the node's environment"
out=$("$KZLAUNCH" kazoo_apps stop)
like "$out" "stopped \(exit status 0\)" "stop: the node's status 0"
wait_for ' STOPPING=1 ' "$T/notify.log" 50
ok $? "stop: STOPPING=1 arrives"
wait "$HPID"
is "$?" 0 "the helper exits with the node's status 0"
check "the socket is gone when it has exited" -- [ ! -e "$SOCK" ]

# ---- a. Type=notify with an abstract address (NOTIFY_SOCKET=@name) ----
ABS=@kzt_notify_$$_$RANDOM
notify_listen "$ABS" "$T/abstract.log"
ok $? "an abstract NOTIFY_SOCKET listener is up"
start_notify "$ABS" "$T/abstract.log"
ok $? "NOTIFY_SOCKET=@name: READY=1 arrives"
is "$(erl_call_node "$NODE" erlang node 2>&1)" "$NODE" "the node answers right after READY=1"
like "$(grep ' READY=1 ' "$T/abstract.log")" "registered=1$" "READY=1 came after the node registered with epmd"
P=$("$KZLAUNCH" kazoo_apps pid)
is "$(tr '\0' '\n' </proc/$P/environ | grep -c '^NOTIFY_SOCKET=')" 0 "NOTIFY_SOCKET is not in the node's environment"
"$KZLAUNCH" kazoo_apps stop >/dev/null
wait_for ' STOPPING=1 ' "$T/abstract.log" 50
ok $? "stop: STOPPING=1 arrives"
wait "$HPID"
is "$?" 0 "the helper exits with the node's status 0"

# ---- a. systemd stops the unit: SIGTERM to the main process (KillMode=mixed) ----
: >"$T/notify.log"
start_notify "$T/notify.sock" "$T/notify.log"
ok $? "started under NOTIFY_SOCKET again"
P=$("$KZLAUNCH" kazoo_apps pid)
kill -TERM "$HPID"
wait_for ' STOPPING=1 ' "$T/notify.log" 50
ok $? "SIGTERM to the warden: STOPPING=1 arrives"
wait "$HPID"
is "$?" 0 "the warden exits with the node's status 0 after a graceful stop"
check "the node is gone" -- gone "$P"
check "and so is the socket" -- [ ! -e "$SOCK" ]

# ---- b. The node ends on its own with status 7: the helper's status, an attached client ----
: >"$T/notify.log"
start_notify "$T/notify.sock" "$T/notify.log"
ok $? "started under NOTIFY_SOCKET again"
hold_fifo b.in
"$KZLAUNCH" kazoo_apps attach --read-only <"$T/b.in" >"$T/b.out" 2>&1 &
CL=$!
_pids+=("$CL")
wait_attached 1
ok $? "a read-only client is attached"
erl_call_node "$NODE" kazoo_apps exit_with '[7]' >/dev/null 2>&1
wait "$HPID"
is "$?" 7 "the helper exits with the node's status 7"
wait "$CL"
is "$?" 0 "the attached client returns once the node is gone"
like "$(tr -d '\r' <"$T/b.out")" "\[kzlaunch: $NODE exited with status 7\]" "and was told the node's status"
is "$(grep -c ' STOPPING=1 ' "$T/notify.log")" 0 "no STOPPING=1: nobody asked for a stop"
check "the socket is gone when it has exited" -- [ ! -e "$SOCK" ]
kill "$HOLD" 2>/dev/null

# ---- c. A node that ignores SIGTERM: SIGKILL after the policy's stop_timeout (2 s) ----
# Judged by the order of events, not by a clock (make check times nothing): the stop begins
# (STOPPING=1), the node outlives the SIGTERMs, and only then is it killed (137).
policy 2
: >"$T/notify.log"
start_notify "$T/notify.sock" "$T/notify.log"
ok $? "started with stop_timeout = 2"
erl_call_node "$NODE" os set_signal '[sigterm, ignore]' >/dev/null
P=$("$KZLAUNCH" kazoo_apps pid)
sigterm_ignored() { (( (0x$(status_field "$P" SigIgn) >> 14) & 1 )); } # bit 15 - 1
check "the node ignores SIGTERM (SigIgn)" -- sigterm_ignored
"$KZLAUNCH" kazoo_apps stop >"$T/c.out" &
STOPPER=$!
wait_for ' STOPPING=1 ' "$T/notify.log" 50
ok $? "the stop begins: STOPPING=1"
check "the node is still running once the stop began: SIGTERM did not end it" -- kill -0 "$P"
wait "$STOPPER"
is "$?" 0 "stop returns 0"
like "$(cat "$T/c.out")" "stopped \(exit status 137\)" "stop says exit status 137: SIGKILL, after stop_timeout"
check "and the node is gone" -- gone "$P"
wait "$HPID"
is "$?" 137 "the helper exits 137"

# ---- d. A full log disk: the node goes on, and the log resumes with a loss marker ----
policy 15 256K 10
mkdir -p "$T/log"
mount -t tmpfs -o size=1m,mode=0750 tmpfs "$T/log"
ok $? "a 1 MiB tmpfs on the log folder"
_mounts+=("$T/log")
chown kztest:kztest "$T/log"
"$KZLAUNCH" kazoo_apps start
is "$?" 0 "start with the log on the small disk"
is "$(erl_call_node "$NODE" kazoo_apps spam '[300000]')" ok "the node writes about 4 MB of console output"
avail=$(df --output=avail -k "$T/log" | tail -n 1 | tr -d ' ')
check "the disk is full (${avail} KiB left)" -- [ "${avail:-99999}" -le 64 ]
is "$(erl_call_node "$NODE" erlang node)" "$NODE" "the node still answers"
"$KZLAUNCH" kazoo_apps status >/dev/null
is "$?" 0 "status: 0, the helper still serves"
rm -f "$LOG".[0-9]*
erl_call_node "$NODE" kazoo_apps spam '[10]' >/dev/null
wait_for '^line 10.?$' "$LOG" 50
ok $? "once there is room, new output reaches the log again"
# The marker comes where writing resumed: before what was still buffered then, and the new lines.
mark=$(tr -d '\r' <"$LOG" | grep -aE '^\[kzlaunch: [0-9]+ bytes of console output lost' | tail -n 1)
like "$mark" "^\[kzlaunch: [0-9]+ bytes of console output lost: write kazoo_apps.log: No space left on device\]$" \
	"a marker says how much was lost, and why"
tail=$(tr -d '\r' <"$LOG" | tail -n 10)
lost=$(echo "$mark" | grep -oE '[0-9]+')
check "the marker counts what the disk refused ($lost bytes)" -- [ "${lost:-0}" -ge 2000000 ]
is "$(echo "$tail" | xargs)" "$(seq 1 10 | sed 's/^/line /' | xargs)" "then every new line, in order"
H=$(status_field "$("$KZLAUNCH" kazoo_apps pid)" PPid)
"$KZLAUNCH" kazoo_apps stop >/dev/null
# stop returns once the node is gone; the helper closes the log a moment later.
wait_until 5 gone "$H"
umount "$T/log" && _mounts=()
ok $? "the tmpfs is unmounted once the node is stopped"

# ---- e. A watcher whose terminal is never read costs the node nothing ----
policy 15
"$KZLAUNCH" kazoo_apps start
is "$?" 0 "start"
H=$(status_field "$("$KZLAUNCH" kazoo_apps pid)" PPid)
hold_fifo e.in
mkfifo "$T/e.out"
sleep 120 <"$T/e.out" & # holds the read end and never reads
_pids+=("$!")
STALLED=$!
"$KZLAUNCH" kazoo_apps attach --read-only <"$T/e.in" >"$T/e.out" 2>/dev/null &
W=$!
_pids+=("$W")
wait_attached 1
ok $? "a read-only watcher is attached, its stdout a pipe nobody reads"
# Never held up: were the helper to wait for this watcher, the node's console writes would block
# once the pty filled (a few KiB), and the spam would never return.  How fast it goes beside
# such a watcher is bench's to measure (bench/results.md, "1 stalled").
is "$(timeout 120 "$ERL_CALL" -c "$COOKIE" -name "$NODE" -a 'kazoo_apps spam [100000]')" ok \
	"the node writes 100000 lines (over 1 MB) past a watcher that reads none"
wait_for "^line 100000"$'\r*$' "$LOG" 100
ok $? "and every one reaches the log"
check "the watcher is still attached, still stalled" -- attached_is 1
rss=$(status_field "$H" VmRSS | awk '{ print $1 }')
check "the helper's VmRSS stays below 16 MiB (${rss} kB)" -- [ "${rss:-99999}" -lt 16384 ]
# Reading at last: once its queue has drained, the next output tells the watcher how much
# it lost.  The node writes a line at a time until the notice shows (10 s at most).
timeout 15 cat "$T/e.out" >"$T/e.got" &
DRAIN=$!
_pids+=("$DRAIN")
told=1
for i in $(seq 1 40); do
	erl_call_node "$NODE" kazoo_apps spam '[1]' >/dev/null
	wait_for 'bytes of output lost: this terminal did not keep up' "$T/e.got" 2 && { told=0; break; }
done
ok $told "the watcher is told how much output it lost"
kill "$W" "$HOLD" "$STALLED" "$DRAIN" 2>/dev/null
wait "$W" "$HOLD" "$STALLED" "$DRAIN" 2>/dev/null
"$KZLAUNCH" kazoo_apps status >/dev/null
is "$?" 0 "the helper still serves status after the watcher is killed"
wait_attached 0
ok $? "and counts no attached client"

# ---- f. The window size follows the client's terminal on SIGWINCH ----
expect -f - "$KZLAUNCH" >"$T/winch.log" 2>&1 <<'EXP'
set timeout 20
lassign $argv kz
set stty_init "rows 24 columns 80"
spawn $kz kazoo_apps attach
send "io:format(\"before ~p~n\", \[io:rows()\]).\r"
expect {
	"before {ok,24}" {}
	timeout { puts "NO FIRST SIZE"; exit 2 }
}
exec stty rows 50 columns 132 < $spawn_out(slave,name)
exec kill -WINCH [exp_pid]
# Asked until the node has it: the size travels from SIGWINCH through kzlaunch and the helper.
set tries 0
send "io:format(\"rows ~p~n\", \[io:rows()\]).\r"
expect {
	"rows {ok,50}" {}
	"rows {ok,24}" {
		if {[incr tries] < 100} {
			after 100
			send "io:format(\"rows ~p~n\", \[io:rows()\]).\r"
			exp_continue
		}
		puts "NO NEW SIZE"; exit 3
	}
	timeout { puts "NO NEW SIZE"; exit 3 }
}
send "\x04"
expect eof
exit [lindex [wait] 3]
EXP
is "$?" 0 "attach: a resized terminal and SIGWINCH reach the node (rows {ok,50}), ^D detaches"

# ---- g. A helper that does not answer: the client says so within 10 s instead of hanging ----
H=$(status_field "$("$KZLAUNCH" kazoo_apps pid)" PPid)
kill -STOP "$H"
STOPPED=$H # let go in cleanup, should a test below die first
out=$(timeout 30 "$KZLAUNCH" kazoo_apps status 2>&1)
rc=$?
is "$rc" 1 "status to a stopped (SIGSTOP) helper: 1"
like "$out" "did not answer within 10 s" "and says the helper did not answer"
# Its listen backlog full, connect() itself would wait: bounded the same way.
perl -MSocket -MFcntl -e '
	my @s;
	for (1 .. 500) {
		socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
		fcntl($s, F_SETFL, O_NONBLOCK) or die "fcntl: $!\n"; # perl drops SOCK_NONBLOCK
		connect($s, pack_sockaddr_un($ARGV[0])) or last;
		push @s, $s;
	}
	$| = 1;
	print scalar(@s), "\n";
	sleep 30; # the point: the queued connections stay while status tries its own
' "$SOCK" >"$T/backlog" &
FILLER=$!
_pids+=("$FILLER")
wait_for '^[0-9]+$' "$T/backlog" 50
ok $? "the stopped helper's listen backlog is full ($(cat "$T/backlog") more connections queued)"
out=$(timeout 30 "$KZLAUNCH" kazoo_apps status 2>&1)
rc=$?
is "$rc" 1 "status then: 1"
like "$out" "did not accept the connection within 10 s" "and says so"
kill "$FILLER" 2>/dev/null
wait "$FILLER" 2>/dev/null
kill -CONT "$H"
"$KZLAUNCH" kazoo_apps status >/dev/null
is "$?" 0 "once it runs again, it answers"
"$KZLAUNCH" kazoo_apps stop >/dev/null
ok $? "stop"

done_testing
