#!/usr/bin/env bats
# crm-segment: figures, RFM scores and segments, lifecycle, rule segments,
# --where, --segment, pass-through of stream columns, --summary, --save,
# --migration, and CDNOW checked against SQL in the sqlite3 shell.
#
# The hand-made data set is tests/data/segment (its README gives each
# customer's orders). As of 2026-11-23 the 7 customers with paid orders have:
#   recency days C1 3, C2 13, C3 206, C4 131, C5 22, C6 53, C7 69
#   paid orders  C1 5, C4 2, C5 2, C6 2, C2 1, C3 1, C7 1
#   monetary     C1 1500, C5 200, C4 120, C3 80, C6 60, C2 50, C7 40
# Quintile score = 1 + floor(5 (2 below + tied) / 2n), n = 7:
#   R (ascending recency rank from worst): C3 1, C4 2, C7 2, C6 3, C5 4, C2 4, C1 5
#   F: the three 1-order customers tie (below 0, tied 3): 1 + floor(15/14) = 2;
#      the three 2-order ones (below 3, tied 3): 1 + floor(45/14) = 4; C1 5
#   M: C7 1, C2 2, C6 2, C3 3, C4 4, C5 4, C1 5
# FM = (F + M + 1) / 2 and the map of crm-segment(1):
#   C1 R5 FM5 champions; C2 R4 FM2 potential_loyalist; C3 R1 FM3 at_risk;
#   C4 R2 FM4 at_risk; C5 R4 FM4 loyal; C6 R3 FM3 need_attention;
#   C7 R2 FM2 hibernating.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	cp "$DATA"/segment/*.csv .
	crm-import -q customers.csv
	crm-import -q orders.csv
}

q() { sqlite3 -batch -noheader "$CRM_DB" "$@"; }

# The value of column NAME for external id EXT in CSV on stdin.
col() {
	awk -F, -v name="$1" -v ext="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
		$2 == ext { print $c }'
}

@test "store mode: key fields first, then the figures, one row per customer" {
	run -0 --separate-stderr crm-segment --all
	[ "${lines[0]}" = "customer_id,external_id,name,recency_days,frequency,monetary,avg_order_value,first_order,last_order,tenure_days,rfm_r,rfm_f,rfm_m,rfm_segment,lifecycle" ]
	[ "${#lines[@]}" -eq 11 ]
	[ "$stderr" = "crm-segment: 10 of 10 customers written" ]
	c1=$(printf '%s\n' "${lines[@]}" | grep ',C1,')
	[ "$c1" = "1,C1,Loyal Lu,3,5,1500.00,300.00,2026-07-01,2026-11-20,145,5,5,5,champions,loyal" ]
	# cancelled and refunded orders do not count; a future order does not either
	[ "$(printf '%s\n' "${lines[@]}" | grep ',C8,')" = "8,C8,Refund Rao,,0,0.00,,,,,,,,,lead" ]
	[ "$(printf '%s\n' "${lines[@]}" | grep ',C9,')" = "9,C9,Future Fu,,0,0.00,,,,,,,,,lead" ]
}

@test "RFM scores and segments follow the quintile rule and the map (see the header)" {
	out=$(crm-segment -q --all)
	for want in C1:5:5:5:champions C2:4:2:2:potential_loyalist C3:1:2:3:at_risk \
	            C4:2:4:4:at_risk C5:4:4:4:loyal C6:3:4:2:need_attention C7:2:2:1:hibernating; do
		IFS=: read -r ext r f m seg <<< "$want"
		got="$(col rfm_r "$ext" <<< "$out"):$(col rfm_f "$ext" <<< "$out"):$(col rfm_m "$ext" <<< "$out"):$(col rfm_segment "$ext" <<< "$out")"
		[ "$got" = "$r:$f:$m:$seg" ] || { echo "$ext: got $got want $r:$f:$m:$seg"; false; }
	done
}

