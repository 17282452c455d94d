#!/bin/sh
# Instructions the xsocket core adds per call, counted by callgrind in user
# space only (the kernel's work is not counted, so it cancels by itself):
# each variant of core_overhead runs alone (--only) with a fixed iteration
# count, collection on inside measured() only (set-up and the warm-up stay
# out), and with every symbol bound at start (LD_BIND_NOW), so that
#   added per call = (Ir(xsocket variant) - Ir(raw variant)) / iterations / calls
# where calls is the number of library calls per iteration.
# Usage: perf/callgrind.sh [PATH/TO/core_overhead [ITERATIONS]]
set -eu

bin=${1:-build/perf/core_overhead}
iterations=${2:-2000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -x "$bin" ] || { echo "callgrind.sh: no executable at $bin" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 2; }

# ir VARIANT: the instructions executed inside measured() for VARIANT.
ir() {
	out="$tmp/$1.callgrind"
	if ! LD_BIND_NOW=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
		--collect-atstart=no --toggle-collect=measured \
		"$bin" --only "$1" --iterations "$iterations" >"$tmp/$1.log" 2>&1; then
		cat "$tmp/$1.log" >&2
		exit 1
	fi
	sed -n 's/^summary: *//p' "$out"
}

# compare WHAT XS RAW CALLS: one line of the table.
compare() {
	xs=$(ir "$2")
	raw=$(ir "$3")
	awk -v what="$1" -v xs="$xs" -v raw="$raw" -v n="$iterations" -v calls="$4" 'BEGIN {
		printf "%-30s %10.1f %10.1f %14.1f\n", what, xs / n, raw / n, (xs - raw) / n / calls
	}'
}

echo "user-space instructions, $iterations iterations per variant"
printf "%-30s %10s %10s %14s\n" "operation" "xs Ir/op" "raw Ir/op" "added/call"
compare "udp send+recv (2 calls)" xs-udp raw-udp 2
compare "recv, timeout 1.0 vs recv" xs-timeout raw-recv 1
compare "recv, timeout 1.0 vs poll+recv" xs-timeout raw-poll 1
compare "sendall 64 KiB" xs-sendall raw-sendall 1
