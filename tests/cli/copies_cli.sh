#!/usr/bin/env bash
# copies_cli.sh: dauys-audit compare-copies end to end (issue 19, observers'
# copies; docs/FORMATS.md section 23). A demo bundle of
# $DAUYS_COPIES_PRECINCTS precincts (default 2,000; the full tier the demo's
# 10,388); tests/tools/copies_gen.py transcribes every counted protocol from
# the bundle by its own route and plants 300 wrong rows (one or two fields
# each), the demo's two corrections transcribed from their first version
# (superseded: with and without the version column), precincts not in the
# roster, a duplicate row and a malformed count; compare-copies --json must
# find exactly those rows and fields (tests/tools/copies_check.py). Then: a
# clean copy agrees (exit 0); the text output; --map with other column
# names summed; the observers' signature (good, and a CSV changed after
# signing: exit 1); the bundle as an archive (the same rows); a counted
# protocol changed in the bundle (exit 1, named); another central key (exit
# 1); a directory of signed
# protocol files: counted (its receipt, the same bytes as dauys-audit prove
# writes, passing dauys-audit check), superseded, not counted, never logged;
# a bundle that is not there (exit 2); with RESEAL (tests/tools/reseal.c), an
# insider's log entry whose precinct holds a bidi control is never shown raw.
# About 10 s at 2,000 under gcc.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
PYTHON=${PYTHON3:-/usr/bin/python3}
TOOLS=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../tools")
N=${DAUYS_COPIES_PRECINCTS:-2000}
cli_workdir copies
run() { run_split "$@"; }

section "a demo bundle of $N precincts"
expect_ok "demo" "" "$DAUYS" demo --precincts "$N" --out demo
B=demo/bundle
KEY=demo/keys/central.pub

section "300 wrong transcriptions, found exactly"
"$PYTHON" "$TOOLS/copies_gen.py" "$B" copies.csv expected.json --wrong 300 || exit 2
CMD="compare-copies --json"
"$AUDIT" compare-copies -p "$KEY" "$B" copies.csv --json >out.json 2>err.txt
RC=$?
check "exit 1 on discrepancies" test "$RC" = 1
OUT=$("$PYTHON" "$TOOLS/copies_check.py" expected.json out.json)
check "exactly the planted rows and fields" test $? = 0
printf '%s\n' "$OUT"
check "identity on stderr" grep -q "^checked: referendum" err.txt

expect_exit "text" 1 "copies.csv:*: differs from version 1: *copy *, counted *" \
    "$AUDIT" compare-copies -p "$KEY" "$B" copies.csv
expect_stdout "superseded named" "superseded: the copy is version 1, version 2 counts now"
expect_stdout "unknown named" "ZZZ-0000: unknown: not in the roster"
expect_stdout "duplicate named" "duplicate: another row of this precinct is at line 2"
expect_stdout "malformed names file:line:field" "malformed: copies.csv:*:3: citizens_on_list (column \"citizens_on_list\"): \"12a\" is not a count"
expect_stdout "summary" "rows, 9 fields compared: * agree, 300 differ, 2 superseded, 0 not counted, 3 unknown, 1 malformed, 1 duplicate"

section "a clean copy agrees"
"$PYTHON" "$TOOLS/copies_gen.py" "$B" clean.csv clean.json --clean || exit 2
expect_ok "clean" "copies: $N rows, 9 fields compared: $N agree, 0 differ" \
    "$AUDIT" compare-copies -p "$KEY" "$B" clean.csv
check "nothing but the summary" test "$(printf '%s\n' "$STDOUT" | wc -l)" = 1

