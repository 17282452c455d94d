#!/bin/sh
# Build the libFuzzer targets with clang (ASan+UBSan) and run every target
# the build produced, each for a bounded time: tools/fuzz.sh
# [SECONDS_PER_TARGET] (default 8). Prints "N passed, N failed"; a crash
# leaves its input in build-fuzz/crashes/ to reproduce with
# build-fuzz/tests/fuzz/TARGET FILE.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-8}
if ! command -v clang >/dev/null; then
	echo "fuzz: clang is not installed (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
	-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-fuzz >/dev/null
mkdir -p build-fuzz/crashes
passed=0
failed=0
for exe in build-fuzz/tests/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	target=$(basename "$exe")
	corpus=build-fuzz/corpus/$target
	seeds=tests/fuzz/seeds/$target
	mkdir -p "$corpus"
	[ -d "$seeds" ] || seeds=
	if UBSAN_OPTIONS=halt_on_error=1 "$exe" -max_total_time="$seconds" \
		-artifact_prefix=build-fuzz/crashes/"$target"- \
		"$corpus" $seeds >"build-fuzz/$target.log" 2>&1; then
		echo "fuzz: $target: $(grep -o 'Done [0-9]* runs' "build-fuzz/$target.log")"
		passed=$((passed + 1))
	else
		echo "fuzz: $target FAILED:" >&2
		tail -n 30 "build-fuzz/$target.log" >&2
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
echo "$passed passed, $failed failed" >build-fuzz/summary.txt
[ "$failed" -eq 0 ]
