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
root=$(cd "$here/../.." && pwd)
CRM_BIN=${CRM_BIN:-$root/build/default/bin}
BENCH_DIR=${BENCH_DIR:-$root/build/bench}
BENCH_SIZES=${BENCH_SIZES:-small medium large}
BENCH_OUT=${BENCH_OUT:-$root/tests/bench/results/segment-$(date +%Y-%m-%d).md}
AS_OF=2025-01-01

die() { echo "bench: $*" >&2; exit 1; }
command -v mlr >/dev/null 2>&1 || {
	echo "bench: installing miller" >&2
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
	$SUDO apt-get install -y -q miller >/dev/null || die "cannot install miller"
}
for t in crm-import crm-segment; do
	[ -x "$CRM_BIN/$t" ] || die "$CRM_BIN/$t missing (run make first)"
done
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- lib cmd 2>/dev/null || echo ' + uncommitted changes in lib/ or cmd/')"
mkdir -p "$(dirname "$BENCH_OUT")"

fmt() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

rows=
for size in $BENCH_SIZES; do
	d=$BENCH_DIR/$size
	[ -f "$d/stamp" ] || die "no generated data in $d: run tests/bench/run.sh (make bench) first"
	db=$d/segment.db
	if [ "$(cat "$d/segment.stamp" 2>/dev/null)" != "$(cat "$d/stamp")" ]; then
		echo "bench: $size: importing into $db" >&2
		rm -f "$db" "$db-wal" "$db-shm"
		"$CRM_BIN/crm-import" --db "$db" --quiet "$d/customers.csv" "$d/orders.csv"
		cp "$d/stamp" "$d/segment.stamp"
	fi
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
	rss=$(mb "$(awk '$1 + 0 > m { m = $1 + 0 } END { print m + 0 }' "$d/seg.rss")")
	rm -f "$d/seg.rss"
	n=$(sed 's/.*customers=\([0-9]*\) orders=\([0-9]*\).*/\1 \/ \2/' "$d/stamp")
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
	echo "- sqlite3: $(sqlite3 --version | cut -d' ' -f1-2); Miller: $(mlr --version)"
	echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc)"
	echo "- as of $AS_OF; stdout to /dev/null (hyperfine --output null)"
} | tee "$BENCH_OUT"
