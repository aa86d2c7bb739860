#!/usr/bin/env bash
# One config.ini, two hosts (and a third): each host is a network, UTS and mount namespace of
# its own on this machine, with its own host name and /etc/hosts. kzlaunch on each picks that
# host's section of the same config.ini; the nodes the sections give one cookie form a
# cluster, a node whose section gives another cookie stays out. Asked of the running nodes.
#
#   hosta  kazoo_apps (start)                         links: hosta 10.213.0.1 --- 10.213.0.2 hostb
#   hostb  kazoo_apps (foreground), ecallmgr (start)         hosta 10.213.1.1 --- 10.213.1.3 hostc
#   hostc  kazoo_apps (foreground); no host section          hostb 10.213.2.2 --- 10.213.2.3 hostc
#
# The namespaces have no route but their own links, so nothing reaches a real network.
# Each host's epmd is its own, started by its first node on the tests' port (lib.sh).
# Host names are dotted (hosta.kzt.test, from each host's /etc/hosts, as `hostname -f` gives
# it): OTP refuses to connect a long-named node to a dotless host ("Hostname hostb is illegal").
. "$(dirname "$0")/lib.sh"
need_root
for c in ip nsenter unshare timeout; do command -v $c >/dev/null || skip_all "needs $c"; done
ensure_users

DOM=kzt.test
HOSTS=(hosta hostb hostc)
# Every two hosts share a link of their own, so the cluster can be fully connected.
LINKS=("hosta 10.213.0.1 hostb 10.213.0.2" "hosta 10.213.1.1 hostc 10.213.1.3" "hostb 10.213.2.2 hostc 10.213.2.3")
declare -A NS HOLDER
for h in "${HOSTS[@]}"; do NS[$h]=kzt$$$h; done
_started=() # "HOST REL" of nodes started with `start`
_fg=()      # the VMs started with `foreground`, not yet waited for

# on HOST: the command line that runs what follows on HOST (nsenter does not fork: the pid
# of a command started with it in the background is the command's).
on_argv() { ONARGV=(nsenter -t "${HOLDER[$1]}" -n -u -m --); }
on() { local h=$1; shift; on_argv "$h"; timeout 60 "${ONARGV[@]}" "$@"; }
# kz HOST REL ACTION [ARGS...]: kzlaunch on HOST, with HOST's policy and RUNDIR, the node
# named as this test names REL's (lib.sh): REL_kztest60_PID@HOST.
kz() { local h=$1 rel=$2; shift 2; on "$h" "$KZLAUNCH" -p "$T/$h/$rel.policy" -d "$T/$h/run" -n "$(test_node "$rel")" "$rel" "$@"; }
# ec HOST COOKIE NODE MOD FUN [ARGS]: erl_call from HOST into NODE.
ec() { on "$1" "$ERL_CALL" -timeout 20 -c "$2" -name "$3" -a "$4 $5 ${6:-[]}" 2>>"$T/erl_call.err"; }
nodes_of() { ec "$@" erlang nodes | tr -d "[]' " | tr , '\n' | sort | xargs; } # nodes_of HOST COOKIE NODE
nsid() { stat -L -c %i "$1" 2>/dev/null; } # a namespace's inode

# Every process in the hosts' network namespaces is this test's (holders, nodes, helpers,
# epmd): `start`ed nodes stopped, then SIGTERM to all, SIGKILL to what is left after 10 s,
# then the namespaces deleted (their veths with them; each mount namespace, and its bind
# mount, ends with its last process). Only this test's pids, each reaped once. Safe twice.
hosts_down() {
	local p h i left rest=()
	for p in "${_started[@]}"; do kz $p stop >/dev/null 2>&1; done
	_started=()
	for ((i = 0; i < 150; i++)); do
		left=
		for h in "${HOSTS[@]}"; do left+=" $(ip netns pids "${NS[$h]}" 2>/dev/null | xargs)"; done
		[ -z "${left// /}" ] && break
		((i == 0)) && kill -TERM $left 2>/dev/null
		((i >= 100)) && kill -KILL $left 2>/dev/null
		sleep 0.1
	done
	for p in "${_fg[@]}"; do
		if gone "$p"; then wait "$p" 2>/dev/null; else rest+=("$p"); fi
	done
	_fg=("${rest[@]}")
	for h in "${HOSTS[@]}"; do
		ip netns del "${NS[$h]}" 2>/dev/null
	done
	return 0
}
at_exit hosts_down

