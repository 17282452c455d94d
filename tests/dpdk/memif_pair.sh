#!/bin/sh
# memif_pair.sh DPDK_UDP — two processes over xsocket's dpdk transport,
# joined by net_memif (shared memory and a unix socket, no kernel
# interface, no testbed): the pure-software path of the transport.
#
#   server  role=server  198.18.1.1/24  2001:2:1::1/64  dpdk_udp echo
#   client  role=client  198.18.1.2/24  2001:2:1::2/64  dpdk_udp client
#
# The client sends COUNT numbered datagrams to each of the server's
# addresses, one at a time, and checks every echo (the first of each
# family waits for ARP or neighbour discovery across the memif link);
# then it tells the server to quit. Afterwards neither process may leave
# anything: the memif socket /tmp/xs-memif-<PID>.sock, the EAL runtime
# directories xsocket-<pid>, hugepage or /dev/shm files, or a process.
#
# Both run under timeout(1); the script kills only the processes it
# started and removes the socket file whatever happens. It prints one
# PASS/FAIL line per check and "N passed, N failed"; exits 1 if anything
# failed.
set -u

helper=${1:?usage: memif_pair.sh PATH/TO/dpdk_udp}
count=${XS_MEMIF_COUNT:-50}
port=7007
sock=/tmp/xs-memif-$$.sock
passed=0
failed=0
pids=""

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xs-memif-run.XXXXXX") || exit 1
cleanup() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null
	done
	rm -f "$sock"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() {
	passed=$((passed + 1))
	echo "PASS: $*"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}

# Where the EAL keeps the runtime directories of this user (eal_filesystem.h).
if [ "$(id -u)" -eq 0 ]; then
	rundir=/var/run/dpdk
else
	rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk
fi

# side ROLE IPV4/LEN IPV6/LEN ARG...: dpdk_udp ARG... as one side of the
# link, under timeout(1).
side() {
	role=$1
	v4=$2
	v6=$3
	shift 3
	env XSOCKET_TRANSPORT=inet=dpdk,inet6=dpdk \
		XSOCKET_DPDK_EAL="--no-pci --vdev=net_memif0,role=$role,socket=$sock,socket-abstract=no" \
		XSOCKET_DPDK_IPV4="$v4" XSOCKET_DPDK_IPV6="$v6" XSOCKET_LOG="${XSOCKET_LOG:-error}" \
		timeout -k 2 40 "$helper" "$@"
}

# " (killed by signal N)" for an exit status above 128 (timeout(1)
# passes its child's signal on), else nothing.
how() {
	if [ "$1" -gt 128 ] && [ "$1" -ne 137 ]; then
		echo " (killed by signal $(($1 - 128)))"
	elif [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then
		echo " (timed out)"
	fi
}

pid_of() { # OUTPUT-FILE: the "pid N" line the helper prints first
	sed -n 's/^pid \([0-9]*\)$/\1/p' "$1" | head -n 1
}

# Nothing of process $2 (role $1) left once it has exited.
check_left() {
	role=$1
	pid=$2
	if [ -z "$pid" ]; then
		fail "$role: never printed its pid"
		return
	fi
	if kill -0 "$pid" 2>/dev/null; then
		fail "$role: process $pid still running after its timeout(1) exited"
	else
		pass "$role: process $pid is gone"
	fi
	if [ -e "$rundir/xsocket-$pid" ]; then
		fail "$role: left $rundir/xsocket-$pid: $(find "$rundir/xsocket-$pid" -mindepth 1 | tr '\n' ' ')"
		rm -rf "${rundir:?}/xsocket-$pid" # ours, its process gone: not to pile up
	else
		pass "$role: no $rundir/xsocket-$pid"
	fi
	left=""
	for d in /dev/shm $(awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts); do
		for f in "$d"/xsocket-"$pid"*; do
			[ -e "$f" ] && left="$left $f"
		done
	done
	if [ -n "$left" ]; then
		fail "$role: left memory files:$left"
	else
		pass "$role: no hugepage or /dev/shm file of xsocket-$pid"
	fi
}

rm -f "$sock"
side server 198.18.1.1/24 2001:2:1::1/64 echo -a 198.18.1.1 -a 2001:2:1::1 -p "$port" -t 30 \
	>"$tmp/server.out" 2>"$tmp/server.err" &
server=$!
pids="$server"

# The server's EAL creates the socket while probing net_memif0, then
# waits (dpdk.h: DPDK_LINK_WAIT_MS, 5 s) for a client to bring the link
# up; the client connects at its port start and needs the socket there.
i=0
while [ ! -S "$sock" ] && [ "$i" -lt 150 ] && kill -0 "$server" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -S "$sock" ]; then
	kill "$server" 2>/dev/null
	wait "$server"
	rc=$?
	cat "$tmp/server.out" "$tmp/server.err"
	fail "server: no memif socket $sock within 15 s (exit $rc)"
	echo "$passed passed, $failed failed"
	exit 1
fi
pass "server: listening on $sock"

side client 198.18.1.2/24 2001:2:1::2/64 client -a 198.18.1.2,198.18.1.1 \
	-a 2001:2:1::2,2001:2:1::1 -p "$port" -n "$count" -t 30 >"$tmp/client.out" 2>"$tmp/client.err"
crc=$?
wait "$server"
src=$?
pids=""

echo "--- server output"
cat "$tmp/server.out" "$tmp/server.err"
echo "--- client output"
cat "$tmp/client.out" "$tmp/client.err"
echo "---"

if [ "$crc" -eq 0 ] && grep -qx ok "$tmp/client.out"; then
	pass "client: $count datagrams over IPv4 and $count over IPv6, every echo intact"
else
	fail "client exited $crc$(how "$crc"): $(grep '^error' "$tmp/client.out" | head -n 1)"
fi
if [ "$src" -eq 0 ] && grep -qx "echoed $((2 * count))" "$tmp/server.out"; then
	pass "server: echoed $((2 * count)) datagrams and quit when told"
else
	fail "server exited $src$(how "$src") ($(grep '^echoed\|^error' "$tmp/server.out" | tr '\n' ' '))"
fi
if [ -e "$sock" ]; then
	fail "the memif socket $sock outlived both processes"
else
	pass "no memif socket left"
fi
check_left server "$(pid_of "$tmp/server.out")"
check_left client "$(pid_of "$tmp/client.out")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
