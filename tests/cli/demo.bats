#!/usr/bin/env bats
# The demo (tests/data/demo.sh, `make demo`) on the bundled sample data
# (tests/data/sample, see its README.md): it runs clean, imports every good row,
# rejects exactly the deliberately bad ones, and keeps Big5 text intact.

setup() {
	load helpers
	SAMPLE="$DATA/sample"
	export TMPDIR="$BATS_TEST_TMPDIR"
	cd "$BATS_TEST_TMPDIR"
}

# The deliberately bad rows, by first field, as listed in tests/data/sample/README.md.
BAD_customers="C0058 C0124 C0189 C0247"
BAD_orders="SO202601159001 SO202604029002 SO202606189003 SO202609109004"

# The first field of every data record of a CSV file (header skipped), one a line;
# a quoted field may hold line breaks, so records are not lines.
first_fields() {
	LC_ALL=C awk '
	{ sub(/\r$/, ""); rec = pending ? rec "\n" $0 : $0; t = rec; pending = gsub(/"/, "", t) % 2 }
	pending { next }
	records++ && rec != "" { f = rec; sub(/,.*/, "", f); sub(/^\357\273\277/, "", f); print f }
	' "$1"
}

# Data records of a sample file, read as UTF-8 (the Big5 one converted first).
records() {
	case $1 in
	customers_tw) iconv -f BIG5 -t UTF-8 "$SAMPLE/$1.csv" > "$BATS_TEST_TMPDIR/$1.utf8" ;;
	*) cp "$SAMPLE/$1.csv" "$BATS_TEST_TMPDIR/$1.utf8" ;;
	esac
	first_fields "$BATS_TEST_TMPDIR/$1.utf8" | wc -l
}

nbad() { eval "set -- \$BAD_$1"; echo $#; }

run_demo() {
	run -0 --separate-stderr sh "$BATS_TEST_DIRNAME/../data/demo.sh"
	[ "$stderr" = "" ]
	DB=$(printf '%s\n' "$output" | sed -n 's/^Store: //p')
	[ -f "$DB" ]
	WORK=$(dirname "$DB")
}

@test "demo: runs clean on the sample data and summarises the store" {
	run_demo
	case $DB in "$BATS_TEST_TMPDIR"/*) ;; *) false ;; esac
	[[ "$output" == *"== Rows per table"* ]]
	[[ "$output" == *"== Customers by status"* ]]
	[[ "$output" == *"== Revenue by month, last 6 months"* ]]
	[[ "$output" == *"│ 2026-10 "* ]]
	[[ "$output" == *"== Import log (crm-import --list)"* ]]
	[[ "$output" == *"$WORK/customers.rejects.csv:"* ]]
	[[ "$output" == *"$WORK/orders.rejects.csv:"* ]]
	[[ "$output" != *rror* && "$output" != *"demo:"* ]]
	# nothing written beside the sample files
	[ ! -e "$SAMPLE/customers.rejects.csv" ] && [ ! -e "$SAMPLE/orders.rejects.csv" ]
}

@test "demo: every good row imported, per file and per table" {
	run_demo
	sqlite3 -batch -csv -noheader "$DB" \
		"SELECT file, rows_read, rows_new, rows_rejected FROM imports ORDER BY id" > log.csv
	for f in customers customers_tw orders interactions tickets; do
		n=$(records $f)
		bad=0
		case $f in customers | orders) bad=$(nbad $f) ;; esac
		[ "$(grep "^$f.csv," log.csv)" = "$f.csv,$n,$((n - bad)),$bad" ]
	done
	q() { sqlite3 -batch -noheader "$DB" "$1"; }
	c=$(records customers) t=$(records customers_tw) o=$(records orders)
	[ "$(q 'SELECT count(*) FROM customers')" = "$((c - $(nbad customers) + t))" ]
	[ "$(q 'SELECT count(*) FROM orders')" = "$((o - $(nbad orders)))" ]
	[ "$(q 'SELECT count(*) FROM interactions')" = "$(records interactions)" ]
	[ "$(q 'SELECT count(*) FROM tickets')" = "$(records tickets)" ]
	# a lead with a paid order became a customer; one without stayed a lead
	[ "$(q "SELECT status FROM customers WHERE external_id = 'C0012'")" = customer ]
	[ "$(q "SELECT count(*) FROM customers WHERE status = 'lead'
		AND id IN (SELECT customer_id FROM orders WHERE status = 'paid')")" = 0 ]
	# the unmapped column was kept
	[ "$(q "SELECT json_extract(extra, '\$.会员等级') FROM customers WHERE external_id = 'C0012'")" = 钻石卡 ]
}

@test "demo: the rejected rows are exactly the documented bad ones" {
	run_demo
	for f in customers orders; do
		eval "want=\$BAD_$f"
		[ "$(first_fields "$WORK/$f.rejects.csv" | sort | paste -sd' ')" = "$(printf '%s\n' $want | sort | paste -sd' ')" ]
		# each is in the input and not in the store
		for id in $want; do grep -q "^$id," "$SAMPLE/$f.csv"; done
	done
	for id in $BAD_customers; do
		[ "$(sqlite3 "$DB" "SELECT count(*) FROM customers WHERE external_id = '$id'")" = 0 ]
	done
	for id in $BAD_orders; do
		[ "$(sqlite3 "$DB" "SELECT count(*) FROM orders WHERE order_no = '$id'")" = 0 ]
	done
	for f in customers_tw interactions tickets; do [ ! -e "$WORK/$f.rejects.csv" ]; done
}

@test "demo: Big5 names and companies arrive intact" {
	# the input really is Big5 (not UTF-8), and 許 / 功 have a 0x5C second byte
	! iconv -f UTF-8 -t UTF-8 "$SAMPLE/customers_tw.csv" >/dev/null 2>&1 || false
	LC_ALL=C grep -qF "$(printf 'T017,\263\134')" "$SAMPLE/customers_tw.csv"
	run_demo
	[ "$(sqlite3 "$DB" "SELECT name || '|' || company || '|' || owner FROM customers WHERE external_id = 'T017'")" = "許淑惠|台南功夫茶行|林志偉" ]
	[ "$(sqlite3 "$DB" "SELECT phone FROM customers WHERE external_id = 'T017'")" = "+886912198962" ]
	# every Taiwanese name in the store is the file's, converted by iconv
	iconv -f BIG5 -t UTF-8 "$SAMPLE/customers_tw.csv" | tail -n +2 | cut -d, -f1,2 | tr -d '\r' | sort > want
	sqlite3 -batch -noheader -separator , "$DB" "SELECT external_id, name FROM customers WHERE external_id LIKE 'T%'" | sort > got
	diff want got
}

@test "demo: can be run twice, each time into a fresh store" {
	run_demo
	first=$DB
	run_demo
	[ "$DB" != "$first" ]
	[ -f "$first" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM imports')" = 5 ]
}
