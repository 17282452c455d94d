#!/bin/sh
# Set up a fresh Debian 12 machine (packages, build) and run the demo: what
# the library found on this host, then a UDP and a TCP echo over loopback
# through the kernel transport, each bounded to a few seconds, printing
# messages per second and round-trip percentiles.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh
tools/build.sh build
xsocket=build/apps/xsocket/xsocket
tmp=$(mktemp -d)
server_pid=
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$xsocket" info

# run_echo udp|tcp: a server on a free loopback port and a flood client.
run_echo() {
	: >"$tmp/server" # exists before the poll below reads it
	"$xsocket" echo server "--$1" --bind 127.0.0.1 --port 0 --duration 6 >"$tmp/server" &
	server_pid=$!
	port=
	for _ in $(seq 50); do
		port=$(sed -n "1s/^listening on ('127\.0\.0\.1', \([0-9]*\))$/\1/p" "$tmp/server")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "demo: the $1 echo server did not start" >&2; exit 1; }
	echo
	echo "== $1 echo over the kernel transport, 127.0.0.1:$port, 3 s, as fast as possible =="
	"$xsocket" echo client "--$1" --host 127.0.0.1 --port "$port" --flood --duration 3
	kill -INT "$server_pid"
	wait "$server_pid" || :
	server_pid=
	echo "-- the server echoed --"
	sed 1d "$tmp/server"
}
run_echo udp
run_echo tcp
