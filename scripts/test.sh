#!/bin/sh
# README command 2: install dependencies, build, and run every test suite,
# once in a normal build and once under AddressSanitizer + UBSan, then the
# library's own suites in a build without OpenSSL (mbedTLS). Ends with
# the line "N passed, N failed" and exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
sh scripts/deps.sh --test || exit 2

status=0
run() { "$@" || status=1; }

# Normal (debugoptimized, -Werror) build: every suite.
[ -d build-test ] || meson setup build-test --werror >/dev/null || exit 2
ninja -C build-test || exit 2
run meson test -C build-test --print-errorlogs --num-processes 2

# Sanitizers: the suites that run library code (ABI checks need an
# uninstrumented library and are covered above).
[ -d build-asan ] || meson setup build-asan --werror -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbench=false >/dev/null || exit 2
ninja -C build-asan || exit 2
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
run meson test -C build-asan --print-errorlogs --num-processes 2 \
    --no-suite abi --no-suite install --no-suite go --no-suite python

# The mbedTLS implementation of lib/crypto (no OpenSSL, no nettle): the
# suites that show both implementations give the same results.
[ -d build-mbedtls ] || meson setup build-mbedtls --werror -Dopenssl=disabled \
    -Dnettle=disabled -Dbench=false >/dev/null || exit 2
ninja -C build-mbedtls || exit 2
run meson test -C build-mbedtls --print-errorlogs --num-processes 2 \
    --suite unit --suite api --suite conformance --suite fuzz-regress

python3 scripts/summary.py build-test build-asan build-mbedtls || status=1
exit $status
