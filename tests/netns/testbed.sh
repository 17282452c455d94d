#!/bin/sh
# testbed.sh — the two-host test network of DESIGN.md ("Test network"):
# two network namespaces joined by a veth pair.
#
#   xs-NAME-a  vA  198.18.0.1/24  2001:2::1/64   the peer: traffic generator, kernel sockets
#   xs-NAME-b  vB  198.18.0.2/24  2001:2::2/64   the host under test, where xsocket runs
#
#   testbed.sh up NAME [--bare-b] build it (idempotent); on failure, undo and say what failed
#   testbed.sh down NAME          remove it (never fails, also when already gone)
#   testbed.sh exec NAME a|b CMD  run CMD in one host, with bpffs on /sys/fs/bpf
#
# --bare-b leaves the host under test's kernel without addresses: vB is
# up, has no IPv4 address and IPv6 is disabled on it. That is the testbed
# of a transport whose own stack owns 198.18.0.2 and 2001:2::2 (dpdk over
# net_af_packet on vB): the kernel must not answer ARP, neighbour
# solicitations or ping for them as well, and an AF_PACKET socket does not
# take frames away from the kernel.
#
# NAME is 1-8 characters of [a-z0-9], so that several testbeds (tests,
# benchmarks, a capture test) can exist at once without clashing. No
# address outside 198.18.0.0/15 and 2001:2::/48 is ever configured, and
# nothing is attached to the host's own interfaces.
set -u

PEER4=198.18.0.1
LOCAL4=198.18.0.2
PEER6=2001:2::1
LOCAL6=2001:2::2

die() {
	echo "testbed: $*" >&2
	exit 1
}

usage() {
	cat >&2 <<EOF
usage: testbed.sh up NAME [--bare-b]
       testbed.sh down NAME
       testbed.sh exec NAME a|b CMD [ARG...]
NAME: 1-8 characters of [a-z0-9]; namespaces xs-NAME-a (vA, $PEER4, $PEER6)
and xs-NAME-b (vB, $LOCAL4, $LOCAL6; with --bare-b: vB up, no address, IPv6
disabled on vB)
EOF
	exit 2
}

check_name() {
	case "$1" in
	"" | *[!a-z0-9]*) die "bad name '$1': use 1-8 characters of [a-z0-9]" ;;
	esac
	[ "${#1}" -le 8 ] || die "bad name '$1': at most 8 characters"
	NS_A="xs-$1-a"
	NS_B="xs-$1-b"
}

ns_exists() {
	[ -e "/run/netns/$1" ]
}

# Remove both hosts. Deleting vA first destroys the pair at once, even if
# a stray process still holds a namespace open.
down() {
	ip -n "$NS_A" link del vA >/dev/null 2>&1
	ip -n "$NS_B" link del vB >/dev/null 2>&1
	ip netns del "$NS_A" >/dev/null 2>&1
	ip netns del "$NS_B" >/dev/null 2>&1
	! ns_exists "$NS_A" && ! ns_exists "$NS_B"
}

# Run one step of `up`; on failure undo everything and say which step.
step() {
	what=$1
	shift
	if ! out=$("$@" 2>&1); then
		down
		die "up $NAME failed: $what: $out (ran: $*)"
	fi
}

# An address is usable once its link is up with carrier and it is
# neither tentative nor failed duplicate detection.
addr_usable() { # NS DEV ADDR
	ip -n "$1" -o link show dev "$2" 2>/dev/null | grep -q 'state UP' || return 1
	line=$(ip -n "$1" -o addr show dev "$2" 2>/dev/null | grep " ${3}/") || return 1
	case "$line" in
	*tentative* | *dadfailed*) return 1 ;;
	esac
}

# A bare vB: up, no address of either family, IPv6 disabled (so the
# kernel neither answers for 2001:2::2 nor sends from a link-local one).
bare_b() {
	ip -n "$NS_B" -o link show dev vB 2>/dev/null | grep -q 'state UP' || return 1
	[ -z "$(ip -n "$NS_B" -o addr show dev vB 2>/dev/null)" ] || return 1
	[ "$(ip netns exec "$NS_B" sysctl -n net.ipv6.conf.vB.disable_ipv6 2>/dev/null)" = 1 ]
}

healthy() {
	ns_exists "$NS_A" && ns_exists "$NS_B" &&
		addr_usable "$NS_A" vA "$PEER4" && addr_usable "$NS_A" vA "$PEER6" || return 1
	if [ "$BARE_B" = 1 ]; then
		bare_b
	else
		addr_usable "$NS_B" vB "$LOCAL4" && addr_usable "$NS_B" vB "$LOCAL6"
	fi
}

