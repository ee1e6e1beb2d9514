#!/usr/bin/env bash
# roster_cli.sh: end-to-end test of what the signed roster allows (issue 15,
# items 3, 11 and 13): the bound a precinct's voters put on its protocol (R5,
# R6), public keys that no verifier should trust, and names that would
# reorder or hide what a terminal shows.
#
#   usage: RESEAL=/path/to/reseal bash tests/cli/roster_cli.sh /path/to/dauys /path/to/dauys-audit
#
#  1. One precinct decides the referendum (the review's attack): a commission
#     with 1,230 voters on its roster signs a correction with 10^12 citizens
#     on the list, in the boxes and voting "no". Every identity R1-R4 holds.
#     It must be rejected with R5 (and R6), the tally must not move, the
#     bundle must pass the audit, and an insider who logs it as a counted
#     correction (re-signing log, checkpoint and result with the central key)
#     must fail C1, where the audit re-derives the outcome from the roster.
#     A manifest's own allowance (`list-allowance: 0% + 0`) is applied by
#     ingest and the audit alike.
#  2. Weak public keys (small order, or y >= 2^255 - 19): refused by init in a
#     roster and as the central key, by update-manifest, and by the audit in a
#     bundle re-signed by an insider (C1, naming the manifest's line).
#  3. Bidi controls (U+202E and friends) in names and file names reach no
#     terminal raw: tally, status, ingest and the audit show '?'; JSON escapes
#     them as \u202e.
#  4. The witnesses and their quorum (issue 18): update-manifest refuses a
#     version that changes them, and the audit fails C1 on one an insider logs.
#  5. District and region commissions (issue 19): update-manifest accepts a
#     commission's new key and a new commission, refuses a version without a
#     commission the current one has, and the audit fails C1 on one an
#     insider logs.
# Hermetic (mktemp -d, removed on exit), no sleeps. About 10 s (gcc build).
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=insider.sh
. "$(dirname "${BASH_SOURCE[0]}")/insider.sh" || exit 2

cli_args "$@"
RESEAL=$(abspath "${RESEAL:?set RESEAL to the reseal test tool}")
PYTHON=${PYTHON3:-python3}
for tool in "$PYTHON" "$RESEAL" sed awk grep setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir roster
run() { run_split "$@"; }

sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $2" >&2; }

# bidi_free TEXT: no bidi control (U+061C, U+200E, U+200F, U+202A-U+202E,
# U+2066-U+2069) in TEXT, as raw bytes.
bidi_free() {
    [[ $1 != *$'\xd8\x9c'* && $1 != *$'\xe2\x80'[$'\x8e'$'\x8f'$'\xaa'-$'\xae']* &&
        $1 != *$'\xe2\x81'[$'\xa6'-$'\xa9']* ]]
}

# weak_b64 HEXKEY: the bare base64 public key "Ed" + key id + the 32 bytes HEXKEY.
weak_b64() {
    "$PYTHON" -c 'import base64, sys
print(base64.b64encode(b"Ed" + bytes(range(1, 9)) + bytes.fromhex(sys.argv[1])).decode())' "$1"
}
SMALL_ORDER=$(printf '%064d' 0)                     # y = 0, a point of order 4
NONCANONICAL=ef$(printf 'ff%.0s' $(seq 30))7f      # y = p + 2 (p = 2^255 - 19)

section "a small referendum"

expect_ok "demo --files-only: 20 precincts, their keys and protocols" "" \
    "$DAUYS" demo --precincts 20 --files-only --out demo
cp demo/keys/central.key demo/keys/central.pub .
MANIFEST=demo/manifest.txt
expect_ok "init" "workspace created" "$DAUYS" init -w ws --manifest "$MANIFEST" --central-key central.pub
expect_exit "ingest the demo's protocols (the demo plants one rejection)" 1 "20 accepted" \
    "$DAUYS" ingest -w ws demo/incoming
expect_ok "the tally" '"adopted": true' "$DAUYS" tally -w ws --json
BEFORE=$STDOUT

# --- 1. the roster bounds the protocol ----------------------------------------------

section "R5, R6: one precinct cannot outvote the country"

VOTERS=$(awk '$1 == "precinct:" && $2 == "AST-0001" { print $4 }' "$MANIFEST")
BOUND=$((VOTERS + VOTERS * 25 / 100 + 500))
T=1000000000000
mkdir attack
sed -e "s/^version: 1\$/version: 2\nreason: recount/" \
    -e "s/^citizens_on_list: .*/citizens_on_list: $T/" -e "s/^ballots_received: .*/ballots_received: $T/" \
    -e "s/^ballots_issued: .*/ballots_issued: $T/" -e "s/^ballots_cancelled: .*/ballots_cancelled: 0/" \
    -e "s/^ballots_in_boxes: .*/ballots_in_boxes: $T/" demo/incoming/AST-0001.txt >attack/AST-0001-v2.txt
