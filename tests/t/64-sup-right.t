#!/usr/bin/env bash
# The sup right (issue #22): support staff run Kazoo's maintenance calls of the modules the
# policy lists and nothing more.  The helper makes the call for them, so they never hold a
# connection to the node; a client killed mid-call or out of -t leaves no process on the
# node; their calls are bounded; every request is in syslog.  An attach holder still does
# everything.  Real node, users of the test's own.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users
command -v ss >/dev/null || skip_all "needs ss (iproute2)"
ensure_sup_users
getent group kzattach >/dev/null || groupadd --system kzattach
getent passwd kzops >/dev/null || useradd --system -G kzattach --no-create-home --shell /usr/sbin/nologin kzops
run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }

COOKIE=sup_cookie_$$_$RANDOM
write_config "$COOKIE"
chmod 0600 "$T/config.ini" # root's alone, as on a Kazoo host
write_policy kazoo_apps "[control]" "attach = @kzattach" "sup = @kzsupport" \
	"sup_modules = kapps_controller, *_maintenance, kazoo_apps:spam"
NODE=$KAZOO_NODE@$HOST
_helpers+=(kazoo_apps)
ln -s "$KZLAUNCH" "$T/sup"

# Syslog is read where no daemon owns /dev/log (a fresh machine, CI); elsewhere those checks
# skip.
SYSLOG=
if [ ! -e /dev/log ] && syslog_listen "$T/syslog"; then SYSLOG=$T/syslog; fi
logged() { # logged REGEX DESCRIPTION
	if [ -z "$SYSLOG" ]; then skip "$2: a syslog daemon owns /dev/log here"; return; fi
	wait_for "$1" "$SYSLOG" 50
	ok $? "$2"
}

"$KZLAUNCH" kazoo_apps start >/dev/null 2>&1
is "$?" 0 "the node started"

# What a sup holder may do.
run as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance hello "secret_$$"
is "$OUT:$RC" "hello secret_$$
second line
ok:0" "a sup holder runs a listed maintenance function: its printed lines and result, 0"
run as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance fail
is "$OUT:$RC" "{error,not_ok}:2" "one that does not return ok: 2, as Kazoo's sup"
run as kzsup env -u KAZOO_NODE "$T/sup" kazoo_apps_maintenance exit_code 7
is "$OUT:$RC" ":7" "Kazoo's sup command line (a link): {no_return, 7} is 7"
run as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance nosuch
is "$RC" 1 "a listed module's undefined function: 1"
like "$ERR" "Invalid command or wrong number of arguments" "as Kazoo's sup says it"
# spam wants an integer and sup sends binaries: it raises, 3, as Kazoo's sup says; allowed.
run as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps spam 2
is "$RC" 3 "MODULE:FUNCTION listed: that function is called"
run as kzsup "$KZLAUNCH" kazoo_apps ping
is "$OUT:$RC" "pong:0" "ping"
run as kzsup "$KZLAUNCH" kazoo_apps status
is "$RC" 0 "status"
run as kzsup "$KZLAUNCH" kazoo_apps pid
ok $([ "$RC" = 0 ] && is_pid "$OUT"; echo $?) "pid"

# What it may not: 77, naming what is missing.
run as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps exit_with 3
is "$RC" 77 "an unlisted function of a module listed as MODULE:FUNCTION: 77"
like "$ERR" "lacks the sup right for kazoo_apps:exit_with" "named"
run as kzsup "$KZLAUNCH" kazoo_apps sup erlang halt
is "$RC" 77 "erlang:halt: 77"
run as kzsup "$KZLAUNCH" kazoo_apps sup os cmd id
is "$RC" 77 "os:cmd: 77"
like "$ERR" "lacks the sup right for os:cmd" "named"
run as kzsup "$KZLAUNCH" kazoo_apps rpc erlang node
is "$RC" 77 "rpc: 77"
like "$ERR" "lacks the attach right" "named: attach"
run as kzsup "$KZLAUNCH" kazoo_apps rpcterms erlang node
is "$RC" 77 "rpcterms: 77"
run as kzsup "$KZLAUNCH" kazoo_apps eval 'os:cmd("id").'
is "$RC" 77 "eval: 77"
run as kzsup "$KZLAUNCH" kazoo_apps attach </dev/null
is "$RC" 77 "attach: 77"
like "$ERR" "lacks the attach right" "named: attach"
run as kzsup env -u KAZOO_NODE "$T/sup" -c "$COOKIE" kazoo_apps_maintenance hello x
is "$RC" 77 "sup -c COOKIE: 77 (a connection of the caller's own needs attach)"
like "$ERR" "lacks the attach right" "named: attach"
run as kzsup "$KZLAUNCH" kazoo_apps remote_console </dev/null
is "$RC" 77 "remote_console: 77"
run as kzsup "$KZLAUNCH" kazoo_apps stop
is "$RC" 77 "stop: 77"
run "$KZLAUNCH" kazoo_apps ping
is "$OUT" pong "the node is still there"

