#!/usr/bin/env bash
# A host laid out as 2600hz's packages and kazoo-configs-core leave it: the release at
# /opt/kazoo (no _rel/), /etc/kazoo/core holding config.ini, vm.args and sys.config with
# ${VAR}s, -setcookie and -name as Kazoo ships them, a per-node-type vm.args, and the init
# scripts' environment.  Asks the running nodes what they got.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users

OPT=$T/opt/kazoo CORE=$T/etc/kazoo/core
mkdir -p "$T/opt" "$CORE"
cp -a "$RELROOT" "$OPT"
CLUSTER=host_cookie_$$_$RANDOM
cat >"$CORE/config.ini" <<INI
[zone]
name = "local"

[kazoo_apps]
cookie = $CLUSTER

[ecallmgr]
cookie = $CLUSTER
INI
# kazoo-configs-core's vm.args, less -s lager and -s kazoo_apps_app (the demo has neither).
cat >"$CORE/vm.args" <<'ARGS'
-setcookie ${COOKIE}
-kernel inet_dist_listen_min 11500 inet_dist_listen_max 11999
+K true
+A 25
+W w
-name ${NODE_NAME}
ARGS
cat >"$CORE/ecallmgr.vm.args" <<'ARGS'
"-setcookie" ${COOKIE}
-kernel inet_dist_listen_min 11600 inet_dist_listen_max 11699
+A 7
-sname ${NODE_NAME}
ARGS
cat >"$CORE/sys.config" <<'CONF'
[{kernel, [{logger_level, notice}]},
 {kazoo_apps, [{from_env, "${KZT_HOST_VALUE}"}, {with_default, "${KZT_NOT_SET:-plain}"}]}].
CONF
chmod -R go-w "$T/etc"
write_policy kazoo_apps "umask = 0027"
cp "$T/kazoo_apps.policy" "$T/ecallmgr.policy"

# What Kazoo's init scripts export (kazoo-applications, kazoo-ecallmgr).
export KAZOO_ROOT=$OPT KAZOO_CONFIG=$CORE/config.ini RELX_REPLACE_OS_VARS=true RELX_MULTI_NODE=true
export COOKIE=change_me CODE_LOADING_MODE=interactive KZT_HOST_VALUE=from_the_environment
touch "$T/marker"

# ---- kazoo_apps, as kazoo-applications starts it: VMARGS_PATH names the file ----
# Its name is this test's (KAZOO_NODE, lib.sh); vm.args's -name ${NODE_NAME} names its type.
NODE=$KAZOO_NODE@$HOST
run_dry=$(VMARGS_PATH=$CORE/vm.args NODE_NAME=kazoo_apps "$KZLAUNCH" kazoo_apps --dry-run foreground 2>"$T/dry.err")
is "$?" 0 "dry run on the Kazoo host"
like "$run_dry" "vm.args: $CORE/vm.args \\(VMARGS_PATH\\)" "--dry-run names the vm.args and why"
like "$run_dry" "sys.config: $CORE/sys.config \\(config folder\\)" "--dry-run names the config folder's sys.config"
like "$run_dry" "sys.config copy: $KZLAUNCH_RUNDIR/kazoo_apps.home/sys.config" "and the copy the VM reads"
like "$(cat "$T/dry.err")" "^kzlaunch: $CORE/vm.args:1: -setcookie left out" "one warning for Kazoo's -setcookie line"
is "$(wc -l <"$T/dry.err")" 1 "and nothing else on stderr"

VMARGS_PATH=$CORE/vm.args NODE_NAME=kazoo_apps ERL_CRASH_DUMP= start_fg kazoo_apps
ok $? "kazoo_apps boots from /etc/kazoo/core's files"
P=$NODE_PID
call() { "$ERL_CALL" -c "$CLUSTER" -name "$NODE" -a "$1"; }
is "$(call 'erlang get_cookie []')" "$CLUSTER" "its cookie is config.ini's"
is "$(call 'application get_env [kernel, inet_dist_listen_min]')" "{ok, 11500}" "the port range's floor reached the VM"
is "$(call 'application get_env [kernel, inet_dist_listen_max]')" "{ok, 11999}" "and its ceiling"
is "$(call 'erlang system_info [thread_pool_size]')" 25 "+A 25 reached the VM"
is "$(call 'application get_env [kazoo_apps, from_env]')" '{ok, "from_the_environment"}' "a \${VAR} in sys.config came from the environment"
is "$(call 'application get_env [kazoo_apps, with_default]')" '{ok, "plain"}' "a \${VAR:-default} took its default"
is "$(call 'code get_mode []')" interactive "CODE_LOADING_MODE=interactive"
cmdline=$(tr '\0' ' ' </proc/$P/cmdline)
unlike "$cmdline" "$CLUSTER|change_me" "no cookie on the node's command line"
like "$cmdline" " -name $NODE " "the name is kzlaunch's, given once"
unlike "$cmdline" "NODE_NAME|COOKIE" "no \${VAR} left on it"
home=$KZLAUNCH_RUNDIR/kazoo_apps.home
is "$(stat -c '%U %a' "$home/vm.args" "$home/sys.config" | sort -u)" "kztest 400" "the copies are the node's, 0400, in its 0700 home"

