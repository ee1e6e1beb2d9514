#!/usr/bin/env bash
# audit_cli.sh: the tamper suite of `dauys-audit verify`, and the observer
# commands (prove, check, consistency, check-consistency).
#
#   usage: RESEAL=/path/to/reseal bash tests/cli/audit_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A small referendum (3 regions, 4 districts, 9 precincts, one question) is
# ingested in two rounds and published twice: bundle0 after the first round,
# bundle after the second (with a correction and a rejected protocol). The
# clean bundle passes every check. Then each attack is applied to a copy and
# the test asserts that verify exits 1 and that the set of checks with
# failures is exactly the set the attack breaks: the check under test, and
# nothing reported broken that is not.
#
# Two kinds of attacker:
#  - an outsider who edits files but holds no key (the log and signatures
#    stay as they were);
#  - an insider who holds the central key (played by tests/tools/reseal.c):
#    after changing files they rewrite the log's hashes and chain, sign a new
#    checkpoint and, where their change moves numbers, publish a result that
#    adds up (`dauys-audit retally` plays the insider's tally) signed again.
#    What they cannot forge is a precinct's signature or a manifest they do
#    not re-sign. Their bundles carry no dauys.db (C3 is then not run), except
#    in the database attack itself.
# Receipts and consistency proofs are checked, then corrupted every way the
# issue lists (flipped bit, wrong index, wrong sizes, truncated, extended).
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
cli_workdir audit
run() { run_split "$@"; }

sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $2" >&2; }

# expect_fails NAME BUNDLE "IDS" [PATTERN]: verify exits 1, exactly IDS fail,
# and the human output matches PATTERN.
expect_fails() {
    local name=$1 dir=$2 ids=$3 pat=${4:-}
    expect_exit "$name: verify exits 1${pat:+ and says where}" 1 "$pat" "$AUDIT" verify -p central.pub "$dir"
    expect_eq "$name: exactly $ids fail" "$ids" "$(failing "$dir")"
}

# copy NAME [nodb]: a fresh copy of the clean bundle (without its database).
copy() {
    rm -rf "$1" && cp -a bundle "$1" || exit 2
    [ "${2:-}" = nodb ] && rm -f "$1/dauys.db"
    return 0
}

# entry_of DIR PRECINCT EVENT: the log index of PRECINCT's entry with EVENT.
entry_of() {
    awk -v p="$2" -v e="$3" '/^index: / { i = $2 } /^event: / { ev = $2 }
        /^precinct: / && $2 == p && ev == e { print i; exit }' "$1/log/entries.txt"
}
differs() { ! cmp -s "$1" "$2"; }
lacks_line() { ! grep -qx "$2" <<<"$1"; }
pfile() { printf '%s/protocols/%08d.txt' "$1" "$2"; }

# --- the referendum ------------------------------------------------------------------

section "a small referendum, published twice"

REF=kz-audit-2026
ROSTER="AST-0001 AST-D1
AST-0002 AST-D1
AST-0003 AST-D1
ALA-0001 ALA-D1
ALA-0002 ALA-D1
ALA-0003 ALA-D1
KAR-0001 KAR-D1
KAR-0002 KAR-D1
KAR-0003 KAR-D2"
awk '{ print $1 }' <<<"$ROSTER" >ids.txt
expect_ok "keygen: central, attacker and 9 precinct keys" "" "$DAUYS" keygen --unencrypted -o central
"$DAUYS" keygen --unencrypted -o attacker >/dev/null 2>&1
expect_ok "keygen: precinct keys" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys

# protocol FILE PRECINCT N [VERSION] [REFERENDUM]: lawful numbers varied by N.
protocol() {
    local on=$((1000 + 37 * $3)) box iss can y no
    box=$((on * (60 + $3) / 100)) iss=$((box + 2)) can=$((on - box - 2))
    y=$(((box - 9) * (50 + 3 * $3) / 100)) no=$((box - 9 - (box - 9) * (50 + 3 * $3) / 100))
    {
        printf 'format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: %s\n' "${5:-$REF}" "$2" "${4:-1}"
        [ "${4:-1}" = 1 ] || printf 'reason: recount ordered by the district commission\n'
        printf 'citizens_on_list: %s\nballots_received: %s\nballots_issued: %s\n' "$on" "$on" "$iss"
        printf 'ballots_cancelled: %s\nballots_in_boxes: %s\n' "$can" "$box"
        printf 'q1_yes: %s\nq1_no: %s\nq1_not_counted: 4\nq1_invalid: 5\n' "$y" "$no"
    } >"$1"
}

{
    printf 'format: dauys-manifest 1\nreferendum: %s\ntitle: Audit test referendum\n' "$REF"
    printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
    printf 'question: q1 kz-constitutional Do you approve the amendments to the Constitution?\n'
    printf 'region: AST capital Astana\nregion: ALA city Almaty\nregion: KAR oblast Karaganda region\n'
    printf 'district: AST-D1 AST Esil\ndistrict: ALA-D1 ALA Almaly\n'
    printf 'district: KAR-D1 KAR Karaganda\ndistrict: KAR-D2 KAR Temirtau\n'
    while read -r p d; do
        printf 'precinct: %s %s 1100 %s Precinct %s\n' "$p" "$d" "$(pub_b64 "keys/$p.pub")" "$p"
    done <<<"$ROSTER"
} >manifest.txt
sign manifest.txt central.key

mkdir in1 in2
n=0
while read -r p _; do
    n=$((n + 1))
    dir=in2
    case $p in AST-* | ALA-0001) dir=in1 ;; esac
    protocol "$dir/$p.txt" "$p" "$n"
    sign "$dir/$p.txt" "keys/$p.key"
done <<<"$ROSTER"
protocol in1/KAR-0001-unsigned.txt KAR-0001 7 # rejected: no signature
protocol in2/ALA-0001-v2.txt ALA-0001 9 2     # a correction
sign in2/ALA-0001-v2.txt keys/ALA-0001.key
protocol other.txt AST-0002 2 1 kz-other-2025 # the same commission, another referendum
sign other.txt keys/AST-0002.key

