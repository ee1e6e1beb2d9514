#!/usr/bin/env bash
# publish_cli.sh: end-to-end test of `dauys tally` and `dauys publish` on a
# small referendum: 5 regions (a capital, a city, two oblasts and one region
# of kind `abroad`), 6 districts, 16 precincts, one question under
# kz-constitutional, on a single ballot.
#
#   usage: bash tests/cli/publish_cli.sh /path/to/dauys /path/to/dauys-audit
#
# The script chooses every protocol's numbers itself (awk) and computes the
# totals and the verdict on its own. Two workspaces differ by a single vote in
# one region: in wsA 3 of the 4 home regions have a majority (3 >= ceil(2*4/3)
# = 3: adopted); in wsB 2 do (not adopted), the third being an exact tie. The
# abroad region votes no and has more voters than the margin: its votes count
# nationally, but if it were one of the regions the test would need 4 of 5 and
# wsA would fail. Then:
#   1. `dauys tally` (text, --json, --csv) against the script's own sums;
#   2. `dauys publish`: the bundle's exact file names, the result statement
#      (verified with stock minisign, its numbers against the tally), the log
#      (the RFC 6962 root recomputed here in python3), the checkpoint, every
#      protocol against its log entry, and the database copy;
#   3. determinism: publishing again with nothing new changes nothing (diff -r
#      is empty, no log entry); after one more protocol a new result is
#      appended and it is FINAL;
#   4. refusals: a non-empty output directory and a precinct's key instead of
#      the central key; neither changes the log.
# dauys-audit is taken for symmetry with the other CLI tests and only asked
# for --help.
#
# Hermetic (a mktemp -d directory removed on exit), non-interactive (every
# dauys command runs under `setsid -w` with nothing on stdin, and the keys are
# unencrypted), needs bash, coreutils, util-linux (setsid), awk, sqlite3,
# python3 (or $PYTHON3) and minisign. About 5 s (more where python3 is a slow
# shim, such as pyenv's). Prints every failing check with the
# command's output, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
SQLITE=${SQLITE3:-sqlite3}
MINISIGN=${MINISIGN:-minisign}
PYTHON=${PYTHON3:-python3}

for tool in "$SQLITE" "$MINISIGN" "$PYTHON" awk setsid sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed" >&2
        exit 2
    fi
done

cli_workdir publish

# --- helpers specific to this test (the shared ones are in lib.sh) -------------

run() { run_split "$@"; }

# count WS TABLE: the rows of TABLE in WS's database, or -1 if it cannot be read
# (a number either way, so that the arithmetic below always works).
count() {
    local n
    n=$(q "$1/dauys.db" "SELECT count(*) FROM $2")
    if [[ $n =~ ^[0-9]+$ ]]; then echo "$n"; else echo -1; fi
}
nlog() { count "$1" log_entry; }
ncheckpoints() { count "$1" checkpoint; }
sha_of() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
lacks_word() { ! grep -q "$2" "$1"; }
json_valid() { "$PYTHON" -m json.tool <"$1" >/dev/null 2>&1; }

# sign FILE KEY: signs FILE with the secret key file KEY.
sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $2" >&2; }

# --- the referendum: roster, keys, numbers ---------------------------------------

REF=kz-publish-2026
ORIGIN=dauys/$REF/test

# The regions, in manifest order (the abroad region deliberately not last).
REGIONS="AST capital Astana
ALA city Almaty
ABR abroad Citizens abroad
KAR oblast Karaganda region
TUR oblast Turkestan region"
DISTRICTS="AST-D1 AST Esil district
ALA-D1 ALA Almaly district
ABR-D1 ABR Consulates
KAR-D1 KAR Karaganda district
KAR-D2 KAR Temirtau district
TUR-D1 TUR Turkestan district"
# The roster: PRECINCT DISTRICT REGION, then how the region votes in wsA and
# in wsB: yes (70% of the valid ballots), no (20%), maj (the region's yes is
# exactly floor(took_part / 2) + 1: the smallest majority), tie (exactly
# floor(took_part / 2): the largest number that is not a majority).
ROSTER="AST-0001 AST-D1 AST yes yes
AST-0002 AST-D1 AST yes yes
AST-0003 AST-D1 AST yes yes
ALA-0001 ALA-D1 ALA maj tie
ALA-0002 ALA-D1 ALA maj tie
ALA-0003 ALA-D1 ALA maj tie
ABR-0001 ABR-D1 ABR no no
ABR-0002 ABR-D1 ABR no no
ABR-0003 ABR-D1 ABR no no
ABR-0004 ABR-D1 ABR no no
KAR-0001 KAR-D1 KAR yes yes
KAR-0002 KAR-D1 KAR yes yes
KAR-0003 KAR-D2 KAR yes yes
TUR-0001 TUR-D1 TUR tie tie
TUR-0002 TUR-D1 TUR tie tie
TUR-0003 TUR-D1 TUR tie tie"
LAST=ABR-0004 # held back in wsA until section 3

