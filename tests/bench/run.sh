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
. "$here/lib.sh"   # root, CRM_BIN, BENCH_DIR, BENCH_SIZES, BENCH_SEED; helpers
BENCH_OUT=${BENCH_OUT:-$(results_file import)}
crm_import=$CRM_BIN/crm-import

# Tools the bench needs beyond `make deps`: install the missing ones (Debian).
missing=$(missing_commands hyperfine jq sqlite3)
[ -x /usr/bin/time ] || missing="$missing time"
install_packages $missing
need_tools crm-import

# Recorded before the runs: what was built and measured, not what HEAD is later.
commit=$(build_commit)
version=$("$crm_import" --version 2>&1 | head -1)

make_bench_dir
mkdir -p "$(dirname "$BENCH_OUT")"
build_generator

load_before=$(load_average)
rows=
for size in $BENCH_SIZES; do
	generate_size "$size"
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
	label="$size ($(comma "$nc") / $(comma "$no"))"
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
	echo "- sqlite3: $(sqlite3_version)"
	echo "- hyperfine: $(hyperfine_version)"
	echo "- CPU: $(cpu_and_cores)"
	echo "- load average before / after: $load_before / $(load_average) (a shared machine shows it here)"
	echo "- seed $BENCH_SEED; data and hyperfine JSON in $BENCH_DIR/SIZE/"
	echo "- peak RSS: /usr/bin/time -f %M, max over the timed runs; crm-import per file (customers run, orders run)"
} | tee "$BENCH_OUT"
