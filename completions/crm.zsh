#compdef crm crm-import crm-dedupe crm-segment crm-score crm-report crm-remind crm-forget
# zsh completion for crm-tools: crm (the dispatcher) and crm-TOOL.
# Installed as _crm in a directory on $fpath (make install: site-functions).
#
# To add a tool, extend the tables below: its name and summary in
# _crm_tools, its _arguments specs in _crm_specs_TOOL, and its name in the
# #compdef line above. tests/cli/docs.bats checks every --help option is here.

_crm_tools=(
  'import:load customers, orders, interactions and tickets from CSV/TSV exports'
  'dedupe:find duplicate customers, merge them reversibly, or label duplicates in a file'
  'segment:RFM scores and segments, lifecycle stages, rule segments'
  'score:purchase-model scores: P(alive), expected purchases, CLV, health, lead score'
  'report:KPI report of a period against the previous period, last year and targets'
  'remind:follow-ups due today: cadence, onboarding, complaint SLA, win-back, birthdays'
  'forget:erase customers completely from the store'
)

_crm_common=(
  '--db=[store file]:store file:_files'
  '--config=[configuration file]:config file:_files'
  '--as-of=[take DATE as today]:date (YYYY-MM-DD): '
  '(-q --quiet)'{-q,--quiet}'[no summary on stderr]'
  '(-t --tsv)'{-t,--tsv}'[write TSV instead of CSV]'
  '--excel-safe[neutralise cells starting with = + - @]'
  '(- *)'{-h,--help}'[show help and exit]'
  '(- *)--version[show the version and exit]'
)

_crm_specs_import=(
  '(-k --kind)'{-k+,--kind=}'[what the files hold]:kind:(customers orders interactions tickets)'
  '--source=[system the external ids come from]:source name: '
  '--create-missing[create customers that rows name but the store lacks]'
  '(-e --encoding)'{-e+,--encoding=}'[input encoding]:encoding:(utf-8 gbk gb18030 big5 utf-16)'
  '(-d --delimiter)'{-d+,--delimiter=}'[input delimiter]:delimiter:((,\:comma tab\:tab \;\:semicolon))'
  '(-r --rejects)'{-r+,--rejects=}'[reject file]:reject file:_files'
  '--redact[no personal data in the reject file and messages]'
  '(-n --dry-run)'{-n,--dry-run}'[check everything, write nothing]'
  '(-m --map)'{-m,--map}'[show how the columns map to fields]'
  '--emit[write the customers imported as a stream]'
  '(--undo *)--list[show the import log]'
  '(--list *)--undo=[revert one whole import]:import id: '
  '--sheet=[workbooks: the sheet to read, by name or number]:sheet: '
  '(--list --undo)--list-sheets[show the sheets of a workbook with their rows and columns]'
  '*:input file:_files'
)

_crm_specs_dedupe=(
  '(--stream --apply --undo --list-merges)--merge[merge the pairs at or above the merge threshold]'
  '(--stream --apply --undo --list-merges)--review=[write the pairs for a person to decide to FILE]:review file:_files'
  '(--stream --merge --review --undo --list-merges)--apply=[carry out the decisions of an edited review file]:review file:_files'
  '(--stream --merge --review --apply --list-merges)--undo=[put back what merge MERGE_ID changed]:merge id: '
  '(--stream --merge --review --apply --undo)--list-merges[write the merge log and exit]'
  '(--merge --review --apply --undo --list-merges)--stream[label the duplicates in FILE or standard input instead of the store]'
  '*--ignore=[with --stream, do not compare COLUMN]:column: '
  '--encoding=[with --stream, input encoding]:encoding:(utf-8 gbk gb18030 big5 utf-16)'
  '--sheet=[with --stream or --apply, for a workbook: the sheet to read]:sheet: '
  '--merge-threshold=[probability at or above which a pair is one customer]:probability (0-1): '
  '--review-threshold=[probability from which a pair is shown]:probability (0-1): '
  '--all-pairs=[write every compared pair with its score to FILE]:pairs file:_files'
  '--explain[write the fitted model instead of the pairs]'
  '*:input file (with --stream):_files'
  '--mask[show e-mails and phones masked]'
)

_crm_specs_segment=(
  '(-w --where)'{-w+,--where=}'[keep only customers for whom EXPR holds]:rule expression: '
  '(-s --segment)'{-s+,--segment=}'[keep only customers in a segment]:segment:_crm_segments'
  '(--migration)--summary[customers and revenue per segment instead of the stream]'
  '--by=[group --summary and --migration by]:group:(rfm_segment lifecycle rules)'
  '--format=[format of --summary and --migration; xlsx also the stream]:format:(text csv tsv xlsx)'
  '(-o --output)'{-o+,--output=}'[write the results to a file]:file:_files'
  '--save[record the segments in the store history under the --as-of day]'
  '(--summary)--migration=[moves between segments since the history saved on DATE]:date (YYYY-MM-DD): '
  '--explain[print the definitions in use and exit]'
  '--all[every customer in the store; ignore standard input]'
)