real_hosts=$(sha256sum </etc/hosts) real_name=$(hostname)
etc_hosts_mounts() { grep -c ' /etc/hosts ' /proc/self/mountinfo; }
real_mounts=$(etc_hosts_mounts)

# The hosts: namespaces, links, names. Each host's /etc/hosts knows itself and its peers.
for h in "${HOSTS[@]}"; do
	ip netns add "${NS[$h]}" 2>"$T/netns.err" || skip_all "needs network namespaces: $(cat "$T/netns.err")"
	ip -n "${NS[$h]}" link set lo up
	mkdir -p "$T/$h"
done
# link HOST_A ADDR_A HOST_B ADDR_B: a veth pair made inside the two namespaces (never in this
# one), each end named for the host at its other end; each host's /etc/hosts names the other
# by its address on their link, and the host itself by its first address.
link() {
	ip -n "${NS[$1]}" link add "v-$3" type veth peer name "v-$1" netns "${NS[$3]}" &&
		ip -n "${NS[$1]}" addr add "$2/24" dev "v-$3" && ip -n "${NS[$1]}" link set "v-$3" up &&
		ip -n "${NS[$3]}" addr add "$4/24" dev "v-$1" && ip -n "${NS[$3]}" link set "v-$1" up
	local rc=$?
	[ -e "$T/$1/hosts" ] || printf '127.0.0.1 localhost\n%s %s.%s %s\n' "$2" "$1" "$DOM" "$1" >"$T/$1/hosts"
	[ -e "$T/$3/hosts" ] || printf '127.0.0.1 localhost\n%s %s.%s %s\n' "$4" "$3" "$DOM" "$3" >"$T/$3/hosts"
	printf '%s %s.%s %s\n' "$4" "$3" "$DOM" "$3" >>"$T/$1/hosts"
	printf '%s %s.%s %s\n' "$2" "$1" "$DOM" "$1" >>"$T/$3/hosts"
	return $rc
}
for l in "${LINKS[@]}"; do
	link $l
	ok $? "a veth pair: $l"
done

# A host's holder: the process that keeps its UTS and mount namespaces (and is in its network
# one); every command on the host joins it. The bind mount is in the holder's mount namespace
# alone (unshare makes it private), so the real /etc/hosts is never touched.
for h in "${HOSTS[@]}"; do
	chmod 0644 "$T/$h/hosts"
	ip netns exec "${NS[$h]}" unshare --uts --mount --propagation private \
		sh -c 'hostname "$1" && mount --bind "$2" /etc/hosts && echo ready && exec sleep 1800' \
		sh "$h" "$T/$h/hosts" >"$T/$h/holder" 2>&1 &
	HOLDER[$h]=$!
	disown "${HOLDER[$h]}" # no "Terminated" from bash when teardown ends it
done
for h in "${HOSTS[@]}"; do
	if wait_for '^ready$' "$T/$h/holder" 100; then
		ok 0 "$h: its holder has its name and /etc/hosts"
	else
		ok 1 "$h: its holder has its name and /etc/hosts"; diag "$(cat "$T/$h/holder")"; done_testing
	fi
done
for h in "${HOSTS[@]}"; do
	is "$(on "$h" hostname) $(on "$h" hostname -f)" "$h $h.$DOM" "$h: hostname and canonical name on the host"
	is "$(on "$h" cat /etc/hosts)" "$(cat "$T/$h/hosts")" "$h: its own /etc/hosts"
	is "$(ip -n "${NS[$h]}" route show default)" "" "$h: no default route, no way out"
done
is "$(etc_hosts_mounts)" "$real_mounts" "no bind mount over /etc/hosts here"
is "$(hostname)" "$real_name" "this machine's name is unchanged"
is "$(sha256sum </etc/hosts)" "$real_hosts" "this machine's /etc/hosts is unchanged"

# One config.ini for every host.
for v in CLUSTER LOCAL GONE SHADOW GENERIC ECB ECGEN; do
	printf -v "$v" '%s_%s_%s' "${v,,}" $$ $RANDOM
done
cat >"$T/config.ini" <<INI
; One config.ini for the whole cluster (written by 60-two-hosts.t).
[zone]
name = "local"

[kazoo_apps]
host = "gone.$DOM" ; a host that is not there
cookie = $GONE

[kazoo_apps]
host = "hosta.$DOM"
cookie = $CLUSTER

[kazoo_apps]
zone = "local"
cookie = $LOCAL

[kazoo_apps]
; after a zone section: a host section counts wherever it is
host = hostb.$DOM
cookie = "$CLUSTER"

[kazoo_apps]
host = "hosta.$DOM" ; hosta's second: the first wins
cookie = $SHADOW

