#!/bin/sh
# Install what libteeattest needs to build and test on Debian 12.
# Installs only missing packages, so a second run needs no network.
set -eu

PACKAGES="meson ninja-build pkg-config gcc g++ binutils python3
libjansson-dev libsecp256k1-dev libsodium-dev libmbedtls-dev
libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libgnutls28-dev
libxml2-dev nettle-dev"
if [ "${1:-}" = "--test" ]; then
    # openssl: the TLS transport tests make their certificates with it
    PACKAGES="$PACKAGES valgrind abigail-tools openssl"
    # doxygen, scdoc: the docs suite (API reference, man pages)
    PACKAGES="$PACKAGES doxygen scdoc"
    # cmake, make: the install suite builds examples/ against the installed copy
    PACKAGES="$PACKAGES cmake make"
    # golang-go: the Go binding's suite (tests/go)
    PACKAGES="$PACKAGES golang-go"
    # python3-venv: the Python bindings' pip-install test (tests/python)
    PACKAGES="$PACKAGES python3-venv"
    # nodejs, npm, curl: the proxy's clients (tests/integration/test_proxy.py
    # installs the official OpenAI SDK with npm into the build directory)
    PACKAGES="$PACKAGES nodejs npm curl"
fi

missing=""
for p in $PACKAGES; do
    # NodeSource's nodejs package bundles npm and conflicts with Debian's
    # npm package: a node and npm already on PATH are enough.
    case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
