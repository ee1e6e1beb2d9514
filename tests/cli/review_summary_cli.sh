#!/usr/bin/env bash
# review_summary_cli.sh: the tally's crosscheck and the audit's (X1) agree
# across what a referendum's later manifest versions and ordinary events do
# to summaries (issue 19, review): a district summary accepted under a
# commission key the next manifest version rotates (it stays current); a
# precinct it lists that a conflict then leaves without a counted protocol
# (missing); a precinct added by the next version, counted, that it cannot
# list (omitted); a district commission added by the next version, whose
# summary agrees; and the region's summary over both district summaries. The
# crosscheck lines are worked out here by hand; `dauys-audit verify` passes
# every check on the bundle and `retally` reproduces result.txt.
#
#   usage: bash tests/cli/review_summary_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Hermetic (mktemp -d), non-interactive, unencrypted keys. Needs bash,
# coreutils, util-linux (setsid), awk and python3.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=insider.sh
. "$(dirname "${BASH_SOURCE[0]}")/insider.sh" || exit 2

cli_args "$@"
PYTHON=${PYTHON3:-python3}
for tool in "$PYTHON" awk setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir review-summary
run() { run_split "$@"; }

sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $2" >&2; }

failing() {
    "$AUDIT" verify --json -p central.pub "$1" 2>/dev/null | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(k for k, v in d["checks"].items() if v["failed"]))' 2>/dev/null
}

REF=kz-review-2026

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

# counts FILE...: the sums of the count lines (citizens_on_list on), in file order.
counts() {
    awk -F': ' 'FNR == 1 { on = 0 } /^citizens_on_list: / { on = 1 }
        on { if (!($1 in s)) order[n++] = $1; s[$1] += $2 }
        END { for (i = 0; i < n; i++) printf "%s: %d\n", order[i], s[order[i]] }' "$@"
}

# make_summary OUT LEVEL AREA ID:VERSION:FILE...: version 1, summed from FILE...
make_summary() {
    local out=$1 level=$2 area=$3 it files=()
    shift 3
    {
        printf 'format: dauys-summary 1\nreferendum: %s\nlevel: %s\narea: %s\nversion: 1\n' \
            "$REF" "$level" "$area"
        for it in "$@"; do
            printf 'sums: %s %s\n' "${it%%:*}" "$(cut -d: -f2 <<<"$it")"
            files+=("${it#*:*:}")
        done
        counts "${files[@]}"
    } >"$out"
}

# field_lines SUMMARY FILE...: crosscheck-field lines of SUMMARY against the sums of FILE...
field_lines() {
    local s=$1
    shift
    paste -d' ' <(counts "$s") <(counts "$@") |
        awk '$2 != $4 { sub(":", "", $1); printf "crosscheck-field: %s summary %s counted %s\n", $1, $2, $4 }'
}

# manifest VERSION: R1 (a commission) with D1 (a commission: key c-D1-vVERSION)
# and D2; version 2 adds the precinct P4 to D1 and D2's commission.
manifest() {
    printf 'format: dauys-manifest 1\nreferendum: %s\ntitle: Review test\n' "$REF"
    printf 'date: 2026-03-15\nmode: test\nversion: %s\nballot: single\n' "$1"
    printf 'question: q1 kz-constitutional Do you approve the amendments to the Constitution?\n'
    printf 'region: R1 oblast Region one\nregion: R2 oblast Region two\n'
    printf 'district: D1 R1 District one\ndistrict: D2 R1 District two\ndistrict: D3 R2 District three\n'
    printf 'commission: district D1 %s\n' "$(pub_b64 "keys/c-D1-v$1.pub")"
    [ "$1" = 1 ] || printf 'commission: district D2 %s\n' "$(pub_b64 keys/c-D2.pub)"
    printf 'commission: region R1 %s\n' "$(pub_b64 keys/c-R1.pub)"
    for p in P1:D1 P2:D1 P3:D2 P5:D3; do
        printf 'precinct: %s %s 1100 %s Precinct %s\n' "${p%%:*}" "${p#*:}" "$(pub_b64 "keys/${p%%:*}.pub")" "${p%%:*}"
    done
    [ "$1" = 1 ] || printf 'precinct: P4 D1 1100 %s Precinct P4\n' "$(pub_b64 keys/P4.pub)"
}

