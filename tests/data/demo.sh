#!/bin/sh
# The crm-tools demo: import the bundled sample data (tests/data/sample, see its
# README.md) into a fresh store in a temporary directory and summarise it.
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
echo "Explore the store: sqlite3 $db"
echo "  or use it with the tools: export CRM_DB=$db"
