#!/usr/bin/env bash
# ping, rpc, rpcterms, eval and sup against a real node, as root: terms parsed and printed
# by the node, Kazoo's sup statuses, the called function's output on the caller's stdout,
# no VM started, no cookie in argv or environ, a hidden node, and a fixed set of names.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users

COOKIE=calls_cookie_$$_$RANDOM
write_config "$COOKIE"
write_policy kazoo_apps "[control]" "stop_timeout = 5"
NODE=$KAZOO_NODE@$HOST
LOG=$T/log/kazoo_apps.log
_helpers+=(kazoo_apps)
K() { "$KZLAUNCH" kazoo_apps "$@"; }
# run CMD...: OUT (stdout), ERR (stderr) and RC.
run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }

run K ping
is "$RC" 69 "ping: 69 when the node is not running"
like "$ERR" "$NODE: not running" "ping: says so"

run "$KZLAUNCH" kazoo_apps start
is "$RC" 0 "the node started"
[ "$RC" = 0 ] || { diag "$ERR"; done_testing; }

run K ping
is "$OUT:$RC" "pong:0" "ping: pong, 0"
run K rpc erlang node
is "$OUT" "$NODE" "rpc with no arguments"
run K rpc erlang list_to_tuple '[1, a, "s", <<"b">>, [x, {y, 2}], {}, #{k => <<"v">>}, 3.5]'
is "$OUT" '{1,a,"s",<<"b">>,[x,{y,2}],{},#{k => <<"v">>},3.5}' \
	"rpc: integers, atoms, strings, binaries, lists, tuples, maps and floats as the node reads them"
run K rpc erlang '+' 12345678901234567890 1
is "$OUT" 12345678901234567891 "rpc: a big integer is not clipped"
run K rpc lists seq -1 1
is "$OUT" "[-1,0,1]" "rpc: an argument that begins with '-' is an argument"
run K rpc erlang binary_to_list '<<"é"/utf8>>'
is "$OUT" '"Ã©"' "rpc: UTF-8 source text"
run K rpcterms lists append '[1, 2]. [three].'
is "$OUT:$RC" "[1,2,three]:0" "rpcterms: '.'-ended terms as the arguments"
run K rpcterms erlang node
is "$OUT" "$NODE" "rpcterms: no arguments"
run K eval 'A = 6, B = A * 7, {B, <<"ok">>}.'
is "$OUT:$RC" '{42,<<"ok">>}:0' "eval: expressions, the value as ~tp prints it"
run K eval 'io:format("from eval~n"), done'
is "$OUT" "from eval
done" "eval: what the expressions print comes first"

# Errors: one line on stderr, status 1.
run K rpc nosuch_module f
is "$RC" 1 "rpc: an unknown function is 1"
like "$ERR" "^kzlaunch: $NODE: rpc nosuch_module:f/0 failed: \{'EXIT',\{undef," "rpc: badrpc named in one line"
is "$(echo "$ERR" | wc -l)" 1 "rpc: one line"
run K rpc lists seq '1,'
is "$RC" 1 "rpc: a syntax error is 1"
is "$ERR" "kzlaunch: argument 1: syntax error on line 1: syntax error before: '.'" "rpc: the node's message"
run K rpc lists seq '1. 2' 3
like "$ERR:$RC" "argument 1: more than one '\.'-ended part:64" "rpc: two terms in one argument"
run K eval 'erlang:error(boom)'
like "$ERR:$RC" "eval failed: \{'EXIT',\{boom,.*:1$" "eval: an exception is 1"
run K eval 'throw(up)'
is "$ERR:$RC" "kzlaunch: $NODE: eval: uncaught throw: up:1" "eval: a throw"
run K eval 'x = '
like "$ERR:$RC" "eval: syntax error.*:1$" "eval: a syntax error"
run K -t 1 eval 'timer:sleep(2000), stale.'
is "$ERR:$RC" "kzlaunch: $NODE: no answer within 1 s:1" "-t: the call gives up"
# The next call takes the same name while the first one's reply is still due.
run K eval 'timer:sleep(1500), fresh.'
is "$OUT:$RC" "fresh:0" "a reply due to a call that gave up never reaches the next one"
run K -t x ping
is "$RC" 64 "-t: a bad value is 64"
run K rpc erlang
is "$RC" 64 "rpc: MODULE FUNCTION needed"
run K ping extra
is "$RC" 64 "ping: takes no arguments"

