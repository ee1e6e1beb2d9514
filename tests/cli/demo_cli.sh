#!/usr/bin/env bash
# demo_cli.sh: `dauys demo`, the main job, end to end on small sizes: it
# passes its own audit, its files are reproducible from the seed, the seed
# and profile change what they should, and bad options change nothing.
#
#   usage: bash tests/cli/demo_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Hermetic (mktemp -d), non-interactive. Needs bash, coreutils, util-linux
# (setsid) and minisign.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
cli_workdir demo
run() { run_split "$@"; }
differs() { ! cmp -s "$1" "$2"; }
lacks() { ! grep -q "$2" "$1"; }
MINISIGN=${MINISIGN:-minisign}

section "options"
expect_ok "dauys demo --help" "usage: dauys demo" "$DAUYS" demo --help
expect_exit "too few precincts" 2 "--precincts: from 20 to 1000000, not 19" "$DAUYS" demo --precincts 19 --out a
check "  ... nothing made" absent a
expect_exit "too many precincts" 2 "not 1000001" "$DAUYS" demo --precincts 1000001 --out a
expect_exit "not a number" 2 "--precincts: expected a number" "$DAUYS" demo --precincts 12x
expect_exit "an unknown profile" 2 "unknown rules profile \"nonsense\"" "$DAUYS" demo --profile nonsense --out a
mkdir full && echo keep >full/file
expect_exit "--out not empty" 2 "full: must be a new or empty directory" "$DAUYS" demo --precincts 20 --out full
expect_exit "--out under a directory that does not exist" 2 "no/such: its parent directory does not exist" \
    "$DAUYS" demo --precincts 20 --out no/such
check "  ... its file untouched" test "$(cat full/file)" = keep
expect_exit "a stray argument" 2 "usage" "$DAUYS" demo extra

section "a small demo passes its own audit"
expect_ok "dauys demo --precincts 120 --seed 7" "The audit passed" \
    "$DAUYS" demo --precincts 120 --seed 7 --out a
check "  ... every planted trouble reported (stderr)" matches "$STDERR" \
    "rejected:*-altered.txt*replay:*conflict:*duplicate:*stale:*rejected:*[R4]"
check "  ... and counted (stdout)" matches "$STDOUT" "120 accepted*1 conflicts*2 corrections*1 stale"
check "  ... the audit's table: all checks pass" matches "$OUT" "120 of 120 precincts counted*all checks pass"
check "  ... the decision" matches "$OUT" "120 of 120 precincts reporting (final)*VALID: yes"
check "  ... timings for each step" matches "$OUT" "dauys ingest incoming/*dauys-audit verify"
check "  ... the result is final" grep -qx "status: final" a/bundle/result.txt
expect_ok "  ... the kept workspace works with -w" "expected" "$DAUYS" status -w a/workspace
expect_ok "  ... the bundle audits again on its own" "all checks pass" \
    "$AUDIT" verify -p a/keys/central.pub a/bundle
expect_ok "  ... stock minisign verifies the result" "" "$MINISIGN" -Vm a/bundle/result.txt -p a/keys/central.pub
check "  ... precinct key files kept (small demo)" test -f a/keys/precincts/AST-0001.key
check "  ... secret keys are private (0600)" test "$(stat -c %a a/keys/central.key)" = 600

section "reproducible from the seed"
expect_ok "the same seed again, elsewhere" "The audit passed" "$DAUYS" demo --precincts 120 --seed 7 --out b
for f in manifest.txt manifest.txt.minisig bundle/log/entries.txt bundle/result.txt \
    bundle/result.txt.minisig bundle/checkpoint bundle/protocols/index.tsv keys/central.pub; do
    check "  ... $f is byte for byte the same" cmp -s "a/$f" "b/$f"
done
expect_ok "another seed" "The audit passed" "$DAUYS" demo --precincts 120 --seed 8 --out c
check "  ... another manifest" differs a/manifest.txt c/manifest.txt
check "  ... other numbers" differs a/bundle/result.txt c/bundle/result.txt

section "--files-only: the inputs, nothing run"
expect_exit "--files-only needs --out" 2 "--files-only needs --out" "$DAUYS" demo --files-only
expect_ok "--files-only --precincts 120 --seed 7" "The inputs are in" \
    "$DAUYS" demo --precincts 120 --seed 7 --files-only --out f
for f in manifest.txt manifest.txt.minisig keys/central.pub incoming/KAR-0002.txt incoming/KAR-0002.txt.minisig; do
    check "  ... $f is the full demo's, byte for byte" cmp -s "a/$f" "f/$f"
done
check "  ... no workspace and no bundle" absent f/workspace f/bundle
check "  ... every protocol is signed" \
    test "$(ls f/incoming/*.txt | wc -l)" -eq "$(ls f/incoming/*.minisig | wc -l)"

section "a profile"
expect_ok "--profile simple-majority" "The audit passed" \
    "$DAUYS" demo --precincts 40 --profile simple-majority --out d
check "  ... the result's profile" grep -qx "profile: simple-majority" d/bundle/result.txt
check "  ... no regional rule under it" lacks d/bundle/result.txt "rule: regions"

section "without --out, nothing is left behind"
before=$(ls -d /tmp/dauys-demo-* 2>/dev/null | wc -l)
expect_ok "dauys demo --precincts 20" "now removed" "$DAUYS" demo --precincts 20
expect_eq "  ... no temporary directory left" "$before" "$(ls -d /tmp/dauys-demo-* 2>/dev/null | wc -l)"

summary
