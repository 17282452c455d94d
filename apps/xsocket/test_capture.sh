#!/bin/sh
# End-to-end check of `xsocket capture`. First what needs no privilege:
# --help, and the usage errors (a filter libpcap rejects, a missing -i,
# options that need each other) and a bad interface. Then, on a testbed
# of its own (tests/netns/testbed.sh: xs-NAME-a vA <-> xs-NAME-b vB), a
# capture on vB over the kernel transport while the peer sends matching
# and non-matching UDP over IPv4 and IPv6: the pcap holds exactly the
# matching datagrams with the right addresses and ports (read back with
# tcpdump -r), the summary has tcpdump's three lines, the per-frame lines,
# --json, -w - to stdout, -G/-W rotation, --duration with the live line,
# and SIGTERM. The same capture runs over the xdp transport when this
# xsocket has it built in.
# Usage: test_capture.sh PATH/TO/xsocket PATH/TO/testbed.sh
# Exits 77 (skipped) with the reason when the host cannot build a testbed.
set -u

xsocket=$(cd "$(dirname "${1:?usage: test_capture.sh XSOCKET TESTBED}")" && pwd)/$(basename "$1")
testbed=${2:?usage: test_capture.sh XSOCKET TESTBED}
tmp=$(mktemp -d)
name="c$$"
name=$(printf '%.8s' "$name")
cap_pid=
testbed_up=

