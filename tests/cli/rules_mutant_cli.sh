#!/usr/bin/env bash
# rules_mutant_cli.sh: T2 owes nothing to the tally's rules code (issue 16).
#
#   usage: MUTANT=/path/to/dauys-mutant-majority \
#          MUTANT_AUDIT=/path/to/dauys-audit-mutant-majority \
#              bash tests/cli/rules_mutant_cli.sh /path/to/dauys /path/to/dauys-audit
#
# The mutants are the two programs built with one bug in the rules source,
# as if it were in the tree: the national majority reads "at least half"
# for "more than half" (referendum/rules.c compiled with
# DAUYS_MUTANT_MAJORITY_AT_LEAST; targets of tests/CMakeLists.txt that
# nothing else uses). The same signed protocols, at the boundary (yes
# exactly half of those who took part, nationally), are ingested and
# published once by dauys and once by the mutant dauys:
#  - dauys publishes NOT ADOPTED, and the audit passes its bundle;
#  - the mutant publishes ADOPTED, a bundle whose every signature, log entry,
#    number and rendering is in order: only the verdict is wrong. The
#    audit, built from the same mutated source, decides again with its own
#    evaluator (audit/verdict.c), never with that code, so it fails the
#    bundle with T2 and with T2 alone, at the majority's and the decision's
#    lines. Before issue 16 its T2 called the tally's dauys_rules_decide
#    and passed this bundle. The audit built from the tree fails it too.
#
# Hermetic (mktemp -d), non-interactive, unencrypted keys. Needs bash,
# coreutils, util-linux (setsid) and python3.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
PYTHON=${PYTHON3:-python3}
MUTANT=$(abspath "${MUTANT:?set MUTANT to dauys-mutant-majority}")
MUTANT_AUDIT=$(abspath "${MUTANT_AUDIT:?set MUTANT_AUDIT to dauys-audit-mutant-majority}")
for tool in "$PYTHON" "$MUTANT" "$MUTANT_AUDIT" setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir rules-mutant
run() { run_split "$@"; }

# failing AUDIT BUNDLE: the ids of the checks with failures, from verify --json.
failing() {
    "$1" verify --json -p central.pub "$2" 2>/dev/null | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(k for k, v in d["checks"].items() if v["failed"]))' 2>/dev/null
}

section "three regions, yes exactly half of those who took part nationally"

printf 'AST-0001\nALA-0001\nKAR-0001\n' >ids.txt
expect_ok "keygen: the central key" "" "$DAUYS" keygen --unencrypted -o central
expect_ok "keygen: three precinct keys" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys
{
    printf 'format: dauys-manifest 1\nreferendum: kz-mutant-2026\ntitle: Boundary referendum\n'
    printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
    printf 'question: q1 kz-constitutional Do you approve the amendments to the Constitution?\n'
    printf 'region: AST capital Astana\nregion: ALA city Almaty\nregion: KAR oblast Karaganda region\n'
    printf 'district: AST-D1 AST Esil\ndistrict: ALA-D1 ALA Almaly\ndistrict: KAR-D1 KAR Karaganda\n'
    for r in AST ALA KAR; do
        printf 'precinct: %s-0001 %s-D1 1000 %s Precinct %s-0001\n' "$r" "$r" "$(pub_b64 "keys/$r-0001.pub")" "$r"
    done
} >manifest.txt
"$DAUYS" sign manifest.txt -k central.key >/dev/null 2>&1

# 600 of 1,000 took part in each region; yes 360, 360 and 180: a majority
# in two regions of three (two thirds), and 900 of 1,800 nationally,
# exactly half, which is not more than half.
mkdir in
for p in "AST-0001 360 240 0 0" "ALA-0001 360 240 0 0" "KAR-0001 180 400 10 10"; do
    read -r id yes no nc inv <<<"$p"
    {
        printf 'format: dauys-protocol 1\nreferendum: kz-mutant-2026\nprecinct: %s\nversion: 1\n' "$id"
        printf 'citizens_on_list: 1000\nballots_received: 1000\nballots_issued: 600\n'
        printf 'ballots_cancelled: 400\nballots_in_boxes: 600\n'
        printf 'q1_yes: %s\nq1_no: %s\nq1_not_counted: %s\nq1_invalid: %s\n' "$yes" "$no" "$nc" "$inv"
    } >"in/$id.txt"
    "$DAUYS" sign "in/$id.txt" -k "keys/$id.key" >/dev/null 2>&1
done

# publish NAME PROGRAM: a workspace of the protocols above, published by PROGRAM.
publish() {
    expect_ok "$1: init" "workspace created" "$2" init -w "ws-$1" --manifest manifest.txt --central-key central.pub
    expect_ok "$1: ingest" "3 accepted" "$2" ingest -w "ws-$1" in
    expect_ok "$1: publish" "published" "$2" publish -w "ws-$1" -k central.key "bundle-$1"
}

section "dauys: not adopted, and the audit agrees"

publish real "$DAUYS"
check "  ... the majority is not met: 900 is not more than half of 1,800" \
    grep -qx "rule: majority not-met needed 901 have 900 of 1800" bundle-real/result.txt
check "  ... adopted: no" grep -qx "adopted: no" bundle-real/result.txt
check "  ... two regions of three have a majority" \
    grep -qx "rule: regions met needed 2 have 2 of 3" bundle-real/result.txt
expect_ok "verify: all checks pass" "all checks pass" "$AUDIT" verify -p central.pub bundle-real

section "the mutant: adopted at the boundary, and T2 alone catches it"

publish mutant "$MUTANT"
check "  ... the mutant meets the majority with exactly half" \
    grep -qx "rule: majority met needed 900 have 900 of 1800" bundle-mutant/result.txt
check "  ... adopted: yes" grep -qx "adopted: yes" bundle-mutant/result.txt
check "  ... its report says so too" grep -q "decision: VALID, ADOPTED" bundle-mutant/reports/tally.txt
check "  ... only the verdict differs from dauys's statement" \
    test "$(diff bundle-real/result.txt bundle-mutant/result.txt | grep -c '^[<>]')" = 4
for audit in "$MUTANT_AUDIT" "$AUDIT"; do
    who="the audit built from the mutated source"
    [ "$audit" = "$AUDIT" ] && who="the audit built from the tree"
    expect_exit "$who: verify exits 1 at the majority's line" 1 \
        "FAIL T2 result.txt line *: is \"rule: majority met needed 900 have 900 of 1800\"; the audit's re-tally gives \"rule: majority not-met needed 901 have 900 of 1800\"" \
        "$audit" verify -p central.pub bundle-mutant
    check "  ... and at the decision's" matches "$OUT" \
        "is \"adopted: yes\"; the audit's re-tally gives \"adopted: no\""
    expect_eq "  ... exactly T2 fails" "T2" "$(failing "$audit" bundle-mutant)"
done
expect_ok "the audit built from the mutated source passes dauys's bundle" "all checks pass" \
    "$MUTANT_AUDIT" verify -p central.pub bundle-real

summary
