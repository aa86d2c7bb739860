#!/usr/bin/env bash
# Runs every libFuzzer harness built in KZ_FUZZ_BUILD (make fuzz) for FUZZ_SECONDS each, from
# its seed corpus (tests/fuzz/corpus/NAME, never written to: new inputs go to the build's own
# corpus folder) and dictionary (NAME.dict).  One TAP line a harness, with its executions and
# coverage; a crash, a leak or a timeout is a failure, its input kept as crash-NAME-*.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${KZ_FUZZ_BUILD:?set KZ_FUZZ_BUILD (make fuzz does)}
seconds=${FUZZ_SECONDS:-20}
bins=()
for b in "$build"/tests/fuzz/*; do
	[[ -x $b && ! $b == *.o ]] && bins+=("$b")
done
[ ${#bins[@]} -gt 0 ] || { echo "1..0 # SKIP no harness built in $build"; exit 0; }
echo "1..${#bins[@]}"
n=0 failed=0
for b in "${bins[@]}"; do
	name=${b##*/} n=$((n + 1))
	work=$build/corpus/$name log=$build/$name.log
	mkdir -p "$work"
	dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	# Twice the run and a minute more: a harness that hangs past that has failed.
	timeout $((seconds * 2 + 60)) "$b" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$build/crash-$name-" "${dict[@]}" \
		"$work" "$here/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $name: ${execs:-?} executions in ${seconds}s, ${cov:-cov: ?}, nothing found"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name: exit $rc after ${execs:-?} executions (log: $log)"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5 | sed 's/^/# /'
	fi
done
exit $((failed > 254 ? 254 : failed))
