#!/usr/bin/env bash
# replay_cli.sh: end-to-end replay of a real referendum: Italy's
# constitutional referendum of 22-23 March 2026, by municipality
# (tests/data/it-2026, CC BY 4.0, ondata / Ministry of the Interior).
#
#   usage: bash tests/cli/replay_cli.sh /path/to/dauys /path/to/dauys-audit
#
# import-csv must reproduce the file's totals exactly and flag the three rows
# that break control relations (SASSARI: took part 0 with 57,523 ballots
# counted; GIANO VETUSTO and SPECCHIA: more voters than on their lists);
# ingestion must reject exactly those, the tally must equal the file's totals
# less those rows (computed here by python3 straight from the CSV), the
# verdict under the Italian constitutional profile must be "not adopted", and
# the published result must verify with stock minisign. About 20 s.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
CSV=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../data/it-2026/municipalities.csv")
MAP=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../data/it-2026/it-eligendo.map")
cli_args "$@"
cli_workdir replay

run() {
    CMD=$(printf '%q ' "$@")
    OUT=$(setsid -w "$@" </dev/null 2>&1)
    RC=$?
}

# csv_sum COLUMN [CODE...]: the sum of COLUMN over the CSV rows, less rows CODE...
csv_sum() {
    python3 - "$CSV" "$@" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
skip = set(sys.argv[3:])
print(sum(int(r[sys.argv[2]]) for r in rows if r["cod"] not in skip))
PY
}

section "import-csv"
expect_ok "import-csv --preset it-eligendo" \
    "7896 rows (21 regions, 111 districts)*totals of the file: eligible 51,423,312, took part 28,582,254, yes 13,251,848, no 15,084,027; 3 rows break a control relation" \
    "$DAUYS" import-csv --preset it-eligendo "$CSV" -o replay
check "  ... SASSARI flagged with R4 and its numbers" matches "$OUT" \
    "breaks R4: *(200730620, SASSARI): q1: yes 20879 + no 36644 + not counted 0 + invalid 0 = 57523 != ballots in the boxes 0"
check "  ... GIANO VETUSTO flagged with R3" matches "$OUT" "breaks R3: *(150200400, GIANO VETUSTO): ballots issued 259 > citizens on the list 255"
check "  ... SPECCHIA flagged with R3" matches "$OUT" "breaks R3: *(160410760, SPECCHIA): ballots issued 2037 > citizens on the list 2021"
expect_eq "  ... one protocol and signature per row" "7896 7896" \
    "$(find replay/protocols -name '*.txt' | wc -l) $(find replay/protocols -name '*.minisig' | wc -l)"
expect_eq "  ... the vote abroad is a region of kind abroad" "region: ESTERO abroad Estero (votes cast abroad)" \
    "$(grep '^region: ESTERO' replay/manifest.txt)"
expect_eq "  ... the central key is 0600" 600 "$(stat -c %a replay/central.key)"
expect_ok "  ... the manifest verifies with stock minisign" "" minisign -Vm replay/manifest.txt -p replay/central.pub
expect_exit "  ... refuses a non-empty output directory" 2 "must be a new or empty directory" \
    "$DAUYS" import-csv --preset it-eligendo "$CSV" -o replay
expect_exit "  ... refuses an unknown preset" 2 "no preset" "$DAUYS" import-csv --preset xx "$CSV" -o other

section "import-csv --map"
expect_ok "import-csv --map (the preset written out as a map file)" "7896 rows (21 regions, 111 districts)" \
    "$DAUYS" import-csv --map "$MAP" "$CSV" -o replay-map
expect_eq "  ... writes the same protocols, byte for byte" "$(cat replay/protocols/*.txt | sha256sum)" \
    "$(cat replay-map/protocols/*.txt | sha256sum)"
expect_eq "  ... and the same manifest but for the fresh keys" \
    "$(sed 's/ RW[^ ]* / KEY /' replay/manifest.txt | sha256sum)" "$(sed 's/ RW[^ ]* / KEY /' replay-map/manifest.txt | sha256sum)"