[kazoo_apps]
zone = "far" ; hostc's way into the cluster
cookie = $CLUSTER

[kazoo_apps]
cookie = $GENERIC

[ecallmgr]
host = "hostb.$DOM"
cookie = $ECB

[ecallmgr]
cookie = $ECGEN
INI
chmod 0644 "$T/config.ini"
for h in "${HOSTS[@]}"; do
	for rel in kazoo_apps ecallmgr; do
		printf '[node]\nuser = kztest\n[control]\nstop_timeout = 5\n[log]\ndir = %s\n' "$T/$h/log" >"$T/$h/$rel.policy"
	done
done

# What each host's sections give.
is "$(kz hosta kazoo_apps read-release-cookie)" "$CLUSTER" "hosta: its first host section"
is "$(kz hostb kazoo_apps read-release-cookie)" "$CLUSTER" "hostb: its host section, after a zone section"
is "$(kz hostc kazoo_apps read-release-cookie)" "$LOCAL" "hostc, no host section: the zone section"
is "$(KAZOO_ZONE=far kz hostc kazoo_apps read-release-cookie)" "$CLUSTER" "hostc, KAZOO_ZONE=far: that zone's section"
is "$(KAZOO_ZONE=nowhere kz hostc kazoo_apps read-release-cookie)" "$GENERIC" \
	"hostc, a zone without a section: the generic section"
is "$(KAZOO_ZONE=far kz hosta kazoo_apps read-release-cookie)" "$CLUSTER" "hosta, KAZOO_ZONE=far: its host section still"
is "$(kz hostb ecallmgr read-release-cookie)" "$ECB" "hostb, ecallmgr: its own host section"
is "$(kz hosta ecallmgr read-release-cookie)" "$ECGEN" "hosta, ecallmgr: the generic section"

# The nodes.
KA=$(test_node kazoo_apps) EC=$(test_node ecallmgr)
NA=$KA@hosta.$DOM NB=$KA@hostb.$DOM NC=$KA@hostc.$DOM EB=$EC@hostb.$DOM
_started+=("hosta kazoo_apps")
out=$(kz hosta kazoo_apps start 2>&1)
rc=$?; ok $rc "hosta: kazoo_apps start"; ((rc == 0)) || diag "$out"
_started+=("hostb ecallmgr")
out=$(kz hostb ecallmgr start 2>&1)
rc=$?; ok $rc "hostb: ecallmgr start"; ((rc == 0)) || diag "$out"

# fg_on HOST REL [VAR=VALUE...]: `foreground` on HOST in the background; FG_PID is the VM.
fg_on() {
	local h=$1 rel=$2 i name; shift 2
	on_argv "$h"
	name=$(test_node "$rel")
	: >"$T/$h/$rel.out" # before the node, so an earlier node's "is up" is not taken for its
	env "$@" "${ONARGV[@]}" "$KZLAUNCH" -p "$T/$h/$rel.policy" -d "$T/$h/run" -n "$name" "$rel" foreground >"$T/$h/$rel.out" 2>&1 &
	FG_PID=$!
	_fg+=("$FG_PID")
	wait_until 30 up_or_gone "$rel" "$T/$h/$rel.out" "$FG_PID"
	grep -q "$rel is up" "$T/$h/$rel.out" && return 0
	diag "$rel on $h did not come up:" "$(cat "$T/$h/$rel.out")"
	return 1
}
stop_pid() { # SIGTERM, at most 30 s for it to end, then its status in STATUS
	local i
	kill -TERM "$1"
	wait_until 30 gone "$1" || kill -KILL "$1"
	wait "$1"
	STATUS=$?
	local p rest=()
	for p in "${_fg[@]}"; do [ "$p" = "$1" ] || rest+=("$p"); done
	_fg=("${rest[@]}")
}
fg_on hostb kazoo_apps
ok $? "hostb: kazoo_apps foreground"
PB=$FG_PID
fg_on hostc kazoo_apps
ok $? "hostc: kazoo_apps foreground"
PC=$FG_PID
PA=$(kz hosta kazoo_apps pid)
PE=$(kz hostb ecallmgr pid)

