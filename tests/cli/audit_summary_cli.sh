#!/usr/bin/env bash
# audit_summary_cli.sh: `dauys-audit verify` on a bundle with summary
# protocols (issue 19): C1, A3 and C2 for each summary's entry, I3 and I4
# for its files, C3 for its rows, and X1, the audit's own crosscheck of
# every district and region summary against what counts below it, compared
# with the signed result's crosscheck lines.
#
#   usage: RESEAL=/path/to/reseal bash tests/cli/audit_summary_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A small referendum (3 regions, 4 districts, 7 precincts): commissions for
# the districts AST-D1, KAR-D1 and KAR-D2 and the region KAR, none for
# ALA-D1. Summaries are written here by hand (awk sums of the protocols'
# lines), not by `dauys summarize`, so that the crosscheck lines the test
# expects come from neither the tally nor the audit: AST-D1 agrees; KAR-D1
# moves 30 votes from no to yes; KAR-D2 lists KAR-0003 version 1, which a
# correction then supersedes; the region KAR sums the two district
# summaries and agrees. The clean bundle passes; each attack is caught by
# exactly the check meant (tests/cli/insider.sh plays the insider).
#
# Hermetic (mktemp -d), non-interactive, unencrypted keys. Needs bash,
# coreutils, util-linux (setsid), awk, sqlite3 and python3.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=insider.sh
. "$(dirname "${BASH_SOURCE[0]}")/insider.sh" || exit 2

cli_args "$@"
SQLITE=${SQLITE3:-sqlite3}
PYTHON=${PYTHON3:-python3}
RESEAL=$(abspath "${RESEAL:?set RESEAL to the reseal test tool}")
for tool in "$SQLITE" "$PYTHON" "$RESEAL" awk setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir audit-summary
run() { run_split "$@"; }

sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $2" >&2; }

# expect_fails NAME BUNDLE "IDS" [PATTERN]: verify exits 1, exactly IDS fail,
# and the human output matches PATTERN.
expect_fails() {
    local name=$1 dir=$2 ids=$3 pat=${4:-}
    expect_exit "$name: verify exits 1${pat:+ and says where}" 1 "$pat" "$AUDIT" verify -p central.pub "$dir"
    expect_eq "$name: exactly $ids fail" "$ids" "$(failing "$dir")"
}

# check_count BUNDLE CHECK FIELD: passed, failed or unchecked of CHECK (--json).
check_count() {
    "$AUDIT" verify --json -p central.pub "$1" 2>/dev/null | "$PYTHON" -c '
import json, sys
print(json.load(sys.stdin)["checks"][sys.argv[1]][sys.argv[2]])' "$2" "$3" 2>/dev/null
}

copy() {
    rm -rf "$1" && cp -a bundle "$1" || exit 2
    [ "${2:-}" = nodb ] && rm -f "$1/dauys.db"
    return 0
}

# summary_entry DIR LEVEL AREA: the log index of the summary's accepted entry.
summary_entry() {
    awk -v s="$2 $3" '/^index: / { i = $2 } /^event: / { ev = $2 }
        /^summary: / && substr($0, 10) == s && (ev == "accepted" || ev == "correction") { print i; exit }' \
        "$1/log/entries.txt"
}
differs() { ! cmp -s "$1" "$2"; }
pfile() { printf '%s/protocols/%08d.txt' "$1" "$2"; }
# lacks_empty OUTPUT: no line of compare-copies names an entry without a name.
lacks_empty() { ! grep -qE ': (counted|superseded|not-counted):  version' <<<"$1"; }

# --- the referendum ------------------------------------------------------------------

section "a referendum with district and region commissions"

REF=kz-summary-2026
ROSTER="AST-0001 AST-D1
AST-0002 AST-D1
AST-0003 AST-D1
ALA-0001 ALA-D1
KAR-0001 KAR-D1
KAR-0002 KAR-D1
KAR-0003 KAR-D2"
awk '{ print $1 }' <<<"$ROSTER" >ids.txt
expect_ok "keygen: central key" "" "$DAUYS" keygen --unencrypted -o central
expect_ok "keygen: precinct keys" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys
for c in AST-D1 KAR-D1 KAR-D2 KAR ALA-D1; do
    "$DAUYS" keygen --unencrypted -o "keys/c-$c" >/dev/null 2>&1
done
check "  ... commission keys" test -s keys/c-KAR.key -a -s keys/c-ALA-D1.key

