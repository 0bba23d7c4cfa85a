# fish completion for crm-tools: crm (the dispatcher) and crm-TOOL.
# Commands completed: crm crm-import crm-dedupe crm-segment crm-score crm-report crm-remind crm-forget (one per entry of __crm_tools below).
# fish loads completions by command name: install this file as crm.fish and
# link crm-TOOL.fish to it for each tool.
#
# To add a tool, extend the tables below: its name and summary in
# __crm_tools, and its options in __crm_opts_TOOL as lines of
# "short|long|r|description|values" (r: takes an argument; values: a word
# list, @file for file names, "@segments WORDS" for the words and the
# configuration's rule segments, empty for a free value). A tool with command
# words (crm-remind list ...) lists them in __crm_cmds_TOOL as "word|description".
# tests/cli/docs.bats checks every --help option is listed here.

set -g __crm_tools \
    'import|load customers, orders, interactions and tickets from CSV/TSV exports' \
    'dedupe|find duplicate customers, merge them reversibly, or label duplicates in a file' \
    'segment|RFM scores and segments, lifecycle stages, rule segments' \
    'score|purchase-model scores: P(alive), expected purchases, CLV, health, lead score' \
    'report|KPI report of a period against the previous period, last year and targets' \
    'remind|follow-ups due today: cadence, onboarding, complaint SLA, win-back, birthdays' \
    'forget|erase customers completely from the store'

set -g __crm_common \
    '|db|r|store file|@file' \
    '|config|r|configuration file|@file' \
    '|as-of|r|take DATE (YYYY-MM-DD) as today|' \
    'q|quiet||no summary on stderr|' \
    't|tsv||write TSV instead of CSV|' \
    '|excel-safe||neutralise cells starting with = + - @|' \
    'h|help||show help and exit|' \
    '|version||show the version and exit|'

set -g __crm_opts_import \
    'k|kind|r|what the files hold|customers orders interactions tickets' \
    '|source|r|system the external ids come from|' \
    '|create-missing||create customers that rows name but the store lacks|' \
    'e|encoding|r|input encoding|utf-8 gbk gb18030 big5 utf-16' \
    'd|delimiter|r|input delimiter|, tab ;' \
    'r|rejects|r|reject file|@file' \
    '|redact||no personal data in the reject file and messages|' \
    'n|dry-run||check everything, write nothing to the store|' \
    'm|map||show how the columns map to fields, import nothing|' \
    '|emit||write the customers imported as a stream on stdout|' \
    '|list||show the import log|' \
    '|undo|r|revert one whole import|' \
    '|sheet|r|workbooks: the sheet to read, by name or number|' \
    '|list-sheets||show the sheets of a workbook with their rows and columns|'

set -g __crm_opts_dedupe \
    '|merge||merge the pairs at or above the merge threshold|' \
    '|review|r|write the pairs for a person to decide to FILE|@file' \
    '|apply|r|carry out the decisions of an edited review file|@file' \
    '|undo|r|put back what merge MERGE_ID changed|' \
    '|list-merges||write the merge log and exit|' \
    '|stream||label the duplicates in FILE or standard input instead of the store|' \
    '|ignore|r|with --stream, do not compare COLUMN|' \
    '|encoding|r|with --stream, input encoding|utf-8 gbk gb18030 big5 utf-16' \
    '|sheet|r|with --stream or --apply, for a workbook: the sheet to read|' \
    '|merge-threshold|r|probability at or above which a pair is one customer|' \
    '|review-threshold|r|probability from which a pair is shown|' \
    '|all-pairs|r|write every compared pair with its score to FILE|@file' \
    '|explain||write the fitted model instead of the pairs|' \
    '|mask||show e-mails and phones masked|'

