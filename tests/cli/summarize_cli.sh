#!/usr/bin/env bash
# summarize_cli.sh: the summary protocols end to end on a small referendum
# (2 regions, 5 districts, 4 of them and both regions with a commission):
#   - `dauys summarize` refuses an area without a commission, and one with
#     nothing current below it; it writes what the parser accepts;
#   - summarized, signed with each commission's key and ingested, every
#     district's and region's summary agrees (`dauys tally`, --json, the
#     statement's crosscheck lines in a published bundle, the HTML report);
#   - a correction of a precinct after its district's summary re-opens the
#     check: the district differs, with the precinct superseded;
#   - a district summary altered by hand (votes moved from no to yes) and
#     re-signed with its commission's key: the tally's text and JSON and the
#     HTML report name the area, the fields, both numbers and the precincts
#     the sums came from; its region, which summed the first version, shows
#     the district superseded; the audit's T3 still reads the page.
#
#   usage: bash tests/cli/summarize_cli.sh /path/to/dauys /path/to/dauys-audit
#
# $DAUYS_SUMMARIZE_PRECINCTS: precincts per district (default 6; the
# valgrind subset runs it with 2). Needs sqlite3 and python3. A few seconds.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
cli_args "$@"
cli_workdir summarize
PER=${DAUYS_SUMMARIZE_PRECINCTS:-6}

run() { run_split "$@"; }
lacks() { [[ $1 != *"$2"* ]]; }
has() { [[ $1 == *"$2"* ]]; }

REF=kz-sum-2026
DISTRICTS=(AST-ESL AST-SAR ALA-ALM ALA-BOS ALA-TUR) # ALA-TUR: no commission
COMMISSIONS=(AST-ESL AST-SAR ALA-ALM ALA-BOS AST ALA)

# sign FILE KEY: signs FILE with KEY (a .key file).
sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $2" >&2; }

# proto FILE PRECINCT SEED [VERSION REASON]: a lawful protocol, its numbers varied by SEED.
proto() {
    local s=$3 v=${4:-1}
    {
        printf 'format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: %s\n' "$REF" "$2" "$v"
        if [ "$v" -gt 1 ]; then printf 'reason: %s\n' "$5"; fi
        printf 'citizens_on_list: 1000\nballots_received: 800\nballots_issued: %s\n' $((700 - s))
        printf 'ballots_cancelled: %s\nballots_in_boxes: %s\n' $((100 + s)) $((700 - s))
        printf 'q1_yes: %s\nq1_no: 250\nq1_not_counted: 30\nq1_invalid: 20\n' $((400 - s))
    } >"$1"
}

# --- the referendum ---------------------------------------------------------------
section "keys, manifest, workspace"
PRECINCTS=()
for d in "${DISTRICTS[@]}"; do
    for n in $(seq 1 "$PER"); do PRECINCTS+=("$d-$(printf %02d "$n")"); done
done
printf '%s\n' "${PRECINCTS[@]}" >ids.txt
printf '%s\n' "${COMMISSIONS[@]}" >commission-ids.txt
expect_ok "keygen: central, precincts, commissions" "" "$DAUYS" keygen --unencrypted -o central
expect_ok "  ... precinct keys" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys
expect_ok "  ... commission keys" "" "$DAUYS" keygen --unencrypted --precincts commission-ids.txt -d ckeys
{
    printf 'format: dauys-manifest 1\nreferendum: %s\ntitle: Summary test\n' "$REF"
    printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
    printf 'question: q1 kz-constitutional Do you approve?\n'
    printf 'region: AST city Astana\nregion: ALA city Almaty\n'
    for d in "${DISTRICTS[@]}"; do printf 'district: %s %s District <b>%s</b>\n' "$d" "${d%%-*}" "$d"; done
    for c in AST-ESL AST-SAR ALA-ALM ALA-BOS; do
        printf 'commission: district %s %s\n' "$c" "$(pub_b64 "ckeys/$c.pub")"
    done
    for c in AST ALA; do printf 'commission: region %s %s\n' "$c" "$(pub_b64 "ckeys/$c.pub")"; done
    for p in "${PRECINCTS[@]}"; do
        printf 'precinct: %s %s 1000 %s Precinct %s\n' "$p" "${p%-*}" "$(pub_b64 "keys/$p.pub")" "$p"
    done
} >manifest.txt
sign manifest.txt central.key
expect_ok "init" "workspace created" "$DAUYS" init -w ws --manifest manifest.txt --central-key central.pub

section "summarize refuses what it cannot make"
expect_ok "dauys summarize --help" "usage: dauys summarize" "$DAUYS" summarize --help
expect_exit "no protocol yet: nothing to summarize" 2 "district AST-ESL: no precinct of it has a current protocol" \
    "$DAUYS" summarize -w ws --district AST-ESL