# protocol FILE PRECINCT N [VERSION]: lawful numbers varied by N.
protocol() {
    local on=$((1000 + 37 * $3)) box iss can y no
    box=$((on * (60 + $3) / 100)) iss=$((box + 2)) can=$((on - box - 2))
    y=$(((box - 9) * (50 + 3 * $3) / 100)) no=$((box - 9 - (box - 9) * (50 + 3 * $3) / 100))
    {
        printf 'format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: %s\n' "$REF" "$2" "${4:-1}"
        [ "${4:-1}" = 1 ] || printf 'reason: recount ordered by the district commission\n'
        printf 'citizens_on_list: %s\nballots_received: %s\nballots_issued: %s\n' "$on" "$on" "$iss"
        printf 'ballots_cancelled: %s\nballots_in_boxes: %s\n' "$can" "$box"
        printf 'q1_yes: %s\nq1_no: %s\nq1_not_counted: 4\nq1_invalid: 5\n' "$y" "$no"
    } >"$1"
}

# counts FILE...: the sum of the count lines (citizens_on_list on) of the
# protocols or summaries FILE..., in file order.
counts() {
    awk -F': ' 'FNR == 1 { on = 0 } /^citizens_on_list: / { on = 1 }
        on { if (!($1 in s)) order[n++] = $1; s[$1] += $2 }
        END { for (i = 0; i < n; i++) printf "%s: %d\n", order[i], s[order[i]] }' "$@"
}

# make_summary OUT LEVEL AREA VERSION ID:VERSION:FILE...: the summary of the items
# (ids ascending), their numbers summed from FILE...
make_summary() {
    local out=$1 level=$2 area=$3 version=$4 it files=()
    shift 4
    {
        printf 'format: dauys-summary 1\nreferendum: %s\nlevel: %s\narea: %s\nversion: %s\n' \
            "$REF" "$level" "$area" "$version"
        [ "$version" = 1 ] || printf 'reason: corrected by the commission\n'
        for it in "$@"; do
            printf 'sums: %s %s\n' "${it%%:*}" "$(cut -d: -f2 <<<"$it")"
            files+=("${it#*:*:}")
        done
        counts "${files[@]}"
    } >"$out"
}

# field_lines SUMMARY FILE...: the crosscheck-field lines of SUMMARY against
# the sums of FILE... (the counted protocols or summaries).
field_lines() {
    local s=$1
    shift
    paste -d' ' <(counts "$s") <(counts "$@") |
        awk '$2 != $4 { sub(":", "", $1); printf "crosscheck-field: %s summary %s counted %s\n", $1, $2, $4 }'
}

{
    printf 'format: dauys-manifest 1\nreferendum: %s\ntitle: Summary audit test\n' "$REF"
    printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
    printf 'question: q1 kz-constitutional Do you approve the amendments to the Constitution?\n'
    printf 'region: AST capital Astana\nregion: ALA city Almaty\nregion: KAR oblast Karaganda region\n'
    printf 'district: AST-D1 AST Esil\ndistrict: ALA-D1 ALA Almaly\n'
    printf 'district: KAR-D1 KAR Karaganda\ndistrict: KAR-D2 KAR Temirtau\n'
    printf 'commission: district AST-D1 %s\n' "$(pub_b64 keys/c-AST-D1.pub)"
    printf 'commission: district KAR-D1 %s\n' "$(pub_b64 keys/c-KAR-D1.pub)"
    printf 'commission: district KAR-D2 %s\n' "$(pub_b64 keys/c-KAR-D2.pub)"
    printf 'commission: region KAR %s\n' "$(pub_b64 keys/c-KAR.pub)"
    while read -r p d; do
        printf 'precinct: %s %s 1100 %s Precinct %s\n' "$p" "$d" "$(pub_b64 "keys/$p.pub")" "$p"
    done <<<"$ROSTER"
} >manifest.txt
sign manifest.txt central.key

mkdir in1 in2 sums
n=0
while read -r p _; do
    n=$((n + 1))
    protocol "in1/$p.txt" "$p" "$n"
    sign "in1/$p.txt" "keys/$p.key"
done <<<"$ROSTER"
protocol in2/KAR-0003-v2.txt KAR-0003 11 2 # a correction after KAR-D2's summary
sign in2/KAR-0003-v2.txt keys/KAR-0003.key

make_summary in1/s-AST-D1.txt district AST-D1 1 AST-0001:1:in1/AST-0001.txt AST-0002:1:in1/AST-0002.txt \
    AST-0003:1:in1/AST-0003.txt