@test "lifecycle stages under the default windows" {
	out=$(crm-segment -q --all)
	for want in C1:loyal C2:new C3:churned C4:at_risk C5:reactivated C6:repeat C7:active \
	            C8:lead C9:lead L1:lead; do
		[ "$(col lifecycle "${want%%:*}" <<< "$out")" = "${want#*:}" ] || { echo "$want"; false; }
	done
}

@test "lifecycle windows come from the configuration" {
	printf 'lifecycle:\n  churn_days: 365\n  at_risk_days: 200\n  new_days: 14\n' > c.yaml
	out=$(crm-segment -q --all --config c.yaml)
	# C3 (recency 206) is now at risk, C4 (131) no longer: 2 orders → repeat;
	# C2 (tenure 13 < 14) stays new; C5's gap of 669 days is still > 365
	[ "$(col lifecycle C3 <<< "$out")" = "at_risk" ]
	[ "$(col lifecycle C4 <<< "$out")" = "repeat" ]
	[ "$(col lifecycle C2 <<< "$out")" = "new" ]
	[ "$(col lifecycle C5 <<< "$out")" = "reactivated" ]
}

@test "--as-of moves today: as of 2026-06-01 only C3 and C5 had bought" {
	out=$(crm-segment -q --all --as-of 2026-06-01)
	[ "$(col frequency C1 <<< "$out")" = "0" ]
	[ "$(col lifecycle C1 <<< "$out")" = "lead" ]
	# C3's first order (2026-05-01) is 31 days old: no longer new
	[ "$(col lifecycle C3 <<< "$out")" = "active" ]
	[ "$(col lifecycle C3 <<< "$(crm-segment -q --all --as-of 2026-05-30)")" = "new" ]
	[ "$(col recency_days C5 <<< "$out")" = "516" ]
	[ "$(col lifecycle C5 <<< "$out")" = "churned" ]
}

@test "fixed RFM thresholds from the configuration" {
	cat > c.yaml <<'YAML'
rfm:
  method: thresholds
  recency_days: [7, 30, 90, 180]
  frequency: [2, 3, 4, 5]
  monetary: [50, 100, 500, 1000]
YAML
	out=$(crm-segment -q --all --config c.yaml)
	# C1: 3 days <= 7 → R5; 5 orders >= 5 → F5; 1500 >= 1000 → M5
	# C3: 206 days > 180 → R1; 1 order < 2 → F1; 80 >= 50 → M2
	# C6: 53 days <= 90 → R3; 2 orders → F2; 60 → M2
	[ "$(col rfm_r C1 <<< "$out")$(col rfm_f C1 <<< "$out")$(col rfm_m C1 <<< "$out")" = "555" ]
	[ "$(col rfm_r C3 <<< "$out")$(col rfm_f C3 <<< "$out")$(col rfm_m C3 <<< "$out")" = "112" ]
	[ "$(col rfm_r C6 <<< "$out")$(col rfm_f C6 <<< "$out")$(col rfm_m C6 <<< "$out")" = "322" ]
	printf 'rfm:\n  method: thresholds\n  recency_days: [7, 30, 90, 180]\n' > bad.yaml
	run -78 --separate-stderr crm-segment --all --config bad.yaml
	[[ "$stderr" == *"rfm.method is thresholds but rfm.frequency is not given"* ]]
	printf 'rfm:\n  recency_days: [7, 3, 90, 180]\n' > bad.yaml
	run -78 --separate-stderr crm-segment --all --config bad.yaml
	[[ "$stderr" == *"bad.yaml:2: rfm.recency_days: cut points must increase (3 after 7)"* ]]
}

