# bash completion for crm-tools: crm (the dispatcher) and crm-TOOL.
# Installed as .../bash-completion/completions/crm, with crm-TOOL linked to it.
#
# To add a tool, extend the tables below: its name in _crm_tools, its options
# in _crm_opts[TOOL], and what its option arguments complete to in
# _crm_args["TOOL OPTION"] (a word list, "@segments WORDS" for the words and
# the configuration's rule segments, @file for file names, @dir for
# directories, @none for a
# free value). A tool with command words (crm-remind list ...) lists them in
# _crm_cmds[TOOL]: they complete as its first argument, and no file names do.
# tests/cli/docs.bats checks every --help option is listed here.

_crm_tools=(import dedupe segment score report remind forget)

declare -A _crm_opts=(
	[import]="-k --kind --source --create-missing -e --encoding -d --delimiter
		-r --rejects --redact -n --dry-run -m --map --emit --list --undo --sheet --list-sheets
		--db --config --as-of -q --quiet -t --tsv --excel-safe -h --help --version"
	[dedupe]="--merge --review --apply --undo --list-merges --stream --ignore
		--encoding --sheet --merge-threshold --review-threshold --all-pairs --explain --mask
		--db --config --as-of -q --quiet -t --tsv --excel-safe -h --help --version"
	[segment]="-w --where -s --segment --summary --by --format -o --output --save --migration
		--explain --all --db --config --as-of -q --quiet -t --tsv --excel-safe
		-h --help --version"
	[score]="-u --unit -H --horizon --discount-rate --margin --calibration-end
		--holdout --params --format -o --output --save --all --db --config --as-of -q --quiet
		-t --tsv --excel-safe -h --help --version"
	[report]="-p --period --from --to --by -f --format -o --output --section --cohorts --top
		--check-targets --quiet-if-ok --lang --mail --subject --explain --all --db --config
		--as-of -q --quiet -t --tsv --excel-safe -h --help --version"
	[remind]="-o --owner --by-owner -f --format --output --template --template-dir --status --note --until
		--days --all --apply --restore --mask --mail --subject --from --db --config --as-of -q --quiet -t --tsv --excel-safe
		-h --help --version"
	[forget]="-n --dry-run -e --external --db --config --as-of -q --quiet -t --tsv
		--excel-safe -h --help --version"
)

declare -A _crm_cmds=(
	[remind]="list done snooze reclaim"
)

declare -A _crm_args=(
	["import -k"]="customers orders interactions tickets"
	["import --kind"]="customers orders interactions tickets"
	["import -e"]="utf-8 gbk gb18030 big5 utf-16"
	["import --encoding"]="utf-8 gbk gb18030 big5 utf-16"
	["import -d"]=", tab ;"
	["import --delimiter"]=", tab ;"
	["import -r"]=@file
	["import --rejects"]=@file
	["import --source"]=@none
	["import --undo"]=@none
	["import --sheet"]=@none
	["import --db"]=@file
	["import --config"]=@file
	["import --as-of"]=@none
	["dedupe --review"]=@file
	["dedupe --apply"]=@file
	["dedupe --undo"]=@none
	["dedupe --ignore"]=@none
	["dedupe --sheet"]=@none
	["dedupe --encoding"]="utf-8 gbk gb18030 big5 utf-16"
	["dedupe --merge-threshold"]=@none
	["dedupe --review-threshold"]=@none
	["dedupe --all-pairs"]=@file
	["dedupe --db"]=@file
	["dedupe --config"]=@file
	["dedupe --as-of"]=@none
	["segment -w"]=@none
	["segment --where"]=@none
	["segment -s"]="@segments champions potential_loyalist promising need_attention about_to_sleep cant_lose lost hibernating others lead active repeat churned reactivated rfm:new rfm:loyal rfm:at_risk lifecycle:new lifecycle:loyal lifecycle:at_risk"
	["segment --segment"]="@segments champions potential_loyalist promising need_attention about_to_sleep cant_lose lost hibernating others lead active repeat churned reactivated rfm:new rfm:loyal rfm:at_risk lifecycle:new lifecycle:loyal lifecycle:at_risk"
	["segment --by"]="rfm_segment lifecycle rules"
	["segment --format"]="text csv tsv xlsx"
	["segment -o"]=@file
	["segment --output"]=@file
	["segment --migration"]=@none
	["segment --db"]=@file
	["segment --config"]=@file
	["segment --as-of"]=@none
	["score -u"]="week day"
	["score --unit"]="week day"
	["score -H"]=@none
	["score --horizon"]=@none
	["score --discount-rate"]=@none
	["score --margin"]=@none
	["score --calibration-end"]=@none
	["score --format"]="text csv tsv xlsx"
	["score -o"]=@file
	["score --output"]=@file
	["score --db"]=@file
	["score --config"]=@file
	["score --as-of"]=@none
	["report -p"]=@none
	["report --period"]=@none
	["report --from"]=@none
	["report --to"]=@none
	["report --by"]="region owner source city country industry size channel status tags rfm_segment lifecycle"
	["report -f"]="text csv tsv json markdown html xlsx"
	["report --format"]="text csv tsv json markdown html xlsx"
	["report -o"]=@file
	["report --output"]=@file
	["report --section"]="kpi trend segments cohorts top at-risk"
	["report --cohorts"]=@none
	["report --top"]=@none
	["report --lang"]="en zh-CN zh-TW"
	["report --subject"]=@none
	["report --db"]=@file
	["report --config"]=@file
	["report --as-of"]=@none
	["remind -o"]=@none
	["remind --owner"]=@none
	["remind -f"]="text csv tsv json ics xlsx"
	["remind --format"]="text csv tsv json ics xlsx"
	["remind --output"]=@file
	["remind --template"]=@file
	["remind --template-dir"]=@dir
	["remind --status"]="open done snoozed cancelled all"
	["remind --restore"]=@none
	["remind --subject"]=@none
	["remind --from"]=@none
	["remind --note"]=@none
	["remind --until"]=@none
	["remind --days"]=@none
	["remind --db"]=@file
	["remind --config"]=@file
	["remind --as-of"]=@none
)

