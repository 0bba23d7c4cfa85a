# tests/bench/lib.sh: the set-up the benchmark scripts in tests/bench/ share.
# Not run on its own: each script sources it after finding its own directory,
#
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/lib.sh"
#
# POSIX sh, safe under `set -eu`. Sourcing it sets, keeping what the
# environment already gives:
#
#   root         the repository (two levels above $here)
#   CRM_BIN      the tools to time (default build/default/bin)
#   BENCH_DIR    generated data, stores, hyperfine JSON (default build/bench)
#   BENCH_SIZES  the sizes the per-size scripts loop over (small medium large)
#   BENCH_SEED   the generators' seed (42)
#
# and defines the functions below. Helpers keep their working variables in
# names starting with `_` so as not to clobber the caller's; the few that
# set variables for the caller say so.

: "${here:?set here (the script directory) before sourcing lib.sh}"
root=$(cd "$here/../.." && pwd)
CRM_BIN=${CRM_BIN:-$root/build/default/bin}
BENCH_DIR=${BENCH_DIR:-$root/build/bench}
BENCH_SIZES=${BENCH_SIZES:-small medium large}
BENCH_SEED=${BENCH_SEED:-42}

# --- errors, results, tools ------------------------------------------------

# die MESSAGE: "bench: MESSAGE" on stderr, exit 1.
die() { echo "bench: $*" >&2; exit 1; }

# results_file NAME: the default results file, tests/bench/results/NAME-YYYY-MM-DD.md.
results_file() { echo "$root/tests/bench/results/$1-$(date +%Y-%m-%d).md"; }

# as_root CMD...: CMD, through sudo unless already root.
as_root() {
	if [ "$(id -u)" -ne 0 ]; then sudo "$@"; else "$@"; fi
}

# apt_install PKG...: apt-get install (Debian), quiet; its status.
apt_install() { as_root apt-get install -y -q "$@" >/dev/null; }

# missing_commands CMD...: those of CMD not on PATH, each after a space
# (Debian packages them under the same name).
missing_commands() {
	for _cmd in "$@"; do
		command -v "$_cmd" >/dev/null 2>&1 || printf ' %s' "$_cmd"
	done
}

# install_packages PKG...: the tools the bench needs beyond `make deps`;
# nothing when no PKG is given, else apt-get update and install, or die.
install_packages() {
	[ $# -gt 0 ] || return 0
	echo "bench: installing $*" >&2
	{ as_root apt-get update -q >/dev/null && apt_install "$@"; } || die "cannot install $*"
}

# need_commands CMD...: die unless every CMD is on PATH (for the scripts
# that run after run.sh, which installs them).
need_commands() {
	for _cmd in "$@"; do
		command -v "$_cmd" >/dev/null 2>&1 || die "$_cmd missing (tests/bench/run.sh installs it)"
	done
}

# need_tools TOOL...: die unless every $CRM_BIN/TOOL is built.
need_tools() {
	for _tool in "$@"; do
		[ -x "$CRM_BIN/$_tool" ] || die "$CRM_BIN/$_tool missing (run make first)"
	done
}

# --- what was measured, on what --------------------------------------------

# head_commit: HEAD's short hash, or "unknown" outside a git checkout.
head_commit() { git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown; }

# build_commit: head_commit, noting uncommitted changes in lib/ or cmd/ (the
# code being timed). Call it before the runs: what was built and measured,
# not what HEAD is later.
build_commit() {
	echo "$(head_commit)$(git -C "$root" diff --quiet HEAD -- lib cmd 2>/dev/null || echo ' + uncommitted changes in lib/ or cmd/')"
}

# cpu_model: the CPU's model name.
cpu_model() { grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'; }

# cpu_and_cores: "MODEL, nproc N", as the results files show the machine.
cpu_and_cores() { echo "$(cpu_model), nproc $(nproc)"; }

# load_average: the 1, 5 and 15 minute load averages (a shared machine shows).
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# sqlite3_version, hyperfine_version: their versions, as the results show them.
sqlite3_version() { sqlite3 --version | cut -d' ' -f1-2; }
hyperfine_version() { hyperfine --version | cut -d' ' -f2; }

# --- numbers for the tables ------------------------------------------------

# fmt X: X with two decimals.
fmt() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }

# ratio A B [DECIMALS]: A / B with DECIMALS (default 2) decimals.
ratio() { awk -v a="$1" -v b="$2" -v f="%.${3:-2}f" 'BEGIN { printf f, a / b }'; }

# mb KB: kilobytes as whole megabytes.
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# maxkb FILE...: the largest number in the files (one peak RSS in KB per
# line, as /usr/bin/time -f %M writes it); 0 when there are none.
maxkb() { cat "$@" 2>/dev/null | awk '$1 + 0 > m { m = $1 + 0 } END { print m + 0 }'; }

# comma N: N with thousands separators (1000000 -> 1,000,000).
comma() { printf %s "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# --- generated data and stores ---------------------------------------------

# make_bench_dir: create BENCH_DIR and make it absolute (it goes into the
# hyperfine commands and the results file).
make_bench_dir() {
	mkdir -p "$BENCH_DIR"
	BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
}

# checksum FILE...: the cksum CRC of the files one after the other (the
# stamps name the generator's source by it).
checksum() { cat "$@" | cksum | cut -d' ' -f1; }

# build_c OUT SRC [LINK-ARGS...]: compile SRC into OUT (cc -O2 -std=c11)
# when OUT is missing or older than SRC, or die. (-nt is not POSIX, but
# dash, bash and busybox sh all have it.)
build_c() {
	if [ ! -x "$1" ] || [ "$2" -nt "$1" ]; then
		_out=$1 _src=$2
		shift 2
		${CC:-cc} -O2 -std=c11 -o "$_out" "$_src" "$@" || die "cannot build $(basename "$_out")"
	fi
}

# build_generator: BENCH_DIR/gen from gen.c (rebuilt when gen.c changes).
# Sets gen (its path) and gen_sum (gen.c's checksum, part of each size's
# stamp). Call make_bench_dir first.
build_generator() {
	gen=$BENCH_DIR/gen
	build_c "$gen" "$here/gen.c"
	gen_sum=$(checksum "$here/gen.c")
}

# sizes_of SIZE: "CUSTOMERS ORDERS" for small, medium or large.
sizes_of() {
	case $1 in
	small) echo "10000 100000" ;;
	medium) echo "100000 1000000" ;;
	large) echo "1000000 10000000" ;;
	*) die "unknown size \"$1\" (small, medium, large)" ;;
	esac
}