# plan SCENARIO (A or B): one line per precinct, in roster order:
#   PRECINCT DISTRICT REGION VOTERS ON_LIST RECEIVED ISSUED CANCELLED IN_BOXES YES NO NOT_COUNTED INVALID
# lawful numbers (R1-R4 hold, no W finding), varied per precinct; a region's
# last precinct absorbs what makes its total hit maj or tie exactly.
plan() {
    awk -v sc="$1" '
    { n++; pid[n] = $1; did[n] = $2; rid[n] = $3; mode[n] = sc == "A" ? $4 : $5 }
    END {
        for (g = 1; g <= n; g++) {
            voters[g] = rid[g] == "ABR" ? 700 + 17 * g : 900 + 53 * g
            on[g] = voters[g] + g % 5
            box[g] = int(on[g] * (55 + (g * 7) % 20) / 100)
            iss[g] = box[g] + g % 4
            can[g] = on[g] - iss[g]
            nc[g] = 2 + g % 3
            inv[g] = 4 + g % 5
            val = box[g] - nc[g] - inv[g]
            y[g] = mode[g] == "yes" ? int(val * 7 / 10) : mode[g] == "no" ? int(val * 2 / 10) : int(val / 2)
            no[g] = val - y[g]
            T[rid[g]] += box[g]
            Y[rid[g]] += y[g]
            last[rid[g]] = g
        }
        for (r in last) {
            g = last[r]
            if (mode[g] == "maj" || mode[g] == "tie") {
                d = int(T[r] / 2) + (mode[g] == "maj") - Y[r]
                y[g] += d
                no[g] -= d
                if (y[g] < 0 || no[g] < 0) { print "plan: region " r " cannot be balanced" >"/dev/stderr"; exit 1 }
            }
        }
        for (g = 1; g <= n; g++)
            print pid[g], did[g], rid[g], voters[g], on[g], on[g], iss[g], can[g], box[g], y[g], no[g], nc[g], inv[g]
    }' <<<"$ROSTER"
}

# protocol FILE PLAN_LINE: writes the protocol of one plan line.
protocol() {
    local f=$1 p _d _r _v on rec iss can box yes no nc inv
    read -r p _d _r _v on rec iss can box yes no nc inv <<<"$2"
    {
        printf 'format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: 1\n' "$REF" "$p"
        printf 'citizens_on_list: %s\nballots_received: %s\nballots_issued: %s\n' "$on" "$rec" "$iss"
        printf 'ballots_cancelled: %s\nballots_in_boxes: %s\n' "$can" "$box"
        printf 'q1_yes: %s\nq1_no: %s\nq1_not_counted: %s\nq1_invalid: %s\n' "$yes" "$no" "$nc" "$inv"
    } >"$f"
}

# expected PLAN_FILE PRECINCT...: what the tally must say, computed here from
# the plan and the precincts whose protocols count. One line per area:
#   LEVEL ID EXPECTED REPORTING ELIGIBLE TOOK_PART YES NO NOT_COUNTED INVALID
# national first, then the regions and the districts in manifest order.
expected() {
    local planfile=$1
    shift
    printf '%s\n' "$@" | awk '
        FILENAME == "-" { counted[$1] = 1; next }
        {
            if (!($3 in rseen)) { rseen[$3] = 1; rorder[++nr] = $3 }
            if (!($2 in dseen)) { dseen[$2] = 1; dorder[++nd] = $2 }
            add("national", "national", $0)
            add("region", $3, $0)
            add("district", $2, $0)
        }
        function add(level, id, line,   f, k) {
            split(line, f, " ")
            k = level SUBSEP id
            exp_[k]++
            if (!(f[1] in counted)) return
            rep[k]++
            e[k] += f[5]; t[k] += f[9]; y[k] += f[10]; no[k] += f[11]; nc[k] += f[12]; inv[k] += f[13]
        }
        function out(level, id,   k) {
            k = level SUBSEP id
            printf "%s %s %d %d %d %d %d %d %d %d\n", level, id, exp_[k], rep[k], e[k], t[k], y[k], no[k], nc[k], inv[k]
        }
        END {
            out("national", "national")
            for (i = 1; i <= nr; i++) out("region", rorder[i])
            for (i = 1; i <= nd; i++) out("district", dorder[i])
        }' - "$planfile"
}

# verdict EXPECTED_LINES: "QUORUM MAJORITY HAVE NEEDED OF VALID ADOPTED" under
# kz-constitutional, computed here: more than half = 2x > whole; at least two
# thirds of R regions = R - floor(R / 3); the abroad region is not a region.
verdict() {
    awk -v abroad=ABR '
        $1 == "national" { quorum = 2 * $6 > $5; majority = 2 * $7 > $6 }
        $1 == "region" && $2 != abroad { of++; have += 2 * $7 > $6 }
        END {
            needed = of - int(of / 3)
            valid = quorum; adopted = quorum && majority && have >= needed
            print quorum, majority, have, needed, of, valid, adopted
        }' <<<"$1"
}

