#!/usr/bin/env bats
# crm-import: encodings, mapping, normalisation, rejects, idempotence, undo, exit codes.
# Every case states command, stdout, stderr and exit status.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	cp "$DATA"/*.csv .
}

q() { sqlite3 -batch -noheader "$CRM_DB" "$@"; }

# Run SQL on a second connection in the background, keep it open SECONDS,
# and return only once it holds its lock (it touches a marker file then).
hold() {
	rm -f "$BATS_TEST_TMPDIR/held"
	{ echo "$1"; echo ".system touch '$BATS_TEST_TMPDIR/held'"; sleep "$2"; echo "ROLLBACK;"; } |
		sqlite3 "$CRM_DB" > /dev/null 2>&1 &
	for _ in $(seq 200); do
		[ -e "$BATS_TEST_TMPDIR/held" ] && return 0
		sleep 0.05
	done
	return 1
}

# A content dump of the data tables (the import log changes by design).
dump() {
	sqlite3 -batch "$CRM_DB" "SELECT * FROM customers ORDER BY id;
		SELECT * FROM orders ORDER BY id; SELECT * FROM interactions ORDER BY id;
		SELECT * FROM tickets ORDER BY id;"
}

@test "UTF-8 customer list with Chinese headers: mapped, normalised, stored" {
	run -0 --separate-stderr crm-import customers_zh.csv
	[ "$output" = "" ]
	[ "$stderr" = "customers_zh.csv: 4 rows — 4 new, 0 updated, 0 unchanged, 0 rejected" ]
	[ "$(q "SELECT phone FROM customers WHERE external_id='C001'")" = "+8613800138000" ]
	[ "$(q "SELECT phone FROM customers WHERE external_id='C003'")" = "+8613712345678" ]
	[ "$(q "SELECT email FROM customers WHERE external_id='C001'")" = "xm.chen@example.com" ]
	[ "$(q "SELECT birthday FROM customers WHERE external_id='C004'")" = "1988-12-31" ]
	[ "$(q "SELECT birthday FROM customers WHERE external_id='C002'")" = "1990-07-01" ]
	[ "$(q "SELECT region || '/' || owner FROM customers WHERE external_id='C001'")" = "华东/王芳" ]
	# the unmapped column is kept, not dropped
	[ "$(q "SELECT json_extract(extra, '\$.会员等级') FROM customers WHERE external_id='C001'")" = "金卡" ]
	[ "$(q "SELECT status FROM customers WHERE external_id='C001'")" = "lead" ]
	[ "$(stat -c %a "$CRM_DB")" = "600" ]
}

@test "GBK export (Excel on a Simplified Chinese Windows) is detected and converted" {
	iconv -f UTF-8 -t GBK customers_zh.csv > gbk.csv
	run -0 --separate-stderr crm-import gbk.csv
	[ "$(q "SELECT name FROM customers ORDER BY id" | paste -sd' ')" = "陈小明 李娜 王建国 Zhang Wei" ]
	[ "$(q "SELECT company FROM customers WHERE external_id='C003'")" = "广州建国餐饮管理有限公司" ]
}

@test "Big5 export (Traditional Chinese) is detected and converted" {
	printf 'phone_region: TW\n' > tw.yaml
	iconv -f UTF-8 -t BIG5 customers_tw.csv > big5.csv
	run -0 --separate-stderr crm-import --config tw.yaml big5.csv
	[ "$stderr" = "big5.csv: 3 rows — 3 new, 0 updated, 0 unchanged, 0 rejected" ]
	[ "$(q "SELECT name FROM customers ORDER BY id" | paste -sd' ')" = "張美玲 陳志明 林淑芬" ]
	[ "$(q "SELECT phone FROM customers WHERE external_id='T001'")" = "+886912345678" ]
	[ "$(q "SELECT phone FROM customers WHERE external_id='T003'")" = "+886223456789" ]
	[ "$(q "SELECT owner FROM customers WHERE external_id='T002'")" = "王五" ]
}

@test "UTF-16LE TSV with BOM (Excel 'Unicode text') imports" {
	{ printf '\xff\xfe'; tr ',' '\t' < customers_zh.csv | sed 's/"//g' | iconv -f UTF-8 -t UTF-16LE; } > unicode.txt
	run -0 --separate-stderr crm-import unicode.txt
	[ "$(q "SELECT count(*) FROM customers")" = "4" ]
	[ "$(q "SELECT name FROM customers WHERE external_id='C002'")" = "李娜" ]
}

@test "UTF-8 with BOM and CRLF line ends imports, BOM not part of the first header" {
	{ printf '\xef\xbb\xbf'; sed 's/$/\r/' customers_zh.csv; } > bom.csv
	run -0 --separate-stderr crm-import bom.csv
	[ "$(q "SELECT external_id FROM customers ORDER BY id" | paste -sd' ')" = "C001 C002 C003 C004" ]
	[ "$(q "SELECT json_extract(extra, '\$.会员等级') FROM customers WHERE external_id='C004'")" = "金卡" ]
}