# generate_size SIZE: BENCH_DIR/SIZE/customers.csv and orders.csv, made by
# gen (build_generator) unless BENCH_DIR/SIZE/stamp shows they were made
# with the same seed, counts and gen.c. Sets d (the directory), nc and no
# (the customer and order counts).
generate_size() {
	_counts=$(sizes_of "$1")   # an assignment, so that an unknown size stops here
	set -- "$1" $_counts       # unquoted: split into the two counts
	nc=$2 no=$3
	d=$BENCH_DIR/$1
	_stamp="seed=$BENCH_SEED customers=$nc orders=$no gen=$gen_sum"
	mkdir -p "$d"
	if [ "$(cat "$d/stamp" 2>/dev/null)" != "$_stamp" ]; then
		echo "bench: generating $1 ($nc customers, $no orders) in $d" >&2
		rm -f "$d/stamp"
		"$gen" "$BENCH_SEED" "$nc" "$no" "$d" || die "generator failed"
		echo "$_stamp" > "$d/stamp"
	fi
}

# require_data SIZE: die unless run.sh (or report.sh) generated SIZE's data.
# Sets d (BENCH_DIR/SIZE).
require_data() {
	d=$BENCH_DIR/$1
	[ -f "$d/stamp" ] || die "no generated data in $d: run tests/bench/run.sh (make bench) first"
}

# import_once DB: crm-import the customers.csv and orders.csv beside DB
# (BENCH_DIR/SIZE/NAME.db) into a fresh DB, unless NAME.stamp beside it is
# a copy of the data's stamp, i.e. DB holds the data as it is now.
import_once() {
	_dir=$(dirname "$1")
	_db_stamp=${1%.db}.stamp
	if [ "$(cat "$_db_stamp" 2>/dev/null)" != "$(cat "$_dir/stamp")" ]; then
		echo "bench: $(basename "$_dir"): importing into $1" >&2
		rm -f "$1" "$1-wal" "$1-shm"
		"$CRM_BIN/crm-import" --db "$1" --quiet "$_dir/customers.csv" "$_dir/orders.csv"
		cp "$_dir/stamp" "$_db_stamp"
	fi
}

# stamp_counts DIR: "CUSTOMERS / ORDERS" as DIR/stamp records them.
stamp_counts() {
	sed 's/.*customers=\([0-9]*\) orders=\([0-9]*\).*/\1 \/ \2/' "$1/stamp"
}
