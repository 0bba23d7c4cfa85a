#!/usr/bin/env bats
# Hostile and outsized input across the tools: a 10 MB field, 10,000
# columns, markup and header injection in names and owners reaching HTML and
# mail output.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
}

q() { sqlite3 -batch -noheader "$CRM_DB" "$@"; }

@test "a 10 MB field and 10,000 columns: stored whole, passed through, never a crash" {
	python3 -c "
print('customer_id,name,notes')
print('B1,big,' + 'x' * 10000000)
print('B2,small,short')" > big.csv
	python3 -c "
print(','.join(['customer_id', 'name'] + ['c%d' % i for i in range(10000)]))
print(','.join(['W1', 'wide'] + ['v'] * 10000))" > wide.csv
	run -0 crm-import -q big.csv wide.csv
	[ "$(q "SELECT length(notes) FROM customers WHERE external_id = 'B1'")" = 10000000 ]
	[ "$(q "SELECT count(*) FROM json_each((SELECT extra FROM customers WHERE external_id = 'W1'))")" = 10000 ]
	# a stream tool passes the wide row through unchanged
	crm-segment -q --all > seg.csv
	crm-dedupe -q --stream wide.csv > labelled.csv
	[ "$(head -1 labelled.csv | tr ',' '\n' | wc -l)" = 10004 ]
	crm-dedupe -q --stream big.csv > labelled.csv
	[ "$(sed -n 2p labelled.csv | wc -c)" -gt 10000000 ]
}

@test "markup and header injection in names and owners: escaped in HTML, encoded in mail headers" {
	printf 'customer_id,name,owner,phone,birthday\nX1,"<script>alert(1)</script>","Eve\r\nBcc: evil@example.com",13800138001,1990-11-25\n' > evil.csv
	crm-import -q evil.csv
	# the import already folds the line break into a space
	[ "$(q "SELECT owner FROM customers WHERE external_id = 'X1'")" = "Eve Bcc: evil@example.com" ]
	printf 'remind:\n  owner_emails:\n    "Eve Bcc: evil@example.com": eve@example.com\n' > c.yaml
	run -0 --separate-stderr env CRM_CONFIG=c.yaml crm-remind --all --mail
	printf '%s\n' "$output" > out.mbox
	! grep -qi '^bcc:' out.mbox || false
	run -0 python3 - out.mbox <<'PY'
import mailbox, sys
from email import policy
from email.parser import BytesParser
msgs = [BytesParser(policy=policy.default).parsebytes(m.as_bytes()) for m in mailbox.mbox(sys.argv[1])]
assert len(msgs) == 1, len(msgs)
m = msgs[0]
assert m["Bcc"] is None and str(m["To"]) == "eve@example.com", dict(m)
html = m.get_body(("html",)).get_content()
assert "<script>" not in html and "&lt;script&gt;" in html, html[:500]
print("ok")
PY
	[ "$output" = ok ]
	run -0 crm-report --all --format html --as-of 2026-12-01
	[[ "$output" != *"<script"* ]]
}
