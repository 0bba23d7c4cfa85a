#!/usr/bin/env bats
# A store the user may read but not write (a copy handed to an analyst, a
# backup mounted read-only): writers stop with a clear message and exit 74,
# nothing in the file changes, and the tools that only read still work
# where SQLite can create the store's -shm file beside it; in a read-only
# directory too they stop with a message that says so.
#
# chmod does not stop root, and CI runs as root: there the tools run as the
# user "nobody" (setpriv) on a store that user owns with mode 0400. A normal
# user is tested with chmod alone.

setup() {
	load helpers
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
		id nobody >/dev/null 2>&1 || skip "no user nobody"
	fi
	# Outside BATS_TEST_TMPDIR, whose parents nobody may not enter.
	RO=$(mktemp -d /tmp/crm-readonly.XXXXXX)
	chmod 0755 "$RO"
	printf 'id,name,email,phone\nC1,Ann Lee,ann@example.com,+8613800138000\nC2,Bo Chen,bo@example.com,\n' > "$RO/customers.csv"
	printf 'order_id,customer_id,date,amount\nO1,C1,2026-10-01,120.00\nO2,C2,2026-11-02,80.50\n' > "$RO/orders.csv"
	printf 'id,name\nC3,Cy Wu\n' > "$RO/more.csv"
	crm-import -q --db "$RO/crm.db" "$RO/customers.csv" "$RO/orders.csv"
	sqlite3 "$RO/crm.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
	before=$(sqlite3 "$RO/crm.db" .dump | cksum)
	if [ "$(id -u)" -eq 0 ]; then
		chown -R nobody "$RO"
		as_reader() {
			env HOME="$RO" XDG_CONFIG_HOME="$RO/config" XDG_DATA_HOME="$RO/data" \
			    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
		}
	else
		as_reader() { "$@"; }
	fi
	chmod 0400 "$RO/crm.db"
}

teardown() {
	chmod -R u+w "$RO" 2>/dev/null || true
	rm -rf "$RO"
}

@test "a read-only store: import stops with a clear message and exit 74, the store unchanged" {
	run -74 --separate-stderr as_reader "$CRM_BIN/crm-import" --db "$RO/crm.db" \
	    --rejects /dev/null "$RO/more.csv"
	[[ "$stderr" == *"$RO/crm.db is read-only"* ]]
	[[ "$stderr" == *"nothing was written"* ]]
	chmod 0600 "$RO/crm.db"
	[ "$(sqlite3 "$RO/crm.db" .dump | cksum)" = "$before" ]
	[ "$(sqlite3 "$RO/crm.db" 'SELECT count(*) FROM customers')" = 2 ]
}

@test "a read-only store in a read-only directory: readers say why they cannot read, exit 74" {
	chmod 0555 "$RO"
	run -74 --separate-stderr as_reader "$CRM_BIN/crm-segment" --db "$RO/crm.db" --all
	[[ "$stderr" == *"SQLite must create $RO/crm.db-shm beside it"* ]]
	[[ "$stderr" == *"copy the store"* ]]
	[ -z "$output" ]
	chmod 0755 "$RO"
	chmod 0600 "$RO/crm.db"
	[ "$(sqlite3 "$RO/crm.db" .dump | cksum)" = "$before" ]
}

@test "a read-only store: segment and report still read it" {
	run -0 --separate-stderr as_reader "$CRM_BIN/crm-segment" --db "$RO/crm.db" --all
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" == *"Ann Lee"* ]]
	run -0 --separate-stderr as_reader "$CRM_BIN/crm-report" --db "$RO/crm.db" --format csv \
	    --as-of 2026-11-15
	[[ "$output" == *"revenue,120.00"* ]]  # the report is of October, the last whole month
	chmod 0600 "$RO/crm.db"
	[ "$(sqlite3 "$RO/crm.db" .dump | cksum)" = "$before" ]
}

@test "a read-only store: a saving run (segment --save) exits 74 and saves nothing" {
	run -74 --separate-stderr as_reader "$CRM_BIN/crm-segment" --db "$RO/crm.db" --all --save
	[[ "$stderr" == *"read-only"* ]]
	chmod 0600 "$RO/crm.db"
	[ "$(sqlite3 "$RO/crm.db" 'SELECT count(*) FROM segment_history')" = 0 ]
}
