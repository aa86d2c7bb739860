#!/usr/bin/env bash
# The command line and every bad input: one line on stderr, the documented status.
. "$(dirname "$0")/lib.sh"

write_config
# A policy never names root; as root, the dry runs below are for nobody.
PUSER=$([ "$(id -u)" -eq 0 ] && echo nobody || id -un)
cat >"$T/p.policy" <<P
[node]
user = $PUSER
P
export KZLAUNCH_POLICY=$T/p.policy
# No node starts here (dry runs and refusals): the node's default name is what is checked.
unset KAZOO_NODE

# run ARGS...: sets OUT, ERR, RC
run() {
	OUT=$("$@" 2>"$T/err") && RC=0 || RC=$?
	ERR=$(cat "$T/err")
}
lines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }

# Usage: [status, stderr pattern, args...]
expect_fail() { # expect_fail STATUS REGEX DESCRIPTION ARGS...
	local status=$1 re=$2 what=$3; shift 3
	run "$@"
	is "$RC" "$status" "$what: exit $status"
	like "$ERR" "$re" "$what: says why"
	is "$(lines "$ERR")" 1 "$what: one line on stderr"
}


run "$KZLAUNCH" --help
is "$RC" 0 "--help exits 0"
like "$OUT" "usage: kzlaunch" "--help prints the usage"
run "$KZLAUNCH" help
like "$OUT" "ACTION" "help action prints the usage"
run "$KZLAUNCH" version
like "$OUT" "^kzlaunch [0-9]" "version"

expect_fail 64 "unknown action 'launch'" "unknown action" "$KZLAUNCH" kazoo_apps launch
expect_fail 64 "node type 'Kazoo'" "bad REL" "$KZLAUNCH" Kazoo console
expect_fail 64 "node type" "REL over 64 bytes" "$KZLAUNCH" "$(printf 'a%.0s' $(seq 65))" console
expect_fail 64 "unknown option -x" "unknown option" "$KZLAUNCH" -x kazoo_apps
expect_fail 64 "needs a value" "option without value" "$KZLAUNCH" kazoo_apps console -c
expect_fail 64 "unexpected argument" "three words" "$KZLAUNCH" kazoo_apps console more
expect_fail 64 "NODE_NAME_TYPE" "bad NODE_NAME_TYPE" env NODE_NAME_TYPE=-long "$KZLAUNCH" kazoo_apps read-release-cookie
expect_fail 64 "node name" "bad node name" "$KZLAUNCH" -n 'a b@c' kazoo_apps --dry-run console
expect_fail 64 "read-only applies to attach" "--read-only off attach" "$KZLAUNCH" --read-only kazoo_apps console

run "$KZLAUNCH" kazoo_apps read-release-cookie
is "$OUT" "test_cookie_apps" "read-release-cookie prints the cookie"
run env REL=ecallmgr "$KZLAUNCH" read-release-cookie
is "$OUT" "test_cookie_ecallmgr" "REL from the environment"

expect_fail 78 "$T/missing.ini: No such file" "KAZOO_CONFIG missing" env KAZOO_CONFIG=$T/missing.ini "$KZLAUNCH" kazoo_apps read-release-cookie
printf '[kazoo_apps]\ncookie = a\ncookie = b\n' >"$T/two.ini"
expect_fail 78 "two.ini.*kazoo_apps" "two cookies" "$KZLAUNCH" -c "$T/two.ini" kazoo_apps read-release-cookie
printf '[other]\ncookie = a\n' >"$T/none.ini"
expect_fail 78 "none.ini.*kazoo_apps" "no section" "$KZLAUNCH" -c "$T/none.ini" kazoo_apps read-release-cookie
printf '[kazoo_apps]\ncookie = %s\n' "$(printf 'x%.0s' $(seq 256))" >"$T/long.ini"
expect_fail 78 "long.ini:2: cookie: longer than 255" "cookie over 255 bytes" "$KZLAUNCH" -c "$T/long.ini" kazoo_apps read-release-cookie
printf '[kazoo_apps]\ncookie = %s\n' "$(printf 'y%.0s' $(seq 255))" >"$T/max.ini"
run "$KZLAUNCH" -c "$T/max.ini" kazoo_apps read-release-cookie
is "${#OUT}" 255 "a 255-byte cookie arrives whole"
printf '[kazoo_apps]\n; %s\ncookie = z\n' "$(printf 'c%.0s' $(seq 5000))" >"$T/huge.ini"
expect_fail 78 "huge.ini:2: line longer than" "over-long line" "$KZLAUNCH" -c "$T/huge.ini" kazoo_apps read-release-cookie
expect_fail 78 "KAZOO_COOKIE: cookie: control character" "bad KAZOO_COOKIE" env KAZOO_COOKIE=$'a\tb' "$KZLAUNCH" kazoo_apps --dry-run console

