#!/usr/bin/env bash
# The units' restrictions that could break a node, applied by other means: a mount namespace
# of the test's own with a /proc mounted hidepid=invisible (ProtectProc=invisible; with
# subset=pid, stricter than the units), kzlaunch run with exactly the units' capability
# bounding set (no CAP_SYS_PTRACE, so root too sees only the processes it may trace; no
# CAP_SYS_RESOURCE, under the hard limits systemd gives a service), umask 0077, and
# tests/tools/unitfilter's seccomp rules for MemoryDenyWriteExecute=yes and
# SystemCallFilter=~@resources.  The node boots with its JIT, answers calls, prints to an
# attached console and stops as under systemd, and its console log is still 0640 for the log
# folder's group.
. "$(dirname "$0")/lib.sh"
need_root
UNITFILTER=$KZ_BUILD/tests/tools/unitfilter
[ -x "$UNITFILTER" ] || skip_all "$UNITFILTER not built"
command -v unshare >/dev/null && command -v setpriv >/dev/null && command -v script >/dev/null ||
	skip_all "needs unshare, setpriv and script (util-linux)"
unshare -m --propagation private sh -c 'mount -t proc -o hidepid=invisible,subset=pid proc /proc' 2>/dev/null ||
	skip_all "this kernel cannot mount /proc with hidepid=invisible,subset=pid (Linux 5.8 and later can)"
ensure_users

write_config
# Limits as the shipped policies set them, within the hard limits this test runs under (as
# theirs are within systemd's): set without CAP_SYS_RESOURCE.
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=65536
write_policy kazoo_apps "nofile = $hard" "core = $(ulimit -Hc)" "[control]" "stop_timeout = 5"
_helpers+=(kazoo_apps)
marker=proc_mark_$$

# What runs inside: the node's life as an operator drives it, with the units' bounding set.
cat >"$T/inside.sh" <<EOF
set -u
mount -t proc -o hidepid=invisible,subset=pid proc /proc || exit 90
caps=-all,+setuid,+setgid,+setpcap,+chown,+fowner,+dac_override
unit() { setpriv --bounding-set="\$caps" "$UNITFILTER" "\$@"; }
K() { unit "$KZLAUNCH" kazoo_apps "\$@"; }
[ ! -e /proc/meminfo ] || exit 91
umask 0077
echo "start: \$(K start >/dev/null 2>&1; echo \$?)"
echo "status: \$(K status)"
echo "ping: \$(K ping 2>&1)"
echo "sup: \$(K sup kazoo_apps_maintenance hello $marker 2>&1 | head -n 1)"
echo "flavor: \$(K eval 'erlang:system_info(emu_flavor).' 2>&1)"
node=\$(K pid)
echo "node filtered: \$(awk '/^Seccomp:/ { print \$2 }' /proc/\$node/status)"
echo "attach: \$( (sleep 1; printf '%s\\n' 'io:format("typed_$$~n").'; sleep 1) |
	timeout 10 script -qc "setpriv --bounding-set=\$caps $UNITFILTER $KZLAUNCH kazoo_apps attach" /dev/null |
	grep -a -c "^typed_$$")"
echo "stop: \$(K stop 2>&1)"
echo "log mode: \$(stat -c %a "$T/log/kazoo_apps.log")"
EOF
out=$(unshare -m --propagation private bash "$T/inside.sh" 2>&1)
is "$?" 0 "the node's life under the restricted /proc"
like "$out" "start: 0" "start: 0"
like "$out" "status: $KAZOO_NODE@$HOST is running \(pid [0-9]+" "status answers"
like "$out" "ping: pong" "ping: pong"
like "$out" "sup: hello $marker" "sup: the function's output reaches the caller"
like "$out" "flavor: jit" "the node runs its JIT with no mapping both writable and executable"
like "$out" "node filtered: 2" "the node runs under the filter"
is "$("$UNITFILTER" --check)" $'mmap: Operation not permitted\nsetpriority: Operation not permitted' \
	"the filter refuses a writable executable mapping and a call of @resources"
like "$out" "attach: 1" "attach: what is typed runs, and its output comes back"
like "$out" "stop: $KAZOO_NODE@$HOST stopped \(exit status 0\)" "stop: the node ends with status 0"
like "$out" "log mode: 640" "the console log is 0640 under umask 0077"
[ "$(echo "$out" | grep -c 'start: 0')" = 1 ] || diag "$out"

done_testing
