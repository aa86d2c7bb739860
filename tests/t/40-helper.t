#!/usr/bin/env bash
# `start` under kzlaunch-helper: the kernel's view of helper and node, the socket's rights,
# status/pid/stop, the console log, and clients that misbehave.  As root with a policy, the
# node is the policy's user's and other users hold rights; as an ordinary user without one,
# everything is the caller's, and what needs other users or a policy is skipped.
. "$(dirname "$0")/lib.sh"
command -v expect >/dev/null || skip_all "needs expect (apt-get install expect)"

COOKIE=helper_cookie_$$_$RANDOM
write_config "$COOKIE"
if is_root; then
	ensure_users
	for g in kzattach kzwatchers; do getent group $g >/dev/null || groupadd --system $g; done
	getent passwd kzops >/dev/null || useradd --system -G kzattach --no-create-home --shell /usr/sbin/nologin kzops
	getent passwd kzwatch >/dev/null || useradd --system -G kzwatchers --no-create-home --shell /usr/sbin/nologin kzwatch
	write_policy kazoo_apps "[control]" "attach = @kzattach" "watch = @kzwatchers" "stop = @kzattach" \
		"stop_timeout = 3" "[log]" "max_size = 64K" "generations = 50"
	NODE_USER=kztest LOGDIR=$T/log
	as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }
	AS_WATCH=(setpriv --reuid=kzwatch --regid=kzwatch --init-groups) # an array: $! is then the holder
else
	caller_setup kazoo_apps
	NODE_USER=$(id -un) LOGDIR=$KZLAUNCH_RUNDIR # no policy: the log is in RUNDIR
	as() { shift; "$@"; } # the operator, the watcher: all of them the caller
	AS_WATCH=()
fi
NODE=$KAZOO_NODE@$HOST
LOG=$LOGDIR/kazoo_apps.log
SOCK=$KZLAUNCH_RUNDIR/kazoo_apps.sock
_helpers+=(kazoo_apps)