@test "bad rows go to the reject file raw, with line and reason; good rows load; exit 65" {
	crm-import -q customers_zh.csv
	run -65 --separate-stderr crm-import orders_zh.csv
	[[ "$stderr" == *'orders_zh.csv:6: column "下单时间": cannot read "2026-13-40" as a date'* ]]
	[[ "$stderr" == *'orders_zh.csv: 9 rows — 5 new, 0 updated, 0 unchanged, 4 rejected → orders_zh.rejects.csv' ]]
	[ "$(q "SELECT count(*) FROM orders")" = "5" ]
	[ "$(stat -c %a orders_zh.rejects.csv)" = "600" ]
	# header plus four rejected records, each the original bytes then _line,_reason
	[ "$(wc -l < orders_zh.rejects.csv)" = "5" ]
	[ "$(head -1 orders_zh.rejects.csv)" = "订单号,客户编号,下单时间,实付金额,商品,订单状态,_line,_reason" ]
	grep -qxF 'SO-1005,C003,2026-13-40,100,花茶,已付款,6,"column ""下单时间"": cannot read ""2026-13-40"" as a date"' orders_zh.rejects.csv
	grep -qF 'SO-1006,C999,2026-05-01,100,花茶,已付款,7,"unknown customer ""C999""' orders_zh.rejects.csv
	grep -qxF 'SO-1007,C004,2026-06-01,abc,花茶,已付款,8,"column ""实付金额"": cannot read ""abc"" as an amount"' orders_zh.rejects.csv
	grep -qxF 'SO-1008,C004,2026-06-02,200,9,"row has 4 fields; the header has 6"' orders_zh.rejects.csv
}

@test "amounts, refunds and statuses are stored exactly in minor units" {
	crm-import -q customers_zh.csv
	run -65 --separate-stderr crm-import orders_zh.csv
	[ "$(q "SELECT amount || ' ' || currency || ' ' || status FROM orders WHERE order_no='SO-1001'")" = "123450 CNY paid" ]
	[ "$(q "SELECT amount FROM orders WHERE order_no='SO-1002'")" = "88000" ]
	[ "$(q "SELECT amount || ' ' || status FROM orders WHERE order_no='SO-1004'")" = "9990 refunded" ]
	[ "$(q "SELECT status FROM orders WHERE order_no='SO-1009'")" = "cancelled" ]
	[ "$(q "SELECT ordered_at FROM orders WHERE order_no='SO-1003'")" = "2026-04-02" ]
	# customers with a paid order became customers; the others stay leads
	[ "$(q "SELECT external_id || '=' || status FROM customers ORDER BY id" | paste -sd' ')" = "C001=customer C002=customer C003=lead C004=lead" ]
}

@test "a corrected reject file imports as it is" {
	crm-import -q customers_zh.csv
	run -65 crm-import -q orders_zh.csv
	sed -i 's/2026-13-40/2026-12-04/; s/,abc,/,12.5,/' orders_zh.rejects.csv
	run -65 --separate-stderr crm-import orders_zh.rejects.csv
	[[ "$stderr" == *"4 rows — 2 new, 0 updated, 0 unchanged, 2 rejected"* ]]
	[ "$(q "SELECT amount FROM orders WHERE order_no='SO-1007'")" = "1250" ]
	[ "$(q "SELECT json_extract(extra, '\$._line') FROM orders WHERE order_no='SO-1007'")" = "" ]
}

@test "importing the same files twice changes nothing the second time" {
	crm-import -q customers_zh.csv
	run -65 crm-import -q orders_zh.csv
	crm-import -q interactions.csv || true
	crm-import -q tickets.csv || true
	before=$(dump)
	run -0 --separate-stderr crm-import customers_zh.csv
	[ "$stderr" = "customers_zh.csv: 4 rows — 0 new, 0 updated, 4 unchanged, 0 rejected" ]
	run -65 --separate-stderr crm-import orders_zh.csv
	[[ "$stderr" == *"9 rows — 0 new, 0 updated, 5 unchanged, 4 rejected"* ]]
	run -65 crm-import -q interactions.csv tickets.csv
	[ "$(dump)" = "$before" ]
}

@test "order logs without order numbers import idempotently (CDNOW)" {
	[ -d "$SHARED/cdnow" ] || skip "../shared/data/cdnow is not beside this checkout"
	printf 'currency: USD\n' > usd.yaml
	run -0 --separate-stderr crm-import --config usd.yaml --create-missing "$SHARED/cdnow/cdnow_sample_transactions.csv"
	[[ "$stderr" == *"6,919 rows — 6,919 new, 0 updated, 0 unchanged, 0 rejected, 2,357 customers created" ]]
	[ "$(q "SELECT count(*), sum(amount), count(DISTINCT customer_id) FROM orders")" = "6919|24409194|2357" ]
	# zero-value purchases are valid orders
	[ "$(q "SELECT count(*) FROM orders WHERE amount = 0")" = "8" ]
	run -0 --separate-stderr crm-import --config usd.yaml --create-missing "$SHARED/cdnow/cdnow_sample_transactions.csv"
	[[ "$stderr" == *"6,919 rows — 0 new, 0 updated, 6,919 unchanged, 0 rejected" ]]
	[ "$(q "SELECT count(*) FROM orders")" = "6919" ]
}

