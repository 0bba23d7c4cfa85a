#!/usr/bin/env bats
# crm-remind: a small store (tests/data/remind) walked through several
# --as-of days: each rule fires on the right day, re-running is idempotent,
# done resets the cadence, snooze hides until its date, a new interaction
# cancels a due follow-up, SLA escalation fires at the boundary hour; the
# .ics output passes a strict RFC 5545 check, JSON parses, templates run no
# code and read no files.
#
# The data, as of 2026-11-23:
#   R1 first order 2026-11-12 → onboarding day 7 (due 11-19)
#   R2 birthday 11-28 → birthday reminder from 11-21 (7 days ahead)
#   R3 high ticket T1 opened 11-22 10:00, limit 24 h → escalation at 11-23 10:00
#   R4 CSAT 2 on 11-21, no contact since → satisfaction call (due 11-21)
#   R5 last call 10-20, lifecycle repeat; with remind.cadence_lifecycle.repeat
#      30 → cadence due 11-19
#   L1 a lead called 11-20 (lead cadence 14: due 12-04) → nothing

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	for f in customers orders interactions tickets; do
		crm-import -q "$DATA/remind/$f.csv"
	done
	printf 'remind:\n  manager: boss@example.com\n  cadence_lifecycle:\n    repeat: 30\n' > c.yaml
	export CRM_CONFIG=$PWD/c.yaml
}

q() { sqlite3 -batch -noheader "$CRM_DB" "$@"; }

# rule:external-name pairs of a CSV run on stdin, sorted.
rules_of() { awk -F, 'NR > 1 { print $3 ":" $6 }' | sort | tr '\n' ' '; }

@test "as of 09:00 the day-level rules fire; the SLA escalation not yet" {
	run -0 --separate-stderr crm-remind --all --as-of "2026-11-23 09:00"
	[ "${lines[0]}" = "reminder_id,due,rule,priority,customer_id,name,owner,channel,contact,reason,message,status" ]
	[ "$(printf '%s\n' "${lines[@]}" | rules_of)" = "birthday:Sam Li cadence:Vic Ma onboarding:Rita Wu satisfaction:Uma Ho " ]
	[[ "$stderr" == *"4 new reminders, 0 cancelled"* ]]
	# the reason in plain words, the contact for the preferred channel
	printf '%s\n' "${lines[@]}" | grep -F ',cadence,' | grep -qF 'no contact for 34 days; cadence for repeat is 30'
	printf '%s\n' "${lines[@]}" | grep -F ',birthday,' | grep -qF ',email,sam@example.com,'
	printf '%s\n' "${lines[@]}" | grep -F ',onboarding,' | grep -qF ',wechat,+8613800138001,'
}

@test "the SLA escalation fires at the boundary hour, to the manager" {
	run -0 --separate-stderr crm-remind --all --as-of "2026-11-23 09:59"
	[[ "$output" != *",sla,"* ]]
	run -0 --separate-stderr crm-remind --all --as-of "2026-11-23 10:00"
	row=$(printf '%s\n' "${lines[@]}" | grep -F ',sla,')
	[[ "$row" == *",2026-11-23,sla,urgent,3,Tom Xu,boss@example.com,phone,+8613800138003,high ticket T1 about delivery open for 24 hours; the limit is 24,"* ]]
	# a date alone means the end of that day
	run -0 crm-remind --all --as-of 2026-11-23
	[[ "$output" == *",sla,"* ]]
}

@test "a stored reminder's reason is brought up to date on each run" {
	crm-remind -q --all --as-of "2026-11-23 10:00" > /dev/null
	run -0 crm-remind -q --all --as-of "2026-11-23 16:00"
	[[ "$output" == *"open for 30 hours; the limit is 24"* ]]
	[ "$(q "SELECT count(*) FROM reminders WHERE rule = 'sla'")" = "1" ]
}

@test "an urgent ticket escalates after 4 hours; a ticket resolved and reopened escalates again" {
	printf 'ticket_no,customer_id,opened,severity,status\nT2,R5,2026-11-23 08:00,urgent,open\n' > t2.csv
	crm-import -q t2.csv
	run -0 crm-remind -q --all --as-of "2026-11-23 11:59"
	[[ "$output" != *"ticket T2"* ]]
	run -0 crm-remind -q --all --as-of "2026-11-23 12:00"
	[[ "$output" == *"urgent ticket T2 open for 4 hours; the limit is 4"* ]]
	q "UPDATE tickets SET status = 'resolved', resolved_at = '2026-11-23 13:00:00' WHERE ticket_no = 'T2'"
	run -0 crm-remind -q --all --as-of "2026-11-23 14:00"
	[[ "$output" != *"ticket T2"* ]]
	[ "$(q "SELECT status FROM reminders WHERE key LIKE 'sla:%' AND reason LIKE '%T2%'")" = "cancelled" ]
	q "UPDATE tickets SET status = 'open', resolved_at = NULL WHERE ticket_no = 'T2'"
	run -0 crm-remind -q --all --as-of "2026-11-23 15:00"
	[[ "$output" == *"urgent ticket T2 open for 7 hours"* ]]
	[ "$(q "SELECT count(*) FROM reminders WHERE reason LIKE '%T2%'")" = "1" ]
}

