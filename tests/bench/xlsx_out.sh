#!/bin/sh
# Benchmark crm-segment's workbook output against its CSV output on the same
# store (see tests/bench/README.md, "Workbooks out"): the whole store as a
# customer stream, --format csv --output FILE against --format xlsx --output
# FILE, wall time (hyperfine), user and system CPU time, peak RSS and the
# size of what was written.
#
#   CRM_BIN=build/default/bin sh tests/bench/xlsx_out.sh     (part of `make bench`)
#
# Uses the files tests/bench/run.sh generates (BENCH_DIR/SIZE/*.csv) and the
# store tests/bench/segment.sh imports from them (BENCH_DIR/SIZE/segment.db;
# imported here when missing). Environment as run.sh; BENCH_OUT defaults to
# tests/bench/results/xlsx-out-YYYY-MM-DD.md. The workbook is put together in
# BENCH_DIR/SIZE/tmp (TMPDIR), on the same disk as the data.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"   # root, CRM_BIN, BENCH_DIR, BENCH_SIZES; helpers
BENCH_OUT=${BENCH_OUT:-$(results_file xlsx-out)}
AS_OF=2025-01-01

need_tools crm-import crm-segment
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 missing (make deps)"
commit=$(build_commit)
mkdir -p "$(dirname "$BENCH_OUT")"

# bytes_mb FILE: FILE's size in MB, one decimal.
bytes_mb() { awk -v b="$(wc -c < "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }

rows=
for size in $BENCH_SIZES; do
	require_data "$size"
	db=$d/segment.db
	import_once "$db"
	w=$d/xlsx
	rm -rf "$w"
	mkdir -p "$w/tmp"
	runs=${BENCH_RUNS:-3}
	seg="TMPDIR=$w/tmp $CRM_BIN/crm-segment --db $db --all --as-of $AS_OF --quiet"
	echo "bench: $size: timing crm-segment --format csv and --format xlsx ($runs runs each)" >&2
	j=$d/xlsx-hyperfine.json
	hyperfine --warmup "${BENCH_WARMUP:-1}" --runs "$runs" --export-json "$j" --style basic \
		-n csv "sh -c '/usr/bin/time -f %M -a -o $w/csv.rss env $seg --format csv --output $w/out.csv'" \
		-n xlsx "sh -c '/usr/bin/time -f %M -a -o $w/xlsx.rss env $seg --format xlsx --output $w/out.xlsx'" \
		>&2 || die "hyperfine failed"
	# Sanity: the workbook is a zip with the sheet, and no temporary file
	# was left behind.
	/usr/bin/python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; assert "xl/worksheets/sheet1.xml" in z.namelist()' "$w/out.xlsx" ||
		die "$size: $w/out.xlsx is not a whole workbook"
	[ -z "$(ls -A "$w/tmp")" ] || die "$size: temporary files left in $w/tmp"
	lines=$(($(wc -l < "$w/out.csv") - 1))
	r() { jq ".results[$1].$2" "$j"; }
	n=$(stamp_counts "$d")
	rows="$rows| $size ($n) | csv | $(fmt "$(r 0 median)") | $(fmt "$(r 0 min)") | $(fmt "$(r 0 user)") + $(fmt "$(r 0 system)") | 1.00 | $(mb "$(maxkb "$w/csv.rss")") MB | $(bytes_mb "$w/out.csv") MB | $lines |
| $size ($n) | xlsx | $(fmt "$(r 1 median)") | $(fmt "$(r 1 min)") | $(fmt "$(r 1 user)") + $(fmt "$(r 1 system)") | $(ratio "$(r 1 median)" "$(r 0 median)") | $(mb "$(maxkb "$w/xlsx.rss")") MB | $(bytes_mb "$w/out.xlsx") MB | $lines |
"
	rm -f "$w/out.csv" "$w/out.xlsx"
done

{
	echo "# crm-segment --format xlsx against --format csv — $(date +%Y-%m-%d)"
	echo
	echo "| size (customers / orders) | format | median s | min s | user + sys s (mean) | median ÷ csv | peak RSS | output | rows |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	printf %s "$rows"
	echo
	echo "- commit: $commit (at the start of the run)"
	echo "- libxlsxwriter: $(dpkg-query -W -f '${Version}' libxlsxwriter-dev 2>/dev/null || echo unknown) (constant_memory)"
	echo "- hyperfine: $(hyperfine_version); ${BENCH_RUNS:-3} runs, ${BENCH_WARMUP:-1} warm-up"
	echo "- CPU: $(cpu_and_cores)"
	echo "- as of $AS_OF; the whole store, --output FILE on the data's disk; TMPDIR beside it"
	echo "- peak RSS: /usr/bin/time -f %M, max over the runs; times include the store scan both formats share"
} | tee "$BENCH_OUT"
