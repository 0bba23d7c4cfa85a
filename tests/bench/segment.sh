#!/bin/sh
# Benchmark crm-segment against the same RFM aggregation done by its peers on
# the same data (see tests/bench/README.md, "crm-segment"):
#   - sqlite3 shell: GROUP BY customer over the store's paid orders, then
#     NTILE(5) quintile scores for R, F and M with window functions;
#   - Miller: mlr filter paid + stats1 max/count/sum by customer over the
#     orders CSV (aggregation only: Miller has no per-row quintile verb).
#
#   CRM_BIN=build/default/bin sh tests/bench/segment.sh     (part of `make bench`)
#
# Uses the files tests/bench/run.sh generates (BENCH_DIR/SIZE/*.csv) and a store
# imported from them once (BENCH_DIR/SIZE/segment.db). Environment as run.sh;
# BENCH_OUT defaults to tests/bench/results/segment-YYYY-MM-DD.md; BENCH_WARMUP
# (default 1) warm-up runs per tool.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"   # root, CRM_BIN, BENCH_DIR, BENCH_SIZES; helpers
BENCH_OUT=${BENCH_OUT:-$(results_file segment)}
AS_OF=2025-01-01

command -v mlr >/dev/null 2>&1 || {
	echo "bench: installing miller" >&2
	apt_install miller || die "cannot install miller"
}
need_tools crm-import crm-segment
commit=$(build_commit)
mkdir -p "$(dirname "$BENCH_OUT")"

rows=
for size in $BENCH_SIZES; do
	require_data "$size"
	db=$d/segment.db
	import_once "$db"
	cat > "$d/segment-peer.sql" <<-EOF
	WITH f AS (
	  SELECT customer_id,
	         julianday('$AS_OF') - julianday(max(substr(ordered_at, 1, 10))) AS recency,
	         count(*) AS frequency, sum(amount) AS monetary
	  FROM orders
	  WHERE status = 'paid' AND substr(ordered_at, 1, 10) <= '$AS_OF'
	  GROUP BY customer_id)
	SELECT customer_id, recency, frequency, monetary,
	       ntile(5) OVER (ORDER BY recency DESC) AS r,
	       ntile(5) OVER (ORDER BY frequency) AS f,
	       ntile(5) OVER (ORDER BY monetary) AS m
	FROM f;
	EOF
	runs=${BENCH_RUNS:-3}
	echo "bench: $size: timing crm-segment, sqlite3 and mlr ($runs runs each)" >&2
	j=$d/segment-hyperfine.json
	hyperfine --warmup "${BENCH_WARMUP:-1}" --runs "$runs" --export-json "$j" --style basic \
		-n crm-segment "/usr/bin/time -f %M -a -o $d/seg.rss $CRM_BIN/crm-segment --db $db --all --as-of $AS_OF --quiet" \
		-n sqlite3 "sqlite3 -csv $db < $d/segment-peer.sql" \
		-n mlr "mlr --icsv --ocsv filter '\$status == \"paid\" && \$order_date <= \"$AS_OF 99\"' then stats1 -a max,count,sum -f order_date,amount -g customer_id $d/orders.csv" \
		--output null >&2 || die "hyperfine failed"
	cm=$(jq '.results[0].median' "$j")
	sm=$(jq '.results[1].median' "$j")
	mm=$(jq '.results[2].median' "$j")
	rss=$(mb "$(maxkb "$d/seg.rss")")
	rm -f "$d/seg.rss"
	n=$(stamp_counts "$d")
	rows="$rows| $size ($n) | crm-segment (figures, RFM, segments, lifecycle, CSV out) | $(fmt "$cm") | 1.00 | $rss MB |
| $size ($n) | sqlite3 (GROUP BY + NTILE) | $(fmt "$sm") | $(ratio "$sm" "$cm") | |
| $size ($n) | mlr (filter + stats1) | $(fmt "$mm") | $(ratio "$mm" "$cm") | |
"
done

{
	echo "# crm-segment benchmark — $(date +%Y-%m-%d)"
	echo
	echo "| size (customers / orders) | tool | median s | tool ÷ crm-segment | peak RSS |"
	echo "|---|---|---:|---:|---:|"
	printf %s "$rows"
	echo
	echo "- commit: $commit (at the start of the run)"
	echo "- sqlite3: $(sqlite3_version); Miller: $(mlr --version)"
	echo "- CPU: $(cpu_and_cores)"
	echo "- as of $AS_OF; stdout to /dev/null (hyperfine --output null)"
} | tee "$BENCH_OUT"
