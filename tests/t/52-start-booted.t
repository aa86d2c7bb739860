#!/usr/bin/env bash
# `start` returns once the node's boot has finished (init:get_status() is {started, started}),
# not when its name reaches epmd; status says booting until then; a boot longer than the
# policy's start_timeout makes start exit 1 with the node left running.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users

write_config boot_cookie_$$_$RANDOM
write_policy kazoo_apps "start_timeout = 2" "[control]" "stop_timeout = 5"
LOG=$T/log/kazoo_apps.log
_helpers+=(kazoo_apps)
NODE=$KAZOO_NODE@$HOST

# The demo's application sleeps boot_ms before it says it is up: 4 s here.
"$KZLAUNCH" kazoo_apps start -- -kazoo_apps boot_ms 4000 >"$T/start.out" 2>&1
is "$?" 1 "a boot longer than start_timeout: start exits 1"
is "$(cat "$T/start.out")" "kzlaunch: $NODE: still booting after 2 s (the policy's start_timeout), waiting for its boot to finish (init:get_status()); left running" \
	"and says so, and what it waited for"
like "$("$KZLAUNCH" kazoo_apps status)" "^$NODE is booting \(pid [0-9]+" "status: booting"
is "$(grep -c 'kazoo_apps is up' "$LOG" 2>/dev/null)" 0 "the application is not up yet"
booted() { "$KZLAUNCH" kazoo_apps status | grep -q 'is running'; }
wait_until 10 booted
like "$("$KZLAUNCH" kazoo_apps status)" "^$NODE is running \(pid [0-9]+" "status: running once booted"
"$KZLAUNCH" kazoo_apps stop >/dev/null

write_policy kazoo_apps "start_timeout = 30" "[control]" "stop_timeout = 5"
: >"$LOG"
"$KZLAUNCH" kazoo_apps start -- -kazoo_apps boot_ms 1500 >"$T/start.out" 2>&1
is "$?" 0 "a boot within start_timeout: start returns 0"
# The console log trails the console by a few ms: wait for the line, then look at the order.
wait_for 'kazoo_apps is up' "$LOG" 50
ok $? "the application's line is there"
like "$("$KZLAUNCH" kazoo_apps status)" "^$NODE is running" "status: running as soon as start returned"
is "$("$KZLAUNCH" kazoo_apps eval 'init:get_status().')" "{started,started}" \
	"init:get_status() is {started,started} as soon as start returned"

"$KZLAUNCH" kazoo_apps stop >/dev/null

# A node whose cookie is none the broker holds refuses every probe, and logs each refusal: the
# helper stops asking at the first and goes by epmd's word, so the node's log gets a few (each
# cookie the broker tries, for the probe and for the connection kept ahead), not 100 a second.
: >"$LOG"
"$KZLAUNCH" kazoo_apps start -- -setcookie not_the_file_s_$$ >"$T/start.out" 2>&1
is "$?" 0 "a node that refuses the broker's cookie: start returns 0 (epmd's word)"
like "$("$KZLAUNCH" kazoo_apps status)" "^$NODE is running \(pid [0-9]+, .*; boot unconfirmed: the node refuses the broker's cookie\)$" \
	"status: running, and that its boot is unconfirmed"
sleep 1 # a hundred probe periods
refused=$(grep -c 'rejected' "$LOG")
sleep 1
is "$(grep -c 'rejected' "$LOG")" "$refused" "the node's log gets no refusal once the helper knows"
check "a refusal per cookie and handshake, not one per probe ($refused)" -- [ "$refused" -le 4 ]

done_testing
