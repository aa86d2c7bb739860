#!/usr/bin/env bash
# The policies this tree ships (policy/), as an operator installs them: with the user Kazoo's
# packages make (kazoo, primary group daemon), a node of each type runs exactly as they say.
. "$(dirname "$0")/lib.sh"
need_root
ensure_users

# As 2600hz's packages make it: a system user in group daemon, no home of its own.
getent passwd kazoo >/dev/null ||
	useradd --system --gid daemon --no-create-home --home-dir /opt/kazoo --shell /usr/sbin/nologin kazoo
# The shipped policies log to /var/log/kazoo, which kzlaunch makes when missing: removed again
# at the end if this test made it.
made_log=
[ -e /var/log/kazoo ] || made_log=1
trap 'cleanup; [ -n "$made_log" ] && rm -rf /var/log/kazoo' EXIT

write_config
# Some containers give root no CAP_SYS_RESOURCE and a hard limit under the policies' 65536:
# there kzlaunch refuses them (tested in 10-foreground.t), so only the dry runs can run.
can_raise=1
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 65536 ] && ! capsh --has-p=cap_sys_resource 2>/dev/null; then
	can_raise=
fi
uid=$(id -u kazoo) daemon=$(getent group daemon | cut -d: -f3)
for rel in kazoo_apps ecallmgr; do
	policy=$TOP/policy/$rel.policy
	dry=$("$KZLAUNCH" -p "$policy" "$rel" --dry-run foreground 2>&1)
	is "$?" 0 "$rel.policy loads as root"
	like "$dry" "user: kazoo \\($uid\\)" "$rel.policy: runs as kazoo"
	like "$dry" "group: daemon \\($daemon\\)" "$rel.policy: in group daemon"
	like "$dry" "nofile: 65536" "$rel.policy: nofile 65536"
	if [ "$rel" = kazoo_apps ]; then
		is "$(grep '^ready' "$policy")" "ready = kapps_controller:ready" "$rel.policy: up once kapps_controller:ready() is true"
	else
		is "$(grep -c '^ready' "$policy")" 0 "$rel.policy: no ready function (ecallmgr has no kapps_controller)"
	fi

	if [ -z "$can_raise" ]; then
		for i in $(seq 1 10); do skip "root here may not raise RLIMIT_NOFILE to 65536 (hard limit $hard)"; done
		continue
	fi
	start_fg "$rel" -p "$policy" -n "$(test_node "$rel")"
	ok $? "$rel runs under the shipped policy"
	P=$NODE_PID
	is "$(status_field "$P" Uid)" "$uid $uid $uid $uid" "$rel: Uid is kazoo's"
	is "$(status_field "$P" Gid)" "$daemon $daemon $daemon $daemon" "$rel: Gid is daemon's"
	is "$(status_field "$P" Groups)" "" "$rel: no supplementary groups"
	is "$(status_field "$P" CapEff):$(status_field "$P" CapBnd)" "0000000000000000:0000000000000000" "$rel: no capabilities"
	is "$(status_field "$P" Umask)" 0027 "$rel: umask 0027"
	like "$(grep 'Max open files' /proc/$P/limits)" "65536 +65536" "$rel: 65536 descriptors"
	is "$(stat -c '%U %G %a' /var/log/kazoo)" "kazoo daemon 750" "$rel: its log folder is kazoo's, 0750"
	stop_fg
	is "$NODE_STATUS" 0 "$rel stops with status 0"
done

done_testing