YES=$(sed -n 's/^q1_yes: //p' attack/AST-0001-v2.txt)
NC=$(sed -n 's/^q1_not_counted: //p' attack/AST-0001-v2.txt)
INV=$(sed -n 's/^q1_invalid: //p' attack/AST-0001-v2.txt)
sed -i "s/^q1_no: .*/q1_no: $((T - YES - NC - INV))/" attack/AST-0001-v2.txt
sign attack/AST-0001-v2.txt demo/keys/precincts/AST-0001.key
expect_exit "ingest the signed correction: rejected by R5" 1 \
    "rejected: attack/AST-0001-v2.txt (precinct AST-0001, version 2): [R5] citizens on the list $T > $BOUND, the most the roster allows (voters $VOTERS before the day + 25% + 500); R6 ballots received $T > $BOUND" \
    "$DAUYS" ingest -w ws attack
expect_eq "  ... recorded as rejected with R5" "rejected R5" \
    "$(q ws/dauys.db "SELECT outcome || ' ' || reason_code FROM submission WHERE source = 'attack/AST-0001-v2.txt'")"
expect_ok "the tally after the attack" "" "$DAUYS" tally -w ws --json
expect_eq "  ... has not moved" "$BEFORE" "$STDOUT"

expect_ok "publish" "published to bundle/" "$DAUYS" publish -w ws -k central.key bundle
expect_ok "the audit re-derives R5: all checks pass" "all checks pass" "$AUDIT" verify -p central.pub bundle

rm -rf forged && cp -a bundle forged && rm -f forged/dauys.db
AT=$(awk '/^index: / { i = $2 } /^reason: R5 / { print i; exit }' forged/log/entries.txt)
"$PYTHON" - forged/log/entries.txt "$AT" <<'PY'
import re, sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
i = int(sys.argv[2])
t[i] = re.sub(r"reason: [^\n]*\n", "", t[i].replace("event: rejected\n", "event: correction\n"))
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider forged
check "  ... the insider's result says NOT adopted" grep -q "^decision: not adopted\|adopted: no\|NOT ADOPTED" forged/result.txt
expect_exit "an insider logs it as a counted correction: the audit fails" 1 \
    "FAIL C1 log entry $AT: logged as correction, but the files and the roster make it rejected" \
    "$AUDIT" verify -p central.pub forged
expect_eq "  ... exactly C1 fails" "C1" "$(failing forged)"

section "R5: the manifest's own allowance"

sed 's/^ballot: single$/ballot: single\nlist-allowance: 0% + 0/' "$MANIFEST" >tight.txt
sign tight.txt central.key
expect_ok "init with list-allowance: 0% + 0" "workspace created" \
    "$DAUYS" init -w ws-tight --manifest tight.txt --central-key central.pub
mkdir grown
# the demo's list at close is its voters plus 0 to 3: 4 more is always new
sed "s/^citizens_on_list: .*/citizens_on_list: $((VOTERS + 4))/" demo/incoming/AST-0001.txt >grown/AST-0001.txt
sign grown/AST-0001.txt demo/keys/precincts/AST-0001.key
expect_exit "four citizens added on the day: rejected under 0% + 0" 1 \
    "[R5] citizens on the list $((VOTERS + 4)) > $VOTERS, the most the roster allows (voters $VOTERS before the day + 0% + 0)" \
    "$DAUYS" ingest -w ws-tight grown
"$DAUYS" init -w ws-default --manifest "$MANIFEST" --central-key central.pub >/dev/null 2>&1
expect_ok "...and the same file accepted under the default allowance" "1 accepted" \
    "$DAUYS" ingest -w ws-default grown
expect_ok "publish under 0% + 0" "published" "$DAUYS" publish -w ws-tight -k central.key bundle-tight
expect_ok "the audit applies the manifest's allowance: all checks pass" "all checks pass" \
    "$AUDIT" verify -p central.pub bundle-tight

# --- 2. weak public keys ------------------------------------------------------------

section "weak public keys"

