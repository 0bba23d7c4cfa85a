#!/usr/bin/env bats
# crm-score: the CDNOW reproduction of the published BG/NBD and Gamma-Gamma
# estimates, the holdout validation, the stream columns, health and lead
# scores, the failure paths, --save.

setup() {
	load helpers
	cd "$BATS_TEST_TMPDIR"
}

q() { sqlite3 -batch -noheader "$CRM_DB" "$@"; }

cdnow() {
	[ -d "$SHARED/cdnow" ] || skip "../shared/data/cdnow is not beside this checkout"
	printf 'currency: USD\n' > usd.yaml
	crm-import -q --config usd.yaml --create-missing "$SHARED/cdnow/cdnow_sample_transactions.csv"
}

# Value of param NAME in `--params --format csv` output on stdin, to 3
# significant figures.
sig3() { awk -F, -v n="$1" '$1 == n { printf "%.3g\n", $2 }'; }

@test "CDNOW: BG/NBD and Gamma-Gamma reproduce the published estimates to 3 s.f." {
	cdnow
	# Fader, Hardie & Lee (2005) Sec. 7 and the BTYD vignette: r 0.243,
	# alpha 4.414, a 0.793, b 2.426, LL -9582.4; Fader & Hardie (2013) note
	# 025: p 6.25, q 3.74, gamma 15.44; LL of the mean spend -4055.9177
	# (CLVTools). Weeks, calibration to 1997-09-30 (../shared/data/cdnow/README.md).
	out=$(crm-score -q --config usd.yaml --as-of 1998-06-30 --calibration-end 1997-09-30 --params --format csv)
	[ "$(head -1 <<< "$out")" = "param,value" ]
	[ "$(sig3 r <<< "$out")" = "0.243" ]
	[ "$(sig3 alpha <<< "$out")" = "4.41" ]
	[ "$(sig3 a <<< "$out")" = "0.793" ]
	[ "$(sig3 b <<< "$out")" = "2.43" ]
	[ "$(sig3 ll <<< "$out")" = "-9.58e+03" ]
	[ "$(awk -F, '$1 == "ll" { printf "%.1f", $2 }' <<< "$out")" = "-9582.4" ]
	[ "$(sig3 p <<< "$out")" = "6.25" ]
	[ "$(sig3 q <<< "$out")" = "3.74" ]
	[ "$(sig3 gamma <<< "$out")" = "15.4" ]
	[ "$(awk -F, '$1 == "gg_ll" { printf "%.2f", $2 }' <<< "$out")" = "-4055.92" ]
	[ "$(awk -F, '$1 == "customers" || $1 == "repeaters" { print $2 }' <<< "$out" | tr '\n' ' ')" = "2357 946 " ]
}

@test "CDNOW in days: alpha becomes 7 x 4.4136, LL changes by -sum(x) ln 7" {
	cdnow
	out=$(crm-score -q --config usd.yaml --as-of 1998-06-30 --calibration-end 1997-09-30 --params --format csv --unit day)
	[ "$(sig3 r <<< "$out")" = "0.243" ]
	[ "$(awk -F, '$1 == "alpha" { printf "%.1f", $2 }' <<< "$out")" = "30.9" ]
	[ "$(awk -F, '$1 == "ll" { printf "%.1f", $2 }' <<< "$out")" = "-14363.5" ]
}

@test "CDNOW: per-customer figures match the papers' worked examples" {
	cdnow
	out=$(crm-score -q --config usd.yaml --as-of 1998-06-30 --calibration-end 1997-09-30 --horizon 273)
	# customer 1: x = 2, t_x = 30.43, T = 38.86 (Hardie's BG/NBD note): 1.226
	# purchases expected in the next 39 weeks (= 273 days)
	[ "$(awk -F, '$1 == 1 { print $4, $5, $6, $9 }' <<< "$out")" = "2 30.43 38.86 1.2260" ]
	# a one-time buyer (x = 0): P(alive) 1, E(M) the population mean 35.17
	[ "$(awk -F, '$1 == 3 { print $4, $7, $10 }' <<< "$out")" = "0 1.0000 35.17" ]
	# the summary the models see: 1,411 one-time buyers, 2,457 repeat purchase days
	[ "$(awk -F, 'NR > 1 && $4 == 0' <<< "$out" | wc -l)" -eq 1411 ]
	[ "$(awk -F, 'NR > 1 { s += $4 } END { print s }' <<< "$out")" -eq 2457 ]
	# 1,882 holdout purchase days (README totals)
	[ "$(awk -F, 'NR > 1 { s += $14 } END { print s }' <<< "$out")" -eq 1882 ]
}

@test "CDNOW holdout: x = 0 customers bought 0.2367 on average, the model says 0.2251" {
	cdnow
	run -0 --separate-stderr crm-score --config usd.yaml --as-of 1998-06-30 --calibration-end 1997-09-30 --holdout --format csv
	[ "${lines[0]}" = "frequency,customers,actual,predicted,actual_mean,predicted_mean" ]
	[ "${lines[1]}" = "0,1411,334,317.6,0.2367,0.2251" ]
	[ "${lines[9]%%,*}" = "all" ]
	[[ "${lines[9]}" == "all,2357,1882,"* ]]
	# FHL 2005: correlation of actual and predicted holdout purchases 0.626
	[[ "$stderr" == *"correlation of actual and predicted purchases per customer 0.626"* ]]
}