@test "an updated customer list updates rows by external id and --undo restores them" {
	crm-import -q customers_zh.csv
	before=$(dump)
	sed -i 's/138 0013 8000/138 0013 9999/; s/lina@example.cn/li.na@example.cn/' customers_zh.csv
	run -0 --separate-stderr crm-import customers_zh.csv
	[ "$stderr" = "customers_zh.csv: 4 rows — 0 new, 2 updated, 2 unchanged, 0 rejected" ]
	[ "$(q "SELECT phone FROM customers WHERE external_id='C001'")" = "+8613800139999" ]
	[ "$(q "SELECT count(*) FROM customers")" = "4" ]
	id=$(q "SELECT max(id) FROM imports")
	run -0 --separate-stderr crm-import --undo "$id"
	[ "$stderr" = "import $id undone" ]
	[ "$(dump)" = "$before" ]
	run -65 --separate-stderr crm-import --undo "$id"
	[[ "$stderr" == *"import $id was already undone"* ]]
}

@test "--undo of an order import removes its rows and leaves the store as before" {
	crm-import -q customers_zh.csv
	before=$(dump)
	run -65 crm-import -q orders_zh.csv
	id=$(q "SELECT max(id) FROM imports")
	run -0 crm-import -q --undo "$id"
	[ "$(dump)" = "$before" ]
	run -65 --separate-stderr crm-import --undo 999
	[[ "$stderr" == *"no import 999"* ]]
}

@test "rows without an external id match on e-mail, then phone" {
	crm-import -q customers_zh.csv
	printf 'name,email,phone,city\n陈小明,xm.chen@example.com,,苏州\nWang,,+86 137 1234 5678,深圳\nNew Person,new@example.com,,\n' > noid.csv
	run -0 --separate-stderr crm-import noid.csv
	[ "$stderr" = "noid.csv: 3 rows — 1 new, 2 updated, 0 unchanged, 0 rejected" ]
	[ "$(q "SELECT city FROM customers WHERE external_id='C001'")" = "苏州" ]
	[ "$(q "SELECT city FROM customers WHERE external_id='C003'")" = "深圳" ]
	[ "$(q "SELECT count(*) FROM customers")" = "5" ]
}

@test "a new external id is a new customer even when its e-mail is known" {
	crm-import -q customers_zh.csv
	printf 'customer_id,name,email\nX9,Chen,xm.chen@example.com\n' > dup.csv
	run -0 crm-import -q dup.csv
	[ "$(q "SELECT count(*) FROM customers WHERE email='xm.chen@example.com'")" = "2" ]
}

@test "interactions and tickets find their customers; bad values are rejected" {
	crm-import -q customers_zh.csv
	run -65 --separate-stderr crm-import interactions.csv
	[[ "$stderr" == *'interactions.csv:5: column "满意度": "9" is not a whole number from 1 to 5'* ]]
	[ "$(q "SELECT channel || ' ' || kind || ' ' || coalesce(csat, '') FROM interactions ORDER BY id" | paste -sd'|')" = "phone call 5|wechat message |visit meeting 2" ]
	run -65 --separate-stderr crm-import tickets.csv
	[[ "$stderr" == *'tickets.csv:4: column "解决时间": resolved 2026-03-06 before it was opened 2026-03-07'* ]]
	[ "$(q "SELECT ticket_no || ' ' || severity || ' ' || status FROM tickets ORDER BY id" | paste -sd'|')" = "TK-1 high resolved|TK-2 urgent open" ]
}

@test "--dry-run checks and reports but writes nothing" {
	run -0 --separate-stderr crm-import --dry-run customers_zh.csv
	[ "$stderr" = "customers_zh.csv: 4 rows — 4 new, 0 updated, 0 unchanged, 0 rejected (dry run: nothing written)" ]
	[ "$(q "SELECT count(*) FROM customers")" = "0" ]
	[ "$(q "SELECT count(*) FROM imports")" = "0" ]
}

@test "--map shows the mapping and imports nothing" {
	run -0 --separate-stderr crm-import --map orders_zh.csv
	[ "${lines[0]}" = "kind,column,header,field" ]
	[ "${lines[1]}" = "orders,1,订单号,order_no" ]
	[ "${lines[3]}" = "orders,3,下单时间,ordered_at" ]
	[ "${lines[4]}" = "orders,4,实付金额,amount" ]
	[ "$(q "SELECT count(*) FROM orders")" = "0" ]
}

@test "--kind overrides detection; a header without the needed columns is an error" {
	printf 'foo,bar\n1,2\n' > odd.csv
	run -65 --separate-stderr crm-import odd.csv
	[[ "$stderr" == *"odd.csv: cannot tell what the file holds from its header; give --kind"* ]]
	run -65 --separate-stderr crm-import --kind orders customers_zh.csv
	[[ "$stderr" == *"customers_zh.csv: the header has no column crm-import needs for orders"* ]]
}

@test "--emit writes the imported customers as a customer stream" {
	run -0 --separate-stderr crm-import --emit customers_zh.csv
	[ "${lines[0]}" = "customer_id,external_id,name,company,email,phone,city,region,owner,status" ]
	[ "${lines[1]}" = "1,C001,陈小明,上海明达贸易有限公司,xm.chen@example.com,+8613800138000,上海,华东,王芳,lead" ]
	[ "${#lines[@]}" = "5" ]
}