expect_ok "init" "workspace created" "$DAUYS" init -w ws --manifest manifest.txt --central-key central.pub
expect_exit "ingest round 1 (one rejected)" 1 "4 accepted" "$DAUYS" ingest -w ws in1
expect_ok "publish bundle0 (provisional)" "published" "$DAUYS" publish -w ws -k central.key bundle0
expect_ok "ingest round 2 (a correction)" "5 accepted, 1 correction" "$DAUYS" ingest -w ws in2
expect_ok "publish bundle (final)" "published" "$DAUYS" publish -w ws -k central.key bundle
check "  ... the result is final" grep -qx "status: final" bundle/result.txt

# --- the clean bundle -------------------------------------------------------------------

section "the clean bundle passes"

expect_ok "verify: all checks pass" "all checks pass" "$AUDIT" verify -p central.pub bundle
check "  ... 9 of 9 precincts counted, database compared" matches "$OUT" "9 of 9 precincts counted"
expect_eq "  ... no check fails (--json)" "" "$(failing bundle)"
expect_eq "  ... every check ran something" 16 \
    "$("$AUDIT" verify --json -p central.pub bundle | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for v in d["checks"].values() if v["passed"] > 0))')"
expect_ok "bundle0 passes too (it is provisional, and says so)" "all checks pass" "$AUDIT" verify -p central.pub bundle0
expect_ok "retally reproduces the signed result byte for byte" "" "$AUDIT" retally -p central.pub bundle
"$AUDIT" retally -p central.pub bundle >retally.txt 2>/dev/null
check "  ... cmp retally.txt bundle/result.txt" cmp -s retally.txt bundle/result.txt
# -j is read by core/decimal: 2^32 + 1 once wrapped to 1 thread (issue 16)
expect_exit "verify -j 4294967297 is refused, not read as 1" 2 "threads from 1 to 64" \
    "$AUDIT" verify -p central.pub -j 4294967297 bundle
expect_exit "a bundle checked against another central key fails A1, A2, A4" 1 "FAIL A1" \
    "$AUDIT" verify -p attacker.pub bundle

# --- outsiders: files edited, no key ----------------------------------------------------

section "outsider attacks"

AST2=$(entry_of bundle AST-0002 accepted)
copy t1
sed -i 's/^q1_yes: \([0-9]*\)$/q1_yes: 1\1/' "$(pfile t1 "$AST2")"
expect_fails "altered count, file only" t1 "I3" "FAIL I3 log entry $AST2: protocols/$(printf %08d "$AST2").txt does not hash"
run "$AUDIT" verify --json -p central.pub t1
expect_eq "  ... the areas holding it are unchecked, not failed (T1)" 2 \
    "$(printf '%s' "$STDOUT" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["checks"]["T1"]["unchecked"])')"

copy t2
rm "$(pfile t2 "$AST2")"
expect_fails "bundle file deleted" t2 "I3" "protocols/$(printf %08d "$AST2").txt is missing"

copy t3
echo "extra" >t3/protocols/99999999.txt
echo "extra" >t3/notes.txt
expect_fails "extra unlogged files added" t3 "I4" "FAIL I4 protocols/99999999.txt: is not named by the log"
check "  ... both named" matches "$OUT" "FAIL I4 notes.txt"

copy t4
sed -i '0,/^national: /s/yes \([0-9]*\) no/yes 9\1 no/' t4/result.txt
expect_fails "result statement number edited" t4 "I3" "FAIL I3 result.txt"

copy t5
"$PYTHON" - t5/checkpoint <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
root = bytearray(base64.b64decode(lines[2])); root[0] ^= 1
lines[2] = base64.b64encode(bytes(root)).decode()
open(sys.argv[1], "w").write("\n".join(lines))
PY
expect_fails "forged checkpoint root" t5 "A1" "FAIL A1 checkpoint"

copy t6
"$PYTHON" - t6/log/entries.txt <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
t[3], t[4] = t[4], t[3]
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
expect_fails "log entries reordered (index.tsv and the database still have the true order)" t6 "I1 I2 I4 C3" "FAIL I1 log entry 3"

copy t7
"$PYTHON" - t7/log/entries.txt <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t[:-1]))
PY
expect_fails "log truncated (the result's entry cut off)" t7 "I2 I3 C3 P1" "FAIL I2 checkpoint"

copy t9
sed -i 's/\tAST-0003\t1\taccepted\t-$/\tAST-0003\t1\trejected\tsignature/' t9/protocols/index.tsv
check "  ... index.tsv edited" differs t9/protocols/index.tsv bundle/protocols/index.tsv
expect_fails "protocols/index.tsv (the readable list) says a counted protocol was rejected" t9 "I4" \
    "FAIL I4 protocols/index.tsv line"
copy t10
sed -i 's/^title: .*/title: Another title/' t10/manifest.txt
expect_fails "manifest.txt (the copy of the version in force) edited" t10 "I4" "FAIL I4 manifest.txt: differs from manifests/v1.txt"

copy t8
"$SQLITE" t8/dauys.db "UPDATE protocol_answer SET yes = yes + 5, no = no - 5 WHERE precinct = 'KAR-0002'"
expect_fails "database row edited" t8 "C3" "FAIL C3 dauys.db protocol_answer, district KAR-D1"

# --- insiders: the central key, not the precincts' ---------------------------------------

section "insider attacks (reseal: the central key re-signs the log, checkpoint and result)"

copy s0 nodb
insider s0
expect_ok "reseal changes nothing on an untouched bundle (the tool is faithful)" "all checks pass" \
    "$AUDIT" verify -p central.pub s0
check "  ... same log bytes" cmp -s s0/log/entries.txt bundle/log/entries.txt
check "  ... same checkpoint bytes (Ed25519 is deterministic)" cmp -s s0/checkpoint bundle/checkpoint
check "  ... same result" cmp -s s0/result.txt bundle/result.txt
check "  ... same protocols/index.tsv" cmp -s s0/protocols/index.tsv bundle/protocols/index.tsv

