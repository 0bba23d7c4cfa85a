#!/bin/sh
# Benchmark crm-dedupe: quality on FEBRL (../shared/data/febrl) and on our own
# Chinese set, and the scale bar: 1,000,000 generated customers with injected
# duplicates (tests/bench/gen_dedupe.py) in under 60 s wall and 2 GiB, with the
# comparisons made and the share of true pairs blocking kept.
#
#   CRM_BIN=build/default/bin sh tests/bench/dedupe.sh     (part of `make bench`)
#
# Environment: BENCH_DIR (default build/bench), DEDUPE_N (default 1000000),
# BENCH_OUT (default tests/bench/results/dedupe-YYYY-MM-DD.md).
# No peer runs here: Splink and the Python Record Linkage Toolkit are not
# Debian packages and nothing may be downloaded at build time; their published
# FEBRL figures are quoted beside ours in the README.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"   # root, CRM_BIN, BENCH_DIR; helpers
DEDUPE_N=${DEDUPE_N:-1000000}
BENCH_OUT=${BENCH_OUT:-$(results_file dedupe)}
FEBRL=$root/../shared/data/febrl
score=$here/febrl_score.py
dd=$CRM_BIN/crm-dedupe
work=$BENCH_DIR/dedupe
mkdir -p "$work"

quality() { # label file ignore...
	label=$1 file=$2
	shift 2
	"$dd" -q --stream "$file" "$@" --all-pairs "$work/pairs.csv" > "$work/labelled.csv"
	printf '| %s | `crm-dedupe --stream %s %s` | %s |\n' "$label" "$(basename "$file")" "$*" \
		"$(python3 "$score" "$work/labelled.csv" "$work/pairs.csv" | sed 's/ / · /g')"
}

{
	echo "# crm-dedupe benchmark, $(date +%Y-%m-%d)"
	echo
	echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)."
	echo
	echo "## Quality (pairwise, every pair inside a predicted cluster; no labels used for fitting)"
	echo
	echo "| set | command | result |"
	echo "|---|---|---|"
	if [ -d "$FEBRL" ]; then
		(cat "$FEBRL/dataset4a.csv"; echo; tail -n +2 "$FEBRL/dataset4b.csv") > "$work/dataset4.csv"
		quality "FEBRL 3, all columns" "$FEBRL/dataset3.csv"
		quality "FEBRL 3, no soc_sec_id" "$FEBRL/dataset3.csv" --ignore soc_sec_id
		quality "FEBRL 4a+4b, all columns" "$work/dataset4.csv"
		quality "FEBRL 4a+4b, no soc_sec_id" "$work/dataset4.csv" --ignore soc_sec_id
	fi
	quality "own Chinese set (tests/data/dedupe/zh_people.csv)" "$root/tests/data/dedupe/zh_people.csv" --ignore entity
	echo
	echo "## Scale: $DEDUPE_N generated customers"
	echo
	[ -s "$work/c$DEDUPE_N.csv" ] || python3 "$here/gen_dedupe.py" "$DEDUPE_N" > "$work/c$DEDUPE_N.csv"
	/usr/bin/time -f '%e %M' -o "$work/time" "$dd" -q --stream "$work/c$DEDUPE_N.csv" --ignore entity > "$work/labelled.csv"
	read -r secs kb < "$work/time"
	echo "- wall time $secs s, peak memory $((kb / 1024)) MiB (bar: 60 s, 2048 MiB)"
	"$dd" -q --stream "$work/c$DEDUPE_N.csv" --ignore entity --all-pairs "$work/pairs.csv" > "$work/labelled.csv"
	echo "- $(python3 "$score" "$work/labelled.csv" "$work/pairs.csv" | sed 's/ / · /g')"
} > "$BENCH_OUT"
cat "$BENCH_OUT"
