#!/usr/bin/env bash
# page_cli.sh: T3 (docs/FORMATS.md 19.7) on bundles made for it, end to end.
#  - A genuine bundle whose lawful names are long (1,000-byte region names
#    of '"', which the page writes as "&quot;", and 16 questions of 9,000
#    bytes) has a page of over 64 MiB: T3 passes, as the audit's page limit
#    is sized from the manifest.
#  - The page's HTML hides a marked value (the hidden attribute) and shows
#    other text beside it: T3 fails at its line.
#  - reports/ absent, or one of its renderings: the summary says what T3
#    did not compare, as it says when C3 did not run.
#
#   usage: bash tests/cli/page_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Hermetic (mktemp -d), non-interactive. Needs bash, coreutils, util-linux
# (setsid) and python3.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
PYTHON=${PYTHON3:-python3}
for tool in "$PYTHON" setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir page
run() { run_split "$@"; }

REGIONS=240 QUESTIONS=16
section "a referendum of $REGIONS regions with long names and $QUESTIONS long questions"
expect_ok "keygen: the central key" "" "$DAUYS" keygen --unencrypted -o central
echo R0000-0001 >ids.txt
expect_ok "keygen: the one precinct's key" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys
name=$(head -c 1000 /dev/zero | tr '\0' '"')
text=$(head -c 9000 /dev/zero | tr '\0' '"')
{
    printf 'format: dauys-manifest 1\nreferendum: long-names\ntitle: Long names\n'
    printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
    for q in $(seq 1 "$QUESTIONS"); do printf 'question: q%d kz-constitutional %s\n' "$q" "$text"; done
    for r in $(seq 0 $((REGIONS - 1))); do printf 'region: R%04d oblast %s\n' "$r" "$name"; done
    printf 'district: R0000-D R0000 %s\n' "$name"
    printf 'precinct: R0000-0001 R0000-D 1000 %s %s\n' "$(sed -n 2p keys/R0000-0001.pub)" "$name"
} >manifest.txt
{
    printf 'format: dauys-protocol 1\nreferendum: long-names\nprecinct: R0000-0001\nversion: 1\n'
    printf 'citizens_on_list: 1000\nballots_received: 1000\nballots_issued: 800\n'
    printf 'ballots_cancelled: 200\nballots_in_boxes: 800\n'
    for q in $(seq 1 "$QUESTIONS"); do
        printf 'q%d_yes: 500\nq%d_no: 250\nq%d_not_counted: 20\nq%d_invalid: 30\n' "$q" "$q" "$q" "$q"
    done
} >R0000-0001.txt
expect_ok "sign the manifest" "" "$DAUYS" sign -k central.key manifest.txt
expect_ok "sign the protocol" "" "$DAUYS" sign -k keys/R0000-0001.key R0000-0001.txt
expect_ok "init" "workspace created" "$DAUYS" init -w ws --manifest manifest.txt --central-key central.pub
expect_ok "ingest" "1 accepted" "$DAUYS" ingest -w ws R0000-0001.txt
expect_ok "publish" "published to b/" "$DAUYS" publish -w ws -k central.key b
size=$(stat -c %s b/reports/report.html)
check "  ... its page is over 64 MiB ($size bytes)" test "$size" -gt $((64 << 20))
expect_ok "the audit passes it, T3 included" "all checks pass" "$AUDIT" verify -p central.pub b
t3() { awk '$1 == "T3" { print $3, $4, $5 }' <<<"$STDOUT"; } # passed failed unchecked
read -r t3_passed t3_rest <<<"$(t3)"
check "  ... T3 compared the page's marks ($t3_passed), none failed" \
    test "$t3_passed" -gt 0 -a "$t3_rest" = "0 0"
grep -q ' hidden' b/reports/report.html && fail_value "the genuine page" "has a hidden attribute"

section "the page hides a marked value"
cp -a b h
# The national yes of q1 hidden, the other text shown beside it in its cell.
"$PYTHON" - h/reports/report.html <<'PY' || fail_value "hide the national yes" "no edit made"
import sys
path = sys.argv[1]
page = open(path, encoding="utf-8").read()
mark = '<td class="n" data-field="yes">500</td>'
at = page.index('<tr class="total" data-area="national">')
at = page.index(mark, at)
page = page[:at] + '<td class="n"><span data-field="yes" hidden>500</span>50</td>' + page[at + len(mark):]
open(path, "w", encoding="utf-8").write(page)
PY
line=$(grep -n 'data-field="yes" hidden' h/reports/report.html | cut -d: -f1)
expect_exit "verify fails T3 at the tag's line" 1 \
    "FAIL T3 reports/report.html line $line: the hidden attribute (dauys writes none; a browser does not show the element)" \
    "$AUDIT" verify -p central.pub h

section "reports/ absent"
cp -a b n && rm -r n/reports
expect_ok "verify passes" "all checks pass" "$AUDIT" verify -p central.pub n
expect_stdout "  ... and says T3 did not run" "1 of 1 precincts counted; no reports/ in the bundle, T3 not run"
expect_eq "  ... having compared nothing" "0 0 0" "$(t3)"
expect_ok "  ... --json lists both as absent" '"reports_absent": ["report.html", "tally.csv"]' \
    "$AUDIT" verify --json -p central.pub n
expect_ok "a whole bundle: --json lists none" '"reports_absent": [],' \
    "$AUDIT" verify --json -p central.pub b
rm b/reports/tally.csv
expect_ok "without reports/tally.csv" "all checks pass" "$AUDIT" verify -p central.pub b
expect_stdout "  ... says so" "; no reports/tally.csv in the bundle, T3 compared only reports/report.html"
expect_ok "  ... --json" '"reports_absent": ["tally.csv"]' "$AUDIT" verify --json -p central.pub b

summary