# _crm_complete_tool TOOL FIRST: complete COMP_WORDS[FIRST..COMP_CWORD] as
# arguments of crm-TOOL (FIRST is the index of the tool's first argument).
_crm_complete_tool()
{
	local tool=$1 first=$2 cur prev spec i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > first)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# --option=value: one word, or three when COMP_WORDBREAKS splits at "="
	if [[ $cur == = ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD - 2 >= first)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	fi
	spec=${_crm_args["$tool $prev"]-}
	if [[ -n $spec ]]; then
		case $spec in
		@file) COMPREPLY=($(compgen -f -- "$cur")) ;;
		@dir) COMPREPLY=($(compgen -d -- "$cur")) ;;
		@none) COMPREPLY=() ;;
		@segments\ *) COMPREPLY=($(compgen -W "${spec#@segments } $(_crm_config_segments)" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "$spec" -- "$cur")) ;;
		esac
		return 0
	fi
	# After "--", only files.
	for ((i = first; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
			return 0
		fi
	done
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${_crm_opts[$tool]-}" -- "$cur"))
	elif [[ -n ${_crm_cmds[$tool]+set} ]]; then
		# A command word, unless one was given already (then an id or
		# nothing follows); option values are not command words.
		for ((i = first; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == -* || ${COMP_WORDS[i]} == = ]] && continue
			((i > first)) && [[ -n ${_crm_args["$tool ${COMP_WORDS[i - 1]}"]-} ]] && continue
			[[ " ${_crm_cmds[$tool]} " == *" ${COMP_WORDS[i]} "* ]] && return 0
		done
		COMPREPLY=($(compgen -W "${_crm_cmds[$tool]}" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
	return 0
}

# The rule segments of the configuration (--config, else $CRM_CONFIG, else
# the XDG default): the keys under "segments:".
_crm_config_segments()
{
	local cfg=${CRM_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/crm/config.yaml} i
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == --config ]] && cfg=${COMP_WORDS[i + 1]}
		[[ ${COMP_WORDS[i]} == --config=* ]] && cfg=${COMP_WORDS[i]#--config=}
	done
	[[ -r $cfg ]] || return 0
	awk '/^segments:/ { in_s = 1; next } /^[^ \t#]/ { in_s = 0 }
	     in_s && /^[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*:/ { sub(/^[ \t]+/, ""); sub(/[ \t]*:.*/, ""); print }' "$cfg"
}

# The tools of the table that are installed (all of them when none is found).
_crm_installed()
{
	local t found=()
	for t in "${_crm_tools[@]}"; do
		type -P "crm-$t" >/dev/null 2>&1 && found+=("$t")
	done
	((${#found[@]})) || found=("${_crm_tools[@]}")
	echo "${found[*]}"
}

_crm()
{
	local cmd=${COMP_WORDS[0]##*/} tool
	COMPREPLY=()
	if [[ $cmd == crm-* ]]; then
		_crm_complete_tool "${cmd#crm-}" 1
		return 0
	fi
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "$(_crm_installed) help --help --version" -- "${COMP_WORDS[1]}"))
		return 0
	fi
	tool=${COMP_WORDS[1]}
	if [[ $tool == help ]]; then
		((COMP_CWORD == 2)) &&
			COMPREPLY=($(compgen -W "$(_crm_installed)" -- "${COMP_WORDS[2]}"))
		return 0
	fi
	[[ -n ${_crm_opts[$tool]+set} ]] && _crm_complete_tool "$tool" 2
	return 0
}

complete -o filenames -F _crm crm crm-import crm-dedupe crm-segment crm-score crm-report crm-remind crm-forget
