#!/bin/bash
# xdp_bench.sh — the xdp transport's receive benchmarks, side by side on one
# testbed, with one generator and the same offered load for every
# contender; reported as ratios against the goals (perf/README.md, "xdp
# receive"). Not a test: it measures, it does not pass or fail.
#
#   perf/xdp_bench.sh [BUILD_DIR] [options]      (root; BUILD_DIR default build/)
#
# It builds a testbed of its own (tests/netns/testbed.sh, named xb<PID>,
# removed on exit, on a signal, and by the next run if this one was
# killed), writes a trafgen(8) configuration for one UDP flow from vA
# (198.18.0.1:40000) to vB (198.18.0.2:PORT) with the namespaces' MAC
# addresses and correct IPv4 and UDP checksums (csumip/csumudp), and for
# each load and round runs the contenders one after another:
#
#   kernel-xs      udp_sink over xsocket, kernel transport
#   kernel-raw     udp_sink --raw: socket() + recvfrom(), no xsocket
#   xdp-xs         udp_sink over xsocket, xdp transport (inet=xdp on vB)
#   xsk-bare       xsk_bare: a bare AF_XDP loop (libxdp), drivers/xdp's rings
#   xsk-bare-copy  xsk_bare --copy: the same, copying every frame out
#   capture-xdp    xsocket capture -w over xdp (packet=xdp)
#   tcpdump        tcpdump -w
#   xdp-drop       xsk_bare --xdp-drop: an XDP_DROP program, no receiver:
#                  what the generator, the veth and the hook cost (the floor)
#   NAME+nap       kernel-xs, kernel-raw, xdp-xs, xsk-bare with --nap US:
#                  non-blocking, sleeping a fixed time when nothing is there
#
# A receiver that blocks until the next packet sleeps and is woken every
# few packets when the generator is slower than it, and a wake-up costs
# microseconds in a VM: its CPU per packet measures how often it sleeps as
# much as what it does per packet (a faster receiver sleeps more often).
# The +nap variants wake at one fixed rate, so their difference is the
# work per packet; goal 3 (the socket layer over a bare loop) is judged
# on them, and the blocking variants are shown beside.
#
# Loads: "full" (trafgen's TX_RING as fast as it goes, --packets frames)
# and "paced" (--paced-packets frames with trafgen -b RATEpps, which sends
# RATE frames back to back at the start of every second, then sleeps;
# or, with --gap, trafgen -t GAP: one sendto() and one nanosleep() per
# frame, a smooth but low rate whose generator burns CPU in every sleep).
#
# Measured per run: what the receiver got (its own report: packets, first
# to last packet, getrusage of the process over that window; for the
# captures, their summary and the process's CPU from /proc/PID/schedstat
# over the flood), what trafgen sent, in how long and with how much CPU
# (its rusage), the CPU time of the kernel threads (ksoftirqd, kworkers)
# over the flood, and the busy time of the whole system from /proc/stat
# over the flood, less the background measured just before the run. The
# receiver is pinned to the last CPU and trafgen (-P 1) to CPU 0.
#
# On a veth the kernel's receive work (the veth NAPI or backlog, XDP, the
# copy into the UMEM, IP and UDP, the packet taps) runs in softirq on the
# sender's CPU, in trafgen's context, which the receiver's own rusage does
# not see: the CPU of the whole system per delivered packet is the fair
# comparison between the paths, the receiving process's the cost of the
# user-space side. Both are reported. The system's is counted two ways:
# "sys" adds up precise task times (trafgen + the receiver + the kernel
# threads; with no IRQ_TIME_ACCOUNTING the softirq time is inside them),
# which no other process on the machine disturbs; "stat" is /proc/stat's
# busy time less the background, which sees everything but is sampled by
# the 250 Hz tick and undercounts tasks that sleep and wake on timers.
set -u

