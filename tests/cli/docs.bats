#!/usr/bin/env bats
# Help, man pages and completions agree (STYLE practice 14); man pages are
# mandoc-clean; bash completion completes option names and option values.

setup() {
	load helpers
	ROOT="$BATS_TEST_DIRNAME/../.."
}

# The long options TOOL --help prints, one a line.
long_options() {
	"$1" --help | grep -o -- '--[a-z][a-z-]*' | sort -u
}

@test "every long option of each tool's --help is in its man page" {
	local src tool opt missing=
	for src in "$ROOT"/cmd/crm-*.c; do
		tool=$(basename "$src" .c)
		[ -f "$ROOT/man/$tool.1" ] || { echo "no man/$tool.1"; return 1; }
		run -0 --separate-stderr "$tool" --help
		[ -n "$output" ]
		[ -z "$stderr" ]
		for opt in $(long_options "$tool"); do
			# mdoc writes --opt as "Fl -opt".
			grep -qE -- "Fl -${opt#--}([^a-z-]|\$)" "$ROOT/man/$tool.1" ||
				missing="$missing $tool:$opt"
		done
	done
	[ -z "$missing" ] || { echo "missing from man pages:$missing"; return 1; }
}

@test "every long option of each tool's --help is in all three completion files" {
	local src tool opt f missing=
	for src in "$ROOT"/cmd/crm-*.c; do
		tool=$(basename "$src" .c)
		for opt in $(long_options "$tool"); do
			# bash lists "--opt"; zsh "--opt" in a spec; fish "|opt|" in a table.
			grep -qE -- "(^|[^a-z-])${opt}([^a-z-]|\$)" "$ROOT/completions/crm.bash" ||
				missing="$missing crm.bash:$opt"
			grep -qE -- "(^|[^a-z-])${opt}([^a-z-]|\$)" "$ROOT/completions/crm.zsh" ||
				missing="$missing crm.zsh:$opt"
			grep -qF -- "|${opt#--}|" "$ROOT/completions/crm.fish" ||
				missing="$missing crm.fish:$opt"
		done
		# and the tool itself is known to each file
		grep -qF -- "$tool" "$ROOT/completions/crm.bash" || missing="$missing crm.bash:$tool"
		grep -qF -- "$tool" "$ROOT/completions/crm.zsh" || missing="$missing crm.zsh:$tool"
		grep -qF -- "'${tool#crm-}|" "$ROOT/completions/crm.fish" || missing="$missing crm.fish:$tool"
	done
	[ -z "$missing" ] || { echo "missing from completions:$missing"; return 1; }
}

