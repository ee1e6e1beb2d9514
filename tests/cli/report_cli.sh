#!/usr/bin/env bash
# report_cli.sh: the HTML report (`dauys report --html`, reports/report.html
# in every bundle) rendered in a real browser, headless Chromium:
#   - it is self-contained: nothing in its markup loads or runs anything,
#     and its own Content-Security-Policy blocks a script slipped into it
#     (the control: the same script without the policy blanks the page);
#   - every number of the signed result statement is in the rendered DOM,
#     equal, with thousands separators and percentages to two decimals (and
#     a page with one number changed fails that check);
#   - a screenshot is not blank and shows the charts; it prints to pages;
#   - names from the manifest are text, never markup;
#   - `dauys report` writes the bundle's page byte for byte once published,
#     and marks a preview and a provisional count as such.
#
#   usage: bash tests/cli/report_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Needs chromium (scripts/setup.sh installs it), python3, minisign.
# $DAUYS_REPORT_PRECINCTS sets the demo's size (default 600).
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
TOOLS=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../tools")
cli_args "$@"
cli_workdir report
CHROMIUM=${CHROMIUM:-chromium}
PRECINCTS=${DAUYS_REPORT_PRECINCTS:-600}

run() {
    CMD=$(printf '%q ' "$@")
    OUT=$(setsid -w "$@" </dev/null 2>&1)
    RC=$?
}

# browse MODE PAGE OUTPUT: headless Chromium on PAGE: "dom" dumps the DOM to
# OUTPUT, "png" takes a screenshot, "pdf" prints. No network, no GPU, a
# profile of its own; its chatter on stderr goes to chromium.log.
browse() {
    local mode=$1 page=$2 out=$3
    local flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
        --no-first-run --user-data-dir="$WORK/chromium-profile")
    rm -f "$out"
    case $mode in
    dom) "$CHROMIUM" "${flags[@]}" --dump-dom "file://$page" >"$out" 2>>chromium.log ;;
    png) "$CHROMIUM" "${flags[@]}" --window-size=1200,2400 --screenshot="$out" "file://$page" >>chromium.log 2>&1 ;;
    pdf) "$CHROMIUM" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out" "file://$page" >>chromium.log 2>&1 ;;
    esac
}

# expect_check NAME WANT_RC CHECK ARGS...: tests/tools/report_check.py CHECK ARGS...
expect_check() {
    local name=$1 want=$2
    shift 2
    expect_exit "$name" "$want" "" python3 "$TOOLS/report_check.py" "$@"
}

differ() { ! cmp -s "$1" "$2"; }

# no_bad_percent DOM: every percentage in a table cell or a bar's value has
# exactly two decimals.
no_bad_percent() {
    python3 - "$1" <<'PY2'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
shown = re.findall(r'<td[^>]*>([^<]*%)</td>', dom) + re.findall(r'<text class="value"[^>]*>([^<]*)</text>', dom)
bad = [s for s in shown if re.search(r"\d%", s) and not re.match(r"^\d+\.\d\d%", s)]
print(f"{len(shown)} percentages, {len(bad)} without two decimals: {bad[:5]}")
sys.exit(1 if bad or len(shown) < 20 else 0)
PY2
}

# no_element DOM: no <script>, <img> or <b> element in the DOM.
no_element() {
    python3 - "$1" <<'PY2'
import html.parser, sys
class P(html.parser.HTMLParser):
    found = set()
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "b"):
            self.found.add(tag)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
sys.exit(1 if p.found else 0)
PY2
}

section "a demo's bundle holds the page"
expect_ok "dauys demo --precincts $PRECINCTS" "The audit passed" \
    "$DAUYS" demo --precincts "$PRECINCTS" --seed 11 --out d
PAGE=$WORK/d/bundle/reports/report.html
check "  ... reports/report.html is there" test -s "$PAGE"
expect_ok "  ... the audit accepts it among the bundle's files (I4)" "all checks pass" \
    "$AUDIT" verify --central-key d/keys/central.pub d/bundle

section "self-contained: nothing loads, nothing runs"
expect_check "the markup loads and runs nothing; a policy forbids it" 0 static "$PAGE"
printf '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="img-src *"></head><body><img src="http://example.org/x.png"><svg></svg><script>x()</script></body></html>\n' >bad.html
expect_check "  ... and that check fails a page that loads an image and runs a script" 1 static "$WORK/bad.html"
sed 's|</body>|<script>document.body.innerHTML = "";</script></body>|' "$PAGE" >injected.html
browse png "$WORK/injected.html" injected.png
expect_check "a script slipped into the page does not run (its CSP): still drawn" 0 png injected.png
sed 's|<meta http-equiv="Content-Security-Policy"[^>]*>||' injected.html >unprotected.html
browse png "$WORK/unprotected.html" unprotected.png
expect_check "  ... control: without the policy the same script blanks the page" 1 png unprotected.png

section "rendered: the numbers are the signed statement's"
expect_ok "the result statement's signature verifies (stock minisign)" "" \
    minisign -Vm d/bundle/result.txt -p d/bundle/central.pub
browse dom "$PAGE" dom.html
check "  ... Chromium dumped the DOM" test -s dom.html
expect_check "every count, share, rule and the log state equal result.txt" 0 numbers dom.html d/bundle/result.txt
python3 - "$PAGE" altered.html <<'PY2'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
altered = re.sub(r'(data-area="[A-Z]+">.*?data-field="yes">)[0-9,]+<', r"\g<1>1<", page, count=1, flags=re.S)
open(sys.argv[2], "w", encoding="utf-8").write(altered)
PY2
check "  ... (a copy with one region's yes changed to 1 differs)" differ "$PAGE" altered.html
browse dom "$WORK/altered.html" dom-altered.html
expect_check "  ... and fails that check" 1 numbers dom-altered.html d/bundle/result.txt
yes_total=$(sed -n 's/^national: .* yes \([0-9]*\) .*/\1/p' d/bundle/result.txt)
check "  ... thousands separators: the national yes ($yes_total) is shown grouped" grep -q \
    "data-field=\"yes\">$(python3 -c "print(f'{$yes_total:,}')")<" dom.html