# While a sup holder's call runs, its process holds no socket to the node: only its
# connection to the helper's unix socket.
as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance sleep 3 >"$T/slow" 2>&1 &
slow=$!
sleepers() { sleeping_calls kazoo_apps; }
one_sleeper() { [ "$(sleepers)" = 1 ]; }
no_sleeper() { [ "$(sleepers)" = 0 ]; }
wait_until 50 one_sleeper
ok $? "the call runs on the node"
client=$(pgrep -u kzsup -f "kazoo_apps sup kazoo_apps_maintenance sleep" | head -1)
ok $(is_pid "$client"; echo $?) "its client is running (pid $client)"
is "$(ss -Htanp 2>/dev/null | grep -c "pid=$client,")" 0 "ss: the client holds no TCP socket"
inet=0
for f in /proc/"$client"/fd/*; do
	ino=$(readlink "$f" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
	[ -n "$ino" ] && awk -v i="$ino" '$10 == i { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 &&
		inet=$((inet + 1))
done
is "$inet" 0 "/proc/PID/fd: none of its sockets is a TCP one"
wait "$slow"
is "$?:$(cat "$T/slow")" "0:ok" "and it got its answer"

# A client killed mid-call leaves no process of it on the node; so does one out of -t.
as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance sleep 60 >/dev/null 2>&1 &
long=$!
wait_until 50 one_sleeper
ok $? "a long call runs"
victim=$(pgrep -u kzsup -f "kazoo_apps sup kazoo_apps_maintenance sleep 60" | head -1)
kill -KILL "$victim"
wait "$long"
wait_until 10 no_sleeper
ok $? "its client killed, the node's process for it is gone"
run as kzsup "$KZLAUNCH" -t 1 kazoo_apps sup kazoo_apps_maintenance sleep 60
is "$RC" 4 "-t 1 on a 60 s call: 4"
like "$ERR" "Command failed: timeout" "as Kazoo's sup says it"
wait_until 10 no_sleeper
ok $? "and the node's process for it is gone"

# Bounded: a sup holder has two calls at once; attach holders and root are not held up.
two=()
for i in 1 2; do
	as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance sleep 4 >"$T/b.$i" 2>&1 &
	two+=("$!")
done
two_sleepers() { [ "$(sleepers)" = 2 ]; }
wait_until 50 two_sleepers
ok $? "two calls of one sup holder run"
run as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance hello third
is "$RC" 1 "a third: 1"
like "$ERR" "busy: this user's calls already run" "told why"
run as kzsup2 "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance hello other
is "$RC" 0 "another sup holder's call runs meanwhile"
run as kzops "$KZLAUNCH" kazoo_apps rpc erlang node
is "$OUT:$RC" "$NODE:0" "an attach holder's call runs meanwhile"
wait "${two[@]}"
is "$(cat "$T/b.1"):$(cat "$T/b.2")" "ok:ok" "the two got their answers"

# An attach holder does everything, sup of any module included.
run as kzops "$KZLAUNCH" kazoo_apps sup os getpid
like "$OUT:$RC" '^"[0-9]+":0$' "an attach holder's sup of an unlisted module"
run as kzops "$KZLAUNCH" kazoo_apps sup erlang node
is "$OUT:$RC" "$NODE:0" "and of erlang"
run as kzops "$KZLAUNCH" kazoo_apps eval '1 + 1.'
is "$OUT:$RC" "2:0" "eval"
run as kzops "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance hello ops
is "$OUT:$RC" "hello ops
second line
ok:0" "sup, its output as for a sup holder"

# Audited: every request, with uid, gid, pid and M:F/arity, never the arguments.
uid=$(id -u kzsup) gid=$(id -g kzsup)
logged "peer uid=$uid gid=$gid pid=[0-9]+: sup kazoo_apps_maintenance:hello/1: allowed" \
	"syslog: a sup holder's allowed call"
logged "peer uid=$uid gid=$gid pid=[0-9]+: sup erlang:halt/0: refused" "syslog: its refused one"
logged "peer uid=$uid gid=$gid pid=[0-9]+: call rpc erlang:node/0: refused" "syslog: its refused rpc"
uid=$(id -u kzops) gid=$(id -g kzops)
logged "peer uid=$uid gid=$gid pid=[0-9]+: sup erlang:node/0: allowed" "syslog: an attach holder's sup"
if [ -n "$SYSLOG" ]; then
	is "$(grep -c "secret_$$" "$SYSLOG")" 0 "syslog: no call's arguments"
else
	skip "syslog: a syslog daemon owns /dev/log here"
fi

# The node stopped while a sup holder's call runs: the client is told, and exits 1.
as kzsup "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance sleep 30 >/dev/null 2>"$T/end.err" &
ending=$!
wait_until 50 one_sleeper
"$KZLAUNCH" kazoo_apps stop >/dev/null 2>&1
wait "$ending"
is "$?" 1 "the node stopped mid-call: 1"
like "$(cat "$T/end.err")" "the call failed: the node closed the connection before the call returned" "told why"

done_testing
