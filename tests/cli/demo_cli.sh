#!/usr/bin/env bash
# demo_cli.sh: `dauys demo`, the main job, end to end on small sizes: it
# passes its own audit, its files are reproducible from the seed, the seed
# and profile change what they should, and bad options change nothing. The
# district and region commissions' summaries (issue 19): the one planted
# district summary that moves votes from no to yes is named by the tally's
# text, by the HTML report rendered in headless Chromium, and by the audit
# (verify's crosscheck line, its retally, and X1 failing an insider's
# statement that hides it).
#
#   usage: RESEAL=/path/to/reseal bash tests/cli/demo_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Hermetic (mktemp -d), non-interactive. Needs bash, coreutils, util-linux
# (setsid), minisign, python3 and chromium ($CHROMIUM, default chromium).
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=insider.sh
. "$(dirname "${BASH_SOURCE[0]}")/insider.sh" || exit 2

cli_args "$@"
RESEAL=$(abspath "${RESEAL:?set RESEAL to the reseal test tool}")
PYTHON=${PYTHON3:-python3}
CHROMIUM=${CHROMIUM:-chromium}
for tool in "$PYTHON" "$RESEAL" "$CHROMIUM" setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir demo
run() { run_split "$@"; }
differs() { ! cmp -s "$1" "$2"; }
lacks() { ! grep -q "$2" "$1"; }
MINISIGN=${MINISIGN:-minisign}

section "options"
expect_ok "dauys demo --help" "usage: dauys demo" "$DAUYS" demo --help
expect_exit "too few precincts" 2 "--precincts: from 20 to 1000000, not 19" "$DAUYS" demo --precincts 19 --out a
check "  ... nothing made" absent a
expect_exit "too many precincts" 2 "not 1000001" "$DAUYS" demo --precincts 1000001 --out a
expect_exit "not a number" 2 "--precincts: expected a number" "$DAUYS" demo --precincts 12x
expect_exit "an unknown profile" 2 "unknown rules profile \"nonsense\"" "$DAUYS" demo --profile nonsense --out a
mkdir full && echo keep >full/file
expect_exit "--out not empty" 2 "full: must be a new or empty directory" "$DAUYS" demo --precincts 20 --out full
expect_exit "--out under a directory that does not exist" 2 "no/such: its parent directory does not exist" \
    "$DAUYS" demo --precincts 20 --out no/such
check "  ... its file untouched" test "$(cat full/file)" = keep
expect_exit "a stray argument" 2 "usage" "$DAUYS" demo extra

section "a small demo passes its own audit"
expect_ok "dauys demo --precincts 120 --seed 7" "The audit passed" \
    "$DAUYS" demo --precincts 120 --seed 7 --out a
DEMO_OUT=$STDOUT
check "  ... every planted trouble reported (stderr)" matches "$STDERR" \
    "rejected:*-altered.txt*replay:*conflict:*duplicate:*stale:*rejected:*[R4]"
check "  ... and counted (stdout)" matches "$STDOUT" "120 accepted*1 conflicts*2 corrections*1 stale"
check "  ... the audit's table: all checks pass" matches "$OUT" "120 of 120 precincts counted*all checks pass"
check "  ... the decision" matches "$OUT" "120 of 120 precincts reporting (final)*VALID: yes"
check "  ... timings for each step" matches "$OUT" "dauys ingest incoming/*dauys-audit verify"
check "  ... the result is final" grep -qx "status: final" a/bundle/result.txt
expect_ok "  ... the kept workspace works with -w" "expected" "$DAUYS" status -w a/workspace
expect_ok "  ... the bundle audits again on its own" "all checks pass" \
    "$AUDIT" verify -p a/keys/central.pub a/bundle
expect_ok "  ... stock minisign verifies the result" "" "$MINISIGN" -Vm a/bundle/result.txt -p a/keys/central.pub
check "  ... precinct key files kept (small demo)" test -f a/keys/precincts/AST-0001.key
check "  ... secret keys are private (0600)" test "$(stat -c %a a/keys/central.key)" = 600

section "the commissions' summaries: one planted, named by the tally, the report and the audit"
P=$(sed -n 's/.*district summary \([A-Z0-9-]*\): [0-9]* votes moved from no to yes between.*/\1/p' <<<"$DEMO_OUT")
MOVED=$(sed -n 's/.*district summary [A-Z0-9-]*: \([0-9]*\) votes moved from no to yes between.*/\1/p' <<<"$DEMO_OUT")
REGION=${P%%-*}
DISTRICTS=$(grep -c '^district: ' a/manifest.txt)
REGIONS=$(awk '$1 == "district:" { print $3 }' a/manifest.txt | sort -u | wc -l)
AREAS=$((DISTRICTS + REGIONS))
check "the demo names one planted district summary ($P, $MOVED votes)" test -n "$P" -a -n "$MOVED"
check "  ... a commission line for each of the $DISTRICTS districts" \
    test "$(grep -c '^commission: district ' a/manifest.txt)" -eq "$DISTRICTS"
