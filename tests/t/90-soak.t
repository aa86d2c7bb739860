#!/usr/bin/env bash
# Soak: one helper, one node, a long life of clients in a few minutes: 20,000 status requests,
# 2,000 attach/detach cycles (read-write and read-only, with and without a detach key), 500
# clients that vanish mid-frame, and 1 GiB of console output through rotation.  Afterwards
# the helper holds the descriptors it held, its anonymous memory is within 1 MiB of what it
# was idle, and the log holds every byte the node wrote, in order.  How long the node took to
# write is reported, not asserted (make bench judges speed).
. "$(dirname "$0")/lib.sh"
need_root
command -v perl >/dev/null || skip_all "needs perl"
ensure_users

: "${KZ_SOAK_STATUS:=20000}" "${KZ_SOAK_ATTACH:=2000}" "${KZ_SOAK_VANISH:=500}" "${KZ_SOAK_MIB:=1024}"
COOKIE=soak_cookie_$$_$RANDOM
write_config "$COOKIE"
# 64 MiB generations, enough of them to keep the whole GiB (and the boot) on disk.
gens=$((KZ_SOAK_MIB / 64 + 4))
write_policy kazoo_apps "[control]" "stop_timeout = 10" "[log]" "max_size = 64M" "generations = $gens"
NODE=$KAZOO_NODE@$HOST
SOCK=$KZLAUNCH_RUNDIR/kazoo_apps.sock
LOG=$T/log/kazoo_apps.log
_helpers+=(kazoo_apps)

out=$("$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 0 "start" || { diag "$out"; done_testing; }
P=$("$KZLAUNCH" kazoo_apps pid)
H=$(status_field "$P" PPid)
fds() { ls "/proc/$H/fd" | wc -l; }
anon() { awk '$1 == "RssAnon:" { print $2 }' "/proc/$H/status"; }
# A warm-up round first, so buffers the helper keeps for good are counted in the idle figure.
perl_client() { perl "$T/client.pl" "$SOCK" "$@"; }
cat >"$T/client.pl" <<'PERL'
# client.pl SOCK status N | vanish N | attach N: the wire protocol (doc/protocol.md) by hand,
# to ask many times faster than a process per request.
use strict; use warnings; use Socket;
my ($path, $what, $n) = @ARGV;
sub conn { socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!"; connect($s, pack_sockaddr_un($path)) or die "connect: $!"; return $s; }
sub frame { my ($s) = @_; my $h = ''; while (length $h < 4) { my $r = sysread($s, $h, 4 - length $h, length $h); return undef unless $r; }
	my ($v, $t, $len) = unpack('CCn', $h); die "version $v\n" if $v != 1; my $p = '';
	while (length $p < $len) { my $r = sysread($s, $p, $len - length $p, length $p); die "eof in frame\n" unless $r; } return ($t, $p); }
my $bad = 0;
for my $i (1 .. $n) {
	my $s = conn();
	if ($what eq 'status') {
		syswrite($s, pack('CCn', 1, 2, 0)); my ($t) = frame($s); $bad++ unless defined $t && $t == 22;
	} elsif ($what eq 'vanish') {
		syswrite($s, pack('CC', 1, $i % 2 ? 1 : 2)); # half a header, then gone
	} elsif ($what eq 'attach') {
		# INFO first, then the replay of recent output.
		syswrite($s, pack('CCnCnn', 1, 1, 5, $i % 2, 24, 80)); my $t = 0;
		for (1 .. 4) { ($t) = frame($s); last if !defined $t || $t == 20; } $bad++ unless defined $t && $t == 20;
	}
	close $s;
}
print "$bad\n";
PERL
is "$(perl_client status 200)" 0 "warm-up: 200 status requests answered"
fds0=$(fds) anon0=$(anon)
diag "helper idle: $fds0 descriptors, ${anon0} kB anonymous"

is "$(perl_client status "$KZ_SOAK_STATUS")" 0 "$KZ_SOAK_STATUS status requests, each answered with INFO"
is "$(perl_client attach "$((KZ_SOAK_ATTACH / 2))")" 0 "$((KZ_SOAK_ATTACH / 2)) attach/detach cycles on the wire, read-write and read-only, each replayed"
bad=0
for ((i = 0; i < KZ_SOAK_ATTACH / 2; i++)); do
	case $((i % 4)) in
	0) timeout 10 "$KZLAUNCH" kazoo_apps attach </dev/null >/dev/null 2>&1 ;;
	1) timeout 10 "$KZLAUNCH" --read-only kazoo_apps attach </dev/null >/dev/null 2>&1 ;;
	2) printf '\035' | timeout 10 "$KZLAUNCH" -e '^]' kazoo_apps attach >/dev/null 2>&1 ;;
	3) printf '\004' | timeout 10 "$KZLAUNCH" kazoo_apps attach >/dev/null 2>&1 ;;
	esac
	[ $? -eq 0 ] || bad=$((bad + 1))
