#!/usr/bin/env bats
# Overlapping cron jobs: four tools writing and reading one store at once
# (an import, a dedupe --merge, a segment --save and a reminder run, plus a
# report reading) all finish or exit 75 after the busy timeout, and none
# corrupts the store or loses another's write.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	export CRM_CONFIG="$DATA/sample/config.yaml"
	for f in customers customers_tw orders interactions tickets; do
		crm-import -q --rejects "$f.rej.csv" "$DATA/sample/$f.csv" || [ $? = 65 ]
	done
	export CRM_TODAY=2026-11-01
}

q() { sqlite3 -batch -noheader "$CRM_DB" "$@"; }

@test "four writers and a reader at once: each finishes or exits 75; nothing lost, nothing corrupt" {
	awk 'BEGIN { print "customer_id,name,phone"; for (i = 1; i <= 5000; i++) printf "N%d,new%d,139%08d\n", i, i, i }' > new.csv
	before=$(q 'SELECT count(*) FROM customers')
	# The merges a dedupe run makes depend on whether the import came
	# first (its match weights are estimated from the store): worked out
	# on copies, one without the import and one with it.
	cp "$CRM_DB" alone.db
	CRM_DB=alone.db crm-dedupe -q --merge
	merges_alone=$(sqlite3 alone.db 'SELECT count(*) FROM merges')
	cp "$CRM_DB" after.db
	CRM_DB=after.db crm-import -q new.csv
	CRM_DB=after.db crm-dedupe -q --merge
	merges_after=$(sqlite3 after.db 'SELECT count(*) FROM merges')
	[ "$merges_alone" -gt 0 ] && [ "$merges_after" -gt 0 ]
	crm-import -q new.csv & p1=$!
	crm-dedupe -q --merge & p2=$!
	crm-segment -q --all --save > seg.csv & p3=$!
	crm-remind -q --all > rem.csv & p4=$!
	crm-report -q --all --format csv > rep.csv & p5=$!
	for p in $p1 $p2 $p3 $p4 $p5; do
		rc=0
		wait "$p" || rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 75 ] || { echo "pid $p exit $rc"; false; }
		eval "rc_$p=$rc"
	done
	[ "$(q 'PRAGMA integrity_check')" = ok ]
	# each write is all there or (exit 75) not at all
	eval "rc=\$rc_$p1"
	if [ "$rc" = 0 ]; then [ "$(q 'SELECT count(*) FROM customers')" = "$((before + 5000))" ]; fi
	eval "rc=\$rc_$p2"
	merges=$(q 'SELECT count(*) FROM merges')
	if [ "$rc" = 0 ]; then
		[ "$merges" = "$merges_alone" ] || [ "$merges" = "$merges_after" ]
	else
		[ "$merges" = 0 ]
	fi
	eval "rc=\$rc_$p3"
	if [ "$rc" = 0 ]; then [ "$(q 'SELECT count(*) FROM segment_history')" -gt 0 ]; fi
	# a merged customer's orders all moved: no order points at a merged-away record
	[ "$(q 'SELECT count(*) FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE merged_into IS NOT NULL)')" = 0 ]
}
