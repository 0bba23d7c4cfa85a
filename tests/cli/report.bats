#!/usr/bin/env bats
# crm-report: every KPI of SPEC §8 on the hand-made data set
# tests/data/report (its README lists each customer's orders, the tickets and
# the answers), worked out by hand below; periods, targets, --check-targets,
# --quiet-if-ok, no data, --by, streams, the formats and the sections.
#
# As of 2026-11-23 the default period is 2026-10 = [10-01, 11-01); previous
# 2026-09, last year 2025-10. W = 180 days.
#
# 2026-10:
#   first paid orders: A1 2025-06-10, B1 2025-09-15, C1 2026-04-20,
#     D1 2025-01-10, E1 2026-10-02, F1 2025-10-10, G1 2026-07-01, H1 2024-05-01,
#     L2 2026-11-05 (after the period), L1 none
#   customers_total (first < 11-01): A1 B1 C1 D1 E1 F1 G1 H1 = 8
#   new_customers (first in Oct): E1 = 1
#   new_leads (created in Oct and a lead then): E1 (created and bought on
#     10-02: a lead for that day), L1; H1 was created 10-05 but bought in
#     2024, so never a lead = 2
#   leads open at 10-01: L2 (created 08-01, buys 11-05) = 1
#   conversion_rate = converted (E1) 1 / (1 open + 2 new) = 0.3333
#   active_customers (buyers in Oct): A1 D1 E1 = 3 (E1's cancelled order
#     does not count, A1's refund is no order)
#   orders = A1 2 + D1 1 + E1 1 = 4
#   revenue = 400 + 100 + 120 + 200 − refund 50 = 770.00
#   aov = 770 / 4 = 192.50; revenue_per_active = 770 / 3 = 256.67
#   repeat_purchase_rate = (≥2 orders in Oct: A1) 1 / 3 = 0.3333
#   lifetime: ≥1 order before 11-01: the 8 above; ≥2: A1 B1 D1 F1 H1 = 5
#     → 5 / 8 = 0.6250
#   active at 10-01 ([04-04, 10-01)): A1 (09-10), C1 (04-20), G1 (07-01),
#     H1 (09-20) = 4
#   active at 11-01 ([05-05, 11-01)): A1, D1, E1, G1, H1 (C1's 04-20 is out)
#   churned = C1 = 1; churn_rate = 1 / 4 = 0.2500
#   retention_rate = (A1 G1 H1) 3 / 4 = 0.7500
#   reactivated = active at 11-01, not at 10-01, first order before 10-01:
#     D1 (churned long ago, came back on 10-15) = 1; E1 is new, not back
#   complaints (opened in Oct): T1 T2 T3 T4 = 4; per 100 active = 400/3 = 133.33
#   resolved in Oct: T6 72 h (resolved 10-01 08:00), T1 6, T2 96, T3 2
#     sorted 2 6 72 96: median (6 + 72) / 2 = 39.00; p90 = rank ⌈3.6⌉ = 4th = 96.00
#   within SLA: T1 and T3 = 2 of 4 resolved + T5 (open at 11-01, limit
#     09-28 passed; T4's limit 11-04 has not) = 2 / 5 = 0.4000
#   CSAT answers: T1 5, T2 2 (ticket ratings on their resolution day),
#     A1 4, E1 3 → satisfied (4, 5) 2 / 4 = 0.5000; mean 14 / 4 = 3.50
#   NPS: 9, 10, 5 → (2 promoters − 1 detractor) / 3 = 33.33
#   avg_clv, top20_revenue_share: no crm-score run saved → no value
# 2026-09 (previous):
#   customers_total 7 (all but E1), new 0, new_leads 0, open leads at 09-01
#   L2 = 1 → conversion 0 / 1 = 0.0000; buyers A1 H1 = 2, orders 2,
#   revenue 390.00, aov 195.00, per active 195.00, repeat 0 / 2 = 0.0000;
#   lifetime before 10-01: ≥1 7, ≥2 A1 B1 F1 H1 (D1 had 1) = 4 → 0.5714;
#   active at 09-01 ([03-05, 09-01)): C1 G1 = 2; both active at 10-01 →
#   churned 0, churn_rate 0.0000, retention 1.0000; reactivated A1 H1 = 2;
#   complaints T5 T6 = 2 → 100.00 per 100; none resolved → no median;
#   within SLA 0 / (0 + T5 + T6, both open at 10-01 past their limit) = 0.0000;
#   CSAT C1 1 → 0.0000, mean 1.00; NPS 0 → -100.00
# 2025-10 (last year):
#   customers_total A1 B1 D1 F1 H1 = 5; new F1 = 1; new_leads F1 = 1; no lead
#   open → conversion 1 / 1 = 1.0000; buyers A1 F1 = 2, orders 3, revenue
#   400.00, aov 133.33, per active 200.00, repeat (F1) 1 / 2 = 0.5000;
#   lifetime ≥1 5, ≥2 A1 F1 = 2 → 0.4000; active at 2025-10-01: A1 B1 = 2,
#   both still at 2025-11-01 → churn 0.0000, retention 1.0000; reactivated 0;
#   complaints 0 → per 100 active 0.00; no tickets resolved, none open →
#   within SLA has no value; no answers → CSAT and NPS have none

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
	for f in customers orders tickets interactions; do
		crm-import -q "$DATA/report/$f.csv"
	done
}