@test "rule segments from the configuration are 0/1 columns and --segment filters" {
	cat > c.yaml <<'YAML'
segments:
  vip: "monetary >= 1000 or frequency >= 5"
  east: "region = '华东'"
YAML
	run -0 --separate-stderr crm-segment --all --config c.yaml
	[[ "${lines[0]}" == *",lifecycle,vip,east" ]]
	[[ "$(printf '%s\n' "${lines[@]}" | grep ',C1,')" == *",loyal,1,1" ]]
	[[ "$(printf '%s\n' "${lines[@]}" | grep ',C2,')" == *",new,0,0" ]]
	run -0 --separate-stderr crm-segment --all --config c.yaml --segment east
	# 华东: C1 C3 C5 C7 C8 L1
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f2 | tr '\n' ' ')" = "C1 C3 C5 C7 C8 L1 " ]
	# at_risk is both an RFM segment and a lifecycle stage: say which
	run -64 --separate-stderr crm-segment --all --config c.yaml --segment at_risk
	[[ "$stderr" == *'"at_risk" is an RFM segment, a lifecycle stage; write rfm:NAME lifecycle:NAME to choose'* ]]
	run -0 --separate-stderr crm-segment --all --config c.yaml --segment rfm:at_risk
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f2 | tr '\n' ' ')" = "C3 C4 " ]
	run -0 --separate-stderr crm-segment --all --config c.yaml --segment lifecycle:at_risk
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f2 | tr '\n' ' ')" = "C4 " ]
	run -0 --separate-stderr crm-segment --all --config c.yaml --segment reactivated
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f2 | tr '\n' ' ')" = "C5 " ]
	run -64 --separate-stderr crm-segment --all --config c.yaml --segment nope
	[[ "$stderr" == *'no segment "nope" (known: vip, east, champions,'* ]]
}

@test "a bad rule segment is a configuration error naming file, line and column" {
	printf 'segments:\n  vip: "monetry >= 1000"\n' > c.yaml
	run -78 --separate-stderr crm-segment --all --config c.yaml
	[[ "$stderr" == "crm-segment: c.yaml:2: segments.vip: column 1: unknown name \"monetry\""*"monetary"* ]]
	printf 'segments:\n  city: "monetary >= 1000"\n' > c.yaml
	run -78 --separate-stderr crm-segment --all --config c.yaml
	[[ "$stderr" == *"c.yaml:2: segments.city: the name is taken by a customer field; choose another"* ]]
	run -64 --separate-stderr crm-segment --all --migration 2026-01-01 --by rules
	[[ "$stderr" == *"--migration compares rfm_segment or lifecycle, not rules"* ]]
	run -64 --separate-stderr crm-segment --all --by region
	[[ "$stderr" == *"option '--by': \"region\" is not one of rfm_segment, lifecycle, rules"* ]]
	run -64 --separate-stderr crm-segment --all --summary --format xml
	[[ "$stderr" == *"--format: \"xml\" is not one of text, csv, tsv"* ]]
	run -64 --separate-stderr crm-segment --all --migration 2026-13-01
	[[ "$stderr" == *"option '--migration': \"2026-13-01\" is not a date"* ]]
	run -64 --separate-stderr crm-segment --all --summary --migration 2026-01-01
	[[ "$stderr" == *"--summary and --migration are separate views"* ]]
	run -64 --separate-stderr crm-segment --all extra.csv
	[[ "$stderr" == *'unexpected argument "extra.csv"'* ]]
	run -64 --separate-stderr crm-segment --all -
	[[ "$stderr" == *"- and --all contradict each other"* ]]
}

@test "--where filters with metrics, fields and rule segments; errors are usage errors" {
	run -0 --separate-stderr crm-segment --all --where "lifecycle in ('at_risk', 'churned') and city = '上海'"
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f2)" = "C3" ]
	run -0 --separate-stderr crm-segment --all --where "avg_order_value > 59.5 and last_order >= 2026-07-10"
	# AOV: C1 300, C4 60, C5 100, C3 80 (last 05-01, out), C6 30, C2 50
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f2 | tr '\n' ' ')" = "C1 C4 C5 " ]
	run -0 --separate-stderr crm-segment --all --where "recency_days is empty"
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f2 | tr '\n' ' ')" = "C8 C9 L1 " ]
	run -64 --separate-stderr crm-segment --all --where "frequency >= "
	[[ "$stderr" == "crm-segment: --where: column "*": "* ]]
	run -64 --separate-stderr crm-segment --all --where "frequncy > 1"
	[[ "$stderr" == *'unknown name "frequncy"'*"frequency"* ]]
}