# tally_json FILE: the question's areas from `dauys tally --json`, in the
# format of expected ("" if the file is not JSON).
tally_json() {
    "$PYTHON" -c '
import json, sys
t = json.load(open(sys.argv[1]))
q = t["questions"][0]
def line(level, a):
    print(level, a["id"], *[a[k] for k in ("precincts_expected", "precincts_reporting", "eligible",
          "took_part", "yes", "no", "not_counted", "invalid")])
line("national", q["national"])
for a in q["regions"]: line("region", a)
for a in q["districts"]: line("district", a)' "$1" 2>/dev/null
}

# json_rules FILE: "VALID ADOPTED FINAL" and one line per rule from --json.
json_rules() {
    "$PYTHON" -c '
import json, sys
t = json.load(open(sys.argv[1]))
q = t["questions"][0]
print(str(q["valid"]).lower(), str(q["adopted"]).lower(), str(t["final"]).lower())
for r in q["rules"]:
    print(r["rule"], str(r["passed"]).lower(), r["have"], r["needed"], r["of"])' "$1" 2>/dev/null
}

# csv_areas FILE [names]: the CSV's rows (read with python3's csv module) in
# the format of expected; with "names", "LEVEL ID NAME;" for each row instead.
csv_areas() {
    "$PYTHON" -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))[1:]
for r in rows:
    if len(sys.argv) > 2:
        print("%s %s %s;" % (r[0], r[2], r[3]), end="")
    else:
        print(r[0], r[2], *r[4:])' "$@" 2>/dev/null
}

# result_areas FILE: the national and region lines of a result statement, in
# the format of expected.
result_areas() {
    awk '
        $1 == "national:" { split($15, p, "/"); print "national national", p[2], p[1], $3, $5, $7, $9, $11, $13 }
        $1 == "region:" { split($16, p, "/"); print "region", $2, p[2], p[1], $4, $6, $8, $10, $12, $14 }' "$1"
}

# text_majority TEXT: "ID yes|no" for each region row of the text report.
text_majority() { awk '$1 ~ /^(AST|ALA|ABR|KAR|TUR)$/ { print $1, $NF }' <<<"$1"; }

# The log, read by a short independent program: RFC 6962 roots and the fields
# of each entry. `logtool ENTRIES [SIZE...]` prints
#   count N
#   root SIZE BASE64          for the whole log and each SIZE given
#   entry INDEX EVENT PRECINCT VERSION FILE-SHA256 SIGNATURE-SHA256 REASON-CODE   ('-' if absent)
#   bad INDEX WHY             an entry that is not where it claims to be
cat >"$WORK/logtool.py" <<'EOF'
import base64, hashlib, sys

data = open(sys.argv[1], "rb").read()
sep = b"format: dauys-log 1\n"
parts = data.split(sep)
if parts[0] != b"":
    print("bad 0 the file does not start with an entry")
entries = [sep + p for p in parts[1:]]

def h(b):
    return hashlib.sha256(b).digest()

