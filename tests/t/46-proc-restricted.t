#!/usr/bin/env bash
# The units' ProtectProc=invisible and UMask=0077, applied by other means: a mount namespace
# of the test's own with a /proc mounted hidepid=invisible (and subset=pid, stricter than the
# units), kzlaunch run with exactly the units' capability bounding set (no CAP_SYS_PTRACE, so
# root too sees only the processes it may trace) and umask 0077.  The node boots, answers
# calls, prints to an attached console and stops as under systemd, and its console log is
# still 0640 for the log folder's group.
. "$(dirname "$0")/lib.sh"
need_root
command -v unshare >/dev/null && command -v setpriv >/dev/null && command -v script >/dev/null ||
	skip_all "needs unshare, setpriv and script (util-linux)"
unshare -m --propagation private sh -c 'mount -t proc -o hidepid=invisible,subset=pid proc /proc' 2>/dev/null ||
	skip_all "this kernel cannot mount /proc with hidepid=invisible,subset=pid (Linux 5.8 and later can)"
ensure_users

write_config
write_policy kazoo_apps "[control]" "stop_timeout = 5"
_helpers+=(kazoo_apps)
marker=proc_mark_$$

# What runs inside: the node's life as an operator drives it, with the units' bounding set.
cat >"$T/inside.sh" <<EOF
set -u
mount -t proc -o hidepid=invisible,subset=pid proc /proc || exit 90
caps=-all,+setuid,+setgid,+setpcap,+chown,+fowner,+dac_override,+sys_resource
K() { setpriv --bounding-set="\$caps" "$KZLAUNCH" kazoo_apps "\$@"; }
[ ! -e /proc/meminfo ] || exit 91
umask 0077
echo "start: \$(K start >/dev/null 2>&1; echo \$?)"
echo "status: \$(K status)"
echo "ping: \$(K ping 2>&1)"
echo "sup: \$(K sup kazoo_apps_maintenance hello $marker 2>&1 | head -n 1)"
echo "attach: \$( (sleep 1; printf '%s\\n' 'io:format("typed_$$~n").'; sleep 1) |
	timeout 10 script -qc "setpriv --bounding-set=\$caps $KZLAUNCH kazoo_apps attach" /dev/null |
	grep -a -c "^typed_$$")"
echo "stop: \$(K stop 2>&1)"
echo "log mode: \$(stat -c %a "$T/log/kazoo_apps.log")"
EOF
out=$(unshare -m --propagation private bash "$T/inside.sh" 2>&1)
is "$?" 0 "the node's life under the restricted /proc"
like "$out" "start: 0" "start: 0"
like "$out" "status: kazoo_apps@$HOST is running \(pid [0-9]+" "status answers"
like "$out" "ping: pong" "ping: pong"
like "$out" "sup: hello $marker" "sup: the function's output reaches the caller"
like "$out" "attach: 1" "attach: what is typed runs, and its output comes back"
like "$out" "stop: kazoo_apps@$HOST stopped \(exit status 0\)" "stop: the node ends with status 0"
like "$out" "log mode: 640" "the console log is 0640 under umask 0077"
[ "$(echo "$out" | grep -c 'start: 0')" = 1 ] || diag "$out"

done_testing
