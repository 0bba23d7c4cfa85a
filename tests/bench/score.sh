#!/bin/sh
# Benchmark crm-score (see tests/bench/README.md, "crm-score"):
#   1. fit and score a generated base whose purchases follow the BG/NBD
#      process (tests/bench/gen_btyd.c; BENCH_SCORE_SIZES customers, default
#      "10000 1000000"), stream to /dev/null;
#   2. the CDNOW fit (../shared/data/cdnow, calibration to 1997-09-30) timed
#      beside a NumPy/SciPy reference (tests/bench/btyd_ref.py, lifetimes'
#      method) when python3-scipy is installed (installed here if apt can).
#
#   CRM_BIN=build/default/bin sh tests/bench/score.sh     (part of `make bench`)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"   # root, CRM_BIN, BENCH_DIR, BENCH_SEED; helpers
BENCH_SCORE_SIZES=${BENCH_SCORE_SIZES:-10000 1000000}
BENCH_OUT=${BENCH_OUT:-$(results_file score)}
LIB=${LIB:-$root/build/default/libcrm.a}
cdnow=$root/../shared/data/cdnow/cdnow_sample_transactions.csv
# Debian's python3 (where python3-scipy installs), not whatever python3 is first on PATH.
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

need_tools crm-score
if ! "$PY" -c 'import scipy' 2>/dev/null; then
	echo "bench: installing python3-scipy for the reference fit" >&2
	apt_install python3-scipy 2>/dev/null || echo "bench: python3-scipy not available; the reference is skipped" >&2
fi
mkdir -p "$BENCH_DIR/score" "$(dirname "$BENCH_OUT")"
# Not build_c: gen_btyd also links libcrm.a, and is rebuilt when that changes.
gen=$BENCH_DIR/score/gen_btyd
if [ ! -x "$gen" ] || [ "$here/gen_btyd.c" -nt "$gen" ] || [ "$LIB" -nt "$gen" ]; then
	${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$root/lib" -o "$gen" "$here/gen_btyd.c" "$LIB" \
		$(pkg-config --libs libutf8proc) -lm || die "cannot build gen_btyd"
fi
commit=$(head_commit)

rows=
for n in $BENCH_SCORE_SIZES; do
	d=$BENCH_DIR/score/$n
	mkdir -p "$d"
	stamp="seed=$BENCH_SEED n=$n gen=$(checksum "$here/gen_btyd.c")"
	if [ "$(cat "$d/stamp" 2>/dev/null)" != "$stamp" ]; then
		echo "bench: generating and importing $n BG/NBD customers in $d" >&2
		rm -f "$d/stamp" "$d/crm.db"*
		"$gen" "$BENCH_SEED" "$n" "$d"
		"$CRM_BIN/crm-import" --db "$d/crm.db" --quiet "$d/customers.csv" "$d/orders.csv"
		echo "$stamp" > "$d/stamp"
	fi
	orders=$(($(wc -l < "$d/orders.csv") - 1))
	hyperfine --warmup 1 --runs "${BENCH_RUNS:-3}" --export-json "$d/hyperfine.json" --style basic \
		-n crm-score "$CRM_BIN/crm-score --db $d/crm.db --all --as-of 2025-12-31 --quiet" \
		--output null >&2 || die "hyperfine failed"
	/usr/bin/time -f %M -o "$d/rss" "$CRM_BIN/crm-score" --db "$d/crm.db" --all --as-of 2025-12-31 --quiet > /dev/null
	params=$("$CRM_BIN/crm-score" --db "$d/crm.db" --as-of 2025-12-31 --params --format csv --quiet |
		awk -F, '$1 ~ /^(r|alpha|a|b|p|q|gamma)$/ { printf "%s %.3g, ", $1, $2 }')
	rows="$rows| crm-score, $n customers / $orders orders (fit + score + CSV) | $(fmt "$(jq '.results[0].median' "$d/hyperfine.json")") | | $(mb "$(cat "$d/rss")") MB | ${params%, } |
"
done

if [ -f "$cdnow" ]; then
	d=$BENCH_DIR/score/cdnow
	mkdir -p "$d"
	if [ ! -f "$d/crm.db" ]; then
		printf 'currency: USD\n' > "$d/usd.yaml"
		"$CRM_BIN/crm-import" --db "$d/crm.db" --config "$d/usd.yaml" --quiet --create-missing "$cdnow"
	fi
	crm_cmd="$CRM_BIN/crm-score --db $d/crm.db --config $d/usd.yaml --as-of 1998-06-30 --calibration-end 1997-09-30 --params --quiet"
	if "$PY" -c 'import scipy' 2>/dev/null; then
		hyperfine --warmup 1 --runs "${BENCH_RUNS:-5}" --export-json "$d/hyperfine.json" --style basic \
			-n crm-score "$crm_cmd" \
			-n python-scipy "$PY $here/btyd_ref.py $cdnow 1997-09-30" --output null >&2 ||
			die "hyperfine failed"
		cm=$(jq '.results[0].median' "$d/hyperfine.json")
		pm=$(jq '.results[1].median' "$d/hyperfine.json")
		ref=$("$PY" "$here/btyd_ref.py" "$cdnow" 1997-09-30)
		rows="$rows| CDNOW fit (2,357 customers): crm-score --params (store read + summary + both fits) | $(fmt "$cm") | 1.0 | | $($crm_cmd --format csv | awk -F, '$1 ~ /^(r|alpha|a|b|ll)$/ { printf "%s %.6g, ", $1, $2 }') |
| CDNOW fit: Python NumPy/SciPy reference (CSV read + summary + both fits, Nelder-Mead as lifetimes) | $(fmt "$pm") | $(ratio "$pm" "$cm" 1) | | $ref |
"
	else
		echo "bench: no python3-scipy: the CDNOW reference comparison is skipped" >&2
	fi
fi

{
	echo "# crm-score benchmark — $(date +%Y-%m-%d)"
	echo
	echo "| what | median s | time ÷ crm-score | peak RSS | estimates |"
	echo "|---|---:|---:|---:|---|"
	printf %s "$rows"
	echo
	echo "- commit $commit; CPU: $(cpu_and_cores)"
	echo "- generated data: BG/NBD with r 0.243, alpha 4.414, a 0.793, b 2.426 and Gamma-Gamma p 6.25, q 3.74, gamma 15.44 (tests/bench/gen_btyd.c)"
} | tee "$BENCH_OUT"
