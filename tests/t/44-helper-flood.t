#!/usr/bin/env bash
# Local users the policy does not name flood the helper's socket (0666) with connections
# that never send a request: an operator it names is served all the while, for status and
# for attach --read-only, and the flood costs only those who send it.  As root, with real
# users.
. "$(dirname "$0")/lib.sh"
need_root
command -v perl >/dev/null || skip_all "needs perl"
ensure_users
FLOODERS="kzfl1 kzfl2 kzfl3 kzfl4 kzfl5 kzfl6 kzfl7 kzfl8"
for u in kzfop $FLOODERS; do
	getent passwd $u >/dev/null ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $u
done

write_config flood_cookie_$$_$RANDOM
write_policy kazoo_apps "[control]" "attach = kzfop" "watch = kzfop"
export KAZOO_NODE=kzflood_$$
SOCK=$KZLAUNCH_RUNDIR/kazoo_apps.sock
_helpers+=(kazoo_apps)

"$KZLAUNCH" kazoo_apps start
is "$?" 0 "start"

# flood USER: 16 connections that never say a word, each opened again as soon as the helper
# closes it (turned away as busy, or dropped for its silence), until $T/stop exists (at most
# 120 s).  Prints "flooding" once its first 16 are open or refused.
flood() {
	as "$1" perl -MIO::Socket::UNIX -MIO::Select -e '
		my ($path, $stop) = @ARGV;
		my (@s, $said);
		my $end = time + 120;
		$| = 1;
		while (!-e $stop && time < $end) {
			for my $i (0 .. 15) {
				$s[$i] //= IO::Socket::UNIX->new(Peer => $path);
			}
			print "flooding\n" unless $said++;
			my $sel = IO::Select->new(grep { defined } @s);
			for my $r ($sel->can_read(0.05)) { # an ERROR frame or end of file: it is over
				for (@s) { $_ = undef if defined $_ && $_ == $r }
				close $r;
			}
		}
	' "$SOCK" "$T/stop" >"$T/flood.$1" 2>&1 &
	_pids+=("$!")
	flooders+=("$!")
}
flooders=()
for u in $FLOODERS; do flood $u; done
up=0
for u in $FLOODERS; do wait_for '^flooding$' "$T/flood.$u" 100 && up=$((up + 1)); done
is "$up" 8 "eight users without a right flood the socket, 16 connections each"

bad=0 refused=0
for i in 1 2 3 4 5; do
	out=$(as kzfop "$KZLAUNCH" kazoo_apps status 2>&1)
	[ $? -eq 0 ] && [[ $out =~ "is running" ]] || { bad=$((bad + 1)); diag "status: $out"; }
	out=$(as kzfop "$KZLAUNCH" kazoo_apps attach --read-only </dev/null 2>&1)
	[ $? -eq 0 ] || { bad=$((bad + 1)); diag "attach --read-only: $out"; }
	# A stranger of its own is told no, one way or the other, and never waits long.
	as kzother "$KZLAUNCH" kazoo_apps status >/dev/null 2>&1
	case $? in 1 | 77) ;; *) refused=$((refused + 1)) ;; esac
done
is "$bad" 0 "the listed operator's status and attach --read-only are served during the flood"
is "$refused" 0 "a user without a right is refused (busy, or lacking the right) during the flood"
out=$("$KZLAUNCH" kazoo_apps status)
is "$?" 0 "root is served during the flood"

: >"$T/stop"
wait "${flooders[@]}" # each sees the stop file within 0.05 s of a round

# A listed peer that connects and says nothing is dropped too, and soon: the helper closes
# it, the peer sees end of file (bounded wait: 30 s, the helper's own limit is 2).
perl -MIO::Socket::UNIX -e '
	my $c = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\n";
	my $rin = ""; vec($rin, fileno($c), 1) = 1;
	select(my $rout = $rin, undef, undef, 30) or exit 2;
	exit(sysread($c, my $buf, 1) == 0 ? 0 : 3);
' "$SOCK"
is "$?" 0 "a silent connection, even root's, is closed by the helper"
out=$(as kzfop "$KZLAUNCH" kazoo_apps status)
is "$?" 0 "after the flood, the operator is served"
"$KZLAUNCH" kazoo_apps stop >/dev/null
ok $? "stop"

done_testing