make_summary sums/KAR-D1-true.txt district KAR-D1 1 KAR-0001:1:in1/KAR-0001.txt KAR-0002:1:in1/KAR-0002.txt
# the planted discrepancy: 30 votes moved from no to yes between levels
awk -F': ' '$1 == "q1_yes" { $2 += 30 } $1 == "q1_no" { $2 -= 30 } { print $1 ": " $2 }' \
    sums/KAR-D1-true.txt >in1/s-KAR-D1.txt
make_summary in1/s-KAR-D2.txt district KAR-D2 1 KAR-0003:1:in1/KAR-0003.txt
make_summary in1/s-KAR.txt region KAR 1 KAR-D1:1:in1/s-KAR-D1.txt KAR-D2:1:in1/s-KAR-D2.txt
for s in AST-D1 KAR-D1 KAR-D2 KAR; do sign "in1/s-$s.txt" "keys/c-$s.key"; done
check "  ... KAR-D1's summary differs from its precincts' sum" differs <(counts in1/s-KAR-D1.txt) <(counts sums/KAR-D1-true.txt)

# The crosscheck lines the statement must end with, worked out here.
{
    echo "crosscheck: district AST-D1 version 1 items 3 agrees"
    echo "crosscheck: district KAR-D1 version 1 items 2 differs"
    field_lines in1/s-KAR-D1.txt in1/KAR-0001.txt in1/KAR-0002.txt
    echo "crosscheck: district KAR-D2 version 1 items 1 differs"
    field_lines in1/s-KAR-D2.txt in2/KAR-0003-v2.txt
    echo "crosscheck-item: KAR-0003 listed 1 counted 2"
    echo "crosscheck: region KAR version 1 items 2 agrees"
} >want-crosscheck.txt
expect_eq "  ... the expected KAR-D1 findings are q1_yes and q1_no" \
    "crosscheck-field: q1_yes*crosscheck-field: q1_no" \
    "$(field_lines in1/s-KAR-D1.txt in1/KAR-0001.txt in1/KAR-0002.txt | cut -d' ' -f1,2 | tr '\n' '*' | sed 's/\*$//')"

expect_ok "init" "workspace created" "$DAUYS" init -w ws --manifest manifest.txt --central-key central.pub
expect_ok "ingest round 1: 7 protocols, 4 summaries" "" "$DAUYS" ingest -w ws in1
expect_ok "ingest round 2: KAR-0003's correction" "1 correction" "$DAUYS" ingest -w ws in2
expect_ok "publish" "published" "$DAUYS" publish -w ws -k central.key bundle
expect_eq "  ... 4 summaries in the log" 4 "$(grep -c '^summary: ' bundle/log/entries.txt)"

# --- the clean bundle -------------------------------------------------------------------

section "the clean bundle passes, and the crosscheck is the one worked out by hand"

expect_ok "verify: all checks pass" "all checks pass" "$AUDIT" verify -p central.pub bundle
check "  ... it counts the summaries apart" matches "$OUT" "protocols, 4 summaries, 7 of 7 precincts counted"
check "  ... and names the summaries that differ" matches "$OUT" \
    "crosscheck: 4 areas with a commission: 2 agree, 2 differ, 0 without a current summary, 0 not readable; differing: district KAR-D1, district KAR-D2"
run "$AUDIT" verify --json -p central.pub bundle
expect_eq "  ... --json too" "2 2 ['district KAR-D1', 'district KAR-D2']" \
    "$(printf '%s' "$STDOUT" | "$PYTHON" -c 'import json, sys
c = json.load(sys.stdin)["crosscheck"]
print(c["agree"], c["differ"], c["differing"])')"
expect_eq "  ... no check fails (--json)" "" "$(failing bundle)"
expect_eq "  ... X1 passed, once per crosscheck line" "$(wc -l <want-crosscheck.txt)" "$(check_count bundle X1 passed)"
expect_eq "  ... the result's crosscheck lines are the ones worked out here" "$(cat want-crosscheck.txt)" \
    "$(grep '^crosscheck' bundle/result.txt)"
"$AUDIT" retally -p central.pub bundle >retally.txt 2>/dev/null
check "  ... retally reproduces result.txt byte for byte, crosscheck lines included" cmp -s retally.txt bundle/result.txt
expect_ok "dauys archive: the bundle as one file" "" "$DAUYS" archive bundle bundle.tar
expect_ok "verify the archive: all checks pass (summaries read again from it)" "all checks pass" \
    "$AUDIT" verify -p central.pub bundle.tar