AST1_KEY=$(awk '$1 == "precinct:" && $2 == "AST-0001" { print $5 }' "$MANIFEST")
LN_AST1=$(grep -n '^precinct: AST-0001 ' "$MANIFEST" | cut -d: -f1)
for kind in SMALL_ORDER NONCANONICAL; do
    hexkey=${!kind}
    weak=$(weak_b64 "$hexkey")
    sed "s|$AST1_KEY|$weak|" "$MANIFEST" >"weak-$kind.txt"
    sign "weak-$kind.txt" central.key
    why="point of small order"
    [ "$kind" = NONCANONICAL ] && why="not in canonical form"
    expect_exit "init refuses a roster with a key that $why" 2 \
        "weak-$kind.txt:$LN_AST1: precinct: public key: the Ed25519 key *$why" \
        "$DAUYS" init -w "ws-$kind" --manifest "weak-$kind.txt" --central-key central.pub
    check "  ... and leaves no workspace" absent "ws-$kind/dauys.db"
    printf 'untrusted comment: weak\n%s\n' "$weak" >"weak-$kind.pub"
    expect_exit "init refuses a central key that $why" 2 \
        "weak-$kind.pub:2: public key: the Ed25519 key *$why" \
        "$DAUYS" init -w "ws-c-$kind" --manifest "$MANIFEST" --central-key "weak-$kind.pub"
    check "  ... and leaves no workspace" absent "ws-c-$kind/dauys.db"
done

sed -e 's/^version: 1$/version: 2/' -e "s|$AST1_KEY|$(weak_b64 "$SMALL_ORDER")|" "$MANIFEST" >weak-v2.txt
sign weak-v2.txt central.key
cp ws/dauys.db before.db
expect_exit "update-manifest refuses a version that rotates a key to a small-order one" 2 \
    "weak-v2.txt:$LN_AST1: precinct: public key: the Ed25519 key is a point of small order" \
    "$DAUYS" update-manifest -w ws --manifest weak-v2.txt
expect_eq "  ... and the roster is unchanged" \
    "$(q before.db "SELECT count(*) FROM log")" "$(q ws/dauys.db "SELECT count(*) FROM log")"

rm -rf weakbundle && cp -a bundle weakbundle && rm -f weakbundle/dauys.db
sed -i "s|$AST1_KEY|$(weak_b64 "$SMALL_ORDER")|" weakbundle/manifests/v1.txt
sign weakbundle/manifests/v1.txt central.key
cp weakbundle/manifests/v1.txt weakbundle/manifest.txt
cp weakbundle/manifests/v1.txt.minisig weakbundle/manifest.txt.minisig
insider weakbundle
expect_exit "an insider's roster with a small-order key, re-signed: the audit flags it" 1 \
    "FAIL C1 log entry 0: manifests/v1.txt:$LN_AST1: precinct: public key: the Ed25519 key is a point of small order (signatures under it prove nothing, and verifiers disagree on them) (1 weak key in all)" \
    "$AUDIT" verify -p central.pub weakbundle
# AST-0001's protocol no longer verifies under the roster (A3, C1 for it)
expect_eq "  ... C1 and A3 fail, nothing else" "A3 C1" "$(failing weakbundle)"

# --- 3. bidi controls ----------------------------------------------------------------

section "bidi controls reach no terminal"

RLO=$'\xe2\x80\xae' LRI=$'\xe2\x81\xa6' ALM=$'\xd8\x9c'
sed -e "s/^region: AST capital Astana\$/region: AST capital Astana ${RLO}0000,1${LRI}/" \
    -e "s/^\\(precinct: AST-0001 .*\\)\$/\\1 ${ALM}/" "$MANIFEST" >bidi.txt
check "the roster names hold the controls" grep -q "$RLO" bidi.txt
sign bidi.txt central.key
expect_ok "init accepts the names (valid UTF-8)" "workspace created" \
    "$DAUYS" init -w ws-bidi --manifest bidi.txt --central-key central.pub
mkdir "in-${RLO}bidi"
cp demo/incoming/AST-0001.txt* "in-${RLO}bidi/"
printf 'format: dauys-protocol 1\nq1_yes: %s1\n' "$RLO" >"in-${RLO}bidi/bad${RLO}.txt"
expect_exit "ingest a directory and a broken protocol named with U+202E" 1 "in-?bidi/bad?.txt" \
    "$DAUYS" ingest -w ws-bidi "in-${RLO}bidi"