# A crash dump in the log folder, named as Kazoo names it, the node's and nobody else's.
call 'erlang halt ["kzt crash slogan"]' >/dev/null 2>&1
wait "$NODE_PID"
dump=$(ls "$T"/log/*_kazoo_apps_erl_crash.dump 2>/dev/null | head -n 1)
check "a crash dump in the log folder: ${dump:-none}" -- [ -n "$dump" ]
if [ -n "$dump" ]; then
	like "$(head -n 3 "$dump")" "Slogan: kzt crash slogan" "it holds the slogan"
	is "$(stat -c %U "$dump")" kztest "written by the node's user"
	mode=$(stat -c %a "$dump")
	is "${mode: -1}" 0 "not readable by others (mode $mode)"
else
	skip "no dump"; skip "no dump"; skip "no dump"
fi

# ---- kazoo_apps again without RELX_REPLACE_OS_VARS: the VM reads the config folder's
# sys.config itself, and the copy the last launch left in the home goes, so nobody takes it
# for what the VM reads ----
vmargs=$(ls "$OPT"/releases/*/vm.args | head -n 1)
RELX_REPLACE_OS_VARS= VMARGS_PATH=$vmargs ERL_CRASH_DUMP= start_fg kazoo_apps
ok $? "kazoo_apps boots without RELX_REPLACE_OS_VARS"
is "$(ls "$home")" "vm.args" "the sys.config copy an earlier launch left is gone (the cookie and vm.args stay)"
is "$(call 'application get_env [kazoo_apps, from_env]')" '{ok, "${KZT_HOST_VALUE}"}' \
	"the VM read the config folder's sys.config, as it is"
stop_fg
is "$NODE_STATUS" 0 "and stops with status 0"

# ---- ecallmgr, without VMARGS_PATH: CONFDIR/ecallmgr.vm.args first ----
unset VMARGS_PATH
export KAZOO_NODE=$(test_node ecallmgr)
dry=$(NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr --dry-run foreground 2>"$T/dry.err")
like "$dry" "vm.args: $CORE/ecallmgr.vm.args \\(config folder\\)" "ecallmgr reads its own vm.args"
like "$(cat "$T/dry.err")" "ecallmgr.vm.args:1: -setcookie left out" "a quoted -setcookie is left out too"
NODE=$KAZOO_NODE@$HOST
NODE_NAME=ecallmgr start_fg ecallmgr
ok $? "ecallmgr boots"
is "$(call 'erlang system_info [thread_pool_size]')" 7 "its own +A 7"
is "$(call 'application get_env [kernel, inet_dist_listen_min]')" "{ok, 11600}" "its own port range"
stop_fg
is "$NODE_STATUS" 0 "ecallmgr stops with status 0"

# ---- a release whose kazoo_apps_init sets the cookie again at boot ----
# ecallmgr's own section gives another cookie than [kazoo_apps]: the node switches to the
# latter once it is up, so kzlaunch says so, and remote_console speaks with that one.
OTHER=ecallmgr_own_$$_$RANDOM
cat >"$CORE/config.ini" <<INI
[kazoo_apps]
cookie = $CLUSTER

[ecallmgr]
cookie = $OTHER
INI
dry=$(NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr --dry-run foreground 2>&1 >/dev/null)
unlike "$dry" "kazoo_apps_init" "a release without kazoo_apps_init: no warning"
erlc -o "$OPT/lib/kazoo_apps-4.3.0/ebin" "$TOP/tests/fixtures/kazoo_apps_init.erl"
printf '%s\n' '-s kazoo_apps_init' >>"$CORE/ecallmgr.vm.args"
dry=$(NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr --dry-run foreground 2>&1 >/dev/null)
like "$dry" "$NODE: the release's kazoo_apps_init will set the node's cookie to $CORE/config.ini:2 \\(\\[kazoo_apps\\] on line 1\\) once it boots, not \\[ecallmgr\\]'s on line 5" \
	"the cookie the node will end with is named, by its lines"
