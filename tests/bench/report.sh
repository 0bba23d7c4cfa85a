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
# (same seed and stamp as run.sh), then imports them once into
# BENCH_DIR/SIZE/report.db. Environment as run.sh; BENCH_SIZES default
# "small medium large"; BENCH_OUT defaults to
# tests/bench/results/report-YYYY-MM-DD.md; BENCH_RUNS (default 5),
# BENCH_WARMUP (default 1).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CRM_BIN=${CRM_BIN:-$root/build/default/bin}
BENCH_DIR=${BENCH_DIR:-$root/build/bench}
BENCH_SIZES=${BENCH_SIZES:-small medium large}
BENCH_SEED=${BENCH_SEED:-42}
BENCH_OUT=${BENCH_OUT:-$root/tests/bench/results/report-$(date +%Y-%m-%d).md}
AS_OF=2025-01-01   # the generated orders run to 2024-12-31: the report is of 2024-12

die() { echo "bench: $*" >&2; exit 1; }
for t in hyperfine jq sqlite3; do
	command -v "$t" >/dev/null 2>&1 || die "$t missing (tests/bench/run.sh installs it)"
done
for t in crm-import crm-report; do
	[ -x "$CRM_BIN/$t" ] || die "$CRM_BIN/$t missing (run make first)"
done
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- lib cmd 2>/dev/null || echo ' + uncommitted changes in lib/ or cmd/')"
mkdir -p "$BENCH_DIR" "$(dirname "$BENCH_OUT")"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

gen=$BENCH_DIR/gen
if [ ! -x "$gen" ] || [ "$here/gen.c" -nt "$gen" ]; then
	${CC:-cc} -O2 -std=c11 -o "$gen" "$here/gen.c" || die "cannot build the generator"
fi
gen_sum=$(cksum < "$here/gen.c" | cut -d' ' -f1)

sizes_of() {
	case $1 in
	small) echo "10000 100000" ;;
	medium) echo "100000 1000000" ;;
	large) echo "1000000 10000000" ;;
	*) die "unknown size \"$1\" (small, medium, large)" ;;
	esac
}

fmt() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

rows=
for size in $BENCH_SIZES; do
	set -- $(sizes_of "$size")
	nc=$1 no=$2
	d=$BENCH_DIR/$size
	stamp="seed=$BENCH_SEED customers=$nc orders=$no gen=$gen_sum"
	mkdir -p "$d"
	if [ "$(cat "$d/stamp" 2>/dev/null)" != "$stamp" ]; then
		echo "bench: generating $size ($nc customers, $no orders) in $d" >&2
		rm -f "$d/stamp"
		"$gen" "$BENCH_SEED" "$nc" "$no" "$d" || die "generator failed"
		echo "$stamp" > "$d/stamp"
	fi
	db=$d/report.db
	if [ "$(cat "$d/report.stamp" 2>/dev/null)" != "$(cat "$d/stamp")" ]; then
		echo "bench: $size: importing into $db" >&2
		rm -f "$db" "$db-wal" "$db-shm"
		"$CRM_BIN/crm-import" --db "$db" --quiet "$d/customers.csv" "$d/orders.csv"
		cp "$d/stamp" "$d/report.stamp"
	fi
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
	rss=$(mb "$(awk '$1 + 0 > m { m = $1 + 0 } END { print m + 0 }' "$d/rep.rss")")
	rm -f "$d/rep.rss"
	n=$(sed 's/.*customers=\([0-9]*\) orders=\([0-9]*\).*/\1 \/ \2/' "$d/stamp")
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
	echo "- sqlite3: $(sqlite3 --version | cut -d' ' -f1-2); hyperfine $(hyperfine --version | cut -d' ' -f2)"
	echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc)"
	echo "- as of $AS_OF (report of 2024-12 against 2024-11 and 2023-12, trend 2024-01..12);"
	echo "  stdout to /dev/null (hyperfine --output null); warm page cache"
	echo "- the sqlite3 line does a small part of the report's work (no churn,"
	echo "  retention, leads, cohorts, tickets, answers or comparisons): a floor, not a peer"
} | tee "$BENCH_OUT"
