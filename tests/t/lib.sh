# lib.sh: TAP and node helpers for the integration tests (sourced by tests/t/*.t).
# Tests start real nodes of the demo release and ask the kernel (/proc), not kzlaunch.

set -u
: "${KZ_BUILD:=build/release}" "${KZ_RELROOT:=_rel/kazoo}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Absolute, or relative to the tree (the GNUmakefile may keep them outside it: demo-place).
case $KZ_BUILD in /*) ;; *) KZ_BUILD=$TOP/$KZ_BUILD ;; esac
case $KZ_RELROOT in /*) ;; *) KZ_RELROOT=$TOP/$KZ_RELROOT ;; esac
KZLAUNCH=$KZ_BUILD/kzlaunch
RELROOT=$KZ_RELROOT
HOST=$(hostname -f 2>/dev/null || hostname)
ERL_CALL=$(ls "$RELROOT"/erts-*/bin/erl_call 2>/dev/null | head -n 1)
# The sandboxed helper cannot run LeakSanitizer (it needs ptrace); leaks are checked in unit tests.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

_tap_n=0 _tap_fail=0
plan() { echo "1..$1"; }
ok() { # ok COND_STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; _tap_fail=$((_tap_fail + 1)); fi
}
is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "got '$1', want '$2'"; fi
}
like() { # like GOT REGEX DESCRIPTION
	if [[ $1 =~ $2 ]]; then ok 0 "$3"; else ok 1 "$3"; diag "got '$1', want /$2/"; fi
}
unlike() {
	if [[ $1 =~ $2 ]]; then ok 1 "$3"; diag "got '$1', must not match /$2/"; else ok 0 "$3"; fi
}
# check DESCRIPTION -- COMMAND...: passes when COMMAND succeeds, so a check states what must
# hold: `check "the log rotated" -- [ "$files" -ge 3 ]`.  (ok takes an exit status.)
check() {
	local what=$1; shift
	[ "${1:-}" = "--" ] && shift
	if "$@"; then ok 0 "$what"; else ok 1 "$what"; diag "failed: $*"; fi
}
not() { ! "$@"; } # not COMMAND...: for check, when what must hold is that COMMAND fails
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $1"; }
diag() { printf '# %s\n' "$@"; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }
is_root() { [ "$(id -u)" -eq 0 ]; }
# The parts of a test that need root, skipped with the reason for an ordinary user (whose
# parts tests/t/09-unprivileged.t runs when make check runs as root).
root_only() { is_root || { skip "$1: needs root"; return 1; }; }
# caller_setup REL: an ordinary user without a policy, whose node kzlaunch runs as its caller
# (unless a policy is installed at the default path: that would apply).  Its RUNDIR is its
# own: kzlaunch makes one only as root.
caller_setup() {
	[ -e "/etc/kzlaunch/$1.policy" ] && skip_all "/etc/kzlaunch/$1.policy exists: it would apply"
	unset KZLAUNCH_POLICY
	mkdir -p -m 0755 "$KZLAUNCH_RUNDIR"
}
# need_fetched VAR STAMP WHAT: what make check fetched for this test (another OTP's release or
# root) is at the path VAR names (relative to the tree unless absolute; VAR is set to the
# absolute path), holding STAMP.  Else, offline, a skip naming WHAT and the fetch's own note
# (PATH.missing); under CI (CI=true) a failure, where a skip would hide that nothing was tested.
need_fetched() {
	local var=$1 stamp=$2 what=$3 path=${!1} why
	case $path in /*) ;; *) path=$TOP/$path ;; esac
	printf -v "$var" '%s' "$path"
	[ -e "$path/$stamp" ] && return 0
	why="no $what at $path"
	[ -r "$path.missing" ] && why="$why: $(head -n 1 "$path.missing")"
	[ "${CI:-}" = true ] && { echo "1..1"; echo "not ok 1 - $why"; exit 1; }
	skip_all "$why"
}
done_testing() { echo "1..$_tap_n"; exit $((_tap_fail > 254 ? 254 : _tap_fail)); }

# A private world per test: config.ini, policies, RUNDIR and log folder under $T.
T=$(mktemp -d /tmp/kzt.XXXXXX)
chmod 0755 "$T"
_pids=()
_epmds=() # "PID PORT" of each epmd this test started (epmd.sh), ended after its nodes
_helpers=() # node types started with `start`, stopped at the end whatever happened
_at_exit=() # a test's own teardown (at_exit), run first, the last added first
at_exit() { _at_exit=("$1" "${_at_exit[@]}"); }
cleanup() {
	local p
	for p in "${_at_exit[@]}"; do eval "$p"; done
	for p in "${_helpers[@]}"; do "$KZLAUNCH" "$p" stop >/dev/null 2>&1; done
	for p in "${_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${_epmds[@]}"; do epmd_end $p; done
	rm -rf "$T"
}
trap cleanup EXIT

export KZLAUNCH_RUNDIR=$T/run KAZOO_ROOT=$RELROOT KAZOO_CONFIG=$T/config.ini
unset KAZOO_COOKIE KAZOO_NODE KAZOO_ZONE NODE_NAME_TYPE REL ACT

# Nothing here may meet a node it did not start: Kazoo's nodes may run on this machine, named
# kazoo_apps@HOST and ecallmgr@HOST, registered with its epmd (4369).  So every node, call
# and erl_call of a test uses an epmd of the tests' own: make check's (tests/isolate starts
# it and says its port in KZ_EPMD_PORT), or, for a .t run by hand, one of this file's own,
# ended at exit.  kzlaunch passes ERL_EPMD_PORT to the node (and its helper); erl_call and
# the VM's own epmd client read it too.
. "$(dirname "${BASH_SOURCE[0]}")/epmd.sh"
EPMD=$(epmd_bin "$RELROOT")
# own_epmd: an epmd of this test's own for what follows (ERL_EPMD_PORT), in EPMD_PID.
own_epmd() {
	epmd_spawn "$EPMD" "$@" || { printf '1..1\nnot ok 1 - an epmd of its own (%s)\n' "$EPMD"; exit 1; }
	_epmds+=("$EPMD_PID $EPMD_PORT")
	export ERL_EPMD_PORT=$EPMD_PORT
}
if [ -n "${KZ_EPMD_PORT:-}" ]; then
	export ERL_EPMD_PORT=$KZ_EPMD_PORT
else
	own_epmd
fi
# test_node REL: the name of this test's node of type REL: REL_kztestNN_PID (NN the test's
# number, PID its shell's), no installation's and no other test's.  It begins with REL as a
# Kazoo node's does: the demo's applications tell their node type by that (contrib/demo).
# KAZOO_NODE names the kazoo_apps node a test starts without -n; another type's is named
# with -n "$(test_node REL)", as a user would.
_kzt_num=$(basename "$0" | sed 's/[^0-9].*//')
test_node() { echo "${1}_kztest${_kzt_num:-0}_$$"; }
export KAZOO_NODE=$(test_node kazoo_apps)

write_config() { # write_config [COOKIE_KAZOO_APPS] [COOKIE_ECALLMGR]
	cat >"$T/config.ini" <<INI
[zone]
name = "local"

[kazoo_apps]
cookie = ${1:-test_cookie_apps}

[ecallmgr]
cookie = ${2:-test_cookie_ecallmgr}
INI
	chmod 0644 "$T/config.ini"
}

# The users the root tests run nodes as, made once and left for the next run.
ensure_users() {
	getent group kztest >/dev/null || groupadd --system kztest
	getent group kztest2 >/dev/null || groupadd --system kztest2
	getent passwd kztest >/dev/null ||
		useradd --system --gid kztest --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kztest
	getent passwd kzother >/dev/null ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kzother
}

# The support staff of the sup right's tests: two users of the group kzsupport.
ensure_sup_users() {
	getent group kzsupport >/dev/null || groupadd --system kzsupport
	local u
	for u in kzsup kzsup2; do
		getent passwd $u >/dev/null ||
			useradd --system -G kzsupport --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $u
	done
}
# as USER COMMAND...: COMMAND as USER, with USER's groups.
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }
# sleeping_calls [KZLAUNCH ARGS...]: how many of the node's processes sit in timer:sleep/1,
# as a call of kazoo_apps_maintenance:sleep does (asked through kzlaunch's eval, as root).
sleeping_calls() {
	"$KZLAUNCH" "$@" eval \
		'length([P || P <- processes(), process_info(P, current_function) =:= {current_function, {timer, sleep, 1}}]).'
}

