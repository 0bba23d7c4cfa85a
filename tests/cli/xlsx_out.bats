#!/usr/bin/env bats
# --format xlsx and --output FILE on crm-segment, crm-score, crm-report and
# crm-remind: workbooks read back with openpyxl (tests/cli/xlsx.py, run by
# Debian's /usr/bin/python3) hold the same values as the CSV, typed where
# the tool declares a type and text everywhere else (phones, ids with
# leading zeros, postcodes, passed-through stream columns); a frozen header,
# an autofilter, widths for CJK text; crm-report puts a section on a sheet;
# never a workbook on a terminal (tested on a real pty through script(1));
# write failures are 74 and leave no temporary file behind.
#
# The store: five customers, two with external ids that have leading zeros
# and two with CJK names, as of 2026-11-23:
#   007  王小明         orders 2026-11-01 1234.50, 2026-06-01 99.99
#   0123 陳大文         order  2026-10-15 20000
#   C3   Smith, Ann     order  2025-12-31 0.01
#   C4   欧阳娜娜娜娜娜娜 order  2026-11-20 88
#   L1   Lead Only      no order (its figures are empty cells, not zeros)

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' 'customer_id,name,city' '007,王小明,上海' '0123,陳大文,台北' \
		'C3,"Smith, Ann",London' 'C4,欧阳娜娜娜娜娜娜,北京' 'L1,Lead Only,' > customers.csv
	printf '%s\n' 'order_no,customer_id,date,amount' '1,007,2026-11-01,1234.50' \
		'2,007,2026-06-01,99.99' '3,0123,2026-10-15,20000' '4,C3,2025-12-31,0.01' \
		'5,C4,2026-11-20,88' > orders.csv
	crm-import -q customers.csv orders.csv
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	mkdir "$TMPDIR"
}

xlsx() { /usr/bin/python3 "$BATS_TEST_DIRNAME/xlsx.py" "$@"; }
q() { sqlite3 -batch -noheader "$CRM_DB" "$@"; }