# The CSV row of metric NAME from the KPI table on stdin.
row() { grep "^$1,"; }

@test "every KPI of 2026-10 with 2026-09 and 2025-10 (see the header)" {
	run -0 --separate-stderr crm-report --format csv
	[ -z "$stderr" ]
	[ "${lines[0]}" = "metric,value,previous,last_year,change,target,status" ]
	want=(
		"customers_total,8,7,5,1,,"
		"new_customers,1,0,1,1,,"
		"new_leads,2,0,1,2,,"
		"active_customers,3,2,2,1,,"
		"churned_customers,1,0,0,1,,"
		"churn_rate,0.2500,0.0000,0.0000,0.2500,,"
		"retention_rate,0.7500,1.0000,1.0000,-0.2500,,"
		"reactivated_customers,1,2,0,-1,,"
		"repeat_purchase_rate,0.3333,0.0000,0.5000,0.3333,,"
		"repeat_purchase_rate_lifetime,0.6250,0.5714,0.4000,0.0536,,"
		"conversion_rate,0.3333,0.0000,1.0000,0.3333,,"
		"orders,4,2,3,2,,"
		"revenue,770.00,390.00,400.00,380.00,,"
		"aov,192.50,195.00,133.33,-2.50,,"
		"revenue_per_active,256.67,195.00,200.00,61.67,,"
		"avg_clv,,,,,,"
		"top20_revenue_share,,,,,,"
		"complaints,4,2,0,2,,"
		"complaints_per_100_active,133.33,100.00,0.00,33.33,,"
		"resolution_median_hours,39.00,,,,,"
		"resolution_p90_hours,96.00,,,,,"
		"within_sla_rate,0.4000,0.0000,,0.4000,,"
		"csat,0.5000,0.0000,,0.5000,,"
		"csat_mean,3.50,1.00,,2.50,,"
		"nps,33.33,-100.00,,133.33,,"
	)
	[ "${#lines[@]}" -eq $((${#want[@]} + 1)) ]
	for i in "${!want[@]}"; do
		[ "${lines[i + 1]}" = "${want[i]}" ] || { echo "got ${lines[i + 1]} want ${want[i]}"; false; }
	done
}

@test "text: aligned, — where a denominator is zero, relative change and points" {
	run -0 --separate-stderr crm-report --format text
	[ -z "$stderr" ]
	[ "${lines[0]}" = "KPI report 2026-10" ]
	[[ "$output" == *"compared with 2026-09 and 2025-10; as of 2026-11-23; money in CNY"* ]]
	# resolution time of 2026-09 and 2025-10: nothing resolved → —
	line=$(printf '%s\n' "${lines[@]}" | grep '^Resolution time, median')
	[[ "$line" == *"39.0        —        —  —"* ]]
	# new customers: 1 against 0 → no relative change (division by zero)
	line=$(printf '%s\n' "${lines[@]}" | grep '^New customers ')
	[[ "$line" == *" 1        0        1  —"* ]]
	# revenue 770 against 390: +97.4%; churn 25% against 0%: +25.0 pp
	[[ "$(printf '%s\n' "${lines[@]}" | grep '^Revenue  ')" == *"770.00   390.00   400.00  +97.4%"* ]]
	[[ "$(printf '%s\n' "${lines[@]}" | grep '^Churn rate')" == *"25.0%     0.0%     0.0%  +25.0 pp"* ]]
}

@test "targets from the configuration: status, --check-targets exits 1" {
	printf 'report:\n  targets:\n    churn_rate: {max: 0.05}\n    revenue: {min: 500}\n    csat: {min: 0.8, max: 1}\n' > t.yaml
	run -1 --separate-stderr crm-report --config t.yaml --format csv --check-targets
	# churn 0.25 > 0.05 misses; revenue 770 >= 500 is met; csat 0.5 < 0.8 misses
	[ "$(printf '%s\n' "${lines[@]}" | row churn_rate)" = "churn_rate,0.2500,0.0000,0.0000,0.2500,<=0.05,miss" ]
	[ "$(printf '%s\n' "${lines[@]}" | row revenue)" = "revenue,770.00,390.00,400.00,380.00,>=500,ok" ]
	[ "$(printf '%s\n' "${lines[@]}" | row csat)" = "csat,0.5000,0.0000,,0.5000,>=0.8 <=1,miss" ]
	# without --check-targets the same report exits 0
	run -0 --separate-stderr crm-report --config t.yaml --format csv
	run -0 --separate-stderr crm-report --config t.yaml --format text
	[[ "$output" == *"✘ miss"* ]]
	[[ "$output" == *"✔ ok"* ]]
}

@test "--quiet-if-ok: nothing when every target is met, the report when one misses" {
	printf 'report:\n  targets:\n    revenue: {min: 500}\n' > ok.yaml
	run -0 --separate-stderr crm-report --config ok.yaml --quiet-if-ok --check-targets
	[ -z "$output" ]
	[ -z "$stderr" ]
	printf 'report:\n  targets:\n    revenue: {min: 1000}\n' > miss.yaml
	run -1 --separate-stderr crm-report --config miss.yaml --quiet-if-ok --check-targets --format csv
	[ "$(printf '%s\n' "${lines[@]}" | row revenue)" = "revenue,770.00,390.00,400.00,380.00,>=1000,miss" ]
}

@test "a bad target is a configuration error naming the line (78)" {
	printf 'report:\n  targets:\n    churn_rat: {max: 0.05}\n' > bad.yaml
	run -78 --separate-stderr crm-report --config bad.yaml
	[[ "$stderr" == *'bad.yaml:3: report.targets.churn_rat: unknown metric "churn_rat" (did you mean "churn_rate"?)'* ]]
	printf 'report:\n  targets:\n    revenue: {least: 5}\n' > bad2.yaml
	run -78 --separate-stderr crm-report --config bad2.yaml
	[[ "$stderr" == *"report.targets.revenue.least: unknown key"* ]]
}

@test "a period with no data says so instead of a table of zeros" {
	# 2026-01: no order, refund, lead, ticket or answer (README)
	run -0 --separate-stderr crm-report --period 2026-01 --format text
	[[ "$output" == *"No data for 2026-01 (2026-01-01 to 2026-01-31): no orders"* ]]
	[[ "$output" != *"Key figures"* ]]
	run -0 --separate-stderr crm-report --period 2026-01 --format csv
	[ "$output" = "metric,value,previous,last_year,change,target,status" ]
	[[ "$stderr" == *"No data for 2026-01"* ]]
	# no data is never passed over by a cron job
	run -1 --separate-stderr crm-report --period 2026-01 --quiet-if-ok --check-targets --format text
	[[ "$output" == *"No data for 2026-01"* ]]
}

@test "a month with no orders beside one with: previous period 2026-08 has none" {
	# 2026-09 against 2026-08: no paid order in August → aov has no value
	# there; revenue change 390 − 0; 2025-09: B1's 500 (first order, new)
	run -0 --separate-stderr crm-report --period 2026-09 --format csv
	[ "$(printf '%s\n' "${lines[@]}" | row orders)" = "orders,2,0,1,2,," ]
	[ "$(printf '%s\n' "${lines[@]}" | row aov)" = "aov,195.00,,500.00,,," ]
	[ "$(printf '%s\n' "${lines[@]}" | row revenue)" = "revenue,390.00,0.00,500.00,390.00,," ]
}

@test "period boundaries: a quarter, a year and a range of days" {
	# 2026-Q3 = [07-01, 10-01): G1 300, A1 300, H1 90 = 690 in 3 orders;
	# 2026-Q2: C1 80; 2025-Q3: B1 500
	run -0 --separate-stderr crm-report --period 2026-Q3 --format csv
	[ "$(printf '%s\n' "${lines[@]}" | row revenue)" = "revenue,690.00,80.00,500.00,610.00,," ]
	# 2025: A1 100 + 200, B1 500, D1 60, F1 150 + 50 = 1060; 2024: H1 70
	run -0 --separate-stderr crm-report --period 2025 --format csv
	[ "$(printf '%s\n' "${lines[@]}" | row revenue)" = "revenue,1060.00,70.00,70.00,990.00,," ]
	# 2026-10-03 .. 2026-10-20, both days included: A1 400 and 100, D1 120
	# (E1's 10-02 is out); previous 18 days 09-15 .. 10-02: H1 90, E1 200;
	# 2025-10-03 .. 2025-10-20: A1 200, F1 150 and 50
	run -0 --separate-stderr crm-report --from 2026-10-03 --to 2026-10-20 --format csv
	[ "$(printf '%s\n' "${lines[@]}" | row revenue)" = "revenue,620.00,290.00,400.00,330.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | row orders)" = "orders,3,2,3,1,," ]
}

@test "a refund counts on its own day: the refund of 10-25 in a range of its own" {
	# 2026-10-21 .. 2026-10-31: no order, the refund of 50 → revenue -50.00;
	# the 11 days before, 10-10 .. 10-20: A1 100, D1 120 (E1's 10-12 was
	# cancelled); 2025-10-21 .. 10-31: nothing; revenue per active customer
	# has no buyer to divide by
	run -0 --separate-stderr crm-report --from 2026-10-21 --to 2026-10-31 --format csv
	[ "$(printf '%s\n' "${lines[@]}" | row revenue)" = "revenue,-50.00,220.00,0.00,-270.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | row orders)" = "orders,0,2,0,-2,," ]
	[ "$(printf '%s\n' "${lines[@]}" | row revenue_per_active)" = "revenue_per_active,,110.00,,,," ]
}

@test "--by region: one block per group, all first (groups sorted)" {
	# Oct revenue: 华东 A1 450 + E1 200 = 650; 华南 D1 120; 华北 nothing
	run -0 --separate-stderr crm-report --by region --format csv
	[ "${lines[0]}" = "region,metric,value,previous,last_year,change,target,status" ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^all,revenue,')" = "all,revenue,770.00,390.00,400.00,380.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^华东,revenue,')" = "华东,revenue,650.00,300.00,200.00,350.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^华南,revenue,')" = "华南,revenue,120.00,90.00,200.00,30.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^华北,revenue,')" = "华北,revenue,0.00,0.00,0.00,0.00,," ]
	# 华东 churn: active at 10-01 A1 C1, C1 churns → 0.5000
	[ "$(printf '%s\n' "${lines[@]}" | grep '^华东,churn_rate,')" = "华东,churn_rate,0.5000,0.0000,0.0000,0.5000,," ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c ',customers_total,')" -eq 4 ]
}

@test "a customer stream: only its customers, --by one of its columns" {
	# ids 1 A1, 4 D1, 5 E1: gold = A1 450 + E1 200, silver = D1 120
	printf 'customer_id,tier\n1,gold\n4,silver\n5,gold\n' > s.csv
	run -0 --separate-stderr crm-report --by tier --format csv < s.csv
	[ "$(printf '%s\n' "${lines[@]}" | grep '^all,revenue,')" = "all,revenue,770.00,300.00,200.00,470.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^gold,revenue,')" = "gold,revenue,650.00,300.00,200.00,350.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^silver,active_customers,')" = "silver,active_customers,1,0,0,1,," ]
	# all three were customers before the period's end
	[ "$(printf '%s\n' "${lines[@]}" | grep '^all,customers_total,')" = "all,customers_total,3,2,2,1,," ]
	# without --by: the stream's customers as one table
	run -0 --separate-stderr crm-report --format csv < s.csv
	[ "$(printf '%s\n' "${lines[@]}" | row orders)" = "orders,4,1,1,3,," ]
	# --by a name that is neither a column nor a field
	run -64 --separate-stderr crm-report --by nope < s.csv
	[[ "$stderr" == *'"nope" is neither a column of the input stream nor a customer field'* ]]
}

@test "a stream without customer_id is an error that mentions --all" {
	run -65 --separate-stderr crm-report --format csv <<< $'name\nx'
	[[ "$stderr" == *"--all"* ]]
}

@test "JSON: one object, numbers as numbers, no value as null" {
	crm-report --format json > r.json
	python3 - <<'PY'
import json
d = json.load(open("r.json"))
assert d["period"] == "2026-10" and d["previous"] == "2026-09" and d["last_year"] == "2025-10"
k = {r["metric"]: r for r in d["kpis"]}
assert len(k) == 25, len(k)
assert k["revenue"]["value"] == 770.00 and k["revenue"]["previous"] == 390.00
assert k["churn_rate"]["value"] == 0.25
assert k["avg_clv"]["value"] is None
assert k["resolution_median_hours"]["previous"] is None
assert k["nps"]["value"] == 33.33
assert set(k["orders"]) == {"metric", "value", "previous", "last_year", "change", "target", "status"}
assert k["orders"]["target"] is None and k["orders"]["status"] is None
PY
}

@test "Markdown: a pipe table with every KPI label" {
	run -0 --separate-stderr crm-report --format markdown --section kpi
	[ "${lines[0]}" = "# KPI report 2026-10" ]
	[[ "$output" == *"| Revenue | 770.00 | 390.00 | 400.00 | +97.4% |"* ]]
	[[ "$output" == *"| --- | --: | --: | --: | --: | --: | --- | --- |"* ]]
}

@test "trend: revenue and active customers over the 12 months to 2026-10" {
	run -0 --separate-stderr crm-report --section trend --format csv
	[ "${lines[0]}" = "period,from,to,revenue,active_customers,orders,new_customers" ]
	[ "${#lines[@]}" -eq 13 ]
	[ "${lines[1]}" = "2025-11,2025-11-01,2025-11-30,0.00,0,0,0" ]
	[ "${lines[5]}" = "2026-03,2026-03-01,2026-03-31,50.00,1,1,0" ]
	[ "${lines[9]}" = "2026-07,2026-07-01,2026-07-31,300.00,1,1,1" ]
	[ "${lines[12]}" = "2026-10,2026-10-01,2026-10-31,770.00,3,4,1" ]
}

@test "cohorts: first-purchase month × months since, 24 months to 2026-10" {
	run -0 --separate-stderr crm-report --section cohorts --cohorts 24 --format csv
	[ "${lines[0]}" = "cohort,months_since,customers,retained,rate" ]
	# D1: first 2025-01, back in 2026-10 = 21 months later
	printf '%s\n' "${lines[@]}" | grep -qx '2025-01,0,1,1,1.0000'
	printf '%s\n' "${lines[@]}" | grep -qx '2025-01,1,1,0,0.0000'
	printf '%s\n' "${lines[@]}" | grep -qx '2025-01,21,1,1,1.0000'
	# A1: first 2025-06, again 2025-10 (+4), 2026-09 (+15), 2026-10 (+16)
	printf '%s\n' "${lines[@]}" | grep -qx '2025-06,4,1,1,1.0000'
	printf '%s\n' "${lines[@]}" | grep -qx '2025-06,15,1,1,1.0000'
	printf '%s\n' "${lines[@]}" | grep -qx '2025-06,16,1,1,1.0000'
	printf '%s\n' "${lines[@]}" | grep -qx '2025-06,5,1,0,0.0000'
	# B1 2025-09: +6 (2026-03); F1 2025-10 both orders in its first month
	printf '%s\n' "${lines[@]}" | grep -qx '2025-09,6,1,1,1.0000'
	printf '%s\n' "${lines[@]}" | grep -qx '2025-10,1,1,0,0.0000'
	# a month with no new customer: no rate
	printf '%s\n' "${lines[@]}" | grep -qx '2025-02,0,0,0,'
	# the triangle: cohort 2026-10 has only +0
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^2026-10,')" -eq 1 ]
}

@test "top customers by net revenue, and the customers at risk" {
	run -0 --separate-stderr crm-report --section top --format csv
	[ "${lines[0]}" = "rank,customer_id,external_id,name,revenue,share" ]
	# A1 400 + 100 − 50 = 450 of 770; E1 200; D1 120
	[ "${lines[1]}" = "1,1,A1,Alice An,450.00,0.5844" ]
	[ "${lines[2]}" = "2,5,E1,Eve Evans,200.00,0.2597" ]
	[ "${lines[3]}" = "3,4,D1,Dave Du,120.00,0.1558" ]
	run -0 --separate-stderr crm-report --section at-risk --format csv
	# G1: last order 2026-07-01, 145 days ago: at_risk (90 <= 145 < 180)
	[ "${lines[0]}" = "customer_id,external_id,name,historical_value,last_order,recency_days" ]
	[ "${lines[1]}" = "7,G1,Gina Gao,300.00,2026-07-01,145" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "segments: distribution and migration from crm-segment --save history" {
	run -0 --separate-stderr crm-report --section segments --format text
	[[ "$output" == *"No segment history saved"* ]]
	crm-segment -q --all --save --as-of 2026-09-30 > /dev/null
	crm-segment -q --all --save --as-of 2026-10-31 > /dev/null
	run -0 --separate-stderr crm-report --section segments --format csv
	[ "${lines[0]}" = "segment,customers,share,previous" ]
	# every customer has a row on each day: 10 in all
	total=$(printf '%s\n' "${lines[@]:1}" | awk -F, '{ n += $2 } END { print n }')
	[ "$total" = 10 ]
	run -0 --separate-stderr crm-report --section segments --format text
	[[ "$output" == *"RFM segments saved on 2026-10-31; previous: 2026-09-30."* ]]
	[[ "$output" == *"Segment migration since the previous period"* ]]
}

@test "usage errors exit 64" {
	run -64 --separate-stderr crm-report --period 2026-13
	[[ "$stderr" == *"\"2026-13\" is not a month"* ]]
	run -64 --separate-stderr crm-report --period 2026-10 --from 2026-10-01 --to 2026-10-05
	run -64 --separate-stderr crm-report --from 2026-10-05
	run -64 --separate-stderr crm-report --from 2026-10-05 --to 2026-10-01
	run -64 --separate-stderr crm-report --format pdf
	run -64 --separate-stderr crm-report --section charts
	run -64 --separate-stderr crm-report --lang fr
	run -64 --separate-stderr crm-report --mail
	[[ "$stderr" == *"--mail needs at least one --to ADDRESS"* ]]
	run -64 --separate-stderr crm-report --mail --to 'a@b.example, c@d.example'
	run -64 --separate-stderr crm-report --cohorts 0
	run -64 --separate-stderr crm-report --subject x
}

@test "a full disk is exit 74" {
	run -74 --separate-stderr bash -c 'crm-report --format text > /dev/full'
	[[ "$stderr" == *"write error"* ]]
}

@test "the man page example: churn against its target in October" {
	printf 'report:\n  targets:\n    churn_rate: {max: 0.05}\n' > t.yaml
	out=$(crm-report --config t.yaml --period 2026-10 --format csv | grep ^churn_rate,)
	[ "$out" = "churn_rate,0.2500,0.0000,0.0000,0.2500,<=0.05,miss" ]
}

cdnow() {
	[ -d "$SHARED/cdnow" ] || skip "../shared/data/cdnow is not beside this checkout"
	rm -f "$CRM_DB"
	printf 'currency: USD\n' > usd.yaml
	crm-import -q --config usd.yaml --create-missing "$SHARED/cdnow/cdnow_sample_transactions.csv"
}

@test "CDNOW: monthly revenue, active customers and orders agree with SQL in the sqlite3 shell" {
	cdnow
	# The independent computation: GROUP BY the month of each paid order.
	sqlite3 -batch -noheader -csv "$CRM_DB" > want.csv <<'SQL'
SELECT substr(ordered_at, 1, 7), printf('%.2f', sum(amount) / 100.0),
       count(DISTINCT customer_id), count(*)
FROM orders WHERE status = 'paid' AND ordered_at < '1998-07'
GROUP BY 1 ORDER BY 1;
SQL
	[ "$(wc -l < want.csv)" -eq 18 ]
	# Two reports cover 1997-01 .. 1998-06: the 12 months to 1997-12 and to 1998-06.
	{ crm-report --config usd.yaml --as-of 1998-07-01 --period 1997-12 --section trend --format csv
	  crm-report --config usd.yaml --as-of 1998-07-01 --period 1998-06 --section trend --format csv
	} | awk -F, '$1 != "period" && $1 >= "1997-01" { print $1 "," $4 "," $5 "," $6 }' |
		sort -u > got.csv
	diff want.csv got.csv
}

@test "CDNOW: the cohort triangle agrees with SQL in the sqlite3 shell" {
	cdnow
	# Cohort = month of the first paid order; cell (c, k) = customers of c
	# with a paid order in month c + k.
	sqlite3 -batch -noheader -csv "$CRM_DB" > want.csv <<'SQL'
WITH first AS (
  SELECT customer_id, min(substr(ordered_at, 1, 7)) AS c FROM orders
  WHERE status = 'paid' GROUP BY customer_id),
months AS (
  SELECT DISTINCT customer_id, substr(ordered_at, 1, 7) AS m FROM orders
  WHERE status = 'paid'),
sizes AS (SELECT c, count(*) AS n FROM first GROUP BY c)
SELECT first.c,
       (CAST(substr(m, 1, 4) AS INT) * 12 + CAST(substr(m, 6, 2) AS INT)) -
       (CAST(substr(first.c, 1, 4) AS INT) * 12 + CAST(substr(first.c, 6, 2) AS INT)) AS k,
       sizes.n, count(*), printf('%.4f', count(*) * 1.0 / sizes.n)
FROM first JOIN months USING (customer_id) JOIN sizes USING (c)
GROUP BY first.c, k ORDER BY first.c, k;
SQL
	[ "$(wc -l < want.csv)" -eq 51 ]   # 3 cohorts × 18, 17, 16 months
	crm-report --config usd.yaml --as-of 1998-07-01 --period 1998-06 --section cohorts \
		--cohorts 18 --format csv | awk -F, 'NR > 1 && $3 > 0' > got.csv
	diff want.csv got.csv
}

@test "HTML: self-contained, no script, nothing fetched, every KPI; a screenshot in headless chromium" {
	run -0 --separate-stderr crm-report --format html
	printf '%s\n' "$output" > r.html
	[[ "${lines[0]}" == "<!DOCTYPE html>" ]]
	! grep -qi '<script' r.html || false
	! grep -qiE 'https?://' r.html || false
	! grep -qiE '(src|href|background)=' r.html || false
	! grep -qiE '<(link|style|svg|img|iframe|object)' r.html || false
	! grep -qiE '(url\(|@import)' r.html || false
	for label in "Customers at period end" "New customers" "New leads" "Active customers (buyers)" \
	             "Churned customers" "Churn rate" "Retention rate" "Reactivated customers" \
	             "Repeat purchase rate" "Repeat purchase rate (lifetime)" \
	             "Lead-to-customer conversion rate" "Orders" "Revenue" "Average order value" \
	             "Revenue per active customer" "Average CLV" "Revenue share of the top 20% by CLV" \
	             "Complaints opened" "Complaints per 100 active customers" \
	             "Resolution time, median (hours)" "Resolution time, 90th percentile (hours)" \
	             "Resolved within SLA" "CSAT (share satisfied)" "CSAT (mean, 1-5)" "NPS"; do
		grep -qF ">$label</td>" r.html || { echo "no $label"; false; }
	done
	grep -qF '>770.00</td>' r.html
	command -v chromium > /dev/null || skip "chromium is not installed"
	run -0 --separate-stderr sh "$BATS_TEST_DIRNAME/../report-shot.sh" "$BATS_TEST_TMPDIR/shot.png"
	# a PNG of 1000 × 2000 pixels
	[ "$(head -c 8 shot.png | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a" ]
	[ "$(od -An -tu1 -j16 -N8 shot.png | tr -s ' ')" = " 0 0 3 232 0 0 7 208" ]
}

@test "HTML: every value from the data is escaped" {
	printf 'customer_id,name,created_at\nX1,<script>alert("x")</script> & "Co",2026-10-01\n' > x.csv
	printf 'order_no,customer_id,date,amount\nOX,X1,2026-10-09,999.00\n' > xo.csv
	crm-import -q x.csv xo.csv
	run -0 --separate-stderr crm-report --format html --section top
	[[ "$output" != *"<script"* ]]
	[[ "$output" == *'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Co&quot;'* ]]
}

@test "--mail: a MIME message python's email parser reads (text and HTML, UTF-8 subject)" {
	crm-report --mail --to boss@example.com --to cfo@example.com \
		--subject "十月 KPI 报告 — October" > m.eml
	python3 - <<'PY'
from email import policy
from email.parser import BytesParser
m = BytesParser(policy=policy.default).parse(open("m.eml", "rb"))
assert m["MIME-Version"] == "1.0"
assert m["Subject"] == "十月 KPI 报告 — October", m["Subject"]
assert [a.addr_spec for a in m["To"].addresses] == ["boss@example.com", "cfo@example.com"]
assert m["Date"].datetime is not None
assert m["Message-ID"].startswith("<") and "@" in m["Message-ID"]
assert m.get_content_type() == "multipart/alternative"
parts = list(m.iter_parts())
assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
assert all(p.get_content_charset() == "utf-8" for p in parts)
text, html = parts[0].get_content(), parts[1].get_content()
assert text.startswith("KPI report 2026-10\n"), text[:40]
assert "Revenue " in text and "770.00" in text
assert html.startswith("<!DOCTYPE html>") and ">770.00</td>" in html
raw = open("m.eml", "rb").read()
assert all(b < 128 for b in raw), "8-bit bytes in the message"
assert max(len(l) for l in raw.split(b"\n")) <= 78
PY
	# the default subject is the title
	crm-report --mail --to boss@example.com > d.eml
	grep -qx 'Subject: KPI report 2026-10' d.eml
}

@test "--lang zh-TW and report.lang: translated labels, CJK-aligned, numbers and names untouched" {
	run -0 --separate-stderr crm-report --lang zh-TW --format text --section kpi
	[ "${lines[0]}" = "2026-10 經營指標報告" ]
	# 營收 is 4 columns wide: padded to the label column like the ASCII labels
	line=$(printf '%s\n' "${lines[@]}" | grep '^營收 ')
	[[ "$line" == "營收"*"770.00   390.00   400.00  +97.4%"* ]]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^流失率 ')" -eq 1 ]
	# the KPI header is 指標 (4 columns) and the value column is aligned
	[[ "${lines[4]}" == "指標 "* ]]
	printf 'report:\n  lang: zh-CN\n' > zh.yaml
	run -0 --separate-stderr crm-report --config zh.yaml --format text --section top
	[[ "$output" == *"本期销售额最高的客户"* ]]
	# machine names never change
	run -0 --separate-stderr crm-report --lang zh-TW --format csv
	[ "${lines[0]}" = "metric,value,previous,last_year,change,target,status" ]
	[ "$(printf '%s\n' "${lines[@]}" | row revenue)" = "revenue,770.00,390.00,400.00,380.00,," ]
}

@test "a stream with --by a customer field; an id the store does not know is left out (65)" {
	# ids 1 A1 (华东), 4 D1 (华南), 5 E1 (华东), 99 unknown
	printf 'customer_id\n1\n4\n5\n99\n' > s.csv
	run -65 --separate-stderr crm-report --by region --format csv < s.csv
	[[ "$stderr" == *"<stdin>: 1 customer id not in the store; left out"* ]]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^华东,revenue,')" = "华东,revenue,650.00,300.00,200.00,350.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^华南,revenue,')" = "华南,revenue,120.00,0.00,0.00,120.00,," ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c ',customers_total,')" -eq 3 ]
}

@test "--explain prints the definitions in use" {
	printf 'lifecycle:\n  churn_days: 90\n  at_risk_days: 60\nremind:\n  sla_hours: {high: 8, vip: 2}\nreport:\n  targets:\n    churn_rate: {max: 0.05}\n' > e.yaml
	run -0 --separate-stderr crm-report --config e.yaml --explain
	[[ "$output" == *"a paid order in [t - 90 days, t)"* ]]
	[[ "$output" == *"urgent 4 critical 4 high 8 normal 72 low 168 vip 2; any other severity 72"* ]]
	[[ "$output" == *"target churn_rate: max 0.05"* ]]
}

@test "with saved crm-score runs: avg_clv, top20_revenue_share, and P(alive) for the customers at risk" {
	# Two runs, written as crm-score --save writes them. 2026-10-31 (the run
	# for 2026-10): clv A1 1000, B1 50, C1 80, D1 300, E1 400, F1 20, G1 500,
	# H1 100 → avg_clv 2450 / 8 = 306.25; top 20 % = ⌈1.6⌉ = 2 customers,
	# A1 and G1, whose October revenue is 450 + 0 of 770 = 0.5844.
	# 2026-09-30 (for 2026-09): A1 200, H1 300 → avg 250.00; top ⌈0.4⌉ = 1,
	# H1, September revenue 90 of 390 = 0.2308. Last year: no run.
	q() { sqlite3 -batch "$CRM_DB" "$@"; }
	q "INSERT INTO score_runs (day, unit, horizon_days, discount_rate, margin, customers, repeaters, saved_at)
	   VALUES ('2026-10-31', 'week', 365, 0.1, 1, 8, 5, '2026-10-31'), ('2026-09-30', 'week', 365, 0.1, 1, 2, 2, '2026-09-30');
	   INSERT INTO score_history (day, customer_id, p_alive, clv) VALUES
	   ('2026-10-31', 1, 0.9, 1000), ('2026-10-31', 2, 0.2, 50), ('2026-10-31', 3, 0.3, 80),
	   ('2026-10-31', 4, 0.6, 300), ('2026-10-31', 5, 0.95, 400), ('2026-10-31', 6, 0.1, 20),
	   ('2026-10-31', 7, 0.4, 500), ('2026-10-31', 8, 0.8, 100),
	   ('2026-09-30', 1, 0.7, 200), ('2026-09-30', 8, 0.9, 300);"
	run -0 --separate-stderr crm-report --format csv
	[ "$(printf '%s\n' "${lines[@]}" | row avg_clv)" = "avg_clv,306.25,250.00,,56.25,," ]
	[ "$(printf '%s\n' "${lines[@]}" | row top20_revenue_share)" = "top20_revenue_share,0.5844,0.2308,,0.3536,," ]
	# at risk: P(alive) < 0.5 in the 2026-10-31 run — B1 0.2, C1 0.3, F1 0.1,
	# G1 0.4 — by historical value: B1 550, G1 300, F1 200, C1 80
	run -0 --separate-stderr crm-report --section at-risk --format csv
	[ "${lines[0]}" = "customer_id,external_id,name,historical_value,last_order,p_alive" ]
	[ "${lines[1]}" = "2,B1,Bob Bai,550.00,2026-03-01,0.200" ]
	[ "${lines[2]}" = "7,G1,Gina Gao,300.00,2026-07-01,0.400" ]
	[ "${lines[3]}" = "6,F1,Fay Fu,200.00,2025-10-20,0.100" ]
	[ "${lines[4]}" = "3,C1,Carol Cao,80.00,2026-04-20,0.300" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "--top and report.top_customers cut the lists; sections combine" {
	run -0 --separate-stderr crm-report --section top --top 1 --format csv
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "1,1,A1,Alice An,450.00,0.5844" ]
	printf 'report:\n  top_customers: 2\n' > top.yaml
	run -0 --separate-stderr crm-report --config top.yaml --section top --format csv
	[ "${#lines[@]}" -eq 3 ]
	run -0 --separate-stderr crm-report --section top --section trend --format json
	[[ "$output" == *'"trend": ['* ]]
	[[ "$output" == *'"top_customers": ['* ]]
	[[ "$output" != *'"kpis"'* ]]
}