sed 's/^no: {voti_no}$/no: {voti_nein}/' "$MAP" > bad-column.map
expect_exit "  ... a column the CSV lacks is named" 2 'no column "voti_nein"' \
    "$DAUYS" import-csv --map bad-column.map "$CSV" -o x1
grep -v '^yes: ' "$MAP" > bad-order.map
expect_exit "  ... a missing key is named with its line" 2 "bad-order.map:13: yes: expected here, found \"no\"" \
    "$DAUYS" import-csv --map bad-order.map "$CSV" -o x2
expect_exit "  ... --preset and --map together are refused" 2 "give one of --preset and --map" \
    "$DAUYS" import-csv --preset it-eligendo --map "$MAP" "$CSV" -o x3

section "init, ingest"
expect_ok "init" "workspace created" "$DAUYS" init -w ws --manifest replay/manifest.txt --central-key replay/central.pub
expect_exit "ingest rejects exactly the three flagged rows" 1 \
    "7896 files in*7893 accepted, 0 corrections, 3 rejected, 0 replays, 0 conflicts, 0 stale, 0 duplicates*reasons: R3 2, R4 1" \
    "$DAUYS" ingest -q -w ws replay/protocols

section "tally"
run "$DAUYS" tally -w ws --json
expect_eq "tally --json exits 0" 0 "$RC"
echo "$OUT" > tally.json
nat() { python3 -c "import json,sys; q=json.load(open('tally.json'))['questions'][0]; print(' '.join(str(q['national'][k]) for k in sys.argv[1:]))" "$@"; }
SKIP="200730620 150200400 160410760"
# shellcheck disable=SC2086 # SKIP is a list of codes
expect_eq "national totals = the file's totals less the three rejected rows" \
    "$(csv_sum elettori_t $SKIP) $(csv_sum votanti_t $SKIP) $(csv_sum voti_si $SKIP) $(csv_sum voti_no $SKIP)" \
    "$(nat eligible took_part yes no)"
# shellcheck disable=SC2086
expect_eq "  ... and the rejected rows are exactly the difference from the file's totals" \
    "51423312 13251848 15084027" \
    "$(( $(nat eligible) + $(csv_sum elettori_t) - $(csv_sum elettori_t $SKIP) )) $(( $(nat yes) + $(csv_sum voti_si) - $(csv_sum voti_si $SKIP) )) $(( $(nat no) + $(csv_sum voti_no) - $(csv_sum voti_no $SKIP) ))"
expect_eq "verdict: valid (no quorum), not adopted" "True False" \
    "$(python3 -c "import json; q=json.load(open('tally.json'))['questions'][0]; print(q['valid'], q['adopted'])")"
expect_eq "  ... under Art. 138 (majority of valid votes)" "Constitution of Italy, Art. 138" \
    "$(python3 -c "import json; q=json.load(open('tally.json'))['questions'][0]; print(q['rules'][0]['clause'])")"
expect_eq "  ... provisional: three precincts without an accepted protocol" "False 7896 7893" \
    "$(python3 -c "import json; t=json.load(open('tally.json')); print(t['final'], t['precincts_expected'], t['precincts_reporting'])")"
run "$DAUYS" tally -w ws
check "the text table shows yes as a share of valid votes" matches "$OUT" "ESTERO*56.34%*yes"

section "publish"
expect_ok "publish" "published to bundle/" "$DAUYS" publish -w ws -k replay/central.key bundle
expect_ok "  ... the result verifies with stock minisign" "" minisign -Vm bundle/result.txt -p bundle/central.pub
check "  ... the result says not adopted" grep -qx "adopted: no" bundle/result.txt
expect_eq "  ... 7896 protocols in the bundle" 7896 "$(find bundle/protocols -name '*.txt' | wc -l)"

section "audit (dauys-audit verify)"
expect_ok "the published bundle passes every check" "all checks pass" \
    "$AUDIT" verify --central-key replay/central.pub bundle