check "  ... its output holds no raw bidi control" bidi_free "$OUT"
expect_ok "tally (text)" "Astana ?0000,1?" "$DAUYS" tally -w ws-bidi
check "  ... holds no raw bidi control" bidi_free "$OUT"
expect_ok "tally --json: escaped" '"Astana \u202e0000,1\u2066"' "$DAUYS" tally -w ws-bidi --json
check "  ... holds no raw bidi control" bidi_free "$OUT"
expect_ok "status" "" "$DAUYS" status -w ws-bidi
check "  ... holds no raw bidi control" bidi_free "$OUT"
expect_ok "publish" "published" "$DAUYS" publish -w ws-bidi -k central.key "bundle-${RLO}"
check "the log's reasons hold no raw bidi control" bidi_free "$(cat "bundle-${RLO}/log/entries.txt")"
expect_ok "the audit passes" "all checks pass" "$AUDIT" verify -p central.pub "bundle-${RLO}"
check "  ... and its output holds no raw bidi control" bidi_free "$OUT"

# --- 4. witnesses -------------------------------------------------------------------

section "the witnesses and their quorum are fixed for the referendum"

for w in 1 2 3 4; do
    "$DAUYS" keygen --unencrypted --witness "observers.example/w$w" -o "w$w" >/dev/null 2>&1 ||
        fail_value "keygen --witness w$w" "could not make the key"
done
# with_witnesses VERSION QUORUM N... FILE: the demo's manifest at VERSION with
# `witness-quorum: QUORUM` (none if 0) and the witnesses wN, in that order.
with_witnesses() {
    local version=$1 quorum=$2 lines='' out=${*: -1} w
    shift 2
    [ "$quorum" = 0 ] || lines="witness-quorum: $quorum\\n"
    for w in "${@:1:$#-1}"; do lines="${lines}witness: $(cat "w$w.vkey")\\n"; done
    [ -z "$lines" ] || lines="\\n${lines%\\n}"
    sed -e "s/^version: 1\$/version: $version/" -e "s|^ballot: single\$|ballot: single$lines|" \
        "$MANIFEST" >"$out"
    sign "$out" central.key
}
with_witnesses 1 2 1 2 3 wit-v1.txt
check "the manifest lists three witnesses, quorum 2" \
    test "$(grep -c '^witness: ' wit-v1.txt),$(grep -c '^witness-quorum: 2$' wit-v1.txt)" = "3,1"
expect_ok "init with three witnesses (quorum 2)" "workspace created" \
    "$DAUYS" init -w ws-wit --manifest wit-v1.txt --central-key central.pub
with_witnesses 2 2 1 2 3 wit-v2.txt
expect_ok "update-manifest: version 2 with the same witnesses and quorum" "manifest version 2 accepted" \
    "$DAUYS" update-manifest -w ws-wit --manifest wit-v2.txt