section "--map: other names, a sum"
"$PYTHON" - clean.csv mapped.csv <<'PY' || exit 2
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
h = rows[0]
out = [["Номер УИК", "Выдано в помещении", "Выдано вне помещения"] + h[2:]]
for r in rows[1:]:
    issued = int(r[h.index("ballots_issued")])
    out.append([r[0], str(issued - issued // 3), str(issued // 3)] + r[2:])
csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(out)
PY
cat >copies.map <<'MAP'
format: dauys-copies-map 1
precinct: {Номер УИК}
version: -
ballots_issued: {Выдано в помещении} + {Выдано вне помещения}
q1_yes: {q1_yes}
q1_no: {q1_no}
MAP
expect_ok "map" "copies: $N rows, 3 fields compared: $N agree" \
    "$AUDIT" compare-copies -p "$KEY" "$B" mapped.csv --map copies.map
printf 'format: dauys-copies-map 1\nprecinct: {Номер}\nversion: -\n' >bad.map
expect_exit "map: a column the CSV lacks" 2 "mapped.csv:1: no column \"Номер\" (map bad.map)" \
    "$AUDIT" compare-copies -p "$KEY" "$B" mapped.csv --map bad.map

section "the observers' signature"
"$DAUYS" keygen --unencrypted -o observers >/dev/null 2>&1 || exit 2
"$DAUYS" sign copies.csv -k observers.key >/dev/null 2>&1 || exit 2
expect_exit "signed" 1 "copies.csv: the observers' signature verifies" \
    "$AUDIT" compare-copies -p "$KEY" "$B" copies.csv --signature copies.csv.minisig --key observers.pub
sed -i '2s/,1,/,2,/' copies.csv
expect_exit "changed after signing" 1 "signature" \
    "$AUDIT" compare-copies -p "$KEY" "$B" copies.csv --signature copies.csv.minisig --key observers.pub
check "nothing compared" test -z "$STDOUT"
expect_exit "--signature without --key" 2 "go together" \
    "$AUDIT" compare-copies -p "$KEY" "$B" copies.csv --signature copies.csv.minisig

section "an archive, a tampered bundle"
"$DAUYS" archive "$B" bundle.tar >/dev/null 2>&1 || exit 2
"$AUDIT" compare-copies -p "$KEY" bundle.tar copies.csv --json >tar.json 2>/dev/null
check "the archive: exit 1" test $? = 1
"$AUDIT" compare-copies -p "$KEY" "$B" copies.csv --json >dir.json 2>/dev/null
check "the archive: the same rows" cmp -s <(sed 1,2d dir.json) <(sed 1,2d tar.json)
cp -r "$B" tampered
P1=$(awk -F'\t' 'NR == 2 { print $1 }' "$B/protocols/index.tsv")
sed -i 's/^q1_yes: \([0-9]*\)/q1_yes: 1\1/' "tampered/protocols/$P1.txt"
expect_exit "a counted protocol changed in the bundle" 1 \
    "tampered/protocols/$P1.txt: not the file its log entry names (its SHA-256 differs)" \
    "$AUDIT" compare-copies -p "$KEY" tampered clean.csv

section "trust"
expect_exit "another central key" 1 "" \
    "$AUDIT" compare-copies -p observers.pub "$B" clean.csv
expect_exit "no bundle" 2 "" "$AUDIT" compare-copies -p "$KEY" nowhere clean.csv

section "a directory of signed protocol files"
mkdir held receipts
idx() { awk -F'\t' -v p="$1" -v o="$2" '$2 == p && $4 == o { print $1; exit }' "$B/protocols/index.tsv"; }
OK=$(awk -F'\t' 'NR == 2 { print $2 }' "$B/protocols/index.tsv")
cp "$B/protocols/$(idx "$OK" accepted).txt" held/counted.txt
cp "$B/protocols/$(idx "$OK" accepted).txt.minisig" held/counted.txt.minisig
CORR=$(awk -F'\t' '$4 == "correction" { print $2; exit }' "$B/protocols/index.tsv")
REJ=$(awk -F'\t' '$4 == "rejected" && $2 != "-" { print $2; exit }' "$B/protocols/index.tsv")
cp "$B/protocols/$(idx "$CORR" accepted).txt" held/old.txt
cp "$B/protocols/$(idx "$REJ" rejected).txt" held/rejected.txt
sed 's/^q1_yes: \([0-9]*\)/q1_yes: 1\1/' held/counted.txt >held/forged.txt
expect_exit "files" 1 "files: 4: 1 counted, 1 superseded, 1 not counted, 1 never logged" \
    "$AUDIT" compare-copies -p "$KEY" "$B" held --receipts receipts
expect_stdout "counted" "counted.txt: counted: $OK version 1, log entry *, receipt $OK.receipt"
expect_stdout "superseded" "old.txt: superseded: $CORR version 1 (log entry *); version 2 counts now"
expect_stdout "not counted" "rejected.txt: not-counted: $REJ version *, log entry *: rejected: "
expect_stdout "never logged" "forged.txt: never-logged"
"$AUDIT" prove -p "$KEY" "$B" "$OK" >proved.receipt 2>/dev/null
check "the receipt is prove's" cmp -s proved.receipt "receipts/$OK.receipt"
expect_ok "the receipt checks" "" \
    "$AUDIT" check -p "$KEY" held/counted.txt "receipts/$OK.receipt" "$B/checkpoint"
rm held/old.txt held/rejected.txt held/forged.txt

# An insider's log whose rejected entry names a precinct with U+202E (RIGHT-TO-LEFT
# OVERRIDE): the line shows it as '?', as the audit does, never raw.
if [ -n "${RESEAL:-}" ]; then
    cp -r "$B" bidi && rm -f bidi/dauys.db && mkdir held-bidi || exit 2
    I=$(idx "$REJ" rejected)
    "$PYTHON" - bidi/log/entries.txt "$((10#$I))" "$REJ" <<'PY'
import sys
path, idx, p = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
parts = open(path, "rb").read().split(b"format: dauys-log 1\n")[1:]
for k, e in enumerate(parts):
    if e.startswith(b"index: " + idx + b"\n"):
        parts[k] = e.replace(b"precinct: " + p + b"\n", b"precinct: " + p + b"\xe2\x80\xae1\n")
open(path, "wb").write(b"".join(b"format: dauys-log 1\n" + e for e in parts))
PY
    "$RESEAL" bidi demo/keys/central.key || fail_value "reseal bidi" "reseal failed"
    cp "bidi/protocols/$I.txt" held-bidi/rejected.txt
    expect_exit "a log entry's precinct with a bidi control" 1 "rejected.txt: not-counted: $REJ?1 version" \
        "$AUDIT" compare-copies -p "$KEY" bidi held-bidi
    check "  ... never printed raw" test "${STDOUT//$'\xe2\x80\xae'/}" = "$STDOUT"
fi
expect_ok "only counted files" '"summary": {"files": 1, "counted": 1,' "$AUDIT" compare-copies -p "$KEY" "$B" held --json

summary
