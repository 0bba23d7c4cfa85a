#!/bin/sh
# report-shot.sh OUT.png [HTML]: the HTML report of the hand-made data set
# (in the language REPORT_LANG names: en, zh-CN or zh-TW; default en)
# (tests/data/report, as of 2026-11-23) rendered by headless Chromium into
# OUT.png; the page itself is kept as HTML (default OUT.png with .html).
# Exit 77 when chromium is not installed. Used by `make report-shot` and by
# tests/cli/report.bats.
set -eu
out=$1
html=${2:-${out%.png}.html}
here=$(cd "$(dirname "$0")" && pwd)
: "${CRM_BIN:?CRM_BIN must point at the built binaries}"
command -v chromium > /dev/null 2>&1 || { echo "report-shot: chromium is not installed" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CRM_DB="$tmp/crm.db" CRM_CONFIG= CRM_TODAY=2026-11-23 LC_ALL=C.UTF-8
export XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data"
for f in customers orders tickets interactions; do
	"$CRM_BIN/crm-import" -q "$here/data/report/$f.csv"
done
printf 'report:\n  lang: %s\n  targets:\n    churn_rate: {max: 0.05}\n    revenue: {min: 500}\n' \
	"${REPORT_LANG:-en}" > "$tmp/c.yaml"
"$CRM_BIN/crm-report" --config "$tmp/c.yaml" --format html > "$html"
# Chromium wants a writable home for its profile; keep it in the temp dir.
HOME="$tmp" chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$tmp/profile" --screenshot="$out" --window-size=1000,2000 \
	"file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")" > "$tmp/chromium.log" 2>&1 ||
	{ cat "$tmp/chromium.log" >&2; exit 1; }
[ -s "$out" ] || { echo "report-shot: no screenshot written" >&2; cat "$tmp/chromium.log" >&2; exit 1; }