check "  ... and for each of the $REGIONS regions with districts" \
    test "$(grep -c '^commission: region ' a/manifest.txt)" -eq "$REGIONS"
check "  ... a signed summary for each" test "$(ls a/summaries/district-*.txt | wc -l)" -eq "$DISTRICTS" \
    -a "$(ls a/summaries/region-*.txt | wc -l)" -eq "$REGIONS" -a "$(ls a/summaries/*.minisig | wc -l)" -eq "$AREAS"
check "  ... all ingested and accepted" matches "$DEMO_OUT" \
    "summary protocols arrive*$AREAS files in * $AREAS accepted, 0 corrections, 0 rejected"
check "  ... the commissions' key files kept (small demo), secret keys private" \
    test -f "a/keys/commissions/district-$P.pub" -a "$(stat -c %a "a/keys/commissions/region-$REGION.key")" = 600
expect_ok "  ... stock minisign verifies the planted summary with its commission's key" "" \
    "$MINISIGN" -Vm "a/summaries/district-$P.txt" -p "a/keys/commissions/district-$P.pub"
expect_exit "  ... and not with its region's" 1 "" \
    "$MINISIGN" -Vm "a/summaries/district-$P.txt" -p "a/keys/commissions/region-$REGION.pub"
R=a/bundle/result.txt
expect_eq "the signed result: exactly one summary differs, the planted one" \
    "district $P" "$(sed -n 's/^crosscheck: \(.* .*\) version 1 items [0-9]* differs$/\1/p' "$R")"
check "  ... every other area agrees, its region too" test "$(grep -c '^crosscheck: .* agrees$' "$R")" -eq $((AREAS - 1)) \
    -a "$(grep -c "^crosscheck: region $REGION version 1 items [0-9]* agrees\$" "$R")" -eq 1
read -r SY CY <<<"$(sed -n 's/^crosscheck-field: q1_yes summary \([0-9]*\) counted \([0-9]*\)$/\1 \2/p' "$R")"
read -r SN CN <<<"$(sed -n 's/^crosscheck-field: q1_no summary \([0-9]*\) counted \([0-9]*\)$/\1 \2/p' "$R")"
expect_eq "  ... q1_yes: $MOVED more in the summary than counted" "$MOVED" "$((SY - CY))"
expect_eq "  ... q1_no: $MOVED fewer" "$MOVED" "$((CN - SN))"
expect_eq "  ... no other finding" 2 "$(grep -c '^crosscheck-' "$R")"
group() { "$PYTHON" -c "print(f'{$1:,}')"; }
check "  ... the demo prints what the crosscheck found" matches "$DEMO_OUT" \
    "summary protocols: $DISTRICTS districts and $REGIONS regions checked: $((AREAS - 1)) agree, 1 differs, 0 with none*district $P DIFFERS from its precincts' protocols: q1_yes summary $(group "$SY") counted $(group "$CY"); q1_no summary $(group "$SN") counted $(group "$CN")"
check "  ... the audit's own crosscheck names it" matches "$DEMO_OUT" \
    "crosscheck: $AREAS areas with a commission: $((AREAS - 1)) agree, 1 differ*differing: district $P"
check "  ... and the audit passed X1 on every area" grep -Eq "^X1 +crosscheck +$((AREAS + 2)) +0 +0 " <<<"$DEMO_OUT"

expect_ok "dauys tally names it, with both numbers" \
    "district $P *DIFFERS*q1_yes: summary $(group "$SY"), counted $(group "$CY") (+$MOVED)*q1_no: summary $(group "$SN"), counted $(group "$CN") (-$MOVED)" \
    "$DAUYS" tally -w a/workspace
expect_ok "  ... its JSON too" "\"$P\"*\"differs\"" "$DAUYS" tally -w a/workspace --json

# shown DOM: the rendered page's summaries section has the planted district's
# row marked DIFFERS, and its disagreement with both numbers of q1_yes and q1_no.
shown() {
    "$PYTHON" - "$1" "$P" "$(group "$SY")" "$(group "$CY")" "$(group "$SN")" "$(group "$CN")" <<'PY'
import re, sys
dom, p, sy, cy, sn, cn = open(sys.argv[1], encoding="utf-8").read(), *sys.argv[2:]
sec = re.search(r'<section id="summaries">(.*?)</section>', dom, re.S)
if not sec:
    sys.exit("no summaries section")
sec = sec.group(1)
row = re.search(r'<tr[^>]*><td>district</td><td><code>%s</code></td>.*?</tr>' % re.escape(p), sec)
h3 = re.search(r'<h3>district <code>%s</code>[^<]*differs</h3>(.*?)</table>' % re.escape(p), sec, re.S)
ok = row and "DIFFERS" in row.group(0) and h3
ok = ok and re.search(r'<code>q1_yes</code></td><td[^>]*>%s</td><td[^>]*>%s</td>' % (sy, cy), h3.group(1))
ok = ok and re.search(r'<code>q1_no</code></td><td[^>]*>%s</td><td[^>]*>%s</td>' % (sn, cn), h3.group(1))
sys.exit(0 if ok and sec.count(">DIFFERS<") == 1 else 1)
PY
}
# browse PAGE DOM: headless Chromium dumps PAGE's DOM (no network, no GPU, a
# profile of its own).
browse() {
    rm -f "$2"
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
        --user-data-dir="$WORK/chromium-profile" --dump-dom "file://$1" >"$2" 2>>chromium.log
}
browse "$WORK/a/bundle/reports/report.html" dom.html
check "the HTML report in headless Chromium shows the planted district differing, both numbers" \
    shown dom.html
