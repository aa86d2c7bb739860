#!/usr/bin/env bash
# The tests an ordinary user can run, run by one: make check runs as root (CI does), where
# 01, 10, 20 and 40 take their root paths, so this runs them again as kzcaller, a user with
# no right to anything, to prove a contributor without root meets real nodes too (the node
# as its caller, no policy; start, attach, status and stop by the caller).
. "$(dirname "$0")/lib.sh"
need_root
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"
TESTS=(01-cli.t 10-foreground.t 20-console.t 40-helper.t)

getent group kzcaller >/dev/null || groupadd --system kzcaller
getent passwd kzcaller >/dev/null ||
	useradd --system --gid kzcaller --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kzcaller
# Its own HOME; the tests themselves copied where it can read them (a clone under root's
# 0700 home is out of its reach, as is the demo's: scripts/demo-place keeps the build and the
# release outside such a clone).
install -d -o kzcaller -g kzcaller -m 0700 "$T/home"
mkdir -p "$T/tests/t"
cp "$TOP"/tests/t/lib.sh "$TOP"/tests/t/epmd.sh "${TESTS[@]/#/$TOP/tests/t/}" "$T/tests/t/"
chmod -R a+rX "$T/tests"
as_caller() { setpriv --reuid=kzcaller --regid=kzcaller --init-groups "$@"; }
# A test that failed half-way may leave its node behind: kzcaller is this test's own user,
# so whatever of it is left is.
kzcaller_left() { local p; for p in /proc/[0-9]*; do [ "$(stat -c %U "$p" 2>/dev/null)" = kzcaller ] && echo "${p#/proc/}"; done; }
at_exit 'kill -KILL $(kzcaller_left) 2>/dev/null' 
for f in "$KZLAUNCH" "$RELROOT/releases/start_erl.data"; do
	as_caller test -r "$f" || skip_all "kzcaller cannot read $f: the build must be where any user can read it"
done

# Each runs with this test's epmd (lib.sh), never one of the machine's.
for t in "${TESTS[@]}"; do
	as_caller env -i PATH="$PATH" HOME="$T/home" ${LANG:+LANG=$LANG} KZ_BUILD="$KZ_BUILD" KZ_RELROOT="$KZ_RELROOT" \
		KZ_EPMD_PORT="$ERL_EPMD_PORT" ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
		${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
		timeout 600 bash "$T/tests/t/$t" >"$T/$t.tap" 2>"$T/$t.err"
	rc=$?
	# The one skip that is not ours to judge: a policy installed meanwhile (a package test
	# elsewhere on the machine) would apply, so the test rightly skipped as a whole.
	why=$(sed -n '1s|^1\.\.0 # SKIP \(/etc/kzlaunch/.* exists.*\)|\1|p' "$T/$t.tap")
	if [ -n "$why" ]; then
		for i in 1 2 3 4; do skip "$t as kzcaller: $why"; done
		continue
	fi
	ran=$(grep -cE '^ok [0-9]+ - ' "$T/$t.tap")
	failed=$(grep -cE "^not ok " "$T/$t.tap")
	is "$rc" 0 "$t as kzcaller: exit 0"
	is "$failed" 0 "$t as kzcaller: no test fails"
	[ "$failed" -gt 0 ] && { grep -E '^not ok ' -A 2 "$T/$t.tap"; tail -n 5 "$T/$t.err"; } | sed 's/^/# /' 
	check "$t as kzcaller: runs tests, not only skips ($ran ran)" -- [ "$ran" -gt 5 ]
	unlike "$(head -n 1 "$T/$t.tap")" '^1\.\.0' "$t as kzcaller: not skipped whole"
done

done_testing