copy s1 nodb
sed -i 's/^q1_yes: \([0-9]*\)$/q1_yes: \1X/; s/^q1_no: \([0-9]*\)$/q1_no: \1X/' "$(pfile s1 "$AST2")"
"$PYTHON" - "$(pfile s1 "$AST2")" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
t = re.sub(r"q1_yes: (\d+)X", lambda m: "q1_yes: %d" % (int(m.group(1)) + 40), t)
t = re.sub(r"q1_no: (\d+)X", lambda m: "q1_no: %d" % (int(m.group(1)) - 40), t)
open(sys.argv[1], "w").write(t)
PY
insider s1
expect_fails "altered count re-logged (its signature is now bad)" s1 "A3" \
    "FAIL A3 log entry $AST2: counted, but not signed by the key the roster gives precinct AST-0002"

copy s2 nodb
cp "$(pfile s1 "$AST2")" "$(pfile s2 "$AST2")"
rm -f "$(pfile s2 "$AST2").minisig"
sign "$(pfile s2 "$AST2")" keys/AST-0003.key
insider s2
expect_fails "altered count re-signed with another precinct's key" s2 "A3" "FAIL A3 log entry $AST2"

copy s3 nodb
cp "$(pfile s1 "$AST2")" "$(pfile s3 "$AST2")"
rm -f "$(pfile s3 "$AST2").minisig"
sign "$(pfile s3 "$AST2")" attacker.key
sed -i "s|^\(precinct: AST-0002 AST-D1 1100 \)[^ ]*|\1$(pub_b64 attacker.pub)|" s3/manifests/v1.txt
cp s3/manifests/v1.txt s3/manifest.txt
insider s3
expect_fails "attacker key substituted in the roster, manifest not re-signed" s3 "A2" \
    "FAIL A2 log entry 0: manifests/v1.txt is not signed by the central key"

copy s4 nodb
ALA3=$(entry_of bundle ALA-0003 accepted)
"$PYTHON" - s4/log/entries.txt "$ALA3" <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
i = int(sys.argv[2])
t[i] = t[i].replace("event: accepted\n", "event: rejected\n").replace(
    "previous: ", "reason: signature the signature does not verify\nprevious: ")
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider s4
expect_fails "dropped precinct (a valid protocol logged as rejected)" s4 "C1" \
    "FAIL C1 log entry $ALA3: logged as rejected, but the files and the roster make it accepted"
check "  ... the forged result says provisional" grep -qx "status: provisional" s4/result.txt

copy s5 nodb
KAR2=$(entry_of bundle KAR-0002 accepted)
"$PYTHON" - s5/log/entries.txt "$KAR2" <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
t.insert(len(t) - 1, t[int(sys.argv[2])])
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
DUP=$(($(grep -c '^format: dauys-log 1$' s5/log/entries.txt) - 2))
cp "$(pfile s5 "$KAR2")" "$(pfile s5 "$DUP")"
cp "$(pfile s5 "$KAR2").minisig" "$(pfile s5 "$DUP").minisig"
insider s5
expect_fails "duplicated precinct (its protocol logged as accepted twice)" s5 "C2" \
    "FAIL C2 log entry $DUP: logged as accepted, but precinct KAR-0002 already counted"

copy s6 nodb
cp other.txt "$(pfile s6 "$AST2")"
cp other.txt.minisig "$(pfile s6 "$AST2").minisig"
insider s6
expect_fails "protocol replayed from another referendum (validly signed by the precinct)" s6 "C1" \
    "FAIL C1 log entry $AST2: counted, but it is a protocol of another referendum"

copy s7 nodb
rm s7/result.txt.minisig
sign s7/result.txt attacker.key
"$RESEAL" s7 central.key
expect_fails "result re-signed by a wrong key" s7 "A4" "FAIL A4 result.txt: not signed by the central key"

copy s8 nodb
sed -i '0,/^national: /s/yes \([0-9]*\) no/yes 1\1 no/' s8/result.txt
"$RESEAL" s8 central.key --sign-result
# T1 finds the number; the page and the CSV, which still show the true one, no
# longer show the signed result (T3).
expect_fails "result number edited and re-signed by the centre" s8 "T1 T3" "FAIL T1 result.txt line 14"

copy s9 nodb
cp bundle0/checkpoint s9/checkpoint
expect_fails "a validly signed checkpoint of another log size" s9 "I2" "FAIL I2 checkpoint"

# The renderings are not signed, but the audit compares them (T3).
copy rp1 nodb
sed -i '0,/data-field="yes">/s//&1/' rp1/reports/report.html
expect_fails "a count on the web page edited after publishing" rp1 "T3" "FAIL T3 reports/report.html line "
copy rp2 nodb
sed -i '/^national,/d' rp2/reports/tally.csv
expect_fails "the nation's row removed from the CSV" rp2 "T3" \
    "FAIL T3 reports/tally.csv: does not show national (question q1)"

# --- key rotation: a revoked key ----------------------------------------------------------

section "a rotated key: the old one is revoked by a new manifest version"

"$DAUYS" keygen --unencrypted -o AST-0001-new >/dev/null 2>&1
sed "s/^version: 1$/version: 2/; s|^\(precinct: AST-0001 AST-D1 1100 \)[^ ]*|\1$(pub_b64 AST-0001-new.pub)|" \
    manifest.txt >manifest2.txt
sign manifest2.txt central.key
expect_ok "update-manifest to version 2 (AST-0001's key replaced)" "" \
    "$DAUYS" update-manifest -w ws --manifest manifest2.txt
mkdir in3
protocol in3/AST-0001-v2-old-key.txt AST-0001 11 2
sign in3/AST-0001-v2-old-key.txt keys/AST-0001.key
protocol in3/AST-0001-v3-new-key.txt AST-0001 12 3
sign in3/AST-0001-v3-new-key.txt AST-0001-new.key
expect_exit "ingest: the revoked key's protocol is rejected, the new key's is a correction" 1 \
    "1 correction*1 rejected" "$DAUYS" ingest -w ws in3
expect_ok "publish bundle2" "published" "$DAUYS" publish -w ws -k central.key bundle2
expect_ok "verify bundle2: both manifest versions followed, all checks pass" "all checks pass" \
    "$AUDIT" verify -p central.pub bundle2
