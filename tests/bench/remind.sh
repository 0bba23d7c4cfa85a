#!/bin/sh
# Benchmark crm-remind on the generated stores (see tests/bench/README.md,
# "crm-remind"): three runs that a business meets, each timed with hyperfine:
#   first      the first run on a store nobody has followed up yet: almost
#              every customer is due (the worst case: 952,561 of 1,000,000
#              reminders to store and write);
#   again      the same run again (idempotent: nothing new to store, the
#              same list written);
#   daily      a store whose customers were each contacted in the last 3 weeks
#              (one interaction each), the day after a run whose list was
#              worked through (marked done): what came due since is due.
#
#   CRM_BIN=build/default/bin sh tests/bench/remind.sh     (part of `make bench`)
#
# Uses the files tests/bench/run.sh generates (BENCH_DIR/SIZE/*.csv) and the
# store tests/bench/segment.sh imports from them (BENCH_DIR/SIZE/segment.db),
# importing it here when segment.sh has not. Environment as run.sh;
# BENCH_OUT defaults to tests/bench/results/remind-YYYY-MM-DD.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CRM_BIN=${CRM_BIN:-$root/build/default/bin}
BENCH_DIR=${BENCH_DIR:-$root/build/bench}
BENCH_SIZES=${BENCH_SIZES:-small medium large}
BENCH_OUT=${BENCH_OUT:-$root/tests/bench/results/remind-$(date +%Y-%m-%d).md}
AS_OF=2025-01-01
DAY_BEFORE=2024-12-31

die() { echo "bench: $*" >&2; exit 1; }
for t in crm-import crm-remind; do
	[ -x "$CRM_BIN/$t" ] || die "$CRM_BIN/$t missing (run make first)"
done
for t in hyperfine jq sqlite3; do
	command -v $t >/dev/null 2>&1 || die "$t missing (run tests/bench/run.sh, which installs it)"
done
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- lib cmd 2>/dev/null || echo ' + uncommitted changes in lib/ or cmd/')"
mkdir -p "$(dirname "$BENCH_OUT")"

