#!/usr/bin/env bash
# The calls against a node of the OTP kazoo5 runs (26-27): Debian 13's OTP 27, which needs a
# newer glibc than this machine's, in a root of its own (scripts/otp27-root, doc/otp.md),
# started there by chroot as the node's user and reached over loopback.  A plain node, no
# release and no Kazoo: what is tested is kzlaunch's handshake and capture.erl on OTP 27.
. "$(dirname "$0")/lib.sh"
need_root
for c in unshare chroot mount; do
	command -v "$c" >/dev/null || skip_all "needs $c (util-linux, coreutils)"
done

# Made by `make check` (make build-otp27-root); offline, its debootstrap leaves a note saying why.
: "${KZ_OTP27_ROOT:=$(dirname "$(dirname "$KZ_RELROOT")")/_build/otp27/root}"
need_fetched KZ_OTP27_ROOT kzlaunch-root.stamp \
	"OTP 27 root (Debian 13's erlang-base by debootstrap, make build-otp27-root)"
R=$(realpath "$KZ_OTP27_ROOT")

ensure_users
COOKIE=otp27_cookie_$$_$RANDOM
OTHER_COOKIE=otp27_other_$$_$RANDOM
write_config "$COOKIE" "$OTHER_COOKIE"
write_policy kazoo_apps
# A node of no release: the cookie is config.ini's alone (no kazoo_apps_init to foresee).
export KAZOO_ROOT=$T/no-release
NAME=kazoo_apps_otp27_$$
NODE=$NAME@$HOST
NODE_LOG=$T/otp27-node.log
NODE_UID=$(id -u kztest)
NODE_GID=$(id -g kztest)

# The node's home, a 0700 folder with a 0400 .erlang.cookie, is the test's; the root is made
# once and shared, so nothing is written into it: the home is bound onto its /mnt in the
# node's own mount namespace, with /proc and /dev.  That namespace is private (no mount
# reaches the host's table, none of the host's later ones reaches it) and ends with the node.
install -d -m 0755 "$T/n27"
install -d -m 0700 -o kztest -g kztest "$T/n27/home"
printf '%s' "$COOKIE" >"$T/n27/home/.erlang.cookie"
chown kztest:kztest "$T/n27/home/.erlang.cookie"
chmod 0400 "$T/n27/home/.erlang.cookie"

# -start_epmd false: the node registers with the tests' epmd (ERL_EPMD_PORT) and starts none
# of its own.  Its -eval runs once it has booted, and says so on its stdout.
# shellcheck disable=SC2016 # expanded by that sh, from its arguments
unshare --mount --propagation private -- /bin/sh -euc '
	R=$1 mnt=$2 user=$3; shift 3
	mount -t proc proc "$R/proc"
	mount --rbind /dev "$R/dev"
	mount --bind "$mnt" "$R/mnt"
	exec chroot --userspec="$user" "$R" "$@"
' sh "$R" "$T/n27" "$NODE_UID:$NODE_GID" /usr/bin/env -i HOME=/mnt/home PATH=/usr/bin:/bin LANG=C.UTF-8 ERL_EPMD_PORT="$ERL_EPMD_PORT" \
	erl -noshell -noinput -name "$NODE" -start_epmd false \
	-eval 'io:format("otp27 node is up~n").' </dev/null >"$NODE_LOG" 2>&1 &
P=$!
_pids+=("$P")
# The node ends by its pid, after which the namespace has no process left and goes with its
# mounts; cleanup kills it outright should the test end early.
stop_node() {
	kill -TERM "$P" 2>/dev/null
	wait_until 15 reaped "$P"
}
wait_until 60 up_or_gone "otp27 node" "$NODE_LOG" "$P"
if ! grep -q "otp27 node is up" "$NODE_LOG"; then
	ok 1 "the OTP 27 node comes up in $R"
	diag "$(cat "$NODE_LOG")"
	done_testing
fi
ok 0 "the OTP 27 node comes up in $R"
like "$(readlink "/proc/$P/exe")" "^$R/usr/lib/erlang/erts-[0-9.]+/bin/beam\.smp" "it is the root's beam.smp"
is "$(readlink "/proc/$P/root")" "$R" "chrooted"
is "$(status_field "$P" Uid)" "$NODE_UID $NODE_UID $NODE_UID $NODE_UID" "as the tests' node user"
check "its mounts are not in the host's table" -- not grep -q " $R/" /proc/self/mountinfo
like "$("$EPMD" -port "$ERL_EPMD_PORT" -names 2>/dev/null)" "name $NAME at port [0-9]+" \
	"registered with the tests' epmd (port $ERL_EPMD_PORT)"
