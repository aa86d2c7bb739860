#!/usr/bin/env bash
# Calls by operators who cannot read config.ini nor the cookie: the helper checks the attach
# right and hands over a connection its broker made; watchers may ping (the helper makes
# that call) and get 77 for the rest, strangers for everything.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users
for g in kzattach kzwatchers; do getent group $g >/dev/null || groupadd --system $g; done
getent passwd kzops >/dev/null || useradd --system -G kzattach --no-create-home --shell /usr/sbin/nologin kzops
getent passwd kzwatch >/dev/null || useradd --system -G kzwatchers --no-create-home --shell /usr/sbin/nologin kzwatch

COOKIE=ops_cookie_$$_$RANDOM
write_config "$COOKIE"
chmod 0600 "$T/config.ini" # root's alone, as on a Kazoo host
write_policy kazoo_apps "[control]" "attach = @kzattach" "watch = @kzwatchers"
NODE=$KAZOO_NODE@$HOST
_helpers+=(kazoo_apps)
run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }

"$KZLAUNCH" kazoo_apps start >/dev/null 2>&1
is "$?" 0 "the node started"

run as kzops cat "$T/config.ini"
is "$RC" 1 "the operator cannot read config.ini"
run as kzops cat "$KZLAUNCH_RUNDIR/kazoo_apps.home/.erlang.cookie"
is "$RC" 1 "nor the node's cookie file"
run as kzops "$KZLAUNCH" kazoo_apps ping
is "$OUT:$RC" "pong:0" "an @attach member pings"
run as kzops "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance hello ops
is "$OUT:$RC" "hello ops
second line
ok:0" "an @attach member runs sup, its output on their stdout"
run as kzops "$KZLAUNCH" kazoo_apps rpc lists sum '[1, 2, 3]'
is "$OUT:$RC" "6:0" "an @attach member runs rpc"
run as kzops "$KZLAUNCH" kazoo_apps eval 'node().'
is "$OUT:$RC" "$NODE:0" "an @attach member runs eval"
ln -s "$KZLAUNCH" "$T/sup"
# Kazoo's sup takes KAZOO_NODE as a node type: without it, kazoo_apps's helper is asked.
run as kzops env -u KAZOO_NODE "$T/sup" kazoo_apps_maintenance fail
is "$OUT:$RC" "{error,not_ok}:2" "an @attach member runs Kazoo's sup command line"

run as kzwatch "$KZLAUNCH" kazoo_apps ping
is "$OUT:$RC" "pong:0" "a watcher pings: the helper makes that call, which runs nothing of the caller's"
run as kzwatch "$KZLAUNCH" kazoo_apps rpc erlang node
is "$RC" 77 "a watcher may not call: 77"
like "$ERR" "permission denied: uid [0-9]+ lacks the attach right" "and is told which right it lacks"
run as kzother "$KZLAUNCH" kazoo_apps rpc erlang node
is "$RC" 77 "an unlisted user may not call: 77"

# Eight calls at once through the helper, each under a name of its own.
for i in $(seq 8); do as kzops "$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance sleep 2 >"$T/par.$i" 2>&1 & done
wait
bad=0
for i in $(seq 8); do [ "$(cat "$T/par.$i")" = ok ] || { bad=$((bad + 1)); diag "call $i: $(cat "$T/par.$i")"; }; done
is "$bad" 0 "eight calls at once all get their own answer"
run "$KZLAUNCH" kazoo_apps eval 'length(nodes(hidden)).'
is "$OUT" 1 "their names are free again once they ended"

done_testing