expect_ok "bundle2 extends bundle" "" "$AUDIT" consistency -p central.pub bundle/checkpoint bundle2
OLDKEY=$(awk '/^index: / { i = $2 } /^event: rejected$/ { r = 1 } /^precinct: AST-0001$/ && r { print i; exit } /^previous: / { r = 0 }' bundle2/log/entries.txt)
rm -rf r1 && cp -a bundle2 r1 && rm r1/dauys.db
"$PYTHON" - r1/log/entries.txt "$OLDKEY" <<'PY'
import re, sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
i = int(sys.argv[2])
t[i] = re.sub(r"reason: [^\n]*\n", "", t[i].replace("event: rejected\n", "event: correction\n"))
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider r1
expect_fails "insider counts the revoked key's protocol" r1 "A3" \
    "FAIL A3 log entry $OLDKEY: counted, but not signed by the key the roster gives precinct AST-0001"

# --- rollback and history ----------------------------------------------------------------

section "consistency: the log only grew"

expect_ok "consistency: bundle extends bundle0's checkpoint" "format: dauys-proof 1" \
    "$AUDIT" consistency -p central.pub bundle0/checkpoint bundle
printf '%s\n' "$STDOUT" >cons.proof
expect_ok "check-consistency of that proof, offline" "OK" \
    "$AUDIT" check-consistency -p central.pub bundle0/checkpoint bundle/checkpoint cons.proof
expect_exit "rolled back: bundle0 served to someone holding the newer checkpoint" 1 "rolled back" \
    "$AUDIT" consistency -p central.pub bundle/checkpoint bundle0
expect_exit "rewritten history: the insider's s1 (an entry of round 1 altered) against bundle0's checkpoint" 1 "history rewritten" \
    "$AUDIT" consistency -p central.pub bundle0/checkpoint s1
expect_ok "the insider's s4 (a round 2 entry altered) does extend bundle0: only verify catches it (C1)" "" \
    "$AUDIT" consistency -p central.pub bundle0/checkpoint s4
expect_exit "a checkpoint not signed by the key given" 1 "" \
    "$AUDIT" consistency -p attacker.pub bundle0/checkpoint bundle

# corrupt FILE HOW: the proof in FILE corrupted one way, on stdout.
corrupt() {
    "$PYTHON" - "$1" "$2" <<'PY'
import base64, sys
text = open(sys.argv[1]).read()
head, sep, entry = text.partition("format: dauys-log 1\n")
lines = head.rstrip("\n").split("\n")
how = sys.argv[2]
hashes = [i for i, l in enumerate(lines) if l.startswith("hash: ")]
def setnum(key, delta):
    for i, l in enumerate(lines):
        if l.startswith(key):
            lines[i] = "%s%d" % (key, int(l[len(key):]) + delta)
if how == "bit":
    h = bytearray(base64.b64decode(lines[hashes[0]][6:])); h[5] ^= 0x10
    lines[hashes[0]] = "hash: " + base64.b64encode(bytes(h)).decode()
elif how == "index+":
    setnum("index: ", 1)
elif how == "index-":
    setnum("index: ", -1)
elif how == "size+":
    setnum("size: ", 1)
elif how == "size-":
    setnum("size: ", -1)
elif how == "truncated":
    del lines[hashes[-1]]
elif how == "extended":
    lines.append(lines[hashes[-1]])
elif how == "swapped" and len(hashes) > 1:
    lines[hashes[0]], lines[hashes[1]] = lines[hashes[1]], lines[hashes[0]]
sys.stdout.write("\n".join(lines) + "\n" + sep + entry)
PY
}

for how in bit index+ index- size+ size- truncated extended swapped; do
    corrupt cons.proof "$how" >bad.proof
    check "consistency proof ($how) differs from the good one" test "$(cat bad.proof)" != "$(cat cons.proof)"
    expect_exit "consistency proof corrupted ($how) is rejected" 1 "" \
        "$AUDIT" check-consistency -p central.pub bundle0/checkpoint bundle/checkpoint bad.proof
done

# --- receipts --------------------------------------------------------------------------

section "receipts: prove and check"

expect_ok "prove ALA-0001 (its correction counts)" "type: inclusion" "$AUDIT" prove -p central.pub bundle ALA-0001
printf '%s\n' "$STDOUT" >ala.receipt
check "  ... the receipt holds the correction's entry" grep -qx "event: correction" ala.receipt
expect_ok "check: the observer's copy of the correction was counted unchanged" \
    "OK: in2/ALA-0001-v2.txt is precinct ALA-0001's protocol version 2, logged as correction" \
    "$AUDIT" check -p central.pub in2/ALA-0001-v2.txt ala.receipt bundle/checkpoint
expect_exit "check: version 1 (superseded) is not the counted file" 1 "its bytes differ" \
    "$AUDIT" check -p central.pub in1/ALA-0001.txt ala.receipt bundle/checkpoint
expect_exit "check: another precinct's protocol" 1 "its bytes differ" \
    "$AUDIT" check -p central.pub in1/AST-0001.txt ala.receipt bundle/checkpoint
expect_exit "check: an older checkpoint (another size)" 1 "" \
    "$AUDIT" check -p central.pub in2/ALA-0001-v2.txt ala.receipt bundle0/checkpoint
expect_exit "check: a checkpoint the attacker signed" 1 "" \
    "$AUDIT" check -p attacker.pub in2/ALA-0001-v2.txt ala.receipt bundle/checkpoint
expect_exit "check: a file that does not exist (exit 2)" 2 "" \
    "$AUDIT" check -p central.pub nosuch.txt ala.receipt bundle/checkpoint
for how in bit index+ index- size+ size- truncated extended swapped; do
    corrupt ala.receipt "$how" >bad.receipt
    check "receipt ($how) differs from the good one" test "$(cat bad.receipt)" != "$(cat ala.receipt)"
    expect_exit "receipt corrupted ($how) is rejected" 1 "" \
        "$AUDIT" check -p central.pub in2/ALA-0001-v2.txt bad.receipt bundle/checkpoint