# Kazoo's sup: each argument a binary, through sup:in_kazoo/4, the result on one line.
run K sup erlang byte_size hello
is "$OUT:$RC" "5:0" "sup: arguments are binaries"
marker=sup_out_$$_$RANDOM
run K sup kazoo_apps_maintenance hello "$marker"
is "$OUT:$RC" "hello $marker
second line
ok:0" "sup: what the function prints reaches the caller, then the result"
K rpc io format user '"console_mark~n"' '[]' >/dev/null
wait_for console_mark "$LOG" 50
ok $? "the console log is written"
is "$(grep -c "^hello $marker" "$LOG")" 0 "sup: the function's output is not on the node's console"
like "$(grep -a "sup: kazoo_apps_maintenance hello $marker" "$LOG")" "from kzlaunch[0-9]+@" \
	"sup: through sup:in_kazoo/4, which names the caller"
run K sup kazoo_apps_maintenance nothing
is "$OUT:$RC" ":0" "sup: no_return prints nothing, 0"
run K sup kazoo_apps_maintenance exit_code 5
is "$OUT:$RC" ":5" "sup: {no_return, 5} exits 5"
run K sup kazoo_apps_maintenance fail
is "$OUT:$RC" "{error,not_ok}:2" "sup: a _maintenance call that is not ok: printed, 2"
run K sup erlang binary_to_integer x
is "$RC" 3 "sup: badrpc is 3"
like "$ERR" "^kzlaunch: Command failed: \{'EXIT',\{badarg," "sup: badrpc as Kazoo's sup says it"
run K sup kazoo_apps_maintenance no_such_function
is "$ERR:$RC" "kzlaunch: Invalid command or wrong number of arguments, please try again:1" "sup: undef is 1"
run K -t 1 sup kazoo_apps_maintenance sleep 5
is "$ERR:$RC" "kzlaunch: Command failed: timeout:4" "sup: a timeout is 4"

# Run as `sup`, kzlaunch takes Kazoo's sup command line.  There -n and KAZOO_NODE name the
# node type (the node itself with an @): the type's helper knows this test's node's name.
ln -s "$KZLAUNCH" "$T/sup"
run "$T/sup" -n kazoo_apps erlang byte_size abc
is "$OUT:$RC" "3:0" "as sup: -n NODE MODULE FUNCTION ARGS"
run env -u KAZOO_NODE "$T/sup" -v kazoo_apps_maintenance hello you
is "$OUT" "Running kazoo_apps_maintenance:hello(you)
hello you
second line
Result: ok" "as sup: -v says what runs and labels the result"
# With an @, -n's type is the name's first part, whose RUNDIR home (where a direct call leases
# its own name) only a node named after its type has: this caller's RUNDIR provides one.
install -d -m 0700 "$T/caller/$KAZOO_NODE.home"
run env KZLAUNCH_RUNDIR="$T/caller" "$T/sup" -n "$NODE" -c "$COOKIE" erlang node
is "$OUT:$RC" "$NODE:0" "as sup: -c COOKIE is used"
like "$ERR" "where ps shows it" "as sup: -c warns that ps shows the cookie"
run "$T/sup" -n ecallmgr erlang node
is "$RC" 1 "as sup: a node that is not running is 1"
run "$T/sup" erlang
is "$ERR:$RC" "sup: Invalid command or wrong number of arguments, please try again:1" "as sup: too few words is 1"
run "$T/sup" -h
is "$RC" 0 "as sup: -h"
like "$OUT" "usage: sup " "as sup: its help"

