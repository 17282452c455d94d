#!/bin/sh
# A program written only from the API reference compiles against the
# installed header and library (found through pkg-config), links to the
# exported symbols alone, and runs: the README's first program against the
# seed echo server. Usage: installed_header.sh BUILDDIR SOURCEDIR
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
server_pid=
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "installed_header: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

meson install -C "$build" --destdir "$tmp/root" --no-rebuild >/dev/null ||
	fail "meson install failed"
pc=$(find "$tmp/root" -name xsocket.pc | head -n 1)
[ -n "$pc" ] || fail "no xsocket.pc installed"
[ -x "$(find "$tmp/root" -name xsocket -type f | head -n 1)" ] || fail "no xsocket command installed"
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
# The README's program, extracted so that the README cannot drift from it.
sed -n '/^#include <stdio.h>$/,/^}$/p' "$src/README.md" >"$tmp/hello.c"
[ -s "$tmp/hello.c" ] || fail "no program found in README.md"
cc -Wall -Werror -o "$tmp/hello" "$tmp/hello.c" $(pkg-config --cflags --libs xsocket) ||
	fail "the README program does not compile against the installed header"
libdir=$(dirname "$(find "$tmp/root" -name 'libxsocket.so*' | head -n 1)")
# Only xs_ symbols may be exported.
leaked=$(nm -D --defined-only "$libdir/libxsocket.so" | awk '$2 ~ /[TDB]/ && $3 !~ /^xs_/ {print $3}')
[ -z "$leaked" ] || fail "symbols exported without the xs_ prefix: $leaked"

: >"$tmp/server.out" # exists before the poll below reads it
"$build/examples/echo_server" 127.0.0.1 0 >"$tmp/server.out" &
server_pid=$!
port=
for _ in $(seq 50); do
	port=$(sed -n 's/^Listening on .*, \([0-9]*\))$/\1/p' "$tmp/server.out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || fail "the echo server did not start"
sed "s/\"50007\"/\"$port\"/" "$tmp/hello.c" >"$tmp/hello_port.c"
cc -o "$tmp/hello" "$tmp/hello_port.c" $(pkg-config --cflags --libs xsocket)
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/hello")
[ "$out" = "Received 'Hello, world'" ] || fail "expected Received 'Hello, world', got: $out"
echo "1 passed, 0 failed"
