#!/bin/sh
# tests/fuzz/run.sh [SECONDS] [TARGET...] — build every libFuzzer target with
# clang (ASan+UBSan) and run each for SECONDS (default 60) on its corpus.
# New inputs go to build/fuzz/corpus-<target> (the committed seeds in
# tests/fuzz/corpus/<target> are read, not written). A crash leaves its
# input as build/fuzz/crash-* (and friends) and makes the script exit 1.
# Environment: CLANG (default clang), FUZZ_JOBS (parallel targets, default 1),
# FUZZ_ARGS (extra libFuzzer flags), FUZZ_CFLAGS (extra compiler flags for the targets;
# e.g. -DNDEBUG).
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
[ $# -gt 0 ] && shift
CLANG=${CLANG:-clang}
out=build/fuzz
pkgs="sqlite3 yaml-0.1 uchardet opencc libutf8proc nettle icu-i18n icu-uc xlsxwriter libzip expat freexl"

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "run.sh: $CLANG not found (apt-get install clang)" >&2
	exit 2
fi
cflags="-g -O1 -fno-omit-frame-pointer -Ilib -D_GNU_SOURCE -std=c11 -DCRM_VERSION=\"fuzz\" \
$(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lcsv -lm -pthread"
mkdir -p $out/lib

# The library, instrumented but without libFuzzer's main.
objs=
for src in lib/*.c; do
	o=$out/lib/$(basename "$src" .c).o
	if [ ! -e "$o" ] || [ "$src" -nt "$o" ] || [ -n "$(find lib -name '*.h' -newer "$o")" ]; then
		$CLANG $cflags -fsanitize=fuzzer-no-link,address,undefined \
		    -fno-sanitize-recover=undefined -c -o "$o" "$src"
	fi
	objs="$objs $o"
done

targets=${*:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)}
for t in $targets; do
	$CLANG $cflags ${FUZZ_CFLAGS:-} -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $out/$t tests/fuzz/$t.c $objs $libs
done

status=0

# fuzz_xls: each .xls is opened first in a forked child (lib/workbook.c,
# xls_preflight), so that libfreexl's own crashes end the child, not the
# tool. A child inherits libFuzzer's crash handler, which writes the input
# as a crash-* artifact before the child dies; the fuzzer itself goes on.
# When the fuzzer ended well, those inputs were contained: moved aside and
# counted.
contained() {
	n=$(ls $out/$t-crash-* 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || return 0
	mkdir -p $out/$t-contained
	mv $out/$t-crash-* $out/$t-contained/
	printf '%-14s       %s inputs crashed a pre-flight child (contained); in %s\n' "" "$n" \
	    "$out/$t-contained"
}

run_one() {
	t=$1
	case $t in fuzz_csv|fuzz_config|fuzz_xlsx|fuzz_xls) max=65536 ;; *) max=4096 ;; esac
	# A 4096-column header takes seconds to map under ASan (see README).
	case $t in fuzz_mapping) tmo=60 ;; *) tmo=10 ;; esac
	mkdir -p $out/corpus-$t tests/fuzz/corpus/$t
	log=$out/$t.log
	rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	$out/$t -max_total_time="$secs" -max_len=$max -timeout=$tmo -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$out/$t- ${FUZZ_ARGS:-} \
	    $out/corpus-$t tests/fuzz/corpus/$t >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+' || true)
	if [ $rc -eq 0 ]; then
		printf '%-14s ok    execs %s  %s\n' "$t" "${execs:-?}" "$last"
		contained
	else
		printf '%-14s CRASH (exit %s) execs %s  %s; see %s\n' "$t" "$rc" "${execs:-?}" \
		    "$last" "$log"
		ls $out/$t-* 2>/dev/null | sed 's/^/    /'
		return 1
	fi
}

jobs=${FUZZ_JOBS:-1}
if [ "$jobs" -le 1 ]; then
	for t in $targets; do run_one "$t" || status=1; done
else
	n=0; pids=
	for t in $targets; do
		( run_one "$t" ) > $out/$t.summary &
		pids="$pids $!"
		n=$((n + 1))
		if [ $n -ge "$jobs" ]; then
			for p in $pids; do wait "$p" || status=1; done
			pids=; n=0
		fi
	done
	for p in $pids; do wait "$p" || status=1; done
	for t in $targets; do cat $out/$t.summary; done
fi
exit $status