def mth(es):
    n = len(es)
    if n == 0:
        return h(b"")
    if n == 1:
        return h(b"\x00" + es[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return h(b"\x01" + mth(es[:k]) + mth(es[k:]))

print("count", len(entries))
for size in [len(entries)] + [int(s) for s in sys.argv[2:]]:
    if 0 <= size <= len(entries):
        print("root", size, base64.b64encode(mth(entries[:size])).decode())
for i, e in enumerate(entries):
    f = {}
    for line in e.decode("utf-8", "replace").split("\n")[1:]:
        if ": " in line:
            k, v = line.split(": ", 1)
            f.setdefault(k, v)
    if f.get("index") != str(i):
        print("bad", i, "index is", f.get("index"))
    print("entry", i, f.get("event", "-"), f.get("precinct", "-"), f.get("version", "-"),
          f.get("file-sha256", "-"), f.get("signature-sha256", "-"),
          f.get("reason", "-").split(" ")[0])
EOF
logtool() { "$PYTHON" "$WORK/logtool.py" "$@" 2>&1; }

# ws_entries_equal WS FILE: WS's log entries, concatenated in order, are FILE's bytes.
ws_entries_equal() {
    "$PYTHON" - "$1/dauys.db" "$2" <<'EOF' 2>/dev/null
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
log = b"".join(bytes(r[0]) for r in db.execute("SELECT entry FROM log_entry ORDER BY idx"))
sys.exit(0 if log == open(sys.argv[2], "rb").read() else 1)
EOF
}

# --- keys, manifest, protocols ----------------------------------------------------

section "keys, manifest and protocols"

PRECINCTS=()
while read -r p _; do PRECINCTS+=("$p"); done <<<"$ROSTER"
printf '%s\n' "${PRECINCTS[@]}" >ids.txt

expect_ok "keygen: central key (unencrypted)" "" "$DAUYS" keygen --unencrypted -o central
expect_ok "keygen: 16 precinct keys" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys

plan A >planA.txt
plan B >planB.txt
check "the plans have 16 lines each" test "$(wc -l <planA.txt),$(wc -l <planB.txt)" = "16,16"
expect_eq "wsA and wsB differ in one precinct, by one vote moved from yes to no" \
    "ALA-0003 1 -1" \
    "$(paste -d' ' planA.txt planB.txt | awk '$10 != $23 || $11 != $24 { print $1, $10 - $23, $11 - $24 }
                                         { for (i = 1; i <= 9; i++) if ($i != $(i + 13)) print "differs:", $1, i }')"

{
    printf 'format: dauys-manifest 1\nreferendum: %s\ntitle: Publish test referendum\n' "$REF"
    printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
    printf 'question: q1 kz-constitutional Do you approve the amendments to the Constitution?\n'
    while read -r id rest; do printf 'region: %s %s\n' "$id" "$rest"; done <<<"$REGIONS"
    while read -r id rest; do printf 'district: %s %s\n' "$id" "$rest"; done <<<"$DISTRICTS"
    while read -r p d _r v _; do
        printf 'precinct: %s %s %s %s Precinct %s\n' "$p" "$d" "$v" "$(pub_b64 "keys/$p.pub")" "$p"
    done <planA.txt
} >manifest.txt
sign manifest.txt central.key
check "the manifest is signed" test -s manifest.txt.minisig

for sc in A B; do
    mkdir "in$sc"
    while read -r line; do
        p=${line%% *}
        protocol "in$sc/$p.txt" "$line"
        sign "in$sc/$p.txt" "keys/$p.key"
    done <"plan$sc.txt"
done
mkdir inA-last
mv "inA/$LAST.txt" "inA/$LAST.txt.minisig" inA-last/
# two submissions that are rejected but still belong in the bundle: an
# unsigned protocol, and a signed one altered after signing
mkdir bad
protocol bad/KAR-0001-unsigned.txt "$(grep '^KAR-0001 ' planB.txt | awk '{ $10 -= 1; $11 += 1; print }')"
protocol bad/TUR-0002-altered.txt "$(grep '^TUR-0002 ' planA.txt)"
sign bad/TUR-0002-altered.txt keys/TUR-0002.key
sed -i 's/^q1_no: /q1_no: 1/' bad/TUR-0002-altered.txt

expect_ok "init wsA" "workspace created" "$DAUYS" init -w wsA --manifest manifest.txt --central-key central.pub
expect_ok "init wsB" "workspace created" "$DAUYS" init -w wsB --manifest manifest.txt --central-key central.pub
expect_exit "wsA: ingest the two bad files: exit 1" 1 "2 rejected" "$DAUYS" ingest -w wsA bad
expect_ok "wsA: ingest 15 of the 16 protocols" "15 accepted, 0 corrections, 0 rejected" "$DAUYS" ingest -w wsA inA
expect_ok "wsB: ingest all 16 protocols" "16 accepted, 0 corrections, 0 rejected" "$DAUYS" ingest -w wsB inB
expect_eq "wsA: no warnings (the numbers are lawful and unremarkable)" 0 "$(q wsA/dauys.db 'SELECT count(*) FROM warning')"

COUNTED_A=() COUNTED_ALL=("${PRECINCTS[@]}")
for p in "${PRECINCTS[@]}"; do [ "$p" = "$LAST" ] || COUNTED_A+=("$p"); done
WANT_A=$(expected planA.txt "${COUNTED_A[@]}")
WANT_B=$(expected planB.txt "${COUNTED_ALL[@]}")
WANT_A_FINAL=$(expected planA.txt "${COUNTED_ALL[@]}")

# The design, checked against the script's own arithmetic before dauys is asked.
# verdict: quorum majority have needed of valid adopted
expect_eq "design: wsA (15 of 16) has 3 of 4 home regions with a majority: adopted" "1 1 3 3 4 1 1" "$(verdict "$WANT_A")"
expect_eq "design: wsA (all 16) likewise" "1 1 3 3 4 1 1" "$(verdict "$WANT_A_FINAL")"
expect_eq "design: wsB has 2 of 4: valid, not adopted" "1 1 2 3 4 1 0" "$(verdict "$WANT_B")"
expect_eq "design: were the abroad region a region, wsA would fail (3 of 5, 4 needed)" "1 1 3 4 5 1 0" \
    "$(verdict "${WANT_A//region ABR /region ABR-AS-A-REGION }")"
expect_eq "design: the abroad region votes no, and ALA and TUR sit exactly at the majority boundary" \
    "AST 1;ALA 1 0;ABR 0;KAR 1;TUR 0 0;" \
    "$(paste -d' ' <(grep '^region' <<<"$WANT_A") <(grep '^region' <<<"$WANT_B") |
        awk '{ a = $7 >= int($6 / 2) + 1; b = $17 >= int($16 / 2) + 1
               printf "%s %d%s;", $2, a, ($2 == "ALA" || $2 == "TUR") ? " " b : ""
               if (($2 == "ALA" || $2 == "TUR") && $7 != int($6 / 2) + a) printf "(not at the boundary)" }')"

# --- 1. the tally -------------------------------------------------------------------

section "tally"

expect_ok "dauys tally --help" "usage: dauys tally" "$DAUYS" tally --help
expect_ok "dauys publish --help" "usage: dauys publish" "$DAUYS" publish --help
expect_ok "dauys-audit --help" "usage" "$AUDIT" --help

# check_tally WS WANT FINAL_WORD DECISION MAJORITIES RULES: text, JSON and CSV of WS.
check_tally() {
    local ws=$1 want=$2 word=$3 decision=$4 majorities=$5 rules=$6
    expect_ok "$ws: tally --json" "" "$DAUYS" tally -w "$ws" --json
    printf '%s\n' "$STDOUT" >"$ws.tally.json"
    check "$ws:   ... parses with python3" json_valid "$ws.tally.json"
    expect_eq "$ws:   ... national, regions and districts equal the script's sums" "$want" "$(tally_json "$ws.tally.json")"
    expect_eq "$ws:   ... verdict and rules" "$rules" "$(json_rules "$ws.tally.json")"
    expect_ok "$ws: tally --csv" "" "$DAUYS" tally -w "$ws" --csv
    "$DAUYS" tally -w "$ws" --csv </dev/null >"$ws.tally.csv" 2>/dev/null
    expect_eq "$ws:   ... header" \
        "level,question,id,name,precincts_expected,precincts_reporting,eligible,took_part,yes,no,not_counted,invalid" \
        "$(head -n 1 "$ws.tally.csv" | tr -d '\r')"
    expect_eq "$ws:   ... every line ends in CRLF (13 lines)" "13 13" \
        "$(grep -c $'\r$' "$ws.tally.csv") $(wc -l <"$ws.tally.csv")"
    expect_eq "$ws:   ... rows equal the script's sums" "$want" "$(csv_areas "$ws.tally.csv")"
    expect_eq "$ws:   ... question column" q1 "$(tr -d '\r' <"$ws.tally.csv" | awk -F, 'NR > 1 { print $2 }' | sort -u)"
    expect_eq "$ws:   ... region names (quoted fields, as CSV allows)" \
        "national national Publish test referendum;$(while read -r id _ name; do printf 'region %s %s;' "$id" "$name"; done <<<"$REGIONS")" \
        "$(csv_areas "$ws.tally.csv" names | sed 's/district .*//')"
    expect_ok "$ws: tally (text)" "$word" "$DAUYS" tally -w "$ws"
    printf '%s\n' "$STDOUT" >"$ws.tally.txt"
    expect_stdout "$ws:   ... decision line" "$decision"
    expect_eq "$ws:   ... majority column per region" "$majorities" "$(text_majority "$STDOUT" | tr '\n' ';')"
    expect_stdout "$ws:   ... regional rule with its numbers" "regions  needed 3 regions with a majority of 4 regions; had $(awk '$1 == "regions" { print $3 }' <<<"$rules")"
}

RULES_A="true true false
quorum true $(awk '$1 == "national" { print $6, int($5 / 2) + 1, $5 }' <<<"$WANT_A")
majority true $(awk '$1 == "national" { print $7, int($6 / 2) + 1, $6 }' <<<"$WANT_A")
regions true 3 3 4"
RULES_B="true false true
quorum true $(awk '$1 == "national" { print $6, int($5 / 2) + 1, $5 }' <<<"$WANT_B")
majority true $(awk '$1 == "national" { print $7, int($6 / 2) + 1, $6 }' <<<"$WANT_B")
regions false 2 3 4"

check_tally wsA "$WANT_A" "PROVISIONAL: 15 of 16 precincts reporting (1 without an accepted protocol)" \
    "decision: VALID, ADOPTED (provisional)" "AST yes;ALA yes;ABR no;KAR yes;TUR no;" "$RULES_A"
check "wsA: the national totals include the abroad region" \
    test "$(awk '$1 == "national" { print $6 }' <<<"$WANT_A")" = \
    "$(awk '$1 == "region" { s += $6 } END { print s }' <<<"$WANT_A")"
check_tally wsB "$WANT_B" "FINAL: 16 of 16 precincts reporting" \
    "decision: VALID, NOT ADOPTED" "AST yes;ALA no;ABR no;KAR yes;TUR no;" "$RULES_B"
check "wsB: the text report does not say PROVISIONAL" lacks_word wsB.tally.txt PROVISIONAL

# --- 2. the bundle ------------------------------------------------------------------

section "publish"

# check_bundle NAME OUT WS WANT_STATUS REPORTING: everything about bundle OUT
# of workspace WS, just published.
check_bundle() {
    local name=$1 out=$2 ws=$3 status=$4 reporting=$5 lt n size want got idx ev pr ver fsha ssha code
    # the exact names
    want=$( {
        printf '%s\n' central.pub manifest.txt manifest.txt.minisig manifests manifests/v1.txt \
            manifests/v1.txt.minisig protocols protocols/index.tsv log log/entries.txt checkpoint \
            result.txt result.txt.minisig reports reports/tally.txt reports/tally.json reports/tally.csv \
            reports/report.html dauys.db
        q "$ws/dauys.db" "SELECT printf('protocols/%08d.txt', log_index) FROM submission;
                          SELECT printf('protocols/%08d.txt.minisig', log_index) FROM submission WHERE signature IS NOT NULL"
    } | sort)
    expect_eq "$name: exactly the documented files" "$want" "$(cd "$out" 2>/dev/null && find . -mindepth 1 | sed 's|^\./||' | sort)"
    expect_eq "$name:   ... one protocol file per submission" "$(q "$ws/dauys.db" 'SELECT count(*) FROM submission')" \
        "$(find "$out/protocols" -name '*.txt' 2>/dev/null | wc -l)"
    # signatures and keys
    run "$MINISIGN" -Vm "$out/result.txt" -p "$out/central.pub"
    if [ "$RC" = 0 ]; then pass; else fail "$name: minisign -Vm result.txt -p central.pub verifies" "exit $RC"; fi
    expect_eq "$name: central.pub is the central key" "$(pub_b64 central.pub)" "$(pub_b64 "$out/central.pub")"
    run "$MINISIGN" -Vm "$out/manifest.txt" -p "$out/central.pub"
    if [ "$RC" = 0 ]; then pass; else fail "$name: minisign verifies manifest.txt" "exit $RC"; fi
    check "$name: manifest.txt is the signed manifest" cmp -s manifest.txt "$out/manifest.txt"
    check "$name: manifest.txt.minisig is its signature" cmp -s manifest.txt.minisig "$out/manifest.txt.minisig"
    check "$name: manifests/v1.txt likewise" cmp -s manifest.txt "$out/manifests/v1.txt"
    check "$name: manifests/v1.txt.minisig likewise" cmp -s manifest.txt.minisig "$out/manifests/v1.txt.minisig"
    # the log
    check "$name: log/entries.txt is the workspace's log, byte for byte" ws_entries_equal "$ws" "$out/log/entries.txt"
    lt=$(logtool "$out/log/entries.txt")
    n=$(awk '$1 == "count" { print $2 }' <<<"$lt")
    expect_eq "$name: entries.txt has as many entries as the workspace's log" "$(nlog "$ws")" "$n"
    expect_eq "$name: every entry sits at its index" "" "$(grep '^bad ' <<<"$lt")"
    size=$(awk '$1 == "log-size:" { print $2 }' "$out/result.txt" 2>/dev/null)
    expect_eq "$name: result.txt's log-size is the log before the result entry" "$((n - 1))" "${size:-none}"
    lt=$(logtool "$out/log/entries.txt" "${size:-0}")
    expect_eq "$name: result.txt's log-root is the recomputed root of those entries" \
        "$(awk -v s="${size:-0}" '$1 == "root" && $2 == s { print $3 }' <<<"$lt")" \
        "$(awk '$1 == "log-root:" { print $2 }' "$out/result.txt" 2>/dev/null)"
    expect_eq "$name: the checkpoint: origin, size = entries, root = recomputed root, blank, signature line" \
        "$ORIGIN;$n;$(awk -v s="$n" '$1 == "root" && $2 == s { print $3 }' <<<"$lt");;— $ORIGIN " \
        "$(sed -n '1,4p' "$out/checkpoint" 2>/dev/null | tr '\n' ';')$(sed -n 5p "$out/checkpoint" 2>/dev/null | cut -d' ' -f1-2) "
    expect_eq "$name: the checkpoint has 5 lines" 5 "$(wc -l 2>/dev/null <"$out/checkpoint")"
    expect_eq "$name: the last entry is the result: its index, event, file and signature hashes" \
        "entry $((n - 1)) result - 1 $(sha_of "$out/result.txt") $(sha_of "$out/result.txt.minisig") -" \
        "$(grep '^entry ' <<<"$lt" | tail -n 1)"
    # every protocol file against its entry, and index.tsv against the log
    got='' want=''
    local -A sha=()
    while read -r fsha f; do sha[${f#"$out"/}]=$fsha; done < <(sha256sum "$out"/protocols/* 2>/dev/null)
    while read -r _ idx ev pr ver fsha ssha code; do
        case $ev in manifest | result) continue ;; esac
        printf -v f 'protocols/%08d.txt' "$idx"
        want="$want${f:10:8}	$pr	$ver	$ev	$code"$'\n'
        [ "${sha[$f]:-missing}" = "$fsha" ] || got="$got$f: sha256 ${sha[$f]:-missing}, entry says $fsha"$'\n'
        if [ "$ssha" = none ]; then
            [ -z "${sha[$f.minisig]:-}" ] || got="$got$f.minisig exists but the entry says none"$'\n'
        else
            [ "${sha[$f.minisig]:-missing}" = "$ssha" ] || got="$got$f.minisig: sha256 ${sha[$f.minisig]:-missing}, entry says $ssha"$'\n'
        fi
    done < <(grep '^entry ' <<<"$lt")
    expect_eq "$name: every protocols/NNNNNNNN.txt (and .minisig) hashes to log entry NNNNNNNN's" "" "$got"
    expect_eq "$name: protocols/index.tsv lists every protocol entry" \
        "log_index	precinct	version	outcome	reason_code"$'\n'"${want%$'\n'}" "$(cat "$out/protocols/index.tsv" 2>/dev/null)"
    # the result statement
    expect_eq "$name: result.txt's header" \
        "format: dauys-result 1;referendum: $REF;title: Publish test referendum;date: 2026-03-15;mode: test;manifest-version: 1;" \
        "$(head -n 6 "$out/result.txt" 2>/dev/null | tr '\n' ';')"
    expect_eq "$name: result.txt: status and precincts" "status: $status;precincts-expected: 16;precincts-reporting: $reporting;" \
        "$(grep -E '^(status|precincts-expected|precincts-reporting): ' "$out/result.txt" 2>/dev/null | tr '\n' ';')"
    "$DAUYS" tally -w "$ws" --json </dev/null >"$out.now.json" 2>/dev/null
    expect_eq "$name: result.txt's national and region numbers equal the tally's JSON" \
        "$(tally_json "$out.now.json" | grep -v '^district ')" "$(result_areas "$out/result.txt" 2>/dev/null)"
    expect_eq "$name: result.txt's rules and verdict equal the tally's JSON" \
        "$(json_rules "$out.now.json" | "$PYTHON" -c '
import sys
lines = sys.stdin.read().split("\n")
v, a, _ = lines[0].split()
for l in lines[1:]:
    if l:
        r, p, have, needed, of = l.split()
        print("rule: %s %s needed %s have %s of %s" % (r, "met" if p == "true" else "not-met", needed, have, of))
print("valid: " + ("yes" if v == "true" else "no"))
print("adopted: " + ("yes" if a == "true" else "no"))' 2>/dev/null)" \
        "$(grep -E '^(rule|valid|adopted): ' "$out/result.txt" 2>/dev/null)"
    # the reports are the tally's outputs
    check "$name: reports/tally.json is dauys tally --json" cmp -s "$out.now.json" "$out/reports/tally.json"
    "$DAUYS" tally -w "$ws" --csv </dev/null >"$out.now.csv" 2>/dev/null
    check "$name: reports/tally.csv is dauys tally --csv" cmp -s "$out.now.csv" "$out/reports/tally.csv"
    "$DAUYS" tally -w "$ws" </dev/null >"$out.now.txt" 2>/dev/null
    check "$name: reports/tally.txt is dauys tally" cmp -s "$out.now.txt" "$out/reports/tally.txt"
    "$DAUYS" report -w "$ws" --html "$out.now.html" </dev/null >/dev/null 2>&1
    check "$name: reports/report.html is dauys report --html" cmp -s "$out.now.html" "$out/reports/report.html"
    # the database copy
    expect_eq "$name: dauys.db: PRAGMA integrity_check" ok "$(q "$out/dauys.db" 'PRAGMA integrity_check')"
    expect_eq "$name: dauys.db: the same log as the workspace" "$n $(q "$ws/dauys.db" 'SELECT hex(sha256) FROM log_entry ORDER BY idx DESC LIMIT 1')" \
        "$(q "$out/dauys.db" 'SELECT count(*) FROM log_entry') $(q "$out/dauys.db" 'SELECT hex(sha256) FROM log_entry ORDER BY idx DESC LIMIT 1')"
    expect_eq "$name: dauys.db: not in WAL mode (a single file)" delete "$(q "$out/dauys.db" 'PRAGMA journal_mode')"
}

N0=$(nlog wsA)
expect_eq "wsA before publishing: manifest + 17 submissions" 18 "$N0"
expect_ok "publish wsA into OUT: exit 0" \
    "published to OUT/: result covering $N0 log entries (PROVISIONAL, adopted), checkpoint of $((N0 + 1)) entries" \
    "$DAUYS" publish -w wsA -k central.key OUT
expect_eq "  ... the log grew by one entry" $((N0 + 1)) "$(nlog wsA)"
check_bundle OUT OUT wsA provisional 15
expect_eq "OUT: the two rejected submissions are in index.tsv as rejected for their signature" \
    "KAR-0001 rejected signature;TUR-0002 rejected signature;" \
    "$(awk -F'\t' '$4 == "rejected" { print $2, $4, $5 }' OUT/protocols/index.tsv 2>/dev/null | sort | tr '\n' ';')"
expect_eq "OUT: the result's region lines: ABR is listed, with 3 of 4 precincts" \
    "region: ABR eligible $(awk '$1 == "region" && $2 == "ABR" { print $5, "took-part", $6 }' <<<"$WANT_A")" \
    "$(grep '^region: ABR ' OUT/result.txt 2>/dev/null | cut -d' ' -f1-6)"
expect_eq "OUT: the result's rules: regions met, 3 of 4, 3 needed" "rule: regions met needed 3 have 3 of 4" \
    "$(grep '^rule: regions ' OUT/result.txt 2>/dev/null)"

expect_ok "publish wsB into OUT-B: exit 0" "(final, valid, not adopted)" "$DAUYS" publish -w wsB -k central.key OUT-B
check_bundle OUT-B OUT-B wsB final 16
expect_eq "OUT-B: regions not met, 2 of 4, 3 needed; not adopted" \
    "rule: regions not-met needed 3 have 2 of 4;valid: yes;adopted: no;" \
    "$(grep -E '^(rule: regions|valid|adopted)' OUT-B/result.txt 2>/dev/null | tr '\n' ';')"

# --- 3. determinism -----------------------------------------------------------------

section "determinism"

N1=$(nlog wsA) C1=$(ncheckpoints wsA)
expect_ok "publish wsA again into OUT2, nothing new: exit 0" \
    "result covering $N0 log entries (PROVISIONAL, adopted), checkpoint of $N1 entries (unchanged since the last publication)" \
    "$DAUYS" publish -w wsA -k central.key OUT2
expect_eq "  ... diff -r OUT OUT2 is empty" "" "$(diff -r OUT OUT2 2>&1)"
expect_eq "  ... no log entry added" "$N1" "$(nlog wsA)"
expect_eq "  ... no checkpoint added" "$C1" "$(ncheckpoints wsA)"
check "  (OUT2 exists)" test -s OUT2/result.txt

# One more protocol: first the refusals, while there is something new to publish.
expect_ok "wsA: ingest the last protocol" "1 accepted" "$DAUYS" ingest -w wsA inA-last
N2=$(nlog wsA) C2=$(ncheckpoints wsA)
expect_eq "  ... the log grew by one" $((N1 + 1)) "$N2"

# --- 4. refusals --------------------------------------------------------------------

section "refusals"

mkdir OUT-full
printf 'keep me\n' >OUT-full/notes.txt
expect_exit "publish into a non-empty directory: exit 2" 2 "not empty" \
    "$DAUYS" publish -w wsA -k central.key OUT-full
expect_eq "non-empty OUT: the directory is as it was" "notes.txt" "$(ls -A OUT-full)"
expect_eq "non-empty OUT: the log is unchanged (no result appended)" "$N2" "$(nlog wsA)"
expect_eq "non-empty OUT: no checkpoint added" "$C2" "$(ncheckpoints wsA)"
expect_eq "non-empty OUT: the last entry is still the protocol" accepted \
    "$(q wsA/dauys.db "SELECT entry FROM log_entry ORDER BY idx DESC LIMIT 1" | sed -n 's/^event: //p')"
# (measured again, so that the next refusal is judged on its own)
N2=$(nlog wsA) C2=$(ncheckpoints wsA)

expect_exit "publish with a precinct's key: exit 2" 2 "not this workspace's central key" \
    "$DAUYS" publish -w wsA -k keys/AST-0001.key OUT-wrongkey
check "precinct key: no bundle written" absent OUT-wrongkey/result.txt
expect_eq "precinct key: the log is unchanged" "$N2" "$(nlog wsA)"
expect_eq "precinct key: no checkpoint added" "$C2" "$(ncheckpoints wsA)"

# --- 3 (continued). a new result ----------------------------------------------------

section "a new result"

expect_ok "publish wsA into OUT3 with every precinct in: exit 0, FINAL" \
    "result covering $((N1 + 1)) log entries (final, adopted), checkpoint of $((N1 + 2)) entries" \
    "$DAUYS" publish -w wsA -k central.key OUT3
expect_eq "  ... the log grew by 2 since OUT2: the protocol and the result" $((N1 + 2)) "$(nlog wsA)"
check_bundle OUT3 OUT3 wsA final 16
expect_eq "OUT3: the log holds both results, the old one first" "$((N1 - 1)) $((N1 + 1))" \
    "$(logtool OUT3/log/entries.txt | awk '$1 == "entry" && $3 == "result" { printf "%s%s", sep, $2; sep = " " }')"
check "OUT3: the earlier log is a prefix of the new one" \
    cmp -s OUT/log/entries.txt <(head -c "$(wc -c 2>/dev/null <OUT/log/entries.txt)" OUT3/log/entries.txt 2>/dev/null)
expect_eq "OUT3: the tally equals the script's sums with all 16" "$WANT_A_FINAL" "$(tally_json OUT3/reports/tally.json)"
check "OUT3: reports/tally.txt says FINAL" grep -qs '^FINAL: 16 of 16 precincts reporting' OUT3/reports/tally.txt
check "OUT3: ... and the decision is no longer provisional" grep -qs 'decision: VALID, ADOPTED$' OUT3/reports/tally.txt
check "OUT3 differs from OUT" test -n "$(diff -rq OUT OUT3 2>&1)"

# --- summary ------------------------------------------------------------------------

summary
