#!/bin/sh
# Configure (once) and build a tree: tools/build.sh DIR [meson options...]
set -eu
cd "$(dirname "$0")/.."
dir=$1
shift
[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
ninja -C "$dir" >/dev/null