@test "a stream on stdin: only its customers, every input column kept in order" {
	printf 'note,customer_id,地区\nfirst,3,x\n"a, b",1,y\n' > in.csv
	run -0 --separate-stderr crm-segment < in.csv
	[ "${lines[0]}" = "note,customer_id,地区,recency_days,frequency,monetary,avg_order_value,first_order,last_order,tenure_days,rfm_r,rfm_f,rfm_m,rfm_segment,lifecycle" ]
	[ "${lines[1]}" = "first,3,x,206,1,80.00,80.00,2026-05-01,2026-05-01,206,1,2,3,at_risk,churned" ]
	[ "${lines[2]}" = '"a, b",1,y,3,5,1500.00,300.00,2026-07-01,2026-11-20,145,5,5,5,champions,loyal' ]
	# scores are over the whole store, not over the two piped customers
	# and the stream's own columns can be used in --where
	run -0 --separate-stderr crm-segment --where "地区 = 'y'" < in.csv
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == '"a, b",1,y,'* ]]
}

@test "crm-import --emit | crm-segment | crm-segment composes" {
	run -0 bash -c 'crm-segment -q --all | crm-segment -q --where "lifecycle = '\''new'\''" | cut -d, -f1-3'
	[ "${lines[1]}" = "2,C2,New Ng" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "stdin without customer_id is an error mentioning --all; --all ignores it" {
	run -65 --separate-stderr crm-segment <<< $'a,b\n1,2'
	[[ "$stderr" == *"no customer_id column"*"--all"* ]]
	run -0 --separate-stderr crm-segment --all <<< $'a,b\n1,2'
	[ "${#lines[@]}" -eq 11 ]
}

@test "an id the store does not know is reported with its line, the rest still written" {
	printf 'customer_id\n1\n999\n2\n' > in.csv
	run -65 --separate-stderr crm-segment < in.csv
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *"<stdin>:3: no customer 999 in the store"* ]]
}

@test "--summary: customers, revenue and their shares per segment (CSV and text)" {
	run -0 --separate-stderr crm-segment --all --summary --format csv
	[ "${lines[0]}" = "segment,customers,customer_share,revenue,revenue_share" ]
	# total revenue 2050.00: champions C1 1500 → 0.732; at_risk C3+C4 200 → 0.098
	printf '%s\n' "${lines[@]}" | grep -qx 'champions,1,0.100,1500.00,0.732'
	printf '%s\n' "${lines[@]}" | grep -qx 'at_risk,2,0.200,200.00,0.098'
	printf '%s\n' "${lines[@]}" | grep -qx 'no_orders,3,0.300,0.00,0.000'
	printf '%s\n' "${lines[@]}" | grep -qx 'lost,0,0.000,0.00,0.000'
	run -0 --separate-stderr crm-segment --all --summary --by lifecycle --format text
	[[ "${lines[0]}" == "segment "*"customers  customer_share  revenue  revenue_share" ]]
	printf '%s\n' "${lines[@]}" | grep -Eq '^lead +3 +30\.0% +0\.00 +0\.0%$'
	printf '%s\n' "${lines[@]}" | grep -Eq '^total +10 +100\.0% +2050\.00 +100\.0%$'
}