wait_usable() {
	i=0
	while [ "$i" -lt 100 ]; do # at most 10 s
		healthy && return 0
		sleep 0.1
		i=$((i + 1))
	done
	down
	die "up $NAME failed: the addresses did not become usable within 10 s"
}

up() {
	command -v ip >/dev/null 2>&1 || die "up $NAME failed: ip not found (apt-get install iproute2)"
	command -v ethtool >/dev/null 2>&1 ||
		die "up $NAME failed: ethtool not found (apt-get install ethtool)"
	if healthy; then
		echo "testbed $NAME is already up" >&2
		return 0
	fi
	down # a half-built testbed from an earlier failure, or one of the other kind
	step "creating netns $NS_A" ip netns add "$NS_A"
	step "creating netns $NS_B" ip netns add "$NS_B"
	step "bringing lo up in $NS_A" ip -n "$NS_A" link set lo up
	step "bringing lo up in $NS_B" ip -n "$NS_B" link set lo up
	# Created inside the namespaces: the names vA/vB never exist in the
	# host's namespace, so concurrent testbeds do not clash.
	step "creating the veth pair vA-vB" \
		ip -n "$NS_A" link add vA type veth peer name vB netns "$NS_B"
	step "adding $PEER4 to vA" ip -n "$NS_A" addr add "$PEER4/24" dev vA
	step "adding $PEER6 to vA" ip -n "$NS_A" addr add "$PEER6/64" dev vA nodad
	if [ "$BARE_B" = 1 ]; then
		# Before vB comes up, so that it never gets a link-local address.
		step "disabling IPv6 on vB" \
			ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.vB.disable_ipv6=1
	else
		step "adding $LOCAL4 to vB" ip -n "$NS_B" addr add "$LOCAL4/24" dev vB
		step "adding $LOCAL6 to vB" ip -n "$NS_B" addr add "$LOCAL6/64" dev vB nodad
	fi
	# A veth normally leaves the UDP/TCP checksum to "hardware" that never
	# runs: the receiver gets CHECKSUM_PARTIAL frames whose checksum field
	# holds only the pseudo-header sum. The kernel's stack accepts them,
	# but AF_XDP hands over the raw bytes, so a frame driver would see a
	# wrong checksum that no real wire carries. With TX checksum offload
	# off, vA computes full checksums in software, as a real NIC would put
	# them on the wire.
	step "turning off TX checksum offload on vA" \
		ip netns exec "$NS_A" ethtool -K vA tx off
	step "bringing vA up" ip -n "$NS_A" link set vA up
	step "bringing vB up" ip -n "$NS_B" link set vB up
	wait_usable
	if [ "$BARE_B" = 1 ]; then
		echo "testbed $NAME up: $NS_A (vA $PEER4 $PEER6) <-> $NS_B (vB bare: no address," \
			"IPv6 disabled)" >&2
	else
		echo "testbed $NAME up: $NS_A (vA $PEER4 $PEER6) <-> $NS_B (vB $LOCAL4 $LOCAL6)" >&2
	fi
}

# `ip netns exec` already runs CMD in a private mount namespace (it
# unshares the mount namespace, makes / a slave and remounts /sys for the
# target namespace), which leaves /sys/fs/bpf empty. libxdp pins its
# programs there, so mount bpffs again inside that private namespace; the
# host's mounts are untouched.
run_in() { # a|b CMD...
	case "$1" in
	a) ns=$NS_A ;;
	b) ns=$NS_B ;;
	*) usage ;;
	esac
	shift
	[ "$#" -gt 0 ] || usage
	ns_exists "$ns" || die "exec: testbed $NAME is not up ($ns missing; run: testbed.sh up $NAME)"
	exec ip netns exec "$ns" sh -c '
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
			grep -q " /sys/fs/bpf " /proc/self/mountinfo ||
			echo "testbed: warning: cannot mount bpffs on /sys/fs/bpf" >&2
		exec "$@"' testbed-exec "$@"
}

[ "$#" -ge 2 ] || usage
cmd=$1
NAME=$2
check_name "$NAME"
shift 2
BARE_B=0
case "$cmd" in
up)
	case "$#:${1-}" in
	0:) ;;
	1:--bare-b) BARE_B=1 ;;
	*) usage ;;
	esac
	up
	;;
down)
	[ "$#" -eq 0 ] || usage
	down || echo "testbed: down $NAME: a namespace could not be removed" >&2
	exit 0
	;;
exec) run_in "$@" ;;
*) usage ;;
esac
