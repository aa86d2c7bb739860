#!/usr/bin/env bash
# Who may launch: the policy's own user (no switch), the caller when there is no policy,
# and never root without a policy.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users

COOKIE=id_cookie_$$_$RANDOM
write_config "$COOKIE"
write_policy kazoo_apps "umask = 0077"
install -d -o kztest -g kztest -m 0700 "$T/run"
# An array, not a function: a function in the background would put a subshell between
# NODE_PID and the node.
as_kztest=(setpriv --reuid=kztest --regid=kztest --init-groups)

# The policy's user: the same identity, no switch.
: >"$T/kazoo_apps.out"; chmod 0666 "$T/kazoo_apps.out"
"${as_kztest[@]}" "$KZLAUNCH" kazoo_apps foreground >"$T/kazoo_apps.out" 2>&1 &
NODE_PID=$!; _pids+=("$NODE_PID")
wait_for "kazoo_apps is up" "$T/kazoo_apps.out"
ok $? "the policy's own user starts the node"
uid=$(id -u kztest)
is "$(status_field "$NODE_PID" Uid)" "$uid $uid $uid $uid" "as kztest"
is "$(status_field "$NODE_PID" CapBnd)" "$(status_field $$ CapBnd | sed 's/.*/&/;s/^/x/;s/x//')" \
	"bounding set as the caller's (an unprivileged user cannot lower it)"
is "$(status_field "$NODE_PID" CapAmb)" 0000000000000000 "no ambient capabilities"
is "$(status_field "$NODE_PID" NoNewPrivs)" 1 "NoNewPrivs"
is "$(status_field "$NODE_PID" Umask)" 0077 "umask"
is "$(erl_call_node "$KAZOO_NODE@$HOST" erlang node)" "$KAZOO_NODE@$HOST" "erl_call reaches it"
stop_fg
is "$NODE_STATUS" 0 "SIGTERM: 0"

# A policy that keeps a capability cannot be honoured by an unprivileged user.
write_policy kazoo_apps "capabilities = cap_net_bind_service"
out=$("${as_kztest[@]}" "$KZLAUNCH" kazoo_apps foreground 2>&1)
is "$?" 77 "an unprivileged user cannot grant capabilities: 77"
like "$out" "only root" "and is told why"

# The policy's user with a group the policy does not give the node.
write_policy kazoo_apps
out=$(setpriv --reuid=kztest --regid=kztest --groups=adm "$KZLAUNCH" kazoo_apps foreground 2>&1)
is "$?" 77 "the policy's user with an extra group is refused: 77"
like "$out" "has group $(getent group adm | cut -d: -f3), which the policy does not give" "and the group is named"

# No policy file at the default path: the caller runs it; root is refused.
unset KZLAUNCH_POLICY
if [ -e /etc/kzlaunch/kazoo_apps.policy ]; then
	skip "/etc/kzlaunch/kazoo_apps.policy exists"
	skip "/etc/kzlaunch/kazoo_apps.policy exists"
	skip "/etc/kzlaunch/kazoo_apps.policy exists"
else
	out=$("$KZLAUNCH" kazoo_apps foreground 2>&1)
	is "$?" 78 "root without a policy is refused: 78"
	like "$out" "refusing to run $KAZOO_NODE@$HOST as root" "and says so"
	out=$("${as_kztest[@]}" "$KZLAUNCH" kazoo_apps --dry-run foreground 2>&1)
	like "$out" "user: kztest \($uid\)" "without a policy an ordinary user runs it as itself"
fi

done_testing
