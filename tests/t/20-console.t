#!/usr/bin/env bash
# `console` and `remote_console` on a real pty (expect): as root with a policy, the node runs
# as the policy's user; as an ordinary user without one, as its caller.
. "$(dirname "$0")/lib.sh"
command -v expect >/dev/null || skip_all "needs expect (apt-get install expect)"
# On a dumb terminal (or none: bash then says dumb) OTP's shell falls back to a line reader
# that ignores -remsh; expect's pty is a real one.
case ${TERM:-dumb} in dumb) export TERM=xterm ;; esac

COOKIE=console_cookie_$$_$RANDOM
write_config "$COOKIE"
if is_root; then
	ensure_users
	write_policy kazoo_apps
	NODE_USER=kztest
else
	caller_setup kazoo_apps
	NODE_USER=$(id -un)
fi
NODE=$KAZOO_NODE@$HOST

# console: the node's shell on this terminal; q(). ends it with status 0.
expect -f - "$KZLAUNCH" "$NODE" >"$T/console.log" 2>&1 <<'EXP'
set timeout 30
lassign $argv kz node
spawn $kz kazoo_apps console
expect {
	-re "\\($node\\)1> " {}
	timeout { puts "NO PROMPT"; exit 2 }
}
send "node().\r"
expect {
	-re "'?$node'?\r\n" {}
	timeout { puts "NO ANSWER"; exit 3 }
}
send "q().\r"
expect eof
exit [lindex [wait] 3]
EXP
is "$?" 0 "console: prompt, node(), q() and status 0"
grep -q "kazoo_apps is up" "$T/console.log"
ok $? "console: the node's output reaches the terminal"

# remote_console into a foreground node: a hidden shell that leaves the node running.
rc=$("$KZLAUNCH" kazoo_apps remote_console </dev/null >/dev/null 2>"$T/err"; echo $?)
is "$rc" 69 "remote_console to a node that is not running: 69"
like "$(cat "$T/err")" "$NODE: not running" "and says so"

start_fg kazoo_apps
ok $? "foreground node for remote_console"

expect -f - "$KZLAUNCH" "$NODE" "$T" >"$T/remsh.log" 2>&1 <<'EXP' &
set timeout 30
lassign $argv kz node dir
spawn $kz kazoo_apps remote_console
expect {
	-re "\\($node\\)1> " {}
	timeout { puts "NO PROMPT"; exit 2 }
}
send "node().\r"
expect {
	-re "'?$node'?\r\n" {}
	timeout { puts "NO ANSWER"; exit 3 }
}
close [open $dir/remsh.ready w]
# 30 s at most: a test that waits must end even when its other half never comes.
for {set i 0} {![file exists $dir/remsh.done] && $i < 600} {incr i} { after 50 }
send "\x07"
expect -exact "-->"
send "q\r"
expect eof
exit [lindex [wait] 3]
EXP
EXPECT_PID=$!
wait_until 30 test -e "$T/remsh.ready"
check "remote_console: the node's prompt, node() answers" -- [ -e "$T/remsh.ready" ]

hits=0 remsh_uid=
for p in /proc/[0-9]*; do
	args=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)
	cat "$p/cmdline" "$p/environ" 2>/dev/null | tr '\0' '\n' | grep -qF "$COOKIE" && hits=$((hits + 1))
	case $args in *"-remsh $NODE"*) remsh_uid=$(status_field "${p#/proc/}" Uid) ;; esac
done
is "$hits" 0 "remote_console: the cookie is in no argv or environ"
uid=$(id -u "$NODE_USER")
is "$remsh_uid" "$uid $uid $uid $uid" "remote_console runs as the node's user ($NODE_USER)"
touch "$T/remsh.done"
wait "$EXPECT_PID"
is "$?" 0 "remote_console: ^G q leaves with status 0"
kill -0 "$NODE_PID" 2>/dev/null
ok $? "the node outlives its remote shell"
stop_fg
is "$NODE_STATUS" 0 "node stops with 0"

done_testing
