#!/usr/bin/env bash
# The seccomp filters of the helper, its warden and its broker, tried by tests/tools/filtertest: every
# path each takes under its filter lives; every call it must never make kills it with SIGSYS.
# No root needed.
. "$(dirname "$0")/lib.sh"

FILTERTEST=$KZ_BUILD/tests/tools/filtertest
[ -x "$FILTERTEST" ] || skip_all "$FILTERTEST not built"
SIGSYS=$(kill -l SYS)

# try MODE WANT DESCRIPTION: runs one mode, shows the child's stderr when it disagrees
try() {
	local got
	got=$("$FILTERTEST" "$1" 2>"$T/err")
	is "$got" "$2" "$1: $3"
	[ "$got" = "$2" ] || [ ! -s "$T/err" ] || diag "$(cat "$T/err")"
}

try allowed "exited 0" "the helper's calls (pipe, poll, pty, sockets, log rotation, kill node) live"
try abort "signal $(kill -l ABRT)" "abort() still ends the process with SIGABRT"

while read -r mode why; do
	try "$mode" "signal $SIGSYS" "$why"
done <<'MODES'
execve           execve is killed
ptrace           ptrace(PTRACE_TRACEME) is killed
kill-other       kill of another process is killed
kill-sigusr2     kill of the node with another signal is killed
tgkill-other     tgkill of another process is killed
setuid           setuid is killed
mprotect-exec    mprotect(PROT_EXEC) is killed
mmap-exec        mmap(PROT_EXEC) is killed
tiocsti          ioctl(TIOCSTI) on the pty is killed
socket-inet6     socket(AF_INET6) is killed
fcntl-dupfd      fcntl(F_DUPFD_CLOEXEC) is killed
getsockopt-other getsockopt(SO_RCVBUF) is killed
unlink           unlink (not unlinkat) is killed
MODES

try warden-allowed "exited 0" "the warden's calls (poll, channel, notify, reap, lock, remove the socket) live"
try warden-abort "signal $(kill -l ABRT)" "abort() still ends the warden with SIGABRT"
while read -r mode why; do
	try "$mode" "signal $SIGSYS" "$why"
done <<'MODES'
warden-execve      warden: execve is killed
warden-ptrace      warden: ptrace is killed
warden-setuid      warden: setuid is killed
warden-mmap-exec   warden: mmap(PROT_EXEC) is killed
warden-kill        warden: kill, even of the helper, is killed
warden-socket      warden: a new socket (uid 0 could reach root-only daemons) is killed
warden-sendto-addr warden: sendto with an address is killed
warden-openat      warden: opening any file is killed
warden-read-other  warden: read from another descriptor than its signalfd is killed
warden-wait-other  warden: waiting for any child but the helper is killed
MODES

try broker-allowed "exited 0" "the broker's calls (NSS's lookup, /proc for the port's owner, getifaddrs, connect, pass on the channel) live"
try broker-abort "signal $(kill -l ABRT)" "abort() still ends the broker with SIGABRT"
while read -r mode why; do
	try "$mode" "signal $SIGSYS" "$why"
done <<'MODES'
broker-execve        broker: execve is killed
broker-ptrace        broker: ptrace is killed
broker-setuid        broker: setuid is killed
broker-mmap-exec     broker: mmap(PROT_EXEC) is killed
broker-kill          broker: kill, even of the node, is killed
broker-open-write    broker: opening a file to write or create is killed
broker-open-trunc    broker: O_RDONLY|O_TRUNC (which truncates) is killed
broker-sendmsg-other broker: sendmsg on another socket than its channel is killed
broker-socket-packet broker: a packet socket is killed
broker-netlink-other broker: netlink other than the route family is killed
broker-unlinkat      broker: removing a file is killed
MODES

# Nothing is left behind: the temporary folders are removed even when the child dies.
left=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'filtertest.*' -newer "$T" 2>/dev/null | wc -l)
is "$left" 0 "no temporary folder left behind"

done_testing