expect_exit "a district without a commission" 2 "the district ALA-TUR has no commission in the manifest in force" \
    "$DAUYS" summarize -w ws --district ALA-TUR
expect_exit "an area that is no district" 2 "no district \"AST\" in the manifest in force" \
    "$DAUYS" summarize -w ws --district AST
expect_exit "two areas" 2 "give one area" "$DAUYS" summarize -w ws --district AST-ESL --region AST
expect_exit "a correction without a reason" 2 "version 2 needs a reason" \
    "$DAUYS" summarize -w ws --district AST-ESL --version 2

section "protocols, then summaries that agree"
mkdir in
i=0
for p in "${PRECINCTS[@]}"; do
    proto "in/$p.txt" "$p" $((i % 50))
    sign "in/$p.txt" "keys/$p.key"
    i=$((i + 1))
done
expect_ok "ingest every precinct" "" "$DAUYS" ingest -w ws in
expect_exit "a region before its districts' summaries: nothing to summarize" 2 \
    "region AST: no district of it has a current summary" "$DAUYS" summarize -w ws --region AST
mkdir sums
for d in AST-ESL AST-SAR ALA-ALM ALA-BOS; do
    expect_ok "summarize --district $d" "" "$DAUYS" summarize -w ws --district "$d" -o "sums/$d.txt"
    sign "sums/$d.txt" "ckeys/$d.key"
done
check "  ... the file names every precinct of AST-ESL at version 1" \
    test "$(grep -c '^sums: AST-ESL-[0-9]* 1$' sums/AST-ESL.txt)" -eq "$PER"
expect_ok "  ... standard output without -o: the same bytes" "" "$DAUYS" summarize -w ws --district AST-ESL
expect_eq "  ... (compared)" "$(cat sums/AST-ESL.txt)" "$STDOUT"
expect_ok "ingest the district summaries" "" "$DAUYS" ingest -w ws sums
expect_eq "  ... four current district summaries" 4 \
    "$(q ws/dauys.db "SELECT count(*) FROM summary WHERE level = 'district' AND state = 'current'")"
mkdir rsums
for r in AST ALA; do
    expect_ok "summarize --region $r" "" "$DAUYS" summarize -w ws --region "$r" -o "rsums/$r.txt"
    sign "rsums/$r.txt" "ckeys/$r.key"
done
check "  ... ALA's sums its two districts with a commission" \
    test "$(grep '^sums: ' rsums/ALA.txt | tr '\n' ' ')" = "sums: ALA-ALM 1 sums: ALA-BOS 1 "
expect_ok "ingest the region summaries" "" "$DAUYS" ingest -w ws rsums
expect_ok "dauys tally: every summary agrees" "summary protocols (district and region commissions): 6 agree, 0 differ, 0 none" \
    "$DAUYS" tally -w ws
check "  ... AST-ESL agrees" matches "$STDOUT" "district AST-ESL *version 1, $PER items: agrees"
check "  ... region ALA agrees" matches "$STDOUT" "region   ALA *version 1, 2 items: agrees"
check "  ... no DIFFERS" lacks "$STDOUT" DIFFERS
expect_ok "dauys tally --json" "" "$DAUYS" tally -w ws --json
expect_eq "  ... 6 agree, 0 differ, 0 none" "6 0 0" "$(python3 -c '
import json, sys
c = json.load(sys.stdin)["crosscheck"]
print(c["agrees"], c["differs"], c["none"])' <<<"$STDOUT")"
expect_ok "dauys publish" "published to" "$DAUYS" publish -w ws -k central.key b1
expect_eq "  ... the statement's crosscheck lines" \
    "crosscheck: district AST-ESL version 1 items $PER agrees
crosscheck: district AST-SAR version 1 items $PER agrees
crosscheck: district ALA-ALM version 1 items $PER agrees
crosscheck: district ALA-BOS version 1 items $PER agrees
crosscheck: region AST version 1 items 2 agrees
crosscheck: region ALA version 1 items 2 agrees" "$(grep '^crosscheck' b1/result.txt)"
check "  ... after the last question" test "$(tail -n 7 b1/result.txt | head -n 1)" = "adopted: yes"
check "  ... the report's section says so" grep -q '<h2>Summary protocols</h2>' b1/reports/report.html
check "  ... names escaped there" grep -q 'District &lt;b&gt;AST-ESL&lt;/b&gt;' b1/reports/report.html