unlike "$dry" "$CLUSTER|$OTHER" "and no cookie is printed"
NODE_NAME=ecallmgr start_fg ecallmgr
ok $? "ecallmgr boots with its own section's cookie"
answers() { [ "$(call 'erlang node []' 2>/dev/null)" = "$NODE" ]; }
wait_until 5 answers
is "$(call 'erlang get_cookie []')" "$CLUSTER" "then answers with [kazoo_apps]'s, as kzlaunch said"
timeout 10 "$KZLAUNCH" ecallmgr remote_console </dev/null >/dev/null 2>"$T/remsh.err"
like "$(cat "$T/remsh.err")" "kazoo_apps_init will set" "remote_console warns too"
is "$(cat "$KZLAUNCH_RUNDIR/ecallmgr.home/.erlang.cookie")" "$CLUSTER" "and takes the cookie the node has now"
is "$(NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr rpc erlang node 2>/dev/null)" "$NODE" \
	"a call without a helper speaks with the cookie the node has now"
dry=$(KAZOO_COOKIE=forced_$$ NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr --dry-run foreground 2>&1 >/dev/null)
like "$dry" "not KAZOO_COOKIE's" "KAZOO_COOKIE, which the node never sees, is said to be replaced"
printf '[zone]\nname = "local"\n' >"$T/bare.ini"
out=$(KAZOO_CONFIG=$T/bare.ini KAZOO_COOKIE=forced_$$ NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr --dry-run foreground 2>&1 >/dev/null)
is "$?" 0 "KAZOO_COOKIE with a config.ini that has no section for the node: still runs"
stop_fg
# Under its helper: start waits through the switch, and the broker, which has both cookies,
# connects with the one the node has once it has booted.
_helpers+=(ecallmgr)
NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr start >/dev/null 2>&1
is "$?" 0 "ecallmgr starts under its helper"
is "$(NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr rpc erlang get_cookie 2>&1)" "$CLUSTER" \
	"a call through the helper reaches the node after its cookie switched"
NODE_NAME=ecallmgr "$KZLAUNCH" ecallmgr stop >/dev/null

# ---- refusals: the status, and the file and line they name ----
export KAZOO_NODE=$(test_node kazoo_apps)
expect_78() { # expect_78 REGEX DESCRIPTION ENV...
	local re=$1 what=$2; shift 2
	out=$(env "$@" "$KZLAUNCH" kazoo_apps --dry-run foreground 2>&1 >/dev/null)
	is "$?" 78 "$what: exit 78"
	like "$out" "$re" "$what: says which file"
}
expect_78 "$CORE/vm.args:6: \\\$\\{NODE_NAME\\} is not set" "an unset \${VAR}" VMARGS_PATH=$CORE/vm.args
expect_78 "$CORE/vm.args:6: -name ecallmgr names another node" "-name of another node" VMARGS_PATH=$CORE/vm.args NODE_NAME=ecallmgr
chmod g+w "$CORE/sys.config"
expect_78 "$CORE/sys.config: writable by its group" "a group-writable sys.config" NODE_NAME=kazoo_apps
chmod g-w "$CORE/sys.config"
chmod o+w "$CORE"
expect_78 "$CORE: writable by others" "a config folder others can change" NODE_NAME=kazoo_apps
chmod o-w "$CORE"
ln -s "$CORE/vm.args" "$T/link.args"
expect_78 "$T/link.args: a symbolic link" "a symlinked vm.args" NODE_NAME=kazoo_apps VMARGS_PATH=$T/link.args

# A release the node's user cannot reach fails before anything starts, naming who and where.
chmod 0700 "$OPT/lib"
expect_78 "$OPT/lib: the node's user kztest \\(uid [0-9]+\\) cannot list it" "a release folder the node cannot read" NODE_NAME=kazoo_apps
chmod 0755 "$OPT/lib"
chmod 0700 "$T/opt"
expect_78 "the node's user kztest \\(uid [0-9]+\\) cannot reach it: $T/opt stops it" "a folder above the release the node cannot enter" NODE_NAME=kazoo_apps
chmod 0755 "$T/opt"

# relx writes its copies under /tmp by guessable names; kzlaunch writes none.
left=$(find /tmp -maxdepth 1 -newer "$T/marker" \( -name '*vm.args*' -o -name '*sys.config*' \) 2>/dev/null)
is "$left" "" "no vm.args or sys.config copy left in /tmp"

done_testing