sed "/<h3>district <code>$P<\/code>/,/<\/table>/d" a/bundle/reports/report.html >hidden.html
browse "$WORK/hidden.html" dom-hidden.html
check "  ... (control: a page without its disagreement fails that check)" test -s dom-hidden.html
check "  ... fails it" eval '! shown dom-hidden.html >/dev/null'

expect_ok "dauys-audit retally derives it by its own route" \
    "crosscheck: district $P version 1 items * differs*crosscheck-field: q1_yes summary $SY counted $CY*crosscheck-field: q1_no summary $SN counted $CN" \
    "$AUDIT" retally -p a/keys/central.pub a/bundle
cp a/keys/central.key a/keys/central.pub .
rm -rf hides && cp -a a/bundle hides && rm -rf hides/dauys.db hides/reports
sed -i -e "s/^\(crosscheck: district $P version 1 items [0-9]*\) differs\$/\1 agrees/" -e '/^crosscheck-field: /d' \
    hides/result.txt
"$RESEAL" hides central.key --sign-result || fail_value "reseal" "the forgery could not be made"
check "an insider's statement, re-signed, says the planted district agrees" \
    grep -q "^crosscheck: district $P version 1 items [0-9]* agrees\$" hides/result.txt
expect_exit "  ... the audit fails it, naming the district" 1 "FAIL X1 result.txt line *district $P" \
    "$AUDIT" verify -p central.pub hides
expect_eq "  ... exactly X1 fails" "X1" "$(failing hides)"

section "reproducible from the seed"
expect_ok "the same seed again, elsewhere" "The audit passed" "$DAUYS" demo --precincts 120 --seed 7 --out b
for f in manifest.txt manifest.txt.minisig bundle/log/entries.txt bundle/result.txt \
    bundle/result.txt.minisig bundle/checkpoint bundle/protocols/index.tsv keys/central.pub \
    "summaries/district-$P.txt" "summaries/district-$P.txt.minisig" "keys/commissions/region-$REGION.pub"; do
    check "  ... $f is byte for byte the same" cmp -s "a/$f" "b/$f"
done
expect_ok "another seed" "The audit passed" "$DAUYS" demo --precincts 120 --seed 8 --out c
check "  ... another manifest" differs a/manifest.txt c/manifest.txt
check "  ... other numbers" differs a/bundle/result.txt c/bundle/result.txt

section "--files-only: the inputs, nothing run"
expect_exit "--files-only needs --out" 2 "--files-only needs --out" "$DAUYS" demo --files-only
expect_ok "--files-only --precincts 120 --seed 7" "The inputs are in" \
    "$DAUYS" demo --precincts 120 --seed 7 --files-only --out f
for f in manifest.txt manifest.txt.minisig keys/central.pub incoming/KAR-0002.txt incoming/KAR-0002.txt.minisig \
    "summaries/district-$P.txt" "summaries/region-$REGION.txt.minisig"; do
    check "  ... $f is the full demo's, byte for byte" cmp -s "a/$f" "f/$f"
done
check "  ... no workspace and no bundle" absent f/workspace f/bundle
check "  ... every protocol is signed" \
    test "$(ls f/incoming/*.txt | wc -l)" -eq "$(ls f/incoming/*.minisig | wc -l)"

section "a profile"
expect_ok "--profile simple-majority" "The audit passed" \
    "$DAUYS" demo --precincts 40 --profile simple-majority --out d
check "  ... the result's profile" grep -qx "profile: simple-majority" d/bundle/result.txt
check "  ... no regional rule under it" lacks d/bundle/result.txt "rule: regions"

section "without --out, nothing is left behind"
before=$(ls -d /tmp/dauys-demo-* 2>/dev/null | wc -l)
expect_ok "dauys demo --precincts 20" "now removed" "$DAUYS" demo --precincts 20
expect_eq "  ... no temporary directory left" "$before" "$(ls -d /tmp/dauys-demo-* 2>/dev/null | wc -l)"

summary