unlike "$("$EPMD" -port 4369 -names 2>/dev/null)" "name $NAME at" "and not with the machine's (4369)"
own_epmd_procs() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && readlink "$p/exe" 2>/dev/null
	done | grep -c '/epmd$'
}
is "$(own_epmd_procs)" 0 "and started no epmd of its own"

run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }
kz() { "$KZLAUNCH" -n "$NAME" kazoo_apps "$@"; }

run kz ping
is "$OUT:$RC" "pong:0" "ping: pong"
[ -n "$ERR" ] && diag "$ERR"
run kz rpc erlang system_info otp_release
like "$OUT:$RC" '^"[0-9]+":0$' "rpc: the node's OTP release"
rel=${OUT//\"/}
check "the node is OTP 26 or later ($OUT)" -- [ "${rel:-0}" -ge 26 ]
run kz rpc erlang list_to_tuple '[1, <<"b">>, "s", #{k => <<"v">>}, 12345678901234567890]'
is "$OUT:$RC" '{1,<<"b">>,"s",#{k => <<"v">>},12345678901234567890}:0' \
	"rpc: a binary, a map and a big integer, parsed and printed by the node"
run kz rpc erlang '+' 12345678901234567890 1
is "$OUT:$RC" "12345678901234567891:0" "rpc: a big integer is not clipped"
run kz rpc erlang binary_to_list '<<"é"/utf8>>'
is "$OUT" '"Ã©"' "rpc: UTF-8 source text"
run kz rpcterms lists append '[1, <<"two">>]. [#{three => 3}].'
is "$OUT:$RC" '[1,<<"two">>,#{three => 3}]:0' "rpcterms"
run kz eval 'io:format("printed ~s~n", [erlang:system_info(otp_release)]), 6 * 7.'
is "$OUT:$RC" "printed $rel
42:0" "eval: what it prints comes first, then its value"
# No sup:in_kazoo on a plain node: the function itself is called, its output still captured.
run kz sup io format 'x~n'
is "$OUT:$RC" $'x\nok:0' "sup: the function's output, then its result"
run kz sup erlang byte_size hello
is "$OUT:$RC" "5:0" "sup: arguments are binaries"
run kz rpc nosuch_module f
like "$ERR:$RC" "^kzlaunch: $NODE: rpc nosuch_module:f/0 failed: \{'EXIT',\{undef,.*:1$" "rpc of an undefined function: 1"
is "$(echo "$ERR" | wc -l)" 1 "in one line"
run kz -t 1 eval 'timer:sleep(3000).'
is "$ERR:$RC" "kzlaunch: $NODE: no answer within 1 s:1" "-t 1: a call that takes longer gives up"
run kz eval 'fresh.'
is "$OUT:$RC" "fresh:0" "and the next call is answered"

# What the node logged: nothing kzlaunch's calls caused (a refused handshake, an rpc or a
# group leader the node could not make sense of).
check "the node's log holds no error report from the calls" -- \
	not grep -aqiE 'ERROR REPORT|error_logger|function_clause|rejected|crash|\*\* ' "$NODE_LOG"

# A wrong cookie: another of config.ini's.
write_config "$OTHER_COOKIE" "$COOKIE"
run kz ping
is "$RC" 77 "a wrong cookie: 77"
is "$ERR" "kzlaunch: $NODE refused the handshake: the cookie is not the node's" "in one line, naming the cause"
# With no release, config.ini's cookie is the only one tried: the node refused one attempt.
is "$(grep -ac 'rejected\. Invalid challenge reply' "$NODE_LOG")" 1 "the node logged that one refusal"
is "$(grep -ac 'ERROR REPORT' "$NODE_LOG")" 1 "and no other error"
write_config "$COOKIE" "$OTHER_COOKIE"
run kz ping
is "$OUT:$RC" "pong:0" "the right cookie again: pong"

stop_node
check "the node ended by its pid" -- reaped "$P"
check "nothing of its namespace is left mounted" -- not grep -q " $R/" /proc/self/mountinfo
diag "the node's log:"
while IFS= read -r line; do diag "  $line"; done <"$NODE_LOG"

done_testing