done
sed 's/^event: correction$/event: accepted/' ala.receipt >bad.receipt
expect_exit "receipt whose entry was edited is rejected" 1 "" \
    "$AUDIT" check -p central.pub in2/ALA-0001-v2.txt bad.receipt bundle/checkpoint
expect_exit "prove: a precinct with no counted protocol in s4 (dropped)" 1 "has no counted protocol" \
    "$AUDIT" prove -p central.pub s4 ALA-0003
expect_exit "prove: a precinct not on the roster" 1 "has no counted protocol" "$AUDIT" prove -p central.pub bundle XXX-0001
"$AUDIT" prove -p central.pub s1 AST-0002 >s1.receipt 2>/dev/null
expect_exit "the real protocol against the insider's altered log: refused" 1 "its bytes differ" \
    "$AUDIT" check -p central.pub in1/AST-0002.txt s1.receipt s1/checkpoint

# --- trust: the key and the origin the audit is pinned to (issue 15, item 5) ----------------

section "trust: a self-made bundle, the bundle's own key, pins"

# key_id PUBFILE: the key ID as minisign prints it, from the key file's bytes.
key_id() {
    "$PYTHON" -c 'import base64, sys
b = base64.b64decode(open(sys.argv[1]).read().splitlines()[1])
print("%016X" % int.from_bytes(b[2:10], "little"))' "$1"
}
CENTRAL_ID=$(key_id central.pub) ATTACKER_ID=$(key_id attacker.pub)
ORIGIN=dauys/$REF/test
CHECKED="checked: referendum $REF, mode test, origin $ORIGIN, central key ID $CENTRAL_ID (pinned"

# A bundle anyone can make: the same referendum, signed with the attacker's own key.
mkdir self && cp manifest.txt self/manifest.txt && sign self/manifest.txt attacker.key
"$DAUYS" init -w ws-self --manifest self/manifest.txt --central-key attacker.pub >/dev/null 2>&1
"$DAUYS" ingest -w ws-self in1 >/dev/null 2>&1
expect_ok "a self-made bundle (the attacker's key, the same referendum)" "published" \
    "$DAUYS" publish -w ws-self -k attacker.key selfmade
expect_exit "verify without -p: refused (exit 2), it says why" 2 \
    "verify: no trusted central key*-p CENTRAL.pub*--trust-bundle-key" "$AUDIT" verify selfmade
check "  ... no line says all checks pass" lacks_line "$OUT" "all checks pass"
expect_exit "retally without -p: refused" 2 "retally: no trusted central key" "$AUDIT" retally selfmade
expect_exit "prove without -p: refused" 2 "prove: no trusted central key" "$AUDIT" prove selfmade AST-0001
expect_exit "forensics without -p: refused" 2 "forensics: no trusted central key" "$AUDIT" forensics selfmade
expect_exit "check without -p: refused" 2 "check: no trusted central key" \
    "$AUDIT" check in2/ALA-0001-v2.txt ala.receipt bundle/checkpoint
expect_exit "check does not take --trust-bundle-key" 2 "--trust-bundle-key is not offered" \
    "$AUDIT" check --trust-bundle-key in2/ALA-0001-v2.txt ala.receipt bundle/checkpoint
expect_exit "-p and --trust-bundle-key together: refused" 2 "not both" \
    "$AUDIT" verify -p central.pub --trust-bundle-key bundle
expect_ok "verify --trust-bundle-key: it passes, loudly" \
    "mode test, origin $ORIGIN, central key ID $ATTACKER_ID (the bundle's own, NOT pinned)*WARNING: the central key is the bundle's own central.pub*all checks pass (with the bundle's own key: internal consistency only" \
    "$AUDIT" verify --trust-bundle-key selfmade
expect_stderr "  ... and warns on stderr at once" "WARNING: --trust-bundle-key*not who signed it"
run "$AUDIT" verify --json --trust-bundle-key selfmade
expect_eq "  ... --json says so: key, key_id, warning" "bundle $ATTACKER_ID True pass" \
    "$(printf '%s' "$STDOUT" | "$PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
print(d["key"], d["key_id"], "internal consistency only" in d["warning"], d["result"])')"
expect_ok "retally --trust-bundle-key: the statement, and the warning on stderr" "" \
    "$AUDIT" retally --trust-bundle-key selfmade
expect_stderr "  ... naming the key ID" "central key ID $ATTACKER_ID (the bundle's own, NOT pinned)*WARNING"
expect_ok "prove --trust-bundle-key: the receipt, and the warning on stderr" "format: dauys-proof 1" \
    "$AUDIT" prove --trust-bundle-key selfmade AST-0001
expect_stderr "  ... naming the key ID" "central key ID $ATTACKER_ID (the bundle's own, NOT pinned)*WARNING"
expect_exit "the self-made bundle with the real key pinned: A5 and the signatures fail" 1 \
    "FAIL A5 central.pub: is key ID $ATTACKER_ID, not the trusted key ID $CENTRAL_ID" \
    "$AUDIT" verify -p central.pub selfmade
expect_eq "  ... exactly A1, A2, A4, A5 fail" "A1 A2 A4 A5" "$(failing selfmade)"
expect_exit "prove with the real key pinned: the checkpoint is not its signature" 1 "checkpoint" \
    "$AUDIT" prove -p central.pub selfmade AST-0001

copy k1
cp attacker.pub k1/central.pub
expect_fails "the genuine bundle with another key as its central.pub" k1 "A5" \
    "FAIL A5 central.pub: is key ID $ATTACKER_ID, not the trusted key ID $CENTRAL_ID"
copy k2
"$PYTHON" - central.pub attacker.pub k2/central.pub <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().splitlines()
ours, theirs = base64.b64decode(lines[1]), base64.b64decode(open(sys.argv[2]).read().splitlines()[1])
lines[1] = base64.b64encode(ours[:10] + theirs[10:]).decode()
open(sys.argv[3], "w").write("\n".join(lines) + "\n")
PY
expect_fails "central.pub with the trusted key's ID but other key bytes" k2 "A5" \
    "FAIL A5 central.pub: is key ID $CENTRAL_ID with other key bytes, not the trusted key ID $CENTRAL_ID"
