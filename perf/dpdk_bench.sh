#!/bin/bash
# dpdk_bench.sh — the dpdk transport's echo benchmarks, side by side in one
# run, reported as ratios against the goals (perf/README.md, "dpdk echo").
# Not a test: it measures, it does not pass or fail.
#
#   perf/dpdk_bench.sh [BUILD_DIR] [options]      (root; BUILD_DIR default build/)
#
# Part "memif" — the socket API against DPDK's own forwarder, on one
# net_memif link between two processes (no kernel, no testbed):
#
#   xsocket   `xsocket echo server --udp` over dpdk (memif role=server,
#             198.18.1.1, a permanent neighbour for the generator through
#             dpdk.neighbours): receives in batches of 32, copies every
#             payload into a socket buffer, demultiplexes, builds new
#             Ethernet/IPv4/UDP headers with checksums, sends
#   testpmd   dpdk-testpmd --forward-mode=macswap in its place: swaps the
#             MAC addresses and sends the same mbuf back
#
#   The generator is one dpdk-testpmd (memif role=client) whose frames are
#   txonly's (--tx-ip=198.18.1.2,198.18.1.1 --tx-udp=9000,9000
#   --eth-peer=0,<echo MAC>, 64 bytes). txonly alone never reads its RX
#   queue (app/test-pmd/txonly.c has no rx_burst), so its RX counters stay
#   at 0 on memif and the echoes fill the ring back until the echo side
#   can send no more. So the generator runs in interactive mode,
#   `start tx_first W`: W bursts of 32 txonly frames, then 5tswap (swap
#   MAC, IP and UDP source and destination) sends every echo straight
#   back: a closed loop with 32*W frames in flight, as fast as the slower
#   side goes. The figure is the generator's RX rate ("show port stats
#   all": Rx-pps between two snapshots DURATION apart, after WARMUP s).
#   The generator runs on CPU 0, the echo side on the last CPU; testpmd's
#   two lcores (main and forwarding) share the CPU of their side.
#
# Part "veth" — the transport against the kernel on the two-host testbed
# (tests/netns/testbed.sh), `xsocket echo client` one message at a time
# (--flood: the next as soon as the echo is back, so the rate is one over
# the round trip; --rate R: a fixed rate, for the round trip at a
# moderate load):
#
#   kernel    server and client over the kernel (a normal testbed)
#   dpdk      server over dpdk on vB (net_af_xdp, owning 198.18.0.2, bare
#             testbed) and client over dpdk on vA (net_af_xdp, 198.18.0.1):
#             the same transport at both ends
#   mixed     kernel client in xs-NAME-a, dpdk server on vB
#
#   The client runs on CPU 0, the server on the last CPU.
#
# Every process runs under timeout(1); the script kills only the processes
# it started, removes its testbeds (named dk<PID in hex> and dd<PID>), its
# memif sockets (/tmp/xs-dperf-<PID>-*.sock), its FIFOs and the EAL
# runtime directories of its testpmd instances (dperf-*-<PID>) on exit and
# on a signal; a run that was killed has them swept by the next run.
set -u

usage() {
	cat <<EOF
usage: perf/dpdk_bench.sh [BUILD_DIR] [options]
  BUILD_DIR          meson build directory (default build/)
  --duration S       seconds measured per contender and run (default 10)
  --warmup S         memif: seconds of traffic before the measurement (default 2)
  --window W         memif: bursts of 32 frames in flight (default 16: 512 frames)
  --rate PPS         veth: the fixed rate of the latency runs (default 10000)
  --rounds R         rounds, contenders in alternating order (default 1); medians
  --only LIST        memif,veth (default both)
  --json             the report as JSON on stdout (progress on stderr)
  --keep DIR         keep the raw outputs of every run in DIR
  --quiet-wait S     before each run, wait up to S s (default 60) for the rest of
                     the machine to use less than 0.2 CPU (0: do not wait); the
                     report shows what was busy when a run started anyway
  -h, --help         this text
Environment: TESTPMD (default dpdk-testpmd), XSOCKET_LOG (default error),
ECHO_WRAP: a command the memif xsocket echo server runs under, to see where
its time goes (e.g. "perf record -e cpu-clock -o /tmp/echo.data --").
EOF
}