cleanup() {
	if [ -n "$cap_pid" ]; then
		kill -TERM "$cap_pid" 2>/dev/null || :
	fi
	if [ -n "$testbed_up" ]; then
		"$testbed" down "$name"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
	echo "test_capture: FAIL: $*" >&2
	for f in "$tmp"/err "$tmp"/out.txt; do
		[ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" >&2
	done
	exit 1
}

skip() {
	echo "test_capture: SKIP: $*" >&2
	exit 77
}

ok() {
	echo "ok $*"
}

# expect_rc RC WHAT CMD...: CMD exits RC; its stderr is in $tmp/err.
expect_rc() {
	want=$1
	what=$2
	shift 2
	"$@" >"$tmp/out.txt" 2>"$tmp/err"
	got=$?
	[ "$got" = "$want" ] || fail "$what: exit $got, expected $want"
}

# ---- without privilege ----------------------------------------------

expect_rc 0 "--help" "$xsocket" capture --help
grep -q 'steers every frame' "$tmp/out.txt" || fail "--help does not say what xdp does to the host"
ok "capture --help"

expect_rc 2 "a bad filter" "$xsocket" capture -i lo udp port
grep -q "^xsocket: bad filter 'udp port': .*syntax error" "$tmp/err" ||
	fail "a bad filter does not show libpcap's message"
expect_rc 2 "no -i" "$xsocket" capture udp
expect_rc 2 "-W without -G" "$xsocket" capture -i lo -W 2 -w x.pcap
expect_rc 2 "-G to stdout" "$xsocket" capture -i lo -G 1 -w -
expect_rc 2 "a bad -c" "$xsocket" capture -i lo -c 0
expect_rc 1 "a bad interface" "$xsocket" capture -i xsnope0 udp
grep -q "xsnope0" "$tmp/err" || fail "the error for a bad interface does not name it"
ok "usage errors exit 2, a bad interface exits 1 naming it"

# ---- on the testbed -------------------------------------------------

[ "$(id -u)" = 0 ] || skip "the capture tests need root (network namespaces, packet sockets)"
[ -x "$testbed" ] || skip "$testbed is missing"
command -v tcpdump >/dev/null 2>&1 || skip "tcpdump is not installed (apt-get install tcpdump)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
err=$(unshare -n true 2>&1) || skip "cannot create a network namespace: $err"

"$testbed" up "$name" 2>"$tmp/err" || skip "the testbed does not come up: $(cat "$tmp/err")"
testbed_up=1

cat >"$tmp/send.py" <<'EOF'
# send.py FAMILY(4|6) HOST PORT SPORT COUNT SIZE GAP_S: COUNT datagrams from SPORT.
import socket, sys, time
fam, host, port, sport, count, size, gap = sys.argv[1:]
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", int(sport)))
for _ in range(int(count)):
    s.sendto(b"x" * int(size), (host, int(port)))
    time.sleep(float(gap))
EOF

# send 4|6 PORT SPORT COUNT [GAP]: datagrams of 100 bytes from the peer to vB.
send() {
	host=198.18.0.2
	[ "$1" = 6 ] && host=2001:2::2
	"$testbed" exec "$name" a python3 "$tmp/send.py" "$1" "$host" "$2" "$3" "$4" 100 \
		"${5:-0.001}" || fail "the peer could not send"
}

# capture ENV ARGS...: start `xsocket capture -i vB ARGS` in xs-NAME-b in the
# background (stdout in $tmp/out, stderr in $tmp/err) and wait until it
# says it is listening. ENV is "" or VAR=value words for the transport. A
# --duration bounds every run, in case a bound under test does not work.
capture() {
	env=$1
	shift
	: >"$tmp/err"
	# shellcheck disable=SC2086 # ENV is words on purpose
	"$testbed" exec "$name" b env $env "$xsocket" capture -i vB --duration 20 "$@" \
		>"$tmp/out" 2>"$tmp/err" &
	cap_pid=$!
	i=0
	while ! grep -q '^listening on vB' "$tmp/err"; do
		kill -0 "$cap_pid" 2>/dev/null || {
			wait "$cap_pid"
			cap_pid=
			fail "capture exited before listening"
		}
		[ "$i" -lt 100 ] || fail "capture did not say it was listening within 10 s"
		sleep 0.1
		i=$((i + 1))
	done
}

# finish WHAT: wait for the capture (bounded by its --duration), which must exit 0.
finish() {
	wait "$cap_pid"
	rc=$?
	cap_pid=
	[ "$rc" = 0 ] || fail "$1: capture exited $rc"
}

# count PATTERN FILE: lines of FILE matching PATTERN (grep -E).
count() {
	grep -Ec "$1" "$2"
}

readback() { # FILE [FILTER]: tcpdump's view of a pcap in $tmp/read.txt
	file=$1
	shift
	tcpdump -r "$file" -nn "$@" >"$tmp/read.txt" 2>"$tmp/read.err" ||
		fail "tcpdump -r $file: $(cat "$tmp/read.err")"
}

V4='IP 198\.18\.0\.1\.40000 > 198\.18\.0\.2\.9000: UDP, length 100$'
V6='IP6 2001:2::1\.40000 > 2001:2::2\.9000: UDP, length 100$'

# The peer sends 5 datagrams that do not match, then 3 + 2 that do.
send_mix() {
	send 4 9001 40001 3
	send 6 9001 40001 2
	send 4 9000 40000 3
	send 6 9000 40000 2
}

# check_pcap FILE WHAT: exactly the 5 matching datagrams of send_mix.
check_pcap() {
	readback "$1"
	n=$(wc -l <"$tmp/read.txt")
	[ "$n" = 5 ] || fail "$2: $n frames in the file, expected 5: $(cat "$tmp/read.txt")"
	[ "$(count "$V4" "$tmp/read.txt")" = 3 ] || fail "$2: not 3 IPv4 datagrams to port 9000"
	[ "$(count "$V6" "$tmp/read.txt")" = 2 ] || fail "$2: not 2 IPv6 datagrams to port 9000"
	readback "$1" not udp port 9000
	[ ! -s "$tmp/read.txt" ] || fail "$2: frames the filter should have refused"
}

capture "" -c 5 -q -w "$tmp/k.pcap" udp port 9000
send_mix
finish "kernel -c 5"
check_pcap "$tmp/k.pcap" "kernel transport"
grep -q '^listening on vB, .*transport kernel, filter in kernel$' "$tmp/err" ||
	fail "the listening line does not say the kernel filters"
grep -q '^5 packets captured$' "$tmp/err" || fail "no '5 packets captured' line"
grep -Eq '^[0-9]+ packets received by filter$' "$tmp/err" || fail "no 'received by filter' line"
grep -Eq '^[0-9]+ packets dropped by kernel$' "$tmp/err" || fail "no 'dropped by kernel' line"
ok "kernel: -c 5 with 'udp port 9000' writes exactly the 5 matching datagrams"

capture "" -c 2 -q udp port 9000
send 4 9001 40001 2
send 4 9000 40000 2
finish "lines"
[ "$(wc -l <"$tmp/out")" = 2 ] || fail "lines: $(wc -l <"$tmp/out") lines, expected 2"
E4='ethertype IPv4 \(0x0800\), length 142: 198\.18\.0\.1\.40000 > 198\.18\.0\.2\.9000: UDP, length 100$'
[ "$(count "^[0-9:.]+ ([0-9a-f]{2}:){5}[0-9a-f]{2} > ([0-9a-f]{2}:){5}[0-9a-f]{2}, $E4" "$tmp/out")" = 2 ] ||
	fail "lines: not tcpdump -e -n style: $(cat "$tmp/out")"
ok "kernel: one line per frame without -w"

capture "" -c 3 -q --json -s 60 -w "$tmp/j.pcap" udp port 9000
send 4 9000 40000 3
finish "--json"
python3 - "$tmp/out" "$tmp/j.pcap" <<'EOF' || fail "--json -s 60: $(cat "$tmp/out")"
import json, struct, sys
pcap = open(sys.argv[2], "rb").read()
assert struct.unpack("<IHHiIII", pcap[:24])[5:] == (60, 1), "not Ethernet, snaplen 60"
off, records = 24, []
while off < len(pcap):
    incl, orig = struct.unpack("<II", pcap[off + 8:off + 16])
    records.append((incl, orig))
    off += 16 + incl
assert records == [(60, 142)] * 3, records
j = json.load(open(sys.argv[1]))
assert j["captured"] == 3, j
assert j["received_by_filter"] >= 3, j
assert j["transport"] == "kernel" and j["filter_in"] == "kernel", j
assert j["filter"] == "udp port 9000" and j["interface"] == "vB", j
assert isinstance(j["dropped"], int) and j["dropped_by"] == "kernel", j
EOF
ok "kernel: --json summary; -s 60 keeps 60 bytes and the length on the wire"

capture "" -c 2 -q --json -w - udp port 9000
send 4 9000 40000 2
finish "-w -"
readback "$tmp/out"
[ "$(count "$V4" "$tmp/read.txt")" = 2 ] || fail "-w -: $(cat "$tmp/read.txt")"
sed -n '/^{/,$p' "$tmp/err" | python3 -c 'import json,sys; assert json.load(sys.stdin)["captured"] == 2' ||
	fail "-w - --json: the summary is not on stderr"
ok "kernel: -w - writes the pcap to stdout, the JSON to stderr"

capture "" -q -G 1 -W 3 -w "$tmp/rot-%H%M%S.pcap" udp port 9000
send 4 9000 40000 40 0.1 &
sender=$!
finish "-G 1 -W 3"
wait "$sender"
nfiles=$(find "$tmp" -name 'rot-*.pcap' | wc -l)
[ "$nfiles" = 3 ] || fail "-G 1 -W 3 made $nfiles files, expected 3"
total=0
for f in "$tmp"/rot-*.pcap; do
	readback "$f"
	total=$((total + $(wc -l <"$tmp/read.txt")))
	[ "$(count "$V4" "$tmp/read.txt")" = "$(wc -l <"$tmp/read.txt")" ] ||
		fail "-G: $f holds frames the filter refuses"
done
[ "$total" -gt 0 ] || fail "-G 1 -W 3: the files hold no frame"
ok "kernel: -G 1 -W 3 makes 3 files that read back ($total frames)"

start=$(date +%s)
capture "" --duration 3.2 udp port 9999
finish "--duration"
elapsed=$(($(date +%s) - start))
[ "$elapsed" -le 8 ] || fail "--duration 3.2 took $elapsed s"
grep -q '^0 packets captured$' "$tmp/err" || fail "--duration: no '0 packets captured'"
[ "$(count '^vB: [0-9]+ packets captured, [0-9]+ packets/s, [0-9]+ dropped$' "$tmp/err")" -ge 2 ] ||
	fail "--duration 3.2: fewer than 2 live lines"
ok "kernel: --duration ends the run, a live line each second"

capture "" -q udp port 9000
send 4 9000 40000 1
kill -TERM "$cap_pid"
finish "SIGTERM"
grep -Eq '^[01] packets captured$' "$tmp/err" || fail "SIGTERM: no summary"
ok "kernel: SIGTERM ends the run with the summary"

# ---- the xdp transport ----------------------------------------------

if ! "$xsocket" info --json | python3 -c 'import json,sys; sys.exit("xdp" not in json.load(sys.stdin)["transports"])'; then
	echo "ok # SKIP xdp: this xsocket is built without the xdp transport"
	exit 0
fi
# vB's kernel sees no frame while the capture runs, so it answers no ARP
# or neighbour solicitation: the peer gets vB's address now, for good.
mac=$("$testbed" exec "$name" b cat /sys/class/net/vB/address)
for addr in 198.18.0.2 2001:2::2; do
	"$testbed" exec "$name" a ip neigh replace "$addr" lladdr "$mac" dev vA nud permanent ||
		fail "xdp: cannot set the peer's neighbour entry for $addr"
done
capture "XSOCKET_TRANSPORT=packet=xdp XSOCKET_XDP_IFACE=vB" -c 5 -q -w "$tmp/x.pcap" udp port 9000
send_mix
finish "xdp -c 5"
check_pcap "$tmp/x.pcap" "xdp transport"
grep -q '^listening on vB, .*transport xdp, filter in xsocket$' "$tmp/err" ||
	fail "xdp: the listening line does not say xsocket filters"
grep -q '^5 packets captured$' "$tmp/err" || fail "xdp: no '5 packets captured' line"
grep -Eq '^([0-9]+ packets dropped by xsocket|packets dropped unknown)' "$tmp/err" ||
	fail "xdp: no drops line"
ok "xdp: -c 5 with 'udp port 9000' writes exactly the 5 matching datagrams"