done
is "$bad" 0 "$((KZ_SOAK_ATTACH / 2)) attach/detach cycles through kzlaunch: end of input, --read-only, -e ^], ^D"
is "$(perl_client vanish "$KZ_SOAK_VANISH")" 0 "$KZ_SOAK_VANISH clients vanish mid-frame"
is "$(perl_client status 10)" 0 "the helper still answers"

lines=$((KZ_SOAK_MIB * 1024))
t0=$(date +%s%N)
out=$("$ERL_CALL" -c "$COOKIE" -name "$NODE" -a "kazoo_apps blast [$lines]" 2>&1)
t1=$(date +%s%N)
is "$out" ok "the node wrote $KZ_SOAK_MIB MiB to its console"
diag "the node wrote $KZ_SOAK_MIB MiB in $(((t1 - t0) / 1000000)) ms"
# The log trails the console by a batch; the last line says it is all there.
wait_for "^seq $(printf '%010d' "$lines") " "$LOG" 600
ok $? "the last line reached the log"

# Oldest generation first: every numbered line once, in order, none missing.
files=()
for ((g = gens - 1; g >= 1; g--)); do [ -f "$LOG.$g" ] && files+=("$LOG.$g"); done
files+=("$LOG")
check=$(cat "${files[@]}" | awk -v last="$lines" '
	# The first line may follow the shell prompt on the same line.
	match($0, /seq [0-9]+ /) { n = substr($0, RSTART + 4, RLENGTH - 5) + 0; if (n != want + 1) { bad++; if (bad < 4) printf "after %d came %d; ", want, n } want = n }
	END { if (want != last) printf "ended at %d of %d; ", want, last; print (bad ? bad : 0) }')
is "$check" 0 "the log holds every line, in order, across ${#files[@]} generations"
biggest=$(stat -c %s "${files[@]}" | sort -n | tail -n 1)
check "no generation grew past max_size ($biggest bytes)" -- [ "$biggest" -le $((64 * 1024 * 1024)) ]

is "$(perl_client status 10)" 0 "the helper answers after the soak"
fds1=$(fds) anon1=$(anon)
diag "helper after: $fds1 descriptors, ${anon1} kB anonymous"
is "$fds1" "$fds0" "the helper holds the descriptors it held idle"
grew=$((anon1 - anon0))
if ldd "$KZ_BUILD/kzlaunch-helper" 2>/dev/null | grep -q libasan; then
	# ASan keeps freed memory in quarantine (256 MiB) and maps its shadow: the plain build's
	# run is the one that tells what the helper itself holds.
	skip "under ASan the quarantine holds what the helper freed (grew ${grew} kB)"
else
	check "its anonymous memory is within 1 MiB of its idle figure (grew ${grew} kB)" -- [ "$grew" -le 1024 ]
fi

out=$(timeout 60 "$KZLAUNCH" kazoo_apps stop 2>&1)
is "$?" 0 "stop"
done_testing
