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
root=$(cd "$here/../.." && pwd)
CRM_BIN=${CRM_BIN:-$root/build/default/bin}
BENCH_DIR=${BENCH_DIR:-$root/build/bench}
BENCH_SEED=${BENCH_SEED:-42}
BENCH_RUNS=${BENCH_RUNS:-3}
nc=${BENCH_XLSX_CUSTOMERS:-100000}
no=${BENCH_XLSX_ORDERS:-1000000}
BENCH_OUT=${BENCH_OUT:-$root/tests/bench/results/xlsx-$(date +%Y-%m-%d).md}
crm_import=$CRM_BIN/crm-import

die() { echo "bench: $*" >&2; exit 1; }

missing=
[ -x /usr/bin/time ] || missing="$missing time"
command -v sqlite3 >/dev/null 2>&1 || missing="$missing sqlite3"
command -v unzip >/dev/null 2>&1 || missing="$missing unzip"
pkg-config --exists xlsxwriter 2>/dev/null || missing="$missing libxlsxwriter-dev"
if [ -n "$missing" ]; then
	echo "bench: installing$missing" >&2
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
	$SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $missing >/dev/null ||
		die "cannot install$missing"
fi
[ -x "$crm_import" ] || die "$crm_import missing (run make first)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- lib cmd 2>/dev/null || echo ' + uncommitted changes in lib/ or cmd/')"

d=$BENCH_DIR/xlsx
mkdir -p "$d" "$(dirname "$BENCH_OUT")"
for g in gen gen_xlsx; do
	if [ ! -x "$d/$g" ] || [ "$here/$g.c" -nt "$d/$g" ]; then
		libs=; [ $g = gen_xlsx ] && libs=$(pkg-config --libs xlsxwriter)
		${CC:-cc} -O2 -std=c11 -o "$d/$g" "$here/$g.c" $libs || die "cannot build $g"
	fi
done
stamp="seed=$BENCH_SEED customers=$nc orders=$no gen=$(cat "$here/gen.c" "$here/gen_xlsx.c" | cksum | cut -d' ' -f1)"
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
load=$(cut -d' ' -f1-3 /proc/loadavg)
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
	echo "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $BENCH_RUNS runs each, medians;"
	echo "each run imports the orders into a fresh copy of a store holding $nc customers."
	echo "Files: orders.csv $(size "$d/orders.csv"), orders.xlsx $(size "$d/orders.xlsx")"
	echo "(sheet and shared-string XML uncompressed: $xml). Both imports store the same"
	echo "rows (count and sum of amounts: $got_orders_csv)."
	echo
	echo "Load average when the runs began: $load (the machine has $(nproc) cores)."
	echo
	echo "| input | wall median (s) | wall min (s) | user+sys median (s) | user+sys min (s) | peak RSS (MB) | wall vs CSV (median / min) |"
	echo "|---|---|---|---|---|---|---|"
	echo "| CSV | $cw | $cwm | $cc | $ccm | $(awk -v k="$ck" 'BEGIN { printf "%.0f", k / 1024 }') | 1.00 / 1.00 |"
	echo "| .xlsx | $xw | $xwm | $xc | $xcm | $(awk -v k="$xk" 'BEGIN { printf "%.0f", k / 1024 }') | $(awk -v a="$xw" -v b="$cw" 'BEGIN { printf "%.2f", a / b }') / $(awk -v a="$xwm" -v b="$cwm" 'BEGIN { printf "%.2f", a / b }') |"
	echo
	echo "Raw runs (wall user sys KB):"
	echo
	for f in orders.csv orders.xlsx; do
		sed "s/^/    $f: /" "$d/$f.runs"
	done
} > "$BENCH_OUT"
cat "$BENCH_OUT"