section "a correction of a precinct re-opens the check"
P=AST-ESL-01
mkdir in2
proto "in2/$P.txt" "$P" 7 2 "one ballot recounted"
sign "in2/$P.txt" "keys/$P.key"
expect_ok "ingest version 2 of $P" "" "$DAUYS" ingest -w ws in2
expect_ok "dauys tally" "5 agree, 1 differ" "$DAUYS" tally -w ws
check "  ... AST-ESL differs" matches "$STDOUT" "district AST-ESL *version 1, $PER items: DIFFERS"
check "  ... with $P superseded" has "$STDOUT" "item $P: listed version 1, version 2 counts (superseded since)"
check "  ... and the fields it moved (yes: 400 -> 393)" has "$STDOUT" "q1_yes: summary"
check "  ... counted from its precincts with their versions" has "$STDOUT" "$P v2"
check "  ... region AST still agrees (it sums the summaries)" matches "$STDOUT" "region   AST *agrees"

section "a district summary altered by hand, re-signed"
python3 - sums/ALA-ALM.txt altered.txt <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
out = []
for l in lines:
    k, v = l.split(": ", 1)
    if k == "version":
        out += ["version: 2", "reason: corrected at the district"]
        continue
    if k == "q1_yes":
        v = str(int(v) + 50)
    if k == "q1_no":
        v = str(int(v) - 50)
    out.append(k + ": " + v)
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
mkdir in3
cp altered.txt in3/ALA-ALM-v2.txt
sign in3/ALA-ALM-v2.txt ckeys/ALA-ALM.key
expect_ok "ingest it: a correction" "" "$DAUYS" ingest -w ws in3
YES=$(sed -n 's/^q1_yes: //p' sums/ALA-ALM.txt)
NO=$(sed -n 's/^q1_no: //p' sums/ALA-ALM.txt)
expect_ok "dauys tally" "" "$DAUYS" tally -w ws
check "  ... ALA-ALM differs" matches "$STDOUT" "district ALA-ALM *version 2, $PER items: DIFFERS"
G() { python3 -c "print(f'{$1:,}')"; }
check "  ... q1_yes with both numbers" has "$STDOUT" "q1_yes: summary $(G $((YES + 50))), counted $(G "$YES") (+50)"
check "  ... q1_no with both numbers" has "$STDOUT" "q1_no: summary $(G $((NO - 50))), counted $(G "$NO") (-50)"
check "  ... and the precincts the sums came from" has "$STDOUT" "counted from $PER precincts:"
check "  ... region ALA: its ALA-ALM superseded" has "$STDOUT" "item ALA-ALM: listed version 1, version 2 counts (superseded since)"
expect_ok "dauys tally --json" "" "$DAUYS" tally -w ws --json
expect_eq "  ... ALA-ALM's fields, both numbers, the precincts" \
    "differs q1_yes $((YES + 50)) $YES q1_no $((NO - 50)) $NO $PER ALA-ALM-01:1" "$(python3 -c '
import json, sys
a = [a for a in json.load(sys.stdin)["crosscheck"]["areas"] if a["id"] == "ALA-ALM"][0]
f = " ".join("%s %d %d" % (x["field"], x["summary"], x["counted"]) for x in a["fields"])
print(a["state"], f, len(a["summed"]), "%s:%d" % (a["summed"][0]["id"], a["summed"][0]["version"]))' <<<"$STDOUT")"
expect_ok "dauys report --html" "" "$DAUYS" report -w ws --html report.html
check "  ... the section lists the disagreement" grep -q 'district <code>ALA-ALM</code> (District &lt;b&gt;ALA-ALM&lt;/b&gt;): summary version 2 differs' report.html
check "  ... with both numbers" grep -q "<code>q1_yes</code></td><td class=\"n\">$(G $((YES + 50)))</td><td class=\"n\">$(G "$YES")</td>" report.html
check "  ... and the precincts" grep -q '<code>ALA-ALM-01</code> v1' report.html
expect_ok "dauys publish" "published to" "$DAUYS" publish -w ws -k central.key b2
expect_eq "  ... the statement's lines for ALA-ALM" \
    "crosscheck: district ALA-ALM version 2 items $PER differs
crosscheck-field: q1_yes summary $((YES + 50)) counted $YES
crosscheck-field: q1_no summary $((NO - 50)) counted $NO" \
    "$(grep -A2 '^crosscheck: district ALA-ALM' b2/result.txt)"
check "  ... and for AST-ESL's correction" grep -q "^crosscheck-item: $P listed 1 counted 2$" b2/result.txt
check "  ... the bundle's report shows the section" grep -q '<h2>Summary protocols</h2>' b2/reports/report.html
run "$AUDIT" verify --central-key central.pub b2
check "  ... the audit's T3 reads the page with the section and finds nothing wrong" lacks "$OUT" "FAIL T3"
t3_clean() { [[ $OUT =~ T3\ +consistency\ +[1-9][0-9]*\ +0\  ]]; }
check "  ... (T3 compared values, none failed)" t3_clean

summary
