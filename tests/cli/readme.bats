#!/usr/bin/env bats
# The README's recipes ("The three jobs") are run as they are written, so the
# README cannot drift from the tools: each ```sh recipe=NAME block is cut out
# of README.md and run with sh in a home directory that holds the bundled
# sample data as a shop's exports (~/exports), its configuration in the
# default place (~/.config/crm/config.yaml) and the store in its default
# place (~/.local/share/crm/crm.db). sendmail and formail are stubs that keep
# each message in ~/sent.N.eml, and the messages are parsed with Python's
# email package.

setup() {
	load helpers
	export HOME="$BATS_TEST_TMPDIR/home"
	unset CRM_DB CRM_CONFIG XDG_CONFIG_HOME XDG_DATA_HOME
	export CRM_TODAY=2026-11-01
	mkdir -p "$HOME/exports" "$HOME/.config/crm" "$BATS_TEST_TMPDIR/stubs"
	for f in customers customers_tw orders interactions tickets; do
		cp "$DATA/sample/$f.csv" "$HOME/exports/"
	done
	cp "$DATA/sample/config.yaml" "$HOME/.config/crm/config.yaml"
	cat > "$BATS_TEST_TMPDIR/stubs/sendmail" <<-'SH'
	#!/bin/sh
	[ "$1" = -t ] || exit 64
	n=$(ls "$HOME"/sent.*.eml 2>/dev/null | wc -l)
	cat > "$HOME/sent.$n.eml"
	SH
	# formail -s CMD...: each message of an mbox (after its "From " line) to CMD
	cat > "$BATS_TEST_TMPDIR/stubs/formail" <<-'SH'
	#!/bin/sh
	[ "$1" = -s ] || exit 64
	shift
	awk -v cmd="$*" '/^From / { if (open) close(cmd); open = 1; next } open { print | cmd }'
	SH
	chmod +x "$BATS_TEST_TMPDIR"/stubs/*
	export PATH="$BATS_TEST_TMPDIR/stubs:$PATH"
	cd "$BATS_TEST_TMPDIR"
}

README="$BATS_TEST_DIRNAME/../../README.md"

# The recipe called $1, as a file.
recipe() {
	awk -v r="$1" '$0 == "```sh recipe=" r { f = 1; next } /^```/ { f = 0 } f' "$README" > "$1.sh"
	[ -s "$1.sh" ]
}

# To and Subject of every message sent, one "TO|SUBJECT" line each, sorted;
# fails when a message does not parse or has no text and HTML part.
mails() {
	python3 - "$HOME" <<-'PY'
	import glob, sys
	from email import policy
	from email.parser import BytesParser
	out = []
	for path in glob.glob(sys.argv[1] + "/sent.*.eml"):
	    m = BytesParser(policy=policy.default).parse(open(path, "rb"))
	    assert m.get_body(("plain",)) is not None and m.get_body(("html",)) is not None, path
	    out.append("%s|%s" % (m["To"], m["Subject"]))
	print("\n".join(sorted(out)))
	PY
}

db() { sqlite3 -batch -noheader "$HOME/.local/share/crm/crm.db" "$@"; }

@test "README: the recipes are nightly, adhoc and monthly (a new one needs a test here)" {
	run -0 sh -c "grep -o '^\`\`\`sh recipe=[a-z]*' '$README' | sed 's/.*=//' | tr '\n' ' '"
	[ "$output" = "nightly adhoc monthly " ]
}

@test "README recipe 'nightly': imports with rejects, merges, saves history, mails each owner" {
	recipe nightly
	run -0 --separate-stderr sh nightly.sh
	[ -f "$HOME/.local/share/crm/crm.db" ]
	[ -s "$HOME/exports/rejects/customers.csv" ] && [ -s "$HOME/exports/rejects/orders.csv" ]
	[ "$(db 'SELECT count(*) FROM merges')" = 5 ]
	[ -f "$HOME/review.csv" ]
	[ "$(db 'SELECT count(DISTINCT day) FROM segment_history')" = 1 ]
	[ "$(db 'SELECT count(*) FROM score_runs')" = 1 ]
	run -0 mails
	[ "${#lines[@]}" -eq 5 ]
	for to in boss lijing liuyang wangfang zhangwei; do
		printf '%s\n' "${lines[@]}" | grep -q "^$to@example.com|Follow-ups for "
	done
}

@test "README recipe 'adhoc': every pipeline runs on the store the nightly job made" {
	recipe nightly
	sh nightly.sh > /dev/null 2>&1
	recipe adhoc
	run -0 --separate-stderr sh -e adhoc.sh
	[[ "$output" == *"customer_id,external_id,name,p_alive,expected_purchases"* ]]
	[[ "$output" == *"segment "*"customers"*"revenue_share"* ]]
	[[ "$output" == *"region,metric,value,previous,last_year,change,target,status"* ]]
	[[ "$output" == *"cluster_id,match_score"* ]]
}

@test "README recipe 'monthly': the report, and the alert for a missed target, parse as mail" {
	recipe nightly
	sh nightly.sh > /dev/null 2>&1
	rm -f "$HOME"/sent.*.eml
	recipe monthly
	run -0 --separate-stderr sh monthly.sh
	run -0 mails
	# churn 2026-10 is above the sample's target of 10%: the alert goes too
	[ "${#lines[@]}" -eq 2 ]
	printf '%s\n' "${lines[@]}" | grep -q '^boss@example.com|KPI alert$'
	printf '%s\n' "${lines[@]}" | grep -q '^boss@example.com|.*2026-10'
}