write_policy() { # write_policy REL [EXTRA [node] LINES...]
	local rel=$1; shift
	{
		echo "[node]"
		echo "user = kztest"
		local l; for l in "$@"; do echo "$l"; done
		echo "[log]"
		echo "dir = $T/log"
	} >"$T/$rel.policy"
	export KZLAUNCH_POLICY=$T/$rel.policy
}

# Starts `kzlaunch REL foreground` in the background; NODE_PID is the VM (kzlaunch execs it).
# Waits for the node's "REL is up" line, at most 30 s.
start_fg() { # start_fg REL [kzlaunch args...]
	local rel=$1; shift
	: >"$T/$rel.out"
	"$KZLAUNCH" "$@" "$rel" foreground >"$T/$rel.out" 2>&1 &
	NODE_PID=$!
	_pids+=("$NODE_PID")
	wait_until 30 up_or_gone "$rel" "$T/$rel.out" "$NODE_PID"
	grep -q "$rel is up" "$T/$rel.out" && return 0
	diag "node $rel did not come up:" "$(cat "$T/$rel.out")"
	return 1
}

# up_or_gone REL OUT PID: the node's "REL is up" line is in OUT, or PID has ended (it never will).
up_or_gone() { grep -q "$1 is up" "$2" || ! kill -0 "$3" 2>/dev/null; }

stop_fg() { # stop_fg: SIGTERM and the exit status in NODE_STATUS
	kill -TERM "$NODE_PID"
	wait "$NODE_PID"
	NODE_STATUS=$?
	# Reaped: its pid may be another process's by the end, so cleanup must not kill it.
	local p keep=()
	for p in "${_pids[@]}"; do [ "$p" = "$NODE_PID" ] || keep+=("$p"); done
	_pids=("${keep[@]}")
}