@test "stream: input columns kept, scores appended; leads get a lead score" {
	mkdir d && cd d
	printf 'customer_id,name,email,phone,channel\nA,Ann,ann@example.com,13800138000,referral\nB,Bob,,,\nL,Lee,lee@example.com,,\n' > customers.csv
	printf 'order_no,customer_id,date,amount\n1,A,2026-01-05,100\n2,A,2026-03-05,50\n3,A,2026-03-05,30\n4,B,2026-02-01,20\n' > orders.csv
	printf 'customer_id,time,channel,kind,summary\nL,2026-11-20,phone,call,first call\n' > interactions.csv
	crm-import -q customers.csv orders.csv interactions.csv
	printf 'note,customer_id\nx,3\ny,1\n' > in.csv
	run -65 --separate-stderr crm-score < in.csv
	# two buyers are too few to fit: a clear message, model columns empty
	[[ "$stderr" == *"cannot fit BG/NBD: only 2 customers, at least 10 are needed (purchase model, 2 buyers); p_alive, expected_purchases and clv are left empty"* ]]
	[ "${lines[0]}" = "note,customer_id,frequency,recency,T,p_alive,churn_risk,expected_purchases,expected_avg_spend,clv,health,lead_score" ]
	# L: contact 3 days ago (25), one interaction (10), e-mail (10) = 45
	[ "${lines[1]}" = "x,3,,,,,,,,,,45" ]
	# A: two purchase days (03-05 counts once) 59 days = 8.43 weeks apart,
	# first 322 days = 46 weeks ago. Health (score.health defaults): rhythm 0
	# (263 days since, usual gap 59: ratio > 3), trend 0 (no purchase day in
	# the last 180 days, 2 in the 180 before), complaints 100, no survey:
	# (0.4×0 + 0.2×0 + 0.2×100) / 0.8 = 25
	[ "${lines[2]}" = "y,1,1,8.43,46.00,,,,,,25," ]
}

@test "no repeat customer at all: a message, not NaN" {
	printf 'customer_id,date,amount\n' > o.csv
	for i in $(seq 1 30); do printf 'C%d,2026-0%d-1%d,10\n' "$i" $((i % 9 + 1)) $((i % 9)) >> o.csv; done
	crm-import -q --create-missing o.csv
	run -65 --separate-stderr crm-score --all
	[[ "$stderr" == *"cannot fit BG/NBD"*"repeat"*"(purchase model, 30 buyers)"* ]]
	[[ "$stderr" == *"cannot fit Gamma-Gamma"*"(spend model, 0 repeat buyers)"* ]]
	[[ "$output" != *nan* && "$output" != *NaN* && "$output" != *inf* ]]
	[ "${#lines[@]}" -eq 31 ]
}

@test "--save stores the parameters and each customer's scores" {
	cdnow
	run -0 --separate-stderr crm-score --config usd.yaml --as-of 1997-09-30 --save --all
	[[ "$stderr" == *"saved 2357 customers' scores for 1997-09-30"* ]]
	[ "$(q "SELECT printf('%.3f', r), customers, repeaters FROM score_runs")" = "0.243|2357|946" ]
	[ "$(q "SELECT count(*), count(p_alive), count(clv) FROM score_history")" = "2357|2357|2357" ]
	[ "$(q "SELECT printf('%.4f', p_alive) FROM score_history WHERE customer_id = 1")" = "0.7266" ]
}

@test "bad options are usage errors; a missing store is 66" {
	run -64 --separate-stderr crm-score --unit month
	[[ "$stderr" == *"--unit"*"week, day"* ]]
	run -64 --separate-stderr crm-score --holdout
	[[ "$stderr" == *"--holdout needs --calibration-end"* ]]
	run -64 --separate-stderr crm-score --margin 2
	[[ "$stderr" == *"option '--margin': \"2\" is not a number from 0.001 to 1"* ]]
	run -64 --separate-stderr crm-score --discount-rate ten
	[[ "$stderr" == *"--discount-rate"* ]]
	run -64 --separate-stderr crm-score --horizon 0
	[[ "$stderr" == *"--horizon"* ]]
	run -64 --separate-stderr crm-score --holdout --params --calibration-end 2026-01-01
	[[ "$stderr" == *"--holdout and --params are separate views"* ]]
	run -64 --separate-stderr crm-score --format xml
	run -64 --separate-stderr crm-score --calibration-end 2026-02-30
	run -64 --separate-stderr crm-score --calibration-end 2027-01-01
	[[ "$stderr" == *"after today"* ]]
	run -66 --separate-stderr crm-score --all
	[[ "$stderr" == *"no store at"* ]]
}
