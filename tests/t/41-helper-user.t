#!/usr/bin/env bash
# `start` by the node's own user, without root and without a policy: RUNDIR is that user's,
# and helper, warden and node all run as it.  Root prepares the user and the folders only.
. "$(dirname "$0")/lib.sh"
need_root
[ -e /etc/kzlaunch/kazoo_apps.policy ] && skip_all "/etc/kzlaunch/kazoo_apps.policy exists: it would apply"
ensure_users
write_config "user_cookie_$$_$RANDOM"
unset KZLAUNCH_POLICY
export KAZOO_NODE=kzuser_$$
mkdir -p "$T/urun"
chown kztest "$T/urun"
export KZLAUNCH_RUNDIR=$T/urun
SOCK=$T/urun/kazoo_apps.sock
uid=$(id -u kztest)
# lib.sh's cleanup stops started nodes as root: root is always served.
_helpers+=(kazoo_apps)

as kztest "$KZLAUNCH" kazoo_apps start
is "$?" 0 "start as the node's own user, no policy"
P=$(as kztest "$KZLAUNCH" kazoo_apps pid)
like "$P" "^[0-9]+$" "pid, asked by that user"
H=$(status_field "$P" PPid)
W=$(status_field "$H" PPid)
is "$(status_field "$P" Uid)" "$uid $uid $uid $uid" "node: Uid kztest"
is "$(status_field "$H" Uid)" "$uid $uid $uid $uid" "helper: Uid kztest"
is "$(status_field "$W" Uid)" "$uid $uid $uid $uid" "warden: Uid kztest, the one who started it"
is "$(status_field "$W" CapEff)" 0000000000000000 "warden: no capabilities"
is "$(status_field "$W" Seccomp)" 2 "warden: seccomp filter"
is "$(stat -c %U "$SOCK")" kztest "the socket is the user's"
"$KZLAUNCH" kazoo_apps status >/dev/null
is "$?" 0 "root may ask for status"
out=$(as kzother "$KZLAUNCH" kazoo_apps status 2>&1)
is "$?" 77 "another user may not"
out=$(as kztest "$KZLAUNCH" kazoo_apps stop)
like "$out" "stopped \(exit status 0\)" "the user stops it"
wait_until 5 test ! -e "$SOCK"
check "the socket is removed" -- [ ! -e "$SOCK" ]
check "the console log is in RUNDIR (no policy)" -- [ -s "$T/urun/kazoo_apps.log" ]

done_testing