@test "--save records the day's segments; --migration shows the moves since" {
	run -0 --separate-stderr crm-segment --all --save --as-of 2026-10-15 > /dev/null
	[[ "$stderr" == *"crm-segment: saved 10 customers' segments for 2026-10-15"* ]]
	[ "$(q "SELECT count(*) FROM segment_history WHERE day = '2026-10-15'")" = "10" ]
	# saving the same day again replaces, never duplicates
	crm-segment -q --all --save --as-of 2026-10-15 > /dev/null
	[ "$(q "SELECT count(*) FROM segment_history")" = "10" ]
	# as of 2026-10-15: C2 had no order yet (lead), C1 had 4 (not yet loyal → repeat)
	[ "$(q "SELECT lifecycle FROM segment_history h JOIN customers c ON c.id = h.customer_id WHERE c.external_id = 'C2'")" = "lead" ]
	run -0 --separate-stderr crm-segment --all --migration 2026-10-15 --by lifecycle --format csv
	[ "${lines[0]}" = "from,lead,new,active,repeat,loyal,at_risk,churned,reactivated,total" ]
	# as of 2026-10-15: C1 and C6 repeat, C3 and C4 at risk, C5 churned, C7 active;
	# since then C2: lead → new, C1: repeat → loyal, C3: at_risk → churned,
	# C5: churned → reactivated
	printf '%s\n' "${lines[@]}" | grep -qx 'lead,3,1,0,0,0,0,0,0,4'
	printf '%s\n' "${lines[@]}" | grep -qx 'repeat,0,0,0,1,1,0,0,0,2'
	run -65 --separate-stderr crm-segment --all --migration 2025-01-01
	[[ "$stderr" == *"no segments saved for 2025-01-01 (saved days: 2026-10-15)"* ]]
}

@test "--save writes nothing when the output cannot be written" {
	run -74 --separate-stderr bash -c 'crm-segment --all --save > /dev/full'
	[[ "$stderr" == *"write error"* ]]
	[ "$(q "SELECT count(*) FROM segment_history")" = "0" ]
}

@test "no store: exit 66 and nothing created" {
	rm -f "$CRM_DB"
	run -66 --separate-stderr crm-segment --all
	[[ "$stderr" == *"no store at"* ]]
	[ ! -e "$CRM_DB" ]
}

@test "CRM_TODAY with a time of day (as crm-remind takes it) gives the same day; a bad one is 64" {
	a=$(crm-segment -q --all)
	b=$(CRM_TODAY="2026-11-23 08:30" crm-segment -q --all)
	[ "$a" = "$b" ]
	run -64 --separate-stderr crm-segment --all --as-of "2026-11-23 25:00"
	[[ "$stderr" == *'cannot read "2026-11-23 25:00" as a date'* ]]
}

@test "--explain prints the definitions in use" {
	run -0 crm-segment --explain
	[[ "$output" == *"churned recency >= 180"* ]]
	[[ "$output" == *"quintiles"* ]]
}