expect_eq "  ... X1 as in the directory" "$(wc -l <want-crosscheck.txt)" "$(check_count bundle.tar X1 passed)"
expect_eq "  ... index.tsv names a summary LEVEL:AREA" "district:KAR-D1	1	accepted" \
    "$(awk -F'\t' '$2 == "district:KAR-D1" { print $2 "\t" $3 "\t" $4 }' bundle/protocols/index.tsv)"

# --- attacks ---------------------------------------------------------------------------

section "attacks, each caught by exactly its check"

AST=$(summary_entry bundle district AST-D1)
KAR=$(summary_entry bundle region KAR)
check "  ... the summaries' entries found" test -n "$AST" -a -n "$KAR"

# an insider counts a summary signed by a precinct's key (ingestion rejects it)
copy x1 nodb
rm -f "$(pfile x1 "$AST").minisig"
sign "$(pfile x1 "$AST")" keys/AST-0001.key
insider x1
expect_fails "a counted summary signed by a precinct's key" x1 "A3" \
    "FAIL A3 log entry $AST: counted, but not signed by the key the roster gives the district commission of AST-D1"

# ... or by another level's commission key
copy x2 nodb
rm -f "$(pfile x2 "$AST").minisig"
sign "$(pfile x2 "$AST")" keys/c-KAR.key
insider x2
expect_fails "a counted summary signed by the region's key" x2 "A3" "FAIL A3 log entry $AST"

# an insider drops a valid summary (logged as rejected): the crosscheck they
# publish then says none, which the audit's crosscheck (following the log) agrees with
copy x3 nodb
"$PYTHON" - x3/log/entries.txt "$KAR" <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
i = int(sys.argv[2])
t[i] = t[i].replace("event: accepted\n", "event: rejected\n").replace(
    "previous: ", "reason: signature the signature does not verify\nprevious: ")
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider x3
expect_fails "a valid summary logged as rejected" x3 "C1" \
    "FAIL C1 log entry $KAR: logged as rejected, but the files and the roster make it accepted"
check "  ... the forged statement says none for KAR" grep -qx "crosscheck: region KAR none" x3/result.txt

# the centre rewrites a crosscheck line and signs the statement again
copy x4 nodb
sed -i 's/^crosscheck: district KAR-D1 version 1 items 2 differs$/crosscheck: district KAR-D1 version 1 items 2 agrees/' x4/result.txt
"$RESEAL" x4 central.key --sign-result
check "  ... result.txt edited" differs x4/result.txt bundle/result.txt
expect_fails "a crosscheck line changed and re-signed" x4 "X1" \
    "FAIL X1 result.txt line $(grep -n '^crosscheck: district KAR-D1' x4/result.txt | cut -d: -f1): is \"crosscheck: district KAR-D1 version 1 items 2 agrees\""

# ... or drops a finding
copy x5 nodb
sed -i '/^crosscheck-field: q1_yes /d' x5/result.txt
"$RESEAL" x5 central.key --sign-result
expect_fails "a crosscheck-field line removed and re-signed" x5 "X1" "FAIL X1 result.txt line "

# ... or drops the whole crosscheck
copy x6 nodb
sed -i '/^crosscheck/d' x6/result.txt
"$RESEAL" x6 central.key --sign-result
expect_fails "every crosscheck line removed and re-signed" x6 "X1" "the statement leaves out \"crosscheck: district AST-D1"
expect_eq "  ... one failure per line left out" "$(wc -l <want-crosscheck.txt)" "$(check_count x6 X1 failed)"

# ... or swaps two findings (fields come in file order)
copy x13 nodb
"$PYTHON" - x13/result.txt <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
i = next(k for k, l in enumerate(lines) if l.startswith("crosscheck-field: ballots_issued "))
lines[i], lines[i + 1] = lines[i + 1], lines[i]
open(sys.argv[1], "w").write("\n".join(lines))
PY
"$RESEAL" x13 central.key --sign-result
expect_fails "two crosscheck-field lines swapped and re-signed" x13 "X1" "is out of order"

# ... or adds an area without a commission, or a crosscheck line among the questions'
copy x14 nodb
echo "crosscheck: district ALA-D1 none" >>x14/result.txt
sed -i 's/^valid: yes$/crosscheck: region KAR version 1 items 2 agrees\nvalid: yes/' x14/result.txt
"$RESEAL" x14 central.key --sign-result
expect_fails "an extra area and a misplaced line, re-signed" x14 "X1" \
    "\"crosscheck: district ALA-D1 none\" is more than the audit's crosscheck gives"