set -g __crm_opts_segment \
    'w|where|r|keep only customers for whom EXPR holds|' \
    's|segment|r|keep only customers in a segment|@segments champions potential_loyalist promising need_attention about_to_sleep cant_lose lost hibernating others lead active repeat churned reactivated rfm:new rfm:loyal rfm:at_risk lifecycle:new lifecycle:loyal lifecycle:at_risk' \
    '|summary||customers and revenue per segment instead of the stream|' \
    '|by|r|group --summary and --migration by|rfm_segment lifecycle rules' \
    '|format|r|format of --summary and --migration; xlsx also the stream|text csv tsv xlsx' \
    'o|output|r|write the results to FILE|@file' \
    '|save||record the segments in the store history under the --as-of day|' \
    '|migration|r|moves between segments since the history saved on DATE|' \
    '|explain||print the definitions in use and exit|' \
    '|all||every customer in the store; ignore standard input|'

set -g __crm_opts_score \
    'u|unit|r|time unit of frequency, recency and T|week day' \
    'H|horizon|r|horizon of expected_purchases and clv, in days|' \
    '|discount-rate|r|annual discount rate of clv|' \
    '|margin|r|profit margin of clv, 0.001-1|' \
    '|calibration-end|r|fit on orders up to DATE; hold out the rest|' \
    '|holdout||predicted against actual purchases in the holdout|' \
    '|params||print the fitted parameters instead of the stream|' \
    '|format|r|format of --params and --holdout; xlsx also the stream|text csv tsv xlsx' \
    'o|output|r|write the results to FILE|@file' \
    '|save||record the scores and parameters in the store|' \
    '|all||every customer in the store; ignore standard input|'

set -g __crm_opts_forget \
    'n|dry-run||count what would be erased; change nothing|' \
    'e|external||the IDs are external ids|'

set -g __crm_opts_report \
    'p|period|r|month, quarter or year (2026-10, 2026-Q3, 2026)|' \
    '|from|r|first day of a period of your own (YYYY-MM-DD)|' \
    '|to|r|last day of the period; with --mail an address|' \
    '|by|r|split the KPI table by a stream column or customer field|region owner source city country industry size channel status tags rfm_segment lifecycle' \
    'f|format|r|output format|text csv tsv json markdown html xlsx' \
    'o|output|r|write the report to FILE|@file' \
    '|section|r|only this section|kpi trend segments cohorts top at-risk' \
    '|cohorts|r|months in the cohort triangle|' \
    '|top|r|rows of the customer lists|' \
    '|check-targets||exit 1 when a KPI misses its target|' \
    '|quiet-if-ok||print nothing when no KPI misses its target|' \
    '|lang|r|language of the labels|en zh-CN zh-TW' \
    '|mail||write a MIME message for sendmail -t|' \
    '|subject|r|subject of the message|' \
    '|explain||print the definitions in use and exit|' \
    '|all||every customer in the store; ignore standard input|'

set -g __crm_opts_remind \
    'o|owner|r|only the reminders of this owner|' \
    '|by-owner||group the list by owner|' \
    'f|format|r|output format|text csv tsv json ics xlsx' \
    '|output|r|write the list to FILE|@file' \
    '|template|r|message template with {{column}} placeholders|@file' \
    '|template-dir|r|message templates by language (LANG.txt, default.txt)|@dir' \
    '|status|r|with list, the reminders with this status|open done snoozed cancelled all' \
    '|note|r|with done, a note for the interaction logged|' \
    '|until|r|with snooze, hide until DATE (YYYY-MM-DD)|' \
    '|days|r|with snooze, hide for N days|' \
    '|all||every customer in the store; ignore standard input|' \
    '|mask||show contacts masked|' \
    '|mail||one MIME message per owner, as an mbox stream|' \
    '|subject|r|with --mail, the subject|' \
    '|from|r|with --mail, the From address|' \
    '|apply||with reclaim, clear the owners of the customers listed|' \
    '|restore|r|with reclaim, give a run'"'"'s customers their owner back|'

set -g __crm_cmds_remind \
    'list|stored reminders' \
    'done|mark a reminder done, logging an interaction' \
    'snooze|hide a reminder until a day' \
    'reclaim|customers due back to the shared pool'

# True when the crm command line has no tool yet.
function __crm_no_tool
    set -l words (commandline -opc)
    test (count $words) -eq 1
