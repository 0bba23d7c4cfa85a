#!/bin/sh
# Benchmark crm-report (a monthly report: every KPI with the previous month,
# last year and the 12-month trend, cohorts, top customers) against a peer
# doing a small part of the same work on the same store:
#   - sqlite3 shell: monthly revenue, buyers and orders of the 12 months
#     with one GROUP BY over the paid orders (no churn, cohorts, leads,
#     tickets or comparisons).
#
#   CRM_BIN=build/default/bin sh tests/bench/report.sh     (part of `make bench`)
#
# Uses the files tests/bench/run.sh generates (BENCH_DIR/SIZE/*.csv); when a
# size has none yet this script generates them itself with tests/bench/gen.c
# (same seed and stamp as run.sh: both use tests/bench/lib.sh), then imports
# them once into BENCH_DIR/SIZE/report.db. Environment as run.sh; BENCH_SIZES default
# "small medium large"; BENCH_OUT defaults to
# tests/bench/results/report-YYYY-MM-DD.md; BENCH_RUNS (default 5),
# BENCH_WARMUP (default 1).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"   # root, CRM_BIN, BENCH_DIR, BENCH_SIZES, BENCH_SEED; helpers
BENCH_OUT=${BENCH_OUT:-$(results_file report)}
AS_OF=2025-01-01   # the generated orders run to 2024-12-31: the report is of 2024-12

need_commands hyperfine jq sqlite3
need_tools crm-import crm-report
commit=$(build_commit)
make_bench_dir
mkdir -p "$(dirname "$BENCH_OUT")"
build_generator

rows=
for size in $BENCH_SIZES; do
	generate_size "$size"
	db=$d/report.db
	import_once "$db"
	cat > "$d/report-peer.sql" <<-EOF
	SELECT substr(ordered_at, 1, 7) AS month, sum(amount) / 100.0 AS revenue,
	       count(DISTINCT customer_id) AS buyers, count(*) AS orders
	FROM orders
	WHERE status = 'paid' AND ordered_at >= '2024-01-01' AND ordered_at < '2025-01-01'
	GROUP BY month;
	EOF
	runs=${BENCH_RUNS:-5}
	echo "bench: $size: timing crm-report and sqlite3 ($runs runs each)" >&2
	j=$d/report-hyperfine.json
	rm -f "$d/rep.rss"
	hyperfine --warmup "${BENCH_WARMUP:-1}" --runs "$runs" --export-json "$j" --style basic \
		-n crm-report "/usr/bin/time -f %M -a -o $d/rep.rss $CRM_BIN/crm-report --db $db --all --as-of $AS_OF --format text" \
		-n "crm-report csv" "$CRM_BIN/crm-report --db $db --all --as-of $AS_OF --format csv" \
		-n sqlite3 "sqlite3 -csv $db < $d/report-peer.sql" \
		--output null >&2 || die "hyperfine failed"
	cm=$(jq '.results[0].median' "$j") cmin=$(jq '.results[0].min' "$j")
	km=$(jq '.results[1].median' "$j")
	sm=$(jq '.results[2].median' "$j")
	rss=$(mb "$(maxkb "$d/rep.rss")")
	rm -f "$d/rep.rss"
	n=$(stamp_counts "$d")
	rows="$rows| $size ($n) | crm-report 2024-12, all sections, text | $(fmt "$cm") | $(fmt "$cmin") | 1.00 | $rss MB |
| $size ($n) | crm-report 2024-12, KPI table, CSV | $(fmt "$km") | | $(ratio "$km" "$cm") | |
| $size ($n) | sqlite3 (GROUP BY month: revenue, buyers, orders only) | $(fmt "$sm") | | $(ratio "$sm" "$cm") | |
"
done

{
	echo "# crm-report benchmark — $(date +%Y-%m-%d)"
	echo
	echo "| size (customers / orders) | tool | median s | min s | tool ÷ crm-report | peak RSS |"
	echo "|---|---|---:|---:|---:|---:|"
	printf %s "$rows"
	echo
	echo "- commit: $commit (at the start of the run)"
	echo "- sqlite3: $(sqlite3_version); hyperfine $(hyperfine_version)"
	echo "- CPU: $(cpu_and_cores)"
	echo "- as of $AS_OF (report of 2024-12 against 2024-11 and 2023-12, trend 2024-01..12);"
	echo "  stdout to /dev/null (hyperfine --output null); warm page cache"
	echo "- the sqlite3 line does a small part of the report's work (no churn,"
	echo "  retention, leads, cohorts, tickets, answers or comparisons): a floor, not a peer"
} | tee "$BENCH_OUT"