run "$KZLAUNCH" kazoo_apps --dry-run console
is "$RC" 0 "--dry-run exits 0"
like "$OUT" "node: kazoo_apps@$HOST" "--dry-run names the node"
like "$OUT" "cookie: $T/config.ini:[0-9]+, \[kazoo_apps\]" "--dry-run says where the cookie came from"
unlike "$OUT" "test_cookie_apps" "--dry-run never prints the cookie"
like "$OUT" "exec: $RELROOT/erts-[^ ]*/bin/erlexec " "--dry-run shows the exec line"
like "$OUT" "-name kazoo_apps@$HOST" "the exec line carries -name"
unlike "$OUT" "setcookie" "no -setcookie"
run env NODE_NAME_TYPE=-sname "$KZLAUNCH" -n other kazoo_apps --dry-run console
like "$OUT" "-sname other@${HOST%%.*}" "-n and -sname"
run env KAZOO_NODE=x@y.example "$KZLAUNCH" kazoo_apps --dry-run console
like "$OUT" "node: x@y.example " "a node name with @ is used whole"
run env KAZOO_COOKIE=forced LC_ALL=C FOO=bar "$KZLAUNCH" kazoo_apps --dry-run foreground
like "$OUT" "cookie: from KAZOO_COOKIE" "KAZOO_COOKIE overrides"
like "$OUT" "env: LC_ALL=C" "LC_* passes"
unlike "$OUT" "FOO=|KAZOO_COOKIE=" "other variables do not pass"
like "$OUT" "-noshell -noinput" "foreground has no shell"

expect_fail 78 "release root $T/nowhere" "missing release root" "$KZLAUNCH" -r "$T/nowhere" kazoo_apps --dry-run console
mkdir -p "$T/badrel/releases"
echo "13.1.5" >"$T/badrel/releases/start_erl.data"
expect_fail 78 "start_erl.data: expected" "bad start_erl.data" "$KZLAUNCH" -r "$T/badrel" kazoo_apps --dry-run console
echo "../.. 1" >"$T/badrel/releases/start_erl.data"
expect_fail 78 "start_erl.data: a version" "start_erl.data with a path" "$KZLAUNCH" -r "$T/badrel" kazoo_apps --dry-run console
rm "$T/badrel/releases/start_erl.data"; mkfifo "$T/badrel/releases/start_erl.data"
expect_fail 78 "start_erl.data: not a regular file" "a FIFO as start_erl.data, never read" \
	timeout 10 "$KZLAUNCH" -r "$T/badrel" kazoo_apps --dry-run console
rm "$T/badrel/releases/start_erl.data"
echo "0.0 1" >"$T/badrel/releases/start_erl.data"
expect_fail 78 "erts-0.0/bin/erlexec" "no erlexec" "$KZLAUNCH" -r "$T/badrel" kazoo_apps --dry-run console

# vm.args as Kazoo ships it: a -setcookie is left out with one warning, in every form erlexec
# reads as one; a -name of this node is left out quietly, one of another node refused.
mkdir -p "$T/vmrel"; cp -a "$RELROOT/releases" "$T/vmrel/"; ln -s "$RELROOT"/erts-* "$RELROOT/lib" "$T/vmrel/"
vsn=$(cut -d' ' -f2 "$T/vmrel/releases/start_erl.data")
for form in '-setcookie secret' '"-setcookie" secret' "'-setcookie' secret" '\-setcookie secret' '-set"cookie" secret'; do
	printf '+A 4\n# a comment\n\n%s\n' "$form" >"$T/vmrel/releases/$vsn/vm.args"
	run "$KZLAUNCH" -r "$T/vmrel" kazoo_apps --dry-run console
	is "$RC" 0 "vm.args with $form: runs"
	like "$ERR" "vm.args:4: -setcookie left out" "vm.args with $form: one warning naming the line"
	is "$(lines "$ERR")" 1 "vm.args with $form: one line on stderr"
	unlike "$OUT" "secret" "vm.args with $form: the cookie is not on the exec line"
