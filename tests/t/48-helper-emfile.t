#!/usr/bin/env bash
# The helper out of descriptors (EMFILE on accept): it turns new clients away for the time
# being ("busy"), goes on serving the ones it has, does not spin, and serves new ones again
# once descriptors free up.
. "$(dirname "$0")/lib.sh"
need_root
command -v prlimit >/dev/null || skip_all "needs prlimit (util-linux)"
ensure_users

write_config
write_policy kazoo_apps
NODE=$KAZOO_NODE@$HOST
SOCK=$KZLAUNCH_RUNDIR/kazoo_apps.sock
_helpers+=(kazoo_apps)

out=$("$KZLAUNCH" kazoo_apps start 2>&1)
is "$?" 0 "start" || { diag "$out"; done_testing; }
P=$("$KZLAUNCH" kazoo_apps pid)
H=$(status_field "$P" PPid)

# A watcher attached before the shortage, whose console must keep flowing.
# (Its input a pipe that never ends, since end of input detaches.)
sleep 120 | timeout 120 "$KZLAUNCH" --read-only kazoo_apps attach >"$T/watcher" 2>&1 &
W=$!
_pids+=("$W")
attached() { [[ $("$KZLAUNCH" kazoo_apps status 2>/dev/null) =~ ", 1 attached)" ]]; }
wait_until 30 attached
ok $? "a watcher is attached"

# Room for two more descriptors, then five holders that attach and stay.
n=$(ls /proc/$H/fd | wc -l)
# As the helper's own user: root here may lack CAP_SYS_RESOURCE, which another's limits need.
as_helper() { setpriv --reuid="$(status_field "$H" Uid | awk '{ print $1 }')" --regid="$(status_field "$H" Gid | awk '{ print $1 }')" --clear-groups "$@"; }
as_helper prlimit --pid "$H" --nofile=$((n + 2)):$((n + 2))
is "$(grep 'Max open files' /proc/$H/limits | awk '{ print $4 }')" $((n + 2)) "the helper's limit is lowered to what it holds and two more"
perl -MSocket -e '
	$SIG{PIPE} = "IGNORE"; # the helper may turn one away before it writes
	my @s;
	for (1 .. 5) { socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die; connect($s, pack_sockaddr_un($ARGV[0])) or die;
		syswrite($s, pack("CCnCnn", 1, 1, 5, 1, 24, 80)); push @s, $s; }
	open(my $ready, ">", $ARGV[1]) or die; close $ready;
	sleep 120;' "$SOCK" "$T/held" &
HOLD=$!
_pids+=("$HOLD")
wait_until 30 test -e "$T/held"
holds_fds() { [ "$(ls /proc/$H/fd | wc -l)" -ge $((n + 2)) ]; }
wait_until 30 holds_fds
ok $? "the helper reached its limit ($((n + 2)) descriptors)"

out=$(timeout 10 "$KZLAUNCH" kazoo_apps status 2>&1)
is "$?" 1 "a new client meanwhile: exit 1"
like "$out" "out of descriptors" "and is told the helper is out of descriptors"

ticks() { awk '{ print $14 + $15 }' "/proc/$H/stat"; }
t0=$(ticks)
for i in 1 2 3 4 5; do timeout 10 "$KZLAUNCH" kazoo_apps status >/dev/null 2>&1; done
sleep 1 # the point: a second of being out of descriptors, whose CPU time is then counted
t1=$(ticks)
check "the helper does not spin while out of descriptors ($((t1 - t0)) ticks of CPU in over a second)" -- [ $((t1 - t0)) -le 50 ]

"$ERL_CALL" -c test_cookie_apps -name "$NODE" -a 'kazoo_apps spam [3]' >/dev/null
wait_for "^line 3" "$T/watcher" 100
ok $? "the watcher attached before still gets the console"

kill "$HOLD"; wait "$HOLD" 2>/dev/null
wait_until 30 "$KZLAUNCH" kazoo_apps status >/dev/null 2>&1
ok $? "descriptors free again: a new client is served"

done_testing