check "  ... 7896 protocols re-derived, 7893 precincts counted" matches "$OUT" "7896 protocols, 7893 of 7896 precincts counted"
run "$AUDIT" verify --json -p replay/central.pub bundle
expect_eq "  ... --json says pass" pass "$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['result'])")"
tamper() { rm -rf t && cp -a bundle t; }
tamper; sed -i 's/^q1_yes: \([0-9]*\)$/q1_yes: 1\1/' t/protocols/00000002.txt
expect_exit "tamper: a count altered after signing is caught (I3, at its log entry)" 1 \
    "FAIL I3 log entry 2: protocols/00000002.txt does not hash" "$AUDIT" verify -p replay/central.pub t
tamper; rm t/protocols/00000005.txt
expect_exit "tamper: a deleted protocol file is caught (I3)" 1 "FAIL I3 log entry 5: protocols/00000005.txt is missing" \
    "$AUDIT" verify -p replay/central.pub t
tamper; sed -i '0,/^national: /s/yes \([0-9]*\) no/yes 9\1 no/' t/result.txt
expect_exit "tamper: an edited result is caught (I3)" 1 "FAIL I3 result.txt: the statement or its signature does not hash" "$AUDIT" verify -p replay/central.pub t
tamper; python3 - <<'PY'
t = open('t/log/entries.txt').read().split('format: dauys-log 1\n')[1:]
t[3], t[4] = t[4], t[3]
open('t/log/entries.txt', 'w').write(''.join('format: dauys-log 1\n' + e for e in t))
PY
expect_exit "tamper: reordered log entries break the chain (I1) and the root (I2)" 1 \
    "FAIL I1 log entry 3: index 4*FAIL I2 checkpoint" "$AUDIT" verify -p replay/central.pub t
expect_exit "a file that is not a public key cannot run the audit (exit 2)" 2 "public key: not 42 bytes" \
    "$AUDIT" verify --central-key replay/manifest.txt.minisig bundle
$DAUYS keygen --unencrypted -o attacker >/dev/null 2>&1
expect_exit "tamper: checked against another key, the manifest's signature fails (A2)" 1 \
    "FAIL A2 log entry 0: manifests/v1.txt is not signed by the central key" \
    "$AUDIT" verify --central-key attacker.pub bundle

# A file with more rows than separately locked secret keys fit in the
# process's memory mappings (about 20,000 at vm.max_map_count 65530):
# import-csv derived every precinct key in locked memory of its own and failed
# "out of secure memory". The file is $DAUYS_REPLAY_COPIES copies (default 4:
# 31,581 rows) of Italy's municipalities, the vote abroad only in the first,
# each copy's codes and names made its own.
COPIES=${DAUYS_REPLAY_COPIES:-4}
section "import-csv of a large file ($COPIES copies of the municipalities)"
python3 - "$CSV" "$COPIES" > big.csv <<'PY2'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
w.writeheader()
for k in range(int(sys.argv[2])):
    for r in rows:
        if k == 0 or r["area"] == "italia":
            w.writerow(dict(r, cod=f"{k}{r['cod']}", desc_com=r["desc_com"] + (f" {k}" if k else "")))
PY2
BIG_ROWS=$(($(wc -l < big.csv) - 1))
expect_ok "import-csv writes every row" "$BIG_ROWS rows (21 regions, 111 districts)" \
    "$DAUYS" import-csv --preset it-eligendo big.csv -o big
expect_eq "  ... one protocol and signature per row" "$BIG_ROWS $BIG_ROWS" \
    "$(find big/protocols -name '*.txt' | wc -l) $(find big/protocols -name '*.minisig' | wc -l)"
expect_eq "  ... every precinct has a key of its own" "$BIG_ROWS" \
    "$(awk '/^precinct: / { print $5 }' big/manifest.txt | sort -u | wc -l)"
expect_ok "  ... init" "workspace created" "$DAUYS" init -w big-ws --manifest big/manifest.txt --central-key big/central.pub
expect_exit "  ... every protocol's signature verifies: only the flagged rows are rejected" 1 \
    "$BIG_ROWS files in*$((BIG_ROWS - 3 * COPIES)) accepted, 0 corrections, $((3 * COPIES)) rejected*reasons: R3 $((2 * COPIES)), R4 $COPIES" \
    "$DAUYS" ingest -q -w big-ws big/protocols

summary
