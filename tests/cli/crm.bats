#!/usr/bin/env bats
# The crm dispatcher: help, version, running tools, errors.

setup() {
	load helpers
}

@test "crm --version prints the version and exits 0" {
	run -0 --separate-stderr crm --version
	[[ "$output" == "crm (crm-tools) "* ]]
	[ -z "$stderr" ]
}

@test "crm with no arguments is a usage error (64)" {
	run -64 --separate-stderr crm
	[[ "$stderr" == *"usage: crm TOOL"* ]]
}

@test "crm help lists exactly the installed tools" {
	run -0 --separate-stderr crm help
	shopt -s nullglob
	srcs=("$BATS_TEST_DIRNAME"/../../cmd/crm-*.c)
	for src in "${srcs[@]}"; do
		t=$(basename "$src" .c); t=${t#crm-}
		[[ "$output" == *"  $t "* ]]
	done
	n_listed=$(printf '%s\n' "$output" | grep -c '^  [a-z]' || true)
	[ "$n_listed" -eq "${#srcs[@]}" ]
}

@test "crm with an unknown tool says so and exits 64" {
	run -64 --separate-stderr crm frobnicate
	[[ "$stderr" == *"'frobnicate' is not a crm tool"* ]]
}

@test "crm with an unknown option exits 64" {
	run -64 --separate-stderr crm --bogus
	[[ "$stderr" == *"unknown option"* ]]
}