# wait_for REGEX FILE [TRIES]: until FILE has a line matching, 0.1 s a try (30 s by default).
# The console log trails the console by up to a few tens of ms (it is written in batches).
wait_for() { wait_until $(((${3:-300} + 9) / 10)) grep -aqsE "$1" "$2"; }

# wait_until SECONDS COMMAND...: until COMMAND succeeds, 0.1 s a try, SECONDS at most; its
# status is COMMAND's last.  For an event a test waits for (a pid gone, a file made).
wait_until() {
	local secs=$1 i; shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}
# gone PID: the process has ended (a zombie has too: only its parent's wait is left).
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# reaped PID: not even a zombie is left (kill -0 fails): what was the node's is released.
reaped() { ! kill -0 "$1" 2>/dev/null; }

# An empty or non-numeric pid (a node that never came up) is nobody's: the helpers below say
# nothing for it rather than read /proc's own files or walk from the wrong process.
is_pid() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
status_field() { is_pid "$1" || return 1; awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"; }

# cookie_hits TEXT: how many processes this user can see hold TEXT in their argv or environ
# (each named in a diag line).
cookie_hits() {
	local p hits=0
	for p in /proc/[0-9]*; do
		if cat "$p/cmdline" "$p/environ" 2>/dev/null | tr '\0' '\n' | grep -qF "$1"; then
			hits=$((hits + 1)); diag "seen in $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" >&2
		fi
	done
	echo "$hits"
}

# Every process of a tree: the pid and its descendants.
proc_tree() {
	local p=$1 c
	is_pid "$p" || return 1
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do proc_tree "$c"; done
}

# erl_call with the node's private home as HOME: proves the cookie file holds the cookie.
erl_call_node() { # erl_call_node NODE MODULE FUNCTION [ARGS]
	"$ERL_CALL" -c "$COOKIE" -name "$1" -a "$2 $3 ${4:-[]}"
}

# notify_listen ADDR OUT: what systemd does with NOTIFY_SOCKET, in perl.  ADDR is a path or
# @name (abstract).  Each datagram becomes a line of OUT: "SECONDS MESSAGE registered=0|1",
# where registered says whether epmd knew $KAZOO_NODE at the moment the message arrived.
notify_listen() {
	local addr=$1 out=$2
	: >"$out"
	perl -MIO::Socket::UNIX -MIO::Socket::INET -MSocket -MTime::HiRes=time -e '
		my ($addr, $out, $name) = @ARGV;
		(my $bind = $addr) =~ s/^@/\0/;
		my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $bind) or die "$addr: $!\n";
		open my $fh, ">>", $out or die "$out: $!\n";
		$fh->autoflush(1);
		sub registered { # epmd NAMES_REQ: a 4-byte port, then "name N at port P" lines
			my $e = IO::Socket::INET->new(PeerAddr => "127.0.0.1:" . ($ENV{ERL_EPMD_PORT} || 4369)) or return 0;
			print $e pack("nC", 1, 110);
			local $/;
			my $r = <$e> // "";
			return substr($r, 4) =~ /^name \Q$name\E at port/m ? 1 : 0;
		}
		print $fh "listening\n";
		while (defined $s->recv(my $msg, 4096)) {
			printf $fh "%.3f %s registered=%d\n", time, $msg, registered();
		}
	' "$addr" "$out" "$KAZOO_NODE" &
	_pids+=("$!")
	wait_for '^listening$' "$out" 50
}

# start_notify ADDR OUT: `start` as systemd runs it.  Under NOTIFY_SOCKET the launcher execs
# kzlaunch-helper in place, so HPID, this shell's child, is the warden, systemd's main
# process; the helper is its child.  0 once READY=1 is in OUT.
start_notify() {
	NOTIFY_SOCKET=$1 "$KZLAUNCH" kazoo_apps start >"$T/start.out" 2>&1 &
	HPID=$!
	_pids+=("$HPID")
	wait_for ' READY=1 ' "$2" || { diag "no READY=1:" "$(cat "$2" "$T/start.out")"; return 1; }
}

# syslog_listen FILE: what a log daemon does with /dev/log, in perl: one line of FILE per
# datagram, until the test ends.  Only where no syslog daemon owns /dev/log (the caller
# checks); 1 when perl is missing or the listener did not come up.
syslog_listen() {
	command -v perl >/dev/null || return 1
	perl -MIO::Socket::UNIX -MSocket -e '
		my ($path, $out) = @ARGV;
		my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "$path: $!\n";
		chmod 0666, $path;
		open my $fh, ">>", $out or die "$out: $!\n";
		$fh->autoflush(1);
		print $fh "listening\n";
		while (defined $s->recv(my $msg, 4096)) { print $fh "$msg\n" }
	' /dev/log "$1" &
	_syslog_listener=$!
	_pids+=("$_syslog_listener")
	at_exit _syslog_stop
	wait_for '^listening$' "$1" 50
}
_syslog_stop() { kill "$_syslog_listener" 2>/dev/null; wait "$_syslog_listener" 2>/dev/null; rm -f /dev/log; }
