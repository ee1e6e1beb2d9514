#!/usr/bin/env bash
# audit_witness_cli.sh: the audit's witness check (issue 18): W1 in
# `dauys-audit verify`, and the same witness policy in `check` (receipts) and
# `follow` (a log followed from its tiles).
#
#   usage: RESEAL=/path/to/reseal COSIGN=/path/to/cosign.py \
#          bash tests/cli/audit_witness_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A referendum of 4 precincts whose manifest names 3 witnesses with a quorum
# of 2 is published; the witnesses' cosignatures are made by an independent
# implementation (tests/tools/cosign.py, PyNaCl), appended to the bundle's
# checkpoint and written into result.txt, which the central key then signs
# again (tests/tools/reseal.c, as an insider would: the bundle carries no
# dauys.db, so C3 is not run). Each case asserts the exact set of checks that
# fail: two valid cosignatures pass W1; one, a flipped bit, a cosignature
# dated two days ahead, a forged statement cosignature, a --witness that did
# not cosign, each fail W1 alone; a cosignature by an unknown key is ignored.
# Without witnesses W1 is not counted and every other count is unchanged.
#
# Hermetic (mktemp -d), non-interactive. Needs bash, coreutils, util-linux
# (setsid), awk and /usr/bin/python3 with PyNaCl.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
PYTHON=${PYTHON3:-/usr/bin/python3}
RESEAL=$(abspath "${RESEAL:?set RESEAL to the reseal test tool}")
COSIGN=$(abspath "${COSIGN:?set COSIGN to tests/tools/cosign.py}")
for tool in "$PYTHON" "$RESEAL" awk setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
"$PYTHON" -c 'import nacl.signing' 2>/dev/null || { echo "$0: PyNaCl is needed" >&2; exit 2; }
cli_workdir audit-witness
run() { run_split "$@"; }

cosign() { "$PYTHON" "$COSIGN" "$@" || fail_value "cosign.py $*" "cosign.py failed"; }
vkey() { "$PYTHON" "$COSIGN" vkey "$1"; }
sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $2" >&2; }

# checks BUNDLE [OPTIONS]: "ID:passed/failed/unchecked ..." for every check, from verify --json.
checks() {
    local dir=$1
    shift
    "$AUDIT" verify --json -p central.pub "$@" "$dir" 2>/dev/null | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%d/%d/%d" % (k, v["passed"], v["failed"], v["unchecked"]) for k, v in d["checks"].items()))'
}
# failing BUNDLE [OPTIONS]: the ids of the checks with failures.
failing() {
    local dir=$1
    shift
    "$AUDIT" verify --json -p central.pub "$@" "$dir" 2>/dev/null | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(k for k, v in d["checks"].items() if v["failed"]))'
}
# expect_w1 NAME BUNDLE PATTERN [OPTIONS]: verify exits 1, W1 alone fails, and says PATTERN.
expect_w1() {
    local name=$1 dir=$2 pat=$3
    shift 3
    expect_exit "$name: verify exits 1 and says where" 1 "$pat" "$AUDIT" verify -p central.pub "$@" "$dir"
    expect_eq "$name: exactly W1 fails" "W1" "$(failing "$dir" "$@")"
}

