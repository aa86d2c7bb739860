# epmd.sh: an epmd of the tests' own, on a free port (sourced by tests/isolate and lib.sh).
# The machine's epmd (4369) may hold a live installation's nodes: the tests never ask it,
# kill it or restart it.  Never -daemon: a daemon's pid is lost, and only a pid we hold may
# be killed.

# epmd_spawn BIN [PORT]: BIN (an epmd) listening on PORT, or on a free port of 12000-19999
# (below Linux's ephemeral ports, above Kazoo's distribution range 11500-11999), in the
# background; sets EPMD_PID and EPMD_PORT.  Fails, with a line on stderr, when it cannot.
epmd_spawn() {
	local bin=$1 want=${2:-} port try i
	EPMD_PID= EPMD_PORT=
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=${want:-$((12000 + (RANDOM * 32768 + RANDOM) % 8000))}
		if [ -z "$want" ] && [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then continue; fi
		"$bin" -port "$port" </dev/null >/dev/null 2>&1 &
		EPMD_PID=$!
		# It listens at once, or ends at once (another took the port meanwhile).
		for ((i = 0; i < 50; i++)); do
			if ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$EPMD_PID,"; then
				EPMD_PORT=$port
				return 0
			fi
			kill -0 "$EPMD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$EPMD_PID" 2>/dev/null
		wait "$EPMD_PID" 2>/dev/null
		EPMD_PID=
		[ -n "$want" ] && break
	done
	echo "epmd: no port to listen on${want:+ (wanted $want)}" >&2
	return 1
}

# epmd_end PID: ends an epmd epmd_spawn started, and reaps it (it is this shell's child).
epmd_end() {
	local i
	[ -n "${1:-}" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for ((i = 0; i < 50; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
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
