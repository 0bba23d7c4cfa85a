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
. "$here/lib.sh"   # root, CRM_BIN, BENCH_DIR, BENCH_SIZES; helpers
BENCH_OUT=${BENCH_OUT:-$(results_file remind)}
AS_OF=2025-01-01
DAY_BEFORE=2024-12-31

need_tools crm-import crm-remind
need_commands hyperfine jq sqlite3
commit=$(build_commit)
mkdir -p "$(dirname "$BENCH_OUT")"

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
	require_data "$size"
	db=$d/segment.db
	import_once "$db"
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
	echo "bench: $size: timing crm-remind ($runs runs each; load $(load_average))" >&2
	load_before=$(load_average)
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
	load_after=$(load_average)
	n=$(stamp_counts "$d")
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
	echo "- CPU: $(cpu_and_cores); load average before and after the size's runs in the last column"
	echo "- sqlite3: $(sqlite3_version); hyperfine: $(hyperfine_version)"
} | tee "$BENCH_OUT"