# witnessed NAME [WITNESS...] [-- RESULT-WITNESS...]: a copy of the clean
# bundle whose result.txt carries the cosignatures of RESULT-WITNESS (signed
# again by the central key) and whose checkpoint those of WITNESS.
witnessed() {
    local dir=$1 ck=() rs=() into=ck
    shift
    for w in "$@"; do
        if [ "$w" = -- ]; then into=rs; elif [ $into = ck ]; then ck+=("$w"); else rs+=("$w"); fi
    done
    rm -rf "$dir" && cp -a bundle "$dir" && rm -f "$dir/dauys.db" || exit 2
    if [ ${#rs[@]} -gt 0 ]; then
        cosign result "$dir/result.txt" "$ORIGIN" "${rs[@]}"
    fi
    "$RESEAL" "$dir" central.key --sign-result || fail_value "reseal $dir" "reseal failed"
    if [ ${#ck[@]} -gt 0 ]; then
        cosign note "$dir/checkpoint" "${ck[@]}"
    fi
}

# --- the referendum ------------------------------------------------------------------

section "a referendum whose manifest names 3 witnesses, quorum 2"

REF=kz-witness-2026
ORIGIN=dauys/$REF/test
ROSTER="AST-0001 AST-D1
AST-0002 AST-D1
ALA-0001 ALA-D1
ALA-0002 ALA-D1"
awk '{ print $1 }' <<<"$ROSTER" >ids.txt
expect_ok "keygen: central" "" "$DAUYS" keygen --unencrypted -o central
expect_ok "keygen: precinct keys" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys

protocol() {
    local on=$((1000 + 37 * $3)) box iss can y no
    box=$((on * (60 + $3) / 100)) iss=$((box + 2)) can=$((on - box - 2))
    y=$(((box - 9) * (50 + 3 * $3) / 100)) no=$((box - 9 - (box - 9) * (50 + 3 * $3) / 100))
    {
        printf 'format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: 1\n' "$REF" "$2"
        printf 'citizens_on_list: %s\nballots_received: %s\nballots_issued: %s\n' "$on" "$on" "$iss"
        printf 'ballots_cancelled: %s\nballots_in_boxes: %s\n' "$can" "$box"
        printf 'q1_yes: %s\nq1_no: %s\nq1_not_counted: 4\nq1_invalid: 5\n' "$y" "$no"
    } >"$1"
}

# manifest FILE [QUORUM WITNESS...]
manifest() {
    local file=$1 quorum=${2:-}
    shift 2 2>/dev/null || shift $#
    {
        printf 'format: dauys-manifest 1\nreferendum: %s\ntitle: Witness test referendum\n' "$REF"
        printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
        if [ -n "$quorum" ]; then
            printf 'witness-quorum: %s\n' "$quorum"
            for w in "$@"; do printf 'witness: %s\n' "$(vkey "$w")"; done
        fi
        printf 'question: q1 kz-constitutional Do you approve the amendments to the Constitution?\n'
        printf 'region: AST capital Astana\nregion: ALA city Almaty\n'
        printf 'district: AST-D1 AST Esil\ndistrict: ALA-D1 ALA Almaly\n'
        while read -r p d; do
            printf 'precinct: %s %s 1100 %s Precinct %s\n' "$p" "$d" "$(pub_b64 "keys/$p.pub")" "$p"
        done <<<"$ROSTER"
    } >"$file"
    sign "$file" central.key
}

mkdir in
n=0
while read -r p _; do
    n=$((n + 1))
    protocol "in/$p.txt" "$p" "$n"
    sign "in/$p.txt" "keys/$p.key"
done <<<"$ROSTER"

# publish WS MANIFEST BUNDLE: a workspace from MANIFEST, the protocols ingested, the bundle published.
publish() {
    expect_ok "$1: init" "workspace created" "$DAUYS" init -w "$1" --manifest "$2" --central-key central.pub
    expect_ok "$1: ingest" "4 accepted" "$DAUYS" ingest -w "$1" in
    expect_ok "$1: publish" "published" "$DAUYS" publish -w "$1" -k central.key "$3"
}

manifest manifest.txt 2 wa wb wc
publish ws manifest.txt bundle
manifest plain.txt
publish ws-plain plain.txt plain

# --- W1 in verify --------------------------------------------------------------------

section "W1: the checkpoint and the statement cosigned"

witnessed w2 wa wb -- wa wb
expect_ok "2 of 3 cosigned (quorum 2), the statement too: all checks pass" \
    "the checkpoint is cosigned by 2 of 3 witnesses (quorum 2, the manifest's)" \
    "$AUDIT" verify -p central.pub w2
check "  ... W1 passed: the checkpoint and the statement's 2 cosignatures" \
    matches "$(checks w2)" "W1:3/0/0"
check "  ... T1 leaves the cosignature lines to W1" matches "$(checks w2)" "T1:"
expect_ok "retally: the audit's own statement has no cosignature lines" "" \
    "$AUDIT" retally -p central.pub w2
check "  ... and is result.txt without them" \
    test "$STDOUT" = "$(grep -v '^cosignature: ' w2/result.txt)"

witnessed w3 wa wb wc
expect_ok "3 of 3 cosigned, the statement none: all checks pass" "cosigned by 3 of 3 witnesses" \
    "$AUDIT" verify -p central.pub w3

witnessed w1 wa
expect_w1 "only 1 of 3 cosigned" w1 "FAIL W1 checkpoint: cosigned by 1 of 3 witnesses, quorum 2 not met: wb: no cosignature; wc: no cosignature"

witnessed flip wa 'wb!'
expect_w1 "a cosignature with a flipped bit" flip "FAIL W1 checkpoint: witness wb: "
check "  ... and the quorum is then not met" matches "$OUT" "cosigned by 1 of 3 witnesses, quorum 2 not met"

witnessed extra wa wb wunknown
expect_ok "a third cosignature by an unknown key is ignored" "cosigned by 2 of 3 witnesses" \
    "$AUDIT" verify -p central.pub extra
witnessed unknown wa wunknown
expect_w1 "an unknown key's cosignature does not make the quorum" unknown \
    "cosigned by 1 of 3 witnesses, quorum 2 not met"
OTHER=$(printf '%064x' 7)
witnessed impostor wa "wb=$OTHER"
expect_w1 "a cosignature under witness wb's name by another key" impostor \
    "cosigned by 1 of 3 witnesses, quorum 2 not met: wb: no cosignature"

AHEAD=$(($(date +%s) + 2 * 86400))
witnessed ahead wa "wb@$AHEAD"
expect_w1 "a cosignature dated two days ahead" ahead "FAIL W1 checkpoint: witness wb: "
check "  ... says it is ahead of the clock" matches "$OUT" "ahead of the clock"

witnessed forged wa wb -- wa 'wc!'
expect_w1 "a forged cosignature in the statement" forged \
    "FAIL W1 result.txt line 10: cosignature: by witness wc, does not verify over the checkpoint of $ORIGIN it is for"
witnessed stranger wa wb -- wunknown
expect_w1 "a statement cosignature by a key not of the policy" stranger \
    "FAIL W1 result.txt line 9: cosignature: by wunknown, which is not a witness of the policy"
witnessed twice wa wb -- wa wa
expect_w1 "the same witness twice in the statement" twice "FAIL W1 result.txt line 10: a second cosignature by witness wa"
expect_w1 "the same witness twice, with --witness wc required" twice \
    "FAIL W1 result.txt line 10: a second cosignature by witness wa" --witness "$(vkey wc)"

section "W1: --witness and --witness-quorum"

expect_w1 "--witness wc, who did not cosign, though the manifest's quorum is met" w2 \
    "FAIL W1 checkpoint: cosigned by 0 of 1 witnesses, quorum 1 not met: wc: no cosignature" \
    --witness "$(vkey wc)"
expect_ok "--witness wa --witness wb: both cosigned" "cosigned by 2 of 2 witnesses (quorum 2, given with --witness)" \
    "$AUDIT" verify -p central.pub --witness "$(vkey wa)" --witness "$(vkey wb)" w2
expect_ok "--witness wa wb wc --witness-quorum 2" "cosigned by 2 of 3 witnesses (quorum 2, given with --witness)" \
    "$AUDIT" verify -p central.pub --witness "$(vkey wa)" --witness "$(vkey wb)" \
    --witness "$(vkey wc)" --witness-quorum 2 w2
expect_exit "--witness-quorum over the witnesses given: a usage error" 2 "only 1 witnesses given" \
    "$AUDIT" verify -p central.pub --witness "$(vkey wa)" --witness-quorum 2 w2
expect_exit "--witness-quorum 0: a usage error" 2 "--witness-quorum" \
    "$AUDIT" verify -p central.pub --witness "$(vkey wa)" --witness-quorum 0 w2
expect_exit "a malformed --witness: a usage error" 2 "--witness" \
    "$AUDIT" verify -p central.pub --witness "wa+00000000+AAAA" w2
expect_exit "the same --witness twice: a usage error" 2 "given twice" \
    "$AUDIT" verify -p central.pub --witness "$(vkey wa)" --witness "$(vkey wa)" w2
run "$AUDIT" verify --json -p central.pub w1
check "verify --json: the witnesses' counts" matches "$STDOUT" \
    '"witnesses": {"count": 3, "quorum": 2, "cosigned": 1, "from": "manifest", "checked": true, "witnessed": false}'

section "without witnesses: W1 not counted, everything else unchanged"

expect_ok "the plain bundle passes" "the manifest names none: the checkpoint is not witnessed (W1 not counted)" \
    "$AUDIT" verify -p central.pub plain
BASE=$(checks plain)
check "  ... W1 not counted" matches "$BASE" "W1:0/0/0"
rm -rf plain-cosigned && cp -a plain plain-cosigned && rm -f plain-cosigned/dauys.db
cp -a plain plain-nodb && rm -f plain-nodb/dauys.db
cosign note plain-cosigned/checkpoint wa wb
expect_eq "cosignatures on an unwitnessed checkpoint change no count" "$(checks plain-nodb)" "$(checks plain-cosigned)"
expect_eq "the witnessed bundle's counts but W1's and C3's are the plain one's" \
    "$(checks plain-nodb | tr ' ' '\n' | grep -v '^W1:')" "$(checks w3 | tr ' ' '\n' | grep -v '^W1:')"
rm -rf plain-forged && cp -a plain plain-forged && rm -f plain-forged/dauys.db
cosign result plain-forged/result.txt "$ORIGIN" wa
"$RESEAL" plain-forged central.key --sign-result || fail_value "reseal plain-forged" "reseal failed"
expect_exit "a cosignature line in the statement of a referendum without witnesses: compared, it fails (exit 1)" 1 \
    "result.txt line 9: is \"cosignature: wa " "$AUDIT" verify -p central.pub plain-forged

# --- check: a receipt against a cosigned checkpoint ----------------------------------

section "check: receipts under the witness policy"

expect_ok "prove AST-0001 from the cosigned bundle" "type: inclusion" "$AUDIT" prove -p central.pub w2 AST-0001
printf '%s\n' "$STDOUT" >receipt.txt
cp in/AST-0001.txt protocol.txt
expect_ok "check with --witness wa --witness wb: quorum met" \
    "witnesses: checkpoint * cosigned by 2 of 2 witnesses given with --witness (quorum 2)" \
    "$AUDIT" check -p central.pub --witness "$(vkey wa)" --witness "$(vkey wb)" protocol.txt receipt.txt w2/checkpoint
expect_exit "check with --witness wc: the quorum not met (exit 1)" 1 \
    "cosigned by 0 of 1 witnesses, quorum 1 not met: not trusted" \
    "$AUDIT" check -p central.pub --witness "$(vkey wc)" protocol.txt receipt.txt w2/checkpoint
"$AUDIT" prove -p central.pub flip AST-0001 >receipt-flip.txt 2>/dev/null
expect_exit "check with a flipped cosignature: the quorum not met (exit 1)" 1 \
    "cosigned by 1 of 2 witnesses, quorum 2 not met: not trusted" \
    "$AUDIT" check -p central.pub --witness "$(vkey wa)" --witness "$(vkey wb)" protocol.txt receipt-flip.txt flip/checkpoint
expect_ok "check without --witness says the cosignatures were not checked" "were not checked" \
    "$AUDIT" check -p central.pub protocol.txt receipt.txt w2/checkpoint
expect_ok "check --manifest: the manifest's witnesses, quorum met" \
    "witnesses: checkpoint * cosigned by 2 of 3 witnesses of the manifest (quorum 2)" \
    "$AUDIT" check -p central.pub --manifest manifest.txt protocol.txt receipt.txt w2/checkpoint
"$AUDIT" prove -p central.pub w1 AST-0001 >receipt-w1.txt 2>/dev/null
expect_exit "check --manifest: 1 of the manifest's 3 cosigned (exit 1)" 1 \
    "cosigned by 1 of 3 witnesses, quorum 2 not met: not trusted (wb: no cosignature; wc: no cosignature)" \
    "$AUDIT" check -p central.pub --manifest manifest.txt protocol.txt receipt-w1.txt w1/checkpoint
expect_ok "check --manifest --witness wa: --witness wins" "cosigned by 1 of 1 witnesses given with --witness" \
    "$AUDIT" check -p central.pub --manifest manifest.txt --witness "$(vkey wa)" protocol.txt receipt-w1.txt w1/checkpoint
expect_ok "check --manifest naming no witnesses" "the manifest names none: the checkpoint is not witnessed" \
    "$AUDIT" check -p central.pub --manifest plain.txt protocol.txt receipt-w1.txt w1/checkpoint
cp manifest.txt unsigned.txt
expect_exit "check --manifest not signed by the central key: could not run" 2 "unsigned.txt.minisig" \
    "$AUDIT" check -p central.pub --manifest unsigned.txt protocol.txt receipt.txt w2/checkpoint
cp manifest.txt.minisig unsigned.txt.minisig
printf 'x' >>unsigned.txt
expect_exit "check --manifest changed after signing: could not run" 2 "not signed by the central key" \
    "$AUDIT" check -p central.pub --manifest unsigned.txt protocol.txt receipt.txt w2/checkpoint

# --- follow: a checkpoint without the quorum is not trusted --------------------------

section "follow: the witness policy"

# the log of ws as published: the bundles w3 and w1 (whose result.txt is unchanged) are of it
expect_ok "tiles of the workspace's log" "" "$DAUYS" checkpoint -w ws -k central.key --tiles T
WITNESSES=(--witness "$(vkey wa)" --witness "$(vkey wb)" --witness "$(vkey wc)" --witness-quorum 2)
cp T/checkpoint T.plain
cosign note T/checkpoint wa
expect_exit "follow --once, 1 of 3 cosigned (quorum 2): not trusted, exit 1" 1 \
    "follow: checkpoint 6: cosigned by 1 of 3 witnesses, quorum 2 not met: not trusted; still 0 entries kept" \
    "$AUDIT" follow T -p central.pub --state S --once "${WITNESSES[@]}"
check "  ... nothing was kept" absent S/checkpoint
cp T.plain T/checkpoint
cosign note T/checkpoint wa wb
expect_ok "follow --once, 2 of 3 cosigned: kept" "cosigned by 2 of 3 witnesses (quorum 2): first checkpoint" \
    "$AUDIT" follow T -p central.pub --state S --once "${WITNESSES[@]}"
check "  ... the cosigned checkpoint is the state" cmp -s T/checkpoint S/checkpoint
expect_ok "follow --bundle: the bundle's checkpoint has the quorum" "bundle: " \
    "$AUDIT" follow T -p central.pub --state S --once "${WITNESSES[@]}" --bundle w3
expect_exit "follow --bundle: a bundle without the quorum fails" 1 "quorum 2 not met: not trusted" \
    "$AUDIT" follow T -p central.pub --state S --once "${WITNESSES[@]}" --bundle w1

protocol in2.txt AST-0002 9 # unsigned: rejected, and logged
mkdir in2 && mv in2.txt in2/AST-0002-unsigned.txt
expect_exit "the log grows: an unsigned protocol rejected" 1 "rejected" "$DAUYS" ingest -w ws in2
expect_ok "tiles of the grown log" "" "$DAUYS" checkpoint -w ws -k central.key --tiles T
cp T/checkpoint T.plain
cosign note T/checkpoint wc
expect_exit "the grown log's checkpoint cosigned by 1: not trusted, the state stays" 1 \
    "follow: checkpoint 7: cosigned by 1 of 3 witnesses, quorum 2 not met: not trusted; still 6 entries kept (wa: no cosignature; wb: no cosignature)" \
    "$AUDIT" follow T -p central.pub --state S --once "${WITNESSES[@]}"
check "  ... the kept checkpoint is still the one of 6 entries" test "$(sed -n 2p S/checkpoint)" = 6
cp T.plain T/checkpoint
cosign note T/checkpoint wb wc
expect_ok "cosigned by 2: it extends the kept one" \
    "follow: 7 entries (+1, * cosigned by 2 of 3 witnesses (quorum 2): extends the 6 kept" \
    "$AUDIT" follow T -p central.pub --state S --once "${WITNESSES[@]}"
check "  ... and is kept" cmp -s T/checkpoint S/checkpoint
expect_ok "unchanged, cosigned by 2" "follow: unchanged, 7 entries, cosigned by 2 of 3 witnesses" \
    "$AUDIT" follow T -p central.pub --state S --once "${WITNESSES[@]}"
expect_ok "follow --manifest: the manifest's witnesses" "follow: unchanged, 7 entries, cosigned by 2 of 3 witnesses (quorum 2)" \
    "$AUDIT" follow T -p central.pub --state S --once --manifest manifest.txt
expect_exit "follow --manifest --witness-quorum without --witness: a usage error" 2 "without --witness" \
    "$AUDIT" follow T -p central.pub --state S --once --manifest manifest.txt --witness-quorum 3
cp T.plain T/checkpoint
cosign note T/checkpoint wb
expect_exit "follow --manifest: a checkpoint cosigned by 1 of the manifest's 3 is not trusted" 1 \
    "checkpoint 7: cosigned by 1 of 3 witnesses, quorum 2 not met: not trusted" \
    "$AUDIT" follow T -p central.pub --state S2 --once --manifest manifest.txt
check "  ... nothing was kept" absent S2/checkpoint

summary
