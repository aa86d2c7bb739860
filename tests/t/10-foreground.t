#!/usr/bin/env bash
# `foreground`: the kernel's view of the node (/proc), its cookie and its exit.  As an
# ordinary user without a policy the node is the caller's; as root, a policy's user's, with
# its groups, limits and capabilities.
. "$(dirname "$0")/lib.sh"

COOKIE=fg_cookie_$$_$RANDOM
write_config "$COOKIE"
NODE=$KAZOO_NODE@$HOST

# ---- as an ordinary user, no policy: the node runs as its caller ----
caller_part() {
	local P me mg home
	caller_setup kazoo_apps
	exec 7<"$T/config.ini"
	start_fg kazoo_apps
	ok $? "foreground node comes up as its caller, without a policy"
	exec 7<&-
	P=$NODE_PID
	me=$(id -u) mg=$(id -g)
	is "$(status_field "$P" Uid)" "$me $me $me $me" "Uid is the caller's in every slot"
	is "$(status_field "$P" Gid)" "$mg $mg $mg $mg" "Gid is the caller's in every slot"
	is "$(status_field "$P" Groups)" "$(status_field $$ Groups)" "Groups are the caller's"
	for set in CapInh CapPrm CapEff CapAmb; do
		is "$(status_field "$P" $set)" 0000000000000000 "$set is empty"
	done
	is "$(status_field "$P" NoNewPrivs)" 1 "NoNewPrivs"
	is "$(readlink /proc/$P/cwd)" "$RELROOT" "runs in the release root"
	is "$(for f in /proc/$P/fd/*; do readlink "$f"; done | grep -c "$T/config.ini")" 0 \
		"no inherited descriptor reaches the node"
	home=$KZLAUNCH_RUNDIR/kazoo_apps.home
	is "$(stat -c '%a %u' "$home")" "700 $me" "cookie home 0700, the caller's"
	is "$(stat -c '%a %u %s' "$home/.erlang.cookie")" "400 $me ${#COOKIE}" "cookie file 0400, the caller's"
	is "$(tr '\0' '\n' </proc/$P/environ | grep '^HOME=')" "HOME=$home" "HOME is the private home"
	is "$(cookie_hits "$COOKIE")" 0 "the cookie is in no argv or environ this user can read"
	is "$(erl_call_node "$NODE" erlang node)" "$NODE" "erl_call reaches the node with the configured cookie"
	is "$("$ERL_CALL" -c wrong_cookie -name "$NODE" -a 'erlang node []' 2>/dev/null)" "" "a wrong cookie does not"
	stop_fg
	is "$NODE_STATUS" 0 "SIGTERM stops the node with status 0"
	start_fg kazoo_apps
	ok $? "it comes up again"
	erl_call_node "$NODE" kazoo_apps exit_with '[7]' >/dev/null 2>&1
	wait "$NODE_PID"
	is "$?" 7 "the node's exit status is kzlaunch's"
	mv "$home" "$T/home.away"
	ln -s "$T/home.away" "$home"
	"$KZLAUNCH" kazoo_apps foreground >/dev/null 2>&1
	is "$?" 78 "a symlinked cookie home is refused"
	rm "$home"
	mv "$T/home.away" "$home"
	rm "$home/.erlang.cookie"
	mkfifo "$home/.erlang.cookie"
	like "$("$KZLAUNCH" kazoo_apps foreground 2>&1)" "exists and is not a file kzlaunch made" \
		"a cookie path that is not kzlaunch's file is refused"
	mkdir -m 0777 "$T/openrun"
	chmod 0777 "$T/openrun" # whatever the umask
	like "$("$KZLAUNCH" -d "$T/openrun" kazoo_apps foreground 2>&1)" "writable by group or others" \
		"a RUNDIR anyone can write to is refused"
}
if is_root; then
	skip "the node as its caller without a policy: not as root (09-unprivileged.t runs it as an ordinary user)"
else
	caller_part
fi

# ---- as root: a policy's user, groups, limits and capabilities ----
root_only "the node as a policy's user, its groups, limits, capabilities and securebits, and who may start it" ||
	done_testing
ensure_users
write_policy kazoo_apps "group = kztest" "groups = kztest2, adm" "nofile = 4242" "core = unlimited" "umask = 0027"

# A descriptor the launcher inherits and must not pass on.
exec 7<"$T/config.ini"
start_fg kazoo_apps
ok $? "foreground node comes up"
exec 7<&-
P=$NODE_PID

uid=$(id -u kztest) gid=$(getent group kztest | cut -d: -f3)
adm=$(getent group adm | cut -d: -f3) g2=$(getent group kztest2 | cut -d: -f3)
is "$(status_field "$P" Uid)" "$uid $uid $uid $uid" "Uid is kztest in every slot"
is "$(status_field "$P" Gid)" "$gid $gid $gid $gid" "Gid is kztest in every slot"
is "$(status_field "$P" Groups | tr ' ' '\n' | sort -n | xargs)" "$(printf '%s\n' "$g2" "$adm" | sort -n | xargs)" \
	"Groups are exactly the policy's"
for set in CapInh CapPrm CapEff CapBnd CapAmb; do
	is "$(status_field "$P" $set)" 0000000000000000 "$set is empty"
done
is "$(status_field "$P" NoNewPrivs)" 1 "NoNewPrivs"
is "$(status_field "$P" Umask)" 0027 "umask"
like "$(grep 'Max open files' /proc/$P/limits)" "4242 +4242" "RLIMIT_NOFILE soft and hard"
like "$(grep 'Max core file size' /proc/$P/limits)" "unlimited +unlimited" "RLIMIT_CORE"
is "$(readlink /proc/$P/cwd)" "$RELROOT" "runs in the release root"