# No temporary workbook is left behind.
no_temp_files() { [ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR"; false; }; }

@test "round trip: crm-segment --format xlsx holds the CSV's values, numbers and dates typed" {
	run -0 --separate-stderr crm-segment -q --all --output s.csv
	run -0 --separate-stderr crm-segment -q --all --format xlsx --output s.xlsx
	[ -z "$stderr" ]
	run -0 --separate-stderr xlsx compare s.xlsx segments s.csv
	[ "$output" = "customer_id n 0
external_id s General
name s General
recency_days n 0
frequency n 0
monetary n #,##0.00
avg_order_value n #,##0.00
first_order d yyyy-mm-dd
last_order d yyyy-mm-dd
tenure_days n 0
rfm_r n 0
rfm_f n 0
rfm_m n 0
rfm_segment s General
lifecycle s General" ]
	# ids with leading zeros and CJK names are text as written
	run -0 xlsx cell s.xlsx segments B2
	[ "$output" = "'007' General" ]
	run -0 xlsx cell s.xlsx segments C3
	[ "$output" = "'陳大文' General" ]
	# money to the cent, dates as dates, the lead's figures empty
	run -0 xlsx cell s.xlsx segments F2
	[ "$output" = "1334.49 #,##0.00" ]
	run -0 xlsx cell s.xlsx segments H2
	[ "$output" = "datetime.datetime(2026, 6, 1, 0, 0) yyyy-mm-dd" ]
	run -0 xlsx cell s.xlsx segments D6
	[ "$output" = "None General" ]
	no_temp_files
}

@test "round trip through our own reader: the workbook read back as a stream gives the CSV's values" {
	run -0 --separate-stderr crm-segment -q --all --output s.csv
	run -0 --separate-stderr crm-segment -q --all --format xlsx --output s.xlsx
	# The workbook as a customer stream on standard input (lib/workbook):
	# its columns pass through, the tool's own follow.
	run -0 --separate-stderr bash -c 'crm-segment -q < s.xlsx > back.csv'
	[ -z "$stderr" ]
	# Text equal; numbers equal as decimals (the reader shows a number as
	# Excel's General format does: 1234.5 for a 1234.50 money cell).
	run -0 python3 - s.csv back.csv <<-'EOF2'
	import csv, sys
	from decimal import Decimal, InvalidOperation
	def num(v):
	    try:
	        return Decimal(v)
	    except InvalidOperation:
	        return None
	a = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
	b = list(csv.reader(open(sys.argv[2], encoding="utf-8")))
	assert len(a) == len(b) == 6, (len(a), len(b))
	assert b[0][:len(a[0])] == a[0], b[0]
	for ra, rb in zip(a[1:], b[1:]):
	    for col, x, y in zip(a[0], ra, rb):
	        same = x == y or (num(x) is not None and num(x) == num(y))
	        assert same, (col, x, y)
	print("ok", len(a) - 1, "rows")
	EOF2
	[ "$output" = "ok 5 rows" ]
	# the text cells came back as written
	grep -q '^1,007,王小明,' back.csv
	grep -q '"Smith, Ann"' back.csv
}

@test "round trip through standard output: > file.xlsx is the same workbook" {
	run -0 --separate-stderr bash -c 'crm-segment -q --all --format xlsx > s.xlsx'
	[ -z "$stderr" ]
	[ "$(head -c 4 s.xlsx | od -An -c | tr -d ' ')" = 'PK003004' ]
	crm-segment -q --all > s.csv
	run -0 xlsx compare s.xlsx segments s.csv
	no_temp_files
}

@test "a stream's columns pass through as text: phones with + or 0, postcodes, formulas" {
	printf '%s\n' 'customer_id,phone,postcode,note' '1,+8613800138000,010010,=1+1' \
		'2,013800138000,00501,王芳的客户' '3,13800138000,2000,-5' > in.csv
	run -0 --separate-stderr crm-segment -q --output s.csv - < in.csv
	run -0 --separate-stderr crm-segment -q --format xlsx --output s.xlsx - < in.csv
	run -0 --separate-stderr xlsx compare s.xlsx segments s.csv
	[ "${lines[0]}" = "customer_id s General" ]
	[ "${lines[1]}" = "phone s General" ]
	[ "${lines[2]}" = "postcode s General" ]
	[ "${lines[3]}" = "note s General" ]
	[ "${lines[4]}" = "recency_days n 0" ]
	run -0 xlsx cell s.xlsx segments B2
	[ "$output" = "'+8613800138000' General" ]
	run -0 xlsx cell s.xlsx segments B3
	[ "$output" = "'013800138000' General" ]
	# a formula-looking text is text, never a formula
	run -0 xlsx cell s.xlsx segments D2
	[ "$output" = "'=1+1' General" ]
}

@test "the header is frozen, an autofilter covers the data, CJK widths count double" {
	run -0 --separate-stderr crm-segment -q --all --format xlsx --output s.xlsx
	run -0 xlsx layout s.xlsx segments
	[ "${lines[0]}" = "freeze A2" ]
	[ "${lines[1]}" = "filter A1:O6" ]
	[ "${lines[2]}" = "rows 6" ]
	# name: 欧阳娜娜娜娜娜娜 is 8 characters, 16 columns wide (+1 margin);
	# external_id: its header (11) and the filter button (2) decide
	[[ $'\n'"$output"$'\n' == *$'\nwidth C 17\n'* ]]
	[[ $'\n'"$output"$'\n' == *$'\nwidth B 14\n'* ]]
}

@test "widths are capped: a 200-character cell gives a 60-character column" {
	{ echo 'customer_id,long'; printf '1,%0200d\n' 0; } > in.csv
	run -0 --separate-stderr crm-segment -q --format xlsx --output s.xlsx - < in.csv
	run -0 xlsx layout s.xlsx segments
	[[ $'\n'"$output"$'\n' == *$'\nwidth B 60\n'* ]]
}

@test "a text longer than Excel's 32,767 characters is cut with a warning naming the cell" {
	{ echo 'customer_id,big'; printf '1,'; head -c 40000 /dev/zero | tr '\0' x; echo; } > in.csv
	run -0 --separate-stderr crm-segment -q --format xlsx --output s.xlsx - < in.csv
	[ "$stderr" = "crm-segment: s.xlsx: sheet \"segments\", row 2, column \"big\": text of more than 32767 characters cut to what Excel holds" ]
	run -0 /usr/bin/python3 -c 'import openpyxl, sys; print(len(openpyxl.load_workbook(sys.argv[1])["segments"]["B2"].value))' s.xlsx
	[ "$output" = 32767 ]
}

@test "--summary and --migration as workbooks: counts, percentages, money typed" {
	run -0 --separate-stderr crm-segment -q --all --summary --format csv --output sum.csv
	run -0 --separate-stderr crm-segment -q --all --summary --format xlsx --output sum.xlsx
	run -0 --separate-stderr xlsx compare sum.xlsx summary sum.csv
	[ "$output" = "segment s General
customers n 0
customer_share n 0.0%
revenue n #,##0.00
revenue_share n 0.0%" ]
	crm-segment -q --all --save --as-of 2026-10-31 > /dev/null
	run -0 --separate-stderr crm-segment -q --all --migration 2026-10-31 --format csv --output m.csv
	run -0 --separate-stderr crm-segment -q --all --migration 2026-10-31 --format xlsx --output m.xlsx
	run -0 xlsx compare m.xlsx migration m.csv
	[ "${lines[0]}" = "from s General" ]
	[ "${lines[1]}" = "champions n 0" ]
}

@test "crm-score --format xlsx: the stream's columns, model figures as numbers" {
	run -0 --separate-stderr crm-segment -q --all --output seg.csv
	run -65 --separate-stderr crm-score -q --format xlsx --output sc.xlsx - < seg.csv
	run -65 --separate-stderr crm-score -q --output sc.csv - < seg.csv
	run -0 --separate-stderr xlsx compare sc.xlsx scores sc.csv
	# crm-segment's columns came in on the stream: text; crm-score's typed
	[ "${lines[3]}" = "recency_days s General" ]
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '16,26p' | tr '\n' ';')" = "frequency n 0;recency n General;T n General;p_alive - -;churn_risk - -;expected_purchases - -;expected_avg_spend - -;clv - -;health n 0;lead_score n 0;" ]
}

@test "crm-score --format xlsx on CDNOW: p_alive and clv are numbers, clv in dollars" {
	[ -d "$SHARED/cdnow" ] || skip "../shared/data/cdnow is not beside this checkout"
	rm -f "$CRM_DB"
	printf 'currency: USD\n' > usd.yaml
	crm-import -q --config usd.yaml --create-missing "$SHARED/cdnow/cdnow_sample_transactions.csv"
	run -0 --separate-stderr crm-score -q --config usd.yaml --as-of 1997-09-30 --all --output sc.csv
	run -0 --separate-stderr crm-score -q --config usd.yaml --as-of 1997-09-30 --all --format xlsx --output sc.xlsx
	run -0 --separate-stderr xlsx compare sc.xlsx scores sc.csv
	[ "$(printf '%s\n' "${lines[@]}" | grep -E '^(p_alive|clv|expected_avg_spend) ' | tr '\n' ';')" = "p_alive n General;expected_avg_spend n #,##0.00;clv n #,##0.00;" ]
	run -0 --separate-stderr crm-score -q --config usd.yaml --as-of 1997-09-30 --params --format csv --output p.csv
	run -0 --separate-stderr crm-score -q --config usd.yaml --as-of 1997-09-30 --params --format xlsx --output p.xlsx
	run -0 xlsx compare p.xlsx params p.csv
	[ "$output" = "param s General
value n General" ]
}

@test "crm-report --format xlsx: a sheet per section; the KPIs are the CSV's" {
	rm -f "$CRM_DB"
	for f in customers orders tickets interactions; do crm-import -q "$DATA/report/$f.csv"; done
	crm-segment -q --all --save --as-of 2026-10-31 > /dev/null
	run -0 --separate-stderr crm-report --format xlsx --output r.xlsx
	[ -z "$stderr" ]
	run -0 xlsx sheets r.xlsx
	[ "$output" = "kpis
trend
segments
cohorts
top_customers
at_risk
about" ]
	run -0 --separate-stderr crm-report --format csv --output k.csv
	run -0 --separate-stderr xlsx compare r.xlsx kpis k.csv
	[ "$output" = "metric s General
value n General
previous n General
last_year n General
change n General
target - -
status - -" ]
	# the same figures as the JSON's (tests/data/report/README: revenue
	# 770.00, churn rate 1 / 4)
	run -0 --separate-stderr crm-report --format json --output k.json
	run -0 /usr/bin/python3 -c '
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["kpis"]
got = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
want = {k["metric"]: k["value"] for k in json.load(open(sys.argv[2]))["kpis"]}
assert got == want, (got, want)
print(got["revenue"], got["churn_rate"])' r.xlsx k.json
	[ "$output" = "770 0.25" ]
	# each sheet is its CSV section, typed
	run -0 --separate-stderr crm-report --section trend --format csv --output t.csv
	run -0 xlsx compare r.xlsx trend t.csv
	[ "${lines[1]}" = "from d yyyy-mm-dd" ]
	[ "${lines[3]}" = "revenue n #,##0.00" ]
	run -0 --separate-stderr crm-report --section top --format csv --output top.csv
	run -0 xlsx compare r.xlsx top_customers top.csv
	[ "${lines[5]}" = "share n 0.0%" ]
	run -0 --separate-stderr crm-report --section at-risk --format csv --output ar.csv
	run -0 xlsx compare r.xlsx at_risk ar.csv
	[ "${lines[4]}" = "last_order d yyyy-mm-dd" ]
	run -0 xlsx layout r.xlsx cohorts
	[ "${lines[0]}" = "freeze A2" ]
}

@test "crm-report --section picks the sheets; a period without data still has its KPI sheet" {
	rm -f "$CRM_DB"
	for f in customers orders tickets interactions; do crm-import -q "$DATA/report/$f.csv"; done
	run -0 --separate-stderr crm-report --section kpi --section cohorts --format xlsx --output r.xlsx
	run -0 xlsx sheets r.xlsx
	[ "$output" = "kpis
cohorts
about" ]
	run -0 --separate-stderr crm-report --period 2001-01 --format xlsx --output empty.xlsx
	[[ "$stderr" == *"No data for 2001-01"* ]]
	run -0 xlsx sheets empty.xlsx
	[ "$output" = "kpis
about" ]
}

@test "crm-remind --format xlsx: the list with ids as numbers, due as a date, contacts as text" {
	rm -f "$CRM_DB"
	for f in customers orders interactions tickets; do crm-import -q "$DATA/remind/$f.csv"; done
	run -0 --separate-stderr crm-remind --all --format xlsx --output m.xlsx
	run -0 --separate-stderr crm-remind list --format csv --output m.csv
	run -0 --separate-stderr xlsx compare m.xlsx reminders m.csv
	[ "$output" = "reminder_id n 0
due d yyyy-mm-dd
rule s General
priority s General
customer_id n 0
name s General
owner s General
channel s General
contact s General
reason s General
message s General
status s General" ]
	run -0 --separate-stderr crm-remind list --format xlsx --output l.xlsx
	run -0 xlsx compare l.xlsx reminders m.csv
	# -o is --owner here: the output file is --output only
	run -0 --separate-stderr crm-remind list -o 王芳 --format csv
	[[ "$output" != *张伟* ]]
	run -64 --separate-stderr crm-remind reclaim --format xlsx --output r.xlsx
	[[ "$stderr" == *"reclaim writes text, csv or tsv"* ]]
}

@test "a workbook is never written to a terminal: 64 before any work, for every tool" {
	for t in crm-segment crm-score crm-report crm-remind; do
		# the store does not exist: the refusal comes before it is opened
		run -64 script -qec "$t --db '$BATS_TEST_TMPDIR/none.db' --format xlsx" /dev/null
		[ "${output%$'\r'}" = "$t: will not write an .xlsx workbook to a terminal; redirect stdout or use --output FILE" ] ||
			{ echo "$t: $output"; false; }
		[ ! -e none.db ]
	done
	# --output FILE on a terminal is fine
	run -0 script -qec "crm-segment -q --all --format xlsx --output t.xlsx" /dev/null
	[ -z "$output" ]
	run -0 xlsx sheets t.xlsx
	[ "$output" = segments ]
	# and text still goes to a terminal
	run -0 script -qec "crm-segment -q --all --summary" /dev/null
	[[ "$output" == "segment "*"customer_share"* ]]
}

@test "--output into a missing directory is exit 73, onto a full disk exit 74, with the name" {
	for t in crm-segment crm-score crm-report crm-remind; do
		run -73 --separate-stderr "$t" -q --all --format xlsx --output no/such/dir/x.xlsx
		[ "$stderr" = "$t: no/such/dir/x.xlsx: cannot create: No such file or directory" ]
		[ -z "$output" ]
	done
	run -73 --separate-stderr crm-segment -q --all --output no/such/dir/x.csv
	[ "$stderr" = "crm-segment: no/such/dir/x.csv: cannot create: No such file or directory" ]
	run -74 --separate-stderr crm-segment -q --all --format xlsx --output /dev/full
	[ "$stderr" = "crm-segment: /dev/full: cannot write the workbook: write error: No space left on device" ]
	run -74 --separate-stderr bash -c 'crm-segment -q --all --format xlsx > /dev/full'
	[ "$stderr" = "crm-segment: <stdout>: cannot write the workbook: write error: No space left on device" ]
	for t in "crm-score -q --all" "crm-report --section kpi" "crm-remind --all"; do
		run -74 --separate-stderr $t --format xlsx --output /dev/full
		[[ "$stderr" == *": /dev/full: cannot write the workbook: write error: No space left on device"* ]]
	done
	run -74 --separate-stderr crm-segment -q --all --output /dev/full
	[[ "$stderr" == *"/dev/full: write error: No space left on device"* ]]
	no_temp_files
}

@test "a workbook that could not be written saves no history (--save)" {
	run -74 --separate-stderr crm-segment -q --all --save --format xlsx --output /dev/full
	[ "$(q "SELECT count(*) FROM segment_history")" = 0 ]
	run -0 --separate-stderr crm-segment -q --all --save --format xlsx --output s.xlsx
	[ "$(q "SELECT count(*) FROM segment_history")" = 5 ]
}

@test "a run that dies half-way leaves no temporary workbook" {
	printf 'customer_id,x\n1,a\nbad,b\n' > in.csv
	run -65 --separate-stderr crm-segment -q --format xlsx --output s.xlsx - < in.csv
	[[ "$stderr" == *"<stdin>:3"* ]]
	no_temp_files
	# nor does an unwritable temporary directory go unnoticed
	TMPDIR="$BATS_TEST_TMPDIR/none" run -74 --separate-stderr crm-segment -q --all --format xlsx --output s.xlsx
	[[ "$stderr" == "crm-segment: s.xlsx: cannot write the workbook: cannot create a temporary file in $BATS_TEST_TMPDIR/none: No such file or directory" ]]
}

@test "--output writes what standard output would get, in every format" {
	crm-segment -q --all > want.csv
	run -0 --separate-stderr crm-segment -q --all --output got.csv
	[ -z "$output" ]
	cmp want.csv got.csv
	run -0 --separate-stderr crm-segment -q --all -o got2.csv
	cmp want.csv got2.csv
	run -0 --separate-stderr bash -c 'crm-segment -q --all --output - > got3.csv'
	cmp want.csv got3.csv
	crm-segment -q --all --summary --format text > want.txt
	run -0 --separate-stderr crm-segment -q --all --summary --format text --output got.txt
	cmp want.txt got.txt
	# the default format follows the file: CSV, not text
	run -0 --separate-stderr crm-report -o r.out
	head -1 r.out | grep -qx 'metric,value,previous,last_year,change,target,status'
	run -64 --separate-stderr crm-segment --all --output ''
	run -64 --separate-stderr crm-segment --all --format xls
	[[ "$stderr" == *'"xls" is not one of text, csv, tsv, xlsx'* ]]
}