die() {
	echo "dpdk_bench: $*" >&2
	exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build
duration=10
warmup=2
window=16
rate=10000
rounds=1
only=memif,veth
json=0
keep=
quiet_wait=60
QUIET=0.2

posint() { # NAME VALUE
	case "$2" in
	"" | *[!0-9]* | 0*) die "$1: '$2' is not a positive integer" ;;
	esac
}

while [ "$#" -gt 0 ]; do
	case "$1" in
	--duration) duration=${2-} && posint --duration "$duration" && shift ;;
	--warmup) warmup=${2-} && posint --warmup "$warmup" && shift ;;
	--window) window=${2-} && posint --window "$window" && shift ;;
	--rate) rate=${2-} && posint --rate "$rate" && shift ;;
	--rounds) rounds=${2-} && posint --rounds "$rounds" && shift ;;
	--only) only=${2-} && shift ;;
	--json) json=1 ;;
	--quiet-wait)
		quiet_wait=${2-}
		case "$quiet_wait" in
		"" | *[!0-9]*) die "--quiet-wait: '$quiet_wait' is not a number of seconds" ;;
		esac
		shift
		;;
	--keep)
		keep=${2-}
		[ -n "$keep" ] || die "--keep needs a directory"
		shift
		;;
	-h | --help) usage && exit 0 ;;
	-*) usage >&2 && exit 2 ;;
	*) build=$1 ;;
	esac
	shift
done
[ "$window" -le 30 ] || die "--window: at most 30 bursts (960 frames: the memif ring holds 1024)"
case ",$only," in
*,memif,* | *,veth,*) ;;
*) die "--only: memif, veth or memif,veth" ;;
esac
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

XS=$build/apps/xsocket/xsocket
TESTBED=$root/tests/netns/testbed.sh
TESTPMD=${TESTPMD:-dpdk-testpmd}
REPORT=$here/dpdk_bench_report.py
export XSOCKET_LOG=${XSOCKET_LOG:-error}
ECHO_WRAP=${ECHO_WRAP:-}

[ "$(id -u)" -eq 0 ] || die "run as root (network namespaces, AF_XDP, /var/run/dpdk)"
[ -x "$XS" ] || die "no $XS: build first (meson setup $build && ninja -C $build)"
"$XS" info 2>/dev/null | grep -q '^transports built in:.* dpdk' ||
	die "$XS has no dpdk transport (meson setup says why: libdpdk missing?)"
command -v python3 >/dev/null || die "python3 not found (the report needs it)"
if want memif; then
	command -v "$TESTPMD" >/dev/null || die "$TESTPMD not found (apt-get install dpdk)"
fi
for t in timeout taskset mkfifo ip; do
	command -v "$t" >/dev/null || die "$t not found"
done

ncpu=$(nproc)
GEN_CPU=0
ECHO_CPU=$((ncpu - 1))
[ "$ncpu" -ge 2 ] || echo "dpdk_bench: one CPU only: generator and echo side share it" >&2

hex=$(printf %x $$)
TB_K=dk$hex # normal testbed: the kernel at both ends
TB_D=dd$hex # bare testbed: the dpdk stack owns 198.18.0.2
SOCK_PREFIX=/tmp/xs-dperf-$$
SERVER_MAC=02:00:00:00:00:01
GEN_MAC=02:00:00:00:00:02
EAL_RUNDIR=/var/run/dpdk

work=$(mktemp -d "${TMPDIR:-/tmp}/dpdk-bench.XXXXXX") || die "mktemp failed"
manifest=$work/manifest
: >"$manifest"
pids="" # the timeout(1) wrappers of what runs now
xs_pids="" # xsocket processes started, for their runtime directories

log() {
	echo "dpdk_bench: $*" >&2
}

# ---- processes ----

track() { pids="$pids $1"; }
untrack() {
	local p out=""
	for p in $pids; do
		[ "$p" = "$1" ] || out="$out $p"
	done
	pids=$out
}

# TERM, up to 5 s, then KILL; the status of PID (timeout(1) passes its
# child's on).
stop_pid() {
	local i=0
	kill -TERM "$1" 2>/dev/null
	while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	local rc=$?
	untrack "$1"
	return "$rc"
}

gone() { ! kill -0 "$1" 2>/dev/null; }

# wait_for SECONDS CMD...: CMD every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# The xsocket process under timeout(1) pid $1 (timeout's child; the
# testbed's `ip netns exec` and `sh` exec into it).
note_child() {
	local c
	c=$(pgrep -P "$1" 2>/dev/null | head -n 1)
	[ -n "$c" ] && xs_pids="$xs_pids $c"
}

