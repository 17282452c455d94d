#!/bin/sh
# Install what xsocket needs to build, test and run its demo on Debian 12.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -eu
packages="meson ninja-build gcc clang libclang-rt-14-dev pkg-config libcriterion-dev python3
libbpf-dev libxdp-dev bpftool libpcap-dev tcpdump netsniff-ng ethtool iputils-ping
iproute2 util-linux valgrind netbase"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "xsocket: installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