@test "mandoc -T lint -W warning is silent for every man page" {
	run -0 --separate-stderr mandoc -T lint -W warning "$ROOT"/man/*.[1-9]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

# complete WORD... : run the bash completion for a command line whose last
# word is being completed; prints COMPREPLY one a line.
complete_line() {
	bash --norc --noprofile -c '
		source "$1/completions/crm.bash" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_crm || exit 1
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$ROOT" "$@"
}

@test "bash: crm-import --kind <TAB> offers the kinds" {
	run -0 --separate-stderr complete_line crm-import --kind ""
	[ -z "$stderr" ]
	[[ $'\n'"$output"$'\n' == *$'\norders\n'* ]]
	[[ $'\n'"$output"$'\n' == *$'\ncustomers\n'* ]]
}

@test "bash: crm-import --enc<TAB> completes --encoding" {
	run -0 --separate-stderr complete_line crm-import --enc
	[ -z "$stderr" ]
	[ "$output" = "--encoding" ]
}

@test "bash: crm import --kind <TAB> completes like crm-import" {
	run -0 --separate-stderr complete_line crm import --kind o
	[ -z "$stderr" ]
	[ "$output" = "orders" ]
}

@test "bash: crm <TAB> offers the installed tools and help" {
	run -0 --separate-stderr complete_line crm ""
	[ -z "$stderr" ]
	[[ $'\n'"$output"$'\n' == *$'\nimport\n'* ]]
	[[ $'\n'"$output"$'\n' == *$'\nhelp\n'* ]]
}

@test "bash: completion is registered for crm and crm-import" {
	run -0 --separate-stderr bash --norc --noprofile -c \
		'source "$1/completions/crm.bash" && complete -p crm crm-import' bash "$ROOT"
	[[ "$output" == *"-F _crm crm"* ]]
	[[ "$output" == *"-F _crm crm-import"* ]]
}

@test "bash: crm-segment --segment <TAB> offers the RFM segments and the configuration's own" {
	CRM_CONFIG="$DATA/sample/config.yaml" run -0 --separate-stderr complete_line crm-segment --segment ""
	[ -z "$stderr" ]
	for w in champions vip lapsed; do [[ $'\n'"$output"$'\n' == *$'\n'"$w"$'\n'* ]]; done
	run -0 complete_line crm-segment --config "$DATA/sample/config.yaml" --segment la
	[[ $'\n'"$output"$'\n' == *$'\nlapsed\n'* ]]
}

@test "fish: crm-segment --segment <TAB> offers the RFM segments and the configuration's own" {
	CRM_CONFIG="$DATA/sample/config.yaml" run -0 --separate-stderr fish --no-config -c \
		'source $argv[1]/completions/crm.fish; complete -C "crm-segment --segment "' "$ROOT"
	[ -z "$stderr" ]
	for w in champions rfm:at_risk vip lapsed; do [[ $'\n'"$output" == *$'\n'"$w"$'\t'* ]]; done
	run -0 fish --no-config -c 'source $argv[1]/completions/crm.fish
		complete -C "crm segment --config $argv[2] -s la"' "$ROOT" "$DATA/sample/config.yaml"
	[[ "$output" == "lapsed"$'\t'* ]]
	[ "${#lines[@]}" -eq 1 ]
}

@test "zsh: the --segment values are the RFM segments and the configuration's own" {
	grep -qF -- "[keep only customers in a segment]:segment:_crm_segments'" "$ROOT/completions/crm.zsh"
	# _crm_segments with compadd replaced by a printer (the completion
	# system itself needs a terminal); opt_args is what _arguments fills.
	cd "$BATS_TEST_TMPDIR"
	cat > zt.zsh <<-'EOF2'
	_arguments() { :; }; _describe() { :; }; _files() { :; }; compadd() { :; }
	source "$1/completions/crm.zsh"
	compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2}; }
	typeset -A opt_args
	[[ -n $2 ]] && opt_args[--config]=$2
	_crm_segments
	EOF2
	CRM_CONFIG="$DATA/sample/config.yaml" run -0 --separate-stderr zsh -f zt.zsh "$ROOT"
	for w in champions lifecycle:new vip lapsed; do [[ $'\n'"$output"$'\n' == *$'\n'"$w"$'\n'* ]]; done
	CRM_CONFIG= run -0 --separate-stderr zsh -f zt.zsh "$ROOT" "$DATA/sample/config.yaml"
	[[ $'\n'"$output"$'\n' == *$'\nlapsed\n'* ]]
	CRM_CONFIG=/nonexistent run -0 --separate-stderr zsh -f zt.zsh "$ROOT"
	[[ "$output" != *lapsed* ]]
	[[ $'\n'"$output"$'\n' == *$'\nchampions\n'* ]]
}

@test "bash: one option and one option value complete for every tool" {
	while read -r tool opt want_opt valopt want_val; do
		run -0 --separate-stderr complete_line "crm-$tool" "$opt"
		[ -z "$stderr" ]
		[[ $'\n'"$output"$'\n' == *$'\n'"$want_opt"$'\n'* ]] || { echo "$tool $opt: $output"; false; }
		[ "$valopt" = - ] && continue
		run -0 --separate-stderr complete_line "crm-$tool" "$valopt" ""
		[[ $'\n'"$output"$'\n' == *$'\n'"$want_val"$'\n'* ]] || { echo "$tool $valopt: $output"; false; }
	done <<-EOF2
	import --dry --dry-run --kind tickets
	dedupe --merge-t --merge-threshold --encoding gbk
	segment --summ --summary --by lifecycle
	score --disc --discount-rate --unit week
	report --check --check-targets --format html
	remind --by-o --by-owner -f ics
	forget --dry --dry-run - -
	EOF2
}

@test "bash: --format offers xlsx and --output completes file names, for the four tools" {
	mkdir -p "$BATS_TEST_TMPDIR/d" && cd "$BATS_TEST_TMPDIR/d" && : > report.xlsx
	for tool in segment score report remind; do
		run -0 --separate-stderr complete_line "crm-$tool" --format x
		[ "$output" = xlsx ] || { echo "$tool: $output"; false; }
		run -0 --separate-stderr complete_line "crm-$tool" --output rep
		[ "$output" = report.xlsx ] || { echo "$tool: $output"; false; }
		run -0 --separate-stderr complete_line "crm-$tool" --outp
		[ "$output" = --output ] || { echo "$tool: $output"; false; }
	done
	# -o is --output, except for crm-remind, where it is --owner
	run -0 complete_line crm-segment -o rep
	[ "$output" = report.xlsx ]
	run -0 complete_line crm-remind -o rep
	[ -z "$output" ]
}

@test "zsh and fish completions parse" {
	command -v zsh >/dev/null || skip "no zsh"
	run -0 --separate-stderr zsh -n "$ROOT/completions/crm.zsh"
	command -v fish >/dev/null || skip "no fish"
	run -0 --separate-stderr fish --no-execute "$ROOT/completions/crm.fish"
}