check "  ... no percentage shown without exactly two decimals" no_bad_percent dom.html

section "a screenshot that is not blank; a printout"
browse png "$PAGE" page.png
expect_check "screenshot: ink, the charts' colour, more than a few colours" 0 png page.png
printf '<!DOCTYPE html><html><body></body></html>\n' >blank.html
browse png "$WORK/blank.html" blank.png
expect_check "  ... control: a blank page fails that check" 1 png blank.png
browse pdf "$PAGE" page.pdf
expect_check "it prints: a PDF of several pages" 0 pdf page.pdf

section "the page's forensics are dauys-audit forensics'"
expect_ok "dauys demo --stuff TUR:85:90:50 (whole-percent targets in half of TUR)" "The audit passed" \
    "$DAUYS" demo --precincts "$PRECINCTS" --seed 11 --stuff TUR:85:90:50 --out s
browse dom "$WORK/s/bundle/reports/report.html" sdom.html
check "  ... the page flags TUR's turnout" grep -q 'data-flag="integer-turnout"><strong>Turkistan Region: ' sdom.html
run "$AUDIT" forensics --json -p s/keys/central.pub s/bundle
printf '%s\n' "$OUT" >forensics.json
check "  ... dauys-audit forensics ran (exit 0)" test "$RC" = 0
expect_check "  ... every area's numbers and every flag on the page are the audit's" 0 forensics sdom.html forensics.json
expect_check "  ... and the clean demo's page is not (its numbers differ)" 1 forensics dom.html forensics.json

section "names from the manifest are text, not markup"
# The demo's manifest with a region and the question renamed to markup,
# signed again with the demo's central key: the protocols still verify.
sed -e 's|^region: ABA oblast .*|region: ABA oblast <script>alert("x")</script> \& '"'"'Abai'"'"' <b onmouseover=alert(1)>|' \
    -e 's|^\(question: q1 [^ ]*\) .*|\1 <img src=x onerror=alert(2)> Do you accept?|' d/manifest.txt >hostile.txt
expect_ok "sign the renamed manifest" "" "$DAUYS" sign -k d/keys/central.key hostile.txt
expect_ok "  ... init" "workspace created" "$DAUYS" init -w hws --manifest hostile.txt --central-key d/keys/central.pub
run "$DAUYS" ingest -q -w hws d/incoming
check "  ... ingest records the demo's protocols (exit 0 or 1: it plants rejects)" test "$RC" -le 1
expect_ok "  ... publish" "published to hb/" "$DAUYS" publish -w hws -k d/keys/central.key hb
expect_check "  ... the page still loads and runs nothing" 0 static "$WORK/hb/reports/report.html"
browse dom "$WORK/hb/reports/report.html" hdom.html
expect_check "  ... its numbers are the statement's" 0 numbers hdom.html hb/result.txt
check "  ... the region's name is shown as text" grep -qF \
    '&lt;script&gt;alert("x")&lt;/script&gt; &amp; '"'"'Abai'"'"' &lt;b onmouseover=alert(1)&gt;' hdom.html
check "  ... the question's text too" grep -qF '&lt;img src=x onerror=alert(2)&gt; Do you accept?' hdom.html
check "  ... and the DOM has no <script>, <img> or <b> element" no_element hdom.html

section "dauys report"
expect_ok "dauys report --html on the published workspace" "" "$DAUYS" report -w d/workspace --html r.html
check "  ... is the bundle's page, byte for byte" cmp -s r.html "$PAGE"
check "  ... says it is the signed statement" grep -q "It is the signed result statement" r.html
expect_ok "  ... --html - writes it to standard output" "" sh -c "\"$DAUYS\" report -w d/workspace --html - >stdout.html"
check "  ... the same page" cmp -s stdout.html "$PAGE"
expect_ok "  ... replaces a file of that name (atomically)" "" "$DAUYS" report -w d/workspace --html r.html
expect_ok "init a workspace with a quarter of the protocols" "workspace created" \
    "$DAUYS" init -w partial --manifest d/manifest.txt --central-key d/keys/central.pub
quarter=$((PRECINCTS / 4))
mapfile -t some < <(find d/incoming -name '*.txt' | sort | head -n "$quarter")
run "$DAUYS" ingest -q -w partial "${some[@]}"
expect_ok "dauys report on it" "" "$DAUYS" report -w partial --html partial.html
check "  ... a preview: not yet signed or logged" grep -q "A preview:</strong> not yet signed or logged" partial.html
check "  ... provisional, with the count reporting" grep -q "<strong>PROVISIONAL</strong>: <span data-field=\"precincts-reporting\">" partial.html
expect_check "  ... and self-contained" 0 static "$WORK/partial.html"
expect_exit "no --html: usage, exit 2" 2 "usage: dauys report" "$DAUYS" report -w d/workspace
expect_exit "no workspace: exit 2 naming it" 2 "nowhere: no workspace here" "$DAUYS" report -w nowhere --html x.html
expect_exit "an unwritable path: exit 2 naming it" 2 "missing/x.html" "$DAUYS" report -w d/workspace --html missing/x.html
check "  ... nothing written" absent missing

summary
