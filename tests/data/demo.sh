#!/bin/sh
# The crm-tools demo: the whole pipeline on the bundled sample data
# (tests/data/sample, see its README.md) in a fresh store in a temporary
# directory: import (with the rejects of the deliberate mistakes), dedupe,
# segment, score, the monthly report (text and HTML) and today's reminders.
#
#   CRM_BIN=build/default/bin sh tests/data/demo.sh      (or: make demo)
#
# Nothing outside the temporary directory is written, so it can be run any
# number of times; each run makes a new directory and says where it is.
set -eu

: "${CRM_BIN:?set CRM_BIN to the directory of the crm binaries}"
here=$(cd "$(dirname "$0")" && pwd)
sample=$here/sample
cfg=$sample/config.yaml
import="$CRM_BIN/crm-import"
[ -x "$import" ] || { echo "demo: $import not found; run make first" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "demo: the sqlite3 shell is needed" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/crm-demo.XXXXXX")
db=$work/crm.db
echo "Store: $db"
echo

sql() { sqlite3 -box "$db" "$@"; }

# Import each file on its own, so each gets its own reject file.  Exit 65 means
# some rows were rejected: the sample has deliberate mistakes (see README.md).
echo "== Importing the sample data (config: $cfg)"
cd "$sample"
for f in customers customers_tw orders interactions tickets; do
	rc=0
	"$import" --db "$db" --config "$cfg" --rejects "$work/$f.rejects.csv" \
		"$f.csv" 2>"$work/$f.log" || rc=$?
	case $rc in
	0 | 65) tail -n 1 "$work/$f.log" | sed "s|$work/||; s|^|  |" ;;
	*)
		cat "$work/$f.log" >&2
		echo "demo: crm-import $f.csv failed with exit status $rc" >&2
		exit 1
		;;
	esac
done
echo

echo "== Rows per table"
sql "SELECT 'customers' AS tbl, count(*) AS rows FROM customers
     UNION ALL SELECT 'orders', count(*) FROM orders
     UNION ALL SELECT 'interactions', count(*) FROM interactions
     UNION ALL SELECT 'tickets', count(*) FROM tickets"
echo

echo "== Customers by status (a lead becomes a customer with its first paid order)"
sql "SELECT status, count(*) AS customers FROM customers
     WHERE merged_into IS NULL GROUP BY status ORDER BY status"
echo

# Net revenue of the last six months in the data: paid orders minus refunds on
# their own date, cancelled orders left out.  The store keeps each order in its
# own currency; NT$ is converted here at the sample config's rate.
twd=$(sed -n 's/^[[:space:]]*TWD:[[:space:]]*\([0-9.]*\).*/\1/p' "$cfg")
echo "== Revenue by month, last 6 months (CNY; NT\$ at $twd)"
sql "WITH m AS (
       SELECT substr(ordered_at, 1, 7) AS month, status,
              amount / 100.0 * CASE currency WHEN 'TWD' THEN $twd ELSE 1 END AS yuan
       FROM orders)
     SELECT month,
            sum(status = 'paid') AS paid_orders,
            sum(status = 'refunded') AS refunds,
            printf('%.2f', sum(CASE status WHEN 'paid' THEN yuan
                                            WHEN 'refunded' THEN -yuan ELSE 0 END)) AS net_revenue
     FROM m WHERE month IN (SELECT DISTINCT substr(ordered_at, 1, 7) FROM orders
                            ORDER BY 1 DESC LIMIT 6)
     GROUP BY month ORDER BY month"
echo

echo "== Import log (crm-import --list)"
"$import" --db "$db" --config "$cfg" --list |
	sqlite3 -box :memory: ".import --csv /dev/stdin log" \
		"SELECT import_id, kind, file, rows, new, updated, unchanged, rejected FROM log"
echo

echo "== Rejected rows (the deliberate mistakes in the sample, see $sample/README.md)"
for f in "$work"/*.rejects.csv; do
	[ -e "$f" ] || continue
	echo "$f:"
	# _line and _reason are the last two fields of each record (a ragged row
	# has more fields than the header, so they are not found by position).
	LC_ALL=C awk '
	function report(rec,   i, n, c, f, q) {
		n = 0; f = ""; q = 0
		for (i = 1; i <= length(rec); i++) {
			c = substr(rec, i, 1)
			if (q && c == "\"" && substr(rec, i + 1, 1) == "\"") { f = f c; i++ }
			else if (c == "\"") q = !q
			else if (c == "," && !q) { fld[++n] = f; f = "" }
			else f = f c
		}
		fld[++n] = f
		printf "  line %s: %s\n", fld[n - 1], fld[n]
	}
	{ sub(/\r$/, ""); rec = pending ? rec "\n" $0 : $0; t = rec; pending = gsub(/"/, "", t) % 2 }
	pending { next }
	records++ { report(rec) }
	' "$f"
done
echo
# The rest of the pipeline, as of the day after the sample's last order.
asof=2026-11-01
tool() { t=$1; shift; "$CRM_BIN/crm-$t" --db "$db" --config "$cfg" --as-of "$asof" "$@"; }

echo "== Duplicates: crm-dedupe --merge (sure ones merged, doubtful ones to review.csv)"
tool dedupe --merge --review "$work/review.csv" 2>&1 | sed 's/^/  /'
tool dedupe --list-merges | cut -d, -f1,3,4,5,6 | sed 's/^/  /'
echo

echo "== Segments: crm-segment --save --summary (as of $asof)"
tool segment --all --save --quiet --summary --format text
echo

# Exit 65 when a model cannot be fitted: the sample's spend per customer does
# not settle as purchases add up, which the spend model assumes, so crm-score
# says so and leaves the money columns empty (P(alive) is still scored).
echo "== Scores: crm-score --save (P(alive), expected purchases; the first rows)"
rc=0
tool score --all --save --quiet > "$work/scores.csv" 2> "$work/score.log" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 65 ] || { cat "$work/score.log" >&2; exit 1; }
sed 's/^/  /' "$work/score.log"
head -n 4 "$work/scores.csv" | cut -d, -f1-3,10-12 | sed 's/^/  /'
echo

echo "== Report: crm-report for 2026-10 (HTML: $work/report.html)"
tool report --all --format text
tool report --all --format html > "$work/report.html"
echo

echo "== Reminders due on $asof: crm-remind (by owner; calendar: $work/reminders.ics)"
tool remind --all --quiet --by-owner -f text > "$work/reminders.txt"
tool remind --all --quiet -f ics > "$work/reminders.ics"
head -n 12 "$work/reminders.txt"
echo "  ... $(($(wc -l < "$work/reminders.txt") - 1)) reminders in $work/reminders.txt"
echo

echo "The HTML report is $work/report.html; the reminders are $work/reminders.txt"
echo "and $work/reminders.ics; the pairs for a person to decide are $work/review.csv."
echo "Explore the store: sqlite3 $db"
echo "  or use it with the tools: export CRM_DB=$db"
