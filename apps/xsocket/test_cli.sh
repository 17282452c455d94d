#!/bin/sh
# Smoke check of the xsocket command, without Criterion: `info` as a table
# and as valid JSON, then a one-second UDP and TCP echo on 127.0.0.1 whose
# client must get back every message it sent and print the percentiles.
# Usage: test_cli.sh PATH/TO/xsocket
set -eu

xsocket=${1:?usage: test_cli.sh PATH/TO/xsocket}
tmp=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || :
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "test_cli: $*" >&2
	exit 1
}

"$xsocket" info >"$tmp/info.txt" || fail "xsocket info failed"
grep -q '^transports built in:.*kernel' "$tmp/info.txt" || fail "info lists no kernel transport"
"$xsocket" info --json >"$tmp/info.json" || fail "xsocket info --json failed"
python3 -m json.tool "$tmp/info.json" >/dev/null || fail "info --json is not valid JSON"

# The port the server printed on its first line: "listening on ('127.0.0.1', PORT)".
wait_port() {
	i=0
	while [ "$i" -lt 50 ]; do
		port=$(sed -n "1s/^listening on ('127\.0\.0\.1', \([0-9]*\))$/\1/p" "$tmp/server.out")
		[ -n "$port" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "the $1 server printed no port"
}

# field NAME FILE: the value of a "name  value" line of a report.
field() {
	sed -n "s/^$1  *\([0-9]*\).*/\1/p" "$2"
}

echo_pair() {
	proto=$1
	# Created here, not by the background redirection, so that polling it
	# cannot race the server's start.
	: >"$tmp/server.out"
	"$xsocket" echo server "--$proto" --bind 127.0.0.1 --port 0 --duration 3 \
		>"$tmp/server.out" &
	server_pid=$!
	wait_port "$proto"
	"$xsocket" echo client "--$proto" --host 127.0.0.1 --port "$port" --duration 1 \
		>"$tmp/client.out" || fail "$proto client failed"
	kill -TERM "$server_pid"
	wait "$server_pid" || fail "$proto server failed"
	server_pid=
	sent=$(field sent "$tmp/client.out")
	received=$(field received "$tmp/client.out")
	[ "${sent:-0}" -gt 0 ] || fail "$proto client sent nothing"
	[ "$received" = "$sent" ] || fail "$proto: received $received of $sent"
	grep -q 'p50 .*p90 .*p99 .*p99\.9 .*max ' "$tmp/client.out" ||
		fail "$proto client printed no percentiles"
	grep -q '^messages' "$tmp/server.out" || fail "$proto server printed no report"
	echo "ok $proto echo: $sent sent, $received received"
}

echo_pair udp
echo_pair tcp
echo "ok cli"