fmt() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
maxkb() { awk '$1 + 0 > m { m = $1 + 0 } END { print m + 0 }' "$@"; }
comma() { printf %s "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# One crm-remind run as hyperfine times it; peak RSS appended to $1.
remind_cmd() {
	echo "/usr/bin/time -f %M -a -o $1 $CRM_BIN/crm-remind --db $2 --all --as-of $3 --quiet"
}

# time NAME JSON RSS PREPARE CMD: hyperfine's median and min wall, mean
# user and system CPU, peak RSS, as one table row's cells.
time_it() {
	name=$1 json=$2 rss=$3 prepare=$4 cmd=$5
	rm -f "$rss"
	if [ -n "$prepare" ]; then
		hyperfine --runs "$runs" --export-json "$json" --style basic --output null \
			--prepare "$prepare" -n "$name" "$cmd" >&2 || die "hyperfine failed"
	else
		hyperfine --warmup 1 --runs "$runs" --export-json "$json" --style basic --output null \
			-n "$name" "$cmd" >&2 || die "hyperfine failed"
	fi
	echo "$(fmt "$(jq '.results[0].median' "$json")") | $(fmt "$(jq '.results[0].min' "$json")") | $(fmt "$(jq '.results[0].user + .results[0].system' "$json")") ($(fmt "$(jq '.results[0].user' "$json")") + $(fmt "$(jq '.results[0].system' "$json")")) | $(mb "$(maxkb "$rss")") MB"
}

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
	# The daily store: the same customers and orders, each customer
	# contacted once, 0 to 20 days before the day (by its number), and the
	# day before's run stored ...
	daily=$d/remind-daily.db
	if [ "$(cat "$d/remind-daily.stamp" 2>/dev/null)" != "$(cat "$d/stamp")" ]; then
		echo "bench: $size: making the daily store $daily" >&2
		rm -f "$daily" "$daily-wal" "$daily-shm"
		cp "$db" "$daily"
		days=
		for k in $(seq 0 20); do
			days="$days $(date -d "$AS_OF - $k days" +%Y-%m-%d)"
		done
		awk -F, -v days="$days" 'BEGIN {
			split(days, day, " ")
			print "customer_id,time,channel,kind,summary"
		}
		NR > 1 { printf "%s,%s 10:00,phone,call,follow-up\n", $1, day[1 + NR % 21] }' \
			"$d/customers.csv" > "$d/interactions.csv"
		"$CRM_BIN/crm-import" --db "$daily" --quiet "$d/interactions.csv"
		"$CRM_BIN/crm-remind" --db "$daily" --all --as-of "$DAY_BEFORE" --quiet > /dev/null
		# ... and its list worked through (done, as crm-remind done marks it).
		sqlite3 "$daily" "UPDATE reminders SET status = 'done', done_at = '$DAY_BEFORE 18:00:00' WHERE status = 'open'"
		cp "$d/stamp" "$d/remind-daily.stamp"
	fi
	runs=${BENCH_RUNS:-3}
	first=$d/remind-first.db
	echo "bench: $size: timing crm-remind ($runs runs each; load $(load))" >&2
	load_before=$(load)
	# first: a fresh copy of the store before each run, written out first
	# so its write-back does not land in the timed run.
	r_first=$(time_it first "$d/remind-first.json" "$d/remind-first.rss" \
		"rm -f $first $first-wal $first-shm && cp $db $first && sync" \
		"$(remind_cmd "$d/remind-first.rss" "$first" "$AS_OF")")
	due=$("$CRM_BIN/crm-remind" --db "$first" --all --as-of "$AS_OF" --quiet | tail -n +2 | wc -l)
	r_again=$(time_it again "$d/remind-again.json" "$d/remind-again.rss" "" \
		"$(remind_cmd "$d/remind-again.rss" "$first" "$AS_OF")")
	# The same list twice: the idempotent run changed nothing.
	"$CRM_BIN/crm-remind" --db "$first" --all --as-of "$AS_OF" --quiet > "$d/remind-a.csv"
	"$CRM_BIN/crm-remind" --db "$first" --all --as-of "$AS_OF" --quiet > "$d/remind-b.csv"
	cmp -s "$d/remind-a.csv" "$d/remind-b.csv" || die "$size: a second run wrote another list"
	rm -f "$d/remind-a.csv" "$d/remind-b.csv"
	r_daily=$(time_it daily "$d/remind-daily.json" "$d/remind-daily.rss" "" \
		"$(remind_cmd "$d/remind-daily.rss" "$daily" "$AS_OF")")
	daily_due=$("$CRM_BIN/crm-remind" --db "$daily" --all --as-of "$AS_OF" --quiet | tail -n +2 | wc -l)
	load_after=$(load)
	n=$(sed 's/.*customers=\([0-9]*\) orders=\([0-9]*\).*/\1 \/ \2/' "$d/stamp")
	n=$(comma "${n% /*}")" / "$(comma "${n#*/ }")
	rows="$rows| $size ($n) | first run | $(comma "$due") | $r_first | $load_before |
| $size ($n) | the same run again | $(comma "$due") | $r_again | |
| $size ($n) | daily run (contacted in the last 3 weeks) | $(comma "$daily_due") | $r_daily | $load_after |
"
done

{
	echo "# crm-remind benchmark — $(date +%Y-%m-%d)"
	echo
	echo "| size (customers / orders) | run | reminders due | median s (wall) | min s | user + sys s (mean) | peak RSS | load avg (1, 5, 15 min) |"
	echo "|---|---|---:|---:|---:|---|---:|---|"
	printf %s "$rows"
	echo
	echo "- commit: $commit (at the start of the run)"
	echo "- crm-remind --all --as-of $AS_OF --quiet, CSV to /dev/null (hyperfine --output null), $runs runs each; first: a fresh copy of the store per run"
	echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc); load average before and after the size's runs in the last column"
	echo "- sqlite3: $(sqlite3 --version | cut -d' ' -f1-2); hyperfine: $(hyperfine --version | cut -d' ' -f2)"
} | tee "$BENCH_OUT"