copy k3
rm k3/central.pub
expect_fails "no central.pub in the bundle" k3 "A5" "FAIL A5 central.pub: not the trusted key $CENTRAL_ID"

section "trust: --origin, and what every output names"

expect_ok "verify --origin $ORIGIN (the bundle's own): passes" "all checks pass" \
    "$AUDIT" verify -p central.pub --origin "$ORIGIN" bundle
expect_exit "verify --origin dauys/$REF/official: a test-mode bundle signed with the real key fails A5" 1 \
    "FAIL A5 manifest: the bundle is the log of $ORIGIN, not the pinned dauys/$REF/official" \
    "$AUDIT" verify -p central.pub --origin "dauys/$REF/official" bundle
expect_eq "  ... exactly A5 fails" "A5" "$("$AUDIT" verify --json -p central.pub --origin "dauys/$REF/official" bundle 2>/dev/null | "$PYTHON" -c '
import json, sys
print(" ".join(k for k, v in json.load(sys.stdin)["checks"].items() if v["failed"]))')"
expect_exit "verify --origin of another referendum fails A5" 1 "FAIL A5 manifest:*not the pinned dauys/kz-other-2025/test" \
    "$AUDIT" verify -p central.pub --origin dauys/kz-other-2025/test bundle
expect_exit "an --origin of no such form: exit 2" 2 "--origin: expected dauys/REFERENDUM/official" \
    "$AUDIT" verify -p central.pub --origin "$REF" bundle
expect_ok "check --origin $ORIGIN" "OK: in2/ALA-0001-v2.txt is precinct ALA-0001's protocol" \
    "$AUDIT" check -p central.pub --origin "$ORIGIN" in2/ALA-0001-v2.txt ala.receipt bundle/checkpoint
expect_exit "check --origin dauys/$REF/official: the test-mode checkpoint fails" 1 \
    "the checkpoint is for $ORIGIN, not the pinned dauys/$REF/official" \
    "$AUDIT" check -p central.pub --origin "dauys/$REF/official" in2/ALA-0001-v2.txt ala.receipt bundle/checkpoint
expect_ok "consistency --origin $ORIGIN" "format: dauys-proof 1" \
    "$AUDIT" consistency -p central.pub --origin "$ORIGIN" bundle0/checkpoint bundle
expect_exit "consistency --origin dauys/$REF/official fails" 1 \
    "the checkpoint is for $ORIGIN, not the pinned dauys/$REF/official" \
    "$AUDIT" consistency -p central.pub --origin "dauys/$REF/official" bundle0/checkpoint bundle
expect_exit "check-consistency --origin dauys/$REF/official fails" 1 \
    "the checkpoint is for $ORIGIN, not the pinned dauys/$REF/official" \
    "$AUDIT" check-consistency -p central.pub --origin "dauys/$REF/official" bundle0/checkpoint bundle/checkpoint cons.proof
expect_exit "prove --origin dauys/$REF/official fails" 1 "checkpoint is for origin $ORIGIN, not dauys/$REF/official" \
    "$AUDIT" prove -p central.pub --origin "dauys/$REF/official" bundle ALA-0001

expect_ok "verify names referendum, mode, origin and key ID" "$CHECKED with -p/-P)*all checks pass" \
    "$AUDIT" verify -p central.pub bundle
expect_eq "  ... and in --json" "$REF test $ORIGIN $CENTRAL_ID pinned" \
    "$("$AUDIT" verify --json -p central.pub bundle | "$PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
print(d["referendum"], d["mode"], d["origin"], d["key_id"], d["key"])')"
expect_exit "a failing verify names them too" 1 "FAIL I3*$CHECKED with -p/-P)*DISCREPANCIES FOUND" \
    "$AUDIT" verify -p central.pub t1
run "$AUDIT" retally -p central.pub bundle
expect_stderr "retally names them (stderr: its stdout is the statement)" "$CHECKED with -p/-P)"
check "  ... its stdout is still result.txt byte for byte" test "$STDOUT" = "$(cat bundle/result.txt)"
run "$AUDIT" prove -p central.pub bundle ALA-0001
expect_stderr "prove names them (stderr: its stdout is the receipt)" "$CHECKED with -p/-P)"
check "  ... its stdout is still the receipt" test "$STDOUT" = "$(cat ala.receipt)"
expect_ok "check names them" "OK: *$CHECKED with -p/-P)" \
    "$AUDIT" check -p central.pub in2/ALA-0001-v2.txt ala.receipt bundle/checkpoint
expect_ok "consistency names them (stderr)" "" "$AUDIT" consistency -p central.pub bundle0/checkpoint bundle
expect_stderr "  ..." "OK: the log*$CHECKED with -p/-P)"
expect_ok "check-consistency names them" "OK: *$CHECKED with -p/-P)" \
    "$AUDIT" check-consistency -p central.pub bundle0/checkpoint bundle/checkpoint cons.proof

# --- --help on every subcommand (issue 15, item 17) ------------------------------------------

section "--help on every subcommand of both programs"

