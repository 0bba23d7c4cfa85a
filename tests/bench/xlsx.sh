#!/bin/sh
# Benchmark crm-import on the same orders as an .xlsx workbook and as CSV
# (issue 11): wall time, user+sys CPU and peak RSS per run, medians.
#
#   CRM_BIN=build/default/bin sh tests/bench/xlsx.sh        (part of `make bench`)
#
# gen.c makes BENCH_XLSX_CUSTOMERS customers (100,000) and BENCH_XLSX_ORDERS
# orders (1,000,000) as CSV; gen_xlsx.c (libxlsxwriter) writes the orders as
# a workbook with typed cells. Each run imports the orders into a fresh copy
# of a store that already holds the customers. Environment: BENCH_DIR
# (build/bench), BENCH_SEED (42), BENCH_RUNS (3), BENCH_OUT (results file;
# default tests/bench/results/xlsx-YYYY-MM-DD.md).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"   # root, CRM_BIN, BENCH_DIR, BENCH_SEED; helpers
BENCH_RUNS=${BENCH_RUNS:-3}
nc=${BENCH_XLSX_CUSTOMERS:-100000}
no=${BENCH_XLSX_ORDERS:-1000000}
BENCH_OUT=${BENCH_OUT:-$(results_file xlsx)}
crm_import=$CRM_BIN/crm-import

missing=
[ -x /usr/bin/time ] || missing=time
missing="$missing $(missing_commands sqlite3 unzip)"
pkg-config --exists xlsxwriter 2>/dev/null || missing="$missing libxlsxwriter-dev"
install_packages $missing
need_tools crm-import
commit=$(build_commit)

# Its own generators and data (BENCH_DIR/xlsx), stamped with both sources.
d=$BENCH_DIR/xlsx
mkdir -p "$d" "$(dirname "$BENCH_OUT")"
build_c "$d/gen" "$here/gen.c"
build_c "$d/gen_xlsx" "$here/gen_xlsx.c" $(pkg-config --libs xlsxwriter)
stamp="seed=$BENCH_SEED customers=$nc orders=$no gen=$(checksum "$here/gen.c" "$here/gen_xlsx.c")"
if [ "$(cat "$d/stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "bench: generating $nc customers and $no orders (CSV and .xlsx) in $d" >&2
	rm -f "$d/stamp"
	"$d/gen" "$BENCH_SEED" "$nc" "$no" "$d" || die "generator failed"
	"$d/gen_xlsx" "$d/orders.csv" "$d/orders.xlsx" || die "gen_xlsx failed"
	echo "$stamp" > "$d/stamp"
fi
rm -f "$d/base.db"*
"$crm_import" --db "$d/base.db" --quiet "$d/customers.csv" || die "importing the customers failed"

# One timed import of FILE into a fresh copy of the base store: "wall user sys kb".
run_one() {
	rm -f "$d/run.db"*
	cp "$d/base.db" "$d/run.db"
	/usr/bin/time -f '%e %U %S %M' -o "$d/time.out" "$crm_import" --db "$d/run.db" --quiet "$1" ||
		die "crm-import $1 failed"
	cat "$d/time.out"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
minimum() { sort -n | head -1; }
results=
load=$(load_average)
for f in orders.csv orders.xlsx; do
	: > "$d/$f.runs"
	i=0
	while [ $i -lt "$BENCH_RUNS" ]; do
		echo "bench: crm-import $f, run $((i + 1)) of $BENCH_RUNS" >&2
		run_one "$d/$f" >> "$d/$f.runs"
		i=$((i + 1))
	done
	got=$(sqlite3 "$d/run.db" "SELECT count(*) || ' ' || sum(amount) FROM orders")
	eval "got_$(echo "$f" | tr . _)=\"\$got\""
	wall=$(awk '{ print $1 }' "$d/$f.runs" | median)
	cpu=$(awk '{ printf "%.2f\n", $2 + $3 }' "$d/$f.runs" | median)
	kb=$(awk '{ print $4 }' "$d/$f.runs" | median)
	wmin=$(awk '{ print $1 }' "$d/$f.runs" | minimum)
	cmin=$(awk '{ printf "%.2f\n", $2 + $3 }' "$d/$f.runs" | minimum)
	results="$results$f $wall $cpu $kb $wmin $cmin
"
done
[ "$got_orders_csv" = "$got_orders_xlsx" ] ||
	die "the two imports differ: CSV $got_orders_csv, xlsx $got_orders_xlsx"
[ "${got_orders_csv%% *}" = "$no" ] || die "stored ${got_orders_csv%% *} orders, expected $no"

size() { stat -c %s "$1" | awk '{ printf "%.1f MB", $1 / 1e6 }'; }
xml=$(unzip -l "$d/orders.xlsx" | awk '$4 ~ /^xl\/(worksheets\/sheet1|sharedStrings)\.xml$/ { s += $1 } END { printf "%.1f MB", s / 1e6 }')
csv_line=$(echo "$results" | awk '$1 == "orders.csv"')
xlsx_line=$(echo "$results" | awk '$1 == "orders.xlsx"')
set -- $csv_line; cw=$2 cc=$3 ck=$4 cwm=$5 ccm=$6
set -- $xlsx_line; xw=$2 xc=$3 xk=$4 xwm=$5 xcm=$6
{
	echo "# crm-import: $no orders as .xlsx and as CSV, $(date +%Y-%m-%d)"
	echo
	echo "Commit $commit; $("$crm_import" --version 2>&1 | head -1); $(nproc) cores,"
	echo "$(cpu_model); $BENCH_RUNS runs each, medians;"
	echo "each run imports the orders into a fresh copy of a store holding $nc customers."
	echo "Files: orders.csv $(size "$d/orders.csv"), orders.xlsx $(size "$d/orders.xlsx")"
	echo "(sheet and shared-string XML uncompressed: $xml). Both imports store the same"
	echo "rows (count and sum of amounts: $got_orders_csv)."
	echo
	echo "Load average when the runs began: $load (the machine has $(nproc) cores)."
	echo
	echo "| input | wall median (s) | wall min (s) | user+sys median (s) | user+sys min (s) | peak RSS (MB) | wall vs CSV (median / min) |"
	echo "|---|---|---|---|---|---|---|"
	echo "| CSV | $cw | $cwm | $cc | $ccm | $(mb "$ck") | 1.00 / 1.00 |"
	echo "| .xlsx | $xw | $xwm | $xc | $xcm | $(mb "$xk") | $(ratio "$xw" "$cw") / $(ratio "$xwm" "$cwm") |"
	echo
	echo "Raw runs (wall user sys KB):"
	echo
	for f in orders.csv orders.xlsx; do
		sed "s/^/    $f: /" "$d/$f.runs"
	done
} > "$BENCH_OUT"
cat "$BENCH_OUT"
