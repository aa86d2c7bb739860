#!/usr/bin/env bash
# One config.ini for the whole cluster, on hosts of their own: network, UTS and mount
# namespaces made here (a veth pair whose addresses exist only inside them; no traffic leaves
# them), each with its own host name and /etc/hosts.  On each host kzlaunch picks that host's
# section and starts its node; the two that get the cluster cookie see each other, a third
# whose section gives another cookie does not.
. "$(dirname "$0")/lib.sh"
need_root
command -v ip >/dev/null && command -v unshare >/dev/null || skip_all "needs ip and unshare"
ensure_users

NA=kzt-a-$$ NB=kzt-b-$$ NC=kzt-c-$$
CLUSTER=cluster_$$_$RANDOM OTHER=other_$$_$RANDOM
node_pids=()
teardown() {
	local p
	for p in "${node_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${node_pids[@]}"; do timeout 20 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null; done
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	ip netns del "$NC" 2>/dev/null
	cleanup
}
trap teardown EXIT

# hosta is linked to hostb and to hostc, each by a veth pair of its own; hostc reaches
# hostb's side of hosta through hosta.  (epmd knows nodes by the name before the @, so each
# kazoo_apps node needs a network, and so an epmd, of its own.)
ip netns add "$NA" && ip netns add "$NB" && ip netns add "$NC" || skip_all "cannot make network namespaces here"
ip link add "vab$$" type veth peer name "vba$$"
ip link add "vac$$" type veth peer name "vca$$"
ip link set "vab$$" netns "$NA"; ip link set "vac$$" netns "$NA"
ip link set "vba$$" netns "$NB"; ip link set "vca$$" netns "$NC"
ip -n "$NA" addr add 10.213.0.1/24 dev "vab$$"
ip -n "$NA" addr add 10.213.1.1/24 dev "vac$$"
ip -n "$NB" addr add 10.213.0.2/24 dev "vba$$"
ip -n "$NC" addr add 10.213.1.2/24 dev "vca$$"
for ns in "$NA" "$NB" "$NC"; do ip -n "$ns" link set lo up; done
ip -n "$NA" link set "vab$$" up; ip -n "$NA" link set "vac$$" up
ip -n "$NB" link set "vba$$" up; ip -n "$NC" link set "vca$$" up
ip -n "$NC" route add 10.213.0.0/24 via 10.213.1.1

# Every host knows every other by name (hostd is a name only: a host with no section).  The
# names have a dot, as a cluster's must: OTP refuses a long node name on a dotless host when
# another node connects to it.
cat >"$T/hosts" <<HOSTS
127.0.0.1 localhost
10.213.0.1 hosta.kzt.test hosta
10.213.0.2 hostb.kzt.test hostb
10.213.1.2 hostc.kzt.test hostc
10.213.0.4 hostd.kzt.test hostd
HOSTS
chmod 0644 "$T/hosts"

# in_host HOST CMD...: CMD on HOST, in its network namespace, with its own name and /etc/hosts.
in_host() {
	local host=$1 ns=$NA; shift
	case $host in hostb) ns=$NB ;; hostc) ns=$NC ;; esac
	ip netns exec "$ns" unshare --uts --mount --propagation private \
		sh -c 'hostname "$1" && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"' sh "$host" "$T/hosts" "$@"
}

cat >"$T/config.ini" <<INI
; One file for the cluster, as Kazoo keeps it.
[zone]
name = "local"

[kazoo_apps]
host = hosta.kzt.test
cookie = $CLUSTER

[kazoo_apps]
host = hostb.kzt.test
cookie = $CLUSTER

[kazoo_apps]
host = hostc.kzt.test
cookie = $OTHER

[kazoo_apps]
host = ghost.example.com
cookie = ghost_cookie

[kazoo_apps]
zone = local
cookie = zone_cookie

[kazoo_apps]
cookie = generic_cookie
INI
chmod 0644 "$T/config.ini"

# What each host's sections give, before any node runs.
for h in hosta hostb; do
	is "$(KZLAUNCH_RUNDIR=$T/$h in_host "$h" "$KZLAUNCH" kazoo_apps read-release-cookie 2>&1)" "$CLUSTER" "$h: read-release-cookie gives its host section's cookie"
done
is "$(in_host hostc "$KZLAUNCH" kazoo_apps read-release-cookie 2>&1)" "$OTHER" "hostc: its own section's, another cookie"
is "$(in_host hostd "$KZLAUNCH" kazoo_apps read-release-cookie 2>&1)" zone_cookie "hostd, with no section of its own: the zone's"
is "$(KAZOO_ZONE=dc2 in_host hostd "$KZLAUNCH" kazoo_apps read-release-cookie 2>&1)" generic_cookie "hostd in another zone: the generic one"

# start_on HOST: its kazoo_apps node in the foreground, up within 30 s.
start_on() {
	local h=$1 i
	mkdir -p "$T/$h"
	write_policy "kazoo_apps" >/dev/null
	sed -i "s|^dir = .*|dir = $T/$h/log|" "$T/kazoo_apps.policy"
	cp "$T/kazoo_apps.policy" "$T/$h/kazoo_apps.policy"
	KZLAUNCH_POLICY=$T/$h/kazoo_apps.policy KZLAUNCH_RUNDIR=$T/$h/run \
		in_host "$h" "$KZLAUNCH" kazoo_apps foreground >"$T/$h/out" 2>&1 &
	node_pids+=($!)
	for i in $(seq 1 300); do
		grep -q "kazoo_apps is up" "$T/$h/out" && return 0
		kill -0 "${node_pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	diag "$h: node did not come up:" "$(cat "$T/$h/out")"
	return 1
}
for h in hosta hostb hostc; do
	start_on "$h"
	ok $? "$h: its node comes up as kazoo_apps@$h.kzt.test"
done

# ask HOST COOKIE EXPR: erl_call on that host, to its own node.
ask() { in_host "$1" "$ERL_CALL" -c "$2" -name "kazoo_apps@$1.kzt.test" -a "$3" 2>&1; }
is "$(ask hosta "$CLUSTER" 'erlang node []')" "'kazoo_apps@hosta.kzt.test'" "hosta's node answers to the cluster cookie"
is "$(ask hostc "$OTHER" 'erlang node []')" "'kazoo_apps@hostc.kzt.test'" "hostc's node answers to its own"
is "$(ask hosta "$CLUSTER" "net_adm ping ['kazoo_apps@hostb.kzt.test']")" pong "hosta and hostb, same cookie by their own sections, see each other"
like "$(ask hostb "$CLUSTER" 'erlang nodes []')" "kazoo_apps@hosta.kzt.test" "and hostb lists hosta among its nodes"
is "$(ask hosta "$CLUSTER" "net_adm ping ['kazoo_apps@hostc.kzt.test']")" pang "hostc, whose section gives another cookie, is not let in"
unlike "$(ask hostc "$OTHER" 'erlang nodes []')" "kazoo_apps@host[ab]" "and sees neither of them"

done_testing