for prog in "$DAUYS" "$AUDIT"; do
    name=${prog##*/}
    # The commands as the program's own usage lists them: a new one cannot be missed.
    cmds=$("$prog" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
    check "$name --help lists its commands" test "$(wc -w <<<"$cmds")" -ge 8
    for cmd in $cmds; do
        expect_ok "$name $cmd --help: exit 0" "usage: $name $cmd" "$prog" "$cmd" --help
        check "  ... the usage is the start of stdout" test "${STDOUT#"usage: $name $cmd"}" != "$STDOUT"
        expect_eq "  ... nothing on stderr" "" "$STDERR"
    done
done
check "  ... dauys-audit's list holds the five that refused --help" \
    test "$(printf '%s\n' $("$AUDIT" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }') |
        grep -cxE 'check|retally|prove|consistency|check-consistency')" = 5

# --- hostile bundles (found in review) ------------------------------------------------------

section "hostile bundles: no crash, no hang, no false pass"

copy h1
"$SQLITE" h1/dauys.db "PRAGMA foreign_keys=OFF; CREATE TABLE s2 AS SELECT * FROM submission;
    DROP TABLE submission; ALTER TABLE s2 RENAME TO submission;
    UPDATE submission SET outcome = NULL WHERE log_index = 1"
expect_fails "a NULL outcome in the database" h1 "C3" "FAIL C3 dauys.db submission of entry 1"

copy h2
"$SQLITE" h2/dauys.db "PRAGMA foreign_keys=OFF; INSERT INTO submission SELECT 999, randomblob(32),
    signature_sha256, protocol, signature, source, precinct, version, level, area, outcome, reason_code, reason,
    manifest_version, 999 FROM submission WHERE log_index = 1"
expect_fails "an extra submission row in the database" h2 "C3" "has submissions the bundle's log does not have"

copy h3
"$SQLITE" h3/dauys.db "PRAGMA foreign_keys=OFF; ALTER TABLE log_entry RENAME TO le;
    CREATE VIEW log_entry AS SELECT * FROM le"
expect_fails "a view in place of a table in the database" h3 "C3" "FAIL C3 dauys.db: cannot be read"

copy h4 nodb
"$PYTHON" - h4/result.txt <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
t = t.replace(b"adopted: yes\n", b"adopted: yes\x00\radopted: NO (forged)\n", 1)
open(sys.argv[1], "wb").write(t)
PY
"$RESEAL" h4 central.key --sign-result
expect_fails "a NUL byte hiding the rest of a result line" h4 "T2" "FAIL T2 result.txt line 22"

copy h5 nodb
"$PYTHON" - h5/log/entries.txt "$AST2" <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
i = int(sys.argv[2])
t[i] = t[i].replace("version: 1\n", "version: 7\n")
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider h5
expect_fails "an entry naming another version than its file" h5 "C1" "names precinct AST-0002 version 7"

copy h6 nodb
"$PYTHON" - h6/manifests/v1.txt <<'PY'
import sys
t = open(sys.argv[1]).read().replace("version: 1\n", "version: 2\n").replace(
    "kz-constitutional", "custom:m>1/10:of=valid").replace("region: KAR oblast", "region: KAR abroad")
open(sys.argv[1] + ".v2", "w").write(t)
PY
mv h6/manifests/v1.txt.v2 h6/manifests/v2.txt
sign h6/manifests/v2.txt central.key
cp h6/manifests/v2.txt h6/manifest.txt
cp h6/manifests/v2.txt.minisig h6/manifest.txt.minisig
"$PYTHON" - h6/log/entries.txt <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
m = t[0].replace("version: 1\n", "version: 2\n")
t.insert(len(t) - 1, m)
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider h6
expect_fails "a centre-signed version that drops the quorum and makes a region abroad (manifest.txt, its copy, then differs from v1 in force)" h6 "I4 C1" \
    "changes what update-manifest keeps"

copy h7 nodb
rm "$(pfile h7 "$AST2")" h7/result.txt h7/result.txt.minisig
expect_exit "retally with a protocol missing says its statement is incomplete" 1 "could not be read" \
    "$AUDIT" retally -p central.pub h7

copy h8
mkfifo h8/notes.fifo
rm h8/protocols/index.tsv && mkfifo h8/protocols/index.tsv
expect_exit "FIFOs in the bundle are reported, never read (no hang)" 1 "FAIL I4 notes.fifo" \
    timeout 60 "$AUDIT" verify -p central.pub h8
copy h9
rm h9/log/entries.txt && mkfifo h9/log/entries.txt
expect_exit "a FIFO as the log cannot run the audit (no hang)" 2 "not a regular file" \
    timeout 60 "$AUDIT" verify -p central.pub h9

copy h10
echo x >"h10/x: ok
all checks pass"
run "$AUDIT" verify -p central.pub h10
check "a file name cannot forge lines of the report" matches "$OUT" "FAIL I4 x: ok?all checks pass: is not named"
check "  ... no line of it says all checks pass" lacks_line "$OUT" "all checks pass"

head -c 70000 /dev/zero | tr '\0' 'a' >big.txt
expect_exit "check: a protocol over the size limit is refused (exit 1), no crash" 1 "big.txt" \
    "$AUDIT" check -p central.pub big.txt ala.receipt bundle/checkpoint
mkdir in4 && cp big.txt in4/AST-0003-huge.txt
expect_exit "ingest a too-large file (rejected, kept empty in the bundle)" 1 "1 rejected" \
    "$DAUYS" ingest -w ws in4
expect_ok "publish bundle3" "published" "$DAUYS" publish -w ws -k central.key bundle3
check "  ... its file is empty in the bundle" test ! -s "$(pfile bundle3 "$(entry_of bundle3 AST-0003 rejected)")"
expect_ok "a bundle with a too-large rejection passes" "all checks pass" "$AUDIT" verify -p central.pub bundle3


section "many manifest versions (more than 64)"
for v in $(seq 3 68); do
    sed "s/^version: 2$/version: $v/" manifest2.txt >mv.txt
    sign mv.txt central.key
    "$DAUYS" update-manifest -w ws --manifest mv.txt >/dev/null 2>&1 || echo "update-manifest $v failed" >&2
    rm -f mv.txt.minisig
done
expect_ok "publish bundle4 after 66 more manifest versions" "published" "$DAUYS" publish -w ws -k central.key bundle4
expect_eq "  ... 68 manifest versions in the bundle" 68 "$(ls bundle4/manifests/*.txt | wc -l)"
expect_ok "  ... every one is accounted for (I4)" "all checks pass" "$AUDIT" verify -p central.pub bundle4

# --- every logged word checked (issue 15, item 6) -----------------------------------------

section "every logged word: reason codes, events, the result's comment, districts, stray bytes"

# A rejection's reason code is re-derived: the unsigned protocol logged as a parse error.
UNSIGNED=$(entry_of bundle KAR-0001 rejected)
copy w6a nodb
"$PYTHON" - w6a/log/entries.txt "$UNSIGNED" <<'PY'
import re, sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
i = int(sys.argv[2])
assert "reason: signature " in t[i]
t[i] = re.sub(r"reason: signature [^\n]*\n", "reason: parse protocol: line 1: malformed\n", t[i])
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
insider w6a
check "  ... index.tsv now says parse too" grep -q "	KAR-0001	1	rejected	parse$" w6a/protocols/index.tsv
expect_fails "a rejection logged with another reason code" w6a "C1" \
    "FAIL C1 log entry $UNSIGNED: logged as rejected with reason code parse, but the files and the roster give signature"

# An event ingestion never writes: a counted protocol logged again as "duplicate".
copy w6b nodb
"$PYTHON" - w6b/log/entries.txt "$KAR2" <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
t.insert(len(t) - 1, t[int(sys.argv[2])].replace("event: accepted\n", "event: duplicate\n"))
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
W6DUP=$(($(grep -c '^format: dauys-log 1$' w6b/log/entries.txt) - 2))
cp "$(pfile w6b "$KAR2")" "$(pfile w6b "$W6DUP")"
cp "$(pfile w6b "$KAR2").minisig" "$(pfile w6b "$W6DUP").minisig"
insider w6b
expect_fails "an entry with an event ingestion never logs (duplicate)" w6b "C1" \
    "FAIL C1 log entry $W6DUP: logged as duplicate, an event ingestion never writes"

# The result's trusted comment, which minisign -V shows readers, is FORMATS 16.2's.
copy w6c nodb
W6SIZE=$(awk '/^log-size: / { print $2 }' w6c/result.txt)
rm w6c/result.txt.minisig
"$DAUYS" sign w6c/result.txt -k central.key -c "result signed by the central commission" \
    -t "dauys result of $REF covering log size $W6SIZE: NOT ADOPTED" </dev/null >/dev/null 2>&1 ||
    fail_value "sign w6c/result.txt" "could not sign"
"$RESEAL" w6c central.key
check "  ... the forged comment verifies with the central key" "$DAUYS" verify w6c/result.txt -p central.pub -q
expect_fails "the result signed with another trusted comment" w6c "A4" \
    "FAIL A4 result.txt.minisig: its trusted comment is \"dauys result of $REF covering log size $W6SIZE: NOT ADOPTED\""

# A district moved to another region by a later version (update-manifest refuses it),
# re-tallied and published by the insider as if it were lawful.
copy w6d nodb
sed 's/^version: 1$/version: 2/; s/^district: KAR-D2 KAR /district: KAR-D2 ALA /' \
    w6d/manifests/v1.txt >w6d/manifests/v2.txt
sign w6d/manifests/v2.txt central.key
cp w6d/manifests/v2.txt w6d/manifest.txt
cp w6d/manifests/v2.txt.minisig w6d/manifest.txt.minisig
"$PYTHON" - w6d/log/entries.txt <<'PY'
import sys
t = open(sys.argv[1]).read().split("format: dauys-log 1\n")[1:]
t.insert(len(t) - 1, t[0].replace("version: 1\n", "version: 2\n"))
open(sys.argv[1], "w").write("".join("format: dauys-log 1\n" + e for e in t))
PY
sed 's/^version: 2$/version: 999/' w6d/manifest.txt >w6d-v999.txt
sign w6d-v999.txt central.key
expect_exit "  ... update-manifest refuses such a version" 2 "district KAR-D2 is missing or moved to another region" \
    "$DAUYS" update-manifest -w ws --manifest w6d-v999.txt
insider w6d
expect_fails "a district moved to another region by a later manifest version" w6d "I4 C1" \
    "changes what update-manifest keeps: a district is dropped or moved to another region"

# Bytes after the last entry, or between two entries, are part of no entry (I1);
# an outsider can add them without a key. The database is kept: C3 still passes.
copy w6e
printf '\0forged line after the last entry\n' >>w6e/log/entries.txt
expect_fails "NUL-led garbage after the last log entry" w6e "I1" \
    "FAIL I1 log/entries.txt: byte $(($(stat -c %s bundle/log/entries.txt))): 34 bytes after log entry"
copy w6f
"$PYTHON" - w6f/log/entries.txt <<'PY'
import sys
t = open(sys.argv[1], "rb").read().split(b"format: dauys-log 1\n")[1:]
t[2] += b"\x00status: final\n"
open(sys.argv[1], "wb").write(b"".join(b"format: dauys-log 1\n" + e for e in t))
PY
expect_fails "a NUL-led line between two log entries" w6f "I1" \
    "FAIL I1 log/entries.txt: byte *: 15 bytes after log entry 2"

# After a key rotation, the same protocol and signature files are judged again
# under the new roster (FORMATS 11.3): a duplicate only under the same version.
section "a key rotation: the same bytes submitted again (FORMATS 11.3)"

"$DAUYS" keygen --unencrypted -o w6-new >/dev/null 2>&1
expect_ok "init a workspace for the rotation" "workspace created" \
    "$DAUYS" init -w w6ws --manifest manifest.txt --central-key central.pub
mkdir w6rot
protocol w6rot/AST-0003.txt AST-0003 3
sign w6rot/AST-0003.txt w6-new.key
expect_exit "signed with the key of the next version: rejected (signature)" 1 "1 rejected" \
    "$DAUYS" ingest -w w6ws w6rot
expect_ok "the same files again under the same version: a duplicate, not logged" "1 duplicate" \
    "$DAUYS" ingest -w w6ws w6rot
sed "s/^version: 1$/version: 2/; s|^\(precinct: AST-0003 AST-D1 1100 \)[^ ]*|\1$(pub_b64 w6-new.pub)|" \
    manifest.txt >w6-m2.txt
sign w6-m2.txt central.key
expect_ok "update-manifest: AST-0003's key replaced" "" "$DAUYS" update-manifest -w w6ws --manifest w6-m2.txt
expect_ok "the same files after the rotation: judged again, accepted" "1 accepted" \
    "$DAUYS" ingest -w w6ws w6rot
expect_ok "publish the rotation's bundle" "published" "$DAUYS" publish -w w6ws -k central.key w6rb
expect_eq "  ... the log holds both judgements of the same files" "rejected signature
accepted -" "$(awk -F'\t' '$2 == "AST-0003" { print $4, $5 }' w6rb/protocols/index.tsv)"
expect_ok "  ... and passes the audit (C1 re-derives both)" "all checks pass" \
    "$AUDIT" verify -p central.pub w6rb

summary