out=$("$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 0 "start returns 0"
is "$(erl_call_node "$NODE" erlang node)" "$NODE" "the node answers as soon as start returns"

out=$("$KZLAUNCH" kazoo_apps status)
is "$?" 0 "status: 0 while running"
like "$out" "$NODE is running \(pid [0-9]+, up [0-9]+s, 0 attached\)" "status says pid, uptime, clients"
P=$("$KZLAUNCH" kazoo_apps pid)
like "$P" "^[0-9]+$" "pid prints the node's pid"
like "$(tr '\0' ' ' </proc/$P/cmdline)" "beam.smp" "that pid is the VM"
H=$(status_field "$P" PPid)
# Not dumpable, helper and warden keep their exe and descriptors from all but root.
HIDDEN="(not dumpable: only root may read it)"
root_only "the helper's exe $HIDDEN" &&
	like "$(readlink /proc/$H/exe)" "kzlaunch-helper$" "the helper is the node's parent"

uid=$(id -u "$NODE_USER") gid=$(id -g "$NODE_USER")
is "$(status_field "$H" Uid)" "$uid $uid $uid $uid" "helper: Uid $NODE_USER"
is "$(status_field "$H" Gid)" "$gid $gid $gid $gid" "helper: Gid $NODE_USER's"
# Only root can drop groups and the bounding set; the caller keeps its own, no more.
if is_root; then
	is "$(status_field "$H" Groups)" "" "helper: no supplementary groups"
	SETS="CapInh CapPrm CapEff CapBnd CapAmb"
else
	is "$(status_field "$H" Groups)" "$(status_field $$ Groups)" "helper: the caller's groups, no more"
	SETS="CapInh CapPrm CapEff CapAmb"
fi
for set in $SETS; do
	is "$(status_field "$H" $set)" 0000000000000000 "helper: $set empty"
done
is "$(status_field "$H" NoNewPrivs)" 1 "helper: NoNewPrivs"
is "$(status_field "$H" Seccomp)" 2 "helper: seccomp filter"
is "$(stat -c %U /proc/$H/status)" root "helper: not dumpable (its /proc files are root's)"
# The warden: the process `start` ran, the helper's parent, root's uid with nothing else.
W=$(status_field "$H" PPid)
root_only "the warden's exe $HIDDEN" &&
	like "$(readlink /proc/$W/exe)" "kzlaunch-helper$" "the helper's parent is its warden"
if is_root; then
	is "$(status_field "$W" Uid)" "0 0 0 0" "warden: root's uid, kept to remove the socket from RUNDIR"
else
	me=$(id -u)
	is "$(status_field "$W" Uid)" "$me $me $me $me" "warden: the caller's uid, who started it"
fi
for set in $SETS; do
	is "$(status_field "$W" $set)" 0000000000000000 "warden: $set empty"
done
is "$(status_field "$W" NoNewPrivs)" 1 "warden: NoNewPrivs"
is "$(status_field "$W" Seccomp)" 2 "warden: seccomp filter"
if root_only "the warden's descriptors $HIDDEN"; then
	warden_objs=$(for f in /proc/$W/fd/*; do readlink "$f"; done | grep -v -e '^/dev/null$' -e '^anon_inode:' | sort -u)
	is "$(echo "$warden_objs" | grep -c '^socket:')" 1 "warden: one socket, its channel to the helper (not the listening one)"
	is "$(echo "$warden_objs" | grep -v -e '^socket:' -e "^$KZLAUNCH_RUNDIR/kazoo_apps.lock\$" -e "^$SOCK\$" | xargs)" "" \
		"warden: nothing else but the socket's lock and the socket's path (O_PATH, to know it again)"
fi
is "$(status_field "$P" Uid)" "$uid $uid $uid $uid" "node: Uid $NODE_USER"
if is_root; then
	is "$(status_field "$P" CapBnd)" 0000000000000000 "node: empty bounding set"
else
	is "$(status_field "$P" CapEff)" 0000000000000000 "node: no capabilities"
fi
is "$(status_field "$P" NoNewPrivs)" 1 "node: NoNewPrivs"

# No descriptor of the helper's reaches the node: its socket, log, pty master.
# Compared by name: sockets and pipes carry their inode; anonymous inodes say nothing.
if root_only "the helper's descriptors against the node's $HIDDEN"; then
	helper_objs=$(for f in /proc/$H/fd/*; do readlink "$f"; done | grep -v -e '^/dev/null$' -e '^anon_inode:' | sort -u)
	node_objs=$(for f in /proc/$P/fd/*; do readlink "$f"; done | sort -u)
	shared=$(comm -12 <(echo "$helper_objs") <(echo "$node_objs") | grep -v '^$' | xargs)
	is "$shared" "" "the node holds none of the helper's descriptors"
fi
is "$(readlink /proc/$P/fd/0)" "$(readlink /proc/$P/fd/1)" "node: stdin and stdout are its pty"
like "$(readlink /proc/$P/fd/0)" "^/dev/pts/" "node: the console is a pty"

is "$(cookie_hits "$COOKIE")" 0 "the cookie is in no argv or environ"

out=$("$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 1 "a second start fails"
like "$out" "already running" "and says so"
is "$("$KZLAUNCH" kazoo_apps pid)" "$P" "and leaves the node alone"

# The console log: buffered, in order, rotated.
if root_only "the log descriptor's flags $HIDDEN"; then
	logfd=$(for f in /proc/$H/fd/*; do [ "$(readlink "$f")" = "$LOG" ] && echo "${f##*/}"; done)
	flags=$(awk '/^flags:/ { print $2 }' /proc/$H/fdinfo/$logfd 2>/dev/null)
	no_osync() { [ -n "$1" ] && (( (8#$1 & 8#4010000) == 0 )); } # O_SYNC, O_DSYNC included
	check "the log descriptor has no O_SYNC (flags $flags)" -- no_osync "$flags"
fi
erl_call_node "$NODE" kazoo_apps spam '[20000]' >/dev/null
# The last line in the log: the helper has read and written all the node wrote.
wait_for "line 20000"$'\r*$' "$LOG" 100 # not ^: on a dumb terminal a prompt may come first
ok $? "the last line reaches the log"
if root_only "the log rotated at the policy's max_size (64K)"; then
	files=$(ls "$LOGDIR" | wc -l)
	check "the log rotated ($files files)" -- [ "$files" -ge 3 ]
fi
all=$( (ls -1 "$LOGDIR" | grep -E '^kazoo_apps\.log\.[0-9]+$' | sort -t. -k3 -rn | sed "s|^|$LOGDIR/|" | xargs -r cat; cat "$LOG") | tr -d '\r' | grep -oE 'line [0-9]+$')
is "$(echo "$all" | wc -l)" 20000 "every line reached the log"
is "$(echo "$all" | awk '{ if ($2 != NR) { print NR; exit } }')" "" "in order"
if is_root; then
	big=$(find "$LOGDIR" -type f -size +64k | wc -l)
	is "$big" 0 "no log file over max_size"
fi

# Rights: kzother none, kzwatch watch, kzops attach and stop.
if root_only "rights of other users (the policy's [control])"; then
	for act in status pid attach stop; do
		out=$(as kzother "$KZLAUNCH" kazoo_apps $act 2>&1 </dev/null)
		is "$?" 77 "an unlisted user: $act is 77"
	done
	like "$out" "lacks the stop right" "and is told which right"
	out=$(as kzwatch "$KZLAUNCH" kazoo_apps stop 2>&1)
	is "$?" 77 "a watcher may not stop"
	out=$(as kzwatch "$KZLAUNCH" kazoo_apps attach 2>&1 </dev/null)
	is "$?" 77 "a watcher may not attach read-write"
	is "$(as kzwatch "$KZLAUNCH" kazoo_apps status >/dev/null 2>&1; echo $?)" 0 "a watcher may ask for status"
fi

# attach read-write as an @attach member: replay, typing, window size, ^D.
as kzops expect -f - "$KZLAUNCH" "$NODE" >"$T/attach.log" 2>&1 <<'EXP'
set timeout 20
lassign $argv kz node
set stty_init "rows 33 columns 111"
spawn $kz kazoo_apps attach
expect {
	"line 20000" {}
	timeout { puts "NO REPLAY"; exit 2 }
}
send "io:format(\"typed ~p~n\", \[io:rows()\]).\r"
expect {
	"typed {ok,33}" {}
	timeout { puts "NO ECHO"; exit 3 }
}
send "\x04"
expect eof
exit [lindex [wait] 3]
EXP
is "$?" 0 "attach: replay, typing reaches the node, window size, ^D detaches"
wait_for "typed \{ok,33\}" "$LOG" 50
ok $? "what the attached operator did is in the log"

# read-only, with -e: typing never reaches the node.
as kzwatch expect -f - "$KZLAUNCH" >"$T/watch.log" 2>&1 <<'EXP'
set timeout 20
lassign $argv kz
spawn $kz -e ^] kazoo_apps attach --read-only
expect {
	"line 20000" {}
	timeout { puts "NO REPLAY"; exit 2 }
}
send "io:format(\"watcher_typed~n\").\r"
# The point: time for the typing to reach the node, were it sent (nothing happens to wait for).
sleep 0.5
send "\x1d"
expect eof
exit [lindex [wait] 3]
EXP
is "$?" 0 "attach --read-only: replay, -e ^] detaches"
# Waiting for nothing to happen can only be a time: longer than the log may trail the console.
sleep 0.2
check "a watcher's typing does not reach the node" -- not grep -a -q "watcher_typed" "$LOG"

is "$(kill -0 "$P" 2>/dev/null; echo $?)" 0 "the node runs on after its clients detached"

# Clients that misbehave cost themselves only.
perl -MIO::Socket::UNIX -e '
	my $path = shift;
	my @s;
	# garbage, an oversize length, half a frame then silence, and 100 connections
	for my $bytes ("\xff" x 64, "\x01\x02\xff\xff", "\x01\x01\x00") {
		my $c = IO::Socket::UNIX->new(Peer => $path) or die "connect: $!";
		print $c $bytes; push @s, $c;
	}
	for (1..100) { push @s, IO::Socket::UNIX->new(Peer => $path) or die "connect $_: $!" }
	sleep 1; # the point: they hold their connections idle a while, then drop them all at once
' "$KZLAUNCH_RUNDIR/kazoo_apps.sock"
ok $? "garbage, oversize and silent clients connect"
"$KZLAUNCH" kazoo_apps status >/dev/null
is "$?" 0 "the helper still serves after bad clients"

# One local user cannot take every connection (the socket is 0666): 16 are its share.  The
# holder's connections are attached (read-only), so they hold their slots for as long as
# they stay open, however long the test takes.
"${AS_WATCH[@]}" perl -MIO::Socket::UNIX -e '
	my @s;
	for (1..16) {
		my $c = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect $_: $!\n";
		print $c "\x01\x01\x00\x05\x01\x00\x18\x00\x50"; # ATTACH, read-only, 24x80
		push @s, $c;
	}
	$| = 1;
	print "held\n";
	sleep 60;
' "$SOCK" >"$T/held" &
holder=$!
_pids+=("$holder")
wait_for '^held$' "$T/held" 50
ok $? "a watcher holds 16 connections"
# Root asks from a share of its own; the caller's asking would be its own 17th connection.
if root_only "status counting another user's 16 (root asks)"; then
	attached16() { [[ $("$KZLAUNCH" kazoo_apps status) =~ ", 16 attached)" ]]; }
	wait_until 10 attached16
	like "$("$KZLAUNCH" kazoo_apps status)" ", 16 attached\)" "all 16 are attached"
fi
out=$(as kzwatch "$KZLAUNCH" kazoo_apps status 2>&1)
is "$?" 1 "its 17th is turned away: 1, not 77 or 'not running'"
like "$out" "turned this connection away: busy" "and is told the helper is busy"
if root_only "root and another user are still served"; then
	out=$("$KZLAUNCH" kazoo_apps status)
	is "$?" 0 "root is still served"
	out=$(as kzops "$KZLAUNCH" kazoo_apps status)
	is "$?" 0 "and so is another user"
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# stop: SIGTERM, the status, and the node gone when stop returns.
out=$(as kzops "$KZLAUNCH" kazoo_apps stop)
is "$?" 0 "stop: 0"
like "$out" "stopped \(exit status 0\)" "stop tells the node's status"
check "the node is gone when stop returns" -- reaped "$P"
# stop returns when the node is gone; its helper ends a moment later, once clients are told.
wait_until 5 gone "$H"
check "the helper is gone too" -- gone "$H"
sock_gone() { wait_until 5 test ! -e "$SOCK"; }
sock_gone
ok $? "the warden removed the socket"
out=$("$KZLAUNCH" kazoo_apps status)
is "$?" 3 "status of a stopped node: 3"
out=$("$KZLAUNCH" kazoo_apps stop)
is "$?" 0 "stop of a stopped node: 0"
like "$out" "not running" "and says so"
out=$("$KZLAUNCH" kazoo_apps attach 2>&1 </dev/null)
is "$?" 69 "attach to a stopped node: 69"

# Two starts at once: one node, one refusal that leaves the winner's socket alone.
"$KZLAUNCH" kazoo_apps start >"$T/s1" 2>&1 &
s1=$!
"$KZLAUNCH" kazoo_apps start >"$T/s2" 2>&1 &
s2=$!
wait $s1; r1=$?
wait $s2; r2=$?
is "$r1 $r2" "$( ((r1 == 0)) && echo "0 1" || echo "1 0")" "two starts at once: one 0, one 1 ($r1 $r2)"
like "$(cat "$T/s1" "$T/s2")" "already running" "the loser says the node is already running"
"$KZLAUNCH" kazoo_apps status >/dev/null
is "$?" 0 "the winner's helper still answers"
"$KZLAUNCH" kazoo_apps stop >/dev/null

# A dead helper's socket does not block the next start.
perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => shift, Listen => 1) or die "$!\n"' "$SOCK"
ok $? "a socket nobody answers on, left at the helper's path"

# A node that ignores SIGTERM is killed after stop_timeout.
"$KZLAUNCH" kazoo_apps start
is "$?" 0 "start again after a stop (stale socket replaced)"
if root_only "SIGKILL after the policy's stop_timeout (3 s; without a policy it is 30 s)"; then
	erl_call_node "$NODE" os set_signal '[sigterm, ignore]' >/dev/null
	out=$("$KZLAUNCH" kazoo_apps stop)
	like "$out" "exit status 137" "a node that ignores SIGTERM gets SIGKILL after stop_timeout"
else
	"$KZLAUNCH" kazoo_apps stop >/dev/null
fi

# The helper is killed: the node dies with it, and the next start works.
"$KZLAUNCH" kazoo_apps start
P=$("$KZLAUNCH" kazoo_apps pid); H=$(status_field "$P" PPid)
kill -KILL "$H"
wait_until 5 reaped "$P"
check "the node never outlives its helper" -- reaped "$P"
sock_gone
ok $? "the warden removed the killed helper's socket"
"$KZLAUNCH" kazoo_apps start
is "$?" 0 "start after a killed helper"
"$KZLAUNCH" kazoo_apps stop >/dev/null

# A node that dies while booting: start fails with its status and last output.
is_root && write_policy kazoo_apps
out=$("$KZLAUNCH" kazoo_apps start -- +hms no_such_size 2>&1)
is "$?" 1 "start of a node that exits while booting fails"
like "$out" "exited with status 1 while starting" "and says how it ended"
like "$out" "these flags should be specified with" "with its last output"

done_testing
