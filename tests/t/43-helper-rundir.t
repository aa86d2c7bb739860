#!/usr/bin/env bash
# What the node's user can do to `start` as root through folders it owns: a RUNDIR of its
# own, where it can rename anything onto REL.sock, and the log folder, where it can put a
# folder in the way of a rotation.  Root never changes a file by a path it swapped, start
# notices a socket that is no longer the helper's, and the log says why output was lost.
. "$(dirname "$0")/lib.sh"
need_root
command -v perl >/dev/null || skip_all "needs perl"
ensure_users

COOKIE=rundir_cookie_$$_$RANDOM
write_config "$COOKIE"
write_policy kazoo_apps "[control]" "stop_timeout = 5" "[log]" "max_size = 64K" "generations = 2"
export KAZOO_NODE=kzrundir_$$
NODE=$KAZOO_NODE@$HOST
mkdir -p "$T/urun"
chown kztest "$T/urun"
chmod 0755 "$T/urun"
export KZLAUNCH_RUNDIR=$T/urun
SOCK=$T/urun/kazoo_apps.sock
LOG=$T/log/kazoo_apps.log
_helpers+=(kazoo_apps)

# The VMs of this test's node name, found through /proc: one whose socket was swapped
# cannot be reached with `stop`.  Killed by pid at the end, should any be left.
node_pids() {
	local p
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "beam.*-name $KAZOO_NODE\b" && echo "${p#/proc/}"
	done
}
cleanup_rundir() {
	[ -n "${EPMD_PID:-}" ] && kill "$EPMD_PID" 2>/dev/null
	: >"$T/stop"
	local p
	for p in $(node_pids); do kill -KILL "$p"; done
	cleanup
}
trap cleanup_rundir EXIT

# ---- a symlink renamed onto REL.sock while root makes it ----
# A root-owned 0600 file, the spinner's target, as /etc/shadow would be.
echo secret >"$T/target"
chmod 0600 "$T/target"
# The spinner, as the node's user: as soon as REL.sock is a socket, rename a symlink to the
# target onto it; remove a symlink found there, so that the next start gets as far as bind.
as kztest perl -MFcntl=:mode -e '
	my ($sock, $target, $stop) = @ARGV;
	my $tmp = "$sock.spin";
	my ($hits, $end) = (0, time + 300);
	$| = 1;
	print "spinning\n";
	while (!-e $stop && time < $end) {
		symlink $target, $tmp unless -l $tmp;
		my @st = lstat $sock;
		if (@st && S_ISSOCK($st[2])) { $hits++ if rename $tmp, $sock }
		elsif (@st && S_ISLNK($st[2])) { unlink $sock }
	}
	print "hits $hits\n";
' "$SOCK" "$T/target" "$T/stop" >"$T/spinner" 2>&1 &
SPINNER=$!
_pids+=("$SPINNER")
wait_for '^spinning$' "$T/spinner" 50
ok $? "the node's user spins symlinks onto REL.sock"

unnoticed=0 statuses=
for i in 1 2 3 4 5 6; do
	out=$("$KZLAUNCH" kazoo_apps start 2>&1)
	rc=$?
	statuses="$statuses $rc"
	diag "start $i: $rc: $(echo "$out" | tail -n 1)"
	# 0 would mean start returned with a socket at the path that may not be the helper's.
	[ "$rc" -eq 0 ] && unnoticed=$((unnoticed + 1)) && diag "start returned 0: $out"
	[ -n "$(node_pids)" ] && [ "$rc" -ne 0 ] && diag "a node is left after: $out"
	for p in $(node_pids); do kill -KILL "$p"; done # what an unnoticed swap left running
done
: >"$T/stop"
wait "$SPINNER"
is "$(stat -c %a "$T/target")" 600 "the target's mode is still 0600 (start statuses:$statuses)"
is "$(stat -c %U "$T/target")" root "and it is still root's"
is "$unnoticed" 0 "no start returned 0 while its socket was being swapped"
like "$(tail -n 1 "$T/spinner")" "^hits [1-9]" "the spinner did swap sockets ($(tail -n 1 "$T/spinner"))"
rm -f "$T/stop" "$SOCK" "$SOCK.spin"

