#!/bin/sh
# Install the Debian packages crm-tools builds and tests with, when any is missing.
pkgs="build-essential pkg-config libcsv-dev libsqlite3-dev libyaml-dev libuchardet-dev
libutf8proc-dev nettle-dev libopencc-dev libicu-dev libcmocka-dev bats mandoc sqlite3 perl
python3 gettext chromium fonts-wqy-microhei zsh fish libxlsxwriter-dev python3-openpyxl
libzip-dev libexpat1-dev libfreexl-dev"
# "tests/deps.sh fuzz": also clang and libFuzzer's runtime, for make fuzz.
[ "${1:-}" = fuzz ] && pkgs="$pkgs clang libclang-rt-14-dev"
# "tests/deps.sh valgrind": also valgrind, for make check-valgrind.
[ "${1:-}" = valgrind ] && pkgs="$pkgs valgrind"
missing=
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $missing >/dev/null