leaked=$(for f in /proc/$P/fd/*; do readlink "$f"; done | grep -c "$T/config.ini")
is "$leaked" 0 "no inherited descriptor reaches the node"

home=$KZLAUNCH_RUNDIR/kazoo_apps.home
is "$(stat -c '%a %U' "$KZLAUNCH_RUNDIR")" "755 root" "RUNDIR made 0755 root"
is "$(stat -c '%a %U' "$home")" "700 kztest" "cookie home 0700 kztest"
is "$(stat -c '%a %U %s' "$home/.erlang.cookie")" "400 kztest ${#COOKIE}" "cookie file 0400 kztest"
is "$(stat -c '%a %U' "$T/log")" "750 kztest" "log folder made 0750 kztest"
is "$(tr '\0' '\n' </proc/$P/environ | grep '^HOME=')" "HOME=$home" "HOME is the private home"

# The cookie in no argv or environ of any process on the machine.
is "$(cookie_hits "$COOKIE")" 0 "the cookie is in no process's argv or environ"
ntree=$(proc_tree "$P" | wc -l)
check "the node has child processes to check ($ntree)" -- [ "$ntree" -ge 2 ]

is "$(erl_call_node "$NODE" erlang node)" "$NODE" "erl_call reaches the node with the configured cookie"
is "$("$ERL_CALL" -c wrong_cookie -name "$NODE" -a 'erlang node []' 2>/dev/null)" "" "a wrong cookie does not"

# The node's children see what the node has: capsh in a child of the VM.
caps=$(erl_call_node "$NODE" os cmd '["/usr/sbin/capsh --print"]')
like "$caps" "Bounding set *=[^a-z]*\\\\n" "a child of the node has an empty bounding set"
like "$caps" "secure-noroot: yes \(locked\)" "securebits: noroot locked"
like "$caps" "secure-no-suid-fixup: yes \(locked\)" "securebits: no-suid-fixup locked"
like "$caps" "secure-no-ambient-raise: yes \(locked\)" "securebits: no-ambient-raise locked"
is "$(erl_call_node "$NODE" kazoo_apps listen '[80]')" "{error, eacces}" "without the capability, no port 80"

stop_fg
is "$NODE_STATUS" 0 "SIGTERM stops the node with status 0"

# With cap_net_bind_service: in every set but bounding... and bounding too, nothing else.
write_policy kazoo_apps "capabilities = cap_net_bind_service"
start_fg kazoo_apps
ok $? "node with cap_net_bind_service comes up"
P=$NODE_PID
for set in CapInh CapPrm CapEff CapBnd CapAmb; do
	is "$(status_field "$P" $set)" 0000000000000400 "$set holds cap_net_bind_service only"
done
is "$(erl_call_node "$NODE" kazoo_apps listen '[80]')" "ok" "with the capability, port 80"
caps=$(erl_call_node "$NODE" os cmd '["/usr/sbin/capsh --print"]')
like "$caps" "Ambient set =cap_net_bind_service" "the node's children keep it as ambient"

# The node's own exit status is the launcher's.
erl_call_node "$NODE" kazoo_apps exit_with '[7]' >/dev/null 2>&1
wait "$P"
is "$?" 7 "the node's exit status is kzlaunch's"

# Refusals.
write_policy kazoo_apps
out=$(setpriv --reuid=kzother --regid=kzother --clear-groups "$KZLAUNCH" kazoo_apps foreground 2>&1)
is "$?" 77 "another user may not start the node"
like "$out" "runs as kztest" "and is told who may"
out=$("$KZLAUNCH" -p "$T/none.policy" kazoo_apps foreground 2>&1)
is "$?" 78 "an explicit policy that does not exist"
mv "$KZLAUNCH_RUNDIR/kazoo_apps.home" "$T/home.away"
ln -s "$T/home.away" "$KZLAUNCH_RUNDIR/kazoo_apps.home"
out=$("$KZLAUNCH" kazoo_apps foreground 2>&1)
is "$?" 78 "a symlinked cookie home is refused"
rm "$KZLAUNCH_RUNDIR/kazoo_apps.home"
mv "$T/home.away" "$KZLAUNCH_RUNDIR/kazoo_apps.home"

# Folders the node's user could redirect: root never follows them.
mkdir -p "$T/userlogs" "$T/target"; chown kztest "$T/userlogs"
ln -s "$T/target" "$T/userlogs/a"
write_policy kazoo_apps
sed -i "s|^dir = .*|dir = $T/userlogs/a/logs|" "$T/kazoo_apps.policy"
out=$("$KZLAUNCH" kazoo_apps foreground 2>&1)
is "$?" 78 "a log folder below a folder the node's user owns is refused"
like "$out" "userlogs.*owned by uid" "and the message names the folder"
check "root made nothing through the symlink" -- [ ! -e "$T/target/logs" ]
write_policy kazoo_apps
mkdir -m 0777 "$T/openrun"
out=$("$KZLAUNCH" -d "$T/openrun" kazoo_apps foreground 2>&1)
is "$?" 78 "a RUNDIR anyone can write to is refused"
like "$out" "writable by group or others" "and says why"
rm "$KZLAUNCH_RUNDIR/kazoo_apps.home/.erlang.cookie"
mkfifo "$KZLAUNCH_RUNDIR/kazoo_apps.home/.erlang.cookie"
out=$("$KZLAUNCH" kazoo_apps foreground 2>&1)
is "$?" 78 "a cookie path that is not kzlaunch's file is refused"
like "$out" "exists and is not a file kzlaunch made" "and says so"

done_testing