# Nothing leaks: no VM, no cookie in argv or environ while a call runs, a hidden node.
beams_before=$(pgrep -c beam.smp)
"$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance sleep 3 >"$T/sleeper" 2>&1 &
caller=$!
# Connected once the call sleeps on the node: its hidden node and the asking one are there
# (and, through a helper, its standby connection).
sleeping() {
	[ "$(K eval 'lists:member({current_function, {timer, sleep, 1}},
		[process_info(P, current_function) || P <- processes()]).')" = true ]
}
wait_until 5 sleeping
hidden=$(K eval 'nodes(hidden).')
is "$(tr '\0' ' ' </proc/$caller/cmdline | grep -c "$COOKIE")" 0 "the caller's argv holds no cookie"
is "$(tr '\0' '\n' </proc/$caller/environ | grep -c "$COOKIE")" 0 "the caller's environ holds no cookie"
is "$(pgrep -c beam.smp)" "$beams_before" "no VM was started"
like "$hidden" "kzlaunch[0-9]@.*kzlaunch[0-9]@" "two calls at once, each connected as a hidden node with a name of its own"
is "$(K eval 'nodes().')" "[]" "the target's nodes() lists neither"
wait "$caller"
is "$?:$(cat "$T/sleeper")" "0:ok" "the sleeping call ended well"
atoms_before=$(K eval 'erlang:system_info(atom_count).')
for _ in $(seq 200); do K ping >/dev/null; done
atoms_after=$(K eval 'erlang:system_info(atom_count).')
check "200 calls add at most a handful of atoms ($atoms_before -> $atoms_after)" -- \
	[ $((atoms_after - atoms_before)) -le 10 ]

# The helper holds one connection its broker made ahead of the next call, its standby, which
# that call is handed instead of waiting for a handshake, and answers the node's ticks on it
# meanwhile: seen from another hidden node (erl_call), it stays connected for several of the
# node's net_ticktime, lowered here to 2 s, and the next call is connected under its name.
ERL_CALL=$(echo "$KZ_RELROOT"/erts-*/bin/erl_call)
standbys() { "$ERL_CALL" -c "$COOKIE" -name "$NODE" -a 'erlang nodes [hidden]' | grep -o 'kzlaunch[0-9]*@[^],]*'; }
one_standby() { standby=$(standbys) && [ "$(echo "$standby" | wc -l)" = 1 ]; }
is "$(K eval 'net_kernel:set_net_ticktime(2, 0).')" change_initiated "the node's net_ticktime lowered to 2 s"
wait_until 5 one_standby
ok $? "once no call runs, one connection is kept for the next: $standby"
sleep 7
is "$(standbys)" "$standby" "it is still connected after 3 times the node's net_ticktime"
like "$(K eval 'nodes(hidden).')" "^\\[$standby\\]$" "the next call is connected under its name, and alone"
K eval 'net_kernel:set_net_ticktime(60, 0).' >/dev/null

# A node no helper serves (foreground, under an init system): kzlaunch connects itself, with
# the cookie config.ini gives, under a name of its own set.
"$KZLAUNCH" kazoo_apps stop >/dev/null
start_fg kazoo_apps
ok $? "a foreground node"
run K ping
is "$OUT:$RC" "pong:0" "ping without a helper"
"$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance sleep 2 >"$T/sleeper" 2>&1 &
caller=$!
wait_until 5 sleeping
like "$(K eval 'nodes(hidden).')" "kzlaunch(8|9|1[0-5])@.*kzlaunch(8|9|1[0-5])@" \
	"without a helper, two calls at once take two of kzlaunch's own names"
wait "$caller"
is "$?:$(cat "$T/sleeper")" "0:ok" "and each gets its own answer"
stop_fg

# A node whose epmd entry offers only handshakes older than OTP 19's (5) or kzlaunch's 6.
# An epmd of our own says so for any name; the call stops there with one line.
FAKE_PORT=$((20000 + $$ % 20000))
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Listen => 5, ReuseAddr => 1)
		or die "fake epmd: $!\n";
	print STDOUT "listening\n"; STDOUT->flush;
	while (my $c = $s->accept) {
		read($c, my $len, 2) == 2 or next;
		read($c, my $req, unpack("n", $len));
		my $name = substr($req, 1);
		# PORT2_RESP ok, port 1, normal node, tcp, highest 4, lowest 4, the name, no extra
		print $c pack("CCnCCnnn", 119, 0, 1, 77, 0, 4, 4, length $name) . $name . pack("n", 0);
		close $c;
	}
' "$FAKE_PORT" >"$T/fake_epmd" 2>&1 &
_pids+=("$!")
wait_for '^listening$' "$T/fake_epmd" 50
run env ERL_EPMD_PORT=$FAKE_PORT "$KZLAUNCH" kazoo_apps ping
is "$ERR:$RC" "kzlaunch: $NODE offers distribution handshake versions 4 to 4; kzlaunch speaks 5 and 6 (OTP 19 and later):1" \
	"a node that offers only handshakes older than OTP 19's: one line naming the versions, 1"

done_testing
