#!/usr/bin/env bats
# The contract every crm-* tool keeps (STYLE practice 11): --help, --version,
# unknown options, a closed pipe, exit codes that are never crashes. Runs
# against each tool that has a cmd/crm-*.c, so a new tool is covered at once.

setup() {
	load helpers
	shopt -s nullglob
	TOOLS=()
	for src in "$BATS_TEST_DIRNAME"/../../cmd/crm-*.c; do
		TOOLS+=("$(basename "$src" .c)")
	done
	[ "${#TOOLS[@]}" -gt 0 ]
}

@test "--help: usage on stdout, nothing on stderr, exit 0" {
	for t in "${TOOLS[@]}"; do
		run -0 --separate-stderr "$t" --help
		[[ "${lines[0]}" == "usage: $t "* ]]
		[ -z "$stderr" ]
		run -0 --separate-stderr "$t" -h
		[[ "${lines[0]}" == "usage: $t "* ]]
	done
}

@test "--version: one line naming the tool, exit 0" {
	for t in "${TOOLS[@]}"; do
		run -0 --separate-stderr "$t" --version
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "$t (crm-tools) "* ]]
		[ -z "$stderr" ]
	done
}

@test "an unknown option: one-line error naming it, a hint, exit 64" {
	for t in "${TOOLS[@]}"; do
		run -64 --separate-stderr "$t" --no-such-option
		[ -z "$output" ]
		[[ "$stderr" == "$t: unknown option '--no-such-option'"* ]]
		[[ "$stderr" == *"Try '$t --help'"* ]]
	done
}

@test "a missing store is exit 66 with its path, never a crash" {
	for t in "${TOOLS[@]}"; do
		case "$t" in
		crm-import) run -66 --separate-stderr "$t" --list ;;
		crm-dedupe) run -66 --separate-stderr "$t" < /dev/null ;; # reads stdin only with --stream
		crm-forget) run -66 --separate-stderr "$t" 1 ;;
		*) run -66 --separate-stderr "$t" --all < /dev/null ;;
		esac
		[[ "$stderr" == *"no store at $CRM_DB"* ]]
	done
}

@test "help output to a closed pipe: no 'Broken pipe' noise" {
	for t in "${TOOLS[@]}"; do
		run --separate-stderr bash -c "set -o pipefail; '$t' --help | head -c 1 > /dev/null"
		[ "$status" -eq 0 ] || [ "$status" -eq 141 ]
		[[ "$stderr" != *"Broken pipe"* ]]
		[[ "$stderr" != *"write error"* ]]
	done
}

@test "writing results to /dev/full reports a write error and exits 74" {
	for t in "${TOOLS[@]}"; do
		run -74 --separate-stderr bash -c "'$t' --help > /dev/full"
		[[ "$stderr" == *"write error"* ]]
	done
}
