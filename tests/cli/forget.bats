#!/usr/bin/env bats
# crm-forget: a customer and every record merged into it leave every table,
# and their bytes leave the store file; everyone else is untouched; a dry
# run and an unknown id change nothing.
#
# tests/data/dedupe (phone_region TW): crm-dedupe --merge merges D02 into D01
# (陳小明/陈小明, phone +886912345678) and D07 into D06. D01 has order O1, D02
# O2. Forgetting D02 (merged away) erases the group D01+D02.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	export CRM_CONFIG="$DATA/dedupe/config.yaml"
	crm-import -q "$DATA/dedupe/customers.csv" "$DATA/dedupe/orders.csv"
	crm-dedupe -q --merge
	crm-segment -q --all --save > /dev/null
	crm-remind -q --all > /dev/null
}

q() { sqlite3 -batch -noheader "$CRM_DB" "$@"; }

@test "forget a merged-away record: its whole group leaves every table and the file" {
	[ "$(q "SELECT count(*) FROM segment_history WHERE customer_id = 1")" = 1 ]
	run -0 --separate-stderr crm-forget -e D02
	[ "${lines[0]}" = "table,rows" ]
	[ "${lines[1]}" = "customers,2" ]
	[ "${lines[2]}" = "orders,2" ]
	[[ "$stderr" == *"erased 2 customer records"* ]]
	[ "$(q "SELECT count(*) FROM customers WHERE id IN (1, 2)")" = 0 ]
	[ "$(q "SELECT count(*) FROM orders WHERE order_no IN ('O1', 'O2')")" = 0 ]
	[ "$(q "SELECT count(*) FROM segment_history WHERE customer_id IN (1, 2)")" = 0 ]
	[ "$(q "SELECT count(*) FROM merges WHERE survivor_id = 1")" = 0 ]
	[ "$(q "SELECT count(*) FROM merge_snapshots WHERE id IN (1, 2)")" = 0 ]
	[ "$(q "SELECT count(*) FROM import_undo WHERE tbl = 'customers' AND row_id IN (1, 2)")" = 0 ]
	[ "$(q "PRAGMA integrity_check")" = ok ]
	# the bytes are gone from the store file and its log, not just unlinked
	! grep -q 912345678 "$CRM_DB" || false
	! grep -q '明達貿易' "$CRM_DB" || false
	[ ! -s "$CRM_DB-wal" ]
	# the others are untouched: 李娜's merge, every other customer and order
	[ "$(q "SELECT count(*) FROM customers")" = 10 ]
	[ "$(q "SELECT count(*) FROM orders")" = 4 ]
	[ "$(q "SELECT merged_into FROM customers WHERE id = 7")" = 6 ]
}

@test "--dry-run counts and changes nothing" {
	before=$(sqlite3 "$CRM_DB" .dump | md5sum)
	run -0 --separate-stderr crm-forget -n 1
	[ "${lines[1]}" = "customers,2" ]
	[[ "$stderr" == *"would erase 2"*"nothing changed"* ]]
	[ "$(sqlite3 "$CRM_DB" .dump | md5sum)" = "$before" ]
}

@test "an unknown id erases nothing at all, exit 65" {
	before=$(sqlite3 "$CRM_DB" .dump | md5sum)
	run -65 crm-forget 4 999
	[[ "$output" == *"no customer 999"* ]]
	[ "$(sqlite3 "$CRM_DB" .dump | md5sum)" = "$before" ]
	run -65 crm-forget -e NOPE
	[[ "$output" == *"no customer with external id NOPE"* ]]
}

@test "usage errors: no id, a store id that is no number" {
	run -64 crm-forget
	run -64 crm-forget abc
}
