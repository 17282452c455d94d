#!/bin/sh
# run_examples.sh DIR — runs the seed examples built in DIR (the build's
# examples/ folder) the way a user would, on loopback only:
#   - each echo server/client pair on 127.0.0.1, and the dual-stack pair on
#     ::1 too when lo has ::1; the server binds port 0 (a free port chosen by
#     the kernel) and announces it with "Listening on (...)", the client is
#     given that port; the client must print exactly the seed's line
#     "Received 'Hello, world'" and both must exit 0;
#   - gai_list for localhost 50007, in a private network namespace with only
#     lo up when `unshare -n` works (so no DNS server is reachable and the
#     answer comes from /etc/hosts), else directly.
# Every program runs under `timeout`; the script kills only the PIDs it
# started. It prints "N passed, N failed" and exits 1 if anything failed.
set -u

dir=${1:?usage: run_examples.sh BUILDDIR/examples}
expected="Received 'Hello, world'"
passed=0
failed=0
pids=""

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xsocket-examples.XXXXXX") || exit 1
cleanup() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Bound every program so that a hang fails the run instead of stalling it.
if command -v timeout >/dev/null 2>&1; then
	bounded="timeout 30"
else
	bounded=""
fi

pass() {
	passed=$((passed + 1))
	echo "PASS $1"
}

# fail NAME REASON [FILE...]: report, then show the files that explain it.
fail() {
	name=$1
	reason=$2
	shift 2
	failed=$((failed + 1))
	echo "FAIL $name: $reason"
	for f in "$@"; do
		[ -s "$f" ] && sed "s|^|    $(basename "$f"): |" "$f"
	done
	return 0
}

# wait_listening PID OUTFILE: print the port of the server's "Listening on"
# line once it appears; fail if the server exits first or after 10 s.
wait_listening() {
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n "s/^Listening on ('[^']*', \([0-9][0-9]*\).*/\1/p" "$2")
		if [ -n "$port" ]; then
			echo "$port"
			return 0
		fi
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# run_pair NAME SERVER CLIENT HOST
run_pair() {
	name=$1
	srv_out=$tmp/$name.server.out
	srv_err=$tmp/$name.server.err
	cli_out=$tmp/$name.client.out
	cli_err=$tmp/$name.client.err

	: >"$srv_out" # exists before the port poll reads it
	$bounded "$dir/$2" "$4" 0 >"$srv_out" 2>"$srv_err" &
	srv_pid=$!
	pids="$pids $srv_pid"
	if ! port=$(wait_listening "$srv_pid" "$srv_out"); then
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
		fail "$name" "server did not start listening" "$srv_out" "$srv_err"
		return
	fi

	$bounded "$dir/$3" "$4" "$port" >"$cli_out" 2>"$cli_err"
	cli_rc=$?
	wait "$srv_pid"
	srv_rc=$?
	pids=$(echo "$pids" | sed "s/ $srv_pid\$//; s/ $srv_pid / /")

	if [ $cli_rc -ne 0 ]; then
		fail "$name" "client exited $cli_rc" "$cli_out" "$cli_err" "$srv_err"
	elif ! printf '%s\n' "$expected" | cmp -s - "$cli_out"; then
		fail "$name" "client output is not \"$expected\"" "$cli_out" "$cli_err"
	elif [ $srv_rc -ne 0 ]; then
		fail "$name" "server exited $srv_rc" "$srv_out" "$srv_err"
	elif ! grep -q "^Connected by ('$4', [0-9]" "$srv_out"; then
		fail "$name" "server did not report the client" "$srv_out" "$srv_err"
	else
		pass "$name (port $port)"
	fi
}

# Has lo an IPv6 loopback address?
has_ipv6_loopback() {
	grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null
}

run_gai_list() {
	name="gai_list localhost 50007"
	out=$tmp/gai.out
	err=$tmp/gai.err
	where="private netns"

	if unshare -n true 2>/dev/null && command -v ip >/dev/null 2>&1; then
		$bounded unshare -n sh -c 'ip link set lo up && exec "$@"' gai_list \
			"$dir/gai_list" localhost 50007 >"$out" 2>"$err"
	else
		where="host namespace: unshare -n unavailable"
		$bounded "$dir/gai_list" localhost 50007 >"$out" 2>"$err"
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name" "exited $rc ($where)" "$out" "$err"
	elif ! grep -q "^\[.*(2, 1, 6, '', ('127\.0\.0\.1', 50007)).*\]\$" "$out"; then
		fail "$name" "no (2, 1, 6, '', ('127.0.0.1', 50007)) entry ($where)" "$out" "$err"
	else
		pass "$name ($where): $(cat "$out")"
	fi
}

for prog in echo_server echo_client echo_server_dual echo_client_dual gai_list; do
	if [ ! -x "$dir/$prog" ]; then
		echo "run_examples: $dir/$prog is missing; build first (ninja -C BUILDDIR)" >&2
		exit 1
	fi
done

run_pair echo-ipv4 echo_server echo_client 127.0.0.1
run_pair echo-dual-ipv4 echo_server_dual echo_client_dual 127.0.0.1
if has_ipv6_loopback; then
	run_pair echo-dual-ipv6 echo_server_dual echo_client_dual ::1
else
	echo "SKIP echo-dual-ipv6: lo has no ::1"
fi
run_gai_list

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