# Each node is on its host: its namespaces are the host's, and it answers to its name there
# with the cookie its sections give.
for x in "hosta $PA $NA $CLUSTER" "hostb $PB $NB $CLUSTER" "hostb $PE $EB $ECB" "hostc $PC $NC $LOCAL"; do
	set -- $x
	like "$(readlink "/proc/$2/exe")" "beam.smp$" "$3: pid $2 is the VM"
	is "$(nsid "/proc/$2/ns/net") $(nsid "/proc/$2/ns/uts") $(nsid "/proc/$2/ns/mnt")" \
		"$(nsid "/run/netns/${NS[$1]}") $(nsid "/proc/${HOLDER[$1]}/ns/uts") $(nsid "/proc/${HOLDER[$1]}/ns/mnt")" \
		"$3: in $1's network, UTS and mount namespaces"
	is "$(ec "$1" "$4" "$3" erlang node)" "'$3'" "$3: answers to its name with its sections' cookie"
	is "$(ec "$1" "$4" "$3" inet gethostname)" "{ok, \"$1\"}" "$3: the VM sees $1's host name"
done
is "$(ec hosta "$GENERIC" "$NA" erlang node)" "" "$NA: another section's cookie is refused"

# The cluster: the nodes hosta's and hostb's sections give one cookie see each other; the
# others do not, though their epmd answers (so it is the cookie, not the network).
like "$(ec hosta "$CLUSTER" "$NA" erl_epmd names "[\"hostc.$DOM\"]")" "\"$KA\"" "hosta reaches hostc's epmd"
like "$(ec hosta "$CLUSTER" "$NA" erl_epmd names "[\"hostb.$DOM\"]")" "\"$EC\"" "hosta reaches hostb's epmd, ecallmgr in it"
is "$(ec hosta "$CLUSTER" "$NA" net_adm ping "['$NB']")" pong "$NA pings $NB: pong"
is "$(nodes_of hostb "$CLUSTER" "$NB")" "$NA" "$NB sees $NA among its nodes"
is "$(ec hosta "$CLUSTER" "$NA" net_adm ping "['$NC']")" pang "$NA pings $NC (a zone's cookie): pang"
is "$(ec hosta "$CLUSTER" "$NA" net_adm ping "['$EB']")" pang "$NA pings $EB (its own host section's cookie): pang"
is "$(ec hostc "$LOCAL" "$NC" net_adm ping "['$NA']")" pang "$NC pings $NA: pang"
is "$(nodes_of hosta "$CLUSTER" "$NA")" "$NB" "$NA's nodes: $NB alone"
is "$(nodes_of hostc "$LOCAL" "$NC")" "" "$NC's nodes: none"

# KAZOO_ZONE decides for a host without a host section: hostc in zone far joins the cluster.
stop_pid "$PC"
is "$STATUS" 0 "hostc: its node stops on SIGTERM"
fg_on hostc kazoo_apps KAZOO_ZONE=far
ok $? "hostc: kazoo_apps foreground with KAZOO_ZONE=far"
PC=$FG_PID
# "is up" is printed as the apps start; on a loaded machine distribution may answer a moment
# later (10 s at most).
nc_answers() { [ "$(ec hostc "$CLUSTER" "$NC" erlang node)" = "'$NC'" ]; }
wait_until 10 nc_answers
is "$(ec hostc "$CLUSTER" "$NC" erlang node)" "'$NC'" "$NC: now the cluster's cookie"
is "$(ec hosta "$CLUSTER" "$NA" net_adm ping "['$NC']")" pong "$NA pings $NC: pong"
is "$(ec hostb "$CLUSTER" "$NB" net_adm ping "['$NC']")" pong "$NB pings $NC: pong"
is "$(nodes_of hostc "$CLUSTER" "$NC")" "$NA $NB" "$NC sees both"

# Teardown, checked: no process, namespace or mount of the hosts is left.
ids=" "
for h in "${HOSTS[@]}"; do ids+="$(nsid "/run/netns/${NS[$h]}") $(nsid "/proc/${HOLDER[$h]}/ns/mnt") "; done
hosts_down
is "$(ip netns list | grep -c "^kzt$$")" 0 "every namespace is deleted"
left=0
for p in /proc/[0-9]*; do
	for n in net mnt; do
		id=$(nsid "$p/ns/$n")
		[ -n "$id" ] && [[ $ids == *" $id "* ]] && { left=$((left + 1)); diag "left: $(tr '\0' ' ' <"$p/cmdline")"; }
	done
done
is "$left" 0 "no process is left in the hosts' namespaces (epmd, helpers, nodes, holders)"
is "$(etc_hosts_mounts)" "$real_mounts" "no bind mount over /etc/hosts here"
is "$(sha256sum </etc/hosts)" "$real_hosts" "this machine's /etc/hosts is unchanged"
is "$(hostname)" "$real_name" "this machine's name is unchanged"

done_testing