done
# One rule for folders root relies on: a group write bit counts, even for group root.
mkdir -p "$T/g0"; chgrp 0 "$T/g0"; chmod 0775 "$T/g0"
expect_fail 78 "$T/g0/run: g0 is writable by its group \\(mode 0775\\)" "RUNDIR under a folder group root can change" \
	env KZLAUNCH_RUNDIR="$T/g0/run" "$KZLAUNCH" kazoo_apps foreground

# What --dry-run prints must be written: a full disk is an error, not exit 0.
err=$("$KZLAUNCH" kazoo_apps --dry-run console 2>&1 >/dev/full)
is "$?" 1 "--dry-run to a full disk: exit 1"
like "$err" "stdout: No space left on device" "--dry-run to a full disk: says so"

# The boot file, as relx's script picks it: RELNAME.boot when the release has one.
run "$KZLAUNCH" -r "$T/vmrel" kazoo_apps --dry-run console
like "$OUT" "boot: $T/vmrel/releases/$vsn/start.boot" "start.boot without a RELNAME.boot"
cp "$T/vmrel/releases/$vsn/start.boot" "$T/vmrel/releases/$vsn/kazoo.boot"
run "$KZLAUNCH" -r "$T/vmrel" kazoo_apps --dry-run console
like "$OUT" "boot: $T/vmrel/releases/$vsn/kazoo.boot" "RELNAME.boot (kazoo.rel's name) when there is one"
like "$OUT" "exec: .* -boot $T/vmrel/releases/$vsn/kazoo " "and the VM boots it"
rm "$T/vmrel/releases/$vsn/kazoo.boot"
printf '%s\n' '-name x@y' >"$T/vmrel/releases/$vsn/vm.args"
expect_fail 78 "vm.args:1: -name x@y names another node than kazoo_apps@.*; give the node's name with -n or KAZOO_NODE" \
	"-name of another node in vm.args" "$KZLAUNCH" -r "$T/vmrel" kazoo_apps --dry-run console
printf '%s\n' '-name kazoo_apps' >"$T/vmrel/releases/$vsn/vm.args"
run "$KZLAUNCH" -r "$T/vmrel" kazoo_apps --dry-run console
is "$RC:$ERR" "0:" "-name REL in vm.args is left out quietly"
printf '%s\n' "-args_file $T/nested.args" >"$T/vmrel/releases/$vsn/vm.args"
printf '%s\n' '+K true -setcookie x' >"$T/nested.args"
run "$KZLAUNCH" -r "$T/vmrel" kazoo_apps --dry-run console
like "$ERR" "nested.args:1: -setcookie left out" "-setcookie in a nested args file: left out, naming it"
like "$OUT" "vm.args include: $T/nested.args" "--dry-run names the include"
printf '%s\n' '-env X ${KZT_UNSET_VAR}' >"$T/nested.args"
expect_fail 78 "nested.args:1: ..KZT_UNSET_VAR. is not set" "an unset \${VAR} in an include" \
	env RELX_REPLACE_OS_VARS=true "$KZLAUNCH" -r "$T/vmrel" kazoo_apps --dry-run console
expect_fail 78 "$T/none.args: No such file" "VMARGS_PATH missing" \
	env VMARGS_PATH="$T/none.args" "$KZLAUNCH" kazoo_apps --dry-run console
expect_fail 78 "$T/none.config: No such file" "RELX_CONFIG_PATH missing" \
	env RELX_CONFIG_PATH="$T/none.config" "$KZLAUNCH" kazoo_apps --dry-run console