_crm_specs_score=(
  '(-u --unit)'{-u+,--unit=}'[time unit of frequency, recency and T]:unit:(week day)'
  '(-H --horizon)'{-H+,--horizon=}'[horizon of expected_purchases and clv]:days: '
  '--discount-rate=[annual discount rate of clv]:rate (0-0.999): '
  '--margin=[profit margin of clv]:margin (0.001-1): '
  '--calibration-end=[fit on orders up to DATE; hold out the rest]:date (YYYY-MM-DD): '
  '(--params)--holdout[predicted against actual purchases in the holdout]'
  '(--holdout)--params[print the fitted parameters instead of the stream]'
  '--format=[format of --params and --holdout; xlsx also the stream]:format:(text csv tsv xlsx)'
  '(-o --output)'{-o+,--output=}'[write the results to a file]:file:_files'
  '--save[record the scores and parameters in the store]'
  '--all[every customer in the store; ignore standard input]'
)

_crm_specs_forget=(
  '(-n --dry-run)'{-n,--dry-run}'[count what would be erased; change nothing]'
  '(-e --external)'{-e,--external}'[the IDs are external ids]'
  '*:customer id: '
)

_crm_specs_report=(
  '(-p --period --from)'{-p+,--period=}'[month, quarter or year]:period (2026-10, 2026-Q3, 2026): '
  '(-p --period)--from=[first day of a period of your own]:date (YYYY-MM-DD): '
  '*--to=[last day of the period; with --mail an address]:date or address: '
  '--by=[split the KPI table by a stream column or customer field]:name:(region owner source city country industry size channel status tags rfm_segment lifecycle)'
  '(-f --format)'{-f+,--format=}'[output format]:format:(text csv tsv json markdown html xlsx)'
  '(-o --output)'{-o+,--output=}'[write the report to a file]:file:_files'
  '*--section=[only this section]:section:(kpi trend segments cohorts top at-risk)'
  '--cohorts=[months in the cohort triangle]:months: '
  '--top=[rows of the customer lists]:rows: '
  '--check-targets[exit 1 when a KPI misses its target]'
  '--quiet-if-ok[print nothing when no KPI misses its target]'
  '--lang=[language of the labels]:language:(en zh-CN zh-TW)'
  '--mail[write a MIME message for sendmail -t]'
  '--subject=[subject of the message]:subject: '
  '--explain[print the definitions in use and exit]'
  '--all[every customer in the store; ignore standard input]'
)

_crm_specs_remind=(
  '(-o --owner)'{-o+,--owner=}'[only the reminders of this owner]:owner: '
  '--by-owner[group the list by owner]'
  '(-f --format)'{-f+,--format=}'[output format]:format:(text csv tsv json ics xlsx)'
  '--output=[write the list to a file]:file:_files'
  '(--template-dir)--template=[message template with {{column}} placeholders]:template file:_files'
  '(--template)--template-dir=[message templates by language (LANG.txt, default.txt)]:template directory:_files -/'
  '--status=[with list, the reminders with this status]:status:(open done snoozed cancelled all)'
  '--note=[with done, a note for the interaction logged]:note: '
  '(--days)--until=[with snooze, hide until DATE]:date (YYYY-MM-DD): '
  '(--until)--days=[with snooze, hide for N days]:days: '
  '--all[every customer in the store; ignore standard input]'
  '--mask[show contacts masked]'
  '--mail[one MIME message per owner, as an mbox stream]'
  '--subject=[with --mail, the subject]:subject: '
  '--from=[with --mail, the From address]:address: '
  '(--restore)--apply[with reclaim, clear the owners of the customers listed]'
  '(--apply)--restore=[with reclaim, give a run'"'"'s customers their owner back]:run: '
  '1:command:((list\:"stored reminders" done\:"mark a reminder done, logging an interaction" snooze\:"hide a reminder until a day" reclaim\:"customers due back to the shared pool"))'
  '2:reminder id: '
)

# The segments --segment takes: the built-in RFM segments and lifecycle
# stages, and the configuration's rule segments (the keys under
# "segments:" of --config on the line, else $CRM_CONFIG, else the XDG
# default).
_crm_segments() {
  local cfg=${opt_args[--config]:-${CRM_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/crm/config.yaml}}
  local -a segs
  segs=(champions potential_loyalist promising need_attention about_to_sleep cant_lose lost hibernating others lead active repeat churned reactivated rfm:new rfm:loyal rfm:at_risk lifecycle:new lifecycle:loyal lifecycle:at_risk)
  [[ -r $cfg ]] && segs+=(${(f)"$(awk '/^segments:/ { in_s = 1; next } /^[^ \t#]/ { in_s = 0 }
    in_s && /^[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*:/ { sub(/^[ \t]+/, ""); sub(/[ \t]*:.*/, ""); print }' $cfg)"})
  compadd -a segs
}

_crm_tool() {
  local tool=$1 specs
  specs="_crm_specs_${tool}"
  (( ${(P)+specs} )) || { _files; return; }
  _arguments -s -S : "${(P@)specs}" "${_crm_common[@]}"
}

_crm() {
  local svc=${service:-$words[1]}
  if [[ $svc == crm-* ]]; then
    _crm_tool ${svc#crm-}
    return
  fi
  if (( CURRENT == 2 )); then
    _describe -t tools 'crm tool' _crm_tools
    compadd -- help --help --version
    return
  fi
  if [[ $words[2] == help ]]; then
    (( CURRENT == 3 )) && _describe -t tools 'crm tool' _crm_tools
    return
  fi
  local tool=$words[2]
  shift 1 words
  (( CURRENT-- ))
  _crm_tool $tool
}

_crm "$@"
