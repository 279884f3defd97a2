#!/bin/sh
# README command 1: install dependencies, build, run the demo (offline, no
# API key).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build -Dtests=false -Dbench=false >/dev/null
ninja -C build >/dev/null
exec ./build/tools/teeattest demo