section "a district summary across a key rotation, a conflict and a new precinct"

expect_ok "keygen: central key" "" "$DAUYS" keygen --unencrypted -o central
printf 'P1\nP2\nP3\nP4\nP5\n' >ids.txt
expect_ok "keygen: precinct keys" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys
for c in c-D1-v1 c-D1-v2 c-D2 c-R1; do
    "$DAUYS" keygen --unencrypted -o "keys/$c" >/dev/null 2>&1
done
check "  ... commission keys" test -s keys/c-D1-v2.key -a -s keys/c-R1.key
manifest 1 >manifest1.txt && sign manifest1.txt central.key
manifest 2 >manifest2.txt && sign manifest2.txt central.key

mkdir in1 in2 in3
n=0
for p in P1 P2 P3 P5; do
    n=$((n + 1))
    protocol "in1/$p.txt" "$p" "$n"
    sign "in1/$p.txt" "keys/$p.key"
done
make_summary in1/s-D1.txt district D1 P1:1:in1/P1.txt P2:1:in1/P2.txt
sign in1/s-D1.txt keys/c-D1-v1.key
# P2's version 2 twice, with other numbers: a conflict, so no version of P2 counts
protocol in2/P2-v2a.txt P2 7 2 && sign in2/P2-v2a.txt keys/P2.key
protocol in3/P2-v2b.txt P2 8 2 && sign in3/P2-v2b.txt keys/P2.key
protocol in3/P4.txt P4 9 && sign in3/P4.txt keys/P4.key
make_summary in3/s-D2.txt district D2 P3:1:in1/P3.txt
sign in3/s-D2.txt keys/c-D2.key
make_summary in3/s-R1.txt region R1 D1:1:in1/s-D1.txt D2:1:in3/s-D2.txt
sign in3/s-R1.txt keys/c-R1.key

expect_ok "init with version 1" "workspace created" "$DAUYS" init -w ws --manifest manifest1.txt --central-key central.pub
expect_ok "ingest: 4 protocols and D1's summary (its commission's first key)" "" "$DAUYS" ingest -w ws in1
expect_ok "ingest: P2's version 2" "" "$DAUYS" ingest -w ws in2
expect_ok "update-manifest to version 2: D1's key rotated, P4 and D2's commission added" "" \
    "$DAUYS" update-manifest -w ws --manifest manifest2.txt
expect_exit "ingest: P2's other version 2 (a conflict: exit 1), P4, D2's and R1's summaries" 1 \
    "3 accepted, 0 corrections, 0 rejected, 0 replays, 1 conflicts" "$DAUYS" ingest -w ws in3
expect_ok "publish" "published" "$DAUYS" publish -w ws -k central.key bundle

{
    echo "crosscheck: district D1 version 1 items 2 differs"
    field_lines in1/s-D1.txt in1/P1.txt
    echo "crosscheck-item: P2 listed 1 counted -"
    echo "crosscheck-item: P4 listed - counted 1"
    echo "crosscheck: district D2 version 1 items 1 agrees"
    echo "crosscheck: region R1 version 1 items 2 agrees"
} >want.txt
expect_eq "the result's crosscheck lines are the ones worked out here" "$(cat want.txt)" \
    "$(grep '^crosscheck' bundle/result.txt)"
expect_ok "verify: all checks pass" "all checks pass" "$AUDIT" verify -p central.pub bundle
expect_eq "  ... no check fails (--json)" "" "$(failing bundle)"
"$AUDIT" retally -p central.pub bundle >retally.txt 2>/dev/null
check "  ... retally reproduces result.txt byte for byte" cmp -s retally.txt bundle/result.txt

summary