@test "--list shows the import log" {
	crm-import -q customers_zh.csv
	run -0 --separate-stderr crm-import --list
	[ "${lines[0]}" = "import_id,started_at,kind,file,source,sha256,rows,new,updated,unchanged,rejected,customers_created,undone_at" ]
	[[ "${lines[1]}" == "1,2026-11-23 00:00:00,customers,customers_zh.csv,,"*",4,4,0,0,0,0," ]]
}

@test "standard input: - reads the stream" {
	run -0 --separate-stderr crm-import - < customers_zh.csv
	[ "$stderr" = "<stdin>: 4 rows — 4 new, 0 updated, 0 unchanged, 0 rejected" ]
}

@test "unterminated quote and invalid UTF-8 are rejected with their line" {
	crm-import -q customers_zh.csv
	printf 'customer_id,name\nC001,陈小明\nC002,王\xff\xfe建国\nC003,"never closed\nC004,李娜\n' > broken.csv
	run -65 --separate-stderr crm-import broken.csv
	[[ "$stderr" == *'broken.csv:3: column "name": invalid UTF-8'* ]]
	[[ "$stderr" == *"broken.csv:4: column \"name\": unterminated quoted field"* ]]
	[ "$(q "SELECT name FROM customers WHERE external_id='C001'")" = "陈小明" ]
	# the bad record is written byte for byte as read
	grep -qaF "$(printf 'C002,王\xff\xfe建国,3,')" broken.rejects.csv
}

@test "missing input file: exit 66 and the store is untouched" {
	crm-import -q customers_zh.csv
	before=$(dump)
	run -66 --separate-stderr crm-import orders_zh.csv no-such.csv
	[[ "$stderr" == *"no-such.csv: No such file or directory"* ]]
	[ "$(dump)" = "$before" ]
	[ "$(q "SELECT count(*) FROM imports")" = "1" ]
}

@test "usage errors exit 64; --help and --version exit 0" {
	run -64 --separate-stderr crm-import
	[[ "$stderr" == *"no input file"* ]]
	run -64 --separate-stderr crm-import --bogus x.csv
	[[ "$stderr" == *"unknown option '--bogus'"* ]]
	run -64 --separate-stderr crm-import --kind nonsense x.csv
	[[ "$stderr" == *"--kind"* ]]
	run -0 --separate-stderr crm-import --help
	[[ "${lines[0]}" == "usage: crm-import"* ]]
	[ -z "$stderr" ]
	run -0 crm-import --version
	[[ "$output" == "crm-import (crm-tools) "* ]]
	run -64 --separate-stderr crm-import --as-of 2026-02-30 customers_zh.csv
	[[ "$stderr" == *'cannot read "2026-02-30" as a date'* ]]
}

@test "--list on a missing store exits 66; a file that is no database exits 74" {
	run -66 --separate-stderr crm-import --list
	[[ "$stderr" == *"no store at $CRM_DB"* ]]
	printf 'not a database, just text\n%.0s' {1..200} > "$CRM_DB"
	run -74 --separate-stderr crm-import customers_zh.csv
	[[ "$stderr" == *"not a crm store"* ]]
}

@test "a bad configuration exits 78 naming file, line and key" {
	printf 'currency: CNY\nphone_regon: TW\n' > bad.yaml
	run -78 --separate-stderr crm-import --config bad.yaml customers_zh.csv
	[[ "$stderr" == *'bad.yaml:2: unknown key "phone_regon" (did you mean "phone_region"?)'* ]]
	printf 'headers:\n  customers:\n    nmae: [客户全名]\n' > bad2.yaml
	run -78 --separate-stderr crm-import --config bad2.yaml customers_zh.csv
	[[ "$stderr" == *"bad2.yaml:3: headers.customers.nmae: unknown field"* ]]
	printf 'headers:\n  customers:\n    nosuchfield: []\n' > bad3.yaml
	run -78 --separate-stderr crm-import --config bad3.yaml customers_zh.csv
	[[ "$stderr" == *"bad3.yaml:3: headers.customers.nosuchfield: empty list"* ]]
}

@test "config header synonyms map a local column name" {
	printf 'headers:\n  customers:\n    name: [客户全名]\n' > syn.yaml
	printf '客户全名,手机\n赵六,13700001111\n' > local.csv
	run -0 crm-import -q --config syn.yaml local.csv
	[ "$(q "SELECT name || ' ' || phone FROM customers")" = "赵六 +8613700001111" ]
}

@test "a store locked by another job: wait, then exit 75 with a clear message" {
	crm-import -q customers_zh.csv
	printf 'store:\n  busy_timeout_ms: 300\n' > short.yaml
	# hold the write lock for two seconds from a second connection
	hold "BEGIN IMMEDIATE; INSERT INTO imports(kind,file,sha256,started_at) VALUES ('x','y','z','w');" 3
	run -75 --separate-stderr crm-import --config short.yaml orders_zh.csv
	[[ "$stderr" == *"busy"* ]]
	wait
	[ "$(q "SELECT count(*) FROM orders")" = "0" ]
}

