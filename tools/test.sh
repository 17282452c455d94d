#!/bin/sh
# The whole test suite: the normal build, then the same suites built with
# AddressSanitizer and UndefinedBehaviorSanitizer, then each libFuzzer
# target for 20 seconds. Ends with one line
# "N passed, N failed, N skipped" counting individual tests.
set -eu
cd "$(dirname "$0")/.."
status=0
tools/build.sh build
meson test -C build --print-errorlogs --num-processes 2 >/dev/null || status=1
tools/build.sh build-sanitize -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-sanitize --print-errorlogs --num-processes 2 >/dev/null || status=1
tools/fuzz.sh 12 || status=1
python3 tools/test_summary.py build/meson-logs/testlog.json \
	build-sanitize/meson-logs/testlog.json build-fuzz/summary.txt || status=1
exit $status