# ---- a socket swapped after the helper made it, before the node is up ----
# A stand-in for epmd on a port of its own: it registers the node at once, but tells the
# helper the node is up only once $T/go exists.  So the swap below happens, for certain,
# between the helper's bind and its "up".
perl -MIO::Socket::INET -MIO::Select -e '
	my ($go, $portfile) = @ARGV;
	my $l = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => 0, Listen => 64, ReuseAddr => 1)
		or die "listen: $!\n";
	open my $pf, ">", "$portfile.new" or die "$portfile: $!\n";
	print $pf $l->sockport, "\n";
	close $pf;
	rename "$portfile.new", $portfile;
	my $sel = IO::Select->new($l);
	my (%buf, $port);
	for (my $end = time + 300; time < $end;) {
		for my $s ($sel->can_read(1)) {
			if ($s == $l) { $sel->add($l->accept); next }
			my $n = sysread($s, $buf{$s}, 4096, length($buf{$s} // ""));
			if (!$n) { $sel->remove($s); close $s; delete $buf{$s}; next }
			next if length $buf{$s} < 2 || length $buf{$s} < 2 + unpack("n", $buf{$s});
			my $req = substr($buf{$s}, 2, unpack("n", $buf{$s}));
			my $type = ord $req;
			if ($type == 120) { # ALIVE2_REQ: registered, creation 1; the node keeps it open
				$port = unpack("n", substr($req, 1, 2));
				syswrite $s, pack("CCN", 118, 0, 1);
			} elsif ($type == 122 && -e $go && $port) { # PORT_PLEASE2_REQ, once allowed
				my $name = substr($req, 1);
				syswrite $s, pack("CCnCCnnn", 119, 0, $port, 77, 0, 6, 5, length $name) . $name . pack("n", 0);
				$sel->remove($s); close $s;
			} else { # not (yet) known
				syswrite $s, pack("CC", 119, 1);
				$sel->remove($s); close $s;
			}
			delete $buf{$s};
		}
	}
' "$T/go" "$T/epmd.port" &
EPMD_PID=$!
_pids+=("$EPMD_PID")
wait_for '^[0-9]+$' "$T/epmd.port" 50
ok $? "a stand-in epmd listens"
EPMD_PORT=$(cat "$T/epmd.port")

rm -f "$LOG"* # the swapper waits for the helper to make it afresh
ERL_EPMD_PORT=$EPMD_PORT "$KZLAUNCH" kazoo_apps start >"$T/start.out" 2>&1 &
STARTER=$!
_pids+=("$STARTER")
# The node's user puts a socket of its own in the helper's place once the helper has made
# its console log (after its socket: so the helper has bound and pinned it).
# ($! is the subshell that runs `as`, not perl: perl ends itself when $T/stop exists.)
as kztest perl -MIO::Socket::UNIX -e '
	my ($sock, $log, $stop) = @ARGV;
	unlink "$sock.mine";
	my $mine = IO::Socket::UNIX->new(Local => "$sock.mine", Listen => 1) or die "$sock.mine: $!\n";
	for (1 .. 300) { last if -e $log && -S $sock; select undef, undef, undef, 0.1 }
	rename "$sock.mine", $sock or die "rename: $!\n";
	$| = 1;
	print "swapped\n";
	for (1 .. 1200) { last if -e $stop; select undef, undef, undef, 0.1 }
' "$SOCK" "$LOG" "$T/stop" >"$T/swapper" 2>&1 &
SWAPPER=$!
_pids+=("$SWAPPER")
wait_for '^swapped$' "$T/swapper" 350
ok $? "the node's user swapped a socket of its own onto REL.sock before the node was up"
: >"$T/go"
wait "$STARTER"
is "$?" 1 "start notices the socket is not its own: 1"
like "$(cat "$T/start.out")" "kazoo_apps.sock: no longer the socket the helper made" "and says so"
like "$(cat "$T/start.out")" "$NODE: stopped, since its socket" "and that it stopped the node"
is "$(node_pids)" "" "the node is gone"
check "the user's socket is left where it was (not the warden's to remove)" -- [ -S "$SOCK" ]
: >"$T/stop"
kill "$EPMD_PID" 2>/dev/null
wait "$SWAPPER" "$EPMD_PID" 2>/dev/null
EPMD_PID=
rm -f "$SOCK" "$T/stop"

# ---- a folder in the way of the log's rotation ----
"$KZLAUNCH" kazoo_apps start
is "$?" 0 "a clean start, the RUNDIR still the node user's"
is "$(stat -c %a "$SOCK")" 666 "its socket is 0666, from the umask at bind"
H=$(status_field "$("$KZLAUNCH" kazoo_apps pid)" PPid)
as kztest mkdir "$T/log/kazoo_apps.log.1"
erl_call_node "$NODE" kazoo_apps spam '[10000]' >/dev/null
# A rotation that fails leaves the helper without a log descriptor until one works.
holds_log() { local f; for f in /proc/$H/fd/*; do [ "$(readlink "$f")" = "$LOG" ] && return 0; done; return 1; }
wait_until 10 not holds_log
check "a folder kazoo_apps.log.1 blocks the rotation: the helper let go of the log" -- not holds_log
as kztest rmdir "$T/log/kazoo_apps.log.1"
erl_call_node "$NODE" kazoo_apps spam '[3]' >/dev/null
wait_for 'console output lost: ' "$LOG" 50
ok $? "once the folder is gone, output reaches the log again, behind a marker"
like "$(tr -d '\r' <"$LOG" | grep -a 'bytes of console output lost' | tail -n 1)" \
	"^\[kzlaunch: [0-9]+ bytes of console output lost: rename kazoo_apps.log to kazoo_apps.log.1: Is a directory\]$" \
	"the marker names the rename that failed and its errno"
"$KZLAUNCH" kazoo_apps stop >/dev/null
ok $? "stop"

done_testing