@test "an unwritable reject file exits 73 and nothing is stored" {
	crm-import -q customers_zh.csv
	before=$(dump)
	run -73 --separate-stderr crm-import --rejects /nonexistent/dir/r.csv orders_zh.csv
	[[ "$stderr" == *"cannot create reject file /nonexistent/dir/r.csv"* ]]
	[ "$(dump)" = "$before" ]
}

@test "--quiet silences the summary but not what was rejected" {
	crm-import -q customers_zh.csv
	run -65 --separate-stderr crm-import -q orders_zh.csv
	[[ "$stderr" == *'orders_zh.csv:6: column "下单时间": cannot read "2026-13-40" as a date'* ]]
	[[ "$stderr" == *"orders_zh.csv: 1 more rows rejected (all are in orders_zh.rejects.csv)"* ]]
	[[ "$stderr" != *"rows —"* ]]
}

@test "a clean re-run removes the stale default reject file" {
	crm-import -q customers_zh.csv
	run -65 crm-import -q orders_zh.csv
	[ -e orders_zh.rejects.csv ]
	grep -v -e SO-1005 -e SO-1006 -e SO-1007 -e SO-1008 orders_zh.csv > fixed.csv
	mv fixed.csv orders_zh.csv
	run -0 --separate-stderr crm-import -q orders_zh.csv
	[ ! -e orders_zh.rejects.csv ]
}

@test "--dry-run --emit shows the customers as the run would leave them" {
	run -0 --separate-stderr crm-import --dry-run --emit customers_zh.csv
	[ "${#lines[@]}" = "5" ]
	[ "$(q "SELECT count(*) FROM customers")" = "0" ]
}

@test "a big order file (index rebuilt at the end) imports and undoes cleanly" {
	awk 'BEGIN{print "order_no,customer_id,order_date,amount"; for(i=1;i<=60000;i++) printf "N%d,C%d,2025-%02d-%02d,%d.%02d\n", i, i%500, i%12+1, i%28+1, i%997, i%100}' > big.csv
	run -0 crm-import -q --create-missing big.csv
	[ "$(q "SELECT count(*) FROM orders")" = "60000" ]
	[ "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'orders_customer'")" = "1" ]
	[ "$(q "PRAGMA integrity_check")" = "ok" ]
	run -0 crm-import -q --undo 1
	[ "$(q "SELECT count(*) FROM orders")" = "0" ]
	[ "$(q "SELECT count(*) FROM customers")" = "0" ]
}

@test "a killed import leaves the store exactly as before" {
	crm-import -q customers_zh.csv
	before=$(dump)
	awk 'BEGIN{print "order_no,customer_id,order_date,amount"; for(i=1;i<=200000;i++) printf "K%d,C00%d,2025-%02d-%02d,%d.%02d\n", i, 1+i%4, i%12+1, i%28+1, i%997, i%100}' > kill.csv
	for delay in 0.2 0.6 1.2; do
		crm-import -q kill.csv & pid=$!
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
		[ "$(q "PRAGMA integrity_check")" = "ok" ]
		n=$(q "SELECT count(*) FROM orders")
		if [ "$n" = "0" ]; then
			[ "$(dump)" = "$before" ]
		else
			# the run finished before the kill: all of it is there, none half
			[ "$n" = "200000" ]
			crm-import -q --undo "$(q "SELECT max(id) FROM imports")"
			[ "$(dump)" = "$before" ]
		fi
	done
}

@test "the reject file of a UTF-8 export with BOM starts with a BOM too" {
	crm-import -q customers_zh.csv
	{ printf '\xef\xbb\xbf'; cat orders_zh.csv; } > bom_orders.csv
	run -65 crm-import -q bom_orders.csv
	[ "$(head -c 3 bom_orders.rejects.csv | od -An -tx1 | tr -d ' ')" = "efbbbf" ]
	[ "$(wc -l < bom_orders.rejects.csv)" = "5" ]
}

@test "a bulk load (rollback journal for the run) is atomic under SIGKILL and returns to WAL" {
	crm-import -q customers_zh.csv
	before=$(dump)
	# bigger than the store: crm-import leaves WAL for this run
	awk 'BEGIN{print "order_no,customer_id,order_date,amount,product,channel,category"; for(i=1;i<=260000;i++) printf "B%d,C00%d,2025-%02d-%02d 10:%02d:00,%d.%02d,product-%d,web-shop-channel,category-%d\n", i, 1+i%4, i%12+1, i%28+1, i%60, i%997, i%100, i%300, i%20}' > bulk.csv
	[ "$(stat -c %s bulk.csv)" -gt 16777216 ]
	crm-import -q bulk.csv & pid=$!
	sleep 1
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" || true
	[ "$(q "PRAGMA integrity_check")" = "ok" ]
	n=$(q "SELECT count(*) FROM orders")
	if [ "$n" = "0" ]; then [ "$(dump)" = "$before" ]; else [ "$n" = "260000" ]; fi
	run -0 crm-import -q bulk.csv
	[ "$(q "SELECT count(*) FROM orders")" = "260000" ]
	[ "$(q "PRAGMA journal_mode")" = "wal" ]
	[ "$(q "PRAGMA foreign_key_check")" = "" ]
	[ "$(q "PRAGMA integrity_check")" = "ok" ]
}