expect_fail 64 "CODE_LOADING_MODE 'lazy': expected embedded or interactive" "bad CODE_LOADING_MODE" \
	env CODE_LOADING_MODE=lazy "$KZLAUNCH" kazoo_apps --dry-run console
run env CODE_LOADING_MODE=interactive "$KZLAUNCH" kazoo_apps --dry-run console
like "$OUT" "exec: .* -mode interactive " "CODE_LOADING_MODE=interactive reaches the exec line"
# One rule for ERL_EPMD_PORT, whatever the action: a bad value is an error naming it, never
# "no epmd answers there" (which would skip start's already-running check).
for port in abc 0 65536 +4369 ' 4369' 4369x; do
	re=$(printf '%s' "$port" | sed 's/[+]/[+]/g') # the value as a pattern: + is literal
	expect_fail 64 "ERL_EPMD_PORT '$re': expected a port number from 1 to 65535" "ERL_EPMD_PORT '$port'" \
		env ERL_EPMD_PORT="$port" "$KZLAUNCH" kazoo_apps --dry-run console
done
run env ERL_EPMD_PORT=65535 "$KZLAUNCH" kazoo_apps --dry-run console
is "$RC" 0 "ERL_EPMD_PORT=65535 is a port"
run "$KZLAUNCH" kazoo_apps --dry-run console
like "$OUT" "exec: .* -mode embedded " "embedded by default"
like "$OUT" "env: ERL_CRASH_DUMP=/var/log/kazoo/[0-9]+_kazoo_apps_erl_crash.dump" "crash dumps go to the policy's log folder"
run env ERL_CRASH_DUMP=/var/log/kazoo/1_kazoo_apps_erl_crash.dump ERL_CRASH_DUMP_SECONDS=5 "$KZLAUNCH" kazoo_apps --dry-run console
like "$OUT" "env: ERL_CRASH_DUMP=/var/log/kazoo/1_kazoo_apps_erl_crash.dump" "the caller's ERL_CRASH_DUMP is honoured"
like "$OUT" "env: ERL_CRASH_DUMP_SECONDS=5" "ERL_CRASH_DUMP_SECONDS passes through"
run env TERM=$'xterm\e]0;owned\a' "$KZLAUNCH" kazoo_apps --dry-run console
unlike "$OUT" "env: TERM=" "a TERM with escape sequences does not reach the VM"
run env TERM=xterm-256color "$KZLAUNCH" kazoo_apps --dry-run console
like "$OUT" "env: TERM=xterm-256color" "a plain TERM does"
# One escaping rule for every message (common/escape.h): a control character in a path is
# shown as \xNN, never sent to the terminal; a backslash is itself.
expect_fail 78 'x\\x1b\[2Jy\.ini' "a KAZOO_CONFIG holding a terminal escape is shown as \\x1b" \
	env KAZOO_CONFIG=$'/nonexistent/x\e[2Jy.ini' "$KZLAUNCH" kazoo_apps read-release-cookie
unlike "$ERR" $'\e' "and no escape character reaches stderr"
expect_fail 78 '/nonexistent/a\\b\.ini: ' "a backslash in a path is shown once, not doubled" \
	env KAZOO_CONFIG='/nonexistent/a\b.ini' "$KZLAUNCH" kazoo_apps read-release-cookie
cp "$T/config.ini" "$T/c"$'\e'"[31m.ini"
run env KAZOO_CONFIG="$T/c"$'\e'"[31m.ini" "$KZLAUNCH" kazoo_apps --dry-run console
like "$OUT" "config: $T/c\\\\x1b\\[31m\\.ini" "--dry-run shows such a path escaped too"
unlike "$OUT" $'\e' "and prints no escape character"
expect_fail 78 "KAZOO_CONFIG is set but empty" "empty KAZOO_CONFIG" env KAZOO_CONFIG= "$KZLAUNCH" kazoo_apps read-release-cookie

expect_fail 78 "$T/nopolicy: " "explicit policy missing" "$KZLAUNCH" -p "$T/nopolicy" kazoo_apps --dry-run console
printf '[node]\nuser = %s\nbogus = 1\n' "$PUSER" >"$T/bad.policy"
expect_fail 78 "bad.policy:3: .*bogus" "bad policy key" "$KZLAUNCH" -p "$T/bad.policy" kazoo_apps --dry-run console

