#!/bin/sh
# with-testbed.sh [--bare-b] CMD [ARG...] — run CMD on the host under test
# of a testbed of its own (tests/netns/testbed.sh), then remove the
# testbed, also when CMD fails or this script is interrupted. Its testbeds
# are named w<PID>: other users of testbed.sh pick names of another form.
#
# CMD runs in xs-NAME-b with the environment the socket suites read in
# peer mode (tests/helpers.h):
#   XS_TESTBED=NAME  XSOCKET_XDP_IFACE=vB  XS_TEST_PEER_NETNS=xs-NAME-a
#   XS_TEST_LOCAL4=198.18.0.2  XS_TEST_PEER4=198.18.0.1
#   XS_TEST_LOCAL6=2001:2::2   XS_TEST_PEER6=2001:2::1
#
# --bare-b builds the testbed with a bare vB (testbed.sh up NAME --bare-b:
# no address, IPv6 disabled), for the dpdk transport whose stack owns the
# local addresses, and adds the keys that put its port on vB:
#   XS_TESTBED_BARE_B=1
#   XSOCKET_DPDK_EAL="--no-pci --vdev=net_af_packet0,iface=vB"  (unless set, non-empty)
#   XSOCKET_DPDK_IPV4=198.18.0.2/24  XSOCKET_DPDK_IPV6=2001:2::2/64
# (--no-pci: a test must never probe the host's own NICs; one bound to
# vfio-pci would become a second port, port 0 even, dpdk.port's default.)
# Exits with CMD's status, or 77 (meson's "skipped") with the reason on
# stderr when this machine cannot build a testbed (no root/CAP_NET_ADMIN,
# no network namespaces, no veth).
set -u
here=$(cd "$(dirname "$0")" && pwd)
testbed="$here/testbed.sh"

bare=""
if [ "${1-}" = --bare-b ]; then
	bare=--bare-b
	shift
fi
[ "$#" -gt 0 ] || {
	echo "usage: with-testbed.sh [--bare-b] CMD [ARG...]" >&2
	exit 2
}

skip() {
	echo "with-testbed: SKIP: $*" >&2
	exit 77
}

# The capabilities a testbed needs: network namespaces (CAP_SYS_ADMIN for
# `ip netns add`) and a veth pair (CAP_NET_ADMIN). Probed in a throwaway
# namespace, so nothing is left behind.
probe() {
	command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
	command -v unshare >/dev/null 2>&1 || skip "unshare (util-linux) is not installed"
	if ! err=$(unshare -n true 2>&1); then
		skip "cannot create a network namespace (needs root or CAP_SYS_ADMIN): $err"
	fi
	if ! err=$(unshare -n ip link add xsprobe0 type veth peer name xsprobe1 2>&1); then
		skip "cannot create a veth pair (needs CAP_NET_ADMIN and veth support): $err"
	fi
	[ -w /run ] || skip "/run is not writable: ip netns cannot create its namespaces"
}

# Testbeds named w<PID> whose with-testbed.sh was killed with SIGKILL (no
# trap ran) are removed; a live PID's testbed is left alone.
reap_stale() {
	for f in /run/netns/xs-w*-a; do
		[ -e "$f" ] || continue
		n=${f#/run/netns/xs-}
		n=${n%-a}
		case "$n" in
		w*[!0-9]* | w) continue ;;
		esac
		kill -0 "${n#w}" 2>/dev/null || "$testbed" down "$n"
	done
}

probe
reap_stale
name="w$$" # at most 8 characters: pid_max is at most 2^22
child=""
trap '"$testbed" down "$name"' EXIT
# A signal (meson's timeout sends SIGTERM to the process group, then
# SIGKILL 0.5 s later) ends CMD and removes the testbed at once; CMD runs
# in the background so that the trap does not wait for it.
# shellcheck disable=SC2317 # called from the traps
on_signal() {
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null
	exit "$1"
}
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

"$testbed" up "$name" $bare || exit 1
# The dpdk keys of a bare testbed: its stack owns the addresses that the
# kernel of xs-NAME-b does not have. CMD inherits them.
if [ -n "$bare" ]; then
	XSOCKET_DPDK_EAL=${XSOCKET_DPDK_EAL:-"--no-pci --vdev=net_af_packet0,iface=vB"}
	export XS_TESTBED_BARE_B=1 XSOCKET_DPDK_EAL
	export XSOCKET_DPDK_IPV4=198.18.0.2/24 XSOCKET_DPDK_IPV6=2001:2::2/64
fi
exec 3<&0 # a background job's stdin would be /dev/null
"$testbed" exec "$name" b env \
	XS_TESTBED="$name" \
	XSOCKET_XDP_IFACE=vB \
	XS_TEST_PEER_NETNS="xs-$name-a" \
	XS_TEST_LOCAL4=198.18.0.2 XS_TEST_PEER4=198.18.0.1 \
	XS_TEST_LOCAL6=2001:2::2 XS_TEST_PEER6=2001:2::1 \
	"$@" <&3 3<&- &
child=$!
wait "$child"
exit $?
