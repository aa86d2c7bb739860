#!/usr/bin/env bash
# `start` on a terminal keeps one line saying how long it has waited and for what (epmd, the
# boot), rewritten in place and cleared when done; on a pipe it prints nothing of it.
. "$(dirname "$0")/lib.sh"
need_root
command -v script >/dev/null || skip_all "needs script (util-linux)"
ensure_users

write_config progress_cookie_$$_$RANDOM
write_policy kazoo_apps "start_timeout = 30" "[control]" "stop_timeout = 5"
_helpers+=(kazoo_apps)
NODE=$KAZOO_NODE@$HOST

# A pty for stdout: script(1) records what start wrote to it.  The demo's boot takes 2.5 s.
script -qfec "'$KZLAUNCH' kazoo_apps start -- -kazoo_apps boot_ms 2500; echo \"rc=\$?\"" "$T/typescript" \
	>/dev/null 2>&1 </dev/null
grep -q 'rc=0' "$T/typescript"
ok $? "start on a terminal: 0"
tty_out=$(tr -d '\000' <"$T/typescript")
like "$tty_out" "$NODE: [0-9]+s: starting, waiting for its boot to finish \\(init:get_status\\(\\)\\)" \
	"the line says what the boot waits for"
like "$tty_out" "$NODE: [12]s: starting" "and is rewritten as the seconds go by"
like "$tty_out" $'\r\e\\[K\r?\n?rc=0' "and is cleared before start returns"
unlike "$tty_out" $'waiting for[^\r]*\n' "never a line of its own: each one is rewritten in place"
"$KZLAUNCH" kazoo_apps stop >/dev/null

"$KZLAUNCH" kazoo_apps start -- -kazoo_apps boot_ms 1500 >"$T/pipe.out" 2>&1
is "$?" 0 "start on a pipe: 0"
is "$(cat "$T/pipe.out")" "" "and nothing of the line: scripts and logs stay clean"
"$KZLAUNCH" kazoo_apps stop >/dev/null

done_testing