usage() {
	cat <<EOF
usage: perf/xdp_bench.sh [BUILD_DIR] [options]
  BUILD_DIR             meson build directory (default build/)
  --rounds R            rounds per load, contenders in a new order each (default 3)
  --packets N           frames per run at full speed (default 1000000)
  --paced-packets N     frames per run in the paced load (default 600000)
  --rate PPS            paced load: trafgen -b PPSpps (default 200000)
  --gap T               paced load: trafgen -t T instead of --rate
  --loads LIST          full,paced (default both)
  --only LIST           contenders to run, comma-separated (default all)
  --port P              UDP destination port (default 9999)
  --nap US              the +nap receivers sleep US microseconds when idle (default 100)
  --json                the report as JSON on stdout (progress on stderr)
  --keep DIR            keep the raw outputs of every run in DIR
  --quiet-wait S        before each run, wait up to S s (default 30) for the
                        background load to fall below $QUIET CPUs (0: do not wait)
  -h, --help            this text
Needs root, iproute2, ethtool, trafgen (netsniff-ng), tcpdump, taskset, python3.
EOF
}

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TESTBED=$ROOT/tests/netns/testbed.sh
BUILD=build
ROUNDS=3
PACKETS=1000000
PACED_PACKETS=600000
GAP=
RATE=200000
LOADS=full,paced
ALL_CONTENDERS=kernel-xs,kernel-raw,xdp-xs,xsk-bare,xsk-bare-copy,capture-xdp,tcpdump,xdp-drop
ALL_CONTENDERS=$ALL_CONTENDERS,kernel-xs+nap,kernel-raw+nap,xdp-xs+nap,xsk-bare+nap
ONLY=$ALL_CONTENDERS
PORT=9999
NAP=100
JSON=0
KEEP=
IDLE=1.5      # a receiver stops when nothing came for this long
DRAIN=0.3     # after the generator: the receivers empty their queues
BG_WINDOW=0.5 # the background load is measured over this long
QUIET=0.25    # a run waits for the background to fall below this many CPUs,
QUIET_WAIT=30 # for at most this many seconds
XDP_ENV="XSOCKET_TRANSPORT=inet=xdp,inet6=xdp,packet=xdp XSOCKET_XDP_IFACE=vB XSOCKET_LOG=error"

die() {
	echo "xdp_bench: $*" >&2
	exit 1
}
say() {
	echo "xdp_bench: $*" >&2
}

positive() { # NAME VALUE
	case "$2" in
	'' | *[!0-9]* | 0) die "$1 takes a positive integer, not '$2'" ;;
	esac
}

while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) ROUNDS=${2-}; positive --rounds "$ROUNDS"; shift 2 ;;
	--packets) PACKETS=${2-}; positive --packets "$PACKETS"; shift 2 ;;
	--paced-packets) PACED_PACKETS=${2-}; positive --paced-packets "$PACED_PACKETS"; shift 2 ;;
	--gap) GAP=${2-}; [ -n "$GAP" ] || die "--gap takes a time (10us)"; RATE=; shift 2 ;;
	--rate) RATE=${2-}; positive --rate "$RATE"; GAP=; shift 2 ;;
	--loads) LOADS=${2-}; shift 2 ;;
	--only) ONLY=${2-}; shift 2 ;;
	--port) PORT=${2-}; positive --port "$PORT"; shift 2 ;;
	--nap) NAP=${2-}; positive --nap "$NAP"; shift 2 ;;
	--json) JSON=1; shift ;;
	--keep) KEEP=${2-}; [ -n "$KEEP" ] || die "--keep takes a directory"; shift 2 ;;
	--quiet-wait) QUIET_WAIT=${2-}; case "$QUIET_WAIT" in '' | *[!0-9]*) die "--quiet-wait takes seconds" ;; esac; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) BUILD=$1; shift ;;
	esac
done
[ "$ROUNDS" -le 20 ] || die "--rounds: at most 20"
[ "$PORT" -le 65535 ] || die "--port: at most 65535"
for c in ${ONLY//,/ }; do
	case ",$ALL_CONTENDERS," in *",$c,"*) ;; *) die "unknown contender '$c' (known: $ALL_CONTENDERS)" ;; esac
done
for l in ${LOADS//,/ }; do
	case "$l" in full | paced) ;; *) die "unknown load '$l' (full, paced)" ;; esac
done

# ---- what the run needs ----

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP, AF_XDP)"
for tool in ip ethtool trafgen tcpdump taskset timeout python3; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found (tools/deps.sh installs what the project uses)"
done
UDP_SINK=$BUILD/perf/udp_sink
XSK_BARE=$BUILD/perf/xsk_bare
XSOCKET=$BUILD/apps/xsocket/xsocket
for b in "$UDP_SINK" "$XSK_BARE" "$XSOCKET"; do
	[ -x "$b" ] || die "$b not found: build first (ninja -C $BUILD); udp_sink and xsk_bare are built with the xdp transport"