# --dry-run's limits say what a launch could set: as the policy's user, no more than the hard limit.
printf '[node]\nuser = %s\nnofile = 512\n' "$PUSER" >"$T/nofile.policy"
as_puser() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid="$PUSER" --regid="$(id -g "$PUSER")" --clear-groups "$@"; else "$@"; fi; }
run as_puser prlimit --nofile=256:256 "$KZLAUNCH" -p "$T/nofile.policy" kazoo_apps --dry-run console
like "$OUT" "nofile: 512 \(a launch would be refused: above the hard limit 256, and raising it needs CAP_SYS_RESOURCE\)" \
	"--dry-run says when a launch could not raise nofile"
run as_puser prlimit --nofile=512:512 "$KZLAUNCH" -p "$T/nofile.policy" kazoo_apps --dry-run console
like "$OUT" $'(^|\n)nofile: 512\n' "and shows the value alone when it could"

mkdir -p "$T/app"; cp "$T/config.ini" "$T/app/config.ini"; echo '[].' >"$T/app/app.config"
run "$KZLAUNCH" -c "$T/app/config.ini" kazoo_apps --dry-run console
like "$OUT" "sys.config: $T/app/app.config \\(config folder\\)" "app.config beside config.ini replaces sys.config"

# Refused whatever the action, before anything connects, a node or not: a bad ERL_EPMD_PORT,
# -n or RUNDIR, and a call's module or function that no atom can be.  A helper would answer
# status, stop, attach and the calls without them ever being read (issue #18).
ln -s "$KZLAUNCH" "$T/sup"
LONG_N=$(printf 'n%.0s' $(seq 300))
LONG_ATOM=$(printf 'm%.0s' $(seq 300))
ACTIONS=(status pid stop attach ping "rpc erlang node" "rpcterms erlang node" "eval 1." "sup erlang node"
	read-release-cookie "--dry-run console" "status --all")