@test "running twice on the same day gives the same list, not a second copy" {
	first=$(crm-remind -q --all --as-of 2026-11-23)
	run -0 --separate-stderr crm-remind --all --as-of 2026-11-23
	[ "$output" = "$first" ]
	[[ "$stderr" == *"0 new reminders, 0 cancelled"* ]]
	[ "$(q "SELECT count(*) FROM reminders")" = "5" ]
}

@test "a store of schema 7 is brought to 8: every reminder kept, a done occasion stays done" {
	crm-remind -q --all --as-of 2026-11-23 > /dev/null
	bday=$(q "SELECT id FROM reminders WHERE rule = 'birthday'")
	crm-remind -q done "$bday" --as-of 2026-11-23
	before=$(q "SELECT * FROM reminders ORDER BY id")
	# the reminders table as schema 7 had it: key UNIQUE, a customer index
	q "BEGIN; ALTER TABLE reminders RENAME TO r8;
	   CREATE TABLE reminders (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,
	     customer_id INTEGER NOT NULL, ticket_id INTEGER, rule TEXT NOT NULL, due TEXT NOT NULL,
	     priority TEXT NOT NULL, reason TEXT NOT NULL, escalate_to TEXT,
	     status TEXT NOT NULL DEFAULT 'open', snoozed_until TEXT, done_at TEXT, note TEXT,
	     created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
	   INSERT INTO reminders SELECT * FROM r8; DROP TABLE r8;
	   CREATE INDEX reminders_customer ON reminders(customer_id);
	   PRAGMA user_version = 7; COMMIT"
	run -0 --separate-stderr crm-remind --all --as-of 2026-11-23
	[[ "$stderr" == *"0 new reminders, 0 cancelled"* ]]
	[ "$(q "PRAGMA user_version")" = "8" ]
	[ "$(q "SELECT * FROM reminders ORDER BY id")" = "$before" ]
	[ "$(q "SELECT group_concat(name) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'reminders'")" = "reminders_customer_key" ]
	# the birthday is still proposed the next day, and still done
	run -0 --separate-stderr crm-remind --all --as-of 2026-11-24
	[[ "$output" != *",birthday,"* ]]
	[ "$(q "SELECT status FROM reminders WHERE id = $bday")" = "done" ]
	[ "$(q "SELECT count(*) FROM reminders WHERE rule = 'birthday'")" = "1" ]
}

@test "a reminder whose status was set by hand to one no run sets counts as over: not listed, not stored again" {
	crm-remind -q --all --as-of 2026-11-23 > /dev/null
	q "UPDATE reminders SET status = 'closed' WHERE rule = 'birthday'"
	run -0 --separate-stderr crm-remind --all --as-of 2026-11-24
	[[ "$output" != *",birthday,"* ]]
	[ "$(q "SELECT count(*) FROM reminders WHERE rule = 'birthday'")" = "1" ]
	[ "$(q "SELECT status FROM reminders WHERE rule = 'birthday'")" = "closed" ]
}

@test "the list goes out only once its reminders are stored; without a spool it waits for them" {
	cp "$CRM_DB" before.db
	# a store that refuses the new reminders: no list at all, nothing stored
	q "CREATE TRIGGER refuse BEFORE INSERT ON reminders BEGIN SELECT RAISE(ABORT, 'refused'); END"
	for f in csv json ics text; do
		run --separate-stderr crm-remind --all --as-of 2026-11-23 --format $f
		[ "$status" -ne 0 ]
		[ -z "$output" ]
		[[ "$stderr" == *"refused"* ]]
	done
	[ "$(q "SELECT count(*) FROM reminders")" = "0" ]
	# no temporary directory for the spool: the same list, after the commit
	cp before.db spool.db
	run -0 --separate-stderr crm-remind --db spool.db --all --as-of 2026-11-23
	[[ "$stderr" == *"5 new reminders"* ]]
	listed=$output
	cp before.db nospool.db
	TMPDIR=$BATS_TEST_TMPDIR/missing run -0 --separate-stderr crm-remind --db nospool.db --all --as-of 2026-11-23
	[ "$output" = "$listed" ]
	[ "$(sqlite3 nospool.db "SELECT * FROM reminders")" = "$(sqlite3 spool.db "SELECT * FROM reminders")" ]
	# every listed id is a stored reminder
	for id in $(printf '%s\n' "$listed" | awk -F, 'NR > 1 { print $1 }'); do
		[ "$(sqlite3 spool.db "SELECT status FROM reminders WHERE id = $id")" = "open" ]
	done
}

@test "done resets the follow-up clock; the reminder leaves the list" {
	crm-remind -q --all --as-of 2026-11-23 > /dev/null
	id=$(q "SELECT id FROM reminders WHERE rule = 'cadence'")
	run -0 --separate-stderr crm-remind done "$id" --note "called, all well" --as-of 2026-11-23
	[ "$stderr" = "crm-remind: reminder $id done" ]
	# the follow-up was logged as an interaction
	[ "$(q "SELECT summary FROM interactions WHERE customer_id = 5 ORDER BY at DESC LIMIT 1")" = "follow-up done (reminder $id, cadence): called, all well" ]
	run -0 crm-remind -q --all --as-of 2026-11-24
	[[ "$output" != *",cadence,"* ]]
	# 30 days after the logged call it is due again, as a new reminder
	run -0 crm-remind -q --all --as-of 2026-12-23
	[[ "$output" == *",cadence,"*"Vic Ma"* ]]
	[ "$(q "SELECT status FROM reminders WHERE id = $id")" = "done" ]
	run -0 crm-remind -q list --status done
	[ "${#lines[@]}" -eq 2 ]
}

@test "snooze hides a reminder until its date" {
	crm-remind -q --all --as-of 2026-11-23 > /dev/null
	id=$(q "SELECT id FROM reminders WHERE rule = 'onboarding'")
	run -0 --separate-stderr crm-remind snooze "$id" --until 2026-11-25 --as-of 2026-11-23
	[ "$stderr" = "crm-remind: reminder $id snoozed until 2026-11-25" ]
	run -0 crm-remind -q --all --as-of 2026-11-24
	[[ "$output" != *",onboarding,"* ]]
	run -0 crm-remind -q --all --as-of 2026-11-25
	[[ "$(printf '%s\n' "${lines[@]}" | grep -F ',onboarding,')" == *",snoozed" ]]
	run -0 crm-remind snooze "$id" --days 3 --as-of 2026-11-25
	[ "$(q "SELECT snoozed_until FROM reminders WHERE id = $id")" = "2026-11-28" ]
}

@test "a new interaction cancels a due follow-up" {
	crm-remind -q --all --as-of 2026-11-23 > /dev/null
	printf 'customer_id,time,channel,kind,summary\nR4,2026-11-23 14:00,phone,call,sorted out the complaint\n' > call.csv
	crm-import -q call.csv
	run -0 --separate-stderr crm-remind --all --as-of 2026-11-23
	[[ "$output" != *",satisfaction,"* ]]
	[[ "$stderr" == *"0 new reminders, 1 cancelled"* ]]
	[ "$(q "SELECT status FROM reminders WHERE rule = 'satisfaction'")" = "cancelled" ]
}

@test "--owner filters, --by-owner groups, a stream restricts to its customers" {
	run -0 crm-remind -q --all --as-of 2026-11-23 --owner 王芳
	[ "$(printf '%s\n' "${lines[@]}" | rules_of)" = "cadence:Vic Ma onboarding:Rita Wu satisfaction:Uma Ho " ]
	run -0 crm-remind -q --all --as-of 2026-11-23 --by-owner
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f7 | uniq | tr '\n' ' ')" = "boss@example.com 张伟 王芳 " ]
	run -0 bash -c 'crm-segment -q --all --where "name = '\''Uma Ho'\''" | crm-remind -q --as-of 2026-11-23'
	[ "$(printf '%s\n' "${lines[@]}" | rules_of)" = "satisfaction:Uma Ho " ]
	# reminders of customers outside the stream are left alone
	[ "$(q "SELECT count(*) FROM reminders WHERE status = 'open'")" = "5" ]
}

