#!/usr/bin/env bash
# The helper's syslog lines, read from a listener at /dev/log: every request, allowed or
# refused, with the peer's uid, gid and pid; and a log daemon that stops reading costs
# messages (counted), never the helper's service.  Only where no syslog daemon owns /dev/log.
. "$(dirname "$0")/lib.sh"
need_root
command -v perl >/dev/null || skip_all "needs perl"
[ -e /dev/log ] && skip_all "a syslog daemon owns /dev/log; this test listens there itself"
ensure_users

write_config syslog_cookie_$$_$RANDOM
write_policy kazoo_apps "[control]" "watch = kztest"
export KAZOO_NODE=kzsyslog_$$
_helpers+=(kazoo_apps)

syslog_listen "$T/syslog"
ok $? "a listener at /dev/log"

"$KZLAUNCH" kazoo_apps start
is "$?" 0 "start"
wait_for 'kzlaunch-helper\[[0-9]+\]: kzsyslog_[0-9]+@.* is up' "$T/syslog" 50
ok $? "the helper says the node is up, tagged kzlaunch-helper[PID]"
like "$(grep -m1 'is up' "$T/syslog")" '^<30>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} kzlaunch-helper' \
	"as facility daemon, priority info, with a timestamp"

"$KZLAUNCH" kazoo_apps status >/dev/null
wait_for 'peer uid=0 gid=0 pid=[0-9]+: status: allowed' "$T/syslog" 50
ok $? "an allowed request is logged with the peer's uid, gid and pid"
uid=$(id -u kzother) gid=$(id -g kzother)
as kzother "$KZLAUNCH" kazoo_apps stop >/dev/null 2>&1
is "$?" 77 "an unlisted user's stop: 77"
wait_for "peer uid=$uid gid=$gid pid=[0-9]+: stop: refused" "$T/syslog" 50
ok $? "a refused request is logged with the peer's uid, gid and pid"

# A call is logged as what it calls, never with its arguments (they may hold secrets).
"$KZLAUNCH" kazoo_apps sup kazoo_apps_maintenance hello secret_arg_$$ >/dev/null
is "$?" 0 "a call through the helper"
wait_for 'peer uid=0 gid=0 pid=[0-9]+: sup kazoo_apps_maintenance:hello/1: allowed' "$T/syslog" 50
ok $? "a call is logged with the peer's uid, gid and pid and M:F/arity"
is "$(grep -c "secret_arg_$$" "$T/syslog")" 0 "the call's arguments are not logged"
uid=$(id -u kztest) gid=$(id -g kztest)
as kztest "$KZLAUNCH" kazoo_apps rpc erlang node >/dev/null 2>&1
is "$?" 77 "a watcher's call: 77"
wait_for "peer uid=$uid gid=$gid pid=[0-9]+: call rpc erlang:node/0: refused" "$T/syslog" 50
ok $? "a refused call is logged too"

# A log daemon that stops reading: the queue holds ten datagrams, then the helper drops.
kill -STOP "$_syslog_listener"
fails=0
for i in $(seq 1 30); do
	"$KZLAUNCH" kazoo_apps status >/dev/null 2>&1 || fails=$((fails + 1))
done
kill -CONT "$_syslog_listener"
is "$fails" 0 "30 requests are served while the log daemon reads nothing"
"$KZLAUNCH" kazoo_apps status >/dev/null
wait_for 'messages lost: syslog did not keep up' "$T/syslog" 50
ok $? "once it reads again, the helper says how many messages were lost"

"$KZLAUNCH" kazoo_apps stop >/dev/null
wait_for 'exited with status 0' "$T/syslog" 50
ok $? "the node's end is logged"
# The broker served the boot probe and the call above under its own filter: had a call it
# makes been missing there, it would have died of SIGSYS and the helper said so.
is "$(grep -c 'the broker is gone' "$T/syslog")" 0 "the broker lived through it all, filtered"
unlike "$(cat "$T/syslog")" "broker: seccomp" "and entered its filter without a word"

done_testing