@test "a bulk load while another job reads the store stays in WAL and succeeds" {
	crm-import -q customers_zh.csv
	awk 'BEGIN{print "order_no,customer_id,order_date,amount,product,channel,category"; for(i=1;i<=260000;i++) printf "R%d,C00%d,2025-%02d-%02d 10:%02d:00,%d.%02d,product-%d,web-shop-channel,category-%d\n", i, 1+i%4, i%12+1, i%28+1, i%60, i%997, i%100, i%300, i%20}' > bulk.csv
	hold "BEGIN; SELECT count(*) FROM customers;" 3
	run -0 --separate-stderr crm-import -q bulk.csv
	[ -z "$stderr" ]
	wait
	[ "$(q "SELECT count(*) FROM orders")" = "260000" ]
	[ "$(q "PRAGMA journal_mode")" = "wal" ]
}

@test "a big customer list (indexes built at the end) still matches rows without ids" {
	awk 'BEGIN{print "customer_id,name,email,phone"; for(i=1;i<=60000;i++) printf "K%d,Name %d,k%d@example.com,139%08d\n", i, i, i, i;
		print ",Late Update,k7@example.com,"; print ",By Phone,,13900000009"}' > many.csv
	run -0 --separate-stderr crm-import many.csv
	[ "$stderr" = "many.csv: 60,002 rows — 60,000 new, 2 updated, 0 unchanged, 0 rejected" ]
	[ "$(q "SELECT name FROM customers WHERE external_id = 'K7'")" = "Late Update" ]
	[ "$(q "SELECT name FROM customers WHERE external_id = 'K9'")" = "By Phone" ]
	[ "$(q "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' ORDER BY name)")" = "customers_email,customers_external,customers_merged,customers_phone" ]
	[ "$(q "PRAGMA integrity_check")" = "ok" ]
	# the file names K7 and K9 twice with different values: a second run
	# writes both rows again, and ends where the first one did
	run -0 --separate-stderr crm-import many.csv
	[ "$stderr" = "many.csv: 60,002 rows — 0 new, 4 updated, 59,998 unchanged, 0 rejected" ]
	[ "$(q "SELECT name FROM customers WHERE external_id IN ('K7', 'K9') ORDER BY id" | paste -sd,)" = "Late Update,By Phone" ]
	[ "$(q "SELECT count(*) FROM customers")" = "60000" ]
}

@test "roc_years: false makes a 民國 date an error instead of a guess" {
	printf 'customer_id,name,birthday\nR1,Lin,113/3/5\nR2,Wu,2024/3/5\n' > roc.csv
	run -0 crm-import -q roc.csv
	[ "$(q "SELECT birthday FROM customers WHERE external_id = 'R1'")" = "2024-03-05" ]
	printf 'roc_years: false\n' > noroc.yaml
	rm -f "$CRM_DB"*
	run -65 --separate-stderr crm-import -q --config noroc.yaml roc.csv
	[[ "$stderr" == *'roc.csv:2: column "birthday": cannot read "113/3/5" as a date'* ]]
	[ "$(q "SELECT birthday FROM customers")" = "2024-03-05" ]
}

@test "results to a full disk: --list, --emit and --map exit 74, never success" {
	crm-import -q customers_zh.csv
	run -74 --separate-stderr bash -c 'crm-import --list > /dev/full'
	[[ "$stderr" == *"write error"* ]]
	run -74 --separate-stderr bash -c 'crm-import --map orders_zh.csv > /dev/full'
	[[ "$stderr" == *"write error"* ]]
	run -74 --separate-stderr bash -c 'crm-import --emit -q orders_zh.csv > /dev/full'
	[[ "$stderr" == *"write error"* ]]
	# the stream could not be written: the run is undone
	[ "$(q "SELECT count(*) FROM orders")" = "0" ]
}

@test "--excel-safe neutralises formula-looking cells in the emitted stream" {
	printf 'customer_id,name,company\nX1,=HYPERLINK("http://evil"),+cmd\nX2,-12.5,@sum\n' > evil.csv
	run -0 --separate-stderr crm-import --emit --excel-safe evil.csv
	[ "${lines[1]}" = "1,X1,\"'=HYPERLINK(\"\"http://evil\"\")\",'+cmd,,,,,,lead" ]
	[ "${lines[2]}" = "2,X2,-12.5,'@sum,,,,,,lead" ]
	run -0 --separate-stderr crm-import --emit evil.csv
	[ "${lines[1]}" = "1,X1,\"=HYPERLINK(\"\"http://evil\"\")\",+cmd,,,,,,lead" ]
}

@test "a store from a newer crm-tools is refused, untouched" {
	crm-import -q customers_zh.csv
	q "PRAGMA user_version = 99"
	before=$(dump)
	run -70 --separate-stderr crm-import orders_zh.csv
	[[ "$stderr" == *"schema version 99 is newer than this crm-tools understands"* ]]
	[ "$(dump)" = "$before" ]
	[ "$(q "PRAGMA user_version")" = "99" ]
}