@test "custom rules from the configuration; a bad one is a configuration error" {
	printf 'remind:\n  rules:\n    big_spender: "monetary >= 900 and days_since_contact > 20"\n' > r.yaml
	run -0 crm-remind -q --all --as-of 2026-11-23 --config r.yaml
	[[ "$output" == *",big_spender,normal,5,Vic Ma,"*"rule big_spender: monetary >= 900"* ]]
	printf 'remind:\n  rules:\n    x: "monetary >= "\n  cadence_rfm:\n    champs: 3\n' > bad.yaml
	run -78 --separate-stderr crm-remind --all --config bad.yaml
	[[ "$stderr" == *"bad.yaml:5: remind.cadence_rfm.champs: no such RFM segment"* ]]
}

@test "the .ics output is valid iCalendar with stable UIDs" {
	crm-remind -q --all --as-of 2026-11-23 -f ics > a.ics
	crm-remind -q --all --as-of 2026-11-24 -f ics > b.ics
	# strict RFC 5545 checks: CRLF on every line, no line over 75 octets,
	# BEGIN/END balanced and nested, required properties in each VTODO,
	# dates and stamps well formed, TEXT escaped
	for f in a.ics b.ics; do
		[ "$(head -c 15 "$f")" = "BEGIN:VCALENDAR" ]
		[ "$(grep -c $'\r$' "$f")" -eq "$(wc -l < "$f")" ]
		! LC_ALL=C awk '{ sub(/\r$/, "") } length($0) > 75' "$f" | grep -q .
		tr -d '\r' < "$f" | awk '
			/^ / { next }
			/^BEGIN:/ { stack[++d] = substr($0, 7); if (stack[d] == "VTODO") todos++; next }
			/^END:/ { if (stack[d] != substr($0, 5)) { print "bad END " $0; exit 1 } d--; next }
			stack[d] == "VTODO" && /^UID:/ { uid++ }
			stack[d] == "VTODO" && /^DTSTAMP:[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z$/ { stamp++ }
			stack[d] == "VTODO" && /^DUE;VALUE=DATE:[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ { due++ }
			END { if (d != 0 || uid != todos || stamp != todos || due != todos || todos == 0) { print "d", d, todos, uid, stamp, due; exit 1 } }'
		grep -q '^VERSION:2.0' "$f"
		grep -q '^PRODID:' "$f"
	done
	# the reason "birthday on 2026-11-28, in 5 days" has its comma escaped
	tr -d '\r' < a.ics | sed ':a;N;$!ba;s/\n //g' | grep -qF 'birthday on 2026-11-28\, in'
	# folding never splits a UTF-8 character: every physical line is valid UTF-8
	tr -d '\r' < a.ics | iconv -f UTF-8 -t UTF-8 > /dev/null
	# UIDs are the same for the same reminders on another day
	diff <(grep ^UID a.ics | sort) <(grep ^UID b.ics | sort | grep -Ff <(grep ^UID a.ics))
}

@test "JSON output parses and carries every column" {
	run -0 crm-remind -q --all --as-of 2026-11-23 -f json
	printf '%s' "$output" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert len(rows) == 5, rows
assert set(rows[0]) == {"reminder_id","due","rule","priority","customer_id","name","owner","channel","contact","reason","message","status"}
assert any(r["name"] == "Rita Wu" and r["owner"] == "王芳" for r in rows)
'
}

@test "templates fill placeholders and nothing else: no files, no commands" {
	printf '%s' 'Hi {{name}}, {{ reason }}! {{nope}}{{../../etc/passwd}} $(touch pwned) `id` {{name' > t.txt
	run -0 crm-remind -q --all --as-of 2026-11-23 --template t.txt --owner 王芳 -f json
	printf '%s' "$output" | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    want = "Hi %s, %s!  $(touch pwned) `id` {{name" % (r["name"], r["reason"])
    assert r["message"] == want, (r["message"], want)
'
	[ ! -e pwned ]
	run -66 --separate-stderr crm-remind --all --template missing.txt
}

@test "done and snooze of an unknown reminder; usage errors" {
	run -65 --separate-stderr crm-remind done 999
	[[ "$stderr" == *"no reminder 999"* ]]
	crm-remind -q --all --as-of 2026-11-23 > /dev/null
	id=$(q "SELECT id FROM reminders WHERE rule = 'birthday'")
	run -0 crm-remind -q done "$id" --as-of 2026-11-23
	run -65 --separate-stderr crm-remind done "$id" --as-of 2026-11-23
	[[ "$stderr" == *"reminder $id is done already; only open or snoozed ones can be done"* ]]
	[ "$(q "SELECT count(*) FROM interactions WHERE summary LIKE 'follow-up done (reminder $id,%'")" = "1" ]
	id=$(q "SELECT id FROM reminders WHERE rule = 'onboarding'")
	run -64 --separate-stderr crm-remind snooze "$id" --until 2026-11-20 --as-of 2026-11-23
	[[ "$stderr" == *"--until 2026-11-20 is not after today"* ]]
	run -64 --separate-stderr crm-remind snooze 1
	[[ "$stderr" == *"snooze needs one of --until DATE or --days N"* ]]
	run -64 --separate-stderr crm-remind --all --as-of "2026-11-23 25:00"
	run -64 --separate-stderr crm-remind list --status maybe
	run -64 --separate-stderr crm-remind --all -f xml
}

# reclaim (公海): as of 2026-11-23 with remind.reclaim_days 30, R5's owner 王芳
# last followed up on 10-20 (34 days); every other customer was contacted
# within 30 days or, with no interaction, was created today (0 days). With
# remind.reclaim_order_days 60, R2 (last paid order 2026-02-01: 295 days)
# is due too; R3's last order (10-01) is 53 days old.
@test "reclaim lists the customers due back to the pool, with the reason" {
	run -0 --separate-stderr crm-remind reclaim -f csv
	[ "${lines[0]}" = "customer_id,external_id,name,owner,last_follow_up,last_order,reason" ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *",R5,Vic Ma,王芳,2026-10-20,2026-10-10,no follow-up by 王芳 for 34 days (limit 30)" ]]
	run -0 crm-remind reclaim -f csv --owner 张伟
	[ "${#lines[@]}" -eq 1 ]
	printf 'remind:\n  reclaim_order_days: 60\n' > r.yaml
	run -0 env CRM_CONFIG=r.yaml crm-remind reclaim -f csv
	[ "${#lines[@]}" -eq 3 ]
	printf '%s\n' "${lines[@]}" | grep -qF ',R2,Sam Li,张伟,2026-11-15,2026-02-01,no paid order for 295 days (limit 60)'
}

@test "reclaim --apply clears the owner as one logged run; --restore puts owner and updated_at back" {
	before=$(q "SELECT owner || '|' || updated_at FROM customers WHERE external_id = 'R5'")
	run -0 --separate-stderr crm-remind reclaim --apply -f csv
	[[ "$stderr" == *"1 customers returned to the pool (run 1"* ]]
	[ -z "$(q "SELECT owner FROM customers WHERE external_id = 'R5'")" ]
	[ "$(q "SELECT owner FROM owner_history WHERE run_id = 1")" = 王芳 ]
	run -0 crm-remind reclaim -f csv
	[ "${#lines[@]}" -eq 1 ]
	run -0 --separate-stderr crm-remind reclaim --restore 1
	[[ "$stderr" == *"1 owners back, 0 customers kept"* ]]
	[ "$(q "SELECT owner || '|' || updated_at FROM customers WHERE external_id = 'R5'")" = "$before" ]
	run -65 crm-remind reclaim --restore 1
	[[ "$output" == *"restored already"* ]]
	run -65 crm-remind reclaim --restore 9
	[[ "$output" == *"no reclaim run 9"* ]]
}

@test "reclaim --restore leaves a customer someone took from the pool with its new owner" {
	crm-remind -q reclaim --apply > /dev/null
	q "UPDATE customers SET owner = '李雷' WHERE external_id = 'R5'"
	run -0 --separate-stderr crm-remind reclaim --restore 1
	[[ "$stderr" == *"0 owners back, 1 customers kept"* ]]
	[ "$(q "SELECT owner FROM customers WHERE external_id = 'R5'")" = 李雷 ]
}

@test "reclaim options are checked" {
	run -64 crm-remind --apply
	run -64 crm-remind reclaim --apply --restore 1
	run -64 crm-remind reclaim -f json
	run -64 crm-remind list --restore 1
}

@test "--mask: the contact column and the message show masked contacts" {
	run -0 --separate-stderr crm-remind --all --mask -f csv
	printf '%s\n' "${lines[@]}" | grep -F ',birthday,' | grep -qF ',email,s***@example.com,'
	! printf '%s\n' "${lines[@]}" | grep -q 'sam@example.com\|13800138005' || false
}

@test "--mail: one MIME message per owner with an address, as an mbox that parses" {
	printf 'remind:\n  manager: boss@example.com\n  cadence_lifecycle:\n    repeat: 30\n  owner_emails:\n    王芳: wangfang@example.com\n' > m.yaml
	run -0 --separate-stderr env CRM_CONFIG=m.yaml crm-remind --all --mail --from crm@example.com
	printf '%s\n' "$output" > out.mbox
	# 王芳 has R1, R4, R5 (3 reminders); the SLA escalation goes to the
	# manager's address; 张伟 (R2's birthday) has no address: named on stderr
	[[ "$stderr" == *'1 reminders of owner "张伟" not mailed'* ]]
	run -0 python3 - out.mbox <<'PY'
import mailbox, sys
from email import policy
from email.parser import BytesParser
msgs = [BytesParser(policy=policy.default).parsebytes(m.as_bytes()) for m in mailbox.mbox(sys.argv[1])]
got = {}
for m in msgs:
    assert m["From"] == "crm@example.com"
    text = m.get_body(("plain",)).get_content()
    html = m.get_body(("html",)).get_content()
    assert "<script" not in html.lower()
    got[str(m["To"])] = (str(m["Subject"]), text.count("\n") - 1)
assert got["wangfang@example.com"] == ("Follow-ups for 王芳, 2026-11-23", 3), got
assert got["boss@example.com"][1] == 1, got
assert len(got) == 2, got
print("ok")
PY
	[ "$output" = ok ]
}

@test "--mail options are checked" {
	run -64 crm-remind --all --mail -f csv
	run -64 crm-remind --all --subject x
	run -64 crm-remind --all --mail --from 'not an address'
	printf 'remind:\n  owner_emails:\n    王芳: nope\n' > bad.yaml
	run -78 env CRM_CONFIG=bad.yaml crm-remind --all --mail
	[[ "$output" == *"bad.yaml:3"*"not an e-mail address"* ]]
}

@test "the example template (examples/reminder-message.txt) fills from the reminder's columns" {
	run -0 crm-remind -q --all --template "$BATS_TEST_DIRNAME/../../examples/reminder-message.txt" --owner 王芳 -f csv
	printf '%s\n' "${lines[@]}" | grep -qF 'Rita Wu（王芳）：'
	! printf '%s\n' "${lines[@]}" | grep -qF '{{' || false
}

# ---- dates from an imported column (remind.date_rules) ----------------------
# contract_end is no field of ours: crm-import keeps it in the customers'
# extra JSON. R1 renews on 2026-12-20 (written ISO), R2 on 2026-12-25 (written
# 25/12/2026, read day first as date_order dmy says), R3's cell cannot be read.
date_rules_setup() {
	printf 'customer_id,name,Contract End\nR1,Rita Wu,2026-12-20\nR2,Sam Li,25/12/2026\nR3,Tom Xu,2026-13-40\n' > contracts.csv
	crm-import -q contracts.csv
	printf 'remind:\n  date_rules:\n    renewal:\n      column: contract_end\n      days_ahead: 30\n' > d.yaml
}

@test "date rules: many values that are no date: the first three named, the rest counted in one line" {
	printf 'customer_id,name,Contract End\n' > bad.csv
	for i in 1 2 3 4 5 6; do printf 'B%d,Bad %d,2026-13-4%d\n' "$i" "$i" "$i"; done >> bad.csv
	crm-import -q bad.csv
	printf 'remind:\n  date_rules:\n    renewal:\n      column: contract_end\n      days_ahead: 30\n' > d.yaml
	run -0 --separate-stderr crm-remind -q --all --config d.yaml --as-of 2026-11-19
	[ "$(printf '%s\n' "$stderr" | grep -c 'cannot read')" -eq 3 ]
	[[ "$stderr" == *'column "contract_end": cannot read "2026-13-41" as a date'* ]]
	[[ "$stderr" == *'3 more values of remind.date_rules columns are no date; no reminder for them'* ]]
}

@test "date rules: a date in an imported column fires days_ahead days before it, until the day" {
	date_rules_setup
	run -0 --separate-stderr crm-remind -q --all --config d.yaml --as-of 2026-11-19
	[[ "$output" != *",renewal,"* ]]
	# a bad date: one warning naming the customer and the value; the run goes on
	[ "$(printf '%s\n' "$stderr" | grep -c 'cannot read')" -eq 1 ]
	[[ "$stderr" == *'customer 3 (R3): column "contract_end": cannot read "2026-13-40" as a date; no renewal reminder for it'* ]]
	run -0 crm-remind -q --all --config d.yaml --as-of 2026-11-20
	row=$(printf '%s\n' "${lines[@]}" | grep -F ',renewal,')
	[[ "$row" == *",2026-11-20,renewal,normal,1,Rita Wu,"*",contract_end 2026-12-20 is in 30 days,"* ]]
	run -0 crm-remind -q --all --config d.yaml --as-of 2026-11-25
	[ "$(printf '%s\n' "${lines[@]}" | grep -cF ',renewal,')" -eq 2 ]
	printf '%s\n' "${lines[@]}" | grep -F ',renewal,' | grep -qF ',2026-11-25,renewal,normal,2,Sam Li,'
	printf '%s\n' "${lines[@]}" | grep -F ',renewal,' | grep -qF 'contract_end 2026-12-25 is in 30 days'
	run -0 crm-remind -q --all --config d.yaml --as-of 2026-12-19
	printf '%s\n' "${lines[@]}" | grep -F ',Rita Wu,' | grep -qF 'contract_end 2026-12-20 is tomorrow'
	run -0 crm-remind -q --all --config d.yaml --as-of 2026-12-20
	printf '%s\n' "${lines[@]}" | grep -F ',Rita Wu,' | grep -qF 'contract_end 2026-12-20 is today'
	# one reminder all along, due the day it first showed
	[ "$(q "SELECT count(*) || ' ' || min(due) FROM reminders WHERE rule = 'renewal' AND customer_id = 1")" = "1 2026-11-20" ]
	# the day after, the reason is gone: cancelled
	run -0 --separate-stderr crm-remind --all --config d.yaml --as-of 2026-12-21
	[[ "$output" != *"Rita Wu,"*"contract_end"* ]]
	[ "$(q "SELECT status FROM reminders WHERE rule = 'renewal' AND customer_id = 1")" = "cancelled" ]
}

@test "date rules: a moved date is a new occasion; yearly dates come back every year; priority" {
	date_rules_setup
	crm-remind -q --all --config d.yaml --as-of 2026-11-20 > /dev/null
	printf 'customer_id,name,Contract End\nR1,Rita Wu,2026-12-01\n' > moved.csv
	crm-import -q moved.csv
	run -0 --separate-stderr crm-remind --all --config d.yaml --as-of 2026-11-20
	printf '%s\n' "${lines[@]}" | grep -F ',Rita Wu,' | grep -qF 'contract_end 2026-12-01 is in 11 days'
	[ "$(q "SELECT group_concat(status, ' ') FROM (SELECT status FROM reminders WHERE rule = 'renewal' AND customer_id = 1 ORDER BY id)")" = "cancelled open" ]
	printf 'remind:\n  date_rules:\n    contract_day:\n      column: Contract End\n      days_ahead: 3\n      priority: high\n      yearly: true\n' > y.yaml
	run -0 crm-remind -q --all --config y.yaml --as-of 2027-11-28
	printf '%s\n' "${lines[@]}" | grep -qF ',2027-11-28,contract_day,high,1,Rita Wu,'
	printf '%s\n' "${lines[@]}" | grep -F ',contract_day,' | grep -qF 'Contract End 2027-12-01 is in 3 days'
}

@test "date rules: a column no customer has is named once; a field works as a column; bad rules are config errors" {
	date_rules_setup
	printf 'remind:\n  date_rules:\n    renewal:\n      column: contract_ende\n' > n.yaml
	run -0 --separate-stderr crm-remind --all --config n.yaml --as-of 2026-11-23
	[ "$(printf '%s\n' "$stderr" | grep -c 'contract_ende')" -eq 1 ]
	[[ "$stderr" == *'n.yaml:3: remind.date_rules.renewal: no customer has a column "contract_ende"'* ]]
	# a customer field as the column: birthday, 5 days ahead
	printf 'remind:\n  date_rules:\n    bday:\n      column: birthday\n      days_ahead: 5\n      yearly: yes\n' > f.yaml
	run -0 crm-remind -q --all --config f.yaml --as-of 2026-11-23
	printf '%s\n' "${lines[@]}" | grep -F ',bday,' | grep -qF ',Sam Li,'
	printf '%s\n' "${lines[@]}" | grep -F ',bday,' | grep -qF 'birthday 2026-11-28 is in 5 days'
	# a column of the input stream (crm-segment ... | mlr join ... | crm-remind)
	printf 'remind:\n  date_rules:\n    renewal:\n      column: renew_on\n      days_ahead: 10\n' > s.yaml
	run -0 --separate-stderr bash -c "printf 'customer_id,renew_on\n1,2026-11-30\n4,30/11/2026\n' | crm-remind -q --config s.yaml --as-of 2026-11-23"
	[ "$(printf '%s\n' "${lines[@]}" | grep -cF 'renew_on 2026-11-30 is in 7 days')" -eq 2 ]
	printf 'remind:\n  date_rules:\n    cadence:\n      column: contract_end\n    x:\n      days_ahead: 3\n    y:\n      column: a\n      priority: soon\n      colum: b\n' > bad.yaml
	run -78 --separate-stderr crm-remind --all --config bad.yaml
	[[ "$stderr" == *'bad.yaml:6: remind.date_rules.x: no column given'* ]]
	[[ "$stderr" == *'bad.yaml:9: remind.date_rules.y.priority: "soon" is not one of urgent, high, normal, low'* ]]
	[[ "$stderr" == *'bad.yaml:10: unknown key "remind.date_rules.y.colum" (did you mean "column"?)'* ]]
	printf 'remind:\n  date_rules:\n    cadence:\n      column: contract_end\n' > bad2.yaml
	run -78 --separate-stderr crm-remind --all --config bad2.yaml
	[[ "$stderr" == *'bad2.yaml:3: remind.date_rules.cadence: the name of a built-in rule'* ]]
}

# ---- messages in the customer's language -----------------------------------
# R1 writes Traditional Chinese (zh-TW), R2 Simplified (zh_cn as exported),
# R4 French (no template of its own), R5 Hong Kong Chinese (zh-HK).
languages_setup() {
	printf 'customer_id,name,language\nR1,Rita Wu,zh-TW\nR2,Sam Li,zh_cn\nR4,Uma Ho,fr\nR5,Vic Ma,zh-HK\n' > langs.csv
	crm-import -q langs.csv
}

# name:message pairs of a CSV run on stdin (the message is column 11).
messages_of() {
	python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    print(r["name"] + ":" + r["message"])'
}

@test "messages: the shipped message in the customer's language, English without one" {
	languages_setup
	crm-remind -q --all --as-of 2026-11-23 > out.csv
	run -0 messages_of < out.csv
	printf '%s\n' "${lines[@]}" | grep -qxF 'Rita Wu:請跟進Rita Wu（+8613800138001）。'
	printf '%s\n' "${lines[@]}" | grep -qxF 'Sam Li:Sam Li的生日快到了，请送上祝福（sam@example.com）。'
	printf '%s\n' "${lines[@]}" | grep -qxF 'Uma Ho:Call Uma Ho (+8613800138004) about their feedback: answered CSAT 2, 2 days ago; call by 2026-11-23.'
	printf '%s\n' "${lines[@]}" | grep -qxF 'Vic Ma:請跟進Vic Ma（+8613800138005）。'
	printf '%s\n' "${lines[@]}" | grep -qxF 'Tom Xu:Escalation: Tom Xu — high ticket T1 about delivery open for 37 hours; the limit is 24. Call +8613800138003 today.'
}

@test "messages: --template-dir picks by language with fallback zh-HK → zh → default; files are read once, never named by a customer" {
	languages_setup
	mkdir tpl
	printf '繁：{{name}} {{rule}}\n' > tpl/zh-TW.txt
	printf '中：{{name}} {{rule}}\n' > tpl/zh.txt
	printf 'default: {{name}} {{rule}} $(touch pwned) {{../x}}\n' > tpl/default.txt
	printf 'not a template\n' > tpl/README.txt
	printf 'secret\n' > secret.txt
	# a customer whose language tries to name a file
	printf 'customer_id,name,language\nR3,Tom Xu,../secret\n' > evil.csv
	crm-import -q evil.csv
	crm-remind -q --all --as-of 2026-11-23 --template-dir tpl > out.csv
	run -0 messages_of < out.csv
	printf '%s\n' "${lines[@]}" | grep -qxF 'Rita Wu:繁：Rita Wu onboarding'
	printf '%s\n' "${lines[@]}" | grep -qxF 'Vic Ma:中：Vic Ma cadence'
	printf '%s\n' "${lines[@]}" | grep -qxF 'Sam Li:中：Sam Li birthday'
	printf '%s\n' "${lines[@]}" | grep -qxF 'Uma Ho:default: Uma Ho satisfaction $(touch pwned) '
	printf '%s\n' "${lines[@]}" | grep -qxF 'Tom Xu:default: Tom Xu sla $(touch pwned) '
	[ ! -e pwned ] && [ ! -e tpl/pwned ]
	! grep -q secret out.csv || false
	# without default.txt an unknown language gets the shipped English message
	rm tpl/default.txt
	crm-remind -q --all --as-of 2026-11-23 --template-dir tpl > out.csv
	run -0 messages_of < out.csv
	printf '%s\n' "${lines[@]}" | grep -qF 'Uma Ho:Call Uma Ho'
	run -64 --separate-stderr crm-remind --all --template-dir tpl --template tpl/zh.txt
	run -66 --separate-stderr crm-remind --all --template-dir nowhere
	[[ "$stderr" == *"nowhere"* ]]
}

@test "messages: remind.templates from the configuration, relative to its file; list uses them too; a missing file is named" {
	languages_setup
	mkdir -p conf/t
	printf '台灣 {{name}}\n' > conf/t/tw.txt
	printf 'hello {{name}}\n' > conf/t/other.txt
	printf 'remind:\n  manager: boss@example.com\n  cadence_lifecycle:\n    repeat: 30\n  templates:\n    zh-TW: t/tw.txt\n    default: t/other.txt\n' > conf/c.yaml
	crm-remind -q --all --as-of 2026-11-23 --config conf/c.yaml > out.csv
	run -0 messages_of < out.csv
	printf '%s\n' "${lines[@]}" | grep -qxF 'Rita Wu:台灣 Rita Wu'
	printf '%s\n' "${lines[@]}" | grep -qxF 'Vic Ma:hello Vic Ma'
	crm-remind -q list --config conf/c.yaml > list.csv
	run -0 messages_of < list.csv
	printf '%s\n' "${lines[@]}" | grep -qxF 'Rita Wu:台灣 Rita Wu'
	# the language in another column
	printf 'customer_id,name,lang_pref\nR5,Vic Ma,zh-TW\n' > lp.csv
	crm-import -q lp.csv
	printf 'remind:\n  language_column: lang_pref\n  cadence_lifecycle:\n    repeat: 30\n  templates:\n    zh-TW: t/tw.txt\n' > conf/l.yaml
	crm-remind -q --all --as-of 2026-11-23 --config conf/l.yaml > out.csv
	run -0 messages_of < out.csv
	printf '%s\n' "${lines[@]}" | grep -qxF 'Vic Ma:台灣 Vic Ma'
	printf '%s\n' "${lines[@]}" | grep -qF 'Rita Wu:Follow up with Rita Wu'
	printf 'remind:\n  templates:\n    zh-TW: t/none.txt\n    klingon!: t/tw.txt\n' > conf/bad.yaml
	run -78 --separate-stderr crm-remind --all --config conf/bad.yaml
	[[ "$stderr" == *'bad.yaml:4: remind.templates.klingon!: "klingon!" is not a language tag'* ]]
	printf 'remind:\n  templates:\n    zh-TW: t/none.txt\n' > conf/missing.yaml
	run -66 --separate-stderr crm-remind --all --config conf/missing.yaml
	[[ "$stderr" == *'missing.yaml:3: remind.templates.zh-TW: '*'t/none.txt'* ]]
}

# ---- configuration ------------------------------------------------------------

@test "a cadence can be switched off with 0 or off" {
	run -0 crm-remind -q --all --as-of 2026-11-23
	[[ "$output" == *",cadence,"*"Vic Ma"* ]]
	printf 'remind:\n  cadence_lifecycle:\n    repeat: off\n' > off.yaml
	run -0 crm-remind -q --all --as-of 2026-11-24 --config off.yaml
	[[ "$output" != *",cadence,"* ]]
	[ "$(q "SELECT status FROM reminders WHERE rule = 'cadence'")" = "cancelled" ]
	printf 'remind:\n  cadence_lifecycle:\n    repeat: 0\n' > zero.yaml
	run -0 crm-remind -q --all --as-of 2026-11-24 --config zero.yaml
	[[ "$output" != *",cadence,"* ]]
	# an RFM segment switched off means no cadence for it, not the stage's
	seg=$(crm-segment -q --all --as-of 2026-11-24 | awk -F, '$3 == "Vic Ma" { print $14 }')
	[ -n "$seg" ]
	printf 'remind:\n  cadence_lifecycle:\n    repeat: 30\n  cadence_rfm:\n    %s: off\n' "$seg" > rfm.yaml
	run -0 crm-remind -q --all --as-of 2026-11-24 --config rfm.yaml
	[[ "$output" != *",cadence,"* ]]
	printf 'remind:\n  cadence_lifecycle:\n    repeat: never\n' > bad.yaml
	run -78 --separate-stderr crm-remind --all --config bad.yaml
	[[ "$stderr" == *'bad.yaml:3: remind.cadence_lifecycle.repeat: "never" is not a whole number from 0 to 3650, or off'* ]]
}

@test "configuration errors are all reported in one run: cadence, severity, rule and date rule" {
	printf 'remind:\n  cadence_rfm:\n    champs: 3\n  sla_hours:\n    hgih: 8\n    normal: 48\n  rules:\n    x: "monetary >= "\n  date_rules:\n    onboarding:\n      column: c\n' > bad.yaml
	run -78 --separate-stderr crm-remind --all --config bad.yaml
	[[ "$stderr" == *'bad.yaml:3: remind.cadence_rfm.champs: no such RFM segment (champions, loyal, '* ]]
	[[ "$stderr" == *'bad.yaml:5: remind.sla_hours.hgih: no such severity (did you mean "high"?)'* ]]
	[[ "$stderr" == *'bad.yaml:8: remind.rules.x: column 13: expected a value after ">="'* ]]
	[[ "$stderr" == *'bad.yaml:10: remind.date_rules.onboarding: the name of a built-in rule'* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 4 ]
	# nothing was stored
	[ "$(q "SELECT count(*) FROM reminders")" = "0" ]
	printf 'remind:\n  sla_hours:\n    critical: 2\n    urgent: 3\n    low: 200\n' > good.yaml
	run -0 crm-remind -q --all --config good.yaml
}