done
UDP_SINK=$(realpath "$UDP_SINK")
XSK_BARE=$(realpath "$XSK_BARE")
XSOCKET=$(realpath "$XSOCKET")
NCPU=$(nproc)
RX_CPU=$((NCPU - 1))
[ "$NCPU" -ge 2 ] || say "warning: one CPU: the generator and the receiver share it"
USER_HZ=$(getconf CLK_TCK)

# ---- the testbed, and cleaning up after it ----

NAME=xb$(($$ % 1000000))
DIR=$(mktemp -d /tmp/xdp_bench.XXXXXX) || die "mktemp failed"
PIDS=""

cleanup() {
	trap - EXIT INT TERM HUP
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	"$TESTBED" down "$NAME"
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && cp -r "$DIR"/. "$KEEP"/ 2>/dev/null
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Testbeds of earlier runs that were killed (SIGKILL leaves them).
reap_stale() {
	local ns pid
	for ns in /run/netns/xs-xb*-a; do
		[ -e "$ns" ] || continue
		ns=${ns#/run/netns/xs-xb}
		pid=${ns%-a}
		case "$pid" in '' | *[!0-9]*) continue ;; esac
		[ "xb$pid" = "$NAME" ] && continue
		# The name keeps the PID modulo 10^6: only remove it when no
		# xdp_bench.sh of that number runs.
		if ! ps -eo pid=,args= | awk -v p="$pid" '$1 % 1000000 == p && /xdp_bench/ {f=1} END {exit !f}'; then
			say "removing the testbed of an earlier run (xb$pid)"
			"$TESTBED" down "xb$pid"
		fi
	done
}
reap_stale
"$TESTBED" up "$NAME" 2>/dev/null || "$TESTBED" up "$NAME" || die "cannot build the testbed"

tb() { # a|b CMD...
	local host=$1
	shift
	"$TESTBED" exec "$NAME" "$host" "$@"
}

MAC_A=$(tb a cat /sys/class/net/vA/address) || die "reading vA's MAC address"
MAC_B=$(tb b cat /sys/class/net/vB/address) || die "reading vB's MAC address"

hex_mac() {
	echo "0x${1//:/, 0x}"
}

# One frame, 60 bytes: Ethernet, IPv4 (DF, TTL 64, no options), UDP with
# an 18-byte payload. csumip/csumudp make trafgen fill in the checksums.
cat >"$DIR/flood.cfg" <<EOF
{
  $(hex_mac "$MAC_B"), $(hex_mac "$MAC_A"), 0x08, 0x00,
  0x45, 0x00, const16(46), const16(0), 0x40, 0x00, 64, 17, csumip(14, 33),
  198, 18, 0, 1, 198, 18, 0, 2,
  const16(40000), const16($PORT), const16(26), csumudp(14, 34),
  fill(0x41, 18),
}
EOF

# ---- measuring ----

now() {
	date +%s.%N
}

# Busy and total time of all CPUs so far, in USER_HZ ticks: busy is
# user + nice + system + irq + softirq (guest time is inside user; steal
# and idle/iowait are not busy).
cpu_ticks() {
	local _c u n s i w q sq st
	read -r _c u n s i w q sq st _ </proc/stat
	echo "$((u + n + s + q + sq)) $((u + n + s + i + w + q + sq + st))"
}

# CPU time of a process so far, in ns: its threads' run time.
proc_cpu_ns() {
	local f t sum=0
	for f in /proc/"$1"/task/*/schedstat; do
		[ -r "$f" ] && read -r t _ 2>/dev/null <"$f" || continue
		sum=$((sum + t))
	done
	echo "$sum"
}

calc() {
	python3 -c "print($*)"
}

# Wait (at most 15 s) until FILE exists or, with a pattern, holds it,
# while PID lives.
wait_ready() { # PID FILE [PATTERN]
	local i
	for i in $(seq 150); do
		if [ $# -ge 3 ]; then
			grep -q "$3" "$2" 2>/dev/null && return 0
		else
			[ -e "$2" ] && return 0
		fi
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# The command line of a contender: sets KIND (sink, capture, floor),
# ENVV (the environment) and CMD (an array).
contender() { # NAME SENT
	local limit=120 nap=()
	ENVV="-u XSOCKET_TRANSPORT -u XSOCKET_XDP_IFACE"
	case "$1" in
	*+nap) nap=(--nap "$NAP") ;;
	esac
	case "${1%+nap}" in
	kernel-xs | kernel-raw | xdp-xs)
		KIND=sink
		CMD=("$UDP_SINK" --port "$PORT" -c "$2" -d "$limit" -I "$IDLE" -R "$DIR/ready" --json
			"${nap[@]}")
		[ "${1%+nap}" = kernel-raw ] && CMD+=(--raw)
		[ "${1%+nap}" = xdp-xs ] && ENVV=$XDP_ENV
		;;
	xsk-bare | xsk-bare-copy)
		KIND=sink
		CMD=("$XSK_BARE" --iface vB -c "$2" -d "$limit" -I "$IDLE" -R "$DIR/ready" --json
			"${nap[@]}")
		[ "$1" = xsk-bare-copy ] && CMD+=(--copy)
		;;
	xdp-drop)
		KIND=floor
		CMD=("$XSK_BARE" --iface vB --xdp-drop -d "$limit" -R "$DIR/ready" --json)
		;;
	capture-xdp)
		KIND=capture
		ENVV=$XDP_ENV
		CMD=("$XSOCKET" capture -i vB -w "$DIR/capture.pcap" --duration "$limit" -q --json)
		;;
	tcpdump)
		KIND=capture
		# -Q in: the frames vB receives, as XDP sees them (not the
		# ICMP errors and ARP the host sends back)
		CMD=(tcpdump -i vB -n -Q in -w "$DIR/capture.pcap")
		;;
	esac
}

trafgen_args() { # LOAD SENT
	GEN=(trafgen -o vA -i "$DIR/flood.cfg" -n "$2" -P 1 --no-sock-mem -Q)
	if [ "$1" = paced ]; then
		if [ -n "$RATE" ]; then
			GEN+=(-b "${RATE}pps")
		else
			GEN+=(-t "$GAP")
		fi
	fi
}

# The background: other processes on this machine. Waits (bounded) for
# it to be low, and sets BG_PER_S to what it was, in CPUs.
background() {
	local waited=0 b0 b1 t0 t1
	while :; do
		read -r b0 _ < <(cpu_ticks)
		t0=$(now)
		sleep "$BG_WINDOW"
		read -r b1 _ < <(cpu_ticks)
		t1=$(now)
		BG_PER_S=$(calc "round(($b1 - $b0) / $USER_HZ / ($t1 - $t0), 3)")
		[ "$(calc "int($BG_PER_S <= $QUIET or $waited >= $QUIET_WAIT)")" = 1 ] && return
		[ "$waited" = 0 ] &&
			say "background load $BG_PER_S CPUs: waiting up to ${QUIET_WAIT} s for it to fall"
		waited=$(calc "$waited + $BG_WINDOW")
	done
}

# CPU time so far of every kernel thread (kthreadd's children: ksoftirqd,
# kworkers, threaded NAPI ...), in ns, from their schedstat.
kthreads_ns() {
	python3 - <<'PY'
import glob
total = 0
for stat in glob.glob("/proc/[0-9]*/stat"):
    try:
        fields = open(stat).read().rsplit(")", 1)[1].split()
        pid = stat.split("/")[2]
        if fields[1] != "2" and pid != "2":
            continue
        for f in glob.glob(f"/proc/{pid}/task/*/schedstat"):
            total += int(open(f).read().split()[0])
    except (OSError, IndexError, ValueError):
        pass
print(total)
PY
}

RUN=0
# One contender on one load: the record goes to runs.jsonl.
run_one() { # LOAD ROUND CONTENDER
	local load=$1 round=$2 name=$3 sent_req rx main g0 g1 c0 c1 k0 k1
	local rc sent gen_s gen_cpu out err
	RUN=$((RUN + 1))
	out=$DIR/run$RUN.out
	err=$DIR/run$RUN.err
	sent_req=$PACKETS
	[ "$load" = paced ] && sent_req=$PACED_PACKETS
	contender "$name" "$sent_req"
	trafgen_args "$load" "$sent_req"
	rm -f "$DIR/ready" "$DIR/capture.pcap"
	background
	# shellcheck disable=SC2086 # ENVV is a list of words
	timeout -s INT -k 3 150 "$TESTBED" exec "$NAME" b env $ENVV \
		taskset -c "$RX_CPU" "${CMD[@]}" >"$out" 2>"$err" &
	rx=$!
	PIDS="$PIDS $rx"
	if [ "$KIND" = capture ]; then
		wait_ready "$rx" "$err" "listening on"
	else
		wait_ready "$rx" "$DIR/ready"
	fi || {
		say "$name did not start: $(tr '\n' ' ' <"$err")"
		kill -INT "$rx" 2>/dev/null
		wait "$rx" 2>/dev/null
		PIDS=${PIDS% "$rx"}
		return 1
	}
	main=$(pgrep -P "$rx" | head -1)
	sleep 0.2
	k0=$(kthreads_ns)
	c0=$(proc_cpu_ns "$main")
	cat /proc/stat >"$DIR/stat$RUN.0"
	g0=$(now)
	# bash's `times` gives trafgen's CPU time, its worker's included, and
	# with it the receive work the kernel did in softirq in its context
	# (this kernel has no IRQ_TIME_ACCOUNTING, so that time is the task's).
	tb a timeout 120 bash -c '"$@"; rc=$?; times >"$0"; exit $rc' "$DIR/gencpu$RUN" \
		"${GEN[@]}" >"$DIR/gen$RUN.out" 2>&1
	sleep "$DRAIN"
	g1=$(now)
	cat /proc/stat >"$DIR/stat$RUN.1"
	c1=$(proc_cpu_ns "$main")
	[ "$c1" -gt 0 ] || c1=$c0 # gone already (a sink that got its count)
	k1=$(kthreads_ns)
	if [ "$KIND" != sink ]; then
		kill -INT "$main" 2>/dev/null
	fi
	wait "$rx"
	rc=$?
	PIDS=${PIDS% "$rx"}
	# trafgen starts its summary lines with a carriage return.
	sent=$(tr -d '\r' <"$DIR/gen$RUN.out" | awk '/packets outgoing/ {print $1}')
	gen_s=$(tr -d '\r' <"$DIR/gen$RUN.out" | awk '/usec on CPU/ {print $1 + $3 / 1e6}')
	# the second line of `times`: the children's user and system time
	gen_cpu=$(sed -n 2p "$DIR/gencpu$RUN" 2>/dev/null |
		awk '{ for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } print t }')
	printf '{"load": "%s", "round": %d, "contender": "%s", "kind": "%s", "sent": %s, "gen_s": %s, "gen_cpu_s": %s, "window_s": %s, "bg_busy_per_s": %s, "proc_cpu_s": %s, "kthreads_cpu_s": %s, "rc": %d, "out": "%s", "err": "%s", "gen": "%s", "stat": ["%s", "%s"], "user_hz": %d}\n' \
		"$load" "$round" "$name" "$KIND" "${sent:-0}" "${gen_s:-0}" "${gen_cpu:-null}" \
		"$(calc "$g1 - $g0")" "$BG_PER_S" "$(calc "($c1 - $c0) / 1e9")" \
		"$(calc "($k1 - $k0) / 1e9")" "$rc" "${out##*/}" "${err##*/}" "gen$RUN.out" \
		"stat$RUN.0" "stat$RUN.1" "$USER_HZ" >>"$DIR/runs.jsonl"
	say "$load round $round: $name done (sent ${sent:-?}, exit $rc)"
	rm -f "$DIR/capture.pcap"
}

# ---- the runs ----

IFS=, read -r -a CONTENDERS <<<"$ONLY"
say "testbed $NAME; receiver on CPU $RX_CPU, trafgen on CPU 0; $ROUNDS round(s) of: ${CONTENDERS[*]}"
for load in ${LOADS//,/ }; do
	for round in $(seq "$ROUNDS"); do
		# A new order each round (rotated, reversed every other round), so
		# that drift in the background falls on every contender alike.
		n=${#CONTENDERS[@]}
		for k in $(seq 0 $((n - 1))); do
			i=$(((k + round - 1) % n))
			[ $((round % 2)) -eq 0 ] && i=$((n - 1 - i))
			run_one "$load" "$round" "${CONTENDERS[$i]}" || say "$load round $round: ${CONTENDERS[$i]} failed"
		done
	done
done

[ -s "$DIR/runs.jsonl" ] || die "no run completed"
args=("$DIR/runs.jsonl" --packets "$PACKETS" --paced-packets "$PACED_PACKETS" --nap "$NAP")
if [ -n "$RATE" ]; then args+=(--paced "trafgen -b ${RATE}pps"); else args+=(--paced "trafgen -t $GAP"); fi
[ "$JSON" = 1 ] && args+=(--json)
python3 "$HERE/xdp_bench_report.py" "${args[@]}"