remove_rundirs() {
	local p
	for p in $xs_pids; do
		gone "$p" && rmdir "$EAL_RUNDIR/xsocket-$p" 2>/dev/null
	done
	rm -rf "$EAL_RUNDIR/dperf-gen-$$" "$EAL_RUNDIR/dperf-echo-$$"
}

# Leftovers of runs that were killed: testbeds, sockets, runtime dirs.
sweep() {
	local f n pid
	for f in /run/netns/xs-dk* /run/netns/xs-dd*; do
		[ -e "$f" ] || continue
		n=${f#/run/netns/xs-}
		n=${n%-?}
		case "${n#d?}" in "" | *[!0-9a-f]*) continue ;; esac
		pid=$((16#${n#d?}))
		[ "$pid" != $$ ] && gone "$pid" && "$TESTBED" down "$n" 2>/dev/null
	done
	for f in /tmp/xs-dperf-*.sock "$EAL_RUNDIR"/dperf-gen-* "$EAL_RUNDIR"/dperf-echo-*; do
		[ -e "$f" ] || continue
		pid=${f##*-}
		pid=${pid%%.*}
		case "$pid" in "" | *[!0-9]*) continue ;; esac
		[ "$pid" != $$ ] && gone "$pid" && rm -rf "$f"
	done
}

cleanup() {
	local p
	exec 7>&- 2>/dev/null
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.5
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=""
	"$TESTBED" down "$TB_K" 2>/dev/null
	"$TESTBED" down "$TB_D" 2>/dev/null
	rm -f "$SOCK_PREFIX"-*.sock
	remove_rundirs
	if [ -n "$keep" ]; then
		mkdir -p "$keep" && cp -r "$work"/. "$keep"/ && log "raw outputs in $keep"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sweep

# ---- a quiet machine ----

# CPUs busy (user, nice, system, irq, softirq) over the next second, from
# /proc/stat: what else runs while nothing of ours does.
busy_cpus() {
	local a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	awk -v a="$a" -v b="$b" -v n="$ncpu" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "%.2f", (y[2] > x[2] ? (y[1] - x[1]) / (y[2] - x[2]) * n : 0) }'
}

# Busy jiffies of all CPUs, and those of some processes (all their threads).
stat_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
pid_jiffies() {
	local p v t=0
	for p in "$@"; do
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# PID's descendants (a wrapper's command, and what that runs in turn).
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# Wait up to quiet_wait seconds for the machine to be quiet; sets busy to
# what was busy at the end (the run goes ahead either way).
quiet() {
	local t=0
	busy=$(busy_cpus)
	while [ "$t" -lt "$quiet_wait" ] && awk -v b="$busy" -v q="$QUIET" 'BEGIN { exit !(b >= q) }'; do
		[ "$t" -eq 0 ] && log "waiting up to ${quiet_wait} s for a quiet machine ($busy CPUs busy)"
		busy=$(busy_cpus)
		t=$((t + 1))
	done
}

# ---- part 1: memif, against testpmd ----

MEMIF_VDEV=net_memif0,socket-abstract=no
TESTPMD_EAL="--no-huge -m 256 --no-pci --no-telemetry --log-level=lib.eal:error"
# One forwarding core, one queue, bursts of 32; testpmd's default pool
# (155456 mbufs) does not fit in -m 256 without hugepages.
TESTPMD_FWD="--nb-cores=1 --rxq=1 --txq=1 --burst=32 --total-num-mbufs=8192"

# The echo side of run $1 on socket $2, in the background; sets echo_pid.
memif_echo() {
	local who=$1 sock=$2 out=$3 total=$4
	if [ "$who" = xsocket ]; then
		# shellcheck disable=SC2086 # ECHO_WRAP is words
		env XSOCKET_TRANSPORT=inet=dpdk \
			XSOCKET_DPDK_EAL="--no-pci --vdev=$MEMIF_VDEV,role=server,socket=$sock,mac=$SERVER_MAC" \
			XSOCKET_DPDK_IPV4=198.18.1.1/24 XSOCKET_DPDK_NEIGHBOURS="198.18.1.2=$GEN_MAC" \
			timeout -k 3 "$total" taskset -c "$ECHO_CPU" $ECHO_WRAP "$XS" echo server --udp \
			--bind 198.18.1.1 --port 9000 --duration "$total" --json \
			>"$out.echo.json" 2>"$out.echo.err" </dev/null &
		echo_pid=$!
	else
		# shellcheck disable=SC2086 # TESTPMD_EAL is words
		timeout -k 3 "$total" taskset -c "$ECHO_CPU" stdbuf -oL "$TESTPMD" $TESTPMD_EAL \
			--file-prefix "dperf-echo-$$" --lcores="0@$ECHO_CPU,1@$ECHO_CPU" \
			--vdev="$MEMIF_VDEV,role=server,socket=$sock,mac=$SERVER_MAC" -- \
			--forward-mode=macswap $TESTPMD_FWD --stats-period=1 >"$out.echo.out" 2>&1 </dev/null &
		echo_pid=$!
	fi
	track "$echo_pid"
}

# The generator, reading commands from FIFO $2; sets gen_pid.
memif_gen() {
	local sock=$1 fifo=$2 out=$3 total=$4
	# shellcheck disable=SC2086
	timeout -k 3 "$total" taskset -c "$GEN_CPU" stdbuf -oL "$TESTPMD" $TESTPMD_EAL \
		--file-prefix "dperf-gen-$$" --lcores="0@$GEN_CPU,1@$GEN_CPU" \
		--vdev="$MEMIF_VDEV,role=client,socket=$sock,mac=$GEN_MAC" -- \
		-i --forward-mode=5tswap $TESTPMD_FWD --txpkts=64 --tx-ip=198.18.1.2,198.18.1.1 \
		--tx-udp=9000,9000 --eth-peer="0,$SERVER_MAC" \
		<"$fifo" >"$out.gen.out" 2>&1 &
	gen_pid=$!
	track "$gen_pid"
}

# One contender (xsocket or testpmd) of round $2. Appends to the manifest.
memif_run() {
	local who=$1 r=$2
	local out=$work/memif-$who-$r sock=$SOCK_PREFIX-$who-$r.sock fifo=$work/gen-$who-$r.fifo
	local total=$((warmup + duration + 25)) status=ok busy others="" b0 m0 mine
	quiet
	log "memif: $who echo, round $r: ${warmup} s warm-up, ${duration} s measured"
	rm -f "$sock"
	memif_echo "$who" "$sock" "$out" "$total"
	[ "$who" = xsocket ] && sleep 0.2 && note_child "$echo_pid"
	if ! wait_for 15 test -S "$sock"; then
		status="no memif socket from the echo side within 15 s"
	else
		mkfifo "$fifo" || die "mkfifo $fifo failed"
		memif_gen "$sock" "$fifo" "$out" "$total"
		exec 7>"$fifo"
		if ! wait_for 30 grep -q 'testpmd> ' "$out.gen.out"; then
			status="the generator never showed its prompt"
		elif [ "$who" = xsocket ] &&
			! wait_for 10 grep -q '^listening on' "$out.echo.err"; then
			status="the xsocket echo server never listened (link not up?)"
		else
			[ "$who" = testpmd ] && sleep 1 # its link comes up with the client
			echo "start tx_first $window" >&7
			sleep "$warmup"
			mine="$(descendants "$echo_pid") $(descendants "$gen_pid")"
			b0=$(stat_busy)
			# shellcheck disable=SC2086 # mine is words
			m0=$(pid_jiffies $mine)
			echo "show port stats all" >&7
			sleep "$duration"
			echo "show port stats all" >&7
			# what the rest of the machine used meanwhile, in CPUs
			# shellcheck disable=SC2086
			others=$(awk -v b="$(($(stat_busy) - b0))" -v m="$(($(pid_jiffies $mine) - m0))" \
				-v hz="$HZ" -v d="$duration" 'BEGIN { printf "%.2f", (b - m) / hz / d }')
			sleep 0.5
			echo "stop" >&7
			sleep 0.5
			echo "quit" >&7
		fi
		exec 7>&-
		# quit, or EOF on its stdin, ends it; timeout(1) bounds it anyway
		wait_for 15 gone "$gen_pid"
		stop_pid "$gen_pid"
		rm -f "$fifo"
	fi
	stop_pid "$echo_pid"
	rm -f "$sock"
	rm -rf "$EAL_RUNDIR/dperf-gen-$$" "$EAL_RUNDIR/dperf-echo-$$"
	printf 'memif\t%s\t-\t%s\t%s\t%s\t%s\t%s\n' "$who" "$r" "${out##*/}" "$busy" "$others" "$status" \
		>>"$manifest"
	[ "$status" = ok ] || log "memif: $who, round $r: $status"
}

# ---- part 2: veth, against the kernel ----

# env(1) arguments for one end, one a line: TRANSPORT(kernel|dpdk) IFACE ADDRESS
end_env() {
	if [ "$1" = kernel ]; then
		printf '%s\n' -u XSOCKET_TRANSPORT
	else
		printf '%s\n' XSOCKET_TRANSPORT=inet=dpdk \
			"XSOCKET_DPDK_EAL=--no-pci --vdev=net_af_xdp0,iface=$2" "XSOCKET_DPDK_IPV4=$3/24"
	fi
}

# One case (kernel|dpdk|mixed), mode (flood|rate), round. Appends to the manifest.
veth_run() {
	local case=$1 mode=$2 r=$3
	local out=$work/veth-$case-$mode-$r total=$((duration + 25)) status=ok
	local tb=$TB_D stype=dpdk ctype=dpdk server client opts busy
	case "$case" in
	kernel) tb=$TB_K stype=kernel ctype=kernel ;;
	mixed) ctype=kernel ;;
	esac
	if [ "$mode" = flood ]; then opts=--flood; else opts="--rate $rate"; fi
	quiet
	log "veth: $case ($ctype client, $stype server), $mode, round $r: ${duration} s"
	mapfile -t server < <(end_env "$stype" vB 198.18.0.2)
	mapfile -t client < <(end_env "$ctype" vA 198.18.0.1)
	timeout -k 3 "$total" "$TESTBED" exec "$tb" b env "${server[@]}" \
		taskset -c "$ECHO_CPU" "$XS" echo server --udp --bind 198.18.0.2 --port 9000 \
		--duration "$total" --json >"$out.server.json" 2>"$out.server.err" </dev/null &
	local spid=$!
	track "$spid"
	sleep 0.2
	note_child "$spid"
	if ! wait_for 20 grep -q '^listening on' "$out.server.err"; then
		status="the server never listened: $(grep -v '^listening' "$out.server.err" | head -n 2 | tr '\n' ' ')"
	else
		# shellcheck disable=SC2086 # opts is words
		timeout -k 3 "$total" "$TESTBED" exec "$tb" a env "${client[@]}" \
			taskset -c "$GEN_CPU" "$XS" echo client --udp --host 198.18.0.2 --port 9000 \
			$opts --duration "$duration" --json >"$out.client.json" 2>"$out.client.err" \
			</dev/null &
		local cpid=$!
		track "$cpid"
		sleep 0.2
		note_child "$cpid"
		wait "$cpid"
		local crc=$?
		untrack "$cpid"
		[ "$crc" -eq 0 ] || status="the client exited $crc: $(head -n 2 "$out.client.err" | tr '\n' ' ')"
	fi
	stop_pid "$spid"
	printf 'veth\t%s\t%s\t%s\t%s\t%s\t\t%s\n' "$case" "$mode" "$r" "${out##*/}" "$busy" "$status" \
		>>"$manifest"
	[ "$status" = ok ] || log "veth: $case $mode, round $r: $status"
}

veth_round() {
	local r=$1 c m cases=(kernel dpdk mixed)
	[ $((r % 2)) -eq 0 ] && cases=(mixed dpdk kernel)
	for c in "${cases[@]}"; do
		for m in flood rate; do
			veth_run "$c" "$m" "$r"
		done
	done
}

# ---- the run ----

if want memif; then
	for r in $(seq 1 "$rounds"); do
		if [ $((r % 2)) -eq 1 ]; then
			memif_run xsocket "$r"
			memif_run testpmd "$r"
		else
			memif_run testpmd "$r"
			memif_run xsocket "$r"
		fi
	done
fi

if want veth; then
	"$TESTBED" up "$TB_K" || die "testbed $TB_K failed"
	"$TESTBED" up "$TB_D" --bare-b || die "testbed $TB_D failed"
	for r in $(seq 1 "$rounds"); do
		veth_round "$r"
	done
fi

printf '%s\n' "duration=$duration" "warmup=$warmup" "window=$window" "rate=$rate" \
	"rounds=$rounds" "cpus=$ncpu" "quiet=$QUIET" >"$work/settings"
report_args=()
[ "$json" = 1 ] && report_args+=(--json)
python3 "$REPORT" "${report_args[@]}" "$manifest"
