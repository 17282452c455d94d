#!/bin/sh
# Set up a fresh Debian 12 machine (packages, build) and run the demo: what
# the library found on this host, a UDP and a TCP echo over loopback through
# the kernel transport, then the same UDP echo server on the two-host
# testbed (tests/netns/) over each transport — kernel, xdp, dpdk — against
# one kernel client, so the gain of a transport shows side by side. Every
# run is bounded to a few seconds; the testbed part needs root and is
# skipped, with the reason, where namespaces cannot be made.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh
tools/build.sh build
xsocket=$(pwd)/build/apps/xsocket/xsocket
testbed=tests/netns/testbed.sh
tmp=$(mktemp -d)
server_pid=
bed=
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || :
	[ -z "$bed" ] || "$testbed" down "$bed" >/dev/null 2>&1 || :
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$xsocket" info

# wait_listening FILE: the port a server printed on its first line.
wait_listening() {
	for _ in $(seq 100); do
		port=$(sed -n "1s/^listening on ('[0-9.]*', \([0-9]*\))$/\1/p" "$1")
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	echo "demo: the echo server did not start:" >&2
	cat "$1" "$1.err" >&2 2>/dev/null
	exit 1
}

stop_server() {
	kill -INT "$server_pid" 2>/dev/null || :
	wait "$server_pid" || :
	server_pid=
}

# run_echo udp|tcp: a server on a free loopback port and a flood client.
run_echo() {
	: >"$tmp/server" # exists before wait_listening reads it
	"$xsocket" echo server "--$1" --bind 127.0.0.1 --port 0 --duration 6 >"$tmp/server" &
	server_pid=$!
	wait_listening "$tmp/server"
	echo
	echo "== $1 echo over the kernel transport, 127.0.0.1:$port, 3 s, as fast as possible =="
	"$xsocket" echo client "--$1" --host 127.0.0.1 --port "$port" --flood --duration 3
	stop_server
	echo "-- the server echoed --"
	sed 1d "$tmp/server"
}
run_echo udp
run_echo tcp

# ---- the transports side by side on the testbed ----

# server_env TRANSPORT: the configuration of the echo server on vB.
server_env() {
	case $1 in
	kernel) echo "XSOCKET_TRANSPORT=" ;;
	xdp) echo "XSOCKET_TRANSPORT=inet=xdp XSOCKET_XDP_IFACE=vB" ;;
	dpdk) echo "XSOCKET_TRANSPORT=inet=dpdk XSOCKET_DPDK_IPV4=198.18.0.2/24" ;;
	esac
}

# on_testbed TRANSPORT [--bare-b]: a UDP echo server on vB (198.18.0.2)
# over TRANSPORT, a kernel flood client in the other namespace; appends
# "transport msgs/s p50" to $tmp/table.
on_testbed() {
	tp=$1
	shift
	bed=d$$
	"$testbed" up "$bed" "$@" >/dev/null
	: >"$tmp/server"
	# shellcheck disable=SC2046 # server_env prints separate assignments
	"$testbed" exec "$bed" b env $(server_env "$tp") XSOCKET_LOG=error \
		XSOCKET_DPDK_EAL="--no-pci --vdev=net_af_xdp0,iface=vB" timeout 20 \
		"$xsocket" echo server --udp --bind 0.0.0.0 --port 9000 --duration 8 \
		>"$tmp/server" 2>"$tmp/server.err" &
	server_pid=$!
	wait_listening "$tmp/server"
	sleep 0.5
	"$testbed" exec "$bed" a env XSOCKET_TRANSPORT= "$xsocket" echo client --udp \
		--host 198.18.0.2 --port 9000 --flood --duration 3 --json >"$tmp/client.json"
	stop_server
	"$testbed" down "$bed" >/dev/null
	bed=
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(sys.argv[2], round(r["msgs_per_s"]), r["rtt_us"]["p50"])' \
		"$tmp/client.json" "$tp" >>"$tmp/table"
}

echo
if ! err=$(unshare -n true 2>&1); then
	echo "== the testbed comparison is skipped: cannot create a network namespace ($err) =="
	exit 0
fi
echo "== UDP echo server on the testbed (vB, 198.18.0.2) over each transport, kernel client =="
: >"$tmp/table"
on_testbed kernel
transports=$("$xsocket" info --json | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["transports"]))')
case " $transports " in *" xdp "*) on_testbed xdp ;; esac
case " $transports " in *" dpdk "*) on_testbed dpdk --bare-b ;; esac
python3 - "$tmp/table" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
base = float(rows[0][1])
print(f"  {'server transport':<18}{'msgs/s':>10}{'p50 (us)':>10}{'rate vs kernel':>16}")
for tp, rate, p50 in rows:
    print(f"  {tp:<18}{float(rate):>10.0f}{float(p50):>10.1f}{float(rate) / base:>15.2f}x")
EOF