end

# True when the crm command line's tool is $argv[1].
function __crm_using
    set -l words (commandline -opc)
    test (count $words) -ge 2; and test "$words[2]" = $argv[1]
end

# True when the command line of tool $argv[1] (crm-TOOL or "crm TOOL") has
# none of its command words yet; option values ("--status done") do not count.
function __crm_no_cmd
    set -l words (commandline -opc)
    set -l table __crm_cmds_$argv[1]
    set -l cmds (string replace -r '\|.*' '' -- $$table)
    set -l opts __crm_opts_$argv[1]
    set -l takes
    for line in $$opts $__crm_common
        set -l f (string split '|' -- $line)
        test "$f[3]" = r; or continue
        set -a takes --$f[2]
        test -n "$f[1]"; and set -a takes -$f[1]
    end
    set -l prev
    for w in $words[2..-1]
        if not contains -- $prev $takes; and contains -- $w $cmds
            return 1
        end
        set prev $w
    end
    return 0
end

# The configuration's rule segments (the keys under "segments:" of --config
# on the line, else $CRM_CONFIG, else the XDG default).
function __crm_config_segments
    set -l cfg $CRM_CONFIG
    test -n "$cfg"; or set -l cfg (set -q XDG_CONFIG_HOME; and echo $XDG_CONFIG_HOME; or echo $HOME/.config)/crm/config.yaml
    set -l words (commandline -opc)
    for i in (seq (count $words))
        if test "$words[$i]" = --config; and test $i -lt (count $words)
            set cfg $words[(math $i + 1)]
        else if string match -q -- '--config=*' $words[$i]
            set cfg (string replace -- '--config=' '' $words[$i])
        end
    end
    test -r "$cfg"; or return 0
    set -l in_segments 0
    while read -l line
        if string match -qr '^segments:' -- $line
            set in_segments 1
        else if string match -qr '^[^ \t#]' -- $line
            set in_segments 0
        else if test $in_segments = 1
            string match -r --groups-only '^[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*:' -- $line
        end
    end < $cfg
end

# Register the options of tool $argv[1] for crm-TOOL and for "crm TOOL".
function __crm_register
    set -l tool $argv[1]
    set -l table __crm_opts_$tool
    for line in $$table $__crm_common
        set -l f (string split '|' -- $line)
        set -l args
        test -n "$f[1]"; and set -a args -s $f[1]
        set -a args -l $f[2] -d $f[4]
        if test "$f[3]" = r
            if test "$f[5]" = @file
                set -a args -r
            else if string match -q '@segments *' -- $f[5]
                set -a args -x -a "(__crm_config_segments) "(string replace '@segments ' '' -- $f[5])
            else if test "$f[5]" = @dir
                set -a args -x -a '(__fish_complete_directories)'
            else if test -n "$f[5]"
                # -a is expanded like a command line: escape ";" and friends
                set -a args -x -a (string join ' ' -- (string escape -- (string split ' ' -- $f[5])))
            else
                set -a args -x
            end
        end
        complete -c crm-$tool $args
        complete -c crm -n "__crm_using $tool" $args
    end
    set -l cmds __crm_cmds_$tool
    for line in $$cmds
        set -l f (string split '|' -- $line)
        complete -c crm-$tool -f -n "__crm_no_cmd $tool" -a $f[1] -d $f[2]
        complete -c crm -f -n "__crm_using $tool; and __crm_no_cmd $tool" -a $f[1] -d $f[2]
    end
end

for line in $__crm_tools
    set -l f (string split '|' -- $line)
    complete -c crm -f -n __crm_no_tool -a $f[1] -d $f[2]
    __crm_register $f[1]
end
complete -c crm -f -n __crm_no_tool -a help -d 'list the tools, or show a tool\'s manual'
complete -c crm -f -n __crm_no_tool -l help -d 'show help and exit'
complete -c crm -f -n __crm_no_tool -l version -d 'show the version and exit'
complete -c crm -f -n '__crm_using help' -a "(string replace -r '\|.*' '' -- \$__crm_tools)"
