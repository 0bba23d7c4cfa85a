#!/bin/sh
# Benchmark crm-import against the sqlite3 shell's .import + CREATE INDEX on
# the same generated files (see tests/bench/README.md).
#
#   CRM_BIN=build/default/bin sh tests/bench/run.sh        (what `make bench` runs)
#
# Environment: BENCH_SIZES ("small medium large"), BENCH_DIR (build/bench),
# BENCH_SEED (42), BENCH_RUNS (runs per size and tool; default 3, large 1),
# BENCH_OUT (results file; default tests/bench/results/import-YYYY-MM-DD.md).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CRM_BIN=${CRM_BIN:-$root/build/default/bin}
BENCH_DIR=${BENCH_DIR:-$root/build/bench}
BENCH_SIZES=${BENCH_SIZES:-small medium large}
BENCH_SEED=${BENCH_SEED:-42}
BENCH_OUT=${BENCH_OUT:-$root/tests/bench/results/import-$(date +%Y-%m-%d).md}
crm_import=$CRM_BIN/crm-import

die() { echo "bench: $*" >&2; exit 1; }

# Tools the bench needs beyond `make deps`: install the missing ones (Debian).
missing=
command -v hyperfine >/dev/null 2>&1 || missing="$missing hyperfine"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
command -v sqlite3 >/dev/null 2>&1 || missing="$missing sqlite3"
[ -x /usr/bin/time ] || missing="$missing time"
if [ -n "$missing" ]; then
	echo "bench: installing$missing" >&2
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
	$SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $missing >/dev/null ||
		die "cannot install$missing"
fi
[ -x "$crm_import" ] || die "$crm_import missing (run make first)"

# Recorded before the runs: what was built and measured, not what HEAD is later.
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- lib cmd 2>/dev/null || echo ' + uncommitted changes in lib/ or cmd/')"
version=$("$crm_import" --version 2>&1 | head -1)

mkdir -p "$BENCH_DIR" "$(dirname "$BENCH_OUT")"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

# The generator, rebuilt when its source changes.
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

mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
fmt() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# Largest number in the files given (one peak RSS in KB per file).
maxkb() { cat "$@" 2>/dev/null | awk '$1 + 0 > m { m = $1 + 0 } END { print m + 0 }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
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
	runs=${BENCH_RUNS:-3}
	[ "$size" = large ] && runs=${BENCH_RUNS:-1}

	# Each run starts on a fresh store; peak RSS of each process goes to a
	# file per run through /usr/bin/time (its overhead is a fork and wait4).
	w=$d/run
	rm -rf "$w"
	mkdir -p "$w"
	cat > "$w/peer.sql" <<-EOF
	.bail on
	.mode csv
	.import $d/customers.csv customers
	.import $d/orders.csv orders
	CREATE INDEX orders_customer ON orders(customer_id);
	CREATE UNIQUE INDEX orders_no ON orders(order_no);
	CREATE UNIQUE INDEX customers_id ON customers(customer_id);
	EOF
	crm_cmd="n=\$(ls $w/*.rss 2>/dev/null | wc -l);
	  /usr/bin/time -f %M -o $w/cust.\$n.rss $crm_import --db $w/crm.db --quiet $d/customers.csv &&
	  /usr/bin/time -f %M -o $w/ord.\$n.rss $crm_import --db $w/crm.db --quiet $d/orders.csv"
	peer_cmd="n=\$(ls $w/*.rss 2>/dev/null | wc -l);
	  /usr/bin/time -f %M -o $w/peer.\$n.rss sqlite3 $w/peer.db < $w/peer.sql"
	echo "bench: $size: timing crm-import and sqlite3 ($runs runs each)" >&2
	hyperfine --warmup 0 --runs "$runs" --export-json "$d/hyperfine.json" --style basic \
		--prepare "rm -f $w/crm.db $w/crm.db-wal $w/crm.db-shm" \
		--prepare "rm -f $w/peer.db $w/peer.db-wal $w/peer.db-shm" \
		-n crm-import "sh -c '$crm_cmd'" \
		-n sqlite3 "sh -c '$peer_cmd'" >&2 || die "hyperfine failed"
	# Sanity: both loaded every row.
	got=$(sqlite3 "$w/crm.db" "SELECT (SELECT count(*) FROM customers) || ' ' || (SELECT count(*) FROM orders)")
	[ "$got" = "$nc $no" ] || die "$size: crm-import stored $got rows, expected $nc $no"
	got=$(sqlite3 "$w/peer.db" "SELECT (SELECT count(*) FROM customers) || ' ' || (SELECT count(*) FROM orders)")
	[ "$got" = "$nc $no" ] || die "$size: sqlite3 stored $got rows, expected $nc $no"

	j=$d/hyperfine.json
	cm=$(jq '.results[0].median' "$j") cmin=$(jq '.results[0].min' "$j")
	sm=$(jq '.results[1].median' "$j") smin=$(jq '.results[1].min' "$j")
	# CPU time (user + system, mean over the runs): crm-import uses two
	# threads, so its CPU time can exceed its wall time.
	ccpu=$(jq '.results[0].user + .results[0].system' "$j")
	scpu=$(jq '.results[1].user + .results[1].system' "$j")
	crss="$(mb "$(maxkb "$w"/cust.*.rss)") customers / $(mb "$(maxkb "$w"/ord.*.rss)") orders"
	srss=$(mb "$(maxkb "$w"/peer.*.rss)")
	label="$size ($(printf %s "$nc" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') / $(printf %s "$no" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'))"
	rows="$rows| $label | crm-import | $(fmt "$cm") | $(fmt "$cmin") | $(ratio "$cm" "$sm") | $(ratio "$cmin" "$smin") | $(fmt "$ccpu") | $crss | $runs |
| $label | sqlite3 .import + indexes | $(fmt "$sm") | $(fmt "$smin") | 1.00 | 1.00 | $(fmt "$scpu") | $srss | $runs |
"
done

{
	echo "# crm-import benchmark — $(date +%Y-%m-%d)"
	echo
	echo "| size (customers / orders) | tool | median s | min s | ratio crm/sqlite3 (median) | ratio (min) | user+sys s (mean) | peak RSS MB | runs |"
	echo "|---|---|---:|---:|---:|---:|---:|---|---:|"
	printf %s "$rows"
	echo
	echo "- commit: $commit (at the start of the run)"
	echo "- crm-import: $version"
	echo "- sqlite3: $(sqlite3 --version | cut -d' ' -f1-2)"
	echo "- hyperfine: $(hyperfine --version | cut -d' ' -f2)"
	echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc)"
	echo "- load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine shows it here)"
	echo "- seed $BENCH_SEED; data and hyperfine JSON in $BENCH_DIR/SIZE/"
	echo "- peak RSS: /usr/bin/time -f %M, max over the timed runs; crm-import per file (customers run, orders run)"
} | tee "$BENCH_OUT"