@test "bad option values: --delimiter, --encoding, --undo, --rejects with several files" {
	run -64 --separate-stderr crm-import --delimiter x customers_zh.csv
	[[ "$stderr" == *"option '--delimiter': \"x\" is not one of , tab ;"* ]]
	run -64 --separate-stderr crm-import --encoding klingon customers_zh.csv
	[[ "$stderr" == *'unknown encoding "klingon"'* ]]
	run -64 --separate-stderr crm-import --undo 12abc
	[[ "$stderr" == *"option '--undo': \"12abc\" is not a number"* ]]
	run -64 --separate-stderr crm-import --undo 0
	run -64 --separate-stderr crm-import --rejects r.csv customers_zh.csv orders_zh.csv
	[[ "$stderr" == *"--rejects names one file"* ]]
	run -64 --separate-stderr crm-import --list customers_zh.csv
	[[ "$stderr" == *"--list and --undo take no input files"* ]]
	[ ! -e "$CRM_DB" ]
}

@test "--delimiter and --encoding override detection" {
	tr ',' ';' < customers_zh.csv | iconv -f UTF-8 -t GB18030 > semi.csv
	run -0 --separate-stderr crm-import --delimiter ';' --encoding gbk semi.csv
	[ "$(q "SELECT name FROM customers WHERE external_id = 'C001'")" = "陈小明" ]
}

# The writer thread refuses rows the reader passed (unknown customer), the
# reader refuses bad fields; over many batches the reject file and the first
# three warnings still follow the input's line order.
@test "rejects from reading and from storing stay in input order across batches" {
	awk 'BEGIN{print "customer_id,name"; for(i=1;i<=50;i++) printf "K%d,Name %d\n", i, i}' > kc.csv
	crm-import -q kc.csv
	awk 'BEGIN{print "order_no,customer_id,order_date,amount";
		for(i=1;i<=3000;i++) {
			c = "K" (1 + i % 50); d = "2025-03-04"; a = "10.50"
			if (i % 11 == 0) c = "NOPE" i          # refused by the writer
			if (i % 7 == 0) d = "2025-13-45"       # refused by the reader
			if (i % 13 == 0) a = "-5" ; if (i % 13 == 0 && i % 2) a = "x"
			if (i % 500 == 0) { printf "R%d,%s,%s\n", i, c, d; continue }  # ragged
			printf "R%d,%s,%s,%s\n", i, c, d, a
		}}' > ko.csv
	awk -F, 'NR>1 { i = NR - 1; if (i % 500 == 0 || i % 7 == 0 || i % 11 == 0 || (i % 13 == 0 && i % 2)) print NR }' ko.csv > want
	run -65 --separate-stderr crm-import ko.csv
	[ "$(wc -l < want)" = "758" ]
	[[ "$stderr" == *"ko.csv: 3,000 rows — 2,242 new, 0 updated, 0 unchanged, 758 rejected → ko.rejects.csv"* ]]
	# the _line column (before the quoted reason), in file order, is
	# exactly the lines refused
	sed -E '1d; s/^[^"]*,([0-9]+),".*/\1/' ko.rejects.csv > got
	diff want got
	# each kind of reason is there, from both threads
	grep -q '^R11,NOPE11,2025-03-04,10.50,12,"unknown customer ""NOPE11""' ko.rejects.csv
	grep -qxF 'R7,K8,2025-13-45,10.50,8,"column ""order_date"": cannot read ""2025-13-45"" as a date"' ko.rejects.csv
	grep -qxF 'R13,K14,2025-03-04,x,14,"column ""amount"": cannot read ""x"" as an amount"' ko.rejects.csv
	grep -qxF 'R500,K1,2025-03-04,501,"row has 3 fields; the header has 4"' ko.rejects.csv
	# the first three warnings are the first three rejected lines
	[ "$(printf '%s\n' "$stderr" | grep -o '^crm-import: ko.csv:[0-9][0-9]*' | cut -d: -f3 | paste -sd,)" = "8,12,14" ]
	[ "$(q "SELECT count(*) FROM orders")" = "2242" ]
	# a refund is stored (amount -5), not refused
	[ "$(q "SELECT status FROM orders WHERE order_no = 'R26'")" = "refunded" ]
}

@test "a reject file on a full disk: exit 74 and the store unchanged, whether it fails early or at close" {
	crm-import -q customers_zh.csv
	before=$(dump)
	# four short rejects: the write fails only when the file is closed
	run -74 --separate-stderr crm-import --rejects /dev/full orders_zh.csv
	[[ "$stderr" == *"/dev/full: write error"* ]]
	[ "$(dump)" = "$before" ]
	# thousands of rejects: the writer thread fails part way and ends the run
	awk 'BEGIN{print "order_no,customer_id,order_date,amount"; for(i=1;i<=20000;i++) printf "F%d,%s,2025-01-02,1\n", i, (i % 3 ? "C001" : "NOBODY" i)}' > full.csv
	run -74 --separate-stderr crm-import --rejects /dev/full full.csv
	[[ "$stderr" == *"/dev/full: write error"* ]]
	[ "$(dump)" = "$before" ]
	[ "$(q "SELECT count(*) FROM imports")" = "1" ]
}

