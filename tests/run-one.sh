#!/bin/sh
# Run one test file for prove: bats files through bats --tap, cmocka binaries in TAP mode.
case "$1" in
*.bats) LC_ALL=C.UTF-8 exec bats --tap "$1" ;;
*/fuzz/fuzz_*) LC_ALL=C.UTF-8 exec sh tests/fuzz/replay.sh "$1" "tests/fuzz/corpus/${1##*/}" ;;
*) CMOCKA_MESSAGE_OUTPUT=TAP LC_ALL=C.UTF-8 exec "$1" ;;
esac