# refusals WHERE [-n NODE]: each refusal on every action, WHERE naming the case in the output.
refusals() {
	local where=$1 act; shift
	for act in "${ACTIONS[@]}"; do
		# shellcheck disable=SC2086 # an action is its words
		expect_fail 64 "ERL_EPMD_PORT '065536': expected a port number from 1 to 65535" \
			"$where: ERL_EPMD_PORT=065536, $act" env ERL_EPMD_PORT=065536 "$KZLAUNCH" "$@" kazoo_apps $act </dev/null
		expect_fail 64 "ERL_EPMD_PORT '99999999999999999999999': expected a port number" \
			"$where: ERL_EPMD_PORT of 23 digits, $act" env ERL_EPMD_PORT=99999999999999999999999 "$KZLAUNCH" "$@" kazoo_apps $act </dev/null
		expect_fail 64 "^kzlaunch: node name 'n{40}\.\.\.': 300 bytes, more than the 255 a node name may have with its @HOST$" \
			"$where: -n of 300 bytes, $act" "$KZLAUNCH" -n "$LONG_N" kazoo_apps $act </dev/null
		expect_fail 64 "^kzlaunch: node name 'REL@h@h': must be NAME@HOST" \
			"$where: -n REL@h@h, $act" "$KZLAUNCH" -n REL@h@h kazoo_apps $act </dev/null
		expect_fail 78 "^kzlaunch: $KZLAUNCH_RUNDIR/../${KZLAUNCH_RUNDIR##*/}: a path with '..' is refused$" \
			"$where: -d with .., $act" "$KZLAUNCH" "$@" -d "$KZLAUNCH_RUNDIR/../${KZLAUNCH_RUNDIR##*/}" kazoo_apps $act </dev/null
	done
	expect_fail 78 "^kzlaunch: $KZLAUNCH_RUNDIR/..: a path with '..' is refused$" \
		"$where: KZLAUNCH_RUNDIR with .." env KZLAUNCH_RUNDIR="$KZLAUNCH_RUNDIR/.." "$KZLAUNCH" "$@" kazoo_apps status
	expect_fail 64 "^kzlaunch: node name 'REL@h@h': must be NAME@HOST" \
		"$where: KAZOO_NODE=REL@h@h" env KAZOO_NODE=REL@h@h "$KZLAUNCH" kazoo_apps ping
	for act in "rpc $LONG_ATOM node" "rpcterms $LONG_ATOM node" "sup $LONG_ATOM node"; do
		# shellcheck disable=SC2086
		expect_fail 64 "^kzlaunch: module 'm{40}\.\.\.': 300 characters, more than the 255 of an Erlang atom$" \
			"$where: a module of 300 characters, ${act%% *}" "$KZLAUNCH" "$@" kazoo_apps $act
	done
	expect_fail 64 "^kzlaunch: function 'm{40}\.\.\.': 300 characters, more than the 255 of an Erlang atom$" \
		"$where: a function of 300 characters, rpc" "$KZLAUNCH" "$@" kazoo_apps rpc erlang "$LONG_ATOM"
	# Kazoo's sup command line: the same values, the same refusals (its own are 1).  Its -n
	# is the node type, so without one it asks kazoo_apps's helper when there is one.
	expect_fail 64 "^sup: ERL_EPMD_PORT '065536'" "$where: sup, ERL_EPMD_PORT=065536" \
		env ERL_EPMD_PORT=065536 "$T/sup" erlang node
	expect_fail 64 "^sup: node name 'kazoo_apps@n{29}\.\.\.': 311 bytes" "$where: sup -n NODE@HOST of 311 bytes" \
		"$T/sup" -n "kazoo_apps@$LONG_N" erlang node
	expect_fail 78 "^sup: $KZLAUNCH_RUNDIR/..: a path with '..' is refused$" "$where: sup, KZLAUNCH_RUNDIR with .." \
		env KZLAUNCH_RUNDIR="$KZLAUNCH_RUNDIR/.." "$T/sup" erlang node
	expect_fail 64 "^sup: function 'm{40}\.\.\.': 300 characters" "$where: sup, a function of 300 characters" \
		"$T/sup" erlang "$LONG_ATOM"
}
refusals "no node"
run "$KZLAUNCH" -n "$(printf 'n%.0s' $(seq $((255 - 1 - ${#HOST}))))" kazoo_apps status
is "$RC" 3 "-n that makes a node name of 255 bytes with @HOST is a name (not running)"
run "$KZLAUNCH" kazoo_apps rpc "$(printf 'm%.0s' $(seq 255))" node
is "$RC:$ERR" "69:kzlaunch: kazoo_apps@$HOST: not running" "a module of 255 characters is an atom (not running)"

# The same through a helper, which answers status, stop, attach and the calls over its
# socket: under a name of its own, so as not to meet another test's node.
MINOR=kzminor_$$
if is_root; then
	printf '[node]\nuser = %s\n[log]\ndir = %s\n' "$PUSER" "$T/log" >"$T/minor.policy"
	export KZLAUNCH_POLICY=$T/minor.policy
elif [ -e /etc/kzlaunch/kazoo_apps.policy ]; then
	skip "through a helper: /etc/kzlaunch/kazoo_apps.policy exists and would apply"
	done_testing
else
	unset KZLAUNCH_POLICY
fi
mkdir -p -m 0755 "$KZLAUNCH_RUNDIR"
at_exit "\"$KZLAUNCH\" -n $MINOR kazoo_apps stop >/dev/null 2>&1"
run "$KZLAUNCH" -n "$MINOR" kazoo_apps start
is "$RC" 0 "a node under its helper: started"
[ "$RC" -eq 0 ] || diag "$OUT" "$ERR"
refusals "through a helper" -n "$MINOR"
run "$KZLAUNCH" -n "$MINOR" kazoo_apps status
like "$RC:$OUT" "^0:$MINOR@$HOST is running" "through a helper: the node still runs after every refusal"
run "$KZLAUNCH" -n "$MINOR" kazoo_apps rpc erlang node
is "$RC:$OUT" "0:$MINOR@$HOST" "through a helper: a call with good values answers"
run "$KZLAUNCH" -n "$MINOR" kazoo_apps stop
like "$RC:$OUT" "^0:$MINOR@$HOST stopped" "through a helper: stopped"

done_testing