@test "a store error in the writer thread ends the run with its status and the store unchanged" {
	crm-import -q customers_zh.csv
	# a trigger makes one insert fail deep into the file, after many rows
	# were stored and rejected
	q "CREATE TRIGGER boom BEFORE INSERT ON orders WHEN NEW.order_no = 'W9001' BEGIN SELECT RAISE(ABORT, 'boom'); END"
	before=$(dump)
	awk 'BEGIN{print "order_no,customer_id,order_date,amount"; for(i=1;i<=12000;i++) printf "W%d,%s,2025-01-02,%s\n", i, (i % 5 ? "C001" : "NOBODY"), (i % 7 ? "1" : "x")}' > w.csv
	run -70 --separate-stderr crm-import w.csv
	[[ "$stderr" == *"store $CRM_DB: query: boom"* ]]
	[ "$(dump)" = "$before" ]
	[ "$(q "SELECT count(*) FROM imports")" = "1" ]
	[ "$(q "PRAGMA integrity_check")" = "ok" ]
}

@test "leads that bought become customers; over 16,384 of them the undo data is split and --undo restores them all" {
	awk 'BEGIN{print "customer_id,name,status"; for(i=1;i<=20000;i++) printf "P%d,Name %d,%s\n", i, i, (i % 10 ? "lead" : "customer")}' > pc.csv
	crm-import -q pc.csv
	before=$(dump)
	awk 'BEGIN{print "order_no,customer_id,order_date,amount,status"; for(i=1;i<=20000;i++) printf "PO%d,P%d,2025-05-06,9.90,%s\n", i, i, (i % 7 ? "paid" : "cancelled")}' > po.csv
	run -0 --separate-stderr crm-import -q po.csv
	# leads with a paid order (i not a multiple of 7 or 10) are customers now
	[ "$(q "SELECT count(*) FROM customers WHERE status = 'lead'")" = "$(awk 'BEGIN{for(i=1;i<=20000;i++) if (i % 10 && !(i % 7)) n++; print n}')" ]
	[ "$(q "SELECT count(*) FROM import_undo WHERE tbl = 'customers_promoted'")" = "2" ]
	[ "$(q "SELECT sum(json_array_length(old)) FROM import_undo WHERE tbl = 'customers_promoted'")" = "$(awk 'BEGIN{for(i=1;i<=20000;i++) if (i % 10 && i % 7) n++; print n}')" ]
	run -0 crm-import -q --undo "$(q "SELECT max(id) FROM imports")"
	[ "$(dump)" = "$before" ]
}

@test "--redact: the reject file and the messages carry no personal data; the store gets it all" {
	printf '%s\n' 'id,name,email,phone,birthday,vip_note' \
		'C1,王小明,wang@example.com,13800138000,1990-01-02,likes tea' \
		'C2,Ann Lee,ann.lee.at.example,,1990-01-02,rich' \
		'C3,Bo Chen,bo@example.com,12,,' \
		'C4,"Wu, Cy",cy@example.com,,1990-13-45,secret' > people.csv
	run -65 --separate-stderr crm-import --redact people.csv
	for secret in 'Ann Lee' ann.lee Chen '"12"' 1990-13-45 rich secret 'Wu, Cy' bo@example; do
		if grep -qF -- "$secret" people.rejects.csv || [[ "$stderr" == *"$secret"* ]]; then
			echo "leaked: $secret"; false
		fi
	done
	# UTF-8 with a BOM, the header as it was, rows rebuilt with masks; ids stay
	[ "$(head -c 3 people.rejects.csv | od -An -tx1 | tr -d ' ')" = efbbbf ]
	[ "$(sed -n 1p people.rejects.csv | tail -c +4)" = "id,name,email,phone,birthday,vip_note,_line,_reason" ]
	[ "$(sed -n 2p people.rejects.csv)" = 'C2,A***,a***,,1***,r***,3,"column ""email"": cannot read ""a***"" as an e-mail address"' ]
	[ "$(sed -n 3p people.rejects.csv)" = 'C3,B***,b***@example.com,1***,,,4,"column ""phone"": cannot read ""1***"" as a phone number"' ]
	[ "$(sed -n 4p people.rejects.csv)" = 'C4,W***,c***@example.com,,1***,s***,5,"column ""birthday"": cannot read ""1***"" as a date"' ]
	[[ "$stderr" == *'people.csv:3: column "email": cannot read "a***" as an e-mail address'* ]]
	# the good row is stored whole
	[ "$(q "SELECT name || ' ' || email || ' ' || phone FROM customers")" = "王小明 wang@example.com +8613800138000" ]
	# an order naming an unknown customer by e-mail or phone: masked; by id: kept
	printf '%s\n' 'order_id,customer_id,date,amount' 'O1,zed@example.com,2026-10-01,5' \
		'O2,+86 139 0013 8999,2026-10-01,5' 'O3,C9,2026-10-01,5' > orders.csv
	run -65 --separate-stderr crm-import --redact orders.csv
	[ "$(sed -n 2p orders.rejects.csv)" = 'O1,z***@example.com,2026-10-01,5,2,"unknown customer ""z***@example.com"" (no customer with that id, e-mail or phone; import the customers first, or use --create-missing)"' ]
	! grep -q '0013 8999\|zed@' orders.rejects.csv || false  # a bare ! cannot fail a bats test
	[[ "$stderr" != *zed@* && "$stderr" != *"0013 8999"* ]]
	grep -q '^O3,C9,2026-10-01,5,4,"unknown customer ""C9""' orders.rejects.csv
}