cp ws-wit/dauys.db wit-before.db
for change in "quorum 3:3 1 2 3" "a witness dropped:2 1 2" "a witness added:2 1 2 3 4" \
    "the order changed:2 2 1 3" "a witness replaced:2 1 2 4" "no witnesses:0"; do
    # shellcheck disable=SC2086 # the witnesses, one word each
    with_witnesses 3 ${change#*:} wit-v3.txt
    expect_exit "update-manifest refuses a version with ${change%%:*}" 2 \
        "wit-v3.txt: the witnesses and their quorum may not change during a referendum" \
        "$DAUYS" update-manifest -w ws-wit --manifest wit-v3.txt
done
expect_eq "  ... and the log is as it was" \
    "$(q wit-before.db "SELECT count(*) FROM log")" "$(q ws-wit/dauys.db "SELECT count(*) FROM log")"
with_witnesses 3 1 1 wit-added.txt
expect_exit "update-manifest refuses witnesses added to a manifest without them" 2 \
    "wit-added.txt: the witnesses and their quorum may not change during a referendum" \
    "$DAUYS" update-manifest -w ws --manifest wit-added.txt

# The insider logs such a version, re-signed: the audit does not follow it (C1).
rm -rf witbundle && cp -a bundle witbundle && rm -f witbundle/dauys.db
with_witnesses 2 1 1 witbundle/manifests/v2.txt
"$PYTHON" - witbundle/log/entries.txt <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
t.insert(len(t) - 1, t[0].replace("version: 1\n", "version: 2\n"))
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider witbundle
AT=$(awk '/^index: / { i = $2 } /^event: manifest$/ { n++; if (n == 2) { print i; exit } }' witbundle/log/entries.txt)
expect_exit "an insider's version 2 that adds witnesses: the audit fails C1 and does not follow it" 1 \
    "FAIL C1 log entry $AT: manifest version 2 changes what update-manifest keeps: the witnesses and their quorum may not change during a referendum (version 1 is in force)" \
    "$AUDIT" verify -p central.pub witbundle
expect_eq "  ... exactly C1 fails" "C1" "$(failing witbundle)"

# --- 5. commissions -----------------------------------------------------------------

section "district and region commissions: rotated and added, never removed"

for c in d1 d1b r1; do
    "$DAUYS" keygen --unencrypted -o "com-$c" >/dev/null 2>&1 || fail_value "keygen com-$c" "could not make the key"
done
DIST=$(awk '$1 == "precinct:" && $2 == "AST-0001" { print $3; exit }' "$MANIFEST")
REGION=$(awk -v d="$DIST" '$1 == "district:" && $2 == d { print $3; exit }' "$MANIFEST")
# with_commissions VERSION LINES FILE: the demo's manifest at VERSION with the
# commission lines LINES ("LEVEL AREA KEYNAME;...") before its first precinct,
# in place of the demo's own.
with_commissions() {
    local version=$1 spec=$2 out=$3 lines='' one
    IFS=';' read -ra one <<<"$spec"
    for c in "${one[@]}"; do
        set -- $c
        lines="${lines}commission: $1 $2 $(sed -n 2p "com-$3.pub")\n"
    done
    awk -v v="$version" -v add="$lines" '
        $0 == "version: 1" { print "version: " v; next }
        /^commission: / { next }
        /^precinct: / && !done { printf "%s", add; done = 1 }
        { print }' "$MANIFEST" >"$out"
    sign "$out" central.key
}
with_commissions 1 "district $DIST d1" com-v1.txt
check "version 1 gives district $DIST a commission key" \
    test "$(grep -c "^commission: district $DIST RW" com-v1.txt)" = 1
expect_ok "init with a district commission" "workspace created" \
    "$DAUYS" init -w ws-com --manifest com-v1.txt --central-key central.pub
with_commissions 2 "district $DIST d1b;region $REGION r1" com-v2.txt
expect_ok "update-manifest: the district commission's key rotated, a region commission added" \
    "manifest version 2 accepted" "$DAUYS" update-manifest -w ws-com --manifest com-v2.txt
cp ws-com/dauys.db com-before.db
with_commissions 3 "region $REGION r1" com-v3.txt
expect_exit "update-manifest refuses a version without the district commission" 2 \
    "com-v3.txt: the district commission of $DIST is missing; commissions cannot be removed (revoke a key by replacing it)" \
    "$DAUYS" update-manifest -w ws-com --manifest com-v3.txt
with_commissions 3 "district $DIST d1b" com-v3.txt
expect_exit "update-manifest refuses a version without the region commission" 2 \
    "com-v3.txt: the region commission of $REGION is missing; commissions cannot be removed" \
    "$DAUYS" update-manifest -w ws-com --manifest com-v3.txt
expect_eq "  ... and the log is as it was" \
    "$(q com-before.db "SELECT count(*) FROM log")" "$(q ws-com/dauys.db "SELECT count(*) FROM log")"
cp central.pub com-central.pub
with_commissions 1 "district $DIST central" com-central.txt
expect_exit "init refuses a district commission with the central key" 2 \
    "com-central.txt: the district commission of $DIST has the central commission's key; commissions need keys of their own" \
    "$DAUYS" init -w ws-com-central --manifest com-central.txt --central-key central.pub
with_commissions 4 "district $DIST d1b;region $REGION central" com-central.txt
expect_exit "update-manifest refuses a region commission with the central key" 2 \
    "com-central.txt: the region commission of $REGION has the central commission's key" \
    "$DAUYS" update-manifest -w ws-com --manifest com-central.txt

# The insider logs a version 2 that drops the commission of version 1: C1.
rm -rf combundle && cp -a bundle combundle && rm -f combundle/dauys.db
with_commissions 1 "district $DIST d1" combundle/manifests/v1.txt
cp combundle/manifests/v1.txt combundle/manifest.txt
cp combundle/manifests/v1.txt.minisig combundle/manifest.txt.minisig
with_commissions 2 "region $REGION r1" combundle/manifests/v2.txt
"$PYTHON" - combundle/log/entries.txt <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
t.insert(len(t) - 1, t[0].replace("version: 1\n", "version: 2\n"))
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider combundle
AT=$(awk '/^index: / { i = $2 } /^event: manifest$/ { n++; if (n == 2) { print i; exit } }' combundle/log/entries.txt)
expect_exit "an insider's version 2 without the district commission: the audit fails C1" 1 \
    "FAIL C1 log entry $AT: manifest version 2 changes what update-manifest keeps: a district or region commission is removed (commissions cannot be removed; revoke a key by replacing it) (version 1 is in force)" \
    "$AUDIT" verify -p central.pub combundle
expect_eq "  ... exactly C1 fails" "C1" "$(failing combundle)"

summary
