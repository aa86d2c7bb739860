# epmd.sh: an epmd of the tests' own, on a free port (sourced by tests/isolate and lib.sh).
# The machine's epmd (4369) may hold a live installation's nodes: the tests never ask it,
# kill it or restart it.  Never -daemon: a daemon's pid is lost, and only a pid we hold may
# be killed.

# epmd_spawn BIN [PORT]: BIN (an epmd) listening on PORT, or on a free port of 12000-19999
# (below Linux's ephemeral ports, above Kazoo's distribution range 11500-11999); sets
# EPMD_PID and EPMD_PORT.  Fails, with a line on stderr, when it cannot.  It is started
# from a subshell, so it is not this shell's child: a test's bare `wait` (for all of its
# children) must not wait for it.
epmd_spawn() {
	local bin=$1 want=${2:-} port try i
	EPMD_PID= EPMD_PORT=
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=${want:-$((12000 + (RANDOM * 32768 + RANDOM) % 8000))}
		if [ -z "$want" ] && [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then continue; fi
		EPMD_PID=$("$bin" -port "$port" </dev/null >/dev/null 2>&1 & echo $!)
		# It listens at once, or ends at once (another took the port meanwhile).
		for ((i = 0; i < 50; i++)); do
			if ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$EPMD_PID,"; then
				EPMD_PORT=$port
				return 0
			fi
			kill -0 "$EPMD_PID" 2>/dev/null || break # (it may not have exec'd epmd yet)
			sleep 0.1
		done
		epmd_end "$EPMD_PID" "$port"
		EPMD_PID=
		[ -n "$want" ] && break
	done
	echo "epmd: no port to listen on${want:+ (wanted $want)}" >&2
	return 1
}

# epmd_is PID PORT: PID is still the epmd epmd_spawn started on PORT (not a zombie, nor a
# process that took the pid since).
epmd_is() {
	local cmd
	[ -n "$1" ] || return 1
	grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 1
	cmd=$( { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null) || return 1
	[[ $cmd == *"epmd -port $2 " ]]
}

# epmd_end PID PORT: ends the epmd epmd_spawn started on PORT, if it is still that one.
epmd_end() {
	local i
	epmd_is "$1" "$2" || return 0
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 50; i++)); do epmd_is "$1" "$2" || return 0; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	return 0
}

# epmd_bin RELROOT: the release's own epmd, else the one on PATH.
epmd_bin() {
	local b
	b=$(ls "$1"/erts-*/bin/epmd 2>/dev/null | head -n 1)
	[ -n "$b" ] || b=$(command -v epmd)
	echo "$b"
}