@test "CDNOW: segment counts and revenue shares agree with SQL in the sqlite3 shell" {
	[ -d "$SHARED/cdnow" ] || skip "../shared/data/cdnow is not beside this checkout"
	rm -f "$CRM_DB"
	printf 'currency: USD\n' > usd.yaml
	crm-import -q --config usd.yaml --create-missing "$SHARED/cdnow/cdnow_sample_transactions.csv"
	# As of 1998-07-01. The independent computation: per-customer figures
	# with GROUP BY, quintile scores with window functions using the same
	# mid-rank rule (rank() - 1 customers below, count of ties), the map as a
	# CASE in the documented order.
	sqlite3 -batch -noheader -csv "$CRM_DB" > want.csv <<'SQL'
WITH f AS (
  SELECT customer_id AS id,
         julianday('1998-07-01') - julianday(max(substr(ordered_at, 1, 10))) AS rec,
         count(*) AS freq, sum(amount) AS mon
  FROM orders WHERE status = 'paid' AND substr(ordered_at, 1, 10) <= '1998-07-01'
  GROUP BY customer_id),
n AS (SELECT count(*) AS n FROM f),
s AS (
  SELECT id, mon,
    min(5, 1 + (5 * (2 * (rank() OVER (ORDER BY -rec) - 1)
       + (count(*) OVER (PARTITION BY rec)))) / (2 * (SELECT n FROM n))) AS r,
    min(5, 1 + (5 * (2 * (rank() OVER (ORDER BY freq) - 1)
       + (count(*) OVER (PARTITION BY freq)))) / (2 * (SELECT n FROM n))) AS fq,
    min(5, 1 + (5 * (2 * (rank() OVER (ORDER BY mon) - 1)
       + (count(*) OVER (PARTITION BY mon)))) / (2 * (SELECT n FROM n))) AS m
  FROM f),
g AS (
  SELECT mon, CASE
    WHEN r = 5 AND (fq + m + 1) / 2 >= 4 THEN 'champions'
    WHEN r BETWEEN 3 AND 4 AND (fq + m + 1) / 2 >= 4 THEN 'loyal'
    WHEN r >= 4 AND (fq + m + 1) / 2 BETWEEN 2 AND 3 THEN 'potential_loyalist'
    WHEN r = 5 AND (fq + m + 1) / 2 = 1 THEN 'new'
    WHEN r = 4 AND (fq + m + 1) / 2 = 1 THEN 'promising'
    WHEN r = 3 AND (fq + m + 1) / 2 = 3 THEN 'need_attention'
    WHEN r = 3 AND (fq + m + 1) / 2 <= 2 THEN 'about_to_sleep'
    WHEN r <= 2 AND (fq + m + 1) / 2 = 5 THEN 'cant_lose'
    WHEN r <= 2 AND (fq + m + 1) / 2 BETWEEN 3 AND 4 THEN 'at_risk'
    WHEN r = 1 AND (fq + m + 1) / 2 = 1 THEN 'lost'
    ELSE 'hibernating' END AS seg
  FROM s)
SELECT seg, count(*), printf('%.3f', count(*) * 1.0 / (SELECT n FROM n)),
       printf('%.2f', sum(mon) / 100.0),
       printf('%.3f', sum(mon) * 1.0 / (SELECT sum(mon) FROM f))
FROM g GROUP BY seg ORDER BY seg;
SQL
	[ "$(wc -l < want.csv)" -ge 8 ]
	crm-segment --all --config usd.yaml --as-of 1998-07-01 --summary --format csv |
		awk -F, 'NR > 1 && $2 > 0' | sort > got.csv
	diff want.csv got.csv
}

@test "a killed --save leaves the history as before or complete, never half" {
	# 60,000 customers with one order each: --save writes 60,000 rows in
	# one transaction; kill it at several points
	awk 'BEGIN { print "customer_id,name"; for (i = 1; i <= 60000; i++) printf "K%d,n%d\n", i, i }' > kc.csv
	awk 'BEGIN { print "order_no,customer_id,date,amount"; for (i = 1; i <= 60000; i++) printf "KO%d,K%d,2026-%02d-%02d,%d.00\n", i, i, i % 10 + 1, i % 28 + 1, i % 500 + 1 }' > ko.csv
	crm-import -q kc.csv ko.csv
	for delay in 0.05 0.2 0.5 1.0; do
		q "DELETE FROM segment_history"
		crm-segment -q --all --save > /dev/null & pid=$!
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
		[ "$(q "PRAGMA integrity_check")" = "ok" ]
		n=$(q "SELECT count(*) FROM segment_history")
		[ "$n" = "0" ] || [ "$n" = "60010" ] || { echo "delay $delay: $n rows"; false; }
	done
}

@test "two --save runs and an import at once: all finish or exit 75, nothing lost" {
	awk 'BEGIN { print "customer_id,name"; for (i = 1; i <= 20000; i++) printf "P%d,n%d\n", i, i }' > pc.csv
	crm-segment -q --all --save --as-of 2026-11-01 > /dev/null &
	a=$!
	crm-segment -q --all --save --as-of 2026-11-02 > /dev/null &
	b=$!
	crm-import -q pc.csv &
	c=$!
	for p in $a $b $c; do
		rc=0
		wait "$p" || rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 75 ] || { echo "pid $p exit $rc"; false; }
	done
	[ "$(q "PRAGMA integrity_check")" = "ok" ]
	# each save that finished wrote its whole day
	for d in 2026-11-01 2026-11-02; do
		n=$(q "SELECT count(*) FROM segment_history WHERE day = '$d'")
		[ "$n" = 0 ] || [ "$n" = 10 ] || [ "$n" = 20010 ] || { echo "$d: $n"; false; }
	done
	[ "$(q "SELECT count(*) FROM customers")" = "20010" ]
}