check "  ... the misplaced line named" matches "$OUT" "the crosscheck lines come last"
check "  ... the numbers' lines still compared (T1 passes)" test "$(check_count x14 T1 failed)" = 0

# a summary_answer row edited in the database
copy x7
"$SQLITE" x7/dauys.db "UPDATE summary_answer SET yes = yes + 5, no = no - 5 WHERE level = 'district' AND area = 'AST-D1'"
expect_fails "a summary_answer row edited" x7 "C3" "FAIL C3 dauys.db summary_answer district AST-D1 version 1 question q1"

# a summary_item row edited in the database
copy x8
"$SQLITE" x8/dauys.db "UPDATE summary_item SET item_version = 2 WHERE area = 'KAR-D2'"
expect_fails "a summary_item row edited" x8 "C3" "FAIL C3 dauys.db summary_item district KAR-D2"

# submission.level edited
copy x9
"$SQLITE" x9/dauys.db "UPDATE submission SET level = 'region' WHERE area = 'KAR-D1'"
expect_fails "submission.level edited" x9 "C3" "column level"

# an outsider alters a summary file: I3, and its area is not checked (X1 unchecked, not failed)
copy x10 nodb
flip "$(pfile x10 "$AST")" 200
expect_fails "a summary file altered" x10 "I3" "FAIL I3 log entry $AST"
expect_eq "  ... AST-D1's crosscheck line is unchecked, not failed" 1 "$(check_count x10 X1 unchecked)"

# ... or a protocol the district's sum needs: that district is unchecked
copy x11 nodb
flip "$(pfile x11 "$(awk '/^index: / { i = $2 } /^precinct: KAR-0001$/ { print i; exit }' bundle/log/entries.txt)")" 100
expect_fails "a protocol a summary is checked against altered" x11 "I3"
check "  ... KAR-D1's three lines are unchecked" test "$(check_count x11 X1 unchecked)" = 3

# index.tsv's line for a summary edited
copy x12 nodb
sed -i 's/\tdistrict:KAR-D2\t/\tdistrict:KAR-D1\t/' x12/protocols/index.tsv
expect_fails "protocols/index.tsv names another area" x12 "I4" "FAIL I4 protocols/index.tsv line"

# --- observers' copies --------------------------------------------------------------------

section "compare-copies: a summary is never a copy of a precinct's protocol"

mkdir held && cp in1/s-KAR-D1.txt in1/KAR-0001.txt in1/KAR-0003.txt held/
expect_exit "compare-copies on a directory with a summary" 1 \
    "KAR-0001.txt: counted: KAR-0001 version 1*KAR-0003.txt: superseded: KAR-0003 version 1*s-KAR-D1.txt: counted: district:KAR-D1 version 1" \
    "$AUDIT" compare-copies -p central.pub bundle held
check "  ... no summary is named as a precinct \"\"" lacks_empty "$OUT"

section "follow --copies: a summary's file is followed per area, never as a precinct's"

expect_ok "dauys checkpoint --tiles" "" "$DAUYS" checkpoint -w ws -k central.key --tiles T
mkdir fheld && cp in1/s-AST-D1.txt in1/s-AST-D1.txt.minisig in1/KAR-0001.txt fheld/
# s-AST-D1 comes first of four summaries in the log: a summary's entry is not
# "the precinct \"\"" whose last counting entry would supersede it
expect_ok "follow --copies: the district summary counted unchanged" \
    "s-AST-D1.txt: counted unchanged (entry *, accepted, summary district:AST-D1 version 1)*copies: 2: 2 counted unchanged, 0 superseded" \
    "$AUDIT" follow T -p central.pub --state S --once --copies fheld
make_summary in3.txt district AST-D1 2 AST-0001:1:in1/AST-0001.txt AST-0002:1:in1/AST-0002.txt \
    AST-0003:1:in1/AST-0003.txt
mkdir in3 && mv in3.txt in3/s-AST-D1-v2.txt && sign in3/s-AST-D1-v2.txt keys/c-AST-D1.key
expect_ok "ingest AST-D1's summary version 2" "1 correction" "$DAUYS" ingest -w ws in3
expect_ok "dauys checkpoint --tiles again" "" "$DAUYS" checkpoint -w ws -k central.key --tiles T
expect_exit "follow --copies: now superseded by the district's version 2, not held" 1 \
    "FAIL s-AST-D1.txt: superseded (entry *, accepted, summary district:AST-D1 version 1): entry * counts now, a file you do not hold" \
    "$AUDIT" follow T -p central.pub --state S --once --copies fheld

summary
