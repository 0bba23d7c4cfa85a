#!/bin/sh
# tests/fuzz/replay.sh TARGET_BINARY CORPUS_DIR — replay one target's corpus
# (seeds and regress-* reproducers) through a gcc-built replay binary and
# print TAP for prove. The target's own messages are shown on failure.
bin=$1 dir=$2
name=$(basename "$bin")
echo "1..1"
n=$(find "$dir" -maxdepth 1 -type f ! -name '.*' | wc -l)
if [ ! -x "$bin" ]; then
	echo "not ok 1 - $name: $bin not built"
	exit 0
fi
log=$(mktemp "${TMPDIR:-/tmp}/replay.XXXXXX") || exit 1
if "$bin" "$dir" >"$log" 2>&1 && grep -q "^replayed $n\$" "$log"; then
	echo "ok 1 - $name: $n corpus files replayed"
else
	echo "not ok 1 - $name: corpus replay failed ($n files)"
	sed 's/^/# /' "$log"
fi
rm -f "$log"
exit 0
